/*
 * cram-md5-proto.h — CRAM-MD5 (RFC 2195) messages, kept apart from the
 * module so that unit tests and the fuzz target compile them directly.
 *
 *   challenge = "<" random "." timestamp "@" hostname ">"
 *   response  = user SP 32 lower-case hex digits of
 *               HMAC-MD5(secret, challenge)
 *
 * Pure functions: no realm, no pool, no logging.
 */
#ifndef CRAM_MD5_PROTO_H
#define CRAM_MD5_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CRAM_MD5_DIGEST_LEN	16
#define CRAM_MD5_USER_MAX	1024
#define CRAM_MD5_CHALLENGE_MAX	512

struct cram_md5_response {
	const char *user;		/* points into the response */
	size_t user_len;
	unsigned char digest[CRAM_MD5_DIGEST_LEN];
};

/*
 * Write the challenge for `random` and `now` into out[size] (NUL-
 * terminated).  Returns its length, or -1 when `hostname` is empty,
 * holds characters a msg-id may not (space, '<', '>', '@', controls) or
 * does not fit.
 */
long cram_md5_challenge(uint64_t random, time_t now, const char *hostname,
    char *out, size_t size);

/*
 * Parse a response: the user is everything before the last space (non-
 * empty, at most CRAM_MD5_USER_MAX bytes, no NUL, CR or LF), the digest
 * 32 hex digits (either case).  0, or -1 with *error_r (static text,
 * never the input).
 */
int cram_md5_parse(const void *in, size_t len, struct cram_md5_response *r,
    const char **error_r);

/* HMAC-MD5(secret, challenge). */
void cram_md5_digest(const void *secret, size_t secret_len,
    const void *challenge, size_t challenge_len,
    unsigned char out[CRAM_MD5_DIGEST_LEN]);

#endif /* CRAM_MD5_PROTO_H */
