/*
 * mbox-module.c — the mbox storage backend's descriptor, configuration
 * and service table ("mail-storage.mbox" 1.0).
 *
 *   mbox:
 *     path: "/var/mail/%u"          # per-user root (required)
 *     extension: ".mbox"            # INBOX is ROOT/INBOX.mbox
 *     locking: [dotlock, fcntl]     # as mutt and procmail
 *     lock-timeout: 30s
 *     dotlock-stale: 10m
 *     # ... and the keys every backend shares (mailbox-impl.h)
 *
 * The configuration is copied out of the config tree at init and kept as
 * the module's data; the backend's functions reach it from their service
 * table (gd_service_module_ctx), so the module has no globals.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mbox-private.h"

static int mbox_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int mbox_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void mbox_fini(struct gd_module_ctx *ctx);
static const char *mbox_spool_dir(const struct gd_mail_backend *backend);
static const struct gd_mail_store_config *mbox_store_config(
    const struct gd_mail_backend *backend);

static const struct gd_config_key mbox_keys[] = {
	GD_MAIL_STORE_CONFIG_KEYS,
	{ "extension", GD_CONFIG_KEY_STRING, MBOX_DEFAULT_EXT, 0, 0,
	    "file name extension of mbox files (INBOX is ROOT/INBOX.mbox)" },
	{ "locking", GD_CONFIG_KEY_STRINGS, "dotlock, fcntl", 0, 0,
	    "lock methods used together: dotlock, fcntl" },
	{ "lock-timeout", GD_CONFIG_KEY_DURATION, "30s", 0, 3600000,
	    "longest wait for a locked mbox" },
	{ "dotlock-stale", GD_CONFIG_KEY_DURATION, "10m", 1000, 86400000,
	    "age after which a dotlock is taken as abandoned" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_mail_backend mbox_backend = {
	.size = sizeof(struct gd_mail_backend),
	.name = "mbox",
	.store_open = mbox_store_open,
	.store_close = mbox_store_close,
	.list = mbox_list,
	.create = mbox_create,
	.delete = mbox_delete,
	.rename = mbox_rename,
	.status = NULL,
	.quota_usage = mbox_quota_usage,
	.append_start = mbox_append_start,
	.append_write = mbox_append_write,
	.append_end = mbox_append_end,
	.append_abort = mbox_append_abort,
	.append_file = NULL,
	.spool_dir = mbox_spool_dir,
	.mailbox_open = mbox_mailbox_open,
	.mailbox_close = mbox_mailbox_close,
	.sync = mbox_sync,
	.set_flags = mbox_set_flags,
	.expunge = mbox_expunge,
	.copy = mbox_copy,
	.search = NULL,
	.content_open = mbox_content_open,
	.notify_start = mbox_notify_start,
	.notify_stop = mbox_notify_stop,
	.store_config = mbox_store_config,
};

static const struct gd_service_decl mbox_services[] = {
	{ GD_MAIL_STORAGE_SERVICE_PREFIX "mbox", GD_MAIL_STORAGE_MAJOR,
	    GD_MAIL_STORAGE_MINOR, &mbox_backend },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "mbox",
	.version = "1.0.0",
	.description = "mbox mail storage (mboxrd, dotlock + fcntl)",
	.license = "MIT",
	.config_keys = mbox_keys,
	.services = mbox_services,
	.init = mbox_init,
	.reload = mbox_reload,
	.fini = mbox_fini,
};

const struct mbox_config *
mbox_config_get(const struct gd_mail_backend *backend)
{
	return gd_module_ctx_get_data(gd_service_module_ctx(backend));
}

static bool
mbox_ext_valid(const char *ext)
{
	if (ext[0] != '.' || ext[1] == '\0' || strlen(ext) > 32)
		return false;
	return strspn(ext, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
	    "XYZ0123456789._-") == strlen(ext);
}

static int
mbox_parse_locking(const struct gd_config_node *config, unsigned *locking_r,
    const char **error_r)
{
	const char *const *names;
	size_t i, n;

	if (gd_config_get_strings(config, "locking", &names, &n, error_r) < 0)
		return -1;
	*locking_r = n == 0 ? MBOX_LOCK_DOTLOCK | MBOX_LOCK_FCNTL : 0;
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], "dotlock") == 0)
			*locking_r |= MBOX_LOCK_DOTLOCK;
		else if (strcmp(names[i], "fcntl") == 0)
			*locking_r |= MBOX_LOCK_FCNTL;
		else {
			*error_r = gd_config_error(gd_config_get(config,
			    "locking"), "expected dotlock or fcntl, got '%s'",
			    names[i]);
			return -1;
		}
	}
	return 0;
}

/* Read and check everything; strings still point into the tree. */
static int
mbox_parse(const struct gd_config_node *config, struct mbox_config *c,
    const char **error_r)
{
	memset(c, 0, sizeof(*c));
	if (gd_mail_store_config_parse(config, &c->store, error_r) < 0)
		return -1;
	if (c->store.path == NULL || config == NULL) {
		*error_r = "mbox: the 'path' setting is required";
		return -1;
	}
	if (gd_config_get_string(config, "extension", MBOX_DEFAULT_EXT,
	    &c->ext, error_r) < 0 || mbox_parse_locking(config,
	    &c->locking, error_r) < 0 ||
	    gd_config_get_duration(config, "lock-timeout", 30000, 0, 3600000,
	    &c->lock_timeout_ms, error_r) < 0 ||
	    gd_config_get_duration(config, "dotlock-stale", 600000, 1000,
	    86400000, &c->dotlock_stale_ms, error_r) < 0)
		return -1;
	if (!mbox_ext_valid(c->ext)) {
		*error_r = gd_config_error(gd_config_get(config, "extension"),
		    "expected '.' and letters, digits, '.', '_' or '-', "
		    "got '%s'", c->ext);
		return -1;
	}
	return 0;
}

