/*
 * gumdrop/hooks.h — hook points, verdicts, replies and content streams.
 *
 * HOOK POINTS.  A hook point is a named place where a module (usually a
 * protocol) asks other modules for a decision: "smtp.rcpt", "echo.line".
 * The module that runs the point declares it in its descriptor
 * (module.h: `hook_points`); other modules add handlers (`hooks`).  A
 * handler registered for a point no loaded module declares is a load
 * error.
 *
 * CHAIN ORDER comes from the configuration:
 *
 *   hooks:
 *     "echo.line": [filter-a, filter-b]        # just the order, or
 *     "smtp.rcpt": {order: [rbl, greylist], timeout: 10s}
 *
 * The listed modules' handlers run first, in the listed order.  Modules
 * that registered a handler for the point but are not listed follow, in
 * module load order (the order `gumdropd -M` prints).  Listing a module
 * that has no handler for the point, or a point nobody declares, is a
 * config error naming FILE:LINE.  `timeout` bounds each PENDING handler
 * (default 30s).  At load time each point's chain is compiled into a flat
 * array; it does not change on reload.
 *
 * RUNNING A POINT.  The caller (the declaring module) looks the point up
 * once with gd_hook_point_find(), then for each event fills a struct
 * gd_hook_call (which it allocates, e.g. from the transaction pool) with
 * gd_hook_call_init() and calls gd_hook_run().  Handlers run in chain
 * order until one returns a terminal verdict.  The result carries the
 * verdict and a reply that the core has VALIDATED: a module can never
 * make the server answer 250 to a rejected command.
 *
 * VERDICTS (one dialect for every module):
 *   CONTINUE  pass to the next handler (a chain that runs through ends
 *             with CONTINUE and no reply: the caller does its default)
 *   ACCEPT    stop, success (reply class 2 or 3)
 *   REJECT    stop, permanent failure (reply class 5)
 *   TEMPFAIL  stop, temporary failure (reply class 4)
 *   DISCARD   stop, accept but drop silently (reply class 2)
 *   PENDING   the handler answers later through gd_hook_resume()
 *   ERROR     the handler failed; the core turns it into 451 4.3.0
 *             (or keeps a 421 the handler supplied)
 * A reply whose class does not match its verdict, a malformed code,
 * enhanced status or text is replaced with the verdict's default reply
 * and logged (event=hook.reply.invalid).  Code 421 sets `disconnect`.
 *
 * OBSERVE-ONLY handlers (GD_HOOK_OBSERVE: telemetry, logging) run in
 * their chain position and ALSO after a terminal verdict; their return
 * value is ignored and they cannot change the result.  They may not pend.
 *
 * THREADS.  gd_hook_run() and every handler run on the caller's loop
 * thread (or on the main thread for calls with loop == NULL, which then
 * must not pend).  Only gd_hook_resume() may be called from any thread.
 */
#ifndef GUMDROP_HOOKS_H
#define GUMDROP_HOOKS_H

#include <sys/types.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_loop;
struct gd_pool;
struct gd_module_ctx;
struct gd_hook_point;
struct gd_hook_call;
struct gd_hook_pending;

enum gd_verdict {
	GD_VERDICT_CONTINUE = 0,
	GD_VERDICT_ACCEPT,
	GD_VERDICT_REJECT,
	GD_VERDICT_TEMPFAIL,
	GD_VERDICT_DISCARD,
	GD_VERDICT_PENDING,
	GD_VERDICT_ERROR,
};

/* "continue", "accept", ... for logs.  Static string. */
GD_API const char *gd_verdict_name(enum gd_verdict verdict);

/*
 * A reply a handler proposes.  All fields optional: code 0 means "use the
 * verdict's default reply".  `enhanced` is an RFC 3463 status "C.S.D"
 * whose class C must equal the code's first digit; `text` is one line of
 * printable ASCII (no CR/LF), at most GD_REPLY_TEXT_MAX bytes.  The
 * strings must stay valid until the call completes: use static strings or
 * the call's pool (gd_hook_call_pool()).
 */
