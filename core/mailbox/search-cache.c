/*
 * search-cache.c — the generic search's header cache: for each message a
 * header key read, the decoded, folded values of the fields SEARCH keys
 * name (FROM TO CC BCC SUBJECT) and the sent date, kept in memory for the
 * whole process so that the next search of the mailbox (by any session:
 * a client reconnecting, another worker) reads no file for them.
 *
 * Entries are by mailbox (store root, name, UIDVALIDITY) and UID: a
 * message's content never changes under its UID, so an entry is never
 * stale; a new UIDVALIDITY is another mailbox.  A hit must also have the
 * message's size and internal date (a mailbox recreated under the same
 * name within the second of a time-based UIDVALIDITY is not mistaken for
 * the old one).  Entries of expunged
 * messages go when their mailbox's cache is evicted.  Bounded: at most
 * SEARCH_CACHE_MAX bytes; when full, the mailboxes searched least
 * recently are dropped whole (the one being searched last).  One mutex;
 * lookups copy the entry out (search_content_unpack).  The search index
 * module of a later issue replaces this behind gd_mailbox_search.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox-private.h"
#include "search-private.h"

#define SEARCH_CACHE_MAX	(32u * 1024 * 1024)
/* Book-keeping counted per entry and per mailbox, beyond the blobs. */
#define SEARCH_CACHE_ENT_COST	32
#define SEARCH_CACHE_BOX_COST	256

struct cache_ent {
	uint32_t uid;
	uint32_t len;
	uint64_t size;		/* the message's RFC822.SIZE and internal */
	int64_t date;		/* date: a hit must match them too */
	void *blob;
};

