/*
 * smtp-finish.c — the end of the content (DATA's final dot, BDAT LAST):
 * the content's own verdict (size, bare LF), the consumers' end(), the
 * smtp.data-end chain, and the reply: one for SMTP, one per recipient for
 * LMTP (RFC 2033 4.2).  The server never answers 250 for a message that
 * no module took (the chain's default is 451 4.3.0).
 */
#include <string.h>
#include <sys/time.h>

#include "smtp-private.h"

static void smtp_data_end_done(struct smtp_session *s,
    const struct gd_hook_result *r);

static void
smtp_finish_txn(struct smtp_session *s)
{
	smtp_txn_reset(s);
	smtp_state_idle(s);
}

/* Every recipient gets `err` (LMTP) or one reply (SMTP). */
static void
smtp_finish_error(struct smtp_session *s, const struct smtp_error *err)
{
	unsigned i, n = s->proto == GD_SMTP_PROTO_LMTP ? s->txn.nrcpt : 1;

	smtp_content_abort(s);
	for (i = 0; i < n; i++)
		smtp_reply_err(s, err);
	smtp_finish_txn(s);
}

static bool
smtp_content_ok(struct smtp_session *s, struct smtp_error *err)
{
	struct smtp_txn *t = &s->txn;
	const char *error;

	if (!t->bdat_used && smtp_data_result(&t->unstuff, err) < 0)
		return false;
	if (t->refused.code != 0) {
		*err = t->refused;
		return false;
	}
	if (!t->stream_failed && gd_stream_end(t->data.stream, &error) < 0) {
		t->stream_failed = true;
		t->stream_error = error;
	}
	if (t->stream_failed) {
		gd_log(GD_LOG_WARNING, "smtp.content", "session=%s id=%s "
		    "reason=\"%s\"", gd_conn_id(s->conn), t->id,
		    t->stream_error != NULL ? t->stream_error : "error");
		smtp_error_set(err, 451, "4.3.0", "Local error in processing");
		return false;
	}
	return true;
}

void
smtp_content_finish(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	struct timeval tv;
	struct smtp_error err;

	gettimeofday(&tv, NULL);
	t->t_end = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
	t->data.size = t->bdat_used ? t->bdat.total :
	    smtp_data_size(&t->unstuff);
	smtp_enter_state(s, SMTP_S_RCPT);
	smtp_header_finish(s);
	if (!smtp_content_ok(s, &err)) {
		smtp_finish_error(s, &err);
		return;
	}
	t->in_data_end = true;
	smtp_hook_run(s, SMTP_HOOK_DATA_END, &t->data, smtp_data_end_done);
}

static void
smtp_reply_result(struct smtp_session *s, const struct smtp_rcpt_result *res)
{
	struct gd_hook_result r;

	memset(&r, 0, sizeof(r));
	r.verdict = res->verdict;
	r.reply = res->reply;
	if (r.reply.code == 0) {
		r.reply.code = res->verdict == GD_VERDICT_ACCEPT ? 250 :
		    res->verdict == GD_VERDICT_REJECT ? 550 : 451;
		r.reply.enhanced = res->verdict == GD_VERDICT_ACCEPT ?
		    "2.0.0" : res->verdict == GD_VERDICT_REJECT ? "5.0.0" :
		    "4.0.0";
		r.reply.text = res->verdict == GD_VERDICT_ACCEPT ? "Ok" :
		    "Delivery failed";
	}
	smtp_reply_hook(s, &r);
}

/* The chain said nothing or something: the reply for one recipient. */
static void
smtp_reply_chain(struct smtp_session *s, const struct gd_hook_result *r)
{
	if (r->verdict == GD_VERDICT_CONTINUE)
		smtp_reply(s, 451, "4.3.0", "No module took the message; "
		    "try again later");
	else if (r->verdict == GD_VERDICT_ACCEPT ||
	    r->verdict == GD_VERDICT_DISCARD)
		smtp_reply(s, r->reply.code, r->reply.enhanced,
		    "%s queued as %s",
		    r->reply.text != NULL ? r->reply.text : "Ok", s->txn.id);
	else
		smtp_reply_hook(s, r);
}

static void
smtp_data_end_done(struct smtp_session *s, const struct gd_hook_result *r)
{
	struct smtp_txn *t = &s->txn;
	unsigned i;

	t->in_data_end = false;
	gd_log(GD_LOG_INFO, "smtp.message", "session=%s id=%s size=%llu "
	    "rcpts=%u verdict=%s reason=data-end", gd_conn_id(s->conn), t->id,
	    (unsigned long long)t->data.size, t->nrcpt,
	    gd_verdict_name(r->verdict));
	if (s->proto != GD_SMTP_PROTO_LMTP) {
		smtp_reply_chain(s, r);
	} else {
		for (i = 0; i < t->nrcpt && !r->disconnect; i++) {
			if (t->results[i].set)
				smtp_reply_result(s, &t->results[i]);
			else
				smtp_reply_chain(s, r);
		}
		if (r->disconnect)
			smtp_reply_hook(s, r);
	}
	if (s->state != SMTP_S_CLOSING)
		smtp_finish_txn(s);
}
