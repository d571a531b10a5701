/*
 * dmarc-reporter.c — when the aggregate reports are built: a libev timer
 * on worker loop 0 fires shortly after start-up (periods closed while
 * the daemon was down) and then just after each period's end; each time
 * one job on the blocking pool (gd_work_submit) builds every closed
 * period (dmarc_report_run), so the loop never waits for the disk.  At
 * most one job runs at a time; its completion re-arms the timer.
 */
#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmarc-private.h"

struct dmarc_reporter {
	ev_timer timer;
	struct gd_loop *loop;		/* NULL: stopped */
	const struct dmarc_config *cfg;
	bool busy;			/* a job is on the pool */
};

/* One job: its own copy of the builder's settings and the outcome. */
struct dmarc_report_job {
	struct dmarc_report_conf conf;
	struct dmarc_report_stats st;
	const char *error;
	int failed;
};

static struct dmarc_reporter dmarc_reporter;

/* Seconds until 2 s after the current period's end. */
static double
dmarc_reporter_next(const struct dmarc_config *cfg)
{
	long long period = (long long)(cfg->interval_ms / 1000), now;

	if (period < 1)
		period = 1;
	now = (long long)time(NULL);
	return (double)((now / period + 1) * period + 2 - now);
}

static void
dmarc_reporter_work(void *arg)
{
	struct dmarc_report_job *job = arg;

	job->failed = dmarc_report_run(&job->conf, time(NULL), &job->st,
	    &job->error);
}

static void
dmarc_reporter_done(void *arg)
{
	struct dmarc_report_job *job = arg;
	struct dmarc_reporter *r = &dmarc_reporter;

	if (job->st.reports > 0 || job->st.empty > 0 || job->failed > 0)
		gd_log(job->failed > 0 ? GD_LOG_WARNING : GD_LOG_INFO,
		    "dmarc.report", "reports=%u records=%u skipped-lines=%u "
		    "empty=%u failed=%d reason=\"%s\"", job->st.reports,
		    job->st.records, job->st.skipped, job->st.empty,
		    job->failed, job->error != NULL ? job->error : "-");
	free(job);
	r->busy = false;
	if (r->loop == NULL)
		return;
	ev_timer_set(&r->timer, dmarc_reporter_next(r->cfg), 0.);
	ev_timer_start(gd_loop_ev(r->loop), &r->timer);
}

static void
dmarc_reporter_fire(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct dmarc_reporter *r = &dmarc_reporter;
	struct dmarc_report_job *job;

	(void)revents;
	ev_timer_stop(ev, w);
	if (r->busy || (job = calloc(1, sizeof(*job))) == NULL)
		return;
	job->conf.spool = r->cfg->spool;
	job->conf.org_name = r->cfg->org_name;
	job->conf.email = r->cfg->email;
	job->conf.receiver = r->cfg->receiver;
	job->conf.format = r->cfg->format;
	job->conf.discovery = r->cfg->method == GD_DMARC_METHOD_PSL ? "psl" :
	    "treewalk";
	r->busy = true;
	if (gd_work_submit(r->loop, dmarc_reporter_work, dmarc_reporter_done,
	    job) != 0) {
		r->busy = false;
		free(job);
	}
}

int
dmarc_reporter_start(struct gd_loop *loop, const struct dmarc_config *cfg)
{
	struct dmarc_reporter *r = &dmarc_reporter;

	if (cfg->spool == NULL || gd_loop_index(loop) != 0)
		return 0;
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->cfg = cfg;
	ev_timer_init(&r->timer, dmarc_reporter_fire, 0.5, 0.);
	ev_timer_start(gd_loop_ev(loop), &r->timer);
	return 0;
}

void
dmarc_reporter_stop(struct gd_loop *loop)
{
	struct dmarc_reporter *r = &dmarc_reporter;

	if (r->loop != loop)
		return;
	ev_timer_stop(gd_loop_ev(loop), &r->timer);
	r->loop = NULL;
}
