/*
 * tls-private.h — server TLS credentials (GnuTLS) shared by all loops.
 */
#ifndef GD_TLS_PRIVATE_H
#define GD_TLS_PRIVATE_H

#include <gnutls/gnutls.h>

#include <gumdrop/config.h>
#include <gumdrop/tls.h>

/*
 * Main thread, before listeners are configured: load the top-level
 * `tls:` section (absent is fine: then no TLS listener may be declared).
 * 0, or -1 with *error_r (config tree's pool or static).
 */
int gd_tls_configure(const struct gd_config_node *root, const char **error_r);

/*
 * Main thread, on SIGHUP: load new credentials for new handshakes.  Live
 * sessions keep the ones they started with (refcounted).  On failure the
 * old credentials stay.  0 or -1.
 */
int gd_tls_reload(const struct gd_config_node *root, const char **error_r);

/* Main thread, at exit: drop the current credentials. */
void gd_tls_shutdown(void);

/* True when credentials are loaded.  Any thread. */
bool gd_tls_available(void);

/* One reference to a credentials generation. */
struct gd_tls_creds;

/*
 * Any thread: create a server session on `fd` using the current
 * credentials (a reference is taken and stored in *creds_r; release it
 * with gd_tls_creds_unref() after gnutls_deinit()).  0, or -1 with
 * *error_r (static) when no credentials or gnutls fails.
 */
int gd_tls_session_create(int fd, gnutls_session_t *session_r,
    struct gd_tls_creds **creds_r, const char **error_r);

void gd_tls_creds_unref(struct gd_tls_creds **creds);

/* The handshake timeout of a generation, in milliseconds. */
uint64_t gd_tls_creds_handshake_timeout(const struct gd_tls_creds *creds);

/*
 * After a completed handshake: check the client certificate against the
 * generation's ca-file.  *reject_r is set when `client-certificates:
 * require` and the status is not VALID (the handshake must then fail).
 */
enum gd_tls_peer_status gd_tls_verify_peer(gnutls_session_t session,
    bool *reject_r);

/*
 * Load credentials from an explicit description (tests).  `certs` and
 * `keys` are parallel arrays of PEM file names.  0 or -1.
 */
int gd_tls_configure_files(const char *const *certs, const char *const *keys,
    size_t count, const char *priority, const char *client_certs,
    const char *ca_file, uint64_t handshake_timeout_ms,
    const char **error_r);

#endif /* GD_TLS_PRIVATE_H */
