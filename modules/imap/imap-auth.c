/*
 * imap-auth.c — the commands of any state and of the not-authenticated
 * state: CAPABILITY, NOOP's non-selected half, LOGOUT, ID (RFC 2971),
 * ENABLE (RFC 5161), NAMESPACE (RFC 2342), STARTTLS (RFC 9051 6.2.1),
 * LOGIN and AUTHENTICATE (RFC 9051 6.2.2, SASL-IR RFC 4959) through the
 * SASL framework (gumdrop/sasl.h).
 *
 *   C: a AUTHENTICATE PLAIN AGRlbW8AZGVtbw==
 *   S: a OK [CAPABILITY IMAP4rev1 ...] Logged in
 *   C: b AUTHENTICATE PLAIN            S: +
 *   C: *                               S: b BAD Authentication cancelled
 *
 * The framework applies the listener's failure policy (delays, lockout)
 * and logs every attempt; plaintext (LOGIN, PLAIN) is refused on
 * cleartext unless the listener's `sasl:` allows it (LOGINDISABLED).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap-private.h"

static void imap_auth_done(void *arg, struct gd_sasl *sasl,
    const struct gd_sasl_result *r);

/* ---- CAPABILITY --------------------------------------------------------- */

/* What every state offers (the commands the session serves now). */
static const char imap_caps_common[] =
    "IMAP4rev1 IMAP4rev2 LITERAL+ ENABLE ID IDLE NAMESPACE UNSELECT "
    "UIDPLUS MOVE ESEARCH SEARCHRES LIST-EXTENDED LIST-STATUS "
    "SPECIAL-USE CHILDREN BINARY STATUS=SIZE";

static void
imap_caps_auth(struct imap_session *s, struct imap_out *o)
{
	const char *names[32];
	size_t n, i;

	if (gd_conn_starttls_available(s->conn))
		imap_out_printf(o, " STARTTLS");
	if (!gd_sasl_plaintext_ok(s->conn))
		imap_out_printf(o, " LOGINDISABLED");
	if (!gd_sasl_enabled(s->conn))
		return;
	n = gd_sasl_mechanisms(s->conn, names, 32);
	for (i = 0; i < n && i < 32; i++)
		imap_out_printf(o, " AUTH=%s", names[i]);
	imap_out_printf(o, " SASL-IR");
}

/* The capability list now (without "CAPABILITY"), into `o`. */
void
imap_capability_string(struct imap_session *s, struct imap_out *o)
{
	imap_out_add(o, imap_caps_common, sizeof(imap_caps_common) - 1);
	imap_out_printf(o, " APPENDLIMIT=%llu",
	    (unsigned long long)s->append_max);
	if (s->state == IMAP_STATE_NOT_AUTH)
		imap_caps_auth(s, o);
}

void
imap_cmd_capability(struct imap_session *s)
{
	struct imap_out o = { 0 };

	imap_capability_string(s, &o);
	imap_untagged(s, "CAPABILITY %s", o.buf);
	imap_out_free(&o);
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "CAPABILITY completed");
}

/* ---- any state ----------------------------------------------------------- */

void
imap_cmd_logout(struct imap_session *s)
{
	imap_untagged(s, "BYE Logging out");
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "LOGOUT completed");
	imap_close(s, "logout");
}

/* The client's name for the log: printable ASCII only, no quotes. */
static void
imap_id_log(struct imap_session *s, const char *name)
{
	char clean[65];
	size_t i;

	for (i = 0; name[i] != '\0' && i < sizeof(clean) - 1; i++)
		clean[i] = name[i] >= 0x20 && name[i] < 0x7f &&
		    name[i] != '"' && name[i] != '\\' ? name[i] : '?';
	clean[i] = '\0';
	gd_log(GD_LOG_INFO, "imap.id", "session=%s client=\"%s\"",
	    gd_conn_id(s->conn), clean);
}

void
imap_cmd_id(struct imap_session *s)
{
	struct imap_error err;
	struct imap_args a;
	struct imap_id id;
	size_t i;

	imap_args_start(s, &a, &err);
	if (imap_parse_id(&a, &id) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	for (i = 0; i < id.count; i++)
		if (strcasecmp(id.fields[i], "name") == 0 &&
		    id.values[i] != NULL)
			imap_id_log(s, id.values[i]);
	if (s->cfg->id)
		imap_untagged(s, "ID (\"name\" \"gumdrop\" \"version\" \"%s\")",
		    PACKAGE_VERSION);
	else
		imap_untagged(s, "ID NIL");
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "ID completed");
}

