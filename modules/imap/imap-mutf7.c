/*
 * imap-mutf7.c — mailbox names: modified UTF-7 (RFC 3501 5.1.3) for
 * IMAP4rev1 clients, UTF-8 for IMAP4rev2 and UTF8=ACCEPT (RFC 9051 5.1,
 * RFC 6855 3), INBOX in any case.  The decoder is strict so that every
 * name has exactly one encoding: encode(decode(x)) == x.
 */
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

static const char imap_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
imap_b64_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(imap_b64, c);
	return p == NULL ? -1 : (int)(p - imap_b64);
}

/* Append code point cp as UTF-8; -1 if it does not fit (with NUL). */
static int
imap_put_utf8(char *out, size_t cap, size_t *w, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80)
		b[0] = (unsigned char)cp, n = 1;
	else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*w + n >= cap)
		return -1;
	/* UNSAFE: checked just above, a NUL still fits. */
	memcpy(out + *w, b, n);
	*w += n;
	return 0;
}

/* One UTF-16 unit of a run; *hi holds a pending high surrogate. */
static int
imap_mutf7_unit(uint32_t u, uint32_t *hi, char *out, size_t cap, size_t *w)
{
	if (*hi != 0) {
		if (u < 0xdc00 || u > 0xdfff)
			return -1;
		u = 0x10000 + ((*hi - 0xd800) << 10) + (u - 0xdc00);
		*hi = 0;
	} else if (u >= 0xd800 && u <= 0xdbff) {
		*hi = u;
		return 0;
	} else if (u >= 0xdc00 && u <= 0xdfff)
		return -1;
	/* Printable ASCII must stand for itself; NUL is never a name. */
	if (u == 0 || (u >= 0x20 && u <= 0x7e))
		return -1;
	return imap_put_utf8(out, cap, w, u);
}

/* The run after "&" up to its "-"; returns its length with the "-". */
static long
imap_mutf7_run(const char *in, size_t len, char *out, size_t cap, size_t *w)
{
	uint32_t bits = 0, hi = 0;
	unsigned nbits = 0;
	size_t i;
	int v;

	for (i = 0; i < len && in[i] != '-'; i++) {
		if ((v = imap_b64_value(in[i])) < 0)
			return -1;
		bits = (bits << 6) | (uint32_t)v;
		nbits += 6;
		if (nbits >= 16) {
			nbits -= 16;
			if (imap_mutf7_unit((bits >> nbits) & 0xffff, &hi,
			    out, cap, w) < 0)
				return -1;
			bits &= (1u << nbits) - 1;
		}
	}
	/* Ends with "-", whole units, zero padding, no pending surrogate. */
	if (i == len || i == 0 || nbits >= 6 || bits != 0 || hi != 0)
		return -1;
	return (long)i + 1;
}

int
imap_mutf7_decode(const char *in, size_t len, char *out, size_t cap,
    size_t *out_len_r)
{
	size_t i = 0, w = 0;
	long n;
	bool after_run = false;

	while (i < len) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x20 || c > 0x7e || w + 1 >= cap)
			return -1;
		if (c != '&') {
			out[w++] = (char)c;
			i++;
			after_run = false;
		} else if (i + 1 < len && in[i + 1] == '-') {
			out[w++] = '&';
			i += 2;
			after_run = false;
		} else {
			if (after_run)
				return -1;	/* null shift "-&" */
			n = imap_mutf7_run(in + i + 1, len - i - 1, out, cap,
			    &w);
			if (n < 0)
				return -1;
			i += (size_t)n + 1;
			after_run = true;
		}
	}
	if (cap == 0)
		return -1;
	out[w] = '\0';
	*out_len_r = w;
	return 0;
}

/* Next code point of valid UTF-8 at *i. */
static uint32_t
imap_utf8_next(const unsigned char *s, size_t *i)
{
	uint32_t cp = s[*i];
	size_t n = 0, k;

	if (cp >= 0xf0)
		n = 3, cp &= 0x07;
	else if (cp >= 0xe0)
		n = 2, cp &= 0x0f;
	else if (cp >= 0xc0)
		n = 1, cp &= 0x1f;
	for (k = 1; k <= n; k++)
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	*i += n + 1;
	return cp;
}

struct imap_mutf7_out {
	char *buf;
	size_t cap;
	size_t w;
	uint32_t bits;
	unsigned nbits;
	bool in_run;
	bool over;
};

static void
imap_mo_put(struct imap_mutf7_out *o, char c)
{
	if (o->w + 1 >= o->cap)
		o->over = true;
	else
		o->buf[o->w++] = c;
}

static void
imap_mo_unit(struct imap_mutf7_out *o, uint32_t u)
{
	o->bits = (o->bits << 16) | u;
	o->nbits += 16;
	while (o->nbits >= 6) {
		o->nbits -= 6;
		imap_mo_put(o, imap_b64[(o->bits >> o->nbits) & 0x3f]);
	}
	o->bits &= (1u << o->nbits) - 1;
}

