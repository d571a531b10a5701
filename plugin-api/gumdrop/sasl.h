/*
 * gumdrop/sasl.h — authentication for protocols: one API for SMTP AUTH,
 * IMAP AUTHENTICATE / LOGIN and POP3 AUTH / USER+PASS / APOP, whatever
 * the mechanism.
 *
 * Each listener's `sasl:` settings (below) name the realm (realm.h) and
 * the mechanisms offered; mechanisms are modules (sasl-impl.h).  The
 * framework decides what may be advertised on a connection right now
 * (plaintext-equivalent mechanisms only under TLS unless the listener
 * allows them; -PLUS mechanisms only when channel binding is possible;
 * EXTERNAL only with a verified client certificate), runs every
 * mechanism step in the blocking pool (no loop ever waits on a hash, an
 * LDAP or an HTTP call), applies the failure policy, logs every success
 * and failure, and hands the protocol plain results on its loop.
 *
 *   listeners:
 *     - name: submission
 *       ...
 *       sasl:
 *         realm: file
 *         mechanisms: [SCRAM-SHA-256-PLUS, SCRAM-SHA-256, PLAIN, LOGIN]
 *         plaintext-without-tls: false
 *         max-auth-failures: 5        # per client address and per user
 *         auth-lockout-time: 15m
 *         failure-delay: 1s           # doubles with each failure ...
 *         failure-delay-max: 8s       # ... up to this
 *         service: smtp               # GSSAPI service name (default:
 *                                     # the listener's protocol)
 *
 * THE PROTOCOL'S SIDE.  The protocol decodes the client's base64 and
 * passes bytes; it encodes challenges back.  It calls gd_sasl_start() for
 * AUTH/AUTHENTICATE, then gd_sasl_respond() with each client response;
 * each call is answered once through `done` on the connection's loop (never
 * inline), with a challenge, a success or a failure.  "*" from the client
 * is gd_sasl_cancel().  While an answer is pending the protocol reads no
 * more commands (pipelined input waits).  On close: gd_sasl_abort().
 *
 * Threads: every function on the connection's loop thread.
 */
#ifndef GUMDROP_SASL_H
#define GUMDROP_SASL_H

#include <sys/types.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_conn;
struct gd_sasl;
struct gd_realm_user;

enum gd_sasl_status {
	GD_SASL_CHALLENGE = 1,	/* send `data` and wait for a response */
	GD_SASL_SUCCESS,	/* authenticated (maybe with additional data) */
	GD_SASL_FAILURE,	/* see `reason` */
};

/* Why it failed, and the reply each protocol gives. */
enum gd_sasl_reason {
	GD_SASL_OK = 0,
	/* Wrong credentials, unknown user, bad token or proof
	 * (SMTP 535 5.7.8; IMAP NO [AUTHENTICATIONFAILED]; POP3 -ERR [AUTH]). */
	GD_SASL_BAD_CREDENTIALS,
	/* The client's message does not parse (SMTP 501 5.5.2; IMAP BAD). */
	GD_SASL_MALFORMED,
	/* The client sent "*" (SMTP 501 5.7.0; IMAP BAD; POP3 -ERR). */
	GD_SASL_CANCELLED,
	/* Authenticated, but may not act as the requested authorization
	 * identity (SMTP 535 5.7.8; IMAP NO [AUTHORIZATIONFAILED]). */
	GD_SASL_AUTHZ_DENIED,
	/* Mechanism unknown or not offered now (SMTP 504 5.5.4; IMAP NO). */
	GD_SASL_MECH_UNAVAILABLE,
	/* Needs TLS first (SMTP 538 5.7.11; IMAP NO [PRIVACYREQUIRED];
	 * POP3 -ERR). */
	GD_SASL_ENCRYPTION_REQUIRED,
	/* The realm could not answer (SMTP 454 4.7.0; IMAP NO
	 * [UNAVAILABLE]; POP3 -ERR [SYS/TEMP]). */
	GD_SASL_TEMPORARY,
	/* Too many failures from this client or for this user: locked out
	 * for a while (SMTP 454 4.7.0; IMAP NO [UNAVAILABLE]; POP3 -ERR
	 * [LOGIN-DELAY]... or [AUTH]). */
	GD_SASL_LOCKED_OUT,
};

struct gd_sasl_result {
	enum gd_sasl_status status;
	/* CHALLENGE: the challenge; SUCCESS: additional data, or NULL
	 * with has_data false (RFC 4422 5: empty and absent differ). */
	const void *data;
	size_t len;
	bool has_data;
	/* FAILURE */
	enum gd_sasl_reason reason;
	/* A short neutral explanation (gd_sasl_reason_text): safe to show
	 * the client; the mechanism's or realm's details go to the log. */
	const char *text;
	/* SUCCESS: the mechanism, the identity that authenticated, and the
	 * user the session acts as (the authzid if one was allowed). */
	const char *mechanism;
	const char *authcid;
	const char *user;
	/* SUCCESS: what the realm knows about `user` (mail location,
	 * quotas); NULL if the realm gave nothing. */
	const struct gd_realm_user *info;
};

