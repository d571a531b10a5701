/*
 * dmarc-private.h — the dmarc module's glue (the daemon side): its
 * configuration, the module state, the per-connection/transaction state
 * and the hook handlers.  The engine is dmarc-engine.h.
 */
#ifndef DMARC_PRIVATE_H
#define DMARC_PRIVATE_H

#include <time.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/smtp.h>
#include <gumdrop/dkim.h>
#include <gumdrop/spf.h>

#include "dmarc-engine.h"
#include "dmarc-report.h"

/* Longest Authentication-Results value built. */
#define DMARC_AR_MAX	4096

enum dmarc_quarantine_action {
	DMARC_QUARANTINE_JUNK = 0,	/* local-delivery files it in \Junk */
	DMARC_QUARANTINE_HEADER,	/* delivered with a header field */
};

struct dmarc_config {
	enum gd_dmarc_method method;
	const char *authserv_id;	/* config pool, or host name */
	bool enforce;			/* false: log-only */
	enum dmarc_quarantine_action quarantine;
	bool temperror_tempfail;
	const char *spool;		/* reports.spool, or NULL */
	uint64_t interval_ms;		/* reports.interval */
	const char *org_name;		/* reports.org-name */
	const char *email;		/* reports.email */
	const char *receiver;		/* the domain of email */
	enum dmarc_report_format format;	/* reports.format */
	unsigned failure_per_hour;	/* reports.failure-per-hour */
	char default_email[DMARC_NAME_MAX + 16];
	char host[DMARC_NAME_MAX];
};

struct dmarc_module {
	struct gd_module_ctx *ctx;
	const struct gd_smtp_service *smtp;
	const struct gd_spf_service *spf;	/* NULL: spf not loaded */
	const struct gd_dkim_service *dkim;	/* NULL: dkim not loaded */
	struct dmarc_config cfg;
};

extern struct dmarc_module dmarc_mod;

/* Distinct From domains kept: one more than are evaluated, so that the
 * engine knows when there were more (dmarc_authors_split). */
#define DMARC_FROM_KEEP		(DMARC_FROM_MAX + 1)
/* The list of them, comma-separated. */
#define DMARC_FROM_LIST_MAX	(DMARC_FROM_KEEP * DMARC_NAME_MAX)

/* The From fields of one message, as dmarc-from.c collects them. */
struct dmarc_from {
	unsigned fields;		/* From: fields seen */
	unsigned ndomains;		/* distinct domains in `list` */
	bool bad;			/* an address without a domain */
	char list[DMARC_FROM_LIST_MAX];	/* "a.example,b.example" */
};

/* dmarc-from.c: one From field's addresses into `f`. */
void dmarc_from_add(struct dmarc_from *f, const struct gd_msg_address *a);
/*
 * What DMARC evaluates (gd_dmarc_input.from_domain): the distinct
 * domains of every From field's addresses, comma-separated in the order
 * met (at most DMARC_FROM_KEEP; addresses without a usable domain are
 * left out), or NULL when there is none (no From, or no address with a
 * domain): the evaluation is then a permerror.
 */
const char *dmarc_from_domain(const struct dmarc_from *f);
/* For a message (its header block) in memory: the one domain of its one
 * From field, in `buf`; NULL for anything else (no From, several fields
 * or domains, a bad address).  The service's message_from_domain (1.1,
 * kept as it was). */
const char *dmarc_from_message(const char *msg, size_t len, char *buf,
    size_t size);
/* The same list as dmarc_from_domain() for a message in memory, in
 * `buf`, or NULL (none, or it does not fit).  The service's
 * message_from_domains (1.2). */
const char *dmarc_from_message_all(const char *msg, size_t len, char *buf,
    size_t size);

/* dmarc-config.c: parse the `dmarc:` map into cfg.  0 or -1. */
int dmarc_config_parse(const struct gd_config_node *node,
    struct dmarc_config *cfg, const char **error_r);

/* dmarc-session.c: the hook handlers and the service's session view. */
gd_hook_fn dmarc_data_hook;
gd_hook_fn dmarc_data_end_hook;
gd_hook_fn dmarc_reset_hook;
gd_hook_fn dmarc_disconnect_hook;
const struct gd_dmarc_outcome *dmarc_session_outcome(
    struct gd_smtp_session *s);
const char *dmarc_session_auth_results(struct gd_smtp_session *s);
/* The engine's DNS ops over gd_dns_resolve(); ctx is the gd_loop. */
extern const struct gd_dmarc_dns_ops dmarc_dns_ops;

/* dmarc-auth.c: a gd_spf_result / gd_dkim_result as DMARC reads it
 * (none for a value out of range).  The service's auth_from_*. */
enum gd_dmarc_auth dmarc_auth_from_spf(int result);
enum gd_dmarc_auth dmarc_auth_from_dkim(int result);

/* dmarc-tool.c: the service's entries for offline tools (1.1). */
int dmarc_tool_eval_start(struct gd_loop *loop,
    const struct gd_dmarc_input *in, gd_dmarc_done_fn *done, void *arg,
    struct gd_dmarc_eval **ev_r);
const char *dmarc_tool_authserv_id(void);

/*
 * dmarc-store.c: append the per-message line of the aggregate report
 * data to the spool (one file per From domain and period), or do
 * nothing when no spool is configured or the policy names no rua=.
 * 0, or -1 with *error_r (static text; errno kept).
 */
int dmarc_store_record(const struct dmarc_config *cfg, time_t now,
    const char *client_ip, const struct gd_dmarc_input *in,
    const struct gd_dmarc_outcome *o, const char **error_r);

/*
 * dmarc-reporter.c: on worker loop 0, a timer at each period end (and
 * once at start-up) that builds the closed periods' aggregate reports on
 * a pool thread (gd_work_submit); nothing without reports.spool.
 */
/*
 * dmarc-failure-out.c: failure reports.  `collect` appends one header
 * field to b (at most DMARC_FAILURE_HEADER_MAX bytes; *cut set beyond);
 * `report` writes the report the policy's fo= and ruf= ask for, if any
 * and within reports.failure-per-hour, to SPOOL/out on a pool thread
 * (call from a worker loop).
 */
struct dmarc_failure_src {
	const struct gd_dmarc_input *in;
	const struct gd_dmarc_outcome *o;
	const char *mail_from;		/* MAIL FROM address; "" for <> */
	const char *auth_results;	/* the field value */
	const struct dmarc_buf *header;
	bool header_cut;
	time_t now;
};
void dmarc_failure_collect(struct dmarc_buf *b, bool *cut,
    const struct gd_msg_field *f);
void dmarc_failure_report(const struct dmarc_config *cfg,
    const struct dmarc_failure_src *src);

int dmarc_reporter_start(struct gd_loop *loop, const struct dmarc_config *cfg);
void dmarc_reporter_stop(struct gd_loop *loop);

#endif /* DMARC_PRIVATE_H */
