/*
 * realm-test.so — a realm fixture for the SASL framework's tests, until
 * (and besides) realm-file: a fixed user table, plaintext and SCRAM
 * secrets, and a configurable amount of work per password check.
 *
 *   realm-test:
 *     cost: 1000        # PBKDF2-SHA-256 iterations per verify_password
 *
 * Users (name: password): alice: alice-pw, bob: bob-pw, admin: admin-pw
 * (may act as anyone), "jöhn": "pässwörd" (UTF-8), and "unavailable",
 * for whom every call fails as a realm that cannot answer (-1).
 * SCRAM-SHA-1 and SCRAM-SHA-256 secrets (4096 iterations, salt
 * "realm-test-salt-" + name) are derived at init.  Unknown users cost
 * the same work as known ones and get the same answer (0).
 */
#include <stdio.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#define RT_USERS	4
#define RT_SCRAM_ITER	4096
#define RT_KEY		SHA256_DIGEST_SIZE

struct rt_user {
	const char *name;
	const char *password;
	uint8_t key[RT_KEY];		/* PBKDF2(password, cost) */
	struct gd_realm_scram scram[2];	/* SHA-1, SHA-256 */
	char salt[64];
};

/* Fixture shortcut: a service table is static, so its state is too. */
static struct rt_user rt_users[RT_USERS] = {
	{ .name = "alice", .password = "alice-pw" },
	{ .name = "bob", .password = "bob-pw" },
	{ .name = "admin", .password = "admin-pw" },
	{ .name = "j\xc3\xb6hn", .password = "p\xc3\xa4ssw\xc3\xb6rd" },
};
static uint8_t rt_dummy_key[RT_KEY];
static unsigned rt_cost = 1000;

static const uint8_t rt_salt[] = "realm-test-salt";

static void
rt_derive(const char *password, size_t len, uint8_t key[RT_KEY])
{
	pbkdf2_hmac_sha256(len, (const uint8_t *)password, rt_cost,
	    sizeof(rt_salt) - 1, rt_salt, RT_KEY, key);
}

static struct rt_user *
rt_find(const char *name)
{
	int i;

	for (i = 0; i < RT_USERS; i++)
		if (strcmp(rt_users[i].name, name) == 0)
			return &rt_users[i];
	return NULL;
}

static struct gd_realm_user *
rt_record(struct gd_pool *pool, const char *name)
{
	struct gd_realm_user *u = gd_pool_alloc(pool, sizeof(*u));

	u->name = gd_pool_strdup(pool, name);
	u->home = gd_pool_printf(pool, "/home/%s", name);
	u->uid = (uid_t)-1;
	u->gid = (gid_t)-1;
	return u;
}

static int
rt_lookup(const struct gd_realm *realm, const char *user,
    struct gd_pool *pool, struct gd_realm_user **user_r, const char **err)
{
	(void)realm;
	if (strcmp(user, "unavailable") == 0) {
		*err = "realm-test: unavailable";
		return -1;
	}
	if (rt_find(user) == NULL)
		return 0;
	*user_r = rt_record(pool, user);
	return 1;
}

static int
rt_verify_password(const struct gd_realm *realm, const char *user,
    const void *password, size_t len, struct gd_pool *pool,
    struct gd_realm_user **user_r, const char **err)
{
	struct rt_user *u = rt_find(user);
	uint8_t key[RT_KEY];
	bool equal;

	(void)realm;
	if (strcmp(user, "unavailable") == 0) {
		*err = "realm-test: unavailable";
		return -1;
	}
	/* The same derivation and comparison for unknown users. */
	rt_derive(password, len, key);
	equal = gd_sasl_secret_equal(key, RT_KEY, u != NULL ? u->key :
	    rt_dummy_key, RT_KEY);
	if (!equal || u == NULL)
		return 0;
	*user_r = rt_record(pool, user);
	return 1;
}

static int
rt_scram_secret(const struct gd_realm *realm, const char *user,
    const char *hash, struct gd_pool *pool, struct gd_realm_scram *scram,
    struct gd_realm_user **user_r, const char **err)
{
	struct rt_user *u = rt_find(user);
	int i = strcmp(hash, "SHA-1") == 0 ? 0 :
	    strcmp(hash, "SHA-256") == 0 ? 1 : -1;

	(void)realm;
	(void)err;
	if (u == NULL || i < 0)
		return 0;
	*scram = u->scram[i];
	*user_r = rt_record(pool, user);
	return 1;
}

static int
rt_plain_secret(const struct gd_realm *realm, const char *user,
    struct gd_pool *pool, const char **secret_r, size_t *len_r,
    struct gd_realm_user **user_r, const char **err)
{
	struct rt_user *u = rt_find(user);

	(void)realm;
	(void)err;
	if (u == NULL)
		return 0;
	*secret_r = u->password;
	*len_r = strlen(u->password);
	*user_r = rt_record(pool, user);
	return 1;
}

