/*
 * test-mbox-names.c — the mbox namespace through mailbox.h: files and
 * directories for names (encoded components), LIST with placeholders,
 * create, delete (placeholders, children, INBOX), rename with children,
 * INBOX rename (RFC 9051: the messages move, INBOX stays, empty), and
 * the stray files other programs leave that must not show.
 */
#include "config.h"

#include "mbox-test-util.h"

static struct gd_mail_store *store;

static void
setup(void)
{
	mt_setup();
	store = mt_store("u");
}

static void
teardown(void)
{
	gd_mail_store_close(&store);
	mt_teardown();
}

TestSuite(names, .init = setup, .fini = teardown, .timeout = 30);

static int
collect(void *arg, const struct gd_mail_list_entry *e)
{
	char *out = arg;

	snprintf(out + strlen(out), 1024 - strlen(out), "%s%s%s ", e->name,
	    (e->attrs & GD_MAIL_LIST_NOSELECT) ? "!" : "",
	    (e->attrs & GD_MAIL_LIST_HASCHILDREN) ? "+" : "");
	return 0;
}

static const char *
list(void)
{
	static char out[1024];
	struct gd_mail_error err;

	out[0] = '\0';
	cr_assert_eq(gd_mail_store_list(store, NULL, 0, collect, out, &err),
	    0, "%s", err.text);
	return out;
}

static void
create(const char *name)
{
	struct gd_mail_error err;

	cr_assert_eq(gd_mail_store_create(store, name, 0, &err), 0,
	    "create %s: %s", name, err.text);
}

static enum gd_mail_errcode
fails(int rc, const struct gd_mail_error *err)
{
	cr_assert_eq(rc, -1);
	return err->code;
}

Test(names, basic_layout_and_list)
{
	struct gd_mail_error err;

	create("Données/été");
	create("Lists");
	cr_assert_eq(access(mt_path("u", "INBOX.mbox"), F_OK), 0);
	cr_assert_eq(access(mt_path("u", "Donn=C3=A9es/=C3=A9t=C3=A9.mbox"),
	    F_OK), 0);
	cr_assert_neq(access(mt_path("u", "Donn=C3=A9es.mbox"), F_OK), 0);
	cr_assert_str_eq(list(), "INBOX Données!+ Données/été Lists ");
	cr_assert_eq(fails(gd_mail_store_create(store, "Lists", 0, &err),
	    &err), GD_MAIL_ERR_EXISTS);
	cr_assert_eq(fails(gd_mail_store_create(store, "inbox", 0, &err),
	    &err), GD_MAIL_ERR_EXISTS);
}

Test(names, stray_files_are_not_mailboxes)
{
	mkdir(mt_path("u", ".hidden"), 0700);
	mt_write_file(mt_path("u", "notes.txt"), "x", false);
	mt_write_file(mt_path("u", "bad=ZZ.mbox"), "", false);
	mt_write_file(mt_path("u", "Inbox.mbox"), "", false);
	mt_write_file(mt_path("u", "INBOX.mbox.lock"), "", false);
	mt_write_file(mt_path("u", ".x.mbox"), "", false);
	cr_assert_str_eq(list(), "INBOX ");
	create("A");
	/* Another program's mbox dropped into the tree is a mailbox. */
	mt_write_file(mt_path("u", "Foreign.mbox"), "From x Mon Nov 30 "
	    "06:17:26 2026\n\nhi\n", false);
	cr_assert_str_eq(list(), "INBOX A Foreign ");
}

