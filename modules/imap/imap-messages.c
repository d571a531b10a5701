/*
 * imap-messages.c — commands on messages of the selected mailbox:
 * STORE and UID STORE (RFC 9051 6.4.6: FLAGS, +FLAGS, -FLAGS, .SILENT,
 * the FETCH FLAGS replies), COPY, MOVE and their UID forms (RFC 9051
 * 6.4.7, 6.4.8, RFC 6851) with COPYUID (UIDPLUS, RFC 4315), and the
 * message sets they share (sequence numbers or UIDs, "*").
 *
 * The store work runs in the blocking pool; the view sync after STORE
 * keeps expunged messages in place (IMAP_CMDF_NO_EXPUNGE).
 */
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"

/* ---- message sets ------------------------------------------------------ */

/* The highest UID in the view ("*" of a UID set), 0 when empty. */
uint32_t
imap_uid_star(struct imap_session *s)
{
	uint32_t n = gd_mailbox_count(s->box);
	const struct gd_mail_msg *m = n > 0 ? gd_mailbox_msg(s->box, n) :
	    NULL;

	return m != NULL ? m->uid : 0;
}

/* A normalized UID set as sequence-number ranges. */
static void
imap_uids_to_seqs(struct imap_session *s, struct imap_seqset *set)
{
	struct gd_mail_range *r = gd_pool_alloc(s->cmd_pool,
	    (set->count + 1) * sizeof(*r));
	size_t i, n = 0;

	for (i = 0; i < set->count; i++)
		if (gd_mailbox_uid_range(s->box, set->ranges[i].first,
		    set->ranges[i].last, &r[n].first, &r[n].last))
			n++;
	set->ranges = r;
	set->count = n;
}

/*
 * Resolve a parsed set into sorted sequence-number ranges of the view
 * (loop, no job running).  UID sets keep only the UIDs that exist.  "$"
 * (SEARCHRES) has nothing saved yet: NO [NOTSAVED] is replied and -1
 * returned.  A sequence number beyond the view is BAD (RFC 9051 9:
 * "*" aside, numbers must exist).
 */
int
imap_resolve_set(struct imap_session *s, struct imap_seqset *set, bool uid)
{
	uint32_t count = gd_mailbox_count(s->box);

	if (set->dollar) {
		/* "$": the saved UIDs (RFC 5182), whatever the command. */
		if (!s->saved_valid) {
			imap_refusal(s, IMAP_REFUSE_NO_SAVED);
			return -1;
		}
		set->ranges = s->saved;
		set->count = s->nsaved;
		imap_uids_to_seqs(s, set);
		return 0;
	}
	if (uid) {
		imap_seqset_normalize(set, imap_uid_star(s));
		imap_uids_to_seqs(s, set);
		return 0;
	}
	imap_seqset_normalize(set, count);
	if (set->count > 0 && set->ranges[set->count - 1].last > count) {
		imap_tagged(s, IMAP_BAD, IMAP_CODE_NONE, "Invalid message "
		    "sequence number (%u messages)", count);
		return -1;
	}
	return 0;
}

/* SELECT, EXAMINE, CLOSE, UNSELECT forget the saved result. */
void
imap_saved_reset(struct imap_session *s)
{
	free(s->saved);
	s->saved = NULL;
	s->nsaved = 0;
	s->saved_valid = false;
}

/* ---- STORE -------------------------------------------------------------- */

/* "* seq FETCH ([UID n ]FLAGS (...))" for every message of the set. */
static void
imap_store_replies(struct imap_session *s)
{
	struct imap_seqset_iter it;
	const struct gd_mail_msg *m;
	uint32_t seq;

	imap_seqset_iter_init(&it);
	while (imap_seqset_iter_next(&s->job.set, &it, &seq)) {
		m = gd_mailbox_msg(s->box, seq);
		if (m == NULL || (m->flags & GD_MAIL_EXPUNGED) != 0)
			continue;
		imap_fetch_meta_line(s, IMAP_FETCH_FLAGS, s->job.flag, seq,
		    m);
	}
}

static void
imap_store_work(struct imap_session *s)
{
	const struct imap_store *st = &s->job.store;
	struct gd_mail_flag_change ch = {
		.op = st->op,
		.flags = st->flags.system,
		.keywords = st->flags.keywords,
	};

	s->job.result = gd_mailbox_set_flags(s->box, s->job.set.ranges,
	    s->job.set.count, &ch, NULL, NULL, NULL, &s->job.err);
	if (s->job.result == 0 && !st->silent)
		imap_store_replies(s);
}

