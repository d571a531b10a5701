/*
 * test-sasl-gssapi.c — the GSSAPI mechanism against a real MIT KDC.
 *
 * Before any test, tests/integration/krb5-kdc.sh makes a realm
 * EXAMPLE.TEST in a temporary folder, starts krb5kdc on 127.0.0.1, exports
 * the service keytab (smtp/localhost, imap/localhost) and gets tickets for
 * alice and alice/admin; the environment it prints (KRB5_CONFIG, ...) is
 * set for every test process.  The KDC is stopped after the last test.
 *
 * Clients: libgsasl's GSSAPI client (independent; through libgssglue) over
 * the echo AUTH protocol of sasl-test-util.h, and a hand-driven client on
 * MIT's GSS-API for what libgsasl cannot be made to send (other security
 * layers, truncated replies, no mutual authentication).  Pure parts (the
 * security-layer messages, principal mapping) are tested without a KDC.
 */
#include "config.h"

#include <sys/wait.h>

#include <criterion/hooks.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

#include "sasl-test-util.h"
#include "gssapi-layer.h"

#define KDC_SCRIPT	GD_TEST_SRCDIR "/integration/krb5-kdc.sh"
#define FAST		"failure-delay: 0"
#define SETTINGS	"{realm: test, mechanisms: [GSSAPI], " FAST \
			", service: smtp, hostname: localhost}"

static const char *const gs_mods[] = {
	"echo", "sasl-gssapi", "realm-test", NULL,
};

static char gs_dir[64];

/* ---- the KDC: once for the whole run ------------------------------------ */

/* Run the helper; set each NAME=VALUE line it prints in our environment
 * (inherited by every test process). */
static int
gs_kdc_start(void)
{
	char cmd[256], line[512], *eq;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "timeout 120 bash %s start %s",
	    KDC_SCRIPT, gs_dir);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		setenv(line, eq + 1, 1);
	}
	status = pclose(p);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char path[128];

	(void)set;
	strcpy(gs_dir, "/tmp/gd-test-kdc-XXXXXX");
	if (mkdtemp(gs_dir) == NULL)
		return;
	snprintf(path, sizeof(path), "%s/rcache", gs_dir);
	mkdir(path, 0700);
	setenv("KRB5RCACHEDIR", path, 1);
	if (gs_kdc_start() == 0)
		setenv("GD_TEST_KDC", gs_dir, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	char cmd[256];

	(void)stats;
	if (gs_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "timeout 20 bash %s stop %s; rm -rf %s",
	    KDC_SCRIPT, gs_dir, gs_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "stopping the KDC failed\n");
}

/* ---- set-up ------------------------------------------------------------- */

/* The libgsasl client's service and host (the harness sets only the
 * user's properties). */
static const char *gs_client_service = "smtp";

static int
gs_callback(Gsasl *ctx, Gsasl_session *sess, Gsasl_property prop)
{
	(void)ctx;
	switch (prop) {
	case GSASL_SERVICE:
		gsasl_property_set(sess, prop, gs_client_service);
		return GSASL_OK;
	case GSASL_HOSTNAME:
		gsasl_property_set(sess, prop, "localhost");
		return GSASL_OK;
	default:
		return GSASL_NO_CALLBACK;
	}
}

/* Load the modules with `module_yaml` as the sasl-gssapi section; use
 * the ticket cache of `who` ("alice", "admin", or "none"). */
static void
gs_setup(const char *module_yaml, const char *who)
{
	const char *kdc = getenv("GD_TEST_KDC");
	char yaml[1024], cc[128];

	cr_assert_not_null(kdc, "the test KDC did not start (krb5-kdc.sh; "
	    "Debian packages krb5-kdc, krb5-admin-server, krb5-user)");
	snprintf(cc, sizeof(cc), "FILE:%s/ccache-%s", kdc, who);
	setenv("KRB5CCNAME", cc, 1);
	snprintf(yaml, sizeof(yaml), "sasl-gssapi: {keytab: %s/service.keytab"
	    "%s%s}\n", kdc, module_yaml[0] != '\0' ? ", " : "", module_yaml);
	st_setup(gs_mods, yaml);
	gsasl_callback_set(st_gsasl, gs_callback);
}

