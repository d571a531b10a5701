/*
 * dmarc-session.c — the hook handlers.  smtp.data subscribes to the
 * parsed header for the From domain; smtp.data-end evaluates (DNS on
 * the connection's loop, the handler pends), builds the
 * Authentication-Results value, records the report data and answers:
 * REJECT 550 5.7.1 for p=reject failures when enforcing, CONTINUE
 * otherwise (quarantine is read by the delivering module through the
 * service).  smtp.reset drops the transaction's state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>

#include "dmarc-private.h"

/* The transaction's state (one per connection, reset per transaction). */
struct dmarc_txn {
	bool subscribed;
	struct dmarc_from from;		/* RFC5322.From (dmarc-from.c) */
	struct gd_dmarc_input in;
	struct gd_dmarc_eval *ev;
	struct gd_hook_pending *pending;
	char *ar;			/* the field value, malloc'd */
	char reply[GD_REPLY_TEXT_MAX];
	const char *session_id;
	struct gd_smtp_session *session;
	struct gd_dmarc_dkim_sig dkim[DMARC_DKIM_MAX];
	struct dmarc_buf header;	/* for failure reports (bounded) */
	bool header_cut;
};

static void dmarc_eval_done(struct gd_dmarc_eval *ev,
    const struct gd_dmarc_outcome *o, void *arg);
static bool dmarc_applies(struct gd_smtp_session *s);

/* ---- DNS: the engine's ops on the connection's loop --------------------- */

static void *
dmarc_dns_resolve(void *ctx, const char *name, int rrtype, gd_dns_fn *cb,
    void *arg)
{
	return gd_dns_resolve(ctx, name, rrtype, 0, cb, arg);
}

static void
dmarc_dns_cancel(void *ctx, void *query)
{
	struct gd_dns_query *q = query;

	(void)ctx;
	gd_dns_cancel(&q);
}

const struct gd_dmarc_dns_ops dmarc_dns_ops = {
	dmarc_dns_resolve, dmarc_dns_cancel,
};

/* ---- state -------------------------------------------------------------- */

static struct dmarc_txn *
dmarc_txn_get(struct gd_smtp_session *s, bool create)
{
	struct gd_conn *conn = dmarc_mod.smtp->conn(s);
	struct dmarc_txn *t = GD_CONN_SLOT(conn, dmarc_mod.ctx,
	    struct dmarc_txn);

	if (t != NULL || !create)
		return t;
	t = gd_xcalloc(1, sizeof(*t));
	GD_CONN_SLOT_SET(conn, dmarc_mod.ctx, t);
	return t;
}

static void
dmarc_txn_clear(struct dmarc_txn *t)
{
	dmarc_eval_destroy(&t->ev);
	free(t->ar);
	dmarc_buf_free(&t->header);
	memset(t, 0, sizeof(*t));
}

/* ---- the From domain ---------------------------------------------------- */

static void
dmarc_header_addresses(void *ctx, const char *name,
    const struct gd_msg_address *list)
{
	struct dmarc_txn *t = ctx;

	if (strcasecmp(name, "From") == 0)
		dmarc_from_add(&t->from, list);
}

/* The original header, kept only when failure reports can be written. */
static void
dmarc_header_field(void *ctx, const struct gd_msg_field *f)
{
	struct dmarc_txn *t = ctx;

	if (dmarc_mod.cfg.spool != NULL && dmarc_mod.cfg.failure_per_hour > 0)
		dmarc_failure_collect(&t->header, &t->header_cut, f);
}

static const struct gd_smtp_header_handler dmarc_header_handler = {
	.field = dmarc_header_field,
	.addresses = dmarc_header_addresses,
};

/* ---- handlers ------------------------------------------------------------ */

/*
 * RFC 8601 5: an Authentication-Results field that carries our
 * authserv-id did not come from us (ours is added on delivery): it is
 * left out of the delivered copy.
 */
static bool
dmarc_drop_ours(void *ctx, const struct gd_msg_field *f)
{
	const char *id = dmarc_mod.cfg.authserv_id, *v = f->value;
	size_t n = strlen(id), len = f->value_len;

	(void)ctx;
	if (f->name_len != 22 ||
	    strncasecmp(f->name, "Authentication-Results", 22) != 0)
		return false;
	for (; len > 0 && (*v == ' ' || *v == '\t'); v++, len--)
		continue;
	if (len < n || strncasecmp(v, id, n) != 0)
		return false;
	return len == n || v[n] == ';' || v[n] == ' ' || v[n] == '\t' ||
	    v[n] == '(';
}

enum gd_verdict
dmarc_data_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = dmarc_mod.smtp->session(call);
	struct dmarc_txn *t = dmarc_txn_get(s, true);

	(void)ctx; (void)data; (void)reply_r;
	dmarc_txn_clear(t);
	if (dmarc_mod.smtp->header_subscribe(s, &dmarc_header_handler,
	    t) == 0)
		t->subscribed = true;
	if (dmarc_applies(s))
		(void)dmarc_mod.smtp->drop_fields(s, dmarc_drop_ours, NULL);
	return GD_VERDICT_CONTINUE;
}

