/*
 * test-realm-ldap.c — the LDAP realm against a real slapd.
 *
 * Before any test, tests/integration/slapd.sh starts slapd on 127.0.0.1
 * with a temporary mdb directory (dc=example,dc=test; the users are listed
 * in the script) and prints its environment (LDAP_URI, ...), set for every
 * test process; it is stopped after the last test.  Tests that stop,
 * pause or restart a server use their own clone of it.  The realm is
 * loaded by the real loader and called directly (its functions are
 * blocking), and through the SASL framework with libgsasl's PLAIN.
 */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>

#include <criterion/hooks.h>
#include <gumdrop/service.h>

#include "sasl-test-util.h"

#define SLAPD_SCRIPT	GD_TEST_SRCDIR "/integration/slapd.sh"
#define PEOPLE		"ou=people,dc=example,dc=test"

static const char *const rl_mods[] = {
	"echo", "sasl-plain", "realm-ldap", NULL,
};

static char rl_dir[64];
static char rl_clone_dir[64];		/* this test's own server, if any */
static const struct gd_realm *rl_realm;
static struct gd_pool *rl_pool;

/* ---- the server: once for the whole run ---------------------------------- */

/* Run `cmd`; set each NAME=VALUE line it prints (with `prefix`). */
static int
rl_run_env(const char *cmd, const char *prefix)
{
	char line[512], name[600], *eq;
	FILE *p;
	int status;

	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		snprintf(name, sizeof(name), "%s%s", prefix, line);
		setenv(name, eq + 1, 1);
	}
	status = pclose(p);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char cmd[256];

	(void)set;
	strcpy(rl_dir, "/tmp/gd-test-ldap-XXXXXX");
	if (mkdtemp(rl_dir) == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "timeout 120 bash %s start %s",
	    SLAPD_SCRIPT, rl_dir);
	if (rl_run_env(cmd, "") == 0)
		setenv("GD_TEST_LDAP", rl_dir, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	char cmd[256];

	(void)stats;
	if (rl_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "timeout 20 bash %s stop %s; rm -rf %s",
	    SLAPD_SCRIPT, rl_dir, rl_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "stopping slapd failed\n");
}

static const char *
rl_env(const char *name)
{
	const char *v = getenv(name);

	cr_assert_not_null(v, "%s unset: the test slapd did not start "
	    "(slapd.sh; Debian packages slapd, ldap-utils)", name);
	return v;
}

/* A server of this test's own (CLONE_*: its environment). */
static void
rl_clone(void)
{
	char cmd[256];

	strcpy(rl_clone_dir, "/tmp/gd-test-ldapc-XXXXXX");
	cr_assert_not_null(mkdtemp(rl_clone_dir));
	snprintf(cmd, sizeof(cmd), "timeout 60 bash %s clone %s %s",
	    SLAPD_SCRIPT, rl_env("GD_TEST_LDAP"), rl_clone_dir);
	cr_assert_eq(rl_run_env(cmd, "CLONE_"), 0, "slapd.sh clone");
}

static void
rl_clone_cmd(const char *what)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "timeout 60 bash %s %s %s >/dev/null",
	    SLAPD_SCRIPT, what, rl_clone_dir);
	cr_assert_eq(system(cmd), 0, "slapd.sh %s", what);
}

