/*
 * oauth-parse.c — OAUTHBEARER and XOAUTH2 client messages; see
 * oauth-parse.h.  Pure: no allocation, results point into the input.
 */
#include <string.h>
#include <strings.h>

#include <gumdrop/msg-codec.h>

#include "oauth-parse.h"

#define OAUTH_KVSEP	'\x01'

/* A cursor over one message. */
struct oauth_cur {
	const char *p;
	size_t len, pos;
};

static bool
oauth_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* value = *(VCHAR / SP / HTAB / CR / LF) */
static bool
oauth_value_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 0x21 && c <= 0x7e) || c == ' ' || c == '\t' ||
		    c == '\r' || c == '\n'))
			return false;
	}
	return true;
}

/* "Bearer" 1*SP b64token: the token, or NULL. */
static const char *
oauth_bearer_token(const char *v, size_t len, size_t *tlen)
{
	size_t i = 6, start;

	if (len < 8 || strncasecmp(v, "Bearer", 6) != 0 || v[6] != ' ')
		return NULL;
	while (i < len && v[i] == ' ')
		i++;
	start = i;
	while (i < len && (oauth_alpha(v[i]) || (v[i] >= '0' &&
	    v[i] <= '9') || strchr("-._~+/", v[i]) != NULL))
		i++;
	if (i == start)
		return NULL;
	while (i < len && v[i] == '=')
		i++;
	if (i != len)
		return NULL;
	*tlen = len - start;
	return v + start;
}

/* One key=value up to its kvsep; false when none is next. */
static bool
oauth_kvpair(struct oauth_cur *c, const char **key, size_t *klen,
    const char **val, size_t *vlen)
{
	const char *s = c->p + c->pos, *sep, *eq;
	size_t rest = c->len - c->pos;

	sep = memchr(s, OAUTH_KVSEP, rest);
	eq = memchr(s, '=', rest);
	if (sep == NULL || eq == NULL || eq > sep || eq == s)
		return false;
	*key = s;
	*klen = (size_t)(eq - s);
	*val = eq + 1;
	*vlen = (size_t)(sep - eq - 1);
	c->pos += (size_t)(sep - s) + 1;
	return true;
}

static bool
oauth_key_ok(const char *k, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!oauth_alpha(k[i]))
			return false;
	return len > 0;
}

/* Record one pair in m; -1 for a repeated or malformed known key. */
static int
oauth_take(struct oauth_msg *m, const char *k, size_t klen, const char *v,
    size_t vlen, bool *have_auth, const char **error_r)
{
	const char **slot = NULL;
	size_t *slot_len = NULL;

	if (klen == 4 && memcmp(k, "auth", 4) == 0) {
		if (*have_auth || (m->token = oauth_bearer_token(v, vlen,
		    &m->token_len)) == NULL) {
			*error_r = "auth is not one Bearer token";
			return -1;
		}
		*have_auth = true;
		return 0;
	}
	if (klen == 4 && memcmp(k, "host", 4) == 0) {
		slot = &m->host;
		slot_len = &m->host_len;
	} else if (klen == 4 && memcmp(k, "port", 4) == 0) {
		slot = &m->port;
		slot_len = &m->port_len;
	}
	if (slot != NULL) {
		if (*slot != NULL) {
			*error_r = "repeated key";
			return -1;
		}
		*slot = v;
		*slot_len = vlen;
	}
	return 0;
}

/* kvpairs until the final kvsep, which must end the message. */
static int
oauth_pairs(struct oauth_cur *c, struct oauth_msg *m, const char **error_r)
{
	const char *k, *v;
	size_t klen, vlen;
	bool have_auth = false;

	while (c->pos < c->len && c->p[c->pos] != OAUTH_KVSEP) {
		if (!oauth_kvpair(c, &k, &klen, &v, &vlen) ||
		    !oauth_key_ok(k, klen) || !oauth_value_ok(v, vlen)) {
			*error_r = "malformed key=value";
			return -1;
		}
		if (oauth_take(m, k, klen, v, vlen, &have_auth, error_r) < 0)
			return -1;
	}
	if (c->pos + 1 != c->len) {
		*error_r = "missing or early final separator";
		return -1;
	}
	if (!have_auth) {
		*error_r = "no auth";
		return -1;
	}
	return 0;
}

