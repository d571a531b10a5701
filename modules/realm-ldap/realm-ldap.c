/*
 * realm-ldap.c — the LDAP realm (OpenLDAP's libldap): the module and its
 * configuration.  The realm's functions are in ldap-realm.c, the
 * connection pool in ldap-pool.c, the operations in ldap-ops.c, the
 * attribute mapping in ldap-entry.c, the escaping in ldap-template.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "realm-ldap.h"

#define REALM_LDAP_DEFAULT_FILTER "(&(objectClass=inetOrgPerson)(uid=%u))"
#define REALM_LDAP_SECRET_MAX	1024

struct realm_ldap {
	struct ldap_conf conf;
	struct ldap_pool pool;
};

static int realm_ldap_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int realm_ldap_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void realm_ldap_fini(struct gd_module_ctx *ctx);

static const struct gd_config_key realm_ldap_keys[] = {
	{ "uri", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "ldap://HOST:PORT/ or ldaps://... (required; several, spaced)" },
	{ "starttls", GD_CONFIG_KEY_BOOL, "false", 0, 0,
	    "StartTLS on ldap:// connections (required to succeed)" },
	{ "ca-file", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "CA certificates the server's must verify against" },
	{ "user-dn", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "bind-as-user: the user's DN, e.g. uid=%u,ou=people,dc=example" },
	{ "bind-dn", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "the service's DN for searches (default: anonymous)" },
	{ "bind-password-file", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "file holding the service's password" },
	{ "base", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "search-then-bind: where users are searched" },
	{ "scope", GD_CONFIG_KEY_STRING, "sub", 0, 0, "base, one or sub" },
	{ "filter", GD_CONFIG_KEY_STRING, REALM_LDAP_DEFAULT_FILTER, 0, 0,
	    "search filter; %u %n %d are escaped (RFC 4515)" },
	{ "attributes", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "user field: LDAP attribute" },
	{ "extra-attributes", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "attributes passed on as key=value" },
	{ "act-as-attribute", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "attribute listing whom a user may act as ('*': anyone)" },
	{ "act-as-group", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "DN of a group whose members may act as anyone" },
	{ "act-as-group-attribute", GD_CONFIG_KEY_STRING, "member", 0, 0,
	    "member, uniqueMember (DNs) or memberUid (names)" },
	{ "pool-size", GD_CONFIG_KEY_INT, "4", 1, LDAP_POOL_MAX,
	    "connections kept open" },
	{ "network-timeout", GD_CONFIG_KEY_DURATION, "5s", 100, 300000,
	    "to connect" },
	{ "timeout", GD_CONFIG_KEY_DURATION, "10s", 100, 300000,
	    "per operation, and to wait for a free connection" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_realm realm_ldap_realm = {
	.size = sizeof(struct gd_realm),
	.name = "ldap",
	.lookup = realm_ldap_lookup,
	.verify_password = realm_ldap_verify_password,
	.may_act_as = realm_ldap_may_act_as,
};

static const struct gd_service_decl realm_ldap_services[] = {
	{ GD_REALM_SERVICE_PREFIX "ldap", GD_REALM_MAJOR, GD_REALM_MINOR,
	    &realm_ldap_realm },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "realm-ldap",
	.version = "1.0.0",
	.description = "LDAP realm: bind-as-user or search-then-bind",
	.license = "MIT",
	.config_keys = realm_ldap_keys,
	.services = realm_ldap_services,
	.init = realm_ldap_init,
	.reload = realm_ldap_reload,
	.fini = realm_ldap_fini,
};

static const char *const realm_ldap_fields[LDAP_FIELD_COUNT] = {
	"name", "home", "mail", "quota-storage", "quota-messages",
	"aliases", "cert-fingerprints", "uid", "gid",
};

struct ldap_pool *
realm_ldap_pool(const struct gd_realm *realm)
{
	struct realm_ldap *r = gd_module_ctx_get_data(
	    gd_service_module_ctx(realm));

	return &r->pool;
}

/* ---- parsing (strings still the tree's until realm_ldap_own) ---------- */

