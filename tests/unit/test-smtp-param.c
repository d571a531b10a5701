/*
 * test-smtp-param.c — MAIL FROM and RCPT TO with their ESMTP parameters:
 * each parameter's syntax and range, duplicates, unknown parameters and
 * parameters of extensions that are off (555 5.5.4), malformed values
 * (501 5.5.4), SIZE over the limit (552 5.3.4), the SMTPUTF8 rule, the
 * DSN parameters with xtext, and the RFC examples.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "smtp-param.h"

#define S_(s)	(s), sizeof(s) - 1

#define ALL_EXT	(SMTP_EXT_SIZE | SMTP_EXT_8BITMIME | SMTP_EXT_BINARYMIME | \
	SMTP_EXT_CHUNKING | SMTP_EXT_SMTPUTF8 | SMTP_EXT_DSN | \
	SMTP_EXT_REQUIRETLS | SMTP_EXT_MTPRIORITY | SMTP_EXT_FUTURERELEASE | \
	SMTP_EXT_DELIVERBY | SMTP_EXT_AUTH)

static struct smtp_parse_cfg cfg = { ALL_EXT, 1000000, 86400, 1700000000,
    60 };
static struct smtp_mail mail;
static struct smtp_rcpt rcpt;
static struct smtp_error err;

static int
mail_parse(const char *args)
{
	return smtp_mail_parse(args, strlen(args), &cfg, &mail, &err);
}

static int
rcpt_parse(const char *args, bool smtputf8)
{
	return smtp_rcpt_parse(args, strlen(args), &cfg, smtputf8, &rcpt,
	    &err);
}

static void
assert_err(unsigned code, const char *enhanced, const char *in_text)
{
	cr_assert_eq(err.code, code, "code %u (%s)", err.code, err.text);
	cr_assert_str_eq(err.enhanced, enhanced, "%s", err.text);
	if (in_text != NULL)
		cr_assert(strstr(err.text, in_text) != NULL, "'%s' lacks '%s'",
		    err.text, in_text);
}

Test(mail, from_syntax_and_space_after_colon)
{
	cr_assert_eq(mail_parse("FROM:<a@b.example>"), 0, "%s", err.text);
	cr_assert_str_eq(mail.path.addr, "a@b.example");
	cr_assert_eq(mail.given, 0);
	cr_assert_eq(mail_parse("from: <a@b.example>"), 0, "%s", err.text);
	cr_assert_eq(mail_parse("FROM:  <>"), 0);
	cr_assert(mail.path.null);
	cr_assert_eq(mail_parse("FROM <a@b.example>"), -1);
	assert_err(501, "5.5.4", "MAIL FROM");
	cr_assert_eq(mail_parse("TO:<a@b.example>"), -1);
	assert_err(501, "5.5.4", NULL);
	cr_assert_eq(mail_parse("FROM:a@b.example"), -1);
	assert_err(501, "5.1.7", NULL);
	cr_assert_eq(mail_parse("FROM:<a@b.example>SIZE=1"), -1);
	assert_err(501, "5.5.4", NULL);
}

Test(mail, all_parameters)
{
	cr_assert_eq(mail_parse("FROM:<a@b.example> SIZE=12345 BODY=8BITMIME "
	    "RET=HDRS ENVID=QQ314159+2Bx REQUIRETLS MT-PRIORITY=-3 "
	    "HOLDFOR=600 BY=120;RT AUTH=e+3Dmc2@example.com"), 0, "%s",
	    err.text);
	cr_assert_eq(mail.size, 12345);
	cr_assert_eq(mail.body, SMTP_BODY_8BITMIME);
	cr_assert_eq(mail.ret, SMTP_RET_HDRS);
	cr_assert_str_eq(mail.envid, "QQ314159+x");
	cr_assert(mail.requiretls);
	cr_assert_eq(mail.mt_priority, -3);
	cr_assert_eq(mail.holdfor, 600);
	cr_assert_eq(mail.by_time, 120);
	cr_assert_eq(mail.by_mode, 'R');
	cr_assert(mail.by_trace);
	cr_assert_str_eq(mail.auth, "e=mc2@example.com");
	cr_assert_eq(mail.given, SMTP_MP_SIZE | SMTP_MP_BODY | SMTP_MP_RET |
	    SMTP_MP_ENVID | SMTP_MP_REQUIRETLS | SMTP_MP_MTPRIORITY |
	    SMTP_MP_HOLDFOR | SMTP_MP_BY | SMTP_MP_AUTH);
	cr_assert(!mail.smtputf8);
}

Test(mail, keywords_case_insensitive)
{
	cr_assert_eq(mail_parse("FROM:<> size=10 body=binarymime "
	    "smtputf8 ret=full"), 0, "%s", err.text);
	cr_assert_eq(mail.size, 10);
	cr_assert_eq(mail.body, SMTP_BODY_BINARYMIME);
	cr_assert(mail.smtputf8);
	cr_assert_eq(mail.ret, SMTP_RET_FULL);
}

Test(mail, unknown_parameter_555)
{
	cr_assert_eq(mail_parse("FROM:<> FROBNICATE=yes"), -1);
	assert_err(555, "5.5.4", "FROBNICATE");
	cr_assert_eq(mail_parse("FROM:<> X-FOO"), -1);
	assert_err(555, "5.5.4", "X-FOO");
	cr_assert_eq(mail_parse("FROM:<> =x"), -1);
	assert_err(555, "5.5.4", NULL);
	cr_assert_eq(mail_parse("FROM:<> -X=1"), -1);
	assert_err(555, "5.5.4", NULL);
}

Test(mail, extension_off_is_unknown)
{
	static const struct { unsigned ext; const char *args, *name; } t[] = {
		{ SMTP_EXT_SIZE, "FROM:<> SIZE=1", "SIZE" },
		{ SMTP_EXT_8BITMIME, "FROM:<> BODY=8BITMIME", "8BITMIME" },
		{ SMTP_EXT_BINARYMIME, "FROM:<> BODY=BINARYMIME",
		    "BINARYMIME" },
		{ SMTP_EXT_CHUNKING, "FROM:<> BODY=BINARYMIME",
		    "BINARYMIME" },
		{ SMTP_EXT_SMTPUTF8, "FROM:<> SMTPUTF8", "SMTPUTF8" },
		{ SMTP_EXT_DSN, "FROM:<> RET=FULL", "RET" },
		{ SMTP_EXT_DSN, "FROM:<> ENVID=x", "ENVID" },
		{ SMTP_EXT_REQUIRETLS, "FROM:<> REQUIRETLS", "REQUIRETLS" },
		{ SMTP_EXT_MTPRIORITY, "FROM:<> MT-PRIORITY=1",
		    "MT-PRIORITY" },
		{ SMTP_EXT_FUTURERELEASE, "FROM:<> HOLDFOR=1", "HOLDFOR" },
		{ SMTP_EXT_DELIVERBY, "FROM:<> BY=10;N", "BY" },
		{ SMTP_EXT_AUTH, "FROM:<> AUTH=<>", "AUTH" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cfg.ext = ALL_EXT;
		cr_assert_eq(mail_parse(t[i].args), 0, "%s: %s", t[i].args,
		    err.text);
		cfg.ext = ALL_EXT & ~t[i].ext;
		cr_assert_eq(mail_parse(t[i].args), -1, "%s", t[i].args);
		assert_err(555, "5.5.4", t[i].name);
	}
	/* BODY=7BIT needs only one of the body extensions. */
	cfg.ext = SMTP_EXT_8BITMIME;
	cr_assert_eq(mail_parse("FROM:<> BODY=7BIT"), 0);
	cfg.ext = 0;
	cr_assert_eq(mail_parse("FROM:<> BODY=7BIT"), -1);
	assert_err(555, "5.5.4", "BODY");
	cfg.ext = ALL_EXT;
}

