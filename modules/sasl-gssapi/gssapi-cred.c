/*
 * gssapi-cred.c — acceptor credentials, acquired at first use and shared
 * by every exchange (MIT's credential handles lock themselves).
 *
 * The keytab is named per credential through gss_acquire_cred_from()'s
 * credential store, not through the process-wide KRB5_KTNAME or
 * krb5_gss_register_acceptor_identity(): nothing global changes, so it
 * is safe from any pool thread at any time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "gssapi-private.h"

static int gssapi_acquire(const struct gssapi_creds *c, const char *name,
    struct gd_pool *pool, gss_cred_id_t *cred_r, const char **error_r);

void
gssapi_creds_init(struct gssapi_creds *c, const char *keytab)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->keytab = keytab != NULL ? gd_xstrdup(keytab) : NULL;
}

void
gssapi_creds_deinit(struct gssapi_creds *c)
{
	OM_uint32 minor;
	size_t i;

	for (i = 0; i < c->n; i++) {
		gss_release_cred(&minor, &c->e[i].cred);
		free(c->e[i].name);
		c->e[i].name = NULL;
	}
	c->n = 0;
	free(c->keytab);
	c->keytab = NULL;
	pthread_mutex_destroy(&c->lock);
}

const char *
gssapi_status_text(struct gd_pool *pool, const char *what, OM_uint32 major,
    OM_uint32 minor)
{
	OM_uint32 m, ctx = 0;
	gss_buffer_desc buf;
	char text[512];
	size_t len;
	int type = GSS_C_GSS_CODE;
	OM_uint32 code = major;

	len = (size_t)snprintf(text, sizeof(text), "%s:", what);
	for (;;) {
		if (GSS_ERROR(gss_display_status(&m, code, type, GSS_C_NO_OID,
		    &ctx, &buf)))
			break;
		if (len < sizeof(text))
			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    " %.*s;", (int)buf.length, (char *)buf.value);
		gss_release_buffer(&m, &buf);
		if (ctx != 0)
			continue;
		if (type == GSS_C_MECH_CODE || minor == 0)
			break;
		type = GSS_C_MECH_CODE;
		code = minor;
	}
	return gd_pool_strdup(pool, text);
}

static int
gssapi_acquire(const struct gssapi_creds *c, const char *name,
    struct gd_pool *pool, gss_cred_id_t *cred_r, const char **error_r)
{
	gss_key_value_element_desc kv = { "keytab", c->keytab };
	gss_key_value_set_desc store = { 1, &kv };
	gss_OID_set_desc mechs = { 1, gss_mech_krb5 };
	gss_buffer_desc nbuf;
	gss_name_t gname = GSS_C_NO_NAME;
	OM_uint32 major, minor;

	if (strcmp(name, "*") != 0) {
		nbuf.value = (void *)name;
		nbuf.length = strlen(name);
		major = gss_import_name(&minor, &nbuf,
		    GSS_C_NT_HOSTBASED_SERVICE, &gname);
		if (GSS_ERROR(major)) {
			*error_r = gssapi_status_text(pool, "gss_import_name",
			    major, minor);
			return -1;
		}
	}
	major = gss_acquire_cred_from(&minor, gname, GSS_C_INDEFINITE, &mechs,
	    GSS_C_ACCEPT, c->keytab != NULL ? &store : GSS_C_NO_CRED_STORE,
	    cred_r, NULL, NULL);
	gss_release_name(&minor, &gname);
	if (GSS_ERROR(major)) {
		*error_r = gssapi_status_text(pool, gd_pool_printf(pool,
		    "acceptor credentials for %s", name), major, minor);
		return -1;
	}
	return 0;
}

int
gssapi_creds_get(struct gssapi_creds *c, const char *service,
    const char *host, struct gd_pool *pool, gss_cred_id_t *cred_r,
    bool *owned_r, const char **error_r)
{
	const char *name = strcmp(host, "*") == 0 ? "*" :
	    gd_pool_printf(pool, "%s@%s", service, host);
	size_t i;
	int ret = 0;

	*owned_r = false;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].name, name) == 0) {
			*cred_r = c->e[i].cred;
			goto out;
		}
	}
	/* Failures are not cached: a fixed keytab is picked up at once. */
	ret = gssapi_acquire(c, name, pool, cred_r, error_r);
	if (ret < 0)
		goto out;
	if (c->n < GSSAPI_CRED_CACHE_MAX) {
		c->e[c->n].name = gd_xstrdup(name);
		c->e[c->n].cred = *cred_r;
		c->n++;
	} else
		*owned_r = true;
out:
	pthread_mutex_unlock(&c->lock);
	return ret;
}
