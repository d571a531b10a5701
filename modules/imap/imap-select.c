/*
 * imap-select.c — the selected state: SELECT and EXAMINE (RFC 9051
 * 6.3.2, 6.3.3; the rev1 extras RECENT and [UNSEEN] without
 * IMAP4rev2, the LIST line and [CLOSED] with it), CLOSE (silent
 * expunge), UNSELECT, EXPUNGE and UID EXPUNGE (UIDPLUS), NOOP and CHECK,
 * and the view sync that turns what other sessions and delivery did
 * into untagged EXPUNGE, FETCH FLAGS and EXISTS (RECENT for rev1).
 *
 * The sync runs at the end of every job in the selected state (imap_job);
 * during FETCH, STORE and SEARCH it keeps expunged messages in the view
 * (GD_MAIL_SYNC_NO_EXPUNGE), so that no EXPUNGE goes out then.
 */
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"

/* ---- flags --------------------------------------------------------------- */

/* The mailbox's keyword names (in the command pool). */
static const char **
imap_keywords(struct imap_session *s, size_t *n_r)
{
	unsigned i, n = gd_mailbox_keyword_count(s->box);
	const char **kw = gd_pool_alloc(s->cmd_pool,
	    (n + 1) * sizeof(*kw));

	for (i = 0; i < n; i++)
		kw[i] = gd_mailbox_keyword(s->box, i);
	kw[n] = NULL;
	*n_r = n;
	return kw;
}

static void
imap_out_flags(struct imap_session *s, uint32_t system,
    const char *const *kw, size_t nkw, bool wildcard)
{
	size_t n = imap_flags_format(NULL, 0, system, kw, nkw, wildcard);

	/* In place: no copy per message of a FETCH FLAGS or STORE. */
	imap_out_reserve(&s->out, n);
	imap_flags_format(s->out.buf + s->out.len, n + 1, system, kw, nkw,
	    wildcard);
	s->out.len += n;
}

/* A message's flags as a flag list (\Recent for rev1 only). */
void
imap_msg_flags(struct imap_session *s, uint32_t seq)
{
	const struct gd_mail_msg *m = gd_mailbox_msg(s->box, seq);
	const char *kw[65];
	size_t nkw = 0, i, n;
	uint32_t sys;

	if (m == NULL)
		return;
	n = gd_mailbox_keyword_count(s->box);
	for (i = 0; i < n && i < 64; i++)
		if (m->keywords & (1ull << i))
			kw[nkw++] = gd_mailbox_keyword(s->box, (unsigned)i);
	kw[nkw] = NULL;
	sys = m->flags & GD_MAIL_SYSTEM_FLAGS;
	if (!(s->mode & IMAP_MODE_REV2))
		sys |= m->flags & GD_MAIL_RECENT;
	imap_out_flags(s, sys, kw, nkw, false);
}

/* "* FLAGS" and "* OK [PERMANENTFLAGS]" (SELECT, new keywords). */
static void
imap_out_mailbox_flags(struct imap_session *s)
{
	size_t nkw;
	const char **kw = imap_keywords(s, &nkw);

	imap_out_printf(&s->out, "* FLAGS ");
	imap_out_flags(s, GD_MAIL_SYSTEM_FLAGS, kw, nkw, false);
	imap_out_printf(&s->out, "\r\n* OK [PERMANENTFLAGS ");
	if (s->readonly)
		imap_out_printf(&s->out, "()");
	else
		imap_out_flags(s, GD_MAIL_SYSTEM_FLAGS, kw, nkw,
		    gd_mailbox_keywords_can_grow(s->box));
	imap_out_printf(&s->out, "] Flags permitted\r\n");
}

/* ---- the view sync ------------------------------------------------------- */

static void
imap_sync_expunged(void *arg, uint32_t seq, uint32_t uid)
{
	struct imap_session *s = arg;

	(void)uid;
	imap_out_printf(&s->out, "* %u EXPUNGE\r\n", seq);
	if (s->exists > 0)
		s->exists--;
}

