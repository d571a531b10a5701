/*
 * fuzz-imap-search.c — libFuzzer target for modules/imap's SEARCH
 * program parser.  The first octet picks the mode (bit 0: IMAP4rev2,
 * bit 1: UTF-8, bit 2: an empty saved result); the rest is the SEARCH
 * arguments.  When they parse, the gd_search_key tree must be well
 * formed (NOT has one child, OR two, AND any; sets normalized; strings
 * and fields present; depth bounded), and writing it back as a SEARCH
 * program (strings as literals, dates as d-Mon-yyyy) must parse into an
 * identical tree (or, for NEW, be refused only by the depth limit,
 * since it is written back one level deeper).  Refusals are BAD, or NO
 * with LIMIT / BADCHARSET.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_out {
	char *buf;
	size_t cap;
	size_t len;
};

static void
fz_put(struct fz_out *o, const char *s, size_t n)
{
	if (o->len + n >= o->cap)
		abort();	/* sized generously below */
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
fz_printf(struct fz_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fz_printf(struct fz_out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		abort();	/* only short items go through here */
	fz_put(o, tmp, (size_t)n);
}

static void
fz_literal(struct fz_out *o, const char *s)
{
	fz_printf(o, "{%zu}\r\n", strlen(s));
	fz_put(o, s, strlen(s));
}

static const char *
fz_flag_word(uint32_t f)
{
	switch (f) {
	case GD_MAIL_SEEN: return "SEEN";
	case GD_MAIL_ANSWERED: return "ANSWERED";
	case GD_MAIL_FLAGGED: return "FLAGGED";
	case GD_MAIL_DELETED: return "DELETED";
	case GD_MAIL_DRAFT: return "DRAFT";
	case GD_MAIL_RECENT: return "RECENT";
	default: abort();
	}
}

static void
fz_date(struct fz_out *o, const char *key, int64_t day)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t y;
	unsigned m, d;

	/* Walk from a year estimate: dates are within 0000..9999. */
	y = 1970 + day / 366;
	while (gd_search_day((int)y + 1, 1, 1) <= day)
		y++;
	while (gd_search_day((int)y, 1, 1) > day)
		y--;
	for (m = 12; gd_search_day((int)y, m, 1) > day; m--)
		;
	d = (unsigned)(day - gd_search_day((int)y, m, 1)) + 1;
	fz_printf(o, "%s %u-%s-%04d", key, d, mon[m - 1], (int)y);
}

static void fz_render(struct fz_out *o, const struct gd_search_key *k);

static void
fz_render_set(struct fz_out *o, const struct gd_search_key *k)
{
	size_t i;

	if (k->op == GD_SEARCH_UIDSET)
		fz_put(o, "UID ", 4);
	for (i = 0; i < k->u.set.count; i++)
		fz_printf(o, "%s%u:%u", i > 0 ? "," : "",
		    k->u.set.ranges[i].first, k->u.set.ranges[i].last);
}

static void
fz_render_list(struct fz_out *o, const struct gd_search_key *c)
{
	for (; c != NULL; c = c->next) {
		fz_render(o, c);
		if (c->next != NULL)
			fz_put(o, " ", 1);
	}
}

static void
fz_render(struct fz_out *o, const struct gd_search_key *k)
{
	static const char *const words[] = { [GD_SEARCH_BEFORE] = "BEFORE",
	    [GD_SEARCH_ON] = "ON", [GD_SEARCH_SINCE] = "SINCE",
	    [GD_SEARCH_SENT_BEFORE] = "SENTBEFORE",
	    [GD_SEARCH_SENT_ON] = "SENTON",
	    [GD_SEARCH_SENT_SINCE] = "SENTSINCE",
	    [GD_SEARCH_LARGER] = "LARGER", [GD_SEARCH_SMALLER] = "SMALLER",
	    [GD_SEARCH_OLDER] = "OLDER", [GD_SEARCH_YOUNGER] = "YOUNGER",
	    [GD_SEARCH_BODY] = "BODY", [GD_SEARCH_TEXT] = "TEXT" };

	switch (k->op) {
	case GD_SEARCH_ALL: fz_put(o, "ALL", 3); break;
	case GD_SEARCH_AND:
		fz_put(o, "(", 1);
		fz_render_list(o, k->children);
		fz_put(o, ")", 1);
		break;
	case GD_SEARCH_OR: case GD_SEARCH_NOT:
		fz_put(o, k->op == GD_SEARCH_OR ? "OR " : "NOT ", 3 +
		    (k->op == GD_SEARCH_NOT));
		fz_render_list(o, k->children);
		break;
	case GD_SEARCH_SEQSET: case GD_SEARCH_UIDSET:
		fz_render_set(o, k);
		break;
	case GD_SEARCH_FLAGS:
		fz_printf(o, "%s", fz_flag_word(k->u.flags));
		break;
	case GD_SEARCH_KEYWORD:
		fz_put(o, "KEYWORD ", 8);
		fz_put(o, k->u.text, strlen(k->u.text));
		break;
	case GD_SEARCH_HEADER:
		fz_put(o, "HEADER ", 7);
		fz_literal(o, k->u.header.field);
		fz_put(o, " ", 1);
		fz_literal(o, k->u.header.value);
		break;
	case GD_SEARCH_BODY: case GD_SEARCH_TEXT:
		fz_printf(o, "%s ", words[k->op]);
		fz_literal(o, k->u.text);
		break;
	case GD_SEARCH_LARGER: case GD_SEARCH_SMALLER: case GD_SEARCH_OLDER:
	case GD_SEARCH_YOUNGER:
		fz_printf(o, "%s %llu", words[k->op],
		    (unsigned long long)k->u.number);
		break;
	default:
		fz_date(o, words[k->op], k->u.day);
		break;
	}
}

