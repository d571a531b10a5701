/*
 * loop.c — worker threads, each running one libev loop, with a locked
 * FIFO of cross-thread invocations woken through ev_async, deferred
 * callbacks run before the loop next polls, and drain handling.
 */
#include "config.h"

#include <ev.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/log.h>

#include "log-private.h"
#include "loop-private.h"

#define GD_LOOP_MAGIC		0x4c4f4f50u	/* "LOOP" */
#define GD_LOOP_DEFER_ROUNDS	16

struct gd_loop_call {
	struct gd_loop_call *next;
	gd_loop_fn *fn;
	void *arg;
};

struct gd_loop_drain {
	struct gd_loop_drain *prev, *next;
	gd_loop_fn *fn;		/* NULL: unregistered during a drain run */
	void *arg;
	bool ran;
};

struct gd_loop {
	uint32_t magic;
	unsigned index;
	struct ev_loop *ev;
	pthread_t thread;
	ev_async async;
	ev_prepare prepare;
	ev_idle idle;		/* keeps the loop from blocking on defers */
	ev_timer grace_timer;

	/* Protected by `lock`: the invoke queue and the stopped flag. */
	pthread_mutex_t lock;
	struct gd_loop_call *queue_head, **queue_tail;
	bool stopped;

	/* Loop thread only. */
	struct gd_loop_call *defer_head, **defer_tail;
	struct gd_loop_drain *drain_head, *drain_tail;
	bool in_drain_run;
	bool draining;
	bool drain_done;
	bool quit;
	uint64_t grace_ms;	/* written before the drain invoke */
	atomic_uint conns;
	struct gd_watch_loop *watch;	/* watch.c, created on first use */

	/* Protected by gd_loops.lock. */
	int init_state;		/* 0 pending, 1 ok, -1 failed */
	const char *init_error;
	bool drained;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct gd_loop **loops;
	unsigned count;
	gd_loop_thread_init_fn *init;
	gd_loop_thread_fini_fn *fini;
	int go;			/* 0 wait, 1 serve, -1 abort start-up */
	bool drain_called;
	atomic_bool draining;
} gd_loops = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static __thread struct gd_loop *gd_loop_tls;

static void gd_loop_async_cb(struct ev_loop *ev, ev_async *w, int revents);
static void gd_loop_prepare_cb(struct ev_loop *ev, ev_prepare *w,
    int revents);
static void gd_loop_grace_cb(struct ev_loop *ev, ev_timer *w, int revents);
static void gd_loop_drain_finished(struct gd_loop *loop);
static void gd_loop_run_drains(struct gd_loop *loop);
static void gd_loop_run_drains_cb(void *arg);

/* ---- public accessors ------------------------------------------------ */

struct gd_watch_loop **
gd_loop_watch_slot(struct gd_loop *loop)
{
	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	return &loop->watch;
}

struct ev_loop *
gd_loop_ev(struct gd_loop *loop)
{
	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	return loop->ev;
}

unsigned
gd_loop_index(const struct gd_loop *loop)
{
	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	return loop->index;
}

unsigned
gd_loop_count(void)
{
	return gd_loops.count;
}

struct gd_loop *
gd_loop_get(unsigned i)
{
	assert(i < gd_loops.count);
	return gd_loops.loops[i];
}

struct gd_loop *
gd_loop_current(void)
{
	return gd_loop_tls;
}

bool
gd_loop_draining(void)
{
	return atomic_load(&gd_loops.draining);
}

/* ---- invoke and defer ------------------------------------------------ */

int
gd_loop_invoke(struct gd_loop *loop, gd_loop_fn *fn, void *arg)
{
	struct gd_loop_call *call;

	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	call = gd_xmalloc(sizeof(*call));
	call->next = NULL;
	call->fn = fn;
	call->arg = arg;
	pthread_mutex_lock(&loop->lock);
	if (loop->stopped) {
		pthread_mutex_unlock(&loop->lock);
		free(call);
		return -1;
	}
	*loop->queue_tail = call;
	loop->queue_tail = &call->next;
	/* Sending under the lock keeps the loop alive until the send. */
	ev_async_send(loop->ev, &loop->async);
	pthread_mutex_unlock(&loop->lock);
	return 0;
}

/* Detach and return the whole invoke queue. */
static struct gd_loop_call *
gd_loop_take_queue(struct gd_loop *loop, bool stop)
{
	struct gd_loop_call *head;

	pthread_mutex_lock(&loop->lock);
	head = loop->queue_head;
	loop->queue_head = NULL;
	loop->queue_tail = &loop->queue_head;
	if (stop)
		loop->stopped = true;
	pthread_mutex_unlock(&loop->lock);
	return head;
}

