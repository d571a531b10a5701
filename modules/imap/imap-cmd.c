/*
 * imap-cmd.c — the command table (names, states, revision), the check
 * of a command against the session's state, and the canned refusals.
 */
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

#define ANY	(IMAP_STATE_NOT_AUTH | IMAP_STATE_AUTH | IMAP_STATE_SELECTED)
#define NAUTH	IMAP_STATE_NOT_AUTH
#define AUTH	(IMAP_STATE_AUTH | IMAP_STATE_SELECTED)
#define SEL	IMAP_STATE_SELECTED
#define R1	IMAP_CMDF_REV1_ONLY
#define UIDF	IMAP_CMDF_UID
#define NOEX	IMAP_CMDF_NO_EXPUNGE
#define NOARG	IMAP_CMDF_NO_ARGS
#define EXT	IMAP_CMDF_EXTENSION

/* Indexed by enum imap_cmd. */
static const struct imap_cmd_info imap_cmds[IMAP_CMD_COUNT] = {
	[IMAP_CMD_UNKNOWN] = { "", 0, 0 },
	[IMAP_CMD_CAPABILITY] = { "CAPABILITY", ANY, NOARG },
	[IMAP_CMD_NOOP] = { "NOOP", ANY, NOARG },
	[IMAP_CMD_LOGOUT] = { "LOGOUT", ANY, NOARG },
	[IMAP_CMD_ID] = { "ID", ANY, EXT },
	[IMAP_CMD_STARTTLS] = { "STARTTLS", NAUTH, NOARG },
	[IMAP_CMD_AUTHENTICATE] = { "AUTHENTICATE", NAUTH, 0 },
	[IMAP_CMD_LOGIN] = { "LOGIN", NAUTH, 0 },
	/* RFC 9051 6.3.1: before any mailbox is selected. */
	[IMAP_CMD_ENABLE] = { "ENABLE", IMAP_STATE_AUTH, EXT },
	[IMAP_CMD_SELECT] = { "SELECT", AUTH, 0 },
	[IMAP_CMD_EXAMINE] = { "EXAMINE", AUTH, 0 },
	[IMAP_CMD_CREATE] = { "CREATE", AUTH, 0 },
	[IMAP_CMD_DELETE] = { "DELETE", AUTH, 0 },
	[IMAP_CMD_RENAME] = { "RENAME", AUTH, 0 },
	[IMAP_CMD_SUBSCRIBE] = { "SUBSCRIBE", AUTH, 0 },
	[IMAP_CMD_UNSUBSCRIBE] = { "UNSUBSCRIBE", AUTH, 0 },
	[IMAP_CMD_LIST] = { "LIST", AUTH, 0 },
	[IMAP_CMD_LSUB] = { "LSUB", AUTH, R1 },
	[IMAP_CMD_NAMESPACE] = { "NAMESPACE", AUTH, NOARG | EXT },
	[IMAP_CMD_STATUS] = { "STATUS", AUTH, 0 },
	[IMAP_CMD_APPEND] = { "APPEND", AUTH, 0 },
	[IMAP_CMD_IDLE] = { "IDLE", AUTH, NOARG | EXT },
	[IMAP_CMD_CHECK] = { "CHECK", SEL, NOARG | R1 },
	[IMAP_CMD_CLOSE] = { "CLOSE", SEL, NOARG },
	[IMAP_CMD_UNSELECT] = { "UNSELECT", SEL, NOARG | EXT },
	[IMAP_CMD_EXPUNGE] = { "EXPUNGE", SEL, NOARG },
	[IMAP_CMD_SEARCH] = { "SEARCH", SEL, NOEX },
	[IMAP_CMD_FETCH] = { "FETCH", SEL, NOEX },
	[IMAP_CMD_STORE] = { "STORE", SEL, NOEX },
	[IMAP_CMD_COPY] = { "COPY", SEL, 0 },
	[IMAP_CMD_MOVE] = { "MOVE", SEL, EXT },
	[IMAP_CMD_UID_COPY] = { "UID COPY", SEL, UIDF },
	[IMAP_CMD_UID_MOVE] = { "UID MOVE", SEL, UIDF | EXT },
	[IMAP_CMD_UID_FETCH] = { "UID FETCH", SEL, UIDF | NOEX },
	[IMAP_CMD_UID_SEARCH] = { "UID SEARCH", SEL, UIDF | NOEX },
	[IMAP_CMD_UID_STORE] = { "UID STORE", SEL, UIDF | NOEX },
	[IMAP_CMD_UID_EXPUNGE] = { "UID EXPUNGE", SEL, UIDF | EXT },
};

