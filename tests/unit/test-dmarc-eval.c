/*
 * test-dmarc-eval.c — DMARC evaluation over a table of DNS answers
 * (modules/dmarc/dmarc-eval.c, -walk.c, -psl.c, -policy.c): strict and
 * relaxed alignment with subdomains, sp= and np=, psd=, the tree walk
 * against the public suffix list, the 8-name limit, pct= and t=, DNS
 * failures, several and invalid records, and cancellation.
 */
#include <criterion/criterion.h>

#include "dmarc-test-dns.h"

static struct gd_dmarc_dkim_sig
sig(const char *d, enum gd_dmarc_auth r)
{
	struct gd_dmarc_dkim_sig s = { r, d, "sel", "AbCdEfGhIj" };

	return s;
}

/* ---- alignment ------------------------------------------------------- */

static const struct dmarc_test_rr zone_example[] = {
	{ "_dmarc.example.com", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=reject; sp=quarantine; adkim=r; aspf=s" } },
	{ "_dmarc.strict.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=reject; adkim=s; aspf=s" } },
	{ "_dmarc.relaxed.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=reject" } },
	{ NULL, 0, 0, { NULL } },
};

struct align_case {
	const char *from;
	const char *mail_from;
	enum gd_dmarc_auth spf;
	const char *dkim_d;	/* NULL: no signature */
	enum gd_dmarc_auth dkim;
	enum gd_dmarc_result result;
	bool spf_aligned, dkim_aligned;
	enum gd_dmarc_verdict verdict;
};

static const struct align_case align_cases[] = {
	/* adkim=r: a subdomain's signature aligns */
	{ "example.com", NULL, GD_DMARC_AUTH_NONE, "mail.example.com",
	    GD_DMARC_AUTH_PASS, GD_DMARC_PASS, false, true,
	    GD_DMARC_VERDICT_PASS },
	{ "EXAMPLE.com.", NULL, GD_DMARC_AUTH_NONE, "Example.COM",
	    GD_DMARC_AUTH_PASS, GD_DMARC_PASS, false, true,
	    GD_DMARC_VERDICT_PASS },
	/* a failing signature never aligns */
	{ "example.com", NULL, GD_DMARC_AUTH_NONE, "example.com",
	    GD_DMARC_AUTH_FAIL, GD_DMARC_FAIL, false, false,
	    GD_DMARC_VERDICT_REJECT },
	/* aspf=s: the bounce subdomain does not align */
	{ "example.com", "bounce.example.com", GD_DMARC_AUTH_PASS, NULL, 0,
	    GD_DMARC_FAIL, false, false, GD_DMARC_VERDICT_REJECT },
	{ "example.com", "example.com", GD_DMARC_AUTH_PASS, NULL, 0,
	    GD_DMARC_PASS, true, false, GD_DMARC_VERDICT_PASS },
	/* SPF softfail does not count */
	{ "example.com", "example.com", GD_DMARC_AUTH_SOFTFAIL, NULL, 0,
	    GD_DMARC_FAIL, false, false, GD_DMARC_VERDICT_REJECT },
	/* From a subdomain: sp=quarantine; the parent's signature
	 * aligns relaxed */
	{ "news.example.com", NULL, GD_DMARC_AUTH_NONE, "other.example",
	    GD_DMARC_AUTH_PASS, GD_DMARC_FAIL, false, false,
	    GD_DMARC_VERDICT_QUARANTINE },
	{ "news.example.com", NULL, GD_DMARC_AUTH_NONE, "example.com",
	    GD_DMARC_AUTH_PASS, GD_DMARC_PASS, false, true,
	    GD_DMARC_VERDICT_PASS },
	/* adkim=s: only the exact domain */
	{ "strict.example", NULL, GD_DMARC_AUTH_NONE, "a.strict.example",
	    GD_DMARC_AUTH_PASS, GD_DMARC_FAIL, false, false,
	    GD_DMARC_VERDICT_REJECT },
	{ "strict.example", NULL, GD_DMARC_AUTH_NONE, "strict.example",
	    GD_DMARC_AUTH_PASS, GD_DMARC_PASS, false, true,
	    GD_DMARC_VERDICT_PASS },
	/* a look-alike suffix is not a subdomain */
	{ "relaxed.example", "notrelaxed.example", GD_DMARC_AUTH_PASS, NULL,
	    0, GD_DMARC_FAIL, false, false, GD_DMARC_VERDICT_REJECT },
	{ "relaxed.example", "a.b.relaxed.example", GD_DMARC_AUTH_PASS, NULL,
	    0, GD_DMARC_PASS, true, false, GD_DMARC_VERDICT_PASS },
	/* no policy anywhere */
	{ "nopolicy.example", "nopolicy.example", GD_DMARC_AUTH_PASS, NULL, 0,
	    GD_DMARC_NONE, false, false, GD_DMARC_VERDICT_NEUTRAL },
};

