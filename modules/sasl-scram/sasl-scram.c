/*
 * sasl-scram.c — the SCRAM mechanisms as framework services: SCRAM-SHA-1,
 * SCRAM-SHA-256, SCRAM-SHA-512 and their -PLUS variants, one service
 * each ("sasl-mech.SCRAM-SHA-256", ...), all run by scram-server.c.
 *
 * Steps run in the blocking pool (the framework's rule); the realm's
 * scram_secret() is called there, so a realm that derives keys on the fly
 * does it off the loops too.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/sasl-impl.h>

#include "scram.h"

#define SCRAM_SECRET_FILE_MAX	65536

/* The module's data (read-only after init: any thread). */
struct sasl_scram_module {
	uint8_t secret[SCRAM_SECRET_LEN];
	unsigned fake_iterations;
};

static void sasl_scram_cleanup(void *state);

/* One mechanism: its table, and a step that knows its hash. */
#define SCRAM_MECH(id, label, hashvar, is_plus) \
	static enum gd_sasl_status sasl_scram_step_##id( \
	    struct gd_sasl_exchange *x, void *state, const void *in, \
	    size_t len, struct gd_sasl_step *out); \
	static const struct gd_sasl_mech sasl_scram_##id = { \
		.size = sizeof(struct gd_sasl_mech), \
		.name = label, \
		.flags = (is_plus) ? GD_SASL_MECH_CHANNEL_BINDING : 0, \
		.state_size = sizeof(struct scram_state), \
		.step = sasl_scram_step_##id, \
		.cleanup = sasl_scram_cleanup, \
	}; \
	static enum gd_sasl_status \
	sasl_scram_step_##id(struct gd_sasl_exchange *x, void *state, \
	    const void *in, size_t len, struct gd_sasl_step *out) \
	{ \
		return sasl_scram_step(&sasl_scram_##id, &(hashvar), \
		    (is_plus), x, state, in, len, out); \
	}

static enum gd_sasl_status sasl_scram_step(const struct gd_sasl_mech *mech,
    const struct scram_hash *hash, bool plus, struct gd_sasl_exchange *x,
    void *state, const void *in, size_t len, struct gd_sasl_step *out);

SCRAM_MECH(sha1, "SCRAM-SHA-1", scram_sha1, false)
SCRAM_MECH(sha1_plus, "SCRAM-SHA-1-PLUS", scram_sha1, true)
SCRAM_MECH(sha256, "SCRAM-SHA-256", scram_sha256, false)
SCRAM_MECH(sha256_plus, "SCRAM-SHA-256-PLUS", scram_sha256, true)
SCRAM_MECH(sha512, "SCRAM-SHA-512", scram_sha512, false)
SCRAM_MECH(sha512_plus, "SCRAM-SHA-512-PLUS", scram_sha512, true)

static const struct gd_service_decl sasl_scram_services[] = {
	{ GD_SASL_MECH_SERVICE_PREFIX "SCRAM-SHA-1", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_scram_sha1 },
	{ GD_SASL_MECH_SERVICE_PREFIX "SCRAM-SHA-1-PLUS", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_scram_sha1_plus },
	{ GD_SASL_MECH_SERVICE_PREFIX "SCRAM-SHA-256", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_scram_sha256 },
	{ GD_SASL_MECH_SERVICE_PREFIX "SCRAM-SHA-256-PLUS", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_scram_sha256_plus },
	{ GD_SASL_MECH_SERVICE_PREFIX "SCRAM-SHA-512", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_scram_sha512 },
	{ GD_SASL_MECH_SERVICE_PREFIX "SCRAM-SHA-512-PLUS", GD_SASL_MECH_MAJOR,
	    GD_SASL_MECH_MINOR, &sasl_scram_sha512_plus },
	{ NULL, 0, 0, NULL },
};

/* ---- what the exchange needs, from the framework ------------------------ */

static int
sasl_scram_secret(void *arg, const char *user, const char *hash,
    struct gd_realm_scram *keys, struct gd_realm_user **user_r,
    const char **err)
{
	struct gd_sasl_exchange *x = arg;
	const struct gd_realm *realm = gd_sasl_x_realm(x);

	*user_r = NULL;
	if (realm->scram_secret == NULL)
		return 0;
	return realm->scram_secret(realm, user, hash, gd_sasl_x_pool(x), keys,
	    user_r, err);
}

static int
sasl_scram_binding(void *arg, const char *type, const void **data_r,
    size_t *len_r)
{
	return gd_sasl_x_channel_binding(arg, type, data_r, len_r);
}

/* A SCRAM -PLUS among the listener's mechanisms (any case)? */
static bool
sasl_scram_plus_configured(const struct gd_config_node *sasl)
{
	const struct gd_config_node *mechs = gd_config_get(sasl, "mechanisms");
	const char *name;
	size_t i, n, len;

	if (mechs == NULL)
		return false;
	n = gd_config_node_type(mechs) == GD_CONFIG_SEQ ?
	    gd_config_node_count(mechs) : 1;
	for (i = 0; i < n; i++) {
		name = gd_config_node_scalar(gd_config_node_type(mechs) ==
		    GD_CONFIG_SEQ ? gd_config_node_at(mechs, i) : mechs);
		if (name == NULL || (len = strlen(name)) < 11)
			continue;
		if (strncasecmp(name, "SCRAM-", 6) == 0 &&
		    strcasecmp(name + len - 5, "-PLUS") == 0)
			return true;
	}
	return false;
}

