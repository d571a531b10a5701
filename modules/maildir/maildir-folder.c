/*
 * maildir-folder.c — the store and its folders (Maildir++):
 *   INBOX       ROOT/{cur,new,tmp}
 *   "A/B"       ROOT/.A.B/{cur,new,tmp} and an empty maildirfolder file
 * Each name component is encoded with the seed's codec, "." included
 * (Maildir++'s separator).  Directories whose names do not decode are
 * skipped.  Parents without their own directory are \Noselect
 * placeholders.  Creation builds the folder in ROOT/tmp and renames it
 * into place; deletion renames it away first: both are atomic.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir-private.h"

struct folder_names {
	char **v;
	size_t n, cap;
};

static char *folder_encode(struct gd_pool *pool, const char *name);
static char *folder_decode(struct gd_pool *pool, const char *dname);
static int folder_scratch(struct maildir_store *store, const char *what,
    char *buf, size_t size);
static int folder_remove_tree(const char *path, uint64_t *bytes,
    uint64_t *count);
static int folder_children(struct maildir_store *store, struct gd_pool *pool,
    const char *enc, struct folder_names *out);
static int folder_rename_inbox(struct maildir_store *store, const char *to,
    struct gd_mail_error *err);
static bool folder_names_has(const struct folder_names *set,
    const char *name);
static void folder_names_add(struct folder_names *set, char *name);
static int folder_list_parents(struct gd_pool *pool, const char *name,
    const struct folder_names *real, struct folder_names *parents,
    gd_mail_list_raw_fn *fn, void *arg);

/* ".A.B" for "A/B" (in pool). */
static char *
folder_encode(struct gd_pool *pool, const char *name)
{
	char *out = gd_pool_strdup(pool, ""), *copy, *comp, *save = NULL;

	copy = gd_pool_strdup(pool, name);
	for (comp = strtok_r(copy, GD_MAIL_DELIM_STR, &save); comp != NULL;
	    comp = strtok_r(NULL, GD_MAIL_DELIM_STR, &save))
		out = gd_pool_printf(pool, "%s.%s", out,
		    gd_mail_name_encode(pool, comp, "."));
	return out;
}

/* "A/B" for ".A.B", or NULL when a component does not decode. */
static char *
folder_decode(struct gd_pool *pool, const char *dname)
{
	char *copy = gd_pool_strdup(pool, dname + 1), *comp, *save = NULL;
	char *out = NULL, *dec;

	if (dname[1] == '\0' || dname[1] == '.' ||
	    dname[strlen(dname) - 1] == '.' || strstr(dname, "..") != NULL)
		return NULL;
	for (comp = strtok_r(copy, ".", &save); comp != NULL;
	    comp = strtok_r(NULL, ".", &save)) {
		dec = gd_mail_name_decode(pool, comp);
		if (dec == NULL || *dec == '\0' || strchr(dec, '/') != NULL)
			return NULL;
		out = out == NULL ? dec : gd_pool_printf(pool, "%s/%s", out,
		    dec);
	}
	if (out == NULL || gd_mail_name_check(out, NULL) < 0 ||
	    gd_mail_name_is_inbox(out))
		return NULL;
	if (strncasecmp(out, "INBOX/", 6) == 0)
		memcpy(out, "INBOX", 5);	/* canonical */
	return out;
}

char *
maildir_box_dir(struct maildir_store *store, struct gd_pool *pool,
    const char *name)
{
	struct gd_pool *tmp = pool != NULL ? pool : gd_pool_create("maildir");
	char *dir;

	if (gd_mail_name_is_inbox(name))
		dir = gd_pool_strdup(tmp, store->base.root);
	else
		dir = gd_pool_printf(tmp, "%s/%s", store->base.root,
		    folder_encode(tmp, name));
	if (pool == NULL) {
		dir = gd_xstrdup(dir);
		gd_pool_destroy(&tmp);
	}
	return dir;
}

bool
maildir_dir_is_mailbox(const char *dir)
{
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/cur", dir);
	if (stat(path, &sb) < 0)
		return false;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return false;
	}
	return true;
}

/* mkdir -p */
int
maildir_mkdirs(const char *path, struct gd_mail_error *err)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	gd_mail_error_errno(err, "mkdir %s", buf);
	return -1;
}

int
maildir_make_skeleton(const char *dir, bool folder,
    struct gd_mail_error *err)
{
	static const char *const subs[] = { "tmp", "new", "cur" };
	char path[PATH_MAX];
	unsigned i;
	int fd;

