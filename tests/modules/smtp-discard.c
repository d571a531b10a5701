/*
 * smtp-discard.so — the benchmark's "protocol only" module
 * (scripts/bench-smtp): it owns every recipient and accepts every message
 * without keeping it, so that what is measured is the smtp module alone,
 * as Postfix's smtp-sink measures Postfix's protocol engine.  It pushes
 * no content consumer: the content is read, unstuffed and dropped by the
 * smtp module itself.
 *
 *   modules: {load: [smtp, smtp-discard]}     (no settings)
 */
#include <gumdrop/gumdrop.h>
#include <gumdrop/smtp.h>

static enum gd_verdict sd_rcpt(struct gd_hook_call *,
    struct gd_module_ctx *, void *, struct gd_reply *);
static enum gd_verdict sd_data_end(struct gd_hook_call *,
    struct gd_module_ctx *, void *, struct gd_reply *);
static int sd_init(struct gd_module_ctx *, const struct gd_config_node *,
    const char **);

/* Every recipient is ours: we "deliver" it by dropping it. */
static enum gd_verdict
sd_rcpt(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	(void)call; (void)ctx; (void)data; (void)reply_r;
	return GD_VERDICT_ACCEPT;
}

/* As the owner we must answer the end of the content: accepted. */
static enum gd_verdict
sd_data_end(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	(void)call; (void)ctx; (void)data; (void)reply_r;
	return GD_VERDICT_ACCEPT;
}

static int
sd_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	(void)ctx; (void)config;
	return gd_service_lookup(GD_SMTP_SERVICE, 1, 0, error_r) != NULL ?
	    0 : -1;
}

static const struct gd_module_dep sd_deps[] = {
	{ GD_DEP_SERVICE, GD_SMTP_SERVICE, 1, 0 },
	{ 0, NULL, 0, 0 },
};

static const struct gd_hook_reg sd_hooks[] = {
	{ GD_SMTP_HOOK_RCPT, sd_rcpt, 0, NULL },
	{ GD_SMTP_HOOK_DATA_END, sd_data_end, 0, NULL },
	{ NULL, NULL, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "smtp-discard",
	.version = "1.0.0",
	.description = "accepts and drops every message (bench-smtp)",
	.license = "MIT",
	.deps = sd_deps,
	.hooks = sd_hooks,
	.init = sd_init,
};
