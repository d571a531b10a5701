/*
 * test-maildir-stress.c — concurrency and crash safety of the maildir
 * backend, bounded in time and count:
 *   - two delivering threads, one appending thread in another process
 *     (fork), and a reader syncing all along, on one mailbox: nothing
 *     lost, duplicated or torn, UIDs strictly increasing in every view;
 *   - a child doing deliveries, appends, flag changes and expunges,
 *     logging (fsynced) each one done, killed with SIGKILL at random
 *     points: after each round everything logged is there (or gone, for
 *     expunges), nothing partial is visible, UIDs stay unique.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#include "maildir-test-util.h"

#define RUN_MS		3000
#define PAD		"0123456789abcdef0123456789abcdef0123456789abcdef\r\n"

TestSuite(mdstress, .init = md_setup, .fini = md_teardown, .timeout = 60);

static atomic_bool stop;

/* A message that says who wrote it and ends with a marker, so a torn
 * one is seen. */
static void
make_msg(char *buf, size_t size, int writer, unsigned n)
{
	snprintf(buf, size, "From: w%d@example.com\r\nSubject: w=%d n=%u\r\n"
	    "\r\n%s%s%s%sEND w=%d n=%u\r\n", writer, writer, n, PAD, PAD,
	    PAD, PAD, writer, n);
}

static bool
msg_whole(const char *text, int *writer, unsigned *n)
{
	char tail[64];

	if (sscanf(text, "From: w%d@", writer) != 1 ||
	    sscanf(strstr(text, "Subject:"), "Subject: w=%*d n=%u", n) != 1)
		return false;
	snprintf(tail, sizeof(tail), "END w=%d n=%u\r\n", *writer, *n);
	return strlen(text) > strlen(tail) &&
	    strcmp(text + strlen(text) - strlen(tail), tail) == 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- concurrency ---------------------------------------------------------- */

struct writer {
	int id;
	unsigned done;
	bool deliver;
};

static void
deliver_one(int id, unsigned n)
{
	struct gd_mail_user u = { .name = "alice" };
	struct gd_mail_delivery *d;
	struct gd_mail_error err;
	char msg[1024];

	make_msg(msg, sizeof(msg), id, n);
	d = gd_mail_delivery_create(md_backend, &err);
	cr_assert_not_null(d, "%s", err.text);
	gd_mail_delivery_add(d, &u, NULL, 0);
	cr_assert_eq(gd_mail_delivery_write(d, msg, strlen(msg), &err), 0);
	cr_assert_eq(gd_mail_delivery_run(d, &err), 0, "%s", err.text);
	cr_assert_eq(gd_mail_delivery_result(d, 0)->status, GD_MAIL_DELIVERED,
	    "%s", gd_mail_delivery_result(d, 0)->error.text);
	gd_mail_delivery_destroy(&d);
}

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	struct gd_mail_store *store = md_store("alice");
	char msg[1024];

	while (!atomic_load(&stop) && w->done < 5000) {
		if (w->deliver) {
			deliver_one(w->id, w->done);
		} else {
			make_msg(msg, sizeof(msg), w->id, w->done);
			md_append(store, "INBOX", msg);
		}
		w->done++;
	}
	gd_mail_store_close(&store);
	return NULL;
}

/* Check a view: UIDs strictly increasing, new messages whole. */
static void
check_view(struct gd_mailbox *box, uint32_t from_seq)
{
	char text[2048];
	uint32_t seq;
	unsigned n;
	int w;

	for (seq = 2; seq <= gd_mailbox_count(box); seq++)
		cr_assert_lt(gd_mailbox_msg(box, seq - 1)->uid,
		    gd_mailbox_msg(box, seq)->uid);
	for (seq = from_seq; seq <= gd_mailbox_count(box); seq++) {
		md_content(box, seq, text, sizeof(text));
		cr_assert(msg_whole(text, &w, &n), "torn: %s", text);
	}
}

