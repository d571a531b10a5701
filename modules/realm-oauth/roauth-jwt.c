/*
 * roauth-jwt.c — JWT bearer tokens (RFC 7519, JWS compact serialization
 * RFC 7515, algorithms RFC 7518 and RFC 8037): see realm-oauth.h.
 *
 * Refused: "alg": "none" and every algorithm we do not list, "crit"
 * headers, a key used with another algorithm than its own (an HS256
 * secret never checks an RS256 header, a public key is never an HMAC
 * secret), unknown kids, and claims that do not hold.
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "realm-oauth.h"

static const char *const roauth_alg_names[] = {
	[ROAUTH_ALG_NONE] = "none",
	[ROAUTH_ALG_HS256] = "HS256",
	[ROAUTH_ALG_RS256] = "RS256",
	[ROAUTH_ALG_ES256] = "ES256",
	[ROAUTH_ALG_EDDSA] = "EdDSA",
};

enum roauth_alg
roauth_alg_from_name(const char *name)
{
	size_t i;

	for (i = 1; name != NULL && i < sizeof(roauth_alg_names) /
	    sizeof(roauth_alg_names[0]); i++)
		if (strcmp(name, roauth_alg_names[i]) == 0)
			return (enum roauth_alg)i;
	return ROAUTH_ALG_NONE;
}

const char *
roauth_alg_name(enum roauth_alg alg)
{
	return (unsigned)alg < sizeof(roauth_alg_names) /
	    sizeof(roauth_alg_names[0]) ? roauth_alg_names[alg] : "none";
}

/* ---- base64url ---------------------------------------------------------- */

static int
roauth_b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
roauth_b64url_decode(const char *s, size_t len, uint8_t **out_r,
    size_t *out_len)
{
	uint8_t *out;
	uint32_t acc = 0;
	size_t i, n = 0;
	int v, bits = 0;

	/* A length of 1 mod 4 cannot be the end of any encoding. */
	if (len % 4 == 1)
		return -1;
	out = malloc(len * 3 / 4 + 1);
	if (out == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = roauth_b64url_value(s[i])) < 0) {
			free(out);
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	*out_r = out;
	*out_len = n;
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

/* Decode one part as a JSON object. */
static json_t *
roauth_json_part(const char *s, size_t len)
{
	uint8_t *raw;
	size_t n;
	json_t *j;

	if (roauth_b64url_decode(s, len, &raw, &n) < 0)
		return NULL;
	j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The header's alg and kid; -1 for "none", unknown, "crit". */
static int
roauth_jwt_header(struct roauth_jwt *jwt, const char **why)
{
	const json_t *alg = json_object_get(jwt->header, "alg");
	const json_t *kid = json_object_get(jwt->header, "kid");

	if (!json_is_string(alg)) {
		*why = "no alg";
		return -1;
	}
	jwt->alg = roauth_alg_from_name(json_string_value(alg));
	if (jwt->alg == ROAUTH_ALG_NONE) {
		*why = "alg none or unsupported";
		return -1;
	}
	if (json_object_get(jwt->header, "crit") != NULL) {
		*why = "crit header";
		return -1;
	}
	if (kid != NULL && !json_is_string(kid)) {
		*why = "kid is not a string";
		return -1;
	}
	jwt->kid = kid != NULL ? json_string_value(kid) : NULL;
	return 0;
}

int
roauth_jwt_parse(const char *token, size_t len, struct roauth_jwt *jwt,
    const char **why)
{
	const char *d1, *d2;

	memset(jwt, 0, sizeof(*jwt));
	*why = "not a JWT";
	if (len == 0 || len > ROAUTH_TOKEN_MAX || memchr(token, '\0', len))
		return -1;
	d1 = memchr(token, '.', len);
	d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) :
	    NULL;
	if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 -
	    token)) != NULL)
		return -1;
	jwt->signed_len = (size_t)(d2 - token);
	if ((jwt->header = roauth_json_part(token, (size_t)(d1 - token))) ==
	    NULL || (jwt->claims = roauth_json_part(d1 + 1,
	    (size_t)(d2 - d1 - 1))) == NULL ||
	    roauth_b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - token),
	    &jwt->sig, &jwt->sig_len) < 0 || jwt->sig_len == 0 ||
	    roauth_jwt_header(jwt, why) < 0) {
		roauth_jwt_clear(jwt);
		return -1;
	}
	return 0;
}

