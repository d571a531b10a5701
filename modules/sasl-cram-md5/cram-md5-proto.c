/*
 * cram-md5-proto.c — the CRAM-MD5 challenge, the response parser and the
 * keyed digest (HMAC-MD5 through nettle).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>

#include "cram-md5-proto.h"

long
cram_md5_challenge(uint64_t random, time_t now, const char *hostname,
    char *out, size_t size)
{
	const unsigned char *p;
	int n;

	if (*hostname == '\0')
		return -1;
	for (p = (const unsigned char *)hostname; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>@\\\"", *p) != NULL)
			return -1;
	n = snprintf(out, size, "<%016" PRIx64 ".%lld@%s>", random,
	    (long long)now, hostname);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

static int
cram_md5_hex(const char *s, unsigned char *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < CRAM_MD5_DIGEST_LEN; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		    (hi | 0x20) >= 'a' && (hi | 0x20) <= 'f' ?
		    (hi | 0x20) - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		    (lo | 0x20) >= 'a' && (lo | 0x20) <= 'f' ?
		    (lo | 0x20) - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
cram_md5_parse(const void *in, size_t len, struct cram_md5_response *r,
    const char **error_r)
{
	const char *s = in, *sp;
	size_t ulen;

	*error_r = "expected: user SP 32 hex digits";
	if (s == NULL || len < 2 * CRAM_MD5_DIGEST_LEN + 2)
		return -1;
	sp = s + len - 2 * CRAM_MD5_DIGEST_LEN - 1;
	if (*sp != ' ')
		return -1;
	ulen = (size_t)(sp - s);
	if (ulen > CRAM_MD5_USER_MAX) {
		*error_r = "user name too long";
		return -1;
	}
	if (memchr(s, '\0', ulen) != NULL || memchr(s, '\r', ulen) != NULL ||
	    memchr(s, '\n', ulen) != NULL) {
		*error_r = "control character in the user name";
		return -1;
	}
	if (cram_md5_hex(sp + 1, r->digest) < 0)
		return -1;
	r->user = s;
	r->user_len = ulen;
	return 0;
}

void
cram_md5_digest(const void *secret, size_t secret_len, const void *challenge,
    size_t challenge_len, unsigned char out[CRAM_MD5_DIGEST_LEN])
{
	struct hmac_md5_ctx c;

	hmac_md5_set_key(&c, secret_len, secret);
	hmac_md5_update(&c, challenge_len, challenge);
	hmac_md5_digest(&c, MD5_DIGEST_SIZE, out);
}
