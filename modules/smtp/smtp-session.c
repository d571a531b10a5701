/*
 * smtp-session.c — one SMTP session: the connection's events, the state,
 * the greeting (with its optional delay and the smtp.connect verdict),
 * early talkers, timeouts, replies and the bad-command limit.
 *
 * Pipelining (RFC 2920) needs nothing special here: the core hands us
 * every complete line it has buffered, one LINE event each, and queues
 * our replies; it writes them in one go when the buffered input is used
 * up.  While a hook, a SASL step or a delivery is pending, reading is
 * paused, so replies stay in the order of the commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "smtp-private.h"

#define SMTP_REPLY_BUF	4096

static const char *const smtp_state_names[] = {
	[SMTP_S_CONNECT] = "connect",
	[SMTP_S_REFUSED] = "refused",
	[SMTP_S_GREETED] = "greeted",
	[SMTP_S_READY] = "ready",
	[SMTP_S_MAIL] = "mail",
	[SMTP_S_RCPT] = "rcpt",
	[SMTP_S_DATA] = "data",
	[SMTP_S_BDAT] = "bdat",
	[SMTP_S_CLOSING] = "closing",
};

static void smtp_connect_done(struct smtp_session *s,
    const struct gd_hook_result *r);

void
smtp_enter_state(struct smtp_session *s, enum smtp_state state)
{
	if (s->state == state)
		return;
	if (gd_log_enabled(GD_LOG_DEBUG))
		gd_log(GD_LOG_DEBUG, "smtp.state", "session=%s from=%s to=%s "
		    "reason=transition", gd_conn_id(s->conn),
		    smtp_state_names[s->state], smtp_state_names[state]);
	s->state = state;
}

/* ---- replies ---------------------------------------------------------- */

static const char *
smtp_enh(const struct smtp_session *s, const char *enhanced)
{
	return (s->cfg->ext & SMTP_EXT_ENHANCEDSTATUSCODES) ? enhanced : NULL;
}

void
smtp_reply_lines(struct smtp_session *s, unsigned code, const char *enhanced,
    const char *const *lines, size_t n)
{
	char buf[SMTP_REPLY_BUF];
	size_t len;

	len = smtp_reply_format(buf, sizeof(buf), code, smtp_enh(s, enhanced),
	    lines, n);
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	gd_conn_write(s->conn, buf, len);
}

void
smtp_reply(struct smtp_session *s, unsigned code, const char *enhanced,
    const char *fmt, ...)
{
	char text[SMTP_REPLY_LINE_MAX];
	const char *line = text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	smtp_reply_lines(s, code, enhanced, &line, 1);
}

void
smtp_reply_err(struct smtp_session *s, const struct smtp_error *err)
{
	smtp_reply(s, err->code, err->enhanced, "%s", err->text);
}

/* A validated hook reply (hooks.h guarantees code, class and text). */
void
smtp_reply_hook(struct smtp_session *s, const struct gd_hook_result *r)
{
	smtp_reply(s, r->reply.code, r->reply.enhanced, "%s",
	    r->reply.text != NULL ? r->reply.text : "");
	if (r->disconnect) {
		smtp_enter_state(s, SMTP_S_CLOSING);
		gd_conn_close(s->conn, true, "hook asked to disconnect");
	}
}

void
smtp_reply_hook_as(struct smtp_session *s, const struct gd_hook_result *r,
    const unsigned *allowed, unsigned code, const char *enhanced)
{
	struct gd_hook_result fixed = *r;
	size_t i;

	for (i = 0; allowed[i] != 0 && allowed[i] != r->reply.code; i++)
		;
	if (allowed[i] == 0 && r->reply.code != 421) {
		fixed.reply.code = code;
		if (enhanced != NULL)
			fixed.reply.enhanced = enhanced;
	}
	smtp_reply_hook(s, &fixed);
}

void
smtp_set(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? gd_xstrdup(value) : NULL;
}

void
smtp_close_421(struct smtp_session *s, const char *enhanced,
    const char *text, const char *reason)
{
	smtp_reply(s, 421, enhanced, "%s %s", s->cfg->hostname, text);
	smtp_enter_state(s, SMTP_S_CLOSING);
	gd_conn_close(s->conn, true, reason);
}

bool
smtp_bad_command(struct smtp_session *s)
{
	s->bad_commands++;
	if (s->cfg->max_bad_commands == 0 ||
	    s->bad_commands <= s->cfg->max_bad_commands)
		return false;
	smtp_close_421(s, "4.7.0", "Error: too many errors",
	    "too many bad commands");
	return true;
}

/* ---- extensions -------------------------------------------------------- */