void
roauth_jwt_clear(struct roauth_jwt *jwt)
{
	json_decref(jwt->header);
	json_decref(jwt->claims);
	free(jwt->sig);
	memset(jwt, 0, sizeof(*jwt));
}

/* ---- signatures --------------------------------------------------------- */

static bool
roauth_hs256_ok(const struct roauth_key *k, const char *data, size_t len,
    const uint8_t *sig, size_t sig_len)
{
	struct hmac_sha256_ctx mac;
	uint8_t d[SHA256_DIGEST_SIZE];

	if (sig_len != sizeof(d))
		return false;
	hmac_sha256_set_key(&mac, k->secret_len, k->secret);
	hmac_sha256_update(&mac, len, (const uint8_t *)data);
	hmac_sha256_digest(&mac, sizeof(d), d);
	return memeql_sec(d, sig, sizeof(d)) != 0;
}

/* JWS ES256 signatures are R || S (32 bytes each); GnuTLS wants DER. */
static bool
roauth_es256_ok(const struct roauth_key *k, const gnutls_datum_t *data,
    const uint8_t *sig, size_t sig_len)
{
	gnutls_datum_t r = { (unsigned char *)sig, 32 };
	gnutls_datum_t s = { (unsigned char *)sig + 32, 32 };
	gnutls_datum_t der = { NULL, 0 };
	bool ok;

	if (sig_len != 64 || gnutls_encode_rs_value(&der, &r, &s) < 0)
		return false;
	ok = gnutls_pubkey_verify_data2(k->pub, GNUTLS_SIGN_ECDSA_SHA256, 0,
	    data, &der) >= 0;
	gnutls_free(der.data);
	return ok;
}

/* One key against the token: its algorithm must be the header's. */
static bool
roauth_key_ok(const struct roauth_key *k, const struct roauth_jwt *jwt,
    const char *token)
{
	gnutls_datum_t data = { (unsigned char *)token,
	    (unsigned)jwt->signed_len };
	gnutls_datum_t sig = { jwt->sig, (unsigned)jwt->sig_len };

	if (k->alg != jwt->alg)
		return false;
	switch (k->alg) {
	case ROAUTH_ALG_HS256:
		return k->secret != NULL && roauth_hs256_ok(k, token,
		    jwt->signed_len, jwt->sig, jwt->sig_len);
	case ROAUTH_ALG_RS256:
		return gnutls_pubkey_verify_data2(k->pub,
		    GNUTLS_SIGN_RSA_SHA256, 0, &data, &sig) >= 0;
	case ROAUTH_ALG_ES256:
		return roauth_es256_ok(k, &data, jwt->sig, jwt->sig_len);
	case ROAUTH_ALG_EDDSA:
		return gnutls_pubkey_verify_data2(k->pub,
		    GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig) >= 0;
	default:
		return false;
	}
}

/* The kid's key, or any key of the algorithm without one. */
static bool
roauth_signature_ok(const struct roauth_jwt *jwt, const char *token,
    const struct roauth_keyset *keys, const char **why)
{
	size_t i;
	bool kid_seen = false;

	for (i = 0; keys != NULL && i < keys->count; i++) {
		const struct roauth_key *k = &keys->keys[i];

		if (jwt->kid != NULL && (k->kid == NULL ||
		    strcmp(k->kid, jwt->kid) != 0))
			continue;
		kid_seen = true;
		if (roauth_key_ok(k, jwt, token))
			return true;
	}
	*why = jwt->kid != NULL && !kid_seen ? "unknown kid" :
	    "bad signature or wrong algorithm for the key";
	return false;
}

