/*
 * maildir-sync.c — bringing a view up to date.
 *
 * Under the mailbox's lock: take in the state file's new records (or
 * the whole file when another process compacted it), rebuild it when it
 * is damaged, reconcile with cur/ and new/ when their mtimes say they
 * changed (maildir-scan.c), move new/ to cur/ and claim \Recent for a
 * read-write view, compact the file when half of it is superseded.
 * Then, lock released, report expunges and changes in ascending order.
 *
 * While a sync runs, gd_mail_msg.flags carries private marks (TOUCHED,
 * CHANGED, GONE, SEEN); `touched` remembers the values a message had
 * when first touched, so a message whose records were replayed twice
 * (see maildir-change.c) is reported only if it really changed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maildir-private.h"

#define SYNC_COMPACT_MIN	(64 * 1024)

struct sync_load {
	struct maildir_box *box;
	struct maildir_list *l;
	bool into_view;
};

static int sync_apply(void *arg, const struct maildir_rec *rec);
static int sync_load_full(struct maildir_box *box, struct maildir_state *st,
    struct maildir_list *l, struct gd_mail_error *err);
static void sync_merge(struct maildir_box *box, struct maildir_list *l);
static int sync_rebuild(struct maildir_box *box, struct maildir_state *st,
    struct gd_mail_error *err);
static int sync_new_to_cur(struct maildir_box *box, struct maildir_state *st,
    struct maildir_out *out, struct gd_mail_error *err);
static void sync_claim_recent(struct maildir_box *box,
    struct maildir_state *st, uint32_t first_new);
static void sync_finish_marks(struct maildir_box *box);

void
maildir_touch(struct maildir_box *box, uint32_t i)
{
	struct gd_mail_msg *m = &box->list.msgs[i];
	struct maildir_touch *t;

	if ((m->flags & MAILDIR_MSG_TOUCHED) != 0)
		return;
	if (box->ntouched == box->touched_cap) {
		box->touched_cap = box->touched_cap * 2 + 16;
		box->touched = gd_xrealloc(box->touched,
		    box->touched_cap * sizeof(*box->touched));
	}
	t = &box->touched[box->ntouched++];
	t->index = i;
	t->flags = m->flags & (GD_MAIL_SYSTEM_FLAGS | GD_MAIL_EXPUNGED);
	t->keywords = m->keywords;
	t->modseq = m->modseq;
	m->flags |= MAILDIR_MSG_TOUCHED;
}

/* Apply one record to a list (the view, or one being loaded). */
static int
sync_apply(void *arg, const struct maildir_rec *rec)
{
	struct sync_load *ld = arg;
	struct maildir_list *l = ld->l;
	uint64_t mask = maildir_box_kw_mask(ld->box);
	int64_t i;

	if (rec->type == MAILDIR_REC_MSG) {
		if (l->count == 0 || l->msgs[l->count - 1].uid < rec->uid)
			maildir_list_append(l, rec, mask);
		return 0;
	}
	i = maildir_list_find(l, rec->uid);
	if (i < 0 || (l->msgs[i].flags & GD_MAIL_EXPUNGED) != 0)
		return 0;
	if (ld->into_view)
		maildir_touch(ld->box, (uint32_t)i);
	if (rec->type == MAILDIR_REC_EXPUNGE) {
		l->msgs[i].flags |= MAILDIR_MSG_GONE;
		return 0;
	}
	maildir_list_rename(l, (uint32_t)i, rec->in_new, rec->name,
	    rec->name_len, mask);
	l->msgs[i].modseq = rec->modseq;
	return 0;
}

/* Load the whole file into `l` (empty). */
static int
sync_load_full(struct maildir_box *box, struct maildir_state *st,
    struct maildir_list *l, struct gd_mail_error *err)
{
	struct sync_load ld = { box, l, false };
	uint64_t end, i, n = 0, bytes, msgs;

