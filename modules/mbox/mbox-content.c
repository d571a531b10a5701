/*
 * mbox-content.c — serving a message: the stored bytes [hdr_off,
 * data_end) of the view's file through the filter (mbox-filter.c), in
 * bounded chunks.  The view's file descriptor stays on the inode the
 * view was built from, so our own rewrites (which rename a new file
 * over the mbox) never disturb a reader.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbox-private.h"

#define MBOX_CONTENT_CHUNK	(16 * 1024)

struct mbox_content {
	struct gd_mail_content base;
	int fd;
	uint64_t start;
	uint64_t end;
	uint64_t raw_pos;
	uint64_t served;
	bool finished;
	struct mbox_filter f;
	size_t olen;
	size_t opos;
	char ibuf[MBOX_CONTENT_CHUNK];
	char obuf[2 * MBOX_CONTENT_CHUNK + MBOX_FILTER_SLACK];
};

static ssize_t mbox_content_read(struct gd_mail_content *base, void *buf,
    size_t len, struct gd_mail_error *err);
static int mbox_content_seek(struct gd_mail_content *base, uint64_t offset,
    struct gd_mail_error *err);
static void mbox_content_close(struct gd_mail_content *base);

static const struct gd_mail_content_vfuncs mbox_content_vfuncs = {
	.read = mbox_content_read,
	.seek = mbox_content_seek,
	.close = mbox_content_close,
};

static void
mbox_content_rewind(struct mbox_content *c)
{
	c->raw_pos = c->start;
	c->served = 0;
	c->finished = false;
	c->olen = c->opos = 0;
	mbox_filter_init(&c->f);
}

static int
mbox_content_refill(struct mbox_content *c, struct gd_mail_error *err)
{
	size_t want;
	ssize_t n;

	c->opos = 0;
	if (c->raw_pos >= c->end) {
		c->olen = mbox_filter_finish(&c->f, c->obuf);
		c->finished = true;
		return 0;
	}
	want = c->end - c->raw_pos < MBOX_CONTENT_CHUNK ?
	    (size_t)(c->end - c->raw_pos) : MBOX_CONTENT_CHUNK;
	n = mbox_pread_full(c->fd, c->ibuf, want, c->raw_pos);
	if (n < 0) {
		gd_mail_error_errno(err, "reading the message");
		return -1;
	}
	if ((size_t)n != want) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXPUNGED,
		    "the mailbox changed under the message");
		return -1;
	}
	c->olen = mbox_filter_run(&c->f, c->ibuf, want, c->obuf);
	c->raw_pos += want;
	return 0;
}

static ssize_t
mbox_content_read(struct gd_mail_content *base, void *buf, size_t len,
    struct gd_mail_error *err)
{
	struct mbox_content *c = (struct mbox_content *)base;
	size_t n = 0, take;

	if (len > c->base.size - c->served)
		len = (size_t)(c->base.size - c->served);
	while (n < len) {
		if (c->opos < c->olen) {
			take = c->olen - c->opos < len - n ?
			    c->olen - c->opos : len - n;
			memcpy((char *)buf + n, c->obuf + c->opos, take);
			c->opos += take;
			n += take;
			continue;
		}
		if (c->finished) {
			gd_mail_error_set(err, GD_MAIL_ERR_EXPUNGED,
			    "the message changed in the mailbox");
			return -1;
		}
		if (mbox_content_refill(c, err) < 0)
			return -1;
	}
	c->served += n;
	return (ssize_t)n;
}

static int
mbox_content_seek(struct gd_mail_content *base, uint64_t offset,
    struct gd_mail_error *err)
{
	struct mbox_content *c = (struct mbox_content *)base;
	char skip[4096];
	ssize_t n;

	if (offset < c->served)
		mbox_content_rewind(c);
	while (c->served < offset) {
		n = mbox_content_read(base, skip, offset - c->served <
		    sizeof(skip) ? (size_t)(offset - c->served) : sizeof(skip),
		    err);
		if (n <= 0)
			return -1;
	}
	return 0;
}

static void
mbox_content_close(struct gd_mail_content *base)
{
	struct mbox_content *c = (struct mbox_content *)base;

	close(c->fd);
	free(c);
}

int
mbox_content_open(struct gd_mailbox *box, uint32_t seq,
    struct gd_mail_content **content_r, struct gd_mail_error *err)
{
	struct mbox_box *b = mbox_box_of(box);
	const struct gd_mail_msg *m = &box->msgs[seq - 1];
	const struct mbox_vmsg *v = &b->vm[seq - 1];
	struct mbox_content *c;
	char from[5];
	int fd;

	if ((m->flags & GD_MAIL_EXPUNGED) || v->gone ||
	    mbox_pread_full(b->fd, from, 5, v->from_off) != 5 ||
	    memcmp(from, "From ", 5) != 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXPUNGED,
		    "message %u is gone", m->uid);
		return -1;
	}
	fd = dup(b->fd);
	if (fd < 0) {
		gd_mail_error_errno(err, "opening message %u", m->uid);
		return -1;
	}
	c = gd_xcalloc(1, sizeof(*c));
	gd_mail_content_init(&c->base, &mbox_content_vfuncs, m->size);
	c->fd = fd;
	c->start = v->hdr_off;
	c->end = v->data_end;
	mbox_content_rewind(c);
	*content_r = &c->base;
	return 0;
}
