/*
 * conn-test-util.h — shared harness for test-conn.c and test-tls.c.
 *
 * One real worker loop (gd_loops_start) serves the connection; the test
 * thread is the client on the other end of a socketpair, using blocking
 * I/O with a receive timeout so that every wait is bounded.  The test
 * protocol ("ct") is a tiny command interpreter whose events are recorded
 * in `ct` under a mutex.
 */
#ifndef CONN_TEST_UTIL_H
#define CONN_TEST_UTIL_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <dlfcn.h>

#include <gumdrop/config.h>
#include <gumdrop/conn.h>
#include <gumdrop/hooks.h>
#include <gumdrop/module.h>
#include <gumdrop/loop.h>
#include <gumdrop/pool.h>
#include <gumdrop/sasl.h>
#include <gumdrop/tls.h>

#include "conn-private.h"
#include "loop-private.h"

#define CT_BIG_SIZE	(2u * 1024 * 1024)

struct ct_state {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char log[8192];			/* "open;line:a;too_long;...;close" */
	unsigned lines;
	bool closed;
	bool drained;
	size_t discarded;
	int starttls_ret;
	struct gd_conn *conn;
	unsigned char cb[128];		/* server-side tls-exporter */
	size_t cb_len;
	unsigned char cb_sep[128];	/* server-side tls-server-end-point */
	size_t cb_sep_len;
	char big[CT_BIG_SIZE];
};

static struct ct_state ct = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};
static struct gd_pool *ct_pool;

GD_UNUSED static void
ct_log(const char *fmt, ...)
{
	va_list ap;
	size_t len;

	pthread_mutex_lock(&ct.lock);
	len = strlen(ct.log);
	va_start(ap, fmt);
	vsnprintf(ct.log + len, sizeof(ct.log) - len, fmt, ap);
	va_end(ap);
	pthread_cond_broadcast(&ct.cond);
	pthread_mutex_unlock(&ct.lock);
}

static void
ct_big_free(void *arg)
{
	(void)arg;
	ct_log("bigfree;");
}

static void
ct_capture_cb(struct gd_conn *conn)
{
	const char *error;
	size_t len = sizeof(ct.cb);

	if (gd_conn_tls_channel_binding(conn, "tls-exporter", ct.cb, &len,
	    &error) == 0)
		ct.cb_len = len;
	len = sizeof(ct.cb_sep);
	if (gd_conn_tls_channel_binding(conn, "tls-server-end-point",
	    ct.cb_sep, &len, &error) == 0)
		ct.cb_sep_len = len;
}

/* Commands understood by the test protocol. */
static void
ct_line(struct gd_conn *conn)
{
	const char *line;
	size_t len, i;

	line = gd_conn_line(conn, &len);
	ct_log("line:%s%s;", line, gd_conn_line_bare_lf(conn) ? "(lf)" : "");
	pthread_mutex_lock(&ct.lock);
	ct.lines++;
	pthread_mutex_unlock(&ct.lock);
	if (strcmp(line, "CLOSE") == 0) {
		gd_conn_writef(conn, "BYE\r\n");
		gd_conn_close(conn, true, "client asked");
	} else if (strcmp(line, "BIG") == 0) {
		/* Interleave zero-copy and copied writes: order must hold. */
		for (i = 0; i < CT_BIG_SIZE; i++)
			ct.big[i] = (char)('a' + i % 26);
		gd_conn_write_chunk(conn, ct.big, CT_BIG_SIZE / 2, NULL, NULL);
		gd_conn_write(conn, ct.big + CT_BIG_SIZE / 2, 1000);
		gd_conn_write_chunk(conn, ct.big + CT_BIG_SIZE / 2 + 1000,
		    CT_BIG_SIZE / 2 - 1000, ct_big_free, NULL);
	} else if (strcmp(line, "LOWAT") == 0) {
		gd_conn_writef(conn, "LOWAT:%zu\r\n",
		    gd_conn_write_low_water(conn));
	} else if (strcmp(line, "RAW") == 0) {
		gd_conn_set_raw(conn, true);
	} else if (strcmp(line, "ABORT") == 0) {
		gd_conn_writef(conn, "LOST\r\n");
		gd_conn_close(conn, false, "abort");
	} else if (strcmp(line, "PAUSE") == 0) {
		gd_conn_pause_read(conn);
		gd_conn_writef(conn, "PAUSED\r\n");
	} else if (strcmp(line, "STARTTLS") == 0) {
		const char *error;

		gd_conn_writef(conn, "GO\r\n");
		ct.starttls_ret = gd_conn_starttls(conn, &ct.discarded, &error);
		if (ct.starttls_ret < 0)
			gd_conn_writef(conn, "NO %s\r\n", error);
	} else
		gd_conn_writef(conn, "L:%s\r\n", line);
}

