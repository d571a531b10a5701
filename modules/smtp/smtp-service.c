/*
 * smtp-service.c — the "smtp" service (gumdrop/smtp.h): what handlers of
 * the smtp.* hook points read about the session and transaction, the
 * per-recipient results of smtp.data-end, header subscriptions and the
 * typed reasons.
 */
#include <string.h>

#include "smtp-private.h"

static struct gd_smtp_session *
smtp_svc_session(struct gd_hook_call *call)
{
	struct smtp_session *s;
	const char *name;

	name = gd_hook_call_point(call);
	if (name == NULL || strncmp(name, "smtp.", 5) != 0)
		return NULL;
	s = gd_hook_call_context(call);
	GD_CHECK_MAGIC(s, SMTP_SESSION_MAGIC);
	return (struct gd_smtp_session *)s;
}

/* The public handle is the session itself, under another name. */
static const struct smtp_session *
smtp_c(const struct gd_smtp_session *g)
{
	const struct smtp_session *s = (const struct smtp_session *)g;

	GD_CHECK_MAGIC(s, SMTP_SESSION_MAGIC);
	return s;
}

static struct smtp_session *
smtp_m(struct gd_smtp_session *g)
{
	struct smtp_session *s = (struct smtp_session *)g;

	GD_CHECK_MAGIC(s, SMTP_SESSION_MAGIC);
	return s;
}

static struct gd_conn *
smtp_svc_conn(struct gd_smtp_session *g)
{
	return smtp_m(g)->conn;
}

static enum gd_smtp_protocol
smtp_svc_protocol(const struct gd_smtp_session *g)
{
	return smtp_c(g)->proto;
}

static const char *
smtp_svc_id(const struct gd_smtp_session *g)
{
	return gd_conn_id(smtp_c(g)->conn);
}

static const char *
smtp_svc_client_ip(const struct gd_smtp_session *g)
{
	return smtp_client_ip(smtp_c(g));
}

static unsigned
smtp_svc_client_port(const struct gd_smtp_session *g)
{
	const struct smtp_session *s = smtp_c(g);
	socklen_t len;

	if (s->x_port_set)
		return s->x_port;
	return smtp_sockaddr_port(gd_conn_peer_addr(s->conn, &len));
}

static const char *
smtp_svc_client_name(const struct gd_smtp_session *g)
{
	return smtp_client_name(smtp_c(g));
}

static enum gd_smtp_rdns
smtp_svc_client_rdns(const struct gd_smtp_session *g)
{
	return smtp_client_rdns(smtp_c(g));
}

static const char *
smtp_svc_client_ptr(const struct gd_smtp_session *g)
{
	return smtp_client_ptr(smtp_c(g));
}

static const char *
smtp_svc_server_ip(const struct gd_smtp_session *g)
{
	return smtp_server_ip(smtp_c(g));
}

static unsigned
smtp_svc_server_port(const struct gd_smtp_session *g)
{
	return smtp_server_port(smtp_c(g));
}

static bool
smtp_svc_xclient(const struct gd_smtp_session *g)
{
	return smtp_c(g)->xclient;
}

static bool
smtp_svc_relay_client(const struct gd_smtp_session *g)
{
	return smtp_c(g)->relay_client;
}

static const char *
smtp_svc_helo(const struct gd_smtp_session *g)
{
	return smtp_c(g)->helo;
}

static bool
smtp_svc_esmtp(const struct gd_smtp_session *g)
{
	return smtp_c(g)->esmtp;
}

static const char *
smtp_svc_tls_version(const struct gd_smtp_session *g)
{
	return gd_conn_tls_version(smtp_c(g)->conn);
}

static const char *
smtp_svc_tls_cipher(const struct gd_smtp_session *g)
{
	return gd_conn_tls_cipher(smtp_c(g)->conn);
}

static const char *
smtp_svc_auth_user(const struct gd_smtp_session *g)
{
	const struct smtp_session *s = smtp_c(g);

	/* During smtp.auth the login is known but not yet granted. */
	return s->pending_user != NULL ? s->pending_user : s->auth_user;
}

static const char *
smtp_svc_auth_mechanism(const struct gd_smtp_session *g)
{
	const struct smtp_session *s = smtp_c(g);

	return s->pending_user != NULL ? s->pending_mech : s->auth_mech;
}

static const char *
smtp_svc_transaction_id(const struct gd_smtp_session *g)
{
	const struct smtp_session *s = smtp_c(g);

	return s->txn.active ? s->txn.id : NULL;
}

