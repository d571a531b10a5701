/*
 * sasl-test-util.h — the SASL test harness, for the framework's tests and
 * for every mechanism module's: real modules loaded by the real loader,
 * one real worker loop (two with st_setup_workers), real connections of
 * the echo module speaking its AUTH protocol (modules/echo/echo-auth.c)
 * over a socketpair, in plaintext or TLS, and GNU SASL (libgsasl) as the
 * independent client.
 *
 * Typical use (one Criterion process per test):
 *
 *   static const char *const mods[] = { "echo", "sasl-plain",
 *       "realm-test", NULL };
 *   TestSuite(plain, .init = plain_setup, .fini = st_teardown);
 *   static void plain_setup(void) { st_setup(mods, NULL); }
 *
 *   Test(plain, ok) {
 *       const struct gd_sasl_settings *s = st_settings(
 *           "{realm: test, mechanisms: [PLAIN], failure-delay: 0}");
 *       struct st_client c;
 *       struct st_auth a = { .mech = "PLAIN", .authcid = "alice",
 *           .password = "alice-pw", .initial_response = true };
 *       st_open(&c, s, true);                    // TLS
 *       cr_assert_eq(st_gsasl_auth(&c, &a), 1, "%s", a.reply);
 *       st_close(&c);
 *   }
 *
 * Modules come from the build tree: modules/.built (every module built
 * there) and tests/modules/.libs (fixtures such as realm-test), linked
 * into a temporary folder the loader reads.  Every wait is bounded (5 s
 * socket timeouts).  Everything here runs on the test's thread; the
 * server runs on the worker loop(s).
 */
#ifndef SASL_TEST_UTIL_H
#define SASL_TEST_UTIL_H

#include <dirent.h>

#include <gnutls/x509.h>
#include <gsasl.h>

#include <gumdrop/sasl.h>

#include "conn-test-util.h"
#include "module-private.h"
#include "sasl/sasl-private.h"
#include "tls-private.h"

#define ST_LINE_MAX	8192

/* One client connection: plaintext, or TLS once st_open(.., true). */
struct st_client {
	int fd;
	gnutls_session_t tls;
	gnutls_certificate_credentials_t cred;
	char buf[ST_LINE_MAX];
	size_t have;
};

/* One authentication by the libgsasl client (st_gsasl_auth). */
struct st_auth {
	const char *mech;		/* "PLAIN" */
	const char *authcid;		/* GSASL_AUTHID */
	const char *authzid;		/* GSASL_AUTHZID, or NULL */
	const char *password;		/* GSASL_PASSWORD */
	bool initial_response;		/* send the first client step inline */
	bool cancel;			/* answer the first challenge "*" */
	/* Give libgsasl channel bindings with one byte flipped (the
	 * wrong-channel-binding case of -PLUS mechanisms). */
	bool wrong_binding;
	/* Out: the server's last line ("+OK ..." or "-ERR [REASON] ..."),
	 * and how many challenges were answered. */
	char reply[512];
	unsigned rounds;
};

static char st_dir[64];			/* temporary module folder */
static char st_cert[128], st_key[128];
static struct gd_config *st_cfg;	/* module configuration */
static struct gd_config *st_scfg;	/* the last st_settings() tree */
static Gsasl *st_gsasl;
/* The client's GnuTLS priority string (NULL: the default, TLS 1.3 when
 * possible); e.g. "NORMAL:-VERS-ALL:+VERS-TLS1.2" for tls-unique. */
GD_UNUSED static const char *st_tls_priority;

/* ---- set-up ----------------------------------------------------------- */

/*
 * The core is linked statically into the test program: name what the
 * modules call and the program does not, or the linker leaves it out.
 */
static void *const st_needed[] __attribute__((used)) = {
	(void *)gd_sasl_start, (void *)gd_sasl_respond, (void *)gd_sasl_cancel,
	(void *)gd_sasl_free, (void *)gd_sasl_abort, (void *)gd_sasl_password,
	(void *)gd_sasl_apop, (void *)gd_sasl_mechanisms,
	(void *)gd_sasl_x_verify_password, (void *)gd_sasl_secret_equal,
	(void *)gd_hook_point_find, (void *)gd_hook_run,
	(void *)gd_module_ctx_config, (void *)gd_config_error,
};

