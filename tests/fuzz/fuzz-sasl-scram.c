/*
 * fuzz-sasl-scram.c — libFuzzer target for SCRAM's message parsers
 * (modules/sasl-scram/scram-parse.c): the client-first and client-final
 * messages, the saslname escapes and strict base64.  The first byte
 * chooses the parser; the rest is the message, whole, as the framework
 * hands it over.  Checks: what a parser accepts lies inside the input
 * and has the shape it claims; a prefix of an accepted message never
 * reads past its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_scram_first(const char *m, size_t size)
{
	struct scram_first f;
	char out[SCRAM_MSG_MAX + 1];
	size_t n;

	if (scram_parse_first(m, size, &f) != SCRAM_OK)
		return;
	if (f.bare != m + f.gs2_len || f.gs2_len + f.bare_len != size ||
	    f.user < f.bare || f.cnonce + f.cnonce_len > m + size ||
	    f.user_len == 0 || f.cnonce_len == 0 ||
	    memchr(f.cnonce, ',', f.cnonce_len) != NULL ||
	    (f.cbflag != 'n' && f.cbflag != 'y' && f.cbflag != 'p'))
		abort();
	if (scram_unescape(f.user, f.user_len, out, &n) < 0 ||
	    n > f.user_len || strlen(out) != n)
		abort();
	if (f.authzid != NULL && scram_unescape(f.authzid, f.authzid_len,
	    out, &n) < 0)
		abort();
	(void)scram_parse_first(m, size / 2, &f);
}

static void
fuzz_scram_final(const char *m, size_t size)
{
	struct scram_final f;
	uint8_t out[SCRAM_MSG_MAX];
	size_t n;

	if (scram_parse_final(m, size, &f) != SCRAM_OK)
		return;
	if (f.proof + f.proof_len != m + size ||
	    f.without_proof_len + 3 + f.proof_len != size ||
	    memcmp(m + f.without_proof_len, ",p=", 3) != 0 ||
	    scram_b64_decode(f.cb, f.cb_len, out, sizeof(out), &n) < 0 ||
	    scram_b64_decode(f.proof, f.proof_len, out, sizeof(out), &n) < 0)
		abort();
	(void)scram_parse_final(m, size / 2, &f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[64];
	char *copy;
	size_t n;

	if (size < 1 || size > SCRAM_MSG_MAX + 2)
		return 0;
	/* An exact-size copy, so ASan sees any read past the end. */
	copy = malloc(size - 1 > 0 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		fuzz_scram_first(copy, size - 1);
		break;
	case 1:
		fuzz_scram_final(copy, size - 1);
		break;
	default:
		(void)scram_b64_decode(copy, size - 1, out, sizeof(out), &n);
		break;
	}
	free(copy);
	return 0;
}
