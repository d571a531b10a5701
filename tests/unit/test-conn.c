/*
 * test-conn.c — connections on a real worker loop over a socketpair:
 * framing, write-queue order, back-pressure, pause/resume, timeouts,
 * graceful close.
 */
#include "config.h"

#include "conn-test-util.h"
#include "hooks-private.h"

TestSuite(conn, .init = ct_setup, .fini = ct_teardown, .timeout = 30);

Test(conn, basic_greeting_and_pipelined_lines)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);

	ct_expect(fd, "HELLO\r\n");
	ct_send(fd, "a\r\nbb\r\nccc\r\n");
	ct_expect(fd, "L:a\r\nL:bb\r\nL:ccc\r\n");
	ct_send(fd, "CLOSE\r\n");
	ct_expect(fd, "BYE\r\n");
	ct_expect_eof(fd);
	cr_assert(ct_wait_log("close;", 5000));
	cr_assert(ct_log_has("open;line:a;line:bb;line:ccc;line:CLOSE;close;"),
	    "log: %s", ct.log);
	close(fd);
}

Test(conn, basic_bare_lf_and_split_crlf)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);

	ct_expect(fd, "HELLO\r\n");
	ct_send(fd, "x\ny\r");
	usleep(50000);
	ct_send(fd, "\n");
	ct_expect(fd, "L:x\r\nL:y\r\n");
	cr_assert(ct_wait_log("line:y;", 2000));
	cr_assert(ct_log_has("line:x(lf);line:y;"), "log: %s", ct.log);
	close(fd);
}

Test(conn, overlong_line_reported_not_truncated)
{
	int fd = ct_connect("none", 32, 64 * 1024, 0);
	char big[200];

	ct_expect(fd, "HELLO\r\n");
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ct_send(fd, big);
	ct_send(fd, big);
	ct_send(fd, "\r\nok\r\n");
	ct_expect(fd, "TOO_LONG\r\nL:ok\r\n");
	cr_assert(!ct_log_has("line:z"), "a truncated piece was delivered");
	close(fd);
}

/* Read `len` bytes of the BIG pattern. */
static void
expect_big(int fd)
{
	static char buf[65536];
	size_t got = 0, i;
	ssize_t n;

	while (got < CT_BIG_SIZE) {
		n = read(fd, buf, CT_BIG_SIZE - got < sizeof(buf) ?
		    CT_BIG_SIZE - got : sizeof(buf));
		cr_assert_gt(n, 0, "short BIG after %zu", got);
		for (i = 0; i < (size_t)n; i++)
			cr_assert_eq(buf[i], (char)('a' + (got + i) % 26),
			    "order broken at byte %zu", got + i);
		got += (size_t)n;
	}
}

Test(conn, write_queue_order_and_graceful_close_flushes)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);

	ct_expect(fd, "HELLO\r\n");
	/* BIG queues 2 MiB, then CLOSE must still deliver all of it. */
	ct_send(fd, "BIG\r\nCLOSE\r\n");
	usleep(100000);
	expect_big(fd);
	ct_expect(fd, "BYE\r\n");
	ct_expect_eof(fd);
	cr_assert(ct_wait_log("close;", 5000));
	cr_assert(ct_log_has("bigfree;"), "zero-copy chunk not released");
	close(fd);
}

Test(conn, backpressure_stops_input_until_drained)
{
	int fd = ct_connect("none", 128, 8 * 1024, 0);
	unsigned lines;
	int i;

	ct_expect(fd, "HELLO\r\n");
	ct_send(fd, "BIG\r\n");
	for (i = 0; i < 50; i++)
		ct_send(fd, "more\r\n");
	usleep(200000);
	pthread_mutex_lock(&ct.lock);
	lines = ct.lines;
	pthread_mutex_unlock(&ct.lock);
	cr_assert_eq(lines, 1, "input processed while output queue full: %u",
	    lines);
	expect_big(fd);
	for (i = 0; i < 50; i++)
		ct_expect(fd, "L:more\r\n");
	pthread_mutex_lock(&ct.lock);
	cr_assert_eq(ct.lines, 51);
	cr_assert(ct.drained, "no DRAINED event");
	pthread_mutex_unlock(&ct.lock);
	close(fd);
}

