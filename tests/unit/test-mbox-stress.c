/*
 * test-mbox-stress.c — concurrency and crash safety of the mbox backend.
 *
 * concurrency: two threads append (each with its own store), a third
 * syncs, reads every message and flips \Seen (rewrites), while another
 * PROCESS appends the way procmail does (dotlock, then a classic fcntl
 * lock, append, fsync).  Afterwards: every message exactly once, whole,
 * with a unique UID.
 *
 * crash: a child appends, flags and expunges, logging each success
 * (fsynced) after the call returned; it is killed with SIGKILL at a
 * random moment; the parent reopens and checks that everything logged
 * is there (appends present and whole, flags set, expunges gone), that
 * no partial message is visible, and that the file parses cleanly with
 * a plain reader.  Rounds and durations are bounded.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#include "mbox-test-util.h"
#include "../../modules/mbox/mbox-private.h"

#define ST_PER_WRITER	25
#define ST_PROC_MSGS	25

TestSuite(stress, .init = mt_setup, .fini = mt_teardown, .timeout = 120);

/* "Subject: <tag>\r\n\r\n" then lines that say who and where: a torn or
 * mixed message cannot pass check_body(). */
static size_t
make_body(char *buf, size_t size, const char *tag, unsigned lines,
    const char *eol)
{
	size_t n;
	unsigned i;

	n = (size_t)snprintf(buf, size, "Subject: %s%s%s", tag, eol, eol);
	for (i = 0; i < lines && n + 80 < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s line %u of %u%s%s",
		    tag, i, lines, i % 7 == 3 ? " From x" : "", eol);
	if (lines % 5 == 0)
		n += (size_t)snprintf(buf + n, size - n, "From %s%s", tag, eol);
	return n;
}

static void
check_body(const char *got, char *tag_r, size_t tag_size)
{
	char *want = malloc(4 * 1024 * 1024), tag[64];
	unsigned lines;
	const char *p;

	cr_assert_eq(strncmp(got, "Subject: ", 9), 0, "no subject: %.60s",
	    got);
	p = got + 9;
	snprintf(tag, sizeof(tag), "%.*s", (int)strcspn(p, "\r\n"), p);
	p = strstr(got, " of ");
	cr_assert_not_null(p, "%.80s", got);
	lines = (unsigned)strtoul(p + 4, NULL, 10);
	make_body(want, 4 * 1024 * 1024, tag, lines, "\r\n");
	cr_assert_str_eq(got, want, "message %s damaged", tag);
	snprintf(tag_r, tag_size, "%s", tag);
	free(want);
}

/* ---- concurrency ----------------------------------------------------- */

static atomic_bool stop_reader;

static void *
writer(void *arg)
{
	struct gd_mail_store *store = mt_store("u");
	char tag[32], body[65536];
	unsigned i;
	size_t n;

	for (i = 0; i < ST_PER_WRITER; i++) {
		snprintf(tag, sizeof(tag), "T%lu-%u",
		    (unsigned long)(uintptr_t)arg, i);
		n = make_body(body, sizeof(body), tag, 1 + (i * 37) % 400,
		    "\r\n");
		mt_append_flags(store, "INBOX", body, n, 0, NULL);
	}
	gd_mail_store_close(&store);
	return NULL;
}

static void *
reader(void *arg)
{
	struct gd_mail_store *store = mt_store("u");
	struct gd_mail_flag_change ch = { GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN,
	    NULL, 0 };
	struct gd_mailbox *box = mt_open(store, "INBOX", 0);
	struct gd_mail_range r;
	struct gd_mail_error err;
	char tag[64], *text;
	uint32_t seq;
	unsigned rounds = 0;

	(void)arg;
	while (!atomic_load(&stop_reader) && rounds++ < 2000) {
		mt_sync(box);
		for (seq = 1; seq <= gd_mailbox_count(box); seq++) {
			text = mt_read(box, seq, NULL);
			check_body(text, tag, sizeof(tag));
			free(text);
		}
		if (gd_mailbox_count(box) > 0) {
			r.first = r.last = 1 + rounds % gd_mailbox_count(box);
			ch.op = rounds % 2 ? GD_MAIL_FLAGS_ADD :
			    GD_MAIL_FLAGS_REMOVE;
			cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch,
			    NULL, NULL, NULL, &err), 0, "%s", err.text);
		}
	}
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
	return NULL;
}

