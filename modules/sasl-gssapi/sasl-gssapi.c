/*
 * sasl-gssapi.c — the GSSAPI mechanism (RFC 4752, Kerberos 5 through the
 * system's MIT GSS-API library): the module, its configuration.  The
 * exchange is in gssapi-step.c, the acceptor credentials in
 * gssapi-cred.c, the security-layer messages and principal mapping in
 * gssapi-layer.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gssapi-private.h"

static int sasl_gssapi_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int sasl_gssapi_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void sasl_gssapi_fini(struct gd_module_ctx *ctx);

static const struct gd_config_key sasl_gssapi_keys[] = {
	{ "keytab", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "the service keytab (default: KRB5_KTNAME or /etc/krb5.keytab)" },
	{ "service", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "service of the acceptor name (default: the listener's)" },
	{ "hostname", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "host of the acceptor name (default: the listener's; '*': any "
	    "key of the keytab)" },
	{ "realm", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "NAME@realm principals become user NAME" },
	{ "principal-map", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "principal: user, checked first" },
	{ "allow-other-realms", GD_CONFIG_KEY_BOOL, "false", 0, 0,
	    "unmapped principals log in under their full name" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_service_decl sasl_gssapi_services[] = {
	{ GD_SASL_MECH_SERVICE_PREFIX "GSSAPI", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &gssapi_mech },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "sasl-gssapi",
	.version = "1.0.0",
	.description = "SASL GSSAPI mechanism (RFC 4752, Kerberos 5)",
	.license = "MIT",
	.config_keys = sasl_gssapi_keys,
	.services = sasl_gssapi_services,
	.init = sasl_gssapi_init,
	.reload = sasl_gssapi_reload,
	.fini = sasl_gssapi_fini,
};

/* Settings read from the tree; strings still the tree's. */
struct sasl_gssapi_parsed {
	const char *keytab, *service, *hostname, *realm;
	bool allow_other_realms;
	const struct gd_config_node *map;
};

static int
sasl_gssapi_check_map(const struct gd_config_node *map, const char **error_r)
{
	const struct gd_config_node *e;
	const char *user;
	size_t i;

	for (i = 0; i < gd_config_node_count(map); i++) {
		e = gd_config_node_at(map, i);
		user = gd_config_node_scalar(e);
		if (strchr(gd_config_node_key(e), '@') == NULL) {
			*error_r = gd_config_error(e, "expected a principal "
			    "NAME@REALM, got '%s'", gd_config_node_key(e));
			return -1;
		}
		if (user == NULL || gd_config_node_is_null(e) ||
		    *user == '\0' || strlen(user) >= GSSAPI_USER_MAX) {
			*error_r = gd_config_error(e, "expected a user name");
			return -1;
		}
	}
	return 0;
}

static int
sasl_gssapi_check_keytab(const struct gd_config_node *config,
    const char *keytab, const char **error_r)
{
	const char *path = keytab;

	if (strncmp(path, "FILE:", 5) == 0)
		path += 5;
	else if (strchr(path, ':') != NULL && path[0] != '/')
		return 0;		/* another keytab type: the library's */
	if (access(path, R_OK) == 0)
		return 0;
	*error_r = gd_config_error(gd_config_get(config, "keytab"),
	    "cannot read keytab '%s'", path);
	return -1;
}

static int
sasl_gssapi_parse(const struct gd_config_node *config,
    struct sasl_gssapi_parsed *p, const char **error_r)
{
	memset(p, 0, sizeof(*p));
	if (gd_config_get_string(config, "keytab", NULL, &p->keytab,
	    error_r) < 0 ||
	    gd_config_get_string(config, "service", NULL, &p->service,
	    error_r) < 0 ||
	    gd_config_get_string(config, "hostname", NULL, &p->hostname,
	    error_r) < 0 ||
	    gd_config_get_string(config, "realm", NULL, &p->realm,
	    error_r) < 0 ||
	    gd_config_get_bool(config, "allow-other-realms", false,
	    &p->allow_other_realms, error_r) < 0)
		return -1;
	p->map = gd_config_get(config, "principal-map");
	if (p->map != NULL && gd_config_node_is_null(p->map))
		p->map = NULL;
	if (p->map != NULL && sasl_gssapi_check_map(p->map, error_r) < 0)
		return -1;
	if (p->keytab != NULL && sasl_gssapi_check_keytab(config, p->keytab,
	    error_r) < 0)
		return -1;
	return 0;
}

static char *
sasl_gssapi_dup(const char *s)
{
	return s != NULL ? gd_xstrdup(s) : NULL;
}

/* Copy what the tree owns: the configuration outlives reloads. */
static struct gssapi_conf *
sasl_gssapi_own(const struct sasl_gssapi_parsed *p)
{
	struct gssapi_conf *c = gd_xcalloc(1, sizeof(*c));
	struct gssapi_map_entry *map;
	const struct gd_config_node *e;
	size_t i, n = p->map != NULL ? gd_config_node_count(p->map) : 0;

	c->service = sasl_gssapi_dup(p->service);
	c->hostname = sasl_gssapi_dup(p->hostname);
	c->names.realm = sasl_gssapi_dup(p->realm);
	c->names.allow_other_realms = p->allow_other_realms;
	map = gd_xcalloc(n + 1, sizeof(*map));
	for (i = 0; i < n; i++) {
		e = gd_config_node_at(p->map, i);
		map[i].principal = gd_xstrdup(gd_config_node_key(e));
		map[i].user = gd_xstrdup(gd_config_node_scalar(e));
	}
	c->names.map = map;
	c->names.nmap = n;
	gssapi_creds_init(&c->creds, p->keytab);
	return c;
}

static int
sasl_gssapi_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r)
{
	struct sasl_gssapi_parsed p;

	if (sasl_gssapi_parse(config, &p, error_r) < 0)
		return -1;
	/* The Kerberos libraries keep process-wide state (error tables,
	 * loaded plugins) that no call frees: keep them mapped after this
	 * module is unloaded. */
	(void)gd_module_pin_library((const void *)gss_accept_sec_context);
	gd_module_ctx_set_data(ctx, sasl_gssapi_own(&p));
	return 0;
}

/* Checked now; takes effect at the next start (credentials are cached). */
static int
sasl_gssapi_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r)
{
	struct sasl_gssapi_parsed p;

	(void)ctx;
	return sasl_gssapi_parse(config, &p, error_r);
}

static void
sasl_gssapi_fini(struct gd_module_ctx *ctx)
{
	struct gssapi_conf *c = gd_module_ctx_get_data(ctx);
	size_t i;

	if (c == NULL)
		return;
	gssapi_creds_deinit(&c->creds);
	for (i = 0; i < c->names.nmap; i++) {
		free((char *)c->names.map[i].principal);
		free((char *)c->names.map[i].user);
	}
	free((void *)c->names.map);
	free((char *)c->names.realm);
	free(c->hostname);
	free(c->service);
	free(c);
	gd_module_ctx_set_data(ctx, NULL);
}
