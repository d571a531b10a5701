/*
 * test-spf-record.c — modules/spf record parsing (RFC 7208 4.5, 4.6, 5,
 * 6, 12): the version, every mechanism with qualifiers, dual CIDR
 * lengths, ip4/ip6 networks, redirect= and exp= at most once, unknown
 * modifiers ignored, and every kind of syntax error refused.
 */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include "spf-engine.h"

static const char *err;

static struct spf_record *
parse(const char *text)
{
	return spf_record_parse(text, strlen(text), &err);
}

static void
refused(const char *text)
{
	struct spf_record *rec = parse(text);

	cr_expect_null(rec, "accepted: %s", text);
	spf_record_free(rec);
}

Test(spf_record, version)
{
	cr_assert(spf_record_is_spf1("v=spf1", 6));
	cr_assert(spf_record_is_spf1("V=SPF1 -all", 11));
	cr_assert_not(spf_record_is_spf1("v=spf10 -all", 12));
	cr_assert_not(spf_record_is_spf1("v=spf1-all", 10));
	cr_assert_not(spf_record_is_spf1(" v=spf1 -all", 12));
	cr_assert_not(spf_record_is_spf1("v=spf", 5));
}

Test(spf_record, every_mechanism_and_qualifier)
{
	struct spf_record *rec = parse("v=spf1 +all -include:a.example "
	    "~a ?a:b.example/24 mx//64 MX:c.example/16//48 ptr ptr:d.example "
	    "ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{i}.e.example");

	cr_assert_not_null(rec, "%s", err);
	cr_assert_eq(rec->nterms, 11);
	cr_expect_eq(rec->terms[0].mech, SPF_MECH_ALL);
	cr_expect_eq(rec->terms[0].qualifier, '+');
	cr_expect_eq(rec->terms[1].mech, SPF_MECH_INCLUDE);
	cr_expect_eq(rec->terms[1].qualifier, '-');
	cr_expect_str_eq(rec->terms[1].domain, "a.example");
	cr_expect_eq(rec->terms[2].qualifier, '~');
	cr_expect_null(rec->terms[2].domain);
	cr_expect_eq(rec->terms[2].cidr4, 32);
	cr_expect_eq(rec->terms[2].cidr6, 128);
	cr_expect_eq(rec->terms[3].qualifier, '?');
	cr_expect_str_eq(rec->terms[3].domain, "b.example");
	cr_expect_eq(rec->terms[3].cidr4, 24);
	cr_expect_eq(rec->terms[4].mech, SPF_MECH_MX);
	cr_expect_eq(rec->terms[4].cidr4, 32);
	cr_expect_eq(rec->terms[4].cidr6, 64);
	cr_expect_str_eq(rec->terms[5].domain, "c.example");
	cr_expect_eq(rec->terms[5].cidr4, 16);
	cr_expect_eq(rec->terms[5].cidr6, 48);
	cr_expect_eq(rec->terms[6].mech, SPF_MECH_PTR);
	cr_expect_str_eq(rec->terms[7].domain, "d.example");
	cr_expect_eq(rec->terms[8].mech, SPF_MECH_IP4);
	cr_expect_eq(rec->terms[8].cidr4, 24);
	cr_expect_eq(rec->terms[8].addr[0], 192);
	cr_expect_eq(rec->terms[9].mech, SPF_MECH_IP6);
	cr_expect_eq(rec->terms[9].cidr6, 32);
	cr_expect_eq(rec->terms[9].addr[1], 0x01);
	cr_expect_eq(rec->terms[10].mech, SPF_MECH_EXISTS);
	cr_expect_str_eq(rec->terms[10].domain, "%{i}.e.example");
	cr_expect(rec->has_all);
	/* the terms as written, for Received-SPF mechanism= */
	cr_expect_str_eq(rec->terms[5].text, "MX:c.example/16//48");
	cr_expect_str_eq(rec->terms[8].text, "ip4:192.0.2.0/24");
	spf_record_free(rec);
}

