/*
 * msg-parser.c — the streaming message parser: creating, feeding and
 * finishing it, and the one-shot header parser built on it.
 *
 * Input is consumed by the handler of the current state (header block,
 * body, or counting only), each taking what it can of the chunk; a state
 * change hands the rest of the chunk to the next handler.  Nothing but a
 * field (bounded) and a candidate boundary line (bounded) outlives a
 * chunk, so any chunking gives the same result.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/pool.h>

#include "message-private.h"

#define MSG_DEF_HEADER_SIZE	(256 * 1024)
#define MSG_DEF_HEADER_FIELDS	1000
#define MSG_DEF_DEPTH		32
#define MSG_DEF_PARTS		2000

struct msg_hdr_ctx {
	gd_msg_field_fn *fn;
	void *ctx;
};

static void parser_feed_one(struct gd_msg_parser *p, const unsigned char *d,
    size_t len);
static void hdr_adapter(void *ctx, const struct gd_mime_part *part,
    const struct gd_msg_field *field);

void
gd_msg_limits_default(struct gd_msg_limits *limits)
{
	limits->max_header_size = MSG_DEF_HEADER_SIZE;
	limits->max_header_fields = MSG_DEF_HEADER_FIELDS;
	limits->max_depth = MSG_DEF_DEPTH;
	limits->max_parts = MSG_DEF_PARTS;
}

struct gd_msg_parser *
gd_msg_parser_create(struct gd_pool *pool, const struct gd_msg_limits *limits,
    const struct gd_msg_callbacks *cb, void *ctx)
{
	struct gd_msg_parser *p;
	struct gd_msg_limits def;

	gd_msg_limits_default(&def);
	p = gd_pool_alloc(pool, sizeof(*p));
	p->magic = MSG_PARSER_MAGIC;
	p->pool = pool;
	p->limits = def;
	if (limits != NULL) {
		if (limits->max_header_size != 0)
			p->limits.max_header_size = limits->max_header_size;
		if (limits->max_header_fields != 0)
			p->limits.max_header_fields = limits->max_header_fields;
		if (limits->max_depth != 0)
			p->limits.max_depth = limits->max_depth;
		if (limits->max_parts != 0)
			p->limits.max_parts = limits->max_parts;
	}
	if (cb != NULL)
		p->cb = *cb;
	p->ctx = ctx;
	p->state = MSG_ST_HEADER;
	p->root = msg_part_new(p, NULL, 0, true);
	p->cur = p->root;
	return p;
}

/* The byte at `off`, which is in the current chunk or one of the two bytes
 * just before it. */
unsigned char
msg_byte_at(const struct gd_msg_parser *p, uint64_t off)
{
	if (off >= p->chunk_off)
		return p->chunk[off - p->chunk_off];
	if (off + 1 == p->chunk_off)
		return p->prev0;
	if (off + 2 == p->chunk_off)
		return p->prev1;
	return 0;
}

/* A LF at `lf_off` (after a CR if `cr`) ended a line: remember where its
 * line break starts, and count the LF. */
void
msg_term_record(struct gd_msg_parser *p, uint64_t lf_off, bool cr)
{
	uint64_t t = cr ? lf_off - 1 : lf_off;

	p->term.off = t;
	p->term.lf = p->lf;
	p->term.after_lf = t > 0 && msg_byte_at(p, t - 1) == '\n';
	p->lf++;
	p->line_off = lf_off + 1;
}

/* Hand the chunk to the handler of the current state, and what it left
 * (after a state change) to the next one. */
static void
parser_feed_one(struct gd_msg_parser *p, const unsigned char *d, size_t len)
{
	size_t n;

	while (len > 0) {
		switch (p->state) {
		case MSG_ST_HEADER:
			n = msg_header_feed(p, d, len);
			break;
		case MSG_ST_BODY:
			n = msg_body_feed(p, d, len);
			break;
		default:
			p->lf += msg_count_lf(d, len);
			n = len;
			break;
		}
		assert(n <= len);
		p->off += n;
		d += n;
		len -= n;
	}
}

void
gd_msg_parser_feed(struct gd_msg_parser *p, const void *data, size_t len)
{
	const unsigned char *d = data;

	GD_CHECK_MAGIC(p, MSG_PARSER_MAGIC);
	assert(!p->finished);
	if (len == 0)
		return;
	p->chunk = d;
	p->chunk_off = p->off;
	parser_feed_one(p, d, len);
	assert(p->off == p->chunk_off + len);
	p->prev1 = len >= 2 ? d[len - 2] : p->prev0;
	p->prev0 = d[len - 1];
	p->chunk = NULL;
	p->chunk_off = p->off;
}

void
gd_msg_parser_stop_at_body(struct gd_msg_parser *p)
{
	GD_CHECK_MAGIC(p, MSG_PARSER_MAGIC);
	p->stop_at_body = true;
	if (p->root->state != MSG_PART_HEADER && !p->finished) {
		/* Past the root's header already: count from here on. */
		if (p->state == MSG_ST_BODY)
			msg_body_drop_hold(p);
		p->state = MSG_ST_COUNT;
	}
}

const struct gd_mime_part *
gd_msg_parser_finish(struct gd_msg_parser *p)
{
	struct msg_term end;

	GD_CHECK_MAGIC(p, MSG_PARSER_MAGIC);
	if (p->finished)
		return &p->root->pub;
	p->chunk = NULL;
	p->chunk_off = p->off;
	if (p->state == MSG_ST_HEADER)
		msg_header_finish(p);
	if (p->state == MSG_ST_BODY)
		msg_body_finish(p);
	end.off = p->off;
	end.lf = p->lf;
	end.after_lf = p->off > 0 && p->prev0 == '\n';
	while (p->cur != NULL)
		msg_part_close(p, &end);
	if (p->off == 0)
		p->flags |= GD_MSG_EMPTY;
	p->finished = true;
	return &p->root->pub;
}

unsigned
gd_msg_parser_flags(const struct gd_msg_parser *p)
{
	GD_CHECK_MAGIC(p, MSG_PARSER_MAGIC);
	return p->flags;
}

unsigned
gd_msg_parser_part_count(const struct gd_msg_parser *p)
{
	GD_CHECK_MAGIC(p, MSG_PARSER_MAGIC);
	return p->nparts;
}

static void
hdr_adapter(void *ctx, const struct gd_mime_part *part,
    const struct gd_msg_field *field)
{
	struct msg_hdr_ctx *h = ctx;

	(void)part;
	h->fn(h->ctx, field);
}

size_t
gd_msg_header_parse(const void *data, size_t len,
    const struct gd_msg_limits *limits, gd_msg_field_fn *fn, void *ctx)
{
	struct gd_pool *pool = gd_pool_create("msg-header");
	struct gd_msg_callbacks cb = { 0 };
	struct msg_hdr_ctx h = { fn, ctx };
	struct gd_msg_parser *p;
	size_t size;

	cb.header_field = fn != NULL ? hdr_adapter : NULL;
	p = gd_msg_parser_create(pool, limits, &cb, &h);
	gd_msg_parser_stop_at_body(p);
	gd_msg_parser_feed(p, data, len);
	size = (size_t)gd_msg_parser_finish(p)->header_size;
	gd_pool_destroy(&pool);
	return size;
}
