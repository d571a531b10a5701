/*
 * ld-copy.c — the content consumer that writes the delivered copy into
 * the delivery's spool.  It forwards every byte unchanged to the next
 * consumer first (others, e.g. dkim's, see the message as received,
 * whatever the push order) and writes what the next one took; when a
 * module registered drop_fields predicates (gumdrop/smtp.h), the header
 * goes through ld-filter.c on the way to the spool.
 */
#include <string.h>

#include "local-delivery.h"

struct ld_copy {
	struct gd_smtp_session *session;
	struct gd_mail_delivery *d;
	struct gd_pool *pool;
	struct gd_mail_error err;
	bool decided;			/* filtering or not, at first byte */
	bool filtering;
	struct ld_filter filter;
};

static int
ld_copy_out(void *ctx, const void *buf, size_t len)
{
	struct ld_copy *c = ctx;

	return gd_mail_delivery_write(c->d, buf, len, &c->err);
}

static bool
ld_copy_match(void *ctx, const struct gd_msg_field *field)
{
	struct ld_copy *c = ctx;

	return ld_mod.smtp->field_dropped(c->session, field);
}

/* Predicates are registered by the end of smtp.data: look once. */
static void
ld_copy_decide(struct ld_copy *c)
{
	c->decided = true;
	c->filtering = ld_mod.smtp->drops_fields(c->session);
	if (c->filtering)
		ld_filter_init(&c->filter, c->pool, GD_SMTP_DROP_FIELD_MAX,
		    ld_copy_match, c, ld_copy_out, c);
}

static ssize_t
ld_copy_write(struct gd_stream_link *link, void *ctx, const void *buf,
    size_t len, const char **error_r)
{
	struct ld_copy *c = ctx;
	ssize_t n;
	int ret;

	if ((n = gd_stream_forward(link, buf, len, error_r)) <= 0)
		return n;
	if (!c->decided)
		ld_copy_decide(c);
	ret = c->filtering ? ld_filter_write(&c->filter, buf, (size_t)n) :
	    gd_mail_delivery_write(c->d, buf, (size_t)n, &c->err);
	if (ret < 0) {
		*error_r = c->err.text;
		return -1;
	}
	return n;
}

static int
ld_copy_end(struct gd_stream_link *link, void *ctx, const char **error_r)
{
	struct ld_copy *c = ctx;

	(void)link;
	if (!c->filtering)
		return 0;
	if (ld_filter_end(&c->filter) < 0) {
		*error_r = c->err.text;
		return -1;
	}
	if (c->filter.dropped > 0 || c->filter.overflowed > 0)
		gd_log(c->filter.overflowed > 0 ? GD_LOG_WARNING :
		    GD_LOG_INFO, "local-delivery.drop", "session=%s id=%s "
		    "dropped=%u kept_too_long=%u", ld_mod.smtp->id(c->session),
		    ld_mod.smtp->transaction_id(c->session), c->filter.dropped,
		    c->filter.overflowed);
	return 0;
}

static const struct gd_stream_consumer ld_copy_consumer = {
	.name = "local-delivery",
	.write = ld_copy_write,
	.end = ld_copy_end,
};

void
ld_copy_push(struct gd_stream *stream, struct gd_smtp_session *s,
    struct gd_mail_delivery *d, struct gd_pool *pool)
{
	struct ld_copy *c = gd_pool_alloc(pool, sizeof(*c));

	memset(c, 0, sizeof(*c));
	c->session = s;
	c->d = d;
	c->pool = pool;
	gd_stream_push(stream, &ld_copy_consumer, c);
}
