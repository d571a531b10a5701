/*
 * conn.c — connections: life cycle, socket input (plaintext or TLS),
 * line framing, back-pressure, timeouts, STARTTLS, and the one protocol
 * callback.  The write queue is in conn-output.c, the listener keys in
 * conn-params.c.
 *
 * Re-entrancy: protocol callbacks run with conn->depth > 0.  Nothing that
 * could free the connection or deliver another event happens while depth
 * is non-zero; API calls made outside callbacks only record what is
 * wanted and "kick" the I/O watcher (ev_feed_event), so the work runs
 * from conn_io_cb on this iteration.  Freeing is deferred to the end of
 * the loop iteration (gd_loop_defer).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <gnutls/gnutls.h>

#include <gumdrop/common.h>
#include <gumdrop/conn.h>
#include <gumdrop/config.h>
#include <gumdrop/log.h>
#include <gumdrop/loop.h>
#include <gumdrop/module.h>
#include <gumdrop/pool.h>
#include <gumdrop/tls.h>

#include "conn-private.h"
#include "conn-struct-private.h"
#include "linebuf-private.h"
#include "loop-private.h"
#include "module-private.h"
#include "tls-private.h"

static __thread struct gd_conn *conns_head;
static __thread unsigned conns_count;
static uint64_t conn_id_seq;

static void conn_io_cb(struct ev_loop *ev, ev_io *w, int revents);
static void conn_timer_cb(struct ev_loop *ev, ev_timer *w, int revents);
static void conn_drain_cb(void *arg);
static void conn_run(struct gd_conn *conn);
static void conn_settle(struct gd_conn *conn);
static void conn_update_io(struct gd_conn *conn);
static void conn_finish(struct gd_conn *conn, bool defer_free);
static void conn_free(void *arg);
static void conn_read(struct gd_conn *conn);
static void conn_process(struct gd_conn *conn);
static void conn_handshake(struct gd_conn *conn);
static bool conn_can_read(const struct gd_conn *conn);
static void conn_format_peer(struct gd_conn *conn);
static void conn_log_close(const struct gd_conn *conn);
static void conn_copy_addr(struct sockaddr_storage *dst, socklen_t *dst_len,
    const struct sockaddr *src, socklen_t len);
static void conn_start(struct gd_conn *conn);
static ssize_t conn_recv(struct gd_conn *conn, char *buf, size_t len);

/* ---- accept, close, free -------------------------------------------- */

static void
conn_format_peer(struct gd_conn *conn)
{
	const struct sockaddr *sa = (const struct sockaddr *)&conn->peer;
	unsigned port = 0;

	strcpy(conn->peer_ip, "unix");
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, conn->peer_ip,
		    sizeof(conn->peer_ip));
		port = ntohs(in->sin_port);
		snprintf(conn->peer_str, sizeof(conn->peer_str), "%s:%u",
		    conn->peer_ip, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, conn->peer_ip,
		    sizeof(conn->peer_ip));
		port = ntohs(in6->sin6_port);
		snprintf(conn->peer_str, sizeof(conn->peer_str), "[%s]:%u",
		    conn->peer_ip, port);
	} else
		strcpy(conn->peer_str, "unix");
}

static void
conn_copy_addr(struct sockaddr_storage *dst, socklen_t *dst_len,
    const struct sockaddr *src, socklen_t len)
{
	if (src == NULL || len > sizeof(*dst))
		len = 0;
	memset(dst, 0, sizeof(*dst));
	if (len > 0)
		memcpy(dst, src, len);
	else
		dst->ss_family = AF_UNIX;
	*dst_len = len;
}

