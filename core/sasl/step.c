/*
 * step.c — what a mechanism's step may use (gumdrop/sasl-impl.h), the
 * checks after a successful step (lockout, authorization identity, the
 * realm's record), and the TLS details captured when an exchange starts.
 */
#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/memops.h>

#include <gumdrop/conn.h>
#include <gumdrop/pool.h>
#include <gumdrop/tls.h>

#include "sasl-private.h"

/* Bytes of the stand-in secret given for users without one. */
#define STEP_STAND_IN_LEN	32

static const char *const step_cb_types[GD_SASL_CB_TYPES] = {
	"tls-exporter", "tls-unique", "tls-server-end-point",
};

static struct gd_sasl *
step_sasl(struct gd_sasl_exchange *x)
{
	GD_CHECK_MAGIC(x, GD_SASL_X_MAGIC);
	return x->sasl;
}

/* ---- captured at start ------------------------------------------------- */

void
gd_sasl_capture(struct gd_sasl *sasl, struct gd_conn *conn)
{
	const char *sni, *error;
	const void *der;
	size_t len;
	int i;

	sasl->tls = gd_conn_is_tls(conn);
	for (i = 0; sasl->tls && i < GD_SASL_CB_TYPES; i++) {
		sasl->cb[i].type = step_cb_types[i];
		sasl->cb[i].len = sizeof(sasl->cb[i].data);
		sasl->cb[i].ok = gd_conn_tls_channel_binding(conn,
		    step_cb_types[i], sasl->cb[i].data, &sasl->cb[i].len,
		    &error) == 0;
	}
	sasl->peer_status = gd_conn_tls_peer_cert(conn, &der, &len);
	if (sasl->peer_status != GD_TLS_PEER_NONE) {
		sasl->peer_der = gd_pool_alloc(sasl->pool, len);
		memcpy((void *)sasl->peer_der, der, len);
		sasl->peer_len = len;
	}
	sni = sasl->tls ? gd_conn_tls_server_name(conn) : NULL;
	sasl->hostname = gd_pool_strdup(sasl->pool, sni != NULL ? sni :
	    sasl->set->hostname);
}

/* ---- gd_sasl_x_* ---------------------------------------------------- */

struct gd_pool *
gd_sasl_x_pool(struct gd_sasl_exchange *x)
{
	return step_sasl(x)->pool;
}

const struct gd_realm *
gd_sasl_x_realm(struct gd_sasl_exchange *x)
{
	return step_sasl(x)->set->realm;
}

int
gd_sasl_x_verify_password(struct gd_sasl_exchange *x, const char *user,
    const void *password, size_t len, struct gd_realm_user **user_r)
{
	struct gd_sasl *sasl = step_sasl(x);
	const struct gd_realm *realm = sasl->set->realm;
	const char *err = NULL;
	int ret;

	*user_r = NULL;
	sasl->tried_user = gd_pool_strdup(sasl->pool, user);
	/* A locked-out name is refused without asking the realm; the same
	 * holds for names the realm does not know, so this reveals nothing. */
	if (gd_sasl_policy_locked(sasl->set, NULL, user, gd_now_ms())) {
		sasl->user_locked = true;
		return 0;
	}
	if (realm->verify_password == NULL)
		return 0;
	/* By contract the realm does the same work for unknown users. */
	ret = realm->verify_password(realm, user, password, len, sasl->pool,
	    user_r, &err);
	if (ret < 0) {
		sasl->text = err;
		return -1;
	}
	if (ret == 0)
		*user_r = NULL;
	return ret > 0 ? 1 : 0;
}

/* A random stand-in secret, for users the realm has no secret for. */
static void
step_stand_in(struct gd_sasl *sasl, const char **secret_r, size_t *len_r)
{
	unsigned char *key = gd_pool_alloc(sasl->pool, STEP_STAND_IN_LEN);

	(void)gnutls_rnd(GNUTLS_RND_NONCE, key, STEP_STAND_IN_LEN);
	*secret_r = (const char *)key;
	*len_r = STEP_STAND_IN_LEN;
}

int
gd_sasl_x_plain_secret(struct gd_sasl_exchange *x, const char *user,
    const char **secret_r, size_t *len_r, struct gd_realm_user **user_r)
{
	struct gd_sasl *sasl = step_sasl(x);
	const struct gd_realm *realm = sasl->set->realm;
	const char *err = NULL;
	int ret = 0;

	*user_r = NULL;
	sasl->tried_user = gd_pool_strdup(sasl->pool, user);
	if (gd_sasl_policy_locked(sasl->set, NULL, user, gd_now_ms()))
		sasl->user_locked = true;
	else if (realm->plain_secret != NULL)
		ret = realm->plain_secret(realm, user, sasl->pool, secret_r,
		    len_r, user_r, &err);
	if (ret < 0) {
		sasl->text = err;
		return -1;
	}
	if (ret > 0)
		return 1;
	*user_r = NULL;
	step_stand_in(sasl, secret_r, len_r);
	return 0;
}

