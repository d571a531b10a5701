/*
 * maildir-change.c — flag changes, expunge, and the view's removals.
 *
 * A change acts on the messages' CURRENT files, which may have moved on
 * since the view's last sync (another session changed flags): under the
 * lock, the state records the view has not taken in yet are "peeked"
 * (read without applying them to the view, which changes only on sync or
 * by the session's own actions).  The messages the command touches take
 * in their latest values; the rest wait for the next sync, which replays
 * the same records (harmlessly: a message is reported changed only if
 * its values differ from those it had when the sync began).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir-private.h"

static int peek_rec(void *arg, const struct maildir_rec *rec);
static int peek_cmp(const void *a, const void *b);
static void change_current(struct maildir_box *box, struct maildir_peek *pk,
    uint32_t i, struct maildir_cur *cur);
static int cur_locate(struct maildir_box *box, struct maildir_peek *pk,
    uint32_t seq, struct maildir_cur *cur);
static int cur_refind(struct maildir_box *box, struct maildir_cur *cur);
static bool change_in_ranges(const struct gd_mail_range *ranges,
    size_t nranges, uint32_t seq);
static int peek_cmp_uid(const void *a, const void *b);
static bool change_absorb(struct maildir_box *box,
    const struct maildir_cur *cur, const char *name, bool in_new,
    uint64_t modseq);
static bool expunge_wanted(const struct maildir_cur *cur,
    enum gd_mail_expunge_mode mode, const struct gd_mail_range *ranges,
    size_t nranges, uint32_t seq);
static int expunge_one(struct maildir_box *box, struct maildir_cur *cur,
    uint64_t *bytes, struct gd_mail_error *err);
static void expunge_sync_dirs(struct maildir_box *box,
    const struct gd_mail_store_config *cfg);

/* ---- peeking at records the view has not taken in ------------------------ */

static int
peek_rec(void *arg, const struct maildir_rec *rec)
{
	struct maildir_peek *pk = arg;
	struct maildir_peek_ent *e;

	if (rec->type == MAILDIR_REC_MSG)
		return 0;
	if (pk->n == pk->cap) {
		pk->cap = pk->cap * 2 + 16;
		pk->ents = gd_xrealloc(pk->ents, pk->cap * sizeof(*pk->ents));
	}
	e = &pk->ents[pk->n];
	e->uid = rec->uid;
	e->order = (uint32_t)pk->n++;
	e->gone = rec->type == MAILDIR_REC_EXPUNGE;
	e->in_new = rec->in_new;
	e->modseq = rec->modseq;
	e->name = NULL;
	if (!e->gone)
		e->name = gd_xstrndup(rec->name, rec->name_len);
	return 0;
}