/* ABI 1.4: the mark below which DRAINED comes is half write-buffer-max. */
Test(conn, write_low_water_is_half_the_buffer)
{
	int fd = ct_connect("none", 128, 8 * 1024, 0);

	ct_expect(fd, "HELLO\r\n");
	ct_send(fd, "LOWAT\r\n");
	ct_expect(fd, "LOWAT:4096\r\n");
	close(fd);
}

static void
resume_fn(void *arg)
{
	(void)arg;
	if (ct.conn != NULL)
		gd_conn_resume_read(ct.conn);
}

Test(conn, pause_and_resume_read)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);
	struct timeval tv = { .tv_usec = 200000 };
	char c;

	ct_expect(fd, "HELLO\r\n");
	ct_send(fd, "PAUSE\r\nafter\r\n");
	ct_expect(fd, "PAUSED\r\n");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(read(fd, &c, 1), -1, "line delivered while paused");
	tv.tv_sec = 5;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), resume_fn, NULL), 0);
	ct_expect(fd, "L:after\r\n");
	close(fd);
}

Test(conn, idle_timeout_fires)
{
	int fd = ct_connect("none", 128, 64 * 1024, 200);

	ct_expect(fd, "HELLO\r\n");
	ct_expect(fd, "TIMEOUT\r\n");
	ct_expect_eof(fd);
	cr_assert(ct_wait_log("close;", 5000));
	cr_assert(ct_log_has("open;timeout;close;"), "log: %s", ct.log);
	close(fd);
}

Test(conn, idle_timeout_reset_by_input)
{
	int fd = ct_connect("none", 128, 64 * 1024, 300);
	int i;

	ct_expect(fd, "HELLO\r\n");
	for (i = 0; i < 5; i++) {
		usleep(150000);
		ct_send(fd, "ping\r\n");
		ct_expect(fd, "L:ping\r\n");
	}
	cr_assert(!ct_log_has("timeout;"), "timed out despite input");
	ct_expect(fd, "TIMEOUT\r\n");
	close(fd);
}

Test(conn, peer_half_close_still_answered)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);

	ct_expect(fd, "HELLO\r\n");
	ct_send(fd, "last\r\n");
	shutdown(fd, SHUT_WR);
	ct_expect(fd, "L:last\r\n");
	ct_expect_eof(fd);
	cr_assert(ct_wait_log("close;", 5000));
	close(fd);
}

Test(conn, starttls_refused_without_tls_listener)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);

	ct_expect(fd, "HELLO\r\n");
	ct_send(fd, "STARTTLS\r\n");
	ct_expect(fd, "GO\r\nNO STARTTLS not available on this listener\r\n");
	cr_assert_eq(ct.starttls_ret, -1);
	close(fd);
}

Test(conn, params_reject_tls_without_credentials)
{
	struct gd_conn_params *params;
	const char *error = NULL;

	cr_assert_eq(gd_conn_params_make(ct_pool, &ct_protocol, "starttls",
	    128, 256, 4096, 0, 0, &params, &error), -1);
	cr_assert_not_null(error);
	cr_assert_eq(gd_conn_params_make(ct_pool, &ct_protocol, "bogus",
	    128, 256, 4096, 0, 0, &params, &error), -1);
	cr_assert_eq(gd_conn_params_make(ct_pool, &ct_protocol, "none",
	    128, 64, 4096, 0, 0, &params, &error), -1,
	    "read buffer smaller than a line must be refused");
}

Test(conn, raw_mode_partial_consumption_and_back)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);
	const char *in = "RAW\r\nabcdefghLINEok\r\n";
	size_t i;

	ct_expect(fd, "HELLO\r\n");
	/* Trickle: DATA sees 1..3 bytes several times before taking 4. */
	for (i = 0; in[i] != '\0'; i++) {
		cr_assert_eq(write(fd, in + i, 1), 1);
		usleep(2000);
	}
	ct_expect(fd, "D:abcd\r\nD:efgh\r\nD:LINE\r\nL:ok\r\n");
	close(fd);
}

Test(conn, abortive_close_drops_output)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);

	ct_expect(fd, "HELLO\r\n");
	ct_send(fd, "ABORT\r\n");
	ct_expect_eof(fd);
	cr_assert(ct_wait_log("close;", 5000));
	close(fd);
}

static void
async_write_fn(void *arg)
{
	(void)arg;
	if (ct.conn != NULL)
		gd_conn_writef(ct.conn, "ASYNC\r\n");
}

