/*
 * ldap-realm.c — the realm's functions (gumdrop/realm.h) over LDAP.
 *
 * Passwords are checked by binding as the user: with the DN template
 * (bind-as-user) or with the DN a search as the service found
 * (search-then-bind).  An unknown user, an ambiguous one, an empty
 * password or an unusable name still costs one bind (to a DN that does
 * not exist, or with a password that cannot match) and, after a search
 * that found nothing, the reading of an entry, so that the answer and
 * the time are those of a wrong password.
 */
#include <string.h>
#include <strings.h>

#include <gumdrop/msg-codec.h>

#include "ldap-private.h"
#include "realm-ldap.h"

/* One call's arguments and results, for ldap_realm_run. */
struct ldap_job {
	const struct ldap_conf *c;
	const char *user;
	const void *password;
	size_t len;
	const char *target;		/* may_act_as */
	struct gd_pool *pool;
	struct gd_realm_user *user_r;
	int found;			/* the realm's 1 or 0 */
};

typedef int ldap_job_fn(struct ldap_slot *s, struct ldap_job *j);

/* A password no entry has: binds with it fail like a wrong one. */
static const char ldap_dummy_password[] = "\x01gumdrop-no-password";

/* Run `fn` on a pooled connection; once more on a fresh one when the
 * reused connection turned out dropped.  1/0, or -1 with *err. */
static int
ldap_realm_run(const struct gd_realm *realm, ldap_job_fn *fn,
    struct ldap_job *j, const char **err)
{
	struct ldap_pool *p = realm_ldap_pool(realm);
	struct ldap_slot *s;
	bool reused;
	int attempt, rc = LDAP_SUCCESS;

	j->c = p->conf;
	for (attempt = 0; attempt < 2; attempt++) {
		if ((s = ldap_pool_get(p)) == NULL) {
			*err = "realm-ldap: no free connection in time";
			return -1;
		}
		reused = s->ld != NULL;
		rc = fn(s, j);
		ldap_pool_put(p, s, ldap_ops_broken(rc));
		if (!reused || !ldap_ops_retry(rc))
			break;
	}
	if (rc == LDAP_SUCCESS)
		return j->found;
	*err = gd_pool_printf(j->pool, "realm-ldap: %s", ldap_err2string(rc));
	return -1;
}

/* A name we can put in a filter or DN at all. */
static bool
ldap_realm_name_ok(const char *user)
{
	size_t len = strlen(user);

	return len > 0 && len < LDAP_USER_MAX &&
	    gd_msg_utf8_valid(user, len);
}

/* The user's entry: by the DN template, or by the search filter.  On
 * LDAP_SUCCESS *entry_r is the one entry (or NULL: none, or several). */
static int
ldap_realm_find(struct ldap_slot *s, struct ldap_job *j,
    LDAPMessage **res_r, LDAPMessage **entry_r)
{
	const struct ldap_conf *c = j->c;
	char buf[LDAP_TEMPLATE_MAX];
	const char *error;
	int rc;

	*res_r = *entry_r = NULL;
	if (!ldap_realm_name_ok(j->user))
		return LDAP_SUCCESS;
	if (c->user_dn != NULL) {
		if (ldap_template_expand(c->user_dn, j->user, LDAP_ESCAPE_DN,
		    buf, sizeof(buf), &error) < 0)
			return LDAP_SUCCESS;
		rc = ldap_ops_search(s, c, buf, LDAP_SCOPE_BASE,
		    "(objectClass=*)", c->attrs, res_r);
	} else {
		if (ldap_template_expand(c->filter, j->user,
		    LDAP_ESCAPE_FILTER, buf, sizeof(buf), &error) < 0)
			return LDAP_SUCCESS;
		rc = ldap_ops_search(s, c, c->base, c->scope, buf, c->attrs,
		    res_r);
	}
	if (rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_SIZELIMIT_EXCEEDED)
		rc = LDAP_SUCCESS;
	if (rc == LDAP_SUCCESS && *res_r != NULL &&
	    ldap_count_entries(s->ld, *res_r) == 1)
		*entry_r = ldap_first_entry(s->ld, *res_r);
	return rc;
}

/* ---- lookup ------------------------------------------------------------ */

static int
ldap_job_lookup(struct ldap_slot *s, struct ldap_job *j)
{
	LDAPMessage *res, *entry;
	int rc;

	j->found = 0;
	if ((rc = ldap_ops_service(s, j->c)) != LDAP_SUCCESS)
		return rc;
	rc = ldap_realm_find(s, j, &res, &entry);
	if (entry != NULL) {
		j->user_r = ldap_entry_user(j->c, s->ld, entry, j->user,
		    j->pool);
		j->found = 1;
	}
	ldap_msgfree(res);
	return rc;
}

int
realm_ldap_lookup(const struct gd_realm *realm, const char *user,
    struct gd_pool *pool, struct gd_realm_user **user_r, const char **err)
{
	struct ldap_job j = { .user = user, .pool = pool };
	int ret = ldap_realm_run(realm, ldap_job_lookup, &j, err);

	*user_r = ret > 0 ? j.user_r : NULL;
	return ret;
}

/* ---- verify_password ---------------------------------------------------- */

/* Bind as `dn` with the password (a dummy one when there is no DN or no
 * password: the same round trip, certainly refused). */
static int
ldap_job_bind(struct ldap_slot *s, struct ldap_job *j, const char *dn)
{
	bool real = dn != NULL && j->len > 0;
	int rc;

	rc = ldap_ops_bind(s, j->c, dn != NULL ? dn : j->c->dummy_dn,
	    real ? j->password : ldap_dummy_password,
	    real ? j->len : sizeof(ldap_dummy_password) - 1);
	j->found = real && rc == LDAP_SUCCESS;
	/* Any refusal by the server is "no"; only a client-side error
	 * (server down, timeout) makes the realm unable to answer. */
	return ldap_ops_broken(rc) ? rc : LDAP_SUCCESS;
}