static void
check_align(enum gd_dmarc_method m, const struct align_case *c)
{
	struct dmarc_test_dns d = { .rrs = zone_example };
	struct gd_dmarc_dkim_sig s = sig(c->dkim_d, c->dkim);
	struct gd_dmarc_input in = {
		.from_domain = c->from, .mail_from_domain = c->mail_from,
		.helo = "mx.example.net", .spf = c->spf,
		.ndkim = c->dkim_d != NULL, .dkim = &s,
	};
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o = dmarc_test_eval(&d, m, &in, &ev);

	cr_expect_eq(o->result, c->result, "%s/%s/%s: result %s",
	    c->from, c->mail_from, c->dkim_d, dmarc_result_str(o->result));
	cr_expect_eq(o->spf_aligned, c->spf_aligned, "%s spf", c->from);
	cr_expect_eq(o->dkim_aligned, c->dkim_aligned, "%s dkim", c->from);
	cr_expect_eq(o->verdict, c->verdict, "%s/%s/%s: verdict %d", c->from,
	    c->mail_from, c->dkim_d, o->verdict);
	dmarc_eval_destroy(&ev);
	cr_expect_null(ev);
}

Test(dmarc_eval, alignment_tree_walk)
{
	size_t i;

	for (i = 0; i < sizeof(align_cases) / sizeof(align_cases[0]); i++)
		check_align(GD_DMARC_METHOD_TREE_WALK, &align_cases[i]);
}

/* These domains are all registrable under the PSL too: same results. */
Test(dmarc_eval, alignment_psl)
{
	size_t i;

	for (i = 0; i < sizeof(align_cases) / sizeof(align_cases[0]); i++)
		check_align(GD_DMARC_METHOD_PSL, &align_cases[i]);
}

Test(dmarc_eval, null_sender_uses_helo)
{
	struct dmarc_test_dns d = { .rrs = zone_example };
	struct gd_dmarc_input in = {
		.from_domain = "example.com", .mail_from_domain = "",
		.helo = "example.com", .spf = GD_DMARC_AUTH_PASS,
	};
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	o = dmarc_test_eval(&d, GD_DMARC_METHOD_TREE_WALK, &in, &ev);
	cr_expect_eq(o->result, GD_DMARC_PASS);
	cr_expect(o->spf_aligned);
	cr_expect_str_eq(o->spf_domain, "example.com");
	dmarc_eval_destroy(&ev);
}

/* ---- np= ------------------------------------------------------------- */

static const struct dmarc_test_rr zone_np[] = {
	{ "_dmarc.np.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=quarantine; sp=none; np=reject" } },
	{ "real.np.example", GD_DNS_A, GD_DNS_OK, { NULL } },
	{ "mxonly.np.example", GD_DNS_A, GD_DNS_NODATA, { NULL } },
	{ "mxonly.np.example", GD_DNS_AAAA, GD_DNS_NODATA, { NULL } },
	{ "mxonly.np.example", GD_DNS_MX, GD_DNS_OK, { NULL } },
	{ "_dmarc.nonp.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=reject; sp=quarantine" } },
	{ NULL, 0, 0, { NULL } },
};

static const struct gd_dmarc_outcome *
np_run(const char *from, struct dmarc_test_dns *d, struct gd_dmarc_eval **ev)
{
	struct gd_dmarc_input in = {
		.from_domain = from, .mail_from_domain = "elsewhere.example",
		.spf = GD_DMARC_AUTH_PASS,
	};

	d->rrs = zone_np;
	return dmarc_test_eval(d, GD_DMARC_METHOD_TREE_WALK, &in, ev);
}

