/*
 * test-pop3-parse.c — modules/pop3 command lines (keywords, arguments,
 * message numbers, APOP digests, AUTH initial responses, UTF8 rules, the
 * 255-octet limit), the states and CAPA bits each command needs, the
 * canned refusals, +OK/-ERR formatting and the CAPA listing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pop3-parse.h"

static struct pop3_cmd cmd;
static struct pop3_error err;

static int
parse(const char *line)
{
	return pop3_cmd_parse(line, strlen(line), false, &cmd, &err);
}

static int
parse_utf8(const char *line)
{
	return pop3_cmd_parse(line, strlen(line), true, &cmd, &err);
}

static bool
arg_is(const char *want)
{
	return cmd.arg_len == strlen(want) &&
	    memcmp(cmd.arg, want, cmd.arg_len) == 0;
}

static bool
arg2_is(const char *want)
{
	return cmd.arg2_len == strlen(want) &&
	    memcmp(cmd.arg2, want, cmd.arg2_len) == 0;
}

/* The -ERR line the session would send for the last refusal. */
static const char *
err_line(void)
{
	static char buf[POP3_REPLY_MAX + 1];

	pop3_reply_error(buf, sizeof(buf), &err, true);
	return buf;
}

Test(pop3_cmd, keywords_case_insensitive)
{
	cr_assert_eq(parse("stat"), 0);
	cr_assert_eq(cmd.verb, POP3_VERB_STAT);
	cr_assert_eq(parse("QuIt"), 0);
	cr_assert_eq(cmd.verb, POP3_VERB_QUIT);
	cr_assert_eq(parse("capa"), 0);
	cr_assert_eq(cmd.verb, POP3_VERB_CAPA);
	cr_assert_eq(parse("top 1 0"), 0);
	cr_assert_eq(cmd.verb, POP3_VERB_TOP);
	cr_assert_str_eq(pop3_verb_name(POP3_VERB_UIDL), "UIDL");
	cr_assert_str_eq(pop3_verb_name(POP3_VERB_UNKNOWN), "");
}

Test(pop3_cmd, unknown_and_empty)
{
	cr_assert_eq(parse("XTND XMIT"), -1);
	cr_assert_eq(cmd.verb, POP3_VERB_UNKNOWN);
	cr_assert_str_eq(err_line(), "-ERR Unknown command\r\n");
	cr_assert_eq(parse(""), -1);
	cr_assert_str_eq(err_line(), "-ERR Empty command\r\n");
	cr_assert_eq(parse(" STAT"), -1);
	cr_assert_str_eq(err.text, "Unknown command");
	cr_assert_eq(parse("STATS"), -1);
	cr_assert_eq(cmd.verb, POP3_VERB_UNKNOWN);
}

Test(pop3_cmd, no_argument_verbs)
{
	static const char *const v[] = { "STAT", "RSET", "NOOP", "QUIT",
	    "STLS", "CAPA", "UTF8" };
	static const enum pop3_verb e[] = { POP3_VERB_STAT, POP3_VERB_RSET,
	    POP3_VERB_NOOP, POP3_VERB_QUIT, POP3_VERB_STLS, POP3_VERB_CAPA,
	    POP3_VERB_UTF8 };
	char line[32];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(line, sizeof(line), "%s", v[i]);
		cr_assert_eq(parse(line), 0, "%s", line);
		snprintf(line, sizeof(line), "%s ", v[i]);
		cr_assert_eq(parse(line), 0, "trailing space: %s", line);
		snprintf(line, sizeof(line), "%s x", v[i]);
		cr_assert_eq(parse(line), -1, "%s", line);
		cr_assert_eq(cmd.verb, e[i]);
		cr_assert(strstr(err.text, "takes no argument") != NULL);
	}
}

