/*
 * pwhash.c — the scheme table: `{NAME}` to a parser, verification and
 * new entries for each scheme, and stand-in entries for unknown users.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <nettle/sha2.h>

#include "pwhash-private.h"

#define PW_SCRAM_ITERATIONS	4096
#define PW_PBKDF2_ROUNDS	5000
#define PW_DUMMY_SECRET		16
#define PW_N(a)		(sizeof(a) / sizeof((a)[0]))

struct pw_scheme_name {
	const char *name;
	enum gd_pw_scheme scheme;
	enum gd_pw_hash hash;
};

/* What `{NAME}` may say (Dovecot's names and aliases). */
static const struct pw_scheme_name pw_names[] = {
	{ "SCRAM-SHA-1", GD_PW_SCRAM, GD_PW_HASH_SHA1 },
	{ "SCRAM-SHA-256", GD_PW_SCRAM, GD_PW_HASH_SHA256 },
	{ "SCRAM-SHA-512", GD_PW_SCRAM, GD_PW_HASH_SHA512 },
	{ "CRYPT", GD_PW_CRYPT, 0 },
	{ "SHA512-CRYPT", GD_PW_CRYPT, 0 },
	{ "SHA256-CRYPT", GD_PW_CRYPT, 0 },
	{ "BLF-CRYPT", GD_PW_CRYPT, 0 },
	{ "MD5-CRYPT", GD_PW_CRYPT, 0 },
	{ "DES-CRYPT", GD_PW_CRYPT, 0 },
	{ "PBKDF2", GD_PW_PBKDF2, 0 },
	{ "SSHA256", GD_PW_SSHA256, 0 },
	{ "SHA256", GD_PW_SHA256, 0 },
	{ "PLAIN", GD_PW_PLAIN, 0 },
	{ "CLEAR", GD_PW_PLAIN, 0 },
	{ "CLEARTEXT", GD_PW_PLAIN, 0 },
	{ NULL, 0, 0 },
};

const struct gd_pw_maker gd_pw_makers[] = {
	{ "SCRAM-SHA-256", GD_PW_SCRAM, GD_PW_HASH_SHA256, NULL,
	    PW_SCRAM_ITERATIONS },
	{ "SCRAM-SHA-1", GD_PW_SCRAM, GD_PW_HASH_SHA1, NULL,
	    PW_SCRAM_ITERATIONS },
	{ "SCRAM-SHA-512", GD_PW_SCRAM, GD_PW_HASH_SHA512, NULL,
	    PW_SCRAM_ITERATIONS },
	{ "SHA512-CRYPT", GD_PW_CRYPT, 0, "$6$", 0 },
	{ "BLF-CRYPT", GD_PW_CRYPT, 0, "$2y$", 0 },
	{ "CRYPT", GD_PW_CRYPT, 0, "$y$", 0 },	/* yescrypt */
	{ "PBKDF2", GD_PW_PBKDF2, 0, NULL, PW_PBKDF2_ROUNDS },
	{ "SSHA256", GD_PW_SSHA256, 0, NULL, 0 },
	{ "SHA256", GD_PW_SHA256, 0, NULL, 0 },
	{ "PLAIN", GD_PW_PLAIN, 0, NULL, 0 },
	{ NULL, 0, 0, NULL, 0 },
};

/* Strip Dovecot's encoding suffix (".HEX", ".B64", ".BASE64"). */
static size_t
pw_name_encoding(const char *name, size_t len, enum pw_enc *enc_r)
{
	static const struct {
		const char *suffix;
		enum pw_enc enc;
	} sfx[] = {
		{ ".HEX", PW_ENC_HEX }, { ".B64", PW_ENC_B64 },
		{ ".BASE64", PW_ENC_B64 },
	};
	size_t i, n;

	*enc_r = PW_ENC_AUTO;
	for (i = 0; i < PW_N(sfx); i++) {
		n = strlen(sfx[i].suffix);
		if (len > n && strncasecmp(name + len - n, sfx[i].suffix,
		    n) == 0) {
			*enc_r = sfx[i].enc;
			return len - n;
		}
	}
	return len;
}

static const struct pw_scheme_name *
pw_name_find(const char *name, size_t len, enum pw_enc *enc_r)
{
	const struct pw_scheme_name *n;

	len = pw_name_encoding(name, len, enc_r);
	for (n = pw_names; n->name != NULL; n++)
		if (strlen(n->name) == len && strncasecmp(n->name, name,
		    len) == 0)
			return n;
	return NULL;
}

static int
pw_parse_data(const char *data, size_t len, enum pw_enc enc,
    struct gd_pw *pw, const char **error_r)
{
	if (enc != PW_ENC_AUTO && pw->scheme != GD_PW_SHA256 &&
	    pw->scheme != GD_PW_SSHA256) {
		*error_r = "an encoding suffix on a scheme that has none";
		return -1;
	}
	switch (pw->scheme) {
	case GD_PW_SCRAM:
		return pw_scram_parse(data, len, pw, error_r);
	case GD_PW_CRYPT:
		return pw_crypt_parse(data, len, pw, error_r);
	case GD_PW_PBKDF2:
		return pw_pbkdf2_parse(data, len, pw, error_r);
	case GD_PW_SSHA256:
		return pw_ssha256_parse(data, len, enc, pw, error_r);
	case GD_PW_SHA256:
		return pw_sha256_parse(data, len, enc, pw, error_r);
	case GD_PW_PLAIN:
		pw->text = data;
		pw->text_len = len;
		return 0;
	case GD_PW_NONE:
		break;
	}
	return 0;
}

