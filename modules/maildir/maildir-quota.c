/*
 * maildir-quota.c — usage in the Maildir++ `maildirsize` file at the
 * store root (the Courier/Dovecot format):
 *   line 1: the limits, "<bytes>S,<count>C" (0: none)
 *   then:   "<bytes> <count>" deltas, appended by every change
 * The usage is the sum of the deltas.  The file is recalculated by
 * scanning every folder when it is missing, larger than 5120 bytes or
 * older than 15 minutes, as Maildir++ specifies.  Sizes are the files'
 * physical sizes (S=).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maildir-private.h"

#define QUOTA_FILE_MAX		5120
#define QUOTA_MAX_AGE_SEC	(15 * 60)

static int quota_read(const char *path, uint64_t *bytes_r,
    uint64_t *count_r);
static void quota_scan_dir(const char *dir, uint64_t *bytes,
    uint64_t *count);
static int quota_recalc(struct maildir_store *store, const char *path,
    uint64_t *bytes_r, uint64_t *count_r, struct gd_mail_error *err);
static uint64_t quota_limit(uint64_t user, uint64_t config);

void
maildir_quota_add(const char *root, int64_t bytes, int64_t messages)
{
	char path[PATH_MAX], line[64];
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", root, MAILDIR_QUOTA_FILE);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;		/* the next reader recalculates */
	n = snprintf(line, sizeof(line), "%" PRId64 " %" PRId64 "\n", bytes,
	    messages);
	/* One write: O_APPEND keeps concurrent lines whole. */
	if (write(fd, line, (size_t)n) != n)
		unlink(path);
	close(fd);
}

/* Sum the deltas; -1 when the file must be recalculated. */
static int
quota_read(const char *path, uint64_t *bytes_r, uint64_t *count_r)
{
	char buf[QUOTA_FILE_MAX + 1], *line, *save = NULL;
	long long b, c, tb = 0, tc = 0;
	struct stat sb;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || sb.st_size > QUOTA_FILE_MAX ||
	    sb.st_mtime + QUOTA_MAX_AGE_SEC < time(NULL) ||
	    (n = read(fd, buf, QUOTA_FILE_MAX)) <= 0) {
		close(fd);
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	line = strtok_r(buf, "\n", &save);	/* the limits */
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		if (sscanf(line, "%lld %lld", &b, &c) != 2)
			return -1;
		tb += b;
		tc += c;
	}
	if (tb < 0 || tc < 0)
		return -1;
	*bytes_r = (uint64_t)tb;
	*count_r = (uint64_t)tc;
	return 0;
}

static void
quota_scan_dir(const char *dir, uint64_t *bytes, uint64_t *count)
{
	char path[PATH_MAX];
	struct maildir_fname f;
	struct dirent *d;
	struct stat sb;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (!maildir_fname_parse(d->d_name, strlen(d->d_name), &f))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (f.size == UINT64_MAX) {
			if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
				continue;
			f.size = (uint64_t)sb.st_size;
		}
		*bytes += f.size;
		(*count)++;
	}
	closedir(dp);
}

static uint64_t
quota_limit(uint64_t user, uint64_t config)
{
	if (user == UINT64_MAX)
		return 0;
	return user != 0 ? user : config;
}

static int
quota_recalc(struct maildir_store *store, const char *path,
    uint64_t *bytes_r, uint64_t *count_r, struct gd_mail_error *err)
{
	const char *root = store->base.root;
	uint64_t bytes = 0, count = 0;
	char sub[PATH_MAX], text[128];
	struct dirent *d;
	DIR *dp;
	int n;

	snprintf(sub, sizeof(sub), "%s/cur", root);
	quota_scan_dir(sub, &bytes, &count);
	snprintf(sub, sizeof(sub), "%s/new", root);
	quota_scan_dir(sub, &bytes, &count);
	if ((dp = opendir(root)) == NULL) {
		gd_mail_error_errno(err, "read %s", root);
		return -1;
	}
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] != '.' || strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/cur", root, d->d_name);
		quota_scan_dir(sub, &bytes, &count);
		snprintf(sub, sizeof(sub), "%s/%s/new", root, d->d_name);
		quota_scan_dir(sub, &bytes, &count);
	}
	closedir(dp);
	n = snprintf(text, sizeof(text), "%" PRIu64 "S,%" PRIu64 "C\n%" PRIu64
	    " %" PRIu64 "\n", quota_limit(store->base.user.quota_storage,
	    store->cfg->store.quota_storage),
	    quota_limit(store->base.user.quota_messages,
	    store->cfg->store.quota_messages), bytes, count);
	*bytes_r = bytes;
	*count_r = count;
	/* A failed write only means the next reader recalculates again. */
	(void)gd_mail_write_file_atomic(&store->cfg->store, path, text,
	    (size_t)n, NULL);
	return 0;
}

int
maildir_quota_usage(struct gd_mail_store *gstore, uint64_t *bytes_r,
    uint64_t *messages_r, struct gd_mail_error *err)
{
	struct maildir_store *store = (struct maildir_store *)gstore;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", gstore->root,
	    MAILDIR_QUOTA_FILE);
	if (quota_read(path, bytes_r, messages_r) == 0)
		return 0;
	return quota_recalc(store, path, bytes_r, messages_r, err);
}
