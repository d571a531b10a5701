/*
 * test-sasl-md5-gsasl.c — CRAM-MD5 and DIGEST-MD5 end to end: the real
 * modules (sasl-cram-md5, sasl-digest-md5, realm-file with {PLAIN}
 * entries) in the framework on a real loop, behind the echo module's
 * AUTH, with GNU SASL (libgsasl) as the independent client: the right
 * password, a wrong one, an unknown user, a user without a plaintext
 * secret, UTF-8, authorization identities, cancel, malformed messages,
 * and the refusal when the operator does not allow plaintext secrets.
 */
#include "config.h"

#include "sasl-test-util.h"

#define SETTINGS	"{realm: file, mechanisms: [CRAM-MD5, DIGEST-MD5], " \
	"hostname: mail.test, service: imap, failure-delay: 0, " \
	"max-auth-failures: 0}"
#define BAD		"-ERR [BAD-CREDENTIALS] authentication failed"

static const char *const md5_mods[] = { "echo", "realm-file",
    "sasl-cram-md5", "sasl-digest-md5", NULL };
static char md5_dir[64];

static int
md5_callback(Gsasl *ctx, Gsasl_session *sess, Gsasl_property prop)
{
	(void)ctx;
	if (prop == GSASL_SERVICE) {
		gsasl_property_set(sess, prop, "imap");
		return GSASL_OK;
	}
	if (prop == GSASL_HOSTNAME) {
		gsasl_property_set(sess, prop, "mail.test");
		return GSASL_OK;
	}
	return GSASL_NO_CALLBACK;
}

static void
md5_setup_with(bool allow)
{
	char users[128], yaml[512];
	FILE *f;

	strcpy(md5_dir, "/tmp/gd-test-md5-XXXXXX");
	cr_assert_not_null(mkdtemp(md5_dir));
	snprintf(users, sizeof(users), "%s/users", md5_dir);
	cr_assert_not_null(f = fopen(users, "w"));
	fputs("alice:{PLAIN}alice-pw::::::allow_act_as=bob\n"
	    "bob:{PLAIN}bob-pw\n"
	    "j\xc3\xb6hn:{PLAIN}p\xc3\xa4ssw\xc3\xb6rd\n"
	    "hashed:{SHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7VjE=\n", f);
	fclose(f);
	snprintf(yaml, sizeof(yaml), "realm-file: {path: \"%s\", "
	    "allow-plaintext-secrets: %s}\n", users, allow ? "true" : "false");
	st_setup(md5_mods, yaml);
	gsasl_callback_set(st_gsasl, md5_callback);
}

static void
md5_setup(void)
{
	md5_setup_with(true);
}

static void
md5_setup_refusing(void)
{
	md5_setup_with(false);
}

static void
md5_teardown(void)
{
	char path[128];

	st_teardown();
	snprintf(path, sizeof(path), "%s/users", md5_dir);
	unlink(path);
	rmdir(md5_dir);
}

TestSuite(md5, .init = md5_setup, .fini = md5_teardown, .timeout = 60);
TestSuite(md5_refusing, .init = md5_setup_refusing, .fini = md5_teardown,
    .timeout = 60);

static int
md5_run(const char *mech, const char *user, const char *authzid,
    const char *password, bool cancel, char *reply)
{
	struct st_auth a = { .mech = mech, .authcid = user,
	    .authzid = authzid, .password = password, .cancel = cancel };
	struct st_client c;
	int ret;

	st_open(&c, st_settings(SETTINGS), false);
	ret = st_gsasl_auth(&c, &a);
	cr_assert_eq(a.rounds, 1, "%s: one challenge, got %u", mech,
	    a.rounds);
	cr_assert_str_eq(st_command(&c, "NOOP"), "+OK");
	st_close(&c);
	strcpy(reply, a.reply);
	return ret;
}

/* ---- CRAM-MD5 ----------------------------------------------------------- */

Test(md5, cram_md5_right_password)
{
	char reply[512];

	cr_assert_eq(md5_run("CRAM-MD5", "alice", NULL, "alice-pw", false,
	    reply), 1, "%s", reply);
	cr_assert_str_eq(reply, "+OK authenticated as alice");
	cr_assert_eq(md5_run("CRAM-MD5", "j\xc3\xb6hn", NULL,
	    "p\xc3\xa4ssw\xc3\xb6rd", false, reply), 1, "%s", reply);
}

