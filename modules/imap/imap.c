/*
 * imap.c — the imap module: IMAP4rev2 (RFC 9051) and IMAP4rev1 (RFC
 * 3501) listeners on the users' mail stores (modules/imap/README.md).
 *
 *   listeners:
 *     - {name: imap, address: "127.0.0.1:143", protocol: imap,
 *        tls: starttls, sasl: {realm: file, mechanisms: [PLAIN]}}
 *     - {name: imaps, address: "127.0.0.1:993", protocol: imap,
 *        tls: implicit, sasl: {realm: file, mechanisms: [PLAIN]}}
 *   imap:
 *     storage: maildir
 *     special-use: {Drafts: \Drafts, Sent: \Sent, Trash: \Trash}
 *
 * The descriptor is the only exported symbol.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"
#include "imap-fetch-resp.h"

/* RFC 9051 5.4: the autologout timer is at least 30 minutes. */
#define IMAP_AUTOLOGOUT_MIN_MS	(30 * 60 * 1000ull)
#define IMAP_TIMEOUT_MAX_MS	(7 * 86400000ull)
#define IMAP_COMMAND_MIN	1024ull
#define IMAP_COMMAND_MAX	(16ull * 1024 * 1024)
#define IMAP_APPEND_LIMIT_MAX	(1ull << 40)
#define IMAP_SPECIAL_MAX	16

static int imap_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int imap_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void imap_fini(struct gd_module_ctx *ctx);

