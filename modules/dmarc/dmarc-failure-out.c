/*
 * dmarc-failure-out.c — the daemon side of failure reports: the original
 * header collected from the header subscription (bounded), the rate
 * limit (reports.failure-per-hour, shared by all workers), and the
 * report written to SPOOL/out/failure!DOMAIN!TIME!ID.eml with its
 * envelope (.json: the ruf= list) on a pool thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>

#include <gnutls/crypto.h>
#include <jansson.h>

#include "dmarc-private.h"
#include "dmarc-failure.h"

static pthread_mutex_t dmarc_failure_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t dmarc_failure_hour;
static unsigned dmarc_failure_sent;

void
dmarc_failure_collect(struct dmarc_buf *b, bool *cut,
    const struct gd_msg_field *f)
{
	size_t need = f->name_len + 1 + f->raw_len + 2;

	if (*cut || b->len + need > DMARC_FAILURE_HEADER_MAX) {
		*cut = true;
		return;
	}
	dmarc_buf_add(b, f->name, f->name_len);
	dmarc_buf_add(b, ":", 1);
	dmarc_buf_add(b, f->raw, f->raw_len);
	dmarc_buf_add(b, "\r\n", 2);
}

/* One more report this clock hour, unless the limit is reached. */
static bool
dmarc_failure_allow(unsigned per_hour, time_t now)
{
	bool ok;

	pthread_mutex_lock(&dmarc_failure_lock);
	if (now / 3600 != dmarc_failure_hour) {
		dmarc_failure_hour = now / 3600;
		dmarc_failure_sent = 0;
	}
	ok = dmarc_failure_sent < per_hour;
	if (ok)
		dmarc_failure_sent++;
	pthread_mutex_unlock(&dmarc_failure_lock);
	return ok;
}

struct dmarc_failure_job {
	struct dmarc_buf msg;
	char *envelope;
	char dir[4096], name[600], env_name[600];
	int rc;
};

static void
dmarc_failure_work(void *arg)
{
	struct dmarc_failure_job *j = arg;

	j->rc = -1;
	if ((mkdir(j->dir, 0750) != 0 && errno != EEXIST) ||
	    dmarc_report_write(j->dir, j->name, j->msg.p, j->msg.len) != 0 ||
	    dmarc_report_write(j->dir, j->env_name, j->envelope,
	    strlen(j->envelope)) != 0)
		return;
	j->rc = 0;
}

static void
dmarc_failure_done(void *arg)
{
	struct dmarc_failure_job *j = arg;

	gd_log(j->rc == 0 ? GD_LOG_INFO : GD_LOG_WARNING, "dmarc.failure",
	    "report=%s written=%s", j->name, j->rc == 0 ? "yes" : "no");
	dmarc_buf_free(&j->msg);
	free(j->envelope);
	free(j);
}

static char *
dmarc_failure_envelope(const char *name, const struct gd_dmarc_record *r,
    enum dmarc_failure_kind kind)
{
	json_t *o = json_object(), *ruf = json_array();
	char *s = NULL;
	size_t i;

	for (i = 0; ruf != NULL && i < r->nruf; i++)
		(void)json_array_append_new(ruf, json_string(r->ruf[i].uri));
	if (o != NULL && ruf != NULL &&
	    json_object_set_new(o, "report", json_string(name)) == 0 &&
	    json_object_set_new(o, "auth-failure", json_string(
	    kind == DMARC_FAILURE_DKIM ? "dkim" : kind == DMARC_FAILURE_SPF ?
	    "spf" : "dmarc")) == 0 && json_object_set(o, "ruf", ruf) == 0)
		s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(ruf);
	json_decref(o);
	return s;
}

/* 16 random hex digits. */
static void
dmarc_failure_id(char *buf, size_t size)
{
	unsigned char r[8] = { 0 };
	size_t i;

	(void)gnutls_rnd(GNUTLS_RND_NONCE, r, sizeof(r));
	for (i = 0; i < sizeof(r) && 2 * i + 2 < size; i++)
		(void)snprintf(buf + 2 * i, 3, "%02x", r[i]);
}

/* The facts of the message and the report's identity. */
static void
dmarc_failure_fill(struct dmarc_failure_msg *m, const struct dmarc_config *cfg,
    const struct dmarc_failure_src *src, char *id, char *msgid, size_t size)
{
	const struct gd_dmarc_input *in = src->in;

	dmarc_failure_id(id, 17);
	(void)snprintf(msgid, size, "%s.failure@%s", id, cfg->authserv_id);
	memset(m, 0, sizeof(*m));
	m->reporter = cfg->email;
	m->to = src->o->record.ruf[0].uri;
	m->user_agent = "gumdrop-dmarc/1.0";
	m->message_id = msgid;
	m->boundary = id;
	m->from_domain = src->o->from_domain;
	m->source_ip = in->client_ip != NULL ? in->client_ip : "unknown";
	m->mail_from = src->mail_from != NULL && *src->mail_from != '\0' ?
	    src->mail_from : NULL;
	m->auth_results = src->auth_results;
	if (in->ndkim > 0) {
		m->dkim_domain = in->dkim[0].domain;
		m->dkim_selector = in->dkim[0].selector;
	}
	m->arrival = src->now;
	m->header = src->header->p != NULL ? src->header->p : "";
	m->header_len = src->header->len;
	m->truncated = src->header_cut;
}

void
dmarc_failure_report(const struct dmarc_config *cfg,
    const struct dmarc_failure_src *src)
{
	struct dmarc_failure_job *j;
	struct dmarc_failure_msg m;
	enum dmarc_failure_kind kind;
	char id[17], msgid[300];

	if (cfg->spool == NULL || src->o->from_domain == NULL ||
	    !src->o->has_record || src->o->record.nruf == 0 ||
	    (kind = dmarc_failure_wanted(src->o->record.fo, src->in,
	    src->o)) == DMARC_FAILURE_NONE)
		return;
	if (!dmarc_failure_allow(cfg->failure_per_hour, src->now)) {
		gd_log(GD_LOG_INFO, "dmarc.failure", "domain=%s "
		    "reason=rate-limited", src->o->from_domain);
		return;
	}
	dmarc_failure_fill(&m, cfg, src, id, msgid, sizeof(msgid));
	m.kind = kind;
	j = gd_xcalloc(1, sizeof(*j));
	(void)snprintf(j->dir, sizeof(j->dir), "%s/out", cfg->spool);
	(void)snprintf(j->name, sizeof(j->name), "failure!%s!%lld!%s.eml",
	    src->o->from_domain, (long long)src->now, id);
	(void)snprintf(j->env_name, sizeof(j->env_name),
	    "failure!%s!%lld!%s.json", src->o->from_domain,
	    (long long)src->now, id);
	j->envelope = dmarc_failure_envelope(j->name, &src->o->record, kind);
	if (j->envelope == NULL || dmarc_failure_build(&j->msg, &m) != 0 ||
	    gd_work_submit(gd_loop_current(), dmarc_failure_work,
	    dmarc_failure_done, j) != 0) {
		j->rc = -1;
		dmarc_failure_done(j);
	}
}
