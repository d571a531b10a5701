/*
 * test-sasl-scram-gsasl.c — sasl-scram.so end to end, loaded by the real
 * loader beside echo and the realms, over real echo connections
 * (sasl-test-util.h): GNU SASL's client for SCRAM-SHA-1 and SCRAM-SHA-256
 * (with and without initial response, wrong password, unknown user,
 * authorization identity, cancel, -PLUS over TLS 1.3 and TLS 1.2, a wrong
 * binding, the "y" downgrade), and a client written here with nettle for
 * SCRAM-SHA-512 (libgsasl 2.2 has none), tls-unique and tls-server-end-
 * point by name, against realm-file's keys derived from {PLAIN} entries.
 */
#include "config.h"

#include <nettle/hmac.h>
#include <nettle/nettle-meta.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "sasl-test-util.h"

static const char *const mods[] = {
	"echo", "sasl-scram", "realm-test", "realm-file", NULL,
};
static char users_path[64];

static void
scram_setup(void)
{
	char yaml[256];
	FILE *f;
	int fd;

	strcpy(users_path, "/tmp/gd-scram-users-XXXXXX");
	cr_assert_geq(fd = mkstemp(users_path), 0);
	cr_assert_not_null(f = fdopen(fd, "w"));
	fprintf(f, "carol:{PLAIN}carol-pw\n");
	fclose(f);
	snprintf(yaml, sizeof(yaml), "realm-file: {path: %s, "
	    "scram-iterations: 4096}\nsasl-scram: {unknown-iterations: "
	    "4096}\n", users_path);
	st_setup(mods, yaml);
	gd_sasl_policy_reset();
}

static void
scram_teardown(void)
{
	st_teardown();
	unlink(users_path);
}

TestSuite(scram, .init = scram_setup, .fini = scram_teardown,
    .timeout = 60);

static const struct gd_sasl_settings *
settings(const char *mechs, const char *realm)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml), "{realm: %s, mechanisms: [%s], "
	    "failure-delay: 0, max-auth-failures: 0}", realm, mechs);
	return st_settings(yaml);
}

static int
gsasl_auth(struct st_client *c, struct st_auth *a, const char *mech,
    const char *user, const char *pw, bool ir)
{
	memset(a, 0, sizeof(*a));
	a->mech = mech;
	a->authcid = user;
	a->password = pw;
	a->initial_response = ir;
	return st_gsasl_auth(c, a);
}

/* ---- GNU SASL as the client --------------------------------------------- */

Test(scram, gsasl_sha1_and_sha256_with_and_without_initial_response)
{
	static const char *const mechs[] = { "SCRAM-SHA-1", "SCRAM-SHA-256" };
	struct st_client c;
	struct st_auth a;
	int i, ir;

	for (i = 0; i < 2; i++)
		for (ir = 0; ir < 2; ir++) {
			st_open(&c, settings(mechs[i], "test"), false);
			cr_assert_eq(gsasl_auth(&c, &a, mechs[i], "alice",
			    "alice-pw", ir), 1, "%s: %s", mechs[i], a.reply);
			/* The server's signature was checked by libgsasl. */
			cr_assert_eq(strncmp(a.reply, "+OK [", 5), 0, "%s",
			    a.reply);
			cr_assert_eq(a.rounds, ir ? 1 : 2);
			st_close(&c);
		}
}

Test(scram, gsasl_wrong_password_and_unknown_user_same_reply)
{
	struct st_client c;
	struct st_auth a;
	char wrong[512];

	st_open(&c, settings("SCRAM-SHA-256", "test"), false);
	/* libgsasl refuses the server's e= and cancels: still a failure. */
	cr_assert_eq(gsasl_auth(&c, &a, "SCRAM-SHA-256", "alice", "nope",
	    true), -1, "%s", a.reply);
	strcpy(wrong, a.reply);
	cr_assert_str_eq(wrong, "-ERR [BAD-CREDENTIALS] authentication "
	    "failed");
	cr_assert_eq(gsasl_auth(&c, &a, "SCRAM-SHA-256", "nobody", "nope",
	    true), -1, "%s", a.reply);
	cr_assert_str_eq(a.reply, wrong);
	cr_assert_eq(a.rounds, 2);
	st_close(&c);
}

