/*
 * test-imap-fetch.c — modules/imap FETCH attribute lists: macros, simple
 * items, every section form, partials, PEEK and \Seen, BINARY, the
 * RFC822 items, the echoed names, and what is refused.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "imap-parse.h"

static struct gd_pool *pool;
static struct imap_error err;
static struct imap_fetch f;

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

TestSuite(imap_fetch, .init = setup, .fini = teardown);

/* Parse the args after the sequence set (with their leading SP). */
static int
fetch(const char *s)
{
	struct imap_args a;

	imap_args_init(&a, s, strlen(s), pool, 0, &err);
	return imap_parse_fetch(&a, &f);
}

static const char *
att_name(const struct imap_fetch_att *att)
{
	static char buf[256];

	imap_fetch_att_name(buf, sizeof(buf), att);
	return buf;
}

Test(imap_fetch, macros)
{
	cr_assert_eq(fetch(" ALL"), 0);
	cr_assert_eq(f.items, IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	    IMAP_FETCH_RFC822_SIZE | IMAP_FETCH_ENVELOPE);
	cr_assert_eq(fetch(" fast"), 0);
	cr_assert(f.metadata_only);
	cr_assert_eq(fetch(" FULL"), 0);
	cr_assert(f.items & IMAP_FETCH_BODY);
	cr_assert(!f.metadata_only);
	/* Macros stand alone, not inside a list. */
	cr_assert_eq(fetch(" (ALL)"), -1);
}

Test(imap_fetch, rfc9051_examples)
{
	/* A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)]) */
	cr_assert_eq(fetch(" (FLAGS BODY[HEADER.FIELDS (DATE FROM)])"), 0);
	cr_assert_eq(f.items, IMAP_FETCH_FLAGS);
	cr_assert_eq(f.natts, 1);
	cr_assert_eq(f.atts->section, IMAP_SECTION_HEADER_FIELDS);
	cr_assert_eq(f.atts->nfields, 2);
	cr_assert_str_eq(f.atts->fields[1], "FROM");
	cr_assert(f.sets_seen);
	cr_assert_str_eq(att_name(f.atts), "BODY[HEADER.FIELDS (DATE FROM)]");
	/* UID FETCH 4827313:4828442 FLAGS */
	cr_assert_eq(fetch(" FLAGS"), 0);
	cr_assert(f.metadata_only);
	cr_assert(!f.sets_seen);
}

Test(imap_fetch, sections)
{
	struct imap_fetch_att *a;

	cr_assert_eq(fetch(" (BODY.PEEK[] BODY[1.2.3] BODY[4.1.MIME] "
	    "body[3.header] BODY[TEXT]<0.2048> BODY.PEEK[2.HEADER.FIELDS.NOT "
	    "(subject \"x-y\")]<100.5>)"), 0, "%s", err.text);
	cr_assert_eq(f.natts, 6);
	a = f.atts;
	cr_assert(a->peek);
	cr_assert_eq(a->depth, 0);
	cr_assert_str_eq(att_name(a), "BODY[]");
	a = a->next;
	cr_assert_eq(a->depth, 3);
	cr_assert_eq(a->part[2], 3);
	cr_assert_str_eq(att_name(a), "BODY[1.2.3]");
	a = a->next;
	cr_assert_eq(a->section, IMAP_SECTION_MIME);
	cr_assert_str_eq(att_name(a), "BODY[4.1.MIME]");
	a = a->next;
	cr_assert_str_eq(att_name(a), "BODY[3.HEADER]");
	a = a->next;
	cr_assert(a->partial);
	cr_assert_eq(a->length, 2048);
	cr_assert_str_eq(att_name(a), "BODY[TEXT]<0>");
	a = a->next;
	cr_assert_eq(a->section, IMAP_SECTION_HEADER_FIELDS_NOT);
	cr_assert_eq(a->offset, 100);
	cr_assert_str_eq(att_name(a),
	    "BODY[2.HEADER.FIELDS.NOT (SUBJECT X-Y)]<100>");
	cr_assert(f.sets_seen);
}