	/* Size the arrays from the header so the view is not over-allocated
	 * (a compacted file is mostly MSG records of 40 + name bytes; the
	 * arena needs name + 2). */
	bytes = st->size > MAILDIR_HDR_SIZE ? st->size - MAILDIR_HDR_SIZE : 0;
	msgs = st->hdr.messages;
	if (msgs == 0 || msgs > bytes / 40)
		msgs = bytes / 100;	/* appended, not compacted: guess */
	maildir_list_reserve(l, (uint32_t)msgs, (size_t)(bytes - msgs * 38));
	if (maildir_state_read(st, MAILDIR_HDR_SIZE, sync_apply, &ld, &end,
	    err) < 0)
		return -1;
	/* Drop what the file itself expunged. */
	for (i = 0; i < l->count; i++) {
		if ((l->msgs[i].flags & MAILDIR_MSG_GONE) != 0) {
			l->garbage += strlen(maildir_list_name(l, i)) + 2;
			continue;
		}
		l->msgs[n++] = l->msgs[i];
	}
	l->count = (uint32_t)n;
	return 0;
}

/* Merge a freshly loaded list into the view: by UID. */
static void
sync_merge(struct maildir_box *box, struct maildir_list *l)
{
	struct maildir_list *v = &box->list;
	uint64_t mask = maildir_box_kw_mask(box);
	uint32_t i = 0, j = 0, vcount = v->count, last;
	struct maildir_rec rec = { .type = MAILDIR_REC_MSG };

	last = vcount > 0 ? v->msgs[vcount - 1].uid : 0;
	while (i < vcount) {
		struct gd_mail_msg *m = &v->msgs[i];

		while (j < l->count && l->msgs[j].uid < m->uid)
			j++;
		if ((m->flags & GD_MAIL_EXPUNGED) != 0) {
			i++;
			continue;
		}
		maildir_touch(box, i);
		if (j == l->count || l->msgs[j].uid != m->uid) {
			m->flags |= MAILDIR_MSG_GONE;
		} else {
			maildir_list_rename(v, i, maildir_list_in_new(l, j),
			    maildir_list_name(l, j),
			    strlen(maildir_list_name(l, j)), mask);
			m->modseq = l->msgs[j].modseq;
		}
		i++;
	}
	for (j = 0; j < l->count; j++) {
		if (l->msgs[j].uid <= last)
			continue;
		rec.uid = l->msgs[j].uid;
		rec.modseq = l->msgs[j].modseq;
		rec.vsize = l->msgs[j].size;
		rec.mtime = l->msgs[j].internal_date;
		rec.in_new = maildir_list_in_new(l, j);
		rec.name = maildir_list_name(l, j);
		rec.name_len = strlen(rec.name);
		maildir_list_append(v, &rec, mask);
	}
}

/*
 * The file is missing or damaged: rebuild it from the directories,
 * keeping the UIDs the valid records give (unless the header is lost:
 * then everything gets a new UID under a new UIDVALIDITY).
 */
static int
sync_rebuild(struct maildir_box *box, struct maildir_state *st,
    struct gd_mail_error *err)
{
	struct maildir_list l;
	struct maildir_out out = { 0 };
	bool lost = st->uids_lost;
	int ret = -1;

	maildir_list_init(&l);
	if (lost) {
		uint32_t old = box->base.uidvalidity;

		memset(&st->hdr, 0, sizeof(st->hdr));
		st->hdr.uidvalidity = maildir_uidvalidity_new(old);
		st->hdr.uidnext = st->hdr.first_recent_uid = 1;
		st->hdr.end_offset = MAILDIR_HDR_SIZE;
		st->hdr.generation = (uint32_t)maildir_now_ns();
		maildir_boot_id(st->hdr.boot_id);
	} else {
		st->salvage = true;
		ret = sync_load_full(box, st, &l, err);
		st->salvage = false;
		if (ret < 0)
			goto fail;
	}
	st->hdr.cur.valid = st->hdr.new_.valid = false;
	st->hdr.cur.own = st->hdr.new_.own = false;
	/* The scan works on `l` (its records are dropped: the rewrite
	 * replaces the file); touches it makes are not the view's. */
	{
		struct maildir_list saved = box->list;
		size_t ntouched = box->ntouched;
		uint32_t i;

		box->list = l;
		ret = maildir_scan(box, st, true, &out, err);
		l = box->list;
		box->list = saved;
		box->ntouched = ntouched;
		for (i = 0; i < l.count; i++)
			l.msgs[i].flags &= ~MAILDIR_MSG_PRIVATE;
	}
	if (ret == 0)
		ret = maildir_state_rewrite(st, &l, err);
	if (ret == 0 && lost && box->list.count > 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_CORRUPT,
		    "%s: UIDVALIDITY changed (state rebuilt)", box->dir);
		ret = -1;
	} else if (ret == 0) {
		if (box->list.count == 0) {
			maildir_list_free(&box->list);
			box->list = l;
			maildir_list_init(&l);
		} else
			sync_merge(box, &l);
	}
