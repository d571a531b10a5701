/*
 * gumdrop/conn.h — connections and the protocol callback.
 *
 * A listener accepts a socket and hands it to the core, which wraps it in
 * a struct gd_conn on one worker loop; the connection never leaves that
 * loop.  The core does the I/O (plaintext or TLS), frames input into
 * lines (or hands out raw bytes), queues output, enforces limits and
 * timeouts, and tells the protocol what happened through ONE callback:
 *
 *   static void
 *   echo_event(struct gd_conn *conn, enum gd_conn_event ev)
 *   {
 *           switch (ev) {
 *           case GD_CONN_EV_OPEN: gd_conn_writef(conn, "+OK hi\r\n"); ...
 *           case GD_CONN_EV_LINE: line = gd_conn_line(conn, &len); ...
 *           ...
 *   }
 *
 * Threading: every function here must be called on the connection's loop
 * thread (the one running its callbacks), unless stated otherwise.
 *
 * Lifetime: a connection is freed by the core, never by the protocol.  The
 * protocol calls gd_conn_close(); the core then flushes (if graceful),
 * closes the socket, delivers GD_CONN_EV_CLOSE exactly once, and frees the
 * connection at the end of the loop iteration.  After the CLOSE event the
 * pointer must not be used.  Functions that write or change state are
 * harmless no-ops (or return -1) on a closed connection.
 *
 * Line framing: a line ends with LF; a CR immediately before the LF is
 * removed too.  A bare LF (no CR) is accepted and flagged (see
 * gd_conn_line_bare_lf) so that strict protocols (SMTP) can reject it; a
 * bare CR elsewhere is ordinary data.  A line whose length including its
 * terminator exceeds the listener's `max-line-length` is never truncated:
 * its bytes are discarded and, when its terminating LF arrives,
 * GD_CONN_EV_LINE_TOO_LONG is delivered in its place (so replies stay in
 * the order of the client's pipelined commands).
 */
#ifndef GUMDROP_CONN_H
#define GUMDROP_CONN_H

#include <sys/types.h>
#include <sys/socket.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_conn;
struct gd_loop;
struct gd_pool;
struct gd_module_ctx;

/* "GDCN" */
#define GD_CONN_MAGIC	0x4744434eu

enum gd_conn_event {
	/*
	 * The connection is ready: accepted, admitted, and for implicit-TLS
	 * listeners the handshake is done.  Send the greeting.
	 */
	GD_CONN_EV_OPEN = 1,
	/* Line mode: one complete line; read it with gd_conn_line(). */
	GD_CONN_EV_LINE,
	/*
	 * Line mode: a line longer than max-line-length has ended (its LF
	 * arrived); its bytes were discarded.  Reply with an error.
	 */
	GD_CONN_EV_LINE_TOO_LONG,
	/*
	 * Raw mode: bytes are buffered; take them with gd_conn_raw_data() +
	 * gd_conn_raw_consume() or gd_conn_read_raw().  Bytes left unconsumed
	 * stay buffered (and are offered again with the next DATA event);
	 * while the buffer is full the core stops reading the socket.
	 */
	GD_CONN_EV_DATA,
	/*
	 * The write queue, after exceeding the low-water mark (half of
	 * write-buffer-max), fell to or below it: a streaming producer may
	 * write its next chunks.
	 */
	GD_CONN_EV_DRAINED,
	/*
	 * The idle timeout (no input while reading) or command timeout (no
	 * input while reads are paused by the protocol) expired.  The protocol
	 * may write a last reply; when the callback returns, the core closes
	 * the connection gracefully (reason "timeout") unless the protocol
	 * already closed it.
	 */
	GD_CONN_EV_TIMEOUT,
	/* STARTTLS: the handshake started by gd_conn_starttls() completed. */
	GD_CONN_EV_TLS_READY,
	/*
	 * The daemon is shutting down.  Finish the current command, say
	 * goodbye, and gd_conn_close().  Connections still open when the
	 * shutdown grace expires are closed by the core.
	 */
	GD_CONN_EV_DRAIN,
	/*
	 * Last event: the socket is closed (by either side, after an error,
	 * or after gd_conn_close()).  Free session state.  Do not write.
	 */
	GD_CONN_EV_CLOSE,
};

typedef void gd_conn_event_fn(struct gd_conn *conn, enum gd_conn_event ev);

/*
 * A listener protocol, declared by a module in its descriptor's
 * `protocols` array (which ends with an entry whose name is NULL).  The
 * listener's `protocol:` key names it.  `name` MUST stay the first field.
 */
struct gd_protocol {
	const char *name;		/* e.g. "echo", "smtp" */
	size_t size;			/* sizeof(struct gd_protocol) */
	gd_conn_event_fn *event;	/* required */
	/*
	 * The SASL service name (GSSAPI's and DIGEST-MD5's "service/host")
	 * for this protocol's listeners whose `sasl:` has no `service:`;
	 * NULL: the protocol's name.  E.g. "smtp" for submission (RFC 4954
	 * 4), "pop" for POP3 (RFC 5034 4).  (ABI 1.3; was reserved, zero.)
	 */
	const char *sasl_service;
	void *reserved[3];		/* zero */
};

