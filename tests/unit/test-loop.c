/*
 * test-loop.c — worker loops, cross-thread invoke, deferred calls, the
 * blocking pool, draining and shutdown; then listeners over real sockets
 * on 127.0.0.1 / UNIX sockets, with the connection side (conn.c) replaced
 * by a stub that greets and closes.  Every wait is bounded.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <gumdrop/config.h>

#include "conn-private.h"
#include "listener-private.h"
#include "loop-private.h"

/* ---- a waitable counter ------------------------------------------------ */

static pthread_mutex_t t_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t t_cond = PTHREAD_COND_INITIALIZER;
static unsigned t_done;

static void
signal_done(void)
{
	pthread_mutex_lock(&t_lock);
	t_done++;
	pthread_cond_broadcast(&t_cond);
	pthread_mutex_unlock(&t_lock);
}

/* Wait until t_done >= n, at most 5 seconds. */
static bool
wait_done(unsigned n)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&t_lock);
	while (t_done < n) {
		if (pthread_cond_timedwait(&t_cond, &t_lock, &ts) == ETIMEDOUT)
			break;
	}
	ok = t_done >= n;
	pthread_mutex_unlock(&t_lock);
	return ok;
}

static void
start(unsigned workers, gd_loop_thread_init_fn *init,
    gd_loop_thread_fini_fn *fini)
{
	const char *error = NULL;

	cr_assert_eq(gd_loops_start(workers, 2, init, fini, &error), 0,
	    "%s", error);
	cr_assert_eq(gd_loop_count(), workers);
}

/* ---- start-up ----------------------------------------------------------- */

static atomic_uint inits, finis;
static atomic_bool wrong_thread;

static int
count_init(struct gd_loop *loop, const char **error_r)
{
	if (gd_loop_current() != loop)
		atomic_store(&wrong_thread, true);
	atomic_fetch_add(&inits, 1);
	return 0;
}

static void
count_fini(struct gd_loop *loop)
{
	if (gd_loop_current() != loop)
		atomic_store(&wrong_thread, true);
	atomic_fetch_add(&finis, 1);
}

Test(loop, start_and_join, .timeout = 10)
{
	unsigned i;

	start(3, count_init, count_fini);
	cr_assert_eq(atomic_load(&inits), 3);
	for (i = 0; i < 3; i++)
		cr_assert_eq(gd_loop_index(gd_loop_get(i)), i);
	cr_assert_null(gd_loop_current());
	cr_assert_not(gd_loop_draining());
	gd_loops_join();
	cr_assert_eq(atomic_load(&finis), 3);
	cr_assert_not(atomic_load(&wrong_thread));
	cr_assert_eq(gd_loop_count(), 0);
}

static int
fail_second_init(struct gd_loop *loop, const char **error_r)
{
	if (gd_loop_index(loop) == 1) {
		*error_r = "init refused";
		return -1;
	}
	atomic_fetch_add(&inits, 1);
	return 0;
}

Test(loop, init_failure_stops_everything, .timeout = 10)
{
	const char *error = NULL;

	cr_assert_eq(gd_loops_start(3, 1, fail_second_init, count_fini,
	    &error), -1);
	cr_assert_str_eq(error, "init refused");
	/* fini runs exactly for the loops whose init succeeded */
	cr_assert_eq(atomic_load(&finis), atomic_load(&inits));
	cr_assert_eq(atomic_load(&inits), 2);
	cr_assert_eq(gd_loop_count(), 0);
	cr_assert_eq(gd_work_submit(NULL, (gd_loop_fn *)signal_done, NULL,
	    NULL), -1);
	/* and the loops can be started again */
	start(1, NULL, NULL);
	gd_loops_join();
}

/* ---- invoke ---------------------------------------------------------- */

#define N_CALLS 2000

static struct gd_loop *target;
static unsigned order[N_CALLS];
static unsigned n_order;
static atomic_bool off_target;