	if (maildir_mkdirs(dir, err) < 0)
		return -1;
	for (i = 0; i < GD_N_ELEMENTS(subs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[i]);
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			gd_mail_error_errno(err, "mkdir %s", path);
			return -1;
		}
	}
	if (!folder)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, MAILDIR_FOLDER_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		gd_mail_error_errno(err, "create %s", path);
		return -1;
	}
	close(fd);
	return 0;
}

/* A unique scratch path in ROOT/tmp (same file system). */
static int
folder_scratch(struct maildir_store *store, const char *what, char *buf,
    size_t size)
{
	char base[MAILDIR_NAME_MAX + 1];

	maildir_fname_unique(base, sizeof(base), "x", 0, 0);
	return snprintf(buf, size, "%s/tmp/.%s.%s", store->base.root, what,
	    base) < (int)size ? 0 : -1;
}

int
maildir_store_open(const struct gd_mail_backend *backend,
    const struct gd_mail_user *user, unsigned flags,
    struct gd_mail_store **store_r, struct gd_mail_error *err)
{
	const struct maildir_config *cfg = maildir_config_current(backend);
	struct gd_pool *pool = gd_pool_create("maildir-store");
	struct maildir_store *store;
	bool created = false;
	char *root;

	root = gd_mail_store_root(&cfg->store, user, pool, err);
	if (root == NULL)
		goto fail;
	if (!maildir_dir_is_mailbox(root)) {
		if ((flags & GD_MAIL_STORE_CREATE) == 0) {
			gd_mail_error_set(err, GD_MAIL_ERR_NOTFOUND,
			    "no mail store for %s", user->name);
			goto fail;
		}
		if (maildir_make_skeleton(root, false, err) < 0)
			goto fail;
		created = true;
	}
	store = gd_pool_alloc(pool, sizeof(*store));
	gd_mail_store_init(&store->base, backend, &cfg->store, user, root,
	    pool);
	store->cfg = cfg;
	store->base.created = created;
	*store_r = &store->base;
	return 0;
fail:
	gd_pool_destroy(&pool);
	return -1;
}

void
maildir_store_close(struct gd_mail_store *store)
{
	(void)store;	/* everything is in the store's pool */
}

static bool
folder_names_has(const struct folder_names *set, const char *name)
{
	size_t k;

	for (k = 0; k < set->n; k++)
		if (strcmp(set->v[k], name) == 0)
			return true;
	return false;
}

static void
folder_names_add(struct folder_names *set, char *name)
{
	if (set->n == set->cap) {
		set->cap = set->cap * 2 + 16;
		set->v = gd_xrealloc(set->v, set->cap * sizeof(*set->v));
	}
	set->v[set->n++] = name;
}

/* Report the parents of `name` that have no directory (once each). */
static int
folder_list_parents(struct gd_pool *pool, const char *name,
    const struct folder_names *real, struct folder_names *parents,
    gd_mail_list_raw_fn *fn, void *arg)
{
	const char *p;
	char *parent;

	for (p = strchr(name, '/'); p != NULL; p = strchr(p + 1, '/')) {
		parent = gd_pool_strndup(pool, name, (size_t)(p - name));
		if (folder_names_has(real, parent) ||
		    folder_names_has(parents, parent))
			continue;
		folder_names_add(parents, parent);
		if (fn(arg, parent, GD_MAIL_LIST_NOSELECT) < 0)
			return -1;
	}
	return 0;
}

int
maildir_list(struct gd_mail_store *gstore, gd_mail_list_raw_fn *fn,
    void *arg, struct gd_mail_error *err)
{
	struct gd_pool *pool = gd_pool_create("maildir-list");
	struct folder_names real = { 0 }, parents = { 0 };
	struct dirent *d;
	size_t i;
	DIR *dir;

	if ((dir = opendir(gstore->root)) == NULL) {
		gd_mail_error_errno(err, "read %s", gstore->root);
		gd_pool_destroy(&pool);
		return -1;
	}
	while ((d = readdir(dir)) != NULL) {
		char *name = d->d_name[0] == '.' ? folder_decode(pool,
		    d->d_name) : NULL;

		if (name != NULL && !folder_names_has(&real, name))
			folder_names_add(&real, name);
	}
	closedir(dir);
	if (fn(arg, "INBOX", 0) < 0)
		goto out;
	for (i = 0; i < real.n; i++) {
		char *path = gd_pool_printf(pool, "%s/%s", gstore->root,
		    folder_encode(pool, real.v[i]));

		if (fn(arg, real.v[i], maildir_dir_is_mailbox(path) ? 0 :
		    GD_MAIL_LIST_NOSELECT) < 0 ||
		    folder_list_parents(pool, real.v[i], &real, &parents, fn,
		    arg) < 0)
			break;
	}
out:
	free(real.v);
	free(parents.v);
	gd_pool_destroy(&pool);
	return 0;
}