static pid_t
rl_clone_pid(void)
{
	FILE *f = fopen(rl_env("CLONE_LDAP_PIDFILE"), "r");
	int pid = 0;

	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

static void
rl_teardown(void)
{
	char cmd[256];

	st_teardown();
	gd_pool_destroy(&rl_pool);
	if (rl_clone_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "timeout 20 bash %s stop %s; rm -rf %s",
	    SLAPD_SCRIPT, rl_clone_dir, rl_clone_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "stopping the clone failed\n");
}

TestSuite(ldap, .fini = rl_teardown, .timeout = 90);

/* ---- set-up -------------------------------------------------------------- */

/* Load echo, sasl-plain and realm-ldap with `uri` and the `keys` (YAML
 * flow-map entries) as the realm-ldap section. */
static void
rl_setup_uri(const char *uri, const char *keys)
{
	char yaml[4096];
	const char *error = NULL;

	signal(SIGPIPE, SIG_IGN);
	snprintf(yaml, sizeof(yaml), "realm-ldap: {uri: '%s', %s}\n", uri,
	    keys);
	st_setup(rl_mods, yaml);
	rl_realm = gd_service_lookup("realm.ldap", 1, 0, &error);
	cr_assert_not_null(rl_realm, "%s", error);
	rl_pool = gd_pool_create("test-ldap");
}

/* The service account and the mapped attributes. */
static const char *
rl_common(void)
{
	static char keys[1024];

	snprintf(keys, sizeof(keys), "bind-dn: 'cn=gumdrop,dc=example,"
	    "dc=test', bind-password-file: '%s', attributes: {mail: "
	    "gumdropMailLocation, quota-storage: gumdropQuotaStorage, "
	    "quota-messages: gumdropQuotaMessages, aliases: gumdropAlias, "
	    "cert-fingerprints: gumdropCertFingerprint}, extra-attributes: "
	    "[cn, mail], act-as-attribute: gumdropActAs, act-as-group: "
	    "'cn=admins,ou=groups,dc=example,dc=test'",
	    rl_env("LDAP_SERVICE_PW"));
	return keys;
}

/* search-then-bind or bind-as-user, with `more` keys. */
static void
rl_setup_mode(const char *uri, bool search, const char *more)
{
	char keys[2048];

	snprintf(keys, sizeof(keys), "%s, %s%s%s", rl_common(), search ?
	    "base: 'dc=example,dc=test'" : "user-dn: 'uid=%u," PEOPLE "'",
	    more[0] != '\0' ? ", " : "", more);
	rl_setup_uri(uri, keys);
}

static void
rl_setup(bool search)
{
	rl_setup_mode(rl_env("LDAP_URI"), search, "");
}

static int
rl_verify(const char *user, const char *pw, struct gd_realm_user **u_r)
{
	struct gd_realm_user *u = NULL;
	const char *err = NULL;
	int ret;

	ret = rl_realm->verify_password(rl_realm, user, pw, strlen(pw),
	    rl_pool, &u, &err);
	cr_assert(ret >= 0 || err != NULL, "-1 comes with an error");
	cr_assert(ret == 1 || u == NULL, "a user only on success");
	if (u_r != NULL)
		*u_r = u;
	return ret;
}

static int
rl_lookup(const char *user, struct gd_realm_user **u_r)
{
	const char *err = NULL;

	return rl_realm->lookup(rl_realm, user, rl_pool, u_r, &err);
}

static int
rl_act_as(const char *user, const char *target)
{
	struct gd_realm_user u = { .name = user };
	const char *err = NULL;

	return rl_realm->may_act_as(rl_realm, &u, target, &err);
}

static double
rl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- passwords ----------------------------------------------------------- */

static void
rl_check_passwords(void)
{
	struct gd_realm_user *u;

	cr_assert_eq(rl_verify("alice", "alice-pw", &u), 1);
	cr_assert_not_null(u);
	cr_assert_str_eq(u->name, "alice");
	cr_assert_str_eq(u->home, "/home/alice");
	cr_assert_eq(rl_verify("alice", "wrong", NULL), 0);
	cr_assert_eq(rl_verify("alice", "", NULL), 0, "no unauthenticated "
	    "bind (RFC 4513 5.1.2) may pass for a login");
	cr_assert_eq(rl_verify("nobody", "alice-pw", NULL), 0);
	cr_assert_eq(rl_verify("bob", "bob-pw", NULL), 1);
	cr_assert_eq(rl_verify("bob", "alice-pw", NULL), 0);
	cr_assert_eq(rl_verify("", "x", NULL), 0);
	cr_assert_eq(rl_verify("al\xffice", "x", NULL), 0, "not UTF-8");
}

Test(ldap, search_then_bind)
{
	rl_setup(true);
	rl_check_passwords();
	cr_assert_eq(rl_verify("dup", "dup-pw", NULL), 0,
	    "two entries match: nobody");
}

Test(ldap, bind_as_user)
{
	rl_setup(false);
	rl_check_passwords();
	/* The template names one entry: ou=people's dup. */
	cr_assert_eq(rl_verify("dup", "dup-pw", NULL), 1);
}

Test(ldap, attributes_mapped)
{
	struct gd_realm_user *u = NULL;

	rl_setup(true);
	cr_assert_eq(rl_lookup("alice", &u), 1);
	cr_assert_str_eq(u->name, "alice");
	cr_assert_str_eq(u->home, "/home/alice");
	cr_assert_str_eq(u->mail, "maildir:/var/mail/alice");
	cr_assert_eq(u->quota_storage, 1048576);
	cr_assert_eq(u->quota_messages, 1000);
	cr_assert_eq(u->uid, 1001);
	cr_assert_eq(u->gid, 1002);
	cr_assert_not_null(u->aliases);
	cr_assert_str_eq(u->aliases[0], "a1@example.test");
	cr_assert_str_eq(u->aliases[1], "a2@example.test");
	cr_assert_null(u->aliases[2]);
	cr_assert_str_eq(u->cert_fingerprints[0], "SHA256:00112233");
	cr_assert_null(u->cert_fingerprints[1]);
	cr_assert_str_eq(u->extra[0], "cn=Alice");
	cr_assert_str_eq(u->extra[1], "mail=alice@example.test");
	cr_assert_null(u->extra[2]);
	/* bob has none of the optional attributes. */
	cr_assert_eq(rl_lookup("bob", &u), 1);
	cr_assert_null(u->mail);
	cr_assert_null(u->aliases);
	cr_assert_eq(u->quota_storage, 0);
	cr_assert_eq(u->uid, 1003);
	cr_assert_eq(rl_lookup("nobody", &u), 0);
}

Test(ldap, attributes_mapped_in_bind_mode)
{
	struct gd_realm_user *u = NULL;

	rl_setup(false);
	cr_assert_eq(rl_verify("alice", "alice-pw", &u), 1);
	cr_assert_str_eq(u->mail, "maildir:/var/mail/alice");
	cr_assert_str_eq(u->aliases[1], "a2@example.test");
	cr_assert_eq(rl_lookup("alice", &u), 1);
	cr_assert_eq(u->quota_messages, 1000);
	cr_assert_eq(rl_lookup("nobody", &u), 0);
}

Test(ldap, filter_escaping)
{
	rl_setup(true);
	/* Unescaped, each would find alice (and bind with her password). */
	cr_assert_eq(rl_verify("*)(uid=alice", "alice-pw", NULL), 0);
	cr_assert_eq(rl_verify("alic*", "alice-pw", NULL), 0);
	cr_assert_eq(rl_verify("*", "alice-pw", NULL), 0);
	cr_assert_eq(rl_verify("alice)(|(uid=*", "alice-pw", NULL), 0);
	cr_assert_eq(rl_verify("alice\\29", "alice-pw", NULL), 0);
	/* A name with special characters is found as itself. */
	cr_assert_eq(rl_verify("comma,user", "comma-pw", NULL), 1);
	cr_assert_eq(rl_lookup("*", &(struct gd_realm_user *){ NULL }), 0);
}

Test(ldap, dn_escaping)
{
	rl_setup(false);
	/* "comma,user" is one RDN value: uid=comma\2cuser,ou=people,... */
	cr_assert_eq(rl_verify("comma,user", "comma-pw", NULL), 1);
	/* Not a way to name another entry. */
	cr_assert_eq(rl_verify("alice,ou=people", "alice-pw", NULL), 0);
	cr_assert_eq(rl_verify("alice+cn=Alice", "alice-pw", NULL), 0);
	cr_assert_eq(rl_verify("#alice", "alice-pw", NULL), 0);
	/* (" alice" and "ALICE" do name alice: uid's matching rule ignores
	 * case and outer spaces, in DNs and filters alike.) */
}

Test(ldap, may_act_as_by_attribute_and_group)
{
	rl_setup(true);
	cr_assert_eq(rl_act_as("alice", "bob"), 1, "gumdropActAs: bob");
	cr_assert_eq(rl_act_as("alice", "admin"), 0);
	cr_assert_eq(rl_act_as("admin", "alice"), 1, "in cn=admins");
	cr_assert_eq(rl_act_as("admin", "anyone"), 1);
	cr_assert_eq(rl_act_as("bob", "alice"), 0);
	cr_assert_eq(rl_act_as("nobody", "alice"), 0);
	cr_assert_eq(rl_act_as("*", "bob"), 0);
}

static double
rl_time_verify(const char *user, const char *pw)
{
	double t0 = rl_now();

	cr_assert_eq(rl_verify(user, pw, NULL), 0);
	return rl_now() - t0;
}

static double
rl_median(double *t, int n)
{
	double x;
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && t[j - 1] > t[j]; j--) {
			x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return t[n / 2];
}

/* Medians of 31 interleaved wrong-password and unknown-user checks (so
 * that a burst of load on the machine slows both alike). */
static void
rl_time_pair(double *k, double *u)
{
	double known[31], unknown[31];
	int i;

	for (i = 0; i < 31; i++) {
		known[i] = rl_time_verify("alice", "wrong");
		unknown[i] = rl_time_verify("nobody", "wrong");
	}
	*k = rl_median(known, 31);
	*u = rl_median(unknown, 31);
}

/* An unknown user costs a bind like a wrong password: same reply, and
 * the same order of time (without the dummy bind, or the entry read
 * after a search that found nothing, it is several times faster: the
 * server's second message waits for our delayed ACK).  A shared machine
 * can skew a round (CI's distcheck runs this beside CPU-bound tests); a
 * real difference shows in every one of five. */
Test(ldap, unknown_user_same_reply_similar_time)
{
	double k = 0, u = 0;
	int round;

	rl_setup(true);
	rl_verify("alice", "alice-pw", NULL);	/* warm the pool */
	for (round = 0; round < 5; round++) {
		rl_time_pair(&k, &u);
		cr_log_info("median: unknown user %.6f s, wrong password "
		    "%.6f s", u, k);
		if (u > k * 0.5 && u < k * 2)
			break;
	}
	cr_assert_gt(u, k * 0.5, "unknown %.6f s, known %.6f s", u, k);
	cr_assert_lt(u, k * 2, "unknown %.6f s, known %.6f s", u, k);
}

/* ---- the pool, restarts, timeouts -------------------------------------- */

/* Established TCP connections to 127.0.0.1:`port` (IPv4, /proc). */
static int
rl_connections(unsigned port)
{
	char line[512];
	unsigned rport, state;
	int n = 0;
	FILE *f = fopen("/proc/net/tcp", "r");

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " %*u: %*x:%*x %*x:%x %x", &rport,
		    &state) == 2 && rport == port && state == 1)
			n++;
	fclose(f);
	return n;
}

