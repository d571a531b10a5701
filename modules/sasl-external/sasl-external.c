/*
 * sasl-external.c — the EXTERNAL mechanism (RFC 4422 appendix A) for TLS
 * client certificates.
 *
 * The framework offers it only when the client presented a certificate
 * that verified against the `tls: ca-file`, and captures that certificate
 * when the exchange starts.  The realm's map_certificate() names the user
 * (by fingerprint or subject); the client's message is the authorization
 * identity, empty to act as that user.
 */
#include <string.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/msg-codec.h>

#include <gumdrop/sasl-impl.h>

/* Longest authorization identity taken (as for PLAIN). */
#define SASL_EXTERNAL_AUTHZID_MAX	1024

struct sasl_external_state {
	bool challenged;
};

static enum gd_sasl_status sasl_external_step(struct gd_sasl_exchange *x,
    void *state, const void *in, size_t len, struct gd_sasl_step *out);

static const struct gd_sasl_mech sasl_external_mech = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "EXTERNAL",
	.flags = GD_SASL_MECH_EXTERNAL,
	.state_size = sizeof(struct sasl_external_state),
	.step = sasl_external_step,
};

static const struct gd_service_decl sasl_external_services[] = {
	{ GD_SASL_MECH_SERVICE_PREFIX "EXTERNAL", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_external_mech },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "sasl-external",
	.version = "1.0.0",
	.description = "SASL EXTERNAL with TLS client certificates (RFC 4422)",
	.license = "MIT",
	.services = sasl_external_services,
};

static enum gd_sasl_status
sasl_external_fail(struct gd_sasl_step *out, enum gd_sasl_reason reason,
    const char *text)
{
	out->reason = reason;
	out->text = text;
	return GD_SASL_FAILURE;
}

/* An authzid: UTF-8 without NUL, within the limit (empty is fine). */
static bool
sasl_external_authzid_ok(const unsigned char *s, size_t len)
{
	return len <= SASL_EXTERNAL_AUTHZID_MAX &&
	    memchr(s, '\0', len) == NULL && gd_msg_utf8_valid(s, len);
}

static enum gd_sasl_status
sasl_external_step(struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	struct sasl_external_state *st = state;
	const struct gd_realm *realm = gd_sasl_x_realm(x);
	struct gd_realm_user *user = NULL;
	const char *err = NULL;
	const void *der;
	size_t der_len;
	int ret;

	if (in == NULL && !st->challenged) {
		/* Client first: ask for the (possibly empty) authzid. */
		st->challenged = true;
		out->data = "";
		out->len = 0;
		return GD_SASL_CHALLENGE;
	}
	if (in == NULL || !sasl_external_authzid_ok(in, len))
		return sasl_external_fail(out, GD_SASL_MALFORMED,
		    "authorization identity is not UTF-8");
	/* The framework offers EXTERNAL only then; a step checks anyway. */
	if (gd_sasl_x_peer_cert(x, &der, &der_len) != GD_TLS_PEER_VALID)
		return sasl_external_fail(out, GD_SASL_BAD_CREDENTIALS,
		    "no verified client certificate");
	if (realm->map_certificate == NULL)
		return sasl_external_fail(out, GD_SASL_BAD_CREDENTIALS,
		    "the realm maps no certificates");
	ret = realm->map_certificate(realm, der, der_len, gd_sasl_x_pool(x),
	    &user, &err);
	if (ret < 0)
		return sasl_external_fail(out, GD_SASL_TEMPORARY, err);
	if (ret == 0 || user == NULL || user->name == NULL)
		return sasl_external_fail(out, GD_SASL_BAD_CREDENTIALS,
		    "certificate belongs to no user");
	out->authcid = user->name;
	out->authzid = gd_pool_strndup(gd_sasl_x_pool(x), in, len);
	out->user = user;
	return GD_SASL_SUCCESS;
}
