/*
 * conn-params.c — the per-listener connection keys (protocol, tls,
 * limits, timeouts) and their parsing.
 */
#include "config.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <string.h>

#include <gumdrop/common.h>
#include <gumdrop/config.h>
#include <gumdrop/conn.h>
#include <gumdrop/pool.h>

#include "conn-struct-private.h"
#include "sasl/sasl-private.h"
#include "module-private.h"
#include "tls-private.h"

const char *const gd_conn_tls_modes[] = {
	"none", "implicit", "starttls", NULL
};

/* ---- parameters ----------------------------------------------------- */

const struct gd_config_key gd_conn_listener_keys[] = {
	{ "protocol", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "protocol served (declared by a module)" },
	{ "tls", GD_CONFIG_KEY_STRING, "none", 0, 0,
	    "none, implicit or starttls" },
	{ "max-line-length", GD_CONFIG_KEY_SIZE, "4096", 16, 1 << 20,
	    "longest input line, terminator included" },
	{ "idle-timeout", GD_CONFIG_KEY_DURATION, "5m", 0, 86400000,
	    "close after no input for this long (0: never)" },
	{ "command-timeout", GD_CONFIG_KEY_DURATION, "5m", 0, 86400000,
	    "limit while a command is being processed (0: none)" },
	{ "read-buffer", GD_CONFIG_KEY_SIZE, "16K", 64, 64 << 20,
	    "input buffer size (>= max-line-length)" },
	{ "write-buffer-max", GD_CONFIG_KEY_SIZE, "256K", 1024, 1 << 30,
	    "stop reading while this much output is queued" },
	{ "sasl", GD_CONFIG_KEY_MAP, NULL, 0, 0, GD_SASL_LISTENER_KEY_DOC },
	{ NULL, 0, NULL, 0, 0, NULL },
};

int
gd_conn_params_make(struct gd_pool *pool, const struct gd_protocol *protocol,
    const char *tls_mode, size_t max_line, size_t read_buffer,
    size_t write_buffer_max, uint64_t idle_timeout_ms,
    uint64_t command_timeout_ms, struct gd_conn_params **params_r,
    const char **error_r)
{
	struct gd_conn_params *p;
	int mode = -1, i;

	for (i = 0; gd_conn_tls_modes[i] != NULL; i++)
		if (strcmp(gd_conn_tls_modes[i], tls_mode) == 0)
			mode = i;
	if (protocol == NULL || protocol->event == NULL || mode < 0 ||
	    max_line < 2 || read_buffer < max_line) {
		*error_r = "invalid connection parameters";
		return -1;
	}
	if (mode != CONN_TLS_NONE && !gd_tls_available()) {
		*error_r = "TLS requested but no `tls:` credentials configured";
		return -1;
	}
	p = gd_pool_alloc(pool, sizeof(*p));
	p->protocol = protocol;
	p->tls = (enum conn_tls_mode)mode;
	p->max_line = max_line;
	p->read_buffer = read_buffer;
	p->write_buffer_max = write_buffer_max;
	p->idle_ms = idle_timeout_ms;
	p->command_ms = command_timeout_ms;
	p->sasl = gd_pool_alloc(pool, sizeof(*p->sasl));
	*params_r = p;
	return 0;
}

/* The listener's `sasl:` settings, checked now that modules are loaded. */
static int
conn_params_sasl(const struct gd_config_node *listener,
    struct gd_conn_params *params, struct gd_pool *pool,
    const char **error_r)
{
	const struct gd_sasl_settings *s;

	(void)pool;
	if (gd_conn_params_check_sasl(listener, params, &s, error_r) < 0)
		return -1;
	atomic_store(&params->sasl->current, s);
	return 0;
}

int
gd_conn_params_parse(const struct gd_config_node *listener,
    struct gd_pool *pool, struct gd_conn_params **params_r,
    const char **error_r)
{
	const struct gd_protocol *proto;
	const char *name, *err;
	uint64_t max_line, rbuf, wmax, idle, cmd;
	int tls;

	if (gd_config_get_string(listener, "protocol", NULL, &name,
	    error_r) < 0 ||
	    gd_config_get_enum(listener, "tls", gd_conn_tls_modes, CONN_TLS_NONE,
	    &tls, error_r) < 0 ||
	    gd_config_get_size(listener, "max-line-length", 4096, 16, 1 << 20,
	    &max_line, error_r) < 0 ||
	    gd_config_get_size(listener, "read-buffer", 16384, 64, 64 << 20,
	    &rbuf, error_r) < 0 ||
	    gd_config_get_size(listener, "write-buffer-max", 256 * 1024, 1024,
	    1 << 30, &wmax, error_r) < 0 ||
	    gd_config_get_duration(listener, "idle-timeout", 300000, 0,
	    86400000, &idle, error_r) < 0 ||
	    gd_config_get_duration(listener, "command-timeout", 300000, 0,
	    86400000, &cmd, error_r) < 0)
		return -1;
	if (name == NULL) {
		*error_r = gd_config_error(listener, "expected a `protocol:`");
		return -1;
	}
	if (rbuf < max_line && gd_config_get(listener, "read-buffer") == NULL)
		rbuf = max_line;	/* the default grows with the limit */
	if (rbuf < max_line) {
		*error_r = gd_config_error(gd_config_get(listener,
		    "read-buffer"), "must be at least max-line-length (%"
		    PRIu64 ")", max_line);
		return -1;
	}
	if ((proto = gd_protocol_find(name)) == NULL) {
		*error_r = gd_config_error(gd_config_get(listener, "protocol"),
		    "no loaded module provides protocol '%s'", name);
		return -1;
	}
	if (gd_conn_params_make(pool, proto, gd_conn_tls_modes[tls], max_line,
	    rbuf, wmax, idle, cmd, params_r, &err) < 0) {
		*error_r = gd_config_error(gd_config_get(listener, "tls"),
		    "%s", err);
		return -1;
	}
	return conn_params_sasl(listener, *params_r, pool, error_r);
}

void
gd_conn_params_set_sasl(struct gd_conn_params *params, struct gd_pool *pool,
    const struct gd_sasl_settings *settings)
{
	(void)pool;
	atomic_store(&params->sasl->current, settings);
}

int
gd_conn_params_check_sasl(const struct gd_config_node *listener,
    const struct gd_conn_params *params,
    const struct gd_sasl_settings **new_r, const char **error_r)
{
	const struct gd_config_node *node = gd_config_get(listener, "sasl");
	const char *name = NULL;

	*new_r = NULL;
	if (node == NULL || gd_config_node_is_null(node))
		return 0;
	gd_config_get_string(listener, "name", "?", &name, error_r);
	return gd_sasl_settings_parse(node, name,
	    params->protocol->sasl_service != NULL ?
	    params->protocol->sasl_service : params->protocol->name,
	    gd_config_node_pool(listener), new_r, error_r);
}

void
gd_conn_params_swap_sasl(const struct gd_conn_params *params,
    const struct gd_sasl_settings *settings)
{
	atomic_store(&params->sasl->current, settings);
}

const struct gd_sasl_settings *
gd_conn_params_sasl(const struct gd_conn_params *params)
{
	return atomic_load(&params->sasl->current);
}

const struct gd_sasl_settings *
gd_conn_sasl_settings(const struct gd_conn *conn)
{
	GD_CHECK_MAGIC(conn, GD_CONN_MAGIC);
	return conn->sasl;
}