static int
realm_ldap_secret(const struct gd_config_node *config, const char *path,
    char **secret_r, const char **error_r)
{
	char buf[REALM_LDAP_SECRET_MAX + 1];
	size_t len;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		*error_r = gd_config_error(gd_config_get(config,
		    "bind-password-file"), "cannot read '%s'", path);
		return -1;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0 || len > REALM_LDAP_SECRET_MAX ||
	    memchr(buf, '\0', len) != NULL) {
		*error_r = gd_config_error(gd_config_get(config,
		    "bind-password-file"), "'%s': expected one password of "
		    "1..%d octets", path, REALM_LDAP_SECRET_MAX);
		return -1;
	}
	*secret_r = gd_xstrndup(buf, len);
	memset(buf, 0, sizeof(buf));
	return 0;
}

static int
realm_ldap_attributes(const struct gd_config_node *config,
    struct ldap_conf *c, const char **error_r)
{
	const struct gd_config_node *map = gd_config_get(config,
	    "attributes"), *e;
	size_t i;
	int f;

	c->attr[LDAP_FIELD_HOME] = (char *)"homeDirectory";
	c->attr[LDAP_FIELD_UID] = (char *)"uidNumber";
	c->attr[LDAP_FIELD_GID] = (char *)"gidNumber";
	for (i = 0; map != NULL && i < gd_config_node_count(map); i++) {
		e = gd_config_node_at(map, i);
		for (f = 0; f < LDAP_FIELD_COUNT; f++)
			if (strcmp(gd_config_node_key(e),
			    realm_ldap_fields[f]) == 0)
				break;
		if (f == LDAP_FIELD_COUNT) {
			*error_r = gd_config_error(e, "expected one of name, "
			    "home, mail, quota-storage, quota-messages, "
			    "aliases, cert-fingerprints, uid, gid");
			return -1;
		}
		/* null (or empty) unmaps a default. */
		c->attr[f] = gd_config_node_is_null(e) ? NULL :
		    (char *)gd_config_node_scalar(e);
		if (gd_config_node_type(e) != GD_CONFIG_SCALAR) {
			*error_r = gd_config_error(e, "expected an attribute");
			return -1;
		}
	}
	return 0;
}

static int
realm_ldap_strings(const struct gd_config_node *config, struct ldap_conf *c,
    const char **error_r)
{
	static const struct {
		const char *key, *def;
		size_t off;
	} keys[] = {
		{ "uri", NULL, offsetof(struct ldap_conf, uri) },
		{ "ca-file", NULL, offsetof(struct ldap_conf, ca_file) },
		{ "user-dn", NULL, offsetof(struct ldap_conf, user_dn) },
		{ "bind-dn", NULL, offsetof(struct ldap_conf, bind_dn) },
		{ "base", NULL, offsetof(struct ldap_conf, base) },
		{ "filter", REALM_LDAP_DEFAULT_FILTER,
		    offsetof(struct ldap_conf, filter) },
		{ "act-as-attribute", NULL,
		    offsetof(struct ldap_conf, act_as_attr) },
		{ "act-as-group", NULL,
		    offsetof(struct ldap_conf, act_as_group) },
		{ "act-as-group-attribute", "member",
		    offsetof(struct ldap_conf, act_as_group_attr) },
	};
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(keys); i++)
		if (gd_config_get_string(config, keys[i].key, keys[i].def,
		    (const char **)((char *)c + keys[i].off), error_r) < 0)
			return -1;
	return 0;
}

