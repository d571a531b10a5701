/*
 * list.c — LIST for every backend: the backend reports its mailboxes and
 * placeholders; here they are completed with implied parents, sorted
 * (INBOX first), given HASCHILDREN / HASNOCHILDREN, SUBSCRIBED,
 * NONEXISTENT and special-use attributes, and matched against the
 * patterns.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gumdrop/pool.h>

#include "mailbox-private.h"

/* Bound on what one store may list (protects memory against a tree of
 * millions of folders). */
#define MAIL_LIST_MAX	100000

struct mail_list {
	struct mail_nameset all;	/* every name with its attributes */
	struct gd_mail_error *err;
	bool overflow;
};

static int
mail_list_raw(void *arg, const char *name, unsigned attrs)
{
	struct mail_list *l = arg;
	ssize_t i;

	if (gd_mail_name_check(name, NULL) < 0)
		return 0;	/* the backend's business; never shown */
	name = mail_name_canonical(name);
	if ((i = mail_nameset_find(&l->all, name)) >= 0) {
		/* A real mailbox wins over a placeholder report. */
		if ((l->all.attrs[i] & GD_MAIL_LIST_NOSELECT) == 0 ||
		    (attrs & GD_MAIL_LIST_NOSELECT) != 0)
			return 0;
		l->all.attrs[i] = attrs;
		return 0;
	}
	if (l->all.count >= MAIL_LIST_MAX) {
		l->overflow = true;
		return -1;
	}
	mail_nameset_put(&l->all, name, attrs);
	return 0;
}

/* Add a NOSELECT entry for every parent level nobody reported. */
static void
mail_list_add_parents(struct mail_nameset *all)
{
	char buf[GD_MAIL_NAME_MAX + 1], *slash, **names;
	size_t i, n = all->count;

	/* Insertions shift the set: walk a copy of the reported names. */
	names = gd_pool_alloc(all->pool, (n + 1) * sizeof(*names));
	memcpy(names, all->names, n * sizeof(*names));
	for (i = 0; i < n; i++) {
		strcpy(buf, names[i]);
		while ((slash = strrchr(buf, GD_MAIL_DELIM)) != NULL) {
			*slash = '\0';
			if (mail_nameset_find(all, buf) >= 0)
				break;
			mail_nameset_put(all, buf, GD_MAIL_LIST_NOSELECT);
		}
	}
}

static bool
mail_list_has_children(const struct mail_nameset *all, const char *name)
{
	char prefix[GD_MAIL_NAME_MAX + 2];
	size_t len = strlen(name), i;

	memcpy(prefix, name, len);
	prefix[len] = GD_MAIL_DELIM;
	prefix[len + 1] = '\0';
	i = mail_nameset_lower_bound(all, prefix);
	return i < all->count && strncmp(all->names[i], prefix, len + 1) == 0;
}

/* Children attributes, subscriptions and special use on every entry. */
static void
mail_list_decorate(struct mail_nameset *all, const struct mail_nameset *subs,
    const struct mail_nameset *special)
{
	ssize_t k;
	size_t i;

	for (i = 0; i < all->count; i++) {
		if ((all->attrs[i] & GD_MAIL_LIST_NOINFERIORS) == 0)
			all->attrs[i] |= mail_list_has_children(all,
			    all->names[i]) ? GD_MAIL_LIST_HASCHILDREN :
			    GD_MAIL_LIST_HASNOCHILDREN;
		if (mail_nameset_find(subs, all->names[i]) >= 0)
			all->attrs[i] |= GD_MAIL_LIST_SUBSCRIBED;
		k = mail_nameset_find(special, all->names[i]);
		if (k >= 0 && (all->attrs[i] & GD_MAIL_LIST_NOSELECT) == 0)
			all->attrs[i] |= special->attrs[k] &
			    GD_MAIL_LIST_SPECIAL_USE_MASK;
	}
}

