/*
 * content.c — message content: the checked calls, a reader over a byte
 * range of a file (with bare-LF expansion for files other software
 * wrote), measuring such files, and the POP3 TOP filter.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailbox-private.h"

#define MAIL_READ_CHUNK	65536

struct mail_fd_content {
	struct gd_mail_content base;
	int fd;
	uint64_t start;		/* file offset of the message */
	uint64_t length;	/* bytes of it in the file */
	uint64_t pos;		/* next file byte, relative to start */
	uint64_t vpos;		/* next served byte */
	bool expand;
	bool last_cr;		/* previous file byte was CR */
	bool held_lf;		/* an expanded LF is still to be served */
};

void
gd_mail_content_init(struct gd_mail_content *c,
    const struct gd_mail_content_vfuncs *v, uint64_t size)
{
	c->magic = GD_MAIL_CONTENT_MAGIC;
	c->v = v;
	c->size = size;
}

int
gd_mailbox_content_open(struct gd_mailbox *box, uint32_t seq,
    struct gd_mail_content **c_r, struct gd_mail_error *err)
{
	GD_CHECK_MAGIC(box, GD_MAILBOX_MAGIC);
	gd_mail_error_clear(err);
	if (seq == 0 || seq > box->count) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTFOUND,
		    "no message %u", seq);
		return -1;
	}
	if (box->msgs[seq - 1].flags & GD_MAIL_EXPUNGED) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXPUNGED,
		    "message %u was expunged", seq);
		return -1;
	}
	return box->store->backend->content_open(box, seq, c_r, err);
}

uint64_t
gd_mail_content_size(const struct gd_mail_content *c)
{
	GD_CHECK_MAGIC(c, GD_MAIL_CONTENT_MAGIC);
	return c->size;
}

ssize_t
gd_mail_content_read(struct gd_mail_content *c, void *buf, size_t len,
    struct gd_mail_error *err)
{
	GD_CHECK_MAGIC(c, GD_MAIL_CONTENT_MAGIC);
	if (len == 0)
		return 0;
	return c->v->read(c, buf, len, err);
}

int
gd_mail_content_seek(struct gd_mail_content *c, uint64_t offset,
    struct gd_mail_error *err)
{
	GD_CHECK_MAGIC(c, GD_MAIL_CONTENT_MAGIC);
	if (offset > c->size) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTSUPP,
		    "seek beyond the end");
		return -1;
	}
	return c->v->seek(c, offset, err);
}

void
gd_mail_content_close(struct gd_mail_content **cp)
{
	struct gd_mail_content *c = *cp;

	if (c == NULL)
		return;
	GD_CHECK_MAGIC(c, GD_MAIL_CONTENT_MAGIC);
	c->magic = 0;
	c->v->close(c);
	*cp = NULL;
}

size_t
gd_mail_lf_expand(const void *in, size_t len, void *out, bool *last_cr)
{
	const unsigned char *p = in;
	unsigned char *o = out;
	size_t i, n = 0;

	/* UNSAFE: out has room for 2 * len bytes (each LF may double). */
	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && !*last_cr)
			o[n++] = '\r';
		o[n++] = p[i];
		*last_cr = p[i] == '\r';
	}
	return n;
}

/* pread() up to `len` bytes of the message at `pos`, retrying EINTR. */
static ssize_t
mail_fd_pread(struct mail_fd_content *fc, void *buf, size_t len,
    struct gd_mail_error *err)
{
	ssize_t n;

	if (len > fc->length - fc->pos)
		len = fc->length - fc->pos;
	if (len == 0)
		return 0;
	do
		n = pread(fc->fd, buf, len, (off_t)(fc->start + fc->pos));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		gd_mail_error_errno(err, "read message");
	else if (n == 0)
		gd_mail_error_set(err, GD_MAIL_ERR_EXPUNGED,
		    "message file shrank under us");
	if (n <= 0)
		return -1;
	fc->pos += (uint64_t)n;
	return n;
}

static ssize_t
mail_fd_read_expanded(struct mail_fd_content *fc, unsigned char *buf,
    size_t len, struct gd_mail_error *err)
{
	unsigned char raw[MAIL_READ_CHUNK / 2];
	size_t out = 0, want;
	ssize_t n;

	if (fc->held_lf) {
		buf[out++] = '\n';
		fc->held_lf = false;
	}
	/* Each raw byte gives at most two: read half of what is left. */
	want = (len - out) / 2;
	if (want > sizeof(raw))
		want = sizeof(raw);
	if (want == 0 && out == 0) {
		/* A one-byte read: serve byte by byte, holding an LF. */
		if ((n = mail_fd_pread(fc, raw, 1, err)) <= 0)
			return n;
		out = gd_mail_lf_expand(raw, 1, raw + 1, &fc->last_cr);
		buf[0] = raw[1];
		fc->held_lf = out == 2;
		fc->vpos++;
		return 1;
	}
	if (want > 0) {
		if ((n = mail_fd_pread(fc, raw, want, err)) < 0)
			return -1;
		out += gd_mail_lf_expand(raw, (size_t)n, buf + out,
		    &fc->last_cr);
	}
	fc->vpos += out;
	return (ssize_t)out;
}

static ssize_t
mail_fd_read(struct gd_mail_content *c, void *buf, size_t len,
    struct gd_mail_error *err)
{
	struct mail_fd_content *fc = (struct mail_fd_content *)c;
	ssize_t n;

