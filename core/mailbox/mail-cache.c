/*
 * mail-cache.c — message caches (mailbox.h): a process-wide, bounded
 * memo of blobs derived from messages, by mailbox (store root, name,
 * UIDVALIDITY), UID and variant, checked against the message's size and
 * internal date.  The engine of the search's header cache
 * (search-cache.c) and of IMAP's ENVELOPE/BODYSTRUCTURE cache.
 *
 * Each cache is a list of mailboxes, each an array of entries sorted by
 * (UID, variant); appending in UID order is the usual case.  When full,
 * the mailboxes used least recently are dropped whole (eviction is
 * rare and a mailbox's entries are wanted together).  One mutex each.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox-private.h"

/* Book-keeping counted per entry and per mailbox, beyond the blobs. */
#define CACHE_ENT_COST	40
#define CACHE_BOX_COST	256

struct cache_ent {
	uint32_t uid;
	uint32_t variant;
	uint64_t size;
	int64_t date;
	size_t len;
	void *blob;
};

struct cache_box {
	char *key;		/* "root\nname" */
	uint32_t uidvalidity;
	struct cache_ent *ents;	/* ascending (uid, variant) */
	size_t n, cap;
	size_t bytes;
	uint64_t used;		/* the cache's tick at the last use */
	struct cache_box *next;
};

struct gd_mail_cache {
	pthread_mutex_t lock;
	size_t max;
	size_t bytes;
	uint64_t tick;
	struct cache_box *boxes;
};

void
gd_mail_cache_key_of(const struct gd_mailbox *box,
    const struct gd_mail_msg *m, struct gd_mail_cache_key *k)
{
	memset(k, 0, sizeof(*k));
	k->root = box->store->root;
	k->mailbox = box->name;
	k->uidvalidity = box->uidvalidity;
	k->uid = m->uid;
	k->size = m->size;
	k->date = m->internal_date;
}

struct gd_mail_cache *
gd_mail_cache_new(size_t max_bytes)
{
	struct gd_mail_cache *c = gd_xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	c->max = max_bytes;
	return c;
}

static void
cache_box_free(struct gd_mail_cache *c, struct cache_box *cb)
{
	size_t i;

	for (i = 0; i < cb->n; i++)
		free(cb->ents[i].blob);
	c->bytes -= cb->bytes;
	free(cb->ents);
	free(cb->key);
	free(cb);
}

static void
cache_clear_locked(struct gd_mail_cache *c)
{
	struct cache_box *cb;

	while ((cb = c->boxes) != NULL) {
		c->boxes = cb->next;
		cache_box_free(c, cb);
	}
}

