/*
 * mailbox.c — the mailbox tier of mailbox.h: opening and closing,
 * the view's accessors, and the checked calls into the backend.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumdrop/mail-search.h>
#include <gumdrop/pool.h>

#include "mailbox-private.h"

static const struct gd_mail_backend *
mail_box_backend(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->store->backend;
}

void
gd_mailbox_init(struct gd_mailbox *box, struct gd_mail_store *store,
    const char *name, unsigned flags, unsigned keyword_max)
{
	memset(box, 0, sizeof(*box));
	box->magic = GD_MAILBOX_MAGIC;
	box->store = store;
	box->name = name;
	box->flags = flags;
	box->keyword_max = keyword_max < GD_MAIL_MAX_KEYWORDS ? keyword_max :
	    GD_MAIL_MAX_KEYWORDS;
}

int
gd_mailbox_open(struct gd_mail_store *store, const char *name,
    unsigned flags, struct gd_mailbox **box_r, struct gd_mail_error *err)
{
	struct gd_mailbox *box = NULL;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if ((name = mail_store_name(store, name, err)) == NULL)
		return -1;
	if (store->backend->mailbox_open(store, name, flags, &box, err) < 0)
		return -1;
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	store->open_objects++;
	*box_r = box;
	return 0;
}

void
gd_mailbox_close(struct gd_mailbox **boxp)
{
	struct gd_mailbox *box = *boxp;
	struct gd_mail_store *store;

	if (box == NULL)
		return;
	MAIL_ASSERT_BLOCKING();
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	assert(!box->notifying && "mailbox closed while notifying");
	store = box->store;
	store->backend->mailbox_close(box);
	store->open_objects--;
	*boxp = NULL;
}

const char *
gd_mailbox_name(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->name;
}

struct gd_mail_store *
gd_mailbox_store(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->store;
}

bool
gd_mailbox_is_readonly(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return (box->flags & GD_MAILBOX_READONLY) != 0;
}

uint32_t
gd_mailbox_count(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->count;
}

uint32_t
gd_mailbox_recent(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->recent;
}

uint32_t
gd_mailbox_uidvalidity(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->uidvalidity;
}

uint32_t
gd_mailbox_uidnext(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->uidnext;
}

uint64_t
gd_mailbox_highestmodseq(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->highestmodseq;
}

uint32_t
gd_mailbox_first_unseen(const struct gd_mailbox *box)
{
	uint32_t i;

	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	for (i = 0; i < box->count; i++)
		if ((box->msgs[i].flags & (GD_MAIL_SEEN | GD_MAIL_EXPUNGED)) ==
		    0)
			return i + 1;
	return 0;
}

const struct gd_mail_msg *
gd_mailbox_msg(const struct gd_mailbox *box, uint32_t seq)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	if (seq == 0 || seq > box->count)
		return NULL;
	return &box->msgs[seq - 1];
}

int64_t
gd_mailbox_internal_date(struct gd_mailbox *box, uint32_t seq)
{
	int64_t date;

	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	if (seq == 0 || seq > box->count)
		return 0;
	date = box->msgs[seq - 1].internal_date;
	if (date != GD_MAIL_DATE_UNKNOWN)
		return date;
	if (box->store->backend->internal_date == NULL)
		return 0;
	return box->store->backend->internal_date(box, seq);
}

/* Index of the first message whose UID is >= uid (count if none). */
static uint32_t
mail_uid_lower_bound(const struct gd_mailbox *box, uint32_t uid)
{
	uint32_t lo = 0, hi = box->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (box->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t
gd_mailbox_seq_of_uid(const struct gd_mailbox *box, uint32_t uid)
{
	uint32_t i;

	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	i = mail_uid_lower_bound(box, uid);
	return i < box->count && box->msgs[i].uid == uid ? i + 1 : 0;
}

bool
gd_mailbox_uid_range(const struct gd_mailbox *box, uint32_t uid_first,
    uint32_t uid_last, uint32_t *first_r, uint32_t *last_r)
{
	uint32_t a, b;

	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	if (uid_first > uid_last)
		return false;
	a = mail_uid_lower_bound(box, uid_first);
	b = uid_last == UINT32_MAX ? box->count :
	    mail_uid_lower_bound(box, uid_last + 1);
	if (a >= b)
		return false;
	*first_r = a + 1;
	*last_r = b;
	return true;
}

unsigned
gd_mailbox_keyword_count(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->keyword_count;
}

const char *
gd_mailbox_keyword(const struct gd_mailbox *box, unsigned index)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return index < box->keyword_count ? box->keywords[index] : NULL;
}

int
gd_mailbox_keyword_index(const struct gd_mailbox *box, const char *name)
{
	unsigned i;

	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	for (i = 0; i < box->keyword_count; i++)
		if (strcasecmp(box->keywords[i], name) == 0)
			return (int)i;
	return -1;
}

bool
gd_mailbox_keywords_can_grow(const struct gd_mailbox *box)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	return box->keyword_count < box->keyword_max &&
	    (box->flags & GD_MAILBOX_READONLY) == 0;
}

/* ---- calls into the backend ------------------------------------------ */

int
gd_mailbox_sync(struct gd_mailbox *box, unsigned flags,
    const struct gd_mail_sync_callbacks *cb, void *arg,
    struct gd_mail_error *err)
{
	static const struct gd_mail_sync_callbacks none;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	return mail_box_backend(box)->sync(box, flags, cb != NULL ? cb : &none,
	    arg, err);
}

