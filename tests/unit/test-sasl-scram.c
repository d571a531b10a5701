/*
 * test-sasl-scram.c — the SCRAM server engine (modules/sasl-scram, built
 * in through scram-pure.c) against the published exchanges of RFC 5802 5
 * (SCRAM-SHA-1) and RFC 7677 3 (SCRAM-SHA-256) with their nonces, then
 * every e= error with its reason, unknown users, channel binding and the
 * downgrade rule, escapes, SASLprep, truncations and garbage.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include <gumdrop/pool.h>

#include "scram.h"

#define MSG(s)	(s), sizeof(s) - 1

/* ---- a fake realm: one user, "user" / "pencil" -------------------------- */

struct fake_realm {
	const char *salt_b64;		/* the RFC's salt */
	uint8_t salt[64];
	size_t salt_len;
	struct gd_realm_scram keys;
	struct gd_realm_user record;
	char last_user[256];		/* the name the engine asked for */
	int answer;			/* -1: the realm is down */
	unsigned calls;
};

static struct fake_realm fr;
static struct gd_pool *pool;
static const uint8_t secret[SCRAM_SECRET_LEN] =
    "0123456789abcdef0123456789abcde";
static const uint8_t cb_exporter[32] = { 1, 2, 3, 4, 5 };
static bool have_unique;

/* RFC 5802 3 from the password (the realm's job when it stores keys). */
static void
fake_keys(const struct scram_hash *h, const char *pw)
{
	uint8_t salted[SCRAM_KEY_MAX], ckey[SCRAM_KEY_MAX];

	cr_assert_eq(scram_b64_decode(fr.salt_b64, strlen(fr.salt_b64),
	    fr.salt, sizeof(fr.salt), &fr.salt_len), 0);
	if (h == &scram_sha1)
		pbkdf2_hmac_sha1(strlen(pw), (const uint8_t *)pw, 4096,
		    fr.salt_len, fr.salt, h->len, salted);
	else if (h == &scram_sha256)
		pbkdf2_hmac_sha256(strlen(pw), (const uint8_t *)pw, 4096,
		    fr.salt_len, fr.salt, h->len, salted);
	else
		pbkdf2_hmac_sha512(strlen(pw), (const uint8_t *)pw, 4096,
		    fr.salt_len, fr.salt, h->len, salted);
	scram_hmac(h, salted, h->len, "Client Key", 10, NULL, 0, ckey);
	scram_digest(h, ckey, h->len, fr.keys.stored_key);
	scram_hmac(h, salted, h->len, "Server Key", 10, NULL, 0,
	    fr.keys.server_key);
	fr.keys.hash = h->name;
	fr.keys.iterations = 4096;
	fr.keys.salt = fr.salt;
	fr.keys.salt_len = fr.salt_len;
	fr.keys.key_len = h->len;
}

static int
fake_secret(void *arg, const char *user, const char *hash,
    struct gd_realm_scram *keys, struct gd_realm_user **user_r,
    const char **err)
{
	(void)arg;
	fr.calls++;
	snprintf(fr.last_user, sizeof(fr.last_user), "%s", user);
	if (fr.answer < 0) {
		*err = "realm down";
		return -1;
	}
	if (strcmp(user, "user") != 0 || strcmp(hash, fr.keys.hash) != 0)
		return 0;
	*keys = fr.keys;
	fr.record.name = "user";
	*user_r = &fr.record;
	return 1;
}

static int
fake_binding(void *arg, const char *type, const void **data_r, size_t *len_r)
{
	(void)arg;
	if (strcmp(type, "tls-exporter") == 0 ||
	    (have_unique && strcmp(type, "tls-unique") == 0)) {
		*data_r = cb_exporter;
		*len_r = sizeof(cb_exporter);
		return 0;
	}
	return -1;
}

static struct scram_env env;
static struct scram_state st;
static struct gd_sasl_step out;

static void
setup(void)
{
	pool = gd_pool_create("test-scram");
	memset(&fr, 0, sizeof(fr));
	memset(&st, 0, sizeof(st));
	fr.salt_b64 = "QSXCR+Q6sek8bf92";
	fake_keys(&scram_sha1, "pencil");
	env = (struct scram_env){
		.pool = pool, .secret = fake_secret, .binding = fake_binding,
		.server_nonce = "3rfcNHYJY1ZVvWVs7j", .secret_key = secret,
		.fake_iterations = 4096,
	};
	st.hash = &scram_sha1;
	have_unique = false;
}

static void
teardown(void)
{
	gd_pool_destroy(&pool);
}

