/*
 * test-sasl.c — the SASL framework end to end: settings validation with
 * FILE:LINE, advertising per TLS state, exchanges run by libgsasl over
 * real echo connections (PLAIN, LOGIN; success, wrong password, unknown
 * user, authorization identity, cancel, malformed input), abort while a
 * step runs in the pool, failure delays that do not block the loop,
 * lockout shared between two workers, same reply and similar timing for
 * unknown users, and the log lines.
 */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>

#include "hooks-private.h"
#include "sasl-test-util.h"

static const char *const st_mods[] = {
	"echo", "sasl-plain", "sasl-login", "realm-test", NULL,
};

/* ---- test mechanisms, registered beside the real ones ------------------- */

static atomic_int slow_steps, slow_cleanups;

/* Sleeps in the pool, then fails: for abort and non-blocking tests. */
static enum gd_sasl_status
slow_step(struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	(void)x;
	(void)state;
	(void)in;
	(void)len;
	usleep(300 * 1000);
	atomic_fetch_add(&slow_steps, 1);
	out->reason = GD_SASL_MALFORMED;
	return GD_SASL_FAILURE;
}

static void
slow_cleanup(void *state)
{
	(void)state;
	atomic_fetch_add(&slow_cleanups, 1);
}

/* Succeeds as "alice" once it sees a channel binding. */
static enum gd_sasl_status
xplus_step(struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	const void *cb;
	size_t cblen;

	(void)state;
	(void)in;
	(void)len;
	if (gd_sasl_x_channel_binding(x, "tls-server-end-point", &cb,
	    &cblen) < 0 || cblen != 32) {
		out->reason = GD_SASL_BAD_CREDENTIALS;
		return GD_SASL_FAILURE;
	}
	out->authcid = "alice";
	return GD_SASL_SUCCESS;
}

/* Succeeds as "bob" with a verified client certificate. */
static enum gd_sasl_status
xext_step(struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	const void *der;
	size_t dlen;

	(void)state;
	(void)in;
	(void)len;
	if (gd_sasl_x_peer_cert(x, &der, &dlen) != GD_TLS_PEER_VALID) {
		out->reason = GD_SASL_BAD_CREDENTIALS;
		return GD_SASL_FAILURE;
	}
	out->authcid = "bob";
	return GD_SASL_SUCCESS;
}

static const struct gd_sasl_mech slow_mech = {
	.size = sizeof(struct gd_sasl_mech), .name = "SLOW",
	.state_size = 8, .step = slow_step, .cleanup = slow_cleanup,
};
static const struct gd_sasl_mech xplus_mech = {
	.size = sizeof(struct gd_sasl_mech), .name = "XPLUS",
	.flags = GD_SASL_MECH_CHANNEL_BINDING, .step = xplus_step,
};
static const struct gd_sasl_mech xext_mech = {
	.size = sizeof(struct gd_sasl_mech), .name = "XEXT",
	.flags = GD_SASL_MECH_EXTERNAL, .step = xext_step,
};
static const struct gd_service_decl test_services[] = {
	{ "sasl-mech.SLOW", 1, 0, &slow_mech },
	{ "sasl-mech.XPLUS", 1, 0, &xplus_mech },
	{ "sasl-mech.XEXT", 1, 0, &xext_mech },
};

static void
add_test_mechs(void)
{
	const char *error;
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(test_services); i++)
		cr_assert_eq(gd_services_add("test", &test_services[i],
		    &error), 0, "%s", error);
	gd_sasl_policy_reset();
}

static void
sasl_setup(void)
{
	st_setup(st_mods, "realm-test: {cost: 1}\n");
	add_test_mechs();
}

static void
sasl_setup_two(void)
{
	st_setup_workers(st_mods, "realm-test: {cost: 1}\n", 2);
	add_test_mechs();
}

static void
sasl_setup_costly(void)
{
	st_setup(st_mods, "realm-test: {cost: 100000}\n");
	add_test_mechs();
}

TestSuite(sasl, .init = sasl_setup, .fini = st_teardown, .timeout = 60);
TestSuite(sasl2, .init = sasl_setup_two, .fini = st_teardown,
    .timeout = 60);
