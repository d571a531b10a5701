/*
 * dkim-canon.c — canonicalisation (RFC 6376 3.4) and the hashes it feeds.
 *
 * The body canonicaliser streams: it keeps one output block (hashed when
 * full, so hashing happens in large blocks), a count of line ends not yet
 * emitted (trailing empty lines are dropped at the end without ever
 * being buffered), and three flags.  Ordinary bytes are copied in runs
 * found with a class table; there is no per-byte call.
 */
#include <stdlib.h>
#include <string.h>

#include "dkim-engine.h"

/* Byte classes: 1 line-end bytes, 2 WSP. */
static const uint8_t dkim_class[256] = {
	['\r'] = 1, ['\n'] = 1, [' '] = 2, ['\t'] = 2,
};

void
dkim_hash_init(struct dkim_hash *h, bool sha1)
{
	h->sha1 = sha1;
	if (sha1)
		sha1_init(&h->u.s1);
	else
		sha256_init(&h->u.s256);
}

void
dkim_hash_update(struct dkim_hash *h, const void *buf, size_t len)
{
	if (h->sha1)
		sha1_update(&h->u.s1, len, buf);
	else
		sha256_update(&h->u.s256, len, buf);
}

size_t
dkim_hash_digest(struct dkim_hash *h, uint8_t *out)
{
	if (h->sha1) {
		sha1_digest(&h->u.s1, SHA1_DIGEST_SIZE, out);
		return SHA1_DIGEST_SIZE;
	}
	sha256_digest(&h->u.s256, SHA256_DIGEST_SIZE, out);
	return SHA256_DIGEST_SIZE;
}

/* ---- body ---------------------------------------------------------------- */

void
dkim_body_init(struct dkim_body_canon *bc, enum gd_dkim_canon canon,
    uint64_t limit, struct dkim_hash *hash)
{
	bc->canon = canon;
	bc->limit = limit;
	bc->total = bc->pending_crlf = 0;
	bc->cr = bc->wsp = bc->in_line = false;
	bc->hash = hash;
	bc->cap_buf = NULL;
	bc->cap_len = bc->cap_max = 0;
	bc->cap_over = false;
	bc->blen = 0;
}

static void
dkim_body_sink(struct dkim_body_canon *bc, const char *p, size_t n)
{
	char *nb;
	size_t want;

	if (bc->hash != NULL) {
		dkim_hash_update(bc->hash, p, n);
		return;
	}
	if (n > bc->cap_max - bc->cap_len) {
		bc->cap_over = true;
		n = bc->cap_max - bc->cap_len;
	}
	want = bc->cap_len + n;
	if (n == 0 || (nb = realloc(bc->cap_buf, want)) == NULL)
		return;
	memcpy(nb + bc->cap_len, p, n);
	bc->cap_buf = nb;
	bc->cap_len = want;
}

static void
dkim_body_flush(struct dkim_body_canon *bc)
{
	if (bc->blen > 0)
		dkim_body_sink(bc, bc->buf, bc->blen);
	bc->blen = 0;
}

/* Canonical output: counted always, kept up to l=. */
static void
dkim_body_out(struct dkim_body_canon *bc, const char *p, size_t n)
{
	uint64_t room = bc->limit - (bc->total < bc->limit ? bc->total :
	    bc->limit);
	size_t m = n < room ? n : (size_t)room, k;

	bc->total += n;
	if (m >= sizeof(bc->buf)) {
		dkim_body_flush(bc);
		dkim_body_sink(bc, p, m);
		return;
	}
	while (m > 0) {
		k = sizeof(bc->buf) - bc->blen;
		if (k > m)
			k = m;
		memcpy(bc->buf + bc->blen, p, k);
		bc->blen += k;
		p += k;
		m -= k;
		if (bc->blen == sizeof(bc->buf))
			dkim_body_flush(bc);
	}
}

/* Content on a line: first the line ends held back, then a WSP run. */
static void
dkim_body_content(struct dkim_body_canon *bc, const char *p, size_t n)
{
	for (; bc->pending_crlf > 0; bc->pending_crlf--)
		dkim_body_out(bc, "\r\n", 2);
	if (bc->wsp)
		dkim_body_out(bc, " ", 1);
	bc->wsp = false;
	dkim_body_out(bc, p, n);
	bc->in_line = true;
}

static void
dkim_body_line_end(struct dkim_body_canon *bc)
{
	bc->wsp = false;	/* relaxed: trailing WSP is dropped */
	bc->in_line = false;
	bc->pending_crlf++;
}

/*
 * The end of the run from p (not a line end, not WSP) that is its own
 * canonical form: no line end, no WSP, and for relaxed also the single
 * spaces between such bytes (a run of one SP is already one SP), so a
 * line of words goes out in one piece instead of one per word.
 */
static const unsigned char *
dkim_body_run(const unsigned char *p, const unsigned char *end,
    unsigned mask)
{
	const unsigned char *q = p + 1;

	for (;;) {
		while (q < end && !(dkim_class[*q] & mask))
			q++;
		if (mask != 3u || end - q < 2 || *q != ' ' ||
		    (dkim_class[q[1]] & mask))
			return q;
		q += 2;
	}
}

