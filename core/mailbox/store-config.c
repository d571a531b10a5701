/*
 * store-config.c — the configuration keys every storage backend shares,
 * and the per-user path template.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/config.h>
#include <gumdrop/message.h>
#include <gumdrop/pool.h>

#include "mailbox-private.h"

#define MAIL_USER_NAME_MAX	255

static const struct gd_mail_special_folder mail_default_special[] = {
	{ "Drafts", GD_MAIL_LIST_DRAFTS },
	{ "Sent", GD_MAIL_LIST_SENT },
	{ "Trash", GD_MAIL_LIST_TRASH },
	{ "Junk", GD_MAIL_LIST_JUNK },
	{ "Archive", GD_MAIL_LIST_ARCHIVE },
};

static const struct gd_config_key mail_parser_keys[] = {
	{ "max-header-size", GD_CONFIG_KEY_SIZE, "256K", 1024, 64 << 20,
	    "bytes per header block" },
	{ "max-header-fields", GD_CONFIG_KEY_INT, "1000", 10, 1000000,
	    "fields per header block" },
	{ "max-depth", GD_CONFIG_KEY_INT, "32", 1, 1000,
	    "nested multipart/message levels" },
	{ "max-parts", GD_CONFIG_KEY_INT, "2000", 1, 1000000,
	    "MIME parts per message" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static int
mail_config_parser(const struct gd_config_node *node,
    struct gd_msg_limits *limits, const char **error_r)
{
	int64_t fields, depth, parts;
	uint64_t size;

	gd_msg_limits_default(limits);
	if (node == NULL)
		return 0;
	if (gd_config_validate(node, mail_parser_keys, error_r) < 0 ||
	    gd_config_get_size(node, "max-header-size",
	    limits->max_header_size, 1024, 64 << 20, &size, error_r) < 0 ||
	    gd_config_get_int(node, "max-header-fields",
	    limits->max_header_fields, 10, 1000000, &fields, error_r) < 0 ||
	    gd_config_get_int(node, "max-depth", limits->max_depth, 1, 1000,
	    &depth, error_r) < 0 ||
	    gd_config_get_int(node, "max-parts", limits->max_parts, 1,
	    1000000, &parts, error_r) < 0)
		return -1;
	limits->max_header_size = size;
	limits->max_header_fields = (unsigned)fields;
	limits->max_depth = (unsigned)depth;
	limits->max_parts = (unsigned)parts;
	return 0;
}

static int
mail_config_special(const struct gd_config_node *node,
    struct gd_mail_store_config *cfg, const char **error_r)
{
	struct gd_mail_special_folder *folders;
	struct gd_mail_error err;
	size_t i, n;

	if (node == NULL) {
		cfg->special = mail_default_special;
		cfg->special_count = GD_N_ELEMENTS(mail_default_special);
		return 0;
	}
	if (gd_config_node_type(node) != GD_CONFIG_MAP) {
		*error_r = gd_config_error(node, "expected a map of folder "
		    "name: special use");
		return -1;
	}
	n = gd_config_node_count(node);
	folders = gd_pool_alloc(gd_config_node_pool(node),
	    (n + 1) * sizeof(*folders));
	for (i = 0; i < n; i++) {
		const struct gd_config_node *v = gd_config_node_at(node, i);
		const char *use = gd_config_node_scalar(v);

		folders[i].name = gd_config_node_key(v);
		folders[i].attr = use != NULL ? gd_mail_special_use_parse(use) : 0;
		if (folders[i].attr == 0) {
			*error_r = gd_config_error(v, "expected one of sent, "
			    "drafts, trash, junk, archive, all, flagged");
			return -1;
		}
		if (gd_mail_name_check(folders[i].name, &err) < 0 ||
		    gd_mail_name_is_inbox(folders[i].name)) {
			*error_r = gd_config_error(v, "expected a mailbox "
			    "name other than INBOX");
			return -1;
		}
	}
	cfg->special = folders;
	cfg->special_count = (unsigned)n;
	return 0;
}

static int
mail_config_quota(const struct gd_config_node *node,
    struct gd_mail_store_config *cfg, const char **error_r)
{
	static const char *const modes[] = { "temporary", "permanent", NULL };
	int64_t messages;
	int mode;

	if (gd_config_get_size(node, "quota-storage", 0, 0, UINT64_MAX,
	    &cfg->quota_storage, error_r) < 0 ||
	    gd_config_get_int(node, "quota-messages", 0, 0, INT64_MAX,
	    &messages, error_r) < 0 ||
	    gd_config_get_enum(node, "over-quota", modes, 0, &mode,
	    error_r) < 0)
		return -1;
	cfg->quota_messages = (uint64_t)messages;
	cfg->quota_permanent = mode == 1;
	return 0;
}

static int
mail_path_check(const char *path)
{
	const char *p;

	if (path[0] == '\0')
		return -1;
	for (p = strchr(path, '%'); p != NULL; p = strchr(p + 2, '%'))
		if (p[1] == '\0' || strchr("und%", p[1]) == NULL)
			return -1;
	return 0;
}

int
gd_mail_store_config_parse(const struct gd_config_node *node,
    struct gd_mail_store_config *cfg, const char **error_r)
{
	memset(cfg, 0, sizeof(*cfg));
	if (gd_config_get_string(node, "path", NULL, &cfg->path,
	    error_r) < 0 ||
	    gd_config_get_bool(node, "fsync", true, &cfg->fsync,
	    error_r) < 0 ||
	    mail_config_quota(node, cfg, error_r) < 0 ||
	    gd_config_get_size(node, "max-message-size", 64 << 20, 0,
	    UINT64_MAX, &cfg->max_message_size, error_r) < 0 ||
	    gd_config_get_bool(node, "create-special-use", true,
	    &cfg->create_special_use, error_r) < 0 ||
	    mail_config_special(gd_config_get(node, "special-use"), cfg,
	    error_r) < 0 ||
	    mail_config_parser(gd_config_get(node, "parser"), &cfg->limits,
	    error_r) < 0)
		return -1;
	if (cfg->path != NULL && mail_path_check(cfg->path) < 0) {
		*error_r = gd_config_error(gd_config_get(node, "path"),
		    "expected a path template (escapes %%u %%n %%d %%%%), "
		    "got '%s'", cfg->path);
		return -1;
	}
	return 0;
}

/* A user name is used as a path component: refuse what could escape. */
static int
mail_user_check(const char *name, struct gd_mail_error *err)
{
	const unsigned char *p;

	if (name == NULL || name[0] == '\0' || name[0] == '.' ||
	    strlen(name) > MAIL_USER_NAME_MAX) {
		gd_mail_error_set(err, GD_MAIL_ERR_BADNAME,
		    "user name is empty, too long or starts with '.'");
		return -1;
	}
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p == '/' || *p < 0x20 || *p == 0x7f) {
			gd_mail_error_set(err, GD_MAIL_ERR_BADNAME,
			    "user name contains '/' or a control character");
			return -1;
		}
	}
	return 0;
}