static unsigned
rl_port(const char *uri)
{
	const char *colon = strrchr(uri, ':');

	cr_assert_not_null(colon);
	return (unsigned)atoi(colon + 1);
}

struct rl_worker {
	pthread_t t;
	int ok;
};

static void *
rl_worker_run(void *arg)
{
	struct rl_worker *w = arg;
	struct gd_pool *pool = gd_pool_create("worker");
	struct gd_realm_user *u;
	const char *err;
	int i;

	for (i = 0; i < 10; i++)
		w->ok += rl_realm->verify_password(rl_realm, i % 2 ? "alice" :
		    "bob", i % 2 ? "alice-pw" : "bob-pw", i % 2 ? 8 : 6, pool,
		    &u, &err) == 1;
	gd_pool_destroy(&pool);
	return NULL;
}

Test(ldap, pool_bounded_and_reused)
{
	struct rl_worker w[6];
	unsigned port;
	size_t i;

	rl_clone();
	port = rl_port(rl_env("CLONE_LDAP_URI"));
	rl_setup_mode(rl_env("CLONE_LDAP_URI"), true, "pool-size: 2");
	cr_assert_eq(rl_connections(port), 0, "opened on first use");
	memset(w, 0, sizeof(w));
	for (i = 0; i < GD_N_ELEMENTS(w); i++)
		cr_assert_eq(pthread_create(&w[i].t, NULL, rl_worker_run,
		    &w[i]), 0);
	for (i = 0; i < GD_N_ELEMENTS(w); i++) {
		pthread_join(w[i].t, NULL);
		cr_assert_eq(w[i].ok, 10, "worker %zu", i);
	}
	/* 60 checks from 6 threads over at most 2 connections. */
	cr_assert_geq(rl_connections(port), 1);
	cr_assert_leq(rl_connections(port), 2);
}

