/*
 * bench-mailbox.c — figures for the maildir backend (scripts/bench-mailbox
 * builds and runs it; not part of the test suite).
 *
 *   bench-mailbox DIR
 *
 * 1. Delivery of BENCH_MESSAGES (10000) messages of 4 KiB into a Maildir
 *    through the delivery API (create, add one recipient, write, run)
 *    from 8 threads, fsync on; beside it the machine's own limit in the
 *    same file system: create + write + fsync + rename + directory fsync
 *    from 8 threads.  Prints both rates and their ratio.
 * 2. Opening a Maildir of BENCH_OPEN (100000) messages: cold (no state:
 *    every file is listed and examined, the state written) and warm
 *    (unchanged: the state alone), time and heap growth per message
 *    (mallinfo2 before and after the open).
 * Everything lives under DIR, which the caller removes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox-impl.h>

#include "module-private.h"

#define THREADS		8
#define MSG_SIZE	4096

static const char *bench_dir;
static const struct gd_mail_backend *bench_backend;
static char bench_msg[MSG_SIZE];
static atomic_uint bench_next;
static unsigned bench_total;


static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread (the machine may be shared). */
static double
bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_die(const char *what, const char *detail)
{
	fprintf(stderr, "bench-mailbox: %s: %s\n", what, detail);
	exit(1);
}

static void
bench_mkdir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		bench_die(path, strerror(errno));
}

/* ---- delivery ------------------------------------------------------------ */

static void *
bench_deliver_thread(void *arg)
{
	struct gd_mail_user u = { .name = "bench" };
	struct gd_mail_delivery *d;
	struct gd_mail_error err;

	(void)arg;
	while (atomic_fetch_add(&bench_next, 1) < bench_total) {
		d = gd_mail_delivery_create(bench_backend, &err);
		if (d == NULL)
			bench_die("delivery", err.text);
		gd_mail_delivery_add(d, &u, NULL, 0);
		if (gd_mail_delivery_write(d, bench_msg, MSG_SIZE, &err) < 0 ||
		    gd_mail_delivery_run(d, &err) < 0)
			bench_die("delivery", err.text);
		if (gd_mail_delivery_result(d, 0)->status != GD_MAIL_DELIVERED)
			bench_die("delivery",
			    gd_mail_delivery_result(d, 0)->error.text);
		gd_mail_delivery_destroy(&d);
	}
	return NULL;
}

static void *
bench_raw_thread(void *arg)
{
	char tmp[PATH_MAX], dst[PATH_MAX], newdir[PATH_MAX];
	unsigned n, id = (unsigned)(uintptr_t)arg;
	int fd, dfd;

	snprintf(newdir, sizeof(newdir), "%s/raw/new", bench_dir);
	while ((n = atomic_fetch_add(&bench_next, 1)) < bench_total) {
		snprintf(tmp, sizeof(tmp), "%s/raw/tmp/%u.%u", bench_dir, id, n);
		snprintf(dst, sizeof(dst), "%s/%u.%u", newdir, id, n);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || write(fd, bench_msg, MSG_SIZE) != MSG_SIZE ||
		    fsync(fd) < 0 || close(fd) < 0 || rename(tmp, dst) < 0)
			bench_die("raw", strerror(errno));
		dfd = open(newdir, O_RDONLY | O_DIRECTORY);
		if (dfd < 0 || fsync(dfd) < 0)
			bench_die("raw dir", strerror(errno));
		close(dfd);
	}
	return NULL;
}

static double
bench_threads(void *(*fn)(void *))
{
	pthread_t t[THREADS];
	double start;
	uintptr_t i;

	atomic_store(&bench_next, 0);
	start = bench_now();
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, fn, (void *)i);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	return (double)bench_total / (bench_now() - start);
}

static void
bench_delivery(unsigned count)
{
	char path[PATH_MAX];
	double ours, raw;
	size_t i;

	for (i = 0; i < MSG_SIZE; i++)
		bench_msg[i] = (i % 78 == 77) ? '\n' : (i % 78 == 76) ? '\r' :
		    (char)('a' + i % 26);
	bench_total = count;
	snprintf(path, sizeof(path), "%s/raw", bench_dir);
	bench_mkdir(path);
	snprintf(path, sizeof(path), "%s/raw/tmp", bench_dir);
	bench_mkdir(path);
	snprintf(path, sizeof(path), "%s/raw/new", bench_dir);
	bench_mkdir(path);
	raw = bench_threads(bench_raw_thread);
	ours = bench_threads(bench_deliver_thread);
	printf("delivery: %u messages of 4 KiB, %d threads, fsync on\n",
	    count, THREADS);
	printf("  gumdrop delivery API:  %8.0f messages/s\n", ours);
	printf("  file system limit:     %8.0f messages/s (create, write, "
	    "fsync, rename, dir fsync)\n", raw);
	printf("  ratio:                 %8.0f %%  (target: at least 80 %%)\n",
	    100.0 * ours / raw);
}

