/*
 * gssapi-layer.h — the parts of GSSAPI (RFC 4752) that need no Kerberos:
 * the security-layer messages and the mapping of principals to users.
 * Pure functions on memory, any thread; the unit tests and the fuzz
 * target compile this file alone.
 *
 * After the context is established the server offers its security layers
 * in a 4-octet message (wrapped): a bit-mask and a maximum buffer size.
 * We offer only "no security layer" with a maximum of 0.  The client's
 * (unwrapped) answer is
 *
 *   reply = layer(1 octet) max-size(3 octets, network order) [authzid]
 *
 * with authzid UTF-8 (RFC 4752 3.1).
 */
#ifndef GSSAPI_LAYER_H
#define GSSAPI_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Security-layer bits (RFC 4752 3.3). */
#define GSSAPI_LAYER_NONE		0x01
#define GSSAPI_LAYER_INTEGRITY		0x02
#define GSSAPI_LAYER_CONFIDENTIALITY	0x04

#define GSSAPI_LAYER_MSG_LEN	4	/* the offer, and a reply's head */
#define GSSAPI_AUTHZID_MAX	1024	/* octets */
#define GSSAPI_USER_MAX		1024	/* a mapped user name, with NUL */

/* The client's choice.  `authzid` points into the parsed buffer (not
 * NUL-terminated); authzid_len 0 when absent. */
struct gssapi_layer_reply {
	unsigned layer;
	uint32_t max_size;
	const char *authzid;
	size_t authzid_len;
};

/* The server's offer: "no security layer", maximum buffer 0. */
void gssapi_layer_offer(unsigned char out[GSSAPI_LAYER_MSG_LEN]);

/*
 * Parse the client's unwrapped reply.  0, or -1 with *error_r (a static
 * string, for the log) when it is shorter than 4 octets, selects any
 * layer but "none" (the only one offered), or carries an authzid that is
 * not UTF-8, holds a NUL or is longer than GSSAPI_AUTHZID_MAX.  The
 * maximum size is returned but not checked: with no layer it means
 * nothing (RFC 4752 says it MUST then be 0; clients are not all strict).
 */
int gssapi_layer_parse(const void *buf, size_t len,
    struct gssapi_layer_reply *r, const char **error_r);

/* principal -> user, from the module's configuration. */
struct gssapi_map_entry {
	const char *principal;		/* "alice@EXAMPLE.TEST" */
	const char *user;		/* "alice" */
};

struct gssapi_names {
	/* Principals NAME@realm (one component, no '/') become NAME. */
	const char *realm;		/* NULL: none stripped */
	const struct gssapi_map_entry *map;	/* checked first */
	size_t nmap;
	/* Principals no rule maps: the whole principal is the user name
	 * when true; refused when false. */
	bool allow_other_realms;
};

/*
 * The user that `principal` (as gss_display_name shows it:
 * "name[/instance]@REALM", with '\' escaping '@', '/' and '\' inside
 * components) maps to, written to `user` (NUL-terminated).  Rules, in
 * order: an exact entry of the map; NAME@realm for the configured realm
 * when NAME is one plain component; the whole principal when other
 * realms are allowed.  0, or -1 with *error_r (static) when no rule
 * applies or the result does not fit.  Comparisons are exact: Kerberos
 * names and realms are case-sensitive.
 */
int gssapi_map_principal(const struct gssapi_names *n, const char *principal,
    char *user, size_t size, const char **error_r);

#endif /* GSSAPI_LAYER_H */
