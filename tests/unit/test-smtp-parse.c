/*
 * test-smtp-parse.c — modules/smtp command lines (verbs, arguments, line
 * limits, NUL and bare CR/LF), RFC 5321 paths (quoted local parts, address
 * literals, source routes, null path, postmaster, length limits), IDNA
 * through libidn2, the SMTPUTF8 rules, xtext and XCLIENT.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "smtp-parse.h"

#define S(s)	(s), sizeof(s) - 1

static struct smtp_cmd cmd;
static struct smtp_error err;
static struct smtp_path path;

static int
cmd_parse(const char *line, bool lmtp)
{
	return smtp_cmd_parse(line, strlen(line), 0, SMTP_EXT_SIZE, lmtp,
	    &cmd, &err);
}

static bool
args_are(const char *want)
{
	return cmd.args_len == strlen(want) &&
	    memcmp(cmd.args, want, cmd.args_len) == 0;
}

static int
rcpt_path(const char *s, bool utf8_ok, bool utf8_ext)
{
	size_t used;
	int rc;

	rc = smtp_path_parse(s, strlen(s), SMTP_PATH_RECIPIENT, utf8_ok,
	    utf8_ext, &path, &used, &err);
	if (rc == 0)
		cr_assert_eq(used, strlen(s), "used %zu of %s", used, s);
	return rc;
}

static int
mail_path(const char *s)
{
	size_t used;

	return smtp_path_parse(s, strlen(s), SMTP_PATH_SENDER, false, false,
	    &path, &used, &err);
}

static void
assert_err(unsigned code, const char *enhanced)
{
	cr_assert_eq(err.code, code, "code %u (%s)", err.code, err.text);
	cr_assert_str_eq(err.enhanced, enhanced, "%s", err.text);
	cr_assert(smtp_enhanced_valid(err.enhanced, err.code));
}

/* ---- command lines ---- */

Test(cmd, every_verb_case_insensitive)
{
	static const char *const lines[] = { "HELO a.example",
	    "ehlo a.example", "MAIL FROM:<>", "rCpT TO:<a@b.example>", "DATA",
	    "BDAT 10 LAST", "RSET", "NOOP", "QUIT", "HELP", "VRFY x",
	    "EXPN x", "STARTTLS", "AUTH PLAIN", "XCLIENT NAME=x" };
	static const enum smtp_verb verbs[] = { SMTP_VERB_HELO,
	    SMTP_VERB_EHLO, SMTP_VERB_MAIL, SMTP_VERB_RCPT, SMTP_VERB_DATA,
	    SMTP_VERB_BDAT, SMTP_VERB_RSET, SMTP_VERB_NOOP, SMTP_VERB_QUIT,
	    SMTP_VERB_HELP, SMTP_VERB_VRFY, SMTP_VERB_EXPN,
	    SMTP_VERB_STARTTLS, SMTP_VERB_AUTH, SMTP_VERB_XCLIENT };
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		cr_assert_eq(cmd_parse(lines[i], false), 0, "%s: %s",
		    lines[i], err.text);
		cr_assert_eq(cmd.verb, verbs[i], "%s", lines[i]);
	}
	cr_assert_str_eq(smtp_verb_name(SMTP_VERB_STARTTLS), "STARTTLS");
	cr_assert_str_eq(smtp_verb_name(SMTP_VERB_UNKNOWN), "");
}

Test(cmd, arguments_trimmed)
{
	cr_assert_eq(cmd_parse("MAIL FROM:<a@b.example> SIZE=10  \t", false),
	    0);
	cr_assert(args_are("FROM:<a@b.example> SIZE=10"));
	cr_assert_eq(cmd_parse("NOOP", false), 0);
	cr_assert_eq(cmd.args_len, 0);
	cr_assert_eq(cmd_parse("NOOP   hello there ", false), 0);
	cr_assert(args_are("hello there"));
	cr_assert_eq(cmd_parse("DATA  ", false), 0, "%s", err.text);
}

