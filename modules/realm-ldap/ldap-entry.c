/*
 * ldap-entry.c — an LDAP entry into a gd_realm_user, through the
 * configured attribute mapping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ldap-private.h"

#define LDAP_VALUES_MAX		1024	/* values kept per attribute */

/* The values of `attr` as NUL-terminated strings in `pool`, NULL-
 * terminated; NULL without any. */
static const char **
ldap_entry_values(LDAP *ld, LDAPMessage *entry, const char *attr,
    struct gd_pool *pool)
{
	struct berval **v;
	const char **out;
	int i, n;

	if (attr == NULL || (v = ldap_get_values_len(ld, entry, attr)) == NULL)
		return NULL;
	n = ldap_count_values_len(v);
	if (n > LDAP_VALUES_MAX)
		n = LDAP_VALUES_MAX;
	out = gd_pool_alloc(pool, ((size_t)n + 1) * sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = gd_pool_strndup(pool, v[i]->bv_val, v[i]->bv_len);
	ldap_value_free_len(v);
	return n > 0 ? out : NULL;
}

static const char *
ldap_entry_first(LDAP *ld, LDAPMessage *entry, const char *attr,
    struct gd_pool *pool)
{
	const char **v = ldap_entry_values(ld, entry, attr, pool);

	return v != NULL ? v[0] : NULL;
}

/* A decimal number, or `def` when absent or not one. */
static uint64_t
ldap_entry_number(const char *s, uint64_t def)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return def;
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? def : (uint64_t)v;
}

/* "attr=value" for every value of every extra attribute. */
static const char *const *
ldap_entry_extra(const struct ldap_conf *c, LDAP *ld, LDAPMessage *entry,
    struct gd_pool *pool)
{
	const char **out, **v;
	size_t n = 0, cap = 0, i, j;

	for (i = 0; c->extra[i] != NULL; i++) {
		if ((v = ldap_entry_values(ld, entry, c->extra[i], pool)) ==
		    NULL)
			continue;
		for (j = 0; v[j] != NULL; j++)
			cap++;
	}
	out = gd_pool_alloc(pool, (cap + 1) * sizeof(*out));
	for (i = 0; c->extra[i] != NULL && n < cap; i++) {
		if ((v = ldap_entry_values(ld, entry, c->extra[i], pool)) ==
		    NULL)
			continue;
		for (j = 0; v[j] != NULL && n < cap; j++)
			out[n++] = gd_pool_printf(pool, "%s=%s", c->extra[i],
			    v[j]);
	}
	return out;
}

struct gd_realm_user *
ldap_entry_user(const struct ldap_conf *c, LDAP *ld, LDAPMessage *entry,
    const char *name, struct gd_pool *pool)
{
	struct gd_realm_user *u = gd_pool_alloc(pool, sizeof(*u));
	const char *const *a = (const char *const *)c->attr;
	const char *canon = ldap_entry_first(ld, entry, a[LDAP_FIELD_NAME],
	    pool);

	u->name = canon != NULL ? canon : gd_pool_strdup(pool, name);
	u->home = ldap_entry_first(ld, entry, a[LDAP_FIELD_HOME], pool);
	u->mail = ldap_entry_first(ld, entry, a[LDAP_FIELD_MAIL], pool);
	u->quota_storage = ldap_entry_number(ldap_entry_first(ld, entry,
	    a[LDAP_FIELD_QUOTA_STORAGE], pool), 0);
	u->quota_messages = ldap_entry_number(ldap_entry_first(ld, entry,
	    a[LDAP_FIELD_QUOTA_MESSAGES], pool), 0);
	u->aliases = ldap_entry_values(ld, entry, a[LDAP_FIELD_ALIASES], pool);
	u->cert_fingerprints = ldap_entry_values(ld, entry,
	    a[LDAP_FIELD_CERT_FINGERPRINTS], pool);
	u->uid = (uid_t)ldap_entry_number(ldap_entry_first(ld, entry,
	    a[LDAP_FIELD_UID], pool), (uint64_t)(uid_t)-1);
	u->gid = (gid_t)ldap_entry_number(ldap_entry_first(ld, entry,
	    a[LDAP_FIELD_GID], pool), (uint64_t)(gid_t)-1);
	u->extra = ldap_entry_extra(c, ld, entry, pool);
	return u;
}

bool
ldap_entry_has(LDAP *ld, LDAPMessage *entry, const char *attr,
    const char *target)
{
	struct berval **v;
	size_t tlen = strlen(target);
	bool found = false;
	int i;

	if ((v = ldap_get_values_len(ld, entry, attr)) == NULL)
		return false;
	for (i = 0; v[i] != NULL && !found; i++)
		found = (v[i]->bv_len == 1 && v[i]->bv_val[0] == '*') ||
		    (v[i]->bv_len == tlen &&
		    memcmp(v[i]->bv_val, target, tlen) == 0);
	ldap_value_free_len(v);
	return found;
}
