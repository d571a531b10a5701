/*
 * address-parse.c — RFC 5322 address lists (3.4, 4.4): splitting the list
 * into elements, groups, and the entry limit.
 *
 * Work is linear in the input: every look-ahead (for a group's ';', for
 * the '<' that ends an unquoted "Doe, John <j@example>") remembers how far
 * it got, so no stretch of the input is scanned for the same question
 * twice; and nothing recurses.
 */
#include "config.h"

#include <gumdrop/msg-address.h>
#include <gumdrop/pool.h>

#include "header-private.h"

#define ADDR_DEFAULT_MAX	1000

struct addr_parser {
	struct gd_pool *pool;
	const char *p, *end;
	struct gd_msg_address *head, **tail;
	unsigned count, max;
	bool in_group;
	const char *semi;	/* next top-level ';' seen from p, or NULL */
	const char *no_merge;	/* elements ending before this stand alone */
};

static struct gd_msg_address *addr_add(struct addr_parser *ap);
static bool addr_is_group(struct addr_parser *ap, const char *colon);
static int addr_group_start(struct addr_parser *ap);
static bool addr_is_bare(const char *p, const char *end);
static const char *addr_merge_bare(struct addr_parser *ap, const char *e);
static const char *addr_element_end(struct addr_parser *ap);
static bool addr_next(struct addr_parser *ap);

static struct gd_msg_address *
addr_add(struct addr_parser *ap)
{
	struct gd_msg_address *a;

	assert(ap->count < ap->max);
	a = gd_pool_alloc(ap->pool, sizeof(*a));
	*ap->tail = a;
	ap->tail = &a->next;
	ap->count++;
	return a;
}

/*
 * A ':' before any '<' or '@' starts a group, unless it is an unquoted
 * ':' in a display name ("Re: John <j@example>"): that is when no ';'
 * follows anywhere and a '<' follows in the same element.
 */
static bool
addr_is_group(struct addr_parser *ap, const char *colon)
{
	const char *e;

	if (ap->semi == NULL || ap->semi < colon)
		ap->semi = gd_hdr_addr_scan(colon, ap->end, GD_HDR_STOP_SEMI);
	if (ap->semi < ap->end)
		return true;
	e = gd_hdr_addr_scan(colon + 1, ap->end,
	    GD_HDR_STOP_COMMA | GD_HDR_STOP_SEMI | GD_HDR_STOP_LT);
	return e == ap->end || *e != '<';
}

/* 1: a group started; 0: no group here; -1: no room left for one. */
static int
addr_group_start(struct addr_parser *ap)
{
	struct gd_msg_address *a;
	const char *colon;
	char *name;

	colon = gd_hdr_addr_scan(ap->p, ap->end, GD_HDR_STOP_COLON |
	    GD_HDR_STOP_LT | GD_HDR_STOP_AT | GD_HDR_STOP_COMMA |
	    GD_HDR_STOP_SEMI);
	if (colon == ap->end || *colon != ':' || !addr_is_group(ap, colon))
		return 0;
	/* Room for the start and the end marker, or no group at all. */
	if (ap->max - ap->count < 2)
		return -1;
	name = gd_hdr_addr_phrase(ap->pool, ap->p, colon, NULL);
	a = addr_add(ap);
	a->name = name != NULL ? name : gd_pool_strdup(ap->pool, "");
	a->flags = GD_MSG_ADDR_GROUP_START;
	if (gd_hdr_has_8bit(a->name))
		a->flags |= GD_MSG_ADDR_UTF8;
	ap->in_group = true;
	ap->p = colon + 1;
	return 1;
}

/* Only words: no '<', '@' or ':' at top level, and not empty. */
static bool
addr_is_bare(const char *p, const char *end)
{
	if (gd_hdr_skip_cfws(p, end, NULL) == end)
		return false;
	return gd_hdr_addr_scan(p, end, GD_HDR_STOP_LT | GD_HDR_STOP_AT |
	    GD_HDR_STOP_COLON) == end;
}

/*
 * The element [ap->p, e) is only words and e is a ','.  If more such
 * elements follow and then one whose first special is '<', they are one
 * mailbox whose display name has unquoted commas ("Doe, John
 * <j@example>"): return the end of that one.  Else return `e`, and
 * remember that the elements looked at stand alone.
 */
static const char *
addr_merge_bare(struct addr_parser *ap, const char *e)
{
	const char *s, *f, *stop;

	for (;;) {
		s = e + 1;
		f = gd_hdr_addr_scan(s, ap->end, GD_HDR_STOP_COMMA |
		    GD_HDR_STOP_SEMI);
		if (!addr_is_bare(s, f))
			break;
		if (f == ap->end || *f != ',')
			break;
		e = f;
	}
	stop = gd_hdr_addr_scan(s, f, GD_HDR_STOP_LT | GD_HDR_STOP_AT |
	    GD_HDR_STOP_COLON);
	if (stop < f && *stop == '<')
		return f;
	ap->no_merge = f;
	return NULL;
}

static const char *
addr_element_end(struct addr_parser *ap)
{
	const char *e, *merged;

	e = gd_hdr_addr_scan(ap->p, ap->end, GD_HDR_STOP_COMMA |
	    GD_HDR_STOP_SEMI);
	if (e == ap->end || *e != ',' || e <= ap->no_merge ||
	    !addr_is_bare(ap->p, e))
		return e;
	merged = addr_merge_bare(ap, e);
	return merged != NULL ? merged : e;
}

/* One step: a separator, a group marker or an element.  False at the
 * end of the input or when the entry limit is reached. */
static bool
addr_next(struct addr_parser *ap)
{
	struct gd_msg_address *a;
	const char *e;
	int ret;

	ap->p = gd_hdr_skip_cfws(ap->p, ap->end, NULL);
	if (ap->p == ap->end)
		return false;
	if (*ap->p == ',' || *ap->p == ';') {
		/* Outside a group, ';' is taken as a separator: some
		 * software writes "a@example; b@example". */
		if (*ap->p == ';' && ap->in_group) {
			addr_add(ap)->flags = GD_MSG_ADDR_GROUP_END;
			ap->in_group = false;
		}
		ap->p++;
		return true;
	}
	/* In a group, one entry stays free for its end marker. */
	if (ap->max - ap->count <= (ap->in_group ? 1u : 0u))
		return false;
	if (!ap->in_group && (ret = addr_group_start(ap)) != 0)
		return ret > 0;
	e = addr_element_end(ap);
	a = addr_add(ap);
	gd_hdr_addr_parse_mailbox(ap->pool, ap->p, e, a);
	ap->p = e;
	return true;
}

struct gd_msg_address *
gd_msg_address_parse(struct gd_pool *pool, const char *in, size_t len,
    unsigned max_entries)
{
	struct addr_parser ap = { 0 };

	ap.pool = pool;
	ap.p = len > 0 ? in : "";
	ap.end = ap.p + len;
	ap.tail = &ap.head;
	ap.max = max_entries != 0 ? max_entries : ADDR_DEFAULT_MAX;
	ap.no_merge = ap.p;
	while (addr_next(&ap))
		;
	if (ap.in_group)
		addr_add(&ap)->flags = GD_MSG_ADDR_GROUP_END;
	return ap.head;
}
