/*
 * mbox-rewrite.c — rewriting an mbox whole, for expunges and flag
 * changes: a temporary file in the same directory gets every kept
 * message (its From_ line, our status fields freshly written, its stored
 * bytes minus the old status fields), is synced, locked, renamed over
 * the mbox, and the directory is synced.  A crash at any point leaves
 * either the old or the new mbox whole.  The new file is scanned again
 * (from the page cache) so that the state we record is exactly what the
 * scanner will find later.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbox-private.h"

#define MBOX_OUT_BUF	(64 * 1024)
#define MBOX_IN_BUF	(32 * 1024)

struct mbox_out {
	int fd;
	int error;
	uint64_t pos;
	size_t len;
	char buf[MBOX_OUT_BUF];
};

struct mbox_rescan {
	struct mbox_fstate *fs;
	const bool *drop;
	uint32_t next;		/* index in fs of the next kept message */
	struct mbox_fmsg *out;
	uint32_t count;
	uint64_t base_off;
	bool first;
	bool mismatch;
};

static void
mbox_out_flush(struct mbox_out *o)
{
	if (o->error == 0 && o->len > 0 &&
	    mbox_write_all(o->fd, o->buf, o->len) < 0)
		o->error = errno;
	o->len = 0;
}

static void
mbox_out_put(struct mbox_out *o, const void *data, size_t len)
{
	if (len > sizeof(o->buf) - o->len)
		mbox_out_flush(o);
	if (len > sizeof(o->buf)) {
		if (o->error == 0 && mbox_write_all(o->fd, data, len) < 0)
			o->error = errno;
	} else {
		memcpy(o->buf + o->len, data, len);
		o->len += len;
	}
	o->pos += len;
}

size_t
mbox_status_block(const struct mbox_fstate *fs, uint32_t i, bool first,
    char *buf, size_t size)
{
	const struct mbox_fmsg *m = &fs->msgs[i];
	const char *eol = (m->flags & MBOX_F_CRLF) ? "\r\n" : "\n";
	char status[8], xstatus[8];
	size_t n = 0;
	unsigned k;

	if (first) {
		n += (size_t)snprintf(buf + n, size - n, "X-IMAPbase: %u %0*u",
		    fs->uidvalidity, MBOX_UIDNEXT_WIDTH, fs->uidnext);
		for (k = 0; k < fs->kw_count && n < size; k++)
			n += (size_t)snprintf(buf + n, size - n, " %s",
			    fs->kw[k]);
		n += (size_t)snprintf(buf + n, size - n, "%s", eol);
	}
	mbox_status_format(m->flags | (m->uid < fs->recent_uid ?
	    MBOX_F_OLD : 0), status, xstatus);
	if (status[0] != '\0')
		n += (size_t)snprintf(buf + n, size - n, "Status: %s%s",
		    status, eol);
	if (xstatus[0] != '\0')
		n += (size_t)snprintf(buf + n, size - n, "X-Status: %s%s",
		    xstatus, eol);
	if (m->keywords != 0) {
		n += (size_t)snprintf(buf + n, size - n, "X-Keywords:");
		for (k = 0; k < fs->kw_count && n < size; k++) {
			if (m->keywords & (1ull << k))
				n += (size_t)snprintf(buf + n, size - n,
				    " %s", fs->kw[k]);
		}
		n += (size_t)snprintf(buf + n, size - n, "%s", eol);
	}
	n += (size_t)snprintf(buf + n, size - n, "X-UID: %u%s", m->uid, eol);
	return n < size ? n : size - 1;
}

/* The stored bytes of message `m` minus its old status fields. */
static int
mbox_rewrite_body(int in, const struct mbox_fmsg *m, struct mbox_out *o)
{
	char *ibuf = gd_xmalloc(MBOX_IN_BUF);
	char *obuf = gd_xmalloc(2 * MBOX_IN_BUF + MBOX_FILTER_SLACK);
	struct mbox_writer w;
	uint64_t off = m->hdr_off;
	size_t want;
	ssize_t n;
	int rc = 0;

	mbox_writer_init(&w, false);
	while (off < m->end_off && rc == 0) {
		want = m->end_off - off < MBOX_IN_BUF ?
		    (size_t)(m->end_off - off) : MBOX_IN_BUF;
		n = mbox_pread_full(in, ibuf, want, off);
		if (n != (ssize_t)want) {
			errno = n < 0 ? errno : EIO;
			rc = -1;
			break;
		}
		mbox_out_put(o, obuf, mbox_writer_run(&w, ibuf, want, obuf));
		off += want;
	}
	mbox_out_put(o, obuf, mbox_writer_finish(&w, obuf));
	/* The next From_ line must start a line. */
	if (rc == 0 && m->end_off > m->hdr_off && !w.ends_eol)
		mbox_out_put(o, (m->flags & MBOX_F_CRLF) ? "\r\n" : "\n",
		    (m->flags & MBOX_F_CRLF) ? 2 : 1);
	free(ibuf);
	free(obuf);
	return rc;
}

static int
mbox_rewrite_msg(int in, const struct mbox_fstate *fs, uint32_t i,
    bool first, struct mbox_out *o)
{
	const struct mbox_fmsg *m = &fs->msgs[i];
	char *block = gd_xmalloc(MBOX_STATUS_BLOCK_MAX);
	int rc;

	rc = mbox_copy_range(in, m->from_off, m->hdr_off - m->from_off,
	    o->fd);
	if (rc == 0) {
		mbox_out_flush(o);
		o->pos += m->hdr_off - m->from_off;
		mbox_out_put(o, block, mbox_status_block(fs, i, first, block,
		    MBOX_STATUS_BLOCK_MAX));
		rc = mbox_rewrite_body(in, m, o);
	}
	free(block);
	return rc;
}

