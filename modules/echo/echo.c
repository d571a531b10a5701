/*
 * echo.c — the example third-party module: a line echo protocol.
 *
 *   listeners:
 *     - {name: echo, address: "127.0.0.1:7000", protocol: echo,
 *        tls: starttls}
 *   echo:
 *     greeting: "+OK gumdrop echo ready"
 *
 * Every line received is first offered to the hook point "echo.line"
 * (arg: the line, a NUL-terminated const char *), then echoed back unless
 * a handler decided otherwise.  Commands: STARTTLS, QUIT, NOOP, and when
 * the listener has `sasl:` settings CAPA and AUTH (echo-auth.c).
 *
 * Everything is static; the descriptor is the only exported symbol.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumdrop/gumdrop.h>

#include "echo.h"

#define ECHO_DEFAULT_GREETING	"+OK gumdrop echo ready"

static int echo_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int echo_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void echo_event(struct gd_conn *conn, enum gd_conn_event ev);

static const struct gd_config_key echo_keys[] = {
	{ "greeting", GD_CONFIG_KEY_STRING, ECHO_DEFAULT_GREETING, 0, 0,
	    "first line sent to clients" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_hook_point_decl echo_points[] = {
	{ "echo.line", 0,
	    "each line received; arg is the line (const char *)" },
	{ NULL, 0, NULL },
};

static const struct gd_protocol echo_protocols[] = {
	{ .name = "echo", GD_PROTOCOL_HEAD, .event = echo_event },
	{ .name = NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "echo",
	.version = "1.0.0",
	.description = "line echo service (example module)",
	.license = "MIT",
	.config_keys = echo_keys,
	.hook_points = echo_points,
	.protocols = echo_protocols,
	.init = echo_init,
	.reload = echo_reload,
};

static int
echo_check_config(const struct gd_config_node *config, const char **error_r)
{
	const char *greeting;

	if (config == NULL)
		return 0;
	if (gd_config_get_string(config, "greeting", ECHO_DEFAULT_GREETING,
	    &greeting, error_r) < 0)
		return -1;
	if (strpbrk(greeting, "\r\n") != NULL) {
		*error_r = gd_config_error(gd_config_get(config, "greeting"),
		    "expected one line, got a line break");
		return -1;
	}
	return 0;
}

/*
 * The module's data is its hook point, looked up once here (the chains
 * are compiled before any module's init runs).
 */
static int
echo_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	if (echo_check_config(config, error_r) < 0)
		return -1;
	gd_module_ctx_set_data(ctx, gd_hook_point_find("echo.line"));
	return 0;
}

static int
echo_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	(void)ctx;
	return echo_check_config(config, error_r);
}

/*
 * The greeting from the module's current configuration (it follows a
 * reload), reached through the connection: the module keeps no globals.
 */
static const char *
echo_greeting(struct gd_conn *conn)
{
	struct gd_module_ctx *ctx = gd_conn_module_ctx(conn);
	const struct gd_config_node *config;
	const char *greeting = ECHO_DEFAULT_GREETING, *error;

	config = ctx != NULL ? gd_module_ctx_config(ctx) : NULL;
	if (config != NULL && gd_config_get_string(config, "greeting",
	    ECHO_DEFAULT_GREETING, &greeting, &error) < 0)
		greeting = ECHO_DEFAULT_GREETING;
	return greeting;
}

static void
echo_open(struct gd_conn *conn)
{
	struct echo_session *s;

	s = gd_pool_alloc(gd_conn_pool(conn), sizeof(*s));
	s->conn = conn;
	s->cmd_pool = gd_pool_create("echo-command");
	gd_conn_set_session(conn, s);
	gd_conn_writef(conn, "%s\r\n", echo_greeting(conn));
}

static void
echo_starttls(struct echo_session *s)
{
	const char *error;

	if (gd_conn_is_tls(s->conn)) {
		gd_conn_writef(s->conn, "-ERR already using TLS\r\n");
		return;
	}
	if (!gd_conn_starttls_available(s->conn)) {
		gd_conn_writef(s->conn, "-ERR STARTTLS not available\r\n");
		return;
	}
	gd_conn_writef(s->conn, "+OK begin TLS\r\n");
	if (gd_conn_starttls(s->conn, NULL, &error) < 0)
		gd_conn_close(s->conn, false, error);
}

