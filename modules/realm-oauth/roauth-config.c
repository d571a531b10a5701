/*
 * roauth-config.c — realm-oauth's configuration: the keys of its section
 * and how they become the module's data; the module descriptor.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <gumdrop/gumdrop.h>

#include "realm-oauth.h"

static const struct gd_config_key roauth_keys[] = {
	{ "issuer", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "required iss (JWT), checked when given (introspection)" },
	{ "audience", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "required in aud (JWT), checked when given (introspection)" },
	{ "user-claim", GD_CONFIG_KEY_STRING, "sub", 0, 0,
	    "claim naming the user (introspection: username, then sub)" },
	{ "scope", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "scope a token must carry (scope or scp)" },
	{ "openid-configuration", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "discovery URL told to clients in the error challenge" },
	{ "keys", GD_CONFIG_KEY_SEQ, NULL, 0, 0,
	    "JWT keys: [{file, kid, alg: HS256|RS256|ES256|EdDSA}]" },
	{ "jwks-file", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "JWKS document with JWT keys, read again when it changes" },
	{ "introspection", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "RFC 7662: {url, client-id, client-secret-file, ca-file, "
	    "timeout}" },
	{ "leeway", GD_CONFIG_KEY_DURATION, "60s", 0, 3600000,
	    "clock skew allowed on exp and nbf" },
	{ "cache-size", GD_CONFIG_KEY_INT, "10000", 0, 1000000,
	    "token results kept (0: none)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_config_key roauth_intro_keys[] = {
	{ "url", GD_CONFIG_KEY_STRING, NULL, 0, 0, "introspection endpoint" },
	{ "client-id", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "HTTP Basic user" },
	{ "client-secret-file", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "file holding the HTTP Basic password" },
	{ "ca-file", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "CAs for an https URL (default: the system's)" },
	{ "timeout", GD_CONFIG_KEY_DURATION, "5s", 100, 60000,
	    "per request" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_config_key roauth_pem_keys[] = {
	{ "file", GD_CONFIG_KEY_STRING, NULL, 0, 0, "PEM key or HS256 secret" },
	{ "kid", GD_CONFIG_KEY_STRING, NULL, 0, 0, "key id" },
	{ "alg", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "HS256, RS256, ES256 or EdDSA" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

/* `keys:` entries; 0 or -1. */
static int
roauth_config_pems(struct roauth_module *mod, const struct gd_config_node *seq,
    const char **error_r)
{
	const struct gd_config_node *n;
	const char *alg;
	size_t i;

	mod->pem_count = seq != NULL ? gd_config_node_count(seq) : 0;
	mod->pems = gd_xcalloc(mod->pem_count + 1, sizeof(*mod->pems));
	for (i = 0; i < mod->pem_count; i++) {
		n = gd_config_node_at(seq, i);
		if (gd_config_validate(n, roauth_pem_keys, error_r) < 0 ||
		    gd_config_get_string(n, "file", NULL, &mod->pems[i].file,
		    error_r) < 0 || gd_config_get_string(n, "kid", NULL,
		    &mod->pems[i].kid, error_r) < 0 ||
		    gd_config_get_string(n, "alg", NULL, &alg, error_r) < 0)
			return -1;
		mod->pems[i].alg = roauth_alg_from_name(alg);
		if (mod->pems[i].file == NULL ||
		    mod->pems[i].alg == ROAUTH_ALG_NONE) {
			*error_r = gd_config_error(n, "a key needs a file and "
			    "an alg of HS256, RS256, ES256, EdDSA");
			return -1;
		}
	}
	return 0;
}

/* The secret file's first line. */
static char *
roauth_read_secret(const char *path)
{
	gnutls_datum_t d = { NULL, 0 };
	char *s;

	if (gnutls_load_file(path, &d) < 0)
		return NULL;
	s = gd_xmalloc(d.size + 1);
	memcpy(s, d.data, d.size);
	s[d.size] = '\0';
	s[strcspn(s, "\r\n")] = '\0';
	memset(d.data, 0, d.size);
	gnutls_free(d.data);
	return s;
}

static int
roauth_config_intro(struct roauth_module *mod,
    const struct gd_config_node *map, const char **error_r)
{
	struct roauth_introspect *in = &mod->intro;
	const char *secret_file;
	uint64_t ms;

	if (map == NULL)
		return 0;
	if (gd_config_validate(map, roauth_intro_keys, error_r) < 0 ||
	    gd_config_get_string(map, "url", NULL, &in->url, error_r) < 0 ||
	    gd_config_get_string(map, "client-id", NULL, &in->client_id,
	    error_r) < 0 || gd_config_get_string(map, "client-secret-file",
	    NULL, &secret_file, error_r) < 0 || gd_config_get_string(map,
	    "ca-file", NULL, &in->ca_file, error_r) < 0 ||
	    gd_config_get_duration(map, "timeout", 5000, 100, 60000, &ms,
	    error_r) < 0)
		return -1;
	if (in->url == NULL) {
		*error_r = gd_config_error(map, "introspection needs a url");
		return -1;
	}
	if (secret_file != NULL &&
	    (in->client_secret = roauth_read_secret(secret_file)) == NULL) {
		*error_r = gd_config_error(map, "cannot read %s", secret_file);
		return -1;
	}
	in->timeout_ms = (long)ms;
	mod->have_intro = true;
	return 0;
}

