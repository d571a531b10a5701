/*
 * dkim-config.c — the `dkim:` section (docs/dkim.md):
 *
 *   dkim:
 *     verify: {enabled: true, max-signatures: 8, min-rsa-bits: 1024,
 *              allow-sha1: false, clock-skew: 5m, l-policy: accept,
 *              max-header: 256K}
 *     sign:   {keys: [{domain: D, selector: S, key: FILE,
 *                      algorithm: ed25519-sha256}],
 *              headers: [...], oversign: [from],
 *              canonicalization: relaxed/relaxed, expire: 0}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim-private.h"

const struct gd_config_key dkim_config_keys[] = {
	{ "verify", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "verification of incoming mail (docs/dkim.md)" },
	{ "sign", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "signing of authenticated submissions (docs/dkim.md)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_config_key dkim_verify_keys[] = {
	{ "enabled", GD_CONFIG_KEY_BOOL, "true", 0, 0, "verify signatures" },
	{ "max-signatures", GD_CONFIG_KEY_INT, "8", 1, 64,
	    "signatures verified per message" },
	{ "min-rsa-bits", GD_CONFIG_KEY_INT, "1024", 512, 8192,
	    "smaller RSA keys are permerror (RFC 8301)" },
	{ "allow-sha1", GD_CONFIG_KEY_BOOL, "false", 0, 0,
	    "accept rsa-sha1 (RFC 8301 says no)" },
	{ "clock-skew", GD_CONFIG_KEY_DURATION, "5m", 0, 86400000,
	    "tolerance on t= and x=" },
	{ "l-policy", GD_CONFIG_KEY_STRING, "accept", 0, 0,
	    "accept, partial or refuse signatures with l=" },
	{ "max-header", GD_CONFIG_KEY_SIZE, "256K", 4096, 16777216,
	    "header bytes kept for verification" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_config_key dkim_sign_keys[] = {
	{ "keys", GD_CONFIG_KEY_SEQ, NULL, 0, 0,
	    "signing keys: {domain, selector, key, algorithm}" },
	{ "headers", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "header fields signed (default: docs/dkim.md)" },
	{ "oversign", GD_CONFIG_KEY_STRINGS, "from", 0, 0,
	    "fields signed once more than present" },
	{ "canonicalization", GD_CONFIG_KEY_STRING, "relaxed/relaxed", 0, 0,
	    "header/body: simple or relaxed" },
	{ "expire", GD_CONFIG_KEY_DURATION, "0", 0, 31536000000LL,
	    "x= after t= (0: no x=)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_config_key dkim_key_keys[] = {
	{ "domain", GD_CONFIG_KEY_STRING, NULL, 0, 0, "d=" },
	{ "selector", GD_CONFIG_KEY_STRING, NULL, 0, 0, "s=" },
	{ "key", GD_CONFIG_KEY_STRING, NULL, 0, 0, "PEM private key file" },
	{ "algorithm", GD_CONFIG_KEY_STRING, "ed25519-sha256", 0, 0,
	    "ed25519-sha256 or rsa-sha256" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static int
dkim_config_verify(const struct gd_config_node *map, struct dkim_config *cfg,
    const char **error_r)
{
	static const char *const lp[] = { "accept", "partial", "refuse",
	    NULL };
	struct gd_dkim_verify_opts *o = &cfg->vopts;
	int64_t max, bits;
	uint64_t skew, hdr;
	int l;

	if (gd_config_validate(map, dkim_verify_keys, error_r) < 0 ||
	    gd_config_get_bool(map, "enabled", true, &cfg->verify,
	    error_r) < 0 ||
	    gd_config_get_int(map, "max-signatures", 8, 1, 64, &max,
	    error_r) < 0 ||
	    gd_config_get_int(map, "min-rsa-bits", 1024, 512, 8192, &bits,
	    error_r) < 0 ||
	    gd_config_get_bool(map, "allow-sha1", false, &o->allow_sha1,
	    error_r) < 0 ||
	    gd_config_get_duration(map, "clock-skew", 300000, 0, 86400000,
	    &skew, error_r) < 0 ||
	    gd_config_get_enum(map, "l-policy", lp, 0, &l, error_r) < 0 ||
	    gd_config_get_size(map, "max-header", 256 * 1024, 4096,
	    16777216, &hdr, error_r) < 0)
		return -1;
	o->max_signatures = (unsigned)max;
	o->min_rsa_bits = (unsigned)bits;
	o->clock_skew = skew / 1000 > 0 ? (unsigned)(skew / 1000) : 1;
	o->l_policy = (enum gd_dkim_l_policy)l;
	o->max_header_bytes = (size_t)hdr;
	return 0;
}

static char *
dkim_read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = gd_xmalloc(65537);
	n = fread(buf, 1, 65536, f);
	fclose(f);
	buf[n] = '\0';
	*len_r = n;
	return buf;
}

/* One entry of sign.keys: the PEM read and imported now, once (*pk_r
 * is kept for every signature). */