static void *
reader_run(void *arg)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box = md_open(store, "INBOX", 0);
	unsigned *syncs = arg;
	uint32_t before;

	check_view(box, 1);
	while (!atomic_load(&stop)) {
		before = gd_mailbox_count(box);
		md_sync(box, 0, NULL, NULL);
		check_view(box, before + 1);
		(*syncs)++;
	}
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
	return NULL;
}

static void
child_appender(int fd)
{
	struct gd_mail_store *store = md_store("alice");
	uint64_t end = now_ms() + RUN_MS;
	char msg[1024];
	unsigned n = 0;

	while (now_ms() < end && n < 5000) {
		make_msg(msg, sizeof(msg), 9, n);
		md_append(store, "INBOX", msg);
		n++;
	}
	gd_mail_store_close(&store);
	cr_assert_eq(write(fd, &n, sizeof(n)), (ssize_t)sizeof(n));
	_exit(0);
}

Test(mdstress, complex_concurrent_writers_and_a_reader)
{
	struct writer w[2] = { { 1, 0, true }, { 2, 0, false } };
	pthread_t t[3];
	unsigned syncs = 0, child_n = 0, total, i;
	struct gd_mail_store *store;
	struct gd_mailbox *box;
	uint8_t *seen[10];
	char text[2048];
	int fds[2], status, id;
	unsigned n;
	pid_t pid;

	store = md_store("alice");	/* create it before anyone races */
	gd_mail_store_close(&store);
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		child_appender(fds[1]);
	pthread_create(&t[0], NULL, writer_run, &w[0]);
	pthread_create(&t[1], NULL, writer_run, &w[1]);
	pthread_create(&t[2], NULL, reader_run, &syncs);
	usleep(RUN_MS * 1000);
	atomic_store(&stop, true);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(read(fds[0], &child_n, sizeof(child_n)),
	    (ssize_t)sizeof(child_n));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	total = w[0].done + w[1].done + child_n;
	cr_log_info("delivered %u + appended %u + child %u, %u syncs",
	    w[0].done, w[1].done, child_n, syncs);
	cr_assert_gt(w[0].done, 0);
	cr_assert_gt(child_n, 0);
	cr_assert_gt(syncs, 0);
	store = md_store("alice");
	box = md_open(store, "INBOX", GD_MAILBOX_READONLY);
	cr_assert_eq(gd_mailbox_count(box), total);
	for (i = 0; i < 10; i++)
		seen[i] = gd_xcalloc(5001, 1);
	for (i = 1; i <= total; i++) {
		md_content(box, i, text, sizeof(text));
		cr_assert(msg_whole(text, &id, &n), "torn: %s", text);
		cr_assert(id >= 0 && id < 10 && n <= 5000);
		cr_assert_eq(seen[id][n], 0, "duplicate w=%d n=%u", id, n);
		seen[id][n] = 1;
	}
	for (i = 0; i < 10; i++)
		free(seen[i]);
	check_view(box, 1);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* ---- crash safety ------------------------------------------------------------ */

#define CRASH_ROUNDS	8

static void
log_line(int fd, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(fd, line, (size_t)n) != n || fsync(fd) < 0)
		_exit(3);
}

