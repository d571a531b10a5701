/*
 * dkim-verify.c — the verifier (RFC 6376 section 6): header fields are
 * collected as bytes pass, the DKIM-Signature fields parsed at the end of
 * the header, then one body hash per distinct (hash, body canon, l=)
 * computed while the body streams.  At the end every signature (up to
 * the maximum) gets its key looked up through the DNS ops, all lookups
 * in parallel, and is verified when its answer comes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim-engine.h"

struct dkim_vbody {
	bool sha1;
	enum gd_dkim_canon canon;
	uint64_t limit;
	struct dkim_hash hash;
	struct dkim_body_canon bc;
	uint8_t digest[DKIM_HASH_MAX];
};

struct dkim_vsig {
	struct gd_dkim_verifier *v;
	struct dkim_sig sig;
	enum gd_dkim_result result;	/* PASS: nothing wrong yet */
	const char *reason;
	size_t field;
	size_t body;
	bool looking;
	bool testing;
	unsigned bits;
	void *dns;
};

struct gd_dkim_verifier {
	struct gd_dkim_verify_opts opts;
	const struct gd_dkim_dns_ops *dns;
	struct dkim_header hdr;
	struct dkim_vsig *sigs;
	size_t nsigs;
	struct dkim_vbody *bodies;
	size_t nbodies;
	struct gd_dkim_sig_result *results;
	struct dkim_keycache *cache;	/* NULL: every key from DNS */
	bool set_up, ended, reported;
	bool starting;
	unsigned pending;
	gd_dkim_verify_done_fn *done;
	void *done_arg;
};

struct gd_dkim_verifier *
dkim_verify_create(const struct gd_dkim_verify_opts *opts,
    const struct gd_dkim_dns_ops *dns)
{
	struct gd_dkim_verifier *v;

	v = calloc(1, sizeof(*v));
	if (v == NULL)
		abort();
	if (opts != NULL)
		v->opts = *opts;
	if (v->opts.max_signatures == 0)
		v->opts.max_signatures = 8;
	if (v->opts.min_rsa_bits == 0)
		v->opts.min_rsa_bits = 1024;
	if (v->opts.clock_skew == 0)
		v->opts.clock_skew = 300;
	if (v->opts.max_header_bytes == 0)
		v->opts.max_header_bytes = 256 * 1024;
	if (v->opts.now == 0)
		v->opts.now = time(NULL);
	v->dns = dns;
	dkim_header_init(&v->hdr, v->opts.max_header_bytes);
	return v;
}

