/*
 * gumdrop/dmarc.h — the dmarc module's service: DMARC (RFC 9989, the
 * DMARCbis standard, and RFC 7489) records, policy discovery, identifier
 * alignment, the verdict, and the Authentication-Results field (RFC 8601)
 * that combines SPF, DKIM and DMARC.
 *
 * Two users:
 *   - other modules at smtp.data-end (after dmarc in the chain) read the
 *     transaction's outcome with `outcome()`: the combined AuthResult of
 *     the seed (passed / should reject / should quarantine);
 *   - offline tools (gumdropctl auth dmarc) run the same engine with
 *     their own DNS (a zone file) through `eval_start()`.
 *
 *   static const struct gd_dmarc_service *dmarc;
 *   dmarc = gd_service_lookup(GD_DMARC_SERVICE, 1, 0, error_r);  // init
 *   ...
 *   const struct gd_dmarc_outcome *o = dmarc->outcome(session);
 *   if (o != NULL && o->verdict == GD_DMARC_VERDICT_QUARANTINE) ...
 *
 * The engine is pure: no loop, no smtp.  Its DNS goes through a struct
 * gd_dmarc_dns_ops (start a query, cancel it) whose answers use dns.h's
 * struct gd_dns_result, so the daemon maps the ops to gd_dns_resolve()
 * and a test or a tool answers from a table.
 *
 * SERVICE CHANGELOG (adding entries is a minor bump; check a newer
 * entry with GD_SERVICE_HAS before calling it):
 *   1.0  2026-12-01  first version.
 *   1.1  2026-12-01  eval_start_dns, authserv_id, message_from_domain,
 *                    auth_from_spf, auth_from_dkim: the daemon's
 *                    evaluation for offline tools (gumdropctl auth
 *                    dmarc).
 *   1.2  2026-12-01  message_from_domains; gd_dmarc_input.from_domain
 *                    may list several author domains (RFC 9989 11.5).
 */
#ifndef GUMDROP_DMARC_H
#define GUMDROP_DMARC_H

#include <stddef.h>
#include <stdint.h>

#include <gumdrop/common.h>
#include <gumdrop/dns.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_loop;
struct gd_smtp_session;

#define GD_DMARC_SERVICE	"dmarc"
#define GD_DMARC_SERVICE_MAJOR	1
#define GD_DMARC_SERVICE_MINOR	2

/* ---- results and policies --------------------------------------------- */

/* The DMARC result (RFC 8601 2.7.7 keywords, from gd_dmarc_result_str). */
enum gd_dmarc_result {
	GD_DMARC_NONE = 0,	/* no policy published (or no From domain) */
	GD_DMARC_PASS,		/* SPF or DKIM passed, aligned */
	GD_DMARC_FAIL,		/* a policy exists, nothing aligned passed */
	GD_DMARC_TEMPERROR,	/* DNS failure during discovery */
	GD_DMARC_PERMERROR,	/* unusable record, or no single From domain */
};

/*
 * The results of SPF and DKIM as DMARC reads them (RFC 8601 keywords;
 * gd_dmarc_auth_str).  Only PASS counts towards DMARC.
 */
enum gd_dmarc_auth {
	GD_DMARC_AUTH_NONE = 0,
	GD_DMARC_AUTH_PASS,
	GD_DMARC_AUTH_FAIL,
	GD_DMARC_AUTH_SOFTFAIL,
	GD_DMARC_AUTH_NEUTRAL,
	GD_DMARC_AUTH_TEMPERROR,
	GD_DMARC_AUTH_PERMERROR,
	GD_DMARC_AUTH_POLICY,
};

/* A requested handling ("none", "quarantine", "reject"). */
enum gd_dmarc_policy {
	GD_DMARC_POLICY_NONE = 0,
	GD_DMARC_POLICY_QUARANTINE,
	GD_DMARC_POLICY_REJECT,
};

/* Alignment modes (adkim=, aspf=). */
enum gd_dmarc_align {
	GD_DMARC_ALIGN_RELAXED = 0,
	GD_DMARC_ALIGN_STRICT,
};

