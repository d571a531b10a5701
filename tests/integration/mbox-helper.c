/*
 * mbox-helper.c — what the mbox interop tests need beyond gumdropctl,
 * through mailbox.h with the real mbox.so:
 *
 *   mbox-helper CONFIG USER MAILBOX list
 *       one line per message: "UID FLAGS SIZE" (FLAGS: S A F D T or -),
 *       then "uidnext N"
 *   mbox-helper CONFIG USER MAILBOX flags UID [+-]LETTERS [KEYWORD...]
 *       add (+) or remove (-) flags and keywords of one message
 *   mbox-helper CONFIG USER MAILBOX wait SECONDS
 *       watch the mailbox on a worker loop, print "ready", and when a
 *       change is notified sync and print "new UID" for each new
 *       message; exit 0, or 1 when nothing came within SECONDS
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox-impl.h>
#include <gumdrop/msg-date.h>
#include <gumdrop/watch.h>

#include "loop-private.h"
#include "module-private.h"


static atomic_uint helper_notified;
static struct gd_mailbox *helper_box;

static void
helper_die(const char *what, const struct gd_mail_error *err)
{
	fprintf(stderr, "mbox-helper: %s: %s\n", what,
	    err != NULL ? err->text : "failed");
	exit(2);
}

static uint32_t
helper_letters(const char *s)
{
	uint32_t f = 0;

	for (; *s != '\0'; s++) {
		f |= *s == 'S' ? GD_MAIL_SEEN : *s == 'A' ? GD_MAIL_ANSWERED :
		    *s == 'F' ? GD_MAIL_FLAGGED : *s == 'D' ? GD_MAIL_DELETED :
		    *s == 'T' ? GD_MAIL_DRAFT : 0;
	}
	return f;
}

static void
helper_list(struct gd_mailbox *box)
{
	const struct gd_mail_msg *m;
	uint32_t seq;
	char f[8];
	int n;

	for (seq = 1; seq <= gd_mailbox_count(box); seq++) {
		m = gd_mailbox_msg(box, seq);
		n = 0;
		if (m->flags & GD_MAIL_SEEN)
			f[n++] = 'S';
		if (m->flags & GD_MAIL_ANSWERED)
			f[n++] = 'A';
		if (m->flags & GD_MAIL_FLAGGED)
			f[n++] = 'F';
		if (m->flags & GD_MAIL_DELETED)
			f[n++] = 'D';
		if (m->flags & GD_MAIL_DRAFT)
			f[n++] = 'T';
		if (n == 0)
			f[n++] = '-';
		f[n] = '\0';
		printf("%u %s %llu\n", m->uid, f, (unsigned long long)m->size);
	}
	printf("uidnext %u\n", gd_mailbox_uidnext(box));
}

static void
helper_flags(struct gd_mailbox *box, char **argv, int argc)
{
	struct gd_mail_flag_change ch;
	struct gd_mail_range r;
	struct gd_mail_error err;
	uint32_t seq;

	seq = gd_mailbox_seq_of_uid(box, (uint32_t)strtoul(argv[0], NULL,
	    10));
	if (seq == 0 || argc < 2)
		helper_die("no such UID", NULL);
	memset(&ch, 0, sizeof(ch));
	ch.op = argv[1][0] == '-' ? GD_MAIL_FLAGS_REMOVE : GD_MAIL_FLAGS_ADD;
	ch.flags = helper_letters(argv[1] + 1);
	ch.keywords = argc > 2 ? (const char *const *)argv + 2 : NULL;
	r.first = r.last = seq;
	if (gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL, &err) < 0)
		helper_die("flags", &err);
}

static void
helper_on_change(void *arg)
{
	(void)arg;
	atomic_fetch_add(&helper_notified, 1);
}

static void
helper_start(void *arg)
{
	struct gd_mail_error err;

	(void)arg;
	if (gd_mailbox_notify_start(helper_box, gd_loop_current(),
	    helper_on_change, NULL, &err) < 0)
		helper_die("notify", &err);
	atomic_fetch_add(&helper_notified, 1000);
}

static void
helper_stop(void *arg)
{
	(void)arg;
	gd_mailbox_notify_stop(helper_box);
	atomic_fetch_add(&helper_notified, 1000);
}

static void
helper_until(unsigned n, unsigned seconds)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	unsigned i;

	for (i = 0; i < seconds * 100 && atomic_load(&helper_notified) < n;
	    i++)
		nanosleep(&ts, NULL);
}

static int
helper_wait(struct gd_mailbox *box, unsigned seconds)
{
	struct gd_mail_error err;
	uint32_t before = gd_mailbox_count(box), seq;
	const char *error = NULL;
	int rc = 1;

	helper_box = box;
	if (gd_loops_start(1, 1, NULL, NULL, &error) < 0)
		helper_die(error, NULL);
	gd_loop_invoke(gd_loop_get(0), helper_start, NULL);
	/* "ready" only once the watch is armed: a change made before that
	 * would not be seen (under heavy load arming took over 5 s). */
	helper_until(1000, 60);
	if (atomic_load(&helper_notified) < 1000)
		helper_die("the watch did not start within 60 s", NULL);
	printf("ready\n");
	fflush(stdout);
	helper_until(1001, seconds);
	if (atomic_load(&helper_notified) > 1000) {
		/* Let the writer finish: its lock makes the sync wait. */
		if (gd_mailbox_sync(box, 0, NULL, NULL, &err) < 0)
			helper_die("sync", &err);
		for (seq = before + 1; seq <= gd_mailbox_count(box); seq++)
			printf("new %u\n", gd_mailbox_msg(box, seq)->uid);
		rc = gd_mailbox_count(box) > before ? 0 : 1;
	}
	gd_loop_invoke(gd_loop_get(0), helper_stop, NULL);
	helper_until(2000, 5);
	gd_loops_join();
	return rc;
}

