/*
 * mbox-names.c — the namespace: listing, create, delete, rename.
 *
 * A mailbox is a file NAME.mbox; a directory NAME/ holds its children.
 * A directory without its own file is a \Noselect placeholder.  Files
 * and directories whose names the codec does not produce (hidden files,
 * lock files, other software's files) are ignored.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mbox-private.h"

#define MBOX_LIST_DEPTH	256

struct mbox_list_ctx {
	struct mbox_store *st;
	struct gd_pool *pool;
	gd_mail_list_raw_fn *fn;
	void *arg;
	struct gd_mail_error *err;
	size_t ext_len;
};

static int mbox_list_dir(struct mbox_list_ctx *l, const char *dir,
    const char *prefix, unsigned depth);

/* The decoded component of directory entry `ent`, or NULL to skip it. */
static const char *
mbox_list_decode(struct mbox_list_ctx *l, const char *ent, size_t len)
{
	char *enc = gd_pool_strndup(l->pool, ent, len);
	const char *name;

	if (len == 0 || ent[0] == '.')
		return NULL;
	name = gd_mail_name_decode(l->pool, enc);
	if (name == NULL || name[0] == '\0' ||
	    strchr(name, GD_MAIL_DELIM) != NULL)
		return NULL;
	return name;
}

static int
mbox_list_entry(struct mbox_list_ctx *l, const char *dir, const char *prefix,
    const char *ent, unsigned depth)
{
	const char *ext = l->st->cfg->ext, *comp, *name;
	char *path = gd_pool_printf(l->pool, "%s/%s", dir, ent);
	size_t len = strlen(ent);
	struct stat sb;

	if (ent[0] == '.' || lstat(path, &sb) < 0)
		return 0;
	if (S_ISREG(sb.st_mode) && len > l->ext_len &&
	    strcmp(ent + len - l->ext_len, ext) == 0) {
		comp = mbox_list_decode(l, ent, len - l->ext_len);
		if (comp == NULL || (prefix[0] == '\0' &&
		    gd_mail_name_is_inbox(comp) && strcmp(comp, "INBOX") != 0))
			return 0;
		name = gd_pool_printf(l->pool, "%s%s", prefix, comp);
		return l->fn(l->arg, name, 0);
	}
	if (!S_ISDIR(sb.st_mode) || (comp = mbox_list_decode(l, ent, len)) ==
	    NULL)
		return 0;
	if (prefix[0] == '\0' && gd_mail_name_is_inbox(comp) &&
	    strcmp(comp, "INBOX") != 0)
		return 0;
	name = gd_pool_printf(l->pool, "%s%s", prefix, comp);
	if (access(gd_pool_printf(l->pool, "%s%s", path, ext), F_OK) < 0 &&
	    l->fn(l->arg, name, GD_MAIL_LIST_NOSELECT) < 0)
		return -1;
	return mbox_list_dir(l, path, gd_pool_printf(l->pool, "%s/", name),
	    depth + 1);
}

static int
mbox_list_dir(struct mbox_list_ctx *l, const char *dir, const char *prefix,
    unsigned depth)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (depth > MBOX_LIST_DEPTH)
		return 0;
	d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		gd_mail_error_errno(l->err, "listing %s", dir);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL)
		rc = mbox_list_entry(l, dir, prefix, de->d_name, depth);
	closedir(d);
	return rc;
}

int
mbox_list(struct gd_mail_store *store, gd_mail_list_raw_fn *fn, void *arg,
    struct gd_mail_error *err)
{
	struct mbox_list_ctx l;
	int rc;

	memset(&l, 0, sizeof(l));
	l.st = mbox_store_of(store);
	l.pool = gd_pool_create("mbox-list");
	l.fn = fn;
	l.arg = arg;
	l.err = err;
	l.ext_len = strlen(l.st->cfg->ext);
	rc = mbox_list_dir(&l, store->root, "", 0);
	gd_pool_destroy(&l.pool);
	return rc;
}

int
mbox_create(struct gd_mail_store *store, const char *name,
    struct gd_mail_error *err)
{
	struct mbox_store *st = mbox_store_of(store);
	struct mbox_paths p;
	int rc;

	if (gd_mail_name_is_inbox(name)) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXISTS, "INBOX exists");
		return -1;
	}
	if (mbox_paths_make(st, name, &p, err) < 0)
		return -1;
	rc = mbox_create_file(st, &p, true, err);
	mbox_paths_free(&p);
	return rc;
}

/* A directory with anything but our hidden files in it. */
static bool
mbox_dir_has_children(const char *dir)
{
	struct dirent *de;
	bool any = false;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return false;
	while (!any && (de = readdir(d)) != NULL)
		any = de->d_name[0] != '.';
	closedir(d);
	return any;
}

/* Remove a directory holding only our hidden files. */
static void
mbox_dir_remove(const char *dir)
{
	struct dirent *de;
	char *path;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		path = gd_xasprintf("%s/%s", dir, de->d_name);
		unlink(path);
		free(path);
	}
	closedir(d);
	rmdir(dir);
}

static int
mbox_delete_placeholder(const struct mbox_paths *p, struct gd_mail_error *err)
{
	struct stat sb;

	if (stat(p->children, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTFOUND,
		    "no such mailbox");
		return -1;
	}
	if (mbox_dir_has_children(p->children)) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOPERM,
		    "mailbox has children");
		return -1;
	}
	mbox_dir_remove(p->children);
	return 0;
}

static int
mbox_delete_paths(struct mbox_store *st, const struct mbox_paths *p,
    struct gd_mail_error *err)
{
	struct mbox_lock lock;

