/*
 * dkim-sig.c — DKIM-Signature field values (RFC 6376 3.5) parsed and
 * validated.  Syntax errors give NEUTRAL (RFC 8601 2.7.1: "contained
 * syntax errors"); well-formed signatures we refuse to accept give
 * PERMERROR (unknown algorithm or canonicalisation, From not signed, i=
 * outside d=, x= before t=).
 */
#include <string.h>
#include <strings.h>

#include "dkim-engine.h"

struct dkim_sig_ctx {
	const char *value;
	const struct dkim_taglist *tl;
	struct dkim_sig *sig;
	const char *reason;
};

static bool
dkim_span_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* sub-domain *("." sub-domain), sub-domain = let-dig [ldh-str]. */
static bool
dkim_domain_ok(const char *s, size_t n)
{
	size_t i, lab = 0;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return false;
			lab = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] == '-' && lab > 0)) || ++lab > 63)
			return false;
	}
	return lab > 0 && s[n - 1] != '-';
}

/* Copy a NUL-terminated string of at most cap-1 bytes. */
static void
dkim_copy(char *dst, size_t cap, const char *s, size_t n, bool lower)
{
	size_t i;

	if (n >= cap)
		n = cap - 1;
	for (i = 0; i < n; i++)
		dst[i] = lower ? dkim_lower(s[i]) : s[i];
	dst[n] = '\0';
}

