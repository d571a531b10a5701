/*
 * watch.c — file-system change notification: one inotify descriptor per
 * worker loop, read by an ev_io watcher; events for the same inode are
 * shared by every gd_watch on it and coalesced per wake-up.
 */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <gumdrop/log.h>
#include <gumdrop/loop.h>
#include <gumdrop/watch.h>

#include "loop-private.h"

#define WATCH_MAGIC		0x47445754u	/* "GDWT" */
#define WATCH_READ_BUF		16384
#define WATCH_READS_PER_WAKE	8

/* One inotify watch descriptor (one inode) and the gd_watch on it. */
struct watch_wd {
	struct watch_wd *next;
	int wd;				/* -1 once the kernel dropped it */
	struct gd_watch *watches;
};

struct gd_watch_loop {
	struct gd_loop *loop;
	int fd;
	ev_io io;
	struct watch_wd *wds;
	bool dispatching;
	bool sweep;			/* removals happened while dispatching */
};

struct gd_watch {
	uint32_t magic;
	struct gd_watch_loop *wl;
	struct watch_wd *rec;
	struct gd_watch *next;
	unsigned events;
	unsigned pending;
	bool removed;
	gd_watch_fn *fn;
	void *arg;
};

static void watch_io_cb(struct ev_loop *ev, ev_io *w, int revents);

static __thread char watch_error[256];

static const char *
watch_errno(const char *what, const char *path)
{
	snprintf(watch_error, sizeof(watch_error), "%s %s: %s", what, path,
	    strerror(errno));
	return watch_error;
}

static struct gd_watch_loop *
watch_loop_get(struct gd_loop *loop, const char **error_r)
{
	struct gd_watch_loop **slot = gd_loop_watch_slot(loop), *wl;
	int fd;

	if (*slot != NULL)
		return *slot;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0) {
		*error_r = watch_errno("inotify_init1", "");
		return NULL;
	}
	wl = gd_xcalloc(1, sizeof(*wl));
	wl->loop = loop;
	wl->fd = fd;
	ev_io_init(&wl->io, watch_io_cb, fd, EV_READ);
	wl->io.data = wl;
	ev_io_start(gd_loop_ev(loop), &wl->io);
	*slot = wl;
	return wl;
}

static uint32_t
watch_mask(unsigned events)
{
	uint32_t mask = IN_DELETE_SELF | IN_MOVE_SELF | IN_MASK_ADD;

	if (events & GD_WATCH_MODIFY)
		mask |= IN_MODIFY | IN_CLOSE_WRITE;
	if (events & GD_WATCH_ENTRIES)
		mask |= IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;
	if (events & GD_WATCH_ATTRIB)
		mask |= IN_ATTRIB;
	return mask;
}

static unsigned
watch_events(uint32_t mask)
{
	unsigned ev = 0;

	if (mask & (IN_MODIFY | IN_CLOSE_WRITE))
		ev |= GD_WATCH_MODIFY;
	if (mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
		ev |= GD_WATCH_ENTRIES;
	if (mask & IN_ATTRIB)
		ev |= GD_WATCH_ATTRIB;
	if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
		ev |= GD_WATCH_GONE;
	return ev;
}

static struct watch_wd *
watch_rec_find(struct gd_watch_loop *wl, int wd)
{
	struct watch_wd *r;

	for (r = wl->wds; r != NULL; r = r->next)
		if (r->wd == wd)
			return r;
	return NULL;
}

struct gd_watch *
gd_watch_add(struct gd_loop *loop, const char *path, unsigned events,
    gd_watch_fn *fn, void *arg, const char **error_r)
{
	struct gd_watch_loop *wl;
	struct watch_wd *rec;
	struct gd_watch *w;
	int wd;

	assert(fn != NULL && gd_loop_current() == loop);
	if ((wl = watch_loop_get(loop, error_r)) == NULL)
		return NULL;
	wd = inotify_add_watch(wl->fd, path, watch_mask(events));
	if (wd < 0) {
		*error_r = watch_errno("cannot watch", path);
		return NULL;
	}
	if ((rec = watch_rec_find(wl, wd)) == NULL) {
		rec = gd_xcalloc(1, sizeof(*rec));
		rec->wd = wd;
		rec->next = wl->wds;
		wl->wds = rec;
	}
	w = gd_xcalloc(1, sizeof(*w));
	w->magic = WATCH_MAGIC;
	w->wl = wl;
	w->rec = rec;
	w->events = events | GD_WATCH_GONE | GD_WATCH_OVERFLOW;
	w->fn = fn;
	w->arg = arg;
	w->next = rec->watches;
	rec->watches = w;
	return w;
}

/* Unlink and free a record that has no watches left. */
static void
watch_rec_release(struct gd_watch_loop *wl, struct watch_wd *rec)
{
	struct watch_wd **pp;

	if (rec->watches != NULL)
		return;
	for (pp = &wl->wds; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == rec) {
			*pp = rec->next;
			break;
		}
	}
	if (rec->wd >= 0)
		(void)inotify_rm_watch(wl->fd, rec->wd);
	free(rec);
}

