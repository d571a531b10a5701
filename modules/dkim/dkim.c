/*
 * dkim.c — the dkim module: DKIM verification of incoming mail and
 * signing of authenticated submissions (RFC 6376, RFC 8463, RFC 8301);
 * service `dkim` 1.1 (gumdrop/dkim.h).  docs/dkim.md.
 */
#include <stdlib.h>
#include <string.h>

#include "dkim-private.h"

static const struct gd_dkim_service dkim_service;

static const char *
dkim_svc_result_name(enum gd_dkim_result r)
{
	return dkim_result_name(r);
}

static int
dkim_svc_outcome(struct gd_smtp_session *s, struct gd_dkim_outcome *out_r)
{
	struct gd_module_ctx *ctx = gd_service_module_ctx(&dkim_service);

	return dkim_txn_outcome(ctx, s, out_r);
}

/* The configured verify: options (zero, i.e. the defaults, before
 * init or without a configuration). */
static void
dkim_svc_verify_options(struct gd_dkim_verify_opts *opts_r)
{
	struct gd_module_ctx *ctx = gd_service_module_ctx(&dkim_service);
	const struct dkim_config *cfg = ctx != NULL ?
	    gd_module_ctx_get_data(ctx) : NULL;

	memset(opts_r, 0, sizeof(*opts_r));
	if (cfg != NULL)
		*opts_r = cfg->vopts;
	opts_r->now = 0;
}

static const struct gd_dkim_service dkim_service = {
	.size = sizeof(struct gd_dkim_service),
	.result_name = dkim_svc_result_name,
	.transaction_outcome = dkim_svc_outcome,
	.verify_create = dkim_verifier_new,
	.verify_write = dkim_verify_write,
	.verify_finish = dkim_verify_finish,
	.verify_results = dkim_verify_results,
	.verify_destroy = dkim_verify_destroy,
	.sign_create = dkim_sign_create,
	.sign_write = dkim_sign_write,
	.sign_finish = dkim_sign_finish,
	.sign_destroy = dkim_sign_destroy,
	.keygen = dkim_keygen,
	.dns_ops = dkim_dns_ops_loop,
	.verify_options = dkim_svc_verify_options,
};

static int
dkim_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct dkim_config *cfg = gd_xcalloc(1, sizeof(*cfg));

	if (dkim_config_parse(config, cfg, error_r) < 0 ||
	    (cfg->smtp = gd_service_lookup(GD_SMTP_SERVICE, 1, 0,
	    error_r)) == NULL) {
		dkim_config_free(cfg);
		return -1;
	}
	gd_module_ctx_set_data(ctx, cfg);
	gd_log(GD_LOG_INFO, "dkim.init", "verify=%s keys=%zu",
	    cfg->verify ? "yes" : "no", cfg->nkeys);
	return 0;
}

static void
dkim_fini(struct gd_module_ctx *ctx)
{
	struct dkim_config *cfg = gd_module_ctx_get_data(ctx);

	if (cfg != NULL)
		dkim_config_free(cfg);
	gd_module_ctx_set_data(ctx, NULL);
}

static int
dkim_thread_init(struct gd_module_ctx *ctx, struct gd_loop *loop,
    const char **error_r)
{
	(void)ctx;
	(void)loop;
	(void)error_r;
	dkim_cache_thread_init();
	return 0;
}

static void
dkim_thread_fini(struct gd_module_ctx *ctx, struct gd_loop *loop)
{
	(void)ctx;
	(void)loop;
	dkim_cache_thread_fini();
}

static const struct gd_module_dep dkim_deps[] = {
	{ GD_DEP_SERVICE, GD_SMTP_SERVICE, 1, 0 },
	{ 0, NULL, 0, 0 },
};

static const struct gd_hook_reg dkim_hooks[] = {
	{ GD_SMTP_HOOK_DATA, dkim_hook_data, 0, NULL },
	{ GD_SMTP_HOOK_DATA_END, dkim_hook_data_end, GD_HOOK_MAY_PEND, NULL },
	{ NULL, NULL, 0, NULL },
};

static const struct gd_service_decl dkim_services[] = {
	{ GD_DKIM_SERVICE, GD_DKIM_SERVICE_MAJOR, GD_DKIM_SERVICE_MINOR,
	    &dkim_service },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "dkim",
	.version = "1.1.0",
	.description = "DKIM verification and signing (RFC 6376, 8463, 8301)",
	.license = "MIT",
	.deps = dkim_deps,
	.config_keys = dkim_config_keys,
	.hooks = dkim_hooks,
	.services = dkim_services,
	.init = dkim_init,
	.fini = dkim_fini,
	.thread_init = dkim_thread_init,
	.thread_fini = dkim_thread_fini,
};
