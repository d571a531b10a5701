/*
 * test-imap-envelope.c — FETCH ENVELOPE (modules/imap/imap-envelope.c)
 * for real-shaped messages: groups, routes, quoted names, encoded words
 * kept, sender/reply-to defaults, missing fields, 8-bit names as
 * literals, the envelope of a message/rfc822 part.
 */
#include "config.h"

#include "imap-fetch-test.h"

static struct gd_pool *pool;

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

TestSuite(imap_envelope, .init = setup, .fini = teardown);

Test(imap_envelope, full_header)
{
	struct ft_msg m;

	ft_load(pool, "simple.eml", &m);
	cr_assert_str_eq(ft_envelope(pool, m.root, 0),
	    "(\"Mon, 30 Nov 2026 17:05:09 +0100\" "
	    "\"=?UTF-8?Q?caf=C3=A9?= meeting\" "
	    "((\"Doe, Jane\" NIL \"jane\" \"example.org\")) "
	    "((NIL NIL \"list-bounces\" \"lists.example.net\")) "
	    "((\"Doe, Jane\" NIL \"jane\" \"example.org\")) "
	    "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)"
	    "(\"Bob\" NIL \"bob\" \"example.com\")) "
	    "((NIL NIL \"team\" NIL)(NIL NIL \"ann\" \"example.com\")"
	    "(\"Carl \\\"C\\\"\" NIL \"carl\" \"example.com\")"
	    "(NIL NIL NIL NIL)) "
	    "((NIL \"@relay.example,@gw.example\" \"ops\" \"example.com\")) "
	    "\"<prev@example.org>\" \"<msg1@example.org>\")");
}

Test(imap_envelope, missing_fields_are_nil)
{
	struct ft_msg m;

	ft_load(pool, "notype.eml", &m);
	cr_assert_str_eq(ft_envelope(pool, m.root, 0),
	    "(NIL \"no type\" ((NIL NIL \"plain\" \"example.org\")) "
	    "((NIL NIL \"plain\" \"example.org\")) "
	    "((NIL NIL \"plain\" \"example.org\")) NIL NIL NIL NIL NIL)");
}

Test(imap_envelope, empty_sender_and_reply_to_default_to_from)
{
	struct ft_msg m;

	ft_mem(pool, "From: a@b.example\r\nSender:\r\nReply-To: \r\n"
	    "Subject: \r\n\r\nx\r\n", &m);
	cr_assert_str_eq(ft_envelope(pool, m.root, 0),
	    "(NIL \"\" ((NIL NIL \"a\" \"b.example\")) "
	    "((NIL NIL \"a\" \"b.example\")) "
	    "((NIL NIL \"a\" \"b.example\")) NIL NIL NIL NIL NIL)");
}

Test(imap_envelope, reply_to_given)
{
	struct ft_msg m;

	ft_mem(pool, "From: a@b.example\r\nReply-To: r@c.example\r\n\r\n", &m);
	cr_assert_str_eq(ft_envelope(pool, m.root, 0),
	    "(NIL NIL ((NIL NIL \"a\" \"b.example\")) "
	    "((NIL NIL \"a\" \"b.example\")) "
	    "((NIL NIL \"r\" \"c.example\")) NIL NIL NIL NIL NIL)");
}

/* A comment as the name, a bare local part (its host must not be NIL:
 * that would mean a group), and the first of two From fields. */
Test(imap_envelope, comment_name_and_missing_domain)
{
	struct ft_msg m;

	ft_mem(pool, "From: joe@x.example (Joe Q)\r\nFrom: second@x\r\n"
	    "To: root\r\n\r\n", &m);
	cr_assert_str_eq(ft_envelope(pool, m.root, 0),
	    "(NIL NIL ((\"Joe Q\" NIL \"joe\" \"x.example\")) "
	    "((\"Joe Q\" NIL \"joe\" \"x.example\")) "
	    "((\"Joe Q\" NIL \"joe\" \"x.example\")) "
	    "((NIL NIL \"root\" \"MISSING_DOMAIN\")) NIL NIL NIL NIL)");
}

/* 8-bit (RFC 6532) text: a literal in IMAP4rev1, quoted in UTF-8 mode;
 * a subject holding a quote and a backslash is escaped. */
Test(imap_envelope, eight_bit_literal_and_escapes)
{
	struct ft_msg m;

	ft_mem(pool, "From: J\xc3\xb6rg <j@x.example>\r\n"
	    "Subject: a \"b\" \\c\r\n\r\n", &m);
	cr_assert_str_eq(ft_envelope(pool, m.root, 0),
	    "(NIL \"a \\\"b\\\" \\\\c\" "
	    "(({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x.example\")) "
	    "(({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x.example\")) "
	    "(({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x.example\")) "
	    "NIL NIL NIL NIL NIL)");
	cr_assert_str_eq(ft_envelope(pool, m.root, IMAP_MODE_UTF8),
	    "(NIL \"a \\\"b\\\" \\\\c\" "
	    "((\"J\xc3\xb6rg\" NIL \"j\" \"x.example\")) "
	    "((\"J\xc3\xb6rg\" NIL \"j\" \"x.example\")) "
	    "((\"J\xc3\xb6rg\" NIL \"j\" \"x.example\")) "
	    "NIL NIL NIL NIL NIL)");
}

/* Folded fields are unfolded; the encapsulated message has its own. */
Test(imap_envelope, folded_and_encapsulated)
{
	struct ft_msg m;
	const struct gd_mime_part *p;

	ft_mem(pool, "Subject: one\r\n two\r\nTo: a@x.example,\r\n"
	    " b@x.example\r\n\r\n", &m);
	cr_assert_str_eq(ft_envelope(pool, m.root, 0),
	    "(NIL \"one two\" NIL NIL NIL "
	    "((NIL NIL \"a\" \"x.example\")(NIL NIL \"b\" \"x.example\")) "
	    "NIL NIL NIL NIL)");
	ft_load(pool, "rfc822.eml", &m);
	p = m.root->children->next;
	cr_assert_not_null(p->children);
	cr_assert_str_eq(ft_envelope(pool, p->children, 0),
	    "(\"Tue, 1 Dec 2026 08:00:00 -0500\" \"inner one\" "
	    "((NIL NIL \"inner\" \"example.net\")) "
	    "((NIL NIL \"inner\" \"example.net\")) "
	    "((NIL NIL \"inner\" \"example.net\")) "
	    "((NIL NIL \"x\" \"example.com\")) NIL NIL NIL NIL)");
}

/* A message without a header: every member is NIL. */
Test(imap_envelope, no_header_at_all)
{
	struct ft_msg m;

	ft_mem(pool, "\r\nbody only\r\n", &m);
	cr_assert_str_eq(ft_envelope(pool, m.root, 0),
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
}
