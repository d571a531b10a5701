/*
 * spf.c — the spf module: RFC 7208 Sender Policy Framework checks of the
 * MAIL FROM (and HELO) identities in smtp sessions (README.md,
 * docs/spf.md).
 *
 *   spf:
 *     helo-check: false
 *     timeout: 20s
 *     receiver: mx.example.test
 *     policy: {fail: reject, temperror: tempfail}
 *
 * This file: the descriptor, the configuration, the service table.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spf-private.h"

static int spf_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int spf_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void spf_fini(struct gd_module_ctx *ctx);

struct spf_module spf_mod;

static const struct gd_module_dep spf_deps[] = {
	{ GD_DEP_SERVICE, GD_SMTP_SERVICE, GD_SMTP_SERVICE_MAJOR,
	    GD_SMTP_SERVICE_MINOR },
	{ 0, NULL, 0, 0 },
};

static const struct gd_config_key spf_config_keys[] = {
	{ "helo-check", GD_CONFIG_KEY_BOOL, "false", 0, 0,
	    "also check the HELO/EHLO name (RFC 7208 2.3)" },
	{ "skip-authenticated", GD_CONFIG_KEY_BOOL, "true", 0, 0,
	    "no check for sessions that authenticated (AUTH)" },
	{ "timeout", GD_CONFIG_KEY_DURATION, "20s", 1000, 300000,
	    "time limit of one check (RFC 7208 4.6.4: at least 20s)" },
	{ "receiver", GD_CONFIG_KEY_STRING, "gethostname()", 0, 0,
	    "our host name, for %{r} and Received-SPF receiver=" },
	{ "policy", GD_CONFIG_KEY_MAP, "all accept", 0, 0,
	    "result -> accept | reject | tempfail" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_hook_reg spf_hooks[] = {
	{ GD_SMTP_HOOK_HELO, spf_helo_hook, GD_HOOK_MAY_PEND, NULL },
	{ GD_SMTP_HOOK_MAIL, spf_mail_hook, GD_HOOK_MAY_PEND, NULL },
	{ GD_SMTP_HOOK_DATA, spf_data_hook, 0, NULL },
	{ GD_SMTP_HOOK_RESET, spf_reset_hook, 0, NULL },
	{ GD_SMTP_HOOK_DISCONNECT, spf_disconnect_hook, 0, NULL },
	{ NULL, NULL, 0, NULL },
};

static const struct gd_spf_service spf_service = {
	.size = sizeof(struct gd_spf_service),
	.result_str = spf_result_str,
	.check_start = spf_check_start,
	.check_outcome = spf_check_outcome,
	.check_free = spf_check_free,
	.check_start_dns = spf_resolver_check_start,
	.received_spf = spf_received_field,
	.mail_outcome = spf_session_mail,
	.helo_outcome = spf_session_helo,
};

static const struct gd_service_decl spf_services[] = {
	{ GD_SPF_SERVICE, GD_SPF_SERVICE_MAJOR, GD_SPF_SERVICE_MINOR,
	    &spf_service },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "spf",
	.version = "1.0.0",
	.description = "RFC 7208 SPF checks of MAIL FROM and HELO",
	.license = "MIT",
	.deps = spf_deps,
	.config_keys = spf_config_keys,
	.hooks = spf_hooks,
	.services = spf_services,
	.init = spf_init,
	.reload = spf_reload,
	.fini = spf_fini,
};

/* ---- configuration ------------------------------------------------------ */

static const char *const spf_action_names[] = { "accept", "reject",
	"tempfail", NULL };

static int
spf_config_policy(struct spf_config *cfg, const struct gd_config_node *node,
    const char **error_r)
{
	const struct gd_config_node *map = gd_config_get(node, "policy");
	size_t i, n = map != NULL ? gd_config_node_count(map) : 0;
	int r, act;

	if (map != NULL && gd_config_node_type(map) != GD_CONFIG_MAP &&
	    !gd_config_node_is_null(map)) {
		*error_r = gd_config_error(map, "key 'policy': expected a map");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *key = gd_config_node_key(gd_config_node_at(map, i));

		for (r = 0; r < SPF_NRESULTS; r++)
			if (strcmp(key, spf_result_str(r)) == 0)
				break;
		if (r == SPF_NRESULTS) {
			*error_r = gd_config_error(gd_config_node_at(map, i),
			    "key 'policy': '%s' is not an SPF result (pass "
			    "fail softfail neutral none temperror "
			    "permerror)", key);
			return -1;
		}
		if (gd_config_get_enum(map, key, spf_action_names, 0, &act,
		    error_r) < 0)
			return -1;
		cfg->policy[r] = (enum spf_action)act;
	}
	return 0;
}

static char *
spf_hostname(void)
{
	char name[256];

	if (gethostname(name, sizeof(name) - 1) < 0)
		return gd_xstrdup("unknown");
	name[sizeof(name) - 1] = '\0';
	return gd_xstrdup(name);
}

struct spf_config *
spf_config_parse(const struct gd_config_node *node, const char **error_r)
{
	struct spf_config *cfg = gd_xcalloc(1, sizeof(*cfg));
	const char *receiver;

	if (gd_config_get_bool(node, "helo-check", false, &cfg->helo_check,
	    error_r) < 0 ||
	    gd_config_get_bool(node, "skip-authenticated", true,
	    &cfg->skip_authenticated, error_r) < 0 ||
	    gd_config_get_duration(node, "timeout", SPF_DEFAULT_TIMEOUT_MS,
	    1000, 300000, &cfg->timeout_ms, error_r) < 0 ||
	    gd_config_get_string(node, "receiver", NULL, &receiver,
	    error_r) < 0 || spf_config_policy(cfg, node, error_r) < 0) {
		spf_config_free(cfg);
		return NULL;
	}
	cfg->receiver = receiver != NULL ? gd_xstrdup(receiver) :
	    spf_hostname();
	return cfg;
}

void
spf_config_free(struct spf_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->receiver);
	free(cfg);
}

/* ---- lifecycle ---------------------------------------------------------- */

static int
spf_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	spf_mod.cfg = spf_config_parse(config, error_r);
	if (spf_mod.cfg == NULL)
		return -1;
	spf_mod.ctx = ctx;
	spf_mod.smtp = gd_service_lookup(GD_SMTP_SERVICE,
	    GD_SMTP_SERVICE_MAJOR, GD_SMTP_SERVICE_MINOR, error_r);
	if (spf_mod.smtp == NULL) {
		spf_config_free(spf_mod.cfg);
		spf_mod.cfg = NULL;
		return -1;
	}
	return 0;
}

/* The new keys are checked; they apply at the next start (README). */
static int
spf_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct spf_config *cfg = spf_config_parse(config, error_r);

	(void)ctx;
	if (cfg == NULL)
		return -1;
	spf_config_free(cfg);
	return 0;
}

static void
spf_fini(struct gd_module_ctx *ctx)
{
	(void)ctx;
	spf_config_free(spf_mod.cfg);
	memset(&spf_mod, 0, sizeof(spf_mod));
}
