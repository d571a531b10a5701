/*
 * dkim-sign.c — the signer (RFC 6376 section 5): the header collected as
 * bytes pass (bounded), the body hashed while it streams (one body hash
 * serves every key: all sign with SHA-256 and the same canonicalisation,
 * and no l=), then one DKIM-Signature per key.  The field is folded as it
 * is built and the header hash covers exactly the folded text, so simple
 * header canonicalisation verifies too.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <nettle/base64.h>

#include "dkim-engine.h"

struct dkim_skey {
	struct dkim_privkey *key;
	bool owned;		/* imported by this signer, freed with it */
	enum gd_dkim_alg alg;
	char domain[DKIM_DOMAIN_MAX + 1];
	char selector[DKIM_DOMAIN_MAX + 1];
};

struct gd_dkim_signer {
	struct gd_dkim_sign_opts opts;
	struct dkim_skey *keys;
	size_t nkeys;
	struct dkim_header hdr;
	struct dkim_hash bhash;
	struct dkim_body_canon bc;
	char *out;
	bool ended;
};

/* A growing string, for the fields. */
struct dkim_sb {
	char *s;
	size_t len, cap;
	size_t col;		/* column of the end of the last line */
};

static const char *const dkim_default_headers[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "resent-date",
	"resent-from", "resent-to", "resent-cc", "in-reply-to", "references",
	"list-id", "list-help", "list-unsubscribe", "list-subscribe",
	"list-post", "list-owner", "list-archive", "message-id",
	"mime-version", "content-type", "content-transfer-encoding",
};
static const char *const dkim_default_oversign[] = { "from" };

#define DKIM_FOLD_COL	76

static void
dkim_sb_put(struct dkim_sb *sb, const char *p, size_t n)
{
	size_t i;

	if (sb->len + n + 1 > sb->cap) {
		sb->cap = (sb->len + n + 1) * 2;
		if ((sb->s = realloc(sb->s, sb->cap)) == NULL)
			abort();
	}
	memcpy(sb->s + sb->len, p, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
	for (i = 0; i < n; i++)
		sb->col = p[i] == '\n' ? 0 : sb->col + 1;
}

/* A token after a joiner (" " or ""): folded with CRLF TAB when the
 * line would pass the fold column; the TAB replaces a space joiner, so
 * relaxed canonicalisation sees the same text either way. */
static void
dkim_sb_token(struct dkim_sb *sb, bool space, const char *tok, size_t n)
{
	if (sb->col + (space ? 1 : 0) + n > DKIM_FOLD_COL && sb->col > 1)
		dkim_sb_put(sb, "\r\n\t", 3);
	else if (space)
		dkim_sb_put(sb, " ", 1);
	dkim_sb_put(sb, tok, n);
}

static void
dkim_sb_tag(struct dkim_sb *sb, const char *fmt, const char *a,
    const char *b)
{
	char tok[600];
	int n = snprintf(tok, sizeof(tok), fmt, a, b);

	if (n > 0 && (size_t)n < sizeof(tok))
		dkim_sb_token(sb, true, tok, (size_t)n);
}

/* Key `i`: the caller's imported key, or `keys[i]`'s PEM imported. */
static int
dkim_sign_key_set(struct gd_dkim_signer *s, size_t i,
    const struct gd_dkim_sign_key *keys, struct dkim_privkey *const *privs,
    const char **error_r)
{
	struct dkim_skey *k = &s->keys[i];

	k->alg = keys[i].alg;
	snprintf(k->domain, sizeof(k->domain), "%s", keys[i].domain);
	snprintf(k->selector, sizeof(k->selector), "%s", keys[i].selector);
	if (privs != NULL) {
		k->key = privs[i];
		return 0;
	}
	k->owned = true;
	k->key = dkim_privkey_import(keys[i].alg, keys[i].pem,
	    keys[i].pem_len, error_r);
	return k->key != NULL ? 0 : -1;
}

struct gd_dkim_signer *
dkim_sign_create_imported(const struct gd_dkim_sign_key *keys,
    struct dkim_privkey *const *privs, size_t nkeys,
    const struct gd_dkim_sign_opts *opts, const char **error_r)
{
	struct gd_dkim_signer *s;
	size_t i;

	if (nkeys == 0) {
		*error_r = "no signing key";
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->keys = calloc(nkeys, sizeof(*s->keys))) == NULL)
		abort();
	if (opts != NULL)
		s->opts = *opts;
	if (s->opts.noversign > 8 || s->opts.nheaders > DKIM_H_MAX) {
		*error_r = "too many signed header names";
		free(s->keys);
		free(s);
		return NULL;
	}
	for (i = 0; i < nkeys; i++, s->nkeys++)
		if (dkim_sign_key_set(s, i, keys, privs, error_r) < 0) {
			s->nkeys++;
			dkim_sign_destroy(&s);
			return NULL;
		}
	dkim_header_init(&s->hdr, s->opts.max_header_bytes != 0 ?
	    s->opts.max_header_bytes : 256 * 1024);
	dkim_hash_init(&s->bhash, false);
	dkim_body_init(&s->bc, s->opts.body_canon, UINT64_MAX, &s->bhash);
	return s;
}