const struct imap_cmd_info *
imap_cmd_info(enum imap_cmd cmd)
{
	if ((unsigned)cmd >= IMAP_CMD_COUNT)
		cmd = IMAP_CMD_UNKNOWN;
	return &imap_cmds[cmd];
}

static bool
imap_name_eq(const char *a, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(a, name, len) == 0;
}

/* The UID form of a sub-command, by the name after "UID ". */
static enum imap_cmd
imap_cmd_lookup_uid(const char *sub, size_t len)
{
	enum imap_cmd c;

	if (sub == NULL)
		return IMAP_CMD_UNKNOWN;
	for (c = IMAP_CMD_UID_COPY; c <= IMAP_CMD_UID_EXPUNGE; c++)
		if (imap_name_eq(sub, len, imap_cmds[c].name + 4))
			return c;
	return IMAP_CMD_UNKNOWN;
}

enum imap_cmd
imap_cmd_lookup(const char *name, size_t len, const char *sub,
    size_t sub_len)
{
	enum imap_cmd c;

	if (imap_name_eq(name, len, "UID"))
		return imap_cmd_lookup_uid(sub, sub_len);
	for (c = IMAP_CMD_CAPABILITY; c < IMAP_CMD_UID_COPY; c++)
		if (imap_name_eq(name, len, imap_cmds[c].name))
			return c;
	return IMAP_CMD_UNKNOWN;
}

int
imap_cmd_allowed(enum imap_cmd cmd, enum imap_state state, unsigned mode,
    struct imap_error *err)
{
	const struct imap_cmd_info *ci = imap_cmd_info(cmd);

	if (cmd == IMAP_CMD_UNKNOWN ||
	    ((ci->flags & IMAP_CMDF_REV1_ONLY) && (mode & IMAP_MODE_REV2)))
		return imap_error_bad(err, "Unknown command");
	if (ci->states & state)
		return 0;
	if (state == IMAP_STATE_AUTH && (ci->states & IMAP_STATE_SELECTED))
		return imap_error_bad(err, "No mailbox selected");
	return imap_error_bad(err, "Command not valid in this state");
}

struct imap_refusal_def {
	enum imap_status status;
	enum imap_code code;
	const char *text;
};

static const struct imap_refusal_def imap_refusals[IMAP_REFUSE_COUNT] = {
	[IMAP_REFUSE_AUTH_FAILED] = { IMAP_NO,
	    IMAP_CODE_AUTHENTICATIONFAILED, "Authentication failed" },
	[IMAP_REFUSE_AUTHZ_FAILED] = { IMAP_NO,
	    IMAP_CODE_AUTHORIZATIONFAILED, "Authorization failed" },
	[IMAP_REFUSE_PRIVACY] = { IMAP_NO, IMAP_CODE_PRIVACYREQUIRED,
	    "Plaintext authentication needs TLS" },
	[IMAP_REFUSE_LOGIN_DISABLED] = { IMAP_NO, IMAP_CODE_PRIVACYREQUIRED,
	    "LOGIN is disabled on this connection: use STARTTLS" },
	[IMAP_REFUSE_AUTH_CANCELLED] = { IMAP_BAD, IMAP_CODE_NONE,
	    "Authentication cancelled" },
	[IMAP_REFUSE_UNAVAILABLE] = { IMAP_NO, IMAP_CODE_UNAVAILABLE,
	    "Temporarily unavailable, try again later" },
	[IMAP_REFUSE_TLS_ACTIVE] = { IMAP_BAD, IMAP_CODE_NONE,
	    "TLS is already active" },
	[IMAP_REFUSE_READ_ONLY] = { IMAP_NO, IMAP_CODE_READ_ONLY,
	    "Mailbox is read-only" },
	[IMAP_REFUSE_NO_SAVED] = { IMAP_NO, IMAP_CODE_NOTSAVED,
	    "No saved search result" },
	[IMAP_REFUSE_TOO_MANY_BAD] = { IMAP_BAD, IMAP_CODE_NONE,
	    "Too many invalid commands" },
};

int
imap_refuse(struct imap_error *err, enum imap_refusal why)
{
	const struct imap_refusal_def *d;

	if ((unsigned)why >= IMAP_REFUSE_COUNT)
		why = IMAP_REFUSE_UNAVAILABLE;
	d = &imap_refusals[why];
	return imap_error_set(err, d->status, d->code, "%s", d->text);
}

bool
imap_idle_done(const char *line, size_t len)
{
	return len == 4 && strncasecmp(line, "DONE", 4) == 0;
}

enum imap_auth_line
imap_auth_line_kind(const char *line, size_t len)
{
	if (len == 1 && line[0] == '*')
		return IMAP_AUTH_LINE_CANCEL;
	return imap_base64_valid(line, len) ? IMAP_AUTH_LINE_DATA :
	    IMAP_AUTH_LINE_BAD;
}
