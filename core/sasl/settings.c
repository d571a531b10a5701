/*
 * settings.c — a listener's `sasl:` settings (gumdrop/sasl.h) and the
 * lookup of realms and mechanisms among the loaded modules' services.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gumdrop/log.h>
#include <gumdrop/pool.h>
#include <gumdrop/service.h>

#include "sasl-private.h"

static const struct gd_config_key settings_keys[] = {
	{ "realm", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "the realm (a module's service realm.NAME)" },
	{ "mechanisms", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "mechanisms offered, in order (services sasl-mech.NAME)" },
	{ "plaintext-without-tls", GD_CONFIG_KEY_BOOL, "false", 0, 0,
	    "offer PLAIN, LOGIN and plaintext logins without TLS" },
	{ "max-auth-failures", GD_CONFIG_KEY_INT, "5", 0, 1000000,
	    "failures per client address or user before a lockout (0: none)" },
	{ "auth-lockout-time", GD_CONFIG_KEY_DURATION, "15m", 1000, 604800000,
	    "how long a lockout lasts (and failures are remembered)" },
	{ "failure-delay", GD_CONFIG_KEY_DURATION, "1s", 0, 600000,
	    "delay before a failure reply; doubles with each failure" },
	{ "failure-delay-max", GD_CONFIG_KEY_DURATION, "8s", 0, 600000,
	    "the longest delay" },
	{ "service", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "service name for GSSAPI and DIGEST-MD5 (default: the protocol's)" },
	{ "hostname", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "server host name when the client sent no SNI (default: "
	    "gethostname)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

const struct gd_realm *
gd_realm_find(const char *name, const char **err)
{
	char service[256];
	const struct gd_realm *realm;

	if (snprintf(service, sizeof(service), "%s%s", GD_REALM_SERVICE_PREFIX,
	    name) >= (int)sizeof(service)) {
		*err = "realm name too long";
		return NULL;
	}
	realm = gd_service_lookup(service, GD_REALM_MAJOR, GD_REALM_MINOR,
	    err);
	if (realm != NULL && (realm->size < offsetof(struct gd_realm,
	    may_act_as) + sizeof(realm->may_act_as) || realm->lookup == NULL)) {
		*err = "the realm's table is too small or has no lookup";
		return NULL;
	}
	return realm;
}

/* The mechanism published as sasl-mech.NAME, NAME upper-cased. */
static const struct gd_sasl_mech *
settings_find_mech(const char *name, const char **err)
{
	char service[128];
	const struct gd_sasl_mech *mech;
	size_t plen = strlen(GD_SASL_MECH_SERVICE_PREFIX), i;

	if (plen + strlen(name) >= sizeof(service)) {
		*err = "mechanism name too long";
		return NULL;
	}
	memcpy(service, GD_SASL_MECH_SERVICE_PREFIX, plen);
	for (i = 0; name[i] != '\0'; i++)
		service[plen + i] = (char)toupper((unsigned char)name[i]);
	service[plen + i] = '\0';
	mech = gd_service_lookup(service, GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, err);
	if (mech != NULL && (mech->size < offsetof(struct gd_sasl_mech,
	    cleanup) + sizeof(mech->cleanup) || mech->step == NULL ||
	    mech->name == NULL)) {
		*err = "the mechanism's table is too small or has no step";
		return NULL;
	}
	return mech;
}

/* The item of `key` that holds value i (a scalar is its own item). */
static const struct gd_config_node *
settings_item(const struct gd_config_node *map, const char *key, size_t i)
{
	const struct gd_config_node *n = gd_config_get(map, key);

	return gd_config_node_type(n) == GD_CONFIG_SEQ ?
	    gd_config_node_at(n, i) : n;
}

static int
settings_mechs(const struct gd_config_node *node, struct gd_sasl_settings *s,
    const char **error_r)
{
	const char *const *names;
	const char *err;
	size_t count, i;

	if (gd_config_get_strings(node, "mechanisms", &names, &count,
	    error_r) < 0)
		return -1;
	if (count == 0 || count > GD_SASL_MAX_MECHS) {
		*error_r = gd_config_error(node, "expected 1 to %d "
		    "`mechanisms:`", GD_SASL_MAX_MECHS);
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (gd_sasl_settings_mech(s, names[i]) != NULL) {
			*error_r = gd_config_error(settings_item(node,
			    "mechanisms", i), "mechanism '%s' listed twice",
			    names[i]);
			return -1;
		}
		s->mechs[i] = settings_find_mech(names[i], &err);
		if (s->mechs[i] == NULL) {
			*error_r = gd_config_error(settings_item(node,
			    "mechanisms", i), "unknown mechanism '%s': %s",
			    names[i], err);
			return -1;
		}
		s->mech_count = i + 1;
	}
	return 0;
}