static int
peek_cmp(const void *a, const void *b)
{
	const struct maildir_peek_ent *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int
maildir_peek_load(struct maildir_box *box, struct maildir_state *st,
    struct maildir_peek *pk, struct gd_mail_error *err)
{
	uint64_t end;
	size_t i, n = 0;

	memset(pk, 0, sizeof(*pk));
	/* A compacted or damaged file: the view's names are what we have
	 * (a vanished name is then looked up in the directories). */
	if (st->damaged || st->st_ino != box->st_ino ||
	    st->st_dev != box->st_dev ||
	    st->hdr.generation != box->generation)
		return 0;
	if (maildir_state_read(st, box->offset, peek_rec, pk, &end, err) < 0)
		return -1;
	if (pk->n > 1)
		qsort(pk->ents, pk->n, sizeof(*pk->ents), peek_cmp);
	for (i = 0; i < pk->n; i++) {	/* keep the last per UID */
		if (i + 1 < pk->n && pk->ents[i + 1].uid == pk->ents[i].uid) {
			free(pk->ents[i].name);
			continue;
		}
		pk->ents[n++] = pk->ents[i];
	}
	pk->n = n;
	return 0;
}

void
maildir_peek_free(struct maildir_peek *pk)
{
	size_t i;

	for (i = 0; i < pk->n; i++)
		free(pk->ents[i].name);
	free(pk->ents);
	memset(pk, 0, sizeof(*pk));
}

/* The current name, place and modseq of message i. */
static void
change_current(struct maildir_box *box, struct maildir_peek *pk, uint32_t i,
    struct maildir_cur *cur)
{
	const struct gd_mail_msg *m = &box->list.msgs[i];
	struct maildir_peek_ent key = { .uid = m->uid }, *e;

	cur->index = i;
	cur->gone = false;
	cur->name = maildir_list_name(&box->list, i);
	cur->in_new = maildir_list_in_new(&box->list, i);
	cur->modseq = m->modseq;
	e = pk->n == 0 ? NULL : bsearch(&key, pk->ents, pk->n,
	    sizeof(*pk->ents), peek_cmp_uid);
	if (e != NULL) {
		cur->gone = e->gone;
		if (!e->gone) {
			cur->name = e->name;
			cur->in_new = e->in_new;
		}
		cur->modseq = e->modseq;
	}
	maildir_fname_parse(cur->name, strlen(cur->name), &cur->f);
	snprintf(cur->path, sizeof(cur->path), "%s/%s/%s", box->dir,
	    cur->in_new ? "new" : "cur", cur->name);
}

static int
peek_cmp_uid(const void *a, const void *b)
{
	const struct maildir_peek_ent *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Take the message's current values into the view. */
static bool
change_absorb(struct maildir_box *box, const struct maildir_cur *cur,
    const char *name, bool in_new, uint64_t modseq)
{
	struct gd_mail_msg *m = &box->list.msgs[cur->index];
	uint32_t flags = m->flags;
	uint64_t keywords = m->keywords, old_modseq = m->modseq;

	maildir_list_rename(&box->list, cur->index, in_new, name,
	    strlen(name), maildir_box_kw_mask(box));
	m->modseq = modseq;
	return m->flags != flags || m->keywords != keywords ||
	    m->modseq != old_modseq;
}

/* One flag change over a mailbox's messages. */
struct change_run {
	struct maildir_box *box;
	struct maildir_state st;
	struct maildir_out out;
	const struct gd_mail_flag_change *change;
	uint64_t bits;		/* the change's keywords as mailbox bits */
	uint64_t modseq;	/* the change's, once one file changed */
	int dir_cur, dir_new;	/* cur/ and new/ (O_PATH), or -1 */
};

/* Rename cur's file to cur/NAME; relative to the directories when they
 * are open (no walk of the mailbox's path per message). */
static int
change_rename(const struct change_run *cr, const struct maildir_cur *cur,
    const char *name)
{
	char to[PATH_MAX];

	if (cr->dir_cur >= 0 && cr->dir_new >= 0)
		return renameat(cur->in_new ? cr->dir_new : cr->dir_cur,
		    cur->name, cr->dir_cur, name);
	snprintf(to, sizeof(to), "%s/cur/%s", cr->box->dir, name);
	return rename(cur->path, to);
}

/* Rename one message's file for the change.  1 changed, 0 not. */
static int
change_one(struct change_run *cr, struct maildir_cur *cur, bool retry,
    struct gd_mail_error *err)
{
	struct maildir_box *box = cr->box;
	uint64_t mask = maildir_box_kw_mask(box), kw = cur->f.letters & mask;
	uint32_t flags = cur->f.flags, letters;
	char name[MAILDIR_NAME_MAX + 1];
	struct maildir_rec rec = { .type = MAILDIR_REC_NAME };
	int n;

	if (!gd_mail_flags_apply(cr->change, cr->bits, &flags, &kw))
		return 0;
	letters = (cur->f.letters & ~(uint32_t)mask) | (uint32_t)kw;
	n = maildir_fname_build(name, sizeof(name), cur->name, cur->f.base_len,
	    flags & GD_MAIL_SYSTEM_FLAGS, letters, cur->f.info);
	if (n < 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_LIMIT,
		    "file name too long for these flags");
		return -1;
	}
	if (change_rename(cr, cur, name) < 0) {
		if (errno != ENOENT) {
			gd_mail_error_errno(err, "rename %s", cur->path);
			return -1;
		}
		/* Renamed by another program (its flags are in the new
		 * name: start again from them) or gone: the sync tells. */
		if (retry || cur_refind(box, cur) < 0)
			return 0;
		return change_one(cr, cur, true, err);
	}
	if (cr->modseq == 0 &&
	    maildir_state_next_modseq(&cr->st, &cr->modseq, err) < 0)
		return -1;
	rec.uid = box->list.msgs[cur->index].uid;
	rec.modseq = cr->modseq;
	rec.name = name;
	rec.name_len = (size_t)n;
	maildir_out_add(&cr->out, &rec);
	change_absorb(box, cur, name, false, cr->modseq);
	return 1;
}

static bool
change_in_ranges(const struct gd_mail_range *ranges, size_t nranges,
    uint32_t seq)
{
	size_t k;

	for (k = 0; k < nranges; k++)
		if (seq >= ranges[k].first && seq <= ranges[k].last)
			return true;
	return false;
}

/* Where view message seq's file should be, without looking: 0 when it is
 * known gone (skip it), 1 to go on. */
static int
cur_locate(struct maildir_box *box, struct maildir_peek *pk, uint32_t seq,
    struct maildir_cur *cur)
{
	const struct gd_mail_msg *m = &box->list.msgs[seq - 1];

	if ((m->flags & GD_MAIL_EXPUNGED) != 0)
		return 0;
	change_current(box, pk, seq - 1, cur);
	return cur->gone ? 0 : 1;
}

/* The file is not at cur->path: find its current name (renamed by another
 * program: its flags are in the name).  0 found, -1 gone. */
static int
cur_refind(struct maildir_box *box, struct maildir_cur *cur)
{
	const char *slash;

	if (maildir_find_current(box, cur->index, cur->path,
	    sizeof(cur->path)) != 0)
		return -1;
	slash = strrchr(cur->path, '/');
	snprintf(cur->namebuf, sizeof(cur->namebuf), "%s", slash + 1);
	cur->name = cur->namebuf;
	cur->in_new = strstr(cur->path, "/new/") != NULL;
	maildir_fname_parse(cur->name, strlen(cur->name), &cur->f);
	return 0;
}

/* Prepare message seq for a change: 0 to skip it, 1 to go on. */
int
maildir_cur_prepare(struct maildir_box *box, struct maildir_peek *pk,
    uint32_t seq, struct maildir_cur *cur)
{
	if (cur_locate(box, pk, seq, cur) == 0)
		return 0;
	if (access(cur->path, F_OK) < 0)
		(void)cur_refind(box, cur);
	return 1;
}

/* Change message seq: 1 changed, 0 not (or refused: `failed` told),
 * -1 error. */
static int
change_seq(struct change_run *cr, struct maildir_peek *pk, uint32_t seq,
    gd_mail_seq_fn *failed, void *arg, struct gd_mail_error *err)
{
	struct maildir_cur cur;
	int r;

	if (cur_locate(cr->box, pk, seq, &cur) == 0)
		return 0;
	if (cr->change->unchanged_since != 0 &&
	    cur.modseq > cr->change->unchanged_since) {
		if (failed != NULL)
			failed(arg, seq);
		return 0;
	}
	r = change_one(cr, &cur, false, err);
	if (r == 0 && change_absorb(cr->box, &cur, cur.name, cur.in_new,
	    cur.modseq))
		r = 1;
	return r;
}

static void
change_open_dirs(struct change_run *cr)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/cur", cr->box->dir);
	cr->dir_cur = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/new", cr->box->dir);
	cr->dir_new = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void
change_close_dirs(struct change_run *cr)
{
	if (cr->dir_cur >= 0)
		close(cr->dir_cur);
	if (cr->dir_new >= 0)
		close(cr->dir_new);
}

int
maildir_set_flags(struct gd_mailbox *gbox, const struct gd_mail_range *ranges,
    size_t nranges, const struct gd_mail_flag_change *change,
    gd_mail_seq_fn *changed, gd_mail_seq_fn *failed, void *arg,
    struct gd_mail_error *err)
{
	struct change_run cr = { .box = (struct maildir_box *)gbox,
	    .change = change };
	struct maildir_box *box = cr.box;
	struct maildir_peek pk;
	bool current[2];
	uint32_t seq;
	size_t k;
	int ret = 0, r;

	if (maildir_state_begin(&cr.st, box->dir, &box->store->cfg->store,
	    box->lock_fd, err) < 0)
		return -1;
	maildir_stamps_check(box, &cr.st, current);
	if (maildir_peek_load(box, &cr.st, &pk, err) < 0 ||
	    (change->keywords != NULL &&
	    maildir_keywords_map(box, change->keywords, &cr.bits, err) < 0))
		ret = -1;
	change_open_dirs(&cr);
	for (k = 0; k < nranges && ret == 0; k++)
		for (seq = ranges[k].first; seq <= ranges[k].last &&
		    seq <= box->list.count && ret == 0; seq++)
			if ((r = change_seq(&cr, &pk, seq, failed, arg,
			    err)) < 0)
				ret = -1;
			else if (r > 0 && changed != NULL)
				changed(arg, seq);
	change_close_dirs(&cr);
	if (!cr.st.damaged && cr.out.len > 0 && maildir_out_flush(&cr.out,
	    &cr.st, ret == 0 ? err : NULL) == 0)
		maildir_stamps_own(box, &cr.st, current);
	else if (!cr.st.damaged && cr.out.len > 0)
		ret = -1;
	maildir_out_free(&cr.out);
	maildir_peek_free(&pk);
	if (maildir_state_end(&cr.st, ret == 0 ? err : NULL) < 0)
		ret = -1;
	if (box->base.highestmodseq < cr.modseq)
		box->base.highestmodseq = cr.modseq;
	return ret;
}

/* ---- expunge ----------------------------------------------------------------- */

static bool
expunge_wanted(const struct maildir_cur *cur, enum gd_mail_expunge_mode mode,
    const struct gd_mail_range *ranges, size_t nranges, uint32_t seq)
{
	if (mode != GD_MAIL_EXPUNGE_DELETED &&
	    !change_in_ranges(ranges, nranges, seq))
		return false;
	return mode == GD_MAIL_EXPUNGE_RANGES ||
	    (cur->f.flags & GD_MAIL_DELETED) != 0;
}

/* Unlink one message's file; its physical size goes to *bytes. */
static int
expunge_one(struct maildir_box *box, struct maildir_cur *cur,
    uint64_t *bytes, struct gd_mail_error *err)
{
	struct stat sb;

	if (cur->f.size != UINT64_MAX)
		*bytes += cur->f.size;
	else if (stat(cur->path, &sb) == 0)
		*bytes += (uint64_t)sb.st_size;
	if (unlink(cur->path) < 0 && errno != ENOENT) {
		gd_mail_error_errno(err, "unlink %s", cur->path);
		return -1;
	}
	box->list.msgs[cur->index].flags |= MAILDIR_MSG_GONE;
	return 0;
}

/* Make the unlinks durable before they are recorded and reported. */
static void
expunge_sync_dirs(struct maildir_box *box,
    const struct gd_mail_store_config *cfg)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/cur", box->dir);
	gd_mail_fsync_dir(cfg, path, NULL);
	snprintf(path, sizeof(path), "%s/new", box->dir);
	gd_mail_fsync_dir(cfg, path, NULL);
}