static bool
fz_same(const struct gd_search_key *a, const struct gd_search_key *b)
{
	for (; a != NULL && b != NULL; a = a->next, b = b->next) {
		if (a->op != b->op || !fz_same(a->children, b->children))
			return false;
		switch (a->op) {
		case GD_SEARCH_SEQSET: case GD_SEARCH_UIDSET:
			if (a->u.set.count != b->u.set.count ||
			    memcmp(a->u.set.ranges, b->u.set.ranges,
			    a->u.set.count * sizeof(*a->u.set.ranges)) != 0)
				return false;
			break;
		case GD_SEARCH_HEADER:
			if (strcmp(a->u.header.field, b->u.header.field) ||
			    strcmp(a->u.header.value, b->u.header.value))
				return false;
			break;
		case GD_SEARCH_KEYWORD: case GD_SEARCH_BODY:
		case GD_SEARCH_TEXT:
			if (strcmp(a->u.text, b->u.text) != 0)
				return false;
			break;
		case GD_SEARCH_AND: case GD_SEARCH_OR: case GD_SEARCH_NOT:
		case GD_SEARCH_ALL:
			break;
		default:
			if (memcmp(&a->u, &b->u, sizeof(a->u)) != 0)
				return false;
		}
	}
	return a == NULL && b == NULL;
}

/* Shape checks; returns false if some set is empty (not renderable). */
static bool
fz_check(const struct gd_search_key *k, unsigned depth)
{
	const struct gd_search_key *c;
	size_t n = 0, i;
	bool ok = true;

	if (depth > 2 * IMAP_SEARCH_DEPTH_MAX + 4)
		abort();
	for (c = k->children; c != NULL; c = c->next, n++)
		ok &= fz_check(c, depth + 1);
	if ((k->op == GD_SEARCH_NOT && n != 1) ||
	    (k->op == GD_SEARCH_OR && n != 2) ||
	    (k->op != GD_SEARCH_NOT && k->op != GD_SEARCH_OR &&
	    k->op != GD_SEARCH_AND && n != 0))
		abort();
	if (k->op == GD_SEARCH_SEQSET || k->op == GD_SEARCH_UIDSET) {
		for (i = 0; i < k->u.set.count; i++)
			if (k->u.set.ranges[i].first == 0 ||
			    k->u.set.ranges[i].first >
			    k->u.set.ranges[i].last ||
			    (i > 0 && k->u.set.ranges[i - 1].last >=
			    k->u.set.ranges[i].first))
				abort();
		ok &= k->u.set.count > 0;
	}
	if ((k->op == GD_SEARCH_HEADER && (k->u.header.field == NULL ||
	    k->u.header.value == NULL || k->u.header.field[0] == '\0')) ||
	    ((k->op == GD_SEARCH_KEYWORD || k->op == GD_SEARCH_BODY ||
	    k->op == GD_SEARCH_TEXT) && k->u.text == NULL))
		abort();
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gd_mail_range saved[] = { { 1, 3 }, { 8, 8 } };
	static struct gd_pool *pool;
	struct imap_search_ctx ctx = { 40, 70000, saved, 2 };
	struct imap_search s, back;
	struct imap_error err;
	struct imap_args a;
	struct fz_out o;
	unsigned mode;
	char *copy;

	if (size == 0)
		return 0;
	if (pool == NULL)
		pool = gd_pool_create("fuzz");
	mode = (data[0] & 1 ? IMAP_MODE_REV2 : 0) |
	    (data[0] & 2 ? IMAP_MODE_UTF8 : 0);
	if (data[0] & 4)
		ctx.nsaved = 0;
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	imap_args_init(&a, copy, size - 1, pool, mode, &err);
	if (imap_parse_search(&a, &ctx, &s) < 0) {
		if (err.status != IMAP_BAD && !(err.status == IMAP_NO &&
		    (err.code == IMAP_CODE_LIMIT ||
		    err.code == IMAP_CODE_BADCHARSET)))
			abort();
	} else if (fz_check(s.key, 0) && s.key->op == GD_SEARCH_AND) {
		o.cap = 64 * size + 4096;
		o.buf = gd_pool_alloc(pool, o.cap);
		o.len = 0;
		fz_render_list(&o, s.key->children);
		imap_args_init(&a, o.buf, o.len, pool, mode, &err);
		/* NEW written back as (RECENT NOT SEEN) nests one level
		 * deeper, so only the depth limit may refuse it now. */
		if (imap_parse_search(&a, &ctx, &back) < 0) {
			if (err.code != IMAP_CODE_LIMIT)
				abort();
		} else if (!fz_same(s.key, back.key))
			abort();
	}
	free(copy);
	gd_pool_clear(pool);
	return 0;
}
