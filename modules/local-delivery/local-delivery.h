/*
 * local-delivery.h — the local-delivery module's internal interfaces.
 *
 * The module takes the recipients of the configured local domains on
 * smtp.rcpt (after a realm lookup, alias expansion and a quota check in
 * the blocking pool), streams the content into the delivery API
 * (mail-deliver.h) from smtp.data (ld-copy.c: less the fields modules
 * drop), and answers smtp.data-end once every copy is durable, with the
 * fields modules added on top and into \Junk when quarantined.
 * ld-config.c, ld-resolve.c and ld-filter.c are pure (no loop, no
 * disk): the unit tests compile them in.
 */
#ifndef LOCAL_DELIVERY_H
#define LOCAL_DELIVERY_H

#include <gumdrop/gumdrop.h>
#include <gumdrop/mail-deliver.h>
#include <gumdrop/realm.h>
#include <gumdrop/smtp.h>

#include "ld-filter.h"

/* Most users one address may expand to (aliases), and alias depth. */
#define LD_MAX_TARGETS		64
#define LD_MAX_ALIAS_DEPTH	8

enum ld_over_quota {
	LD_OQ_BACKEND = 0,	/* the storage backend's over-quota key */
	LD_OQ_PERMANENT,	/* 552 5.2.2 */
	LD_OQ_TEMPORARY,	/* 452 4.2.2 */
};

/* One `aliases:` entry: "name" or "name@domain" → targets. */
struct ld_alias {
	const char *name;
	const char *const *targets;	/* NULL-terminated */
};

struct ld_config {
	struct gd_pool *pool;		/* everything below */
	const char *const *domains;	/* NULL-terminated, lower case */
	struct ld_alias *aliases;
	size_t naliases;
	/* `postmaster:` or an alias `postmaster` was given (`postmaster:`
	 * is stored as that alias); false: the realm user "postmaster". */
	bool has_postmaster;
	const char *catch_all;		/* user, or NULL */
	const char *detail_delimiter;	/* characters; "" when off */
	bool detail_folders;		/* +detail into folder "detail" */
	const char *realm;		/* realm name ("file") */
	const char *storage;		/* backend name ("maildir") */
	enum ld_over_quota over_quota;
	bool quota_check;		/* over quota at RCPT time */
	const char *junk_folder;	/* quarantine without a \Junk box */
};

extern const struct gd_config_key ld_config_keys[];

/* Parse and check the module's subtree; NULL with *error_r. */
struct ld_config *ld_config_parse(const struct gd_config_node *node,
    const char **error_r);
void ld_config_free(struct ld_config **cfg);

/* True if `domain` is one of the local domains (any case). */
bool ld_domain_is_local(const struct ld_config *cfg, const char *domain);

/* What an address resolves to before the realm is asked. */
struct ld_resolved {
	bool postmaster;		/* postmaster@local or <postmaster> */
	bool aliased;			/* names come from `aliases:` */
	const char *detail;		/* the +detail, or NULL */
	const char *names[LD_MAX_TARGETS];	/* realm user names */
	unsigned count;
};

/*
 * Resolve `local`@`domain` with the configuration: 0 when the domain is
 * not local (the recipient is not ours), 1 with *out filled (strings in
 * `pool` or the configuration), -1 when the aliases expand to more than
 * LD_MAX_TARGETS users.  Pure.
 */
int ld_resolve(const struct ld_config *cfg, const char *local,
    const char *domain, struct gd_pool *pool, struct ld_resolved *out);

/* ---- the module (local-delivery.c) ------------------------------------ */

struct ld_module {
	struct ld_config *cfg;
	struct gd_module_ctx *ctx;
	const struct gd_smtp_service *smtp;
};

extern struct ld_module ld_mod;

/* A user a transaction delivers to (deduplicated by name). */
struct ld_target {
	const char *user;
	const char *location;		/* realm's mail root, or NULL */
	uint64_t quota_storage;
	uint64_t quota_messages;
	const char *folder;		/* +detail folder, or NULL */
	unsigned index;			/* in the delivery */
};

/* A recipient this module owns: the smtp index and its targets. */
struct ld_rcpt {
	unsigned smtp_index;
	const char *address;
	unsigned *targets;
	unsigned ntargets;
};

/*
 * Work in the blocking pool for one hook call: a recipient lookup
 * (ld-rcpt.c) or a delivery (ld-deliver.c).  malloc'd with its own pool:
 * it outlives the connection when the session goes away (lc NULL).
 */
struct ld_job {
	struct ld_conn *lc;		/* NULL once orphaned */
	struct gd_smtp_session *session;	/* valid while lc is set */
	struct gd_hook_pending *pending;
	struct gd_pool *pool;
	/* RCPT lookup */
	const struct gd_realm *realm;
	const struct gd_mail_backend *backend;
	unsigned smtp_index;
	const char *address;
	const char *domain;
	struct ld_resolved res;
	uint64_t size;			/* MAIL SIZE=, 0 if not given */
	int outcome;			/* enum ld_outcome (ld-rcpt.c) */
	bool quota_permanent;
	struct ld_target found[LD_MAX_TARGETS];
	unsigned nfound;
	/* delivery */
	struct gd_mail_delivery *delivery;
};

/* Per connection (the conn slot), malloc'd; freed at smtp.disconnect. */
struct ld_conn {
	struct gd_pool *pool;		/* the transaction's; cleared */
	struct ld_target *targets;
	unsigned ntargets, tcap;
	struct ld_rcpt *rcpts;
	unsigned nrcpts, rcap;
	struct gd_mail_delivery *delivery;	/* from smtp.data */
	uint64_t fields_at;		/* where added fields go: after
					 * Return-Path */
	struct ld_job *job;		/* in the blocking pool, or NULL */
};

/* The session's state, created on first use. */
struct ld_conn *ld_conn_get(struct gd_smtp_session *s, bool create);
/* Forget the transaction (a job in flight is orphaned). */
void ld_conn_reset(struct ld_conn *lc);
/* Find or add the target `user`; its index. */
unsigned ld_conn_target(struct ld_conn *lc, const struct ld_target *t);

/* Hook handlers (ld-rcpt.c, ld-deliver.c). */
enum gd_verdict ld_rcpt_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
enum gd_verdict ld_data_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);
enum gd_verdict ld_data_end_hook(struct gd_hook_call *call,
    struct gd_module_ctx *ctx, void *data, struct gd_reply *reply_r);

/*
 * Push the consumer that writes the delivered copy into `d` (ld-copy.c):
 * it forwards every byte unchanged and leaves out of the spool the
 * header fields the smtp service's drop_fields predicates pick.  State
 * in `pool` (the transaction's).
 */
void ld_copy_push(struct gd_stream *stream, struct gd_smtp_session *s,
    struct gd_mail_delivery *d, struct gd_pool *pool);

/* Jobs (ld-rcpt.c): a new one for the session, its end, and orphaning
 * (the session went away: the job finishes alone and frees itself). */
struct ld_job *ld_job_new(struct ld_conn *lc, struct gd_smtp_session *s);
void ld_job_free(struct ld_job *job);
void ld_job_orphan(struct ld_job *job);

#endif /* LOCAL_DELIVERY_H */