TestSuite(sasl_cost, .init = sasl_setup_costly, .fini = st_teardown,
    .timeout = 120);

#define FAST	"failure-delay: 0, max-auth-failures: 0"

static uint64_t
elapsed_since(uint64_t t0)
{
	return gd_now_ms() - t0;
}

/* ---- settings ---------------------------------------------------------- */

/* The error parsing a block-style `sasl:` (lines count from 1). */
static const char *
settings_error(const char *text)
{
	const struct gd_sasl_settings *s;
	const char *error = NULL;
	char *err = NULL;

	gd_config_free(&st_scfg);
	st_scfg = gd_config_load_string("gd.yaml", text, strlen(text), &err);
	cr_assert_not_null(st_scfg, "yaml: %s", err);
	cr_assert_eq(gd_sasl_settings_parse(gd_config_get(gd_config_root(
	    st_scfg), "sasl"), "test", "echo", ct_pool, &s, &error), -1,
	    "accepted: %s", text);
	return error;
}

#define ASSERT_ERR(text, want) do { \
	const char *e_ = settings_error(text); \
	cr_assert(strstr(e_, want) != NULL, "got \"%s\", want \"%s\"", e_, \
	    want); \
} while (0)

Test(sasl, settings_errors_name_file_and_line)
{
	ASSERT_ERR("sasl:\n  realm: test\n  mechanisms: [PLAIN, NOPE]\n",
	    "gd.yaml:3: unknown mechanism 'NOPE'");
	ASSERT_ERR("sasl:\n  mechanisms: [PLAIN]\n  realm: nowhere\n",
	    "gd.yaml:3: key 'realm': unknown realm 'nowhere'");
	ASSERT_ERR("sasl:\n  realm: test\n  mechanisms: PLAIN\n  colour: red\n",
	    "gd.yaml:4: key 'colour'");
	ASSERT_ERR("sasl:\n  mechanisms: [PLAIN]\n", "gd.yaml:1");
	ASSERT_ERR("sasl:\n  realm: test\n  mechanisms:\n    - PLAIN\n"
	    "    - plain\n", "gd.yaml:5: mechanism 'plain' listed twice");
	ASSERT_ERR("sasl:\n  realm: test\n  mechanisms: [PLAIN]\n"
	    "  failure-delay: 2s\n  failure-delay-max: 1s\n",
	    "gd.yaml:5: key 'failure-delay-max': must be at least");
	ASSERT_ERR("sasl:\n  realm: test\n  mechanisms: [PLAIN]\n"
	    "  max-auth-failures: lots\n",
	    "gd.yaml:4: key 'max-auth-failures'");
	ASSERT_ERR("sasl: [PLAIN]\n", "gd.yaml:1");
}

Test(sasl, settings_accepted_with_defaults)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [login, PLAIN]}");

	cr_assert_eq(s->mech_count, 2);
	cr_assert_str_eq(s->mechs[0]->name, "LOGIN");
	cr_assert_eq(s->max_failures, 5);
	cr_assert_eq(s->lockout_ms, 15 * 60 * 1000);
	cr_assert_eq(s->delay_ms, 1000);
	cr_assert_eq(s->delay_max_ms, 8000);
	cr_assert_str_eq(s->service, "echo");
	cr_assert_not(s->plaintext_without_tls);
	cr_assert_not_null(s->realm);
	cr_assert_eq(gd_realm_find("test", &(const char *){ NULL }), s->realm);
}

/* ---- advertising ----------------------------------------------------- */

