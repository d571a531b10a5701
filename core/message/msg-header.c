/*
 * msg-header.c — header blocks: lines are gathered into one field at a
 * time (a field ends when a line starts with something other than WSP),
 * each field is split into name, raw and unfolded value and reported.
 *
 * The block is bounded by max_header_size bytes and max_header_fields
 * fields; past either bound lines are still scanned (for the empty line
 * and for boundary lines) but no longer stored.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/pool.h>

#include "message-private.h"

#define MSG_FBUF_MIN	256

static void header_line_begin(struct gd_msg_parser *p, unsigned char c);
static void header_append(struct gd_msg_parser *p, const unsigned char *d,
    size_t n, bool has_lf);
static void header_line_end(struct gd_msg_parser *p, uint64_t lf_off);
static void header_truncate(struct gd_msg_parser *p);
static struct msg_part *cand_match(struct gd_msg_parser *p, bool *close_r);
static char *buf_reserve(struct gd_msg_parser *p, char *buf, size_t *cap,
    size_t used, size_t need);
static void field_emit(struct gd_msg_parser *p);
static unsigned field_flags(const char *s, size_t n);
static bool field_name_ok(const char *s, size_t n);
static void field_build(char *buf, size_t len, char *vbuf,
    struct gd_msg_field *f);
static void field_unfold(const char *raw, size_t n, char *out,
    struct gd_msg_field *f);

size_t
msg_header_feed(struct gd_msg_parser *p, const unsigned char *data,
    size_t len)
{
	const unsigned char *q = data, *end = data + len, *lf, *stop;

	while (q < end && p->state == MSG_ST_HEADER) {
		if (p->line_start) {
			header_line_begin(p, *q);
			p->line_start = false;
		}
		lf = memchr(q, '\n', (size_t)(end - q));
		stop = lf != NULL ? lf + 1 : end;
		header_append(p, q, (size_t)(stop - q), lf != NULL);
		q = stop;
		if (lf != NULL) {
			p->line_start = true;
			header_line_end(p, msg_abs(p, lf));
		}
	}
	return (size_t)(q - data);
}

/* A new header block starts (a new part). */
void
msg_header_reset(struct gd_msg_parser *p)
{
	p->hdr_trunc = false;
	p->flen = 0;
	p->in_cand = false;
	p->line_start = true;
}

/* The first byte of a line: a line not starting with WSP ends the field
 * before it. */
static void
header_line_begin(struct gd_msg_parser *p, unsigned char c)
{
	if (!msg_is_wsp(c) || p->flen == 0) {
		if (p->flen > 0)
			field_emit(p);
		p->field_off = p->line_off;
	}
	if (c == '-' && p->nbound > 0) {
		p->in_cand = true;
		p->cand_long = false;
		p->cand_len = 0;
	}
}

static void
header_append(struct gd_msg_parser *p, const unsigned char *d, size_t n,
    bool has_lf)
{
	size_t m = has_lf ? n - 1 : n;

	if (p->in_cand && !p->cand_long) {
		if (m > sizeof(p->cand) - p->cand_len) {
			p->cand_long = true;
		} else {
			memcpy(p->cand + p->cand_len, d, m);
			p->cand_len += m;
		}
	}
	if (p->hdr_trunc)
		return;
	if (msg_abs(p, d + n) - p->cur->pub.header_offset >
	    p->limits.max_header_size) {
		header_truncate(p);
		return;
	}
	p->fbuf = buf_reserve(p, p->fbuf, &p->fcap, p->flen, p->flen + n + 1);
	/* UNSAFE: room for flen + n + 1 was reserved just above. */
	memcpy(p->fbuf + p->flen, d, n);
	p->flen += n;
}

static void
header_line_end(struct gd_msg_parser *p, uint64_t lf_off)
{
	uint64_t len = lf_off - p->line_off;
	bool cr = len > 0 && msg_byte_at(p, lf_off - 1) == '\r';
	struct msg_term before = p->term;
	struct msg_part *m;
	bool close;

	msg_term_record(p, lf_off, cr);
	if (p->in_cand) {
		p->in_cand = false;
		m = cand_match(p, &close);
		if (m != NULL) {
			p->flen = 0;
			msg_boundary_found(p, m, close, &before, lf_off + 1);
			return;
		}
	}
	if (len == (cr ? 1u : 0u)) {
		p->flen = 0;
		msg_part_header_done(p, lf_off + 1);
	}
}

/* The candidate line (its CR, if any, still on it) is a boundary line? */
static struct msg_part *
cand_match(struct gd_msg_parser *p, bool *close_r)
{
	size_t len = p->cand_len;

	if (p->cand_long)
		return NULL;
	if (len > 0 && p->cand[len - 1] == '\r')
		len--;
	return msg_boundary_match(p, p->cand, len, close_r);
}