/* procmail's way: dotlock, classic fcntl lock, append, fsync, unlock. */
static void
proc_append(const char *path, const char *text)
{
	char lock[600];
	struct flock fl;
	int lfd, fd, tries;

	snprintf(lock, sizeof(lock), "%s.lock", path);
	for (tries = 0; tries < 20000; tries++) {
		lfd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (lfd >= 0)
			break;
		usleep(1000);
	}
	if (lfd < 0)
		_exit(3);
	close(lfd);
	fd = open(path, O_WRONLY | O_APPEND);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    fsync(fd) < 0)
		_exit(4);
	close(fd);
	unlink(lock);
}

static void
proc_child(const char *path)
{
	char tag[32], body[65536], msg[70000];
	unsigned i;

	for (i = 0; i < ST_PROC_MSGS; i++) {
		snprintf(tag, sizeof(tag), "P-%u", i);
		make_body(body, sizeof(body), tag, 1 + (i * 53) % 300, "\n");
		/* mboxrd quoting, as procmail does for "From " lines. */
		{
			const char *s = body;
			size_t n = (size_t)snprintf(msg, sizeof(msg),
			    "From proc@example.org Mon Nov 30 06:17:26 2026\n");

			while (*s != '\0') {
				const char *q = s;

				while (*q == '>')
					q++;
				if (strncmp(q, "From ", 5) == 0)
					msg[n++] = '>';
				while (*s != '\0' && *s != '\n')
					msg[n++] = *s++;
				if (*s == '\n')
					msg[n++] = *s++;
			}
			msg[n++] = '\n';
			msg[n] = '\0';
		}
		proc_append(path, msg);
		usleep(2000);
	}
	_exit(0);
}

