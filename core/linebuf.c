/*
 * linebuf.c — input buffer and CRLF line framing (no I/O).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gumdrop/common.h>

#include "linebuf-private.h"

static void linebuf_reset_if_empty(struct gd_linebuf *lb);
static enum gd_linebuf_result linebuf_take(struct gd_linebuf *lb,
    const char *lf, const char **line_r, size_t *len_r);

void
gd_linebuf_init(struct gd_linebuf *lb, size_t size, size_t max_line)
{
	assert(max_line >= 2 && size >= max_line && size < (1u << 31));
	memset(lb, 0, sizeof(*lb));
	lb->size = (uint32_t)size;
	lb->max_line = (uint32_t)max_line;
}

void
gd_linebuf_deinit(struct gd_linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->start = lb->end = lb->scan = 0;
	lb->discarding = false;
}

static void
linebuf_reset_if_empty(struct gd_linebuf *lb)
{
	if (lb->start == lb->end)
		lb->start = lb->end = lb->scan = 0;
}

char *
gd_linebuf_space(struct gd_linebuf *lb, size_t *len_r)
{
	if (lb->buf == NULL)
		lb->buf = gd_xmalloc(lb->size);
	linebuf_reset_if_empty(lb);
	if (lb->end == lb->size && lb->start > 0) {
		/* UNSAFE: move the unconsumed tail to the front. */
		memmove(lb->buf, lb->buf + lb->start, lb->end - lb->start);
		lb->end -= lb->start;
		lb->start = 0;
	}
	*len_r = lb->size - lb->end;
	return lb->buf + lb->end;
}

void
gd_linebuf_commit(struct gd_linebuf *lb, size_t n)
{
	assert(n <= lb->size - lb->end);
	lb->end += (uint32_t)n;
}

size_t
gd_linebuf_feed(struct gd_linebuf *lb, const void *data, size_t len)
{
	size_t space;
	char *p;

	p = gd_linebuf_space(lb, &space);
	if (len > space)
		len = space;
	memcpy(p, data, len);
	gd_linebuf_commit(lb, len);
	return len;
}

/* A LF was found at `lf`: consume through it and classify the line. */
static enum gd_linebuf_result
linebuf_take(struct gd_linebuf *lb, const char *lf, const char **line_r,
    size_t *len_r)
{
	char *line = lb->buf + lb->start;
	size_t total = (size_t)(lf - line) + 1;
	size_t len = total - 1;

	lb->start += (uint32_t)total;
	lb->scan = 0;
	if (lb->discarding || total > lb->max_line) {
		lb->discarding = false;
		return GD_LINEBUF_TOO_LONG;
	}
	lb->bare_lf = !(len > 0 && line[len - 1] == '\r');
	if (!lb->bare_lf)
		len--;
	line[len] = '\0';
	*line_r = line;
	*len_r = len;
	return GD_LINEBUF_LINE;
}

enum gd_linebuf_result
gd_linebuf_next(struct gd_linebuf *lb, const char **line_r, size_t *len_r)
{
	size_t avail = lb->end - lb->start;
	const char *lf;

	*line_r = NULL;
	*len_r = 0;
	if (avail == 0)
		return GD_LINEBUF_MORE;
	lf = memchr(lb->buf + lb->start + lb->scan, '\n', avail - lb->scan);
	if (lf != NULL)
		return linebuf_take(lb, lf, line_r, len_r);
	if (lb->discarding || avail >= lb->max_line) {
		/* Overlong: drop what we have, keep dropping up to the LF. */
		lb->discarding = true;
		lb->start = lb->end = lb->scan = 0;
		return GD_LINEBUF_MORE;
	}
	lb->scan = (uint32_t)avail;
	return GD_LINEBUF_MORE;
}

const char *
gd_linebuf_data(const struct gd_linebuf *lb, size_t *len_r)
{
	*len_r = lb->end - lb->start;
	return *len_r == 0 ? NULL : lb->buf + lb->start;
}

void
gd_linebuf_consume(struct gd_linebuf *lb, size_t n)
{
	assert(n <= lb->end - lb->start);
	lb->start += (uint32_t)n;
	lb->scan = 0;
	linebuf_reset_if_empty(lb);
}

size_t
gd_linebuf_pending(const struct gd_linebuf *lb)
{
	return lb->end - lb->start;
}

size_t
gd_linebuf_discard(struct gd_linebuf *lb)
{
	size_t n = lb->end - lb->start;

	lb->start = lb->end = lb->scan = 0;
	lb->discarding = false;
	return n;
}

void
gd_linebuf_release(struct gd_linebuf *lb)
{
	if (lb->buf != NULL && lb->start == lb->end) {
		free(lb->buf);
		lb->buf = NULL;
		lb->start = lb->end = lb->scan = 0;
	}
}
