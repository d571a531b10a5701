/*
 * test-msg-address.c — RFC 5322 address lists: the examples of RFC 5322
 * Appendix A, the obsolete syntax, RFC 6532 UTF-8, the breakage mail
 * software produces, limits, and parse -> format -> parse round trips.
 */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/msg-address.h>
#include <gumdrop/pool.h>

#define START	GD_MSG_ADDR_GROUP_START
#define END	GD_MSG_ADDR_GROUP_END
#define INVALID	GD_MSG_ADDR_INVALID
#define QUOTED	GD_MSG_ADDR_QUOTED_LOCAL
#define UTF8	GD_MSG_ADDR_UTF8

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

TestSuite(address, .init = setup, .fini = teardown);

static struct gd_msg_address *
parse(const char *s)
{
	return gd_msg_address_parse(pool, s, strlen(s), 0);
}

static unsigned
count(const struct gd_msg_address *a)
{
	unsigned n = 0;

	for (; a != NULL; a = a->next)
		n++;
	return n;
}

static void
str_eq(const char *what, const char *got, const char *want)
{
	if (want == NULL)
		cr_assert_null(got, "%s: got \"%s\", want NULL", what, got);
	else
		cr_assert(got != NULL && strcmp(got, want) == 0,
		    "%s: got \"%s\", want \"%s\"", what,
		    got != NULL ? got : "(null)", want);
}

/* Checks one entry and returns the next. */
static const struct gd_msg_address *
expect(const struct gd_msg_address *a, const char *name, const char *route,
    const char *mailbox, const char *domain, unsigned flags)
{
	cr_assert_not_null(a, "missing entry for mailbox %s", mailbox);
	str_eq("name", a->name, name);
	str_eq("route", a->route, route);
	str_eq("mailbox", a->mailbox, mailbox);
	str_eq("domain", a->domain, domain);
	cr_assert_eq(a->flags, flags, "flags of %s: got %#x, want %#x",
	    mailbox != NULL ? mailbox : name, a->flags, flags);
	return a->next;
}

