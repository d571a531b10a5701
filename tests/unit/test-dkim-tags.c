/*
 * test-dkim-tags.c — tag lists (RFC 6376 3.2), DKIM-Signature fields and
 * key records: what is accepted, and the result of what is not.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dkim-test-util.h"

static int
parse(const char *s, struct dkim_taglist *tl)
{
	const char *err;

	return dkim_tags_parse(s, strlen(s), tl, &err);
}

Test(dkim_tags, basic_and_fws)
{
	struct dkim_taglist tl;
	const struct dkim_tag *t;

	cr_assert_eq(parse(" a = 1 ; b=x  y\r\n\tz;c=;", &tl), 0);
	cr_assert_eq(tl.count, 3);
	t = dkim_tags_find(&tl, "b");
	cr_assert_not_null(t);
	cr_assert_eq(t->value_len, strlen("x  y\r\n\tz"));
	cr_assert_eq(memcmp(t->value, "x  y\r\n\tz", t->value_len), 0);
	t = dkim_tags_find(&tl, "c");
	cr_assert_eq(t->value_len, 0);
	cr_assert_eq(dkim_tags_find(&tl, "A"), NULL);	/* case matters */
}

Test(dkim_tags, malformed)
{
	static const char *const bad[] = {
		"", "  ", "a=1;;b=2", "a=1; a=2", "1a=x", "a", "a=1 ; =2",
		"a=\x01", "a=b;c", "a=x\r\ny", "a=x\ny", "a=\xc3\xa9",
		"_a=1", "a b=1",
	};
	struct dkim_taglist tl;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(parse(bad[i], &tl), -1, "accepted \"%s\"",
		    bad[i]);
}

Test(dkim_tags, bounded)
{
	char buf[DKIM_TAGS_MAX * 8 + 16];
	struct dkim_taglist tl;
	size_t i, n = 0;

	for (i = 0; i <= DKIM_TAGS_MAX; i++)
		n += (size_t)sprintf(buf + n, "t%zu=1;", i);
	cr_assert_eq(parse(buf, &tl), -1);
}

Test(dkim_tags, list_has)
{
	cr_assert(dkim_list_has("sha1 : SHA256", 13, "sha256"));
	cr_assert(!dkim_list_has("sha1:sha2567", 12, "sha256"));
	cr_assert(dkim_list_has("*", 1, "*"));
}

#define SIG_OK "v=1; a=rsa-sha256; d=Example.COM; s=sel; h=From:To; " \
	"bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA"

static enum gd_dkim_result
sig(const char *s, struct dkim_sig *out, const char **reason)
{
	return dkim_sig_parse(s, strlen(s), out, reason);
}

Test(dkim_sig, valid_fields)
{
	static struct dkim_sig s;
	const char *why;

	cr_assert_eq(sig(SIG_OK "; c=relaxed; l=10; t=5; x=9; "
	    "i=joe@mail.example.com; q=dns/txt", &s, &why), GD_DKIM_PASS,
	    "%s", why);
	cr_assert_str_eq(s.domain, "example.com");
	cr_assert_str_eq(s.selector, "sel");
	cr_assert_str_eq(s.auid, "joe@mail.example.com");
	cr_assert_eq(s.hcanon, GD_DKIM_CANON_RELAXED);
	cr_assert_eq(s.bcanon, GD_DKIM_CANON_SIMPLE);
	cr_assert(s.has_l && s.l == 10 && s.t == 5 && s.x == 9);
	cr_assert_eq(s.nh, 2);
	cr_assert_eq(s.b_len, 3);
	cr_assert_eq(s.bh_len, 32);
	cr_assert_str_eq(s.b_prefix, "AAAA");
	cr_assert_eq(sig(SIG_OK, &s, &why), GD_DKIM_PASS);
	cr_assert_str_eq(s.auid, "@example.com");
}

