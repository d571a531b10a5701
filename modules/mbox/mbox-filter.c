/*
 * mbox-filter.c — the two streaming line transforms of the mbox format,
 * byte by byte so that any chunking gives the same result:
 *
 *   filter  stored bytes -> served octets: our status fields dropped
 *           (with their folded continuations), one ">" taken from
 *           ^>+From  lines, bare LF served as CRLF.
 *   writer  message -> stored bytes: one ">" added to ^>*From  lines
 *           (unless already stored), our status fields dropped from the
 *           header.
 *
 * Both decide a line from its first bytes only (at most
 * MBOX_HDR_HEAD_MAX, plus a run of ">" passed through as it comes), with
 * the rules of mbox-line.c that the scanner also uses for sizes.
 */
#include "config.h"

#include <string.h>

#include "mbox-private.h"

enum mbox_filter_state {
	MBOX_ST_START = 0,	/* at a line start */
	MBOX_ST_HEAD,		/* header line start buffered in head */
	MBOX_ST_GT,		/* in a ^>* run ("From" chars in head) */
	MBOX_ST_COPY,		/* rest of a line, passed through */
	MBOX_ST_SKIP,		/* rest of a dropped line */
};

void
mbox_filter_init(struct mbox_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->in_header = true;
}

/* Emit one served byte, expanding a bare LF.  UNSAFE: `out` has room for
 * 2 bytes per input byte plus MBOX_FILTER_SLACK (the callers' contract). */
static size_t
mbox_filter_put(struct mbox_filter *f, unsigned char c, char *out)
{
	size_t n = 0;

	if (c == '\n' && !f->last_cr)
		out[n++] = '\r';
	out[n++] = (char)c;
	return n;
}

static size_t
mbox_filter_flush(struct mbox_filter *f, const char *bytes, size_t len,
    char *out)
{
	size_t i, n = 0;

	f->st = MBOX_ST_COPY;
	for (i = 0; i < len; i++)
		n += mbox_filter_put(f, (unsigned char)bytes[i], out + n);
	return n;
}

static size_t
mbox_filter_head(struct mbox_filter *f, unsigned char c, char *out)
{
	int r;

	f->head[f->head_len++] = (char)c;
	r = mbox_hdr_hidden(f->head, f->head_len, c == '\n');
	if (r < 0)
		return 0;
	f->prev_hidden = r == 1;
	if (r > 0) {
		f->st = MBOX_ST_SKIP;
		return 0;
	}
	return mbox_filter_flush(f, f->head, f->head_len, out);
}

static size_t
mbox_filter_gt(struct mbox_filter *f, unsigned char c, char *out)
{
	char held[sizeof(f->head) + 2];
	size_t len = 0;

	if (!mbox_qmatch_feed(&f->q, c)) {
		if (c == '>')
			return mbox_filter_put(f, c, out);
		f->head[f->head_len++] = (char)c;
		return 0;
	}
	if (!f->q.match)
		held[len++] = '>';	/* the held one goes back */
	memcpy(held + len, f->head, f->head_len);
	len += f->head_len;
	held[len++] = (char)c;
	return mbox_filter_flush(f, held, len, out);
}

static size_t
mbox_filter_start(struct mbox_filter *f, unsigned char c, char *out)
{
	f->head_len = 0;
	if (f->in_header && (c == ' ' || c == '\t')) {
		f->st = f->prev_hidden ? MBOX_ST_SKIP : MBOX_ST_COPY;
		return f->prev_hidden ? 0 : mbox_filter_put(f, c, out);
	}
	if (c == '>') {
		/* Hold the first '>': it goes if the line is ^>+From . */
		f->prev_hidden = false;
		f->st = MBOX_ST_GT;
		mbox_qmatch_init(&f->q);
		mbox_qmatch_feed(&f->q, c);
		return 0;
	}
	if (f->in_header && c != '\n') {
		f->st = MBOX_ST_HEAD;
		return mbox_filter_head(f, c, out);
	}
	f->prev_hidden = false;
	f->st = MBOX_ST_COPY;
	return mbox_filter_put(f, c, out);
}

static size_t
mbox_filter_byte(struct mbox_filter *f, unsigned char c, char *out)
{
	size_t n = 0;

	if (f->st == MBOX_ST_START)
		n = mbox_filter_start(f, c, out);
	else if (f->st == MBOX_ST_HEAD)
		n = mbox_filter_head(f, c, out);
	else if (f->st == MBOX_ST_GT)
		n = mbox_filter_gt(f, c, out);
	else if (f->st == MBOX_ST_COPY)
		n = mbox_filter_put(f, c, out);
	if (c == '\n') {
		if (f->in_header && (f->line_n == 0 ||
		    (f->line_n == 1 && f->last_cr)))
			f->in_header = false;
		f->st = MBOX_ST_START;
		f->line_n = 0;
	} else if (f->line_n < 2)
		f->line_n++;
	f->last_cr = c == '\r';
	return n;
}

size_t
mbox_filter_run(struct mbox_filter *f, const void *in, size_t len, void *out)
{
	const unsigned char *p = in, *nl;
	char *o = out;
	size_t n = 0, run;

	while (len > 0) {
		if (f->st == MBOX_ST_COPY && *p != '\n') {
			/* Fast path: the rest of a line up to its LF. */
			nl = memchr(p, '\n', len);
			run = nl != NULL ? (size_t)(nl - p) : len;
			memcpy(o + n, p, run);
			n += run;
			f->last_cr = p[run - 1] == '\r';
			f->line_n = 2;
			p += run;
			len -= run;
			continue;
		}
		n += mbox_filter_byte(f, *p++, o + n);
		len--;
	}
	return n;
}

