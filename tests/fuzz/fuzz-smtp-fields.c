/*
 * fuzz-smtp-fields.c — libFuzzer target for the delivered copy's pure
 * code: the added-field builder (modules/smtp/smtp-field.c) and
 * local-delivery's header filter (ld-filter.c).  Checks: a built field
 * ends with CRLF, every CR starts CRLF WSP, no line passes 998, and a
 * plain value unfolds back to "name: value"; the filter gives the same
 * output fed whole or one byte at a time, never more bytes than it got,
 * exactly the input when it dropped nothing, and holds at most its
 * bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/pool.h>

#include "smtp-parse.h"
#include "ld-filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX	8192

struct fz_sink {
	char buf[FZ_MAX];
	size_t len;
};

static int
fz_out(void *ctx, const void *buf, size_t len)
{
	struct fz_sink *k = ctx;

	if (k->len + len > sizeof(k->buf))
		abort();
	memcpy(k->buf + k->len, buf, len);
	k->len += len;
	return 0;
}

/* Drop fields whose name starts with X or x. */
static bool
fz_match(void *ctx, const struct gd_msg_field *f)
{
	(void)ctx;
	if (f->name_len == 0 || strlen(f->name) != f->name_len)
		abort();
	return f->name[0] == 'X' || f->name[0] == 'x';
}

static void
fz_field(const char *name, const char *value)
{
	static char out[3 * FZ_MAX + 16], joined[3 * FZ_MAX + 16];
	size_t bound = smtp_field_bound(name, value), len, i, col = 0, n = 0;

	if (smtp_field_build(out, bound, name, value, &len) != SMTP_FIELD_GOOD)
		return;
	if (len < 2 || len >= bound || memcmp(out + len - 2, "\r\n", 2) != 0)
		abort();
	for (i = 0; i + 2 < len; i++) {
		if (out[i] == '\r') {
			if (out[i + 1] != '\n' || (out[i + 2] != ' ' &&
			    out[i + 2] != '\t') || col > 998)
				abort();
			col = 0;
			i++;
			continue;
		}
		if (out[i] == '\n' || out[i] == '\0')
			abort();
		joined[n++] = out[i];
		col++;
	}
	if (col > 998)
		abort();
	if (strchr(value, '\r') == NULL && (n != strlen(name) + 2 +
	    strlen(value) || memcmp(joined + strlen(name) + 2, value,
	    strlen(value)) != 0))
		abort();
}

static size_t
fz_filter(const uint8_t *data, size_t size, size_t step, struct fz_sink *k,
    unsigned *dropped)
{
	struct gd_pool *pool = gd_pool_create("fuzz");
	struct ld_filter f;
	size_t off, n;

	k->len = 0;
	ld_filter_init(&f, pool, 256, fz_match, NULL, fz_out, k);
	for (off = 0; off < size; off += n) {
		n = step == 0 || size - off < step ? size - off : step;
		if (ld_filter_write(&f, data + off, n) < 0 || f.len > 256)
			abort();
	}
	if (ld_filter_end(&f) < 0)
		abort();
	*dropped = f.dropped;
	gd_pool_destroy(&pool);
	return k->len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_sink a, b;
	static char name[FZ_MAX + 1], value[FZ_MAX + 1];
	const uint8_t *nul;
	size_t nlen;
	unsigned da, db;

	if (size > FZ_MAX)
		return 0;
	/* name NUL value */
	nul = memchr(data, '\0', size);
	nlen = nul != NULL ? (size_t)(nul - data) : 0;
	memcpy(name, data, nlen);
	name[nlen] = '\0';
	memcpy(value, data + (nul != NULL ? nlen + 1 : 0),
	    size - (nul != NULL ? nlen + 1 : 0));
	value[size - (nul != NULL ? nlen + 1 : 0)] = '\0';
	fz_field(name, value);
	/* The same bytes as content through the filter. */
	fz_filter(data, size, 0, &a, &da);
	fz_filter(data, size, 1, &b, &db);
	if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0 || da != db ||
	    a.len > size || (da == 0 && (a.len != size ||
	    memcmp(a.buf, data, size) != 0)))
		abort();
	return 0;
}