Test(pop3_cmd, message_numbers)
{
	cr_assert_eq(parse("RETR 1"), 0);
	cr_assert_eq(cmd.msg, 1);
	cr_assert(cmd.has_msg);
	cr_assert_eq(parse("DELE 2147483647"), 0);
	cr_assert_eq(cmd.msg, 2147483647u);
	cr_assert_eq(parse("RETR 007"), 0);
	cr_assert_eq(cmd.msg, 7);
	cr_assert_eq(parse("RETR 1 "), 0);
	cr_assert_eq(cmd.msg, 1);
	cr_assert_eq(parse("RETR 2147483648"), -1);
	cr_assert_str_eq(err_line(), "-ERR Invalid message number\r\n");
	cr_assert_eq(cmd.verb, POP3_VERB_RETR);
	cr_assert_eq(parse("RETR 99999999999999999999"), -1);
	cr_assert_eq(parse("RETR 0"), -1);
	cr_assert_eq(parse("RETR +1"), -1);
	cr_assert_str_eq(err.text, "Invalid message number");
	cr_assert_eq(parse("RETR -1"), -1);
	cr_assert_eq(parse("RETR 1a"), -1);
	cr_assert_eq(parse("RETR"), -1);
	cr_assert_str_eq(err_line(), "-ERR Usage: RETR msg\r\n");
	cr_assert_eq(parse("RETR 1 2"), -1);
	cr_assert_str_eq(err.text, "Usage: RETR msg");
	cr_assert_eq(parse("RETR  1"), -1);
	cr_assert_eq(parse("DELE"), -1);
	cr_assert_str_eq(err.text, "Usage: DELE msg");
}

Test(pop3_cmd, list_and_uidl_optional)
{
	cr_assert_eq(parse("LIST"), 0);
	cr_assert_not(cmd.has_msg);
	cr_assert_eq(parse("LIST 3"), 0);
	cr_assert(cmd.has_msg);
	cr_assert_eq(cmd.msg, 3);
	cr_assert_eq(parse("UIDL"), 0);
	cr_assert_not(cmd.has_msg);
	cr_assert_eq(parse("uidl 12"), 0);
	cr_assert_eq(cmd.msg, 12);
	cr_assert_eq(parse("LIST 0"), -1);
	cr_assert_eq(parse("UIDL 1 2"), -1);
	cr_assert_str_eq(err.text, "Usage: UIDL [msg]");
}

Test(pop3_cmd, top)
{
	cr_assert_eq(parse("TOP 5 0"), 0);
	cr_assert_eq(cmd.msg, 5);
	cr_assert_eq(cmd.lines, 0);
	cr_assert_eq(parse("TOP 5 10"), 0);
	cr_assert_eq(cmd.lines, 10);
	cr_assert_eq(parse("TOP 1 99999999999999"), 0);
	cr_assert_eq(cmd.lines, UINT32_MAX);
	cr_assert_eq(parse("TOP 1 -1"), -1);
	cr_assert_str_eq(err.text, "Invalid line count");
	cr_assert_eq(parse("TOP 1 +1"), -1);
	cr_assert_eq(parse("TOP 0 1"), -1);
	cr_assert_str_eq(err.text, "Invalid message number");
	cr_assert_eq(parse("TOP 1"), -1);
	cr_assert_str_eq(err.text, "Usage: TOP msg lines");
	cr_assert_eq(parse("TOP 1 2 3"), -1);
}

Test(pop3_cmd, user_and_pass)
{
	cr_assert_eq(parse("USER alice"), 0);
	cr_assert(arg_is("alice"));
	cr_assert_eq(parse("USER alice "), 0);
	cr_assert(arg_is("alice"));
	cr_assert_eq(parse("USER"), -1);
	cr_assert_str_eq(err.text, "Usage: USER name");
	cr_assert_eq(parse("USER al ice"), -1);
	cr_assert_eq(parse("PASS  two  spaces "), 0);
	cr_assert(arg_is(" two  spaces "), "PASS keeps every space");
	cr_assert_eq(parse("PASS x"), 0);
	cr_assert(arg_is("x"));
	cr_assert_eq(parse("PASS"), -1);
	cr_assert_str_eq(err.text, "Usage: PASS secret");
	cr_assert_eq(parse("PASS a\tb"), -1);
	cr_assert_str_eq(err.text, "Invalid characters in command");
}

