/*
 * spf-eval-private.h — the evaluator's state, shared by spf-eval.c (the
 * check and its passes), spf-mech.c (the mechanisms) and spf-dns.c (the
 * answer cache).
 *
 * HOW A CHECK RUNS.  check_host() is evaluated by a PASS: a synchronous
 * walk over records and mechanisms that reads every DNS answer from the
 * check's cache.  A missing answer starts its query and marks the pass
 * BLOCKED; the pass goes on where the order of evaluation allows (all
 * the MX hosts' addresses are asked at once) and ends with SPF_NEED.
 * When every started query has answered, the check runs a new pass from
 * the start: the same answers give the same walk, so counters (terms,
 * void lookups) are simply recounted.  Each pass asks at least one new
 * question or finishes, and the cache is bounded, so a check ends.
 */
#ifndef SPF_EVAL_PRIVATE_H
#define SPF_EVAL_PRIVATE_H

#include "spf-engine.h"

/* RR type numbers (gumdrop/dns.h). */
enum { SPF_RR_A = 1, SPF_RR_PTR = 12, SPF_RR_MX = 15, SPF_RR_TXT = 16,
	SPF_RR_AAAA = 28 };

/* Pass results beyond enum gd_spf_result. */
#define SPF_NEED	(-1)	/* waiting for answers */
#define SPF_MATCH	100	/* a mechanism matched */
#define SPF_NOMATCH	101

/* One question and, once answered, its answer (copied). */
struct spf_cached {
	struct gd_spf_check *check;
	char *name;
	int rrtype;
	bool answered;
	void *handle;
	enum gd_spf_dns_status status;
	size_t count;
	char **data;		/* names, TXT, 4/16 address octets */
	size_t *len;
	/* TXT at a domain: its SPF record, parsed once. */
	bool selected;
	int select_result;	/* the gd_spf_result when rec is NULL */
	struct spf_record *rec;
	const char *rec_error;
};

struct gd_spf_check {
	const struct gd_spf_dns_ops *ops;
	void *ops_ctx;
	gd_spf_done_fn *done;
	void *arg;

	struct spf_ip ip;
	char *ipstr;
	char *helo;
	char *sender;
	char *local;
	char *sender_domain;
	char *receiver;
	enum gd_spf_identity identity;
	int64_t now;
	uint64_t deadline;

	struct spf_cached **cache;
	size_t ncache;
	unsigned pending;
	bool running;
	bool starting;
	bool finished;

	/* per pass */
	bool blocked;
	int terms;
	int voids;
	const char *mechanism;
	const char *problem;
	const char *exp_spec;
	char exp_domain[SPF_DOMAIN_MAX + 2];

	struct gd_spf_outcome outcome;
	char *explanation;
};

/* spf-dns.c: the answer of (name, rrtype), or NULL (then the pass is
 * blocked and the question asked, once). */
const struct spf_cached *spf_dns_get(struct gd_spf_check *c,
    const char *name, int rrtype);
/* Cancel the pending questions and free the cache. */
void spf_dns_clear(struct gd_spf_check *c);
/* The record of `domain` (section 4.4, 4.5): returns SPF_MATCH with
 * *rec_r set, a result (none, temperror, permerror) or SPF_NEED. */
int spf_dns_record(struct gd_spf_check *c, const char *domain,
    const struct spf_record **rec_r);

/* spf-mech.c: one mechanism: SPF_MATCH, SPF_NOMATCH, SPF_NEED, or
 * GD_SPF_TEMPERROR / GD_SPF_PERMERROR. */
int spf_mech_eval(struct gd_spf_check *c, const struct spf_term *t,
    const char *domain, int depth);
/* Expand a domain-spec for the current domain (NULL spec: the domain
 * itself); SPF_MATCH with out filled, SPF_NEED (for %{p}), or
 * GD_SPF_PERMERROR. */
int spf_mech_target(struct gd_spf_check *c, const char *spec,
    const char *domain, char *out);
/* Fill a macro context for `domain` (ptr unset). */
void spf_mech_macro_ctx(const struct gd_spf_check *c, const char *domain,
    struct spf_macro_ctx *mc);

/* spf-eval.c: run passes until the check finishes or waits (called
 * when the last pending answer arrived). */
void spf_eval_resume(struct gd_spf_check *c);
/* spf-eval.c: check_host() for `domain` (recursion for include and
 * redirect). */
int spf_check_host(struct gd_spf_check *c, const char *domain, int depth);

#endif /* SPF_EVAL_PRIVATE_H */
