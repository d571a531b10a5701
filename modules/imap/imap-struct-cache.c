/*
 * imap-struct-cache.c — the rendered ENVELOPE, BODY and BODYSTRUCTURE of
 * messages, kept for the whole process (a gd_mail_cache of the core, the
 * engine of the search's header cache) so that a later FETCH of them, by
 * any session or worker, neither opens nor parses the message.
 *
 * The three strings depend on the message's content and on the session
 * only through IMAP_MODE_UTF8 (how 8-bit strings are written): that bit
 * is the entry's variant.  All three are rendered and kept together on a
 * miss (rendering is cheap next to opening and parsing the file).  The
 * blob is three native uint32_t lengths then the three strings.
 * Bounded by IMAP_STRUCT_CACHE_MAX bytes; the least recently used
 * mailboxes are dropped first.
 */
#include <stdlib.h>
#include <string.h>

#include "imap-fetch-resp.h"

static struct gd_mail_cache *struct_cache;

void
imap_struct_cache_start(void)
{
	if (struct_cache == NULL)
		struct_cache = gd_mail_cache_new(IMAP_STRUCT_CACHE_MAX);
}

void
imap_struct_cache_stop(void)
{
	gd_mail_cache_free(&struct_cache);
}

static void
struct_key(struct gd_mailbox *box, const struct gd_mail_msg *m,
    unsigned mode, struct gd_mail_cache_key *k)
{
	gd_mail_cache_key_of(box, m, k);
	k->variant = mode & IMAP_MODE_UTF8;
}

#define PARSE_PROBLEMS	(GD_MIME_TRUNC_HEADER | GD_MIME_TRUNC_STRUCTURE | \
	GD_MIME_BAD_BOUNDARY | GD_MIME_NO_END_BOUNDARY | \
	GD_MIME_BAD_CONTENT_TYPE)

/* Depth first; the parser bounds the tree (depth and parts). */
unsigned
imap_parse_problems(const struct gd_mime_part *root)
{
	const struct gd_mime_part *c;
	unsigned problems = root->flags & PARSE_PROBLEMS;

	for (c = root->children; c != NULL; c = c->next)
		problems |= imap_parse_problems(c);
	return problems;
}

const char *
imap_parse_problem_text(unsigned problems)
{
	if (problems & GD_MIME_TRUNC_STRUCTURE)
		return "MIME structure deeper or larger than this server "
		    "parses; the rest is shown as one part";
	if (problems & GD_MIME_TRUNC_HEADER)
		return "header larger than this server parses; later fields "
		    "ignored";
	if (problems & GD_MIME_BAD_BOUNDARY)
		return "multipart without a usable boundary, shown as one part";
	if (problems & GD_MIME_NO_END_BOUNDARY)
		return "multipart without its closing boundary";
	return "unreadable Content-Type, taken as text/plain";
}

void
imap_struct_render(struct imap_struct *st, const struct gd_mime_part *root,
    unsigned mode, struct gd_pool *pool)
{
	struct imap_sbuf sb;
	int i;

	st->problems = imap_parse_problems(root);
	for (i = 0; i < IMAP_STRUCT_N; i++) {
		imap_sbuf_init(&sb, pool);
		if (i == IMAP_STRUCT_ENVELOPE)
			imap_envelope_write(&sb, root, mode);
		else
			imap_bodystructure_write(&sb, root,
			    i == IMAP_STRUCT_BODYSTRUCTURE, mode);
		st->str[i] = sb.buf;
		st->len[i] = sb.len;
	}
}

struct struct_copy {
	struct imap_struct *st;
	struct gd_pool *pool;
	bool ok;
};

/* A blob: the lengths of the items, the problems, then the items. */
struct struct_blob_head {
	uint32_t lens[IMAP_STRUCT_N];
	uint32_t problems;
};

/* Under the cache's lock: the blob's strings into the pool. */
static void
struct_copy(void *arg, const void *blob, size_t len)
{
	struct struct_copy *c = arg;
	struct struct_blob_head h;
	size_t at = sizeof(h), i;
	char *buf;

	if (len < sizeof(h))
		return;
	memcpy(&h, blob, sizeof(h));
	for (i = 0; i < IMAP_STRUCT_N; i++)
		at += h.lens[i];
	if (at != len)
		return;
	buf = gd_pool_alloc(c->pool, len - sizeof(h) + 1);
	memcpy(buf, (const char *)blob + sizeof(h), len - sizeof(h));
	for (i = 0; i < IMAP_STRUCT_N; i++) {
		c->st->str[i] = buf;
		c->st->len[i] = h.lens[i];
		buf += h.lens[i];
	}
	c->st->problems = h.problems;
	c->ok = true;
}

bool
imap_struct_cache_get(struct gd_mailbox *box, const struct gd_mail_msg *m,
    unsigned mode, struct imap_struct *st, struct gd_pool *pool)
{
	struct gd_mail_cache_key k;
	struct struct_copy c = { st, pool, false };

	if (struct_cache == NULL)
		return false;
	struct_key(box, m, mode, &k);
	return gd_mail_cache_get(struct_cache, &k, struct_copy, &c) && c.ok;
}

void
imap_struct_cache_put(struct gd_mailbox *box, const struct gd_mail_msg *m,
    unsigned mode, const struct imap_struct *st)
{
	struct gd_mail_cache_key k;
	struct struct_blob_head h = { .problems = st->problems };
	size_t len = sizeof(h), at, i;
	char *blob;

	if (struct_cache == NULL)
		return;
	for (i = 0; i < IMAP_STRUCT_N; i++) {
		if (st->len[i] > UINT32_MAX / 4)
			return;
		h.lens[i] = (uint32_t)st->len[i];
		len += st->len[i];
	}
	blob = gd_xmalloc(len);
	memcpy(blob, &h, sizeof(h));
	for (i = 0, at = sizeof(h); i < IMAP_STRUCT_N; i++) {
		memcpy(blob + at, st->str[i], st->len[i]);
		at += st->len[i];
	}
	struct_key(box, m, mode, &k);
	gd_mail_cache_put(struct_cache, &k, blob, len);
	free(blob);
}
