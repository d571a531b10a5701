/*
 * dmarc-engine.h — the dmarc module's pure engine (no loop, no smtp):
 * record parsing, domain names, the two ways to the organizational
 * domain, policy selection, the asynchronous evaluation over a DNS ops
 * table, and the Authentication-Results text.  Also built into the unit
 * tests and the fuzz target (tests/unit/dmarc-pure.c).
 *
 * The public types are gumdrop/dmarc.h's; every function here backs one
 * of the service's entries or is a step the tests check on its own.
 */
#ifndef DMARC_ENGINE_H
#define DMARC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include <gumdrop/dmarc.h>

/* Presentation-format names: 253 characters at most, plus NUL. */
#define DMARC_NAME_MAX		254
/* RFC 9989 4.10: at most 8 names are queried in a tree walk. */
#define DMARC_WALK_MAX		8
/* DKIM signatures considered for alignment (more are ignored). */
#define DMARC_DKIM_MAX		10
/* Author (RFC5322.From) domains evaluated per message (RFC 9989 11.5
 * asks for a small bound). */
#define DMARC_FROM_MAX		8

/* ---- names (dmarc-names.c) ---------------------------------------------- */

const char *dmarc_result_str(enum gd_dmarc_result r);
const char *dmarc_policy_str(enum gd_dmarc_policy p);
const char *dmarc_auth_str(enum gd_dmarc_auth a);

/* ---- records (dmarc-record.c) ------------------------------------------- */

/* gd_dmarc_service.record_parse: 1 valid, 0 not DMARC, -1 unusable. */
int dmarc_record_parse(const char *txt, size_t len,
    enum gd_dmarc_method method, struct gd_dmarc_record *rec_r,
    const char **error_r);
/* Copy a record, re-pointing its URIs into the copy's buffer. */
void dmarc_record_copy(struct gd_dmarc_record *dst,
    const struct gd_dmarc_record *src);

/* ---- domain names (dmarc-domain.c) -------------------------------------- */

/*
 * Copy `in` lower-cased, without a trailing dot, into out (size
 * DMARC_NAME_MAX).  0, or -1 when it is not a usable host name (empty
 * label, label over 63 or name over 253 octets, a byte outside
 * letters, digits, '-', '_').
 */
int dmarc_domain_normalize(const char *in, char *out);
/* Number of labels of a normalized name. */
unsigned dmarc_domain_labels(const char *name);
/* The suffix of `name` made of its `n` rightmost labels (a pointer into
 * name); name itself when n >= its label count. */
const char *dmarc_domain_suffix(const char *name, unsigned n);
/* True when `name` equals `parent` or ends with "." parent. */
bool dmarc_domain_within(const char *name, const char *parent);

/* ---- the organizational domain (dmarc-walk.c, dmarc-psl.c) -------------- */

/*
 * RFC 9989 4.10: the names a tree walk from `domain` queries, in order
 * (pointers into domain): the domain, then, when it has 8 labels or
 * more, its 7 rightmost labels, then one label less each step down to
 * the top-level label.  Returns the count (1..DMARC_WALK_MAX).
 */
unsigned dmarc_walk_names(const char *domain,
    const char *names_r[DMARC_WALK_MAX]);

/* What the DMARC TXT lookup at one name of a walk found. */
enum dmarc_found {
	DMARC_FOUND_NONE = 0,	/* no (single) DMARC record */
	DMARC_FOUND_RECORD,	/* one valid record */
	DMARC_FOUND_INVALID,	/* one unusable DMARC record */
	DMARC_FOUND_TEMPFAIL,	/* the lookup failed (SERVFAIL, ...) */
};

struct dmarc_walk_step {
	enum dmarc_found found;
	enum gd_dmarc_psd psd;	/* of the record, when found */
};

/*
 * The organizational domain by the tree walk, from the steps of a walk
 * (one per dmarc_walk_names() name): a psd=n record's name; the name one
 * label below a psd=y record's (the domain itself when the record is
 * the domain's); else the shortest name with a record; else the domain.
 * Returns a pointer into `domain`, or NULL when a lookup that decides
 * failed (TEMPFAIL before the answer was known).
 */
