/*
 * gumdrop/common.h — definitions shared by every part of the plugin API.
 *
 * Visibility: libgumdrop is built with -fvisibility=hidden; only functions
 * marked GD_API are exported to modules.
 *
 * Allocation: the gd_x* wrappers abort the process (after logging) when a
 * small, fixed-size allocation fails.  Sizes that come from input must be
 * checked against a configured limit *before* calling them.
 */
#ifndef GUMDROP_COMMON_H
#define GUMDROP_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include <assert.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define GD_API		__attribute__((visibility("default")))
#define GD_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define GD_NORETURN	__attribute__((noreturn))
#define GD_UNUSED	__attribute__((unused))
#define GD_LIKELY(x)	__builtin_expect(!!(x), 1)
#define GD_UNLIKELY(x)	__builtin_expect(!!(x), 0)
#else
#define GD_API
#define GD_PRINTF(f, a)
#define GD_NORETURN
#define GD_UNUSED
#define GD_LIKELY(x)	(x)
#define GD_UNLIKELY(x)	(x)
#endif

#define GD_N_ELEMENTS(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Every handle that crosses the plugin ABI starts with a 32-bit magic
 * number; entry points check it with GD_CHECK_MAGIC, which stays on in
 * release builds (a wrong handle is a bug, and we stop at once).
 */
#define GD_CHECK_MAGIC(obj, m) \
	gd_check_magic((obj) != NULL ? (obj)->magic : 0, (m), #obj, \
	    __FILE__, __LINE__)

/*
 * Aborts with a log line naming the location if `found` differs from
 * `expected`.  Use GD_CHECK_MAGIC rather than calling this directly.
 */
GD_API void gd_check_magic(uint32_t found, uint32_t expected,
    const char *what, const char *file, int line);

/*
 * Log a fatal line and abort.  Only for bugs and for allocation failure;
 * never for bad input.
 */
GD_API GD_NORETURN void gd_fatal(const char *fmt, ...) GD_PRINTF(1, 2);

/*
 * Allocation wrappers that abort instead of failing.  xmalloc/xcalloc/
 * xrealloc behave like their libc counterparts (xcalloc zeroes; a size of 0
 * returns a unique pointer).  xstrdup(NULL) returns NULL.  Free the result
 * with free().  Any thread.
 */
GD_API void *gd_xmalloc(size_t size);
GD_API void *gd_xcalloc(size_t nmemb, size_t size);
GD_API void *gd_xrealloc(void *ptr, size_t size);
GD_API char *gd_xstrdup(const char *s);
GD_API char *gd_xstrndup(const char *s, size_t n);
GD_API char *gd_xasprintf(const char *fmt, ...) GD_PRINTF(1, 2);

/* Monotonic time in milliseconds since an arbitrary epoch.  Any thread. */
GD_API uint64_t gd_now_ms(void);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_COMMON_H */
