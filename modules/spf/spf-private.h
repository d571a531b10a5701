/*
 * spf-private.h — the spf module's glue (spf.c, spf-session.c,
 * spf-resolver.c): configuration, module state, per-connection state.
 * The engine it drives is spf-engine.h.
 */
#ifndef SPF_PRIVATE_H
#define SPF_PRIVATE_H

#include <gumdrop/gumdrop.h>
#include <gumdrop/dns.h>
#include <gumdrop/smtp.h>
#include <gumdrop/spf.h>

#include "spf-engine.h"

/* What a result makes the smtp.mail (or smtp.helo) handler answer. */
enum spf_action {
	SPF_ACTION_ACCEPT = 0,	/* go on (CONTINUE): log-only */
	SPF_ACTION_REJECT,	/* 550 5.7.23 / 550 5.7.24 */
	SPF_ACTION_TEMPFAIL,	/* 451 4.7.23 / 451 4.7.24 */
};

#define SPF_NRESULTS	(GD_SPF_PERMERROR + 1)

struct spf_config {
	bool helo_check;		/* also check the HELO identity */
	bool skip_authenticated;	/* no check for AUTH sessions */
	uint64_t timeout_ms;		/* whole check */
	char *receiver;			/* %{r} and receiver= */
	enum spf_action policy[SPF_NRESULTS];
};

struct spf_module {
	struct gd_module_ctx *ctx;
	const struct gd_smtp_service *smtp;
	struct spf_config *cfg;
};

extern struct spf_module spf_mod;

/* Per connection (a conn slot): the checks and their DNS context. */
struct spf_conn {
	struct gd_loop *loop;		/* the connection's, for DNS */
	struct gd_smtp_session *session;
	struct gd_spf_check *mail;	/* this transaction's MAIL FROM */
	struct gd_spf_check *helo;	/* the session's HELO */
	struct gd_hook_pending *pending;	/* a handler waiting */
	char reply[GD_REPLY_TEXT_MAX + 1];
};

/* spf.c: configuration (NULL with *error_r on a bad value). */
struct spf_config *spf_config_parse(const struct gd_config_node *node,
    const char **error_r);
void spf_config_free(struct spf_config *cfg);

/* spf-resolver.c: the engine's DNS through gd_dns_resolve(); the ops
 * context is the struct gd_loop to resolve on. */
extern const struct gd_spf_dns_ops spf_resolver_ops;
/* The service's check_start_dns (gumdrop/spf.h). */
struct gd_spf_check *spf_resolver_check_start(struct gd_loop *loop,
    const struct gd_spf_request *req, gd_spf_done_fn *done, void *arg,
    bool *finished_r);

/* spf-session.c: the hook handlers and the service's getters. */
enum gd_verdict spf_helo_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
enum gd_verdict spf_mail_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
/* Room for a Received-SPF value (its parts are bounded names). */
#define SPF_RECEIVED_MAX	4096
enum gd_verdict spf_data_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
enum gd_verdict spf_reset_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
enum gd_verdict spf_disconnect_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
const struct gd_spf_outcome *spf_session_mail(struct gd_smtp_session *s);
const struct gd_spf_outcome *spf_session_helo(struct gd_smtp_session *s);

/* spf-session.c: the verdict and reply the policy gives an outcome
 * (reply text written into `text`, GD_REPLY_TEXT_MAX + 1 octets). */
enum gd_verdict spf_policy_verdict(const struct spf_config *cfg,
    const struct gd_spf_outcome *o, struct gd_reply *reply_r, char *text);

#endif /* SPF_PRIVATE_H */
