/*
 * special.c — special-use attributes (RFC 6154) and subscriptions.
 *
 * The configured special-use folders (Sent, Drafts, ...) carry their
 * attribute by name; folders created with CREATE (USE (...)) have theirs
 * recorded in the store's gumdrop-special-use file, which follows renames
 * and deletes.  Subscriptions live in gumdrop-subscriptions.  Folders
 * made together (a new store's, IMAP's at login) share one directory
 * sync and one save of each file.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/log.h>
#include <gumdrop/pool.h>

#include "mailbox-private.h"

int
mail_special_use_load(struct gd_mail_store *store, struct mail_nameset *set,
    struct gd_mail_error *err)
{
	const struct gd_mail_store_config *cfg = store->config;
	unsigned i;

	if (mail_nameset_load(store, MAIL_SPECIAL_USE_FILE, set, err) < 0)
		return -1;
	for (i = 0; i < cfg->special_count; i++)
		if (mail_nameset_find(set, cfg->special[i].name) < 0)
			mail_nameset_put(set, cfg->special[i].name,
			    cfg->special[i].attr);
	return 0;
}

int
mail_special_use_set(struct gd_mail_store *store, const char *name,
    unsigned attr, struct gd_mail_error *err)
{
	struct mail_nameset set;
	bool changed;
	int ret = 0;

	if (mail_nameset_load(store, MAIL_SPECIAL_USE_FILE, &set, err) < 0)
		return -1;
	if (attr != 0) {
		mail_nameset_put(&set, name, attr);
		changed = true;
	} else
		changed = mail_nameset_remove(&set, name, false);
	if (changed)
		ret = mail_nameset_save(store, MAIL_SPECIAL_USE_FILE, &set, err);
	mail_nameset_free(&set);
	return ret;
}

/* Move "from" and "from/..." records to "to" and "to/...". */
int
mail_special_use_rename(struct gd_mail_store *store, const char *from,
    const char *to, struct gd_mail_error *err)
{
	struct mail_nameset set, moved = { 0 };
	size_t i, flen = strlen(from);
	int ret = 0;

	if (mail_nameset_load(store, MAIL_SPECIAL_USE_FILE, &set, err) < 0)
		return -1;
	moved.pool = set.pool;
	for (i = 0; i < set.count; i++) {
		const char *n = set.names[i];

		if (strncmp(n, from, flen) == 0 &&
		    (n[flen] == '\0' || n[flen] == GD_MAIL_DELIM))
			mail_nameset_put(&moved, gd_pool_printf(set.pool,
			    "%s%s", to, n + flen), set.attrs[i]);
	}
	if (moved.count > 0) {
		mail_nameset_remove(&set, from, true);
		for (i = 0; i < moved.count; i++)
			mail_nameset_put(&set, moved.names[i], moved.attrs[i]);
		ret = mail_nameset_save(store, MAIL_SPECIAL_USE_FILE, &set,
		    err);
	}
	mail_nameset_free(&set);
	return ret;
}

/* Create the folders that are missing (defer_sync set by the caller);
 * with `set`, their attributes go into it.  The number made, or -1. */
static int
mail_special_make(struct gd_mail_store *store,
    const struct gd_mail_special_folder *folders, size_t n,
    struct mail_nameset *set, struct gd_mail_error *err)
{
	struct gd_mail_error e;
	const char *name;
	int made = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((name = mail_store_name(store, folders[i].name, err)) ==
		    NULL)
			return -1;
		if ((folders[i].attr & ~GD_MAIL_LIST_SPECIAL_USE_MASK) != 0) {
			gd_mail_error_set(err, GD_MAIL_ERR_NOTSUPP,
			    "not a special-use attribute");
			return -1;
		}
		if (gd_mail_name_is_inbox(name))
			continue;
		if (store->backend->create(store, name, &e) < 0) {
			if (e.code == GD_MAIL_ERR_EXISTS)
				continue;
			*err = e;
			return -1;
		}
		made++;
		if (set != NULL && folders[i].attr != 0)
			mail_nameset_put(set, name, folders[i].attr);
	}
	return made;
}

