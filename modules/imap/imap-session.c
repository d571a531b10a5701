/*
 * imap-session.c — one IMAP session: the connection's events, the
 * command reader fed from the raw input (literals, limits), the states
 * of RFC 9051 3 with the command table's checks, dispatch, the
 * bad-command limit, the timers, replies, and the blocking jobs.
 *
 * Commands run one at a time, in order: while a job (store work in the
 * blocking pool) or a SASL step is pending, input is paused and stays
 * buffered, so replies come in the order of the commands.  A job builds
 * its untagged responses in `s->out` off the loop; its `done` half
 * writes them and then the tagged reply.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"

#define IMAP_GREETING	"Gumdrop IMAP server ready"

static void imap_input(struct imap_session *s);

/* ---- replies ------------------------------------------------------------ */

/* A refused command: counted; past the limit the session ends. */
static void
imap_bad_command(struct imap_session *s)
{
	struct imap_error err;

	s->bad_commands++;
	if (s->cfg->max_bad_commands == 0 ||
	    s->bad_commands <= s->cfg->max_bad_commands || s->closing)
		return;
	imap_refuse(&err, IMAP_REFUSE_TOO_MANY_BAD);
	gd_conn_writef(s->conn, "* BYE %s\r\n", err.text);
	imap_close(s, "too many bad commands");
}

