/*
 * dmarc-names.c — the RFC keywords of results and policies (RFC 8601
 * 2.7.1-2.7.2, 2.7.7; RFC 9989 4.7 p=).
 */
#include "dmarc-engine.h"

const char *
dmarc_result_str(enum gd_dmarc_result r)
{
	switch (r) {
	case GD_DMARC_PASS: return "pass";
	case GD_DMARC_FAIL: return "fail";
	case GD_DMARC_TEMPERROR: return "temperror";
	case GD_DMARC_PERMERROR: return "permerror";
	case GD_DMARC_NONE: break;
	}
	return "none";
}

const char *
dmarc_policy_str(enum gd_dmarc_policy p)
{
	switch (p) {
	case GD_DMARC_POLICY_QUARANTINE: return "quarantine";
	case GD_DMARC_POLICY_REJECT: return "reject";
	case GD_DMARC_POLICY_NONE: break;
	}
	return "none";
}

const char *
dmarc_auth_str(enum gd_dmarc_auth a)
{
	switch (a) {
	case GD_DMARC_AUTH_PASS: return "pass";
	case GD_DMARC_AUTH_FAIL: return "fail";
	case GD_DMARC_AUTH_SOFTFAIL: return "softfail";
	case GD_DMARC_AUTH_NEUTRAL: return "neutral";
	case GD_DMARC_AUTH_TEMPERROR: return "temperror";
	case GD_DMARC_AUTH_PERMERROR: return "permerror";
	case GD_DMARC_AUTH_POLICY: return "policy";
	case GD_DMARC_AUTH_NONE: break;
	}
	return "none";
}
