/*
 * test-maildir.c — the maildir backend through the mailbox.h API:
 * stores, appends (flags, keywords, internal date, abort), content,
 * flag changes (CONDSTORE), keywords and their limit, expunge and its
 * callbacks, views (ghosts under NO_EXPUNGE, \Recent), copy and move
 * with their UIDs, and persistence across close and reopen.
 */
#include "config.h"

#include "maildir-test-util.h"

#define MSG1 "From: a@example.com\r\nSubject: one\r\n\r\nbody one\r\n"
#define MSG2 "From: b@example.com\r\nSubject: two\r\n\r\nbody two\r\n"
#define MSG3 "From: c@example.com\r\nSubject: three\r\n\r\nthree\r\n"

TestSuite(maildir, .init = md_setup, .fini = md_teardown, .timeout = 30);

Test(maildir, basic_store_creates_the_skeleton)
{
	struct gd_mail_store *store = md_store("alice");
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/cur", md_root);
	cr_assert_eq(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/new", md_root);
	cr_assert_eq(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/tmp", md_root);
	cr_assert_eq(stat(path, &sb), 0);
	gd_mail_store_close(&store);
}

Test(maildir, basic_store_missing_without_create)
{
	struct gd_mail_user u = { .name = "nobody" };
	struct gd_mail_store *store = NULL;
	struct gd_mail_error err;

	cr_assert_eq(gd_mail_store_open(md_backend, &u, 0, &store, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	u.name = "../escape";
	cr_assert_eq(gd_mail_store_open(md_backend, &u, GD_MAIL_STORE_CREATE,
	    &store, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_BADNAME);
}

Test(maildir, basic_append_and_read_back)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box;
	const struct gd_mail_msg *m;
	char buf[512];
	uint32_t uid1, uid2;

	uid1 = md_append(store, "INBOX", MSG1);
	uid2 = md_append_full(store, "INBOX", MSG2, GD_MAIL_SEEN, NULL,
	    1700000000);
	cr_assert_lt(uid1, uid2);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_uidnext(box), uid2 + 1);
	m = gd_mailbox_msg(box, 1);
	cr_assert_eq(m->uid, uid1);
	cr_assert_eq(m->size, strlen(MSG1));
	cr_assert_eq(m->flags & GD_MAIL_SYSTEM_FLAGS, 0);
	cr_assert_gt(m->modseq, 0);
	m = gd_mailbox_msg(box, 2);
	cr_assert_eq(m->flags & GD_MAIL_SYSTEM_FLAGS, GD_MAIL_SEEN);
	cr_assert_eq(m->internal_date, 1700000000);
	cr_assert_eq(md_content(box, 1, buf, sizeof(buf)), strlen(MSG1));
	cr_assert_str_eq(buf, MSG1);
	md_content(box, 2, buf, sizeof(buf));
	cr_assert_str_eq(buf, MSG2);
	cr_assert_eq(gd_mailbox_first_unseen(box), 1);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(maildir, basic_file_names_follow_the_format)
{
	struct gd_mail_store *store = md_store("alice");
	const char *kw[] = { "$Label1", NULL };
	char dir[PATH_MAX], name[512], expect[64];
	struct gd_mailbox *box;

	md_append(store, "INBOX", MSG1);
	snprintf(dir, sizeof(dir), "%s/new", md_root);
	cr_assert(md_first_file(dir, name, sizeof(name)));
	snprintf(expect, sizeof(expect), ",S=%zu,W=%zu", strlen(MSG1),
	    strlen(MSG1));
	cr_assert_not_null(strstr(name, expect), "%s", name);
	cr_assert_null(strchr(name, ':'), "%s", name);
	cr_assert_not_null(strstr(name, ".M"), "%s", name);
	/* A read-write open moves it to cur/ with an empty info part. */
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(md_count_files(dir), 0);
	snprintf(dir, sizeof(dir), "%s/cur", md_root);
	cr_assert(md_first_file(dir, name, sizeof(name)));
	cr_assert_not_null(strstr(name, ":2,"), "%s", name);
	gd_mailbox_close(&box);
	/* Flags in ASCII order; keywords as letters from 'a'. */
	cr_assert_eq(gd_mail_store_create(store, "Drafts", 0, NULL), 0);
	md_append_full(store, "Drafts", MSG2, GD_MAIL_DRAFT | GD_MAIL_SEEN |
	    GD_MAIL_FLAGGED | GD_MAIL_ANSWERED | GD_MAIL_DELETED, kw, 0);
	snprintf(dir, sizeof(dir), "%s/.Drafts/cur", md_root);
	cr_assert(md_first_file(dir, name, sizeof(name)));
	cr_assert_str_eq(strstr(name, ":2,"), ":2,DFRSTa");
	snprintf(dir, sizeof(dir), "%s/.Drafts/dovecot-keywords", md_root);
	{
		char text[64] = "";
		int fd = open(dir, O_RDONLY);

		cr_assert_geq(fd, 0);
		cr_assert_gt(read(fd, text, sizeof(text) - 1), 0);
		close(fd);
		cr_assert_str_eq(text, "0 $Label1\n");
	}
	gd_mail_store_close(&store);
}

Test(maildir, basic_append_errors)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_append_info info = { 0 };
	struct gd_mail_append *ap = NULL;
	struct gd_mail_error err;
	char dir[PATH_MAX];

	cr_assert_eq(gd_mail_append_start(store, "Nope", &info, &ap, &err),
	    -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	/* An aborted append leaves nothing behind. */
	cr_assert_eq(gd_mail_append_start(store, "INBOX", &info, &ap, &err), 0);
	cr_assert_eq(gd_mail_append_write(ap, MSG1, 10, &err), 0);
	gd_mail_append_abort(&ap);
	cr_assert_null(ap);
	snprintf(dir, sizeof(dir), "%s/tmp", md_root);
	cr_assert_eq(md_count_files(dir), 0);
	snprintf(dir, sizeof(dir), "%s/new", md_root);
	cr_assert_eq(md_count_files(dir), 0);
	gd_mail_store_close(&store);
}

Test(maildir, basic_bare_lf_files_are_served_with_crlf)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box;
	char path[PATH_MAX], buf[256];

	/* A file another program wrote: bare LFs, no S= or W=. */
	snprintf(path, sizeof(path), "%s/new/1700000000.1234.other", md_root);
	md_write_file(path, "Subject: lf\n\nline\n");
	box = md_open(store, "INBOX", GD_MAILBOX_READONLY);
	cr_assert_eq(gd_mailbox_count(box), 1);
	cr_assert_eq(gd_mailbox_msg(box, 1)->size, 21);
	md_content(box, 1, buf, sizeof(buf));
	cr_assert_str_eq(buf, "Subject: lf\r\n\r\nline\r\n");
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* A file another program put in `sub` (new or cur) as `name`, with its
 * W= for `text` and mtime `date`. */
static void
md_drop(const char *sub, const char *name, const char *text, time_t date)
{
	char path[PATH_MAX];
	struct timespec ts[2] = { { date, 0 }, { date, 0 } };

	snprintf(path, sizeof(path), "%s/%s/%s,W=%zu%s", md_root, sub, name,
	    strlen(text), sub[0] == 'c' ? ":2,S" : "");
	md_write_file(path, text);
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
day_note(void *arg, uint32_t seq)
{
	*(uint32_t *)arg |= 1u << seq;
}

/* Files found by a scan with W= in their names are not stat'ed: their
 * internal dates (mtimes) are read when asked for, also by a search,
 * and kept; a vanished file gets the time in its name. */
Test(maildir, basic_internal_dates_are_read_when_asked)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_search_key since = { .op = GD_SEARCH_SINCE,
	    .u.day = 1600000000 / 86400 + 1 };
	struct gd_mailbox *box;
	char path[PATH_MAX], to[PATH_MAX];
	uint32_t matched = 0;

	md_drop("new", "1700000000.1.other", "Subject: a\r\n\r\n", 1600000000);
	md_drop("cur", "1700000100.2.other", "Subject: b\r\n\r\n", 1600086400);
	md_drop("cur", "1700000200.3.other", "Subject: c\r\n\r\n", 1500000000);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 3);
	cr_assert_eq(gd_mailbox_msg(box, 1)->internal_date,
	    GD_MAIL_DATE_UNKNOWN, "not stat'ed by the scan");
	cr_assert_eq(gd_mailbox_internal_date(box, 1), 1600000000);
	cr_assert_eq(gd_mailbox_msg(box, 1)->internal_date, 1600000000,
	    "kept in the view");
	/* Another program flags one (a rename) and removes one. */
	snprintf(path, sizeof(path), "%s/cur/1700000100.2.other,W=14:2,S",
	    md_root);
	snprintf(to, sizeof(to), "%s/cur/1700000100.2.other,W=14:2,FS",
	    md_root);
	cr_assert_eq(rename(path, to), 0);
	snprintf(path, sizeof(path), "%s/cur/1700000200.3.other,W=14:2,S",
	    md_root);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(gd_mailbox_search(box, &since, day_note, &matched,
	    NULL), 0);
	cr_assert_eq(matched, 1u << 2 | 1u << 3, "SINCE: the renamed file's "
	    "mtime, the vanished file's name: %#x", matched);
	cr_assert_eq(gd_mailbox_internal_date(box, 3), 1700000200);
	cr_assert_eq(gd_mailbox_internal_date(box, 4), 0, "out of range");
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* ---- flags --------------------------------------------------------------- */

struct seqs {
	uint32_t seq[32];
	uint32_t uid[32];
	unsigned n;
};

static void
seq_note(void *arg, uint32_t seq)
{
	struct seqs *s = arg;

	s->seq[s->n++] = seq;
}

static void
expunged_note(void *arg, uint32_t seq, uint32_t uid)
{
	struct seqs *s = arg;

	s->uid[s->n] = uid;
	s->seq[s->n++] = seq;
}

static void
set_flags(struct gd_mailbox *box, uint32_t first, uint32_t last,
    enum gd_mail_flag_op op, uint32_t flags, const char *const *kw,
    struct seqs *changed)
{
	struct gd_mail_range r = { first, last };
	struct gd_mail_flag_change ch = { .op = op, .flags = flags,
	    .keywords = kw };
	struct gd_mail_error err;

	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, seq_note, NULL,
	    changed, &err), 0, "%s", err.text);
}

Test(maildir, basic_flags_change_and_persist)
{
	struct gd_mail_store *store = md_store("alice");
	struct seqs ch = { 0 };
	struct gd_mailbox *box;
	uint64_t ms1, hms;

	md_append(store, "INBOX", MSG1);
	md_append(store, "INBOX", MSG2);
	box = md_open(store, "INBOX", 0);
	ms1 = gd_mailbox_msg(box, 1)->modseq;
	hms = gd_mailbox_highestmodseq(box);
	set_flags(box, 1, 2, GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN, NULL, &ch);
	cr_assert_eq(ch.n, 2);
	cr_assert_eq(gd_mailbox_msg(box, 1)->flags & GD_MAIL_SEEN,
	    GD_MAIL_SEEN);
	cr_assert_gt(gd_mailbox_msg(box, 1)->modseq, ms1);
	cr_assert_gt(gd_mailbox_highestmodseq(box), hms);
	/* Adding it again changes nothing. */
	ch.n = 0;
	set_flags(box, 1, 2, GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN, NULL, &ch);
	cr_assert_eq(ch.n, 0);
	set_flags(box, 2, 2, GD_MAIL_FLAGS_REPLACE, GD_MAIL_FLAGGED, NULL, &ch);
	set_flags(box, 1, 1, GD_MAIL_FLAGS_REMOVE, GD_MAIL_SEEN, NULL, &ch);
	ms1 = gd_mailbox_msg(box, 2)->modseq;
	hms = gd_mailbox_highestmodseq(box);
	gd_mailbox_close(&box);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_msg(box, 1)->flags & GD_MAIL_SYSTEM_FLAGS, 0);
	cr_assert_eq(gd_mailbox_msg(box, 2)->flags & GD_MAIL_SYSTEM_FLAGS,
	    GD_MAIL_FLAGGED);
	cr_assert_eq(gd_mailbox_msg(box, 2)->modseq, ms1);
	cr_assert_eq(gd_mailbox_highestmodseq(box), hms);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(maildir, basic_unchanged_since)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_flag_change ch = { .op = GD_MAIL_FLAGS_ADD,
	    .flags = GD_MAIL_FLAGGED };
	struct gd_mail_range r = { 1, 2 };
	struct seqs changed = { 0 }, failed = { 0 };
	struct gd_mail_error err;
	struct gd_mailbox *box;

	md_append(store, "INBOX", MSG1);
	md_append(store, "INBOX", MSG2);
	box = md_open(store, "INBOX", 0);
	set_flags(box, 2, 2, GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN, NULL, &changed);
	ch.unchanged_since = gd_mailbox_msg(box, 1)->modseq;
	changed.n = 0;
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, seq_note, seq_note,
	    &changed, &err), 0);
	(void)failed;
	/* seq 1 changed, seq 2 (modified since) failed: both noted, in
	 * order 1 (changed) then 2 (failed). */
	cr_assert_eq(changed.n, 2);
	cr_assert_eq(gd_mailbox_msg(box, 1)->flags & GD_MAIL_FLAGGED,
	    GD_MAIL_FLAGGED);
	cr_assert_eq(gd_mailbox_msg(box, 2)->flags & GD_MAIL_FLAGGED, 0);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(maildir, basic_read_only_refuses_changes)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_flag_change ch = { .op = GD_MAIL_FLAGS_ADD,
	    .flags = GD_MAIL_SEEN };
	struct gd_mail_range r = { 1, 1 };
	struct gd_mail_error err;
	struct gd_mailbox *box;

	md_append(store, "INBOX", MSG1);
	box = md_open(store, "INBOX", GD_MAILBOX_READONLY);
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL,
	    &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOPERM);
	cr_assert_eq(gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_DELETED, NULL, 0,
	    NULL, NULL, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOPERM);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(maildir, basic_keywords_and_their_limit)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_flag_change ch = { .op = GD_MAIL_FLAGS_ADD };
	struct gd_mail_range r = { 1, 1 };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	struct seqs seen = { 0 };
	char names[27][16];
	const char *kw[2] = { NULL, NULL };
	int i;

	md_append(store, "INBOX", MSG1);
	box = md_open(store, "INBOX", 0);
	cr_assert(gd_mailbox_keywords_can_grow(box));
	for (i = 0; i < 26; i++) {
		snprintf(names[i], sizeof(names[i]), "kw%d", i);
		kw[0] = names[i];
		set_flags(box, 1, 1, GD_MAIL_FLAGS_ADD, 0, kw, &seen);
	}
	cr_assert_eq(gd_mailbox_keyword_count(box), 26);
	cr_assert_eq(gd_mailbox_msg(box, 1)->keywords, (1ull << 26) - 1);
	cr_assert_not(gd_mailbox_keywords_can_grow(box));
	cr_assert_eq(gd_mailbox_keyword_index(box, "KW3"), 3);
	snprintf(names[26], sizeof(names[26]), "one-too-many");
	kw[0] = names[26];
	ch.keywords = kw;
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL,
	    &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_LIMIT);
	gd_mailbox_close(&box);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_keyword_count(box), 26);
	cr_assert_str_eq(gd_mailbox_keyword(box, 25), "kw25");
	cr_assert_eq(gd_mailbox_msg(box, 1)->keywords, (1ull << 26) - 1);
	/* Remove one: its letter goes, the others stay. */
	kw[0] = "kw0";
	ch.op = GD_MAIL_FLAGS_REMOVE;
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, NULL, NULL, NULL,
	    &err), 0);
	cr_assert_eq(gd_mailbox_msg(box, 1)->keywords, (1ull << 26) - 2);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(maildir, basic_unknown_flag_letters_are_kept)
{
	struct gd_mail_store *store = md_store("alice");
	char path[PATH_MAX], dir[PATH_MAX], name[512];
	struct seqs ch = { 0 };
	struct gd_mailbox *box;

	/* P (passed) and an unknown lowercase letter without a keyword. */
	snprintf(path, sizeof(path), "%s/cur/1700000000.1.x:2,PSz", md_root);
	md_write_file(path, MSG1);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_msg(box, 1)->flags & GD_MAIL_SYSTEM_FLAGS,
	    GD_MAIL_SEEN);
	cr_assert_eq(gd_mailbox_msg(box, 1)->keywords, 0);
	set_flags(box, 1, 1, GD_MAIL_FLAGS_ADD, GD_MAIL_FLAGGED, NULL, &ch);
	snprintf(dir, sizeof(dir), "%s/cur", md_root);
	cr_assert(md_first_file(dir, name, sizeof(name)));
	cr_assert_str_eq(name, "1700000000.1.x:2,FPSz");
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* ---- expunge and views ------------------------------------------------- */