/* The field's value: after the colon, without the final CRLF. */
static const char *
dkim_field_value(const struct dkim_header *hc, size_t i, size_t *len_r)
{
	const struct dkim_field *f = &hc->fields[i];
	const char *p = hc->buf + f->off, *colon;
	size_t n = f->len;

	if (n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n')
		n -= 2;
	colon = memchr(p, ':', n);
	*len_r = n - (size_t)(colon + 1 - p);
	return colon + 1;
}

static size_t
dkim_verify_body_for(struct gd_dkim_verifier *v, const struct dkim_sig *s)
{
	struct dkim_vbody *b;
	bool sha1 = s->alg == GD_DKIM_ALG_RSA_SHA1;
	uint64_t limit = s->has_l ? s->l : UINT64_MAX;
	size_t i;

	for (i = 0; i < v->nbodies; i++) {
		b = &v->bodies[i];
		if (b->sha1 == sha1 && b->canon == s->bcanon &&
		    b->limit == limit)
			return i;
	}
	b = &v->bodies[v->nbodies];
	b->sha1 = sha1;
	b->canon = s->bcanon;
	b->limit = limit;
	dkim_hash_init(&b->hash, sha1);
	dkim_body_init(&b->bc, s->bcanon, limit, &b->hash);
	return v->nbodies++;
}

/* Checks that need no key: RFC 8301 sha1, t= and x= with the skew. */
static void
dkim_verify_precheck(struct gd_dkim_verifier *v, struct dkim_vsig *vs)
{
	const struct dkim_sig *s = &vs->sig;
	int64_t now = (int64_t)v->opts.now, skew = v->opts.clock_skew;

	if (s->alg == GD_DKIM_ALG_RSA_SHA1 && !v->opts.allow_sha1) {
		vs->result = GD_DKIM_PERMERROR;
		vs->reason = "rsa-sha1 not accepted (RFC 8301)";
	} else if (s->has_x && s->x + skew < now) {
		vs->result = GD_DKIM_PERMERROR;
		vs->reason = "signature expired";
	} else if (s->has_t && s->t > now + skew) {
		vs->result = GD_DKIM_PERMERROR;
		vs->reason = "signature timestamp in the future";
	}
}

static void
dkim_verify_add(struct gd_dkim_verifier *v, size_t field)
{
	struct dkim_vsig *vs = &v->sigs[v->nsigs++];
	const char *val;
	size_t len;

	vs->v = v;
	vs->field = field;
	vs->body = (size_t)-1;
	val = dkim_field_value(&v->hdr, field, &len);
	vs->result = dkim_sig_parse(val, len, &vs->sig, &vs->reason);
	if (vs->result == GD_DKIM_PASS && v->hdr.overflow) {
		vs->result = GD_DKIM_POLICY;
		vs->reason = "header over the local size limit";
	}
	if (vs->result != GD_DKIM_PASS)
		return;
	dkim_verify_precheck(v, vs);
	if (vs->result == GD_DKIM_PASS)
		vs->body = dkim_verify_body_for(v, &vs->sig);
}

/* End of header: find the signatures, set up the body hashes. */
static void
dkim_verify_setup(struct gd_dkim_verifier *v)
{
	size_t i, n = 0, max = v->opts.max_signatures;

	/* As many as there are signatures (a body state is 8 KiB: sized
	 * for the maximum, each message paid for zeroing and freeing it). */
	v->set_up = true;
	for (i = 0; i < v->hdr.nfields && n < max; i++)
		if (dkim_field_is(&v->hdr, i, "DKIM-Signature", 14))
			n++;
	v->sigs = calloc(n > 0 ? n : 1, sizeof(*v->sigs));
	v->bodies = calloc(n > 0 ? n : 1, sizeof(*v->bodies));
	if (v->sigs == NULL || v->bodies == NULL)
		abort();
	for (i = 0; i < v->hdr.nfields && v->nsigs < max; i++)
		if (dkim_field_is(&v->hdr, i, "DKIM-Signature", 14))
			dkim_verify_add(v, i);
}

void
dkim_verify_write(struct gd_dkim_verifier *v, const void *buf, size_t len)
{
	const char *p = buf;
	size_t n, i;

	if (v->ended)
		return;
	if (!v->hdr.done) {
		n = dkim_header_write(&v->hdr, p, len);
		p += n;
		len -= n;
		if (!v->hdr.done)
			return;
		dkim_verify_setup(v);
	}
	for (i = 0; i < v->nbodies; i++)
		dkim_body_write(&v->bodies[i].bc, p, len);
}

/* The header hash of signature `vs` (RFC 6376 3.7). */
static size_t
dkim_verify_header_hash(struct gd_dkim_verifier *v, struct dkim_vsig *vs,
    uint8_t *digest)
{
	const struct dkim_sig *s = &vs->sig;
	const struct dkim_field *f = &v->hdr.fields[vs->field];
	struct dkim_hash h;
	long idx[DKIM_H_MAX];
	const char *val;
	char *tmp;
	size_t i, vlen, head, n;

	dkim_hash_init(&h, s->alg == GD_DKIM_ALG_RSA_SHA1);
	dkim_header_select(&v->hdr, s->h, s->h_len, s->nh, idx);
	for (i = 0; i < s->nh; i++)
		if (idx[i] >= 0)
			dkim_header_canon(s->hcanon,
			    v->hdr.buf + v->hdr.fields[idx[i]].off,
			    v->hdr.fields[idx[i]].len, true, &h);
	/* The signature field itself with b='s value taken out. */
	val = dkim_field_value(&v->hdr, vs->field, &vlen);
	head = (size_t)(val - (v->hdr.buf + f->off)) + s->b_eq;
	n = head + (vlen - s->b_end);
	if ((tmp = malloc(n + 1)) == NULL)
		abort();
	memcpy(tmp, v->hdr.buf + f->off, head);
	memcpy(tmp + head, val + s->b_end, vlen - s->b_end);
	dkim_header_canon(s->hcanon, tmp, n, false, &h);
	free(tmp);
	return dkim_hash_digest(&h, digest);
}

/* Key restrictions: k= matches a=, h= allows the hash, t=s. */
static const char *
dkim_verify_key_rules(const struct dkim_sig *s, const struct dkim_key *k)
{
	const char *at = strchr(s->auid, '@');
	bool rsa = s->alg != GD_DKIM_ALG_ED25519_SHA256;

	if (rsa != (k->kalg == GD_DKIM_ALG_RSA_SHA256))
		return "key type does not match a=";
	if (s->alg == GD_DKIM_ALG_RSA_SHA1 ? !k->hash_sha1 : !k->hash_sha256)
		return "key h= does not allow the hash";
	if (k->strict && (at == NULL || strcasecmp(at + 1, s->domain) != 0))
		return "key t=s: i= domain is not d=";
	return NULL;
}

/* l= against the body and the local policy. */
static void
dkim_verify_l_policy(struct gd_dkim_verifier *v, struct dkim_vsig *vs)
{
	const struct dkim_vbody *b = &v->bodies[vs->body];

	if (!vs->sig.has_l)
		return;
	if (v->opts.l_policy == GD_DKIM_L_REFUSE ||
	    (v->opts.l_policy == GD_DKIM_L_PARTIAL &&
	    vs->sig.l < b->bc.total)) {
		vs->result = GD_DKIM_POLICY;
		vs->reason = "l= refused by local policy";
	}
}

static void
dkim_verify_with_key(struct gd_dkim_verifier *v, struct dkim_vsig *vs,
    const struct dkim_key *key, struct dkim_pubkey *pub)
{
	const struct dkim_vbody *b = &v->bodies[vs->body];
	uint8_t digest[DKIM_HASH_MAX];
	size_t dlen;

	vs->testing = key->testing;
	if ((vs->reason = dkim_verify_key_rules(&vs->sig, key)) != NULL) {
		vs->result = GD_DKIM_PERMERROR;
		return;
	}
	if (vs->sig.has_l && vs->sig.l > b->bc.total) {
		vs->result = GD_DKIM_PERMERROR;
		vs->reason = "l= longer than the body";
		return;
	}
	if (memcmp(b->digest, vs->sig.bh, vs->sig.bh_len) != 0) {
		vs->result = GD_DKIM_FAIL;
		vs->reason = "body hash mismatch";
		return;
	}
	dlen = dkim_verify_header_hash(v, vs, digest);
	if (pub != NULL)
		vs->result = dkim_crypto_verify_key(vs->sig.alg, pub, digest,
		    dlen, vs->sig.b, vs->sig.b_len, v->opts.min_rsa_bits,
		    v->opts.allow_sha1, &vs->bits, &vs->reason);
	else
		vs->result = dkim_crypto_verify(vs->sig.alg, key->p,
		    key->p_len, digest, dlen, vs->sig.b, vs->sig.b_len,
		    v->opts.min_rsa_bits, v->opts.allow_sha1, &vs->bits,
		    &vs->reason);
	if (vs->result == GD_DKIM_PASS)
		dkim_verify_l_policy(v, vs);
}

static void
dkim_verify_answer(struct dkim_vsig *vs, enum gd_dkim_dns_status status,
    const struct gd_dkim_txt *txts, size_t n)
{
	struct dkim_key *key;

	if (status == GD_DKIM_DNS_TEMPFAIL) {
		vs->result = GD_DKIM_TEMPERROR;
		vs->reason = "key lookup failed";
		return;
	}
	if (status != GD_DKIM_DNS_OK || n == 0) {
		vs->result = GD_DKIM_PERMERROR;
		vs->reason = "no key for signature";
		return;
	}
	if ((key = malloc(sizeof(*key))) == NULL)
		abort();
	vs->result = dkim_key_pick(txts, n, key, &vs->reason);
	if (vs->result == GD_DKIM_PASS)
		dkim_verify_with_key(vs->v, vs, key, NULL);
	free(key);
}

static void
dkim_verify_report(struct gd_dkim_verifier *v)
{
	struct gd_dkim_sig_result *r;
	struct dkim_vsig *vs;
	size_t i;

	v->reported = true;
	v->results = calloc(v->nsigs + 1, sizeof(*v->results));
	if (v->results == NULL)
		abort();
	for (i = 0; i < v->nsigs; i++) {
		vs = &v->sigs[i];
		r = &v->results[i];
		r->result = vs->result;
		r->domain = vs->sig.domain;
		r->selector = vs->sig.selector;
		r->algorithm = vs->sig.a_text;
		r->auid = vs->sig.auid;
		memcpy(r->b_prefix, vs->sig.b_prefix, sizeof(r->b_prefix));
		r->reason = vs->result == GD_DKIM_PASS ? "" : vs->reason;
		r->testing = vs->testing;
		r->key_bits = vs->bits;
	}
}

static void
dkim_verify_dns_done(void *arg, enum gd_dkim_dns_status status,
    const struct gd_dkim_txt *txts, size_t n)
{
	struct dkim_vsig *vs = arg;
	struct gd_dkim_verifier *v = vs->v;

	vs->looking = false;
	vs->dns = NULL;
	dkim_verify_answer(vs, status, txts, n);
	if (--v->pending > 0 || v->starting)
		return;
	dkim_verify_report(v);
	if (v->done != NULL)
		v->done(v->done_arg);	/* may destroy v: last */
}

/* A key from the cache: the checks of a DNS answer, without DNS. */
static void
dkim_verify_cached(struct gd_dkim_verifier *v, struct dkim_vsig *vs,
    const struct dkim_keyent *e)
{
	if (e->key.p_len == 0) {
		vs->result = GD_DKIM_PERMERROR;
		vs->reason = "key revoked";
		return;
	}
	dkim_verify_with_key(v, vs, &e->key, e->pub);
}

static void
dkim_verify_lookup(struct gd_dkim_verifier *v, struct dkim_vsig *vs)
{
	char name[DKIM_DOMAIN_MAX * 2 + 16];
	const struct dkim_keyent *e;
	void *h;

	if (snprintf(name, sizeof(name), "%s._domainkey.%s",
	    vs->sig.selector, vs->sig.domain) > 253 || v->dns == NULL) {
		vs->result = GD_DKIM_PERMERROR;
		vs->reason = "key name too long";
		return;
	}
	if (v->cache != NULL &&
	    (e = dkim_keycache_get(v->cache, name, time(NULL))) != NULL) {
		dkim_verify_cached(v, vs, e);
		return;
	}
	vs->looking = true;
	v->pending++;
	h = v->dns->txt_start(v->dns->ctx, name, dkim_verify_dns_done, vs);
	if (!vs->looking)
		return;		/* answered inline */
	if (h == NULL) {
		vs->looking = false;
		v->pending--;
		vs->result = GD_DKIM_TEMPERROR;
		vs->reason = "key lookup could not start";
		return;
	}
	vs->dns = h;
}

/* End the bodies: their digests. */
static void
dkim_verify_end_bodies(struct gd_dkim_verifier *v)
{
	struct dkim_vbody *b;
	size_t i;

	for (i = 0; i < v->nbodies; i++) {
		b = &v->bodies[i];
		dkim_body_end(&b->bc);
		dkim_hash_digest(&b->hash, b->digest);
	}
}

int
dkim_verify_finish(struct gd_dkim_verifier *v, gd_dkim_verify_done_fn *done,
    void *arg)
{
	size_t i;

	if (v->ended)
		return v->pending > 0 ? 0 : 1;
	v->ended = true;
	if (!v->hdr.done) {
		dkim_header_end(&v->hdr);
		dkim_verify_setup(v);
	}
	dkim_verify_end_bodies(v);
	v->done = done;
	v->done_arg = arg;
	v->starting = true;
	for (i = 0; i < v->nsigs; i++)
		if (v->sigs[i].result == GD_DKIM_PASS)
			dkim_verify_lookup(v, &v->sigs[i]);
	v->starting = false;
	if (v->pending > 0)
		return 0;
	dkim_verify_report(v);
	return 1;
}

void
dkim_verify_set_cache(struct gd_dkim_verifier *v, struct dkim_keycache *c)
{
	v->cache = c;
}

const struct gd_dkim_sig_result *
dkim_verify_results(const struct gd_dkim_verifier *v, size_t *count_r)
{
	*count_r = v->reported ? v->nsigs : 0;
	return v->results;
}

void
dkim_verify_destroy(struct gd_dkim_verifier **vp)
{
	struct gd_dkim_verifier *v = *vp;
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->nsigs; i++)
		if (v->sigs[i].looking && v->sigs[i].dns != NULL &&
		    v->dns->cancel != NULL)
			v->dns->cancel(v->dns->ctx, v->sigs[i].dns);
	dkim_header_free(&v->hdr);
	free(v->sigs);
	free(v->bodies);
	free(v->results);
	free(v);
	*vp = NULL;
}
