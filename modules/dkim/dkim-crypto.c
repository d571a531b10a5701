/*
 * dkim-crypto.c — signatures through GnuTLS.  RSA: PKCS#1 v1.5 over the
 * header hash (gnutls_*_hash2 with the digest).  Ed25519 (RFC 8463):
 * PureEdDSA over the 32-byte SHA-256 header hash, so the "data" signed
 * is the digest itself.  RSA keys are read as SubjectPublicKeyInfo
 * (RFC 6376 3.6.1) or, as some signers publish them, PKCS#1.
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "dkim-engine.h"

struct dkim_privkey {
	enum gd_dkim_alg alg;
	gnutls_privkey_t key;
};

static gnutls_sign_algorithm_t
dkim_sign_algo(enum gd_dkim_alg alg)
{
	switch (alg) {
	case GD_DKIM_ALG_ED25519_SHA256:
		return GNUTLS_SIGN_EDDSA_ED25519;
	case GD_DKIM_ALG_RSA_SHA1:
		return GNUTLS_SIGN_RSA_SHA1;
	default:
		return GNUTLS_SIGN_RSA_SHA256;
	}
}

/* A DER length of `n` at `out`; the bytes written (at most 3). */
static size_t
dkim_der_len(uint8_t *out, size_t n)
{
	if (n < 0x80) {
		out[0] = (uint8_t)n;
		return 1;
	}
	if (n < 0x100) {
		out[0] = 0x81;
		out[1] = (uint8_t)n;
		return 2;
	}
	out[0] = 0x82;
	out[1] = (uint8_t)(n >> 8);
	out[2] = (uint8_t)n;
	return 3;
}

/*
 * A PKCS#1 RSAPublicKey framed as the SubjectPublicKeyInfo RFC 6376
 * 3.6.1 asks for (AlgorithmIdentifier rsaEncryption, the key in a BIT
 * STRING), so that GnuTLS parses and checks it.  Length into *len_r.
 */
static uint8_t *
dkim_pkcs1_to_spki(const uint8_t *p, size_t p_len, size_t *len_r)
{
	static const uint8_t alg_id[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a,
	    0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
	uint8_t bits[4], outer[4], *der;
	size_t nb, no, inner;

	bits[0] = 0x03;
	nb = 1 + dkim_der_len(bits + 1, p_len + 1);
	inner = sizeof(alg_id) + nb + 1 + p_len;
	outer[0] = 0x30;
	no = 1 + dkim_der_len(outer + 1, inner);
	if ((der = malloc(no + inner)) == NULL)
		return NULL;
	memcpy(der, outer, no);
	memcpy(der + no, alg_id, sizeof(alg_id));
	memcpy(der + no + sizeof(alg_id), bits, nb);
	der[no + sizeof(alg_id) + nb] = 0x00;	/* no unused bits */
	memcpy(der + no + sizeof(alg_id) + nb + 1, p, p_len);
	*len_r = no + inner;
	return der;
}

/* RSA p=: SubjectPublicKeyInfo (RFC 6376), else PKCS#1 RSAPublicKey. */
static int
dkim_pubkey_import_rsa(const uint8_t *p, size_t p_len, gnutls_pubkey_t key)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)p,
	    (unsigned)p_len };
	uint8_t *der;
	size_t len;
	int rc;

	if (gnutls_pubkey_import(key, &d, GNUTLS_X509_FMT_DER) >= 0)
		return 0;
	if (p_len == 0 || p[0] != 0x30 ||
	    (der = dkim_pkcs1_to_spki(p, p_len, &len)) == NULL)
		return -1;
	d.data = der;
	d.size = (unsigned)len;
	rc = gnutls_pubkey_import(key, &d, GNUTLS_X509_FMT_DER);
	free(der);
	return rc < 0 ? -1 : 0;
}

static int
dkim_pubkey_import_raw(enum gd_dkim_alg alg, const uint8_t *p,
    size_t p_len, gnutls_pubkey_t key)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)p,
	    (unsigned)p_len };

	if (alg == GD_DKIM_ALG_ED25519_SHA256) {
		if (p_len != 32)
			return -1;
		return gnutls_pubkey_import_ecc_raw(key,
		    GNUTLS_ECC_CURVE_ED25519, &d, NULL) < 0 ? -1 : 0;
	}
	return dkim_pubkey_import_rsa(p, p_len, key);
}

struct dkim_pubkey *
dkim_pubkey_import(enum gd_dkim_alg alg, const uint8_t *p, size_t p_len,
    const char **reason_r)
{
	gnutls_pubkey_t key;

	if (gnutls_pubkey_init(&key) < 0) {
		*reason_r = "out of memory";
		return NULL;
	}
	if (dkim_pubkey_import_raw(alg, p, p_len, key) < 0) {
		gnutls_pubkey_deinit(key);
		*reason_r = "unusable public key";
		return NULL;
	}
	return (struct dkim_pubkey *)key;
}

void
dkim_pubkey_free(struct dkim_pubkey **kp)
{
	if (*kp != NULL)
		gnutls_pubkey_deinit((gnutls_pubkey_t)*kp);
	*kp = NULL;
}

/* The key's type must match the algorithm; RSA keys have a minimum. */
static const char *
dkim_pubkey_check(enum gd_dkim_alg alg, gnutls_pubkey_t key,
    unsigned min_bits, unsigned *bits_r)
{
	int pk = gnutls_pubkey_get_pk_algorithm(key, bits_r);

	if (alg == GD_DKIM_ALG_ED25519_SHA256)
		return pk == GNUTLS_PK_EDDSA_ED25519 ? NULL :
		    "key is not Ed25519";
	if (pk != GNUTLS_PK_RSA)
		return "key is not RSA";
	if (*bits_r < min_bits)
		return "RSA key too short";
	return NULL;
}

