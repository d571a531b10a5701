/*
 * maildir-state.c — gumdrop-uidlist on disk (format: maildir-record.c).
 *
 * Every access happens under flock(2) on gumdrop-uidlist.lock: flock
 * locks belong to the open file description, so they exclude other
 * threads of this process (each opens its own descriptor) as well as
 * other processes, and the kernel drops them when a holder dies.
 *
 * Records are appended at the header's end_offset, then the header is
 * rewritten in place (not synced).  What a crash can leave, and how it
 * is read back:
 *   - a torn last record (killed while writing): cut off;
 *   - complete records beyond end_offset (killed before the header
 *     write): taken, and the header fixed;
 *   - after an OS crash (another boot id in the header), the header may
 *     be older than what clients were told: UIDs and modseqs continue
 *     from the reservations, which are synced before any number beyond
 *     them is handed out;
 *   - a file shorter than end_offset, or an invalid record before the
 *     end: "damaged" (the caller rebuilds from the directories, keeping
 *     the UIDs the valid records give and continuing from the header);
 *   - no file, or an invalid header: "uids_lost" (a new UIDVALIDITY).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maildir-private.h"

/* Small enough to stay in the cache between read and parse. */
#define STATE_READ_CHUNK	(256 * 1024)
#define STATE_UID_STEP		1024u
#define STATE_MODSEQ_STEP	4096u
#define STATE_WRITE_CHUNK	(256 * 1024)

static int state_lock(int fd, struct gd_mail_error *err);
static int state_open_file(struct maildir_state *st,
    struct gd_mail_error *err);
static void state_boot_check(struct maildir_state *st);
static int state_write_hdr(struct maildir_state *st, bool sync,
    struct gd_mail_error *err);
static bool state_all_zero(int fd, uint64_t from, uint64_t to);
static int state_cut(struct maildir_state *st, uint64_t at,
    struct gd_mail_error *err);
static void state_note(struct maildir_state *st,
    const struct maildir_rec *r);
static int state_bad_record(struct maildir_state *st, uint64_t pos,
    ssize_t how, struct gd_mail_error *err);
static int state_write_all(int fd, const struct maildir_list *list,
    struct maildir_hdr *hdr, struct gd_mail_error *err);
static int state_read_chunks(struct maildir_state *st, uint64_t offset,
    maildir_rec_fn *fn, void *arg, uint64_t *end_r,
    struct gd_mail_error *err);

int
maildir_state_lock_open(const char *dir, struct gd_mail_error *err)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, MAILDIR_LOCK_FILE);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		gd_mail_error_errno(err, "open %s", path);
	return fd;
}

static int
state_lock(int fd, struct gd_mail_error *err)
{
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			gd_mail_error_errno(err, "flock");
			return -1;
		}
	}
	return 0;
}

int
maildir_state_begin(struct maildir_state *st, const char *dir,
    const struct gd_mail_store_config *cfg, int lock_fd,
    struct gd_mail_error *err)
{
	memset(st, 0, sizeof(*st));
	st->dir = dir;
	st->cfg = cfg;
	st->fd = -1;
	st->lock_fd = lock_fd;
	if (lock_fd < 0) {
		st->lock_fd = maildir_state_lock_open(dir, err);
		if (st->lock_fd < 0)
			return -1;
		st->own_lock_fd = true;
	}
	if (state_lock(st->lock_fd, err) < 0 ||
	    state_open_file(st, err) < 0) {
		if (st->own_lock_fd)
			close(st->lock_fd);
		else
			flock(st->lock_fd, LOCK_UN);
		return -1;
	}
	return 0;
}

