/*
 * scram-crypto.c — SCRAM's hashes through nettle (HMAC and H for SHA-1,
 * SHA-256, SHA-512), and the stand-in keys for users without any.
 */
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "scram.h"

/* Room for any of the three hashes' contexts. */
union scram_hash_ctx {
	struct sha1_ctx sha1;
	struct sha256_ctx sha256;
	struct sha512_ctx sha512;
};

const struct scram_hash scram_sha1 = {
	"SHA-1", &nettle_sha1, SHA1_DIGEST_SIZE,
};
const struct scram_hash scram_sha256 = {
	"SHA-256", &nettle_sha256, SHA256_DIGEST_SIZE,
};
const struct scram_hash scram_sha512 = {
	"SHA-512", &nettle_sha512, SHA512_DIGEST_SIZE,
};

void
scram_hmac(const struct scram_hash *h, const void *key, size_t key_len,
    const void *a, size_t a_len, const void *b, size_t b_len, uint8_t *out)
{
	union scram_hash_ctx outer, inner, state;

	hmac_set_key(&outer, &inner, &state, h->nettle, key_len, key);
	hmac_update(&state, h->nettle, a_len, a);
	if (b_len > 0)
		hmac_update(&state, h->nettle, b_len, b);
	hmac_digest(&outer, &inner, &state, h->nettle, h->len, out);
	memset(&outer, 0, sizeof(outer));
	memset(&inner, 0, sizeof(inner));
	memset(&state, 0, sizeof(state));
}

void
scram_digest(const struct scram_hash *h, const void *data, size_t len,
    uint8_t *out)
{
	union scram_hash_ctx ctx;

	h->nettle->init(&ctx);
	h->nettle->update(&ctx, len, data);
	h->nettle->digest(&ctx, h->len, out);
}

/*
 * HMAC-SHA-256(secret, label NUL hash NUL user): a different value for
 * each purpose, hash and name, the same at every call.
 */
static void
scram_fake_derive(const uint8_t secret[SCRAM_SECRET_LEN], const char *label,
    const struct scram_hash *h, const char *user, uint8_t *out)
{
	struct hmac_sha256_ctx mac;

	hmac_sha256_set_key(&mac, SCRAM_SECRET_LEN, secret);
	hmac_sha256_update(&mac, strlen(label) + 1, (const uint8_t *)label);
	hmac_sha256_update(&mac, strlen(h->name) + 1,
	    (const uint8_t *)h->name);
	hmac_sha256_update(&mac, strlen(user), (const uint8_t *)user);
	hmac_sha256_digest(&mac, SHA256_DIGEST_SIZE, out);
	memset(&mac, 0, sizeof(mac));
}

void
scram_fake_keys(const struct scram_hash *h,
    const uint8_t secret[SCRAM_SECRET_LEN], const char *user,
    unsigned iterations, uint8_t salt[SCRAM_FAKE_SALT_LEN],
    struct gd_realm_scram *keys)
{
	uint8_t d[SHA256_DIGEST_SIZE];

	memset(keys, 0, sizeof(*keys));
	scram_fake_derive(secret, "salt", h, user, d);
	memcpy(salt, d, SCRAM_FAKE_SALT_LEN);
	/* Keys of the right length that no proof can match (the server
	 * never accepts a stand-in anyway): H of a secret value. */
	scram_fake_derive(secret, "stored-key", h, user, d);
	scram_hmac(h, d, sizeof(d), "stored", 6, NULL, 0, keys->stored_key);
	scram_fake_derive(secret, "server-key", h, user, d);
	scram_hmac(h, d, sizeof(d), "server", 6, NULL, 0, keys->server_key);
	keys->hash = h->name;
	keys->iterations = iterations;
	keys->salt = salt;
	keys->salt_len = SCRAM_FAKE_SALT_LEN;
	keys->key_len = h->len;
	memset(d, 0, sizeof(d));
}