Test(sasl, plaintext_mechanisms_need_tls)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [PLAIN, LOGIN, SLOW]}");
	struct st_client c;

	st_open(&c, s, false);
	cr_assert_str_eq(st_command(&c, "CAPA"), "+OK SASL SLOW");
	cr_assert_str_eq(st_command(&c, "AUTH"), "+OK SLOW");
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3"),
	    "-ERR [ENCRYPTION-REQUIRED] encryption required for this "
	    "mechanism");
	cr_assert_str_eq(st_command(&c, "AUTH NOPE"),
	    "-ERR [MECH-UNAVAILABLE] mechanism not available");
	st_close(&c);
	st_open(&c, s, true);
	cr_assert_str_eq(st_command(&c, "CAPA"), "+OK SASL PLAIN LOGIN SLOW");
	st_close(&c);
	s = st_settings("{realm: test, mechanisms: [PLAIN, LOGIN], "
	    "plaintext-without-tls: true}");
	st_open(&c, s, false);
	cr_assert_str_eq(st_command(&c, "CAPA"), "+OK SASL PLAIN LOGIN");
	st_close(&c);
}

Test(sasl, plus_needs_binding_external_needs_certificate)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [XPLUS, XEXT, PLAIN], "
	    "plaintext-without-tls: true}");
	struct st_client c;

	st_open(&c, s, false);
	cr_assert_str_eq(st_command(&c, "CAPA"), "+OK SASL PLAIN");
	cr_assert_str_eq(st_command(&c, "AUTH XPLUS ="),
	    "-ERR [MECH-UNAVAILABLE] mechanism not available");
	st_close(&c);
	st_open(&c, s, true);
	cr_assert_str_eq(st_command(&c, "CAPA"), "+OK SASL XPLUS PLAIN");
	cr_assert_str_eq(st_command(&c, "AUTH XPLUS ="),
	    "+OK authenticated as alice");
	st_close(&c);
	st_open_ex(&c, s, true, true, 0);
	cr_assert_str_eq(st_command(&c, "CAPA"), "+OK SASL XPLUS XEXT PLAIN");
	cr_assert_str_eq(st_command(&c, "AUTH XEXT ="),
	    "+OK authenticated as bob");
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN"),
	    "-ERR already authenticated");
	st_close(&c);
}

Test(sasl, no_settings_no_auth)
{
	struct st_client c;

	st_open(&c, NULL, true);
	cr_assert_str_eq(st_command(&c, "CAPA"), "+OK");
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN ="),
	    "-ERR authentication not enabled");
	cr_assert_str_eq(st_command(&c, "NOOP"), "+OK");
	st_close(&c);
}

/* ---- libgsasl as the client ------------------------------------------- */

static int
gsasl_run(bool tls, const char *settings, struct st_auth *a)
{
	struct st_client c;
	int ret;

	st_open(&c, st_settings(settings), tls);
	ret = st_gsasl_auth(&c, a);
	/* The connection still serves commands afterwards. */
	cr_assert_str_eq(st_command(&c, "NOOP"), "+OK");
	st_close(&c);
	return ret;
}

Test(sasl, gsasl_plain_success_with_and_without_initial_response)
{
	struct st_auth a = { .mech = "PLAIN", .authcid = "alice",
	    .password = "alice-pw", .initial_response = true };

	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [PLAIN]}",
	    &a), 1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "+OK authenticated as alice");
	cr_assert_eq(a.rounds, 0);
	a.initial_response = false;
	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [PLAIN]}",
	    &a), 1, "%s", a.reply);
	cr_assert_eq(a.rounds, 1, "one empty challenge");
}

Test(sasl, gsasl_plain_wrong_password_and_unknown_user_same_reply)
{
	struct st_auth a = { .mech = "PLAIN", .authcid = "alice",
	    .password = "wrong", .initial_response = true };
	struct st_auth b = { .mech = "PLAIN", .authcid = "nobody",
	    .password = "wrong", .initial_response = true };

	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [PLAIN], "
	    FAST "}", &a), 0);
	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [PLAIN], "
	    FAST "}", &b), 0);
	cr_assert_str_eq(a.reply,
	    "-ERR [BAD-CREDENTIALS] authentication failed");
	cr_assert_str_eq(b.reply, a.reply);
}

Test(sasl, gsasl_plain_utf8_user)
{
	struct st_auth a = { .mech = "PLAIN", .authcid = "j\xc3\xb6hn",
	    .password = "p\xc3\xa4ssw\xc3\xb6rd", .initial_response = true };

	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [PLAIN]}",
	    &a), 1, "%s", a.reply);
}

