/*
 * pop3-auth.c — logging in: USER/PASS and APOP (RFC 1939 7), AUTH
 * (RFC 5034) through the SASL framework (gumdrop/sasl.h), and the
 * LOGIN-DELAY check (RFC 2449 6.5) before the maildrop is opened.
 *
 *   C: AUTH PLAIN AGRlbW8AZGVtbw==     S: +OK (after the maildrop opened)
 *   C: AUTH LOGIN                      S: + VXNlcm5hbWU6
 *   C: *                               S: -ERR Authentication cancelled
 *
 * The framework applies the listener's failure policy (delays, lockout)
 * and logs every attempt; plaintext (USER/PASS, PLAIN, LOGIN) is refused
 * on cleartext unless the listener's `sasl:` allows it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pop3-private.h"

static void pop3_auth_done(void *arg, struct gd_sasl *sasl,
    const struct gd_sasl_result *r);
static void pop3_auth_login(struct pop3_session *s);

/* The mechanisms to advertise now, space-separated; their count. */
size_t
pop3_auth_mechs(struct pop3_session *s, char *buf, size_t cap)
{
	const char *names[32];
	size_t n, i, len = 0, k;

	buf[0] = '\0';
	if (!gd_sasl_enabled(s->conn))
		return 0;
	n = gd_sasl_mechanisms(s->conn, names, 32);
	if (n > 32)
		n = 32;
	for (i = 0; i < n; i++) {
		k = strlen(names[i]);
		if (len + k + 2 > cap)
			break;
		if (len > 0)
			buf[len++] = ' ';
		memcpy(buf + len, names[i], k + 1);
		len += k;
	}
	return i;
}

/* Forget any login in progress (STLS, close). */
void
pop3_auth_reset(struct pop3_session *s)
{
	gd_sasl_abort(&s->sasl);
	s->sasl_waiting = false;
	s->sasl_final = false;
	pop3_set(&s->user, NULL);
	if (s->state == POP3_STATE_AUTHORIZATION)
		pop3_drop_discard(s);
}

/* The reply for a failed login (RFC 2449 8, RFC 3206). */
static void
pop3_auth_fail(struct pop3_session *s, enum gd_sasl_reason reason)
{
	pop3_set(&s->user, NULL);
	switch (reason) {
	case GD_SASL_CANCELLED:
		pop3_refusal(s, POP3_REFUSE_AUTH_CANCELLED);
		break;
	case GD_SASL_MALFORMED:
		pop3_err(s, POP3_CODE_NONE, "Malformed authentication data");
		break;
	case GD_SASL_MECH_UNAVAILABLE:
		pop3_err(s, POP3_CODE_NONE, "Unrecognized authentication "
		    "type");
		break;
	case GD_SASL_ENCRYPTION_REQUIRED:
		pop3_refusal(s, POP3_REFUSE_CLEARTEXT);
		break;
	case GD_SASL_TEMPORARY:
		pop3_refusal(s, POP3_REFUSE_SYS_TEMP);
		break;
	default:
		pop3_refusal(s, POP3_REFUSE_AUTH_FAILED);
		break;
	}
}

/* A call to the framework returned: wait for its answer, or reply now. */
static void
pop3_auth_started(struct pop3_session *s, int ret, enum gd_sasl_reason why)
{
	if (ret < 0) {
		pop3_auth_fail(s, why);
		return;
	}
	pop3_busy(s, true);
}

void
pop3_cmd_user(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (!gd_sasl_plaintext_ok(s->conn)) {
		pop3_refusal(s, POP3_REFUSE_CLEARTEXT);
		return;
	}
	if (cmd->arg_len > POP3_USER_MAX) {
		pop3_err(s, POP3_CODE_NONE, "User name too long");
		return;
	}
	pop3_set(&s->user, NULL);
	s->user = gd_xstrndup(cmd->arg, cmd->arg_len);
	pop3_ok(s, "Send PASS");
}

void
pop3_cmd_pass(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	enum gd_sasl_reason why;
	int ret;

	ret = gd_sasl_password(s->conn, "USER", s->user, cmd->arg,
	    cmd->arg_len, pop3_auth_done, s, &s->sasl, &why);
	pop3_auth_started(s, ret, why);
}

void
pop3_cmd_apop(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	char user[POP3_USER_MAX + 1], digest[POP3_APOP_DIGEST_LEN + 1];
	enum gd_sasl_reason why;
	int ret;

	if (!s->apop) {
		pop3_refusal(s, POP3_REFUSE_APOP_UNAVAILABLE);
		return;
	}
	if (cmd->arg_len > POP3_USER_MAX ||
	    cmd->arg2_len != POP3_APOP_DIGEST_LEN) {
		pop3_refusal(s, POP3_REFUSE_AUTH_FAILED);
		return;
	}
	memcpy(user, cmd->arg, cmd->arg_len);
	user[cmd->arg_len] = '\0';
	memcpy(digest, cmd->arg2, cmd->arg2_len);
	digest[cmd->arg2_len] = '\0';
	ret = gd_sasl_apop(s->conn, user, s->timestamp, digest,
	    pop3_auth_done, s, &s->sasl, &why);
	pop3_auth_started(s, ret, why);
}