Test(maildir, basic_expunge_reports_sequence_numbers)
{
	struct gd_mail_store *store = md_store("alice");
	struct seqs ch = { 0 }, ex = { 0 };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	uint32_t uids[5];
	int i;

	for (i = 0; i < 5; i++)
		uids[i] = md_append(store, "INBOX", MSG1);
	box = md_open(store, "INBOX", 0);
	set_flags(box, 2, 2, GD_MAIL_FLAGS_ADD, GD_MAIL_DELETED, NULL, &ch);
	set_flags(box, 4, 4, GD_MAIL_FLAGS_ADD, GD_MAIL_DELETED, NULL, &ch);
	cr_assert_eq(gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_DELETED, NULL, 0,
	    expunged_note, &ex, &err), 0, "%s", err.text);
	cr_assert_eq(ex.n, 2);
	cr_assert_eq(ex.seq[0], 2);
	cr_assert_eq(ex.uid[0], uids[1]);
	cr_assert_eq(ex.seq[1], 3);	/* message 4 after 2 left */
	cr_assert_eq(ex.uid[1], uids[3]);
	cr_assert_eq(gd_mailbox_count(box), 3);
	gd_mailbox_close(&box);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 3);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, uids[2]);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(maildir, basic_expunge_ranges_and_deleted_in)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_range r = { 1, 2 };
	struct seqs ch = { 0 }, ex = { 0 };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	int i;

	for (i = 0; i < 4; i++)
		md_append(store, "INBOX", MSG1);
	box = md_open(store, "INBOX", 0);
	set_flags(box, 2, 3, GD_MAIL_FLAGS_ADD, GD_MAIL_DELETED, NULL, &ch);
	cr_assert_eq(gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_DELETED_IN, &r,
	    1, expunged_note, &ex, &err), 0);
	cr_assert_eq(ex.n, 1);
	cr_assert_eq(ex.seq[0], 2);
	ex.n = 0;
	r.first = r.last = 1;	/* POP3: whatever its flags */
	cr_assert_eq(gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_RANGES, &r, 1,
	    expunged_note, &ex, &err), 0);
	cr_assert_eq(ex.n, 1);
	cr_assert_eq(gd_mailbox_count(box), 2);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(maildir, complex_views_keep_ghosts_until_a_full_sync)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_store *other = md_store("alice");
	struct gd_mail_sync_callbacks cb = { expunged_note, seq_note, NULL };
	struct gd_mail_range r = { 2, 2 };
	struct seqs ex = { 0 }, ch = { 0 };
	struct gd_mail_content *c = NULL;
	struct gd_mailbox *a, *b;
	struct gd_mail_error err;
	uint32_t u[3];
	int i;

	for (i = 0; i < 3; i++)
		u[i] = md_append(store, "INBOX", MSG1);
	a = md_open(store, "INBOX", 0);
	b = md_open(other, "INBOX", 0);
	cr_assert_eq(gd_mailbox_expunge(b, GD_MAIL_EXPUNGE_RANGES, &r, 1,
	    NULL, NULL, &err), 0);
	set_flags(b, 1, 1, GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN, NULL, &ch);
	/* a's view does not move until it syncs. */
	cr_assert_eq(gd_mailbox_count(a), 3);
	md_sync(a, GD_MAIL_SYNC_NO_EXPUNGE, &cb, &ex);
	cr_assert_eq(gd_mailbox_count(a), 3);
	cr_assert_eq(ex.n, 1);		/* only the flag change: seq 1 */
	cr_assert_eq(ex.seq[0], 1);
	cr_assert_neq(gd_mailbox_msg(a, 2)->flags & GD_MAIL_EXPUNGED, 0);
	cr_assert_eq(gd_mailbox_content_open(a, 2, &c, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_EXPUNGED);
	ex.n = 0;
	md_sync(a, 0, &cb, &ex);
	cr_assert_eq(ex.n, 1);
	cr_assert_eq(ex.seq[0], 2);
	cr_assert_eq(ex.uid[0], u[1]);
	cr_assert_eq(gd_mailbox_count(a), 2);
	cr_assert_eq(gd_mailbox_msg(a, 2)->uid, u[2]);
	gd_mailbox_close(&a);
	gd_mailbox_close(&b);
	gd_mail_store_close(&store);
	gd_mail_store_close(&other);
}

