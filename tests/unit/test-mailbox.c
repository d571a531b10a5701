/*
 * test-mailbox.c — the backend-independent parts of the mailbox layer:
 * the seed's name codec, name checks, LIST patterns, special-use names,
 * the shared configuration and the path template (with unsafe user
 * names), flag arithmetic, keyword tables, the POP3 TOP filter, bare-LF
 * expansion and file contents (trickled, seeking), measuring, atomic
 * file replacement, and search-key costs and days.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <gumdrop/config.h>
#include <gumdrop/mail-search.h>
#include <gumdrop/mailbox-impl.h>
#include <gumdrop/pool.h>

static struct gd_pool *pool;

static void
setup(void)
{
	pool = gd_pool_create("test");
}

static void
teardown(void)
{
	gd_pool_destroy(&pool);
}

TestSuite(codec, .init = setup, .fini = teardown);

Test(codec, seed_examples_encode_and_round_trip)
{
	static const char *const cases[][2] = {
		{ "Données/été", "Donn=C3=A9es=2F=C3=A9t=C3=A9" },
		{ "Reports:2025", "Reports=3A2025" },
		{ "日本語", "=E6=97=A5=E6=9C=AC=E8=AA=9E" },
		{ "a=b", "a=3Db" },
		{ "plain-Name_1.x", "plain-Name_1.x" },
		{ "back\\slash *?\"<>|", "back=5Cslash=20=2A=3F=22=3C=3E=7C" },
	};
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(cases); i++) {
		const char *enc = gd_mail_name_encode(pool, cases[i][0], NULL);

		cr_assert_str_eq(enc, cases[i][1]);
		cr_assert_str_eq(gd_mail_name_decode(pool, enc), cases[i][0]);
	}
}

Test(codec, output_uses_only_safe_characters)
{
	char all[256];
	const char *enc, *p;
	int i;

	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	enc = gd_mail_name_encode(pool, all, NULL);
	for (p = enc; *p != '\0'; p++)
		cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
		    "rstuvwxyz0123456789._-=", *p) != NULL, "byte %c", *p);
}

Test(codec, extra_characters_and_leading_dot_are_encoded)
{
	cr_assert_str_eq(gd_mail_name_encode(pool, "v1.2", "."), "v1=2E2");
	cr_assert_str_eq(gd_mail_name_encode(pool, ".hidden", NULL),
	    "=2Ehidden");
	cr_assert_str_eq(gd_mail_name_encode(pool, "..", NULL), "=2E.");
	cr_assert_str_eq(gd_mail_name_decode(pool, "v1=2E2"), "v1.2");
}

Test(codec, invalid_encodings_are_refused)
{
	cr_assert_null(gd_mail_name_decode(pool, ""));
	cr_assert_null(gd_mail_name_decode(pool, ".x"));
	cr_assert_null(gd_mail_name_decode(pool, "a=4"));
	cr_assert_null(gd_mail_name_decode(pool, "a=zz"));
	cr_assert_null(gd_mail_name_decode(pool, "a=e9"));	/* lower hex */
	cr_assert_null(gd_mail_name_decode(pool, "a b"));
	cr_assert_null(gd_mail_name_decode(pool, "a=00"));
	cr_assert_null(gd_mail_name_decode(pool, "=C3"));	/* not UTF-8 */
}

TestSuite(names, .init = setup, .fini = teardown);

