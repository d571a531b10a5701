/*
 * test-imap-search.c — modules/imap SEARCH programs into gd_search_key
 * trees: every key of both revisions, OR/NOT/parentheses, sequence and
 * UID sets with "*" and "$", CHARSET, RETURN, the nesting limit.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "imap-parse.h"

static struct gd_pool *pool;
static struct imap_error err;
static struct imap_search s;
static const struct gd_mail_range saved[] = { { 3, 4 }, { 9, 9 } };
static struct imap_search_ctx ctx = { 10, 500, saved, 2 };

static void
setup(void)
{
	pool = gd_pool_create("test");
}

static void
teardown(void)
{
	gd_pool_destroy(&pool);
}

TestSuite(imap_search, .init = setup, .fini = teardown);

static int
search_mode(const char *p, unsigned mode)
{
	struct imap_args a;

	imap_args_init(&a, p, strlen(p), pool, mode, &err);
	return imap_parse_search(&a, &ctx, &s);
}

static int
search(const char *p)
{
	return search_mode(p, 0);
}

static void
put(char *b, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
put(char *b, size_t cap, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(b);

	va_start(ap, fmt);
	vsnprintf(b + n, cap - n, fmt, ap);
	va_end(ap);
}

static void
render(char *b, size_t cap, const struct gd_search_key *k)
{
	static const char *const ops[] = { "", "ALL", "AND", "OR", "NOT",
	    "SEQ", "UID", "FLAGS", "KW", "BEFORE", "ON", "SINCE", "SBEFORE",
	    "SON", "SSINCE", "LARGER", "SMALLER", "HDR", "BODY", "TEXT",
	    "MODSEQ", "OLDER", "YOUNGER" };
	const struct gd_search_key *c;
	size_t i;

	put(b, cap, "%s", ops[k->op]);
	switch (k->op) {
	case GD_SEARCH_AND: case GD_SEARCH_OR: case GD_SEARCH_NOT:
		put(b, cap, "(");
		for (c = k->children; c != NULL; c = c->next)
			render(b, cap, c), put(b, cap, c->next ? " " : "");
		put(b, cap, ")");
		break;
	case GD_SEARCH_SEQSET: case GD_SEARCH_UIDSET:
		for (i = 0; i < k->u.set.count; i++)
			put(b, cap, "%c%u:%u", i ? ',' : ' ',
			    k->u.set.ranges[i].first, k->u.set.ranges[i].last);
		break;
	case GD_SEARCH_FLAGS:
		put(b, cap, ":%u", k->u.flags);
		break;
	case GD_SEARCH_HEADER:
		put(b, cap, "(%s,%s)", k->u.header.field, k->u.header.value);
		break;
	case GD_SEARCH_KEYWORD: case GD_SEARCH_BODY: case GD_SEARCH_TEXT:
		put(b, cap, "(%s)", k->u.text);
		break;
	case GD_SEARCH_BEFORE: case GD_SEARCH_ON: case GD_SEARCH_SINCE:
	case GD_SEARCH_SENT_BEFORE: case GD_SEARCH_SENT_ON:
	case GD_SEARCH_SENT_SINCE:
		put(b, cap, ":%lld", (long long)k->u.day);
		break;
	case GD_SEARCH_LARGER: case GD_SEARCH_SMALLER: case GD_SEARCH_OLDER:
	case GD_SEARCH_YOUNGER:
		put(b, cap, ":%llu", (unsigned long long)k->u.number);
		break;
	default:
		break;
	}
}

static const char *
tree(void)
{
	static char b[2048];

	b[0] = '\0';
	render(b, sizeof(b), s.key);
	return b;
}

Test(imap_search, rfc9051_examples)
{
	/* 6.4.4: SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith" */
	cr_assert_eq(search("FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\""), 0);
	cr_assert_str_eq(tree(), "AND(FLAGS:4 SINCE:8797 "
	    "NOT(HDR(From,Smith)))");
	/* OR NOT FROM "Smith" (TO "x" CC "y") */
	cr_assert_eq(search("TEXT \"string not in mailbox\""), 0);
	cr_assert_str_eq(tree(), "AND(TEXT(string not in mailbox))");
	cr_assert_eq(search("CHARSET UTF-8 TEXT {12}\r\n\xd0\xbd\xd0\xb5\xd1"
	    "\x82\xd1\x83 \xd0\xb0\xd0"), 0);
	cr_assert_eq(search("RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 "
	    "NOT FROM \"Smith\""), 0);
	cr_assert(s.ret_given);
	cr_assert_eq(s.ret, IMAP_SEARCH_RET_MIN | IMAP_SEARCH_RET_COUNT);
	cr_assert_eq(search("RETURN () UNDELETED"), 0);
	cr_assert_eq(s.ret, IMAP_SEARCH_RET_ALL);
	cr_assert_eq(search("RETURN (SAVE) KEYWORD $Junk"), 0);
	cr_assert_eq(s.ret, IMAP_SEARCH_RET_SAVE);
	cr_assert_str_eq(tree(), "AND(KW($Junk))");
}

