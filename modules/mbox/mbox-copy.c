/*
 * mbox-copy.c — COPY and MOVE between mailboxes of the store.
 *
 * The messages are first staged, without any lock, in an unlinked file:
 * their stored bytes (still quoted, without our status fields) read from
 * the view's file.  Then, under the target's locks, they are appended in
 * one journalled step (all or none survive a crash).  A move then
 * rewrites the source without them; when that fails the target is
 * truncated back, so a move is all or nothing too.  For a move both
 * mailboxes are locked together, in path order (no deadlock between
 * two opposite moves).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbox-private.h"

#define MBOX_FROM_LINE_MAX	1000
#define MBOX_STAGE_CHUNK	(32 * 1024)

struct mbox_stage {
	int fd;
	uint64_t pos;
	struct mbox_addmsg *msgs;
	char **from;
	const char ***kw;
	uint32_t *src_uid;
	size_t n;
};

static void
mbox_stage_free(struct mbox_stage *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->from[i]);
		free(s->kw[i]);
	}
	free(s->from);
	free(s->kw);
	free(s->msgs);
	free(s->src_uid);
	if (s->fd >= 0)
		close(s->fd);
}

/* The stored bytes of view message `f` minus our fields, plus EOL. */
static int
mbox_stage_body(struct mbox_box *b, const struct mbox_vmsg *f, int out)
{
	char *ibuf = gd_xmalloc(MBOX_STAGE_CHUNK);
	char *obuf = gd_xmalloc(2 * MBOX_STAGE_CHUNK + MBOX_FILTER_SLACK);
	struct mbox_writer w;
	uint64_t off = f->hdr_off, len = 0;
	size_t want, n;
	int rc = 0;

	mbox_writer_init(&w, false);
	while (off < f->end_off && rc == 0) {
		want = f->end_off - off < MBOX_STAGE_CHUNK ?
		    (size_t)(f->end_off - off) : MBOX_STAGE_CHUNK;
		if (mbox_pread_full(b->fd, ibuf, want, off) != (ssize_t)want) {
			errno = EIO;
			rc = -1;
			break;
		}
		n = mbox_writer_run(&w, ibuf, want, obuf);
		rc = mbox_write_all(out, obuf, n);
		len += n;
		off += want;
	}
	n = mbox_writer_finish(&w, obuf);
	if (rc == 0 && (len + n == 0 || !w.ends_eol))
		obuf[n++] = '\n';
	if (rc == 0)
		rc = mbox_write_all(out, obuf, n);
	free(ibuf);
	free(obuf);
	return rc;
}

static char *
mbox_stage_from(struct mbox_box *b, const struct mbox_vmsg *f, int64_t date,
    size_t *len_r)
{
	uint64_t len = f->hdr_off - f->from_off;
	char *line;

	if (len <= MBOX_FROM_LINE_MAX) {
		line = gd_xmalloc((size_t)len + 1);
		if (mbox_pread_full(b->fd, line, (size_t)len, f->from_off) ==
		    (ssize_t)len && len > 5 && line[len - 1] == '\n') {
			*len_r = (size_t)len;
			return line;
		}
		free(line);
	}
	line = gd_xmalloc(160);
	*len_r = mbox_from_line("MAILER-DAEMON", date, f->crlf, line, 160);
	return line;
}

static const char **
mbox_stage_keywords(struct mbox_box *b, uint64_t vbits)
{
	const char **kw = gd_xcalloc(GD_MAIL_MAX_KEYWORDS + 1, sizeof(*kw));
	unsigned i, n = 0;

	for (i = 0; i < b->base.keyword_count; i++) {
		if (vbits & (1ull << i))
			kw[n++] = b->base.keywords[i];
	}
	return kw;
}

static int
mbox_stage_one(struct mbox_box *b, uint32_t seq, struct mbox_stage *s,
    struct gd_mail_error *err)
{
	const struct gd_mail_msg *m = &b->base.msgs[seq - 1];
	const struct mbox_vmsg *f = &b->vm[seq - 1];
	struct mbox_addmsg *a = &s->msgs[s->n];
	struct stat sb;

