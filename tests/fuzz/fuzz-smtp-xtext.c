/*
 * fuzz-smtp-xtext.c — libFuzzer target for xtext (RFC 3461 4).  Checks:
 * encode then decode gives any byte string back; a string the strict
 * decoder accepts re-encodes to a string that decodes to the same bytes
 * and is never longer; decoding one byte at a time (each prefix that
 * ends outside a "+XX") agrees with decoding the whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX	4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char enc[3 * FZ_MAX + 1], dec[FZ_MAX + 1], dec2[FZ_MAX + 1];
	size_t n, n2, i, acc;
	long len;

	if (size > FZ_MAX)
		return 0;
	/* Any bytes but NUL survive encode + decode. */
	if (memchr(data, '\0', size) == NULL) {
		len = smtp_xtext_encode((const char *)data, size, enc,
		    sizeof(enc));
		if (len < 0 || smtp_xtext_decode(enc, (size_t)len, dec, FZ_MAX,
		    &n) != 0 || n != size || memcmp(dec, data, n) != 0)
			abort();
	}
	if (smtp_xtext_decode((const char *)data, size, dec, FZ_MAX, &n) != 0)
		return 0;
	len = smtp_xtext_encode(dec, n, enc, sizeof(enc));
	if (len < 0 || (size_t)len > size || smtp_xtext_decode(enc,
	    (size_t)len, dec2, FZ_MAX, &n2) != 0 || n2 != n ||
	    memcmp(dec, dec2, n) != 0)
		abort();
	/* Byte-wise: decode each piece alone and append. */
	acc = 0;
	for (i = 0; i < size; i += data[i] == '+' ? 3 : 1) {
		if (smtp_xtext_decode((const char *)data + i, data[i] == '+' ?
		    3 : 1, dec2 + acc, FZ_MAX - acc, &n2) != 0)
			abort();
		acc += n2;
	}
	if (acc != n || memcmp(dec, dec2, n) != 0)
		abort();
	return 0;
}
