/*
 * dkim-session.c — the dkim module in the SMTP transaction: at smtp.data
 * a stream consumer that feeds the verifier (and, for authenticated
 * sessions with a key for the From domain, the signer) and forwards the
 * bytes unchanged; at smtp.data-end the key lookups (the handler pends
 * until the last answer) and the results kept for the transaction.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gumdrop/conn.h>
#include <gumdrop/dns.h>

#include "dkim-private.h"

/* ---- DNS: the engine's ops mapped to gd_dns_resolve ---------------------- */

/*
 * This worker's key cache (dkim_thread_init): keys answered by DNS are
 * kept for their TTL, so that a verifier on these ops finds them again
 * without DNS, parsing or importing.  Per thread: no lock.
 */
static __thread struct dkim_keycache *dkim_worker_cache;

/* Key records kept per worker, and the longest they are kept. */
#define DKIM_CACHE_KEYS		512
#define DKIM_CACHE_MAX_TTL	86400

void
dkim_cache_thread_init(void)
{
	if (dkim_worker_cache == NULL)
		dkim_worker_cache = dkim_keycache_create(DKIM_CACHE_KEYS,
		    DKIM_CACHE_MAX_TTL);
}

void
dkim_cache_thread_fini(void)
{
	dkim_keycache_free(&dkim_worker_cache);
}

/* An answer with a TTL and a usable key record goes in the cache. */
static void
dkim_dns_keep(const struct gd_dns_result *r, const struct gd_dkim_txt *txt,
    size_t n)
{
	struct dkim_key *key;
	const char *why;

	if (dkim_worker_cache == NULL || r->ttl == 0 || r->name == NULL)
		return;
	key = gd_xcalloc(1, sizeof(*key));
	if (dkim_key_pick(txt, n, key, &why) == GD_DKIM_PASS)
		dkim_keycache_put(dkim_worker_cache, r->name, key, r->ttl,
		    time(NULL));
	free(key);
}

struct dkim_query {
	struct gd_dns_query *q;
	gd_dkim_dns_done_fn *done;
	void *arg;
};

static void
dkim_dns_cb(const struct gd_dns_result *r, void *arg)
{
	struct dkim_query *dq = arg;
	struct gd_dkim_txt txt[16];
	enum gd_dkim_dns_status st = GD_DKIM_DNS_TEMPFAIL;
	size_t i, n = 0;

	if (r->status == GD_DNS_OK) {
		st = GD_DKIM_DNS_OK;
		for (i = 0; i < r->count && n < 16; i++, n++) {
			txt[n].text = r->txt[i].text;
			txt[n].len = r->txt[i].text_len;
		}
	} else if (r->status == GD_DNS_NXDOMAIN) {
		st = GD_DKIM_DNS_NXDOMAIN;
	} else if (r->status == GD_DNS_NODATA) {
		st = GD_DKIM_DNS_NODATA;
	}
	if (st == GD_DKIM_DNS_OK)
		dkim_dns_keep(r, txt, n);
	dq->q = NULL;
	dq->done(dq->arg, st, txt, n);
	free(dq);
}

static void *
dkim_dns_start(void *ctx, const char *name, gd_dkim_dns_done_fn *done,
    void *arg)
{
	struct gd_loop *loop = ctx;
	struct dkim_query *dq = gd_xcalloc(1, sizeof(*dq));

	dq->done = done;
	dq->arg = arg;
	dq->q = gd_dns_resolve(loop, name, GD_DNS_TXT, 0, dkim_dns_cb, dq);
	return dq;
}

static void
dkim_dns_cancel(void *ctx, void *handle)
{
	struct dkim_query *dq = handle;

	(void)ctx;
	gd_dns_cancel(&dq->q);
	free(dq);
}

struct gd_dkim_verifier *
dkim_verifier_new(const struct gd_dkim_verify_opts *opts,
    const struct gd_dkim_dns_ops *dns)
{
	struct gd_dkim_verifier *v = dkim_verify_create(opts, dns);

	if (dns != NULL && dns->txt_start == dkim_dns_start)
		dkim_verify_set_cache(v, dkim_worker_cache);
	return v;
}

