/*
 * gumdropctl.c — the admin tool: global options, the command table,
 * start-up (configuration and modules, no listeners), exit codes.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/mailbox-impl.h>
#include <gumdrop/module.h>
#include <gumdrop/service.h>

#include "ctl.h"
#include "daemon-private.h"

static const struct ctl_command *const ctl_tables[] = {
	ctl_mailbox_commands,
	ctl_deliver_commands,
	ctl_auth_commands,
	ctl_pw_commands,
	/* dnszone: the offline DNS tool (the auth-tool frame's example) */
	ctl_dns_commands,
	/* spf: gumdropctl auth spf (the ctl_tool frame) */
	ctl_auth_spf_commands,
	ctl_auth_dkim_commands,
	/* auth-defaults: gumdropctl auth dmarc (the ctl_tool frame) */
	ctl_auth_dmarc_commands,
};

/*
 * Tables whose commands run without the configuration and modules.  A
 * list of tables rather than a field of struct ctl_command, so that the
 * positional initializers of the other tables stay valid.
 */
static const struct ctl_command *const ctl_no_config_tables[] = {
	ctl_pw_commands,
	/* dnszone: tools that load their configuration with ctl_tool_open */
	ctl_dns_commands,
	/* spf: gumdropctl auth spf (the ctl_tool frame) */
	ctl_auth_spf_commands,
	ctl_auth_dkim_commands,
	/* auth-defaults: gumdropctl auth dmarc (the ctl_tool frame) */
	ctl_auth_dmarc_commands,
};