unsigned
smtp_ext_now(const struct smtp_session *s)
{
	unsigned ext = s->cfg->ext;

	if (!(ext & SMTP_EXT_CHUNKING))
		ext &= ~SMTP_EXT_BINARYMIME;
	if (gd_conn_is_tls(s->conn) || !gd_conn_starttls_available(s->conn))
		ext &= ~SMTP_EXT_STARTTLS;
	if (!gd_conn_is_tls(s->conn))
		ext &= ~SMTP_EXT_REQUIRETLS;
	if (!s->xclient_ok || s->proto == GD_SMTP_PROTO_LMTP)
		ext &= ~SMTP_EXT_XCLIENT;
	if (!gd_sasl_enabled(s->conn))
		ext &= ~SMTP_EXT_AUTH;
	if (s->cfg->max_recipients == 0 && s->cfg->max_transactions == 0)
		ext &= ~SMTP_EXT_LIMITS;
	return ext;
}

bool
smtp_ext_on(const struct smtp_session *s, unsigned bit)
{
	return (smtp_ext_now(s) & bit) != 0;
}

/* ---- opening and the greeting ----------------------------------------- */

static const struct smtp_settings *
smtp_settings_of(struct gd_conn *conn, struct smtp_module **mod_r)
{
	static const struct smtp_config *fallback;
	struct gd_module_ctx *ctx = gd_conn_module_ctx(conn);
	struct smtp_module *mod = ctx != NULL ? gd_module_ctx_get_data(ctx) :
	    NULL;
	const struct gd_config_node *node;
	struct smtp_config *cfg;
	const char *error;

	*mod_r = mod;
	if (mod == NULL) {
		/* Driven outside the loader (unit tests): the defaults. */
		if (fallback == NULL)
			fallback = smtp_config_parse(NULL, &error);
		return smtp_config_for(fallback, NULL);
	}
	node = gd_module_ctx_config(ctx);
	pthread_mutex_lock(&mod->lock);
	if (mod->current->node != node) {
		/* A reload swapped the generation: parse it once. */
		cfg = smtp_config_parse(node, &error);
		if (cfg != NULL) {
			cfg->next = mod->configs;
			mod->configs = mod->current = cfg;
		}
	}
	cfg = mod->current;
	pthread_mutex_unlock(&mod->lock);
	return smtp_config_for(cfg, gd_conn_listener_name(conn));
}

static enum gd_smtp_protocol
smtp_protocol_of(struct gd_conn *conn)
{
	const char *name = gd_conn_protocol(conn)->name;

	if (strcmp(name, "lmtp") == 0)
		return GD_SMTP_PROTO_LMTP;
	if (strcmp(name, "submission") == 0)
		return GD_SMTP_PROTO_SUBMISSION;
	return GD_SMTP_PROTO_SMTP;
}

static uint64_t
smtp_wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static void
smtp_greet_timer_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct smtp_session *s = w->data;

	(void)revents;
	ev_timer_stop(ev, w);
	s->greet_timer_on = false;
	smtp_connect_ready(s);
}

void
smtp_connect_ready(struct smtp_session *s)
{
	assert(s->connect_gates > 0);
	if (--s->connect_gates == 0)
		smtp_hook_run(s, SMTP_HOOK_CONNECT, NULL, smtp_connect_done);
}

static void
smtp_open(struct gd_conn *conn)
{
	struct smtp_session *s;

	/* Not in the connection's pool: an idle session then costs no
	 * pool block (freed at the end of smtp_close). */
	s = gd_xcalloc(1, sizeof(*s));
	s->magic = SMTP_SESSION_MAGIC;
	s->conn = conn;
	s->cfg = smtp_settings_of(conn, &s->mod);
	s->proto = smtp_protocol_of(conn);
	s->cmd_pool = gd_pool_create("smtp-command");
	s->txn_pool = gd_pool_create("smtp-transaction");
	s->t_connect = smtp_wall_ms();
	gd_conn_set_session(conn, s);
	smtp_client_update(s);
	/* Without early-talker refusal, input waits for the greeting. */
	if (!s->cfg->refuse_early_talkers)
		gd_conn_pause_read(conn);
	/* smtp.connect waits for the delay and the reverse DNS. */
	s->connect_gates = 2;
	smtp_rdns_start(s);
	if (s->cfg->greeting_delay_ms == 0) {
		smtp_connect_ready(s);
		return;
	}
	ev_timer_init(&s->greet_timer, smtp_greet_timer_cb,
	    (ev_tstamp)s->cfg->greeting_delay_ms / 1000.0, 0.);
	s->greet_timer.data = s;
	ev_timer_start(gd_loop_ev(gd_conn_loop(conn)), &s->greet_timer);
	s->greet_timer_on = true;
}

void
smtp_greet(struct smtp_session *s)
{
	smtp_reply(s, 220, NULL, "%s %s", s->cfg->hostname,
	    s->proto == GD_SMTP_PROTO_LMTP ? "LMTP Gumdrop" :
	    s->cfg->greeting);
	s->greeted = true;
}

