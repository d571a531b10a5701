/*
 * gumdrop/watch.h — file-system change notification on a worker loop.
 *
 * A watch calls fn(arg, events) on its loop when the watched file or
 * directory changes: written by this process (any thread) or by another
 * program.  Mailbox change notification (IMAP IDLE, untagged updates)
 * and configuration files that reload themselves are built on it.
 *
 * Built on inotify: one inotify descriptor per worker loop, created on
 * first use and watched by the loop.  Events that arrive together are
 * coalesced: each watch is called at most once per loop wake-up, with the
 * union of its events.  Calls may be spurious (a change that changed
 * nothing), never missed while the watch exists: when the kernel's queue
 * overflows, every watch of that loop is called with GD_WATCH_OVERFLOW.
 *
 * Threads: every function on the watch's loop thread.
 */
#ifndef GUMDROP_WATCH_H
#define GUMDROP_WATCH_H

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_loop;
struct gd_watch;

enum gd_watch_event {
	/* A file's content changed (written, truncated, closed after
	 * writing). */
	GD_WATCH_MODIFY = 1 << 0,
	/* A directory's entries changed (created, deleted, renamed in or
	 * out). */
	GD_WATCH_ENTRIES = 1 << 1,
	/* Metadata changed (mode, owner, times, link count). */
	GD_WATCH_ATTRIB = 1 << 2,
	/* The watched path itself was deleted or renamed away: the watch is
	 * dead (the caller removes it and may watch the path again). */
	GD_WATCH_GONE = 1 << 3,
	/* Only reported: events may have been lost; re-check everything. */
	GD_WATCH_OVERFLOW = 1 << 4,
};

typedef void gd_watch_fn(void *arg, unsigned events);

/*
 * Watch `path` for `events` (a mask of enum gd_watch_event; GONE and
 * OVERFLOW are always reported).  The path is resolved now: a file
 * replaced later by rename is the old file (watch its directory for
 * ENTRIES to see replacements).  Returns the watch, or NULL with *error_r
 * (a static or thread-local string) when the path cannot be watched
 * (missing, no permission, out of inotify watches).
 */
GD_API struct gd_watch *gd_watch_add(struct gd_loop *loop, const char *path,
    unsigned events, gd_watch_fn *fn, void *arg, const char **error_r);

/*
 * Stop and free the watch, set *watch to NULL; fn will not be called
 * again (also when called from inside fn).  NULL is a no-op.
 */
GD_API void gd_watch_remove(struct gd_watch **watch);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_WATCH_H */
