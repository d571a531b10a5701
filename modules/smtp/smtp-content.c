/*
 * smtp-content.c — DATA and BDAT: the content streams from the socket
 * through the unstuffer (DATA) or the chunk counter (BDAT) into the
 * header parser and the chain of content consumers, in bounded chunks;
 * it is never held whole.  Consumers see the same bytes whichever
 * command carried them.
 *
 * Back-pressure: when the chain takes less than offered, the rest (at
 * most SMTP_CHUNK bytes) waits in `hold`, reading pauses, and the
 * stream's wakeup resumes it.
 */
#include <string.h>
#include <time.h>
#include <sys/time.h>

#include "smtp-private.h"

#define SMTP_RECEIVED_MAX	2048

static void smtp_content_wakeup(void *arg);
static void smtp_bdat_chunk_end(struct smtp_session *s);

static uint64_t
smtp_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* ---- the stream --------------------------------------------------------- */

/* Write what the chain takes; keep the rest and pause.  false: stalled. */
static bool
smtp_stream_offer(struct smtp_session *s, const char *buf, size_t len)
{
	struct smtp_txn *t = &s->txn;
	const char *error;
	ssize_t n;

	if (t->stream_failed || t->refused.code != 0 || t->data.stream == NULL)
		return true;
	n = gd_stream_write(t->data.stream, buf, len, &error);
	if (n < 0) {
		t->stream_failed = true;
		t->stream_error = error;
		return true;
	}
	if ((size_t)n == len)
		return true;
	/* UNSAFE: len - n <= SMTP_CHUNK, the most one call passes. */
	if (s->hold == NULL)
		s->hold = gd_pool_alloc(gd_conn_pool(s->conn), SMTP_CHUNK);
	memcpy(s->hold, buf + n, len - (size_t)n);
	s->hold_len = len - (size_t)n;
	s->hold_off = 0;
	s->stalled = true;
	gd_conn_pause_read(s->conn);
	return false;
}

void
smtp_content_put(struct smtp_session *s, const char *buf, size_t len)
{
	while (len > 0) {
		size_t n = len > SMTP_CHUNK ? SMTP_CHUNK : len;

		smtp_header_feed(s, buf, n);
		if (!smtp_stream_offer(s, buf, n)) {
			/* Only the last piece may stall: callers pass at
			 * most SMTP_CHUNK bytes per call. */
			return;
		}
		buf += n;
		len -= n;
	}
}

static void
smtp_content_wakeup(void *arg)
{
	struct smtp_session *s = arg;
	const char *error;
	ssize_t n;

	if (!s->stalled)
		return;
	n = gd_stream_write(s->txn.data.stream, s->hold + s->hold_off,
	    s->hold_len - s->hold_off, &error);
	if (n < 0) {
		s->txn.stream_failed = true;
		s->txn.stream_error = error;
		n = (ssize_t)(s->hold_len - s->hold_off);
	}
	s->hold_off += (size_t)n;
	if (s->hold_off < s->hold_len)
		return;
	s->stalled = false;
	s->hold_len = s->hold_off = 0;
	gd_conn_resume_read(s->conn);
	if (s->pending_end == SMTP_END_DATA) {
		s->pending_end = SMTP_END_NONE;
		smtp_content_finish(s);
	} else if (s->pending_end == SMTP_END_CHUNK) {
		s->pending_end = SMTP_END_NONE;
		smtp_bdat_chunk_end(s);
	}
}

void
smtp_content_abort(struct smtp_session *s)
{
	if (s->txn.data.stream != NULL)
		gd_stream_abort(s->txn.data.stream);
	if (s->state == SMTP_S_DATA || s->state == SMTP_S_BDAT)
		gd_conn_set_raw(s->conn, false);
}

