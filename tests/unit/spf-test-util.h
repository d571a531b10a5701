/*
 * spf-test-util.h — a table resolver for the spf engine's unit tests: a
 * zone given as a table of records answers the engine's DNS ops, either
 * inline or later (queued, delivered by tres_run()), with a fake clock.
 *
 * Records: { name, type, value }.  Types are RR numbers (1 A, 28 AAAA,
 * 15 MX, 12 PTR, 16 TXT).  MX values are the exchange (preference is
 * the table order).  Two special values, for any type: "TEMPFAIL" (the
 * question fails at once) and "HANG" (no answer until the deadline: the
 * clock jumps by the query's timeout, then it fails).  A name with no
 * record of the type but others is NODATA; an unknown name NXDOMAIN.
 */
#ifndef SPF_TEST_UTIL_H
#define SPF_TEST_UTIL_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf-engine.h"

#define TRES_MAX_RR	64
#define TRES_MAX_Q	1024

struct tres_rr {
	const char *name;
	int type;
	const char *value;
};

struct tres_q {
	char name[300];
	int type;
	uint64_t timeout;
	gd_spf_dns_done_fn *done;
	void *arg;
	bool cancelled;
	bool delivered;
};

struct tres {
	const struct tres_rr *rrs;	/* ends with a NULL name */
	bool deferred;
	uint64_t now;
	unsigned queries;
	unsigned cancels;
	unsigned max_in_flight;
	struct tres_q q[TRES_MAX_Q];
	unsigned nq;
	unsigned next;			/* first undelivered */
};

static void
tres_answer(struct tres *t, struct tres_q *q)
{
	struct in_addr a[TRES_MAX_RR];
	struct in6_addr aaaa[TRES_MAX_RR];
	const char *names[TRES_MAX_RR];
	size_t lens[TRES_MAX_RR];
	struct gd_spf_dns_answer ans = { GD_SPF_DNS_NXDOMAIN, 0, a, aaaa,
	    names, names, lens };
	const struct tres_rr *r;

	for (r = t->rrs; r->name != NULL && ans.count < TRES_MAX_RR; r++) {
		if (strcasecmp(r->name, q->name) != 0)
			continue;
		if (ans.status == GD_SPF_DNS_NXDOMAIN)
			ans.status = GD_SPF_DNS_NODATA;
		if (r->type != q->type)
			continue;
		if (strcmp(r->value, "TEMPFAIL") == 0 ||
		    strcmp(r->value, "HANG") == 0) {
			if (strcmp(r->value, "HANG") == 0)
				t->now += q->timeout;
			ans.status = GD_SPF_DNS_TEMPFAIL;
			ans.count = 0;
			break;
		}
		ans.status = GD_SPF_DNS_OK;
		if (q->type == 1)
			inet_pton(AF_INET, r->value, &a[ans.count]);
		else if (q->type == 28)
			inet_pton(AF_INET6, r->value, &aaaa[ans.count]);
		names[ans.count] = r->value;
		lens[ans.count] = strlen(r->value);
		ans.count++;
	}
	q->delivered = true;
	q->done(q->arg, &ans);
}

static unsigned
tres_in_flight(const struct tres *t)
{
	unsigned i, n = 0;

	for (i = 0; i < t->nq; i++)
		n += !t->q[i].delivered && !t->q[i].cancelled;
	return n;
}

static void *
tres_query(void *ctx, const char *name, int rrtype, uint64_t timeout_ms,
    gd_spf_dns_done_fn *done, void *arg)
{
	struct tres *t = ctx;
	struct tres_q *q;

	if (t->nq >= TRES_MAX_Q)
		abort();
	q = &t->q[t->nq++];
	memset(q, 0, sizeof(*q));
	strncpy(q->name, name, sizeof(q->name) - 1);
	q->type = rrtype;
	q->timeout = timeout_ms;
	q->done = done;
	q->arg = arg;
	t->queries++;
	if (tres_in_flight(t) > t->max_in_flight)
		t->max_in_flight = tres_in_flight(t);
	if (!t->deferred)
		tres_answer(t, q);
	return q;
}

static void
tres_cancel(void *ctx, void *handle)
{
	struct tres_q *q = handle;

	((struct tres *)ctx)->cancels++;
	if (q->delivered)
		abort();	/* cancelling an answered query is a bug */
	q->cancelled = true;
}

static uint64_t
tres_now(void *ctx)
{
	return ((struct tres *)ctx)->now;
}

static const struct gd_spf_dns_ops tres_ops = {
	tres_query, tres_cancel, tres_now };

/* Deliver the queued answers (and those they cause), at most `max`. */
static unsigned
tres_run(struct tres *t, unsigned max)
{
	unsigned n = 0;

	while (t->next < t->nq && n < max) {
		struct tres_q *q = &t->q[t->next++];

		if (q->cancelled || q->delivered)
			continue;
		tres_answer(t, q);
		n++;
	}
	return n;
}

/* A whole check, inline or deferred; the outcome's result. */
struct tres_check {
	struct gd_spf_check *check;
	const struct gd_spf_outcome *o;
	int done_calls;
};

static void
tres_done(void *arg, struct gd_spf_check *check)
{
	struct tres_check *tc = arg;

	tc->done_calls++;
	tc->o = spf_check_outcome(check);
}

static enum gd_spf_result
tres_check_run(struct tres *t, struct tres_check *tc, const char *ip,
    const char *helo, const char *sender, enum gd_spf_identity id)
{
	struct gd_spf_request req = { ip, helo, sender, id, "mx.test", 0,
	    1700000000 };
	bool fin = false;

	memset(tc, 0, sizeof(*tc));
	tc->check = spf_check_start(&tres_ops, t, &req, tres_done, tc, &fin);
	if (tc->check == NULL)
		return (enum gd_spf_result)-1;
	if (fin)
		tc->o = spf_check_outcome(tc->check);
	while (tc->o == NULL && tres_run(t, 1) > 0)
		;
	return tc->o != NULL ? tc->o->result : (enum gd_spf_result)-2;
}

#endif /* SPF_TEST_UTIL_H */
