/* no-symbol.so — loader fixture: exports no gumdrop_module symbol. */
#include <gumdrop/gumdrop.h>

GD_API extern const struct gd_module gumdrop_modul;
const struct gd_module gumdrop_modul = {
	GD_MODULE_HEAD,
	.name = "no-symbol",
};
