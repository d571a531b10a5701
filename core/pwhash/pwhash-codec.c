/*
 * pwhash-codec.c — base64 and hex (nettle), randomness (GnuTLS) and the
 * constant-time comparison used by every scheme.
 */
#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/base16.h>
#include <nettle/base64.h>
#include <nettle/memops.h>

#include "pwhash.h"

/* Larger than any base64 field a scheme holds. */
#define PW_B64_SCRATCH	512

static bool
pw_is_b64(const char *in, size_t len)
{
	size_t i;

	if (len % 4 != 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '=') {
			/* Padding only at the end, at most two. */
			if (i + 2 < len || (i + 1 < len && in[i + 1] != '='))
				return false;
		} else if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') &&
		    !(c >= '0' && c <= '9') && c != '+' && c != '/')
			return false;
	}
	return true;
}

long
gd_pw_b64_decode(const char *in, size_t len, unsigned char *out,
    size_t max)
{
	struct base64_decode_ctx ctx;
	unsigned char tmp[PW_B64_SCRATCH];
	size_t done;

	/* nettle writes up to BASE64_DECODE_LENGTH(len) bytes, which counts
	 * the padding: decode into scratch space, then copy what fits. */
	if (!pw_is_b64(in, len) || BASE64_DECODE_LENGTH(len) > sizeof(tmp))
		return -1;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &done, tmp, len, in) ||
	    !base64_decode_final(&ctx) || done > max)
		return -1;
	memcpy(out, tmp, done);
	return (long)done;
}

char *
gd_pw_b64_encode(const unsigned char *in, size_t len, char *out)
{
	base64_encode_raw(out, len, in);
	out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
	return out;
}

int
gd_pw_hex_decode(const char *in, size_t len, unsigned char *out, size_t n)
{
	struct base16_decode_ctx ctx;
	size_t done = n, i;

	if (len != 2 * n)
		return -1;
	for (i = 0; i < len; i++)
		if (!((in[i] >= '0' && in[i] <= '9') ||
		    (in[i] >= 'a' && in[i] <= 'f') ||
		    (in[i] >= 'A' && in[i] <= 'F')))
			return -1;
	base16_decode_init(&ctx);
	if (!base16_decode_update(&ctx, &done, out, len, in) ||
	    !base16_decode_final(&ctx) || done != n)
		return -1;
	return 0;
}

char *
gd_pw_hex_encode(const unsigned char *in, size_t len, char *out)
{
	base16_encode_update(out, len, in);
	out[BASE16_ENCODE_LENGTH(len)] = '\0';
	return out;
}

int
gd_pw_random(void *buf, size_t len)
{
	return gnutls_rnd(GNUTLS_RND_RANDOM, buf, len) == 0 ? 0 : -1;
}

bool
gd_pw_equal(const void *a, const void *b, size_t len)
{
	return memeql_sec(a, b, len) != 0;
}
