/*
 * mbox-file.c — knowing what an mbox holds: the sidecar when it still
 * describes the file (same inode, size, mtime and tail checksum), a scan
 * of only the appended bytes when the file merely grew, a full scan
 * otherwise.  After a scan, messages keep the UIDs of their X-UID fields
 * when those are believable (ascending, and either known before or
 * above UIDNEXT), and get new ones otherwise (marked MBOX_F_DIRTY until
 * a rewrite stores them).  Messages whose flags differ from what the
 * previous state said get a new modseq, which is never below the old
 * HIGHESTMODSEQ nor below the clock (mbox_fstate_next_modseq), so
 * HIGHESTMODSEQ does not go back even when the sidecar is lost.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbox-private.h"

#define MBOX_SCAN_CHUNK		(256 * 1024)
#define MBOX_STATE_MAX		(1024u * 1024 * 1024)

struct mbox_scan_ctx {
	struct mbox_fstate *fs;
	int64_t mtime;
	bool first;		/* the next message is the file's first */
	uint32_t base_uidvalidity;
	uint32_t base_uidnext;
};

int
mbox_ctx_lock(struct mbox_ctx *c, struct mbox_store *st,
    const struct mbox_paths *p, struct gd_mail_error *err)
{
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->cfg = st->cfg;
	c->p = p;
	if (mbox_lock_take(c->cfg, p, &c->lock, err) < 0)
		return -1;
	c->locked = true;
	if (mbox_journal_recover(&c->lock, err) < 0) {
		mbox_ctx_unlock(c);
		return -1;
	}
	return 0;
}

void
mbox_ctx_unlock(struct mbox_ctx *c)
{
	if (c->locked)
		mbox_lock_release(&c->lock);
	c->locked = false;
}

static int
mbox_identify_fd(int fd, struct mbox_fstate *fs)
{
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return -1;
	fs->dev = (uint64_t)sb.st_dev;
	fs->ino = (uint64_t)sb.st_ino;
	fs->fsize = (uint64_t)sb.st_size;
	fs->mtime_ns = mbox_mtime_ns(&sb);
	return mbox_tail_crc(fd, fs->fsize, &fs->tail_crc);
}

int
mbox_file_identify(struct mbox_ctx *c, struct mbox_fstate *fs)
{
	return mbox_identify_fd(c->lock.fd, fs);
}

static bool
mbox_same_file(const struct mbox_fstate *a, const struct mbox_fstate *b)
{
	return a->uidvalidity != 0 && a->dev == b->dev && a->ino == b->ino &&
	    a->fsize == b->fsize && a->mtime_ns == b->mtime_ns &&
	    a->tail_crc == b->tail_crc;
}

/* `old` describes a prefix of the file that only grew since. */
static bool
mbox_grown_from(int fd, const struct mbox_fstate *old,
    const struct mbox_fstate *cur)
{
	uint32_t crc;
	char last;

	if (old->uidvalidity == 0 || old->dev != cur->dev ||
	    old->ino != cur->ino || old->fsize >= cur->fsize)
		return false;
	if (mbox_tail_crc(fd, old->fsize, &crc) < 0 || crc != old->tail_crc)
		return false;
	return old->fsize == 0 || (mbox_pread_full(fd, &last, 1,
	    old->fsize - 1) == 1 && last == '\n');
}

static int
mbox_state_load(const char *path, struct mbox_fstate *fs)
{
	struct stat sb;
	char *buf;
	int fd, rc = -1;

	memset(fs, 0, sizeof(*fs));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
	    (uint64_t)sb.st_size <= MBOX_STATE_MAX) {
		buf = gd_xmalloc((size_t)sb.st_size);
		if (mbox_pread_full(fd, buf, (size_t)sb.st_size, 0) ==
		    sb.st_size)
			rc = mbox_state_decode(buf, (size_t)sb.st_size, fs);
		free(buf);
	}
	close(fd);
	return rc;
}

