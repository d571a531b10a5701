/*
 * gssapi-step.c — the GSSAPI exchange (RFC 4752 3.1), server side.
 *
 * Client first.  Each client token goes to gss_accept_sec_context(); its
 * output token is the challenge while it wants more.  Once the context
 * is complete, a last output token (mutual authentication) is sent and
 * must be answered empty; then the server sends its wrapped offer ("no
 * security layer", maximum 0) and the client's wrapped reply carries the
 * chosen layer and the authorization identity.  Every step runs in the
 * blocking pool (the GSS calls only compute and read the keytab).
 */
#include <string.h>

#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "gssapi-private.h"

enum gssapi_phase {
	GSSAPI_PHASE_ACCEPT = 0,	/* establishing the context */
	GSSAPI_PHASE_EMPTY,		/* sent the last token: want "" */
	GSSAPI_PHASE_LAYER,		/* sent the offer: want the reply */
};

struct gssapi_state {
	enum gssapi_phase phase;
	bool challenged;		/* sent the first, empty challenge */
	unsigned rounds;
	gss_ctx_id_t ctx;
	gss_cred_id_t cred;
	bool cred_owned;
	const char *user;		/* mapped from the principal */
};

static enum gd_sasl_status gssapi_step(struct gd_sasl_exchange *x,
    void *state, const void *in, size_t len, struct gd_sasl_step *out);
static void gssapi_cleanup(void *state);

const struct gd_sasl_mech gssapi_mech = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "GSSAPI",
	.flags = 0,
	.state_size = sizeof(struct gssapi_state),
	.step = gssapi_step,
	.cleanup = gssapi_cleanup,
};

static enum gd_sasl_status
gssapi_fail(struct gd_sasl_step *out, enum gd_sasl_reason reason,
    const char *text)
{
	out->reason = reason;
	out->text = text;
	return GD_SASL_FAILURE;
}

static enum gd_sasl_status
gssapi_challenge(struct gd_sasl_exchange *x, struct gd_sasl_step *out,
    gss_buffer_t buf)
{
	void *copy = gd_pool_alloc(gd_sasl_x_pool(x), buf->length + 1);
	OM_uint32 minor;

	memcpy(copy, buf->value, buf->length);
	out->data = copy;
	out->len = buf->length;
	gss_release_buffer(&minor, buf);
	return GD_SASL_CHALLENGE;
}

static struct gssapi_conf *
gssapi_conf(void)
{
	return gd_module_ctx_get_data(gd_service_module_ctx(&gssapi_mech));
}

/* The acceptor credentials for this exchange's service and host. */
static int
gssapi_state_cred(struct gd_sasl_exchange *x, struct gssapi_state *st,
    const char **error_r)
{
	struct gssapi_conf *conf = gssapi_conf();
	const char *service = conf->service != NULL ? conf->service :
	    gd_sasl_x_service(x);
	const char *host = conf->hostname != NULL ? conf->hostname :
	    gd_sasl_x_hostname(x);

	if (st->cred != GSS_C_NO_CREDENTIAL)
		return 0;
	return gssapi_creds_get(&conf->creds, service, host,
	    gd_sasl_x_pool(x), &st->cred, &st->cred_owned, error_r);
}

/* Send the wrapped offer of security layers (integrity only: RFC 4752
 * 3.1 says conf_flag FALSE). */
static enum gd_sasl_status
gssapi_offer(struct gd_sasl_exchange *x, struct gssapi_state *st,
    struct gd_sasl_step *out)
{
	unsigned char offer[GSSAPI_LAYER_MSG_LEN];
	gss_buffer_desc in, wrapped;
	OM_uint32 major, minor;

	gssapi_layer_offer(offer);
	in.value = offer;
	in.length = sizeof(offer);
	major = gss_wrap(&minor, st->ctx, 0, GSS_C_QOP_DEFAULT, &in, NULL,
	    &wrapped);
	if (GSS_ERROR(major))
		return gssapi_fail(out, GD_SASL_TEMPORARY, gssapi_status_text(
		    gd_sasl_x_pool(x), "gss_wrap", major, minor));
	st->phase = GSSAPI_PHASE_LAYER;
	return gssapi_challenge(x, out, &wrapped);
}

/* The context is complete: who is it, and may they in?  0, or -1 with
 * the failure in `out`. */
static int
gssapi_established(struct gd_sasl_exchange *x, struct gssapi_state *st,
    gss_name_t src, gss_OID mech, OM_uint32 flags, struct gd_sasl_step *out)
{
	const struct gssapi_conf *conf = gssapi_conf();
	struct gd_pool *pool = gd_sasl_x_pool(x);
	gss_buffer_desc name;
	OM_uint32 major, minor;
	const char *principal, *error;
	char user[GSSAPI_USER_MAX];

	if (mech == GSS_C_NO_OID || !gss_oid_equal(mech, gss_mech_krb5)) {
		gssapi_fail(out, GD_SASL_BAD_CREDENTIALS,
		    "not a Kerberos 5 context");
		return -1;
	}
	if ((flags & GSS_C_ANON_FLAG) != 0) {
		gssapi_fail(out, GD_SASL_BAD_CREDENTIALS,
		    "anonymous initiator");
		return -1;
	}
	major = gss_display_name(&minor, src, &name, NULL);
	if (GSS_ERROR(major)) {
		gssapi_fail(out, GD_SASL_TEMPORARY, gssapi_status_text(pool,
		    "gss_display_name", major, minor));
		return -1;
	}
	principal = gd_pool_strndup(pool, name.value, name.length);
	gss_release_buffer(&minor, &name);
	if (gssapi_map_principal(&conf->names, principal, user, sizeof(user),
	    &error) < 0) {
		out->authcid = principal;
		gssapi_fail(out, GD_SASL_BAD_CREDENTIALS, gd_pool_printf(pool,
		    "%s: %s", principal, error));
		return -1;
	}
	st->user = gd_pool_strdup(pool, user);
	return 0;
}

