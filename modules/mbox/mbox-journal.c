/*
 * mbox-journal.c — the append journal that makes appends all-or-nothing.
 *
 * Before an append writes to the mbox (under the locks), it records the
 * mbox's identity, its size before, its size after and the crc32 of the
 * bytes to be added in ".NAME.mbox.gdjournal" and syncs that record.
 * After the mbox is synced the record is cleared (without a sync: a
 * leftover record of a finished append is recognised by its crc).  The
 * next locker finding an unfinished record truncates the mbox back to
 * its old size, so a crash mid-append never leaves a partial message.
 *
 * Record (64 bytes, little-endian): "GDMBXJ01", u64 dev, u64 ino,
 * u64 old_size, u64 new_size, u32 crc of the new bytes, u32 crc32 of the
 * bytes before; zeros when clear.
 *
 * Limit: if a program that does not know the journal appends after our
 * partial message (it broke our dotlock as stale before any session of
 * ours recovered), the record is left alone and logged: truncating
 * would lose that program's mail.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mbox-private.h"

#define MBOX_JOURNAL_MAGIC	"GDMBXJ01"
#define MBOX_JOURNAL_LEN	64

struct mbox_journal_rec {
	uint64_t dev, ino, old_size, new_size;
	uint32_t crc;
};

static void
mbox_j_put64(unsigned char *p, uint64_t v)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
mbox_j_get64(const unsigned char *p)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void
mbox_journal_encode(const struct mbox_journal_rec *r, unsigned char *buf)
{
	memset(buf, 0, MBOX_JOURNAL_LEN);
	memcpy(buf, MBOX_JOURNAL_MAGIC, 8);
	mbox_j_put64(buf + 8, r->dev);
	mbox_j_put64(buf + 16, r->ino);
	mbox_j_put64(buf + 24, r->old_size);
	mbox_j_put64(buf + 32, r->new_size);
	mbox_j_put64(buf + 40, r->crc);
	mbox_j_put64(buf + 48, mbox_crc32(0, buf, 48));
}

static int
mbox_journal_decode(const unsigned char *buf, struct mbox_journal_rec *r)
{
	if (memcmp(buf, MBOX_JOURNAL_MAGIC, 8) != 0 ||
	    mbox_j_get64(buf + 48) != mbox_crc32(0, buf, 48))
		return -1;
	r->dev = mbox_j_get64(buf + 8);
	r->ino = mbox_j_get64(buf + 16);
	r->old_size = mbox_j_get64(buf + 24);
	r->new_size = mbox_j_get64(buf + 32);
	r->crc = (uint32_t)mbox_j_get64(buf + 40);
	return r->old_size <= r->new_size ? 0 : -1;
}

/*
 * The journal file, created on first use.  Its directory entry must be
 * durable before a record in it can protect anything: a new file is
 * followed by a sync of the directory.
 */
static int
mbox_journal_open(const char *path)
{
	char *dir, *slash;
	int fd, dfd;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	dir = gd_xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	dfd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		close(fd);
		fd = -1;
	}
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return fd;
}

int
mbox_journal_begin(const struct mbox_config *cfg, const char *path,
    const struct stat *mst, uint64_t old_size, uint64_t new_size,
    uint32_t crc, struct gd_mail_error *err)
{
	unsigned char buf[MBOX_JOURNAL_LEN];
	struct mbox_journal_rec r;
	int fd, rc;

	r.dev = mst->st_dev;
	r.ino = mst->st_ino;
	r.old_size = old_size;
	r.new_size = new_size;
	r.crc = crc;
	mbox_journal_encode(&r, buf);
	fd = mbox_journal_open(path);
	if (fd < 0) {
		gd_mail_error_errno(err, "opening %s", path);
		return -1;
	}
	rc = mbox_pwrite_all(fd, buf, sizeof(buf), 0);
	/* The record must be on disk before the mbox changes, whatever
	 * the `fsync` setting: it is what makes the append atomic. */
	if (rc == 0)
		rc = fdatasync(fd);
	if (rc < 0)
		gd_mail_error_errno(err, "writing %s", path);
	close(fd);
	return rc;
}

void
mbox_journal_end(const char *path)
{
	unsigned char zero[MBOX_JOURNAL_LEN];
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	memset(zero, 0, sizeof(zero));
	(void)mbox_pwrite_all(fd, zero, sizeof(zero), 0);
	close(fd);
}

/* Is [old, new) of the mbox exactly the bytes the record announced? */
static bool
mbox_journal_complete(int fd, const struct mbox_journal_rec *r)
{
	char *buf = gd_xmalloc(64 * 1024);
	uint64_t off = r->old_size;
	uint32_t crc = 0;
	ssize_t n;
	size_t want;

	while (off < r->new_size) {
		want = r->new_size - off < 64 * 1024 ?
		    (size_t)(r->new_size - off) : 64 * 1024;
		n = mbox_pread_full(fd, buf, want, off);
		if (n != (ssize_t)want)
			break;
		crc = mbox_crc32(crc, buf, want);
		off += want;
	}
	free(buf);
	return off == r->new_size && crc == r->crc;
}

int
mbox_journal_recover(struct mbox_lock *lock, struct gd_mail_error *err)
{
	unsigned char buf[MBOX_JOURNAL_LEN];
	struct mbox_journal_rec r;
	struct stat st;
	int fd;

	fd = open(lock->p->journal, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (mbox_pread_full(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
	    mbox_journal_decode(buf, &r) < 0) {
		close(fd);
		return 0;
	}
	close(fd);
	if (fstat(lock->fd, &st) < 0) {
		gd_mail_error_errno(err, "stat %s", lock->p->file);
		return -1;
	}
	if (r.dev != (uint64_t)st.st_dev || r.ino != (uint64_t)st.st_ino ||
	    (uint64_t)st.st_size < r.old_size ||
	    mbox_journal_complete(lock->fd, &r)) {
		mbox_journal_end(lock->p->journal);
		return 0;
	}
	if ((uint64_t)st.st_size > r.new_size) {
		gd_log(GD_LOG_WARNING, "mbox.journal.foreign", "path=%s "
		    "reason=\"data appended after an unfinished append\"",
		    lock->p->file);
		return 0;
	}
	gd_log(GD_LOG_NOTICE, "mbox.journal.rollback", "path=%s size=%llu "
	    "reason=\"unfinished append\"", lock->p->file,
	    (unsigned long long)r.old_size);
	if (ftruncate(lock->fd, (off_t)r.old_size) < 0 ||
	    fsync(lock->fd) < 0) {
		gd_mail_error_errno(err, "truncating %s", lock->p->file);
		return -1;
	}
	mbox_journal_end(lock->p->journal);
	return 0;
}