Test(pop3_cmd, utf8_rules)
{
	cr_assert_eq(parse("USER j\xc3\xb6rg"), -1);
	cr_assert_eq(err.code, POP3_CODE_UTF8);
	cr_assert_str_eq(err_line(),
	    "-ERR [UTF8] Non-ASCII needs the UTF8 command first\r\n");
	cr_assert_eq(parse_utf8("USER j\xc3\xb6rg"), 0);
	cr_assert(arg_is("j\xc3\xb6rg"));
	cr_assert_eq(parse_utf8("PASS p\xe2\x82\xac ss"), 0);
	cr_assert_eq(parse_utf8("USER \xc3\x28"), -1);
	cr_assert_eq(err.code, POP3_CODE_UTF8);
	cr_assert_str_eq(err.text, "Invalid UTF-8");
	cr_assert_eq(parse_utf8("USER \xc0\xaf"), -1, "overlong");
	cr_assert_eq(parse_utf8("USER \xed\xa0\x80"), -1, "surrogate");
	cr_assert_eq(parse_utf8("USER \xf4\x90\x80\x80"), -1, "> U+10FFFF");
	cr_assert_eq(parse_utf8("USER \xe2\x82"), -1, "truncated");
	cr_assert_eq(parse("PASS s\xff"), -1);
	cr_assert_eq(err.code, POP3_CODE_UTF8);
}

Test(pop3_cmd, apop)
{
	cr_assert_eq(parse("APOP mrose c4c9334bac560ecc979e58001b3e22fb"), 0);
	cr_assert_eq(cmd.verb, POP3_VERB_APOP);
	cr_assert(arg_is("mrose"));
	cr_assert(arg2_is("c4c9334bac560ecc979e58001b3e22fb"));
	cr_assert_eq(parse("APOP mrose C4C9334BAC560ECC979E58001B3E22FB"),
	    -1);
	cr_assert_str_eq(err_line(), "-ERR Invalid APOP digest\r\n");
	cr_assert_eq(parse("APOP mrose c4c9334bac560ecc979e58001b3e22f"), -1);
	cr_assert_eq(parse("APOP mrose c4c9334bac560ecc979e58001b3e22fbb"),
	    -1);
	cr_assert_eq(parse("APOP mrose c4c9334bac560ecc979e58001b3e22fg"), -1);
	cr_assert_eq(parse("APOP mrose"), -1);
	cr_assert_str_eq(err.text, "Usage: APOP name digest");
	cr_assert_eq(parse("APOP"), -1);
}

Test(pop3_cmd, auth)
{
	cr_assert_eq(parse("AUTH PLAIN"), 0);
	cr_assert(arg_is("PLAIN"));
	cr_assert_not(cmd.has_initial);
	cr_assert_eq(parse("AUTH PLAIN AGFsaWNlAHNlY3JldA=="), 0);
	cr_assert(cmd.has_initial);
	cr_assert(arg2_is("AGFsaWNlAHNlY3JldA=="));
	cr_assert_eq(parse("AUTH EXTERNAL ="), 0);
	cr_assert(cmd.has_initial);
	cr_assert_eq(cmd.arg2_len, 0, "= is the empty initial response");
	cr_assert_eq(parse("AUTH"), 0, "bare AUTH lists the mechanisms");
	cr_assert_eq(cmd.arg_len, 0);
	cr_assert_eq(parse("auth scram-sha-256"), 0);
	cr_assert_eq(parse("AUTH PL@IN"), -1);
	cr_assert_str_eq(err.text, "Invalid mechanism name");
	cr_assert_eq(parse("AUTH ABCDEFGHIJKLMNOPQRSTU"), -1, "21 chars");
	cr_assert_eq(parse("AUTH PLAIN abc"), -1);
	cr_assert_str_eq(err.text, "Invalid initial response");
	cr_assert_eq(parse("AUTH PLAIN ab=c"), -1);
	cr_assert_eq(parse("AUTH PLAIN a==="), -1);
	cr_assert_eq(parse("AUTH PLAIN *"), -1);
	cr_assert_eq(parse("AUTH PLAIN a b"), -1);
}

