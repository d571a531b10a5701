/*
 * gumdrop/service.h — services: versioned function tables between modules.
 *
 * Modules never call each other's symbols (they are loaded RTLD_LOCAL).
 * A module that offers functionality to others declares a service in its
 * descriptor (module.h: `services`): a name, a major.minor version and a
 * pointer to a const table of function pointers.  Another module finds
 * it with gd_service_lookup() and depends on it with a GD_DEP_SERVICE
 * entry (then the loader refuses to start when it is missing or too old,
 * and initialises the provider first).
 *
 * VERSION RULES.  Adding functions at the end of a table is a minor bump;
 * changing or removing one is a major bump.  A lookup for min_major.
 * min_minor succeeds when the provider's major EQUALS min_major and its
 * minor is >= min_minor.
 *
 * TABLES start with their own size (size_t), so a user can check that a
 * function added in a later minor is present with GD_SERVICE_HAS():
 *
 *   struct quota_service {
 *       size_t size;              // sizeof(struct quota_service)
 *       int (*check)(...);        // 1.0
 *       int (*reserve)(...);      // 1.1
 *   };
 *
 * Wrapping another module's behaviour: look up its table in init and keep
 * it as `super`; never interpose symbols.
 */
#ifndef GUMDROP_SERVICE_H
#define GUMDROP_SERVICE_H

#include <stddef.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_module_ctx;

/*
 * A service a module provides.  A descriptor's `services` array ends with
 * an entry whose name is NULL.  Names are unique among loaded modules (a
 * duplicate is a load error).  `table` points to static const data whose
 * first field is a size_t holding the table's size; it must stay valid
 * while the module is loaded.
 */
struct gd_service_decl {
	const char *name;
	unsigned major;
	unsigned minor;
	const void *table;
};

/* True if `table` (a struct TYPE *) is large enough to contain FIELD. */
#define GD_SERVICE_HAS(table, type, field) \
	((table) != NULL && *(const size_t *)(const void *)(table) >= \
	    offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * Find service `name` with a version compatible with min_major.min_minor
 * (see VERSION RULES).  Returns the provider's table, valid until the
 * modules are unloaded; or NULL with *error_r set (error_r may be NULL),
 * e.g. "service 'quota' 2.0 is not available (module 'quota' provides
 * 1.3)".  The error string is valid until the next lookup on the same
 * thread.  The registry is filled before any module's init runs and is
 * read-only afterwards: any thread.
 */
GD_API const void *gd_service_lookup(const char *name, unsigned min_major,
    unsigned min_minor, const char **error_r);

/*
 * The name of the module that provides service `name`, or NULL.  Any
 * thread.
 */
GD_API const char *gd_service_provider(const char *name);

/*
 * The context of the module whose descriptor declares `table` (compared
 * by address) as a service, or NULL.  A service's functions receive their
 * table, not a context: this is how they reach their module's data
 * without globals:
 *
 *   static int
 *   mydb_store_open(const struct gd_mail_backend *b, ...)
 *   {
 *           struct mydb *db = gd_module_ctx_get_data(
 *               gd_service_module_ctx(b));
 *
 * Any thread after load; O(number of services).  (ABI 1.1)
 */
GD_API struct gd_module_ctx *gd_service_module_ctx(const void *table);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_SERVICE_H */
