/* wrong-major.so — loader fixture: built for a future ABI major */
#include <gumdrop/gumdrop.h>

GD_MODULE_EXPORT = {
	.magic = GD_MODULE_MAGIC,
	.size = sizeof(struct gd_module),
	.abi_major = GD_ABI_MAJOR + 1,
	.abi_minor = 0,
	.signature = GD_BUILD_SIGNATURE,
	.name = "wrong-major",
	.version = "0.1",
	.description = "built for a future ABI major",
	.license = "MIT",
};