/* Bare AUTH (RFC 1734's habit): the mechanisms, one per line. */
static void
pop3_auth_list(struct pop3_session *s)
{
	char mechs[POP3_REPLY_MAX], *p, *sp;

	pop3_auth_mechs(s, mechs, sizeof(mechs));
	pop3_ok(s, "%s", "");
	for (p = mechs; *p != '\0'; p = sp) {
		sp = strchr(p, ' ');
		if (sp == NULL)
			sp = p + strlen(p);
		gd_conn_writef(s->conn, "%.*s\r\n", (int)(sp - p), p);
		if (*sp == ' ')
			sp++;
	}
	gd_conn_write(s->conn, ".\r\n", 3);
}

void
pop3_cmd_auth(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	const void *ir = NULL;
	enum gd_sasl_reason why;
	size_t ir_len = 0;
	char *mech;
	int ret;

	if (cmd->arg_len == 0) {
		pop3_auth_list(s);
		return;
	}
	mech = gd_pool_strndup(s->cmd_pool, cmd->arg, cmd->arg_len);
	if (cmd->has_initial) {
		ir = cmd->arg2_len == 0 ? "" : gd_sasl_decode64(s->cmd_pool,
		    cmd->arg2, cmd->arg2_len, &ir_len);
		if (ir == NULL) {
			pop3_auth_fail(s, GD_SASL_MALFORMED);
			return;
		}
	}
	ret = gd_sasl_start(s->conn, mech, ir, ir_len, pop3_auth_done, s,
	    &s->sasl, &why);
	pop3_auth_started(s, ret, why);
}

/* A continuation line: base64 data, "*" (cancel) or garbage. */
void
pop3_auth_line(struct pop3_session *s, const char *line, size_t len)
{
	enum pop3_auth_line kind = pop3_auth_line_kind(line, len);
	const void *data;
	size_t dlen = 0;

	if (s->sasl_final) {
		/* The answer to the success data must be empty. */
		s->sasl_final = false;
		if (len == 0) {
			pop3_busy(s, true);
			pop3_auth_login(s);
			return;
		}
		pop3_drop_discard(s);
		pop3_auth_fail(s, kind == POP3_AUTH_LINE_CANCEL ?
		    GD_SASL_CANCELLED : GD_SASL_MALFORMED);
		return;
	}
	s->sasl_waiting = false;
	if (kind == POP3_AUTH_LINE_CANCEL) {
		pop3_busy(s, true);
		gd_sasl_cancel(s->sasl);
		return;
	}
	data = len == 0 ? "" : kind == POP3_AUTH_LINE_DATA ?
	    gd_sasl_decode64(s->cmd_pool, line, len, &dlen) : NULL;
	if (data == NULL) {
		/* Not base64: the exchange ends. */
		gd_sasl_free(&s->sasl);
		pop3_auth_fail(s, GD_SASL_MALFORMED);
		return;
	}
	pop3_busy(s, true);
	gd_sasl_respond(s->sasl, data, dlen);
}

static void
pop3_auth_challenge(struct pop3_session *s, const void *data, size_t len)
{
	const char *text = gd_sasl_encode64(s->cmd_pool, data, len);

	gd_conn_writef(s->conn, "+ %s\r\n", text);
}

/* LOGIN-DELAY (RFC 2449 6.5): too soon after the last login? */
static bool
pop3_login_too_soon(struct pop3_session *s, const char *user)
{
	if (s->cfg->login_delay == 0)
		return false;
	return !pop3_delay_allowed(s->mod->delays, user,
	    (uint64_t)time(NULL), s->cfg->login_delay);
}

/* Authenticated (s->drop prepared): open the maildrop, unless too soon. */
static void
pop3_auth_login(struct pop3_session *s)
{
	if (pop3_login_too_soon(s, s->drop->user)) {
		pop3_drop_discard(s);
		pop3_set(&s->user, NULL);
		pop3_refusal(s, POP3_REFUSE_LOGIN_DELAY);
		pop3_busy(s, false);
		return;
	}
	pop3_drop_open(s);
}

static void
pop3_auth_done(void *arg, struct gd_sasl *sasl, const struct gd_sasl_result *r)
{
	struct pop3_session *s = arg;

	(void)sasl;
	if (r->status == GD_SASL_CHALLENGE) {
		pop3_auth_challenge(s, r->data, r->len);
		s->sasl_waiting = true;
		pop3_busy(s, false);
		return;
	}
	if (r->status == GD_SASL_FAILURE) {
		pop3_auth_fail(s, r->reason);
		gd_sasl_free(&s->sasl);
		pop3_busy(s, false);
		return;
	}
	pop3_drop_prepare(s, r->user, r->info);
	if (r->has_data) {
		pop3_auth_challenge(s, r->data, r->len);
		gd_sasl_free(&s->sasl);
		s->sasl_final = true;
		pop3_busy(s, false);
		return;
	}
	gd_sasl_free(&s->sasl);
	pop3_auth_login(s);
}
