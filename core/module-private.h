/*
 * module-private.h — the module loader (module.c), used by the daemon.
 *
 * Config:  modules: {path: DIR, load: [name, ...]}
 *          hooks:   {POINT: [module, ...] | {order: [...], timeout: D}}
 *          NAME:    {...}   each module's own subtree
 *
 * All functions run on the main thread unless stated otherwise.  Error
 * strings returned through error_r are one line, in a static buffer that
 * stays valid until the next loader call.
 */
#ifndef GD_MODULE_PRIVATE_H
#define GD_MODULE_PRIVATE_H

#include <stdio.h>

#include <gumdrop/module.h>
#include <gumdrop/config.h>

struct gd_loop;
struct gd_protocol;

/*
 * Load every module named in `modules.load` from `dir_override` when it
 * is not NULL (gumdropd -m), else from `modules.path`, else from the
 * installed module directory (GD_MODULEDIR).  Check each descriptor, fill the service registry,
 * resolve dependencies, validate each module's config subtree, compile
 * the hook chains from `hooks:`, then init in dependency order.  On any
 * failure nothing stays loaded and -1 is returned with one line:
 *   module 'foo' (/dir/foo.so): ABI major 2, this gumdropd supports 1
 * `root` must outlive the loaded modules (or the next reload).
 */
int gd_modules_load(const struct gd_config_node *root,
    const char *dir_override, const char **error_r);

/*
 * On each worker thread: every module's thread_init in load order.  On
 * failure, the modules already done on this loop get thread_fini (in
 * reverse) and -1 is returned; the error string stays valid after the
 * thread exits.
 */
int gd_modules_thread_init(struct gd_loop *loop, const char **error_r);
void gd_modules_thread_fini(struct gd_loop *loop);

/*
 * SIGHUP: offer the new tree to every module (its new subtree is first
 * validated against its keys).  If all accept, modules see the new
 * subtree through gd_module_ctx_config(); otherwise -1 and nothing
 * changes.  Changing `modules:` needs a restart: a reload that loads or
 * drops a module is refused.  `hooks:` is not re-read (the compiled
 * chains stay until restart).  The caller keeps the accepted tree alive.
 */
int gd_modules_reload(const struct gd_config_node *root,
    const char **error_r);

/* fini in reverse init order, clear hooks and services, dlclose.  */
void gd_modules_unload(void);

/* `gumdropd -M`: one line per module "name version abi=M.m file=PATH". */
void gd_modules_print(FILE *out);

/* The context of the loaded module `name`, or NULL.  Any thread. */
struct gd_module_ctx *gd_module_ctx_find(const char *name);

/* True if a module of that name is loaded.  Any thread. */
bool gd_modules_is_loaded_name(const char *name);

/*
 * The protocol `name` from the loaded modules' `protocols` arrays, or
 * NULL.  Any thread after load.
 */
const struct gd_protocol *gd_protocol_find(const char *name);

/*
 * The loaded module whose descriptor declares `protocol` (compared by
 * address), or NULL (for example a protocol made up by a unit test).
 */
struct gd_module_ctx *gd_protocol_module(const struct gd_protocol *protocol);

#endif /* GD_MODULE_PRIVATE_H */
