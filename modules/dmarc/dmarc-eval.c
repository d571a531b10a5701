/*
 * dmarc-eval.c — one DMARC evaluation, asynchronous over the DNS ops:
 *   DISCOVER  the policy record and the From domain's organizational
 *             domain (RFC 9989 tree walk: every name of the walk asked
 *             in parallel; RFC 7489: the From domain and its PSL
 *             organizational domain);
 *   ALIGN     relaxed alignment of an identifier under the tree walk
 *             needs that identifier's own walk (answers are shared:
 *             each name is asked once per evaluation);
 *   EXIST     np=: whether the From domain exists (A, AAAA, MX);
 * then the policy and verdict (dmarc-policy.c).  A message with several
 * author domains runs one such evaluation per domain under a parent
 * that picks the outcome (dmarc-authors.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc-engine.h"

#define DMARC_EVAL_MAGIC	0x444d4556u	/* "DMEV" */
/* Names asked at most: the From walk, then one walk per identifier. */
#define DMARC_NAMES_MAX		(DMARC_WALK_MAX * (DMARC_DKIM_MAX + 2) + 3)

enum dmarc_phase {
	DMARC_PHASE_DISCOVER = 0,
	DMARC_PHASE_ALIGN,
	DMARC_PHASE_EXIST,
	DMARC_PHASE_DONE,
};

struct dmarc_name {
	struct gd_dmarc_eval *ev;
	char name[DMARC_NAME_MAX];
	int rrtype;
	void *query;
	bool done;
	enum dmarc_found found;		/* TXT */
	enum gd_dns_status status;	/* any type */
	struct gd_dmarc_record *rec;
};

struct dmarc_sig {
	struct gd_dmarc_dkim_sig pub;
	char d[DMARC_NAME_MAX];
	char s[64];
	char b[24];
};

struct gd_dmarc_eval {
	uint32_t magic;
	enum gd_dmarc_method method;
	const struct gd_dmarc_dns_ops *ops;
	void *ops_ctx;
	gd_dmarc_done_fn *done;
	void *arg;
	enum dmarc_phase phase;
	unsigned pending;
	bool starting;
	bool completed;
	enum gd_dmarc_auth spf;
	unsigned sample;
	char from[DMARC_NAME_MAX];
	char spf_domain[DMARC_NAME_MAX];
	char policy_domain[DMARC_NAME_MAX];
	char org[DMARC_NAME_MAX];
	size_t nsigs;
	struct dmarc_sig sigs[DMARC_DKIM_MAX];
	size_t nnames;
	struct dmarc_name names[DMARC_NAMES_MAX];
	struct gd_dmarc_outcome out;
	/* Several author domains: one evaluation each (dmarc-authors.c). */
	size_t nsub, sub_pending;
	bool authors_over;		/* more domains than evaluated */
	struct gd_dmarc_eval *sub[DMARC_FROM_MAX];
};

static void dmarc_eval_advance(struct gd_dmarc_eval *ev);
static void dmarc_eval_finish(struct gd_dmarc_eval *ev,
    enum gd_dmarc_result result, const char *reason);
static void dmarc_discover_done(struct gd_dmarc_eval *ev);
static void dmarc_align_start(struct gd_dmarc_eval *ev);
static void dmarc_align_done(struct gd_dmarc_eval *ev);
static void dmarc_exist_done(struct gd_dmarc_eval *ev);
static void dmarc_authors_finish(struct gd_dmarc_eval *ev);

/* ---- the name table ----------------------------------------------------- */

static struct dmarc_name *
dmarc_name_find(struct gd_dmarc_eval *ev, const char *name, int rrtype)
{
	size_t i;

	for (i = 0; i < ev->nnames; i++)
		if (ev->names[i].rrtype == rrtype &&
		    strcmp(ev->names[i].name, name) == 0)
			return &ev->names[i];
	return NULL;
}