int
gd_sasl_x_channel_binding(struct gd_sasl_exchange *x, const char *type,
    const void **data_r, size_t *len_r)
{
	struct gd_sasl *sasl = step_sasl(x);
	int i;

	for (i = 0; sasl->tls && i < GD_SASL_CB_TYPES; i++) {
		if (strcmp(sasl->cb[i].type, type) != 0 || !sasl->cb[i].ok)
			continue;
		*data_r = sasl->cb[i].data;
		*len_r = sasl->cb[i].len;
		return 0;
	}
	return -1;
}

bool
gd_sasl_x_tls(struct gd_sasl_exchange *x)
{
	return step_sasl(x)->tls;
}

enum gd_tls_peer_status
gd_sasl_x_peer_cert(struct gd_sasl_exchange *x, const void **der_r,
    size_t *len_r)
{
	struct gd_sasl *sasl = step_sasl(x);

	*der_r = sasl->peer_der;
	*len_r = sasl->peer_len;
	return sasl->peer_status;
}

const char *
gd_sasl_x_hostname(struct gd_sasl_exchange *x)
{
	return step_sasl(x)->hostname;
}

const char *
gd_sasl_x_service(struct gd_sasl_exchange *x)
{
	return step_sasl(x)->set->service;
}

const struct gd_config_node *
gd_sasl_x_listener_config(struct gd_sasl_exchange *x)
{
	return step_sasl(x)->set->node;
}

bool
gd_sasl_secret_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return false;
	return memeql_sec(a, b, alen) != 0;
}

/* ---- after a successful step (pool thread) ---------------------------- */

/* The realm's record of `name` (NULL when it has none). */
static struct gd_realm_user *
step_lookup(struct gd_sasl *sasl, const char *name, int *ret_r)
{
	const struct gd_realm *realm = sasl->set->realm;
	struct gd_realm_user *u = NULL;
	const char *err = NULL;

	*ret_r = realm->lookup(realm, name, sasl->pool, &u, &err);
	if (*ret_r < 0)
		sasl->text = err;
	return *ret_r > 0 ? u : NULL;
}

/* May the authenticated user act as `target`?  Sets sasl->reason. */
static void
step_authorize(struct gd_sasl *sasl, struct gd_realm_user *self,
    const char *target)
{
	const struct gd_realm *realm = sasl->set->realm;
	struct gd_realm_user anon = { .name = sasl->authcid };
	const char *err = NULL;
	int ret;

	if (realm->may_act_as == NULL) {
		sasl->reason = GD_SASL_AUTHZ_DENIED;
		return;
	}
	ret = realm->may_act_as(realm, self != NULL ? self : &anon, target,
	    &err);
	if (ret < 0) {
		sasl->reason = GD_SASL_TEMPORARY;
		sasl->text = err;
	} else if (ret == 0)
		sasl->reason = GD_SASL_AUTHZ_DENIED;
}

void
gd_sasl_job_success(struct gd_sasl *sasl)
{
	const struct gd_sasl_step *out = &sasl->out;
	struct gd_realm_user *self = out->user;
	int ret = 1;

	sasl->reason = GD_SASL_OK;
	if (out->authcid == NULL || *out->authcid == '\0') {
		sasl->reason = GD_SASL_BAD_CREDENTIALS;
		sasl->text = "mechanism named no user";
		return;
	}
	sasl->authcid = gd_pool_strdup(sasl->pool, out->authcid);
	sasl->tried_user = sasl->authcid;
	if (gd_sasl_policy_locked(sasl->set, NULL, sasl->authcid,
	    gd_now_ms())) {
		sasl->reason = GD_SASL_LOCKED_OUT;
		return;
	}
	if (self == NULL)
		self = step_lookup(sasl, sasl->authcid, &ret);
	if (ret < 0) {
		sasl->reason = GD_SASL_TEMPORARY;
		return;
	}
	if (out->authzid == NULL || *out->authzid == '\0' ||
	    strcmp(out->authzid, sasl->authcid) == 0) {
		sasl->user = sasl->authcid;
		sasl->info = self;
		return;
	}
	step_authorize(sasl, self, out->authzid);
	if (sasl->reason != GD_SASL_OK)
		return;
	sasl->user = gd_pool_strdup(sasl->pool, out->authzid);
	sasl->info = step_lookup(sasl, sasl->user, &ret);
	if (ret < 0)
		sasl->reason = GD_SASL_TEMPORARY;
}
