/*
 * test-maildir-group.c — group commit of concurrent appends to one
 * Maildir (modules/maildir/maildir-group.c), with fsync on:
 *   - 16 threads deliver 50 messages each into one INBOX: every message
 *     is there once with the UID its delivery reported, UIDs increase
 *     in each thread's order, the state reads back the same after
 *     reopening, and there were fewer state transactions than messages
 *     (a transaction gives all its messages one modseq);
 *   - while the state lock is held elsewhere, 8 appends queue; one of
 *     them hands over a file that has vanished: it alone fails, the
 *     other 7 are committed together (one modseq);
 *   - members whose files are on another file system copy them and
 *     queue again, the others are committed as usual.
 */
#include "config.h"

#include <pthread.h>
#include <sys/file.h>

#include "maildir-test-util.h"

#define THREADS		16
#define PER_THREAD	50
#define QUEUED		8

static void
md_setup_fsync(void)
{
	md_setup_with("  fsync: true\n");
}

TestSuite(mdgroup, .init = md_setup_fsync, .fini = md_teardown,
    .timeout = 120);

static uint32_t uids[THREADS][PER_THREAD];

static void
deliver(int w, unsigned n)
{
	struct gd_mail_user u = { .name = "alice" };
	struct gd_mail_delivery *d;
	struct gd_mail_error err;
	char msg[4096];

	snprintf(msg, sizeof(msg), "From: w%d@example.com\r\n"
	    "Subject: w=%d n=%u\r\n\r\nbody %d %u\r\n", w, w, n, w, n);
	d = gd_mail_delivery_create(md_backend, &err);
	cr_assert_not_null(d, "%s", err.text);
	gd_mail_delivery_add(d, &u, NULL, 0);
	cr_assert_eq(gd_mail_delivery_write(d, msg, strlen(msg), &err), 0);
	cr_assert_eq(gd_mail_delivery_run(d, &err), 0, "%s", err.text);
	cr_assert_eq(gd_mail_delivery_result(d, 0)->status, GD_MAIL_DELIVERED,
	    "%s", gd_mail_delivery_result(d, 0)->error.text);
	uids[w][n] = gd_mail_delivery_result(d, 0)->uid;
	gd_mail_delivery_destroy(&d);
}

static void *
deliverer(void *arg)
{
	int w = (int)(intptr_t)arg;
	unsigned n;

	for (n = 0; n < PER_THREAD; n++)
		deliver(w, n);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Distinct modseqs of the mailbox's messages (one per transaction). */
static unsigned
count_modseqs(struct gd_mailbox *box)
{
	uint32_t count = gd_mailbox_count(box), seq;
	uint64_t *m = calloc(count + 1, sizeof(*m));
	unsigned distinct = 0;

	for (seq = 1; seq <= count; seq++)
		m[seq - 1] = gd_mailbox_msg(box, seq)->modseq;
	qsort(m, count, sizeof(*m), cmp_u64);
	for (seq = 0; seq < count; seq++)
		distinct += seq == 0 || m[seq] != m[seq - 1];
	free(m);
	return distinct;
}

/* Every message once, at the UID its delivery reported. */
static void
check_all(struct gd_mailbox *box)
{
	static bool seen[THREADS][PER_THREAD];
	char text[4096];
	uint32_t seq;
	unsigned n;
	int w;

	memset(seen, 0, sizeof(seen));
	cr_assert_eq(gd_mailbox_count(box), THREADS * PER_THREAD);
	for (seq = 1; seq <= gd_mailbox_count(box); seq++) {
		if (seq > 1)
			cr_assert_lt(gd_mailbox_msg(box, seq - 1)->uid,
			    gd_mailbox_msg(box, seq)->uid);
		md_content(box, seq, text, sizeof(text));
		cr_assert_eq(sscanf(strstr(text, "Subject:"),
		    "Subject: w=%d n=%u", &w, &n), 2, "%s", text);
		cr_assert(w >= 0 && w < THREADS && n < PER_THREAD);
		cr_assert_not(seen[w][n], "w=%d n=%u twice", w, n);
		seen[w][n] = true;
		cr_assert_eq(gd_mailbox_msg(box, seq)->uid, uids[w][n]);
	}
}

Test(mdgroup, complex_sixteen_threads_share_commits)
{
	pthread_t t[THREADS];
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box;
	char path[PATH_MAX];
	unsigned n, txns;
	int w;

	for (w = 0; w < THREADS; w++)
		pthread_create(&t[w], NULL, deliverer, (void *)(intptr_t)w);
	for (w = 0; w < THREADS; w++)
		pthread_join(t[w], NULL);
	for (w = 0; w < THREADS; w++)
		for (n = 1; n < PER_THREAD; n++)
			cr_assert_lt(uids[w][n - 1], uids[w][n]);
	snprintf(path, sizeof(path), "%s/new", md_root);
	cr_assert_eq(md_count_files(path), THREADS * PER_THREAD);
	gd_mail_store_close(&store);

	/* Reopened: the state gives the same UIDs. */
	store = md_store("alice");
	box = md_open(store, "INBOX", 0);
	check_all(box);
	txns = count_modseqs(box);
	cr_log_info("%u messages in %u state transactions",
	    THREADS * PER_THREAD, txns);
	cr_assert_lt(txns, THREADS * PER_THREAD);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* ---- one member fails alone ---------------------------------------------- */

struct queued {
	struct gd_mail_store *store;
	char path[PATH_MAX];	/* the spool file handed over */
	int fd;
	int ret;
	uint32_t uid;
	struct gd_mail_error err;
};

static void *
queued_append(void *arg)
{
	struct queued *q = arg;
	struct gd_mail_append_info info = { 0 };
	uint32_t uidv = 0;
	struct stat sb;

	cr_assert_eq(fstat(q->fd, &sb), 0);
	q->ret = q->store->backend->append_file(q->store, "INBOX", &info,
	    q->fd, q->path, (uint64_t)sb.st_size, &uidv, &q->uid, &q->err);
	return NULL;
}

/* Spool file i of q in `dir` (opened), then run the appends while the
 * state lock is held elsewhere, so that they all queue. */
static void
queued_prepare(struct queued *q, int i, struct gd_mail_store *store,
    const char *dir)
{
	char text[256];

	memset(q, 0, sizeof(*q));
	q->store = store;
	snprintf(q->path, sizeof(q->path), "%s/spool.%d", dir, i);
	snprintf(text, sizeof(text), "Subject: q=%d\r\n\r\nx\r\n", i);
	md_write_file(q->path, text);
	q->fd = open(q->path, O_RDONLY);
	cr_assert_geq(q->fd, 0);
}

static void
queued_run(struct queued *q, int n)
{
	pthread_t t[QUEUED];
	char path[PATH_MAX];
	int lock, i;

	snprintf(path, sizeof(path), "%s/gumdrop-uidlist.lock", md_root);
	lock = open(path, O_RDWR | O_CREAT, 0600);
	cr_assert_geq(lock, 0);
	cr_assert_eq(flock(lock, LOCK_EX), 0);
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, queued_append, &q[i]);
	usleep(300 * 1000);		/* let them all queue */
	flock(lock, LOCK_UN);
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		close(q[i].fd);
	}
	close(lock);
}