#define GD_PROTOCOL_HEAD	.size = sizeof(struct gd_protocol)

/* ---- identity ------------------------------------------------------- */

/*
 * The worker loop the connection lives on, for its whole life.  Hand it to
 * gd_loop_invoke(), gd_work_submit() and hook calls so that results come
 * back to this connection's thread.  Any thread (the value never changes).
 */
GD_API struct gd_loop *gd_conn_loop(const struct gd_conn *conn);

/*
 * The connection-lifetime pool (created on first use, destroyed after the
 * CLOSE event).  Register cleanups on it for timers, fds and queries.
 */
GD_API struct gd_pool *gd_conn_pool(struct gd_conn *conn);

/* Session id for logs ("session=ID"): 16 hex digits, unique per process. */
GD_API const char *gd_conn_id(const struct gd_conn *conn);

/*
 * The peer as text: "192.0.2.1:5123", "[2001:db8::1]:5123" or "unix".
 * gd_conn_peer_ip(): without the port ("192.0.2.1", "2001:db8::1", or
 * "unix").  Valid for the connection's lifetime.
 */
GD_API const char *gd_conn_peer(const struct gd_conn *conn);
GD_API const char *gd_conn_peer_ip(const struct gd_conn *conn);

/* The peer and local socket addresses (owned by the connection). */
GD_API const struct sockaddr *gd_conn_peer_addr(const struct gd_conn *conn,
    socklen_t *len_r);
GD_API const struct sockaddr *gd_conn_local_addr(const struct gd_conn *conn,
    socklen_t *len_r);

/* The `name:` of the listener that accepted the connection. */
GD_API const char *gd_conn_listener_name(const struct gd_conn *conn);

/* The protocol serving the connection. */
GD_API const struct gd_protocol *gd_conn_protocol(const struct gd_conn *conn);

/*
 * The context of the module that declared this connection's protocol (so
 * protocol code reaches its module's data and current configuration
 * without globals), or NULL when the protocol belongs to no loaded module.
 * Loop thread.
 */
GD_API struct gd_module_ctx *gd_conn_module_ctx(const struct gd_conn *conn);

/* ---- protocol state --------------------------------------------------- */

/* The protocol's session object (NULL until set).  Owned by the protocol. */
GD_API void gd_conn_set_session(struct gd_conn *conn, void *session);
GD_API void *gd_conn_get_session(const struct gd_conn *conn);

/*
 * Per-module state: the slot of module `module_index` (its
 * gd_module_ctx_index()).  Returns the address of a void * that starts
 * NULL; the array has gd_module_count() slots and is allocated on first
 * use.  What a slot points to is owned by the module (free it on CLOSE or
 * with a cleanup on gd_conn_pool()).
 */
GD_API void **gd_conn_slot(struct gd_conn *conn, unsigned module_index);

/*
 * Typed access to the calling module's slot (ctx: its gd_module_ctx):
 *   struct dkim_state *st = GD_CONN_SLOT(conn, ctx, struct dkim_state);
 *   GD_CONN_SLOT_SET(conn, ctx, st);
 */
#define GD_CONN_SLOT(conn, ctx, type) \
	((type *)*gd_conn_slot((conn), gd_module_ctx_index(ctx)))
#define GD_CONN_SLOT_SET(conn, ctx, value) \
	(*gd_conn_slot((conn), gd_module_ctx_index(ctx)) = (value))

/* ---- input ------------------------------------------------------------ */

/*
 * During GD_CONN_EV_LINE: the line without its terminator, NUL-terminated
 * (it may also contain NUL bytes; trust *len_r).  Valid until the callback
 * returns.  Returns NULL outside a LINE event.
 */
GD_API const char *gd_conn_line(struct gd_conn *conn, size_t *len_r);

/* During GD_CONN_EV_LINE: true if the line ended in a bare LF (no CR). */
GD_API bool gd_conn_line_bare_lf(const struct gd_conn *conn);

/*
 * Switch between line mode (default) and raw mode.  May be called from
 * inside the callback: bytes after the current line are then delivered
 * in the new mode (SMTP DATA, BDAT, IMAP literals).
 */
GD_API void gd_conn_set_raw(struct gd_conn *conn, bool raw);

/*
 * Raw mode: the buffered bytes (NULL and 0 when none) and how many of
 * them the protocol took.  gd_conn_read_raw() copies up to `size` bytes
 * and consumes them; returns the count (0 when nothing is buffered).
 */
GD_API const void *gd_conn_raw_data(struct gd_conn *conn, size_t *len_r);
GD_API void gd_conn_raw_consume(struct gd_conn *conn, size_t n);
GD_API size_t gd_conn_read_raw(struct gd_conn *conn, void *buf, size_t size);