/*
 * How the organizational domain is found, and which standard's record
 * semantics apply:
 *   TREE_WALK  RFC 9989: the DNS tree walk (at most 8 names queried,
 *              psd= honoured); t= (testing) applies, pct= is ignored;
 *              a record without a valid p= counts as p=none.
 *   PSL        RFC 7489: the public suffix list (libpsl); pct= sampling
 *              applies, t= and psd= are ignored; a record without a
 *              valid p= (or with an invalid sp=) counts as p=none when
 *              it has a valid rua= URI and is unusable otherwise.
 */
enum gd_dmarc_method {
	GD_DMARC_METHOD_TREE_WALK = 0,
	GD_DMARC_METHOD_PSL,
};

/* psd= (RFC 9989 4.7). */
enum gd_dmarc_psd {
	GD_DMARC_PSD_U = 0,	/* absent or "u" */
	GD_DMARC_PSD_Y,
	GD_DMARC_PSD_N,
};

/* fo= options (a set). */
#define GD_DMARC_FO_0	0x01u	/* report when every mechanism fails */
#define GD_DMARC_FO_1	0x02u	/* report when any mechanism fails */
#define GD_DMARC_FO_D	0x04u	/* report when a DKIM signature fails */
#define GD_DMARC_FO_S	0x08u	/* report when SPF fails */

/* The combined AuthResult of the seed. */
enum gd_dmarc_verdict {
	GD_DMARC_VERDICT_NEUTRAL = 0,	/* no DMARC judgement (none, or a
					 * failure whose policy is none) */
	GD_DMARC_VERDICT_PASS,		/* passed */
	GD_DMARC_VERDICT_QUARANTINE,	/* should quarantine */
	GD_DMARC_VERDICT_REJECT,	/* should reject */
	GD_DMARC_VERDICT_TEMPFAIL,	/* temperror: try again later */
};

/* ---- the record -------------------------------------------------------- */

#define GD_DMARC_RECORD_MAX	2048	/* longest record text parsed */
#define GD_DMARC_URI_MAX	8	/* rua/ruf URIs kept (more: ignored) */

/* One reporting URI: `uri` without its "!size" suffix; max_size in bytes,
 * 0 when no limit was given. */
struct gd_dmarc_uri {
	const char *uri;
	uint64_t max_size;
};

/*
 * A parsed record.  Self-contained: the URIs point into `buf`, so read it
 * in place (a memcpy'd copy would point into the original).  Tags that
 * were absent keep their defaults and their has_ flag is false.
 */
struct gd_dmarc_record {
	enum gd_dmarc_policy p, sp, np;
	bool has_p, has_sp, has_np;
	enum gd_dmarc_align adkim, aspf;	/* default relaxed */
	unsigned pct;				/* default 100 */
	bool has_pct;
	bool testing;				/* t=y */
	enum gd_dmarc_psd psd;
	unsigned fo;				/* GD_DMARC_FO_*; default 0 */
	bool rf_afrf;				/* rf= names afrf (default) */
	uint32_t ri;				/* default 86400 */
	size_t nrua, nruf;
	struct gd_dmarc_uri rua[GD_DMARC_URI_MAX];
	struct gd_dmarc_uri ruf[GD_DMARC_URI_MAX];
	char buf[GD_DMARC_RECORD_MAX + 1];
};

/* ---- DNS ---------------------------------------------------------------- */

/*
 * The engine's DNS.  `resolve` starts a query for `name` and type
 * `rrtype` (GD_DNS_TXT, GD_DNS_A, GD_DNS_AAAA, GD_DNS_MX) and returns a
 * handle (never NULL); `cb` must later run exactly once with the answer
 * (dns.h semantics: status, TXT texts), unless `cancel` was called with
 * the handle first.  `cb` must NOT run from inside `resolve`.  The result
 * passed to `cb` is only read during the call.  `ctx` is the ops' own.
 */
struct gd_dmarc_dns_ops {
	void *(*resolve)(void *ctx, const char *name, int rrtype,
	    gd_dns_fn *cb, void *arg);
	void (*cancel)(void *ctx, void *query);
};

/* ---- evaluation --------------------------------------------------------- */

/* One DKIM signature's outcome, as the dkim module reports it. */
struct gd_dmarc_dkim_sig {
	enum gd_dmarc_auth result;
	const char *domain;	/* d= */
	const char *selector;	/* s=, may be NULL */
	const char *b;		/* b= (its first 8 or more characters; for
				 * header.b=), may be NULL */
};

