/*
 * scram-server.c — one SCRAM exchange, server side (RFC 5802 5, RFC
 * 7677, channel binding per RFC 5929 and RFC 9266); see scram.h.
 *
 * Users the realm has no keys for (unknown, or without keys for this
 * hash) get a salt made from the module's secret and their name, the
 * configured iteration count, and the same computation at the end: only
 * the final proof fails, with the same e=invalid-proof as a wrong
 * password.
 */
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>
#include <stringprep.h>

#include <gumdrop/pool.h>

#include "scram.h"

/* The channel binding types we know (RFC 9266, RFC 5929). */
static const char *const scram_cb_types[] = {
	"tls-exporter", "tls-unique", "tls-server-end-point", NULL,
};

static char *
scram_b64(struct gd_pool *pool, const void *data, size_t len)
{
	char *out = gd_pool_alloc(pool, BASE64_ENCODE_RAW_LENGTH(len) + 1);

	base64_encode_raw(out, len, data);
	return out;
}

/* Fail with an e= message (sent before the failure). */
static enum gd_sasl_status
scram_fail(struct scram_state *st, const struct scram_env *env,
    struct gd_sasl_step *out, enum scram_error e, enum gd_sasl_reason reason,
    const char *text)
{
	char *msg = gd_pool_printf(env->pool, "e=%s", scram_error_name(e));

	st->phase = SCRAM_PHASE_DONE;
	out->data = msg;
	out->len = strlen(msg);
	out->has_data = true;
	out->reason = reason;
	out->text = text;
	out->authcid = st->user;
	return GD_SASL_FAILURE;
}

/* What the gs2 header's channel binding flag allows; *cb_r the data. */
static enum scram_error
scram_check_binding(const struct scram_state *st, const struct scram_env *env,
    const struct scram_first *f, const void **cb_r, size_t *len_r,
    enum gd_sasl_reason *reason_r)
{
	size_t i;

	*cb_r = NULL;
	*len_r = 0;
	*reason_r = GD_SASL_MALFORMED;
	if (f->cbflag != 'p') {
		/* A -PLUS mechanism is channel binding or nothing. */
		if (st->plus)
			return SCRAM_E_OTHER;
		/* "y": the client could bind but thinks we cannot.  We can
		 * (a -PLUS is offered here): someone removed it. */
		if (f->cbflag == 'y' && env->plus_offered) {
			*reason_r = GD_SASL_BAD_CREDENTIALS;
			return SCRAM_E_SERVER_DOES_SUPPORT_CB;
		}
		return SCRAM_OK;
	}
	if (!st->plus)
		return SCRAM_E_CB_NOT_SUPPORTED;
	for (i = 0; scram_cb_types[i] != NULL; i++) {
		if (strlen(scram_cb_types[i]) != f->cbname_len ||
		    memcmp(scram_cb_types[i], f->cbname, f->cbname_len) != 0)
			continue;
		if (env->binding(env->arg, scram_cb_types[i], cb_r,
		    len_r) == 0)
			return SCRAM_OK;
		break;
	}
	return SCRAM_E_UNSUPPORTED_CB_TYPE;
}

/* Unescape and SASLprep (RFC 4013, as a query string) the user name. */
static const char *
scram_prepare_user(struct gd_pool *pool, const struct scram_first *f)
{
	char *raw = gd_pool_alloc(pool, f->user_len + 1), *prepped = NULL;
	const char *user = NULL;
	size_t n;

	if (scram_unescape(f->user, f->user_len, raw, &n) < 0)
		return NULL;
	if (stringprep_profile(raw, &prepped, "SASLprep", 0) != STRINGPREP_OK)
		return NULL;
	if (prepped[0] != '\0')
		user = gd_pool_strdup(pool, prepped);
	free(prepped);
	return user;
}

