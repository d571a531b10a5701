/*
 * maildir-append.c — APPEND and delivery.
 *
 * The content goes into tmp/ (never visible there); at the end it is
 * synced, given its internal date and its final name (with S= and W=),
 * then, under the mailbox's lock, renamed (or, for a finished spool file,
 * hard-linked) into new/ — or cur/ when it has flags — and recorded with
 * its UID; the directory and the record are synced after the lock is
 * released, and only then is the UID reported: three syncs a message
 * (file, directory entry, record), the last two shared by the messages
 * of one group commit.  Concurrent appends to one mailbox share
 * that lock, record and sync (maildir-group.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir-private.h"

struct maildir_append {
	struct gd_mail_append base;
	struct maildir_store *store;
	char *dir;
	char tmp_path[PATH_MAX];
	int fd;
	uint64_t size, vsize;
	bool last_cr;
	uint32_t flags;
	char **keywords;
	int64_t internal_date;
};

static char **append_copy_keywords(const char *const *keywords);
static void append_free(struct maildir_append *ap);
static int append_name(struct maildir_store *store, const char *dir,
    uint32_t flags, const char *const *keywords, uint64_t size,
    uint64_t vsize, struct maildir_newmsg *nm, struct gd_mail_error *err);
static int commit_repair(struct maildir_state *st, struct gd_mail_error *err);
static void commit_undo(const char *dir, struct maildir_newmsg *msgs,
    size_t n);
static int commit_one(const char *dir, struct maildir_state *st,
    struct maildir_newmsg *m, struct maildir_rec *rec,
    struct maildir_out *out, bool first, struct gd_mail_error *err);
static int commit_place(const char *dir, struct maildir_state *st,
    struct maildir_newmsg *msgs, size_t n, struct gd_mail_error *err);
static int commit_durable(const struct gd_mail_store_config *cfg,
    const char *dir, const struct maildir_newmsg *msgs, size_t n,
    int state_fd, struct gd_mail_error *err);

/* The directory of an existing mailbox (INBOX is made when missing). */
char *
maildir_existing_dir(struct maildir_store *store, const char *name,
    struct gd_mail_error *err)
{
	char *dir = maildir_box_dir(store, NULL, name);

	if (maildir_dir_is_mailbox(dir))
		return dir;
	if (errno == ENOENT && gd_mail_name_is_inbox(name) &&
	    maildir_make_skeleton(dir, false, err) == 0)
		return dir;
	if (errno == ENOENT)
		gd_mail_error_set(err, GD_MAIL_ERR_NOTFOUND, "no mailbox %s",
		    name);
	else
		gd_mail_error_errno(err, "open %s", dir);
	free(dir);
	return NULL;
}

static char **
append_copy_keywords(const char *const *keywords)
{
	char **copy;
	size_t n = 0, i;

	if (keywords == NULL)
		return NULL;
	while (keywords[n] != NULL)
		n++;
	copy = gd_xcalloc(n + 1, sizeof(*copy));
	for (i = 0; i < n; i++)
		copy[i] = gd_xstrdup(keywords[i]);
	return copy;
}

int
maildir_append_start(struct gd_mail_store *gstore, const char *name,
    const struct gd_mail_append_info *info,
    struct gd_mail_append **append_r, struct gd_mail_error *err)
{
	struct maildir_store *store = (struct maildir_store *)gstore;
	struct maildir_module *mod = maildir_module_get(gstore->backend);
	struct maildir_append *ap;
	char base[MAILDIR_NAME_MAX + 1];
	char *dir;

	dir = maildir_existing_dir(store, name, err);
	if (dir == NULL)
		return -1;
	ap = gd_xcalloc(1, sizeof(*ap));
	gd_mail_append_init(&ap->base, gstore);
	ap->store = store;
	ap->dir = dir;
	ap->flags = info->flags & GD_MAIL_SYSTEM_FLAGS;
	ap->keywords = append_copy_keywords(info->keywords);
	ap->internal_date = info->internal_date;
	maildir_fname_unique(base, sizeof(base), mod->host, 0, 0);
	snprintf(ap->tmp_path, sizeof(ap->tmp_path), "%s/tmp/%s", dir, base);
	ap->fd = open(ap->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (ap->fd < 0) {
		gd_mail_error_errno(err, "create %s", ap->tmp_path);
		ap->tmp_path[0] = '\0';
		append_free(ap);
		return -1;
	}
	*append_r = &ap->base;
	return 0;
}

static void
append_free(struct maildir_append *ap)
{
	size_t i;

	if (ap->fd >= 0)
		close(ap->fd);
	if (ap->tmp_path[0] != '\0')
		unlink(ap->tmp_path);
	for (i = 0; ap->keywords != NULL && ap->keywords[i] != NULL; i++)
		free(ap->keywords[i]);
	free(ap->keywords);
	free(ap->dir);
	free(ap);
}

int
maildir_append_write(struct gd_mail_append *gap, const void *data,
    size_t len, struct gd_mail_error *err)
{
	struct maildir_append *ap = (struct maildir_append *)gap;
	const uint8_t *p = data;
	size_t i, done = 0;
	ssize_t n;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n' && !ap->last_cr)
			ap->vsize++;	/* a bare LF is served as CRLF */
		ap->last_cr = p[i] == '\r';
	}
	while (done < len) {
		n = write(ap->fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			gd_mail_error_errno(err, "write %s", ap->tmp_path);
			if (errno == ENOSPC && err != NULL)
				err->code = GD_MAIL_ERR_TEMP;
			return -1;
		}
		done += (size_t)n;
	}
	ap->size += len;
	ap->vsize += len;
	return 0;
}