/* The Received: field (RFC 5321 4.4), the first bytes consumers see. */
static void
smtp_content_trace(struct smtp_session *s)
{
	struct smtp_received r;
	char buf[SMTP_RECEIVED_MAX];
	struct tm tm;
	time_t now = time(NULL);
	size_t len;

	memset(&r, 0, sizeof(r));
	localtime_r(&now, &tm);
	r.helo = s->helo;
	r.client_rdns = smtp_client_name(s);
	r.client_addr = smtp_client_ip(s);
	r.by_host = s->cfg->hostname;
	r.with = (s->esmtp ? SMTP_WITH_ESMTP : 0) |
	    (s->proto == GD_SMTP_PROTO_LMTP ? SMTP_WITH_LMTP : 0) |
	    (gd_conn_is_tls(s->conn) ? SMTP_WITH_TLS : 0) |
	    (s->auth_user != NULL ? SMTP_WITH_AUTH : 0) |
	    (s->txn.mail.smtputf8 ? SMTP_WITH_UTF8 : 0);
	r.tls_version = gd_conn_tls_version(s->conn);
	r.tls_cipher = gd_conn_tls_cipher(s->conn);
	r.queue_id = s->txn.id;
	r.rcpt_count = s->txn.nrcpt;
	r.rcpt = s->txn.nrcpt == 1 ? s->txn.rcpts[0]->address : NULL;
	r.when = (int64_t)now;
	r.tz_minutes = (int)(tm.tm_gmtoff / 60);
	len = smtp_received_build(buf, sizeof(buf), &r);
	if (len >= sizeof(buf))
		return;
	smtp_stream_offer(s, buf, len);
}

/*
 * Content starts: make the stream, let modules push consumers
 * (smtp.data, SYNC), add the trace field.  false when refused (the
 * reply is in txn.refused).
 */
static bool
smtp_content_start(struct smtp_session *s, bool bdat)
{
	struct smtp_txn *t = &s->txn;
	struct gd_hook_result r;

	t->started = true;
	t->t_data = smtp_ms();
	t->data.stream = gd_stream_chain_create(s->txn_pool);
	t->data.bdat = bdat;
	gd_stream_set_wakeup(t->data.stream, smtp_content_wakeup, s);
	t->in_data_hook = true;
	smtp_hook_sync(s, SMTP_HOOK_DATA, &t->data, &r);
	t->in_data_hook = false;
	if (r.verdict == GD_VERDICT_REJECT ||
	    r.verdict == GD_VERDICT_TEMPFAIL ||
	    r.verdict == GD_VERDICT_ERROR) {
		t->refused.code = r.reply.code;
		t->refused.enhanced = r.reply.enhanced != NULL ?
		    gd_pool_strdup(s->txn_pool, r.reply.enhanced) : NULL;
		strncpy(t->refused.text, r.reply.text != NULL ?
		    r.reply.text : "", sizeof(t->refused.text) - 1);
		return false;
	}
	smtp_header_start(s);
	if (s->cfg->received)
		smtp_content_trace(s);
	return true;
}

/* ---- DATA --------------------------------------------------------------- */