/* The child: operations in a loop, each logged once done. */
static void
crash_child(int round, const char *logpath)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_flag_change ch = { .op = GD_MAIL_FLAGS_ADD,
	    .flags = GD_MAIL_FLAGGED };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char msg[1024];
	uint32_t uid, count;
	unsigned n;
	int fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT, 0600);

	srand((unsigned)(getpid() ^ round));
	box = md_open(store, "INBOX", 0);
	for (n = 0; n < 100000; n++) {
		int op = rand() % 4;

		if (op <= 1) {
			make_msg(msg, sizeof(msg), round, n);
			if (op == 0)
				uid = md_append(store, "INBOX", msg);
			else
				uid = md_append_full(store, "INBOX", msg,
				    GD_MAIL_SEEN, NULL, 1500000000);
			log_line(fd, "A %u %d %u\n", uid, round, n);
			continue;
		}
		if (gd_mailbox_sync(box, 0, NULL, NULL, &err) < 0)
			_exit(4);
		count = gd_mailbox_count(box);
		if (count == 0)
			continue;
		{
			struct gd_mail_range r;

			r.first = r.last = 1 + (uint32_t)rand() % count;
			uid = gd_mailbox_msg(box, r.first)->uid;
			if (op == 2 && gd_mailbox_set_flags(box, &r, 1, &ch,
			    NULL, NULL, NULL, &err) == 0)
				log_line(fd, "F %u\n", uid);
			if (op != 3 || count <= 20)
				continue;
			/* An expunge the kill interrupts may be done or not:
			 * say which message it is about first. */
			log_line(fd, "X %u\n", uid);
			if (gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_RANGES, &r,
			    1, NULL, NULL, &err) == 0)
				log_line(fd, "E %u\n", uid);
		}
	}
	_exit(0);
}

struct crash_expect {
	/* by UID: 1 added, 2 flagged, 3 gone, 4 being expunged */
	uint8_t state[65536];
	uint32_t max_uid;
};

static void
crash_read_log(const char *logpath, struct crash_expect *ex)
{
	char line[128];
	unsigned uid;
	FILE *f = fopen(logpath, "r");

	memset(ex, 0, sizeof(*ex));
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strchr(line, '\n') == NULL)
			break;		/* the line being written */
		if (sscanf(line + 2, "%u", &uid) != 1 || uid >= 65536)
			continue;
		if (line[0] == 'A')
			ex->state[uid] = 1;
		else if (line[0] == 'F' && ex->state[uid] != 3)
			ex->state[uid] = 2;
		else if (line[0] == 'E')
			ex->state[uid] = 3;
		else if (line[0] == 'X' && ex->state[uid] != 3)
			ex->state[uid] = 4;	/* maybe gone */
		if (uid > ex->max_uid)
			ex->max_uid = uid;
	}
	fclose(f);
}

static void
crash_verify(const char *logpath)
{
	static struct crash_expect ex;
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box = md_open(store, "INBOX", 0);
	char text[2048];
	uint32_t seq, uid;
	unsigned n;
	int w;

	crash_read_log(logpath, &ex);
	check_view(box, 1);
	for (uid = 1; uid <= ex.max_uid; uid++) {
		seq = gd_mailbox_seq_of_uid(box, uid);
		if (ex.state[uid] == 3) {
			cr_assert_eq(seq, 0, "expunged uid %u is back", uid);
			continue;
		}
		if (ex.state[uid] == 0 || ex.state[uid] == 4)
			continue;
		cr_assert_neq(seq, 0, "logged uid %u is lost (%s)", uid,
		    md_dir);
		if (ex.state[uid] == 2)
			cr_assert_neq(gd_mailbox_msg(box, seq)->flags &
			    GD_MAIL_FLAGGED, 0, "flag on %u lost", uid);
	}
	for (seq = 1; seq <= gd_mailbox_count(box); seq++) {
		md_content(box, seq, text, sizeof(text));
		cr_assert(msg_whole(text, &w, &n));
	}
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(mdstress, complex_kill_9_loses_nothing_reported)
{
	char logpath[PATH_MAX];
	struct gd_mail_store *store;
	int round, status;
	pid_t pid;

	snprintf(logpath, sizeof(logpath), "%s/ops.log", md_dir);
	store = md_store("alice");
	gd_mail_store_close(&store);
	srand((unsigned)time(NULL));
	for (round = 0; round < CRASH_ROUNDS; round++) {
		pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0)
			crash_child(round, logpath);
		usleep(20000 + (useconds_t)(rand() % 200) * 1000);
		kill(pid, SIGKILL);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFSIGNALED(status), "child ended by itself: %d",
		    WEXITSTATUS(status));
		crash_verify(logpath);
	}
}