/* The final name and place of a new message. */
static int
append_name(struct maildir_store *store, const char *dir, uint32_t flags,
    const char *const *keywords, uint64_t size, uint64_t vsize,
    struct maildir_newmsg *nm, struct gd_mail_error *err)
{
	struct maildir_module *mod = maildir_module_get(store->base.backend);
	char base[MAILDIR_NAME_MAX + 1];
	uint64_t letters = 0;
	int n;

	if (keywords != NULL && keywords[0] != NULL &&
	    maildir_keywords_map_dir(store, dir, keywords, &letters, err) < 0)
		return -1;
	n = maildir_fname_unique(base, sizeof(base), mod->host, size, vsize);
	nm->in_new = flags == 0 && letters == 0;
	if (n >= 0 && nm->in_new)
		snprintf(nm->name, sizeof(nm->name), "%s", base);
	else if (n >= 0)
		n = maildir_fname_build(nm->name, sizeof(nm->name), base,
		    (size_t)n, flags, (uint32_t)letters, NULL);
	if (n < 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_LIMIT, "host name too long");
		return -1;
	}
	nm->vsize = vsize;
	return 0;
}

int
maildir_append_end(struct gd_mail_append *gap, uint32_t *uidvalidity_r,
    uint32_t *uid_r, struct gd_mail_error *err)
{
	struct maildir_append *ap = (struct maildir_append *)gap;
	const struct gd_mail_store_config *cfg = &ap->store->cfg->store;
	struct maildir_newmsg nm = { .tmp_path = ap->tmp_path };
	struct timespec ts[2];
	struct stat sb;
	int ret = -1;

	if (ap->internal_date != 0) {
		ts[0].tv_sec = ts[1].tv_sec = (time_t)ap->internal_date;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		futimens(ap->fd, ts);
	}
	if (maildir_fsync(cfg, ap->fd, ap->tmp_path, err) < 0 ||
	    fstat(ap->fd, &sb) < 0 ||
	    append_name(ap->store, ap->dir, ap->flags,
	    (const char *const *)ap->keywords, ap->size, ap->vsize, &nm,
	    err) < 0)
		goto out;
	nm.mtime = (int64_t)sb.st_mtim.tv_sec;
	if (maildir_group_commit(ap->dir, cfg, &nm, uidvalidity_r, err) < 0)
		goto out;
	ap->tmp_path[0] = '\0';		/* it is the message now */
	if (uid_r != NULL)
		*uid_r = nm.uid;
	maildir_quota_add(ap->store->base.root, (int64_t)ap->size, 1);
	ret = 0;
out:
	append_free(ap);
	return ret;
}

void
maildir_append_abort(struct gd_mail_append *gap)
{
	append_free((struct maildir_append *)gap);
}

int
maildir_append_file(struct gd_mail_store *gstore, const char *name,
    const struct gd_mail_append_info *info, int fd, const char *path,
    uint64_t size, uint32_t *uidvalidity_r, uint32_t *uid_r,
    struct gd_mail_error *err)
{
	struct maildir_store *store = (struct maildir_store *)gstore;
	const struct gd_mail_store_config *cfg = &store->cfg->store;
	struct maildir_newmsg nm = { .tmp_path = path, .link = true };
	char tmp[PATH_MAX];
	struct timespec ts[2];
	struct stat sb = { 0 };
	bool bare;
	char *dir;
	int ret;

