/*
 * dkim-private.h — the dkim module's glue: configuration, the
 * per-transaction state kept in the connection's slot, the hooks.
 */
#ifndef DKIM_PRIVATE_H
#define DKIM_PRIVATE_H

#include <gumdrop/gumdrop.h>
#include <gumdrop/smtp.h>
#include <gumdrop/dkim.h>

#include "dkim-engine.h"

/* `dkim:` read at init; read-only afterwards. */
struct dkim_config {
	const struct gd_smtp_service *smtp;
	bool verify;
	struct gd_dkim_verify_opts vopts;	/* now = 0: time() */
	struct gd_dkim_sign_key *keys;		/* pem texts owned here */
	struct dkim_privkey **privs;		/* keys[i] imported at init */
	size_t nkeys;
	struct gd_dkim_sign_opts sopts;		/* lists owned here */
	char **headers, **oversign;
};

/* One transaction's state, in its pool; reached through the conn slot. */
struct dkim_txn {
	struct dkim_config *cfg;
	struct gd_module_ctx *ctx;
	struct gd_conn *conn;
	struct gd_smtp_session *session;
	struct gd_pool *pool;
	struct gd_loop *loop;
	struct gd_dkim_verifier *verifier;
	struct gd_dkim_signer *signer;
	struct gd_dkim_dns_ops dns;
	struct gd_hook_pending *pending;
	bool reported;
};

int dkim_config_parse(const struct gd_config_node *config,
    struct dkim_config *cfg, const char **error_r);
void dkim_config_free(struct dkim_config *cfg);

enum gd_verdict dkim_hook_data(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
enum gd_verdict dkim_hook_data_end(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
int dkim_txn_outcome(struct gd_module_ctx *ctx, struct gd_smtp_session *s,
    struct gd_dkim_outcome *out_r);

/* The DNS ops of a transaction: gd_dns_resolve on its loop. */
void dkim_dns_ops_loop(struct gd_loop *loop, struct gd_dkim_dns_ops *ops);

/* The worker's key cache, made and freed on the worker's thread
 * (thread_init, thread_fini); the DNS ops above fill it. */
void dkim_cache_thread_init(void);
void dkim_cache_thread_fini(void);

/* The service's verify_create: a verifier on the module's own DNS ops
 * (dkim_dns_ops_loop) uses the calling worker's key cache. */
struct gd_dkim_verifier *dkim_verifier_new(
    const struct gd_dkim_verify_opts *opts,
    const struct gd_dkim_dns_ops *dns);

extern const struct gd_config_key dkim_config_keys[];

#endif /* DKIM_PRIVATE_H */