void
gd_conn_accept(struct gd_loop *loop, int fd, const struct sockaddr *peer,
    socklen_t peer_len, const struct sockaddr *local, socklen_t local_len,
    const char *listener_name, const struct gd_conn_params *params,
    gd_conn_closed_fn *on_close, void *close_arg)
{
	struct gd_conn *conn = gd_xcalloc(1, sizeof(*conn));
	uint64_t seq;

	conn->magic = GD_CONN_MAGIC;
	conn->fd = fd;
	conn->loop = loop;
	conn->ev = gd_loop_ev(loop);
	conn->params = params;
	conn->sasl = gd_conn_params_sasl(params);
	conn->listener_name = listener_name != NULL ? listener_name : "-";
	conn->on_close = on_close;
	conn->close_arg = close_arg;
	conn->idle_ms = params->idle_ms;
	conn->command_ms = params->command_ms;
	conn->opened_ms = gd_now_ms();
	conn->io_events = 0;
	conn_copy_addr(&conn->peer, &conn->peer_len, peer, peer_len);
	conn_copy_addr(&conn->local, &conn->local_len, local, local_len);
	conn_format_peer(conn);
	seq = __atomic_add_fetch(&conn_id_seq, 1, __ATOMIC_RELAXED);
	snprintf(conn->id, sizeof(conn->id), "%08" PRIx32 "%08" PRIx32,
	    (uint32_t)time(NULL), (uint32_t)seq);
	gd_linebuf_init(&conn->in, params->read_buffer, params->max_line);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	ev_io_init(&conn->io, conn_io_cb, fd, 0);
	ev_init(&conn->timer, conn_timer_cb);

	conn->next = conns_head;
	if (conns_head != NULL)
		conns_head->prev = conn;
	conns_head = conn;
	conns_count++;
	gd_loop_conn_inc(loop);
	conn->drain_handle = gd_loop_drain_register(loop, conn_drain_cb, conn);

	gd_log(GD_LOG_INFO, "conn.open", "session=%s peer=%s listener=%s "
	    "protocol=%s tls=%s reason=accepted", conn->id, conn->peer_str,
	    conn->listener_name, params->protocol->name,
	    gd_conn_tls_modes[params->tls]);
	gd_conn_update_timer(conn);
	gd_conn_kick(conn);
}

static void
conn_log_close(const struct gd_conn *conn)
{
	char reason[160];

	gd_log(GD_LOG_INFO, "conn.close", "session=%s peer=%s listener=%s "
	    "reason=%s duration_ms=%" PRIu64 " bytes_in=%" PRIu64
	    " bytes_out=%" PRIu64, conn->id, conn->peer_str,
	    conn->listener_name, gd_log_quote(reason, sizeof(reason),
	    conn->reason != NULL ? conn->reason : "closed"),
	    gd_now_ms() - conn->opened_ms, conn->bytes_in, conn->bytes_out);
}

/* Close the socket, deliver CLOSE, and schedule (or do) the free. */
static void
conn_finish(struct gd_conn *conn, bool defer_free)
{
	assert(conn->depth == 0 && conn->state != CONN_CLOSED);
	if (conn->tls_active && conn->graceful)
		(void)gnutls_bye(conn->tls, GNUTLS_SHUT_WR);
	gd_conn_enter_state(conn, CONN_CLOSED);
	ev_io_stop(conn->ev, &conn->io);
	ev_timer_stop(conn->ev, &conn->timer);
	(void)close(conn->fd);
	conn->fd = -1;
	gd_conn_free_queue(conn);
	gd_linebuf_deinit(&conn->in);
	if (conn->drain_handle != NULL)
		gd_loop_drain_unregister(conn->loop, conn->drain_handle);
	conn->drain_handle = NULL;
	gd_conn_deliver(conn, GD_CONN_EV_CLOSE);
	conn_log_close(conn);
	gd_loop_conn_dec(conn->loop);
	if (conn->on_close != NULL)
		conn->on_close(conn->close_arg);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		conns_head = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	conns_count--;
	if (defer_free)
		gd_loop_defer(conn->loop, conn_free, conn);
	else
		conn_free(conn);
}