	dir = maildir_existing_dir(store, name, err);
	if (dir == NULL)
		return -1;
	if (info->internal_date != 0) {
		ts[0].tv_sec = ts[1].tv_sec = (time_t)info->internal_date;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		futimens(fd, ts);
	}
	ret = gd_mail_measure_fd(fd, 0, size, &nm.vsize, &bare, err);
	if (ret == 0 && fstat(fd, &sb) < 0)
		ret = -1;
	if (ret == 0)
		ret = append_name(store, dir, info->flags & GD_MAIL_SYSTEM_FLAGS,
		    info->keywords, size, nm.vsize, &nm, err);
	nm.mtime = (int64_t)sb.st_mtim.tv_sec;
	if (ret == 0)
		ret = maildir_group_commit(dir, cfg, &nm, uidvalidity_r, err);
	if (ret == -2) {
		/* Another file system: copy into tmp/ first. */
		snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, nm.name);
		nm.tmp_path = tmp;
		nm.link = false;
		ret = maildir_copy_file(cfg, fd, tmp, err);
		if (ret == 0 && (ret = maildir_group_commit(dir, cfg, &nm,
		    uidvalidity_r, err)) < 0)
			unlink(tmp);
	}
	if (ret == 0) {
		if (uid_r != NULL)
			*uid_r = nm.uid;
		maildir_quota_add(store->base.root, (int64_t)size, 1);
	}
	free(dir);
	return ret < 0 ? -1 : 0;
}

const char *
maildir_spool_dir(const struct gd_mail_backend *backend)
{
	const struct maildir_config *cfg = maildir_config_current(backend);
	struct stat sb;

	(void)backend;
	if (cfg == NULL || (stat(cfg->spool_dir, &sb) < 0 &&
	    maildir_mkdirs(cfg->spool_dir, NULL) < 0))
		return NULL;
	return cfg->spool_dir;
}

/* ---- commit: make finished files messages ------------------------------- */

/* The state is damaged: rebuild it (as a read-only view would). */
static int
commit_repair(struct maildir_state *st, struct gd_mail_error *err)
{
	struct maildir_box tmp;
	int ret;

	memset(&tmp, 0, sizeof(tmp));
	tmp.base.magic = GD_MAILBOX_MAGIC;
	tmp.base.flags = GD_MAILBOX_READONLY;
	tmp.dir = (char *)st->dir;
	tmp.lock_fd = -1;
	maildir_list_init(&tmp.list);
	tmp.pool = gd_pool_create("maildir-repair");
	{
		const char *names[MAILDIR_KEYWORD_MAX];
		unsigned count = 0;

		if (maildir_keywords_read(st->dir, tmp.pool, names, &count,
		    NULL) == 0)
			tmp.base.keyword_count = count;
	}
	ret = maildir_sync_locked(&tmp, st, true, err);
	maildir_list_free(&tmp.list);
	free(tmp.touched);
	gd_pool_destroy(&tmp.pool);
	return ret;
}

static void
commit_undo(const char *dir, struct maildir_newmsg *msgs, size_t n)
{
	char path[PATH_MAX];
	size_t k;

	for (k = 0; k < n; k++) {
		if (msgs[k].ret != 0)
			continue;	/* not placed */
		snprintf(path, sizeof(path), "%s/%s/%s", dir,
		    msgs[k].in_new ? "new" : "cur", msgs[k].name);
		if (msgs[k].link || rename(path, msgs[k].tmp_path) < 0)
			unlink(path);
	}
}

/* Link or rename one file into place and add its record (its UID is
 * taken once the file is there).  A failure of a message with its own
 * `err` is only its own: 0 is returned and the batch goes on. */
static int
commit_one(const char *dir, struct maildir_state *st, struct maildir_newmsg *m,
    struct maildir_rec *rec, struct maildir_out *out, bool first,
    struct gd_mail_error *err)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s/%s/%s", dir,
	    m->in_new ? "new" : "cur", m->name);
	if ((m->link ? link(m->tmp_path, path) :
	    rename(m->tmp_path, path)) < 0) {
		ret = errno == EXDEV && (first || m->err != NULL) ? -2 : -1;
		gd_mail_error_errno(m->err != NULL ? m->err : err,
		    "place %s", path);
		m->ret = ret;
		return m->err != NULL ? 0 : ret;
	}
	m->ret = 0;
	if (maildir_state_next_uid(st, &m->uid, err) < 0)
		return -1;
	rec->uid = m->uid;
	rec->vsize = m->vsize;
	rec->mtime = m->mtime;
	rec->in_new = m->in_new;
	rec->name = m->name;
	rec->name_len = strlen(m->name);
	maildir_out_add(out, rec);
	return 0;
}

/* Place each file, recording its UID (all with one modseq).  -2
 * (nothing done) when the first link crosses file systems. */
static int
commit_place(const char *dir, struct maildir_state *st,
    struct maildir_newmsg *msgs, size_t n, struct gd_mail_error *err)
{
	struct maildir_rec rec = { .type = MAILDIR_REC_MSG };
	struct maildir_out out = { 0 };
	size_t k;
	int ret = 0;

