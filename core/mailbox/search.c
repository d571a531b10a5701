/*
 * search.c — the generic search: the query tree is evaluated per message
 * in two passes.  The first uses only the view's metadata and answers
 * TRUE, FALSE or UNKNOWN (a header or body key decides); only messages
 * left UNKNOWN are read, once, by search-content.c, unless the header
 * cache (search-cache.c) has what the query's header keys need.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include <gumdrop/mail-search.h>

#include "mailbox-private.h"
#include "search-private.h"

#define DAY_SECONDS	86400

int64_t
gd_search_day(int year, unsigned month, unsigned mday)
{
	/* Days from civil (proleptic Gregorian), H. Hinnant's algorithm. */
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + mday - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

enum gd_search_cost
gd_search_key_cost(const struct gd_search_key *k)
{
	enum gd_search_cost cost = GD_SEARCH_COST_METADATA, c;
	const struct gd_search_key *child;

	switch (k->op) {
	case GD_SEARCH_SENT_BEFORE:
	case GD_SEARCH_SENT_ON:
	case GD_SEARCH_SENT_SINCE:
	case GD_SEARCH_HEADER:
		return GD_SEARCH_COST_HEADER;
	case GD_SEARCH_BODY:
	case GD_SEARCH_TEXT:
		return GD_SEARCH_COST_BODY;
	case GD_SEARCH_AND:
	case GD_SEARCH_OR:
	case GD_SEARCH_NOT:
		for (child = k->children; child != NULL; child = child->next)
			if ((c = gd_search_key_cost(child)) > cost)
				cost = c;
		return cost;
	default:
		return GD_SEARCH_COST_METADATA;
	}
}

static bool
search_in_set(const struct gd_search_key *k, uint32_t n)
{
	size_t i;

	for (i = 0; i < k->u.set.count; i++)
		if (n >= k->u.set.ranges[i].first &&
		    n <= k->u.set.ranges[i].last)
			return true;
	return false;
}

static int64_t
search_day_of(int64_t t)
{
	return t >= 0 ? t / DAY_SECONDS : (t - DAY_SECONDS + 1) / DAY_SECONDS;
}

/* The message's internal date (read now if the view lacks it). */
static int64_t
search_date(struct search_ctx *ctx)
{
	return gd_mailbox_internal_date(ctx->box, ctx->seq);
}

static int64_t
search_day(struct search_ctx *ctx)
{
	return search_day_of(search_date(ctx));
}

static enum search_tri
search_tri(bool b)
{
	return b ? SEARCH_TRUE : SEARCH_FALSE;
}

static enum search_tri
search_keyword(const struct search_ctx *ctx, const struct gd_mail_msg *m,
    const char *name)
{
	int i = gd_mailbox_keyword_index(ctx->box, name);

	return search_tri(i >= 0 && (m->keywords >> i) & 1);
}

static enum search_tri search_list(struct search_ctx *ctx,
    const struct gd_search_key *k, bool any);

/* NOT of a tri-state value. */
static enum search_tri
search_not(enum search_tri t)
{
	return t == SEARCH_UNKNOWN ? t : search_tri(t == SEARCH_FALSE);
}

static enum search_tri
search_meta(struct search_ctx *ctx, const struct gd_search_key *k)
{
	const struct gd_mail_msg *m = ctx->msg;

	switch (k->op) {
	case GD_SEARCH_SEQSET:
		return search_tri(search_in_set(k, ctx->seq));
	case GD_SEARCH_UIDSET:
		return search_tri(search_in_set(k, m->uid));
	case GD_SEARCH_FLAGS:
		return search_tri((m->flags & k->u.flags) == k->u.flags);
	case GD_SEARCH_KEYWORD:
		return search_keyword(ctx, m, k->u.text);
	case GD_SEARCH_BEFORE:
		return search_tri(search_day(ctx) < k->u.day);
	case GD_SEARCH_ON:
		return search_tri(search_day(ctx) == k->u.day);
	case GD_SEARCH_SINCE:
		return search_tri(search_day(ctx) >= k->u.day);
	case GD_SEARCH_LARGER:
		return search_tri(m->size > k->u.number);
	case GD_SEARCH_SMALLER:
		return search_tri(m->size < k->u.number);
	case GD_SEARCH_MODSEQ:
		return search_tri(m->modseq >= k->u.number);
	case GD_SEARCH_OLDER:
		return search_tri(search_date(ctx) <=
		    ctx->now - (int64_t)k->u.number);
	case GD_SEARCH_YOUNGER:
		return search_tri(search_date(ctx) >=
		    ctx->now - (int64_t)k->u.number);
	default:
		return SEARCH_UNKNOWN;
	}
}