static void
dmarc_txt_answer(struct dmarc_name *n, const struct gd_dns_result *res)
{
	struct gd_dmarc_record rec;
	const char *error;
	size_t i, count = 0;
	int last = 0, r;

	for (i = 0; i < res->count; i++) {
		r = dmarc_record_parse(res->txt[i].text, res->txt[i].text_len,
		    n->ev->method, &rec, &error);
		if (r == 0)
			continue;
		if (count++ == 0) {
			n->rec = malloc(sizeof(*n->rec));
			if (n->rec == NULL)
				abort();
			dmarc_record_copy(n->rec, &rec);
		}
		last = r;
	}
	/* RFC 7489 6.6.3 / RFC 9989 4.10: none, or several: no record. */
	if (count == 1)
		n->found = last == 1 ? DMARC_FOUND_RECORD : DMARC_FOUND_INVALID;
}

static void
dmarc_name_answer(const struct gd_dns_result *res, void *arg)
{
	struct dmarc_name *n = arg;
	struct gd_dmarc_eval *ev = n->ev;

	n->query = NULL;
	n->done = true;
	n->status = res->status;
	n->found = DMARC_FOUND_NONE;
	if (n->rrtype == GD_DNS_TXT) {
		if (res->status == GD_DNS_OK)
			dmarc_txt_answer(n, res);
		else if (res->status != GD_DNS_NXDOMAIN &&
		    res->status != GD_DNS_NODATA)
			n->found = DMARC_FOUND_TEMPFAIL;
	}
	if (--ev->pending == 0)
		dmarc_eval_advance(ev);
}

/* Ask for `name` (TXT: at _dmarc.name) unless it was asked already. */
static void
dmarc_name_request(struct gd_dmarc_eval *ev, const char *name, int rrtype)
{
	char qname[DMARC_NAME_MAX + 8];
	struct dmarc_name *n;

	if (dmarc_name_find(ev, name, rrtype) != NULL ||
	    ev->nnames == DMARC_NAMES_MAX)
		return;
	n = &ev->names[ev->nnames++];
	n->ev = ev;
	n->rrtype = rrtype;
	(void)snprintf(n->name, sizeof(n->name), "%s", name);
	(void)snprintf(qname, sizeof(qname), "%s%s",
	    rrtype == GD_DNS_TXT ? "_dmarc." : "", name);
	ev->pending++;
	n->query = ev->ops->resolve(ev->ops_ctx, qname, rrtype,
	    dmarc_name_answer, n);
}

/* The walk steps of `domain` from the table (unasked names: NONE). */
static unsigned
dmarc_walk_steps(struct gd_dmarc_eval *ev, const char *domain,
    struct dmarc_walk_step *steps, const struct dmarc_name **found_r)
{
	const char *names[DMARC_WALK_MAX];
	const struct dmarc_name *n;
	unsigned count = dmarc_walk_names(domain, names), i;

	*found_r = NULL;
	for (i = 0; i < count; i++) {
		n = dmarc_name_find(ev, names[i], GD_DNS_TXT);
		steps[i].found = n != NULL ? n->found : DMARC_FOUND_NONE;
		steps[i].psd = n != NULL && n->rec != NULL ? n->rec->psd :
		    GD_DMARC_PSD_U;
		if (*found_r == NULL && n != NULL &&
		    (n->found == DMARC_FOUND_RECORD ||
		    n->found == DMARC_FOUND_INVALID))
			*found_r = n;
	}
	return count;
}

/* The organizational domain of a normalized name, or NULL (tempfail). */
static const char *
dmarc_org_of(struct gd_dmarc_eval *ev, const char *domain)
{
	struct dmarc_walk_step steps[DMARC_WALK_MAX];
	const struct dmarc_name *found;
	unsigned n;

	if (ev->method == GD_DMARC_METHOD_PSL)
		return dmarc_psl_org(domain);
	n = dmarc_walk_steps(ev, domain, steps, &found);
	return dmarc_walk_org(domain, steps, n);
}

/* ---- phases ------------------------------------------------------------- */

