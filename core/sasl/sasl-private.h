/*
 * sasl-private.h — the SASL framework's internals (core/sasl/), shared by
 * its files and the parts of the core that hand it a listener's settings
 * (conn-params.c, listener.c).  Never installed.
 *
 *   settings.c   the `sasl:` key of a listener, gd_realm_find()
 *   advertise.c  what a connection may be offered now
 *   exchange.c   one exchange: pool jobs, delivery, cancel, abort
 *   step.c       what a mechanism's step may call (gd_sasl_x_*)
 *   builtin.c    plaintext logins and APOP as built-in mechanisms
 *   policy.c     the failure table shared by every worker
 *   authlog.c    the auth.success / auth.failure lines
 */
#ifndef GD_SASL_PRIVATE_H
#define GD_SASL_PRIVATE_H

#include <ev.h>

#include <gumdrop/config.h>
#include <gumdrop/realm.h>
#include <gumdrop/sasl.h>
#include <gumdrop/sasl-impl.h>

struct gd_conn;
struct gd_pool;

#define GD_SASL_MAGIC		0x47445341u	/* "GDSA" */
#define GD_SASL_X_MAGIC		0x47445358u	/* "GDSX" */
#define GD_SASL_MAX_MECHS	32
#define GD_SASL_CB_MAX		64		/* longest binding we keep */
#define GD_SASL_CB_TYPES	3

/* A listener's parsed `sasl:` settings; lives in the config generation's
 * pool (generations are kept until exit), read-only: any thread. */
struct gd_sasl_settings {
	const struct gd_config_node *node;	/* the `sasl:` map */
	const char *listener;
	const char *realm_name;
	const struct gd_realm *realm;
	const struct gd_sasl_mech *mechs[GD_SASL_MAX_MECHS];
	size_t mech_count;
	bool plaintext_without_tls;
	unsigned max_failures;		/* 0: never lock out */
	uint64_t lockout_ms;
	uint64_t delay_ms;		/* first failure's delay */
	uint64_t delay_max_ms;
	const char *service;		/* "smtp", or the protocol's name */
	const char *hostname;		/* when the client sent no SNI */
};

/*
 * Where a listener's current settings are kept: the connection parameters
 * point to one holder for the listener's whole life, and a reload stores
 * new settings in it (connections keep the ones they started with).
 */
struct gd_sasl_holder {
	const struct gd_sasl_settings *_Atomic current;
};

/* The `sasl:` key's doc line, for the listener key table. */
#define GD_SASL_LISTENER_KEY_DOC \
	"authentication: realm, mechanisms, failure policy (gumdrop/sasl.h)"

/*
 * Main thread, modules loaded.  Parse the `sasl:` map `node` of listener
 * `listener` (serving `protocol`): unknown keys, mechanisms no loaded
 * module provides as "sasl-mech.NAME" and realms no module provides as
 * "realm.NAME" fail with "FILE:LINE: ..." in *error_r.  Allocates from
 * `pool`.  0 or -1.
 */
int gd_sasl_settings_parse(const struct gd_config_node *node,
    const char *listener, const char *protocol, struct gd_pool *pool,
    const struct gd_sasl_settings **settings_r, const char **error_r);

/* The settings a connection started with, or NULL (no `sasl:`). */
const struct gd_sasl_settings *gd_conn_sasl_settings(
    const struct gd_conn *conn);

/* The configured mechanism `name` (any case), or NULL. */
const struct gd_sasl_mech *gd_sasl_settings_mech(
    const struct gd_sasl_settings *s, const char *name);

/*
 * Whether `mech` may be offered on `conn` now: 0 yes; otherwise -1 with
 * the reason to give (ENCRYPTION_REQUIRED, MECH_UNAVAILABLE).
 */
int gd_sasl_mech_offerable(struct gd_conn *conn,
    const struct gd_sasl_settings *s, const struct gd_sasl_mech *mech,
    enum gd_sasl_reason *reason_r);

/* ---- the exchange ---------------------------------------------------- */

/* What a step sees (sasl-impl.h's struct gd_sasl_exchange). */
struct gd_sasl_exchange {
	uint32_t magic;
	struct gd_sasl *sasl;
};

enum gd_sasl_phase {
	GD_SASL_PHASE_WAITING = 1,	/* challenge sent: respond or cancel */
	GD_SASL_PHASE_RUNNING,		/* a step is in the pool */
	GD_SASL_PHASE_DELAY,		/* answer held back by a timer */
	GD_SASL_PHASE_DONE,		/* SUCCESS or FAILURE delivered */
};

