/*
 * gumdrop/spf.h — the spf module's service (RFC 7208 Sender Policy
 * Framework): results, the engine's entry points for offline tools, and
 * the outcome of the current smtp transaction for other modules (dmarc).
 *
 *   static const struct gd_spf_service *spf;
 *   ...
 *   spf = gd_service_lookup(GD_SPF_SERVICE, 1, 0, error_r);   // init
 *   ...
 *   const struct gd_spf_outcome *o = spf->mail_outcome(s);   // data-end
 *   if (o != NULL && o->result == GD_SPF_PASS) ...
 *
 * THE ENGINE runs check_host() (RFC 7208 section 4) asynchronously: every
 * DNS question goes through a struct gd_spf_dns_ops table the caller
 * supplies (the module maps it to gd_dns_resolve(); a tool may answer
 * from a zone file; a test from a table).  The engine bounds its work
 * with the RFC's limits (10 DNS-querying terms, 2 void lookups, 10 MX
 * and 10 PTR names) and a time limit, and never loops.
 *
 * Threads: the engine's functions and the ops' callbacks run on one
 * thread per check (the thread that started it).  The outcome getters
 * run on the smtp session's loop.
 */
#ifndef GUMDROP_SPF_H
#define GUMDROP_SPF_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_loop;
struct gd_smtp_session;

#define GD_SPF_SERVICE		"spf"
#define GD_SPF_SERVICE_MAJOR	1
#define GD_SPF_SERVICE_MINOR	0

/* RFC 7208 section 2.6 results. */
enum gd_spf_result {
	GD_SPF_NONE = 0,
	GD_SPF_NEUTRAL,
	GD_SPF_PASS,
	GD_SPF_FAIL,
	GD_SPF_SOFTFAIL,
	GD_SPF_TEMPERROR,
	GD_SPF_PERMERROR,
};

/* ---- DNS through the caller ------------------------------------------ */

/* Outcome of one DNS question, as the engine needs it. */
enum gd_spf_dns_status {
	GD_SPF_DNS_OK = 0,	/* NOERROR with at least one record */
	GD_SPF_DNS_NXDOMAIN,	/* RCODE 3 */
	GD_SPF_DNS_NODATA,	/* NOERROR, no record of the type */
	GD_SPF_DNS_TEMPFAIL,	/* SERVFAIL, timeout, any other error */
};

/*
 * An answer: `count` records of the asked type (RR type numbers of
 * dns.h: 1 A, 28 AAAA, 15 MX, 12 PTR, 16 TXT), in the one matching
 * array.  MX exchanges in preference order; TXT records each the
 * concatenation of their strings with `txt_len` octets (may hold NUL
 * octets).  Valid only during the callback: the engine copies it.
 */
struct gd_spf_dns_answer {
	enum gd_spf_dns_status status;
	size_t count;
	const struct in_addr *a;
	const struct in6_addr *aaaa;
	const char *const *names;	/* MX exchanges, PTR names */
	const char *const *txt;
	const size_t *txt_len;
};

/* Delivers the answer of a query started with `query`: exactly once,
 * unless the query was cancelled first. */
typedef void gd_spf_dns_done_fn(void *arg,
    const struct gd_spf_dns_answer *answer);

/*
 * The DNS the engine uses.  `query` asks `name` (presentation format,
 * no trailing dot) for `rrtype` with a deadline of `timeout_ms` and
 * returns a handle for `cancel` (NULL is a valid handle when the ops
 * never need one).  It may deliver the answer inline (from inside
 * `query`): the engine copes.  `cancel` stops a pending query (its
 * callback must then not run).  `now_ms` is a monotonic clock in
 * milliseconds (for the time limit).  `ctx` is passed back to each.
 */
struct gd_spf_dns_ops {
	void *(*query)(void *ctx, const char *name, int rrtype,
	    uint64_t timeout_ms, gd_spf_dns_done_fn *done, void *arg);
	void (*cancel)(void *ctx, void *handle);
	uint64_t (*now_ms)(void *ctx);
};

/* ---- a check --------------------------------------------------------- */

/* Which identity was checked (RFC 7208 section 2.3 and 2.4). */
enum gd_spf_identity {
	GD_SPF_ID_MAILFROM = 0,
	GD_SPF_ID_HELO,
};

