/*
 * smtp-ehlo.c — HELO, EHLO, LHLO and what EHLO advertises: exactly the
 * extensions that are on for this listener in the session's current
 * state (TLS, authorisation), RFC 5321 4.1.1.1; and HELP.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smtp-private.h"

#define SMTP_EHLO_LINES	32
#define SMTP_MECHS_MAX	32

static void smtp_helo_done(struct smtp_session *s,
    const struct gd_hook_result *r);

/* "AUTH PLAIN LOGIN" into the command pool; NULL when none to offer. */
static const char *
smtp_ehlo_auth(struct smtp_session *s)
{
	const char *names[SMTP_MECHS_MAX];
	size_t n, i, len = 4;
	char *line;

	n = smtp_auth_mechs(s, names, SMTP_MECHS_MAX);
	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		len += 1 + strlen(names[i]);
	line = gd_pool_alloc(s->cmd_pool, len + 1);
	strcpy(line, "AUTH");
	for (i = 0; i < n; i++) {
		strcat(line, " ");
		strcat(line, names[i]);
	}
	return line;
}

/* RFC 9422: only the limits that are set. */
static const char *
smtp_ehlo_limits(struct smtp_session *s)
{
	char rcpt[32] = "", mail[32] = "";

	if (s->cfg->max_recipients != 0)
		snprintf(rcpt, sizeof(rcpt), " RCPTMAX=%u",
		    s->cfg->max_recipients);
	if (s->cfg->max_transactions != 0)
		snprintf(mail, sizeof(mail), " MAILMAX=%u",
		    s->cfg->max_transactions);
	return gd_pool_printf(s->cmd_pool, "LIMITS%s%s", rcpt, mail);
}

/* The value-carrying keywords, in the command pool. */
static const char *
smtp_ehlo_param(struct smtp_session *s, unsigned bit)
{
	const struct smtp_settings *cfg = s->cfg;
	char date[32];
	time_t until;
	struct tm tm;

	switch (bit) {
	case SMTP_EXT_SIZE:
		return cfg->max_message_size == 0 ? "SIZE" :
		    gd_pool_printf(s->cmd_pool, "SIZE %llu",
		    (unsigned long long)cfg->max_message_size);
	case SMTP_EXT_LIMITS:
		return smtp_ehlo_limits(s);
	case SMTP_EXT_FUTURERELEASE:
		until = time(NULL) + SMTP_MAX_HOLD;
		gmtime_r(&until, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
		return gd_pool_printf(s->cmd_pool, "FUTURERELEASE %u %s",
		    (unsigned)SMTP_MAX_HOLD, date);
	case SMTP_EXT_XCLIENT:
		return "XCLIENT NAME ADDR PORT PROTO HELO LOGIN DESTADDR "
		    "DESTPORT";
	case SMTP_EXT_AUTH:
		return smtp_ehlo_auth(s);
	default:
		return NULL;
	}
}

static void
smtp_ehlo_reply(struct smtp_session *s)
{
	const char *lines[SMTP_EHLO_LINES];
	unsigned ext = smtp_ext_now(s);
	size_t n = 0, i;

	lines[n++] = gd_pool_printf(s->cmd_pool, "%s Hello %s",
	    s->cfg->hostname, s->helo);
	for (i = 0; smtp_ext_names[i].keyword != NULL; i++) {
		unsigned bit = smtp_ext_names[i].bit;
		const char *line = smtp_ext_names[i].keyword;

		if (bit == 0 ? !s->cfg->help : !(ext & bit))
			continue;
		if (bit != 0 && smtp_ehlo_param(s, bit) != NULL)
			line = smtp_ehlo_param(s, bit);
		else if (bit == SMTP_EXT_AUTH)
			continue;
		lines[n++] = line;
	}
	/* EHLO's reply has no enhanced code (RFC 2034 3). */
	smtp_reply_lines(s, 250, NULL, lines, n);
}

void
smtp_cmd_helo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	char name[SMTP_HELO_MAX];
	struct smtp_error err;

	if (smtp_helo_parse(cmd->args, cmd->args_len, false, name,
	    sizeof(name), &err) < 0) {
		smtp_reply_err(s, &err);
		smtp_bad_command(s);
		return;
	}
	/* A new HELO ends any transaction (RFC 5321 4.1.4). */
	smtp_txn_reset(s);
	smtp_set(&s->helo, name);
	s->esmtp = cmd->verb != SMTP_VERB_HELO;
	smtp_hook_run(s, SMTP_HOOK_HELO, s->helo, smtp_helo_done);
}

static void
smtp_helo_done(struct smtp_session *s, const struct gd_hook_result *r)
{
	switch (r->verdict) {
	case GD_VERDICT_CONTINUE:
	case GD_VERDICT_ACCEPT:
	case GD_VERDICT_DISCARD:
		smtp_enter_state(s, SMTP_S_READY);
		if (s->esmtp)
			smtp_ehlo_reply(s);
		else
			smtp_reply(s, 250, NULL, "%s", s->cfg->hostname);
		return;
	default:
		smtp_set(&s->helo, NULL);
		s->esmtp = false;
		smtp_enter_state(s, SMTP_S_GREETED);
		smtp_reply_hook(s, r);
		return;
	}
}

void
smtp_cmd_help(struct smtp_session *s)
{
	static const char *const lmtp[] = {
		"Commands: LHLO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP",
		"VRFY EXPN STARTTLS AUTH",
		"See RFC 2033 and RFC 5321",
	};
	static const char *const smtp[] = {
		"Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP",
		"VRFY EXPN STARTTLS AUTH XCLIENT",
		"See RFC 5321",
	};

	smtp_reply_lines(s, 214, "2.0.0", s->proto == GD_SMTP_PROTO_LMTP ?
	    lmtp : smtp, 3);
}