static void
dmarc_eval_advance(struct gd_dmarc_eval *ev)
{
	switch (ev->phase) {
	case DMARC_PHASE_DISCOVER:
		dmarc_discover_done(ev);
		break;
	case DMARC_PHASE_ALIGN:
		dmarc_align_done(ev);
		break;
	case DMARC_PHASE_EXIST:
		dmarc_exist_done(ev);
		break;
	case DMARC_PHASE_DONE:
		break;
	}
}

static void
dmarc_discover_start(struct gd_dmarc_eval *ev)
{
	const char *names[DMARC_WALK_MAX];
	unsigned n, i;

	ev->phase = DMARC_PHASE_DISCOVER;
	if (ev->method == GD_DMARC_METHOD_PSL) {
		dmarc_name_request(ev, ev->from, GD_DNS_TXT);
		dmarc_name_request(ev, dmarc_psl_org(ev->from), GD_DNS_TXT);
		return;
	}
	n = dmarc_walk_names(ev->from, names);
	for (i = 0; i < n; i++)
		dmarc_name_request(ev, names[i], GD_DNS_TXT);
}

/*
 * The policy record: the first record of the walk (tree walk), or the
 * From domain's, else its organizational domain's (PSL).  A failed
 * lookup before any record leaves the answer unknown: NULL, *temp_r.
 */
static const struct dmarc_name *
dmarc_policy_name(struct gd_dmarc_eval *ev, bool *temp_r)
{
	const char *names[DMARC_WALK_MAX];
	const struct dmarc_name *n;
	unsigned count, i;

	*temp_r = false;
	if (ev->method == GD_DMARC_METHOD_PSL) {
		names[0] = ev->from;
		names[1] = dmarc_psl_org(ev->from);
		count = 2;
	} else
		count = dmarc_walk_names(ev->from, names);
	for (i = 0; i < count; i++) {
		n = dmarc_name_find(ev, names[i], GD_DNS_TXT);
		if (n == NULL || n->found == DMARC_FOUND_NONE)
			continue;
		if (n->found == DMARC_FOUND_TEMPFAIL) {
			*temp_r = true;
			return NULL;
		}
		return n;
	}
	return NULL;
}

static void
dmarc_discover_done(struct gd_dmarc_eval *ev)
{
	const struct dmarc_name *pn;
	const char *org;
	bool temp;

	pn = dmarc_policy_name(ev, &temp);
	if (pn == NULL) {
		dmarc_eval_finish(ev, temp ? GD_DMARC_TEMPERROR :
		    GD_DMARC_NONE, temp ? "dns-failure" : "no-policy");
		return;
	}
	ev->out.has_record = true;
	dmarc_record_copy(&ev->out.record, pn->rec);
	(void)snprintf(ev->policy_domain, sizeof(ev->policy_domain), "%s",
	    pn->name);
	ev->out.policy_domain = ev->policy_domain;
	if (pn->found == DMARC_FOUND_INVALID) {
		dmarc_eval_finish(ev, GD_DMARC_PERMERROR, "invalid-record");
		return;
	}
	org = dmarc_org_of(ev, ev->from);
	if (org == NULL) {
		dmarc_eval_finish(ev, GD_DMARC_TEMPERROR, "dns-failure");
		return;
	}
	(void)snprintf(ev->org, sizeof(ev->org), "%s", org);
	ev->out.org_domain = ev->org;
	dmarc_align_start(ev);
}

/* Whether an identifier's tree walk is needed for relaxed alignment. */
static bool
dmarc_needs_walk(struct gd_dmarc_eval *ev, const char *id,
    enum gd_dmarc_align mode)
{
	return ev->method == GD_DMARC_METHOD_TREE_WALK && *id != '\0' &&
	    mode == GD_DMARC_ALIGN_RELAXED && strcmp(id, ev->from) != 0 &&
	    dmarc_domain_within(id, ev->org);
}

