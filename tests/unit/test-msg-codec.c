/*
 * test-msg-codec.c — base64, quoted-printable, charsets, UTF-8 and
 * RFC 2047 encoded words (with the examples of RFC 2047 section 8).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/msg-codec.h>
#include <gumdrop/pool.h>

static struct gd_pool *pool;

static void
setup(void)
{
	pool = gd_pool_create("test");
}

static void
teardown(void)
{
	gd_pool_destroy(&pool);
}

/* Decode `in` in pieces of `step` bytes; returns a malloc'd result. */
static char *
b64(const char *in, size_t len, size_t step, size_t *out_len)
{
	struct gd_b64_decoder dec;
	char *out = malloc(GD_B64_DECODED_MAX(len) + 1);
	size_t off = 0, n, o = 0, k;

	gd_b64_decoder_init(&dec);
	while (off < len) {
		n = len - off < step ? len - off : step;
		k = gd_b64_decode(&dec, in + off, n, out + o);
		cr_assert_leq(k, GD_B64_DECODED_MAX(n));
		o += k;
		off += n;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static char *
qp(const char *in, size_t len, size_t step, size_t *out_len)
{
	struct gd_qp_decoder dec;
	char *out = malloc(len + GD_QP_PEND_MAX_ + 4);
	size_t off = 0, n, o = 0, k;

	gd_qp_decoder_init(&dec);
	while (off < len) {
		n = len - off < step ? len - off : step;
		k = gd_qp_decode(&dec, in + off, n, out + o);
		cr_assert_leq(k, GD_QP_DECODED_MAX(n));
		o += k;
		off += n;
	}
	k = gd_qp_decode_finish(&dec, out + o);
	cr_assert_leq(k, GD_QP_PEND_MAX_ + 3);
	o += k;
	out[o] = '\0';
	*out_len = o;
	return out;
}

static void
check_b64(const char *in, const char *want, size_t want_len)
{
	size_t step, n;
	char *out;

	for (step = 1; step <= strlen(in) + 1; step++) {
		out = b64(in, strlen(in), step, &n);
		cr_assert_eq(n, want_len, "%s step %zu: %zu bytes", in, step,
		    n);
		cr_assert(memcmp(out, want, n) == 0, "%s step %zu", in, step);
		free(out);
	}
}

static void
check_qp(const char *in, const char *want)
{
	size_t step, n;
	char *out;

	for (step = 1; step <= strlen(in) + 1; step++) {
		out = qp(in, strlen(in), step, &n);
		cr_assert_str_eq(out, want, "step %zu", step);
		cr_assert_eq(n, strlen(want));
		free(out);
	}
}

/* ---- base64 ---------------------------------------------------------- */

Test(msg_codec, basic_b64)
{
	check_b64("SGVsbG8gV29ybGQ=", "Hello World", 11);
	check_b64("SGVs\r\nbG8g!!V29y bGQ=\r\n", "Hello World", 11);
	check_b64("QUJDRA", "ABCD", 4);
	check_b64("QQ==QUJD", "A", 1);
	check_b64("AAEC", "\0\1\2", 3);
	check_b64("", "", 0);
	check_b64("\r\n\r\n", "", 0);
}

Test(msg_codec, complex_b64_trickle_and_bound)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/= \r\n*";
	char in[4096], *whole, *part;
	size_t i, nw, np, round;

	srand(7);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < sizeof(in); i++)
			in[i] = alpha[rand() % (sizeof(alpha) - 1)];
		whole = b64(in, sizeof(in), sizeof(in), &nw);
		part = b64(in, sizeof(in), 1 + round, &np);
		cr_assert_eq(nw, np);
		cr_assert(memcmp(whole, part, nw) == 0);
		free(whole);
		free(part);
	}
}

/* ---- quoted-printable ---------------------------------------------- */

Test(msg_codec, basic_qp)
{
	check_qp("a=3Db=3db", "a=b=b");
	check_qp("caf=C3=A9", "caf\xc3\xa9");
	check_qp("abc=\r\ndef", "abcdef");
	check_qp("abc=\ndef", "abcdef");
	check_qp("abc= \t\r\ndef", "abcdef");
	check_qp("a  =\r\nb", "a  b");
	check_qp("abc  \r\ndef\t\n", "abc\r\ndef\n");
	check_qp("a b\r\n", "a b\r\n");
	check_qp("abc  ", "abc");
	check_qp("=20\r\n", " \r\n");
}