enum gd_dkim_result
dkim_crypto_verify_key(enum gd_dkim_alg alg, struct dkim_pubkey *pub,
    const uint8_t *digest, size_t digest_len, const uint8_t *sig,
    size_t sig_len, unsigned min_bits, bool allow_sha1, unsigned *bits_r,
    const char **reason_r)
{
	gnutls_pubkey_t key = (gnutls_pubkey_t)pub;
	gnutls_datum_t h = { (unsigned char *)(uintptr_t)digest,
	    (unsigned)digest_len };
	gnutls_datum_t s = { (unsigned char *)(uintptr_t)sig,
	    (unsigned)sig_len };
	unsigned flags = 0;
	int rc;

	*bits_r = 0;
	if ((*reason_r = dkim_pubkey_check(alg, key, min_bits, bits_r)) !=
	    NULL)
		return GD_DKIM_PERMERROR;
	if (alg == GD_DKIM_ALG_RSA_SHA1 && allow_sha1)
		flags = GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1 |
		    GNUTLS_VERIFY_ALLOW_BROKEN;
	if (alg == GD_DKIM_ALG_ED25519_SHA256)
		rc = gnutls_pubkey_verify_data2(key, dkim_sign_algo(alg), 0,
		    &h, &s);
	else
		rc = gnutls_pubkey_verify_hash2(key, dkim_sign_algo(alg),
		    flags, &h, &s);
	*reason_r = rc < 0 ? "signature did not verify" : "";
	return rc < 0 ? GD_DKIM_FAIL : GD_DKIM_PASS;
}

enum gd_dkim_result
dkim_crypto_verify(enum gd_dkim_alg alg, const uint8_t *p, size_t p_len,
    const uint8_t *digest, size_t digest_len, const uint8_t *sig,
    size_t sig_len, unsigned min_bits, bool allow_sha1, unsigned *bits_r,
    const char **reason_r)
{
	struct dkim_pubkey *pub;
	enum gd_dkim_result r;

	*bits_r = 0;
	if ((pub = dkim_pubkey_import(alg, p, p_len, reason_r)) == NULL)
		return strcmp(*reason_r, "out of memory") == 0 ?
		    GD_DKIM_TEMPERROR : GD_DKIM_PERMERROR;
	r = dkim_crypto_verify_key(alg, pub, digest, digest_len, sig,
	    sig_len, min_bits, allow_sha1, bits_r, reason_r);
	dkim_pubkey_free(&pub);
	return r;
}

struct dkim_privkey *
dkim_privkey_import(enum gd_dkim_alg alg, const char *pem, size_t pem_len,
    const char **error_r)
{
	struct dkim_privkey *k;
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)pem,
	    (unsigned)pem_len };
	int pk;

	if (alg != GD_DKIM_ALG_RSA_SHA256 &&
	    alg != GD_DKIM_ALG_ED25519_SHA256) {
		*error_r = "signing algorithm must be rsa-sha256 or "
		    "ed25519-sha256";
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL || gnutls_privkey_init(&k->key) < 0) {
		free(k);
		*error_r = "out of memory";
		return NULL;
	}
	k->alg = alg;
	if (gnutls_privkey_import_x509_raw(k->key, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0) < 0) {
		dkim_privkey_free(&k);
		*error_r = "private key does not import (PEM expected)";
		return NULL;
	}
	pk = gnutls_privkey_get_pk_algorithm(k->key, NULL);
	if ((alg == GD_DKIM_ALG_RSA_SHA256) != (pk == GNUTLS_PK_RSA) ||
	    (alg == GD_DKIM_ALG_ED25519_SHA256 &&
	    pk != GNUTLS_PK_EDDSA_ED25519)) {
		dkim_privkey_free(&k);
		*error_r = "private key type does not match the algorithm";
		return NULL;
	}
	return k;
}

void
dkim_privkey_free(struct dkim_privkey **kp)
{
	struct dkim_privkey *k = *kp;

	if (k == NULL)
		return;
	if (k->key != NULL)
		gnutls_privkey_deinit(k->key);
	free(k);
	*kp = NULL;
}

int
dkim_privkey_sign(struct dkim_privkey *k, const uint8_t *digest,
    size_t digest_len, uint8_t **sig_r, size_t *len_r, const char **error_r)
{
	gnutls_datum_t h = { (unsigned char *)(uintptr_t)digest,
	    (unsigned)digest_len };
	gnutls_datum_t sig = { NULL, 0 };
	int rc;

	if (k->alg == GD_DKIM_ALG_ED25519_SHA256)
		rc = gnutls_privkey_sign_data2(k->key, dkim_sign_algo(k->alg),
		    0, &h, &sig);
	else
		rc = gnutls_privkey_sign_hash2(k->key, dkim_sign_algo(k->alg),
		    0, &h, &sig);
	if (rc < 0) {
		*error_r = "signing failed";
		return -1;
	}
	*sig_r = malloc(sig.size);
	if (*sig_r == NULL) {
		gnutls_free(sig.data);
		*error_r = "out of memory";
		return -1;
	}
	memcpy(*sig_r, sig.data, sig.size);
	*len_r = sig.size;
	gnutls_free(sig.data);
	return 0;
}

const char *
dkim_result_name(enum gd_dkim_result r)
{
	static const char *const names[] = { "none", "pass", "fail",
	    "neutral", "policy", "temperror", "permerror" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] :
	    "permerror";
}

const char *
dkim_alg_name(enum gd_dkim_alg alg)
{
	switch (alg) {
	case GD_DKIM_ALG_ED25519_SHA256:
		return "ed25519-sha256";
	case GD_DKIM_ALG_RSA_SHA1:
		return "rsa-sha1";
	default:
		return "rsa-sha256";
	}
}
