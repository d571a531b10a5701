/*
 * dmarc-walk.c — RFC 9989 4.10: the DNS tree walk.  The names queried
 * (the domain, then from at most 7 labels down to the top-level one:
 * never more than 8 queries), and the organizational domain read from
 * what the walk found.
 */
#include "dmarc-engine.h"

unsigned
dmarc_walk_names(const char *domain, const char *names_r[DMARC_WALK_MAX])
{
	unsigned labels = dmarc_domain_labels(domain), k, n = 0;

	names_r[n++] = domain;
	k = labels - 1;
	if (k > DMARC_WALK_MAX - 1)
		k = DMARC_WALK_MAX - 1;
	for (; k >= 1; k--)
		names_r[n++] = dmarc_domain_suffix(domain, k);
	return n;
}

/*
 * Walk the steps from the domain upwards.  A failed lookup leaves the
 * answer unknown (a record there could have decided), so it gives NULL,
 * unless a psd= record below it already decided.
 */
const char *
dmarc_walk_org(const char *domain, const struct dmarc_walk_step *steps,
    unsigned n)
{
	const char *names[DMARC_WALK_MAX], *org = domain;
	unsigned count = dmarc_walk_names(domain, names), i;

	if (n > count)
		n = count;
	for (i = 0; i < n; i++) {
		if (steps[i].found == DMARC_FOUND_TEMPFAIL)
			return NULL;
		if (steps[i].found != DMARC_FOUND_RECORD)
			continue;
		if (steps[i].psd == GD_DMARC_PSD_N)
			return names[i];
		if (steps[i].psd == GD_DMARC_PSD_Y)
			return i == 0 ? domain : dmarc_domain_suffix(domain,
			    dmarc_domain_labels(names[i]) + 1);
		org = names[i];
	}
	return org;
}
