/*
 * pop3-cmd.c — POP3 command lines: the keyword, its arguments checked per
 * RFC 1939, 2449, 2595, 5034 and 6856, the states each command runs in,
 * the SASL continuation line, and the fixed refusals with their codes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pop3-parse.h"

enum pop3_argspec {
	POP3_ARGS_NONE,		/* STAT RSET NOOP QUIT STLS CAPA UTF8 */
	POP3_ARGS_NAME,		/* USER */
	POP3_ARGS_REST,		/* PASS */
	POP3_ARGS_APOP,
	POP3_ARGS_AUTH,
	POP3_ARGS_OPTMSG,	/* LIST UIDL */
	POP3_ARGS_MSG,		/* RETR DELE */
	POP3_ARGS_TOP,
};

struct pop3_verb_def {
	const char *name;
	enum pop3_argspec args;
	unsigned states;
	unsigned capa;
	const char *usage;
};

#define A	POP3_STATE_AUTHORIZATION
#define T	POP3_STATE_TRANSACTION

/* Indexed by enum pop3_verb. */
static const struct pop3_verb_def pop3_verbs[POP3_VERB_COUNT] = {
	[POP3_VERB_UNKNOWN] = { "", POP3_ARGS_NONE, 0, 0, "" },
	[POP3_VERB_USER] = { "USER", POP3_ARGS_NAME, A, POP3_CAPA_USER,
	    "USER name" },
	[POP3_VERB_PASS] = { "PASS", POP3_ARGS_REST, A, POP3_CAPA_USER,
	    "PASS secret" },
	[POP3_VERB_APOP] = { "APOP", POP3_ARGS_APOP, A, 0,
	    "APOP name digest" },
	[POP3_VERB_AUTH] = { "AUTH", POP3_ARGS_AUTH, A, POP3_CAPA_SASL,
	    "AUTH mechanism [initial-response]" },
	[POP3_VERB_STLS] = { "STLS", POP3_ARGS_NONE, A, POP3_CAPA_STLS,
	    "STLS" },
	[POP3_VERB_CAPA] = { "CAPA", POP3_ARGS_NONE, A | T, 0, "CAPA" },
	[POP3_VERB_UTF8] = { "UTF8", POP3_ARGS_NONE, A, POP3_CAPA_UTF8,
	    "UTF8" },
	[POP3_VERB_STAT] = { "STAT", POP3_ARGS_NONE, T, 0, "STAT" },
	[POP3_VERB_LIST] = { "LIST", POP3_ARGS_OPTMSG, T, 0, "LIST [msg]" },
	[POP3_VERB_RETR] = { "RETR", POP3_ARGS_MSG, T, 0, "RETR msg" },
	[POP3_VERB_DELE] = { "DELE", POP3_ARGS_MSG, T, 0, "DELE msg" },
	[POP3_VERB_NOOP] = { "NOOP", POP3_ARGS_NONE, T, 0, "NOOP" },
	[POP3_VERB_RSET] = { "RSET", POP3_ARGS_NONE, T, 0, "RSET" },
	[POP3_VERB_QUIT] = { "QUIT", POP3_ARGS_NONE, A | T, 0, "QUIT" },
	[POP3_VERB_TOP] = { "TOP", POP3_ARGS_TOP, T, POP3_CAPA_TOP,
	    "TOP msg lines" },
	[POP3_VERB_UIDL] = { "UIDL", POP3_ARGS_OPTMSG, T, POP3_CAPA_UIDL,
	    "UIDL [msg]" },
};

#undef A
#undef T

static const char *const pop3_code_names[POP3_CODE_COUNT] = {
	NULL, "AUTH", "SYS/TEMP", "SYS/PERM", "IN-USE", "LOGIN-DELAY",
	"UTF8",
};

struct pop3_refusal_def {
	enum pop3_code code;
	const char *text;
};

