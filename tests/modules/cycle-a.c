/*
 * cycle-a.so — loader fixture for dependency ordering: records init and fini
 * through gd_test_record() when the test program provides it.
 */
#include <gumdrop/gumdrop.h>

void gd_test_record(const char *event) __attribute__((weak));

static const struct gd_module_dep cycle_a_deps[] = {
	{ GD_DEP_MODULE, "cycle-b", 0, 0 },
	{ 0, NULL, 0, 0 },
};

static int
cycle_a_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	if (gd_test_record != NULL)
		gd_test_record("init cycle-a");
	return 0;
}

static void
cycle_a_fini(struct gd_module_ctx *ctx)
{
	if (gd_test_record != NULL)
		gd_test_record("fini cycle-a");
}

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "cycle-a",
	.version = "0.1",
	.deps = cycle_a_deps,
	.init = cycle_a_init,
	.fini = cycle_a_fini,
};
