/*
 * gumdrop/tls.h — TLS details of a connection (GnuTLS).
 *
 * The core owns the TLS session: it loads the server credentials from the
 * top-level `tls:` section, runs the handshake (implicit TLS listeners, or
 * STARTTLS via gd_conn_starttls() in conn.h) and encrypts all I/O.  This
 * header gives protocols and modules read access to what they need:
 * version and cipher for Received headers, channel binding for SASL
 * (SCRAM-*-PLUS), and the client certificate for certificate auth.
 *
 *   tls:
 *     certificates:            # one or more pairs; chosen by SNI
 *       - {cert: /etc/gumdrop/mx.pem, key: /etc/gumdrop/mx.key}
 *     priority: "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
 *     client-certificates: none   # none | request | require
 *     ca-file: /etc/gumdrop/clients-ca.pem   # for request/require
 *     handshake-timeout: 10s
 *
 * All functions: connection's loop thread only.  Strings returned are
 * static or owned by the session and valid until the CLOSE event.
 */
#ifndef GUMDROP_TLS_H
#define GUMDROP_TLS_H

#include <gnutls/gnutls.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_conn;

/*
 * The GnuTLS session, or NULL while the connection is not (yet) TLS.
 * Read-only use: never send/receive or change it.
 */
GD_API gnutls_session_t gd_conn_tls_session(const struct gd_conn *conn);

/*
 * Negotiated protocol ("TLS1.3") and cipher ("AES-256-GCM"), or NULL when
 * not TLS.  Static strings.
 */
GD_API const char *gd_conn_tls_version(const struct gd_conn *conn);
GD_API const char *gd_conn_tls_cipher(const struct gd_conn *conn);

/* The SNI host name the client sent, or NULL. (Pool string.) */
GD_API const char *gd_conn_tls_server_name(struct gd_conn *conn);

/*
 * Channel binding data: `type` is "tls-exporter" (RFC 9266, the one to
 * use with TLS 1.3), "tls-unique" (RFC 5929, TLS 1.2 only) or (since ABI
 * 1.1) "tls-server-end-point" (RFC 5929 4: the hash of the server's
 * certificate, SHA-256 unless its signature hash is SHA-384 or SHA-512).  Copies at
 * most *len_r bytes into buf and stores the length in *len_r.  Returns 0,
 * or -1 with *error_r (static) when not TLS, the type is unknown or not
 * available for the negotiated version, or buf is too small.
 */
GD_API int gd_conn_tls_channel_binding(const struct gd_conn *conn,
    const char *type, void *buf, size_t *len_r, const char **error_r);

enum gd_tls_peer_status {
	GD_TLS_PEER_NONE = 0,	/* not TLS, or no client certificate */
	GD_TLS_PEER_VALID,	/* certificate verified against ca-file */
	GD_TLS_PEER_INVALID,	/* presented but did not verify */
};

/*
 * The client certificate (leaf, DER) if one was presented: *der_r points
 * into the session (valid until CLOSE), *len_r its length.  Returns the
 * verification status; with GD_TLS_PEER_NONE *der_r is NULL.
 */
GD_API enum gd_tls_peer_status gd_conn_tls_peer_cert(
    const struct gd_conn *conn, const void **der_r, size_t *len_r);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_TLS_H */