Test(maildir, basic_recent_goes_to_the_first_read_write_view)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *ro, *a, *b;

	md_append(store, "INBOX", MSG1);
	md_append(store, "INBOX", MSG2);
	ro = md_open(store, "INBOX", GD_MAILBOX_READONLY);
	cr_assert_eq(gd_mailbox_recent(ro), 2);		/* not claimed */
	a = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_recent(a), 2);
	cr_assert_neq(gd_mailbox_msg(a, 1)->flags & GD_MAIL_RECENT, 0);
	b = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_recent(b), 0);
	md_append(store, "INBOX", MSG3);
	md_sync(b, 0, NULL, NULL);
	md_sync(a, 0, NULL, NULL);
	cr_assert_eq(gd_mailbox_recent(b), 1);
	cr_assert_eq(gd_mailbox_recent(a), 2);
	gd_mailbox_close(&ro);
	gd_mailbox_close(&a);
	gd_mailbox_close(&b);
	gd_mail_store_close(&store);
}

/* ---- copy and move -------------------------------------------------------- */

struct pairs {
	uint32_t src[16], dst[16];
	unsigned n;
};

static void
copied_note(void *arg, uint32_t src, uint32_t dst)
{
	struct pairs *p = arg;

	p->src[p->n] = src;
	p->dst[p->n++] = dst;
}

