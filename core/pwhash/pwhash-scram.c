/*
 * pwhash-scram.c — the hash primitives (nettle) and SCRAM stored keys in
 * Dovecot's format: ITERATIONS,BASE64-SALT,BASE64-STOREDKEY,
 * BASE64-SERVERKEY.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "pwhash-private.h"

#define PW_SCRAM_SALT_LEN	16

size_t
gd_pw_hash_len(enum gd_pw_hash hash)
{
	switch (hash) {
	case GD_PW_HASH_SHA1:
		return SHA1_DIGEST_SIZE;
	case GD_PW_HASH_SHA256:
		return SHA256_DIGEST_SIZE;
	case GD_PW_HASH_SHA512:
		return SHA512_DIGEST_SIZE;
	}
	return 0;
}

enum gd_pw_hash
gd_pw_hash_from_name(const char *name)
{
	if (strcmp(name, "SHA-1") == 0)
		return GD_PW_HASH_SHA1;
	if (strcmp(name, "SHA-256") == 0)
		return GD_PW_HASH_SHA256;
	if (strcmp(name, "SHA-512") == 0)
		return GD_PW_HASH_SHA512;
	return 0;
}

const char *
gd_pw_hash_name(enum gd_pw_hash hash)
{
	switch (hash) {
	case GD_PW_HASH_SHA1:
		return "SHA-1";
	case GD_PW_HASH_SHA256:
		return "SHA-256";
	case GD_PW_HASH_SHA512:
		return "SHA-512";
	}
	return "?";
}

void
pw_hash(enum gd_pw_hash hash, const void *data, size_t len,
    unsigned char *out)
{
	struct sha1_ctx c1;
	struct sha256_ctx c256;
	struct sha512_ctx c512;

	switch (hash) {
	case GD_PW_HASH_SHA1:
		sha1_init(&c1);
		sha1_update(&c1, len, data);
		sha1_digest(&c1, SHA1_DIGEST_SIZE, out);
		break;
	case GD_PW_HASH_SHA256:
		sha256_init(&c256);
		sha256_update(&c256, len, data);
		sha256_digest(&c256, SHA256_DIGEST_SIZE, out);
		break;
	case GD_PW_HASH_SHA512:
		sha512_init(&c512);
		sha512_update(&c512, len, data);
		sha512_digest(&c512, SHA512_DIGEST_SIZE, out);
		break;
	}
}

void
pw_hmac(enum gd_pw_hash hash, const void *key, size_t key_len,
    const void *data, size_t len, unsigned char *out)
{
	struct hmac_sha1_ctx c1;
	struct hmac_sha256_ctx c256;
	struct hmac_sha512_ctx c512;

	switch (hash) {
	case GD_PW_HASH_SHA1:
		hmac_sha1_set_key(&c1, key_len, key);
		hmac_sha1_update(&c1, len, data);
		hmac_sha1_digest(&c1, SHA1_DIGEST_SIZE, out);
		break;
	case GD_PW_HASH_SHA256:
		hmac_sha256_set_key(&c256, key_len, key);
		hmac_sha256_update(&c256, len, data);
		hmac_sha256_digest(&c256, SHA256_DIGEST_SIZE, out);
		break;
	case GD_PW_HASH_SHA512:
		hmac_sha512_set_key(&c512, key_len, key);
		hmac_sha512_update(&c512, len, data);
		hmac_sha512_digest(&c512, SHA512_DIGEST_SIZE, out);
		break;
	}
}

void
pw_pbkdf2(enum gd_pw_hash hash, const void *password, size_t len,
    const unsigned char *salt, size_t salt_len, unsigned iterations,
    unsigned char *out, size_t out_len)
{
	switch (hash) {
	case GD_PW_HASH_SHA1:
		pbkdf2_hmac_sha1(len, password, iterations, salt_len, salt,
		    out_len, out);
		break;
	case GD_PW_HASH_SHA256:
		pbkdf2_hmac_sha256(len, password, iterations, salt_len, salt,
		    out_len, out);
		break;
	case GD_PW_HASH_SHA512:
		pbkdf2_hmac_sha512(len, password, iterations, salt_len, salt,
		    out_len, out);
		break;
	}
}

void
gd_pw_scram_derive(enum gd_pw_hash hash, const void *password, size_t len,
    const unsigned char *salt, size_t salt_len, unsigned iterations,
    unsigned char *stored, unsigned char *server)
{
	unsigned char salted[GD_PW_KEY_MAX], client[GD_PW_KEY_MAX];
	size_t n = gd_pw_hash_len(hash);

	pw_pbkdf2(hash, password, len, salt, salt_len, iterations, salted, n);
	pw_hmac(hash, salted, n, "Client Key", 10, client);
	pw_hash(hash, client, n, stored);
	pw_hmac(hash, salted, n, "Server Key", 10, server);
	memset(salted, 0, sizeof(salted));
	memset(client, 0, sizeof(client));
}

/* Split `data` at commas into exactly `n` fields. */
static int
pw_split(const char *data, size_t len, const char **f, size_t *flen,
    size_t n)
{
	size_t i = 0, start = 0, k;

	for (k = 0; k <= len; k++) {
		if (k < len && data[k] != ',')
			continue;
		if (i == n)
			return -1;
		f[i] = data + start;
		flen[i++] = k - start;
		start = k + 1;
	}
	return i == n ? 0 : -1;
}

