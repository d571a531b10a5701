/*
 * scram.h — the SCRAM server (RFC 5802, RFC 7677, RFC 9266), private to
 * the sasl-scram module.  Three layers, each in its own file:
 *
 *   scram-parse.c   the client's two messages, syntax only (no core, no
 *                   allocation): the fuzz target compiles it alone;
 *   scram-crypto.c  the hashes through nettle: HMAC, H, the keys that
 *                   stand in for users without SCRAM keys;
 *   scram-server.c  the exchange: gs2 header, SASLprep, nonce, salt and
 *                   iteration count from the realm, channel binding,
 *                   ClientProof, ServerSignature, e= errors.  It takes
 *                   everything from the outside through struct scram_env,
 *                   so a test program compiles it with a fixed server
 *                   nonce (the RFC vectors) and fake realm;
 *   sasl-scram.c    the module: six mechanisms over the framework.
 *
 * Nothing here is exported from the module (all hidden); the names are
 * prefixed scram_.
 */
#ifndef SASL_SCRAM_H
#define SASL_SCRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gumdrop/realm.h>
#include <gumdrop/sasl-impl.h>

/* Longest client message taken (either one); longer is invalid-encoding. */
#define SCRAM_MSG_MAX		8192
/* Random bytes of the server's nonce part (base64: 32 characters). */
#define SCRAM_NONCE_RANDOM	24
/* The salt made up for users without SCRAM keys. */
#define SCRAM_FAKE_SALT_LEN	16
/* The module's secret behind those salts and keys. */
#define SCRAM_SECRET_LEN	32
#define SCRAM_KEY_MAX		64

/* ---- parsing (scram-parse.c) --------------------------------------------- */

/* The RFC 5802 7 server-error-value for each way a message can fail. */
enum scram_error {
	SCRAM_OK = 0,
	SCRAM_E_INVALID_ENCODING,
	SCRAM_E_EXTENSIONS_NOT_SUPPORTED,
	SCRAM_E_INVALID_PROOF,
	SCRAM_E_CHANNEL_BINDINGS_DONT_MATCH,
	SCRAM_E_SERVER_DOES_SUPPORT_CB,
	SCRAM_E_CB_NOT_SUPPORTED,
	SCRAM_E_UNSUPPORTED_CB_TYPE,
	SCRAM_E_INVALID_USERNAME_ENCODING,
	SCRAM_E_OTHER,
};

/* "invalid-encoding" ... (static). */
const char *scram_error_name(enum scram_error e);

/*
 * client-first-message = gs2-header client-first-message-bare
 * Every pointer points into the message; names are still escaped
 * (=2C, =3D).
 */
struct scram_first {
	char cbflag;			/* 'n', 'y' or 'p' */
	const char *cbname;		/* p=NAME */
	size_t cbname_len;
	const char *authzid;		/* a=, or NULL */
	size_t authzid_len;
	const char *user;		/* n= */
	size_t user_len;
	const char *cnonce;		/* r= */
	size_t cnonce_len;
	size_t gs2_len;			/* the header and its last ',' */
	const char *bare;		/* client-first-message-bare */
	size_t bare_len;
};

/*
 * Parse a client-first-message.  SCRAM_OK, or INVALID_ENCODING (any
 * syntax error), EXTENSIONS_NOT_SUPPORTED (a mandatory extension, m=).
 */
enum scram_error scram_parse_first(const void *in, size_t len,
    struct scram_first *f);

/* client-final-message = c= "," r= ["," extensions] "," p= */
struct scram_final {
	const char *cb;			/* c= (base64) */
	size_t cb_len;
	const char *nonce;		/* r= */
	size_t nonce_len;
	const char *proof;		/* p= (base64) */
	size_t proof_len;
	size_t without_proof_len;	/* ...-without-proof */
};

/* Parse a client-final-message: SCRAM_OK or INVALID_ENCODING. */
enum scram_error scram_parse_final(const void *in, size_t len,
    struct scram_final *f);

/*
 * Undo a saslname's escapes (=2C is ',', =3D is '=') into `out` (at
 * least `len` + 1 bytes; NUL-terminated).  -1 for any other '=' or for
 * text that is not UTF-8 without NUL.
 */
int scram_unescape(const char *s, size_t len, char *out, size_t *out_len);

