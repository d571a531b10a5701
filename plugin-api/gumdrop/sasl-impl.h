/*
 * gumdrop/sasl-impl.h — for authors of SASL mechanisms (server side).
 *
 * A mechanism module publishes one service per mechanism, named
 * "sasl-mech.NAME" (GD_SASL_MECH_SERVICE_PREFIX + the mechanism's name,
 * upper case, e.g. "sasl-mech.SCRAM-SHA-256-PLUS") at version
 * GD_SASL_MECH_MAJOR.GD_SASL_MECH_MINOR, whose table is a const struct
 * gd_sasl_mech.  A listener offers it when its `sasl: {mechanisms: [...]}`
 * names it.
 *
 * A mechanism is a step function.  The framework calls step() once per
 * client message — the first time with the initial response (or in ==
 * NULL when the client sent none) — IN THE BLOCKING POOL, so a step may
 * call the realm, derive keys and hash freely.  Steps of one exchange
 * never run concurrently, but may run on different pool threads.  The
 * step answers CHALLENGE (more to come), SUCCESS (with the identities;
 * the framework checks the authorization identity against the realm) or
 * FAILURE (with a reason).  Memory: the mechanism's state (state_size
 * bytes, zeroed) and everything allocated from gd_sasl_x_pool() live
 * until the exchange ends; cleanup() runs then.
 */
#ifndef GUMDROP_SASL_IMPL_H
#define GUMDROP_SASL_IMPL_H

#include <gnutls/gnutls.h>

#include <gumdrop/common.h>
#include <gumdrop/realm.h>
#include <gumdrop/sasl.h>
#include <gumdrop/tls.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_pool;
struct gd_config_node;
struct gd_sasl_exchange;

#define GD_SASL_MECH_SERVICE_PREFIX	"sasl-mech."
#define GD_SASL_MECH_MAJOR		1
#define GD_SASL_MECH_MINOR		0

enum gd_sasl_mech_flag {
	/* Sends a reusable secret in the clear (PLAIN, LOGIN): offered only
	 * under TLS unless the listener has plaintext-without-tls. */
	GD_SASL_MECH_PLAINTEXT = 1 << 0,
	/* The server speaks first (CRAM-MD5, DIGEST-MD5): an initial
	 * response is a protocol error (MALFORMED).  LOGIN does not set it:
	 * like most servers it takes an initial response as the user name. */
	GD_SASL_MECH_SERVER_FIRST = 1 << 1,
	/* A -PLUS mechanism: offered only when channel binding data is
	 * available on the connection. */
	GD_SASL_MECH_CHANNEL_BINDING = 1 << 2,
	/* EXTERNAL: offered only with a verified client certificate. */
	GD_SASL_MECH_EXTERNAL = 1 << 3,
	/* Historic (DIGEST-MD5, RFC 6331): never offered unless the listener
	 * names it explicitly (it always does, to offer anything; the flag
	 * makes the loader warn). */
	GD_SASL_MECH_HISTORIC = 1 << 4,
};

/*
 * What a step produced.  Strings and data may point into the step's input
 * or the exchange's pool (or be static): the framework copies what it
 * keeps before it frees the input.
 */
struct gd_sasl_step {
	/* CHALLENGE: the challenge; SUCCESS: additional data when has_data. */
	const void *data;
	size_t len;
	bool has_data;
	/* FAILURE: why, and a short text for the log (never a secret).
	 * On FAILURE `authcid`, when the mechanism learnt it, names the user
	 * tried: the failure then counts against that user too (and is
	 * logged with it).
	 * FAILURE with has_data: a message the mechanism must send before it
	 * fails (SCRAM's "e=..." server-final message, RFC 5802 7;
	 * OAUTHBEARER's JSON error, RFC 7628 3.2.2).  The framework sends
	 * `data` as a challenge; the client's answer, whatever it is (a
	 * response, or "*"), then ends the exchange with `reason`, counted
	 * and delayed like any failure, without another step. */
	enum gd_sasl_reason reason;
	const char *text;
	/* SUCCESS: who authenticated (authcid) and as whom they act (authzid,
	 * NULL or "" for themselves); `user` the realm's record if the step
	 * fetched one (the framework looks it up otherwise). */
	const char *authcid;
	const char *authzid;
	struct gd_realm_user *user;
};

