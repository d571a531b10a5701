/*
 * sasl-plain.c — the PLAIN mechanism (RFC 4616), server side.
 *
 * Client first: without an initial response the server sends an empty
 * challenge and takes the message as the response.  The password is
 * checked through the framework (gd_sasl_x_verify_password), which
 * applies the failure policy and the same-work rule for unknown users.
 */
#include <string.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#include "plain-parse.h"

struct sasl_plain_state {
	bool challenged;
};

static enum gd_sasl_status sasl_plain_step(struct gd_sasl_exchange *x,
    void *state, const void *in, size_t len, struct gd_sasl_step *out);

static const struct gd_sasl_mech sasl_plain_mech = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "PLAIN",
	.flags = GD_SASL_MECH_PLAINTEXT,
	.state_size = sizeof(struct sasl_plain_state),
	.step = sasl_plain_step,
};

static const struct gd_service_decl sasl_plain_services[] = {
	{ GD_SASL_MECH_SERVICE_PREFIX "PLAIN", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_plain_mech },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "sasl-plain",
	.version = "1.0.0",
	.description = "SASL PLAIN mechanism (RFC 4616)",
	.license = "MIT",
	.services = sasl_plain_services,
};

static enum gd_sasl_status
sasl_plain_fail(struct gd_sasl_step *out, enum gd_sasl_reason reason,
    const char *text)
{
	out->reason = reason;
	out->text = text;
	return GD_SASL_FAILURE;
}

static enum gd_sasl_status
sasl_plain_step(struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	struct sasl_plain_state *st = state;
	struct gd_pool *pool = gd_sasl_x_pool(x);
	struct sasl_plain_msg m;
	struct gd_realm_user *user;
	const char *error, *authcid;
	int ret;

	if (in == NULL && !st->challenged) {
		st->challenged = true;
		out->data = "";
		out->len = 0;
		return GD_SASL_CHALLENGE;
	}
	if (sasl_plain_parse(in, len, &m, &error) < 0)
		return sasl_plain_fail(out, GD_SASL_MALFORMED, error);
	authcid = gd_pool_strndup(pool, m.authcid, m.authcid_len);
	out->authcid = authcid;
	ret = gd_sasl_x_verify_password(x, authcid, m.passwd, m.passwd_len,
	    &user);
	if (ret < 0)
		return sasl_plain_fail(out, GD_SASL_TEMPORARY, NULL);
	if (ret == 0)
		return sasl_plain_fail(out, GD_SASL_BAD_CREDENTIALS, NULL);
	out->authzid = gd_pool_strndup(pool, m.authzid, m.authzid_len);
	out->user = user;
	return GD_SASL_SUCCESS;
}