/* A self-signed certificate for "a.test" (server and client alike). */
static void
st_make_cert(void)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	unsigned char serial[4] = { 1, 2, 3, 4 };
	time_t now = time(NULL);
	FILE *f;

	cr_assert_eq(gnutls_x509_privkey_init(&key), 0);
	cr_assert_eq(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	cr_assert_eq(gnutls_x509_crt_init(&crt), 0);
	gnutls_x509_crt_set_version(crt, 3);
	gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	gnutls_x509_crt_set_activation_time(crt, now - 3600);
	gnutls_x509_crt_set_expiration_time(crt, now + 86400);
	gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    "a.test", 6);
	gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
	    "a.test", 6, GNUTLS_FSAN_SET);
	gnutls_x509_crt_set_key(crt, key);
	cr_assert_eq(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256,
	    0), 0);
	cr_assert_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), 0);
	cr_assert_not_null(f = fopen(st_cert, "w"));
	fwrite(d.data, 1, d.size, f);
	fclose(f);
	gnutls_free(d.data);
	cr_assert_eq(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
	    &d), 0);
	cr_assert_not_null(f = fopen(st_key, "w"));
	fwrite(d.data, 1, d.size, f);
	fclose(f);
	gnutls_free(d.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

/* Link NAME.so from the build tree's module folders into st_dir. */
static void
st_link_module(const char *name)
{
	static const char *const dirs[] = {
		GD_TOP_BUILDDIR "/modules/.built",
		GD_TEST_BUILDDIR "/modules/.libs",
	};
	char from[512], to[256];
	size_t i;

	snprintf(to, sizeof(to), "%s/%s.so", st_dir, name);
	for (i = 0; i < GD_N_ELEMENTS(dirs); i++) {
		snprintf(from, sizeof(from), "%s/%s.so", dirs[i], name);
		if (access(from, R_OK) == 0) {
			cr_assert_eq(symlink(from, to), 0, "%s",
			    strerror(errno));
			return;
		}
	}
	cr_assert_fail("module %s is not built", name);
}

/* True if module NAME.so was built (for tests of optional modules). */
GD_UNUSED static bool
st_module_built(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), GD_TOP_BUILDDIR "/modules/.built/%s.so",
	    name);
	return access(path, R_OK) == 0;
}

/*
 * Load `modules` (NULL-terminated names) with `extra_yaml` appended to
 * the configuration (the modules' own sections, e.g. "realm-test: {cost:
 * 1}\n"; may be NULL), configure TLS (a self-signed a.test certificate,
 * client certificates requested and checked against that same one) and
 * start `workers` worker loops.
 */
GD_UNUSED static void
st_setup_workers(const char *const *modules, const char *extra_yaml,
    unsigned workers)
{
	const char *certs[1], *keys[1], *error = NULL;
	char yaml[4096], *err = NULL;
	size_t i, len;

	cr_assert_not_null(st_needed[0]);
	strcpy(st_dir, "/tmp/gd-test-sasl-XXXXXX");
	cr_assert_not_null(mkdtemp(st_dir));
	snprintf(st_cert, sizeof(st_cert), "%s/cert.pem", st_dir);
	snprintf(st_key, sizeof(st_key), "%s/key.pem", st_dir);
	st_make_cert();
	len = (size_t)snprintf(yaml, sizeof(yaml), "modules:\n  load: [");
	for (i = 0; modules[i] != NULL; i++) {
		st_link_module(modules[i]);
		len += (size_t)snprintf(yaml + len, sizeof(yaml) - len, "%s%s",
		    i > 0 ? ", " : "", modules[i]);
	}
	snprintf(yaml + len, sizeof(yaml) - len, "]\n%s",
	    extra_yaml != NULL ? extra_yaml : "");
	st_cfg = gd_config_load_string("modules.yaml", yaml, strlen(yaml),
	    &err);
	cr_assert_not_null(st_cfg, "config: %s", err);
	cr_assert_eq(gd_modules_load(gd_config_root(st_cfg), st_dir, &error),
	    0, "modules: %s", error);
	certs[0] = st_cert;
	keys[0] = st_key;
	cr_assert_eq(gd_tls_configure_files(certs, keys, 1, NULL, "request",
	    st_cert, 5000, &error), 0, "tls: %s", error);
	st_gsasl = NULL;
	cr_assert_eq(gsasl_init(&st_gsasl), GSASL_OK);
	ct_pool = gd_pool_create("sasl-test");
	cr_assert_eq(gd_loops_start(workers, 2, NULL, ct_thread_fini,
	    &error), 0, "loops: %s", error);
}