/* gs2-header = ("n" / "y") "," ["a=" saslname] "," */
static int
oauth_gs2(struct oauth_cur *c, struct oauth_msg *m, const char **error_r)
{
	const char *comma;
	char tmp[OAUTH_MSG_MAX + 1];

	if (c->len < 3 || (c->p[0] != 'n' && c->p[0] != 'y') ||
	    c->p[1] != ',') {
		*error_r = c->len > 0 && c->p[0] == 'p' ?
		    "channel binding is not supported" : "bad gs2 header";
		return -1;
	}
	c->pos = 2;
	if (c->len - c->pos >= 2 && memcmp(c->p + c->pos, "a=", 2) == 0) {
		c->pos += 2;
		comma = memchr(c->p + c->pos, ',', c->len - c->pos);
		if (comma == NULL) {
			*error_r = "bad gs2 header";
			return -1;
		}
		m->authzid = c->p + c->pos;
		m->authzid_len = (size_t)(comma - m->authzid);
		c->pos += m->authzid_len;
		if (m->authzid_len == 0 || oauth_unescape(m->authzid,
		    m->authzid_len, tmp) < 0) {
			*error_r = "bad authorization identity";
			return -1;
		}
	}
	if (c->pos >= c->len || c->p[c->pos] != ',') {
		*error_r = "bad gs2 header";
		return -1;
	}
	c->pos++;
	return 0;
}

int
oauth_parse_bearer(const void *in, size_t len, struct oauth_msg *m,
    const char **error_r)
{
	struct oauth_cur c = { .p = in, .len = len };

	memset(m, 0, sizeof(*m));
	if (in == NULL || len > OAUTH_MSG_MAX) {
		*error_r = "empty or too long";
		return -1;
	}
	if (oauth_gs2(&c, m, error_r) < 0)
		return -1;
	if (c.pos >= c.len || c.p[c.pos] != OAUTH_KVSEP) {
		*error_r = "no separator after the gs2 header";
		return -1;
	}
	c.pos++;
	return oauth_pairs(&c, m, error_r);
}

int
oauth_parse_xoauth2(const void *in, size_t len, struct oauth_msg *m,
    const char **error_r)
{
	struct oauth_cur c = { .p = in, .len = len };
	const char *k, *v;
	size_t klen, vlen;

	memset(m, 0, sizeof(*m));
	if (in == NULL || len > OAUTH_MSG_MAX) {
		*error_r = "empty or too long";
		return -1;
	}
	if (!oauth_kvpair(&c, &k, &klen, &v, &vlen) || klen != 4 ||
	    memcmp(k, "user", 4) != 0 || vlen == 0 ||
	    memchr(v, '\0', vlen) != NULL || !oauth_value_ok(v, vlen)) {
		*error_r = "expected user=";
		return -1;
	}
	m->authzid = v;
	m->authzid_len = vlen;
	if (!oauth_kvpair(&c, &k, &klen, &v, &vlen) || klen != 4 ||
	    memcmp(k, "auth", 4) != 0 ||
	    (m->token = oauth_bearer_token(v, vlen, &m->token_len)) == NULL) {
		*error_r = "expected auth=Bearer";
		return -1;
	}
	if (c.pos + 1 != c.len || c.p[c.pos] != OAUTH_KVSEP) {
		*error_r = "expected the final separator";
		return -1;
	}
	return 0;
}

int
oauth_unescape(const char *s, size_t len, char *out)
{
	size_t i = 0, n = 0;

	if (memchr(s, '\0', len) != NULL || !gd_msg_utf8_valid(s, len))
		return -1;
	while (i < len) {
		if (s[i] == '=') {
			if (len - i < 3 || !((s[i + 1] == '2' &&
			    s[i + 2] == 'C') || (s[i + 1] == '3' &&
			    s[i + 2] == 'D')))
				return -1;
			out[n++] = s[i + 1] == '2' ? ',' : '=';
			i += 3;
			continue;
		}
		if (s[i] == ',')
			return -1;
		out[n++] = s[i++];
	}
	out[n] = '\0';
	return 0;
}
