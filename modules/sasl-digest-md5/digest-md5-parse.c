/*
 * digest-md5-parse.c — the DIGEST-MD5 digest-response parser and its
 * check against what the server offered (RFC 2831 2.1.2, 7.1).
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "digest-md5.h"

struct dm_parser {
	const unsigned char *p, *end;
	char *o;			/* next free byte of r->buf */
};

/* The directives we read, by their offsets in the response. */
static const struct {
	const char *name;
	size_t off;
	bool required;
} dm_directives[] = {
	{ "username", offsetof(struct digest_md5_response, username), true },
	{ "realm", offsetof(struct digest_md5_response, realm), false },
	{ "nonce", offsetof(struct digest_md5_response, nonce), true },
	{ "cnonce", offsetof(struct digest_md5_response, cnonce), true },
	{ "nc", offsetof(struct digest_md5_response, nc), true },
	{ "qop", offsetof(struct digest_md5_response, qop), false },
	{ "digest-uri", offsetof(struct digest_md5_response, digest_uri),
	    true },
	{ "response", offsetof(struct digest_md5_response, response), true },
	{ "maxbuf", offsetof(struct digest_md5_response, maxbuf), false },
	{ "charset", offsetof(struct digest_md5_response, charset), false },
	{ "cipher", offsetof(struct digest_md5_response, cipher), false },
	{ "authzid", offsetof(struct digest_md5_response, authzid), false },
};

static bool
dm_is_ctl(unsigned char c)
{
	return c < ' ' || c == 0x7f;
}

/* RFC 2616 token characters: CHAR except CTLs and separators. */
static bool
dm_is_token(unsigned char c)
{
	return c < 0x80 && !dm_is_ctl(c) && strchr("()<>@,;:\\\"/[]?={} \t",
	    c) == NULL;
}

static void
dm_skip_lws(struct dm_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
	    *ps->p == '\r' || *ps->p == '\n'))
		ps->p++;
}

/* A token, left in the input. */
static size_t
dm_token(struct dm_parser *ps, const char **s)
{
	*s = (const char *)ps->p;
	while (ps->p < ps->end && dm_is_token(*ps->p))
		ps->p++;
	return (size_t)((const char *)ps->p - *s);
}

/* A quoted-string's content (escapes removed), copied out. */
static int
dm_quoted(struct dm_parser *ps, struct digest_md5_value *v)
{
	v->s = ps->o;
	for (ps->p++; ps->p < ps->end && *ps->p != '"'; ps->p++) {
		if (*ps->p == '\\' && ++ps->p == ps->end)
			return -1;
		if (dm_is_ctl(*ps->p) && *ps->p != '\t')
			return -1;
		*ps->o++ = (char)*ps->p;
	}
	if (ps->p == ps->end)
		return -1;
	ps->p++;
	v->len = (size_t)(ps->o - v->s);
	*ps->o++ = '\0';
	return 0;
}

/* A value (token or quoted-string) into `v` (copied out). */
static int
dm_value(struct dm_parser *ps, struct digest_md5_value *v)
{
	const char *s;
	size_t n;

	if (ps->p < ps->end && *ps->p == '"')
		return dm_quoted(ps, v);
	n = dm_token(ps, &s);
	if (n == 0)
		return -1;
	memcpy(ps->o, s, n);
	v->s = ps->o;
	v->len = n;
	ps->o += n;
	*ps->o++ = '\0';
	return 0;
}

static struct digest_md5_value *
dm_slot(struct digest_md5_response *r, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(dm_directives) / sizeof(dm_directives[0]); i++)
		if (strlen(dm_directives[i].name) == len &&
		    strncasecmp(dm_directives[i].name, name, len) == 0)
			return (struct digest_md5_value *)(void *)((char *)r +
			    dm_directives[i].off);
	return NULL;
}

/* One name=value; unknown names are read and dropped. */
static int
dm_directive(struct dm_parser *ps, struct digest_md5_response *r,
    const char **error_r)
{
	struct digest_md5_value *slot, ignored;
	const char *name;
	size_t n;

	n = dm_token(ps, &name);
	dm_skip_lws(ps);
	if (n == 0 || ps->p == ps->end || *ps->p != '=') {
		*error_r = "expected name=value";
		return -1;
	}
	ps->p++;
	dm_skip_lws(ps);
	slot = dm_slot(r, name, n);
	if (slot != NULL && slot->s != NULL) {
		*error_r = "a directive given twice";
		return -1;
	}
	if (dm_value(ps, slot != NULL ? slot : &ignored) < 0) {
		*error_r = "bad value";
		return -1;
	}
	return 0;
}