static void
imap_sync_changed(void *arg, uint32_t seq)
{
	struct imap_session *s = arg;

	imap_out_printf(&s->out, "* %u FETCH (FLAGS ", seq);
	imap_msg_flags(s, seq);
	imap_out_printf(&s->out, ")\r\n");
}

static void
imap_sync_keywords(void *arg)
{
	imap_out_mailbox_flags(arg);
}

/* New messages and RECENT (rev1) after a sync or an expunge. */
static void
imap_view_counts(struct imap_session *s)
{
	uint32_t n = gd_mailbox_count(s->box), r = gd_mailbox_recent(s->box);

	if (n != s->exists)
		imap_out_printf(&s->out, "* %u EXISTS\r\n", n);
	s->exists = n;
	if (!(s->mode & IMAP_MODE_REV2) && r != s->recent)
		imap_out_printf(&s->out, "* %u RECENT\r\n", r);
	s->recent = r;
}

/* Bring the view up to date, queueing the updates (pool thread).  A
 * failure is logged: the view stays as it was. */
void
imap_view_sync(struct imap_session *s, unsigned flags)
{
	static const struct gd_mail_sync_callbacks cb = {
		.expunged = imap_sync_expunged,
		.changed = imap_sync_changed,
		.keywords = imap_sync_keywords,
	};
	struct gd_mail_error err;

	if (gd_mailbox_sync(s->box, flags, &cb, s, &err) < 0) {
		gd_log(GD_LOG_WARNING, "imap.sync", "user=%s mailbox=%s "
		    "reason=\"%s\"", s->user, gd_mailbox_name(s->box),
		    err.text);
		return;
	}
	imap_view_counts(s);
}

/* ---- SELECT and EXAMINE -------------------------------------------------- */

static void
imap_select_responses(struct imap_session *s)
{
	struct gd_mailbox *b = s->box;
	uint32_t unseen = gd_mailbox_first_unseen(b);
	bool rev2 = (s->mode & IMAP_MODE_REV2) != 0;

	s->exists = gd_mailbox_count(b);
	s->recent = gd_mailbox_recent(b);
	imap_out_mailbox_flags(s);
	imap_out_printf(&s->out, "* %u EXISTS\r\n", s->exists);
	if (!rev2)
		imap_out_printf(&s->out, "* %u RECENT\r\n", s->recent);
	if (!rev2 && unseen > 0)
		imap_out_printf(&s->out, "* OK [UNSEEN %u] First unseen\r\n",
		    unseen);
	imap_out_printf(&s->out, "* OK [UIDVALIDITY %u] UIDs valid\r\n"
	    "* OK [UIDNEXT %u] Predicted next UID\r\n",
	    gd_mailbox_uidvalidity(b), gd_mailbox_uidnext(b));
	if (rev2) {
		imap_out_printf(&s->out, "* LIST () \"/\" ");
		imap_out_mailbox(&s->out, s->cmd_pool, gd_mailbox_name(b),
		    s->mode);
		imap_out_printf(&s->out, "\r\n");
	}
}

static void
imap_select_work(struct imap_session *s)
{
	s->job.sync = false;
	if (s->box != NULL) {
		gd_mailbox_close(&s->box);
		/* RFC 9051 7.1: the old mailbox is closed. */
		if (s->mode & IMAP_MODE_REV2)
			imap_out_printf(&s->out, "* OK [CLOSED] Previous "
			    "mailbox is now closed\r\n");
	}
	s->readonly = s->job.flag;
	s->job.result = gd_mailbox_open(s->store, s->job.name,
	    s->readonly ? GD_MAILBOX_READONLY : 0, &s->box, &s->job.err);
	if (s->job.result == 0)
		imap_select_responses(s);
}

static void
imap_select_done(struct imap_session *s)
{
	const char *what = imap_cmd_info(s->cmd)->name;

	imap_flush_out(s);
	imap_saved_reset(s);
	if (s->job.result < 0) {
		imap_set_state(s, IMAP_STATE_AUTH);
		imap_mail_error(s, &s->job.err, false, what);
		return;
	}
	imap_set_state(s, IMAP_STATE_SELECTED);
	imap_tagged(s, IMAP_OK, s->readonly ? IMAP_CODE_READ_ONLY :
	    IMAP_CODE_READ_WRITE, "%s completed", what);
}