Test(pop3_cmd, auth_continuation_lines)
{
	char big[POP3_AUTH_LINE_MAX];

	cr_assert_eq(pop3_auth_line_kind("*", 1), POP3_AUTH_LINE_CANCEL);
	cr_assert_eq(pop3_auth_line_kind("", 0), POP3_AUTH_LINE_DATA);
	cr_assert_eq(pop3_auth_line_kind("dGVzdA==", 8), POP3_AUTH_LINE_DATA);
	cr_assert_eq(pop3_auth_line_kind("dGVzdA=", 7), POP3_AUTH_LINE_BAD);
	cr_assert_eq(pop3_auth_line_kind("**", 2), POP3_AUTH_LINE_BAD);
	memset(big, 'A', sizeof(big));
	cr_assert_eq(pop3_auth_line_kind(big, POP3_AUTH_LINE_MAX - 4),
	    POP3_AUTH_LINE_DATA);
	cr_assert_eq(pop3_auth_line_kind(big, POP3_AUTH_LINE_MAX),
	    POP3_AUTH_LINE_BAD);
}

Test(pop3_cmd, line_limit_and_bad_octets)
{
	char line[POP3_LINE_MAX + 8];

	memset(line, 'x', sizeof(line));
	memcpy(line, "PASS ", 5);
	/* 253 octets + CRLF = 255: accepted; 254 + CRLF: refused. */
	cr_assert_eq(pop3_cmd_parse(line, POP3_LINE_MAX - 2, false, &cmd,
	    &err), 0);
	cr_assert_eq(cmd.arg_len, POP3_LINE_MAX - 2 - 5);
	cr_assert_eq(pop3_cmd_parse(line, POP3_LINE_MAX - 1, false, &cmd,
	    &err), -1);
	cr_assert_str_eq(err_line(), "-ERR Line too long\r\n");
	cr_assert_eq(pop3_cmd_parse("STAT\0", 5, false, &cmd, &err), -1);
	cr_assert_str_eq(err.text, "Invalid characters in command");
	cr_assert_eq(parse("STAT\r"), -1);
	cr_assert_eq(parse("NOOP\nSTAT"), -1);
}

Test(pop3_state, table)
{
	unsigned a = POP3_STATE_AUTHORIZATION, t = POP3_STATE_TRANSACTION;

	cr_assert_eq(pop3_verb_states(POP3_VERB_USER), a);
	cr_assert_eq(pop3_verb_states(POP3_VERB_PASS), a);
	cr_assert_eq(pop3_verb_states(POP3_VERB_APOP), a);
	cr_assert_eq(pop3_verb_states(POP3_VERB_AUTH), a);
	cr_assert_eq(pop3_verb_states(POP3_VERB_STLS), a);
	cr_assert_eq(pop3_verb_states(POP3_VERB_UTF8), a);
	cr_assert_eq(pop3_verb_states(POP3_VERB_CAPA), a | t);
	cr_assert_eq(pop3_verb_states(POP3_VERB_QUIT), a | t);
	cr_assert_eq(pop3_verb_states(POP3_VERB_STAT), t);
	cr_assert_eq(pop3_verb_states(POP3_VERB_NOOP), t);
	cr_assert_eq(pop3_verb_states(POP3_VERB_TOP), t);
	cr_assert_eq(pop3_verb_states(POP3_VERB_UNKNOWN), 0);
	cr_assert_eq(pop3_verb_capa(POP3_VERB_TOP), POP3_CAPA_TOP);
	cr_assert_eq(pop3_verb_capa(POP3_VERB_PASS), POP3_CAPA_USER);
	cr_assert_eq(pop3_verb_capa(POP3_VERB_RETR), 0);
}

Test(pop3_state, allowed)
{
	unsigned all = 0xfff;

	cr_assert_eq(pop3_cmd_allowed(POP3_VERB_RETR,
	    POP3_STATE_AUTHORIZATION, all, false, &err), -1);
	cr_assert_str_eq(err_line(),
	    "-ERR Command not valid in this state\r\n");
	cr_assert_eq(pop3_cmd_allowed(POP3_VERB_USER,
	    POP3_STATE_TRANSACTION, all, false, &err), -1);
	cr_assert_eq(pop3_cmd_allowed(POP3_VERB_QUIT, POP3_STATE_UPDATE, all,
	    false, &err), -1);
	cr_assert_eq(pop3_cmd_allowed(POP3_VERB_PASS,
	    POP3_STATE_AUTHORIZATION, all, false, &err), -1);
	cr_assert_str_eq(err.text, "USER first");
	cr_assert_eq(pop3_cmd_allowed(POP3_VERB_PASS,
	    POP3_STATE_AUTHORIZATION, all, true, &err), 0);
	cr_assert_eq(pop3_cmd_allowed(POP3_VERB_STLS,
	    POP3_STATE_AUTHORIZATION, all & ~POP3_CAPA_STLS, false, &err), -1);
	cr_assert_str_eq(err.text, "Command not enabled");
	cr_assert_eq(pop3_cmd_allowed(POP3_VERB_USER,
	    POP3_STATE_AUTHORIZATION, 0, false, &err), -1);
	cr_assert_eq(pop3_cmd_allowed(POP3_VERB_APOP,
	    POP3_STATE_AUTHORIZATION, 0, false, &err), 0);
	cr_assert_eq(pop3_cmd_allowed(POP3_VERB_CAPA, POP3_STATE_TRANSACTION,
	    0, false, &err), 0);
}

