/*
 * loop-private.h — starting, draining and stopping the worker loops and
 * the blocking-work pool (see gumdrop/loop.h for the public side).
 *
 * Life cycle, driven by the daemon on the main thread:
 *
 *   gd_loops_start()   worker threads run init() and start serving
 *   gd_loops_drain()   SIGTERM: drain callbacks run; each loop stops
 *                      serving when its connections are gone or the
 *                      grace period expires
 *   gd_loops_join()    the pool finishes queued work, each worker runs
 *                      fini() and exits, everything is freed
 *
 * Every gd_loop_invoke() that is accepted (returns 0) runs before the
 * worker's fini(); after that, invokes return -1.
 */
#ifndef GD_LOOP_PRIVATE_H
#define GD_LOOP_PRIVATE_H

#include <gumdrop/loop.h>

/*
 * Per-thread set-up and tear-down run on each worker thread (the daemon
 * chains DNS, modules and listeners in them).  init returns 0, or -1 with
 * *error_r set (a string that stays valid after the thread exits, e.g. a
 * static or config-pool string).
 */
typedef int gd_loop_thread_init_fn(struct gd_loop *loop, const char **error_r);
typedef void gd_loop_thread_fini_fn(struct gd_loop *loop);

/*
 * Start `workers` (>= 1) worker threads, each with its own libev loop and
 * ev_async for gd_loop_invoke(), and a pool of `blocking_threads` (>= 1)
 * threads for gd_work_submit().  init(loop) (may be NULL) runs on each
 * worker thread before it serves; this waits until every init returned.
 * If any failed, the workers whose init succeeded run fini (may be NULL),
 * all threads are joined and freed, and -1 is returned with *error_r from
 * the first failure.  Returns 0 when everything runs.  Main thread, once.
 */
int gd_loops_start(unsigned workers, unsigned blocking_threads,
    gd_loop_thread_init_fn *init, gd_loop_thread_fini_fn *fini,
    const char **error_r);

/*
 * Begin draining: gd_loop_draining() becomes true, and on each loop its
 * drain callbacks run (listeners stop accepting there).  A loop finishes
 * serving once gd_loop_conn_count() reaches 0 or `grace_ms` has passed.
 * Does not wait; gd_loops_join() does.  Main thread; a second call is a
 * no-op.
 */
void gd_loops_drain(uint64_t grace_ms);

/*
 * Wait until every loop finished draining (draining first with a grace of
 * 0 if gd_loops_drain() was not called), stop the blocking pool (queued
 * work still runs and its completions are delivered), then have each
 * worker run the invokes still queued, fini(loop), and exit; join the
 * threads and free the loops.  Main thread, after gd_loops_start()
 * succeeded.
 */
void gd_loops_join(void);

/*
 * Count connections living on `loop`: the connection code calls inc on
 * accept and dec on close so that draining knows when a loop is empty.
 * `loop`'s thread only.
 */
void gd_loop_conn_inc(struct gd_loop *loop);
void gd_loop_conn_dec(struct gd_loop *loop);

/* Connections currently counted on `loop`.  Any thread (a snapshot). */
unsigned gd_loop_conn_count(const struct gd_loop *loop);

/* ---- file watches (watch.c) ------------------------------------- */

struct gd_watch_loop;

/* The loop's watch state (NULL until watch.c creates it on first use).
 * `loop`'s thread only. */
struct gd_watch_loop **gd_loop_watch_slot(struct gd_loop *loop);

/*
 * Free a loop's watch state: close its inotify descriptor, free the
 * watches still registered (their owners must not use them any more).
 * Called when the loop is freed, on any thread once the loop stopped.
 * NULL is a no-op; sets *wl to NULL.
 */
void gd_watch_loop_free(struct gd_watch_loop **wl);

/* ---- blocking pool (work.c), used by gd_loops_start/join ---------- */

/*
 * Start `threads` (>= 1) pool threads.  Returns 0, or -1 with *error_r
 * (static text) if a thread could not be created (then nothing runs).
 * Main thread.
 */
int gd_work_pool_start(unsigned threads, const char **error_r);

/*
 * Refuse new submissions (gd_work_submit() returns -1), let the pool
 * threads finish every queued item (done callbacks are invoked on their
 * loops, which must still accept invokes), and join them.  Main thread;
 * safe to call when the pool never started.
 */
void gd_work_pool_stop(void);

#endif /* GD_LOOP_PRIVATE_H */