Test(md5, cram_md5_wrong_unknown_and_hashed_same_reply)
{
	char reply[512];

	cr_assert_eq(md5_run("CRAM-MD5", "alice", NULL, "bob-pw", false,
	    reply), 0);
	cr_assert_str_eq(reply, BAD);
	cr_assert_eq(md5_run("CRAM-MD5", "nobody", NULL, "x", false, reply),
	    0);
	cr_assert_str_eq(reply, BAD);
	/* A hash is no secret CRAM-MD5 can use. */
	cr_assert_eq(md5_run("CRAM-MD5", "hashed", NULL, "correct horse",
	    false, reply), 0);
	cr_assert_str_eq(reply, BAD);
}

Test(md5, cram_md5_cancel)
{
	char reply[512];

	cr_assert_eq(md5_run("CRAM-MD5", "alice", NULL, "alice-pw", true,
	    reply), 0);
	cr_assert_str_eq(reply, "-ERR [CANCELLED] authentication cancelled");
}

/* The challenge, decoded, from a "+ BASE64" line. */
static void
md5_challenge(const char *line, char *out, size_t size)
{
	char *raw = NULL;
	size_t len = 0;

	cr_assert_eq(strncmp(line, "+ ", 2), 0, "%s", line);
	cr_assert_eq(gsasl_base64_from(line + 2, strlen(line + 2), &raw, &len),
	    GSASL_OK);
	cr_assert_lt(len, size);
	memcpy(out, raw, len);
	out[len] = '\0';
	gsasl_free(raw);
}

Test(md5, cram_md5_malformed)
{
	struct st_client c;
	char challenge[256], host[64];
	unsigned long long r;
	long long t;

	st_open(&c, st_settings(SETTINGS), false);
	/* An initial response to a server-first mechanism. */
	cr_assert_str_eq(st_command(&c, "AUTH CRAM-MD5 dGlt"),
	    "-ERR [MALFORMED] malformed authentication message");
	md5_challenge(st_command(&c, "AUTH CRAM-MD5"), challenge,
	    sizeof(challenge));
	cr_assert_eq(sscanf(challenge, "<%16llx.%lld@%63[^>]>", &r, &t, host),
	    3, "%s", challenge);
	cr_assert_str_eq(host, "mail.test");
	/* "tim" alone. */
	cr_assert_str_eq(st_command(&c, "dGlt"),
	    "-ERR [MALFORMED] malformed authentication message");
	/* Two challenges differ. */
	md5_challenge(st_command(&c, "AUTH CRAM-MD5"), host, sizeof(host));
	cr_assert_str_neq(host, challenge);
	cr_assert_str_eq(st_command(&c, "*"),
	    "-ERR [CANCELLED] authentication cancelled");
	st_close(&c);
}

/* ---- DIGEST-MD5 --------------------------------------------------------- */

Test(md5, digest_md5_right_password)
{
	char reply[512];

	/* 1: libgsasl also accepted the rspauth in the success data. */
	cr_assert_eq(md5_run("DIGEST-MD5", "alice", NULL, "alice-pw", false,
	    reply), 1, "%s", reply);
	cr_assert_eq(strncmp(reply, "+OK [", 5), 0, "%s", reply);
	cr_assert_not_null(strstr(reply, "authenticated as alice"), "%s",
	    reply);
}

Test(md5, digest_md5_utf8)
{
	char reply[512];

	cr_assert_eq(md5_run("DIGEST-MD5", "j\xc3\xb6hn", NULL,
	    "p\xc3\xa4ssw\xc3\xb6rd", false, reply), 1, "%s", reply);
}

Test(md5, digest_md5_wrong_unknown_and_hashed_same_reply)
{
	char reply[512];

	cr_assert_eq(md5_run("DIGEST-MD5", "alice", NULL, "bob-pw", false,
	    reply), 0);
	cr_assert_str_eq(reply, BAD);
	cr_assert_eq(md5_run("DIGEST-MD5", "nobody", NULL, "x", false, reply),
	    0);
	cr_assert_str_eq(reply, BAD);
	cr_assert_eq(md5_run("DIGEST-MD5", "hashed", NULL, "correct horse",
	    false, reply), 0);
	cr_assert_str_eq(reply, BAD);
}

