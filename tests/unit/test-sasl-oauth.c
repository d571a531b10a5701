/*
 * test-sasl-oauth.c — OAUTHBEARER and XOAUTH2: the parsers and the JSON
 * error challenge against RFC 7628 section 4 (byte for byte), truncations
 * and garbage; then sasl-oauthbearer.so end to end over echo connections
 * (libgsasl 2.2 has no client for either, so the test speaks the
 * protocol itself), with realm-token-test holding section 4's token.
 */
#include "config.h"

#include "oauth-parse.h"
#include "sasl-test-util.h"

#define MSG(s)	(s), sizeof(s) - 1

/* RFC 7628 4.1 (IMAP, port 143) and 4.2 (SMTP, port 587). */
static const char rfc_imap_b64[] = "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2Vy"
    "dmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52Y"
    "jNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB";
static const char rfc_smtp_b64[] = "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2Vy"
    "dmVyLmV4YW1wbGUuY29tAXBvcnQ9NTg3AWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52Y"
    "jNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB";
static const char rfc_imap[] = "n,a=user@example.com,\001host=server.example"
    ".com\001port=143\001auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29t"
    "Cg==\001\001";
/* RFC 7628 4.3: the server's error challenge. */
static const char rfc_error_b64[] = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2Nv"
    "cGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL"
    "2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=";
static const char rfc_error[] = "{\"status\":\"invalid_token\",\"scope\":"
    "\"example_scope\",\"openid-configuration\":\"https://example.com/."
    "well-known/openid-configuration\"}";

static struct oauth_msg m;
static const char *err;

static bool
part_is(const char *p, size_t len, const char *want)
{
	return p != NULL && len == strlen(want) && memcmp(p, want, len) == 0;
}

/* ---- the parsers and the JSON (no daemon) ------------------------------- */

Test(oauth_parse, rfc7628_section4_messages)
{
	char *d;
	size_t n;

	cr_assert_eq(gsasl_base64_from(rfc_imap_b64, strlen(rfc_imap_b64), &d,
	    &n), GSASL_OK);
	cr_assert_eq(n, sizeof(rfc_imap) - 1);
	cr_assert_eq(memcmp(d, rfc_imap, n), 0);
	cr_assert_eq(oauth_parse_bearer(d, n, &m, &err), 0, "%s", err);
	cr_assert(part_is(m.authzid, m.authzid_len, "user@example.com"));
	cr_assert(part_is(m.host, m.host_len, "server.example.com"));
	cr_assert(part_is(m.port, m.port_len, "143"));
	cr_assert(part_is(m.token, m.token_len,
	    "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="));
	gsasl_free(d);
	cr_assert_eq(gsasl_base64_from(rfc_smtp_b64, strlen(rfc_smtp_b64), &d,
	    &n), GSASL_OK);
	cr_assert_eq(oauth_parse_bearer(d, n, &m, &err), 0, "%s", err);
	cr_assert(part_is(m.port, m.port_len, "587"));
	gsasl_free(d);
}

Test(oauth_parse, rfc7628_section4_error_json)
{
	char *json = oauth_error_json(false, "invalid_token", "example_scope",
	    "https://example.com/.well-known/openid-configuration"), *b64;

	cr_assert_str_eq(json, rfc_error);
	cr_assert_eq(gsasl_base64_to(json, strlen(json), &b64, NULL),
	    GSASL_OK);
	cr_assert_str_eq(b64, rfc_error_b64);
	gsasl_free(b64);
	free(json);
	json = oauth_error_json(false, NULL, NULL, NULL);
	cr_assert_str_eq(json, "{\"status\":\"invalid_token\"}");
	free(json);
}

Test(oauth_parse, xoauth2_message_and_json)
{
	char *json;

	/* Google's documented example. */
	cr_assert_eq(oauth_parse_xoauth2(MSG("user=someuser@example.com\001"
	    "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
	    "\001\001"),
	    &m, &err), 0, "%s", err);
	cr_assert(part_is(m.authzid, m.authzid_len, "someuser@example.com"));
	cr_assert(part_is(m.token, m.token_len,
	    "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"));
	json = oauth_error_json(true, "invalid_token", "https://mail.google."
	    "com/", NULL);
	cr_assert_str_eq(json, "{\"status\":\"401\",\"schemes\":\"bearer\","
	    "\"scope\":\"https://mail.google.com/\"}");
	free(json);
	json = oauth_error_json(true, "insufficient_scope", NULL, NULL);
	cr_assert_str_eq(json, "{\"status\":\"403\",\"schemes\":\"bearer\"}");
	free(json);
}

Test(oauth_parse, bearer_variants)
{
	/* No authzid, extra keys, any case of the scheme, several spaces,
	 * the y flag. */
	cr_assert_eq(oauth_parse_bearer(MSG("n,,\001auth=bearer  abc\001"
	    "foo=bar baz\001\001"), &m, &err), 0, "%s", err);
	cr_assert_null(m.authzid);
	cr_assert(part_is(m.token, m.token_len, "abc"));
	cr_assert_eq(oauth_parse_bearer(MSG("y,a=a=2Cb=3D,\001auth=Bearer "
	    "x-._~+/==\001\001"), &m, &err), 0, "%s", err);
	cr_assert(part_is(m.authzid, m.authzid_len, "a=2Cb=3D"));
	cr_assert(part_is(m.token, m.token_len, "x-._~+/=="));
}