/* Subscribed names that are gone are listed as NONEXISTENT. */
static void
mail_list_add_gone(struct mail_nameset *all, const struct mail_nameset *subs)
{
	size_t i;

	for (i = 0; i < subs->count; i++) {
		if (mail_nameset_find(all, subs->names[i]) >= 0)
			continue;
		mail_nameset_put(all, subs->names[i], GD_MAIL_LIST_NONEXISTENT |
		    GD_MAIL_LIST_NOSELECT | GD_MAIL_LIST_SUBSCRIBED |
		    GD_MAIL_LIST_HASNOCHILDREN);
	}
}

static bool
mail_list_wanted(const char *name, unsigned attrs,
    const char *const *patterns, unsigned flags)
{
	size_t i;

	if ((flags & GD_MAIL_LIST_ONLY_SUBSCRIBED) &&
	    (attrs & GD_MAIL_LIST_SUBSCRIBED) == 0)
		return false;
	if ((flags & GD_MAIL_LIST_ONLY_SPECIAL_USE) &&
	    (attrs & GD_MAIL_LIST_SPECIAL_USE_MASK) == 0)
		return false;
	if ((attrs & GD_MAIL_LIST_NONEXISTENT) &&
	    (flags & GD_MAIL_LIST_ONLY_SUBSCRIBED) == 0)
		return false;
	if (patterns == NULL)
		return true;
	for (i = 0; patterns[i] != NULL; i++)
		if (gd_mail_pattern_match(patterns[i], name))
			return true;
	return false;
}

/* INBOX first, then the others in strcmp order (the set's order). */
static int
mail_list_emit(const struct mail_nameset *all, const char *const *patterns,
    unsigned flags, gd_mail_list_fn *fn, void *arg)
{
	struct gd_mail_list_entry e;
	ssize_t inbox = mail_nameset_find(all, "INBOX");
	size_t i;

	if (inbox >= 0 && mail_list_wanted("INBOX", all->attrs[inbox],
	    patterns, flags)) {
		e.name = "INBOX";
		e.attrs = all->attrs[inbox];
		if (fn(arg, &e) < 0)
			return 0;
	}
	for (i = 0; i < all->count; i++) {
		if ((ssize_t)i == inbox || !mail_list_wanted(all->names[i],
		    all->attrs[i], patterns, flags))
			continue;
		e.name = all->names[i];
		e.attrs = all->attrs[i];
		if (fn(arg, &e) < 0)
			break;
	}
	return 0;
}

static int
mail_list_collect(struct gd_mail_store *store, struct mail_list *l,
    struct mail_nameset *subs, struct mail_nameset *special)
{
	struct gd_mail_error *err = l->err;

	l->all.pool = gd_pool_create("mail-list");
	if (store->backend->list(store, mail_list_raw, l, err) < 0 &&
	    !l->overflow)
		return -1;
	if (l->overflow) {
		gd_mail_error_set(err, GD_MAIL_ERR_LIMIT,
		    "more than %d mailboxes", MAIL_LIST_MAX);
		return -1;
	}
	if (mail_nameset_find(&l->all, "INBOX") < 0)
		mail_nameset_put(&l->all, "INBOX", 0);
	mail_list_add_parents(&l->all);
	if (mail_nameset_load(store, MAIL_SUBSCRIPTIONS_FILE, subs, err) < 0)
		return -1;
	if (mail_special_use_load(store, special, err) < 0) {
		mail_nameset_free(subs);
		return -1;
	}
	return 0;
}

int
gd_mail_store_list(struct gd_mail_store *store, const char *const *patterns,
    unsigned flags, gd_mail_list_fn *fn, void *arg,
    struct gd_mail_error *err)
{
	struct mail_nameset subs, special;
	struct mail_list l = { .err = err };
	int ret;

	MAIL_ASSERT_BLOCKING();
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	gd_mail_error_clear(err);
	if (mail_list_collect(store, &l, &subs, &special) < 0) {
		mail_nameset_free(&l.all);
		return -1;
	}
	mail_list_decorate(&l.all, &subs, &special);
	if (flags & GD_MAIL_LIST_ONLY_SUBSCRIBED)
		mail_list_add_gone(&l.all, &subs);
	ret = mail_list_emit(&l.all, patterns, flags, fn, arg);
	mail_nameset_free(&subs);
	mail_nameset_free(&special);
	mail_nameset_free(&l.all);
	return ret;
}
