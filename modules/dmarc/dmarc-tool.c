/*
 * dmarc-tool.c — the service's entry points for offline tools
 * (gumdropctl auth dmarc, service 1.1): the evaluation as the daemon
 * runs it (the configured method, the module's DNS ops over the core's
 * resolver) and the configured authserv-id.
 */
#include "dmarc-private.h"

int
dmarc_tool_eval_start(struct gd_loop *loop, const struct gd_dmarc_input *in,
    gd_dmarc_done_fn *done, void *arg, struct gd_dmarc_eval **ev_r)
{
	return dmarc_eval_start(dmarc_mod.cfg.method, in, &dmarc_dns_ops,
	    loop, done, arg, ev_r);
}

const char *
dmarc_tool_authserv_id(void)
{
	return dmarc_mod.cfg.authserv_id;
}
