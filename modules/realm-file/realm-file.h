/*
 * realm-file.h — what the files of the realm-file module share (not
 * installed; every symbol here is hidden in realm-file.so).
 *
 * The users file is read into an immutable table (realm-file-table.c),
 * one line at a time (realm-file-parse.c).  The module keeps the current
 * table behind a mutex; each realm call takes a reference, so a reload
 * swaps a new table in while calls on pool threads finish with the old
 * one, which is freed by whoever drops the last reference.
 */
#ifndef REALM_FILE_H
#define REALM_FILE_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <time.h>

#include <gumdrop/gumdrop.h>

#include "pwhash/pwhash.h"

/* Limits on what one file may hold. */
#define REALM_FILE_MAX_SIZE	(256u * 1024 * 1024)
#define REALM_FILE_MAX_LINE	(64u * 1024)
#define REALM_FILE_MAX_NAME	512
#define REALM_FILE_SECRET_LEN	32
#define REALM_FILE_SALT_LEN	16
#define REALM_FILE_FP_LEN	32	/* SHA-256 */

/* One line of the file. */
struct realm_file_user {
	const char *name;
	struct gd_pw pw;		/* pw.text points into the table */
	const char *home;		/* NULL when not given */
	const char *mail;		/* prefix stripped, ~ and %u expanded */
	uint64_t quota_storage;		/* bytes; 0: none given */
	uint64_t quota_messages;
	const char **aliases;		/* NULL-terminated, never NULL */
	const char **certs;		/* "SHA256:hex", NULL-terminated */
	unsigned char (*cert_fp)[REALM_FILE_FP_LEN];
	size_t ncerts;
	const char **act_as;		/* allow_act_as, NULL-terminated */
	const char **extra;		/* other fields, "key=value" */
	uid_t uid;			/* (uid_t)-1 when not given */
	gid_t gid;
	bool master;			/* may act as anyone */
	unsigned line;
};

/* What a table is built with (the module's configuration). */
struct realm_file_conf {
	const char *path;
	bool allow_plain;		/* allow-plaintext-secrets */
	unsigned scram_iterations;	/* for SCRAM keys derived from PLAIN */
	const char *dummy_scheme;	/* NULL: the file's most common */
	bool no_dummy;			/* fuzzing: skip the stand-in hash */
	/* Salts derived from PLAIN entries: HMAC(secret, user name). */
	unsigned char secret[REALM_FILE_SECRET_LEN];
};

/* A certificate fingerprint and whose it is (sorted by fingerprint). */
struct realm_file_cert {
	unsigned char fp[REALM_FILE_FP_LEN];
	const struct realm_file_user *user;
};

/* Identity of the file a table was read from, to notice changes. */
struct realm_file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};

struct realm_file_table {
	atomic_uint refs;
	struct gd_pool *pool;
	struct realm_file_conf conf;	/* strings point into the pool */
	struct realm_file_user **users;	/* sorted by name */
	size_t nusers;
	struct realm_file_cert *certs;	/* sorted by fingerprint */
	size_t ncerts;
	/* Verified instead of an entry for unknown users: as costly as a
	 * typical entry, matching nothing. */
	struct gd_pw dummy;
	char dummy_text[GD_PW_TEXT_MAX];
	struct realm_file_stamp stamp;
	unsigned malformed;		/* lines refused */
	unsigned plain;			/* {PLAIN} entries */
	unsigned first_plain_line;
};

/* ---- realm-file-parse.c -------------------------------------------------- */

/*
 * Parse one line (NUL-terminated, without its line end; modified in
 * place and kept: the entry points into it) into *u.  Strings the entry
 * needs beyond the line come from `pool`.  Returns 1 for an entry, 0 for
 * a comment or blank line, -1 with *error_r (static text; never the
 * line's content) when it does not parse.
 */
int realm_file_parse_line(struct gd_pool *pool, char *line,
    struct realm_file_user *u, const char **error_r);

/* "SHA256:HEX" (hex with or without ':' between bytes) to 32 bytes.
 * 0 or -1. */
int realm_file_parse_fingerprint(const char *text, size_t len,
    unsigned char *fp);

/* ---- realm-file-table.c -------------------------------------------------- */

/*
 * Build a table from the file's content `text` (`len` bytes; `name`
 * names it in log lines).  Each malformed line is logged as one line
 * naming NAME:LINE and skipped; {PLAIN} entries are counted and warned
 * about once.  Returns the table with one reference; never NULL except
 * when the stand-in hash cannot be made (-1 with *error_r).
 */
int realm_file_table_build(const char *name, const char *text, size_t len,
    const struct realm_file_conf *conf, struct realm_file_table **table_r,
    const char **error_r);

/*
 * Read conf->path and build its table.  -1 with *error_r (allocated in
 * `err_pool`) when the file cannot be read or is too large.
 */
int realm_file_table_load(const struct realm_file_conf *conf,
    struct gd_pool *err_pool, struct realm_file_table **table_r,
    const char **error_r);

/* Take and drop a reference.  Any thread; the last unref frees. */
struct realm_file_table *realm_file_table_ref(struct realm_file_table *t);
void realm_file_table_unref(struct realm_file_table **t);

/* The user called `name`, or NULL. */
const struct realm_file_user *realm_file_table_find(
    const struct realm_file_table *t, const char *name);

/* The user with client certificate fingerprint `fp`, or NULL. */
const struct realm_file_user *realm_file_table_find_cert(
    const struct realm_file_table *t, const unsigned char *fp);

/* Fill *st from `path` (stat).  0 or -1 (errno). */
int realm_file_stamp_get(const char *path, struct realm_file_stamp *st);
bool realm_file_stamp_equal(const struct realm_file_stamp *a,
    const struct realm_file_stamp *b);

/* ---- realm-file.c: the module's state ---------------------------------- */

struct realm_file_watch;

struct realm_file {
	pthread_mutex_t lock;		/* guards table and conf */
	struct realm_file_table *table;
	struct realm_file_conf conf;	/* path, dummy_scheme: malloc'd */
	pthread_mutex_t load_lock;	/* one load at a time */
	struct gd_loop *watch_loop;	/* loop 0, once thread_init ran */
	struct realm_file_watch *watch;	/* watch_loop's thread only */
};

/* The current table of `rf` with a reference (drop it with
 * realm_file_table_unref), or NULL when `rf` is NULL.  Any thread. */
struct realm_file_table *realm_file_current(struct realm_file *rf);

/*
 * Read the file again with the current configuration and swap the new
 * table in.  BLOCKING (pool or main thread).  0, or -1 with *error_r in
 * `err_pool` (the old table stays).
 */
int realm_file_reread(struct realm_file *rf, struct gd_pool *err_pool,
    const char **error_r);

/* ---- realm-file-realm.c: the service ------------------------------------- */

extern const struct gd_realm realm_file_realm;

/* ---- realm-file-watch.c: re-read on change (loop 0) --------------------- */

/* Watch rf->conf.path on `loop` (its thread).  Failing to watch is
 * logged, not fatal: SIGHUP still re-reads. */
void realm_file_watch_start(struct realm_file *rf, struct gd_loop *loop);
void realm_file_watch_stop(struct realm_file *rf);
/* Main thread, after the path changed: move the watch (on its loop). */
void realm_file_watch_repath(struct realm_file *rf);

#endif /* REALM_FILE_H */