static enum gd_sasl_status
gssapi_accept(struct gd_sasl_exchange *x, struct gssapi_state *st,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	struct gd_pool *pool = gd_sasl_x_pool(x);
	gss_buffer_desc token = { len, (void *)in }, output = { 0, NULL };
	gss_name_t src = GSS_C_NO_NAME;
	gss_OID mech = GSS_C_NO_OID;
	OM_uint32 major, minor, flags = 0;
	const char *error;
	int ret;

	if (++st->rounds > GSSAPI_ROUNDS_MAX)
		return gssapi_fail(out, GD_SASL_MALFORMED, "too many tokens");
	if (gssapi_state_cred(x, st, &error) < 0)
		return gssapi_fail(out, GD_SASL_TEMPORARY, error);
	major = gss_accept_sec_context(&minor, &st->ctx, st->cred, &token,
	    GSS_C_NO_CHANNEL_BINDINGS, &src, &mech, &output, &flags, NULL,
	    NULL);
	if (GSS_ERROR(major)) {
		error = gssapi_status_text(pool, "gss_accept_sec_context",
		    major, minor);
		gss_release_buffer(&minor, &output);
		return gssapi_fail(out, GSS_ROUTINE_ERROR(major) ==
		    GSS_S_DEFECTIVE_TOKEN ? GD_SASL_MALFORMED :
		    GD_SASL_BAD_CREDENTIALS, error);
	}
	if ((major & GSS_S_CONTINUE_NEEDED) != 0)
		return gssapi_challenge(x, out, &output);
	ret = gssapi_established(x, st, src, mech, flags, out);
	gss_release_name(&minor, &src);
	if (ret < 0) {
		gss_release_buffer(&minor, &output);
		return GD_SASL_FAILURE;
	}
	if (output.length > 0) {
		st->phase = GSSAPI_PHASE_EMPTY;
		return gssapi_challenge(x, out, &output);
	}
	gss_release_buffer(&minor, &output);
	return gssapi_offer(x, st, out);
}

/* The client's wrapped choice of layer and its authorization identity. */
static enum gd_sasl_status
gssapi_layer(struct gd_sasl_exchange *x, struct gssapi_state *st,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	struct gd_pool *pool = gd_sasl_x_pool(x);
	gss_buffer_desc token = { len, (void *)in }, plain;
	struct gssapi_layer_reply r;
	OM_uint32 major, minor;
	const char *error;
	int ret;

	out->authcid = st->user;
	major = gss_unwrap(&minor, st->ctx, &token, &plain, NULL, NULL);
	if (GSS_ERROR(major))
		return gssapi_fail(out, GD_SASL_MALFORMED, gssapi_status_text(
		    pool, "gss_unwrap", major, minor));
	ret = gssapi_layer_parse(plain.value, plain.length, &r, &error);
	if (ret == 0)
		out->authzid = gd_pool_strndup(pool, r.authzid,
		    r.authzid_len);
	gss_release_buffer(&minor, &plain);
	if (ret < 0)
		return gssapi_fail(out, GD_SASL_MALFORMED, error);
	return GD_SASL_SUCCESS;
}

static enum gd_sasl_status
gssapi_step(struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	struct gssapi_state *st = state;

	switch (st->phase) {
	case GSSAPI_PHASE_ACCEPT:
		/* No initial response (or an empty one): ask for the token. */
		if ((in == NULL || len == 0) && !st->challenged) {
			st->challenged = true;
			out->data = "";
			out->len = 0;
			return GD_SASL_CHALLENGE;
		}
		if (in == NULL || len == 0)
			return gssapi_fail(out, GD_SASL_MALFORMED,
			    "empty context token");
		return gssapi_accept(x, st, in, len, out);
	case GSSAPI_PHASE_EMPTY:
		if (in == NULL || len != 0)
			return gssapi_fail(out, GD_SASL_MALFORMED,
			    "expected an empty response");
		return gssapi_offer(x, st, out);
	case GSSAPI_PHASE_LAYER:
		return gssapi_layer(x, st, in != NULL ? in : "", len, out);
	}
	return gssapi_fail(out, GD_SASL_MALFORMED, "bad state");
}

static void
gssapi_cleanup(void *state)
{
	struct gssapi_state *st = state;
	OM_uint32 minor;

	if (st->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &st->ctx, GSS_C_NO_BUFFER);
	if (st->cred_owned)
		gss_release_cred(&minor, &st->cred);
	st->cred = GSS_C_NO_CREDENTIAL;
}