fail:
	maildir_out_free(&out);
	maildir_list_free(&l);
	return ret;
}

/* Move messages found in new/ to cur/ (read-write views only). */
static int
sync_new_to_cur(struct maildir_box *box, struct maildir_state *st,
    struct maildir_out *out, struct gd_mail_error *err)
{
	struct maildir_list *l = &box->list;
	char from[PATH_MAX], to[PATH_MAX], name[MAILDIR_NAME_MAX + 1];
	struct maildir_fname f;
	struct maildir_rec rec = { .type = MAILDIR_REC_NAME };
	bool current[2] = { false, false }, checked = false;
	size_t before = out->len;
	uint32_t i;
	int n;

	for (i = 0; i < l->count; i++) {
		const char *old = maildir_list_name(l, i);

		if (!maildir_list_in_new(l, i) || (l->msgs[i].flags &
		    (GD_MAIL_EXPUNGED | MAILDIR_MSG_GONE)) != 0)
			continue;
		maildir_fname_parse(old, strlen(old), &f);
		n = maildir_fname_build(name, sizeof(name), old, f.base_len,
		    f.flags, f.letters, f.info);
		if (n < 0)
			continue;
		if (!checked)
			maildir_stamps_check(box, st, current);
		checked = true;
		snprintf(from, sizeof(from), "%s/new/%s", box->dir, old);
		snprintf(to, sizeof(to), "%s/cur/%s", box->dir, name);
		if (rename(from, to) < 0)
			continue;	/* moved by someone else: next scan */
		rec.uid = l->msgs[i].uid;
		rec.modseq = l->msgs[i].modseq;
		rec.name = name;
		rec.name_len = (size_t)n;
		rec.in_new = false;
		maildir_out_add(out, &rec);
		maildir_list_rename(l, i, false, name, (size_t)n,
		    maildir_box_kw_mask(box));
	}
	/* Our moves are recorded: no readdir of cur/ for them. */
	if (out->len > before)
		maildir_stamps_own(box, st, current);
	(void)err;
	return 0;
}

/* \Recent: messages new to this view that no read-write view claimed. */
static void
sync_claim_recent(struct maildir_box *box, struct maildir_state *st,
    uint32_t first_new)
{
	struct maildir_list *l = &box->list;
	uint32_t i;

	for (i = first_new; i < l->count; i++) {
		if (l->msgs[i].uid >= st->hdr.first_recent_uid)
			l->msgs[i].flags |= GD_MAIL_RECENT;
	}
	if ((box->base.flags & GD_MAILBOX_READONLY) == 0 &&
	    st->hdr.first_recent_uid < st->hdr.uidnext) {
		st->hdr.first_recent_uid = st->hdr.uidnext;
		st->hdr_dirty = true;
	}
}

