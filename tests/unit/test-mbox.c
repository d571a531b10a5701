/*
 * test-mbox.c — the mbox backend through mailbox.h: appends and reads,
 * the file format other programs read (checked with a plain reader),
 * flags and keywords persisted across close and reopen, view semantics
 * (syncs, ghosts, \Recent), expunge, copy and move, UIDs of messages
 * other programs append, sidecar loss and damage, HIGHESTMODSEQ, quota,
 * and error paths.  Namespace operations are in test-mbox-names.c.
 */
#include "config.h"

#include "mbox-test-util.h"

TestSuite(mbox, .init = mt_setup, .fini = mt_teardown, .timeout = 30);

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

TestSuite(box, .init = setup, .fini = teardown, .timeout = 30);

struct events {
	char log[1024];
};

static void
ev_expunged(void *arg, uint32_t seq, uint32_t uid)
{
	struct events *e = arg;

	snprintf(e->log + strlen(e->log), sizeof(e->log) - strlen(e->log),
	    "x%u:%u ", seq, uid);
}

static void
ev_changed(void *arg, uint32_t seq)
{
	struct events *e = arg;

	snprintf(e->log + strlen(e->log), sizeof(e->log) - strlen(e->log),
	    "c%u ", seq);
}

static void
ev_failed(void *arg, uint32_t seq)
{
	struct events *e = arg;

	snprintf(e->log + strlen(e->log), sizeof(e->log) - strlen(e->log),
	    "f%u ", seq);
}

static void
ev_keywords(void *arg)
{
	struct events *e = arg;

	snprintf(e->log + strlen(e->log), sizeof(e->log) - strlen(e->log),
	    "k ");
}

static void
ev_copied(void *arg, uint32_t src, uint32_t dst)
{
	struct events *e = arg;

	snprintf(e->log + strlen(e->log), sizeof(e->log) - strlen(e->log),
	    "%u>%u ", src, dst);
}

static const struct gd_mail_sync_callbacks ev_cb = {
	.expunged = ev_expunged, .changed = ev_changed,
	.keywords = ev_keywords,
};

static void
set_flags(struct gd_mailbox *box, uint32_t first, uint32_t last,
    enum gd_mail_flag_op op, uint32_t flags, const char *const *kw,
    struct events *e)
{
	struct gd_mail_range r = { first, last };
	struct gd_mail_flag_change ch = { op, flags, kw, 0 };
	struct gd_mail_error err;

	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, ev_changed,
	    ev_failed, e, &err), 0, "set_flags: %s", err.text);
}

Test(mbox, basic_append_and_read)
{
	struct gd_mail_store *st = mt_store("u");
	struct gd_mailbox *box;
	char *text;

	cr_assert_eq(mt_append(st, "INBOX", "Subject: a\r\n\r\nbody\r\n"), 1);
	cr_assert_eq(mt_append(st, "INBOX", "Subject: b\r\n\r\nmore\r\n"), 2);
	box = mt_open(st, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_recent(box), 2);
	cr_assert_eq(gd_mailbox_uidnext(box), 3);
	cr_assert_neq(gd_mailbox_highestmodseq(box), 0);
	text = mt_read(box, 1, NULL);
	cr_assert_str_eq(text, "Subject: a\r\n\r\nbody\r\n");
	free(text);
	text = mt_read(box, 2, NULL);
	cr_assert_str_eq(text, "Subject: b\r\n\r\nmore\r\n");
	free(text);
	gd_mailbox_close(&box);
	gd_mail_store_close(&st);
}

Test(mbox, config_requires_path_and_checks_keys)
{
	const char *const bad[] = {
		"modules: {path: \"%s\", load: [mbox]}\nmbox: {fsync: false}\n",
		"modules: {path: \"%s\", load: [mbox]}\n",
		"modules: {path: \"%s\", load: [mbox]}\nmbox: {path: /tmp/x, "
		    "extension: \"mbox/\"}\n",
		"modules: {path: \"%s\", load: [mbox]}\nmbox: {path: /tmp/x, "
		    "locking: [flock]}\n",
		"modules: {path: \"%s\", load: [mbox]}\nmbox: {path: /tmp/x, "
		    "lock-timeout: forever}\n",
	};
	char text[512], *error = NULL;
	const char *lerr;
	struct gd_config *cfg;
	size_t i;

	gd_modules_unload();
	for (i = 0; i < GD_N_ELEMENTS(bad); i++) {
		snprintf(text, sizeof(text), bad[i], MT_MODULES);
		cfg = gd_config_load_string("t.yaml", text, strlen(text),
		    &error);
		cr_assert_not_null(cfg);
		lerr = NULL;
		cr_assert_eq(gd_modules_load(gd_config_root(cfg), NULL, &lerr),
		    -1, "case %zu loaded", i);
		cr_assert_not_null(lerr);
		gd_config_free(&cfg);
	}
}