static void
imap_messages_done(struct imap_session *s)
{
	const char *what = imap_cmd_info(s->cmd)->name;

	imap_flush_out(s);
	if (s->job.result < 0) {
		imap_mail_error(s, &s->job.err, s->cmd != IMAP_CMD_STORE &&
		    s->cmd != IMAP_CMD_UID_STORE, what);
		return;
	}
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "%s completed", what);
}

void
imap_cmd_store(struct imap_session *s, bool uid)
{
	struct imap_error err;
	struct imap_args a;

	imap_args_start(s, &a, &err);
	if (imap_parse_seqset(&a, true, &s->job.set) < 0 ||
	    imap_parse_store(&a, &s->job.store) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	if (s->readonly) {
		imap_refusal(s, IMAP_REFUSE_READ_ONLY);
		return;
	}
	if (imap_resolve_set(s, &s->job.set, uid) < 0)
		return;
	s->job.flag = uid;
	imap_job(s, imap_store_work, imap_messages_done);
}

/* ---- COPY and MOVE ------------------------------------------------------ */

static void
imap_copied(void *arg, uint32_t src_uid, uint32_t dst_uid)
{
	struct imap_session *s = arg;
	struct imap_job_args *j = &s->job;
	size_t cap = j->copied_cap;

	j->src_uids = imap_pool_grow(s->cmd_pool, j->src_uids, j->ncopied,
	    &cap, sizeof(uint32_t));
	j->dst_uids = imap_pool_grow(s->cmd_pool, j->dst_uids, j->ncopied,
	    &j->copied_cap, sizeof(uint32_t));
	j->src_uids[j->ncopied] = src_uid;
	j->dst_uids[j->ncopied++] = dst_uid;
}

static void
imap_moved(void *arg, uint32_t seq, uint32_t uid)
{
	struct imap_session *s = arg;

	(void)uid;
	imap_out_printf(&s->out, "* %u EXPUNGE\r\n", seq);
	if (s->exists > 0)
		s->exists--;
}

static void
imap_copy_work(struct imap_session *s)
{
	bool move = s->cmd == IMAP_CMD_MOVE || s->cmd == IMAP_CMD_UID_MOVE;

	s->job.result = gd_mailbox_copy(s->box, s->job.set.ranges,
	    s->job.set.count, s->job.name, move, imap_copied,
	    move ? imap_moved : NULL, s, &s->job.uidvalidity, &s->job.err);
}

/* "COPYUID uidvalidity src dst" (RFC 4315), in the pool; NULL if none. */
static char *
imap_copyuid(struct imap_session *s)
{
	const struct imap_job_args *j = &s->job;
	size_t ns, nd;
	char *src, *dst;

	if (j->ncopied == 0)
		return NULL;
	ns = imap_numbers_format(NULL, 0, j->src_uids, j->ncopied);
	nd = imap_numbers_format(NULL, 0, j->dst_uids, j->ncopied);
	src = gd_pool_alloc(s->cmd_pool, ns + 1);
	dst = gd_pool_alloc(s->cmd_pool, nd + 1);
	imap_numbers_format(src, ns + 1, j->src_uids, j->ncopied);
	imap_numbers_format(dst, nd + 1, j->dst_uids, j->ncopied);
	return gd_pool_printf(s->cmd_pool, "COPYUID %u %s %s",
	    j->uidvalidity, src, dst);
}

static void
imap_copy_done(struct imap_session *s)
{
	const char *what = imap_cmd_info(s->cmd)->name;
	bool move = s->cmd == IMAP_CMD_MOVE || s->cmd == IMAP_CMD_UID_MOVE;
	char *cu;

	if (s->job.result < 0) {
		imap_messages_done(s);
		return;
	}
	cu = imap_copyuid(s);
	/* RFC 6851 4.3: MOVE's COPYUID comes before the expunges. */
	if (move && cu != NULL)
		gd_conn_writef(s->conn, "* OK [%s] Moved\r\n", cu);
	imap_flush_out(s);
	if (!move && cu != NULL)
		imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "[%s] %s completed",
		    cu, what);
	else
		imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "%s completed", what);
}

void
imap_cmd_copy(struct imap_session *s, bool uid, bool move)
{
	struct imap_error err;
	struct imap_args a;

	imap_args_start(s, &a, &err);
	if (imap_parse_copy(&a, &s->job.set, &s->job.name) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	if (move && s->readonly) {
		imap_refusal(s, IMAP_REFUSE_READ_ONLY);
		return;
	}
	if (imap_resolve_set(s, &s->job.set, uid) < 0)
		return;
	if (s->job.set.count == 0) {
		/* No message of it is here (UID forms): nothing to do. */
		imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "No messages");
		return;
	}
	imap_job(s, imap_copy_work, imap_copy_done);
}
