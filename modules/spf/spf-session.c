/*
 * spf-session.c — the spf module in an smtp session: the MAIL FROM check
 * at smtp.mail (and the HELO check at smtp.helo with `helo-check`), run
 * asynchronously while the handler pends; the configured policy turns
 * the result into a verdict; the outcomes stay readable through the
 * service until the transaction (MAIL) or the session (HELO) ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf-private.h"

static struct spf_conn *
spf_conn_get(struct gd_smtp_session *s, bool create)
{
	struct gd_conn *conn = spf_mod.smtp->conn(s);
	struct spf_conn *sc = GD_CONN_SLOT(conn, spf_mod.ctx,
	    struct spf_conn);

	if (sc != NULL || !create)
		return sc;
	sc = gd_xcalloc(1, sizeof(*sc));
	GD_CONN_SLOT_SET(conn, spf_mod.ctx, sc);
	return sc;
}

/* Free a check; a handler still waiting for it goes on (CONTINUE). */
static void
spf_conn_drop(struct spf_conn *sc, struct gd_spf_check **check)
{
	struct gd_hook_pending *p;

	if (*check != NULL && spf_check_outcome(*check) == NULL &&
	    sc->pending != NULL) {
		p = sc->pending;
		sc->pending = NULL;
		gd_hook_resume(p, GD_VERDICT_CONTINUE, NULL);
	}
	spf_check_free(*check);
	*check = NULL;
}

/* Printable ASCII only, for a reply line. */
static void
spf_reply_text(char *text, const char *fmt, const char *a, const char *b)
{
	char *p;

	snprintf(text, GD_REPLY_TEXT_MAX + 1, fmt, a, b);
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

enum gd_verdict
spf_policy_verdict(const struct spf_config *cfg,
    const struct gd_spf_outcome *o, struct gd_reply *reply_r, char *text)
{
	enum spf_action act = cfg->policy[o->result];
	bool error = o->result == GD_SPF_TEMPERROR ||
	    o->result == GD_SPF_PERMERROR;

	if (act == SPF_ACTION_ACCEPT)
		return GD_VERDICT_CONTINUE;
	if (o->explanation != NULL)
		spf_reply_text(text, "SPF %s: %s", spf_result_str(o->result),
		    o->explanation);
	else
		spf_reply_text(text, "SPF %s for %s", spf_result_str(o->result),
		    o->domain);
	reply_r->text = text;
	if (act == SPF_ACTION_REJECT) {
		reply_r->code = 550;
		reply_r->enhanced = error ? "5.7.24" : "5.7.23";
		return GD_VERDICT_REJECT;
	}
	reply_r->code = 451;
	reply_r->enhanced = error ? "4.7.24" : "4.7.23";
	return GD_VERDICT_TEMPFAIL;
}

static void
spf_log(struct gd_smtp_session *s, const struct gd_spf_outcome *o)
{
	char d[300], m[300], p[300];

	gd_log(GD_LOG_INFO, "spf.result", "session=%s identity=%s result=%s "
	    "ip=%s domain=%s mechanism=%s problem=%s", spf_mod.smtp->id(s),
	    o->identity_str, spf_result_str(o->result), o->client_ip,
	    gd_log_quote(d, sizeof(d), o->domain),
	    gd_log_quote(m, sizeof(m), o->mechanism != NULL ?
	    o->mechanism : "-"),
	    gd_log_quote(p, sizeof(p), o->problem != NULL ?
	    o->problem : "-"));
}

/*
 * A check finished after its handler pended.  (The Received-SPF field:
 * see spf_mail_hook.)
 */
static void
spf_check_done(void *arg, struct gd_spf_check *check)
{
	struct spf_conn *sc = arg;
	const struct gd_spf_outcome *o = spf_check_outcome(check);
	struct gd_reply reply = { 0, NULL, NULL };
	struct gd_hook_pending *p = sc->pending;
	enum gd_verdict v;

	spf_log(sc->session, o);
	v = spf_policy_verdict(spf_mod.cfg, o, &reply, sc->reply);
	sc->pending = NULL;
	if (p != NULL)
		gd_hook_resume(p, v, &reply);
}

/* Start a check; the handler's verdict now, or PENDING. */
static enum gd_verdict
spf_run(struct gd_hook_call *call, struct spf_conn *sc,
    struct gd_spf_check **slot, const struct gd_spf_request *req,
    struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = spf_mod.smtp->session(call);
	bool finished = false;
	char *text;

	sc->loop = gd_hook_call_loop(call);
	sc->session = s;
	*slot = spf_check_start(&spf_resolver_ops, sc->loop, req,
	    spf_check_done, sc, &finished);
	if (*slot == NULL)
		return GD_VERDICT_CONTINUE;	/* no IP address (UNIX) */
	if (!finished) {
		sc->pending = gd_hook_pend(call);
		return GD_VERDICT_PENDING;
	}
	spf_log(s, spf_check_outcome(*slot));
	text = gd_pool_alloc(gd_hook_call_pool(call), GD_REPLY_TEXT_MAX + 1);
	return spf_policy_verdict(spf_mod.cfg, spf_check_outcome(*slot),
	    reply_r, text);
}

static bool
spf_skip(struct gd_smtp_session *s)
{
	return spf_mod.cfg->skip_authenticated &&
	    spf_mod.smtp->auth_user(s) != NULL;
}

static void
spf_request(struct gd_smtp_session *s, struct gd_spf_request *req,
    enum gd_spf_identity id, const char *helo)
{
	const struct gd_smtp_mail *mail = spf_mod.smtp->mail(s);

	memset(req, 0, sizeof(*req));
	req->ip = spf_mod.smtp->client_ip(s);
	req->helo = helo;
	req->identity = id;
	req->sender = id == GD_SPF_ID_MAILFROM && mail != NULL ?
	    mail->sender : NULL;
	req->receiver = spf_mod.cfg->receiver;
	req->timeout_ms = spf_mod.cfg->timeout_ms;
}

enum gd_verdict
spf_helo_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = spf_mod.smtp->session(call);
	struct gd_spf_request req;
	struct spf_conn *sc;

	(void)ctx; (void)data;
	if (!spf_mod.cfg->helo_check || spf_skip(s))
		return GD_VERDICT_CONTINUE;
	sc = spf_conn_get(s, true);
	spf_conn_drop(sc, &sc->helo);
	spf_request(s, &req, GD_SPF_ID_HELO, gd_hook_call_arg(call));
	return spf_run(call, sc, &sc->helo, &req, reply_r);
}