	if (f->gone || (m->flags & GD_MAIL_EXPUNGED)) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXPUNGED,
		    "message %u was expunged", m->uid);
		return -1;
	}
	s->from[s->n] = mbox_stage_from(b, f, m->internal_date, &a->from_len);
	s->kw[s->n] = mbox_stage_keywords(b, m->keywords);
	a->from_line = s->from[s->n];
	a->keywords = s->kw[s->n];
	a->fd = s->fd;
	a->off = s->pos;
	a->flags = (m->flags & GD_MAIL_SYSTEM_FLAGS) |
	    (f->crlf ? MBOX_F_CRLF : 0);
	a->date = m->internal_date;
	s->src_uid[s->n++] = m->uid;
	if (mbox_stage_body(b, f, s->fd) < 0 || fstat(s->fd, &sb) < 0) {
		gd_mail_error_errno(err, "copying message %u", m->uid);
		return -1;
	}
	a->len = (uint64_t)sb.st_size - s->pos;
	s->pos = (uint64_t)sb.st_size;
	return 0;
}

static int
mbox_stage_make(struct mbox_box *b, const struct gd_mail_range *ranges,
    size_t nranges, struct mbox_stage *s, struct gd_mail_error *err)
{
	uint32_t seq, total = 0;
	size_t r;
	char *path;

	memset(s, 0, sizeof(*s));
	for (r = 0; r < nranges; r++)
		total += ranges[r].last - ranges[r].first + 1;
	s->msgs = gd_xcalloc(total + 1, sizeof(*s->msgs));
	s->from = gd_xcalloc(total + 1, sizeof(*s->from));
	s->kw = gd_xcalloc(total + 1, sizeof(*s->kw));
	s->src_uid = gd_xcalloc(total + 1, sizeof(*s->src_uid));
	s->fd = mbox_tmp_open(b->p.dir, b->p.base, &path);
	if (s->fd < 0) {
		gd_mail_error_errno(err, "creating a file in %s", b->p.dir);
		return -1;
	}
	unlink(path);
	free(path);
	for (seq = 1; seq <= b->base.count; seq++) {
		for (r = 0; r < nranges; r++) {
			if (seq >= ranges[r].first && seq <= ranges[r].last)
				break;
		}
		if (r < nranges && mbox_stage_one(b, seq, s, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- into the target ------------------------------------------------- */

/* Expunges of a move, reported after the copies. */
struct mbox_copy_gone {
	uint32_t *seq;
	uint32_t *uid;
	size_t n;
};

static void
mbox_copy_gone_add(void *arg, uint32_t seq, uint32_t uid)
{
	struct mbox_copy_gone *g = arg;

	g->seq = gd_xrealloc(g->seq, (g->n + 1) * sizeof(*g->seq));
	g->uid = gd_xrealloc(g->uid, (g->n + 1) * sizeof(*g->uid));
	g->seq[g->n] = seq;
	g->uid[g->n++] = uid;
}

struct mbox_copy_job {
	struct mbox_box *b;
	struct mbox_stage stage;
	bool move;
	bool same;
	struct mbox_paths tp;
	struct mbox_ctx tc;	/* the target (unless same) */
	struct mbox_ctx sc;	/* the source (move or same) */
	struct mbox_fstate tfs;
	uint64_t rollback;	/* target size before */
	struct mbox_copy_gone gone;
};

static int
mbox_copy_lock(struct mbox_copy_job *j, struct gd_mail_error *err)
{
	struct mbox_store *st = j->b->st;
	bool source_first;

	if (j->same)
		return mbox_ctx_lock(&j->sc, st, &j->b->p, err);
	if (!j->move)
		return mbox_ctx_lock(&j->tc, st, &j->tp, err);
	source_first = strcmp(j->b->p.file, j->tp.file) < 0;
	if (mbox_ctx_lock(source_first ? &j->sc : &j->tc, st,
	    source_first ? &j->b->p : &j->tp, err) < 0)
		return -1;
	if (mbox_ctx_lock(source_first ? &j->tc : &j->sc, st,
	    source_first ? &j->tp : &j->b->p, err) < 0) {
		mbox_ctx_unlock(source_first ? &j->sc : &j->tc);
		return -1;
	}
	return 0;
}

/* Drop the originals of a move from the source. */
static int
mbox_copy_remove(struct mbox_copy_job *j, struct gd_mail_error *err)
{
	struct mbox_box *b = j->b;
	uint32_t *uids = mbox_view_uids(b);
	bool *drop;
	size_t i;
	int64_t k;
	int rc;

	rc = j->same ? 0 : mbox_file_refresh(&j->sc, &b->fs, uids,
	    b->base.count, err);
	free(uids);
	if (rc < 0)
		return -1;
	drop = gd_xcalloc(b->fs.count + 1, sizeof(*drop));
	for (i = 0; i < j->stage.n; i++) {
		k = mbox_fstate_find(&b->fs, j->stage.src_uid[i]);
		if (k >= 0)
			drop[k] = true;
	}
	rc = mbox_expunge_locked(b, &j->sc, drop, mbox_copy_gone_add,
	    &j->gone, err);
	free(drop);
	return rc;
}

static void
mbox_copy_rollback(struct mbox_ctx *c, uint64_t size)
{
	if (ftruncate(c->lock.fd, (off_t)size) < 0 || fsync(c->lock.fd) < 0)
		gd_log_errno(GD_LOG_ERROR, "mbox.copy.rollback", "path=%s "
		    "reason=\"cannot undo a failed move\"", c->p->file);
}

static int
mbox_copy_locked(struct mbox_copy_job *j, struct gd_mail_error *err)
{
	struct mbox_ctx *tc = j->same ? &j->sc : &j->tc;
	struct mbox_fstate *tfs = j->same ? &j->b->fs : &j->tfs;
	uint32_t *uids = j->same ? mbox_view_uids(j->b) : NULL;
	int rc;

	rc = mbox_file_refresh(tc, tfs, uids, j->same ? j->b->base.count : 0,
	    err);
	free(uids);
	if (rc < 0)
		return -1;
	j->rollback = tfs->fsize;
	if (mbox_add_locked(tc, tfs, j->stage.msgs, j->stage.n, err) < 0)
		return -1;
	if (j->move && mbox_copy_remove(j, err) < 0) {
		mbox_copy_rollback(tc, j->rollback);
		return -1;
	}
	if (j->same && !j->move)
		mbox_box_follow(j->b, tc);
	return 0;
}

int
mbox_copy(struct gd_mailbox *box, const struct gd_mail_range *ranges,
    size_t nranges, const char *to, bool move, gd_mail_copied_fn *copied,
    gd_mail_expunged_fn *expunged, void *arg, uint32_t *uidvalidity_r,
    struct gd_mail_error *err)
{
	struct mbox_copy_job j;
	size_t i;
	int rc;

	memset(&j, 0, sizeof(j));
	j.b = mbox_box_of(box);
	j.move = move;
	j.same = strcmp(to, box->name) == 0;
	if (mbox_stage_make(j.b, ranges, nranges, &j.stage, err) < 0 ||
	    (!j.same && mbox_paths_make(j.b->st, to, &j.tp, err) < 0)) {
		mbox_stage_free(&j.stage);
		return -1;
	}
	if (!j.same && access(j.tp.file, F_OK) < 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTFOUND,
		    "no mailbox %s", to);
		mbox_stage_free(&j.stage);
		mbox_paths_free(&j.tp);
		return -1;
	}
	rc = j.stage.n == 0 ? 0 : mbox_copy_lock(&j, err);
	if (rc == 0 && j.stage.n > 0) {
		rc = mbox_copy_locked(&j, err);
		mbox_ctx_unlock(&j.tc);
		mbox_ctx_unlock(&j.sc);
	}
	if (rc == 0 && uidvalidity_r != NULL)
		*uidvalidity_r = j.same ? j.b->fs.uidvalidity :
		    j.tfs.uidvalidity;
	for (i = 0; rc == 0 && copied != NULL && i < j.stage.n; i++)
		copied(arg, j.stage.src_uid[i], j.stage.msgs[i].uid_r);
	for (i = 0; rc == 0 && expunged != NULL && i < j.gone.n; i++)
		expunged(arg, j.gone.seq[i], j.gone.uid[i]);
	free(j.gone.seq);
	free(j.gone.uid);
	mbox_stage_free(&j.stage);
	mbox_fstate_free(&j.tfs);
	mbox_paths_free(&j.tp);
	return rc;
}
