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

#include <sysexits.h>

#include <gumdrop/config.h>
#include <gumdrop/mailbox.h>

struct ctl {
	const struct gd_config_node *root;	/* the configuration */
	const char *backend_name;		/* -s, or NULL */
	const char *progname;
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

/* The storage backend (-s, or the first loaded module that provides one);
 * NULL after printing why. */
const struct gd_mail_backend *ctl_backend(struct ctl *ctl);

/* Print "gumdropctl: " and the message to stderr. */
void ctl_error(struct ctl *ctl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The sysexits code for a mailbox error. */
int ctl_exit_code(enum gd_mail_errcode code);

/* Open USER's store (creating it with `create`); exit code or 0. */
int ctl_store_open(struct ctl *ctl, const char *user, bool create,
    struct gd_mail_store **store_r);

#endif /* GD_CTL_H */
