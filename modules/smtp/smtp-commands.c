/*
 * smtp-commands.c — a command line: parse, check the sequence, dispatch;
 * and the commands that need no more than a reply (RSET, NOOP, QUIT,
 * VRFY, EXPN).
 */
#include <string.h>

#include "smtp-private.h"

/* Which states accept a verb (bit per enum smtp_state). */
#define ST(x)		(1u << (x))
#define SMTP_ANY_IDLE	(ST(SMTP_S_GREETED) | ST(SMTP_S_READY))
#define SMTP_IN_TXN	(ST(SMTP_S_MAIL) | ST(SMTP_S_RCPT))
#define SMTP_SESSION	(SMTP_ANY_IDLE | SMTP_IN_TXN)

typedef void smtp_cmd_fn(struct smtp_session *s, const struct smtp_cmd *cmd);

struct smtp_verb_rule {
	unsigned states;		/* where the verb is in sequence */
	smtp_cmd_fn *fn;
};

static void smtp_cmd_helo_any(struct smtp_session *s,
    const struct smtp_cmd *cmd);
static void smtp_cmd_rset_cmd(struct smtp_session *s,
    const struct smtp_cmd *cmd);
static void smtp_cmd_noop(struct smtp_session *s, const struct smtp_cmd *cmd);
static void smtp_cmd_quit(struct smtp_session *s, const struct smtp_cmd *cmd);
static void smtp_cmd_help_cmd(struct smtp_session *s,
    const struct smtp_cmd *cmd);
static void smtp_cmd_vrfy(struct smtp_session *s, const struct smtp_cmd *cmd);
static void smtp_cmd_expn(struct smtp_session *s, const struct smtp_cmd *cmd);
static void smtp_cmd_starttls_cmd(struct smtp_session *s,
    const struct smtp_cmd *cmd);

static const struct smtp_verb_rule smtp_rules[SMTP_VERB_COUNT] = {
	[SMTP_VERB_HELO] = { SMTP_SESSION, smtp_cmd_helo_any },
	[SMTP_VERB_EHLO] = { SMTP_SESSION, smtp_cmd_helo_any },
	[SMTP_VERB_LHLO] = { SMTP_SESSION, smtp_cmd_helo_any },
	[SMTP_VERB_MAIL] = { ST(SMTP_S_READY), smtp_cmd_mail },
	[SMTP_VERB_RCPT] = { SMTP_IN_TXN, smtp_cmd_rcpt },
	[SMTP_VERB_DATA] = { ST(SMTP_S_RCPT), smtp_cmd_data },
	[SMTP_VERB_BDAT] = { SMTP_SESSION, smtp_cmd_bdat },
	[SMTP_VERB_RSET] = { SMTP_SESSION, smtp_cmd_rset_cmd },
	[SMTP_VERB_NOOP] = { SMTP_SESSION | ST(SMTP_S_REFUSED),
	    smtp_cmd_noop },
	[SMTP_VERB_QUIT] = { SMTP_SESSION | ST(SMTP_S_REFUSED),
	    smtp_cmd_quit },
	[SMTP_VERB_HELP] = { SMTP_SESSION, smtp_cmd_help_cmd },
	[SMTP_VERB_VRFY] = { SMTP_SESSION, smtp_cmd_vrfy },
	[SMTP_VERB_EXPN] = { SMTP_SESSION, smtp_cmd_expn },
	[SMTP_VERB_STARTTLS] = { SMTP_ANY_IDLE, smtp_cmd_starttls_cmd },
	[SMTP_VERB_AUTH] = { ST(SMTP_S_READY), smtp_cmd_auth },
	[SMTP_VERB_XCLIENT] = { SMTP_ANY_IDLE, smtp_cmd_xclient },
};

/* The reply for a verb out of sequence (RFC 5321 4.1.4, 3.3). */
static void
smtp_out_of_sequence(struct smtp_session *s, enum smtp_verb verb)
{
	const char *text = "Bad sequence of commands";

	if (s->state == SMTP_S_REFUSED)
		text = "Service refused: only QUIT is accepted";
	else if (s->state == SMTP_S_GREETED &&
	    (verb == SMTP_VERB_MAIL || verb == SMTP_VERB_AUTH))
		text = s->proto == GD_SMTP_PROTO_LMTP ?
		    "Send LHLO first" : "Send HELO/EHLO first";
	else if (verb == SMTP_VERB_MAIL)
		text = "Nested MAIL command";
	else if (verb == SMTP_VERB_RCPT)
		text = "Need MAIL before RCPT";
	else if (verb == SMTP_VERB_DATA && s->state == SMTP_S_MAIL) {
		/* RFC 5321 3.3: no valid recipient. */
		smtp_reply(s, 554, "5.5.1", "No valid recipients");
		return;
	} else if (verb == SMTP_VERB_DATA)
		text = "Need RCPT before DATA";
	else if (s->state == SMTP_S_MAIL || s->state == SMTP_S_RCPT)
		text = "Not allowed during a mail transaction";
	smtp_reply(s, 503, "5.5.1", "%s", text);
}

void
smtp_line(struct smtp_session *s, const char *line, size_t len)
{
	struct smtp_error err;
	struct smtp_cmd cmd;
	const struct smtp_verb_rule *rule;

	if (s->sasl_waiting || s->sasl_final) {
		smtp_auth_line(s, line, len);
		return;
	}
	if (smtp_cmd_parse(line, len, 0, smtp_ext_now(s),
	    s->proto == GD_SMTP_PROTO_LMTP, &cmd, &err) < 0) {
		/* The core already bounds the line; lengths are its job. */
		if (cmd.verb == SMTP_VERB_BDAT && err.code == 501) {
			/* smtp-parse.h, BDAT */
			smtp_bdat_lost(s, &err);
			return;
		}
		smtp_reply_err(s, &err);
		smtp_bad_command(s);
		return;
	}
	rule = &smtp_rules[cmd.verb];
	if (rule->fn == NULL) {
		smtp_reply(s, 502, "5.5.1", "Command not implemented");
		return;
	}
	if (!(rule->states & ST(s->state)) && cmd.verb != SMTP_VERB_BDAT) {
		smtp_out_of_sequence(s, cmd.verb);
		return;
	}
	rule->fn(s, &cmd);
}

/* ---- simple commands ---------------------------------------------------- */

static void
smtp_cmd_helo_any(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	smtp_cmd_helo(s, cmd);
}

void
smtp_cmd_rset(struct smtp_session *s)
{
	smtp_txn_reset(s);
	smtp_state_idle(s);
	smtp_reply(s, 250, "2.0.0", "Ok");
}

static void
smtp_cmd_rset_cmd(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_cmd_rset(s);
}

static void
smtp_cmd_noop(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (s->state == SMTP_S_REFUSED) {
		smtp_out_of_sequence(s, SMTP_VERB_NOOP);
		return;
	}
	smtp_reply(s, 250, "2.0.0", "Ok");
}

static void
smtp_cmd_quit(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, 221, "2.0.0", "%s Bye", s->cfg->hostname);
	smtp_enter_state(s, SMTP_S_CLOSING);
	gd_conn_close(s->conn, true, "quit");
}

static void
smtp_cmd_help_cmd(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_cmd_help(s);
}

/* RFC 5321 3.5.3: 252 when we will not say, but accept mail for it. */
static void
smtp_cmd_vrfy(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, 252, "2.5.0", "Cannot VRFY user, but will accept "
	    "message and attempt delivery");
}

static void
smtp_cmd_expn(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, 502, "5.5.1", "EXPN not available");
}

static void
smtp_cmd_starttls_cmd(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_cmd_starttls(s);
}