static void
record_call(void *arg)
{
	if (gd_loop_current() != target)
		atomic_store(&off_target, true);
	/* only the target loop thread touches order[] */
	order[n_order++] = (unsigned)(uintptr_t)arg;
	if (n_order == N_CALLS)
		signal_done();
}

Test(loop, invoke_runs_on_target_in_fifo_order, .timeout = 10)
{
	unsigned i;

	start(2, NULL, NULL);
	target = gd_loop_get(1);
	for (i = 0; i < N_CALLS; i++)
		cr_assert_eq(gd_loop_invoke(target, record_call,
		    (void *)(uintptr_t)i), 0);
	cr_assert(wait_done(1));
	cr_assert_not(atomic_load(&off_target));
	for (i = 0; i < N_CALLS; i++)
		cr_assert_eq(order[i], i);
	gd_loops_join();
}

static atomic_bool inline_ran;
static atomic_uint self_seen;

static void
self_second(void *arg)
{
	atomic_store(&inline_ran, true);
	signal_done();
}

static void
self_first(void *arg)
{
	cr_assert_eq(gd_loop_invoke(gd_loop_current(), self_second, NULL), 0);
	/* never inline: self_second has not run yet */
	if (!atomic_load(&inline_ran))
		atomic_store(&self_seen, 1);
}

Test(loop, invoke_from_own_thread_is_not_inline, .timeout = 10)
{
	start(1, NULL, NULL);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), self_first, NULL), 0);
	cr_assert(wait_done(1));
	cr_assert_eq(atomic_load(&self_seen), 1);
	gd_loops_join();
}

/* Accepted invokes run before fini, even when queued right before join. */
static atomic_uint ran_before_fini, ran_total;

static void
count_call(void *arg)
{
	atomic_fetch_add(&ran_total, 1);
}

static void
check_fini(struct gd_loop *loop)
{
	atomic_store(&ran_before_fini, atomic_load(&ran_total));
}

Test(loop, queued_invokes_run_before_fini, .timeout = 10)
{
	unsigned i;

	start(1, NULL, check_fini);
	for (i = 0; i < 500; i++)
		cr_assert_eq(gd_loop_invoke(gd_loop_get(0), count_call, NULL),
		    0);
	gd_loops_join();
	cr_assert_eq(atomic_load(&ran_total), 500);
	cr_assert_eq(atomic_load(&ran_before_fini), 500);
}

static atomic_int invoke_in_fini = 1;

static void
invoke_from_fini(struct gd_loop *loop)
{
	atomic_store(&invoke_in_fini, gd_loop_invoke(loop, count_call, NULL));
}

Test(loop, invoke_after_stop_fails, .timeout = 10)
{
	start(1, NULL, invoke_from_fini);
	gd_loops_join();
	cr_assert_eq(atomic_load(&invoke_in_fini), -1);
	cr_assert_eq(atomic_load(&ran_total), 0);
}

/* ---- defer ------------------------------------------------------------ */

static atomic_uint defer_step;

static void
deferred(void *arg)
{
	/* runs after the callback that deferred it returned */
	if (atomic_load(&defer_step) == 2)
		atomic_store(&defer_step, 3);
	signal_done();
}

static void
defer_from_callback(void *arg)
{
	atomic_store(&defer_step, 1);
	gd_loop_defer(gd_loop_current(), deferred, NULL);
	atomic_store(&defer_step, 2);
}

Test(loop, defer_runs_after_current_callback, .timeout = 10)
{
	start(1, NULL, NULL);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), defer_from_callback,
	    NULL), 0);
	cr_assert(wait_done(1));
	cr_assert_eq(atomic_load(&defer_step), 3);
	gd_loops_join();
}

/* A chain of calls each deferring the next, longer than the rounds run
 * per iteration, on a loop with nothing else to do: it must not stall
 * (it did: the loop went to sleep with calls still queued). */
static atomic_uint defer_chain;

