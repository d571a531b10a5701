/*
 * echo-auth.c — the worked example of authentication (docs/writing-a-
 * module.md, "Authenticating users"): the echo protocol's AUTH command
 * over the SASL framework (gumdrop/sasl.h), in the style of POP3 AUTH
 * (RFC 5034).
 *
 *   C: CAPA                      S: +OK SASL PLAIN LOGIN
 *   C: AUTH PLAIN AGFsaWNlAGFsaWNlLXB3
 *   S: +OK authenticated as alice
 *
 *   C: AUTH LOGIN                S: + VXNlcm5hbWU6
 *   C: YWxpY2U=                  S: + UGFzc3dvcmQ6
 *   C: *                         S: -ERR [CANCELLED] ...
 *
 * Challenges are "+ BASE64"; success data (RFC 4422 5) is sent as a last
 * challenge answered by an empty line; failures are "-ERR [REASON] text"
 * with the framework's reason token upper-cased.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "echo.h"

#define ECHO_MECHS_MAX		32
#define ECHO_B64_LINE_MAX	65536

static void echo_auth_done(void *arg, struct gd_sasl *sasl,
    const struct gd_sasl_result *r);

/* Decode a client line strictly (gumdrop/sasl.h) into the command pool;
 * NULL when it is not base64 or longer than we accept. */
static unsigned char *
echo_b64_decode(struct echo_session *s, const char *in, size_t len,
    size_t *out_len)
{
	if (len > ECHO_B64_LINE_MAX)
		return NULL;
	return gd_sasl_decode64(s->cmd_pool, in, len, out_len);
}

static void
echo_b64_write(struct echo_session *s, const void *p, size_t len)
{
	const char *text = gd_sasl_encode64(s->cmd_pool, p, len);

	gd_conn_write(s->conn, text, strlen(text));
}

/* "-ERR [BAD-CREDENTIALS] authentication failed" */
static void
echo_auth_error(struct echo_session *s, enum gd_sasl_reason reason)
{
	const char *text = gd_sasl_reason_text(reason);
	static const char *const tokens[] = {
		[GD_SASL_OK] = "OK",
		[GD_SASL_BAD_CREDENTIALS] = "BAD-CREDENTIALS",
		[GD_SASL_MALFORMED] = "MALFORMED",
		[GD_SASL_CANCELLED] = "CANCELLED",
		[GD_SASL_AUTHZ_DENIED] = "AUTHZ-DENIED",
		[GD_SASL_MECH_UNAVAILABLE] = "MECH-UNAVAILABLE",
		[GD_SASL_ENCRYPTION_REQUIRED] = "ENCRYPTION-REQUIRED",
		[GD_SASL_TEMPORARY] = "TEMPORARY",
		[GD_SASL_LOCKED_OUT] = "LOCKED-OUT",
	};

	gd_conn_writef(s->conn, "-ERR [%s] %s\r\n",
	    (unsigned)reason < GD_N_ELEMENTS(tokens) ? tokens[reason] : "AUTH",
	    text);
}

/* The advertised mechanisms, space-separated, after `prefix`. */
static void
echo_write_mechs(struct echo_session *s, const char *prefix)
{
	const char *names[ECHO_MECHS_MAX];
	size_t n, i;

	n = gd_sasl_mechanisms(s->conn, names, ECHO_MECHS_MAX);
	gd_conn_writef(s->conn, "%s", prefix);
	for (i = 0; i < n && i < ECHO_MECHS_MAX; i++)
		gd_conn_writef(s->conn, " %s", names[i]);
	gd_conn_writef(s->conn, "\r\n");
}

void
echo_capa(struct echo_session *s)
{
	if (!gd_sasl_enabled(s->conn) || s->user != NULL) {
		gd_conn_writef(s->conn, "+OK\r\n");
		return;
	}
	echo_write_mechs(s, "+OK SASL");
}

