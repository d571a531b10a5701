/*
 * test-sasl-plain.c — the PLAIN parser against RFC 4616 (section 4's
 * examples, the NUL rules, UTF-8, lengths) and the LOGIN field check;
 * truncations and garbage of every accepted message.
 */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/pool.h>
#include <gumdrop/sasl.h>

#include "login-parse.h"
#include "plain-parse.h"

#define MSG(s)	(s), sizeof(s) - 1

static struct sasl_plain_msg m;
static const char *err;

static bool
part_is(const char *p, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(p, want, len) == 0;
}

Test(plain, rfc4616_example_without_authzid)
{
	/* RFC 4616 4: "\0tim\0tanstaaftanstaaf" */
	cr_assert_eq(sasl_plain_parse(MSG("\0tim\0tanstaaftanstaaf"), &m,
	    &err), 0, "%s", err);
	cr_assert_eq(m.authzid_len, 0);
	cr_assert(part_is(m.authcid, m.authcid_len, "tim"));
	cr_assert(part_is(m.passwd, m.passwd_len, "tanstaaftanstaaf"));
}

Test(plain, rfc4616_example_with_authzid)
{
	/* RFC 4616 4: "Ursel\0Kurt\0xipj3plmq" */
	cr_assert_eq(sasl_plain_parse(MSG("Ursel\0Kurt\0xipj3plmq"), &m,
	    &err), 0, "%s", err);
	cr_assert(part_is(m.authzid, m.authzid_len, "Ursel"));
	cr_assert(part_is(m.authcid, m.authcid_len, "Kurt"));
	cr_assert(part_is(m.passwd, m.passwd_len, "xipj3plmq"));
}

Test(plain, nul_rules)
{
	/* Exactly two NULs; authcid and passwd non-empty. */
	cr_assert_eq(sasl_plain_parse(MSG("timtanstaaf"), &m, &err), -1);
	cr_assert_eq(sasl_plain_parse(MSG("tim\0tanstaaf"), &m, &err), -1);
	cr_assert_eq(sasl_plain_parse(MSG("\0tim\0tan\0staaf"), &m, &err),
	    -1);
	cr_assert_eq(sasl_plain_parse(MSG("\0\0pw"), &m, &err), -1);
	cr_assert_eq(sasl_plain_parse(MSG("\0tim\0"), &m, &err), -1);
	cr_assert_eq(sasl_plain_parse(MSG("\0\0"), &m, &err), -1);
	cr_assert_eq(sasl_plain_parse(MSG(""), &m, &err), -1);
	cr_assert_eq(sasl_plain_parse(NULL, 0, &m, &err), -1);
	cr_assert_not_null(err);
}

Test(plain, utf8_accepted_and_checked)
{
	cr_assert_eq(sasl_plain_parse(MSG("\0j\xc3\xb6hn\0p\xc3\xa4ss"), &m,
	    &err), 0);
	cr_assert(part_is(m.authcid, m.authcid_len, "j\xc3\xb6hn"));
	/* Overlong '/', a lone continuation, a surrogate, beyond U+10FFFF,
	 * a truncated sequence: all refused wherever they appear. */
	cr_assert_eq(sasl_plain_parse(MSG("\0a\xc0\xaf\0b"), &m, &err), -1);
	cr_assert_eq(sasl_plain_parse(MSG("\x80\0a\0b"), &m, &err), -1);
	cr_assert_eq(sasl_plain_parse(MSG("\0a\0\xed\xa0\x80"), &m, &err),
	    -1);
	cr_assert_eq(sasl_plain_parse(MSG("\0a\0\xf4\x90\x80\x80"), &m,
	    &err), -1);
	cr_assert_eq(sasl_plain_parse(MSG("\0a\0\xe2\x82"), &m, &err), -1);
}

