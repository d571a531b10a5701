/*
 * dkim-engine.h — the dkim module's pure engine: tag lists, canonicalisers,
 * the header collector, crypto wrappers, verifier and signer.  No libev,
 * no smtp: DNS comes through struct gd_dkim_dns_ops.  Built into dkim.so
 * and, through tests/unit/dkim-pure.c, into the unit tests and fuzz
 * targets.  Needs GnuTLS and nettle.
 */
#ifndef DKIM_ENGINE_H
#define DKIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include <gumdrop/dkim.h>

/* ---- tag lists (RFC 6376 3.2), dkim-tags.c ------------------------------- */

#define DKIM_TAGS_MAX	32	/* tags in one list; more is an error */

/* One tag: name and value (FWS around the value trimmed), pointers into
 * the parsed text.  `eq` is the offset of the '=', `end` of the ';' that
 * ends the tag-spec (or the text's length). */
struct dkim_tag {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
	size_t eq;
	size_t end;
};

struct dkim_taglist {
	struct dkim_tag tags[DKIM_TAGS_MAX];
	size_t count;
};

/*
 * Parse a tag list strictly: tag names ALPHA *(ALPHA / DIGIT / "_"),
 * values of VALCHARs separated by FWS, no duplicate name, an optional
 * final ';'.  0, or -1 with *error_r (static text).
 */
int dkim_tags_parse(const char *text, size_t len, struct dkim_taglist *out,
    const char **error_r);

/* The tag named `name` (case-sensitive, as RFC 6376 says), or NULL. */
const struct dkim_tag *dkim_tags_find(const struct dkim_taglist *tl,
    const char *name);

/* Colon-separated list `s` (FWS around items) holds `item` (ignoring
 * case). */
bool dkim_list_has(const char *s, size_t n, const char *item);

static inline bool
dkim_is_fwschar(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline char
dkim_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static inline bool
dkim_is_b64char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* Bounds on decoded values. */
#define DKIM_SIG_B_MAX		1024	/* b= bytes: RSA up to 8192 bits */
#define DKIM_HASH_MAX		32	/* sha-256 */
#define DKIM_DOMAIN_MAX		255
#define DKIM_H_MAX		64	/* names in h= */

/* A parsed DKIM-Signature.  String fields are NUL terminated copies. */
struct dkim_sig {
	enum gd_dkim_alg alg;
	enum gd_dkim_canon hcanon;
	enum gd_dkim_canon bcanon;
	char a_text[20];
	char domain[DKIM_DOMAIN_MAX + 1];	/* d=, lower case */
	char selector[DKIM_DOMAIN_MAX + 1];	/* s=, as written */
	char auid[DKIM_DOMAIN_MAX + 66];	/* i= or "@" d= */
	uint8_t b[DKIM_SIG_B_MAX];
	size_t b_len;
	char b_prefix[GD_DKIM_B_PREFIX + 1];
	uint8_t bh[DKIM_HASH_MAX];
	size_t bh_len;
	/* h= names, pointers into the signature field (not NUL ended). */
	const char *h[DKIM_H_MAX];
	uint8_t h_len[DKIM_H_MAX];
	size_t nh;
	bool has_l;
	uint64_t l;
	bool has_t, has_x;
	int64_t t, x;
	/* b= value span in the field value: removed before hashing. */
	size_t b_eq;		/* offset just after "b=" */
	size_t b_end;		/* offset of the ';' or end */
};

/*
 * Parse and validate a DKIM-Signature field value (what follows the
 * colon, folding included).  Pointers in `out` refer to `value`.
 * Returns GD_DKIM_PASS (valid), or PERMERROR / NEUTRAL with *reason_r
 * (static text); on error `out` holds whatever d= s= a= b= were found,
 * for the report.
 */
enum gd_dkim_result dkim_sig_parse(const char *value, size_t len,
    struct dkim_sig *out, const char **reason_r);

/* A parsed key record (RFC 6376 3.6.1, RFC 8463). */
struct dkim_key {
	enum gd_dkim_alg kalg;		/* k=: RSA_SHA256 (rsa) or ED25519 */
	bool hash_sha1, hash_sha256;	/* h= (both when absent) */
	bool testing;			/* t=y */
	bool strict;			/* t=s */
	uint8_t p[2048];		/* p= decoded */
	size_t p_len;			/* 0: revoked */
};

/* Parse a key record.  PASS, or PERMERROR with *reason_r. */
enum gd_dkim_result dkim_key_parse(const char *text, size_t len,
    struct dkim_key *out, const char **reason_r);

/*
 * Decode base64 ignoring FWS (as the b=, bh= and p= tags allow).  0 and
 * the length, or -1 when invalid or longer than `cap`.
 */
int dkim_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
    size_t *len_r);