Test(imap_search, every_key)
{
	cr_assert_eq(search("ALL ANSWERED DELETED DRAFT FLAGGED SEEN UNANSWERED"
	    " UNDELETED UNDRAFT UNFLAGGED UNSEEN"), 0);
	cr_assert_str_eq(tree(), "AND(ALL FLAGS:2 FLAGS:8 FLAGS:16 FLAGS:4 "
	    "FLAGS:1 NOT(FLAGS:2) NOT(FLAGS:8) NOT(FLAGS:16) NOT(FLAGS:4) "
	    "NOT(FLAGS:1))");
	cr_assert_eq(search("BCC a CC b FROM c SUBJECT d TO e HEADER "
	    "X-Spam \"\" BODY f TEXT g"), 0);
	cr_assert_str_eq(tree(), "AND(HDR(Bcc,a) HDR(Cc,b) HDR(From,c) "
	    "HDR(Subject,d) HDR(To,e) HDR(X-Spam,) BODY(f) TEXT(g))");
	cr_assert_eq(search("BEFORE 1-Jan-1970 ON 2-Jan-1970 SINCE \"3-Jan-1970"
	    "\" SENTBEFORE 1-Jan-1970 SENTON 1-Jan-1970 SENTSINCE 1-Jan-1970"),
	    0);
	cr_assert_str_eq(tree(), "AND(BEFORE:0 ON:1 SINCE:2 SBEFORE:0 SON:0 "
	    "SSINCE:0)");
	cr_assert_eq(search("LARGER 1000 SMALLER 9223372036854775807 OLDER 60 "
	    "YOUNGER 3600 KEYWORD a UNKEYWORD b"), 0);
	cr_assert_str_eq(tree(), "AND(LARGER:1000 SMALLER:9223372036854775807"
	    " OLDER:60 YOUNGER:3600 KW(a) NOT(KW(b)))");
	cr_assert_eq(search("new old recent"), 0);
	cr_assert_str_eq(tree(), "AND(AND(FLAGS:32 NOT(FLAGS:1)) "
	    "NOT(FLAGS:32) FLAGS:32)");
}

Test(imap_search, rev2_drops_recent_keys)
{
	cr_assert_eq(search_mode("NEW", IMAP_MODE_REV2), -1);
	cr_assert_eq(search_mode("OLD", IMAP_MODE_REV2), -1);
	cr_assert_eq(search_mode("RECENT", IMAP_MODE_REV2), -1);
	cr_assert_eq(err.status, IMAP_BAD);
	cr_assert_eq(search_mode("UNSEEN", IMAP_MODE_REV2), 0);
}

Test(imap_search, sets)
{
	cr_assert_eq(search("1:3,7 UID 400:* 5:*"), 0);
	cr_assert_str_eq(tree(), "AND(SEQ 1:3,7:7 UID 400:500 SEQ 5:10)");
	cr_assert(!s.uses_saved);
	cr_assert_eq(search("$ UID $ NOT $"), 0);
	cr_assert_str_eq(tree(), "AND(UID 3:4,9:9 UID 3:4,9:9 "
	    "NOT(UID 3:4,9:9))");
	cr_assert(s.uses_saved);
	cr_assert_eq(search("UID 0"), -1);
}

Test(imap_search, or_not_parens)
{
	cr_assert_eq(search("OR (FROM a TO b) NOT (SEEN OR 1 2)"), 0);
	cr_assert_str_eq(tree(), "AND(OR(AND(HDR(From,a) HDR(To,b)) "
	    "NOT(AND(FLAGS:1 OR(SEQ 1:1 SEQ 2:2)))))");
	cr_assert_eq(search("OR SEEN"), -1);
	cr_assert_eq(search("NOT"), -1);
	cr_assert_eq(search("()"), -1);
	cr_assert_eq(search("(SEEN"), -1);
	cr_assert_eq(search("SEEN)"), -1);
	cr_assert_eq(search("SEEN  DRAFT"), -1);
	cr_assert_eq(search(""), -1);
}

Test(imap_search, depth_limit)
{
	char p[512] = "";
	int i;

	for (i = 0; i < IMAP_SEARCH_DEPTH_MAX - 1; i++)
		strcat(p, "NOT ");
	strcat(p, "SEEN");
	cr_assert_eq(search(p), 0);
	p[0] = '\0';
	for (i = 0; i < IMAP_SEARCH_DEPTH_MAX + 1; i++)
		strcat(p, "(");
	strcat(p, "SEEN");
	for (i = 0; i < IMAP_SEARCH_DEPTH_MAX + 1; i++)
		strcat(p, ")");
	cr_assert_eq(search(p), -1);
	cr_assert_eq(err.status, IMAP_NO);
	cr_assert_eq(err.code, IMAP_CODE_LIMIT);
}

Test(imap_search, charset_and_errors)
{
	char line[128];

	cr_assert_eq(search("CHARSET us-ascii SEEN"), 0);
	cr_assert_eq(search("CHARSET KOI8-R SEEN"), -1);
	cr_assert_eq(err.status, IMAP_NO);
	imap_reply_error(line, sizeof(line), "A1", 2, &err);
	cr_assert_str_eq(line, "A1 NO [BADCHARSET (US-ASCII UTF-8)] "
	    "Unsupported charset\r\n");
	cr_assert_eq(search("RETURN (FOO) SEEN"), -1);
	cr_assert_eq(search("RETURN SEEN"), -1);
	cr_assert_eq(search("FOO"), -1);
	cr_assert_str_eq(err.text, "Unknown search key FOO");
	cr_assert_eq(search("SINCE 1-Feb"), -1);
	cr_assert_eq(search("LARGER -1"), -1);
	cr_assert_eq(search("HEADER \"\" x"), -1);
	cr_assert_eq(search("KEYWORD \\Seen"), -1);
	cr_assert_eq(search("FROM"), -1);
}
