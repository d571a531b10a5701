/*
 * msg-test-util.h — shared by the message parser tests and its fuzz
 * target: parse with any chunking and record everything the parser
 * reports (callbacks and the final tree) as text, so that two runs can be
 * compared byte for byte.  No Criterion here: the fuzz target uses it.
 */
#ifndef GD_MSG_TEST_UTIL_H
#define GD_MSG_TEST_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/message.h>
#include <gumdrop/pool.h>

struct msg_trace {
	char *buf;
	size_t len, cap;
	const struct gd_mime_part *body_part;	/* last record was its body */
};

struct msg_run {
	struct gd_pool *pool;
	struct gd_msg_parser *parser;
	const struct gd_mime_part *root;
	struct msg_trace trace;		/* callbacks */
	struct msg_trace tree;		/* the final tree */
	unsigned flags;
	unsigned parts;
};

static void
tr_put(struct msg_trace *t, const void *d, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->buf = realloc(t->buf, t->cap);
		if (t->buf == NULL)
			abort();
	}
	memcpy(t->buf + t->len, d, n);
	t->len += n;
	t->buf[t->len] = '\0';
	t->body_part = NULL;
}

static void GD_PRINTF(2, 3)
tr_printf(struct msg_trace *t, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	tr_put(t, tmp, n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void
tr_str(struct msg_trace *t, const char *s)
{
	if (s == NULL) {
		tr_put(t, "(nil)", 5);
		return;
	}
	tr_put(t, "\"", 1);
	tr_put(t, s, strlen(s));
	tr_put(t, "\"", 1);
}

/* The part's section path: "1.2.1" (the root is "1"). */
static void
tr_path(struct msg_trace *t, const struct gd_mime_part *part)
{
	unsigned idx[64], n = 0;

	for (; part != NULL && n < 64; part = part->parent)
		idx[n++] = part->index;
	while (n > 0) {
		n--;
		tr_printf(t, n > 0 ? "%u." : "%u", idx[n]);
	}
}

static void
tr_on_field(void *ctx, const struct gd_mime_part *part,
    const struct gd_msg_field *f)
{
	struct msg_trace *t = &((struct msg_run *)ctx)->trace;

	if (strlen(f->name) > f->name_len || f->name[f->name_len] != '\0' ||
	    f->raw[f->raw_len] != '\0' || f->value[f->value_len] != '\0')
		abort();
	tr_put(t, "F ", 2);
	tr_path(t, part);
	tr_printf(t, " %zu:", f->name_len);
	tr_put(t, f->name, f->name_len);
	tr_printf(t, " %zu:", f->raw_len);
	tr_put(t, f->raw, f->raw_len);
	tr_printf(t, " %zu:", f->value_len);
	tr_put(t, f->value, f->value_len);
	tr_printf(t, " @%llu+%llu fl=%x\n", (unsigned long long)f->offset,
	    (unsigned long long)f->size, f->flags);
}

static void
tr_on_header_end(void *ctx, const struct gd_mime_part *part)
{
	struct msg_trace *t = &((struct msg_run *)ctx)->trace;

	tr_put(t, "H ", 2);
	tr_path(t, part);
	tr_put(t, "\n", 1);
}

static void
tr_on_body(void *ctx, const struct gd_mime_part *part, const void *d,
    size_t n)
{
	struct msg_trace *t = &((struct msg_run *)ctx)->trace;

	if (n == 0)
		abort();	/* the parser never reports empty chunks */
	if (t->body_part != part) {
		tr_put(t, "B ", 2);
		tr_path(t, part);
		tr_put(t, ":", 1);
	}
	tr_put(t, d, n);
	t->body_part = part;
}

static void
tr_on_part_end(void *ctx, const struct gd_mime_part *part)
{
	struct msg_trace *t = &((struct msg_run *)ctx)->trace;

	tr_put(t, "\nE ", 3);
	tr_path(t, part);
	tr_put(t, "\n", 1);
}

static void
tr_params(struct msg_trace *t, const char *what,
    const struct gd_mime_param *p)
{
	for (; p != NULL; p = p->next) {
		tr_printf(t, "  %s ", what);
		tr_str(t, p->name);
		tr_put(t, "=", 1);
		tr_str(t, p->value);
		tr_put(t, " raw=", 5);
		tr_str(t, p->raw_value);
		tr_put(t, " cs=", 4);
		tr_str(t, p->charset);
		tr_put(t, " lang=", 6);
		tr_str(t, p->language);
		tr_put(t, "\n", 1);
	}
}

static void
tr_envelope(struct msg_trace *t, const struct gd_msg_envelope *e)
{
	const char *const v[] = { e->date, e->subject, e->from, e->sender,
	    e->reply_to, e->to, e->cc, e->bcc, e->in_reply_to,
	    e->message_id };
	size_t i;

	tr_put(t, "  env", 5);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tr_put(t, " ", 1);
		tr_str(t, v[i]);
	}
	tr_put(t, "\n", 1);
}

/* Check the tree's invariants (abort on failure) and print it. */
static void
tr_tree(struct msg_trace *t, const struct gd_mime_part *part, uint64_t total)
{
	const struct gd_mime_part *c;
	uint64_t end = part->body_offset + part->body_size;

	if (part->header_offset + part->header_size != part->body_offset ||
	    end > total || (part->envelope != NULL) != part->is_message)
		abort();
	tr_put(t, "P ", 2);
	tr_path(t, part);
	tr_printf(t, " d=%u fl=%x msg=%d h=%llu+%llu/%llu b=%llu+%llu/%llu ",
	    part->depth, part->flags, part->is_message,
	    (unsigned long long)part->header_offset,
	    (unsigned long long)part->header_size,
	    (unsigned long long)part->header_lines,
	    (unsigned long long)part->body_offset,
	    (unsigned long long)part->body_size,
	    (unsigned long long)part->body_lines);
	tr_printf(t, "%s/%s (%s/%s) b=", part->type, part->subtype,
	    part->type_raw, part->subtype_raw);
	tr_str(t, part->boundary);
	tr_put(t, " cte=", 5);
	tr_str(t, part->encoding);
	tr_put(t, " id=", 4);
	tr_str(t, part->id);
	tr_put(t, " desc=", 6);
	tr_str(t, part->description);
	tr_put(t, " md5=", 5);
	tr_str(t, part->md5);
	tr_put(t, " loc=", 5);
	tr_str(t, part->location);
	tr_put(t, " lang=", 6);
	tr_str(t, part->language);
	tr_put(t, " disp=", 6);
	tr_str(t, part->disposition);
	tr_printf(t, " pre=%llu+%llu epi=%llu+%llu\n",
	    (unsigned long long)part->preamble_offset,
	    (unsigned long long)part->preamble_size,
	    (unsigned long long)part->epilogue_offset,
	    (unsigned long long)part->epilogue_size);
	tr_params(t, "tp", part->type_params);
	tr_params(t, "dp", part->disposition_params);
	if (part->envelope != NULL)
		tr_envelope(t, part->envelope);
	for (c = part->children; c != NULL; c = c->next) {
		if (c->parent != part || c->depth != part->depth + 1 ||
		    c->header_offset < part->body_offset ||
		    c->body_offset + c->body_size > end)
			abort();
		tr_tree(t, c, total);
	}
}

static const struct gd_msg_callbacks msg_trace_cb = {
	tr_on_field, tr_on_header_end, tr_on_body, tr_on_part_end,
};

/* Parse `data` fed in pieces of `step` bytes (0: sizes from a simple
 * generator seeded with `step`'s complement...; here step >= 1). */
static void
msg_run_parse(struct msg_run *r, const void *data, size_t len, size_t step,
    const struct gd_msg_limits *limits, bool body_cb)
{
	struct gd_msg_callbacks cb = msg_trace_cb;
	const unsigned char *d = data;
	size_t off = 0, n;

	memset(r, 0, sizeof(*r));
	if (!body_cb)
		cb.body = NULL;
	r->pool = gd_pool_create("msg-test");
	r->parser = gd_msg_parser_create(r->pool, limits, &cb, r);
	while (off < len) {
		n = len - off < step ? len - off : step;
		gd_msg_parser_feed(r->parser, d + off, n);
		off += n;
	}
	r->root = gd_msg_parser_finish(r->parser);
	r->flags = gd_msg_parser_flags(r->parser);
	r->parts = gd_msg_parser_part_count(r->parser);
	tr_printf(&r->tree, "flags=%x parts=%u\n", r->flags, r->parts);
	tr_tree(&r->tree, r->root, len);
}

static void
msg_run_free(struct msg_run *r)
{
	gd_pool_destroy(&r->pool);
	free(r->trace.buf);
	free(r->tree.buf);
	memset(r, 0, sizeof(*r));
}

#endif /* GD_MSG_TEST_UTIL_H */
