/*
 * append.c — appending a message: size limit and quota checked around
 * the backend's streaming append.
 */
#include "config.h"

#include <string.h>

#include "mailbox-private.h"

void
gd_mail_append_init(struct gd_mail_append *append,
    struct gd_mail_store *store)
{
	memset(append, 0, sizeof(*append));
	append->magic = GD_MAIL_APPEND_MAGIC;
	append->store = store;
}

static int
mail_size_check(const struct gd_mail_store *store, uint64_t size,
    struct gd_mail_error *err)
{
	uint64_t max = store->config->max_message_size;

	if (max == 0 || size <= max)
		return 0;
	gd_mail_error_set(err, GD_MAIL_ERR_LIMIT,
	    "message larger than %llu bytes", (unsigned long long)max);
	return -1;
}

int
gd_mail_append_start(struct gd_mail_store *store, const char *name,
    const struct gd_mail_append_info *info, struct gd_mail_append **app_r,
    struct gd_mail_error *err)
{
	struct gd_mail_append *app = NULL;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if ((name = mail_store_name(store, name, err)) == NULL ||
	    mail_size_check(store, info->size_hint, err) < 0 ||
	    mail_quota_check(store, info->size_hint, 1, err) < 0)
		return -1;
	if (store->backend->append_start(store, name, info, &app, err) < 0)
		return -1;
	GD_CHECK_MAGIC(app, GD_MAIL_APPEND_MAGIC);
	app->size_limit = store->config->max_message_size;
	store->open_objects++;
	*app_r = app;
	return 0;
}

int
gd_mail_append_write(struct gd_mail_append *app, const void *data,
    size_t len, struct gd_mail_error *err)
{
	GD_CHECK_MAGIC(app, GD_MAIL_APPEND_MAGIC);
	gd_mail_error_clear(err);
	if (mail_size_check(app->store, app->written + len, err) < 0)
		return -1;
	if (app->store->backend->append_write(app, data, len, err) < 0)
		return -1;
	app->written += len;
	return 0;
}

int
gd_mail_append_end(struct gd_mail_append **appp, uint32_t *uidvalidity_r,
    uint32_t *uid_r, struct gd_mail_error *err)
{
	struct gd_mail_append *app = *appp;
	struct gd_mail_store *store;

	MAIL_ASSERT_BLOCKING();
	GD_CHECK_MAGIC(app, GD_MAIL_APPEND_MAGIC);
	gd_mail_error_clear(err);
	store = app->store;
	*appp = NULL;
	store->open_objects--;
	if (mail_quota_check(store, app->written, 1, err) < 0) {
		store->backend->append_abort(app);
		return -1;
	}
	return store->backend->append_end(app, uidvalidity_r, uid_r, err);
}

void
gd_mail_append_abort(struct gd_mail_append **appp)
{
	struct gd_mail_append *app = *appp;

	if (app == NULL)
		return;
	GD_CHECK_MAGIC(app, GD_MAIL_APPEND_MAGIC);
	app->store->open_objects--;
	*appp = NULL;
	app->store->backend->append_abort(app);
}
