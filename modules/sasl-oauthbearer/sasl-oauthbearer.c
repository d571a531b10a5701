/*
 * sasl-oauthbearer.c — OAUTHBEARER (RFC 7628) and XOAUTH2 (Google's
 * mechanism, what most mail clients send), two services of one module.
 *
 * Client first.  The bearer token goes to the listener's realm
 * (verify_token, e.g. realm-oauth), with the user the client claims.  A
 * refused token is answered with the JSON error challenge (RFC 7628
 * 3.2.2; Google's for XOAUTH2): the framework sends it, and the client's
 * answer (%x01 for OAUTHBEARER, an empty one for XOAUTH2, or "*") ends
 * the exchange as a failure.
 */
#include <stdlib.h>
#include <string.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#include "oauth-parse.h"

struct sasl_oauth_state {
	bool challenged;
};

static enum gd_sasl_status sasl_oauth_bearer_step(struct gd_sasl_exchange *x,
    void *state, const void *in, size_t len, struct gd_sasl_step *out);
static enum gd_sasl_status sasl_oauth_xoauth2_step(
    struct gd_sasl_exchange *x, void *state, const void *in, size_t len,
    struct gd_sasl_step *out);

static const struct gd_sasl_mech sasl_oauth_bearer = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "OAUTHBEARER",
	/* A bearer token is a reusable secret sent as it is (RFC 7628 5:
	 * only under TLS). */
	.flags = GD_SASL_MECH_PLAINTEXT,
	.state_size = sizeof(struct sasl_oauth_state),
	.step = sasl_oauth_bearer_step,
};

static const struct gd_sasl_mech sasl_oauth_xoauth2 = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "XOAUTH2",
	.flags = GD_SASL_MECH_PLAINTEXT,
	.state_size = sizeof(struct sasl_oauth_state),
	.step = sasl_oauth_xoauth2_step,
};

static const struct gd_service_decl sasl_oauth_services[] = {
	{ GD_SASL_MECH_SERVICE_PREFIX "OAUTHBEARER", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_oauth_bearer },
	{ GD_SASL_MECH_SERVICE_PREFIX "XOAUTH2", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_oauth_xoauth2 },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "sasl-oauthbearer",
	.version = "1.0.0",
	.description = "SASL OAUTHBEARER (RFC 7628) and XOAUTH2",
	.license = "MIT",
	.services = sasl_oauth_services,
};

static enum gd_sasl_status
sasl_oauth_fail(struct gd_sasl_step *out, enum gd_sasl_reason reason,
    const char *text)
{
	out->reason = reason;
	out->text = text;
	return GD_SASL_FAILURE;
}

/* The refused token's JSON, sent before the failure. */
static enum gd_sasl_status
sasl_oauth_refuse(struct gd_sasl_exchange *x, bool xoauth2,
    const struct gd_realm_token *info, struct gd_sasl_step *out)
{
	char *json = oauth_error_json(xoauth2, info->status, info->scope,
	    info->openid_configuration);

	if (json == NULL)
		return sasl_oauth_fail(out, GD_SASL_TEMPORARY, "out of memory");
	out->data = gd_pool_strdup(gd_sasl_x_pool(x), json);
	out->len = strlen(json);
	out->has_data = true;
	free(json);
	return sasl_oauth_fail(out, GD_SASL_BAD_CREDENTIALS, info->status !=
	    NULL ? info->status : "invalid_token");
}

/* The user the client claims (unescaped for OAUTHBEARER), or NULL. */
static const char *
sasl_oauth_claimed(struct gd_pool *pool, bool xoauth2,
    const struct oauth_msg *m)
{
	char *user;

	if (m->authzid == NULL)
		return NULL;
	if (xoauth2)
		return gd_pool_strndup(pool, m->authzid, m->authzid_len);
	user = gd_pool_alloc(pool, m->authzid_len + 1);
	/* The parser checked the escapes. */
	if (oauth_unescape(m->authzid, m->authzid_len, user) < 0)
		return NULL;
	return user;
}

static enum gd_sasl_status
sasl_oauth_step(bool xoauth2, struct gd_sasl_exchange *x, void *state,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	struct sasl_oauth_state *st = state;
	const struct gd_realm *realm = gd_sasl_x_realm(x);
	struct gd_realm_token info = { 0 };
	struct gd_realm_user *user = NULL;
	struct oauth_msg m;
	const char *error = NULL, *claimed;
	int ret = 0;

	if (in == NULL && !st->challenged) {
		st->challenged = true;
		out->data = "";
		out->len = 0;
		return GD_SASL_CHALLENGE;
	}
	if ((xoauth2 ? oauth_parse_xoauth2(in, len, &m, &error) :
	    oauth_parse_bearer(in, len, &m, &error)) < 0)
		return sasl_oauth_fail(out, GD_SASL_MALFORMED, error);
	claimed = sasl_oauth_claimed(gd_sasl_x_pool(x), xoauth2, &m);
	out->authcid = claimed;
	if (realm->verify_token != NULL)
		ret = realm->verify_token(realm, claimed, m.token, m.token_len,
		    gd_sasl_x_pool(x), &user, &info, &error);
	if (ret < 0)
		return sasl_oauth_fail(out, GD_SASL_TEMPORARY, error);
	if (ret == 0 || (user == NULL && claimed == NULL))
		return sasl_oauth_refuse(x, xoauth2, &info, out);
	out->authcid = user != NULL && user->name != NULL ? user->name :
	    claimed;
	out->user = user;
	return GD_SASL_SUCCESS;
}

static enum gd_sasl_status
sasl_oauth_bearer_step(struct gd_sasl_exchange *x, void *state,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	return sasl_oauth_step(false, x, state, in, len, out);
}

static enum gd_sasl_status
sasl_oauth_xoauth2_step(struct gd_sasl_exchange *x, void *state,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	return sasl_oauth_step(true, x, state, in, len, out);
}
