/*
 * realm-file-watch.c — re-read the users file when it changes, using
 * gd_watch_add() on worker loop 0 (set up from thread_init).
 *
 * Two watches: the file itself (written in place) and its directory
 * (replaced by rename, as editors and `install` do; the file watch then
 * follows the new inode).  Events start a short timer so that a burst of
 * writes causes one re-read; when it fires, the file is re-read in the
 * blocking pool if its identity (inode, size, times) differs from the
 * table's.  Everything here runs on loop 0 except the re-read itself.
 */
#include "config.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "realm-file.h"

#define RF_WATCH_DELAY	0.1	/* seconds after the last event */

struct realm_file_watch {
	struct realm_file *rf;
	struct gd_loop *loop;
	char *path;
	struct gd_watch *file;
	struct gd_watch *dir;
	struct realm_file_stamp watched;	/* the inode `file` is on */
	ev_timer timer;
	bool busy;			/* a re-read runs in the pool */
	bool again;			/* an event came meanwhile */
};

static void rf_watch_arm(struct realm_file_watch *w);

static void
rf_watch_log(const char *path, const char *what, const char *error)
{
	char q[512], e[256];

	gd_log(GD_LOG_WARNING, "realm.file.watch", "file=%s reason=%s",
	    gd_log_quote(q, sizeof(q), path), gd_log_quote(e, sizeof(e),
	    error != NULL ? error : what));
}

static void
rf_on_file(void *arg, unsigned events)
{
	struct realm_file_watch *w = arg;

	if (events & GD_WATCH_GONE)
		gd_watch_remove(&w->file);
	rf_watch_arm(w);
}

static void
rf_on_dir(void *arg, unsigned events)
{
	struct realm_file_watch *w = arg;

	if (events & GD_WATCH_GONE)
		gd_watch_remove(&w->dir);
	rf_watch_arm(w);
}

/* (Re)create the watches that are missing or on a replaced inode. */
static void
rf_watch_ensure(struct realm_file_watch *w, bool log)
{
	struct realm_file_stamp now;
	const char *error = NULL;
	bool exists;
	char *copy;

	exists = realm_file_stamp_get(w->path, &now) == 0;
	if (exists && w->file != NULL && (now.ino != w->watched.ino ||
	    now.dev != w->watched.dev))
		gd_watch_remove(&w->file);
	if (w->file == NULL && exists) {
		w->file = gd_watch_add(w->loop, w->path, GD_WATCH_MODIFY |
		    GD_WATCH_ATTRIB, rf_on_file, w, &error);
		if (w->file != NULL)
			w->watched = now;
		else if (log)
			rf_watch_log(w->path, "cannot watch the file", error);
	}
	if (w->dir == NULL) {
		copy = gd_xstrdup(w->path);
		w->dir = gd_watch_add(w->loop, dirname(copy), GD_WATCH_ENTRIES,
		    rf_on_dir, w, &error);
		if (w->dir == NULL && log)
			rf_watch_log(w->path, "cannot watch the directory",
			    error);
		free(copy);
	}
}

/* Pool thread: read the file again. */
static void
rf_reread_work(void *arg)
{
	struct realm_file_watch *w = arg;
	struct gd_pool *pool = gd_pool_create("realm-file-reread");
	const char *error = NULL;

	if (realm_file_reread(w->rf, pool, &error) < 0)
		rf_watch_log(w->path, "re-read failed", error);
	gd_pool_destroy(&pool);
}

/* Loop 0: the re-read finished. */
static void
rf_reread_done(void *arg)
{
	struct realm_file_watch *w = arg;

	w->busy = false;
	if (w->again) {
		w->again = false;
		rf_watch_arm(w);
	}
}

static bool
rf_changed(struct realm_file_watch *w)
{
	struct realm_file_table *t = realm_file_current(w->rf);
	struct realm_file_stamp now;
	bool changed;

	if (t == NULL)
		return false;
	/* A missing file is no change: keep the users we have. */
	changed = realm_file_stamp_get(w->path, &now) == 0 &&
	    !realm_file_stamp_equal(&now, &t->stamp);
	realm_file_table_unref(&t);
	return changed;
}

static void
rf_on_timer(struct ev_loop *ev, ev_timer *timer, int revents)
{
	struct realm_file_watch *w = timer->data;

	if (w->busy) {
		w->again = true;
		return;
	}
	rf_watch_ensure(w, false);
	if (!rf_changed(w))
		return;
	w->busy = true;
	if (gd_work_submit(w->loop, rf_reread_work, rf_reread_done, w) < 0)
		w->busy = false;
}

static void
rf_watch_arm(struct realm_file_watch *w)
{
	struct ev_loop *ev = gd_loop_ev(w->loop);

	ev_timer_stop(ev, &w->timer);
	ev_timer_set(&w->timer, RF_WATCH_DELAY, 0.);
	ev_timer_start(ev, &w->timer);
}

void
realm_file_watch_start(struct realm_file *rf, struct gd_loop *loop)
{
	struct realm_file_watch *w = gd_xcalloc(1, sizeof(*w));

	w->rf = rf;
	w->loop = loop;
	pthread_mutex_lock(&rf->lock);
	w->path = gd_xstrdup(rf->conf.path);
	pthread_mutex_unlock(&rf->lock);
	ev_timer_init(&w->timer, rf_on_timer, RF_WATCH_DELAY, 0.);
	w->timer.data = w;
	rf_watch_ensure(w, true);
	rf->watch = w;
	/* A change between the first read and now is not missed. */
	rf_watch_arm(w);
}

void
realm_file_watch_stop(struct realm_file *rf)
{
	struct realm_file_watch *w = rf->watch;

	if (w == NULL)
		return;
	ev_timer_stop(gd_loop_ev(w->loop), &w->timer);
	gd_watch_remove(&w->file);
	gd_watch_remove(&w->dir);
	free(w->path);
	free(w);
	rf->watch = NULL;
}

/* On loop 0: follow the new path. */
static void
rf_watch_move(void *arg)
{
	struct realm_file *rf = arg;
	struct realm_file_watch *w = rf->watch;

	if (w == NULL)
		return;
	gd_watch_remove(&w->file);
	gd_watch_remove(&w->dir);
	free(w->path);
	pthread_mutex_lock(&rf->lock);
	w->path = gd_xstrdup(rf->conf.path);
	pthread_mutex_unlock(&rf->lock);
	rf_watch_ensure(w, true);
}

void
realm_file_watch_repath(struct realm_file *rf)
{
	struct gd_loop *loop;

	pthread_mutex_lock(&rf->lock);
	loop = rf->watch_loop;
	pthread_mutex_unlock(&rf->lock);
	if (loop != NULL)
		(void)gd_loop_invoke(loop, rf_watch_move, rf);
}
