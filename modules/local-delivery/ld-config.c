/*
 * ld-config.c — the local-delivery module's keys (README.md): local
 * domains, aliases, catch-all, +detail, realm, storage and quota policy.
 * Aliases are expanded once here so that loops and fan-out beyond
 * LD_MAX_TARGETS are configuration errors, not run-time surprises.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "local-delivery.h"

static int ld_aliases_parse(struct ld_config *cfg,
    const struct gd_config_node *map, const char **error_r);
static int ld_aliases_check(struct ld_config *cfg, const char **error_r);
static int ld_postmaster_parse(struct ld_config *cfg,
    const struct gd_config_node *node, const char **error_r);

const struct gd_config_key ld_config_keys[] = {
	{ "domains", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "the local domains (required): their recipients are delivered "
	    "here" },
	{ "realm", GD_CONFIG_KEY_STRING, "file", 0, 0,
	    "the realm users are looked up in (realm.NAME)" },
	{ "storage", GD_CONFIG_KEY_STRING, "maildir", 0, 0,
	    "the storage backend delivered into (mail-storage.NAME)" },
	{ "aliases", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "name or name@domain: user, address or list of them" },
	{ "postmaster", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "who receives postmaster@ every local domain: a user, an "
	    "address in a local domain or a list (RFC 5321 4.5.1)" },
	{ "catch-all", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "user that receives mail for unknown local addresses" },
	{ "detail-delimiter", GD_CONFIG_KEY_STRING, "+", 0, 0,
	    "characters separating user and detail (\"\": off)" },
	{ "detail-folders", GD_CONFIG_KEY_BOOL, "true", 0, 0,
	    "deliver user+detail into folder `detail` when it exists" },
	{ "over-quota", GD_CONFIG_KEY_STRING, "backend", 0, 0,
	    "backend, permanent (552 5.2.2) or temporary (452 4.2.2)" },
	{ "quota-check", GD_CONFIG_KEY_BOOL, "true", 0, 0,
	    "refuse recipients over quota at RCPT time" },
	{ "junk-folder", GD_CONFIG_KEY_STRING, "Junk", 0, 0,
	    "where quarantined mail goes when the user has no \\Junk "
	    "mailbox (created when missing)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const char *const ld_over_quota_names[] = {
	"backend", "permanent", "temporary", NULL,
};

static char *
ld_lower(struct gd_pool *pool, const char *s)
{
	char *p, *copy = gd_pool_strdup(pool, s);

	for (p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

bool
ld_domain_is_local(const struct ld_config *cfg, const char *domain)
{
	size_t i;

	for (i = 0; cfg->domains[i] != NULL; i++)
		if (strcasecmp(cfg->domains[i], domain) == 0)
			return true;
	return false;
}

static int
ld_domains_parse(struct ld_config *cfg, const struct gd_config_node *node,
    const char **error_r)
{
	const char *const *list;
	const char **out;
	size_t i, n;

	if (gd_config_get_strings(node, "domains", &list, &n, error_r) < 0)
		return -1;
	if (n == 0) {
		*error_r = "local-delivery: `domains` lists no domain";
		return -1;
	}
	out = gd_pool_alloc(cfg->pool, (n + 1) * sizeof(*out));
	for (i = 0; i < n; i++) {
		if (list[i][0] == '\0' || strchr(list[i], '@') != NULL) {
			*error_r = gd_pool_printf(cfg->pool, "local-delivery: "
			    "'%s' is not a domain", list[i]);
			return -1;
		}
		out[i] = ld_lower(cfg->pool, list[i]);
	}
	out[n] = NULL;
	cfg->domains = out;
	return 0;
}

static int
ld_strings_parse(struct ld_config *cfg, const struct gd_config_node *node,
    const char **error_r)
{
	const char *s;
	int oq;

	if (gd_config_get_string(node, "realm", "file", &cfg->realm,
	    error_r) < 0 ||
	    gd_config_get_string(node, "storage", "maildir", &cfg->storage,
	    error_r) < 0 ||
	    gd_config_get_string(node, "catch-all", NULL, &cfg->catch_all,
	    error_r) < 0 ||
	    gd_config_get_string(node, "detail-delimiter", "+",
	    &cfg->detail_delimiter, error_r) < 0 ||
	    gd_config_get_string(node, "junk-folder", "Junk",
	    &cfg->junk_folder, error_r) < 0 ||
	    gd_config_get_enum(node, "over-quota", ld_over_quota_names,
	    LD_OQ_BACKEND, &oq, error_r) < 0)
		return -1;
	if (cfg->junk_folder == NULL ||
	    gd_mail_name_check(cfg->junk_folder, NULL) < 0 ||
	    gd_mail_name_is_inbox(cfg->junk_folder)) {
		*error_r = gd_config_error(gd_config_get(node, "junk-folder"),
		    "junk-folder: not a valid mailbox name other than INBOX");
		return -1;
	}
	cfg->junk_folder = gd_pool_strdup(cfg->pool, cfg->junk_folder);
	cfg->over_quota = (enum ld_over_quota)oq;
	cfg->realm = gd_pool_strdup(cfg->pool, cfg->realm);
	cfg->storage = gd_pool_strdup(cfg->pool, cfg->storage);
	s = cfg->catch_all;
	cfg->catch_all = s != NULL && s[0] != '\0' ?
	    gd_pool_strdup(cfg->pool, s) : NULL;
	cfg->detail_delimiter = gd_pool_strdup(cfg->pool,
	    cfg->detail_delimiter != NULL ? cfg->detail_delimiter : "");
	return 0;
}

struct ld_config *
ld_config_parse(const struct gd_config_node *node, const char **error_r)
{
	struct gd_pool *pool = gd_pool_create("local-delivery-config");
	struct ld_config *cfg = gd_pool_alloc(pool, sizeof(*cfg));

	memset(cfg, 0, sizeof(*cfg));
	cfg->pool = pool;
	if (node == NULL) {
		*error_r = "local-delivery: the `local-delivery:` section "
		    "(with `domains`) is missing";
		goto fail;
	}
	if (gd_config_validate(node, ld_config_keys, error_r) < 0 ||
	    ld_domains_parse(cfg, node, error_r) < 0 ||
	    ld_strings_parse(cfg, node, error_r) < 0 ||
	    gd_config_get_bool(node, "detail-folders", true,
	    &cfg->detail_folders, error_r) < 0 ||
	    gd_config_get_bool(node, "quota-check", true, &cfg->quota_check,
	    error_r) < 0 ||
	    ld_aliases_parse(cfg, gd_config_get(node, "aliases"),
	    error_r) < 0 ||
	    ld_postmaster_parse(cfg, gd_config_get(node, "postmaster"),
	    error_r) < 0 ||
	    ld_aliases_check(cfg, error_r) < 0)
		goto fail;
	return cfg;
fail:
	/* The message may live in our pool: move it to the tree's. */
	if (node != NULL)
		*error_r = gd_pool_strdup(gd_config_node_pool(node), *error_r);
	gd_pool_destroy(&pool);
	return NULL;
}