static void
gd_loop_run_calls(struct gd_loop_call *call)
{
	struct gd_loop_call *next;

	for (; call != NULL; call = next) {
		next = call->next;
		call->fn(call->arg);
		free(call);
	}
}

static void
gd_loop_async_cb(struct ev_loop *ev, ev_async *w, int revents)
{
	struct gd_loop *loop = w->data;

	gd_loop_run_calls(gd_loop_take_queue(loop, false));
}

void
gd_loop_defer(struct gd_loop *loop, gd_loop_fn *fn, void *arg)
{
	struct gd_loop_call *call;

	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	assert(gd_loop_tls == loop);
	call = gd_xmalloc(sizeof(*call));
	call->next = NULL;
	call->fn = fn;
	call->arg = arg;
	*loop->defer_tail = call;
	loop->defer_tail = &call->next;
	/* The call may come after this iteration's prepare ran (from an
	 * event fed by a deferred call): the next wait must not block. */
	ev_idle_start(loop->ev, &loop->idle);
}

/* Run deferred calls, including those they defer, a bounded number of
 * rounds (the rest waits for the next iteration). */
static void
gd_loop_run_defers(struct gd_loop *loop, unsigned max_rounds)
{
	struct gd_loop_call *head;
	unsigned round;

	for (round = 0; round < max_rounds && loop->defer_head != NULL;
	    round++) {
		head = loop->defer_head;
		loop->defer_head = NULL;
		loop->defer_tail = &loop->defer_head;
		gd_loop_run_calls(head);
	}
}

static void
gd_loop_idle_cb(struct ev_loop *ev, ev_idle *w, int revents)
{
	struct gd_loop *loop = w->data;

	(void)revents;
	if (loop->defer_head == NULL)
		ev_idle_stop(ev, w);
}

/*
 * Calls left after the bounded rounds run before the next wait: an
 * active idle watcher (started by gd_loop_defer) makes that wait a poll,
 * so a chain of calls that defer each other never stalls on an otherwise
 * quiet loop.  Then the iteration's held log lines are written.
 */
static void
gd_loop_prepare_cb(struct ev_loop *ev, ev_prepare *w, int revents)
{
	struct gd_loop *loop = w->data;

	(void)revents;
	gd_loop_run_defers(loop, GD_LOOP_DEFER_ROUNDS);
	if (loop->defer_head == NULL)
		ev_idle_stop(ev, &loop->idle);
	gd_log_hold_flush();
}

/* ---- drain ----------------------------------------------------------- */

void *
gd_loop_drain_register(struct gd_loop *loop, gd_loop_fn *fn, void *arg)
{
	struct gd_loop_drain *d;

	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	d = gd_xcalloc(1, sizeof(*d));
	d->fn = fn;
	d->arg = arg;
	d->prev = loop->drain_tail;
	if (loop->drain_tail != NULL)
		loop->drain_tail->next = d;
	else
		loop->drain_head = d;
	loop->drain_tail = d;
	/* Registered too late to be told by the drain: tell it soon. */
	if (loop->draining)
		gd_loop_defer(loop, gd_loop_run_drains_cb, loop);
	return d;
}

static void
gd_loop_drain_unlink(struct gd_loop *loop, struct gd_loop_drain *d)
{
	if (d->prev != NULL)
		d->prev->next = d->next;
	else
		loop->drain_head = d->next;
	if (d->next != NULL)
		d->next->prev = d->prev;
	else
		loop->drain_tail = d->prev;
	free(d);
}

void
gd_loop_drain_unregister(struct gd_loop *loop, void *handle)
{
	struct gd_loop_drain *d = handle;

	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	if (d == NULL)
		return;
	if (loop->in_drain_run)
		d->fn = NULL;
	else
		gd_loop_drain_unlink(loop, d);
}

/* Run every drain callback once; callbacks may (un)register freely. */
static void
gd_loop_run_drains(struct gd_loop *loop)
{
	struct gd_loop_drain *d, *next;

	loop->in_drain_run = true;
	for (d = loop->drain_head; d != NULL; d = d->next) {
		if (d->fn != NULL && !d->ran) {
			d->ran = true;
			d->fn(d->arg);
		}
	}
	loop->in_drain_run = false;
	for (d = loop->drain_head; d != NULL; d = next) {
		next = d->next;
		if (d->fn == NULL)
			gd_loop_drain_unlink(loop, d);
	}
}

static void
gd_loop_run_drains_cb(void *arg)
{
	gd_loop_run_drains(arg);
}

static void
gd_loop_drain_start(void *arg)
{
	struct gd_loop *loop = arg;

	loop->draining = true;
	gd_loop_run_drains(loop);
	if (atomic_load(&loop->conns) == 0) {
		gd_loop_drain_finished(loop);
		return;
	}
	ev_timer_init(&loop->grace_timer, gd_loop_grace_cb,
	    (double)loop->grace_ms / 1000.0, 0.0);
	loop->grace_timer.data = loop;
	ev_timer_start(loop->ev, &loop->grace_timer);
}

