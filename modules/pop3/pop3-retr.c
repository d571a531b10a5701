/*
 * pop3-retr.c — RETR and TOP (RFC 1939 7), and the producer machinery of
 * every long reply.
 *
 * The message is read from the store on the worker loop (content reads
 * are FILE class) in POP3_READ_CHUNK pieces, dot-stuffed by pop3_stuff_*
 * into a bounded buffer and queued with gd_conn_write().  Once the write
 * queue is above its low-water mark (gd_conn_write_low_water), reading
 * stops until GD_CONN_EV_DRAINED, plaintext or TLS alike: a slow client
 * holds back the reader, and a session never holds more than the
 * low-water mark plus one chunk, whatever the message's size.  TOP stops
 * reading once the stuffer has written the header and the lines asked.
 * Input is paused meanwhile, so pipelined commands wait their turn.
 */
#include <stdlib.h>

#include "pop3-private.h"

/* The stuffer's output: the worst case doubles a chunk (bare LFs). */
#define POP3_STUFF_BUF	(2 * POP3_READ_CHUNK + POP3_STUFF_TAIL_MAX)

struct pop3_retr {
	struct gd_mail_content *content;
	struct pop3_stuff stuff;
	size_t in_len;
	size_t in_off;
	bool eof;
	char in[POP3_READ_CHUNK];
	char out[POP3_STUFF_BUF];
};

/* ---- producers ----------------------------------------------------------- */

/*
 * Run the current producer: it writes until the queue is above the
 * low-water mark (input paused; DRAINED resumes it) or it is done
 * (input resumes).
 */
void
pop3_produce(struct pop3_session *s)
{
	/* A peer that went away reads nothing more: stop at once. */
	if (gd_conn_is_closing(s->conn) || s->produce(s)) {
		if (s->retr != NULL)
			pop3_retr_stop(s);
		s->produce = NULL;
		if (s->busy)
			pop3_busy(s, false);
		return;
	}
	if (!s->busy)
		pop3_busy(s, true);
}

void
pop3_retr_stop(struct pop3_session *s)
{
	struct pop3_retr *r = s->retr;

	s->produce = NULL;
	if (r == NULL)
		return;
	gd_mail_content_close(&r->content);
	free(r);
	s->retr = NULL;
}

/* ---- RETR and TOP -------------------------------------------------------- */

/* The store failed mid-reply: the reply cannot be finished; close. */
static bool
pop3_retr_failed(struct pop3_session *s, const struct gd_mail_error *err)
{
	gd_log(GD_LOG_WARNING, "pop3.retr", "session=%s reason=\"%s\"",
	    gd_conn_id(s->conn), err->text);
	pop3_retr_stop(s);
	s->closing = true;
	gd_conn_close(s->conn, false, "message read failed");
	return true;
}

/* Refill the input when it is used up; false on a read error. */
static bool
pop3_retr_fill(struct pop3_session *s, struct pop3_retr *r)
{
	struct gd_mail_error err;
	ssize_t n;

	if (r->in_off < r->in_len || r->eof)
		return true;
	n = gd_mail_content_read(r->content, r->in, sizeof(r->in), &err);
	if (n < 0)
		return !pop3_retr_failed(s, &err);
	r->in_len = (size_t)n;
	r->in_off = 0;
	r->eof = n == 0;
	return true;
}

static bool
pop3_retr_produce(struct pop3_session *s)
{
	size_t low = gd_conn_write_low_water(s->conn), used, n;
	struct pop3_retr *r = s->retr;

	while (gd_conn_write_pending(s->conn) <= low) {
		if (!pop3_retr_fill(s, r))
			return true;
		if (pop3_stuff_done(&r->stuff) ||
		    (r->eof && r->in_off == r->in_len)) {
			n = pop3_stuff_finish(&r->stuff, r->out,
			    sizeof(r->out));
			gd_conn_write(s->conn, r->out, n);
			pop3_retr_stop(s);
			return true;
		}
		n = pop3_stuff_feed(&r->stuff, r->in + r->in_off,
		    r->in_len - r->in_off, r->out, sizeof(r->out), &used);
		r->in_off += used;
		gd_conn_write(s->conn, r->out, n);
	}
	return false;
}

void
pop3_cmd_retr(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	bool top = cmd->verb == POP3_VERB_TOP;
	struct pop3_msg *m = pop3_msg_get(s, cmd->msg);
	struct gd_mail_error err;
	struct pop3_retr *r;

	if (m == NULL) {
		pop3_refusal(s, POP3_REFUSE_NO_SUCH_MESSAGE);
		return;
	}
	r = gd_xcalloc(1, sizeof(*r));
	if (gd_mailbox_content_open(s->drop->box, m->seq, &r->content,
	    &err) < 0) {
		free(r);
		if (err.code == GD_MAIL_ERR_EXPUNGED)
			pop3_err(s, POP3_CODE_NONE, "Message was removed by "
			    "another session");
		else
			pop3_refusal(s, POP3_REFUSE_SYS_TEMP);
		return;
	}
	pop3_stuff_init(&r->stuff, top, top ? cmd->lines : 0);
	if (top) {
		pop3_ok(s, "Top of message follows");
	} else {
		m->retrieved = true;
		pop3_ok(s, "%llu octets", (unsigned long long)m->size);
	}
	s->retr = r;
	s->produce = pop3_retr_produce;
	pop3_produce(s);
}