static const struct pop3_refusal_def pop3_refusals[POP3_REFUSE_COUNT] = {
	[POP3_REFUSE_AUTH_FAILED] = { POP3_CODE_AUTH,
	    "Authentication failed" },
	[POP3_REFUSE_CLEARTEXT] = { POP3_CODE_AUTH,
	    "Plaintext authentication needs TLS (use STLS)" },
	[POP3_REFUSE_APOP_UNAVAILABLE] = { POP3_CODE_AUTH,
	    "APOP not available for this account" },
	[POP3_REFUSE_IN_USE] = { POP3_CODE_IN_USE,
	    "Maildrop in use by another session" },
	[POP3_REFUSE_LOGIN_DELAY] = { POP3_CODE_LOGIN_DELAY,
	    "Logged in too recently, try later" },
	[POP3_REFUSE_SYS_TEMP] = { POP3_CODE_SYS_TEMP,
	    "Temporary failure, try later" },
	[POP3_REFUSE_SYS_PERM] = { POP3_CODE_SYS_PERM,
	    "Account unavailable" },
	[POP3_REFUSE_UTF8_NEEDED] = { POP3_CODE_UTF8,
	    "Non-ASCII needs the UTF8 command first" },
	[POP3_REFUSE_AUTH_CANCELLED] = { POP3_CODE_NONE,
	    "Authentication cancelled" },
	[POP3_REFUSE_NO_SUCH_MESSAGE] = { POP3_CODE_NONE,
	    "No such message" },
	[POP3_REFUSE_DELETED] = { POP3_CODE_NONE,
	    "Message already deleted" },
	[POP3_REFUSE_TOO_MANY_BAD] = { POP3_CODE_NONE,
	    "Too many bad commands, closing" },
};

static enum pop3_verb pop3_verb_find(const char *s, size_t n);
static int pop3_cmd_args(const struct pop3_verb_def *def, const char *a,
    size_t n, bool utf8, struct pop3_cmd *cmd, struct pop3_error *err);
static int pop3_msgnum(const char *s, size_t n, uint32_t *msg_r);
static int pop3_count(const char *s, size_t n, uint32_t *count_r);
static size_t pop3_token(const char *s, size_t n);
static int pop3_text_check(const char *s, size_t n, bool utf8,
    struct pop3_error *err);
static bool pop3_utf8_valid(const char *s, size_t n);
static bool pop3_base64_valid(const char *s, size_t n);
static bool pop3_mech_valid(const char *s, size_t n);

const char *
pop3_code_name(enum pop3_code code)
{
	if ((unsigned)code >= POP3_CODE_COUNT)
		return NULL;
	return pop3_code_names[code];
}

