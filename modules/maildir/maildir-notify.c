/*
 * maildir-notify.c — change notification: inotify watches (watch.h) on
 * new/ and cur/ (every delivery, flag rename and expunge changes their
 * entries, whoever makes it) and on gumdrop-uidlist, whose records say
 * what changed.  The state file is replaced when it is compacted; its
 * watch is then set again on the new file.
 *
 * Every sync opens the state file for writing, and closing it is an
 * inotify "modify" even when nothing was written; a sync with nothing
 * to report may also rewrite the header's directory stamps.  Left
 * alone, the session's own sync would notify it again, forever (a sync
 * every few milliseconds while a client idles, holding the lock that
 * deliveries need).  So a "modify" of the state file notifies only when
 * the file's identity, size or the header's numbers (UIDs, modseqs, end
 * of records) changed since the last look.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir-private.h"

#define NOTIFY_NEW	0
#define NOTIFY_CUR	1
#define NOTIFY_STATE	2

static void notify_fire(void *arg, unsigned events);
static void notify_state_fire(void *arg, unsigned events);
static int notify_add(struct maildir_box *box, unsigned which,
    struct gd_loop *loop, struct gd_mail_error *err);

/* The state file's fingerprint (never 0), or 0 when it cannot be read.
 * Read-only: closing it is no inotify event of ours.  FILE class. */
static uint64_t
notify_state_print(const struct maildir_box *box)
{
	uint8_t hdr[MAILDIR_HDR_SIZE];
	char path[PATH_MAX];
	uint64_t v[3];
	struct stat sb;
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", box->dir, MAILDIR_STATE_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) == 0)
		n = pread(fd, hdr, sizeof(hdr), 0);
	close(fd);
	if (n != (ssize_t)sizeof(hdr))
		return 0;
	/* Header bytes 16..71: UIDVALIDITY to the garbage count
	 * (maildir-record.c), not the stamps after them. */
	v[0] = (uint64_t)sb.st_ino;
	v[1] = (uint64_t)sb.st_size;
	v[2] = maildir_hash(hdr + 16, 56);
	return maildir_hash(v, sizeof(v)) | 1;
}

static void
notify_fire(void *arg, unsigned events)
{
	struct maildir_box *box = arg;

	(void)events;
	box->notify_fn(box->notify_arg);
}

static void
notify_state_fire(void *arg, unsigned events)
{
	struct maildir_box *box = arg;

	uint64_t print = notify_state_print(box);

	if ((events & (GD_WATCH_GONE | GD_WATCH_ATTRIB)) != 0) {
		/* Replaced (compaction): follow the new file. */
		gd_watch_remove(&box->watches[NOTIFY_STATE]);
		(void)notify_add(box, NOTIFY_STATE, box->notify_loop, NULL);
	} else if (events == GD_WATCH_MODIFY && print != 0 &&
	    print == box->notify_print)
		return;		/* opened and closed, or stamps only */
	box->notify_print = print;
	box->notify_fn(box->notify_arg);
}

static int
notify_add(struct maildir_box *box, unsigned which, struct gd_loop *loop,
    struct gd_mail_error *err)
{
	static const char *const subs[] = { "new", "cur", MAILDIR_STATE_FILE };
	const char *error = "";
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", box->dir, subs[which]);
	box->watches[which] = gd_watch_add(loop, path, which == NOTIFY_STATE ?
	    GD_WATCH_MODIFY | GD_WATCH_ATTRIB : GD_WATCH_ENTRIES,
	    which == NOTIFY_STATE ? notify_state_fire : notify_fire, box,
	    &error);
	if (box->watches[which] == NULL) {
		gd_mail_error_set(err, GD_MAIL_ERR_TEMP, "%s", error);
		return -1;
	}
	return 0;
}

int
maildir_notify_start(struct gd_mailbox *gbox, struct gd_loop *loop,
    gd_mailbox_notify_fn *fn, void *arg, struct gd_mail_error *err)
{
	struct maildir_box *box = (struct maildir_box *)gbox;
	unsigned i;

	box->notify_fn = fn;
	box->notify_arg = arg;
	box->notify_loop = loop;
	box->notify_print = notify_state_print(box);
	for (i = 0; i < GD_N_ELEMENTS(box->watches); i++) {
		if (notify_add(box, i, loop, err) < 0) {
			maildir_notify_stop(gbox);
			return -1;
		}
	}
	return 0;
}

void
maildir_notify_stop(struct gd_mailbox *gbox)
{
	struct maildir_box *box = (struct maildir_box *)gbox;
	unsigned i;

	for (i = 0; i < GD_N_ELEMENTS(box->watches); i++)
		gd_watch_remove(&box->watches[i]);
	box->notify_fn = NULL;
}
