/*
 * realm-file.c — the realm-file module: users from a Dovecot passwd-file,
 * published as the realm service "realm.file".
 *
 *   realm-file:
 *     path: /etc/gumdrop/users          # required
 *     allow-plaintext-secrets: false    # {PLAIN} for CRAM-MD5/DIGEST-MD5
 *     scram-iterations: 4096            # SCRAM keys derived from {PLAIN}
 *     dummy-scheme: SHA512-CRYPT        # stand-in hash for unknown users
 *
 * The file is read at start, on SIGHUP (the reload callback) and when it
 * changes on disk (a watch on worker loop 0; see realm-file-watch.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "realm-file.h"

#define RF_ITER_DEFAULT	4096

static int realm_file_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int realm_file_thread_init(struct gd_module_ctx *ctx,
    struct gd_loop *loop, const char **error_r);
static void realm_file_thread_fini(struct gd_module_ctx *ctx,
    struct gd_loop *loop);
static int realm_file_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void realm_file_fini(struct gd_module_ctx *ctx);

static const struct gd_config_key realm_file_keys[] = {
	{ "path", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "the users file, Dovecot passwd-file format (required)" },
	{ "allow-plaintext-secrets", GD_CONFIG_KEY_BOOL, "false", 0, 0,
	    "give {PLAIN} passwords to CRAM-MD5, DIGEST-MD5 and APOP" },
	{ "scram-iterations", GD_CONFIG_KEY_INT, "4096", 1, GD_PW_ITER_MAX,
	    "iterations of SCRAM keys derived from {PLAIN} entries" },
	{ "dummy-scheme", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "scheme of the hash checked for unknown users (default: the "
	    "file's most common)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_service_decl realm_file_services[] = {
	{ GD_REALM_SERVICE_PREFIX "file", GD_REALM_MAJOR, GD_REALM_MINOR,
	    &realm_file_realm },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "realm-file",
	.version = "1.0.0",
	.description = "users from a Dovecot-compatible passwd-file",
	.license = "MIT",
	.config_keys = realm_file_keys,
	.services = realm_file_services,
	.init = realm_file_init,
	.thread_init = realm_file_thread_init,
	.thread_fini = realm_file_thread_fini,
	.reload = realm_file_reload,
	.fini = realm_file_fini,
};

/* Read the subtree into *conf (strings from the config tree). */
static int
realm_file_conf_read(const struct gd_config_node *config,
    struct realm_file_conf *conf, const char **error_r)
{
	int64_t iter;

	memset(conf, 0, sizeof(*conf));
	if (config == NULL || gd_config_get(config, "path") == NULL) {
		*error_r = "realm-file: key 'path' is required";
		return -1;
	}
	if (gd_config_get_string(config, "path", NULL, &conf->path,
	    error_r) < 0 ||
	    gd_config_get_bool(config, "allow-plaintext-secrets", false,
	    &conf->allow_plain, error_r) < 0 ||
	    gd_config_get_int(config, "scram-iterations", RF_ITER_DEFAULT, 1,
	    GD_PW_ITER_MAX, &iter, error_r) < 0 ||
	    gd_config_get_string(config, "dummy-scheme", NULL,
	    &conf->dummy_scheme, error_r) < 0)
		return -1;
	conf->scram_iterations = (unsigned)iter;
	if (conf->dummy_scheme != NULL &&
	    gd_pw_maker_find(conf->dummy_scheme) == NULL) {
		*error_r = gd_config_error(gd_config_get(config,
		    "dummy-scheme"), "expected a scheme gumdropctl pw knows, "
		    "got '%s'", conf->dummy_scheme);
		return -1;
	}
	return 0;
}

/* Own the strings of a conf read from the tree (free the old ones). */
static void
realm_file_conf_keep(struct realm_file_conf *dst,
    const struct realm_file_conf *src)
{
	free((char *)dst->path);
	free((char *)dst->dummy_scheme);
	dst->path = gd_xstrdup(src->path);
	dst->dummy_scheme = gd_xstrdup(src->dummy_scheme);
	dst->allow_plain = src->allow_plain;
	dst->scram_iterations = src->scram_iterations;
}

struct realm_file_table *
realm_file_current(struct realm_file *rf)
{
	struct realm_file_table *t;

	if (rf == NULL)
		return NULL;
	pthread_mutex_lock(&rf->lock);
	t = realm_file_table_ref(rf->table);
	pthread_mutex_unlock(&rf->lock);
	return t;
}

/* Swap `t` in (and, when `conf` is not NULL, that configuration). */
static void
realm_file_swap(struct realm_file *rf, struct realm_file_table *t,
    const struct realm_file_conf *conf)
{
	struct realm_file_table *old;

	pthread_mutex_lock(&rf->lock);
	old = rf->table;
	rf->table = t;
	if (conf != NULL)
		realm_file_conf_keep(&rf->conf, conf);
	pthread_mutex_unlock(&rf->lock);
	realm_file_table_unref(&old);
}

