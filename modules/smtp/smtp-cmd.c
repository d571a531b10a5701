/*
 * smtp-cmd.c — command lines: the verb, its arguments, the line length
 * allowed for each verb (RFC 5321 4.5.3.1.4 plus the increments of the
 * extensions), and the HELO/EHLO/LHLO argument.
 */
#include <string.h>
#include <strings.h>

#include "smtp-parse.h"

/* RFC 4954 4: an AUTH line with an initial response may be this long. */
#define SMTP_AUTH_LINE_MAX	12288

struct smtp_verb_def {
	const char *name;
	enum smtp_verb verb;
	int args;		/* 0 none, 1 optional, 2 required */
	const char *usage;
};

static const struct smtp_verb_def smtp_verbs[] = {
	{ "HELO", SMTP_VERB_HELO, 2, "HELO hostname" },
	{ "EHLO", SMTP_VERB_EHLO, 2, "EHLO hostname" },
	{ "LHLO", SMTP_VERB_LHLO, 2, "LHLO hostname" },
	{ "MAIL", SMTP_VERB_MAIL, 2, "MAIL FROM:<address>" },
	{ "RCPT", SMTP_VERB_RCPT, 2, "RCPT TO:<address>" },
	{ "DATA", SMTP_VERB_DATA, 0, "DATA" },
	{ "BDAT", SMTP_VERB_BDAT, 2, "BDAT size [LAST]" },
	{ "RSET", SMTP_VERB_RSET, 0, "RSET" },
	{ "NOOP", SMTP_VERB_NOOP, 1, "NOOP" },
	{ "QUIT", SMTP_VERB_QUIT, 0, "QUIT" },
	{ "HELP", SMTP_VERB_HELP, 1, "HELP" },
	{ "VRFY", SMTP_VERB_VRFY, 2, "VRFY address" },
	{ "EXPN", SMTP_VERB_EXPN, 2, "EXPN list" },
	{ "STARTTLS", SMTP_VERB_STARTTLS, 0, "STARTTLS" },
	{ "AUTH", SMTP_VERB_AUTH, 2, "AUTH mechanism [initial-response]" },
	{ "XCLIENT", SMTP_VERB_XCLIENT, 2, "XCLIENT attribute=value ..." },
};

#define SMTP_NVERBS	(sizeof(smtp_verbs) / sizeof(smtp_verbs[0]))

static const struct smtp_verb_def *smtp_verb_find(const char *s, size_t n);
static size_t smtp_verb_line_max(enum smtp_verb verb, size_t base,
    unsigned ext);
static int smtp_cmd_args(const struct smtp_verb_def *def,
    struct smtp_cmd *cmd, struct smtp_error *err);

const char *
smtp_verb_name(enum smtp_verb verb)
{
	size_t i;

	for (i = 0; i < SMTP_NVERBS; i++)
		if (smtp_verbs[i].verb == verb)
			return smtp_verbs[i].name;
	return "";
}

static const struct smtp_verb_def *
smtp_verb_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < SMTP_NVERBS; i++)
		if (strlen(smtp_verbs[i].name) == n &&
		    strncasecmp(smtp_verbs[i].name, s, n) == 0)
			return &smtp_verbs[i];
	return NULL;
}

static size_t
smtp_verb_line_max(enum smtp_verb verb, size_t base, unsigned ext)
{
	size_t max = base;

	if (verb == SMTP_VERB_MAIL) {
		max += (ext & SMTP_EXT_SIZE) ? 26 : 0;	/* RFC 1870 */
		max += (ext & SMTP_EXT_DSN) ? 100 : 0;	/* RFC 3461 */
		max += (ext & SMTP_EXT_AUTH) ? 500 : 0;	/* RFC 4954 */
		max += (ext & (SMTP_EXT_8BITMIME | SMTP_EXT_BINARYMIME)) ?
		    17 : 0;
		max += (ext & SMTP_EXT_SMTPUTF8) ? 9 : 0;
		max += (ext & SMTP_EXT_MTPRIORITY) ? 16 : 0;
		max += (ext & SMTP_EXT_FUTURERELEASE) ? 40 : 0;
		max += (ext & SMTP_EXT_DELIVERBY) ? 24 : 0;
		max += (ext & SMTP_EXT_REQUIRETLS) ? 11 : 0;
	} else if (verb == SMTP_VERB_RCPT)
		max += (ext & SMTP_EXT_DSN) ? 500 : 0;	/* RFC 3461 */
	else if (verb == SMTP_VERB_AUTH && (ext & SMTP_EXT_AUTH) &&
	    max < SMTP_AUTH_LINE_MAX)
		max = SMTP_AUTH_LINE_MAX;
	else if (verb == SMTP_VERB_XCLIENT && (ext & SMTP_EXT_XCLIENT))
		max += 2048;		/* eight attributes of 255 */
	return max;
}