static void
defer_chain_step(void *arg)
{
	(void)arg;
	if (atomic_fetch_add(&defer_chain, 1) + 1 < 1000)
		gd_loop_defer(gd_loop_current(), defer_chain_step, NULL);
	else
		signal_done();
}

static void
defer_chain_start(void *arg)
{
	gd_loop_defer(gd_loop_current(), defer_chain_step, arg);
}

Test(loop, long_defer_chain_never_stalls, .timeout = 10)
{
	start(1, NULL, NULL);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), defer_chain_start,
	    NULL), 0);
	cr_assert(wait_done(1), "stalled after %u calls",
	    atomic_load(&defer_chain));
	cr_assert_eq(atomic_load(&defer_chain), 1000);
	gd_loops_join();
}

/* ---- blocking pool ---------------------------------------------------- */

#define N_WORK 64

struct job {
	struct gd_loop *submitter;
	bool work_off_loop;
	bool done_on_submitter;
	bool worked;
};

static struct job jobs[N_WORK];

static void
job_work(void *arg)
{
	struct job *j = arg;

	j->work_off_loop = gd_loop_current() == NULL;
	usleep(1000);
	j->worked = true;
}

static void
job_done(void *arg)
{
	struct job *j = arg;

	j->done_on_submitter = gd_loop_current() == j->submitter &&
	    j->worked;
	signal_done();
}

static void
submit_jobs(void *arg)
{
	unsigned i, first = (unsigned)(uintptr_t)arg;

	for (i = first; i < N_WORK; i += 2) {
		jobs[i].submitter = gd_loop_current();
		cr_assert_eq(gd_work_submit(gd_loop_current(), job_work,
		    job_done, &jobs[i]), 0);
	}
}

Test(loop, work_completes_on_submitting_loop, .timeout = 10)
{
	unsigned i;

	start(2, NULL, NULL);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), submit_jobs,
	    (void *)(uintptr_t)0), 0);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(1), submit_jobs,
	    (void *)(uintptr_t)1), 0);
	cr_assert(wait_done(N_WORK));
	for (i = 0; i < N_WORK; i++) {
		cr_assert(jobs[i].work_off_loop, "job %u", i);
		cr_assert(jobs[i].done_on_submitter, "job %u", i);
		cr_assert_eq(gd_loop_index(jobs[i].submitter), i % 2);
	}
	gd_loops_join();
	cr_assert_eq(gd_work_submit(NULL, job_work, NULL, &jobs[0]), -1);
}

static atomic_uint slow_done;

static void
slow_work(void *arg)
{
	usleep(20000);
}

static void
slow_done_fn(void *arg)
{
	atomic_fetch_add(&slow_done, 1);
}

Test(loop, join_delivers_pending_work, .timeout = 10)
{
	unsigned i;

	start(1, NULL, NULL);
	for (i = 0; i < 8; i++)
		cr_assert_eq(gd_work_submit(gd_loop_get(0), slow_work,
		    slow_done_fn, NULL), 0);
	gd_loops_join();
	cr_assert_eq(atomic_load(&slow_done), 8);
}

/* ---- drain ------------------------------------------------------------ */

static atomic_uint drain_calls;
static atomic_bool drain_off_loop;

static void
on_drain(void *arg)
{
	if (gd_loop_current() != arg)
		atomic_store(&drain_off_loop, true);
	atomic_fetch_add(&drain_calls, 1);
}

static int
register_drain(struct gd_loop *loop, const char **error_r)
{
	void *h;

	gd_loop_drain_register(loop, on_drain, loop);
	/* an unregistered callback never runs */
	h = gd_loop_drain_register(loop, on_drain, NULL);
	gd_loop_drain_unregister(loop, h);
	return 0;
}

Test(loop, drain_without_connections_finishes, .timeout = 10)
{
	uint64_t t0;

	start(2, register_drain, NULL);
	t0 = gd_now_ms();
	gd_loops_drain(60000);
	cr_assert(gd_loop_draining());
	gd_loops_join();
	/* nowhere near the grace period */
	cr_assert_lt(gd_now_ms() - t0, 3000);
	cr_assert_eq(atomic_load(&drain_calls), 2);
	cr_assert_not(atomic_load(&drain_off_loop));
}

