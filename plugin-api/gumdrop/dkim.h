/*
 * gumdrop/dkim.h — the `dkim` service 1.1: DKIM verification and signing
 * (RFC 6376, RFC 8463 Ed25519, RFC 8301 algorithm and key-size rules).
 *
 * The dkim module verifies every DKIM-Signature of a message (up to a
 * configured maximum) while it streams through the SMTP content stream,
 * looks the keys up at smtp.data-end and keeps the per-signature results
 * for the transaction; dmarc (and anything else) reads them here.  The
 * same engine serves the offline tools (`gumdropctl auth dkim-verify`,
 * `dkim-sign`), through the verifier and signer entry points below: the
 * tools load dkim.so and call this table, never its symbols.
 *
 * Find it with
 *   gd_service_lookup(GD_DKIM_SERVICE, GD_DKIM_SERVICE_MAJOR,
 *       GD_DKIM_SERVICE_MINOR, &error)
 * and depend on it with a GD_DEP_SERVICE entry.
 *
 * THREADS.  A verifier or signer is used on one thread at a time; the
 * DNS ops it is given decide where its callback runs (the module maps
 * them to gd_dns_resolve on the connection's loop).  result_name() and
 * the transaction outcome are callable from any thread that owns the
 * session's call.
 *
 * SERVICE CHANGELOG (adding entries is a minor bump; check a newer
 * entry with GD_SERVICE_HAS before calling it):
 *   1.0  2026-12-01  first version.
 *   1.1  2026-12-01  verify_options: the configured `verify:` options,
 *                    for offline tools that verify as the daemon does.
 */
#ifndef GUMDROP_DKIM_H
#define GUMDROP_DKIM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GD_DKIM_SERVICE		"dkim"
#define GD_DKIM_SERVICE_MAJOR	1
#define GD_DKIM_SERVICE_MINOR	1

/*
 * A signature's result, with the RFC 8601 section 2.7.1 keywords.
 *   NONE       the message was not signed (no signature at all)
 *   PASS       the signature verified
 *   FAIL       it did not verify (body hash or signature mismatch)
 *   NEUTRAL    it could not be processed for a reason that is neither
 *              an error of the signer's nor a failure (e.g. an unknown
 *              version v=)
 *   POLICY     it verified or could have, but local policy refuses it
 *              (l= shorter than the body under `l-policy`)
 *   TEMPERROR  the key lookup failed temporarily (SERVFAIL, timeout)
 *   PERMERROR  the signature or the key record is malformed, the key is
 *              missing or revoked, expired, rsa-sha1 or a short RSA key
 *              (RFC 8301), key restrictions (h= k= s= t=s) not met
 */
enum gd_dkim_result {
	GD_DKIM_NONE = 0,
	GD_DKIM_PASS,
	GD_DKIM_FAIL,
	GD_DKIM_NEUTRAL,
	GD_DKIM_POLICY,
	GD_DKIM_TEMPERROR,
	GD_DKIM_PERMERROR,
};

/* Signing algorithms (a= tag). */
enum gd_dkim_alg {
	GD_DKIM_ALG_RSA_SHA256 = 0,
	GD_DKIM_ALG_ED25519_SHA256,
	GD_DKIM_ALG_RSA_SHA1,		/* verify only, off by default */
};

/* Canonicalisation (c= tag, each half). */
enum gd_dkim_canon {
	GD_DKIM_CANON_SIMPLE = 0,
	GD_DKIM_CANON_RELAXED,
};

/* The l= policy of a verifier (config `verify: l-policy`). */
enum gd_dkim_l_policy {
	GD_DKIM_L_ACCEPT = 0,	/* honour l= as RFC 6376 says */
	GD_DKIM_L_PARTIAL,	/* POLICY when l= leaves body bytes unsigned */
	GD_DKIM_L_REFUSE,	/* POLICY for every signature with l= */
};

/* The header.b prefix length given for Authentication-Results (RFC
 * 6008 says at least 8 characters). */
#define GD_DKIM_B_PREFIX	12

/*
 * One verified signature.  Strings are NUL terminated, owned by the
 * verifier (or the transaction) and valid as long as it is.  Fields not
 * known (a signature too malformed to have a d=) are "" (never NULL).
 */
