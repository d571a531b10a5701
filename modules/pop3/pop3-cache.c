/*
 * pop3-cache.c — the size cache and the login-delay memory (pop3-cache.h).
 *
 * Both are one bounded table: a fixed array of entries, chained into
 * hash buckets by index, a mutex.  Entries are taken in order while the
 * table fills; once full, the victim is the entry after the last one
 * replaced (the oldest insertion, for sizes), or for LOGIN-DELAY first
 * any entry whose delay has passed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/common.h>

#include "pop3-cache.h"

struct memo_entry {
	char *user;
	uint32_t uidvalidity;
	uint32_t uid;
	uint64_t a;			/* sizes: stored size; delay: time */
	uint64_t b;			/* sizes: POP3 size */
	uint32_t hash;
	int32_t next;			/* in the bucket, -1: end */
};

struct memo {
	pthread_mutex_t lock;
	size_t max;
	size_t count;
	size_t victim;			/* next slot replaced once full */
	size_t nbuckets;		/* a power of two */
	int32_t *buckets;
	struct memo_entry *e;
};

struct pop3_cache {
	struct memo m;
};

struct pop3_delay {
	struct memo m;
};

static void
memo_init(struct memo *m, size_t max)
{
	size_t i;

	if (max == 0)
		max = 1;
	m->max = max;
	m->nbuckets = 16;
	while (m->nbuckets < 2 * max)
		m->nbuckets *= 2;
	m->buckets = gd_xmalloc(m->nbuckets * sizeof(*m->buckets));
	for (i = 0; i < m->nbuckets; i++)
		m->buckets[i] = -1;
	m->e = gd_xcalloc(max, sizeof(*m->e));
	pthread_mutex_init(&m->lock, NULL);
}

static void
memo_fini(struct memo *m)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		free(m->e[i].user);
	free(m->e);
	free(m->buckets);
	pthread_mutex_destroy(&m->lock);
}

/* FNV-1a over the user and the two numbers. */
static uint32_t
memo_hash(const char *user, uint32_t uidvalidity, uint32_t uid)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;
	int i;

	for (p = (const unsigned char *)user; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	for (i = 0; i < 4; i++)
		h = (h ^ ((uidvalidity >> (8 * i)) & 0xff)) * 16777619u;
	for (i = 0; i < 4; i++)
		h = (h ^ ((uid >> (8 * i)) & 0xff)) * 16777619u;
	return h;
}

static struct memo_entry *
memo_find(struct memo *m, const char *user, uint32_t uidvalidity,
    uint32_t uid, uint32_t hash)
{
	int32_t i = m->buckets[hash & (m->nbuckets - 1)];

	for (; i >= 0; i = m->e[i].next) {
		struct memo_entry *e = &m->e[i];

		if (e->hash == hash && e->uid == uid &&
		    e->uidvalidity == uidvalidity &&
		    strcmp(e->user, user) == 0)
			return e;
	}
	return NULL;
}

/* Take entry `slot` out of its bucket's chain. */
static void
memo_unlink(struct memo *m, size_t slot)
{
	int32_t *link = &m->buckets[m->e[slot].hash & (m->nbuckets - 1)];

	while (*link >= 0 && (size_t)*link != slot)
		link = &m->e[*link].next;
	if (*link >= 0)
		*link = m->e[slot].next;
	free(m->e[slot].user);
	m->e[slot].user = NULL;
}

/* A free slot: the next one while filling, else `victim` (unlinked). */
static size_t
memo_slot(struct memo *m, size_t victim)
{
	if (m->count < m->max)
		return m->count++;
	memo_unlink(m, victim);
	return victim;
}

static struct memo_entry *
memo_insert(struct memo *m, size_t slot, const char *user,
    uint32_t uidvalidity, uint32_t uid, uint32_t hash)
{
	struct memo_entry *e = &m->e[slot];
	size_t b = hash & (m->nbuckets - 1);

	e->user = gd_xstrdup(user);
	e->uidvalidity = uidvalidity;
	e->uid = uid;
	e->hash = hash;
	e->next = m->buckets[b];
	m->buckets[b] = (int32_t)slot;
	return e;
}

