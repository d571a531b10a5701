/*
 * authlog.c — one log line per authentication outcome, and the reason
 * texts and tokens.  Nothing here ever sees a secret.
 *
 *   event=auth.success session=ID mechanism=PLAIN user=alice client=IP
 *       reason=ok [authcid=admin]
 *   event=auth.failure session=ID mechanism=PLAIN user=bob client=IP
 *       reason=bad-credentials [detail="..."]
 */
#include "config.h"

#include <string.h>

#include <gumdrop/log.h>

#include "sasl-private.h"

#define AUTHLOG_VALUE_MAX	300

static const char *const authlog_names[] = {
	[GD_SASL_OK] = "ok",
	[GD_SASL_BAD_CREDENTIALS] = "bad-credentials",
	[GD_SASL_MALFORMED] = "malformed",
	[GD_SASL_CANCELLED] = "cancelled",
	[GD_SASL_AUTHZ_DENIED] = "authz-denied",
	[GD_SASL_MECH_UNAVAILABLE] = "mechanism-unavailable",
	[GD_SASL_ENCRYPTION_REQUIRED] = "encryption-required",
	[GD_SASL_TEMPORARY] = "temporary",
	[GD_SASL_LOCKED_OUT] = "locked-out",
};

static const char *const authlog_texts[] = {
	[GD_SASL_OK] = "authentication successful",
	[GD_SASL_BAD_CREDENTIALS] = "authentication failed",
	[GD_SASL_MALFORMED] = "malformed authentication message",
	[GD_SASL_CANCELLED] = "authentication cancelled",
	[GD_SASL_AUTHZ_DENIED] = "not authorized to act as that user",
	[GD_SASL_MECH_UNAVAILABLE] = "mechanism not available",
	[GD_SASL_ENCRYPTION_REQUIRED] = ("encryption required for this "
	    "mechanism"),
	[GD_SASL_TEMPORARY] = "temporary authentication failure",
	[GD_SASL_LOCKED_OUT] = "too many failures, try again later",
};

const char *
gd_sasl_reason_name(enum gd_sasl_reason reason)
{
	if ((unsigned)reason >= GD_N_ELEMENTS(authlog_names))
		return "unknown";
	return authlog_names[reason];
}

const char *
gd_sasl_reason_text(enum gd_sasl_reason reason)
{
	if ((unsigned)reason >= GD_N_ELEMENTS(authlog_texts))
		return "authentication failed";
	return authlog_texts[reason];
}

static void
authlog_success(const struct gd_sasl *sasl, const struct gd_sasl_result *r)
{
	char user[AUTHLOG_VALUE_MAX], authcid[AUTHLOG_VALUE_MAX];
	char mech[64];
	bool proxy = strcmp(r->user, r->authcid) != 0;

	gd_log(GD_LOG_INFO, "auth.success", "session=%s mechanism=%s user=%s "
	    "client=%s reason=ok%s%s", sasl->session,
	    gd_log_quote(mech, sizeof(mech), r->mechanism),
	    gd_log_quote(user, sizeof(user), r->user), sasl->client,
	    proxy ? " authcid=" : "", proxy ? gd_log_quote(authcid,
	    sizeof(authcid), r->authcid) : "");
}

static void
authlog_failure(const struct gd_sasl *sasl, const struct gd_sasl_result *r)
{
	char user[AUTHLOG_VALUE_MAX], detail[AUTHLOG_VALUE_MAX];
	char mech[64];
	bool has_detail = sasl->text != NULL && *sasl->text != '\0';

	gd_log(GD_LOG_NOTICE, "auth.failure", "session=%s mechanism=%s "
	    "user=%s client=%s reason=%s%s%s", sasl->session,
	    gd_log_quote(mech, sizeof(mech), r->mechanism),
	    gd_log_quote(user, sizeof(user), sasl->tried_user != NULL ?
	    sasl->tried_user : "-"), sasl->client,
	    gd_sasl_reason_name(r->reason), has_detail ? " detail=" : "",
	    has_detail ? gd_log_quote(detail, sizeof(detail), sasl->text) :
	    "");
}

void
gd_sasl_log_result(const struct gd_sasl *sasl, const struct gd_sasl_result *r)
{
	if (r->status == GD_SASL_SUCCESS)
		authlog_success(sasl, r);
	else if (r->status == GD_SASL_FAILURE)
		authlog_failure(sasl, r);
}