Test(sasl, gsasl_plain_authorization_identity)
{
	struct st_auth a = { .mech = "PLAIN", .authcid = "admin",
	    .authzid = "alice", .password = "admin-pw",
	    .initial_response = true };
	struct st_auth b = { .mech = "PLAIN", .authcid = "alice",
	    .authzid = "bob", .password = "alice-pw",
	    .initial_response = true };
	struct st_auth c = { .mech = "PLAIN", .authcid = "alice",
	    .authzid = "alice", .password = "alice-pw",
	    .initial_response = true };

	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [PLAIN]}",
	    &a), 1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "+OK authenticated as alice");
	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [PLAIN], "
	    FAST "}", &b), 0);
	cr_assert_str_eq(b.reply,
	    "-ERR [AUTHZ-DENIED] not authorized to act as that user");
	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [PLAIN]}",
	    &c), 1, "%s", c.reply);
}

Test(sasl, gsasl_login_with_and_without_initial_response)
{
	struct st_auth a = { .mech = "LOGIN", .authcid = "bob",
	    .password = "bob-pw" };

	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [LOGIN]}",
	    &a), 1, "%s", a.reply);
	cr_assert_eq(a.rounds, 2, "Username: and Password:");
	a.initial_response = true;
	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [LOGIN]}",
	    &a), 1, "%s", a.reply);
	cr_assert_eq(a.rounds, 1, "Password: only");
	a.password = "nope";
	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [LOGIN], "
	    FAST "}", &a), 0);
	cr_assert_str_eq(a.reply,
	    "-ERR [BAD-CREDENTIALS] authentication failed");
}

Test(sasl, gsasl_plaintext_allowed_by_the_listener)
{
	struct st_auth a = { .mech = "LOGIN", .authcid = "bob",
	    .password = "bob-pw" };

	cr_assert_eq(gsasl_run(false, "{realm: test, mechanisms: [LOGIN], "
	    "plaintext-without-tls: true}", &a), 1, "%s", a.reply);
}

Test(sasl, gsasl_cancel)
{
	struct st_auth a = { .mech = "LOGIN", .authcid = "bob",
	    .password = "bob-pw", .cancel = true };
	struct st_auth p = { .mech = "PLAIN", .authcid = "bob",
	    .password = "bob-pw", .cancel = true };

	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [LOGIN]}",
	    &a), 0);
	cr_assert_str_eq(a.reply, "-ERR [CANCELLED] authentication cancelled");
	cr_assert_eq(gsasl_run(true, "{realm: test, mechanisms: [PLAIN]}",
	    &p), 0);
	cr_assert_str_eq(p.reply, "-ERR [CANCELLED] authentication cancelled");
}

Test(sasl, malformed_and_temporary)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [PLAIN, LOGIN], " FAST "}");
	struct st_client c;

	st_open(&c, s, true);
	/* Not base64; one NUL ("alice\0alice-pw"); empty. */
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN !!!!"),
	    "-ERR [MALFORMED] malformed authentication message");
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN YWxpY2UAYWxpY2UtcHc="),
	    "-ERR [MALFORMED] malformed authentication message");
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN ="),
	    "-ERR [MALFORMED] malformed authentication message");
	/* A response that is not base64 ends the exchange. */
	cr_assert_str_eq(st_command(&c, "AUTH LOGIN"), "+ VXNlcm5hbWU6");
	cr_assert_str_eq(st_command(&c, "%%%"),
	    "-ERR [MALFORMED] malformed authentication message");
	/* The realm cannot answer for "unavailable" (\0unavailable\0x). */
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN AHVuYXZhaWxhYmxlAHg="),
	    "-ERR [TEMPORARY] temporary authentication failure");
	cr_assert_str_eq(st_command(&c, "NOOP"), "+OK");
	st_close(&c);
}

/* ---- the pool, abort, delays ------------------------------------------- */