Test(scram, gsasl_authorization_identity)
{
	struct st_client c;
	struct st_auth a;

	st_open(&c, settings("SCRAM-SHA-256", "test"), false);
	memset(&a, 0, sizeof(a));
	a = (struct st_auth){ .mech = "SCRAM-SHA-256", .authcid = "admin",
	    .authzid = "alice", .password = "admin-pw",
	    .initial_response = true };
	cr_assert_eq(st_gsasl_auth(&c, &a), 1, "%s", a.reply);
	cr_assert(strstr(a.reply, "authenticated as alice") != NULL, "%s",
	    a.reply);
	st_close(&c);
	st_open(&c, settings("SCRAM-SHA-256", "test"), false);
	a = (struct st_auth){ .mech = "SCRAM-SHA-256", .authcid = "bob",
	    .authzid = "alice", .password = "bob-pw",
	    .initial_response = true };
	cr_assert_eq(st_gsasl_auth(&c, &a), 0, "%s", a.reply);
	cr_assert_eq(strncmp(a.reply, "-ERR [AUTHZ-DENIED]", 19), 0, "%s",
	    a.reply);
	st_close(&c);
}

Test(scram, gsasl_cancel)
{
	struct st_client c;
	struct st_auth a = { .mech = "SCRAM-SHA-1", .authcid = "alice",
	    .password = "alice-pw", .initial_response = true,
	    .cancel = true };

	st_open(&c, settings("SCRAM-SHA-1", "test"), false);
	cr_assert_eq(st_gsasl_auth(&c, &a), 0);
	cr_assert_eq(strncmp(a.reply, "-ERR [CANCELLED]", 16), 0, "%s",
	    a.reply);
	st_close(&c);
}

Test(scram, gsasl_plus_over_tls13_with_tls_exporter)
{
	struct st_client c;
	struct st_auth a;

	st_open(&c, settings("SCRAM-SHA-256-PLUS, SCRAM-SHA-256", "test"),
	    true);
	cr_assert_str_eq(gnutls_protocol_get_name(gnutls_protocol_get_version(
	    c.tls)), "TLS1.3");
	cr_assert_str_eq(st_command(&c, "CAPA"),
	    "+OK SASL SCRAM-SHA-256-PLUS SCRAM-SHA-256");
	cr_assert_eq(gsasl_auth(&c, &a, "SCRAM-SHA-256-PLUS", "alice",
	    "alice-pw", true), 1, "%s", a.reply);
	st_close(&c);
}

Test(scram, gsasl_plus_over_tls12)
{
	struct st_client c;
	struct st_auth a;

	st_tls_priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
	st_open(&c, settings("SCRAM-SHA-1-PLUS", "test"), true);
	cr_assert_str_eq(gnutls_protocol_get_name(gnutls_protocol_get_version(
	    c.tls)), "TLS1.2");
	cr_assert_eq(gsasl_auth(&c, &a, "SCRAM-SHA-1-PLUS", "alice",
	    "alice-pw", true), 1, "%s", a.reply);
	st_close(&c);
}

/*
 * libgsasl prefers tls-exporter whenever it has it, and the harness gives
 * it both bindings; here it gets tls-unique alone, so that GNU SASL's own
 * tls-unique path meets ours over TLS 1.2.
 */