/* ---- hashing and canonicalisation, dkim-canon.c -------------------------- */

struct dkim_hash {
	bool sha1;
	union {
		struct sha256_ctx s256;
		struct sha1_ctx s1;
	} u;
};

void dkim_hash_init(struct dkim_hash *h, bool sha1);
void dkim_hash_update(struct dkim_hash *h, const void *buf, size_t len);
/* Returns the digest length (20 or 32). */
size_t dkim_hash_digest(struct dkim_hash *h, uint8_t *out);

#define DKIM_CANON_BUF	8192

/*
 * The streaming body canonicaliser (RFC 6376 3.4.3, 3.4.4) and l=.
 * Output goes in blocks to `hash`, or, when `hash` is NULL, to the
 * capture buffer (tests): `cap_buf` grows with realloc up to `cap_max`
 * bytes (more is dropped and `cap_over` set).  Trailing empty lines are
 * counted, never buffered.  Bare LF and CRLF both end a line.
 */
struct dkim_body_canon {
	enum gd_dkim_canon canon;
	uint64_t limit;		/* UINT64_MAX: no l= */
	uint64_t total;		/* canonical length, beyond l= too */
	uint64_t pending_crlf;
	bool cr;		/* a CR waiting for its LF */
	bool wsp;		/* relaxed: a WSP run waiting */
	bool in_line;		/* content on the current line */
	struct dkim_hash *hash;
	char *cap_buf;
	size_t cap_len, cap_max;
	bool cap_over;
	size_t blen;
	char buf[DKIM_CANON_BUF];
};

void dkim_body_init(struct dkim_body_canon *bc, enum gd_dkim_canon canon,
    uint64_t limit, struct dkim_hash *hash);
void dkim_body_write(struct dkim_body_canon *bc, const void *buf,
    size_t len);
void dkim_body_end(struct dkim_body_canon *bc);

/*
 * Canonicalise one whole header field (name, colon, value, folding and
 * its final CRLF included; `len` bytes) into `h`.  With `crlf` false the
 * final CRLF is left out (the DKIM-Signature field itself, 3.7).
 */
void dkim_header_canon(enum gd_dkim_canon canon, const char *field,
    size_t len, bool crlf, struct dkim_hash *h);

/* Same, appended into `out` (room for len + 2 bytes); returns the
 * length written.  For tests and the fuzz target. */
size_t dkim_header_canon_buf(enum gd_dkim_canon canon, const char *field,
    size_t len, bool crlf, char *out);

/* ---- the header collector, dkim-header.c --------------------------------- */

struct dkim_field {
	uint32_t off;		/* in the collector's buffer */
	uint32_t len;		/* with its final CRLF */
	uint32_t name_len;	/* 0 when the line has no colon */
};

#define DKIM_FIELDS_MAX	1000

/*
 * Collects the header (line ends made CRLF) in a buffer bounded by
 * `max_bytes`, splitting it into fields, until the empty line; then
 * hands body bytes back.  Fed any split.
 */
struct dkim_header {
	char *buf;
	size_t len, cap, max_bytes;
	struct dkim_field *fields;
	size_t nfields, fields_cap;
	int state;
	bool cur_open;		/* a field is being collected */
	bool overflow;		/* header over max_bytes or too many fields */
	bool done;		/* the empty line was seen */
};