Test(maildir, basic_copy_keeps_flags_keywords_and_dates)
{
	struct gd_mail_store *store = md_store("alice");
	const char *kw[] = { "$Important", NULL };
	struct gd_mail_range r = { 1, 2 };
	struct gd_mail_error err;
	struct gd_mailbox *box, *dst;
	struct pairs p = { 0 };
	uint32_t uidv = 0, u1, u2;
	char buf[256];

	cr_assert_eq(gd_mail_store_create(store, "Archive", 0, &err), 0);
	md_append(store, "Archive", MSG3);	/* the target's UID 1 */
	u1 = md_append_full(store, "INBOX", MSG1, GD_MAIL_FLAGGED, kw,
	    1600000000);
	u2 = md_append(store, "INBOX", MSG2);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_copy(box, &r, 1, "Archive", false,
	    copied_note, NULL, &p, &uidv, &err), 0, "%s", err.text);
	cr_assert_eq(p.n, 2);
	cr_assert_eq(p.src[0], u1);
	cr_assert_eq(p.src[1], u2);
	cr_assert_lt(p.dst[0], p.dst[1]);
	cr_assert_gt(p.dst[0], 1);
	dst = md_open(store, "Archive", 0);
	cr_assert_eq(uidv, gd_mailbox_uidvalidity(dst));
	cr_assert_eq(gd_mailbox_count(dst), 3);
	cr_assert_eq(gd_mailbox_msg(dst, 2)->uid, p.dst[0]);
	cr_assert_eq(gd_mailbox_msg(dst, 2)->flags & GD_MAIL_SYSTEM_FLAGS,
	    GD_MAIL_FLAGGED);
	cr_assert_eq(gd_mailbox_msg(dst, 2)->internal_date, 1600000000);
	cr_assert_eq(gd_mailbox_keyword_index(dst, "$Important"), 0);
	cr_assert_eq(gd_mailbox_msg(dst, 2)->keywords, 1);
	md_content(dst, 3, buf, sizeof(buf));
	cr_assert_str_eq(buf, MSG2);
	cr_assert_eq(gd_mailbox_count(box), 2);		/* a copy */
	gd_mailbox_close(&dst);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