Test(pop3_refusal, codes)
{
	pop3_refuse(&err, POP3_REFUSE_IN_USE);
	cr_assert_str_eq(err_line(),
	    "-ERR [IN-USE] Maildrop in use by another session\r\n");
	pop3_refuse(&err, POP3_REFUSE_LOGIN_DELAY);
	cr_assert_eq(strncmp(err_line(), "-ERR [LOGIN-DELAY] ", 19), 0);
	pop3_refuse(&err, POP3_REFUSE_SYS_TEMP);
	cr_assert_eq(strncmp(err_line(), "-ERR [SYS/TEMP] ", 16), 0);
	pop3_refuse(&err, POP3_REFUSE_SYS_PERM);
	cr_assert_eq(strncmp(err_line(), "-ERR [SYS/PERM] ", 16), 0);
	pop3_refuse(&err, POP3_REFUSE_AUTH_FAILED);
	cr_assert_str_eq(err_line(), "-ERR [AUTH] Authentication failed\r\n");
	pop3_refuse(&err, POP3_REFUSE_CLEARTEXT);
	cr_assert_eq(err.code, POP3_CODE_AUTH);
	pop3_refuse(&err, POP3_REFUSE_NO_SUCH_MESSAGE);
	cr_assert_str_eq(err_line(), "-ERR No such message\r\n");
	cr_assert_eq(pop3_refuse(&err, POP3_REFUSE_COUNT), -1);
	cr_assert_eq(err.code, POP3_CODE_NONE);
	cr_assert_null(pop3_code_name(POP3_CODE_NONE));
	cr_assert_str_eq(pop3_code_name(POP3_CODE_SYS_TEMP), "SYS/TEMP");
}

Test(pop3_reply, format)
{
	char buf[POP3_REPLY_MAX + 1], big[1000];
	size_t n;

	n = pop3_reply_ok(buf, sizeof(buf), "2 320", false);
	cr_assert_str_eq(buf, "+OK 2 320\r\n");
	cr_assert_eq(n, 11);
	cr_assert_eq(pop3_reply_ok(buf, sizeof(buf), NULL, false), 5);
	cr_assert_str_eq(buf, "+OK\r\n");
	pop3_reply_err(buf, sizeof(buf), POP3_CODE_IN_USE, "locked", false,
	    false);
	cr_assert_str_eq(buf, "-ERR locked\r\n", "codes off: no [CODE]");
	pop3_reply_err(buf, sizeof(buf), POP3_CODE_AUTH, NULL, true, false);
	cr_assert_str_eq(buf, "-ERR [AUTH]\r\n");
	pop3_reply_ok(buf, sizeof(buf), "a\r\nb\x7f\xc3\xa9", false);
	cr_assert_str_eq(buf, "+OK a  b ??\r\n");
	pop3_reply_ok(buf, sizeof(buf), "\xc3\xa9t\xc3\xa9", true);
	cr_assert_str_eq(buf, "+OK \xc3\xa9t\xc3\xa9\r\n");
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = pop3_reply_err(buf, sizeof(buf), POP3_CODE_SYS_TEMP, big, true,
	    false);
	cr_assert_eq(n, POP3_REPLY_MAX);
	cr_assert_eq(strlen(buf), POP3_REPLY_MAX);
	cr_assert_eq(memcmp(buf + n - 2, "\r\n", 2), 0);
	n = pop3_reply_ok(buf, 8, "hello world", false);
	cr_assert_eq(n, 17, "snprintf-like length");
	cr_assert_str_eq(buf, "+OK hel");
}