Test(box, lf_message_is_served_with_crlf_and_exact_size)
{
	struct gd_mailbox *box;
	size_t len;
	char *text;

	mt_append(store, "INBOX", "Subject: lf\n\nline one\nline two\n");
	box = mt_open(store, "INBOX", 0);
	text = mt_read(box, 1, &len);
	cr_assert_str_eq(text,
	    "Subject: lf\r\n\r\nline one\r\nline two\r\n");
	cr_assert_eq(gd_mailbox_msg(box, 1)->size, len);
	free(text);
	text = mt_file(mt_path("u", "INBOX.mbox"), NULL);
	cr_assert(strstr(text, "line one\nline two\n\n") != NULL,
	    "stored as received: %s", text);
	cr_assert_null(strstr(text, "\r"), "own lines use LF: %s", text);
	free(text);
	gd_mailbox_close(&box);
}

Test(box, message_without_final_newline_round_trips)
{
	static const char *const msgs[] = {
		"Subject: x\r\n\r\nno newline at the end",
		"Subject: y\n\nno newline, LF",
		"Subject: z\r\n\r\nends with CR\r",
		"",
		"Subject: only a header",
		"\r\n",
		"\n\n\n",
	};
	struct gd_mailbox *box;
	size_t i, len;
	char *text;

	for (i = 0; i < GD_N_ELEMENTS(msgs); i++)
		mt_append(store, "INBOX", msgs[i]);
	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), GD_N_ELEMENTS(msgs));
	for (i = 0; i < GD_N_ELEMENTS(msgs); i++) {
		text = mt_read(box, (uint32_t)i + 1, &len);
		if (strchr(msgs[i], '\r') != NULL || strchr(msgs[i], '\n') ==
		    NULL)
			cr_assert_str_eq(text, msgs[i], "message %zu", i);
		free(text);
	}
	text = mt_read(box, 2, NULL);
	cr_assert_str_eq(text, "Subject: y\r\n\r\nno newline, LF");
	free(text);
	text = mt_read(box, 7, NULL);
	cr_assert_str_eq(text, "\r\n\r\n\r\n");
	free(text);
	gd_mailbox_close(&box);
}

Test(box, file_is_an_mbox_other_programs_read)
{
	const char *const kw[] = { "$Work", "todo", NULL };
	struct mt_plain m[4];
	char *file, uidv[32];
	struct gd_mailbox *box;
	size_t n;

	mt_append_flags(store, "INBOX", "Subject: 1\r\n\r\nFrom here\r\n",
	    25, GD_MAIL_SEEN | GD_MAIL_FLAGGED, kw);
	mt_append_flags(store, "INBOX", "Subject: 2\r\n\r\nb\r\n", 17,
	    GD_MAIL_ANSWERED | GD_MAIL_DRAFT | GD_MAIL_DELETED, NULL);
	box = mt_open(store, "INBOX", 0);
	file = mt_file(mt_path("u", "INBOX.mbox"), NULL);
	n = mt_plain_read(file, m, 4);
	cr_assert_eq(n, 2, "%s", file);
	cr_assert_eq(strncmp(file, "From MAILER-DAEMON ", 19), 0);
	snprintf(uidv, sizeof(uidv), "%u 0000000003 ",
	    gd_mailbox_uidvalidity(box));
	cr_assert_eq(strncmp(m[0].imapbase, uidv, strlen(uidv)), 0, "%s",
	    m[0].imapbase);
	cr_assert(strstr(m[0].imapbase, "$Work") != NULL);
	/* The opening read-write view claimed \Recent: both are old now
	 * (written at the next rewrite) or still new: R/O letters. */
	cr_assert(strchr(m[0].status, 'R') != NULL);
	cr_assert_str_eq(m[0].xstatus, "F");
	cr_assert_str_eq(m[0].keywords, "$Work todo");
	cr_assert_eq(m[0].uid, 1);
	cr_assert_null(strchr(m[1].status, 'R'));
	cr_assert_str_eq(m[1].xstatus, "ATD");
	cr_assert_eq(m[1].uid, 2);
	cr_assert(strstr(file, "\n>From here\r\n") != NULL, "%s", file);
	free(file);
	gd_mailbox_close(&box);
}

