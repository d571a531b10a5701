/*
 * spf-eval.c — check_host() (RFC 7208 section 4): initial processing,
 * record evaluation, redirect= (section 6.1), exp= (section 6.2), the
 * time limit, and the asynchronous driver of the passes (see
 * spf-eval-private.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spf-eval-private.h"



static enum gd_spf_result
spf_qualifier_result(char q)
{
	switch (q) {
	case '-': return GD_SPF_FAIL;
	case '~': return GD_SPF_SOFTFAIL;
	case '?': return GD_SPF_NEUTRAL;
	default: return GD_SPF_PASS;
	}
}

/* A matching directive: its result, and what exp= may explain. */
static int
spf_matched(struct gd_spf_check *c, const struct spf_record *rec,
    const struct spf_term *t, const char *domain)
{
	enum gd_spf_result r = spf_qualifier_result(t->qualifier);

	c->mechanism = t->text;
	c->exp_spec = r == GD_SPF_FAIL ? rec->exp : NULL;
	if (c->exp_spec != NULL)
		snprintf(c->exp_domain, sizeof(c->exp_domain), "%s", domain);
	return r;
}

/* Section 6.1: no directive matched; follow redirect= if any. */
static int
spf_redirect(struct gd_spf_check *c, const struct spf_record *rec,
    const char *domain, int depth)
{
	char target[SPF_EXPAND_MAX];
	int r;

	c->exp_spec = NULL;
	c->mechanism = NULL;
	if (rec->redirect == NULL || rec->has_all)
		return GD_SPF_NEUTRAL;
	if (++c->terms > SPF_MAX_DNS_TERMS) {
		c->problem = "more than 10 DNS-querying terms";
		return GD_SPF_PERMERROR;
	}
	r = spf_mech_target(c, rec->redirect, domain, target);
	if (r != SPF_MATCH)
		return r;
	r = spf_check_host(c, target, depth + 1);
	if (r == GD_SPF_NONE) {
		c->problem = "redirect to a domain without SPF record";
		return GD_SPF_PERMERROR;
	}
	return r;
}

static int
spf_eval_record(struct gd_spf_check *c, const struct spf_record *rec,
    const char *domain, int depth)
{
	size_t i;
	int r;

	for (i = 0; i < rec->nterms; i++) {
		r = spf_mech_eval(c, &rec->terms[i], domain, depth);
		if (r == SPF_MATCH)
			return spf_matched(c, rec, &rec->terms[i], domain);
		if (r != SPF_NOMATCH)
			return r;
	}
	return spf_redirect(c, rec, domain, depth);
}

int
spf_check_host(struct gd_spf_check *c, const char *domain, int depth)
{
	const struct spf_record *rec;
	int r;

	if (depth > SPF_MAX_DNS_TERMS + 1) {
		c->problem = "too deep";
		return GD_SPF_PERMERROR;
	}
	r = spf_dns_record(c, domain, &rec);
	if (r != SPF_MATCH)
		return r;
	return spf_eval_record(c, rec, domain, depth);
}

/*
 * Section 6.2: the explanation of a fail.  Any problem (DNS, no record
 * or several, bad macros, non-ASCII) leaves no explanation.  SPF_NEED
 * or 0.
 */
static int
spf_explain(struct gd_spf_check *c)
{
	char target[SPF_EXPAND_MAX], text[SPF_EXPAND_MAX];
	const struct spf_cached *e;
	struct spf_macro_ctx mc;
	int r;

	r = spf_mech_target(c, c->exp_spec, c->exp_domain, target);
	if (r != SPF_MATCH || !spf_domain_valid(target))
		return r == SPF_NEED ? SPF_NEED : 0;
	if ((e = spf_dns_get(c, target, SPF_RR_TXT)) == NULL)
		return SPF_NEED;
	if (e->status != GD_SPF_DNS_OK || e->count != 1 ||
	    strlen(e->data[0]) != e->len[0])
		return 0;
	spf_mech_macro_ctx(c, c->exp_domain, &mc);
	if (spf_macro_uses_p(e->data[0]) &&
	    spf_mech_target(c, "%{p}", c->exp_domain, text) == SPF_NEED)
		return SPF_NEED;
	mc.ptr = spf_macro_uses_p(e->data[0]) ? text : NULL;
	if (spf_macro_expand(e->data[0], &mc, true, false, target) < 0)
		return 0;
	free(c->explanation);
	c->explanation = strdup(target);
	return 0;
}

/* One pass from the start (see spf-eval-private.h). */
static int
spf_pass(struct gd_spf_check *c)
{
	int r;

	c->blocked = false;
	c->terms = 0;
	c->voids = 0;
	c->mechanism = NULL;
	c->problem = NULL;
	c->exp_spec = NULL;
	if (c->ops->now_ms(c->ops_ctx) >= c->deadline) {
		c->problem = "time limit";
		return GD_SPF_TEMPERROR;
	}
	r = spf_check_host(c, c->sender_domain, 0);
	if (r == GD_SPF_FAIL && c->exp_spec != NULL &&
	    spf_explain(c) == SPF_NEED)
		return SPF_NEED;
	return r;
}

