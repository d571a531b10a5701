/*
 * gssapi-private.h — inside the sasl-gssapi module: its configuration,
 * the acceptor-credential cache and the exchange.
 */
#ifndef GSSAPI_PRIVATE_H
#define GSSAPI_PRIVATE_H

#include <pthread.h>

#include <gssapi/gssapi.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#include "gssapi-layer.h"

/* Distinct acceptor names cached ("smtp@mx.example.org"); past that,
 * credentials are acquired for one exchange and released after it. */
#define GSSAPI_CRED_CACHE_MAX	16
/* Context-establishment tokens one exchange may send (Kerberos needs 1,
 * or 2 with mutual authentication and a retry). */
#define GSSAPI_ROUNDS_MAX	8

struct gssapi_cred_entry {
	char *name;			/* "service@host", or "*" */
	gss_cred_id_t cred;
};

/* Acceptor credentials, acquired at first use and kept until fini. */
struct gssapi_creds {
	pthread_mutex_t lock;
	char *keytab;			/* NULL: the library's default */
	struct gssapi_cred_entry e[GSSAPI_CRED_CACHE_MAX];
	size_t n;
};

/* The module's configuration (its own copies: it outlives reloads). */
struct gssapi_conf {
	char *service;			/* NULL: the listener's */
	char *hostname;			/* NULL: the listener's; "*": any */
	struct gssapi_names names;
	struct gssapi_creds creds;
};

/* ---- gssapi-cred.c ---------------------------------------------------- */

void gssapi_creds_init(struct gssapi_creds *c, const char *keytab);
void gssapi_creds_deinit(struct gssapi_creds *c);

/*
 * Acceptor credentials for `service`@`host` (`host` "*": any key of the
 * keytab).  0 with *cred_r: borrowed from the cache (*owned_r false), or,
 * when the cache is full, acquired for the caller, who releases it
 * (*owned_r true).  -1 with *error_r (in `pool`).  Any thread.
 */
int gssapi_creds_get(struct gssapi_creds *c, const char *service,
    const char *host, struct gd_pool *pool, gss_cred_id_t *cred_r,
    bool *owned_r, const char **error_r);

/* "what: major text; minor text" from GSS status codes, in `pool`. */
const char *gssapi_status_text(struct gd_pool *pool, const char *what,
    OM_uint32 major, OM_uint32 minor);

/* ---- gssapi-step.c ---------------------------------------------------- */

extern const struct gd_sasl_mech gssapi_mech;

#endif /* GSSAPI_PRIVATE_H */