/* Answer a line once the echo.line chain decided. */
static void
echo_apply(struct echo_session *s, const struct gd_hook_result *r)
{
	switch (r->verdict) {
	case GD_VERDICT_CONTINUE:
	case GD_VERDICT_ACCEPT:
		gd_conn_write(s->conn, s->line, s->len);
		gd_conn_write(s->conn, "\r\n", 2);
		break;
	case GD_VERDICT_DISCARD:
		break;
	default:
		gd_conn_writef(s->conn, "-ERR %u %s\r\n", r->reply.code,
		    r->reply.text != NULL ? r->reply.text : "refused");
		break;
	}
	if (r->disconnect)
		gd_conn_close(s->conn, true, "hook asked to disconnect");
}

static void
echo_hook_done(struct gd_hook_call *call, const struct gd_hook_result *r)
{
	struct echo_session *s = gd_hook_call_context(call);

	s->call = NULL;
	echo_apply(s, r);
	gd_pool_clear(s->cmd_pool);
	gd_conn_resume_read(s->conn);
}

static void
echo_run_hook(struct echo_session *s, const char *line, size_t len)
{
	struct gd_module_ctx *ctx = gd_conn_module_ctx(s->conn);
	struct gd_hook_result none = { .verdict = GD_VERDICT_CONTINUE };
	struct gd_hook_point *point;
	struct gd_hook_call *call;

	/* Without a module context (driven outside the loader, as unit tests
	 * do) fall back to a lookup by name. */
	point = ctx != NULL ? gd_module_ctx_get_data(ctx) :
	    gd_hook_point_find("echo.line");
	gd_pool_clear(s->cmd_pool);
	s->line = gd_pool_strndup(s->cmd_pool, line, len);
	s->len = len;
	if (point == NULL) {
		echo_apply(s, &none);
		return;
	}
	call = gd_pool_alloc(s->cmd_pool, sizeof(*call));
	gd_hook_call_init(call, point, gd_conn_loop(s->conn), s,
	    (void *)(uintptr_t)s->line, s->cmd_pool, echo_hook_done);
	if (gd_hook_run(call) == 0) {
		s->call = call;
		gd_conn_pause_read(s->conn);
		return;
	}
	echo_apply(s, gd_hook_call_result(call));
}

static void
echo_line(struct echo_session *s)
{
	const char *line;
	size_t len;

	line = gd_conn_line(s->conn, &len);
	if (s->sasl_waiting) {
		echo_auth_response(s, line, len);
		return;
	}
	if (strcasecmp(line, "NOOP") == 0)
		gd_conn_writef(s->conn, "+OK\r\n");
	else if (strcasecmp(line, "CAPA") == 0)
		echo_capa(s);
	else if (strcasecmp(line, "AUTH") == 0)
		echo_auth_command(s, "");
	else if (strncasecmp(line, "AUTH ", 5) == 0) {
		gd_pool_clear(s->cmd_pool);
		echo_auth_command(s, line + 5);
	} else if (strcasecmp(line, "QUIT") == 0) {
		gd_conn_writef(s->conn, "+OK bye\r\n");
		gd_conn_close(s->conn, true, "quit");
	} else if (strcasecmp(line, "STARTTLS") == 0)
		echo_starttls(s);
	else
		echo_run_hook(s, line, len);
}

static void
echo_close(struct echo_session *s)
{
	if (s == NULL)
		return;
	if (s->call != NULL)
		gd_hook_call_cancel(s->call);
	s->call = NULL;
	echo_auth_close(s);
	gd_pool_destroy(&s->cmd_pool);
}

static void
echo_event(struct gd_conn *conn, enum gd_conn_event ev)
{
	struct echo_session *s = gd_conn_get_session(conn);

	switch (ev) {
	case GD_CONN_EV_OPEN:
		echo_open(conn);
		break;
	case GD_CONN_EV_LINE:
		echo_line(s);
		break;
	case GD_CONN_EV_LINE_TOO_LONG:
		/* A response that long ends the exchange as malformed. */
		if (s != NULL && s->sasl_waiting) {
			echo_auth_response(s, "!", 1);
			break;
		}
		gd_conn_writef(conn, "-ERR line too long\r\n");
		break;
	case GD_CONN_EV_TIMEOUT:
		gd_conn_writef(conn, "-ERR timeout\r\n");
		break;
	case GD_CONN_EV_DRAIN:
		if (s != NULL && s->call != NULL) {
			gd_hook_call_cancel(s->call);
			s->call = NULL;
		}
		if (s != NULL)
			echo_auth_close(s);
		gd_conn_writef(conn, "-ERR server shutting down\r\n");
		gd_conn_close(conn, true, "shutdown");
		break;
	case GD_CONN_EV_CLOSE:
		echo_close(s);
		gd_conn_set_session(conn, NULL);
		break;
	case GD_CONN_EV_TLS_READY:
	case GD_CONN_EV_DATA:
	case GD_CONN_EV_DRAINED:
		break;
	}
}
