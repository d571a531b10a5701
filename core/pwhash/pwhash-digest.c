/*
 * pwhash-digest.c — Dovecot's digest schemes: {PBKDF2} ($1$SALT$ROUNDS$HEX,
 * PBKDF2-HMAC-SHA1 over the salt's text), {SSHA256} and {SHA256} (base64
 * or hex), and {PLAIN}.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <nettle/sha2.h>

#include "pwhash-private.h"

#define PW_PBKDF2_KEY_LEN	20	/* SHA-1 output, as Dovecot writes */
#define PW_PBKDF2_SALT_LEN	16
#define PW_PBKDF2_ROUNDS	5000
#define PW_SSHA_SALT_LEN	4	/* Dovecot's */

/* Salt characters of Dovecot's random_fill salts. */
static const char pw_salt_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./";

/* Next `$`-separated field of data[*pos..len). */
static const char *
pw_dollar_field(const char *data, size_t len, size_t *pos, size_t *flen)
{
	const char *start = data + *pos, *end;

	end = memchr(start, '$', len - *pos);
	*flen = end != NULL ? (size_t)(end - start) : len - *pos;
	*pos += *flen + (end != NULL ? 1 : 0);
	return start;
}

int
pw_pbkdf2_parse(const char *data, size_t len, struct gd_pw *pw,
    const char **error_r)
{
	const char *salt, *rounds, *hex;
	size_t pos = 3, slen, rlen, hlen;
	unsigned long v = 0;
	size_t i;

	*error_r = "PBKDF2: expected $1$SALT$ROUNDS$HEX";
	if (len < 3 || memcmp(data, "$1$", 3) != 0)
		return -1;
	salt = pw_dollar_field(data, len, &pos, &slen);
	rounds = pw_dollar_field(data, len, &pos, &rlen);
	hex = pw_dollar_field(data, len, &pos, &hlen);
	if (pos != len || hex + hlen != data + len || slen == 0 ||
	    slen > sizeof(pw->salt) || rlen == 0 || rlen > 9)
		return -1;
	for (i = 0; i < rlen; i++) {
		if (rounds[i] < '0' || rounds[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(rounds[i] - '0');
	}
	if (v < GD_PW_ITER_MIN || v > GD_PW_ITER_MAX || hlen % 2 != 0 ||
	    hlen / 2 > sizeof(pw->key) || hlen == 0 ||
	    gd_pw_hex_decode(hex, hlen, pw->key, hlen / 2) < 0)
		return -1;
	memcpy(pw->salt, salt, slen);
	pw->salt_len = slen;
	pw->iterations = (unsigned)v;
	pw->key_len = hlen / 2;
	return 0;
}

/* A digest in base64 or hex; without a suffix, hex when it has exactly
 * the length of `hex_len` bytes in hex. */
static long
pw_digest_decode(const char *data, size_t len, enum pw_enc enc,
    unsigned char *out, size_t max, size_t hex_len)
{
	if (enc == PW_ENC_HEX || (enc == PW_ENC_AUTO && len == hex_len * 2)) {
		if (len % 2 != 0 || len / 2 > max ||
		    gd_pw_hex_decode(data, len, out, len / 2) < 0)
			return enc == PW_ENC_HEX ? -1 :
			    gd_pw_b64_decode(data, len, out, max);
		return (long)(len / 2);
	}
	return gd_pw_b64_decode(data, len, out, max);
}

int
pw_sha256_parse(const char *data, size_t len, enum pw_enc enc,
    struct gd_pw *pw, const char **error_r)
{
	if (pw_digest_decode(data, len, enc, pw->key, sizeof(pw->key),
	    SHA256_DIGEST_SIZE) != SHA256_DIGEST_SIZE) {
		*error_r = "SHA256: expected a base64 or hex SHA-256 digest";
		return -1;
	}
	pw->key_len = SHA256_DIGEST_SIZE;
	return 0;
}

int
pw_ssha256_parse(const char *data, size_t len, enum pw_enc enc,
    struct gd_pw *pw, const char **error_r)
{
	unsigned char buf[SHA256_DIGEST_SIZE + GD_PW_SALT_MAX];
	long n;

	/* No natural hex length: without a suffix, base64. */
	n = pw_digest_decode(data, len, enc, buf, sizeof(buf), 0);
	if (n <= SHA256_DIGEST_SIZE) {
		*error_r = "SSHA256: expected base64 or hex of digest and salt";
		return -1;
	}
	memcpy(pw->key, buf, SHA256_DIGEST_SIZE);
	pw->key_len = SHA256_DIGEST_SIZE;
	pw->salt_len = (size_t)n - SHA256_DIGEST_SIZE;
	memcpy(pw->salt, buf + SHA256_DIGEST_SIZE, pw->salt_len);
	return 0;
}

static void
pw_sha256_salted(const void *password, size_t len, const unsigned char *salt,
    size_t salt_len, unsigned char *out)
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, password);
	sha256_update(&c, salt_len, salt);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

int
pw_digest_verify(const struct gd_pw *pw, const void *password, size_t len)
{
	unsigned char out[GD_PW_KEY_MAX];
	bool ok;

	switch (pw->scheme) {
	case GD_PW_PBKDF2:
		pw_pbkdf2(GD_PW_HASH_SHA1, password, len, pw->salt,
		    pw->salt_len, pw->iterations, out, pw->key_len);
		break;
	case GD_PW_SSHA256:
		pw_sha256_salted(password, len, pw->salt, pw->salt_len, out);
		break;
	case GD_PW_SHA256:
		pw_sha256_salted(password, len, NULL, 0, out);
		break;
	default:
		return -1;
	}
	ok = gd_pw_equal(out, pw->key, pw->key_len);
	memset(out, 0, sizeof(out));
	return ok ? 1 : 0;
}

/* `n` random salt characters (Dovecot's alphabet) and a NUL. */
static int
pw_salt_text(char *out, size_t n)
{
	unsigned char r[GD_PW_SALT_MAX];
	size_t i;

	if (n >= sizeof(r) || gd_pw_random(r, n) < 0)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = pw_salt_chars[r[i] % (sizeof(pw_salt_chars) - 1)];
	out[n] = '\0';
	return 0;
}

static int
pw_pbkdf2_make(const void *password, size_t len, unsigned rounds,
    char *out, size_t size)
{
	char salt[PW_PBKDF2_SALT_LEN + 1], hex[2 * PW_PBKDF2_KEY_LEN + 1];
	unsigned char key[PW_PBKDF2_KEY_LEN];
	int w;

	if (pw_salt_text(salt, PW_PBKDF2_SALT_LEN) < 0)
		return -1;
	pw_pbkdf2(GD_PW_HASH_SHA1, password, len, (const unsigned char *)salt,
	    PW_PBKDF2_SALT_LEN, rounds != 0 ? rounds : PW_PBKDF2_ROUNDS, key,
	    sizeof(key));
	w = snprintf(out, size, "$1$%s$%u$%s", salt,
	    rounds != 0 ? rounds : PW_PBKDF2_ROUNDS,
	    gd_pw_hex_encode(key, sizeof(key), hex));
	return w < 0 || (size_t)w >= size ? -1 : 0;
}

static int
pw_sha_make(bool salted, const void *password, size_t len, char *out,
    size_t size)
{
	unsigned char buf[SHA256_DIGEST_SIZE + PW_SSHA_SALT_LEN];
	size_t n = SHA256_DIGEST_SIZE;

	if (salted) {
		if (gd_pw_random(buf + n, PW_SSHA_SALT_LEN) < 0)
			return -1;
		pw_sha256_salted(password, len, buf + n, PW_SSHA_SALT_LEN, buf);
		n += PW_SSHA_SALT_LEN;
	} else
		pw_sha256_salted(password, len, NULL, 0, buf);
	if (size < 4 * ((n + 2) / 3) + 1)
		return -1;
	gd_pw_b64_encode(buf, n, out);
	return 0;
}

int
pw_digest_make(enum gd_pw_scheme scheme, const void *password, size_t len,
    unsigned rounds, char *out, size_t size, const char **error_r)
{
	int r = -1;

	*error_r = "output too long or no random bytes";
	switch (scheme) {
	case GD_PW_PBKDF2:
		r = pw_pbkdf2_make(password, len, rounds, out, size);
		break;
	case GD_PW_SSHA256:
	case GD_PW_SHA256:
		r = pw_sha_make(scheme == GD_PW_SSHA256, password, len, out,
		    size);
		break;
	case GD_PW_PLAIN:
		/* The passwd-file format splits lines at ':'. */
		if (memchr(password, '\0', len) != NULL ||
		    memchr(password, ':', len) != NULL ||
		    memchr(password, '\n', len) != NULL ||
		    memchr(password, '\r', len) != NULL || len >= size) {
			*error_r = "a PLAIN password cannot hold NUL, ':' or "
			    "a line break";
			return -1;
		}
		memcpy(out, password, len);
		out[len] = '\0';
		r = 0;
		break;
	default:
		*error_r = "not a digest scheme";
		break;
	}
	return r;
}
