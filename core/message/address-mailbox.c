/*
 * address-mailbox.c — one element of an address list: name-addr
 * ("Name <local@domain>", with an optional obs-route), addr-spec
 * ("local@domain (Comment)") or a bare local part; anything else becomes
 * an invalid entry holding the text.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/msg-address.h>
#include <gumdrop/pool.h>

#include "header-private.h"

/* A cursor over one part of the element; output goes to `out`, which has
 * room for the whole part plus NULs (nothing here expands its input). */
struct addr_cur {
	const char *p, *end;
	struct gd_hdr_span *comment;	/* last comment seen, or NULL */
	char *out;
	size_t n;
};

static void addr_skip(struct addr_cur *c);
static bool addr_literal_char(unsigned char ch);
static bool addr_literal(struct addr_cur *c);
static bool addr_domain(struct addr_cur *c);
static bool addr_quoted_word(struct addr_cur *c);
static bool addr_local(struct addr_cur *c, bool *quoted_r);
static bool addr_spec(struct gd_pool *pool, const char *p, const char *end,
    struct gd_hdr_span *comment, struct gd_msg_address *addr);
static bool addr_route(struct gd_pool *pool, const char *p,
    const char *end, struct gd_msg_address *addr);
static bool addr_angle(struct gd_pool *pool, const char *lt,
    const char *end, struct gd_hdr_span *comment,
    struct gd_msg_address *addr);
static void addr_invalid(struct gd_pool *pool, const char *p,
    const char *end, struct gd_msg_address *addr);
static char *addr_comment_name(struct gd_pool *pool,
    const struct gd_hdr_span *comment);

static void
addr_skip(struct addr_cur *c)
{
	c->p = gd_hdr_skip_cfws(c->p, c->end, c->comment);
}

/*
 * What a domain literal may hold.  Narrower than RFC 5322 dtext: the
 * characters that delimit comments, quotes and list elements are left
 * out, so that a literal never changes where an element ends (real
 * literals are IP addresses: digits, hex, '.', ':').
 */
static bool
addr_literal_char(unsigned char ch)
{
	return ch > ' ' && ch < 0x7f && strchr("()<>[]\\\",;", ch) == NULL;
}

/* "[192.0.2.1]", kept with its brackets; white space inside dropped. */
static bool
addr_literal(struct addr_cur *c)
{
	c->out[c->n++] = *c->p++;
	while (c->p < c->end && *c->p != ']') {
		if (gd_hdr_is_wsp((unsigned char)*c->p))
			c->p++;
		else if (addr_literal_char((unsigned char)*c->p))
			c->out[c->n++] = *c->p++;
		else
			return false;
	}
	if (c->p == c->end)
		return false;
	c->out[c->n++] = *c->p++;
	addr_skip(c);
	return true;
}

/* dot-atom or obs-domain (CFWS around the dots), or a literal. */
static bool
addr_domain(struct addr_cur *c)
{
	const char *start;

	addr_skip(c);
	if (c->p < c->end && *c->p == '[')
		return addr_literal(c);
	for (;;) {
		start = c->p;
		while (c->p < c->end && gd_hdr_is_atext((unsigned char)*c->p))
			c->out[c->n++] = *c->p++;
		if (c->p == start)
			return false;
		addr_skip(c);
		if (c->p == c->end || *c->p != '.')
			return true;
		c->out[c->n++] = *c->p++;
		addr_skip(c);
	}
}

static bool
addr_quoted_word(struct addr_cur *c)
{
	const char *q;
	bool closed;

	q = gd_hdr_skip_quoted(c->p, c->end, &closed);
	if (!closed)
		return false;
	/* UNSAFE: the inside, unescaped, is shorter than [p, q). */
	c->n += gd_hdr_unescape(c->p + 1, (size_t)(q - c->p) - 2,
	    c->out + c->n);
	c->p = q;
	return true;
}

/*
 * obs-local-part: words (atoms or quoted strings) joined by dots, CFWS
 * around them.  Empty words ("john..doe", ".x", "x.") are tolerated, as
 * some mobile carriers issue them; two words with no dot are not.
 */
static bool
addr_local(struct addr_cur *c, bool *quoted_r)
{
	bool word = false;

	*quoted_r = false;
	for (addr_skip(c); c->p < c->end; addr_skip(c)) {
		if (*c->p == '.') {
			c->out[c->n++] = *c->p++;
			word = false;
			continue;
		}
		if (word)
			return *c->p == '@';
		if (*c->p == '"') {
			if (!addr_quoted_word(c))
				return false;
			*quoted_r = true;
		} else if (gd_hdr_is_atext((unsigned char)*c->p)) {
			while (c->p < c->end &&
			    gd_hdr_is_atext((unsigned char)*c->p))
				c->out[c->n++] = *c->p++;
		} else {
			return *c->p == '@';
		}
		word = true;
	}
	return true;
}