void
imap_cmd_namespace(struct imap_session *s)
{
	imap_untagged(s, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "NAMESPACE completed");
}

/* ENABLE: IMAP4rev2 and UTF8=ACCEPT; others are ignored (RFC 5161). */
void
imap_cmd_enable(struct imap_session *s)
{
	struct imap_error err;
	struct imap_args a;
	unsigned caps, now = 0;

	imap_args_start(s, &a, &err);
	if (imap_parse_enable(&a, &caps) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	caps &= IMAP_ENABLE_IMAP4REV2 | IMAP_ENABLE_UTF8_ACCEPT;
	now = caps & ~s->enabled;
	s->enabled |= caps;
	if (caps & IMAP_ENABLE_IMAP4REV2)
		s->mode |= IMAP_MODE_REV2 | IMAP_MODE_UTF8;
	if (caps & IMAP_ENABLE_UTF8_ACCEPT)
		s->mode |= IMAP_MODE_UTF8;
	gd_conn_writef(s->conn, "* ENABLED%s%s\r\n",
	    now & IMAP_ENABLE_IMAP4REV2 ? " IMAP4rev2" : "",
	    now & IMAP_ENABLE_UTF8_ACCEPT ? " UTF8=ACCEPT" : "");
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "ENABLE completed");
}

/* ---- STARTTLS ------------------------------------------------------------ */

void
imap_cmd_starttls(struct imap_session *s)
{
	const char *error;

	if (gd_conn_is_tls(s->conn)) {
		imap_refusal(s, IMAP_REFUSE_TLS_ACTIVE);
		return;
	}
	if (!gd_conn_starttls_available(s->conn)) {
		imap_tagged(s, IMAP_NO, IMAP_CODE_CANNOT, "STARTTLS is not "
		    "available here");
		return;
	}
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "Begin TLS negotiation now");
	/* The core drops whatever was pipelined after this command. */
	if (gd_conn_starttls(s->conn, NULL, &error) < 0)
		imap_close(s, error);
}

/* ---- logging in ---------------------------------------------------------- */

/* Forget any login in progress (STARTTLS, a failure, close). */
void
imap_auth_reset(struct imap_session *s)
{
	gd_sasl_abort(&s->sasl);
	s->sasl_waiting = false;
	s->sasl_final = false;
}

/* The tagged reply for a failed login (RFC 9051 7.1, RFC 5530). */
static void
imap_auth_fail(struct imap_session *s, enum gd_sasl_reason reason)
{
	switch (reason) {
	case GD_SASL_CANCELLED:
		imap_refusal(s, IMAP_REFUSE_AUTH_CANCELLED);
		break;
	case GD_SASL_MALFORMED:
		imap_tagged(s, IMAP_BAD, IMAP_CODE_NONE, "Malformed "
		    "authentication data");
		break;
	case GD_SASL_MECH_UNAVAILABLE:
		imap_tagged(s, IMAP_NO, IMAP_CODE_CANNOT, "Unsupported "
		    "authentication mechanism");
		break;
	case GD_SASL_ENCRYPTION_REQUIRED:
		imap_refusal(s, IMAP_REFUSE_PRIVACY);
		break;
	case GD_SASL_AUTHZ_DENIED:
		imap_refusal(s, IMAP_REFUSE_AUTHZ_FAILED);
		break;
	case GD_SASL_TEMPORARY:
	case GD_SASL_LOCKED_OUT:
		imap_refusal(s, IMAP_REFUSE_UNAVAILABLE);
		break;
	default:
		imap_refusal(s, IMAP_REFUSE_AUTH_FAILED);
		break;
	}
}

/* A call to the framework returned: wait for its answer, or reply now. */
static void
imap_auth_started(struct imap_session *s, int ret, enum gd_sasl_reason why)
{
	if (ret < 0) {
		imap_auth_fail(s, why);
		return;
	}
	imap_busy(s, true);
}