/* bind-as-user: the DN from the template; then the entry, read as the
 * user (who may read their own entry; without it, a minimal record). */
static int
ldap_job_verify_dn(struct ldap_slot *s, struct ldap_job *j)
{
	char dn[LDAP_TEMPLATE_MAX];
	const char *error;
	LDAPMessage *res, *entry;
	int rc;

	j->found = 0;
	rc = ldap_realm_name_ok(j->user) && ldap_template_expand(
	    j->c->user_dn, j->user, LDAP_ESCAPE_DN, dn, sizeof(dn),
	    &error) == 0 ? ldap_job_bind(s, j, dn) : ldap_job_bind(s, j, NULL);
	if (rc != LDAP_SUCCESS || !j->found)
		return rc;
	rc = ldap_ops_search(s, j->c, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    j->c->attrs, &res);
	entry = rc == LDAP_SUCCESS ? ldap_first_entry(s->ld, res) : NULL;
	j->user_r = entry != NULL ? ldap_entry_user(j->c, s->ld, entry,
	    j->user, j->pool) : NULL;
	ldap_msgfree(res);
	return ldap_ops_broken(rc) ? rc : LDAP_SUCCESS;
}

/*
 * A search that finds nothing is answered in one message, one that finds
 * the user in two (the entry, then the result); with Nagle's algorithm on
 * the server and delayed ACKs here, the second can wait milliseconds,
 * which would tell unknown users apart.  So without an entry, read one:
 * the base's, with the same attributes.
 */
static int
ldap_job_dummy_search(struct ldap_slot *s, struct ldap_job *j)
{
	LDAPMessage *res;
	int rc;

	rc = ldap_ops_search(s, j->c, j->c->base, LDAP_SCOPE_BASE,
	    "(objectClass=*)", j->c->attrs, &res);
	ldap_msgfree(res);
	return ldap_ops_broken(rc) ? rc : LDAP_SUCCESS;
}

/* search-then-bind: find the entry as the service, bind as its DN. */
static int
ldap_job_verify_search(struct ldap_slot *s, struct ldap_job *j)
{
	LDAPMessage *res, *entry;
	char *dn = NULL;
	int rc;

	j->found = 0;
	if ((rc = ldap_ops_service(s, j->c)) != LDAP_SUCCESS)
		return rc;
	if ((rc = ldap_realm_find(s, j, &res, &entry)) != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return rc;
	}
	if (entry == NULL && (rc = ldap_job_dummy_search(s, j)) !=
	    LDAP_SUCCESS) {
		ldap_msgfree(res);
		return rc;
	}
	if (entry != NULL) {
		dn = ldap_get_dn(s->ld, entry);
		j->user_r = ldap_entry_user(j->c, s->ld, entry, j->user,
		    j->pool);
	}
	ldap_msgfree(res);
	rc = ldap_job_bind(s, j, dn);
	ldap_memfree(dn);
	if (!j->found)
		j->user_r = NULL;
	return rc;
}

int
realm_ldap_verify_password(const struct gd_realm *realm, const char *user,
    const void *password, size_t len, struct gd_pool *pool,
    struct gd_realm_user **user_r, const char **err)
{
	const struct ldap_conf *c = realm_ldap_pool(realm)->conf;
	struct ldap_job j = { .user = user, .password = password,
	    .len = len, .pool = pool };
	int ret;

	ret = ldap_realm_run(realm, c->user_dn != NULL ? ldap_job_verify_dn :
	    ldap_job_verify_search, &j, err);
	*user_r = ret > 0 ? j.user_r : NULL;
	return ret;
}

/* ---- may_act_as --------------------------------------------------------- */

static int
ldap_job_act_as(struct ldap_slot *s, struct ldap_job *j)
{
	const struct ldap_conf *c = j->c;
	LDAPMessage *res, *entry;
	char *dn = NULL;
	int rc;

	j->found = 0;
	if ((rc = ldap_ops_service(s, c)) != LDAP_SUCCESS)
		return rc;
	if ((rc = ldap_realm_find(s, j, &res, &entry)) != LDAP_SUCCESS ||
	    entry == NULL) {
		ldap_msgfree(res);
		return rc;
	}
	if (c->act_as_attr != NULL)
		j->found = ldap_entry_has(s->ld, entry, c->act_as_attr,
		    j->target);
	dn = ldap_get_dn(s->ld, entry);
	ldap_msgfree(res);
	if (!j->found && c->act_as_group != NULL && dn != NULL) {
		/* memberUid holds names; member and uniqueMember DNs. */
		rc = ldap_ops_compare(s, c, c->act_as_group,
		    c->act_as_group_attr, strcasecmp(c->act_as_group_attr,
		    "memberUid") == 0 ? j->user : dn);
		j->found = rc == LDAP_COMPARE_TRUE;
		rc = ldap_ops_broken(rc) ? rc : LDAP_SUCCESS;
	}
	ldap_memfree(dn);
	return rc;
}

int
realm_ldap_may_act_as(const struct gd_realm *realm,
    const struct gd_realm_user *user, const char *target, const char **err)
{
	struct gd_pool *pool = gd_pool_create("realm-ldap");
	struct ldap_job j = { .user = user->name, .target = target,
	    .pool = pool };
	int ret;

	ret = ldap_realm_run(realm, ldap_job_act_as, &j, err);
	/* *err must outlive the pool: a static text will do. */
	if (ret < 0)
		*err = "realm-ldap: the server could not answer";
	gd_pool_destroy(&pool);
	return ret;
}