/* The realm's keys, or the stand-in; -1 when the realm failed. */
static int
scram_get_keys(struct scram_state *st, const struct scram_env *env,
    const char **err)
{
	uint8_t *salt;
	int ret;

	ret = env->secret(env->arg, st->user, st->hash->name, &st->keys,
	    &st->record, err);
	if (ret < 0)
		return -1;
	if (ret > 0 && st->keys.key_len == st->hash->len &&
	    st->keys.iterations > 0 && st->keys.salt_len > 0) {
		st->known = true;
		return 0;
	}
	st->known = false;
	st->record = NULL;
	salt = gd_pool_alloc(env->pool, SCRAM_FAKE_SALT_LEN);
	scram_fake_keys(st->hash, env->secret_key, st->user,
	    env->fake_iterations, salt, &st->keys);
	return 0;
}

/* Keep what the final message must match, and answer server-first. */
static enum gd_sasl_status
scram_server_first(struct scram_state *st, const struct scram_env *env,
    const struct scram_first *f, const void *cb, size_t cb_len,
    struct gd_sasl_step *out)
{
	struct gd_pool *pool = env->pool;
	char *sfirst;

	st->cbind_len = f->gs2_len + cb_len;
	st->cbind = gd_pool_alloc(pool, st->cbind_len + 1);
	memcpy(st->cbind, f->bare - f->gs2_len, f->gs2_len);
	if (cb_len > 0)
		memcpy(st->cbind + f->gs2_len, cb, cb_len);
	st->nonce = gd_pool_printf(pool, "%.*s%s", (int)f->cnonce_len,
	    f->cnonce, env->server_nonce);
	st->nonce_len = strlen(st->nonce);
	sfirst = gd_pool_printf(pool, "r=%s,s=%s,i=%u", st->nonce,
	    scram_b64(pool, st->keys.salt, st->keys.salt_len),
	    st->keys.iterations);
	st->auth_prefix = gd_pool_printf(pool, "%.*s,%s,", (int)f->bare_len,
	    f->bare, sfirst);
	st->auth_prefix_len = strlen(st->auth_prefix);
	st->phase = SCRAM_PHASE_FINAL;
	out->data = sfirst;
	out->len = strlen(sfirst);
	return GD_SASL_CHALLENGE;
}

static enum gd_sasl_status
scram_client_first(struct scram_state *st, const struct scram_env *env,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	struct scram_first f;
	enum scram_error e;
	enum gd_sasl_reason reason;
	const void *cb;
	const char *err = NULL;
	size_t cb_len, n;
	char *authzid;

	if ((e = scram_parse_first(in, len, &f)) != SCRAM_OK)
		return scram_fail(st, env, out, e, GD_SASL_MALFORMED,
		    "client-first-message does not parse");
	if ((e = scram_check_binding(st, env, &f, &cb, &cb_len, &reason)) !=
	    SCRAM_OK)
		return scram_fail(st, env, out, e, reason, scram_error_name(e));
	if ((st->user = scram_prepare_user(env->pool, &f)) == NULL)
		return scram_fail(st, env, out,
		    SCRAM_E_INVALID_USERNAME_ENCODING, GD_SASL_MALFORMED,
		    "user name fails SASLprep");
	if (f.authzid != NULL) {
		authzid = gd_pool_alloc(env->pool, f.authzid_len + 1);
		if (scram_unescape(f.authzid, f.authzid_len, authzid, &n) < 0)
			return scram_fail(st, env, out,
			    SCRAM_E_INVALID_ENCODING, GD_SASL_MALFORMED,
			    "authorization identity");
		st->authzid = authzid;
	}
	if (scram_get_keys(st, env, &err) < 0)
		return scram_fail(st, env, out, SCRAM_E_OTHER,
		    GD_SASL_TEMPORARY, err);
	return scram_server_first(st, env, &f, cb, cb_len, out);
}

