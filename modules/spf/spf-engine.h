/*
 * spf-engine.h — the pure SPF engine of modules/spf (RFC 7208): record
 * parser (spf-record.c), macro expansion (spf-macro.c), the evaluator
 * (spf-eval.c) and the Received-SPF text (spf-field.c).  No libev, no
 * smtp: DNS goes through struct gd_spf_dns_ops (gumdrop/spf.h).  Also
 * compiled into the unit tests, the suite runner and the fuzz targets
 * (tests/unit/spf-pure.c).
 */
#ifndef SPF_ENGINE_H
#define SPF_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gumdrop/spf.h>

/* ---- limits (RFC 7208 section 4.6.4, and our own bounds) ------------- */

/* DNS-querying terms: include a mx ptr exists redirect */
#define SPF_MAX_DNS_TERMS	10
#define SPF_MAX_VOID		2	/* NXDOMAIN / NODATA answers */
#define SPF_MAX_MX_NAMES	10
#define SPF_MAX_PTR_NAMES	10
#define SPF_RECORD_MAX		4096	/* longest record we parse */
#define SPF_DOMAIN_MAX		253	/* 4.8: expanded names */
#define SPF_EXPAND_MAX		1024	/* expanded text */
#define SPF_DEFAULT_TIMEOUT_MS	20000
#define SPF_CACHE_MAX		512	/* answers one check may hold */

/* ---- addresses -------------------------------------------------------- */

struct spf_ip {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t b[16];		/* 4 or 16 octets */
};

/* Parse "192.0.2.1" or an IPv6 address (IPv4-mapped becomes IPv4).
 * 0, or -1 when it is neither. */
int spf_ip_parse(const char *s, struct spf_ip *ip_r);
/* True when the first `bits` bits of a and b (same family) agree. */
bool spf_ip_match(const struct spf_ip *a, const uint8_t *b, int bits);

/* ---- records ---------------------------------------------------------- */

enum spf_mech {
	SPF_MECH_ALL = 0,
	SPF_MECH_INCLUDE,
	SPF_MECH_A,
	SPF_MECH_MX,
	SPF_MECH_PTR,
	SPF_MECH_IP4,
	SPF_MECH_IP6,
	SPF_MECH_EXISTS,
};

/* One directive.  `domain` is the domain-spec as written (a macro
 * string) or NULL; cidr lengths are 32 / 128 when not given. */
struct spf_term {
	enum spf_mech mech;
	char qualifier;			/* '+' '-' '~' '?' */
	const char *text;		/* the directive as written */
	const char *domain;
	int cidr4;
	int cidr6;
	uint8_t addr[16];		/* ip4 / ip6 */
};

/* A parsed record; strings point into `buf`. */
struct spf_record {
	size_t nterms;
	struct spf_term *terms;
	const char *redirect;		/* domain-spec, or NULL */
	const char *exp;		/* domain-spec, or NULL */
	bool has_all;
	char *buf;
};

/*
 * True when a TXT record's text is an SPF version 1 record: "v=spf1"
 * (any case) alone or followed by a space (section 4.5).
 */
bool spf_record_is_spf1(const char *text, size_t len);

/*
 * Parse a record (section 4.6, 5, 6, 12 ABNF).  Returns the record, or
 * NULL for any syntax error (the caller's permerror) with *error_r set
 * to a static reason.  Records over SPF_RECORD_MAX, non-ASCII octets,
 * control characters, unknown mechanisms, bad macros, a second
 * redirect= or exp= are all errors; unknown modifiers are ignored.
 */
struct spf_record *spf_record_parse(const char *text, size_t len,
    const char **error_r);
void spf_record_free(struct spf_record *rec);

/*
 * Syntax of a domain-spec (macro-string domain-end) and of a
 * macro-string; `exp` allows the letters c r t (explanations only).
 */
bool spf_domain_spec_valid(const char *s, size_t len);
bool spf_macro_string_valid(const char *s, size_t len, bool exp);

/* ---- macros (section 7) ---------------------------------------------- */

struct spf_macro_ctx {
	const char *sender;		/* s: local@domain */
	const char *local;		/* l */
	const char *sender_domain;	/* o */
	const char *domain;		/* d: the current domain */
	const struct spf_ip *ip;	/* i, c, v */
	const char *ptr;		/* p: the validated name or NULL */
	const char *helo;		/* h */
	const char *receiver;		/* r (NULL: "unknown") */
	int64_t now;			/* t */
};

/* True when the macro string uses %{p} (so the caller must look up the
 * validated name first). */
bool spf_macro_uses_p(const char *s);

/*
 * Expand a macro string into `out` (NUL-terminated).  `exp` allows c r
 * t.  `as_domain`: the section 4.8 rule, left-hand labels dropped until
 * the result has at most 253 octets; otherwise the text is cut at
 * SPF_EXPAND_MAX - 1 octets.  `out` holds at least SPF_EXPAND_MAX
 * octets.  Returns the length, or -1 for a macro syntax error.
 */
int spf_macro_expand(const char *s, const struct spf_macro_ctx *mc,
    bool exp, bool as_domain, char *out);

/* The name `i` expands to: dotted decimal, or 32 dotted nibbles. */
void spf_ip_dotted(const struct spf_ip *ip, char *out, size_t size);
/* The PTR query name (in-addr.arpa / ip6.arpa) of an address. */
void spf_ip_arpa(const struct spf_ip *ip, char *out, size_t size);

/* True when `name` is a usable domain name (section 4.3): labels of 1
 * to 63 octets, at most 253 octets, at least two labels, a trailing dot
 * allowed. */
bool spf_domain_valid(const char *name);

/* ---- the evaluator (spf-eval.c) -------------------------------------- */

struct gd_spf_check *spf_check_start(const struct gd_spf_dns_ops *ops,
    void *ops_ctx, const struct gd_spf_request *req, gd_spf_done_fn *done,
    void *arg, bool *finished_r);
const struct gd_spf_outcome *spf_check_outcome(
    const struct gd_spf_check *check);
void spf_check_free(struct gd_spf_check *check);

/* ---- output (spf-field.c) -------------------------------------------- */

const char *spf_result_str(enum gd_spf_result result);
size_t spf_received_field(const struct gd_spf_outcome *o, char *buf,
    size_t size);

#endif /* SPF_ENGINE_H */