static int
gsasl_tls_unique(struct st_client *c, const char *mech, char *reply,
    size_t size)
{
	Gsasl_session *sess;
	gnutls_datum_t cb;
	char line[ST_LINE_MAX], *out = NULL, *b64;
	size_t n;
	int rc;

	cr_assert_eq(gsasl_client_start(st_gsasl, mech, &sess), GSASL_OK);
	gsasl_property_set(sess, GSASL_AUTHID, "alice");
	gsasl_property_set(sess, GSASL_PASSWORD, "alice-pw");
	cr_assert_eq(gnutls_session_channel_binding(c->tls,
	    GNUTLS_CB_TLS_UNIQUE, &cb), 0);
	cr_assert_eq(gsasl_base64_to((char *)cb.data, cb.size, &b64, NULL),
	    GSASL_OK);
	gnutls_free(cb.data);
	gsasl_property_set(sess, GSASL_CB_TLS_UNIQUE, b64);
	gsasl_free(b64);
	cr_assert_eq(gsasl_step64(sess, "", &out), GSASL_NEEDS_MORE);
	snprintf(line, sizeof(line), "AUTH %s %s", mech, out);
	/* The client-first names the type it binds to. */
	cr_assert_eq(gsasl_base64_from(out, strlen(out), &b64, &n),
	    GSASL_OK);
	cr_assert(n > 14 && memcmp(b64, "p=tls-unique,,", 14) == 0);
	gsasl_free(b64);
	gsasl_free(out);
	st_sendline(c, line);
	st_readline(c, line, sizeof(line));
	cr_assert_eq(strncmp(line, "+ ", 2), 0, "%s", line);
	out = NULL;
	rc = gsasl_step64(sess, line + 2, &out);
	cr_assert_eq(rc, GSASL_NEEDS_MORE, "%s", gsasl_strerror(rc));
	strcpy(line, st_command(c, out));
	gsasl_free(out);
	snprintf(reply, size, "%s", line);
	/* The server's signature rides on "+OK [...]". */
	st_success_data(reply, line, sizeof(line));
	out = NULL;
	rc = gsasl_step64(sess, line, &out);
	gsasl_free(out);
	gsasl_finish(sess);
	return rc == GSASL_OK;
}

Test(scram, gsasl_plus_with_tls_unique_over_tls12)
{
	struct st_client c;
	char reply[512];

	st_tls_priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
	st_open(&c, settings("SCRAM-SHA-256-PLUS", "test"), true);
	cr_assert_eq(gsasl_tls_unique(&c, "SCRAM-SHA-256-PLUS", reply,
	    sizeof(reply)), 1, "%s", reply);
	cr_assert_eq(strncmp(reply, "+OK [", 5), 0, "%s", reply);
	st_close(&c);
}

Test(scram, gsasl_plus_with_a_different_binding_fails)
{
	struct st_client c;
	struct st_auth a = { .mech = "SCRAM-SHA-256-PLUS", .authcid = "alice",
	    .password = "alice-pw", .initial_response = true,
	    .wrong_binding = true };

	st_open(&c, settings("SCRAM-SHA-256-PLUS", "test"), true);
	cr_assert_eq(st_gsasl_auth(&c, &a), -1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "-ERR [BAD-CREDENTIALS] authentication "
	    "failed");
	st_close(&c);
}

Test(scram, plus_is_not_offered_without_tls)
{
	struct st_client c;

	st_open(&c, settings("SCRAM-SHA-256-PLUS, SCRAM-SHA-256", "test"),
	    false);
	cr_assert_str_eq(st_command(&c, "CAPA"), "+OK SASL SCRAM-SHA-256");
	cr_assert_str_eq(st_command(&c, "AUTH SCRAM-SHA-256-PLUS ="),
	    "-ERR [MECH-UNAVAILABLE] mechanism not available");
	st_close(&c);
}

/* ---- a client written here (nettle) ------------------------------------- */

struct hand {
	const char *mech;
	const struct nettle_hash *h;
	const char *user, *pw;
	const char *gs2;		/* "n,,", "p=tls-unique,,", ... */
	gnutls_channel_binding_t cbt;
	bool use_cb, flip_proof;
	char reply[512];
};

union hand_ctx {
	struct sha1_ctx a;
	struct sha256_ctx b;
	struct sha512_ctx c;
};

static void
hand_hmac(const struct nettle_hash *h, const void *key, size_t klen,
    const char *msg, uint8_t *out)
{
	union hand_ctx o, i, s;

	hmac_set_key(&o, &i, &s, h, klen, key);
	hmac_update(&s, h, strlen(msg), (const uint8_t *)msg);
	hmac_digest(&o, &i, &s, h, h->digest_size, out);
}

