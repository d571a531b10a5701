/*
 * gumdrop/dns.h — asynchronous DNS lookups (libunbound underneath).
 *
 * Each worker loop has its own validating resolver.  A lookup is started
 * on a loop's thread with gd_dns_resolve() (or gd_dns_reverse()), and its
 * callback later runs on that same loop's thread, exactly once, unless the
 * lookup is cancelled first with gd_dns_cancel().  The callback never runs
 * inline, from inside gd_dns_resolve(): even an immediate failure (bad
 * name, no resolver on this thread) is delivered on a later loop
 * iteration.  Lookups still pending when the worker loop shuts down
 * are dropped without a callback (their connections are gone by then).
 *
 * Every lookup has a deadline (the `timeout_ms` argument, or the
 * configured `dns: {timeout: 5s}` when 0).  When it passes, the query is
 * abandoned and the callback receives GD_DNS_TIMEOUT.
 *
 * Results: the struct gd_dns_result passed to the callback, and every
 * pointer reachable from it, are owned by the core and valid only until
 * the callback returns.  Copy what you need to keep.
 *
 * Names are given and returned in presentation format.  Returned names
 * (MX exchanges, PTR targets, canonical names) have no trailing dot
 * (except the root, which is "."), keep the case found in the answer,
 * and escape a label byte that is '.', '\\' or outside 0x21..0x7e as
 * "\." , "\\" or "\DDD" (three decimal digits), so a returned name can
 * never smuggle an extra label separator.
 *
 * DNSSEC: when `dns: {trust-anchor-file: F}` is configured (and
 * `dnssec: false` is not), answers are validated and `security` tells
 * whether the answer was proven SECURE, is INSECURE (unsigned zone or no
 * trust anchor) or BOGUS (validation failed; `why_bogus` says why and the
 * status is then GD_DNS_SERVFAIL).  DANE callers must use TLSA data only
 * when `security == GD_DNS_SECURE`.
 *
 * Pools: a query is not tied to a pool.  A caller whose context may die
 * while a query is pending (a connection, a transaction) registers a pool
 * cleanup that calls gd_dns_cancel(), and clears its handle pointer in
 * the callback.
 */
#ifndef GUMDROP_DNS_H
#define GUMDROP_DNS_H

#include <gumdrop/common.h>

#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_loop;
struct gd_dns_query;

/* RR type numbers (host order) that get parsed; any other type number
 * may be queried too, and its records are then available only raw. */
enum gd_dns_rrtype {
	GD_DNS_A = 1,
	GD_DNS_PTR = 12,
	GD_DNS_MX = 15,
	GD_DNS_TXT = 16,
	GD_DNS_AAAA = 28,
	GD_DNS_TLSA = 52,
};

enum gd_dns_status {
	GD_DNS_OK = 0,		/* NOERROR with at least one record */
	GD_DNS_NXDOMAIN,	/* the name does not exist */
	GD_DNS_NODATA,		/* the name exists, without such records */
	GD_DNS_SERVFAIL,	/* resolution failed (also: DNSSEC bogus) */
	GD_DNS_TIMEOUT,		/* no answer before the deadline */
	GD_DNS_ERROR,		/* anything else; see `error` */
};

enum gd_dns_security {
	GD_DNS_INSECURE = 0,	/* not validated, or provably unsigned */
	GD_DNS_SECURE,		/* DNSSEC validated */
	GD_DNS_BOGUS,		/* DNSSEC validation failed */
};

/* One record's rdata as received (network order, names uncompressed). */
struct gd_dns_rdata {
	const uint8_t *data;
	size_t len;
};

/* MX: records are sorted by preference (lowest first), ties keep answer
 * order. */
struct gd_dns_mx {
	uint16_t preference;
	const char *exchange;	/* presentation format, see above */
};

/*
 * TXT: one record.  `text` is the concatenation of all its
 * character-strings without separators (RFC 7208 section 3.3), NUL
 * terminated; `text_len` counts its bytes (the text may itself contain
 * NUL bytes, so use the length for anything but display).  `strings`
 * and `lengths` give the individual character-strings in order, each
 * also NUL terminated.
 */