/* Raw mode: take 4 bytes at a time; "LINE" switches back. */
static void
ct_data(struct gd_conn *conn)
{
	const void *data;
	char chunk[5];
	size_t len;

	data = gd_conn_raw_data(conn, &len);
	cr_assert(data != NULL && len > 0);
	while (gd_conn_raw_data(conn, &len) != NULL && len >= 4) {
		cr_assert_eq(gd_conn_read_raw(conn, chunk, 4), 4);
		chunk[4] = '\0';
		ct_log("data:%s;", chunk);
		gd_conn_writef(conn, "D:%s\r\n", chunk);
		if (strcmp(chunk, "LINE") == 0) {
			gd_conn_set_raw(conn, false);
			break;
		}
	}
}

static void
ct_peer_status(struct gd_conn *conn)
{
	enum gd_tls_peer_status st;
	const void *der;
	size_t len;

	st = gd_conn_tls_peer_cert(conn, &der, &len);
	ct_log("peer:%s;", st == GD_TLS_PEER_VALID ? "valid" :
	    st == GD_TLS_PEER_INVALID ? "invalid" : "none");
	if (st != GD_TLS_PEER_NONE)
		cr_assert(der != NULL && len > 0);
}

static void
ct_event(struct gd_conn *conn, enum gd_conn_event ev)
{
	switch (ev) {
	case GD_CONN_EV_OPEN:
		ct.conn = conn;
		if (gd_conn_is_tls(conn)) {
			const char *sni = gd_conn_tls_server_name(conn);

			ct_capture_cb(conn);
			ct_peer_status(conn);
			ct_log("sni:%s;version:%s;", sni != NULL ? sni : "-",
			    gd_conn_tls_version(conn));
		}
		ct_log("open%s;", gd_conn_is_tls(conn) ? "(tls)" : "");
		gd_conn_writef(conn, "HELLO\r\n");
		break;
	case GD_CONN_EV_LINE:
		ct_line(conn);
		break;
	case GD_CONN_EV_LINE_TOO_LONG:
		ct_log("too_long;");
		gd_conn_writef(conn, "TOO_LONG\r\n");
		break;
	case GD_CONN_EV_DATA:
		ct_data(conn);
		break;
	case GD_CONN_EV_DRAINED:
		pthread_mutex_lock(&ct.lock);
		ct.drained = true;
		pthread_mutex_unlock(&ct.lock);
		break;
	case GD_CONN_EV_TIMEOUT:
		ct_log("timeout;");
		gd_conn_writef(conn, "TIMEOUT\r\n");
		break;
	case GD_CONN_EV_TLS_READY:
		ct_capture_cb(conn);
		ct_log("tls_ready;");
		gd_conn_writef(conn, "SECURE\r\n");
		break;
	case GD_CONN_EV_DRAIN:
		ct_log("drain;");
		gd_conn_writef(conn, "DRAINING\r\n");
		gd_conn_close(conn, true, "shutdown");
		break;
	case GD_CONN_EV_CLOSE:
		ct_log("close;");
		pthread_mutex_lock(&ct.lock);
		ct.closed = true;
		ct.conn = NULL;
		pthread_cond_broadcast(&ct.cond);
		pthread_mutex_unlock(&ct.lock);
		break;
	}
}

static const struct gd_protocol ct_protocol = {
	.name = "ct", GD_PROTOCOL_HEAD, .event = ct_event,
};

static void
ct_thread_fini(struct gd_loop *loop)
{
	(void)loop;
	gd_conns_thread_close_all("test finished");
}

GD_UNUSED static void
ct_setup(void)
{
	const char *error = NULL;

	ct_pool = gd_pool_create("test");
	cr_assert_eq(gd_loops_start(1, 1, NULL, ct_thread_fini, &error), 0,
	    "gd_loops_start: %s", error);
}

GD_UNUSED static void
ct_teardown(void)
{
	gd_loops_join();
	gd_pool_destroy(&ct_pool);
}

struct ct_accept {
	int fd;
	const struct gd_conn_params *params;
};

