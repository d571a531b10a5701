/*
 * mbox-box.c — an open mailbox: its view (what the session sees, which
 * changes only at syncs and its own actions) over the file state.
 *
 * A sync takes the locks only when the mbox changed since the view last
 * looked (inode, size, mtime); it then refreshes the file state, stores
 * UIDs given to messages other programs added (a rewrite, read-write
 * views only), claims \Recent for the new messages (read-write views:
 * the sidecar's recent_uid moves past them, under the lock, so no other
 * view claims them), and merges the state into the view.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mbox-private.h"

static bool
mbox_box_writable(const struct mbox_box *b)
{
	return !(b->base.flags & GD_MAILBOX_READONLY);
}

uint32_t *
mbox_view_uids(struct mbox_box *b)
{
	uint32_t *uids = gd_xcalloc(b->base.count + 1, sizeof(*uids)), i;

	for (i = 0; i < b->base.count; i++)
		uids[i] = b->base.msgs[i].uid;
	return uids;
}

/* The view's index of keyword `name`, added when there is room. */
static int
mbox_kw_view(struct mbox_box *b, const char *name, bool *added)
{
	unsigned i;

	for (i = 0; i < b->base.keyword_count; i++) {
		if (strcasecmp(b->base.keywords[i], name) == 0)
			return (int)i;
	}
	if (b->base.keyword_count >= b->base.keyword_max)
		return -1;
	b->base.keywords[b->base.keyword_count] = gd_pool_strdup(b->pool,
	    name);
	*added = true;
	return (int)b->base.keyword_count++;
}

static uint64_t
mbox_kw_f2v_added(struct mbox_box *b, const struct mbox_fstate *fs,
    uint64_t fbits, bool *added)
{
	uint64_t vbits = 0;
	unsigned i;
	int v;

	for (i = 0; i < fs->kw_count; i++) {
		if ((fbits & (1ull << i)) &&
		    (v = mbox_kw_view(b, fs->kw[i], added)) >= 0)
			vbits |= 1ull << v;
	}
	return vbits;
}

uint64_t
mbox_kw_f2v(struct mbox_box *b, const struct mbox_fstate *fs, uint64_t fbits)
{
	bool added = false;

	return mbox_kw_f2v_added(b, fs, fbits, &added);
}

int
mbox_kw_v2f(struct mbox_box *b, struct mbox_fstate *fs, uint64_t vbits,
    uint64_t *fbits_r, struct gd_mail_error *err)
{
	unsigned i;
	int f;

	*fbits_r = 0;
	for (i = 0; i < b->base.keyword_count; i++) {
		if (!(vbits & (1ull << i)))
			continue;
		f = mbox_fstate_kw(fs, b->base.keywords[i], true);
		if (f < 0) {
			gd_mail_error_set(err, GD_MAIL_ERR_LIMIT,
			    "too many keywords in this mailbox");
			return -1;
		}
		*fbits_r |= 1ull << f;
	}
	return 0;
}

void
mbox_view_remove(struct mbox_box *b, uint32_t idx)
{
	uint32_t rest = b->base.count - idx - 1;

	if (b->base.msgs[idx].flags & GD_MAIL_RECENT)
		b->base.recent--;
	memmove(&b->base.msgs[idx], &b->base.msgs[idx + 1],
	    rest * sizeof(b->base.msgs[0]));
	memmove(&b->vm[idx], &b->vm[idx + 1], rest * sizeof(b->vm[0]));
	b->base.count--;
}

static void
mbox_view_grow(struct mbox_box *b)
{
	if (b->base.count < b->alloc)
		return;
	b->alloc = b->alloc < 64 ? 64 : b->alloc * 2;
	b->base.msgs = gd_xrealloc(b->base.msgs,
	    b->alloc * sizeof(b->base.msgs[0]));
	b->vm = gd_xrealloc(b->vm, b->alloc * sizeof(b->vm[0]));
}

static void
mbox_vm_set(struct mbox_vmsg *vm, const struct mbox_fmsg *f)
{
	vm->from_off = f->from_off;
	vm->hdr_off = f->hdr_off;
	vm->data_end = f->data_end;
	vm->end_off = f->end_off;
	vm->crlf = (f->flags & MBOX_F_CRLF) != 0;
	vm->gone = false;
}

