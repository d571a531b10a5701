/*
 * ld-resolve.c — which users an address in a local domain means, before
 * the realm is asked: the +detail is split off, `aliases:` are expanded
 * (recursively, bounded, deduplicated), postmaster is recognised (RFC
 * 5321 4.5.1, also the bare <postmaster>).  Pure.
 */
#include <string.h>
#include <strings.h>

#include "local-delivery.h"

static int ld_expand(const struct ld_config *cfg, const struct ld_alias *a,
    unsigned depth, struct gd_pool *pool, struct ld_resolved *out);

/* Does alias key `name` ("x" or "x@dom") match local@domain? */
static bool
ld_alias_match(const char *name, const char *local, const char *domain,
    bool qualified)
{
	const char *at = strchr(name, '@');
	size_t n = strlen(local);

	if (!qualified)
		return at == NULL && strcasecmp(name, local) == 0;
	return at != NULL && domain != NULL && (size_t)(at - name) == n &&
	    strncasecmp(name, local, n) == 0 &&
	    strcasecmp(at + 1, domain) == 0;
}

/* The alias for local@domain: "local@domain" first, then "local". */
static const struct ld_alias *
ld_alias_find(const struct ld_config *cfg, const char *local,
    const char *domain)
{
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < cfg->naliases; i++)
			if (ld_alias_match(cfg->aliases[i].name, local, domain,
			    pass == 0))
				return &cfg->aliases[i];
	return NULL;
}

/* Add user `name` once.  -1 when full. */
static int
ld_add_name(struct ld_resolved *out, const char *name)
{
	unsigned i;

	for (i = 0; i < out->count; i++)
		if (strcmp(out->names[i], name) == 0)
			return 0;
	if (out->count == LD_MAX_TARGETS)
		return -1;
	out->names[out->count++] = name;
	return 0;
}

/* One target of alias `a`: another alias, or a user. */
static int
ld_expand_target(const struct ld_config *cfg, const struct ld_alias *a,
    const char *t, unsigned depth, struct gd_pool *pool,
    struct ld_resolved *out)
{
	const char *at = strchr(t, '@');
	const char *local = at != NULL ? gd_pool_strndup(pool, t,
	    (size_t)(at - t)) : t;
	const struct ld_alias *sub = ld_alias_find(cfg, local,
	    at != NULL ? at + 1 : NULL);

	/* An alias naming itself ("demo: [demo, backup]") means the user. */
	if (sub == NULL || sub == a)
		return ld_add_name(out, local);
	if (depth >= LD_MAX_ALIAS_DEPTH)
		return -1;
	return ld_expand(cfg, sub, depth + 1, pool, out);
}

static int
ld_expand(const struct ld_config *cfg, const struct ld_alias *a,
    unsigned depth, struct gd_pool *pool, struct ld_resolved *out)
{
	size_t i;

	for (i = 0; a->targets[i] != NULL; i++)
		if (ld_expand_target(cfg, a, a->targets[i], depth, pool,
		    out) < 0)
			return -1;
	return 0;
}

/* Split local into base and detail at the first delimiter (not first). */
static const char *
ld_split_detail(const struct ld_config *cfg, const char *local,
    struct gd_pool *pool, const char **detail_r)
{
	size_t n = strcspn(local, cfg->detail_delimiter);

	*detail_r = NULL;
	if (cfg->detail_delimiter[0] == '\0' || n == 0 || local[n] == '\0')
		return local;
	if (local[n + 1] != '\0')
		*detail_r = gd_pool_strdup(pool, local + n + 1);
	return gd_pool_strndup(pool, local, n);
}

int
ld_resolve(const struct ld_config *cfg, const char *local,
    const char *domain, struct gd_pool *pool, struct ld_resolved *out)
{
	const struct ld_alias *a;
	const char *base = local;

	memset(out, 0, sizeof(*out));
	if (domain[0] == '\0' ? strcasecmp(local, "postmaster") != 0 :
	    !ld_domain_is_local(cfg, domain))
		return 0;
	if (domain[0] == '\0')
		domain = NULL;
	if ((a = ld_alias_find(cfg, local, domain)) == NULL) {
		base = ld_split_detail(cfg, local, pool, &out->detail);
		a = ld_alias_find(cfg, base, domain);
	}
	out->postmaster = strcasecmp(base, "postmaster") == 0;
	if (a == NULL) {
		out->names[0] = base;
		out->count = 1;
		return 1;
	}
	out->aliased = true;
	return ld_expand(cfg, a, 1, pool, out) < 0 ? -1 : 1;
}
