/*
 * roauth-keys.c — verification keys for JWTs: PEM files (a public key or
 * certificate for RS256, ES256, EdDSA; the file's bytes for HS256) and
 * JWKS documents (RFC 7517, RFC 7518 6, RFC 8037 2); see realm-oauth.h.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

#include "realm-oauth.h"

#define ROAUTH_KEYFILE_MAX	(1 << 20)

void
roauth_keyset_free(struct roauth_keyset *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->count; i++) {
		free(set->keys[i].kid);
		if (set->keys[i].pub != NULL)
			gnutls_pubkey_deinit(set->keys[i].pub);
		if (set->keys[i].secret != NULL) {
			memset(set->keys[i].secret, 0,
			    set->keys[i].secret_len);
			free(set->keys[i].secret);
		}
	}
	free(set->keys);
	free(set);
}

static char *
roauth_err(const char *fmt, const char *arg)
{
	char *s = NULL;

	if (asprintf(&s, fmt, arg != NULL ? arg : "") < 0)
		s = NULL;
	return s;
}

/* Append a key (taking its parts); -1 when out of memory. */
static int
roauth_keyset_push(struct roauth_keyset *set, const struct roauth_key *k)
{
	struct roauth_key *keys;

	keys = realloc(set->keys, (set->count + 1) * sizeof(*keys));
	if (keys == NULL)
		return -1;
	set->keys = keys;
	set->keys[set->count++] = *k;
	return 0;
}

/* The public key type an algorithm needs. */
static gnutls_pk_algorithm_t
roauth_alg_pk(enum roauth_alg alg)
{
	switch (alg) {
	case ROAUTH_ALG_RS256:
		return GNUTLS_PK_RSA;
	case ROAUTH_ALG_ES256:
		return GNUTLS_PK_ECDSA;
	case ROAUTH_ALG_EDDSA:
		return GNUTLS_PK_EDDSA_ED25519;
	default:
		return GNUTLS_PK_UNKNOWN;
	}
}

/* A PEM public key, or the key of a PEM certificate. */
static int
roauth_pub_from_pem(const gnutls_datum_t *pem, gnutls_pubkey_t *pub_r)
{
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t pub;
	int ret;

	if (gnutls_pubkey_init(&pub) < 0)
		return -1;
	ret = gnutls_pubkey_import(pub, pem, GNUTLS_X509_FMT_PEM);
	if (ret < 0 && gnutls_x509_crt_init(&crt) == 0) {
		if (gnutls_x509_crt_import(crt, pem, GNUTLS_X509_FMT_PEM) == 0)
			ret = gnutls_pubkey_import_x509(pub, crt, 0);
		gnutls_x509_crt_deinit(crt);
	}
	if (ret < 0) {
		gnutls_pubkey_deinit(pub);
		return -1;
	}
	*pub_r = pub;
	return 0;
}

int
roauth_keyset_add_pem(struct roauth_keyset *set, const char *path,
    const char *kid, enum roauth_alg alg, char **error_r)
{
	struct roauth_key k = { .alg = alg };
	gnutls_datum_t d = { NULL, 0 };

	if (gnutls_load_file(path, &d) < 0 || d.size > ROAUTH_KEYFILE_MAX) {
		gnutls_free(d.data);
		*error_r = roauth_err("realm-oauth: cannot read key file %s",
		    path);
		return -1;
	}
	if (alg == ROAUTH_ALG_HS256) {
		if (d.size > 0 && d.data[d.size - 1] == '\n')
			d.size--;
		k.secret_len = d.size;
		k.secret = malloc(d.size > 0 ? d.size : 1);
		if (k.secret != NULL)
			memcpy(k.secret, d.data, d.size);
		memset(d.data, 0, d.size);
	} else if (roauth_pub_from_pem(&d, &k.pub) < 0 ||
	    gnutls_pubkey_get_pk_algorithm(k.pub, NULL) !=
	    (int)roauth_alg_pk(alg)) {
		if (k.pub != NULL)
			gnutls_pubkey_deinit(k.pub);
		gnutls_free(d.data);
		*error_r = roauth_err("realm-oauth: %s is not a public key "
		    "for its alg", path);
		return -1;
	}
	gnutls_free(d.data);
	if ((alg == ROAUTH_ALG_HS256 && (k.secret == NULL ||
	    k.secret_len < 32))) {
		free(k.secret);
		*error_r = roauth_err("realm-oauth: %s: an HS256 secret needs "
		    "at least 32 bytes", path);
		return -1;
	}
	k.kid = kid != NULL ? strdup(kid) : NULL;
	if (roauth_keyset_push(set, &k) < 0) {
		*error_r = roauth_err("realm-oauth: out of memory%s", NULL);
		return -1;
	}
	return 0;
}

/* ---- JWKS --------------------------------------------------------------- */

/* A base64url member as a datum (malloc'd data); -1 when absent/bad. */
static int
roauth_jwk_member(const json_t *jwk, const char *name, gnutls_datum_t *d)
{
	const json_t *v = json_object_get(jwk, name);
	uint8_t *raw;
	size_t n;

	if (!json_is_string(v) || roauth_b64url_decode(json_string_value(v),
	    json_string_length(v), &raw, &n) < 0)
		return -1;
	d->data = raw;
	d->size = (unsigned)n;
	return 0;
}