static void
hand_salted(const struct hand *hs, const char *salt_b64, unsigned iter,
    uint8_t *out)
{
	char *salt;
	size_t n;

	cr_assert_eq(gsasl_base64_from(salt_b64, strlen(salt_b64), &salt, &n),
	    GSASL_OK);
	if (hs->h == &nettle_sha512)
		pbkdf2_hmac_sha512(strlen(hs->pw), (const uint8_t *)hs->pw,
		    iter, n, (uint8_t *)salt, 64, out);
	else if (hs->h == &nettle_sha256)
		pbkdf2_hmac_sha256(strlen(hs->pw), (const uint8_t *)hs->pw,
		    iter, n, (uint8_t *)salt, 32, out);
	else
		pbkdf2_hmac_sha1(strlen(hs->pw), (const uint8_t *)hs->pw,
		    iter, n, (uint8_t *)salt, 20, out);
	gsasl_free(salt);
}

static char *
b64(const void *data, size_t len)
{
	char *out;

	cr_assert_eq(gsasl_base64_to(data, len, &out, NULL), GSASL_OK);
	return out;
}

/* "+ BASE64" into text; false for anything else (kept in reply). */
static bool
hand_challenge(struct hand *hs, const char *line, char *text, size_t size)
{
	char *d;
	size_t n;

	snprintf(hs->reply, sizeof(hs->reply), "%s", line);
	if (strncmp(line, "+ ", 2) != 0)
		return false;
	cr_assert_eq(gsasl_base64_from(line + 2, strlen(line + 2), &d, &n),
	    GSASL_OK);
	cr_assert_lt(n, size);
	memcpy(text, d, n);
	text[n] = '\0';
	gsasl_free(d);
	return true;
}

/* c= : the gs2 header and the binding data of our TLS session. */
static char *
hand_cbind(struct st_client *c, const struct hand *hs)
{
	uint8_t buf[256];
	size_t n = strlen(hs->gs2);
	gnutls_datum_t cb;

	memcpy(buf, hs->gs2, n);
	if (hs->use_cb) {
		cr_assert_eq(gnutls_session_channel_binding(c->tls, hs->cbt,
		    &cb), 0);
		memcpy(buf + n, cb.data, cb.size);
		n += cb.size;
		gnutls_free(cb.data);
	}
	return b64(buf, n);
}

/* The client's proof for server-first `sf` into final; `expect` gets
 * the ServerSignature it must see. */
static void
hand_final(struct st_client *c, struct hand *hs, const char *bare,
    const char *sf, char *final, size_t size, char *expect)
{
	uint8_t salted[64], ckey[64], stored[64], sig[64], skey[64];
	char am[2048], without[1024], salt[128], nonce[256], *cb, *p;
	union hand_ctx hc;
	unsigned iter, i;

	cr_assert_eq(sscanf(sf, "r=%255[^,],s=%127[^,],i=%u", nonce, salt,
	    &iter), 3, "%s", sf);
	hand_salted(hs, salt, iter, salted);
	hand_hmac(hs->h, salted, hs->h->digest_size, "Client Key", ckey);
	hs->h->init(&hc);
	hs->h->update(&hc, hs->h->digest_size, ckey);
	hs->h->digest(&hc, hs->h->digest_size, stored);
	cb = hand_cbind(c, hs);
	snprintf(without, sizeof(without), "c=%s,r=%s", cb, nonce);
	gsasl_free(cb);
	snprintf(am, sizeof(am), "%s,%s,%s", bare, sf, without);
	hand_hmac(hs->h, stored, hs->h->digest_size, am, sig);
	for (i = 0; i < hs->h->digest_size; i++)
		ckey[i] ^= sig[i];
	ckey[0] ^= hs->flip_proof ? 1 : 0;
	p = b64(ckey, hs->h->digest_size);
	snprintf(final, size, "%s,p=%s", without, p);
	gsasl_free(p);
	hand_hmac(hs->h, salted, hs->h->digest_size, "Server Key", skey);
	hand_hmac(hs->h, skey, hs->h->digest_size, am, sig);
	p = b64(sig, hs->h->digest_size);
	snprintf(expect, 256, "v=%s", p);
	gsasl_free(p);
}