void
imap_cmd_select(struct imap_session *s, bool examine)
{
	struct imap_error err;
	struct imap_args a;
	struct imap_select sel;

	imap_args_start(s, &a, &err);
	if (imap_parse_select(&a, &sel) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	s->job.name = sel.mailbox;
	s->job.flag = examine;
	imap_job(s, imap_select_work, imap_select_done);
}

/* ---- CLOSE and UNSELECT -------------------------------------------------- */

static void
imap_close_work(struct imap_session *s)
{
	s->job.sync = false;
	s->job.result = 0;
	/* RFC 9051 6.4.1: CLOSE expunges silently (not after EXAMINE). */
	if (s->job.flag && !s->readonly)
		s->job.result = gd_mailbox_expunge(s->box,
		    GD_MAIL_EXPUNGE_DELETED, NULL, 0, NULL, NULL, &s->job.err);
	gd_mailbox_close(&s->box);
}

static void
imap_close_done(struct imap_session *s)
{
	const char *what = imap_cmd_info(s->cmd)->name;

	imap_set_state(s, IMAP_STATE_AUTH);
	imap_saved_reset(s);
	if (s->job.result < 0) {
		/* Closed all the same; the messages stay. */
		imap_mail_error(s, &s->job.err, false, what);
		return;
	}
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "%s completed", what);
}

void
imap_cmd_close(struct imap_session *s, bool expunge)
{
	s->job.flag = expunge;
	imap_job(s, imap_close_work, imap_close_done);
}

/* ---- EXPUNGE, UID EXPUNGE ------------------------------------------------ */

static void
imap_expunge_work(struct imap_session *s)
{
	const struct imap_seqset *set = &s->job.set;

	s->job.result = gd_mailbox_expunge(s->box, s->job.flag ?
	    GD_MAIL_EXPUNGE_DELETED_IN : GD_MAIL_EXPUNGE_DELETED,
	    set->ranges, set->count, imap_sync_expunged, s, &s->job.err);
}

static void
imap_expunge_done(struct imap_session *s)
{
	const char *what = imap_cmd_info(s->cmd)->name;

	imap_flush_out(s);
	if (s->job.result < 0) {
		imap_mail_error(s, &s->job.err, false, what);
		return;
	}
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "%s completed", what);
}

void
imap_cmd_expunge(struct imap_session *s, bool uid)
{
	struct imap_error err;
	struct imap_args a;

	if (s->readonly) {
		imap_refusal(s, IMAP_REFUSE_READ_ONLY);
		return;
	}
	if (uid) {
		imap_args_start(s, &a, &err);
		if (imap_parse_seqset(&a, false, &s->job.set) < 0 ||
		    imap_args_end(&a) < 0) {
			imap_reply_err(s, &err);
			return;
		}
		imap_resolve_set(s, &s->job.set, true);
		if (s->job.set.count == 0) {
			/* Nothing of it is here: only the updates. */
			imap_cmd_noop(s);
			return;
		}
	}
	s->job.flag = uid;
	imap_job(s, imap_expunge_work, imap_expunge_done);
}

/* ---- NOOP and CHECK ------------------------------------------------------ */

static void
imap_noop_work(struct imap_session *s)
{
	/* The sync after the work is all (imap_job). */
	(void)s;
}

static void
imap_noop_done(struct imap_session *s)
{
	imap_flush_out(s);
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "%s completed",
	    imap_cmd_info(s->cmd)->name);
}

/* NOOP, CHECK: in the selected state, the updates of RFC 9051 7. */
void
imap_cmd_noop(struct imap_session *s)
{
	if (s->state != IMAP_STATE_SELECTED) {
		imap_noop_done(s);
		return;
	}
	imap_job(s, imap_noop_work, imap_noop_done);
}
