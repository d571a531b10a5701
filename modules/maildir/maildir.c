/*
 * maildir.c — the maildir storage module: publishes service
 * "mail-storage.maildir" 1.0 (mailbox-impl.h).  The on-disk format and
 * the configuration are described in README.md.
 *
 * Module state: the backend's functions receive the service table, and
 * reach the module's data from it (gd_service_module_ctx); no globals.
 * Every configuration generation accepted by reload is kept until fini,
 * because open stores point to theirs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maildir-private.h"

static int maildir_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int maildir_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void maildir_fini(struct gd_module_ctx *ctx);
static struct maildir_config *maildir_config_load(
    const struct gd_config_node *node, const char **error_r);
static void maildir_config_free(struct maildir_config *cfg);
static char *maildir_spool_default(const char *path);
static void maildir_boot_read(void);
static const struct gd_mail_store_config *maildir_store_config(
    const struct gd_mail_backend *backend);

static const struct gd_config_key maildir_keys[] = {
	GD_MAIL_STORE_CONFIG_KEYS,
	{ "spool-dir", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "delivery spool; same file system as the mail (default: "
	    ".gumdrop-spool beside the users' folders)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_mail_backend maildir_backend = {
	.size = sizeof(struct gd_mail_backend),
	.name = "maildir",
	.store_open = maildir_store_open,
	.store_close = maildir_store_close,
	.list = maildir_list,
	.create = maildir_create,
	.delete = maildir_delete,
	.rename = maildir_rename,
	.status = NULL,		/* the layer opens read-only and counts */
	.quota_usage = maildir_quota_usage,
	.append_start = maildir_append_start,
	.append_write = maildir_append_write,
	.append_end = maildir_append_end,
	.append_abort = maildir_append_abort,
	.append_file = maildir_append_file,
	.spool_dir = maildir_spool_dir,
	.mailbox_open = maildir_mailbox_open,
	.mailbox_close = maildir_mailbox_close,
	.sync = maildir_sync,
	.set_flags = maildir_set_flags,
	.expunge = maildir_expunge,
	.copy = maildir_copy,
	.search = NULL,		/* the layer's parse-based search */
	.content_open = maildir_content_open,
	.notify_start = maildir_notify_start,
	.notify_stop = maildir_notify_stop,
	.store_config = maildir_store_config,
	.internal_date = maildir_internal_date,
};

static const struct gd_service_decl maildir_services[] = {
	{ GD_MAIL_STORAGE_SERVICE_PREFIX "maildir", GD_MAIL_STORAGE_MAJOR,
	    GD_MAIL_STORAGE_MINOR, &maildir_backend },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "maildir",
	.version = "1.0.0",
	.description = "Maildir++ mail storage (Dovecot-compatible)",
	.license = "MIT",
	.config_keys = maildir_keys,
	.services = maildir_services,
	.init = maildir_init,
	.reload = maildir_reload,
	.fini = maildir_fini,
};

struct maildir_module *
maildir_module_get(const struct gd_mail_backend *backend)
{
	return gd_module_ctx_get_data(gd_service_module_ctx(backend));
}

/* The configuration for new stores: the latest one the core adopted. */
const struct maildir_config *
maildir_config_current(const struct gd_mail_backend *backend)
{
	struct maildir_module *mod = maildir_module_get(backend);
	const struct maildir_config *cfg;

	if (mod == NULL)
		return NULL;
	pthread_mutex_lock(&mod->lock);
	if (mod->pending != NULL && mod->ctx != NULL &&
	    gd_module_ctx_config(mod->ctx) == mod->pending_node) {
		mod->config = mod->pending;
		mod->pending = NULL;
	}
	cfg = mod->config;
	pthread_mutex_unlock(&mod->lock);
	return cfg;
}

static const struct gd_mail_store_config *
maildir_store_config(const struct gd_mail_backend *backend)
{
	const struct maildir_config *cfg = maildir_config_current(backend);

	return cfg != NULL ? &cfg->store : NULL;
}

/* The spool beside the users' folders: the template's fixed leading
 * directories + "/.gumdrop-spool" (user names cannot start with "."). */
static char *
maildir_spool_default(const char *path)
{
	const char *pct = strchr(path, '%');
	const char *slash;

	if (pct == NULL)
		return gd_xasprintf("%s/tmp", path);	/* one user's root */
	slash = pct;
	while (slash > path && slash[-1] != '/')
		slash--;
	if (slash == path)
		return gd_xstrdup(".gumdrop-spool");
	return gd_xasprintf("%.*s.gumdrop-spool", (int)(slash - path), path);
}