Test(box, flags_and_keywords_persist_across_reopen)
{
	const char *const kw[] = { "Project", NULL };
	const char *const kw2[] = { "Other", NULL };
	struct events e = { "" };
	struct gd_mailbox *box;
	struct mt_plain m[4];
	uint64_t ms1, ms2;
	char *file;

	mt_append(store, "INBOX", "Subject: 1\r\n\r\n1\r\n");
	mt_append(store, "INBOX", "Subject: 2\r\n\r\n2\r\n");
	box = mt_open(store, "INBOX", 0);
	ms1 = gd_mailbox_highestmodseq(box);
	set_flags(box, 1, 1, GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN |
	    GD_MAIL_ANSWERED, kw, &e);
	cr_assert_str_eq(e.log, "c1 ");
	ms2 = gd_mailbox_highestmodseq(box);
	cr_assert_gt(ms2, ms1);
	cr_assert_eq(gd_mailbox_msg(box, 1)->modseq, ms2);
	cr_assert_lt(gd_mailbox_msg(box, 2)->modseq, ms2);
	/* No change, no modseq. */
	e.log[0] = '\0';
	set_flags(box, 1, 1, GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN, NULL, &e);
	cr_assert_str_eq(e.log, "");
	cr_assert_eq(gd_mailbox_highestmodseq(box), ms2);
	set_flags(box, 2, 2, GD_MAIL_FLAGS_REPLACE, GD_MAIL_FLAGGED, kw2, &e);
	gd_mailbox_close(&box);

	file = mt_file(mt_path("u", "INBOX.mbox"), NULL);
	cr_assert_eq(mt_plain_read(file, m, 4), 2);
	cr_assert_str_eq(m[0].status, "RO");
	cr_assert_str_eq(m[0].xstatus, "A");
	cr_assert_str_eq(m[0].keywords, "Project");
	cr_assert_str_eq(m[1].status, "O");
	cr_assert_str_eq(m[1].xstatus, "F");
	cr_assert_str_eq(m[1].keywords, "Other");
	free(file);

	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_recent(box), 0);
	cr_assert_eq(gd_mailbox_msg(box, 1)->flags, GD_MAIL_SEEN |
	    GD_MAIL_ANSWERED);
	cr_assert_eq(gd_mailbox_msg(box, 2)->flags, GD_MAIL_FLAGGED);
	cr_assert_eq(gd_mailbox_keyword_count(box), 2);
	cr_assert_eq(gd_mailbox_msg(box, 1)->keywords, 1ull <<
	    gd_mailbox_keyword_index(box, "project"));
	cr_assert_eq(gd_mailbox_msg(box, 2)->keywords, 1ull <<
	    gd_mailbox_keyword_index(box, "Other"));
	cr_assert_geq(gd_mailbox_highestmodseq(box), ms2);
	/* Remove a keyword. */
	set_flags(box, 1, 1, GD_MAIL_FLAGS_REMOVE, GD_MAIL_ANSWERED, kw, &e);
	cr_assert_eq(gd_mailbox_msg(box, 1)->keywords, 0);
	cr_assert_eq(gd_mailbox_msg(box, 1)->flags, GD_MAIL_SEEN);
	gd_mailbox_close(&box);
	file = mt_file(mt_path("u", "INBOX.mbox"), NULL);
	cr_assert_eq(mt_plain_read(file, m, 4), 2);
	cr_assert_str_eq(m[0].keywords, "");
	cr_assert_str_eq(m[0].xstatus, "");
	free(file);
}