static int
pw_parse_uint(const char *s, size_t len, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 9 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < GD_PW_ITER_MIN || v > GD_PW_ITER_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
pw_scram_parse(const char *data, size_t len, struct gd_pw *pw,
    const char **error_r)
{
	const char *f[4];
	size_t flen[4], n = gd_pw_hash_len(pw->hash);
	long got;

	if (pw_split(data, len, f, flen, 4) < 0) {
		*error_r = "SCRAM: expected ITERATIONS,SALT,STOREDKEY,"
		    "SERVERKEY";
		return -1;
	}
	if (pw_parse_uint(f[0], flen[0], &pw->iterations) < 0) {
		*error_r = "SCRAM: bad iteration count";
		return -1;
	}
	got = gd_pw_b64_decode(f[1], flen[1], pw->salt, sizeof(pw->salt));
	if (got <= 0) {
		*error_r = "SCRAM: bad salt";
		return -1;
	}
	pw->salt_len = (size_t)got;
	if (gd_pw_b64_decode(f[2], flen[2], pw->key, sizeof(pw->key)) !=
	    (long)n || gd_pw_b64_decode(f[3], flen[3], pw->server_key,
	    sizeof(pw->server_key)) != (long)n) {
		*error_r = "SCRAM: bad StoredKey or ServerKey";
		return -1;
	}
	pw->key_len = n;
	return 0;
}

int
pw_scram_verify(const struct gd_pw *pw, const void *password, size_t len)
{
	unsigned char stored[GD_PW_KEY_MAX], server[GD_PW_KEY_MAX];
	bool ok;

	gd_pw_scram_derive(pw->hash, password, len, pw->salt, pw->salt_len,
	    pw->iterations, stored, server);
	ok = gd_pw_equal(stored, pw->key, pw->key_len);
	memset(stored, 0, sizeof(stored));
	memset(server, 0, sizeof(server));
	return ok ? 1 : 0;
}

int
pw_scram_make(enum gd_pw_hash hash, const void *password, size_t len,
    unsigned iterations, char *out, size_t size, const char **error_r)
{
	unsigned char salt[PW_SCRAM_SALT_LEN];
	unsigned char stored[GD_PW_KEY_MAX], server[GD_PW_KEY_MAX];
	char b_salt[32], b_stored[96], b_server[96];
	size_t n = gd_pw_hash_len(hash);
	int w;

	if (gd_pw_random(salt, sizeof(salt)) < 0) {
		*error_r = "no random bytes";
		return -1;
	}
	gd_pw_scram_derive(hash, password, len, salt, sizeof(salt),
	    iterations, stored, server);
	w = snprintf(out, size, "%u,%s,%s,%s", iterations,
	    gd_pw_b64_encode(salt, sizeof(salt), b_salt),
	    gd_pw_b64_encode(stored, n, b_stored),
	    gd_pw_b64_encode(server, n, b_server));
	if (w < 0 || (size_t)w >= size) {
		*error_r = "output too long";
		return -1;
	}
	return 0;
}
