/*
 * spf-resolver.c — the engine's DNS ops (gumdrop/spf.h) mapped to the
 * core's asynchronous resolver (gumdrop/dns.h); the ops' context is the
 * struct gd_loop the queries run on.  Also the service's
 * check_start_dns(), which the offline tool uses (the daemon's path).
 */
#include <stdlib.h>
#include <time.h>

#include "spf-private.h"

#define SPF_RQ_SHORT_MS	5000

struct spf_rq {
	struct gd_dns_query *q;
	gd_spf_dns_done_fn *done;
	void *arg;
};

static enum gd_spf_dns_status
spf_rq_status(enum gd_dns_status st)
{
	switch (st) {
	case GD_DNS_OK: return GD_SPF_DNS_OK;
	case GD_DNS_NXDOMAIN: return GD_SPF_DNS_NXDOMAIN;
	case GD_DNS_NODATA: return GD_SPF_DNS_NODATA;
	default: return GD_SPF_DNS_TEMPFAIL;
	}
}

/* MX exchanges and TXT texts into the arrays the engine reads. */
static int
spf_rq_lists(const struct gd_dns_result *r, struct gd_spf_dns_answer *a,
    const char **names, size_t *lens)
{
	size_t i;

	for (i = 0; i < r->count; i++) {
		if (r->rrtype == GD_DNS_MX) {
			names[i] = r->mx[i].exchange;
		} else if (r->rrtype == GD_DNS_TXT) {
			names[i] = r->txt[i].text;
			lens[i] = r->txt[i].text_len;
		}
	}
	if (r->rrtype == GD_DNS_MX)
		a->names = names;
	else if (r->rrtype == GD_DNS_TXT) {
		a->txt = names;
		a->txt_len = lens;
	}
	return 0;
}

static void
spf_rq_answered(const struct gd_dns_result *r, void *arg)
{
	struct spf_rq *rq = arg;
	struct gd_spf_dns_answer a = { spf_rq_status(r->status), r->count,
	    r->a, r->aaaa, r->ptr, NULL, NULL };
	const char **names = NULL;
	size_t *lens = NULL;

	rq->q = NULL;
	if (a.status == GD_SPF_DNS_OK && (r->rrtype == GD_DNS_MX ||
	    r->rrtype == GD_DNS_TXT)) {
		names = calloc(r->count, sizeof(*names));
		lens = calloc(r->count, sizeof(*lens));
		if (names == NULL || lens == NULL)
			a.status = GD_SPF_DNS_TEMPFAIL;
		else
			spf_rq_lists(r, &a, names, lens);
	}
	rq->done(rq->arg, &a);
	free(names);
	free(lens);
	free(rq);
}

static void *
spf_rq_query(void *ctx, const char *name, int rrtype, uint64_t timeout_ms,
    gd_spf_dns_done_fn *done, void *arg)
{
	struct spf_rq *rq = gd_xcalloc(1, sizeof(*rq));

	rq->done = done;
	rq->arg = arg;
	/*
	 * Each lookup gets the configured `dns: timeout` (0), or what is
	 * left of the check's time limit when that is shorter than 5 s (the
	 * default lookup timeout): the engine checks its limit between
	 * rounds of lookups, so a check ends within its limit plus one
	 * lookup timeout at worst.
	 */
	rq->q = gd_dns_resolve(ctx, name, rrtype,
	    timeout_ms >= SPF_RQ_SHORT_MS ? 0 : timeout_ms > 0 ? timeout_ms :
	    1, spf_rq_answered, rq);
	return rq;
}

static void
spf_rq_cancel(void *ctx, void *handle)
{
	struct spf_rq *rq = handle;

	(void)ctx;
	if (rq == NULL)
		return;
	gd_dns_cancel(&rq->q);
	free(rq);
}

static uint64_t
spf_rq_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const struct gd_spf_dns_ops spf_resolver_ops = {
	spf_rq_query, spf_rq_cancel, spf_rq_now,
};

struct gd_spf_check *
spf_resolver_check_start(struct gd_loop *loop,
    const struct gd_spf_request *req, gd_spf_done_fn *done, void *arg,
    bool *finished_r)
{
	return spf_check_start(&spf_resolver_ops, loop, req, done, arg,
	    finished_r);
}
