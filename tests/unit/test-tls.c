/*
 * test-tls.c — TLS over a socketpair with an in-process GnuTLS client:
 * implicit TLS, STARTTLS (and the plaintext-injection defence), SNI
 * certificate choice, channel binding, handshake failure and timeout.
 * Certificates are generated at test time into a temporary directory.
 */
#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <time.h>

#include <gumdrop/config.h>

#include "conn-test-util.h"
#include "tls-private.h"

static char tt_dir[64];
static char tt_cert[2][128], tt_key[2][128];

static void
tt_write(const char *path, const gnutls_datum_t *d)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(d->data, 1, d->size, f), d->size);
	fclose(f);
}

/* A self-signed ECDSA certificate for `name`, signed with `dig`. */
static void
tt_make_cert(const char *name, const char *cert_path, const char *key_path,
    gnutls_digest_algorithm_t dig)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	unsigned char serial[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	time_t now = time(NULL);

	cr_assert_eq(gnutls_x509_privkey_init(&key), 0);
	cr_assert_eq(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	cr_assert_eq(gnutls_x509_crt_init(&crt), 0);
	gnutls_x509_crt_set_version(crt, 3);
	serial[7] = (unsigned char)name[0];
	gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	gnutls_x509_crt_set_activation_time(crt, now - 3600);
	gnutls_x509_crt_set_expiration_time(crt, now + 86400);
	gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    name, strlen(name));
	gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
	    strlen(name), GNUTLS_FSAN_SET);
	gnutls_x509_crt_set_key(crt, key);
	cr_assert_eq(gnutls_x509_crt_sign2(crt, crt, key, dig, 0), 0);
	cr_assert_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), 0);
	tt_write(cert_path, &d);
	gnutls_free(d.data);
	cr_assert_eq(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
	    &d), 0);
	tt_write(key_path, &d);
	gnutls_free(d.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

static void
tt_setup_mode(uint64_t handshake_ms, const char *client_mode)
{
	const char *certs[2], *keys[2], *error = NULL;
	int i;

	strcpy(tt_dir, "/tmp/gd-test-tls-XXXXXX");
	cr_assert_not_null(mkdtemp(tt_dir));
	for (i = 0; i < 2; i++) {
		snprintf(tt_cert[i], sizeof(tt_cert[i]), "%s/c%d.pem", tt_dir, i);
		snprintf(tt_key[i], sizeof(tt_key[i]), "%s/k%d.pem", tt_dir, i);
		/* b.test is signed with SHA-384, for tls-server-end-point. */
		tt_make_cert(i == 0 ? "a.test" : "b.test", tt_cert[i],
		    tt_key[i], i == 0 ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_SHA384);
		certs[i] = tt_cert[i];
		keys[i] = tt_key[i];
	}
	/* The self-signed a.test doubles as the client CA and cert. */
	cr_assert_eq(gd_tls_configure_files(certs, keys, 2, NULL,
	    client_mode, tt_cert[0], handshake_ms, &error), 0, "tls: %s",
	    error);
	cr_assert(gd_tls_available());
	ct_setup();
}

static void
tt_setup(void)
{
	tt_setup_mode(5000, "none");
}

static void
tt_setup_short(void)
{
	tt_setup_mode(200, "none");
}

static void
tt_setup_require(void)
{
	tt_setup_mode(5000, "require");
}

static void
tt_setup_request(void)
{
	tt_setup_mode(5000, "request");
}

static void
tt_teardown(void)
{
	int i;

	ct_teardown();
	gd_tls_shutdown();
	for (i = 0; i < 2; i++) {
		unlink(tt_cert[i]);
		unlink(tt_key[i]);
	}
	rmdir(tt_dir);
}

struct tt_client {
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
};

/*
 * Handshake as a client that trusts both test certificates, optionally
 * presenting the a.test certificate.  Returns gnutls_handshake's result.
 */
static int
tt_client_try(struct tt_client *c, int fd, const char *sni, bool with_cert)
{
	int ret;

	cr_assert_eq(gnutls_certificate_allocate_credentials(&c->cred), 0);
	if (with_cert)
		cr_assert_eq(gnutls_certificate_set_x509_key_file(c->cred,
		    tt_cert[0], tt_key[0], GNUTLS_X509_FMT_PEM), 0);
	cr_assert_gt(gnutls_certificate_set_x509_trust_file(c->cred,
	    tt_cert[0], GNUTLS_X509_FMT_PEM), 0);
	cr_assert_gt(gnutls_certificate_set_x509_trust_file(c->cred,
	    tt_cert[1], GNUTLS_X509_FMT_PEM), 0);
	cr_assert_eq(gnutls_init(&c->s, GNUTLS_CLIENT), 0);
	gnutls_set_default_priority(c->s);
	gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, c->cred);
	gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, sni, strlen(sni));
	gnutls_session_set_verify_cert(c->s, sni, 0);
	gnutls_transport_set_int(c->s, fd);
	gnutls_handshake_set_timeout(c->s, 5000);
	do {
		ret = gnutls_handshake(c->s);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	return ret;
}

