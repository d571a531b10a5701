/*
 * imap-search.c — the SEARCH program (RFC 9051 6.4.4, RFC 3501 6.4.4,
 * RFC 4731 RETURN, RFC 5182 "$", RFC 5032 OLDER/YOUNGER) parsed into the
 * struct gd_search_key tree of mail-search.h.
 */
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

/* The parse of one program. */
struct imap_sp {
	struct imap_args *a;
	const struct imap_search_ctx *ctx;
	struct imap_search *s;
	unsigned depth;
};

enum imap_sk_arg {
	SK_NONE,		/* flag and constant keys */
	SK_STRING,		/* BODY TEXT */
	SK_HEADER,		/* FROM TO CC BCC SUBJECT: a fixed field */
	SK_FIELD,		/* HEADER field string */
	SK_KEYWORD,		/* KEYWORD UNKEYWORD */
	SK_DATE,		/* BEFORE ON SINCE SENT* */
	SK_NUMBER,		/* LARGER SMALLER */
	SK_SECONDS,		/* OLDER YOUNGER */
};

struct imap_sk_def {
	const char *name;
	enum gd_search_op op;
	enum imap_sk_arg arg;
	uint32_t flags;		/* the bit of a FLAGS key */
	bool negate;		/* UNANSWERED ...: NOT FLAGS */
	bool rev1;		/* NEW OLD RECENT: not in IMAP4rev2 */
	const char *field;
};

static const struct imap_sk_def imap_sk_defs[] = {
	{ "ALL", GD_SEARCH_ALL, SK_NONE, 0, false, false, NULL },
	{ "ANSWERED", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_ANSWERED, false,
	    false, NULL },
	{ "DELETED", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_DELETED, false, false,
	    NULL },
	{ "DRAFT", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_DRAFT, false, false,
	    NULL },
	{ "FLAGGED", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_FLAGGED, false, false,
	    NULL },
	{ "SEEN", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_SEEN, false, false, NULL },
	{ "RECENT", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_RECENT, false, true,
	    NULL },
	{ "OLD", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_RECENT, true, true, NULL },
	{ "UNANSWERED", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_ANSWERED, true,
	    false, NULL },
	{ "UNDELETED", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_DELETED, true, false,
	    NULL },
	{ "UNDRAFT", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_DRAFT, true, false,
	    NULL },
	{ "UNFLAGGED", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_FLAGGED, true, false,
	    NULL },
	{ "UNSEEN", GD_SEARCH_FLAGS, SK_NONE, GD_MAIL_SEEN, true, false,
	    NULL },
	{ "BODY", GD_SEARCH_BODY, SK_STRING, 0, false, false, NULL },
	{ "TEXT", GD_SEARCH_TEXT, SK_STRING, 0, false, false, NULL },
	{ "FROM", GD_SEARCH_HEADER, SK_HEADER, 0, false, false, "From" },
	{ "TO", GD_SEARCH_HEADER, SK_HEADER, 0, false, false, "To" },
	{ "CC", GD_SEARCH_HEADER, SK_HEADER, 0, false, false, "Cc" },
	{ "BCC", GD_SEARCH_HEADER, SK_HEADER, 0, false, false, "Bcc" },
	{ "SUBJECT", GD_SEARCH_HEADER, SK_HEADER, 0, false, false,
	    "Subject" },
	{ "HEADER", GD_SEARCH_HEADER, SK_FIELD, 0, false, false, NULL },
	{ "KEYWORD", GD_SEARCH_KEYWORD, SK_KEYWORD, 0, false, false, NULL },
	{ "UNKEYWORD", GD_SEARCH_KEYWORD, SK_KEYWORD, 0, true, false, NULL },
	{ "BEFORE", GD_SEARCH_BEFORE, SK_DATE, 0, false, false, NULL },
	{ "ON", GD_SEARCH_ON, SK_DATE, 0, false, false, NULL },
	{ "SINCE", GD_SEARCH_SINCE, SK_DATE, 0, false, false, NULL },
	{ "SENTBEFORE", GD_SEARCH_SENT_BEFORE, SK_DATE, 0, false, false,
	    NULL },
	{ "SENTON", GD_SEARCH_SENT_ON, SK_DATE, 0, false, false, NULL },
	{ "SENTSINCE", GD_SEARCH_SENT_SINCE, SK_DATE, 0, false, false, NULL },
	{ "LARGER", GD_SEARCH_LARGER, SK_NUMBER, 0, false, false, NULL },
	{ "SMALLER", GD_SEARCH_SMALLER, SK_NUMBER, 0, false, false, NULL },
	{ "OLDER", GD_SEARCH_OLDER, SK_SECONDS, 0, false, false, NULL },
	{ "YOUNGER", GD_SEARCH_YOUNGER, SK_SECONDS, 0, false, false, NULL },
};
#define IMAP_NSK	(sizeof(imap_sk_defs) / sizeof(imap_sk_defs[0]))

static int imap_sk_parse(struct imap_sp *sp, struct gd_search_key **k_r);

