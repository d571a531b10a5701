/*
 * sasl-cram-md5.c — the CRAM-MD5 mechanism (RFC 2195), server side.
 *
 * Server first: the challenge is a fresh msg-id, <random.time@host>; the
 * client answers with its user name and HMAC-MD5(password, challenge).
 * Needs the password itself: the realm's plain_secret (realm-file gives
 * it only with allow-plaintext-secrets).  A user without one gets the
 * same HMAC against a random key and the same answer as a wrong digest.
 */
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#include "cram-md5-proto.h"


struct sasl_cram_md5_state {
	bool challenged;
	size_t len;
	char challenge[CRAM_MD5_CHALLENGE_MAX];
};

static enum gd_sasl_status sasl_cram_md5_step(struct gd_sasl_exchange *x,
    void *state, const void *in, size_t len, struct gd_sasl_step *out);

static const struct gd_sasl_mech sasl_cram_md5_mech = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "CRAM-MD5",
	.flags = GD_SASL_MECH_SERVER_FIRST,
	.state_size = sizeof(struct sasl_cram_md5_state),
	.step = sasl_cram_md5_step,
};

static const struct gd_service_decl sasl_cram_md5_services[] = {
	{ GD_SASL_MECH_SERVICE_PREFIX "CRAM-MD5", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_cram_md5_mech },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "sasl-cram-md5",
	.version = "1.0.0",
	.description = "SASL CRAM-MD5 mechanism (RFC 2195)",
	.license = "MIT",
	.services = sasl_cram_md5_services,
};

static enum gd_sasl_status
sasl_cram_md5_fail(struct gd_sasl_step *out, enum gd_sasl_reason reason,
    const char *text)
{
	out->reason = reason;
	out->text = text;
	return GD_SASL_FAILURE;
}

static enum gd_sasl_status
sasl_cram_md5_challenge(struct gd_sasl_exchange *x,
    struct sasl_cram_md5_state *st, struct gd_sasl_step *out)
{
	uint64_t random;
	long n;

	if (gnutls_rnd(GNUTLS_RND_NONCE, &random, sizeof(random)) < 0)
		return sasl_cram_md5_fail(out, GD_SASL_TEMPORARY,
		    "no random bytes");
	n = cram_md5_challenge(random, time(NULL), gd_sasl_x_hostname(x),
	    st->challenge, sizeof(st->challenge));
	if (n < 0)
		n = cram_md5_challenge(random, time(NULL), "localhost",
		    st->challenge, sizeof(st->challenge));
	st->len = (size_t)n;
	st->challenged = true;
	out->data = st->challenge;
	out->len = st->len;
	return GD_SASL_CHALLENGE;
}

static enum gd_sasl_status
sasl_cram_md5_step(struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	struct sasl_cram_md5_state *st = state;
	unsigned char digest[CRAM_MD5_DIGEST_LEN];
	struct cram_md5_response r;
	struct gd_realm_user *user;
	const char *error = NULL, *secret;
	size_t slen;
	bool equal;
	int ret;

	if (!st->challenged) {
		if (in != NULL)
			return sasl_cram_md5_fail(out, GD_SASL_MALFORMED,
			    "initial response to a server-first mechanism");
		return sasl_cram_md5_challenge(x, st, out);
	}
	if (cram_md5_parse(in, len, &r, &error) < 0)
		return sasl_cram_md5_fail(out, GD_SASL_MALFORMED, error);
	out->authcid = gd_pool_strndup(gd_sasl_x_pool(x), r.user, r.user_len);
	ret = gd_sasl_x_plain_secret(x, out->authcid, &secret, &slen, &user);
	if (ret < 0)
		return sasl_cram_md5_fail(out, GD_SASL_TEMPORARY, NULL);
	cram_md5_digest(secret, slen, st->challenge, st->len, digest);
	explicit_bzero((void *)secret, slen);
	equal = gd_sasl_secret_equal(digest, sizeof(digest), r.digest,
	    sizeof(r.digest));
	if (ret == 0 || !equal)
		return sasl_cram_md5_fail(out, GD_SASL_BAD_CREDENTIALS, NULL);
	out->user = user;
	return GD_SASL_SUCCESS;
}
