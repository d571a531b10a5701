/*
 * dmarc-authors.c — messages with several author domains (RFC 9989
 * 11.5, RFC 7489 6.6.1).  A message that names several domains in its
 * From field (or has several From fields) is not outside DMARC here:
 * that would let a sender escape a p=reject policy by adding a second
 * address.  Each distinct domain (at most DMARC_FROM_MAX) is evaluated,
 * and the outcome that governs the message is the strictest.  These are
 * the pure steps; dmarc-eval.c runs the evaluations.
 */
#include <string.h>

#include "dmarc-engine.h"

static bool
dmarc_authors_has(char out[][DMARC_NAME_MAX], unsigned n, const char *name)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (strcmp(out[i], name) == 0)
			return true;
	return false;
}

unsigned
dmarc_authors_split(const char *list, char out[][DMARC_NAME_MAX],
    unsigned max, bool *more_r)
{
	char raw[DMARC_NAME_MAX], name[DMARC_NAME_MAX];
	const char *p = list, *comma;
	unsigned n = 0;
	size_t len;

	*more_r = false;
	for (; p != NULL; p = comma != NULL ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(raw))
			continue;
		memcpy(raw, p, len);
		raw[len] = '\0';
		if (dmarc_domain_normalize(raw, name) != 0 ||
		    dmarc_authors_has(out, n, name))
			continue;
		if (n == max) {
			*more_r = true;
			break;
		}
		memcpy(out[n++], name, sizeof(name));
	}
	return n;
}

/*
 * How strongly an outcome asks for action: a failure that rejects, then
 * one that quarantines, then a DNS failure (it may hide either), then a
 * failure under p=none, then an unusable record; pass and none last.
 */
static int
dmarc_authors_rank(const struct gd_dmarc_outcome *o)
{
	switch (o->verdict) {
	case GD_DMARC_VERDICT_REJECT:
		return 6;
	case GD_DMARC_VERDICT_QUARANTINE:
		return 5;
	case GD_DMARC_VERDICT_TEMPFAIL:
		return 4;
	default:
		break;
	}
	if (o->result == GD_DMARC_FAIL)
		return 3;
	return o->result == GD_DMARC_PERMERROR ? 2 : 0;
}

size_t
dmarc_authors_pick(const struct gd_dmarc_outcome *const *o, size_t n)
{
	size_t i, best = 0;

	for (i = 1; i < n; i++)
		if (dmarc_authors_rank(o[i]) > dmarc_authors_rank(o[best]))
			best = i;
	return best;
}
