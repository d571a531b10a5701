/*
 * fuzz-realm-oauth.c — libFuzzer target for realm-oauth's parsers
 * (modules/realm-oauth): JWS compact tokens (base64url, header and
 * claims JSON), JWKS documents, and RFC 7662 introspection answers.
 * The first byte chooses; the rest is the input, whole.  Checks: a
 * parsed token has a known algorithm and a signature; verifying it
 * against the keys a fuzzed JWKS produced never crashes; a JWT that
 * verifies with no keys is impossible.
 */
#include <stdlib.h>
#include <string.h>

#include "realm-oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct roauth_rules fuzz_rules = {
	.issuer = "https://issuer.test", .audience = "mail",
	.user_claim = "sub", .scope = "mail", .leeway = 60,
};

static void
fuzz_jwt(const char *in, size_t len)
{
	struct roauth_jwt jwt;
	const char *why = NULL, *status;
	char *user = NULL;
	int64_t exp;

	if (roauth_jwt_parse(in, len, &jwt, &why) < 0) {
		if (why == NULL)
			abort();
		return;
	}
	if (jwt.alg == ROAUTH_ALG_NONE || jwt.sig_len == 0 ||
	    jwt.signed_len >= len || in[jwt.signed_len] != '.')
		abort();
	/* No keys: nothing may verify. */
	if (roauth_jwt_verify(&jwt, in, NULL, &fuzz_rules, 1700000000, &user,
	    &exp, &status, &why) != 0)
		abort();
	free(user);
	roauth_jwt_clear(&jwt);
}

static void
fuzz_jwks(const char *in, size_t len)
{
	struct roauth_keyset *set = calloc(1, sizeof(*set));
	char *err = NULL;
	size_t i;

	if (roauth_keyset_add_jwks(set, in, len, &err) < 0 && err == NULL)
		abort();
	for (i = 0; i < set->count; i++)
		if (set->keys[i].alg == ROAUTH_ALG_NONE ||
		    (set->keys[i].pub == NULL) ==
		    (set->keys[i].alg != ROAUTH_ALG_HS256))
			abort();
	free(err);
	roauth_keyset_free(set);
}

static void
fuzz_introspect(const char *in, size_t len)
{
	const char *status = NULL, *why = NULL;
	char *user = NULL;
	int64_t exp = 0;
	int ret;

	ret = roauth_introspect_judge(in, len, &fuzz_rules, 1700000000, &user,
	    &exp, &status, &why);
	if ((ret == 1) != (user != NULL) || (why == NULL && ret != 1))
		abort();
	free(user);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	if (size < 1 || size > 65536)
		return 0;
	/* An exact-size copy, so ASan sees any read past the end. */
	copy = malloc(size - 1 > 0 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		fuzz_jwt(copy, size - 1);
		break;
	case 1:
		fuzz_jwks(copy, size - 1);
		break;
	default:
		fuzz_introspect(copy, size - 1);
		break;
	}
	free(copy);
	return 0;
}