static int
rt_may_act_as(const struct gd_realm *realm, const struct gd_realm_user *user,
    const char *target, const char **err)
{
	(void)realm;
	(void)err;
	(void)target;
	return strcmp(user->name, "admin") == 0;
}

static const struct gd_realm rt_realm = {
	.size = sizeof(struct gd_realm),
	.name = "test",
	.lookup = rt_lookup,
	.verify_password = rt_verify_password,
	.scram_secret = rt_scram_secret,
	.plain_secret = rt_plain_secret,
	.may_act_as = rt_may_act_as,
};

/* SCRAM keys (RFC 5802 3) from the salted password, SHA-1 then SHA-256. */
static void
rt_scram_sha1(struct rt_user *u)
{
	struct gd_realm_scram *s = &u->scram[0];
	uint8_t salted[SHA1_DIGEST_SIZE], client[SHA1_DIGEST_SIZE];
	struct hmac_sha1_ctx mac;
	struct sha1_ctx h;

	pbkdf2_hmac_sha1(strlen(u->password), (const uint8_t *)u->password,
	    RT_SCRAM_ITER, strlen(u->salt), (const uint8_t *)u->salt,
	    sizeof(salted), salted);
	hmac_sha1_set_key(&mac, sizeof(salted), salted);
	hmac_sha1_update(&mac, 10, (const uint8_t *)"Client Key");
	hmac_sha1_digest(&mac, sizeof(client), client);
	sha1_init(&h);
	sha1_update(&h, sizeof(client), client);
	sha1_digest(&h, SHA1_DIGEST_SIZE, s->stored_key);
	hmac_sha1_set_key(&mac, sizeof(salted), salted);
	hmac_sha1_update(&mac, 10, (const uint8_t *)"Server Key");
	hmac_sha1_digest(&mac, SHA1_DIGEST_SIZE, s->server_key);
	s->hash = "SHA-1";
	s->key_len = SHA1_DIGEST_SIZE;
}

static void
rt_scram_sha256(struct rt_user *u)
{
	struct gd_realm_scram *s = &u->scram[1];
	uint8_t salted[SHA256_DIGEST_SIZE], client[SHA256_DIGEST_SIZE];
	struct hmac_sha256_ctx mac;
	struct sha256_ctx h;

	pbkdf2_hmac_sha256(strlen(u->password), (const uint8_t *)u->password,
	    RT_SCRAM_ITER, strlen(u->salt), (const uint8_t *)u->salt,
	    sizeof(salted), salted);
	hmac_sha256_set_key(&mac, sizeof(salted), salted);
	hmac_sha256_update(&mac, 10, (const uint8_t *)"Client Key");
	hmac_sha256_digest(&mac, sizeof(client), client);
	sha256_init(&h);
	sha256_update(&h, sizeof(client), client);
	sha256_digest(&h, SHA256_DIGEST_SIZE, s->stored_key);
	hmac_sha256_set_key(&mac, sizeof(salted), salted);
	hmac_sha256_update(&mac, 10, (const uint8_t *)"Server Key");
	hmac_sha256_digest(&mac, SHA256_DIGEST_SIZE, s->server_key);
	s->hash = "SHA-256";
	s->key_len = SHA256_DIGEST_SIZE;
}

static const struct gd_config_key rt_keys[] = {
	{ "cost", GD_CONFIG_KEY_INT, "1000", 1, 10000000,
	    "PBKDF2-SHA-256 iterations per password check" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static int
rt_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct rt_user *u;
	int64_t cost;
	int i;

	(void)ctx;
	if (gd_config_get_int(config, "cost", 1000, 1, 10000000, &cost,
	    error_r) < 0)
		return -1;
	rt_cost = (unsigned)cost;
	for (i = 0; i < RT_USERS; i++) {
		u = &rt_users[i];
		rt_derive(u->password, strlen(u->password), u->key);
		snprintf(u->salt, sizeof(u->salt), "realm-test-salt-%s",
		    u->name);
		u->scram[0].salt = (const unsigned char *)u->salt;
		u->scram[0].salt_len = strlen(u->salt);
		u->scram[0].iterations = RT_SCRAM_ITER;
		u->scram[1] = u->scram[0];
		rt_scram_sha1(u);
		rt_scram_sha256(u);
	}
	rt_derive("no such user", 12, rt_dummy_key);
	return 0;
}

static const struct gd_service_decl rt_services[] = {
	{ GD_REALM_SERVICE_PREFIX "test", GD_REALM_MAJOR, GD_REALM_MINOR,
	    &rt_realm },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "realm-test",
	.version = "0.1",
	.description = "test realm: fixed users, tunable cost",
	.license = "MIT",
	.config_keys = rt_keys,
	.services = rt_services,
	.init = rt_init,
};
