/*
 * mime-params.c — Content-Type and parameter lists (RFC 2045 5.1), with
 * RFC 2231 continuations, charsets and languages, and the RFC 2047 words
 * that mailers put in parameter values although they should not.
 *
 * Parsing is lenient: comments are skipped anywhere, a missing ';' between
 * parameters is tolerated, an unquoted value runs to the next ';' (file
 * names with spaces), and a malformed parameter is skipped.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/pool.h>

#include "message-private.h"

/* Parameters beyond this many in one list are ignored. */
#define MIME_MAX_PARAMS		256
/* RFC 2231 section numbers above this are ignored. */
#define MIME_MAX_SECTION	999

struct raw_param {
	const char *name;	/* base name, before any '*' */
	size_t name_len;
	int section;		/* -1: not a continuation */
	bool ext;		/* RFC 2231 extended value (%XX) */
	bool used;
	char *val;		/* unquoted */
	size_t val_len;
};

static size_t skip_cfws(const char *s, size_t len, size_t i);
static bool is_token(unsigned char c);
static size_t token_end(const char *s, size_t len, size_t i);
static bool msg_is_space(char c);
static bool param_follows(const char *s, size_t len, size_t i);
static size_t param_value_scan(struct gd_pool *pool, const char *s,
    size_t len, size_t i, struct raw_param *rp);
static bool param_name_split(const char *a, size_t alen,
    struct raw_param *rp);
static size_t params_max(const char *s, size_t len);
static size_t params_scan(struct gd_pool *pool, const char *s, size_t len,
    struct raw_param *out, size_t max);
static int hex_val(unsigned char c);
static size_t pct_decode(const char *v, size_t n, char *out);
static void param_decode(struct gd_pool *pool, struct raw_param **seg,
    size_t nseg, struct gd_mime_param *out);
static bool name_eq(const struct raw_param *a, const struct raw_param *b);
static size_t param_group(struct raw_param *raw, size_t n, size_t i,
    struct raw_param **seg);

static size_t
skip_cfws(const char *s, size_t len, size_t i)
{
	unsigned depth;

	while (i < len) {
		if (msg_is_wsp((unsigned char)s[i]) || s[i] == '\r' ||
		    s[i] == '\n') {
			i++;
			continue;
		}
		if (s[i] != '(')
			break;
		for (depth = 0; i < len; i++) {
			if (s[i] == '\\' && i + 1 < len)
				i++;
			else if (s[i] == '(')
				depth++;
			else if (s[i] == ')' && --depth == 0)
				break;
		}
		if (i < len)
			i++;
	}
	return i;
}