struct gd_dkim_signer *
dkim_sign_create(const struct gd_dkim_sign_key *keys, size_t nkeys,
    const struct gd_dkim_sign_opts *opts, const char **error_r)
{
	return dkim_sign_create_imported(keys, NULL, nkeys, opts, error_r);
}

void
dkim_sign_write(struct gd_dkim_signer *s, const void *buf, size_t len)
{
	size_t n = 0;

	if (s->ended)
		return;
	if (!s->hdr.done)
		n = dkim_header_write(&s->hdr, buf, len);
	if (s->hdr.done && n < len)
		dkim_body_write(&s->bc, (const char *)buf + n, len - n);
}

static size_t
dkim_sign_count(const struct gd_dkim_signer *s, const char *name)
{
	size_t i, n = 0, nl = strlen(name);

	for (i = 0; i < s->hdr.nfields; i++)
		n += dkim_field_is(&s->hdr, i, name, nl);
	return n;
}

static bool
dkim_in_list(const char *const *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], name) == 0)
			return true;
	return false;
}

/* The h= names: each listed name once per instance, the oversigned
 * ones once more at the end.  Returns the count (at most DKIM_H_MAX). */
static size_t
dkim_sign_names(const struct gd_dkim_signer *s, const char **names)
{
	const struct gd_dkim_sign_opts *o = &s->opts;
	size_t i, k, c, n = 0;

	for (i = 0; i < o->nheaders; i++) {
		c = dkim_sign_count(s, o->headers[i]);
		for (k = 0; k < c && n < DKIM_H_MAX - o->noversign; k++)
			names[n++] = o->headers[i];
	}
	for (i = 0; i < o->noversign; i++) {
		if (dkim_in_list(o->headers, o->nheaders, o->oversign[i]))
			continue;
		c = dkim_sign_count(s, o->oversign[i]);
		for (k = 0; k < c && n < DKIM_H_MAX - o->noversign; k++)
			names[n++] = o->oversign[i];
	}
	for (i = 0; i < o->noversign; i++)
		names[n++] = o->oversign[i];
	return n;
}

/* h=: pieces "name" + separator, folded like tags; a separator ending
 * in a space (" : ") gives that space as the joiner. */
static void
dkim_sign_h(struct dkim_sb *sb, const char *sep, const char **names,
    size_t n)
{
	char tok[300];
	size_t i, sl = strlen(sep);
	bool trail = sl > 0 && sep[sl - 1] == ' ';
	int len;

	for (i = 0; i < n; i++) {
		len = snprintf(tok, sizeof(tok), "%s%s%.*s",
		    i == 0 ? "h=" : "", names[i],
		    i + 1 < n ? (int)(trail ? sl - 1 : sl) : 1,
		    i + 1 < n ? sep : ";");
		if (len > 0 && (size_t)len < sizeof(tok))
			dkim_sb_token(sb, i == 0 || trail, tok, (size_t)len);
	}
}

