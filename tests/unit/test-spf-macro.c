/*
 * test-spf-macro.c — modules/spf macro expansion (RFC 7208 section 7):
 * the examples of section 7.4, every letter, transformers, delimiters,
 * %% %_ %-, URL escaping, the exp-only letters, %{p}'s "unknown", the
 * section 4.8 length rule for names and the bound on text.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include "spf-engine.h"

static struct spf_ip ip4, ip6;
static struct spf_macro_ctx mc;
static char out[SPF_EXPAND_MAX];

static void
setup(void)
{
	cr_assert_eq(spf_ip_parse("192.0.2.3", &ip4), 0);
	cr_assert_eq(spf_ip_parse("2001:db8::cb01", &ip6), 0);
	memset(&mc, 0, sizeof(mc));
	mc.sender = "strong-bad@email.example.com";
	mc.local = "strong-bad";
	mc.sender_domain = "email.example.com";
	mc.domain = "email.example.com";
	mc.ip = &ip4;
	mc.helo = "mx.example.org";
	mc.receiver = "mx.example.net";
	mc.now = 1700000000;
}

static const char *
expand(const char *s, bool exp)
{
	int n = spf_macro_expand(s, &mc, exp, !exp, out);

	cr_assert_geq(n, 0, "refused: %s", s);
	cr_assert_eq((size_t)n, strlen(out));
	return out;
}

#define EX(macro, want) \
	cr_expect_str_eq(expand(macro, false), want, "%s", macro)

TestSuite(spf_macro, .init = setup);

/* RFC 7208 section 7.4. */
Test(spf_macro, rfc7208_examples)
{
	EX("%{s}", "strong-bad@email.example.com");
	EX("%{o}", "email.example.com");
	EX("%{d}", "email.example.com");
	EX("%{d4}", "email.example.com");
	EX("%{d3}", "email.example.com");
	EX("%{d2}", "example.com");
	EX("%{d1}", "com");
	EX("%{dr}", "com.example.email");
	EX("%{d2r}", "example.email");
	EX("%{l}", "strong-bad");
	EX("%{l-}", "strong.bad");
	EX("%{lr}", "strong-bad");
	EX("%{lr-}", "bad.strong");
	EX("%{l1r-}", "strong");
	EX("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com");
	EX("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com");
	EX("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	EX("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
	    "3.2.0.192.in-addr.strong.lp._spf.example.com");
	EX("%{d2}.trusted-domains.example.net",
	    "example.com.trusted-domains.example.net");
	mc.ip = &ip6;
	EX("%{ir}.%{v}._spf.%{d2}", "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
	    ".0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

Test(spf_macro, letters_and_escapes)
{
	EX("%{h}", "mx.example.org");
	EX("%{i}", "192.0.2.3");
	EX("%{v}", "in-addr");
	EX("%{p}", "unknown");
	mc.ptr = "mail.example.com";
	EX("%{p}", "mail.example.com");
	EX("%{p2}", "example.com");
	EX("a%%b%_c%-d.example", "a%b c%20d.example");
	EX("%{l+}", "strong-bad");
	EX("%{l=-}", "strong.bad");
	EX("%{o.-}", "email.example.com");
	EX("%{l1-}.x", "bad.x");
	EX("%{d99}", "email.example.com");
	EX("%{D}", "email.example.com");
	mc.sender = "a b/c@x.example";
	EX("%{S}", "a%20b%2Fc%40x.example");
	EX("%{s}", "a b/c@x.example");
}

Test(spf_macro, explanation_only_letters)
{
	char tmp[64];

	cr_expect_str_eq(expand("%{c} %{r} %{t}", true),
	    "192.0.2.3 mx.example.net 1700000000");
	mc.ip = &ip6;
	cr_expect_str_eq(expand("%{c} is queried as %{ir}", true),
	    "2001:db8::cb01 is queried as 1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0"
	    ".0.0.0.0.0.0.0.8.b.d.0.1.0.0.2");
	cr_expect_eq(spf_macro_expand("%{c}", &mc, false, true, out), -1);
	cr_expect_eq(spf_macro_expand("%{r}.x", &mc, false, true, out), -1);
	cr_expect_eq(spf_macro_expand("%{t}.x", &mc, false, true, out), -1);
	cr_expect_eq(spf_macro_expand("a b", &mc, false, true, out), -1);
	mc.receiver = NULL;
	snprintf(tmp, sizeof(tmp), "%s", expand("%{r}", true));
	cr_expect_str_eq(tmp, "unknown");
}

Test(spf_macro, syntax)
{
	cr_expect(spf_macro_string_valid("%{d}.x", 6, false));
	cr_expect(spf_macro_string_valid("%{ir-.+,/_=}", 12, false));
	cr_expect_not(spf_macro_string_valid("%{d0}", 5, false));
	cr_expect_not(spf_macro_string_valid("%{q}", 4, false));
	cr_expect_not(spf_macro_string_valid("%{d", 3, false));
	cr_expect_not(spf_macro_string_valid("%{d!}", 5, false));
	cr_expect_not(spf_macro_string_valid("%x", 2, false));
	cr_expect_not(spf_macro_string_valid("%", 1, false));
	cr_expect_not(spf_macro_string_valid("a\x7f", 2, true));
	cr_expect(spf_macro_string_valid("a b %{c}", 8, true));
	cr_expect(spf_macro_uses_p("x.%{p}.y"));
	cr_expect(spf_macro_uses_p("%{P2}"));
	cr_expect_not(spf_macro_uses_p("%%{p}"));
	cr_expect_not(spf_macro_uses_p("%{d}"));
}

/* Section 4.8: names over 253 octets lose left-hand labels. */
Test(spf_macro, domain_length_rule)
{
	char local[70], spec[64];
	int n;

	memset(local, 'a', 60);
	local[60] = '\0';
	mc.local = local;
	snprintf(spec, sizeof(spec), "%%{l}.%%{l}.%%{l}.%%{l}.%%{l}.tail.x");
	n = spf_macro_expand(spec, &mc, false, true, out);
	cr_assert_gt(n, 0);
	cr_expect_leq(n, 253);
	cr_expect_eq(n, 4 * 61 + 6);	/* one 60-octet label dropped */
	cr_expect_eq(strncmp(out, local, 60), 0);
	cr_expect_str_eq(out + n - 7, ".tail.x");
	cr_expect(spf_domain_valid(out));
}

Test(spf_macro, text_is_bounded)
{
	char spec[2048];
	size_t i;
	int n;

	for (i = 0; i + 5 < sizeof(spec); i += 4)
		memcpy(spec + i, "%{S}", 4);
	spec[i] = '\0';
	mc.sender = "a b@c";
	n = spf_macro_expand(spec, &mc, true, false, out);
	cr_expect_eq(n, SPF_EXPAND_MAX - 1);
	cr_expect_eq(strlen(out), (size_t)n);
}

Test(spf_macro, addresses)
{
	struct spf_ip ip;
	char buf[100];

	cr_assert_eq(spf_ip_parse("::ffff:192.0.2.9", &ip), 0);
	cr_expect_eq(ip.family, AF_INET);
	cr_expect_eq(ip.b[3], 9);
	cr_expect_eq(spf_ip_parse("192.0.2", &ip), -1);
	cr_expect_eq(spf_ip_parse("unix", &ip), -1);
	spf_ip_arpa(&ip4, buf, sizeof(buf));
	cr_expect_str_eq(buf, "3.2.0.192.in-addr.arpa");
	spf_ip_arpa(&ip6, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	cr_expect(spf_domain_valid("a.b"));
	cr_expect(spf_domain_valid("a.b."));
	cr_expect_not(spf_domain_valid("ab"));
	cr_expect_not(spf_domain_valid("a..b"));
	cr_expect_not(spf_domain_valid(""));
}