static void
smtp_connect_done(struct smtp_session *s, const struct gd_hook_result *r)
{
	if (!s->cfg->refuse_early_talkers)
		gd_conn_resume_read(s->conn);
	switch (r->verdict) {
	case GD_VERDICT_REJECT:
		/* RFC 5321 3.1: 554, then 503 to all but QUIT. */
		smtp_reply_hook_as(s, r, (const unsigned[]){ 554, 0 }, 554,
		    NULL);
		s->greeted = true;
		smtp_enter_state(s, SMTP_S_REFUSED);
		return;
	case GD_VERDICT_TEMPFAIL:
	case GD_VERDICT_ERROR:
		smtp_close_421(s, "4.3.2", "Service not available, closing "
		    "transmission channel", "smtp.connect refused");
		return;
	default:
		smtp_greet(s);
		smtp_enter_state(s, SMTP_S_GREETED);
		return;
	}
}

/* ---- events ------------------------------------------------------------ */

static void
smtp_input_line(struct smtp_session *s)
{
	const char *line;
	size_t len;

	line = gd_conn_line(s->conn, &len);
	if (s->state == SMTP_S_CLOSING)
		return;
	if (s->state == SMTP_S_CONNECT) {
		/* A client that talks before the greeting (RFC 5321 4.3.1:
		 * it must wait): refused, as spam engines do. */
		smtp_rdns_cancel(s);
		if (s->greet_timer_on)
			ev_timer_stop(gd_loop_ev(gd_conn_loop(s->conn)),
			    &s->greet_timer);
		s->greet_timer_on = false;
		smtp_hook_cancel(s);
		smtp_reply(s, 554, "5.5.1", "%s Error: talked before the "
		    "greeting", s->cfg->hostname);
		smtp_enter_state(s, SMTP_S_CLOSING);
		gd_conn_close(s->conn, true, "early talker");
		return;
	}
	gd_pool_clear(s->cmd_pool);
	smtp_line(s, line, len);
}

static void
smtp_line_too_long(struct smtp_session *s)
{
	if (s->state == SMTP_S_CLOSING || s->state == SMTP_S_CONNECT) {
		smtp_input_line(s);
		return;
	}
	if (s->sasl_waiting || s->sasl_final) {
		smtp_auth_line(s, "!", 1);
		return;
	}
	smtp_reply(s, 500, "5.5.2", "Line too long");
	smtp_bad_command(s);
}

static void
smtp_close(struct smtp_session *s)
{
	struct gd_hook_result r;

	if (s == NULL)
		return;
	if (s->greet_timer_on)
		ev_timer_stop(gd_loop_ev(gd_conn_loop(s->conn)),
		    &s->greet_timer);
	s->greet_timer_on = false;
	smtp_rdns_cancel(s);
	smtp_hook_cancel(s);
	smtp_auth_close(s);
	smtp_txn_reset(s);
	smtp_hook_sync(s, SMTP_HOOK_DISCONNECT, NULL, &r);
	gd_pool_destroy(&s->cmd_pool);
	gd_pool_destroy(&s->txn_pool);
	smtp_set(&s->helo, NULL);
	smtp_set(&s->ptr_name, NULL);
	smtp_set(&s->rdns_name, NULL);
	smtp_set(&s->x_addr, NULL);
	smtp_set(&s->x_name, NULL);
	smtp_set(&s->x_dest_addr, NULL);
	smtp_set(&s->auth_user, NULL);
	smtp_set(&s->auth_mech, NULL);
	smtp_set(&s->pending_user, NULL);
	smtp_set(&s->pending_mech, NULL);
	s->magic = 0;
	/* smtp.h: the session lives to the end of smtp.disconnect. */
	free(s);
}

static void
smtp_timeout(struct smtp_session *s)
{
	if (s->state == SMTP_S_CLOSING)
		return;
	smtp_reply(s, 421, "4.4.2", "%s Error: timeout exceeded",
	    s->cfg->hostname);
	smtp_enter_state(s, SMTP_S_CLOSING);
	gd_conn_close(s->conn, true, "timeout");
}

static void
smtp_drain(struct smtp_session *s)
{
	if (s->state == SMTP_S_CLOSING)
		return;
	smtp_hook_cancel(s);
	smtp_auth_close(s);
	smtp_close_421(s, "4.3.2", "Service shutting down", "shutdown");
}

void
smtp_event(struct gd_conn *conn, enum gd_conn_event ev)
{
	struct smtp_session *s = gd_conn_get_session(conn);

	switch (ev) {
	case GD_CONN_EV_OPEN:
		smtp_open(conn);
		break;
	case GD_CONN_EV_LINE:
		smtp_input_line(s);
		break;
	case GD_CONN_EV_LINE_TOO_LONG:
		smtp_line_too_long(s);
		break;
	case GD_CONN_EV_DATA:
		smtp_content_input(s);
		break;
	case GD_CONN_EV_TLS_READY:
		smtp_tls_ready(s);
		break;
	case GD_CONN_EV_TIMEOUT:
		smtp_timeout(s);
		break;
	case GD_CONN_EV_DRAIN:
		smtp_drain(s);
		break;
	case GD_CONN_EV_CLOSE:
		smtp_close(s);
		gd_conn_set_session(conn, NULL);
		break;
	case GD_CONN_EV_DRAINED:
		break;
	}
}