void dkim_header_init(struct dkim_header *hc, size_t max_bytes);
void dkim_header_free(struct dkim_header *hc);
/* Take header bytes; returns how many were header (the rest, from that
 * offset on, is body; all of them while the header is not done). */
size_t dkim_header_write(struct dkim_header *hc, const char *buf,
    size_t len);
/* End of message without an empty line: close the last field. */
void dkim_header_end(struct dkim_header *hc);
/* True when field `i`'s name equals `name` (`nlen` bytes), ignoring
 * case. */
bool dkim_field_is(const struct dkim_header *hc, size_t i, const char *name,
    size_t nlen);

/*
 * The fields to hash for h=: fills `idx` (nh entries) with the field
 * indexes chosen bottom-up, or -1 for a name with no instance left.
 */
void dkim_header_select(const struct dkim_header *hc,
    const char *const *names, const uint8_t *name_lens, size_t nh,
    long *idx);

/* ---- crypto, dkim-crypto.c ----------------------------------------------- */

/*
 * Verify signature `sig` over `digest` with public key bytes `p`
 * (SubjectPublicKeyInfo DER for RSA, or the PKCS#1 RSAPublicKey some
 * signers publish; the raw 32 bytes for Ed25519).
 * Returns PASS, FAIL (did not verify) or PERMERROR (key unusable, RSA
 * under `min_bits`, sha1 refused) with *reason_r; *bits_r the key size.
 */
enum gd_dkim_result dkim_crypto_verify(enum gd_dkim_alg alg,
    const uint8_t *p, size_t p_len, const uint8_t *digest,
    size_t digest_len, const uint8_t *sig, size_t sig_len,
    unsigned min_bits, bool allow_sha1, unsigned *bits_r,
    const char **reason_r);

/* An imported public key (a gnutls_pubkey_t): one thread at a time. */
struct dkim_pubkey;

/* Import p= for `alg` (RSA forms as above).  NULL with *reason_r
 * ("unusable public key", "out of memory"). */
struct dkim_pubkey *dkim_pubkey_import(enum gd_dkim_alg alg,
    const uint8_t *p, size_t p_len, const char **reason_r);
void dkim_pubkey_free(struct dkim_pubkey **k);

/* dkim_crypto_verify with a key imported already. */
enum gd_dkim_result dkim_crypto_verify_key(enum gd_dkim_alg alg,
    struct dkim_pubkey *pub, const uint8_t *digest, size_t digest_len,
    const uint8_t *sig, size_t sig_len, unsigned min_bits, bool allow_sha1,
    unsigned *bits_r, const char **reason_r);

struct dkim_privkey;

/* Import a PEM private key of the algorithm `alg`.  NULL with *error_r. */
struct dkim_privkey *dkim_privkey_import(enum gd_dkim_alg alg,
    const char *pem, size_t pem_len, const char **error_r);
void dkim_privkey_free(struct dkim_privkey **k);
/* Sign `digest`; the signature in a malloc'ed buffer (*sig_r, *len_r).
 * 0 or -1 with *error_r. */
int dkim_privkey_sign(struct dkim_privkey *k, const uint8_t *digest,
    size_t digest_len, uint8_t **sig_r, size_t *len_r,
    const char **error_r);

/*
 * A new key pair (dkim-keygen.c): `bits` for RSA (512..8192; RFC 8301
 * wants 1024 or more, 2048 advised), ignored for Ed25519.  *pem_r the
 * private key (PKCS#8 PEM), *record_r the TXT record text
 * "v=DKIM1; k=...; p=...", both malloc'ed.  0, or -1 with *error_r.
 */
int dkim_keygen(enum gd_dkim_alg alg, unsigned bits, char **pem_r,
    char **record_r, const char **error_r);

/* ---- the key cache, dkim-keycache.c ------------------------------------ */

#define DKIM_KEYNAME_MAX	253	/* <selector>._domainkey.<domain> */

/* A cached key record: parsed, and imported (NULL when revoked or not
 * importable: dkim_crypto_verify then says why). */
