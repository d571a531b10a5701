/*
 * dmarc-auth.c — the spf and dkim modules' results as DMARC reads them
 * (RFC 8601 keywords; only pass counts).  Shared by the session
 * (dmarc-session.c) and the service (auth_from_spf, auth_from_dkim) so
 * that offline tools feed the engine exactly as the daemon does.
 */
#include "dmarc-private.h"

enum gd_dmarc_auth
dmarc_auth_from_spf(int result)
{
	static const enum gd_dmarc_auth map[] = {
		[GD_SPF_NONE] = GD_DMARC_AUTH_NONE,
		[GD_SPF_NEUTRAL] = GD_DMARC_AUTH_NEUTRAL,
		[GD_SPF_PASS] = GD_DMARC_AUTH_PASS,
		[GD_SPF_FAIL] = GD_DMARC_AUTH_FAIL,
		[GD_SPF_SOFTFAIL] = GD_DMARC_AUTH_SOFTFAIL,
		[GD_SPF_TEMPERROR] = GD_DMARC_AUTH_TEMPERROR,
		[GD_SPF_PERMERROR] = GD_DMARC_AUTH_PERMERROR,
	};

	if (result < 0 || (unsigned)result >= GD_N_ELEMENTS(map))
		return GD_DMARC_AUTH_NONE;
	return map[result];
}

enum gd_dmarc_auth
dmarc_auth_from_dkim(int result)
{
	static const enum gd_dmarc_auth map[] = {
		[GD_DKIM_NONE] = GD_DMARC_AUTH_NONE,
		[GD_DKIM_PASS] = GD_DMARC_AUTH_PASS,
		[GD_DKIM_FAIL] = GD_DMARC_AUTH_FAIL,
		[GD_DKIM_NEUTRAL] = GD_DMARC_AUTH_NEUTRAL,
		[GD_DKIM_POLICY] = GD_DMARC_AUTH_POLICY,
		[GD_DKIM_TEMPERROR] = GD_DMARC_AUTH_TEMPERROR,
		[GD_DKIM_PERMERROR] = GD_DMARC_AUTH_PERMERROR,
	};

	if (result < 0 || (unsigned)result >= GD_N_ELEMENTS(map))
		return GD_DMARC_AUTH_NONE;
	return map[result];
}