/* 1 authenticated (and the server proved itself), 0 refused. */
static int
hand_scram(struct st_client *c, struct hand *hs)
{
	char line[ST_LINE_MAX], text[2048], final[2048], expect[256];
	char bare[256], first[512], *e;
	size_t n;

	snprintf(bare, sizeof(bare), "n=%s,r=hand-client-nonce", hs->user);
	snprintf(first, sizeof(first), "%s%s", hs->gs2, bare);
	e = b64(first, strlen(first));
	snprintf(line, sizeof(line), "AUTH %s %s", hs->mech, e);
	gsasl_free(e);
	if (!hand_challenge(hs, st_command(c, line), text, sizeof(text)))
		return 0;
	if (strncmp(text, "e=", 2) == 0) {
		st_sendline(c, "");
		snprintf(hs->reply, sizeof(hs->reply), "%s [%s]",
		    st_readline(c, line, sizeof(line)), text);
		return 0;
	}
	hand_final(c, hs, bare, text, final, sizeof(final), expect);
	e = b64(final, strlen(final));
	snprintf(line, sizeof(line), "%s", e);
	gsasl_free(e);
	if (hand_challenge(hs, st_command(c, line), text, sizeof(text))) {
		/* e=...: acknowledged with an empty response, then -ERR. */
		st_sendline(c, "");
		snprintf(hs->reply, sizeof(hs->reply), "%s [%s]",
		    st_readline(c, line, sizeof(line)), text);
		return 0;
	}
	if (strncmp(hs->reply, "+OK ", 4) != 0)
		return 0;
	st_success_data(hs->reply, final, sizeof(final));
	/* (libgsasl's decoded data is not NUL-terminated.) */
	cr_assert_eq(gsasl_base64_from(final, strlen(final), &e, &n),
	    GSASL_OK);
	cr_assert(n == strlen(expect) && memcmp(e, expect, n) == 0,
	    "server signature %.*s", (int)n, e);
	gsasl_free(e);
	return 1;
}

static struct hand
hand512(const char *gs2, bool use_cb, gnutls_channel_binding_t cbt)
{
	return (struct hand){ .mech = "SCRAM-SHA-512", .h = &nettle_sha512,
	    .user = "carol", .pw = "carol-pw", .gs2 = gs2, .use_cb = use_cb,
	    .cbt = cbt };
}

Test(scram, hand_sha512_against_realm_file)
{
	struct st_client c;
	struct hand hs = hand512("n,,", false, 0);

	st_open(&c, settings("SCRAM-SHA-512", "file"), false);
	cr_assert_eq(hand_scram(&c, &hs), 1, "%s", hs.reply);
	cr_assert(strstr(hs.reply, "authenticated as carol") != NULL);
	st_close(&c);
	st_open(&c, settings("SCRAM-SHA-512", "file"), false);
	hs.flip_proof = true;
	cr_assert_eq(hand_scram(&c, &hs), 0);
	cr_assert_str_eq(hs.reply, "-ERR [BAD-CREDENTIALS] authentication "
	    "failed [e=invalid-proof]");
	st_close(&c);
	st_open(&c, settings("SCRAM-SHA-512", "file"), false);
	hs = hand512("n,,", false, 0);
	hs.user = "nobody";
	cr_assert_eq(hand_scram(&c, &hs), 0);
	cr_assert_str_eq(hs.reply, "-ERR [BAD-CREDENTIALS] authentication "
	    "failed [e=invalid-proof]");
	st_close(&c);
}

Test(scram, hand_sha512_plus_with_each_binding_type)
{
	struct st_client c;
	struct hand hs;

	st_open(&c, settings("SCRAM-SHA-512-PLUS", "file"), true);
	hs = hand512("p=tls-exporter,,", true, GNUTLS_CB_TLS_EXPORTER);
	hs.mech = "SCRAM-SHA-512-PLUS";
	cr_assert_eq(hand_scram(&c, &hs), 1, "%s", hs.reply);
	st_close(&c);
	st_open(&c, settings("SCRAM-SHA-512-PLUS", "file"), true);
	/* tls-unique does not exist in TLS 1.3. */
	hs = hand512("p=tls-unique,,", false, 0);
	hs.mech = "SCRAM-SHA-512-PLUS";
	cr_assert_eq(hand_scram(&c, &hs), 0);
	cr_assert_str_eq(hs.reply, "-ERR [MALFORMED] malformed authentication "
	    "message "
	    "[e=unsupported-channel-binding-type]");
	st_close(&c);
	st_tls_priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
	st_open(&c, settings("SCRAM-SHA-512-PLUS", "file"), true);
	hs = hand512("p=tls-unique,,", true, GNUTLS_CB_TLS_UNIQUE);
	hs.mech = "SCRAM-SHA-512-PLUS";
	cr_assert_eq(hand_scram(&c, &hs), 1, "%s", hs.reply);
	st_close(&c);
	st_open(&c, settings("SCRAM-SHA-512-PLUS", "file"), true);
	hs = hand512("p=tls-server-end-point,,", true,
	    GNUTLS_CB_TLS_SERVER_END_POINT);
	hs.mech = "SCRAM-SHA-512-PLUS";
	cr_assert_eq(hand_scram(&c, &hs), 1, "%s", hs.reply);
	st_close(&c);
	st_open(&c, settings("SCRAM-SHA-512-PLUS", "file"), true);
	/* The data of one type sent under the name of another. */
	hs = hand512("p=tls-unique,,", true, GNUTLS_CB_TLS_EXPORTER);
	hs.mech = "SCRAM-SHA-512-PLUS";
	cr_assert_eq(hand_scram(&c, &hs), 0);
	cr_assert_str_eq(hs.reply, "-ERR [BAD-CREDENTIALS] authentication "
	    "failed [e=channel-bindings-dont-match]");
	st_close(&c);
}

