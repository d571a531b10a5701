/*
 * ctl.h — gumdropctl's command table and what the commands share.
 *
 * gumdropctl is one program with one pattern: global options, then a
 * command (one or two words: "deliver", "mailbox list"), then its
 * arguments.  Each source file contributes a table of commands; main
 * finds the command and runs it with the configuration and modules
 * loaded as gumdropd loads them, but with no listeners and no loops, so
 * every mailbox call runs directly on the main thread.  Exit codes follow
 * sysexits(3).
 */
#ifndef GD_CTL_H
#define GD_CTL_H

#include <getopt.h>
#include <sysexits.h>

#include <gumdrop/config.h>
#include <gumdrop/mailbox.h>

struct ctl {
	const struct gd_config_node *root;	/* the configuration */
	const char *backend_name;		/* -s, or NULL */
	const char *progname;
	const char *config_path;		/* -c, or the default */
	bool config_given;			/* -c was given */
	const char *module_dir;			/* -m, or NULL */
};

struct ctl_command {
	const char *name;	/* "mailbox list" */
	const char *usage;	/* "USER [PATTERN...]" */
	const char *help;	/* one line */
	int min_args;		/* arguments after the command words */
	int max_args;		/* -1: any */
	/* argv[0] is the command's last word, getopt-style; returns the
	 * exit status. */
	int (*run)(struct ctl *ctl, int argc, char **argv);
};

/* The tables (each ends with a NULL name). */
extern const struct ctl_command ctl_mailbox_commands[];
extern const struct ctl_command ctl_deliver_commands[];
extern const struct ctl_command ctl_auth_commands[];
/* Commands that need no configuration: run without loading it or any
 * module (ctl->root is NULL); gumdropctl.c lists them in
 * ctl_no_config_tables as well. */
extern const struct ctl_command ctl_pw_commands[];
/* dnszone: `dns query` (no configuration needed: it uses ctl_tool). */
extern const struct ctl_command ctl_dns_commands[];
/* spf: `auth spf` (ctl-auth-spf.c; runs on the ctl_tool frame). */
extern const struct ctl_command ctl_auth_spf_commands[];
extern const struct ctl_command ctl_auth_dkim_commands[];
/*
 * For verify_create: the dkim module's configured `verify:` options in
 * *buf (dkim service 1.1: with -c CONFIG, its settings; else the
 * defaults), or NULL (the defaults) when the module is older.  The
 * tools verify as the daemon does.  Any thread.
 */
struct gd_dkim_service;
struct gd_dkim_verify_opts;
const struct gd_dkim_verify_opts *ctl_dkim_verify_opts(
    const struct gd_dkim_service *dkim, struct gd_dkim_verify_opts *buf);
/* auth-defaults: `auth dmarc` (ctl-auth-dmarc.c; spf, dkim and dmarc on
 * the ctl_tool frame). */
extern const struct ctl_command ctl_auth_dmarc_commands[];

/* The storage backend (-s, or the first loaded module that provides one);
 * NULL after printing why. */
const struct gd_mail_backend *ctl_backend(struct ctl *ctl);

