/*
 * address-lex.c — where the parts of an address list begin and end, and
 * the reading of phrases (display names and group names).
 */
#include "config.h"

#include <gumdrop/pool.h>

#include "header-private.h"

static unsigned addr_stop_bit(char c);
static bool addr_route_continues(const char *p, const char *end);

static unsigned
addr_stop_bit(char c)
{
	switch (c) {
	case ',':
		return GD_HDR_STOP_COMMA;
	case ';':
		return GD_HDR_STOP_SEMI;
	case ':':
		return GD_HDR_STOP_COLON;
	case '@':
		return GD_HDR_STOP_AT;
	default:
		return 0;
	}
}

/* After a ',' in an obs-route, only another domain ("@b"), another ','
 * or the ':' may follow; anything else means the '>' is missing and the
 * ',' separates list elements. */
static bool
addr_route_continues(const char *p, const char *end)
{
	p = gd_hdr_skip_cfws(p, end, NULL);
	return p < end && (*p == '@' || *p == ',' || *p == ':');
}

const char *
gd_hdr_addr_skip_angle(const char *p, const char *end, bool *closed_r)
{
	bool route;

	*closed_r = false;
	p = gd_hdr_skip_cfws(p + 1, end, NULL);
	/* An obs-route "<@a,@b:user@host>" has commas of its own. */
	route = p < end && (*p == '@' || *p == ',');
	while (p < end) {
		switch (*p) {
		case '"':
			p = gd_hdr_skip_quoted(p, end, NULL);
			continue;
		case '(':
			p = gd_hdr_skip_comment(p, end);
			continue;
		case '>':
			*closed_r = true;
			return p + 1;
		case ':':
			route = false;
			break;
		case ',':
			if (!route || !addr_route_continues(p + 1, end))
				return p;
			break;
		case ';':
		case '<':
			return p;
		}
		p++;
	}
	return end;
}

const char *
gd_hdr_addr_scan(const char *p, const char *end, unsigned stops)
{
	bool closed;

	while (p < end) {
		if (*p == '"') {
			p = gd_hdr_skip_quoted(p, end, NULL);
		} else if (*p == '(') {
			p = gd_hdr_skip_comment(p, end);
		} else if (*p == '<') {
			if ((stops & GD_HDR_STOP_LT) != 0)
				return p;
			p = gd_hdr_addr_skip_angle(p, end, &closed);
		} else if ((addr_stop_bit(*p) & stops) != 0) {
			return p;
		} else {
			p++;
		}
	}
	return end;
}

char *
gd_hdr_addr_phrase(struct gd_pool *pool, const char *p, const char *end,
    struct gd_hdr_span *comment_r)
{
	const char *q;
	char *buf;
	size_t n = 0;
	bool closed;

	buf = gd_pool_alloc(pool, (size_t)(end - p) + 1);
	while (p < end) {
		if (*p == '"') {
			q = gd_hdr_skip_quoted(p, end, &closed);
			/* UNSAFE: the inside is shorter than [p, q). */
			n += gd_hdr_unescape(p + 1, (size_t)(q - p) -
			    (closed ? 2 : 1), buf + n);
			p = q;
		} else if (*p == '(') {
			/* A comment separates words like white space. */
			p = gd_hdr_skip_cfws(p, end, comment_r);
			buf[n++] = ' ';
		} else {
			buf[n++] = *p++;
		}
	}
	n = gd_hdr_collapse_ws(buf, n);
	return n == 0 ? NULL : buf;
}
