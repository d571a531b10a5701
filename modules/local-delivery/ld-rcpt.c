/*
 * ld-rcpt.c — smtp.rcpt: is the recipient ours, does it exist, is it
 * over quota?  The address is resolved on the loop (ld-resolve.c); the
 * realm lookup and the quota check are BLOCKING, so they run in the
 * blocking pool and the handler pends.  Accepted recipients are recorded
 * in the connection's state with the users they expand to (one entry per
 * user: duplicates get one copy).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local-delivery.h"

enum ld_outcome {
	LD_FOUND = 0,
	LD_UNKNOWN,
	LD_TEMP,
	LD_OVER_QUOTA,
};

/* ---- jobs ---------------------------------------------------------------- */

struct ld_job *
ld_job_new(struct ld_conn *lc, struct gd_smtp_session *s)
{
	struct ld_job *job = gd_xcalloc(1, sizeof(*job));

	job->lc = lc;
	job->session = s;
	job->pool = gd_pool_create("local-delivery-job");
	return job;
}

void
ld_job_free(struct ld_job *job)
{
	gd_mail_delivery_destroy(&job->delivery);
	gd_pool_destroy(&job->pool);
	free(job);
}

void
ld_job_orphan(struct ld_job *job)
{
	job->lc = NULL;
	job->session = NULL;
}

/* ---- the blocking part ------------------------------------------------- */

static void
ld_found_add(struct ld_job *job, const struct gd_realm_user *u)
{
	struct ld_target *t;
	unsigned i;

	for (i = 0; i < job->nfound; i++)
		if (strcmp(job->found[i].user, u->name) == 0)
			return;
	t = &job->found[job->nfound++];
	memset(t, 0, sizeof(*t));
	t->user = u->name;
	t->location = u->mail;
	t->quota_storage = u->quota_storage;
	t->quota_messages = u->quota_messages;
	if (ld_mod.cfg->detail_folders && job->res.detail != NULL &&
	    gd_mail_name_check(job->res.detail, NULL) == 0)
		t->folder = job->res.detail;
}

/* 1 found, 0 not, -1 the realm failed. */
static int
ld_lookup_name(struct ld_job *job, const char *name, bool qualify)
{
	struct gd_realm_user *u;
	const char *err = NULL;
	int ret;

	ret = job->realm->lookup(job->realm, name, job->pool, &u, &err);
	if (ret == 0 && qualify && strchr(name, '@') == NULL &&
	    job->domain[0] != '\0')
		ret = job->realm->lookup(job->realm, gd_pool_printf(job->pool,
		    "%s@%s", name, job->domain), job->pool, &u, &err);
	if (ret < 0)
		gd_log(GD_LOG_WARNING, "local-delivery.lookup", "user=%s "
		    "reason=\"%s\"", name, err != NULL ? err : "realm error");
	if (ret == 1)
		ld_found_add(job, u);
	return ret;
}

static int
ld_lookup_users(struct ld_job *job)
{
	unsigned i;

	for (i = 0; i < job->res.count; i++)
		if (ld_lookup_name(job, job->res.names[i],
		    !job->res.aliased) < 0)
			return -1;
	if (job->nfound == 0 && ld_mod.cfg->catch_all != NULL &&
	    !job->res.aliased &&
	    ld_lookup_name(job, ld_mod.cfg->catch_all, false) < 0)
		return -1;
	return 0;
}

/*
 * 1 over quota, 0 not (or not known), -1 failure.  Read-only
 * (gd_mail_user_quota): asking never creates a mailbox, so a refused or
 * abandoned recipient leaves no trace on disk; a user without one yet
 * uses nothing.
 */
static int
ld_over_quota(struct ld_job *job, const struct ld_target *t)
{
	struct gd_mail_user user = { .name = t->user, .location = t->location,
	    .quota_storage = t->quota_storage,
	    .quota_messages = t->quota_messages };
	struct gd_mail_quota q;
	struct gd_mail_error err;
	uint64_t need = job->size != 0 ? job->size : 1;

	if (gd_mail_user_quota(job->backend, &user, &q, &job->quota_permanent,
	    &err) < 0)
		return -1;
	return (q.storage_limit != 0 && q.storage_used + need >
	    q.storage_limit) || (q.messages_limit != 0 &&
	    q.messages_used + 1 > q.messages_limit);
}

/* Drop users over quota; all of them: the recipient is over quota. */
static void
ld_quota_filter(struct ld_job *job)
{
	unsigned i, kept = 0;

	for (i = 0; i < job->nfound; i++) {
		if (ld_over_quota(job, &job->found[i]) == 1) {
			gd_log(GD_LOG_INFO, "local-delivery.quota", "user=%s "
			    "rcpt=%s result=over-quota", job->found[i].user,
			    job->address);
			continue;
		}
		job->found[kept++] = job->found[i];
	}
	if (kept == 0)
		job->outcome = LD_OVER_QUOTA;
	else
		job->nfound = kept;
}

static void
ld_lookup_work(void *arg)
{
	struct ld_job *job = arg;

	if (ld_lookup_users(job) < 0) {
		job->outcome = LD_TEMP;
		return;
	}
	if (job->nfound == 0) {
		job->outcome = LD_UNKNOWN;
		return;
	}
	job->outcome = LD_FOUND;
	if (ld_mod.cfg->quota_check && !job->res.postmaster)
		ld_quota_filter(job);
}

/* ---- back on the loop ---------------------------------------------------- */