Test(cmd, unknown_and_empty)
{
	cr_assert_eq(cmd_parse("FROB x", false), -1);
	assert_err(500, "5.5.2");
	cr_assert_eq(cmd.verb, SMTP_VERB_UNKNOWN);
	cr_assert_eq(cmd_parse("", false), -1);
	assert_err(500, "5.5.2");
	cr_assert_eq(cmd_parse("MAILFROM:<>", false), -1);
	assert_err(500, "5.5.2");
	cr_assert_eq(cmd_parse(" MAIL FROM:<>", false), -1);
	assert_err(500, "5.5.2");
}

Test(cmd, arguments_required_or_forbidden)
{
	static const char *const bad[] = { "DATA x", "RSET now", "QUIT bye",
	    "STARTTLS x", "HELO", "EHLO", "MAIL", "RCPT", "BDAT", "VRFY",
	    "EXPN", "AUTH", "XCLIENT" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(cmd_parse(bad[i], false), -1, "%s", bad[i]);
		assert_err(501, "5.5.4");
		cr_assert_neq(cmd.verb, SMTP_VERB_UNKNOWN, "%s", bad[i]);
	}
}

Test(cmd, nul_and_bare_cr_lf)
{
	cr_assert_eq(smtp_cmd_parse(S("NOOP\0x"), 0, 0, false, &cmd, &err),
	    -1);
	assert_err(500, "5.5.2");
	cr_assert_eq(cmd_parse("NOOP a\rb", false), -1);
	assert_err(500, "5.5.2");
	cr_assert_eq(cmd_parse("NOOP a\nRSET", false), -1);
	assert_err(500, "5.5.2");
	cr_assert_eq(cmd_parse("RSET\r", false), -1);
}

Test(cmd, lmtp_verbs)
{
	cr_assert_eq(cmd_parse("LHLO client.example", true), 0);
	cr_assert_eq(cmd.verb, SMTP_VERB_LHLO);
	cr_assert_eq(cmd_parse("LHLO client.example", false), -1);
	assert_err(500, "5.5.2");
	cr_assert_eq(cmd_parse("EHLO client.example", true), -1);
	cr_assert_eq(cmd_parse("HELO client.example", true), -1);
	cr_assert_eq(cmd.verb, SMTP_VERB_UNKNOWN);
}

Test(cmd, line_length_default_512_with_crlf)
{
	char line[2048];

	memset(line, 'x', sizeof(line));
	memcpy(line, "NOOP ", 5);
	cr_assert_eq(smtp_cmd_parse(line, 510, 0, 0, false, &cmd, &err), 0);
	cr_assert_eq(smtp_cmd_parse(line, 511, 0, 0, false, &cmd, &err), -1);
	assert_err(500, "5.5.2");
	cr_assert_str_eq(err.text, "Line too long");
	/* A configured base. */
	cr_assert_eq(smtp_cmd_parse(line, 998, 1000, 0, false, &cmd, &err),
	    0);
	cr_assert_eq(smtp_cmd_parse(line, 999, 1000, 0, false, &cmd, &err),
	    -1);
	/* An unknown verb too long is "too long". */
	cr_assert_eq(smtp_cmd_parse(line + 5, 600, 0, 0, false, &cmd, &err),
	    -1);
	cr_assert_str_eq(err.text, "Line too long");
}