static void
conn_free(void *arg)
{
	struct gd_conn *conn = arg;

	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	ev_io_stop(conn->ev, &conn->io);
	ev_timer_stop(conn->ev, &conn->timer);
	gd_pool_destroy(&conn->pool);
	if (conn->tls != NULL)
		gnutls_deinit(conn->tls);
	conn->tls = NULL;
	gd_tls_creds_unref(&conn->creds);
	conn->magic = CONN_DEAD_MAGIC;
	free(conn);
}

void
gd_conns_thread_close_all(const char *reason)
{
	struct gd_conn *conn;

	while ((conn = conns_head) != NULL) {
		conn->graceful = false;
		if (conn->reason == NULL || conn->state != CONN_CLOSING)
			conn->reason = reason;
		conn_finish(conn, false);
	}
}

unsigned
gd_conns_thread_count(void)
{
	return conns_count;
}

void
gd_conn_close(struct gd_conn *conn, bool graceful, const char *reason)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (conn->state == CONN_CLOSED)
		return;
	if (conn->state == CONN_CLOSING) {
		if (!graceful && conn->graceful) {
			conn->graceful = false;
			conn->reason = reason;
			gd_conn_kick(conn);
		}
		return;
	}
	gd_conn_enter_state(conn, CONN_CLOSING);
	conn->graceful = graceful;
	conn->reason = reason;
	gd_conn_update_timer(conn);
	gd_conn_kick(conn);
}

/* A fatal I/O or TLS problem: close at once. */
void
gd_conn_fail(struct gd_conn *conn, const char *reason)
{
	if (conn->state == CONN_CLOSED)
		return;
	gd_conn_enter_state(conn, CONN_CLOSING);
	conn->graceful = false;
	conn->reason = reason;
}

bool
gd_conn_is_closing(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->state >= CONN_CLOSING;
}

/* ---- event plumbing -------------------------------------------------- */

static const char *const conn_state_names[] = {
	"new", "handshake", "starttls-flush", "open", "closing", "closed",
};

void
gd_conn_enter_state(struct gd_conn *conn, enum conn_state state)
{
	if (gd_log_enabled(GD_LOG_DEBUG))
		gd_log(GD_LOG_DEBUG, "conn.state", "session=%s from=%s to=%s "
		    "reason=%s", conn->id, conn_state_names[conn->state],
		    conn_state_names[state], conn->reason != NULL ?
		    "closing" : "progress");
	conn->state = (uint8_t)state;
}

void
gd_conn_deliver(struct gd_conn *conn, enum gd_conn_event ev)
{
	conn->depth++;
	conn->params->protocol->event(conn, ev);
	conn->depth--;
}

void
gd_conn_kick(struct gd_conn *conn)
{
	if (conn->depth == 0 && conn->state != CONN_CLOSED)
		ev_feed_event(conn->ev, &conn->io, EV_CUSTOM);
}

static void
conn_drain_cb(void *arg)
{
	struct gd_conn *conn = arg;

	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (conn->state == CONN_OPEN)
		gd_conn_deliver(conn, GD_CONN_EV_DRAIN);
	else if (conn->state != CONN_CLOSING && conn->state != CONN_CLOSED)
		gd_conn_fail(conn, "shutting down");
	gd_conn_kick(conn);
}

static void
conn_io_cb(struct ev_loop *ev, ev_io *w, int revents)
{
	struct gd_conn *conn = (struct gd_conn *)
	    ((char *)w - offsetof(struct gd_conn, io));

	(void)ev;
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (revents & EV_READ) {
		conn->rx_empty = false;
		conn->rx_waiting = conn->paused;
	}
	conn_run(conn);
	conn_settle(conn);
}