struct gd_reply {
	unsigned code;
	const char *enhanced;
	const char *text;
};

#define GD_REPLY_TEXT_MAX	512

/* ---- declarations (static data in module descriptors) -------------- */

/* Point flag: handlers of this point may not pend (GD_HOOK_MAY_PEND). */
#define GD_HOOK_POINT_SYNC	0x0001u

/*
 * A hook point a module runs.  A descriptor's `hook_points` array ends
 * with an entry whose name is NULL.  Names are dotted, prefixed with the
 * module's name ("smtp.rcpt"), and unique among loaded modules.
 */
struct gd_hook_point_decl {
	const char *name;
	unsigned flags;		/* GD_HOOK_POINT_* */
	const char *doc;	/* one line: when it runs, what `arg` is */
};

/*
 * A handler.  Runs on the call's loop thread.  *reply_r is zeroed before
 * the call; the handler may fill it to propose a reply.  `ctx` is the
 * registering module's context, `data` the registration's `data`.  Read
 * the event with gd_hook_call_context() and gd_hook_call_arg().
 *
 * To answer later: call gd_hook_pend(call), hand the returned token to
 * whatever will finish the work, and return GD_VERDICT_PENDING.  Returning
 * PENDING without gd_hook_pend() is treated as ERROR (and logged).
 */
typedef enum gd_verdict gd_hook_fn(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);

/* Registration flags. */
#define GD_HOOK_OBSERVE		0x0001u	/* observe-only, see above */
#define GD_HOOK_MAY_PEND	0x0002u	/* may return GD_VERDICT_PENDING */

/*
 * A handler registration.  A descriptor's `hooks` array ends with an
 * entry whose point is NULL.  A module registers at most one handler per
 * point.  OBSERVE together with MAY_PEND, or MAY_PEND on a
 * GD_HOOK_POINT_SYNC point, is a load error.
 */
struct gd_hook_reg {
	const char *point;
	gd_hook_fn *fn;
	unsigned flags;		/* GD_HOOK_* */
	void *data;		/* passed to fn; owned by the module */
};

/* ---- results --------------------------------------------------------- */

/*
 * The outcome of a whole chain.  `verdict` is never PENDING: it is
 * CONTINUE (nobody decided; reply.code is 0), ACCEPT, REJECT, TEMPFAIL,
 * DISCARD or ERROR.  `reply` is validated and always set for the
 * terminal verdicts (defaults: ACCEPT/DISCARD 250 2.0.0 OK, REJECT 550
 * 5.7.1 Rejected, TEMPFAIL 451 4.7.1 Try again later, ERROR 451 4.3.0
 * Temporary local problem).  `disconnect` is true when the reply is 421:
 * the protocol sends it and closes the connection.  `module` names the
 * module whose handler decided (static for the module's lifetime), or
 * NULL.  A PENDING handler that times out gives ERROR with
 * `timed_out` set.
 */
struct gd_hook_result {
	enum gd_verdict verdict;
	struct gd_reply reply;
	bool disconnect;
	bool timed_out;
	const char *module;
};

/*
 * Completion callback for calls that went pending: runs on the call's
 * loop thread, once, with the final result (owned by the call).  It may
 * free the call.
 */
typedef void gd_hook_done_fn(struct gd_hook_call *call,
    const struct gd_hook_result *result);

/* ---- the call object ------------------------------------------------- */

#define GD_HOOK_CALL_MAGIC	0x47444843u	/* "GDHC" */

/*
 * One run of one hook point.  Allocated by the caller (typically in the
 * transaction pool), set up with gd_hook_call_init(), and kept alive
 * until the chain completed (gd_hook_run() returned 1 or -1, or `done`
 * was called) or gd_hook_call_cancel() was called.  Fields are the
 * core's: read them only through the functions below.  The struct is part
 * of the ABI; its size changes only with a major bump.
 */
struct gd_hook_call {
	uint32_t magic;
	struct gd_hook_point *point;
	struct gd_loop *loop;
	void *context;
	void *arg;
	struct gd_pool *pool;
	gd_hook_done_fn *done;
	/* engine state */
	unsigned next;
	unsigned running;
	unsigned state;
	struct gd_hook_pending *pending;
	struct gd_hook_result result;
	void *reserved[4];
};