Test(names, delete_keeps_children_as_placeholder)
{
	struct gd_mailbox *box;
	struct gd_mail_error err;

	create("P");
	create("P/C");
	mt_append(store, "P", "m\r\n");
	cr_assert_eq(gd_mail_store_delete(store, "P", &err), 0, "%s",
	    err.text);
	cr_assert_str_eq(list(), "INBOX P!+ P/C ");
	cr_assert_neq(access(mt_path("u", ".P.mbox.gdstate"), F_OK), 0);
	cr_assert_eq(fails(gd_mailbox_open(store, "P", 0, &box, &err), &err),
	    GD_MAIL_ERR_NOPERM);
	cr_assert_eq(fails(gd_mail_store_delete(store, "P", &err), &err),
	    GD_MAIL_ERR_NOPERM);
	cr_assert_eq(gd_mail_store_delete(store, "P/C", &err), 0);
	cr_assert_str_eq(list(), "INBOX P! ");
	cr_assert_eq(gd_mail_store_delete(store, "P", &err), 0, "%s",
	    err.text);
	cr_assert_str_eq(list(), "INBOX ");
	cr_assert_eq(fails(gd_mail_store_delete(store, "P", &err), &err),
	    GD_MAIL_ERR_NOTFOUND);
	cr_assert_eq(fails(gd_mail_store_delete(store, "INBOX", &err), &err),
	    GD_MAIL_ERR_NOPERM);
	/* Recreated: a new UIDVALIDITY, never the old one. */
	create("Q");
	box = mt_open(store, "Q", 0);
	uint32_t old = gd_mailbox_uidvalidity(box);
	gd_mailbox_close(&box);
	cr_assert_eq(gd_mail_store_delete(store, "Q", &err), 0);
	create("Q");
	box = mt_open(store, "Q", 0);
	cr_assert_neq(gd_mailbox_uidvalidity(box), old);
	gd_mailbox_close(&box);
}

Test(names, rename_moves_children_and_state)
{
	struct gd_mailbox *box;
	struct gd_mail_error err;
	uint32_t uidv;

	create("A");
	create("A/B");
	create("A/B/C");
	create("X");
	mt_append(store, "A/B", "Subject: b\r\n\r\nb\r\n");
	box = mt_open(store, "A/B", 0);
	uidv = gd_mailbox_uidvalidity(box);
	gd_mailbox_close(&box);
	cr_assert_eq(gd_mail_store_rename(store, "A", "Z/New", &err), 0, "%s",
	    err.text);
	cr_assert_str_eq(list(), "INBOX X Z!+ Z/New+ Z/New/B+ Z/New/B/C ");
	box = mt_open(store, "Z/New/B", 0);
	cr_assert_eq(gd_mailbox_uidvalidity(box), uidv);
	cr_assert_eq(gd_mailbox_count(box), 1);
	gd_mailbox_close(&box);
	cr_assert_eq(fails(gd_mail_store_rename(store, "X", "Z/New", &err),
	    &err), GD_MAIL_ERR_EXISTS);
	cr_assert_eq(fails(gd_mail_store_rename(store, "Gone", "Y", &err),
	    &err), GD_MAIL_ERR_NOTFOUND);
	cr_assert_eq(fails(gd_mail_store_rename(store, "X", "X/Sub", &err),
	    &err), GD_MAIL_ERR_NOPERM);
	/* A placeholder's children move too. */
	cr_assert_eq(gd_mail_store_rename(store, "Z", "W", &err), 0, "%s",
	    err.text);
	cr_assert_str_eq(list(), "INBOX W!+ W/New+ W/New/B+ W/New/B/C X ");
}

Test(names, rename_inbox_moves_messages_and_leaves_it_empty)
{
	struct gd_mailbox *box;
	struct gd_mail_error err;
	uint32_t uidv;
	char *text;

	create("INBOX/Child");
	mt_append(store, "INBOX", "Subject: 1\r\n\r\none\r\n");
	mt_append(store, "INBOX", "Subject: 2\r\n\r\ntwo\r\n");
	box = mt_open(store, "INBOX", 0);
	uidv = gd_mailbox_uidvalidity(box);
	gd_mailbox_close(&box);
	cr_assert_eq(gd_mail_store_rename(store, "INBOX", "Old", &err), 0,
	    "%s", err.text);
	cr_assert_str_eq(list(), "INBOX+ INBOX/Child Old ");
	box = mt_open(store, "Old", 0);
	cr_assert_eq(gd_mailbox_count(box), 2);
	text = mt_read(box, 2, NULL);
	cr_assert_str_eq(text, "Subject: 2\r\n\r\ntwo\r\n");
	free(text);
	gd_mailbox_close(&box);
	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 0);
	cr_assert_neq(gd_mailbox_uidvalidity(box), uidv);
	gd_mailbox_close(&box);
	cr_assert_eq(mt_append(store, "INBOX", "again\r\n"), 1);
}