Test(dkim_sig, errors)
{
	static const struct {
		const char *sig;
		enum gd_dkim_result r;
	} cases[] = {
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; b=AAAA",
		    GD_DKIM_NEUTRAL },				/* no bh= */
		{ SIG_OK "; v=1", GD_DKIM_NEUTRAL },		/* dup */
		{ "v=2; a=rsa-sha256; d=example.com; s=sel; h=From; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    GD_DKIM_NEUTRAL },				/* v= */
		{ "v=1; a=rsa-md5; d=example.com; s=sel; h=From; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    GD_DKIM_PERMERROR },			/* a= */
		{ SIG_OK "; c=fancy/simple", GD_DKIM_PERMERROR },
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=To:Subject; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    GD_DKIM_PERMERROR },			/* no From */
		{ SIG_OK "; i=joe@example.org", GD_DKIM_PERMERROR },
		{ SIG_OK "; i=joe@badexample.com", GD_DKIM_PERMERROR },
		{ SIG_OK "; t=10; x=9", GD_DKIM_PERMERROR },
		{ SIG_OK "; l=12a", GD_DKIM_NEUTRAL },
		{ SIG_OK "; l=1234567890123456789", GD_DKIM_NEUTRAL },
		{ SIG_OK "; q=http", GD_DKIM_NEUTRAL },
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
		    "bh=AAAA; b=AAAA", GD_DKIM_NEUTRAL },	/* bh length */
		{ "v=1; a=rsa-sha256; d=exa_mple.com; s=sel; h=From; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    GD_DKIM_NEUTRAL },				/* d= */
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=From::To; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=AAAA",
		    GD_DKIM_NEUTRAL },				/* h= */
		{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
		    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=A!AA",
		    GD_DKIM_NEUTRAL },				/* b= */
	};
	static struct dkim_sig s;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_expect_eq(sig(cases[i].sig, &s, &why), cases[i].r,
		    "case %zu: %s", i, why);
		cr_expect_neq(why[0], '\0', "case %zu: no reason", i);
	}
}

Test(dkim_sig, ids_kept_on_error)
{
	static struct dkim_sig s;
	const char *why;

	cr_assert_eq(sig("v=1; a=rsa-md5; d=Ex.com; s=k1; h=from; bh=x; b=y",
	    &s, &why), GD_DKIM_PERMERROR);
	cr_assert_str_eq(s.domain, "ex.com");
	cr_assert_str_eq(s.selector, "k1");
	cr_assert_str_eq(s.a_text, "rsa-md5");
}

static enum gd_dkim_result
key(const char *s, struct dkim_key *out, const char **reason)
{
	return dkim_key_parse(s, strlen(s), out, reason);
}

Test(dkim_key, records)
{
	static struct dkim_key k;
	const char *why;

	cr_assert_eq(key(RFC8463_ED_REC, &k, &why), GD_DKIM_PASS);
	cr_assert_eq(k.kalg, GD_DKIM_ALG_ED25519_SHA256);
	cr_assert_eq(k.p_len, 32);
	cr_assert_eq(key(RFC8463_RSA_REC, &k, &why), GD_DKIM_PASS);
	cr_assert_eq(k.kalg, GD_DKIM_ALG_RSA_SHA256);
	cr_assert(k.hash_sha1 && k.hash_sha256 && !k.testing && !k.strict);
	cr_assert_eq(key("k=rsa; h=sha256; t=y:s:q; s=email; n=hi; zz=1; "
	    "p=AAAA", &k, &why), GD_DKIM_PASS);
	cr_assert(!k.hash_sha1 && k.hash_sha256 && k.testing && k.strict);
	cr_assert_eq(key("p=AAAA", &k, &why), GD_DKIM_PASS);
}

Test(dkim_key, errors)
{
	static const char *const bad[] = {
		"v=DKIM1; p=", "v=DKIM1", "k=rsa; v=DKIM1; p=AAAA",
		"v=DKIM2; p=AAAA", "v=DKIM1; k=dsa; p=AAAA",
		"v=DKIM1; s=tlsrpt; p=AAAA", "v=DKIM1; p=AA!A", "p=AAAA;;",
		"v=DKIM1; p=AAAA; p=AAAA",
	};
	static struct dkim_key k;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(key(bad[i], &k, &why), GD_DKIM_PERMERROR,
		    "accepted \"%s\"", bad[i]);
	cr_assert_eq(key("v=DKIM1; p=", &k, &why), GD_DKIM_PERMERROR);
	cr_assert_str_eq(why, "key revoked");
}

Test(dkim_b64, fws_and_padding)
{
	uint8_t out[8];
	size_t n;

	cr_assert_eq(dkim_b64_decode("aGVs\r\n bG8=", 11, out, 8, &n), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(memcmp(out, "hello", 5), 0);
	cr_assert_eq(dkim_b64_decode("aGVsbG8", 7, out, 8, &n), -1);
	cr_assert_eq(dkim_b64_decode("aGVsbG8gd29ybGQ=", 16, out, 8, &n), -1);
}
