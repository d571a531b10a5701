/*
 * test-maildir-store.c — the maildir backend's folders (list, create,
 * delete with children, rename with children, INBOX rename), quota usage
 * (maildirsize), the state file's recovery (truncated, garbage, deleted,
 * bad header), changes made by other programs with plain system calls
 * (a file dropped in new/, a flag rename, a deletion, a change right
 * after a sync), change notification on a real worker loop, and a full
 * disk (a 64 KiB tmpfs, as root).
 */
#include "config.h"

#include <pthread.h>
#include <time.h>

#include "loop-private.h"
#include "maildir-test-util.h"

#define MSG "From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n"

TestSuite(mdstore, .init = md_setup, .fini = md_teardown, .timeout = 30);
/* Tests that load the module with their own settings. */
TestSuite(mdconf, .fini = md_teardown, .timeout = 30);

/* ---- folders ------------------------------------------------------------------ */

struct listing {
	char text[1024];
};

static int
list_note(void *arg, const struct gd_mail_list_entry *e)
{
	struct listing *l = arg;
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%s%s%s;", e->name,
	    (e->attrs & GD_MAIL_LIST_NOSELECT) ? " noselect" : "",
	    (e->attrs & GD_MAIL_LIST_HASCHILDREN) ? " children" : "");
	return 0;
}

static const char *
listing(struct gd_mail_store *store)
{
	static struct listing l;
	struct gd_mail_error err;

	memset(&l, 0, sizeof(l));
	cr_assert_eq(gd_mail_store_list(store, NULL, 0, list_note, &l, &err),
	    0, "%s", err.text);
	return l.text;
}