static void
fake_conn_open(void *arg)
{
	gd_loop_conn_inc(gd_loop_current());
	signal_done();
}

Test(loop, drain_grace_expires, .timeout = 10)
{
	uint64_t t0;

	start(1, NULL, NULL);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), fake_conn_open, NULL), 0);
	cr_assert(wait_done(1));
	cr_assert_eq(gd_loop_conn_count(gd_loop_get(0)), 1);
	t0 = gd_now_ms();
	gd_loops_drain(200);
	gd_loops_join();
	cr_assert_geq(gd_now_ms() - t0, 150);
	cr_assert_lt(gd_now_ms() - t0, 3000);
}

static void
close_on_drain(void *arg)
{
	gd_loop_conn_dec(arg);
}

static int
open_conn_init(struct gd_loop *loop, const char **error_r)
{
	gd_loop_conn_inc(loop);
	gd_loop_drain_register(loop, close_on_drain, loop);
	return 0;
}

Test(loop, drain_ends_when_last_connection_closes, .timeout = 10)
{
	uint64_t t0;

	start(2, open_conn_init, NULL);
	t0 = gd_now_ms();
	gd_loops_drain(60000);
	gd_loops_join();
	cr_assert_lt(gd_now_ms() - t0, 3000);
}

/* ---- listeners: the conn side, stubbed ---------------------------------- */

/*
 * These stand in for conn.c: the test links the static core library, and
 * objects given on the command line win over archive members, so conn.o
 * is never pulled in.
 */