Test(scram, hand_errors_in_the_first_message)
{
	struct st_client c;
	struct hand hs;

	st_open(&c, settings("SCRAM-SHA-512", "file"), false);
	hs = hand512("p=tls-exporter,,", false, 0);
	cr_assert_eq(hand_scram(&c, &hs), 0);
	cr_assert_str_eq(hs.reply, "-ERR [MALFORMED] malformed authentication "
	    "message "
	    "[e=channel-binding-not-supported]");
	st_close(&c);
	st_open(&c, settings("SCRAM-SHA-512", "file"), false);
	hs = hand512("n,,m=x,", false, 0);
	cr_assert_eq(hand_scram(&c, &hs), 0);
	cr_assert_str_eq(hs.reply, "-ERR [MALFORMED] malformed authentication "
	    "message "
	    "[e=extensions-not-supported]");
	st_close(&c);
	st_open(&c, settings("SCRAM-SHA-512", "file"), false);
	/* "*" after an e= is that failure, not a cancel ("x,,n=carol,r=abc"
	 * is answered e=invalid-encoding). */
	cr_assert_str_eq(st_command(&c, "AUTH SCRAM-SHA-512 eCwsbj1jYXJvbCxy"
	    "PWFiYw=="), "+ ZT1pbnZhbGlkLWVuY29kaW5n");
	cr_assert_str_eq(st_command(&c, "*"), "-ERR [MALFORMED] malformed "
	    "authentication message");
	st_close(&c);
}

Test(scram, hand_y_flag_is_a_downgrade_when_plus_is_offered)
{
	struct st_client c;
	struct hand hs = { .mech = "SCRAM-SHA-256", .h = &nettle_sha256,
	    .user = "alice", .pw = "alice-pw", .gs2 = "y,," };

	/* (libgsasl 2.2 never sends "y": it refuses plain SCRAM when it
	 * holds channel bindings.)  The server offers -PLUS here, so a
	 * client that could bind but says we cannot was tampered with. */
	st_open(&c, settings("SCRAM-SHA-256-PLUS, SCRAM-SHA-256", "test"),
	    true);
	cr_assert_eq(hand_scram(&c, &hs), 0);
	cr_assert_str_eq(hs.reply, "-ERR [BAD-CREDENTIALS] authentication "
	    "failed [e=server-does-support-channel-binding]");
	st_close(&c);
	/* Without -PLUS on the listener, "y" is the truth: accepted. */
	st_open(&c, settings("SCRAM-SHA-256", "test"), true);
	cr_assert_eq(hand_scram(&c, &hs), 1, "%s", hs.reply);
	st_close(&c);
	/* And on a -PLUS mechanism "y" is no binding at all. */
	st_open(&c, settings("SCRAM-SHA-256-PLUS", "test"), true);
	hs.mech = "SCRAM-SHA-256-PLUS";
	cr_assert_eq(hand_scram(&c, &hs), 0);
	cr_assert_str_eq(hs.reply, "-ERR [MALFORMED] malformed "
	    "authentication message [e=other-error]");
	st_close(&c);
}
