/*
 * header-lex.c — RFC 5322 lexical helpers shared by the address and date
 * parsers: quoted strings, comments, white space.
 */
#include "config.h"

#include <string.h>

#include "header-private.h"

static const char *lex_comment(const char *p, const char *end,
    bool *closed_r);

bool
gd_hdr_is_atext(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

const char *
gd_hdr_skip_quoted(const char *p, const char *end, bool *closed_r)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				break;
		} else if (*p == '"') {
			if (closed_r != NULL)
				*closed_r = true;
			return p + 1;
		}
	}
	if (closed_r != NULL)
		*closed_r = false;
	return end;
}

/* Nesting is counted, not recursed: any depth costs no stack. */
static const char *
lex_comment(const char *p, const char *end, bool *closed_r)
{
	size_t depth = 0;

	*closed_r = false;
	for (; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				break;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && --depth == 0) {
			*closed_r = true;
			return p + 1;
		}
	}
	return end;
}

const char *
gd_hdr_skip_comment(const char *p, const char *end)
{
	bool closed;

	return lex_comment(p, end, &closed);
}

const char *
gd_hdr_skip_cfws(const char *p, const char *end,
    struct gd_hdr_span *comment_r)
{
	const char *q;
	bool closed;

	while (p < end) {
		if (gd_hdr_is_wsp((unsigned char)*p)) {
			p++;
		} else if (*p == '(') {
			q = lex_comment(p, end, &closed);
			if (comment_r != NULL) {
				/* An unclosed comment has no ')' to drop. */
				comment_r->p = p + 1;
				comment_r->len = (size_t)(q - p) -
				    (closed ? 2 : 1);
			}
			p = q;
		} else {
			break;
		}
	}
	return p;
}

size_t
gd_hdr_unescape(const char *in, size_t len, char *out)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '\\' && i + 1 < len)
			i++;
		if (in[i] == '\r' || in[i] == '\n' || in[i] == '\0')
			continue;
		out[n++] = in[i];
	}
	return n;
}

size_t
gd_hdr_collapse_ws(char *s, size_t len)
{
	size_t i, n = 0;
	bool space = false;

	for (i = 0; i < len; i++) {
		if (gd_hdr_is_wsp((unsigned char)s[i])) {
			space = n > 0;
			continue;
		}
		if (space)
			s[n++] = ' ';
		space = false;
		s[n++] = s[i];
	}
	s[n] = '\0';
	return n;
}

bool
gd_hdr_has_8bit(const char *s)
{
	if (s == NULL)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}
