/*
 * mbox-store.c — opening a user's store, its UIDVALIDITY source, and
 * quota usage (summed from the sidecars, scanning where they are stale).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "mbox-private.h"

#define MBOX_UIDVALIDITY_FILE	".gumdrop-uidvalidity"

int
mbox_create_file(struct mbox_store *st, const struct mbox_paths *p,
    bool excl, struct gd_mail_error *err)
{
	int fd;

	if (mbox_mkdirs(st, p->dir, err) < 0)
		return -1;
	fd = open(p->file, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (excl ? O_EXCL : 0), 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			gd_mail_error_set(err, GD_MAIL_ERR_EXISTS,
			    "mailbox exists");
		else
			gd_mail_error_errno(err, "creating %s", p->file);
		return -1;
	}
	close(fd);
	if (mbox_fsync_dir(st->cfg, p->dir) < 0) {
		gd_mail_error_errno(err, "syncing %s", p->dir);
		return -1;
	}
	return 0;
}

static int
mbox_store_prepare(struct mbox_store *st, unsigned flags,
    struct gd_mail_error *err)
{
	struct mbox_paths p;
	struct stat sb;
	int rc;

	if (stat(st->base.root, &sb) < 0) {
		if (errno != ENOENT || !(flags & GD_MAIL_STORE_CREATE)) {
			gd_mail_error_errno(err, "store %s", st->base.root);
			return -1;
		}
		if (mbox_mkdirs(st, st->base.root, err) < 0)
			return -1;
		st->base.created = true;
	} else if (!S_ISDIR(sb.st_mode)) {
		gd_mail_error_set(err, GD_MAIL_ERR_CORRUPT,
		    "store %s is not a directory", st->base.root);
		return -1;
	}
	if (mbox_paths_make(st, "INBOX", &p, err) < 0)
		return -1;
	rc = 0;
	if (access(p.file, F_OK) < 0)
		rc = mbox_create_file(st, &p, false, err);
	mbox_paths_free(&p);
	return rc;
}

int
mbox_store_open(const struct gd_mail_backend *backend,
    const struct gd_mail_user *user, unsigned flags,
    struct gd_mail_store **store_r, struct gd_mail_error *err)
{
	const struct mbox_config *cfg = mbox_config_get(backend);
	struct gd_pool *pool;
	struct mbox_store *st;
	char *root;

	if (cfg == NULL) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTSUPP,
		    "the mbox module is not initialised");
		return -1;
	}
	pool = gd_pool_create("mbox-store");
	root = gd_mail_store_root(&cfg->store, user, pool, err);
	if (root == NULL) {
		gd_pool_destroy(&pool);
		return -1;
	}
	st = gd_pool_alloc(pool, sizeof(*st));
	gd_mail_store_init(&st->base, backend, &cfg->store, user, root, pool);
	st->base.control_dir = st->base.root;
	st->cfg = cfg;
	if (mbox_store_prepare(st, flags, err) < 0) {
		gd_pool_destroy(&pool);
		return -1;
	}
	*store_r = &st->base;
	return 0;
}

void
mbox_store_close(struct gd_mail_store *store)
{
	(void)store;	/* everything is in the store's pool */
}

uint32_t
mbox_new_uidvalidity(struct mbox_store *st)
{
	uint32_t now = (uint32_t)time(NULL), v = now;
	char *path, buf[32];
	ssize_t n;
	int fd;

	path = gd_xasprintf("%s/%s", st->base.root, MBOX_UIDVALIDITY_FILE);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		if (fd >= 0)
			close(fd);
		return now;
	}
	n = mbox_pread_full(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		v = (uint32_t)strtoul(buf, NULL, 10) + 1;
		if (v < now || v == 0)
			v = now;
	}
	n = snprintf(buf, sizeof(buf), "%u\n", v);
	if (ftruncate(fd, 0) == 0)
		(void)mbox_pwrite_all(fd, buf, (size_t)n, 0);
	close(fd);		/* releases the flock */
	return v;
}

struct mbox_quota_walk {
	struct mbox_store *st;
	uint64_t bytes;
	uint64_t messages;
	struct gd_mail_error *err;
};

static int
mbox_quota_one(void *arg, const char *name, unsigned attrs)
{
	struct mbox_quota_walk *q = arg;
	struct mbox_fstate fs;
	struct mbox_paths p;
	uint32_t i;
	int rc;

	if (attrs & GD_MAIL_LIST_NOSELECT)
		return 0;
	if (mbox_paths_make(q->st, name, &p, q->err) < 0)
		return -1;
	memset(&fs, 0, sizeof(fs));
	rc = mbox_file_peek(q->st, &p, &fs, q->err);
	if (rc == 0) {
		for (i = 0; i < fs.count; i++)
			q->bytes += fs.msgs[i].size;
		q->messages += fs.count;
	} else if (q->err != NULL && q->err->code == GD_MAIL_ERR_NOTFOUND)
		rc = 0;		/* deleted meanwhile */
	mbox_fstate_free(&fs);
	mbox_paths_free(&p);
	return rc;
}

int
mbox_quota_usage(struct gd_mail_store *store, uint64_t *bytes_r,
    uint64_t *messages_r, struct gd_mail_error *err)
{
	struct mbox_quota_walk q;

	memset(&q, 0, sizeof(q));
	q.st = mbox_store_of(store);
	q.err = err;
	if (mbox_list(store, mbox_quota_one, &q, err) < 0)
		return -1;
	*bytes_r = q.bytes;
	*messages_r = q.messages;
	return 0;
}