/* Split "MECH [IR]"; *ir NULL without one. */
static bool
echo_auth_parse(struct echo_session *s, const char *args, char *mech,
    size_t size, const unsigned char **ir, size_t *ir_len)
{
	const char *sp = strchr(args, ' ');
	size_t mlen = sp != NULL ? (size_t)(sp - args) : strlen(args);

	*ir = NULL;
	*ir_len = 0;
	if (mlen == 0 || mlen >= size)
		return false;
	memcpy(mech, args, mlen);
	mech[mlen] = '\0';
	if (sp == NULL)
		return true;
	if (strcmp(sp + 1, "=") == 0) {
		*ir = (const unsigned char *)"";
		return true;
	}
	*ir = echo_b64_decode(s, sp + 1, strlen(sp + 1), ir_len);
	return *ir != NULL;
}

void
echo_auth_command(struct echo_session *s, const char *args)
{
	const unsigned char *ir;
	enum gd_sasl_reason reason;
	char mech[64];
	size_t ir_len;

	if (!gd_sasl_enabled(s->conn)) {
		gd_conn_writef(s->conn, "-ERR authentication not enabled\r\n");
		return;
	}
	if (s->user != NULL) {
		gd_conn_writef(s->conn, "-ERR already authenticated\r\n");
		return;
	}
	if (*args == '\0') {
		echo_write_mechs(s, "+OK");
		return;
	}
	if (!echo_auth_parse(s, args, mech, sizeof(mech), &ir, &ir_len)) {
		echo_auth_error(s, GD_SASL_MALFORMED);
		return;
	}
	if (gd_sasl_start(s->conn, mech, ir, ir_len, echo_auth_done, s,
	    &s->sasl, &reason) < 0) {
		echo_auth_error(s, reason);
		return;
	}
	/* Pipelined input waits until the framework answers. */
	gd_conn_pause_read(s->conn);
}

void
echo_auth_response(struct echo_session *s, const char *line, size_t len)
{
	const unsigned char *data;
	size_t dlen = 0;

	s->sasl_waiting = false;
	gd_pool_clear(s->cmd_pool);
	gd_conn_pause_read(s->conn);
	if (len == 1 && line[0] == '*') {
		gd_sasl_cancel(s->sasl);
		return;
	}
	data = len == 0 ? (const unsigned char *)"" :
	    echo_b64_decode(s, line, len, &dlen);
	if (data == NULL) {
		/* Not base64: the exchange ends here (RFC 5034 4). */
		gd_sasl_free(&s->sasl);
		echo_auth_error(s, GD_SASL_MALFORMED);
		gd_conn_resume_read(s->conn);
		return;
	}
	gd_sasl_respond(s->sasl, data, dlen);
}

static void
echo_auth_done(void *arg, struct gd_sasl *sasl,
    const struct gd_sasl_result *r)
{
	struct echo_session *s = arg;

	(void)sasl;
	gd_conn_resume_read(s->conn);
	if (r->status == GD_SASL_CHALLENGE) {
		gd_conn_writef(s->conn, "+ ");
		echo_b64_write(s, r->data, r->len);
		gd_conn_writef(s->conn, "\r\n");
		s->sasl_waiting = true;
		return;
	}
	if (r->status == GD_SASL_SUCCESS) {
		s->user = gd_pool_strdup(gd_conn_pool(s->conn), r->user);
		gd_conn_writef(s->conn, "+OK ");
		if (r->has_data) {
			/* RFC 4422 5: the data rides on the success line. */
			gd_conn_writef(s->conn, "[");
			echo_b64_write(s, r->data, r->len);
			gd_conn_writef(s->conn, "] ");
		}
		/* A name is never echoed with line breaks in it. */
		gd_conn_writef(s->conn, "authenticated as %s\r\n",
		    strpbrk(s->user, "\r\n") == NULL ? s->user :
		    "(unprintable)");
	} else
		echo_auth_error(s, r->reason);
	gd_sasl_free(&s->sasl);
}

void
echo_auth_close(struct echo_session *s)
{
	gd_sasl_abort(&s->sasl);
	s->sasl_waiting = false;
}
