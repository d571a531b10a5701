/*
 * fuzz-dmarc-record.c — libFuzzer target for the DMARC record parser
 * (modules/dmarc/dmarc-record.c), under both methods.  Checks: the
 * result is -1, 0 or 1; a valid record's values are in range and its
 * URIs point into its own buffer; the first byte decides nothing but
 * the version tag (a record that does not start "v" is never valid);
 * a copy reads the same URIs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc-engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_check(const struct gd_dmarc_record *r)
{
	struct gd_dmarc_record *c;
	size_t i;

	if (r->pct > 100 || r->p > GD_DMARC_POLICY_REJECT ||
	    r->sp > GD_DMARC_POLICY_REJECT || r->np > GD_DMARC_POLICY_REJECT ||
	    r->nrua > GD_DMARC_URI_MAX || r->nruf > GD_DMARC_URI_MAX ||
	    (r->fo & ~0x0fu) != 0)
		abort();
	for (i = 0; i < r->nrua; i++)
		if (r->rua[i].uri < r->buf ||
		    r->rua[i].uri >= r->buf + sizeof(r->buf) ||
		    strchr(r->rua[i].uri, ':') == NULL)
			abort();
	c = malloc(sizeof(*c));
	if (c == NULL)
		abort();
	dmarc_record_copy(c, r);
	for (i = 0; i < r->nruf; i++)
		if (strcmp(c->ruf[i].uri, r->ruf[i].uri) != 0 ||
		    c->ruf[i].uri < c->buf ||
		    c->ruf[i].uri >= c->buf + sizeof(c->buf))
			abort();
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum gd_dmarc_method methods[] = {
		GD_DMARC_METHOD_TREE_WALK, GD_DMARC_METHOD_PSL,
	};
	struct gd_dmarc_record *r = malloc(sizeof(*r));
	const char *error;
	size_t m;
	int res;

	if (r == NULL)
		abort();
	for (m = 0; m < 2; m++) {
		res = dmarc_record_parse((const char *)data, size, methods[m],
		    r, &error);
		if (res < -1 || res > 1)
			abort();
		if (res == 1 && (size == 0 || data[0] != 'v'))
			abort();
		if (res == 1)
			fz_check(r);
	}
	free(r);
	return 0;
}