struct move_log {
	char text[128];
};

static void
move_copied(void *arg, uint32_t src, uint32_t dst)
{
	struct move_log *l = arg;

	(void)dst;
	snprintf(l->text + strlen(l->text), sizeof(l->text) - strlen(l->text),
	    "c%u ", src);
}

static void
move_expunged(void *arg, uint32_t seq, uint32_t uid)
{
	struct move_log *l = arg;

	(void)uid;
	snprintf(l->text + strlen(l->text), sizeof(l->text) - strlen(l->text),
	    "x%u ", seq);
}

Test(maildir, basic_move_reports_pairs_then_expunges)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_range r = { 2, 3 };
	struct gd_mail_error err;
	struct gd_mailbox *box, *dst;
	struct pairs p = { 0 };
	struct seqs ex = { 0 };
	int i;

	struct move_log log = { 0 };
	uint32_t u[4];

	cr_assert_eq(gd_mail_store_create(store, "Trash", 0, &err), 0);
	for (i = 0; i < 4; i++)
		u[i] = md_append(store, "INBOX", MSG1);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_copy(box, &r, 1, "Trash", true, move_copied,
	    move_expunged, &log, NULL, &err), 0, "%s", err.text);
	/* COPYUID pairs first, then the expunges (seq 2 twice). */
	cr_assert_str_eq(log.text, "c2 c3 x2 x2 ");
	(void)p;
	(void)ex;
	(void)u;
	cr_assert_eq(gd_mailbox_count(box), 2);
	dst = md_open(store, "Trash", 0);
	cr_assert_eq(gd_mailbox_count(dst), 2);
	gd_mailbox_close(&dst);
	gd_mailbox_close(&box);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 2);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(maildir, complex_copy_is_all_or_nothing)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_range r = { 1, 3 };
	struct gd_mail_error err;
	struct gd_mailbox *box, *dst;
	char dir[PATH_MAX], name[512], path[PATH_MAX + 512];
	int i;

	cr_assert_eq(gd_mail_store_create(store, "Keep", 0, &err), 0);
	for (i = 0; i < 3; i++)
		md_append(store, "INBOX", MSG1);
	box = md_open(store, "INBOX", 0);
	/* Another program deletes one file behind the view's back. */
	snprintf(dir, sizeof(dir), "%s/cur", md_root);
	cr_assert(md_first_file(dir, name, sizeof(name)));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(gd_mailbox_copy(box, &r, 1, "Keep", false, NULL, NULL,
	    NULL, NULL, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_EXPUNGED, "%s", err.text);
	dst = md_open(store, "Keep", 0);
	cr_assert_eq(gd_mailbox_count(dst), 0);
	gd_mailbox_close(&dst);
	snprintf(dir, sizeof(dir), "%s/.Keep/tmp", md_root);
	cr_assert_eq(md_count_files(dir), 0);
	snprintf(dir, sizeof(dir), "%s/.Keep/cur", md_root);
	cr_assert_eq(md_count_files(dir), 0);
	cr_assert_eq(gd_mailbox_copy(box, &r, 1, "Nowhere", false, NULL, NULL,
	    NULL, NULL, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

Test(maildir, basic_copy_into_the_same_mailbox)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_range r = { 1, 1 };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	struct pairs p = { 0 };

	md_append(store, "INBOX", MSG1);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_copy(box, &r, 1, "INBOX", false, copied_note,
	    NULL, &p, NULL, &err), 0, "%s", err.text);
	cr_assert_eq(p.n, 1);
	md_sync(box, 0, NULL, NULL);
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, p.dst[0]);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* ---- persistence ------------------------------------------------------------ */

Test(maildir, basic_uids_and_modseqs_survive_reopen)
{
	struct gd_mail_store *store = md_store("alice");
	struct gd_mailbox *box;
	uint32_t uidv, next;
	uint64_t hms;

	md_append(store, "INBOX", MSG1);
	md_append(store, "INBOX", MSG2);
	box = md_open(store, "INBOX", 0);
	uidv = gd_mailbox_uidvalidity(box);
	next = gd_mailbox_uidnext(box);
	hms = gd_mailbox_highestmodseq(box);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
	/* A new process image of the module: unload and load again. */
	gd_modules_unload();
	gd_config_free(&md_cfg);
	md_load("  fsync: false\n");
	store = md_store("alice");
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_uidvalidity(box), uidv);
	cr_assert_eq(gd_mailbox_uidnext(box), next);
	cr_assert_eq(gd_mailbox_highestmodseq(box), hms);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, next - 1);
	gd_mailbox_close(&box);
	cr_assert_eq(md_append(store, "INBOX", MSG3), next);
	gd_mail_store_close(&store);
}