static void
ld_rcpt_record(struct ld_conn *lc, struct ld_job *job)
{
	struct ld_rcpt *grown, *r;
	unsigned i;

	if (lc->nrcpts == lc->rcap) {
		lc->rcap = lc->rcap == 0 ? 4 : lc->rcap * 2;
		grown = gd_pool_alloc(lc->pool, lc->rcap * sizeof(*grown));
		if (lc->nrcpts > 0)
			memcpy(grown, lc->rcpts, lc->nrcpts * sizeof(*grown));
		lc->rcpts = grown;
	}
	r = &lc->rcpts[lc->nrcpts++];
	r->smtp_index = job->smtp_index;
	r->address = gd_pool_strdup(lc->pool, job->address);
	r->ntargets = job->nfound;
	r->targets = gd_pool_alloc(lc->pool, job->nfound * sizeof(unsigned));
	for (i = 0; i < job->nfound; i++)
		r->targets[i] = ld_conn_target(lc, &job->found[i]);
}

static enum gd_verdict
ld_rcpt_reply(const struct ld_job *job, char *text, size_t size,
    struct gd_reply *reply)
{
	bool perm = ld_mod.cfg->over_quota == LD_OQ_BACKEND ?
	    job->quota_permanent : ld_mod.cfg->over_quota == LD_OQ_PERMANENT;

	switch (job->outcome) {
	case LD_FOUND:
		*reply = (struct gd_reply){ 250, "2.1.5", text };
		snprintf(text, size, "<%s> OK", job->address);
		return GD_VERDICT_ACCEPT;
	case LD_UNKNOWN:
		*reply = (struct gd_reply){ 550, "5.1.1", text };
		snprintf(text, size, "<%s>: No such user here", job->address);
		return GD_VERDICT_REJECT;
	case LD_OVER_QUOTA:
		*reply = (struct gd_reply){ perm ? 552 : 452,
		    perm ? "5.2.2" : "4.2.2", text };
		snprintf(text, size, "<%s>: Mailbox full", job->address);
		return perm ? GD_VERDICT_REJECT : GD_VERDICT_TEMPFAIL;
	default:
		*reply = (struct gd_reply){ 451, "4.3.0", text };
		snprintf(text, size, "<%s>: User lookup failed; try again "
		    "later", job->address);
		return GD_VERDICT_TEMPFAIL;
	}
}

static void
ld_lookup_done(void *arg)
{
	struct ld_job *job = arg;
	struct gd_reply reply;
	enum gd_verdict v;
	char text[400];

	if (job->lc != NULL)
		job->lc->job = NULL;
	if (job->outcome == LD_UNKNOWN && job->res.postmaster)
		gd_log(GD_LOG_ERROR, "local-delivery.postmaster", "rcpt=%s "
		    "reason=\"no user or alias for postmaster (RFC 5321 "
		    "4.5.1): add one to local-delivery: aliases\"",
		    job->address);
	v = ld_rcpt_reply(job, text, sizeof(text), &reply);
	if (v == GD_VERDICT_ACCEPT && job->lc != NULL)
		ld_rcpt_record(job->lc, job);
	gd_hook_resume(job->pending, v, &reply);
	ld_job_free(job);
}

/* ---- the handler ------------------------------------------------------- */

static int
ld_rcpt_services(struct ld_job *job)
{
	struct gd_mail_error merr;
	const char *err = NULL;

	job->realm = gd_realm_find(ld_mod.cfg->realm, &err);
	job->backend = gd_mail_backend_find(ld_mod.cfg->storage, &merr);
	if (job->realm != NULL && job->backend != NULL)
		return 0;
	gd_log(GD_LOG_ERROR, "local-delivery.config", "reason=\"%s\"",
	    job->realm == NULL ? (err != NULL ? err : "no realm") :
	    merr.text);
	return -1;
}

enum gd_verdict
ld_rcpt_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = ld_mod.smtp->session(call);
	const struct gd_smtp_rcpt *r = gd_hook_call_arg(call);
	const struct gd_smtp_mail *m = ld_mod.smtp->mail(s);
	struct ld_conn *lc;
	struct ld_job *job;
	int ret;

	(void)ctx; (void)data;
	job = ld_job_new(NULL, s);
	ret = ld_resolve(ld_mod.cfg, r->local_part, r->domain, job->pool,
	    &job->res);
	if (ret == 0) {
		ld_job_free(job);
		return GD_VERDICT_CONTINUE;		/* not ours */
	}
	if (ret < 0 || ld_rcpt_services(job) < 0) {
		ld_job_free(job);
		return ld_mod.smtp->reason_reply(GD_SMTP_REASON_TEMPORARY,
		    reply_r);
	}
	lc = ld_conn_get(s, true);
	job->lc = lc;
	job->smtp_index = r->index;
	job->address = gd_pool_strdup(job->pool, r->address);
	job->domain = gd_pool_strdup(job->pool, r->domain);
	job->size = m != NULL ? m->size : 0;
	job->pending = gd_hook_pend(call);
	lc->job = job;
	if (gd_work_submit(gd_hook_call_loop(call), ld_lookup_work,
	    ld_lookup_done, job) < 0) {
		lc->job = NULL;
		job->outcome = LD_TEMP;
		gd_hook_resume(job->pending, GD_VERDICT_TEMPFAIL, NULL);
		ld_job_free(job);
	}
	return GD_VERDICT_PENDING;
}
