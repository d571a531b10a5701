/*
 * dkim-keygen.c — new signing keys: the private key as PKCS#8 PEM and
 * the key record to publish at <selector>._domainkey.<domain> (TXT).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <nettle/base64.h>

#include "dkim-engine.h"

static char *
dkim_keygen_pem(gnutls_privkey_t pk)
{
	gnutls_x509_privkey_t x = NULL;
	gnutls_datum_t out = { NULL, 0 };
	char *pem = NULL;

	if (gnutls_privkey_export_x509(pk, &x) < 0)
		return NULL;
	if (gnutls_x509_privkey_export2_pkcs8(x, GNUTLS_X509_FMT_PEM, NULL,
	    GNUTLS_PKCS_PLAIN, &out) >= 0 &&
	    (pem = malloc(out.size + 1)) != NULL) {
		memcpy(pem, out.data, out.size);
		pem[out.size] = '\0';
	}
	gnutls_free(out.data);
	gnutls_x509_privkey_deinit(x);
	return pem;
}

/* p=: SubjectPublicKeyInfo DER for RSA, the raw point for Ed25519. */
static char *
dkim_keygen_record(gnutls_privkey_t pk, enum gd_dkim_alg alg)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t d = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	char *rec = NULL;
	size_t n;
	int rc;

	if (gnutls_pubkey_init(&pub) < 0)
		return NULL;
	rc = gnutls_pubkey_import_privkey(pub, pk, 0, 0);
	if (rc >= 0 && alg == GD_DKIM_ALG_ED25519_SHA256)
		rc = gnutls_pubkey_export_ecc_raw(pub, &curve, &d, NULL);
	else if (rc >= 0)
		rc = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d);
	n = BASE64_ENCODE_RAW_LENGTH(d.size);
	if (rc >= 0 && (rec = malloc(n + 40)) != NULL) {
		n = (size_t)sprintf(rec, "v=DKIM1; k=%s; p=",
		    alg == GD_DKIM_ALG_ED25519_SHA256 ? "ed25519" : "rsa");
		base64_encode_raw(rec + n, d.size, d.data);
		rec[n + BASE64_ENCODE_RAW_LENGTH(d.size)] = '\0';
	}
	gnutls_free(d.data);
	gnutls_pubkey_deinit(pub);
	return rec;
}

int
dkim_keygen(enum gd_dkim_alg alg, unsigned bits, char **pem_r,
    char **record_r, const char **error_r)
{
	gnutls_privkey_t pk;
	int rc;

	*pem_r = *record_r = NULL;
	if (alg == GD_DKIM_ALG_RSA_SHA1 || (alg == GD_DKIM_ALG_RSA_SHA256 &&
	    (bits < 512 || bits > 8192))) {
		*error_r = "RSA keys are 512..8192 bits, rsa-sha256 only";
		return -1;
	}
	if (gnutls_privkey_init(&pk) < 0) {
		*error_r = "out of memory";
		return -1;
	}
	rc = alg == GD_DKIM_ALG_ED25519_SHA256 ?
	    gnutls_privkey_generate(pk, GNUTLS_PK_EDDSA_ED25519, 256, 0) :
	    gnutls_privkey_generate(pk, GNUTLS_PK_RSA, bits, 0);
	if (rc >= 0) {
		*pem_r = dkim_keygen_pem(pk);
		*record_r = dkim_keygen_record(pk, alg);
	}
	gnutls_privkey_deinit(pk);
	if (*pem_r == NULL || *record_r == NULL) {
		free(*pem_r);
		free(*record_r);
		*pem_r = *record_r = NULL;
		*error_r = "key generation failed";
		return -1;
	}
	return 0;
}
