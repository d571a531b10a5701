/*
 * test-dkim-keycache.c — the key cache (hit, case, TTL expiry and its
 * cap, the bound and FIFO eviction, replacement), a verifier that finds
 * its keys there without DNS, and RSA p= as PKCS#1 RSAPublicKey as well
 * as SubjectPublicKeyInfo.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dkim-test-util.h"

#define NOW	1000000

static struct dkim_key
parsed(const char *record)
{
	struct dkim_key k;
	const char *why = NULL;

	cr_assert_eq(dkim_key_parse(record, strlen(record), &k, &why),
	    GD_DKIM_PASS, "%s", why);
	return k;
}

Test(dkim_keycache, hit_ignores_case_and_imports)
{
	struct dkim_keycache *c = dkim_keycache_create(8, 86400);
	struct dkim_key k = parsed(RFC8463_ED_REC);
	const struct dkim_keyent *e;

	cr_assert_null(dkim_keycache_get(c, "brisbane._domainkey.x", NOW));
	dkim_keycache_put(c, "Brisbane._domainkey.X", &k, 300, NOW);
	e = dkim_keycache_get(c, "brisbane._domainkey.x", NOW + 1);
	cr_assert_not_null(e);
	cr_assert_eq(e->key.p_len, 32);
	cr_assert_eq(memcmp(e->key.p, k.p, 32), 0);
	cr_assert_eq(e->key.kalg, GD_DKIM_ALG_ED25519_SHA256);
	cr_assert_not_null(e->pub, "the key is imported once, at put");
	cr_assert_null(dkim_keycache_get(c, "other._domainkey.x", NOW));
	cr_assert_eq(dkim_keycache_count(c), 1);
	dkim_keycache_free(&c);
	cr_assert_null(c);
}

Test(dkim_keycache, ttl_expiry_and_cap)
{
	struct dkim_keycache *c = dkim_keycache_create(8, 100);
	struct dkim_key k = parsed(RFC8463_ED_REC);

	dkim_keycache_put(c, "a._domainkey.x", &k, 60, NOW);
	dkim_keycache_put(c, "b._domainkey.x", &k, 5000, NOW);
	dkim_keycache_put(c, "c._domainkey.x", &k, 0, NOW);
	cr_assert_null(dkim_keycache_get(c, "c._domainkey.x", NOW),
	    "TTL 0 is not kept");
	cr_assert_not_null(dkim_keycache_get(c, "a._domainkey.x", NOW + 59));
	cr_assert_null(dkim_keycache_get(c, "a._domainkey.x", NOW + 60));
	cr_assert_eq(dkim_keycache_count(c), 1, "the expired entry left");
	cr_assert_not_null(dkim_keycache_get(c, "b._domainkey.x", NOW + 99));
	cr_assert_null(dkim_keycache_get(c, "b._domainkey.x", NOW + 100),
	    "TTL capped at max_ttl");
	cr_assert_eq(dkim_keycache_count(c), 0);
	dkim_keycache_free(&c);
}

Test(dkim_keycache, bounded_fifo_and_replace)
{
	struct dkim_keycache *c = dkim_keycache_create(4, 86400);
	struct dkim_key ed = parsed(RFC8463_ED_REC);
	struct dkim_key rsa = parsed(RFC8463_RSA_REC);
	char name[64];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "s%d._domainkey.x", i);
		dkim_keycache_put(c, name, &ed, 300, NOW);
		cr_assert_leq(dkim_keycache_count(c), 4);
	}
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "s%d._domainkey.x", i);
		if (i < 6)
			cr_assert_null(dkim_keycache_get(c, name, NOW),
			    "%s", name);
		else
			cr_assert_not_null(dkim_keycache_get(c, name, NOW),
			    "%s", name);
	}
	dkim_keycache_put(c, "s9._domainkey.x", &rsa, 300, NOW);
	cr_assert_eq(dkim_keycache_count(c), 4);
	cr_assert_eq(dkim_keycache_get(c, "s9._domainkey.x", NOW)->key.kalg,
	    GD_DKIM_ALG_RSA_SHA256, "replaced, not duplicated");
	dkim_keycache_free(&c);
}

/* The RFC 8463 message verified with `d` and cache `c`. */
static void
verify_with(struct dkim_test_dns *d, struct dkim_keycache *c,
    enum gd_dkim_result ed, enum gd_dkim_result rsa)
{
	static const struct gd_dkim_verify_opts o = { .now = 1528637909 };
	struct gd_dkim_dns_ops ops = dkim_test_ops(d);
	struct gd_dkim_verifier *v = dkim_verify_create(&o, &ops);
	const struct gd_dkim_sig_result *r;
	size_t n;

