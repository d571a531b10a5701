/*
 * gumdrop/module.h — the module descriptor and the plugin ABI version.
 *
 * A module is a shared object NAME.so exporting exactly one symbol,
 * `gumdrop_module`, a const struct gd_module.  Declare it with
 * GD_MODULE_EXPORT:
 *
 *   GD_MODULE_EXPORT = {
 *       GD_MODULE_HEAD,
 *       .name = "echo",
 *       .version = "1.0.0",
 *       .description = "line echo service",
 *       .license = "MIT",
 *       .init = echo_init,
 *       ...
 *   };
 *
 * The loader (gumdropd) dlopen()s the file with RTLD_NOW|RTLD_LOCAL and
 * checks, in order: the magic number, the descriptor size, the ABI major
 * (must equal the core's), the ABI minor (must not be newer than the
 * core's), the build signature, the name (must equal the file's base name
 * and be unique), the dependencies (present, new enough, no cycles), and
 * the module's config subtree against its declared keys.  Only then are
 * modules initialised, in dependency order.  Any failure stops start-up
 * with one line naming the module, its file and the reason; modules
 * already initialised are finalised in reverse.
 *
 * ABI CHANGELOG (adding is a minor bump; changing or removing is a major
 * bump):
 *   1.0  2026-11-23  first version.
 *   1.1  2026-11-30  authentication: the functions of sasl.h and
 *                    sasl-impl.h, gd_realm_find (realm.h), the
 *                    "tls-server-end-point" channel binding type (tls.h),
 *                    the listener key `sasl:`; service.h:
 *                    gd_service_module_ctx().
 *   1.2  2026-11-30  sasl-impl.h: gd_sasl_x_plain_secret();
 *                    gd_module_pin_library().
 *   1.3  2026-11-30  SMTP: gumdrop/cidr.h (network prefixes, the
 *                    listeners' allow/deny matcher, now public for the
 *                    smtp module's relay and XCLIENT networks);
 *                    gumdrop/smtp.h (service "smtp" 1.0);
 *                    struct gd_protocol's sasl_service (a reserved
 *                    slot: the SASL service name of a protocol);
 *                    hooks.h: gd_hook_call_point(); mailbox.h:
 *                    gd_mail_user_quota() (mailbox-impl.h: the
 *                    backends' store_config, in a reserved slot).
 *   1.4  2026-11-30  conn.h: gd_conn_write_low_water() (the queue size
 *                    under which DRAINED comes: a streaming producer's
 *                    bound; POP3 RETR/TOP); sasl.h:
 *                    gd_sasl_secrets_available(); realm.h (realm 1.1):
 *                    gives_plain_secrets, in a reserved slot.
 *   1.5  2026-11-30  mailbox.h: message caches (gd_mail_cache_*, the
 *                    search header cache's engine, public for IMAP's
 *                    ENVELOPE/BODYSTRUCTURE cache).
 *   1.6  2026-12-01  mail-deliver.h: gd_mail_delivery_insert() (bytes
 *                    put at an offset of every delivered copy: header
 *                    fields added at end of data) and
 *                    gd_mail_delivery_set_junk() (quarantine into the
 *                    \Junk mailbox); smtp.h: service "smtp" 1.1
 *                    (add_field, drop_fields, quarantine);
 *                    config.h: parsed generations (gd_config_gens_*).
 *   1.7  2026-12-01  mailbox.h: gd_mail_store_create_special() (folders
 *                    made together share their syncs) and struct
 *                    gd_mail_special_folder, moved from mailbox-impl.h;
 *                    mailbox-impl.h: gd_mail_store.defer_sync (in
 *                    padding: the layout is unchanged).
 *   1.8  2026-12-01  mailbox.h: GD_MAIL_DATE_UNKNOWN and
 *                    gd_mailbox_internal_date() (internal dates read
 *                    when asked); mailbox-impl.h: the backend's
 *                    internal_date (in a reserved slot).
 */
#ifndef GUMDROP_MODULE_H
#define GUMDROP_MODULE_H

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GD_ABI_MAJOR	1
#define GD_ABI_MINOR	8

/* "GDMD" */
#define GD_MODULE_MAGIC	0x47444d44u

/*
 * Build options that change struct layout.  A module built with different
 * ones is refused.  The release version is deliberately not part of it.
 */
#define GD_STR_(x)	#x
#define GD_STR(x)	GD_STR_(x)
#define GD_BUILD_SIGNATURE \
	"ptr" GD_STR(__SIZEOF_POINTER__) \
	",long" GD_STR(__SIZEOF_LONG__) \
	",tls=gnutls,threads=posix"

/* The one symbol a module exports. */
#define GD_MODULE_SYMBOL	"gumdrop_module"

struct gd_config_node;
struct gd_config_key;
struct gd_loop;
struct gd_hook_point_decl;
struct gd_hook_reg;
struct gd_service_decl;
struct gd_protocol;
struct gd_module_ctx;

