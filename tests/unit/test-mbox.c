/*
 * test-mbox.c — the mbox backend through mailbox.h: appends and reads,
 * view semantics, flags and keywords persisted in Status/X-Status/
 * X-Keywords/X-UID/X-IMAPbase, expunge, copy and move, the namespace
 * (create, list, delete, rename, INBOX rename, placeholders), quota and
 * every error path.
 */
#include "config.h"

#include "mbox-test-util.h"

TestSuite(mbox, .init = mt_setup, .fini = mt_teardown, .timeout = 30);

Test(mbox, basic_append_and_read)
{
	struct gd_mail_store *store = mt_store("u");
	struct gd_mailbox *box;
	char *text;

	cr_assert_eq(mt_append(store, "INBOX", "Subject: a\r\n\r\nbody\r\n"),
	    1);
	cr_assert_eq(mt_append(store, "INBOX", "Subject: b\r\n\r\nmore\r\n"),
	    2);
	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_recent(box), 2);
	cr_assert_eq(gd_mailbox_uidnext(box), 3);
	text = mt_read(box, 1, NULL);
	cr_assert_str_eq(text, "Subject: a\r\n\r\nbody\r\n");
	free(text);
	text = mt_read(box, 2, NULL);
	cr_assert_str_eq(text, "Subject: b\r\n\r\nmore\r\n");
	free(text);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}
