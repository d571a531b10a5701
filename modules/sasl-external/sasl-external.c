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

/* Length of the UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
sasl_external_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], len, i;
	unsigned long cp, min;

	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c < 0xe0) {
		len = 2; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c < 0xf0) {
		len = 3; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c < 0xf5) {
		len = 4; cp = c & 0x07; min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* An authzid: UTF-8 without NUL, within the limit (empty is fine). */
static bool
sasl_external_authzid_ok(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	if (len > SASL_EXTERNAL_AUTHZID_MAX)
		return false;
	while (i < len) {
		if ((n = sasl_external_utf8_seq(s + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
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