Test(oauth_parse, bearer_garbage)
{
	static const struct { const char *s; size_t n; } bad[] = {
#define B(s)	{ s, sizeof(s) - 1 }
		B(""), B("n,,"), B("n,,\001"), B("n,,\001\001"),
		B("p=tls-exporter,,\001auth=Bearer x\001\001"),
		B("n,,\001auth=Bearer x\001"),
		B("n,,\001auth=Bearer x\001\001\001"),
		B("n,,\001auth=Bearer x\001auth=Bearer y\001\001"),
		B("n,,\001host=a\001host=b\001auth=Bearer x\001\001"),
		B("n,,\001auth=Basic x\001\001"),
		B("n,,\001auth=Bearer\001\001"),
		B("n,,\001auth=Bearer x y\001\001"),
		B("n,,\001auth=Bearer x=y\001\001"),
		B("n,,\0011x=y\001auth=Bearer x\001\001"),
		B("n,,\001=y\001auth=Bearer x\001\001"),
		B("n,,\001k=\x7f\001auth=Bearer x\001\001"),
		B("n,,\001noequals\001auth=Bearer x\001\001"),
		B("n,a=,\001auth=Bearer x\001\001"),
		B("n,a=x=41,\001auth=Bearer x\001\001"),
		B("n,a=\xff,\001auth=Bearer x\001\001"),
		B("n,a=u\001auth=Bearer x\001\001"),
		B("x,,\001auth=Bearer x\001\001"),
		B("n,,auth=Bearer x\001\001"),
		B("n,,\001auth=Bearer x\0\001"),
#undef B
	};
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(bad); i++) {
		err = NULL;
		cr_assert_eq(oauth_parse_bearer(bad[i].s, bad[i].n, &m, &err),
		    -1, "accepted #%zu", i);
		cr_assert_not_null(err);
	}
}

Test(oauth_parse, xoauth2_garbage)
{
	static const char *const bad[] = {
		"", "user=a", "user=a\001", "user=a\001auth=Bearer x",
		"user=a\001auth=Bearer x\001",
		"auth=Bearer x\001user=a\001\001",
		"user=\001auth=Bearer x\001\001",
		"user=a\001auth=Bearer x\001\001\001",
		"user=a\001auth=Basic x\001\001",
		"usr=a\001auth=Bearer x\001\001",
	};
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(bad); i++)
		cr_assert_eq(oauth_parse_xoauth2(bad[i], strlen(bad[i]), &m,
		    &err), -1, "accepted '%s'", bad[i]);
}

Test(oauth_parse, every_truncation_fails)
{
	static const char x[] = "user=a@b\001auth=Bearer tok\001\001";
	size_t cut;

	for (cut = 0; cut < sizeof(rfc_imap) - 1; cut++)
		cr_assert_eq(oauth_parse_bearer(rfc_imap, cut, &m, &err), -1,
		    "cut %zu", cut);
	for (cut = 0; cut < sizeof(x) - 1; cut++)
		cr_assert_eq(oauth_parse_xoauth2(x, cut, &m, &err), -1,
		    "cut %zu", cut);
	cr_assert_eq(oauth_parse_xoauth2(MSG(x), &m, &err), 0);
}

Test(oauth_parse, too_long)
{
	static char big[OAUTH_MSG_MAX + 64];
	static const char head[] = "n,,\001auth=Bearer ";
	size_t h = sizeof(head) - 1, k = OAUTH_MSG_MAX - h - 2;

	/* head + token + "\001\001": exactly the limit, then one more. */
	memcpy(big, head, h);
	memset(big + h, 'a', k + 1);
	memcpy(big + h + k, "\001\001", 2);
	cr_assert_eq(oauth_parse_bearer(big, OAUTH_MSG_MAX, &m, &err), 0,
	    "%s", err);
	big[h + k] = 'a';
	memcpy(big + h + k + 1, "\001\001", 2);
	cr_assert_eq(oauth_parse_bearer(big, OAUTH_MSG_MAX + 1, &m, &err), -1);
}

/* ---- end to end over echo ----------------------------------------------- */

static const char *const mods[] = {
	"echo", "sasl-oauthbearer", "realm-token-test", NULL,
};

static void
oauth_setup(void)
{
	st_setup(mods, NULL);
	gd_sasl_policy_reset();
}

TestSuite(oauth, .init = oauth_setup, .fini = st_teardown, .timeout = 60);

static void
open_oauth(struct st_client *c)
{
	st_open(c, st_settings("{realm: token-test, mechanisms: [OAUTHBEARER, "
	    "XOAUTH2], failure-delay: 0, max-auth-failures: 0}"), true);
}