Test(stress, threads_and_a_procmail_like_process)
{
	struct gd_mail_store *store = mt_store("u");
	char tag[64], *text, seen[128];
	pthread_t w1, w2, r;
	struct gd_mailbox *box;
	uint32_t seq, total;
	unsigned t, i;
	int status;
	pid_t pid;

	gd_mail_store_close(&store);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		proc_child(mt_path("u", "INBOX.mbox"));
	atomic_store(&stop_reader, false);
	pthread_create(&w1, NULL, writer, (void *)1);
	pthread_create(&w2, NULL, writer, (void *)2);
	pthread_create(&r, NULL, reader, NULL);
	pthread_join(w1, NULL);
	pthread_join(w2, NULL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the procmail-like child failed: %d", status);
	atomic_store(&stop_reader, true);
	pthread_join(r, NULL);

	store = mt_store("u");
	box = mt_open(store, "INBOX", GD_MAILBOX_READONLY);
	total = 2 * ST_PER_WRITER + ST_PROC_MSGS;
	cr_assert_eq(gd_mailbox_count(box), total, "%u messages, want %u",
	    gd_mailbox_count(box), total);
	memset(seen, 0, sizeof(seen));
	for (seq = 1; seq <= total; seq++) {
		if (seq > 1)
			cr_assert_gt(gd_mailbox_msg(box, seq)->uid,
			    gd_mailbox_msg(box, seq - 1)->uid);
		text = mt_read(box, seq, NULL);
		check_body(text, tag, sizeof(tag));
		free(text);
		if (tag[0] == 'P')
			i = 2 * ST_PER_WRITER + (unsigned)atoi(tag + 2);
		else {
			t = (unsigned)atoi(tag + 1);
			i = (t - 1) * ST_PER_WRITER +
			    (unsigned)atoi(strchr(tag, '-') + 1);
		}
		cr_assert_lt(i, total);
		cr_assert_eq(seen[i], 0, "%s twice", tag);
		seen[i] = 1;
	}
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* ---- crash safety ---------------------------------------------------- */

#define CR_ROUNDS	40
#define CR_BODY_MAX	(3 * 1024 * 1024)

static void
child_log(int log, const char *fmt, unsigned a, unsigned b)
{
	char line[64];
	int n = snprintf(line, sizeof(line), fmt, a, b);

	if (write(log, line, (size_t)n) != n || fsync(log) < 0)
		_exit(5);
}

/*
 * Work until killed: append a message of up to 2 MB (so that kills often
 * land inside an append), then flag the newest or, when there are three,
 * delete and expunge the oldest (so the mailbox stays small), logging
 * each success after the call returned.
 */
static void
crash_child(unsigned round, int log)
{
	struct gd_mail_store *store = mt_store("u");
	struct gd_mail_flag_change ch = { GD_MAIL_FLAGS_ADD, 0, NULL, 0 };
	struct gd_mail_range r;
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char tag[32], *body = malloc(CR_BODY_MAX);
	unsigned i, uid;
	size_t n;

	for (i = 0; ; i++) {
		snprintf(tag, sizeof(tag), "R%u-%u", round, i);
		n = make_body(body, CR_BODY_MAX, tag, 1 + (round * 31 + i *
		    7919) % 60000, i % 3 ? "\r\n" : "\n");
		uid = mt_append_flags(store, "INBOX", body, n, 0, NULL);
		child_log(log, "A %u %u\n", uid, (unsigned)i);
		box = mt_open(store, "INBOX", 0);
		r.first = r.last = gd_mailbox_count(box) >= 3 ? 1 :
		    gd_mailbox_count(box);
		uid = gd_mailbox_msg(box, r.first)->uid;
		ch.flags = r.first == 1 && gd_mailbox_count(box) >= 3 ?
		    GD_MAIL_DELETED : GD_MAIL_FLAGGED;
		if (gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL,
		    &err) < 0)
			_exit(6);
		child_log(log, "F %u %u\n", uid, ch.flags);
		if (ch.flags == GD_MAIL_DELETED) {
			/* This one only: a \Deleted set whose log line the
			 * kill prevented must not be expunged later. */
			if (gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_RANGES,
			    &r, 1, NULL, NULL, &err) < 0)
				_exit(7);
			child_log(log, "X %u %u\n", uid, 0);
		}
		gd_mailbox_close(&box);
	}
}

struct cr_expect {
	bool appended;
	bool flagged;
	bool expunged;
	bool deleted;
};

