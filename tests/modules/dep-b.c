/*
 * dep-b.so — loader fixture for dependency ordering: records init and fini
 * through gd_test_record() when the test program provides it.
 */
#include <gumdrop/gumdrop.h>

void gd_test_record(const char *event) __attribute__((weak));

static const struct gd_module_dep dep_b_deps[] = {
	{ GD_DEP_SERVICE, "good.counter", 1, 1 },
	{ 0, NULL, 0, 0 },
};

static int
dep_b_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	if (gd_test_record != NULL)
		gd_test_record("init dep-b");
	return 0;
}

static void
dep_b_fini(struct gd_module_ctx *ctx)
{
	if (gd_test_record != NULL)
		gd_test_record("fini dep-b");
}

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "dep-b",
	.version = "0.1",
	.deps = dep_b_deps,
	.init = dep_b_init,
	.fini = dep_b_fini,
};