/* "AUTH MECH base64(msg)" */
static const char *
auth_with(struct st_client *c, const char *mech, const char *msg, size_t n)
{
	char line[ST_LINE_MAX], *b64;

	cr_assert_eq(gsasl_base64_to(msg, n, &b64, NULL), GSASL_OK);
	snprintf(line, sizeof(line), "AUTH %s %s", mech, b64);
	gsasl_free(b64);
	return st_command(c, line);
}

Test(oauth, rfc7628_section4_1_and_4_2_succeed)
{
	struct st_client c;
	char line[ST_LINE_MAX];

	open_oauth(&c);
	snprintf(line, sizeof(line), "AUTH OAUTHBEARER %s", rfc_imap_b64);
	cr_assert_str_eq(st_command(&c, line),
	    "+OK authenticated as user@example.com");
	st_close(&c);
	open_oauth(&c);
	snprintf(line, sizeof(line), "AUTH OAUTHBEARER %s", rfc_smtp_b64);
	cr_assert_str_eq(st_command(&c, line),
	    "+OK authenticated as user@example.com");
	st_close(&c);
}

Test(oauth, rfc7628_section4_3_error_challenge_then_failure)
{
	struct st_client c;
	char want[ST_LINE_MAX];

	open_oauth(&c);
	snprintf(want, sizeof(want), "+ %s", rfc_error_b64);
	cr_assert_str_eq(auth_with(&c, "OAUTHBEARER", MSG("n,a=user@example."
	    "com,\001host=server.example.com\001port=143\001auth=Bearer "
	    "expired\001\001")), want);
	cr_assert_str_eq(st_command(&c, "AQ=="),
	    "-ERR [BAD-CREDENTIALS] authentication failed");
	st_close(&c);
}

Test(oauth, the_right_token_for_another_user_is_refused)
{
	struct st_client c;
	char want[ST_LINE_MAX];

	open_oauth(&c);
	snprintf(want, sizeof(want), "+ %s", rfc_error_b64);
	cr_assert_str_eq(auth_with(&c, "OAUTHBEARER", MSG("n,a=other@example."
	    "com,\001auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
	    "\001\001")), want);
	/* "*" at the error challenge is still the failure. */
	cr_assert_str_eq(st_command(&c, "*"),
	    "-ERR [BAD-CREDENTIALS] authentication failed");
	st_close(&c);
}

Test(oauth, without_initial_response_and_without_authzid)
{
	struct st_client c;
	char *b64;

	open_oauth(&c);
	cr_assert_str_eq(st_command(&c, "AUTH OAUTHBEARER"), "+ ");
	cr_assert_eq(gsasl_base64_to(MSG("n,,\001auth=Bearer vF9dft4qmTc2Nvb3"
	    "RlckBhbHRhdmlzdGEuY29tCg==\001\001"), &b64, NULL), GSASL_OK);
	cr_assert_str_eq(st_command(&c, b64),
	    "+OK authenticated as user@example.com");
	gsasl_free(b64);
	st_close(&c);
}

Test(oauth, malformed_and_temporary)
{
	struct st_client c;

	open_oauth(&c);
	cr_assert_str_eq(auth_with(&c, "OAUTHBEARER", MSG("p=tls-exporter,,"
	    "\001auth=Bearer x\001\001")), "-ERR [MALFORMED] malformed "
	    "authentication message");
	st_close(&c);
	open_oauth(&c);
	cr_assert_str_eq(auth_with(&c, "OAUTHBEARER", MSG("n,,\001auth=Bearer "
	    "down\001\001")), "-ERR [TEMPORARY] temporary authentication "
	    "failure");
	st_close(&c);
}

Test(oauth, offered_only_under_tls)
{
	struct st_client c;

	st_open(&c, st_settings("{realm: token-test, mechanisms: [OAUTHBEARER, "
	    "XOAUTH2]}"), false);
	cr_assert_str_eq(st_command(&c, "CAPA"), "+OK SASL");
	cr_assert_str_eq(auth_with(&c, "OAUTHBEARER", MSG("n,,\001auth=Bearer "
	    "x\001\001")), "-ERR [ENCRYPTION-REQUIRED] encryption required "
	    "for this mechanism");
	st_close(&c);
}

Test(oauth, xoauth2_success_and_google_error)
{
	struct st_client c;
	char want[ST_LINE_MAX], *b64;
	static const char json[] = "{\"status\":\"401\",\"schemes\":\"bearer\","
	    "\"scope\":\"example_scope\"}";

	open_oauth(&c);
	cr_assert_str_eq(auth_with(&c, "XOAUTH2", MSG("user=user@example.com"
	    "\001auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
	    "\001\001")), "+OK authenticated as user@example.com");
	st_close(&c);
	open_oauth(&c);
	cr_assert_eq(gsasl_base64_to(MSG(json), &b64, NULL), GSASL_OK);
	snprintf(want, sizeof(want), "+ %s", b64);
	gsasl_free(b64);
	cr_assert_str_eq(auth_with(&c, "XOAUTH2", MSG("user=user@example.com"
	    "\001auth=Bearer wrong\001\001")), want);
	cr_assert_str_eq(st_command(&c, ""),
	    "-ERR [BAD-CREDENTIALS] authentication failed");
	st_close(&c);
}
