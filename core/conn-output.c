/*
 * conn-output.c — the connection's write queue: copied and zero-copy
 * chunks sent in order with writev (plaintext) or TLS records, the
 * low-water DRAINED event, and the plaintext/TLS boundary of STARTTLS.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <ev.h>
#include <gnutls/gnutls.h>

#include <gumdrop/common.h>
#include <gumdrop/conn.h>

#include "conn-struct-private.h"

static void conn_enqueue(struct gd_conn *conn, struct conn_chunk *c);
static bool conn_writable(const struct gd_conn *conn);
static void conn_advance(struct gd_conn *conn, size_t n);
static ssize_t conn_send_once(struct gd_conn *conn, size_t limit);

/* ---- output ----------------------------------------------------------- */

static void
conn_enqueue(struct gd_conn *conn, struct conn_chunk *c)
{
	if (conn->wq_tail != NULL)
		conn->wq_tail->next = c;
	else
		conn->wq_head = c;
	conn->wq_tail = c;
	conn->wq_bytes += c->len;
	if (conn->wq_bytes > conn->params->write_buffer_max / 2)
		conn->above_low = true;
	gd_conn_kick(conn);
}

static bool
conn_writable(const struct gd_conn *conn)
{
	return conn->state != CONN_CLOSED &&
	    !(conn->state == CONN_CLOSING && !conn->graceful);
}

int
gd_conn_write(struct gd_conn *conn, const void *data, size_t len)
{
	struct conn_chunk *t;
	size_t cap;

	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (!conn_writable(conn))
		return -1;
	if (len == 0)
		return 0;
	t = conn->wq_tail;
	/* Append to the tail copy chunk unless a TLS retry pins its size. */
	if (t != NULL && t->cap != 0 && t->cap - t->len >= len &&
	    !(t == conn->wq_head && conn->tls_retry != 0)) {
		memcpy(t->buf + t->len, data, len);
		t->len += len;
		conn->wq_bytes += len;
		if (conn->wq_bytes > conn->params->write_buffer_max / 2)
			conn->above_low = true;
		gd_conn_kick(conn);
		return 0;
	}
	cap = len < CONN_CHUNK_MIN ? CONN_CHUNK_MIN : len;
	t = gd_xmalloc(sizeof(*t) + cap);
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	t->data = t->buf;
	memcpy(t->buf, data, len);
	t->len = len;
	conn_enqueue(conn, t);
	return 0;
}

int
gd_conn_vwritef(struct gd_conn *conn, const char *fmt, va_list ap)
{
	char small[512], *big;
	va_list ap2;
	int n, ret;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return gd_conn_write(conn, small, (size_t)n);
	big = gd_xmalloc((size_t)n + 1);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	ret = gd_conn_write(conn, big, (size_t)n);
	free(big);
	return ret;
}

int
gd_conn_writef(struct gd_conn *conn, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = gd_conn_vwritef(conn, fmt, ap);
	va_end(ap);
	return ret;
}

int
gd_conn_write_chunk(struct gd_conn *conn, const void *data, size_t len,
    gd_conn_chunk_free_fn *free_fn, void *arg)
{
	struct conn_chunk *c;

	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	if (!conn_writable(conn) || len == 0) {
		if (free_fn != NULL)
			free_fn(arg);
		return len == 0 && conn_writable(conn) ? 0 : -1;
	}
	c = gd_xcalloc(1, sizeof(*c));
	c->data = data;
	c->len = len;
	c->free_fn = free_fn;
	c->arg = arg;
	conn_enqueue(conn, c);
	return 0;
}

size_t
gd_conn_write_pending(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->wq_bytes;
}

size_t
gd_conn_write_low_water(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->params->write_buffer_max / 2;
}

/* `n` bytes were sent: drop finished chunks. */
static void
conn_advance(struct gd_conn *conn, size_t n)
{
	struct conn_chunk *c;
	size_t step;

	conn->bytes_out += n;
	conn->wq_bytes -= n;
	if (conn->state == CONN_STARTTLS_FLUSH)
		conn->plain_left -= n;
	while (n > 0 && (c = conn->wq_head) != NULL) {
		step = c->len - c->off < n ? c->len - c->off : n;
		c->off += step;
		n -= step;
		if (c->off < c->len)
			break;
		conn->wq_head = c->next;
		if (conn->wq_head == NULL)
			conn->wq_tail = NULL;
		if (c->free_fn != NULL)
			c->free_fn(c->arg);
		free(c);
	}
}

/* One send attempt; bytes sent, 0 on EAGAIN, -1 after gd_conn_fail. */
static ssize_t
conn_send_once(struct gd_conn *conn, size_t limit)
{
	struct iovec iov[CONN_IOV_MAX];
	struct conn_chunk *c = conn->wq_head;
	struct msghdr msg;
	size_t len;
	ssize_t n;
	int cnt = 0;

	if (conn->tls_active) {
		len = conn->tls_retry != 0 ? conn->tls_retry :
		    c->len - c->off < CONN_TLS_RECORD ? c->len - c->off :
		    CONN_TLS_RECORD;
		n = gnutls_record_send(conn->tls, c->data + c->off, len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			conn->tls_retry = len;
			return 0;
		}
		conn->tls_retry = 0;
		if (n < 0)
			gd_conn_fail(conn, gnutls_strerror((int)n));
		return n < 0 ? -1 : n;
	}
	for (; c != NULL && cnt < CONN_IOV_MAX && limit > 0; c = c->next) {
		len = c->len - c->off < limit ? c->len - c->off : limit;
		iov[cnt].iov_base = (void *)(uintptr_t)(c->data + c->off);
		iov[cnt++].iov_len = len;
		limit -= len;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)cnt;
	/* MSG_NOSIGNAL: a vanished peer is an error, not a SIGPIPE. */
	n = sendmsg(conn->fd, &msg, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	if (n < 0)
		gd_conn_fail(conn, errno == EPIPE || errno == ECONNRESET ?
		    "peer reset" : "write error");
	return n;
}

void
gd_conn_flush(struct gd_conn *conn)
{
	size_t limit;
	ssize_t n;

	while (conn->wq_head != NULL && conn_writable(conn)) {
		limit = conn->state == CONN_STARTTLS_FLUSH ?
		    conn->plain_left : SIZE_MAX;
		if (limit == 0)
			break;
		n = conn_send_once(conn, limit);
		if (n <= 0)
			break;
		conn_advance(conn, (size_t)n);
		if (!conn->paused && conn->state != CONN_CLOSING)
			ev_timer_again(conn->ev, &conn->timer);
	}
	if (conn->state == CONN_STARTTLS_FLUSH && conn->plain_left == 0) {
		gd_conn_enter_state(conn, CONN_HANDSHAKE);
		gd_conn_update_timer(conn);
		return;
	}
	if (conn->above_low &&
	    conn->wq_bytes <= conn->params->write_buffer_max / 2) {
		conn->above_low = false;
		if (conn->state == CONN_OPEN)
			gd_conn_deliver(conn, GD_CONN_EV_DRAINED);
	}
}

void
gd_conn_free_queue(struct gd_conn *conn)
{
	struct conn_chunk *c, *next;

	for (c = conn->wq_head; c != NULL; c = next) {
		next = c->next;
		if (c->free_fn != NULL)
			c->free_fn(c->arg);
		free(c);
	}
	conn->wq_head = conn->wq_tail = NULL;
	conn->wq_bytes = 0;
}
