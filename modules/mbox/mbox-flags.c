/*
 * mbox-flags.c — flag changes and expunges.  Both work under the locks
 * on the refreshed file state and end in one rewrite (mbox-rewrite.c),
 * so they are durable when they return and a crash leaves the old or
 * the new mbox.  Only the messages acted on change in the view; what
 * others did shows at the next sync.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mbox-private.h"

struct mbox_seqlist {
	uint32_t *seq;
	size_t n;
	size_t cap;
};

static void
mbox_seqlist_add(struct mbox_seqlist *l, uint32_t seq)
{
	if (l->n == l->cap) {
		l->cap = l->cap < 16 ? 16 : l->cap * 2;
		l->seq = gd_xrealloc(l->seq, l->cap * sizeof(*l->seq));
	}
	l->seq[l->n++] = seq;
}

/* Apply the change to view message `i`; 1 changed, 0 not, -1 error. */
static int
mbox_flags_one(struct mbox_box *b, uint32_t i,
    const struct gd_mail_flag_change *change, uint64_t vbits,
    uint64_t *modseq, struct mbox_seqlist *failed, struct gd_mail_error *err)
{
	struct mbox_fmsg *f;
	uint32_t flags;
	uint64_t kw, fbits;
	int64_t k;

	k = mbox_fstate_find(&b->fs, b->base.msgs[i].uid);
	if (k < 0)
		return 0;	/* expunged by someone else */
	f = &b->fs.msgs[k];
	if (change->unchanged_since != 0 &&
	    f->modseq > change->unchanged_since) {
		mbox_seqlist_add(failed, i + 1);
		return 0;
	}
	flags = f->flags & GD_MAIL_SYSTEM_FLAGS;
	kw = mbox_kw_f2v(b, &b->fs, f->keywords);
	if (!gd_mail_flags_apply(change, vbits, &flags, &kw))
		return 0;
	if (mbox_kw_v2f(b, &b->fs, kw, &fbits, err) < 0)
		return -1;
	f->flags = (f->flags & ~GD_MAIL_SYSTEM_FLAGS) |
	    (flags & GD_MAIL_SYSTEM_FLAGS);
	f->keywords = fbits;
	if (*modseq == 0)
		*modseq = mbox_fstate_next_modseq(&b->fs);
	f->modseq = *modseq;
	return 1;
}

static int
mbox_flags_apply_all(struct mbox_box *b, const struct gd_mail_range *ranges,
    size_t nranges, const struct gd_mail_flag_change *change,
    struct mbox_seqlist *changed, struct mbox_seqlist *failed,
    struct gd_mail_error *err)
{
	uint64_t vbits = 0, modseq = 0;
	uint32_t seq;
	size_t r;
	int rc;

	if (gd_mailbox_keywords_map(&b->base, b->pool, change->keywords,
	    &vbits, NULL, err) < 0)
		return -1;
	for (r = 0; r < nranges; r++) {
		for (seq = ranges[r].first; seq >= 1 && seq <= ranges[r].last &&
		    seq <= b->base.count; seq++) {
			rc = mbox_flags_one(b, seq - 1, change, vbits,
			    &modseq, failed, err);
			if (rc < 0)
				return -1;
			if (rc > 0)
				mbox_seqlist_add(changed, seq);
		}
	}
	return 0;
}

/* After the rewrite: the changed messages take their new state. */
static void
mbox_flags_report(struct mbox_box *b, const struct mbox_seqlist *changed,
    const struct mbox_seqlist *failed, gd_mail_seq_fn *changed_fn,
    gd_mail_seq_fn *failed_fn, void *arg)
{
	struct gd_mail_msg *m;
	int64_t k;
	size_t i;

	for (i = 0; i < changed->n; i++) {
		m = &b->base.msgs[changed->seq[i] - 1];
		k = mbox_fstate_find(&b->fs, m->uid);
		if (k < 0)
			continue;
		m->flags = (m->flags & ~GD_MAIL_SYSTEM_FLAGS) |
		    (b->fs.msgs[k].flags & GD_MAIL_SYSTEM_FLAGS);
		m->keywords = mbox_kw_f2v(b, &b->fs, b->fs.msgs[k].keywords);
		m->modseq = b->fs.msgs[k].modseq;
		if (changed_fn != NULL)
			changed_fn(arg, changed->seq[i]);
	}
	for (i = 0; failed_fn != NULL && i < failed->n; i++)
		failed_fn(arg, failed->seq[i]);
	if (b->fs.highestmodseq > b->base.highestmodseq)
		b->base.highestmodseq = b->fs.highestmodseq;
}

