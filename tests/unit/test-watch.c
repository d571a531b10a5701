/*
 * test-watch.c — inotify watches on a worker loop: directory entries,
 * file modification, coalescing, removal from inside a callback, GONE
 * when the watched path disappears, two watches on one inode.  Every
 * wait is bounded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <gumdrop/loop.h>
#include <gumdrop/watch.h>

#include "loop-private.h"

static char dir[256];
static atomic_uint calls_a, calls_b;
static atomic_uint events_a;
static struct gd_watch *wa, *wb;
static atomic_bool added;

static void
setup(void)
{
	const char *error = NULL;

	snprintf(dir, sizeof(dir), "/tmp/gd-watch-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	atomic_store(&calls_a, 0);
	atomic_store(&calls_b, 0);
	atomic_store(&events_a, 0);
	atomic_store(&added, false);
	cr_assert_eq(gd_loops_start(1, 1, NULL, NULL, &error), 0, "%s", error);
}

static void
teardown(void)
{
	char cmd[300];

	gd_loops_join();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
}

/* Poll `counter` until it reaches n (at most 5 s). */
static bool
wait_for(atomic_uint *counter, unsigned n)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000 && atomic_load(counter) < n; i++)
		nanosleep(&ts, NULL);
	return atomic_load(counter) >= n;
}

static void
on_a(void *arg, unsigned events)
{
	(void)arg;
	atomic_fetch_or(&events_a, events);
	atomic_fetch_add(&calls_a, 1);
}

static void
on_b(void *arg, unsigned events)
{
	(void)arg;
	(void)events;
	atomic_fetch_add(&calls_b, 1);
}

/* Removes itself from inside its own callback. */
static void
on_b_remove(void *arg, unsigned events)
{
	(void)arg;
	(void)events;
	atomic_fetch_add(&calls_b, 1);
	gd_watch_remove(&wb);
}

struct add_req {
	char path[300];
	unsigned events;
	gd_watch_fn *fn;
	struct gd_watch **slot;
};

static void
do_add(void *arg)
{
	struct add_req *r = arg;
	const char *error = NULL;

	*r->slot = gd_watch_add(gd_loop_current(), r->path, r->events, r->fn,
	    NULL, &error);
	atomic_store(&added, true);
}

static void
do_remove(void *arg)
{
	struct gd_watch **slot = arg;

	gd_watch_remove(slot);
	atomic_store(&added, false);
}

static void
add_on_loop(const char *path, unsigned events, gd_watch_fn *fn,
    struct gd_watch **slot)
{
	static struct add_req r;
	int i;

	snprintf(r.path, sizeof(r.path), "%s", path);
	r.events = events;
	r.fn = fn;
	r.slot = slot;
	atomic_store(&added, false);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), do_add, &r), 0);
	for (i = 0; i < 1000 && !atomic_load(&added); i++)
		usleep(2000);
	cr_assert(atomic_load(&added));
	cr_assert_not_null(*slot, "watch on %s was refused", path);
}

static void
touch(const char *name, const char *text)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

TestSuite(watch, .init = setup, .fini = teardown, .timeout = 15);

Test(watch, directory_entries_are_reported)
{
	add_on_loop(dir, GD_WATCH_ENTRIES, on_a, &wa);
	touch("new-file", "x");
	cr_assert(wait_for(&calls_a, 1));
	cr_assert(atomic_load(&events_a) & GD_WATCH_ENTRIES);
}

static atomic_bool loop_busy;

/* Keeps the loop busy while the test writes, so that the events queue up
 * and arrive in one wake-up. */
static void
hold_loop(void *arg)
{
	(void)arg;
	atomic_store(&loop_busy, true);
	usleep(300 * 1000);
	atomic_store(&loop_busy, false);
}

Test(watch, file_modification_is_reported_and_coalesced)
{
	char path[400];
	int i;

	touch("f", "");
	snprintf(path, sizeof(path), "%s/f", dir);
	add_on_loop(path, GD_WATCH_MODIFY, on_a, &wa);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), hold_loop, NULL), 0);
	for (i = 0; i < 1000 && !atomic_load(&loop_busy); i++)
		usleep(1000);
	for (i = 0; i < 50; i++)
		touch("f", "line\n");
	cr_assert(atomic_load(&loop_busy), "the writes took too long");
	cr_assert(wait_for(&calls_a, 1));
	usleep(100 * 1000);
	/* 50 writes (100 events) queued during one busy spell: one call. */
	cr_assert_eq(atomic_load(&calls_a), 1);
	cr_assert(atomic_load(&events_a) & GD_WATCH_MODIFY);
}

Test(watch, unwatched_events_are_not_reported)
{
	char path[400];

	touch("f", "");
	snprintf(path, sizeof(path), "%s/f", dir);
	add_on_loop(path, GD_WATCH_ENTRIES, on_a, &wa);
	touch("f", "data");
	usleep(200 * 1000);
	cr_assert_eq(atomic_load(&calls_a), 0);
}

Test(watch, two_watches_on_one_directory_both_fire)
{
	add_on_loop(dir, GD_WATCH_ENTRIES, on_a, &wa);
	add_on_loop(dir, GD_WATCH_ENTRIES, on_b, &wb);
	touch("g", "x");
	cr_assert(wait_for(&calls_a, 1));
	cr_assert(wait_for(&calls_b, 1));
	/* Removing one keeps the other working. */
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), do_remove, &wb), 0);
	usleep(100 * 1000);
	touch("h", "x");
	cr_assert(wait_for(&calls_a, 2));
	usleep(100 * 1000);
	cr_assert_eq(atomic_load(&calls_b), 1);
}

Test(watch, removal_inside_the_callback_is_safe)
{
	add_on_loop(dir, GD_WATCH_ENTRIES, on_b_remove, &wb);
	add_on_loop(dir, GD_WATCH_ENTRIES, on_a, &wa);
	touch("i", "x");
	cr_assert(wait_for(&calls_b, 1));
	cr_assert(wait_for(&calls_a, 1));
	touch("j", "x");
	cr_assert(wait_for(&calls_a, 2));
	usleep(100 * 1000);
	cr_assert_eq(atomic_load(&calls_b), 1);
}

Test(watch, deleting_the_watched_directory_reports_gone)
{
	char sub[400];

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	add_on_loop(sub, GD_WATCH_ENTRIES, on_a, &wa);
	cr_assert_eq(rmdir(sub), 0);
	cr_assert(wait_for(&calls_a, 1));
	cr_assert(atomic_load(&events_a) & GD_WATCH_GONE);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), do_remove, &wa), 0);
}

static void
try_missing(void *arg)
{
	const char *error = NULL;
	char path[400];

	(void)arg;
	snprintf(path, sizeof(path), "%s/missing", dir);
	wa = gd_watch_add(gd_loop_current(), path, GD_WATCH_MODIFY, on_a,
	    NULL, &error);
	if (wa == NULL && error != NULL && strstr(error, "missing") != NULL)
		atomic_fetch_add(&calls_b, 1);
}

Test(watch, missing_path_is_refused_with_its_name)
{
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), try_missing, NULL), 0);
	cr_assert(wait_for(&calls_b, 1));
}