/* ---- opening a large Maildir ---------------------------------------------- */

static void
bench_fill(const char *root, unsigned count)
{
	char path[PATH_MAX];
	unsigned i;
	int fd;

	snprintf(path, sizeof(path), "%s", root);
	bench_mkdir(path);
	snprintf(path, sizeof(path), "%s/cur", root);
	bench_mkdir(path);
	snprintf(path, sizeof(path), "%s/new", root);
	bench_mkdir(path);
	snprintf(path, sizeof(path), "%s/tmp", root);
	bench_mkdir(path);
	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path),
		    "%s/cur/%u.M%uP4242Q%uR0011223344556677.bench.example.org,"
		    "S=%d,W=%d:2,%s", root, 1700000000 + i / 10, i % 1000000,
		    i, MSG_SIZE, MSG_SIZE, i % 3 == 0 ? "S" :
		    i % 3 == 1 ? "FS" : "");
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, bench_msg, 64) != 64)
			bench_die(path, strerror(errno));
		close(fd);
	}
}

static size_t
bench_heap(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void
bench_open_once(struct gd_mail_store *store, const char *what,
    unsigned count)
{
	struct gd_mailbox *box = NULL;
	struct gd_mail_error err;
	size_t before, after;
	double start, ms, cpu;

	malloc_trim(0);
	before = bench_heap();
	start = bench_now();
	cpu = bench_cpu();
	if (gd_mailbox_open(store, "INBOX", 0, &box, &err) < 0)
		bench_die("open", err.text);
	ms = (bench_now() - start) * 1000;
	cpu = (bench_cpu() - cpu) * 1000;
	after = bench_heap();
	if (gd_mailbox_count(box) != count)
		bench_die("open", "wrong message count");
	printf("  %-5s open: %8.1f ms (CPU %.1f ms), %6.1f bytes/message of "
	    "heap%s\n", what, ms, cpu, (double)(after - before) / count,
	    strcmp(what, "warm") == 0 ? "  (targets: 50 ms, 200 bytes)" : "");
	gd_mailbox_close(&box);
}

static void
bench_open(unsigned count)
{
	struct gd_mail_user u = { .name = "big" };
	struct gd_mail_store *store = NULL;
	struct gd_mail_error err;
	const char *env = getenv("BENCH_REPEAT");
	int i, repeat = env != NULL ? atoi(env) : 1;
	char root[PATH_MAX];
	double start;

	snprintf(root, sizeof(root), "%s/mail/big", bench_dir);
	start = bench_now();
	bench_fill(root, count);
	printf("open: a Maildir of %u messages (made in %.1f s)\n", count,
	    bench_now() - start);
	/* Directory mtimes closer than a second to "now" are not trusted
	 * (timestamp granularity): let them age as a real mailbox would. */
	sleep(2);
	if (gd_mail_store_open(bench_backend, &u, 0, &store, &err) < 0)
		bench_die("store", err.text);
	bench_open_once(store, "cold", count);
	bench_open_once(store, "warm", count);
	for (i = 0; i < repeat; i++)
		bench_open_once(store, "warm", count);
	gd_mail_store_close(&store);
}

int
main(int argc, char **argv)
{
	char text[1024], *cerr = NULL;
	const char *error = NULL, *env;
	struct gd_config *cfg;
	struct gd_mail_error err;
	unsigned deliveries = 10000, opens = 100000;

	if (argc != 2)
		bench_die("usage", "bench-mailbox DIR");
	bench_dir = argv[1];
	if ((env = getenv("BENCH_MESSAGES")) != NULL)
		deliveries = (unsigned)atoi(env);
	if ((env = getenv("BENCH_OPEN")) != NULL)
		opens = (unsigned)atoi(env);
	bench_mkdir(bench_dir);
	snprintf(text, sizeof(text),
	    "modules: {path: \"%s/modules/maildir/.libs\", load: [maildir]}\n"
	    "maildir: {path: \"%s/mail/%%u\", create-special-use: false}\n",
	    GD_TOP_BUILDDIR, bench_dir);
	cfg = gd_config_load_string("bench.yaml", text, strlen(text), &cerr);
	if (cfg == NULL)
		bench_die("config", cerr);
	gd_log_open(GD_LOG_WARNING, GD_LOG_TARGET_STDERR, "bench", 0);
	if (gd_modules_load(gd_config_root(cfg), NULL, &error) < 0)
		bench_die("modules", error);
	bench_backend = gd_mail_backend_find("maildir", &err);
	if (bench_backend == NULL)
		bench_die("backend", err.text);
	if (deliveries > 0)
		bench_delivery(deliveries);
	if (opens > 0)
		bench_open(opens);
	gd_modules_unload();
	gd_config_free(&cfg);
	return 0;
}
