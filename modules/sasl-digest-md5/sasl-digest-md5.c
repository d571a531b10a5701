/*
 * sasl-digest-md5.c — the DIGEST-MD5 mechanism (RFC 2831), server side,
 * authentication only (qop=auth).  Historic (RFC 6331): the loader warns
 * when a listener offers it.
 *
 * Server first: the challenge offers the host name as realm, a fresh
 * nonce, qop=auth, charset=utf-8 and md5-sess.  The client's response is
 * parsed and checked (digest-md5-parse.c), the expected value computed
 * from the realm's plaintext secret (digest-md5-calc.c) and compared in
 * constant time; success carries rspauth as additional data.  Users
 * without a plaintext secret cost the same work against a random key.
 */
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#include "digest-md5.h"

#define DM_CHALLENGE_MAX	1024

struct sasl_digest_md5_state {
	bool challenged;
	char nonce[2 * DIGEST_MD5_NONCE_LEN + 1];
	char challenge[DM_CHALLENGE_MAX];
	struct digest_md5_response r;
	char rspauth[sizeof("rspauth=") + 32];
};

static enum gd_sasl_status sasl_digest_md5_step(struct gd_sasl_exchange *x,
    void *state, const void *in, size_t len, struct gd_sasl_step *out);
static void sasl_digest_md5_cleanup(void *state);

static const struct gd_sasl_mech sasl_digest_md5_mech = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "DIGEST-MD5",
	.flags = GD_SASL_MECH_SERVER_FIRST | GD_SASL_MECH_HISTORIC,
	.state_size = sizeof(struct sasl_digest_md5_state),
	.step = sasl_digest_md5_step,
	.cleanup = sasl_digest_md5_cleanup,
};

static const struct gd_service_decl sasl_digest_md5_services[] = {
	{ GD_SASL_MECH_SERVICE_PREFIX "DIGEST-MD5", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_digest_md5_mech },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "sasl-digest-md5",
	.version = "1.0.0",
	.description = "SASL DIGEST-MD5 mechanism (RFC 2831, historic; "
	    "authentication only)",
	.license = "MIT",
	.services = sasl_digest_md5_services,
};

static enum gd_sasl_status
sasl_digest_md5_fail(struct gd_sasl_step *out, enum gd_sasl_reason reason,
    const char *text)
{
	out->reason = reason;
	out->text = text;
	return GD_SASL_FAILURE;
}

static void
sasl_digest_md5_server(struct gd_sasl_exchange *x,
    const struct sasl_digest_md5_state *st, struct digest_md5_server *srv)
{
	srv->realm = gd_sasl_x_hostname(x);
	srv->nonce = st->nonce;
	srv->service = gd_sasl_x_service(x);
	srv->hostname = gd_sasl_x_hostname(x);
}

static enum gd_sasl_status
sasl_digest_md5_challenge(struct gd_sasl_exchange *x,
    struct sasl_digest_md5_state *st, struct gd_sasl_step *out)
{
	struct digest_md5_server srv;
	unsigned char raw[DIGEST_MD5_NONCE_LEN];
	gnutls_datum_t d = { raw, sizeof(raw) }, b64;
	long n;

	if (gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof(raw)) < 0 ||
	    gnutls_base64_encode2(&d, &b64) < 0)
		return sasl_digest_md5_fail(out, GD_SASL_TEMPORARY,
		    "no random bytes");
	snprintf(st->nonce, sizeof(st->nonce), "%.*s", (int)b64.size,
	    (const char *)b64.data);
	gnutls_free(b64.data);
	sasl_digest_md5_server(x, st, &srv);
	n = digest_md5_challenge(&srv, st->challenge, sizeof(st->challenge));
	if (n < 0)
		return sasl_digest_md5_fail(out, GD_SASL_TEMPORARY,
		    "host name too long for the challenge");
	st->challenged = true;
	out->data = st->challenge;
	out->len = (size_t)n;
	return GD_SASL_CHALLENGE;
}

/*
 * Does the client's response (hex, any case) match either way of hashing
 * non-ASCII names (see digest_md5_compute)?  Both are computed and
 * compared whatever the outcome; *latin1_r says which matched.
 */
static bool
sasl_digest_md5_match(const struct digest_md5_response *r,
    const char *secret, size_t slen, bool *latin1_r)
{
	char got[32], want_latin1[33], want_raw[33];
	bool a, b;
	size_t i;

	for (i = 0; i < sizeof(got); i++)
		got[i] = (char)(r->response.s[i] | (r->response.s[i] >= 'A' ?
		    0x20 : 0));
	digest_md5_compute(r, secret, slen, false, true, want_latin1);
	digest_md5_compute(r, secret, slen, false, false, want_raw);
	a = gd_sasl_secret_equal(got, sizeof(got), want_latin1, 32);
	b = gd_sasl_secret_equal(got, sizeof(got), want_raw, 32);
	*latin1_r = a;
	return a | b;
}

static enum gd_sasl_status
sasl_digest_md5_response(struct gd_sasl_exchange *x,
    struct sasl_digest_md5_state *st, const void *in, size_t len,
    struct gd_sasl_step *out)
{
	struct digest_md5_server srv;
	struct gd_realm_user *user;
	const char *error = NULL, *secret;
	bool latin1;
	size_t slen;
	int ret;

	sasl_digest_md5_server(x, st, &srv);
	if (digest_md5_parse(in, len, &st->r, &error) < 0 ||
	    digest_md5_check(&st->r, &srv, &error) < 0)
		return sasl_digest_md5_fail(out, GD_SASL_MALFORMED, error);
	out->authcid = st->r.username.s;
	ret = gd_sasl_x_plain_secret(x, st->r.username.s, &secret, &slen,
	    &user);
	if (ret < 0)
		return sasl_digest_md5_fail(out, GD_SASL_TEMPORARY, NULL);
	if (!sasl_digest_md5_match(&st->r, secret, slen, &latin1) ||
	    ret == 0) {
		explicit_bzero((void *)secret, slen);
		return sasl_digest_md5_fail(out, GD_SASL_BAD_CREDENTIALS, NULL);
	}
	memcpy(st->rspauth, "rspauth=", 8);
	digest_md5_compute(&st->r, secret, slen, true, latin1,
	    st->rspauth + 8);
	explicit_bzero((void *)secret, slen);
	out->authzid = st->r.authzid.s;
	out->user = user;
	out->data = st->rspauth;
	out->len = strlen(st->rspauth);
	out->has_data = true;
	return GD_SASL_SUCCESS;
}

static enum gd_sasl_status
sasl_digest_md5_step(struct gd_sasl_exchange *x, void *state,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	struct sasl_digest_md5_state *st = state;

	if (!st->challenged) {
		if (in != NULL)
			return sasl_digest_md5_fail(out, GD_SASL_MALFORMED,
			    "initial response to a server-first mechanism");
		return sasl_digest_md5_challenge(x, st, out);
	}
	return sasl_digest_md5_response(x, st, in, len, out);
}

static void
sasl_digest_md5_cleanup(void *state)
{
	explicit_bzero(state, sizeof(struct sasl_digest_md5_state));
}
