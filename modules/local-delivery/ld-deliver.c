/*
 * ld-deliver.c — smtp.data and smtp.data-end for the recipients this
 * module owns.  At smtp.data a delivery (mail-deliver.h) is made with
 * one entry per user, `Return-Path: <sender>` is written as its first
 * line (RFC 5321 4.4: the final delivery adds it), and our consumer
 * (ld-copy.c) is pushed onto the content stream: the content goes to one
 * spool file as it arrives, never held in memory.  At smtp.data-end the
 * fields other modules added are inserted below Return-Path (every copy
 * gets them; the spool is not rewritten), a quarantine sends the copies
 * to \Junk, then the delivery runs in the blocking pool (fsync
 * included) and the handler pends; the reply leaves only once every
 * copy is durable.
 *
 * Results: each recipient gets its own (LMTP sends them, RFC 2033 4.2).
 * SMTP gets one reply: 250 when every copy is stored; otherwise the
 * first temporary failure (the client retries) or else the first
 * permanent one.
 */
#include <stdio.h>
#include <string.h>

#include "local-delivery.h"

enum gd_verdict
ld_data_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = ld_mod.smtp->session(call);
	const struct gd_smtp_data *arg = gd_hook_call_arg(call);
	const struct gd_smtp_mail *m = ld_mod.smtp->mail(s);
	struct ld_conn *lc = ld_conn_get(s, false);
	const struct gd_mail_backend *b;
	struct gd_mail_error err;
	struct gd_mail_delivery *d;
	char *rp;
	unsigned i;

	(void)ctx; (void)data;
	if (lc == NULL || lc->nrcpts == 0)
		return GD_VERDICT_CONTINUE;
	if ((b = gd_mail_backend_find(ld_mod.cfg->storage, &err)) == NULL ||
	    (d = gd_mail_delivery_create(b, &err)) == NULL) {
		gd_log(GD_LOG_ERROR, "local-delivery.spool", "session=%s "
		    "reason=\"%s\"", ld_mod.smtp->id(s), err.text);
		return ld_mod.smtp->reason_reply(GD_SMTP_REASON_TEMPORARY,
		    reply_r);
	}
	for (i = 0; i < lc->ntargets; i++) {
		struct ld_target *t = &lc->targets[i];
		struct gd_mail_user user = { .name = t->user,
		    .location = t->location,
		    .quota_storage = t->quota_storage,
		    .quota_messages = t->quota_messages };

		t->index = gd_mail_delivery_add(d, &user, t->folder,
		    t->folder != NULL ? GD_MAIL_DELIVER_FALLBACK : 0);
	}
	gd_mail_delivery_set_sender(d, m->sender);
	rp = gd_pool_printf(lc->pool, "Return-Path: <%s>\r\n", m->sender);
	if (gd_mail_delivery_write(d, rp, strlen(rp), &err) < 0) {
		gd_mail_delivery_destroy(&d);
		return ld_mod.smtp->reason_reply(GD_SMTP_REASON_TEMPORARY,
		    reply_r);
	}
	lc->fields_at = gd_mail_delivery_size(d);
	ld_copy_push(arg->stream, s, d, lc->pool);
	lc->delivery = d;
	return GD_VERDICT_CONTINUE;
}

/* ---- results ---------------------------------------------------------- */

/* How bad a result is: 0 stored, 1 permanent failure, 2 temporary. */
static int
ld_severity(const struct gd_mail_rcpt_result *res)
{
	bool perm;

	switch (res->status) {
	case GD_MAIL_DELIVERED:
		return 0;
	case GD_MAIL_DELIVER_OVERQUOTA:
		perm = ld_mod.cfg->over_quota == LD_OQ_BACKEND ?
		    res->permanent : ld_mod.cfg->over_quota == LD_OQ_PERMANENT;
		return perm ? 1 : 2;
	case GD_MAIL_DELIVER_PERMFAIL:
		return 1;
	default:
		return 2;
	}
}

static enum gd_verdict
ld_result_reply(const struct gd_mail_rcpt_result *res, const char *addr,
    char *text, size_t size, struct gd_reply *reply)
{
	int sev = ld_severity(res);

	if (sev == 0) {
		*reply = (struct gd_reply){ 250, "2.0.0", text };
		snprintf(text, size, "<%s> Delivered", addr);
		return GD_VERDICT_ACCEPT;
	}
	if (res->status == GD_MAIL_DELIVER_OVERQUOTA) {
		*reply = (struct gd_reply){ sev == 1 ? 552 : 452,
		    sev == 1 ? "5.2.2" : "4.2.2", text };
		snprintf(text, size, "<%s>: Mailbox full", addr);
	} else if (sev == 1 && res->error.code == GD_MAIL_ERR_LIMIT) {
		*reply = (struct gd_reply){ 552, "5.3.4", text };
		snprintf(text, size, "<%s>: Message too big for this mailbox",
		    addr);
	} else if (sev == 1) {
		*reply = (struct gd_reply){ 550, "5.2.0", text };
		snprintf(text, size, "<%s>: Mailbox unavailable", addr);
	} else {
		*reply = (struct gd_reply){ 451, "4.3.0", text };
		snprintf(text, size, "<%s>: Temporary local problem; try "
		    "again later", addr);
	}
	return sev == 1 ? GD_VERDICT_REJECT : GD_VERDICT_TEMPFAIL;
}

