/*
 * smtp-hooks.c — running the smtp.* hook points for a session.
 *
 * One chain at a time per session: while one pends, reading is paused, so
 * no later command can start another (and replies keep their order).
 */
#include <string.h>

#include "smtp-private.h"

static void
smtp_hook_done(struct gd_hook_call *call, const struct gd_hook_result *r)
{
	struct smtp_session *s = gd_hook_call_context(call);
	smtp_hook_cb *cb = s->call_cb;

	GD_CHECK_MAGIC(s, SMTP_SESSION_MAGIC);
	s->call_pending = false;
	s->call_cb = NULL;
	gd_conn_resume_read(s->conn);
	cb(s, r);
}

static struct gd_hook_point *
smtp_point(const struct smtp_session *s, enum smtp_point p)
{
	return s->mod != NULL ? s->mod->points[p] : NULL;
}

void
smtp_hook_run(struct smtp_session *s, enum smtp_point p, void *arg,
    smtp_hook_cb *cb)
{
	static const struct gd_hook_result none = {
		.verdict = GD_VERDICT_CONTINUE,
	};
	struct gd_hook_point *point = smtp_point(s, p);

	assert(!s->call_pending);
	if (point == NULL) {
		cb(s, &none);
		return;
	}
	gd_hook_call_init(&s->call, point, gd_conn_loop(s->conn), s, arg,
	    s->cmd_pool, smtp_hook_done);
	if (gd_hook_run(&s->call) == 0) {
		s->call_pending = true;
		s->call_cb = cb;
		gd_conn_pause_read(s->conn);
		return;
	}
	cb(s, gd_hook_call_result(&s->call));
}

enum gd_verdict
smtp_hook_sync(struct smtp_session *s, enum smtp_point p, void *arg,
    struct gd_hook_result *r_out)
{
	struct gd_hook_point *point = smtp_point(s, p);
	struct gd_hook_call call;

	memset(r_out, 0, sizeof(*r_out));
	r_out->verdict = GD_VERDICT_CONTINUE;
	if (point == NULL)
		return GD_VERDICT_CONTINUE;
	/* SYNC points: no handler may pend, so no `done`. */
	gd_hook_call_init(&call, point, gd_conn_loop(s->conn), s, arg,
	    s->cmd_pool, NULL);
	if (gd_hook_run(&call) == 1)
		*r_out = *gd_hook_call_result(&call);
	return r_out->verdict;
}

void
smtp_hook_cancel(struct smtp_session *s)
{
	if (!s->call_pending)
		return;
	gd_hook_call_cancel(&s->call);
	s->call_pending = false;
	s->call_cb = NULL;
}

/* What hooks.h checks, for replies given through rcpt_set_result. */
bool
smtp_reply_valid(enum gd_verdict verdict, const struct gd_reply *r)
{
	unsigned want;
	const char *p;

	switch (verdict) {
	case GD_VERDICT_ACCEPT:
		want = 2;
		break;
	case GD_VERDICT_REJECT:
		want = 5;
		break;
	case GD_VERDICT_TEMPFAIL:
		want = 4;
		break;
	default:
		return false;
	}
	if (r == NULL || r->code == 0)
		return true;
	if (r->code / 100 != want || r->code > 599 || r->code == 421)
		return false;
	if (r->enhanced != NULL && !smtp_enhanced_valid(r->enhanced, r->code))
		return false;
	if (r->text == NULL)
		return true;
	if (strlen(r->text) > GD_REPLY_TEXT_MAX)
		return false;
	for (p = r->text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return false;
	return true;
}
