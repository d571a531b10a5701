/*
 * realm-file-realm.c — the realm service (realm.h) over the current
 * table.  Every function takes a reference to the table for its whole
 * run, so a reload never frees what a call is reading; results are
 * copied into the caller's pool.
 */
#include "config.h"

#include <string.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "realm-file.h"

static const char *const *
rf_copy_list(struct gd_pool *pool, const char *const *list)
{
	const char **out;
	size_t n = 0, i;

	while (list != NULL && list[n] != NULL)
		n++;
	out = gd_pool_alloc(pool, (n + 1) * sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = gd_pool_strdup(pool, list[i]);
	return out;
}

/* The public record of `u`, in `pool`. */
static struct gd_realm_user *
rf_export(struct gd_pool *pool, const struct realm_file_user *u)
{
	struct gd_realm_user *r = gd_pool_alloc(pool, sizeof(*r));

	r->name = gd_pool_strdup(pool, u->name);
	r->home = u->home != NULL ? gd_pool_strdup(pool, u->home) : NULL;
	r->mail = u->mail != NULL ? gd_pool_strdup(pool, u->mail) : NULL;
	r->quota_storage = u->quota_storage;
	r->quota_messages = u->quota_messages;
	r->aliases = rf_copy_list(pool, u->aliases);
	r->cert_fingerprints = rf_copy_list(pool, u->certs);
	r->uid = u->uid;
	r->gid = u->gid;
	r->extra = rf_copy_list(pool, u->extra);
	return r;
}

/*
 * Start a call: the current table, or NULL (-1, realm unavailable).  The
 * table is static data; the module's state is its context's data.
 */
static struct realm_file_table *
rf_begin(const struct gd_realm *realm, const char **err)
{
	struct gd_module_ctx *ctx = gd_service_module_ctx(realm);
	struct realm_file_table *t;

	t = realm_file_current(ctx != NULL ? gd_module_ctx_get_data(ctx) :
	    NULL);
	if (t == NULL)
		*err = "realm-file is not initialised";
	return t;
}

static int
rf_lookup(const struct gd_realm *realm, const char *user,
    struct gd_pool *pool, struct gd_realm_user **user_r, const char **err)
{
	struct realm_file_table *t = rf_begin(realm, err);
	const struct realm_file_user *u;

	if (t == NULL)
		return -1;
	u = realm_file_table_find(t, user);
	if (u != NULL && user_r != NULL)
		*user_r = rf_export(pool, u);
	realm_file_table_unref(&t);
	return u != NULL ? 1 : 0;
}

/*
 * An unknown user, or one without a password, costs one verification of
 * the table's stand-in entry, so that the answer (0) comes after the same
 * work as for a wrong password.
 */
static int
rf_verify_password(const struct gd_realm *realm, const char *user,
    const void *password, size_t len, struct gd_pool *pool,
    struct gd_realm_user **user_r, const char **err)
{
	struct realm_file_table *t = rf_begin(realm, err);
	const struct realm_file_user *u;
	const struct gd_pw *pw;
	char quoted[256];
	int r;

	if (t == NULL)
		return -1;
	u = realm_file_table_find(t, user);
	pw = u != NULL && u->pw.scheme != GD_PW_NONE ? &u->pw : &t->dummy;
	r = gd_pw_verify(pw, password, len);
	if (r < 0 && pw != &t->dummy)
		gd_log(GD_LOG_WARNING, "realm.file.verify", "user=%s "
		    "reason=\"the stored hash could not be computed\"",
		    gd_log_quote(quoted, sizeof(quoted), user));
	if (pw == &t->dummy || r < 0)
		r = 0;
	if (r == 1 && user_r != NULL)
		*user_r = rf_export(pool, u);
	realm_file_table_unref(&t);
	return r;
}

/* A {PLAIN} user's salt: HMAC-SHA256(the file's secret, name), cut. */
static void
rf_plain_salt(const struct realm_file_table *t, const char *name,
    unsigned char *salt)
{
	struct hmac_sha256_ctx c;
	unsigned char full[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&c, sizeof(t->conf.secret), t->conf.secret);
	hmac_sha256_update(&c, strlen(name), (const uint8_t *)name);
	hmac_sha256_digest(&c, sizeof(full), full);
	memcpy(salt, full, REALM_FILE_SALT_LEN);
}

static void
rf_scram_fill(const struct realm_file_table *t,
    const struct realm_file_user *u, enum gd_pw_hash h,
    struct gd_pool *pool, struct gd_realm_scram *s)
{
	unsigned char *salt;

	memset(s, 0, sizeof(*s));
	s->hash = gd_pw_hash_name(h);
	s->key_len = gd_pw_hash_len(h);
	if (u->pw.scheme == GD_PW_SCRAM) {
		salt = gd_pool_alloc(pool, u->pw.salt_len);
		memcpy(salt, u->pw.salt, u->pw.salt_len);
		s->salt_len = u->pw.salt_len;
		s->iterations = u->pw.iterations;
		memcpy(s->stored_key, u->pw.key, s->key_len);
		memcpy(s->server_key, u->pw.server_key, s->key_len);
	} else {
		salt = gd_pool_alloc(pool, REALM_FILE_SALT_LEN);
		rf_plain_salt(t, u->name, salt);
		s->salt_len = REALM_FILE_SALT_LEN;
		s->iterations = t->conf.scram_iterations;
		gd_pw_scram_derive(h, u->pw.text, u->pw.text_len, salt,
		    REALM_FILE_SALT_LEN, s->iterations, s->stored_key,
		    s->server_key);
	}
	s->salt = salt;
}

static int
rf_scram_secret(const struct gd_realm *realm, const char *user,
    const char *hash, struct gd_pool *pool, struct gd_realm_scram *scram,
    struct gd_realm_user **user_r, const char **err)
{
	struct realm_file_table *t = rf_begin(realm, err);
	enum gd_pw_hash h = gd_pw_hash_from_name(hash);
	const struct realm_file_user *u;
	int r = 0;

	if (t == NULL)
		return -1;
	u = realm_file_table_find(t, user);
	if (u != NULL && h != 0 && ((u->pw.scheme == GD_PW_SCRAM &&
	    u->pw.hash == h) || u->pw.scheme == GD_PW_PLAIN)) {
		rf_scram_fill(t, u, h, pool, scram);
		if (user_r != NULL)
			*user_r = rf_export(pool, u);
		r = 1;
	}
	realm_file_table_unref(&t);
	return r;
}

static int
rf_plain_secret(const struct gd_realm *realm, const char *user,
    struct gd_pool *pool, const char **secret_r, size_t *len_r,
    struct gd_realm_user **user_r, const char **err)
{
	struct realm_file_table *t = rf_begin(realm, err);
	const struct realm_file_user *u;
	int r = 0;

	if (t == NULL)
		return -1;
	u = realm_file_table_find(t, user);
	if (u != NULL && u->pw.scheme == GD_PW_PLAIN && t->conf.allow_plain) {
		*secret_r = gd_pool_strndup(pool, u->pw.text, u->pw.text_len);
		*len_r = u->pw.text_len;
		if (user_r != NULL)
			*user_r = rf_export(pool, u);
		r = 1;
	}
	realm_file_table_unref(&t);
	return r;
}

/* allow-plaintext-secrets, as configured now. */
static int
rf_gives_plain_secrets(const struct gd_realm *realm)
{
	const char *err;
	struct realm_file_table *t = rf_begin(realm, &err);
	int r;

	if (t == NULL)
		return 0;
	r = t->conf.allow_plain ? 1 : 0;
	realm_file_table_unref(&t);
	return r;
}

static int
rf_map_certificate(const struct gd_realm *realm, const void *der,
    size_t len, struct gd_pool *pool, struct gd_realm_user **user_r,
    const char **err)
{
	struct realm_file_table *t = rf_begin(realm, err);
	unsigned char fp[SHA256_DIGEST_SIZE];
	const struct realm_file_user *u;
	struct sha256_ctx c;

	if (t == NULL)
		return -1;
	sha256_init(&c);
	sha256_update(&c, len, der);
	sha256_digest(&c, sizeof(fp), fp);
	u = realm_file_table_find_cert(t, fp);
	if (u != NULL && user_r != NULL)
		*user_r = rf_export(pool, u);
	realm_file_table_unref(&t);
	return u != NULL ? 1 : 0;
}

/* `master=yes` may act as anyone; `allow_act_as=a,b` as those. */
static int
rf_may_act_as(const struct gd_realm *realm, const struct gd_realm_user *user,
    const char *target, const char **err)
{
	struct realm_file_table *t = rf_begin(realm, err);
	const struct realm_file_user *u;
	int r = 0;
	size_t i;

	if (t == NULL)
		return -1;
	u = realm_file_table_find(t, user->name);
	if (u != NULL && (u->master || strcmp(u->name, target) == 0))
		r = 1;
	for (i = 0; u != NULL && r == 0 && u->act_as[i] != NULL; i++)
		r = strcmp(u->act_as[i], target) == 0;
	realm_file_table_unref(&t);
	return r;
}

const struct gd_realm realm_file_realm = {
	.size = sizeof(struct gd_realm),
	.name = "file",
	.lookup = rf_lookup,
	.verify_password = rf_verify_password,
	.scram_secret = rf_scram_secret,
	.plain_secret = rf_plain_secret,
	.verify_token = NULL,
	.map_certificate = rf_map_certificate,
	.may_act_as = rf_may_act_as,
	.gives_plain_secrets = rf_gives_plain_secrets,
};