/* The mailbox has `n` messages, all of one transaction. */
static void
check_one_transaction(struct gd_mail_store *store, uint32_t n)
{
	struct gd_mailbox *box;
	char path[PATH_MAX];
	uint32_t seq;

	snprintf(path, sizeof(path), "%s/new", md_root);
	cr_assert_eq(md_count_files(path), n);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), n);
	for (seq = 1; seq <= n; seq++)
		cr_assert_eq(gd_mailbox_msg(box, seq)->modseq,
		    gd_mailbox_msg(box, 1)->modseq, "not one transaction");
	gd_mailbox_close(&box);
}

Test(mdgroup, complex_vanished_file_fails_alone)
{
	struct gd_mail_store *store = md_store("alice");
	struct queued q[QUEUED];
	char dir[PATH_MAX];
	int i;

	snprintf(dir, sizeof(dir), "%s/tmp", md_root);
	for (i = 0; i < QUEUED; i++)
		queued_prepare(&q[i], i, store, dir);
	unlink(q[3].path);		/* vanished before its turn */
	queued_run(q, QUEUED);
	for (i = 0; i < QUEUED; i++) {
		if (i == 3) {
			cr_assert_eq(q[i].ret, -1);
			cr_assert(strstr(q[i].err.text, "place") != NULL,
			    "%s", q[i].err.text);
			continue;
		}
		cr_assert_eq(q[i].ret, 0, "%d: %s", i, q[i].err.text);
		cr_assert_neq(q[i].uid, 0);
		unlink(q[i].path);
	}
	check_one_transaction(store, QUEUED - 1);
	gd_mail_store_close(&store);
}

/* Files on another file system cannot be linked: those members copy
 * into tmp/ and queue again; the others are not held up or failed. */
Test(mdgroup, complex_other_file_system_copies)
{
	struct gd_mail_store *store = md_store("alice");
	struct queued q[4];
	char dir[PATH_MAX], other[PATH_MAX];
	struct stat sb;
	int i;

	snprintf(dir, sizeof(dir), "%s/tmp", md_root);
	snprintf(other, sizeof(other), "%s/other", md_dir);
	cr_assert_eq(mkdir(other, 0700), 0);
	if (mount("gd-exdev", other, "tmpfs", 0, "size=1m") < 0)
		cr_skip_test("cannot mount a tmpfs: %s", strerror(errno));
	snprintf(md_mount, sizeof(md_mount), "%s", other);	/* teardown */
	for (i = 0; i < 4; i++)
		queued_prepare(&q[i], i, store, i % 2 ? other : dir);
	queued_run(q, 4);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(q[i].ret, 0, "%d: %s", i, q[i].err.text);
		cr_assert_eq(stat(q[i].path, &sb), 0);
		cr_assert_eq(sb.st_nlink, i % 2 ? 1 : 2);
	}
	cr_assert_neq(q[0].uid, q[1].uid);
	snprintf(dir, sizeof(dir), "%s/new", md_root);
	cr_assert_eq(md_count_files(dir), 4);
	gd_mail_store_close(&store);
}
