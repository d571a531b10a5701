/*
 * local-delivery.c — the local-delivery module: final delivery of the
 * smtp module's recipients in the local domains into users' mailboxes
 * (README.md).
 *
 *   local-delivery:
 *     domains: [localhost, example.test]
 *     aliases: {postmaster: demo, team: [demo, alice]}
 *
 * This file: the descriptor, init, and the per-connection state that the
 * hook handlers of ld-rcpt.c and ld-deliver.c share.  Everything runs on
 * the connection's loop; lookups and deliveries go to the blocking pool
 * as jobs that survive the session (ld_job_orphan).
 */
#include <stdlib.h>
#include <string.h>

#include "local-delivery.h"

static int ld_init(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static int ld_reload(struct gd_module_ctx *ctx,
    const struct gd_config_node *config, const char **error_r);
static void ld_fini(struct gd_module_ctx *ctx);
static enum gd_verdict ld_reset_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
static enum gd_verdict ld_disconnect_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);

struct ld_module ld_mod;

static const struct gd_module_dep ld_deps[] = {
	{ GD_DEP_SERVICE, GD_SMTP_SERVICE, GD_SMTP_SERVICE_MAJOR,
	    GD_SMTP_SERVICE_MINOR },
	{ 0, NULL, 0, 0 },
};

static const struct gd_hook_reg ld_hooks[] = {
	{ GD_SMTP_HOOK_RCPT, ld_rcpt_hook, GD_HOOK_MAY_PEND, NULL },
	{ GD_SMTP_HOOK_DATA, ld_data_hook, 0, NULL },
	{ GD_SMTP_HOOK_DATA_END, ld_data_end_hook, GD_HOOK_MAY_PEND, NULL },
	{ GD_SMTP_HOOK_RESET, ld_reset_hook, 0, NULL },
	{ GD_SMTP_HOOK_DISCONNECT, ld_disconnect_hook, 0, NULL },
	{ NULL, NULL, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "local-delivery",
	.version = "1.0.0",
	.description = "SMTP/LMTP final delivery into local mailboxes",
	.license = "MIT",
	.deps = ld_deps,
	.config_keys = ld_config_keys,
	.hooks = ld_hooks,
	.init = ld_init,
	.reload = ld_reload,
	.fini = ld_fini,
};

static int
ld_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	ld_mod.cfg = ld_config_parse(config, error_r);
	if (ld_mod.cfg == NULL)
		return -1;
	if (!ld_mod.cfg->has_postmaster)
		gd_log(GD_LOG_WARNING, "local-delivery.postmaster", "reason="
		    "\"no `postmaster:` key or alias: postmaster@ the local "
		    "domains goes to the realm user 'postmaster', refused if "
		    "there is none (RFC 5321 4.5.1 requires it)\"");
	ld_mod.ctx = ctx;
	ld_mod.smtp = gd_service_lookup(GD_SMTP_SERVICE, GD_SMTP_SERVICE_MAJOR,
	    GD_SMTP_SERVICE_MINOR, error_r);
	if (ld_mod.smtp == NULL) {
		ld_config_free(&ld_mod.cfg);
		return -1;
	}
	return 0;
}

/* The new keys are checked; they apply at the next start (README). */
static int
ld_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	struct ld_config *cfg;

	(void)ctx;
	if ((cfg = ld_config_parse(config, error_r)) == NULL)
		return -1;
	ld_config_free(&cfg);
	return 0;
}

static void
ld_fini(struct gd_module_ctx *ctx)
{
	(void)ctx;
	ld_config_free(&ld_mod.cfg);
	memset(&ld_mod, 0, sizeof(ld_mod));
}

/* ---- per-connection state ----------------------------------------------- */

struct ld_conn *
ld_conn_get(struct gd_smtp_session *s, bool create)
{
	struct gd_conn *conn = ld_mod.smtp->conn(s);
	struct ld_conn *lc = GD_CONN_SLOT(conn, ld_mod.ctx, struct ld_conn);

	if (lc != NULL || !create)
		return lc;
	lc = gd_xcalloc(1, sizeof(*lc));
	lc->pool = gd_pool_create("local-delivery");
	GD_CONN_SLOT_SET(conn, ld_mod.ctx, lc);
	return lc;
}

void
ld_conn_reset(struct ld_conn *lc)
{
	if (lc->job != NULL) {
		ld_job_orphan(lc->job);
		lc->job = NULL;
	}
	gd_mail_delivery_destroy(&lc->delivery);
	lc->targets = NULL;
	lc->rcpts = NULL;
	lc->ntargets = lc->tcap = lc->nrcpts = lc->rcap = 0;
	gd_pool_clear(lc->pool);
}

unsigned
ld_conn_target(struct ld_conn *lc, const struct ld_target *t)
{
	struct ld_target *grown;
	unsigned i;

	for (i = 0; i < lc->ntargets; i++)
		if (strcmp(lc->targets[i].user, t->user) == 0)
			return i;		/* one copy per user */
	if (lc->ntargets == lc->tcap) {
		lc->tcap = lc->tcap == 0 ? 4 : lc->tcap * 2;
		grown = gd_pool_alloc(lc->pool, lc->tcap * sizeof(*grown));
		if (lc->ntargets > 0)
			memcpy(grown, lc->targets,
			    lc->ntargets * sizeof(*grown));
		lc->targets = grown;
	}
	grown = &lc->targets[lc->ntargets];
	grown->user = gd_pool_strdup(lc->pool, t->user);
	grown->location = gd_pool_strdup(lc->pool, t->location);
	grown->quota_storage = t->quota_storage;
	grown->quota_messages = t->quota_messages;
	grown->folder = gd_pool_strdup(lc->pool, t->folder);
	grown->index = 0;
	return lc->ntargets++;
}

static enum gd_verdict
ld_reset_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = ld_mod.smtp->session(call);
	struct ld_conn *lc = ld_conn_get(s, false);

	(void)ctx; (void)data; (void)reply_r;
	if (lc != NULL)
		ld_conn_reset(lc);
	return GD_VERDICT_CONTINUE;
}

static enum gd_verdict
ld_disconnect_hook(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = ld_mod.smtp->session(call);
	struct ld_conn *lc = ld_conn_get(s, false);

	(void)data; (void)reply_r;
	if (lc == NULL)
		return GD_VERDICT_CONTINUE;
	ld_conn_reset(lc);
	gd_pool_destroy(&lc->pool);
	free(lc);
	GD_CONN_SLOT_SET(ld_mod.smtp->conn(s), ctx, NULL);
	return GD_VERDICT_CONTINUE;
}
