/*
 * roauth-introspect.c — RFC 7662 token introspection over HTTP(S) with
 * libcurl (one easy handle per call: thread-safe, blocking, so it runs
 * only in the blocking pool); see realm-oauth.h.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "realm-oauth.h"

#define ROAUTH_RESPONSE_MAX	(1 << 20)

struct roauth_body {
	char *data;
	size_t len;
	bool too_big;
};

static size_t
roauth_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct roauth_body *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (b->len + n > ROAUTH_RESPONSE_MAX) {
		b->too_big = true;
		return 0;
	}
	if ((p = realloc(b->data, b->len + n + 1)) == NULL)
		return 0;
	b->data = p;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* A NumericDate member: -1 absent, 0 present, 1 malformed. */
static int
roauth_num(const json_t *o, const char *name, int64_t *v)
{
	const json_t *j = json_object_get(o, name);

	if (j == NULL)
		return -1;
	if (!json_is_number(j) || json_number_value(j) < -1e12 ||
	    json_number_value(j) > 1e12)
		return 1;
	*v = (int64_t)json_number_value(j);
	return 0;
}

/* The rules on an active token's members: 0, or -1 (why, status). */
static int
roauth_judge_rules(const json_t *o, const struct roauth_rules *rules,
    int64_t now, int64_t *exp, const char **status, const char **why)
{
	const json_t *iss = json_object_get(o, "iss");
	const json_t *aud = json_object_get(o, "aud");
	int64_t nbf;
	int r;

	*status = "invalid_token";
	*exp = 0;
	if ((r = roauth_num(o, "exp", exp)) == 1 ||
	    (r == 0 && *exp + rules->leeway <= now))
		*why = "expired";
	else if ((r = roauth_num(o, "nbf", &nbf)) == 1 ||
	    (r == 0 && nbf - rules->leeway > now))
		*why = "not yet valid";
	else if (rules->issuer != NULL && iss != NULL &&
	    (!json_is_string(iss) ||
	    strcmp(json_string_value(iss), rules->issuer) != 0))
		*why = "wrong issuer";
	else if (rules->audience != NULL && aud != NULL &&
	    !roauth_aud_ok(aud, rules->audience))
		*why = "wrong audience";
	else if (rules->scope != NULL && !roauth_has_scope(o, rules->scope)) {
		*status = "insufficient_scope";
		*why = "scope missing";
	} else
		return 0;
	return -1;
}

/* The user: the configured member ("username" falls back to "sub"). */
static const char *
roauth_judge_user(const json_t *o, const char *claim)
{
	const json_t *u = json_object_get(o, claim);

	if (u == NULL && strcmp(claim, "username") == 0)
		u = json_object_get(o, "sub");
	if (!json_is_string(u) || json_string_length(u) == 0 ||
	    strlen(json_string_value(u)) != json_string_length(u))
		return NULL;
	return json_string_value(u);
}

int
roauth_introspect_judge(const char *body, size_t len,
    const struct roauth_rules *rules, int64_t now, char **user_r,
    int64_t *exp_r, const char **status_r, const char **why)
{
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	const json_t *active = json_object_get(o, "active");
	const char *user;
	int ret = 0;

	*user_r = NULL;
	*status_r = "invalid_token";
	if (!json_is_object(o) || !json_is_boolean(active)) {
		*why = "introspection answer is not RFC 7662 JSON";
		ret = -1;
	} else if (!json_is_true(active))
		*why = "inactive";
	else if (roauth_judge_rules(o, rules, now, exp_r, status_r, why) < 0)
		ret = 0;
	else if ((user = roauth_judge_user(o, rules->user_claim)) == NULL)
		*why = "no user in the introspection answer";
	else if ((*user_r = strdup(user)) == NULL)
		*why = "out of memory";
	else
		ret = 1;
	json_decref(o);
	return ret;
}

/* Options of one request; false when libcurl refused one. */
static bool
roauth_curl_setup(CURL *h, const struct roauth_introspect *in,
    const char *post, struct roauth_body *body, struct curl_slist *hdrs)
{
	bool ok = curl_easy_setopt(h, CURLOPT_URL, in->url) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, roauth_write_cb) ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, body) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, in->timeout_ms) ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") ==
	    CURLE_OK &&
#endif
	    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) ==
	    CURLE_OK;

	if (ok && in->client_id != NULL)
		ok = curl_easy_setopt(h, CURLOPT_USERNAME, in->client_id) ==
		    CURLE_OK && curl_easy_setopt(h, CURLOPT_PASSWORD,
		    in->client_secret != NULL ? in->client_secret : "") ==
		    CURLE_OK;
	if (ok && in->ca_file != NULL)
		ok = curl_easy_setopt(h, CURLOPT_CAINFO, in->ca_file) ==
		    CURLE_OK;
	return ok;
}

int
roauth_introspect(const struct roauth_introspect *in, const char *token,
    size_t len, const struct roauth_rules *rules, int64_t now,
    char **user_r, int64_t *exp_r, const char **status_r, const char **why)
{
	struct roauth_body body = { NULL, 0, false };
	struct curl_slist *hdrs = NULL;
	CURL *h = curl_easy_init();
	char *enc = NULL, *post = NULL;
	long code = 0;
	int ret = -1;

	*why = "introspection request failed";
	hdrs = curl_slist_append(NULL, "Accept: application/json");
	if (h == NULL || hdrs == NULL ||
	    (enc = curl_easy_escape(h, token, (int)len)) == NULL ||
	    (post = malloc(strlen(enc) + 48)) == NULL)
		goto out;
	/* UNSAFE: sized above: 6 + strlen(enc) + 29 + NUL < strlen + 48. */
	strcpy(post, "token=");
	strcat(post, enc);
	strcat(post, "&token_type_hint=access_token");
	if (!roauth_curl_setup(h, in, post, &body, hdrs) ||
	    curl_easy_perform(h) != CURLE_OK)
		goto out;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		*why = "introspection endpoint did not answer 200";
		goto out;
	}
	ret = roauth_introspect_judge(body.data != NULL ? body.data : "",
	    body.len, rules, now, user_r, exp_r, status_r, why);
out:
	if (post != NULL) {
		memset(post, 0, strlen(post));
		free(post);
	}
	curl_free(enc);
	curl_slist_free_all(hdrs);
	if (h != NULL)
		curl_easy_cleanup(h);
	free(body.data);
	return ret;
}