	for (k = 0; k < n; k++)
		msgs[k].ret = -1;
	if (maildir_state_next_modseq(st, &rec.modseq, err) < 0)
		return -1;
	for (k = 0; k < n && ret == 0; k++)
		ret = commit_one(dir, st, &msgs[k], &rec, &out, k == 0, err);
	if (ret == 0 && maildir_out_flush(&out, st, err) < 0)
		ret = -1;
	if (ret != 0)
		commit_undo(dir, msgs, n);
	maildir_out_free(&out);
	return ret;
}

int
maildir_commit(const char *dir, const struct gd_mail_store_config *cfg,
    struct maildir_newmsg *msgs, size_t n, uint32_t *uidvalidity_r,
    struct gd_mail_error *err)
{
	struct maildir_state st;

	if (maildir_state_begin(&st, dir, cfg, -1, err) < 0)
		return -1;
	return maildir_commit_locked(&st, msgs, n, uidvalidity_r, err);
}

/*
 * After the lock: sync the directories that got files and the state
 * file's new records (`state_fd`, a duplicate: -1 when not syncing), so
 * that an acknowledged message keeps its entry and its UID after an OS
 * crash.  Others may see the message meanwhile, as before the entry's
 * sync.
 */
static int
commit_durable(const struct gd_mail_store_config *cfg, const char *dir,
    const struct maildir_newmsg *msgs, size_t n, int state_fd,
    struct gd_mail_error *err)
{
	char path[PATH_MAX];
	bool any_new = false, any_cur = false;
	size_t k;
	int ret = 0;

	for (k = 0; k < n; k++) {
		any_new |= msgs[k].ret == 0 && msgs[k].in_new;
		any_cur |= msgs[k].ret == 0 && !msgs[k].in_new;
	}
	snprintf(path, sizeof(path), "%s/new", dir);
	if (any_new && gd_mail_fsync_dir(cfg, path, err) < 0)
		ret = -1;
	snprintf(path, sizeof(path), "%s/cur", dir);
	if (ret == 0 && any_cur && gd_mail_fsync_dir(cfg, path, err) < 0)
		ret = -1;
	if (ret == 0 && state_fd >= 0 && fdatasync(state_fd) < 0) {
		gd_mail_error_errno(err, "fsync %s/%s", dir,
		    MAILDIR_STATE_FILE);
		ret = -1;
	}
	if (state_fd >= 0)
		close(state_fd);
	return ret;
}

int
maildir_commit_locked(struct maildir_state *st, struct maildir_newmsg *msgs,
    size_t n, uint32_t *uidvalidity_r, struct gd_mail_error *err)
{
	const struct gd_mail_store_config *cfg = st->cfg;
	const char *dir = st->dir;
	uint64_t end;
	int ret, state_fd = -1;

	ret = maildir_state_read(st, st->hdr.end_offset, NULL, NULL, &end,
	    err);
	if (ret == 0 && st->damaged)
		ret = commit_repair(st, err);
	if (ret == 0)
		ret = commit_place(dir, st, msgs, n, err);
	if (ret == 0 && cfg->fsync && st->fd >= 0)
		state_fd = fcntl(st->fd, F_DUPFD_CLOEXEC, 0);
	if (uidvalidity_r != NULL)
		*uidvalidity_r = st->hdr.uidvalidity;
	if (maildir_state_end(st, ret == 0 ? err : NULL) < 0 && ret == 0)
		ret = -1;
	if (ret != 0) {
		if (state_fd >= 0)
			close(state_fd);
		return ret;
	}
	return commit_durable(cfg, dir, msgs, n, state_fd, err);
}

int
maildir_copy_file(const struct gd_mail_store_config *cfg, int from_fd,
    const char *to, struct gd_mail_error *err)
{
	char buf[65536];
	struct timespec ts[2];
	struct stat sb;
	off_t off = 0;
	ssize_t n;
	int fd;

	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		gd_mail_error_errno(err, "create %s", to);
		return -1;
	}
	while ((n = pread(from_fd, buf, sizeof(buf), off)) > 0) {
		if (write(fd, buf, (size_t)n) != n)
			break;
		off += n;
	}
	if (n != 0 || fstat(from_fd, &sb) < 0) {
		if (n > 0)
			errno = errno != 0 ? errno : ENOSPC;
		gd_mail_error_errno(err, "copy to %s", to);
		close(fd);
		unlink(to);
		return -1;
	}
	ts[0] = sb.st_atim;
	ts[1] = sb.st_mtim;
	futimens(fd, ts);
	if (maildir_fsync(cfg, fd, to, err) < 0) {
		close(fd);
		unlink(to);
		return -1;
	}
	close(fd);
	return 0;
}