/*
 * Back-pressure from a slow consumer: stop delivering input (and reading
 * the socket) until resumed.  While paused, the command timeout applies
 * instead of the idle timeout.  Resuming delivers already-buffered lines
 * on a later loop iteration, never inside the call.
 */
GD_API void gd_conn_pause_read(struct gd_conn *conn);
GD_API void gd_conn_resume_read(struct gd_conn *conn);

/*
 * Override the listener's idle-timeout / command-timeout for this
 * connection (milliseconds; 0 disables).  Takes effect immediately.
 */
GD_API void gd_conn_set_idle_timeout(struct gd_conn *conn, uint64_t ms);
GD_API void gd_conn_set_command_timeout(struct gd_conn *conn, uint64_t ms);

/* ---- output ----------------------------------------------------------- */

/*
 * Queue `len` bytes (copied).  Output is sent in order, as soon as
 * possible: inside a callback it is flushed when the callback returns;
 * elsewhere on this loop iteration.  Returns 0, or -1 if the connection
 * is closed or closing non-gracefully (the data is dropped); during a
 * graceful close, writes are still queued and flushed before the close.  There is no hard cap: a
 * producer of large output checks gd_conn_write_pending() and waits for
 * GD_CONN_EV_DRAINED; meanwhile the core stops reading input.
 */
GD_API int gd_conn_write(struct gd_conn *conn, const void *data, size_t len);
GD_API int gd_conn_writef(struct gd_conn *conn, const char *fmt, ...)
    GD_PRINTF(2, 3);
GD_API int gd_conn_vwritef(struct gd_conn *conn, const char *fmt,
    va_list ap) GD_PRINTF(2, 0);

/*
 * Queue `len` bytes without copying: `data` must stay valid and unchanged
 * until free_fn(arg) is called, which happens once the bytes were sent or
 * when the connection closes (also when this returns -1).  free_fn may be
 * NULL.
 */
typedef void gd_conn_chunk_free_fn(void *arg);
GD_API int gd_conn_write_chunk(struct gd_conn *conn, const void *data,
    size_t len, gd_conn_chunk_free_fn *free_fn, void *arg);

/* Bytes queued and not yet sent. */
GD_API size_t gd_conn_write_pending(const struct gd_conn *conn);

/*
 * The low-water mark of the write queue (half the listener's
 * write-buffer-max): GD_CONN_EV_DRAINED is delivered when the queue,
 * having been above it, falls to or below it.  A streaming producer
 * therefore writes while gd_conn_write_pending() is at or below this
 * value and, once above, waits for DRAINED; stopping at any smaller
 * bound could wait for an event that never comes.  (ABI 1.4)
 */
GD_API size_t gd_conn_write_low_water(const struct gd_conn *conn);

/* ---- closing ---------------------------------------------------------- */

/*
 * Close the connection.  `graceful`: stop reading, flush queued output
 * (bounded by the idle timeout), send TLS close_notify, then close.
 * Otherwise drop queued output and close now.  `reason` (a static string,
 * or one that lives until the CLOSE event; not copied) appears in the
 * conn.close log line.  The
 * CLOSE event follows (after the current callback returns, if called from
 * one).  Calling it again is a no-op, except that a non-graceful close
 * overrides a pending graceful one.
 */
GD_API void gd_conn_close(struct gd_conn *conn, bool graceful,
    const char *reason);

/* True once gd_conn_close() was called or the peer went away. */
GD_API bool gd_conn_is_closing(const struct gd_conn *conn);

/* ---- TLS (details in gumdrop/tls.h) ----------------------------------- */

/* True once the connection is protected by an established TLS session. */
GD_API bool gd_conn_is_tls(const struct gd_conn *conn);

/*
 * True if gd_conn_starttls() may be called: the listener has `tls:
 * starttls`, TLS credentials are configured, and TLS is not active yet.
 */
GD_API bool gd_conn_starttls_available(const struct gd_conn *conn);

/*
 * Upgrade to TLS (STARTTLS).  Call it after queueing the "go ahead" reply,
 * normally from the LINE event of the STARTTLS command.  The core then
 *   1. DISCARDS every input byte already buffered after the current line
 *      (plaintext pipelined after STARTTLS must never be taken as
 *      TLS-protected: the STARTTLS command-injection class of bugs); the
 *      count is stored in *discarded_r (may be NULL) and logged;
 *   2. delivers no further events until the handshake ends;
 *   3. sends what was queued before the call in plaintext, then runs the
 *      handshake (under the `tls: handshake-timeout`); output queued after
 *      the call is sent encrypted;
 *   4. delivers GD_CONN_EV_TLS_READY, or on failure closes the connection
 *      (reason logged) and delivers GD_CONN_EV_CLOSE.
 * The protocol must forget any state learnt before TLS (RFC 3207 4.2).
 * Returns 0, or -1 with *error_r (static string) when not available.
 */
GD_API int gd_conn_starttls(struct gd_conn *conn, size_t *discarded_r,
    const char **error_r);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_CONN_H */