/* local-part ["@" domain] filling all of [p, end). */
static bool
addr_spec(struct gd_pool *pool, const char *p, const char *end,
    struct gd_hdr_span *comment, struct gd_msg_address *addr)
{
	struct addr_cur c = { p, end, comment, NULL, 0 };
	size_t local_len;
	bool quoted;

	c.out = gd_pool_alloc(pool, (size_t)(end - p) + 2);
	if (!addr_local(&c, &quoted) || (c.n == 0 && !quoted))
		return false;
	local_len = c.n;
	c.out[c.n++] = '\0';
	if (c.p < c.end) {
		c.p++;	/* '@' */
		if (!addr_domain(&c) || c.p != c.end)
			return false;
		addr->domain = c.out + local_len + 1;
	}
	addr->mailbox = c.out;
	if (quoted)
		addr->flags |= GD_MSG_ADDR_QUOTED_LOCAL;
	return true;
}

/* obs-domain-list up to the ':': "@a.example,@b.example" (empty
 * elements and CFWS dropped). */
static bool
addr_route(struct gd_pool *pool, const char *p, const char *end,
    struct gd_msg_address *addr)
{
	struct addr_cur c = { p, end, NULL, NULL, 0 };

	c.out = gd_pool_alloc(pool, (size_t)(end - p) + 1);
	for (addr_skip(&c); c.p < c.end; addr_skip(&c)) {
		if (*c.p == ',') {
			c.p++;
			continue;
		}
		if (*c.p != '@')
			return false;
		if (c.n > 0)
			c.out[c.n++] = ',';
		c.out[c.n++] = *c.p++;
		if (!addr_domain(&c) || (c.p < c.end && *c.p != ','))
			return false;
	}
	addr->route = c.n > 0 ? c.out : NULL;
	return true;
}

/* "<" [route ":"] addr-spec [">"] at `lt`, then comments. */
static bool
addr_angle(struct gd_pool *pool, const char *lt, const char *end,
    struct gd_hdr_span *comment, struct gd_msg_address *addr)
{
	const char *gt, *p, *colon, *rest;
	bool closed;

	rest = gd_hdr_addr_skip_angle(lt, end, &closed);
	gt = closed ? rest - 1 : rest;
	p = gd_hdr_skip_cfws(lt + 1, gt, NULL);
	if (p < gt && (*p == '@' || *p == ',')) {
		colon = gd_hdr_addr_scan(p, gt, GD_HDR_STOP_COLON);
		if (colon == gt || !addr_route(pool, p, colon, addr))
			return false;
		p = colon + 1;
	}
	if (!addr_spec(pool, p, gt, NULL, addr))
		return false;
	/* After the address only comments belong; other text (a second
	 * address with no comma, stray words) is dropped, not refused. */
	(void)gd_hdr_skip_cfws(rest, end, comment);
	return true;
}

static void
addr_invalid(struct gd_pool *pool, const char *p, const char *end,
    struct gd_msg_address *addr)
{
	char *s;
	size_t i, n;

	while (p < end && gd_hdr_is_wsp((unsigned char)*p))
		p++;
	while (end > p && gd_hdr_is_wsp((unsigned char)end[-1]))
		end--;
	n = (size_t)(end - p);
	/* Not strndup: that stops at a NUL, which we turn into a space. */
	s = gd_pool_alloc(pool, n + 1);
	memcpy(s, p, n);
	for (i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			s[i] = ' ';
	memset(addr, 0, sizeof(*addr));
	addr->mailbox = s;
	addr->flags = GD_MSG_ADDR_INVALID;
}

static char *
addr_comment_name(struct gd_pool *pool, const struct gd_hdr_span *comment)
{
	char *s;
	size_t n;

	s = gd_pool_alloc(pool, comment->len + 1);
	n = gd_hdr_unescape(comment->p, comment->len, s);
	n = gd_hdr_collapse_ws(s, n);
	return n == 0 ? NULL : s;
}

void
gd_hdr_addr_parse_mailbox(struct gd_pool *pool, const char *p,
    const char *end, struct gd_msg_address *addr)
{
	struct gd_hdr_span comment = { NULL, 0 };
	const char *lt;
	bool ok;

	lt = gd_hdr_addr_scan(p, end, GD_HDR_STOP_LT);
	if (lt < end) {
		/* Anything before '<' is the name, even an unquoted ',', '@'
		 * or ':' that broken software left there. */
		addr->name = gd_hdr_addr_phrase(pool, p, lt, &comment);
		ok = addr_angle(pool, lt, end, &comment, addr);
	} else {
		ok = addr_spec(pool, p, end, &comment, addr);
	}
	if (!ok) {
		addr_invalid(pool, p, end, addr);
	} else if (addr->name == NULL && comment.p != NULL) {
		addr->name = addr_comment_name(pool, &comment);
	}
	if (gd_hdr_has_8bit(addr->name) || gd_hdr_has_8bit(addr->route) ||
	    gd_hdr_has_8bit(addr->mailbox) || gd_hdr_has_8bit(addr->domain))
		addr->flags |= GD_MSG_ADDR_UTF8;
}
