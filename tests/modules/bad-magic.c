/* bad-magic.so — loader fixture: descriptor with a wrong magic number */
#include <gumdrop/gumdrop.h>

GD_MODULE_EXPORT = {
	.magic = 0x12345678u,
	.size = sizeof(struct gd_module),
	.abi_major = GD_ABI_MAJOR,
	.abi_minor = GD_ABI_MINOR,
	.signature = GD_BUILD_SIGNATURE,
	.name = "bad-magic",
	.version = "0.1",
	.description = "descriptor with a wrong magic number",
	.license = "MIT",
};
