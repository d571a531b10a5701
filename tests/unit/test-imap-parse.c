/*
 * test-imap-parse.c — modules/imap argument parsers: atoms, strings
 * (quoted with escapes, literals, NIL), numbers, mailbox names (modified
 * UTF-7 both ways, UTF-8 mode, INBOX), dates, sequence sets, flag lists
 * and STORE, LIST / LSUB / STATUS / SELECT / CREATE / ENABLE / ID /
 * LOGIN / AUTHENTICATE / RENAME / COPY, and the command table.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "imap-parse.h"

static struct gd_pool *pool;
static struct imap_error err;
static struct imap_args args;

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

TestSuite(imap_parse, .init = setup, .fini = teardown);

static struct imap_args *
A(const char *s, unsigned mode)
{
	imap_args_init(&args, s, strlen(s), pool, mode, &err);
	return &args;
}

Test(imap_parse, strings)
{
	char *s;
	size_t n;

	cr_assert_eq(imap_parse_astring(A("FRED", 0), &s, &n), 0);
	cr_assert_str_eq(s, "FRED");
	cr_assert_eq(imap_parse_astring(A("\"a \\\"b\\\\\" x", 0), &s, &n),
	    0);
	cr_assert_str_eq(s, "a \"b\\");
	cr_assert_str_eq(args.p, " x");
	cr_assert_eq(imap_parse_astring(A("{3}\r\na\"c", 0), &s, &n), 0);
	cr_assert_str_eq(s, "a\"c");
	cr_assert_eq(imap_parse_astring(A("fo]o", 0), &s, &n), 0);
	cr_assert_str_eq(s, "fo]o");
	cr_assert_eq(imap_parse_nstring(A("nil", 0), &s, &n), 0);
	cr_assert_null(s);
	cr_assert_eq(imap_parse_nstring(A("\"NIL\"", 0), &s, &n), 0);
	cr_assert_str_eq(s, "NIL");
	/* Invalid: bad escape, unterminated, missing literal data, NUL. */
	cr_assert_eq(imap_parse_astring(A("\"a\\n\"", 0), &s, &n), -1);
	cr_assert_eq(err.status, IMAP_BAD);
	cr_assert_eq(imap_parse_astring(A("\"abc", 0), &s, &n), -1);
	cr_assert_eq(imap_parse_astring(A("{5}\r\nab", 0), &s, &n), -1);
	cr_assert_eq(imap_parse_astring(A("{5}ab", 0), &s, &n), -1);
	cr_assert_eq(imap_parse_astring(A("(x)", 0), &s, &n), -1);
	imap_args_init(&args, "{1}\r\n\0", 6, pool, 0, &err);
	cr_assert_eq(imap_parse_astring(&args, &s, &n), -1);
	/* UTF-8 mode checks the octets. */
	cr_assert_eq(imap_parse_astring(A("\"caf\xc3\xa9\"", IMAP_MODE_UTF8),
	    &s, &n), 0);
	cr_assert_eq(imap_parse_astring(A("\"caf\xc3\"", IMAP_MODE_UTF8),
	    &s, &n), -1);
}

Test(imap_parse, numbers)
{
	uint32_t n;
	uint64_t n64;

	cr_assert_eq(imap_parse_number(A("4294967295", 0), &n), 0);
	cr_assert_eq(n, 4294967295u);
	cr_assert_eq(imap_parse_number(A("4294967296", 0), &n), -1);
	cr_assert_eq(imap_parse_number(A("007", 0), &n), 0);
	cr_assert_eq(n, 7);
	cr_assert_eq(imap_parse_nz_number(A("0", 0), &n), -1);
	cr_assert_eq(imap_parse_nz_number(A("01", 0), &n), -1);
	cr_assert_eq(imap_parse_number64(A("9223372036854775807", 0), &n64),
	    0);
	cr_assert_eq(imap_parse_number64(A("9223372036854775808", 0), &n64),
	    -1);
}

