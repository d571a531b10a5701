/*
 * imap-idle.c — IDLE (RFC 9051 6.3.13, RFC 2177): "+ idling", then the
 * mailbox's change notification (gd_mailbox_notify_start: delivery,
 * other sessions on any worker, other programs) triggers a view sync in
 * the blocking pool whose EXISTS / EXPUNGE / FETCH FLAGS go out at once,
 * with no polling; DONE ends it with the tagged OK; `idle-timeout` ends
 * the session with BYE.
 *
 *   C: a IDLE           S: + idling
 *                       S: * 4 EXISTS        (mail delivered)
 *   C: DONE             S: a OK IDLE terminated
 */
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"

static void imap_idle_sync(struct imap_session *s);

static void
imap_idle_sync_work(struct imap_session *s)
{
	/* The view sync after the work is all (imap_job). */
	(void)s;
}

static void
imap_idle_sync_done(struct imap_session *s)
{
	imap_flush_out(s);
	if (s->idle_pending && s->idling) {
		s->idle_pending = false;
		imap_idle_sync(s);
		return;
	}
	/* Still idling: the next line is DONE. */
}

static void
imap_idle_sync(struct imap_session *s)
{
	if (s->job_running || s->closing) {
		s->idle_pending = true;
		return;
	}
	imap_job(s, imap_idle_sync_work, imap_idle_sync_done);
}

/* The mailbox may have changed (on the session's loop). */
static void
imap_idle_notify(void *arg)
{
	struct imap_session *s = arg;

	if (s->idling && !s->closing)
		imap_idle_sync(s);
}

/* Stop the notification (loop; before the mailbox closes). */
void
imap_idle_stop(struct imap_session *s)
{
	if (s->notifying && s->box != NULL)
		gd_mailbox_notify_stop(s->box);
	s->notifying = false;
	s->idling = false;
	s->idle_pending = false;
	if (s->conn != NULL && !s->closing)
		imap_set_state(s, s->state);
}

void
imap_cmd_idle(struct imap_session *s)
{
	struct gd_mail_error err;

	if (s->box != NULL && gd_mailbox_notify_start(s->box,
	    gd_conn_loop(s->conn), imap_idle_notify, s, &err) < 0) {
		imap_mail_error(s, &err, false, "IDLE");
		return;
	}
	s->notifying = s->box != NULL;
	s->idling = true;
	gd_conn_set_idle_timeout(s->conn, s->cfg->idle_ms);
	gd_conn_writef(s->conn, "+ idling\r\n");
	imap_reader_expect_line(&s->rd);
	/* What changed between the last command and the notification's
	 * start goes out now. */
	if (s->box != NULL)
		imap_idle_sync(s);
}

/* The line that ends IDLE: DONE, or anything else (BAD). */
void
imap_idle_line(struct imap_session *s, const char *line, size_t len)
{
	bool done = imap_idle_done(line, len);

	imap_idle_stop(s);
	if (done)
		imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "IDLE terminated");
	else
		imap_tagged(s, IMAP_BAD, IMAP_CODE_NONE, "Expected DONE");
}