/* One libgsasl authentication on a fresh connection; the connection
 * must still serve commands afterwards. */
static int
gs_auth(const char *settings, struct st_auth *a)
{
	struct st_client c;
	int ret;

	st_open(&c, st_settings(settings), false);
	ret = st_gsasl_auth(&c, a);
	cr_assert_str_eq(st_command(&c, "NOOP"), "+OK");
	st_close(&c);
	return ret;
}

TestSuite(gssapi, .fini = st_teardown, .timeout = 60);

/* ---- libgsasl as the client --------------------------------------------- */

Test(gssapi, alice_with_and_without_initial_response)
{
	struct st_auth a = { .mech = "GSSAPI", .initial_response = true };

	gs_setup("realm: EXAMPLE.TEST", "alice");
	cr_assert_eq(gs_auth(SETTINGS, &a), 1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "+OK authenticated as alice");
	/* Mutual authentication's last token, then the layer offer. */
	cr_assert_eq(a.rounds, 2);
	a.initial_response = false;
	cr_assert_eq(gs_auth(SETTINGS, &a), 1, "%s", a.reply);
	cr_assert_eq(a.rounds, 3, "an empty challenge first");
}

Test(gssapi, authorization_identity_through_the_realm)
{
	struct st_auth a = { .mech = "GSSAPI", .authzid = "bob",
	    .initial_response = true };

	gs_setup("realm: EXAMPLE.TEST, principal-map: "
	    "{alice/admin@EXAMPLE.TEST: admin}", "alice");
	/* alice may not act as bob (realm-test: only admin may). */
	cr_assert_eq(gs_auth(SETTINGS, &a), 0, "%s", a.reply);
	cr_assert_str_eq(a.reply,
	    "-ERR [AUTHZ-DENIED] not authorized to act as that user");
	/* Acting as oneself is always allowed. */
	a.authzid = "alice";
	cr_assert_eq(gs_auth(SETTINGS, &a), 1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "+OK authenticated as alice");
}

Test(gssapi, principal_map_and_admin_acting_as_another)
{
	struct st_auth a = { .mech = "GSSAPI", .authzid = "bob",
	    .initial_response = true };

	gs_setup("realm: EXAMPLE.TEST, principal-map: "
	    "{alice/admin@EXAMPLE.TEST: admin}", "admin");
	cr_assert_eq(gs_auth(SETTINGS, &a), 1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "+OK authenticated as bob");
}

Test(gssapi, map_wins_over_the_realm_rule)
{
	struct st_auth a = { .mech = "GSSAPI", .initial_response = true };

	gs_setup("realm: EXAMPLE.TEST, principal-map: "
	    "{alice@EXAMPLE.TEST: bob}", "alice");
	cr_assert_eq(gs_auth(SETTINGS, &a), 1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "+OK authenticated as bob");
}

Test(gssapi, other_realm_refused_unless_allowed)
{
	struct st_auth a = { .mech = "GSSAPI", .initial_response = true };

	gs_setup("realm: OTHER.TEST", "alice");
	cr_assert_eq(gs_auth(SETTINGS, &a), 0, "%s", a.reply);
	cr_assert_str_eq(a.reply,
	    "-ERR [BAD-CREDENTIALS] authentication failed");
}

Test(gssapi, other_realm_allowed_under_the_full_name)
{
	struct st_auth a = { .mech = "GSSAPI", .initial_response = true };

	gs_setup("realm: OTHER.TEST, allow-other-realms: true", "alice");
	cr_assert_eq(gs_auth(SETTINGS, &a), 1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "+OK authenticated as alice@EXAMPLE.TEST");
}

Test(gssapi, unmapped_two_part_principal_refused)
{
	struct st_auth a = { .mech = "GSSAPI", .initial_response = true };

	gs_setup("realm: EXAMPLE.TEST", "admin");
	cr_assert_eq(gs_auth(SETTINGS, &a), 0, "%s", a.reply);
	cr_assert_str_eq(a.reply,
	    "-ERR [BAD-CREDENTIALS] authentication failed");
}

