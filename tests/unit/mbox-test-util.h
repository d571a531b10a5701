/*
 * mbox-test-util.h — shared by the test-mbox*.c programs: load the real
 * mbox.so with a store under a fresh temporary directory, and small
 * helpers over mailbox.h (append a text, read a message whole, read a
 * file, count From_ lines).  Everything here is static: each test
 * program includes it once.
 */
#ifndef MBOX_TEST_UTIL_H
#define MBOX_TEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox.h>

#include "module-private.h"

#define MT_MODULES	GD_TOP_BUILDDIR "/modules/.built"

#include <gumdrop/mailbox-impl.h>
#include <gumdrop/msg-date.h>
#include <gumdrop/watch.h>


static struct gd_config *mt_cfg;
static char mt_root[256];
static const struct gd_mail_backend *mt_backend;
static const char *mt_lock_timeout = "10s";

static GD_UNUSED void
mt_load(const char *extra)
{
	char text[2048], *error = NULL;
	const char *lerr = NULL;
	struct gd_mail_error err;

	snprintf(text, sizeof(text),
	    "modules: {path: \"%s\", load: [mbox]}\n"
	    "mbox:\n  path: \"%s/%%u\"\n  fsync: false\n"
	    "  lock-timeout: %s\n  create-special-use: false\n%s",
	    MT_MODULES, mt_root, mt_lock_timeout, extra != NULL ? extra : "");
	mt_cfg = gd_config_load_string("test.yaml", text, strlen(text),
	    &error);
	cr_assert_not_null(mt_cfg, "config: %s", error);
	cr_assert_eq(gd_modules_load(gd_config_root(mt_cfg), NULL, &lerr), 0,
	    "load: %s", lerr);
	mt_backend = gd_mail_backend_find("mbox", &err);
	cr_assert_not_null(mt_backend, "%s", err.text);
}

static GD_UNUSED void
mt_setup_with(const char *extra)
{
	snprintf(mt_root, sizeof(mt_root), "/tmp/gd-mbox-test.XXXXXX");
	cr_assert_not_null(mkdtemp(mt_root));
	mt_load(extra);
}

static GD_UNUSED void
mt_setup(void)
{
	mt_setup_with(NULL);
}

static GD_UNUSED void
mt_teardown(void)
{
	char cmd[512];

	gd_modules_unload();
	gd_config_free(&mt_cfg);
	if (mt_root[0] != '\0' && getenv("GD_KEEP_TMP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", mt_root);
		(void)system(cmd);
	}
}

static GD_UNUSED struct gd_mail_store *
mt_store(const char *user)
{
	struct gd_mail_user u = { .name = user };
	struct gd_mail_store *store = NULL;
	struct gd_mail_error err;

	cr_assert_eq(gd_mail_store_open(mt_backend, &u, GD_MAIL_STORE_CREATE,
	    &store, &err), 0, "store: %s", err.text);
	return store;
}

/* Append `text` to `name`; returns its UID. */
static GD_UNUSED uint32_t
mt_append_flags(struct gd_mail_store *store, const char *name,
    const void *text, size_t len, uint32_t flags, const char *const *kw)
{
	struct gd_mail_append_info info = { .flags = flags, .keywords = kw };
	struct gd_mail_append *a = NULL;
	struct gd_mail_error err;
	uint32_t uidv = 0, uid = 0;

	cr_assert_eq(gd_mail_append_start(store, name, &info, &a, &err), 0,
	    "append_start: %s", err.text);
	cr_assert_eq(gd_mail_append_write(a, text, len, &err), 0, "%s",
	    err.text);
	cr_assert_eq(gd_mail_append_end(&a, &uidv, &uid, &err), 0,
	    "append_end: %s", err.text);
	cr_assert_neq(uid, 0);
	cr_assert_neq(uidv, 0);
	return uid;
}

static GD_UNUSED uint32_t
mt_append(struct gd_mail_store *store, const char *name, const char *text)
{
	return mt_append_flags(store, name, text, strlen(text), 0, NULL);
}

static GD_UNUSED struct gd_mailbox *
mt_open(struct gd_mail_store *store, const char *name, unsigned flags)
{
	struct gd_mailbox *box = NULL;
	struct gd_mail_error err;

	cr_assert_eq(gd_mailbox_open(store, name, flags, &box, &err), 0,
	    "open %s: %s", name, err.text);
	return box;
}