static void
gd_loop_grace_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct gd_loop *loop = w->data;

	gd_log(GD_LOG_NOTICE, "loop.drain", "loop=%u connections=%u "
	    "reason=\"grace period expired\"", loop->index,
	    atomic_load(&loop->conns));
	gd_loop_drain_finished(loop);
}

/* This loop has stopped serving: tell gd_loops_join(). */
static void
gd_loop_drain_finished(struct gd_loop *loop)
{
	if (loop->drain_done)
		return;
	loop->drain_done = true;
	ev_timer_stop(loop->ev, &loop->grace_timer);
	ev_break(loop->ev, EVBREAK_ALL);
	pthread_mutex_lock(&gd_loops.lock);
	loop->drained = true;
	pthread_cond_broadcast(&gd_loops.cond);
	pthread_mutex_unlock(&gd_loops.lock);
}

void
gd_loop_conn_inc(struct gd_loop *loop)
{
	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	atomic_fetch_add(&loop->conns, 1);
}

void
gd_loop_conn_dec(struct gd_loop *loop)
{
	unsigned before;

	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	before = atomic_fetch_sub(&loop->conns, 1);
	assert(before > 0);
	if (before == 1 && loop->draining && gd_loop_tls == loop)
		gd_loop_drain_finished(loop);
}

unsigned
gd_loop_conn_count(const struct gd_loop *loop)
{
	GD_CHECK_MAGIC(loop, GD_LOOP_MAGIC);
	return atomic_load(&loop->conns);
}

/* ---- worker threads -------------------------------------------------- */

static struct gd_loop *
gd_loop_create(unsigned index, const char **error_r)
{
	struct gd_loop *loop;
	struct ev_loop *ev;

	ev = ev_loop_new(EVFLAG_AUTO);
	if (ev == NULL) {
		*error_r = "cannot create an event loop";
		return NULL;
	}
	loop = gd_xcalloc(1, sizeof(*loop));
	loop->magic = GD_LOOP_MAGIC;
	loop->index = index;
	loop->ev = ev;
	pthread_mutex_init(&loop->lock, NULL);
	loop->queue_tail = &loop->queue_head;
	loop->defer_tail = &loop->defer_head;
	ev_async_init(&loop->async, gd_loop_async_cb);
	loop->async.data = loop;
	ev_async_start(ev, &loop->async);
	ev_prepare_init(&loop->prepare, gd_loop_prepare_cb);
	loop->prepare.data = loop;
	ev_prepare_start(ev, &loop->prepare);
	ev_idle_init(&loop->idle, gd_loop_idle_cb);
	loop->idle.data = loop;
	ev_timer_init(&loop->grace_timer, gd_loop_grace_cb, 0.0, 0.0);
	return loop;
}

static void
gd_loop_free(struct gd_loop **loopp)
{
	struct gd_loop *loop = *loopp;

	if (loop == NULL)
		return;
	while (loop->drain_head != NULL)
		gd_loop_drain_unlink(loop, loop->drain_head);
	gd_watch_loop_free(&loop->watch);
	ev_loop_destroy(loop->ev);
	pthread_mutex_destroy(&loop->lock);
	loop->magic = 0;
	free(loop);
	*loopp = NULL;
}

/* Stop accepting invokes, run the ones already accepted, then fini. */
static void
gd_loop_finish(struct gd_loop *loop, bool run_fini)
{
	gd_loop_run_calls(gd_loop_take_queue(loop, true));
	gd_loop_run_defers(loop, UINT32_MAX);
	if (run_fini && gd_loops.fini != NULL)
		gd_loops.fini(loop);
	gd_loop_run_defers(loop, UINT32_MAX);
	ev_prepare_stop(loop->ev, &loop->prepare);
	ev_idle_stop(loop->ev, &loop->idle);
	ev_async_stop(loop->ev, &loop->async);
	ev_timer_stop(loop->ev, &loop->grace_timer);
	gd_loop_tls = NULL;
}

static void *
gd_loop_thread(void *arg)
{
	struct gd_loop *loop = arg;
	const char *error = NULL;
	int ret = 0, go;

	gd_loop_tls = loop;
	if (gd_loops.init != NULL)
		ret = gd_loops.init(loop, &error);
	pthread_mutex_lock(&gd_loops.lock);
	loop->init_state = ret == 0 ? 1 : -1;
	loop->init_error = error != NULL ? error : "thread init failed";
	pthread_cond_broadcast(&gd_loops.cond);
	while (gd_loops.go == 0)
		pthread_cond_wait(&gd_loops.cond, &gd_loops.lock);
	go = gd_loops.go;
	pthread_mutex_unlock(&gd_loops.lock);
	if (ret == 0 && go > 0) {
		gd_log_hold_start();
		while (!loop->quit)
			ev_run(loop->ev, 0);
	}
	gd_loop_finish(loop, ret == 0);
	gd_log_hold_stop();
	return NULL;
}