struct gd_sasl_mech {
	size_t size;			/* sizeof(struct gd_sasl_mech) */
	const char *name;		/* "SCRAM-SHA-256" */
	unsigned flags;			/* enum gd_sasl_mech_flag */
	size_t state_size;		/* per exchange, zeroed */
	/* BLOCKING: runs in the blocking pool.  `in` is NULL when the client
	 * sent no initial response (first call only). */
	enum gd_sasl_status (*step)(struct gd_sasl_exchange *x, void *state,
	    const void *in, size_t len, struct gd_sasl_step *out);
	void (*cleanup)(void *state);	/* may be NULL */
	void *reserved[4];
};

/* ---- what a step may use (any of these from inside step()) --------------- */

/* The exchange's pool (lives until the exchange ends). */
GD_API struct gd_pool *gd_sasl_x_pool(struct gd_sasl_exchange *x);

/* The listener's realm (never NULL: a listener with `sasl:` has one). */
GD_API const struct gd_realm *gd_sasl_x_realm(struct gd_sasl_exchange *x);

/*
 * Check a password through the realm, with the framework's protection:
 * the same work for unknown users.  1 ok (and *user_r set, may be NULL),
 * 0 wrong or unknown, -1 the realm failed (the step answers TEMPORARY).
 */
GD_API int gd_sasl_x_verify_password(struct gd_sasl_exchange *x,
    const char *user, const void *password, size_t len,
    struct gd_realm_user **user_r);

/*
 * The realm's plaintext secret for `user` (CRAM-MD5, DIGEST-MD5, APOP),
 * with the framework's protection.  1: *secret_r / *len_r is the secret
 * and *user_r the user (may be NULL).  0: no secret to give (unknown user,
 * not stored in plaintext, not allowed, locked out): *secret_r is a random
 * stand-in of the same order of size, so the step does the same work and
 * then fails with GD_SASL_BAD_CREDENTIALS.  -1: the realm failed (the step
 * answers TEMPORARY).  Everything lives in the exchange's pool.  (ABI 1.2)
 */
GD_API int gd_sasl_x_plain_secret(struct gd_sasl_exchange *x,
    const char *user, const char **secret_r, size_t *len_r,
    struct gd_realm_user **user_r);

/*
 * Channel-binding data captured when the exchange started: `type` is
 * "tls-exporter" (RFC 9266), "tls-unique" (RFC 5929, TLS 1.2) or
 * "tls-server-end-point" (RFC 5929).  Returns 0 with *data_r / *len_r
 * (owned by the exchange), or -1 when not available.
 */
GD_API int gd_sasl_x_channel_binding(struct gd_sasl_exchange *x,
    const char *type, const void **data_r, size_t *len_r);

/* True if the connection is TLS (channel binding may be possible). */
GD_API bool gd_sasl_x_tls(struct gd_sasl_exchange *x);

/*
 * The client certificate (DER, leaf) and its verification status,
 * captured at start; GD_TLS_PEER_NONE without one.
 */
GD_API enum gd_tls_peer_status gd_sasl_x_peer_cert(
    struct gd_sasl_exchange *x, const void **der_r, size_t *len_r);

/* The server's host name (for DIGEST-MD5 realm and digest-uri, GSSAPI)
 * and service ("smtp", "imap", "pop"). */
GD_API const char *gd_sasl_x_hostname(struct gd_sasl_exchange *x);
GD_API const char *gd_sasl_x_service(struct gd_sasl_exchange *x);

/* A module setting of the mechanism's module, from its config subtree
 * (e.g. the GSSAPI keytab): the module's own business; this is the
 * listener's `sasl:` node, for per-listener extras.  May be NULL. */
GD_API const struct gd_config_node *gd_sasl_x_listener_config(
    struct gd_sasl_exchange *x);

/*
 * Constant-time comparison of two secrets (length leaks, content does
 * not): true when equal.  Any thread.
 */
GD_API bool gd_sasl_secret_equal(const void *a, size_t alen, const void *b,
    size_t blen);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_SASL_IMPL_H */
