/*
 * realm-oauth.c — the realm "oauth": bearer tokens checked as JWTs with
 * local keys, or by RFC 7662 introspection; results cached for their
 * lifetime.  See README.md for the configuration, realm-oauth.h for the
 * parts.
 *
 * Which check: a token shaped like a JWS (three base64url parts) is
 * verified locally when keys are configured; any other token, or every
 * token without keys, goes to the introspection endpoint when there is
 * one; otherwise it is refused.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#include "realm-oauth.h"

/* Positive answers without an exp are kept this long (ms). */
#define ROAUTH_NO_EXP_TTL_MS	60000

static struct roauth_module *
roauth_mod(const struct gd_realm *realm)
{
	return gd_module_ctx_get_data(gd_service_module_ctx(realm));
}

/* ---- keys --------------------------------------------------------------- */

struct roauth_keyset *
roauth_keys_build(const struct roauth_module *mod, struct stat *st,
    char **err)
{
	struct roauth_keyset *set = calloc(1, sizeof(*set));
	gnutls_datum_t d = { NULL, 0 };
	size_t i;
	int ret = 0;

	if (set == NULL)
		return NULL;
	set->refs = 1;
	for (i = 0; ret == 0 && i < mod->pem_count; i++)
		ret = roauth_keyset_add_pem(set, mod->pems[i].file,
		    mod->pems[i].kid, mod->pems[i].alg, err);
	if (ret == 0 && mod->jwks_path != NULL) {
		if (stat(mod->jwks_path, st) < 0 ||
		    gnutls_load_file(mod->jwks_path, &d) < 0) {
			*err = gd_xasprintf("realm-oauth: cannot read %s",
			    mod->jwks_path);
			ret = -1;
		} else
			ret = roauth_keyset_add_jwks(set, (const char *)d.data,
			    d.size, err);
		gnutls_free(d.data);
	}
	if (ret < 0) {
		roauth_keyset_free(set);
		return NULL;
	}
	return set;
}

/* A rewritten or replaced JWKS file is read again (rotation). */
static void
roauth_keys_refresh(struct roauth_module *mod)
{
	struct roauth_keyset *set, *old = NULL;
	struct stat st, nst;
	char *err = NULL;

	if (mod->jwks_path == NULL || stat(mod->jwks_path, &st) < 0)
		return;
	pthread_mutex_lock(&mod->lock);
	if (st.st_ino == mod->jwks_st.st_ino &&
	    st.st_size == mod->jwks_st.st_size &&
	    st.st_mtim.tv_sec == mod->jwks_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == mod->jwks_st.st_mtim.tv_nsec) {
		pthread_mutex_unlock(&mod->lock);
		return;
	}
	mod->jwks_st = st;
	if ((set = roauth_keys_build(mod, &nst, &err)) != NULL) {
		old = mod->keys;
		mod->keys = set;
		mod->jwks_st = nst;
	}
	pthread_mutex_unlock(&mod->lock);
	if (set == NULL) {
		gd_log(GD_LOG_WARNING, "realm.oauth.keys", "file=%s "
		    "reason=\"%s; the previous keys stay\"", mod->jwks_path,
		    err != NULL ? err : "out of memory");
		free(err);
	} else
		gd_log(GD_LOG_INFO, "realm.oauth.keys", "file=%s keys=%zu "
		    "reason=reloaded", mod->jwks_path, set->count);
	if (old != NULL) {
		pthread_mutex_lock(&mod->lock);
		if (--old->refs == 0)
			roauth_keyset_free(old);
		pthread_mutex_unlock(&mod->lock);
	}
}

static struct roauth_keyset *
roauth_keys_get(struct roauth_module *mod)
{
	struct roauth_keyset *set;

	roauth_keys_refresh(mod);
	pthread_mutex_lock(&mod->lock);
	set = mod->keys;
	set->refs++;
	pthread_mutex_unlock(&mod->lock);
	return set;
}

static void
roauth_keys_put(struct roauth_module *mod, struct roauth_keyset *set)
{
	pthread_mutex_lock(&mod->lock);
	if (--set->refs == 0)
		roauth_keyset_free(set);
	pthread_mutex_unlock(&mod->lock);
}

/* ---- checking a token --------------------------------------------------- */

/* Three base64url parts? */
static bool
roauth_jwt_shaped(const char *t, size_t len)
{
	size_t i, dots = 0;

	for (i = 0; i < len; i++) {
		if (t[i] == '.')
			dots++;
		else if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' &&
		    t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') ||
		    t[i] == '-' || t[i] == '_'))
			return false;
	}
	return dots == 2;
}

static int
roauth_check_jwt(struct roauth_module *mod, const char *token, size_t len,
    int64_t now, char **user, int64_t *exp, const char **status,
    const char **why)
{
	struct roauth_keyset *keys;
	struct roauth_jwt jwt;
	int ret;

	*status = "invalid_token";
	if (roauth_jwt_parse(token, len, &jwt, why) < 0)
		return 0;
	keys = roauth_keys_get(mod);
	ret = roauth_jwt_verify(&jwt, token, keys, &mod->rules, now, user,
	    exp, status, why);
	roauth_keys_put(mod, keys);
	roauth_jwt_clear(&jwt);
	return ret;
}