void
ld_config_free(struct ld_config **cfg)
{
	struct gd_pool *pool;

	if (*cfg == NULL)
		return;
	pool = (*cfg)->pool;
	*cfg = NULL;
	gd_pool_destroy(&pool);
}

/* ---- aliases ------------------------------------------------------------ */

/* One target: a user name, or an address in a local domain. */
static int
ld_target_check(struct ld_config *cfg, const char *name, const char *t,
    const char **error_r)
{
	const char *at = strchr(t, '@');

	if (t[0] != '\0' && (at == NULL || (at != t &&
	    ld_domain_is_local(cfg, at + 1))))
		return 0;
	*error_r = gd_pool_printf(cfg->pool, "local-delivery: alias '%s': "
	    "target '%s' is not a user or an address in a local domain "
	    "(forwarding elsewhere needs a relay module)", name, t);
	return -1;
}

static int
ld_alias_entry(struct ld_config *cfg, const struct gd_config_node *v,
    struct ld_alias *a, const char **error_r)
{
	const char **copy;
	const char *at;
	size_t i, n;

	a->name = ld_lower(cfg->pool, gd_config_node_key(v));
	at = strchr(a->name, '@');
	if (a->name[0] == '\0' || at == a->name || (at != NULL &&
	    !ld_domain_is_local(cfg, at + 1))) {
		*error_r = gd_config_error(v, "an alias is a name or an "
		    "address in a local domain");
		return -1;
	}
	if (gd_config_node_type(v) == GD_CONFIG_SCALAR) {
		n = 1;
	} else if (gd_config_node_type(v) == GD_CONFIG_SEQ) {
		n = gd_config_node_count(v);
	} else {
		*error_r = gd_config_error(v, "expected a user, an address or "
		    "a list of them");
		return -1;
	}
	copy = gd_pool_alloc(cfg->pool, (n + 1) * sizeof(*copy));
	for (i = 0; i < n; i++) {
		const struct gd_config_node *item = n == 1 &&
		    gd_config_node_type(v) == GD_CONFIG_SCALAR ? v :
		    gd_config_node_at(v, i);

		if (gd_config_node_type(item) != GD_CONFIG_SCALAR) {
			*error_r = gd_config_error(item, "expected a user or "
			    "an address");
			return -1;
		}
		copy[i] = gd_pool_strdup(cfg->pool,
		    gd_config_node_scalar(item));
		if (ld_target_check(cfg, a->name, copy[i], error_r) < 0)
			return -1;
	}
	copy[n] = NULL;
	a->targets = copy;
	return n == 0 ? (*error_r = gd_config_error(v, "an alias needs at "
	    "least one target"), -1) : 0;
}

