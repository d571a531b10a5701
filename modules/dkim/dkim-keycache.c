/*
 * dkim-keycache.c — parsed and imported public keys by key name
 * (<selector>._domainkey.<domain>), kept for the TTL of their DNS answer.
 * A fixed number of entries in one array, chained from a hash table;
 * when full, the oldest insertion makes room (FIFO).  No lock: one
 * cache per thread (the module keeps one per worker loop).
 */
#include <stdlib.h>
#include <string.h>

#include "dkim-engine.h"

struct dkim_keycache {
	struct dkim_keyent *ents;	/* max entries */
	long *chain;			/* next entry in the bucket, or -1 */
	long *buckets;			/* first entry, or -1 */
	size_t max, nbuckets, count;
	size_t cursor;			/* next slot to fill or evict */
	uint32_t max_ttl;
};

static size_t
dkim_keycache_hash(const struct dkim_keycache *c, const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h & (c->nbuckets - 1);
}

struct dkim_keycache *
dkim_keycache_create(size_t max, uint32_t max_ttl)
{
	struct dkim_keycache *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL)
		abort();
	c->max = max > 0 ? max : 1;
	c->max_ttl = max_ttl;
	for (c->nbuckets = 16; c->nbuckets < c->max * 2; c->nbuckets *= 2)
		;
	c->ents = calloc(c->max, sizeof(*c->ents));
	c->chain = malloc(c->max * sizeof(*c->chain));
	c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
	if (c->ents == NULL || c->chain == NULL || c->buckets == NULL)
		abort();
	for (i = 0; i < c->nbuckets; i++)
		c->buckets[i] = -1;
	return c;
}

/* Unlink entry `i` from its bucket and free its key. */
static void
dkim_keycache_drop(struct dkim_keycache *c, size_t i)
{
	struct dkim_keyent *e = &c->ents[i];
	long *link = &c->buckets[dkim_keycache_hash(c, e->name)];

	while (*link != (long)i)
		link = &c->chain[*link];
	*link = c->chain[i];
	dkim_pubkey_free(&e->pub);
	e->used = false;
	c->count--;
}

void
dkim_keycache_free(struct dkim_keycache **cp)
{
	struct dkim_keycache *c = *cp;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->max; i++)
		dkim_pubkey_free(&c->ents[i].pub);
	free(c->ents);
	free(c->chain);
	free(c->buckets);
	free(c);
	*cp = NULL;
}

/* The entry of `name` (expired or not), or -1. */
static long
dkim_keycache_find(const struct dkim_keycache *c, const char *name)
{
	long i;

	for (i = c->buckets[dkim_keycache_hash(c, name)]; i >= 0;
	    i = c->chain[i])
		if (strcmp(c->ents[i].name, name) == 0)
			return i;
	return -1;
}

/* `name` lower-cased into `out`; -1 when too long. */
static int
dkim_keycache_name(const char *name, char *out)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		if (i == DKIM_KEYNAME_MAX)
			return -1;
		out[i] = dkim_lower(name[i]);
	}
	out[i] = '\0';
	return 0;
}

const struct dkim_keyent *
dkim_keycache_get(struct dkim_keycache *c, const char *name, time_t now)
{
	char lname[DKIM_KEYNAME_MAX + 1];
	long i;

	if (dkim_keycache_name(name, lname) < 0 ||
	    (i = dkim_keycache_find(c, lname)) < 0)
		return NULL;
	if (c->ents[i].expires <= now) {
		dkim_keycache_drop(c, (size_t)i);
		return NULL;
	}
	return &c->ents[i];
}

/* The slot for a new entry of `lname`: its old one, else the FIFO's. */
static size_t
dkim_keycache_slot(struct dkim_keycache *c, const char *lname)
{
	long i = dkim_keycache_find(c, lname);
	size_t slot;

	if (i >= 0) {
		dkim_keycache_drop(c, (size_t)i);
		return (size_t)i;
	}
	slot = c->cursor;
	if (c->ents[slot].used)
		dkim_keycache_drop(c, slot);
	c->cursor = (c->cursor + 1) % c->max;
	return slot;
}

void
dkim_keycache_put(struct dkim_keycache *c, const char *name,
    const struct dkim_key *key, uint32_t ttl, time_t now)
{
	struct dkim_keyent *e;
	char lname[DKIM_KEYNAME_MAX + 1];
	const char *why;
	size_t slot, b;

	if (ttl == 0 || dkim_keycache_name(name, lname) < 0)
		return;
	slot = dkim_keycache_slot(c, lname);
	e = &c->ents[slot];
	memcpy(e->name, lname, sizeof(lname));
	e->key = *key;
	e->expires = now + (time_t)(ttl < c->max_ttl ? ttl : c->max_ttl);
	e->pub = key->p_len > 0 ? dkim_pubkey_import(key->kalg, key->p,
	    key->p_len, &why) : NULL;
	e->used = true;
	b = dkim_keycache_hash(c, lname);
	c->chain[slot] = c->buckets[b];
	c->buckets[b] = (long)slot;
	c->count++;
}

size_t
dkim_keycache_count(const struct dkim_keycache *c)
{
	return c->count;
}
