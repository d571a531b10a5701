/*
 * smtp-auth.c — STARTTLS (RFC 3207) and AUTH (RFC 4954) through the SASL
 * framework (gumdrop/sasl.h), as modules/echo/echo-auth.c shows it.
 *
 *   C: AUTH PLAIN AGRlbW8AZGVtbw==     S: 235 2.7.0 Authentication successful
 *   C: AUTH LOGIN                      S: 334 VXNlcm5hbWU6
 *   C: *                               S: 501 5.7.0 Authentication cancelled
 *
 * Success data (RFC 4954 4: SMTP has none on 235) goes out as a last 334
 * challenge that the client answers with an empty line.
 */
#include <string.h>

#include "smtp-private.h"

#define SMTP_B64_LINE_MAX	65536
#define SMTP_MECH_MAX		64

static void smtp_auth_done(void *arg, struct gd_sasl *sasl,
    const struct gd_sasl_result *r);
static void smtp_auth_hook_done(struct smtp_session *s,
    const struct gd_hook_result *r);

/* ---- STARTTLS ----------------------------------------------------------- */

void
smtp_cmd_starttls(struct smtp_session *s)
{
	const char *error;

	if (gd_conn_is_tls(s->conn)) {
		smtp_reply(s, 503, "5.5.1", "Already under TLS");
		return;
	}
	if (!(s->cfg->ext & SMTP_EXT_STARTTLS) ||
	    !gd_conn_starttls_available(s->conn)) {
		smtp_reply(s, 454, "4.7.0", "TLS not available");
		return;
	}
	smtp_reply(s, 220, "2.0.0", "Ready to start TLS");
	/* The core drops whatever was pipelined after this line. */
	if (gd_conn_starttls(s->conn, NULL, &error) < 0) {
		smtp_enter_state(s, SMTP_S_CLOSING);
		gd_conn_close(s->conn, false, error);
	}
}

/*
 * RFC 3207 4.2: forget everything learnt from the client before TLS (a
 * login too: plaintext an attacker injected before the handshake must
 * not speak for the session after it); EHLO again.
 */
void
smtp_tls_ready(struct smtp_session *s)
{
	smtp_txn_reset(s);
	smtp_set(&s->helo, NULL);
	smtp_set(&s->auth_user, NULL);
	smtp_set(&s->auth_mech, NULL);
	s->esmtp = false;
	smtp_enter_state(s, SMTP_S_GREETED);
}

/* ---- AUTH --------------------------------------------------------------- */

size_t
smtp_auth_mechs(struct smtp_session *s, const char **names, size_t max)
{
	if (s->auth_user != NULL || !smtp_ext_on(s, SMTP_EXT_AUTH))
		return 0;
	return gd_sasl_mechanisms(s->conn, names, max);
}

static void
smtp_auth_fail(struct smtp_session *s, enum gd_sasl_reason reason)
{
	switch (reason) {
	case GD_SASL_MALFORMED:
		smtp_reply(s, 501, "5.5.2", "Malformed authentication data");
		break;
	case GD_SASL_CANCELLED:
		smtp_reply(s, 501, "5.7.0", "Authentication cancelled");
		break;
	case GD_SASL_MECH_UNAVAILABLE:
		smtp_reply(s, 504, "5.5.4", "Unrecognized authentication "
		    "type");
		break;
	case GD_SASL_ENCRYPTION_REQUIRED:
		smtp_reply(s, 538, "5.7.11", "Encryption required for "
		    "requested authentication mechanism");
		break;
	case GD_SASL_TEMPORARY:
	case GD_SASL_LOCKED_OUT:
		smtp_reply(s, 454, "4.7.0", "Temporary authentication "
		    "failure");
		break;
	default:
		smtp_reply(s, 535, "5.7.8", "Authentication credentials "
		    "invalid");
		break;
	}
}

/* Split "MECH [IR]"; *ir NULL without one; false when malformed. */
static bool
smtp_auth_args(struct smtp_session *s, const struct smtp_cmd *cmd,
    char *mech, const unsigned char **ir, size_t *ir_len)
{
	const char *args = cmd->args, *sp;
	size_t mlen, rest;

	sp = memchr(args, ' ', cmd->args_len);
	mlen = sp != NULL ? (size_t)(sp - args) : cmd->args_len;
	*ir = NULL;
	*ir_len = 0;
	if (mlen == 0 || mlen >= SMTP_MECH_MAX)
		return false;
	memcpy(mech, args, mlen);
	mech[mlen] = '\0';
	if (sp == NULL)
		return true;
	rest = cmd->args_len - mlen - 1;
	if (rest == 1 && sp[1] == '=') {
		*ir = (const unsigned char *)"";
		return true;
	}
	if (rest > SMTP_B64_LINE_MAX)
		return false;
	*ir = gd_sasl_decode64(s->cmd_pool, sp + 1, rest, ir_len);
	return *ir != NULL;
}