size_t
smtp_cmd_line_max(size_t base, unsigned ext)
{
	size_t max, m;
	int v;

	if (base == 0)
		base = SMTP_LINE_MAX_DEFAULT;
	max = base;
	for (v = 1; v < SMTP_VERB_COUNT; v++) {
		m = smtp_verb_line_max((enum smtp_verb)v, base, ext);
		if (m > max)
			max = m;
	}
	return max;
}

static int
smtp_cmd_args(const struct smtp_verb_def *def, struct smtp_cmd *cmd,
    struct smtp_error *err)
{
	if (def->args == 0 && cmd->args_len > 0)
		return smtp_error_set(err, 501, "5.5.4", "Syntax: %s",
		    def->usage);
	if (def->args == 2 && cmd->args_len == 0)
		return smtp_error_set(err, 501, "5.5.4", "Syntax: %s",
		    def->usage);
	return 0;
}

int
smtp_cmd_parse(const char *line, size_t len, size_t base_max, unsigned ext,
    bool lmtp, struct smtp_cmd *cmd_r, struct smtp_error *err_r)
{
	const struct smtp_verb_def *def;
	const char *end = line + len;
	size_t n;

	cmd_r->verb = SMTP_VERB_UNKNOWN;
	cmd_r->args = end;
	cmd_r->args_len = 0;
	if (base_max == 0)
		base_max = SMTP_LINE_MAX_DEFAULT;
	if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) !=
	    NULL || memchr(line, '\n', len) != NULL)
		return smtp_error_set(err_r, 500, "5.5.2",
		    "Bad syntax: bare CR, LF or NUL in command");
	for (n = 0; n < len && line[n] != ' '; n++)
		;
	def = smtp_verb_find(line, n);
	if (def != NULL && (lmtp ? (def->verb == SMTP_VERB_HELO ||
	    def->verb == SMTP_VERB_EHLO) : def->verb == SMTP_VERB_LHLO))
		def = NULL;
	/* The limit counts the CRLF the reader removed. */
	if (len + 2 > smtp_verb_line_max(def != NULL ? def->verb :
	    SMTP_VERB_UNKNOWN, base_max, ext))
		return smtp_error_set(err_r, 500, "5.5.2", "Line too long");
	if (len == 0 || def == NULL)
		return smtp_error_set(err_r, 500, "5.5.2",
		    "Command unrecognized");
	cmd_r->verb = def->verb;
	cmd_r->args = line + n;
	while (cmd_r->args < end && *cmd_r->args == ' ')
		cmd_r->args++;
	while (end > cmd_r->args && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	cmd_r->args_len = (size_t)(end - cmd_r->args);
	return smtp_cmd_args(def, cmd_r, err_r);
}

int
smtp_helo_parse(const char *args, size_t len, bool strict, char *name_r,
    size_t cap, struct smtp_error *err_r)
{
	size_t n, i;

	for (n = 0; n < len && args[n] != ' '; n++)
		;
	for (i = 0; i < n; i++)
		if (args[i] < '!' || args[i] > '~')
			break;
	if (n == 0 || i < n || n >= cap || (strict && (n < len ||
	    (args[0] == '[' ? smtp_literal_check(args, n) ==
	    SMTP_DOMAIN_NONE : !smtp_domain_ascii_valid(args, n)))))
		return smtp_error_set(err_r, 501, "5.5.4",
		    "Syntax: HELO/EHLO domain or address literal");
	memcpy(name_r, args, n);
	name_r[n] = '\0';
	return 0;
}
