/*
 * realm-token-test.so — a realm fixture for the bearer-token mechanisms
 * (sasl-oauthbearer): RFC 7628 section 4's token for its user, and the
 * error details of section 4.3 for every other token.
 *
 *   token "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==" is user@example.com
 *   token "down" makes the realm fail (-1)
 */
#include <string.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#define RTT_TOKEN	"vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
#define RTT_USER	"user@example.com"

static int
rtt_lookup(const struct gd_realm *realm, const char *user,
    struct gd_pool *pool, struct gd_realm_user **user_r, const char **err)
{
	struct gd_realm_user *u;

	(void)realm;
	(void)err;
	if (strcmp(user, RTT_USER) != 0)
		return 0;
	u = gd_pool_alloc(pool, sizeof(*u));
	u->name = RTT_USER;
	u->uid = (uid_t)-1;
	u->gid = (gid_t)-1;
	*user_r = u;
	return 1;
}

static int
rtt_verify_token(const struct gd_realm *realm, const char *user,
    const void *token, size_t len, struct gd_pool *pool,
    struct gd_realm_user **user_r, struct gd_realm_token *info,
    const char **err)
{
	if (len == 4 && memcmp(token, "down", 4) == 0) {
		*err = "realm-token-test: down";
		return -1;
	}
	if (gd_sasl_secret_equal(token, len, RTT_TOKEN, strlen(RTT_TOKEN)) &&
	    (user == NULL || strcmp(user, RTT_USER) == 0))
		return rtt_lookup(realm, RTT_USER, pool, user_r, err);
	info->status = "invalid_token";
	info->scope = "example_scope";
	info->openid_configuration =
	    "https://example.com/.well-known/openid-configuration";
	return 0;
}

static const struct gd_realm rtt_realm = {
	.size = sizeof(struct gd_realm),
	.name = "token-test",
	.lookup = rtt_lookup,
	.verify_token = rtt_verify_token,
};

static const struct gd_service_decl rtt_services[] = {
	{ GD_REALM_SERVICE_PREFIX "token-test", GD_REALM_MAJOR,
	    GD_REALM_MINOR, &rtt_realm },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "realm-token-test",
	.version = "0.1",
	.description = "test realm: RFC 7628 section 4's bearer token",
	.license = "MIT",
	.services = rtt_services,
};