void
smtp_cmd_auth(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	const unsigned char *ir;
	enum gd_sasl_reason reason;
	char mech[SMTP_MECH_MAX];
	size_t ir_len;

	if (!smtp_ext_on(s, SMTP_EXT_AUTH) || !s->esmtp) {
		smtp_reply(s, 503, "5.5.1", "AUTH not available");
		return;
	}
	if (s->auth_user != NULL) {
		smtp_reply(s, 503, "5.5.1", "Already authenticated");
		return;
	}
	if (!smtp_auth_args(s, cmd, mech, &ir, &ir_len)) {
		smtp_auth_fail(s, GD_SASL_MALFORMED);
		return;
	}
	if (gd_sasl_start(s->conn, mech, ir, ir_len, smtp_auth_done, s,
	    &s->sasl, &reason) < 0) {
		smtp_auth_fail(s, reason);
		return;
	}
	/* Pipelined input waits until the framework answers. */
	gd_conn_pause_read(s->conn);
}

static void
smtp_auth_success(struct smtp_session *s)
{
	s->sasl_final = false;
	smtp_hook_run(s, SMTP_HOOK_AUTH, NULL, smtp_auth_hook_done);
}

void
smtp_auth_line(struct smtp_session *s, const char *line, size_t len)
{
	const unsigned char *data;
	size_t dlen = 0;

	if (s->sasl_final) {
		/* The answer to the success data must be empty. */
		if (len == 0) {
			smtp_auth_success(s);
			return;
		}
		s->sasl_final = false;
		smtp_set(&s->pending_user, NULL);
		smtp_set(&s->pending_mech, NULL);
		smtp_auth_fail(s, len == 1 && line[0] == '*' ?
		    GD_SASL_CANCELLED : GD_SASL_MALFORMED);
		return;
	}
	s->sasl_waiting = false;
	gd_conn_pause_read(s->conn);
	if (len == 1 && line[0] == '*') {
		gd_sasl_cancel(s->sasl);
		return;
	}
	data = len == 0 ? (const unsigned char *)"" : len > SMTP_B64_LINE_MAX ?
	    NULL : gd_sasl_decode64(s->cmd_pool, line, len, &dlen);
	if (data == NULL) {
		/* Not base64: the exchange ends (RFC 4954 4: 501). */
		gd_sasl_free(&s->sasl);
		smtp_auth_fail(s, GD_SASL_MALFORMED);
		gd_conn_resume_read(s->conn);
		return;
	}
	gd_sasl_respond(s->sasl, data, dlen);
}

static void
smtp_auth_challenge(struct smtp_session *s, const void *data, size_t len)
{
	const char *text = gd_sasl_encode64(s->cmd_pool, data, len);

	/* 334 carries no enhanced code; the base64 may be long. */
	gd_conn_writef(s->conn, "334 %s\r\n", text);
}

static void
smtp_auth_done(void *arg, struct gd_sasl *sasl, const struct gd_sasl_result *r)
{
	struct smtp_session *s = arg;

	(void)sasl;
	gd_conn_resume_read(s->conn);
	if (r->status == GD_SASL_CHALLENGE) {
		smtp_auth_challenge(s, r->data, r->len);
		s->sasl_waiting = true;
		return;
	}
	if (r->status == GD_SASL_FAILURE) {
		smtp_auth_fail(s, r->reason);
		gd_sasl_free(&s->sasl);
		return;
	}
	smtp_set(&s->pending_user, r->user);
	smtp_set(&s->pending_mech, r->mechanism);
	gd_sasl_free(&s->sasl);
	if (r->has_data) {
		smtp_auth_challenge(s, r->data, r->len);
		s->sasl_final = true;
		return;
	}
	smtp_auth_success(s);
}

/* RFC 4954 6's codes for a refused AUTH; others become 535 / 454. */
static const unsigned auth_reject_codes[] = { 530, 534, 535, 538, 0 };
static const unsigned auth_tempfail_codes[] = { 432, 454, 0 };

static void
smtp_auth_hook_done(struct smtp_session *s, const struct gd_hook_result *r)
{
	switch (r->verdict) {
	case GD_VERDICT_CONTINUE:
	case GD_VERDICT_ACCEPT:
	case GD_VERDICT_DISCARD:
		smtp_set(&s->auth_user, s->pending_user);
		smtp_set(&s->auth_mech, s->pending_mech);
		smtp_set(&s->pending_user, NULL);
		smtp_set(&s->pending_mech, NULL);
		smtp_client_update(s);
		smtp_reply(s, 235, "2.7.0", "Authentication successful");
		return;
	case GD_VERDICT_REJECT:
		smtp_set(&s->pending_user, NULL);
		smtp_set(&s->pending_mech, NULL);
		smtp_reply_hook_as(s, r, auth_reject_codes, 535, "5.7.8");
		return;
	default:
		smtp_set(&s->pending_user, NULL);
		smtp_set(&s->pending_mech, NULL);
		smtp_reply_hook_as(s, r, auth_tempfail_codes, 454, "4.7.0");
		return;
	}
}

void
smtp_auth_close(struct smtp_session *s)
{
	gd_sasl_abort(&s->sasl);
	s->sasl_waiting = false;
	s->sasl_final = false;
}
