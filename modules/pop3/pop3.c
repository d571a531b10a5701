/*
 * pop3.c — the pop3 module: POP3 (RFC 1939, 2449, 2595, 5034, 6856)
 * listeners on the users' INBOX (docs/pop3.md).
 *
 *   listeners:
 *     - {name: pop3, address: "127.0.0.1:110", protocol: pop3,
 *        tls: starttls, sasl: {realm: file, mechanisms: [PLAIN]}}
 *     - {name: pop3s, address: "127.0.0.1:995", protocol: pop3,
 *        tls: implicit, sasl: {realm: file, mechanisms: [PLAIN]}}
 *   pop3:
 *     storage: maildir
 *     login-delay: 0
 *     expire: never
 *
 * The descriptor is the only exported symbol.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3-private.h"

/* RFC 1939 3: the autologout timer is at least 10 minutes. */
#define POP3_AUTOLOGOUT_MIN_MS	(10 * 60 * 1000)
#define POP3_AUTOLOGOUT_MAX_MS	(7 * 86400000ll)
#define POP3_EXPIRE_MAX_DAYS	36500

static int pop3_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int pop3_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void pop3_fini(struct gd_module_ctx *ctx);

static const struct gd_config_key pop3_config_keys[] = {
	{ "storage", GD_CONFIG_KEY_STRING, "maildir", 0, 0,
	    "the mail-storage backend holding the users' INBOX" },
	{ "implementation", GD_CONFIG_KEY_BOOL, "true", 0, 0,
	    "CAPA lists IMPLEMENTATION \"gumdrop VERSION\"" },
	{ "apop", GD_CONFIG_KEY_BOOL, "true", 0, 0,
	    "offer APOP (greeting timestamp) where the realm gives "
	    "plaintext secrets" },
	{ "login-delay", GD_CONFIG_KEY_DURATION, "0", 0, 0,
	    "minimum time between two logins of a user (0: off); "
	    "advertised as LOGIN-DELAY" },
	{ "expire", GD_CONFIG_KEY_STRING, "never", 0, 0,
	    "\"never\", or days kept after retrieval (0: retrieved "
	    "messages are removed at QUIT); advertised as EXPIRE" },
	{ "autologout", GD_CONFIG_KEY_DURATION, "10m",
	    POP3_AUTOLOGOUT_MIN_MS, POP3_AUTOLOGOUT_MAX_MS,
	    "idle time before the session is closed (at least 10m)" },
	{ "max-bad-commands", GD_CONFIG_KEY_INT, "10", 0, 1000,
	    "refused commands before -ERR and close (0: no limit)" },
	{ "greeting", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "text of the greeting after +OK" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_protocol pop3_protocols[] = {
	/* RFC 5034 4: the SASL service name is "pop". */
	{ .name = "pop3", GD_PROTOCOL_HEAD, .event = pop3_event,
	  .sasl_service = "pop" },
	{ .name = NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "pop3",
	.version = "1.0.0",
	.description = "POP3 server on the users' INBOX",
	.license = "MIT",
	.config_keys = pop3_config_keys,
	.protocols = pop3_protocols,
	.init = pop3_init,
	.reload = pop3_reload,
	.fini = pop3_fini,
};

/* ---- configuration ------------------------------------------------------ */

static void
pop3_config_free(void *parsed)
{
	struct pop3_config *cfg = parsed;

	free(cfg->storage);
	free(cfg->greeting);
	free(cfg);
}

/* "never", or a number of days. */
static int
pop3_expire_parse(const struct gd_config_node *map, int32_t *days_r,
    const char **error_r)
{
	const struct gd_config_node *n = gd_config_get(map, "expire");
	const char *s;
	int64_t days;

	*days_r = POP3_EXPIRE_NEVER;
	if (n == NULL || gd_config_node_is_null(n))
		return 0;
	s = gd_config_node_scalar(n);
	if (s != NULL && strcmp(s, "never") == 0)
		return 0;
	if (gd_config_get_int(map, "expire", 0, 0, POP3_EXPIRE_MAX_DAYS,
	    &days, error_r) < 0) {
		*error_r = gd_config_error(n, "expected \"never\" or days in "
		    "0..%d, got '%s'", POP3_EXPIRE_MAX_DAYS,
		    s != NULL ? s : "a collection");
		return -1;
	}
	*days_r = (int32_t)days;
	return 0;
}

static int
pop3_config_values(struct pop3_config *cfg,
    const struct gd_config_node *node, const char **error_r)
{
	const char *storage, *greeting;
	uint64_t delay_ms;
	int64_t bad;

	if (gd_config_get_string(node, "storage", "maildir", &storage,
	    error_r) < 0 ||
	    gd_config_get_string(node, "greeting", NULL, &greeting,
	    error_r) < 0 ||
	    gd_config_get_bool(node, "implementation", true,
	    &cfg->implementation, error_r) < 0 ||
	    gd_config_get_bool(node, "apop", true, &cfg->apop, error_r) < 0 ||
	    gd_config_get_duration(node, "login-delay", 0, 0,
	    UINT32_MAX * 1000ull, &delay_ms, error_r) < 0 ||
	    gd_config_get_duration(node, "autologout", POP3_AUTOLOGOUT_MIN_MS,
	    POP3_AUTOLOGOUT_MIN_MS, POP3_AUTOLOGOUT_MAX_MS, &cfg->autologout_ms,
	    error_r) < 0 ||
	    gd_config_get_int(node, "max-bad-commands", 10, 0, 1000, &bad,
	    error_r) < 0 ||
	    pop3_expire_parse(node, &cfg->expire_days, error_r) < 0)
		return -1;
	cfg->storage = gd_xstrdup(storage);
	cfg->greeting = greeting != NULL ? gd_xstrdup(greeting) : NULL;
	cfg->login_delay = (uint32_t)(delay_ms / 1000);
	cfg->max_bad_commands = (unsigned)bad;
	return 0;
}

/* Parse the `pop3:` subtree (NULL: every default). */
static void *
pop3_config_parse(const struct gd_config_node *node, const char **error_r)
{
	struct pop3_config *cfg = gd_xcalloc(1, sizeof(*cfg));

	if (pop3_config_values(cfg, node, error_r) < 0) {
		pop3_config_free(cfg);
		return NULL;
	}
	if (cfg->storage[0] == '\0') {
		*error_r = gd_config_error(gd_config_get(node, "storage"),
		    "expected a backend name, got ''");
		pop3_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* The configuration of the current generation (config.h). */
const struct pop3_config *
pop3_config_current(struct pop3_module *mod, struct gd_module_ctx *ctx)
{
	return gd_config_gens_current(mod->configs,
	    gd_module_ctx_config(ctx));
}

/* ---- lifecycle ----------------------------------------------------------- */

static int
pop3_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct pop3_module *mod = gd_xcalloc(1, sizeof(*mod));

	mod->configs = gd_config_gens_create(config, pop3_config_parse,
	    pop3_config_free, error_r);
	if (mod->configs == NULL) {
		free(mod);
		return -1;
	}
	mod->sizes = pop3_cache_create(POP3_SIZE_CACHE_MAX);
	mod->delays = pop3_delay_create(POP3_DELAY_MAX);
	gd_module_ctx_set_data(ctx, mod);
	return 0;
}

/* Only check: the new subtree is parsed for use once it is current
 * (pop3_config_current); sessions keep the generation they started
 * with, and old ones stay until fini (a few hundred bytes each). */
static int
pop3_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	void *cfg;

	(void)ctx;
	if ((cfg = pop3_config_parse(config, error_r)) == NULL)
		return -1;
	pop3_config_free(cfg);
	return 0;
}

static void
pop3_fini(struct gd_module_ctx *ctx)
{
	struct pop3_module *mod = gd_module_ctx_get_data(ctx);

	if (mod == NULL)
		return;
	gd_config_gens_free(&mod->configs);
	pop3_cache_free(&mod->sizes);
	pop3_delay_free(&mod->delays);
	free(mod);
	gd_module_ctx_set_data(ctx, NULL);
}
