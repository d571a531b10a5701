/*
 * dkim-key.c — key records (RFC 6376 3.6.1; k=ed25519 from RFC 8463).
 * Every problem is PERMERROR (6.1.2: the key is unusable); unknown tags
 * and unknown t= flags are ignored as the RFC says.
 */
#include <string.h>

#include "dkim-engine.h"

static bool
dkim_key_is(const struct dkim_tag *t, const char *lit)
{
	return t->value_len == strlen(lit) &&
	    memcmp(t->value, lit, t->value_len) == 0;
}

/* v= must be first and "DKIM1"; k= known; s= allows email. */
static const char *
dkim_key_header(const struct dkim_taglist *tl, struct dkim_key *k)
{
	const struct dkim_tag *v, *kt, *s;

	v = dkim_tags_find(tl, "v");
	if (v != NULL && (v != &tl->tags[0] || !dkim_key_is(v, "DKIM1")))
		return "bad key record version";
	k->kalg = GD_DKIM_ALG_RSA_SHA256;
	kt = dkim_tags_find(tl, "k");
	if (kt != NULL && dkim_key_is(kt, "ed25519"))
		k->kalg = GD_DKIM_ALG_ED25519_SHA256;
	else if (kt != NULL && !dkim_key_is(kt, "rsa"))
		return "unknown key type";
	s = dkim_tags_find(tl, "s");
	if (s != NULL && !dkim_list_has(s->value, s->value_len, "*") &&
	    !dkim_list_has(s->value, s->value_len, "email"))
		return "key not for email";
	return NULL;
}

static void
dkim_key_flags(const struct dkim_taglist *tl, struct dkim_key *k)
{
	const struct dkim_tag *h, *t;

	h = dkim_tags_find(tl, "h");
	k->hash_sha1 = h == NULL || dkim_list_has(h->value, h->value_len,
	    "sha1");
	k->hash_sha256 = h == NULL || dkim_list_has(h->value, h->value_len,
	    "sha256");
	t = dkim_tags_find(tl, "t");
	k->testing = t != NULL && dkim_list_has(t->value, t->value_len, "y");
	k->strict = t != NULL && dkim_list_has(t->value, t->value_len, "s");
}

enum gd_dkim_result
dkim_key_parse(const char *text, size_t len, struct dkim_key *out,
    const char **reason_r)
{
	struct dkim_taglist tl;
	const struct dkim_tag *p;
	const char *err;

	memset(out, 0, offsetof(struct dkim_key, p));
	out->p_len = 0;
	if (dkim_tags_parse(text, len, &tl, &err) < 0) {
		*reason_r = "malformed key record";
		return GD_DKIM_PERMERROR;
	}
	if ((err = dkim_key_header(&tl, out)) != NULL) {
		*reason_r = err;
		return GD_DKIM_PERMERROR;
	}
	dkim_key_flags(&tl, out);
	if ((p = dkim_tags_find(&tl, "p")) == NULL) {
		*reason_r = "key record without p=";
		return GD_DKIM_PERMERROR;
	}
	if (p->value_len == 0) {
		*reason_r = "key revoked";
		return GD_DKIM_PERMERROR;
	}
	if (dkim_b64_decode(p->value, p->value_len, out->p, sizeof(out->p),
	    &out->p_len) < 0 || out->p_len == 0) {
		*reason_r = "malformed p=";
		return GD_DKIM_PERMERROR;
	}
	return GD_DKIM_PASS;
}

/* The first TXT record that parses as a key; else the first error. */
enum gd_dkim_result
dkim_key_pick(const struct gd_dkim_txt *txts, size_t n,
    struct dkim_key *key, const char **reason_r)
{
	enum gd_dkim_result r = GD_DKIM_PERMERROR;
	const char *reason = "no key record";
	const char *why;
	size_t i;

	for (i = 0; i < n && i < 8; i++) {
		if (dkim_key_parse(txts[i].text, txts[i].len, key, &why) ==
		    GD_DKIM_PASS)
			return GD_DKIM_PASS;
		if (i == 0)
			reason = why;
	}
	*reason_r = reason;
	return r;
}