/* The whole list in header form, as a writer of To: would join it. */
static char *
format_list(const struct gd_msg_address *a)
{
	char *out = gd_pool_strdup(pool, "");
	const char *sep = "";

	for (; a != NULL; a = a->next) {
		if ((a->flags & END) != 0)
			sep = "";
		out = gd_pool_printf(pool, "%s%s%s", out, sep,
		    gd_msg_address_format(pool, a));
		sep = (a->flags & START) != 0 ? " " : ", ";
	}
	return out;
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* parse -> format -> parse gives the same entries (a local part that
 * needed quotes comes back flagged as quoted). */
static void
roundtrip(const char *in)
{
	const struct gd_msg_address *a, *b;
	char *text;

	a = parse(in);
	text = format_list(a);
	b = parse(text);
	cr_assert_eq(count(a), count(b), "%s -> %s", in, text);
	for (; a != NULL; a = a->next, b = b->next) {
		cr_assert(same_str(a->name, b->name) &&
		    same_str(a->route, b->route) &&
		    same_str(a->mailbox, b->mailbox) &&
		    same_str(a->domain, b->domain), "%s -> %s", in, text);
		cr_assert_eq(a->flags & ~QUOTED, b->flags & ~QUOTED,
		    "%s -> %s", in, text);
	}
	cr_assert_str_eq(format_list(parse(text)), text, "%s", in);
}

/* ---- RFC 5322 Appendix A ----------------------------------------------- */

Test(address, rfc_a11_addressing)
{
	const struct gd_msg_address *a;

	a = parse("John Doe <jdoe@machine.example>");
	a = expect(a, "John Doe", NULL, "jdoe", "machine.example", 0);
	cr_assert_null(a);
	a = parse("Mary Smith <mary@example.net>");
	a = expect(a, "Mary Smith", NULL, "mary", "example.net", 0);
	cr_assert_null(a);
	a = parse("\"Joe Q. Public\" <john.q.public@example.com>");
	a = expect(a, "Joe Q. Public", NULL, "john.q.public", "example.com",
	    0);
	cr_assert_null(a);
}

Test(address, rfc_a12_different_types)
{
	const struct gd_msg_address *a;

	a = parse("Mary Smith <mary@x.test>, jdoe@example.org, "
	    "Who? <one@y.test>");
	a = expect(a, "Mary Smith", NULL, "mary", "x.test", 0);
	a = expect(a, NULL, NULL, "jdoe", "example.org", 0);
	a = expect(a, "Who?", NULL, "one", "y.test", 0);
	cr_assert_null(a);
	a = parse("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" "
	    "<sysservices@example.net>");
	a = expect(a, NULL, NULL, "boss", "nil.test", 0);
	a = expect(a, "Giant; \"Big\" Box", NULL, "sysservices",
	    "example.net", 0);
	cr_assert_null(a);
}

Test(address, rfc_a13_group)
{
	const struct gd_msg_address *a;

	a = parse("A Group:Ed Jones <c@a.test>,joe@where.test,John "
	    "<jdoe@one.test>;");
	a = expect(a, "A Group", NULL, NULL, NULL, START);
	a = expect(a, "Ed Jones", NULL, "c", "a.test", 0);
	a = expect(a, NULL, NULL, "joe", "where.test", 0);
	a = expect(a, "John", NULL, "jdoe", "one.test", 0);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	cr_assert_null(a);
	a = parse("Undisclosed recipients:;");
	a = expect(a, "Undisclosed recipients", NULL, NULL, NULL, START);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	cr_assert_null(a);
}

Test(address, rfc_a5_white_space_and_comments)
{
	const struct gd_msg_address *a;

	a = parse("Pete(A nice \\) chap) <pete(his account)@silly.test"
	    "(his host)>");
	a = expect(a, "Pete", NULL, "pete", "silly.test", 0);
	cr_assert_null(a);
	a = parse("A Group(Some people)\r\n     :Chris Jones "
	    "<c@(Chris's host.)public.example>,\r\n         joe@example.org,"
	    "\r\n  John <jdoe@one.test> (my dear friend); (the end of the "
	    "group)");
	a = expect(a, "A Group", NULL, NULL, NULL, START);
	a = expect(a, "Chris Jones", NULL, "c", "public.example", 0);
	a = expect(a, NULL, NULL, "joe", "example.org", 0);
	a = expect(a, "John", NULL, "jdoe", "one.test", 0);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	cr_assert_null(a);
	a = parse("(Empty list)(start)Hidden recipients  :(nobody(that I "
	    "know))  ;");
	a = expect(a, "Hidden recipients", NULL, NULL, NULL, START);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	cr_assert_null(a);
}

Test(address, rfc_a61_obsolete_addressing)
{
	const struct gd_msg_address *a;

	a = parse("Joe Q. Public <john.q.public@example.com>");
	a = expect(a, "Joe Q. Public", NULL, "john.q.public", "example.com",
	    0);
	cr_assert_null(a);
	a = parse("Mary Smith <@node.test:mary@example.net>, , jdoe@test  "
	    ". example");
	a = expect(a, "Mary Smith", "@node.test", "mary", "example.net", 0);
	a = expect(a, NULL, NULL, "jdoe", "test.example", 0);
	cr_assert_null(a);
}

Test(address, rfc_a63_a64_obsolete_white_space)
{
	const struct gd_msg_address *a;

	a = parse("John Doe <jdoe@machine(comment).  example>");
	a = expect(a, "John Doe", NULL, "jdoe", "machine.example", 0);
	cr_assert_null(a);
	a = parse("Mary Smith\r\n    \r\n <mary@example.net>");
	a = expect(a, "Mary Smith", NULL, "mary", "example.net", 0);
	cr_assert_null(a);
}

/* ---- obsolete syntax (RFC 5322 4.4) ------------------------------------ */

Test(address, obs_route)
{
	const struct gd_msg_address *a;

	a = parse("<@a.example,@b.example:user@host.example>");
	a = expect(a, NULL, "@a.example,@b.example", "user", "host.example",
	    0);
	cr_assert_null(a);
	/* obs-domain-list allows empty elements and CFWS. */
	a = parse("Name <,, @a.example (x), ,@[192.0.2.1] :user@host>, b@c");
	a = expect(a, "Name", "@a.example,@[192.0.2.1]", "user", "host", 0);
	a = expect(a, NULL, NULL, "b", "c", 0);
	cr_assert_null(a);
	a = parse("<@a.example,@:user@host>, <@a.example user@host>, b@c");
	a = expect(a, NULL, NULL, "<@a.example,@:user@host>", NULL, INVALID);
	a = expect(a, NULL, NULL, "<@a.example user@host>", NULL, INVALID);
	a = expect(a, NULL, NULL, "b", "c", 0);
	cr_assert_null(a);
	/* A ',' not followed by '@' ends a route left unclosed. */
	a = parse("<@a.example, b@c");
	a = expect(a, NULL, NULL, "<@a.example", NULL, INVALID);
	a = expect(a, NULL, NULL, "b", "c", 0);
	cr_assert_null(a);
}

Test(address, obs_local_part_and_phrase)
{
	const struct gd_msg_address *a;

	a = parse("\"john\".doe@example.com, john . doe @ example . com");
	a = expect(a, NULL, NULL, "john.doe", "example.com", QUOTED);
	a = expect(a, NULL, NULL, "john.doe", "example.com", 0);
	cr_assert_null(a);
	a = parse("John Q. Public, Esq. <jqp@example.com>");
	a = expect(a, "John Q. Public, Esq.", NULL, "jqp", "example.com", 0);
	cr_assert_null(a);
}

Test(address, empty_list_elements)
{
	const struct gd_msg_address *a;

	a = parse(", ,a@b,,, (nothing) ,c@d ,");
	a = expect(a, NULL, NULL, "a", "b", 0);
	a = expect(a, NULL, NULL, "c", "d", 0);
	cr_assert_null(a);
	cr_assert_null(parse(""));
	cr_assert_null(parse("   \r\n\t "));
	cr_assert_null(parse("(only a comment)"));
	cr_assert_null(gd_msg_address_parse(pool, NULL, 0, 0));
}

/* ---- the parts of a mailbox -------------------------------------------- */

Test(address, comment_gives_name)
{
	const struct gd_msg_address *a;

	a = parse("user@host (Comment  Name), u2@h2 (a (nested) \\) one), "
	    "<u3@h3> (Third), u4@h4 ()");
	a = expect(a, "Comment Name", NULL, "user", "host", 0);
	a = expect(a, "a (nested) ) one", NULL, "u2", "h2", 0);
	a = expect(a, "Third", NULL, "u3", "h3", 0);
	a = expect(a, NULL, NULL, "u4", "h4", 0);
	cr_assert_null(a);
	/* A phrase wins over a comment. */
	a = parse("Real Name <u@h> (comment)");
	a = expect(a, "Real Name", NULL, "u", "h", 0);
	cr_assert_null(a);
}

Test(address, quoted_local_parts)
{
	const struct gd_msg_address *a;

	a = parse("\"john doe\"@example.com, \"a\\\"b\\\\c\"@x, "
	    "Name <\"x,y\"@z>, \"\"@empty");
	a = expect(a, NULL, NULL, "john doe", "example.com", QUOTED);
	a = expect(a, NULL, NULL, "a\"b\\c", "x", QUOTED);
	a = expect(a, "Name", NULL, "x,y", "z", QUOTED);
	a = expect(a, NULL, NULL, "", "empty", QUOTED);
	cr_assert_null(a);
}

Test(address, dotted_local_parts)
{
	const struct gd_msg_address *a;

	/* Issued by some Japanese carriers; not a dot-atom, still mail. */
	a = parse("john..doe@docomo.ne.jp, .x.@example.com");
	a = expect(a, NULL, NULL, "john..doe", "docomo.ne.jp", 0);
	a = expect(a, NULL, NULL, ".x.", "example.com", 0);
	cr_assert_null(a);
	a = parse("john..doe@docomo.ne.jp");
	cr_assert_str_eq(gd_msg_address_addr_spec(pool, a),
	    "\"john..doe\"@docomo.ne.jp");
}

Test(address, domain_literals)
{
	const struct gd_msg_address *a;

	a = parse("a@[192.0.2.1], b@[IPv6:2001:db8::1], c@[ 192.0.2.2 ], "
	    "d@[1.2.3.4, e@f");
	a = expect(a, NULL, NULL, "a", "[192.0.2.1]", 0);
	a = expect(a, NULL, NULL, "b", "[IPv6:2001:db8::1]", 0);
	a = expect(a, NULL, NULL, "c", "[192.0.2.2]", 0);
	a = expect(a, NULL, NULL, "d@[1.2.3.4", NULL, INVALID);
	a = expect(a, NULL, NULL, "e", "f", 0);
	cr_assert_null(a);
}

Test(address, utf8)
{
	const struct gd_msg_address *a;

	a = parse("Jörg Müller <jörg@bücher.example>, "
	    "\"山田 太郎\" <taro@example.jp>, δοκιμή@παράδειγμα.δοκιμή, "
	    "plain@example.com");
	a = expect(a, "Jörg Müller", NULL, "jörg", "bücher.example", UTF8);
	a = expect(a, "山田 太郎", NULL, "taro", "example.jp", UTF8);
	a = expect(a, NULL, NULL, "δοκιμή", "παράδειγμα.δοκιμή", UTF8);
	a = expect(a, NULL, NULL, "plain", "example.com", 0);
	cr_assert_null(a);
}

Test(address, display_name_cleanup)
{
	const struct gd_msg_address *a;

	a = parse("\"  John   \\\"JJ\\\"  Doe \" <j@x>, John\t (x) Doe <k@x>,"
	    " \"A\"\"B\" <l@x>, \"\" <m@x>");
	a = expect(a, "John \"JJ\" Doe", NULL, "j", "x", 0);
	a = expect(a, "John Doe", NULL, "k", "x", 0);
	a = expect(a, "AB", NULL, "l", "x", 0);
	a = expect(a, NULL, NULL, "m", "x", 0);
	cr_assert_null(a);
}

Test(address, rfc2047_words_left_encoded)
{
	const struct gd_msg_address *a;

	a = parse("=?UTF-8?Q?J=C3=B6rg?=  =?UTF-8?Q?_M?= <j@x>, "
	    "\"=?ISO-8859-1?B?SvZyZw==?=\" <k@x>");
	a = expect(a, "=?UTF-8?Q?J=C3=B6rg?= =?UTF-8?Q?_M?=", NULL, "j", "x",
	    0);
	a = expect(a, "=?ISO-8859-1?B?SvZyZw==?=", NULL, "k", "x", 0);
	cr_assert_null(a);
}

Test(address, folded_and_nul)
{
	const struct gd_msg_address *a;
	static const char in[] = "John\r\n Doe <j@x>, Bad\0Byte <k@x>";

	a = gd_msg_address_parse(pool, in, sizeof(in) - 1, 0);
	a = expect(a, "John Doe", NULL, "j", "x", 0);
	a = expect(a, "Bad Byte", NULL, "k", "x", 0);
	cr_assert_null(a);
}

/* ---- what mail software gets wrong ------------------------------------- */

Test(address, unquoted_comma_in_name)
{
	const struct gd_msg_address *a;

	a = parse("Doe, John <john@example.com>, a@b");
	a = expect(a, "Doe, John", NULL, "john", "example.com", 0);
	a = expect(a, NULL, NULL, "a", "b", 0);
	cr_assert_null(a);
	a = parse("Doe, John, Jr. <john@example.com>");
	a = expect(a, "Doe, John, Jr.", NULL, "john", "example.com", 0);
	cr_assert_null(a);
	/* Bare words not followed by a name-addr stay separate. */
	a = parse("alice, bob, carol@example.com, Dave <d@x>");
	a = expect(a, NULL, NULL, "alice", NULL, 0);
	a = expect(a, NULL, NULL, "bob", NULL, 0);
	a = expect(a, NULL, NULL, "carol", "example.com", 0);
	a = expect(a, "Dave", NULL, "d", "x", 0);
	cr_assert_null(a);
}

Test(address, unquoted_at_and_colon_in_name)
{
	const struct gd_msg_address *a;

	a = parse("john@example.com <john@example.com>, "
	    "Re: John <j@x>, Sales: Team <s@x>");
	a = expect(a, "john@example.com", NULL, "john", "example.com", 0);
	a = expect(a, "Re: John", NULL, "j", "x", 0);
	a = expect(a, "Sales: Team", NULL, "s", "x", 0);
	cr_assert_null(a);
}

Test(address, missing_closing_bracket)
{
	const struct gd_msg_address *a;

	a = parse("John <j@x");
	a = expect(a, "John", NULL, "j", "x", 0);
	cr_assert_null(a);
	a = parse("John <j@x, Jane <jane@y>, Bob <b@z>>");
	a = expect(a, "John", NULL, "j", "x", 0);
	a = expect(a, "Jane", NULL, "jane", "y", 0);
	a = expect(a, "Bob", NULL, "b", "z", 0);
	cr_assert_null(a);
}

Test(address, bare_local_part)
{
	const struct gd_msg_address *a;

	a = parse("root, postmaster (Mail Admin), \"john doe\"");
	a = expect(a, NULL, NULL, "root", NULL, 0);
	a = expect(a, "Mail Admin", NULL, "postmaster", NULL, 0);
	a = expect(a, NULL, NULL, "john doe", NULL, QUOTED);
	cr_assert_null(a);
}

Test(address, semicolon_as_separator)
{
	const struct gd_msg_address *a;

	a = parse("a@b; c@d;e@f");
	a = expect(a, NULL, NULL, "a", "b", 0);
	a = expect(a, NULL, NULL, "c", "d", 0);
	a = expect(a, NULL, NULL, "e", "f", 0);
	cr_assert_null(a);
}

Test(address, invalid_entries_and_recovery)
{
	const struct gd_msg_address *a;

	a = parse("a@b,  John Doe , c d@e, @x, <>, x@, y@a..b, z@b c, "
	    "q@[x[y], \"open@x, d@e");
	a = expect(a, NULL, NULL, "a", "b", 0);
	a = expect(a, NULL, NULL, "John Doe", NULL, INVALID);
	a = expect(a, NULL, NULL, "c d@e", NULL, INVALID);
	a = expect(a, NULL, NULL, "@x", NULL, INVALID);
	a = expect(a, NULL, NULL, "<>", NULL, INVALID);
	a = expect(a, NULL, NULL, "x@", NULL, INVALID);
	a = expect(a, NULL, NULL, "y@a..b", NULL, INVALID);
	a = expect(a, NULL, NULL, "z@b c", NULL, INVALID);
	a = expect(a, NULL, NULL, "q@[x[y]", NULL, INVALID);
	/* An unclosed quote runs to the end. */
	a = expect(a, NULL, NULL, "\"open@x, d@e", NULL, INVALID);
	cr_assert_null(a);
	a = parse("Ünïcode junk ~~ <<<, ok@x");
	cr_assert(a->flags & INVALID);
	cr_assert(a->flags & UTF8);
	expect(a->next, NULL, NULL, "ok", "x", 0);
}

/* ---- groups ------------------------------------------------------------ */

Test(address, group_forms)
{
	const struct gd_msg_address *a;

	/* No ';': the group ends with the input. */
	a = parse("undisclosed-recipients:");
	a = expect(a, "undisclosed-recipients", NULL, NULL, NULL, START);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	cr_assert_null(a);
	a = parse("G: a@b, c@d");
	a = expect(a, "G", NULL, NULL, NULL, START);
	a = expect(a, NULL, NULL, "a", "b", 0);
	a = expect(a, NULL, NULL, "c", "d", 0);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	cr_assert_null(a);
	/* Empty name, quoted name, members after the group. */
	a = parse(": a@b;, \"We: the people\":;x@y");
	a = expect(a, "", NULL, NULL, NULL, START);
	a = expect(a, NULL, NULL, "a", "b", 0);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	a = expect(a, "We: the people", NULL, NULL, NULL, START);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	a = expect(a, NULL, NULL, "x", "y", 0);
	cr_assert_null(a);
}

Test(address, groups_do_not_nest)
{
	const struct gd_msg_address *a;

	a = parse("G1: G2: a@b;; c@d");
	a = expect(a, "G1", NULL, NULL, NULL, START);
	a = expect(a, NULL, NULL, "G2: a@b", NULL, INVALID);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	a = expect(a, NULL, NULL, "c", "d", 0);
	cr_assert_null(a);
}

/* ---- limits ------------------------------------------------------------ */

Test(address, max_entries)
{
	const struct gd_msg_address *a;

	cr_assert_eq(count(gd_msg_address_parse(pool, "a@b, c@d, e@f, g@h",
	    18, 2)), 2);
	/* A group is cut short but always closed. */
	a = gd_msg_address_parse(pool, "G: a@b, c@d;", 12, 3);
	a = expect(a, "G", NULL, NULL, NULL, START);
	a = expect(a, NULL, NULL, "a", "b", 0);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	cr_assert_null(a);
	a = gd_msg_address_parse(pool, "G: a@b, c@d;", 12, 2);
	a = expect(a, "G", NULL, NULL, NULL, START);
	a = expect(a, NULL, NULL, NULL, NULL, END);
	cr_assert_null(a);
	cr_assert_null(gd_msg_address_parse(pool, "G: a@b;", 7, 1));
}

Test(address, default_limit_is_1000)
{
	size_t i, n = 1500;
	char *buf = gd_pool_alloc(pool, n * 5 + 1);

	for (i = 0; i < n; i++)
		memcpy(buf + i * 5, "a@b, ", 5);
	cr_assert_eq(count(gd_msg_address_parse(pool, buf, n * 5, 0)), 1000);
}

Test(address, deep_comments, .timeout = 10)
{
	const struct gd_msg_address *a;
	size_t n = 200000, i;
	char *buf = gd_pool_alloc(pool, 2 * n + 16);

	memcpy(buf, "a@b ", 4);
	for (i = 0; i < n; i++)
		buf[4 + i] = '(';
	for (i = 0; i < n; i++)
		buf[4 + n + i] = ')';
	memcpy(buf + 4 + 2 * n, ", c@d", 5);
	a = gd_msg_address_parse(pool, buf, 2 * n + 9, 0);
	/* The comment (nested parentheses) is the name. */
	cr_assert_eq(strlen(a->name), 2 * n - 2);
	a = expect(a, a->name, NULL, "a", "b", 0);
	a = expect(a, NULL, NULL, "c", "d", 0);
	cr_assert_null(a);
	/* Unclosed: the comment runs to the end. */
	a = gd_msg_address_parse(pool, buf, 4 + n, 0);
	expect(a, a->name, NULL, "a", "b", 0);
	cr_assert_null(a->next);
}

/* Inputs that would be quadratic for a naive parser finish quickly. */
Test(address, linear_on_hostile_input, .timeout = 10)
{
	static const char *const unit[] = {
		"a, ", "x: <, ", "<@a,", "\"", "a:b ", "(", "<", ",;", "@",
	};
	size_t n = 300000, i, k, len;
	char *buf = gd_pool_alloc(pool, n + 8);

	for (k = 0; k < GD_N_ELEMENTS(unit); k++) {
		len = strlen(unit[k]);
		for (i = 0; i + len <= n; i += len)
			memcpy(buf + i, unit[k], len);
		(void)gd_msg_address_parse(pool, buf, i, 100000);
	}
}

/* ---- formatting -------------------------------------------------------- */

Test(address, addr_spec)
{
	const struct gd_msg_address *a;

	a = parse("John <j.d@x>, \"a b\"@c, \"plain\"@d, root, G:;, bad d@e,"
	    " <@r:u@h>, \"q\\\"t\"@e");
	cr_assert_str_eq(gd_msg_address_addr_spec(pool, a), "j.d@x");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_addr_spec(pool, a), "\"a b\"@c");
	a = a->next;
	/* Quoted in the message, so quoted again. */
	cr_assert_str_eq(gd_msg_address_addr_spec(pool, a), "\"plain\"@d");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_addr_spec(pool, a), "root");
	a = a->next;
	cr_assert_null(gd_msg_address_addr_spec(pool, a));
	a = a->next;
	cr_assert_null(gd_msg_address_addr_spec(pool, a));
	a = a->next;
	cr_assert_null(gd_msg_address_addr_spec(pool, a));
	a = a->next;
	cr_assert_str_eq(gd_msg_address_addr_spec(pool, a), "u@h");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_addr_spec(pool, a), "\"q\\\"t\"@e");
}

