/*
 * test-dmarc-record.c — the DMARC record parser (modules/dmarc/
 * dmarc-record.c): valid and invalid records by table, under both
 * methods (RFC 9989 tree walk, RFC 7489 PSL), tag defaults, URI lists
 * with size limits, fo= lists, and unknown tags.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "dmarc-engine.h"

static int
parse(const char *txt, enum gd_dmarc_method m, struct gd_dmarc_record *r)
{
	const char *error;

	return dmarc_record_parse(txt, strlen(txt), m, r, &error);
}

struct rec_case {
	const char *txt;
	int tw;		/* result under the tree walk (RFC 9989) */
	int psl;	/* result under RFC 7489 */
	enum gd_dmarc_policy p;	/* p after parsing (when 1) */
};

static const struct rec_case rec_cases[] = {
	{ "v=DMARC1; p=reject", 1, 1, GD_DMARC_POLICY_REJECT },
	{ "v=DMARC1;p=quarantine", 1, 1, GD_DMARC_POLICY_QUARANTINE },
	{ "v = DMARC1 ; p = none ;", 1, 1, GD_DMARC_POLICY_NONE },
	{ "v=DMARC1; P=REJECT", 1, 1, GD_DMARC_POLICY_REJECT },
	{ "v=DMARC1; p=reject; unknown=1; x", 1, 1, GD_DMARC_POLICY_REJECT },
	/* not DMARC: discarded during discovery */
	{ "v=spf1 -all", 0, 0, 0 },
	{ "p=reject; v=DMARC1", 0, 0, 0 },
	{ "v=DMARC2; p=reject", 0, 0, 0 },
	{ "v=dmarc1; p=reject", 0, 0, 0 },
	{ "", 0, 0, 0 },
	{ "v=DMARC1x; p=none", 0, 0, 0 },
	/* p= missing or invalid: RFC 9989 p=none; RFC 7489 needs rua= */
	{ "v=DMARC1", 1, -1, GD_DMARC_POLICY_NONE },
	{ "v=DMARC1; p=bogus", 1, -1, GD_DMARC_POLICY_NONE },
	{ "v=DMARC1; rua=mailto:a@example.com", 1, 1, GD_DMARC_POLICY_NONE },
	{ "v=DMARC1; p=bogus; rua=mailto:a@example.com", 1, 1,
	    GD_DMARC_POLICY_NONE },
	{ "v=DMARC1; p=bogus; rua=not a uri", 1, -1, GD_DMARC_POLICY_NONE },
	/* RFC 7489: an invalid sp= makes the record count as p=none with
	 * rua=, unusable without */
	{ "v=DMARC1; p=reject; sp=bad", 1, -1, GD_DMARC_POLICY_REJECT },
	{ "v=DMARC1; p=reject; sp=bad; rua=mailto:x@y.example", 1, 1,
	    GD_DMARC_POLICY_REJECT },
};

Test(dmarc_record, table)
{
	struct gd_dmarc_record r;
	size_t i;
	int got;

	for (i = 0; i < sizeof(rec_cases) / sizeof(rec_cases[0]); i++) {
		const struct rec_case *c = &rec_cases[i];

		got = parse(c->txt, GD_DMARC_METHOD_TREE_WALK, &r);
		cr_expect_eq(got, c->tw, "tree walk \"%s\": %d", c->txt, got);
		if (got == 1)
			cr_expect_eq(r.p, c->p, "p of \"%s\"", c->txt);
		got = parse(c->txt, GD_DMARC_METHOD_PSL, &r);
		cr_expect_eq(got, c->psl, "psl \"%s\": %d", c->txt, got);
	}
	/* RFC 7489 with rua=: acts as p=none whatever p said */
	cr_assert_eq(parse("v=DMARC1; p=reject; sp=bad; rua=mailto:x@y.example",
	    GD_DMARC_METHOD_PSL, &r), 1);
	cr_expect_eq(r.p, GD_DMARC_POLICY_NONE);
	cr_expect(!r.has_sp);
}

Test(dmarc_record, defaults)
{
	struct gd_dmarc_record r;

	cr_assert_eq(parse("v=DMARC1; p=none", GD_DMARC_METHOD_TREE_WALK, &r),
	    1);
	cr_expect_eq(r.adkim, GD_DMARC_ALIGN_RELAXED);
	cr_expect_eq(r.aspf, GD_DMARC_ALIGN_RELAXED);
	cr_expect_eq(r.pct, 100);
	cr_expect(!r.has_pct && !r.has_sp && !r.has_np && !r.testing);
	cr_expect_eq(r.psd, GD_DMARC_PSD_U);
	cr_expect_eq(r.fo, 0);
	cr_expect(r.rf_afrf);
	cr_expect_eq(r.ri, 86400);
	cr_expect_eq(r.nrua, 0);
	cr_expect_eq(r.nruf, 0);
}

