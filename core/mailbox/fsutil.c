/*
 * fsutil.c — durable file-system steps shared by the backends: replacing
 * a small file atomically (syncing a directory: dirsync.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <gumdrop/pool.h>

#include "mailbox-private.h"

int
mail_write_all(int fd, const void *data, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)data,
	    .iov_len = len };

	return mail_writev_all(fd, &iov, 1);
}

int
mail_writev_all(int fd, struct iovec *iov, int cnt)
{
	ssize_t n;

	for (; cnt > 0 && iov->iov_len == 0; iov++)
		cnt--;
	while (cnt > 0) {
		n = writev(fd, iov, cnt);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (; cnt > 0 && (size_t)n >= iov->iov_len; iov++, cnt--)
			n -= (ssize_t)iov->iov_len;
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* The directory part of `path` ("." when it has none), in `buf`. */
static const char *
mail_dirname(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return ".";
	if (slash == path)
		return "/";
	snprintf(buf, size, "%.*s", (int)(slash - path), path);
	return buf;
}

int
gd_mail_write_file_atomic(const struct gd_mail_store_config *cfg,
    const char *path, const void *data, size_t len,
    struct gd_mail_error *err)
{
	char tmp[4096], dir[4096];
	int fd;

	MAIL_ASSERT_BLOCKING();
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d.%lx", path,
	    (int)getpid(), (unsigned long)pthread_self()) >= sizeof(tmp)) {
		gd_mail_error_set(err, GD_MAIL_ERR_BADNAME, "path too long");
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		gd_mail_error_errno(err, "create %s", tmp);
		return -1;
	}
	if (mail_write_all(fd, data, len) < 0 ||
	    ((cfg == NULL || cfg->fsync) && fsync(fd) < 0)) {
		gd_mail_error_errno(err, "write %s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		gd_mail_error_errno(err, "rename %s", tmp);
		unlink(tmp);
		return -1;
	}
	return gd_mail_fsync_dir(cfg, mail_dirname(path, dir, sizeof(dir)),
	    err);
}
