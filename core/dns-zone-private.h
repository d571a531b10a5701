/*
 * dns-zone-private.h — RFC 1035 section 5 master files ("zone files")
 * turned into libunbound local data (dns-zone.c).
 *
 * A zone is a set of records, each one normalised presentation line
 * that ub_ctx_data_add() takes ("a.example. 300 IN A 192.0.2.1": owner
 * absolute, TTL, class IN, type, rdata with every name absolute), and a
 * set of local zones: the apex of every $ORIGIN (and the origin given by
 * the caller) and the owner of every SOA record, each to be added as a
 * "static" local zone so that names under it without data are answered
 * NXDOMAIN (or NODATA) locally.  The root is never made a local zone.
 *
 * Syntax accepted: $ORIGIN, $TTL (with BIND's s/m/h/d/w units),
 * $INCLUDE FILE [ORIGIN] (relative to the including file's directory,
 * at most GD_DNS_ZONE_MAX_INCLUDE deep; the parent's origin is restored
 * after it), "@", relative and absolute names with \X and \DDD escapes,
 * a blank owner (the line starts with a blank) meaning the previous
 * owner, TTL and class in either order (class IN only), parentheses
 * spanning lines, ";" comments, quoted character-strings with \X and
 * \DDD, several strings per TXT, the types A AAAA MX TXT SPF PTR CNAME
 * NS SOA SRV TLSA, and RFC 3597's TYPEnnn and "\# LEN HEX" forms for any
 * type.  A record without a TTL takes $TTL, else the last TTL written,
 * else 3600.
 *
 * Errors are one line "FILE:LINE: what is wrong", allocated in the
 * zone's pool.  A zone that failed to load is still valid to free;
 * the records read before the error stay in it.
 */
#ifndef GD_DNS_ZONE_PRIVATE_H
#define GD_DNS_ZONE_PRIVATE_H

#include <stddef.h>

struct gd_pool;

/* Deepest $INCLUDE chain (the top file is level 0). */
#define GD_DNS_ZONE_MAX_INCLUDE	8
/* Largest zone file read. */
#define GD_DNS_ZONE_MAX_FILE	(16 * 1024 * 1024)
/* Most fields in one entry (owner, TTL, class, type and rdata). */
#define GD_DNS_ZONE_MAX_FIELDS	1024
/* TTL given to a record when nothing says otherwise. */
#define GD_DNS_ZONE_DEFAULT_TTL	3600

struct gd_dns_zone_record {
	const char *file;	/* where it was written */
	unsigned line;
	const char *text;	/* the line for ub_ctx_data_add() */
};

struct gd_dns_zone {
	struct gd_pool *pool;	/* every string below */
	size_t nrecords;
	struct gd_dns_zone_record *records;
	size_t nzones;
	const char **zones;	/* apexes, absolute ("example.com.") */
	size_t records_alloc, zones_alloc;
};

/* An empty zone.  Never NULL. */
struct gd_dns_zone *gd_dns_zone_create(void);

/* Free the zone and its pool; sets *zone to NULL; NULL is a no-op. */
void gd_dns_zone_destroy(struct gd_dns_zone **zone);

/*
 * Read the master file `path` into `zone` (added to what is there).
 * `origin` (absolute or NULL) is the initial $ORIGIN; without one,
 * relative names are errors until the file sets $ORIGIN.  0, or -1
 * with *error_r "FILE:LINE: ..." (in the zone's pool).
 */
int gd_dns_zone_load(struct gd_dns_zone *zone, const char *path,
    const char *origin, const char **error_r);

/*
 * The same for `len` bytes of `text` named `name` in errors; $INCLUDE
 * paths are relative to the directory part of `name`.  `text` need not
 * be NUL terminated and may contain any byte.
 */
int gd_dns_zone_parse(struct gd_dns_zone *zone, const char *name,
    const char *text, size_t len, const char *origin,
    const char **error_r);

#endif /* GD_DNS_ZONE_PRIVATE_H */