void
imap_cmd_login(struct imap_session *s)
{
	enum gd_sasl_reason why;
	struct imap_error err;
	struct imap_args a;
	char *user, *pass;
	int ret;

	imap_args_start(s, &a, &err);
	if (imap_parse_login(&a, &user, &pass) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	if (!gd_sasl_enabled(s->conn) || !gd_sasl_plaintext_ok(s->conn)) {
		imap_refusal(s, IMAP_REFUSE_LOGIN_DISABLED);
		return;
	}
	ret = gd_sasl_password(s->conn, "LOGIN", user, pass, strlen(pass),
	    imap_auth_done, s, &s->sasl, &why);
	imap_auth_started(s, ret, why);
}

void
imap_cmd_authenticate(struct imap_session *s)
{
	enum gd_sasl_reason why;
	struct imap_error err;
	struct imap_args a;
	const void *ir = NULL;
	size_t ir_len = 0;
	char *mech, *ir64;
	int ret;

	imap_args_start(s, &a, &err);
	if (imap_parse_authenticate(&a, &mech, &ir64) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	if (ir64 != NULL) {
		ir = ir64[0] == '\0' ? "" : gd_sasl_decode64(s->cmd_pool,
		    ir64, strlen(ir64), &ir_len);
		if (ir == NULL) {
			imap_auth_fail(s, GD_SASL_MALFORMED);
			return;
		}
	}
	ret = gd_sasl_start(s->conn, mech, ir, ir_len, imap_auth_done, s,
	    &s->sasl, &why);
	imap_auth_started(s, ret, why);
}

/* A challenge out: the next input is a raw line. */
static void
imap_auth_challenge(struct imap_session *s, const void *data, size_t len)
{
	const char *text = gd_sasl_encode64(s->cmd_pool, data, len);

	gd_conn_writef(s->conn, "+ %s\r\n", text);
	imap_reader_expect_line(&s->rd);
}

/* A continuation line: base64 data, "*" (cancel) or garbage. */
void
imap_auth_line(struct imap_session *s, const char *line, size_t len)
{
	enum imap_auth_line kind = imap_auth_line_kind(line, len);
	const void *data;
	size_t dlen = 0;

	if (s->sasl_final) {
		/* The answer to the success data must be empty. */
		s->sasl_final = false;
		if (len == 0) {
			imap_store_open(s);
			return;
		}
		imap_auth_fail(s, kind == IMAP_AUTH_LINE_CANCEL ?
		    GD_SASL_CANCELLED : GD_SASL_MALFORMED);
		return;
	}
	s->sasl_waiting = false;
	if (kind == IMAP_AUTH_LINE_CANCEL) {
		imap_busy(s, true);
		gd_sasl_cancel(s->sasl);
		return;
	}
	data = len == 0 ? "" : kind == IMAP_AUTH_LINE_DATA ?
	    gd_sasl_decode64(s->cmd_pool, line, len, &dlen) : NULL;
	if (data == NULL) {
		gd_sasl_free(&s->sasl);
		imap_auth_fail(s, GD_SASL_MALFORMED);
		return;
	}
	imap_busy(s, true);
	gd_sasl_respond(s->sasl, data, dlen);
}

/* Who logged in: kept for the store, opened next. */
static void
imap_auth_user(struct imap_session *s, const struct gd_sasl_result *r)
{
	free(s->user);
	free(s->location);
	s->user = gd_xstrdup(r->user);
	s->location = NULL;
	s->quota_storage = s->quota_messages = 0;
	if (r->info == NULL)
		return;
	if (r->info->mail != NULL)
		s->location = gd_xstrdup(r->info->mail);
	s->quota_storage = r->info->quota_storage;
	s->quota_messages = r->info->quota_messages;
}

static void
imap_auth_done(void *arg, struct gd_sasl *sasl, const struct gd_sasl_result *r)
{
	struct imap_session *s = arg;

	(void)sasl;
	if (r->status == GD_SASL_CHALLENGE) {
		imap_auth_challenge(s, r->data, r->len);
		s->sasl_waiting = true;
		imap_busy(s, false);
		return;
	}
	if (r->status == GD_SASL_FAILURE) {
		imap_auth_fail(s, r->reason);
		gd_sasl_free(&s->sasl);
		imap_busy(s, false);
		return;
	}
	imap_auth_user(s, r);
	if (r->has_data) {
		imap_auth_challenge(s, r->data, r->len);
		gd_sasl_free(&s->sasl);
		s->sasl_final = true;
		imap_busy(s, false);
		return;
	}
	gd_sasl_free(&s->sasl);
	imap_store_open(s);
}
