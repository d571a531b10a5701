/* newer-minor.so — loader fixture: built against a newer ABI minor */
#include <gumdrop/gumdrop.h>

GD_MODULE_EXPORT = {
	.magic = GD_MODULE_MAGIC,
	.size = sizeof(struct gd_module),
	.abi_major = GD_ABI_MAJOR,
	.abi_minor = GD_ABI_MINOR + 5,
	.signature = GD_BUILD_SIGNATURE,
	.name = "newer-minor",
	.version = "0.1",
	.description = "built against a newer ABI minor",
	.license = "MIT",
};