static const struct gd_config_key imap_config_keys[] = {
	{ "storage", GD_CONFIG_KEY_STRING, "maildir", 0, 0,
	    "the mail-storage backend holding the users' mailboxes" },
	{ "max-command-size", GD_CONFIG_KEY_SIZE, "64K",
	    (int64_t)IMAP_COMMAND_MIN, (int64_t)IMAP_COMMAND_MAX,
	    "largest command, its literals included (APPEND's message "
	    "apart); larger ones get BAD [TOOBIG]" },
	{ "max-literal-size", GD_CONFIG_KEY_SIZE, "64K", 1,
	    (int64_t)IMAP_COMMAND_MAX,
	    "largest literal of a command other than APPEND's message "
	    "(at most max-command-size)" },
	{ "append-limit", GD_CONFIG_KEY_SIZE, "0", 0,
	    (int64_t)IMAP_APPEND_LIMIT_MAX,
	    "APPENDLIMIT: largest message APPEND takes (0: the store's "
	    "maximum message size)" },
	{ "autologout", GD_CONFIG_KEY_DURATION, "30m",
	    (int64_t)IMAP_AUTOLOGOUT_MIN_MS, (int64_t)IMAP_TIMEOUT_MAX_MS,
	    "idle time before an authenticated session is closed (at "
	    "least 30m, RFC 9051 5.4)" },
	{ "preauth-timeout", GD_CONFIG_KEY_DURATION, "1m", 1000,
	    (int64_t)IMAP_AUTOLOGOUT_MIN_MS,
	    "idle time before a session that has not logged in is "
	    "closed" },
	{ "idle-timeout", GD_CONFIG_KEY_DURATION, "30m", 60000,
	    (int64_t)IMAP_TIMEOUT_MAX_MS,
	    "how long IDLE may last before BYE" },
	{ "max-bad-commands", GD_CONFIG_KEY_INT, "20", 0, 1000,
	    "refused commands before BYE and close (0: no limit)" },
	{ "special-use", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "mailbox name: special-use attribute, created at login when "
	    "no mailbox has that attribute (RFC 6154)" },
	{ "id", GD_CONFIG_KEY_BOOL, "true", 0, 0,
	    "answer ID (RFC 2971) with the server's name and version" },
	{ "login-alert", GD_CONFIG_KEY_STRING, "", 0, 0,
	    "text sent at every login as \"* OK [ALERT] text\", which "
	    "clients must show the user (e.g. planned maintenance); "
	    "empty: none" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_protocol imap_protocols[] = {
	/* RFC 9051 6.2.2: the SASL service name is "imap". */
	{ .name = "imap", GD_PROTOCOL_HEAD, .event = imap_event,
	  .sasl_service = "imap" },
	{ .name = NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "imap",
	.version = "1.0.0",
	.description = "IMAP4rev2 / IMAP4rev1 server on the users' mail",
	.license = "MIT",
	.config_keys = imap_config_keys,
	.protocols = imap_protocols,
	.init = imap_init,
	.reload = imap_reload,
	.fini = imap_fini,
};

/* ---- configuration ------------------------------------------------------ */

static void
imap_config_free(void *parsed)
{
	struct imap_config *cfg = parsed;
	size_t i;

	for (i = 0; i < cfg->nspecial; i++)
		free((char *)cfg->special[i].name);
	free(cfg->special);
	free(cfg->storage);
	free(cfg->login_alert);
	free(cfg);
}

static const char *const imap_special_default[][2] = {
	{ "Drafts", "\\Drafts" }, { "Sent", "\\Sent" },
	{ "Trash", "\\Trash" }, { "Junk", "\\Junk" },
	{ "Archive", "\\Archive" },
};

static int
imap_special_add(struct imap_config *cfg, const struct gd_config_node *n,
    const char *name, const char *use, const char **error_r)
{
	struct gd_mail_error err;
	unsigned attr = use != NULL ? gd_mail_special_use_parse(use) : 0;

	if (attr == 0 || (attr & GD_MAIL_LIST_SPECIAL_USE_MASK) == 0) {
		*error_r = gd_config_error(n, "expected a special-use "
		    "attribute (\\Sent, \\Drafts, ...), got '%s'",
		    use != NULL ? use : "a collection");
		return -1;
	}
	gd_mail_error_clear(&err);
	if (gd_mail_name_check(name, &err) < 0 ||
	    gd_mail_name_is_inbox(name) || cfg->nspecial >= IMAP_SPECIAL_MAX) {
		*error_r = gd_config_error(n, "expected a mailbox name other "
		    "than INBOX (at most %d entries)%s%s", IMAP_SPECIAL_MAX,
		    err.text[0] != '\0' ? ": " : "", err.text);
		return -1;
	}
	cfg->special[cfg->nspecial].name = gd_xstrdup(name);
	cfg->special[cfg->nspecial++].attr = attr;
	return 0;
}

/* `special-use:` (absent: the five defaults; {} : none). */
static int
imap_special_parse(struct imap_config *cfg, const struct gd_config_node *map,
    const char **error_r)
{
	const struct gd_config_node *n = gd_config_get(map, "special-use");
	const struct gd_config_node *e;
	size_t i, count;

	cfg->special = gd_xcalloc(IMAP_SPECIAL_MAX, sizeof(*cfg->special));
	if (n == NULL || gd_config_node_is_null(n)) {
		for (i = 0; i < 5; i++)
			if (imap_special_add(cfg, NULL,
			    imap_special_default[i][0],
			    imap_special_default[i][1], error_r) < 0)
				return -1;
		return 0;
	}
	if (gd_config_node_type(n) != GD_CONFIG_MAP) {
		*error_r = gd_config_error(n, "expected a map of mailbox "
		    "names to special-use attributes");
		return -1;
	}
	count = gd_config_node_count(n);
	for (i = 0; i < count; i++) {
		e = gd_config_node_at(n, i);
		if (imap_special_add(cfg, e, gd_config_node_key(e),
		    gd_config_node_scalar(e), error_r) < 0)
			return -1;
	}
	return 0;
}

/* `login-alert`: one line of printable ASCII (resp-text of both
 * revisions; a "[" first would read as another response code). */
static int
imap_alert_parse(struct imap_config *cfg, const struct gd_config_node *node,
    const char **error_r)
{
	const char *text, *p;

	if (gd_config_get_string(node, "login-alert", "", &text,
	    error_r) < 0)
		return -1;
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			break;
	if (*p != '\0' || text[0] == '[' || strlen(text) > 1000) {
		*error_r = gd_config_error(gd_config_get(node, "login-alert"),
		    "expected one line of printable ASCII, not starting "
		    "with '[', at most 1000 bytes");
		return -1;
	}
	cfg->login_alert = text[0] != '\0' ? gd_xstrdup(text) : NULL;
	return 0;
}

static int
imap_config_values(struct imap_config *cfg,
    const struct gd_config_node *node, const char **error_r)
{
	const char *storage;
	int64_t bad;

	if (gd_config_get_string(node, "storage", "maildir", &storage,
	    error_r) < 0 ||
	    gd_config_get_size(node, "max-command-size", 65536,
	    IMAP_COMMAND_MIN, IMAP_COMMAND_MAX, &cfg->max_command,
	    error_r) < 0 ||
	    gd_config_get_size(node, "max-literal-size", 65536, 1,
	    IMAP_COMMAND_MAX, &cfg->max_literal, error_r) < 0 ||
	    gd_config_get_size(node, "append-limit", 0, 0,
	    IMAP_APPEND_LIMIT_MAX, &cfg->append_limit, error_r) < 0 ||
	    gd_config_get_duration(node, "autologout", IMAP_AUTOLOGOUT_MIN_MS,
	    IMAP_AUTOLOGOUT_MIN_MS, IMAP_TIMEOUT_MAX_MS, &cfg->autologout_ms,
	    error_r) < 0 ||
	    gd_config_get_duration(node, "preauth-timeout", 60000, 1000,
	    IMAP_AUTOLOGOUT_MIN_MS, &cfg->preauth_ms, error_r) < 0 ||
	    gd_config_get_duration(node, "idle-timeout", IMAP_AUTOLOGOUT_MIN_MS,
	    60000, IMAP_TIMEOUT_MAX_MS, &cfg->idle_ms, error_r) < 0 ||
	    gd_config_get_int(node, "max-bad-commands", 20, 0, 1000, &bad,
	    error_r) < 0 ||
	    gd_config_get_bool(node, "id", true, &cfg->id, error_r) < 0)
		return -1;
	cfg->storage = gd_xstrdup(storage);
	cfg->max_bad_commands = (unsigned)bad;
	if (imap_alert_parse(cfg, node, error_r) < 0)
		return -1;
	return imap_special_parse(cfg, node, error_r);
}

/* Checks across keys. */
static int
imap_config_check(const struct imap_config *cfg,
    const struct gd_config_node *node, const char **error_r)
{
	if (cfg->storage[0] == '\0') {
		*error_r = gd_config_error(gd_config_get(node, "storage"),
		    "expected a backend name, got ''");
		return -1;
	}
	if (cfg->max_literal > cfg->max_command) {
		*error_r = gd_config_error(gd_config_get(node,
		    "max-literal-size"), "expected at most max-command-size "
		    "(%llu), got %llu", (unsigned long long)cfg->max_command,
		    (unsigned long long)cfg->max_literal);
		return -1;
	}
	return 0;
}

/* Parse the `imap:` subtree (NULL: every default). */
static void *
imap_config_parse(const struct gd_config_node *node, const char **error_r)
{
	struct imap_config *cfg = gd_xcalloc(1, sizeof(*cfg));

	if (imap_config_values(cfg, node, error_r) < 0 ||
	    imap_config_check(cfg, node, error_r) < 0) {
		imap_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* The configuration of the current generation (config.h). */
const struct imap_config *
imap_config_current(struct imap_module *mod, struct gd_module_ctx *ctx)
{
	return gd_config_gens_current(mod->configs,
	    gd_module_ctx_config(ctx));
}

/* ---- lifecycle ----------------------------------------------------------- */

static int
imap_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct imap_module *mod = gd_xcalloc(1, sizeof(*mod));

	mod->configs = gd_config_gens_create(config, imap_config_parse,
	    imap_config_free, error_r);
	if (mod->configs == NULL) {
		free(mod);
		return -1;
	}
	gd_module_ctx_set_data(ctx, mod);
	imap_struct_cache_start();
	return 0;
}

/* Only check: sessions keep the generation they started with. */
static int
imap_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	void *cfg;

	(void)ctx;
	if ((cfg = imap_config_parse(config, error_r)) == NULL)
		return -1;
	imap_config_free(cfg);
	return 0;
}

static void
imap_fini(struct gd_module_ctx *ctx)
{
	struct imap_module *mod = gd_module_ctx_get_data(ctx);

	if (mod == NULL)
		return;
	gd_config_gens_free(&mod->configs);
	free(mod);
	gd_module_ctx_set_data(ctx, NULL);
	imap_struct_cache_stop();
}