void
gd_mail_cache_free(struct gd_mail_cache **cp)
{
	struct gd_mail_cache *c = *cp;

	if (c == NULL)
		return;
	cache_clear_locked(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
	*cp = NULL;
}

static bool
cache_box_is(const struct cache_box *cb, const struct gd_mail_cache_key *k,
    const char *root, size_t rl)
{
	return cb->uidvalidity == k->uidvalidity &&
	    strncmp(cb->key, root, rl) == 0 && cb->key[rl] == '\n' &&
	    strcmp(cb->key + rl + 1, k->mailbox) == 0;
}

/* The key's mailbox (made when `make`), under the lock. */
static struct cache_box *
cache_box_of(struct gd_mail_cache *c, const struct gd_mail_cache_key *k,
    bool make)
{
	const char *root = k->root != NULL ? k->root : "";
	size_t rl = strlen(root), nl = strlen(k->mailbox);
	struct cache_box *cb;

	for (cb = c->boxes; cb != NULL; cb = cb->next)
		if (cache_box_is(cb, k, root, rl))
			return cb;
	if (!make)
		return NULL;
	cb = gd_xcalloc(1, sizeof(*cb));
	cb->key = gd_xmalloc(rl + nl + 2);
	memcpy(cb->key, root, rl);
	cb->key[rl] = '\n';
	memcpy(cb->key + rl + 1, k->mailbox, nl + 1);
	cb->uidvalidity = k->uidvalidity;
	cb->bytes = CACHE_BOX_COST;
	c->bytes += cb->bytes;
	cb->next = c->boxes;
	c->boxes = cb;
	return cb;
}

static bool
cache_ent_before(const struct cache_ent *e, const struct gd_mail_cache_key *k)
{
	return e->uid < k->uid || (e->uid == k->uid && e->variant < k->variant);
}

/* The dates agree, or one side has not read its date (a lazily read
 * internal date: one session's view may know it, another's not yet). */
static bool
cache_date_same(const struct cache_ent *e, const struct gd_mail_cache_key *k)
{
	return e->date == k->date || e->date == GD_MAIL_DATE_UNKNOWN ||
	    k->date == GD_MAIL_DATE_UNKNOWN;
}

/* Index of the first entry not before (k->uid, k->variant). */
static size_t
cache_find(const struct cache_box *cb, const struct gd_mail_cache_key *k)
{
	size_t lo = 0, hi = cb->n, mid;

	if (cb->n > 0 && cache_ent_before(&cb->ents[cb->n - 1], k))
		return cb->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cache_ent_before(&cb->ents[mid], k))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
cache_ent_is(const struct cache_box *cb, size_t i,
    const struct gd_mail_cache_key *k)
{
	return i < cb->n && cb->ents[i].uid == k->uid &&
	    cb->ents[i].variant == k->variant;
}

/* Drop the least recently used mailboxes but `keep` until `more` bytes
 * fit.  Whether they do. */
static bool
cache_make_room(struct gd_mail_cache *c, const struct cache_box *keep,
    size_t more)
{
	struct cache_box **pp, **oldest, *gone;

	while (c->bytes + more > c->max) {
		oldest = NULL;
		for (pp = &c->boxes; *pp != NULL; pp = &(*pp)->next)
			if (*pp != keep && (oldest == NULL ||
			    (*pp)->used < (*oldest)->used))
				oldest = pp;
		if (oldest == NULL)
			return false;
		gone = *oldest;
		*oldest = gone->next;
		cache_box_free(c, gone);
	}
	return true;
}

bool
gd_mail_cache_get(struct gd_mail_cache *c, const struct gd_mail_cache_key *k,
    gd_mail_cache_copy_fn *copy, void *arg)
{
	struct cache_box *cb;
	struct cache_ent *e;
	size_t i;
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	cb = cache_box_of(c, k, false);
	if (cb != NULL) {
		cb->used = ++c->tick;
		i = cache_find(cb, k);
		e = cache_ent_is(cb, i, k) ? &cb->ents[i] : NULL;
		if (e != NULL && e->size == k->size && cache_date_same(e, k)) {
			copy(arg, e->blob, e->len);
			hit = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Remove entry i of cb. */
static void
cache_ent_drop(struct gd_mail_cache *c, struct cache_box *cb, size_t i)
{
	size_t cost = cb->ents[i].len + CACHE_ENT_COST;

	cb->bytes -= cost;
	c->bytes -= cost;
	free(cb->ents[i].blob);
	cb->n--;
	memmove(cb->ents + i, cb->ents + i + 1,
	    (cb->n - i) * sizeof(*cb->ents));
}

/* Insert the entry at i of cb (room made). */
static void
cache_ent_insert(struct gd_mail_cache *c, struct cache_box *cb, size_t i,
    const struct gd_mail_cache_key *k, const void *blob, size_t len)
{
	struct cache_ent *e;

	if (cb->n == cb->cap) {
		cb->cap = cb->cap * 2 + 64;
		cb->ents = gd_xrealloc(cb->ents, cb->cap * sizeof(*cb->ents));
	}
	memmove(cb->ents + i + 1, cb->ents + i, (cb->n - i) * sizeof(*e));
	e = &cb->ents[i];
	e->uid = k->uid;
	e->variant = k->variant;
	e->size = k->size;
	e->date = k->date;
	e->len = len;
	e->blob = gd_xmalloc(len > 0 ? len : 1);
	memcpy(e->blob, blob, len);
	cb->n++;
	cb->bytes += len + CACHE_ENT_COST;
	c->bytes += len + CACHE_ENT_COST;
}

bool
gd_mail_cache_put(struct gd_mail_cache *c, const struct gd_mail_cache_key *k,
    const void *blob, size_t len)
{
	struct cache_box *cb;
	size_t i;
	bool ok = false;

	pthread_mutex_lock(&c->lock);
	cb = cache_box_of(c, k, true);
	cb->used = ++c->tick;
	i = cache_find(cb, k);
	if (cache_ent_is(cb, i, k))
		cache_ent_drop(c, cb, i);	/* not the same message */
	if (len <= c->max && cache_make_room(c, cb, len + CACHE_ENT_COST)) {
		cache_ent_insert(c, cb, i, k, blob, len);
		ok = true;
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}

void
gd_mail_cache_clear(struct gd_mail_cache *c)
{
	pthread_mutex_lock(&c->lock);
	cache_clear_locked(c);
	pthread_mutex_unlock(&c->lock);
}

size_t
gd_mail_cache_bytes(struct gd_mail_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->bytes;
	pthread_mutex_unlock(&c->lock);
	return n;
}
