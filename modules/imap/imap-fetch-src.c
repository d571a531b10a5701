/*
 * imap-fetch-src.c — content sources for FETCH (a gd_mail_content, or
 * memory) and the MIME part tree of a message read from a source.
 */
#include "config.h"

#include <string.h>

#include "imap-fetch-resp.h"

static ssize_t
content_read(void *arg, void *buf, size_t len)
{
	struct imap_content_src *cs = arg;

	return gd_mail_content_read(cs->content, buf, len, &cs->err);
}

static int
content_seek(void *arg, uint64_t offset)
{
	struct imap_content_src *cs = arg;

	return gd_mail_content_seek(cs->content, offset, &cs->err);
}

void
imap_src_content(struct imap_content_src *cs, struct gd_mail_content *content)
{
	memset(cs, 0, sizeof(*cs));
	cs->content = content;
	cs->src.read = content_read;
	cs->src.seek = content_seek;
	cs->src.arg = cs;
}

static ssize_t
mem_read(void *arg, void *buf, size_t len)
{
	struct imap_mem_src *ms = arg;
	size_t n = ms->len - ms->pos;

	if (n > len)
		n = len;
	memcpy(buf, ms->data + ms->pos, n);
	ms->pos += n;
	return (ssize_t)n;
}

static int
mem_seek(void *arg, uint64_t offset)
{
	struct imap_mem_src *ms = arg;

	if (offset > ms->len)
		return -1;
	ms->pos = (size_t)offset;
	return 0;
}

void
imap_src_mem(struct imap_mem_src *ms, const void *data, size_t len)
{
	memset(ms, 0, sizeof(*ms));
	ms->data = data;
	ms->len = len;
	ms->src.read = mem_read;
	ms->src.seek = mem_seek;
	ms->src.arg = ms;
}

int
imap_msg_tree(struct gd_pool *pool, struct imap_src *src,
    const struct gd_msg_limits *limits, const struct gd_mime_part **root_r,
    uint64_t *size_r)
{
	struct gd_msg_parser *p;
	char buf[IMAP_STREAM_CHUNK];
	uint64_t total = 0;
	ssize_t n;

	if (src->seek(src->arg, 0) < 0)
		return -1;
	p = gd_msg_parser_create(pool, limits, NULL, NULL);
	while ((n = src->read(src->arg, buf, sizeof(buf))) > 0) {
		gd_msg_parser_feed(p, buf, (size_t)n);
		total += (uint64_t)n;
	}
	*root_r = gd_msg_parser_finish(p);
	if (size_r != NULL)
		*size_r = total;
	return n < 0 ? -1 : 0;
}