Test(sasl, abort_while_a_step_runs_in_the_pool)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [SLOW]}");
	struct st_client c, d;
	uint64_t t0;

	st_open(&c, s, false);
	st_sendline(&c, "AUTH SLOW =");
	usleep(50 * 1000);		/* the step is sleeping in the pool */
	st_close(&c);
	/* The connection is gone; the step finishes and only then is the
	 * exchange freed (ASan catches any use of the freed connection). */
	t0 = gd_now_ms();
	while (atomic_load(&slow_cleanups) == 0 && elapsed_since(t0) < 3000)
		usleep(10 * 1000);
	cr_assert_eq(atomic_load(&slow_steps), 1);
	cr_assert_eq(atomic_load(&slow_cleanups), 1);
	st_open(&d, s, false);
	cr_assert_str_eq(st_command(&d, "NOOP"), "+OK");
	st_close(&d);
}

Test(sasl, slow_step_does_not_block_the_loop)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [SLOW]}");
	struct st_client c, d;
	char line[256];
	uint64_t t0;

	st_open(&c, s, false);
	st_open(&d, s, false);
	t0 = gd_now_ms();
	st_sendline(&c, "AUTH SLOW =");
	cr_assert_str_eq(st_command(&d, "NOOP"), "+OK");
	cr_assert_lt(elapsed_since(t0), 150, "NOOP waited for the step");
	/* Pipelined input of the authenticating connection waits for the
	 * answer, then is served in order. */
	st_sendline(&c, "NOOP");
	cr_assert_str_eq(st_readline(&c, line, sizeof(line)),
	    "-ERR [MALFORMED] malformed authentication message");
	cr_assert_geq(elapsed_since(t0), 250);
	cr_assert_str_eq(st_readline(&c, line, sizeof(line)), "+OK");
	st_close(&c);
	st_close(&d);
}

Test(sasl, failure_delay_grows_and_does_not_block)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [PLAIN], failure-delay: 200ms, "
	    "failure-delay-max: 400ms, max-auth-failures: 0}");
	static const uint64_t want[] = { 200, 400, 400 };
	char line[256];
	struct st_client c, d;
	uint64_t t0, t;
	size_t i;

	st_open(&c, s, true);
	st_open(&d, s, true);
	for (i = 0; i < GD_N_ELEMENTS(want); i++) {
		t0 = gd_now_ms();
		/* \0alice\0wrong */
		st_sendline(&c, "AUTH PLAIN AGFsaWNlAHdyb25n");
		cr_assert_str_eq(st_command(&d, "NOOP"), "+OK");
		cr_assert_lt(elapsed_since(t0), 150,
		    "another connection waited for the delay");
		st_readline(&c, line, sizeof(line));
		t = elapsed_since(t0);
		cr_assert_str_eq(line,
		    "-ERR [BAD-CREDENTIALS] authentication failed");
		cr_assert(t >= want[i] - 20 && t < want[i] + 300,
		    "failure %zu after %" PRIu64 " ms, want %" PRIu64, i, t,
		    want[i]);
	}
	st_close(&c);
	st_close(&d);
}

Test(sasl, lockout_after_max_failures)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [PLAIN], failure-delay: 0, "
	    "max-auth-failures: 3}");
	struct st_client c;
	int i;

	st_open(&c, s, true);
	for (i = 0; i < 3; i++)
		cr_assert_str_eq(st_command(&c, "AUTH PLAIN AGFsaWNlAHdyb25n"),
		    "-ERR [BAD-CREDENTIALS] authentication failed");
	/* Even the right password is refused now, without running PLAIN. */
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3"),
	    "-ERR [LOCKED-OUT] too many failures, try again later");
	st_close(&c);
}

