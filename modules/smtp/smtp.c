/*
 * smtp.c — the smtp module: SMTP (RFC 5321), submission (RFC 6409) and
 * LMTP (RFC 2033) listeners, their hook points and the "smtp" service
 * (gumdrop/smtp.h).
 *
 *   listeners:
 *     - {name: mx, address: "0.0.0.0:25", protocol: smtp, tls: starttls}
 *     - {name: submission, address: "0.0.0.0:587", protocol: submission,
 *        tls: starttls, sasl: {realm: file, mechanisms: [PLAIN]}}
 *     - {name: lmtp, address: "unix:/run/gumdrop/lmtp", protocol: lmtp}
 *   smtp:
 *     hostname: mx.example.test
 *     listeners: {mx: {relay-networks: [192.0.2.0/24]}}
 *
 * Everything is static; the descriptor is the only exported symbol.
 */
#include <stdlib.h>
#include <string.h>

#include "smtp-private.h"

static int smtp_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int smtp_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void smtp_fini(struct gd_module_ctx *ctx);

static const struct gd_hook_point_decl smtp_points[] = {
	[SMTP_HOOK_CONNECT] = { GD_SMTP_HOOK_CONNECT, 0,
	    "a client connected, before the greeting; arg NULL" },
	[SMTP_HOOK_HELO] = { GD_SMTP_HOOK_HELO, 0,
	    "HELO/EHLO/LHLO; arg: the name given (const char *)" },
	[SMTP_HOOK_AUTH] = { GD_SMTP_HOOK_AUTH, 0,
	    "a SASL login succeeded; arg NULL" },
	[SMTP_HOOK_MAIL] = { GD_SMTP_HOOK_MAIL, 0,
	    "MAIL FROM; arg: const struct gd_smtp_mail *" },
	[SMTP_HOOK_RCPT] = { GD_SMTP_HOOK_RCPT, 0,
	    "RCPT TO; arg: struct gd_smtp_rcpt *; ACCEPT takes the "
	    "recipient" },
	[SMTP_HOOK_DATA] = { GD_SMTP_HOOK_DATA, GD_HOOK_POINT_SYNC,
	    "content starts; arg: struct gd_smtp_data * (push consumers)" },
	[SMTP_HOOK_DATA_END] = { GD_SMTP_HOOK_DATA_END, 0,
	    "content ended; arg: struct gd_smtp_data *; the final verdict" },
	[SMTP_HOOK_RESET] = { GD_SMTP_HOOK_RESET, GD_HOOK_POINT_SYNC,
	    "the transaction ends; arg NULL; verdict ignored" },
	[SMTP_HOOK_DISCONNECT] = { GD_SMTP_HOOK_DISCONNECT,
	    GD_HOOK_POINT_SYNC, "the session ends; arg NULL; verdict "
	    "ignored" },
	[SMTP_HOOK_COUNT] = { NULL, 0, NULL },
};

static const struct gd_protocol smtp_protocols[] = {
	{ .name = "smtp", GD_PROTOCOL_HEAD, .event = smtp_event },
	/* RFC 4954 4: the SASL service name is "smtp" for submission too. */
	{ .name = "submission", GD_PROTOCOL_HEAD, .event = smtp_event,
	  .sasl_service = "smtp" },
	{ .name = "lmtp", GD_PROTOCOL_HEAD, .event = smtp_event },
	{ .name = NULL },
};

static const struct gd_service_decl smtp_services[] = {
	{ GD_SMTP_SERVICE, GD_SMTP_SERVICE_MAJOR, GD_SMTP_SERVICE_MINOR,
	    &smtp_service },
	{ NULL, 0, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "smtp",
	.version = "1.0.0",
	.description = "SMTP, submission and LMTP server",
	.license = "MIT",
	.config_keys = smtp_config_keys,
	.hook_points = smtp_points,
	.services = smtp_services,
	.protocols = smtp_protocols,
	.init = smtp_init,
	.reload = smtp_reload,
	.fini = smtp_fini,
};

static int
smtp_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct smtp_module *mod;
	struct smtp_config *cfg;
	unsigned i;

	cfg = smtp_config_parse(config, error_r);
	if (cfg == NULL)
		return -1;
	mod = gd_xcalloc(1, sizeof(*mod));
	pthread_mutex_init(&mod->lock, NULL);
	mod->current = mod->configs = cfg;
	for (i = 0; i < SMTP_HOOK_COUNT; i++)
		mod->points[i] = gd_hook_point_find(smtp_points[i].name);
	gd_module_ctx_set_data(ctx, mod);
	return 0;
}

static int
smtp_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct smtp_config *cfg;

	(void)ctx;
	cfg = smtp_config_parse(config, error_r);
	if (cfg == NULL)
		return -1;
	smtp_config_free(cfg);
	return 0;
}

static void
smtp_fini(struct gd_module_ctx *ctx)
{
	struct smtp_module *mod = gd_module_ctx_get_data(ctx);
	struct smtp_config *cfg, *next;

	if (mod == NULL)
		return;
	for (cfg = mod->configs; cfg != NULL; cfg = next) {
		next = cfg->next;
		smtp_config_free(cfg);
	}
	pthread_mutex_destroy(&mod->lock);
	free(mod);
	gd_module_ctx_set_data(ctx, NULL);
}