Test(mail, malformed_values_501)
{
	static const char *const t[][2] = {
		{ "FROM:<> SIZE=", "SIZE" }, { "FROM:<> SIZE=-1", "SIZE" },
		{ "FROM:<> SIZE=1x", "SIZE" }, { "FROM:<> SIZE", "SIZE" },
		{ "FROM:<> SIZE=12345678901234567890", "SIZE" },
		{ "FROM:<> BODY=9BIT", "BODY" }, { "FROM:<> RET=ALL", "RET" },
		{ "FROM:<> ENVID=a+2b", "ENVID" },
		{ "FROM:<> ENVID=a+0Ab", "ENVID" },
		{ "FROM:<> SMTPUTF8=yes", "SMTPUTF8" },
		{ "FROM:<> REQUIRETLS=1", "REQUIRETLS" },
		{ "FROM:<> MT-PRIORITY=10", "MT-PRIORITY" },
		{ "FROM:<> MT-PRIORITY=+", "MT-PRIORITY" },
		{ "FROM:<> MT-PRIORITY=--1", "MT-PRIORITY" },
		{ "FROM:<> HOLDFOR=0", "HOLDFOR" },
		{ "FROM:<> HOLDFOR=1234567890", "HOLDFOR" },
		{ "FROM:<> HOLDUNTIL=tomorrow", "HOLDUNTIL" },
		{ "FROM:<> HOLDUNTIL=2023-02-30T10:00:00Z", "HOLDUNTIL" },
		{ "FROM:<> BY=10", "BY" }, { "FROM:<> BY=10;X", "BY" },
		{ "FROM:<> BY=10;RX", "BY" }, { "FROM:<> BY=;R", "BY" },
		{ "FROM:<> BY=0;R", "BY" }, { "FROM:<> BY=-5;R", "BY" },
		{ "FROM:<> BY=1234567890;N", "BY" },
		{ "FROM:<> AUTH=a+zz", "AUTH" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(mail_parse(t[i][0]), -1, "%s", t[i][0]);
		assert_err(501, "5.5.4", t[i][1]);
	}
}

Test(mail, duplicates_501)
{
	cr_assert_eq(mail_parse("FROM:<> SIZE=1 SIZE=2"), -1);
	assert_err(501, "5.5.4", "Duplicate SIZE");
	cr_assert_eq(mail_parse("FROM:<> SMTPUTF8 smtputf8"), -1);
	assert_err(501, "5.5.4", "Duplicate SMTPUTF8");
	cr_assert_eq(mail_parse("FROM:<> HOLDFOR=10 HOLDUNTIL="
	    "2023-11-15T00:00:00Z"), -1);
	assert_err(501, "5.5.4", "HOLDFOR");
}

Test(mail, size_limit_552)
{
	cr_assert_eq(mail_parse("FROM:<> SIZE=1000000"), 0);
	cr_assert_eq(mail_parse("FROM:<> SIZE=1000001"), -1);
	assert_err(552, "5.3.4", NULL);
	cfg.max_size = 0;
	cr_assert_eq(mail_parse("FROM:<> SIZE=9999999999999999999"), 0);
	cr_assert_eq(mail.size, 9999999999999999999ULL);
	cfg.max_size = 1000000;
}

Test(mail, mt_priority_range)
{
	int p;
	char buf[64];

	for (p = -9; p <= 9; p++) {
		snprintf(buf, sizeof(buf), "FROM:<> MT-PRIORITY=%+d", p);
		cr_assert_eq(mail_parse(buf), 0, "%s", buf);
		cr_assert_eq(mail.mt_priority, p);
	}
	cr_assert_eq(mail_parse("FROM:<> MT-PRIORITY=4"), 0);
	cr_assert_eq(mail.mt_priority, 4);
}

Test(mail, futurerelease)
{
	/* now = 1700000000 = 2023-11-14T22:13:20Z, max 86400. */
	cr_assert_eq(mail_parse("FROM:<> HOLDUNTIL=2023-11-15T10:00:00Z"), 0,
	    "%s", err.text);
	cr_assert_eq(mail.holduntil, 1700042400);
	cr_assert_eq(mail_parse("FROM:<> HOLDUNTIL=2023-11-15T12:00:00.25+02:00"),
	    0, "%s", err.text);
	cr_assert_eq(mail.holduntil, 1700042400);
	cr_assert_eq(mail_parse("FROM:<> HOLDUNTIL=2023-11-16T10:00:00Z"),
	    -1);
	assert_err(501, "5.5.4", "HOLDUNTIL");
	cr_assert_eq(mail_parse("FROM:<> HOLDFOR=86400"), 0);
	cr_assert_eq(mail_parse("FROM:<> HOLDFOR=86401"), -1);
	assert_err(501, "5.5.4", "HOLDFOR");
}

Test(mail, deliverby)
{
	/* RFC 2852 examples: BY=120;R, and notify mode may be <= 0. */
	cr_assert_eq(mail_parse("FROM:<> BY=120;R"), 0);
	cr_assert_eq(mail.by_mode, 'R');
	cr_assert(!mail.by_trace);
	cr_assert_eq(mail_parse("FROM:<> BY=-10;NT"), 0);
	cr_assert_eq(mail.by_time, -10);
	cr_assert_eq(mail.by_mode, 'N');
	cr_assert(mail.by_trace);
	cr_assert_eq(mail_parse("FROM:<> BY=+999999999;n"), 0);
	cr_assert_eq(mail.by_time, 999999999);
	/* Below the server's minimum in R mode. */
	cr_assert_eq(mail_parse("FROM:<> BY=59;R"), -1);
	assert_err(501, "5.5.4", "minimum");
}

Test(mail, auth_parameter)
{
	cr_assert_eq(mail_parse("FROM:<> AUTH=<>"), 0);
	cr_assert_str_eq(mail.auth, "<>");
	cr_assert_eq(mail_parse("FROM:<> AUTH="), -1);
	assert_err(501, "5.5.4", "AUTH");
}

Test(mail, smtputf8_rule)
{
	cr_assert_eq(mail_parse("FROM:<j\xc3\xb6rg@b\xc3\xbc" "cher.example> "
	    "SMTPUTF8"), 0, "%s", err.text);
	cr_assert(mail.path.utf8);
	cr_assert_str_eq(mail.path.domain, "xn--bcher-kva.example");
	cr_assert_eq(mail_parse("FROM:<j\xc3\xb6rg@example.com>"), -1);
	assert_err(553, "5.6.7", NULL);
	cfg.ext = ALL_EXT & ~SMTP_EXT_SMTPUTF8;
	cr_assert_eq(mail_parse("FROM:<j\xc3\xb6rg@example.com>"), -1);
	assert_err(501, "5.1.7", NULL);
	cfg.ext = ALL_EXT;
}

Test(rcpt, to_syntax)
{
	cr_assert_eq(rcpt_parse("TO:<a@b.example>", false), 0);
	cr_assert_str_eq(rcpt.path.addr, "a@b.example");
	cr_assert_eq(rcpt.notify, 0);
	cr_assert_str_eq(rcpt.orcpt_type, "");
	cr_assert_eq(rcpt_parse("to: <postmaster>", false), 0);
	cr_assert(rcpt.path.postmaster);
	cr_assert_eq(rcpt_parse("TO:<>", false), -1);
	assert_err(501, "5.1.3", NULL);
	cr_assert_eq(rcpt_parse("FROM:<a@b.example>", false), -1);
	assert_err(501, "5.5.4", "RCPT TO");
	cr_assert_eq(rcpt_parse("TO:<a@b.example> SIZE=1", false), -1);
	assert_err(555, "5.5.4", "SIZE");
}

Test(rcpt, dsn_rfc3461_example)
{
	/* RFC 3461 6.2's example. */
	cr_assert_eq(rcpt_parse("TO:<Bob@Big-Box.Example.COM> NOTIFY=FAILURE "
	    "ORCPT=rfc822;Bob@Big-Box.Example.COM", false), 0, "%s",
	    err.text);
	cr_assert_eq(rcpt.notify, SMTP_NOTIFY_FAILURE);
	cr_assert_str_eq(rcpt.orcpt_type, "rfc822");
	cr_assert_str_eq(rcpt.orcpt, "Bob@Big-Box.Example.COM");
	cr_assert_eq(rcpt_parse("TO:<a@b.example> NOTIFY=success,delay,"
	    "FAILURE ORCPT=rfc822;a+2Bb@b.example", false), 0);
	cr_assert_eq(rcpt.notify, SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_DELAY |
	    SMTP_NOTIFY_FAILURE);
	cr_assert_str_eq(rcpt.orcpt, "a+b@b.example");
	cr_assert_eq(rcpt_parse("TO:<a@b.example> NOTIFY=NEVER", false), 0);
	cr_assert_eq(rcpt.notify, SMTP_NOTIFY_NEVER);
}

Test(rcpt, dsn_errors)
{
	static const char *const bad[][2] = {
		{ "TO:<a@b.example> NOTIFY=NEVER,SUCCESS", "NOTIFY" },
		{ "TO:<a@b.example> NOTIFY=SUCCESS,SUCCESS", "NOTIFY" },
		{ "TO:<a@b.example> NOTIFY=", "NOTIFY" },
		{ "TO:<a@b.example> NOTIFY=SOMETIMES", "NOTIFY" },
		{ "TO:<a@b.example> NOTIFY=SUCCESS,", "NOTIFY" },
		{ "TO:<a@b.example> ORCPT=rfc822", "ORCPT" },
		{ "TO:<a@b.example> ORCPT=;a@b", "ORCPT" },
		{ "TO:<a@b.example> ORCPT=rfc822;", "ORCPT" },
		{ "TO:<a@b.example> ORCPT=rfc822;a+2x", "ORCPT" },
		{ "TO:<a@b.example> ORCPT=utf-8;\\x{D800}", "ORCPT" },
		{ "TO:<a@b.example> NOTIFY=DELAY NOTIFY=DELAY", "Duplicate" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(rcpt_parse(bad[i][0], false), -1, "%s",
		    bad[i][0]);
		assert_err(501, "5.5.4", bad[i][1]);
	}
	cfg.ext = ALL_EXT & ~SMTP_EXT_DSN;
	cr_assert_eq(rcpt_parse("TO:<a@b.example> NOTIFY=NEVER", false), -1);
	assert_err(555, "5.5.4", "NOTIFY");
	cr_assert_eq(rcpt_parse("TO:<a@b.example> ORCPT=rfc822;a@b", false),
	    -1);
	assert_err(555, "5.5.4", "ORCPT");
	cfg.ext = ALL_EXT;
}

Test(rcpt, orcpt_utf8_addr_type)
{
	/* RFC 6533 3: \x{HEX} escapes; raw UTF-8 only with SMTPUTF8. */
	cr_assert_eq(rcpt_parse("TO:<a@b.example> ORCPT=utf-8;j\\x{F6}rg@"
	    "example.com", false), 0, "%s", err.text);
	cr_assert_str_eq(rcpt.orcpt, "j\xc3\xb6rg@example.com");
	cr_assert_eq(rcpt_parse("TO:<a@b.example> ORCPT=utf-8;j\xc3\xb6rg@"
	    "example.com", false), -1);
	cr_assert_eq(rcpt_parse("TO:<a@b.example> ORCPT=UTF-8;j\xc3\xb6rg@"
	    "example.com", true), 0, "%s", err.text);
	cr_assert_str_eq(rcpt.orcpt, "j\xc3\xb6rg@example.com");
}

Test(rcpt, smtputf8_transaction)
{
	cr_assert_eq(rcpt_parse("TO:<j\xc3\xb6rg@example.com>", true), 0);
	cr_assert(rcpt.path.utf8);
	cr_assert_eq(rcpt_parse("TO:<j\xc3\xb6rg@example.com>", false), -1);
	assert_err(553, "5.6.7", NULL);
}

Test(datetime, rfc3339)
{
	int64_t t;

	cr_assert_eq(smtp_param_datetime(S_("1970-01-01T00:00:00Z"), &t), 0);
	cr_assert_eq(t, 0);
	cr_assert_eq(smtp_param_datetime(S_("2000-02-29T23:59:60z"), &t), 0);
	cr_assert_eq(t, 951868799);
	cr_assert_eq(smtp_param_datetime(S_("1969-12-31T23:00:00-01:00"), &t),
	    0);
	cr_assert_eq(t, 0);
	cr_assert_eq(smtp_param_datetime(S_("2001-02-29T00:00:00Z"), &t), -1);
	cr_assert_eq(smtp_param_datetime(S_("2000-01-01 00:00:00Z"), &t), -1);
	cr_assert_eq(smtp_param_datetime(S_("2000-01-01T00:00:00."), &t), -1);
	cr_assert_eq(smtp_param_datetime(S_("2000-01-01T00:00:00+0100"), &t),
	    -1);
	cr_assert_eq(smtp_param_datetime(S_("2000-01-01T24:00:00Z"), &t), -1);
	cr_assert_eq(smtp_param_datetime(S_("2000-13-01T00:00:00Z"), &t), -1);
}