struct cache_box {
	char *key;		/* "root\nname" */
	uint32_t uidvalidity;
	struct cache_ent *ents;	/* ascending UID */
	size_t n, cap;
	size_t bytes;
	uint64_t used;		/* search_cache_tick at the last search */
	struct cache_box *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_box *cache_boxes;
static size_t cache_bytes;
static uint64_t cache_tick;

static void
cache_box_free(struct cache_box *cb)
{
	size_t i;

	for (i = 0; i < cb->n; i++)
		free(cb->ents[i].blob);
	cache_bytes -= cb->bytes;
	free(cb->ents);
	free(cb->key);
	free(cb);
}

/* The mailbox's cache (made when `make`), under the lock. */
static struct cache_box *
cache_box_of(const struct gd_mailbox *box, bool make)
{
	const char *root = box->store->root != NULL ? box->store->root : "";
	size_t rl = strlen(root), nl = strlen(box->name);
	struct cache_box *cb;

	for (cb = cache_boxes; cb != NULL; cb = cb->next)
		if (cb->uidvalidity == box->uidvalidity &&
		    strncmp(cb->key, root, rl) == 0 && cb->key[rl] == '\n' &&
		    strcmp(cb->key + rl + 1, box->name) == 0)
			return cb;
	if (!make)
		return NULL;
	cb = gd_xcalloc(1, sizeof(*cb));
	cb->key = gd_xmalloc(rl + nl + 2);
	memcpy(cb->key, root, rl);
	cb->key[rl] = '\n';
	memcpy(cb->key + rl + 1, box->name, nl + 1);
	cb->uidvalidity = box->uidvalidity;
	cb->bytes = SEARCH_CACHE_BOX_COST;
	cache_bytes += cb->bytes;
	cb->next = cache_boxes;
	cache_boxes = cb;
	return cb;
}

/* Index of the first entry with uid >= `uid`. */
static size_t
cache_find(const struct cache_box *cb, uint32_t uid)
{
	size_t lo = 0, hi = cb->n, mid;

	if (cb->n > 0 && cb->ents[cb->n - 1].uid < uid)
		return cb->n;	/* appending in UID order: the usual case */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cb->ents[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Drop the least recently searched mailboxes but `keep` until `more`
 * bytes fit.  Whether they do. */
static bool
cache_make_room(const struct cache_box *keep, size_t more)
{
	struct cache_box **pp, **oldest;

	while (cache_bytes + more > SEARCH_CACHE_MAX) {
		oldest = NULL;
		for (pp = &cache_boxes; *pp != NULL; pp = &(*pp)->next)
			if (*pp != keep && (oldest == NULL ||
			    (*pp)->used < (*oldest)->used))
				oldest = pp;
		if (oldest == NULL)
			return false;
		{
			struct cache_box *gone = *oldest;

			*oldest = gone->next;
			cache_box_free(gone);
		}
	}
	return true;
}

bool
search_cache_usable(const struct gd_search_key *k)
{
	const struct gd_search_key *c;

	switch (k->op) {
	case GD_SEARCH_BODY:
	case GD_SEARCH_TEXT:
		return false;
	case GD_SEARCH_HEADER:
		return search_field_cached(k->u.header.field);
	default:
		for (c = k->children; c != NULL; c = c->next)
			if (!search_cache_usable(c))
				return false;
		return true;
	}
}

bool
search_cache_load(struct search_ctx *ctx)
{
	struct cache_box *cb;
	size_t i;
	bool hit = false;

	pthread_mutex_lock(&cache_lock);
	cb = cache_box_of(ctx->box, false);
	if (cb != NULL) {
		cb->used = ++cache_tick;
		i = cache_find(cb, ctx->msg->uid);
		if (i < cb->n && cb->ents[i].uid == ctx->msg->uid &&
		    cb->ents[i].size == ctx->msg->size &&
		    cb->ents[i].date == ctx->msg->internal_date) {
			search_content_unpack(ctx, cb->ents[i].blob,
			    cb->ents[i].len);
			hit = true;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return hit;
}

void
search_cache_store(struct search_ctx *ctx)
{
	struct cache_box *cb;
	struct cache_ent *e;
	size_t len, i, cost;
	void *blob = search_content_pack(ctx->content, &len);

	cost = len + SEARCH_CACHE_ENT_COST;
	pthread_mutex_lock(&cache_lock);
	cb = cache_box_of(ctx->box, true);
	cb->used = ++cache_tick;
	i = cache_find(cb, ctx->msg->uid);
	if (i < cb->n && cb->ents[i].uid == ctx->msg->uid) {
		/* Not the same message (size or date differ): replace. */
		cb->bytes -= cb->ents[i].len + SEARCH_CACHE_ENT_COST;
		cache_bytes -= cb->ents[i].len + SEARCH_CACHE_ENT_COST;
		free(cb->ents[i].blob);
		cb->n--;
		memmove(cb->ents + i, cb->ents + i + 1,
		    (cb->n - i) * sizeof(*e));
	}
	if (len > UINT32_MAX || !cache_make_room(cb, cost)) {
		pthread_mutex_unlock(&cache_lock);
		free(blob);
		return;
	}
	if (cb->n == cb->cap) {
		cb->cap = cb->cap * 2 + 64;
		cb->ents = gd_xrealloc(cb->ents, cb->cap * sizeof(*cb->ents));
	}
	memmove(cb->ents + i + 1, cb->ents + i, (cb->n - i) * sizeof(*e));
	e = &cb->ents[i];
	e->uid = ctx->msg->uid;
	e->len = (uint32_t)len;
	e->size = ctx->msg->size;
	e->date = ctx->msg->internal_date;
	e->blob = blob;
	cb->n++;
	cb->bytes += cost;
	cache_bytes += cost;
	pthread_mutex_unlock(&cache_lock);
}

void
search_cache_clear(void)
{
	struct cache_box *cb;

	pthread_mutex_lock(&cache_lock);
	while ((cb = cache_boxes) != NULL) {
		cache_boxes = cb->next;
		cache_box_free(cb);
	}
	pthread_mutex_unlock(&cache_lock);
}
