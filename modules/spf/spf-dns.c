/*
 * spf-dns.c — the check's answer cache: every DNS question of a check is
 * asked once through the caller's ops, its answer copied and kept for
 * the later passes; TXT answers at a domain give its SPF record (RFC
 * 7208 sections 4.4 and 4.5), parsed once.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf-eval-private.h"



/* Copy one record of the answer. */
static int
spf_dns_copy_one(struct spf_cached *e, const struct gd_spf_dns_answer *a,
    size_t i)
{
	const void *src;
	size_t n;

	switch (e->rrtype) {
	case SPF_RR_A: src = &a->a[i]; n = 4; break;
	case SPF_RR_AAAA: src = &a->aaaa[i]; n = 16; break;
	case SPF_RR_TXT: src = a->txt[i]; n = a->txt_len[i]; break;
	default: src = a->names[i]; n = strlen(a->names[i]); break;
	}
	e->data[i] = malloc(n + 1);
	if (e->data[i] == NULL)
		return -1;
	memcpy(e->data[i], src, n);
	e->data[i][n] = '\0';
	e->len[i] = n;
	return 0;
}

static bool
spf_dns_answer_ok(int rrtype, const struct gd_spf_dns_answer *a)
{
	switch (rrtype) {
	case SPF_RR_A: return a->a != NULL;
	case SPF_RR_AAAA: return a->aaaa != NULL;
	case SPF_RR_TXT: return a->txt != NULL && a->txt_len != NULL;
	default: return a->names != NULL;
	}
}

static void
spf_dns_store(struct spf_cached *e, const struct gd_spf_dns_answer *a)
{
	size_t i, n = a->count > 256 ? 256 : a->count;

	e->answered = true;
	e->status = a->status;
	if (a->status != GD_SPF_DNS_OK)
		return;
	if (n == 0 || !spf_dns_answer_ok(e->rrtype, a)) {
		e->status = n == 0 ? GD_SPF_DNS_NODATA : GD_SPF_DNS_TEMPFAIL;
		return;
	}
	e->data = calloc(n, sizeof(*e->data));
	e->len = calloc(n, sizeof(*e->len));
	if (e->data == NULL || e->len == NULL) {
		e->status = GD_SPF_DNS_TEMPFAIL;
		return;
	}
	for (i = 0; i < n; i++) {
		if (spf_dns_copy_one(e, a, i) < 0) {
			e->status = GD_SPF_DNS_TEMPFAIL;
			return;
		}
		e->count++;
	}
	/* MX: the count tells about the limit, even past what we keep */
	if (a->count > n && e->rrtype == SPF_RR_MX)
		e->count = SPF_MAX_MX_NAMES + 1;
}

static void
spf_dns_answered(void *arg, const struct gd_spf_dns_answer *a)
{
	struct spf_cached *e = arg;
	struct gd_spf_check *c = e->check;

	if (e->answered)
		return;
	e->handle = NULL;
	spf_dns_store(e, a);
	c->pending--;
	if (c->pending == 0 && !c->running)
		spf_eval_resume(c);
}

static struct spf_cached *
spf_dns_find(struct gd_spf_check *c, const char *name, int rrtype)
{
	size_t i;

	for (i = 0; i < c->ncache; i++)
		if (c->cache[i]->rrtype == rrtype &&
		    strcasecmp(c->cache[i]->name, name) == 0)
			return c->cache[i];
	return NULL;
}

static struct spf_cached *
spf_dns_add(struct gd_spf_check *c, const char *name, int rrtype)
{
	struct spf_cached *e;
	size_t len = strlen(name);

	if (c->ncache >= SPF_CACHE_MAX)
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->name = malloc(len + 1)) == NULL) {
		free(e);
		return NULL;
	}
	memcpy(e->name, name, len + 1);
	e->check = c;
	e->rrtype = rrtype;
	c->cache[c->ncache++] = e;
	return e;
}

static uint64_t
spf_dns_timeout(struct gd_spf_check *c)
{
	uint64_t now = c->ops->now_ms(c->ops_ctx);

	return now < c->deadline ? c->deadline - now : 1;
}

const struct spf_cached *
spf_dns_get(struct gd_spf_check *c, const char *name, int rrtype)
{
	static const struct spf_cached overflow = {
		.answered = true, .status = GD_SPF_DNS_TEMPFAIL };
	char key[SPF_EXPAND_MAX];
	struct spf_cached *e;
	size_t len = strlen(name);

	/* one entry per name: "a.example." is "a.example" */
	if (len >= sizeof(key))
		return &overflow;
	memcpy(key, name, len + 1);
	if (len > 1 && key[len - 1] == '.')
		key[len - 1] = '\0';
	name = key;
	e = spf_dns_find(c, name, rrtype);
	if (e == NULL) {
		if ((e = spf_dns_add(c, name, rrtype)) == NULL)
			return &overflow;
		c->pending++;
		e->handle = c->ops->query(c->ops_ctx, e->name, rrtype,
		    spf_dns_timeout(c), spf_dns_answered, e);
	}
	if (!e->answered)
		c->blocked = true;
	return e->answered ? e : NULL;
}

/* Section 4.5: exactly one "v=spf1" record among the TXT records. */
static void
spf_dns_select(struct spf_cached *e)
{
	size_t i, found = 0, which = 0;

	e->selected = true;
	e->select_result = GD_SPF_NONE;
	if (e->status == GD_SPF_DNS_TEMPFAIL)
		e->select_result = GD_SPF_TEMPERROR;
	if (e->status != GD_SPF_DNS_OK)
		return;
	for (i = 0; i < e->count; i++)
		if (spf_record_is_spf1(e->data[i], e->len[i])) {
			found++;
			which = i;
		}
	if (found == 0)
		return;
	e->select_result = GD_SPF_PERMERROR;
	e->rec_error = "more than one SPF record";
	if (found > 1)
		return;
	e->rec = spf_record_parse(e->data[which], e->len[which],
	    &e->rec_error);
}

int
spf_dns_record(struct gd_spf_check *c, const char *domain,
    const struct spf_record **rec_r)
{
	const struct spf_cached *q;
	struct spf_cached *e;

	if (!spf_domain_valid(domain) || domain[0] == '[') {
		c->problem = "not a valid domain name";
		return GD_SPF_NONE;
	}
	if ((q = spf_dns_get(c, domain, SPF_RR_TXT)) == NULL)
		return SPF_NEED;
	e = (struct spf_cached *)(uintptr_t)q;
	if (e->check == NULL)
		return GD_SPF_TEMPERROR;	/* the cache is full */
	if (!e->selected)
		spf_dns_select(e);
	if (e->rec == NULL) {
		c->problem = e->select_result == GD_SPF_PERMERROR ?
		    e->rec_error : e->select_result == GD_SPF_TEMPERROR ?
		    "DNS error looking up the record" : "no SPF record";
		return e->select_result;
	}
	*rec_r = e->rec;
	return SPF_MATCH;
}

static void
spf_dns_free_entry(struct gd_spf_check *c, struct spf_cached *e)
{
	size_t i;

	if (!e->answered)
		c->ops->cancel(c->ops_ctx, e->handle);
	for (i = 0; i < e->count && e->data != NULL; i++)
		free(e->data[i]);
	free(e->data);
	free(e->len);
	spf_record_free(e->rec);
	free(e->name);
	free(e);
}

void
spf_dns_clear(struct gd_spf_check *c)
{
	size_t i;

	for (i = 0; i < c->ncache; i++)
		spf_dns_free_entry(c, c->cache[i]);
	c->ncache = 0;
	c->pending = 0;
}