static bool
is_token(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static size_t
token_end(const char *s, size_t len, size_t i)
{
	while (i < len && is_token((unsigned char)s[i]))
		i++;
	return i;
}

/* "name", "name*", "name*N" or "name*N*". */
static bool
param_name_split(const char *a, size_t alen, struct raw_param *rp)
{
	const char *star = memchr(a, '*', alen);
	size_t i;
	int sec = 0;

	if (alen == 0)
		return false;
	rp->name = a;
	rp->name_len = alen;
	rp->section = -1;
	rp->ext = false;
	if (star == NULL)
		return true;
	rp->name_len = (size_t)(star - a);
	i = rp->name_len + 1;
	if (i == alen) {
		rp->ext = true;
		return rp->name_len > 0;
	}
	for (; i < alen && a[i] >= '0' && a[i] <= '9'; i++) {
		sec = sec * 10 + (a[i] - '0');
		if (sec > MIME_MAX_SECTION)
			return false;
	}
	if (i == rp->name_len + 1)
		return false;
	if (i + 1 == alen && a[i] == '*')
		rp->ext = true;
	else if (i != alen)
		return false;
	rp->section = sec;
	return rp->name_len > 0;
}

static bool
msg_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Does "attribute =" follow the whitespace at s[i]?  Then the ';' before
 * it is missing (as in the examples of RFC 2231 itself). */
static bool
param_follows(const char *s, size_t len, size_t i)
{
	size_t a;

	while (i < len && msg_is_space(s[i]))
		i++;
	for (a = i; i < len && is_token((unsigned char)s[i]); i++)
		;
	while (i < len && msg_is_space(s[i]))
		i++;
	return i > a && i < len && s[i] == '=';
}

/* The value at s[i] (quoted string or token-ish text up to ';'). */
static size_t
param_value_scan(struct gd_pool *pool, const char *s, size_t len, size_t i,
    struct raw_param *rp)
{
	size_t j, o = 0, end;

	if (i < len && s[i] == '"') {
		rp->val = gd_pool_alloc(pool, len - i);
		for (j = i + 1; j < len && s[j] != '"'; j++) {
			if (s[j] == '\\' && j + 1 < len)
				j++;
			rp->val[o++] = s[j];
		}
		rp->val_len = o;
		return j < len ? j + 1 : j;
	}
	for (j = i; j < len && s[j] != ';'; j++) {
		if (msg_is_space(s[j]) && param_follows(s, len, j))
			break;
	}
	end = j;
	/* Drop a trailing comment and whitespace. */
	while (end > i && (msg_is_wsp((unsigned char)s[end - 1]) ||
	    s[end - 1] == '\r' || s[end - 1] == '\n'))
		end--;
	if (end > i && s[end - 1] == ')') {
		const char *open = memchr(s + i, '(', end - i);

		if (open != NULL && open > s + i && msg_is_wsp(open[-1]))
			end = (size_t)(open - s);
		while (end > i && msg_is_wsp((unsigned char)s[end - 1]))
			end--;
	}
	rp->val = msg_pool_memdup(pool, s + i, end - i);
	rp->val_len = end - i;
	return j;
}

/* At most one parameter per '=', and at most MIME_MAX_PARAMS. */
static size_t
params_max(const char *s, size_t len)
{
	size_t n = 0;
	const char *eq;

	while (n < MIME_MAX_PARAMS && (eq = memchr(s, '=', len)) != NULL) {
		n++;
		len -= (size_t)(eq + 1 - s);
		s = eq + 1;
	}
	return n;
}

static size_t
params_scan(struct gd_pool *pool, const char *s, size_t len,
    struct raw_param *out, size_t max)
{
	size_t i = 0, a, n = 0;

	while (n < max) {
		i = skip_cfws(s, len, i);
		if (i >= len)
			break;
		if (s[i] == ';') {
			i++;
			continue;
		}
		for (a = i; i < len && s[i] != '=' && s[i] != ';' &&
		    !msg_is_wsp((unsigned char)s[i]) && s[i] != '('; i++)
			;
		if (!param_name_split(s + a, i - a, &out[n]) ||
		    (i = skip_cfws(s, len, i)) >= len || s[i] != '=') {
			while (i < len && s[i] != ';')
				i++;
			continue;
		}
		i = skip_cfws(s, len, i + 1);
		i = param_value_scan(pool, s, len, i, &out[n]);
		out[n].used = false;
		n++;
	}
	return n;
}

static int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = msg_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static size_t
pct_decode(const char *v, size_t n, char *out)
{
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < n; i++) {
		if (v[i] == '%' && i + 2 < n &&
		    (h = hex_val((unsigned char)v[i + 1])) >= 0 &&
		    (l = hex_val((unsigned char)v[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			out[o++] = v[i];
		}
	}
	return o;
}

/* Join the segments (sorted) and decode: %XX, charset, RFC 2047. */
static void
param_decode(struct gd_pool *pool, struct raw_param **seg, size_t nseg,
    struct gd_mime_param *out)
{
	size_t k, total = 0, rl = 0, bl = 0, vl;
	const char *v, *q1, *q2, *charset = NULL;
	char *raw, *bytes, *conv;

	for (k = 0; k < nseg; k++)
		total += seg[k]->val_len;
	raw = gd_pool_alloc(pool, total + 1);
	bytes = gd_pool_alloc(pool, total + 1);
	for (k = 0; k < nseg; k++) {
		v = seg[k]->val;
		vl = seg[k]->val_len;
		memcpy(raw + rl, v, vl);
		rl += vl;
		if (!seg[k]->ext) {
			memcpy(bytes + bl, v, vl);
			bl += vl;
			continue;
		}
		if (k == 0 && (q1 = memchr(v, '\'', vl)) != NULL &&
		    (q2 = memchr(q1 + 1, '\'', vl - (size_t)(q1 + 1 - v))) !=
		    NULL) {
			if (q1 > v)
				charset = out->charset =
				    gd_pool_strndup(pool, v, (size_t)(q1 - v));
			if (q2 > q1 + 1)
				out->language = gd_pool_strndup(pool, q1 + 1,
				    (size_t)(q2 - q1 - 1));
			vl -= (size_t)(q2 + 1 - v);
			v = q2 + 1;
		}
		bl += pct_decode(v, vl, bytes + bl);
	}
	out->raw_value = raw;
	out->value = bytes;
	if (charset != NULL) {
		if (gd_msg_charset_to_utf8(pool, charset, bytes, bl, &conv,
		    NULL) == 0)
			out->value = conv;
	} else if (memmem(bytes, bl, "=?", 2) != NULL) {
		out->value = gd_msg_decode_words(pool, bytes, bl, NULL);
	}
}

static bool
name_eq(const struct raw_param *a, const struct raw_param *b)
{
	size_t i;

	if (a->name_len != b->name_len)
		return false;
	for (i = 0; i < a->name_len; i++) {
		if (msg_lower((unsigned char)a->name[i]) !=
		    msg_lower((unsigned char)b->name[i]))
			return false;
	}
	return true;
}

/* Gather the parameters named like raw[i] into seg (continuations sorted
 * by section, else the extended one, else the first); returns the count. */
static size_t
param_group(struct raw_param *raw, size_t n, size_t i, struct raw_param **seg)
{
	struct raw_param *plain = NULL, *ext = NULL, *t;
	size_t j, k, nseg = 0;

	for (j = i; j < n; j++) {
		if (raw[j].used || !name_eq(&raw[i], &raw[j]))
			continue;
		raw[j].used = true;
		if (raw[j].section >= 0) {
			for (k = nseg; k > 0 && seg[k - 1]->section >
			    raw[j].section; k--)
				seg[k] = seg[k - 1];
			if (k > 0 && seg[k - 1]->section == raw[j].section) {
				/* Duplicate section: keep the first. */
				memmove(&seg[k], &seg[k + 1],
				    (nseg - k) * sizeof(*seg));
				continue;
			}
			seg[k] = &raw[j];
			nseg++;
		} else if (raw[j].ext) {
			if (ext == NULL)
				ext = &raw[j];
		} else if (plain == NULL) {
			plain = &raw[j];
		}
	}
	if (nseg > 0)
		return nseg;
	t = ext != NULL ? ext : plain;
	seg[0] = t;
	return 1;
}

struct gd_mime_param *
gd_mime_params_parse(struct gd_pool *pool, const char *text, size_t len)
{
	struct raw_param *raw, **seg;
	struct gd_mime_param *head = NULL, **tail = &head, *p;
	size_t n, i, nseg, max = params_max(text, len);

	if (max == 0)
		return NULL;
	raw = gd_pool_alloc(pool, max * sizeof(*raw));
	seg = gd_pool_alloc(pool, (max + 1) * sizeof(*seg));
	n = params_scan(pool, text, len, raw, max);
	for (i = 0; i < n; i++) {
		if (raw[i].used)
			continue;
		nseg = param_group(raw, n, i, seg);
		p = gd_pool_alloc(pool, sizeof(*p));
		p->name = msg_pool_lower(pool, raw[i].name, raw[i].name_len);
		param_decode(pool, seg, nseg, p);
		*tail = p;
		tail = &p->next;
	}
	return head;
}

int
msg_ctype_parse(struct gd_pool *pool, const char *s, size_t len,
    struct msg_ctype *ct)
{
	size_t i, a, b, tlen;

	a = skip_cfws(s, len, 0);
	i = token_end(s, len, a);
	tlen = i - a;
	i = skip_cfws(s, len, i);
	if (tlen == 0 || i >= len || s[i] != '/')
		return -1;
	b = skip_cfws(s, len, i + 1);
	i = token_end(s, len, b);
	if (i == b)
		return -1;
	ct->type_raw = gd_pool_strndup(pool, s + a, tlen);
	ct->subtype_raw = gd_pool_strndup(pool, s + b, i - b);
	ct->type = msg_pool_lower(pool, s + a, tlen);
	ct->subtype = msg_pool_lower(pool, s + b, i - b);
	ct->params = gd_mime_params_parse(pool, s + i, len - i);
	return 0;
}

int
gd_mime_content_type_parse(struct gd_pool *pool, const char *value,
    size_t len, const char **type_r, const char **subtype_r,
    struct gd_mime_param **params_r)
{
	struct msg_ctype ct;

	if (msg_ctype_parse(pool, value, len, &ct) < 0)
		return -1;
	*type_r = ct.type;
	*subtype_r = ct.subtype;
	*params_r = ct.params;
	return 0;
}