static int
dkim_config_key(const struct gd_config_node *m, struct gd_dkim_sign_key *k,
    struct dkim_privkey **pk_r, const char **error_r)
{
	static const char *const algs[] = { "rsa-sha256", "ed25519-sha256",
	    NULL };
	const char *domain, *sel, *file;
	struct dkim_privkey *pk;
	int alg;

	if (gd_config_validate(m, dkim_key_keys, error_r) < 0 ||
	    gd_config_get_string(m, "domain", NULL, &domain, error_r) < 0 ||
	    gd_config_get_string(m, "selector", NULL, &sel, error_r) < 0 ||
	    gd_config_get_string(m, "key", NULL, &file, error_r) < 0 ||
	    gd_config_get_enum(m, "algorithm", algs, 1, &alg, error_r) < 0)
		return -1;
	if (domain == NULL || sel == NULL || file == NULL) {
		*error_r = gd_config_error(m, "domain, selector and key are "
		    "required");
		return -1;
	}
	k->domain = gd_xstrdup(domain);
	k->selector = gd_xstrdup(sel);
	k->alg = (enum gd_dkim_alg)alg;
	if ((k->pem = dkim_read_file(file, &k->pem_len)) == NULL) {
		*error_r = gd_config_error(m, "cannot read %s", file);
		return -1;
	}
	if ((pk = dkim_privkey_import(k->alg, k->pem, k->pem_len,
	    error_r)) == NULL) {
		*error_r = gd_config_error(m, "%s: %s", file, *error_r);
		return -1;
	}
	*pk_r = pk;
	return 0;
}

static char **
dkim_strv(const char *const *v, size_t n)
{
	char **out = gd_xcalloc(n + 1, sizeof(*out));
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = gd_xstrdup(v[i]);
	return out;
}

static int
dkim_config_lists(const struct gd_config_node *map, struct dkim_config *cfg,
    const char **error_r)
{
	struct gd_dkim_sign_opts *o = &cfg->sopts;
	const char *const *v;
	size_t n;

	if (gd_config_get_strings(map, "headers", &v, &n, error_r) < 0)
		return -1;
	if (n > 0) {
		cfg->headers = dkim_strv(v, n);
		o->headers = (const char *const *)cfg->headers;
		o->nheaders = n;
	}
	if (gd_config_get(map, "oversign") == NULL)
		return 0;
	if (gd_config_get_strings(map, "oversign", &v, &n, error_r) < 0)
		return -1;
	cfg->oversign = dkim_strv(v, n);
	o->oversign = (const char *const *)cfg->oversign;
	o->noversign = n;
	return 0;
}

static int
dkim_config_sign(const struct gd_config_node *map, struct dkim_config *cfg,
    const char **error_r)
{
	static const char *const canons[] = { "simple/simple",
	    "relaxed/simple", "simple/relaxed", "relaxed/relaxed", NULL };
	const struct gd_config_node *keys;
	uint64_t expire;
	size_t i;
	int c;

	if (gd_config_validate(map, dkim_sign_keys, error_r) < 0 ||
	    gd_config_get_enum(map, "canonicalization", canons, 3, &c,
	    error_r) < 0 ||
	    gd_config_get_duration(map, "expire", 0, 0, 31536000000ULL,
	    &expire, error_r) < 0 || dkim_config_lists(map, cfg, error_r) < 0)
		return -1;
	cfg->sopts.header_canon = (enum gd_dkim_canon)(c & 1);
	cfg->sopts.body_canon = (enum gd_dkim_canon)(c >> 1);
	cfg->sopts.expire_after = (unsigned)(expire / 1000);
	keys = gd_config_get(map, "keys");
	cfg->nkeys = keys != NULL ? gd_config_node_count(keys) : 0;
	cfg->keys = gd_xcalloc(cfg->nkeys + 1, sizeof(*cfg->keys));
	cfg->privs = gd_xcalloc(cfg->nkeys + 1, sizeof(*cfg->privs));
	for (i = 0; i < cfg->nkeys; i++)
		if (dkim_config_key(gd_config_node_at(keys, i), &cfg->keys[i],
		    &cfg->privs[i], error_r) < 0)
			return -1;
	return 0;
}

int
dkim_config_parse(const struct gd_config_node *config,
    struct dkim_config *cfg, const char **error_r)
{
	cfg->verify = true;
	if (gd_config_validate(config, dkim_config_keys, error_r) < 0)
		return -1;
	if (dkim_config_verify(config != NULL ? gd_config_get(config,
	    "verify") : NULL, cfg, error_r) < 0)
		return -1;
	return dkim_config_sign(config != NULL ? gd_config_get(config,
	    "sign") : NULL, cfg, error_r);
}

static void
dkim_strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
dkim_config_free(struct dkim_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nkeys; i++) {
		free((char *)cfg->keys[i].domain);
		free((char *)cfg->keys[i].selector);
		free((char *)cfg->keys[i].pem);
		if (cfg->privs != NULL)
			dkim_privkey_free(&cfg->privs[i]);
	}
	free(cfg->keys);
	free(cfg->privs);
	dkim_strv_free(cfg->headers);
	dkim_strv_free(cfg->oversign);
	free(cfg);
}
