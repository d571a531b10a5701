/*
 * digest-md5.h — DIGEST-MD5 (RFC 2831) messages, authentication only
 * (qop=auth), kept apart from the module so that unit tests and the fuzz
 * target compile them directly.  Pure functions: no realm, no pool, no
 * logging.
 */
#ifndef DIGEST_MD5_H
#define DIGEST_MD5_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 2831 2.1.2: a digest-response is shorter than 4096 bytes. */
#define DIGEST_MD5_MAX_RESPONSE	4096
#define DIGEST_MD5_HASH_LEN	16
#define DIGEST_MD5_NONCE_LEN	16	/* random bytes, base64 in the text */

/* One directive's value, unquoted and NUL-terminated (NULL: absent). */
struct digest_md5_value {
	const char *s;
	size_t len;
};

/* A parsed digest-response; values live in `buf`. */
struct digest_md5_response {
	struct digest_md5_value username, realm, nonce, cnonce, nc, qop,
	    digest_uri, response, maxbuf, charset, cipher, authzid;
	char buf[2 * DIGEST_MD5_MAX_RESPONSE];
};

/*
 * Parse a digest-response (RFC 2831 2.1.2): a comma-separated list of
 * name=value (token or quoted-string, with \ escapes), empty elements and
 * linear white space allowed, names compared without case, unknown names
 * ignored.  Refused: a known directive given twice, a missing username,
 * nonce, cnonce, nc, digest-uri or response, control characters, a
 * message of DIGEST_MD5_MAX_RESPONSE bytes or more.  0, or -1 with
 * *error_r (static text, never the input).
 */
int digest_md5_parse(const void *in, size_t len, struct digest_md5_response *r,
    const char **error_r);

/* What the server offered and is. */
struct digest_md5_server {
	const char *realm;		/* offered in the challenge */
	const char *nonce;		/* ditto */
	const char *service;		/* "imap" */
	const char *hostname;		/* "mail.example.org" */
};

/*
 * Check a parsed response against the server: our nonce, nc=00000001,
 * qop absent or "auth", charset absent or "utf-8", realm absent (empty)
 * or ours, digest-uri "SERVICE/HOST[/NAME]" naming us, a response of 32
 * hex digits.  0, or -1 with *error_r (static).
 */
int digest_md5_check(const struct digest_md5_response *r,
    const struct digest_md5_server *srv, const char **error_r);

/*
 * Write the server's challenge into out[size]:
 *   realm="REALM",nonce="NONCE",qop="auth",charset=utf-8,algorithm=md5-sess
 * Returns its length, or -1 when it does not fit.
 */
long digest_md5_challenge(const struct digest_md5_server *srv, char *out,
    size_t size);

/*
 * The response value (32 lower-case hex digits and a NUL) for `password`:
 * with `rspauth` false, what the client must have sent; true, the rspauth
 * the server returns.  RFC 2831 2.1.2.1: with charset=utf-8, text whose
 * characters all fit ISO 8859-1 is hashed in ISO 8859-1.  Clients agree
 * on doing so for the password but not for the user name and realm
 * (Cyrus SASL converts them, GNU SASL does not): `names_latin1` chooses;
 * a server tries both.
 */
void digest_md5_compute(const struct digest_md5_response *r,
    const void *password, size_t password_len, bool rspauth,
    bool names_latin1, char out[33]);

#endif /* DIGEST_MD5_H */