Test(names, checks)
{
	struct gd_mail_error err;

	cr_assert_eq(gd_mail_name_check("INBOX", &err), 0);
	cr_assert_eq(gd_mail_name_check("Lists/gumdrop", &err), 0);
	cr_assert_eq(gd_mail_name_check("Données", &err), 0);
	cr_assert_eq(gd_mail_name_check("", &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_BADNAME);
	cr_assert_eq(gd_mail_name_check("/a", &err), -1);
	cr_assert_eq(gd_mail_name_check("a/", &err), -1);
	cr_assert_eq(gd_mail_name_check("a//b", &err), -1);
	cr_assert_eq(gd_mail_name_check("a*", &err), -1);
	cr_assert_eq(gd_mail_name_check("a%", &err), -1);
	cr_assert_eq(gd_mail_name_check("a\tb", &err), -1);
	cr_assert_eq(gd_mail_name_check("\xc3(", &err), -1);
	cr_assert(gd_mail_name_is_inbox("inBox"));
	cr_assert(!gd_mail_name_is_inbox("INBOX/x"));
}

Test(names, patterns)
{
	cr_assert(gd_mail_pattern_match("*", "a/b/c"));
	cr_assert(gd_mail_pattern_match("%", "a"));
	cr_assert(!gd_mail_pattern_match("%", "a/b"));
	cr_assert(gd_mail_pattern_match("a/%", "a/b"));
	cr_assert(!gd_mail_pattern_match("a/%", "a/b/c"));
	cr_assert(gd_mail_pattern_match("a/*", "a/b/c"));
	cr_assert(!gd_mail_pattern_match("a/*", "a"));
	cr_assert(gd_mail_pattern_match("inbox", "INBOX"));
	cr_assert(gd_mail_pattern_match("Inbox/%", "INBOX/x"));
	cr_assert(!gd_mail_pattern_match("list", "List"));
	cr_assert(gd_mail_pattern_match("*b*c*", "xxbyyczz"));
	cr_assert(gd_mail_pattern_match("%%%", "abc"));
	cr_assert(!gd_mail_pattern_match("a%b", "a/b"));
	cr_assert(gd_mail_pattern_match("", "") == true);
}

Test(names, pathological_patterns_are_fast)
{
	char pat[600], name[GD_MAIL_NAME_MAX + 1];
	int i;

	for (i = 0; i < 599; i++)
		pat[i] = i % 2 ? '*' : 'a';
	pat[599] = '\0';
	memset(name, 'a', GD_MAIL_NAME_MAX);
	name[GD_MAIL_NAME_MAX] = '\0';
	name[GD_MAIL_NAME_MAX - 1] = 'b';
	cr_assert(!gd_mail_pattern_match(pat, name));
}

Test(names, special_use)
{
	cr_assert_eq(gd_mail_special_use_parse("\\Sent"), GD_MAIL_LIST_SENT);
	cr_assert_eq(gd_mail_special_use_parse("junk"), GD_MAIL_LIST_JUNK);
	cr_assert_eq(gd_mail_special_use_parse("\\Nope"), 0);
	cr_assert_str_eq(gd_mail_special_use_name(GD_MAIL_LIST_ARCHIVE),
	    "\\Archive");
}

TestSuite(config, .init = setup, .fini = teardown);

static struct gd_config *cfg;

static int
parse(const char *yaml, struct gd_mail_store_config *sc,
    const char **error_r)
{
	char *error = NULL;

	gd_config_free(&cfg);
	cfg = gd_config_load_string("t.yaml", yaml, strlen(yaml), &error);
	cr_assert_not_null(cfg, "%s", error);
	return gd_mail_store_config_parse(gd_config_get(gd_config_root(cfg),
	    "store"), sc, error_r);
}

Test(config, defaults)
{
	struct gd_mail_store_config sc;
	const char *error = NULL;

	cr_assert_eq(parse("store: {path: /var/mail/%u}\n", &sc, &error), 0,
	    "%s", error);
	cr_assert_str_eq(sc.path, "/var/mail/%u");
	cr_assert(sc.fsync);
	cr_assert(!sc.quota_permanent);
	cr_assert_eq(sc.max_message_size, 64 << 20);
	cr_assert_eq(sc.special_count, 5);
	cr_assert_eq(sc.limits.max_parts, 2000);
	gd_config_free(&cfg);
}

Test(config, every_key)
{
	struct gd_mail_store_config sc;
	const char *error = NULL;

	cr_assert_eq(parse("store:\n  path: x/%n@%d\n  fsync: false\n"
	    "  quota-storage: 1M\n  quota-messages: 10\n"
	    "  over-quota: permanent\n  max-message-size: 0\n"
	    "  create-special-use: no\n  special-use: {Outbox: sent}\n"
	    "  parser: {max-depth: 3, max-parts: 10}\n", &sc, &error), 0,
	    "%s", error);
	cr_assert(!sc.fsync);
	cr_assert_eq(sc.quota_storage, 1 << 20);
	cr_assert_eq(sc.quota_messages, 10);
	cr_assert(sc.quota_permanent);
	cr_assert_eq(sc.max_message_size, 0);
	cr_assert(!sc.create_special_use);
	cr_assert_eq(sc.special_count, 1);
	cr_assert_str_eq(sc.special[0].name, "Outbox");
	cr_assert_eq(sc.special[0].attr, GD_MAIL_LIST_SENT);
	cr_assert_eq(sc.limits.max_depth, 3);
	cr_assert_eq(sc.limits.max_parts, 10);
	gd_config_free(&cfg);
}

Test(config, errors_name_file_and_line)
{
	struct gd_mail_store_config sc;
	const char *error = NULL;

	cr_assert_eq(parse("store:\n  path: /m/%x\n", &sc, &error), -1);
	cr_assert(strstr(error, "t.yaml:2:") != NULL, "%s", error);
	cr_assert_eq(parse("store:\n  special-use: {Sent: nonsense}\n", &sc,
	    &error), -1);
	cr_assert(strstr(error, "t.yaml:2:") != NULL, "%s", error);
	cr_assert_eq(parse("store:\n  special-use: {INBOX: sent}\n", &sc,
	    &error), -1);
	cr_assert_eq(parse("store:\n  parser: {max-nothing: 1}\n", &sc,
	    &error), -1);
	cr_assert_eq(parse("store:\n  over-quota: maybe\n", &sc, &error), -1);
	gd_config_free(&cfg);
}

Test(config, path_template_and_unsafe_users)
{
	struct gd_mail_store_config sc = { .path = "/m/%d/%n/%u/%%" };
	struct gd_mail_user u = { .name = "alice@example.com" };
	struct gd_mail_error err;

	cr_assert_str_eq(gd_mail_store_root(&sc, &u, pool, &err),
	    "/m/example.com/alice/alice@example.com/%");
	u.name = "bob";
	cr_assert_str_eq(gd_mail_store_root(&sc, &u, pool, &err),
	    "/m//bob/bob/%");
	u.location = "/home/bob/Maildir";
	cr_assert_str_eq(gd_mail_store_root(&sc, &u, pool, &err),
	    "/home/bob/Maildir");
	u.location = NULL;
	u.name = "../etc";
	cr_assert_null(gd_mail_store_root(&sc, &u, pool, &err));
	cr_assert_eq(err.code, GD_MAIL_ERR_BADNAME);
	u.name = "a/b";
	cr_assert_null(gd_mail_store_root(&sc, &u, pool, &err));
	u.name = "x\n";
	cr_assert_null(gd_mail_store_root(&sc, &u, pool, &err));
	u.name = "";
	cr_assert_null(gd_mail_store_root(&sc, &u, pool, &err));
}

TestSuite(flags, .init = setup, .fini = teardown);

Test(flags, apply)
{
	struct gd_mail_flag_change ch = { .op = GD_MAIL_FLAGS_ADD,
	    .flags = GD_MAIL_SEEN };
	uint32_t f = GD_MAIL_RECENT;
	uint64_t k = 0;

	cr_assert(gd_mail_flags_apply(&ch, 2, &f, &k));
	cr_assert_eq(f, GD_MAIL_RECENT | GD_MAIL_SEEN);
	cr_assert_eq(k, 2);
	cr_assert(!gd_mail_flags_apply(&ch, 2, &f, &k));
	ch.op = GD_MAIL_FLAGS_REMOVE;
	cr_assert(gd_mail_flags_apply(&ch, 0, &f, &k));
	cr_assert_eq(f, GD_MAIL_RECENT);
	ch.op = GD_MAIL_FLAGS_REPLACE;
	ch.flags = GD_MAIL_DRAFT | GD_MAIL_RECENT;
	cr_assert(gd_mail_flags_apply(&ch, 1, &f, &k));
	cr_assert_eq(f, GD_MAIL_RECENT | GD_MAIL_DRAFT);
	cr_assert_eq(k, 1);
}

Test(flags, keyword_table)
{
	const char *const one[] = { "$Forwarded", "Work", NULL };
	const char *const again[] = { "work", NULL };
	const char *const bad[] = { "a b", NULL };
	const char *const two[] = { "x", "y", NULL };
	struct gd_mailbox box;
	struct gd_mail_error err;
	uint64_t bits;
	bool added;

	gd_mailbox_init(&box, NULL, "INBOX", 0, 3);
	cr_assert_eq(gd_mailbox_keywords_map(&box, pool, one, &bits, &added,
	    &err), 0);
	cr_assert_eq(bits, 3);
	cr_assert(added);
	cr_assert_eq(gd_mailbox_keywords_map(&box, pool, again, &bits, &added,
	    &err), 0);
	cr_assert_eq(bits, 2);
	cr_assert(!added);
	cr_assert_eq(gd_mailbox_keywords_map(&box, pool, bad, &bits, &added,
	    &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_BADNAME);
	/* Two new ones do not fit in one free slot: nothing is added. */
	cr_assert_eq(gd_mailbox_keywords_map(&box, pool, two, &bits, &added,
	    &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_LIMIT);
	cr_assert_eq(gd_mailbox_keyword_count(&box), 2);
	cr_assert_eq(gd_mailbox_keyword_index(&box, "WORK"), 1);
}

TestSuite(top, .init = setup, .fini = teardown);

/* Run the filter over `msg` in chunks of `step`; return what it kept. */
static char *
top_run(const char *msg, uint64_t lines, size_t step)
{
	struct gd_mail_top t;
	size_t len = strlen(msg), off = 0, n, kept = 0;
	char *out = gd_pool_alloc(pool, len + 1);
	bool done = false;

	gd_mail_top_init(&t, lines);
	while (off < len && !done) {
		n = len - off < step ? len - off : step;
		n = gd_mail_top_take(&t, msg + off, n, &done);
		memcpy(out + kept, msg + off, n);
		kept += n;
		off += n;
		if (n == 0)
			break;
	}
	out[kept] = '\0';
	return out;
}

Test(top, header_and_n_lines_any_chunking)
{
	const char *msg = "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n";
	size_t step;

	for (step = 1; step <= strlen(msg); step++) {
		cr_assert_str_eq(top_run(msg, 0, step), "A: 1\r\nB: 2\r\n\r\n");
		cr_assert_str_eq(top_run(msg, 2, step),
		    "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n");
		cr_assert_str_eq(top_run(msg, 9, step), msg);
	}
	cr_assert_str_eq(top_run("A: 1\n\nx\ny\n", 1, 1), "A: 1\n\nx\n");
	cr_assert_str_eq(top_run("no header end", 3, 4), "no header end");
}

TestSuite(content, .init = setup, .fini = teardown);

static int
temp_file(const char *data)
{
	char path[] = "/tmp/gd-content-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	return fd;
}

static char *
read_all(struct gd_mail_content *c, size_t step)
{
	struct gd_mail_error err;
	char *out = gd_pool_alloc(pool, gd_mail_content_size(c) + 16);
	size_t len = 0;
	ssize_t n;

	while ((n = gd_mail_content_read(c, out + len, step, &err)) > 0)
		len += (size_t)n;
	cr_assert_eq(n, 0, "%s", err.text);
	out[len] = '\0';
	return out;
}

Test(content, lf_expansion)
{
	char out[64];
	bool cr = false;
	size_t n;

	n = gd_mail_lf_expand("a\nb\r\nc\r", 7, out, &cr);
	cr_assert_eq(n, 8);
	cr_assert_eq(memcmp(out, "a\r\nb\r\nc\r", 8), 0);
	cr_assert(cr);
	n = gd_mail_lf_expand("\n", 1, out, &cr);
	cr_assert_eq(n, 1);	/* the CR came in the previous call */
}

/* Bare LFs counted across the measuring reads' 64 KiB boundary: a CR
 * ending one read pairs with the LF starting the next; a LF first in a
 * read (or in the file) after anything else is bare. */
Test(content, measure_counts_bare_lf_across_reads)
{
	static const struct { size_t at; const char *put; uint64_t bare; }
	    cases[] = {
		{ 65535, "\r\n", 0 },		/* CRLF split by the reads */
		{ 65536, "\n", 1 },		/* bare LF first in read 2 */
		{ 0, "\n", 1 },		/* bare LF first in the file */
		{ 65534, "\n\r\n\n", 2 },
	};
	char *raw = gd_pool_alloc(pool, 70000);
	struct gd_mail_error err;
	uint64_t served;
	bool bare;
	size_t i, len;
	int fd;

	for (i = 0; i < GD_N_ELEMENTS(cases); i++) {
		memset(raw, 'a', 69000);
		len = strlen(cases[i].put);
		memcpy(raw + cases[i].at, cases[i].put, len);
		raw[69000] = '\0';
		fd = temp_file(raw);
		cr_assert_eq(gd_mail_measure_fd(fd, 0, 69000, &served, &bare,
		    &err), 0);
		cr_assert_eq(served, 69000 + cases[i].bare, "case %zu", i);
		cr_assert_eq(bare, cases[i].bare > 0, "case %zu", i);
		close(fd);
	}
}

Test(content, expanded_file_any_read_size_and_seek)
{
	const char *raw = "Subject: x\n\nline\r\nbare\nend";
	const char *want = "Subject: x\r\n\r\nline\r\nbare\r\nend";
	struct gd_mail_content *c;
	struct gd_mail_error err;
	uint64_t served;
	bool bare;
	size_t step;
	int fd = temp_file(raw);

	cr_assert_eq(gd_mail_measure_fd(fd, 0, strlen(raw), &served, &bare,
	    &err), 0);
	cr_assert_eq(served, strlen(want));
	cr_assert(bare);
	for (step = 1; step <= 40; step++) {
		c = gd_mail_content_from_fd(dup(fd), 0, strlen(raw), true,
		    served);
		cr_assert_str_eq(read_all(c, step), want, "step %zu", step);
		cr_assert_eq(gd_mail_content_seek(c, 12, &err), 0);
		cr_assert_str_eq(read_all(c, step), want + 12);
		cr_assert_eq(gd_mail_content_seek(c, served + 1, &err), -1);
		gd_mail_content_close(&c);
		cr_assert_null(c);
	}
	close(fd);
}

Test(content, raw_range_and_shrunk_file)
{
	struct gd_mail_content *c;
	struct gd_mail_error err;
	char buf[16];
	int fd = temp_file("xxHELLOyy");

	c = gd_mail_content_from_fd(dup(fd), 2, 5, false, 5);
	cr_assert_str_eq(read_all(c, 2), "HELLO");
	gd_mail_content_close(&c);
	/* The file lost its tail after we opened it: EXPUNGED, not EOF. */
	c = gd_mail_content_from_fd(dup(fd), 2, 20, false, 20);
	cr_assert_eq(gd_mail_content_read(c, buf, sizeof(buf), &err), 7);
	cr_assert_eq(gd_mail_content_read(c, buf, sizeof(buf), &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_EXPUNGED);
	gd_mail_content_close(&c);
	close(fd);
}

Test(content, atomic_file_replacement)
{
	struct gd_mail_store_config sc = { .fsync = true };
	struct gd_mail_error err;
	char path[] = "/tmp/gd-atomic-XXXXXX", buf[32];
	int fd = mkstemp(path);
	ssize_t n;

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(gd_mail_write_file_atomic(&sc, path, "new", 3, &err), 0,
	    "%s", err.text);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	unlink(path);
	cr_assert_eq(n, 3);
	cr_assert_eq(memcmp(buf, "new", 3), 0);
	cr_assert_eq(gd_mail_write_file_atomic(&sc, "/nonexistent/dir/f", "x",
	    1, &err), -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND);
}

TestSuite(search_keys);

Test(search_keys, days_and_costs)
{
	struct gd_search_key body = { .op = GD_SEARCH_BODY, .u.text = "x" };
	struct gd_search_key hdr = { .op = GD_SEARCH_HEADER, .next = &body };
	struct gd_search_key seen = { .op = GD_SEARCH_FLAGS };
	struct gd_search_key and = { .op = GD_SEARCH_AND, .children = &hdr };
	struct gd_search_key not = { .op = GD_SEARCH_NOT, .children = &seen };

	cr_assert_eq(gd_search_day(1970, 1, 1), 0);
	cr_assert_eq(gd_search_day(2000, 3, 1), 11017);
	cr_assert_eq(gd_search_day(1969, 12, 31), -1);
	cr_assert_eq(gd_search_key_cost(&seen), GD_SEARCH_COST_METADATA);
	cr_assert_eq(gd_search_key_cost(&not), GD_SEARCH_COST_METADATA);
	cr_assert_eq(gd_search_key_cost(&hdr), GD_SEARCH_COST_HEADER);
	cr_assert_eq(gd_search_key_cost(&and), GD_SEARCH_COST_BODY);
}

Test(errors, names_and_errno)
{
	struct gd_mail_error err;

	cr_assert_str_eq(gd_mail_errcode_name(GD_MAIL_ERR_OVERQUOTA),
	    "overquota");
	errno = ENOSPC;
	gd_mail_error_errno(&err, "write %s", "f\nx");
	cr_assert_eq(err.code, GD_MAIL_ERR_TEMP);
	cr_assert(strchr(err.text, '\n') == NULL);
	cr_assert(strstr(err.text, "No space") != NULL, "%s", err.text);
	errno = EDQUOT;
	gd_mail_error_errno(&err, "x");
	cr_assert_eq(err.code, GD_MAIL_ERR_OVERQUOTA);
	gd_mail_error_clear(&err);
	cr_assert_eq(err.code, GD_MAIL_ERR_NONE);
}

/* ---- gd_mail_fsync_dir: the group commit (dirsync.c) ---------------- */

#define DIRSYNC_THREADS	8
#define DIRSYNC_ROUNDS	40

struct dirsync_arg {
	const char *dir;
	char name[64];
	int failures;
};

/* Each round makes a file, then syncs the directory: every call must
 * succeed while others share (or run) the sync. */
static void *
dirsync_thread(void *p)
{
	struct dirsync_arg *a = p;
	struct gd_mail_error err;
	char path[512];
	int i, fd;

	for (i = 0; i < DIRSYNC_ROUNDS; i++) {
		snprintf(path, sizeof(path), "%s/%s.%d", a->dir, a->name, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || close(fd) < 0 ||
		    gd_mail_fsync_dir(NULL, a->dir, &err) < 0)
			a->failures++;
	}
	return NULL;
}

Test(dirsync, concurrent_callers_all_succeed_and_errors_stay_theirs)
{
	char one[] = "/tmp/gd-dirsync.XXXXXX", two[] = "/tmp/gd-dirsync.XXXXXX";
	struct dirsync_arg args[DIRSYNC_THREADS];
	pthread_t th[DIRSYNC_THREADS];
	struct gd_mail_error err;
	char cmd[128];
	int i;

	cr_assert_not_null(mkdtemp(one));
	cr_assert_not_null(mkdtemp(two));
	for (i = 0; i < DIRSYNC_THREADS; i++) {
		args[i].dir = i % 2 == 0 ? one : two;
		snprintf(args[i].name, sizeof(args[i].name), "t%d", i);
		args[i].failures = 0;
		cr_assert_eq(pthread_create(&th[i], NULL, dirsync_thread,
		    &args[i]), 0);
	}
	/* A missing directory fails for its caller only. */
	cr_assert_eq(gd_mail_fsync_dir(NULL, "/tmp/gd-dirsync-none/x", &err),
	    -1);
	cr_assert_eq(err.code, GD_MAIL_ERR_NOTFOUND, "code %d", err.code);
	for (i = 0; i < DIRSYNC_THREADS; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(args[i].failures, 0, "thread %d: %d failures", i,
		    args[i].failures);
	}
	/* With fsync off nothing is opened: a missing directory is fine. */
	{
		struct gd_mail_store_config nosync = { .fsync = false };

		cr_assert_eq(gd_mail_fsync_dir(&nosync, "/tmp/gd-dirsync-none",
		    &err), 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", one, two);
	cr_assert_eq(system(cmd), 0);
}
