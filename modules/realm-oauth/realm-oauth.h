/*
 * realm-oauth.h — the bearer-token realm (service "realm.oauth"), private
 * to the realm-oauth module.  One concept per file:
 *
 *   realm-oauth.c        the module: configuration, the realm table,
 *                        which check a token gets, the cache around it;
 *   roauth-keys.c        verification keys: PEM files and a JWKS file
 *                        (re-read when it changes), reference counted;
 *   roauth-jwt.c         JWT (RFC 7519 / JWS compact): base64url, the
 *                        header and claims, signature checks with GnuTLS
 *                        (RS256, ES256, EdDSA) and nettle (HS256);
 *   roauth-introspect.c  RFC 7662 token introspection over libcurl;
 *   roauth-cache.c       results by SHA-256 of the token, bounded,
 *                        thread-safe.
 *
 * Every function may run on several pool threads at once unless stated.
 * Names are prefixed roauth_ and hidden in the module.
 */
#ifndef REALM_OAUTH_H
#define REALM_OAUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <gnutls/abstract.h>
#include <jansson.h>

#include <gumdrop/service.h>

/* Longest token taken (larger ones are refused without parsing). */
#define ROAUTH_TOKEN_MAX	16384
/* A failed introspection answer is remembered this long (ms). */
#define ROAUTH_NEGATIVE_TTL_MS	30000

enum roauth_alg {
	ROAUTH_ALG_NONE = 0,		/* never accepted */
	ROAUTH_ALG_HS256,
	ROAUTH_ALG_RS256,
	ROAUTH_ALG_ES256,
	ROAUTH_ALG_EDDSA,		/* Ed25519 */
};

/* "RS256" -> ROAUTH_ALG_RS256; NONE for "none" and anything unknown. */
enum roauth_alg roauth_alg_from_name(const char *name);
const char *roauth_alg_name(enum roauth_alg alg);

/* ---- keys (roauth-keys.c) ----------------------------------------------- */

struct roauth_key {
	char *kid;			/* NULL when the key has none */
	enum roauth_alg alg;		/* the only algorithm it verifies */
	gnutls_pubkey_t pub;		/* RS256, ES256, EdDSA */
	uint8_t *secret;		/* HS256 */
	size_t secret_len;
};

/* An immutable set of keys; references keep it alive across a swap. */
struct roauth_keyset {
	unsigned refs;			/* under the owner's lock */
	struct roauth_key *keys;
	size_t count;
};

void roauth_keyset_free(struct roauth_keyset *set);

/*
 * Add the key in PEM file `path` for `alg` (a PUBLIC KEY or CERTIFICATE;
 * for HS256 the file's bytes, less one trailing newline, are the secret).
 * 0 or -1 with *error_r (static or malloc'd into *error_buf, freed by
 * the caller).
 */
int roauth_keyset_add_pem(struct roauth_keyset *set, const char *path,
    const char *kid, enum roauth_alg alg, char **error_r);

/*
 * Add the keys of a JWKS document (RFC 7517): RSA (n, e), EC P-256
 * (x, y), OKP Ed25519 (x), oct (k); "alg" when given must fit the key
 * type, otherwise it follows from it.  Keys of other types and keys
 * with "use" other than "sig" are skipped.  0, or -1 with *error_r
 * (malloc'd) when the document does not parse.
 */
int roauth_keyset_add_jwks(struct roauth_keyset *set, const char *text,
    size_t len, char **error_r);

/* ---- JWT (roauth-jwt.c) ------------------------------------------------- */

/* What the claims must say (the module's configuration). */
struct roauth_rules {
	const char *issuer;		/* NULL: not checked */
	const char *audience;		/* NULL: not checked */
	const char *user_claim;		/* "sub" */
	const char *scope;		/* required scope, or NULL */
	int64_t leeway;			/* seconds */
};

/* A decoded, not yet verified, JWS compact token. */
struct roauth_jwt {
	json_t *header;
	json_t *claims;
	enum roauth_alg alg;
	const char *kid;		/* in header, or NULL */
	uint8_t *sig;			/* malloc'd */
	size_t sig_len;
	size_t signed_len;		/* bytes of "header.payload" */
};

/*
 * Split and decode `token`; 0, or -1 with *why (static) when it is not a
 * well-formed JWS with a known algorithm ("alg": "none" included) or has
 * "crit".  Release with roauth_jwt_clear().
 */
int roauth_jwt_parse(const char *token, size_t len, struct roauth_jwt *jwt,
    const char **why);
void roauth_jwt_clear(struct roauth_jwt *jwt);

/* Strict base64url without padding; -1 on anything else.  *out_r
 * malloc'd. */
