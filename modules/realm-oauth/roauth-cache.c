/*
 * roauth-cache.c — token check results, by SHA-256 of the token (the
 * token itself is never kept), for their lifetime; see realm-oauth.h.
 * Direct-mapped and bounded: `size` slots, one mutex.
 */
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "realm-oauth.h"

void
roauth_cache_init(struct roauth_cache *c, size_t size)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->size = size;
	if (size > 0 && (c->slots = calloc(size, sizeof(*c->slots))) == NULL)
		c->size = 0;
}

void
roauth_cache_deinit(struct roauth_cache *c)
{
	size_t i;

	for (i = 0; i < c->size; i++)
		free(c->slots[i].user);
	free(c->slots);
	c->slots = NULL;
	c->size = 0;
	pthread_mutex_destroy(&c->lock);
}

void
roauth_cache_digest(const void *token, size_t len,
    uint8_t out[ROAUTH_DIGEST])
{
	struct sha256_ctx h;

	sha256_init(&h);
	sha256_update(&h, len, token);
	sha256_digest(&h, ROAUTH_DIGEST, out);
}

static struct roauth_cache_entry *
roauth_cache_slot(struct roauth_cache *c, const uint8_t key[ROAUTH_DIGEST])
{
	uint64_t h;

	/* The digest is uniform already. */
	memcpy(&h, key, sizeof(h));
	return &c->slots[h % c->size];
}

bool
roauth_cache_get(struct roauth_cache *c, const uint8_t key[ROAUTH_DIGEST],
    uint64_t now_ms, struct roauth_cache_entry *e)
{
	struct roauth_cache_entry *s;
	bool found = false;

	if (c->size == 0)
		return false;
	pthread_mutex_lock(&c->lock);
	s = roauth_cache_slot(c, key);
	if (s->used && s->until_ms > now_ms &&
	    memcmp(s->key, key, ROAUTH_DIGEST) == 0) {
		*e = *s;
		e->user = s->user != NULL ? strdup(s->user) : NULL;
		found = s->user == NULL || e->user != NULL;
	}
	if (found)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->lock);
	return found;
}

void
roauth_cache_put(struct roauth_cache *c, const uint8_t key[ROAUTH_DIGEST],
    bool ok, const char *user, const char *status, int64_t exp,
    uint64_t until_ms)
{
	struct roauth_cache_entry *s;
	char *copy = user != NULL ? strdup(user) : NULL;

	if (c->size == 0 || (user != NULL && copy == NULL)) {
		free(copy);
		return;
	}
	pthread_mutex_lock(&c->lock);
	s = roauth_cache_slot(c, key);
	free(s->user);
	memcpy(s->key, key, ROAUTH_DIGEST);
	s->used = true;
	s->ok = ok;
	s->user = copy;
	s->status = status;
	s->exp = exp;
	s->until_ms = until_ms;
	pthread_mutex_unlock(&c->lock);
}