static void
tt_client_start(struct tt_client *c, int fd, const char *sni)
{
	int ret = tt_client_try(c, fd, sni, false);

	cr_assert_eq(ret, 0, "client handshake: %s", gnutls_strerror(ret));
}

static void
tt_client_end(struct tt_client *c)
{
	gnutls_deinit(c->s);
	gnutls_certificate_free_credentials(c->cred);
}

static void
tt_send(struct tt_client *c, const char *s)
{
	cr_assert_eq(gnutls_record_send(c->s, s, strlen(s)),
	    (ssize_t)strlen(s));
}

static void
tt_expect(struct tt_client *c, const char *expect)
{
	size_t len = strlen(expect), got = 0;
	char buf[1024];
	ssize_t n;

	while (got < len) {
		n = gnutls_record_recv(c->s, buf, len - got);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		cr_assert_gt(n, 0, "tls recv: %s",
		    n < 0 ? gnutls_strerror((int)n) : "eof");
		cr_assert_eq(memcmp(buf, expect + got, (size_t)n), 0,
		    "unexpected \"%.*s\" wanted \"%s\"", (int)n, buf, expect);
		got += (size_t)n;
	}
}

TestSuite(tls, .init = tt_setup, .fini = tt_teardown, .timeout = 30);

Test(tls, basic_implicit_handshake_and_echo)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	struct tt_client c;
	gnutls_datum_t cb;

	tt_client_start(&c, fd, "a.test");
	tt_expect(&c, "HELLO\r\n");
	tt_send(&c, "one\r\ntwo\r\n");
	tt_expect(&c, "L:one\r\nL:two\r\n");
	cr_assert(ct_log_has("open(tls);"), "log: %s", ct.log);
	/* Both ends must agree on the tls-exporter channel binding. */
	cr_assert_eq(gnutls_session_channel_binding(c.s,
	    GNUTLS_CB_TLS_EXPORTER, &cb), 0);
	cr_assert_eq(cb.size, ct.cb_len);
	cr_assert_eq(memcmp(cb.data, ct.cb, cb.size), 0);
	gnutls_free(cb.data);
	tt_send(&c, "CLOSE\r\n");
	tt_expect(&c, "BYE\r\n");
	cr_assert(ct_wait_log("close;", 5000));
	tt_client_end(&c);
	close(fd);
}

/* RFC 5929 4.1: the hash of the certificate file's DER (test i). */
static void
tt_cert_hash(int i, gnutls_digest_algorithm_t dig, unsigned char *out,
    size_t *len_r)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t pem, der;

	cr_assert_eq(gnutls_load_file(tt_cert[i], &pem), 0);
	cr_assert_eq(gnutls_x509_crt_init(&crt), 0);
	cr_assert_eq(gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM),
	    0);
	cr_assert_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der),
	    0);
	*len_r = gnutls_hash_get_len(dig);
	cr_assert_eq(gnutls_hash_fast(dig, der.data, der.size, out), 0);
	gnutls_free(der.data);
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(crt);
}

/* tls-server-end-point: SHA-256 of a.test's certificate, SHA-384 of
 * b.test's (signed with SHA-384); the client computes the same. */
