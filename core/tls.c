/*
 * tls.c — server credentials (refcounted generations) and the read-only
 * TLS accessors of gumdrop/tls.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include <gumdrop/common.h>
#include <gumdrop/config.h>
#include <gumdrop/conn.h>
#include <gumdrop/log.h>
#include <gumdrop/pool.h>
#include <gumdrop/tls.h>

#include "conn-private.h"
#include "tls-private.h"

#define TLS_DEFAULT_PRIORITY	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define TLS_DEFAULT_HS_MS	10000

enum tls_client_mode {
	TLS_CLIENT_NONE = 0,
	TLS_CLIENT_REQUEST,
	TLS_CLIENT_REQUIRE,
};

struct gd_tls_creds {
	unsigned refs;			/* atomic */
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	enum tls_client_mode client_mode;
	uint64_t handshake_timeout_ms;
};

static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gd_tls_creds *tls_current;

static const char *const tls_client_modes[] = {
	"none", "request", "require", NULL
};

static const struct gd_config_key tls_keys[] = {
	{ "certificates", GD_CONFIG_KEY_SEQ, NULL, 0, 0,
	    "list of {cert, key} PEM file pairs; chosen by SNI" },
	{ "priority", GD_CONFIG_KEY_STRING, TLS_DEFAULT_PRIORITY, 0, 0,
	    "GnuTLS priority string" },
	{ "client-certificates", GD_CONFIG_KEY_STRING, "none", 0, 0,
	    "none, request or require" },
	{ "ca-file", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "PEM CAs that client certificates are verified against" },
	{ "handshake-timeout", GD_CONFIG_KEY_DURATION, "10s", 100, 300000,
	    "time allowed for a TLS handshake" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_config_key tls_cert_keys[] = {
	{ "cert", GD_CONFIG_KEY_STRING, NULL, 0, 0, "certificate chain PEM" },
	{ "key", GD_CONFIG_KEY_STRING, NULL, 0, 0, "private key PEM" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static struct gd_tls_creds *tls_creds_new(void);
static int tls_creds_finish(struct gd_tls_creds *c, const char *priority,
    int client_mode, const char *ca_file, const char **error_r);
static int tls_parse(const struct gd_config_node *tls,
    struct gd_tls_creds **creds_r, const char **error_r);
static int tls_parse_cert(struct gd_tls_creds *c,
    const struct gd_config_node *item, const char **error_r);
static void tls_swap(struct gd_tls_creds *creds);

static struct gd_tls_creds *
tls_creds_new(void)
{
	struct gd_tls_creds *c = gd_xcalloc(1, sizeof(*c));
	int ret;

	c->refs = 1;
	ret = gnutls_certificate_allocate_credentials(&c->cred);
	if (ret < 0)
		gd_fatal("gnutls_certificate_allocate_credentials: %s",
		    gnutls_strerror(ret));
	c->handshake_timeout_ms = TLS_DEFAULT_HS_MS;
	return c;
}

void
gd_tls_creds_unref(struct gd_tls_creds **creds)
{
	struct gd_tls_creds *c = *creds;

	*creds = NULL;
	if (c == NULL || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (c->prio != NULL)
		gnutls_priority_deinit(c->prio);
	gnutls_certificate_free_credentials(c->cred);
	free(c);
}

/* Priority, client-certificate mode and trust; error_r static. */
static int
tls_creds_finish(struct gd_tls_creds *c, const char *priority,
    int client_mode, const char *ca_file, const char **error_r)
{
	const char *errpos = NULL;
	int ret;

	ret = gnutls_priority_init(&c->prio, priority, &errpos);
	if (ret < 0) {
		c->prio = NULL;
		*error_r = "invalid GnuTLS priority string";
		return -1;
	}
	c->client_mode = (enum tls_client_mode)client_mode;
	if (client_mode != TLS_CLIENT_NONE) {
		if (ca_file == NULL) {
			*error_r = "client-certificates needs a ca-file";
			return -1;
		}
		ret = gnutls_certificate_set_x509_trust_file(c->cred, ca_file,
		    GNUTLS_X509_FMT_PEM);
		if (ret <= 0) {
			*error_r = "cannot load any CA from ca-file";
			return -1;
		}
	}
	(void)gnutls_certificate_set_known_dh_params(c->cred,
	    GNUTLS_SEC_PARAM_MEDIUM);
	return 0;
}

int
gd_tls_configure_files(const char *const *certs, const char *const *keys,
    size_t count, const char *priority, const char *client_certs,
    const char *ca_file, uint64_t handshake_timeout_ms, const char **error_r)
{
	struct gd_tls_creds *c = tls_creds_new();
	int mode = -1, ret;
	size_t i;

	for (i = 0; tls_client_modes[i] != NULL; i++)
		if (strcmp(tls_client_modes[i],
		    client_certs != NULL ? client_certs : "none") == 0)
			mode = (int)i;
	for (i = 0; i < count && mode >= 0; i++) {
		ret = gnutls_certificate_set_x509_key_file2(c->cred, certs[i],
		    keys[i], GNUTLS_X509_FMT_PEM, NULL, 0);
		if (ret < 0) {
			*error_r = gnutls_strerror(ret);
			gd_tls_creds_unref(&c);
			return -1;
		}
	}
	if (mode < 0) {
		*error_r = "client-certificates: expected none, request, require";
		gd_tls_creds_unref(&c);
		return -1;
	}
	c->handshake_timeout_ms = handshake_timeout_ms;
	if (tls_creds_finish(c, priority != NULL ? priority :
	    TLS_DEFAULT_PRIORITY, mode, ca_file, error_r) < 0) {
		gd_tls_creds_unref(&c);
		return -1;
	}
	tls_swap(c);
	return 0;
}

/* One {cert, key} item. */
static int
tls_parse_cert(struct gd_tls_creds *c, const struct gd_config_node *item,
    const char **error_r)
{
	const char *cert, *key;
	int ret;

	if (gd_config_validate(item, tls_cert_keys, error_r) < 0 ||
	    gd_config_get_string(item, "cert", NULL, &cert, error_r) < 0 ||
	    gd_config_get_string(item, "key", NULL, &key, error_r) < 0)
		return -1;
	if (cert == NULL || key == NULL) {
		*error_r = gd_config_error(item, "expected both cert and key");
		return -1;
	}
	ret = gnutls_certificate_set_x509_key_file2(c->cred, cert, key,
	    GNUTLS_X509_FMT_PEM, NULL, 0);
	if (ret < 0) {
		*error_r = gd_config_error(item, "cannot load %s / %s: %s",
		    cert, key, gnutls_strerror(ret));
		return -1;
	}
	return 0;
}

static int
tls_parse(const struct gd_config_node *tls, struct gd_tls_creds **creds_r,
    const char **error_r)
{
	const struct gd_config_node *certs;
	struct gd_tls_creds *c;
	const char *priority, *ca_file, *err;
	int mode;
	size_t i;

	if (gd_config_validate(tls, tls_keys, error_r) < 0)
		return -1;
	certs = gd_config_get(tls, "certificates");
	if (certs == NULL || gd_config_node_count(certs) == 0) {
		*error_r = gd_config_error(certs != NULL ? certs : tls,
		    "expected at least one certificate");
		return -1;
	}
	c = tls_creds_new();
	if (gd_config_get_string(tls, "priority", TLS_DEFAULT_PRIORITY,
	    &priority, error_r) < 0 ||
	    gd_config_get_enum(tls, "client-certificates", tls_client_modes,
	    TLS_CLIENT_NONE, &mode, error_r) < 0 ||
	    gd_config_get_string(tls, "ca-file", NULL, &ca_file, error_r) < 0 ||
	    gd_config_get_duration(tls, "handshake-timeout", TLS_DEFAULT_HS_MS,
	    100, 300000, &c->handshake_timeout_ms, error_r) < 0)
		goto fail;
	for (i = 0; i < gd_config_node_count(certs); i++)
		if (tls_parse_cert(c, gd_config_node_at(certs, i), error_r) < 0)
			goto fail;
	if (tls_creds_finish(c, priority, mode, ca_file, &err) < 0) {
		*error_r = gd_config_error(tls, "%s", err);
		goto fail;
	}
	*creds_r = c;
	return 0;
fail:
	gd_tls_creds_unref(&c);
	return -1;
}

static void
tls_swap(struct gd_tls_creds *creds)
{
	struct gd_tls_creds *old;

	pthread_mutex_lock(&tls_lock);
	old = tls_current;
	tls_current = creds;
	pthread_mutex_unlock(&tls_lock);
	gd_tls_creds_unref(&old);
}

int
gd_tls_configure(const struct gd_config_node *root, const char **error_r)
{
	const struct gd_config_node *tls = gd_config_get(root, "tls");
	struct gd_tls_creds *c;

	if (tls == NULL || gd_config_node_is_null(tls)) {
		tls_swap(NULL);
		return 0;
	}
	if (tls_parse(tls, &c, error_r) < 0)
		return -1;
	tls_swap(c);
	return 0;
}

int
gd_tls_reload(const struct gd_config_node *root, const char **error_r)
{
	int ret = gd_tls_configure(root, error_r);

	if (ret == 0)
		gd_log(GD_LOG_INFO, "tls.reload", "credentials=%s",
		    gd_tls_available() ? "loaded" : "none");
	return ret;
}

void
gd_tls_shutdown(void)
{
	tls_swap(NULL);
}

bool
gd_tls_available(void)
{
	bool ret;

	pthread_mutex_lock(&tls_lock);
	ret = tls_current != NULL;
	pthread_mutex_unlock(&tls_lock);
	return ret;
}

uint64_t
gd_tls_creds_handshake_timeout(const struct gd_tls_creds *creds)
{
	return creds->handshake_timeout_ms;
}

int
gd_tls_session_create(int fd, gnutls_session_t *session_r,
    struct gd_tls_creds **creds_r, const char **error_r)
{
	struct gd_tls_creds *c;
	gnutls_session_t s;
	int ret;

	pthread_mutex_lock(&tls_lock);
	c = tls_current;
	if (c != NULL)
		__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&tls_lock);
	if (c == NULL) {
		*error_r = "no TLS credentials configured";
		return -1;
	}
	ret = gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NONBLOCK |
	    GNUTLS_NO_SIGNAL);
	if (ret < 0) {
		gd_tls_creds_unref(&c);
		*error_r = gnutls_strerror(ret);
		return -1;
	}
	if ((ret = gnutls_priority_set(s, c->prio)) < 0 ||
	    (ret = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE,
	    c->cred)) < 0) {
		gnutls_deinit(s);
		gd_tls_creds_unref(&c);
		*error_r = gnutls_strerror(ret);
		return -1;
	}
	if (c->client_mode != TLS_CLIENT_NONE)
		gnutls_certificate_server_set_request(s,
		    c->client_mode == TLS_CLIENT_REQUIRE ?
		    GNUTLS_CERT_REQUIRE : GNUTLS_CERT_REQUEST);
	gnutls_session_set_ptr(s, c);
	gnutls_transport_set_int(s, fd);
	*session_r = s;
	*creds_r = c;
	return 0;
}

enum gd_tls_peer_status
gd_tls_verify_peer(gnutls_session_t session, bool *reject_r)
{
	const struct gd_tls_creds *c = gnutls_session_get_ptr(session);
	enum gd_tls_peer_status st = GD_TLS_PEER_NONE;
	unsigned n = 0, status = 0;

	if (c != NULL && c->client_mode != TLS_CLIENT_NONE &&
	    gnutls_certificate_get_peers(session, &n) != NULL && n > 0) {
		st = gnutls_certificate_verify_peers2(session, &status) == 0 &&
		    status == 0 ? GD_TLS_PEER_VALID : GD_TLS_PEER_INVALID;
	}
	*reject_r = c != NULL && c->client_mode == TLS_CLIENT_REQUIRE &&
	    st != GD_TLS_PEER_VALID;
	return st;
}

/* ---- gumdrop/tls.h accessors ---------------------------------------- */

const char *
gd_conn_tls_version(const struct gd_conn *conn)
{
	gnutls_session_t s = gd_conn_tls_session(conn);

	return s == NULL ? NULL :
	    gnutls_protocol_get_name(gnutls_protocol_get_version(s));
}

const char *
gd_conn_tls_cipher(const struct gd_conn *conn)
{
	gnutls_session_t s = gd_conn_tls_session(conn);

	return s == NULL ? NULL : gnutls_cipher_get_name(gnutls_cipher_get(s));
}

const char *
gd_conn_tls_server_name(struct gd_conn *conn)
{
	gnutls_session_t s = gd_conn_tls_session(conn);
	char name[256];
	size_t len = sizeof(name);
	unsigned type;

	if (s == NULL || gnutls_server_name_get(s, name, &len, &type, 0) < 0 ||
	    type != GNUTLS_NAME_DNS)
		return NULL;
	return gd_pool_strndup(gd_conn_pool(conn), name, len);
}

int
gd_conn_tls_channel_binding(const struct gd_conn *conn, const char *type,
    void *buf, size_t *len_r, const char **error_r)
{
	gnutls_session_t s = gd_conn_tls_session(conn);
	gnutls_channel_binding_t cbt;
	gnutls_datum_t d;

	if (s == NULL) {
		*error_r = "not a TLS connection";
		return -1;
	}
	if (strcmp(type, "tls-exporter") == 0)
		cbt = GNUTLS_CB_TLS_EXPORTER;
	else if (strcmp(type, "tls-unique") == 0)
		cbt = GNUTLS_CB_TLS_UNIQUE;
	else if (strcmp(type, "tls-server-end-point") == 0)
		/* RFC 5929 4.1: a hash of our certificate, with SHA-256
		 * unless it was signed with SHA-384 or SHA-512. */
		cbt = GNUTLS_CB_TLS_SERVER_END_POINT;
	else {
		*error_r = "unknown channel binding type";
		return -1;
	}
	if (cbt == GNUTLS_CB_TLS_UNIQUE &&
	    gnutls_protocol_get_version(s) == GNUTLS_TLS1_3) {
		*error_r = "tls-unique is not defined for TLS 1.3";
		return -1;
	}
	if (gnutls_session_channel_binding(s, cbt, &d) < 0) {
		*error_r = "channel binding not available";
		return -1;
	}
	if (d.size > *len_r) {
		gnutls_free(d.data);
		*error_r = "channel binding buffer too small";
		return -1;
	}
	memcpy(buf, d.data, d.size);
	*len_r = d.size;
	gnutls_free(d.data);
	return 0;
}

enum gd_tls_peer_status
gd_conn_tls_peer_cert(const struct gd_conn *conn, const void **der_r,
    size_t *len_r)
{
	gnutls_session_t s = gd_conn_tls_session(conn);
	const gnutls_datum_t *certs;
	unsigned n = 0;

	*der_r = NULL;
	*len_r = 0;
	if (s == NULL || gd_conn_tls_peer_status(conn) == GD_TLS_PEER_NONE)
		return GD_TLS_PEER_NONE;
	certs = gnutls_certificate_get_peers(s, &n);
	if (certs == NULL || n == 0)
		return GD_TLS_PEER_NONE;
	*der_r = certs[0].data;
	*len_r = certs[0].size;
	return gd_conn_tls_peer_status(conn);
}