Test(box, unchangedsince_refuses_changed_messages)
{
	struct gd_mail_range r = { 1, 2 };
	struct gd_mail_flag_change ch = { GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN,
	    NULL, 0 };
	struct events e = { "" };
	struct gd_mail_error err;
	struct gd_mailbox *box;

	mt_append(store, "INBOX", "a\r\n");
	mt_append(store, "INBOX", "b\r\n");
	box = mt_open(store, "INBOX", 0);
	set_flags(box, 2, 2, GD_MAIL_FLAGS_ADD, GD_MAIL_FLAGGED, NULL, &e);
	e.log[0] = '\0';
	ch.unchanged_since = gd_mailbox_msg(box, 1)->modseq;
	cr_assert_eq(gd_mailbox_set_flags(box, &r, 1, &ch, ev_changed,
	    ev_failed, &e, &err), 0);
	cr_assert_str_eq(e.log, "c1 f2 ");
	cr_assert_eq(gd_mailbox_msg(box, 2)->flags, GD_MAIL_FLAGGED |
	    GD_MAIL_RECENT);
	gd_mailbox_close(&box);
}

Test(box, expunge_reports_sequence_numbers_and_keeps_uidnext)
{
	struct events e = { "" };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	int i;

	for (i = 0; i < 5; i++)
		mt_append(store, "INBOX", "Subject: m\r\n\r\nx\r\n");
	box = mt_open(store, "INBOX", 0);
	set_flags(box, 2, 3, GD_MAIL_FLAGS_ADD, GD_MAIL_DELETED, NULL, &e);
	set_flags(box, 5, 5, GD_MAIL_FLAGS_ADD, GD_MAIL_DELETED, NULL, &e);
	e.log[0] = '\0';
	cr_assert_eq(gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_DELETED, NULL, 0,
	    ev_expunged, &e, &err), 0, "%s", err.text);
	cr_assert_str_eq(e.log, "x2:2 x2:3 x3:5 ");
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, 4);
	free(mt_read(box, 2, NULL));
	gd_mailbox_close(&box);
	/* The last UID was expunged: UIDNEXT stays, even without sidecar. */
	cr_assert_eq(unlink(mt_path("u", ".INBOX.mbox.gdstate")), 0);
	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_uidnext(box), 6);
	cr_assert_eq(mt_append(store, "INBOX", "new\r\n"), 6);
	gd_mailbox_close(&box);
}

Test(box, expunge_modes_ranges_and_deleted_in)
{
	struct gd_mail_range r = { 2, 3 };
	struct events e = { "" };
	struct gd_mail_error err;
	struct gd_mailbox *box;
	int i;

	for (i = 0; i < 4; i++)
		mt_append(store, "INBOX", "m\r\n");
	box = mt_open(store, "INBOX", 0);
	set_flags(box, 1, 4, GD_MAIL_FLAGS_ADD, GD_MAIL_DELETED, NULL, &e);
	set_flags(box, 3, 3, GD_MAIL_FLAGS_REMOVE, GD_MAIL_DELETED, NULL, &e);
	e.log[0] = '\0';
	cr_assert_eq(gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_DELETED_IN, &r,
	    1, ev_expunged, &e, &err), 0);
	cr_assert_str_eq(e.log, "x2:2 ");
	e.log[0] = '\0';
	r.first = r.last = 2;
	cr_assert_eq(gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_RANGES, &r, 1,
	    ev_expunged, &e, &err), 0);
	cr_assert_str_eq(e.log, "x2:3 ");
	cr_assert_eq(gd_mailbox_count(box), 2);
	gd_mailbox_close(&box);
}

Test(box, readonly_view_refuses_changes_and_claims_nothing)
{
	struct gd_mail_range r = { 1, 1 };
	struct gd_mail_flag_change ch = { GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN,
	    NULL, 0 };
	struct gd_mail_error err;
	struct gd_mailbox *ro, *rw;

	mt_append(store, "INBOX", "a\r\n");
	ro = mt_open(store, "INBOX", GD_MAILBOX_READONLY);
	cr_assert(gd_mailbox_is_readonly(ro));
	cr_assert_eq(gd_mailbox_recent(ro), 1);
	cr_assert_eq(gd_mailbox_set_flags(ro, &r, 1, &ch, NULL, NULL, NULL,
	    &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOPERM);
	cr_assert_eq(gd_mailbox_expunge(ro, GD_MAIL_EXPUNGE_DELETED, NULL, 0,
	    NULL, NULL, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOPERM);
	rw = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_recent(rw), 1);
	gd_mailbox_close(&rw);
	rw = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_recent(rw), 0, "claimed by the first");
	gd_mailbox_close(&rw);
	gd_mailbox_close(&ro);
}