static void
gd_loop_quit(void *arg)
{
	struct gd_loop *loop = arg;

	loop->quit = true;
	ev_break(loop->ev, EVBREAK_ALL);
}

/* Free loops [0, count) whose threads (the first `started`) are done. */
static void
gd_loops_free(unsigned started)
{
	unsigned i;

	for (i = 0; i < started; i++)
		pthread_join(gd_loops.loops[i]->thread, NULL);
	for (i = 0; i < gd_loops.count; i++)
		gd_loop_free(&gd_loops.loops[i]);
	free(gd_loops.loops);
	gd_loops.loops = NULL;
	gd_loops.count = 0;
	gd_loops.go = 0;
	gd_loops.drain_called = false;
	atomic_store(&gd_loops.draining, false);
}

/* Wait for the first `started` inits; decide to serve or abort. */
static int
gd_loops_wait_inits(unsigned started, const char **error_r)
{
	unsigned i;
	int ret = 0;

	pthread_mutex_lock(&gd_loops.lock);
	for (i = 0; i < started; i++) {
		while (gd_loops.loops[i]->init_state == 0)
			pthread_cond_wait(&gd_loops.cond, &gd_loops.lock);
		if (gd_loops.loops[i]->init_state < 0 && ret == 0) {
			*error_r = gd_loops.loops[i]->init_error;
			ret = -1;
		}
	}
	if (started < gd_loops.count)
		ret = -1;
	gd_loops.go = ret == 0 ? 1 : -1;
	pthread_cond_broadcast(&gd_loops.cond);
	pthread_mutex_unlock(&gd_loops.lock);
	return ret;
}

int
gd_loops_start(unsigned workers, unsigned blocking_threads,
    gd_loop_thread_init_fn *init, gd_loop_thread_fini_fn *fini,
    const char **error_r)
{
	unsigned i, started = 0;

	assert(workers >= 1 && gd_loops.loops == NULL);
	if (gd_work_pool_start(blocking_threads, error_r) < 0)
		return -1;
	gd_loops.init = init;
	gd_loops.fini = fini;
	gd_loops.go = 0;
	gd_loops.loops = gd_xcalloc(workers, sizeof(*gd_loops.loops));
	gd_loops.count = workers;
	for (i = 0; i < workers; i++) {
		gd_loops.loops[i] = gd_loop_create(i, error_r);
		if (gd_loops.loops[i] == NULL)
			break;
		if (pthread_create(&gd_loops.loops[i]->thread, NULL,
		    gd_loop_thread, gd_loops.loops[i]) != 0) {
			*error_r = "cannot create a worker thread";
			break;
		}
		started++;
	}
	if (gd_loops_wait_inits(started, error_r) < 0) {
		gd_loops_free(started);
		gd_work_pool_stop();
		return -1;
	}
	return 0;
}

void
gd_loops_drain(uint64_t grace_ms)
{
	unsigned i;

	if (gd_loops.drain_called || gd_loops.loops == NULL)
		return;
	gd_loops.drain_called = true;
	atomic_store(&gd_loops.draining, true);
	gd_log(GD_LOG_INFO, "loop.drain", "grace_ms=%llu",
	    (unsigned long long)grace_ms);
	for (i = 0; i < gd_loops.count; i++) {
		gd_loops.loops[i]->grace_ms = grace_ms;
		if (gd_loop_invoke(gd_loops.loops[i], gd_loop_drain_start,
		    gd_loops.loops[i]) < 0)
			gd_fatal("loop %u stopped before draining", i);
	}
}

void
gd_loops_join(void)
{
	unsigned i;

	if (gd_loops.loops == NULL)
		return;
	gd_loops_drain(0);
	pthread_mutex_lock(&gd_loops.lock);
	for (i = 0; i < gd_loops.count; i++) {
		while (!gd_loops.loops[i]->drained)
			pthread_cond_wait(&gd_loops.cond, &gd_loops.lock);
	}
	pthread_mutex_unlock(&gd_loops.lock);
	/* Work completions are invoked on the loops, so they must still
	 * run: stop the pool before the loops. */
	gd_work_pool_stop();
	for (i = 0; i < gd_loops.count; i++) {
		if (gd_loop_invoke(gd_loops.loops[i], gd_loop_quit,
		    gd_loops.loops[i]) < 0)
			gd_fatal("loop %u stopped before quit", i);
	}
	gd_loops_free(gd_loops.count);
}