static int
state_open_file(struct maildir_state *st, struct gd_mail_error *err)
{
	uint8_t buf[MAILDIR_HDR_SIZE];
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", st->dir, MAILDIR_STATE_FILE);
	st->fd = open(path, O_RDWR | O_CLOEXEC);
	if (st->fd < 0 && errno != ENOENT) {
		gd_mail_error_errno(err, "open %s", path);
		return -1;
	}
	if (st->fd < 0 || fstat(st->fd, &sb) < 0 ||
	    pread(st->fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
	    maildir_hdr_decode(buf, sizeof(buf), &st->hdr) < 0) {
		memset(&st->hdr, 0, sizeof(st->hdr));
		st->damaged = st->uids_lost = true;
		return 0;
	}
	st->st_dev = sb.st_dev;
	st->st_ino = sb.st_ino;
	st->size = (uint64_t)sb.st_size;
	if (st->size < st->hdr.end_offset)
		st->damaged = true;
	state_boot_check(st);
	return 0;
}

/* After a reboot the header may have lost updates: continue from the
 * reservations, which were synced before use. */
static void
state_boot_check(struct maildir_state *st)
{
	uint8_t boot[16];

	maildir_boot_id(boot);
	if (memcmp(boot, st->hdr.boot_id, sizeof(boot)) == 0)
		return;
	if (st->hdr.uidnext < st->hdr.uid_reserved)
		st->hdr.uidnext = st->hdr.uid_reserved;
	if (st->hdr.highestmodseq < st->hdr.modseq_reserved)
		st->hdr.highestmodseq = st->hdr.modseq_reserved;
	memcpy(st->hdr.boot_id, boot, sizeof(boot));
	st->hdr_dirty = true;
}

static int
state_write_hdr(struct maildir_state *st, bool sync,
    struct gd_mail_error *err)
{
	uint8_t buf[MAILDIR_HDR_SIZE];

	if (st->fd < 0)
		return 0;
	maildir_hdr_encode(&st->hdr, buf);
	if (pwrite(st->fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
		gd_mail_error_errno(err, "write %s/%s", st->dir,
		    MAILDIR_STATE_FILE);
		return -1;
	}
	st->hdr_dirty = false;
	if (sync && st->cfg->fsync && fdatasync(st->fd) < 0) {
		gd_mail_error_errno(err, "fdatasync %s/%s", st->dir,
		    MAILDIR_STATE_FILE);
		return -1;
	}
	return 0;
}

int
maildir_state_end(struct maildir_state *st, struct gd_mail_error *err)
{
	int ret = 0;

	if (st->hdr_dirty && st->fd >= 0)
		ret = state_write_hdr(st, false, err);
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	if (st->own_lock_fd)
		close(st->lock_fd);
	else if (st->lock_fd >= 0)
		flock(st->lock_fd, LOCK_UN);
	st->lock_fd = -1;
	return ret;
}

static bool
state_all_zero(int fd, uint64_t from, uint64_t to)
{
	uint8_t buf[4096];
	ssize_t n, i;

	while (from < to) {
		n = pread(fd, buf, to - from < sizeof(buf) ?
		    (size_t)(to - from) : sizeof(buf), (off_t)from);
		if (n <= 0)
			return n == 0;
		for (i = 0; i < n; i++)
			if (buf[i] != 0)
				return false;
		from += (uint64_t)n;
	}
	return true;
}

/* Cut a torn tail at `at` (we hold the lock). */
static int
state_cut(struct maildir_state *st, uint64_t at, struct gd_mail_error *err)
{
	if (ftruncate(st->fd, (off_t)at) < 0) {
		gd_mail_error_errno(err, "truncate %s/%s", st->dir,
		    MAILDIR_STATE_FILE);
		return -1;
	}
	st->size = at;
	return 0;
}

int
maildir_state_read(struct maildir_state *st, uint64_t offset,
    maildir_rec_fn *fn, void *arg, uint64_t *end_r,
    struct gd_mail_error *err)
{
	uint64_t end = offset;

	if (st->fd < 0 || offset >= st->size) {
		*end_r = offset;
		return 0;
	}
	if (state_read_chunks(st, offset, fn, arg, &end, err) < 0)
		return -1;
	*end_r = end;
	if (end > st->hdr.end_offset && !st->damaged) {
		st->hdr.end_offset = end;
		st->hdr_dirty = true;
	}
	return 0;
}

/* Account a record in the header (records beyond end_offset). */
static void
state_note(struct maildir_state *st, const struct maildir_rec *r)
{
	if (r->type == MAILDIR_REC_MSG && r->uid >= st->hdr.uidnext &&
	    r->uid < UINT32_MAX) {
		st->hdr.uidnext = r->uid + 1;
		st->hdr_dirty = true;
	}
	if (r->modseq > st->hdr.highestmodseq) {
		st->hdr.highestmodseq = r->modseq;
		st->hdr_dirty = true;
	}
}

/* Decide about a record that does not decode at `pos`: torn (cut it) or
 * damage.  Returns 0 when reading must stop. */
static int
state_bad_record(struct maildir_state *st, uint64_t pos, ssize_t how,
    struct gd_mail_error *err)
{
	if (pos >= st->hdr.end_offset &&
	    (how == 0 || state_all_zero(st->fd, pos, st->size) ||
	    st->size - pos <= MAILDIR_REC_MAX))
		return state_cut(st, pos, err);
	st->damaged = true;
	return 0;
}

static int
state_read_chunks(struct maildir_state *st, uint64_t offset,
    maildir_rec_fn *fn, void *arg, uint64_t *end_r,
    struct gd_mail_error *err)
{
	/* Tails are usually small: do not allocate a whole chunk for them. */
	size_t cap = st->size - offset + MAILDIR_REC_MAX < STATE_READ_CHUNK ?
	    (size_t)(st->size - offset) + MAILDIR_REC_MAX : STATE_READ_CHUNK;
	uint8_t *buf = gd_xmalloc(cap);
	struct maildir_rec rec;
	size_t have = 0, at = 0;
	uint64_t pos = offset;
	ssize_t n;
	int ret = 0;

	for (;;) {
		n = maildir_rec_decode(buf + at, have - at, &rec);
		if (n > 0) {
			state_note(st, &rec);
			if (fn != NULL && fn(arg, &rec) < 0) {
				ret = -1;
				break;
			}
			at += (size_t)n;
			pos += (uint64_t)n;
			continue;
		}
		if (n == 0 && pos + (have - at) < st->size) {
			/* Need more bytes: slide and read the next chunk. */
			memmove(buf, buf + at, have - at);
			have -= at;
			at = 0;
			n = pread(st->fd, buf + have, cap - have,
			    (off_t)(pos + have));
			if (n < 0) {
				gd_mail_error_errno(err, "read %s/%s",
				    st->dir, MAILDIR_STATE_FILE);
				ret = -1;
				break;
			}
			if (n > 0) {
				have += (size_t)n;
				continue;
			}
		}
		if (n < 0 && st->salvage && pos < st->size) {
			/* Rebuilding: skip the damage, keep what follows
			 * (each record carries its own checksum). */
			at++;
			pos++;
			continue;
		}
		if (pos < st->size && !st->salvage)
			ret = state_bad_record(st, pos, n, err);
		break;
	}
	free(buf);
	*end_r = pos;
	return ret;
}

int
maildir_state_append(struct maildir_state *st, const void *data,
    size_t len, uint64_t garbage, struct gd_mail_error *err)
{
	ssize_t n;

	assert(st->fd >= 0 && !st->damaged);
	if (len == 0)
		return 0;
	n = pwrite(st->fd, data, len, (off_t)st->hdr.end_offset);
	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = ENOSPC;
		gd_mail_error_errno(err, "write %s/%s", st->dir,
		    MAILDIR_STATE_FILE);
		if (ftruncate(st->fd, (off_t)st->hdr.end_offset) < 0)
			st->damaged = true;
		return -1;
	}
	st->hdr.end_offset += len;
	st->hdr.garbage += garbage;
	st->size = st->hdr.end_offset;
	st->hdr_dirty = true;
	return 0;
}

int
maildir_state_next_uid(struct maildir_state *st, uint32_t *uid_r,
    struct gd_mail_error *err)
{
	if (st->hdr.uidnext >= UINT32_MAX - 1) {
		gd_mail_error_set(err, GD_MAIL_ERR_CORRUPT,
		    "%s: no UIDs left", st->dir);
		return -1;
	}
	if (st->hdr.uidnext >= st->hdr.uid_reserved) {
		st->hdr.uid_reserved = st->hdr.uidnext +
		    (st->hdr.uidnext < UINT32_MAX - STATE_UID_STEP - 1 ?
		    STATE_UID_STEP : 1);
		if (state_write_hdr(st, true, err) < 0)
			return -1;
	}
	*uid_r = st->hdr.uidnext++;
	st->hdr_dirty = true;
	return 0;
}

int
maildir_state_next_modseq(struct maildir_state *st, uint64_t *modseq_r,
    struct gd_mail_error *err)
{
	if (st->hdr.highestmodseq + 1 > st->hdr.modseq_reserved) {
		st->hdr.modseq_reserved = st->hdr.highestmodseq + 1 +
		    STATE_MODSEQ_STEP;
		if (state_write_hdr(st, true, err) < 0)
			return -1;
	}
	*modseq_r = ++st->hdr.highestmodseq;
	st->hdr_dirty = true;
	return 0;
}

uint32_t
maildir_uidvalidity_new(uint32_t old)
{
	uint32_t v = (uint32_t)time(NULL);

	if (v == 0 || v == old)
		v = old + 1 != 0 ? old + 1 : 1;
	return v;
}

/* Write the header and one MSG record per live message of `list`. */
static int
state_write_all(int fd, const struct maildir_list *list,
    struct maildir_hdr *hdr, struct gd_mail_error *err)
{
	uint8_t *buf = gd_xmalloc(STATE_WRITE_CHUNK);
	struct maildir_rec rec = { .type = MAILDIR_REC_MSG };
	size_t len = MAILDIR_HDR_SIZE;
	uint32_t i;
	int ret = 0;

	memset(buf, 0, MAILDIR_HDR_SIZE);
	hdr->messages = 0;
	for (i = 0; i < list->count && ret == 0; i++) {
		const struct gd_mail_msg *m = &list->msgs[i];

		if ((m->flags & (GD_MAIL_EXPUNGED | MAILDIR_MSG_GONE)) != 0)
			continue;
		rec.uid = m->uid;
		rec.modseq = m->modseq;
		rec.vsize = m->size;
		rec.mtime = m->internal_date;
		rec.in_new = maildir_list_in_new(list, i);
		rec.name = maildir_list_name(list, i);
		rec.name_len = strlen(rec.name);
		len += maildir_rec_encode(&rec, buf + len);
		hdr->messages++;
		if (len + MAILDIR_REC_MAX > STATE_WRITE_CHUNK || i + 1 ==
		    list->count) {
			if (write(fd, buf, len) != (ssize_t)len)
				ret = -1;
			hdr->end_offset += len;
			len = 0;
		}
	}
	if (ret == 0 && len > 0) {
		if (write(fd, buf, len) != (ssize_t)len)
			ret = -1;
		hdr->end_offset += len;
	}
	maildir_hdr_encode(hdr, buf);
	if (ret == 0 && pwrite(fd, buf, MAILDIR_HDR_SIZE, 0) !=
	    MAILDIR_HDR_SIZE)
		ret = -1;
	if (ret < 0) {
		if (errno == 0)
			errno = ENOSPC;
		gd_mail_error_errno(err, "write state");
	}
	free(buf);
	return ret;
}

int
maildir_state_rewrite(struct maildir_state *st,
    const struct maildir_list *list, struct gd_mail_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct maildir_hdr hdr = st->hdr;
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", st->dir, MAILDIR_STATE_FILE);
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", st->dir, MAILDIR_STATE_FILE);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		gd_mail_error_errno(err, "create %s", tmp);
		return -1;
	}
	hdr.generation++;
	hdr.garbage = 0;
	hdr.end_offset = 0;
	maildir_boot_id(hdr.boot_id);
	errno = 0;
	if (state_write_all(fd, list, &hdr, err) < 0 ||
	    maildir_fsync(st->cfg, fd, tmp, err) < 0 || fstat(fd, &sb) < 0 ||
	    rename(tmp, path) < 0) {
		if (errno != 0 && (err == NULL || err->code == 0))
			gd_mail_error_errno(err, "replace %s", path);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (st->fd >= 0)
		close(st->fd);
	st->fd = fd;
	st->hdr = hdr;
	st->hdr_dirty = false;
	st->damaged = st->uids_lost = false;
	st->st_dev = sb.st_dev;
	st->st_ino = sb.st_ino;
	st->size = hdr.end_offset;
	return gd_mail_fsync_dir(st->cfg, st->dir, err);
}
