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

static void smtp_local_ip(struct smtp_session *s);

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

	if (s->local_ip[0] == '\0')
		smtp_local_ip(s);
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

/* Set `field` from attribute `bit`: "unknown" (or `unknown`) when the
 * proxy says [UNAVAILABLE] or [TEMPUNAVAIL]. */
static void
smtp_xset(char **field, unsigned bit, const struct smtp_xclient *x,
    const char *value, const char *unknown)
{
	if (x->given & bit)
		smtp_set(field, (x->unavailable & bit) ? unknown : value);
}

static void
smtp_xport(unsigned *port, bool *set, unsigned bit,
    const struct smtp_xclient *x, unsigned value)
{
	if (x->given & bit) {
		*set = true;
		*port = (x->unavailable & bit) ? 0 : value;
	}
}

/*
 * NAME: the proxy's verified name of the client, or its lookup outcome.
 * A new ADDR without NAME voids the name found for the old address.
 */
static void
smtp_xclient_name(struct smtp_session *s, const struct smtp_xclient *x)
{
	if (x->given & SMTP_XCLIENT_NAME) {
		s->x_name_set = true;
		smtp_xset(&s->x_name, SMTP_XCLIENT_NAME, x, x->name, NULL);
		s->x_rdns = (x->tempunavail & SMTP_XCLIENT_NAME) ?
		    GD_SMTP_RDNS_TEMPFAIL : (x->unavailable &
		    SMTP_XCLIENT_NAME) ? GD_SMTP_RDNS_NONE : GD_SMTP_RDNS_OK;
	} else if (x->given & SMTP_XCLIENT_ADDR) {
		s->x_name_set = true;
		smtp_set(&s->x_name, NULL);
		s->x_rdns = GD_SMTP_RDNS_UNKNOWN;
	}
}

/* LOGIN: the session is authenticated as that user (Postfix), or no
 * longer authenticated at all when the proxy says none. */
static void
smtp_xclient_login(struct smtp_session *s, const struct smtp_xclient *x)
{
	if ((x->given & SMTP_XCLIENT_LOGIN) == 0)
		return;
	smtp_xset(&s->auth_user, SMTP_XCLIENT_LOGIN, x, x->login, NULL);
	smtp_set(&s->auth_mech, s->auth_user != NULL ? "XCLIENT" : NULL);
}

static void
smtp_xclient_apply(struct smtp_session *s, const struct smtp_xclient *x)
{
	smtp_xset(&s->x_addr, SMTP_XCLIENT_ADDR, x, x->addr, "unknown");
	smtp_xclient_name(s, x);
	smtp_xport(&s->x_port, &s->x_port_set, SMTP_XCLIENT_PORT, x, x->port);
	smtp_xset(&s->x_dest_addr, SMTP_XCLIENT_DESTADDR, x, x->destaddr,
	    "unknown");
	smtp_xport(&s->x_dest_port, &s->x_dest_port_set,
	    SMTP_XCLIENT_DESTPORT, x, x->destport);
	smtp_xclient_login(s, x);
	s->xclient = true;
	smtp_client_update(s);
	/* HELO and PROTO describe the session the client will now have. */
	smtp_xset(&s->helo, SMTP_XCLIENT_HELO, x, x->helo, NULL);
	if ((x->given & SMTP_XCLIENT_PROTO) &&
	    !(x->unavailable & SMTP_XCLIENT_PROTO))
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
	/* With HELO given, the proxy may go on with MAIL (Postfix). */
	smtp_enter_state(s, s->helo != NULL ? SMTP_S_READY : SMTP_S_GREETED);
	smtp_greet(s);
}

/* ---- the effective client and server ---------------------------------- */

unsigned
smtp_sockaddr_port(const struct sockaddr *sa)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return 0;
}

const char *
smtp_client_ip(const struct smtp_session *s)
{
	return s->x_addr != NULL ? s->x_addr : gd_conn_peer_ip(s->conn);
}

const char *
smtp_client_name(const struct smtp_session *s)
{
	return s->x_name_set ? s->x_name : s->rdns_name;
}

enum gd_smtp_rdns
smtp_client_rdns(const struct smtp_session *s)
{
	return s->x_name_set ? s->x_rdns : s->rdns;
}

const char *
smtp_client_ptr(const struct smtp_session *s)
{
	return s->x_name_set ? s->x_name : s->ptr_name;
}

/* The local address as text, once per session, kept in the session
 * (not the connection's pool: an idle session then makes no block). */
static void
smtp_local_ip(struct smtp_session *s)
{
	const struct sockaddr *sa;
	socklen_t len;
	const void *a = NULL;

	sa = gd_conn_local_addr(s->conn, &len);
	if (sa != NULL && sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, s->local_ip,
	    sizeof(s->local_ip)) == NULL)
		strcpy(s->local_ip, "unix");
}

const char *
smtp_server_ip(const struct smtp_session *s)
{
	return s->x_dest_addr != NULL ? s->x_dest_addr : s->local_ip;
}

unsigned
smtp_server_port(const struct smtp_session *s)
{
	socklen_t len;

	if (s->x_dest_port_set)
		return s->x_dest_port;
	return smtp_sockaddr_port(gd_conn_local_addr(s->conn, &len));
}
