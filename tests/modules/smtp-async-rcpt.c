/*
 * smtp-async-rcpt.so — the worked example of docs/smtp.md: a policy
 * module that refuses the recipients listed in a file, deciding
 * asynchronously.  At smtp.rcpt it copies the address, pends, and looks
 * the address up in the blocking pool (the file is read at each lookup,
 * so edits apply at once; `delay` stands for a slow directory).  A listed
 * address gets the typed reason's reply (550 5.7.1 by default), any other
 * goes on to the next handler (CONTINUE), and an unreadable file gives
 * 451 4.3.0.
 *
 *   smtp-async-rcpt:
 *     deny-file: /etc/gumdrop/denied   # lines "user@domain" or "@domain"
 *     delay: 200ms                     # 0..10s, default 0
 *     reason: policy                   # policy, not-local or greylisted
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/smtp.h>

struct ar_config {			/* read at init, then read-only */
	const struct gd_smtp_service *smtp;
	char *deny_file;
	uint64_t delay_ms;
	enum gd_smtp_reason reason;
};

struct ar_job {				/* one lookup: all the pool needs */
	const struct ar_config *cfg;
	struct gd_hook_pending *pending;
	int listed;			/* 1 listed, 0 not, -1 no file */
	char address[];
};

/* Is `address` (or "@its-domain") a line of `file`?  -1: unreadable. */
static int
ar_listed(const char *file, const char *address)
{
	const char *domain = strrchr(address, '@');
	char line[512];
	int found = 0;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		return -1;
	while (found == 0 && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, " \t\r\n")] = '\0';
		found = strcasecmp(line, address) == 0 || (line[0] == '@' &&
		    domain != NULL && strcasecmp(line, domain) == 0);
	}
	fclose(f);
	return found;
}

/* In the blocking pool: never on a worker loop. */
static void
ar_lookup(void *arg)
{
	struct ar_job *job = arg;

	if (job->cfg->delay_ms > 0)
		usleep((useconds_t)(job->cfg->delay_ms * 1000));
	job->listed = ar_listed(job->cfg->deny_file, job->address);
}

/* Back on the loop that asked, even if the client has gone meanwhile
 * (the core then drops the verdict): decide, resume, free. */
static void
ar_done(void *arg)
{
	struct ar_job *job = arg;
	struct gd_reply reply = { 0, NULL, NULL };
	enum gd_verdict v = GD_VERDICT_CONTINUE;

	if (job->listed != 0)
		v = job->cfg->smtp->reason_reply(job->listed > 0 ?
		    job->cfg->reason : GD_SMTP_REASON_TEMPORARY, &reply);
	gd_hook_resume(job->pending, v, &reply);
	free(job);
}

static enum gd_verdict
ar_rcpt(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	const struct gd_smtp_rcpt *rcpt = gd_hook_call_arg(call);
	struct gd_loop *loop = gd_hook_call_loop(call);
	size_t len = strlen(rcpt->address);
	struct ar_job *job = gd_xcalloc(1, sizeof(*job) + len + 1);

	(void)data; (void)reply_r;
	job->cfg = gd_module_ctx_get_data(ctx);
	memcpy(job->address, rcpt->address, len + 1);	/* copy, then */
	job->pending = gd_hook_pend(call);	/* `call` is no longer ours */
	if (gd_work_submit(loop, ar_lookup, ar_done, job) < 0) {
		job->listed = -1;		/* shutting down: 451 */
		ar_done(job);
	}
	return GD_VERDICT_PENDING;
}

static int
ar_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	static const char *const names[] = { "policy", "not-local",
	    "greylisted", NULL };
	static const enum gd_smtp_reason reasons[] = { GD_SMTP_REASON_POLICY,
	    GD_SMTP_REASON_NOT_LOCAL, GD_SMTP_REASON_GREYLISTED };
	struct ar_config cfg = { 0 }, *copy;
	const char *file = NULL;
	int reason = 0;

	if (gd_config_get_string(config, "deny-file", NULL, &file,
	    error_r) < 0 || gd_config_get_duration(config, "delay", 0, 0,
	    10000, &cfg.delay_ms, error_r) < 0 || gd_config_get_enum(config,
	    "reason", names, 0, &reason, error_r) < 0)
		return -1;
	if (file == NULL) {
		*error_r = "smtp-async-rcpt: the key `deny-file` is required";
		return -1;
	}
	if ((cfg.smtp = gd_service_lookup(GD_SMTP_SERVICE, 1, 0,
	    error_r)) == NULL)
		return -1;
	cfg.reason = reasons[reason];
	cfg.deny_file = gd_xstrdup(file);	/* the tree may be reloaded */
	copy = gd_xmalloc(sizeof(*copy));
	*copy = cfg;
	gd_module_ctx_set_data(ctx, copy);
	return 0;
}

static void
ar_fini(struct gd_module_ctx *ctx)
{
	struct ar_config *cfg = gd_module_ctx_get_data(ctx);

	free(cfg->deny_file);
	free(cfg);
}

static const struct gd_config_key ar_keys[] = {
	{ "deny-file", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "refused recipients: lines \"user@domain\" or \"@domain\"" },
	{ "delay", GD_CONFIG_KEY_DURATION, "0", 0, 10000,
	    "extra time each lookup takes (a slow directory)" },
	{ "reason", GD_CONFIG_KEY_STRING, "policy", 0, 0,
	    "typed reason of a refusal: policy, not-local, greylisted" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_module_dep ar_deps[] = {
	{ GD_DEP_SERVICE, GD_SMTP_SERVICE, 1, 0 },
	{ 0, NULL, 0, 0 },
};

static const struct gd_hook_reg ar_hooks[] = {
	{ GD_SMTP_HOOK_RCPT, ar_rcpt, GD_HOOK_MAY_PEND, NULL },
	{ NULL, NULL, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "smtp-async-rcpt",
	.version = "1.0.0",
	.description = "refuses listed recipients, asynchronously (example)",
	.license = "MIT",
	.deps = ar_deps,
	.config_keys = ar_keys,
	.hooks = ar_hooks,
	.init = ar_init,
	.fini = ar_fini,
};
