/*
 * imap-append.c — APPEND (RFC 9051 6.3.12) with APPENDUID (UIDPLUS, RFC
 * 4315) and APPENDLIMIT (RFC 7889): the message literal is streamed from
 * the reader into gd_mail_append_write() and never held whole.
 *
 *   C: a APPEND Sent (\Seen) {310}
 *      (reader: IMAP_RD_LITERAL, stream)   mailbox, flags, date parsed;
 *      gd_mail_append_start() in a job     [TRYCREATE] / [OVERQUOTA] /
 *                                          [TOOBIG] refuse the literal
 *   S: + Ready for the message
 *   C: 310 octets                          IMAP_RD_DATA chunks: written
 *   C: CRLF                                IMAP_RD_COMMAND
 *   S: a OK [APPENDUID 38505 3955] APPEND completed
 *                                          (gd_mail_append_end in a job)
 *
 * A write failure (quota, size, disk) keeps reading the literal, drops
 * it and answers NO at its end.  A NUL octet in a plain literal does the
 * same with BAD (CHAR8 excludes NUL); a literal8 "~{n}" (BINARY, RFC
 * 3516 4.2) may hold any octet.  MULTIAPPEND is not offered: a second
 * message literal in one command is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"

/* Forget an append in progress (loop; FILE class). */
void
imap_append_abort(struct imap_session *s)
{
	gd_mail_append_abort(&s->append);
	s->appending = false;
	s->append_failed = false;
	s->append_nul = false;
}

static void
imap_append_start_work(struct imap_session *s)
{
	const struct imap_append *ap = &s->job.append;
	struct gd_mail_append_info info = {
		.flags = ap->flags.system,
		.keywords = ap->flags.keywords,
		.internal_date = ap->has_date ? ap->date : 0,
		.size_hint = ap->size,
	};

	s->job.result = gd_mail_append_start(s->store, ap->mailbox, &info,
	    &s->append, &s->job.err);
}

/* A refusal of the literal, with the codes of RFC 9051 7.1. */
static void
imap_append_refuse(struct imap_session *s, const struct gd_mail_error *e)
{
	if (e->code == GD_MAIL_ERR_LIMIT)
		imap_tagged(s, IMAP_NO, IMAP_CODE_TOOBIG, "APPEND failed: %s",
		    e->text);
	else
		imap_mail_error(s, e, true, "APPEND");
}

static void
imap_append_start_done(struct imap_session *s)
{
	const struct imap_rd_literal *lit = imap_reader_literal(&s->rd);

	imap_flush_out(s);
	if (s->job.result < 0) {
		imap_reader_reject(&s->rd);
		imap_append_refuse(s, &s->job.err);
		return;
	}
	s->appending = true;
	s->append_binary = lit->binary;
	imap_reader_accept(&s->rd);
	if (lit->sync)
		gd_conn_writef(s->conn, "+ Ready for the message\r\n");
}

/* IMAP_RD_LITERAL for APPEND's message. */
void
imap_append_literal(struct imap_session *s)
{
	struct imap_error err;
	struct imap_args a;

	if (s->appending || imap_cmd_allowed(s->cmd, s->state, s->mode,
	    &err) < 0) {
		if (s->appending) {
			imap_append_abort(s);
			imap_error_set(&err, IMAP_NO, IMAP_CODE_CANNOT,
			    "MULTIAPPEND is not supported");
		}
		imap_reader_reject(&s->rd);
		imap_reply_err(s, &err);
		return;
	}
	imap_args_start(s, &a, &err);
	if (imap_parse_append(&a, &s->job.append) < 0) {
		imap_reader_reject(&s->rd);
		imap_reply_err(s, &err);
		return;
	}
	imap_job(s, imap_append_start_work, imap_append_start_done);
}

/* IMAP_RD_DATA: the next octets of the message. */
void
imap_append_data(struct imap_session *s, const char *data, size_t len)
{
	if (!s->appending || s->append_failed)
		return;
	if (!s->append_binary && memchr(data, '\0', len) != NULL) {
		/* CHAR8 excludes NUL (RFC 9051 4.3): only literal8 may. */
		s->append_nul = true;
		s->append_failed = true;
		gd_mail_append_abort(&s->append);
		return;
	}
	if (gd_mail_append_write(s->append, data, len, &s->append_err) < 0) {
		s->append_failed = true;
		gd_mail_append_abort(&s->append);
	}
}

static void
imap_append_end_work(struct imap_session *s)
{
	s->job.result = gd_mail_append_end(&s->append, &s->job.uidvalidity,
	    &s->job.uid, &s->job.err);
}

static void
imap_append_end_done(struct imap_session *s)
{
	imap_flush_out(s);
	if (s->job.result < 0) {
		imap_append_refuse(s, &s->job.err);
		return;
	}
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "[APPENDUID %u %u] APPEND "
	    "completed", s->job.uidvalidity, s->job.uid);
}

/* The APPEND command is complete (its message was streamed). */
void
imap_cmd_append(struct imap_session *s)
{
	struct gd_mail_error e;

	if (!s->appending) {
		/* No message literal: the arguments are wrong. */
		imap_tagged(s, IMAP_BAD, IMAP_CODE_NONE, "Expected a message "
		    "literal");
		return;
	}
	s->appending = false;
	if (s->append_nul) {
		imap_append_abort(s);
		imap_tagged(s, IMAP_BAD, IMAP_CODE_NONE, "NUL in a literal: "
		    "send binary content as literal8 ~{n}");
		return;
	}
	if (s->append_failed) {
		e = s->append_err;
		imap_append_abort(s);
		imap_append_refuse(s, &e);
		return;
	}
	imap_job(s, imap_append_end_work, imap_append_end_done);
}
