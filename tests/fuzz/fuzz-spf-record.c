/*
 * fuzz-spf-record.c — libFuzzer target for the spf module's record
 * parser (modules/spf/spf-record.c).  The input is a TXT record's text
 * (it may hold NUL octets).  A parsed record must be sane: terms within
 * the record's length, qualifiers and CIDR lengths in range, domain-specs
 * that pass their own syntax check; and the whole record is then
 * evaluated against a resolver that knows nothing (every answer
 * NXDOMAIN, inline), which must finish with a valid result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spf-engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *fz_record;
static size_t fz_record_len;

static void
fz_check_term(const struct spf_term *t)
{
	if (strchr("+-~?", t->qualifier) == NULL || t->cidr4 < 0 ||
	    t->cidr4 > 32 || t->cidr6 < 0 || t->cidr6 > 128 ||
	    t->mech > SPF_MECH_EXISTS)
		abort();
	if (t->domain != NULL &&
	    !spf_domain_spec_valid(t->domain, strlen(t->domain)))
		abort();
}

/* The fuzz input is the record of "f.example"; nothing else exists. */
static void *
fz_query(void *ctx, const char *name, int rrtype, uint64_t timeout_ms,
    gd_spf_dns_done_fn *done, void *arg)
{
	const char *txt[1] = { (const char *)fz_record };
	struct gd_spf_dns_answer a = { GD_SPF_DNS_NXDOMAIN, 0, NULL, NULL,
	    NULL, txt, &fz_record_len };

	(void)ctx; (void)timeout_ms;
	if (rrtype == 16 && strcmp(name, "f.example") == 0) {
		a.status = GD_SPF_DNS_OK;
		a.count = 1;
	}
	done(arg, &a);
	return NULL;
}

static void
fz_cancel(void *ctx, void *handle)
{
	(void)ctx; (void)handle;
	abort();	/* inline answers: nothing is ever pending */
}

static uint64_t
fz_now(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct gd_spf_dns_ops fz_ops = { fz_query, fz_cancel, fz_now };

static void
fz_evaluate(void)
{
	struct gd_spf_request req = { "192.0.2.1", "h.example",
	    "u@f.example", GD_SPF_ID_MAILFROM, "mx.example", 0, 1 };
	const struct gd_spf_outcome *o;
	struct gd_spf_check *c;
	char field[512];
	bool fin = false;

	c = spf_check_start(&fz_ops, NULL, &req, NULL, NULL, &fin);
	o = spf_check_outcome(c);
	if (c == NULL || !fin || o == NULL || o->result > GD_SPF_PERMERROR)
		abort();
	if (spf_received_field(o, field, sizeof(field)) == 0)
		abort();
	spf_check_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_record *rec;
	const char *err;
	char *copy;
	size_t i;

	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	rec = spf_record_parse(copy, size, &err);
	if (rec == NULL && err == NULL)
		abort();
	for (i = 0; rec != NULL && i < rec->nterms; i++)
		fz_check_term(&rec->terms[i]);
	if (rec != NULL && rec->nterms > size / 2)
		abort();
	spf_record_free(rec);
	fz_record = (const uint8_t *)copy;
	fz_record_len = size;
	fz_evaluate();
	free(copy);
	return 0;
}
