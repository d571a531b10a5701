/*
 * sasl-login.c — the LOGIN mechanism (draft-murchison-sasl-login), the
 * de-facto standard many mail clients still use.
 *
 *   S: "Username:"   C: user
 *   S: "Password:"   C: password
 *
 * The server speaks first, but the module does not set
 * GD_SASL_MECH_SERVER_FIRST: like most servers it accepts the user name
 * as an initial response ("AUTH LOGIN dXNlcg==") and then asks only for
 * the password.
 */
#include <string.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#include "login-parse.h"

enum sasl_login_phase {
	SASL_LOGIN_START = 0,
	SASL_LOGIN_WANT_USER,
	SASL_LOGIN_WANT_PASS,
};

struct sasl_login_state {
	enum sasl_login_phase phase;
	const char *user;		/* exchange pool */
};

static enum gd_sasl_status sasl_login_step(struct gd_sasl_exchange *x,
    void *state, const void *in, size_t len, struct gd_sasl_step *out);

static const struct gd_sasl_mech sasl_login_mech = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "LOGIN",
	.flags = GD_SASL_MECH_PLAINTEXT,
	.state_size = sizeof(struct sasl_login_state),
	.step = sasl_login_step,
};

static const struct gd_service_decl sasl_login_services[] = {
	{ GD_SASL_MECH_SERVICE_PREFIX "LOGIN", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_login_mech },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "sasl-login",
	.version = "1.0.0",
	.description = "SASL LOGIN mechanism (de-facto standard)",
	.license = "MIT",
	.services = sasl_login_services,
};

static enum gd_sasl_status
sasl_login_challenge(struct gd_sasl_step *out, const char *prompt)
{
	out->data = prompt;
	out->len = strlen(prompt);
	return GD_SASL_CHALLENGE;
}

static enum gd_sasl_status
sasl_login_fail(struct gd_sasl_step *out, enum gd_sasl_reason reason,
    const char *text)
{
	out->reason = reason;
	out->text = text;
	return GD_SASL_FAILURE;
}

static enum gd_sasl_status
sasl_login_password(struct gd_sasl_exchange *x, struct sasl_login_state *st,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	struct gd_realm_user *user;
	const char *error;
	int ret;

	out->authcid = st->user;
	if (sasl_login_check_field(in, len, &error) < 0)
		return sasl_login_fail(out, GD_SASL_MALFORMED, error);
	ret = gd_sasl_x_verify_password(x, st->user, in, len, &user);
	if (ret < 0)
		return sasl_login_fail(out, GD_SASL_TEMPORARY, NULL);
	if (ret == 0)
		return sasl_login_fail(out, GD_SASL_BAD_CREDENTIALS, NULL);
	out->user = user;
	return GD_SASL_SUCCESS;
}

static enum gd_sasl_status
sasl_login_step(struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	struct sasl_login_state *st = state;
	const char *error;

	if (st->phase == SASL_LOGIN_START && in == NULL) {
		st->phase = SASL_LOGIN_WANT_USER;
		return sasl_login_challenge(out, SASL_LOGIN_USER_PROMPT);
	}
	/* At START with an initial response, that response is the user. */
	if (st->phase != SASL_LOGIN_WANT_PASS) {
		if (sasl_login_check_field(in, len, &error) < 0)
			return sasl_login_fail(out, GD_SASL_MALFORMED, error);
		st->user = gd_pool_strndup(gd_sasl_x_pool(x), in, len);
		st->phase = SASL_LOGIN_WANT_PASS;
		return sasl_login_challenge(out, SASL_LOGIN_PASS_PROMPT);
	}
	return sasl_login_password(x, st, in, len, out);
}