/* End of input inside a header block: the last line has no LF. */
void
msg_header_finish(struct gd_msg_parser *p)
{
	struct msg_term before = p->term;
	struct msg_part *m;
	bool close;

	if (p->in_cand) {
		p->in_cand = false;
		m = cand_match(p, &close);
		if (m != NULL) {
			p->flen = 0;
			msg_boundary_found(p, m, close, &before, p->off);
			return;
		}
	}
	if (p->flen == 1 && p->fbuf[0] == '\r')
		p->flen = 0;
	if (p->flen > 0 && !p->hdr_trunc)
		field_emit(p);
}

static void
header_truncate(struct gd_msg_parser *p)
{
	p->cur->pub.flags |= GD_MIME_TRUNC_HEADER;
	p->hdr_trunc = true;
	p->flen = 0;
}

/* Grow a pool buffer to `need` bytes.  Callers bound `need` by
 * max_header_size + 2, so the doubling wastes at most as much again. */
static char *
buf_reserve(struct gd_msg_parser *p, char *buf, size_t *cap, size_t used,
    size_t need)
{
	size_t ncap, limit = p->limits.max_header_size + 2;
	char *nbuf;

	if (need <= *cap)
		return buf;
	ncap = *cap < MSG_FBUF_MIN ? MSG_FBUF_MIN : *cap * 2;
	if (ncap > limit)
		ncap = limit;
	if (ncap < need)
		ncap = need;
	nbuf = gd_pool_alloc(p->pool, ncap);
	if (used > 0)
		memcpy(nbuf, buf, used);
	*cap = ncap;
	return nbuf;
}

static void
field_emit(struct gd_msg_parser *p)
{
	struct msg_part *part = p->cur;
	struct gd_msg_field f;

	if (part->nfields >= p->limits.max_header_fields) {
		header_truncate(p);
		return;
	}
	part->nfields++;
	p->vbuf = buf_reserve(p, p->vbuf, &p->vcap, 0, p->flen + 1);
	field_build(p->fbuf, p->flen, p->vbuf, &f);
	f.offset = p->field_off;
	f.size = p->flen;
	if ((f.flags & GD_MSG_FIELD_8BIT) != 0)
		part->pub.flags |= GD_MIME_8BIT_HEADER;
	msg_part_field(p, part, &f);
	if (p->cb.header_field != NULL)
		p->cb.header_field(p->ctx, &part->pub, &f);
	p->flen = 0;
}

static unsigned
field_flags(const char *s, size_t n)
{
	unsigned flags = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x80)
			flags |= GD_MSG_FIELD_8BIT;
		else if (s[i] == '\0')
			flags |= GD_MSG_FIELD_NUL;
	}
	return flags;
}

/* RFC 5322 ftext, plus 8-bit bytes (RFC 6532 leniency). */
static bool
field_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	}
	return true;
}

/* Split the field in `buf` (len bytes, room for one more) in place. */
static void
field_build(char *buf, size_t len, char *vbuf, struct gd_msg_field *f)
{
	size_t end = len, first, nlen = 0;
	const char *nl, *colon;

	f->flags = field_flags(buf, len);
	if (end > 0 && buf[end - 1] == '\n') {
		end--;
		if (end > 0 && buf[end - 1] == '\r')
			end--;
	}
	nl = memchr(buf, '\n', end);
	first = nl != NULL ? (size_t)(nl - buf) : end;
	colon = memchr(buf, ':', first);
	if (colon != NULL)
		nlen = (size_t)(colon - buf);
	while (nlen > 0 && msg_is_wsp((unsigned char)buf[nlen - 1]))
		nlen--;
	buf[end] = '\0';
	f->name = buf;
	if (colon == NULL || !field_name_ok(buf, nlen)) {
		f->flags |= GD_MSG_FIELD_BROKEN;
		f->name_len = end;
		f->raw = f->value = "";
		f->raw_len = f->value_len = 0;
		return;
	}
	buf[nlen] = '\0';
	f->name_len = nlen;
	f->raw = colon + 1;
	f->raw_len = end - (size_t)(colon + 1 - buf);
	field_unfold(f->raw, f->raw_len, vbuf, f);
}

/* RFC 5322 2.2.3: drop the line breaks of folds, trim WSP at both ends. */
static void
field_unfold(const char *raw, size_t n, char *out, struct gd_msg_field *f)
{
	size_t i, o = 0, lead = 0;

	for (i = 0; i < n; i++) {
		if (raw[i] == '\r' && i + 1 < n && raw[i + 1] == '\n')
			continue;
		if (raw[i] == '\n')
			continue;
		out[o++] = raw[i];
	}
	while (lead < o && msg_is_wsp((unsigned char)out[lead]))
		lead++;
	while (o > lead && msg_is_wsp((unsigned char)out[o - 1]))
		o--;
	out[o] = '\0';
	f->value = out + lead;
	f->value_len = o - lead;
}
