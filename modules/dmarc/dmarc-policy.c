/*
 * dmarc-policy.c — which published policy governs the From domain
 * (p=, sp=, np=), what the receiver applies after sampling (RFC 7489
 * pct=) or testing (RFC 9989 t=y), and the combined verdict.
 */
#include <string.h>

#include "dmarc-engine.h"

enum gd_dmarc_policy
dmarc_policy_select(const struct gd_dmarc_record *rec, const char *from,
    const char *policy_domain, bool nonexistent)
{
	if (strcmp(from, policy_domain) == 0)
		return rec->p;
	if (nonexistent && rec->has_np)
		return rec->np;
	if (rec->has_sp)
		return rec->sp;
	return rec->p;
}

/* One step less: reject -> quarantine -> none (RFC 7489 6.6.4). */
static enum gd_dmarc_policy
dmarc_policy_lower(enum gd_dmarc_policy p)
{
	return p == GD_DMARC_POLICY_REJECT ? GD_DMARC_POLICY_QUARANTINE :
	    GD_DMARC_POLICY_NONE;
}

static bool
dmarc_sampled_out(const struct gd_dmarc_outcome *o,
    enum gd_dmarc_method method, unsigned sample)
{
	if (!o->has_record)
		return false;
	if (method == GD_DMARC_METHOD_PSL)
		return sample >= o->record.pct;
	return o->record.testing;
}

static enum gd_dmarc_verdict
dmarc_verdict(const struct gd_dmarc_outcome *o)
{
	switch (o->result) {
	case GD_DMARC_PASS:
		return GD_DMARC_VERDICT_PASS;
	case GD_DMARC_TEMPERROR:
		return GD_DMARC_VERDICT_TEMPFAIL;
	case GD_DMARC_FAIL:
		if (o->disposition == GD_DMARC_POLICY_REJECT)
			return GD_DMARC_VERDICT_REJECT;
		if (o->disposition == GD_DMARC_POLICY_QUARANTINE)
			return GD_DMARC_VERDICT_QUARANTINE;
		break;
	default:
		break;
	}
	return GD_DMARC_VERDICT_NEUTRAL;
}

void
dmarc_policy_apply(struct gd_dmarc_outcome *o, enum gd_dmarc_method method,
    unsigned sample)
{
	o->disposition = GD_DMARC_POLICY_NONE;
	o->sampled_out = false;
	if (o->result == GD_DMARC_FAIL) {
		o->disposition = o->policy;
		if (o->policy != GD_DMARC_POLICY_NONE &&
		    dmarc_sampled_out(o, method, sample)) {
			o->disposition = dmarc_policy_lower(o->policy);
			o->sampled_out = true;
		}
	}
	o->verdict = dmarc_verdict(o);
}