/*
 * What DMARC evaluates.  Strings are the caller's, read during
 * gd_dmarc_eval_start() only (the engine copies them).
 *   from_domain       the RFC5322.From domain; NULL when the message has
 *                     no From domain: the result is then PERMERROR
 *                     without DNS.  1.2: several author domains (From
 *                     addresses of different domains, or several From
 *                     fields) may be listed, separated by commas
 *                     ("a.example,b.example"): each distinct one is
 *                     evaluated (at most 8) and the outcome is the
 *                     strictest (RFC 9989 11.5): a failure that
 *                     rejects, then quarantines, then temperror, then
 *                     a failure under p=none, then permerror; when none
 *                     of these, the first domain's.  More than 8
 *                     domains and no failure among the first 8 give
 *                     PERMERROR (the evaluation is incomplete).
 *   mail_from_domain  RFC5321.MailFrom domain; NULL or "" for <>: the
 *                     HELO name is then the SPF identity (RFC 7208 2.4)
 *   spf               SPF's result for that identity
 *   sample            0..99, drawn by the caller for pct= (RFC 7489);
 *                     the policy applies when sample < pct
 */
struct gd_dmarc_input {
	const char *from_domain;
	const char *client_ip;
	const char *helo;
	const char *mail_from_domain;
	enum gd_dmarc_auth spf;
	size_t ndkim;
	const struct gd_dmarc_dkim_sig *dkim;
	unsigned sample;
};

/*
 * The outcome.  Strings are owned by the evaluation and valid until it
 * is destroyed (for the service's `outcome()`: until smtp.reset).
 */
struct gd_dmarc_outcome {
	enum gd_dmarc_result result;
	enum gd_dmarc_verdict verdict;
	/* The published policy that governs the From domain (p, sp or np),
	 * and what the receiver applies after pct=/t= (none on pass). */
	enum gd_dmarc_policy policy;
	enum gd_dmarc_policy disposition;
	const char *from_domain;	/* NULL when none; of several
					 * author domains, the one whose
					 * outcome this is */
	const char *policy_domain;	/* where the record was; NULL */
	const char *org_domain;		/* of the From domain; NULL */
	const char *spf_domain;		/* the SPF identity's domain */
	enum gd_dmarc_auth spf;
	bool spf_aligned;
	bool dkim_aligned;
	/* The aligned passing signature, else the first signature. */
	const char *dkim_domain;
	const char *dkim_selector;
	bool sampled_out;		/* pct= or t=y lowered the policy */
	bool nonexistent;		/* np: the From domain has no A,
					 * AAAA or MX (NXDOMAIN for all) */
	const char *reason;		/* short text for logs, static */
	bool has_record;
	struct gd_dmarc_record record;	/* valid when has_record */
};

struct gd_dmarc_eval;

/* Called once when a pending evaluation finished (never from inside
 * eval_start). */
typedef void gd_dmarc_done_fn(struct gd_dmarc_eval *ev,
    const struct gd_dmarc_outcome *outcome, void *arg);

/* ---- the service table -------------------------------------------------- */

struct gd_dmarc_service {
	size_t size;	/* sizeof(struct gd_dmarc_service) */

	/* RFC keywords: "pass", "fail", "none", "temperror",
	 * "permerror"; "none"/"quarantine"/"reject"; the gd_dmarc_auth
	 * keywords ("softfail", "policy", ...).  Static strings. */
	const char *(*result_str)(enum gd_dmarc_result r);
	const char *(*policy_str)(enum gd_dmarc_policy p);
	const char *(*auth_str)(enum gd_dmarc_auth a);

	/*
	 * Parse one TXT record.  1: a valid DMARC record in *rec_r;
	 * 0: not a DMARC record (does not start with v=DMARC1: ignored
	 * during discovery); -1: a DMARC record that is unusable
	 * (*error_r says why, static text).  Any thread.
	 */
	int (*record_parse)(const char *txt, size_t len,
	    enum gd_dmarc_method method, struct gd_dmarc_record *rec_r,
	    const char **error_r);

