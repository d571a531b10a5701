/* misbehaving.so — hook fixture: REJECT with a 250 reply. */
#include <gumdrop/gumdrop.h>

static enum gd_verdict
misbehaving_handler(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	reply_r->code = 250;
	reply_r->enhanced = "2.0.0";
	reply_r->text = "all fine, honestly";
	return GD_VERDICT_REJECT;
}

static const struct gd_hook_reg misbehaving_hooks[] = {
	{ "good.event", misbehaving_handler, 0, NULL },
	{ NULL, NULL, 0, NULL },
};

static const struct gd_module_dep misbehaving_deps[] = {
	{ GD_DEP_MODULE, "good", 0, 0 },
	{ 0, NULL, 0, 0 },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "misbehaving",
	.version = "0.1",
	.deps = misbehaving_deps,
	.hooks = misbehaving_hooks,
};
