/*
 * pool.c — block-based memory pools with cleanups.
 *
 * Small allocations are carved from blocks that grow geometrically; an
 * allocation larger than a quarter of the block size gets a block of its
 * own, so one big buffer does not waste the tail of the current block.
 * The first block is made by the first allocation, not by create: many
 * pools (an idle session's command and transaction pools, say) are never
 * allocated from, and 10,000 idle connections would otherwise hold
 * blocks that are never touched.
 * Cleanup records are malloc'd and doubly linked so that removing one is
 * O(1) and gives its memory back at once (connections add and remove
 * timer cleanups many times over their life).
 */
#include "config.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/common.h>
#include <gumdrop/pool.h>

#define POOL_MAGIC		0x504f4f4cU	/* "POOL" */
#define POOL_FIRST_BLOCK	1024
#define POOL_MAX_BLOCK		(64 * 1024)
#define POOL_ALIGN		alignof(max_align_t)

struct pool_block {
	struct pool_block *next;
	size_t size;		/* usable bytes in data[] */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct pool_cleanup {
	struct pool_cleanup *next;
	struct pool_cleanup *prev;
	gd_pool_cleanup_fn *fn;
	void *arg;
};

struct gd_pool {
	uint32_t magic;
	const char *name;
	struct pool_block *blocks;	/* current block first */
	struct pool_block *large;	/* one allocation each */
	struct pool_cleanup *cleanups;	/* most recent first */
	size_t next_size;
	size_t used;
};

static struct pool_block *pool_block_new(size_t size);
static void pool_block_free_list(struct pool_block *b);
static void pool_run_cleanups(struct gd_pool *pool);
static void *pool_alloc_large(struct gd_pool *pool, size_t size);

static struct pool_block *
pool_block_new(size_t size)
{
	struct pool_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		gd_fatal("pool: allocation of %zu bytes overflows", size);
	b = gd_xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

static void
pool_block_free_list(struct pool_block *b)
{
	struct pool_block *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

struct gd_pool *
gd_pool_create(const char *name)
{
	struct gd_pool *pool;

	pool = gd_xcalloc(1, sizeof(*pool));
	pool->magic = POOL_MAGIC;
	pool->name = name != NULL ? name : "pool";
	pool->next_size = POOL_FIRST_BLOCK;
	return pool;
}

static void
pool_run_cleanups(struct gd_pool *pool)
{
	struct pool_cleanup *c;

	/* Pop before calling: a cleanup may add or remove others. */
	while ((c = pool->cleanups) != NULL) {
		pool->cleanups = c->next;
		if (c->next != NULL)
			c->next->prev = NULL;
		c->fn(c->arg);
		free(c);
	}
}

void
gd_pool_clear(struct gd_pool *pool)
{
	struct pool_block *keep;

	GD_CHECK_MAGIC(pool, POOL_MAGIC);
	pool_run_cleanups(pool);
	pool_block_free_list(pool->large);
	pool->large = NULL;
	/* Keep the current (largest) block for reuse, drop the others. */
	keep = pool->blocks;
	if (keep != NULL) {
		pool_block_free_list(keep->next);
		keep->next = NULL;
		keep->used = 0;
	}
	pool->used = 0;
}

void
gd_pool_destroy(struct gd_pool **poolp)
{
	struct gd_pool *pool = *poolp;

	if (pool == NULL)
		return;
	GD_CHECK_MAGIC(pool, POOL_MAGIC);
	pool_run_cleanups(pool);
	pool_block_free_list(pool->large);
	pool_block_free_list(pool->blocks);
	pool->magic = 0;
	free(pool);
	*poolp = NULL;
}

static void *
pool_alloc_large(struct gd_pool *pool, size_t size)
{
	struct pool_block *b;

	b = pool_block_new(size);
	b->used = size;
	b->next = pool->large;
	pool->large = b;
	return b->data;
}

void *
gd_pool_alloc(struct gd_pool *pool, size_t size)
{
	struct pool_block *b;
	void *p;

	GD_CHECK_MAGIC(pool, POOL_MAGIC);
	if (size > SIZE_MAX - POOL_ALIGN)
		gd_fatal("pool %s: allocation of %zu bytes overflows",
		    pool->name, size);
	/* Round up so that the next allocation stays aligned. */
	size = (size + POOL_ALIGN - 1) & ~(POOL_ALIGN - 1);
	if (size == 0)
		size = POOL_ALIGN;
	pool->used += size;
	if (size > POOL_MAX_BLOCK / 4) {
		p = pool_alloc_large(pool, size);
	} else {
		b = pool->blocks;
		if (b == NULL || b->size - b->used < size) {
			/* Up to POOL_MAX_BLOCK / 4 may exceed next_size. */
			b = pool_block_new(size > pool->next_size ? size :
			    pool->next_size);
			if (pool->next_size < POOL_MAX_BLOCK)
				pool->next_size *= 2;
			b->next = pool->blocks;
			pool->blocks = b;
		}
		p = b->data + b->used;
		b->used += size;
	}
	memset(p, 0, size);
	return p;
}

char *
gd_pool_strndup(struct gd_pool *pool, const char *s, size_t n)
{
	char *d;

	n = strnlen(s, n);
	d = gd_pool_alloc(pool, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
gd_pool_strdup(struct gd_pool *pool, const char *s)
{
	if (s == NULL)
		return NULL;
	return gd_pool_strndup(pool, s, strlen(s));
}

char *
gd_pool_vprintf(struct gd_pool *pool, const char *fmt, va_list ap)
{
	va_list ap2;
	char *s;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		gd_fatal("pool %s: bad format string '%s'", pool->name, fmt);
	s = gd_pool_alloc(pool, (size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *
gd_pool_printf(struct gd_pool *pool, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = gd_pool_vprintf(pool, fmt, ap);
	va_end(ap);
	return s;
}

void *
gd_pool_cleanup_add(struct gd_pool *pool, gd_pool_cleanup_fn *fn, void *arg)
{
	struct pool_cleanup *c;

	GD_CHECK_MAGIC(pool, POOL_MAGIC);
	assert(fn != NULL);
	c = gd_xmalloc(sizeof(*c));
	c->fn = fn;
	c->arg = arg;
	c->prev = NULL;
	c->next = pool->cleanups;
	if (c->next != NULL)
		c->next->prev = c;
	pool->cleanups = c;
	return c;
}

void
gd_pool_cleanup_remove(struct gd_pool *pool, void *handle)
{
	struct pool_cleanup *c = handle;

	GD_CHECK_MAGIC(pool, POOL_MAGIC);
	if (c == NULL)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		pool->cleanups = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
}

size_t
gd_pool_used(const struct gd_pool *pool)
{
	GD_CHECK_MAGIC(pool, POOL_MAGIC);
	return pool->used;
}
