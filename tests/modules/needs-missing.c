/* needs-missing.so — loader fixture: depends on module 'absent'. */
#include <gumdrop/gumdrop.h>

static const struct gd_module_dep needs_missing_deps[] = {
	{ GD_DEP_MODULE, "absent", 0, 0 },
	{ 0, NULL, 0, 0 },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "needs-missing",
	.version = "0.1",
	.deps = needs_missing_deps,
};