struct gd_sasl_cb {
	const char *type;
	unsigned char data[GD_SASL_CB_MAX];
	size_t len;
	bool ok;
};

struct gd_sasl {
	uint32_t magic;
	struct gd_sasl_exchange x;
	/* Loop thread only: the owner's reference plus one per pool job or
	 * delivery in progress. */
	unsigned refs;
	uint8_t phase;			/* enum gd_sasl_phase */
	bool aborted, cancel_requested, owner_gone;
	/* A failing step's message was sent as a challenge: the client's
	 * answer (or "*") ends the exchange with that failure. */
	bool fail_pending;

	struct gd_conn *conn;		/* NULL once aborted */
	struct gd_loop *loop;
	ev_timer timer;
	const struct gd_sasl_settings *set;
	const struct gd_sasl_mech *mech;
	const char *label;		/* mechanism name for logs */
	void *state;
	struct gd_pool *pool;
	gd_sasl_done_fn *done;
	void *arg;

	/* Captured at start, on the loop. */
	char *session;
	char *client;
	bool tls;
	struct gd_sasl_cb cb[GD_SASL_CB_TYPES];
	enum gd_tls_peer_status peer_status;
	const void *peer_der;
	size_t peer_len;
	const char *hostname;

	/* The next step's input (malloc'd; NULL with in_null). */
	unsigned char *in;
	size_t in_len;
	bool in_null;

	/* Written by the pool job, read by the loop after it. */
	enum gd_sasl_status st;
	struct gd_sasl_step out;
	enum gd_sasl_reason reason;
	const char *text;
	const char *tried_user;		/* from verify_password or authcid */
	const char *authcid;
	const char *user;
	struct gd_realm_user *info;
	bool user_locked;

	struct gd_sasl_result result;
};

/* exchange.c: create an exchange for `mech` and run its first step. */
int gd_sasl_begin(struct gd_conn *conn, const struct gd_sasl_settings *s,
    const struct gd_sasl_mech *mech, const char *label,
    const void *initial, size_t len, bool initial_null,
    gd_sasl_done_fn *done, void *arg, struct gd_sasl **sasl_r,
    enum gd_sasl_reason *reason_r);

/* exchange.c: the result's strings live in the exchange's pool. */
struct gd_pool *gd_sasl_pool(struct gd_sasl *sasl);

/* step.c: pool thread, after a SUCCESS step: lockout, authorization
 * identity and the realm's record, into sasl->reason / user / info. */
void gd_sasl_job_success(struct gd_sasl *sasl);

/* step.c: capture TLS details (on the loop, at start). */
void gd_sasl_capture(struct gd_sasl *sasl, struct gd_conn *conn);

/* builtin.c: the mechanisms behind gd_sasl_password and gd_sasl_apop. */
extern const struct gd_sasl_mech gd_sasl_builtin_password;
extern const struct gd_sasl_mech gd_sasl_builtin_apop;

/* ---- the failure policy (policy.c; any thread) ------------------------ */

/*
 * The table is shared by every worker and listener: a client address or
 * a user name collects failures wherever it fails; each listener's
 * settings say how many make a lockout and how long it lasts.  Bounded to
 * GD_SASL_POLICY_MAX entries (the least recently failed are dropped).
 */
#define GD_SASL_POLICY_MAX	65536

/* True when the address (user NULL) or the user (ip NULL) is locked out. */
bool gd_sasl_policy_locked(const struct gd_sasl_settings *s, const char *ip,
    const char *user, uint64_t now_ms);

/*
 * Count one failure for `ip` and `user` (either may be NULL); returns the
 * delay before the reply: failure-delay doubled for each earlier failure
 * of the worse of the two, up to failure-delay-max.
 */
uint64_t gd_sasl_policy_fail(const struct gd_sasl_settings *s,
    const char *ip, const char *user, uint64_t now_ms);

/* A success: forget the user's failures. */
void gd_sasl_policy_success(const char *user);

/* Entries in the table (tests) and forgetting them all (tests, reload). */
size_t gd_sasl_policy_count(void);
void gd_sasl_policy_reset(void);

/* ---- logging (authlog.c) ---------------------------------------------- */

void gd_sasl_log_result(const struct gd_sasl *sasl,
    const struct gd_sasl_result *r);

/* The reason's token for logs ("bad-credentials"). */
const char *gd_sasl_reason_name(enum gd_sasl_reason reason);

#endif /* GD_SASL_PRIVATE_H */