Test(sasl2, lockout_shared_between_workers)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [PLAIN], failure-delay: 0, "
	    "max-auth-failures: 2}");
	struct st_client c, d;

	st_open_ex(&c, s, true, false, 0);
	st_open_ex(&d, s, true, false, 1);
	/* \0bob\0x twice on worker 0 ... */
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN AGJvYgB4"),
	    "-ERR [BAD-CREDENTIALS] authentication failed");
	cr_assert_str_eq(st_command(&c, "AUTH PLAIN AGJvYgB4"),
	    "-ERR [BAD-CREDENTIALS] authentication failed");
	/* ... locks the client out on worker 1. */
	cr_assert_str_eq(st_command(&d, "AUTH PLAIN AGJvYgBib2ItcHc="),
	    "-ERR [LOCKED-OUT] too many failures, try again later");
	st_close(&c);
	st_close(&d);
	cr_assert(gd_sasl_policy_locked(s, NULL, "bob", gd_now_ms()),
	    "the user is locked too");
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
median5(uint64_t *v)
{
	qsort(v, 5, sizeof(*v), cmp_u64);
	return v[2];
}

/* One failed PLAIN for user (base64 message), its duration. */
static uint64_t
timed_failure(struct st_client *c, const char *cmd, char *reply,
    size_t size)
{
	uint64_t t0 = gd_now_ms();

	st_sendline(c, cmd);
	st_readline(c, reply, size);
	return elapsed_since(t0);
}

Test(sasl_cost, unknown_user_same_reply_similar_time)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [PLAIN], " FAST "}");
	char known[256], unknown[256];
	uint64_t k[5], u[5], km, um;
	struct st_client c;
	int i;

	st_open(&c, s, true);
	for (i = 0; i < 5; i++) {
		/* \0alice\0wrong, \0zelda\0wrong, interleaved */
		k[i] = timed_failure(&c, "AUTH PLAIN AGFsaWNlAHdyb25n",
		    known, sizeof(known));
		u[i] = timed_failure(&c, "AUTH PLAIN AHplbGRhAHdyb25n",
		    unknown, sizeof(unknown));
	}
	st_close(&c);
	cr_assert_str_eq(known, unknown);
	km = median5(k);
	um = median5(u);
	/* Both derive 100000 PBKDF2 rounds (tens of ms, so that scheduling
	 * noise is small beside it): neither is near-instant. */
	cr_assert_geq(km, 5);
	cr_assert(um * 2 >= km && km * 2 >= um, "known %" PRIu64 " ms, "
	    "unknown %" PRIu64 " ms", km, um);
}

/* ---- logging ----------------------------------------------------------- */

static char *
read_file(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(sasl, one_log_line_per_outcome_without_secrets)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [PLAIN], " FAST "}");
	char path[] = "/tmp/gd-test-sasl-log-XXXXXX", *log;
	struct st_client c;
	int fd, saved;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	saved = dup(2);
	dup2(fd, 2);
	st_open(&c, s, true);
	st_command(&c, "AUTH PLAIN AGFsaWNlAGFsaWNlLXB3");
	st_command(&c, "QUIT");
	st_close(&c);
	st_open(&c, s, true);
	st_command(&c, "AUTH PLAIN AGJvYgBzM2NyM3Q=");	/* \0bob\0s3cr3t */
	st_command(&c, "AUTH PLAIN =");
	st_close(&c);
	usleep(100 * 1000);
	dup2(saved, 2);
	close(saved);
	close(fd);
	log = read_file(path);
	unlink(path);
	cr_assert(strstr(log, "event=auth.success session=") != NULL, "%s",
	    log);
	cr_assert(strstr(log, " mechanism=PLAIN user=alice client=unix "
	    "reason=ok") != NULL, "%s", log);
	cr_assert(strstr(log, "event=auth.failure session=") != NULL);
	cr_assert(strstr(log, " mechanism=PLAIN user=bob client=unix "
	    "reason=bad-credentials") != NULL, "%s", log);
	cr_assert(strstr(log, "reason=malformed") != NULL, "%s", log);
	cr_assert_null(strstr(log, "alice-pw"));
	cr_assert_null(strstr(log, "s3cr3t"));
}

/* ---- plaintext logins and APOP (gd_sasl_password, gd_sasl_apop) ------- */

struct builtin_call {
	bool apop;
	const char *user, *secret;	/* password, or the APOP digest */
};

static void
builtin_done(void *arg, struct gd_sasl *sasl, const struct gd_sasl_result *r)
{
	(void)arg;
	if (r->status == GD_SASL_SUCCESS)
		ct_log("auth:ok:%s;", r->user);
	else
		ct_log("auth:%s;", gd_sasl_reason_name(r->reason));
	gd_sasl_free(&sasl);
}

