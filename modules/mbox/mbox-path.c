/*
 * mbox-path.c — where a mailbox lives: its mbox file, the directory of
 * its children, and our files beside it.  Each name component is
 * encoded with the seed's codec, so no name can reach outside the root
 * or collide with our hidden files (the codec never yields a leading
 * ".").
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mbox-private.h"

/* "A/B/C" -> "ENC(A)/ENC(B)" in *dir_r and "ENC(C)" in *leaf_r. */
static void
mbox_paths_encode(struct gd_pool *pool, const char *name, char **dir_r,
    char **leaf_r)
{
	const char *p = name, *slash;
	char *dir = gd_pool_strdup(pool, ""), *comp;

	for (;;) {
		slash = strchr(p, GD_MAIL_DELIM);
		comp = gd_pool_strndup(pool, p, slash != NULL ?
		    (size_t)(slash - p) : strlen(p));
		comp = gd_mail_name_encode(pool, comp, NULL);
		if (slash == NULL) {
			*leaf_r = comp;
			break;
		}
		dir = gd_pool_printf(pool, "%s/%s", dir, comp);
		p = slash + 1;
	}
	*dir_r = dir;
}

int
mbox_paths_make(struct mbox_store *st, const char *name,
    struct mbox_paths *p, struct gd_mail_error *err)
{
	struct gd_pool *pool = gd_pool_create("mbox-paths");
	char *dir, *leaf;

	memset(p, 0, sizeof(*p));
	if (strlen(name) > GD_MAIL_NAME_MAX) {
		gd_pool_destroy(&pool);
		gd_mail_error_set(err, GD_MAIL_ERR_BADNAME, "name too long");
		return -1;
	}
	mbox_paths_encode(pool, name, &dir, &leaf);
	p->dir = gd_xasprintf("%s%s", st->base.root, dir);
	p->base = gd_xasprintf("%s%s", leaf, st->cfg->ext);
	p->file = gd_xasprintf("%s/%s", p->dir, p->base);
	p->children = gd_xasprintf("%s/%s", p->dir, leaf);
	p->state = gd_xasprintf("%s/.%s%s", p->dir, p->base,
	    MBOX_STATE_SUFFIX);
	p->journal = gd_xasprintf("%s/.%s%s", p->dir, p->base,
	    MBOX_JOURNAL_SUFFIX);
	p->lock = gd_xasprintf("%s.lock", p->file);
	gd_pool_destroy(&pool);
	return 0;
}

void
mbox_paths_free(struct mbox_paths *p)
{
	free(p->file);
	free(p->dir);
	free(p->children);
	free(p->state);
	free(p->journal);
	free(p->lock);
	free(p->base);
	memset(p, 0, sizeof(*p));
}

int
mbox_mkdirs(struct mbox_store *st, const char *dir,
    struct gd_mail_error *err)
{
	char *path = gd_xstrdup(dir), *p;
	int rc = 0;

	(void)st;
	for (p = path; rc == 0 && p != NULL; ) {
		p = strchr(p + 1, '/');
		if (p != NULL)
			*p = '\0';
		if (path[0] != '\0' && mkdir(path, 0700) < 0 &&
		    errno != EEXIST) {
			gd_mail_error_errno(err, "mkdir %s", path);
			rc = -1;
		}
		if (p != NULL)
			*p = '/';
	}
	free(path);
	return rc;
}
