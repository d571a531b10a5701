/*
 * smtp-config.h — the smtp module's settings (module-internal).
 *
 *   smtp:
 *     hostname: mx.example.test
 *     max-message-size: 50M
 *     ...                           # module-wide values, then
 *     listeners:                    # per-listener overrides, by the
 *       submission:                 # listener's `name:`
 *         auth-required: true
 *
 * The listener's own keys (core) give the line length (`max-line-length`)
 * and the idle and command timeouts.  A parsed configuration belongs to
 * one config generation; connections keep the one they started with.
 */
#ifndef SMTP_CONFIG_H
#define SMTP_CONFIG_H

#include <gumdrop/gumdrop.h>

#include "smtp-parse.h"

/* The extensions (enum smtp_ext bits of smtp-parse.h) by their
 * `extensions:` key, and HELP, which is not an ESMTP parameter. */
struct smtp_ext_name {
	const char *keyword;		/* as advertised */
	unsigned bit;			/* 0: HELP */
};
extern const struct smtp_ext_name smtp_ext_names[];

/* How a bare LF inside DATA is treated. */
enum smtp_bare_lf {
	SMTP_BARE_LF_REFUSE = 0,	/* 550 5.5.2 after the data (Postfix) */
	SMTP_BARE_LF_NORMALIZE,		/* stored as CRLF */
};

/* Everything one listener's sessions need, resolved. */
struct smtp_settings {
	const char *listener;		/* NULL: the module-wide values */
	const char *hostname;
	const char *greeting;		/* text after "220 HOSTNAME " */
	uint64_t max_message_size;	/* 0: no limit */
	unsigned max_recipients;	/* RCPTMAX; 0: no limit */
	unsigned max_transactions;	/* MAILMAX; 0: no limit */
	unsigned max_bad_commands;	/* then 421; 0: no limit */
	int auth_required;		/* -1: the protocol's default */
	struct gd_cidr *relay_nets;
	size_t n_relay_nets;
	struct gd_cidr *xclient_nets;
	size_t n_xclient_nets;
	uint64_t greeting_delay_ms;
	bool refuse_early_talkers;
	enum smtp_bare_lf bare_lf;
	bool received;			/* add the Received: field */
	bool reverse_dns;		/* FCrDNS before smtp.connect */
	uint64_t reverse_dns_timeout_ms;
	unsigned ext;			/* enum smtp_ext bits on */
	bool help;			/* HELP advertised */
	struct smtp_settings *next;	/* the next listener's */
};

/* A parsed configuration: the module-wide settings, then per listener. */
struct smtp_config {
	const struct gd_config_node *node;
	char host[256];			/* gethostname() */
	struct smtp_settings base;
	struct smtp_config *next;	/* older generations (freed at fini) */
};

/* The module's declared keys (smtp.c's descriptor). */
extern const struct gd_config_key smtp_config_keys[];

/*
 * Parse `node` (may be NULL: all defaults).  Returns a malloc'd config,
 * or NULL with *error_r (in the tree's pool).  Main thread or any thread
 * holding the module's lock.
 */
struct smtp_config *smtp_config_parse(const struct gd_config_node *node,
    const char **error_r);
void smtp_config_free(struct smtp_config *cfg);

/* The settings for listener `name` (the module-wide ones if none). */
const struct smtp_settings *smtp_config_for(const struct smtp_config *cfg,
    const char *name);

#endif /* SMTP_CONFIG_H */
