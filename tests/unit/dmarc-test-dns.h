/*
 * dmarc-test-dns.h — a DNS ops table answering from a static table, for
 * the dmarc engine's tests.  Queries queue up and are answered only by
 * dmarc_test_dns_run() (never inline, as the ops contract demands);
 * every query is logged so that tests can check what was asked; and
 * dmarc_test_eval(), one evaluation run to its end over such a table.
 */
#ifndef DMARC_TEST_DNS_H
#define DMARC_TEST_DNS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "dmarc-engine.h"

/* One answer: `txt` NULL-terminated (TXT only). */
struct dmarc_test_rr {
	const char *name;	/* as queried, e.g. "_dmarc.example.com" */
	int rrtype;
	enum gd_dns_status status;
	const char *txt[4];
};

#define DMARC_TEST_QMAX	128

struct dmarc_test_query {
	char name[300];
	int rrtype;
	gd_dns_fn *cb;
	void *arg;
	bool cancelled;
	bool answered;
};

struct dmarc_test_dns {
	const struct dmarc_test_rr *rrs;	/* ends with name NULL */
	struct dmarc_test_query q[DMARC_TEST_QMAX];
	unsigned nq;
	unsigned next;
};

static void *
dmarc_test_resolve(void *ctx, const char *name, int rrtype, gd_dns_fn *cb,
    void *arg)
{
	struct dmarc_test_dns *d = ctx;
	struct dmarc_test_query *q;

	if (d->nq == DMARC_TEST_QMAX)
		abort();
	q = &d->q[d->nq++];
	(void)snprintf(q->name, sizeof(q->name), "%s", name);
	q->rrtype = rrtype;
	q->cb = cb;
	q->arg = arg;
	return q;
}

static void
dmarc_test_cancel(void *ctx, void *query)
{
	struct dmarc_test_query *q = query;

	(void)ctx;
	q->cancelled = true;
}

static const struct gd_dmarc_dns_ops dmarc_test_ops = {
	dmarc_test_resolve, dmarc_test_cancel,
};

static const struct dmarc_test_rr *
dmarc_test_find(const struct dmarc_test_dns *d, const char *name, int type)
{
	const struct dmarc_test_rr *rr;

	for (rr = d->rrs; rr != NULL && rr->name != NULL; rr++)
		if (rr->rrtype == type && strcasecmp(rr->name, name) == 0)
			return rr;
	return NULL;
}

/* Answer one query: from the table, else NXDOMAIN. */
static void
dmarc_test_answer(struct dmarc_test_dns *d, struct dmarc_test_query *q)
{
	const struct dmarc_test_rr *rr = dmarc_test_find(d, q->name,
	    q->rrtype);
	struct gd_dns_txt txt[4];
	struct gd_dns_result res;
	size_t n = 0;

	memset(&res, 0, sizeof(res));
	memset(txt, 0, sizeof(txt));
	res.name = q->name;
	res.rrtype = q->rrtype;
	res.status = rr != NULL ? rr->status : GD_DNS_NXDOMAIN;
	while (rr != NULL && res.status == GD_DNS_OK && n < 4 &&
	    rr->txt[n] != NULL) {
		txt[n].text = rr->txt[n];
		txt[n].text_len = strlen(rr->txt[n]);
		n++;
	}
	if (q->rrtype == GD_DNS_TXT && n > 0) {
		res.count = n;
		res.txt = txt;
	} else if (res.status == GD_DNS_OK && q->rrtype == GD_DNS_TXT)
		res.status = GD_DNS_NODATA;
	q->answered = true;
	q->cb(&res, q->arg);
}

/* Answer queued queries (and those they start) until none is left. */
static void
dmarc_test_dns_run(struct dmarc_test_dns *d)
{
	unsigned guard = 0;

	while (d->next < d->nq && guard++ < 4 * DMARC_TEST_QMAX) {
		struct dmarc_test_query *q = &d->q[d->next++];

		if (!q->cancelled)
			dmarc_test_answer(d, q);
	}
}

/* How many TXT queries were made. */
static unsigned
dmarc_test_txt_queries(const struct dmarc_test_dns *d)
{
	unsigned i, n = 0;

	for (i = 0; i < d->nq; i++)
		n += d->q[i].rrtype == GD_DNS_TXT;
	return n;
}

/* Whether `name` was asked (any type). */
static bool
dmarc_test_asked(const struct dmarc_test_dns *d, const char *name)
{
	unsigned i;

	for (i = 0; i < d->nq; i++)
		if (strcasecmp(d->q[i].name, name) == 0)
			return true;
	return false;
}

/* ---- running an evaluation ------------------------------------------ */

/* Calls of dmarc_test_done() (reset by dmarc_test_eval()). */
static unsigned dmarc_test_done_calls;

static void
dmarc_test_done(struct gd_dmarc_eval *ev, const struct gd_dmarc_outcome *o,
    void *arg)
{
	(void)ev;
	(void)o;
	(void)arg;
	dmarc_test_done_calls++;
}

/*
 * Run one evaluation over `d` to its end: `done` must run once when it
 * pended, never when it completed at once.  The outcome lives until
 * dmarc_eval_destroy(ev).
 */
static const struct gd_dmarc_outcome *
dmarc_test_eval(struct dmarc_test_dns *d, enum gd_dmarc_method m,
    const struct gd_dmarc_input *in, struct gd_dmarc_eval **ev)
{
	int r;

	dmarc_test_done_calls = 0;
	r = dmarc_eval_start(m, in, &dmarc_test_ops, d, dmarc_test_done, NULL,
	    ev);
	if (r == 0) {
		cr_assert_null(dmarc_eval_outcome(*ev));
		dmarc_test_dns_run(d);
		cr_assert_eq(dmarc_test_done_calls, 1, "done ran %u times",
		    dmarc_test_done_calls);
	} else
		cr_assert_eq(dmarc_test_done_calls, 0);
	cr_assert_not_null(dmarc_eval_outcome(*ev));
	return dmarc_eval_outcome(*ev);
}

#endif /* DMARC_TEST_DNS_H */
