/*
 * plain-parse.h — the PLAIN message parser (RFC 4616 2), kept apart from
 * the module so that unit tests and the fuzz target compile it directly.
 *
 *   message = [authzid] UTF8NUL authcid UTF8NUL passwd
 *
 * Exactly two NULs; authcid and passwd non-empty; authzid may be empty;
 * every part valid UTF-8 (no NUL) of at most SASL_PLAIN_PART_MAX octets
 * (RFC 4616 asks for at least 255).
 */
#ifndef SASL_PLAIN_PARSE_H
#define SASL_PLAIN_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define SASL_PLAIN_PART_MAX	1024

struct sasl_plain_msg {
	/* Each points into the message; lengths exclude any NUL. */
	const char *authzid;
	size_t authzid_len;
	const char *authcid;
	size_t authcid_len;
	const char *passwd;
	size_t passwd_len;
};

/*
 * Parse `len` bytes at `in`.  0 with *msg filled, or -1 (malformed) with
 * *error_r a static reason for logs (never containing the input).
 * Nothing is copied: the parts point into `in`.
 */
int sasl_plain_parse(const void *in, size_t len, struct sasl_plain_msg *msg,
    const char **error_r);

/* True if `len` bytes at `s` are valid UTF-8 without NUL (RFC 3629). */
bool sasl_plain_utf8_valid(const void *s, size_t len);

#endif /* SASL_PLAIN_PARSE_H */
