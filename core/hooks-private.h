/*
 * hooks-private.h — building the hook chains and the service registry
 * (hooks.c, service.c); the loader calls these on the main thread.
 */
#ifndef GD_HOOKS_PRIVATE_H
#define GD_HOOKS_PRIVATE_H

#include <gumdrop/hooks.h>
#include <gumdrop/service.h>
#include <gumdrop/config.h>

#define GD_HOOK_DEFAULT_TIMEOUT_MS	30000

/* What the chain builder needs to know about one loaded module. */
struct gd_hooks_module {
	const char *name;
	struct gd_module_ctx *ctx;
	const struct gd_hook_point_decl *points;	/* may be NULL */
	const struct gd_hook_reg *regs;			/* may be NULL */
};

/*
 * Declare the points of `mods` (in load order), then compile each point's
 * chain from the `hooks:` node (may be NULL) as documented in
 * gumdrop/hooks.h.  Replaces any previous chains.  0, or -1 with a
 * one-line *error_r (static buffer or config pool).
 */
int gd_hooks_build(const struct gd_hooks_module *mods, unsigned count,
    const struct gd_config_node *hooks, const char **error_r);

/* Forget every point (handles from gd_hook_point_find() die). */
void gd_hooks_reset(void);

/* One provided service; module is its provider's name. */
int gd_services_add(const char *module, const struct gd_service_decl *decl,
    const char **error_r);
void gd_services_reset(void);

#endif /* GD_HOOKS_PRIVATE_H */