static void
conn_timer_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct gd_conn *conn = (struct gd_conn *)
	    ((char *)w - offsetof(struct gd_conn, timer));

	(void)ev;
	(void)revents;
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (conn->state == CONN_OPEN) {
		gd_conn_deliver(conn, GD_CONN_EV_TIMEOUT);
		if (conn->state == CONN_OPEN)
			gd_conn_close(conn, true, conn->paused ?
			    "command timeout" : "idle timeout");
	} else if (conn->state == CONN_CLOSING)
		gd_conn_fail(conn, "close timeout");
	else if (conn->state == CONN_HANDSHAKE)
		gd_conn_fail(conn, "tls handshake timeout");
	else if (conn->state != CONN_CLOSED)
		gd_conn_fail(conn, "timeout");
	conn_settle(conn);
}

/* Start serving: deliver OPEN, or begin the implicit TLS handshake. */
static void
conn_start(struct gd_conn *conn)
{
	const char *error;

	if (conn->params->tls != CONN_TLS_IMPLICIT) {
		gd_conn_enter_state(conn, CONN_OPEN);
		gd_conn_deliver(conn, GD_CONN_EV_OPEN);
		return;
	}
	if (gd_tls_session_create(conn->fd, &conn->tls, &conn->creds,
	    &error) < 0) {
		gd_conn_fail(conn, error);
		return;
	}
	gd_conn_enter_state(conn, CONN_HANDSHAKE);
	gd_conn_update_timer(conn);
}

/* Do whatever the current state allows; bounded per wake-up. */
static void
conn_run(struct gd_conn *conn)
{
	unsigned rounds;

	for (rounds = 0; rounds < 4; rounds++) {
		uint8_t before = conn->state;

		switch (conn->state) {
		case CONN_NEW:
			conn_start(conn);
			break;
		case CONN_HANDSHAKE:
			conn_handshake(conn);
			break;
		case CONN_OPEN:
			/* Replies queued so far go out with the ones this
			 * round adds (one send for a pipelined group, also
			 * after a hook resumed), unless the queue is high. */
			if (conn->above_low)
				gd_conn_flush(conn);
			if (conn->state == CONN_OPEN) {
				conn_process(conn);
				conn_read(conn);
			}
			gd_conn_flush(conn);
			break;
		case CONN_STARTTLS_FLUSH:
		case CONN_CLOSING:
			gd_conn_flush(conn);
			break;
		default:
			break;
		}
		if (conn->state == before)
			break;
	}
}

/* Outside any callback: close if due, else (re)arm the watcher. */
static void
conn_settle(struct gd_conn *conn)
{
	if (conn->depth > 0 || conn->state == CONN_CLOSED)
		return;
	if (conn->state == CONN_CLOSING &&
	    (!conn->graceful || conn->wq_head == NULL)) {
		conn_finish(conn, true);
		return;
	}
	if (gd_linebuf_pending(&conn->in) == 0)
		gd_linebuf_release(&conn->in);
	conn_update_io(conn);
	/* Decrypted bytes buffered in GnuTLS never wake the socket. */
	if (conn->tls_active && conn->state == CONN_OPEN &&
	    conn_can_read(conn) && gnutls_record_check_pending(conn->tls) > 0)
		ev_feed_event(conn->ev, &conn->io, EV_READ);
}

static bool
conn_can_read(const struct gd_conn *conn)
{
	size_t space;

	if (conn->state != CONN_OPEN || conn->paused || conn->eof ||
	    conn->wq_bytes > conn->params->write_buffer_max)
		return false;
	space = conn->in.size - gd_linebuf_pending(&conn->in);
	return space > 0;
}

/*
 * Read interest: while we can read, and also through a pause until input
 * comes that the pause keeps us from reading.  A hook that answers
 * before the client sends more (the pipelined case) then pauses and
 * resumes the connection without an epoll_ctl() either way.
 */
static bool
conn_wants_read(const struct gd_conn *conn)
{
	return conn_can_read(conn) || (conn->paused && !conn->rx_waiting &&
	    (conn->io_events & EV_READ) != 0);
}