static void
tt_check_server_end_point(const char *sni, int i,
    gnutls_digest_algorithm_t dig)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	unsigned char want[64];
	struct tt_client c;
	gnutls_datum_t cb;
	size_t len;

	tt_cert_hash(i, dig, want, &len);
	tt_client_start(&c, fd, sni);
	tt_expect(&c, "HELLO\r\n");
	cr_assert_eq(ct.cb_sep_len, len, "length %zu, want %zu",
	    ct.cb_sep_len, len);
	cr_assert_eq(memcmp(ct.cb_sep, want, len), 0);
	cr_assert_eq(gnutls_session_channel_binding(c.s,
	    GNUTLS_CB_TLS_SERVER_END_POINT, &cb), 0);
	cr_assert_eq(cb.size, len);
	cr_assert_eq(memcmp(cb.data, want, len), 0);
	gnutls_free(cb.data);
	tt_client_end(&c);
	close(fd);
}

Test(tls, channel_binding_server_end_point_sha256)
{
	tt_check_server_end_point("a.test", 0, GNUTLS_DIG_SHA256);
}

Test(tls, channel_binding_server_end_point_sha384)
{
	tt_check_server_end_point("b.test", 1, GNUTLS_DIG_SHA384);
}

Test(tls, sni_selects_certificate)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	struct tt_client c;
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	unsigned n = 0;

	/* Verification against "b.test" fails unless the b cert is sent. */
	tt_client_start(&c, fd, "b.test");
	certs = gnutls_certificate_get_peers(c.s, &n);
	cr_assert_gt(n, 0);
	gnutls_x509_crt_init(&crt);
	gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER);
	cr_assert(gnutls_x509_crt_check_hostname(crt, "b.test"));
	gnutls_x509_crt_deinit(crt);
	tt_expect(&c, "HELLO\r\n");
	cr_assert(ct_log_has("sni:b.test;version:TLS1."), "log: %s", ct.log);
	tt_client_end(&c);
	close(fd);
}

Test(tls, starttls_upgrade_discards_pipelined_plaintext)
{
	int fd = ct_connect("starttls", 128, 64 * 1024, 0);
	struct tt_client c;

	ct_expect(fd, "HELLO\r\n");
	/* The classic injection: a command pipelined behind STARTTLS. */
	ct_send(fd, "STARTTLS\r\nINJECTED\r\n");
	ct_expect(fd, "GO\r\n");
	tt_client_start(&c, fd, "a.test");
	tt_expect(&c, "SECURE\r\n");
	tt_send(&c, "after\r\n");
	tt_expect(&c, "L:after\r\n");
	cr_assert_eq(ct.starttls_ret, 0);
	cr_assert_eq(ct.discarded, strlen("INJECTED\r\n"));
	cr_assert(!ct_log_has("INJECTED"), "plaintext processed: %s", ct.log);
	cr_assert(ct_log_has("line:STARTTLS;tls_ready;line:after;"),
	    "log: %s", ct.log);
	tt_send(&c, "STARTTLS\r\n");
	tt_expect(&c, "GO\r\nNO TLS already active\r\n");
	tt_client_end(&c);
	close(fd);
}

Test(tls, handshake_garbage_closes)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	char buf[256];
	ssize_t n;
	int rounds = 0;

	ct_send(fd, "EHLO plaintext.example\r\n");
	do {
		n = read(fd, buf, sizeof(buf));
	} while (n > 0 && ++rounds < 100);
	/* EOF, or ECONNRESET when our bytes were left unread; not EAGAIN. */
	cr_assert(n == 0 || (n < 0 && errno == ECONNRESET),
	    "connection not closed: %zd %s", n, strerror(errno));
	cr_assert(ct_wait_log("close;", 5000));
	cr_assert(!ct_log_has("open"), "OPEN without a handshake");
	close(fd);
}

TestSuite(tls_timeout, .init = tt_setup_short, .fini = tt_teardown,
    .timeout = 30);

Test(tls_timeout, handshake_timeout)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	char c;

	cr_assert_eq(read(fd, &c, 1), 0, "expected close on timeout");
	cr_assert(ct_wait_log("close;", 5000));
	close(fd);
}