size_t
mbox_filter_finish(struct mbox_filter *f, void *out)
{
	char *o = out;
	size_t len = 0;

	if (f->st == MBOX_ST_HEAD && mbox_hdr_hidden(f->head, f->head_len,
	    true) == 0) {	/* an unfinished line: hidden or not */
		memcpy(o, f->head, f->head_len);
		len = f->head_len;
	} else if (f->st == MBOX_ST_GT) {
		o[len++] = '>';
		memcpy(o + len, f->head, f->head_len);
		len += f->head_len;
	}
	f->st = MBOX_ST_SKIP;
	return len;
}

/* ---- the writer ------------------------------------------------------ */

void
mbox_writer_init(struct mbox_writer *w, bool quote)
{
	memset(w, 0, sizeof(*w));
	w->quote = quote;
	w->in_header = true;
}

static size_t
mbox_writer_flush(struct mbox_writer *w, const char *bytes, size_t len,
    char *out)
{
	memcpy(out, bytes, len);
	if (len > 0)
		w->ends_eol = bytes[len - 1] == '\n';
	w->st = MBOX_ST_COPY;
	return len;
}

static size_t
mbox_writer_head(struct mbox_writer *w, unsigned char c, char *out)
{
	int r;

	w->head[w->head_len++] = (char)c;
	r = mbox_hdr_hidden(w->head, w->head_len, c == '\n');
	if (r < 0)
		return 0;
	w->prev_hidden = r == 1;
	if (r > 0) {
		w->st = MBOX_ST_SKIP;
		return 0;
	}
	return mbox_writer_flush(w, w->head, w->head_len, out);
}

static size_t
mbox_writer_q(struct mbox_writer *w, unsigned char c, char *out)
{
	char held[sizeof(w->head) + 2];
	size_t len = 0;

	if (!mbox_qmatch_feed(&w->q, c)) {
		if (c == '>') {
			/* Any '>' of the run may be the added one. */
			out[0] = '>';
			w->ends_eol = false;
			return 1;
		}
		w->head[w->head_len++] = (char)c;
		return 0;
	}
	if (w->q.match && w->quote)
		held[len++] = '>';
	memcpy(held + len, w->head, w->head_len);
	len += w->head_len;
	held[len++] = (char)c;
	return mbox_writer_flush(w, held, len, out);
}

static size_t
mbox_writer_start(struct mbox_writer *w, unsigned char c, char *out)
{
	char b = (char)c;

	w->head_len = 0;
	if (w->in_header && (c == ' ' || c == '\t')) {
		if (w->prev_hidden) {
			w->st = MBOX_ST_SKIP;
			return 0;
		}
		return mbox_writer_flush(w, &b, 1, out);
	}
	if (c == '>' || c == 'F') {
		w->prev_hidden = false;
		w->st = MBOX_ST_GT;
		mbox_qmatch_init(&w->q);
		return mbox_writer_q(w, c, out);
	}
	if (w->in_header && c != '\n') {
		w->st = MBOX_ST_HEAD;
		return mbox_writer_head(w, c, out);
	}
	w->prev_hidden = false;
	return mbox_writer_flush(w, &b, 1, out);
}

static size_t
mbox_writer_byte(struct mbox_writer *w, unsigned char c, char *out)
{
	char b = (char)c;
	size_t n = 0;

	if (w->st == MBOX_ST_START)
		n = mbox_writer_start(w, c, out);
	else if (w->st == MBOX_ST_HEAD)
		n = mbox_writer_head(w, c, out);
	else if (w->st == MBOX_ST_GT)
		n = mbox_writer_q(w, c, out);
	else if (w->st == MBOX_ST_COPY)
		n = mbox_writer_flush(w, &b, 1, out);
	if (c == '\n') {
		if (!w->eol_known) {
			w->eol_known = true;
			w->crlf = w->last_cr;
		}
		if (w->in_header && (w->line_n == 0 ||
		    (w->line_n == 1 && w->last_cr)))
			w->in_header = false;
		w->st = MBOX_ST_START;
		w->line_n = 0;
	} else if (w->line_n < 2)
		w->line_n++;
	w->last_cr = c == '\r';
	w->total++;
	return n;
}

size_t
mbox_writer_run(struct mbox_writer *w, const void *in, size_t len, void *out)
{
	const unsigned char *p = in, *nl;
	char *o = out;
	size_t n = 0, run;

	while (len > 0) {
		if (w->st == MBOX_ST_COPY && *p != '\n') {
			nl = memchr(p, '\n', len);
			run = nl != NULL ? (size_t)(nl - p) : len;
			memcpy(o + n, p, run);
			n += run;
			w->last_cr = p[run - 1] == '\r';
			w->ends_eol = false;
			w->line_n = 2;
			w->total += run;
			p += run;
			len -= run;
			continue;
		}
		n += mbox_writer_byte(w, *p++, o + n);
		len--;
	}
	return n;
}

size_t
mbox_writer_finish(struct mbox_writer *w, void *out)
{
	size_t n = 0;

	if ((w->st == MBOX_ST_HEAD && mbox_hdr_hidden(w->head, w->head_len,
	    true) == 0) || w->st == MBOX_ST_GT)
		n = mbox_writer_flush(w, w->head, w->head_len, out);
	w->st = MBOX_ST_SKIP;
	return n;
}