struct gd_dns_txt {
	const char *text;
	size_t text_len;
	size_t nstrings;
	const char *const *strings;
	const size_t *lengths;
};

/* TLSA (RFC 6698): certificate usage, selector, matching type, data. */
struct gd_dns_tlsa {
	uint8_t usage;
	uint8_t selector;
	uint8_t mtype;
	const uint8_t *data;
	size_t len;
};

struct gd_dns_result {
	const char *name;	/* the name asked for */
	int rrtype;		/* the type asked for */
	enum gd_dns_status status;
	int rcode;		/* DNS RCODE of the answer; -1 if none */
	enum gd_dns_security security;
	const char *why_bogus;	/* non-NULL only when security is BOGUS */
	/*
	 * The canonical name after following CNAMEs (presentation
	 * format, trailing dot): the name whose records these are; may be
	 * NULL.
	 */
	const char *canonname;
	uint32_t ttl;		/* of the answer, seconds (0 if none) */
	const char *error;	/* non-NULL text for ERROR/SERVFAIL/TIMEOUT */

	/*
	 * Every record of the answer RRset, in answer order.  Present for
	 * every type, parsed or not.
	 */
	size_t nraw;
	const struct gd_dns_rdata *raw;

	/*
	 * The parsed records: `count` entries in the one array matching
	 * `rrtype` (the others are NULL).  When the status is not
	 * GD_DNS_OK, count is 0 and all arrays are NULL.  A record whose
	 * rdata is malformed makes the whole result GD_DNS_ERROR.
	 */
	size_t count;
	const struct in_addr *a;
	const struct in6_addr *aaaa;
	const struct gd_dns_mx *mx;
	const struct gd_dns_txt *txt;
	const char *const *ptr;
	const struct gd_dns_tlsa *tlsa;
};

/*
 * Called on the loop that started the query, exactly once unless the
 * query was cancelled.  `result` is valid only during the call.  After
 * the callback returns, the query handle is freed: forget it (set your
 * copy to NULL inside the callback).  The callback may start new
 * queries and cancel other ones.
 */
typedef void gd_dns_fn(const struct gd_dns_result *result, void *arg);

/*
 * Look up records of type `rrtype` (class IN) for `name`.  `timeout_ms`
 * is the deadline (0: the configured default).  Must be called on
 * `loop`'s thread, on a worker loop whose DNS resolver was set up (the
 * daemon does that for every worker).  Never returns NULL; the handle
 * is valid until the callback has returned or the query was cancelled.
 * `name` is copied.  A name that is a CNAME is followed, as a resolver
 * does, also when the CNAME comes from local data or a zone file: the
 * result holds the target's records (at most 8 CNAMEs per lookup; a
 * longer chain or a loop gives GD_DNS_ERROR).  Asking for type CNAME
 * (5) itself gets the CNAME record, raw.
 */
GD_API struct gd_dns_query *gd_dns_resolve(struct gd_loop *loop,
    const char *name, int rrtype, uint64_t timeout_ms, gd_dns_fn *cb,
    void *arg);

/*
 * PTR lookup for `addr` (AF_INET, or AF_INET6; an IPv4-mapped IPv6
 * address is looked up as IPv4), under in-addr.arpa or ip6.arpa.
 * Otherwise like gd_dns_resolve(); an unsupported address family is
 * delivered as GD_DNS_ERROR.
 */
GD_API struct gd_dns_query *gd_dns_reverse(struct gd_loop *loop,
    const struct sockaddr *addr, uint64_t timeout_ms, gd_dns_fn *cb,
    void *arg);

/*
 * Cancel a pending query: its callback will not run.  Sets *q to NULL;
 * *q == NULL is a no-op.  Calling it from inside the query's own
 * callback is harmless (a no-op apart from clearing the pointer).  Must
 * be called on the query's loop thread.  Never call it with a handle
 * whose callback has already returned.
 */
GD_API void gd_dns_cancel(struct gd_dns_query **q);

/* Text for a status ("ok", "nxdomain", ...), for logs.  Any thread. */
GD_API const char *gd_dns_status_str(enum gd_dns_status status);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_DNS_H */