static int
ld_aliases_parse(struct ld_config *cfg, const struct gd_config_node *map,
    const char **error_r)
{
	size_t i, n;

	if (map == NULL || gd_config_node_is_null(map))
		return 0;
	if (gd_config_node_type(map) != GD_CONFIG_MAP) {
		*error_r = gd_config_error(map, "expected a map of aliases");
		return -1;
	}
	n = gd_config_node_count(map);
	/* One more: the `postmaster:` key becomes an alias. */
	cfg->aliases = gd_pool_alloc(cfg->pool, (n + 1) *
	    sizeof(*cfg->aliases));
	for (i = 0; i < n; i++)
		if (ld_alias_entry(cfg, gd_config_node_at(map, i),
		    &cfg->aliases[i], error_r) < 0)
			return -1;
	cfg->naliases = n;
	return 0;
}

/* The unqualified alias `postmaster`, or NULL. */
static struct ld_alias *
ld_postmaster_alias(const struct ld_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->naliases; i++)
		if (strcmp(cfg->aliases[i].name, "postmaster") == 0)
			return &cfg->aliases[i];
	return NULL;
}

/*
 * `postmaster: TARGETS` is the unqualified alias `postmaster` under
 * another name (an alias postmaster@DOMAIN still wins for its domain);
 * giving both is ambiguous.  Without either, postmaster is the realm's
 * user "postmaster" (local-delivery.c warns at start).
 */
static int
ld_postmaster_parse(struct ld_config *cfg, const struct gd_config_node *node,
    const char **error_r)
{
	struct ld_alias *grown;

	cfg->has_postmaster = ld_postmaster_alias(cfg) != NULL;
	if (node == NULL || gd_config_node_is_null(node))
		return 0;
	if (cfg->has_postmaster) {
		*error_r = gd_config_error(node, "postmaster is set twice: "
		    "by `postmaster:` and by the alias `postmaster` (keep "
		    "one)");
		return -1;
	}
	if (cfg->aliases == NULL) {
		grown = gd_pool_alloc(cfg->pool, sizeof(*grown));
		cfg->aliases = grown;
	}
	if (ld_alias_entry(cfg, node, &cfg->aliases[cfg->naliases],
	    error_r) < 0)
		return -1;
	cfg->naliases++;
	cfg->has_postmaster = true;
	return 0;
}

/* Every alias must expand, within the bounds, without a loop. */
static int
ld_aliases_check(struct ld_config *cfg, const char **error_r)
{
	struct gd_pool *tmp = gd_pool_create("local-delivery-check");
	struct ld_resolved res;
	const char *at;
	char *local;
	size_t i;
	int ret = 0;

	for (i = 0; i < cfg->naliases && ret == 0; i++) {
		local = gd_pool_strdup(tmp, cfg->aliases[i].name);
		at = strchr(local, '@');
		if (at != NULL)
			local[at - local] = '\0';
		if (ld_resolve(cfg, local, at != NULL ? at + 1 :
		    cfg->domains[0], tmp, &res) < 0) {
			*error_r = gd_pool_printf(cfg->pool, "local-delivery: "
			    "alias '%s' expands to more than %d users or "
			    "deeper than %d levels (a loop?)",
			    cfg->aliases[i].name, LD_MAX_TARGETS,
			    LD_MAX_ALIAS_DEPTH);
			ret = -1;
		}
	}
	gd_pool_destroy(&tmp);
	return ret;
}
