/*
 * names.c — the layer's own files in a store's control directory: the
 * subscriptions and the special-use attributes recorded by CREATE (USE).
 * Each is a small text file of "NAME" or "NAME<TAB>ATTR" lines, sorted,
 * replaced atomically on every change.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/pool.h>

#include "mailbox-private.h"

#define MAIL_NAMESET_FILE_MAX	(4 << 20)

static int
mail_nameset_cmp(const char *a, const char *b)
{
	return strcmp(a, b);
}

ssize_t
mail_nameset_find(const struct mail_nameset *set, const char *name)
{
	size_t lo = 0, hi = set->count, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = mail_nameset_cmp(set->names[mid], name);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

size_t
mail_nameset_lower_bound(const struct mail_nameset *set, const char *name)
{
	size_t lo = 0, hi = set->count, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (mail_nameset_cmp(set->names[mid], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
mail_nameset_grow(struct mail_nameset *set)
{
	size_t cap = set->cap == 0 ? 16 : set->cap * 2;
	char **names = gd_pool_alloc(set->pool, cap * sizeof(*names));
	unsigned *attrs = gd_pool_alloc(set->pool, cap * sizeof(*attrs));

	if (set->count > 0) {
		memcpy(names, set->names, set->count * sizeof(*names));
		memcpy(attrs, set->attrs, set->count * sizeof(*attrs));
	}
	set->names = names;
	set->attrs = attrs;
	set->cap = cap;
}

void
mail_nameset_put(struct mail_nameset *set, const char *name, unsigned attr)
{
	ssize_t found = mail_nameset_find(set, name);
	size_t at;

	if (found >= 0) {
		set->attrs[found] = attr;
		return;
	}
	if (set->count == set->cap)
		mail_nameset_grow(set);
	at = mail_nameset_lower_bound(set, name);
	memmove(set->names + at + 1, set->names + at,
	    (set->count - at) * sizeof(*set->names));
	memmove(set->attrs + at + 1, set->attrs + at,
	    (set->count - at) * sizeof(*set->attrs));
	set->names[at] = gd_pool_strdup(set->pool, name);
	set->attrs[at] = attr;
	set->count++;
}

static bool
mail_name_is_under(const char *name, const char *parent, size_t plen)
{
	return strncmp(name, parent, plen) == 0 &&
	    name[plen] == GD_MAIL_DELIM;
}

bool
mail_nameset_remove(struct mail_nameset *set, const char *name,
    bool children)
{
	size_t i, o = 0, plen = strlen(name);
	bool removed = false;

	for (i = 0; i < set->count; i++) {
		if (strcmp(set->names[i], name) == 0 || (children &&
		    mail_name_is_under(set->names[i], name, plen))) {
			removed = true;
			continue;
		}
		set->names[o] = set->names[i];
		set->attrs[o++] = set->attrs[i];
	}
	set->count = o;
	return removed;
}

void
mail_nameset_free(struct mail_nameset *set)
{
	gd_pool_destroy(&set->pool);
	memset(set, 0, sizeof(*set));
}

static void
mail_nameset_parse_line(struct mail_nameset *set, char *line)
{
	char *tab = strchr(line, '\t');
	unsigned attr = 0;

	if (tab != NULL) {
		*tab = '\0';
		attr = (unsigned)strtoul(tab + 1, NULL, 10);
	}
	/* A damaged line is dropped, not trusted. */
	if (gd_mail_name_check(line, NULL) == 0)
		mail_nameset_put(set, line, attr);
}

static int
mail_nameset_read(FILE *f, struct mail_nameset *set,
    struct gd_mail_error *err)
{
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0) {
		total += (size_t)n;
		if (total > MAIL_NAMESET_FILE_MAX) {
			gd_mail_error_set(err, GD_MAIL_ERR_CORRUPT,
			    "name list larger than %d bytes",
			    MAIL_NAMESET_FILE_MAX);
			free(line);
			return -1;
		}
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		mail_nameset_parse_line(set, line);
	}
	free(line);
	return 0;
}

int
mail_nameset_load(struct gd_mail_store *store, const char *file,
    struct mail_nameset *set, struct gd_mail_error *err)
{
	char *path;
	FILE *f;
	int ret;

	memset(set, 0, sizeof(*set));
	set->pool = gd_pool_create("mail-nameset");
	path = gd_pool_printf(set->pool, "%s/%s", store->control_dir, file);
	f = fopen(path, "re");
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		gd_mail_error_errno(err, "open %s", path);
		mail_nameset_free(set);
		return -1;
	}
	ret = mail_nameset_read(f, set, err);
	fclose(f);
	if (ret < 0)
		mail_nameset_free(set);
	return ret;
}

int
mail_nameset_save(struct gd_mail_store *store, const char *file,
    const struct mail_nameset *set, struct gd_mail_error *err)
{
	char *text = NULL, *path;
	size_t len = 0, i;
	FILE *m;
	int ret;

	if ((m = open_memstream(&text, &len)) == NULL)
		gd_fatal("open_memstream: out of memory");
	for (i = 0; i < set->count; i++) {
		if (set->attrs[i] != 0)
			fprintf(m, "%s\t%u\n", set->names[i], set->attrs[i]);
		else
			fprintf(m, "%s\n", set->names[i]);
	}
	fclose(m);
	path = gd_xasprintf("%s/%s", store->control_dir, file);
	ret = gd_mail_write_file_atomic(store->config, path, text, len, err);
	free(path);
	free(text);
	return ret;
}