int
mbox_set_flags(struct gd_mailbox *box, const struct gd_mail_range *ranges,
    size_t nranges, const struct gd_mail_flag_change *change,
    gd_mail_seq_fn *changed_fn, gd_mail_seq_fn *failed_fn, void *arg,
    struct gd_mail_error *err)
{
	struct mbox_box *b = mbox_box_of(box);
	struct mbox_seqlist changed = { NULL, 0, 0 }, failed = { NULL, 0, 0 };
	struct mbox_ctx c;
	uint32_t *uids;
	int rc;

	if (mbox_ctx_lock(&c, b->st, &b->p, err) < 0)
		return -1;
	uids = mbox_view_uids(b);
	rc = mbox_file_refresh(&c, &b->fs, uids, b->base.count, err);
	free(uids);
	if (rc == 0)
		rc = mbox_flags_apply_all(b, ranges, nranges, change, &changed,
		    &failed, err);
	if (rc == 0 && changed.n > 0)
		rc = mbox_rewrite(&c, &b->fs, NULL, err);
	else if (rc < 0)
		b->fs.uidvalidity = 0;	/* edited in memory: reload */
	if (rc == 0) {
		mbox_box_follow(b, &c);
		mbox_flags_report(b, &changed, &failed, changed_fn, failed_fn,
		    arg);
	}
	mbox_ctx_unlock(&c);
	free(changed.seq);
	free(failed.seq);
	return rc;
}

/* ---- expunge ---------------------------------------------------------- */

static int
mbox_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
mbox_expunge_locked(struct mbox_box *b, struct mbox_ctx *c, bool *drop,
    gd_mail_expunged_fn *expunged, void *arg, struct gd_mail_error *err)
{
	uint32_t *gone = gd_xcalloc(b->fs.count + 1, sizeof(*gone));
	uint32_t i, n = 0, uid;

	for (i = 0; i < b->fs.count; i++) {
		if (drop[i])
			gone[n++] = b->fs.msgs[i].uid;
	}
	if (n > 0 && mbox_rewrite(c, &b->fs, drop, err) < 0) {
		free(gone);
		return -1;
	}
	mbox_box_follow(b, c);
	for (i = 0; i < b->base.count; ) {
		uid = b->base.msgs[i].uid;
		if (bsearch(&uid, gone, n, sizeof(*gone), mbox_uid_cmp) ==
		    NULL) {
			i++;
			continue;
		}
		mbox_view_remove(b, i);
		if (expunged != NULL)
			expunged(arg, i + 1, uid);
	}
	free(gone);
	return 0;
}

static bool
mbox_in_ranges(uint32_t seq, const struct gd_mail_range *ranges, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (seq >= ranges[i].first && seq <= ranges[i].last)
			return true;
	}
	return false;
}

/* Mark in `drop` (indexed like fs) what the expunge removes. */
static void
mbox_expunge_select(struct mbox_box *b, enum gd_mail_expunge_mode mode,
    const struct gd_mail_range *ranges, size_t nranges, bool *drop)
{
	const struct mbox_fmsg *f;
	uint32_t i;
	int64_t k;

	for (i = 0; i < b->base.count; i++) {
		k = mbox_fstate_find(&b->fs, b->base.msgs[i].uid);
		if (k < 0)
			continue;
		f = &b->fs.msgs[k];
		if (mode != GD_MAIL_EXPUNGE_RANGES &&
		    !(f->flags & GD_MAIL_DELETED))
			continue;
		if (mode != GD_MAIL_EXPUNGE_DELETED &&
		    !mbox_in_ranges(i + 1, ranges, nranges))
			continue;
		drop[k] = true;
	}
}

int
mbox_expunge(struct gd_mailbox *box, enum gd_mail_expunge_mode mode,
    const struct gd_mail_range *ranges, size_t nranges,
    gd_mail_expunged_fn *expunged, void *arg, struct gd_mail_error *err)
{
	struct mbox_box *b = mbox_box_of(box);
	struct mbox_ctx c;
	uint32_t *uids;
	bool *drop;
	int rc;

	if (mbox_ctx_lock(&c, b->st, &b->p, err) < 0)
		return -1;
	uids = mbox_view_uids(b);
	rc = mbox_file_refresh(&c, &b->fs, uids, b->base.count, err);
	free(uids);
	if (rc == 0) {
		drop = gd_xcalloc(b->fs.count + 1, sizeof(*drop));
		mbox_expunge_select(b, mode, ranges, nranges, drop);
		rc = mbox_expunge_locked(b, &c, drop, expunged, arg, err);
		free(drop);
	}
	mbox_ctx_unlock(&c);
	return rc;
}