static struct maildir_config *
maildir_config_load(const struct gd_config_node *node, const char **error_r)
{
	struct gd_mail_store_config parsed;
	struct gd_mail_special_folder *special;
	struct maildir_config *cfg;
	const char *spool = NULL;
	unsigned i;

	if (gd_mail_store_config_parse(node, &parsed, error_r) < 0 ||
	    (node != NULL && gd_config_get_string(node, "spool-dir", NULL,
	    &spool, error_r) < 0))
		return NULL;
	if (parsed.path == NULL) {
		*error_r = "maildir: 'path' is required (e.g. "
		    "/var/mail/%u/Maildir)";
		return NULL;
	}
	cfg = gd_xcalloc(1, sizeof(*cfg));
	cfg->store = parsed;
	cfg->store.path = gd_xstrdup(parsed.path);
	special = gd_xcalloc(parsed.special_count + 1, sizeof(*special));
	for (i = 0; i < parsed.special_count; i++) {
		special[i].name = gd_xstrdup(parsed.special[i].name);
		special[i].attr = parsed.special[i].attr;
	}
	cfg->store.special = special;
	cfg->spool_dir = spool != NULL ? gd_xstrdup(spool) :
	    maildir_spool_default(parsed.path);
	return cfg;
}

static void
maildir_config_free(struct maildir_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->store.special_count; i++)
		free((char *)cfg->store.special[i].name);
	free((void *)cfg->store.special);
	free((char *)cfg->store.path);
	free(cfg->spool_dir);
	free(cfg);
}

static int
maildir_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct maildir_module *mod;
	struct maildir_config *cfg;
	char host[256];

	cfg = maildir_config_load(config, error_r);
	if (cfg == NULL)
		return -1;
	/* Best effort: without a spool, deliveries use $TMPDIR and copy. */
	(void)maildir_mkdirs(cfg->spool_dir, NULL);
	mod = gd_xcalloc(1, sizeof(*mod));
	pthread_mutex_init(&mod->lock, NULL);
	mod->ctx = ctx;
	mod->config = mod->all = cfg;
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	maildir_host_escape(host, mod->host, sizeof(mod->host));
	gd_module_ctx_set_data(ctx, mod);
	return 0;
}

static int
maildir_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct maildir_module *mod = gd_module_ctx_get_data(ctx);
	struct maildir_config *cfg;

	cfg = maildir_config_load(config, error_r);
	if (cfg == NULL)
		return -1;
	pthread_mutex_lock(&mod->lock);
	cfg->next = mod->all;
	mod->all = cfg;
	mod->pending = cfg;
	mod->pending_node = config;
	pthread_mutex_unlock(&mod->lock);
	return 0;
}

static void
maildir_fini(struct gd_module_ctx *ctx)
{
	struct maildir_module *mod = gd_module_ctx_get_data(ctx);
	struct maildir_config *cfg, *next;

	if (mod == NULL)
		return;
	for (cfg = mod->all; cfg != NULL; cfg = next) {
		next = cfg->next;
		maildir_config_free(cfg);
	}
	pthread_mutex_destroy(&mod->lock);
	free(mod);
	gd_module_ctx_set_data(ctx, NULL);
}

/* ---- small helpers ------------------------------------------------------ */

static pthread_once_t maildir_boot_once = PTHREAD_ONCE_INIT;
static uint8_t maildir_boot[16];

static void
maildir_boot_read(void)
{
	char text[64];
	unsigned i, n = 0, v;
	ssize_t len;
	int fd;

	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return;
	text[len] = '\0';
	for (i = 0; text[i] != '\0' && n < 32; i++) {
		if (sscanf(text + i, "%1x", &v) != 1)
			continue;
		maildir_boot[n / 2] |= (uint8_t)(v << ((n % 2) ? 0 : 4));
		n++;
	}
}

void
maildir_boot_id(uint8_t out[16])
{
	pthread_once(&maildir_boot_once, maildir_boot_read);
	memcpy(out, maildir_boot, 16);
}

int64_t
maildir_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
maildir_fsync(const struct gd_mail_store_config *cfg, int fd,
    const char *what, struct gd_mail_error *err)
{
	if (!cfg->fsync || fsync(fd) == 0)
		return 0;
	gd_mail_error_errno(err, "fsync %s", what);
	return -1;
}