Test(box, views_change_only_at_sync_and_ghosts_stay_with_no_expunge)
{
	struct gd_mail_store *other = mt_store("u");
	struct gd_mailbox *a, *b;
	struct events e = { "" };
	struct gd_mail_content *c;
	struct gd_mail_error err;
	int i;

	for (i = 0; i < 3; i++)
		mt_append(store, "INBOX", "Subject: v\r\n\r\nbody\r\n");
	a = mt_open(store, "INBOX", 0);
	b = mt_open(other, "INBOX", 0);
	set_flags(b, 2, 2, GD_MAIL_FLAGS_ADD, GD_MAIL_DELETED, NULL, &e);
	cr_assert_eq(gd_mailbox_expunge(b, GD_MAIL_EXPUNGE_DELETED, NULL, 0,
	    NULL, NULL, &err), 0);
	set_flags(b, 2, 2, GD_MAIL_FLAGS_ADD, GD_MAIL_SEEN, NULL, &e);
	mt_append(other, "INBOX", "Subject: new\r\n\r\nn\r\n");
	/* a has not synced: nothing moved. */
	cr_assert_eq(gd_mailbox_count(a), 3);
	cr_assert_eq(gd_mailbox_msg(a, 3)->flags, GD_MAIL_RECENT);
	free(mt_read(a, 1, NULL));
	free(mt_read(a, 3, NULL));
	e.log[0] = '\0';
	cr_assert_eq(gd_mailbox_sync(a, GD_MAIL_SYNC_NO_EXPUNGE, &ev_cb, &e,
	    &err), 0);
	cr_assert_str_eq(e.log, "c3 ");
	cr_assert_eq(gd_mailbox_count(a), 4);
	cr_assert(gd_mailbox_msg(a, 2)->flags & GD_MAIL_EXPUNGED);
	cr_assert_eq(gd_mailbox_content_open(a, 2, &c, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_EXPUNGED);
	cr_assert_eq(gd_mailbox_msg(a, 4)->uid, 4);
	cr_assert(gd_mailbox_msg(a, 4)->flags & GD_MAIL_RECENT);
	free(mt_read(a, 4, NULL));
	e.log[0] = '\0';
	cr_assert_eq(gd_mailbox_sync(a, 0, &ev_cb, &e, &err), 0);
	cr_assert_str_eq(e.log, "x2:2 ");
	cr_assert_eq(gd_mailbox_count(a), 3);
	cr_assert_eq(gd_mailbox_seq_of_uid(a, 4), 3);
	gd_mailbox_close(&a);
	gd_mailbox_close(&b);
	gd_mail_store_close(&other);
}

Test(box, keywords_from_another_view_are_announced)
{
	const char *const kw[] = { "NewOne", NULL };
	struct gd_mail_store *other = mt_store("u");
	struct gd_mailbox *a, *b;
	struct events e = { "" };
	struct gd_mail_error err;

	mt_append(store, "INBOX", "a\r\n");
	a = mt_open(store, "INBOX", 0);
	b = mt_open(other, "INBOX", 0);
	set_flags(b, 1, 1, GD_MAIL_FLAGS_ADD, 0, kw, &e);
	e.log[0] = '\0';
	cr_assert_eq(gd_mailbox_sync(a, 0, &ev_cb, &e, &err), 0);
	cr_assert_str_eq(e.log, "c1 k ");
	cr_assert_eq(gd_mailbox_keyword_index(a, "newone"), 0);
	gd_mailbox_close(&a);
	gd_mailbox_close(&b);
	gd_mail_store_close(&other);
}

Test(box, messages_other_programs_append_get_stable_uids)
{
	const char *path = mt_path("u", "INBOX.mbox");
	struct gd_mailbox *box;
	struct mt_plain m[8];
	char *file;

	mt_append(store, "INBOX", "Subject: ours\r\n\r\n1\r\n");
	box = mt_open(store, "INBOX", 0);
	mt_write_file(path, "From someone@example.org Mon Nov 30 06:17:26 "
	    "2026\nSubject: theirs\n\nbody\n>From quoted\n\n"
	    "From other Tue Dec  1 10:00:00 2026\nSubject: two\n"
	    "X-UID: 1\n\nx\n\n", true);
	mt_sync(box);
	cr_assert_eq(gd_mailbox_count(box), 3);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, 2);
	cr_assert_eq(gd_mailbox_msg(box, 3)->uid, 3, "a stale X-UID is "
	    "replaced");
	cr_assert_eq(gd_mailbox_msg(box, 2)->internal_date, 1796019446);
	file = mt_read(box, 2, NULL);
	cr_assert_str_eq(file,
	    "Subject: theirs\r\n\r\nbody\r\nFrom quoted\r\n");
	free(file);
	gd_mailbox_close(&box);
	/* Stored in the file, not only in our sidecar. */
	file = mt_file(path, NULL);
	cr_assert_eq(mt_plain_read(file, m, 8), 3);
	cr_assert_eq(m[1].uid, 2);
	cr_assert_eq(m[2].uid, 3);
	free(file);
	cr_assert_eq(unlink(mt_path("u", ".INBOX.mbox.gdstate")), 0);
	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, 2);
	cr_assert_eq(gd_mailbox_msg(box, 3)->uid, 3);
	cr_assert_eq(gd_mailbox_uidnext(box), 4);
	gd_mailbox_close(&box);
}

