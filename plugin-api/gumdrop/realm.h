/*
 * gumdrop/realm.h — realms: who the users are and how to check them.
 *
 * A realm module publishes a service named "realm.NAME"
 * (GD_REALM_SERVICE_PREFIX + its name) at version GD_REALM_MAJOR.
 * GD_REALM_MINOR whose table is a const struct gd_realm.  The SASL
 * framework (sasl.h) calls it for every mechanism of every protocol;
 * local delivery calls lookup() to learn whether a recipient exists and
 * where its mail lives.  Which realm a listener uses comes from its
 * `sasl: {realm: NAME}` setting.
 *
 * Every function of the table is BLOCKING: it may hash a password, read
 * a file, or wait for an LDAP or HTTP server.  Callers run it in the
 * blocking pool (the SASL framework does), never on a worker loop.
 * Functions may be called from several pool threads at once: a realm is
 * thread-safe.
 *
 * Results are allocated in the `pool` the caller passes and live as long
 * as it.  Return values: 1 found / verified, 0 no such user / wrong
 * credentials / not available for this user, -1 the realm could not
 * answer (server down, file unreadable): a temporary failure, with
 * *err (a static or pool string).
 *
 * NO USER ENUMERATION.  verify_password() and the other checks must take
 * the same work and give the same answer (0) for an unknown user as for
 * a wrong password; secrets are compared in constant time
 * (gd_sasl_secret_equal in sasl-impl.h).
 */
#ifndef GUMDROP_REALM_H
#define GUMDROP_REALM_H

#include <sys/types.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_pool;

#define GD_REALM_SERVICE_PREFIX	"realm."
#define GD_REALM_MAJOR		1
#define GD_REALM_MINOR		1

/* What a realm knows about a user. */
struct gd_realm_user {
	const char *name;		/* canonical login name */
	const char *home;		/* home directory, or NULL */
	/* The user's mail root for the storage backend (mailbox.h's
	 * gd_mail_user.location), or NULL for the backend's template. */
	const char *mail;
	uint64_t quota_storage;		/* 0: the backend's default */
	uint64_t quota_messages;
	const char *const *aliases;	/* other addresses; NULL-terminated */
	/* Client-certificate fingerprints for EXTERNAL, "SHA256:hex". */
	const char *const *cert_fingerprints;
	uid_t uid;			/* (uid_t)-1 when not given */
	gid_t gid;
	/* Every other attribute as "key=value" (NULL-terminated). */
	const char *const *extra;
};

/* SCRAM credentials as stored (RFC 5802 3): never the password. */
struct gd_realm_scram {
	const char *hash;		/* "SHA-1", "SHA-256", "SHA-512" */
	unsigned iterations;
	const unsigned char *salt;
	size_t salt_len;
	unsigned char stored_key[64];
	unsigned char server_key[64];
	size_t key_len;			/* the hash's output size */
};

/* What a bearer-token check found (RFC 7628, RFC 7662). */
struct gd_realm_token {
	/* On 0: the RFC 7628 3.2.2 error status ("invalid_token",
	 * "insufficient_scope", ...), the scope needed and the discovery
	 * URL, for the JSON error challenge; any may be NULL. */
	const char *status;
	const char *scope;
	const char *openid_configuration;
	/* On 1: when the token stops being valid (0: unknown). */
	int64_t expires;
};

struct gd_realm {
	size_t size;			/* sizeof(struct gd_realm) */
	const char *name;		/* "file", "ldap", "oauth" */

	/* Does `user` exist?  Fills *user_r on 1. */
	int (*lookup)(const struct gd_realm *realm, const char *user,
	    struct gd_pool *pool, struct gd_realm_user **user_r,
	    const char **err);

	/* Check a plaintext password (PLAIN, LOGIN, IMAP LOGIN, POP3 PASS).
	 * May be NULL (the realm has no passwords). */
	int (*verify_password)(const struct gd_realm *realm, const char *user,
	    const void *password, size_t len, struct gd_pool *pool,
	    struct gd_realm_user **user_r, const char **err);

	/* SCRAM credentials for `hash` ("SHA-256"); 0 when the user has none
	 * for that hash.  May be NULL. */
	int (*scram_secret)(const struct gd_realm *realm, const char *user,
	    const char *hash, struct gd_pool *pool,
	    struct gd_realm_scram *scram, struct gd_realm_user **user_r,
	    const char **err);

	/* The plaintext secret, for CRAM-MD5, DIGEST-MD5 and APOP; 0 when not
	 * stored in plaintext (or the operator did not allow giving it out).
	 * May be NULL. */
	int (*plain_secret)(const struct gd_realm *realm, const char *user,
	    struct gd_pool *pool, const char **secret_r, size_t *len_r,
	    struct gd_realm_user **user_r, const char **err);

	/* A bearer token (OAUTHBEARER, XOAUTH2).  `user` is the user the
	 * client claims (may be NULL): on 1 the token's user must be it.
	 * May be NULL. */
	int (*verify_token)(const struct gd_realm *realm, const char *user,
	    const void *token, size_t len, struct gd_pool *pool,
	    struct gd_realm_user **user_r, struct gd_realm_token *info,
	    const char **err);

	/* The user a verified client certificate (DER) belongs to, by
	 * fingerprint or subject; 0 when none.  May be NULL. */
	int (*map_certificate)(const struct gd_realm *realm,
	    const void *der, size_t len, struct gd_pool *pool,
	    struct gd_realm_user **user_r, const char **err);

	/* May `user` act as `target` (an authorization identity other than
	 * itself)?  1 yes, 0 no.  May be NULL: nobody may. */
	int (*may_act_as)(const struct gd_realm *realm,
	    const struct gd_realm_user *user, const char *target,
	    const char **err);

	/* Can plain_secret() give secrets at all (1), or never (0), with
	 * the realm's current settings (realm-file: its
	 * allow-plaintext-secrets)?  Tells POP3 whether to offer APOP.
	 * Memory only: LOOP, unlike the rest of the table.  May be NULL:
	 * then plain_secret != NULL decides.  (Realm 1.1, ABI 1.4) */
	int (*gives_plain_secrets)(const struct gd_realm *realm);

	void *reserved[7];		/* zero */
};

/*
 * The realm published as "realm.NAME", or NULL (with *err) when no loaded
 * module provides it at a compatible version.  LOOP.
 */
GD_API const struct gd_realm *gd_realm_find(const char *name,
    const char **err);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_REALM_H */