/* A small message makes no spool file before run(); a large one makes it
 * when it outgrows memory; both arrive intact. */
Test(maildir, delivery_spool_memory_then_file)
{
	struct gd_mail_user u = { .name = "alice" };
	struct gd_mail_delivery *small, *big;
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char spool[512], line[100], *buf, *got;
	size_t i, size = 0, cap = 200 * 1000;

	snprintf(spool, sizeof(spool), "%s/mail/.gumdrop-spool", md_dir);
	small = gd_mail_delivery_create(md_backend, &err);
	big = gd_mail_delivery_create(md_backend, &err);
	cr_assert(small != NULL && big != NULL);
	gd_mail_delivery_add(small, &u, NULL, 0);
	gd_mail_delivery_add(big, &u, NULL, 0);
	cr_assert_eq(gd_mail_delivery_write(small, MSG1, strlen(MSG1), &err), 0);
	cr_assert_eq(md_count_files(spool), 0, "a small message made a file");
	buf = gd_xmalloc(cap);
	for (i = 0; size < 100 * 1000; i++) {
		snprintf(line, sizeof(line), "%s%06zu %.70s\r\n", i == 0 ?
		    "Subject: big\r\n\r\n" : "", i, "xxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		memcpy(buf + size, line, strlen(line));
		cr_assert_eq(gd_mail_delivery_write(big, line, strlen(line),
		    &err), 0, "%s", err.text);
		size += strlen(line);
		cr_assert_eq(md_count_files(spool), size > 65536 ? 1 : 0,
		    "at %zu bytes", size);
	}
	cr_assert_eq(gd_mail_delivery_run(small, &err), 0, "%s", err.text);
	cr_assert_eq(gd_mail_delivery_run(big, &err), 0, "%s", err.text);
	cr_assert_eq(gd_mail_delivery_result(small, 0)->status,
	    GD_MAIL_DELIVERED);
	cr_assert_eq(gd_mail_delivery_result(big, 0)->status,
	    GD_MAIL_DELIVERED);
	gd_mail_delivery_destroy(&small);
	gd_mail_delivery_destroy(&big);
	cr_assert_eq(md_count_files(spool), 0);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 2);
	buf[size] = '\0';
	got = gd_xmalloc(cap);
	cr_assert_eq(md_content(box, 2, got, cap), size);
	cr_assert_str_eq(got, buf);
	free(got);
	free(buf);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
}

