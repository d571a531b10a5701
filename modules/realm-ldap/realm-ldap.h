/*
 * realm-ldap.h — the realm's functions (ldap-realm.c) and how they reach
 * the module's connection pool (realm-ldap.c).
 */
#ifndef REALM_LDAP_H
#define REALM_LDAP_H

#include "ldap-private.h"

/* The pool (and through it the configuration) of the module that
 * publishes `realm`.  Any thread. */
struct ldap_pool *realm_ldap_pool(const struct gd_realm *realm);

int realm_ldap_lookup(const struct gd_realm *realm, const char *user,
    struct gd_pool *pool, struct gd_realm_user **user_r, const char **err);
int realm_ldap_verify_password(const struct gd_realm *realm,
    const char *user, const void *password, size_t len,
    struct gd_pool *pool, struct gd_realm_user **user_r, const char **err);
int realm_ldap_may_act_as(const struct gd_realm *realm,
    const struct gd_realm_user *user, const char *target, const char **err);

#endif /* REALM_LDAP_H */