Test(address, format_entries)
{
	const struct gd_msg_address *a;

	a = parse("\"Doe, J.\" <j@example.com>, Plain Name <p@x>, n@x, "
	    "<@r1,@r2:u@h>, Who? <w@x>, \"Q \\\"x\\\\\" <q@x>, root, "
	    "The Group: ;, junk junk");
	cr_assert_str_eq(gd_msg_address_format(pool, a),
	    "\"Doe, J.\" <j@example.com>");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_format(pool, a), "Plain Name <p@x>");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_format(pool, a), "n@x");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_format(pool, a), "<@r1,@r2:u@h>");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_format(pool, a), "Who? <w@x>");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_format(pool, a),
	    "\"Q \\\"x\\\\\" <q@x>");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_format(pool, a), "<root>");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_format(pool, a), "The Group:");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_format(pool, a), ";");
	a = a->next;
	cr_assert_str_eq(gd_msg_address_format(pool, a), "junk junk");
}

Test(address, roundtrips)
{
	static const char *const in[] = {
		"John Doe <jdoe@machine.example>",
		"Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
		"<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <s@example.net>",
		"A Group:Ed Jones <c@a.test>,joe@where.test,John <j@one.test>;",
		"Undisclosed recipients:;",
		"Pete(A nice \\) chap) <pete(his account)@silly.test(host)>",
		"(Empty list)(start)Hidden recipients  :(nobody(that I k)) ;",
		"Mary Smith <@node.test:mary@example.net>, , jdoe@test . exa",
		"Doe, John <john@example.com>, root, postmaster (Admin)",
		"\"john..doe\"@x, john..doe@y, \"a\\\"b\"@c, \"\"@d",
		"j@x.com <j@x.com>, Re: John <j@x>, a@[IPv6:2001:db8::1]",
		"Jörg <jörg@bücher.example>, \"山田\" <t@example.jp>",
		"user@host (Comment Name), <u@h> (c), \"x y\", G:, a@b",
		"=?UTF-8?Q?J=C3=B6rg?= <j@x>, : a@b;, \"We: us\":;",
		"alice, bob, Dave <d@x>",
	};
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(in); i++)
		roundtrip(in[i]);
}