/*
 * The folders, with one directory sync: the backend's create leaves its
 * own out (defer_sync); saving the special-use record (`record`) syncs
 * control_dir, and the root is synced here unless that was the same.
 */
static int
mail_special_create(struct gd_mail_store *store,
    const struct gd_mail_special_folder *folders, size_t n, bool record,
    struct gd_mail_error *err)
{
	struct mail_nameset set;
	bool synced = false;
	int made;

	if (record && mail_nameset_load(store, MAIL_SPECIAL_USE_FILE, &set,
	    err) < 0)
		return -1;
	store->defer_sync = true;
	made = mail_special_make(store, folders, n, record ? &set : NULL, err);
	store->defer_sync = false;
	if (made > 0 && record) {
		if (mail_nameset_save(store, MAIL_SPECIAL_USE_FILE, &set,
		    err) < 0)
			made = -1;
		synced = strcmp(store->root, store->control_dir) == 0;
	}
	if (record)
		mail_nameset_free(&set);
	if (made != 0 && !synced &&
	    gd_mail_fsync_dir(store->config, store->root, err) < 0)
		made = -1;
	return made;
}

int
gd_mail_store_create_special(struct gd_mail_store *store,
    const struct gd_mail_special_folder *folders, size_t n,
    struct gd_mail_error *err)
{
	MAIL_ASSERT_BLOCKING();
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	gd_mail_error_clear(err);
	return mail_special_create(store, folders, n, true, err);
}

/* Subscribe to all of them: one save of the subscriptions file. */
static int
mail_special_subscribe_all(struct gd_mail_store *store,
    struct gd_mail_error *err)
{
	const struct gd_mail_store_config *cfg = store->config;
	struct mail_nameset set;
	unsigned i;
	int ret;

	if (mail_nameset_load(store, MAIL_SUBSCRIPTIONS_FILE, &set, err) < 0)
		return -1;
	for (i = 0; i < cfg->special_count; i++)
		if (mail_nameset_find(&set, cfg->special[i].name) < 0)
			mail_nameset_put(&set, cfg->special[i].name, 0);
	ret = mail_nameset_save(store, MAIL_SUBSCRIPTIONS_FILE, &set, err);
	mail_nameset_free(&set);
	return ret;
}

/* A new store's configured folders (their attributes come from the
 * configuration by name: nothing recorded), subscribed. */
int
mail_special_create_all(struct gd_mail_store *store,
    struct gd_mail_error *err)
{
	const struct gd_mail_store_config *cfg = store->config;
	char user[128];

	if (!cfg->create_special_use || cfg->special_count == 0)
		return 0;
	if (mail_special_create(store, cfg->special, cfg->special_count,
	    false, err) < 0 || mail_special_subscribe_all(store, err) < 0)
		return -1;
	gd_log(GD_LOG_INFO, "mail.store.created", "user=%s folders=%u",
	    gd_log_quote(user, sizeof(user), store->user.name),
	    cfg->special_count);
	return 0;
}

int
gd_mail_store_subscribe(struct gd_mail_store *store, const char *name,
    bool subscribe, struct gd_mail_error *err)
{
	struct mail_nameset set;
	bool changed = true;
	int ret = 0;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if ((name = mail_store_name(store, name, err)) == NULL)
		return -1;
	if (mail_nameset_load(store, MAIL_SUBSCRIPTIONS_FILE, &set, err) < 0)
		return -1;
	if (subscribe && mail_nameset_find(&set, name) < 0)
		mail_nameset_put(&set, name, 0);
	else if (!subscribe)
		changed = mail_nameset_remove(&set, name, false);
	else
		changed = false;
	if (changed)
		ret = mail_nameset_save(store, MAIL_SUBSCRIPTIONS_FILE, &set,
		    err);
	mail_nameset_free(&set);
	return ret;
}