static int
roauth_config_rules(struct roauth_module *mod,
    const struct gd_config_node *cfg, const char **error_r)
{
	const struct gd_config_node *claim = gd_config_get(cfg, "user-claim");
	uint64_t leeway;

	if (gd_config_get_string(cfg, "issuer", NULL, &mod->rules.issuer,
	    error_r) < 0 || gd_config_get_string(cfg, "audience", NULL,
	    &mod->rules.audience, error_r) < 0 ||
	    gd_config_get_string(cfg, "user-claim", "sub",
	    &mod->rules.user_claim, error_r) < 0 ||
	    gd_config_get_string(cfg, "scope", NULL, &mod->scope,
	    error_r) < 0 || gd_config_get_string(cfg, "openid-configuration",
	    NULL, &mod->openid, error_r) < 0 ||
	    gd_config_get_duration(cfg, "leeway", 60000, 0, 3600000, &leeway,
	    error_r) < 0)
		return -1;
	mod->rules.scope = mod->scope;
	mod->rules.leeway = (int64_t)(leeway / 1000);
	mod->irules = mod->rules;
	if (claim == NULL)
		mod->irules.user_claim = "username";
	return 0;
}

static void
roauth_free(struct roauth_module *mod)
{
	if (mod->keys != NULL)
		roauth_keyset_free(mod->keys);
	if (mod->cache.slots != NULL || mod->cache.size > 0)
		roauth_cache_deinit(&mod->cache);
	pthread_mutex_destroy(&mod->lock);
	if (mod->intro.client_secret != NULL) {
		memset(mod->intro.client_secret, 0,
		    strlen(mod->intro.client_secret));
		free(mod->intro.client_secret);
	}
	free(mod->pems);
	free(mod);
}

/* Keys now: a configuration whose keys do not load is refused. */
static int
roauth_config_keys(struct roauth_module *mod, const struct gd_config_node *cfg,
    const char **error_r)
{
	char *err = NULL;

	mod->have_keys = mod->pem_count > 0 || mod->jwks_path != NULL;
	if ((mod->keys = roauth_keys_build(mod, &mod->jwks_st, &err)) ==
	    NULL) {
		*error_r = gd_config_error(cfg, "%s", err != NULL ? err :
		    "out of memory");
		free(err);
		return -1;
	}
	return 0;
}

static int
roauth_config(struct roauth_module *mod, const struct gd_config_node *cfg,
    const char **error_r)
{
	int64_t size;

	if (roauth_config_rules(mod, cfg, error_r) < 0 ||
	    roauth_config_pems(mod, gd_config_get(cfg, "keys"), error_r) < 0 ||
	    gd_config_get_string(cfg, "jwks-file", NULL, &mod->jwks_path,
	    error_r) < 0 || roauth_config_intro(mod, gd_config_get(cfg,
	    "introspection"), error_r) < 0 || gd_config_get_int(cfg,
	    "cache-size", 10000, 0, 1000000, &size, error_r) < 0 ||
	    roauth_config_keys(mod, cfg, error_r) < 0)
		return -1;
	if (!mod->have_keys && !mod->have_intro) {
		*error_r = gd_config_error(cfg, "realm-oauth needs keys, a "
		    "jwks-file or introspection");
		return -1;
	}
	roauth_cache_init(&mod->cache, (size_t)size);
	return 0;
}

static int
roauth_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct roauth_module *mod = gd_xcalloc(1, sizeof(*mod));

	pthread_mutex_init(&mod->lock, NULL);
	if (config == NULL) {
		*error_r = "realm-oauth: the realm-oauth section is required";
		roauth_free(mod);
		return -1;
	}
	if (roauth_config(mod, config, error_r) < 0) {
		roauth_free(mod);
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*error_r = "realm-oauth: libcurl did not initialise";
		roauth_free(mod);
		return -1;
	}
	gd_module_ctx_set_data(ctx, mod);
	return 0;
}

static void
roauth_fini(struct gd_module_ctx *ctx)
{
	struct roauth_module *mod = gd_module_ctx_get_data(ctx);

	if (mod == NULL)
		return;
	roauth_free(mod);
	gd_module_ctx_set_data(ctx, NULL);
	curl_global_cleanup();
}

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "realm-oauth",
	.version = "1.0.0",
	.description = "bearer tokens: JWT (HS256/RS256/ES256/EdDSA) or "
	    "RFC 7662 introspection",
	.license = "MIT",
	.config_keys = roauth_keys,
	.services = roauth_services,
	.init = roauth_init,
	.fini = roauth_fini,
};