Test(mdstore, basic_create_list_and_encoded_names)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_error err;
	char path[PATH_MAX];
	struct stat sb;

	cr_assert_eq(gd_mail_store_create(store, "Lists/gumdrop", 0, &err), 0);
	cr_assert_eq(gd_mail_store_create(store, "Données.2025", 0, &err), 0);
	cr_assert_eq(gd_mail_store_create(store, "Lists/gumdrop", 0, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_EXISTS);
	cr_assert_eq(gd_mail_store_create(store, "INBOX", 0, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_EXISTS);
	snprintf(path, sizeof(path), "%s/.Lists.gumdrop/maildirfolder",
	    md_root);
	cr_assert_eq(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/.Donn=C3=A9es=2E2025/cur", md_root);
	cr_assert_eq(stat(path, &sb), 0, "%s", path);
	/* A stray directory whose name does not decode is not listed. */
	snprintf(path, sizeof(path), "%s/.bad=ZZ", md_root);
	cr_assert_eq(mkdir(path, 0700), 0);
	cr_assert_str_eq(listing(store), "INBOX;Données.2025;Lists noselect "
	    "children;Lists/gumdrop;");
	gd_mail_store_close(&store);
}

static int
list_special(void *arg, const struct gd_mail_list_entry *e)
{
	struct listing *l = arg;
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%s%s;", e->name,
	    (e->attrs & GD_MAIL_LIST_SPECIAL_USE_MASK) != 0 ? " special" : "");
	return 0;
}

/* A new store gets the special-use folders, subscribed, at its first
 * open (their directory syncs shared: defer_sync), and only then. */
Test(mdconf, basic_first_open_creates_special_use_folders)
{
	static struct listing l;
	struct gd_mail_store *store;
	struct gd_mail_error err;
	char path[PATH_MAX];
	struct stat sb;

	md_setup_with("  fsync: true\n  create-special-use: true\n");
	store = md_store("alice");
	cr_assert(!store->defer_sync);
	cr_assert_eq(gd_mail_store_list(store, NULL,
	    GD_MAIL_LIST_ONLY_SUBSCRIBED, list_special, &l, &err), 0);
	cr_assert_str_eq(l.text, "Archive special;Drafts special;"
	    "Junk special;Sent special;Trash special;");
	snprintf(path, sizeof(path), "%s/.Junk/cur", md_root);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(gd_mail_store_delete(store, "Junk", &err), 0);
	gd_mail_store_close(&store);
	store = md_store("alice");		/* not a new store: not again */
	cr_assert_eq(stat(path, &sb), -1);
	gd_mail_store_close(&store);
}

/* Folders made together: those missing are made, their attributes
 * recorded (listed as special), an existing name left as it is. */
Test(mdstore, basic_create_special_makes_the_missing_ones)
{
	static const struct gd_mail_special_folder f[] = {
		{ "Sent", GD_MAIL_LIST_SENT }, { "Old", GD_MAIL_LIST_ARCHIVE },
		{ "INBOX", GD_MAIL_LIST_JUNK }, { "Bin", GD_MAIL_LIST_TRASH },
	};
	static const struct gd_mail_special_folder bad[] = {
		{ "x*y", GD_MAIL_LIST_SENT },
	};
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_error err;
	static struct listing l;

	cr_assert_eq(gd_mail_store_create(store, "Old", 0, &err), 0);
	cr_assert_eq(gd_mail_store_create_special(store, f, 4, &err), 2,
	    "%s", err.text);
	cr_assert(!store->defer_sync);
	cr_assert_eq(gd_mail_store_create_special(store, f, 4, &err), 0);
	cr_assert_eq(gd_mail_store_list(store, NULL, 0, list_special, &l,
	    &err), 0);
	cr_assert_str_eq(l.text, "INBOX;Bin special;Old;Sent special;");
	cr_assert_eq(gd_mail_store_create_special(store, bad, 1, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_BADNAME);
	gd_mail_store_close(&store);
}

Test(mdstore, basic_open_errors)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box = NULL;
	struct gd_mail_error err;

	cr_assert_eq(gd_mail_store_create(store, "A/B", 0, &err), 0);
	cr_assert_eq(gd_mailbox_open(store, "A", 0, &box, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOPERM);
	cr_assert_eq(gd_mailbox_open(store, "Nope", 0, &box, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	box = md_open(store, "inbox", 0);
	cr_assert_str_eq(gd_mailbox_name(box), "INBOX");
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(mdstore, basic_delete_keeps_children_as_placeholder)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_error err;

	cr_assert_eq(gd_mail_store_create(store, "A", 0, &err), 0);
	cr_assert_eq(gd_mail_store_create(store, "A/B", 0, &err), 0);
	md_append(store, "A", MSG);
	cr_assert_eq(gd_mail_store_delete(store, "A", &err), 0, "%s",
	    err.text);
	cr_assert_str_eq(listing(store), "INBOX;A noselect children;A/B;");
	/* A placeholder with children cannot be deleted. */
	cr_assert_eq(gd_mail_store_delete(store, "A", &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOPERM);
	cr_assert_eq(gd_mail_store_delete(store, "Nope", &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	cr_assert_eq(gd_mail_store_delete(store, "INBOX", &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOPERM);
	cr_assert_eq(gd_mail_store_delete(store, "A/B", &err), 0);
	cr_assert_str_eq(listing(store), "INBOX;");
	gd_mail_store_close(&store);
}

Test(mdstore, basic_rename_moves_children)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_error err;
	struct gd_mailbox *box;

	cr_assert_eq(gd_mail_store_create(store, "A", 0, &err), 0);
	cr_assert_eq(gd_mail_store_create(store, "A/B", 0, &err), 0);
	cr_assert_eq(gd_mail_store_create(store, "A/B/C", 0, &err), 0);
	cr_assert_eq(gd_mail_store_create(store, "X", 0, &err), 0);
	md_append(store, "A/B", MSG);
	cr_assert_eq(gd_mail_store_rename(store, "A", "X", &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_EXISTS);
	cr_assert_eq(gd_mail_store_rename(store, "Nope", "Y", &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	cr_assert_eq(gd_mail_store_rename(store, "A", "Z", &err), 0, "%s",
	    err.text);
	cr_assert_str_eq(listing(store), "INBOX;X;Z children;Z/B children;"
	    "Z/B/C;");
	box = md_open(store, "Z/B", 0);
	cr_assert_eq(gd_mailbox_count(box), 1);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(mdstore, basic_rename_inbox_moves_its_messages)
{
	struct gd_mail_store *store = md_store("alice");
	const char *kw[] = { "$Work", NULL };
	struct gd_mail_error err;
	struct gd_mailbox *box;

	cr_assert_eq(gd_mail_store_create(store, "INBOX/Child", 0, &err), 0);
	md_append(store, "INBOX", MSG);
	md_append_full(store, "INBOX", MSG, GD_MAIL_SEEN, kw, 0);
	cr_assert_eq(gd_mail_store_rename(store, "INBOX", "Old", &err), 0,
	    "%s", err.text);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 0);
	gd_mailbox_close(&box);
	box = md_open(store, "Old", 0);
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_msg(box, 2)->flags & GD_MAIL_SEEN,
	    GD_MAIL_SEEN);
	cr_assert_eq(gd_mailbox_keyword_index(box, "$Work"), 0);
	cr_assert_eq(gd_mailbox_msg(box, 2)->keywords, 1);
	gd_mailbox_close(&box);
	cr_assert_str_eq(listing(store), "INBOX children;INBOX/Child;Old;");
	gd_mail_store_close(&store);
}

/* ---- quota ------------------------------------------------------------------ */

Test(mdstore, basic_quota_usage_in_maildirsize)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_range r = { 1, 1 };
	struct gd_mail_quota q;
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char path[PATH_MAX], text[256] = "";
	int fd;

	cr_assert_eq(gd_mail_store_create(store, "F", 0, &err), 0);
	md_append(store, "INBOX", MSG);
	cr_assert_eq(gd_mail_store_quota(store, &q, &err), 0, "%s", err.text);
	cr_assert_eq(q.storage_used, strlen(MSG));
	cr_assert_eq(q.messages_used, 1);
	/* Now the file exists: changes append deltas. */
	md_append(store, "F", MSG);
	md_append(store, "F", MSG);
	box = md_open(store, "F", 0);
	cr_assert_eq(gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_RANGES, &r, 1,
	    NULL, NULL, &err), 0);
	gd_mailbox_close(&box);
	cr_assert_eq(gd_mail_store_quota(store, &q, &err), 0);
	cr_assert_eq(q.storage_used, 2 * strlen(MSG));
	cr_assert_eq(q.messages_used, 2);
	snprintf(path, sizeof(path), "%s/maildirsize", md_root);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_gt(read(fd, text, sizeof(text) - 1), 0);
	close(fd);
	cr_assert_eq(strncmp(text, "0S,0C\n", 6), 0, "%s", text);
	cr_assert_not_null(strstr(text, "\n-"), "%s", text);
	/* Missing: recalculated by scanning every folder. */
	unlink(path);
	cr_assert_eq(gd_mail_store_quota(store, &q, &err), 0);
	cr_assert_eq(q.messages_used, 2);
	gd_mail_store_close(&store);
}

Test(mdconf, basic_quota_limit_refuses_append)
{
	struct gd_mail_store *store;
	struct gd_mail_append_info info = { .size_hint = 10000 };
	struct gd_mail_append *ap = NULL;
	struct gd_mail_error err;

	md_setup_with("  fsync: false\n  quota-storage: 1K\n");
	store = md_store("alice");
	cr_assert_eq(gd_mail_append_start(store, "INBOX", &info, &ap, &err),
	    -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_OVERQUOTA, "%s", err.text);
	gd_mail_store_close(&store);
}

/* gd_mail_user_quota(): read-only; a user without a store uses nothing
 * and gets the realm's limits, else the backend's defaults. */
Test(mdconf, basic_user_quota_creates_nothing)
{
	struct gd_mail_user bob = { .name = "bob" };
	struct gd_mail_user carol = { .name = "carol", .quota_storage = 500,
	    .quota_messages = UINT64_MAX };
	struct gd_mail_store *store;
	struct gd_mail_quota q;
	struct gd_mail_error err;
	bool permanent = false;
	char path[PATH_MAX];
	struct stat sb;

	md_setup_with("  fsync: false\n  quota-storage: 1K\n"
	    "  quota-messages: 10\n  over-quota: permanent\n");
	cr_assert_eq(gd_mail_user_quota(md_backend, &bob, &q, &permanent,
	    &err), 0, "%s", err.text);
	cr_assert_eq(q.storage_used, 0);
	cr_assert_eq(q.messages_used, 0);
	cr_assert_eq(q.storage_limit, 1024);
	cr_assert_eq(q.messages_limit, 10);
	cr_assert(permanent);
	snprintf(path, sizeof(path), "%s/mail/bob", md_dir);
	cr_assert_eq(stat(path, &sb), -1, "the store was created");
	/* The realm's limits win; UINT64_MAX is "none". */
	cr_assert_eq(gd_mail_user_quota(md_backend, &carol, &q, &permanent,
	    &err), 0);
	cr_assert_eq(q.storage_limit, 500);
	cr_assert_eq(q.messages_limit, 0);
	/* An existing store: its usage. */
	store = md_store("alice");
	md_append(store, "INBOX", MSG);
	gd_mail_store_close(&store);
	bob.name = "alice";
	permanent = false;
	cr_assert_eq(gd_mail_user_quota(md_backend, &bob, &q, &permanent,
	    &err), 0);
	cr_assert_eq(q.storage_used, strlen(MSG));
	cr_assert_eq(q.messages_used, 1);
	cr_assert(permanent);
	/* A name that cannot be a store is an error, not "empty". */
	bob.name = "../x";
	cr_assert_eq(gd_mail_user_quota(md_backend, &bob, &q, &permanent,
	    &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_BADNAME);
}

/* Without any limit the usage is not measured: the store is not read
 * and no maildirsize is written (a recalculation scans every folder). */
Test(mdconf, basic_user_quota_without_limits_measures_nothing)
{
	struct gd_mail_user alice = { .name = "alice" };
	struct gd_mail_store *store;
	struct gd_mail_quota q;
	struct gd_mail_error err;
	bool permanent = true;
	char path[PATH_MAX];
	struct stat sb;

	md_setup_with("  fsync: false\n");
	store = md_store("alice");
	md_append(store, "INBOX", MSG);
	gd_mail_store_close(&store);
	snprintf(path, sizeof(path), "%s/mail/alice/maildirsize", md_dir);
	unlink(path);
	cr_assert_eq(gd_mail_user_quota(md_backend, &alice, &q, &permanent,
	    &err), 0, "%s", err.text);
	cr_assert_eq(q.storage_used, 0);
	cr_assert_eq(q.messages_used, 0);
	cr_assert_eq(q.storage_limit, 0);
	cr_assert_eq(q.messages_limit, 0);
	cr_assert_not(permanent);
	cr_assert_eq(stat(path, &sb), -1, "the usage was measured");
	/* With a limit it is. */
	alice.quota_messages = 5;
	cr_assert_eq(gd_mail_user_quota(md_backend, &alice, &q, &permanent,
	    &err), 0, "%s", err.text);
	cr_assert_eq(q.messages_used, 1);
	cr_assert_eq(q.messages_limit, 5);
	cr_assert_eq(stat(path, &sb), 0, "no maildirsize after measuring");
}

/* ---- the state file's recovery ------------------------------------------------- */

static void
state_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/gumdrop-uidlist", md_root);
}

/* Five messages, flags on two; returns the UIDs' view before damage. */
static void
make_five(struct gd_mail_store *store, uint32_t *uidv, uint32_t uids[5])
{
	struct gd_mail_flag_change ch = { .op = GD_MAIL_FLAGS_ADD,
	    .flags = GD_MAIL_SEEN };
	struct gd_mail_range r = { 2, 3 };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	int i;

	for (i = 0; i < 5; i++)
		uids[i] = md_append(store, "INBOX", MSG);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL,
	    &err), 0);
	*uidv = gd_mailbox_uidvalidity(box);
	gd_mailbox_close(&box);
}

static void
expect_five(struct gd_mail_store *store, uint32_t uidv, const uint32_t *uids)
{
	struct gd_mailbox *box = md_open(store, "INBOX", 0);
	unsigned i;

	cr_assert_eq(gd_mailbox_count(box), 5);
	if (uids != NULL) {
		cr_assert_eq(gd_mailbox_uidvalidity(box), uidv);
		for (i = 0; i < 5; i++)
			cr_assert_eq(gd_mailbox_msg(box, i + 1)->uid, uids[i]);
	} else
		cr_assert_neq(gd_mailbox_uidvalidity(box), uidv);
	cr_assert_eq(gd_mailbox_msg(box, 2)->flags & GD_MAIL_SEEN,
	    GD_MAIL_SEEN);
	cr_assert_eq(gd_mailbox_msg(box, 1)->flags & GD_MAIL_SEEN, 0);
	for (i = 1; i < 5; i++)
		cr_assert_lt(gd_mailbox_msg(box, i)->uid,
		    gd_mailbox_msg(box, i + 1)->uid);
	gd_mailbox_close(&box);
	/* and it was rewritten whole: a second open agrees */
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 5);
	gd_mailbox_close(&box);
}

Test(mdstore, complex_state_truncated_keeps_uids)
{
	struct gd_mail_store *store = md_store("alice");
	uint32_t uidv, uids[5];
	char path[PATH_MAX];
	struct stat sb;

	make_five(store, &uidv, uids);
	state_path(path, sizeof(path));
	cr_assert_eq(stat(path, &sb), 0);
	/* Cut in the middle of the records. */
	cr_assert_eq(truncate(path, 160 + (sb.st_size - 160) / 2 + 3), 0);
	expect_five(store, uidv, uids);
	/* New messages never reuse a UID. */
	cr_assert_gt(md_append(store, "INBOX", MSG), uids[4]);
	gd_mail_store_close(&store);
}

Test(mdstore, complex_state_garbage_keeps_uids)
{
	struct gd_mail_store *store = md_store("alice");
	uint32_t uidv, uids[5];
	char path[PATH_MAX];
	int fd;

	struct gd_mailbox *box;
	unsigned i;

	make_five(store, &uidv, uids);
	state_path(path, sizeof(path));
	fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	/* Inside the first message's record (the header is 160 bytes). */
	cr_assert_eq(pwrite(fd, "garbage!garbage!", 16, 200), 16);
	close(fd);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 5);
	cr_assert_eq(gd_mailbox_uidvalidity(box), uidv);
	/* The others keep their UIDs; the damaged one gets a new UID above
	 * every UID ever given. */
	for (i = 0; i < 4; i++)
		cr_assert_eq(gd_mailbox_msg(box, i + 1)->uid, uids[i + 1]);
	cr_assert_gt(gd_mailbox_msg(box, 5)->uid, uids[4]);
	cr_assert_eq(gd_mailbox_msg(box, 1)->flags & GD_MAIL_SEEN,
	    GD_MAIL_SEEN);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(mdstore, complex_state_torn_tail_is_cut)
{
	struct gd_mail_store *store = md_store("alice");
	uint32_t uidv, uids[5];
	char path[PATH_MAX];
	int fd;

	make_five(store, &uidv, uids);
	state_path(path, sizeof(path));
	fd = open(path, O_WRONLY | O_APPEND);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "\x40\x00\x00\x00\x02\x00", 6), 6);
	close(fd);
	expect_five(store, uidv, uids);
	gd_mail_store_close(&store);
}

Test(mdstore, complex_state_deleted_rebuilds_with_new_uidvalidity)
{
	struct gd_mail_store *store = md_store("alice");
	uint32_t uidv, uids[5];
	char path[PATH_MAX];

	make_five(store, &uidv, uids);
	sleep(1);	/* UIDVALIDITY is time based */
	state_path(path, sizeof(path));
	cr_assert_eq(unlink(path), 0);
	expect_five(store, uidv, NULL);
	gd_mail_store_close(&store);
}

Test(mdstore, complex_state_bad_header_rebuilds)
{
	struct gd_mail_store *store = md_store("alice");
	uint32_t uidv, uids[5];
	char path[PATH_MAX];
	int fd;

	make_five(store, &uidv, uids);
	sleep(1);
	state_path(path, sizeof(path));
	fd = open(path, O_WRONLY);
	cr_assert_eq(pwrite(fd, "X", 1, 20), 1);
	close(fd);
	expect_five(store, uidv, NULL);
	gd_mail_store_close(&store);
}

Test(mdstore, complex_open_view_sees_uidvalidity_change)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char path[PATH_MAX];

	md_append(store, "INBOX", MSG);
	box = md_open(store, "INBOX", 0);
	sleep(1);
	state_path(path, sizeof(path));
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(gd_mailbox_sync(box, 0, NULL, NULL, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_CORRUPT);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* ---- other programs --------------------------------------------------------------- */

/* A STORE on a message another program renamed since our last sync goes
 * to the file under its new name and keeps that program's flags. */
Test(mdstore, flags_change_follows_a_foreign_rename)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_flag_change ch = { .op = GD_MAIL_FLAGS_ADD,
	    .flags = GD_MAIL_SEEN };
	struct gd_mail_range r = { 1, 1 };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char dir[PATH_MAX], from[PATH_MAX], to[PATH_MAX], name[512];

	md_append(store, "INBOX", MSG);
	box = md_open(store, "INBOX", 0);
	snprintf(dir, sizeof(dir), "%s/cur", md_root);
	cr_assert(md_first_file(dir, name, sizeof(name)));
	cr_assert_not_null(strchr(name, ':'));
	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "%s/%.*s:2,F", dir,
	    (int)(strchr(name, ':') - name), name);
	cr_assert_eq(rename(from, to), 0, "%s", strerror(errno));
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL,
	    &err), 0, "%s", err.text);
	cr_assert(md_first_file(dir, name, sizeof(name)));
	cr_assert_str_eq(strchr(name, ':'), ":2,FS");
	cr_assert_eq(gd_mailbox_msg(box, 1)->flags & GD_MAIL_SYSTEM_FLAGS,
	    GD_MAIL_SEEN | GD_MAIL_FLAGGED);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(mdstore, complex_external_changes_seen_by_sync)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_sync_callbacks cb = { 0 };
	struct gd_mailbox *box;
	char path[PATH_MAX], to[PATH_MAX], dir[PATH_MAX], name[512];
	uint32_t next, uid;
	uint64_t modseq;

	md_append(store, "INBOX", MSG);
	box = md_open(store, "INBOX", 0);
	next = gd_mailbox_uidnext(box);
	/* Dropped into new/ by another program. */
	snprintf(path, sizeof(path), "%s/tmp/1800000000.P1.other", md_root);
	md_write_file(path, MSG);
	snprintf(to, sizeof(to), "%s/new/1800000000.P1.other", md_root);
	cr_assert_eq(rename(path, to), 0);
	md_sync(box, 0, &cb, NULL);
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, next);
	cr_assert_eq(gd_mailbox_recent(box), 2);
	/* Our sync moved it to cur/; another program flags it. */
	snprintf(dir, sizeof(dir), "%s/cur", md_root);
	snprintf(path, sizeof(path), "%s/1800000000.P1.other:2,", dir);
	snprintf(to, sizeof(to), "%s/1800000000.P1.other:2,FS", dir);
	cr_assert_eq(rename(path, to), 0, "%s", strerror(errno));
	uid = gd_mailbox_msg(box, 2)->uid;
	modseq = gd_mailbox_msg(box, 2)->modseq;
	md_sync(box, 0, &cb, NULL);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, uid);
	cr_assert_eq(gd_mailbox_msg(box, 2)->flags & GD_MAIL_SYSTEM_FLAGS,
	    GD_MAIL_SEEN | GD_MAIL_FLAGGED);
	cr_assert_gt(gd_mailbox_msg(box, 2)->modseq, modseq);
	/* And deletes the first one. */
	cr_assert(md_first_file(dir, name, sizeof(name)));
	if (strstr(name, "other") != NULL) {
		struct dirent *d;
		DIR *dp = opendir(dir);

		while ((d = readdir(dp)) != NULL)
			if (d->d_name[0] != '.' &&
			    strstr(d->d_name, "other") == NULL)
				snprintf(name, sizeof(name), "%s", d->d_name);
		closedir(dp);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(unlink(path), 0);
	md_sync(box, 0, &cb, NULL);
	cr_assert_eq(gd_mailbox_count(box), 1);
	cr_assert_eq(gd_mailbox_msg(box, 1)->uid, uid);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(mdstore, complex_change_right_after_sync_is_not_missed)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box;
	char path[PATH_MAX];
	int i;

	box = md_open(store, "INBOX", GD_MAILBOX_READONLY);
	/* Within the directory's timestamp granularity of the sync. */
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "%s/new/1800000000.P%d.x",
		    md_root, i);
		md_write_file(path, MSG);
		md_sync(box, 0, NULL, NULL);
		cr_assert_eq(gd_mailbox_count(box), (uint32_t)i + 1);
	}
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(mdstore, basic_unchanged_mailbox_opens_from_the_state)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box;
	char path[PATH_MAX];

	md_append(store, "INBOX", MSG);
	box = md_open(store, "INBOX", 0);
	gd_mailbox_close(&box);
	sleep(2);	/* past the timestamp margin */
	box = md_open(store, "INBOX", 0);	/* records trusted stamps */
	gd_mailbox_close(&box);
	/* A file whose name is not a message would be skipped by a scan,
	 * but a chmod'ed-away cur/ shows that no scan happens: */
	snprintf(path, sizeof(path), "%s/cur", md_root);
	cr_assert_eq(chmod(path, 0), 0);
	if (geteuid() != 0) {
		box = md_open(store, "INBOX", GD_MAILBOX_READONLY);
		cr_assert_eq(gd_mailbox_count(box), 1);
		gd_mailbox_close(&box);
	}
	chmod(path, 0700);
	gd_mail_store_close(&store);
}