const struct gd_config_key gd_conn_listener_keys[] = {
	{ "protocol", GD_CONFIG_KEY_STRING, NULL, 0, 0, "stub" },
	{ "tls", GD_CONFIG_KEY_STRING, NULL, 0, 0, "stub" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static int stub_params;
static atomic_uint accepted;
static atomic_uint accepted_on[4];
static atomic_uint accepted_nodelay;	/* TCP, TCP_NODELAY set */
static atomic_bool hold_conns;

struct held {
	int fd;
	gd_conn_closed_fn *on_close;
	void *arg;
};

static struct held held[16];
static atomic_uint n_held;

int
gd_conn_params_parse(const struct gd_config_node *listener,
    struct gd_pool *pool, struct gd_conn_params **params_r,
    const char **error_r)
{
	*params_r = (struct gd_conn_params *)&stub_params;
	return 0;
}

/* The `sasl:` reload hooks (conn-params.c): no listener here has any. */
int
gd_conn_params_check_sasl(const struct gd_config_node *listener,
    const struct gd_conn_params *params,
    const struct gd_sasl_settings **new_r, const char **error_r)
{
	*new_r = NULL;
	return 0;
}

void
gd_conn_params_swap_sasl(const struct gd_conn_params *params,
    const struct gd_sasl_settings *settings)
{
}

static bool
tcp_nodelay(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0 &&
	    on != 0;
}

void
gd_conn_accept(struct gd_loop *loop, int fd, const struct sockaddr *peer,
    socklen_t peer_len, const struct sockaddr *local, socklen_t local_len,
    const char *listener_name, const struct gd_conn_params *params,
    gd_conn_closed_fn *on_close, void *close_arg)
{
	unsigned i;

	cr_assert_eq(gd_loop_current(), loop);
	cr_assert_eq((const void *)params, (const void *)&stub_params);
	atomic_fetch_add(&accepted, 1);
	atomic_fetch_add(&accepted_on[gd_loop_index(loop) % 4], 1);
	if (peer->sa_family != AF_UNIX && tcp_nodelay(fd))
		atomic_fetch_add(&accepted_nodelay, 1);
	if (write(fd, "hi\n", 3) != 3)
		cr_log_warn("write failed");
	if (atomic_load(&hold_conns)) {
		i = atomic_fetch_add(&n_held, 1);
		cr_assert_lt(i, GD_N_ELEMENTS(held));
		held[i].fd = fd;
		held[i].on_close = on_close;
		held[i].arg = close_arg;
		return;
	}
	close(fd);
	on_close(close_arg);
}

/* Loop thread: close held connection `i`. */
static void
release_held(void *arg)
{
	struct held *h = &held[(uintptr_t)arg];

	close(h->fd);
	h->on_close(h->arg);
	signal_done();
}

static int
listener_init(struct gd_loop *loop, const char **error_r)
{
	return gd_listeners_thread_start(loop, error_r);
}

static void
listener_fini(struct gd_loop *loop)
{
	gd_listeners_thread_stop(loop);
}

static struct gd_config *
load(const char *text)
{
	struct gd_config *cfg;
	char *error = NULL;

	cfg = gd_config_load_string("test.yaml", text, strlen(text), &error);
	cr_assert_not_null(cfg, "%s", error);
	return cfg;
}

/* Configure `text`, expecting an error that contains `expect`. */
static void
configure_fails(const char *text, const char *expect)
{
	struct gd_config *cfg = load(text);
	const char *error = NULL;

	cr_assert_eq(gd_listeners_configure(gd_config_root(cfg), &error), -1,
	    "%s", text);
	cr_assert_not_null(strstr(error, expect), "got '%s', want '%s'",
	    error, expect);
	gd_config_free(&cfg);
}

Test(listener, config_errors_name_file_and_line)
{
	configure_fails("listeners:\n"
	    "  - name: a\n"
	    "    address: \"127.0.0.1:0\"\n"
	    "    bakclog: 5\n", "test.yaml:4: key 'bakclog'");
	configure_fails("listeners:\n"
	    "  - name: a\n"
	    "    address: \"127.0.0.1\"\n", "test.yaml:3: key 'address'");
	configure_fails("listeners:\n"
	    "  - name: a\n"
	    "    address: \"[::1:25\"\n", "test.yaml:3");
	configure_fails("listeners:\n"
	    "  - name: a\n"
	    "    address: \"127.0.0.1:70000\"\n", "test.yaml:3");
	configure_fails("listeners:\n"
	    "  - name: a\n"
	    "    address: \"127.0.0.1:25\"\n"
	    "    allow:\n"
	    "      - 10.0.0.0/8\n"
	    "      - 10.0.0.0/40\n", "test.yaml:6:");
	configure_fails("listeners:\n"
	    "  - name: a\n"
	    "    address: \"127.0.0.1:25\"\n"
	    "    rate: {connections: 5, windw: 1s}\n", "'windw'");
	configure_fails("listeners:\n"
	    "  - name: a\n"
	    "    address: \"127.0.0.1:25\"\n"
	    "  - name: a\n"
	    "    address: \"127.0.0.1:26\"\n", "duplicate listener name");
	configure_fails("listeners:\n"
	    "  - address: \"127.0.0.1:25\"\n", "without a name");
	configure_fails("listeners: 5\n", "expected a list");
	configure_fails("listeners:\n"
	    "  - name: e\n"
	    "    address: \"unix:\"\n", "or \"unix:PATH\", got 'unix:'");
}

Test(listener, config_accepts_conn_keys_and_all_forms)
{
	struct gd_config *cfg = load("listeners:\n"
	    "  - name: a\n"
	    "    address: \"127.0.0.1:25\"\n"
	    "    protocol: echo\n"
	    "    tls: none\n"
	    "    backlog: 16\n"
	    "    max-connections: 10\n"
	    "    max-connections-per-ip: 2\n"
	    "    rate: {connections: 5, window: 10s}\n"
	    "    allow: [10.0.0.0/8, \"2001:db8::/32\"]\n"
	    "    deny: 10.1.0.0/16\n"
	    "  - name: b\n"
	    "    address: \"[::1]:25\"\n"
	    "  - name: c\n"
	    "    address: \"unix:/tmp/x.sock\"\n"
	    "  - name: d\n"
	    "    address: \"unix:run/relative.sock\"\n");
	const char *error = NULL;

	cr_assert_eq(gd_listeners_configure(gd_config_root(cfg), &error), 0,
	    "%s", error);
	gd_listeners_close();
	gd_config_free(&cfg);
}

/* Connect to `ss`, read until EOF or 3 bytes; returns bytes read. */
static ssize_t
talk(const struct sockaddr_storage *ss, socklen_t len, char *buf,
    int *fd_r)
{
	struct timeval tv = { 5, 0 };
	ssize_t n, got = 0;
	int fd;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cr_assert_eq(connect(fd, (const struct sockaddr *)ss, len), 0,
	    "connect: %s", strerror(errno));
	while (got < 3) {
		n = read(fd, buf + got, 3 - got);
		cr_assert_geq(n, 0, "read: %s", strerror(errno));
		if (n == 0)
			break;
		got += n;
	}
	if (fd_r != NULL)
		*fd_r = fd;
	else
		close(fd);
	return got;
}

static struct gd_config *
serve(const char *text, unsigned workers)
{
	struct gd_config *cfg = load(text);
	const char *error = NULL;

	cr_assert_eq(gd_listeners_configure(gd_config_root(cfg), &error), 0,
	    "%s", error);
	cr_assert_eq(gd_listeners_open(&error), 0, "%s", error);
	start(workers, listener_init, listener_fini);
	return cfg;
}

static void
unserve(struct gd_config **cfg)
{
	gd_loops_drain(1000);
	gd_loops_join();
	gd_listeners_close();
	gd_config_free(cfg);
}

Test(listener, tcp_accepts_on_every_worker, .timeout = 20)
{
	struct gd_config *cfg = serve("listeners:\n"
	    "  - name: t\n"
	    "    address: \"127.0.0.1:0\"\n", 2);
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[4];
	int i;

	cr_assert_eq(gd_listeners_local_addr("t", &ss, &len), 0);
	cr_assert_neq(((struct sockaddr_in *)&ss)->sin_port, 0);
	for (i = 0; i < 20; i++) {
		cr_assert_eq(talk(&ss, len, buf, NULL), 3);
		cr_assert_eq(memcmp(buf, "hi\n", 3), 0);
	}
	cr_assert_eq(atomic_load(&accepted), 20);
	/* replies leave whole: Nagle would only hold a second send back */
	cr_assert_eq(atomic_load(&accepted_nodelay), 20);
	/* one SO_REUSEPORT socket per worker: the kernel spreads them */
	cr_assert_gt(atomic_load(&accepted_on[0]), 0);
	cr_assert_gt(atomic_load(&accepted_on[1]), 0);
	unserve(&cfg);
}

Test(listener, tcp_v6, .timeout = 20)
{
	struct gd_config *cfg;
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[4];
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 probe = { .sin6_family = AF_INET6,
	    .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	/* skip quietly where the sandbox has no ::1 */
	if (fd < 0 || bind(fd, (struct sockaddr *)&probe,
	    sizeof(probe)) < 0) {
		if (fd >= 0)
			close(fd);
		cr_skip_test("no IPv6 loopback");
	}
	close(fd);
	cfg = serve("listeners:\n"
	    "  - name: six\n"
	    "    address: \"[::1]:0\"\n", 1);
	cr_assert_eq(gd_listeners_local_addr("six", &ss, &len), 0);
	cr_assert_eq(talk(&ss, len, buf, NULL), 3);
	unserve(&cfg);
}

Test(listener, deny_refuses_before_any_byte, .timeout = 20)
{
	struct gd_config *cfg = serve("listeners:\n"
	    "  - name: t\n"
	    "    address: \"127.0.0.1:0\"\n"
	    "    deny: [127.0.0.0/8]\n", 1);
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[4];

	cr_assert_eq(gd_listeners_local_addr("t", &ss, &len), 0);
	cr_assert_eq(talk(&ss, len, buf, NULL), 0);
	cr_assert_eq(atomic_load(&accepted), 0);
	unserve(&cfg);
}

Test(listener, max_connections_and_release, .timeout = 20)
{
	struct gd_config *cfg;
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[4];
	int fd;

	atomic_store(&hold_conns, true);
	cfg = serve("listeners:\n"
	    "  - name: t\n"
	    "    address: \"127.0.0.1:0\"\n"
	    "    max-connections: 1\n", 1);
	cr_assert_eq(gd_listeners_local_addr("t", &ss, &len), 0);
	cr_assert_eq(talk(&ss, len, buf, &fd), 3);
	/* the second is refused: EOF without a greeting */
	cr_assert_eq(talk(&ss, len, buf, NULL), 0);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), release_held,
	    (void *)(uintptr_t)0), 0);
	cr_assert(wait_done(1));
	close(fd);
	cr_assert_eq(talk(&ss, len, buf, NULL), 3);
	cr_assert_eq(atomic_load(&accepted), 2);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), release_held,
	    (void *)(uintptr_t)1), 0);
	cr_assert(wait_done(2));
	unserve(&cfg);
}