Test(ldap, reconnects_after_a_restart)
{
	rl_clone();
	rl_setup_mode(rl_env("CLONE_LDAP_URI"), true, "pool-size: 1");
	cr_assert_eq(rl_verify("alice", "alice-pw", NULL), 1);
	rl_clone_cmd("restart");
	/* The pooled connection is dead: found out, reopened, retried. */
	cr_assert_eq(rl_verify("alice", "alice-pw", NULL), 1);
	cr_assert_eq(rl_verify("alice", "wrong", NULL), 0);
	rl_clone_cmd("stop");
	cr_assert_eq(rl_verify("alice", "alice-pw", NULL), -1,
	    "server down: the realm cannot answer");
}

/* The state letter of process `pid` (/proc/PID/stat: R, S, T, ...), or
 * '?'. */
static char
rl_process_state(pid_t pid)
{
	char path[64], line[512], *paren;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return '?';
	paren = fgets(line, sizeof(line), f) != NULL ? strrchr(line, ')') :
	    NULL;
	fclose(f);
	return paren != NULL && paren[1] == ' ' ? paren[2] : '?';
}

/* SIGSTOP `pid` and wait (up to 5 s) until it has stopped: the signal
 * takes effect asynchronously. */
static void
rl_stop_process(pid_t pid)
{
	int i;

	cr_assert_eq(kill(pid, SIGSTOP), 0);
	for (i = 0; i < 500 && rl_process_state(pid) != 'T'; i++)
		usleep(10 * 1000);
	cr_assert_eq(rl_process_state(pid), 'T', "slapd %d did not stop",
	    (int)pid);
}

