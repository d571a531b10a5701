/*
 * search-private.h — between search.c (the query tree, metadata keys)
 * and search-content.c (header and body keys, reading the message).
 */
#ifndef GD_SEARCH_PRIVATE_H
#define GD_SEARCH_PRIVATE_H

#include <gumdrop/mail-search.h>
#include <gumdrop/mailbox.h>

enum search_tri {
	SEARCH_FALSE = 0,
	SEARCH_TRUE,
	SEARCH_UNKNOWN,
};

struct search_content;

struct search_ctx {
	struct gd_mailbox *box;
	uint32_t seq;
	const struct gd_mail_msg *msg;
	int64_t now;
	enum gd_search_cost cost;	/* of the whole query */
	bool cacheable;			/* search_cache_usable(query) */
	struct search_content *content;	/* the message read, or NULL */
};

/* Evaluate `k` for ctx's message (UNKNOWN while content is not read). */
enum search_tri search_eval(struct search_ctx *ctx,
    const struct gd_search_key *k);

/*
 * Read ctx's message as far as the query needs (header only, or the
 * whole message) and keep what the content keys of `key` look for in
 * ctx->content.  0, or -1 with *err.  BLOCKING.
 */
int search_content_load(struct search_ctx *ctx,
    const struct gd_search_key *key, struct gd_mail_error *err);
void search_content_free(struct search_ctx *ctx);

/* A header or body key, once the content is loaded. */
enum search_tri search_content_eval(struct search_content *content,
    const struct gd_search_key *k);

/* Whether header field `name` is one the cache keeps. */
bool search_field_cached(const char *name);
/* The cached part of a loaded content (the cached fields, the sent date)
 * as one malloc'd blob of *len_r bytes; and ctx->content made from one
 * (a copy: free it with search_content_free). */
void *search_content_pack(const struct search_content *sc, size_t *len_r);
void search_content_unpack(struct search_ctx *ctx, const void *blob,
    size_t len);

/*
 * The header cache (search-cache.c): process-wide, bounded, by mailbox
 * (store root, name, UIDVALIDITY) and UID.  search_cache_usable: whether
 * every content key of `key` can be answered from it (no BODY/TEXT, only
 * the cached header fields and SENT*).  search_cache_load: sets
 * ctx->content for ctx's message from the cache; false on a miss.
 * search_cache_store: keeps ctx->content (just loaded from the message)
 * for ctx's message.  search_cache_clear: drops everything (tests).
 */
bool search_cache_usable(const struct gd_search_key *key);
bool search_cache_load(struct search_ctx *ctx);
void search_cache_store(struct search_ctx *ctx);
void search_cache_clear(void);

#endif /* GD_SEARCH_PRIVATE_H */