static void
dmarc_walk_request(struct gd_dmarc_eval *ev, const char *domain)
{
	const char *names[DMARC_WALK_MAX];
	unsigned n = dmarc_walk_names(domain, names), i;

	for (i = 0; i < n; i++)
		dmarc_name_request(ev, names[i], GD_DNS_TXT);
}

static void
dmarc_align_start(struct gd_dmarc_eval *ev)
{
	const struct gd_dmarc_record *r = &ev->out.record;
	size_t i;

	ev->phase = DMARC_PHASE_ALIGN;
	if (ev->spf == GD_DMARC_AUTH_PASS &&
	    dmarc_needs_walk(ev, ev->spf_domain, r->aspf))
		dmarc_walk_request(ev, ev->spf_domain);
	for (i = 0; i < ev->nsigs; i++)
		if (ev->sigs[i].pub.result == GD_DMARC_AUTH_PASS &&
		    dmarc_needs_walk(ev, ev->sigs[i].d, r->adkim))
			dmarc_walk_request(ev, ev->sigs[i].d);
	if (ev->pending == 0)
		dmarc_align_done(ev);
}

/* 1 aligned, 0 not, -1 unknown (a lookup failed). */
static int
dmarc_aligned(struct gd_dmarc_eval *ev, const char *id,
    enum gd_dmarc_align mode)
{
	const char *org;

	if (*id == '\0')
		return 0;
	if (strcmp(id, ev->from) == 0)
		return 1;
	if (mode == GD_DMARC_ALIGN_STRICT || !dmarc_domain_within(id,
	    ev->org))
		return 0;
	org = dmarc_org_of(ev, id);
	if (org == NULL)
		return -1;
	return strcmp(org, ev->org) == 0;
}

/* DKIM: the first passing aligned signature, else the first one. */
static int
dmarc_align_dkim(struct gd_dmarc_eval *ev)
{
	int r, unknown = 0;
	size_t i;

	for (i = 0; i < ev->nsigs; i++) {
		if (ev->sigs[i].pub.result != GD_DMARC_AUTH_PASS)
			continue;
		r = dmarc_aligned(ev, ev->sigs[i].d, ev->out.record.adkim);
		if (r == 1) {
			ev->out.dkim_aligned = true;
			ev->out.dkim_domain = ev->sigs[i].d;
			ev->out.dkim_selector = ev->sigs[i].pub.selector;
			return 1;
		}
		unknown |= r < 0;
	}
	return unknown ? -1 : 0;
}

static void
dmarc_align_done(struct gd_dmarc_eval *ev)
{
	int spf = 0, dkim;

	if (ev->spf == GD_DMARC_AUTH_PASS)
		spf = dmarc_aligned(ev, ev->spf_domain, ev->out.record.aspf);
	ev->out.spf_aligned = spf == 1;
	dkim = dmarc_align_dkim(ev);
	if (spf == 1 || dkim == 1) {
		dmarc_eval_finish(ev, GD_DMARC_PASS, "aligned");
		return;
	}
	if (spf < 0 || dkim < 0) {
		dmarc_eval_finish(ev, GD_DMARC_TEMPERROR, "dns-failure");
		return;
	}
	/* np= matters only for a subdomain without its own record. */
	if (ev->out.record.has_np && strcmp(ev->from,
	    ev->policy_domain) != 0) {
		ev->phase = DMARC_PHASE_EXIST;
		dmarc_name_request(ev, ev->from, GD_DNS_A);
		dmarc_name_request(ev, ev->from, GD_DNS_AAAA);
		dmarc_name_request(ev, ev->from, GD_DNS_MX);
		if (ev->pending > 0)
			return;
	}
	dmarc_eval_finish(ev, GD_DMARC_FAIL, "not-aligned");
}

/* RFC 9989 3.2.12: non-existent when A, AAAA and MX give NXDOMAIN. */
static void
dmarc_exist_done(struct gd_dmarc_eval *ev)
{
	static const int types[] = { GD_DNS_A, GD_DNS_AAAA, GD_DNS_MX };
	const struct dmarc_name *n;
	size_t i;

	ev->out.nonexistent = true;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = dmarc_name_find(ev, ev->from, types[i]);
		if (n == NULL || n->status != GD_DNS_NXDOMAIN)
			ev->out.nonexistent = false;
	}
	dmarc_eval_finish(ev, GD_DMARC_FAIL, "not-aligned");
}