Test(conn, write_from_outside_a_callback)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);

	ct_expect(fd, "HELLO\r\n");
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), async_write_fn, NULL), 0);
	ct_expect(fd, "ASYNC\r\n");
	close(fd);
}

Test(conn, drain_event_on_shutdown)
{
	int fd = ct_connect("none", 128, 64 * 1024, 0);

	ct_expect(fd, "HELLO\r\n");
	gd_loops_drain(5000);
	ct_expect(fd, "DRAINING\r\n");
	ct_expect_eof(fd);
	cr_assert(ct_wait_log("drain;close;", 5000), "log: %s", ct.log);
	close(fd);
}

Test(conn, command_timeout_while_paused)
{
	int fd = ct_connect("none", 128, 64 * 1024, 300);

	ct_expect(fd, "HELLO\r\n");
	ct_send(fd, "PAUSE\r\n");
	ct_expect(fd, "PAUSED\r\n");
	ct_expect(fd, "TIMEOUT\r\n");
	ct_expect_eof(fd);
	close(fd);
}

TestSuite(echo, .init = ct_setup, .fini = ct_teardown, .timeout = 30);

Test(echo, basic_greeting_echo_quit)
{
	int fd = ct_connect_proto(ct_load_echo(), "none", 64, 64 * 1024, 0);
	char big[100];

	ct_expect(fd, "+OK gumdrop echo ready\r\n");
	ct_send(fd, "hello\r\nworld\n");
	ct_expect(fd, "hello\r\nworld\r\n");
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ct_send(fd, big);
	ct_send(fd, "\r\nSTARTTLS\r\nquit\r\n");
	ct_expect(fd, "-ERR line too long\r\n"
	    "-ERR STARTTLS not available\r\n+OK bye\r\n");
	ct_expect_eof(fd);
	close(fd);
}

/* ---- echo.line hook point, with an in-process filter module ---------- */

static void
filter_work(void *arg)
{
	struct gd_reply reply = { 0 };

	usleep(50000);
	gd_hook_resume(arg, GD_VERDICT_ACCEPT, &reply);
}

static enum gd_verdict
filter_line(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	const char *line = gd_hook_call_arg(call);

	(void)ctx;
	(void)data;
	if (strcmp(line, "reject me") == 0) {
		reply_r->code = 550;
		reply_r->text = "no thanks";
		return GD_VERDICT_REJECT;
	}
	if (strcmp(line, "drop") == 0)
		return GD_VERDICT_DISCARD;
	if (strcmp(line, "go away") == 0) {
		reply_r->code = 421;
		reply_r->text = "closing";
		return GD_VERDICT_TEMPFAIL;
	}
	if (strcmp(line, "slow") == 0) {
		cr_assert_eq(gd_work_submit(gd_hook_call_loop(call),
		    filter_work, NULL, gd_hook_pend(call)), 0);
		return GD_VERDICT_PENDING;
	}
	return GD_VERDICT_CONTINUE;
}

static const struct gd_hook_reg filter_regs[] = {
	{ "echo.line", filter_line, GD_HOOK_MAY_PEND, NULL },
	{ NULL, NULL, 0, NULL },
};

Test(echo, hook_point_verdicts_and_pending)
{
	const struct gd_protocol *echo = ct_load_echo();
	const struct gd_module *mod;
	struct gd_hooks_module mods[2];
	const char *error = NULL;
	void *h;
	int fd;

	h = dlopen(GD_TOP_BUILDDIR "/modules/echo/.libs/echo.so",
	    RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	cr_assert_not_null(h);
	mod = dlsym(h, GD_MODULE_SYMBOL);
	memset(mods, 0, sizeof(mods));
	mods[0].name = "echo";
	mods[0].points = mod->hook_points;
	mods[1].name = "filter";
	mods[1].regs = filter_regs;
	cr_assert_eq(gd_hooks_build(mods, 2, NULL, &error), 0, "%s", error);

	fd = ct_connect_proto(echo, "none", 128, 64 * 1024, 0);
	ct_expect(fd, "+OK gumdrop echo ready\r\n");
	ct_send(fd, "hello\r\nreject me\r\ndrop\r\nslow\r\nafter\r\n");
	ct_expect(fd, "hello\r\n-ERR 550 no thanks\r\nslow\r\nafter\r\n");
	ct_send(fd, "go away\r\nnever\r\n");
	ct_expect(fd, "-ERR 421 closing\r\n");
	ct_expect_eof(fd);
	close(fd);
}
