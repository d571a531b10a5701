/*
 * mbox-append.c — adding messages.
 *
 * An append streams the message through the writer (quoting ^>*From 
 * lines, dropping status fields) into an unlinked temporary file in the
 * mbox's directory, without any lock: a slow client holds nothing.  At
 * the end, under the locks, mbox_add_locked() journals the mbox's size,
 * appends the From_ line, our status fields and the stored bytes, moves
 * X-IMAPbase's UIDNEXT in place (a fixed-width number), syncs, and
 * clears the journal.  Copies use the same path.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gumdrop/msg-date.h>

#include "mbox-private.h"

#define MBOX_APPEND_CHUNK	(16 * 1024)

struct mbox_append {
	struct gd_mail_append base;
	struct mbox_paths p;
	int fd;			/* the unlinked temporary file */
	uint64_t stored;	/* bytes in it */
	struct mbox_writer w;
	uint32_t flags;
	char **keywords;
	int64_t date;
	char sender[128];	/* for the From_ line */
	char *obuf;
};

size_t
mbox_from_line(const char *sender, int64_t date, bool crlf, char *buf,
    size_t size)
{
	char when[64];
	size_t n;

	n = gd_msg_date_format_asctime(date, when, sizeof(when));
	when[n < sizeof(when) ? n : sizeof(when) - 1] = '\0';
	n = (size_t)snprintf(buf, size, "From %s %s%s", sender, when,
	    crlf ? "\r\n" : "\n");
	return n < size ? n : size - 1;
}

/* The envelope sender as one From_ line word ("MAILER-DAEMON" if none). */
static void
mbox_sender(const char *sender, char *buf, size_t size)
{
	size_t i, n = sender != NULL ? strlen(sender) : 0;

	if (n == 0 || n >= size || strcmp(sender, "<>") == 0) {
		snprintf(buf, size, "MAILER-DAEMON");
		return;
	}
	for (i = 0; i < n; i++) {
		buf[i] = (unsigned char)sender[i] <= ' ' ||
		    (unsigned char)sender[i] == 0x7f ? '_' : sender[i];
	}
	buf[n] = '\0';
}

/* A temporary file nobody can see: O_TMPFILE, or created and unlinked. */
static int
mbox_append_tmp(const char *dir, const char *base)
{
	char *path;
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	fd = mbox_tmp_open(dir, base, &path);
	if (fd < 0)
		return -1;
	unlink(path);
	free(path);
	return fd;
}

static char **
mbox_strv_dup(const char *const *v)
{
	size_t n = 0, i;
	char **out;

	while (v != NULL && v[n] != NULL)
		n++;
	out = gd_xcalloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = gd_xstrdup(v[i]);
	return out;
}

static void
mbox_append_free(struct mbox_append *a)
{
	size_t i;

	if (a->fd >= 0)
		close(a->fd);
	for (i = 0; a->keywords != NULL && a->keywords[i] != NULL; i++)
		free(a->keywords[i]);
	free(a->keywords);
	free(a->obuf);
	mbox_paths_free(&a->p);
	free(a);
}

int
mbox_append_start(struct gd_mail_store *store, const char *name,
    const struct gd_mail_append_info *info,
    struct gd_mail_append **append_r, struct gd_mail_error *err)
{
	struct mbox_store *st = mbox_store_of(store);
	struct mbox_append *a = gd_xcalloc(1, sizeof(*a));