Test(cmd, line_length_grows_with_parameters)
{
	char line[16384];

	memset(line, 'x', sizeof(line));
	memcpy(line, "MAIL FROM:<", 11);
	/* RFC 1870: SIZE adds 26; RFC 3461 DSN adds 100 to MAIL. */
	cr_assert_eq(smtp_cmd_parse(line, 536, 0, SMTP_EXT_SIZE, false, &cmd,
	    &err), 0);
	cr_assert_eq(smtp_cmd_parse(line, 537, 0, SMTP_EXT_SIZE, false, &cmd,
	    &err), -1);
	cr_assert_eq(smtp_cmd_parse(line, 636, 0, SMTP_EXT_SIZE |
	    SMTP_EXT_DSN, false, &cmd, &err), 0);
	memcpy(line, "RCPT TO:<", 9);
	cr_assert_eq(smtp_cmd_parse(line, 1010, 0, SMTP_EXT_DSN, false, &cmd,
	    &err), 0);
	cr_assert_eq(smtp_cmd_parse(line, 1011, 0, SMTP_EXT_DSN, false, &cmd,
	    &err), -1);
	/* RFC 4954 4: AUTH lines up to 12288 octets. */
	memcpy(line, "AUTH PLAIN ", 11);
	cr_assert_eq(smtp_cmd_parse(line, 12286, 0, SMTP_EXT_AUTH, false,
	    &cmd, &err), 0);
	cr_assert_eq(smtp_cmd_parse(line, 12287, 0, SMTP_EXT_AUTH, false,
	    &cmd, &err), -1);
	cr_assert_eq(smtp_cmd_parse(line, 600, 0, 0, false, &cmd, &err), -1);
	/* The reader's limit covers every verb. */
	cr_assert_eq(smtp_cmd_line_max(0, 0), 512);
	cr_assert_eq(smtp_cmd_line_max(0, SMTP_EXT_AUTH), 12288);
	cr_assert_eq(smtp_cmd_line_max(0, SMTP_EXT_DSN), 1012);
	cr_assert_eq(smtp_cmd_line_max(2048, SMTP_EXT_SIZE), 2048 + 26);
}

Test(cmd, helo_argument)
{
	char name[256];

	cr_assert_eq(smtp_helo_parse(S("mx.example.org"), true, name,
	    sizeof(name), &err), 0);
	cr_assert_str_eq(name, "mx.example.org");
	cr_assert_eq(smtp_helo_parse(S("[192.0.2.1]"), true, name,
	    sizeof(name), &err), 0);
	cr_assert_eq(smtp_helo_parse(S("[IPv6:2001:db8::1]"), true, name,
	    sizeof(name), &err), 0);
	cr_assert_eq(smtp_helo_parse(S("bad_name!"), true, name,
	    sizeof(name), &err), -1);
	assert_err(501, "5.5.4");
	cr_assert_eq(smtp_helo_parse(S("a.example junk"), true, name,
	    sizeof(name), &err), -1);
	cr_assert_eq(smtp_helo_parse(S("[300.1.1.1]"), true, name,
	    sizeof(name), &err), -1);
	/* Lenient: the first printable token. */
	cr_assert_eq(smtp_helo_parse(S("bad_name! junk"), false, name,
	    sizeof(name), &err), 0);
	cr_assert_str_eq(name, "bad_name!");
	cr_assert_eq(smtp_helo_parse(S("caf\xc3\xa9"), false, name,
	    sizeof(name), &err), -1);
}

/* ---- paths ---- */

Test(path, simple_mailbox)
{
	cr_assert_eq(rcpt_path("<Smith@Bar.COM>", false, false), 0);
	cr_assert_str_eq(path.local, "Smith");
	cr_assert_str_eq(path.domain, "bar.com");
	cr_assert_str_eq(path.addr, "Smith@bar.com");
	cr_assert_eq(path.kind, SMTP_DOMAIN_DNS);
	cr_assert(!path.null && !path.postmaster && !path.utf8);
}

Test(path, null_path_mail_only)
{
	cr_assert_eq(mail_path("<>"), 0);
	cr_assert(path.null);
	cr_assert_str_eq(path.addr, "");
	cr_assert_eq(rcpt_path("<>", false, false), -1);
	assert_err(501, "5.1.3");
}

Test(path, postmaster_rcpt_only)
{
	cr_assert_eq(rcpt_path("<Postmaster>", false, false), 0);
	cr_assert(path.postmaster);
	cr_assert_str_eq(path.addr, "Postmaster");
	cr_assert_eq(mail_path("<postmaster>"), -1);
	assert_err(501, "5.1.7");
	cr_assert_eq(rcpt_path("<root>", false, false), -1);
	assert_err(501, "5.1.3");
}