/*
 * Expunge: unlink the files, record it, sync the directories; then
 * remove them from the view (reported).  Shared by copy's move, which
 * passes `only` (view indexes marked with MAILDIR_MSG_SEEN).
 */
int
maildir_expunge_marked(struct maildir_box *box, enum gd_mail_expunge_mode mode,
    const struct gd_mail_range *ranges, size_t nranges, bool marked,
    gd_mail_expunged_fn *expunged, void *arg, struct gd_mail_error *err)
{
	struct maildir_rec rec = { .type = MAILDIR_REC_EXPUNGE };
	struct maildir_out out = { 0 };
	struct maildir_state st;
	struct maildir_peek pk;
	struct maildir_cur cur;
	uint64_t bytes = 0, count = 0;
	bool current[2];
	uint32_t seq;
	int ret;

	if (maildir_state_begin(&st, box->dir, &box->store->cfg->store,
	    box->lock_fd, err) < 0)
		return -1;
	maildir_stamps_check(box, &st, current);
	ret = maildir_peek_load(box, &st, &pk, err);
	for (seq = 1; seq <= box->list.count && ret == 0; seq++) {
		struct gd_mail_msg *m = &box->list.msgs[seq - 1];

		if (marked) {
			if ((m->flags & MAILDIR_MSG_SEEN) == 0)
				continue;
			m->flags &= ~MAILDIR_MSG_SEEN;
			if (maildir_cur_prepare(box, &pk, seq, &cur) == 0)
				continue;
		} else if (maildir_cur_prepare(box, &pk, seq, &cur) == 0 ||
		    !expunge_wanted(&cur, mode, ranges, nranges, seq))
			continue;
		if (rec.modseq == 0 && maildir_state_next_modseq(&st,
		    &rec.modseq, err) < 0) {
			ret = -1;
			break;
		}
		ret = expunge_one(box, &cur, &bytes, err);
		rec.uid = m->uid;
		if (ret == 0) {
			maildir_out_add(&out, &rec);
			count++;
		}
	}
	if (out.len > 0)
		expunge_sync_dirs(box, st.cfg);
	if (!st.damaged && out.len > 0 && maildir_out_flush(&out, &st,
	    ret == 0 ? err : NULL) == 0)
		maildir_stamps_own(box, &st, current);
	else if (!st.damaged && out.len > 0)
		ret = -1;
	maildir_out_free(&out);
	maildir_peek_free(&pk);
	if (maildir_state_end(&st, ret == 0 ? err : NULL) < 0)
		ret = -1;
	if (count > 0)
		maildir_quota_add(box->store->base.root, -(int64_t)bytes,
		    -(int64_t)count);
	if (rec.modseq > box->base.highestmodseq)
		box->base.highestmodseq = rec.modseq;
	maildir_view_remove_gone(box, false, false, expunged, NULL, arg);
	return ret;
}

