/*
 * gumdrop/pool.h — memory pools.
 *
 * Lifetimes are pools: the config generation, the connection, the
 * transaction (MAIL through end of DATA) and the command each own one.
 * Allocations from a pool are freed together when the pool is destroyed
 * (or cleared); cleanups registered on it (close an fd, stop a timer,
 * cancel a DNS query) run first, in reverse order of registration.
 *
 * A pool is not thread-safe: use it from one thread at a time (normally
 * the loop thread of the connection that owns it).
 */
#ifndef GUMDROP_POOL_H
#define GUMDROP_POOL_H

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_pool;

typedef void gd_pool_cleanup_fn(void *arg);

/*
 * Create a pool.  `name` (static string) appears in debug logs.  Never
 * returns NULL (aborts on allocation failure).  A pool holds no block
 * until its first allocation, so a pool made "just in case" costs only
 * its small header.
 */
GD_API struct gd_pool *gd_pool_create(const char *name);

/* Run cleanups, free everything, and set *pool to NULL.  NULL is a no-op. */
GD_API void gd_pool_destroy(struct gd_pool **pool);

/*
 * Run cleanups and free all allocations but keep the pool itself for
 * reuse (transaction and command pools are cleared, not recreated).
 */
GD_API void gd_pool_clear(struct gd_pool *pool);

/*
 * Allocate `size` zeroed bytes, aligned for any type.  Owned by the pool.
 * Aborts on failure, so check input-derived sizes against limits first.
 */
GD_API void *gd_pool_alloc(struct gd_pool *pool, size_t size);
GD_API char *gd_pool_strdup(struct gd_pool *pool, const char *s);
GD_API char *gd_pool_strndup(struct gd_pool *pool, const char *s, size_t n);
GD_API char *gd_pool_printf(struct gd_pool *pool, const char *fmt, ...)
    GD_PRINTF(2, 3);
GD_API char *gd_pool_vprintf(struct gd_pool *pool, const char *fmt,
    va_list ap) GD_PRINTF(2, 0);

/*
 * Register fn(arg) to run when the pool is cleared or destroyed.
 * Cleanups run in reverse order of registration.  Returns a handle that
 * gd_pool_cleanup_remove() accepts, to cancel it (for example when an fd
 * was closed early).
 */
GD_API void *gd_pool_cleanup_add(struct gd_pool *pool,
    gd_pool_cleanup_fn *fn, void *arg);
GD_API void gd_pool_cleanup_remove(struct gd_pool *pool, void *handle);

/* Bytes currently allocated from the pool (for limits and tests). */
GD_API size_t gd_pool_used(const struct gd_pool *pool);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_POOL_H */