/* ClientProof against StoredKey; the ServerSignature into `sig`. */
static bool
scram_proof_ok(const struct scram_state *st, const char *final,
    size_t without_len, const uint8_t *proof, uint8_t *sig)
{
	const struct scram_hash *h = st->hash;
	uint8_t csig[SCRAM_KEY_MAX], ckey[SCRAM_KEY_MAX], stored[SCRAM_KEY_MAX];
	size_t i;
	bool equal;

	/* AuthMessage = client-first-bare "," server-first ","
	 * client-final-without-proof */
	scram_hmac(h, st->keys.stored_key, h->len, st->auth_prefix,
	    st->auth_prefix_len, final, without_len, csig);
	for (i = 0; i < h->len; i++)
		ckey[i] = proof[i] ^ csig[i];
	scram_digest(h, ckey, h->len, stored);
	equal = gd_sasl_secret_equal(stored, h->len, st->keys.stored_key,
	    h->len);
	scram_hmac(h, st->keys.server_key, h->len, st->auth_prefix,
	    st->auth_prefix_len, final, without_len, sig);
	memset(ckey, 0, sizeof(ckey));
	return equal && st->known;
}

static enum gd_sasl_status
scram_client_final(struct scram_state *st, const struct scram_env *env,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	struct scram_final f;
	uint8_t cb[SCRAM_MSG_MAX], proof[SCRAM_KEY_MAX], sig[SCRAM_KEY_MAX];
	size_t cb_len, proof_len;
	char *v;

	if (scram_parse_final(in, len, &f) != SCRAM_OK)
		return scram_fail(st, env, out, SCRAM_E_INVALID_ENCODING,
		    GD_SASL_MALFORMED, "client-final-message does not parse");
	if (scram_b64_decode(f.cb, f.cb_len, cb, sizeof(cb), &cb_len) < 0 ||
	    !gd_sasl_secret_equal(cb, cb_len, st->cbind, st->cbind_len))
		return scram_fail(st, env, out,
		    SCRAM_E_CHANNEL_BINDINGS_DONT_MATCH,
		    GD_SASL_BAD_CREDENTIALS, "channel binding differs");
	if (f.nonce_len != st->nonce_len ||
	    memcmp(f.nonce, st->nonce, st->nonce_len) != 0)
		return scram_fail(st, env, out, SCRAM_E_INVALID_PROOF,
		    GD_SASL_BAD_CREDENTIALS, "nonce differs");
	if (scram_b64_decode(f.proof, f.proof_len, proof, sizeof(proof),
	    &proof_len) < 0 || proof_len != st->hash->len ||
	    !scram_proof_ok(st, in, f.without_proof_len, proof, sig))
		return scram_fail(st, env, out, SCRAM_E_INVALID_PROOF,
		    GD_SASL_BAD_CREDENTIALS, "invalid proof");
	st->phase = SCRAM_PHASE_DONE;
	v = gd_pool_printf(env->pool, "v=%s", scram_b64(env->pool, sig,
	    st->hash->len));
	out->data = v;
	out->len = strlen(v);
	out->has_data = true;
	out->authcid = st->record != NULL && st->record->name != NULL ?
	    st->record->name : st->user;
	out->authzid = st->authzid;
	out->user = st->record;
	return GD_SASL_SUCCESS;
}

enum gd_sasl_status
scram_server_step(struct scram_state *st, const struct scram_env *env,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	switch (st->phase) {
	case SCRAM_PHASE_START:
		if (in == NULL) {
			/* Client first: ask for its message. */
			st->phase = SCRAM_PHASE_FIRST;
			out->data = "";
			out->len = 0;
			return GD_SASL_CHALLENGE;
		}
		/* FALLTHROUGH */
	case SCRAM_PHASE_FIRST:
		return scram_client_first(st, env, in, len, out);
	case SCRAM_PHASE_FINAL:
		return scram_client_final(st, env, in, len, out);
	default:
		out->reason = GD_SASL_MALFORMED;
		out->text = "message after the end of the exchange";
		return GD_SASL_FAILURE;
	}
}
