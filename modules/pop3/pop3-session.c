/*
 * pop3-session.c — one POP3 session: the connection's events, the states
 * (AUTHORIZATION, TRANSACTION, UPDATE), the greeting with its APOP
 * timestamp, command dispatch, the bad-command limit, the autologout
 * timer, replies, CAPA, STLS (RFC 2595) and UTF8 (RFC 6856).
 *
 * Pipelining (RFC 2449 6.6) needs nothing special: the core hands us each
 * complete line in order, and while a blocking job, a SASL step or a long
 * reply (LIST, UIDL, RETR, TOP) is pending, reading is paused
 * (pop3_busy), so replies come in the order of the commands.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pop3-private.h"

#define POP3_GREETING	"Gumdrop POP3 server ready"

/* ---- replies ------------------------------------------------------------ */

void
pop3_set(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? gd_xstrdup(value) : NULL;
}

void
pop3_ok(struct pop3_session *s, const char *fmt, ...)
{
	char text[POP3_REPLY_MAX], buf[POP3_REPLY_MAX + 1];
	va_list ap;
	size_t n;

	/* NULL: a bare "+OK" (NOOP, bare AUTH's listing). */
	text[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
	}
	n = pop3_reply_ok(buf, sizeof(buf), text, s->utf8);
	gd_conn_write(s->conn, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

void
pop3_err(struct pop3_session *s, enum pop3_code code, const char *fmt, ...)
{
	char text[POP3_REPLY_MAX], buf[POP3_REPLY_MAX + 1];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = pop3_reply_err(buf, sizeof(buf), code, text, true, s->utf8);
	gd_conn_write(s->conn, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

void
pop3_error(struct pop3_session *s, const struct pop3_error *err)
{
	pop3_err(s, err->code, "%s", err->text);
}

void
pop3_refusal(struct pop3_session *s, enum pop3_refusal why)
{
	struct pop3_error err;

	pop3_refuse(&err, why);
	pop3_error(s, &err);
}

void
pop3_close(struct pop3_session *s, const char *reason)
{
	s->closing = true;
	gd_conn_close(s->conn, true, reason);
}

/*
 * A job, an exchange or a long reply starts (input waits) or ends (input
 * resumes; a shutdown that came meanwhile closes now).
 */
void
pop3_busy(struct pop3_session *s, bool busy)
{
	s->busy = busy;
	if (busy) {
		gd_conn_pause_read(s->conn);
		return;
	}
	if (s->draining && !s->closing) {
		pop3_err(s, POP3_CODE_SYS_TEMP, "Server shutting down");
		pop3_close(s, "shutdown");
		return;
	}
	gd_conn_resume_read(s->conn);
}

/* A refused command: counted; past the limit the session ends. */
static void
pop3_bad_command(struct pop3_session *s)
{
	s->bad_commands++;
	if (s->cfg->max_bad_commands == 0 ||
	    s->bad_commands <= s->cfg->max_bad_commands)
		return;
	pop3_refusal(s, POP3_REFUSE_TOO_MANY_BAD);
	pop3_close(s, "too many bad commands");
}

/* ---- capabilities -------------------------------------------------------- */

/* What this listener offers now (pop3_cmd_allowed's view: USER stays on
 * where plaintext is refused, so that USER gets the [AUTH] refusal). */
unsigned
pop3_capa_now(const struct pop3_session *s)
{
	unsigned c = POP3_CAPA_TOP | POP3_CAPA_UIDL | POP3_CAPA_UTF8 |
	    POP3_CAPA_RESP_CODES | POP3_CAPA_AUTH_RESP_CODE |
	    POP3_CAPA_PIPELINING;

	if (gd_sasl_enabled(s->conn))
		c |= POP3_CAPA_USER | POP3_CAPA_SASL;
	if (gd_conn_starttls_available(s->conn))
		c |= POP3_CAPA_STLS;
	if (s->cfg->expire_days != POP3_EXPIRE_NEVER)
		c |= POP3_CAPA_EXPIRE;
	if (s->cfg->login_delay > 0)
		c |= POP3_CAPA_LOGIN_DELAY;
	if (s->cfg->implementation)
		c |= POP3_CAPA_IMPLEMENTATION;
	return c;
}

void
pop3_cmd_capa(struct pop3_session *s)
{
	char mechs[POP3_REPLY_MAX], buf[2048];
	struct pop3_capa c = {
		.flags = pop3_capa_now(s),
		.expire_days = s->cfg->expire_days,
		.login_delay = s->cfg->login_delay,
		.implementation = "gumdrop " PACKAGE_VERSION,
	};
	size_t n;

	/* RFC 2595 4: USER is not listed where it would be refused. */
	if (s->state == POP3_STATE_AUTHORIZATION &&
	    !gd_sasl_plaintext_ok(s->conn))
		c.flags &= ~POP3_CAPA_USER;
	if (pop3_auth_mechs(s, mechs, sizeof(mechs)) > 0)
		c.sasl_mechs = mechs;
	else
		c.flags &= ~POP3_CAPA_SASL;
	c.utf8_user = true;
	n = pop3_capa_format(buf, sizeof(buf), &c, s->state);
	gd_conn_write(s->conn, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

/* ---- STLS and UTF8 ------------------------------------------------------- */

void
pop3_cmd_stls(struct pop3_session *s)
{
	const char *error;

	if (s->user != NULL) {
		/* RFC 2595 4: STLS only before USER. */
		pop3_err(s, POP3_CODE_NONE, "STLS not allowed after USER");
		return;
	}
	pop3_ok(s, "Begin TLS negotiation");
	/* The core drops whatever was pipelined after this line. */
	if (gd_conn_starttls(s->conn, NULL, &error) < 0)
		pop3_close(s, error);
}

/* RFC 2595 4: forget what the client said before TLS. */
static void
pop3_tls_ready(struct pop3_session *s)
{
	pop3_auth_reset(s);
	s->utf8 = false;
	s->bad_commands = 0;
}

static void
pop3_cmd_utf8(struct pop3_session *s)
{
	s->utf8 = true;
	pop3_ok(s, "UTF8 enabled");
}

/* ---- dispatch ------------------------------------------------------------ */

static void
pop3_cmd_quit(struct pop3_session *s)
{
	if (s->state == POP3_STATE_TRANSACTION) {
		pop3_drop_update(s);
		return;
	}
	pop3_ok(s, "Bye");
	pop3_close(s, "quit");
}

static void
pop3_dispatch(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	switch (cmd->verb) {
	case POP3_VERB_USER: pop3_cmd_user(s, cmd); break;
	case POP3_VERB_PASS: pop3_cmd_pass(s, cmd); break;
	case POP3_VERB_APOP: pop3_cmd_apop(s, cmd); break;
	case POP3_VERB_AUTH: pop3_cmd_auth(s, cmd); break;
	case POP3_VERB_STLS: pop3_cmd_stls(s); break;
	case POP3_VERB_CAPA: pop3_cmd_capa(s); break;
	case POP3_VERB_UTF8: pop3_cmd_utf8(s); break;
	case POP3_VERB_STAT: pop3_cmd_stat(s); break;
	case POP3_VERB_LIST: pop3_cmd_list(s, cmd, false); break;
	case POP3_VERB_UIDL: pop3_cmd_list(s, cmd, true); break;
	case POP3_VERB_RETR: pop3_cmd_retr(s, cmd); break;
	case POP3_VERB_TOP: pop3_cmd_retr(s, cmd); break;
	case POP3_VERB_DELE: pop3_cmd_dele(s, cmd); break;
	case POP3_VERB_NOOP: pop3_ok(s, "%s", ""); break;
	case POP3_VERB_RSET: pop3_cmd_rset(s); break;
	case POP3_VERB_QUIT: pop3_cmd_quit(s); break;
	default: pop3_err(s, POP3_CODE_NONE, "Unknown command"); break;
	}
}

static void
pop3_line(struct pop3_session *s, const char *line, size_t len)
{
	struct pop3_error err;
	struct pop3_cmd cmd;

	gd_pool_clear(s->cmd_pool);
	if (pop3_cmd_parse(line, len, s->utf8, &cmd, &err) < 0 ||
	    pop3_cmd_allowed(cmd.verb, s->state, pop3_capa_now(s),
	    s->user != NULL, &err) < 0) {
		pop3_error(s, &err);
		pop3_bad_command(s);
		return;
	}
	pop3_dispatch(s, &cmd);
}

/* ---- events -------------------------------------------------------------- */

static void
pop3_greet(struct pop3_session *s)
{
	static unsigned counter;
	const char *text = s->cfg->greeting != NULL ? s->cfg->greeting :
	    POP3_GREETING;
	char host[128];

	s->apop = s->cfg->apop && gd_sasl_secrets_available(s->conn);
	if (!s->apop) {
		pop3_ok(s, "%s", text);
		return;
	}
	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(s->timestamp, sizeof(s->timestamp), "<%ld.%u.%s.%lld@%.60s>",
	    (long)getpid(), __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED),
	    gd_conn_id(s->conn), (long long)time(NULL), host);
	pop3_ok(s, "%s %s", text, s->timestamp);
}

static void
pop3_open(struct gd_conn *conn)
{
	struct gd_module_ctx *ctx = gd_conn_module_ctx(conn);
	struct pop3_session *s;

	s = gd_xcalloc(1, sizeof(*s));
	s->magic = POP3_SESSION_MAGIC;
	s->conn = conn;
	s->mod = gd_module_ctx_get_data(ctx);
	s->cfg = pop3_config_current(s->mod, ctx);
	s->state = POP3_STATE_AUTHORIZATION;
	s->cmd_pool = gd_pool_create("pop3-command");
	gd_conn_set_session(conn, s);
	/* RFC 1939 3: the autologout timer, also while a reply waits for
	 * a slow client. */
	gd_conn_set_idle_timeout(conn, s->cfg->autologout_ms);
	gd_conn_set_command_timeout(conn, s->cfg->autologout_ms);
	pop3_greet(s);
}

static void
pop3_input(struct pop3_session *s)
{
	const char *line;
	size_t len;

	line = gd_conn_line(s->conn, &len);
	if (s->closing || line == NULL)
		return;
	if (s->sasl_waiting || s->sasl_final) {
		pop3_auth_line(s, line, len);
		return;
	}
	pop3_line(s, line, len);
}

static void
pop3_line_too_long(struct pop3_session *s)
{
	struct pop3_error err;
	struct pop3_cmd cmd;

	if (s->closing)
		return;
	if (s->sasl_waiting || s->sasl_final) {
		pop3_auth_line(s, "!", 1);
		return;
	}
	/* The parser's own refusal for an over-long line. */
	pop3_cmd_parse("", POP3_LINE_MAX, s->utf8, &cmd, &err);
	pop3_error(s, &err);
	pop3_bad_command(s);
}

static void
pop3_timeout(struct pop3_session *s)
{
	if (s->closing)
		return;
	/* Nothing is deleted: UPDATE follows QUIT only (RFC 1939 3). */
	pop3_err(s, POP3_CODE_NONE, "Autologout: idle for too long");
	pop3_close(s, "autologout");
}

static void
pop3_drain(struct pop3_session *s)
{
	if (s->closing)
		return;
	if (s->drop != NULL && s->drop->running) {
		/* A maildrop job runs: it says goodbye when done. */
		s->draining = true;
		return;
	}
	pop3_retr_stop(s);
	pop3_err(s, POP3_CODE_SYS_TEMP, "Server shutting down");
	pop3_close(s, "shutdown");
}

static void
pop3_free(struct pop3_session *s)
{
	if (s == NULL)
		return;
	pop3_retr_stop(s);
	pop3_auth_reset(s);
	pop3_drop_release(s);
	gd_pool_destroy(&s->cmd_pool);
	s->magic = 0;
	free(s);
}

void
pop3_event(struct gd_conn *conn, enum gd_conn_event ev)
{
	struct pop3_session *s = gd_conn_get_session(conn);

	switch (ev) {
	case GD_CONN_EV_OPEN:
		pop3_open(conn);
		break;
	case GD_CONN_EV_LINE:
		pop3_input(s);
		break;
	case GD_CONN_EV_LINE_TOO_LONG:
		pop3_line_too_long(s);
		break;
	case GD_CONN_EV_DRAINED:
		if (s->produce != NULL && !s->closing)
			pop3_produce(s);
		break;
	case GD_CONN_EV_TLS_READY:
		pop3_tls_ready(s);
		break;
	case GD_CONN_EV_TIMEOUT:
		pop3_timeout(s);
		break;
	case GD_CONN_EV_DRAIN:
		pop3_drain(s);
		break;
	case GD_CONN_EV_CLOSE:
		pop3_free(s);
		gd_conn_set_session(conn, NULL);
		break;
	case GD_CONN_EV_DATA:
		break;
	}
}