struct gd_dkim_sig_result {
	enum gd_dkim_result result;
	const char *domain;	/* d= */
	const char *selector;	/* s= */
	const char *algorithm;	/* a= as written, e.g. "ed25519-sha256" */
	const char *auid;	/* i= as written, or "@" d= when absent */
	/* The first GD_DKIM_B_PREFIX characters of b= (header.b). */
	char b_prefix[GD_DKIM_B_PREFIX + 1];
	/* Why, for logs and the A-R comment ("body hash mismatch"); static
	 * text, "" for PASS. */
	const char *reason;
	bool testing;		/* the key record said t=y */
	unsigned key_bits;	/* size of the key used, 0 if none */
};

/* ---- DNS through a table of operations --------------------------------- */

/* A lookup's outcome. */
enum gd_dkim_dns_status {
	GD_DKIM_DNS_OK = 0,	/* at least one TXT record */
	GD_DKIM_DNS_NXDOMAIN,	/* no such name: PERMERROR (no key) */
	GD_DKIM_DNS_NODATA,	/* no TXT record: PERMERROR (no key) */
	GD_DKIM_DNS_TEMPFAIL,	/* SERVFAIL, timeout: TEMPERROR */
};

/* One TXT record, its strings joined (RFC 6376 3.6.2.2). */
struct gd_dkim_txt {
	const char *text;
	size_t len;
};

/*
 * Called once per started lookup, unless it was cancelled.  The records
 * are the caller's, valid during the call only.  It may run inline from
 * `txt_start` (tables) or later (a resolver).
 */
typedef void gd_dkim_dns_done_fn(void *arg, enum gd_dkim_dns_status status,
    const struct gd_dkim_txt *txts, size_t ntxts);

/*
 * How a verifier asks for `<selector>._domainkey.<domain>` TXT records.
 * `txt_start` returns a handle for `cancel`, or NULL when the lookup
 * could not start (then `done` is not called and the signature gets
 * TEMPERROR).  `cancel` stops a pending lookup: `done` will not run.
 */
struct gd_dkim_dns_ops {
	void *(*txt_start)(void *ctx, const char *name,
	    gd_dkim_dns_done_fn *done, void *arg);
	void (*cancel)(void *ctx, void *handle);
	void *ctx;
};

/* ---- verifier ------------------------------------------------------------ */

/* Options; zero means the default shown. */
struct gd_dkim_verify_opts {
	unsigned max_signatures;	/* 8: signatures verified per message */
	unsigned min_rsa_bits;		/* 1024 (RFC 8301) */
	bool allow_sha1;		/* false: rsa-sha1 is PERMERROR */
	unsigned clock_skew;		/* 300 s tolerance on t= and x= */
	enum gd_dkim_l_policy l_policy;	/* ACCEPT */
	size_t max_header_bytes;	/* 256 KiB of header kept */
	time_t now;			/* verification time; 0: time() */
};

struct gd_dkim_verifier;

/* Completion of gd_dkim_service.verify_finish: once, when pending. */
typedef void gd_dkim_verify_done_fn(void *arg);

/* ---- signer ------------------------------------------------------------- */

/* A signing key. */
struct gd_dkim_sign_key {
	const char *domain;		/* d= */
	const char *selector;		/* s= */
	enum gd_dkim_alg alg;		/* RSA_SHA256 or ED25519_SHA256 */
	const char *pem;		/* the private key, PEM text */
	size_t pem_len;
};

/* Options of one signing run; zero means the default shown. */
struct gd_dkim_sign_opts {
	enum gd_dkim_canon header_canon;	/* SIMPLE (relaxed advised) */
	enum gd_dkim_canon body_canon;		/* SIMPLE */
	/* Header field names signed (each instance present), NULL: the
	 * default list of docs/dkim.md. */
	const char *const *headers;
	size_t nheaders;
	/* Names signed once more than present (oversigned), NULL: From. */
	const char *const *oversign;
	size_t noversign;
	time_t timestamp;		/* t=; 0: time() */
	unsigned expire_after;		/* x= = t= + this; 0: no x= */
	const char *auid;		/* i=, NULL: none */
	bool query_tag;			/* write q=dns/txt */
	bool length_tag;		/* write l= (the whole body) */
	const char *h_separator;	/* between h= names; NULL: ":" */
	size_t max_header_bytes;	/* 256 KiB */
};

struct gd_dkim_signer;

/* ---- the service --------------------------------------------------------- */

struct gd_dkim_outcome {
	/* Per-signature results of the current transaction, in header
	 * order (top first); none when the message was not signed. */
	size_t count;
	const struct gd_dkim_sig_result *sigs;
};