	dkim_verify_set_cache(v, c);
	dkim_verify_write(v, RFC8463_MSG, strlen(RFC8463_MSG));
	cr_assert_eq(dkim_verify_finish(v, NULL, NULL), 1);
	r = dkim_verify_results(v, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(r[0].result, ed, "ed25519: %s", r[0].reason);
	cr_assert_eq(r[1].result, rsa, "rsa: %s", r[1].reason);
	dkim_verify_destroy(&v);
}

Test(dkim_keycache, verifier_hits_need_no_dns)
{
	struct dkim_keycache *c = dkim_keycache_create(8, 86400);
	struct dkim_key ed = parsed(RFC8463_ED_REC);
	struct dkim_key rsa = parsed(RFC8463_RSA_REC);
	struct dkim_test_dns d = { rfc8463_rrs, 2, false, .npend = 0 };
	struct dkim_test_dns none = { NULL, 0, false, .npend = 0 };

	verify_with(&d, c, GD_DKIM_PASS, GD_DKIM_PASS);
	cr_assert_eq(d.queries, 2, "an empty cache: both from DNS");
	dkim_keycache_put(c, "brisbane._domainkey.football.example.com", &ed,
	    300, time(NULL));
	dkim_keycache_put(c, "TEST._domainkey.football.example.com", &rsa,
	    300, time(NULL));
	verify_with(&none, c, GD_DKIM_PASS, GD_DKIM_PASS);
	cr_assert_eq(none.queries, 0, "both keys from the cache");
	/* A wrong key cached is used as it is: the signature fails. */
	dkim_keycache_put(c, "brisbane._domainkey.football.example.com",
	    &rsa, 300, time(NULL));
	verify_with(&none, c, GD_DKIM_PERMERROR, GD_DKIM_PASS);
	cr_assert_eq(none.queries, 0);
	/* Expired: asked again (DNS here has nothing: permerror). */
	dkim_keycache_put(c, "test._domainkey.football.example.com", &rsa,
	    1, time(NULL) - 10);
	verify_with(&none, c, GD_DKIM_PERMERROR, GD_DKIM_PERMERROR);
	cr_assert_eq(none.queries, 1);
	dkim_keycache_free(&c);
}

/* The RFC 8463 RSA record with p= as PKCS#1: the SubjectPublicKeyInfo's
 * BIT STRING content (after its 22-byte header for a 1024-bit key). */
static char *
pkcs1_record(void)
{
	const char *p = strstr(RFC8463_RSA_REC, "p=") + 2;
	uint8_t der[300];
	size_t n;
	char *rec = malloc(600);

	cr_assert_eq(dkim_b64_decode(p, strlen(p), der, sizeof(der), &n), 0);
	cr_assert_eq(n, 162);
	cr_assert_eq(der[22], 0x30, "the RSAPublicKey SEQUENCE");
	strcpy(rec, "v=DKIM1; k=rsa; p=");
	base64_encode_raw(rec + strlen(rec), n - 22, der + 22);
	rec[18 + BASE64_ENCODE_RAW_LENGTH(n - 22)] = '\0';
	return rec;
}

Test(dkim_keycache, rsa_pkcs1_and_spki)
{
	char *rec = pkcs1_record();
	struct dkim_test_rr rrs[] = { rfc8463_rrs[0],
	    { "test._domainkey.football.example.com", GD_DKIM_DNS_OK, rec,
	    NULL } };
	struct dkim_test_dns d = { rrs, 2, false, .npend = 0 };
	struct dkim_key k = parsed(rec);
	struct dkim_pubkey *pub;
	const char *why = NULL;

	verify_with(&d, NULL, GD_DKIM_PASS, GD_DKIM_PASS);
	pub = dkim_pubkey_import(GD_DKIM_ALG_RSA_SHA256, k.p, k.p_len, &why);
	cr_assert_not_null(pub, "PKCS#1: %s", why);
	dkim_pubkey_free(&pub);
	k = parsed(RFC8463_RSA_REC);
	pub = dkim_pubkey_import(GD_DKIM_ALG_RSA_SHA256, k.p, k.p_len, &why);
	cr_assert_not_null(pub, "SPKI: %s", why);
	dkim_pubkey_free(&pub);
	/* A truncated PKCS#1 key is still refused. */
	k = parsed(rec);
	pub = dkim_pubkey_import(GD_DKIM_ALG_RSA_SHA256, k.p, k.p_len - 5,
	    &why);
	cr_assert_null(pub);
	cr_assert_str_eq(why, "unusable public key");
	free(rec);
}
