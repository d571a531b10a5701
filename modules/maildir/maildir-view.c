/*
 * maildir-view.c — a compact list of messages: the gd_mail_msg array the
 * API reads plus one arena holding every file name, so that a mailbox of
 * N messages costs about N * (48 + name length + 2) bytes.
 * msgs[i].backend is the offset of message i's entry in the arena:
 * one location byte ('c' cur/, 'n' new/), the name, a NUL.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "maildir-private.h"

#define ARENA_COMPACT_MIN	65536

static void list_prefault(void *start, size_t len);
static void list_derive(struct gd_mail_msg *m, const char *name,
    size_t len, uint64_t known_kw_mask);

/*
 * Fault in a large fresh range at once: one call instead of a page fault
 * per 4 KiB as the view is filled (which dominates opening a big
 * mailbox on some virtual machines).  Best effort.
 */
static void
list_prefault(void *start, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t a = ((uintptr_t)start + 4095) & ~(uintptr_t)4095;
	uintptr_t b = ((uintptr_t)start + len) & ~(uintptr_t)4095;

	if (len >= 1024 * 1024 && b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
	(void)start;
	(void)len;
#endif
}

void
maildir_list_init(struct maildir_list *l)
{
	memset(l, 0, sizeof(*l));
}

void
maildir_list_free(struct maildir_list *l)
{
	free(l->msgs);
	free(l->arena);
	memset(l, 0, sizeof(*l));
}

void
maildir_list_reserve(struct maildir_list *l, uint32_t n, size_t name_bytes)
{
	size_t cap;

	if (l->count + (uint64_t)n > l->cap) {
		cap = l->cap + l->cap / 2 + 16;
		if (cap < (size_t)l->count + n)
			cap = (size_t)l->count + n;
		if (cap > UINT32_MAX)
			gd_fatal("maildir: too many messages");
		l->msgs = gd_xrealloc(l->msgs, cap * sizeof(*l->msgs));
		list_prefault(l->msgs + l->count, (cap - l->count) *
		    sizeof(*l->msgs));
		l->cap = (uint32_t)cap;
	}
	if (l->used + name_bytes > l->arena_cap) {
		cap = l->arena_cap + l->arena_cap / 2 + 4096;
		if (cap < l->used + name_bytes)
			cap = l->used + name_bytes;
		l->arena = gd_xrealloc(l->arena, cap);
		list_prefault(l->arena + l->used, cap - l->used);
		l->arena_cap = cap;
	}
}

uintptr_t
maildir_list_name_add(struct maildir_list *l, bool in_new, const char *name,
    size_t len)
{
	uintptr_t at;

	maildir_list_reserve(l, 0, len + 2);
	at = l->used;
	/* UNSAFE: reserve() made room for len + 2 bytes at `used`. */
	l->arena[at] = in_new ? MAILDIR_LOC_NEW : MAILDIR_LOC_CUR;
	memcpy(l->arena + at + 1, name, len);
	l->arena[at + 1 + len] = '\0';
	l->used += len + 2;
	return at;
}

static void
list_derive(struct gd_mail_msg *m, const char *name, size_t len,
    uint64_t known_kw_mask)
{
	uint32_t flags, letters;

	maildir_fname_flags(name, len, &flags, &letters);
	m->flags = (m->flags & ~GD_MAIL_SYSTEM_FLAGS) | flags;
	m->keywords = letters & known_kw_mask;
}

struct gd_mail_msg *
maildir_list_append(struct maildir_list *l, const struct maildir_rec *rec,
    uint64_t known_kw_mask)
{
	struct gd_mail_msg *m;

	assert(l->count == 0 || l->msgs[l->count - 1].uid < rec->uid);
	maildir_list_reserve(l, 1, rec->name_len + 2);
	m = &l->msgs[l->count++];
	memset(m, 0, sizeof(*m));
	m->uid = rec->uid;
	m->modseq = rec->modseq;
	m->size = rec->vsize;
	m->internal_date = rec->mtime;
	m->backend = maildir_list_name_add(l, rec->in_new, rec->name,
	    rec->name_len);
	list_derive(m, rec->name, rec->name_len, known_kw_mask);
	return m;
}

void
maildir_list_rename(struct maildir_list *l, uint32_t i, bool in_new,
    const char *name, size_t len, uint64_t known_kw_mask)
{
	const char *old = maildir_list_name(l, i);
	size_t old_len = strlen(old);

	if (old_len == len && memcmp(old, name, len) == 0 &&
	    maildir_list_in_new(l, i) == in_new)
		return;
	l->garbage += old_len + 2;
	l->msgs[i].backend = maildir_list_name_add(l, in_new, name, len);
	list_derive(&l->msgs[i], name, len, known_kw_mask);
}

void
maildir_list_compact(struct maildir_list *l)
{
	char *arena;
	size_t used = 0, n;
	uint32_t i;

	if (l->garbage < ARENA_COMPACT_MIN || l->garbage < l->used / 2)
		return;
	arena = gd_xmalloc(l->used - l->garbage + 1);
	for (i = 0; i < l->count; i++) {
		n = strlen(l->arena + l->msgs[i].backend + 1) + 2;
		/* UNSAFE: live entries total used - garbage bytes. */
		memcpy(arena + used, l->arena + l->msgs[i].backend, n);
		l->msgs[i].backend = used;
		used += n;
	}
	free(l->arena);
	l->arena = arena;
	l->used = l->arena_cap = used;
	l->garbage = 0;
}

void
maildir_list_fit(struct maildir_list *l)
{
	if (l->cap > l->count + l->count / 8 + 16) {
		l->cap = l->count + 16;
		l->msgs = gd_xrealloc(l->msgs, l->cap * sizeof(*l->msgs));
	}
	if (l->arena_cap > l->used + l->used / 8 + 4096) {
		l->arena_cap = l->used + 4096;
		l->arena = gd_xrealloc(l->arena, l->arena_cap);
	}
}

int64_t
maildir_list_find(const struct maildir_list *l, uint32_t uid)
{
	uint32_t lo = 0, hi = l->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (l->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->count && l->msgs[lo].uid == uid ? (int64_t)lo : -1;
}

const char *
maildir_list_name(const struct maildir_list *l, uint32_t i)
{
	return l->arena + l->msgs[i].backend + 1;
}

bool
maildir_list_in_new(const struct maildir_list *l, uint32_t i)
{
	return l->arena[l->msgs[i].backend] == MAILDIR_LOC_NEW;
}

void
maildir_box_publish(struct maildir_box *box)
{
	box->base.msgs = box->list.msgs;
	box->base.count = box->list.count;
}