void
smtp_cmd_data(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_error err;

	(void)cmd;
	if (smtp_check_data(s->txn.bdat_used ? &s->txn.bdat : NULL,
	    (enum smtp_body)s->txn.mail.body, &err) < 0) {
		smtp_reply_err(s, &err);
		return;
	}
	if (!smtp_content_start(s, false)) {
		smtp_reply_err(s, &s->txn.refused);
		smtp_txn_reset(s);
		smtp_state_idle(s);
		return;
	}
	smtp_data_init(&s->txn.unstuff, s->cfg->max_message_size,
	    s->cfg->bare_lf == SMTP_BARE_LF_NORMALIZE ? SMTP_BARE_NORMALISE :
	    SMTP_BARE_REFUSE);
	smtp_reply(s, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	smtp_enter_state(s, SMTP_S_DATA);
	gd_conn_set_raw(s->conn, true);
}

/* Raw bytes of DATA; returns at the end of data or when stalled. */
static void
smtp_data_input(struct smtp_session *s)
{
	char out[SMTP_CHUNK];
	const char *in;
	size_t len, used, olen;
	int r;

	while (!s->stalled && s->state == SMTP_S_DATA) {
		in = gd_conn_raw_data(s->conn, &len);
		if (len == 0)
			return;
		r = smtp_data_feed(&s->txn.unstuff, in, len, &used, out,
		    sizeof(out), &olen);
		gd_conn_raw_consume(s->conn, used);
		if (olen > 0)
			smtp_content_put(s, out, olen);
		if (r == 1) {
			gd_conn_set_raw(s->conn, false);
			if (s->stalled)
				s->pending_end = SMTP_END_DATA;
			else
				smtp_content_finish(s);
			return;
		}
	}
}

/* ---- BDAT --------------------------------------------------------------- */

/* A refused BDAT: its bytes are read and dropped, then the reply. */
static void
smtp_bdat_skip(struct smtp_session *s, uint64_t size,
    const struct smtp_error *err)
{
	s->skip_reply = *err;
	s->skip = size;
	if (size == 0) {
		smtp_reply_err(s, err);
		return;
	}
	gd_conn_set_raw(s->conn, true);
}

static bool
smtp_bdat_sequence(struct smtp_session *s, struct smtp_error *err)
{
	if (s->state == SMTP_S_RCPT)
		return true;
	if (s->state == SMTP_S_MAIL)
		smtp_error_set(err, 554, "5.5.1", "No valid recipients");
	else if (s->state == SMTP_S_REFUSED)
		smtp_error_set(err, 503, "5.5.1", "Service refused: only "
		    "QUIT is accepted");
	else
		smtp_error_set(err, 503, "5.5.1", "Need MAIL and RCPT before "
		    "BDAT");
	return false;
}

static void
smtp_bdat_chunk_end(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	struct smtp_error err;

	gd_conn_set_raw(s->conn, false);
	smtp_enter_state(s, SMTP_S_RCPT);
	if (t->refused.code != 0) {
		smtp_reply_err(s, &t->refused);
		smtp_txn_reset(s);
		smtp_state_idle(s);
		return;
	}
	if (smtp_bdat_chunk_result(&t->bdat, &err) < 0) {
		/* RFC 3030 2: a failed chunk fails the transaction. */
		smtp_reply_err(s, &err);
		smtp_txn_reset(s);
		smtp_state_idle(s);
		return;
	}
	if (t->bdat.last) {
		smtp_content_finish(s);
		return;
	}
	smtp_reply(s, 250, "2.0.0", "%llu octets received",
	    (unsigned long long)t->bdat.total);
}

void
smtp_bdat_lost(struct smtp_session *s, const struct smtp_error *err)
{
	/* Where the chunk ends is unknown: nothing after it can be read as
	 * a command.  Close, announced by a 421 (RFC 5321 3.8: no other
	 * intentional close but after QUIT). */
	smtp_reply_err(s, err);
	smtp_close_421(s, "4.5.0", "Error: BDAT size unknown, closing "
	    "connection", "bad BDAT");
}

void
smtp_cmd_bdat(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_error err;
	uint64_t size;
	bool last;

	if (smtp_bdat_parse(cmd->args, cmd->args_len, &size, &last,
	    &err) < 0) {
		smtp_bdat_lost(s, &err);
		return;
	}
	if (smtp_check_bdat(smtp_ext_now(s), &err) < 0 ||
	    !smtp_bdat_sequence(s, &err)) {
		smtp_bdat_skip(s, size, &err);
		return;
	}
	if (!s->txn.bdat_used) {
		s->txn.bdat_used = true;
		smtp_bdat_init(&s->txn.bdat, s->cfg->max_message_size);
		smtp_content_start(s, true);
	}
	smtp_bdat_begin(&s->txn.bdat, size, last);
	smtp_enter_state(s, SMTP_S_BDAT);
	if (size == 0) {
		smtp_bdat_chunk_end(s);
		return;
	}
	gd_conn_set_raw(s->conn, true);
}

static void
smtp_bdat_input(struct smtp_session *s)
{
	const char *in;
	size_t len, n, keep;

	while (!s->stalled && s->state == SMTP_S_BDAT) {
		in = gd_conn_raw_data(s->conn, &len);
		if (len == 0)
			return;
		if (len > SMTP_CHUNK)
			len = SMTP_CHUNK;
		n = smtp_bdat_take(&s->txn.bdat, len, &keep);
		if (keep > 0)
			smtp_content_put(s, in, keep);
		gd_conn_raw_consume(s->conn, n);
		if (s->txn.bdat.in_chunk)
			continue;
		if (s->stalled)
			s->pending_end = SMTP_END_CHUNK;
		else
			smtp_bdat_chunk_end(s);
		return;
	}
}

static void
smtp_skip_input(struct smtp_session *s)
{
	size_t len;

	gd_conn_raw_data(s->conn, &len);
	if ((uint64_t)len > s->skip)
		len = (size_t)s->skip;
	gd_conn_raw_consume(s->conn, len);
	s->skip -= len;
	if (s->skip > 0)
		return;
	gd_conn_set_raw(s->conn, false);
	smtp_reply_err(s, &s->skip_reply);
}

void
smtp_content_input(struct smtp_session *s)
{
	if (s == NULL || s->state == SMTP_S_CLOSING)
		return;
	if (s->skip > 0)
		smtp_skip_input(s);
	else if (s->state == SMTP_S_DATA)
		smtp_data_input(s);
	else if (s->state == SMTP_S_BDAT)
		smtp_bdat_input(s);
}