	if (access(p->file, F_OK) < 0)
		return mbox_delete_placeholder(p, err);
	if (mbox_lock_take(st->cfg, p, &lock, err) < 0)
		return -1;
	if (unlink(p->file) < 0) {
		gd_mail_error_errno(err, "deleting %s", p->file);
		mbox_lock_release(&lock);
		return -1;
	}
	unlink(p->state);
	unlink(p->journal);
	mbox_lock_release(&lock);
	if (!mbox_dir_has_children(p->children))
		mbox_dir_remove(p->children);
	if (mbox_fsync_dir(st->cfg, p->dir) < 0) {
		gd_mail_error_errno(err, "syncing %s", p->dir);
		return -1;
	}
	return 0;
}

int
mbox_delete(struct gd_mail_store *store, const char *name,
    struct gd_mail_error *err)
{
	struct mbox_store *st = mbox_store_of(store);
	struct mbox_paths p;
	int rc;

	if (gd_mail_name_is_inbox(name)) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOPERM,
		    "INBOX cannot be deleted");
		return -1;
	}
	if (mbox_paths_make(st, name, &p, err) < 0)
		return -1;
	rc = mbox_delete_paths(st, &p, err);
	mbox_paths_free(&p);
	return rc;
}

/* rename(2) that refuses to replace. */
static int
mbox_rename_new(const char *from, const char *to)
{
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

/* Move the mbox and our files beside it (under from's lock). */
static int
mbox_rename_files(struct mbox_store *st, const struct mbox_paths *f,
    const struct mbox_paths *t, bool inbox, struct gd_mail_error *err)
{
	if (mbox_mkdirs(st, t->dir, err) < 0)
		return -1;
	if (mbox_rename_new(f->file, t->file) < 0) {
		if (errno == EEXIST)
			gd_mail_error_set(err, GD_MAIL_ERR_EXISTS,
			    "mailbox exists");
		else
			gd_mail_error_errno(err, "renaming %s", f->file);
		return -1;
	}
	unlink(t->state);
	(void)rename(f->state, t->state);
	unlink(f->journal);
	if (inbox && mbox_create_file(st, f, true, err) < 0)
		return -1;
	if (mbox_fsync_dir(st->cfg, t->dir) < 0 ||
	    mbox_fsync_dir(st->cfg, f->dir) < 0) {
		gd_mail_error_errno(err, "syncing directories");
		return -1;
	}
	return 0;
}

static int
mbox_rename_children(struct mbox_store *st, const struct mbox_paths *f,
    const struct mbox_paths *t, struct gd_mail_error *err)
{
	struct stat sb;

	if (stat(f->children, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return 0;
	if (mbox_mkdirs(st, t->dir, err) < 0)
		return -1;
	if (mbox_rename_new(f->children, t->children) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			gd_mail_error_set(err, GD_MAIL_ERR_EXISTS,
			    "the new name has children already");
		else
			gd_mail_error_errno(err, "renaming %s", f->children);
		return -1;
	}
	return mbox_fsync_dir(st->cfg, t->dir) < 0 ? -1 : 0;
}

static int
mbox_rename_paths(struct mbox_store *st, const struct mbox_paths *f,
    const struct mbox_paths *t, bool inbox, struct gd_mail_error *err)
{
	struct mbox_lock lock;
	struct stat sb;
	bool has_file = access(f->file, F_OK) == 0;
	int rc = 0;

	if (access(t->file, F_OK) == 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXISTS, "mailbox exists");
		return -1;
	}
	if (!has_file && (stat(f->children, &sb) < 0 || inbox)) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTFOUND,
		    "no such mailbox");
		return -1;
	}
	if (!inbox && stat(f->children, &sb) == 0 &&
	    stat(t->children, &sb) == 0 && mbox_dir_has_children(t->children)) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXISTS,
		    "the new name has children already");
		return -1;
	}
	if (has_file) {
		if (mbox_lock_take(st->cfg, f, &lock, err) < 0 ||
		    mbox_journal_recover(&lock, err) < 0)
			rc = -1;
		else
			rc = mbox_rename_files(st, f, t, inbox, err);
		mbox_lock_release(&lock);
	}
	if (rc == 0 && !inbox) {
		if (stat(t->children, &sb) == 0)
			mbox_dir_remove(t->children);	/* checked empty */
		rc = mbox_rename_children(st, f, t, err);
	}
	return rc;
}

int
mbox_rename(struct gd_mail_store *store, const char *from, const char *to,
    struct gd_mail_error *err)
{
	struct mbox_store *st = mbox_store_of(store);
	struct mbox_paths f, t;
	size_t flen = strlen(from);
	int rc;

	if (strncmp(to, from, flen) == 0 && to[flen] == GD_MAIL_DELIM &&
	    !gd_mail_name_is_inbox(from)) {
		gd_mail_error_set(err, GD_MAIL_ERR_BADNAME,
		    "cannot move a mailbox into itself");
		return -1;
	}
	if (gd_mail_name_is_inbox(to)) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXISTS, "INBOX exists");
		return -1;
	}
	if (mbox_paths_make(st, from, &f, err) < 0)
		return -1;
	if (mbox_paths_make(st, to, &t, err) < 0) {
		mbox_paths_free(&f);
		return -1;
	}
	rc = mbox_rename_paths(st, &f, &t, gd_mail_name_is_inbox(from), err);
	mbox_paths_free(&f);
	mbox_paths_free(&t);
	return rc;
}