Test(dmarc_eval, np_nonexistent_subdomain)
{
	struct dmarc_test_dns d1 = { 0 }, d2 = { 0 }, d3 = { 0 }, d4 = { 0 };
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	o = np_run("ghost.np.example", &d1, &ev);
	cr_expect(o->nonexistent);
	cr_expect_eq(o->policy, GD_DMARC_POLICY_REJECT);
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_REJECT);
	cr_expect(dmarc_test_asked(&d1, "ghost.np.example"));
	dmarc_eval_destroy(&ev);
	o = np_run("real.np.example", &d2, &ev);
	cr_expect(!o->nonexistent);
	cr_expect_eq(o->policy, GD_DMARC_POLICY_NONE);
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_NEUTRAL);
	dmarc_eval_destroy(&ev);
	o = np_run("mxonly.np.example", &d3, &ev);
	cr_expect(!o->nonexistent);
	dmarc_eval_destroy(&ev);
	/* the organizational domain itself: p= */
	o = np_run("np.example", &d4, &ev);
	cr_expect_eq(o->policy, GD_DMARC_POLICY_QUARANTINE);
	cr_expect(!dmarc_test_asked(&d4, "np.example"));
	dmarc_eval_destroy(&ev);
}

Test(dmarc_eval, np_absent_falls_back_to_sp)
{
	struct dmarc_test_dns d = { .rrs = zone_np };
	struct gd_dmarc_input in = {
		.from_domain = "ghost.nonp.example", .spf = GD_DMARC_AUTH_NONE,
	};
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	o = dmarc_test_eval(&d, GD_DMARC_METHOD_TREE_WALK, &in, &ev);
	cr_expect_eq(o->policy, GD_DMARC_POLICY_QUARANTINE);
	/* no np=: the existence lookups are not needed */
	cr_expect(!dmarc_test_asked(&d, "ghost.nonp.example"));
	dmarc_eval_destroy(&ev);
}

/* ---- psd= and the tree walk ------------------------------------------ */