	a->fd = -1;
	gd_mail_append_init(&a->base, store);
	if (mbox_paths_make(st, name, &a->p, err) < 0)
		goto fail;
	if (access(a->p.file, F_OK) < 0) {
		gd_mail_error_errno(err, "mailbox %s", name);
		goto fail;
	}
	a->fd = mbox_append_tmp(a->p.dir, a->p.base);
	if (a->fd < 0) {
		gd_mail_error_errno(err, "creating a file in %s", a->p.dir);
		goto fail;
	}
	mbox_writer_init(&a->w, true);
	a->flags = info != NULL ? info->flags & GD_MAIL_SYSTEM_FLAGS : 0;
	a->keywords = mbox_strv_dup(info != NULL ? info->keywords : NULL);
	a->date = info != NULL && info->internal_date != 0 ?
	    info->internal_date : (int64_t)time(NULL);
	mbox_sender(info != NULL ? info->sender : NULL, a->sender,
	    sizeof(a->sender));
	a->obuf = gd_xmalloc(2 * MBOX_APPEND_CHUNK + MBOX_FILTER_SLACK);
	*append_r = &a->base;
	return 0;
fail:
	mbox_append_free(a);
	return -1;
}

static int
mbox_append_put(struct mbox_append *a, size_t n, struct gd_mail_error *err)
{
	if (mbox_write_all(a->fd, a->obuf, n) < 0) {
		gd_mail_error_errno(err, "writing the message");
		return -1;
	}
	a->stored += n;
	return 0;
}

