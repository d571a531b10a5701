/*
 * smtp-txn.c — the mail transaction: MAIL (with its limits and the
 * smtp.mail verdict), RCPT (RCPTMAX, smtp.rcpt, the default refusal when
 * no module takes the recipient) and its end.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#include "smtp-private.h"

static void smtp_mail_done(struct smtp_session *s,
    const struct gd_hook_result *r);
static void smtp_rcpt_done(struct smtp_session *s,
    const struct gd_hook_result *r);

static uint64_t
smtp_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

void
smtp_state_idle(struct smtp_session *s)
{
	smtp_enter_state(s, s->helo != NULL ? SMTP_S_READY : SMTP_S_GREETED);
}

void
smtp_txn_reset(struct smtp_session *s)
{
	struct gd_hook_result r;

	if (s->txn.active) {
		smtp_content_abort(s);
		smtp_hook_sync(s, SMTP_HOOK_RESET, NULL, &r);
	}
	memset(&s->txn, 0, sizeof(s->txn));
	if (s->stalled)
		gd_conn_resume_read(s->conn);
	s->hold_len = s->hold_off = 0;
	s->stalled = false;
	s->pending_end = SMTP_END_NONE;
	gd_pool_clear(s->txn_pool);
}

static struct smtp_parse_cfg
smtp_parse_cfg(const struct smtp_session *s)
{
	struct smtp_parse_cfg pc;

	memset(&pc, 0, sizeof(pc));
	/* REQUIRETLS is parsed in cleartext too, to refuse it with the
	 * right reply (530 5.7.10, RFC 8689 4.1), not as unknown. */
	pc.ext = smtp_ext_now(s) | (s->cfg->ext & SMTP_EXT_REQUIRETLS);
	pc.max_size = s->cfg->max_message_size;
	pc.max_holdfor = SMTP_MAX_HOLD;
	pc.now = (int64_t)time(NULL);
	return pc;
}

static const char *
smtp_txn_str(struct smtp_session *s, const char *v)
{
	return v != NULL && *v != '\0' ? gd_pool_strdup(s->txn_pool, v) : NULL;
}

/* The public view of a parsed MAIL (gumdrop/smtp.h). */
static void
smtp_mail_fill(struct smtp_session *s, const struct smtp_mail *m)
{
	struct gd_smtp_mail *g = &s->txn.mail;
	int64_t now = (int64_t)time(NULL);

	g->sender = gd_pool_strdup(s->txn_pool, m->path.addr);
	g->local_part = m->path.null ? NULL : smtp_txn_str(s, m->path.local);
	g->domain = m->path.null ? NULL : smtp_txn_str(s, m->path.domain);
	g->smtputf8 = m->smtputf8;
	g->body = (enum gd_smtp_body)m->body;
	g->size = m->size;
	g->ret = (enum gd_smtp_ret)m->ret;
	g->envid = smtp_txn_str(s, m->envid);
	g->requiretls = m->requiretls;
	g->has_priority = (m->given & SMTP_MP_MTPRIORITY) != 0;
	g->priority = m->mt_priority;
	if (m->given & SMTP_MP_HOLDFOR)
		g->hold_until = now + m->holdfor;
	else if (m->given & SMTP_MP_HOLDUNTIL)
		g->hold_until = m->holduntil;
	if (m->given & SMTP_MP_BY) {
		g->by_seconds = m->by_time;
		g->by_deadline = now + m->by_time;
		g->by_return = m->by_mode == 'R';
		g->by_trace = m->by_trace;
	}
	if ((m->given & SMTP_MP_AUTH) && strcmp(m->auth, "<>") != 0)
		g->auth = smtp_txn_str(s, m->auth);
}

/* The checks that need the session, not the syntax (RFC 6409, 8689). */
static bool
smtp_mail_allowed(struct smtp_session *s, const struct smtp_mail *m)
{
	bool need_auth = s->cfg->auth_required > 0 ||
	    (s->cfg->auth_required < 0 &&
	    s->proto == GD_SMTP_PROTO_SUBMISSION);

	if (need_auth && s->auth_user == NULL) {
		smtp_reply(s, 530, "5.7.0", "Authentication required");
		return false;
	}
	if (m->requiretls && !gd_conn_is_tls(s->conn)) {
		smtp_reply(s, 530, "5.7.10", "REQUIRETLS needs a TLS "
		    "connection");
		return false;
	}
	return true;
}

static void
smtp_txn_id(struct smtp_session *s)
{
	static __thread unsigned counter;
	uint64_t v = smtp_now_ms() ^ ((uint64_t)++counter << 44) ^
	    ((uint64_t)(uintptr_t)s << 8);

	snprintf(s->txn.id, sizeof(s->txn.id), "%016llx",
	    (unsigned long long)v);
}

void
smtp_cmd_mail(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_parse_cfg pc = smtp_parse_cfg(s);
	struct smtp_error err;
	struct smtp_mail *m;

	if (s->cfg->max_transactions != 0 &&
	    s->transactions >= s->cfg->max_transactions) {
		/* RFC 9422 MAILMAX: 421 and close. */
		smtp_close_421(s, "4.7.0", "Error: too many transactions",
		    "MAILMAX reached");
		return;
	}
	m = gd_pool_alloc(s->cmd_pool, sizeof(*m));
	if (smtp_mail_parse(cmd->args, cmd->args_len, &pc, m, &err) < 0) {
		smtp_reply_err(s, &err);
		if (err.code == 500 || err.code == 501)
			smtp_bad_command(s);
		return;
	}
	if (!smtp_mail_allowed(s, m))
		return;
	smtp_txn_reset(s);
	s->txn.active = true;
	s->txn.t_mail = smtp_now_ms();
	smtp_txn_id(s);
	smtp_mail_fill(s, m);
	smtp_hook_run(s, SMTP_HOOK_MAIL, &s->txn.mail, smtp_mail_done);
}

