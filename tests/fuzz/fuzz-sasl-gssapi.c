/*
 * fuzz-sasl-gssapi.c — libFuzzer target for what the GSSAPI mechanism
 * parses itself (modules/sasl-gssapi/gssapi-layer.c): the client's
 * unwrapped security-layer reply, and the principal name the mapping
 * reads.  (The Kerberos tokens are MIT's to parse.)  Checks: an accepted
 * reply chose "no layer", its authzid lies within the input, is short
 * enough and holds no NUL; every prefix parses without reading past its
 * end; a mapped user is non-empty, NUL-terminated within the buffer, and
 * is either the principal, its name part, or a map entry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gssapi-layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct gssapi_map_entry fuzz_map[] = {
	{ "alice/admin@EXAMPLE.TEST", "admin" },
};

static void
fuzz_layer(const uint8_t *data, size_t size)
{
	struct gssapi_layer_reply r;
	const char *error = NULL;
	size_t cut;

	for (cut = 0; cut <= size; cut += cut < 8 ? 1 : size - cut + 1) {
		if (gssapi_layer_parse(data, cut, &r, &error) < 0) {
			if (error == NULL)
				abort();
			continue;
		}
		if (r.layer != GSSAPI_LAYER_NONE || cut < 4 ||
		    r.authzid != (const char *)data + 4 ||
		    r.authzid_len != cut - 4 ||
		    r.authzid_len > GSSAPI_AUTHZID_MAX ||
		    memchr(r.authzid, '\0', r.authzid_len) != NULL)
			abort();
	}
}

static void
fuzz_map_principal(const char *principal, bool others)
{
	struct gssapi_names n = { .realm = "EXAMPLE.TEST", .map = fuzz_map,
	    .nmap = 1, .allow_other_realms = others };
	char user[64];
	const char *error = NULL;
	size_t len;

	memset(user, 'x', sizeof(user));
	if (gssapi_map_principal(&n, principal, user, sizeof(user),
	    &error) < 0) {
		if (error == NULL)
			abort();
		return;
	}
	len = strnlen(user, sizeof(user));
	if (len == 0 || len == sizeof(user) ||
	    (strcmp(user, "admin") != 0 &&
	    strncmp(principal, user, len) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	char *principal;

	/* Exact-size copies, so ASan sees any read past the end. */
	copy = malloc(size > 0 ? size : 1);
	memcpy(copy, data, size);
	fuzz_layer(copy, size);
	free(copy);
	principal = malloc(size + 1);
	memcpy(principal, data, size);
	principal[size] = '\0';
	fuzz_map_principal(principal, false);
	fuzz_map_principal(principal, true);
	free(principal);
	return 0;
}