void
dkim_body_write(struct dkim_body_canon *bc, const void *buf, size_t len)
{
	const unsigned char *p = buf, *end = p + len, *q;
	unsigned mask = bc->canon == GD_DKIM_CANON_RELAXED ? 3u : 1u;

	while (p < end) {
		if (bc->cr) {
			bc->cr = false;
			if (*p == '\n') {
				dkim_body_line_end(bc);
				p++;
				continue;
			}
			dkim_body_content(bc, "\r", 1);	/* a bare CR */
		}
		if (*p == '\r' || *p == '\n') {
			bc->cr = *p == '\r';
			if (*p++ == '\n')
				dkim_body_line_end(bc);
			continue;
		}
		if (dkim_class[*p] & mask) {	/* relaxed WSP */
			bc->wsp = true;
			p++;
			continue;
		}
		q = dkim_body_run(p, end, mask);
		dkim_body_content(bc, (const char *)p, (size_t)(q - p));
		p = q;
	}
}

void
dkim_body_end(struct dkim_body_canon *bc)
{
	if (bc->cr) {
		bc->cr = false;
		dkim_body_content(bc, "\r", 1);
	}
	/* The last line's end (held back, or missing), once; an empty
	 * body is CRLF for simple, nothing for relaxed. */
	if (bc->in_line || bc->total > 0 ||
	    bc->canon == GD_DKIM_CANON_SIMPLE)
		dkim_body_out(bc, "\r\n", 2);
	bc->pending_crlf = 0;
	bc->in_line = false;
	dkim_body_flush(bc);
}

/* ---- header fields ------------------------------------------------------- */

struct dkim_emit {
	struct dkim_hash *h;
	char *out;
	size_t olen;
	size_t n;
	char buf[512];
};

static void
dkim_emit_flush(struct dkim_emit *e)
{
	if (e->h != NULL)
		dkim_hash_update(e->h, e->buf, e->n);
	else
		memcpy(e->out + e->olen, e->buf, e->n);
	e->olen += e->n;
	e->n = 0;
}

static void
dkim_emit_c(struct dkim_emit *e, char c)
{
	if (e->n == sizeof(e->buf))
		dkim_emit_flush(e);
	e->buf[e->n++] = c;
}

static void
dkim_emit_s(struct dkim_emit *e, const char *p, size_t n)
{
	dkim_emit_flush(e);
	if (e->h != NULL)
		dkim_hash_update(e->h, p, n);
	else
		memcpy(e->out + e->olen, p, n);
	e->olen += n;
}

/* RFC 6376 3.4.2: lower-case name, no WSP around the colon, value
 * unfolded with WSP runs made one SP and none at either end. */
static void
dkim_header_relaxed(const char *f, size_t len, struct dkim_emit *e)
{
	const char *colon = memchr(f, ':', len), *ne;
	size_t i;
	bool sp = false, started = false;

	if (colon == NULL)
		colon = f + len;
	for (ne = colon; ne > f && dkim_class[(unsigned char)ne[-1]] == 2;
	    ne--)
		;
	for (i = 0; i < (size_t)(ne - f); i++)
		dkim_emit_c(e, f[i] >= 'A' && f[i] <= 'Z' ? (char)(f[i] + 32) :
		    f[i]);
	if (colon == f + len)
		return;
	dkim_emit_c(e, ':');
	for (i = (size_t)(colon - f) + 1; i < len; i++) {
		if (f[i] == '\r' || f[i] == '\n')
			continue;
		if (dkim_class[(unsigned char)f[i]] == 2) {
			sp = started;
			continue;
		}
		if (sp)
			dkim_emit_c(e, ' ');
		sp = false;
		started = true;
		dkim_emit_c(e, f[i]);
	}
}

static void
dkim_header_emit(enum gd_dkim_canon canon, const char *field, size_t len,
    bool crlf, struct dkim_emit *e)
{
	/* The collector ends every field with CRLF. */
	if (len >= 2 && field[len - 2] == '\r' && field[len - 1] == '\n')
		len -= 2;
	if (canon == GD_DKIM_CANON_SIMPLE)
		dkim_emit_s(e, field, len);
	else
		dkim_header_relaxed(field, len, e);
	if (crlf) {
		dkim_emit_c(e, '\r');
		dkim_emit_c(e, '\n');
	}
	dkim_emit_flush(e);
}

void
dkim_header_canon(enum gd_dkim_canon canon, const char *field, size_t len,
    bool crlf, struct dkim_hash *h)
{
	struct dkim_emit e;

	e.h = h;
	e.out = NULL;
	e.olen = e.n = 0;
	dkim_header_emit(canon, field, len, crlf, &e);
}

size_t
dkim_header_canon_buf(enum gd_dkim_canon canon, const char *field,
    size_t len, bool crlf, char *out)
{
	struct dkim_emit e;

	e.h = NULL;
	e.out = out;
	e.olen = e.n = 0;
	dkim_header_emit(canon, field, len, crlf, &e);
	return e.olen;
}
