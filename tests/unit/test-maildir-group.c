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
 *     other 7 are committed together (one modseq).
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

Test(mdgroup, complex_vanished_file_fails_alone)
{
	struct queued q[QUEUED];
	pthread_t t[QUEUED];
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box;
	char path[PATH_MAX], text[256];
	uint32_t seq;
	int lock, i;

	snprintf(path, sizeof(path), "%s/gumdrop-uidlist.lock", md_root);
	lock = open(path, O_RDWR | O_CREAT, 0600);
	cr_assert_geq(lock, 0);
	cr_assert_eq(flock(lock, LOCK_EX), 0);
	for (i = 0; i < QUEUED; i++) {
		memset(&q[i], 0, sizeof(q[i]));
		q[i].store = store;
		snprintf(q[i].path, sizeof(q[i].path), "%s/tmp/spool.%d",
		    md_root, i);
		snprintf(text, sizeof(text), "Subject: q=%d\r\n\r\nx\r\n", i);
		md_write_file(q[i].path, text);
		q[i].fd = open(q[i].path, O_RDONLY);
		cr_assert_geq(q[i].fd, 0);
	}
	unlink(q[3].path);		/* vanished before its turn */
	for (i = 0; i < QUEUED; i++)
		pthread_create(&t[i], NULL, queued_append, &q[i]);
	usleep(300 * 1000);		/* let them all queue */
	flock(lock, LOCK_UN);
	for (i = 0; i < QUEUED; i++)
		pthread_join(t[i], NULL);
	close(lock);
	for (i = 0; i < QUEUED; i++) {
		close(q[i].fd);
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
	snprintf(path, sizeof(path), "%s/new", md_root);
	cr_assert_eq(md_count_files(path), QUEUED - 1);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), QUEUED - 1);
	for (seq = 1; seq <= QUEUED - 1; seq++)
		cr_assert_eq(gd_mailbox_msg(box, seq)->modseq,
		    gd_mailbox_msg(box, 1)->modseq, "not one transaction");
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}