/* On the loop: start the call on the ct connection. */
static void
builtin_run(void *arg)
{
	struct builtin_call *c = arg;
	enum gd_sasl_reason reason;
	struct gd_sasl *sasl;
	int ret;

	ret = c->apop ? gd_sasl_apop(ct.conn, c->user,
	    "<1896.697170952@dbc.mtview.ca.us>", c->secret, builtin_done,
	    NULL, &sasl, &reason) : gd_sasl_password(ct.conn, "LOGIN",
	    c->user, c->secret, strlen(c->secret), builtin_done, NULL, &sasl,
	    &reason);
	if (ret < 0)
		ct_log("refused:%s;", gd_sasl_reason_name(reason));
	else
		ct_log("started;");
}

static void
builtin_expect(bool apop, const char *user, const char *secret,
    const char *want)
{
	struct builtin_call c = { apop, user, secret };

	pthread_mutex_lock(&ct.lock);
	ct.log[0] = '\0';
	pthread_mutex_unlock(&ct.lock);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), builtin_run, &c), 0);
	cr_assert(ct_wait_log(want, 5000), "want %s, log %s", want, ct.log);
}

Test(sasl, plaintext_login_and_apop_through_the_framework)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [PLAIN], " FAST "}");
	int fd = st_connect_proto(0, &ct_protocol, s, "none");

	cr_assert(ct_wait_log("open;", 5000));
	/* No TLS, plaintext not allowed: refused at once. */
	builtin_expect(false, "alice", "alice-pw",
	    "refused:encryption-required;");
	close(fd);
	cr_assert(ct_wait_log("close;", 5000));
	ct.log[0] = '\0';
	s = st_settings("{realm: test, mechanisms: [PLAIN], "
	    "plaintext-without-tls: true, " FAST "}");
	fd = st_connect_proto(0, &ct_protocol, s, "none");
	cr_assert(ct_wait_log("open;", 5000));
	builtin_expect(false, "alice", "alice-pw", "auth:ok:alice;");
	builtin_expect(false, "alice", "nope", "auth:bad-credentials;");
	builtin_expect(false, "nobody", "nope", "auth:bad-credentials;");
	/* APOP (RFC 1939 7): MD5(timestamp + secret) in hex. */
	builtin_expect(true, "alice", "62811f8cc9e15ca07770e3a8aa90b52f",
	    "auth:ok:alice;");
	builtin_expect(true, "alice", "c4c9334bac560ecc979e58001b3e22fb",
	    "auth:bad-credentials;");
	builtin_expect(true, "nobody", "c4c9334bac560ecc979e58001b3e22fb",
	    "auth:bad-credentials;");
	close(fd);
}

/* On the loop: gd_sasl_secrets_available() of the ct connection. */
static void
secrets_run(void *arg)
{
	(void)arg;
	ct_log("secrets:%s;", gd_sasl_secrets_available(ct.conn) ? "yes" :
	    "no");
}

/* ABI 1.4: a realm with plain_secret and no gives_plain_secrets can give
 * them; a listener without `sasl:` cannot. */
Test(sasl, secrets_available_follows_the_realm)
{
	const struct gd_sasl_settings *s = st_settings(
	    "{realm: test, mechanisms: [PLAIN], " FAST "}");
	int fd = st_connect_proto(0, &ct_protocol, s, "none");

	cr_assert(ct_wait_log("open;", 5000));
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), secrets_run, NULL), 0);
	cr_assert(ct_wait_log("secrets:yes;", 5000), "log %s", ct.log);
	close(fd);
	cr_assert(ct_wait_log("close;", 5000));
	ct.log[0] = '\0';
	fd = st_connect_proto(0, &ct_protocol, NULL, "none");
	cr_assert(ct_wait_log("open;", 5000));
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), secrets_run, NULL), 0);
	cr_assert(ct_wait_log("secrets:no;", 5000), "log %s", ct.log);
	close(fd);
}
