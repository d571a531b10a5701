/*
 * maildir-keywords.c — the dovecot-keywords file, shared with Dovecot so
 * that keywords interoperate: lines "<index> <name>", index 0 is the
 * letter 'a' in file names.  Indexes only grow.  Writers take Dovecot's
 * dotlock (dovecot-keywords.lock, created exclusively, written, then
 * renamed over the file).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maildir-private.h"

#define KW_FILE_MAX		65536
#define KW_LOCK_STALE_SEC	30
#define KW_LOCK_TRIES		1000	/* 10 ms apart */

static void kw_parse(char *text, struct gd_pool *pool,
    const char *names[MAILDIR_KEYWORD_MAX]);
static int kw_lock(const char *dir, char *lock, size_t size,
    struct gd_mail_error *err);
static int kw_write(struct maildir_box *box, int fd, const char *lock,
    struct gd_mail_error *err);

static void
kw_parse(char *text, struct gd_pool *pool,
    const char *names[MAILDIR_KEYWORD_MAX])
{
	char *line, *save = NULL, *end, *name;
	unsigned long idx;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		errno = 0;
		idx = strtoul(line, &end, 10);
		if (errno != 0 || end == line || *end != ' ' ||
		    idx >= MAILDIR_KEYWORD_MAX)
			continue;
		name = end + 1;
		name[strcspn(name, "\r")] = '\0';
		if (*name == '\0' || strpbrk(name, " ()[]{}%*\"\\") != NULL)
			continue;
		names[idx] = gd_pool_strdup(pool, name);
	}
}

int
maildir_keywords_read(const char *dir, struct gd_pool *pool,
    const char *names[MAILDIR_KEYWORD_MAX], unsigned *count_r,
    struct gd_mail_error *err)
{
	char path[PATH_MAX], *text;
	ssize_t n;
	unsigned i;
	int fd;

	memset(names, 0, MAILDIR_KEYWORD_MAX * sizeof(*names));
	*count_r = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, MAILDIR_KEYWORDS_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		gd_mail_error_errno(err, "open %s", path);
		return -1;
	}
	text = gd_xmalloc(KW_FILE_MAX + 1);
	n = read(fd, text, KW_FILE_MAX);
	close(fd);
	if (n < 0) {
		gd_mail_error_errno(err, "read %s", path);
		free(text);
		return -1;
	}
	text[n] = '\0';
	kw_parse(text, pool, names);
	free(text);
	for (i = 0; i < MAILDIR_KEYWORD_MAX && names[i] != NULL; i++)
		;
	*count_r = i;
	return 0;
}

int
maildir_keywords_refresh(struct maildir_box *box, bool *grew,
    struct gd_mail_error *err)
{
	const char *names[MAILDIR_KEYWORD_MAX];
	char path[PATH_MAX];
	struct stat sb;
	unsigned count, i;

	snprintf(path, sizeof(path), "%s/%s", box->dir,
	    MAILDIR_KEYWORDS_FILE);
	if (stat(path, &sb) < 0)
		return 0;
	if (sb.st_ino == box->kw_ino && sb.st_mtim.tv_sec ==
	    box->kw_mtime_sec && sb.st_mtim.tv_nsec == box->kw_mtime_nsec)
		return 0;
	if (maildir_keywords_read(box->dir, box->pool, names, &count,
	    err) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		if (i < box->base.keyword_count &&
		    strcasecmp(box->base.keywords[i], names[i]) == 0)
			continue;
		box->base.keywords[i] = names[i];
		*grew = true;
	}
	if (count > box->base.keyword_count)
		box->base.keyword_count = count;
	box->kw_ino = sb.st_ino;
	box->kw_mtime_sec = sb.st_mtim.tv_sec;
	box->kw_mtime_nsec = sb.st_mtim.tv_nsec;
	return 0;
}

static int
kw_lock(const char *dir, char *lock, size_t size, struct gd_mail_error *err)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	struct stat sb;
	int fd, tries;

	snprintf(lock, size, "%s/%s.lock", dir, MAILDIR_KEYWORDS_FILE);
	for (tries = 0; tries < KW_LOCK_TRIES; tries++) {
		fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST) {
			gd_mail_error_errno(err, "create %s", lock);
			return -1;
		}
		if (stat(lock, &sb) == 0 &&
		    sb.st_mtime + KW_LOCK_STALE_SEC < time(NULL))
			unlink(lock);
		else
			nanosleep(&pause, NULL);
	}
	gd_mail_error_set(err, GD_MAIL_ERR_TEMP, "%s: held too long", lock);
	return -1;
}

static int
kw_write(struct maildir_box *box, int fd, const char *lock,
    struct gd_mail_error *err)
{
	char path[PATH_MAX], line[512];
	unsigned i;
	int n;

	for (i = 0; i < box->base.keyword_count; i++) {
		n = snprintf(line, sizeof(line), "%u %s\n", i,
		    box->base.keywords[i]);
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    write(fd, line, (size_t)n) != n) {
			gd_mail_error_errno(err, "write %s", lock);
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", box->dir,
	    MAILDIR_KEYWORDS_FILE);
	if (maildir_fsync(&box->store->cfg->store, fd, lock, err) < 0)
		return -1;
	if (rename(lock, path) < 0) {
		gd_mail_error_errno(err, "rename %s", lock);
		return -1;
	}
	return 0;
}

/* Bits of names all already known, or false. */
static bool
kw_known(struct maildir_box *box, const char *const *names, uint64_t *bits)
{
	int i;

	*bits = 0;
	for (; *names != NULL; names++) {
		i = gd_mailbox_keyword_index(&box->base, *names);
		if (i < 0)
			return false;
		*bits |= (uint64_t)1 << i;
	}
	return true;
}

int
maildir_keywords_map(struct maildir_box *box, const char *const *names,
    uint64_t *bits_r, struct gd_mail_error *err)
{
	char lock[PATH_MAX];
	bool grew = false, added = false;
	int fd, ret;

	if (maildir_keywords_refresh(box, &grew, err) < 0)
		return -1;
	if (kw_known(box, names, bits_r))
		return 0;
	fd = kw_lock(box->dir, lock, sizeof(lock), err);
	if (fd < 0)
		return -1;
	box->kw_ino = 0;	/* read it again under the lock */
	ret = maildir_keywords_refresh(box, &grew, err);
	if (ret == 0)
		ret = gd_mailbox_keywords_map(&box->base, box->pool, names,
		    bits_r, &added, err);
	if (ret == 0 && added)
		ret = kw_write(box, fd, lock, err);
	if (ret < 0 || !added)
		unlink(lock);
	close(fd);
	return ret;
}

int
maildir_keywords_map_dir(struct maildir_store *store, const char *dir,
    const char *const *names, uint64_t *bits_r, struct gd_mail_error *err)
{
	struct maildir_box *tmp = gd_xcalloc(1, sizeof(*tmp));
	int ret;

	tmp->base.magic = GD_MAILBOX_MAGIC;
	tmp->base.store = &store->base;
	tmp->base.keyword_max = MAILDIR_KEYWORD_MAX;
	tmp->store = store;
	tmp->dir = (char *)dir;
	tmp->pool = gd_pool_create("maildir-keywords");
	ret = maildir_keywords_map(tmp, names, bits_r, err);
	gd_pool_destroy(&tmp->pool);
	free(tmp);
	return ret;
}