/*
 * What to check.  `ip`: the client address as text ("192.0.2.1",
 * "2001:db8::1"; IPv4-mapped IPv6 is checked as IPv4).  `helo`: the
 * HELO/EHLO name (may be NULL).  `sender`: the MAIL FROM address
 * ("local@domain"; "" or NULL for the null sender, then the identity is
 * postmaster@helo, section 2.4).  `identity` HELO checks `helo` alone.
 * `receiver`: our host name for %{r} (NULL: "unknown").  `timeout_ms`:
 * the time limit of the whole check (0: 20 s, section 4.6.4).  `now`:
 * seconds since the epoch for %{t} (0: time(NULL)).
 */
struct gd_spf_request {
	const char *ip;
	const char *helo;
	const char *sender;
	enum gd_spf_identity identity;
	const char *receiver;
	uint64_t timeout_ms;
	int64_t now;
};

/*
 * A finished check.  Strings are owned by whoever handed the outcome
 * out (the check, or the transaction) and live as long as it.
 * `domain` is the domain checked (the sender's, or the HELO name);
 * `identity_str` "mailfrom" or "helo"; `mechanism` the matching term as
 * written ("-all", "include:x", "redirect=x" for a redirect's result;
 * NULL when none matched); `explanation` the expanded exp= text of a
 * fail (NULL otherwise or when there is none); `problem` a short
 * reason for permerror / temperror / none (NULL otherwise).
 */
struct gd_spf_outcome {
	enum gd_spf_result result;
	enum gd_spf_identity identity;
	const char *identity_str;
	const char *client_ip;
	const char *helo;
	const char *envelope_from;	/* the checked address */
	const char *domain;
	const char *receiver;
	const char *mechanism;
	const char *explanation;
	const char *problem;
};

struct gd_spf_check;

/* Called once when a check that went asynchronous finishes. */
typedef void gd_spf_done_fn(void *arg, struct gd_spf_check *check);

/*
 * The service table (GD_SPF_SERVICE 1.0).
 */
struct gd_spf_service {
	size_t size;	/* sizeof(struct gd_spf_service) */

	/* "pass", "fail", "softfail", "neutral", "none", "temperror",
	 * "permerror"; "unknown" for values out of range.  Static. */
	const char *(*result_str)(enum gd_spf_result result);

	/*
	 * Start a check.  Returns NULL when `req->ip` is not an address
	 * or memory ran out (nothing started).  Otherwise the check is
	 * under way:
	 * `*finished_r` (may be NULL) tells whether it finished inside this
	 * call (then `done` will NOT be called: read the outcome now);
	 * otherwise `done(arg, check)` runs later, once, from an ops
	 * callback.  The request's strings are copied.
	 */
	struct gd_spf_check *(*check_start)(const struct gd_spf_dns_ops *ops,
	    void *ops_ctx, const struct gd_spf_request *req,
	    gd_spf_done_fn *done, void *arg, bool *finished_r);
	/* The outcome of a finished check (NULL while it runs), valid
	 * until check_free(). */
	const struct gd_spf_outcome *(*check_outcome)(
	    const struct gd_spf_check *check);
	/* Free a check; a running one is cancelled (its pending queries
	 * cancelled through the ops, `done` never called).  NULL: no-op. */
	void (*check_free)(struct gd_spf_check *check);
	/*
	 * check_start() with the daemon's own DNS path: the module's ops
	 * over gd_dns_resolve() on `loop` (a worker loop with a resolver;
	 * the calling thread must be the loop's).  For the offline tools.
	 */
	struct gd_spf_check *(*check_start_dns)(struct gd_loop *loop,
	    const struct gd_spf_request *req, gd_spf_done_fn *done,
	    void *arg, bool *finished_r);

	/*
	 * The Received-SPF header field VALUE (RFC 7208 section 9.1) for
	 * an outcome: "<result> (<comment>) key=value; ...", folded with
	 * CRLF SP to lines under 78 octets, without the field name and
	 * without a final CRLF.  Written NUL-terminated into buf; returns
	 * its length, or the length it would need (>= size: truncated,
	 * like snprintf).
	 */
	size_t (*received_spf)(const struct gd_spf_outcome *outcome,
	    char *buf, size_t size);

	/*
	 * The current transaction's MAIL FROM outcome, and the session's
	 * HELO outcome (when `helo-check` is on), or NULL when no check
	 * finished (none configured, still running, outside a transaction).
	 * Valid until smtp.reset (mail) / the next HELO or disconnect (helo).
	 * On the session's loop, from smtp.mail's completion onwards.
	 */
	const struct gd_spf_outcome *(*mail_outcome)(
	    struct gd_smtp_session *s);
	const struct gd_spf_outcome *(*helo_outcome)(
	    struct gd_smtp_session *s);
};

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_SPF_H */