/* Folder directory names below encoded folder `enc` (".A" → ".A.x"). */
static int
folder_children(struct maildir_store *store, struct gd_pool *pool,
    const char *enc, struct folder_names *out)
{
	size_t len = strlen(enc);
	struct dirent *d;
	DIR *dir;

	if ((dir = opendir(store->base.root)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, enc, len) != 0 || d->d_name[len] != '.')
			continue;
		if (out->n == out->cap) {
			out->cap = out->cap * 2 + 8;
			out->v = gd_xrealloc(out->v, out->cap * sizeof(*out->v));
		}
		out->v[out->n++] = gd_pool_strdup(pool, d->d_name);
	}
	closedir(dir);
	return 0;
}

bool
maildir_has_children(struct maildir_store *store, const char *name)
{
	struct gd_pool *pool = gd_pool_create("maildir-children");
	struct folder_names kids = { 0 };
	bool any;

	any = folder_children(store, pool, folder_encode(pool, name),
	    &kids) == 0 && kids.n > 0;
	free(kids.v);
	gd_pool_destroy(&pool);
	return any;
}

int
maildir_create(struct gd_mail_store *gstore, const char *name,
    struct gd_mail_error *err)
{
	struct maildir_store *store = (struct maildir_store *)gstore;
	struct gd_pool *pool = gd_pool_create("maildir-create");
	char *dir = maildir_box_dir(store, pool, name), tmp[PATH_MAX];
	int ret = -1;

	if (maildir_dir_is_mailbox(dir)) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXISTS, "%s exists", name);
		goto out;
	}
	if (folder_scratch(store, "create", tmp, sizeof(tmp)) < 0 ||
	    maildir_make_skeleton(tmp, true, err) < 0)
		goto out;
	if (rename(tmp, dir) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			gd_mail_error_set(err, GD_MAIL_ERR_EXISTS,
			    "%s exists", name);
		else
			gd_mail_error_errno(err, "rename to %s", dir);
		folder_remove_tree(tmp, NULL, NULL);
		goto out;
	}
	ret = store->base.defer_sync ? 0 :
	    gd_mail_fsync_dir(store->base.config, store->base.root, err);
out:
	gd_pool_destroy(&pool);
	return ret;
}

static int
folder_remove_tree(const char *path, uint64_t *bytes, uint64_t *count)
{
	char sub[PATH_MAX];
	struct maildir_fname f;
	struct dirent *d;
	struct stat sb;
	DIR *dir;

	if ((dir = opendir(path)) == NULL)
		return unlink(path);
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		if (lstat(sub, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			folder_remove_tree(sub, bytes, count);
			continue;
		}
		if (bytes != NULL && (strstr(path, "/cur") != NULL ||
		    strstr(path, "/new") != NULL) &&
		    maildir_fname_parse(d->d_name, strlen(d->d_name), &f)) {
			*bytes += (uint64_t)sb.st_size;
			(*count)++;
		}
		unlink(sub);
	}
	closedir(dir);
	return rmdir(path);
}

int
maildir_delete(struct gd_mail_store *gstore, const char *name,
    struct gd_mail_error *err)
{
	struct maildir_store *store = (struct maildir_store *)gstore;
	struct gd_pool *pool = gd_pool_create("maildir-delete");
	char *dir = maildir_box_dir(store, pool, name), tmp[PATH_MAX];
	uint64_t bytes = 0, count = 0;
	struct stat sb;
	int ret = -1;

	if (stat(dir, &sb) < 0) {
		if (maildir_has_children(store, name))
			gd_mail_error_set(err, GD_MAIL_ERR_NOPERM,
			    "%s is a placeholder with children", name);
		else
			gd_mail_error_set(err, GD_MAIL_ERR_NOTFOUND,
			    "no mailbox %s", name);
		goto out;
	}
	if (folder_scratch(store, "delete", tmp, sizeof(tmp)) < 0 ||
	    rename(dir, tmp) < 0) {
		gd_mail_error_errno(err, "delete %s", dir);
		goto out;
	}
	folder_remove_tree(tmp, &bytes, &count);
	if (count > 0)
		maildir_quota_add(gstore->root, -(int64_t)bytes,
		    -(int64_t)count);
	ret = gd_mail_fsync_dir(gstore->config, gstore->root, err);
out:
	gd_pool_destroy(&pool);
	return ret;
}