static int
realm_ldap_numbers(const struct gd_config_node *config, struct ldap_conf *c,
    const char **error_r)
{
	static const char *const scopes[] = { "base", "one", "sub", NULL };
	static const int scope_values[] = { LDAP_SCOPE_BASE,
	    LDAP_SCOPE_ONELEVEL, LDAP_SCOPE_SUBTREE };
	uint64_t net, op;
	int64_t size;
	int scope;

	if (gd_config_get_bool(config, "starttls", false, &c->starttls,
	    error_r) < 0 ||
	    gd_config_get_enum(config, "scope", scopes, 2, &scope,
	    error_r) < 0 ||
	    gd_config_get_int(config, "pool-size", 4, 1, LDAP_POOL_MAX, &size,
	    error_r) < 0 ||
	    gd_config_get_duration(config, "network-timeout", 5000, 100,
	    300000, &net, error_r) < 0 ||
	    gd_config_get_duration(config, "timeout", 10000, 100, 300000,
	    &op, error_r) < 0)
		return -1;
	c->scope = scope_values[scope];
	c->pool_size = (unsigned)size;
	c->net_timeout.tv_sec = (time_t)(net / 1000);
	c->net_timeout.tv_usec = (suseconds_t)(net % 1000 * 1000);
	c->op_timeout.tv_sec = (time_t)(op / 1000);
	c->op_timeout.tv_usec = (suseconds_t)(op % 1000 * 1000);
	return 0;
}

/* The templates must expand; the mode must be complete. */
static int
realm_ldap_check(const struct gd_config_node *config,
    const struct ldap_conf *c, const char **error_r)
{
	char buf[LDAP_TEMPLATE_MAX];
	const char *error;

	if (c->uri == NULL || (c->user_dn == NULL && c->base == NULL)) {
		*error_r = gd_config_error(config, "needs 'uri', and "
		    "'user-dn' (bind-as-user) or 'base' (search-then-bind)");
		return -1;
	}
	if (c->user_dn != NULL && ldap_template_expand(c->user_dn, "u@d",
	    LDAP_ESCAPE_DN, buf, sizeof(buf), &error) < 0) {
		*error_r = gd_config_error(gd_config_get(config, "user-dn"),
		    "%s", error);
		return -1;
	}
	if (ldap_template_expand(c->filter, "u@d", LDAP_ESCAPE_FILTER, buf,
	    sizeof(buf), &error) < 0) {
		*error_r = gd_config_error(gd_config_get(config, "filter"),
		    "%s", error);
		return -1;
	}
	if (c->ca_file != NULL && access(c->ca_file, R_OK) < 0) {
		*error_r = gd_config_error(gd_config_get(config, "ca-file"),
		    "cannot read '%s'", c->ca_file);
		return -1;
	}
	return 0;
}

static int
realm_ldap_parse(const struct gd_config_node *config, struct ldap_conf *c,
    const char **error_r)
{
	const char *const *extra;
	const char *pwfile;

	memset(c, 0, sizeof(*c));
	if (realm_ldap_strings(config, c, error_r) < 0 ||
	    realm_ldap_numbers(config, c, error_r) < 0 ||
	    realm_ldap_attributes(config, c, error_r) < 0 ||
	    gd_config_get_strings(config, "extra-attributes", &extra, NULL,
	    error_r) < 0 ||
	    gd_config_get_string(config, "bind-password-file", NULL, &pwfile,
	    error_r) < 0 ||
	    realm_ldap_check(config, c, error_r) < 0)
		return -1;
	c->extra = (char **)extra;
	if (pwfile != NULL && realm_ldap_secret(config, pwfile,
	    &c->bind_password, error_r) < 0)
		return -1;
	return 0;
}

/* ---- owning ------------------------------------------------------------- */

static char *
realm_ldap_dup(const char *s)
{
	return s != NULL ? gd_xstrdup(s) : NULL;
}

static char **
realm_ldap_dupv(char *const *v)
{
	size_t n = 0, i;
	char **out;

	while (v[n] != NULL)
		n++;
	out = gd_xcalloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = gd_xstrdup(v[i]);
	return out;
}

/* Attributes a search asks for: the mapped, the extra, act-as. */
static char **
realm_ldap_attrs(const struct ldap_conf *c)
{
	size_t n = 0, i, extra = 0;
	char **all;

	for (i = 0; c->extra[i] != NULL; i++)
		extra++;
	all = gd_xcalloc(LDAP_FIELD_COUNT + extra + 2, sizeof(*all));
	for (i = 0; i < LDAP_FIELD_COUNT; i++)
		if (c->attr[i] != NULL)
			all[n++] = gd_xstrdup(c->attr[i]);
	for (i = 0; i < extra; i++)
		all[n++] = gd_xstrdup(c->extra[i]);
	if (c->act_as_attr != NULL)
		all[n++] = gd_xstrdup(c->act_as_attr);
	if (n == 0)
		all[n++] = gd_xstrdup(LDAP_NO_ATTRS);
	return all;
}

