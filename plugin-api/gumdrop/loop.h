/*
 * gumdrop/loop.h — worker loops, cross-thread invocation, blocking work.
 *
 * The daemon runs `workers: N` threads, each with its own libev loop
 * (struct gd_loop).  A connection lives on one loop for its whole life and
 * every callback for it runs there.  Work that must not stall a loop
 * (fsync-heavy delivery, password hashing, big scans) goes to a small
 * shared pool of blocking threads; its completion comes back on the loop
 * that submitted it.
 *
 * Modules may use libev directly on gd_loop_ev(); watchers must be started
 * and stopped on that loop's thread.
 */
#ifndef GUMDROP_LOOP_H
#define GUMDROP_LOOP_H

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ev_loop;
struct gd_loop;

typedef void gd_loop_fn(void *arg);

/* The libev loop behind `loop`.  Use only from that loop's thread. */
GD_API struct ev_loop *gd_loop_ev(struct gd_loop *loop);

/* 0-based index of the worker that runs `loop`.  Any thread. */
GD_API unsigned gd_loop_index(const struct gd_loop *loop);

/* Number of worker loops.  Any thread, after start-up. */
GD_API unsigned gd_loop_count(void);

/* Worker loop `i` (0 <= i < gd_loop_count()).  Any thread. */
GD_API struct gd_loop *gd_loop_get(unsigned i);

/* The loop of the calling thread, or NULL when not on a worker thread. */
GD_API struct gd_loop *gd_loop_current(void);

/*
 * Queue fn(arg) to run on `loop`'s thread, in FIFO order with other
 * invocations from the same thread.  Thread-safe; may be called from the
 * loop's own thread (fn then runs on a later iteration, never inline).
 * Returns 0, or -1 if the loop has stopped (fn will not run; the caller
 * still owns arg).
 *
 * Clarification: an accepted call (0) always runs, even when it was queued
 * just before shutdown; a loop stops accepting calls when it is about to
 * run its thread fini, during the daemon's final join.  After that join
 * the loop object is gone, so `loop` must not be used any more.
 */
GD_API int gd_loop_invoke(struct gd_loop *loop, gd_loop_fn *fn, void *arg);

/*
 * Run fn(arg) on `loop` at the end of the current iteration (after all
 * pending I/O callbacks): the place to free objects that callbacks may
 * still be touching.  Loop thread only.
 *
 * Clarification: deferred calls run just before the loop next waits for
 * events, in the order they were deferred; calls deferred by a deferred
 * call run in the same pass (up to a bounded number of rounds, then on the
 * next iteration).  Never inline.
 */
GD_API void gd_loop_defer(struct gd_loop *loop, gd_loop_fn *fn, void *arg);

/*
 * Blocking work.  `work(arg)` runs on a pool thread; then `done(arg)` runs
 * on `loop` (normally the caller's).  `done` may be NULL.  Returns 0, or
 * -1 if the pool is shutting down (nothing will run).  Call from a loop
 * thread or the main thread.
 *
 * Clarification: `loop` may be NULL only when `done` is NULL.  Once
 * submitted (0), `work` runs and `done` is delivered even during
 * shutdown: the pool finishes its queue before the loops stop.
 */
GD_API int gd_work_submit(struct gd_loop *loop, gd_loop_fn *work,
    gd_loop_fn *done, void *arg);

/*
 * Register fn(arg) to run when `loop` begins draining (SIGTERM/SIGINT):
 * protocol code uses it to stop accepting new commands and to say goodbye
 * politely.  Loop thread only.  Returns a handle for
 * gd_loop_drain_unregister().
 */
/*
 * Clarification: each registered callback runs once, on the loop thread,
 * in registration order; a callback may unregister itself or others
 * (unregistered callbacks that have not run yet are skipped).  A callback
 * registered once the drain has begun still runs once, soon after (never
 * inline).
 * Unregister (loop thread only) frees the handle; NULL is a no-op.
 * Handles still registered are freed with the loop.
 */
GD_API void *gd_loop_drain_register(struct gd_loop *loop, gd_loop_fn *fn,
    void *arg);
GD_API void gd_loop_drain_unregister(struct gd_loop *loop, void *handle);

/* True once the daemon has begun draining.  Any thread. */
GD_API bool gd_loop_draining(void);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_LOOP_H */