/*
 * Look a point up by name, once (at init or thread_init).  Returns NULL
 * if no loaded module declares it.  The handle is valid until the modules
 * are unloaded.  Any thread after start-up.
 */
GD_API struct gd_hook_point *gd_hook_point_find(const char *name);

/* The point's name, and the number of handlers in its chain. */
GD_API const char *gd_hook_point_name(const struct gd_hook_point *point);
GD_API unsigned gd_hook_point_handler_count(const struct gd_hook_point *point);

/*
 * Prepare `call` (all fields are overwritten): `point` from
 * gd_hook_point_find(); `loop` the loop of the calling thread, where a
 * pending chain resumes (NULL only when no handler may pend); `context`
 * the protocol's object (e.g. its session), `arg` the point-specific
 * argument (documented with the point's declaration), both owned by the
 * caller; `pool` where handlers may allocate reply strings (may be NULL);
 * `done` called when a pending chain completes (required if the point
 * can pend).  A completed call may be initialised again.
 */
GD_API void gd_hook_call_init(struct gd_hook_call *call,
    struct gd_hook_point *point, struct gd_loop *loop, void *context,
    void *arg, struct gd_pool *pool, gd_hook_done_fn *done);

/*
 * Run the chain.  Returns
 *    1  completed synchronously: the result is in gd_hook_call_result(),
 *       `done` is NOT called;
 *    0  pending: `done` will be called later on the call's loop;
 *   -1  the call has no loop but a handler in the chain may pend (a bug
 *       in the caller): nothing ran, the result is ERROR (451).
 * The call's loop thread (or main thread when loop is NULL).
 */
GD_API int gd_hook_run(struct gd_hook_call *call);

/* The result of a completed call.  Owned by the call. */
GD_API const struct gd_hook_result *gd_hook_call_result(
    const struct gd_hook_call *call);

/* For handlers: the caller's context, argument, pool and loop. */
GD_API void *gd_hook_call_context(const struct gd_hook_call *call);
GD_API void *gd_hook_call_arg(const struct gd_hook_call *call);
GD_API struct gd_pool *gd_hook_call_pool(const struct gd_hook_call *call);
GD_API struct gd_loop *gd_hook_call_loop(const struct gd_hook_call *call);

/*
 * The name of the point the call runs ("smtp.rcpt"), for handlers shared
 * between points and for services that accept calls of their own points
 * only.  Static for the modules' lifetime.  Any thread that may read the
 * call.  (ABI 1.3)
 */
GD_API const char *gd_hook_call_point(const struct gd_hook_call *call);

/*
 * Abandon a pending call (e.g. the connection closed): `done` will not be
 * called and the call may be freed right after this returns.  A later
 * gd_hook_resume() on its token is accepted and ignored.  No-op for a
 * call that is not pending.  The call's loop thread.
 */
GD_API void gd_hook_call_cancel(struct gd_hook_call *call);

/* ---- pending handlers ---------------------------------------------- */

/*
 * Called by a handler that will answer later, just before it returns
 * GD_VERDICT_PENDING.  Returns a token the core owns; it stays valid
 * until passed to gd_hook_resume(), which must happen exactly once.  The
 * handler must be registered with GD_HOOK_MAY_PEND (asserted).  The
 * call's loop thread, from inside the handler only.  After returning
 * PENDING the handler must not touch `call` again (it may be cancelled
 * and freed): copy what the background work needs first.
 */
GD_API struct gd_hook_pending *gd_hook_pend(struct gd_hook_call *call);

/*
 * Deliver the late verdict (any verdict except PENDING) and reply.  Any
 * thread.  The reply's strings are copied, so they may be freed after
 * this returns.  The core continues the chain from the saved position on
 * the call's loop thread (never inline).  If the call timed out or was
 * cancelled meanwhile, the verdict is dropped.  A second resume of the
 * same token is a bug (abort).  The token must not be used afterwards.
 */
