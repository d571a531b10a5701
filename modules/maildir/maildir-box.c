/*
 * maildir-box.c — opening and closing mailboxes, and message content.
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

#include "maildir-private.h"

static int box_check_dir(struct maildir_store *store, const char *name,
    const char *dir, struct gd_mail_error *err);
static int box_open_msg(struct maildir_box *box, uint32_t i,
    struct gd_mail_error *err);

uint64_t
maildir_box_kw_mask(const struct maildir_box *box)
{
	unsigned n = box->base.keyword_count;

	return n >= 64 ? UINT64_MAX : ((uint64_t)1 << n) - 1;
}

int
maildir_msg_path(const struct maildir_box *box, uint32_t i, char *buf,
    size_t size)
{
	int n = snprintf(buf, size, "%s/%s/%s", box->dir,
	    maildir_list_in_new(&box->list, i) ? "new" : "cur",
	    maildir_list_name(&box->list, i));

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * The current path of message i when its recorded name is gone (renamed
 * by another program since the last sync): look for its base name in
 * cur/ and new/.  0 with the path in buf, or -1 (ENOENT: expunged).
 */
int
maildir_find_current(const struct maildir_box *box, uint32_t i, char *buf,
    size_t size)
{
	const char *name = maildir_list_name(&box->list, i);
	const char *colon = strchr(name, ':');
	size_t blen = colon != NULL ? (size_t)(colon - name) : strlen(name);
	static const char *const subs[] = { "cur", "new" };
	char path[PATH_MAX];
	struct dirent *d;
	unsigned k;
	DIR *dir;

	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s", box->dir, subs[k]);
		if ((dir = opendir(path)) == NULL)
			continue;
		while ((d = readdir(dir)) != NULL) {
			if (strncmp(d->d_name, name, blen) != 0 ||
			    (d->d_name[blen] != '\0' &&
			    d->d_name[blen] != ':'))
				continue;
			snprintf(buf, size, "%s/%s/%s", box->dir, subs[k],
			    d->d_name);
			closedir(dir);
			return 0;
		}
		closedir(dir);
	}
	errno = ENOENT;
	return -1;
}

static int
box_check_dir(struct maildir_store *store, const char *name,
    const char *dir, struct gd_mail_error *err)
{
	if (maildir_dir_is_mailbox(dir))
		return 0;
	if (errno != ENOENT) {
		gd_mail_error_errno(err, "open %s", dir);
		return -1;
	}
	if (gd_mail_name_is_inbox(name))
		return maildir_make_skeleton(dir, false, err);
	if (maildir_has_children(store, name)) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOPERM,
		    "%s is not selectable", name);
		return -1;
	}
	gd_mail_error_set(err, GD_MAIL_ERR_NOTFOUND, "no mailbox %s", name);
	return -1;
}

int
maildir_mailbox_open(struct gd_mail_store *gstore, const char *name,
    unsigned flags, struct gd_mailbox **box_r, struct gd_mail_error *err)
{
	struct maildir_store *store = (struct maildir_store *)gstore;
	struct maildir_box *box;
	struct gd_pool *pool;
	char *dir;

	pool = gd_pool_create("maildir-mailbox");
	dir = maildir_box_dir(store, pool, name);
	if (box_check_dir(store, name, dir, err) < 0) {
		gd_pool_destroy(&pool);
		return -1;
	}
	box = gd_xcalloc(1, sizeof(*box));
	box->pool = pool;
	box->store = store;
	box->dir = dir;
	box->lock_fd = -1;
	maildir_list_init(&box->list);
	gd_mailbox_init(&box->base, gstore, gd_pool_strdup(pool, name), flags,
	    MAILDIR_KEYWORD_MAX);
	box->lock_fd = maildir_state_lock_open(dir, err);
	if (box->lock_fd < 0 || maildir_sync(&box->base, 0, NULL, NULL,
	    err) < 0) {
		maildir_mailbox_close(&box->base);
		return -1;
	}
	maildir_list_fit(&box->list);
	maildir_box_publish(box);
	*box_r = &box->base;
	return 0;
}

void
maildir_mailbox_close(struct gd_mailbox *gbox)
{
	struct maildir_box *box = (struct maildir_box *)gbox;

	if (box == NULL)
		return;
	maildir_notify_stop(gbox);
	if (box->lock_fd >= 0)
		close(box->lock_fd);
	maildir_list_free(&box->list);
	free(box->touched);
	gd_pool_destroy(&box->pool);
	free(box);
}

/* Open message i's file (following a rename by someone else).  The fd,
 * or -1 with *err (EXPUNGED when it is gone). */
static int
box_open_msg(struct maildir_box *box, uint32_t i, struct gd_mail_error *err)
{
	char path[PATH_MAX];
	int fd = -1;

	if (maildir_msg_path(box, i, path, sizeof(path)) == 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT &&
	    maildir_find_current(box, i, path, sizeof(path)) == 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		gd_mail_error_set(err, GD_MAIL_ERR_EXPUNGED,
		    "message %u was expunged", box->list.msgs[i].uid);
	else if (fd < 0)
		gd_mail_error_errno(err, "open %s", path);
	return fd;
}

/* The time a Maildir file name starts with ("1733000000.M1P2.host"),
 * or 0. */
static int64_t
box_name_time(const char *name)
{
	int64_t t = 0;
	int digits = 0;

	for (; *name >= '0' && *name <= '9' && digits < 12; name++, digits++)
		t = t * 10 + (*name - '0');
	return *name == '.' ? t : 0;
}

/* The file's mtime, as the scan leaves it to be read when asked. */
int64_t
maildir_internal_date(struct gd_mailbox *gbox, uint32_t seq)
{
	struct maildir_box *box = (struct maildir_box *)gbox;
	struct gd_mail_msg *m = &box->list.msgs[seq - 1];
	char path[PATH_MAX];
	struct stat sb;
	int ret = -1;

	if (maildir_msg_path(box, seq - 1, path, sizeof(path)) == 0)
		ret = stat(path, &sb);
	if (ret < 0 && errno == ENOENT &&
	    maildir_find_current(box, seq - 1, path, sizeof(path)) == 0)
		ret = stat(path, &sb);
	m->internal_date = ret == 0 ? (int64_t)sb.st_mtim.tv_sec :
	    box_name_time(maildir_list_name(&box->list, seq - 1));
	return m->internal_date;
}

int
maildir_content_open(struct gd_mailbox *gbox, uint32_t seq,
    struct gd_mail_content **content_r, struct gd_mail_error *err)
{
	struct maildir_box *box = (struct maildir_box *)gbox;
	const struct gd_mail_msg *m = &box->list.msgs[seq - 1];
	struct stat sb;
	uint64_t len;
	int fd;

	if ((m->flags & GD_MAIL_EXPUNGED) != 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXPUNGED,
		    "message %u was expunged", m->uid);
		return -1;
	}
	fd = box_open_msg(box, seq - 1, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &sb) < 0) {
		gd_mail_error_errno(err, "stat message %u", m->uid);
		close(fd);
		return -1;
	}
	if (m->internal_date == GD_MAIL_DATE_UNKNOWN)
		box->list.msgs[seq - 1].internal_date =
		    (int64_t)sb.st_mtim.tv_sec;
	/* A file smaller than its RFC822.SIZE has bare LFs to expand. */
	len = (uint64_t)sb.st_size;
	if (len >= m->size)
		*content_r = gd_mail_content_from_fd(fd, 0, m->size, false,
		    m->size);
	else
		*content_r = gd_mail_content_from_fd(fd, 0, len, true,
		    m->size);
	return 0;
}