/* The inode of the only message in md_root's `sub`/new. */
static ino_t
md_new_inode(const char *sub)
{
	char dir[PATH_MAX], name[512], path[PATH_MAX + 520];
	struct stat sb;

	snprintf(dir, sizeof(dir), "%s%s/new", md_root, sub);
	cr_assert(md_first_file(dir, name, sizeof(name)), "%s", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(stat(path, &sb), 0, "%s", path);
	return sb.st_ino;
}

/* Deliver `len` bytes of `text` with `ins` at `at` to INBOX and Lists. */
static void
md_deliver_inserted(const char *text, size_t len, uint64_t at,
    const char *ins)
{
	struct gd_mail_user u = { .name = "alice" };
	struct gd_mail_error err;
	struct gd_mail_delivery *d = gd_mail_delivery_create(md_backend, &err);

	cr_assert_not_null(d, "%s", err.text);
	gd_mail_delivery_add(d, &u, NULL, 0);
	gd_mail_delivery_add(d, &u, "Lists", GD_MAIL_DELIVER_CREATE);
	cr_assert_eq(gd_mail_delivery_write(d, text, len, &err), 0, "%s",
	    err.text);
	gd_mail_delivery_insert(d, at, ins, strlen(ins));
	cr_assert_eq(gd_mail_delivery_run(d, &err), 0, "%s", err.text);
	cr_assert_eq(gd_mail_delivery_result(d, 0)->status, GD_MAIL_DELIVERED,
	    "%s", gd_mail_delivery_result(d, 0)->error.text);
	cr_assert_eq(gd_mail_delivery_result(d, 1)->status, GD_MAIL_DELIVERED,
	    "%s", gd_mail_delivery_result(d, 1)->error.text);
	gd_mail_delivery_destroy(&d);
}

/* Both copies of the message hold `want` (`len` bytes). */
static void
md_check_copies(const char *want, size_t len)
{
	struct gd_mail_store *store = md_store("alice");
	const char *boxes[] = { "INBOX", "Lists" };
	struct gd_mailbox *box;
	char *got = gd_xmalloc(len + 1);
	size_t i;

	for (i = 0; i < 2; i++) {
		box = md_open(store, boxes[i], 0);
		cr_assert_eq(gd_mailbox_count(box), 1);
		cr_assert_eq(md_content(box, 1, got, len + 1), len, "%s",
		    boxes[i]);
		cr_assert(memcmp(got, want, len) == 0, "%s", boxes[i]);
		gd_mailbox_close(&box);
	}
	free(got);
	gd_mail_store_close(&store);
}

/* Inserted bytes land at their offset.  Content still in memory is
 * spooled with them in place and linked: both copies are one inode. */
Test(maildir, delivery_insertion_in_memory_is_linked)
{
	const char *ins = "X-Checked: yes\r\n";
	char want[256];

	md_deliver_inserted(MSG1, strlen(MSG1), 21, ins);
	snprintf(want, sizeof(want), "%.21s%s%s", MSG1, ins, MSG1 + 21);
	cr_assert_eq(md_new_inode(""), md_new_inode("/.Lists"));
	md_check_copies(want, strlen(want));
}

/* A spool that outgrew memory stays as written: each copy is made with
 * the insertion, as its own file. */
Test(maildir, delivery_insertion_on_disk_is_copied)
{
	const char *ins = "X-Checked: yes\r\n";
	size_t size = 100 * 1000, at = 14;
	char *text = gd_xmalloc(size), *want = gd_xmalloc(size + 64);

	memset(text, 'x', size);
	memcpy(text, "Subject: big\r\n\r\n", 16);
	memcpy(text + size - 2, "\r\n", 2);
	md_deliver_inserted(text, size, at, ins);
	memcpy(want, text, at);
	memcpy(want + at, ins, strlen(ins));
	memcpy(want + at + strlen(ins), text + at, size - at);
	cr_assert_neq(md_new_inode(""), md_new_inode("/.Lists"));
	md_check_copies(want, size + strlen(ins));
	free(text);
	free(want);
}

Test(maildir, basic_delivery_api)
{
	struct gd_mail_user u = { .name = "alice" };
	struct gd_mail_delivery *d;
	const struct gd_mail_rcpt_result *res;
	struct gd_mail_store *store = md_store("alice");
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char buf[256];

	d = gd_mail_delivery_create(md_backend, &err);
	cr_assert_not_null(d, "%s", err.text);
	gd_mail_delivery_add(d, &u, NULL, 0);
	gd_mail_delivery_add(d, &u, "Lists", GD_MAIL_DELIVER_CREATE);
	cr_assert_eq(gd_mail_delivery_write(d, MSG1, strlen(MSG1), &err), 0);
	cr_assert_eq(gd_mail_delivery_run(d, &err), 0, "%s", err.text);
	res = gd_mail_delivery_result(d, 0);
	cr_assert_eq(res->status, GD_MAIL_DELIVERED, "%s", res->error.text);
	cr_assert_eq(res->uid, 1);
	res = gd_mail_delivery_result(d, 1);
	cr_assert_eq(res->status, GD_MAIL_DELIVERED, "%s", res->error.text);
	gd_mail_delivery_destroy(&d);
	box = md_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 1);
	md_content(box, 1, buf, sizeof(buf));
	cr_assert_str_eq(buf, MSG1);
	gd_mailbox_close(&box);
	box = md_open(store, "Lists", 0);
	cr_assert_eq(gd_mailbox_count(box), 1);
	gd_mailbox_close(&box);
	/* The spool file is gone; it was in the configured-default spool. */
	snprintf(buf, sizeof(buf), "%s/mail/.gumdrop-spool", md_dir);
	cr_assert_eq(md_count_files(buf), 0);
	gd_mail_store_close(&store);
}