Test(listener, reload_policy_applies_to_new_connections, .timeout = 20)
{
	struct gd_config *cfg = serve("listeners:\n"
	    "  - name: t\n"
	    "    address: \"127.0.0.1:0\"\n", 1);
	struct gd_config *cfg2 = load("listeners:\n"
	    "  - name: t\n"
	    "    address: \"127.0.0.1:0\"\n"
	    "    allow: 10.0.0.0/8\n");
	struct gd_config *bad = load("listeners:\n"
	    "  - name: t\n"
	    "    address: \"127.0.0.1:0\"\n"
	    "    deny: 10.0.0.0/99\n");
	struct sockaddr_storage ss;
	const char *error = NULL;
	socklen_t len;
	char buf[4];

	cr_assert_eq(gd_listeners_local_addr("t", &ss, &len), 0);
	cr_assert_eq(talk(&ss, len, buf, NULL), 3);
	cr_assert_eq(gd_listeners_reload_policy(gd_config_root(bad), &error),
	    -1);
	cr_assert_not_null(strstr(error, "test.yaml:4"), "%s", error);
	cr_assert_eq(talk(&ss, len, buf, NULL), 3);
	cr_assert_eq(gd_listeners_reload_policy(gd_config_root(cfg2),
	    &error), 0, "%s", error);
	cr_assert_eq(talk(&ss, len, buf, NULL), 0);
	cr_assert_eq(atomic_load(&accepted), 2);
	gd_config_free(&bad);
	gd_config_free(&cfg2);
	unserve(&cfg);
}

