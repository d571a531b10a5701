/*
 * imap-sbuf.c — a growable output buffer in a pool, and IMAP strings
 * (NIL, quoted, literal) written into it.
 */
#include "config.h"

#include <string.h>

#include "imap-fetch-resp.h"

void
imap_sbuf_init(struct imap_sbuf *sb, struct gd_pool *pool)
{
	memset(sb, 0, sizeof(*sb));
	sb->pool = pool;
}

/* Room for `more` octets and a NUL. */
static void
sbuf_reserve(struct imap_sbuf *sb, size_t more)
{
	size_t cap = sb->cap != 0 ? sb->cap : 256;
	char *nb;

	if (sb->len + more < sb->cap)
		return;
	while (cap <= sb->len + more)
		cap *= 2;
	nb = gd_pool_alloc(sb->pool, cap);
	if (sb->len > 0)
		memcpy(nb, sb->buf, sb->len);
	sb->buf = nb;
	sb->cap = cap;
}

void
imap_sbuf_add(struct imap_sbuf *sb, const void *data, size_t len)
{
	sbuf_reserve(sb, len);
	if (len > 0)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void
imap_sbuf_str(struct imap_sbuf *sb, const char *s)
{
	imap_sbuf_add(sb, s, strlen(s));
}

void
imap_sbuf_u64(struct imap_sbuf *sb, uint64_t n)
{
	char buf[IMAP_U64_DIGITS];
	const char *p = imap_u64_digits(buf, n);

	imap_sbuf_add(sb, p, (size_t)(buf + sizeof(buf) - p));
}

void
imap_sbuf_string(struct imap_sbuf *sb, const char *s, size_t len,
    unsigned mode)
{
	size_t need = imap_string_format(NULL, 0, s, len, mode, 0);

	sbuf_reserve(sb, need);
	imap_string_format(sb->buf + sb->len, need + 1, s, len, mode, 0);
	sb->len += need;
	sb->buf[sb->len] = '\0';
}

void
imap_sbuf_nstring(struct imap_sbuf *sb, const char *s, unsigned mode)
{
	if (s == NULL)
		imap_sbuf_add(sb, "NIL", 3);
	else
		imap_sbuf_string(sb, s, strlen(s), mode);
}