Test(ldap, timeouts_when_the_server_hangs)
{
	pid_t pid;
	double t0, took;
	int i, ret;

	rl_clone();
	rl_setup_mode(rl_env("CLONE_LDAP_URI"), true,
	    "pool-size: 1, timeout: 1s, network-timeout: 1s");
	cr_assert_eq(rl_verify("alice", "alice-pw", NULL), 1);
	pid = rl_clone_pid();
	rl_stop_process(pid);
	t0 = rl_now();
	ret = rl_verify("alice", "alice-pw", NULL);
	took = rl_now() - t0;
	cr_assert_eq(ret, -1, "slapd %d stopped (%c): %d after %.2f s",
	    (int)pid, rl_process_state(pid), ret, took);
	/* A fresh connection (accepted by the kernel) hangs too. */
	t0 = rl_now();
	ret = rl_verify("bob", "bob-pw", NULL);
	cr_assert_eq(ret, -1, "slapd %d stopped (%c): %d after %.2f s",
	    (int)pid, rl_process_state(pid), ret, rl_now() - t0);
	kill(pid, SIGCONT);
	/* 1 s timeouts: well under 5 s even on a loaded machine, where a
	 * hang would wait forever. */
	cr_assert_lt(took, 5, "took %.2f s", took);
	cr_assert_lt(rl_now() - t0, 5, "took %.2f s", rl_now() - t0);
	/* The resumed server first works through what queued up while it
	 * was stopped: give it a few tries to answer again. */
	for (i = 0; i < 25 && rl_verify("alice", "alice-pw", NULL) != 1; i++)
		usleep(200 * 1000);
	cr_assert_lt(i, 25, "recovered");
}

/* ---- TLS ----------------------------------------------------------------- */

Test(ldap, starttls_and_ldaps_with_the_ca)
{
	char more[512];

	snprintf(more, sizeof(more), "starttls: true, ca-file: '%s'",
	    rl_env("LDAP_CA"));
	rl_setup_mode(rl_env("LDAP_URI"), true, more);
	cr_assert_eq(rl_verify("alice", "alice-pw", NULL), 1);
	cr_assert_eq(rl_verify("alice", "wrong", NULL), 0);
}

Test(ldap, ldaps_with_the_ca)
{
	char more[512];

	snprintf(more, sizeof(more), "ca-file: '%s'", rl_env("LDAP_CA"));
	rl_setup_mode(rl_env("LDAPS_URI"), false, more);
	cr_assert_eq(rl_verify("alice", "alice-pw", NULL), 1);
}