/* The answer to a start/respond/password/apop call, on the loop.  `r`
 * and the strings in it are valid until the next call on `sasl`. */
typedef void gd_sasl_done_fn(void *arg, struct gd_sasl *sasl,
    const struct gd_sasl_result *r);

/* True if the connection's listener has `sasl:` settings. */
GD_API bool gd_sasl_enabled(const struct gd_conn *conn);

/*
 * The mechanisms to advertise now, in the configured order, considering
 * the TLS state, channel binding and the client certificate.  Fills up to
 * `max` names (static strings) and returns how many there are.
 */
GD_API size_t gd_sasl_mechanisms(struct gd_conn *conn, const char **names,
    size_t max);

/* True if plaintext passwords may be used now (IMAP LOGIN,
 * LOGINDISABLED; POP3 USER/PASS). */
GD_API bool gd_sasl_plaintext_ok(struct gd_conn *conn);

/*
 * True if the listener's realm can hand out plaintext secrets (its
 * gives_plain_secrets(), realm.h), which APOP, CRAM-MD5 and DIGEST-MD5
 * need: POP3 offers APOP (the greeting's timestamp) only then.  False
 * without `sasl:` settings.  Memory only.  (ABI 1.4)
 */
GD_API bool gd_sasl_secrets_available(struct gd_conn *conn);

/*
 * Start mechanism `mech` (any case).  `initial` is the client's initial
 * response (decoded; len 0 for an empty one, "=" in SMTP/IMAP), or NULL
 * when the client sent none.  Returns 0: `done` will be called.  Returns
 * -1 with *reason_r (MECH_UNAVAILABLE, ENCRYPTION_REQUIRED, LOCKED_OUT;
 * MALFORMED for an initial response to a server-first mechanism;
 * TEMPORARY when the daemon is shutting down) when nothing was started
 * (reply at once).
 */
GD_API int gd_sasl_start(struct gd_conn *conn, const char *mech,
    const void *initial, size_t len, gd_sasl_done_fn *done, void *arg,
    struct gd_sasl **sasl_r, enum gd_sasl_reason *reason_r);

/* The client's response to a challenge (decoded).  `done` follows. */
GD_API void gd_sasl_respond(struct gd_sasl *sasl, const void *data,
    size_t len);

/* The client sent "*": `done` follows with FAILURE / CANCELLED. */
GD_API void gd_sasl_cancel(struct gd_sasl *sasl);

/*
 * A plaintext login outside SASL (IMAP LOGIN, POP3 USER+PASS), through
 * the same realm, policy and logging; `label` names it in logs ("LOGIN",
 * "USER").  Refused with ENCRYPTION_REQUIRED when plaintext is not
 * allowed now.  Same return convention as gd_sasl_start().
 */
GD_API int gd_sasl_password(struct gd_conn *conn, const char *label,
    const char *user, const void *password, size_t len,
    gd_sasl_done_fn *done, void *arg, struct gd_sasl **sasl_r,
    enum gd_sasl_reason *reason_r);

/*
 * POP3 APOP (RFC 1939 7): `digest` is the client's 32 hex digits of
 * MD5(timestamp secret).  Needs a realm that gives the plaintext secret;
 * otherwise fails with BAD_CREDENTIALS, like a wrong digest.
 */
GD_API int gd_sasl_apop(struct gd_conn *conn, const char *user,
    const char *timestamp, const char *digest, gd_sasl_done_fn *done,
    void *arg, struct gd_sasl **sasl_r, enum gd_sasl_reason *reason_r);

/* Free a finished exchange (after SUCCESS or FAILURE); sets *sasl NULL. */
GD_API void gd_sasl_free(struct gd_sasl **sasl);

/* Stop an exchange whose answer is pending (the connection closes):
 * `done` is not called; frees it; sets *sasl NULL.  NULL: no-op.  A
 * failure whose message the client has not answered yet (SCRAM's e=)
 * still counts: it is logged and goes to the failure policy. */
GD_API void gd_sasl_abort(struct gd_sasl **sasl);

/*
 * Strict base64 (RFC 4648 4: whole quads, padding, no whitespace), what
 * the AUTH commands of SMTP, IMAP and POP3 carry.  Decode returns the
 * bytes (NUL-terminated for convenience; trust *len_r) in `pool`, or NULL
 * when `in` is not valid base64 (reply MALFORMED).  Encode returns the
 * text, NUL-terminated, in `pool`.  Any thread.
 */
struct gd_pool;
GD_API void *gd_sasl_decode64(struct gd_pool *pool, const char *in,
    size_t len, size_t *len_r);
GD_API char *gd_sasl_encode64(struct gd_pool *pool, const void *in,
    size_t len);

/* The reply text for a reason ("authentication failed"), for protocols
 * that have none of their own. */
GD_API const char *gd_sasl_reason_text(enum gd_sasl_reason reason);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_SASL_H */