Test(path, quoted_local_part_canonical)
{
	/* Quotes that are not needed go. */
	cr_assert_eq(rcpt_path("<\"joe\"@example.com>", false, false), 0);
	cr_assert_str_eq(path.local, "joe");
	cr_assert_str_eq(path.local_wire, "joe");
	cr_assert_str_eq(path.addr, "joe@example.com");
	/* Needed quotes stay; only '"' and '\' are escaped. */
	cr_assert_eq(rcpt_path("<\"john \\d\\\"oe\"@example.com>", false,
	    false), 0);
	cr_assert_str_eq(path.local, "john d\"oe");
	cr_assert_str_eq(path.local_wire, "\"john d\\\"oe\"");
	cr_assert_eq(rcpt_path("<\"a..b\"@example.com>", false, false), 0);
	cr_assert_str_eq(path.local_wire, "\"a..b\"");
	cr_assert_eq(rcpt_path("<\"\"@example.com>", false, false), 0);
	cr_assert_str_eq(path.local_wire, "\"\"");
	/* A '>' or '@' inside quotes does not end anything. */
	cr_assert_eq(rcpt_path("<\"a>b@c\"@example.com>", false, false), 0);
	cr_assert_str_eq(path.local, "a>b@c");
}

Test(path, bad_local_parts)
{
	static const char *const bad[] = { "<a..b@example.com>",
	    "<.a@example.com>", "<a.@example.com>", "<a b@example.com>",
	    "<\"a@example.com>", "<a\"b@example.com>", "<@example.com>",
	    "<\"a\rb\"@example.com>", "<a(b)@example.com>",
	    "<\"a\\\x01\"@example.com>" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(rcpt_path(bad[i], false, false), -1, "%s",
		    bad[i]);
		assert_err(501, "5.1.3");
	}
}

Test(path, brackets_required)
{
	cr_assert_eq(rcpt_path("a@example.com", false, false), -1);
	cr_assert_eq(rcpt_path("<a@example.com", false, false), -1);
	cr_assert_eq(rcpt_path("", false, false), -1);
}

Test(path, address_literals)
{
	cr_assert_eq(rcpt_path("<a@[192.0.2.1]>", false, false), 0);
	cr_assert_eq(path.kind, SMTP_DOMAIN_IPV4);
	cr_assert_str_eq(path.domain, "[192.0.2.1]");
	cr_assert_str_eq(path.domain_utf8, "[192.0.2.1]");
	cr_assert_str_eq(path.addr_utf8, "a@[192.0.2.1]");
	cr_assert_eq(rcpt_path("<a@[IPv6:2001:db8::1]>", false, false), 0);
	cr_assert_eq(path.kind, SMTP_DOMAIN_IPV6);
	cr_assert_eq(rcpt_path("<a@[ipv6:::ffff:192.0.2.1]>", false, false),
	    0);
	cr_assert_eq(path.kind, SMTP_DOMAIN_IPV6);
	cr_assert_eq(rcpt_path("<a@[x-tag:some-thing]>", false, false), 0);
	cr_assert_eq(path.kind, SMTP_DOMAIN_GENERAL);
	cr_assert_eq(rcpt_path("<a@[192.0.2.256]>", false, false), -1);
	cr_assert_eq(rcpt_path("<a@[1.2.3]>", false, false), -1);
	cr_assert_eq(rcpt_path("<a@[IPv6:2001:db8::g]>", false, false), -1);
	cr_assert_eq(rcpt_path("<a@[2001:db8::1]>", false, false), -1);
	cr_assert_eq(rcpt_path("<a@[]>", false, false), -1);
	cr_assert_eq(rcpt_path("<a@[tag:a[b]>", false, false), -1);
}

Test(path, source_route_ignored)
{
	/* RFC 5321 4.1.2 and appendix C. */
	cr_assert_eq(rcpt_path("<@hosta.int,@jkl.org:userc@d.bar.org>", false,
	    false), 0);
	cr_assert_str_eq(path.addr, "userc@d.bar.org");
	cr_assert_eq(rcpt_path("<@[192.0.2.1]:u@d.example>", false, false),
	    0);
	cr_assert_str_eq(path.addr, "u@d.example");
	cr_assert_eq(rcpt_path("<@bad_host:u@d.example>", false, false), -1);
	cr_assert_eq(rcpt_path("<@a.example>", false, false), -1);
	cr_assert_eq(rcpt_path("<@a.example:>", false, false), -1);
	cr_assert_eq(rcpt_path("<@a.example,b.example:u@d.example>", false,
	    false), -1);
}