Test(plain, lengths)
{
	char buf[2 * SASL_PLAIN_PART_MAX + 8];
	size_t n;

	/* 255 octets must be accepted (RFC 4616 2); our limit is higher. */
	buf[0] = '\0';
	memset(buf + 1, 'u', 255);
	buf[256] = '\0';
	memset(buf + 257, 'p', 255);
	cr_assert_eq(sasl_plain_parse(buf, 512, &m, &err), 0);
	cr_assert_eq(m.authcid_len, 255);
	n = 1 + SASL_PLAIN_PART_MAX + 1 + 1;
	memset(buf + 1, 'u', SASL_PLAIN_PART_MAX + 1);
	buf[SASL_PLAIN_PART_MAX + 2] = '\0';
	buf[SASL_PLAIN_PART_MAX + 3] = 'p';
	cr_assert_eq(sasl_plain_parse(buf, n + 1, &m, &err), -1);
}

Test(plain, every_truncation_of_a_valid_message)
{
	static const char msg[] = "Ursel\0Kurt\0xipj3plmq";
	size_t cut;

	for (cut = 0; cut < sizeof(msg) - 1; cut++) {
		int ret = sasl_plain_parse(msg, cut, &m, &err);

		/* Only cuts inside the password still parse. */
		cr_assert_eq(ret, cut > 11 ? 0 : -1, "cut %zu", cut);
		if (ret == 0)
			cr_assert_eq(m.passwd_len, cut - 11);
	}
}

Test(login, fields)
{
	cr_assert_eq(sasl_login_check_field(MSG("alice"), &err), 0);
	cr_assert_eq(sasl_login_check_field(MSG("p\xc3\xa4ss"), &err), 0);
	cr_assert_eq(sasl_login_check_field(MSG(""), &err), -1);
	cr_assert_eq(sasl_login_check_field(NULL, 0, &err), -1);
	cr_assert_eq(sasl_login_check_field(MSG("a\0b"), &err), -1);
	cr_assert_eq(sasl_login_check_field(MSG("\xff"), &err), -1);
	cr_assert_str_eq(SASL_LOGIN_USER_PROMPT, "Username:");
	cr_assert_str_eq(SASL_LOGIN_PASS_PROMPT, "Password:");
}

Test(login, length_limit)
{
	static char big[SASL_LOGIN_FIELD_MAX + 1];

	memset(big, 'x', sizeof(big));
	cr_assert_eq(sasl_login_check_field(big, SASL_LOGIN_FIELD_MAX, &err),
	    0);
	cr_assert_eq(sasl_login_check_field(big, sizeof(big), &err), -1);
}

/* ---- the protocols' strict base64 (gd_sasl_decode64/encode64) --------- */

Test(base64, strict_decode_and_encode)
{
	struct gd_pool *pool = gd_pool_create("b64");
	size_t len = 99;
	char *out;

	out = gd_sasl_decode64(pool, "AGFsaWNlAGFsaWNlLXB3", 20, &len);
	cr_assert_not_null(out);
	cr_assert_eq(len, 15);
	cr_assert_eq(memcmp(out, "\0alice\0alice-pw", 15), 0);
	cr_assert_not_null(gd_sasl_decode64(pool, "", 0, &len));
	cr_assert_eq(len, 0);
	cr_assert_str_eq(gd_sasl_decode64(pool, "Zm8=", 4, &len), "fo");
	cr_assert_str_eq(gd_sasl_decode64(pool, "Zg==", 4, &len), "f");
	/* Not strict base64: missing padding, whitespace, bad characters,
	 * padding in the middle, three pads. */
	cr_assert_null(gd_sasl_decode64(pool, "Zm8", 3, &len));
	cr_assert_null(gd_sasl_decode64(pool, "Zm 8=", 5, &len));
	cr_assert_null(gd_sasl_decode64(pool, "Zm8*", 4, &len));
	cr_assert_null(gd_sasl_decode64(pool, "Zg==Zg==", 8, &len));
	cr_assert_null(gd_sasl_decode64(pool, "Z===", 4, &len));
	cr_assert_str_eq(gd_sasl_encode64(pool, "\0alice\0alice-pw", 15),
	    "AGFsaWNlAGFsaWNlLXB3");
	cr_assert_str_eq(gd_sasl_encode64(pool, "f", 1), "Zg==");
	cr_assert_str_eq(gd_sasl_encode64(pool, "", 0), "");
	gd_pool_destroy(&pool);
}