/*
 * Strict base64 (RFC 4648 alphabet, padding only at the end, len % 4 ==
 * 0) into `out` of `max` bytes.  -1 when not base64 or too long.
 */
int scram_b64_decode(const char *s, size_t len, uint8_t *out, size_t max,
    size_t *out_len);

/* True if `len` bytes are UTF-8 (RFC 3629) without NUL. */
bool scram_utf8_valid(const void *s, size_t len);

/* ---- hashes (scram-crypto.c; nettle) ------------------------------------ */

struct nettle_hash;

struct scram_hash {
	const char *name;		/* "SHA-256", as realm.h names it */
	const struct nettle_hash *nettle;
	size_t len;			/* digest size */
};

extern const struct scram_hash scram_sha1, scram_sha256, scram_sha512;

/* HMAC(key, a || b) with the hash; `out` gets h->len bytes. */
void scram_hmac(const struct scram_hash *h, const void *key, size_t key_len,
    const void *a, size_t a_len, const void *b, size_t b_len, uint8_t *out);

/* H(data). */
void scram_digest(const struct scram_hash *h, const void *data, size_t len,
    uint8_t *out);

/*
 * What stands in for a user without SCRAM keys for `h`: a salt that
 * depends only on the secret and the name (the same every time, like a
 * real one), the given iteration count, and keys no proof matches.
 */
void scram_fake_keys(const struct scram_hash *h,
    const uint8_t secret[SCRAM_SECRET_LEN], const char *user,
    unsigned iterations, uint8_t salt[SCRAM_FAKE_SALT_LEN],
    struct gd_realm_scram *keys);

/* ---- the exchange (scram-server.c) -------------------------------------- */

/*
 * What the exchange needs from its surroundings (the framework in the
 * module, fixtures in tests).  All called from the step's thread.
 */
struct scram_env {
	struct gd_pool *pool;		/* the exchange's */
	void *arg;			/* for the callbacks */
	/* The realm's keys (realm.h scram_secret): 1, 0 (none: unknown
	 * user or no keys for this hash), -1 (the realm failed). */
	int (*secret)(void *arg, const char *user, const char *hash,
	    struct gd_realm_scram *keys, struct gd_realm_user **user_r,
	    const char **err);
	/* Channel binding data of `type`: 0, or -1 when not available. */
	int (*binding)(void *arg, const char *type, const void **data_r,
	    size_t *len_r);
	/* The listener offers a SCRAM -PLUS mechanism on this connection
	 * now: a client's "y" is then a downgrade. */
	bool plus_offered;
	/* The server's part of the nonce: printable ASCII without ','. */
	const char *server_nonce;
	/* For users without keys (scram_fake_keys). */
	const uint8_t *secret_key;	/* SCRAM_SECRET_LEN bytes */
	unsigned fake_iterations;
};

enum scram_phase {
	SCRAM_PHASE_START = 0,		/* nothing received yet */
	SCRAM_PHASE_FIRST,		/* waiting for client-first */
	SCRAM_PHASE_FINAL,		/* waiting for client-final */
	SCRAM_PHASE_DONE,
};

/* One exchange's state (the mechanism's state_size; starts zeroed). */
struct scram_state {
	enum scram_phase phase;
	bool known;			/* the realm gave keys */
	const struct scram_hash *hash;
	bool plus;			/* a -PLUS mechanism */
	const char *user;		/* prepared name (pool) */
	const char *authzid;		/* unescaped, or NULL */
	struct gd_realm_user *record;
	struct gd_realm_scram keys;
	/* What the final message must repeat (pool copies). */
	uint8_t *cbind;			/* gs2 header || binding data */
	size_t cbind_len;
	char *nonce;			/* client nonce || server nonce */
	size_t nonce_len;
	/* client-first-message-bare "," server-first-message "," */
	char *auth_prefix;
	size_t auth_prefix_len;
};

/*
 * One step of the server, for the framework's step() (sasl-impl.h):
 * `in` NULL (no initial response) asks for the client's first message
 * with an empty challenge; then client-first, then client-final.
 * Failures after the client's first message carry an "e=" message
 * (has_data: the framework sends it, then fails).  `st->hash` and
 * `st->plus` must be set before the first call.
 */
enum gd_sasl_status scram_server_step(struct scram_state *st,
    const struct scram_env *env, const void *in, size_t len,
    struct gd_sasl_step *out);

#endif /* SASL_SCRAM_H */