Test(pop3_reply, utf8_cut_is_whole)
{
	char buf[POP3_REPLY_MAX + 1], big[1200];
	size_t i, n;

	for (i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	n = pop3_reply_ok(buf, sizeof(buf), big, true);
	cr_assert_leq(n, POP3_REPLY_MAX);
	/* 4 for "+OK ", then whole 2-octet sequences only. */
	cr_assert_eq((n - 4 - 2) % 2, 0);
}

Test(pop3_capa, listing)
{
	char buf[2048];
	struct pop3_capa c = {
		.flags = 0xfff, .sasl_mechs = "PLAIN SCRAM-SHA-256 b@d",
		.utf8_user = true, .per_user = true, .expire_days = 30,
		.login_delay = 900, .implementation = "Gumdrop\r\n",
	};

	pop3_capa_format(buf, sizeof(buf), &c, POP3_STATE_AUTHORIZATION);
	cr_assert_str_eq(buf, "+OK Capability list follows\r\n"
	    "TOP\r\nUSER\r\nUIDL\r\nSASL PLAIN SCRAM-SHA-256\r\nSTLS\r\n"
	    "UTF8 USER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
	    "EXPIRE 30 USER\r\nLOGIN-DELAY 900 USER\r\n"
	    "IMPLEMENTATION Gumdrop  \r\n.\r\n");
	c.flags = POP3_CAPA_TOP | POP3_CAPA_UIDL | POP3_CAPA_EXPIRE |
	    POP3_CAPA_LOGIN_DELAY | POP3_CAPA_UTF8 | POP3_CAPA_SASL;
	c.expire_days = POP3_EXPIRE_NEVER;
	c.utf8_user = false;
	c.sasl_mechs = "";
	pop3_capa_format(buf, sizeof(buf), &c, POP3_STATE_TRANSACTION);
	cr_assert_str_eq(buf, "+OK Capability list follows\r\n"
	    "TOP\r\nUIDL\r\nUTF8\r\nEXPIRE NEVER\r\nLOGIN-DELAY 900\r\n"
	    ".\r\n");
}

Test(pop3_capa, truncated_buffer_counts)
{
	char small[16], big[512];
	struct pop3_capa c = { .flags = POP3_CAPA_TOP | POP3_CAPA_UIDL };
	size_t n;

	n = pop3_capa_format(big, sizeof(big), &c, POP3_STATE_TRANSACTION);
	cr_assert_eq(n, strlen(big));
	cr_assert_eq(pop3_capa_format(small, sizeof(small), &c,
	    POP3_STATE_TRANSACTION), n);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
}

Test(pop3_reply, error_without_codes)
{
	char buf[POP3_REPLY_MAX + 1];

	pop3_refuse(&err, POP3_REFUSE_IN_USE);
	pop3_reply_error(buf, sizeof(buf), &err, false);
	cr_assert_str_eq(buf, "-ERR Maildrop in use by another session\r\n",
	    "no [CODE] for a client that did not see RESP-CODES");
}

Test(pop3_capa, sasl_line_kept_under_512)
{
	static char mechs[2000], buf[4096];
	struct pop3_capa c = { .flags = POP3_CAPA_SASL, .sasl_mechs = mechs };
	size_t i, len;
	char *sasl, *eol;

	for (i = 0; i + 21 < sizeof(mechs); i += 21)
		memcpy(mechs + i, "ABCDEFGHIJKLMNOPQRST ", 21);
	mechs[i] = '\0';
	pop3_capa_format(buf, sizeof(buf), &c, POP3_STATE_AUTHORIZATION);
	sasl = strstr(buf, "SASL ");
	cr_assert_not_null(sasl);
	eol = strstr(sasl, "\r\n");
	len = (size_t)(eol + 2 - sasl);
	cr_assert_leq(len, POP3_REPLY_MAX);
	cr_assert_gt(len, POP3_REPLY_MAX - 22, "filled, not emptied");
	cr_assert_str_eq(eol, "\r\n.\r\n");
}