static void
dmarc_eval_finish(struct gd_dmarc_eval *ev, enum gd_dmarc_result result,
    const char *reason)
{
	struct gd_dmarc_outcome *o = &ev->out;

	ev->phase = DMARC_PHASE_DONE;
	o->result = result;
	o->reason = reason;
	if (o->dkim_domain == NULL && ev->nsigs > 0) {
		o->dkim_domain = ev->sigs[0].d;
		o->dkim_selector = ev->sigs[0].pub.selector;
	}
	if (result == GD_DMARC_FAIL)
		o->policy = dmarc_policy_select(&o->record, ev->from,
		    ev->policy_domain, o->nonexistent);
	else if (o->has_record && result == GD_DMARC_PASS)
		o->policy = dmarc_policy_select(&o->record, ev->from,
		    ev->policy_domain, false);
	dmarc_policy_apply(o, ev->method, ev->sample);
	ev->completed = true;
	if (!ev->starting)
		ev->done(ev, o, ev->arg);
}

/* ---- several author domains (RFC 9989 11.5) ----------------------------- */

static void
dmarc_authors_done(struct gd_dmarc_eval *sub, const struct gd_dmarc_outcome *o,
    void *arg)
{
	struct gd_dmarc_eval *ev = arg;

	(void)sub;
	(void)o;
	if (--ev->sub_pending == 0)
		dmarc_authors_finish(ev);
}

static void
dmarc_authors_finish(struct gd_dmarc_eval *ev)
{
	const struct gd_dmarc_outcome *outs[DMARC_FROM_MAX];
	struct gd_dmarc_outcome *o = &ev->out;
	size_t i;

	for (i = 0; i < ev->nsub; i++)
		outs[i] = &ev->sub[i]->out;
	i = dmarc_authors_pick(outs, ev->nsub);
	*o = *outs[i];
	dmarc_record_copy(&o->record, &outs[i]->record);
	if (ev->authors_over && (o->result == GD_DMARC_PASS ||
	    o->result == GD_DMARC_NONE)) {
		o->result = GD_DMARC_PERMERROR;
		o->reason = "too-many-from-domains";
		o->policy = GD_DMARC_POLICY_NONE;
		dmarc_policy_apply(o, ev->method, ev->sample);
	}
	ev->phase = DMARC_PHASE_DONE;
	ev->completed = true;
	if (!ev->starting)
		ev->done(ev, o, ev->arg);
}

/* One evaluation per distinct domain of the list in->from_domain. */
static void
dmarc_authors_start(struct gd_dmarc_eval *ev, const struct gd_dmarc_input *in)
{
	char names[DMARC_FROM_MAX][DMARC_NAME_MAX];
	struct gd_dmarc_input one = *in;
	unsigned n, i;

	n = dmarc_authors_split(in->from_domain, names, DMARC_FROM_MAX,
	    &ev->authors_over);
	if (n == 0) {
		dmarc_eval_finish(ev, GD_DMARC_PERMERROR, "no-from-domain");
		return;
	}
	for (i = 0; i < n; i++) {
		one.from_domain = names[i];
		ev->sub_pending++;
		if (dmarc_eval_start(ev->method, &one, ev->ops, ev->ops_ctx,
		    dmarc_authors_done, ev, &ev->sub[ev->nsub++]) == 1)
			ev->sub_pending--;
	}
	if (ev->sub_pending == 0)
		dmarc_authors_finish(ev);
}

/* ---- the entry points --------------------------------------------------- */

