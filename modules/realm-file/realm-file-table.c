/*
 * realm-file-table.c — a whole users file as an immutable table: users
 * sorted by name, certificate fingerprints sorted for EXTERNAL, and the
 * stand-in entry verified for unknown users.  Reference-counted so that
 * a reload can swap tables under readers on pool threads.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "realm-file.h"

#define RF_MAX_KINDS	16

/* A kind of entry, to find the file's most common one. */
struct rf_kind {
	enum gd_pw_scheme scheme;
	enum gd_pw_hash hash;
	char prefix[8];			/* crypt: "$6$", "$2y$", "$y$" */
	unsigned count;
	const struct gd_pw *first;
};

static void
rf_log_line(const char *name, unsigned line, const char *reason)
{
	char where[512], why[256];
	char at[600];

	snprintf(at, sizeof(at), "%s:%u", name, line);
	gd_log(GD_LOG_WARNING, "realm.file.line", "at=%s reason=%s",
	    gd_log_quote(where, sizeof(where), at),
	    gd_log_quote(why, sizeof(why), reason));
}

static int
rf_user_cmp(const void *a, const void *b)
{
	const struct realm_file_user *x, *y;
	int c;

	x = *(const struct realm_file_user *const *)a;
	y = *(const struct realm_file_user *const *)b;
	c = strcmp(x->name, y->name);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static int
rf_cert_cmp(const void *a, const void *b)
{
	const struct realm_file_cert *x = a, *y = b;
	int c = memcmp(x->fp, y->fp, REALM_FILE_FP_LEN);

	return c != 0 ? c : (x->user->line > y->user->line) -
	    (x->user->line < y->user->line);
}

/* The next line of text[*pos..len): NUL-terminated in place, without
 * its CR LF; its length, or -1 at the end. */
static long
rf_next_line(char *text, size_t len, size_t *pos, char **line_r)
{
	char *start = text + *pos, *nl;
	size_t n;

	if (*pos >= len)
		return -1;
	nl = memchr(start, '\n', len - *pos);
	n = nl != NULL ? (size_t)(nl - start) : len - *pos;
	*pos += n + (nl != NULL ? 1 : 0);
	start[n] = '\0';
	if (n > 0 && start[n - 1] == '\r')
		start[--n] = '\0';
	*line_r = start;
	return (long)n;
}

static void
rf_parse_all(struct realm_file_table *t, const char *name, char *text,
    size_t len)
{
	struct realm_file_user u;
	const char *error;
	size_t pos = 0;
	unsigned lineno = 0;
	long n;
	char *line;
	int r;

	while ((n = rf_next_line(text, len, &pos, &line)) >= 0) {
		lineno++;
		error = NULL;
		if ((size_t)n > REALM_FILE_MAX_LINE)
			error = "line too long";
		else if (strlen(line) != (size_t)n)
			error = "NUL byte in the line";
		r = error != NULL ? -1 :
		    realm_file_parse_line(t->pool, line, &u, &error);
		if (r < 0) {
			rf_log_line(name, lineno, error);
			t->malformed++;
		} else if (r > 0) {
			u.line = lineno;
			t->users[t->nusers] = gd_pool_alloc(t->pool, sizeof(u));
			*t->users[t->nusers++] = u;
		}
	}
}

/* Sort by name; of users listed twice, keep the first line. */
static void
rf_dedup(struct realm_file_table *t, const char *name)
{
	size_t i, out = 0;
	char why[64];

	qsort(t->users, t->nusers, sizeof(*t->users), rf_user_cmp);
	for (i = 0; i < t->nusers; i++) {
		if (out > 0 && strcmp(t->users[out - 1]->name,
		    t->users[i]->name) == 0) {
			snprintf(why, sizeof(why), "user already on line %u",
			    t->users[out - 1]->line);
			rf_log_line(name, t->users[i]->line, why);
			t->malformed++;
			continue;
		}
		t->users[out++] = t->users[i];
	}
	t->nusers = out;
}

static void
rf_index_certs(struct realm_file_table *t, const char *name)
{
	size_t n = 0, i, j, out = 0;
	char why[64];

	for (i = 0; i < t->nusers; i++)
		n += t->users[i]->ncerts;
	t->certs = gd_pool_alloc(t->pool, (n + 1) * sizeof(*t->certs));
	for (i = 0; i < t->nusers; i++) {
		for (j = 0; j < t->users[i]->ncerts; j++) {
			memcpy(t->certs[t->ncerts].fp, t->users[i]->cert_fp[j],
			    REALM_FILE_FP_LEN);
			t->certs[t->ncerts++].user = t->users[i];
		}
	}
	qsort(t->certs, t->ncerts, sizeof(*t->certs), rf_cert_cmp);
	for (i = 0; i < t->ncerts; i++) {
		if (out > 0 && memcmp(t->certs[out - 1].fp, t->certs[i].fp,
		    REALM_FILE_FP_LEN) == 0) {
			snprintf(why, sizeof(why), "certificate already "
			    "given on line %u", t->certs[out - 1].user->line);
			rf_log_line(name, t->certs[i].user->line, why);
			continue;
		}
		t->certs[out++] = t->certs[i];
	}
	t->ncerts = out;
}

/* The line of the user whose entry is `pw`. */
static unsigned
rf_line_of(const struct realm_file_table *t, const struct gd_pw *pw)
{
	size_t i;

	for (i = 0; i < t->nusers; i++)
		if (&t->users[i]->pw == pw)
			return t->users[i]->line;
	return 0;
}

static void
rf_kind_of(const struct gd_pw *pw, struct rf_kind *k)
{
	const char *end;

	memset(k, 0, sizeof(*k));
	k->scheme = pw->scheme;
	k->hash = pw->hash;
	if (pw->scheme == GD_PW_CRYPT && pw->text_len > 1 &&
	    pw->text[0] == '$' && (end = memchr(pw->text + 1, '$',
	    pw->text_len - 1)) != NULL && end - pw->text < 7)
		memcpy(k->prefix, pw->text, (size_t)(end - pw->text) + 1);
}

static bool
rf_kind_eq(const struct rf_kind *a, const struct rf_kind *b)
{
	return a->scheme == b->scheme && a->hash == b->hash &&
	    strcmp(a->prefix, b->prefix) == 0;
}

static bool
rf_kind_is(const struct rf_kind *k, const struct gd_pw_maker *m)
{
	return k->scheme == m->scheme && (m->scheme != GD_PW_SCRAM ||
	    k->hash == m->hash) && (m->crypt_prefix == NULL ||
	    strcmp(k->prefix, m->crypt_prefix) == 0);
}

/* The first entry of the kind `maker` names, else of the most common. */
static const struct gd_pw *
rf_dummy_model(const struct realm_file_table *t,
    const struct gd_pw_maker *maker)
{
	struct rf_kind kinds[RF_MAX_KINDS], k;
	size_t nk = 0, i, j, best = 0;

	for (i = 0; i < t->nusers; i++) {
		if (t->users[i]->pw.scheme == GD_PW_NONE)
			continue;
		rf_kind_of(&t->users[i]->pw, &k);
		if (maker != NULL && rf_kind_is(&k, maker))
			return &t->users[i]->pw;
		for (j = 0; j < nk && !rf_kind_eq(&kinds[j], &k); j++)
			;
		if (j == nk && nk == RF_MAX_KINDS)
			continue;
		if (j == nk) {
			kinds[nk++] = k;
			kinds[j].first = &t->users[i]->pw;
		}
		kinds[j].count++;
		if (kinds[j].count > kinds[best].count)
			best = j;
	}
	return maker == NULL && nk > 0 ? kinds[best].first : NULL;
}

/* A stand-in from a fresh entry of `maker` (default SCRAM-SHA-256). */
static int
rf_fresh_dummy(struct realm_file_table *t, const struct gd_pw_maker *maker,
    const char **error_r)
{
	unsigned char secret[16];
	char made[1024];
	struct gd_pw fresh;

	if (maker == NULL)
		maker = gd_pw_maker_find("SCRAM-SHA-256");
	if (gd_pw_random(secret, sizeof(secret)) < 0 ||
	    gd_pw_make(maker, secret, sizeof(secret) / 2, 0, made,
	    sizeof(made), error_r) < 0 ||
	    gd_pw_parse(made, strlen(made), &fresh, error_r) < 0)
		return -1;
	return gd_pw_dummy(&fresh, &t->dummy, t->dummy_text,
	    sizeof(t->dummy_text), error_r);
}

/*
 * The stand-in: like the model entry when it can be hashed (libcrypt
 * accepts some settings it cannot compute), else a fresh entry.
 */
static int
rf_make_dummy(struct realm_file_table *t, const char *name,
    const char **error_r)
{
	const struct gd_pw_maker *maker = NULL;
	const struct gd_pw *model;

	if (t->conf.dummy_scheme != NULL)
		maker = gd_pw_maker_find(t->conf.dummy_scheme);
	model = rf_dummy_model(t, maker);
	if (model != NULL && gd_pw_dummy(model, &t->dummy, t->dummy_text,
	    sizeof(t->dummy_text), error_r) == 0)
		return 0;
	if (model != NULL)
		rf_log_line(name, rf_line_of(t, model), "cannot hash like this "
		    "entry for unknown users; using a default stand-in");
	return rf_fresh_dummy(t, maker, error_r);
}

static void
rf_count_plain(struct realm_file_table *t, const char *name)
{
	char where[512], at[600];
	size_t i;

	for (i = 0; i < t->nusers; i++) {
		if (t->users[i]->pw.scheme != GD_PW_PLAIN)
			continue;
		if (t->plain == 0 || t->users[i]->line < t->first_plain_line)
			t->first_plain_line = t->users[i]->line;
		t->plain++;
	}
	if (t->plain == 0)
		return;
	snprintf(at, sizeof(at), "%s:%u", name, t->first_plain_line);
	gd_log(GD_LOG_WARNING, "realm.file.plaintext", "at=%s users=%u "
	    "reason=\"passwords stored in plaintext (PLAIN)\"",
	    gd_log_quote(where, sizeof(where), at), t->plain);
}

static void
rf_copy_conf(struct realm_file_table *t, const struct realm_file_conf *conf)
{
	t->conf = *conf;
	t->conf.path = conf->path != NULL ? gd_pool_strdup(t->pool,
	    conf->path) : NULL;
	t->conf.dummy_scheme = conf->dummy_scheme != NULL ?
	    gd_pool_strdup(t->pool, conf->dummy_scheme) : NULL;
}

int
realm_file_table_build(const char *name, const char *text, size_t len,
    const struct realm_file_conf *conf, struct realm_file_table **table_r,
    const char **error_r)
{
	struct gd_pool *pool = gd_pool_create("realm-file");
	struct realm_file_table *t = gd_pool_alloc(pool, sizeof(*t));
	char *copy = gd_pool_alloc(pool, len + 1), quoted[512];
	size_t lines = 1, i;

	t->pool = pool;
	atomic_init(&t->refs, 1);
	rf_copy_conf(t, conf);
	memcpy(copy, text, len);
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	t->users = gd_pool_alloc(pool, lines * sizeof(*t->users));
	rf_parse_all(t, name, copy, len);
	rf_dedup(t, name);
	rf_index_certs(t, name);
	rf_count_plain(t, name);
	if (!conf->no_dummy && rf_make_dummy(t, name, error_r) < 0) {
		gd_pool_destroy(&pool);
		return -1;
	}
	gd_log(GD_LOG_INFO, "realm.file.load", "file=%s users=%zu "
	    "malformed=%u plaintext=%u", gd_log_quote(quoted, sizeof(quoted),
	    name), t->nusers, t->malformed, t->plain);
	*table_r = t;
	return 0;
}

static void
rf_stamp_from(const struct stat *st, struct realm_file_stamp *s)
{
	memset(s, 0, sizeof(*s));
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
	s->ctime = st->st_ctim;
}

int
realm_file_stamp_get(const char *path, struct realm_file_stamp *s)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	rf_stamp_from(&st, s);
	return 0;
}

