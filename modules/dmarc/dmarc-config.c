/*
 * dmarc-config.c — the `dmarc:` map (docs/dmarc.md):
 *
 *   dmarc:
 *     method: tree-walk          # or psl (RFC 7489)
 *     authserv-id: mx.example.org
 *     policy: enforce            # or log-only
 *     quarantine-action: junk-folder   # or header
 *     temperror: accept          # or tempfail
 *     reports: {spool: /var/spool/gumdrop/dmarc, interval: 1d,
 *               org-name: Example, email: dmarc@example.org,
 *               format: rfc9990}
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dmarc-private.h"

static const struct gd_config_key dmarc_report_keys[] = {
	{ "spool", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "folder of the per-message report data" },
	{ "interval", GD_CONFIG_KEY_DURATION, "1d", 1000, 604800000,
	    "aggregate reporting period" },
	{ "org-name", GD_CONFIG_KEY_STRING, "the authserv-id", 0, 0,
	    "report_metadata org_name" },
	{ "email", GD_CONFIG_KEY_STRING, "postmaster@authserv-id", 0, 0,
	    "report_metadata email (its domain names the report files)" },
	{ "format", GD_CONFIG_KEY_STRING, "rfc9990", 0, 0,
	    "rfc9990, or rfc7489 (Appendix C schema)" },
	{ "failure-per-hour", GD_CONFIG_KEY_INT, "100", 0, 100000,
	    "failure reports (ruf=) written per hour at most; 0: none" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

/* org-name, email (default postmaster@authserv-id), format. */
static int
dmarc_config_report_meta(const struct gd_config_node *r,
    struct dmarc_config *cfg, const char **error_r)
{
	static const char *const formats[] = { "rfc9990", "rfc7489", NULL };
	const char *at;
	int64_t n;
	int f;

	(void)snprintf(cfg->default_email, sizeof(cfg->default_email),
	    "postmaster@%s", cfg->authserv_id);
	if (gd_config_get_string(r, "org-name", cfg->authserv_id,
	    &cfg->org_name, error_r) != 0 ||
	    gd_config_get_string(r, "email", cfg->default_email, &cfg->email,
	    error_r) != 0 ||
	    gd_config_get_enum(r, "format", formats, 0, &f, error_r) != 0)
		return -1;
	cfg->format = f == 1 ? DMARC_REPORT_RFC7489 : DMARC_REPORT_RFC9990;
	at = strrchr(cfg->email, '@');
	if (at == NULL || at[1] == '\0' || strchr(at + 1, '!') != NULL ||
	    strchr(at + 1, '/') != NULL) {
		*error_r = "dmarc: reports.email must be an address "
		    "(its domain names the report files)";
		return -1;
	}
	cfg->receiver = at + 1;
	if (gd_config_get_int(r, "failure-per-hour", 100, 0, 100000, &n,
	    error_r) != 0)
		return -1;
	cfg->failure_per_hour = (unsigned)n;
	return 0;
}

static int
dmarc_config_reports(const struct gd_config_node *node,
    struct dmarc_config *cfg, const char **error_r)
{
	const struct gd_config_node *r = gd_config_get(node, "reports");

	cfg->spool = NULL;
	cfg->interval_ms = 86400000;
	if (r == NULL || gd_config_node_is_null(r))
		return 0;
	if (gd_config_validate(r, dmarc_report_keys, error_r) != 0 ||
	    gd_config_get_string(r, "spool", NULL, &cfg->spool, error_r) != 0 ||
	    dmarc_config_report_meta(r, cfg, error_r) != 0)
		return -1;
	return gd_config_get_duration(r, "interval", 86400000, 1000,
	    604800000, &cfg->interval_ms, error_r);
}

static int
dmarc_config_enums(const struct gd_config_node *node,
    struct dmarc_config *cfg, const char **error_r)
{
	static const char *const methods[] = { "tree-walk", "psl", NULL };
	static const char *const policies[] = { "enforce", "log-only", NULL };
	static const char *const actions[] = { "junk-folder", "header",
	    NULL };
	static const char *const temps[] = { "accept", "tempfail", NULL };
	int m, p, a, t;

	if (gd_config_get_enum(node, "method", methods, 0, &m, error_r) != 0 ||
	    gd_config_get_enum(node, "policy", policies, 0, &p,
	    error_r) != 0 ||
	    gd_config_get_enum(node, "quarantine-action", actions, 0, &a,
	    error_r) != 0 ||
	    gd_config_get_enum(node, "temperror", temps, 0, &t, error_r) != 0)
		return -1;
	cfg->method = m == 1 ? GD_DMARC_METHOD_PSL :
	    GD_DMARC_METHOD_TREE_WALK;
	cfg->enforce = p == 0;
	cfg->quarantine = a == 1 ? DMARC_QUARANTINE_HEADER :
	    DMARC_QUARANTINE_JUNK;
	cfg->temperror_tempfail = t == 1;
	return 0;
}

int
dmarc_config_parse(const struct gd_config_node *node,
    struct dmarc_config *cfg, const char **error_r)
{
	memset(cfg, 0, sizeof(*cfg));
	if (gethostname(cfg->host, sizeof(cfg->host) - 1) != 0 ||
	    cfg->host[0] == '\0')
		(void)strcpy(cfg->host, "localhost");
	cfg->host[sizeof(cfg->host) - 1] = '\0';
	if (dmarc_config_enums(node, cfg, error_r) != 0 ||
	    gd_config_get_string(node, "authserv-id", cfg->host,
	    &cfg->authserv_id, error_r) != 0)
		return -1;
	return dmarc_config_reports(node, cfg, error_r);
}