int
maildir_expunge(struct gd_mailbox *gbox, enum gd_mail_expunge_mode mode,
    const struct gd_mail_range *ranges, size_t nranges,
    gd_mail_expunged_fn *expunged, void *arg, struct gd_mail_error *err)
{
	return maildir_expunge_marked((struct maildir_box *)gbox, mode, ranges,
	    nranges, false, expunged, arg, err);
}

/* ---- the view's removals ------------------------------------------------------- */

void
maildir_view_remove_gone(struct maildir_box *box, bool ghost_new,
    bool drop_ghosts, gd_mail_expunged_fn *expunged, gd_mail_seq_fn *changed,
    void *arg)
{
	struct maildir_list *l = &box->list;
	uint32_t i, n = 0, recent = 0;

	for (i = 0; i < l->count; i++) {
		struct gd_mail_msg m = l->msgs[i];
		bool gone = (m.flags & MAILDIR_MSG_GONE) != 0;

		if ((gone && !ghost_new) || (!gone && drop_ghosts &&
		    (m.flags & GD_MAIL_EXPUNGED) != 0)) {
			if (expunged != NULL)
				expunged(arg, n + 1, m.uid);
			l->garbage += strlen(maildir_list_name(l, i)) + 2;
			continue;
		}
		if (gone)
			m.flags |= GD_MAIL_EXPUNGED;
		else if ((m.flags & MAILDIR_MSG_CHANGED) != 0 &&
		    (m.flags & GD_MAIL_EXPUNGED) == 0 && changed != NULL)
			changed(arg, n + 1);
		m.flags &= ~MAILDIR_MSG_PRIVATE;
		if ((m.flags & GD_MAIL_RECENT) != 0)
			recent++;
		l->msgs[n++] = m;
	}
	l->count = n;
	box->base.recent = recent;
	maildir_list_compact(l);
	maildir_box_publish(box);
	box->base.uidvalidity = box->hdr.uidvalidity;
	box->base.uidnext = box->hdr.uidnext;
	if (box->base.highestmodseq < box->hdr.highestmodseq)
		box->base.highestmodseq = box->hdr.highestmodseq;
}
