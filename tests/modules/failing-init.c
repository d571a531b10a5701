/* failing-init.so — loader fixture: init fails. */
#include <gumdrop/gumdrop.h>

static int
failing_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	*error_r = "database unreachable";
	return -1;
}

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "failing-init",
	.version = "0.1",
	.init = failing_init,
};
