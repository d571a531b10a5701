/*
 * msg-body.c — body bytes: counting lines, looking for boundary lines,
 * and handing leaf bodies to the body callback.
 *
 * Lines are found with memchr.  While a boundary is live, only a line
 * starting with '-' is looked at closer: it is copied (bounded) and
 * compared with the live boundaries.  The line break before such a line
 * may belong to the boundary (RFC 2046 5.1.1), so it is held back until
 * the line is known; so is a CR ending a chunk, which may start a CRLF.
 * Every other body byte goes to the callback straight from the caller's
 * buffer.
 */
#include "config.h"

#include <string.h>

#include "message-private.h"

#define MSG_ONES	0x0101010101010101ULL
#define MSG_HIGHS	0x8080808080808080ULL
#define MSG_LOWS	0x7f7f7f7f7f7f7f7fULL

static void body_flags(struct msg_part *part, const unsigned char *d,
    size_t n);
static void body_out(struct gd_msg_parser *p, const void *d, size_t n);
static void hold_flush(struct gd_msg_parser *p);
static void cand_start(struct gd_msg_parser *p);
static const unsigned char *cand_feed(struct gd_msg_parser *p,
    const unsigned char *q, const unsigned char *end);
static void cand_line_end(struct gd_msg_parser *p, uint64_t lf_off);
static const unsigned char *body_scan(struct gd_msg_parser *p,
    const unsigned char *q, const unsigned char *end);
static bool all_wsp(const unsigned char *s, size_t n);

size_t
msg_count_lf(const unsigned char *d, size_t n)
{
	size_t i = 0, count = 0;
	uint64_t w, t;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, d + i, 8);
		w ^= 0x0a0a0a0a0a0a0a0aULL;
		/* High bit of each byte set where the byte was '\n'. */
		t = ~(((w & MSG_LOWS) + MSG_LOWS) | w) & MSG_HIGHS;
		count += (size_t)(((t >> 7) * MSG_ONES) >> 56);
	}
	for (; i < n; i++)
		count += d[i] == '\n';
	return count;
}

/* Set the 8-bit and binary flags of a leaf from its body bytes. */
static void
body_flags(struct msg_part *part, const unsigned char *d, size_t n)
{
	const unsigned both = GD_MIME_8BIT_BODY | GD_MIME_BINARY_BODY;
	size_t i = 0, j;
	uint64_t w;

	while (i < n && (part->pub.flags & both) != both) {
		if (i + 8 <= n) {
			memcpy(&w, d + i, 8);
			/* Any byte >= 0x80 or == 0 in this word? */
			if (((((w - MSG_ONES) & ~w) | w) & MSG_HIGHS) == 0) {
				i += 8;
				continue;
			}
		}
		for (j = i + 8 < n ? i + 8 : n; i < j; i++) {
			if (d[i] >= 0x80)
				part->pub.flags |= GD_MIME_8BIT_BODY;
			else if (d[i] == 0)
				part->pub.flags |= GD_MIME_BINARY_BODY;
		}
	}
}

static void
body_out(struct gd_msg_parser *p, const void *d, size_t n)
{
	struct msg_part *cur = p->cur;

	if (n == 0 || !cur->leaf)
		return;
	body_flags(cur, d, n);
	if (p->cb.body != NULL)
		p->cb.body(p->ctx, &cur->pub, d, n);
}

/* The held line break (or CR) turned out to be body. */
static void
hold_flush(struct gd_msg_parser *p)
{
	if (p->hold_term > 0) {
		body_out(p, &"\r\n"[2 - p->hold_term], p->hold_term);
		p->hold_term = 0;
	}
	if (p->hold_cr) {
		body_out(p, "\r", 1);
		p->hold_cr = false;
	}
}

static void
cand_start(struct gd_msg_parser *p)
{
	p->in_cand = true;
	p->cand_long = false;
	p->cand_len = 0;
	p->line_start = false;
}

size_t
msg_body_feed(struct gd_msg_parser *p, const unsigned char *data,
    size_t len)
{
	const unsigned char *q = data, *end = data + len;

	while (q < end && p->state == MSG_ST_BODY) {
		if (p->nbound == 0) {
			/* No boundary can end this body: take it all. */
			p->lf += msg_count_lf(q, (size_t)(end - q));
			body_out(p, q, (size_t)(end - q));
			return len;
		}
		if (p->in_cand) {
			q = cand_feed(p, q, end);
			continue;
		}
		if (p->line_start) {
			if (*q == '-') {
				cand_start(p);
				continue;
			}
			hold_flush(p);
			p->line_start = false;
		}
		q = body_scan(p, q, end);
	}
	return (size_t)(q - data);
}

/* Inside a line that is not a candidate: skip to the next line that may
 * be a boundary line (or to the end of the chunk). */