/* Read the cur/ stamp of the state header: (sec, nsec, valid, own). */
static void
state_cur_stamp(int64_t *sec, uint32_t *nsec, uint32_t *valid,
    uint32_t *own)
{
	unsigned char h[160];
	char path[PATH_MAX];
	int fd;

	state_path(path, sizeof(path));
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, h, sizeof(h), 0), (ssize_t)sizeof(h));
	close(fd);
	memcpy(sec, h + 72, 8);
	memcpy(nsec, h + 80, 4);
	memcpy(valid, h + 84, 4);
	memcpy(own, h + 120, 4);
}

Test(mdstore, complex_own_changes_spare_the_scan_not_foreign_ones)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_flag_change ch = { .op = GD_MAIL_FLAGS_ADD,
	    .flags = GD_MAIL_FLAGGED };
	struct gd_mail_range r = { 1, 3 };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char path[PATH_MAX], from[PATH_MAX], to[PATH_MAX], name[512];
	struct timespec ts[2];
	struct stat sb;
	uint32_t nsec, valid, own;
	int64_t sec;
	int i;

	for (i = 0; i < 3; i++)
		md_append(store, "INBOX", MSG);
	box = md_open(store, "INBOX", 0);
	sleep(2);	/* past the margin: the next scan is trusted */
	md_sync(box, 0, NULL, NULL);
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL,
	    &err), 0, "%s", err.text);
	/* Our renames moved the stamp: cur/'s mtime, marked own. */
	snprintf(path, sizeof(path), "%s/cur", md_root);
	cr_assert_eq(stat(path, &sb), 0);
	state_cur_stamp(&sec, &nsec, &valid, &own);
	cr_assert_eq(sec, (int64_t)sb.st_mtim.tv_sec);
	cr_assert_eq(nsec, (uint32_t)sb.st_mtim.tv_nsec);
	cr_assert_eq(valid, 0);
	cr_assert_eq(own, 1);
	md_sync(box, 0, NULL, NULL);
	cr_assert_eq(gd_mailbox_msg(box, 2)->flags & GD_MAIL_FLAGGED,
	    GD_MAIL_FLAGGED);
	/* Another program, within the same second but a later tick,
	 * flags a message back: the next sync sees it at once. */
	usleep(20000);
	cr_assert(md_first_file(path, name, sizeof(name)));
	cr_assert_not_null(strchr(name, ':'));
	snprintf(to, sizeof(to), "%s/%.*s:2,S", path,
	    (int)(strchr(name, ':') - name), name);
	snprintf(from, sizeof(from), "%s/%s", path, name);
	cr_assert_eq(rename(from, to), 0, "%s", strerror(errno));
	md_sync(box, 0, NULL, NULL);
	for (i = 1; i <= 3; i++)
		if ((gd_mailbox_msg(box, (uint32_t)i)->flags &
		    GD_MAIL_FLAGGED) == 0)
			break;
	cr_assert_leq(i, 3, "the foreign rename was missed");
	cr_assert_eq(gd_mailbox_msg(box, (uint32_t)i)->flags &
	    GD_MAIL_SYSTEM_FLAGS, GD_MAIL_SEEN);
	/* That scan's stamp is too young to trust: our next change leaves
	 * it so (the next sync reads cur/).  Once it is trusted, one racing
	 * our own change within its tick (the mtime put back as our stamp
	 * has it) is seen when the stamp has aged. */
	r.first = r.last = i;
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL,
	    &err), 0, "%s", err.text);
	state_cur_stamp(&sec, &nsec, &valid, &own);
	cr_assert_eq(own, 0);
	sleep(2);
	md_sync(box, 0, NULL, NULL);
	state_cur_stamp(&sec, &nsec, &valid, &own);
	cr_assert_eq(valid, 1);
	ch.flags = GD_MAIL_ANSWERED;
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL,
	    &err), 0, "%s", err.text);
	state_cur_stamp(&sec, &nsec, &valid, &own);
	cr_assert_eq(own, 1);
	cr_assert(md_first_file(path, name, sizeof(name)));
	snprintf(from, sizeof(from), "%s/%s", path, name);
	cr_assert_eq(unlink(from), 0);
	ts[0].tv_sec = ts[1].tv_sec = (time_t)sec;
	ts[0].tv_nsec = ts[1].tv_nsec = (long)nsec;
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	sleep(2);
	md_sync(box, 0, NULL, NULL);
	cr_assert_eq(gd_mailbox_count(box), 2, "the racing unlink was missed");
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* ---- notification on a real loop ----------------------------------------------- */