static void
conn_update_io(struct gd_conn *conn)
{
	int events = 0;
	bool pending;

	switch (conn->state) {
	case CONN_HANDSHAKE:
		events = gnutls_record_get_direction(conn->tls) ?
		    EV_WRITE : EV_READ;
		break;
	case CONN_OPEN:
		events = conn_wants_read(conn) ? EV_READ : 0;
		/* FALLTHROUGH */
	case CONN_STARTTLS_FLUSH:
	case CONN_CLOSING:
		if (conn->wq_head != NULL)
			events |= EV_WRITE;
		break;
	default:
		break;
	}
	if (events == conn->io_events && ev_is_active(&conn->io) == !!events)
		return;
	/* ev_io_stop() also drops a pending kick: keep it. */
	pending = ev_is_pending(&conn->io);
	ev_io_stop(conn->ev, &conn->io);
	ev_io_set(&conn->io, conn->fd, events);
	if (events != 0)
		ev_io_start(conn->ev, &conn->io);
	conn->io_events = events;
	if (pending)
		ev_feed_event(conn->ev, &conn->io, EV_CUSTOM);
}

void
gd_conn_update_timer(struct gd_conn *conn)
{
	uint64_t ms;

	switch (conn->state) {
	case CONN_HANDSHAKE:
	case CONN_STARTTLS_FLUSH:
		ms = conn->creds != NULL ?
		    gd_tls_creds_handshake_timeout(conn->creds) : 10000;
		break;
	case CONN_CLOSING:
		ms = conn->idle_ms != 0 && conn->idle_ms < CONN_CLOSE_TIMEOUT_MS ?
		    conn->idle_ms : CONN_CLOSE_TIMEOUT_MS;
		break;
	case CONN_CLOSED:
		ms = 0;
		break;
	default:
		ms = conn->paused ? conn->command_ms : conn->idle_ms;
		break;
	}
	if (ms == 0) {
		ev_timer_stop(conn->ev, &conn->timer);
		return;
	}
	conn->timer.repeat = (ev_tstamp)ms / 1000.0;
	ev_timer_again(conn->ev, &conn->timer);
}

/* ---- input ------------------------------------------------------------ */

/* Deliver buffered input while the protocol and the queue allow it. */
static void
conn_process(struct gd_conn *conn)
{
	enum gd_linebuf_result r;
	size_t before;

	while (conn->state == CONN_OPEN && !conn->paused &&
	    conn->wq_bytes <= conn->params->write_buffer_max) {
		if (conn->raw) {
			before = gd_linebuf_pending(&conn->in);
			if (before == 0)
				break;
			gd_conn_deliver(conn, GD_CONN_EV_DATA);
			if (conn->raw && gd_linebuf_pending(&conn->in) == before)
				break;
			continue;
		}
		r = gd_linebuf_next(&conn->in, &conn->line, &conn->line_len);
		if (r == GD_LINEBUF_MORE)
			break;
		gd_conn_deliver(conn, r == GD_LINEBUF_LINE ?
		    GD_CONN_EV_LINE : GD_CONN_EV_LINE_TOO_LONG);
		conn->line = NULL;
		conn->line_len = 0;
	}
}

