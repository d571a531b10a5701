/*
 * b64.c — strict base64 for SASL exchanges (RFC 4648 section 4, as RFC
 * 4422 and the protocols' AUTH commands require): the protocols decode
 * what clients send and encode challenges with these, through nettle.
 */
#include "config.h"

#include <string.h>

#include <nettle/base64.h>

#include <gumdrop/pool.h>
#include <gumdrop/sasl.h>

static bool
sasl_b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Whole quads of the alphabet, "=" only as one or two final pads. */
static bool
sasl_b64_strict(const char *in, size_t len)
{
	size_t i, pad = 0;

	if (len % 4 != 0)
		return false;
	if (len > 0 && in[len - 1] == '=')
		pad = len > 1 && in[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (!sasl_b64_char(in[i]))
			return false;
	return true;
}

void *
gd_sasl_decode64(struct gd_pool *pool, const char *in, size_t len,
    size_t *len_r)
{
	struct base64_decode_ctx ctx;
	uint8_t *out;
	size_t n;

	if (!sasl_b64_strict(in, len))
		return NULL;
	out = gd_pool_alloc(pool, BASE64_DECODE_LENGTH(len) + 1);
	n = BASE64_DECODE_LENGTH(len);
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &n, out, len, in) ||
	    !base64_decode_final(&ctx))
		return NULL;
	out[n] = '\0';
	*len_r = n;
	return out;
}

char *
gd_sasl_encode64(struct gd_pool *pool, const void *in, size_t len)
{
	char *out = gd_pool_alloc(pool, BASE64_ENCODE_RAW_LENGTH(len) + 1);

	base64_encode_raw(out, len, in);
	out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
	return out;
}