int
maildir_sync_locked(struct maildir_box *box, struct maildir_state *st,
    bool scan_always, struct gd_mail_error *err)
{
	struct sync_load ld = { box, &box->list, true };
	struct maildir_out out = { 0 };
	uint32_t first_new = box->list.count;
	uint64_t end;
	int ret = 0;

	if (!st->damaged && st->st_ino == box->st_ino &&
	    st->st_dev == box->st_dev &&
	    st->hdr.generation == box->generation && box->offset != 0) {
		ret = maildir_state_read(st, box->offset, sync_apply, &ld,
		    &end, err);
	} else if (!st->damaged) {
		struct maildir_list l;

		maildir_list_init(&l);
		ret = sync_load_full(box, st, &l, err);
		if (ret == 0 && !st->damaged) {
			if (box->list.count == 0) {
				maildir_list_free(&box->list);
				box->list = l;
				maildir_list_init(&l);
			} else
				sync_merge(box, &l);
		}
		maildir_list_free(&l);
	}
	if (ret == 0 && st->damaged)
		ret = sync_rebuild(box, st, err);
	else if (ret == 0)
		ret = maildir_scan(box, st, scan_always, &out, err);
	if (ret == 0 && (box->base.flags & GD_MAILBOX_READONLY) == 0)
		ret = sync_new_to_cur(box, st, &out, err);
	if (ret == 0)
		ret = maildir_out_flush(&out, st, err);
	maildir_out_free(&out);
	if (ret < 0)
		return -1;
	sync_claim_recent(box, st, first_new);
	if (st->hdr.garbage > SYNC_COMPACT_MIN &&
	    st->hdr.garbage > st->hdr.end_offset / 2 &&
	    maildir_state_rewrite(st, &box->list, err) < 0)
		return -1;
	box->st_dev = st->st_dev;
	box->st_ino = st->st_ino;
	box->generation = st->hdr.generation;
	box->offset = st->hdr.end_offset;
	box->hdr = st->hdr;
	return 0;
}

/* Clear the private marks and the touched table. */
static void
sync_finish_marks(struct maildir_box *box)
{
	size_t k;

	for (k = 0; k < box->ntouched; k++) {
		struct maildir_touch *t = &box->touched[k];
		struct gd_mail_msg *m = &box->list.msgs[t->index];

		if ((m->flags & MAILDIR_MSG_GONE) == 0 &&
		    ((m->flags & GD_MAIL_SYSTEM_FLAGS) != t->flags ||
		    m->keywords != t->keywords || m->modseq != t->modseq))
			m->flags |= MAILDIR_MSG_CHANGED;
		m->flags &= ~MAILDIR_MSG_TOUCHED;
	}
	box->ntouched = 0;
}

int
maildir_sync(struct gd_mailbox *gbox, unsigned flags,
    const struct gd_mail_sync_callbacks *cb, void *arg,
    struct gd_mail_error *err)
{
	struct maildir_box *box = (struct maildir_box *)gbox;
	static const struct gd_mail_sync_callbacks none;
	struct maildir_state st;
	bool grew = false;
	int ret;

	if (cb == NULL)
		cb = &none;
	if (maildir_state_begin(&st, box->dir, &box->store->cfg->store,
	    box->lock_fd, err) < 0)
		return -1;
	ret = maildir_keywords_refresh(box, &grew, err);
	if (ret == 0)
		ret = maildir_sync_locked(box, &st, false, err);
	if (maildir_state_end(&st, ret == 0 ? err : NULL) < 0)
		ret = -1;
	sync_finish_marks(box);
	if (grew && cb->keywords != NULL)
		cb->keywords(arg);
	maildir_view_remove_gone(box, (flags & GD_MAIL_SYNC_NO_EXPUNGE) != 0,
	    (flags & GD_MAIL_SYNC_NO_EXPUNGE) == 0, cb->expunged, cb->changed,
	    arg);
	return ret;
}

void
maildir_out_add(struct maildir_out *out, const struct maildir_rec *r)
{
	size_t n;

	if (out->len + MAILDIR_REC_MAX > out->cap) {
		out->cap = out->cap * 2 + 16 * MAILDIR_REC_MAX;
		out->buf = gd_xrealloc(out->buf, out->cap);
	}
	/* UNSAFE: room for one more record of at most MAILDIR_REC_MAX. */
	n = maildir_rec_encode(r, out->buf + out->len);
	out->len += n;
	/* What the record supersedes: about one record of the message. */
	if (r->type == MAILDIR_REC_NAME)
		out->garbage += n;
	else if (r->type == MAILDIR_REC_EXPUNGE)
		out->garbage += n + 100;
}

int
maildir_out_flush(struct maildir_out *out, struct maildir_state *st,
    struct gd_mail_error *err)
{
	int ret;

	if (out->len == 0)
		return 0;
	ret = maildir_state_append(st, out->buf, out->len, out->garbage, err);
	out->len = 0;
	out->garbage = 0;
	return ret;
}

void
maildir_out_free(struct maildir_out *out)
{
	free(out->buf);
	memset(out, 0, sizeof(*out));
}
