/*
 * advertise.c — which configured mechanisms a connection may be offered
 * right now (gumdrop/sasl.h): plaintext-equivalent ones only under TLS
 * unless the listener allows them, -PLUS ones only with channel binding,
 * EXTERNAL only with a verified client certificate.
 */
#include "config.h"

#include <stddef.h>

#include <gumdrop/conn.h>
#include <gumdrop/tls.h>

#include "sasl-private.h"

static const char *const advertise_cb_types[] = {
	"tls-exporter", "tls-unique", "tls-server-end-point", NULL,
};

/* True when the connection has some channel binding to offer. */
static bool
advertise_has_binding(struct gd_conn *conn)
{
	unsigned char buf[GD_SASL_CB_MAX];
	const char *error;
	size_t len;
	int i;

	if (!gd_conn_is_tls(conn))
		return false;
	for (i = 0; advertise_cb_types[i] != NULL; i++) {
		len = sizeof(buf);
		if (gd_conn_tls_channel_binding(conn, advertise_cb_types[i],
		    buf, &len, &error) == 0)
			return true;
	}
	return false;
}

static bool
advertise_plaintext_ok(struct gd_conn *conn, const struct gd_sasl_settings *s)
{
	return gd_conn_is_tls(conn) || s->plaintext_without_tls;
}

int
gd_sasl_mech_offerable(struct gd_conn *conn, const struct gd_sasl_settings *s,
    const struct gd_sasl_mech *mech, enum gd_sasl_reason *reason_r)
{
	const void *der;
	size_t len;

	if ((mech->flags & GD_SASL_MECH_PLAINTEXT) != 0 &&
	    !advertise_plaintext_ok(conn, s)) {
		*reason_r = GD_SASL_ENCRYPTION_REQUIRED;
		return -1;
	}
	*reason_r = GD_SASL_MECH_UNAVAILABLE;
	if ((mech->flags & GD_SASL_MECH_CHANNEL_BINDING) != 0 &&
	    !advertise_has_binding(conn))
		return -1;
	if ((mech->flags & GD_SASL_MECH_EXTERNAL) != 0 &&
	    gd_conn_tls_peer_cert(conn, &der, &len) != GD_TLS_PEER_VALID)
		return -1;
	*reason_r = GD_SASL_OK;
	return 0;
}

bool
gd_sasl_enabled(const struct gd_conn *conn)
{
	return gd_conn_sasl_settings(conn) != NULL;
}

size_t
gd_sasl_mechanisms(struct gd_conn *conn, const char **names, size_t max)
{
	const struct gd_sasl_settings *s = gd_conn_sasl_settings(conn);
	enum gd_sasl_reason reason;
	size_t i, n = 0;

	for (i = 0; s != NULL && i < s->mech_count; i++) {
		if (gd_sasl_mech_offerable(conn, s, s->mechs[i], &reason) < 0)
			continue;
		if (n < max)
			names[n] = s->mechs[i]->name;
		n++;
	}
	return n;
}

bool
gd_sasl_plaintext_ok(struct gd_conn *conn)
{
	const struct gd_sasl_settings *s = gd_conn_sasl_settings(conn);

	return s != NULL && advertise_plaintext_ok(conn, s);
}

bool
gd_sasl_secrets_available(struct gd_conn *conn)
{
	const struct gd_sasl_settings *s = gd_conn_sasl_settings(conn);
	const struct gd_realm *r = s != NULL ? s->realm : NULL;

	if (r == NULL || r->plain_secret == NULL)
		return false;
	if (r->size < offsetof(struct gd_realm, gives_plain_secrets) +
	    sizeof(r->gives_plain_secrets) || r->gives_plain_secrets == NULL)
		return true;
	return r->gives_plain_secrets(r) > 0;
}