/* The result deciding a recipient: its worst user's. */
static const struct gd_mail_rcpt_result *
ld_rcpt_result(const struct ld_conn *lc, const struct ld_rcpt *r,
    const struct gd_mail_delivery *d)
{
	const struct gd_mail_rcpt_result *worst = NULL, *res;
	unsigned i;

	for (i = 0; i < r->ntargets; i++) {
		res = gd_mail_delivery_result(d,
		    lc->targets[r->targets[i]].index);
		if (worst == NULL || ld_severity(res) > ld_severity(worst))
			worst = res;
	}
	return worst;
}

/* Set each recipient's result; the SMTP verdict and reply. */
static enum gd_verdict
ld_results(struct ld_job *job, char *text, size_t size,
    struct gd_reply *reply)
{
	struct ld_conn *lc = job->lc;
	const struct gd_mail_rcpt_result *res, *worst = NULL;
	const char *worst_addr = NULL;
	struct gd_reply r;
	char buf[400];
	unsigned i;

	for (i = 0; i < lc->nrcpts; i++) {
		res = ld_rcpt_result(lc, &lc->rcpts[i], job->delivery);
		ld_mod.smtp->rcpt_set_result(job->session,
		    lc->rcpts[i].smtp_index, ld_result_reply(res,
		    lc->rcpts[i].address, buf, sizeof(buf), &r), &r);
		if (worst == NULL || ld_severity(res) > ld_severity(worst)) {
			worst = res;
			worst_addr = lc->rcpts[i].address;
		}
	}
	if (ld_severity(worst) > 0)
		return ld_result_reply(worst, worst_addr, text, size, reply);
	/* Every copy is stored; recipients of other modules are theirs. */
	if (lc->nrcpts < ld_mod.smtp->rcpt_count(job->session))
		return GD_VERDICT_CONTINUE;
	*reply = (struct gd_reply){ 250, "2.0.0", "Ok: delivered" };
	return GD_VERDICT_ACCEPT;
}

static void
ld_deliver_done(void *arg, struct gd_mail_delivery *d)
{
	struct ld_job *job = arg;
	struct gd_reply reply = { 0, NULL, NULL };
	enum gd_verdict v = GD_VERDICT_TEMPFAIL;
	char text[400];

	(void)d;
	if (job->lc != NULL) {
		job->lc->job = NULL;
		v = ld_results(job, text, sizeof(text), &reply);
	}
	gd_hook_resume(job->pending, v, &reply);
	ld_job_free(job);
}

/*
 * What other modules asked of the copy (gumdrop/smtp.h): their fields
 * below Return-Path, and the quarantine.  Reading them makes them final.
 */
static void
ld_deliver_copy(struct ld_conn *lc, struct gd_smtp_session *s)
{
	const char *fields, *why;
	char q[GD_SMTP_QUARANTINE_REASON_MAX * 4 + 8];
	size_t len;

	fields = ld_mod.smtp->delivery_fields(s, &len);
	if (len > 0)
		gd_mail_delivery_insert(lc->delivery, lc->fields_at, fields,
		    len);
	if ((why = ld_mod.smtp->quarantined(s)) == NULL)
		return;
	gd_mail_delivery_set_junk(lc->delivery, ld_mod.cfg->junk_folder);
	gd_log(GD_LOG_NOTICE, "local-delivery.quarantine", "session=%s id=%s "
	    "folder=%s reason=%s", ld_mod.smtp->id(s),
	    ld_mod.smtp->transaction_id(s), ld_mod.cfg->junk_folder,
	    gd_log_quote(q, sizeof(q), why));
}

enum gd_verdict
ld_data_end_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = ld_mod.smtp->session(call);
	struct ld_conn *lc = ld_conn_get(s, false);
	struct ld_job *job;
	static const struct gd_reply shutting = { 451, "4.3.2",
	    "Shutting down; try again later" };

	(void)ctx; (void)data; (void)reply_r;
	if (lc == NULL || lc->delivery == NULL)
		return GD_VERDICT_CONTINUE;
	ld_deliver_copy(lc, s);
	job = ld_job_new(lc, s);
	job->delivery = lc->delivery;
	lc->delivery = NULL;
	job->pending = gd_hook_pend(call);
	lc->job = job;
	if (gd_mail_delivery_finish(job->delivery, gd_hook_call_loop(call),
	    ld_deliver_done, job) < 0) {
		lc->job = NULL;
		gd_hook_resume(job->pending, GD_VERDICT_TEMPFAIL, &shutting);
		ld_job_free(job);
	}
	return GD_VERDICT_PENDING;
}
