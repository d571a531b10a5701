/*
 * imap-fetch-test.h — helpers of the FETCH response tests: load a test
 * message (unit/data/imap/), parse its tree, render ENVELOPE /
 * BODYSTRUCTURE, and fetch a section through the streamer.
 */
#ifndef IMAP_FETCH_TEST_H
#define IMAP_FETCH_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "imap-fetch-resp.h"

/* Length of the last ft_fetch() result (it may hold NULs). */
static size_t ft_len;

struct ft_msg {
	char *data;
	size_t len;
	struct imap_mem_src ms;
	const struct gd_mime_part *root;
	uint64_t size;
};

/* Read unit/data/imap/NAME into pool memory. */
static inline void
ft_load(struct gd_pool *pool, const char *name, struct ft_msg *m)
{
	char path[512];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/unit/data/imap/%s", GD_TEST_SRCDIR,
	    name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	m->data = gd_pool_alloc(pool, (size_t)n + 1);
	m->len = fread(m->data, 1, (size_t)n, f);
	fclose(f);
	imap_src_mem(&m->ms, m->data, m->len);
	cr_assert_eq(imap_msg_tree(pool, &m->ms.src, NULL, &m->root,
	    &m->size), 0);
	cr_assert_eq(m->size, m->len);
}

/* A message held in a string. */
static inline void
ft_mem(struct gd_pool *pool, const char *text, struct ft_msg *m)
{
	m->len = strlen(text);
	m->data = gd_pool_strdup(pool, text);
	imap_src_mem(&m->ms, m->data, m->len);
	cr_assert_eq(imap_msg_tree(pool, &m->ms.src, NULL, &m->root,
	    &m->size), 0);
}

static inline const char *
ft_envelope(struct gd_pool *pool, const struct gd_mime_part *msg,
    unsigned mode)
{
	struct imap_sbuf sb;

	imap_sbuf_init(&sb, pool);
	imap_envelope_write(&sb, msg, mode);
	return sb.buf;
}

static inline const char *
ft_structure(struct gd_pool *pool, const struct gd_mime_part *root,
    bool ext)
{
	struct imap_sbuf sb;

	imap_sbuf_init(&sb, pool);
	imap_bodystructure_write(&sb, root, ext, 0);
	return sb.buf;
}

/*
 * FETCH `item` (e.g. "BODY.PEEK[1.MIME]<0.10>") on the message: the
 * literal's content with the streamer driven `chunk` octets at a time,
 * "NO" for a refusal; *total_r the result size before
 * <partial>.
 */
static inline const char *
ft_fetch(struct gd_pool *pool, struct ft_msg *m, const char *item,
    size_t chunk, uint64_t *total_r)
{
	struct imap_fetch_stream *st = gd_pool_alloc(pool, sizeof(*st));
	struct imap_section sec;
	struct imap_error err;
	struct imap_args a;
	struct imap_fetch f;
	struct imap_sbuf sb;
	char *text = gd_pool_printf(pool, " %s", item), buf[64];
	bool done = false;
	ssize_t n;
	unsigned rounds = 0;

	imap_args_init(&a, text, strlen(text), pool, 0, &err);
	cr_assert_eq(imap_parse_fetch(&a, &f), 0, "%s: %s", item, err.text);
	cr_assert_not_null(f.atts);
	if (imap_section_resolve(m->root, m->size, f.atts, &sec, &err) < 0)
		return "NO";
	cr_assert_eq(imap_fetch_stream_open(st, &m->ms.src, &sec), 0);
	if (total_r != NULL)
		*total_r = imap_fetch_stream_total(st);
	imap_sbuf_init(&sb, pool);
	imap_sbuf_add(&sb, "", 0);
	if (chunk > sizeof(buf))
		chunk = sizeof(buf);
	while (!done) {
		n = imap_fetch_stream_produce(st, buf, chunk, &done);
		cr_assert_geq(n, 0);
		cr_assert(n > 0 || done);
		imap_sbuf_add(&sb, buf, (size_t)n);
		cr_assert_lt(++rounds, 100000);
	}
	cr_assert_eq(sb.len, imap_fetch_stream_size(st), "%s %zu %zu", item,
	    sb.len, (size_t)imap_fetch_stream_size(st));
	ft_len = sb.len;
	return sb.buf;
}

#endif