static void
ct_accept_fn(void *arg)
{
	struct ct_accept *a = arg;
	struct sockaddr_un peer = { .sun_family = AF_UNIX };

	gd_conn_accept(gd_loop_current(), a->fd, (struct sockaddr *)&peer,
	    sizeof(peer), NULL, 0, "test", a->params, NULL, NULL);
	free(a);
}

/* Start a `proto` connection with the given limits; returns the fd. */
GD_UNUSED static int
ct_connect_proto(const struct gd_protocol *proto, const char *tls_mode,
    size_t max_line, size_t wmax, uint64_t idle_ms)
{
	struct gd_conn_params *params;
	struct ct_accept *a = calloc(1, sizeof(*a));
	struct timeval tv = { .tv_sec = 5 };
	const char *error = NULL;
	int sv[2];

	cr_assert_eq(gd_conn_params_make(ct_pool, proto, tls_mode,
	    max_line, max_line * 2, wmax, idle_ms, idle_ms, &params,
	    &error), 0, "params: %s", error);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	a->fd = sv[1];
	a->params = params;
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), ct_accept_fn, a), 0);
	return sv[0];
}

GD_UNUSED static int
ct_connect(const char *tls_mode, size_t max_line, size_t wmax,
    uint64_t idle_ms)
{
	return ct_connect_proto(&ct_protocol, tls_mode, max_line, wmax,
	    idle_ms);
}

/*
 * The echo example module, loaded from the build tree the way the loader
 * does (RTLD_NOW|RTLD_LOCAL); its gd_* symbols resolve against this test
 * program (linked -export-dynamic).  Returns its "echo" protocol.
 */
GD_UNUSED static const struct gd_protocol *
ct_load_echo(void)
{
	const struct gd_module *mod;
	void *h;

	h = dlopen(GD_TOP_BUILDDIR "/modules/echo/.libs/echo.so",
	    RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h, "dlopen: %s", dlerror());
	mod = dlsym(h, GD_MODULE_SYMBOL);
	cr_assert_not_null(mod);
	cr_assert_eq(mod->magic, GD_MODULE_MAGIC);
	cr_assert_str_eq(mod->protocols[0].name, "echo");
	cr_assert_null(mod->protocols[1].name);
	return &mod->protocols[0];
}

GD_UNUSED static void
ct_send(int fd, const char *s)
{
	size_t len = strlen(s);

	cr_assert_eq(write(fd, s, len), (ssize_t)len);
}

/*
 * Read until `expect` has been received in full (the bytes must match
 * exactly, in order).  Fails the test on mismatch, EOF or timeout.
 */
GD_UNUSED static void
ct_expect(int fd, const char *expect)
{
	size_t len = strlen(expect), got = 0;
	char buf[4096];
	ssize_t n;

	while (got < len) {
		n = read(fd, buf, len - got < sizeof(buf) ? len - got :
		    sizeof(buf));
		cr_assert_gt(n, 0, "read: %zd (%s) after %zu bytes of \"%s\"",
		    n, n < 0 ? strerror(errno) : "eof", got, expect);
		cr_assert_eq(memcmp(buf, expect + got, (size_t)n), 0,
		    "unexpected bytes: \"%.*s\" (wanted \"%s\" at %zu)",
		    (int)n, buf, expect, got);
		got += (size_t)n;
	}
}

/* Expect EOF (after any bytes in `rest`). */
GD_UNUSED static void
ct_expect_eof(int fd)
{
	char c;
	ssize_t n = read(fd, &c, 1);

	cr_assert_eq(n, 0, "expected EOF, got %zd", n);
}

/* Wait (bounded) until `needle` appears in the event log. */
GD_UNUSED static bool
ct_wait_log(const char *needle, unsigned timeout_ms)
{
	struct timespec ts;
	bool found;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ct.lock);
	while (!(found = strstr(ct.log, needle) != NULL))
		if (pthread_cond_timedwait(&ct.cond, &ct.lock, &ts) != 0) {
			found = strstr(ct.log, needle) != NULL;
			break;
		}
	pthread_mutex_unlock(&ct.lock);
	return found;
}

GD_UNUSED static bool
ct_log_has(const char *needle)
{
	bool found;

	pthread_mutex_lock(&ct.lock);
	found = strstr(ct.log, needle) != NULL;
	pthread_mutex_unlock(&ct.lock);
	return found;
}

#endif /* CONN_TEST_UTIL_H */