Test(listener, unix_socket, .timeout = 20)
{
	char dir[] = "/tmp/gd-test-XXXXXX", text[256], buf[4];
	struct sockaddr_storage ss;
	struct gd_config *cfg;
	struct stat st;
	socklen_t len;
	int fd;

	cr_assert_not_null(mkdtemp(dir));
	/* a stale socket file from a dead server is replaced */
	snprintf(text, sizeof(text), "%s/sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	strcpy(((struct sockaddr_un *)&ss)->sun_path, text);
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, sizeof(struct
	    sockaddr_un)), 0);
	close(fd);
	snprintf(text, sizeof(text), "listeners:\n"
	    "  - name: u\n"
	    "    address: \"unix:%s/sock\"\n"
	    "    allow: 10.0.0.0/8\n", dir);
	cfg = serve(text, 2);
	cr_assert_eq(gd_listeners_local_addr("u", &ss, &len), 0);
	cr_assert_eq(stat(((struct sockaddr_un *)&ss)->sun_path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0666);
	/* UNIX peers are local: IP allow lists do not apply */
	cr_assert_eq(talk(&ss, len, buf, NULL), 3);
	cr_assert_eq(talk(&ss, len, buf, NULL), 3);
	unserve(&cfg);
	cr_assert_neq(stat(((struct sockaddr_un *)&ss)->sun_path, &st), 0);
	rmdir(dir);
}

