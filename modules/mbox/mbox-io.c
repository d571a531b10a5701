/*
 * mbox-io.c — small I/O helpers: whole writes and reads, range copies,
 * syncs that follow the store's `fsync` setting, temporary files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mbox-private.h"

#define MBOX_COPY_CHUNK	(64 * 1024)

int
mbox_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
mbox_pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

ssize_t
mbox_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(fd, p + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
mbox_copy_range(int in, uint64_t off, uint64_t len, int out)
{
	char *buf = gd_xmalloc(MBOX_COPY_CHUNK);
	size_t want;
	ssize_t n;
	int rc = 0;

	while (len > 0 && rc == 0) {
		want = len < MBOX_COPY_CHUNK ? (size_t)len : MBOX_COPY_CHUNK;
		n = mbox_pread_full(in, buf, want, off);
		if (n != (ssize_t)want) {
			if (n >= 0)
				errno = EIO;	/* the source shrank */
			rc = -1;
			break;
		}
		rc = mbox_write_all(out, buf, want);
		off += want;
		len -= want;
	}
	free(buf);
	return rc;
}

int
mbox_fsync(const struct mbox_config *cfg, int fd)
{
	if (!cfg->store.fsync)
		return 0;
	return fdatasync(fd);
}

int
mbox_fsync_dir(const struct mbox_config *cfg, const char *dir)
{
	int fd, rc;

	if (!cfg->store.fsync)
		return 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
mbox_tmp_open(const char *dir, const char *base, char **path_r)
{
	char *path;
	int fd;

	path = gd_xasprintf("%s/.%s.gdtmp.XXXXXX", dir, base);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		free(path);
		return -1;
	}
	*path_r = path;
	return fd;
}

int64_t
mbox_mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 +
	    st->st_mtim.tv_nsec;
}

int
mbox_tail_crc(int fd, uint64_t size, uint32_t *crc_r)
{
	char buf[MBOX_TAIL_CRC_LEN];
	uint64_t off = size > sizeof(buf) ? size - sizeof(buf) : 0;
	ssize_t n;

	n = mbox_pread_full(fd, buf, (size_t)(size - off), off);
	if (n < 0)
		return -1;
	if ((uint64_t)n != size - off) {
		errno = ESTALE;
		return -1;
	}
	*crc_r = mbox_crc32(0, buf, (size_t)n);
	return 0;
}

uint64_t
mbox_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
