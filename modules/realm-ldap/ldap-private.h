/*
 * ldap-private.h — inside the realm-ldap module: its configuration, the
 * connection pool and the operations on it.
 *
 * Every function here is BLOCKING (network calls bounded by the
 * configured timeouts) and thread-safe: the realm's functions run in the
 * blocking pool, several at once.
 */
#ifndef LDAP_PRIVATE_H
#define LDAP_PRIVATE_H

#include <pthread.h>

#include <ldap.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/realm.h>

#include "ldap-template.h"

#define LDAP_USER_MAX		256	/* octets of a user name */
#define LDAP_POOL_MAX		64

/* The gd_realm_user fields an LDAP attribute can fill. */
enum ldap_field {
	LDAP_FIELD_NAME = 0,
	LDAP_FIELD_HOME,
	LDAP_FIELD_MAIL,
	LDAP_FIELD_QUOTA_STORAGE,
	LDAP_FIELD_QUOTA_MESSAGES,
	LDAP_FIELD_ALIASES,
	LDAP_FIELD_CERT_FINGERPRINTS,
	LDAP_FIELD_UID,
	LDAP_FIELD_GID,
	LDAP_FIELD_COUNT,
};

/* The configuration (the module's own copies: it outlives reloads). */
struct ldap_conf {
	char *uri;
	bool starttls;
	char *ca_file;
	char *user_dn;			/* bind-as-user template, or NULL */
	char *bind_dn;			/* service identity, or NULL: anon */
	char *bind_password;
	char *base;
	int scope;			/* LDAP_SCOPE_* */
	char *filter;
	char *attr[LDAP_FIELD_COUNT];	/* LDAP attribute per field, or NULL */
	char **extra;			/* NULL-terminated */
	char *act_as_attr;
	char *act_as_group;
	char *act_as_group_attr;	/* "member", "uniqueMember", ... */
	char *dummy_dn;			/* binds for unknown users */
	unsigned pool_size;
	struct timeval net_timeout, op_timeout;
	char **attrs;			/* what a search asks for */
};

/* ---- ldap-pool.c: connections ------------------------------------------- */

struct ldap_slot {
	LDAP *ld;			/* NULL: not open */
	bool service_bound;		/* bound as bind-dn (or anonymous) */
	bool busy;
};

struct ldap_pool {
	const struct ldap_conf *conf;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ldap_slot slot[LDAP_POOL_MAX];
};

void ldap_pool_init(struct ldap_pool *p, const struct ldap_conf *conf);
void ldap_pool_deinit(struct ldap_pool *p);

/* A free slot (opened if needed), waiting at most the operation timeout
 * for one; NULL when none came free.  Give it back with ldap_pool_put. */
struct ldap_slot *ldap_pool_get(struct ldap_pool *p);
/* `broken`: close it (a timeout, a dropped connection). */
void ldap_pool_put(struct ldap_pool *p, struct ldap_slot *s, bool broken);

/* ---- ldap-ops.c: one operation, bounded in time ------------------------- */

/*
 * Each returns an LDAP result code: LDAP_SUCCESS, a server's answer
 * (LDAP_INVALID_CREDENTIALS, LDAP_COMPARE_TRUE, ...), or a client-side
 * error (LDAP_SERVER_DOWN, LDAP_TIMEOUT, ...) after which the slot is
 * unusable (ldap_ops_broken).
 */
int ldap_ops_bind(struct ldap_slot *s, const struct ldap_conf *c,
    const char *dn, const void *password, size_t len);
/* Bind as the service unless the slot already is. */
int ldap_ops_service(struct ldap_slot *s, const struct ldap_conf *c);
/* Search; *res_r (free with ldap_msgfree) on LDAP_SUCCESS. */
int ldap_ops_search(struct ldap_slot *s, const struct ldap_conf *c,
    const char *base, int scope, const char *filter, char **attrs,
    LDAPMessage **res_r);
int ldap_ops_compare(struct ldap_slot *s, const struct ldap_conf *c,
    const char *dn, const char *attr, const char *value);
/* True for results after which the connection must be dropped. */
bool ldap_ops_broken(int rc);
/* True for results worth one retry on a fresh connection. */
bool ldap_ops_retry(int rc);

/* ---- ldap-entry.c: entries into users ---------------------------------- */

/* Fill a user from `entry` of `res`, in `pool`. */
struct gd_realm_user *ldap_entry_user(const struct ldap_conf *c, LDAP *ld,
    LDAPMessage *entry, const char *name, struct gd_pool *pool);
/* True if `attr` of `entry` has a value equal to `target`, or "*". */
bool ldap_entry_has(LDAP *ld, LDAPMessage *entry, const char *attr,
    const char *target);

#endif /* LDAP_PRIVATE_H */
