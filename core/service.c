/*
 * service.c — the registry of services modules provide (gumdrop/service.h).
 * Filled by the loader on the main thread before any init, read-only
 * afterwards.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/service.h>

#include "hooks-private.h"
#include "module-private.h"

struct service_entry {
	const char *module;
	const struct gd_service_decl *decl;
};

static struct service_entry *services;
static unsigned service_count;

static const struct service_entry *
service_find(const char *name)
{
	unsigned i;

	for (i = 0; i < service_count; i++) {
		if (strcmp(services[i].decl->name, name) == 0)
			return &services[i];
	}
	return NULL;
}

int
gd_services_add(const char *module, const struct gd_service_decl *decl,
    const char **error_r)
{
	static char error[256];
	const struct service_entry *old;

	if ((old = service_find(decl->name)) != NULL) {
		snprintf(error, sizeof(error), "service '%s' is already "
		    "provided by module '%s'", decl->name, old->module);
		*error_r = error;
		return -1;
	}
	if (decl->table == NULL ||
	    *(const size_t *)decl->table < sizeof(size_t)) {
		snprintf(error, sizeof(error), "service '%s' has no table "
		    "or its size field is wrong", decl->name);
		*error_r = error;
		return -1;
	}
	services = gd_xrealloc(services,
	    (service_count + 1) * sizeof(*services));
	services[service_count].module = module;
	services[service_count].decl = decl;
	service_count++;
	return 0;
}

void
gd_services_reset(void)
{
	free(services);
	services = NULL;
	service_count = 0;
}

const void *
gd_service_lookup(const char *name, unsigned min_major, unsigned min_minor,
    const char **error_r)
{
	static __thread char error[256];
	const struct service_entry *e = service_find(name);
	const char *dummy;

	if (error_r == NULL)
		error_r = &dummy;
	if (e == NULL) {
		snprintf(error, sizeof(error), "service '%s' %u.%u is not "
		    "provided by any loaded module", name, min_major,
		    min_minor);
		*error_r = error;
		return NULL;
	}
	if (e->decl->major != min_major || e->decl->minor < min_minor) {
		snprintf(error, sizeof(error), "service '%s' %u.%u is not "
		    "available (module '%s' provides %u.%u)", name,
		    min_major, min_minor, e->module, e->decl->major,
		    e->decl->minor);
		*error_r = error;
		return NULL;
	}
	return e->decl->table;
}

const char *
gd_service_provider(const char *name)
{
	const struct service_entry *e = service_find(name);

	return e != NULL ? e->module : NULL;
}

struct gd_module_ctx *
gd_service_module_ctx(const void *table)
{
	unsigned i;

	for (i = 0; i < service_count; i++)
		if (services[i].decl->table == table)
			return gd_module_ctx_find(services[i].module);
	return NULL;
}
