/*
 * test-realm-oauth.c — realm-oauth.so loaded by the real loader, with keys
 * and tokens made here: valid tokens for RS256, ES256, EdDSA and HS256;
 * expired, not yet valid, wrong audience, wrong issuer, wrong signature,
 * "alg": "none", algorithm confusion, unknown kid, the user claim, the
 * claimed user, the scope, JWKS rotation; RFC 7662 introspection against
 * an endpoint served on 127.0.0.1 (active, inactive, expired, a refused
 * client, the endpoint down, the cache); and OAUTHBEARER with a JWT end
 * to end over echo.
 */
#include "config.h"

#include <time.h>

#include "sasl-test-util.h"
#include "oauth-test-util.h"

static const char *const mods[] = {
	"echo", "realm-oauth", "sasl-oauthbearer", NULL,
};

static char dir[64];
static struct ot_key rs, es, ed, hs, other;
static const struct gd_realm *realm;
static struct gd_pool *pool;
static struct gd_realm_token info;
static struct gd_realm_user *user;
static struct ot_http http;

static void
path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Keys on disk, then the modules with `yaml` as realm-oauth's section. */
static void
setup_with(const char *yaml)
{
	char p[128], conf[4096];
	const char *err = NULL;

	strcpy(dir, "/tmp/gd-oauth-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	ot_key_make(&rs, "RS256");
	ot_key_make(&es, "ES256");
	ot_key_make(&ed, "EdDSA");
	ot_key_make(&hs, "HS256");
	path(p, sizeof(p), "rs.pem");
	ot_key_write(&rs, p);
	path(p, sizeof(p), "es.pem");
	ot_key_write(&es, p);
	path(p, sizeof(p), "ed.pem");
	ot_key_write(&ed, p);
	path(p, sizeof(p), "hs.key");
	ot_key_write(&hs, p);
	snprintf(conf, sizeof(conf), "realm-oauth:\n%s\n", yaml);
	/* "DIR" in the YAML is the key folder. */
	for (char *d; (d = strstr(conf, "DIR")) != NULL;) {
		memmove(d + strlen(dir), d + 3, strlen(d + 3) + 1);
		memcpy(d, dir, strlen(dir));
	}
	st_setup(mods, conf);
	cr_assert_not_null(realm = gd_realm_find("oauth", &err), "%s", err);
	pool = gd_pool_create("test-oauth");
	gd_sasl_policy_reset();
}

static const char keys_yaml[] =
    "  issuer: https://issuer.test\n"
    "  audience: mail\n"
    "  leeway: 30s\n"
    "  scope: mail\n"
    "  openid-configuration: https://issuer.test/.well-known/x\n"
    "  keys:\n"
    "    - {file: DIR/rs.pem, kid: rs1, alg: RS256}\n"
    "    - {file: DIR/es.pem, kid: es1, alg: ES256}\n"
    "    - {file: DIR/ed.pem, kid: ed1, alg: EdDSA}\n"
    "    - {file: DIR/hs.key, kid: hs1, alg: HS256}\n";

static void
jwt_setup(void)
{
	setup_with(keys_yaml);
}

static void
teardown(void)
{
	char cmd[128];

	gd_pool_destroy(&pool);
	st_teardown();
	ot_key_free(&rs);
	ot_key_free(&es);
	ot_key_free(&ed);
	ot_key_free(&hs);
	ot_key_free(&other);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* Claims with exp/nbf relative to now, the right iss, aud and scope. */
static const char *
claims(const char *sub, long exp, const char *extra)
{
	static char c[1024];

	snprintf(c, sizeof(c), "{\"iss\":\"https://issuer.test\",\"aud\":"
	    "\"mail\",\"sub\":\"%s\",\"scope\":\"openid mail\",\"exp\":%ld%s}",
	    sub, (long)time(NULL) + exp, extra != NULL ? extra : "");
	return c;
}

static const char *
header(const char *alg, const char *kid)
{
	static char h[256];

	if (kid != NULL)
		snprintf(h, sizeof(h), "{\"alg\":\"%s\",\"typ\":\"JWT\","
		    "\"kid\":\"%s\"}", alg, kid);
	else
		snprintf(h, sizeof(h), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
	return h;
}

static int
verify(const char *claimed, const char *token)
{
	const char *err = NULL;

	user = NULL;
	memset(&info, 0, sizeof(info));
	return realm->verify_token(realm, claimed, token, strlen(token), pool,
	    &user, &info, &err);
}

#define cr_assert_refused(tok, want_status) do { \
	cr_assert_eq(verify(NULL, tok), 0); \
	cr_assert_str_eq(info.status, want_status); \
	cr_assert_str_eq(info.scope, "mail"); \
	cr_assert_str_eq(info.openid_configuration, \
	    "https://issuer.test/.well-known/x"); \
} while (0)

TestSuite(jwt, .init = jwt_setup, .fini = teardown, .timeout = 60);

Test(jwt, valid_tokens_of_every_algorithm)
{
	static const struct { struct ot_key *k; const char *kid; } t[] = {
		{ &rs, "rs1" }, { &es, "es1" }, { &ed, "ed1" }, { &hs, "hs1" },
	};
	char sub[16];
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(t); i++) {
		snprintf(sub, sizeof(sub), "user%zu", i);
		cr_assert_eq(verify(NULL, ot_jwt(t[i].k, header(t[i].k->alg,
		    t[i].kid), claims(sub, 3600, NULL))), 1, "%s",
		    t[i].k->alg);
		cr_assert_str_eq(user->name, sub);
		cr_assert_gt(info.expires, (int64_t)time(NULL));
		/* Without a kid: every key of the algorithm is tried. */
		cr_assert_eq(verify(NULL, ot_jwt(t[i].k, header(t[i].k->alg,
		    NULL), claims(sub, 3601, NULL))), 1, "%s", t[i].k->alg);
	}
}

Test(jwt, expired_and_not_yet_valid)
{
	cr_assert_refused(ot_jwt(&rs, header("RS256", "rs1"), claims("a",
	    -120, NULL)), "invalid_token");
	/* Within the leeway (30 s). */
	cr_assert_eq(verify(NULL, ot_jwt(&rs, header("RS256", "rs1"),
	    claims("a", -10, NULL))), 1);
	cr_assert_refused(ot_jwt(&rs, header("RS256", "rs1"), claims("a",
	    7200, ",\"nbf\":9999999999")), "invalid_token");
	cr_assert_refused(ot_jwt(&rs, header("RS256", "rs1"), "{\"iss\":"
	    "\"https://issuer.test\",\"aud\":\"mail\",\"sub\":\"a\","
	    "\"scope\":\"mail\"}"), "invalid_token");
}

Test(jwt, wrong_audience_and_issuer)
{
	char c[512];

	snprintf(c, sizeof(c), "{\"iss\":\"https://issuer.test\",\"aud\":"
	    "\"web\",\"sub\":\"a\",\"scope\":\"mail\",\"exp\":%ld}",
	    (long)time(NULL) + 3600);
	cr_assert_refused(ot_jwt(&es, header("ES256", "es1"), c),
	    "invalid_token");
	snprintf(c, sizeof(c), "{\"iss\":\"https://issuer.test\",\"aud\":"
	    "[\"web\",\"mail\"],\"sub\":\"a\",\"scope\":\"mail\",\"exp\":%ld}",
	    (long)time(NULL) + 3600);
	cr_assert_eq(verify(NULL, ot_jwt(&es, header("ES256", "es1"), c)), 1);
	snprintf(c, sizeof(c), "{\"iss\":\"https://evil.test\",\"aud\":"
	    "\"mail\",\"sub\":\"a\",\"scope\":\"mail\",\"exp\":%ld}",
	    (long)time(NULL) + 3600);
	cr_assert_refused(ot_jwt(&es, header("ES256", "es1"), c),
	    "invalid_token");
}

Test(jwt, wrong_signature)
{
	char *tok = ot_jwt(&ed, header("EdDSA", "ed1"), claims("a", 3600,
	    NULL));
	size_t n = strlen(tok);

	tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A';
	cr_assert_refused(tok, "invalid_token");
	/* Signed by another key of the same algorithm, under our kid. */
	ot_key_make(&other, "EdDSA");
	cr_assert_refused(ot_jwt(&other, header("EdDSA", "ed1"), claims("a",
	    3600, NULL)), "invalid_token");
	/* Other claims under a good token's header and signature. */
	{
		char good[OT_TOKEN_MAX], forged[OT_TOKEN_MAX], *c2;

		strcpy(good, ot_jwt(&hs, header("HS256", "hs1"), claims("a",
		    3600, NULL)));
		cr_assert_eq(verify(NULL, good), 1);
		c2 = ot_jwt(NULL, header("HS256", "hs1"), claims("admin", 3600,
		    NULL));
		snprintf(forged, sizeof(forged), "%.*s%.*s%s",
		    (int)(strchr(good, '.') - good), good,
		    (int)(strrchr(c2, '.') - strchr(c2, '.')), strchr(c2, '.'),
		    strrchr(good, '.'));
		cr_assert_eq(verify(NULL, forged), 0);
	}
}

Test(jwt, alg_none_is_refused)
{
	cr_assert_refused(ot_jwt(NULL, "{\"alg\":\"none\"}", claims("a", 3600,
	    NULL)), "invalid_token");
	cr_assert_refused(ot_jwt(NULL, "{\"alg\":\"none\",\"kid\":\"hs1\"}",
	    claims("a", 3600, NULL)), "invalid_token");
	/* An HS256 header with no signature at all. */
	cr_assert_refused(ot_jwt(NULL, header("HS256", "hs1"), claims("a",
	    3600, NULL)), "invalid_token");
}

Test(jwt, algorithm_confusion_is_refused)
{
	char p[128];
	gnutls_datum_t pem;

	/* The attack: HS256 with the RSA public key (its PEM) as secret. */
	path(p, sizeof(p), "rs.pem");
	cr_assert_eq(gnutls_load_file(p, &pem), 0);
	ot_key_make(&other, "HS256");
	cr_assert_geq(pem.size, 32);
	memcpy(other.secret, pem.data, 32);
	gnutls_free(pem.data);
	cr_assert_refused(ot_jwt(&other, header("HS256", "rs1"), claims("a",
	    3600, NULL)), "invalid_token");
	/* An HS256 key asked to check an RS256 header. */
	cr_assert_refused(ot_jwt(&rs, header("RS256", "hs1"), claims("a",
	    3600, NULL)), "invalid_token");
	/* The key's algorithm is not the header's. */
	cr_assert_refused(ot_jwt(&es, header("RS256", "es1"), claims("a",
	    3600, NULL)), "invalid_token");
}

Test(jwt, unknown_kid_and_garbage)
{
	static const char *const bad[] = {
		"", "x", "a.b", "a.b.c.d", "e30.e30.AA", "!!.e30.AA",
		"eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.AAAA",
	};
	size_t i;

	cr_assert_refused(ot_jwt(&rs, header("RS256", "nope"), claims("a",
	    3600, NULL)), "invalid_token");
	for (i = 0; i < GD_N_ELEMENTS(bad); i++)
		cr_assert_eq(verify(NULL, bad[i]), 0, "'%s'", bad[i]);
}

Test(jwt, claimed_user_and_scope)
{
	char c[512];
	const char *tok = ot_jwt(&hs, header("HS256", "hs1"), claims("alice",
	    3600, NULL));

	cr_assert_eq(verify("alice", tok), 1);
	cr_assert_eq(verify("bob", tok), 0);
	cr_assert_str_eq(info.status, "invalid_token");
	snprintf(c, sizeof(c), "{\"iss\":\"https://issuer.test\",\"aud\":"
	    "\"mail\",\"sub\":\"a\",\"scope\":\"openid mailbox\",\"exp\":%ld}",
	    (long)time(NULL) + 3600);
	cr_assert_refused(ot_jwt(&hs, header("HS256", "hs1"), c),
	    "insufficient_scope");
	snprintf(c, sizeof(c), "{\"iss\":\"https://issuer.test\",\"aud\":"
	    "\"mail\",\"sub\":\"a\",\"scp\":[\"x\",\"mail\"],\"exp\":%ld}",
	    (long)time(NULL) + 3600);
	cr_assert_eq(verify(NULL, ot_jwt(&hs, header("HS256", "hs1"), c)), 1);
}

Test(jwt, oauthbearer_with_a_jwt_end_to_end)
{
	struct st_client c;
	char msg[OT_TOKEN_MAX + 64], line[ST_LINE_MAX], *b64, *json;
	static const char want[] = "{\"status\":\"invalid_token\",\"scope\":"
	    "\"mail\",\"openid-configuration\":\"https://issuer.test/."
	    "well-known/x\"}";
	size_t n;

	st_open(&c, st_settings("{realm: oauth, mechanisms: [OAUTHBEARER], "
	    "failure-delay: 0}"), true);
	snprintf(msg, sizeof(msg), "n,a=alice,\001auth=Bearer %s\001\001",
	    ot_jwt(&rs, header("RS256", "rs1"), claims("alice", 3600, NULL)));
	cr_assert_eq(gsasl_base64_to(msg, strlen(msg), &b64, NULL), GSASL_OK);
	snprintf(line, sizeof(line), "AUTH OAUTHBEARER %s", b64);
	gsasl_free(b64);
	cr_assert_str_eq(st_command(&c, line), "+OK authenticated as alice");
	st_close(&c);
	st_open(&c, st_settings("{realm: oauth, mechanisms: [OAUTHBEARER], "
	    "failure-delay: 0}"), true);
	snprintf(msg, sizeof(msg), "n,,\001auth=Bearer %s\001\001",
	    ot_jwt(&rs, header("RS256", "rs1"), claims("alice", -3600, NULL)));
	cr_assert_eq(gsasl_base64_to(msg, strlen(msg), &b64, NULL), GSASL_OK);
	snprintf(line, sizeof(line), "AUTH OAUTHBEARER %s", b64);
	gsasl_free(b64);
	strcpy(line, st_command(&c, line));
	cr_assert_eq(strncmp(line, "+ ", 2), 0, "%s", line);
	cr_assert_eq(gsasl_base64_from(line + 2, strlen(line + 2), &json, &n),
	    GSASL_OK);
	/* (libgsasl's decoded data is not NUL-terminated.) */
	cr_assert_eq(n, strlen(want));
	cr_assert_eq(memcmp(json, want, n), 0, "%.*s", (int)n, json);
	gsasl_free(json);
	cr_assert_str_eq(st_command(&c, "AQ=="),
	    "-ERR [BAD-CREDENTIALS] authentication failed");
	st_close(&c);
}

/* ---- the user claim and JWKS -------------------------------------------- */

static void
write_jwks(const char *name, const char *const *jwks)
{
	char p[128], tmp[128];
	FILE *f;
	size_t i;

	path(p, sizeof(p), name);
	snprintf(tmp, sizeof(tmp), "%s.new", p);
	cr_assert_not_null(f = fopen(tmp, "w"));
	fprintf(f, "{\"keys\":[");
	for (i = 0; jwks[i] != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? "," : "", jwks[i]);
	fprintf(f, "]}");
	fclose(f);
	/* Replaced by rename, as a deployment would. */
	cr_assert_eq(rename(tmp, p), 0);
}

Test(jwks, keys_from_jwks_rotation_and_user_claim)
{
	char k1[2048], k2[2048], k3[2048], k4[2048], k5[1024];
	const char *set1[4];
	struct ot_key es2;
	char c[512];

	/* The keys the JWKS will hold are made before loading. */
	strcpy(dir, "/tmp/gd-oauth-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	ot_key_make(&other, "RS256");
	ot_key_make(&es2, "ES256");
	ot_key_make(&ed, "EdDSA");
	ot_key_make(&hs, "HS256");
	ot_key_jwk(&other, "r1", k1, sizeof(k1));
	ot_key_jwk(&ed, "e1", k3, sizeof(k3));
	ot_key_jwk(&hs, "h1", k4, sizeof(k4));
	/* Skipped: encryption keys and a type we do not know. */
	snprintf(k5, sizeof(k5), "{\"kty\":\"RSA\",\"use\":\"enc\",\"kid\":"
	    "\"x\",\"n\":\"AQAB\",\"e\":\"AQAB\"}");
	set1[0] = k1;
	set1[1] = k3;
	set1[2] = k4;
	set1[3] = NULL;
	write_jwks("jwks.json", set1);
	{
		char conf[512];

		snprintf(conf, sizeof(conf), "realm-oauth:\n  user-claim: "
		    "email\n  jwks-file: %s/jwks.json\n", dir);
		st_setup(mods, conf);
	}
	cr_assert_not_null(realm = gd_realm_find("oauth", NULL));
	pool = gd_pool_create("test-oauth");
	snprintf(c, sizeof(c), "{\"sub\":\"x1\",\"email\":\"carol@example."
	    "org\",\"exp\":%ld}", (long)time(NULL) + 3600);
	cr_assert_eq(verify(NULL, ot_jwt(&other, header("RS256", "r1"), c)),
	    1);
	cr_assert_str_eq(user->name, "carol@example.org");
	cr_assert_eq(verify(NULL, ot_jwt(&ed, header("EdDSA", "e1"), c)), 1);
	cr_assert_eq(verify(NULL, ot_jwt(&hs, header("HS256", "h1"), c)), 1);
	/* Without the claim: refused. */
	snprintf(c, sizeof(c), "{\"sub\":\"x1\",\"exp\":%ld}",
	    (long)time(NULL) + 3600);
	cr_assert_eq(verify(NULL, ot_jwt(&other, header("RS256", "r1"), c)),
	    0);
	/* Rotation: r1 leaves, an ES256 key e2 arrives (and junk). */
	ot_key_jwk(&es2, "e2", k2, sizeof(k2));
	write_jwks("jwks.json", (const char *const[]){ k5, k2, NULL });
	snprintf(c, sizeof(c), "{\"email\":\"dave@example.org\",\"exp\":%ld}",
	    (long)time(NULL) + 3602);
	cr_assert_eq(verify(NULL, ot_jwt(&es2, header("ES256", "e2"), c)), 1);
	cr_assert_str_eq(user->name, "dave@example.org");
	cr_assert_eq(verify(NULL, ot_jwt(&other, header("RS256", "r1"), c)),
	    0);
	/* A broken JWKS keeps the keys we have. */
	write_jwks("jwks.json", (const char *const[]){ "{", NULL });
	cr_assert_eq(verify(NULL, ot_jwt(&es2, header("ES256", "e2"), c)), 1);
	ot_key_free(&es2);
	gd_pool_destroy(&pool);
	st_teardown();
	ot_key_free(&other);
	ot_key_free(&ed);
	ot_key_free(&hs);
	snprintf(c, sizeof(c), "rm -rf %s", dir);
	cr_assert_eq(system(c), 0);
}

/* ---- introspection ------------------------------------------------------ */

static const char *
intro_answer(const char *token, const char *auth)
{
	static char a[512];

	/* "gumdrop:s3cret" */
	if (strcmp(auth, "Basic Z3VtZHJvcDpzM2NyZXQ=") != 0)
		return "!401";
	if (strcmp(token, "active-tok") == 0)
		snprintf(a, sizeof(a), "{\"active\":true,"
		    "\"username\":\"alice\","
		    "\"scope\":\"mail\",\"exp\":%ld}", (long)time(NULL) + 3600);
	else if (strcmp(token, "sub-tok") == 0)
		snprintf(a, sizeof(a), "{\"active\":true,\"sub\":\"bob\","
		    "\"scope\":\"mail imap\"}");
	else if (strcmp(token, "expired-tok") == 0)
		snprintf(a, sizeof(a), "{\"active\":true,"
		    "\"username\":\"alice\","
		    "\"scope\":\"mail\",\"exp\":%ld}", (long)time(NULL) - 3600);
	else if (strcmp(token, "noscope-tok") == 0)
		snprintf(a, sizeof(a), "{\"active\":true,"
		    "\"username\":\"alice\","
		    "\"scope\":\"web\"}");
	else if (strcmp(token, "junk-tok") == 0)
		snprintf(a, sizeof(a), "<html>");
	else
		snprintf(a, sizeof(a), "{\"active\":false}");
	return a;
}

static void
intro_setup_secret(const char *secret)
{
	char conf[1024], p[128];
	FILE *f;

	strcpy(dir, "/tmp/gd-oauth-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	path(p, sizeof(p), "secret");
	cr_assert_not_null(f = fopen(p, "w"));
	fprintf(f, "%s\n", secret);
	fclose(f);
	http.answer = intro_answer;
	ot_http_start(&http);
	snprintf(conf, sizeof(conf), "realm-oauth:\n  scope: mail\n"
	    "  introspection:\n    url: http://127.0.0.1:%u/introspect\n"
	    "    client-id: gumdrop\n    client-secret-file: %s\n"
	    "    timeout: 3s\n", http.port, p);
	st_setup(mods, conf);
	cr_assert_not_null(realm = gd_realm_find("oauth", NULL));
	pool = gd_pool_create("test-oauth");
}

static void
intro_setup(void)
{
	intro_setup_secret("s3cret");
}

static void
intro_teardown(void)
{
	ot_http_stop(&http);
	teardown();
}

TestSuite(introspect, .init = intro_setup, .fini = intro_teardown,
    .timeout = 60);

Test(introspect, active_then_cached)
{
	cr_assert_eq(verify(NULL, "active-tok"), 1);
	cr_assert_str_eq(user->name, "alice");
	cr_assert_eq(atomic_load(&http.hits), 1);
	/* The second call does not reach the endpoint. */
	cr_assert_eq(verify("alice", "active-tok"), 1);
	cr_assert_eq(atomic_load(&http.hits), 1);
	cr_assert_eq(verify("bob", "active-tok"), 0);
	cr_assert_eq(atomic_load(&http.hits), 1);
	/* "username" missing: "sub". */
	cr_assert_eq(verify(NULL, "sub-tok"), 1);
	cr_assert_str_eq(user->name, "bob");
	cr_assert_eq(atomic_load(&http.hits), 2);
}

Test(introspect, inactive_expired_and_scope)
{
	cr_assert_eq(verify(NULL, "revoked-tok"), 0);
	cr_assert_str_eq(info.status, "invalid_token");
	cr_assert_eq(verify(NULL, "expired-tok"), 0);
	cr_assert_eq(verify(NULL, "noscope-tok"), 0);
	cr_assert_str_eq(info.status, "insufficient_scope");
	cr_assert_str_eq(info.scope, "mail");
	cr_assert_eq(atomic_load(&http.hits), 3);
	/* Refusals are remembered for a while too. */
	cr_assert_eq(verify(NULL, "revoked-tok"), 0);
	cr_assert_eq(atomic_load(&http.hits), 3);
}

Test(introspect, nonsense_answer_is_temporary)
{
	cr_assert_eq(verify(NULL, "junk-tok"), -1);
	/* Not cached: asked again. */
	cr_assert_eq(verify(NULL, "junk-tok"), -1);
	cr_assert_eq(atomic_load(&http.hits), 2);
}

Test(introspect, endpoint_down_is_temporary)
{
	ot_http_stop(&http);
	/* Nothing listens on the port any more. */
	cr_assert_eq(verify(NULL, "active-tok"), -1);
	http.answer = intro_answer;
	ot_http_start(&http);
}

static void
intro_wrong_secret_setup(void)
{
	intro_setup_secret("wrong");
}

Test(introspect_refused, client_refused_by_the_endpoint_is_temporary,
    .init = intro_wrong_secret_setup, .fini = intro_teardown,
    .timeout = 60)
{
	cr_assert_eq(verify(NULL, "active-tok"), -1);
	cr_assert_eq(atomic_load(&http.hits), 1);
}
