/*
 * util.c — allocation wrappers, fatal errors, magic checks, clocks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gumdrop/common.h>
#include <gumdrop/log.h>

void
gd_fatal(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	gd_log(GD_LOG_FATAL, "fatal", "reason=\"%s\"", buf);
	abort();
}

void
gd_check_magic(uint32_t found, uint32_t expected, const char *what,
    const char *file, int line)
{
	if (GD_LIKELY(found == expected))
		return;
	gd_fatal("bad handle %s at %s:%d: magic 0x%08x, expected 0x%08x",
	    what, file, line, found, expected);
}

static void *
gd_oom(size_t size)
{
	gd_fatal("out of memory allocating %zu bytes", size);
}

void *
gd_xmalloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	return p != NULL ? p : gd_oom(size);
}

void *
gd_xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	return p != NULL ? p : gd_oom(nmemb * size);
}

void *
gd_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size == 0 ? 1 : size);

	return p != NULL ? p : gd_oom(size);
}

char *
gd_xstrdup(const char *s)
{
	return s == NULL ? NULL : gd_xstrndup(s, strlen(s));
}

char *
gd_xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = gd_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
gd_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		gd_oom(strlen(fmt));
	return p;
}

uint64_t
gd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