const char *dmarc_walk_org(const char *domain,
    const struct dmarc_walk_step *steps, unsigned n);

/*
 * The organizational domain by the public suffix list (RFC 7489 3.2):
 * the registrable domain, or the name itself when it is a public suffix
 * or the list is unavailable.  A pointer into `domain` (normalized).
 * Any thread (the list is loaded once).
 */
const char *dmarc_psl_org(const char *domain);
/* Free the loaded list (module fini; a later use loads it again). */
void dmarc_psl_release(void);

/* ---- policy (dmarc-policy.c) -------------------------------------------- */

/*
 * The policy that governs `from` under `rec` found at `policy_domain`
 * (RFC 9989 4.8): p= for the domain itself; for a subdomain np= when it
 * does not exist and np= was given, else sp=, else p=.
 */
enum gd_dmarc_policy dmarc_policy_select(const struct gd_dmarc_record *rec,
    const char *from, const char *policy_domain, bool nonexistent);
/*
 * Fill outcome's result-dependent fields from result/policy: the
 * disposition after pct= (PSL method: applies when sample < pct) or t=y
 * (tree walk), one step lower when sampled out, and the verdict.
 */
void dmarc_policy_apply(struct gd_dmarc_outcome *o,
    enum gd_dmarc_method method, unsigned sample);

/* ---- several author domains (dmarc-authors.c) --------------------------- */

/*
 * The distinct domains of a comma-separated list (in->from_domain) into
 * out[0..max-1], normalized (dmarc_domain_normalize), in list order;
 * names that do not normalize are skipped.  Returns the count; *more_r
 * is set when the list names more distinct domains than `max`.
 */
unsigned dmarc_authors_split(const char *list, char out[][DMARC_NAME_MAX],
    unsigned max, bool *more_r);
/*
 * Which of n (>= 1) outcomes governs the message (RFC 9989 11.5: the
 * strictest policy among the checks that fail): by verdict reject,
 * quarantine, tempfail, then a failure under p=none, then permerror;
 * among equals, and when nothing failed, the first.  Its index.
 */
size_t dmarc_authors_pick(const struct gd_dmarc_outcome *const *o,
    size_t n);

/* ---- evaluation (dmarc-eval.c) ------------------------------------------ */

/*
 * gd_dmarc_service.eval_start / eval_outcome / eval_destroy.  A
 * from_domain listing several domains separated by commas evaluates each
 * (up to DMARC_FROM_MAX; dmarc_authors_split) and its outcome is a copy
 * of the one dmarc_authors_pick() chooses; when the list named more
 * domains and none of those evaluated failed, the outcome is permerror
 * ("too-many-from-domains": the evaluation is incomplete).
 */
int dmarc_eval_start(enum gd_dmarc_method method,
    const struct gd_dmarc_input *in, const struct gd_dmarc_dns_ops *ops,
    void *ops_ctx, gd_dmarc_done_fn *done, void *arg,
    struct gd_dmarc_eval **ev_r);
const struct gd_dmarc_outcome *dmarc_eval_outcome(
    const struct gd_dmarc_eval *ev);
void dmarc_eval_destroy(struct gd_dmarc_eval **ev);
/*
 * The outcome for the i-th author domain evaluated (the aggregate report
 * records each): for a single domain i = 0 is eval_outcome(); NULL past
 * the last one and before the evaluation completed.  Valid as long as
 * the evaluation.
 */
const struct gd_dmarc_outcome *dmarc_eval_author(
    const struct gd_dmarc_eval *ev, size_t i);

/* ---- Authentication-Results (dmarc-ar.c) -------------------------------- */

/* gd_dmarc_service.auth_results. */
int dmarc_auth_results(char *buf, size_t size, const char *authserv_id,
    const struct gd_dmarc_input *in, const struct gd_dmarc_outcome *o);

#endif /* DMARC_ENGINE_H */