/* The oldest-insertion victim, advanced. */
static size_t
memo_next_victim(struct memo *m)
{
	size_t v = m->victim;

	m->victim = (m->victim + 1) % m->max;
	return v;
}

static size_t
memo_count(struct memo *m)
{
	size_t n;

	pthread_mutex_lock(&m->lock);
	n = m->count;
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* ---- sizes ------------------------------------------------------------- */

struct pop3_cache *
pop3_cache_create(size_t max)
{
	struct pop3_cache *c = gd_xcalloc(1, sizeof(*c));

	memo_init(&c->m, max);
	return c;
}

void
pop3_cache_free(struct pop3_cache **c)
{
	if (*c == NULL)
		return;
	memo_fini(&(*c)->m);
	free(*c);
	*c = NULL;
}

bool
pop3_cache_get(struct pop3_cache *c, const char *user, uint32_t uidvalidity,
    uint32_t uid, uint64_t stored_size, uint64_t *pop3_size_r)
{
	uint32_t h = memo_hash(user, uidvalidity, uid);
	struct memo_entry *e;
	bool found = false;

	pthread_mutex_lock(&c->m.lock);
	e = memo_find(&c->m, user, uidvalidity, uid, h);
	if (e != NULL && e->a == stored_size) {
		*pop3_size_r = e->b;
		found = true;
	}
	pthread_mutex_unlock(&c->m.lock);
	return found;
}

void
pop3_cache_put(struct pop3_cache *c, const char *user, uint32_t uidvalidity,
    uint32_t uid, uint64_t stored_size, uint64_t pop3_size)
{
	uint32_t h = memo_hash(user, uidvalidity, uid);
	struct memo_entry *e;
	size_t slot;

	pthread_mutex_lock(&c->m.lock);
	e = memo_find(&c->m, user, uidvalidity, uid, h);
	if (e == NULL) {
		slot = memo_slot(&c->m, c->m.count < c->m.max ? 0 :
		    memo_next_victim(&c->m));
		e = memo_insert(&c->m, slot, user, uidvalidity, uid, h);
	}
	e->a = stored_size;
	e->b = pop3_size;
	pthread_mutex_unlock(&c->m.lock);
}

size_t
pop3_cache_count(struct pop3_cache *c)
{
	return memo_count(&c->m);
}

/* ---- login delay --------------------------------------------------------- */

struct pop3_delay *
pop3_delay_create(size_t max)
{
	struct pop3_delay *d = gd_xcalloc(1, sizeof(*d));

	memo_init(&d->m, max);
	return d;
}

void
pop3_delay_free(struct pop3_delay **d)
{
	if (*d == NULL)
		return;
	memo_fini(&(*d)->m);
	free(*d);
	*d = NULL;
}

bool
pop3_delay_allowed(struct pop3_delay *d, const char *user, uint64_t now,
    uint32_t delay)
{
	uint32_t h = memo_hash(user, 0, 0);
	struct memo_entry *e;
	bool ok;

	pthread_mutex_lock(&d->m.lock);
	e = memo_find(&d->m, user, 0, 0, h);
	ok = e == NULL || now < e->a || now - e->a >= delay;
	pthread_mutex_unlock(&d->m.lock);
	return ok;
}

/* Once full: an entry whose delay has passed, else the oldest. */
static size_t
pop3_delay_victim(struct memo *m, uint64_t now, uint32_t delay)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		if (now >= m->e[i].a && now - m->e[i].a >= delay)
			return i;
	return memo_next_victim(m);
}

void
pop3_delay_record(struct pop3_delay *d, const char *user, uint64_t now,
    uint32_t delay)
{
	uint32_t h = memo_hash(user, 0, 0);
	struct memo_entry *e;
	size_t slot;

	pthread_mutex_lock(&d->m.lock);
	e = memo_find(&d->m, user, 0, 0, h);
	if (e == NULL) {
		slot = memo_slot(&d->m, d->m.count < d->m.max ? 0 :
		    pop3_delay_victim(&d->m, now, delay));
		e = memo_insert(&d->m, slot, user, 0, 0, h);
	}
	e->a = now;
	pthread_mutex_unlock(&d->m.lock);
}

size_t
pop3_delay_count(struct pop3_delay *d)
{
	return memo_count(&d->m);
}
