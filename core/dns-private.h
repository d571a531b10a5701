/*
 * dns-private.h — DNS set-up for the daemon, and the rdata parser
 * (dns-rdata.c) exposed for unit tests.
 *
 * Life cycle:
 *   gd_dns_configure()     main thread: read and check `dns:`
 *   gd_dns_thread_init()   each worker: its own ub_ctx, fd on the loop
 *   gd_dns_thread_fini()   each worker: drop pending queries, free ctx
 *   gd_dns_shutdown()      main thread: free the settings
 */
#ifndef GD_DNS_PRIVATE_H
#define GD_DNS_PRIVATE_H

#include <gumdrop/dns.h>
#include <gumdrop/config.h>

struct gd_pool;
struct gd_loop;

#define GD_DNS_DEFAULT_TIMEOUT_MS	5000

/*
 * Parse and check the `dns:` section of `root` (absent: defaults, i.e.
 * /etc/resolv.conf forwarders, no DNSSEC anchor, 5s timeout) and keep
 * the settings for the workers.  Everything is tried on a scratch
 * resolver so that bad forwarders, unreadable trust anchors and bad
 * local-data are reported here with FILE:LINE.  Replaces settings from
 * a previous call (workers started before keep their resolver).  Main
 * thread, before gd_dns_thread_init() runs anywhere.  0 or -1 (*error_r
 * lives in the config tree's pool or is static).
 */
int gd_dns_configure(const struct gd_config_node *root, const char **error_r);

/*
 * Create the calling worker's resolver (ub_ctx in threaded async mode
 * with the configured settings) and watch its fd on `loop`.  Runs on
 * `loop`'s thread.  If gd_dns_configure() was never called, defaults
 * are used.  0, or -1 with *error_r (static text).
 */
int gd_dns_thread_init(struct gd_loop *loop, const char **error_r);

/*
 * Stop watching, drop pending queries of this loop without calling
 * their callbacks, and delete the resolver.  `loop`'s thread; no-op if
 * init did not run.
 */
void gd_dns_thread_fini(struct gd_loop *loop);

/* Free the settings.  Main thread, after every worker ran fini. */
void gd_dns_shutdown(void);

/* ---- dns-cache.c: a worker's recent answers (see the file) ----------- */

struct dns_cache;
struct ub_result;

struct dns_cache *dns_cache_create(void);
/* Free the cache and every answer it keeps; sets *cp to NULL. */
void dns_cache_free(struct dns_cache **cp);
/* The kept answer to (name, rrtype), if still fresh at `now` (ev_now
 * seconds), else NULL.  Owned by the cache: valid until the next put. */
struct ub_result *dns_cache_get(struct dns_cache *c, const char *name,
    int rrtype, double now);
/* Keep `ub` as the answer to (name, rrtype) when it can be kept (see the
 * file): true, and the cache owns it; false, and the caller frees it. */
bool dns_cache_put(struct dns_cache *c, const char *name, int rrtype,
    struct ub_result *ub, double now);
uint64_t dns_cache_hits(const struct dns_cache *c);

/* The calling worker's cache hits so far (tests). */
uint64_t gd_dns_cache_hits(void);

/* ---- dns-rdata.c ---------------------------------------------------- */

/*
 * Whether `a` and `b` name the same node: ASCII case-insensitive, a
 * final dot ignored (the root "." stays itself).  Any thread.
 */
GD_API bool gd_dns_name_eq(const char *a, const char *b);

/*
 * Convert the uncompressed wire-format name at the start of `wire`
 * (`len` bytes available) into presentation format in `buf` (see
 * gumdrop/dns.h for the escaping; no trailing dot).  *used_r gets the
 * number of wire bytes the name took.  Compression pointers are
 * rejected.  0, or -1 if the name is malformed, truncated, or does not
 * fit in `size` bytes.
 */
int gd_dns_name_format(const uint8_t *wire, size_t len, size_t *used_r,
    char *buf, size_t size);

/*
 * Fill res->nraw/raw and the parsed arrays for `rrtype` from the
 * NULL-terminated `data` array with lengths `lens` (the shape libunbound
 * returns).  Everything is allocated in `pool`.  0, or -1 with *error_r
 * (static text) when a record is malformed.
 */
int gd_dns_parse_records(struct gd_pool *pool, int rrtype,
    char *const *data, const int *lens, struct gd_dns_result *res,
    const char **error_r);

/*
 * Write the reverse lookup name for `addr` ("4.3.2.1.in-addr.arpa" or
 * the 32-nibble ip6.arpa form) into `buf`.  0, or -1 for an unsupported
 * family or a too small buffer (GD_DNS_REVERSE_MAX is always enough).
 */
#define GD_DNS_REVERSE_MAX	80
int gd_dns_reverse_name(const struct sockaddr *addr, char *buf, size_t size);

#endif /* GD_DNS_PRIVATE_H */