Test(listener, bind_conflict_is_reported, .timeout = 20)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct gd_config *cfg;
	socklen_t len = sizeof(sin);
	const char *error = NULL;
	char text[256];
	int fd;

	/* a socket without SO_REUSEPORT holds the port */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	snprintf(text, sizeof(text), "listeners:\n"
	    "  - name: busy\n"
	    "    address: \"127.0.0.1:%u\"\n", ntohs(sin.sin_port));
	cfg = load(text);
	cr_assert_eq(gd_listeners_configure(gd_config_root(cfg), &error), 0);
	cr_assert_eq(gd_listeners_open(&error), -1);
	cr_assert_not_null(strstr(error, "listener 'busy'"), "%s", error);
	gd_listeners_close();
	gd_config_free(&cfg);
	close(fd);
}

Test(listener, out_of_descriptors_pauses_then_resumes, .timeout = 20)
{
	const char *preload = getenv("LD_PRELOAD");
	struct gd_config *cfg;
	struct timeval short_tv = { 0, 200000 }, long_tv = { 5, 0 };
	struct rlimit rl = { 128, 128 }, old;
	struct sockaddr_storage ss;
	int fillers[128], nfill = 0, fd, i;
	socklen_t len;
	char buf[4];

	/* valgrind virtualises the descriptor limit */
	if (preload != NULL && strstr(preload, "valgrind") != NULL)
		cr_skip_test("descriptor limits differ under valgrind");
	cfg = serve("listeners:\n"
	    "  - name: t\n"
	    "    address: \"127.0.0.1:0\"\n", 1);
	cr_assert_eq(gd_listeners_local_addr("t", &ss, &len), 0);
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl.rlim_max = old.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (nfill < 128 && (fd = dup(0)) >= 0)
		fillers[nfill++] = fd;
	cr_assert_eq(errno, EMFILE);
	cr_assert_gt(nfill, 0);
	/* room for exactly the client's own socket */
	close(fillers[--nfill]);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &short_tv, sizeof(short_tv));
	/* the server cannot accept: no greeting */
	cr_assert_lt(read(fd, buf, 3), 0);
	for (i = 0; i < nfill; i++)
		close(fillers[i]);
	setrlimit(RLIMIT_NOFILE, &old);
	/* after the pause the listener accepts again */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &long_tv, sizeof(long_tv));
	cr_assert_eq(read(fd, buf, 3), 3);
	close(fd);
	cr_assert_eq(atomic_load(&accepted), 1);
	unserve(&cfg);
}

static atomic_uint late_calls;

static void
late_cb(void *arg)
{
	atomic_fetch_add(&late_calls, 1);
}

static void
register_late(void *arg)
{
	gd_loop_drain_register(gd_loop_current(), late_cb, NULL);
}

static void
drain_registers_more(void *arg)
{
	gd_loop_drain_register(arg, late_cb, NULL);
	/* a connection that is still open keeps the loop draining */
	if (gd_loop_conn_count(arg) == 0)
		gd_loop_conn_inc(arg);
}

static int
register_chain(struct gd_loop *loop, const char **error_r)
{
	gd_loop_drain_register(loop, drain_registers_more, loop);
	return 0;
}

static void
close_fake(void *arg)
{
	gd_loop_conn_dec(gd_loop_current());
	signal_done();
}

Test(loop, late_drain_registration_runs_once, .timeout = 10)
{
	start(1, register_chain, NULL);
	gd_loops_drain(5000);
	/* registered from an invoke after the drain began */
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), register_late, NULL), 0);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), close_fake, NULL), 0);
	cr_assert(wait_done(1));
	gd_loops_join();
	cr_assert_eq(atomic_load(&late_calls), 2);
}