void
mbox_box_follow(struct mbox_box *b, struct mbox_ctx *c)
{
	uint32_t i;
	int64_t k;
	int fd;

	fd = open(c->p->file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (b->fd >= 0)
			close(b->fd);
		b->fd = fd;
	}
	for (i = 0; i < b->base.count; i++) {
		k = mbox_fstate_find(&b->fs, b->base.msgs[i].uid);
		if (k < 0)
			b->vm[i].gone = true;
		else
			mbox_vm_set(&b->vm[i], &b->fs.msgs[k]);
	}
}

/* A view message from the file's; `recent` when this view claims it. */
static void
mbox_view_add(struct mbox_box *b, const struct mbox_fmsg *f, bool recent,
    bool *added)
{
	struct gd_mail_msg *m;

	mbox_view_grow(b);
	m = &b->base.msgs[b->base.count];
	memset(m, 0, sizeof(*m));
	m->uid = f->uid;
	m->flags = (f->flags & GD_MAIL_SYSTEM_FLAGS) |
	    (recent ? GD_MAIL_RECENT : 0);
	m->keywords = mbox_kw_f2v_added(b, &b->fs, f->keywords, added);
	m->modseq = f->modseq;
	m->size = f->size;
	m->internal_date = f->date;
	mbox_vm_set(&b->vm[b->base.count], f);
	b->base.count++;
	if (recent)
		b->base.recent++;
}

/* Update view message `i` from the file; true when it changed. */
static bool
mbox_view_update(struct mbox_box *b, uint32_t i, const struct mbox_fmsg *f,
    bool *added)
{
	struct gd_mail_msg *m = &b->base.msgs[i];
	uint32_t flags = (m->flags & ~GD_MAIL_SYSTEM_FLAGS) |
	    (f->flags & GD_MAIL_SYSTEM_FLAGS);
	uint64_t kw = mbox_kw_f2v_added(b, &b->fs, f->keywords, added);
	bool changed;

	changed = flags != m->flags || kw != m->keywords ||
	    f->modseq != m->modseq;
	m->flags = flags;
	m->keywords = kw;
	m->modseq = f->modseq;
	m->size = f->size;
	mbox_vm_set(&b->vm[i], f);
	return changed;
}

/* Merge the file state into the view (see mailbox.h for the order). */
static void
mbox_merge(struct mbox_box *b, unsigned flags,
    const struct gd_mail_sync_callbacks *cb, void *arg, uint32_t claim_from)
{
	const struct mbox_fstate *fs = &b->fs;
	uint32_t i = 0, last, uid, k0;
	bool added = false;
	int64_t k;

	last = b->base.count > 0 ? b->base.msgs[b->base.count - 1].uid : 0;
	while (i < b->base.count) {
		uid = b->base.msgs[i].uid;
		k = mbox_fstate_find(fs, uid);
		if (k < 0 && (flags & GD_MAIL_SYNC_NO_EXPUNGE)) {
			b->base.msgs[i].flags |= GD_MAIL_EXPUNGED;
			b->vm[i++].gone = true;
		} else if (k < 0) {
			mbox_view_remove(b, i);
			if (cb != NULL && cb->expunged != NULL)
				cb->expunged(arg, i + 1, uid);
		} else {
			if (mbox_view_update(b, i, &fs->msgs[k], &added) &&
			    cb != NULL && cb->changed != NULL)
				cb->changed(arg, i + 1);
			i++;
		}
	}
	for (k0 = 0; k0 < fs->count; k0++) {
		if (fs->msgs[k0].uid <= last)
			continue;
		mbox_view_add(b, &fs->msgs[k0], fs->msgs[k0].uid >=
		    claim_from && !(fs->msgs[k0].flags & MBOX_F_OLD), &added);
	}
	b->base.uidvalidity = fs->uidvalidity;
	b->base.uidnext = fs->uidnext;
	if (fs->highestmodseq > b->base.highestmodseq)
		b->base.highestmodseq = fs->highestmodseq;
	if (added && cb != NULL && cb->keywords != NULL)
		cb->keywords(arg);
}

static bool
mbox_fs_dirty(const struct mbox_fstate *fs)
{
	uint32_t i;

	for (i = 0; i < fs->count; i++) {
		if (fs->msgs[i].flags & MBOX_F_DIRTY)
			return true;
	}
	return false;
}