	/*
	 * Start an evaluation; *ev_r receives the handle (always).  `in` is
	 * copied; `ops`/`ops_ctx` must stay valid until the evaluation
	 * completed or was destroyed.  Returns 1 when it completed at once
	 * (no DNS needed, e.g. no From domain): the outcome is readable with
	 * eval_outcome() and `done` is NOT called; 0 when pending: `done`
	 * runs later, once, from a DNS callback.  Thread: the ops' thread.
	 */
	int (*eval_start)(enum gd_dmarc_method method,
	    const struct gd_dmarc_input *in,
	    const struct gd_dmarc_dns_ops *ops, void *ops_ctx,
	    gd_dmarc_done_fn *done, void *arg, struct gd_dmarc_eval **ev_r);
	/* The outcome of a completed evaluation, else NULL. */
	const struct gd_dmarc_outcome *(*eval_outcome)(
	    const struct gd_dmarc_eval *ev);
	/* Cancel pending queries and free; sets *ev to NULL.  Valid after
	 * `done` too (the outcome dies with it). */
	void (*eval_destroy)(struct gd_dmarc_eval **ev);

	/*
	 * The Authentication-Results field value (RFC 8601), without the
	 * field name: "authserv-id; spf=pass smtp.mailfrom=d; dkim=pass
	 * header.d=d header.s=s header.b=b; dmarc=pass header.from=d",
	 * the method results separated by ";" CRLF TAB (folded).  Written
	 * to `buf` (NUL-terminated); returns the length, or -1 when it
	 * does not fit (buf then holds "").  Any thread.
	 */
	int (*auth_results)(char *buf, size_t size, const char *authserv_id,
	    const struct gd_dmarc_input *in,
	    const struct gd_dmarc_outcome *outcome);

	/*
	 * The current transaction's outcome at smtp.data-end, once the
	 * dmarc handler completed (i.e. for handlers after dmarc in the
	 * chain); NULL before, outside a transaction, and for sessions
	 * DMARC does not judge (submission, authenticated clients, relay
	 * networks).  Valid until smtp.reset.  The session's loop.
	 */
	const struct gd_dmarc_outcome *(*outcome)(
	    struct gd_smtp_session *s);
	/* The Authentication-Results value built for the transaction (as
	 * auth_results()), or NULL; same lifetime as outcome(). */
	const char *(*transaction_auth_results)(struct gd_smtp_session *s);

	/* ---- 1.1: for offline tools -------------------------------------- */

	/*
	 * eval_start() as the daemon runs it: the configured `method` and
	 * the module's DNS ops over gd_dns_resolve() on `loop` (a worker
	 * loop with the core's resolver; that loop's thread).  Returns
	 * and calls `done` as eval_start().
	 */
	int (*eval_start_dns)(struct gd_loop *loop,
	    const struct gd_dmarc_input *in, gd_dmarc_done_fn *done,
	    void *arg, struct gd_dmarc_eval **ev_r);
	/* The configured authserv-id (`dmarc: authserv-id`, else the host
	 * name): the one the daemon's field carries.  Static until the
	 * module is unloaded. */
	const char *(*authserv_id)(void);
	/*
	 * The RFC5322.From domain of a message held in memory (its header
	 * block is read, up to the empty line), chosen as the daemon
	 * chooses it: exactly one From field whose addresses all have one
	 * domain.  Written to `buf`; returns buf, or NULL when there is no
	 * such domain (no From, several From fields, several domains, an
	 * address without a domain) or it does not fit: evaluate with
	 * from_domain NULL (permerror).  Any thread.
	 */
	const char *(*message_from_domain)(const char *msg, size_t len,
	    char *buf, size_t size);
	/* An spf module result (enum gd_spf_result of gumdrop/spf.h) and a
	 * dkim module signature result (enum gd_dkim_result of
	 * gumdrop/dkim.h) as the daemon passes them to the engine;
	 * GD_DMARC_AUTH_NONE for a value out of range.  Any thread. */
	enum gd_dmarc_auth (*auth_from_spf)(int spf_result);
	enum gd_dmarc_auth (*auth_from_dkim)(int dkim_result);

	/* ---- 1.2 ------------------------------------------------------- */

	/*
	 * The author domains of a message held in memory, as the daemon
	 * evaluates them: every From field's addresses, the distinct
	 * domains comma-separated in the order met (addresses without a
	 * domain left out; at most 9 kept, so that the engine sees there
	 * were more than 8), ready for gd_dmarc_input.from_domain.
	 * Written to `buf` (2,300 bytes always suffice); returns buf, or
	 * NULL when there is no domain or it does not fit.  Any thread.
	 */
	const char *(*message_from_domains)(const char *msg, size_t len,
	    char *buf, size_t size);
};

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_DMARC_H */
