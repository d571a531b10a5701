/*
 * maildir-test-util.h — shared by the test-maildir*.c files: load the
 * real maildir.so into the test process (as gumdropd would), a store in
 * a fresh temporary folder, and small helpers over the mailbox.h API.
 * Everything is static: each test file includes it once.
 */
#ifndef MAILDIR_TEST_UTIL_H
#define MAILDIR_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox-impl.h>

#include "module-private.h"

#define MD_MODULE_DIR	GD_TOP_BUILDDIR "/modules/maildir/.libs"


static struct gd_config *md_cfg;
static const struct gd_mail_backend *md_backend;
static char md_dir[PATH_MAX];		/* the test's temporary folder */
static char md_root[PATH_MAX];		/* alice's mail root */
static char md_mount[PATH_MAX];		/* a test's tmpfs, if any */

static GD_UNUSED void
md_rm_rf(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *d;
	struct stat sb;
	DIR *dir;

	if (lstat(path, &sb) < 0)
		return;
	if (!S_ISDIR(sb.st_mode)) {
		unlink(path);
		return;
	}
	if ((dir = opendir(path)) != NULL) {
		while ((d = readdir(dir)) != NULL) {
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
			md_rm_rf(sub);
		}
		closedir(dir);
	}
	rmdir(path);
}

/* Load maildir.so with `extra` YAML lines under "maildir:" (without
 * special-use folders unless `extra` sets create-special-use). */
static GD_UNUSED void
md_load(const char *extra)
{
	char text[2048], *err = NULL;
	const char *error = NULL;
	struct gd_mail_error merr;

	snprintf(text, sizeof(text),
	    "modules: {path: \"%s\", load: [maildir]}\n"
	    "maildir:\n  path: \"%s/mail/%%u\"\n%s%s", MD_MODULE_DIR, md_dir,
	    extra != NULL && strstr(extra, "create-special-use") != NULL ?
	    "" : "  create-special-use: false\n", extra != NULL ? extra : "");
	md_cfg = gd_config_load_string("test.yaml", text, strlen(text), &err);
	cr_assert_not_null(md_cfg, "%s", err);
	cr_assert_eq(gd_modules_load(gd_config_root(md_cfg), NULL, &error), 0,
	    "%s", error);
	md_backend = gd_mail_backend_find("maildir", &merr);
	cr_assert_not_null(md_backend, "%s", merr.text);
	snprintf(md_root, sizeof(md_root), "%s/mail/alice", md_dir);
}

static GD_UNUSED void
md_setup_with(const char *extra)
{
	const char *base = getenv("TMPDIR");

	snprintf(md_dir, sizeof(md_dir), "%s/gd-maildir-XXXXXX",
	    base != NULL ? base : "/tmp");
	cr_assert_not_null(mkdtemp(md_dir));
	md_load(extra);
}

static GD_UNUSED void
md_setup(void)
{
	md_setup_with("  fsync: false\n");
}

static GD_UNUSED void
md_teardown(void)
{
	gd_modules_unload();
	gd_config_free(&md_cfg);
	if (md_mount[0] != '\0')
		umount2(md_mount, MNT_DETACH);
	if (md_dir[0] != '\0' && getenv("MD_KEEP") == NULL)
		md_rm_rf(md_dir);
}

static GD_UNUSED struct gd_mail_store *
md_store(const char *user)
{
	struct gd_mail_user u = { .name = user };
	struct gd_mail_store *store = NULL;
	struct gd_mail_error err;

	cr_assert_eq(gd_mail_store_open(md_backend, &u, GD_MAIL_STORE_CREATE,
	    &store, &err), 0, "%s", err.text);
	return store;
}

static GD_UNUSED uint32_t
md_append_full(struct gd_mail_store *store, const char *box, const char *text,
    uint32_t flags, const char *const *keywords, int64_t date)
{
	struct gd_mail_append_info info = { .flags = flags,
	    .keywords = keywords, .internal_date = date };
	struct gd_mail_append *ap = NULL;
	struct gd_mail_error err;
	uint32_t uidv = 0, uid = 0;

	cr_assert_eq(gd_mail_append_start(store, box, &info, &ap, &err), 0,
	    "%s", err.text);
	cr_assert_eq(gd_mail_append_write(ap, text, strlen(text), &err), 0,
	    "%s", err.text);
	cr_assert_eq(gd_mail_append_end(&ap, &uidv, &uid, &err), 0, "%s",
	    err.text);
	cr_assert_neq(uid, 0);
	cr_assert_neq(uidv, 0);
	return uid;
}

static GD_UNUSED uint32_t
md_append(struct gd_mail_store *store, const char *box, const char *text)
{
	return md_append_full(store, box, text, 0, NULL, 0);
}

static GD_UNUSED struct gd_mailbox *
md_open(struct gd_mail_store *store, const char *name, unsigned flags)
{
	struct gd_mailbox *box = NULL;
	struct gd_mail_error err;

	cr_assert_eq(gd_mailbox_open(store, name, flags, &box, &err), 0,
	    "%s: %s", name, err.text);
	return box;
}

static GD_UNUSED void
md_sync(struct gd_mailbox *box, unsigned flags,
    const struct gd_mail_sync_callbacks *cb, void *arg)
{
	struct gd_mail_error err;

	cr_assert_eq(gd_mailbox_sync(box, flags, cb, arg, &err), 0, "%s",
	    err.text);
}

/* The content of message seq, read in small chunks, into buf. */
static GD_UNUSED size_t
md_content(struct gd_mailbox *box, uint32_t seq, char *buf, size_t size)
{
	struct gd_mail_content *c = NULL;
	struct gd_mail_error err;
	size_t len = 0;
	ssize_t n;

	cr_assert_eq(gd_mailbox_content_open(box, seq, &c, &err), 0, "%s",
	    err.text);
	while ((n = gd_mail_content_read(c, buf + len,
	    size - 1 - len < 7 ? size - 1 - len : 7, &err)) > 0)
		len += (size_t)n;
	cr_assert_geq(n, 0, "%s", err.text);
	buf[len] = '\0';
	cr_assert_eq(len, gd_mail_content_size(c));
	gd_mail_content_close(&c);
	return len;
}

/* How many entries a directory has (not counting dot files). */
static GD_UNUSED unsigned
md_count_files(const char *dir)
{
	struct dirent *d;
	unsigned n = 0;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL)
		n += d->d_name[0] != '.';
	closedir(dp);
	return n;
}

/* The name of the only (or first) file in a directory, into buf. */
static GD_UNUSED bool
md_first_file(const char *dir, char *buf, size_t size)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	bool found = false;

	if (dp == NULL)
		return false;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(buf, size, "%s", d->d_name);
		found = true;
		break;
	}
	closedir(dp);
	return found;
}

static GD_UNUSED void
md_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

#endif /* MAILDIR_TEST_UTIL_H */