/* Would a -PLUS be advertised here now?  The framework's rule: configured,
 * and some channel binding available. */
static bool
sasl_scram_plus_offered(struct gd_sasl_exchange *x)
{
	static const char *const types[] = {
		"tls-exporter", "tls-unique", "tls-server-end-point",
	};
	const void *data;
	size_t i, len;

	if (!gd_sasl_x_tls(x) ||
	    !sasl_scram_plus_configured(gd_sasl_x_listener_config(x)))
		return false;
	for (i = 0; i < GD_N_ELEMENTS(types); i++)
		if (gd_sasl_x_channel_binding(x, types[i], &data, &len) == 0)
			return true;
	return false;
}

/* ---- the step ----------------------------------------------------------- */

static enum gd_sasl_status
sasl_scram_step(const struct gd_sasl_mech *mech, const struct scram_hash *hash,
    bool plus, struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	const struct sasl_scram_module *mod =
	    gd_module_ctx_get_data(gd_service_module_ctx(mech));
	struct scram_state *st = state;
	uint8_t rnd[SCRAM_NONCE_RANDOM];
	char nonce[BASE64_ENCODE_RAW_LENGTH(SCRAM_NONCE_RANDOM) + 1];
	struct scram_env env = {
		.pool = gd_sasl_x_pool(x),
		.arg = x,
		.secret = sasl_scram_secret,
		.binding = sasl_scram_binding,
		.server_nonce = nonce,
		.secret_key = mod->secret,
		.fake_iterations = mod->fake_iterations,
	};

	st->hash = hash;
	st->plus = plus;
	nonce[0] = '\0';
	if (st->phase != SCRAM_PHASE_FINAL && in != NULL) {
		if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) < 0) {
			out->reason = GD_SASL_TEMPORARY;
			out->text = "no random numbers";
			return GD_SASL_FAILURE;
		}
		/* base64: printable, and never a ',' */
		base64_encode_raw(nonce, sizeof(rnd), rnd);
		nonce[sizeof(nonce) - 1] = '\0';
		env.plus_offered = !plus && sasl_scram_plus_offered(x);
	}
	return scram_server_step(st, &env, in, len, out);
}

static void
sasl_scram_cleanup(void *state)
{
	struct scram_state *st = state;

	/* The keys stay in the pool until it goes: wipe them now. */
	memset(&st->keys, 0, sizeof(st->keys));
}

/* ---- the module --------------------------------------------------------- */

static const struct gd_config_key sasl_scram_keys[] = {
	{ "secret-file", GD_CONFIG_KEY_STRING, "(random at start)", 0, 0,
	    "secret behind the salts of users without SCRAM keys" },
	{ "unknown-iterations", GD_CONFIG_KEY_INT, "4096", 1, 10000000,
	    "iteration count announced for users without SCRAM keys" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

/* The secret: HMAC-SHA-256 of the file's content, so any length works. */
static int
sasl_scram_read_secret(const char *path, struct sasl_scram_module *mod,
    const char **error_r)
{
	struct hmac_sha256_ctx mac;
	uint8_t buf[SCRAM_SECRET_FILE_MAX];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*error_r = "sasl-scram: cannot open secret-file";
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 16) {
		*error_r = "sasl-scram: secret-file holds less than 16 bytes";
		return -1;
	}
	hmac_sha256_set_key(&mac, 13, (const uint8_t *)"gumdrop-scram");
	hmac_sha256_update(&mac, (size_t)n, buf);
	hmac_sha256_digest(&mac, SCRAM_SECRET_LEN, mod->secret);
	memset(buf, 0, sizeof(buf));
	memset(&mac, 0, sizeof(mac));
	return 0;
}

static int
sasl_scram_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct sasl_scram_module *mod;
	const char *path;
	int64_t iter;

	if (gd_config_get_string(config, "secret-file", NULL, &path,
	    error_r) < 0 || gd_config_get_int(config, "unknown-iterations",
	    4096, 1, 10000000, &iter, error_r) < 0)
		return -1;
	mod = gd_xcalloc(1, sizeof(*mod));
	mod->fake_iterations = (unsigned)iter;
	if (path != NULL ? sasl_scram_read_secret(path, mod, error_r) :
	    gnutls_rnd(GNUTLS_RND_KEY, mod->secret, sizeof(mod->secret))) {
		if (path == NULL)
			*error_r = "sasl-scram: no random numbers";
		free(mod);
		return -1;
	}
	gd_module_ctx_set_data(ctx, mod);
	return 0;
}

static void
sasl_scram_fini(struct gd_module_ctx *ctx)
{
	struct sasl_scram_module *mod = gd_module_ctx_get_data(ctx);

	if (mod == NULL)
		return;
	memset(mod, 0, sizeof(*mod));
	free(mod);
	gd_module_ctx_set_data(ctx, NULL);
}

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "sasl-scram",
	.version = "1.0.0",
	.description = "SASL SCRAM-SHA-1/256/512(-PLUS) (RFC 5802, 7677, 9266)",
	.license = "MIT",
	.config_keys = sasl_scram_keys,
	.services = sasl_scram_services,
	.init = sasl_scram_init,
	.fini = sasl_scram_fini,
};