static int
roauth_jwk_rsa(const json_t *jwk, gnutls_pubkey_t pub)
{
	gnutls_datum_t n = { NULL, 0 }, e = { NULL, 0 };
	int ret = -1;

	if (roauth_jwk_member(jwk, "n", &n) == 0 &&
	    roauth_jwk_member(jwk, "e", &e) == 0)
		ret = gnutls_pubkey_import_rsa_raw(pub, &n, &e) < 0 ? -1 : 0;
	free(n.data);
	free(e.data);
	return ret;
}

static int
roauth_jwk_ec(const json_t *jwk, gnutls_pubkey_t pub, bool okp)
{
	const json_t *crv = json_object_get(jwk, "crv");
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
	int ret = -1;

	if (!json_is_string(crv) || strcmp(json_string_value(crv),
	    okp ? "Ed25519" : "P-256") != 0 ||
	    roauth_jwk_member(jwk, "x", &x) < 0)
		goto out;
	if (okp)
		ret = gnutls_pubkey_import_ecc_raw(pub,
		    GNUTLS_ECC_CURVE_ED25519, &x, NULL) < 0 ? -1 : 0;
	else if (roauth_jwk_member(jwk, "y", &y) == 0 && x.size == 32 &&
	    y.size == 32)
		ret = gnutls_pubkey_import_ecc_raw(pub,
		    GNUTLS_ECC_CURVE_SECP256R1, &x, &y) < 0 ? -1 : 0;
out:
	free(x.data);
	free(y.data);
	return ret;
}

/* The algorithm a JWK's type implies ("oct" is HS256). */
static enum roauth_alg
roauth_jwk_alg(const char *kty)
{
	if (strcmp(kty, "RSA") == 0)
		return ROAUTH_ALG_RS256;
	if (strcmp(kty, "EC") == 0)
		return ROAUTH_ALG_ES256;
	if (strcmp(kty, "OKP") == 0)
		return ROAUTH_ALG_EDDSA;
	if (strcmp(kty, "oct") == 0)
		return ROAUTH_ALG_HS256;
	return ROAUTH_ALG_NONE;
}

/* The key material of one JWK into k; -1 when unusable. */
static int
roauth_jwk_material(const json_t *jwk, struct roauth_key *k)
{
	gnutls_datum_t s = { NULL, 0 };
	int ret;

	if (k->alg == ROAUTH_ALG_HS256) {
		if (roauth_jwk_member(jwk, "k", &s) < 0 || s.size < 32) {
			free(s.data);
			return -1;
		}
		k->secret = s.data;
		k->secret_len = s.size;
		return 0;
	}
	if (gnutls_pubkey_init(&k->pub) < 0)
		return -1;
	ret = k->alg == ROAUTH_ALG_RS256 ? roauth_jwk_rsa(jwk, k->pub) :
	    roauth_jwk_ec(jwk, k->pub, k->alg == ROAUTH_ALG_EDDSA);
	if (ret < 0) {
		gnutls_pubkey_deinit(k->pub);
		k->pub = NULL;
	}
	return ret;
}

/* One JWK; 1 added, 0 skipped (other type or use). */
static int
roauth_jwk_add(struct roauth_keyset *set, const json_t *jwk)
{
	const json_t *kty = json_object_get(jwk, "kty");
	const json_t *alg = json_object_get(jwk, "alg");
	const json_t *use = json_object_get(jwk, "use");
	const json_t *kid = json_object_get(jwk, "kid");
	struct roauth_key k = { 0 };

	if (!json_is_object(jwk) || !json_is_string(kty) || (use != NULL &&
	    (!json_is_string(use) || strcmp(json_string_value(use),
	    "sig") != 0)))
		return 0;
	k.alg = roauth_jwk_alg(json_string_value(kty));
	/* A stated alg must be the one the key type implies. */
	if (k.alg == ROAUTH_ALG_NONE || (alg != NULL && (!json_is_string(alg) ||
	    roauth_alg_from_name(json_string_value(alg)) != k.alg)))
		return 0;
	if (roauth_jwk_material(jwk, &k) < 0)
		return 0;
	k.kid = json_is_string(kid) ? strdup(json_string_value(kid)) : NULL;
	if (roauth_keyset_push(set, &k) < 0) {
		free(k.kid);
		free(k.secret);
		if (k.pub != NULL)
			gnutls_pubkey_deinit(k.pub);
		return 0;
	}
	return 1;
}

int
roauth_keyset_add_jwks(struct roauth_keyset *set, const char *text,
    size_t len, char **error_r)
{
	json_error_t jerr;
	json_t *doc, *keys;
	size_t i;

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys)) {
		*error_r = roauth_err("realm-oauth: not a JWKS document (%s)",
		    doc == NULL ? jerr.text : "no keys array");
		json_decref(doc);
		return -1;
	}
	for (i = 0; i < json_array_size(keys); i++)
		(void)roauth_jwk_add(set, json_array_get(keys, i));
	json_decref(doc);
	return 0;
}