Test(dmarc_record, every_tag)
{
	struct gd_dmarc_record r;
	const char *txt = "v=DMARC1; p=quarantine; sp=reject; np=reject; "
	    "adkim=s; aspf=s; pct=25; t=y; psd=n; fo=1:d:s; rf=afrf; "
	    "ri=3600; rua=mailto:agg@example.com!10m, mailto:b@x.example; "
	    "ruf=mailto:f@example.com!512k";

	cr_assert_eq(parse(txt, GD_DMARC_METHOD_TREE_WALK, &r), 1);
	cr_expect_eq(r.p, GD_DMARC_POLICY_QUARANTINE);
	cr_expect(r.has_sp && r.sp == GD_DMARC_POLICY_REJECT);
	cr_expect(r.has_np && r.np == GD_DMARC_POLICY_REJECT);
	cr_expect_eq(r.adkim, GD_DMARC_ALIGN_STRICT);
	cr_expect_eq(r.aspf, GD_DMARC_ALIGN_STRICT);
	cr_expect(r.has_pct && r.pct == 25);
	cr_expect(r.testing);
	cr_expect_eq(r.psd, GD_DMARC_PSD_N);
	cr_expect_eq(r.fo, GD_DMARC_FO_1 | GD_DMARC_FO_D | GD_DMARC_FO_S);
	cr_expect_eq(r.ri, 3600);
	cr_assert_eq(r.nrua, 2);
	cr_expect_str_eq(r.rua[0].uri, "mailto:agg@example.com");
	cr_expect_eq(r.rua[0].max_size, 10ull << 20);
	cr_expect_str_eq(r.rua[1].uri, "mailto:b@x.example");
	cr_expect_eq(r.rua[1].max_size, 0);
	cr_assert_eq(r.nruf, 1);
	cr_expect_eq(r.ruf[0].max_size, 512ull << 10);
}

Test(dmarc_record, invalid_values_keep_defaults)
{
	struct gd_dmarc_record r;

	cr_assert_eq(parse("v=DMARC1; p=reject; adkim=x; aspf=; pct=101; "
	    "ri=-1; t=maybe; psd=q; fo=x:9; np=never",
	    GD_DMARC_METHOD_TREE_WALK, &r), 1);
	cr_expect_eq(r.adkim, GD_DMARC_ALIGN_RELAXED);
	cr_expect_eq(r.aspf, GD_DMARC_ALIGN_RELAXED);
	cr_expect(!r.has_pct);
	cr_expect_eq(r.pct, 100);
	cr_expect_eq(r.ri, 86400);
	cr_expect(!r.testing);
	cr_expect_eq(r.psd, GD_DMARC_PSD_U);
	cr_expect_eq(r.fo, 0);
	cr_expect(!r.has_np);
	/* the first p= counts */
	cr_assert_eq(parse("v=DMARC1; p=none; p=reject",
	    GD_DMARC_METHOD_TREE_WALK, &r), 1);
	cr_expect_eq(r.p, GD_DMARC_POLICY_NONE);
}

Test(dmarc_record, uri_lists)
{
	static const char *bad[] = {
		"rua=mailto", "rua=:x", "rua=1mailto:x", "rua=mailto:",
		"rua=mailto:a@b!", "rua=mailto:a@b!10x", "rua=mailto:a@b!k",
		"rua=mailto:a@b!99999999999999999999",
		"rua=mailto:a@b!99999999999999t",
	};
	struct gd_dmarc_record r;
	char txt[200];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(txt, sizeof(txt), "v=DMARC1; p=none; %s",
		    bad[i]);
		cr_assert_eq(parse(txt, GD_DMARC_METHOD_TREE_WALK, &r), 1);
		cr_expect_eq(r.nrua, 0, "%s", bad[i]);
	}
	cr_assert_eq(parse("v=DMARC1; p=none; rua=mailto:a@b!1g, bad, "
	    "https://r.example/x!2t", GD_DMARC_METHOD_TREE_WALK, &r), 1);
	cr_assert_eq(r.nrua, 2);
	cr_expect_eq(r.rua[0].max_size, 1ull << 30);
	cr_expect_str_eq(r.rua[1].uri, "https://r.example/x");
	cr_expect_eq(r.rua[1].max_size, 2ull << 40);
	/* more than GD_DMARC_URI_MAX: the rest is ignored */
	cr_assert_eq(parse("v=DMARC1; p=none; rua=m:1,m:2,m:3,m:4,m:5,m:6,"
	    "m:7,m:8,m:9,m:10", GD_DMARC_METHOD_TREE_WALK, &r), 1);
	cr_expect_eq(r.nrua, GD_DMARC_URI_MAX);
}

Test(dmarc_record, rf_and_fo)
{
	struct gd_dmarc_record r;

	cr_assert_eq(parse("v=DMARC1; p=none; rf=iodef; fo=0:1",
	    GD_DMARC_METHOD_TREE_WALK, &r), 1);
	cr_expect(!r.rf_afrf);
	cr_expect_eq(r.fo, GD_DMARC_FO_0 | GD_DMARC_FO_1);
	cr_assert_eq(parse("v=DMARC1; p=none; rf=iodef:afrf; fo= d : s ",
	    GD_DMARC_METHOD_TREE_WALK, &r), 1);
	cr_expect(r.rf_afrf);
	cr_expect_eq(r.fo, GD_DMARC_FO_D | GD_DMARC_FO_S);
}

Test(dmarc_record, limits_and_copy)
{
	struct gd_dmarc_record r, c;
	char big[GD_DMARC_RECORD_MAX + 10];
	const char *error;

	memset(big, 'a', sizeof(big));
	memcpy(big, "v=DMARC1; p=none; x=", 20);
	cr_expect_eq(dmarc_record_parse(big, sizeof(big),
	    GD_DMARC_METHOD_TREE_WALK, &r, &error), -1);
	cr_expect_eq(dmarc_record_parse("v=DMARC1; p=n\0one", 17,
	    GD_DMARC_METHOD_TREE_WALK, &r, &error), -1);
	cr_assert_eq(parse("v=DMARC1; p=none; rua=mailto:a@b.example",
	    GD_DMARC_METHOD_TREE_WALK, &r), 1);
	dmarc_record_copy(&c, &r);
	memset(&r, 0, sizeof(r));
	cr_expect_str_eq(c.rua[0].uri, "mailto:a@b.example");
	cr_expect(c.rua[0].uri >= c.buf &&
	    c.rua[0].uri < c.buf + sizeof(c.buf));
}
