/*
 * oauth-json.c — the JSON error challenges of OAUTHBEARER (RFC 7628
 * 3.2.2) and XOAUTH2, built with jansson; see oauth-parse.h.
 */
#include <string.h>

#include <jansson.h>

#include "oauth-parse.h"

/* XOAUTH2 speaks HTTP status codes where RFC 6750 has error codes. */
static const char *
oauth_http_status(const char *status)
{
	if (strcmp(status, "insufficient_scope") == 0)
		return "403";
	if (strcmp(status, "invalid_request") == 0)
		return "400";
	return "401";
}

/* Add key: value when value is given; false when jansson failed. */
static bool
oauth_json_add(json_t *o, const char *key, const char *value)
{
	json_t *v;

	if (value == NULL)
		return true;
	/* Realm strings are not trusted to be UTF-8: jansson refuses. */
	if ((v = json_string(value)) == NULL)
		return true;
	return json_object_set_new(o, key, v) == 0;
}

char *
oauth_error_json(bool xoauth2, const char *status, const char *scope,
    const char *openid_configuration)
{
	json_t *o = json_object();
	bool ok;
	char *text = NULL;

	if (o == NULL)
		return NULL;
	if (status == NULL || *status == '\0')
		status = "invalid_token";
	/* Insertion order is kept: status first, as in RFC 7628 4.3. */
	if (xoauth2)
		ok = oauth_json_add(o, "status", oauth_http_status(status)) &&
		    oauth_json_add(o, "schemes", "bearer") &&
		    oauth_json_add(o, "scope", scope);
	else
		ok = oauth_json_add(o, "status", status) &&
		    oauth_json_add(o, "scope", scope) &&
		    oauth_json_add(o, "openid-configuration",
		    openid_configuration);
	if (ok)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}
