/*
 * dkim-header.c — collects the header as bytes pass: fields kept in one
 * buffer bounded by max_bytes (line ends made CRLF), indexed by offset.
 * Past the bound the collector stops keeping bytes and flags overflow;
 * it still finds the end of the header.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim-engine.h"

enum {
	DKIM_H_LINE_START = 0,	/* at the start of a line */
	DKIM_H_LINE,		/* inside a line */
	DKIM_H_CR,		/* CR seen inside a line */
	DKIM_H_EMPTY_CR,	/* CR at the start of a line */
};

void
dkim_header_init(struct dkim_header *hc, size_t max_bytes)
{
	memset(hc, 0, sizeof(*hc));
	hc->max_bytes = max_bytes;
}

void
dkim_header_free(struct dkim_header *hc)
{
	free(hc->buf);
	free(hc->fields);
	hc->buf = NULL;
	hc->fields = NULL;
	hc->len = hc->cap = hc->nfields = hc->fields_cap = 0;
}

static void
dkim_header_put(struct dkim_header *hc, const char *p, size_t n)
{
	size_t ncap;
	char *nb;

	if (hc->overflow)
		return;
	if (n > hc->max_bytes - hc->len) {
		hc->overflow = true;
		return;
	}
	if (hc->len + n > hc->cap) {
		ncap = hc->cap == 0 ? 4096 : hc->cap * 2;
		while (ncap < hc->len + n)
			ncap *= 2;
		if (ncap > hc->max_bytes)
			ncap = hc->max_bytes;
		if ((nb = realloc(hc->buf, ncap)) == NULL) {
			hc->overflow = true;
			return;
		}
		hc->buf = nb;
		hc->cap = ncap;
	}
	memcpy(hc->buf + hc->len, p, n);
	hc->len += n;
}

/* Close the current field: index it with its name length. */
static void
dkim_header_close(struct dkim_header *hc)
{
	struct dkim_field *f, *nf;
	const char *colon;
	size_t n;

	if (!hc->cur_open || hc->overflow)
		return;
	hc->cur_open = false;
	f = &hc->fields[hc->nfields - 1];
	f->len = (uint32_t)(hc->len - f->off);
	colon = memchr(hc->buf + f->off, ':', f->len);
	f->name_len = colon != NULL ? (uint32_t)(colon - hc->buf - f->off) : 0;
	/* "Name : value": the name stops at WSP too. */
	for (n = 0; n < f->name_len; n++)
		if (hc->buf[f->off + n] == ' ' || hc->buf[f->off + n] == '\t')
			break;
	f->name_len = (uint32_t)n;
	(void)nf;
}

static void
dkim_header_open(struct dkim_header *hc)
{
	struct dkim_field *nf;
	size_t ncap;

	dkim_header_close(hc);
	if (hc->overflow)
		return;
	if (hc->nfields >= DKIM_FIELDS_MAX) {
		hc->overflow = true;
		return;
	}
	if (hc->nfields == hc->fields_cap) {
		ncap = hc->fields_cap == 0 ? 32 : hc->fields_cap * 2;
		nf = realloc(hc->fields, ncap * sizeof(*nf));
		if (nf == NULL) {
			hc->overflow = true;
			return;
		}
		hc->fields = nf;
		hc->fields_cap = ncap;
	}
	hc->fields[hc->nfields].off = (uint32_t)hc->len;
	hc->fields[hc->nfields].len = 0;
	hc->fields[hc->nfields++].name_len = 0;
	hc->cur_open = true;
}

/* At the start of a line: a continuation, the empty line, or a new
 * field.  Returns true when the header ended. */
static bool
dkim_header_line_start(struct dkim_header *hc, char c)
{
	if (c == '\n')
		return true;
	if (c == '\r') {
		hc->state = DKIM_H_EMPTY_CR;
		return false;
	}
	if (c != ' ' && c != '\t')
		dkim_header_open(hc);
	else if (!hc->cur_open)
		dkim_header_open(hc);	/* leading WSP: a nameless field */
	dkim_header_put(hc, &c, 1);
	hc->state = DKIM_H_LINE;
	return false;
}

/* Inside a line: copy the run up to CR/LF at once. */
static size_t
dkim_header_line(struct dkim_header *hc, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != '\r' && p[i] != '\n'; i++)
		;
	dkim_header_put(hc, p, i);
	return i;
}

static bool
dkim_header_byte(struct dkim_header *hc, char c)
{
	switch (hc->state) {
	case DKIM_H_LINE_START:
		return dkim_header_line_start(hc, c);
	case DKIM_H_EMPTY_CR:
		if (c == '\n')
			return true;
		/* A bare CR starting a line: content of a new field. */
		dkim_header_open(hc);
		dkim_header_put(hc, "\r", 1);
		hc->state = DKIM_H_LINE;
		return dkim_header_byte(hc, c);
	case DKIM_H_CR:
		if (c != '\n') {
			dkim_header_put(hc, "\r", 1);
			hc->state = DKIM_H_LINE;
			return dkim_header_byte(hc, c);
		}
		/* FALLTHROUGH */
	default:
		if (c == '\r') {
			hc->state = DKIM_H_CR;
		} else if (c == '\n') {
			dkim_header_put(hc, "\r\n", 2);
			hc->state = DKIM_H_LINE_START;
		} else {
			dkim_header_put(hc, &c, 1);
		}
		return false;
	}
}

size_t
dkim_header_write(struct dkim_header *hc, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && !hc->done) {
		if (hc->state == DKIM_H_LINE) {
			i += dkim_header_line(hc, buf + i, len - i);
			if (i == len)
				break;
		}
		if (dkim_header_byte(hc, buf[i++])) {
			dkim_header_close(hc);
			hc->done = true;
		}
	}
	return i;
}

void
dkim_header_end(struct dkim_header *hc)
{
	if (hc->done)
		return;
	if (hc->state == DKIM_H_CR || hc->state == DKIM_H_LINE)
		dkim_header_put(hc, "\r\n", 2);
	dkim_header_close(hc);
	hc->done = true;
}

bool
dkim_field_is(const struct dkim_header *hc, size_t i, const char *name,
    size_t nlen)
{
	const struct dkim_field *f = &hc->fields[i];

	return f->name_len == nlen &&
	    strncasecmp(hc->buf + f->off, name, nlen) == 0;
}

void
dkim_header_select(const struct dkim_header *hc,
    const char *const *names, const uint8_t *name_lens, size_t nh,
    long *idx)
{
	size_t i, j, k;
	bool used;

	for (i = 0; i < nh; i++) {
		idx[i] = -1;
		for (j = hc->nfields; j-- > 0;) {
			if (!dkim_field_is(hc, j, names[i], name_lens[i]))
				continue;
			used = false;
			for (k = 0; k < i && !used; k++)
				used = idx[k] == (long)j;
			if (!used) {
				idx[i] = (long)j;
				break;
			}
		}
	}
}
