/*
 * imap-token.c — the argument cursor and the basic tokens of RFC 9051 9:
 * atoms, quoted strings, literals, astring, nstring, numbers.
 */
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

#define IMAP_NUMBER64_MAX	0x7fffffffffffffffull

void
imap_args_init(struct imap_args *a, const char *text, size_t len,
    struct gd_pool *pool, unsigned mode, struct imap_error *err)
{
	a->p = text;
	a->end = text + len;
	a->pool = pool;
	a->mode = mode;
	a->err = err;
}

bool
imap_args_at_end(const struct imap_args *a)
{
	return a->p >= a->end;
}

bool
imap_args_skip(struct imap_args *a, char c)
{
	if (a->p < a->end && *a->p == c) {
		a->p++;
		return true;
	}
	return false;
}

int
imap_args_sp(struct imap_args *a)
{
	if (!imap_args_skip(a, ' '))
		return imap_error_bad(a->err, imap_args_at_end(a) ?
		    "Missing argument" : "Expected a space");
	return 0;
}

int
imap_args_end(struct imap_args *a)
{
	if (!imap_args_at_end(a))
		return imap_error_bad(a->err, "Unexpected arguments");
	return 0;
}

bool
imap_is_atom_char(unsigned char c)
{
	if (c <= 0x1f || c >= 0x7f)
		return false;
	return strchr("(){ %*\"\\]", c) == NULL;
}

int
imap_parse_atom(struct imap_args *a, const char **atom_r, size_t *len_r)
{
	const char *s = a->p;

	while (a->p < a->end && imap_is_atom_char((unsigned char)*a->p))
		a->p++;
	if (a->p == s)
		return imap_error_bad(a->err, "Expected an atom");
	*atom_r = s;
	*len_r = (size_t)(a->p - s);
	return 0;
}

bool
imap_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			n = 1, cp = p[i] & 0x1f;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			n = 2, cp = p[i] & 0x0f;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			n = 3, cp = p[i] & 0x07;
		else
			return false;
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		    || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += n + 1;
	}
	return true;
}

/* A decoded string is checked once: no NUL, UTF-8 in UTF-8 mode. */
static int
imap_string_check(struct imap_args *a, const char *s, size_t len)
{
	if (memchr(s, '\0', len) != NULL)
		return imap_error_bad(a->err, "NUL in string");
	if ((a->mode & IMAP_MODE_UTF8) && !imap_utf8_valid(s, len))
		return imap_error_bad(a->err, "Invalid UTF-8 in string");
	return 0;
}

static int
imap_parse_quoted(struct imap_args *a, char **s_r, size_t *len_r)
{
	const char *p;
	char *out;
	size_t n = 0;

	/* First find the end and the length, so that the copy is exact. */
	for (p = a->p + 1; p < a->end && *p != '"'; p++, n++) {
		if (*p == '\r' || *p == '\n')
			break;
		if (*p == '\\') {
			if (p + 1 >= a->end || (p[1] != '"' && p[1] != '\\'))
				return imap_error_bad(a->err,
				    "Invalid escape in quoted string");
			p++;
		}
	}
	if (p >= a->end || *p != '"')
		return imap_error_bad(a->err, "Unterminated quoted string");
	out = gd_pool_alloc(a->pool, n + 1);
	for (p = a->p + 1, n = 0; *p != '"'; p++) {
		if (*p == '\\')
			p++;
		out[n++] = *p;
	}
	a->p = p + 1;
	*s_r = out;
	*len_r = n;
	return imap_string_check(a, out, n);
}

/* "{" number64 ["+"] "}" CRLF, then the octets; `binary` allows "~". */
static int
imap_parse_literal(struct imap_args *a, char **s_r, size_t *len_r)
{
	uint64_t n = 0;
	const char *p = a->p + 1;

	if (p >= a->end || *p < '0' || *p > '9')
		return imap_error_bad(a->err, "Invalid literal");
	while (p < a->end && *p >= '0' && *p <= '9') {
		if (n > (IMAP_NUMBER64_MAX - 9) / 10)
			return imap_error_bad(a->err, "Invalid literal");
		n = n * 10 + (uint64_t)(*p++ - '0');
	}
	if (p < a->end && *p == '+')
		p++;
	if (a->end - p < 3 || memcmp(p, "}\r\n", 3) != 0)
		return imap_error_bad(a->err, "Invalid literal");
	p += 3;
	if ((uint64_t)(a->end - p) < n)
		return imap_error_bad(a->err, "Literal data missing");
	*s_r = gd_pool_strndup(a->pool, p, (size_t)n);
	*len_r = (size_t)n;
	a->p = p + n;
	return imap_string_check(a, p, (size_t)n);
}