static void
crash_check(const char *logpath, struct cr_expect *ex, size_t max)
{
	char *log = mt_file(logpath, NULL), *line, *save = NULL;
	unsigned uid, v;
	char op;

	for (line = strtok_r(log, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		cr_assert_eq(sscanf(line, "%c %u %u", &op, &uid, &v), 3,
		    "log line %s", line);
		cr_assert_lt(uid, max);
		if (op == 'A')
			ex[uid].appended = true;
		else if (op == 'F' && v == GD_MAIL_FLAGGED)
			ex[uid].flagged = true;
		else if (op == 'F')
			ex[uid].deleted = true;
		else if (op == 'X')
			ex[uid].expunged = true;
	}
	free(log);
}

static void
crash_verify(struct cr_expect *ex, size_t max)
{
	struct gd_mail_store *store = mt_store("u");
	struct gd_mailbox *box = mt_open(store, "INBOX", GD_MAILBOX_READONLY);
	struct mt_plain plain[512];
	char tag[64], *text;
	uint32_t seq, uid;
	size_t n, i;

	text = mt_file(mt_path("u", "INBOX.mbox"), NULL);
	n = mt_plain_read(text, plain, 512);
	free(text);
	cr_assert_eq(n, gd_mailbox_count(box), "plain reader: %zu, view %u",
	    n, gd_mailbox_count(box));
	for (seq = 1; seq <= gd_mailbox_count(box); seq++) {
		uid = gd_mailbox_msg(box, seq)->uid;
		cr_assert_lt(uid, max);
		cr_assert_eq(plain[seq - 1].uid, uid);
		text = mt_read(box, seq, NULL);
		check_body(text, tag, sizeof(tag));
		free(text);
		cr_assert_not(ex[uid].expunged, "UID %u came back", uid);
		if (ex[uid].flagged)
			cr_assert(gd_mailbox_msg(box, seq)->flags &
			    GD_MAIL_FLAGGED, "UID %u lost \\Flagged", uid);
		ex[uid].appended = false;	/* seen */
	}
	for (i = 0; i < max; i++)
		cr_assert(!ex[i].appended || ex[i].expunged || ex[i].deleted,
		    "UID %zu was reported appended and is gone", i);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(stress, killed_at_random_points_loses_nothing_reported)
{
	static struct cr_expect ex[100000];
	struct timespec ts;
	unsigned round, seed = 1234;
	char logpath[512];
	int log, status;
	pid_t pid;

	snprintf(logpath, sizeof(logpath), "%s", mt_path("", "crash.log"));
	log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
	cr_assert_geq(log, 0);
	gd_mail_store_close(&(struct gd_mail_store *){ mt_store("u") });
	for (round = 0; round < CR_ROUNDS; round++) {
		pid = fork();
		cr_assert_geq(pid, 0);
		if (pid == 0)
			crash_child(round, log);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(20 + rand_r(&seed) % 180) * 1000000L;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFSIGNALED(status), "the child ended by itself: %d",
		    status);
		memset(ex, 0, sizeof(ex));
		crash_check(logpath, ex, GD_N_ELEMENTS(ex));
		crash_verify(ex, GD_N_ELEMENTS(ex));
	}
	close(log);
}

/*
 * The moment the random kills rarely hit, made exact: a journal record
 * is synced and the mbox holds part of the new message when the process
 * dies.  The next locker must cut the partial message off; a finished
 * append whose record was not cleared must stay.
 */
Test(stress, an_unfinished_append_is_rolled_back)
{
	const struct mbox_config cfg = { .locking = MBOX_LOCK_DOTLOCK };
	struct gd_mail_store *store = mt_store("u");
	const char *path = mt_path("u", "INBOX.mbox");
	const char *journal = mt_path("u", ".INBOX.mbox.gdjournal");
	const char *partial = "From MAILER-DAEMON Mon Nov 30 06:17:26 2026\n"
	    "X-UID: 2\nSubject: half";
	const char *whole = "From MAILER-DAEMON Mon Nov 30 06:17:26 2026\n"
	    "X-UID: 2\n\nwhole\n\n";
	struct gd_mail_error err;
	struct gd_mailbox *box;
	struct stat st;
	off_t size;

	mt_append(store, "INBOX", "Subject: one\r\n\r\n1\r\n");
	cr_assert_eq(stat(path, &st), 0);
	size = st.st_size;
	cr_assert_eq(mbox_journal_begin(&cfg, journal, &st, (uint64_t)size,
	    (uint64_t)size + 500, 1234, &err), 0);
	mt_write_file(path, partial, true);
	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 1);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, size, "the partial message was not cut");
	/* A finished append with its record still there is kept. */
	cr_assert_eq(mbox_journal_begin(&cfg, journal, &st, (uint64_t)size,
	    (uint64_t)size + strlen(whole), mbox_crc32(0, whole, strlen(whole)),
	    &err), 0);
	mt_write_file(path, whole, true);
	mt_sync(box);
	cr_assert_eq(gd_mailbox_count(box), 2);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}