int
mbox_file_save_state(struct mbox_ctx *c, struct mbox_fstate *fs)
{
	char *tmp, *base;
	void *data;
	size_t len;
	int fd, rc;

	base = gd_xasprintf("%s%s", c->p->base, MBOX_STATE_SUFFIX);
	fd = mbox_tmp_open(c->p->dir, base, &tmp);
	free(base);
	if (fd < 0)
		return -1;
	data = mbox_state_encode(fs, &len);
	/* No fsync: a lost or stale sidecar is rebuilt (see the top). */
	rc = mbox_write_all(fd, data, len);
	free(data);
	close(fd);
	if (rc == 0)
		rc = rename(tmp, c->p->state);
	if (rc < 0) {
		gd_log_errno(GD_LOG_WARNING, "mbox.state.write", "path=%s "
		    "reason=\"cannot write the sidecar\"", c->p->state);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* ---- scanning ------------------------------------------------------- */

static int
mbox_scan_add(void *arg, const struct mbox_scan_msg *m)
{
	struct mbox_scan_ctx *x = arg;
	struct mbox_fmsg *f;

	if (x->first && m->has_base) {
		x->base_uidvalidity = m->base_uidvalidity;
		x->base_uidnext = m->base_uidnext;
		(void)mbox_fstate_kw_parse(x->fs, m->base_keywords);
		if (m->base_uidnext_width == MBOX_UIDNEXT_WIDTH)
			x->fs->base_off = m->base_uidnext_off;
	}
	x->first = false;
	f = mbox_fstate_add(x->fs);
	f->from_off = m->from_off;
	f->hdr_off = m->hdr_off;
	f->data_end = m->data_end;
	f->end_off = m->end_off;
	f->size = m->size;
	f->date = m->date != 0 ? m->date : x->mtime / 1000000000;
	f->uid = m->xuid;
	f->flags = m->flags | (m->crlf ? MBOX_F_CRLF : 0);
	f->keywords = mbox_fstate_kw_parse(x->fs, m->keywords);
	return 0;
}

/* Scan [start, fs->fsize) of `fd` into fs; -1 on I/O error, 1 when the
 * bytes at `start` are not a From_ line. */
static int
mbox_scan_file(int fd, uint64_t start, struct mbox_fstate *fs,
    struct mbox_scan_ctx *x)
{
	struct mbox_scan *s = mbox_scan_create(start, mbox_scan_add, x);
	char *buf = gd_xmalloc(MBOX_SCAN_CHUNK);
	uint64_t off = start;
	ssize_t n = 0;
	int rc = 0;

	x->fs = fs;
	x->mtime = fs->mtime_ns;
	while (off < fs->fsize) {
		n = mbox_pread_full(fd, buf, fs->fsize - off < MBOX_SCAN_CHUNK ?
		    (size_t)(fs->fsize - off) : MBOX_SCAN_CHUNK, off);
		if (n <= 0)
			break;
		mbox_scan_feed(s, buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (n < 0 || off < fs->fsize)
		rc = -1;
	else
		mbox_scan_finish(s);
	if (rc == 0 && start > 0 && mbox_scan_prefix(s) != start)
		rc = 1;
	if (start == 0)
		fs->prefix = mbox_scan_prefix(s);
	mbox_scan_destroy(&s);
	free(buf);
	return rc;
}

/* ---- UIDs and modseqs ----------------------------------------------- */

static bool
mbox_uid_known(const struct mbox_fstate *old, const uint32_t *known,
    uint32_t nknown, uint32_t uid)
{
	uint32_t lo = 0, hi = nknown, mid;

	if (old != NULL && mbox_fstate_find(old, uid) >= 0)
		return true;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (known[mid] == uid)
			return true;
		if (known[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Give messages [from, count) their UIDs.  With earlier knowledge `old`,
 * an X-UID below old's UIDNEXT must be one old (or the view) knew: else
 * it is a copy of a message that was expunged, and its UID must not
 * come back.
 */
static void
mbox_assign_uids(struct mbox_fstate *fs, uint32_t from,
    const struct mbox_fstate *old, const uint32_t *known, uint32_t nknown)
{
	uint32_t prev = from > 0 ? fs->msgs[from - 1].uid : 0, i, u;
	uint32_t threshold = old != NULL ? old->uidnext : 0;

	for (i = from; i < fs->count; i++) {
		u = fs->msgs[i].uid;
		if (u == 0 || u <= prev || u == UINT32_MAX ||
		    (u < threshold && !mbox_uid_known(old, known, nknown,
		    u))) {
			u = fs->uidnext;
			fs->msgs[i].flags |= MBOX_F_DIRTY;
		}
		fs->msgs[i].uid = u;
		if (u >= fs->uidnext)
			fs->uidnext = u + 1;
		prev = u;
	}
}

static bool
mbox_kw_same(const struct mbox_fstate *a, uint64_t abits,
    const struct mbox_fstate *b, uint64_t bbits)
{
	unsigned i, n = 0;
	int j;

	for (i = 0; i < a->kw_count; i++) {
		if (!(abits & (1ull << i)))
			continue;
		j = mbox_fstate_kw((struct mbox_fstate *)b, a->kw[i], false);
		if (j < 0 || !(bbits & (1ull << j)))
			return false;
		n++;
	}
	return n == (unsigned)__builtin_popcountll(bbits);
}

/* Modseqs of messages [from, count): kept when unchanged since `old`. */
static void
mbox_assign_modseqs(struct mbox_fstate *fs, uint32_t from,
    const struct mbox_fstate *old)
{
	const uint32_t mask = GD_MAIL_SYSTEM_FLAGS;
	const struct mbox_fmsg *o;
	uint64_t fresh = 0;
	int64_t j;
	uint32_t i;

	for (i = from; i < fs->count; i++) {
		j = old != NULL ? mbox_fstate_find(old, fs->msgs[i].uid) : -1;
		o = j >= 0 ? &old->msgs[j] : NULL;
		if (o != NULL && (o->flags & mask) == (fs->msgs[i].flags &
		    mask) && mbox_kw_same(old, o->keywords, fs,
		    fs->msgs[i].keywords)) {
			fs->msgs[i].modseq = o->modseq;
			continue;
		}
		if (fresh == 0)
			fresh = mbox_fstate_next_modseq(fs);
		fs->msgs[i].modseq = fresh;
	}
}

/* ---- refreshing ------------------------------------------------------ */

static int
mbox_refresh_grown(struct mbox_ctx *c, const struct mbox_fstate *base,
    struct mbox_fstate *cur)
{
	struct mbox_scan_ctx x;
	uint32_t from = base->count;
	struct mbox_fstate id = *cur;
	int rc;

	memset(&x, 0, sizeof(x));
	x.first = base->count == 0;
	mbox_fstate_copy(cur, base);
	cur->dev = id.dev;
	cur->ino = id.ino;
	cur->fsize = id.fsize;
	cur->mtime_ns = id.mtime_ns;
	cur->tail_crc = id.tail_crc;
	rc = mbox_scan_file(c->lock.fd, base->fsize, cur, &x);
	if (rc != 0)
		return rc;
	mbox_assign_uids(cur, from, base, NULL, 0);
	mbox_assign_modseqs(cur, from, NULL);
	return 0;
}

/* Which earlier knowledge a full scan may trust. */
static const struct mbox_fstate *
mbox_refresh_old(const struct mbox_fstate *sc, const struct mbox_fstate *mem,
    uint32_t base_uidvalidity)
{
	const struct mbox_fstate *old = sc->uidvalidity != 0 ? sc : mem;

	if (old->uidvalidity == 0 || (base_uidvalidity != 0 &&
	    old->uidvalidity != base_uidvalidity))
		return NULL;
	return old;
}

static int
mbox_refresh_full(struct mbox_ctx *c, const struct mbox_fstate *sc,
    const struct mbox_fstate *mem, struct mbox_fstate *cur,
    const uint32_t *known, uint32_t nknown)
{
	const struct mbox_fstate *old;
	struct mbox_scan_ctx x;

	memset(&x, 0, sizeof(x));
	x.first = true;
	if (mbox_scan_file(c->lock.fd, 0, cur, &x) < 0)
		return -1;
	old = mbox_refresh_old(sc, mem, x.base_uidvalidity);
	cur->uidvalidity = x.base_uidvalidity != 0 ? x.base_uidvalidity :
	    old != NULL ? old->uidvalidity : mbox_new_uidvalidity(c->st);
	if (old == NULL && x.base_uidvalidity == 0)
		nknown = 0;	/* a new mailbox: nothing to keep */
	cur->uidnext = x.base_uidnext > 0 ? x.base_uidnext : 1;
	if (old != NULL && old->uidnext > cur->uidnext)
		cur->uidnext = old->uidnext;
	cur->highestmodseq = old != NULL ? old->highestmodseq : 0;
	if (mem->highestmodseq > cur->highestmodseq)
		cur->highestmodseq = mem->highestmodseq;
	if (sc->highestmodseq > cur->highestmodseq)
		cur->highestmodseq = sc->highestmodseq;
	cur->recent_uid = old != NULL ? old->recent_uid : 1;
	mbox_assign_uids(cur, 0, old, known, nknown);
	mbox_assign_modseqs(cur, 0, old);
	if (cur->recent_uid > cur->uidnext)
		cur->recent_uid = cur->uidnext;
	return 0;
}

static int
mbox_refresh_stale(struct mbox_ctx *c, struct mbox_fstate *fs,
    struct mbox_fstate *cur, const uint32_t *known, uint32_t nknown)
{
	struct mbox_fstate sc;
	int rc = 1;

	if (mbox_state_load(c->p->state, &sc) < 0)
		memset(&sc, 0, sizeof(sc));
	if (mbox_same_file(&sc, cur)) {
		mbox_fstate_free(cur);
		*cur = sc;
		return 0;
	}
	if (mbox_grown_from(c->lock.fd, &sc, cur))
		rc = mbox_refresh_grown(c, &sc, cur);
	else if (mbox_grown_from(c->lock.fd, fs, cur))
		rc = mbox_refresh_grown(c, fs, cur);
	if (rc != 0) {
		mbox_fstate_free(cur);
		rc = mbox_identify_fd(c->lock.fd, cur);
		if (rc == 0)
			rc = mbox_refresh_full(c, &sc, fs, cur, known, nknown);
	}
	if (rc == 0)
		(void)mbox_file_save_state(c, cur);
	mbox_fstate_free(&sc);
	return rc;
}

int
mbox_file_refresh(struct mbox_ctx *c, struct mbox_fstate *fs,
    const uint32_t *known, uint32_t nknown, struct gd_mail_error *err)
{
	struct mbox_fstate cur;

	memset(&cur, 0, sizeof(cur));
	if (mbox_identify_fd(c->lock.fd, &cur) < 0) {
		gd_mail_error_errno(err, "reading %s", c->p->file);
		return -1;
	}
	if (mbox_same_file(fs, &cur))
		return 0;
	if (mbox_refresh_stale(c, fs, &cur, known, nknown) < 0) {
		mbox_fstate_free(&cur);
		gd_mail_error_errno(err, "reading %s", c->p->file);
		return -1;
	}
	mbox_fstate_free(fs);
	*fs = cur;
	return 0;
}

int
mbox_file_peek(struct mbox_store *st, const struct mbox_paths *p,
    struct mbox_fstate *fs, struct gd_mail_error *err)
{
	struct mbox_fstate cur;
	struct mbox_ctx c;
	int fd, rc;

	memset(&cur, 0, sizeof(cur));
	fd = open(p->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		gd_mail_error_errno(err, "opening %s", p->file);
		return -1;
	}
	rc = mbox_identify_fd(fd, &cur);
	close(fd);
	if (rc == 0 && mbox_state_load(p->state, fs) == 0 &&
	    mbox_same_file(fs, &cur))
		return 0;
	mbox_fstate_free(fs);
	if (mbox_ctx_lock(&c, st, p, err) < 0)
		return -1;
	rc = mbox_file_refresh(&c, fs, NULL, 0, err);
	mbox_ctx_unlock(&c);
	return rc;
}