Test(path, domain_syntax)
{
	static const char *const bad[] = { "<a@>", "<a@-x.example>",
	    "<a@x-.example>", "<a@x..example>", "<a@x.example.>",
	    "<a@x_y.example>", "<a@.example>", "<a@b@c.example>" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(rcpt_path(bad[i], false, false), -1, "%s",
		    bad[i]);
	cr_assert_eq(rcpt_path("<a@localhost>", false, false), 0);
	cr_assert_eq(rcpt_path("<a@3com.example>", false, false), 0);
}

Test(path, length_limits)
{
	char buf[600], local[70], label[70];

	/* Local part: 64 octets yes, 65 no. */
	memset(local, 'l', 64);
	local[64] = '\0';
	snprintf(buf, sizeof(buf), "<%s@example.com>", local);
	cr_assert_eq(rcpt_path(buf, false, false), 0);
	snprintf(buf, sizeof(buf), "<%sl@example.com>", local);
	cr_assert_eq(rcpt_path(buf, false, false), -1);
	assert_err(501, "5.1.3");
	cr_assert(strstr(err.text, "too long") != NULL, "%s", err.text);
	/* A quoted 64 (with the quotes) is fine, 65 not. */
	memset(local, 'q', 62);
	local[62] = '\0';
	snprintf(buf, sizeof(buf), "<\"%s\"@example.com>", local);
	cr_assert_eq(rcpt_path(buf, false, false), 0);
	snprintf(buf, sizeof(buf), "<\"%sq\"@example.com>", local);
	cr_assert_eq(rcpt_path(buf, false, false), -1);
	/* Labels of 63; the path over 256. */
	memset(label, 'd', 63);
	label[63] = '\0';
	snprintf(buf, sizeof(buf), "<a@%s.example>", label);
	cr_assert_eq(rcpt_path(buf, false, false), 0);
	snprintf(buf, sizeof(buf), "<a@%sd.example>", label);
	cr_assert_eq(rcpt_path(buf, false, false), -1);
	snprintf(buf, sizeof(buf), "<a@%s.%s.%s.%s>", label, label, label,
	    label);
	cr_assert_eq(rcpt_path(buf, false, false), -1);
	snprintf(buf, sizeof(buf), "<%s@%s.%s.%s.com>", "aaaa", label, label,
	    label);
	cr_assert_eq(strlen(buf), 2 + 4 + 1 + 3 * 64 + 3);
	cr_assert_eq(rcpt_path(buf, false, false), 0, "%s", err.text);
	snprintf(buf, sizeof(buf), "<%s@%s.%s.%s.%.57s>", local, label,
	    label, label, label);
	cr_assert_gt(strlen(buf), 256);
	cr_assert_eq(rcpt_path(buf, false, false), -1);
	cr_assert(strstr(err.text, "too long") != NULL, "%s", err.text);
}

/* ---- IDNA and SMTPUTF8 ---- */

Test(idna, ulabel_to_alabel_and_back)
{
	char a[SMTP_DOMAIN_MAX + 1], u[SMTP_DOMAIN_UTF8_MAX + 1];
	const char *why;

	cr_assert_eq(smtp_domain_convert(S("b\xc3\xbc" "cher.example"), a, u,
	    &why), 0);
	cr_assert_str_eq(a, "xn--bcher-kva.example");
	cr_assert_str_eq(u, "b\xc3\xbc" "cher.example");
	cr_assert_eq(smtp_domain_convert(S("XN--BCHER-KVA.Example"), a, u,
	    &why), 0);
	cr_assert_str_eq(a, "xn--bcher-kva.example");
	cr_assert_str_eq(u, "b\xc3\xbc" "cher.example");
	/* Upper case U-label is mapped (UTS #46, non-transitional). */
	cr_assert_eq(smtp_domain_convert(S("B\xc3\x9c" "CHER.example"), a, u,
	    &why), 0);
	cr_assert_str_eq(a, "xn--bcher-kva.example");
	/* Bogus A-labels and invalid UTF-8 are refused. */
	cr_assert_eq(smtp_domain_convert(S("xn--zz-.example"), a, u, &why),
	    -1);
	cr_assert_eq(smtp_domain_convert(S("xn--a.example"), a, u, &why), -1);
	cr_assert_eq(smtp_domain_convert(S("b\xfc" "cher.example"), a, u,
	    &why), -1);
	cr_assert_eq(smtp_domain_convert(S("plain.example"), a, u, &why), 0);
	cr_assert_str_eq(u, "plain.example");
}

Test(idna, path_with_utf8_domain)
{
	cr_assert_eq(rcpt_path("<info@b\xc3\xbc" "cher.example>", true, true),
	    0);
	cr_assert(path.utf8);
	cr_assert_str_eq(path.domain, "xn--bcher-kva.example");
	cr_assert_str_eq(path.addr, "info@xn--bcher-kva.example");
	cr_assert_str_eq(path.addr_utf8, "info@b\xc3\xbc" "cher.example");
	/* An A-label path is ASCII: allowed without SMTPUTF8. */
	cr_assert_eq(rcpt_path("<info@xn--bcher-kva.example>", false, false),
	    0);
	cr_assert(!path.utf8);
	cr_assert_str_eq(path.addr_utf8, "info@b\xc3\xbc" "cher.example");
}

Test(idna, utf8_local_part_rules)
{
	/* RFC 6531: with SMTPUTF8 in the transaction. */
	cr_assert_eq(rcpt_path("<j\xc3\xb6rg@example.com>", true, true), 0);
	cr_assert_str_eq(path.local, "j\xc3\xb6rg");
	cr_assert_str_eq(path.local_wire, "j\xc3\xb6rg");
	/* Extension on, transaction without SMTPUTF8: 553 5.6.7. */
	cr_assert_eq(rcpt_path("<j\xc3\xb6rg@example.com>", false, true), -1);
	assert_err(553, "5.6.7");
	/* Extension off: just bad syntax. */
	cr_assert_eq(rcpt_path("<j\xc3\xb6rg@example.com>", false, false), -1);
	assert_err(501, "5.1.3");
	cr_assert_eq(smtp_path_parse(S("<j\xc3\xb6rg@example.com>"),
	    SMTP_PATH_SENDER, false, false, &path, &(size_t){ 0 }, &err), -1);
	assert_err(501, "5.1.7");
	/* Invalid UTF-8 never passes. */
	cr_assert_eq(rcpt_path("<j\xf6rg@example.com>", true, true), -1);
	assert_err(501, "5.1.3");
	cr_assert_eq(rcpt_path("<\"j\xc3\xb6 rg\"@example.com>", true, true),
	    0);
	cr_assert_str_eq(path.local_wire, "\"j\xc3\xb6 rg\"");
}

Test(idna, utf8_validator)
{
	cr_assert(smtp_utf8_valid(S("abc \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
	cr_assert(!smtp_utf8_valid(S("\xc0\x80")));		/* overlong */
	cr_assert(!smtp_utf8_valid(S("\xe0\x80\x80")));		/* overlong */
	cr_assert(!smtp_utf8_valid(S("\xed\xa0\x80")));		/* surrogate */
	cr_assert(!smtp_utf8_valid(S("\xf4\x90\x80\x80")));	/* > 10FFFF */
	cr_assert(!smtp_utf8_valid(S("\xc3")));
	cr_assert(!smtp_utf8_valid(S("\x80")));
}

/* ---- xtext ---- */

Test(xtext, decode_strict)
{
	char out[64];
	size_t n;

	cr_assert_eq(smtp_xtext_decode(S("abc+2Bdef+3D"), out, 63, &n), 0);
	cr_assert_str_eq(out, "abc+def=");
	cr_assert_eq(n, 8);
	cr_assert_eq(smtp_xtext_decode(S("a+2b"), out, 63, &n), -1);
	cr_assert_eq(smtp_xtext_decode(S("a+2"), out, 63, &n), -1);
	cr_assert_eq(smtp_xtext_decode(S("a+"), out, 63, &n), -1);
	cr_assert_eq(smtp_xtext_decode(S("a=b"), out, 63, &n), -1);
	cr_assert_eq(smtp_xtext_decode(S("a b"), out, 63, &n), -1);
	cr_assert_eq(smtp_xtext_decode(S("a+00"), out, 63, &n), -1);
	cr_assert_eq(smtp_xtext_decode(S("a\x80"), out, 63, &n), -1);
	cr_assert_eq(smtp_xtext_decode(S("abcd"), out, 3, &n), -1);
	cr_assert_eq(smtp_xtext_decode(S("abc"), out, 3, &n), 0);
	cr_assert_eq(smtp_xtext_decode(S(""), out, 3, &n), 0);
	cr_assert_eq(n, 0);
}

Test(xtext, encode_and_round_trip)
{
	char enc[800], dec[256], all[255];
	size_t n, i;
	long len;

	cr_assert_eq(smtp_xtext_encode(S("a+b=c d\xc3\xa9"), enc,
	    sizeof(enc)), 19);
	cr_assert_str_eq(enc, "a+2Bb+3Dc+20d+C3+A9");
	for (i = 0; i < sizeof(all); i++)
		all[i] = (char)(i + 1);
	len = smtp_xtext_encode(all, sizeof(all), enc, sizeof(enc));
	cr_assert_gt(len, 0);
	cr_assert_eq(smtp_xtext_decode(enc, (size_t)len, dec, sizeof(dec) - 1,
	    &n), 0);
	cr_assert_eq(n, sizeof(all));
	cr_assert_eq(memcmp(dec, all, n), 0);
	cr_assert_eq(smtp_xtext_encode(S("abc"), enc, 3), -1);
	cr_assert_eq(smtp_xtext_encode(S("abc"), enc, 4), 3);
	cr_assert_eq(smtp_xtext_encode(S("+"), enc, 3), -1);
}

/* ---- XCLIENT ---- */

Test(xclient, attributes)
{
	struct smtp_xclient x;

	cr_assert_eq(smtp_xclient_parse(S("NAME=mail.example ADDR=192.0.2.7 "
	    "PORT=4711 PROTO=esmtp HELO=client+20x LOGIN=[UNAVAILABLE]"),
	    &x, &err), -1);
	assert_err(501, "5.5.4");
	cr_assert(strstr(err.text, "HELO") != NULL, "%s", err.text);
	cr_assert_eq(smtp_xclient_parse(S("NAME=mail.example ADDR=192.0.2.7 "
	    "PORT=4711 proto=esmtp HELO=client.example LOGIN=[UNAVAILABLE] "
	    "DESTADDR=IPV6:2001:db8::25 DESTPORT=25"), &x, &err), 0,
	    "%s", err.text);
	cr_assert_str_eq(x.name, "mail.example");
	cr_assert_str_eq(x.addr, "192.0.2.7");
	cr_assert_eq(x.port, 4711);
	cr_assert_str_eq(x.proto, "ESMTP");
	cr_assert_str_eq(x.helo, "client.example");
	cr_assert(x.unavailable & SMTP_XCLIENT_LOGIN);
	cr_assert_str_eq(x.destaddr, "2001:db8::25");
	cr_assert_eq(x.destport, 25);
	cr_assert_eq(x.given, 0xff);
	cr_assert_eq(smtp_xclient_parse(S("ADDR=999.1.1.1"), &x, &err), -1);
	cr_assert_eq(smtp_xclient_parse(S("PORT=65536"), &x, &err), -1);
	cr_assert_eq(smtp_xclient_parse(S("PROTO=LMTP"), &x, &err), -1);
	cr_assert_eq(smtp_xclient_parse(S("COLOR=red"), &x, &err), -1);
	cr_assert_eq(smtp_xclient_parse(S("NAME"), &x, &err), -1);
	cr_assert_eq(smtp_xclient_parse(S("HELO=a+0Ab"), &x, &err), -1);
	cr_assert_eq(smtp_xclient_parse(S("NAME=[TEMPUNAVAIL]"), &x, &err),
	    0);
	cr_assert_eq(x.unavailable, SMTP_XCLIENT_NAME);
}
