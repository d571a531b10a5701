/*
 * test-mbox-notify.c — change notification of mbox mailboxes on a real
 * worker loop: appends by another store, a plain append by "another
 * program", a rewrite (which renames a new file over the mbox: the file
 * watch must follow it), and a delivery by procmail (Debian's procmail,
 * with its dotlock and fcntl locking), after which a sync shows the
 * message with the next UID.  Every wait is bounded.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "mbox-test-util.h"
#include "loop-private.h"

static atomic_uint notified;
static atomic_uint invoked;
static struct gd_mail_store *store;
static struct gd_mailbox *box;
static atomic_int start_rc;

static void
setup(void)
{
	const char *error = NULL;

	mt_setup();
	store = mt_store("u");
	atomic_store(&notified, 0);
	atomic_store(&invoked, 0);
	cr_assert_eq(gd_loops_start(1, 1, NULL, NULL, &error), 0, "%s", error);
}

static void
teardown(void)
{
	gd_loops_join();
	gd_mail_store_close(&store);
	mt_teardown();
}

TestSuite(notify, .init = setup, .fini = teardown, .timeout = 60);

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
on_change(void *arg)
{
	(void)arg;
	atomic_fetch_add(&notified, 1);
}

static void
start_on_loop(void *arg)
{
	struct gd_mail_error err;

	(void)arg;
	atomic_store(&start_rc, gd_mailbox_notify_start(box,
	    gd_loop_current(), on_change, NULL, &err));
	atomic_fetch_add(&invoked, 1);
}

static void
stop_on_loop(void *arg)
{
	(void)arg;
	gd_mailbox_notify_stop(box);
	atomic_fetch_add(&invoked, 1);
}

/* Wait for a notification after `n`, then let the burst settle. */
static void
expect_notification(unsigned n, const char *what)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	cr_assert(wait_for(&notified, n + 1), "no notification for %s",
	    what);
	nanosleep(&ts, NULL);
}

Test(notify, appends_rewrites_and_procmail_wake_the_session)
{
	struct gd_mail_store *other = mt_store("u");
	struct gd_mail_flag_change ch = { GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN,
	    NULL, 0 };
	struct gd_mail_range r = { 1, 1 };
	struct gd_mail_error err;
	struct gd_mailbox *obox;
	char cmd[1024];
	unsigned n;

	mt_append(store, "INBOX", "Subject: first\r\n\r\n1\r\n");
	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), start_on_loop, NULL), 0);
	cr_assert(wait_for(&invoked, 1));
	cr_assert_eq(atomic_load(&start_rc), 0);

	/* Another session appends. */
	n = atomic_load(&notified);
	mt_append(other, "INBOX", "Subject: second\r\n\r\n2\r\n");
	expect_notification(n, "an append");
	mt_sync(box);
	cr_assert_eq(gd_mailbox_count(box), 2);

	/* Another session rewrites the file (a flag change). */
	obox = mt_open(other, "INBOX", 0);
	n = atomic_load(&notified);
	cr_assert_eq(gd_mailbox_set_flags(obox, &r, 1, &ch, NULL, NULL, NULL,
	    &err), 0, "%s", err.text);
	expect_notification(n, "a rewrite");
	gd_mailbox_close(&obox);
	mt_sync(box);
	cr_assert(gd_mailbox_msg(box, 1)->flags & GD_MAIL_SEEN);

	/* Another program appends to the new file: the watch followed. */
	n = atomic_load(&notified);
	mt_write_file(mt_path("u", "INBOX.mbox"), "From x Mon Nov 30 06:17:26 "
	    "2026\nSubject: third\n\n3\n\n", true);
	expect_notification(n, "a plain append after a rewrite");
	mt_sync(box);
	cr_assert_eq(gd_mailbox_count(box), 3);
	cr_assert_eq(gd_mailbox_msg(box, 3)->uid, 3);

	/* procmail delivers, with its own locking. */
	mt_write_file(mt_path("u", "rc"), "", false);
	snprintf(cmd, sizeof(cmd), "printf 'DEFAULT=%s\\nLOGFILE=%s\\n' > %s "
	    "&& printf 'Subject: procmail\\n\\nFrom the body\\n' | "
	    "procmail -f sender@example.org -m %s", mt_path("u", "INBOX.mbox"),
	    mt_path("u", "procmail.log"), mt_path("u", "rc"),
	    mt_path("u", "rc"));
	n = atomic_load(&notified);
	cr_assert_eq(system(cmd), 0, "procmail (Debian package procmail) "
	    "must be installed");
	expect_notification(n, "a procmail delivery");
	mt_sync(box);
	cr_assert_eq(gd_mailbox_count(box), 4);
	cr_assert_eq(gd_mailbox_msg(box, 4)->uid, 4);
	cr_assert(gd_mailbox_msg(box, 4)->flags & GD_MAIL_RECENT);
	{
		char *text = mt_read(box, 4, NULL);

		cr_assert_str_eq(text, "Subject: procmail\r\n\r\nFrom the "
		    "body\r\n");
		free(text);
	}

	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), stop_on_loop, NULL), 0);
	cr_assert(wait_for(&invoked, 2));
	gd_mailbox_close(&box);
	gd_mail_store_close(&other);
}
