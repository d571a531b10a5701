/*
 * mbox-notify.c — change notification: inotify watches (watch.h) on the
 * mbox file (appends by us, procmail, mutt: MODIFY) and on its directory
 * (ENTRIES: a rewrite renames a new file over the mbox, our sidecar is
 * replaced the same way).  After a directory event or a GONE the file
 * watch is added again, on whatever inode the name now has.
 */
#include "config.h"

#include <stdlib.h>

#include <gumdrop/watch.h>

#include "mbox-private.h"

struct mbox_notify {
	struct mbox_box *b;
	struct gd_loop *loop;
	struct gd_watch *file;
	struct gd_watch *dir;
	gd_mailbox_notify_fn *fn;
	void *arg;
};

static void mbox_notify_file(void *arg, unsigned events);

static void
mbox_notify_watch_file(struct mbox_notify *n)
{
	const char *error;

	gd_watch_remove(&n->file);
	n->file = gd_watch_add(n->loop, n->b->p.file, GD_WATCH_MODIFY,
	    mbox_notify_file, n, &error);
}

static void
mbox_notify_file(void *arg, unsigned events)
{
	struct mbox_notify *n = arg;

	if (events & GD_WATCH_GONE)
		mbox_notify_watch_file(n);
	n->fn(n->arg);
}

static void
mbox_notify_dir(void *arg, unsigned events)
{
	struct mbox_notify *n = arg;

	(void)events;
	mbox_notify_watch_file(n);
	n->fn(n->arg);
}

int
mbox_notify_start(struct gd_mailbox *box, struct gd_loop *loop,
    gd_mailbox_notify_fn *fn, void *arg, struct gd_mail_error *err)
{
	struct mbox_box *b = mbox_box_of(box);
	struct mbox_notify *n = gd_xcalloc(1, sizeof(*n));
	const char *error = NULL;

	n->b = b;
	n->loop = loop;
	n->fn = fn;
	n->arg = arg;
	n->dir = gd_watch_add(loop, b->p.dir, GD_WATCH_ENTRIES,
	    mbox_notify_dir, n, &error);
	if (n->dir != NULL)
		n->file = gd_watch_add(loop, b->p.file, GD_WATCH_MODIFY,
		    mbox_notify_file, n, &error);
	if (n->dir == NULL || n->file == NULL) {
		gd_watch_remove(&n->dir);
		free(n);
		gd_mail_error_set(err, GD_MAIL_ERR_TEMP, "cannot watch %s: %s",
		    b->p.file, error != NULL ? error : "unknown error");
		return -1;
	}
	b->notify = n;
	return 0;
}

void
mbox_notify_stop(struct gd_mailbox *box)
{
	struct mbox_box *b = mbox_box_of(box);
	struct mbox_notify *n = b->notify;

	if (n == NULL)
		return;
	gd_watch_remove(&n->file);
	gd_watch_remove(&n->dir);
	free(n);
	b->notify = NULL;
}