TestSuite(scram, .init = setup, .fini = teardown);

static enum gd_sasl_status
step(const char *in, size_t len)
{
	memset(&out, 0, sizeof(out));
	return scram_server_step(&st, &env, in, len, &out);
}

static bool
out_is(const char *want)
{
	return out.len == strlen(want) && memcmp(out.data, want, out.len) == 0;
}

#define cr_assert_out(want) \
	cr_assert(out_is(want), "got '%.*s', want '%s'", (int)out.len, \
	    (const char *)out.data, want)

/* ---- the published exchanges -------------------------------------------- */

Test(scram, rfc5802_section5_sha1)
{
	cr_assert_eq(step(MSG("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")),
	    GD_SASL_CHALLENGE);
	cr_assert_out("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "s=QSXCR+Q6sek8bf92,i=4096");
	cr_assert_eq(step(MSG("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZV"
	    "vWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")), GD_SASL_SUCCESS,
	    "%s", out.text);
	cr_assert(out.has_data);
	cr_assert_out("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
	cr_assert_str_eq(out.authcid, "user");
	cr_assert_null(out.authzid);
	cr_assert_eq(out.user, &fr.record);
}

Test(scram, rfc7677_section3_sha256)
{
	fr.salt_b64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
	fake_keys(&scram_sha256, "pencil");
	st.hash = &scram_sha256;
	env.server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
	cr_assert_eq(step(MSG("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")),
	    GD_SASL_CHALLENGE);
	cr_assert_out("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
	cr_assert_eq(step(MSG("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfu"
	    "xFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")),
	    GD_SASL_SUCCESS, "%s", out.text);
	cr_assert_out("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

Test(scram, without_initial_response_asks_with_an_empty_challenge)
{
	cr_assert_eq(step(NULL, 0), GD_SASL_CHALLENGE);
	cr_assert_eq(out.len, 0);
	cr_assert_eq(step(MSG("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")),
	    GD_SASL_CHALLENGE);
	cr_assert_out("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "s=QSXCR+Q6sek8bf92,i=4096");
}

/* ---- failures: e= and the reason ---------------------------------------- */

static void
assert_fails(const char *e, enum gd_sasl_reason reason)
{
	char want[64];

	snprintf(want, sizeof(want), "e=%s", e);
	cr_assert(out.has_data, "no e= message");
	cr_assert_out(want);
	cr_assert_eq(out.reason, reason, "reason %d, want %d", out.reason,
	    reason);
	cr_assert_eq(st.phase, SCRAM_PHASE_DONE);
}

Test(scram, wrong_password_is_invalid_proof)
{
	step(MSG("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
	/* The RFC's proof with one bit changed. */
	cr_assert_eq(step(MSG("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZV"
	    "vWVs7j,p=v1X8v3Bz2T0CJGbJQyF0X+HI4Ts=")), GD_SASL_FAILURE);
	assert_fails("invalid-proof", GD_SASL_BAD_CREDENTIALS);
	cr_assert_str_eq(out.authcid, "user");
}

Test(scram, unknown_user_looks_like_a_known_one_until_the_proof)
{
	char first[256], again[256];
	const char *s;

	cr_assert_eq(step(MSG("n,,n=nobody,r=fyko+d2lbbFgONRv9qkxdawL")),
	    GD_SASL_CHALLENGE);
	snprintf(first, sizeof(first), "%.*s", (int)out.len,
	    (const char *)out.data);
	/* Same shape: the nonce, a 16-byte salt, the iteration count. */
	cr_assert_eq(strncmp(first, "r=fyko+d2lbbFgONRv9qkxdawL"
	    "3rfcNHYJY1ZVvWVs7j,s=", 47), 0, "%s", first);
	s = strstr(first, ",i=");
	cr_assert_str_eq(s, ",i=4096");
	cr_assert_eq(s - (first + 47), 24, "salt %s", first);
	/* The same salt next time, and another for another name. */
	memset(&st, 0, sizeof(st));
	st.hash = &scram_sha1;
	step(MSG("n,,n=nobody,r=fyko+d2lbbFgONRv9qkxdawL"));
	snprintf(again, sizeof(again), "%.*s", (int)out.len,
	    (const char *)out.data);
	cr_assert_str_eq(first, again);
	cr_assert_eq(step(MSG("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZV"
	    "vWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")), GD_SASL_FAILURE);
	assert_fails("invalid-proof", GD_SASL_BAD_CREDENTIALS);
	cr_assert_str_eq(out.authcid, "nobody");
	memset(&st, 0, sizeof(st));
	st.hash = &scram_sha1;
	step(MSG("n,,n=nobody2,r=fyko+d2lbbFgONRv9qkxdawL"));
	cr_assert(!out_is(first));
}

Test(scram, user_without_keys_for_this_hash_is_treated_as_unknown)
{
	/* The realm has SHA-1 keys only; SHA-256 gets a stand-in. */
	st.hash = &scram_sha256;
	cr_assert_eq(step(MSG("n,,n=user,r=abc")), GD_SASL_CHALLENGE);
	cr_assert_eq(fr.calls, 1);
	cr_assert(!st.known);
	cr_assert_null(st.record);
}

Test(scram, realm_down_is_temporary)
{
	fr.answer = -1;
	cr_assert_eq(step(MSG("n,,n=user,r=abc")), GD_SASL_FAILURE);
	assert_fails("other-error", GD_SASL_TEMPORARY);
	cr_assert_str_eq(out.text, "realm down");
}

Test(scram, mandatory_extension_is_refused)
{
	cr_assert_eq(step(MSG("n,,m=ext,n=user,r=abc")), GD_SASL_FAILURE);
	assert_fails("extensions-not-supported", GD_SASL_MALFORMED);
	cr_assert_eq(fr.calls, 0);
}

Test(scram, optional_extensions_are_ignored)
{
	cr_assert_eq(step(MSG("n,,n=user,r=abc,x=whatever,y=1")),
	    GD_SASL_CHALLENGE);
}

Test(scram, nonce_must_be_repeated)
{
	step(MSG("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
	cr_assert_eq(step(MSG("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZV"
	    "vWVs7X,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")), GD_SASL_FAILURE);
	assert_fails("invalid-proof", GD_SASL_BAD_CREDENTIALS);
}

Test(scram, gs2_header_must_be_repeated_in_c)
{
	step(MSG("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
	/* "eSws" is "y,,": not what the client sent first. */
	cr_assert_eq(step(MSG("c=eSws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZV"
	    "vWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")), GD_SASL_FAILURE);
	assert_fails("channel-bindings-dont-match", GD_SASL_BAD_CREDENTIALS);
}

Test(scram, message_after_the_end_is_malformed)
{
	step(MSG("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
	step(MSG("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
	    "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="));
	cr_assert_eq(step(MSG("more")), GD_SASL_FAILURE);
	cr_assert_eq(out.reason, GD_SASL_MALFORMED);
}

/* ---- channel binding ---------------------------------------------------- */

Test(scram, y_flag_is_a_downgrade_when_plus_is_offered)
{
	env.plus_offered = true;
	cr_assert_eq(step(MSG("y,,n=user,r=abc")), GD_SASL_FAILURE);
	assert_fails("server-does-support-channel-binding",
	    GD_SASL_BAD_CREDENTIALS);
}

Test(scram, y_flag_is_fine_without_plus)
{
	cr_assert_eq(step(MSG("y,,n=user,r=abc")), GD_SASL_CHALLENGE);
}

Test(scram, p_flag_needs_a_plus_mechanism)
{
	cr_assert_eq(step(MSG("p=tls-exporter,,n=user,r=abc")),
	    GD_SASL_FAILURE);
	assert_fails("channel-binding-not-supported", GD_SASL_MALFORMED);
}

Test(scram, plus_mechanism_needs_the_p_flag)
{
	st.plus = true;
	cr_assert_eq(step(MSG("n,,n=user,r=abc")), GD_SASL_FAILURE);
	assert_fails("other-error", GD_SASL_MALFORMED);
}

Test(scram, plus_with_unknown_or_unavailable_type)
{
	st.plus = true;
	cr_assert_eq(step(MSG("p=tls-unique,,n=user,r=abc")), GD_SASL_FAILURE);
	assert_fails("unsupported-channel-binding-type", GD_SASL_MALFORMED);
	memset(&st, 0, sizeof(st));
	st.hash = &scram_sha1;
	st.plus = true;
	cr_assert_eq(step(MSG("p=tls-foo,,n=user,r=abc")), GD_SASL_FAILURE);
	assert_fails("unsupported-channel-binding-type", GD_SASL_MALFORMED);
}

/* c= for "p=tls-exporter,," and the binding data, and the whole final. */
static void
plus_final(const uint8_t *cb, size_t cb_len, char *final, size_t size)
{
	uint8_t c[64], salted[SHA1_DIGEST_SIZE], ckey[SHA1_DIGEST_SIZE];
	uint8_t stored[SHA1_DIGEST_SIZE], sig[SHA1_DIGEST_SIZE];
	char cb64[128], am[512], proof[64], without[256];
	size_t i, n = strlen("p=tls-exporter,,");
	const char *nonce = "abc3rfcNHYJY1ZVvWVs7j";

	memcpy(c, "p=tls-exporter,,", n);
	memcpy(c + n, cb, cb_len);
	base64_encode_raw(cb64, n + cb_len, c);
	cb64[BASE64_ENCODE_RAW_LENGTH(n + cb_len)] = '\0';
	snprintf(without, sizeof(without), "c=%s,r=%s", cb64, nonce);
	snprintf(am, sizeof(am), "n=user,r=abc,r=%s,s=QSXCR+Q6sek8bf92,"
	    "i=4096,%s", nonce, without);
	pbkdf2_hmac_sha1(6, (const uint8_t *)"pencil", 4096, fr.salt_len,
	    fr.salt, sizeof(salted), salted);
	scram_hmac(&scram_sha1, salted, 20, "Client Key", 10, NULL, 0, ckey);
	scram_digest(&scram_sha1, ckey, 20, stored);
	scram_hmac(&scram_sha1, stored, 20, am, strlen(am), NULL, 0, sig);
	for (i = 0; i < 20; i++)
		ckey[i] ^= sig[i];
	base64_encode_raw(proof, 20, ckey);
	proof[BASE64_ENCODE_RAW_LENGTH(20)] = '\0';
	snprintf(final, size, "%s,p=%s", without, proof);
}

Test(scram, plus_with_the_right_binding_succeeds)
{
	char final[512];

	st.plus = true;
	cr_assert_eq(step(MSG("p=tls-exporter,,n=user,r=abc")),
	    GD_SASL_CHALLENGE);
	plus_final(cb_exporter, sizeof(cb_exporter), final, sizeof(final));
	cr_assert_eq(step(final, strlen(final)), GD_SASL_SUCCESS, "%s",
	    out.text);
}

Test(scram, plus_with_another_binding_fails)
{
	uint8_t other[32] = { 1, 2, 3, 4, 6 };
	char final[512];

	st.plus = true;
	step(MSG("p=tls-exporter,,n=user,r=abc"));
	/* A proof that is right for the data the client saw: only the
	 * binding differs (a man in the middle). */
	plus_final(other, sizeof(other), final, sizeof(final));
	cr_assert_eq(step(final, strlen(final)), GD_SASL_FAILURE);
	assert_fails("channel-bindings-dont-match", GD_SASL_BAD_CREDENTIALS);
}

/* ---- names -------------------------------------------------------------- */

Test(scram, escapes_in_user_and_authzid)
{
	cr_assert_eq(step(MSG("n,a=ad=2Cmin=3D,n=us=3Der=2C,r=abc")),
	    GD_SASL_CHALLENGE);
	cr_assert_str_eq(fr.last_user, "us=er,");
	cr_assert_str_eq(st.authzid, "ad,min=");
}

Test(scram, bad_escapes_are_refused)
{
	cr_assert_eq(step(MSG("n,,n=us=2Der,r=abc")), GD_SASL_FAILURE);
	assert_fails("invalid-encoding", GD_SASL_MALFORMED);
	memset(&st, 0, sizeof(st));
	st.hash = &scram_sha1;
	cr_assert_eq(step(MSG("n,a=x=,n=user,r=abc")), GD_SASL_FAILURE);
	assert_fails("invalid-encoding", GD_SASL_MALFORMED);
}

Test(scram, user_name_is_saslprepped)
{
	/* RFC 4013 3: SOFT HYPHEN maps to nothing; NO-BREAK SPACE to a
	 * space; fullwidth letters fold to ASCII (NFKC). */
	cr_assert_eq(step(MSG("n,,n=us\xc2\xad" "er,r=abc")),
	    GD_SASL_CHALLENGE);
	cr_assert_str_eq(fr.last_user, "user");
	memset(&st, 0, sizeof(st));
	st.hash = &scram_sha1;
	cr_assert_eq(step(MSG("n,,n=\xef\xbd\x95ser,r=abc")),
	    GD_SASL_CHALLENGE);
	cr_assert_str_eq(fr.last_user, "user");
	cr_assert(st.known);
}

Test(scram, user_name_failing_saslprep_is_refused)
{
	/* A control character (RFC 4013 2.3, C.2.1) and a name that maps to
	 * nothing. */
	cr_assert_eq(step(MSG("n,,n=us\ter,r=abc")), GD_SASL_FAILURE);
	assert_fails("invalid-username-encoding", GD_SASL_MALFORMED);
	memset(&st, 0, sizeof(st));
	st.hash = &scram_sha1;
	cr_assert_eq(step(MSG("n,,n=\xc2\xad,r=abc")), GD_SASL_FAILURE);
	assert_fails("invalid-username-encoding", GD_SASL_MALFORMED);
	cr_assert_eq(fr.calls, 0);
}

/* ---- syntax: garbage and truncations ------------------------------------ */

Test(scram, garbage_first_messages)
{
	static const char *const bad[] = {
		"", "n", "n,", "n,,", "n,,n=", "n,,n=user", "n,,n=user,",
		"n,,n=user,r=", "x,,n=user,r=abc", "n,,r=abc,n=user",
		"p=,,n=user,r=abc", "p=tls_x,,n=user,r=abc", "n,a=,n=u,r=a",
		"n,,n=user,r=a b", "n,,n=user,r=abc,", "n,,n=user,r=abc,1=x",
		"n,,n=user,r=abc,x", "n,,n=\xff,r=abc", "nn,,n=user,r=abc",
		"n,x=y,n=user,r=abc", "n,,n=user,r=\x7f",
	};
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(bad); i++) {
		memset(&st, 0, sizeof(st));
		st.hash = &scram_sha1;
		cr_assert_eq(step(bad[i], strlen(bad[i])), GD_SASL_FAILURE,
		    "accepted '%s'", bad[i]);
		cr_assert_eq(out.reason, GD_SASL_MALFORMED, "'%s'", bad[i]);
	}
	cr_assert_eq(fr.calls, 0);
}

Test(scram, garbage_final_messages)
{
	static const char *const bad[] = {
		"", "c=biws", "c=biws,r=x", "c=bi,r=x,p=AAAA",
		"r=x,c=biws,p=AAAA", "c=biws,r=x,p=", "c=biws,r=x,p=AAA",
		"c=biws,r=x,p=AAAA,x=y", "c=biws,r=x,1=y,p=AAAA",
		"c=biws,r=x,p=AA=A", "c=bi\0s,r=x,p=AAAA",
	};
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(bad); i++) {
		memset(&st, 0, sizeof(st));
		st.hash = &scram_sha1;
		step(MSG("n,,n=user,r=abc"));
		cr_assert_eq(step(bad[i], i == 10 ? 17 : strlen(bad[i])),
		    GD_SASL_FAILURE, "accepted '%s'", bad[i]);
		assert_fails("invalid-encoding", GD_SASL_MALFORMED);
	}
}

Test(scram, too_long_is_invalid_encoding)
{
	static char big[SCRAM_MSG_MAX + 16];

	memset(big, 'a', sizeof(big));
	memcpy(big, "n,,n=user,r=", 12);
	cr_assert_eq(step(big, SCRAM_MSG_MAX + 1), GD_SASL_FAILURE);
	assert_fails("invalid-encoding", GD_SASL_MALFORMED);
}

Test(scram, every_truncated_final_message_fails)
{
	static const char final[] = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHY"
	    "JY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
	size_t cut;

	for (cut = 0; cut < sizeof(final) - 1; cut++) {
		memset(&st, 0, sizeof(st));
		st.hash = &scram_sha1;
		step(MSG("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
		cr_assert_eq(step(final, cut), GD_SASL_FAILURE, "cut %zu", cut);
	}
	/* ... and the whole one is the RFC's, accepted. */
	memset(&st, 0, sizeof(st));
	st.hash = &scram_sha1;
	step(MSG("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
	cr_assert_eq(step(MSG(final)), GD_SASL_SUCCESS);
}

Test(scram, truncated_first_messages_fail_or_carry_a_shorter_nonce)
{
	static const char first[] = "n,a=bob,n=user,r=fyko+d2lbbFgONRv9qkxdawL";
	size_t cut, nonce_at = sizeof("n,a=bob,n=user,r=") - 1;

	for (cut = 0; cut < sizeof(first) - 1; cut++) {
		memset(&st, 0, sizeof(st));
		st.hash = &scram_sha1;
		if (cut <= nonce_at)
			cr_assert_eq(step(first, cut), GD_SASL_FAILURE,
			    "cut %zu", cut);
		else {
			cr_assert_eq(step(first, cut), GD_SASL_CHALLENGE);
			cr_assert_eq(st.nonce_len, cut - nonce_at + 18);
		}
	}
}
