/*
 * listener-private.h — the `listeners:` section: listening sockets, the
 * per-worker accept watchers, and admission before a connection is handed
 * to the connection code.
 *
 * Order of calls (daemon, main thread unless noted):
 *
 *   gd_listeners_configure()      parse and validate `listeners:`
 *   gd_listeners_open()           bind every socket
 *   gd_listeners_thread_start()   on each worker (from its thread init)
 *   ... serving; gd_listeners_reload_policy() on SIGHUP ...
 *   gd_listeners_thread_stop()    on each worker (from its thread fini)
 *   gd_listeners_close()          after gd_loops_join()
 *
 * Draining: each worker's accept watchers stop when the loop begins
 * draining (a drain callback registered by gd_listeners_thread_start()).
 *
 * Every refused connection is closed before a byte is written and logged
 * as one line: event=conn.refused listener=NAME peer=IP reason="...".
 */
#ifndef GD_LISTENER_PRIVATE_H
#define GD_LISTENER_PRIVATE_H

#include <sys/socket.h>

#include <gumdrop/config.h>
#include <gumdrop/loop.h>

/* The most worker threads a TCP listener can serve (one socket each). */
#define GD_LISTENER_MAX_WORKERS	256

/*
 * The listener's own keys of a `listeners:` entry (name, address,
 * backlog, max-connections, max-connections-per-ip, rate, allow, deny),
 * NULL-terminated.  The conn keys (gd_conn_listener_keys) are accepted
 * too.
 */
extern const struct gd_config_key gd_listener_keys[];

/*
 * Parse and validate the `listeners:` sequence of `root` (absent: no
 * listeners).  Unknown keys, bad addresses, bad networks and duplicate
 * names fail with "FILE:LINE: ..." in *error_r (the tree's pool).  The
 * conn keys are parsed by gd_conn_params_parse() into the tree's pool, so
 * the config tree must outlive the listeners.  Replaces any previous
 * configuration that was not opened.  0 or -1 (then nothing is kept).
 * Main thread, before gd_listeners_open().
 */
int gd_listeners_configure(const struct gd_config_node *root,
    const char **error_r);

/*
 * Bind and listen on every configured socket: for TCP one SO_REUSEPORT
 * socket per worker (gd_loop_count(), or 1 before the loops start; more
 * are bound by gd_listeners_thread_start() as needed), IPV6_V6ONLY on v6;
 * for UNIX one socket shared by all workers (a stale socket file is
 * removed first, unless a server still answers on it; mode 0666).  All
 * sockets are non-blocking and close-on-exec.  Port 0 picks a free port,
 * shared by all the listener's sockets.  0, or -1 with *error_r (a static
 * buffer, valid until the next open) and every socket closed again.  Main
 * thread.
 */
int gd_listeners_open(const char **error_r);

/*
 * On a worker thread (its thread init): start the accept watchers of this
 * loop and register the drain callback that stops them.  0, or -1 with
 * *error_r (a static buffer) when an extra per-worker socket could not be
 * bound; the watchers already started are stopped again.
 */
int gd_listeners_thread_start(struct gd_loop *loop, const char **error_r);

/* On a worker thread (its thread fini): stop and free its watchers. */
void gd_listeners_thread_stop(struct gd_loop *loop);

/*
 * SIGHUP: parse the new `listeners:` of `root` and swap in, for every
 * listener that exists under the same name, the new allow/deny lists and
 * limits (atomically for the accepting threads; live connections and
 * their counts are untouched).  Addresses, backlog and conn keys keep
 * their old values until a restart, except `sasl:` (gumdrop/sasl.h),
 * whose new settings apply to connections accepted from then on; a new listener is logged and ignored,
 * a removed one keeps its current policy.  Every entry is checked before
 * anything changes: 0, or -1 with *error_r (nothing changed).  Main
 * thread.
 */
int gd_listeners_reload_policy(const struct gd_config_node *root,
    const char **error_r);

/*
 * Close every socket, unlink UNIX socket files and free the listeners.
 * Main thread, after gd_loops_join() (connections hold a pointer to their
 * listener's admission state until they close).
 */
void gd_listeners_close(void);

/*
 * The bound address of listener `name` (the real port after binding port
 * 0).  0, or -1 if there is no such open listener.  Any thread, between
 * gd_listeners_open() and gd_listeners_close().
 */
int gd_listeners_local_addr(const char *name, struct sockaddr_storage *addr_r,
    socklen_t *len_r);

#endif /* GD_LISTENER_PRIVATE_H */
