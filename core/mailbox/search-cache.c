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
 * lookups copy the entry out (search_content_unpack).  The engine is the
 * message caches' (mail-cache.c, gd_mail_cache_*), shared with IMAP's
 * ENVELOPE/BODYSTRUCTURE cache.  The search index module of a later
 * issue replaces this behind gd_mailbox_search.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "mailbox-private.h"
#include "search-private.h"

#define SEARCH_CACHE_MAX	(32u * 1024 * 1024)

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static struct gd_mail_cache *cache;

static void
cache_init(void)
{
	cache = gd_mail_cache_new(SEARCH_CACHE_MAX);
}

static struct gd_mail_cache *
cache_get(void)
{
	pthread_once(&cache_once, cache_init);
	return cache;
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

static void
cache_copy(void *arg, const void *blob, size_t len)
{
	search_content_unpack(arg, blob, len);
}

bool
search_cache_load(struct search_ctx *ctx)
{
	struct gd_mail_cache_key k;

	gd_mail_cache_key_of(ctx->box, ctx->msg, &k);
	return gd_mail_cache_get(cache_get(), &k, cache_copy, ctx);
}

void
search_cache_store(struct search_ctx *ctx)
{
	struct gd_mail_cache_key k;
	size_t len;
	void *blob = search_content_pack(ctx->content, &len);

	gd_mail_cache_key_of(ctx->box, ctx->msg, &k);
	gd_mail_cache_put(cache_get(), &k, blob, len);
	free(blob);
}

void
search_cache_clear(void)
{
	gd_mail_cache_clear(cache_get());
}
