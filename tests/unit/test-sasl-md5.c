/*
 * test-sasl-md5.c — CRAM-MD5 (RFC 2195) and DIGEST-MD5 (RFC 2831) message
 * code against the RFCs' examples: the CRAM-MD5 digest and response
 * parser, the DIGEST-MD5 challenge, response parser, checks, response
 * value and rspauth; truncations and garbage of every accepted message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cram-md5-proto.h"
#include "digest-md5.h"

#define MSG(s)	(s), sizeof(s) - 1

static const char *err;

/* ---- CRAM-MD5 ----------------------------------------------------------- */

static const char rfc2195_challenge[] =
    "<1896.697170952@postoffice.reston.mci.net>";

static void
hex16(const unsigned char *d, char *out)
{
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

Test(cram_md5, rfc2195_example)
{
	unsigned char d[CRAM_MD5_DIGEST_LEN];
	struct cram_md5_response r;
	char hex[33];

	/* S: PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+
	 * C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw */
	cram_md5_digest(MSG("tanstaaftanstaaf"), MSG(rfc2195_challenge), d);
	hex16(d, hex);
	cr_assert_str_eq(hex, "b913a602c7eda7a495b4e6e7334d3890");
	cr_assert_eq(cram_md5_parse(MSG("tim b913a602c7eda7a495b4e6e7334d3890"),
	    &r, &err), 0, "%s", err);
	cr_assert_eq(r.user_len, 3);
	cr_assert_eq(memcmp(r.user, "tim", 3), 0);
	cr_assert_arr_eq(r.digest, d, sizeof(d));
}

Test(cram_md5, parse_edges)
{
	struct cram_md5_response r;

	/* The user is everything before the last space; hex of any case. */
	cr_assert_eq(cram_md5_parse(MSG("a b c "
	    "B913A602C7EDA7A495B4E6E7334D3890"), &r, &err), 0);
	cr_assert_eq(r.user_len, 5);
	cr_assert_eq(r.digest[0], 0xb9);
	cr_assert_eq(cram_md5_parse(MSG("j\xc3\xb6hn "
	    "b913a602c7eda7a495b4e6e7334d3890"), &r, &err), 0);
	cr_assert_eq(cram_md5_parse(MSG(" b913a602c7eda7a495b4e6e7334d3890"),
	    &r, &err), -1, "empty user");
	cr_assert_eq(cram_md5_parse(MSG("timb913a602c7eda7a495b4e6e7334d3890"),
	    &r, &err), -1, "no space");
	cr_assert_eq(cram_md5_parse(MSG("tim b913a602c7eda7a495b4e6e7334d389"),
	    &r, &err), -1, "31 digits");
	cr_assert_eq(cram_md5_parse(MSG("tim "
	    "b913a602c7eda7a495b4e6e7334d38900"), &r, &err), -1, "33 digits");
	cr_assert_eq(cram_md5_parse(MSG("tim g913a602c7eda7a495b4e6e7334d3890"),
	    &r, &err), -1, "not hex");
	cr_assert_eq(cram_md5_parse(MSG("t\0m "
	    "b913a602c7eda7a495b4e6e7334d3890"), &r, &err), -1, "NUL");
	cr_assert_eq(cram_md5_parse(MSG("t\nm "
	    "b913a602c7eda7a495b4e6e7334d3890"), &r, &err), -1, "LF");
	cr_assert_eq(cram_md5_parse(NULL, 0, &r, &err), -1);
	cr_assert_not_null(err);
}

Test(cram_md5, truncations_fail)
{
	static const char ok[] = "tim b913a602c7eda7a495b4e6e7334d3890";
	struct cram_md5_response r;
	size_t n;

	for (n = 0; n < sizeof(ok) - 1; n++)
		cr_assert_eq(cram_md5_parse(ok, n, &r, &err), -1, "%zu", n);
}

Test(cram_md5, long_user_refused)
{
	static char msg[CRAM_MD5_USER_MAX + 64];
	struct cram_md5_response r;

	memset(msg, 'u', CRAM_MD5_USER_MAX + 1);
	strcpy(msg + CRAM_MD5_USER_MAX + 1,
	    " b913a602c7eda7a495b4e6e7334d3890");
	cr_assert_eq(cram_md5_parse(msg, strlen(msg), &r, &err), -1);
	cr_assert_eq(cram_md5_parse(msg + 1, strlen(msg + 1), &r, &err), 0);
}

Test(cram_md5, challenge)
{
	char out[CRAM_MD5_CHALLENGE_MAX];

	cr_assert_eq(cram_md5_challenge(0x768, 697170952, "postoffice.test",
	    out, sizeof(out)), 44);
	cr_assert_str_eq(out, "<0000000000000768.697170952@postoffice.test>");
	cr_assert_eq(cram_md5_challenge(1, 2, "", out, sizeof(out)), -1);
	cr_assert_eq(cram_md5_challenge(1, 2, "a b", out, sizeof(out)), -1);
	cr_assert_eq(cram_md5_challenge(1, 2, "a>b", out, sizeof(out)), -1);
	cr_assert_eq(cram_md5_challenge(1, 2, "a@b", out, sizeof(out)), -1);
	cr_assert_eq(cram_md5_challenge(1, 2, "host", out, 10), -1);
}

/* ---- DIGEST-MD5 --------------------------------------------------------- */

/* RFC 2831 4, the IMAP example (password "secret"). */
static const char rfc2831_imap[] =
    "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
    "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
    "digest-uri=\"imap/elwood.innosoft.com\","
    "response=d388dad90d4bbd760a152321f2143af7,qop=auth";
static const struct digest_md5_server rfc2831_imap_srv = {
	"elwood.innosoft.com", "OA6MG9tEQGm2hh", "imap", "elwood.innosoft.com",
};

/* RFC 2831 4, the ACAP example. */
static const char rfc2831_acap[] =
    "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
    "nonce=\"OA9BSXrbuRhWay\",nc=00000001,cnonce=\"OA9BSuZWMSpW8m\","
    "digest-uri=\"acap/elwood.innosoft.com\","
    "response=6084c6db3fede7352c551284490fd0fc,qop=auth";
static const struct digest_md5_server rfc2831_acap_srv = {
	"elwood.innosoft.com", "OA9BSXrbuRhWay", "acap", "elwood.innosoft.com",
};

static struct digest_md5_response r;

static void
check_example(const char *msg, const struct digest_md5_server *srv,
    const char *response, const char *rspauth)
{
	char out[33];

	cr_assert_eq(digest_md5_parse(msg, strlen(msg), &r, &err), 0, "%s",
	    err);
	cr_assert_str_eq(r.username.s, "chris");
	cr_assert_str_eq(r.realm.s, "elwood.innosoft.com");
	cr_assert_str_eq(r.response.s, response);
	cr_assert_eq(digest_md5_check(&r, srv, &err), 0, "%s", err);
	digest_md5_compute(&r, MSG("secret"), false, true, out);
	cr_assert_str_eq(out, response);
	digest_md5_compute(&r, MSG("secret"), true, true, out);
	cr_assert_str_eq(out, rspauth);
	digest_md5_compute(&r, MSG("secreT"), false, true, out);
	cr_assert_str_neq(out, response);
}

Test(digest_md5, rfc2831_imap_example)
{
	check_example(rfc2831_imap, &rfc2831_imap_srv,
	    "d388dad90d4bbd760a152321f2143af7",
	    "ea40f60335c427b5527b84dbabcdfffd");
}

Test(digest_md5, rfc2831_acap_example)
{
	check_example(rfc2831_acap, &rfc2831_acap_srv,
	    "6084c6db3fede7352c551284490fd0fc",
	    "2f0b3d7c3c2e486600ef710726aa2eae");
}

Test(digest_md5, challenge_as_in_rfc2831)
{
	static const struct digest_md5_server srv = {
		"elwood.innosoft.com", "OA6MG9tEQGm2hh", "imap", "x",
	};
	static const struct digest_md5_server quote = {
		"a\"b\\c", "n", "imap", "x",
	};
	char out[512];

	cr_assert_gt(digest_md5_challenge(&srv, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "realm=\"elwood.innosoft.com\",nonce=\""
	    "OA6MG9tEQGm2hh\",qop=\"auth\",charset=utf-8,"
	    "algorithm=md5-sess");
	cr_assert_gt(digest_md5_challenge(&quote, out, sizeof(out)), 0);
	cr_assert_eq(strncmp(out, "realm=\"a\\\"b\\\\c\",", 16), 0, "%s", out);
	/* Our own challenge parses with our own parser's rules. */
	cr_assert_eq(digest_md5_challenge(&srv, out, 20), -1);
}

Test(digest_md5, syntax)
{
	/* LWS, empty elements, escapes, unknown directives, any case. */
	cr_assert_eq(digest_md5_parse(MSG(" ,, USERNAME = \"c\\h\\\"ris\" ,"
	    "nonce=n ,\t cnonce=\"c\",nc=00000001,,digest-uri=\"imap/h\","
	    "future-thing=\"x,y\",response=00112233445566778899aabbccddeeff ,"
	    "authzid=\"a\",maxbuf=1024,cipher=rc4\r\n"), &r, &err), 0, "%s",
	    err);
	cr_assert_str_eq(r.username.s, "ch\"ris");
	cr_assert_eq(r.username.len, 6);
	cr_assert_str_eq(r.nonce.s, "n");
	cr_assert_str_eq(r.authzid.s, "a");
	cr_assert_null(r.realm.s);
	cr_assert_null(r.qop.s);
	cr_assert_str_eq(r.maxbuf.s, "1024");
}

Test(digest_md5, malformed)
{
	static const char *const bad[] = {
		"",
		"username=\"a\"",	/* required ones missing */
		"username=\"a\",username=\"b\",nonce=n,cnonce=c,nc=00000001,"
		    "digest-uri=\"imap/h\",response=x",
		"username=\"a,nonce=n,cnonce=c,nc=00000001,"
		    "digest-uri=\"imap/h\",response=x",	/* unterminated */
		"username=\"a\" nonce=n",
		"username=\"a\",=n",
		"username",
		"username=",
		"username=\"a\x01\",nonce=n,cnonce=c,nc=00000001,"
		    "digest-uri=\"imap/h\",response=x",
		"username=\"a\",nonce=n,cnonce=c,nc=00000001,"
		    "digest-uri=\"imap/h\",response=x\\",
		"username=\"a\\",
		"username=a@b,nonce=n,cnonce=c,nc=00000001,"
		    "digest-uri=\"imap/h\",response=x",	/* '@' in a token */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		cr_assert_eq(digest_md5_parse(bad[i], strlen(bad[i]), &r, &err),
		    -1, "accepted [%s]", bad[i]);
		cr_assert_not_null(err);
	}
	cr_assert_eq(digest_md5_parse(NULL, 0, &r, &err), -1);
}

Test(digest_md5, too_long)
{
	static char msg[DIGEST_MD5_MAX_RESPONSE + 16];
	size_t n;

	n = (size_t)snprintf(msg, sizeof(msg), "%s,x=\"", rfc2831_imap);
	memset(msg + n, 'a', sizeof(msg) - n - 2);
	msg[sizeof(msg) - 2] = '"';
	cr_assert_eq(digest_md5_parse(msg, DIGEST_MD5_MAX_RESPONSE, &r, &err),
	    -1);
	cr_assert_str_eq(err, "response too long");
}

Test(digest_md5, truncations)
{
	/* Every prefix parses or not, never reads past its end (the
	 * sanitizer build checks), and is accepted by the checks only from
	 * the end of the response directive on. */
	size_t n, full = strlen(rfc2831_imap);
	const char *resp_end = strstr(rfc2831_imap, ",qop=auth");
	char *copy;

	for (n = 0; n < full; n++) {
		copy = malloc(n + 1);
		memcpy(copy, rfc2831_imap, n);
		if (digest_md5_parse(copy, n, &r, &err) == 0 &&
		    digest_md5_check(&r, &rfc2831_imap_srv, &err) == 0)
			cr_assert_geq(n, (size_t)(resp_end - rfc2831_imap),
			    "prefix %zu accepted", n);
		free(copy);
	}
}

static void
check_refused(const char *msg, const char *why)
{
	cr_assert_eq(digest_md5_parse(msg, strlen(msg), &r, &err), 0, "%s",
	    err);
	cr_assert_eq(digest_md5_check(&r, &rfc2831_imap_srv, &err), -1,
	    "accepted %s", why);
	cr_assert_not_null(err);
}

Test(digest_md5, checks)
{
	char msg[1024];
	static const struct {
		const char *from, *to, *why;
	} t[] = {
		{ "OA6MG9tEQGm2hh\",nc", "OA6MG9tEQGm2hX\",nc",
		    "another nonce" },
		{ "nc=00000001", "nc=00000002", "nc 2" },
		{ "qop=auth", "qop=auth-int", "auth-int" },
		{ "charset=utf-8", "charset=latin1", "another charset" },
		{ "realm=\"elwood", "realm=\"xelwood", "another realm" },
		{ "\"imap/elwood", "\"smtp/elwood", "another service" },
		{ "imap/elwood.innosoft.com", "imap/evil.example",
		    "another host" },
		{ "response=d388", "response=g388", "non-hex response" },
		{ "response=d388", "response=d38", "short response" },
		{ "cnonce=\"OA6MHXh6VqTrRk\"", "cnonce=\"\"", "empty cnonce" },
	};
	const char *at;
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		at = strstr(rfc2831_imap, t[i].from);
		cr_assert_not_null(at, "%s", t[i].from);
		k = (size_t)(at - rfc2831_imap);
		snprintf(msg, sizeof(msg), "%.*s%s%s", (int)k, rfc2831_imap,
		    t[i].to, at + strlen(t[i].from));
		check_refused(msg, t[i].why);
	}
	/* Accepted: no realm, no qop, no charset, a serv-name, any case. */
	cr_assert_eq(digest_md5_parse(MSG("username=\"chris\",nonce="
	    "\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"x\",digest-uri="
	    "\"IMAP/Elwood.Innosoft.com/name\",response="
	    "D388DAD90D4BBD760A152321F2143AF7,QOP=AUTH"), &r, &err), 0);
	cr_assert_eq(digest_md5_check(&r, &rfc2831_imap_srv, &err), 0, "%s",
	    err);
}

Test(digest_md5, latin1_when_possible)
{
	char with[33], without[33], raw[33];
	struct digest_md5_response l;

	/* "jöhn" / "pässwörd" in UTF-8 with charset=utf-8 hash like their
	 * ISO 8859-1 bytes without it (RFC 2831 2.1.2.1). */
	cr_assert_eq(digest_md5_parse(MSG("charset=utf-8,username=\"j\xc3\xb6hn"
	    "\",realm=\"r\xc3\xa9\",nonce=n,cnonce=c,nc=00000001,"
	    "digest-uri=\"imap/h\",response=x"), &r, &err), 0);
	cr_assert_eq(digest_md5_parse(MSG("username=\"j\xf6hn\","
	    "realm=\"r\xe9\",nonce=n,cnonce=c,nc=00000001,"
	    "digest-uri=\"imap/h\",response=x"), &l, &err), 0);
	digest_md5_compute(&r, MSG("p\xc3\xa4ssw\xc3\xb6rd"), false, true,
	    with);
	digest_md5_compute(&l, MSG("p\xe4ssw\xf6rd"), false, true, without);
	cr_assert_str_eq(with, without);
	/* Names left in UTF-8 (GNU SASL's way), the password converted. */
	digest_md5_compute(&r, MSG("p\xc3\xa4ssw\xc3\xb6rd"), false, false,
	    raw);
	cr_assert_str_neq(raw, with);
	/* Not all in ISO 8859-1 (U+20AC): hashed as the UTF-8 it is. */
	digest_md5_compute(&r, MSG("\xc3\xa4\xe2\x82\xac"), false, true,
	    with);
	digest_md5_compute(&l, MSG("\xc3\xa4\xe2\x82\xac"), false, true,
	    without);
	cr_assert_str_eq(with, without);
	digest_md5_compute(&l, MSG("\xe4\xe2\x82\xac"), false, true, without);
	cr_assert_str_neq(with, without);
}