struct dkim_keyent {
	char name[DKIM_KEYNAME_MAX + 1];	/* lower case */
	time_t expires;
	struct dkim_key key;
	struct dkim_pubkey *pub;
	bool used;
};

/*
 * Keys by name, at most `max` of them (the oldest insertion leaves first
 * when full), each for its DNS TTL capped at `max_ttl` seconds.  NOT
 * thread-safe: one cache per thread (the module: one per worker).
 */
struct dkim_keycache *dkim_keycache_create(size_t max, uint32_t max_ttl);
void dkim_keycache_free(struct dkim_keycache **c);

/* The live entry of `name` (any case) at `now`, or NULL (an expired one
 * is dropped).  Valid until the next put or free. */
const struct dkim_keyent *dkim_keycache_get(struct dkim_keycache *c,
    const char *name, time_t now);

/* Keep `key` (copied, and imported now) for `ttl` seconds from `now`,
 * replacing any entry of the name; ttl 0 keeps nothing. */
void dkim_keycache_put(struct dkim_keycache *c, const char *name,
    const struct dkim_key *key, uint32_t ttl, time_t now);

/* Entries held, expired ones not yet dropped included. */
size_t dkim_keycache_count(const struct dkim_keycache *c);

/* The first of `n` TXT records (8 at most looked at) that parses as a
 * key record into *key: PASS, or PERMERROR with the first one's reason. */
enum gd_dkim_result dkim_key_pick(const struct gd_dkim_txt *txts, size_t n,
    struct dkim_key *key, const char **reason_r);

/* ---- names and text ------------------------------------------------------ */

const char *dkim_result_name(enum gd_dkim_result r);
const char *dkim_alg_name(enum gd_dkim_alg alg);

/* ---- verifier (dkim-verify.c) and signer (dkim-sign.c) ------------------- */

struct gd_dkim_verifier *dkim_verify_create(
    const struct gd_dkim_verify_opts *opts,
    const struct gd_dkim_dns_ops *dns);
void dkim_verify_write(struct gd_dkim_verifier *v, const void *buf,
    size_t len);
int dkim_verify_finish(struct gd_dkim_verifier *v,
    gd_dkim_verify_done_fn *done, void *arg);
const struct gd_dkim_sig_result *dkim_verify_results(
    const struct gd_dkim_verifier *v, size_t *count_r);
void dkim_verify_destroy(struct gd_dkim_verifier **v);
/* Look keys up in `c` first (NULL: none); hits need no DNS.  Before
 * finish; `c` must outlive the verifier and belong to its thread. */
void dkim_verify_set_cache(struct gd_dkim_verifier *v,
    struct dkim_keycache *c);

struct gd_dkim_signer *dkim_sign_create(const struct gd_dkim_sign_key *keys,
    size_t nkeys, const struct gd_dkim_sign_opts *opts,
    const char **error_r);
/* Same with keys imported already (`privs[i]` for `keys[i]`, not
 * copied: they must outlive the signer, which only reads them; one key
 * may serve signers on several threads). */
struct gd_dkim_signer *dkim_sign_create_imported(
    const struct gd_dkim_sign_key *keys, struct dkim_privkey *const *privs,
    size_t nkeys, const struct gd_dkim_sign_opts *opts,
    const char **error_r);
void dkim_sign_write(struct gd_dkim_signer *s, const void *buf, size_t len);
const char *dkim_sign_finish(struct gd_dkim_signer *s, const char **error_r);
void dkim_sign_destroy(struct gd_dkim_signer **s);

/* After the header was written: the From address's domain (lower case)
 * in `out`.  0, or -1 with no single From or no domain in it. */
int dkim_sign_from_domain(const struct gd_dkim_signer *s, char *out,
    size_t cap);
/* Before finish: keep only the keys of `domain` (ignoring case). */
void dkim_sign_restrict(struct gd_dkim_signer *s, const char *domain);
size_t dkim_sign_key_count(const struct gd_dkim_signer *s);

#endif /* DKIM_ENGINE_H */