Test(gssapi, no_ticket)
{
	struct st_auth a = { .mech = "GSSAPI" };

	gs_setup("realm: EXAMPLE.TEST", "none");
	/* libgsasl cannot make a token: it answers the empty challenge
	 * with "*". */
	cr_assert_eq(gs_auth(SETTINGS, &a), -1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "-ERR [CANCELLED] authentication cancelled");
}

Test(gssapi, cancel)
{
	struct st_auth a = { .mech = "GSSAPI", .cancel = true };

	gs_setup("realm: EXAMPLE.TEST", "alice");
	cr_assert_eq(gs_auth(SETTINGS, &a), 0, "%s", a.reply);
	cr_assert_str_eq(a.reply, "-ERR [CANCELLED] authentication cancelled");
	cr_assert_eq(a.rounds, 1);
}

Test(gssapi, ticket_for_another_service)
{
	struct st_auth a = { .mech = "GSSAPI", .initial_response = true };

	gs_setup("realm: EXAMPLE.TEST", "alice");
	gs_client_service = "imap";
	cr_assert_eq(gs_auth(SETTINGS, &a), 0, "%s", a.reply);
	cr_assert_str_eq(a.reply,
	    "-ERR [BAD-CREDENTIALS] authentication failed");
}

Test(gssapi, any_key_of_the_keytab)
{
	struct st_auth a = { .mech = "GSSAPI", .initial_response = true };

	gs_setup("realm: EXAMPLE.TEST, hostname: '*'", "alice");
	gs_client_service = "imap";
	cr_assert_eq(gs_auth(SETTINGS, &a), 1, "%s", a.reply);
	gs_client_service = "smtp";
	cr_assert_eq(gs_auth(SETTINGS, &a), 1, "%s", a.reply);
}

Test(gssapi, service_without_a_key_is_temporary)
{
	struct st_auth a = { .mech = "GSSAPI", .initial_response = true };

	/* The listener says pop; the keytab has no pop/localhost. */
	gs_setup("realm: EXAMPLE.TEST", "alice");
	cr_assert_eq(gs_auth("{realm: test, mechanisms: [GSSAPI], " FAST
	    ", service: pop, hostname: localhost}", &a), 0, "%s", a.reply);
	cr_assert_str_eq(a.reply,
	    "-ERR [TEMPORARY] temporary authentication failure");
}

Test(gssapi, module_service_overrides_the_listener)
{
	struct st_auth a = { .mech = "GSSAPI", .initial_response = true };

	gs_setup("realm: EXAMPLE.TEST, service: smtp", "alice");
	cr_assert_eq(gs_auth("{realm: test, mechanisms: [GSSAPI], " FAST
	    ", service: pop, hostname: localhost}", &a), 1, "%s", a.reply);
}

Test(gssapi, garbage_tokens)
{
	struct st_client c;

	gs_setup("realm: EXAMPLE.TEST", "alice");
	st_open(&c, st_settings(SETTINGS), false);
	/* "garbage" */
	cr_assert_str_eq(st_command(&c, "AUTH GSSAPI Z2FyYmFnZQ=="),
	    "-ERR [MALFORMED] malformed authentication message");
	/* A truncated krb5 token (the mechanism OID, nothing after it):
	 * MIT says only GSS_S_FAILURE, which could be a bad ticket too. */
	cr_assert_str_eq(st_command(&c, "AUTH GSSAPI YIGCBgkqhkiG9xIBAgI="),
	    "-ERR [BAD-CREDENTIALS] authentication failed");
	cr_assert_str_eq(st_command(&c, "NOOP"), "+OK");
	st_close(&c);
}

/* ---- a client driven by hand, on MIT's GSS-API -------------------------- */

/* "+ BASE64" or "+" -> bytes (malloc'd by libgsasl; NULL when empty). */
static char *
raw_decode(const char *line, size_t *len_r)
{
	char *out = NULL;

	cr_assert(strncmp(line, "+", 1) == 0, "not a challenge: %s", line);
	*len_r = 0;
	if (line[1] == '\0' || line[2] == '\0')
		return NULL;
	cr_assert_eq(gsasl_base64_from(line + 2, strlen(line + 2), &out,
	    len_r), GSASL_OK, "challenge not base64: %s", line);
	return out;
}