TestSuite(tls_require, .init = tt_setup_require, .fini = tt_teardown,
    .timeout = 30);

Test(tls_require, client_certificate_verified)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	struct tt_client c;

	cr_assert_eq(tt_client_try(&c, fd, "a.test", true), 0);
	tt_expect(&c, "HELLO\r\n");
	cr_assert(ct_log_has("open(tls);"), "log: %s", ct.log);
	cr_assert(ct_log_has("peer:valid;"), "log: %s", ct.log);
	tt_client_end(&c);
	close(fd);
}

Test(tls_require, missing_client_certificate_rejected)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	struct tt_client c;
	char buf[64];
	int ret;

	ret = tt_client_try(&c, fd, "a.test", false);
	/* TLS 1.3: the client may finish first and see the close later. */
	if (ret == 0)
		ret = (int)gnutls_record_recv(c.s, buf, sizeof(buf));
	cr_assert_leq(ret, 0, "server accepted a client without certificate");
	cr_assert(ct_wait_log("close;", 5000));
	cr_assert(!ct_log_has("open"), "OPEN delivered: %s", ct.log);
	tt_client_end(&c);
	close(fd);
}

TestSuite(tls_request, .init = tt_setup_request, .fini = tt_teardown,
    .timeout = 30);

Test(tls_request, client_certificate_optional)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	struct tt_client c;

	cr_assert_eq(tt_client_try(&c, fd, "a.test", false), 0);
	tt_expect(&c, "HELLO\r\n");
	cr_assert(ct_log_has("peer:none;"), "log: %s", ct.log);
	tt_client_end(&c);
	close(fd);
}

Test(tls_request, reload_keeps_live_session)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	const char *certs[1] = { tt_cert[1] }, *keys[1] = { tt_key[1] };
	const char *error = NULL;
	struct tt_client c;

	cr_assert_eq(tt_client_try(&c, fd, "a.test", false), 0);
	tt_expect(&c, "HELLO\r\n");
	/* New credentials (b.test only): the live session is unaffected. */
	cr_assert_eq(gd_tls_configure_files(certs, keys, 1, NULL, "none",
	    NULL, 5000, &error), 0, "%s", error);
	tt_send(&c, "still\r\n");
	tt_expect(&c, "L:still\r\n");
	tt_client_end(&c);
	close(fd);
}

Test(tls, echo_module_starttls)
{
	int fd = ct_connect_proto(ct_load_echo(), "starttls", 128, 64 * 1024,
	    0);
	struct tt_client c;

	ct_expect(fd, "+OK gumdrop echo ready\r\n");
	ct_send(fd, "STARTTLS\r\nsneaky\r\n");
	ct_expect(fd, "+OK begin TLS\r\n");
	tt_client_start(&c, fd, "a.test");
	tt_send(&c, "secret\r\nSTARTTLS\r\nQUIT\r\n");
	tt_expect(&c, "secret\r\n-ERR already using TLS\r\n+OK bye\r\n");
	tt_client_end(&c);
	close(fd);
}

/* ---- configuration ---------------------------------------------------- */

static struct gd_config *
tt_config(const char *fmt, ...)
{
	struct gd_config *cfg;
	char text[2048], *error = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cfg = gd_config_load_string("t.yaml", text, strlen(text), &error);
	cr_assert_not_null(cfg, "yaml: %s", error);
	return cfg;
}

