/*
 * ctl-auth-spf.c — gumdropctl auth spf --ip A [--helo H] [--mail-from M]:
 * an SPF check (RFC 7208) by the spf module, through the daemon's DNS
 * path (the offline-tool frame of ctl-tool.c: --zone FILE answers from a
 * zone file).  Output, for scripts and people:
 *
 *	fail                                the result keyword, alone
 *	Received-SPF: fail (...) client-ip=...; ...   (one line, unfolded)
 *	Authentication-Results: mx.example; spf=fail smtp.mailfrom=u@d
 *	Explanation: ...                    only for a fail with exp=
 *
 * Exit 0 whenever a result was reached (whatever it is); EX_USAGE for
 * bad arguments; the frame's codes otherwise.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/service.h>
#include <gumdrop/spf.h>

#include "ctl.h"

#define CTL_SPF_FIELD_MAX	4096

struct ctl_spf {
	struct ctl_tool *tool;
	const struct gd_spf_service *spf;
	struct gd_spf_request req;
	struct gd_spf_check *check;
};

static int ctl_auth_spf(struct ctl *ctl, int argc, char **argv);

const struct ctl_command ctl_auth_spf_commands[] = {
	{ "auth spf", "--ip A [--helo H] [--mail-from M] [--identity "
	    "mailfrom|helo] [--receiver R] " CTL_TOOL_USAGE,
	    "check SPF (RFC 7208) for a client address and sender, with the "
	    "spf module; prints the result, Received-SPF and "
	    "Authentication-Results", 0, -1, ctl_auth_spf },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

static void
ctl_spf_print(struct ctl_spf *cs, const struct gd_spf_outcome *o)
{
	char field[CTL_SPF_FIELD_MAX];

	printf("%s\n", cs->spf->result_str(o->result));
	cs->spf->received_spf(o, field, sizeof(field));
	ctl_unfold(field);
	printf("Received-SPF: %s\n", field);
	printf("Authentication-Results: %s; spf=%s ", o->receiver != NULL ?
	    o->receiver : "localhost", cs->spf->result_str(o->result));
	if (o->identity == GD_SPF_ID_HELO)
		printf("smtp.helo=%s\n", o->helo != NULL ? o->helo : "");
	else
		printf("smtp.mailfrom=%s\n", o->envelope_from);
	if (o->explanation != NULL)
		printf("Explanation: %s\n", o->explanation);
	fflush(stdout);
}

static void
ctl_spf_done(void *arg, struct gd_spf_check *check)
{
	struct ctl_spf *cs = arg;

	ctl_spf_print(cs, cs->spf->check_outcome(check));
	cs->spf->check_free(check);	/* the module is still loaded */
	cs->check = NULL;
	ctl_tool_done(cs->tool, EX_OK);
}

/* On the tool's loop: find the service, start the check. */
static void
ctl_spf_start(struct ctl_tool *tool, void *arg)
{
	struct ctl_spf *cs = arg;
	const char *error = NULL;
	bool finished = false;

	cs->spf = gd_service_lookup(GD_SPF_SERVICE, GD_SPF_SERVICE_MAJOR,
	    GD_SPF_SERVICE_MINOR, &error);
	if (cs->spf == NULL || !GD_SERVICE_HAS(cs->spf,
	    struct gd_spf_service, check_start_dns)) {
		ctl_error(ctl_tool_ctl(tool), "%s", error != NULL ? error :
		    "the spf module is too old");
		ctl_tool_done(tool, EX_UNAVAILABLE);
		return;
	}
	cs->check = cs->spf->check_start_dns(ctl_tool_loop(tool), &cs->req,
	    ctl_spf_done, cs, &finished);
	if (cs->check == NULL) {
		ctl_error(ctl_tool_ctl(tool), "'%s' is not an IP address",
		    cs->req.ip);
		ctl_tool_done(tool, EX_USAGE);
	} else if (finished) {
		ctl_spf_done(cs, cs->check);
	}
}

/* The command's own options; 0, or EX_USAGE after saying why. */
static int
ctl_spf_option(struct ctl *ctl, struct ctl_spf *cs, int c, const char *arg)
{
	switch (c) {
	case 'i': cs->req.ip = arg; return 0;
	case 'h': cs->req.helo = arg; return 0;
	case 'm': cs->req.sender = arg; return 0;
	case 'r': cs->req.receiver = arg; return 0;
	case 'I':
		if (strcmp(arg, "helo") == 0 || strcmp(arg, "mailfrom") == 0) {
			cs->req.identity = strcmp(arg, "helo") == 0 ?
			    GD_SPF_ID_HELO : GD_SPF_ID_MAILFROM;
			return 0;
		}
		ctl_error(ctl, "--identity: mailfrom or helo, not '%s'", arg);
		return EX_USAGE;
	default:
		ctl_error(ctl, "usage: gumdropctl %s %s",
		    ctl_auth_spf_commands[0].name,
		    ctl_auth_spf_commands[0].usage);
		return EX_USAGE;
	}
}

static int
ctl_auth_spf(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_TOOL_LONG_OPTIONS,
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'h' },
		{ "mail-from", required_argument, NULL, 'm' },
		{ "receiver", required_argument, NULL, 'r' },
		{ "identity", required_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_tool_options o = { .nzones = 0 };
	struct ctl_spf cs = { .tool = NULL };
	struct ctl_tool *tool;
	int c, r, ret;

	optind = 0;	/* 0, not 1: glibc then re-initialises */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if ((r = ctl_tool_option(ctl, &o, c, optarg)) < 0)
			return EX_USAGE;
		if (r > 0 && ctl_spf_option(ctl, &cs, c, optarg) != 0)
			return EX_USAGE;
	}
	if (cs.req.ip == NULL || optind < argc)
		return ctl_spf_option(ctl, &cs, '?', NULL);
	if ((ret = ctl_tool_open(ctl, &o, "spf", &tool)) != 0)
		return ret;
	cs.tool = tool;
	ret = ctl_tool_run(tool, ctl_spf_start, &cs);
	/* A check still running (--timeout passed) is dropped with the
	 * loop and the modules. */
	ctl_tool_close(&tool);
	return ret;
}