/* Append the expansion of %c for `user` to the pool string being built. */
static char *
mail_expand_one(struct gd_pool *pool, char *out, char c, const char *user)
{
	const char *at = strrchr(user, '@');

	switch (c) {
	case 'u':
		return gd_pool_printf(pool, "%s%s", out, user);
	case 'n':
		return gd_pool_printf(pool, "%s%.*s", out,
		    at != NULL ? (int)(at - user) : (int)strlen(user), user);
	case 'd':
		return gd_pool_printf(pool, "%s%s", out,
		    at != NULL ? at + 1 : "");
	default:
		return gd_pool_printf(pool, "%s%%", out);
	}
}

char *
gd_mail_store_root(const struct gd_mail_store_config *cfg,
    const struct gd_mail_user *user, struct gd_pool *pool,
    struct gd_mail_error *err)
{
	const char *p, *next;
	char *out;

	if (mail_user_check(user->name, err) < 0)
		return NULL;
	if (user->location != NULL && user->location[0] != '\0')
		return gd_pool_strdup(pool, user->location);
	if (cfg->path == NULL) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTSUPP,
		    "no mail path configured");
		return NULL;
	}
	out = gd_pool_strdup(pool, "");
	for (p = cfg->path; *p != '\0'; p = next) {
		next = strchr(p, '%');
		if (next == NULL)
			return gd_pool_printf(pool, "%s%s", out, p);
		out = gd_pool_printf(pool, "%s%.*s", out, (int)(next - p), p);
		assert(next[1] != '\0');	/* mail_path_check() */
		out = mail_expand_one(pool, out, next[1], user->name);
		next += 2;
	}
	return out;
}
