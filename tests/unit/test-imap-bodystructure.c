/*
 * test-imap-bodystructure.c — FETCH BODY and BODYSTRUCTURE
 * (modules/imap/imap-bodystructure.c) for the messages of
 * unit/data/imap/ and a few in-line ones.  Sizes were counted by hand
 * (and by a script over the files); the strings were compared with
 * Dovecot 2.3's for the same files, which differs only where noted:
 * Dovecot counts a part's lines as its LFs (we count a last line without
 * LF too, as message.h does) and gives a message/rfc822 part inside a
 * multipart the CRLF before the next boundary (RFC 2046 5.1.1 gives it
 * to the boundary, as we do); Dovecot keeps parameter names' case.
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

TestSuite(imap_bodystructure, .init = setup, .fini = teardown);

#define NESTED_ALT_EXT \
	"((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL " \
	"\"quoted-printable\" 15 2 NIL NIL NIL NIL)" \
	"(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 9 1 " \
	"NIL NIL (\"en\" \"fr\") NIL) \"alternative\" " \
	"(\"boundary\" \"inner\") NIL NIL NIL)"

/* Nested multiparts, QP, a language list, an attachment with an encoded
 * word name (kept as written) and an RFC 2231 filename (kept encoded,
 * its name with the "*"), id, description, MD5, location. */
Test(imap_bodystructure, nested_multipart_extended)
{
	struct ft_msg m;

	ft_load(pool, "nested.eml", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, true),
	    "(" NESTED_ALT_EXT
	    "(\"application\" \"pdf\" "
	    "(\"name\" \"=?UTF-8?Q?r=C3=A9sum=C3=A9.pdf?=\") "
	    "\"<pdf1@example.org>\" \"the CV\" \"base64\" 16 "
	    "\"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" "
	    "(\"filename*\" \"utf-8''r%C3%A9sum%C3%A9.pdf\")) NIL "
	    "\"http://example.org/cv.pdf\") \"mixed\" "
	    "(\"boundary\" \"outer\") NIL NIL NIL)");
}

Test(imap_bodystructure, nested_multipart_body)
{
	struct ft_msg m;

	ft_load(pool, "nested.eml", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, false),
	    "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL "
	    "\"quoted-printable\" 15 2)"
	    "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 9 1)"
	    " \"alternative\")"
	    "(\"application\" \"pdf\" "
	    "(\"name\" \"=?UTF-8?Q?r=C3=A9sum=C3=A9.pdf?=\") "
	    "\"<pdf1@example.org>\" \"the CV\" \"base64\" 16) \"mixed\")");
}

/* message/rfc822 in a multipart: envelope, structure and lines of the
 * encapsulated message; text/ * without charset gets us-ascii. */
Test(imap_bodystructure, message_rfc822_inside_multipart)
{
	struct ft_msg m;

	ft_load(pool, "rfc822.eml", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, true),
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "12 1 NIL NIL NIL NIL)"
	    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 277 "
	    "(\"Tue, 1 Dec 2026 08:00:00 -0500\" \"inner one\" "
	    "((NIL NIL \"inner\" \"example.net\")) "
	    "((NIL NIL \"inner\" \"example.net\")) "
	    "((NIL NIL \"inner\" \"example.net\")) "
	    "((NIL NIL \"x\" \"example.com\")) NIL NIL NIL NIL) "
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "10 1 NIL NIL NIL NIL)"
	    "(\"text\" \"enriched\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 14 1 NIL NIL NIL NIL) \"alternative\" "
	    "(\"boundary\" \"b2\") NIL NIL NIL) 15 NIL (\"inline\" NIL) "
	    "NIL NIL) \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)");
	cr_assert_str_eq(ft_structure(pool, m.root, false),
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "12 1)"
	    "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 277 "
	    "(\"Tue, 1 Dec 2026 08:00:00 -0500\" \"inner one\" "
	    "((NIL NIL \"inner\" \"example.net\")) "
	    "((NIL NIL \"inner\" \"example.net\")) "
	    "((NIL NIL \"inner\" \"example.net\")) "
	    "((NIL NIL \"x\" \"example.com\")) NIL NIL NIL NIL) "
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "10 1)(\"text\" \"enriched\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 14 1) \"alternative\") 15) \"mixed\")");
}

/* No Content-Type, no MIME-Version: RFC 2045 5.2's text/plain. */
Test(imap_bodystructure, missing_content_type)
{
	struct ft_msg m;

	ft_load(pool, "notype.eml", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, true),
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "24 2 NIL NIL NIL NIL)");
}

/* A boundary that never comes, and none at all: one empty part. */
Test(imap_bodystructure, malformed_boundaries)
{
	struct ft_msg m;

	ft_load(pool, "badboundary.eml", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, true),
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "0 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"never\") "
	    "NIL NIL NIL)");
	ft_load(pool, "nobound.eml", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, false),
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "0 0) \"mixed\")");
}

/* Bare LF line ends count as they are; an unknown CTE is shown. */
Test(imap_bodystructure, bare_lf)
{
	struct ft_msg m;

	ft_load(pool, "barelf.eml", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, true),
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "3 1 NIL NIL NIL NIL)(\"application\" \"octet-stream\" NIL NIL "
	    "NIL \"x-unknown\" 2 NIL NIL NIL NIL) \"mixed\" "
	    "(\"boundary\" \"x\") NIL NIL NIL)");
}

/* RFC 2231 continuations joined (still encoded), parameters kept in
 * order, charset appended to a text part's list, a single language
 * as a list, a disposition without parameters. */
Test(imap_bodystructure, rfc2231_and_defaults)
{
	struct ft_msg m;

	ft_mem(pool, "Content-Type: text/plain; format=flowed;\r\n"
	    " title*0*=us-ascii'en'a%20b; title*1=\" c\"\r\n"
	    "Content-Disposition: inline\r\nContent-Language: en\r\n"
	    "\r\nx\r\n", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, true),
	    "(\"text\" \"plain\" (\"format\" \"flowed\" \"title*\" "
	    "\"us-ascii'en'a%20b c\" \"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 3 1 NIL (\"inline\" NIL) (\"en\") NIL)");
}

/* An 8-bit parameter value is a literal in IMAP4rev1. */
Test(imap_bodystructure, eight_bit_parameter_literal)
{
	struct ft_msg m;

	ft_mem(pool, "Content-Type: application/x; name=\"\xc3\xa9.bin\"\r\n"
	    "\r\nx", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, false),
	    "(\"application\" \"x\" (\"name\" {6}\r\n\xc3\xa9.bin) NIL NIL "
	    "\"7bit\" 1)");
}

/* A base64 message/rfc822 is not parsed: a basic part (no envelope);
 * multipart/digest's parts default to message/rfc822. */
Test(imap_bodystructure, encoded_rfc822_and_digest)
{
	struct ft_msg m;

	ft_mem(pool, "Content-Type: message/rfc822\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nRnJvbTogYQ0KDQp4\r\n",
	    &m);
	cr_assert_str_eq(ft_structure(pool, m.root, false),
	    "(\"message\" \"rfc822\" NIL NIL NIL \"base64\" 18)");
	ft_mem(pool, "Content-Type: multipart/digest; boundary=d\r\n\r\n"
	    "--d\r\n\r\nSubject: s\r\n\r\nhi\r\n--d--\r\n", &m);
	cr_assert_str_eq(ft_structure(pool, m.root, false),
	    "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 16 "
	    "(NIL \"s\" NIL NIL NIL NIL NIL NIL NIL NIL) "
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" "
	    "2 1) 3) \"digest\")");
}