Test(tls, config_loads_section_and_reports_errors)
{
	struct gd_config *cfg;
	const char *error = NULL;

	cfg = tt_config("tls:\n  certificates:\n    - {cert: %s, key: %s}\n"
	    "  handshake-timeout: 2s\n", tt_cert[1], tt_key[1]);
	cr_assert_eq(gd_tls_configure(gd_config_root(cfg), &error), 0,
	    "%s", error);
	cr_assert(gd_tls_available());
	gd_config_free(&cfg);

	cfg = tt_config("tls:\n  certificates:\n    - {cert: %s, key: %s/nope}\n",
	    tt_cert[1], tt_dir);
	cr_assert_eq(gd_tls_reload(gd_config_root(cfg), &error), -1);
	cr_assert_not_null(strstr(error, "t.yaml:3"), "error: %s", error);
	cr_assert(gd_tls_available(), "failed reload dropped credentials");
	gd_config_free(&cfg);

	cfg = tt_config("tls:\n  certificates:\n    - {cert: %s, key: %s}\n"
	    "  client-certificates: maybe\n", tt_cert[1], tt_key[1]);
	cr_assert_eq(gd_tls_configure(gd_config_root(cfg), &error), -1);
	cr_assert_not_null(strstr(error, "t.yaml:4"), "error: %s", error);
	gd_config_free(&cfg);

	cfg = tt_config("tls:\n  certificates:\n    - {cert: %s, key: %s}\n"
	    "  client-certificates: require\n", tt_cert[1], tt_key[1]);
	cr_assert_eq(gd_tls_configure(gd_config_root(cfg), &error), -1,
	    "require without ca-file accepted");
	gd_config_free(&cfg);

	cfg = tt_config("tls:\n  certificates: []\n");
	cr_assert_eq(gd_tls_configure(gd_config_root(cfg), &error), -1);
	gd_config_free(&cfg);

	cfg = tt_config("tls:\n  certificates:\n    - {cert: %s, key: %s}\n"
	    "  priority: \"NORMAL:+NONSENSE\"\n", tt_cert[1], tt_key[1]);
	cr_assert_eq(gd_tls_configure(gd_config_root(cfg), &error), -1);
	gd_config_free(&cfg);
}

Test(tls, listener_params_parse)
{
	struct gd_config *cfg;
	struct gd_conn_params *params;
	const struct gd_config_node *l;
	const char *error = NULL;

	cfg = tt_config("l:\n  protocol: nosuch\n  tls: implicit\n");
	l = gd_config_get(gd_config_root(cfg), "l");
	cr_assert_eq(gd_conn_params_parse(l, ct_pool, &params, &error), -1);
	cr_assert_not_null(strstr(error, "t.yaml:2"), "error: %s", error);
	cr_assert_not_null(strstr(error, "nosuch"), "error: %s", error);
	gd_config_free(&cfg);

	cfg = tt_config("l:\n  protocol: x\n  tls: sometimes\n");
	l = gd_config_get(gd_config_root(cfg), "l");
	cr_assert_eq(gd_conn_params_parse(l, ct_pool, &params, &error), -1);
	cr_assert_not_null(strstr(error, "t.yaml:3"), "error: %s", error);
	gd_config_free(&cfg);

	cfg = tt_config("l:\n  protocol: x\n  max-line-length: 8K\n"
	    "  read-buffer: 4K\n");
	l = gd_config_get(gd_config_root(cfg), "l");
	cr_assert_eq(gd_conn_params_parse(l, ct_pool, &params, &error), -1);
	cr_assert_not_null(strstr(error, "t.yaml:4"), "error: %s", error);
	gd_config_free(&cfg);
}

Test(tls, bulk_pipelined_lines_through_small_buffer)
{
	int fd = ct_connect("implicit", 128, 64 * 1024, 0);
	static char out[4000 * 16], expect[4000 * 20];
	struct tt_client c;
	size_t olen, elen, sent;
	ssize_t n;
	int burst, i;

	tt_client_start(&c, fd, "a.test");
	tt_expect(&c, "HELLO\r\n");
	/* 16 KiB records vs a 256-byte read buffer: GnuTLS holds the rest. */
	for (burst = 0; burst < 10; burst++) {
		olen = elen = 0;
		for (i = 0; i < 4000; i++) {
			olen += (size_t)sprintf(out + olen, "n%d.%d\r\n", burst,
			    i);
			elen += (size_t)sprintf(expect + elen, "L:n%d.%d\r\n",
			    burst, i);
		}
		for (sent = 0; sent < olen; sent += (size_t)n) {
			n = gnutls_record_send(c.s, out + sent, olen - sent);
			cr_assert_gt(n, 0, "send: %zd", n);
		}
		tt_expect(&c, expect);
	}
	tt_client_end(&c);
	close(fd);
}