int
imap_parse_string(struct imap_args *a, char **s_r, size_t *len_r)
{
	if (a->p < a->end && *a->p == '"')
		return imap_parse_quoted(a, s_r, len_r);
	if (a->p < a->end && *a->p == '{')
		return imap_parse_literal(a, s_r, len_r);
	return imap_error_bad(a->err, imap_args_at_end(a) ?
	    "Missing argument" : "Expected a string");
}

int
imap_parse_astring(struct imap_args *a, char **s_r, size_t *len_r)
{
	const char *s = a->p;

	if (a->p < a->end && (*a->p == '"' || *a->p == '{'))
		return imap_parse_string(a, s_r, len_r);
	while (a->p < a->end && (imap_is_atom_char((unsigned char)*a->p) ||
	    *a->p == ']'))
		a->p++;
	if (a->p == s)
		return imap_error_bad(a->err, imap_args_at_end(a) ?
		    "Missing argument" : "Expected a string");
	*len_r = (size_t)(a->p - s);
	*s_r = gd_pool_strndup(a->pool, s, *len_r);
	return 0;
}

int
imap_parse_nstring(struct imap_args *a, char **s_r, size_t *len_r)
{
	if (a->end - a->p >= 3 && strncasecmp(a->p, "NIL", 3) == 0 &&
	    (a->end - a->p == 3 ||
	    !imap_is_atom_char((unsigned char)a->p[3]))) {
		a->p += 3;
		*s_r = NULL;
		*len_r = 0;
		return 0;
	}
	return imap_parse_string(a, s_r, len_r);
}

static int
imap_parse_digits(struct imap_args *a, uint64_t max, bool nz, uint64_t *n_r)
{
	uint64_t n = 0;
	const char *s = a->p;

	if (a->p >= a->end || *a->p < '0' || *a->p > '9')
		return imap_error_bad(a->err, "Expected a number");
	if (nz && *a->p == '0')
		return imap_error_bad(a->err, "Expected a non-zero number");
	while (a->p < a->end && *a->p >= '0' && *a->p <= '9') {
		n = n * 10 + (uint64_t)(*a->p++ - '0');
		if (n > max)
			return imap_error_bad(a->err, "Number too large");
	}
	(void)s;
	*n_r = n;
	return 0;
}

int
imap_parse_number(struct imap_args *a, uint32_t *n_r)
{
	uint64_t n;

	if (imap_parse_digits(a, UINT32_MAX, false, &n) < 0)
		return -1;
	*n_r = (uint32_t)n;
	return 0;
}

int
imap_parse_nz_number(struct imap_args *a, uint32_t *n_r)
{
	uint64_t n;

	if (imap_parse_digits(a, UINT32_MAX, true, &n) < 0)
		return -1;
	*n_r = (uint32_t)n;
	return 0;
}

int
imap_parse_number64(struct imap_args *a, uint64_t *n_r)
{
	return imap_parse_digits(a, IMAP_NUMBER64_MAX, false, n_r);
}

void *
imap_pool_grow(struct gd_pool *pool, void *array, size_t count, size_t *cap,
    size_t size)
{
	void *bigger;

	if (count < *cap)
		return array;
	*cap = *cap == 0 ? 8 : *cap * 2;
	bigger = gd_pool_alloc(pool, *cap * size);
	if (count > 0)
		memcpy(bigger, array, count * size);
	return bigger;
}

bool
imap_base64_valid(const char *s, size_t len)
{
	size_t i, pad = 0;

	if (len % 4 != 0)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '=' && i + 2 >= len)
			pad++;
		else if (pad > 0 || !(s[i] == '+' || s[i] == '/' ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
			return false;
	}
	return true;
}