Test(ldap, tls_with_the_wrong_ca_fails)
{
	char more[512];

	snprintf(more, sizeof(more), "starttls: true, ca-file: '%s'",
	    rl_env("LDAP_OTHER_CA"));
	rl_setup_mode(rl_env("LDAP_URI"), true, more);
	cr_assert_eq(rl_verify("alice", "alice-pw", NULL), -1);
}

/* ---- through the framework -------------------------------------------- */

Test(ldap, plain_through_the_framework)
{
	const struct gd_sasl_settings *s;
	struct st_client c;
	struct st_auth a = { .mech = "PLAIN", .authcid = "alice",
	    .password = "alice-pw", .initial_response = true };
	struct st_auth b = { .mech = "PLAIN", .authcid = "alice",
	    .password = "wrong", .initial_response = true };
	struct st_auth n = { .mech = "PLAIN", .authcid = "nobody",
	    .password = "wrong", .initial_response = true };
	struct st_auth z = { .mech = "PLAIN", .authcid = "alice",
	    .authzid = "bob", .password = "alice-pw",
	    .initial_response = true };

	rl_setup(true);
	s = st_settings("{realm: ldap, mechanisms: [PLAIN], failure-delay: 0, "
	    "max-auth-failures: 0}");
	st_open(&c, s, true);
	cr_assert_eq(st_gsasl_auth(&c, &a), 1, "%s", a.reply);
	cr_assert_str_eq(a.reply, "+OK authenticated as alice");
	st_close(&c);
	st_open(&c, s, true);
	cr_assert_eq(st_gsasl_auth(&c, &b), 0, "%s", b.reply);
	cr_assert_eq(st_gsasl_auth(&c, &n), 0, "%s", n.reply);
	cr_assert_str_eq(n.reply, b.reply, "same reply for unknown users");
	cr_assert_eq(st_gsasl_auth(&c, &z), 1, "%s", z.reply);
	cr_assert_str_eq(z.reply, "+OK authenticated as bob");
	st_close(&c);
}

/* ---- configuration errors ----------------------------------------------- */

/* Loading realm-ldap with `section` must fail with an error containing
 * `want`. */
static void
rl_load_fails(const char *section, const char *want)
{
	char dir[] = "/tmp/gd-test-ldapcfg-XXXXXX", link[128], yaml[1024];
	const char *error = NULL;
	struct gd_config *cfg;
	char *err = NULL;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/realm-ldap.so", dir);
	cr_assert_eq(symlink(GD_TOP_BUILDDIR "/modules/.built/realm-ldap.so",
	    link), 0);
	snprintf(yaml, sizeof(yaml), "modules: {load: [realm-ldap]}\n"
	    "realm-ldap: %s\n", section);
	cfg = gd_config_load_string("ldap.yaml", yaml, strlen(yaml), &err);
	cr_assert_not_null(cfg, "%s", err);
	cr_assert_eq(gd_modules_load(gd_config_root(cfg), dir, &error), -1,
	    "loaded: %s", section);
	cr_assert_not_null(strstr(error, want), "error: %s", error);
	gd_config_free(&cfg);
	unlink(link);
	rmdir(dir);
}

Test(ldap_config, errors_name_the_problem)
{
	rl_load_fails("{base: 'dc=x'}", "needs 'uri'");
	rl_load_fails("{uri: 'ldap://127.0.0.1/'}", "needs 'uri', and");
	rl_load_fails("{uri: 'ldap://127.0.0.1/', user-dn: 'uid=%x,dc=x'}",
	    "ldap.yaml:2: key 'user-dn': unknown % sequence");
	rl_load_fails("{uri: 'ldap://127.0.0.1/', base: 'dc=x', filter: "
	    "'(uid=%)'}", "key 'filter'");
	rl_load_fails("{uri: 'ldap://127.0.0.1/', base: 'dc=x', "
	    "attributes: {quota: q}}", "key 'quota': expected one of name");
	rl_load_fails("{uri: 'ldap://127.0.0.1/', base: 'dc=x', "
	    "bind-password-file: /nonexistent}", "cannot read '/nonexistent'");
	rl_load_fails("{uri: 'ldap://127.0.0.1/', base: 'dc=x', "
	    "scope: deep}", "expected one of base, one, sub");
	rl_load_fails("{uri: 'ldap://127.0.0.1/', base: 'dc=x', "
	    "pool-size: 0}", "pool-size");
}
