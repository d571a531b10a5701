/*
 * stream.c — stacked content consumers (gumdrop/hooks.h, "content
 * streams").  Nothing is buffered here: each consumer keeps at most what
 * it needs and reports how much it took.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/hooks.h>
#include <gumdrop/pool.h>

#define GD_STREAM_MAGIC	0x47445354u	/* "GDST" */

struct gd_stream_link {
	struct gd_stream *stream;
	struct gd_stream_link *next;
	const struct gd_stream_consumer *consumer;
	void *ctx;
	bool ended;
	bool aborted;
};

struct gd_stream {
	uint32_t magic;
	struct gd_pool *pool;
	struct gd_stream_link *head;
	struct gd_stream_link *tail;
	gd_stream_wakeup_fn *wakeup;
	void *wakeup_arg;
	bool started;
	bool finished;		/* ended or aborted */
};

static void
stream_cleanup(void *arg)
{
	gd_stream_abort(arg);
}

struct gd_stream *
gd_stream_chain_create(struct gd_pool *pool)
{
	struct gd_stream *s = gd_pool_alloc(pool, sizeof(*s));

	s->magic = GD_STREAM_MAGIC;
	s->pool = pool;
	gd_pool_cleanup_add(pool, stream_cleanup, s);
	return s;
}

void
gd_stream_push(struct gd_stream *s, const struct gd_stream_consumer *consumer,
    void *ctx)
{
	struct gd_stream_link *link;

	GD_CHECK_MAGIC(s, GD_STREAM_MAGIC);
	assert(!s->started && consumer->write != NULL);
	link = gd_pool_alloc(s->pool, sizeof(*link));
	link->stream = s;
	link->consumer = consumer;
	link->ctx = ctx;
	if (s->tail != NULL)
		s->tail->next = link;
	else
		s->head = link;
	s->tail = link;
}

/* Offer bytes to `link`'s consumer; NULL link takes everything. */
static ssize_t
stream_offer(struct gd_stream_link *link, const void *buf, size_t len,
    const char **error_r)
{
	ssize_t n;

	if (link == NULL || len == 0)
		return (ssize_t)len;
	assert(!link->ended && !link->aborted);
	n = link->consumer->write(link, link->ctx, buf, len, error_r);
	if (n > (ssize_t)len)
		gd_fatal("stream consumer '%s' took %zd of %zu bytes",
		    link->consumer->name, n, len);
	return n;
}

ssize_t
gd_stream_write(struct gd_stream *s, const void *buf, size_t len,
    const char **error_r)
{
	ssize_t n;

	GD_CHECK_MAGIC(s, GD_STREAM_MAGIC);
	assert(!s->finished);
	s->started = true;
	n = stream_offer(s->head, buf, len, error_r);
	if (n < 0)
		gd_stream_abort(s);
	return n;
}

ssize_t
gd_stream_forward(struct gd_stream_link *link, const void *buf, size_t len,
    const char **error_r)
{
	return stream_offer(link->next, buf, len, error_r);
}

int
gd_stream_end(struct gd_stream *s, const char **error_r)
{
	struct gd_stream_link *link;

	GD_CHECK_MAGIC(s, GD_STREAM_MAGIC);
	assert(!s->finished);
	s->started = true;
	for (link = s->head; link != NULL; link = link->next) {
		if (link->consumer->end != NULL &&
		    link->consumer->end(link, link->ctx, error_r) < 0) {
			gd_stream_abort(s);
			return -1;
		}
		link->ended = true;
	}
	s->finished = true;
	return 0;
}

void
gd_stream_abort(struct gd_stream *s)
{
	struct gd_stream_link *link;

	GD_CHECK_MAGIC(s, GD_STREAM_MAGIC);
	if (s->finished)
		return;
	s->finished = true;
	for (link = s->head; link != NULL; link = link->next) {
		if (link->ended || link->aborted)
			continue;
		link->aborted = true;
		if (link->consumer->abort != NULL)
			link->consumer->abort(link->ctx);
	}
}

void
gd_stream_set_wakeup(struct gd_stream *s, gd_stream_wakeup_fn *fn, void *arg)
{
	GD_CHECK_MAGIC(s, GD_STREAM_MAGIC);
	s->wakeup = fn;
	s->wakeup_arg = arg;
}

void
gd_stream_wakeup(struct gd_stream_link *link)
{
	struct gd_stream *s = link->stream;

	if (s->wakeup != NULL && !s->finished)
		s->wakeup(s->wakeup_arg);
}

struct gd_stream *
gd_stream_link_stream(struct gd_stream_link *link)
{
	return link->stream;
}

struct gd_pool *
gd_stream_pool(const struct gd_stream *s)
{
	GD_CHECK_MAGIC(s, GD_STREAM_MAGIC);
	return s->pool;
}
