/*
 * gumdrop/cidr.h — IPv4/IPv6 network prefixes (since ABI 1.2).
 *
 * The parser and matcher behind the listeners' `allow:`/`deny:` lists,
 * for modules that keep network lists of their own (SMTP relay and
 * XCLIENT networks, policy modules).
 *
 * All addresses are kept as 16 bytes: IPv4 as v4-mapped IPv6
 * (::ffff:a.b.c.d), so one comparison routine matches v4 peers, v6 peers
 * and v4-mapped v6 peers alike.  A v4 network "10.0.0.0/8" is stored as
 * ::ffff:10.0.0.0/104.  Pure functions; any thread.
 */
#ifndef GUMDROP_CIDR_H
#define GUMDROP_CIDR_H

#include <sys/socket.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A network: the caller owns it (plain data, copy freely). */
struct gd_cidr {
	uint8_t addr[16];	/* network address, host bits cleared */
	unsigned prefix;	/* 0..128, in the 16-byte space */
};

/*
 * Parse "10.0.0.0/8", "2001:db8::/32", or a plain address (= /32 or /128)
 * into *cidr_r.  Host bits set beyond the prefix are cleared (not an
 * error).  Returns 0, or -1 with *error_r pointing to a static message
 * ("bad address", "bad prefix length", ...).
 */
GD_API int gd_cidr_parse(const char *text, struct gd_cidr *cidr_r,
    const char **error_r);

/*
 * Store the 16-byte form of a socket address (AF_INET becomes v4-mapped,
 * AF_INET6 is copied).  Returns 0, or -1 for other families (AF_UNIX),
 * which callers usually treat as local.
 */
GD_API int gd_cidr_addr_from_sockaddr(const struct sockaddr *sa,
    uint8_t addr_r[16]);

/* True if the 16-byte address `addr` lies inside `cidr`. */
GD_API bool gd_cidr_match(const struct gd_cidr *cidr, const uint8_t addr[16]);

/*
 * True if `addr` matches any of the `count` entries of `list` (false for
 * an empty list).
 */
GD_API bool gd_cidr_match_list(const struct gd_cidr *list, size_t count,
    const uint8_t addr[16]);

/*
 * Format a 16-byte address: dotted quad for v4-mapped, RFC 5952 text
 * otherwise.  Writes into `buf` (at least 46 bytes) and returns it.
 */
GD_API const char *gd_cidr_addr_str(const uint8_t addr[16], char *buf,
    size_t size);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_CIDR_H */