static void
dkim_sign_tags(const struct gd_dkim_signer *s, const struct dkim_skey *k,
    const char *bh, const char **names, size_t n, struct dkim_sb *sb)
{
	const struct gd_dkim_sign_opts *o = &s->opts;
	char num[32];
	time_t t = o->timestamp != 0 ? o->timestamp : time(NULL);

	dkim_sb_put(sb, "DKIM-Signature:", 15);
	dkim_sb_tag(sb, "v=1;", "", "");
	dkim_sb_tag(sb, "a=%s;", dkim_alg_name(k->alg), "");
	dkim_sb_tag(sb, "c=%s/%s;", o->header_canon == GD_DKIM_CANON_RELAXED ?
	    "relaxed" : "simple", o->body_canon == GD_DKIM_CANON_RELAXED ?
	    "relaxed" : "simple");
	dkim_sb_tag(sb, "d=%s;", k->domain, "");
	if (o->auid != NULL)
		dkim_sb_tag(sb, "i=%s;", o->auid, "");
	if (o->length_tag) {
		snprintf(num, sizeof(num), "%" PRIu64, s->bc.total);
		dkim_sb_tag(sb, "l=%s;", num, "");
	}
	if (o->query_tag)
		dkim_sb_tag(sb, "q=dns/txt;", "", "");
	dkim_sb_tag(sb, "s=%s;", k->selector, "");
	snprintf(num, sizeof(num), "%" PRId64, (int64_t)t);
	dkim_sb_tag(sb, "t=%s;", num, "");
	if (o->expire_after != 0) {
		snprintf(num, sizeof(num), "%" PRId64,
		    (int64_t)t + o->expire_after);
		dkim_sb_tag(sb, "x=%s;", num, "");
	}
	dkim_sign_h(sb, o->h_separator != NULL ? o->h_separator : ":",
	    names, n);
	dkim_sb_tag(sb, "bh=%s;", bh, "");
	dkim_sb_token(sb, true, "b=", 2);
}

/* Hash the signed fields and the new field (ending "b="). */
static size_t
dkim_sign_hash(const struct gd_dkim_signer *s, const char **names, size_t n,
    const struct dkim_sb *field, uint8_t *digest)
{
	uint8_t lens[DKIM_H_MAX];
	long idx[DKIM_H_MAX];
	struct dkim_hash h;
	size_t i;

	for (i = 0; i < n; i++)
		lens[i] = (uint8_t)strlen(names[i]);
	dkim_header_select(&s->hdr, names, lens, n, idx);
	dkim_hash_init(&h, false);
	for (i = 0; i < n; i++)
		if (idx[i] >= 0)
			dkim_header_canon(s->opts.header_canon,
			    s->hdr.buf + s->hdr.fields[idx[i]].off,
			    s->hdr.fields[idx[i]].len, true, &h);
	dkim_header_canon(s->opts.header_canon, field->s, field->len, false,
	    &h);
	return dkim_hash_digest(&h, digest);
}

/* b=: the base64 signature folded at the fold column. */
static void
dkim_sign_b(struct dkim_sb *sb, const uint8_t *sig, size_t len)
{
	char *b64;
	size_t n, off = 0, room;

	if ((b64 = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1)) == NULL)
		abort();
	base64_encode_raw(b64, len, sig);
	n = BASE64_ENCODE_RAW_LENGTH(len);
	while (off < n) {
		room = sb->col < DKIM_FOLD_COL ? DKIM_FOLD_COL - sb->col : 0;
		if (room < 8) {
			dkim_sb_put(sb, "\r\n\t", 3);
			continue;
		}
		if (room > n - off)
			room = n - off;
		dkim_sb_put(sb, b64 + off, room);
		off += room;
	}
	dkim_sb_put(sb, "\r\n", 2);
	free(b64);
}

