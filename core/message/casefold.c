/*
 * casefold.c — Unicode simple case folding of UTF-8 text, for
 * case-insensitive comparison and search (IMAP SEARCH, i;unicode-casemap).
 *
 * glibc's towlower_l is no substitute: it lower-cases, and lower-casing
 * differs from folding for about 200 code points (U+00B5 MICRO SIGN,
 * U+017F LONG S, final sigma, Greek symbol forms, Cherokee...), so the
 * mapping comes from a table generated from CaseFolding.txt.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/msg-codec.h>
#include <gumdrop/pool.h>

#include "header-private.h"

static inline unsigned char fold_ascii(unsigned char c);
static size_t fold_ascii_prefix(const unsigned char *s, size_t len);
static size_t fold_decode(const unsigned char *p, size_t len,
    uint32_t *cp_r);
static size_t fold_encode(uint32_t cp, unsigned char *out);
static size_t fold_measure(const unsigned char *s, size_t len);
static size_t fold_write(const unsigned char *s, size_t len,
    unsigned char *out);

static inline unsigned char
fold_ascii(unsigned char c)
{
	return (unsigned char)(c + (((unsigned)(c - 'A') < 26u) << 5));
}

uint32_t
gd_hdr_fold_cp(uint32_t cp)
{
	const struct gd_hdr_fold_run *r;
	size_t lo = 0, hi = gd_hdr_fold_nruns, mid;
	uint32_t off;

	/* Find the last run that starts at or before cp. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (gd_hdr_fold_runs[mid].start <= cp)
			lo = mid;
		else
			hi = mid;
	}
	r = &gd_hdr_fold_runs[lo];
	if (cp < r->start)
		return cp;
	off = cp - r->start;
	if (off >= (uint32_t)r->len * r->stride || off % r->stride != 0)
		return cp;
	return (uint32_t)((int32_t)cp + r->delta);
}

/* Length of the leading run of ASCII bytes, eight at a time. */
static size_t
fold_ascii_prefix(const unsigned char *s, size_t len)
{
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		if ((w & UINT64_C(0x8080808080808080)) != 0)
			break;
	}
	while (i < len && s[i] < 0x80)
		i++;
	return i;
}

/*
 * One code point from `p`: returns the bytes used.  An invalid, overlong,
 * surrogate or truncated sequence gives U+FFFD for its first byte only,
 * so each invalid byte becomes one U+FFFD.
 */
static size_t
fold_decode(const unsigned char *p, size_t len, uint32_t *cp_r)
{
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t cp;
	size_t n, i;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		goto invalid;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (len < n)
		goto invalid;
	cp = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto invalid;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto invalid;
	*cp_r = cp;
	return n;
invalid:
	*cp_r = 0xfffd;
	return 1;
}

static size_t
fold_encode(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The folded length, so that exactly that much is allocated. */
static size_t
fold_measure(const unsigned char *s, size_t len)
{
	unsigned char tmp[4];
	uint32_t cp;
	size_t i = 0, n = 0;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			n++;
			continue;
		}
		i += fold_decode(s + i, len - i, &cp);
		n += fold_encode(gd_hdr_fold_cp(cp), tmp);
	}
	return n;
}

static size_t
fold_write(const unsigned char *s, size_t len, unsigned char *out)
{
	uint32_t cp;
	size_t i = 0, n = 0;

	while (i < len) {
		if (s[i] < 0x80) {
			out[n++] = fold_ascii(s[i++]);
			continue;
		}
		i += fold_decode(s + i, len - i, &cp);
		/* UNSAFE: fold_measure counted these bytes. */
		n += fold_encode(gd_hdr_fold_cp(cp), out + n);
	}
	return n;
}

char *
gd_msg_utf8_casefold(struct gd_pool *pool, const void *in, size_t len,
    size_t *out_len_r)
{
	const unsigned char *s = in;
	unsigned char *out;
	size_t i, n;

	if (len == 0)
		s = (const unsigned char *)"";
	if (fold_ascii_prefix(s, len) == len) {
		/* The common case: plain ASCII, one table-free pass. */
		out = gd_pool_alloc(pool, len + 1);
		for (i = 0; i < len; i++)
			out[i] = fold_ascii(s[i]);
		n = len;
	} else {
		out = gd_pool_alloc(pool, fold_measure(s, len) + 1);
		n = fold_write(s, len, out);
	}
	out[n] = '\0';
	if (out_len_r != NULL)
		*out_len_r = n;
	return (char *)out;
}