/* Print "gumdropctl: " and the message to stderr. */
void ctl_error(struct ctl *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A header field value on one line: every CRLF of a fold removed
 * (RFC 5322 2.2.3), in place.  For the auth tools' output. */
void ctl_unfold(char *s);

/* The sysexits code for a mailbox error. */
int ctl_exit_code(enum gd_mail_errcode code);

/* Open USER's store (creating it with `create`); exit code or 0. */
int ctl_store_open(struct ctl *ctl, const char *user, bool create,
    struct gd_mail_store **store_r);

/* ---- the offline-tool frame (ctl-tool.c) ----------------------------- *
 *
 * For commands that run module code the way gumdropd runs it, DNS
 * included, without a daemon: `gumdropctl dns query`, `gumdropctl auth
 * spf|dkim-verify|dkim-sign|dmarc|keygen`.  Such a command's table is
 * listed in gumdropctl.c's ctl_no_config_tables too (main then loads
 * nothing: the frame does), and its run function goes:
 *
 *	struct ctl_tool_options o = { 0 };
 *	static const struct option longopts[] = {
 *		CTL_TOOL_LONG_OPTIONS,
 *		{ "ip", required_argument, NULL, 'i' },
 *		{ NULL, 0, NULL, 0 },
 *	};
 *	optind = 0;		(0, not 1: glibc re-initialises)
 *	while ((c = getopt_long(argc, argv, "i:", longopts, NULL)) != -1) {
 *		if ((r = ctl_tool_option(ctl, &o, c, optarg)) == 0)
 *			continue;
 *		if (r < 0)
 *			return EX_USAGE;
 *		... the command's own options ...
 *	}
 *	if ((ret = ctl_tool_open(ctl, &o, "spf", &tool)) != 0)
 *		return ret;
 *	ret = ctl_tool_run(tool, my_start, &my_state);
 *	ctl_tool_close(&tool);
 *
 * my_start(tool, arg) runs on the worker loop; it starts the work
 * (gd_dns_resolve(ctl_tool_loop(tool), ...), the module's service found
 * with gd_service_lookup()) and returns; the work ends, on the loop,
 * with ctl_tool_done(tool, EXIT_STATUS).  Output is printed from the
 * loop (stdout is not touched by the frame, nor by main meanwhile).
 *
 * DNS, as the common options say:
 *   --zone FILE        (repeatable) the master file's records answer;
 *                      nothing else is asked: names outside get NXDOMAIN
 *                      (a "." static local zone), unless --dns-server
 *                      is given too, which then answers the rest;
 *   --dns-server A     "IP" or "IP@PORT": the only server asked;
 *   --dns-timeout D    deadline of one lookup ("2s", "500ms"; default
 *                      the configuration's `dns: timeout`, or 5s);
 *   --timeout D        bound of the whole command (default 60s): when
 *                      it passes, ctl_tool_run() gives up (EX_TEMPFAIL).
 * Without --zone/--dns-server the `dns:` section of -c CONFIG is used
 * (zone-files, local data, forwarders: all of it), or without -c the
 * system's resolvers.  With them, the configuration's `dns:` section is
 * ignored.
 *
 * Modules: without -c, only the named module is loaded (from -m DIR, or
 * the installed module directory), with an empty configuration; with
 * -c CONFIG, the configuration's modules are loaded as gumdropd loads
 * them (their settings apply) and the named one must be among them.
 */

#define CTL_TOOL_DEFAULT_TIMEOUT_MS	60000
#define CTL_TOOL_MAX_ZONES		16

enum {
	CTL_TOOL_OPT_ZONE = 0x1000,
	CTL_TOOL_OPT_DNS_SERVER,
	CTL_TOOL_OPT_DNS_TIMEOUT,
	CTL_TOOL_OPT_TIMEOUT,
};

/* The common long options, for a getopt_long() table. */
#define CTL_TOOL_LONG_OPTIONS \
	{ "zone", required_argument, NULL, CTL_TOOL_OPT_ZONE }, \
	{ "dns-server", required_argument, NULL, CTL_TOOL_OPT_DNS_SERVER }, \
	{ "dns-timeout", required_argument, NULL, CTL_TOOL_OPT_DNS_TIMEOUT }, \
	{ "timeout", required_argument, NULL, CTL_TOOL_OPT_TIMEOUT }

/* Usage text of the common options, for a command's usage string. */
#define CTL_TOOL_USAGE \
	"[--zone FILE]... [--dns-server IP[@PORT]] [--dns-timeout D] " \
	"[--timeout D]"

struct ctl_tool_options {
	const char *zones[CTL_TOOL_MAX_ZONES + 1];	/* NULL-terminated */
	size_t nzones;
	const char *dns_server;		/* NULL: none */
	const char *dns_timeout;	/* a duration text, or NULL */
	uint64_t timeout_ms;		/* 0: CTL_TOOL_DEFAULT_TIMEOUT_MS */
};

struct ctl_tool;

/* Runs on the tool's loop: start the work, end it with ctl_tool_done. */
typedef void ctl_tool_start_fn(struct ctl_tool *tool, void *arg);

/*
 * Take getopt_long()'s code `c` (with `arg`) if it is a common option:
 * 0 when taken, 1 when not one (the command handles it), -1 after
 * printing why the value is bad.
 */
int ctl_tool_option(struct ctl *ctl, struct ctl_tool_options *o, int c,
    const char *arg);

/*
 * Load the configuration and `module` (NULL: none) as described above,
 * set DNS up and start the worker loop.  Returns 0 with *tool_r, or an
 * exit code (EX_CONFIG, EX_USAGE, EX_UNAVAILABLE) after printing why.
 * Main thread, once per process.
 */
int ctl_tool_open(struct ctl *ctl, const struct ctl_tool_options *o,
    const char *module, struct ctl_tool **tool_r);

/*
 * ctl_tool_open() for several modules: `modules` is a NULL-terminated
 * list (e.g. { "spf", "dkim", "dmarc", NULL }), loaded in that order
 * after smtp without -c; with -c every one of them must be loaded.
 */
int ctl_tool_open_list(struct ctl *ctl, const struct ctl_tool_options *o,
    const char *const *modules, struct ctl_tool **tool_r);

/*
 * Run start(tool, arg) on the worker loop and wait until it, or the
 * work it started, calls ctl_tool_done(); return that status.  When the
 * --timeout bound passes first: print so and return EX_TEMPFAIL; the
 * work may then still be running on the loop, so `arg` must stay valid
 * until ctl_tool_close() (which stops it).  Main thread; may be called
 * again after it returned a status from ctl_tool_done().
 */
int ctl_tool_run(struct ctl_tool *tool, ctl_tool_start_fn *start,
    void *arg);

/*
 * End the current run with exit status `status`.  Any thread; normally
 * the loop's.  A second call in the same run is ignored.
 */
void ctl_tool_done(struct ctl_tool *tool, int status);

/*
 * True once the current run's --timeout has passed (ctl_tool_run()
 * already returned EX_TEMPFAIL): the work should print nothing more.
 * Any thread.
 */
bool ctl_tool_expired(struct ctl_tool *tool);

/* The worker loop (for gd_dns_resolve, gd_work_submit). */
struct gd_loop *ctl_tool_loop(const struct ctl_tool *tool);

/* The gumdropctl context the tool was opened with. */
struct ctl *ctl_tool_ctl(const struct ctl_tool *tool);

/*
 * Stop the loop (pending lookups dropped, modules' thread_fini run),
 * unload the modules, free everything.  Sets *tool to NULL; NULL is a
 * no-op.  Main thread.
 */
void ctl_tool_close(struct ctl_tool **tool);

#endif /* GD_CTL_H */