Test(imap_fetch, peek_does_not_set_seen)
{
	cr_assert_eq(fetch(" (UID BODY.PEEK[HEADER] RFC822.HEADER "
	    "BINARY.PEEK[1] BINARY.SIZE[1])"), 0);
	cr_assert(!f.sets_seen);
	cr_assert_eq(fetch(" RFC822"), 0);
	cr_assert(f.sets_seen);
	cr_assert_eq(fetch(" RFC822.TEXT"), 0);
	cr_assert(f.sets_seen);
	cr_assert_eq(fetch(" (RFC822.SIZE ENVELOPE BODYSTRUCTURE "
	    "INTERNALDATE)"), 0);
	cr_assert(!f.sets_seen);
	cr_assert(!f.metadata_only);
}

Test(imap_fetch, binary)
{
	cr_assert_eq(fetch(" (BINARY[1.2]<0.100> BINARY.SIZE[3] BINARY[])"),
	    0);
	cr_assert_eq(f.atts->kind, IMAP_ATT_BINARY);
	cr_assert_str_eq(att_name(f.atts), "BINARY[1.2]<0>");
	cr_assert_eq(f.atts->next->kind, IMAP_ATT_BINARY_SIZE);
	cr_assert_str_eq(att_name(f.atts->next), "BINARY.SIZE[3]");
	cr_assert(f.sets_seen);
	cr_assert_eq(fetch(" BINARY[1.HEADER]"), -1);
	cr_assert_eq(fetch(" BINARY[TEXT]"), -1);
	cr_assert_eq(fetch(" BINARY.SIZE[1]<0.5>"), -1);
}

Test(imap_fetch, refused)
{
	static const char *const bad[] = {
	    "", " ", " (FLAGS", " (FLAGS  UID)", " FOO", " BODY[MIME]",
	    " BODY[1.]", " BODY[0]", " BODY[1.0]", " BODY[HEADER.FIELDS]",
	    " BODY[HEADER.FIELDS ()]", " BODY[HEADER.FIELDS (a:b)]",
	    " BODY[TEXT]<0.0>", " BODY[TEXT]<1>", " BODY[TEXT", " BODY[X]",
	    " BODY.PEEK", " FLAGS (CHANGEDSINCE 1)", " (FLAGS) x",
	    " RFC822.PEEK",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(fetch(bad[i]), -1, "[%s]", bad[i]);
		cr_assert_eq(err.status, IMAP_BAD);
	}
}

Test(imap_fetch, part_depth_limit)
{
	char s[256] = " BODY[1";
	int i;

	for (i = 1; i < IMAP_PART_DEPTH_MAX; i++)
		strcat(s, ".1");
	strcat(s, "]");
	cr_assert_eq(fetch(s), 0);
	s[strlen(s) - 1] = '\0';
	strcat(s, ".1]");
	cr_assert_eq(fetch(s), -1);
	cr_assert_eq(err.code, IMAP_CODE_LIMIT);
}

/* Memory stays proportional to the command, however many items it has. */
Test(imap_fetch, memory_bounded_by_command)
{
	static char s[40000];
	size_t i, len;

	strcpy(s, " (");
	for (i = 0; i < 1200; i++)
		strcat(s, "BODY.PEEK[HEADER.FIELDS (A B)] ");
	strcat(s, "UID)");
	len = strlen(s);
	cr_assert_eq(fetch(s), 0);
	cr_assert_eq(f.natts, 1200);
	cr_assert_lt(gd_pool_used(pool), 16 * len, "%zu for %zu",
	    gd_pool_used(pool), len);
}

Test(imap_fetch, memory_bounded_quoted_and_names)
{
	static char s[40000];
	struct imap_args a;
	struct imap_list l;
	size_t i, len;

	strcpy(s, "\"\" (");
	for (i = 0; i < 3000; i++)
		strcat(s, i > 0 ? " \"a\"" : "\"a\"");
	strcat(s, ")");
	len = strlen(s);
	imap_args_init(&a, s, len, pool, 0, &err);
	cr_assert_eq(imap_parse_list(&a, &l), 0);
	cr_assert_eq(l.npatterns, 3000);
	cr_assert_lt(gd_pool_used(pool), 16 * len, "%zu for %zu",
	    gd_pool_used(pool), len);
}