/* Send `len` bytes as a base64 line, with `prefix` ("AUTH GSSAPI "). */
static void
raw_send(struct st_client *c, const char *prefix, const void *data,
    size_t len)
{
	char line[ST_LINE_MAX], *b64 = NULL;

	cr_assert_eq(gsasl_base64_to(data, len, &b64, NULL), GSASL_OK);
	snprintf(line, sizeof(line), "%s%s", prefix, b64);
	gsasl_free(b64);
	st_sendline(c, line);
}

/*
 * Establish a context with smtp@localhost over `c` (with or without
 * mutual authentication) up to the server's layer offer, unwrapped into
 * offer[4].  Returns the context.
 */
static gss_ctx_id_t
raw_establish(struct st_client *c, bool mutual, unsigned char offer[4],
    unsigned *challenges_r)
{
	gss_buffer_desc nbuf = { 14, (void *)"smtp@localhost" };
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out, plain;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t target;
	OM_uint32 major, minor;
	char line[ST_LINE_MAX], *bytes;
	size_t len;
	bool first = true;

	cr_assert_eq(gss_import_name(&minor, &nbuf, GSS_C_NT_HOSTBASED_SERVICE,
	    &target), GSS_S_COMPLETE);
	*challenges_r = 0;
	do {
		major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx,
		    target, gss_mech_krb5, GSS_C_INTEG_FLAG | (mutual ?
		    GSS_C_MUTUAL_FLAG : 0), 0, GSS_C_NO_CHANNEL_BINDINGS,
		    &in, NULL, &out, NULL, NULL);
		cr_assert(!GSS_ERROR(major), "gss_init_sec_context %x/%u",
		    major, minor);
		free(in.value);
		raw_send(c, first ? "AUTH GSSAPI " : "", out.value,
		    out.length);
		gss_release_buffer(&minor, &out);
		first = false;
		st_readline(c, line, sizeof(line));
		(*challenges_r)++;
		bytes = raw_decode(line, &len);
		in.value = bytes;
		in.length = len;
	} while (major == GSS_S_CONTINUE_NEEDED);
	gss_release_name(&minor, &target);
	cr_assert_eq(gss_unwrap(&minor, ctx, &in, &plain, NULL, NULL),
	    GSS_S_COMPLETE, "the offer does not unwrap");
	free(in.value);
	cr_assert_eq(plain.length, 4);
	memcpy(offer, plain.value, 4);
	gss_release_buffer(&minor, &plain);
	return ctx;
}

/* Wrap `len` bytes of layer reply, send them, return the server's line. */
static const char *
raw_reply(struct st_client *c, gss_ctx_id_t ctx, const void *data,
    size_t len)
{
	static char line[ST_LINE_MAX];
	gss_buffer_desc in = { len, (void *)data }, out;
	OM_uint32 minor;

	cr_assert_eq(gss_wrap(&minor, ctx, 0, GSS_C_QOP_DEFAULT, &in, NULL,
	    &out), GSS_S_COMPLETE);
	raw_send(c, "", out.value, out.length);
	gss_release_buffer(&minor, &out);
	return st_readline(c, line, sizeof(line));
}

static void
raw_done(gss_ctx_id_t *ctx)
{
	OM_uint32 minor;

	gss_delete_sec_context(&minor, ctx, GSS_C_NO_BUFFER);
}

Test(gssapi, raw_offer_is_no_layer_and_max_zero)
{
	static const unsigned char want[4] = { 1, 0, 0, 0 };
	unsigned char offer[4];
	struct st_client c;
	gss_ctx_id_t ctx;
	unsigned n;

	gs_setup("realm: EXAMPLE.TEST", "alice");
	st_open(&c, st_settings(SETTINGS), false);
	ctx = raw_establish(&c, true, offer, &n);
	cr_assert_eq(memcmp(offer, want, 4), 0);
	cr_assert_eq(n, 2, "mutual: the AP-REP, then the offer");
	cr_assert_str_eq(raw_reply(&c, ctx, "\x01\0\0\0", 4),
	    "+OK authenticated as alice");
	raw_done(&ctx);
	st_close(&c);
}