GD_API void gd_hook_resume(struct gd_hook_pending *pending,
    enum gd_verdict verdict, const struct gd_reply *reply);

/* ---- content streams --------------------------------------------------- */
/*
 * Message content passes in bounded chunks through a chain of stacked
 * consumers (dot-unstuffing, header parser, DKIM hasher, delivery file),
 * never held whole.  The first consumer pushed receives the bytes written
 * to the stream; each consumer passes what it produces to the next one
 * with gd_stream_forward().  Every consumer must work when fed one byte
 * at a time, and reports how much of its input it took: less than offered
 * means "full, try again later" (the protocol stops reading from the
 * socket) and the consumer calls gd_stream_wakeup() when it can take more.
 *
 * A stream and its consumers are used on one thread (the connection's).
 */
struct gd_stream;
struct gd_stream_link;

struct gd_stream_consumer {
	const char *name;	/* for logs, e.g. "dkim-hash" */
	/*
	 * Take up to `len` bytes.  Returns the number taken (0..len), or -1
	 * with *error_r set (static or stream-pool string).  Bytes taken
	 * are the consumer's: it forwards or buffers them.  `len` >= 1.
	 */
	ssize_t (*write)(struct gd_stream_link *link, void *ctx,
	    const void *buf, size_t len, const char **error_r);
	/*
	 * End of content: flush what is buffered with gd_stream_forward()
	 * and finish.  0, or -1 with *error_r.  May be NULL.  The core
	 * then ends the next consumer.
	 */
	int (*end)(struct gd_stream_link *link, void *ctx,
	    const char **error_r);
	/*
	 * Drop everything (transaction aborted, error elsewhere in the
	 * chain).  May be NULL.  Called at most once, never after end
	 * succeeded.
	 */
	void (*abort)(void *ctx);
};

/*
 * Create an empty stream in `pool` (freed with it; if neither ended nor
 * aborted by then, the pool's cleanup aborts it).  Never NULL.
 */
GD_API struct gd_stream *gd_stream_chain_create(struct gd_pool *pool);

/*
 * Append a consumer at the end of the chain (before the first write).
 * `consumer` is static data; `ctx` is owned by the consumer's module.
 */
GD_API void gd_stream_push(struct gd_stream *stream,
    const struct gd_stream_consumer *consumer, void *ctx);

/*
 * Feed `len` bytes to the first consumer.  Returns the number taken
 * (0..len; fewer means back-pressure), or -1 with *error_r (then the
 * whole chain has been aborted).  With no consumer, everything is taken.
 */
GD_API ssize_t gd_stream_write(struct gd_stream *stream, const void *buf,
    size_t len, const char **error_r);

/*
 * End the content: each consumer's end() runs in chain order.  0, or -1
 * with *error_r (the chain is then aborted).  Once only.
 */
GD_API int gd_stream_end(struct gd_stream *stream, const char **error_r);

/* Abort every consumer not yet ended.  Idempotent. */
GD_API void gd_stream_abort(struct gd_stream *stream);

/*
 * For consumers, from their write() or end(): pass bytes to the next
 * consumer.  Returns what it took (0..len) or -1 with *error_r.  For the
 * last consumer everything is taken (and dropped).
 */
GD_API ssize_t gd_stream_forward(struct gd_stream_link *link,
    const void *buf, size_t len, const char **error_r);

/*
 * Back-pressure: `fn(arg)` is called (on the stream's thread) when a
 * consumer that refused bytes calls gd_stream_wakeup() on its link.
 */
typedef void gd_stream_wakeup_fn(void *arg);
GD_API void gd_stream_set_wakeup(struct gd_stream *stream,
    gd_stream_wakeup_fn *fn, void *arg);
GD_API void gd_stream_wakeup(struct gd_stream_link *link);

/* The stream a link belongs to, and the stream's pool. */
GD_API struct gd_stream *gd_stream_link_stream(struct gd_stream_link *link);
GD_API struct gd_pool *gd_stream_pool(const struct gd_stream *stream);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_HOOKS_H */