int
pop3_error_set(struct pop3_error *err, enum pop3_code code,
    const char *fmt, ...)
{
	va_list ap;
	char *p;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	for (p = err->text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return -1;
}

int
pop3_refuse(struct pop3_error *err, enum pop3_refusal why)
{
	if ((unsigned)why >= POP3_REFUSE_COUNT)
		return pop3_error_set(err, POP3_CODE_NONE, "Refused");
	return pop3_error_set(err, pop3_refusals[why].code, "%s",
	    pop3_refusals[why].text);
}

const char *
pop3_verb_name(enum pop3_verb verb)
{
	if ((unsigned)verb >= POP3_VERB_COUNT)
		return "";
	return pop3_verbs[verb].name;
}

unsigned
pop3_verb_states(enum pop3_verb verb)
{
	if ((unsigned)verb >= POP3_VERB_COUNT)
		return 0;
	return pop3_verbs[verb].states;
}

unsigned
pop3_verb_capa(enum pop3_verb verb)
{
	if ((unsigned)verb >= POP3_VERB_COUNT)
		return 0;
	return pop3_verbs[verb].capa;
}

static enum pop3_verb
pop3_verb_find(const char *s, size_t n)
{
	unsigned v;

	for (v = 1; v < POP3_VERB_COUNT; v++)
		if (strlen(pop3_verbs[v].name) == n &&
		    strncasecmp(pop3_verbs[v].name, s, n) == 0)
			return (enum pop3_verb)v;
	return POP3_VERB_UNKNOWN;
}

int
pop3_cmd_parse(const char *line, size_t len, bool utf8,
    struct pop3_cmd *cmd_r, struct pop3_error *err_r)
{
	size_t i, kw;

	memset(cmd_r, 0, sizeof(*cmd_r));
	if (len + 2 > POP3_LINE_MAX)
		return pop3_error_set(err_r, POP3_CODE_NONE, "Line too long");
	for (i = 0; i < len; i++)
		if (line[i] == '\0' || line[i] == '\r' || line[i] == '\n')
			return pop3_error_set(err_r, POP3_CODE_NONE,
			    "Invalid characters in command");
	for (kw = 0; kw < len && line[kw] != ' '; kw++)
		continue;
	if (kw == 0)
		return pop3_error_set(err_r, POP3_CODE_NONE, len == 0 ?
		    "Empty command" : "Unknown command");
	cmd_r->verb = pop3_verb_find(line, kw);
	if (cmd_r->verb == POP3_VERB_UNKNOWN)
		return pop3_error_set(err_r, POP3_CODE_NONE,
		    "Unknown command");
	if (kw < len)
		kw++;		/* the one SP before the arguments */
	return pop3_cmd_args(&pop3_verbs[cmd_r->verb], line + kw, len - kw,
	    utf8, cmd_r, err_r);
}

/* Length of the token at s (up to a space or the end). */
static size_t
pop3_token(const char *s, size_t n)
{
	const char *sp = memchr(s, ' ', n);

	return sp == NULL ? n : (size_t)(sp - s);
}

static int
pop3_usage(const struct pop3_verb_def *def, struct pop3_error *err)
{
	if (def->args == POP3_ARGS_NONE)
		return pop3_error_set(err, POP3_CODE_NONE,
		    "%s takes no argument", def->name);
	return pop3_error_set(err, POP3_CODE_NONE, "Usage: %s", def->usage);
}

/* Split the argument text into up to two tokens; -1 if more. */
static int
pop3_split(const char *a, size_t n, struct pop3_cmd *cmd, int *count_r)
{
	size_t t;

	while (n > 0 && a[n - 1] == ' ')
		n--;
	*count_r = 0;
	if (n == 0)
		return 0;
	t = pop3_token(a, n);
	cmd->arg = a;
	cmd->arg_len = t;
	*count_r = 1;
	if (t == n)
		return 0;
	if (t == 0)
		return -1;	/* two spaces after the keyword */
	a += t + 1;
	n -= t + 1;
	t = pop3_token(a, n);
	if (t != n || t == 0)
		return -1;
	cmd->arg2 = a;
	cmd->arg2_len = t;
	*count_r = 2;
	return 0;
}

static int
pop3_args_msg(const struct pop3_verb_def *def, int count,
    struct pop3_cmd *cmd, struct pop3_error *err)
{
	int want = def->args == POP3_ARGS_TOP ? 2 : 1;

	if (count == 0 && def->args == POP3_ARGS_OPTMSG)
		return 0;
	if (count != want)
		return pop3_usage(def, err);
	if (pop3_msgnum(cmd->arg, cmd->arg_len, &cmd->msg) < 0)
		return pop3_error_set(err, POP3_CODE_NONE,
		    "Invalid message number");
	cmd->has_msg = true;
	if (want == 2 && pop3_count(cmd->arg2, cmd->arg2_len,
	    &cmd->lines) < 0)
		return pop3_error_set(err, POP3_CODE_NONE,
		    "Invalid line count");
	cmd->arg = cmd->arg2 = NULL;
	cmd->arg_len = cmd->arg2_len = 0;
	return 0;
}

static int
pop3_args_apop(const struct pop3_verb_def *def, int count, bool utf8,
    struct pop3_cmd *cmd, struct pop3_error *err)
{
	size_t i;
	char c;

	if (count != 2)
		return pop3_usage(def, err);
	if (cmd->arg2_len != POP3_APOP_DIGEST_LEN)
		return pop3_error_set(err, POP3_CODE_NONE,
		    "Invalid APOP digest");
	for (i = 0; i < cmd->arg2_len; i++) {
		c = cmd->arg2[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return pop3_error_set(err, POP3_CODE_NONE,
			    "Invalid APOP digest");
	}
	return pop3_text_check(cmd->arg, cmd->arg_len, utf8, err);
}

static int
pop3_args_auth(const struct pop3_verb_def *def, int count,
    struct pop3_cmd *cmd, struct pop3_error *err)
{
	(void)def;
	if (count == 0)
		return 0;
	if (!pop3_mech_valid(cmd->arg, cmd->arg_len))
		return pop3_error_set(err, POP3_CODE_NONE,
		    "Invalid mechanism name");
	if (count == 1)
		return 0;
	cmd->has_initial = true;
	if (cmd->arg2_len == 1 && cmd->arg2[0] == '=') {
		cmd->arg2_len = 0;
		return 0;
	}
	if (!pop3_base64_valid(cmd->arg2, cmd->arg2_len))
		return pop3_error_set(err, POP3_CODE_NONE,
		    "Invalid initial response");
	return 0;
}

static int
pop3_cmd_args(const struct pop3_verb_def *def, const char *a, size_t n,
    bool utf8, struct pop3_cmd *cmd, struct pop3_error *err)
{
	int count;

	if (def->args == POP3_ARGS_REST) {
		if (n == 0)
			return pop3_usage(def, err);
		cmd->arg = a;
		cmd->arg_len = n;
		return pop3_text_check(a, n, utf8, err);
	}
	if (pop3_split(a, n, cmd, &count) < 0)
		return pop3_usage(def, err);
	switch (def->args) {
	case POP3_ARGS_NONE:
		return count == 0 ? 0 : pop3_usage(def, err);
	case POP3_ARGS_NAME:
		if (count != 1)
			return pop3_usage(def, err);
		return pop3_text_check(cmd->arg, cmd->arg_len, utf8, err);
	case POP3_ARGS_APOP:
		return pop3_args_apop(def, count, utf8, cmd, err);
	case POP3_ARGS_AUTH:
		return pop3_args_auth(def, count, cmd, err);
	default:
		return pop3_args_msg(def, count, cmd, err);
	}
}

/* 1..POP3_MSG_MAX in decimal digits (leading zeros allowed). */
static int
pop3_msgnum(const char *s, size_t n, uint32_t *msg_r)
{
	uint32_t v;

	if (pop3_count(s, n, &v) < 0 || v == 0 || v > POP3_MSG_MAX)
		return -1;
	*msg_r = v;
	return 0;
}

/* Decimal digits only, saturating at UINT32_MAX. */
static int
pop3_count(const char *s, size_t n, uint32_t *count_r)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			v = (uint64_t)UINT32_MAX + 1;
	}
	*count_r = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return 0;
}