static struct gd_search_key *
imap_sk_new(struct imap_sp *sp, enum gd_search_op op)
{
	struct gd_search_key *k = gd_pool_alloc(sp->a->pool, sizeof(*k));

	k->op = op;
	return k;
}

static struct gd_search_key *
imap_sk_not(struct imap_sp *sp, struct gd_search_key *child)
{
	struct gd_search_key *k = imap_sk_new(sp, GD_SEARCH_NOT);

	k->children = child;
	return k;
}

static bool
imap_sk_is_set_start(char c)
{
	return (c >= '0' && c <= '9') || c == '*' || c == '$';
}

/* A sequence set (or UID set) key, resolved with the context. */
static int
imap_sk_set(struct imap_sp *sp, bool uid, struct gd_search_key **k_r)
{
	struct imap_seqset set;
	struct gd_search_key *k;

	if (imap_parse_seqset(sp->a, true, &set) < 0)
		return -1;
	k = imap_sk_new(sp, set.dollar || uid ? GD_SEARCH_UIDSET :
	    GD_SEARCH_SEQSET);
	if (set.dollar) {
		/* Shared, not copied: many "$" keys cost nothing more. */
		sp->s->uses_saved = true;
		k->u.set.ranges = sp->ctx->saved;
		k->u.set.count = sp->ctx->nsaved;
	} else {
		imap_seqset_normalize(&set, uid ? sp->ctx->uid_star :
		    sp->ctx->seq_star);
		k->u.set.ranges = set.ranges;
		k->u.set.count = set.count;
	}
	*k_r = k;
	return 0;
}

/* The argument of a table key. */
static int
imap_sk_arg(struct imap_sp *sp, const struct imap_sk_def *d,
    struct gd_search_key *k)
{
	struct imap_args *a = sp->a;
	const char *atom;
	size_t len;
	uint32_t n;

	if (d->arg == SK_NONE) {
		k->u.flags = d->flags;
		return 0;
	}
	if (imap_args_sp(a) < 0)
		return -1;
	switch (d->arg) {
	case SK_STRING:
		return imap_parse_astring(a, (char **)&k->u.text, &len);
	case SK_HEADER:
		k->u.header.field = d->field;
		return imap_parse_astring(a, (char **)&k->u.header.value,
		    &len);
	case SK_FIELD:
		if (imap_parse_astring(a, (char **)&k->u.header.field,
		    &len) < 0 || len == 0 || imap_args_sp(a) < 0)
			return imap_error_bad(a->err, "Invalid HEADER key");
		return imap_parse_astring(a, (char **)&k->u.header.value,
		    &len);
	case SK_KEYWORD:
		if (imap_parse_atom(a, &atom, &len) < 0)
			return -1;
		k->u.text = gd_pool_strndup(a->pool, atom, len);
		return 0;
	case SK_DATE:
		return imap_parse_date(a, &k->u.day);
	case SK_NUMBER:
		return imap_parse_number64(a, &k->u.number);
	case SK_SECONDS:
		if (imap_parse_nz_number(a, &n) < 0)
			return -1;
		k->u.number = n;
		return 0;
	default:
		return imap_error_bad(a->err, "Invalid search key");
	}
}

/* NEW = RECENT UNSEEN (IMAP4rev1). */
static struct gd_search_key *
imap_sk_new_key(struct imap_sp *sp)
{
	struct gd_search_key *and = imap_sk_new(sp, GD_SEARCH_AND);
	struct gd_search_key *r = imap_sk_new(sp, GD_SEARCH_FLAGS);
	struct gd_search_key *s = imap_sk_new(sp, GD_SEARCH_FLAGS);

	r->u.flags = GD_MAIL_RECENT;
	s->u.flags = GD_MAIL_SEEN;
	r->next = imap_sk_not(sp, s);
	and->children = r;
	return and;
}

static int
imap_sk_table(struct imap_sp *sp, const char *w, size_t len,
    struct gd_search_key **k_r)
{
	const struct imap_sk_def *d = NULL;
	struct gd_search_key *k;
	size_t i;

	for (i = 0; i < IMAP_NSK && d == NULL; i++)
		if (strlen(imap_sk_defs[i].name) == len &&
		    strncasecmp(w, imap_sk_defs[i].name, len) == 0)
			d = &imap_sk_defs[i];
	if (d == NULL || (d->rev1 && (sp->a->mode & IMAP_MODE_REV2)))
		return imap_error_bad(sp->a->err, "Unknown search key %.*s",
		    (int)(len < 30 ? len : 30), w);
	k = imap_sk_new(sp, d->op);
	if (imap_sk_arg(sp, d, k) < 0)
		return -1;
	*k_r = d->negate ? imap_sk_not(sp, k) : k;
	return 0;
}

/* Keys up to ")" into an AND node. */
static int
imap_sk_list(struct imap_sp *sp, struct gd_search_key *and, bool paren)
{
	struct gd_search_key **tail = &and->children;

	for (;;) {
		if (imap_sk_parse(sp, tail) < 0)
			return -1;
		tail = &(*tail)->next;
		if (paren && imap_args_skip(sp->a, ')'))
			return 0;
		if (!paren && imap_args_at_end(sp->a))
			return 0;
		if (imap_args_sp(sp->a) < 0)
			return -1;
	}
}

