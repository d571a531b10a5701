/*
 * interim-search-content.c — TEMPORARY, until the message parser and the
 * codecs land on this branch: content keys cannot be evaluated yet, so
 * a search needing them fails with NOTSUPP.  search-content.c replaces
 * this file when they land; it must not reach a release.
 */
#include "config.h"

#include "mailbox-private.h"
#include "search-private.h"

int
search_content_load(struct search_ctx *ctx, const struct gd_search_key *key,
    struct gd_mail_error *err)
{
	(void)ctx;
	(void)key;
	gd_mail_error_set(err, GD_MAIL_ERR_NOTSUPP,
	    "header and body search keys need the message parser");
	return -1;
}

void
search_content_free(struct search_ctx *ctx)
{
	(void)ctx;
}

enum search_tri
search_content_eval(struct search_content *content,
    const struct gd_search_key *k)
{
	(void)content;
	(void)k;
	return SEARCH_UNKNOWN;
}