enum gd_verdict
spf_mail_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = spf_mod.smtp->session(call);
	struct gd_spf_request req;
	struct spf_conn *sc;

	(void)ctx; (void)data;
	if (spf_skip(s))
		return GD_VERDICT_CONTINUE;
	sc = spf_conn_get(s, true);
	spf_conn_drop(sc, &sc->mail);
	spf_request(s, &req, GD_SPF_ID_MAILFROM, spf_mod.smtp->helo(s));
	return spf_run(call, sc, &sc->mail, &req, reply_r);
}

/*
 * smtp.data: the MAIL FROM check's result goes on top of the delivered
 * message as Received-SPF (RFC 7208 9.1).  A check still running (the
 * client pipelined past a pending MAIL cannot: the MAIL reply waited for
 * it) or skipped adds nothing.
 */
enum gd_verdict
spf_data_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = spf_mod.smtp->session(call);
	const struct gd_spf_outcome *o = spf_session_mail(s);
	char value[SPF_RECEIVED_MAX];
	enum gd_smtp_field_status st;

	(void)ctx; (void)data; (void)reply_r;
	if (o == NULL)
		return GD_VERDICT_CONTINUE;
	st = spf_received_field(o, value, sizeof(value)) < sizeof(value) ?
	    spf_mod.smtp->add_field(s, "Received-SPF", value) :
	    GD_SMTP_FIELD_LIMIT;
	if (st != GD_SMTP_FIELD_OK)
		gd_log(GD_LOG_WARNING, "spf.field", "session=%s "
		    "Received-SPF not added (status %d)",
		    spf_mod.smtp->id(s), (int)st);
	return GD_VERDICT_CONTINUE;
}

enum gd_verdict
spf_reset_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct spf_conn *sc = spf_conn_get(spf_mod.smtp->session(call),
	    false);

	(void)ctx; (void)data; (void)reply_r;
	if (sc != NULL)
		spf_conn_drop(sc, &sc->mail);
	return GD_VERDICT_CONTINUE;
}

enum gd_verdict
spf_disconnect_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = spf_mod.smtp->session(call);
	struct spf_conn *sc = spf_conn_get(s, false);

	(void)data; (void)reply_r;
	if (sc == NULL)
		return GD_VERDICT_CONTINUE;
	spf_conn_drop(sc, &sc->mail);
	spf_conn_drop(sc, &sc->helo);
	free(sc);
	GD_CONN_SLOT_SET(spf_mod.smtp->conn(s), ctx, NULL);
	return GD_VERDICT_CONTINUE;
}

const struct gd_spf_outcome *
spf_session_mail(struct gd_smtp_session *s)
{
	struct spf_conn *sc = spf_conn_get(s, false);

	return sc != NULL ? spf_check_outcome(sc->mail) : NULL;
}

const struct gd_spf_outcome *
spf_session_helo(struct gd_smtp_session *s)
{
	struct spf_conn *sc = spf_conn_get(s, false);

	return sc != NULL ? spf_check_outcome(sc->helo) : NULL;
}