GD_UNUSED static void
st_setup(const char *const *modules, const char *extra_yaml)
{
	st_setup_workers(modules, extra_yaml, 1);
}

/* Stop the loops, unload, remove the temporary files. */
GD_UNUSED static void
st_teardown(void)
{
	char path[512];
	DIR *d;
	struct dirent *e;

	gd_loops_join();
	gd_modules_unload();
	gd_tls_shutdown();
	gsasl_done(st_gsasl);
	gd_pool_destroy(&ct_pool);
	gd_config_free(&st_scfg);
	gd_config_free(&st_cfg);
	if ((d = opendir(st_dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", st_dir,
			    e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(st_dir);
}

/*
 * Parse `sasl:` settings from YAML flow text (the value of the key, e.g.
 * "{realm: test, mechanisms: [PLAIN]}") for a listener named "test"
 * serving echo.  Fails the test on error.  Valid until the next call.
 */
GD_UNUSED static const struct gd_sasl_settings *
st_settings(const char *yaml)
{
	const struct gd_sasl_settings *s = NULL;
	const char *error = NULL;
	char text[2048], *err = NULL;

	snprintf(text, sizeof(text), "sasl: %s\n", yaml);
	gd_config_free(&st_scfg);
	st_scfg = gd_config_load_string("sasl.yaml", text, strlen(text),
	    &err);
	cr_assert_not_null(st_scfg, "yaml: %s", err);
	cr_assert_eq(gd_sasl_settings_parse(gd_config_get(gd_config_root(
	    st_scfg), "sasl"), "test", "echo", ct_pool, &s, &error), 0,
	    "settings: %s", error);
	return s;
}

/* ---- connections -------------------------------------------------------- */

/*
 * A connection of `proto` (st_connect_on: echo) on worker `worker` with
 * settings `s` (NULL: no `sasl:`); returns the client's socket.
 * `tls_mode` is "none" or "implicit".
 */
GD_UNUSED static int
st_connect_proto(unsigned worker, const struct gd_protocol *proto,
    const struct gd_sasl_settings *s, const char *tls_mode)
{
	struct gd_conn_params *params;
	struct ct_accept *a = calloc(1, sizeof(*a));
	struct timeval tv = { .tv_sec = 5 };
	const char *error = NULL;
	int sv[2];

	cr_assert_not_null(proto, "the protocol's module is not loaded");
	cr_assert_eq(gd_conn_params_make(ct_pool, proto, tls_mode, 65536 + 64,
	    2 * 65536, 1 << 20, 10000, 10000, &params, &error), 0,
	    "params: %s", error);
	gd_conn_params_set_sasl(params, ct_pool, s);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	a->fd = sv[1];
	a->params = params;
	cr_assert_eq(gd_loop_invoke(gd_loop_get(worker), ct_accept_fn, a), 0);
	return sv[0];
}

GD_UNUSED static int
st_connect_on(unsigned worker, const struct gd_sasl_settings *s,
    const char *tls_mode)
{
	return st_connect_proto(worker, gd_protocol_find("echo"), s, tls_mode);
}

/* Start TLS as the client (trusting a.test; with_cert: present it). */
static void
st_client_tls(struct st_client *c, bool with_cert)
{
	int ret;

	cr_assert_eq(gnutls_certificate_allocate_credentials(&c->cred), 0);
	if (with_cert)
		cr_assert_eq(gnutls_certificate_set_x509_key_file(c->cred,
		    st_cert, st_key, GNUTLS_X509_FMT_PEM), 0);
	cr_assert_gt(gnutls_certificate_set_x509_trust_file(c->cred,
	    st_cert, GNUTLS_X509_FMT_PEM), 0);
	cr_assert_eq(gnutls_init(&c->tls, GNUTLS_CLIENT), 0);
	if (st_tls_priority != NULL)
		cr_assert_eq(gnutls_priority_set_direct(c->tls,
		    st_tls_priority, NULL), 0);
	else
		gnutls_set_default_priority(c->tls);
	gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred);
	gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, "a.test", 6);
	gnutls_session_set_verify_cert(c->tls, "a.test", 0);
	gnutls_transport_set_int(c->tls, c->fd);
	gnutls_handshake_set_timeout(c->tls, 5000);
	do {
		ret = gnutls_handshake(c->tls);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	cr_assert_eq(ret, 0, "handshake: %s", gnutls_strerror(ret));
}

/* Read one line (without CRLF) into `line`; fails the test on EOF. */
GD_UNUSED static const char *
st_readline(struct st_client *c, char *line, size_t size)
{
	char *nl;
	ssize_t n;
	size_t len;

	while ((nl = memchr(c->buf, '\n', c->have)) == NULL) {
		cr_assert_lt(c->have, sizeof(c->buf) - 1, "line too long");
		if (c->tls != NULL) {
			do {
				n = gnutls_record_recv(c->tls, c->buf + c->have,
				    sizeof(c->buf) - 1 - c->have);
			} while (n == GNUTLS_E_AGAIN ||
			    n == GNUTLS_E_INTERRUPTED);
		} else
			n = read(c->fd, c->buf + c->have,
			    sizeof(c->buf) - 1 - c->have);
		cr_assert_gt(n, 0, "read: %zd (%s)", n, n < 0 ?
		    strerror(errno) : "eof");
		c->have += (size_t)n;
	}
	len = (size_t)(nl - c->buf);
	cr_assert_lt(len, size);
	memcpy(line, c->buf, len);
	line[len > 0 && line[len - 1] == '\r' ? len - 1 : len] = '\0';
	c->have -= len + 1;
	memmove(c->buf, nl + 1, c->have);
	return line;
}

/* Send one line (CRLF added). */
GD_UNUSED static void
st_sendline(struct st_client *c, const char *line)
{
	char buf[ST_LINE_MAX + 2];
	size_t len = strlen(line);

	cr_assert_lt(len, ST_LINE_MAX);
	memcpy(buf, line, len);
	memcpy(buf + len, "\r\n", 2);
	if (c->tls != NULL)
		cr_assert_eq(gnutls_record_send(c->tls, buf, len + 2),
		    (ssize_t)len + 2);
	else
		cr_assert_eq(write(c->fd, buf, len + 2), (ssize_t)len + 2);
}

/* Send `line` and return the answer line (a static buffer). */
GD_UNUSED static const char *
st_command(struct st_client *c, const char *line)
{
	static char reply[ST_LINE_MAX];

	st_sendline(c, line);
	return st_readline(c, reply, sizeof(reply));
}

/*
 * Open an echo connection with settings `s` on worker `worker`, in TLS
 * (implicit) when `tls`, presenting the client certificate when
 * `client_cert`; reads the greeting.
 */
GD_UNUSED static void
st_open_ex(struct st_client *c, const struct gd_sasl_settings *s, bool tls,
    bool client_cert, unsigned worker)
{
	char line[256];

	memset(c, 0, sizeof(*c));
	c->fd = st_connect_on(worker, s, tls ? "implicit" : "none");
	if (tls)
		st_client_tls(c, client_cert);
	st_readline(c, line, sizeof(line));
	cr_assert_str_eq(line, "+OK gumdrop echo ready");
}

GD_UNUSED static void
st_open(struct st_client *c, const struct gd_sasl_settings *s, bool tls)
{
	st_open_ex(c, s, tls, false, 0);
}

GD_UNUSED static void
st_close(struct st_client *c)
{
	if (c->tls != NULL) {
		gnutls_deinit(c->tls);
		gnutls_certificate_free_credentials(c->cred);
	}
	close(c->fd);
	c->fd = -1;
	c->tls = NULL;
}

/* ---- the libgsasl client ---------------------------------------------- */

/* One binding as a base64 property (a byte flipped when `wrong`). */
static void
st_gsasl_binding(Gsasl_session *sess, gnutls_session_t tls,
    gnutls_channel_binding_t type, Gsasl_property prop, bool wrong)
{
	gnutls_datum_t cb;
	char *b64;

	if (gnutls_session_channel_binding(tls, type, &cb) != 0)
		return;
	if (wrong && cb.size > 0)
		cb.data[0] ^= 0x01;
	cr_assert_eq(gsasl_base64_to((char *)cb.data, cb.size, &b64, NULL),
	    GSASL_OK);
	gsasl_property_set(sess, prop, b64);
	gsasl_free(b64);
	gnutls_free(cb.data);
}

/* Channel bindings of the client's TLS session, as libgsasl wants them
 * (base64 properties); tls-unique exists only up to TLS 1.2. */
static void
st_gsasl_bindings(struct st_client *c, Gsasl_session *sess, bool wrong)
{
	if (c->tls == NULL)
		return;
	if (gnutls_protocol_get_version(c->tls) != GNUTLS_TLS1_3)
		st_gsasl_binding(sess, c->tls, GNUTLS_CB_TLS_UNIQUE,
		    GSASL_CB_TLS_UNIQUE, wrong);
	st_gsasl_binding(sess, c->tls, GNUTLS_CB_TLS_EXPORTER,
	    GSASL_CB_TLS_EXPORTER, wrong);
}

/* The data of "+OK [BASE64] ..." into b64 (empty when none). */
static void
st_success_data(const char *line, char *b64, size_t size)
{
	const char *open = strchr(line, '['), *close;

	b64[0] = '\0';
	if (strncmp(line, "+OK [", 5) != 0 || open == NULL ||
	    (close = strchr(open, ']')) == NULL ||
	    (size_t)(close - open) >= size)
		return;
	memcpy(b64, open + 1, (size_t)(close - open - 1));
	b64[close - open - 1] = '\0';
}

/* After "+OK": let libgsasl check any success data (e.g. SCRAM's server
 * signature).  1 when it accepts, 0 when not. */
static int
st_gsasl_finish(Gsasl_session *sess, const char *line)
{
	char b64[ST_LINE_MAX], *out = NULL;
	int rc;

	st_success_data(line, b64, sizeof(b64));
	if (b64[0] == '\0')
		return 1;
	rc = gsasl_step64(sess, b64, &out);
	gsasl_free(out);
	return rc == GSASL_OK;
}

/*
 * Authenticate with libgsasl as described by `a`, over the echo AUTH
 * protocol of `c`.  Returns 1 on "+OK" (and libgsasl accepted the
 * server's success data), 0 on "-ERR" (the line is in a->reply), -1 when
 * libgsasl itself refused to go on (then "*" was sent and the server's
 * answer is in a->reply).
 */
GD_UNUSED static int
st_gsasl_auth(struct st_client *c, struct st_auth *a)
{
	Gsasl_session *sess;
	char cmd[ST_LINE_MAX], line[ST_LINE_MAX], *out = NULL;
	size_t len;
	int rc, ret = 0;

	cr_assert_eq(gsasl_client_start(st_gsasl, a->mech, &sess), GSASL_OK,
	    "libgsasl has no client for %s", a->mech);
	if (a->authcid != NULL)
		gsasl_property_set(sess, GSASL_AUTHID, a->authcid);
	if (a->authzid != NULL)
		gsasl_property_set(sess, GSASL_AUTHZID, a->authzid);
	if (a->password != NULL)
		gsasl_property_set(sess, GSASL_PASSWORD, a->password);
	st_gsasl_bindings(c, sess, a->wrong_binding);
	a->rounds = 0;
	if (a->initial_response) {
		rc = gsasl_step64(sess, "", &out);
		cr_assert(rc == GSASL_OK || rc == GSASL_NEEDS_MORE,
		    "gsasl: %s", gsasl_strerror(rc));
		snprintf(cmd, sizeof(cmd), "AUTH %s %s", a->mech,
		    *out == '\0' ? "=" : out);
		gsasl_free(out);
	} else
		snprintf(cmd, sizeof(cmd), "AUTH %s", a->mech);
	st_sendline(c, cmd);
	for (;;) {
		st_readline(c, line, sizeof(line));
		if (strncmp(line, "+ ", 2) != 0 && strcmp(line, "+") != 0)
			break;
		a->rounds++;
		if (a->cancel) {
			st_sendline(c, "*");
			continue;
		}
		rc = gsasl_step64(sess, line + 2, &out);
		if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
			st_sendline(c, "*");
			ret = -1;
			continue;
		}
		st_sendline(c, out);
		gsasl_free(out);
	}
	len = strlen(line) < sizeof(a->reply) ? strlen(line) :
	    sizeof(a->reply) - 1;
	memcpy(a->reply, line, len);
	a->reply[len] = '\0';
	if (ret == 0 && strncmp(line, "+OK", 3) == 0)
		ret = st_gsasl_finish(sess, line) ? 1 : -1;
	gsasl_finish(sess);
	return ret;
}

#endif /* SASL_TEST_UTIL_H */