static bool
dkim_digits(const char *s, size_t n, size_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

static int
dkim_sig_fail(struct dkim_sig_ctx *c, const char *reason)
{
	c->reason = reason;
	return -1;
}

static int
dkim_sig_alg(struct dkim_sig_ctx *c, const struct dkim_tag *t)
{
	dkim_copy(c->sig->a_text, sizeof(c->sig->a_text), t->value,
	    t->value_len, false);
	if (dkim_span_is(t->value, t->value_len, "rsa-sha256"))
		c->sig->alg = GD_DKIM_ALG_RSA_SHA256;
	else if (dkim_span_is(t->value, t->value_len, "ed25519-sha256"))
		c->sig->alg = GD_DKIM_ALG_ED25519_SHA256;
	else if (dkim_span_is(t->value, t->value_len, "rsa-sha1"))
		c->sig->alg = GD_DKIM_ALG_RSA_SHA1;
	else
		return dkim_sig_fail(c, "unknown algorithm");
	return 0;
}

static int
dkim_canon_word(const char *s, size_t n, enum gd_dkim_canon *out)
{
	if (dkim_span_is(s, n, "simple"))
		*out = GD_DKIM_CANON_SIMPLE;
	else if (dkim_span_is(s, n, "relaxed"))
		*out = GD_DKIM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

static int
dkim_sig_canon(struct dkim_sig_ctx *c, const struct dkim_tag *t)
{
	const char *slash;
	size_t n;

	c->sig->hcanon = c->sig->bcanon = GD_DKIM_CANON_SIMPLE;
	if (t == NULL)
		return 0;
	slash = memchr(t->value, '/', t->value_len);
	n = slash != NULL ? (size_t)(slash - t->value) : t->value_len;
	if (dkim_canon_word(t->value, n, &c->sig->hcanon) < 0 ||
	    (slash != NULL && dkim_canon_word(slash + 1,
	    t->value_len - n - 1, &c->sig->bcanon) < 0))
		return dkim_sig_fail(c, "unknown canonicalization");
	return 0;
}

/* b= and bh=: base64; the prefix of b= for header.b. */
static int
dkim_sig_hashes(struct dkim_sig_ctx *c, const struct dkim_tag *b,
    const struct dkim_tag *bh)
{
	struct dkim_sig *s = c->sig;
	size_t i, n = 0;

	for (i = 0; i < b->value_len && n < GD_DKIM_B_PREFIX; i++)
		if (dkim_is_b64char(b->value[i]))
			s->b_prefix[n++] = b->value[i];
	s->b_prefix[n] = '\0';
	s->b_eq = b->eq + 1;
	s->b_end = b->end;
	if (dkim_b64_decode(b->value, b->value_len, s->b, sizeof(s->b),
	    &s->b_len) < 0 || s->b_len == 0)
		return dkim_sig_fail(c, "malformed b=");
	if (dkim_b64_decode(bh->value, bh->value_len, s->bh, sizeof(s->bh),
	    &s->bh_len) < 0 ||
	    s->bh_len != (s->alg == GD_DKIM_ALG_RSA_SHA1 ? 20u : 32u))
		return dkim_sig_fail(c, "malformed bh=");
	return 0;
}

/* h=: field names separated by ':' with FWS around them. */
static int
dkim_sig_h(struct dkim_sig_ctx *c, const struct dkim_tag *t)
{
	struct dkim_sig *s = c->sig;
	const char *p = t->value, *end = t->value + t->value_len, *q;
	bool from = false;

	s->nh = 0;
	while (p <= end) {
		while (p < end && dkim_is_fwschar(*p))
			p++;
		for (q = p; q < end && *q != ':' && !dkim_is_fwschar(*q); q++)
			;
		if (q == p || q - p > 255)
			return dkim_sig_fail(c, "malformed h=");
		if (s->nh >= DKIM_H_MAX)
			return dkim_sig_fail(c, "too many names in h=");
		s->h[s->nh] = p;
		s->h_len[s->nh++] = (uint8_t)(q - p);
		from |= q - p == 4 && strncasecmp(p, "from", 4) == 0;
		while (q < end && dkim_is_fwschar(*q))
			q++;
		if (q < end && *q != ':')
			return dkim_sig_fail(c, "malformed h=");
		p = q + 1;
	}
	if (!from) {
		c->reason = "From not signed";
		return -2;
	}
	return 0;
}

/* d=, s= and i= (i= must be d= or a subdomain of it). */
static int
dkim_sig_names(struct dkim_sig_ctx *c, const struct dkim_tag *d,
    const struct dkim_tag *s, const struct dkim_tag *i)
{
	struct dkim_sig *sig = c->sig;
	const char *at;
	size_t dn, in;

	if (!dkim_domain_ok(d->value, d->value_len) ||
	    !dkim_domain_ok(s->value, s->value_len))
		return dkim_sig_fail(c, "malformed d= or s=");
	dkim_copy(sig->domain, sizeof(sig->domain), d->value, d->value_len,
	    true);
	dkim_copy(sig->selector, sizeof(sig->selector), s->value,
	    s->value_len, false);
	if (i == NULL) {
		sig->auid[0] = '@';
		dkim_copy(sig->auid + 1, sizeof(sig->auid) - 1, d->value,
		    d->value_len, true);
		return 0;
	}
	at = memchr(i->value, '@', i->value_len);
	if (at == NULL || i->value_len >= sizeof(sig->auid))
		return dkim_sig_fail(c, "malformed i=");
	dkim_copy(sig->auid, sizeof(sig->auid), i->value, i->value_len,
	    false);
	in = i->value_len - (size_t)(at + 1 - i->value);
	dn = d->value_len;
	if (in < dn || strncasecmp(at + 1 + in - dn, sig->domain, dn) != 0 ||
	    (in > dn && at[in - dn] != '.'))
		return -2;
	return 0;
}

static int
dkim_sig_times(struct dkim_sig_ctx *c)
{
	const struct dkim_tag *l, *t, *x, *q;
	struct dkim_sig *s = c->sig;
	uint64_t v;

	l = dkim_tags_find(c->tl, "l");
	t = dkim_tags_find(c->tl, "t");
	x = dkim_tags_find(c->tl, "x");
	q = dkim_tags_find(c->tl, "q");
	if ((s->has_l = l != NULL) &&
	    !dkim_digits(l->value, l->value_len, 18, &s->l))
		return dkim_sig_fail(c, "malformed l=");
	if ((s->has_t = t != NULL)) {
		if (!dkim_digits(t->value, t->value_len, 12, &v))
			return dkim_sig_fail(c, "malformed t=");
		s->t = (int64_t)v;
	}
	if ((s->has_x = x != NULL)) {
		if (!dkim_digits(x->value, x->value_len, 12, &v))
			return dkim_sig_fail(c, "malformed x=");
		s->x = (int64_t)v;
	}
	if (q != NULL && !dkim_list_has(q->value, q->value_len, "dns/txt"))
		return dkim_sig_fail(c, "unsupported q=");
	return 0;
}

/* The report fields first, so even a refused signature names itself. */
static void
dkim_sig_ids(struct dkim_sig_ctx *c)
{
	const struct dkim_tag *t;

	if ((t = dkim_tags_find(c->tl, "d")) != NULL)
		dkim_copy(c->sig->domain, sizeof(c->sig->domain), t->value,
		    t->value_len, true);
	if ((t = dkim_tags_find(c->tl, "s")) != NULL)
		dkim_copy(c->sig->selector, sizeof(c->sig->selector),
		    t->value, t->value_len, false);
	if ((t = dkim_tags_find(c->tl, "a")) != NULL)
		dkim_copy(c->sig->a_text, sizeof(c->sig->a_text), t->value,
		    t->value_len, false);
}

static enum gd_dkim_result
dkim_sig_check(struct dkim_sig_ctx *c)
{
	const struct dkim_taglist *tl = c->tl;
	const struct dkim_tag *v, *b, *bh, *d, *h, *s;
	int r;

	v = dkim_tags_find(tl, "v");
	b = dkim_tags_find(tl, "b");
	bh = dkim_tags_find(tl, "bh");
	d = dkim_tags_find(tl, "d");
	h = dkim_tags_find(tl, "h");
	s = dkim_tags_find(tl, "s");
	if (v == NULL || b == NULL || bh == NULL || d == NULL || h == NULL ||
	    s == NULL || dkim_tags_find(tl, "a") == NULL) {
		c->reason = "required tag missing";
		return GD_DKIM_NEUTRAL;
	}
	if (!dkim_span_is(v->value, v->value_len, "1")) {
		c->reason = "unknown version";
		return GD_DKIM_NEUTRAL;
	}
	if (dkim_sig_alg(c, dkim_tags_find(tl, "a")) < 0 ||
	    dkim_sig_canon(c, dkim_tags_find(tl, "c")) < 0)
		return GD_DKIM_PERMERROR;
	if (dkim_sig_hashes(c, b, bh) < 0 || dkim_sig_times(c) < 0)
		return GD_DKIM_NEUTRAL;
	if ((r = dkim_sig_h(c, h)) < 0)
		return r == -2 ? GD_DKIM_PERMERROR : GD_DKIM_NEUTRAL;
	if ((r = dkim_sig_names(c, d, s, dkim_tags_find(tl, "i"))) < 0) {
		if (r == -2)
			c->reason = "i= not within d=";
		return r == -2 ? GD_DKIM_PERMERROR : GD_DKIM_NEUTRAL;
	}
	if (c->sig->has_t && c->sig->has_x && c->sig->x < c->sig->t) {
		c->reason = "x= before t=";
		return GD_DKIM_PERMERROR;
	}
	return GD_DKIM_PASS;
}

enum gd_dkim_result
dkim_sig_parse(const char *value, size_t len, struct dkim_sig *out,
    const char **reason_r)
{
	struct dkim_taglist tl;
	struct dkim_sig_ctx c = { value, &tl, out, "" };
	enum gd_dkim_result r;

	memset(out, 0, sizeof(*out));
	if (dkim_tags_parse(value, len, &tl, &c.reason) < 0) {
		*reason_r = c.reason;
		return GD_DKIM_NEUTRAL;
	}
	dkim_sig_ids(&c);
	r = dkim_sig_check(&c);
	*reason_r = c.reason;
	return r;
}
