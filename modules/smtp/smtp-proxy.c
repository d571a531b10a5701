/*
 * smtp-proxy.c — who the client is: relay and XCLIENT authorisation from
 * its address, and XCLIENT (Postfix's XCLIENT_README), through which a
 * trusted proxy tells us about the client it serves.
 *
 *   C: XCLIENT ADDR=192.0.2.7 NAME=mail.example HELO=mail.example
 *   S: 220 mx.example.test ESMTP Gumdrop        (session reset: EHLO again)
 */
#include <arpa/inet.h>
#include <string.h>

#include "smtp-private.h"

/* The 16-byte form of the effective client address; false if none. */
static bool
smtp_client_addr16(const struct smtp_session *s, uint8_t addr[16])
{
	struct in6_addr a6;
	struct in_addr a4;
	const struct sockaddr *sa;
	socklen_t len;

	if (s->x_addr != NULL) {
		if (inet_pton(AF_INET, s->x_addr, &a4) == 1) {
			memset(addr, 0, 10);
			addr[10] = addr[11] = 0xff;
			memcpy(addr + 12, &a4, 4);
			return true;
		}
		if (inet_pton(AF_INET6, s->x_addr, &a6) == 1) {
			memcpy(addr, &a6, 16);
			return true;
		}
		return false;
	}
	sa = gd_conn_peer_addr(s->conn, &len);
	return sa != NULL && gd_cidr_addr_from_sockaddr(sa, addr) == 0;
}

void
smtp_client_update(struct smtp_session *s)
{
	const struct sockaddr *sa;
	uint8_t real[16];
	socklen_t len;

	s->have_addr = smtp_client_addr16(s, s->addr16);
	s->relay_client = s->have_addr && gd_cidr_match_list(
	    s->cfg->relay_nets, s->cfg->n_relay_nets, s->addr16);
	/* XCLIENT trust follows the real peer, never what XCLIENT said. */
	sa = gd_conn_peer_addr(s->conn, &len);
	s->xclient_ok = sa != NULL &&
	    gd_cidr_addr_from_sockaddr(sa, real) == 0 &&
	    gd_cidr_match_list(s->cfg->xclient_nets, s->cfg->n_xclient_nets,
	    real);
}

/* Set `field` from attribute `bit`: cleared when [UNAVAILABLE]. */
static void
smtp_xset(char **field, unsigned bit, const struct smtp_xclient *x,
    const char *value)
{
	if (x->given & bit)
		smtp_set(field, (x->unavailable & bit) ? NULL : value);
}

static void
smtp_xclient_apply(struct smtp_session *s, const struct smtp_xclient *x)
{
	smtp_xset(&s->x_addr, SMTP_XCLIENT_ADDR, x, x->addr);
	smtp_xset(&s->x_name, SMTP_XCLIENT_NAME, x, x->name);
	if (x->given & SMTP_XCLIENT_PORT) {
		s->x_port_set = !(x->unavailable & SMTP_XCLIENT_PORT);
		s->x_port = x->port;
	}
	if (x->given & SMTP_XCLIENT_LOGIN) {
		smtp_xset(&s->auth_user, SMTP_XCLIENT_LOGIN, x, x->login);
		smtp_set(&s->auth_mech, s->auth_user != NULL ? "XCLIENT" :
		    NULL);
	}
	s->xclient = true;
	smtp_client_update(s);
	/* HELO and PROTO describe the session the client will now have. */
	smtp_xset(&s->helo, SMTP_XCLIENT_HELO, x, x->helo);
	if (x->given & SMTP_XCLIENT_PROTO)
		s->esmtp = strcmp(x->proto, "ESMTP") == 0;
}

void
smtp_cmd_xclient(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_xclient x;
	struct smtp_error err;

	if (!smtp_ext_on(s, SMTP_EXT_XCLIENT)) {
		smtp_reply(s, 550, "5.7.0", "Insufficient authorization");
		return;
	}
	if (smtp_xclient_parse(cmd->args, cmd->args_len, &x, &err) < 0) {
		smtp_reply_err(s, &err);
		smtp_bad_command(s);
		return;
	}
	smtp_txn_reset(s);
	smtp_set(&s->helo, NULL);
	s->esmtp = false;
	smtp_xclient_apply(s, &x);
	gd_log(GD_LOG_INFO, "smtp.xclient", "session=%s addr=%s "
	    "reason=\"proxy override\"", gd_conn_id(s->conn),
	    s->x_addr != NULL ? s->x_addr : "-");
	smtp_enter_state(s, SMTP_S_GREETED);
	smtp_greet(s);
}