static int
dm_required(const struct digest_md5_response *r, const char **error_r)
{
	const struct digest_md5_value *v;
	size_t i;

	for (i = 0; i < sizeof(dm_directives) / sizeof(dm_directives[0]); i++) {
		v = (const void *)((const char *)r + dm_directives[i].off);
		if (dm_directives[i].required && v->s == NULL) {
			*error_r = "a required directive is missing";
			return -1;
		}
	}
	return 0;
}

int
digest_md5_parse(const void *in, size_t len, struct digest_md5_response *r,
    const char **error_r)
{
	struct dm_parser ps;

	memset(r, 0, offsetof(struct digest_md5_response, buf));
	if (in == NULL || len >= DIGEST_MD5_MAX_RESPONSE) {
		*error_r = in == NULL ? "empty response" : "response too long";
		return -1;
	}
	ps.p = in;
	ps.end = ps.p + len;
	/* UNSAFE: a value copies (plus its NUL) fewer bytes than its
	 * directive consumed (name, '=', quotes), so the copies of a message
	 * shorter than DIGEST_MD5_MAX_RESPONSE fit in buf. */
	ps.o = r->buf;
	for (;;) {
		dm_skip_lws(&ps);
		while (ps.p < ps.end && *ps.p == ',') {
			ps.p++;
			dm_skip_lws(&ps);
		}
		if (ps.p == ps.end)
			break;
		if (dm_directive(&ps, r, error_r) < 0)
			return -1;
		dm_skip_lws(&ps);
		if (ps.p < ps.end && *ps.p != ',') {
			*error_r = "expected ',' between directives";
			return -1;
		}
	}
	return dm_required(r, error_r);
}

static bool
dm_is(const struct digest_md5_value *v, const char *s)
{
	return v->s != NULL && v->len == strlen(s) &&
	    strcasecmp(v->s, s) == 0;
}

/* "serv-type/host[/serv-name]" naming this server. */
static bool
dm_uri_ok(const struct digest_md5_value *uri,
    const struct digest_md5_server *srv)
{
	const char *slash = memchr(uri->s, '/', uri->len), *host, *end;
	size_t slen = strlen(srv->service), hlen = strlen(srv->hostname);

	if (slash == NULL || (size_t)(slash - uri->s) != slen ||
	    strncasecmp(uri->s, srv->service, slen) != 0)
		return false;
	host = slash + 1;
	end = memchr(host, '/', uri->len - (size_t)(host - uri->s));
	if (end == NULL)
		end = uri->s + uri->len;
	return (size_t)(end - host) == hlen &&
	    strncasecmp(host, srv->hostname, hlen) == 0;
}

int
digest_md5_check(const struct digest_md5_response *r,
    const struct digest_md5_server *srv, const char **error_r)
{
	size_t i;

	*error_r = NULL;
	if (r->nonce.len != strlen(srv->nonce) ||
	    memcmp(r->nonce.s, srv->nonce, r->nonce.len) != 0)
		*error_r = "nonce is not the one offered";
	else if (!dm_is(&r->nc, "00000001"))
		*error_r = "nc is not 00000001";
	else if (r->qop.s != NULL && !dm_is(&r->qop, "auth"))
		*error_r = "qop other than auth";
	else if (r->charset.s != NULL && !dm_is(&r->charset, "utf-8"))
		*error_r = "charset other than utf-8";
	else if (r->realm.s != NULL && r->realm.len > 0 &&
	    strcmp(r->realm.s, srv->realm) != 0)
		*error_r = "realm not offered";
	else if (!dm_uri_ok(&r->digest_uri, srv))
		*error_r = "digest-uri does not name this service and host";
	else if (r->cnonce.len == 0 || r->username.len == 0)
		*error_r = "empty cnonce or username";
	else if (r->response.len != 2 * DIGEST_MD5_HASH_LEN)
		*error_r = "response is not 32 hex digits";
	for (i = 0; *error_r == NULL && i < r->response.len; i++)
		if (r->response.s[i] == '\0' ||
		    strchr("0123456789abcdefABCDEF", r->response.s[i]) == NULL)
			*error_r = "response is not 32 hex digits";
	return *error_r == NULL ? 0 : -1;
}