static void
watch_unlink(struct gd_watch *w)
{
	struct gd_watch **pp;

	for (pp = &w->rec->watches; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	watch_rec_release(w->wl, w->rec);
	w->magic = 0;
	free(w);
}

void
gd_watch_remove(struct gd_watch **watchp)
{
	struct gd_watch *w = *watchp;

	if (w == NULL)
		return;
	GD_CHECK_MAGIC(w, WATCH_MAGIC);
	*watchp = NULL;
	if (w->wl->dispatching) {
		w->removed = true;
		w->wl->sweep = true;
		return;
	}
	watch_unlink(w);
}

static void
watch_mark(struct watch_wd *rec, unsigned events)
{
	struct gd_watch *w;

	for (w = rec->watches; w != NULL; w = w->next)
		w->pending |= events & w->events;
}

static void
watch_event(struct gd_watch_loop *wl, const struct inotify_event *ie)
{
	struct watch_wd *rec;

	if (ie->mask & IN_Q_OVERFLOW) {
		for (rec = wl->wds; rec != NULL; rec = rec->next)
			watch_mark(rec, GD_WATCH_OVERFLOW);
		return;
	}
	if ((rec = watch_rec_find(wl, ie->wd)) == NULL)
		return;
	watch_mark(rec, watch_events(ie->mask));
	if (ie->mask & IN_IGNORED)
		rec->wd = -1;	/* the kernel dropped it: never rm it */
}

/* Read what is queued; false when the descriptor is drained. */
static bool
watch_read(struct gd_watch_loop *wl)
{
	char buf[WATCH_READ_BUF]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ie;
	ssize_t n;
	size_t off;

	n = read(wl->fd, buf, sizeof(buf));
	if (n <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			gd_log_errno(GD_LOG_ERROR, "watch.read", "reason=read");
		return false;
	}
	/* UNSAFE: walking variable-length records inside buf[0..n). */
	for (off = 0; off + sizeof(*ie) <= (size_t)n;
	    off += sizeof(*ie) + ie->len) {
		ie = (const struct inotify_event *)(buf + off);
		watch_event(wl, ie);
	}
	return true;
}

static void
watch_sweep(struct gd_watch_loop *wl)
{
	struct watch_wd *rec, *next_rec;
	struct gd_watch *w, *next;

	wl->sweep = false;
	for (rec = wl->wds; rec != NULL; rec = next_rec) {
		next_rec = rec->next;
		for (w = rec->watches; w != NULL; w = next) {
			next = w->next;
			if (w->removed)
				watch_unlink(w);
		}
	}
}

static void
watch_dispatch(struct gd_watch_loop *wl)
{
	struct watch_wd *rec;
	struct gd_watch *w;
	unsigned events;

	wl->dispatching = true;
	for (rec = wl->wds; rec != NULL; rec = rec->next) {
		for (w = rec->watches; w != NULL; w = w->next) {
			if (w->pending == 0 || w->removed)
				continue;
			events = w->pending;
			w->pending = 0;
			w->fn(w->arg, events);
		}
	}
	wl->dispatching = false;
	if (wl->sweep)
		watch_sweep(wl);
}

static void
watch_io_cb(struct ev_loop *ev, ev_io *io, int revents)
{
	struct gd_watch_loop *wl = io->data;
	unsigned i;

	(void)ev;
	(void)revents;
	for (i = 0; i < WATCH_READS_PER_WAKE; i++)
		if (!watch_read(wl))
			break;
	watch_dispatch(wl);
}

void
gd_watch_loop_free(struct gd_watch_loop **wlp)
{
	struct gd_watch_loop *wl = *wlp;
	struct watch_wd *rec;
	struct gd_watch *w;

	if (wl == NULL)
		return;
	ev_io_stop(gd_loop_ev(wl->loop), &wl->io);
	while ((rec = wl->wds) != NULL) {
		wl->wds = rec->next;
		while ((w = rec->watches) != NULL) {
			rec->watches = w->next;
			w->magic = 0;
			free(w);
		}
		free(rec);
	}
	close(wl->fd);
	free(wl);
	*wlp = NULL;
}
