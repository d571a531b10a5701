/*
 * ld-filter.c — the header filter of the delivered copy (gumdrop/smtp.h,
 * drop_fields): the top-level header passes through one field at a time;
 * each complete field is offered to a predicate and written out unless
 * it says drop.  Memory is bounded: a field longer than the bound is
 * written out as it comes (kept, and counted in `overflowed`).  After
 * the empty line that ends the header, bytes pass straight through.
 * Pure: no loop, no smtp; works when fed one byte at a time.
 */
#include <string.h>

#include "ld-filter.h"

enum {
	LD_FILTER_BOL = 0,	/* at the start of a header line */
	LD_FILTER_LINE,		/* inside a header line */
	LD_FILTER_BODY,		/* the header ended */
};

void
ld_filter_init(struct ld_filter *f, struct gd_pool *pool, size_t bound,
    ld_filter_match_fn *match, void *match_ctx, ld_filter_out_fn *out,
    void *out_ctx)
{
	memset(f, 0, sizeof(*f));
	f->cap = bound;
	f->field = gd_pool_alloc(pool, bound + 1);
	f->scratch = gd_pool_alloc(pool, bound + 1);
	f->match = match;
	f->match_ctx = match_ctx;
	f->out = out;
	f->out_ctx = out_ctx;
	f->state = LD_FILTER_BOL;
}

static bool
ld_filter_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* The unfolded value of raw[0, n) into f->scratch (message.h). */
static size_t
ld_filter_unfold(struct ld_filter *f, const char *raw, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			f->scratch[len++] = raw[i];
	while (len > 0 && ld_filter_wsp(f->scratch[len - 1]))
		len--;
	i = 0;
	while (i < len && ld_filter_wsp(f->scratch[i]))
		i++;
	memmove(f->scratch, f->scratch + i, len - i);
	f->scratch[len - i] = '\0';
	return len - i;
}

static unsigned
ld_filter_flags(const char *p, size_t n)
{
	unsigned flags = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)p[i] >= 0x80)
			flags |= GD_MSG_FIELD_8BIT;
		else if (p[i] == '\0')
			flags |= GD_MSG_FIELD_NUL;
	}
	return flags;
}

/*
 * Ask about the held field (it ends with its line break).  true: drop
 * it.  Name and raw value are cut with NULs in place, then restored.
 */
static bool
ld_filter_ask(struct ld_filter *f)
{
	struct gd_msg_field fld;
	char *buf = f->field, *colon, save_name, save_raw;
	size_t end = f->len, name_len;
	bool drop;

	colon = memchr(buf, ':', f->len);
	if (colon == NULL || colon == buf)
		return false;
	name_len = (size_t)(colon - buf);
	while (name_len > 0 && ld_filter_wsp(buf[name_len - 1]))
		name_len--;
	if (name_len == 0 || memchr(buf, '\0', name_len) != NULL)
		return false;
	end -= 1 + (end >= 2 && buf[end - 2] == '\r');	/* the break */
	memset(&fld, 0, sizeof(fld));
	fld.name = buf;
	fld.name_len = name_len;
	fld.raw = colon + 1;
	fld.raw_len = end - (size_t)(colon + 1 - buf);
	fld.value_len = ld_filter_unfold(f, fld.raw, fld.raw_len);
	fld.value = f->scratch;
	fld.offset = f->field_at;
	fld.size = f->len;
	fld.flags = ld_filter_flags(buf, f->len);
	save_name = buf[name_len];
	save_raw = buf[end];
	buf[end] = '\0';
	buf[name_len] = '\0';
	drop = f->match(f->match_ctx, &fld);
	buf[name_len] = save_name;
	buf[end] = save_raw;
	return drop;
}

/* The held field is complete (or the content ended): out or drop. */
static int
ld_filter_flush(struct ld_filter *f)
{
	bool complete = f->len > 0 && f->field[f->len - 1] == '\n';
	int ret = 0;

	if (f->len == 0)
		return 0;
	if (complete && ld_filter_ask(f))
		f->dropped++;
	else
		ret = f->out(f->out_ctx, f->field, f->len);
	f->len = 0;
	f->held = false;
	return ret;
}

/* A header line starts with `c`: decide what it belongs to. */
static int
ld_filter_bol(struct ld_filter *f, char c, uint64_t at)
{
	if (ld_filter_wsp(c) && (f->held || f->passing)) {
		f->state = LD_FILTER_LINE;	/* a continuation */
		return 0;
	}
	f->passing = false;
	if (ld_filter_flush(f) < 0)
		return -1;
	if (c == '\r' || c == '\n') {
		f->state = LD_FILTER_BODY;	/* the empty line */
		return 0;
	}
	f->held = true;
	f->field_at = at;
	f->state = LD_FILTER_LINE;
	return 0;
}

/* Bytes of the current line up to its LF: held, or out when too long. */
static int
ld_filter_take(struct ld_filter *f, const char *buf, size_t n)
{
	if (f->passing)
		return f->out(f->out_ctx, buf, n);
	if (f->len + n <= f->cap) {
		memcpy(f->field + f->len, buf, n);
		f->len += n;
		return 0;
	}
	f->overflowed++;
	f->passing = true;
	f->held = false;
	if (f->len > 0 && f->out(f->out_ctx, f->field, f->len) < 0)
		return -1;
	f->len = 0;
	return f->out(f->out_ctx, buf, n);
}

int
ld_filter_write(struct ld_filter *f, const void *data, size_t len)
{
	const char *buf = data, *lf;
	size_t n;

	while (len > 0) {
		if (f->state == LD_FILTER_BODY)
			return f->out(f->out_ctx, buf, len);
		if (f->state == LD_FILTER_BOL &&
		    ld_filter_bol(f, buf[0], f->offset) < 0)
			return -1;
		if (f->state == LD_FILTER_BODY)
			continue;
		lf = memchr(buf, '\n', len);
		n = lf != NULL ? (size_t)(lf - buf) + 1 : len;
		if (ld_filter_take(f, buf, n) < 0)
			return -1;
		if (lf != NULL)
			f->state = LD_FILTER_BOL;
		f->offset += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int
ld_filter_end(struct ld_filter *f)
{
	if (f->state == LD_FILTER_BODY)
		return 0;
	f->passing = false;
	return ld_filter_flush(f);
}