static int
settings_realm(const struct gd_config_node *node, struct gd_sasl_settings *s,
    const char **error_r)
{
	const char *err;

	if (gd_config_get_string(node, "realm", NULL, &s->realm_name,
	    error_r) < 0)
		return -1;
	if (s->realm_name == NULL) {
		*error_r = gd_config_error(node, "expected a `realm:`");
		return -1;
	}
	s->realm = gd_realm_find(s->realm_name, &err);
	if (s->realm == NULL) {
		*error_r = gd_config_error(gd_config_get(node, "realm"),
		    "unknown realm '%s': %s", s->realm_name, err);
		return -1;
	}
	return 0;
}

static int
settings_policy(const struct gd_config_node *node, struct gd_sasl_settings *s,
    const char **error_r)
{
	int64_t max;

	if (gd_config_get_bool(node, "plaintext-without-tls", false,
	    &s->plaintext_without_tls, error_r) < 0 ||
	    gd_config_get_int(node, "max-auth-failures", 5, 0, 1000000, &max,
	    error_r) < 0 ||
	    gd_config_get_duration(node, "auth-lockout-time", 900000, 1000,
	    604800000, &s->lockout_ms, error_r) < 0 ||
	    gd_config_get_duration(node, "failure-delay", 1000, 0, 600000,
	    &s->delay_ms, error_r) < 0 ||
	    gd_config_get_duration(node, "failure-delay-max", 8000, 0, 600000,
	    &s->delay_max_ms, error_r) < 0)
		return -1;
	s->max_failures = (unsigned)max;
	if (s->delay_max_ms < s->delay_ms) {
		*error_r = gd_config_error(gd_config_get(node,
		    "failure-delay-max"), "must be at least failure-delay");
		return -1;
	}
	return 0;
}

static int
settings_names(const struct gd_config_node *node, const char *protocol,
    struct gd_pool *pool, struct gd_sasl_settings *s, const char **error_r)
{
	char host[256];

	if (gd_config_get_string(node, "service", protocol, &s->service,
	    error_r) < 0 ||
	    gd_config_get_string(node, "hostname", NULL, &s->hostname,
	    error_r) < 0)
		return -1;
	if (s->hostname == NULL) {
		if (gethostname(host, sizeof(host)) < 0)
			strcpy(host, "localhost");
		host[sizeof(host) - 1] = '\0';
		s->hostname = gd_pool_strdup(pool, host);
	}
	return 0;
}

static void
settings_warn_historic(const struct gd_sasl_settings *s)
{
	size_t i;

	for (i = 0; i < s->mech_count; i++) {
		if ((s->mechs[i]->flags & GD_SASL_MECH_HISTORIC) == 0)
			continue;
		gd_log(GD_LOG_WARNING, "sasl.config", "listener=%s "
		    "mechanism=%s reason=\"historic mechanism offered\"",
		    s->listener, s->mechs[i]->name);
	}
}

int
gd_sasl_settings_parse(const struct gd_config_node *node,
    const char *listener, const char *protocol, struct gd_pool *pool,
    const struct gd_sasl_settings **settings_r, const char **error_r)
{
	struct gd_sasl_settings *s;

	if (gd_config_node_type(node) != GD_CONFIG_MAP) {
		*error_r = gd_config_error(node, "expected a map");
		return -1;
	}
	s = gd_pool_alloc(pool, sizeof(*s));
	s->node = node;
	s->listener = gd_pool_strdup(pool, listener);
	if (gd_config_validate(node, settings_keys, error_r) < 0 ||
	    settings_realm(node, s, error_r) < 0 ||
	    settings_mechs(node, s, error_r) < 0 ||
	    settings_policy(node, s, error_r) < 0 ||
	    settings_names(node, protocol, pool, s, error_r) < 0)
		return -1;
	settings_warn_historic(s);
	*settings_r = s;
	return 0;
}

const struct gd_sasl_mech *
gd_sasl_settings_mech(const struct gd_sasl_settings *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->mech_count; i++) {
		if (strcasecmp(s->mechs[i]->name, name) == 0)
			return s->mechs[i];
	}
	return NULL;
}