static pthread_mutex_t nt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nt_cond = PTHREAD_COND_INITIALIZER;
static unsigned nt_fired, nt_started;
static struct gd_mailbox *nt_box;

static void
nt_fire(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&nt_lock);
	nt_fired++;
	pthread_cond_broadcast(&nt_cond);
	pthread_mutex_unlock(&nt_lock);
}

static void
nt_start(void *arg)
{
	struct gd_loop *loop = arg;
	struct gd_mail_error err;

	cr_assert_eq(gd_mailbox_notify_start(nt_box, loop, nt_fire, NULL,
	    &err), 0, "%s", err.text);
	pthread_mutex_lock(&nt_lock);
	nt_started++;
	pthread_cond_broadcast(&nt_cond);
	pthread_mutex_unlock(&nt_lock);
}

static void
nt_stop(void *arg)
{
	(void)arg;
	gd_mailbox_notify_stop(nt_box);
	nt_fire(NULL);
}

static bool
nt_wait(unsigned *counter, unsigned n)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&nt_lock);
	while (*counter < n &&
	    pthread_cond_timedwait(&nt_cond, &nt_lock, &ts) == 0)
		;
	ok = *counter >= n;
	pthread_mutex_unlock(&nt_lock);
	return ok;
}

Test(mdstore, complex_notify_on_a_worker_loop)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_store *other = md_store("alice");
	struct gd_mail_flag_change ch = { .op = GD_MAIL_FLAGS_ADD,
	    .flags = GD_MAIL_SEEN };
	struct gd_mail_range r = { 1, 1 };
	struct gd_mail_error err;
	struct gd_mailbox *b2;
	const char *error = NULL;
	char path[PATH_MAX];
	unsigned before;

	md_append(store, "INBOX", MSG);
	nt_box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_loops_start(1, 1, NULL, NULL, &error), 0, "%s",
	    error);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), nt_start, gd_loop_get(0)),
	    0);
	cr_assert(nt_wait(&nt_started, 1));
	/* Another program drops a file. */
	before = nt_fired;
	snprintf(path, sizeof(path), "%s/new/1800000000.P9.x", md_root);
	md_write_file(path, MSG);
	cr_assert(nt_wait(&nt_fired, before + 1), "no notification");
	/* Another session changes a flag. */
	b2 = md_open(other, "INBOX", 0);
	usleep(100 * 1000);
	before = nt_fired;
	cr_assert_eq(gd_mailbox_set_flags(b2, &r, 1, &ch, NULL, NULL, NULL,
	    &err), 0);
	cr_assert(nt_wait(&nt_fired, before + 1), "no notification");
	/* A delivery through this process's API. */
	usleep(100 * 1000);
	before = nt_fired;
	md_append(other, "INBOX", MSG);
	cr_assert(nt_wait(&nt_fired, before + 1), "no notification");
	gd_mailbox_close(&b2);
	before = nt_fired;
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), nt_stop, NULL), 0);
	cr_assert(nt_wait(&nt_fired, before + 1));
	gd_loops_join();
	md_sync(nt_box, 0, NULL, NULL);
	cr_assert_eq(gd_mailbox_count(nt_box), 3);
	gd_mailbox_close(&nt_box);
	gd_mail_store_close(&store);
	gd_mail_store_close(&other);
}