Test(msg_codec, complex_qp_garbage_kept)
{
	check_qp("a=zz", "a=zz");
	check_qp("a=4", "a=4");
	check_qp("a=4g", "a=4g");
	check_qp("a=\rx", "a=\rx");
	check_qp("a\rb", "a\rb");
	check_qp("= x", "= x");
	check_qp("==41", "=A");
	check_qp("a=", "a=");
}

Test(msg_codec, complex_qp_long_whitespace)
{
	char in[256], want[256];

	memset(in, ' ', 100);
	strcpy(in + 100, "x\n");
	memset(want, ' ', 100);
	strcpy(want + 100, "x\n");
	check_qp(in, want);
	/* Trailing: the held-back part is dropped, the rest was written. */
	strcpy(in + 100, "\n");
	memset(want, ' ', GD_QP_PEND_MAX_);
	strcpy(want + GD_QP_PEND_MAX_, "\n");
	check_qp(in, want);
	/* '=' then a long run of whitespace: bounded, kept as text. */
	memset(in, ' ', 90);
	in[90] = '=';
	memset(in + 91, ' ', 100);
	strcpy(in + 191, "y");
	memcpy(want, in, 193);
	check_qp(in, want);
}

Test(msg_codec, complex_qp_trickle_random)
{
	static const char alpha[] = "=AF09az \t\r\n";
	char in[2048], *whole, *part;
	size_t i, nw, np, round;

	srand(11);
	for (round = 0; round < 30; round++) {
		for (i = 0; i < sizeof(in); i++)
			in[i] = alpha[rand() % (sizeof(alpha) - 1)];
		whole = qp(in, sizeof(in), sizeof(in), &nw);
		part = qp(in, sizeof(in), 1 + round % 5, &np);
		cr_assert_eq(nw, np);
		cr_assert(memcmp(whole, part, nw) == 0);
		free(whole);
		free(part);
	}
}

/* ---- charsets and UTF-8 ---------------------------------------------- */

static const char *
conv(const char *cs, const char *in, size_t len)
{
	char *out;
	size_t n;

	cr_assert_eq(gd_msg_charset_to_utf8(pool, cs, in, len, &out, &n), 0,
	    "%s", cs);
	cr_assert_eq(strlen(out), n);
	cr_assert(gd_msg_utf8_valid(out, n));
	return out;
}

Test(msg_codec, basic_charsets, .init = setup, .fini = teardown)
{
	char *out = NULL;

	cr_assert_str_eq(conv("ISO-8859-1", "caf\xe9", 4), "caf\xc3\xa9");
	cr_assert_str_eq(conv("latin1", "\x80", 1), "\xe2\x82\xac");
	cr_assert_str_eq(conv("UTF-8", "a\xff" "b", 3), "a\xef\xbf\xbd" "b");
	cr_assert_str_eq(conv("us-ascii", "\xc3\xa9", 2), "\xc3\xa9");
	cr_assert_str_eq(conv("Shift_JIS", "\x82\xa0", 2), "\xe3\x81\x82");
	cr_assert_str_eq(conv("shift_jis", "a\x82", 2), "a\xef\xbf\xbd");
	cr_assert_str_eq(conv("iso-8859-8", "\xf9", 1), "\xd7\xa9");
	cr_assert_str_eq(conv(" koi8-r ", "\xc1", 1), "\xd0\xb0");
	cr_assert_eq(gd_msg_charset_to_utf8(pool, "x-nope-42", "a", 1, &out,
	    NULL), -1);
	cr_assert_null(out);
	cr_assert(gd_msg_charset_known("utf-8"));
	cr_assert(gd_msg_charset_known("ISO-8859-15"));
	cr_assert(gd_msg_charset_known("x-unknown"));
	cr_assert(!gd_msg_charset_known("nonsense-charset"));
	cr_assert(!gd_msg_charset_known("utf-8//TRANSLIT"));
	cr_assert(!gd_msg_charset_known(""));
}