static void
realm_ldap_own(struct ldap_conf *c)
{
	char buf[LDAP_TEMPLATE_MAX];
	const char *error;
	int i;

	c->uri = realm_ldap_dup(c->uri);
	c->ca_file = realm_ldap_dup(c->ca_file);
	c->user_dn = realm_ldap_dup(c->user_dn);
	c->bind_dn = realm_ldap_dup(c->bind_dn);
	c->base = realm_ldap_dup(c->base);
	c->filter = realm_ldap_dup(c->filter);
	c->act_as_attr = realm_ldap_dup(c->act_as_attr);
	c->act_as_group = realm_ldap_dup(c->act_as_group);
	c->act_as_group_attr = realm_ldap_dup(c->act_as_group_attr);
	for (i = 0; i < LDAP_FIELD_COUNT; i++)
		c->attr[i] = realm_ldap_dup(c->attr[i]);
	c->extra = realm_ldap_dupv(c->extra);
	c->attrs = realm_ldap_attrs(c);
	/* Where binds for unknown users go: an entry of the same shape. */
	if (c->user_dn != NULL && ldap_template_expand(c->user_dn,
	    "gumdrop-no-such-user", LDAP_ESCAPE_DN, buf, sizeof(buf),
	    &error) == 0)
		c->dummy_dn = gd_xstrdup(buf);
	else
		c->dummy_dn = gd_xasprintf("cn=gumdrop-no-such-user,%s",
		    c->base);
}

static void
realm_ldap_freev(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
realm_ldap_conf_free(struct ldap_conf *c)
{
	int i;

	free(c->uri);
	free(c->ca_file);
	free(c->user_dn);
	free(c->bind_dn);
	if (c->bind_password != NULL)
		memset(c->bind_password, 0, strlen(c->bind_password));
	free(c->bind_password);
	free(c->base);
	free(c->filter);
	free(c->act_as_attr);
	free(c->act_as_group);
	free(c->act_as_group_attr);
	free(c->dummy_dn);
	for (i = 0; i < LDAP_FIELD_COUNT; i++)
		free(c->attr[i]);
	realm_ldap_freev(c->extra);
	realm_ldap_freev(c->attrs);
}

/* ---- lifecycle ---------------------------------------------------------- */

static int
realm_ldap_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r)
{
	struct realm_ldap *r;
	int v3 = LDAP_VERSION3;

	/* libldap initialises its global state on first use: do it here,
	 * on the main thread, before pool threads race to it. */
	ldap_set_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &v3);
	/* ... which nothing frees: keep libldap (and its TLS and SASL
	 * libraries) mapped after this module is unloaded. */
	(void)gd_module_pin_library((const void *)ldap_initialize);
	r = gd_xcalloc(1, sizeof(*r));
	if (realm_ldap_parse(config, &r->conf, error_r) < 0) {
		free(r->conf.bind_password);
		free(r);
		return -1;
	}
	realm_ldap_own(&r->conf);
	ldap_pool_init(&r->pool, &r->conf);
	gd_module_ctx_set_data(ctx, r);
	return 0;
}

/* Checked now; takes effect at the next start (the pool holds it). */
static int
realm_ldap_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r)
{
	struct ldap_conf c;
	int ret;

	(void)ctx;
	ret = realm_ldap_parse(config, &c, error_r);
	if (c.bind_password != NULL)
		memset(c.bind_password, 0, strlen(c.bind_password));
	free(c.bind_password);
	return ret;
}

static void
realm_ldap_fini(struct gd_module_ctx *ctx)
{
	struct realm_ldap *r = gd_module_ctx_get_data(ctx);

	if (r == NULL)
		return;
	ldap_pool_deinit(&r->pool);
	realm_ldap_conf_free(&r->conf);
	free(r);
	gd_module_ctx_set_data(ctx, NULL);
}