Test(box, an_expunged_message_copied_back_gets_a_new_uid)
{
	const char *path = mt_path("u", "INBOX.mbox");
	struct events e = { "" };
	struct gd_mail_error err;
	struct gd_mailbox *box;

	mt_append(store, "INBOX", "a\r\n");
	mt_append(store, "INBOX", "b\r\n");
	box = mt_open(store, "INBOX", 0);
	set_flags(box, 1, 1, GD_MAIL_FLAGS_ADD, GD_MAIL_DELETED, NULL, &e);
	cr_assert_eq(gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_DELETED, NULL, 0,
	    NULL, NULL, &err), 0);
	/* Someone appends a saved copy of UID 1 (X-UID and all). */
	mt_write_file(path, "From x Mon Nov 30 06:17:26 2026\nX-UID: 1\n\n"
	    "a\n\n", true);
	mt_sync(box);
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, 3);
	gd_mailbox_close(&box);
}

Test(box, damaged_or_lost_sidecar_is_rebuilt)
{
	const char *state = mt_path("u", ".INBOX.mbox.gdstate");
	struct gd_mailbox *box;
	uint32_t uidv;
	uint64_t hms;
	char *data;
	size_t len, i;
	int round, fd;

	for (i = 0; i < 4; i++)
		mt_append(store, "INBOX", "Subject: s\r\n\r\nbody\r\n");
	box = mt_open(store, "INBOX", 0);
	uidv = gd_mailbox_uidvalidity(box);
	hms = gd_mailbox_highestmodseq(box);
	gd_mailbox_close(&box);
	data = mt_file(state, &len);
	for (round = 0; round < 4; round++) {
		fd = open(state, O_WRONLY | O_TRUNC);
		cr_assert_geq(fd, 0);
		if (round == 0)
			data[len / 2] ^= 0x40;		/* one bit */
		if (round == 1)
			len = len / 3;			/* torn */
		if (round == 2)
			memset(data, 'x', len);		/* garbage */
		if (round < 3)
			cr_assert_eq(write(fd, data, len), (ssize_t)len);
		close(fd);
		if (round == 3)
			unlink(state);
		box = mt_open(store, "INBOX", 0);
		cr_assert_eq(gd_mailbox_count(box), 4);
		cr_assert_eq(gd_mailbox_uidvalidity(box), uidv);
		cr_assert_eq(gd_mailbox_msg(box, 4)->uid, 4);
		cr_assert_eq(gd_mailbox_uidnext(box), 5);
		cr_assert_geq(gd_mailbox_highestmodseq(box), hms,
		    "HIGHESTMODSEQ went back in round %d", round);
		hms = gd_mailbox_highestmodseq(box);
		free(mt_read(box, 4, NULL));
		gd_mailbox_close(&box);
	}
	free(data);
}