int
gd_mailbox_notify_start(struct gd_mailbox *box, struct gd_loop *loop,
    gd_mailbox_notify_fn *fn, void *arg, struct gd_mail_error *err)
{
	const struct gd_mail_backend *b = mail_box_backend(box);

	assert(!box->notifying && gd_loop_current() == loop);
	gd_mail_error_clear(err);
	if (b->notify_start(box, loop, fn, arg, err) < 0)
		return -1;
	box->notifying = true;
	return 0;
}

void
gd_mailbox_notify_stop(struct gd_mailbox *box)
{
	const struct gd_mail_backend *b = mail_box_backend(box);

	if (!box->notifying)
		return;
	b->notify_stop(box);
	box->notifying = false;
}

static int
mail_box_writable(const struct gd_mailbox *box, struct gd_mail_error *err)
{
	if ((box->flags & GD_MAILBOX_READONLY) == 0)
		return 0;
	gd_mail_error_set(err, GD_MAIL_ERR_NOPERM, "mailbox is read-only");
	return -1;
}

/*
 * Clip sequence ranges to the view (out-of-range numbers are ignored, as
 * mailbox.h promises) into `out`; returns how many remain.
 */
static size_t
mail_clip_ranges(const struct gd_mailbox *box,
    const struct gd_mail_range *in, size_t n, struct gd_mail_range *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (in[i].first > in[i].last || in[i].first > box->count ||
		    in[i].last == 0)
			continue;
		out[o].first = in[i].first == 0 ? 1 : in[i].first;
		out[o].last = in[i].last > box->count ? box->count :
		    in[i].last;
		o++;
	}
	return o;
}

int
gd_mailbox_set_flags(struct gd_mailbox *box,
    const struct gd_mail_range *ranges, size_t nranges,
    const struct gd_mail_flag_change *change, gd_mail_seq_fn *changed,
    gd_mail_seq_fn *failed, void *arg, struct gd_mail_error *err)
{
	const struct gd_mail_backend *b = mail_box_backend(box);
	struct gd_mail_range *clip;
	int ret;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if (mail_box_writable(box, err) < 0)
		return -1;
	clip = gd_xcalloc(nranges + 1, sizeof(*clip));
	nranges = mail_clip_ranges(box, ranges, nranges, clip);
	ret = nranges == 0 ? 0 : b->set_flags(box, clip, nranges, change,
	    changed, failed, arg, err);
	free(clip);
	return ret;
}

int
gd_mailbox_expunge(struct gd_mailbox *box, enum gd_mail_expunge_mode mode,
    const struct gd_mail_range *ranges, size_t nranges,
    gd_mail_expunged_fn *expunged, void *arg, struct gd_mail_error *err)
{
	const struct gd_mail_backend *b = mail_box_backend(box);
	struct gd_mail_range *clip;
	int ret;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if (mail_box_writable(box, err) < 0)
		return -1;
	if (mode == GD_MAIL_EXPUNGE_DELETED)
		return b->expunge(box, mode, NULL, 0, expunged, arg, err);
	clip = gd_xcalloc(nranges + 1, sizeof(*clip));
	nranges = mail_clip_ranges(box, ranges, nranges, clip);
	ret = nranges == 0 ? 0 : b->expunge(box, mode, clip, nranges,
	    expunged, arg, err);
	free(clip);
	return ret;
}

/* Bytes and messages a copy would add, for the quota check. */
static void
mail_ranges_usage(const struct gd_mailbox *box,
    const struct gd_mail_range *r, size_t n, uint64_t *bytes_r,
    uint64_t *count_r)
{
	uint32_t seq;
	size_t i;

	*bytes_r = *count_r = 0;
	for (i = 0; i < n; i++) {
		for (seq = r[i].first; seq <= r[i].last; seq++) {
			*bytes_r += box->msgs[seq - 1].size;
			(*count_r)++;
		}
	}
}

static int
mail_copy_check(struct gd_mailbox *box, const struct gd_mail_range *clip,
    size_t n, const char *to, bool move, struct gd_mail_error *err)
{
	uint64_t bytes, count;

	if (move && mail_box_writable(box, err) < 0)
		return -1;
	if (move && strcmp(to, box->name) != 0)
		return 0;	/* a move within the store adds nothing */
	mail_ranges_usage(box, clip, n, &bytes, &count);
	return mail_quota_check(box->store, bytes, count, err);
}

int
gd_mailbox_copy(struct gd_mailbox *box, const struct gd_mail_range *ranges,
    size_t nranges, const char *to, bool move, gd_mail_copied_fn *copied,
    gd_mail_expunged_fn *expunged, void *arg, uint32_t *uidvalidity_r,
    struct gd_mail_error *err)
{
	const struct gd_mail_backend *b = mail_box_backend(box);
	struct gd_mail_range *clip;
	int ret = -1;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if ((to = mail_store_name(box->store, to, err)) == NULL)
		return -1;
	clip = gd_xcalloc(nranges + 1, sizeof(*clip));
	nranges = mail_clip_ranges(box, ranges, nranges, clip);
	if (mail_copy_check(box, clip, nranges, to, move, err) == 0)
		ret = nranges == 0 ? 0 : b->copy(box, clip, nranges, to, move,
		    copied, expunged, arg, uidvalidity_r, err);
	free(clip);
	return ret;
}

int
gd_mailbox_search(struct gd_mailbox *box, const struct gd_search_key *key,
    gd_mail_seq_fn *match, void *arg, struct gd_mail_error *err)
{
	const struct gd_mail_backend *b = mail_box_backend(box);

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if (b->search != NULL)
		return b->search(box, key, match, arg, err);
	return gd_mail_search_generic(box, key, match, arg, err);
}