void
imap_reply_err(struct imap_session *s, const struct imap_error *err)
{
	char buf[IMAP_LINE_MAX];
	size_t n;

	n = imap_reply_error(buf, sizeof(buf), s->tag,
	    s->tag != NULL ? strlen(s->tag) : 0, err);
	gd_conn_write(s->conn, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
	if (err->status == IMAP_BAD)
		imap_bad_command(s);
}

void
imap_tagged(struct imap_session *s, enum imap_status st, enum imap_code code,
    const char *fmt, ...)
{
	struct imap_error err;
	char text[IMAP_ERROR_TEXT_MAX];
	const char *cname = imap_code_name(code);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (st == IMAP_OK) {
		gd_conn_writef(s->conn, "%s OK %s%s%s%s\r\n", s->tag,
		    cname != NULL ? "[" : "", cname != NULL ? cname : "",
		    cname != NULL ? "] " : "", text);
		return;
	}
	imap_error_set(&err, st, code, "%s", text);
	imap_reply_err(s, &err);
}

void
imap_refusal(struct imap_session *s, enum imap_refusal why)
{
	struct imap_error err;

	imap_refuse(&err, why);
	imap_reply_err(s, &err);
}

/* A mailbox API failure as the tagged NO with the RFC's code. */
void
imap_mail_error(struct imap_session *s, const struct gd_mail_error *e,
    bool append, const char *what)
{
	enum imap_code code = imap_code_of_mail_error(e->code, append);

	if (e->code == GD_MAIL_ERR_TEMP || e->code == GD_MAIL_ERR_CORRUPT)
		gd_log(GD_LOG_WARNING, "imap.store", "session=%s user=%s "
		    "command=%s error=%s reason=\"%s\"", gd_conn_id(s->conn),
		    s->user != NULL ? s->user : "-", what,
		    gd_mail_errcode_name(e->code), e->text);
	if (e->code == GD_MAIL_ERR_TEMP)
		imap_tagged(s, IMAP_NO, code, "%s failed: try again later",
		    what);
	else
		imap_tagged(s, IMAP_NO, code, "%s failed: %s", what, e->text);
}

void
imap_untagged(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;

	gd_conn_write(s->conn, "* ", 2);
	va_start(ap, fmt);
	gd_conn_vwritef(s->conn, fmt, ap);
	va_end(ap);
	gd_conn_write(s->conn, "\r\n", 2);
}

/* Write what a job queued. */
void
imap_flush_out(struct imap_session *s)
{
	if (s->out.len > 0)
		gd_conn_write(s->conn, s->out.buf, s->out.len);
	/* A big reply (LIST of a large tree, FETCH 1:*) is not kept. */
	if (s->out.cap > IMAP_OUT_KEEP)
		imap_out_free(&s->out);
	imap_out_reset(&s->out);
}

void
imap_close(struct imap_session *s, const char *reason)
{
	s->closing = true;
	s->state = IMAP_STATE_LOGOUT;
	gd_conn_close(s->conn, true, reason);
}

/* The timers of RFC 9051 5.4 follow the state. */
void
imap_set_state(struct imap_session *s, enum imap_state state)
{
	s->state = state;
	gd_conn_set_idle_timeout(s->conn, state == IMAP_STATE_NOT_AUTH ?
	    s->cfg->preauth_ms : s->cfg->autologout_ms);
}

/*
 * A job or a SASL step starts (input waits) or ends (input resumes; a
 * shutdown that came meanwhile says goodbye now).
 */
void
imap_busy(struct imap_session *s, bool busy)
{
	s->busy = busy;
	if (busy) {
		gd_conn_pause_read(s->conn);
		return;
	}
	if (s->closing)
		return;
	if (s->draining) {
		gd_conn_writef(s->conn, "* BYE Server shutting down\r\n");
		imap_close(s, "shutdown");
		return;
	}
	gd_conn_resume_read(s->conn);
}

/* The argument cursor over the current command's arguments. */
void
imap_args_start(struct imap_session *s, struct imap_args *a,
    struct imap_error *err)
{
	const struct imap_command *c = imap_reader_command(&s->rd);

	imap_args_init(a, c->args, c->args_len, s->cmd_pool, s->mode, err);
}

/* ---- jobs ------------------------------------------------------------ */

static void imap_session_free(struct imap_session *s);

/* Close the store of a session that is gone (pool thread), free it. */
static void
imap_store_free_work(void *arg)
{
	struct imap_session *s = arg;

	imap_store_close_work(s);
	imap_session_free(s);
}

static void
imap_job_work(void *arg)
{
	struct imap_session *s = arg;

	s->job_work(s);
	/* Updates from others at the end of a command (RFC 9051 7):
	 * without EXPUNGE during FETCH, STORE and SEARCH. */
	if (s->job.sync && s->box != NULL)
		imap_view_sync(s, (imap_cmd_info(s->cmd)->flags &
		    IMAP_CMDF_NO_EXPUNGE) != 0 ? GD_MAIL_SYNC_NO_EXPUNGE : 0);
}

static void
imap_job_done(void *arg)
{
	struct imap_session *s = arg;

	s->job_running = false;
	if (s->dead) {
		imap_idle_stop(s);
		if (gd_work_submit(NULL, imap_store_free_work, NULL, s) < 0)
			imap_store_free_work(s);
		return;
	}
	s->job_done(s);
	if (!s->job_running && s->sasl == NULL && s->fetch == NULL)
		imap_busy(s, false);
}

/*
 * Run work(s) in the blocking pool, then done(s) on the loop; input
 * waits meanwhile.  The loop side must not touch the store, the mailbox
 * or s->out until done runs.
 */
void
imap_job(struct imap_session *s, imap_job_fn *work, imap_job_fn *done)
{
	s->job_work = work;
	s->job_done = done;
	s->job_running = true;
	s->job.sync = s->state == IMAP_STATE_SELECTED;
	imap_out_reset(&s->out);
	gd_mail_error_clear(&s->job.err);
	imap_busy(s, true);
	if (gd_work_submit(gd_conn_loop(s->conn), imap_job_work,
	    imap_job_done, s) < 0) {
		s->job_running = false;
		imap_refusal(s, IMAP_REFUSE_UNAVAILABLE);
		imap_busy(s, false);
	}
}

/* ---- dispatch ------------------------------------------------------------ */

static void
imap_dispatch(struct imap_session *s)
{
	switch (s->cmd) {
	case IMAP_CMD_CAPABILITY: imap_cmd_capability(s); break;
	case IMAP_CMD_NOOP: imap_cmd_noop(s); break;
	case IMAP_CMD_LOGOUT: imap_cmd_logout(s); break;
	case IMAP_CMD_ID: imap_cmd_id(s); break;
	case IMAP_CMD_STARTTLS: imap_cmd_starttls(s); break;
	case IMAP_CMD_AUTHENTICATE: imap_cmd_authenticate(s); break;
	case IMAP_CMD_LOGIN: imap_cmd_login(s); break;
	case IMAP_CMD_ENABLE: imap_cmd_enable(s); break;
	case IMAP_CMD_SELECT: imap_cmd_select(s, false); break;
	case IMAP_CMD_EXAMINE: imap_cmd_select(s, true); break;
	case IMAP_CMD_CREATE: imap_cmd_create(s); break;
	case IMAP_CMD_DELETE: imap_cmd_delete(s); break;
	case IMAP_CMD_RENAME: imap_cmd_rename(s); break;
	case IMAP_CMD_SUBSCRIBE: imap_cmd_subscribe(s, true); break;
	case IMAP_CMD_UNSUBSCRIBE: imap_cmd_subscribe(s, false); break;
	case IMAP_CMD_LIST: imap_cmd_list(s, false); break;
	case IMAP_CMD_LSUB: imap_cmd_list(s, true); break;
	case IMAP_CMD_NAMESPACE: imap_cmd_namespace(s); break;
	case IMAP_CMD_STATUS: imap_cmd_status(s); break;
	case IMAP_CMD_CHECK: imap_cmd_noop(s); break;
	case IMAP_CMD_CLOSE: imap_cmd_close(s, true); break;
	case IMAP_CMD_UNSELECT: imap_cmd_close(s, false); break;
	case IMAP_CMD_EXPUNGE: imap_cmd_expunge(s, false); break;
	case IMAP_CMD_UID_EXPUNGE: imap_cmd_expunge(s, true); break;
	case IMAP_CMD_STORE: imap_cmd_store(s, false); break;
	case IMAP_CMD_UID_STORE: imap_cmd_store(s, true); break;
	case IMAP_CMD_COPY: imap_cmd_copy(s, false, false); break;
	case IMAP_CMD_UID_COPY: imap_cmd_copy(s, true, false); break;
	case IMAP_CMD_MOVE: imap_cmd_copy(s, false, true); break;
	case IMAP_CMD_UID_MOVE: imap_cmd_copy(s, true, true); break;
	case IMAP_CMD_SEARCH: imap_cmd_search(s, false); break;
	case IMAP_CMD_UID_SEARCH: imap_cmd_search(s, true); break;
	case IMAP_CMD_IDLE: imap_cmd_idle(s); break;
	case IMAP_CMD_APPEND: imap_cmd_append(s); break;
	case IMAP_CMD_FETCH: imap_cmd_fetch(s, false); break;
	case IMAP_CMD_UID_FETCH: imap_cmd_fetch(s, true); break;
	default:
		/* imap_cmd_allowed() refused every other value. */
		imap_tagged(s, IMAP_BAD, IMAP_CODE_NONE, "Unknown command");
		break;
	}
}

static void
imap_command(struct imap_session *s)
{
	const struct imap_command *c = imap_reader_command(&s->rd);
	struct imap_error err;

	gd_pool_clear(s->cmd_pool);
	memset(&s->job, 0, sizeof(s->job));
	s->tag = gd_pool_strndup(s->cmd_pool, c->tag, c->tag_len);
	s->cmd = c->cmd;
	if (imap_cmd_allowed(c->cmd, s->state, s->mode, &err) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	if ((imap_cmd_info(c->cmd)->flags & IMAP_CMDF_NO_ARGS) != 0 &&
	    c->args_len > 0) {
		imap_tagged(s, IMAP_BAD, IMAP_CODE_NONE, "Unexpected "
		    "arguments");
		return;
	}
	imap_dispatch(s);
}

/* A refusal from the reader (tagged when the tag was read). */
static void
imap_reader_refused(struct imap_session *s)
{
	const struct imap_error *err;
	const char *tag;
	size_t tag_len;

	err = imap_reader_error(&s->rd, &tag, &tag_len);
	if (s->idling) {
		/* An overlong line instead of DONE: IDLE ends. */
		imap_idle_stop(s);
		imap_reply_err(s, err);
		return;
	}
	if (s->sasl_waiting || s->sasl_final) {
		/* An overlong AUTHENTICATE line: that command fails. */
		imap_auth_reset(s);
		imap_reply_err(s, err);
		return;
	}
	gd_pool_clear(s->cmd_pool);
	s->tag = tag_len > 0 ? gd_pool_strndup(s->cmd_pool, tag, tag_len) :
	    NULL;
	imap_reply_err(s, err);
}

/* A literal announced: accept it ("+" when synchronising) or refuse. */
static void
imap_literal(struct imap_session *s)
{
	const struct imap_rd_literal *lit = imap_reader_literal(&s->rd);
	const struct imap_command *c = imap_reader_command(&s->rd);

	if (lit->stream) {
		if (!s->appending) {
			gd_pool_clear(s->cmd_pool);
			memset(&s->job, 0, sizeof(s->job));
		}
		s->tag = gd_pool_strndup(s->cmd_pool, c->tag, c->tag_len);
		s->cmd = c->cmd;
		imap_append_literal(s);
		return;
	}
	gd_pool_clear(s->cmd_pool);
	s->tag = gd_pool_strndup(s->cmd_pool, c->tag, c->tag_len);
	if (lit->size > s->cfg->max_literal) {
		imap_reader_reject(&s->rd);
		imap_tagged(s, IMAP_BAD, IMAP_CODE_TOOBIG, "Literal too "
		    "large (max %llu octets)",
		    (unsigned long long)s->cfg->max_literal);
		return;
	}
	imap_reader_accept(&s->rd);
	if (lit->sync)
		gd_conn_writef(s->conn, "+ Ready for literal data\r\n");
}

static void
imap_event_of(struct imap_session *s, enum imap_rd_event ev)
{
	const char *line;
	size_t len;

	switch (ev) {
	case IMAP_RD_COMMAND:
		imap_command(s);
		break;
	case IMAP_RD_LITERAL:
		imap_literal(s);
		break;
	case IMAP_RD_ERROR:
		imap_reader_refused(s);
		break;
	case IMAP_RD_LINE:
		line = imap_reader_line(&s->rd, &len);
		if (s->idling)
			imap_idle_line(s, line, len);
		else
			imap_auth_line(s, line, len);
		break;
	case IMAP_RD_DATA:
		line = imap_reader_data(&s->rd, &len);
		imap_append_data(s, line, len);
		break;
	case IMAP_RD_MORE:
		break;
	}
}

/* Feed what arrived to the reader, one event at a time, until a
 * command makes the session wait. */
static void
imap_input(struct imap_session *s)
{
	enum imap_rd_event ev;
	const char *data;
	size_t len, used;

	while (!s->busy && !s->closing) {
		data = gd_conn_raw_data(s->conn, &len);
		if (data == NULL || len == 0)
			return;
		ev = imap_reader_feed(&s->rd, data, len, &used);
		/* Consumed first: STARTTLS drops what is left after its
		 * line.  The data stays where it is until the next read. */
		gd_conn_raw_consume(s->conn, used);
		imap_event_of(s, ev);
	}
}

/* ---- events -------------------------------------------------------------- */

void
imap_reader_start(struct imap_session *s)
{
	struct imap_limits lim = {
		.max_append = s->append_max,
		.literal_plus = true,
		.binary = true,		/* BINARY: literal8 APPEND */
	};

	imap_reader_init(&s->rd, &lim, s->rdbuf, s->cfg->max_command);
	gd_conn_set_raw(s->conn, true);
}

static void
imap_open(struct gd_conn *conn)
{
	struct gd_module_ctx *ctx = gd_conn_module_ctx(conn);
	struct imap_session *s;
	struct imap_out caps = { 0 };

	s = gd_xcalloc(1, sizeof(*s));
	s->magic = IMAP_SESSION_MAGIC;
	s->conn = conn;
	s->mod = gd_module_ctx_get_data(ctx);
	s->cfg = imap_config_current(s->mod, ctx);
	s->cmd_pool = gd_pool_create("imap-command");
	s->rdbuf = gd_xmalloc(s->cfg->max_command);
	gd_conn_set_session(conn, s);
	s->append_max = s->cfg->append_limit > 0 ? s->cfg->append_limit :
	    IMAP_APPEND_MAX_DEFAULT;
	imap_reader_start(s);
	imap_set_state(s, IMAP_STATE_NOT_AUTH);
	/* A job or a slow client: the autologout timer still runs. */
	gd_conn_set_command_timeout(conn, s->cfg->autologout_ms);
	imap_capability_string(s, &caps);
	gd_conn_writef(conn, "* OK [CAPABILITY %s] %s\r\n", caps.buf,
	    IMAP_GREETING);
	imap_out_free(&caps);
}

/* RFC 9051 6.2.1: forget what the client said before TLS. */
static void
imap_tls_ready(struct imap_session *s)
{
	imap_auth_reset(s);
	s->bad_commands = 0;
	imap_reader_start(s);
	imap_busy(s, false);
}

static void
imap_timeout(struct imap_session *s)
{
	if (s->closing)
		return;
	gd_conn_writef(s->conn, "* BYE Autologout; idle for too long\r\n");
	imap_close(s, "autologout");
}

static void
imap_drain(struct imap_session *s)
{
	if (s->closing)
		return;
	if (s->busy) {
		s->draining = true;
		return;
	}
	gd_conn_writef(s->conn, "* BYE Server shutting down\r\n");
	imap_close(s, "shutdown");
}

static void
imap_session_free(struct imap_session *s)
{
	gd_pool_destroy(&s->cmd_pool);
	imap_out_free(&s->out);
	free(s->rdbuf);
	free(s->saved);
	free(s->user);
	free(s->location);
	s->magic = 0;
	free(s);
}

/* The connection is gone: free now, or once the job or the store
 * closing (blocking) is done. */
static void
imap_gone(struct imap_session *s)
{
	if (s == NULL)
		return;
	gd_sasl_abort(&s->sasl);
	s->conn = NULL;
	imap_fetch_stop(s);
	if (!s->job_running) {
		imap_idle_stop(s);
		imap_append_abort(s);
	}
	if (s->job_running) {
		s->dead = true;
		return;
	}
	if (s->store == NULL && s->box == NULL) {
		imap_session_free(s);
		return;
	}
	if (gd_work_submit(NULL, imap_store_free_work, NULL, s) < 0)
		imap_store_free_work(s);
}

void
imap_event(struct gd_conn *conn, enum gd_conn_event ev)
{
	struct imap_session *s = gd_conn_get_session(conn);

	switch (ev) {
	case GD_CONN_EV_OPEN:
		imap_open(conn);
		break;
	case GD_CONN_EV_DATA:
		imap_input(s);
		break;
	case GD_CONN_EV_TLS_READY:
		imap_tls_ready(s);
		break;
	case GD_CONN_EV_TIMEOUT:
		imap_timeout(s);
		break;
	case GD_CONN_EV_DRAIN:
		imap_drain(s);
		break;
	case GD_CONN_EV_CLOSE:
		imap_gone(s);
		gd_conn_set_session(conn, NULL);
		break;
	case GD_CONN_EV_DRAINED:
		imap_fetch_produce(s);
		break;
	case GD_CONN_EV_LINE:
	case GD_CONN_EV_LINE_TOO_LONG:
		break;
	}
}
