/*
 * special.c — special-use attributes (RFC 6154) and subscriptions.
 *
 * The configured special-use folders (Sent, Drafts, ...) carry their
 * attribute by name; folders created with CREATE (USE (...)) have theirs
 * recorded in the store's gumdrop-special-use file, which follows renames
 * and deletes.  Subscriptions live in gumdrop-subscriptions.
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

int
mail_special_create_all(struct gd_mail_store *store,
    struct gd_mail_error *err)
{
	const struct gd_mail_store_config *cfg = store->config;
	struct gd_mail_error e;
	char user[128];
	unsigned i;

	if (!cfg->create_special_use)
		return 0;
	for (i = 0; i < cfg->special_count; i++) {
		const char *name = cfg->special[i].name;

		if (store->backend->create(store, name, &e) < 0 &&
		    e.code != GD_MAIL_ERR_EXISTS) {
			*err = e;
			return -1;
		}
		if (gd_mail_store_subscribe(store, name, true, err) < 0)
			return -1;
	}
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