/* Load with `conf` (its secret comes from rf) under the load lock. */
static int
realm_file_load(struct realm_file *rf, struct realm_file_conf *conf,
    struct gd_pool *err_pool, struct realm_file_table **t_r,
    const char **error_r)
{
	int r;

	memcpy(conf->secret, rf->conf.secret, sizeof(conf->secret));
	r = realm_file_table_load(conf, err_pool, t_r, error_r);
	explicit_bzero(conf->secret, sizeof(conf->secret));
	return r;
}

int
realm_file_reread(struct realm_file *rf, struct gd_pool *err_pool,
    const char **error_r)
{
	struct realm_file_table *t;
	struct realm_file_conf conf;
	int r;

	pthread_mutex_lock(&rf->load_lock);
	pthread_mutex_lock(&rf->lock);
	conf = rf->conf;
	conf.path = gd_pool_strdup(err_pool, rf->conf.path);
	conf.dummy_scheme = rf->conf.dummy_scheme == NULL ? NULL :
	    gd_pool_strdup(err_pool, rf->conf.dummy_scheme);
	pthread_mutex_unlock(&rf->lock);
	r = realm_file_load(rf, &conf, err_pool, &t, error_r);
	if (r == 0)
		realm_file_swap(rf, t, NULL);
	pthread_mutex_unlock(&rf->load_lock);
	return r;
}

static int
realm_file_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r)
{
	struct realm_file_conf conf;
	struct realm_file *rf;

	if (realm_file_conf_read(config, &conf, error_r) < 0)
		return -1;
	rf = gd_xcalloc(1, sizeof(*rf));
	pthread_mutex_init(&rf->lock, NULL);
	pthread_mutex_init(&rf->load_lock, NULL);
	*error_r = "realm-file: no random bytes";
	if (gd_pw_random(rf->conf.secret, sizeof(rf->conf.secret)) < 0 ||
	    realm_file_load(rf, &conf, gd_config_node_pool(config),
	    &rf->table, error_r) < 0) {
		pthread_mutex_destroy(&rf->lock);
		pthread_mutex_destroy(&rf->load_lock);
		free(rf);
		return -1;
	}
	realm_file_conf_keep(&rf->conf, &conf);
	gd_module_ctx_set_data(ctx, rf);
	return 0;
}

/* Loop 0 watches the file; the other loops have nothing to do. */
static int
realm_file_thread_init(struct gd_module_ctx *ctx, struct gd_loop *loop,
    const char **error_r)
{
	struct realm_file *rf = gd_module_ctx_get_data(ctx);

	if (gd_loop_index(loop) != 0)
		return 0;
	pthread_mutex_lock(&rf->lock);
	rf->watch_loop = loop;
	pthread_mutex_unlock(&rf->lock);
	realm_file_watch_start(rf, loop);
	return 0;
}

static void
realm_file_thread_fini(struct gd_module_ctx *ctx, struct gd_loop *loop)
{
	struct realm_file *rf = gd_module_ctx_get_data(ctx);

	if (gd_loop_index(loop) != 0)
		return;
	realm_file_watch_stop(rf);
	pthread_mutex_lock(&rf->lock);
	rf->watch_loop = NULL;
	pthread_mutex_unlock(&rf->lock);
}

/*
 * SIGHUP: read the (maybe new) file with the new settings; refuse when
 * it cannot be read, so that a typo in `path` keeps the users we have.
 */
static int
realm_file_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r)
{
	struct realm_file *rf = gd_module_ctx_get_data(ctx);
	struct realm_file_table *t;
	struct realm_file_conf conf;
	bool moved;

	if (realm_file_conf_read(config, &conf, error_r) < 0)
		return -1;
	pthread_mutex_lock(&rf->load_lock);
	if (realm_file_load(rf, &conf, gd_config_node_pool(config), &t,
	    error_r) < 0) {
		pthread_mutex_unlock(&rf->load_lock);
		return -1;
	}
	pthread_mutex_lock(&rf->lock);
	moved = strcmp(rf->conf.path, conf.path) != 0;
	pthread_mutex_unlock(&rf->lock);
	realm_file_swap(rf, t, &conf);
	pthread_mutex_unlock(&rf->load_lock);
	if (moved)
		realm_file_watch_repath(rf);
	return 0;
}

static void
realm_file_fini(struct gd_module_ctx *ctx)
{
	struct realm_file *rf = gd_module_ctx_get_data(ctx);

	if (rf == NULL)
		return;
	realm_file_table_unref(&rf->table);
	free((char *)rf->conf.path);
	free((char *)rf->conf.dummy_scheme);
	explicit_bzero(rf->conf.secret, sizeof(rf->conf.secret));
	pthread_mutex_destroy(&rf->lock);
	pthread_mutex_destroy(&rf->load_lock);
	free(rf);
	gd_module_ctx_set_data(ctx, NULL);
}