/* One read from the socket (plaintext or TLS) into the buffer. */
static ssize_t
conn_recv(struct gd_conn *conn, char *buf, size_t len)
{
	ssize_t n;

	if (!conn->tls_active) {
		n = recv(conn->fd, buf, len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return -2;
		if (n < 0)
			gd_conn_fail(conn, errno == ECONNRESET ? "peer reset" :
			    "read error");
		return n;
	}
	do {
		n = gnutls_record_recv(conn->tls, buf, len);
	} while (n == GNUTLS_E_INTERRUPTED ||
	    (n < 0 && n != GNUTLS_E_AGAIN && !gnutls_error_is_fatal((int)n)));
	if (n == GNUTLS_E_AGAIN)
		return -2;
	if (n == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	if (n < 0)
		gd_conn_fail(conn, gnutls_strerror((int)n));
	return n;
}

static void
conn_read(struct gd_conn *conn)
{
	size_t budget = CONN_READ_BUDGET, len;
	ssize_t n;
	char *p;

	if (conn->rx_empty && !conn->tls_active)
		return;
	while (budget > 0 && conn_can_read(conn)) {
		p = gd_linebuf_space(&conn->in, &len);
		if (len > budget)
			len = budget;
		n = conn_recv(conn, p, len);
		conn->rx_empty = n == -2;
		if (n == -2 || n < 0)
			break;
		if (n == 0) {
			conn->eof = true;
			conn_process(conn);
			gd_conn_close(conn, true, "peer closed");
			break;
		}
		gd_linebuf_commit(&conn->in, (size_t)n);
		conn->bytes_in += (uint64_t)n;
		budget -= (size_t)n;
		if (!conn->paused)
			ev_timer_again(conn->ev, &conn->timer);
		conn_process(conn);
		/* A short plaintext read emptied the socket: the (level-
		 * triggered) watcher says when more comes, which saves a
		 * recv() that would find nothing.  TLS may hold records the
		 * socket no longer shows, so it reads on. */
		if ((size_t)n < len && !conn->tls_active) {
			conn->rx_empty = true;
			break;
		}
	}
	if (budget == 0 && conn->tls_active)
		ev_feed_event(conn->ev, &conn->io, EV_READ);
}

const char *
gd_conn_line(struct gd_conn *conn, size_t *len_r)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	*len_r = conn->line_len;
	return conn->line;
}

bool
gd_conn_line_bare_lf(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->line != NULL && conn->in.bare_lf;
}

void
gd_conn_set_raw(struct gd_conn *conn, bool raw)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	conn->raw = raw;
	gd_conn_kick(conn);
}

const void *
gd_conn_raw_data(struct gd_conn *conn, size_t *len_r)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return gd_linebuf_data(&conn->in, len_r);
}

void
gd_conn_raw_consume(struct gd_conn *conn, size_t n)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	gd_linebuf_consume(&conn->in, n);
	gd_conn_kick(conn);
}

size_t
gd_conn_read_raw(struct gd_conn *conn, void *buf, size_t size)
{
	const char *data;
	size_t len;

	data = gd_conn_raw_data(conn, &len);
	if (len > size)
		len = size;
	if (len > 0) {
		memcpy(buf, data, len);
		gd_conn_raw_consume(conn, len);
	}
	return len;
}

void
gd_conn_pause_read(struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (conn->paused)
		return;
	conn->paused = true;
	gd_conn_update_timer(conn);
	if (conn->depth == 0 && conn->state == CONN_OPEN)
		conn_update_io(conn);
}

void
gd_conn_resume_read(struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (!conn->paused)
		return;
	conn->paused = false;
	conn->rx_waiting = false;
	gd_conn_update_timer(conn);
	gd_conn_kick(conn);
}

void
gd_conn_set_idle_timeout(struct gd_conn *conn, uint64_t ms)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	conn->idle_ms = ms;
	gd_conn_update_timer(conn);
}

void
gd_conn_set_command_timeout(struct gd_conn *conn, uint64_t ms)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	conn->command_ms = ms;
	gd_conn_update_timer(conn);
}

/* ---- TLS -------------------------------------------------------------- */

static void
conn_handshake(struct gd_conn *conn)
{
	bool reject;
	int ret;

	do {
		ret = gnutls_handshake(conn->tls);
	} while (ret < 0 && ret != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(ret));
	if (ret == GNUTLS_E_AGAIN)
		return;
	if (ret < 0) {
		gd_log(GD_LOG_INFO, "conn.tls", "session=%s peer=%s "
		    "reason=\"handshake failed: %s\"", conn->id,
		    conn->peer_str, gnutls_strerror(ret));
		gd_conn_fail(conn, "tls handshake failed");
		return;
	}
	conn->peer_status = gd_tls_verify_peer(conn->tls, &reject);
	if (reject) {
		gd_conn_fail(conn, "client certificate rejected");
		return;
	}
	conn->tls_active = true;
	gd_conn_enter_state(conn, CONN_OPEN);
	gd_conn_update_timer(conn);
	gd_log(GD_LOG_INFO, "conn.tls", "session=%s version=%s cipher=%s "
	    "reason=established", conn->id, gd_conn_tls_version(conn),
	    gd_conn_tls_cipher(conn));
	gd_conn_deliver(conn, conn->starttls ? GD_CONN_EV_TLS_READY :
	    GD_CONN_EV_OPEN);
}