static unsigned
dmarc_sample(void)
{
	uint32_t r = 0;

	(void)gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof(r));
	return r % 100;
}

/* The spf module's MAIL FROM result (postmaster@HELO for the null
 * sender: the identity DMARC aligns), or none. */
static enum gd_dmarc_auth
dmarc_spf_input(struct gd_smtp_session *s)
{
	const struct gd_spf_outcome *o;

	if (dmarc_mod.spf == NULL ||
	    (o = dmarc_mod.spf->mail_outcome(s)) == NULL)
		return GD_DMARC_AUTH_NONE;
	return dmarc_auth_from_spf(o->result);
}

/* The dkim module's per-signature results (none when not loaded). */
static void
dmarc_dkim_input(struct dmarc_txn *t, struct gd_smtp_session *s)
{
	struct gd_dkim_outcome out;
	size_t i, n = 0;

	if (dmarc_mod.dkim != NULL &&
	    dmarc_mod.dkim->transaction_outcome(s, &out) == 1)
		for (i = 0; i < out.count && n < DMARC_DKIM_MAX; i++) {
			const struct gd_dkim_sig_result *r = &out.sigs[i];

			t->dkim[n].result = dmarc_auth_from_dkim(r->result);
			t->dkim[n].domain = r->domain;
			t->dkim[n].selector = r->selector;
			t->dkim[n].b = r->b_prefix;
			n++;
		}
	t->in.dkim = t->dkim;
	t->in.ndkim = n;
}

static void
dmarc_input_fill(struct dmarc_txn *t, struct gd_smtp_session *s)
{
	const struct gd_smtp_mail *mail = dmarc_mod.smtp->mail(s);

	memset(&t->in, 0, sizeof(t->in));
	t->in.from_domain = dmarc_from_domain(&t->from);
	t->in.client_ip = dmarc_mod.smtp->client_ip(s);
	t->in.helo = dmarc_mod.smtp->helo(s);
	t->in.mail_from_domain = mail != NULL ? mail->domain : NULL;
	t->in.spf = dmarc_spf_input(s);
	dmarc_dkim_input(t, s);
	t->in.sample = dmarc_sample();
}

/* An enforced quarantine: the recipients' \Junk folders (the delivering
 * module files it there), or a marking header field. */
static void
dmarc_quarantine(struct dmarc_txn *t, const struct gd_dmarc_outcome *o)
{
	char reason[300];

	if (dmarc_mod.cfg.quarantine == DMARC_QUARANTINE_HEADER) {
		if (dmarc_mod.smtp->add_field(t->session, "X-Gumdrop-DMARC",
		    "quarantine") != GD_SMTP_FIELD_OK)
			gd_log(GD_LOG_WARNING, "dmarc.field", "session=%s "
			    "X-Gumdrop-DMARC not added", t->session_id);
		return;
	}
	(void)snprintf(reason, sizeof(reason), "DMARC policy of %s: "
	    "quarantine", o->from_domain != NULL ? o->from_domain : "-");
	if (dmarc_mod.smtp->quarantine(t->session, reason) < 0)
		gd_log(GD_LOG_WARNING, "dmarc.quarantine", "session=%s "
		    "too late to quarantine", t->session_id);
}

static void
dmarc_failure_send(struct dmarc_txn *t, const struct gd_dmarc_outcome *o)
{
	const struct gd_smtp_mail *mail = dmarc_mod.smtp->mail(t->session);
	struct dmarc_failure_src src = {
		.in = &t->in, .o = o, .auth_results = t->ar,
		.mail_from = mail != NULL ? mail->sender : "",
		.header = &t->header, .header_cut = t->header_cut,
		.now = time(NULL),
	};

	dmarc_failure_report(&dmarc_mod.cfg, &src);
}

/* The report data and failure reports: one per author domain evaluated
 * (each domain's owner asked for its own). */
static void
dmarc_report_each(struct dmarc_txn *t)
{
	const struct gd_dmarc_outcome *o;
	const char *error;
	size_t i;

	for (i = 0; (o = dmarc_eval_author(t->ev, i)) != NULL; i++) {
		if (dmarc_store_record(&dmarc_mod.cfg, time(NULL),
		    t->in.client_ip, &t->in, o, &error) != 0)
			gd_log_errno(GD_LOG_WARNING, "dmarc.store",
			    "session=%s reason=\"%s\"", t->session_id, error);
		dmarc_failure_send(t, o);
	}
}

/* Log, record, build the field; then the verdict and its reply. */
static enum gd_verdict
dmarc_decide(struct dmarc_txn *t, const struct gd_dmarc_outcome *o,
    struct gd_reply *reply_r)
{
	const struct dmarc_config *cfg = &dmarc_mod.cfg;