void
dkim_dns_ops_loop(struct gd_loop *loop, struct gd_dkim_dns_ops *ops)
{
	ops->txt_start = dkim_dns_start;
	ops->cancel = dkim_dns_cancel;
	ops->ctx = loop;
}

/* ---- the transaction ----------------------------------------------------- */

/* Pool cleanup: lookups cancelled, a pending call released, slot cleared. */
static void
dkim_txn_cleanup(void *arg)
{
	struct dkim_txn *t = arg;

	dkim_verify_destroy(&t->verifier);
	dkim_sign_destroy(&t->signer);
	if (t->pending != NULL)
		gd_hook_resume(t->pending, GD_VERDICT_CONTINUE, NULL);
	t->pending = NULL;
	if (GD_CONN_SLOT(t->conn, t->ctx, struct dkim_txn) == t)
		GD_CONN_SLOT_SET(t->conn, t->ctx, NULL);
}

static ssize_t
dkim_stream_write(struct gd_stream_link *link, void *ctx, const void *buf,
    size_t len, const char **error_r)
{
	struct dkim_txn *t = ctx;
	ssize_t n = gd_stream_forward(link, buf, len, error_r);

	/* Only what the next consumer took: it sees it again otherwise. */
	if (n > 0 && t->verifier != NULL)
		dkim_verify_write(t->verifier, buf, (size_t)n);
	if (n > 0 && t->signer != NULL)
		dkim_sign_write(t->signer, buf, (size_t)n);
	return n;
}

static const struct gd_stream_consumer dkim_consumer = {
	"dkim", dkim_stream_write, NULL, NULL,
};

static struct dkim_txn *
dkim_txn_create(struct dkim_config *cfg, struct gd_module_ctx *ctx,
    struct gd_smtp_session *s)
{
	struct gd_pool *pool = cfg->smtp->transaction_pool(s);
	struct dkim_txn *t;

	if (pool == NULL)
		return NULL;
	t = gd_pool_alloc(pool, sizeof(*t));
	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->ctx = ctx;
	t->conn = cfg->smtp->conn(s);
	t->session = s;
	t->pool = pool;
	gd_pool_cleanup_add(pool, dkim_txn_cleanup, t);
	GD_CONN_SLOT_SET(t->conn, ctx, t);
	return t;
}

enum gd_verdict
dkim_hook_data(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct dkim_config *cfg = gd_module_ctx_get_data(ctx);
	struct gd_smtp_session *s = cfg->smtp->session(call);
	struct gd_smtp_data *d = gd_hook_call_arg(call);
	bool authed, sign, verify;
	struct dkim_txn *t;
	const char *err;

	(void)data;
	(void)reply_r;
	authed = cfg->smtp->auth_user(s) != NULL;
	sign = authed && cfg->nkeys > 0;
	verify = cfg->verify && !authed;
	if ((!sign && !verify) || (t = dkim_txn_create(cfg, ctx, s)) == NULL)
		return GD_VERDICT_CONTINUE;
	if (verify) {
		t->verifier = dkim_verify_create(&cfg->vopts, &t->dns);
		dkim_verify_set_cache(t->verifier, dkim_worker_cache);
	}
	if (sign && (t->signer = dkim_sign_create_imported(cfg->keys,
	    cfg->privs, cfg->nkeys, &cfg->sopts, &err)) == NULL)
		gd_log(GD_LOG_WARNING, "dkim.sign", "session=%s reason=%s",
		    cfg->smtp->id(s), err);
	gd_stream_push(d->stream, &dkim_consumer, t);
	return GD_VERDICT_CONTINUE;
}

static void
dkim_log_results(struct dkim_txn *t, struct gd_smtp_session *s)
{
	const struct gd_dkim_sig_result *r;
	size_t n, i;

	r = dkim_verify_results(t->verifier, &n);
	for (i = 0; i < n; i++)
		gd_log(GD_LOG_INFO, "dkim.verify", "session=%s result=%s d=%s "
		    "s=%s a=%s b=%s reason=\"%s\"", t->cfg->smtp->id(s),
		    dkim_result_name(r[i].result), r[i].domain,
		    r[i].selector, r[i].algorithm, r[i].b_prefix,
		    r[i].reason);
}

