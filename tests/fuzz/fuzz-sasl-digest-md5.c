/*
 * fuzz-sasl-digest-md5.c — libFuzzer target for the DIGEST-MD5
 * digest-response parser and checks (modules/sasl-digest-md5/), with
 * whole messages as the framework hands them over.  Checks: every value
 * of an accepted message is NUL-terminated at its length and lies in the
 * response's buffer; every prefix parses without reading past its end;
 * a response that passes the checks can be hashed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "digest-md5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct digest_md5_server fuzz_srv = {
	"elwood.innosoft.com", "OA6MG9tEQGm2hh", "imap", "elwood.innosoft.com",
};

static void
fuzz_value(const struct digest_md5_response *r,
    const struct digest_md5_value *v)
{
	if (v->s == NULL)
		return;
	if (v->s < r->buf || v->s + v->len >= r->buf + sizeof(r->buf) ||
	    v->s[v->len] != '\0' || strlen(v->s) != v->len)
		abort();
}

static void
fuzz_one(const uint8_t *data, size_t size, struct digest_md5_response *r)
{
	const struct digest_md5_value *all[] = { &r->username, &r->realm,
	    &r->nonce, &r->cnonce, &r->nc, &r->qop, &r->digest_uri,
	    &r->response, &r->maxbuf, &r->charset, &r->cipher, &r->authzid };
	const char *error = NULL;
	char out[33];
	size_t i;

	if (digest_md5_parse(data, size, r, &error) < 0) {
		if (error == NULL)
			abort();
		return;
	}
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		fuzz_value(r, all[i]);
	if (digest_md5_check(r, &fuzz_srv, &error) == 0) {
		digest_md5_compute(r, "secret", 6, false, true, out);
		digest_md5_compute(r, "secret", 6, true, false, out);
		if (strlen(out) != 32)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct digest_md5_response r;
	uint8_t *copy;
	size_t cut;

	/* Exact-size copies, so ASan sees any read past the end. */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	fuzz_one(copy, size, &r);
	cut = size > 0 ? data[0] % (size + 1) : 0;
	fuzz_one(copy, cut, &r);
	free(copy);
	return 0;
}
