/*
 * A module built against a different plugin ABI major: the loader must
 * refuse it with one line naming the module, its file and the versions.
 */
#include <gumdrop/module.h>

GD_MODULE_EXPORT = {
	.magic = GD_MODULE_MAGIC,
	.size = sizeof(struct gd_module),
	.abi_major = GD_ABI_MAJOR + 1,
	.abi_minor = 0,
	.signature = GD_BUILD_SIGNATURE,
	.name = "wrongabi",
	.version = "0.0.1",
	.description = "fixture: built for a future ABI",
	.license = "MIT",
};