Test(msg_codec, basic_utf8)
{
	cr_assert(gd_msg_utf8_valid("", 0));
	cr_assert(gd_msg_utf8_valid("abc", 3));
	cr_assert(gd_msg_utf8_valid("\xf0\x9f\x98\x80", 4));
	cr_assert(gd_msg_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	cr_assert(!gd_msg_utf8_valid("\xc0\x80", 2));
	cr_assert(!gd_msg_utf8_valid("\xe0\x80\x80", 3));
	cr_assert(!gd_msg_utf8_valid("\xed\xa0\x80", 3));
	cr_assert(!gd_msg_utf8_valid("\xf4\x90\x80\x80", 4));
	cr_assert(!gd_msg_utf8_valid("\xe2\x82", 2));
	cr_assert(!gd_msg_utf8_valid("\x80", 1));
	cr_assert(!gd_msg_utf8_valid("\xff", 1));
}

Test(msg_codec, basic_utf8_sanitize, .init = setup, .fini = teardown)
{
	size_t n;
	char *s = gd_msg_utf8_sanitize(pool, "a\xc0\x80" "b\xe2\x82\xac", 7,
	    &n);

	cr_assert_str_eq(s, "a\xef\xbf\xbd\xef\xbf\xbd" "b\xe2\x82\xac");
	cr_assert_eq(n, strlen(s));
}

/* ---- RFC 2047 -------------------------------------------------------- */

static void
check_words(const char *in, const char *want)
{
	size_t n;
	char *out = gd_msg_decode_words(pool, in, strlen(in), &n);

	cr_assert_str_eq(out, want, "input: %s", in);
	cr_assert_eq(n, strlen(want));
}

/* RFC 2047 section 8. */
Test(msg_codec, basic_rfc2047_section8, .init = setup, .fini = teardown)
{
	check_words("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
	    "Keith Moore <moore@cs.utk.edu>");
	check_words("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
	    "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>");
	check_words("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
	    "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>");
	check_words("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
	    "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
	    "If you can read this you understand the example.");
	check_words("Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n"
	    "    (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
	    "Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n    ("
	    "\xd7\x9d\xd7\x95\xd7\x9c\xd7\xa9\x20\xd7\x9f\xd7\x91\x20\xd7\x99"
	    "\xd7\x9c\xd7\x98\xd7\xa4\xd7\xa0)");
	check_words("=?ISO-8859-1?Q?Olle_J=E4rnefors?=",
	    "Olle J\xc3\xa4rnefors");
	check_words("=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?=",
	    "Patrik F\xc3\xa4ltstr\xc3\xb6m");
	check_words("(=?ISO-8859-1?Q?a?=)", "(a)");
	check_words("(=?ISO-8859-1?Q?a?= b)", "(a b)");
	check_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)");
	check_words("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)");
	check_words("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)");
	check_words("(=?ISO-8859-1?Q?a_b?=)", "(a b)");
	check_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)");
}

Test(msg_codec, complex_rfc2047_lenient, .init = setup, .fini = teardown)
{
	/* RFC 2231 language suffix. */
	check_words("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore");
	/* Inside a quoted string and glued to a word. */
	check_words("\"=?utf-8?Q?Andr=C3=A9?=\" <a@b>",
	    "\"Andr\xc3\xa9\" <a@b>");
	check_words("foo=?utf-8?Q?bar?=baz", "foobarbaz");
	/* A character split between two words. */
	check_words("=?utf-8?B?ww==?= =?UTF-8?B?qQ==?=", "\xc3\xa9");
	/* Kept as written: unknown charset, malformed text, unterminated. */
	check_words("=?x-nope?Q?abc?= x", "=?x-nope?Q?abc?= x");
	check_words("=?utf-8?Q?a=Zb?=", "=?utf-8?Q?a=Zb?=");
	check_words("=?utf-8?B?@@@?=", "=?utf-8?B?@@@?=");
	check_words("=?utf-8?q?abc", "=?utf-8?q?abc");
	check_words("=?utf-8?x?abc?=", "=?utf-8?x?abc?=");
	check_words("=?" "?q?abc?=", "=?" "?q?abc?=");
	check_words("=?", "=?");
	check_words("", "");
	/* Whitespace between a word and a kept one stays. */
	check_words("=?utf-8?q?a?= =?x-nope?q?b?=", "a =?x-nope?q?b?=");
	/* Invalid UTF-8 in the plain text is replaced. */
	check_words("a\xff" "b", "a\xef\xbf\xbd" "b");
	check_words("=?utf-8?q?=FF?=", "\xef\xbf\xbd");
	check_words("=?utf-8?q?" "?=", "");
}