	t->ar = gd_xmalloc(DMARC_AR_MAX);
	if (dmarc_auth_results(t->ar, DMARC_AR_MAX, cfg->authserv_id, &t->in,
	    o) < 0)
		t->ar[0] = '\0';
	else if (dmarc_mod.smtp->add_field(t->session,
	    "Authentication-Results", t->ar) != GD_SMTP_FIELD_OK)
		gd_log(GD_LOG_WARNING, "dmarc.field", "session=%s "
		    "Authentication-Results not added", t->session_id);
	gd_log(GD_LOG_INFO, "dmarc.result", "session=%s result=%s from=%s "
	    "policy=%s disposition=%s reason=%s", t->session_id,
	    dmarc_result_str(o->result), o->from_domain != NULL ?
	    o->from_domain : "-", dmarc_policy_str(o->policy),
	    dmarc_policy_str(o->disposition), o->reason);
	dmarc_report_each(t);
	if (!cfg->enforce)
		return GD_VERDICT_CONTINUE;
	if (o->verdict == GD_DMARC_VERDICT_QUARANTINE)
		dmarc_quarantine(t, o);
	if (o->verdict == GD_DMARC_VERDICT_REJECT) {
		(void)snprintf(t->reply, sizeof(t->reply), "DMARC policy of "
		    "%s rejects this message", o->from_domain);
		reply_r->code = 550;
		reply_r->enhanced = "5.7.1";
		reply_r->text = t->reply;
		return GD_VERDICT_REJECT;
	}
	if (o->verdict == GD_DMARC_VERDICT_TEMPFAIL &&
	    cfg->temperror_tempfail) {
		reply_r->code = 451;
		reply_r->enhanced = "4.7.0";
		reply_r->text = "DMARC: temporary DNS failure, try again later";
		return GD_VERDICT_TEMPFAIL;
	}
	return GD_VERDICT_CONTINUE;
}

/*
 * DMARC judges mail from other domains' senders: not authenticated
 * submission (our own users), nor clients in the relay networks.
 */
static bool
dmarc_applies(struct gd_smtp_session *s)
{
	return dmarc_mod.smtp->protocol(s) != GD_SMTP_PROTO_SUBMISSION &&
	    dmarc_mod.smtp->auth_user(s) == NULL &&
	    !dmarc_mod.smtp->relay_client(s);
}

enum gd_verdict
dmarc_data_end_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = dmarc_mod.smtp->session(call);
	struct dmarc_txn *t = dmarc_txn_get(s, true);

	(void)ctx; (void)data;
	if (!dmarc_applies(s))
		return GD_VERDICT_CONTINUE;
	t->session_id = dmarc_mod.smtp->id(s);
	t->session = s;
	dmarc_input_fill(t, s);
	if (dmarc_eval_start(dmarc_mod.cfg.method, &t->in, &dmarc_dns_ops,
	    gd_hook_call_loop(call), dmarc_eval_done, t, &t->ev) == 1)
		return dmarc_decide(t, dmarc_eval_outcome(t->ev), reply_r);
	t->pending = gd_hook_pend(call);
	return GD_VERDICT_PENDING;
}

static void
dmarc_eval_done(struct gd_dmarc_eval *ev, const struct gd_dmarc_outcome *o,
    void *arg)
{
	struct dmarc_txn *t = arg;
	struct gd_hook_pending *p = t->pending;
	struct gd_reply reply;
	enum gd_verdict v;

	(void)ev;
	memset(&reply, 0, sizeof(reply));
	t->pending = NULL;
	v = dmarc_decide(t, o, &reply);
	gd_hook_resume(p, v, &reply);
}

enum gd_verdict
dmarc_reset_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct dmarc_txn *t = dmarc_txn_get(dmarc_mod.smtp->session(call),
	    false);

	(void)ctx; (void)data; (void)reply_r;
	if (t != NULL)
		dmarc_txn_clear(t);
	return GD_VERDICT_CONTINUE;
}

enum gd_verdict
dmarc_disconnect_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = dmarc_mod.smtp->session(call);
	struct dmarc_txn *t = dmarc_txn_get(s, false);

	(void)data; (void)reply_r;
	if (t == NULL)
		return GD_VERDICT_CONTINUE;
	dmarc_txn_clear(t);
	free(t);
	GD_CONN_SLOT_SET(dmarc_mod.smtp->conn(s), ctx, NULL);
	return GD_VERDICT_CONTINUE;
}

/* ---- the service's view of the session ---------------------------------- */

const struct gd_dmarc_outcome *
dmarc_session_outcome(struct gd_smtp_session *s)
{
	struct dmarc_txn *t = dmarc_txn_get(s, false);

	return t != NULL ? dmarc_eval_outcome(t->ev) : NULL;
}

const char *
dmarc_session_auth_results(struct gd_smtp_session *s)
{
	struct dmarc_txn *t = dmarc_txn_get(s, false);

	return t != NULL && t->ar != NULL && t->ar[0] != '\0' ? t->ar : NULL;
}
