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

#endif /* GD_SEARCH_PRIVATE_H */