/* NOT key / OR key key / "(" keys ")" */
static int
imap_sk_nested(struct imap_sp *sp, const char *w, size_t len,
    struct gd_search_key **k_r)
{
	struct gd_search_key *k;

	if (len == 0) {		/* "(" */
		k = imap_sk_new(sp, GD_SEARCH_AND);
		*k_r = k;
		return imap_sk_list(sp, k, true);
	}
	if (imap_args_sp(sp->a) < 0)
		return -1;
	k = imap_sk_new(sp, len == 3 ? GD_SEARCH_NOT : GD_SEARCH_OR);
	*k_r = k;
	if (imap_sk_parse(sp, &k->children) < 0)
		return -1;
	if (len == 3)
		return 0;
	if (imap_args_sp(sp->a) < 0)
		return -1;
	return imap_sk_parse(sp, &k->children->next);
}

static int
imap_sk_word(struct imap_sp *sp, const char *w, size_t len,
    struct gd_search_key **k_r)
{
	if (len == 3 && strncasecmp(w, "UID", 3) == 0) {
		if (imap_args_sp(sp->a) < 0)
			return -1;
		return imap_sk_set(sp, true, k_r);
	}
	if (len == 3 && strncasecmp(w, "NEW", 3) == 0 &&
	    !(sp->a->mode & IMAP_MODE_REV2)) {
		*k_r = imap_sk_new_key(sp);
		return 0;
	}
	if ((len == 3 && strncasecmp(w, "NOT", 3) == 0) ||
	    (len == 2 && strncasecmp(w, "OR", 2) == 0))
		return imap_sk_nested(sp, w, len, k_r);
	return imap_sk_table(sp, w, len, k_r);
}

static int
imap_sk_parse(struct imap_sp *sp, struct gd_search_key **k_r)
{
	struct imap_args *a = sp->a;
	const char *w;
	size_t len;
	int rc;

	if (a->p >= a->end)
		return imap_error_bad(a->err, "Missing search key");
	if (imap_sk_is_set_start(*a->p))
		return imap_sk_set(sp, false, k_r);
	if (++sp->depth > IMAP_SEARCH_DEPTH_MAX)
		return imap_error_set(a->err, IMAP_NO, IMAP_CODE_LIMIT,
		    "Search program nested too deeply");
	if (imap_args_skip(a, '('))
		rc = imap_sk_nested(sp, "", 0, k_r);
	else if (imap_parse_atom(a, &w, &len) < 0)
		rc = imap_error_bad(a->err, "Invalid search key");
	else
		rc = imap_sk_word(sp, w, len, k_r);
	sp->depth--;
	return rc;
}

static bool
imap_sk_kw(struct imap_args *a, const char *kw)
{
	size_t n = strlen(kw);

	if ((size_t)(a->end - a->p) > n && strncasecmp(a->p, kw, n) == 0 &&
	    a->p[n] == ' ') {
		a->p += n + 1;
		return true;
	}
	return false;
}

static int
imap_search_return(struct imap_args *a, struct imap_search *s)
{
	static const char *const opts[] = { "MIN", "MAX", "ALL", "COUNT",
	    "SAVE" };
	const char *w;
	size_t len, i;

	s->ret_given = true;
	if (!imap_args_skip(a, '('))
		return imap_error_bad(a->err, "Expected RETURN options");
	while (!imap_args_skip(a, ')')) {
		if ((s->ret != 0 && imap_args_sp(a) < 0) ||
		    imap_parse_atom(a, &w, &len) < 0)
			return imap_error_bad(a->err, "Invalid RETURN option");
		for (i = 0; i < 5; i++)
			if (strlen(opts[i]) == len &&
			    strncasecmp(w, opts[i], len) == 0)
				break;
		if (i == 5)
			return imap_error_bad(a->err, "Unknown RETURN option");
		s->ret |= 1u << i;
	}
	if (s->ret == 0)
		s->ret = IMAP_SEARCH_RET_ALL;
	return imap_args_sp(a);
}

static int
imap_search_charset(struct imap_args *a)
{
	char *cs;
	size_t len;

	if (imap_parse_astring(a, &cs, &len) < 0 || imap_args_sp(a) < 0)
		return -1;
	if (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "US-ASCII") != 0) {
		imap_error_set(a->err, IMAP_NO, IMAP_CODE_BADCHARSET,
		    "Unsupported charset");
		a->err->code_arg = "(US-ASCII UTF-8)";
		return -1;
	}
	return 0;
}

int
imap_parse_search(struct imap_args *a, const struct imap_search_ctx *ctx,
    struct imap_search *s_r)
{
	struct imap_sp sp = { a, ctx, s_r, 0 };

	memset(s_r, 0, sizeof(*s_r));
	if (imap_sk_kw(a, "RETURN") && imap_search_return(a, s_r) < 0)
		return -1;
	if (imap_sk_kw(a, "CHARSET") && imap_search_charset(a) < 0)
		return -1;
	s_r->key = imap_sk_new(&sp, GD_SEARCH_AND);
	return imap_sk_list(&sp, s_r->key, false);
}