int
mbox_append_write(struct gd_mail_append *append, const void *data,
    size_t len, struct gd_mail_error *err)
{
	struct mbox_append *a = (struct mbox_append *)append;
	const char *p = data;
	size_t chunk;

	while (len > 0) {
		chunk = len < MBOX_APPEND_CHUNK ? len : MBOX_APPEND_CHUNK;
		if (mbox_append_put(a, mbox_writer_run(&a->w, p, chunk,
		    a->obuf), err) < 0)
			return -1;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

/* The stored form ends with the separator: one line ending. */
static int
mbox_append_finish(struct mbox_append *a, struct gd_mail_error *err)
{
	bool crlf = a->w.eol_known && a->w.crlf;
	size_t n;

	n = mbox_writer_finish(&a->w, a->obuf);
	memcpy(a->obuf + n, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
	return mbox_append_put(a, n + (crlf ? 2 : 1), err);
}

int
mbox_append_end(struct gd_mail_append *append, uint32_t *uidvalidity_r,
    uint32_t *uid_r, struct gd_mail_error *err)
{
	struct mbox_append *a = (struct mbox_append *)append;
	struct mbox_store *st = mbox_store_of(a->base.store);
	bool crlf = a->w.eol_known && a->w.crlf;
	struct mbox_addmsg add;
	struct mbox_fstate fs;
	struct mbox_ctx c;
	char from[160];
	int rc = -1;

	memset(&fs, 0, sizeof(fs));
	memset(&add, 0, sizeof(add));
	if (mbox_append_finish(a, err) < 0)
		goto done;
	add.fd = a->fd;
	add.len = a->stored;
	add.from_len = mbox_from_line(a->sender, a->date, crlf, from,
	    sizeof(from));
	add.from_line = from;
	add.flags = a->flags | (crlf ? MBOX_F_CRLF : 0);
	add.keywords = (const char *const *)a->keywords;
	if (mbox_ctx_lock(&c, st, &a->p, err) < 0)
		goto done;
	rc = mbox_file_refresh(&c, &fs, NULL, 0, err);
	if (rc == 0)
		rc = mbox_add_locked(&c, &fs, &add, 1, err);
	mbox_ctx_unlock(&c);
	if (rc == 0 && uidvalidity_r != NULL)
		*uidvalidity_r = fs.uidvalidity;
	if (rc == 0 && uid_r != NULL)
		*uid_r = add.uid_r;
done:
	mbox_fstate_free(&fs);
	mbox_append_free(a);
	return rc;
}

void
mbox_append_abort(struct gd_mail_append *append)
{
	mbox_append_free((struct mbox_append *)append);
}

/* ---- adding to a locked mbox ------------------------------------------ */

struct mbox_addplan {
	char **blocks;		/* From_ line + status fields, each */
	size_t *block_len;
	uint64_t total;
	bool lead_eol;		/* the file does not end with LF */
};

static void
mbox_addplan_free(struct mbox_addplan *pl, size_t n)
{
	size_t i;

	for (i = 0; pl->blocks != NULL && i < n; i++)
		free(pl->blocks[i]);
	free(pl->blocks);
	free(pl->block_len);
}

/* Status fields of a new message, through a one-message fstate view. */
static int
mbox_addplan_block(struct mbox_fstate *fs, struct mbox_addmsg *m, bool first,
    uint32_t uidnext, char **block_r, size_t *len_r,
    struct gd_mail_error *err)
{
	struct mbox_fmsg tmp, *saved = fs->msgs;
	uint32_t saved_count = fs->count, saved_next = fs->uidnext;
	size_t i, n;
	int k;

	memset(&tmp, 0, sizeof(tmp));
	tmp.uid = m->uid_r;
	tmp.flags = m->flags & (GD_MAIL_SYSTEM_FLAGS | MBOX_F_CRLF);
	for (i = 0; m->keywords != NULL && m->keywords[i] != NULL; i++) {
		k = mbox_fstate_kw(fs, m->keywords[i], true);
		if (k < 0) {
			gd_mail_error_set(err, GD_MAIL_ERR_LIMIT,
			    "too many keywords in this mailbox");
			return -1;
		}
		tmp.keywords |= 1ull << k;
	}
	*block_r = gd_xmalloc(m->from_len + MBOX_STATUS_BLOCK_MAX);
	memcpy(*block_r, m->from_line, m->from_len);
	fs->msgs = &tmp;
	fs->count = 1;
	fs->uidnext = uidnext;
	n = mbox_status_block(fs, 0, first, *block_r + m->from_len,
	    MBOX_STATUS_BLOCK_MAX);
	fs->msgs = saved;
	fs->count = saved_count;
	fs->uidnext = saved_next;
	*len_r = m->from_len + n;
	return 0;
}

static int
mbox_addplan_make(struct mbox_ctx *c, struct mbox_fstate *fs,
    struct mbox_addmsg *msgs, size_t n, struct mbox_addplan *pl,
    struct gd_mail_error *err)
{
	uint32_t uidnext = fs->uidnext + (uint32_t)n;
	char last = '\n';
	size_t i;

	memset(pl, 0, sizeof(*pl));
	if (fs->fsize > 0 && mbox_pread_full(c->lock.fd, &last, 1,
	    fs->fsize - 1) != 1) {
		gd_mail_error_errno(err, "reading %s", c->p->file);
		return -1;
	}
	pl->lead_eol = last != '\n';
	pl->total = pl->lead_eol ? 1 : 0;
	pl->blocks = gd_xcalloc(n, sizeof(*pl->blocks));
	pl->block_len = gd_xcalloc(n, sizeof(*pl->block_len));
	for (i = 0; i < n; i++) {
		msgs[i].uid_r = fs->uidnext + (uint32_t)i;
		if (mbox_addplan_block(fs, &msgs[i], fs->count == 0 && i == 0,
		    uidnext, &pl->blocks[i], &pl->block_len[i], err) < 0)
			return -1;
		pl->total += pl->block_len[i] + msgs[i].len;
	}
	return 0;
}

static int
mbox_crc_fd(int fd, uint64_t off, uint64_t len, uint32_t *crc)
{
	char *buf = gd_xmalloc(MBOX_APPEND_CHUNK * 4);
	size_t want;
	ssize_t n;

	while (len > 0) {
		want = len < MBOX_APPEND_CHUNK * 4 ? (size_t)len :
		    MBOX_APPEND_CHUNK * 4;
		n = mbox_pread_full(fd, buf, want, off);
		if (n != (ssize_t)want) {
			free(buf);
			errno = n < 0 ? errno : EIO;
			return -1;
		}
		*crc = mbox_crc32(*crc, buf, want);
		off += want;
		len -= want;
	}
	free(buf);
	return 0;
}

static int
mbox_addplan_crc(const struct mbox_addplan *pl, const struct mbox_addmsg *msgs,
    size_t n, uint32_t *crc_r)
{
	uint32_t crc = 0;
	size_t i;

	if (pl->lead_eol)
		crc = mbox_crc32(crc, "\n", 1);
	for (i = 0; i < n; i++) {
		crc = mbox_crc32(crc, pl->blocks[i], pl->block_len[i]);
		if (mbox_crc_fd(msgs[i].fd, msgs[i].off, msgs[i].len,
		    &crc) < 0)
			return -1;
	}
	*crc_r = crc;
	return 0;
}

static int
mbox_addplan_write(struct mbox_ctx *c, const struct mbox_addplan *pl,
    const struct mbox_addmsg *msgs, size_t n, uint64_t at)
{
	size_t i;

	if (lseek(c->lock.fd, (off_t)at, SEEK_SET) < 0 ||
	    (pl->lead_eol && mbox_write_all(c->lock.fd, "\n", 1) < 0))
		return -1;
	for (i = 0; i < n; i++) {
		if (mbox_write_all(c->lock.fd, pl->blocks[i],
		    pl->block_len[i]) < 0 || mbox_copy_range(msgs[i].fd,
		    msgs[i].off, msgs[i].len, c->lock.fd) < 0)
			return -1;
	}
	return 0;
}

/* Move X-IMAPbase's UIDNEXT (same width: nothing else moves). */
static int
mbox_update_base(struct mbox_ctx *c, const struct mbox_fstate *fs,
    uint32_t uidnext)
{
	char digits[MBOX_UIDNEXT_WIDTH + 2];

	if (fs->base_off == 0)
		return 0;
	snprintf(digits, sizeof(digits), "%0*u", MBOX_UIDNEXT_WIDTH, uidnext);
	return mbox_pwrite_all(c->lock.fd, digits, MBOX_UIDNEXT_WIDTH,
	    fs->base_off);
}

static int
mbox_add_commit(struct mbox_ctx *c, struct mbox_fstate *fs,
    const struct mbox_addplan *pl, const struct mbox_addmsg *msgs, size_t n,
    struct gd_mail_error *err)
{
	uint64_t old = fs->fsize;
	struct stat sb;
	uint32_t crc;

	if (mbox_addplan_crc(pl, msgs, n, &crc) < 0 ||
	    fstat(c->lock.fd, &sb) < 0) {
		gd_mail_error_errno(err, "reading the new message");
		return -1;
	}
	if (mbox_journal_begin(c->cfg, c->p->journal, &sb, old,
	    old + pl->total, crc, err) < 0)
		return -1;
	if (mbox_addplan_write(c, pl, msgs, n, old) < 0 ||
	    mbox_update_base(c, fs, fs->uidnext + (uint32_t)n) < 0 ||
	    mbox_fsync(c->cfg, c->lock.fd) < 0) {
		gd_mail_error_errno(err, "appending to %s", c->p->file);
		if (ftruncate(c->lock.fd, (off_t)old) == 0 &&
		    fsync(c->lock.fd) == 0)
			mbox_journal_end(c->p->journal);
		return -1;
	}
	mbox_journal_end(c->p->journal);
	return 0;
}

int
mbox_add_locked(struct mbox_ctx *c, struct mbox_fstate *fs,
    struct mbox_addmsg *msgs, size_t n, struct gd_mail_error *err)
{
	struct mbox_addplan pl;
	int rc;

	if ((uint64_t)fs->uidnext + n >= UINT32_MAX) {
		gd_mail_error_set(err, GD_MAIL_ERR_LIMIT, "UIDs exhausted");
		return -1;
	}
	rc = mbox_addplan_make(c, fs, msgs, n, &pl, err);
	if (rc == 0)
		rc = mbox_add_commit(c, fs, &pl, msgs, n, err);
	mbox_addplan_free(&pl, n);
	if (rc == 0)
		rc = mbox_file_refresh(c, fs, NULL, 0, err);
	else
		fs->uidvalidity = 0;	/* keywords may have been added */
	return rc;
}