Test(md5, digest_md5_authorization_identity)
{
	char reply[512];

	cr_assert_eq(md5_run("DIGEST-MD5", "alice", "bob", "alice-pw", false,
	    reply), 1, "%s", reply);
	cr_assert_not_null(strstr(reply, "authenticated as bob"), "%s", reply);
	cr_assert_eq(md5_run("DIGEST-MD5", "bob", "alice", "bob-pw", false,
	    reply), 0);
	cr_assert_str_eq(reply,
	    "-ERR [AUTHZ-DENIED] not authorized to act as that user");
}

Test(md5, digest_md5_cancel)
{
	char reply[512];

	cr_assert_eq(md5_run("DIGEST-MD5", "alice", NULL, "alice-pw", true,
	    reply), 0);
	cr_assert_str_eq(reply, "-ERR [CANCELLED] authentication cancelled");
}

/* Send `text` base64-encoded as the response; the server's answer. */
static const char *
md5_respond(struct st_client *c, const char *text)
{
	char *b64 = NULL;
	const char *reply;

	cr_assert_eq(gsasl_base64_to(text, strlen(text), &b64, NULL),
	    GSASL_OK);
	reply = st_command(c, b64);
	gsasl_free(b64);
	return reply;
}

Test(md5, digest_md5_malformed)
{
	static const char malformed[] =
	    "-ERR [MALFORMED] malformed authentication message";
	struct st_client c;
	char challenge[512], nonce[64], msg[512];
	const char *p;

	st_open(&c, st_settings(SETTINGS), false);
	cr_assert_str_eq(st_command(&c, "AUTH DIGEST-MD5 dGlt"), malformed);
	md5_challenge(st_command(&c, "AUTH DIGEST-MD5"), challenge,
	    sizeof(challenge));
	cr_assert_eq(strncmp(challenge, "realm=\"mail.test\",nonce=\"", 25),
	    0, "%s", challenge);
	cr_assert_not_null(strstr(challenge, ",qop=\"auth\",charset=utf-8,"
	    "algorithm=md5-sess"), "%s", challenge);
	cr_assert_str_eq(md5_respond(&c, "garbage"), malformed);
	/* Well-formed, but for another host: refused before any hashing. */
	md5_challenge(st_command(&c, "AUTH DIGEST-MD5"), challenge,
	    sizeof(challenge));
	p = strstr(challenge, "nonce=\"") + 7;
	snprintf(nonce, sizeof(nonce), "%.*s", (int)strcspn(p, "\""), p);
	snprintf(msg, sizeof(msg), "username=\"alice\",realm=\"mail.test\","
	    "nonce=\"%s\",cnonce=\"abc\",nc=00000001,qop=auth,digest-uri="
	    "\"imap/evil.example\",response=00112233445566778899aabbccddeeff",
	    nonce);
	cr_assert_str_eq(md5_respond(&c, msg), malformed);
	/* The right host, an old nonce. */
	md5_challenge(st_command(&c, "AUTH DIGEST-MD5"), challenge,
	    sizeof(challenge));
	snprintf(msg, sizeof(msg), "username=\"alice\",realm=\"mail.test\","
	    "nonce=\"%s\",cnonce=\"abc\",nc=00000001,qop=auth,digest-uri="
	    "\"imap/mail.test\",response=00112233445566778899aabbccddeeff",
	    nonce);
	cr_assert_str_eq(md5_respond(&c, msg), malformed);
	cr_assert_str_eq(st_command(&c, "NOOP"), "+OK");
	st_close(&c);
}

/* ---- without allow-plaintext-secrets ------------------------------------ */

Test(md5_refusing, no_plaintext_secret_no_login)
{
	char reply[512];

	cr_assert_eq(md5_run("CRAM-MD5", "alice", NULL, "alice-pw", false,
	    reply), 0);
	cr_assert_str_eq(reply, BAD);
	cr_assert_eq(md5_run("DIGEST-MD5", "alice", NULL, "alice-pw", false,
	    reply), 0);
	cr_assert_str_eq(reply, BAD);
}