/* The spool: ".gumdrop-spool" in the directory above the first "%". */
static char *
mbox_spool_make(const char *path)
{
	char *dir = gd_xstrndup(path, strcspn(path, "%")), *slash, *spool;

	slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		return NULL;
	}
	slash[1] = '\0';
	spool = gd_xasprintf("%s.gumdrop-spool", dir);
	free(dir);
	if (mkdir(spool, 0700) < 0 && errno != EEXIST) {
		free(spool);
		return NULL;
	}
	return spool;
}

/* Copy what the config tree owns, so the config outlives reloads. */
static void
mbox_own(struct mbox_config *c)
{
	struct gd_mail_special_folder *sp;
	unsigned i;

	c->store.path = gd_xstrdup(c->store.path);
	c->ext = gd_xstrdup(c->ext);
	sp = gd_xcalloc(c->store.special_count + 1, sizeof(*sp));
	for (i = 0; i < c->store.special_count; i++) {
		sp[i].name = gd_xstrdup(c->store.special[i].name);
		sp[i].attr = c->store.special[i].attr;
	}
	c->store.special = sp;
	c->spool = mbox_spool_make(c->store.path);
}

static int
mbox_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct mbox_config *c;

	c = gd_xcalloc(1, sizeof(*c));
	if (mbox_parse(config, c, error_r) < 0) {
		free(c);
		return -1;
	}
	mbox_own(c);
	gd_module_ctx_set_data(ctx, c);
	return 0;
}

/* Settings take effect at the next start: stores hold the config. */
static int
mbox_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct mbox_config c;

	(void)ctx;
	return mbox_parse(config, &c, error_r);
}

static void
mbox_fini(struct gd_module_ctx *ctx)
{
	struct mbox_config *c = gd_module_ctx_get_data(ctx);
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < c->store.special_count; i++)
		free((char *)c->store.special[i].name);
	free((void *)c->store.special);
	free((char *)c->store.path);
	free((char *)c->ext);
	free((char *)c->spool);
	free(c);
	gd_module_ctx_set_data(ctx, NULL);
}

static const char *
mbox_spool_dir(const struct gd_mail_backend *backend)
{
	const struct mbox_config *c = mbox_config_get(backend);

	return c != NULL ? c->spool : NULL;
}

static const struct gd_mail_store_config *
mbox_store_config(const struct gd_mail_backend *backend)
{
	const struct mbox_config *c = mbox_config_get(backend);

	return c != NULL ? &c->store : NULL;
}