Test(imap_parse, mutf7_rfc3501_example)
{
	char out[64], back[64];
	size_t n, m;
	/* RFC 3501 5.1.3: "~peter/mail/台北/日本語" */
	const char *enc = "~peter/mail/&U,BTFw-/&ZeVnLIqe-";
	const char *utf = "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";

	cr_assert_eq(imap_mutf7_decode(enc, strlen(enc), out, sizeof(out),
	    &n), 0);
	cr_assert_str_eq(out, utf);
	cr_assert_eq(imap_mutf7_encode(out, n, back, sizeof(back), &m), 0);
	cr_assert_str_eq(back, enc);
	cr_assert_eq(imap_mutf7_decode("&-", 2, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "&");
	cr_assert_eq(imap_mutf7_encode("a&b", 3, back, sizeof(back), &m), 0);
	cr_assert_str_eq(back, "a&-b");
	/* Supplementary plane: a surrogate pair. */
	cr_assert_eq(imap_mutf7_encode("\xf0\x9f\x98\x80", 4, back,
	    sizeof(back), &m), 0);
	cr_assert_str_eq(back, "&2D3eAA-");
	cr_assert_eq(imap_mutf7_decode(back, m, out, sizeof(out), &n), 0);
	cr_assert_str_eq(out, "\xf0\x9f\x98\x80");
}

Test(imap_parse, mutf7_strict)
{
	char out[64];
	size_t n;
	static const char *const bad[] = {
	    "&AGE-",		/* "a" encoded */
	    "&U,BTFw",		/* no closing "-" */
	    "&U,BTFw-&ZeVnLIqe-",	/* null shift */
	    "&U,BTF-",		/* padding bits set / partial unit */
	    "&2D3e-",		/* lone high surrogate */
	    "&3gA-",		/* lone low surrogate */
	    "caf\xc3\xa9",	/* 8-bit */
	    "a&U,BTFw?-",	/* not base64 */
	    "&AAA-",		/* NUL */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(imap_mutf7_decode(bad[i], strlen(bad[i]), out,
		    sizeof(out), &n), -1, "%s", bad[i]);
	cr_assert_eq(imap_mutf7_encode("\xc3", 1, out, sizeof(out), &n), -1);
}

Test(imap_parse, mailbox_names)
{
	char *name;

	cr_assert_eq(imap_parse_mailbox(A("inBox", 0), &name), 0);
	cr_assert_str_eq(name, "INBOX");
	cr_assert_eq(imap_parse_mailbox(A("\"Inbox/sub\"", 0), &name), 0);
	cr_assert_str_eq(name, "Inbox/sub");
	cr_assert_eq(imap_parse_mailbox(A("&ZeVnLIqe-", 0), &name), 0);
	cr_assert_str_eq(name, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	/* rev2: UTF-8 as is, "&" is just "&". */
	cr_assert_eq(imap_parse_mailbox(A("\"&ZeVnLIqe-\"",
	    IMAP_MODE_UTF8 | IMAP_MODE_REV2), &name), 0);
	cr_assert_str_eq(name, "&ZeVnLIqe-");
	cr_assert_eq(imap_parse_mailbox(A("\"Donn\xc3\xa9""es\"",
	    IMAP_MODE_UTF8), &name), 0);
	cr_assert_str_eq(name, "Donn\xc3\xa9""es");
	cr_assert_eq(imap_parse_mailbox(A("\"Donn\xc3\xa9""es\"", 0), &name),
	    -1);
	cr_assert_eq(imap_parse_mailbox(A("\"\"", 0), &name), -1);
	cr_assert_eq(imap_parse_mailbox(A("\"a\tb\"", 0), &name), -1);
	cr_assert_str_eq(imap_mailbox_for_client(pool,
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 0), "&ZeVnLIqe-");
	cr_assert_str_eq(imap_mailbox_for_client(pool, "a&b",
	    IMAP_MODE_UTF8), "a&b");
}

Test(imap_parse, dates)
{
	int64_t day, t;
	int zone;
	char buf[40];

	cr_assert_eq(imap_parse_date(A("1-Feb-1994", 0), &day), 0);
	cr_assert_eq(day, gd_search_day(1994, 2, 1));
	cr_assert_eq(imap_parse_date(A("\"29-feb-2000\"", 0), &day), 0);
	cr_assert_eq(imap_parse_date(A("29-Feb-1900", 0), &day), -1);
	cr_assert_eq(imap_parse_date(A("32-Jan-2000", 0), &day), -1);
	cr_assert_eq(imap_parse_date(A("1-Foo-2000", 0), &day), -1);
	cr_assert_eq(imap_parse_date(A("1-Feb-94", 0), &day), -1);
	cr_assert_eq(imap_parse_date_time(A("\"17-Jul-1996 02:44:25 -0700\"",
	    0), &t, &zone), 0);
	cr_assert_eq(t, 837596665);
	cr_assert_eq(zone, -420);
	cr_assert_eq(imap_parse_date_time(A("\" 7-Jul-1996 02:44:25 +0000\"",
	    0), &t, &zone), 0);
	cr_assert_eq(imap_parse_date_time(A("\"7-Jul-1996 02:44:25 +0000\"",
	    0), &t, &zone), -1);
	cr_assert_eq(imap_parse_date_time(A("\"17-Jul-1996 24:44:25 +0000\"",
	    0), &t, &zone), -1);
	cr_assert_eq(imap_date_time_format(buf, sizeof(buf), 837596665,
	    -420), 28);
	cr_assert_str_eq(buf, "\"17-Jul-1996 02:44:25 -0700\"");
	cr_assert_eq(imap_date_time_format(buf, sizeof(buf), 0, 60), 28);
	cr_assert_str_eq(buf, "\" 1-Jan-1970 01:00:00 +0100\"");
	cr_assert_eq(imap_date_time_format(buf, 20, 0, 0), 0);
}

Test(imap_parse, seqsets)
{
	struct imap_seqset set;
	struct imap_seqset_iter it;
	char buf[64];
	uint32_t n, got[16];
	size_t k = 0;

	cr_assert_eq(imap_parse_seqset(A("7,9:12,1:5,*", 0), false, &set), 0);
	cr_assert_eq(set.count, 4);
	imap_seqset_normalize(&set, 20);
	imap_ranges_format(buf, sizeof(buf), set.ranges, set.count);
	cr_assert_str_eq(buf, "1:5,7,9:12,20");
	cr_assert(imap_seqset_contains(&set, 11));
	cr_assert(!imap_seqset_contains(&set, 6));
	cr_assert_eq(imap_seqset_size(&set), 11);
	/* Either order, "*" as the highest, merging of adjacent ranges. */
	cr_assert_eq(imap_parse_seqset(A("*:4,3,2:1", 0), false, &set), 0);
	imap_seqset_normalize(&set, 6);
	imap_ranges_format(buf, sizeof(buf), set.ranges, set.count);
	cr_assert_str_eq(buf, "1:6");
	imap_seqset_normalize(&set, 6);
	cr_assert_eq(set.count, 1);
	/* "*" in an empty mailbox matches nothing; "1:*" is then empty. */
	cr_assert_eq(imap_parse_seqset(A("1:*", 0), false, &set), 0);
	imap_seqset_normalize(&set, 0);
	cr_assert_eq(set.count, 0);
	/* UID 2:4 when the highest UID is 3 (RFC 9051 6.4.9: "*" is 3). */
	cr_assert_eq(imap_parse_seqset(A("5:*,2", 0), false, &set), 0);
	imap_seqset_normalize(&set, 3);
	imap_ranges_format(buf, sizeof(buf), set.ranges, set.count);
	cr_assert_str_eq(buf, "2:5");
	imap_seqset_iter_init(&it);
	while (imap_seqset_iter_next(&set, &it, &n))
		got[k++] = n;
	cr_assert_eq(k, 4);
	cr_assert_eq(got[0], 2);
	cr_assert_eq(got[3], 5);
	cr_assert_eq(imap_parse_seqset(A("$", 0), true, &set), 0);
	cr_assert(set.dollar);
	cr_assert_eq(imap_parse_seqset(A("$", 0), false, &set), -1);
	cr_assert_eq(imap_parse_seqset(A("0", 0), false, &set), -1);
	cr_assert_eq(imap_parse_seqset(A("1,", 0), false, &set), -1);
	cr_assert_eq(imap_parse_seqset(A("1::2", 0), false, &set), -1);
	cr_assert_eq(imap_parse_seqset(A("4294967296", 0), false, &set), -1);
}

Test(imap_parse, numbers_format)
{
	static const uint32_t uids[] = { 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 4,
	    UINT32_MAX };
	char buf[64];

	cr_assert_eq(imap_numbers_format(buf, sizeof(buf), uids, 12), 23);
	cr_assert_str_eq(buf, "1:5,7,9:12,4,4294967295");
	cr_assert_eq(imap_numbers_format(buf, 4, uids, 12), 23);
	cr_assert_str_eq(buf, "1:5");
	cr_assert_eq(imap_numbers_format(buf, sizeof(buf), uids, 0), 0);
	cr_assert_str_eq(buf, "");
}

Test(imap_parse, flags_and_store)
{
	struct imap_flags f;
	struct imap_store st;

	cr_assert_eq(imap_parse_flag_list(A("(\\Seen \\deleted $Junk Work "
	    "$junk)", 0), &f), 0);
	cr_assert_eq(f.system, GD_MAIL_SEEN | GD_MAIL_DELETED);
	cr_assert_eq(f.nkeywords, 2);
	cr_assert_str_eq(f.keywords[0], "$Junk");
	cr_assert_null(f.keywords[2]);
	cr_assert_eq(imap_parse_flag_list(A("()", 0), &f), 0);
	cr_assert_eq(imap_parse_flag_list(A("(\\Recent)", 0), &f), -1);
	cr_assert_eq(imap_parse_flag_list(A("(\\*)", 0), &f), -1);
	cr_assert_eq(imap_parse_flag_list(A("(\\Foo)", 0), &f), -1);
	cr_assert_eq(imap_parse_flag_list(A("(a  b)", 0), &f), -1);
	cr_assert_eq(imap_parse_flag_list(A("(a", 0), &f), -1);
	/* RFC 9051 6.4.6: A003 STORE 2:4 +FLAGS (\Deleted) */
	cr_assert_eq(imap_parse_store(A(" +FLAGS (\\Deleted)", 0), &st), 0);
	cr_assert_eq(st.op, GD_MAIL_FLAGS_ADD);
	cr_assert(!st.silent);
	cr_assert_eq(st.flags.system, GD_MAIL_DELETED);
	cr_assert_eq(imap_parse_store(A(" -flags.silent \\Seen $x", 0), &st),
	    0);
	cr_assert_eq(st.op, GD_MAIL_FLAGS_REMOVE);
	cr_assert(st.silent);
	cr_assert_eq(st.flags.nkeywords, 1);
	cr_assert_eq(imap_parse_store(A(" FLAGS ()", 0), &st), 0);
	cr_assert_eq(st.op, GD_MAIL_FLAGS_REPLACE);
	cr_assert_eq(imap_parse_store(A(" +FLAGS", 0), &st), -1);
	cr_assert_eq(imap_parse_store(A(" (UNCHANGEDSINCE 5) +FLAGS (a)", 0),
	    &st), -1);
	cr_assert_eq(imap_parse_store(A(" +LABELS (a)", 0), &st), -1);
}

Test(imap_parse, list_basic_and_extended)
{
	struct imap_list l;

	cr_assert_eq(imap_parse_list(A("\"\" %", 0), &l), 0);
	cr_assert_str_eq(l.reference, "");
	cr_assert_str_eq(l.patterns[0], "%");
	cr_assert(!l.extended);
	cr_assert_eq(imap_parse_list(A("~/Mail/ foo.*", 0), &l), 0);
	cr_assert_str_eq(imap_list_join(pool, l.reference, l.patterns[0]),
	    "~/Mail/foo.*");
	cr_assert_str_eq(imap_list_join(pool, "archive/", "/usr/doc"),
	    "/usr/doc");
	/* RFC 5258 examples. */
	cr_assert_eq(imap_parse_list(A("(SUBSCRIBED RECURSIVEMATCH) \"\" "
	    "(\"Foo\" \"Bar*\") RETURN (CHILDREN STATUS (MESSAGES UNSEEN) "
	    "SPECIAL-USE)", 0), &l), 0, "%s", err.text);
	cr_assert(l.extended);
	cr_assert_eq(l.sel, IMAP_LIST_SEL_SUBSCRIBED |
	    IMAP_LIST_SEL_RECURSIVEMATCH);
	cr_assert_eq(l.npatterns, 2);
	cr_assert_str_eq(l.patterns[1], "Bar*");
	cr_assert_eq(l.ret, IMAP_LIST_RET_CHILDREN | IMAP_LIST_RET_STATUS |
	    IMAP_LIST_RET_SPECIAL_USE);
	cr_assert_eq(l.status_items, GD_MAIL_STATUS_MESSAGES |
	    GD_MAIL_STATUS_UNSEEN);
	cr_assert_eq(imap_parse_list(A("(RECURSIVEMATCH) \"\" %", 0), &l), -1);
	cr_assert_str_eq(err.text,
	    "RECURSIVEMATCH needs another selection option");
	cr_assert_eq(imap_parse_list(A("(REMOTE RECURSIVEMATCH) \"\" %", 0),
	    &l), -1);
	cr_assert_eq(imap_parse_list(A("(SPECIAL-USE) \"\" *", 0), &l), 0);
	cr_assert_eq(imap_parse_list(A("() \"\" *", 0), &l), 0);
	cr_assert_eq(imap_parse_list(A("(FOO) \"\" *", 0), &l), -1);
	cr_assert_eq(imap_parse_list(A("\"\" * RETURN (BAR)", 0), &l), -1);
	cr_assert_eq(imap_parse_list(A("\"\"", 0), &l), -1);
	cr_assert_eq(imap_parse_lsub(A("\"#news.\" \"comp.mail.*\"", 0), &l),
	    0);
	cr_assert_str_eq(l.patterns[0], "comp.mail.*");
	cr_assert_eq(l.sel, IMAP_LIST_SEL_SUBSCRIBED);
}

Test(imap_parse, status)
{
	char *name;
	unsigned items;

	/* RFC 9051 6.3.11 */
	cr_assert_eq(imap_parse_status(A("blurdybloop (UIDNEXT MESSAGES)",
	    IMAP_MODE_REV2), &name, &items), 0);
	cr_assert_str_eq(name, "blurdybloop");
	cr_assert_eq(items, GD_MAIL_STATUS_UIDNEXT | GD_MAIL_STATUS_MESSAGES);
	cr_assert_eq(imap_parse_status(A("x (SIZE DELETED UIDVALIDITY "
	    "UNSEEN)", 0), &name, &items), 0);
	cr_assert_eq(items, GD_MAIL_STATUS_SIZE | GD_MAIL_STATUS_DELETED |
	    GD_MAIL_STATUS_UIDVALIDITY | GD_MAIL_STATUS_UNSEEN);
	cr_assert_eq(imap_parse_status(A("x (RECENT)", 0), &name, &items), 0);
	cr_assert_eq(imap_parse_status(A("x (RECENT)", IMAP_MODE_REV2), &name,
	    &items), -1);
	cr_assert_eq(imap_parse_status(A("x ()", 0), &name, &items), -1);
	cr_assert_eq(imap_parse_status(A("x (FOO)", 0), &name, &items), -1);
	cr_assert_eq(imap_parse_status(A("x", 0), &name, &items), -1);
}

Test(imap_parse, select_create_rename_copy)
{
	struct imap_select sel;
	struct imap_seqset set;
	char *name, *to;
	unsigned use;

	cr_assert_eq(imap_parse_select(A("INBOX", 0), &sel), 0);
	cr_assert_eq(imap_parse_select(A("INBOX ()", 0), &sel), 0);
	cr_assert_eq(imap_parse_select(A("INBOX (CONDSTORE)", 0), &sel), -1);
	cr_assert_str_eq(err.text, "Unknown SELECT parameter");
	cr_assert_eq(imap_parse_create(A("owatagusiam/", 0), &name, &use), 0);
	cr_assert_str_eq(name, "owatagusiam");
	cr_assert_eq(use, 0);
	cr_assert_eq(imap_parse_create(A("MySpecialArchive (USE (\\Archive))",
	    0), &name, &use), 0);
	cr_assert_eq(use, GD_MAIL_LIST_ARCHIVE);
	cr_assert_eq(imap_parse_create(A("x (USE (\\Bogus))", 0), &name,
	    &use), -1);
	cr_assert_eq(imap_parse_rename(A("blurdybloop sarasoop", 0), &name,
	    &to), 0);
	cr_assert_str_eq(to, "sarasoop");
	cr_assert_eq(imap_parse_rename(A("a", 0), &name, &to), -1);
	cr_assert_eq(imap_parse_copy(A("2:4 MEETING", 0), &set, &name), 0);
	cr_assert_str_eq(name, "MEETING");
	cr_assert_eq(imap_parse_copy(A("$ Trash", 0), &set, &name), 0);
	cr_assert(set.dollar);
}

Test(imap_parse, enable_id_login_authenticate)
{
	unsigned caps;
	struct imap_id id;
	char *u, *p;

	cr_assert_eq(imap_parse_enable(A("IMAP4rev2 utf8=accept X-FOO", 0),
	    &caps), 0);
	cr_assert_eq(caps, IMAP_ENABLE_IMAP4REV2 | IMAP_ENABLE_UTF8_ACCEPT);
	cr_assert_str_eq(imap_enable_name(IMAP_ENABLE_IMAP4REV2),
	    "IMAP4rev2");
	cr_assert_eq(imap_parse_enable(A("IMAP4rev2x", 0), &caps), 0);
	cr_assert_eq(caps, 0);
	cr_assert_eq(imap_parse_enable(A("", 0), &caps), -1);
	/* RFC 2971 3.1 */
	cr_assert_eq(imap_parse_id(A("(\"name\" \"sodr\" \"version\" \"19.34\""
	    " \"vendor\" NIL)", 0), &id), 0);
	cr_assert_eq(id.count, 3);
	cr_assert_str_eq(id.values[1], "19.34");
	cr_assert_null(id.values[2]);
	cr_assert_eq(imap_parse_id(A("NIL", 0), &id), 0);
	cr_assert_eq(id.count, 0);
	cr_assert_eq(imap_parse_id(A("(\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" "
	    "NIL)", 0), &id), -1);
	cr_assert_eq(imap_parse_id(A("(\"a\")", 0), &id), -1);
	cr_assert_eq(imap_parse_login(A("SMITH SESAME", 0), &u, &p), 0);
	cr_assert_eq(imap_parse_login(A("SMITH", 0), &u, &p), -1);
	cr_assert_eq(imap_parse_authenticate(A("PLAIN", 0), &u, &p), 0);
	cr_assert_null(p);
	cr_assert_eq(imap_parse_authenticate(A("PLAIN =", 0), &u, &p), 0);
	cr_assert_str_eq(p, "");
	cr_assert_eq(imap_parse_authenticate(A("PLAIN AGZyZWQAc2VzYW1l", 0),
	    &u, &p), 0);
	cr_assert_str_eq(p, "AGZyZWQAc2VzYW1l");
	cr_assert_eq(imap_parse_authenticate(A("PLAIN a*b=", 0), &u, &p), -1);
}

Test(imap_parse, command_table)
{
	cr_assert_eq(imap_cmd_lookup("fetch", 5, NULL, 0), IMAP_CMD_FETCH);
	cr_assert_eq(imap_cmd_lookup("UID", 3, "store", 5),
	    IMAP_CMD_UID_STORE);
	cr_assert_eq(imap_cmd_lookup("UID", 3, "LIST", 4), IMAP_CMD_UNKNOWN);
	cr_assert_eq(imap_cmd_lookup("UIDX", 4, NULL, 0), IMAP_CMD_UNKNOWN);
	cr_assert_str_eq(imap_cmd_info(IMAP_CMD_UID_EXPUNGE)->name,
	    "UID EXPUNGE");
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_LOGIN, IMAP_STATE_NOT_AUTH, 0,
	    &err), 0);
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_LOGIN, IMAP_STATE_AUTH, 0,
	    &err), -1);
	cr_assert_eq(err.status, IMAP_BAD);
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_FETCH, IMAP_STATE_AUTH, 0,
	    &err), -1);
	cr_assert_str_eq(err.text, "No mailbox selected");
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_SELECT, IMAP_STATE_NOT_AUTH, 0,
	    &err), -1);
	cr_assert_str_eq(err.text, "Command not valid in this state");
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_SELECT, IMAP_STATE_SELECTED, 0,
	    &err), 0);
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_NOOP, IMAP_STATE_NOT_AUTH, 0,
	    &err), 0);
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_NOOP, IMAP_STATE_LOGOUT, 0,
	    &err), -1);
	/* RFC 9051 Appendix E: LSUB and CHECK are gone from IMAP4rev2. */
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_CHECK, IMAP_STATE_SELECTED, 0,
	    &err), 0);
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_CHECK, IMAP_STATE_SELECTED,
	    IMAP_MODE_REV2, &err), -1);
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_LSUB, IMAP_STATE_AUTH,
	    IMAP_MODE_REV2, &err), -1);
	cr_assert_str_eq(err.text, "Unknown command");
	cr_assert(imap_cmd_info(IMAP_CMD_UID_SEARCH)->flags &
	    IMAP_CMDF_NO_EXPUNGE);
	cr_assert(!(imap_cmd_info(IMAP_CMD_COPY)->flags &
	    IMAP_CMDF_NO_EXPUNGE));
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_UNKNOWN, IMAP_STATE_AUTH, 0,
	    &err), -1);
	/* ENABLE only before a mailbox is selected. */
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_ENABLE, IMAP_STATE_AUTH, 0,
	    &err), 0);
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_ENABLE, IMAP_STATE_SELECTED, 0,
	    &err), -1);
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_IDLE, IMAP_STATE_SELECTED, 0,
	    &err), 0);
	cr_assert_eq(imap_cmd_allowed(IMAP_CMD_ID, IMAP_STATE_NOT_AUTH, 0,
	    &err), 0);
}
