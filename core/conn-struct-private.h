/*
 * conn-struct-private.h — the connection object and its parameters,
 * shared only by conn.c (life cycle, events, input), conn-output.c (write
 * queue) and conn-params.c (listener keys).  Never include it elsewhere:
 * everyone else goes through gumdrop/conn.h and conn-private.h.
 */
#ifndef GD_CONN_STRUCT_PRIVATE_H
#define GD_CONN_STRUCT_PRIVATE_H

#include <sys/socket.h>
#include <arpa/inet.h>

#include <ev.h>
#include <gnutls/gnutls.h>

#include <gumdrop/conn.h>
#include <gumdrop/tls.h>

#include "conn-private.h"
#include "linebuf-private.h"

#define CONN_DEAD_MAGIC		0x64656164u
#define CONN_READ_BUDGET	(64 * 1024)	/* bytes read per wake-up */
#define CONN_IOV_MAX		16
#define CONN_CHUNK_MIN		512
#define CONN_TLS_RECORD		16384
#define CONN_CLOSE_TIMEOUT_MS	30000

enum conn_tls_mode {
	CONN_TLS_NONE = 0,
	CONN_TLS_IMPLICIT,
	CONN_TLS_STARTTLS,
};

/* "none", "implicit", "starttls", NULL (indexed by enum conn_tls_mode). */
extern const char *const gd_conn_tls_modes[];

struct gd_sasl_holder;
struct gd_sasl_settings;

struct gd_conn_params {
	const struct gd_protocol *protocol;
	enum conn_tls_mode tls;
	size_t max_line;
	size_t read_buffer;
	size_t write_buffer_max;
	uint64_t idle_ms;
	uint64_t command_ms;
	/* The listener's `sasl:` settings (NULL: none); see conn.c. */
	struct gd_sasl_holder *sasl;
};

enum conn_state {
	CONN_NEW = 0,		/* OPEN (or the handshake) not started */
	CONN_HANDSHAKE,		/* TLS handshake running */
	CONN_STARTTLS_FLUSH,	/* sending the plaintext part of the queue */
	CONN_OPEN,
	CONN_CLOSING,		/* graceful: flushing before close */
	CONN_CLOSED,		/* CLOSE delivered; free pending */
};

struct conn_chunk {
	struct conn_chunk *next;
	const char *data;
	size_t len;
	size_t off;			/* bytes already sent */
	size_t cap;			/* copy chunks: size of buf[] */
	gd_conn_chunk_free_fn *free_fn;
	void *arg;
	char buf[];
};

struct gd_conn {
	uint32_t magic;
	int fd;
	struct gd_loop *loop;
	struct ev_loop *ev;
	ev_io io;
	ev_timer timer;
	const struct gd_conn_params *params;
	const struct gd_sasl_settings *sasl;	/* as when accepted */
	const char *listener_name;
	gd_conn_closed_fn *on_close;
	void *close_arg;
	struct gd_conn *prev, *next;	/* this thread's connections */

	void *session;
	void **slots;
	struct gd_pool *pool;
	void *drain_handle;

	struct gd_linebuf in;
	const char *line;
	size_t line_len;

	struct conn_chunk *wq_head, *wq_tail;
	size_t wq_bytes;
	size_t plain_left;		/* STARTTLS: plaintext still to send */
	size_t tls_retry;		/* size of a send that got EAGAIN */

	gnutls_session_t tls;
	struct gd_tls_creds *creds;

	uint64_t idle_ms, command_ms;
	uint64_t opened_ms;
	uint64_t bytes_in, bytes_out;
	const char *reason;
	unsigned depth;
	int io_events;

	uint8_t state;			/* enum conn_state */
	enum gd_tls_peer_status peer_status;
	bool raw, paused, graceful, eof, above_low, starttls, tls_active;
	/* The last plaintext read emptied the socket: no recv() until the
	 * watcher reports it readable again (not when a kick runs us). */
	bool rx_empty;
	/* Input came while paused: stop watching until the resume. */
	bool rx_waiting;

	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
	char id[17];
	char peer_ip[INET6_ADDRSTRLEN];
	char peer_str[INET6_ADDRSTRLEN + 10];
};

/*
 * Internal steps shared between the conn*.c files (see conn.c for the
 * re-entrancy rules: nothing here frees the connection).
 */
void gd_conn_deliver(struct gd_conn *conn, enum gd_conn_event ev);
/* The only way the state changes (logged at debug level). */
void gd_conn_enter_state(struct gd_conn *conn, enum conn_state state);
void gd_conn_kick(struct gd_conn *conn);
void gd_conn_fail(struct gd_conn *conn, const char *reason);
void gd_conn_update_timer(struct gd_conn *conn);

/* conn-params.c: the listener's current `sasl:` settings, or NULL. */
const struct gd_sasl_settings *gd_conn_params_sasl(
    const struct gd_conn_params *params);

/* conn-output.c: send what the queue and the state allow. */
void gd_conn_flush(struct gd_conn *conn);
/* conn-output.c: drop the queue, calling every chunk's free_fn. */
void gd_conn_free_queue(struct gd_conn *conn);

#endif /* GD_CONN_STRUCT_PRIVATE_H */