bool
gd_conn_is_tls(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->tls_active;
}

bool
gd_conn_starttls_available(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->params->tls == CONN_TLS_STARTTLS && conn->tls == NULL &&
	    conn->state == CONN_OPEN && gd_tls_available();
}

int
gd_conn_starttls(struct gd_conn *conn, size_t *discarded_r,
    const char **error_r)
{
	size_t discarded;

	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (!gd_conn_starttls_available(conn)) {
		*error_r = conn->tls != NULL ? "TLS already active" :
		    "STARTTLS not available on this listener";
		return -1;
	}
	if (gd_tls_session_create(conn->fd, &conn->tls, &conn->creds,
	    error_r) < 0)
		return -1;
	/* Plaintext pipelined after STARTTLS must never count as TLS. */
	discarded = gd_linebuf_discard(&conn->in);
	if (discarded_r != NULL)
		*discarded_r = discarded;
	if (discarded > 0)
		gd_log(GD_LOG_NOTICE, "conn.starttls", "session=%s peer=%s "
		    "discarded=%zu reason=\"plaintext pipelined after "
		    "STARTTLS\"", conn->id, conn->peer_str, discarded);
	conn->starttls = true;
	conn->raw = false;
	conn->plain_left = conn->wq_bytes;
	gd_conn_enter_state(conn, CONN_STARTTLS_FLUSH);
	gd_conn_update_timer(conn);
	gd_conn_kick(conn);
	return 0;
}

gnutls_session_t
gd_conn_tls_session(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->tls_active ? conn->tls : NULL;
}

enum gd_tls_peer_status
gd_conn_tls_peer_status(const struct gd_conn *conn)
{
	return conn->peer_status;
}

/* ---- accessors -------------------------------------------------------- */

struct gd_loop *
gd_conn_loop(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->loop;
}

struct gd_pool *
gd_conn_pool(struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (conn->pool == NULL)
		conn->pool = gd_pool_create("connection");
	return conn->pool;
}

const char *
gd_conn_id(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->id;
}

const char *
gd_conn_peer(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->peer_str;
}

const char *
gd_conn_peer_ip(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->peer_ip;
}

const struct sockaddr *
gd_conn_peer_addr(const struct gd_conn *conn, socklen_t *len_r)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	*len_r = conn->peer_len;
	return (const struct sockaddr *)&conn->peer;
}

const struct sockaddr *
gd_conn_local_addr(const struct gd_conn *conn, socklen_t *len_r)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	*len_r = conn->local_len;
	return (const struct sockaddr *)&conn->local;
}

const char *
gd_conn_listener_name(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->listener_name;
}

const struct gd_protocol *
gd_conn_protocol(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->params->protocol;
}

struct gd_module_ctx *
gd_conn_module_ctx(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return gd_protocol_module(conn->params->protocol);
}

void
gd_conn_set_session(struct gd_conn *conn, void *session)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	conn->session = session;
}

void *
gd_conn_get_session(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->session;
}

void **
gd_conn_slot(struct gd_conn *conn, unsigned module_index)
{
	unsigned count = gd_module_count();

	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (module_index >= count)
		gd_fatal("gd_conn_slot: module index %u out of range (%u)",
		    module_index, count);
	if (conn->slots == NULL)
		conn->slots = gd_pool_alloc(gd_conn_pool(conn),
		    sizeof(void *) * count);
	return &conn->slots[module_index];
}