	if (fc->vpos >= c->size)
		return 0;
	if (fc->expand)
		return mail_fd_read_expanded(fc, buf, len, err);
	n = mail_fd_pread(fc, buf, len, err);
	if (n > 0)
		fc->vpos += (uint64_t)n;
	return n;
}

static int
mail_fd_seek(struct gd_mail_content *c, uint64_t offset,
    struct gd_mail_error *err)
{
	struct mail_fd_content *fc = (struct mail_fd_content *)c;
	unsigned char skip[4096];
	ssize_t n;

	if (!fc->expand) {
		fc->pos = fc->vpos = offset;
		return 0;
	}
	if (offset < fc->vpos) {
		fc->pos = fc->vpos = 0;
		fc->last_cr = fc->held_lf = false;
	}
	while (fc->vpos < offset) {
		size_t want = offset - fc->vpos < sizeof(skip) ?
		    (size_t)(offset - fc->vpos) : sizeof(skip);

		if ((n = mail_fd_read(c, skip, want, err)) <= 0)
			return -1;
	}
	return 0;
}

static void
mail_fd_close(struct gd_mail_content *c)
{
	struct mail_fd_content *fc = (struct mail_fd_content *)c;

	close(fc->fd);
	free(fc);
}

static const struct gd_mail_content_vfuncs mail_fd_vfuncs = {
	.read = mail_fd_read,
	.seek = mail_fd_seek,
	.close = mail_fd_close,
};

struct gd_mail_content *
gd_mail_content_from_fd(int fd, uint64_t offset, uint64_t length,
    bool expand_lf, uint64_t served_size)
{
	struct mail_fd_content *fc = gd_xcalloc(1, sizeof(*fc));

	assert(expand_lf || served_size == length);
	gd_mail_content_init(&fc->base, &mail_fd_vfuncs, served_size);
	fc->fd = fd;
	fc->start = offset;
	fc->length = length;
	fc->expand = expand_lf;
	return &fc->base;
}

/* Bare LFs in buf[0..n) (memchr: each line costs one SIMD scan, not a
 * loop over its bytes); *last_cr carries the chunk's last byte over. */
static uint64_t
mail_count_bare_lf(const unsigned char *buf, size_t n, bool *last_cr)
{
	const unsigned char *p = buf, *end = buf + n, *lf;
	uint64_t extra = 0;

	if (n == 0)
		return 0;
	while ((lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		extra += lf == buf ? !*last_cr : lf[-1] != '\r';
		p = lf + 1;
	}
	*last_cr = end[-1] == '\r';
	return extra;
}

int
gd_mail_measure_fd(int fd, uint64_t offset, uint64_t length,
    uint64_t *served_r, bool *bare_lf_r, struct gd_mail_error *err)
{
	unsigned char buf[MAIL_READ_CHUNK];
	uint64_t pos = 0, extra = 0;
	bool last_cr = false;
	ssize_t n;

	MAIL_ASSERT_BLOCKING();
	while (pos < length) {
		size_t want = length - pos < sizeof(buf) ?
		    (size_t)(length - pos) : sizeof(buf);

		n = pread(fd, buf, want, (off_t)(offset + pos));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			gd_mail_error_errno(err, "read message");
			return -1;
		}
		extra += mail_count_bare_lf(buf, (size_t)n, &last_cr);
		pos += (uint64_t)n;
	}
	*served_r = length + extra;
	*bare_lf_r = extra > 0;
	return 0;
}

/* ---- POP3 TOP ------------------------------------------------------------ */

enum {
	MAIL_TOP_HDR_BOL = 0,	/* header, at the start of a line */
	MAIL_TOP_HDR_BOL_CR,	/* header, a CR at the start of a line */
	MAIL_TOP_HDR,		/* header, inside a line */
	MAIL_TOP_BODY,		/* counting body lines */
	MAIL_TOP_DONE,
};

void
gd_mail_top_init(struct gd_mail_top *top, uint64_t lines)
{
	top->lines_left = lines;
	top->state = MAIL_TOP_HDR_BOL;
}

/* One header byte; returns true when it ends the header block. */
static bool
mail_top_header_byte(struct gd_mail_top *top, unsigned char c)
{
	if (c == '\n') {
		if (top->state != MAIL_TOP_HDR)
			return true;
		top->state = MAIL_TOP_HDR_BOL;
	} else if (c == '\r' && top->state == MAIL_TOP_HDR_BOL)
		top->state = MAIL_TOP_HDR_BOL_CR;
	else
		top->state = MAIL_TOP_HDR;
	return false;
}

size_t
gd_mail_top_take(struct gd_mail_top *top, const void *data, size_t len,
    bool *done_r)
{
	const unsigned char *p = data, *nl;
	size_t i = 0;

	while (i < len && top->state < MAIL_TOP_BODY) {
		if (mail_top_header_byte(top, p[i++]))
			top->state = MAIL_TOP_BODY;
	}
	while (i < len && top->state == MAIL_TOP_BODY) {
		if (top->lines_left == 0) {
			top->state = MAIL_TOP_DONE;
			break;
		}
		nl = memchr(p + i, '\n', len - i);
		if (nl == NULL) {
			i = len;
			break;
		}
		i = (size_t)(nl - p) + 1;
		top->lines_left--;
	}
	if (top->state == MAIL_TOP_BODY && top->lines_left == 0)
		top->state = MAIL_TOP_DONE;
	*done_r = top->state == MAIL_TOP_DONE;
	return i;
}