Test(gssapi, raw_without_mutual_authentication)
{
	unsigned char offer[4];
	struct st_client c;
	gss_ctx_id_t ctx;
	unsigned n;

	gs_setup("realm: EXAMPLE.TEST", "alice");
	st_open(&c, st_settings(SETTINGS), false);
	ctx = raw_establish(&c, false, offer, &n);
	cr_assert_eq(n, 1, "no AP-REP: the offer at once");
	/* With an authzid; a non-zero maximum with no layer is tolerated. */
	cr_assert_str_eq(raw_reply(&c, ctx, "\x01\0\x10\0alice", 9),
	    "+OK authenticated as alice");
	raw_done(&ctx);
	st_close(&c);
}

Test(gssapi, raw_refuses_layers_not_offered_and_bad_replies)
{
	static const struct {
		const char *data;
		size_t len;
	} bad[] = {
		{ "\x02\0\x10\0", 4 },		/* integrity */
		{ "\x04\0\x10\0", 4 },		/* confidentiality */
		{ "\x07\0\x10\0", 4 },		/* all of them */
		{ "\x00\0\0\0", 4 },		/* none chosen */
		{ "\x01\0\0", 3 },		/* truncated */
		{ "", 0 },			/* empty */
		{ "\x01\0\0\0bo\0b", 8 },	/* NUL in the authzid */
		{ "\x01\0\0\0\xff\xfe", 6 },	/* not UTF-8 */
	};
	unsigned char offer[4];
	struct st_client c;
	gss_ctx_id_t ctx;
	unsigned n;
	size_t i;

	gs_setup("realm: EXAMPLE.TEST", "alice");
	st_open(&c, st_settings(SETTINGS), false);
	for (i = 0; i < GD_N_ELEMENTS(bad); i++) {
		ctx = raw_establish(&c, true, offer, &n);
		cr_assert_str_eq(raw_reply(&c, ctx, bad[i].data, bad[i].len),
		    "-ERR [MALFORMED] malformed authentication message",
		    "case %zu", i);
		raw_done(&ctx);
	}
	st_close(&c);
}

Test(gssapi, raw_unwrapped_reply_refused)
{
	unsigned char offer[4];
	char line[256];
	struct st_client c;
	gss_ctx_id_t ctx;
	unsigned n;

	gs_setup("realm: EXAMPLE.TEST", "alice");
	st_open(&c, st_settings(SETTINGS), false);
	ctx = raw_establish(&c, true, offer, &n);
	/* The reply in the clear, not wrapped. */
	raw_send(&c, "", "\x01\0\0\0", 4);
	cr_assert_str_eq(st_readline(&c, line, sizeof(line)),
	    "-ERR [MALFORMED] malformed authentication message");
	raw_done(&ctx);
	st_close(&c);
}

Test(gssapi, raw_nonempty_answer_to_the_last_token)
{
	gss_buffer_desc nbuf = { 14, (void *)"smtp@localhost" }, out;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t target;
	OM_uint32 minor;
	char line[ST_LINE_MAX];
	struct st_client c;

	gs_setup("realm: EXAMPLE.TEST", "alice");
	st_open(&c, st_settings(SETTINGS), false);
	cr_assert_eq(gss_import_name(&minor, &nbuf, GSS_C_NT_HOSTBASED_SERVICE,
	    &target), GSS_S_COMPLETE);
	cr_assert_eq(gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx,
	    target, gss_mech_krb5, GSS_C_INTEG_FLAG | GSS_C_MUTUAL_FLAG, 0,
	    GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, NULL,
	    NULL), GSS_S_CONTINUE_NEEDED);
	raw_send(&c, "AUTH GSSAPI ", out.value, out.length);
	gss_release_buffer(&minor, &out);
	st_readline(&c, line, sizeof(line));
	cr_assert(strncmp(line, "+ ", 2) == 0 && strlen(line) > 10,
	    "the AP-REP: %s", line);
	/* The server wants an empty answer to its last token. */
	cr_assert_str_eq(st_command(&c, "AAAA"),
	    "-ERR [MALFORMED] malformed authentication message");
	gss_release_name(&minor, &target);
	raw_done(&ctx);
	st_close(&c);
}