static const unsigned char *
body_scan(struct gd_msg_parser *p, const unsigned char *q,
    const unsigned char *end)
{
	const unsigned char *seg = q, *lf, *next;
	uint64_t nlf = 0;
	bool cr;

	if (p->hold_cr && (*q != '\n' || (q + 1 < end && q[1] != '-')))
		hold_flush(p);
	while ((lf = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		next = lf + 1;
		if (next < end && *next != '-') {
			nlf++;
			q = next;
			continue;
		}
		/* The next line may be a boundary: hold this line break. */
		p->lf += nlf;
		cr = lf > seg ? lf[-1] == '\r' : p->hold_cr;
		body_out(p, seg, (size_t)(lf - seg) - (cr && lf > seg ? 1 : 0));
		p->hold_cr = false;
		msg_term_record(p, msg_abs(p, lf), cr);
		p->hold_term = cr ? 2 : 1;
		p->line_start = true;
		return next;
	}
	p->lf += nlf;
	if (end[-1] == '\r') {
		body_out(p, seg, (size_t)(end - 1 - seg));
		p->hold_cr = true;
	} else {
		body_out(p, seg, (size_t)(end - seg));
	}
	return end;
}

static const unsigned char *
cand_feed(struct gd_msg_parser *p, const unsigned char *q,
    const unsigned char *end)
{
	const unsigned char *lf = memchr(q, '\n', (size_t)(end - q));
	size_t n = (size_t)((lf != NULL ? lf : end) - q);

	if (n > sizeof(p->cand) - p->cand_len) {
		/* Too long for a boundary line: an ordinary line. */
		p->in_cand = false;
		hold_flush(p);
		body_out(p, p->cand, p->cand_len);
		p->cand_len = 0;
		return q;
	}
	/* UNSAFE: n fits in the room left, checked just above. */
	memcpy(p->cand + p->cand_len, q, n);
	p->cand_len += n;
	if (lf == NULL)
		return end;
	cand_line_end(p, msg_abs(p, lf));
	return lf + 1;
}

static void
cand_line_end(struct gd_msg_parser *p, uint64_t lf_off)
{
	struct msg_term before = p->term;
	size_t len = p->cand_len;
	bool cr = len > 0 && p->cand[len - 1] == '\r';
	struct msg_part *m;
	bool close;

	if (cr)
		len--;
	p->in_cand = false;
	msg_term_record(p, lf_off, cr);
	m = msg_boundary_match(p, p->cand, len, &close);
	if (m != NULL) {
		p->hold_term = 0;
		msg_boundary_found(p, m, close, &before, lf_off + 1);
		return;
	}
	hold_flush(p);
	body_out(p, p->cand, len);
	p->hold_term = cr ? 2 : 1;
	p->line_start = true;
}

/* Hand over everything held as body (no boundary can follow). */
void
msg_body_drop_hold(struct gd_msg_parser *p)
{
	if (p->in_cand) {
		p->in_cand = false;
		hold_flush(p);
		body_out(p, p->cand, p->cand_len);
	}
	hold_flush(p);
	p->line_start = false;
}

/* End of input in a body: the last line may be a boundary line. */
void
msg_body_finish(struct gd_msg_parser *p)
{
	struct msg_term before = p->term;
	size_t len = p->cand_len;
	struct msg_part *m;
	bool close;

	if (p->in_cand) {
		if (len > 0 && p->cand[len - 1] == '\r')
			len--;
		m = msg_boundary_match(p, p->cand, len, &close);
		if (m != NULL) {
			p->in_cand = false;
			p->hold_term = 0;
			msg_boundary_found(p, m, close, &before, p->off);
			return;
		}
	}
	msg_body_drop_hold(p);
}

static bool
all_wsp(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!msg_is_wsp(s[i]))
			return false;
	}
	return true;
}

/*
 * Is `line` (without its line break) a boundary line of an open
 * multipart, innermost first?  *close_r tells a closing one ("--b--").
 */
struct msg_part *
msg_boundary_match(const struct gd_msg_parser *p, const unsigned char *line,
    size_t len, bool *close_r)
{
	const unsigned char *rest;
	struct msg_part *x;
	size_t bl, rlen;
	bool close;

	if (len < 2 || len > GD_MIME_MAX_BOUNDARY_LINE || line[0] != '-' ||
	    line[1] != '-')
		return NULL;
	for (x = p->cur; x != NULL; x = (struct msg_part *)x->pub.parent) {
		if (x->state != MSG_PART_PREAMBLE &&
		    x->state != MSG_PART_CHILD && x->state != MSG_PART_SKIP)
			continue;
		bl = x->boundary_len;
		if (len - 2 < bl || memcmp(line + 2, x->pub.boundary, bl) != 0)
			continue;
		rest = line + 2 + bl;
		rlen = len - 2 - bl;
		close = rlen >= 2 && rest[0] == '-' && rest[1] == '-';
		if (close) {
			rest += 2;
			rlen -= 2;
		}
		if (all_wsp(rest, rlen)) {
			*close_r = close;
			return x;
		}
	}
	return NULL;
}