static int
dkim_sign_one(struct gd_dkim_signer *s, const struct dkim_skey *k,
    const char *bh, struct dkim_sb *out, const char **error_r)
{
	const char *names[DKIM_H_MAX];
	struct dkim_sb field = { NULL, 0, 0, 0 };
	uint8_t digest[DKIM_HASH_MAX], *sig;
	size_t n, dlen, slen;

	n = dkim_sign_names(s, names);
	dkim_sign_tags(s, k, bh, names, n, &field);
	dlen = dkim_sign_hash(s, names, n, &field, digest);
	if (dkim_privkey_sign(k->key, digest, dlen, &sig, &slen,
	    error_r) < 0) {
		free(field.s);
		return -1;
	}
	dkim_sign_b(&field, sig, slen);
	free(sig);
	dkim_sb_put(out, field.s, field.len);
	free(field.s);
	return 0;
}

const char *
dkim_sign_finish(struct gd_dkim_signer *s, const char **error_r)
{
	struct dkim_sb out = { NULL, 0, 0, 0 };
	uint8_t digest[DKIM_HASH_MAX];
	char bh[BASE64_ENCODE_RAW_LENGTH(DKIM_HASH_MAX) + 1];
	size_t i;

	if (s->ended)
		return s->out;
	s->ended = true;
	dkim_header_end(&s->hdr);
	if (s->hdr.overflow) {
		*error_r = "header over the size limit";
		return NULL;
	}
	if (s->opts.headers == NULL) {
		s->opts.headers = dkim_default_headers;
		s->opts.nheaders = sizeof(dkim_default_headers) /
		    sizeof(dkim_default_headers[0]);
	}
	if (s->opts.oversign == NULL) {
		s->opts.oversign = dkim_default_oversign;
		s->opts.noversign = 1;
	}
	dkim_body_end(&s->bc);
	dkim_hash_digest(&s->bhash, digest);
	base64_encode_raw(bh, DKIM_HASH_MAX, digest);
	bh[BASE64_ENCODE_RAW_LENGTH(DKIM_HASH_MAX)] = '\0';
	dkim_sb_put(&out, "", 0);	/* "" when no key is left */
	for (i = 0; i < s->nkeys; i++)
		if (dkim_sign_one(s, &s->keys[i], bh, &out, error_r) < 0) {
			free(out.s);
			return NULL;
		}
	s->out = out.s;
	return s->out;
}

void
dkim_sign_destroy(struct gd_dkim_signer **sp)
{
	struct gd_dkim_signer *s = *sp;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nkeys; i++)
		if (s->keys[i].owned)
			dkim_privkey_free(&s->keys[i].key);
	free(s->keys);
	dkim_header_free(&s->hdr);
	free(s->out);
	free(s);
	*sp = NULL;
}

/* The domain of the From address: the last '@' of the angle-addr if
 * there is one, else of the value; lower case.  0, or -1 when there is
 * no (single) From field or no domain. */
int
dkim_sign_from_domain(const struct gd_dkim_signer *s, char *out, size_t cap)
{
	const struct dkim_field *f = NULL;
	const char *v, *end, *lt, *at, *p;
	size_t i, n = 0;

	for (i = 0; i < s->hdr.nfields; i++)
		if (dkim_field_is(&s->hdr, i, "from", 4)) {
			f = &s->hdr.fields[i];
			n++;
		}
	if (n != 1 || s->hdr.overflow)
		return -1;
	v = s->hdr.buf + f->off + f->name_len;
	end = s->hdr.buf + f->off + f->len;
	lt = memchr(v, '<', (size_t)(end - v));
	if (lt != NULL)
		v = lt + 1;
	for (at = NULL, p = v; p < end && *p != '>'; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return -1;
	for (n = 0, p = at + 1; p < end && n + 1 < cap && *p != '>' &&
	    !dkim_is_fwschar(*p) && *p != ',' && *p != ';'; p++)
		out[n++] = dkim_lower(*p);
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

void
dkim_sign_restrict(struct gd_dkim_signer *s, const char *domain)
{
	size_t i, k = 0;

	for (i = 0; i < s->nkeys; i++) {
		if (strcasecmp(s->keys[i].domain, domain) == 0) {
			s->keys[k++] = s->keys[i];
			continue;
		}
		if (s->keys[i].owned)
			dkim_privkey_free(&s->keys[i].key);
	}
	s->nkeys = k;
}

size_t
dkim_sign_key_count(const struct gd_dkim_signer *s)
{
	return s->nkeys;
}
