/*
 * dmarc-report-file.c — the file side of the report builder: gzip with
 * zlib and the atomic write (temporary file, fsync, rename, fsync of the
 * folder), so a reader of SPOOL/out/ never sees half a report.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dmarc-report.h"

int
dmarc_report_gzip(const char *in, size_t len, struct dmarc_buf *out)
{
	z_stream z;
	uLong bound;
	int rc;

	memset(&z, 0, sizeof(z));
	if (len > UINT32_MAX / 2)
		return -1;
	/* 15 + 16: a gzip header and trailer instead of zlib's. */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)len) + 64;
	dmarc_buf_free(out);
	if ((out->p = malloc(bound)) == NULL) {
		(void)deflateEnd(&z);
		return -1;
	}
	out->cap = bound;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->p;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	(void)deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

static int
dmarc_report_write_fd(int fd, const char *data, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		data += w;
		len -= (size_t)w;
	}
	return fsync(fd);
}

static int
dmarc_report_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	(void)close(fd);
	return rc;
}

int
dmarc_report_write(const char *dir, const char *name, const void *data,
    size_t len)
{
	char tmp[4096], path[4096];
	int fd, saved;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >=
	    sizeof(tmp) || (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
	    name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (dmarc_report_write_fd(fd, data, len) != 0) {
		saved = errno;
		(void)close(fd);
		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		(void)unlink(tmp);
		errno = saved;
		return -1;
	}
	return dmarc_report_sync_dir(dir);
}