enum search_tri
search_eval(struct search_ctx *ctx, const struct gd_search_key *k)
{
	switch (k->op) {
	case GD_SEARCH_ALL:
		return SEARCH_TRUE;
	case GD_SEARCH_AND:
		return search_list(ctx, k, false);
	case GD_SEARCH_OR:
		return search_list(ctx, k, true);
	case GD_SEARCH_NOT:
		return k->children != NULL ?
		    search_not(search_eval(ctx, k->children)) : SEARCH_FALSE;
	case GD_SEARCH_SENT_BEFORE:
	case GD_SEARCH_SENT_ON:
	case GD_SEARCH_SENT_SINCE:
	case GD_SEARCH_HEADER:
	case GD_SEARCH_BODY:
	case GD_SEARCH_TEXT:
		return ctx->content != NULL ?
		    search_content_eval(ctx->content, k) : SEARCH_UNKNOWN;
	default:
		return search_meta(ctx, k);
	}
}

/* AND (any=false) or OR (any=true) over the children, short-circuit. */
static enum search_tri
search_list(struct search_ctx *ctx, const struct gd_search_key *k, bool any)
{
	enum search_tri res = any ? SEARCH_FALSE : SEARCH_TRUE, t;
	const struct gd_search_key *c;

	for (c = k->children; c != NULL; c = c->next) {
		t = search_eval(ctx, c);
		if (t == search_tri(any))
			return t;
		if (t == SEARCH_UNKNOWN)
			res = SEARCH_UNKNOWN;
	}
	return res;
}

/* Decide one message, reading it only if the metadata cannot. */
static int
search_one(struct search_ctx *ctx, const struct gd_search_key *key,
    bool *match_r, struct gd_mail_error *err)
{
	enum search_tri t;

	ctx->content = NULL;
	t = search_eval(ctx, key);
	if (t == SEARCH_UNKNOWN) {
		if (ctx->cacheable && search_cache_load(ctx)) {
			t = search_eval(ctx, key);
			search_content_free(ctx);
			*match_r = t == SEARCH_TRUE;
			return 0;
		}
		if (search_content_load(ctx, key, err) < 0)
			return -1;
		if (ctx->cacheable)
			search_cache_store(ctx);
		t = search_eval(ctx, key);
		search_content_free(ctx);
	}
	*match_r = t == SEARCH_TRUE;
	return 0;
}

int
gd_mail_search_generic(struct gd_mailbox *box, const struct gd_search_key *key,
    gd_mail_seq_fn *match, void *arg, struct gd_mail_error *err)
{
	struct search_ctx ctx = { .box = box, .now = time(NULL) };
	struct gd_mail_error e;
	bool matched;

	MAIL_ASSERT_BLOCKING();
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	ctx.cost = gd_search_key_cost(key);
	ctx.cacheable = ctx.cost == GD_SEARCH_COST_HEADER &&
	    search_cache_usable(key);
	for (ctx.seq = 1; ctx.seq <= box->count; ctx.seq++) {
		ctx.msg = &box->msgs[ctx.seq - 1];
		if (ctx.msg->flags & GD_MAIL_EXPUNGED)
			continue;
		if (search_one(&ctx, key, &matched, &e) < 0) {
			/* A message gone meanwhile simply does not match. */
			if (e.code == GD_MAIL_ERR_EXPUNGED)
				continue;
			if (err != NULL)
				*err = e;
			return -1;
		}
		if (matched)
			match(arg, ctx.seq);
	}
	return 0;
}
