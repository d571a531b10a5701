/*
 * test-ldap-template.c — realm-ldap's escaping (RFC 4515 filters, RFC 4514
 * DNs) and template expansion.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ldap-template.h"

static const char *
expand(const char *tmpl, const char *user, enum ldap_escape e)
{
	static char out[LDAP_TEMPLATE_MAX];
	const char *error = NULL;

	if (ldap_template_expand(tmpl, user, e, out, sizeof(out), &error) < 0) {
		cr_assert_not_null(error);
		return NULL;
	}
	return out;
}

#define F LDAP_ESCAPE_FILTER
#define D LDAP_ESCAPE_DN

Test(template, expansions)
{
	cr_assert_str_eq(expand("(uid=%u)", "alice", F), "(uid=alice)");
	cr_assert_str_eq(expand("(&(uid=%n)(dc=%d))", "alice@example.org", F),
	    "(&(uid=alice)(dc=example.org))");
	cr_assert_str_eq(expand("%n|%d", "a@b@c", F), "a@b|c", "last '@'");
	cr_assert_str_eq(expand("%n|%d|", "alice", F), "alice||");
	cr_assert_str_eq(expand("100%% %u", "x", F), "100% x");
	cr_assert_str_eq(expand("no user", "x", F), "no user");
	cr_assert_null(expand("%x", "x", F));
	cr_assert_null(expand("trailing %", "x", F));
}

/* RFC 4515 3: the octets that must be escaped, and the examples of its
 * section 4 ("(o=Parens R Us \28for all your parenthetical needs\29)",
 * "(cn=*\2A*)", "(filename=C:\5cMyFile)"). */
Test(template, filter_escaping_rfc4515)
{
	cr_assert_str_eq(expand("(o=%u)",
	    "Parens R Us (for all your parenthetical needs)", F),
	    "(o=Parens R Us \\28for all your parenthetical needs\\29)");
	cr_assert_str_eq(expand("(cn=*%u*)", "*", F), "(cn=*\\2a*)");
	cr_assert_str_eq(expand("(filename=%u)", "C:\\MyFile", F),
	    "(filename=C:\\5cMyFile)");
	cr_assert_str_eq(expand("(uid=%u)", "*)(uid=*", F),
	    "(uid=\\2a\\29\\28uid=\\2a)");
	cr_assert_str_eq(expand("(uid=%u)", "a\tb\x7f", F),
	    "(uid=a\\09b\\7f)");
	cr_assert_str_eq(expand("(cn=%u)", "j\xc3\xb6hn", F),
	    "(cn=j\\c3\\b6hn)");
	/* DN specials mean nothing in a filter value. */
	cr_assert_str_eq(expand("(uid=%u)", "a,b+c=d", F), "(uid=a,b+c=d)");
}

/* RFC 4514 2.4. */
Test(template, dn_escaping_rfc4514)
{
	cr_assert_str_eq(expand("uid=%u,dc=x", "alice", D), "uid=alice,dc=x");
	cr_assert_str_eq(expand("uid=%u,dc=x", "comma,user", D),
	    "uid=comma\\2cuser,dc=x");
	cr_assert_str_eq(expand("uid=%u", "a+b\"c\\d<e>f;g=h", D),
	    "uid=a\\2bb\\22c\\5cd\\3ce\\3ef\\3bg\\3dh");
	cr_assert_str_eq(expand("uid=%u", "#x", D), "uid=\\23x");
	cr_assert_str_eq(expand("uid=%u", "x#", D), "uid=x#");
	cr_assert_str_eq(expand("uid=%u", " x ", D), "uid=\\20x\\20");
	cr_assert_str_eq(expand("uid=%u", "a b", D), "uid=a b");
	cr_assert_str_eq(expand("uid=%u", " ", D), "uid=\\20");
	/* Filter specials are plain in a DN. */
	cr_assert_str_eq(expand("uid=%u", "*()", D), "uid=*()");
	/* The part after '@' is escaped alone: its edges are value edges. */
	cr_assert_str_eq(expand("uid=%n,dc=%d", "a @ b", D),
	    "uid=a\\20,dc=\\20b");
}

Test(template, output_bounds)
{
	char out[8];
	const char *error;
	size_t pos = 0;

	cr_assert_eq(ldap_template_expand("%u", "1234567", F, out,
	    sizeof(out), &error), 0);
	cr_assert_str_eq(out, "1234567");
	cr_assert_eq(ldap_template_expand("%u", "12345678", F, out,
	    sizeof(out), &error), -1);
	cr_assert_eq(ldap_template_expand("x%u", "12345(", F, out,
	    sizeof(out), &error), -1, "an escape that does not fit");
	cr_assert_eq(ldap_template_expand("1234567%%", "", F, out,
	    sizeof(out), &error), -1);
	cr_assert_eq(ldap_escape_append("((", 2, F, out, 6, &pos), -1);
	pos = 0;
	cr_assert_eq(ldap_escape_append("((", 2, F, out, 7, &pos), 0);
	cr_assert_eq(ldap_template_expand("x", "", F, out, 0, &error), -1);
}

Test(template, every_octet_round_trips)
{
	char in[2] = { 0, 0 }, out[8];
	unsigned c, v;
	size_t pos;
	int e;

	for (e = F; e <= D; e++)
		for (c = 1; c < 256; c++) {
			in[0] = (char)c;
			pos = 0;
			cr_assert_eq(ldap_escape_append(in, 1, e, out,
			    sizeof(out), &pos), 0);
			if (pos == 1) {
				cr_assert_eq((unsigned char)out[0], c);
				continue;
			}
			cr_assert_eq(pos, 3);
			cr_assert_eq(sscanf(out, "\\%2x", &v), 1);
			cr_assert_eq(v, c);
		}
}
