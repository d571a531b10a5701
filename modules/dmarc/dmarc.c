/*
 * dmarc.c — the dmarc module: DMARC (RFC 9989; RFC 7489 as an option)
 * at smtp.data-end, after dkim and before the delivering module, and the
 * one Authentication-Results field for SPF, DKIM and DMARC (docs/
 * dmarc.md).
 *
 *   hooks:
 *     "smtp.data-end": [dkim, dmarc, local-delivery]
 *   dmarc:
 *     method: tree-walk
 *     policy: enforce
 *
 * This file: the descriptor, init/reload/fini and the service table
 * (gumdrop/dmarc.h).  The descriptor is the only exported symbol.
 */
#include <string.h>

#include "dmarc-private.h"

struct dmarc_module dmarc_mod;

static int dmarc_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int dmarc_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void dmarc_fini(struct gd_module_ctx *ctx);
static int dmarc_thread_init(struct gd_module_ctx *ctx,
    struct gd_loop *loop, const char **error_r);
static void dmarc_thread_fini(struct gd_module_ctx *ctx,
    struct gd_loop *loop);

static const struct gd_config_key dmarc_config_keys[] = {
	{ "method", GD_CONFIG_KEY_STRING, "tree-walk", 0, 0,
	    "organizational domain: tree-walk (RFC 9989) or psl "
	    "(RFC 7489, public suffix list)" },
	{ "authserv-id", GD_CONFIG_KEY_STRING, "the host name", 0, 0,
	    "authserv-id of the Authentication-Results field" },
	{ "policy", GD_CONFIG_KEY_STRING, "enforce", 0, 0,
	    "enforce (reject/quarantine as published) or log-only" },
	{ "quarantine-action", GD_CONFIG_KEY_STRING, "junk-folder", 0, 0,
	    "junk-folder (delivery to \\Junk) or header" },
	{ "temperror", GD_CONFIG_KEY_STRING, "accept", 0, 0,
	    "on a DNS failure: accept, or tempfail (451 4.7.0)" },
	{ "reports", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "{spool: DIR, interval: 1d, org-name, email, format, "
	    "failure-per-hour}: aggregate and failure reports (SPOOL/out)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_module_dep dmarc_deps[] = {
	{ GD_DEP_SERVICE, GD_SMTP_SERVICE, GD_SMTP_SERVICE_MAJOR,
	    GD_SMTP_SERVICE_MINOR },
	{ 0, NULL, 0, 0 },
};

static const struct gd_hook_reg dmarc_hooks[] = {
	{ GD_SMTP_HOOK_DATA, dmarc_data_hook, 0, NULL },
	{ GD_SMTP_HOOK_DATA_END, dmarc_data_end_hook, GD_HOOK_MAY_PEND, NULL },
	{ GD_SMTP_HOOK_RESET, dmarc_reset_hook, 0, NULL },
	{ GD_SMTP_HOOK_DISCONNECT, dmarc_disconnect_hook, 0, NULL },
	{ NULL, NULL, 0, NULL },
};

static const struct gd_dmarc_service dmarc_service = {
	.size = sizeof(struct gd_dmarc_service),
	.result_str = dmarc_result_str,
	.policy_str = dmarc_policy_str,
	.auth_str = dmarc_auth_str,
	.record_parse = dmarc_record_parse,
	.eval_start = dmarc_eval_start,
	.eval_outcome = dmarc_eval_outcome,
	.eval_destroy = dmarc_eval_destroy,
	.auth_results = dmarc_auth_results,
	.outcome = dmarc_session_outcome,
	.transaction_auth_results = dmarc_session_auth_results,
	.eval_start_dns = dmarc_tool_eval_start,
	.authserv_id = dmarc_tool_authserv_id,
	.message_from_domain = dmarc_from_message,
	.auth_from_spf = dmarc_auth_from_spf,
	.auth_from_dkim = dmarc_auth_from_dkim,
	.message_from_domains = dmarc_from_message_all,
};

static const struct gd_service_decl dmarc_services[] = {
	{ GD_DMARC_SERVICE, GD_DMARC_SERVICE_MAJOR, GD_DMARC_SERVICE_MINOR,
	    &dmarc_service },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "dmarc",
	.version = "1.2.0",
	.description = "DMARC policy and Authentication-Results",
	.license = "MIT",
	.deps = dmarc_deps,
	.config_keys = dmarc_config_keys,
	.hooks = dmarc_hooks,
	.services = dmarc_services,
	.init = dmarc_init,
	.thread_init = dmarc_thread_init,
	.thread_fini = dmarc_thread_fini,
	.reload = dmarc_reload,
	.fini = dmarc_fini,
};

static int
dmarc_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	if (dmarc_config_parse(config, &dmarc_mod.cfg, error_r) != 0)
		return -1;
	dmarc_mod.ctx = ctx;
	dmarc_mod.smtp = gd_service_lookup(GD_SMTP_SERVICE,
	    GD_SMTP_SERVICE_MAJOR, GD_SMTP_SERVICE_MINOR, error_r);
	if (dmarc_mod.smtp == NULL)
		return -1;
	/* Optional: without the spf module, SPF counts as "none". */
	dmarc_mod.spf = gd_service_lookup(GD_SPF_SERVICE,
	    GD_SPF_SERVICE_MAJOR, GD_SPF_SERVICE_MINOR, NULL);
	/* Likewise DKIM without the dkim module. */
	dmarc_mod.dkim = gd_service_lookup(GD_DKIM_SERVICE,
	    GD_DKIM_SERVICE_MAJOR, GD_DKIM_SERVICE_MINOR, NULL);
	return 0;
}

/* Loop 0 builds the aggregate reports (dmarc-reporter.c). */
static int
dmarc_thread_init(struct gd_module_ctx *ctx, struct gd_loop *loop,
    const char **error_r)
{
	(void)ctx;
	(void)error_r;
	return dmarc_reporter_start(loop, &dmarc_mod.cfg);
}

static void
dmarc_thread_fini(struct gd_module_ctx *ctx, struct gd_loop *loop)
{
	(void)ctx;
	dmarc_reporter_stop(loop);
}

/* The new keys are checked; they apply at the next start. */
static int
dmarc_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct dmarc_config cfg;

	(void)ctx;
	return dmarc_config_parse(config, &cfg, error_r);
}

static void
dmarc_fini(struct gd_module_ctx *ctx)
{
	(void)ctx;
	dmarc_psl_release();
	memset(&dmarc_mod, 0, sizeof(dmarc_mod));
}