/*
 * INBOX: its messages move into a new folder `to` (which then finds
 * them on its first sync); INBOX stays, empty, with its children.
 */
static int
folder_rename_inbox(struct maildir_store *store, const char *to,
    struct gd_mail_error *err)
{
	static const char *const subs[] = { "new", "cur" };
	struct gd_pool *pool = gd_pool_create("maildir-rename");
	char *dir = maildir_box_dir(store, pool, to), from[PATH_MAX];
	char dest[PATH_MAX];
	struct dirent *d;
	unsigned k;
	DIR *dp;
	int ret = maildir_create(&store->base, to, err);

	snprintf(from, sizeof(from), "%s/%s", store->base.root,
	    MAILDIR_KEYWORDS_FILE);
	snprintf(dest, sizeof(dest), "%s/%s", dir, MAILDIR_KEYWORDS_FILE);
	if (ret == 0 && link(from, dest) < 0 && errno != ENOENT)
		ret = -1;
	for (k = 0; k < 2 && ret == 0; k++) {
		snprintf(from, sizeof(from), "%s/%s", store->base.root,
		    subs[k]);
		if ((dp = opendir(from)) == NULL)
			continue;
		while ((d = readdir(dp)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(from, sizeof(from), "%s/%s/%s",
			    store->base.root, subs[k], d->d_name);
			snprintf(dest, sizeof(dest), "%s/%s/%s", dir, subs[k],
			    d->d_name);
			rename(from, dest);	/* gone meanwhile: fine */
		}
		closedir(dp);
		snprintf(from, sizeof(from), "%s/%s", store->base.root,
		    subs[k]);
		gd_mail_fsync_dir(store->base.config, from, NULL);
		snprintf(dest, sizeof(dest), "%s/%s", dir, subs[k]);
		gd_mail_fsync_dir(store->base.config, dest, NULL);
	}
	gd_pool_destroy(&pool);
	return ret;
}

int
maildir_rename(struct gd_mail_store *gstore, const char *from,
    const char *to, struct gd_mail_error *err)
{
	struct maildir_store *store = (struct maildir_store *)gstore;
	struct gd_pool *pool;
	struct folder_names kids = { 0 };
	char *efrom, *eto, a[PATH_MAX], b[PATH_MAX];
	struct stat sb;
	size_t i;
	int ret = -1;
	bool self;

	if (gd_mail_name_is_inbox(from))
		return folder_rename_inbox(store, to, err);
	pool = gd_pool_create("maildir-rename");
	efrom = folder_encode(pool, from);
	eto = folder_encode(pool, to);
	snprintf(a, sizeof(a), "%s/%s", gstore->root, efrom);
	snprintf(b, sizeof(b), "%s/%s", gstore->root, eto);
	self = stat(a, &sb) == 0;
	folder_children(store, pool, efrom, &kids);
	if (!self && kids.n == 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTFOUND, "no mailbox %s",
		    from);
		goto out;
	}
	if (stat(b, &sb) == 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXISTS, "%s exists", to);
		goto out;
	}
	for (i = 0; i < kids.n; i++) {
		snprintf(b, sizeof(b), "%s/%s%s", gstore->root, eto,
		    kids.v[i] + strlen(efrom));
		if (stat(b, &sb) == 0) {
			gd_mail_error_set(err, GD_MAIL_ERR_EXISTS,
			    "%s exists", b);
			goto out;
		}
	}
	snprintf(b, sizeof(b), "%s/%s", gstore->root, eto);
	if (self && rename(a, b) < 0) {
		gd_mail_error_errno(err, "rename %s", a);
		goto out;
	}
	for (i = 0; i < kids.n; i++) {
		snprintf(a, sizeof(a), "%s/%s", gstore->root, kids.v[i]);
		snprintf(b, sizeof(b), "%s/%s%s", gstore->root, eto,
		    kids.v[i] + strlen(efrom));
		if (rename(a, b) < 0) {
			gd_mail_error_errno(err, "rename %s", a);
			goto out;
		}
	}
	ret = gd_mail_fsync_dir(gstore->config, gstore->root, err);
out:
	free(kids.v);
	gd_pool_destroy(&pool);
	return ret;
}
