/*
 * conn-private.h — connection internals shared with the listener and the
 * daemon (never installed).
 */
#ifndef GD_CONN_PRIVATE_H
#define GD_CONN_PRIVATE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <gumdrop/conn.h>
#include <gumdrop/config.h>
#include <gumdrop/tls.h>

struct gd_loop;
struct gd_pool;

/*
 * The per-listener keys conn owns (protocol, tls, max-line-length,
 * idle-timeout, command-timeout, read-buffer, write-buffer-max); the
 * table ends with a NULL name.  The listener merges them with its own.
 */
extern const struct gd_config_key gd_conn_listener_keys[];

/* Parsed per-listener connection settings; opaque outside conn.c. */
struct gd_conn_params;

/*
 * Main thread.  Parse the conn keys of one `listeners:` entry into
 * *params_r, allocated from `pool` (the config generation's).  Checks that
 * the protocol exists (gd_protocol_find(): modules must be loaded first)
 * and that TLS is configured when `tls:` is implicit or starttls
 * (gd_tls_configure() must have run first).  Unknown keys are not checked
 * here (the listener validates the whole map).  0, or -1 with *error_r
 * ("FILE:LINE: key ...", in the tree's pool).
 */
int gd_conn_params_parse(const struct gd_config_node *listener,
    struct gd_pool *pool, struct gd_conn_params **params_r,
    const char **error_r);

/* Build params without a config tree (tests).  0 or -1. */
int gd_conn_params_make(struct gd_pool *pool,
    const struct gd_protocol *protocol, const char *tls_mode,
    size_t max_line, size_t read_buffer, size_t write_buffer_max,
    uint64_t idle_timeout_ms, uint64_t command_timeout_ms,
    struct gd_conn_params **params_r, const char **error_r);

/*
 * Give params (made by gd_conn_params_make) the `sasl:` settings
 * `settings` (tests; the parser does it from the config).  Connections
 * accepted later use them.
 */
struct gd_sasl_settings;
void gd_conn_params_set_sasl(struct gd_conn_params *params,
    struct gd_pool *pool, const struct gd_sasl_settings *settings);

/*
 * SIGHUP, first for every listener: parse the `sasl:` key of the new
 * `listener` entry for the live `params` (its protocol) into *new_r
 * (NULL when the key is absent).  0, or -1 with *error_r.  Then, only if
 * every listener passed, gd_conn_params_swap_sasl() makes the new
 * settings what connections accepted from now on get; live connections
 * keep theirs.  Main thread.
 */
int gd_conn_params_check_sasl(const struct gd_config_node *listener,
    const struct gd_conn_params *params,
    const struct gd_sasl_settings **new_r, const char **error_r);
void gd_conn_params_swap_sasl(const struct gd_conn_params *params,
    const struct gd_sasl_settings *settings);

typedef void gd_conn_closed_fn(void *arg);

/*
 * On `loop`'s thread: wrap an accepted socket (ownership of `fd` passes to
 * the core; it is made non-blocking) and start serving it.  `peer` and
 * `local` are copied; `listener_name` and `params` must outlive the
 * connection.  on_close(close_arg) runs once the socket is closed (after
 * the protocol's CLOSE event); may be NULL.  Calls gd_loop_conn_inc() now
 * and gd_loop_conn_dec() at close.  Logs event=conn.open.
 */
void gd_conn_accept(struct gd_loop *loop, int fd, const struct sockaddr *peer,
    socklen_t peer_len, const struct sockaddr *local, socklen_t local_len,
    const char *listener_name, const struct gd_conn_params *params,
    gd_conn_closed_fn *on_close, void *close_arg);

/*
 * On a worker thread, when its loop stops (after the drain grace): close
 * every connection of this thread at once (no flushing), delivering the
 * CLOSE events and freeing them immediately.  Safe when there are none.
 */
void gd_conns_thread_close_all(const char *reason);

/* The client certificate status stored after the handshake (tls.c). */
enum gd_tls_peer_status gd_conn_tls_peer_status(const struct gd_conn *conn);

/* Number of open connections on the calling thread (tests). */
unsigned gd_conns_thread_count(void);

#endif /* GD_CONN_PRIVATE_H */
