/*
 * oauth-parse.h — the client messages of OAUTHBEARER (RFC 7628 3.1) and
 * XOAUTH2 (Google's format), and their JSON error challenges (RFC 7628
 * 3.2.2), kept apart from the module so that unit tests and the fuzz
 * target compile them directly.
 *
 *   OAUTHBEARER:  gs2-header kvsep *kvpair kvsep
 *                 gs2-header = ("n" / "y") "," ["a=" saslname] ","
 *                 kvpair     = key "=" value kvsep      kvsep = %x01
 *                 key        = 1*(ALPHA)
 *                 value      = *(VCHAR / SP / HTAB / CR / LF)
 *   XOAUTH2:      "user=" USER %x01 "auth=Bearer " TOKEN %x01 %x01
 *
 * auth = "Bearer" 1*SP b64token (RFC 6750 2.1; the scheme in any case),
 * b64token = 1*(ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/") *"=".
 * Each key at most once.  Nothing is copied: results point into the input.
 */
#ifndef SASL_OAUTH_PARSE_H
#define SASL_OAUTH_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest message taken (a JWT with many claims fits easily). */
#define OAUTH_MSG_MAX		32768

struct oauth_msg {
	const char *authzid;		/* OAUTHBEARER a= (escaped), XOAUTH2
					 * user=; NULL when absent */
	size_t authzid_len;
	const char *token;		/* the bearer token */
	size_t token_len;
	const char *host;		/* OAUTHBEARER host=, or NULL */
	size_t host_len;
	const char *port;		/* OAUTHBEARER port=, or NULL */
	size_t port_len;
};

/* 0, or -1 (malformed) with *error_r a static reason (never the input). */
int oauth_parse_bearer(const void *in, size_t len, struct oauth_msg *m,
    const char **error_r);
int oauth_parse_xoauth2(const void *in, size_t len, struct oauth_msg *m,
    const char **error_r);

/*
 * Undo a saslname's escapes (=2C, =3D) into `out` (at least len + 1
 * bytes, NUL-terminated); -1 for a bad escape or text that is not UTF-8
 * without NUL.
 */
int oauth_unescape(const char *s, size_t len, char *out);

/*
 * The JSON error challenge, compact, malloc'd (the caller frees), or NULL
 * when out of memory.  RFC 7628 3.2.2 for OAUTHBEARER: "status" (default
 * "invalid_token"), then "scope" and "openid-configuration" when given.
 * XOAUTH2 (Google): "status" as an HTTP code ("401" for invalid_token,
 * "403" for insufficient_scope, "400" for invalid_request), "schemes":
 * "bearer", and "scope" when given.
 */
char *oauth_error_json(bool xoauth2, const char *status, const char *scope,
    const char *openid_configuration);

#endif /* SASL_OAUTH_PARSE_H */