static GD_UNUSED void
mt_sync(struct gd_mailbox *box)
{
	struct gd_mail_error err;

	cr_assert_eq(gd_mailbox_sync(box, 0, NULL, NULL, &err), 0, "sync: %s",
	    err.text);
}

/* Message `seq` whole (malloc'd, NUL-terminated); its length in *len_r. */
static GD_UNUSED char *
mt_read(struct gd_mailbox *box, uint32_t seq, size_t *len_r)
{
	struct gd_mail_content *c = NULL;
	struct gd_mail_error err;
	size_t len = 0, cap;
	char *buf;
	ssize_t n;

	cr_assert_eq(gd_mailbox_content_open(box, seq, &c, &err), 0,
	    "content %u: %s", seq, err.text);
	cap = gd_mail_content_size(c) + 1;
	buf = malloc(cap + 16);
	while ((n = gd_mail_content_read(c, buf + len, cap - len, &err)) > 0)
		len += (size_t)n;
	cr_assert_geq(n, 0, "read: %s", err.text);
	cr_assert_eq(len, gd_mail_content_size(c), "served %zu of %llu", len,
	    (unsigned long long)gd_mail_content_size(c));
	cr_assert_eq(len, gd_mailbox_msg(box, seq)->size);
	gd_mail_content_close(&c);
	buf[len] = '\0';
	if (len_r != NULL)
		*len_r = len;
	return buf;
}

/* A whole file (malloc'd, NUL-terminated). */
static GD_UNUSED char *
mt_file(const char *path, size_t *len_r)
{
	struct stat st;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	cr_assert_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	if (len_r != NULL)
		*len_r = (size_t)st.st_size;
	return buf;
}

static GD_UNUSED void
mt_write_file(const char *path, const char *data, bool append)
{
	int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC),
	    0600);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

/* The path of a file of user `user`'s store. */
static GD_UNUSED const char *
mt_path(const char *user, const char *rel)
{
	static char path[4][512];
	static int next;

	next = (next + 1) % 4;
	snprintf(path[next], sizeof(path[next]), "%s/%s/%s", mt_root, user,
	    rel);
	return path[next];
}

#endif /* MBOX_TEST_UTIL_H */

#ifndef MBOX_TEST_PLAIN_READER
#define MBOX_TEST_PLAIN_READER
/*
 * A plain mbox reader, as another program would read our file: messages
 * start at "From " lines; the first occurrence of each status field in
 * the header counts.
 */
struct mt_plain {
	char status[16];
	char xstatus[16];
	char keywords[256];
	char imapbase[256];
	unsigned uid;
	int64_t body_off;	/* offset of the header's first byte */
};

static GD_UNUSED void
mt_plain_field(struct mt_plain *m, const char *line, size_t len)
{
	static const struct {
		const char *name;
		size_t off;
		size_t size;
	} f[] = {
		{ "Status: ", offsetof(struct mt_plain, status), 16 },
		{ "X-Status: ", offsetof(struct mt_plain, xstatus), 16 },
		{ "X-Keywords: ", offsetof(struct mt_plain, keywords), 256 },
		{ "X-IMAPbase: ", offsetof(struct mt_plain, imapbase), 256 },
	};
	size_t i, n;
	char *dst;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	if (len > 7 && strncmp(line, "X-UID: ", 7) == 0 && m->uid == 0)
		m->uid = (unsigned)strtoul(line + 7, NULL, 10);
	for (i = 0; i < GD_N_ELEMENTS(f); i++) {
		n = strlen(f[i].name);
		dst = (char *)m + f[i].off;
		if (len >= n && strncmp(line, f[i].name, n) == 0 &&
		    dst[0] == '\0' && len - n < f[i].size)
			memcpy(dst, line + n, len - n);
	}
}

/* Parse `data`; returns the number of messages (at most `max`). */
static GD_UNUSED size_t
mt_plain_read(const char *data, struct mt_plain *msgs, size_t max)
{
	const char *p = data, *nl;
	size_t n = 0;
	bool header = false;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (strncmp(p, "From ", 5) == 0) {
			cr_assert_lt(n, max);
			memset(&msgs[n], 0, sizeof(msgs[n]));
			msgs[n++].body_off = nl != NULL ? nl + 1 - data : 0;
			header = true;
		} else if (header && (*p == '\n' || strncmp(p, "\r\n", 2) ==
		    0))
			header = false;
		else if (header && n > 0)
			mt_plain_field(&msgs[n - 1], p, nl != NULL ?
			    (size_t)(nl - p) : strlen(p));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return n;
}
#endif