static void
smtp_mail_done(struct smtp_session *s, const struct gd_hook_result *r)
{
	switch (r->verdict) {
	case GD_VERDICT_CONTINUE:
		s->transactions++;
		smtp_enter_state(s, SMTP_S_MAIL);
		smtp_reply(s, 250, "2.1.0", "Sender <%s> OK",
		    s->txn.mail.sender);
		return;
	case GD_VERDICT_ACCEPT:
	case GD_VERDICT_DISCARD:
		s->transactions++;
		smtp_enter_state(s, SMTP_S_MAIL);
		smtp_reply_hook(s, r);
		return;
	default:
		smtp_txn_reset(s);
		smtp_reply_hook(s, r);
		return;
	}
}

/* ---- RCPT --------------------------------------------------------------- */

static struct gd_smtp_rcpt *
smtp_rcpt_make(struct smtp_session *s, const struct smtp_rcpt *r)
{
	struct gd_smtp_rcpt *g = gd_pool_alloc(s->txn_pool, sizeof(*g));

	g->index = s->txn.nrcpt;
	g->address = gd_pool_strdup(s->txn_pool, r->path.addr);
	g->local_part = gd_pool_strdup(s->txn_pool, r->path.local);
	g->domain = gd_pool_strdup(s->txn_pool, r->path.domain);
	g->notify = r->notify;
	g->orcpt_type = smtp_txn_str(s, r->orcpt_type);
	g->orcpt = smtp_txn_str(s, r->orcpt);
	return g;
}

void
smtp_cmd_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_parse_cfg pc = smtp_parse_cfg(s);
	struct smtp_error err;
	struct smtp_rcpt *r;

	if (s->txn.started) {
		/* The content (BDAT chunks) has begun: its trace and
		 * consumers were set up for the recipients so far. */
		smtp_reply(s, 503, "5.5.1", "RCPT after BDAT");
		return;
	}
	if (s->cfg->max_recipients != 0 &&
	    s->txn.nrcpt >= s->cfg->max_recipients) {
		smtp_reply(s, 452, "4.5.3", "Too many recipients");
		return;
	}
	r = gd_pool_alloc(s->cmd_pool, sizeof(*r));
	if (smtp_rcpt_parse(cmd->args, cmd->args_len, &pc,
	    s->txn.mail.smtputf8, r, &err) < 0) {
		smtp_reply_err(s, &err);
		if (err.code == 500 || err.code == 501)
			smtp_bad_command(s);
		return;
	}
	s->txn.candidate = smtp_rcpt_make(s, r);
	smtp_hook_run(s, SMTP_HOOK_RCPT, s->txn.candidate, smtp_rcpt_done);
}

static void
smtp_rcpt_add(struct smtp_session *s, struct gd_smtp_rcpt *g)
{
	struct smtp_txn *t = &s->txn;

	if (t->nrcpt == t->cap) {
		unsigned cap = t->cap == 0 ? 8 : t->cap * 2;
		struct gd_smtp_rcpt **r = gd_pool_alloc(s->txn_pool,
		    cap * sizeof(*r));
		struct smtp_rcpt_result *res = gd_pool_alloc(s->txn_pool,
		    cap * sizeof(*res));

		if (t->nrcpt > 0) {
			memcpy(r, t->rcpts, t->nrcpt * sizeof(*r));
			memcpy(res, t->results, t->nrcpt * sizeof(*res));
		}
		t->rcpts = r;
		t->results = res;
		t->cap = cap;
	}
	t->rcpts[t->nrcpt++] = g;
}

/* Nobody took the recipient (smtp.h, smtp.rcpt). */
static void
smtp_rcpt_default(struct smtp_session *s)
{
	if (s->proto == GD_SMTP_PROTO_LMTP)
		smtp_reply(s, 550, "5.1.1", "<%s>: No such user here",
		    s->txn.candidate->address);
	else if (s->auth_user != NULL || s->relay_client)
		smtp_reply(s, 451, "4.3.0", "<%s>: No route to this "
		    "recipient: no delivery or relay module took it",
		    s->txn.candidate->address);
	else
		smtp_reply(s, 550, "5.7.1", "<%s>: Relay access denied",
		    s->txn.candidate->address);
}

static void
smtp_rcpt_done(struct smtp_session *s, const struct gd_hook_result *r)
{
	struct gd_smtp_rcpt *g = s->txn.candidate;

	s->txn.candidate = NULL;
	switch (r->verdict) {
	case GD_VERDICT_CONTINUE:
		s->txn.candidate = g;
		smtp_rcpt_default(s);
		s->txn.candidate = NULL;
		return;
	case GD_VERDICT_ACCEPT:
	case GD_VERDICT_DISCARD:
		g->owner = r->module;
		smtp_rcpt_add(s, g);
		smtp_enter_state(s, SMTP_S_RCPT);
		smtp_reply_hook(s, r);
		return;
	default:
		smtp_reply_hook(s, r);
		return;
	}
}