int
gd_pw_parse(const char *field, size_t len, struct gd_pw *pw,
    const char **error_r)
{
	const struct pw_scheme_name *n;
	const char *close;
	enum pw_enc enc;

	memset(pw, 0, sizeof(*pw));
	if (len == 0) {
		pw->scheme = GD_PW_NONE;
		return 0;
	}
	if (field[0] != '{') {
		/* Dovecot's default scheme for passwd-file: crypt(3). */
		pw->scheme = GD_PW_CRYPT;
		return pw_crypt_parse(field, len, pw, error_r);
	}
	close = memchr(field, '}', len);
	if (close == NULL) {
		*error_r = "'{' without '}' in the password field";
		return -1;
	}
	n = pw_name_find(field + 1, (size_t)(close - field - 1), &enc);
	if (n == NULL) {
		*error_r = "unknown password scheme";
		return -1;
	}
	pw->scheme = n->scheme;
	pw->hash = n->hash;
	return pw_parse_data(close + 1, len - (size_t)(close + 1 - field), enc,
	    pw, error_r);
}

/* PLAIN: compare digests, so that the length does not leak either. */
static int
pw_plain_verify(const struct gd_pw *pw, const void *password, size_t len)
{
	unsigned char a[SHA256_DIGEST_SIZE], b[SHA256_DIGEST_SIZE];

	pw_hash(GD_PW_HASH_SHA256, password, len, a);
	pw_hash(GD_PW_HASH_SHA256, pw->text, pw->text_len, b);
	return gd_pw_equal(a, b, sizeof(a)) ? 1 : 0;
}

int
gd_pw_verify(const struct gd_pw *pw, const void *password, size_t len)
{
	switch (pw->scheme) {
	case GD_PW_SCRAM:
		return pw_scram_verify(pw, password, len);
	case GD_PW_CRYPT:
		return pw_crypt_verify(pw, password, len);
	case GD_PW_PBKDF2:
	case GD_PW_SSHA256:
	case GD_PW_SHA256:
		return pw_digest_verify(pw, password, len);
	case GD_PW_PLAIN:
		return pw_plain_verify(pw, password, len);
	case GD_PW_NONE:
		break;
	}
	return 0;
}

const struct gd_pw_maker *
gd_pw_maker_find(const char *name)
{
	const struct gd_pw_maker *m;

	for (m = gd_pw_makers; m->name != NULL; m++)
		if (strcasecmp(m->name, name) == 0)
			return m;
	return NULL;
}

int
gd_pw_make(const struct gd_pw_maker *maker, const void *password,
    size_t len, unsigned rounds, char *out, size_t size,
    const char **error_r)
{
	size_t head;
	int w;

	if (rounds == 0)
		rounds = maker->default_rounds;
	if (maker->scheme != GD_PW_CRYPT && rounds != 0 &&
	    (rounds < GD_PW_ITER_MIN || rounds > GD_PW_ITER_MAX)) {
		*error_r = "rounds out of range";
		return -1;
	}
	w = snprintf(out, size, "{%s}", maker->name);
	if (w < 0 || (size_t)w >= size) {
		*error_r = "output buffer too small";
		return -1;
	}
	head = (size_t)w;
	switch (maker->scheme) {
	case GD_PW_SCRAM:
		return pw_scram_make(maker->hash, password, len, rounds,
		    out + head, size - head, error_r);
	case GD_PW_CRYPT:
		return pw_crypt_make(maker->crypt_prefix, rounds, password,
		    len, out + head, size - head, error_r);
	default:
		return pw_digest_make(maker->scheme, password, len, rounds,
		    out + head, size - head, error_r);
	}
}

int
gd_pw_dummy(const struct gd_pw *model, struct gd_pw *dummy, char *buf,
    size_t size, const char **error_r)
{
	unsigned char secret[PW_DUMMY_SECRET];
	char hex[2 * PW_DUMMY_SECRET + 1];

	*dummy = *model;
	*error_r = "no random bytes";
	if (gd_pw_random(secret, sizeof(secret)) < 0 ||
	    gd_pw_random(dummy->salt, sizeof(dummy->salt)) < 0 ||
	    gd_pw_random(dummy->key, sizeof(dummy->key)) < 0 ||
	    gd_pw_random(dummy->server_key, sizeof(dummy->server_key)) < 0)
		return -1;
	gd_pw_hex_encode(secret, sizeof(secret), hex);
	dummy->text = NULL;
	dummy->text_len = 0;
	if (model->scheme == GD_PW_CRYPT) {
		/* Same setting (salt and cost), unknown password. */
		if (pw_crypt_like(model, hex, buf, size) < 0) {
			*error_r = "libcrypt cannot hash like the model entry";
			return -1;
		}
		dummy->text = buf;
		dummy->text_len = strlen(buf);
	} else if (model->scheme == GD_PW_PLAIN) {
		if (size <= sizeof(hex))
			return -1;
		memcpy(buf, hex, sizeof(hex));
		dummy->text = buf;
		dummy->text_len = strlen(buf);
	}
	return 0;
}
