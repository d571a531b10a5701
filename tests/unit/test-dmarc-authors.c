/*
 * test-dmarc-authors.c — messages with several author domains (RFC 9989
 * 11.5): the From fields collected into a list (modules/dmarc/
 * dmarc-from.c), the list split (dmarc-authors.c), and one evaluation per
 * domain whose strictest outcome governs (dmarc-eval.c), over a table of
 * DNS answers.
 */
#include <criterion/criterion.h>

#include "dmarc-test-dns.h"
#include "../../modules/dmarc/dmarc-from.c"

static const struct dmarc_test_rr zone[] = {
	{ "_dmarc.reject.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=reject" } },
	{ "_dmarc.quar.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=quarantine" } },
	{ "_dmarc.none.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=none" } },
	{ "_dmarc.servfail.example", GD_DNS_TXT, GD_DNS_SERVFAIL, { NULL } },
	{ NULL, 0, 0, { NULL } },
};

/* Evaluate `from` with one passing DKIM signature by `signer` (NULL:
 * none); the outcome lives until destroy. */
static const struct gd_dmarc_outcome *
run(const char *from, const char *signer, struct gd_dmarc_eval **ev)
{
	static struct dmarc_test_dns d;
	struct gd_dmarc_dkim_sig s = { GD_DMARC_AUTH_PASS, signer, "sel",
	    "AbCd" };
	struct gd_dmarc_input in = {
		.from_domain = from, .mail_from_domain = "bounce.elsewhere",
		.spf = GD_DMARC_AUTH_PASS, .ndkim = signer != NULL, .dkim = &s,
	};

	memset(&d, 0, sizeof(d));
	d.rrs = zone;
	return dmarc_test_eval(&d, GD_DMARC_METHOD_TREE_WALK, &in, ev);
}

static size_t
authors(const struct gd_dmarc_eval *ev)
{
	size_t n = 0;

	while (dmarc_eval_author(ev, n) != NULL)
		n++;
	return n;
}

/* ---- the list -------------------------------------------------------- */

Test(dmarc_authors, split_dedups_and_bounds)
{
	char out[DMARC_FROM_MAX][DMARC_NAME_MAX];
	bool more;

	cr_expect_eq(dmarc_authors_split("A.example,a.example.,,b.example,"
	    "bad..name,c.example", out, DMARC_FROM_MAX, &more), 3);
	cr_expect_str_eq(out[0], "a.example");
	cr_expect_str_eq(out[1], "b.example");
	cr_expect_str_eq(out[2], "c.example");
	cr_expect(!more);
	cr_expect_eq(dmarc_authors_split("a.x,b.x,c.x", out, 2, &more), 2);
	cr_expect(more, "a third domain beyond the bound");
	cr_expect_eq(dmarc_authors_split(",,", out, 2, &more), 0);
}

static const char *
from_of(const char *header, char *buf, size_t size, bool all)
{
	return all ? dmarc_from_message_all(header, strlen(header), buf, size) :
	    dmarc_from_message(header, strlen(header), buf, size);
}

Test(dmarc_authors, from_fields_collected)
{
	char buf[DMARC_FROM_LIST_MAX];

	cr_expect_str_eq(from_of("From: a@One.example\r\n\r\n", buf,
	    sizeof(buf), true), "One.example");
	cr_expect_str_eq(from_of("From: a@x.example, B <b@y.example>, "
	    "c@X.EXAMPLE\r\n\r\n", buf, sizeof(buf), true),
	    "x.example,y.example");
	cr_expect_str_eq(from_of("From: a@x.example\r\nSubject: s\r\n"
	    "From: b@z.example\r\n\r\n", buf, sizeof(buf), true),
	    "x.example,z.example", "several From fields: every domain");
	cr_expect_str_eq(from_of("From: broken, a@x.example\r\n\r\n", buf,
	    sizeof(buf), true), "x.example", "a bad address does not hide "
	    "the others");
	cr_expect_null(from_of("Subject: none\r\n\r\n", buf, sizeof(buf),
	    true));
	cr_expect_null(from_of("From: a@x.example\r\n\r\n", buf, 5, true),
	    "does not fit");
	/* 1.1's single domain stays as it was. */
	cr_expect_str_eq(from_of("From: a@x.example\r\n\r\n", buf,
	    sizeof(buf), false), "x.example");
	cr_expect_null(from_of("From: a@x.example, b@y.example\r\n\r\n", buf,
	    sizeof(buf), false));
}

Test(dmarc_authors, from_keeps_one_more_than_evaluated)
{
	char header[2048], buf[DMARC_FROM_LIST_MAX];
	char out[DMARC_FROM_MAX][DMARC_NAME_MAX];
	size_t used = 0;
	bool more;
	int i;

	used += (size_t)snprintf(header, sizeof(header), "From: ");
	for (i = 0; i < 12; i++)
		used += (size_t)snprintf(header + used, sizeof(header) - used,
		    "%sa@d%d.example", i > 0 ? ", " : "", i);
	(void)snprintf(header + used, sizeof(header) - used, "\r\n\r\n");
	cr_assert_not_null(from_of(header, buf, sizeof(buf), true));
	cr_expect_eq(dmarc_authors_split(buf, out, DMARC_FROM_MAX, &more),
	    DMARC_FROM_MAX);
	cr_expect(more);
	cr_expect(strstr(buf, "d9.example") == NULL, "kept: 9 of 12");
}