bool
realm_file_stamp_equal(const struct realm_file_stamp *a,
    const struct realm_file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Read all of fd (st_size bytes, re-checked while reading). */
static char *
rf_read_all(int fd, size_t size, size_t *len_r)
{
	char *buf = malloc(size + 1);
	size_t got = 0;
	ssize_t r = 0;

	if (buf == NULL)
		return NULL;
	while (got <= size) {
		r = read(fd, buf + got, size + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (r < 0 || got > size) {
		/* An error, or the file grew while being read. */
		free(buf);
		errno = r < 0 ? errno : EAGAIN;
		return NULL;
	}
	*len_r = got;
	return buf;
}

/* Open and read conf->path; NULL with *error_r. */
static char *
rf_read_file(const char *path, struct gd_pool *err_pool,
    struct realm_file_stamp *stamp, size_t *len_r, const char **error_r)
{
	const char *why = NULL;
	struct stat st;
	char *text = NULL;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if ((uint64_t)st.st_size > REALM_FILE_MAX_SIZE)
		why = "larger than 256 MiB";
	else if ((text = rf_read_all(fd, (size_t)st.st_size, len_r)) == NULL)
		why = strerror(errno);
	else
		rf_stamp_from(&st, stamp);
	if (fd >= 0)
		close(fd);
	if (why != NULL)
		*error_r = gd_pool_printf(err_pool, "%s: %s", path, why);
	return text;
}

int
realm_file_table_load(const struct realm_file_conf *conf,
    struct gd_pool *err_pool, struct realm_file_table **table_r,
    const char **error_r)
{
	struct realm_file_stamp stamp;
	size_t len = 0;
	char *text;
	int r;

	text = rf_read_file(conf->path, err_pool, &stamp, &len, error_r);
	if (text == NULL)
		return -1;
	r = realm_file_table_build(conf->path, text, len, conf, table_r,
	    error_r);
	free(text);
	if (r == 0)
		(*table_r)->stamp = stamp;
	return r;
}

struct realm_file_table *
realm_file_table_ref(struct realm_file_table *t)
{
	atomic_fetch_add(&t->refs, 1);
	return t;
}

void
realm_file_table_unref(struct realm_file_table **t)
{
	struct gd_pool *pool;

	if (*t == NULL)
		return;
	if (atomic_fetch_sub(&(*t)->refs, 1) == 1) {
		pool = (*t)->pool;
		explicit_bzero(&(*t)->conf.secret, sizeof((*t)->conf.secret));
		gd_pool_destroy(&pool);
	}
	*t = NULL;
}

static int
rf_find_cmp(const void *key, const void *elem)
{
	const struct realm_file_user *u;

	u = *(const struct realm_file_user *const *)elem;
	return strcmp(key, u->name);
}

const struct realm_file_user *
realm_file_table_find(const struct realm_file_table *t, const char *name)
{
	struct realm_file_user *const *u;

	u = bsearch(name, t->users, t->nusers, sizeof(*t->users), rf_find_cmp);
	return u != NULL ? *u : NULL;
}

static int
rf_find_cert_cmp(const void *key, const void *elem)
{
	return memcmp(key, ((const struct realm_file_cert *)elem)->fp,
	    REALM_FILE_FP_LEN);
}

const struct realm_file_user *
realm_file_table_find_cert(const struct realm_file_table *t,
    const unsigned char *fp)
{
	const struct realm_file_cert *c;

	c = bsearch(fp, t->certs, t->ncerts, sizeof(*t->certs),
	    rf_find_cert_cmp);
	return c != NULL ? c->user : NULL;
}