/* ---- a full disk ------------------------------------------------------------------- */

Test(mdconf, complex_full_disk_is_a_clean_temp_error)
{
	struct gd_mail_append_info info = { 0 };
	struct gd_mail_append *ap = NULL;
	struct gd_mail_store *store;
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char chunk[4096], path[PATH_MAX];
	int i, ret = 0;

	md_setup_with("  fsync: true\n");
	snprintf(path, sizeof(path), "%s/mail", md_dir);
	cr_assert(mkdir(path, 0700) == 0 || errno == EEXIST);
	if (mount("gd-enospc", path, "tmpfs", 0, "size=64k") < 0) {
		/* Not root (CI is): nothing to test here. */
		cr_skip_test("cannot mount a tmpfs: %s", strerror(errno));
	}
	snprintf(md_mount, sizeof(md_mount), "%s", path);	/* teardown */
	store = md_store("alice");
	md_append(store, "INBOX", MSG);
	memset(chunk, 'x', sizeof(chunk));
	cr_assert_eq(gd_mail_append_start(store, "INBOX", &info, &ap, &err), 0);
	for (i = 0; i < 64 && ret == 0; i++)
		ret = gd_mail_append_write(ap, chunk, sizeof(chunk), &err);
	cr_assert_eq(ret, -1, "a 256 KiB message fit in 64 KiB");
	cr_assert_eq(err.code, GD_MAIL_ERR_TEMP, "%s", err.text);
	cr_assert_not_null(strstr(err.text, "No space"), "%s", err.text);
	gd_mail_append_abort(&ap);
	snprintf(path, sizeof(path), "%s/tmp", md_root);
	cr_assert_eq(md_count_files(path), 0);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 1);
	gd_mailbox_close(&box);
	md_append(store, "INBOX", MSG);		/* room again */
	gd_mail_store_close(&store);
}