/* Under the lock: claim \Recent; returns the first claimable UID. */
static uint32_t
mbox_claim_recent(struct mbox_box *b, struct mbox_ctx *c)
{
	uint32_t from = b->fs.recent_uid;

	if (!mbox_box_writable(b))
		return from;
	if (b->fs.recent_uid != b->fs.uidnext) {
		b->fs.recent_uid = b->fs.uidnext;
		(void)mbox_file_save_state(c, &b->fs);
	}
	return from;
}

/* The locked part of a sync. */
static int
mbox_sync_locked(struct mbox_box *b, uint32_t *claim_from_r,
    struct gd_mail_error *err)
{
	struct mbox_ctx c;
	uint32_t *uids;
	int rc;

	if (mbox_ctx_lock(&c, b->st, &b->p, err) < 0)
		return -1;
	uids = mbox_view_uids(b);
	rc = mbox_file_refresh(&c, &b->fs, uids, b->base.count, err);
	free(uids);
	if (rc == 0 && mbox_box_writable(b) && mbox_fs_dirty(&b->fs))
		rc = mbox_rewrite(&c, &b->fs, NULL, err);
	if (rc == 0) {
		*claim_from_r = mbox_claim_recent(b, &c);
		mbox_box_follow(b, &c);
	}
	mbox_ctx_unlock(&c);
	return rc;
}

/* The file is as the view last saw it (no lock needed to know). */
static bool
mbox_unchanged(struct mbox_box *b, struct gd_mail_error *err, int *rc)
{
	struct stat sb;

	*rc = 0;
	if (stat(b->p.file, &sb) < 0) {
		gd_mail_error_errno(err, "mailbox %s", b->base.name);
		*rc = -1;
		return true;
	}
	return b->fs.uidvalidity != 0 && (uint64_t)sb.st_ino == b->fs.ino &&
	    (uint64_t)sb.st_dev == b->fs.dev &&
	    (uint64_t)sb.st_size == b->fs.fsize &&
	    mbox_mtime_ns(&sb) == b->fs.mtime_ns;
}

int
mbox_sync(struct gd_mailbox *box, unsigned flags,
    const struct gd_mail_sync_callbacks *cb, void *arg,
    struct gd_mail_error *err)
{
	struct mbox_box *b = mbox_box_of(box);
	uint32_t claim_from = UINT32_MAX;
	int rc;

	if (!mbox_unchanged(b, err, &rc)) {
		if (mbox_sync_locked(b, &claim_from, err) < 0)
			return -1;
	} else if (rc < 0)
		return -1;
	if (!mbox_box_writable(b))
		claim_from = b->fs.recent_uid;
	mbox_merge(b, flags, cb, arg, claim_from);
	return 0;
}

int
mbox_mailbox_open(struct gd_mail_store *store, const char *name,
    unsigned flags, struct gd_mailbox **box_r, struct gd_mail_error *err)
{
	struct mbox_box *b = gd_xcalloc(1, sizeof(*b));

	b->st = mbox_store_of(store);
	b->pool = gd_pool_create("mbox-box");
	b->fd = -1;
	gd_mailbox_init(&b->base, store, gd_pool_strdup(b->pool, name), flags,
	    MBOX_MAX_KEYWORDS);
	if (mbox_paths_make(b->st, name, &b->p, err) < 0)
		goto fail;
	if (access(b->p.file, F_OK) < 0) {
		if (access(b->p.children, F_OK) == 0)
			gd_mail_error_set(err, GD_MAIL_ERR_NOPERM,
			    "%s is not selectable", name);
		else
			gd_mail_error_errno(err, "mailbox %s", name);
		goto fail;
	}
	if (mbox_sync(&b->base, 0, NULL, NULL, err) < 0)
		goto fail;
	*box_r = &b->base;
	return 0;
fail:
	mbox_mailbox_close(&b->base);
	return -1;
}

void
mbox_mailbox_close(struct gd_mailbox *box)
{
	struct mbox_box *b = mbox_box_of(box);

	if (b->fd >= 0)
		close(b->fd);
	mbox_fstate_free(&b->fs);
	mbox_paths_free(&b->p);
	free(b->base.msgs);
	free(b->vm);
	gd_pool_destroy(&b->pool);
	free(b);
}
