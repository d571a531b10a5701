/*
 * mbox-lock.c — locking an mbox the way mutt and procmail do, plus
 * exclusion between our own threads.
 *
 *   dotlock  FILE.lock made by link() from a file holding our pid
 *            (the NFS-safe way); broken when older than dotlock-stale
 *            or when its pid is dead on this host.  link() also
 *            excludes our own threads.
 *   fcntl    a write lock on the whole mbox, taken as an open file
 *            description (OFD) lock: it conflicts with the classic
 *            fcntl locks of other programs AND with the OFD locks of our
 *            other threads (classic locks would not: they belong to the
 *            process).
 * The dotlock is taken first (as procmail does).  Both wait by polling
 * with a growing sleep, up to lock-timeout.  A file replaced by a
 * rename while we waited is opened again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mbox-private.h"

#define MBOX_LOCK_SLEEP_MAX_MS	32

static void
mbox_lock_sleep(unsigned *ms)
{
	struct timespec ts;

	ts.tv_sec = 0;
	ts.tv_nsec = (long)*ms * 1000000L;
	nanosleep(&ts, NULL);
	if (*ms < MBOX_LOCK_SLEEP_MAX_MS)
		*ms *= 2;
}

/* A dotlock whose owner is gone: too old, or its pid is dead here. */
static bool
mbox_dotlock_stale(const struct mbox_config *cfg, const char *path,
    const struct stat *st)
{
	char buf[32];
	long pid;
	ssize_t n;
	int fd;

	if ((uint64_t)(time(NULL) - st->st_mtime) * 1000 >
	    cfg->dotlock_stale_ms)
		return true;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static void
mbox_dotlock_break(const struct mbox_config *cfg, const char *path)
{
	struct stat st, again;

	if (lstat(path, &st) < 0 || !mbox_dotlock_stale(cfg, path, &st))
		return;
	/* Only the lock we judged: not one created since. */
	if (lstat(path, &again) == 0 && again.st_ino == st.st_ino &&
	    again.st_dev == st.st_dev) {
		gd_log(GD_LOG_NOTICE, "mbox.dotlock.stale", "path=%s", path);
		unlink(path);
	}
}

/*
 * Create the dotlock already holding our pid: a temporary file is
 * written, then link()ed to the lock name (which fails if it exists, on
 * NFS too), so no lock is ever seen empty, even after a crash.
 */
static int
mbox_dotlock_try(struct mbox_lock *lock)
{
	struct stat st;
	char *tmp, pid[24];
	int fd, len, rc = -1, saved;

	tmp = gd_xasprintf("%s.%ld.XXXXXX", lock->p->lock, (long)getpid());
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (mbox_write_all(fd, pid, (size_t)len) == 0 && fchmod(fd, 0644) == 0)
		rc = link(tmp, lock->p->lock);
	saved = errno;
	if (rc == 0 && fstat(fd, &st) == 0) {
		lock->lock_dev = st.st_dev;
		lock->lock_ino = st.st_ino;
		lock->dotlocked = true;
	} else if (rc == 0) {
		unlink(lock->p->lock);
		rc = -1;
	}
	close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}

static int
mbox_dotlock(struct mbox_lock *lock, uint64_t deadline,
    struct gd_mail_error *err)
{
	unsigned ms = 1;

	for (;;) {
		if (mbox_dotlock_try(lock) == 0)
			return 0;
		if (errno != EEXIST) {
			gd_mail_error_errno(err, "creating %s", lock->p->lock);
			if (err != NULL && err->code == GD_MAIL_ERR_NOTFOUND)
				err->code = GD_MAIL_ERR_TEMP;
			return -1;
		}
		mbox_dotlock_break(lock->cfg, lock->p->lock);
		if (gd_now_ms() >= deadline) {
			gd_mail_error_set(err, GD_MAIL_ERR_TEMP,
			    "mailbox is locked (%s)", lock->p->lock);
			return -1;
		}
		mbox_lock_sleep(&ms);
	}
}

static int
mbox_ofd_try(int fd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	return fcntl(fd, F_OFD_SETLK, &fl);
}

static int
mbox_ofd_lock(int fd, uint64_t deadline, struct gd_mail_error *err)
{
	unsigned ms = 1;

	while (mbox_ofd_try(fd) < 0) {
		if (errno != EAGAIN && errno != EACCES && errno != EINTR) {
			gd_mail_error_errno(err, "locking the mbox");
			return -1;
		}
		if (gd_now_ms() >= deadline) {
			gd_mail_error_set(err, GD_MAIL_ERR_TEMP,
			    "mailbox is locked by another program");
			return -1;
		}
		mbox_lock_sleep(&ms);
	}
	return 0;
}

int
mbox_lock_fd_now(const struct mbox_config *cfg, int fd)
{
	if (!(cfg->locking & MBOX_LOCK_FCNTL))
		return 0;
	return mbox_ofd_try(fd);
}

/* Open the mbox and lock it; 1 when it was replaced meanwhile. */
static int
mbox_lock_open(struct mbox_lock *lock, uint64_t deadline,
    struct gd_mail_error *err)
{
	struct stat a, b;
	int fd;

	fd = open(lock->p->file, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		gd_mail_error_errno(err, "opening %s", lock->p->file);
		return -1;
	}
	if ((lock->cfg->locking & MBOX_LOCK_FCNTL) &&
	    mbox_ofd_lock(fd, deadline, err) < 0) {
		close(fd);
		return -1;
	}
	if (fstat(fd, &a) < 0 || stat(lock->p->file, &b) < 0 ||
	    a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return 1;
	}
	lock->fd = fd;
	return 0;
}

int
mbox_lock_take(const struct mbox_config *cfg, const struct mbox_paths *p,
    struct mbox_lock *lock, struct gd_mail_error *err)
{
	uint64_t deadline = gd_now_ms() + cfg->lock_timeout_ms;
	int rc;

	memset(lock, 0, sizeof(*lock));
	lock->fd = -1;
	lock->p = p;
	lock->cfg = cfg;
	if ((cfg->locking & MBOX_LOCK_DOTLOCK) &&
	    mbox_dotlock(lock, deadline, err) < 0)
		return -1;
	while ((rc = mbox_lock_open(lock, deadline, err)) == 1) {
		if (gd_now_ms() >= deadline) {
			gd_mail_error_set(err, GD_MAIL_ERR_TEMP,
			    "mailbox keeps changing");
			rc = -1;
			break;
		}
	}
	if (rc < 0)
		mbox_lock_release(lock);
	return rc;
}

void
mbox_lock_swap(struct mbox_lock *lock, int newfd)
{
	if (lock->fd >= 0)
		close(lock->fd);
	lock->fd = newfd;
}

void
mbox_lock_release(struct mbox_lock *lock)
{
	struct stat st;

	if (lock->fd >= 0)
		close(lock->fd);
	lock->fd = -1;
	if (lock->dotlocked && lstat(lock->p->lock, &st) == 0 &&
	    st.st_ino == lock->lock_ino && st.st_dev == lock->lock_dev)
		unlink(lock->p->lock);
	lock->dotlocked = false;
}