void
ctl_error(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ctl->progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* auth-defaults: shared by auth spf and auth dmarc. */
void
ctl_unfold(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (r[0] == '\r' && r[1] == '\n') {
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

int
ctl_exit_code(enum gd_mail_errcode code)
{
	switch (code) {
	case GD_MAIL_ERR_NONE:
		return EX_OK;
	case GD_MAIL_ERR_TEMP:
	case GD_MAIL_ERR_INUSE:
		return EX_TEMPFAIL;
	case GD_MAIL_ERR_NOTFOUND:
	case GD_MAIL_ERR_EXPUNGED:
		return EX_NOINPUT;
	case GD_MAIL_ERR_BADNAME:
		return EX_DATAERR;
	case GD_MAIL_ERR_NOPERM:
		return EX_NOPERM;
	case GD_MAIL_ERR_OVERQUOTA:
	case GD_MAIL_ERR_LIMIT:
	case GD_MAIL_ERR_EXISTS:
		return EX_CANTCREAT;
	case GD_MAIL_ERR_CORRUPT:
		return EX_IOERR;
	default:
		return EX_UNAVAILABLE;
	}
}

static bool
ctl_is_backend(const char *module)
{
	char service[128];

	snprintf(service, sizeof(service), "%s%s",
	    GD_MAIL_STORAGE_SERVICE_PREFIX, module);
	return gd_service_lookup(service, GD_MAIL_STORAGE_MAJOR,
	    GD_MAIL_STORAGE_MINOR, NULL) != NULL;
}

/* -s NAME, else the first module in modules.load with a backend. */
const struct gd_mail_backend *
ctl_backend(struct ctl *ctl)
{
	const struct gd_config_node *mods = gd_config_get(ctl->root,
	    "modules");
	const char *const *names;
	const char *error;
	struct gd_mail_error err;
	size_t i;

	if (ctl->backend_name != NULL) {
		const struct gd_mail_backend *b =
		    gd_mail_backend_find(ctl->backend_name, &err);

		if (b == NULL)
			ctl_error(ctl, "%s", err.text);
		return b;
	}
	if (gd_config_get_strings(mods, "load", &names, NULL, &error) == 0)
		for (i = 0; names[i] != NULL; i++)
			if (ctl_is_backend(names[i]))
				return gd_mail_backend_find(names[i], &err);
	ctl_error(ctl, "no storage backend is loaded (modules.load)");
	return NULL;
}

int
ctl_store_open(struct ctl *ctl, const char *user, bool create,
    struct gd_mail_store **store_r)
{
	const struct gd_mail_backend *b = ctl_backend(ctl);
	struct gd_mail_user u = { .name = user };
	struct gd_mail_error err;

	if (b == NULL)
		return EX_UNAVAILABLE;
	if (gd_mail_store_open(b, &u, create ? GD_MAIL_STORE_CREATE : 0,
	    store_r, &err) < 0) {
		ctl_error(ctl, "%s: %s", user, err.text);
		return ctl_exit_code(err.code);
	}
	return 0;
}

static void
ctl_usage(FILE *out)
{
	const struct ctl_command *c;
	size_t t;

	fprintf(out, "usage: gumdropctl [-c FILE] [-m DIR] [-s BACKEND] "
	    "COMMAND [ARGS]\n\n"
	    "  -c FILE     configuration (default %s/gumdrop.yaml)\n"
	    "  -m DIR      load modules from DIR\n"
	    "  -s BACKEND  storage backend (default: the first loaded)\n\n"
	    "commands:\n", GD_SYSCONFDIR);
	for (t = 0; t < GD_N_ELEMENTS(ctl_tables); t++)
		for (c = ctl_tables[t]; c->name != NULL; c++)
			fprintf(out, "  %s %s\n      %s\n", c->name, c->usage,
			    c->help);
	fprintf(out, "\nExit codes follow sysexits(3): 0 done, 64 usage, "
	    "66 not found, 67 no such user,\n73 over quota or exists, 75 "
	    "temporary failure (try again), 77 authentication failed,\n"
	    "78 configuration.\n");
}

/* The command named by argv[0] (and argv[1] for two-word names). */
static const struct ctl_command *
ctl_find(int argc, char **argv, int *words_r)
{
	const struct ctl_command *c;
	char two[128];
	size_t t;

	snprintf(two, sizeof(two), "%s %s", argv[0], argc > 1 ? argv[1] : "");
	for (t = 0; t < GD_N_ELEMENTS(ctl_tables); t++) {
		for (c = ctl_tables[t]; c->name != NULL; c++) {
			if (strcmp(c->name, argv[0]) == 0)
				*words_r = 1;
			else if (argc > 1 && strcmp(c->name, two) == 0)
				*words_r = 2;
			else
				continue;
			return c;
		}
	}
	return NULL;
}

static bool
ctl_no_config(const struct ctl_command *cmd)
{
	const struct ctl_command *c;
	size_t t;

	for (t = 0; t < GD_N_ELEMENTS(ctl_no_config_tables); t++)
		for (c = ctl_no_config_tables[t]; c->name != NULL; c++)
			if (c == cmd)
				return true;
	return false;
}

static int
ctl_run(struct ctl *ctl, const char *config, const char *module_dir,
    const struct ctl_command *cmd, int argc, char **argv)
{
	char *error = NULL;
	int status;

	if (ctl_no_config(cmd))
		return cmd->run(ctl, argc, argv);
	if (gd_daemon_tool_start(config, module_dir, &ctl->root,
	    &error) < 0) {
		ctl_error(ctl, "%s", error);
		free(error);
		return EX_CONFIG;
	}
	status = cmd->run(ctl, argc, argv);
	gd_daemon_tool_stop();
	return status;
}

int
main(int argc, char **argv)
{
	struct ctl ctl = { .progname = "gumdropctl" };
	const char *config = GD_SYSCONFDIR "/gumdrop.yaml", *mods = NULL;
	const struct ctl_command *cmd;
	int c, words = 0;

	while ((c = getopt(argc, argv, "+c:m:s:hV")) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			ctl.config_given = true;
			break;
		case 'm':
			mods = optarg;
			break;
		case 's':
			ctl.backend_name = optarg;
			break;
		case 'V':
			printf("gumdropctl %s\n", PACKAGE_VERSION);
			return EX_OK;
		case 'h':
			ctl_usage(stdout);
			return EX_OK;
		default:
			ctl_usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 || (cmd = ctl_find(argc, argv, &words)) == NULL) {
		if (argc > 0)
			ctl_error(&ctl, "unknown command '%s'", argv[0]);
		ctl_usage(stderr);
		return EX_USAGE;
	}
	/* The command sees its last word as argv[0], getopt-style. */
	argc -= words - 1;
	argv += words - 1;
	if (argc - 1 < cmd->min_args || (cmd->max_args >= 0 &&
	    argc - 1 > cmd->max_args)) {
		ctl_error(&ctl, "usage: gumdropctl %s %s", cmd->name,
		    cmd->usage);
		return EX_USAGE;
	}
	ctl.config_path = config;
	ctl.module_dir = mods;
	return ctl_run(&ctl, config, mods, cmd, argc, argv);
}