/*
 * A dependency: on a module (by name) or on a service (by name), with the
 * minimum version needed (for modules, the ABI major/minor it was built
 * against is not what is compared: `major`/`minor` are matched against
 * the service's declared version, and ignored for plain module
 * dependencies when both are 0).  A list ends with an entry whose name is
 * NULL.
 */
enum gd_module_dep_kind {
	GD_DEP_MODULE = 1,
	GD_DEP_SERVICE,
};

struct gd_module_dep {
	enum gd_module_dep_kind kind;
	const char *name;
	unsigned major;
	unsigned minor;
};

/*
 * Lifecycle callbacks.  All return 0 on success or -1 with *error_r set to
 * a static or pool-allocated (ctx's config pool) message.
 *
 * init:        main thread, once, after the module's dependencies, before
 *              workers start.  `config` is the module's subtree (the value
 *              of the top-level key named after the module), or NULL.
 * thread_init: on each worker loop's thread, before it serves traffic.
 * thread_fini: on each worker loop's thread, after it stopped serving.
 * reload:      main thread, on SIGHUP, with the new subtree.  Only accept
 *              (0) or refuse (-1); the new generation is swapped in only
 *              if every module accepts.  NULL means "accept".
 * fini:        main thread, in reverse dependency order, at shutdown.
 */
typedef int gd_module_init_fn(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
typedef int gd_module_thread_init_fn(struct gd_module_ctx *ctx,
    struct gd_loop *loop, const char **error_r);
typedef void gd_module_thread_fini_fn(struct gd_module_ctx *ctx,
    struct gd_loop *loop);
typedef int gd_module_reload_fn(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
typedef void gd_module_fini_fn(struct gd_module_ctx *ctx);

struct gd_module {
	/* Fixed head: these four never move. */
	uint32_t magic;			/* GD_MODULE_MAGIC */
	uint32_t size;			/* sizeof(struct gd_module) */
	uint16_t abi_major;		/* GD_ABI_MAJOR */
	uint16_t abi_minor;		/* GD_ABI_MINOR */
	const char *signature;		/* GD_BUILD_SIGNATURE */

	/* Identity. */
	const char *name;		/* equals the file's base name */
	const char *version;		/* human-readable, e.g. "1.2.0" */
	const char *description;	/* one line */
	const char *license;

	const struct gd_module_dep *deps;		/* may be NULL */

	/* Static declarations. */
	const struct gd_config_key *config_keys;	/* may be NULL */
	const struct gd_hook_point_decl *hook_points;	/* hooks it runs */
	const struct gd_hook_reg *hooks;		/* handlers it adds */
	const struct gd_service_decl *services;		/* tables it offers */
	const struct gd_protocol *protocols;		/* listener protocols */

	/* Lifecycle. */
	gd_module_init_fn *init;
	gd_module_thread_init_fn *thread_init;
	gd_module_thread_fini_fn *thread_fini;
	gd_module_reload_fn *reload;
	gd_module_fini_fn *fini;

	void *reserved[8];		/* zero */
};

#define GD_MODULE_HEAD \
	.magic = GD_MODULE_MAGIC, \
	.size = sizeof(struct gd_module), \
	.abi_major = GD_ABI_MAJOR, \
	.abi_minor = GD_ABI_MINOR, \
	.signature = GD_BUILD_SIGNATURE

#define GD_MODULE_EXPORT \
	GD_API extern const struct gd_module gumdrop_module; \
	const struct gd_module gumdrop_module

/* ---- the module context (one per loaded module) --------------------- */

/* The module's name and its load index (0-based, in init order). */
GD_API const char *gd_module_ctx_name(const struct gd_module_ctx *ctx);
GD_API unsigned gd_module_ctx_index(const struct gd_module_ctx *ctx);

/*
 * Module-private state: set in init, read anywhere.  The core never
 * touches it.  Prefer this (or per-connection slots, see conn.h) over
 * globals.
 */
GD_API void gd_module_ctx_set_data(struct gd_module_ctx *ctx, void *data);
GD_API void *gd_module_ctx_get_data(const struct gd_module_ctx *ctx);

/* The current config node of the module (changes after a reload). */
GD_API const struct gd_config_node *gd_module_ctx_config(
    const struct gd_module_ctx *ctx);

/* Number of loaded modules (the size of per-object slot arrays). */
GD_API unsigned gd_module_count(void);

/*
 * Keep the shared library that defines `symbol` (e.g. a function of
 * libldap) mapped until the process exits, even after the module that
 * uses it is unloaded.  For libraries with process-wide state (option
 * defaults, caches, registered plugins) that no call frees: unmapped
 * under that state, its memory would be lost (and reported as a leak by
 * LeakSanitizer).  Call it from init.  0, or -1 when the library cannot
 * be found (the module may go on).  Main thread.  (ABI 1.2)
 */
GD_API int gd_module_pin_library(const void *symbol);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_MODULE_H */