static const struct dmarc_test_rr zone_psd[] = {
	{ "_dmarc.psd", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=reject; psd=y" } },
	{ "_dmarc.org.psd", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=none; psd=n" } },
	{ NULL, 0, 0, { NULL } },
};

Test(dmarc_eval, psd_boundaries)
{
	struct dmarc_test_dns d1 = { .rrs = zone_psd };
	struct dmarc_test_dns d2 = { .rrs = zone_psd };
	struct gd_dmarc_dkim_sig s1 = sig("b.bank.psd", GD_DMARC_AUTH_PASS);
	struct gd_dmarc_dkim_sig s2 = sig("x.deep.org.psd", GD_DMARC_AUTH_PASS);
	struct gd_dmarc_input in = {
		.from_domain = "a.b.bank.psd", .ndkim = 1, .dkim = &s1,
	};
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	/* psd=y at "psd": the organizational domain is one label below */
	o = dmarc_test_eval(&d1, GD_DMARC_METHOD_TREE_WALK, &in, &ev);
	cr_expect_str_eq(o->org_domain, "bank.psd");
	cr_expect_str_eq(o->policy_domain, "psd");
	cr_expect_eq(o->result, GD_DMARC_PASS);
	dmarc_eval_destroy(&ev);
	/* psd=n at org.psd: that is the organizational domain */
	in.from_domain = "mail.org.psd";
	in.dkim = &s2;
	o = dmarc_test_eval(&d2, GD_DMARC_METHOD_TREE_WALK, &in, &ev);
	cr_expect_str_eq(o->org_domain, "org.psd");
	cr_expect_str_eq(o->policy_domain, "org.psd");
	cr_expect_eq(o->result, GD_DMARC_PASS);
	dmarc_eval_destroy(&ev);
}

Test(dmarc_eval, psd_y_other_branch_fails)
{
	struct dmarc_test_dns d = { .rrs = zone_psd };
	struct gd_dmarc_dkim_sig s = sig("other.psd", GD_DMARC_AUTH_PASS);
	struct gd_dmarc_input in = {
		.from_domain = "a.bank.psd", .ndkim = 1, .dkim = &s,
	};
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	o = dmarc_test_eval(&d, GD_DMARC_METHOD_TREE_WALK, &in, &ev);
	cr_expect_eq(o->result, GD_DMARC_FAIL);
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_REJECT);
	dmarc_eval_destroy(&ev);
}

Test(dmarc_eval, walk_org_table)
{
	struct dmarc_walk_step st[DMARC_WALK_MAX];
	const char *names[DMARC_WALK_MAX];

	memset(st, 0, sizeof(st));
	cr_assert_eq(dmarc_walk_names("a.b.c.example", names), 4);
	cr_expect_str_eq(names[3], "example");
	cr_expect_str_eq(dmarc_walk_org("a.b.c.example", st, 4),
	    "a.b.c.example");
	st[2].found = DMARC_FOUND_RECORD;	/* c.example */
	cr_expect_str_eq(dmarc_walk_org("a.b.c.example", st, 4), "c.example");
	st[0].found = DMARC_FOUND_RECORD;	/* the domain's own */
	cr_expect_str_eq(dmarc_walk_org("a.b.c.example", st, 4), "c.example");
	st[1].found = DMARC_FOUND_RECORD;
	st[1].psd = GD_DMARC_PSD_N;
	cr_expect_str_eq(dmarc_walk_org("a.b.c.example", st, 4),
	    "b.c.example");
	st[1].psd = GD_DMARC_PSD_Y;
	cr_expect_str_eq(dmarc_walk_org("a.b.c.example", st, 4),
	    "a.b.c.example");
	st[0].psd = GD_DMARC_PSD_Y;
	cr_expect_str_eq(dmarc_walk_org("a.b.c.example", st, 4),
	    "a.b.c.example");
	memset(st, 0, sizeof(st));
	st[3].found = DMARC_FOUND_TEMPFAIL;
	cr_expect_null(dmarc_walk_org("a.b.c.example", st, 4));
	st[1].found = DMARC_FOUND_RECORD;
	st[1].psd = GD_DMARC_PSD_N;
	cr_expect_str_eq(dmarc_walk_org("a.b.c.example", st, 4),
	    "b.c.example");
}

Test(dmarc_eval, walk_at_most_eight_names)
{
	struct dmarc_test_dns d = { .rrs = zone_example };
	struct gd_dmarc_input in = {
		.from_domain = "a.b.c.d.e.f.g.h.i.example",
	};
	const char *names[DMARC_WALK_MAX];
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	cr_assert_eq(dmarc_walk_names("a.b.c.d.e.f.g.h.i.example", names), 8);
	cr_expect_str_eq(names[1], "d.e.f.g.h.i.example");
	cr_expect_str_eq(names[7], "example");
	o = dmarc_test_eval(&d, GD_DMARC_METHOD_TREE_WALK, &in, &ev);
	cr_expect_eq(o->result, GD_DMARC_NONE);
	cr_expect_eq(dmarc_test_txt_queries(&d), 8);
	cr_expect(dmarc_test_asked(&d, "_dmarc.d.e.f.g.h.i.example"));
	cr_expect(!dmarc_test_asked(&d, "_dmarc.c.d.e.f.g.h.i.example"));
	cr_expect(!dmarc_test_asked(&d, "_dmarc.b.c.d.e.f.g.h.i.example"));
	dmarc_eval_destroy(&ev);
	cr_assert_eq(dmarc_walk_names("example", names), 1);
}

/* ---- tree walk vs public suffix list --------------------------------- */

/*
 * blogspot.com is a public suffix (the list's private section), so the
 * PSL makes foo.blogspot.com its own organizational domain, while the
 * tree walk finds the record at blogspot.com and takes that.
 */
static const struct dmarc_test_rr zone_blog[] = {
	{ "_dmarc.blogspot.com", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=reject" } },
	{ "_dmarc.foo.blogspot.com", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=reject" } },
	{ NULL, 0, 0, { NULL } },
};

Test(dmarc_eval, tree_walk_vs_psl)
{
	struct dmarc_test_dns d1 = { .rrs = zone_blog };
	struct dmarc_test_dns d2 = { .rrs = zone_blog };
	struct gd_dmarc_dkim_sig s = sig("bar.blogspot.com",
	    GD_DMARC_AUTH_PASS);
	struct gd_dmarc_input in = {
		.from_domain = "foo.blogspot.com", .ndkim = 1, .dkim = &s,
	};
	struct gd_dmarc_eval *ev;
	const struct gd_dmarc_outcome *o;

	o = dmarc_test_eval(&d1, GD_DMARC_METHOD_TREE_WALK, &in, &ev);
	cr_expect_str_eq(o->org_domain, "blogspot.com");
	cr_expect_eq(o->result, GD_DMARC_PASS);
	dmarc_eval_destroy(&ev);
	o = dmarc_test_eval(&d2, GD_DMARC_METHOD_PSL, &in, &ev);
	cr_expect_str_eq(o->org_domain, "foo.blogspot.com");
	cr_expect_eq(o->result, GD_DMARC_FAIL);
	cr_expect_eq(o->verdict, GD_DMARC_VERDICT_REJECT);
	/* RFC 7489 asks two names at most, and no identifier walk */
	cr_expect_leq(dmarc_test_txt_queries(&d2), 2);
	dmarc_eval_destroy(&ev);
}

Test(dmarc_eval, psl_org_domains)
{
	cr_expect_str_eq(dmarc_psl_org("a.b.example.co.uk"), "example.co.uk");
	cr_expect_str_eq(dmarc_psl_org("example.com"), "example.com");
	cr_expect_str_eq(dmarc_psl_org("mail.example.com"), "example.com");
	cr_expect_str_eq(dmarc_psl_org("co.uk"), "co.uk");
	cr_expect_str_eq(dmarc_psl_org("foo.blogspot.com"), "foo.blogspot.com");
	dmarc_psl_release();
	cr_expect_str_eq(dmarc_psl_org("x.example.org"), "example.org");
	dmarc_psl_release();
}

/* ---- pct= and t= ----------------------------------------------------- */

struct sample_case {
	const char *record;
	enum gd_dmarc_method method;
	unsigned sample;
	enum gd_dmarc_policy disposition;
	bool sampled_out;
};

static const struct sample_case sample_cases[] = {
	{ "v=DMARC1; p=reject; pct=50", GD_DMARC_METHOD_PSL, 49,
	    GD_DMARC_POLICY_REJECT, false },
	{ "v=DMARC1; p=reject; pct=50", GD_DMARC_METHOD_PSL, 50,
	    GD_DMARC_POLICY_QUARANTINE, true },
	{ "v=DMARC1; p=quarantine; pct=0", GD_DMARC_METHOD_PSL, 0,
	    GD_DMARC_POLICY_NONE, true },
	{ "v=DMARC1; p=reject", GD_DMARC_METHOD_PSL, 99,
	    GD_DMARC_POLICY_REJECT, false },
	/* RFC 9989 drops pct=: ignored under the tree walk */
	{ "v=DMARC1; p=reject; pct=0", GD_DMARC_METHOD_TREE_WALK, 99,
	    GD_DMARC_POLICY_REJECT, false },
	/* t=y: one step lower; ignored under RFC 7489 */
	{ "v=DMARC1; p=reject; t=y", GD_DMARC_METHOD_TREE_WALK, 0,
	    GD_DMARC_POLICY_QUARANTINE, true },
	{ "v=DMARC1; p=quarantine; t=y", GD_DMARC_METHOD_TREE_WALK, 0,
	    GD_DMARC_POLICY_NONE, true },
	{ "v=DMARC1; p=reject; t=n", GD_DMARC_METHOD_TREE_WALK, 0,
	    GD_DMARC_POLICY_REJECT, false },
	{ "v=DMARC1; p=reject; t=y", GD_DMARC_METHOD_PSL, 0,
	    GD_DMARC_POLICY_REJECT, false },
};

Test(dmarc_eval, pct_and_testing)
{
	size_t i;

	for (i = 0; i < sizeof(sample_cases) / sizeof(sample_cases[0]); i++) {
		const struct sample_case *c = &sample_cases[i];
		struct dmarc_test_rr rrs[] = {
			{ "_dmarc.example.com", GD_DNS_TXT, GD_DNS_OK,
			    { c->record } },
			{ NULL, 0, 0, { NULL } },
		};
		struct dmarc_test_dns d = { .rrs = rrs };
		struct gd_dmarc_input in = {
			.from_domain = "example.com", .sample = c->sample,
		};
		struct gd_dmarc_eval *ev;
		const struct gd_dmarc_outcome *o;

		o = dmarc_test_eval(&d, c->method, &in, &ev);
		cr_expect_eq(o->result, GD_DMARC_FAIL);
		cr_expect_eq(o->disposition, c->disposition, "case %zu", i);
		cr_expect_eq(o->sampled_out, c->sampled_out, "case %zu", i);
		dmarc_eval_destroy(&ev);
	}
}

/* ---- errors ---------------------------------------------------------- */

static const struct dmarc_test_rr zone_errors[] = {
	{ "_dmarc.servfail.example", GD_DNS_TXT, GD_DNS_SERVFAIL, { NULL } },
	{ "_dmarc.timeout.example", GD_DNS_TXT, GD_DNS_TIMEOUT, { NULL } },
	{ "_dmarc.two.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=reject", "v=DMARC1; p=none" } },
	{ "_dmarc.mixed.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=spf1 -all", "v=DMARC1; p=reject" } },
	{ "_dmarc.invalid.example", GD_DNS_TXT, GD_DNS_OK,
	    { "v=DMARC1; p=bogus" } },
	{ NULL, 0, 0, { NULL } },
};

static enum gd_dmarc_result
error_case(const char *from, enum gd_dmarc_method m)
{
	struct dmarc_test_dns d = { .rrs = zone_errors };
	struct gd_dmarc_input in = { .from_domain = from };
	struct gd_dmarc_eval *ev;
	enum gd_dmarc_result r;

	r = dmarc_test_eval(&d, m, &in, &ev)->result;
	dmarc_eval_destroy(&ev);
	return r;
}

Test(dmarc_eval, errors)
{
	const enum gd_dmarc_method tw = GD_DMARC_METHOD_TREE_WALK;
	const enum gd_dmarc_method psl = GD_DMARC_METHOD_PSL;

	cr_expect_eq(error_case("servfail.example", tw), GD_DMARC_TEMPERROR);
	cr_expect_eq(error_case("a.servfail.example", tw), GD_DMARC_TEMPERROR);
	cr_expect_eq(error_case("timeout.example", psl), GD_DMARC_TEMPERROR);
	cr_expect_eq(error_case("two.example", tw), GD_DMARC_NONE);
	cr_expect_eq(error_case("mixed.example", tw), GD_DMARC_FAIL);
	cr_expect_eq(error_case("invalid.example", tw), GD_DMARC_FAIL);
	cr_expect_eq(error_case("invalid.example", psl), GD_DMARC_PERMERROR);
}

Test(dmarc_eval, temperror_verdict)
{
	struct dmarc_test_dns d = { .rrs = zone_errors };
	struct gd_dmarc_input in = { .from_domain = "servfail.example" };
	struct gd_dmarc_eval *ev;

	cr_expect_eq(dmarc_test_eval(&d, GD_DMARC_METHOD_TREE_WALK, &in,
	    &ev)->verdict, GD_DMARC_VERDICT_TEMPFAIL);
	dmarc_eval_destroy(&ev);
}

Test(dmarc_eval, no_from_domain_is_synchronous)
{
	static const char *bad[] = { NULL, "", "a..b", ".", "-x y", "a@b" };
	struct dmarc_test_dns d = { .rrs = zone_errors };
	struct gd_dmarc_eval *ev;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gd_dmarc_input in = { .from_domain = bad[i] };

		dmarc_test_done_calls = 0;
		cr_assert_eq(dmarc_eval_start(GD_DMARC_METHOD_TREE_WALK, &in,
		    &dmarc_test_ops, &d, dmarc_test_done, NULL, &ev), 1);
		cr_expect_eq(dmarc_test_done_calls, 0);
		cr_expect_eq(dmarc_eval_outcome(ev)->result,
		    GD_DMARC_PERMERROR);
		dmarc_eval_destroy(&ev);
	}
	cr_expect_eq(d.nq, 0);
}

Test(dmarc_eval, destroy_cancels_pending)
{
	struct dmarc_test_dns d = { .rrs = zone_example };
	struct gd_dmarc_input in = { .from_domain = "a.example.com" };
	struct gd_dmarc_eval *ev;
	unsigned i;

	dmarc_test_done_calls = 0;
	cr_assert_eq(dmarc_eval_start(GD_DMARC_METHOD_TREE_WALK, &in,
	    &dmarc_test_ops, &d, dmarc_test_done, NULL, &ev), 0);
	cr_assert_eq(d.nq, 3);
	dmarc_eval_destroy(&ev);
	for (i = 0; i < d.nq; i++)
		cr_expect(d.q[i].cancelled);
	dmarc_test_dns_run(&d);
	cr_expect_eq(dmarc_test_done_calls, 0);
}
