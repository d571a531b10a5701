/*
 * module.c — the module loader: dlopen, descriptor checks, dependency
 * order, config validation, lifecycle (see gumdrop/module.h and
 * module-private.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/module.h>
#include <gumdrop/config.h>
#include <gumdrop/conn.h>
#include <gumdrop/log.h>

#include "hooks-private.h"
#include "module-private.h"

#define GD_MODULE_CTX_MAGIC	0x47444d43u	/* "GDMC" */

/* ABI 1.0's descriptor is the smallest one we know. */
#define GD_MODULE_MIN_SIZE	sizeof(struct gd_module)

enum module_mark {
	MODULE_UNVISITED = 0,
	MODULE_VISITING,
	MODULE_SORTED,
};

struct gd_module_ctx {
	uint32_t magic;
	const struct gd_module *desc;
	char *name;
	char *path;
	void *dl;
	unsigned index;
	void *data;
	const struct gd_config_node *config;
	bool initialised;
	enum module_mark mark;
};

/* Loaded modules, in init order once sorted. */
static struct gd_module_ctx **modules;
static unsigned module_count;
static char module_error[1024];

static pthread_mutex_t module_thread_lock = PTHREAD_MUTEX_INITIALIZER;
static char module_thread_error[512];

static const struct gd_config_key module_no_keys[] = {
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_config_key module_section_keys[] = {
	{ "path", GD_CONFIG_KEY_STRING, GD_MODULEDIR, 0, 0,
	    "directory holding NAME.so files" },
	{ "load", GD_CONFIG_KEY_STRINGS, "[]", 0, 0,
	    "modules to load" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

/* Set the one-line error "module 'NAME' (PATH): ..." and return -1. */
static int GD_PRINTF(4, 5)
module_fail(const char *name, const char *path, const char **error_r,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(module_error, sizeof(module_error), "module '%s' (%s): ",
	    name, path);
	if (n < 0 || (size_t)n >= sizeof(module_error))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(module_error + n, sizeof(module_error) - (size_t)n, fmt, ap);
	va_end(ap);
	*error_r = module_error;
	return -1;
}

static struct gd_module_ctx *
module_find(const char *name)
{
	unsigned i;

	for (i = 0; i < module_count; i++) {
		if (strcmp(modules[i]->name, name) == 0)
			return modules[i];
	}
	return NULL;
}

/* ---- opening and checking one file ------------------------------------ */

/* The fixed head and identity, in the order STYLE.md §8 gives. */
static int
module_check_desc(struct gd_module_ctx *ctx, const char **error_r)
{
	const struct gd_module *d = ctx->desc;

	if (d->magic != GD_MODULE_MAGIC)
		return module_fail(ctx->name, ctx->path, error_r,
		    "bad magic 0x%08x, expected 0x%08x", d->magic,
		    GD_MODULE_MAGIC);
	if (d->size < GD_MODULE_MIN_SIZE)
		return module_fail(ctx->name, ctx->path, error_r,
		    "descriptor size %u, the smallest known is %zu", d->size,
		    GD_MODULE_MIN_SIZE);
	if (d->abi_major != GD_ABI_MAJOR)
		return module_fail(ctx->name, ctx->path, error_r,
		    "ABI major %u, this gumdropd supports %u", d->abi_major,
		    GD_ABI_MAJOR);
	if (d->abi_minor > GD_ABI_MINOR)
		return module_fail(ctx->name, ctx->path, error_r,
		    "ABI minor %u is newer than this gumdropd's %u.%u",
		    d->abi_minor, GD_ABI_MAJOR, GD_ABI_MINOR);
	if (d->signature == NULL ||
	    strcmp(d->signature, GD_BUILD_SIGNATURE) != 0)
		return module_fail(ctx->name, ctx->path, error_r,
		    "build signature '%s', this gumdropd expects '%s'",
		    d->signature != NULL ? d->signature : "(none)",
		    GD_BUILD_SIGNATURE);
	if (d->name == NULL || strcmp(d->name, ctx->name) != 0)
		return module_fail(ctx->name, ctx->path, error_r,
		    "descriptor names the module '%s', expected '%s' (the "
		    "file's base name)", d->name != NULL ? d->name : "(none)",
		    ctx->name);
	if (module_find(ctx->name) != NULL)
		return module_fail(ctx->name, ctx->path, error_r,
		    "loaded twice");
	return 0;
}

static void
module_free(struct gd_module_ctx **ctxp)
{
	struct gd_module_ctx *ctx = *ctxp;

	if (ctx == NULL)
		return;
	if (ctx->dl != NULL)
		dlclose(ctx->dl);
	ctx->magic = 0;
	free(ctx->name);
	free(ctx->path);
	free(ctx);
	*ctxp = NULL;
}

static int
module_open(const char *dir, const char *name, const char **error_r)
{
	struct gd_module_ctx *ctx;
	const char *err;

	ctx = gd_xcalloc(1, sizeof(*ctx));
	ctx->magic = GD_MODULE_CTX_MAGIC;
	ctx->name = gd_xstrdup(name);
	ctx->path = gd_xasprintf("%s/%s.so", dir, name);
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		module_fail(name, ctx->path, error_r, "invalid module name");
		goto fail;
	}
	ctx->dl = dlopen(ctx->path, RTLD_NOW | RTLD_LOCAL);
	if (ctx->dl == NULL) {
		err = dlerror();
		module_fail(name, ctx->path, error_r, "cannot load: %s",
		    err != NULL ? err : "unknown error");
		goto fail;
	}
	ctx->desc = dlsym(ctx->dl, GD_MODULE_SYMBOL);
	if (ctx->desc == NULL) {
		module_fail(name, ctx->path, error_r, "missing symbol %s",
		    GD_MODULE_SYMBOL);
		goto fail;
	}
	if (module_check_desc(ctx, error_r) < 0)
		goto fail;
	modules = gd_xrealloc(modules, (module_count + 1) * sizeof(*modules));
	modules[module_count++] = ctx;
	return 0;
fail:
	module_free(&ctx);
	return -1;
}

/* ---- services and dependencies ---------------------------------------- */

static int
module_add_services(const char **error_r)
{
	const struct gd_service_decl *s;
	const char *err;
	unsigned i;

	for (i = 0; i < module_count; i++) {
		for (s = modules[i]->desc->services; s != NULL &&
		    s->name != NULL; s++) {
			if (gd_services_add(modules[i]->name, s, &err) < 0)
				return module_fail(modules[i]->name,
				    modules[i]->path, error_r, "%s", err);
		}
	}
	return 0;
}

/* The module `dep` points at (a module or a service's provider). */
static int
module_dep_target(const struct gd_module_ctx *ctx,
    const struct gd_module_dep *dep, struct gd_module_ctx **target_r,
    const char **error_r)
{
	const char *provider;

	if (dep->kind == GD_DEP_MODULE) {
		*target_r = module_find(dep->name);
		if (*target_r == NULL)
			return module_fail(ctx->name, ctx->path, error_r,
			    "needs module '%s', which is not loaded",
			    dep->name);
		return 0;
	}
	if (dep->kind != GD_DEP_SERVICE)
		return module_fail(ctx->name, ctx->path, error_r,
		    "dependency '%s' has unknown kind %d", dep->name,
		    (int)dep->kind);
	provider = gd_service_provider(dep->name);
	if (provider == NULL)
		return module_fail(ctx->name, ctx->path, error_r,
		    "needs service '%s' %u.%u, which no loaded module "
		    "provides", dep->name, dep->major, dep->minor);
	if (gd_service_lookup(dep->name, dep->major, dep->minor, NULL) ==
	    NULL)
		return module_fail(ctx->name, ctx->path, error_r,
		    "needs service '%s' %u.%u: %s", dep->name, dep->major,
		    dep->minor, "provided version is incompatible");
	*target_r = module_find(provider);
	return 0;
}

static int
module_check_deps(const char **error_r)
{
	const struct gd_module_dep *dep;
	struct gd_module_ctx *target;
	unsigned i;

	for (i = 0; i < module_count; i++) {
		for (dep = modules[i]->desc->deps; dep != NULL &&
		    dep->name != NULL; dep++) {
			if (module_dep_target(modules[i], dep, &target,
			    error_r) < 0)
				return -1;
		}
	}
	return 0;
}

/* Describe the cycle that ends at `ctx` from the DFS stack. */
static int
module_cycle(struct gd_module_ctx **stack, unsigned depth,
    struct gd_module_ctx *ctx, const char **error_r)
{
	char path[512];
	size_t len = 0;
	unsigned i;

	for (i = 0; i < depth && stack[i] != ctx; i++)
		;
	path[0] = '\0';
	for (; i < depth; i++) {
		snprintf(path + len, sizeof(path) - len, "%s -> ",
		    stack[i]->name);
		len = strlen(path);
	}
	snprintf(path + len, sizeof(path) - len, "%s", ctx->name);
	return module_fail(ctx->name, ctx->path, error_r,
	    "dependency cycle: %s", path);
}

/* Depth-first: dependencies are appended to `sorted` before dependents. */
static int
module_visit(struct gd_module_ctx *ctx, struct gd_module_ctx **stack,
    unsigned depth, struct gd_module_ctx **sorted, unsigned *n,
    const char **error_r)
{
	const struct gd_module_dep *dep;
	struct gd_module_ctx *target;

	if (ctx->mark == MODULE_SORTED)
		return 0;
	if (ctx->mark == MODULE_VISITING)
		return module_cycle(stack, depth, ctx, error_r);
	ctx->mark = MODULE_VISITING;
	stack[depth] = ctx;
	for (dep = ctx->desc->deps; dep != NULL && dep->name != NULL; dep++) {
		if (module_dep_target(ctx, dep, &target, error_r) < 0 ||
		    module_visit(target, stack, depth + 1, sorted, n,
		    error_r) < 0)
			return -1;
	}
	ctx->mark = MODULE_SORTED;
	sorted[(*n)++] = ctx;
	return 0;
}

static int
module_sort(const char **error_r)
{
	struct gd_module_ctx **sorted, **stack;
	unsigned i, n = 0;
	int ret = 0;

	sorted = gd_xcalloc(module_count + 1, sizeof(*sorted));
	stack = gd_xcalloc(module_count + 1, sizeof(*stack));
	for (i = 0; i < module_count && ret == 0; i++)
		ret = module_visit(modules[i], stack, 0, sorted, &n, error_r);
	if (ret == 0 && module_count > 0) {
		memcpy(modules, sorted, module_count * sizeof(*modules));
		for (i = 0; i < module_count; i++)
			modules[i]->index = i;
	}
	free(sorted);
	free(stack);
	return ret;
}

/* ---- config, hooks, init ------------------------------------------------ */

static int
module_validate_config(const struct gd_module_ctx *ctx,
    const struct gd_config_node *node, const char **error_r)
{
	const struct gd_config_key *keys = ctx->desc->config_keys;
	const char *err;

	if (node == NULL || gd_config_node_is_null(node))
		return 0;
	if (gd_config_validate(node, keys != NULL ? keys : module_no_keys,
	    &err) < 0)
		return module_fail(ctx->name, ctx->path, error_r, "%s", err);
	return 0;
}

static int
module_build_hooks(const struct gd_config_node *root, const char **error_r)
{
	struct gd_hooks_module *hm;
	unsigned i;
	int ret;

	hm = gd_xcalloc(module_count + 1, sizeof(*hm));
	for (i = 0; i < module_count; i++) {
		hm[i].name = modules[i]->name;
		hm[i].ctx = modules[i];
		hm[i].points = modules[i]->desc->hook_points;
		hm[i].regs = modules[i]->desc->hooks;
	}
	ret = gd_hooks_build(hm, module_count,
	    root != NULL ? gd_config_get(root, "hooks") : NULL, error_r);
	free(hm);
	return ret;
}

static int
module_init_all(const struct gd_config_node *root, const char **error_r)
{
	struct gd_module_ctx *ctx;
	const char *err;
	unsigned i;

	for (i = 0; i < module_count; i++) {
		ctx = modules[i];
		ctx->config = root != NULL ? gd_config_get(root, ctx->name) :
		    NULL;
		if (module_validate_config(ctx, ctx->config, error_r) < 0)
			return -1;
	}
	for (i = 0; i < module_count; i++) {
		ctx = modules[i];
		err = NULL;
		if (ctx->desc->init != NULL &&
		    ctx->desc->init(ctx, ctx->config, &err) < 0)
			return module_fail(ctx->name, ctx->path, error_r,
			    "init failed: %s", err != NULL ? err :
			    "(no reason given)");
		ctx->initialised = true;
		gd_log(GD_LOG_INFO, "module.init", "module=%s version=%s",
		    ctx->name, ctx->desc->version != NULL ?
		    ctx->desc->version : "-");
	}
	return 0;
}

/*
 * Read `modules:`; *dir_r and *names_r live in the config's pool.  A
 * directory given by the caller (gumdropd -m) wins over modules.path.
 */
static int
module_read_section(const struct gd_config_node *section,
    const char *dir_override, const char **dir_r,
    const char *const **names_r, const char **error_r)
{
	static const char *const none[] = { NULL };

	*dir_r = dir_override != NULL ? dir_override : GD_MODULEDIR;
	*names_r = none;
	if (section == NULL || gd_config_node_is_null(section))
		return 0;
	if (gd_config_validate(section, module_section_keys, error_r) < 0 ||
	    gd_config_get_string(section, "path", *dir_r, dir_r,
	    error_r) < 0 ||
	    gd_config_get_strings(section, "load", names_r, NULL,
	    error_r) < 0)
		return -1;
	if (dir_override != NULL)
		*dir_r = dir_override;
	return 0;
}

int
gd_modules_load(const struct gd_config_node *root, const char *dir_override,
    const char **error_r)
{
	const char *const *names;
	const char *dir;
	size_t i;

	assert(module_count == 0);
	if (module_read_section(root != NULL ?
	    gd_config_get(root, "modules") : NULL, dir_override, &dir,
	    &names, error_r) < 0)
		return -1;
	for (i = 0; names[i] != NULL; i++) {
		if (module_open(dir, names[i], error_r) < 0)
			goto fail;
	}
	if (module_add_services(error_r) < 0 ||
	    module_check_deps(error_r) < 0 || module_sort(error_r) < 0 ||
	    module_build_hooks(root, error_r) < 0 ||
	    module_init_all(root, error_r) < 0)
		goto fail;
	return 0;
fail:
	gd_modules_unload();
	return -1;
}

void
gd_modules_unload(void)
{
	unsigned i;

	for (i = module_count; i-- > 0;) {
		if (modules[i]->initialised && modules[i]->desc->fini != NULL)
			modules[i]->desc->fini(modules[i]);
		modules[i]->initialised = false;
	}
	gd_hooks_reset();
	gd_services_reset();
	for (i = module_count; i-- > 0;)
		module_free(&modules[i]);
	free(modules);
	modules = NULL;
	module_count = 0;
}

/* ---- worker threads ------------------------------------------------------ */

static void
module_thread_fini_upto(struct gd_loop *loop, unsigned n)
{
	while (n-- > 0) {
		if (modules[n]->desc->thread_fini != NULL)
			modules[n]->desc->thread_fini(modules[n], loop);
	}
}

int
gd_modules_thread_init(struct gd_loop *loop, const char **error_r)
{
	const char *err;
	unsigned i;

	for (i = 0; i < module_count; i++) {
		err = NULL;
		if (modules[i]->desc->thread_init == NULL ||
		    modules[i]->desc->thread_init(modules[i], loop, &err) == 0)
			continue;
		pthread_mutex_lock(&module_thread_lock);
		snprintf(module_thread_error, sizeof(module_thread_error),
		    "module '%s' (%s): thread init failed: %s",
		    modules[i]->name, modules[i]->path,
		    err != NULL ? err : "(no reason given)");
		pthread_mutex_unlock(&module_thread_lock);
		*error_r = module_thread_error;
		module_thread_fini_upto(loop, i);
		return -1;
	}
	return 0;
}

void
gd_modules_thread_fini(struct gd_loop *loop)
{
	module_thread_fini_upto(loop, module_count);
}

/* ---- reload ------------------------------------------------------------- */

static int
module_same_list(const struct gd_config_node *root, const char **error_r)
{
	const char *const *names;
	const char *dir;
	size_t i;

	if (module_read_section(gd_config_get(root, "modules"), "", &dir,
	    &names, error_r) < 0)
		return -1;
	for (i = 0; names[i] != NULL; i++) {
		if (module_find(names[i]) == NULL)
			break;
	}
	if (names[i] != NULL || i != module_count) {
		snprintf(module_error, sizeof(module_error), "reload refused: "
		    "the list of modules changed (restart gumdropd to load or "
		    "unload modules)");
		*error_r = module_error;
		return -1;
	}
	return 0;
}

int
gd_modules_reload(const struct gd_config_node *root, const char **error_r)
{
	const struct gd_config_node *node;
	struct gd_module_ctx *ctx;
	const char *err;
	unsigned i;

	if (module_same_list(root, error_r) < 0)
		return -1;
	for (i = 0; i < module_count; i++) {
		ctx = modules[i];
		node = gd_config_get(root, ctx->name);
		if (module_validate_config(ctx, node, error_r) < 0)
			return -1;
		err = NULL;
		if (ctx->desc->reload != NULL &&
		    ctx->desc->reload(ctx, node, &err) < 0)
			return module_fail(ctx->name, ctx->path, error_r,
			    "reload refused: %s", err != NULL ? err :
			    "(no reason given)");
	}
	for (i = 0; i < module_count; i++)
		__atomic_store_n(&modules[i]->config,
		    gd_config_get(root, modules[i]->name), __ATOMIC_RELEASE);
	return 0;
}

/* ---- queries ------------------------------------------------------------- */

void
gd_modules_print(FILE *out)
{
	const struct gd_module *d;
	unsigned i;

	for (i = 0; i < module_count; i++) {
		d = modules[i]->desc;
		fprintf(out, "%s %s abi=%u.%u file=%s\n", modules[i]->name,
		    d->version != NULL ? d->version : "-",
		    (unsigned)d->abi_major, (unsigned)d->abi_minor,
		    modules[i]->path);
	}
}

struct gd_module_ctx *
gd_module_ctx_find(const char *name)
{
	return module_find(name);
}

bool
gd_modules_is_loaded_name(const char *name)
{
	return module_find(name) != NULL;
}

const struct gd_protocol *
gd_protocol_find(const char *name)
{
	const struct gd_protocol *p;
	unsigned i;

	for (i = 0; i < module_count; i++) {
		for (p = modules[i]->desc->protocols; p != NULL &&
		    p->name != NULL; p++) {
			if (strcmp(p->name, name) == 0)
				return p;
		}
	}
	return NULL;
}

struct gd_module_ctx *
gd_protocol_module(const struct gd_protocol *protocol)
{
	const struct gd_protocol *p;
	unsigned i;

	for (i = 0; i < module_count; i++) {
		for (p = modules[i]->desc->protocols; p != NULL &&
		    p->name != NULL; p++) {
			if (p == protocol)
				return modules[i];
		}
	}
	return NULL;
}

const char *
gd_module_ctx_name(const struct gd_module_ctx *ctx)
{
	GD_CHECK_MAGIC(ctx, GD_MODULE_CTX_MAGIC);
	return ctx->name;
}

unsigned
gd_module_ctx_index(const struct gd_module_ctx *ctx)
{
	GD_CHECK_MAGIC(ctx, GD_MODULE_CTX_MAGIC);
	return ctx->index;
}

void
gd_module_ctx_set_data(struct gd_module_ctx *ctx, void *data)
{
	GD_CHECK_MAGIC(ctx, GD_MODULE_CTX_MAGIC);
	ctx->data = data;
}

void *
gd_module_ctx_get_data(const struct gd_module_ctx *ctx)
{
	GD_CHECK_MAGIC(ctx, GD_MODULE_CTX_MAGIC);
	return ctx->data;
}

const struct gd_config_node *
gd_module_ctx_config(const struct gd_module_ctx *ctx)
{
	GD_CHECK_MAGIC(ctx, GD_MODULE_CTX_MAGIC);
	return __atomic_load_n(&ctx->config, __ATOMIC_ACQUIRE);
}

unsigned
gd_module_count(void)
{
	return module_count;
}

int
gd_module_pin_library(const void *symbol)
{
	Dl_info info;

	if (dladdr(symbol, &info) == 0 || info.dli_fname == NULL)
		return -1;
	/* RTLD_NOLOAD: only a reference to what is loaded already; the
	 * reference is never dropped, and RTLD_NODELETE says so to ld.so. */
	if (dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD |
	    RTLD_NODELETE) == NULL)
		return -1;
	return 0;
}