/* USER, PASS, APOP names: no controls; non-ASCII only as UTF-8 and only
 * after UTF8 (RFC 6856 3). */
static int
pop3_text_check(const char *s, size_t n, bool utf8, struct pop3_error *err)
{
	bool high = false;
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return pop3_error_set(err, POP3_CODE_NONE,
			    "Invalid characters in command");
		if (c >= 0x80)
			high = true;
	}
	if (!high)
		return 0;
	if (!utf8)
		return pop3_refuse(err, POP3_REFUSE_UTF8_NEEDED);
	if (!pop3_utf8_valid(s, n))
		return pop3_error_set(err, POP3_CODE_UTF8, "Invalid UTF-8");
	return 0;
}

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool
pop3_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k, more;
	uint32_t cp;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			more = 1, cp = p[i] & 0x1f;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			more = 2, cp = p[i] & 0x0f;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			more = 3, cp = p[i] & 0x07;
		else
			return false;
		if (n - i <= more)
			return false;
		for (k = 1; k <= more; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += more + 1;
	}
	return true;
}

/* RFC 4648 base64 with its padding (length a multiple of 4). */
static bool
pop3_base64_valid(const char *s, size_t n)
{
	size_t i, pad = 0;
	char c;

	if (n % 4 != 0)
		return false;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '=') {
			if (i + 2 < n || ++pad > 2)
				return false;
			continue;
		}
		if (pad > 0 || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			return false;
	}
	return true;
}

/* RFC 4422 3.1: 1..20 of A-Z 0-9 - _ (lower case taken too). */
static bool
pop3_mech_valid(const char *s, size_t n)
{
	size_t i;
	char c;

	if (n == 0 || n > 20)
		return false;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}

int
pop3_cmd_allowed(enum pop3_verb verb, enum pop3_state state,
    unsigned capa, bool user_given, struct pop3_error *err_r)
{
	unsigned need;

	if ((pop3_verb_states(verb) & (unsigned)state) == 0)
		return pop3_error_set(err_r, POP3_CODE_NONE,
		    "Command not valid in this state");
	need = pop3_verb_capa(verb);
	if (need != 0 && (capa & need) == 0)
		return pop3_error_set(err_r, POP3_CODE_NONE,
		    "Command not enabled");
	if (verb == POP3_VERB_PASS && !user_given)
		return pop3_error_set(err_r, POP3_CODE_NONE, "USER first");
	return 0;
}

enum pop3_auth_line
pop3_auth_line_kind(const char *line, size_t len)
{
	if (len + 2 > POP3_AUTH_LINE_MAX)
		return POP3_AUTH_LINE_BAD;
	if (len == 1 && line[0] == '*')
		return POP3_AUTH_LINE_CANCEL;
	return pop3_base64_valid(line, len) ? POP3_AUTH_LINE_DATA :
	    POP3_AUTH_LINE_BAD;
}
