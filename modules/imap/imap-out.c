/*
 * imap-out.c — the output buffer: untagged responses that a job builds
 * in the blocking pool (LIST lines, EXPUNGE, EXISTS, FETCH FLAGS) and
 * that its `done` half writes to the connection, before the tagged
 * reply, so that they reach the client at the points RFC 9051 allows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"

void
imap_out_reserve(struct imap_out *o, size_t more)
{
	size_t cap = o->cap > 0 ? o->cap : 256;

	if (o->len + more + 1 <= o->cap)
		return;
	while (cap < o->len + more + 1)
		cap *= 2;
	o->buf = gd_xrealloc(o->buf, cap);
	o->cap = cap;
}

void
imap_out_add(struct imap_out *o, const void *data, size_t len)
{
	imap_out_reserve(o, len);
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

void
imap_out_printf(struct imap_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* Straight into the buffer when it fits (a FETCH 1:* makes tens of
	 * thousands of these): measured only when it does not. */
	imap_out_reserve(o, 64);
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n <= 0) {
		o->buf[o->len] = '\0';
		return;
	}
	if ((size_t)n < o->cap - o->len) {
		o->len += (size_t)n;
		return;
	}
	imap_out_reserve(o, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

void
imap_out_str(struct imap_out *o, const char *s)
{
	imap_out_add(o, s, strlen(s));
}

void
imap_out_uint(struct imap_out *o, uint64_t v)
{
	char buf[IMAP_U64_DIGITS];
	const char *p = imap_u64_digits(buf, v);

	imap_out_add(o, p, (size_t)(buf + sizeof(buf) - p));
}

/* A string (quoted, or a literal when it must be). */
void
imap_out_string(struct imap_out *o, const char *s, unsigned mode)
{
	size_t len = strlen(s);
	size_t n = imap_string_format(NULL, 0, s, len, mode, 0);

	imap_out_reserve(o, n);
	imap_string_format(o->buf + o->len, n + 1, s, len, mode, 0);
	o->len += n;
}

/* A mailbox name as the client's mode wants it (mUTF-7 or UTF-8). */
void
imap_out_mailbox(struct imap_out *o, struct gd_pool *pool, const char *name,
    unsigned mode)
{
	const char *c = imap_mailbox_for_client(pool, name, mode);

	imap_out_string(o, c != NULL ? c : name, mode);
}

void
imap_out_reset(struct imap_out *o)
{
	o->len = 0;
	if (o->buf != NULL)
		o->buf[0] = '\0';
}

void
imap_out_free(struct imap_out *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}