Test(spf_record, modifiers)
{
	struct spf_record *rec = parse("v=spf1  mx  redirect=_spf.example "
	    "exp=explain.%{d} foo=bar.%{c} x-y_z.1=");

	cr_assert_not_null(rec, "%s", err);
	cr_expect_eq(rec->nterms, 1);
	cr_expect_str_eq(rec->redirect, "_spf.example");
	cr_expect_str_eq(rec->exp, "explain.%{d}");
	cr_expect_not(rec->has_all);
	spf_record_free(rec);

	rec = parse("v=spf1");
	cr_assert_not_null(rec);
	cr_expect_eq(rec->nterms, 0);
	spf_record_free(rec);
	rec = parse("v=spf1 -all ");
	cr_assert_not_null(rec);
	cr_expect_eq(rec->nterms, 1);
	spf_record_free(rec);
}

Test(spf_record, syntax_errors)
{
	refused("v=spf1 redirect=a.example redirect=b.example");
	refused("v=spf1 exp=a.example EXP=b.example");
	refused("v=spf1 foo");
	refused("v=spf1 all:x.example");
	refused("v=spf1 include");
	refused("v=spf1 include:");
	refused("v=spf1 exists");
	refused("v=spf1 a/33");
	refused("v=spf1 a//129");
	refused("v=spf1 a/024");
	refused("v=spf1 a/");
	refused("v=spf1 ip4:192.0.2.1/33");
	refused("v=spf1 ip4:192.0.2");
	refused("v=spf1 ip4:192.0.2.01");
	refused("v=spf1 ip4");
	refused("v=spf1 ip6:192.0.2.1");
	refused("v=spf1 ip6:2001:db8::/129");
	refused("v=spf1 a:example");		/* no toplabel dot */
	refused("v=spf1 a:example.123");	/* numeric toplabel */
	refused("v=spf1 a:foo.-bar");
	refused("v=spf1 a:%{c}.example.com");	/* c only in exp */
	refused("v=spf1 a:%{x}.example.com");
	refused("v=spf1 a:%{d0}.example.com");
	refused("v=spf1 a:%{d}.example.com%");
	refused("v=spf1 a:%{d.example.com");
	refused("v=spf1 -all\tptr");
	refused("v=spf1 a:b\x80.example");
	refused("v=spf1 redirect=");
	refused("v=spf1 1foo=bar x");
	refused("v=spf1 foo=%{z}");
}

Test(spf_record, domain_specs)
{
	cr_expect(spf_domain_spec_valid("a.example", 9));
	cr_expect(spf_domain_spec_valid("a.example.", 10));
	cr_expect(spf_domain_spec_valid("%{d}", 4));
	cr_expect(spf_domain_spec_valid("_spf.%{d2}", 10));
	cr_expect(spf_domain_spec_valid("x.1-2", 5));
	cr_expect(spf_domain_spec_valid("%{l}%%", 6));
	cr_expect_not(spf_domain_spec_valid("", 0));
	cr_expect_not(spf_domain_spec_valid("com", 3));
	cr_expect_not(spf_domain_spec_valid("a.example..", 11));
	cr_expect_not(spf_domain_spec_valid("a.1", 3));
}

Test(spf_record, bounded)
{
	static char big[SPF_RECORD_MAX + 64];
	struct spf_record *rec;
	size_t n;

	strcpy(big, "v=spf1");
	for (n = 6; n + 3 < SPF_RECORD_MAX; n += 3)
		memcpy(big + n, " mx", 3);
	big[n] = '\0';
	rec = parse(big);
	cr_assert_not_null(rec, "%s", err);
	cr_expect_eq(rec->nterms, (n - 6) / 3);
	spf_record_free(rec);
	memcpy(big + n, " mx", 4);
	memcpy(big + n + 3, " mx", 4);
	refused(big);
}
