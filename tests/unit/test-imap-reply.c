/*
 * test-imap-reply.c — modules/imap output helpers: response code names,
 * tagged refusals, the canned refusals, strings as atom / quoted /
 * literal / NIL, flag lists, and the mailbox error mapping.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "imap-parse.h"

static char buf[256];

static const char *
str(const char *s, size_t len, unsigned mode, unsigned flags)
{
	size_t n = imap_string_format(buf, sizeof(buf), s, len, mode, flags);

	cr_assert_lt(n, sizeof(buf));
	return buf;
}

Test(imap_reply, code_names)
{
	enum imap_code c;

	cr_assert_null(imap_code_name(IMAP_CODE_NONE));
	cr_assert_str_eq(imap_code_name(IMAP_CODE_READ_ONLY), "READ-ONLY");
	cr_assert_str_eq(imap_code_name(IMAP_CODE_UNKNOWN_CTE),
	    "UNKNOWN-CTE");
	cr_assert_str_eq(imap_code_name(IMAP_CODE_TOOBIG), "TOOBIG");
	cr_assert_null(imap_code_name(IMAP_CODE_COUNT));
	for (c = IMAP_CODE_ALERT; c < IMAP_CODE_COUNT; c++)
		cr_assert_not_null(imap_code_name(c));
}

Test(imap_reply, errors)
{
	struct imap_error e;

	imap_error_set(&e, IMAP_NO, IMAP_CODE_TRYCREATE, "No such mailbox %s",
	    "x\ty\xff");
	cr_assert_str_eq(e.text, "No such mailbox x?y?");
	cr_assert_eq(imap_reply_error(buf, sizeof(buf), "A1", 2, &e), 40);
	cr_assert_str_eq(buf, "A1 NO [TRYCREATE] No such mailbox x?y?\r\n");
	imap_error_bad(&e, "Missing argument");
	imap_reply_error(buf, sizeof(buf), NULL, 0, &e);
	cr_assert_str_eq(buf, "* BAD Missing argument\r\n");
	cr_assert_eq(imap_reply_error(buf, 8, "A1", 2, &e), 25);
	cr_assert_str_eq(buf, "A1 BAD ");
	imap_refuse(&e, IMAP_REFUSE_LOGIN_DISABLED);
	imap_reply_error(buf, sizeof(buf), "a", 1, &e);
	cr_assert_str_eq(buf, "a NO [PRIVACYREQUIRED] LOGIN is disabled on "
	    "this connection: use STARTTLS\r\n");
	imap_refuse(&e, IMAP_REFUSE_AUTH_FAILED);
	cr_assert_eq(e.code, IMAP_CODE_AUTHENTICATIONFAILED);
	imap_refuse(&e, IMAP_REFUSE_AUTH_CANCELLED);
	cr_assert_eq(e.status, IMAP_BAD);
}

Test(imap_reply, mail_errors)
{
	cr_assert_eq(imap_code_of_mail_error(GD_MAIL_ERR_NOTFOUND, true),
	    IMAP_CODE_TRYCREATE);
	cr_assert_eq(imap_code_of_mail_error(GD_MAIL_ERR_NOTFOUND, false),
	    IMAP_CODE_NONEXISTENT);
	cr_assert_eq(imap_code_of_mail_error(GD_MAIL_ERR_EXISTS, false),
	    IMAP_CODE_ALREADYEXISTS);
	cr_assert_eq(imap_code_of_mail_error(GD_MAIL_ERR_OVERQUOTA, true),
	    IMAP_CODE_OVERQUOTA);
	cr_assert_eq(imap_code_of_mail_error(GD_MAIL_ERR_TEMP, false),
	    IMAP_CODE_UNAVAILABLE);
	cr_assert_eq(imap_code_of_mail_error(GD_MAIL_ERR_NONE, false),
	    IMAP_CODE_NONE);
}

Test(imap_reply, strings)
{
	cr_assert_str_eq(str("INBOX", 5, 0, IMAP_STR_ATOM), "INBOX");
	cr_assert_str_eq(str("a b", 3, 0, IMAP_STR_ATOM), "\"a b\"");
	cr_assert_str_eq(str("NIL", 3, 0, IMAP_STR_ATOM), "\"NIL\"");
	cr_assert_str_eq(str("", 0, 0, IMAP_STR_ATOM), "\"\"");
	cr_assert_str_eq(str("x]", 2, 0, IMAP_STR_ATOM), "\"x]\"");
	cr_assert_str_eq(str("say \"hi\\\"", 9, 0, 0),
	    "\"say \\\"hi\\\\\\\"\"");
	cr_assert_str_eq(str(NULL, 0, 0, IMAP_STR_NIL), "NIL");
	cr_assert_str_eq(str("a\r\nb", 4, 0, 0), "{4}\r\na\r\nb");
	/* 8-bit: quoted only in UTF-8 mode and when valid. */
	cr_assert_str_eq(str("caf\xc3\xa9", 5, 0, 0), "{5}\r\ncaf\xc3\xa9");
	cr_assert_str_eq(str("caf\xc3\xa9", 5, IMAP_MODE_UTF8, 0),
	    "\"caf\xc3\xa9\"");
	cr_assert_str_eq(str("caf\xc3", 4, IMAP_MODE_UTF8, 0),
	    "{4}\r\ncaf\xc3");
	cr_assert(!imap_string_quotable("x\0y", 3, 0));
	cr_assert_eq(imap_string_format(buf, 3, "abcdef", 6, 0, 0), 8);
	cr_assert_str_eq(buf, "\"a");
}

Test(imap_reply, u64_digits)
{
	static const struct { uint64_t n; const char *text; } t[] = {
		{ 0, "0" }, { 7, "7" }, { 10, "10" }, { 4294967295u,
		"4294967295" }, { UINT64_MAX, "18446744073709551615" },
	};
	char digits[IMAP_U64_DIGITS];
	const char *p;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = imap_u64_digits(digits, t[i].n);
		cr_assert_eq((size_t)(digits + sizeof(digits) - p),
		    strlen(t[i].text));
		cr_assert(memcmp(p, t[i].text, strlen(t[i].text)) == 0);
	}
}

Test(imap_reply, flags_format)
{
	static const char *const kw[] = { "$Junk", "Work" };

	imap_flags_format(buf, sizeof(buf), GD_MAIL_SEEN | GD_MAIL_DELETED |
	    GD_MAIL_ANSWERED | GD_MAIL_FLAGGED | GD_MAIL_DRAFT, NULL, 0,
	    false);
	cr_assert_str_eq(buf,
	    "(\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
	imap_flags_format(buf, sizeof(buf), GD_MAIL_SEEN | GD_MAIL_RECENT, kw,
	    2, true);
	cr_assert_str_eq(buf, "(\\Seen \\Recent $Junk Work \\*)");
	imap_flags_format(buf, sizeof(buf), 0, NULL, 0, false);
	cr_assert_str_eq(buf, "()");
	imap_flags_format(buf, sizeof(buf), 0, NULL, 0, true);
	cr_assert_str_eq(buf, "(\\*)");
	cr_assert_eq(imap_system_flag("\\SEEN", 5), GD_MAIL_SEEN);
	cr_assert_eq(imap_system_flag("Seen", 4), 0);
	cr_assert_str_eq(imap_system_flag_name(GD_MAIL_DRAFT), "\\Draft");
}