/*
 * Each "DKIM-Signature: value" field of `fields` (folded, each ending
 * with CRLF) on top of the delivered copy, byte for byte: add_field
 * writes "DKIM-Signature: " then the value, as the signer hashed it.
 */
static void
dkim_sign_add(struct dkim_txn *t, struct gd_smtp_session *s, char *fields)
{
	static const char name[] = "DKIM-Signature: ";
	char *p = fields, *end;

	while (strncmp(p, name, sizeof(name) - 1) == 0) {
		p += sizeof(name) - 1;
		for (end = strstr(p, "\r\n"); end != NULL &&
		    (end[2] == ' ' || end[2] == '\t');
		    end = strstr(end + 2, "\r\n"))
			continue;
		if (end != NULL)
			*end = '\0';
		if (t->cfg->smtp->add_field(s, "DKIM-Signature", p) !=
		    GD_SMTP_FIELD_OK)
			gd_log(GD_LOG_WARNING, "dkim.sign", "session=%s "
			    "reason=\"signature not added\"",
			    t->cfg->smtp->id(s));
		if (end == NULL)
			break;
		p = end + 2;
	}
}

/* Sign, and put the signatures on the delivered copy. */
static void
dkim_sign_end(struct dkim_txn *t, struct gd_smtp_session *s)
{
	char domain[256];
	const char *err = "", *f;

	if (dkim_sign_from_domain(t->signer, domain, sizeof(domain)) < 0)
		return;
	dkim_sign_restrict(t->signer, domain);
	if (dkim_sign_key_count(t->signer) == 0)
		return;
	if ((f = dkim_sign_finish(t->signer, &err)) == NULL) {
		gd_log(GD_LOG_WARNING, "dkim.sign", "session=%s reason=\"%s\"",
		    t->cfg->smtp->id(s), err);
		return;
	}
	dkim_sign_add(t, s, gd_pool_strdup(t->pool, f));
	gd_log(GD_LOG_INFO, "dkim.sign", "session=%s d=%s fields=%zu",
	    t->cfg->smtp->id(s), domain, strlen(f));
}

static void
dkim_verify_done(void *arg)
{
	struct dkim_txn *t = arg;
	struct gd_hook_pending *p = t->pending;

	t->reported = true;
	t->pending = NULL;
	dkim_log_results(t, t->session);
	gd_hook_resume(p, GD_VERDICT_CONTINUE, NULL);
}

enum gd_verdict
dkim_hook_data_end(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct dkim_config *cfg = gd_module_ctx_get_data(ctx);
	struct gd_smtp_session *s = cfg->smtp->session(call);
	struct dkim_txn *t = GD_CONN_SLOT(cfg->smtp->conn(s), ctx,
	    struct dkim_txn);

	(void)data;
	(void)reply_r;
	if (t == NULL)
		return GD_VERDICT_CONTINUE;
	if (t->signer != NULL)
		dkim_sign_end(t, s);
	if (t->verifier == NULL)
		return GD_VERDICT_CONTINUE;
	t->loop = gd_hook_call_loop(call);
	dkim_dns_ops_loop(t->loop, &t->dns);	/* the verifier holds &t->dns */
	if (dkim_verify_finish(t->verifier, dkim_verify_done, t) == 1) {
		t->reported = true;
		dkim_log_results(t, s);
		return GD_VERDICT_CONTINUE;
	}
	t->pending = gd_hook_pend(call);
	return GD_VERDICT_PENDING;
}

int
dkim_txn_outcome(struct gd_module_ctx *ctx, struct gd_smtp_session *s,
    struct gd_dkim_outcome *out_r)
{
	struct dkim_config *cfg = gd_module_ctx_get_data(ctx);
	struct dkim_txn *t = GD_CONN_SLOT(cfg->smtp->conn(s), ctx,
	    struct dkim_txn);

	memset(out_r, 0, sizeof(*out_r));
	if (t == NULL || !t->reported || t->verifier == NULL)
		return 0;
	out_r->sigs = dkim_verify_results(t->verifier, &out_r->count);
	return 1;
}