static struct gd_pool *
smtp_svc_transaction_pool(struct gd_smtp_session *g)
{
	struct smtp_session *s = smtp_m(g);

	return s->txn.active ? s->txn_pool : NULL;
}

static const struct gd_smtp_mail *
smtp_svc_mail(const struct gd_smtp_session *g)
{
	const struct smtp_session *s = smtp_c(g);

	return s->txn.active ? &s->txn.mail : NULL;
}

static unsigned
smtp_svc_rcpt_count(const struct gd_smtp_session *g)
{
	return smtp_c(g)->txn.nrcpt;
}

static const struct gd_smtp_rcpt *
smtp_svc_rcpt(const struct gd_smtp_session *g, unsigned i)
{
	const struct smtp_session *s = smtp_c(g);

	return i < s->txn.nrcpt ? s->txn.rcpts[i] : NULL;
}

static uint64_t
smtp_svc_message_size(const struct gd_smtp_session *g)
{
	const struct smtp_session *s = smtp_c(g);

	if (!s->txn.started)
		return 0;
	return s->txn.bdat_used ? s->txn.bdat.total :
	    smtp_data_size(&s->txn.unstuff);
}

static uint64_t
smtp_svc_time(const struct gd_smtp_session *g, enum gd_smtp_time which)
{
	const struct smtp_session *s = smtp_c(g);

	switch (which) {
	case GD_SMTP_TIME_CONNECT:
		return s->t_connect;
	case GD_SMTP_TIME_MAIL:
		return s->txn.t_mail;
	case GD_SMTP_TIME_DATA:
		return s->txn.t_data;
	case GD_SMTP_TIME_DATA_END:
		return s->txn.t_end;
	}
	return 0;
}

static const char *
smtp_svc_copy(struct smtp_session *s, const char *v)
{
	return v != NULL ? gd_pool_strdup(s->txn_pool, v) : NULL;
}

static int
smtp_svc_rcpt_set_result(struct gd_smtp_session *g, unsigned i,
    enum gd_verdict verdict, const struct gd_reply *reply)
{
	struct smtp_session *s = smtp_m(g);
	struct smtp_rcpt_result *res;

	if (!s->txn.in_data_end || i >= s->txn.nrcpt)
		return -1;
	res = &s->txn.results[i];
	memset(res, 0, sizeof(*res));
	res->set = true;
	res->verdict = verdict;
	if (!smtp_reply_valid(verdict, reply)) {
		gd_log(GD_LOG_WARNING, "hook.reply.invalid", "session=%s "
		    "reason=\"rcpt result reply does not match verdict\"",
		    gd_conn_id(s->conn));
		reply = NULL;
		if (verdict != GD_VERDICT_ACCEPT &&
		    verdict != GD_VERDICT_REJECT)
			res->verdict = GD_VERDICT_TEMPFAIL;
	}
	if (reply != NULL) {
		res->reply.code = reply->code;
		res->reply.enhanced = smtp_svc_copy(s, reply->enhanced);
		res->reply.text = smtp_svc_copy(s, reply->text);
	}
	return 0;
}

static int
smtp_svc_header_subscribe(struct gd_smtp_session *g,
    const struct gd_smtp_header_handler *handler, void *ctx)
{
	struct smtp_session *s = smtp_m(g);
	struct smtp_subscriber *sub;

	if (!s->txn.active || s->txn.parser != NULL || s->txn.header_done ||
	    (s->txn.started && s->state != SMTP_S_RCPT))
		return -1;
	sub = gd_pool_alloc(s->txn_pool, sizeof(*sub));
	sub->handler = handler;
	sub->ctx = ctx;
	sub->next = s->txn.subscribers;
	s->txn.subscribers = sub;
	return 0;
}

struct smtp_reason_reply {
	enum gd_verdict verdict;
	unsigned code;
	const char *enhanced;
	const char *text;
};