static void
spf_finish(struct gd_spf_check *c, int r)
{
	struct gd_spf_outcome *o = &c->outcome;

	o->result = (enum gd_spf_result)r;
	o->identity = c->identity;
	o->identity_str = c->identity == GD_SPF_ID_HELO ? "helo" :
	    "mailfrom";
	o->client_ip = c->ipstr;
	o->helo = c->helo;
	o->envelope_from = c->sender;
	o->domain = c->sender_domain;
	o->receiver = c->receiver;
	o->mechanism = c->mechanism;
	o->explanation = r == GD_SPF_FAIL ? c->explanation : NULL;
	o->problem = c->problem;
	c->finished = true;
	if (!c->starting && c->done != NULL)
		c->done(c->arg, c);
}

/* Run passes while answers are at hand; then finish, or wait for the
 * pending answers (the last one calls this again). */
void
spf_eval_resume(struct gd_spf_check *c)
{
	int r;

	if (c->finished || c->running)
		return;
	c->running = true;
	do
		r = spf_pass(c);
	while (r == SPF_NEED && c->pending == 0);
	c->running = false;
	if (r != SPF_NEED)
		spf_finish(c, r);
}

static char *
spf_strdup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* Section 4.3 and 2.4: the identity's local part and domain. */
static int
spf_identity(struct gd_spf_check *c, const struct gd_spf_request *req)
{
	const char *at;
	size_t n;

	if (req->identity == GD_SPF_ID_HELO || req->sender == NULL ||
	    req->sender[0] == '\0') {
		c->local = spf_strdup("postmaster");
		c->sender_domain = spf_strdup(c->helo);
	} else if ((at = strrchr(req->sender, '@')) == NULL) {
		c->local = spf_strdup("postmaster");
		c->sender_domain = spf_strdup(req->sender);
	} else {
		n = (size_t)(at - req->sender);
		c->local = n > 0 ? strndup(req->sender, n) :
		    spf_strdup("postmaster");
		c->sender_domain = spf_strdup(at + 1);
	}
	if (c->local == NULL || c->sender_domain == NULL)
		return -1;
	n = strlen(c->local) + strlen(c->sender_domain) + 2;
	if ((c->sender = malloc(n)) == NULL)
		return -1;
	snprintf(c->sender, n, "%s@%s", c->local, c->sender_domain);
	return 0;
}

static struct gd_spf_check *
spf_check_new(const struct gd_spf_dns_ops *ops, void *ops_ctx,
    const struct gd_spf_request *req)
{
	struct gd_spf_check *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ops = ops;
	c->ops_ctx = ops_ctx;
	c->identity = req->identity;
	c->now = req->now != 0 ? req->now : (int64_t)time(NULL);
	c->deadline = ops->now_ms(ops_ctx) + (req->timeout_ms != 0 ?
	    req->timeout_ms : SPF_DEFAULT_TIMEOUT_MS);
	c->ipstr = spf_strdup(req->ip);
	c->helo = req->helo != NULL ? strdup(req->helo) : NULL;
	c->receiver = req->receiver != NULL ? strdup(req->receiver) : NULL;
	c->cache = calloc(SPF_CACHE_MAX, sizeof(*c->cache));
	if (c->ipstr == NULL || c->cache == NULL ||
	    (req->helo != NULL && c->helo == NULL) ||
	    (req->receiver != NULL && c->receiver == NULL) ||
	    spf_identity(c, req) < 0) {
		spf_check_free(c);
		return NULL;
	}
	return c;
}

struct gd_spf_check *
spf_check_start(const struct gd_spf_dns_ops *ops, void *ops_ctx,
    const struct gd_spf_request *req, gd_spf_done_fn *done, void *arg,
    bool *finished_r)
{
	struct spf_ip ip;
	struct gd_spf_check *c;

	if (req->ip == NULL || spf_ip_parse(req->ip, &ip) < 0)
		return NULL;
	if ((c = spf_check_new(ops, ops_ctx, req)) == NULL)
		return NULL;
	c->ip = ip;
	c->done = done;
	c->arg = arg;
	c->starting = true;
	spf_eval_resume(c);
	c->starting = false;
	if (finished_r != NULL)
		*finished_r = c->finished;
	return c;
}

const struct gd_spf_outcome *
spf_check_outcome(const struct gd_spf_check *c)
{
	return c != NULL && c->finished ? &c->outcome : NULL;
}

void
spf_check_free(struct gd_spf_check *c)
{
	if (c == NULL)
		return;
	if (c->cache != NULL)
		spf_dns_clear(c);
	free(c->cache);
	free(c->ipstr);
	free(c->helo);
	free(c->sender);
	free(c->local);
	free(c->sender_domain);
	free(c->receiver);
	free(c->explanation);
	free(c);
}