/* ---- claims ------------------------------------------------------------- */

bool
roauth_aud_ok(const json_t *aud, const char *audience)
{
	size_t i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), audience) == 0;
	for (i = 0; json_is_array(aud) && i < json_array_size(aud); i++) {
		const json_t *a = json_array_get(aud, i);

		if (json_is_string(a) && strcmp(json_string_value(a),
		    audience) == 0)
			return true;
	}
	return false;
}

bool
roauth_has_scope(const json_t *claims, const char *scope)
{
	const json_t *s = json_object_get(claims, "scope");
	const char *p, *end;
	size_t n = strlen(scope);

	if (json_is_string(s)) {
		for (p = json_string_value(s); *p != '\0'; p = end) {
			while (*p == ' ')
				p++;
			end = p + strcspn(p, " ");
			if ((size_t)(end - p) == n && memcmp(p, scope, n) == 0)
				return true;
		}
		return false;
	}
	return roauth_aud_ok(json_object_get(claims, "scp"), scope);
}

/* A NumericDate claim: -1 absent, 0 present (in *v), 1 malformed. */
static int
roauth_time_claim(const json_t *claims, const char *name, int64_t *v)
{
	const json_t *j = json_object_get(claims, name);

	if (j == NULL)
		return -1;
	/* Beyond year 30000 is nonsense (and would not fit an int64_t). */
	if (!json_is_number(j) || json_number_value(j) < -1e12 ||
	    json_number_value(j) > 1e12)
		return 1;
	*v = (int64_t)json_number_value(j);
	return 0;
}

/* exp (required), nbf, iss, aud, scope; 0 or -1 with *why, *status. */
static int
roauth_claims_ok(const json_t *claims, const struct roauth_rules *rules,
    int64_t now, int64_t *exp, const char **status, const char **why)
{
	const json_t *iss = json_object_get(claims, "iss");
	int64_t nbf;
	int r;

	*status = "invalid_token";
	if (roauth_time_claim(claims, "exp", exp) != 0)
		*why = "no exp";
	else if (*exp + rules->leeway <= now)
		*why = "expired";
	else if ((r = roauth_time_claim(claims, "nbf", &nbf)) == 1 ||
	    (r == 0 && nbf - rules->leeway > now))
		*why = "not yet valid";
	else if (rules->issuer != NULL && (!json_is_string(iss) ||
	    strcmp(json_string_value(iss), rules->issuer) != 0))
		*why = "wrong issuer";
	else if (rules->audience != NULL &&
	    !roauth_aud_ok(json_object_get(claims, "aud"), rules->audience))
		*why = "wrong audience";
	else if (rules->scope != NULL && !roauth_has_scope(claims,
	    rules->scope)) {
		*status = "insufficient_scope";
		*why = "scope missing";
	} else
		return 0;
	return -1;
}

int
roauth_jwt_verify(const struct roauth_jwt *jwt, const char *token,
    const struct roauth_keyset *keys, const struct roauth_rules *rules,
    int64_t now, char **user_r, int64_t *exp_r, const char **status_r,
    const char **why)
{
	const json_t *user;

	*user_r = NULL;
	*status_r = "invalid_token";
	if (!roauth_signature_ok(jwt, token, keys, why))
		return 0;
	if (roauth_claims_ok(jwt->claims, rules, now, exp_r, status_r,
	    why) < 0)
		return 0;
	user = json_object_get(jwt->claims, rules->user_claim);
	if (!json_is_string(user) || json_string_length(user) == 0 ||
	    strlen(json_string_value(user)) != json_string_length(user)) {
		*why = "no user claim";
		return 0;
	}
	if ((*user_r = strdup(json_string_value(user))) == NULL) {
		*why = "out of memory";
		return 0;
	}
	return 1;
}