static void
dmarc_eval_copy_sigs(struct gd_dmarc_eval *ev, const struct gd_dmarc_input *in)
{
	const struct gd_dmarc_dkim_sig *src;
	struct dmarc_sig *s;
	size_t i;

	for (i = 0; i < in->ndkim && ev->nsigs < DMARC_DKIM_MAX; i++) {
		src = &in->dkim[i];
		s = &ev->sigs[ev->nsigs];
		if (src->domain == NULL ||
		    dmarc_domain_normalize(src->domain, s->d) != 0)
			continue;
		(void)snprintf(s->s, sizeof(s->s), "%s",
		    src->selector != NULL ? src->selector : "");
		(void)snprintf(s->b, sizeof(s->b), "%s",
		    src->b != NULL ? src->b : "");
		s->pub.result = src->result;
		s->pub.domain = s->d;
		s->pub.selector = src->selector != NULL ? s->s : NULL;
		s->pub.b = src->b != NULL ? s->b : NULL;
		ev->nsigs++;
	}
}

static void
dmarc_eval_copy_input(struct gd_dmarc_eval *ev,
    const struct gd_dmarc_input *in)
{
	const char *spf_id = in->mail_from_domain;

	if (spf_id == NULL || *spf_id == '\0')
		spf_id = in->helo;
	if (spf_id == NULL || dmarc_domain_normalize(spf_id,
	    ev->spf_domain) != 0)
		ev->spf_domain[0] = '\0';
	ev->spf = in->spf;
	ev->sample = in->sample;
	ev->out.spf = in->spf;
	ev->out.spf_domain = ev->spf_domain[0] != '\0' ? ev->spf_domain :
	    NULL;
	dmarc_eval_copy_sigs(ev, in);
}

int
dmarc_eval_start(enum gd_dmarc_method method, const struct gd_dmarc_input *in,
    const struct gd_dmarc_dns_ops *ops, void *ops_ctx,
    gd_dmarc_done_fn *done, void *arg, struct gd_dmarc_eval **ev_r)
{
	struct gd_dmarc_eval *ev = calloc(1, sizeof(*ev));

	if (ev == NULL)
		abort();
	ev->magic = DMARC_EVAL_MAGIC;
	ev->method = method;
	ev->ops = ops;
	ev->ops_ctx = ops_ctx;
	ev->done = done;
	ev->arg = arg;
	ev->starting = true;
	*ev_r = ev;
	dmarc_eval_copy_input(ev, in);
	if (in->from_domain != NULL && strchr(in->from_domain, ',') != NULL)
		dmarc_authors_start(ev, in);
	else if (in->from_domain == NULL ||
	    dmarc_domain_normalize(in->from_domain, ev->from) != 0)
		dmarc_eval_finish(ev, GD_DMARC_PERMERROR, "no-from-domain");
	else {
		ev->out.from_domain = ev->from;
		dmarc_discover_start(ev);
	}
	ev->starting = false;
	return ev->completed ? 1 : 0;
}

const struct gd_dmarc_outcome *
dmarc_eval_outcome(const struct gd_dmarc_eval *ev)
{
	if (ev == NULL || !ev->completed)
		return NULL;
	return &ev->out;
}

const struct gd_dmarc_outcome *
dmarc_eval_author(const struct gd_dmarc_eval *ev, size_t i)
{
	if (ev == NULL || !ev->completed)
		return NULL;
	if (ev->nsub == 0)
		return i == 0 ? &ev->out : NULL;
	return i < ev->nsub ? &ev->sub[i]->out : NULL;
}

void
dmarc_eval_destroy(struct gd_dmarc_eval **evp)
{
	struct gd_dmarc_eval *ev = *evp;
	size_t i;

	if (ev == NULL)
		return;
	if (ev->magic != DMARC_EVAL_MAGIC)
		abort();
	for (i = 0; i < ev->nsub; i++)
		dmarc_eval_destroy(&ev->sub[i]);
	for (i = 0; i < ev->nnames; i++) {
		if (ev->names[i].query != NULL)
			ev->ops->cancel(ev->ops_ctx, ev->names[i].query);
		free(ev->names[i].rec);
	}
	ev->magic = 0;
	free(ev);
	*evp = NULL;
}
