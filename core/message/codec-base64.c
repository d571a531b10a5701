/*
 * codec-base64.c — streaming, tolerant base64 decoding (RFC 2045 6.8).
 */
#include "config.h"

#include <string.h>

#include <gumdrop/msg-codec.h>

#define B64_SKIP	0xff	/* not in the alphabet: ignored */
#define B64_PAD		0xfe	/* '=': end of data */

static const unsigned char *b64_table(void);

static const unsigned char *
b64_table(void)
{
	/* The alphabet's values; XX: ignored, PD: padding. */
#define XX B64_SKIP
#define PD B64_PAD
	static const unsigned char t[256] = {
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63,
		52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, PD, XX, XX,
		XX, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
		15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,
		XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
		41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
		XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
	};
#undef XX
#undef PD

	return t;
}

void
gd_b64_decoder_init(struct gd_b64_decoder *dec)
{
	memset(dec, 0, sizeof(*dec));
}

size_t
gd_b64_decode(struct gd_b64_decoder *dec, const void *in, size_t len,
    void *out)
{
	const unsigned char *s = in, *t = b64_table();
	unsigned char *o = out;
	uint32_t acc = dec->acc;
	unsigned bits = dec->bits, v;
	size_t i, n = 0;

	if (dec->done)
		return 0;
	for (i = 0; i < len; i++) {
		v = t[s[i]];
		if (v == B64_SKIP)
			continue;
		if (v == B64_PAD) {
			dec->done = true;
			acc = 0;
			bits = 0;
			break;
		}
		acc = (acc << 6 | v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(acc >> bits);
		}
	}
	dec->acc = acc;
	dec->bits = bits;
	return n;
}