int roauth_b64url_decode(const char *s, size_t len, uint8_t **out_r,
    size_t *out_len);

/*
 * Verify a parsed token's signature with the keys (the kid's, or every
 * key of the header's algorithm) and its claims against `rules` at time
 * `now`.  1 with *user_r (malloc'd) and *exp_r; 0 with *status_r
 * ("invalid_token", "insufficient_scope") and *why (static, for logs).
 */
int roauth_jwt_verify(const struct roauth_jwt *jwt, const char *token,
    const struct roauth_keyset *keys, const struct roauth_rules *rules,
    int64_t now, char **user_r, int64_t *exp_r, const char **status_r,
    const char **why);

/* Does the claims' "scope" (space-separated) or "scp" (array) hold it? */
bool roauth_has_scope(const json_t *claims, const char *scope);

/* "aud": a string, or an array holding it. */
bool roauth_aud_ok(const json_t *aud, const char *audience);

/* ---- introspection (roauth-introspect.c) -------------------------------- */

struct roauth_introspect {
	const char *url;
	const char *client_id;
	char *client_secret;		/* read from client-secret-file */
	const char *ca_file;		/* NULL: the system's */
	long timeout_ms;
};

/*
 * Ask the endpoint about `token` (RFC 7662 2.1: POST token=...,
 * token_type_hint=access_token, HTTP Basic client authentication).
 * 1 active, with *user_r (malloc'd) and *exp_r (0 when not given);
 * 0 inactive or refused by the rules, with *status_r and *why; -1 when
 * the endpoint could not be asked or answered nonsense (*why).
 */
int roauth_introspect(const struct roauth_introspect *in, const char *token,
    size_t len, const struct roauth_rules *rules, int64_t now,
    char **user_r, int64_t *exp_r, const char **status_r, const char **why);

/* Judge an introspection response (the JSON text): as above. */
int roauth_introspect_judge(const char *body, size_t len,
    const struct roauth_rules *rules, int64_t now, char **user_r,
    int64_t *exp_r, const char **status_r, const char **why);

/* ---- the cache (roauth-cache.c) ----------------------------------------- */

#define ROAUTH_DIGEST	32

struct roauth_cache_entry {
	uint8_t key[ROAUTH_DIGEST];	/* SHA-256 of the token */
	bool used;
	bool ok;
	char *user;			/* ok: the token's user (malloc'd) */
	const char *status;		/* !ok: static */
	int64_t exp;			/* ok: the token's exp (0: none) */
	uint64_t until_ms;		/* forgotten after (monotonic) */
};

/* Direct-mapped: a token's slot is fixed by its digest; a newcomer
 * evicts the entry in its slot. */
struct roauth_cache {
	pthread_mutex_t lock;
	struct roauth_cache_entry *slots;
	size_t size;			/* 0: no caching */
	uint64_t hits, misses;
};

void roauth_cache_init(struct roauth_cache *c, size_t size);
void roauth_cache_deinit(struct roauth_cache *c);
void roauth_cache_digest(const void *token, size_t len,
    uint8_t out[ROAUTH_DIGEST]);
/* A live entry for `key` copied to *e (user strdup'd): true, else false. */
bool roauth_cache_get(struct roauth_cache *c,
    const uint8_t key[ROAUTH_DIGEST], uint64_t now_ms,
    struct roauth_cache_entry *e);
void roauth_cache_put(struct roauth_cache *c,
    const uint8_t key[ROAUTH_DIGEST], bool ok, const char *user,
    const char *status, int64_t exp, uint64_t until_ms);

/* ---- the module (realm-oauth.c, roauth-config.c) ------------------------ */


/* One entry of `keys:`. */
struct roauth_pem {
	const char *file, *kid;
	enum roauth_alg alg;
};

/* The module's data (gd_module_ctx_set_data). */
struct roauth_module {
	struct roauth_rules rules;	/* JWT claims */
	struct roauth_rules irules;	/* introspection answers */
	const char *scope, *openid;
	struct roauth_pem *pems;
	size_t pem_count;
	const char *jwks_path;
	bool have_keys, have_intro;
	struct roauth_introspect intro;
	struct roauth_cache cache;
	pthread_mutex_t lock;		/* keys and jwks_st */
	struct roauth_keyset *keys;
	struct stat jwks_st;
};

/* Every configured key, read now.  NULL with *err (malloc'd). */
struct roauth_keyset *roauth_keys_build(const struct roauth_module *mod,
    struct stat *st, char **err);

/* The realm's service (realm-oauth.c). */
extern const struct gd_service_decl roauth_services[];

#endif /* REALM_OAUTH_H */