/* ---- several domains evaluated ------------------------------------- */

/* The escape RFC 9989 11.5 warns of: a second address must not take the
 * message out of p=reject. */
Test(dmarc_authors, second_address_does_not_escape_reject)
{
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	o = run("attacker.example,reject.example", "attacker.example", &ev);
	cr_expect_eq(o->result, GD_DMARC_FAIL);
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_REJECT);
	cr_expect_str_eq(o->from_domain, "reject.example");
	cr_expect_eq(authors(ev), 2);
	cr_expect_eq(dmarc_eval_author(ev, 0)->result, GD_DMARC_NONE);
	cr_expect_str_eq(dmarc_eval_author(ev, 1)->from_domain,
	    "reject.example");
	cr_expect(o->has_record);
	cr_expect_eq(o->record.p, GD_DMARC_POLICY_REJECT);
	dmarc_eval_destroy(&ev);
	cr_expect_null(ev);
}

Test(dmarc_authors, strictest_failure_wins)
{
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	o = run("none.example,quar.example,reject.example", NULL, &ev);
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_REJECT);
	cr_expect_str_eq(o->from_domain, "reject.example");
	dmarc_eval_destroy(&ev);
	o = run("none.example,quar.example", NULL, &ev);
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_QUARANTINE);
	cr_expect_str_eq(o->from_domain, "quar.example");
	dmarc_eval_destroy(&ev);
	/* A DNS failure may hide a reject: it outranks p=none. */
	o = run("none.example,servfail.example", NULL, &ev);
	cr_expect_eq(o->result, GD_DMARC_TEMPERROR);
	cr_expect_str_eq(o->from_domain, "servfail.example");
	dmarc_eval_destroy(&ev);
}

Test(dmarc_authors, a_pass_beside_others)
{
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	/* reject.example's signature aligns with reject.example only. */
	o = run("reject.example,none.example", "reject.example", &ev);
	cr_expect_eq(o->result, GD_DMARC_FAIL, "none.example fails");
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_NEUTRAL);
	cr_expect_str_eq(o->from_domain, "none.example");
	dmarc_eval_destroy(&ev);
	o = run("Reject.example,reject.example.", "reject.example", &ev);
	cr_expect_eq(o->result, GD_DMARC_PASS);
	cr_expect_eq(authors(ev), 1, "one distinct domain");
	dmarc_eval_destroy(&ev);
	o = run("nothing.example,reject.example", "reject.example", &ev);
	cr_expect_eq(o->result, GD_DMARC_NONE, "no failure: the first");
	cr_expect_str_eq(o->from_domain, "nothing.example");
	dmarc_eval_destroy(&ev);
}

Test(dmarc_authors, over_the_bound)
{
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	o = run("a.example,b.example,c.example,d.example,e.example,"
	    "f.example,g.example,h.example,reject.example", NULL, &ev);
	cr_expect_eq(o->result, GD_DMARC_PERMERROR, "incomplete");
	cr_expect_str_eq(o->reason, "too-many-from-domains");
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_NEUTRAL);
	cr_expect_eq(authors(ev), DMARC_FROM_MAX);
	dmarc_eval_destroy(&ev);
	o = run("reject.example,b.example,c.example,d.example,e.example,"
	    "f.example,g.example,h.example,i.example", NULL, &ev);
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_REJECT,
	    "a failure among those evaluated still applies");
	dmarc_eval_destroy(&ev);
}

Test(dmarc_authors, no_usable_domain_is_synchronous)
{
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	o = run("bad..name,,", NULL, &ev);
	cr_expect_eq(o->result, GD_DMARC_PERMERROR);
	dmarc_eval_destroy(&ev);
}

Test(dmarc_authors, destroy_cancels_every_domain)
{
	struct dmarc_test_dns d = { .rrs = zone };
	struct gd_dmarc_input in = { .from_domain = "a.example,b.example" };
	struct gd_dmarc_eval *ev;
	unsigned i;

	dmarc_test_done_calls = 0;
	cr_assert_eq(dmarc_eval_start(GD_DMARC_METHOD_TREE_WALK, &in,
	    &dmarc_test_ops, &d, dmarc_test_done, NULL, &ev), 0);
	cr_assert_eq(dmarc_test_txt_queries(&d), 4, "two walks of two names");
	cr_expect(dmarc_test_asked(&d, "_dmarc.b.example"));
	cr_expect_null(dmarc_eval_author(ev, 0), "not completed");
	dmarc_eval_destroy(&ev);
	for (i = 0; i < d.nq; i++)
		cr_expect(d.q[i].cancelled);
	dmarc_test_dns_run(&d);
	cr_expect_eq(dmarc_test_done_calls, 0);
}