Test(box, copy_and_move_report_uids_all_or_nothing)
{
	struct gd_mail_range r = { 1, 2 };
	const char *const kw[] = { "kept", NULL };
	struct events e = { "" };
	struct gd_mail_error err;
	struct gd_mailbox *box, *dst;
	uint32_t uidv = 0;
	char *a, *b;

	cr_assert_eq(gd_mail_store_create(store, "Other", 0, &err), 0);
	mt_append(store, "Other", "Subject: already\r\n\r\nthere\r\n");
	mt_append_flags(store, "INBOX", "Subject: 1\r\n\r\nFrom x\r\n", 22,
	    GD_MAIL_SEEN, kw);
	mt_append(store, "INBOX", "Subject: 2\n\nlf\n");
	mt_append(store, "INBOX", "Subject: 3\r\n\r\n3\r\n");
	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_copy(box, &r, 1, "Other", false, ev_copied,
	    NULL, &e, &uidv, &err), 0, "%s", err.text);
	cr_assert_str_eq(e.log, "1>2 2>3 ");
	dst = mt_open(store, "Other", 0);
	cr_assert_eq(uidv, gd_mailbox_uidvalidity(dst));
	cr_assert_eq(gd_mailbox_count(dst), 3);
	a = mt_read(box, 1, NULL);
	b = mt_read(dst, 2, NULL);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	a = mt_read(box, 2, NULL);
	b = mt_read(dst, 3, NULL);
	cr_assert_str_eq(a, b);
	free(a);
	free(b);
	cr_assert_eq(gd_mailbox_msg(dst, 2)->flags & GD_MAIL_SYSTEM_FLAGS,
	    GD_MAIL_SEEN);
	cr_assert_eq(gd_mailbox_msg(dst, 2)->keywords, 1ull <<
	    gd_mailbox_keyword_index(dst, "kept"));
	cr_assert_eq(gd_mailbox_msg(dst, 2)->internal_date,
	    gd_mailbox_msg(box, 1)->internal_date);
	/* Move: expunged from the source, reported. */
	e.log[0] = '\0';
	r.first = r.last = 3;
	cr_assert_eq(gd_mailbox_copy(box, &r, 1, "Other", true, ev_copied,
	    ev_expunged, &e, &uidv, &err), 0, "%s", err.text);
	cr_assert_str_eq(e.log, "3>4 x3:3 ");
	cr_assert_eq(gd_mailbox_count(box), 2);
	mt_sync(dst);
	cr_assert_eq(gd_mailbox_count(dst), 4);
	/* Into itself. */
	e.log[0] = '\0';
	r.first = r.last = 1;
	cr_assert_eq(gd_mailbox_copy(box, &r, 1, "INBOX", true, ev_copied,
	    ev_expunged, &e, NULL, &err), 0, "%s", err.text);
	cr_assert_str_eq(e.log, "1>4 x1:1 ");
	mt_sync(box);
	cr_assert_eq(gd_mailbox_count(box), 2);
	cr_assert_eq(gd_mailbox_msg(box, 2)->uid, 4);
	/* To nowhere. */
	cr_assert_eq(gd_mailbox_copy(box, &r, 1, "Nowhere", false, NULL,
	    NULL, NULL, NULL, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	gd_mailbox_close(&dst);
	gd_mailbox_close(&box);
}

Test(box, content_reads_in_any_chunk_size_and_seeks)
{
	struct gd_mail_content *c;
	struct gd_mail_error err;
	struct gd_mailbox *box;
	char *whole, buf[64];
	size_t len, got;
	ssize_t n;

	mt_append(store, "INBOX", "Subject: t\nX-Other: y\n\nFrom a\n>From b\n"
	    "bare\nlines\n");
	box = mt_open(store, "INBOX", 0);
	whole = mt_read(box, 1, &len);
	cr_assert_str_eq(whole, "Subject: t\r\nX-Other: y\r\n\r\nFrom a\r\n"
	    ">From b\r\nbare\r\nlines\r\n");
	cr_assert_eq(gd_mailbox_content_open(box, 1, &c, &err), 0);
	for (got = 0; (n = gd_mail_content_read(c, buf, 1, &err)) > 0; got++)
		cr_assert_eq(buf[0], whole[got], "byte %zu", got);
	cr_assert_eq(got, len);
	cr_assert_eq(gd_mail_content_seek(c, 20, &err), 0);
	n = gd_mail_content_read(c, buf, sizeof(buf), &err);
	cr_assert_eq((size_t)n, len - 20);
	cr_assert_eq(memcmp(buf, whole + 20, len - 20), 0);
	cr_assert_eq(gd_mail_content_seek(c, 3, &err), 0);
	cr_assert_eq(gd_mail_content_read(c, buf, 4, &err), 4);
	cr_assert_eq(memcmp(buf, whole + 3, 4), 0);
	gd_mail_content_close(&c);
	free(whole);
	gd_mailbox_close(&box);
}

Test(box, quota_counts_every_mailbox)
{
	struct gd_mail_quota q;
	struct gd_mail_error err;
	uint64_t sum = 0;
	struct gd_mailbox *box;

	cr_assert_eq(gd_mail_store_create(store, "A", 0, &err), 0);
	cr_assert_eq(gd_mail_store_create(store, "A/B", 0, &err), 0);
	mt_append(store, "INBOX", "12345\r\n");
	mt_append(store, "A", "Subject: a\n\nbody\n");
	mt_append(store, "A/B", "x");
	cr_assert_eq(gd_mail_store_quota(store, &q, &err), 0, "%s", err.text);
	cr_assert_eq(q.messages_used, 3);
	box = mt_open(store, "A", GD_MAILBOX_READONLY);
	sum += gd_mailbox_msg(box, 1)->size;
	gd_mailbox_close(&box);
	cr_assert_eq(q.storage_used, 7 + sum + 1);
}

Test(box, status_without_opening)
{
	struct gd_mail_status s;
	struct gd_mail_error err;

	mt_append_flags(store, "INBOX", "a\r\n", 3, GD_MAIL_SEEN, NULL);
	mt_append(store, "INBOX", "b\r\n");
	cr_assert_eq(gd_mail_store_status(store, "INBOX",
	    GD_MAIL_STATUS_MESSAGES | GD_MAIL_STATUS_UNSEEN |
	    GD_MAIL_STATUS_UIDNEXT | GD_MAIL_STATUS_RECENT |
	    GD_MAIL_STATUS_SIZE | GD_MAIL_STATUS_HIGHESTMODSEQ, &s, &err), 0,
	    "%s", err.text);
	cr_assert_eq(s.messages, 2);
	cr_assert_eq(s.unseen, 1);
	cr_assert_eq(s.uidnext, 3);
	cr_assert_eq(s.recent, 2);
	cr_assert_eq(s.size, 6);
	cr_assert_neq(s.highestmodseq, 0);
}

Test(box, errors)
{
	struct gd_mail_append_info info = { 0 };
	struct gd_mail_append *a;
	struct gd_mail_error err;
	struct gd_mailbox *box;

	cr_assert_eq(gd_mailbox_open(store, "Nope", 0, &box, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	cr_assert_eq(gd_mail_append_start(store, "Nope", &info, &a, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	/* An aborted append leaves nothing. */
	cr_assert_eq(gd_mail_append_start(store, "INBOX", &info, &a, &err), 0);
	cr_assert_eq(gd_mail_append_write(a, "half", 4, &err), 0);
	gd_mail_append_abort(&a);
	box = mt_open(store, "INBOX", 0);
	cr_assert_eq(gd_mailbox_count(box), 0);
	/* The mbox vanished under an open view. */
	cr_assert_eq(unlink(mt_path("u", "INBOX.mbox")), 0);
	cr_assert_eq(gd_mailbox_sync(box, 0, NULL, NULL, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
	gd_mailbox_close(&box);
}

Test(box, lock_timeout_is_a_temporary_error)
{
	struct gd_mail_error err;
	struct gd_mail_append *a;
	struct gd_mail_append_info info = { 0 };
	int fd;

	gd_mail_store_close(&store);
	gd_modules_unload();
	gd_config_free(&mt_cfg);
	mt_lock_timeout = "300ms";
	mt_load(NULL);
	store = mt_store("u");
	fd = open(mt_path("u", "INBOX.mbox.lock"), O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "1\n", 2), 2);	/* init: alive */
	close(fd);
	cr_assert_eq(gd_mail_append_start(store, "INBOX", &info, &a, &err), 0);
	cr_assert_eq(gd_mail_append_write(a, "x\r\n", 3, &err), 0);
	cr_assert_eq(gd_mail_append_end(&a, NULL, NULL, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_TEMP, "%s", err.text);
	/* A dotlock of a dead process is broken at once. */
	mt_write_file(mt_path("u", "INBOX.mbox.lock"), "999999\n", false);
	mt_append(store, "INBOX", "y\r\n");
	cr_assert_neq(access(mt_path("u", "INBOX.mbox.lock"), F_OK), 0);
}