/* Ask the right checker; -1 only when introspection could not answer. */
static int
roauth_check(struct roauth_module *mod, const char *token, size_t len,
    char **user, int64_t *exp, const char **status, const char **why,
    bool *asked_r)
{
	int64_t now = (int64_t)time(NULL);

	*user = NULL;
	*exp = 0;
	*status = "invalid_token";
	*why = "no way to check this token";
	*asked_r = false;
	if (mod->have_keys && roauth_jwt_shaped(token, len))
		return roauth_check_jwt(mod, token, len, now, user, exp,
		    status, why);
	if (!mod->have_intro)
		return 0;
	*asked_r = true;
	return roauth_introspect(&mod->intro, token, len, &mod->irules, now,
	    user, exp, status, why);
}

/* How long the cache keeps an answer (monotonic ms). */
static uint64_t
roauth_until(const struct roauth_module *mod, bool ok, bool asked,
    int64_t exp, uint64_t now_ms)
{
	int64_t left;

	/* Only the endpoint's refusals are kept: a JWT that is not valid
	 * yet may become valid. */
	if (!ok)
		return asked ? now_ms + ROAUTH_NEGATIVE_TTL_MS : 0;
	if (exp == 0)
		return now_ms + ROAUTH_NO_EXP_TTL_MS;
	left = exp + mod->rules.leeway - (int64_t)time(NULL);
	return left > 0 ? now_ms + (uint64_t)left * 1000 : 0;
}

/* The cached or fresh answer: 1 / 0 / -1, *user malloc'd on 1. */
static int
roauth_answer(struct roauth_module *mod, const char *token, size_t len,
    char **user, int64_t *exp, const char **status)
{
	struct roauth_cache_entry e;
	uint8_t key[ROAUTH_DIGEST];
	const char *why = NULL;
	uint64_t now_ms = gd_now_ms(), until;
	bool asked;
	int ret;

	roauth_cache_digest(token, len, key);
	if (roauth_cache_get(&mod->cache, key, now_ms, &e)) {
		*user = e.user;
		*exp = e.exp;
		*status = e.ok ? NULL : e.status;
		return e.ok ? 1 : 0;
	}
	ret = roauth_check(mod, token, len, user, exp, status, &why, &asked);
	if (ret < 0)
		return -1;
	if (ret == 0)
		gd_log(GD_LOG_INFO, "realm.oauth.refused", "reason=\"%s\"",
		    why);
	until = roauth_until(mod, ret == 1, asked, *exp, now_ms);
	if (until > now_ms)
		roauth_cache_put(&mod->cache, key, ret == 1, *user, *status,
		    *exp, until);
	return ret;
}

/* ---- the realm ---------------------------------------------------------- */

static struct gd_realm_user *
roauth_record(struct gd_pool *pool, const char *name)
{
	struct gd_realm_user *u = gd_pool_alloc(pool, sizeof(*u));

	u->name = gd_pool_strdup(pool, name);
	u->uid = (uid_t)-1;
	u->gid = (gid_t)-1;
	return u;
}

/* Tokens are the only proof of a user here: no user exists otherwise. */
static int
roauth_lookup(const struct gd_realm *realm, const char *user,
    struct gd_pool *pool, struct gd_realm_user **user_r, const char **err)
{
	(void)realm;
	(void)user;
	(void)pool;
	(void)user_r;
	(void)err;
	return 0;
}

static int
roauth_verify_token(const struct gd_realm *realm, const char *user,
    const void *token, size_t len, struct gd_pool *pool,
    struct gd_realm_user **user_r, struct gd_realm_token *info,
    const char **err)
{
	struct roauth_module *mod = roauth_mod(realm);
	const char *status = NULL;
	char *who = NULL;
	int64_t exp = 0;
	int ret;

	memset(info, 0, sizeof(*info));
	info->scope = mod->scope;
	info->openid_configuration = mod->openid;
	ret = len == 0 || len > ROAUTH_TOKEN_MAX ? 0 :
	    roauth_answer(mod, token, len, &who, &exp, &status);
	if (ret < 0) {
		*err = "realm-oauth: introspection failed";
		return -1;
	}
	/* The token's user must be the one the client claims. */
	if (ret == 1 && user != NULL && strcmp(user, who) != 0)
		ret = 0;
	if (ret == 1) {
		*user_r = roauth_record(pool, who);
		info->expires = exp;
	} else
		info->status = status != NULL ? status : "invalid_token";
	free(who);
	return ret;
}

static const struct gd_realm roauth_realm = {
	.size = sizeof(struct gd_realm),
	.name = "oauth",
	.lookup = roauth_lookup,
	.verify_token = roauth_verify_token,
};

const struct gd_service_decl roauth_services[] = {
	{ GD_REALM_SERVICE_PREFIX "oauth", GD_REALM_MAJOR, GD_REALM_MINOR,
	    &roauth_realm },
	{ NULL, 0, 0, NULL },
};