static int
helper_run(const struct gd_mail_backend *b, char **argv, int argc)
{
	struct gd_mail_user user = { .name = argv[0] };
	struct gd_mail_store *store;
	struct gd_mailbox *box;
	struct gd_mail_error err;
	int rc = 0;

	if (gd_mail_store_open(b, &user, GD_MAIL_STORE_CREATE, &store,
	    &err) < 0)
		helper_die("store", &err);
	if (gd_mailbox_open(store, argv[1], 0, &box, &err) < 0)
		helper_die("open", &err);
	if (strcmp(argv[2], "list") == 0)
		helper_list(box);
	else if (strcmp(argv[2], "flags") == 0 && argc >= 5)
		helper_flags(box, argv + 3, argc - 3);
	else if (strcmp(argv[2], "wait") == 0 && argc == 4)
		rc = helper_wait(box, (unsigned)atoi(argv[3]));
	else
		helper_die("unknown command", NULL);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
	return rc;
}

int
main(int argc, char **argv)
{
	const struct gd_mail_backend *b;
	struct gd_mail_error err;
	struct gd_config *cfg;
	const char *error = NULL;
	char *cerr = NULL;
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: mbox-helper CONFIG USER MAILBOX "
		    "list|flags|wait ...\n");
		return 64;
	}
	gd_log_open(GD_LOG_WARNING, GD_LOG_TARGET_STDERR, "mbox-helper", 0);
	cfg = gd_config_load(argv[1], &cerr);
	if (cfg == NULL || gd_modules_load(gd_config_root(cfg), NULL,
	    &error) < 0) {
		fprintf(stderr, "mbox-helper: %s\n", cerr != NULL ? cerr :
		    error);
		return 2;
	}
	b = gd_mail_backend_find("mbox", &err);
	if (b == NULL)
		helper_die("backend", &err);
	rc = helper_run(b, argv + 2, argc - 2);
	gd_modules_unload();
	gd_config_free(&cfg);
	return rc;
}