static const struct smtp_reason_reply smtp_reasons[GD_SMTP_REASON_COUNT] = {
	[GD_SMTP_REASON_GREYLISTED] = { GD_VERDICT_TEMPFAIL, 451, "4.7.1",
	    "Greylisted, please try again later" },
	[GD_SMTP_REASON_RATE_LIMITED] = { GD_VERDICT_TEMPFAIL, 451, "4.7.0",
	    "Rate limit exceeded, try again later" },
	[GD_SMTP_REASON_STORAGE_FULL] = { GD_VERDICT_TEMPFAIL, 452, "4.3.1",
	    "Insufficient system storage" },
	[GD_SMTP_REASON_BLOCKED_DOMAIN] = { GD_VERDICT_REJECT, 550, "5.7.1",
	    "Domain blocked by policy" },
	[GD_SMTP_REASON_BLOCKED_CLIENT] = { GD_VERDICT_REJECT, 554, "5.7.1",
	    "Client host blocked" },
	[GD_SMTP_REASON_POLICY] = { GD_VERDICT_REJECT, 550, "5.7.1",
	    "Rejected by policy" },
	[GD_SMTP_REASON_SPAM] = { GD_VERDICT_REJECT, 550, "5.7.1",
	    "Message considered spam" },
	[GD_SMTP_REASON_VIRUS] = { GD_VERDICT_REJECT, 554, "5.7.0",
	    "Message content rejected" },
	[GD_SMTP_REASON_NOT_LOCAL] = { GD_VERDICT_REJECT, 550, "5.1.1",
	    "No such user here" },
	[GD_SMTP_REASON_NO_SUCH_DOMAIN] = { GD_VERDICT_REJECT, 550, "5.1.2",
	    "Domain not handled here" },
	[GD_SMTP_REASON_OVER_QUOTA] = { GD_VERDICT_REJECT, 552, "5.2.2",
	    "Mailbox full" },
	[GD_SMTP_REASON_OVER_QUOTA_TEMP] = { GD_VERDICT_TEMPFAIL, 452,
	    "4.2.2", "Mailbox full, try again later" },
	[GD_SMTP_REASON_MESSAGE_TOO_BIG] = { GD_VERDICT_REJECT, 552, "5.3.4",
	    "Message too big" },
	[GD_SMTP_REASON_RELAY_DENIED] = { GD_VERDICT_REJECT, 550, "5.7.1",
	    "Relay access denied" },
	[GD_SMTP_REASON_BAD_SENDER] = { GD_VERDICT_REJECT, 553, "5.1.8",
	    "Sender address rejected" },
	[GD_SMTP_REASON_AUTH_REQUIRED] = { GD_VERDICT_REJECT, 530, "5.7.0",
	    "Authentication required" },
	[GD_SMTP_REASON_TEMPORARY] = { GD_VERDICT_TEMPFAIL, 451, "4.3.0",
	    "Temporary local problem, try again later" },
};

static enum gd_verdict
smtp_svc_reason_reply(enum gd_smtp_reason reason, struct gd_reply *reply_r)
{
	const struct smtp_reason_reply *r;

	r = (unsigned)reason < GD_SMTP_REASON_COUNT ? &smtp_reasons[reason] :
	    &smtp_reasons[GD_SMTP_REASON_TEMPORARY];
	reply_r->code = r->code;
	reply_r->enhanced = r->enhanced;
	reply_r->text = r->text;
	return r->verdict;
}

const struct gd_smtp_service smtp_service = {
	.size = sizeof(struct gd_smtp_service),
	.session = smtp_svc_session,
	.conn = smtp_svc_conn,
	.protocol = smtp_svc_protocol,
	.id = smtp_svc_id,
	.client_ip = smtp_svc_client_ip,
	.client_port = smtp_svc_client_port,
	.client_name = smtp_svc_client_name,
	.client_rdns = smtp_svc_client_rdns,
	.client_ptr = smtp_svc_client_ptr,
	.xclient = smtp_svc_xclient,
	.relay_client = smtp_svc_relay_client,
	.helo = smtp_svc_helo,
	.esmtp = smtp_svc_esmtp,
	.tls_version = smtp_svc_tls_version,
	.tls_cipher = smtp_svc_tls_cipher,
	.auth_user = smtp_svc_auth_user,
	.auth_mechanism = smtp_svc_auth_mechanism,
	.transaction_id = smtp_svc_transaction_id,
	.transaction_pool = smtp_svc_transaction_pool,
	.mail = smtp_svc_mail,
	.rcpt_count = smtp_svc_rcpt_count,
	.rcpt = smtp_svc_rcpt,
	.message_size = smtp_svc_message_size,
	.time = smtp_svc_time,
	.rcpt_set_result = smtp_svc_rcpt_set_result,
	.header_subscribe = smtp_svc_header_subscribe,
	.reason_reply = smtp_svc_reason_reply,
	.server_ip = smtp_svc_server_ip,
	.server_port = smtp_svc_server_port,
	/* 1.1 (smtp-copy.c) */
	.add_field = smtp_copy_add_field,
	.drop_fields = smtp_copy_drop_fields,
	.quarantine = smtp_copy_quarantine,
	.delivery_fields = smtp_copy_delivery_fields,
	.field_dropped = smtp_copy_field_dropped,
	.drops_fields = smtp_copy_drops_fields,
	.quarantined = smtp_copy_quarantined,
};