static int
mbox_rewrite_write(int in, const struct mbox_fstate *fs, const bool *drop,
    struct mbox_out *o)
{
	bool first = true;
	uint32_t i;

	if (fs->prefix > 0 && mbox_copy_range(in, 0, fs->prefix, o->fd) < 0)
		return -1;
	o->pos = fs->prefix;
	for (i = 0; i < fs->count && o->error == 0; i++) {
		if (drop != NULL && drop[i])
			continue;
		mbox_out_flush(o);
		if (mbox_rewrite_msg(in, fs, i, first, o) < 0)
			return -1;
		first = false;
	}
	mbox_out_flush(o);
	if (o->error != 0) {
		errno = o->error;
		return -1;
	}
	return 0;
}

/* Match the scanned new file against the kept messages. */
static int
mbox_rescan_one(void *arg, const struct mbox_scan_msg *m)
{
	struct mbox_rescan *r = arg;
	struct mbox_fmsg *f;

	while (r->drop != NULL && r->next < r->fs->count && r->drop[r->next])
		r->next++;
	if (r->next >= r->fs->count || m->xuid != r->fs->msgs[r->next].uid) {
		r->mismatch = true;
		return -1;
	}
	if (r->first && m->has_base &&
	    m->base_uidnext_width == MBOX_UIDNEXT_WIDTH)
		r->base_off = m->base_uidnext_off;
	r->first = false;
	f = &r->out[r->count++];
	*f = r->fs->msgs[r->next++];
	f->from_off = m->from_off;
	f->hdr_off = m->hdr_off;
	f->data_end = m->data_end;
	f->end_off = m->end_off;
	/* Differs only for damaged input (a status field where the
	 * separator should be): trust what will be read from now on. */
	f->size = m->size;
	f->flags &= ~MBOX_F_DIRTY;
	if (f->uid < r->fs->recent_uid)
		f->flags |= MBOX_F_OLD;
	return 0;
}

static int
mbox_rewrite_rescan(int fd, uint64_t size, struct mbox_rescan *r)
{
	struct mbox_scan *s = mbox_scan_create(0, mbox_rescan_one, r);
	char *buf = gd_xmalloc(MBOX_IN_BUF);
	uint64_t off = 0;
	ssize_t n;
	int rc = 0;

	while (off < size && rc == 0) {
		n = mbox_pread_full(fd, buf, size - off < MBOX_IN_BUF ?
		    (size_t)(size - off) : MBOX_IN_BUF, off);
		if (n <= 0) {
			rc = -1;
			break;
		}
		rc = mbox_scan_feed(s, buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (rc == 0)
		rc = mbox_scan_finish(s);
	mbox_scan_destroy(&s);
	free(buf);
	return rc;
}

/* Take the new file's messages into fs. */
static int
mbox_rewrite_adopt(struct mbox_ctx *c, struct mbox_fstate *fs,
    const bool *drop, int fd, uint64_t size)
{
	struct mbox_rescan r;

	memset(&r, 0, sizeof(r));
	r.fs = fs;
	r.drop = drop;
	r.first = true;
	r.out = gd_xcalloc(fs->count + 1, sizeof(*r.out));
	if (mbox_rewrite_rescan(fd, size, &r) < 0 || r.mismatch) {
		free(r.out);
		errno = EIO;
		return -1;
	}
	free(fs->msgs);
	fs->msgs = r.out;
	fs->count = r.count;
	fs->alloc = fs->count + 1;
	fs->base_off = r.base_off;
	(void)c;
	return 0;
}

static int
mbox_rewrite_commit(struct mbox_ctx *c, int fd, const char *tmp)
{
	if (mbox_fsync(c->cfg, fd) < 0 || mbox_lock_fd_now(c->cfg, fd) < 0 ||
	    rename(tmp, c->p->file) < 0)
		return -1;
	mbox_lock_swap(&c->lock, fd);
	if (mbox_fsync_dir(c->cfg, c->p->dir) < 0)
		return -1;
	return 0;
}

int
mbox_rewrite(struct mbox_ctx *c, struct mbox_fstate *fs, const bool *drop,
    struct gd_mail_error *err)
{
	struct mbox_out *o = gd_xcalloc(1, sizeof(*o));
	char *tmp = NULL;
	int fd, rc = -1;

	fd = mbox_tmp_open(c->p->dir, c->p->base, &tmp);
	if (fd < 0) {
		gd_mail_error_errno(err, "creating a file in %s", c->p->dir);
		free(o);
		return -1;
	}
	o->fd = fd;
	if (mbox_rewrite_write(c->lock.fd, fs, drop, o) < 0 ||
	    mbox_rewrite_adopt(c, fs, drop, fd, o->pos) < 0)
		gd_mail_error_errno(err, "rewriting %s", c->p->file);
	else if (mbox_rewrite_commit(c, fd, tmp) < 0)
		gd_mail_error_errno(err, "replacing %s", c->p->file);
	else
		rc = 0;
	if (rc < 0) {
		if (c->lock.fd != fd)
			close(fd);
		unlink(tmp);
		/* fs may describe the unfinished file: make the next
		 * refresh read the sidecar or the mbox again. */
		fs->uidvalidity = 0;
	} else if (mbox_file_identify(c, fs) == 0)
		(void)mbox_file_save_state(c, fs);
	free(tmp);
	free(o);
	return rc;
}