struct gd_smtp_session;
struct gd_loop;

struct gd_dkim_service {
	size_t size;	/* sizeof(struct gd_dkim_service) */

	/* "pass", "fail", ... (RFC 8601 keywords).  Static string. */
	const char *(*result_name)(enum gd_dkim_result result);

	/*
	 * The results for the session's current transaction, available
	 * from the end of dkim's smtp.data-end handler until smtp.reset;
	 * before that, or when dkim does not verify on this listener, 0
	 * and *out_r zeroed.  1 when results are there (count may be 0:
	 * unsigned).  The arrays belong to the transaction.  The session's
	 * loop thread.
	 */
	int (*transaction_outcome)(struct gd_smtp_session *s,
	    struct gd_dkim_outcome *out_r);

	/*
	 * A verifier for one message.  `opts` is copied (NULL: defaults),
	 * `dns` must outlive the verifier.  Never NULL.  Feed the whole
	 * message (header and body, CRLF or LF line ends) with
	 * verify_write, any split; then verify_finish, which looks the keys
	 * up and verifies: 1 done, 0 pending (`done(arg)` runs once, from
	 * the DNS callback); afterwards verify_results gives the results.
	 * verify_destroy cancels pending lookups and frees everything.
	 */
	struct gd_dkim_verifier *(*verify_create)(
	    const struct gd_dkim_verify_opts *opts,
	    const struct gd_dkim_dns_ops *dns);
	void (*verify_write)(struct gd_dkim_verifier *v, const void *buf,
	    size_t len);
	int (*verify_finish)(struct gd_dkim_verifier *v,
	    gd_dkim_verify_done_fn *done, void *arg);
	const struct gd_dkim_sig_result *(*verify_results)(
	    const struct gd_dkim_verifier *v, size_t *count_r);
	void (*verify_destroy)(struct gd_dkim_verifier **v);

	/*
	 * A signer for one message with `nkeys` keys (one signature each,
	 * in order).  NULL with *error_r (static or "dkim: ..." in a
	 * thread-local buffer) when a key does not import or an option is
	 * invalid.  Feed the message with sign_write (any split, the bytes
	 * that will be delivered), then sign_finish returns the fields to
	 * prepend ("DKIM-Signature: ...\r\n", folded, one per key, in key
	 * order, NUL terminated, owned by the signer) or NULL with
	 * *error_r.
	 */
	struct gd_dkim_signer *(*sign_create)(
	    const struct gd_dkim_sign_key *keys, size_t nkeys,
	    const struct gd_dkim_sign_opts *opts, const char **error_r);
	void (*sign_write)(struct gd_dkim_signer *s, const void *buf,
	    size_t len);
	const char *(*sign_finish)(struct gd_dkim_signer *s,
	    const char **error_r);
	void (*sign_destroy)(struct gd_dkim_signer **s);

	/*
	 * A new key pair: `alg` RSA_SHA256 (`bits` 512..8192; RFC 8301
	 * wants at least 1024, 2048 advised) or ED25519_SHA256 (`bits`
	 * ignored).  *pem_r the private key (PKCS#8 PEM), *record_r the
	 * TXT record text "v=DKIM1; k=...; p=..." to publish at
	 * <selector>._domainkey.<domain>; both malloc'ed, the caller frees
	 * them.  0, or -1 with *error_r (static).  Any thread.
	 */
	int (*keygen)(enum gd_dkim_alg alg, unsigned bits, char **pem_r,
	    char **record_r, const char **error_r);

	/*
	 * The module's own DNS ops for a verifier used on `loop` (a worker
	 * loop with the core's resolver: gd_dns_resolve), as the daemon's
	 * verification uses them.  Fills *ops_r.  That loop's thread.
	 */
	void (*dns_ops)(struct gd_loop *loop, struct gd_dkim_dns_ops *ops_r);

	/* ---- 1.1 ------------------------------------------------------- */

	/*
	 * The options the daemon's verification uses: the module's
	 * `dkim: verify:` settings (max-signatures, min-rsa-bits,
	 * allow-sha1, clock-skew, l-policy, max-header), or the defaults
	 * when the module was loaded without them.  Fills *opts_r (now =
	 * 0).  Any thread, while the module is loaded.
	 */
	void (*verify_options)(struct gd_dkim_verify_opts *opts_r);
};

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_DKIM_H */