static void
imap_mo_close(struct imap_mutf7_out *o)
{
	if (!o->in_run)
		return;
	if (o->nbits > 0)
		imap_mo_put(o, imap_b64[(o->bits << (6 - o->nbits)) & 0x3f]);
	imap_mo_put(o, '-');
	o->in_run = false;
	o->bits = 0;
	o->nbits = 0;
}

static void
imap_mo_char(struct imap_mutf7_out *o, uint32_t cp)
{
	if (cp >= 0x20 && cp <= 0x7e) {
		imap_mo_close(o);
		imap_mo_put(o, (char)cp);
		if (cp == '&')
			imap_mo_put(o, '-');
		return;
	}
	if (!o->in_run) {
		imap_mo_put(o, '&');
		o->in_run = true;
	}
	if (cp >= 0x10000) {
		cp -= 0x10000;
		imap_mo_unit(o, 0xd800 + (cp >> 10));
		imap_mo_unit(o, 0xdc00 + (cp & 0x3ff));
	} else
		imap_mo_unit(o, cp);
}

int
imap_mutf7_encode(const char *in, size_t len, char *out, size_t cap,
    size_t *out_len_r)
{
	struct imap_mutf7_out o = { out, cap, 0, 0, 0, false, false };
	size_t i = 0;

	if (cap == 0 || !imap_utf8_valid(in, len) ||
	    memchr(in, '\0', len) != NULL)
		return -1;
	while (i < len)
		imap_mo_char(&o, imap_utf8_next((const unsigned char *)in,
		    &i));
	imap_mo_close(&o);
	if (o.over)
		return -1;
	out[o.w] = '\0';
	*out_len_r = o.w;
	return 0;
}

/* Decode (or check) a name; INBOX in any case becomes "INBOX". */
static int
imap_name_decode(struct imap_args *a, char *raw, size_t len, char **name_r)
{
	char *out;
	size_t i, n, cap;

	if (len > GD_MAIL_NAME_MAX)
		return imap_error_bad(a->err, "Mailbox name too long");
	if (a->mode & IMAP_MODE_UTF8) {
		out = raw;
		n = len;
	} else {
		/* Decoding never more than doubles a name (a base64 run of
		 * 8 octets gives at most 9). */
		cap = 2 * len + 8 < GD_MAIL_NAME_MAX + 1 ? 2 * len + 8 :
		    GD_MAIL_NAME_MAX + 1;
		out = gd_pool_alloc(a->pool, cap);
		if (imap_mutf7_decode(raw, len, out, cap, &n) < 0)
			return imap_error_bad(a->err,
			    "Invalid modified UTF-7 mailbox name");
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return imap_error_bad(a->err,
			    "Control character in mailbox name");
	if (n == 5 && strcasecmp(out, "INBOX") == 0)
		memcpy(out, "INBOX", 5);
	*name_r = out;
	return 0;
}

int
imap_parse_mailbox(struct imap_args *a, char **name_r)
{
	char *raw;
	size_t len;

	if (imap_parse_astring(a, &raw, &len) < 0)
		return -1;
	if (len == 0)
		return imap_error_bad(a->err, "Empty mailbox name");
	return imap_name_decode(a, raw, len, name_r);
}

int
imap_parse_list_mailbox(struct imap_args *a, char **pattern_r)
{
	const char *s = a->p;
	char *raw;
	size_t len;

	if (a->p < a->end && (*a->p == '"' || *a->p == '{')) {
		if (imap_parse_string(a, &raw, &len) < 0)
			return -1;
	} else {
		while (a->p < a->end && (imap_is_atom_char(
		    (unsigned char)*a->p) || *a->p == '%' || *a->p == '*' ||
		    *a->p == ']'))
			a->p++;
		if (a->p == s)
			return imap_error_bad(a->err, "Expected a pattern");
		len = (size_t)(a->p - s);
		raw = gd_pool_strndup(a->pool, s, len);
	}
	if (len == 0) {
		*pattern_r = raw;
		return 0;
	}
	return imap_name_decode(a, raw, len, pattern_r);
}

char *
imap_mailbox_for_client(struct gd_pool *pool, const char *name,
    unsigned mode)
{
	size_t len = strlen(name), cap, n;
	char *out;

	if (!imap_utf8_valid(name, len))
		return NULL;
	if (mode & IMAP_MODE_UTF8)
		return gd_pool_strdup(pool, name);
	/* Worst case: a control octet between ASCII ones, "&AAE-". */
	cap = len * 5 + 8;
	out = gd_pool_alloc(pool, cap);
	if (imap_mutf7_encode(name, len, out, cap, &n) < 0)
		return NULL;
	return out;
}
