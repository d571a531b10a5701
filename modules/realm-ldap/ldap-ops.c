/*
 * ldap-ops.c — opening a connection and the operations the realm needs,
 * each bounded by the configured timeouts: asynchronous requests awaited
 * with ldap_result() and a deadline, abandoned when it passes.
 */
#include <string.h>

#include "ldap-private.h"

static int
ldap_ops_open(struct ldap_slot *s, const struct ldap_conf *c)
{
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	LDAP *ld = NULL;
	int rc;

	if ((rc = ldap_initialize(&ld, c->uri)) != LDAP_SUCCESS)
		return rc;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &c->net_timeout);
	/* Bounds the synchronous StartTLS below. */
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &c->op_timeout);
	if (c->ca_file != NULL) {
		ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca_file);
		ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
		ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	}
	if (c->starttls && (rc = ldap_start_tls_s(ld, NULL, NULL)) !=
	    LDAP_SUCCESS) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		return rc == LDAP_SUCCESS ? LDAP_CONNECT_ERROR : rc;
	}
	s->ld = ld;
	s->service_bound = false;
	return LDAP_SUCCESS;
}

bool
ldap_ops_broken(int rc)
{
	/* libldap's own errors are negative: the connection is unusable. */
	return rc < 0;
}

bool
ldap_ops_retry(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR;
}

/* Wait for the answer to `msgid`; LDAP_TIMEOUT after abandoning it. */
static int
ldap_ops_wait(struct ldap_slot *s, const struct ldap_conf *c, int msgid,
    LDAPMessage **res_r)
{
	struct timeval tv = c->op_timeout;
	int rc, err = LDAP_SERVER_DOWN;

	*res_r = NULL;
	rc = ldap_result(s->ld, msgid, LDAP_MSG_ALL, &tv, res_r);
	if (rc == 0) {
		ldap_abandon_ext(s->ld, msgid, NULL, NULL);
		return LDAP_TIMEOUT;
	}
	if (rc < 0) {
		ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &err);
		return err < 0 ? err : LDAP_SERVER_DOWN;
	}
	return LDAP_SUCCESS;
}

/* Send with `send` (which sets *msgid), wait, and give the result code;
 * the message too when res_r is not NULL. */
static int
ldap_ops_finish(struct ldap_slot *s, const struct ldap_conf *c, int rc,
    int msgid, LDAPMessage **res_r)
{
	LDAPMessage *res;
	int err;

	if (rc != LDAP_SUCCESS)
		return rc;
	if ((rc = ldap_ops_wait(s, c, msgid, &res)) != LDAP_SUCCESS)
		return rc;
	rc = ldap_parse_result(s->ld, res, &err, NULL, NULL, NULL, NULL, 0);
	if (rc != LDAP_SUCCESS)
		err = rc;
	if (res_r != NULL && (err == LDAP_SUCCESS ||
	    err == LDAP_SIZELIMIT_EXCEEDED))
		*res_r = res;
	else
		ldap_msgfree(res);
	return err;
}

static int
ldap_ops_ready(struct ldap_slot *s, const struct ldap_conf *c)
{
	return s->ld != NULL ? LDAP_SUCCESS : ldap_ops_open(s, c);
}

int
ldap_ops_bind(struct ldap_slot *s, const struct ldap_conf *c, const char *dn,
    const void *password, size_t len)
{
	struct berval cred = { len, (char *)password };
	int rc, msgid = -1;

	if ((rc = ldap_ops_ready(s, c)) != LDAP_SUCCESS)
		return rc;
	s->service_bound = false;
	rc = ldap_sasl_bind(s->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    &msgid);
	return ldap_ops_finish(s, c, rc, msgid, NULL);
}

int
ldap_ops_service(struct ldap_slot *s, const struct ldap_conf *c)
{
	int rc;

	if (s->ld != NULL && s->service_bound)
		return LDAP_SUCCESS;
	rc = ldap_ops_bind(s, c, c->bind_dn != NULL ? c->bind_dn : "",
	    c->bind_password != NULL ? c->bind_password : "",
	    c->bind_password != NULL ? strlen(c->bind_password) : 0);
	s->service_bound = rc == LDAP_SUCCESS;
	return rc;
}

int
ldap_ops_search(struct ldap_slot *s, const struct ldap_conf *c,
    const char *base, int scope, const char *filter, char **attrs,
    LDAPMessage **res_r)
{
	struct timeval limit = c->op_timeout;
	int rc, msgid = -1;

	*res_r = NULL;
	if ((rc = ldap_ops_ready(s, c)) != LDAP_SUCCESS)
		return rc;
	/* Two entries are enough to know a name is not unique. */
	rc = ldap_search_ext(s->ld, base, scope, filter, attrs, 0, NULL, NULL,
	    &limit, 2, &msgid);
	return ldap_ops_finish(s, c, rc, msgid, res_r);
}

int
ldap_ops_compare(struct ldap_slot *s, const struct ldap_conf *c,
    const char *dn, const char *attr, const char *value)
{
	struct berval bv = { strlen(value), (char *)value };
	int rc, msgid = -1;

	if ((rc = ldap_ops_ready(s, c)) != LDAP_SUCCESS)
		return rc;
	rc = ldap_compare_ext(s->ld, dn, attr, &bv, NULL, NULL, &msgid);
	return ldap_ops_finish(s, c, rc, msgid, NULL);
}
