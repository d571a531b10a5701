/*
 * ctl-auth-dmarc.c — gumdropctl auth dmarc [--ip A] [--helo H]
 * [--mail-from M] < MESSAGE: what the daemon's MX does at end of data,
 * offline.  The spf module checks the client (--ip, --helo,
 * --mail-from), the dkim module verifies the message's signatures, and
 * the dmarc module evaluates the From domain's policy with both, through
 * the daemon's DNS path (the offline-tool frame of ctl-tool.c: --zone
 * FILE answers from a zone file).  Output, for scripts and people:
 *
 *	fail                                 the DMARC result, alone
 *	Authentication-Results: mx.example; spf=... dkim=... dmarc=...
 *	                                     (the daemon's field, unfolded)
 *	Policy: policy=reject disposition=reject from=D domain=D reason=...
 *
 * Exit 0 whenever a result was reached (whatever it is); EX_USAGE for
 * bad arguments; EX_DATAERR for an unreadable message; the frame's codes
 * otherwise (EX_TEMPFAIL when --timeout passed).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include <gumdrop/dkim.h>
#include <gumdrop/dmarc.h>
#include <gumdrop/service.h>
#include <gumdrop/spf.h>

#include "ctl.h"

#define CTL_DMARC_INPUT_MAX	(64u << 20)	/* largest message read */
#define CTL_DMARC_AR_MAX	8192
#define CTL_DMARC_DKIM_MAX	16		/* signatures passed on */
#define CTL_DMARC_FROM_MAX	2560		/* author domains listed */

struct ctl_dmarc {
	struct ctl_tool *tool;
	const struct gd_spf_service *spf;
	const struct gd_dkim_service *dkim;
	const struct gd_dmarc_service *dmarc;
	char *msg;
	size_t len;
	struct gd_spf_request req;
	struct gd_spf_check *check;
	struct gd_dkim_dns_ops dns;
	struct gd_dkim_verifier *v;
	struct gd_dkim_verify_opts vopts;
	struct gd_dmarc_eval *ev;
	unsigned pending;		/* spf and dkim still running */
	char from[CTL_DMARC_FROM_MAX];
	struct gd_dmarc_input in;
	struct gd_dmarc_dkim_sig sigs[CTL_DMARC_DKIM_MAX];
};

static int ctl_auth_dmarc(struct ctl *ctl, int argc, char **argv);

const struct ctl_command ctl_auth_dmarc_commands[] = {
	{ "auth dmarc", "[--ip A] [--helo H] [--mail-from M] "
	    CTL_TOOL_USAGE " < MESSAGE",
	    "evaluate DMARC for a message as the MX does (SPF, DKIM, then "
	    "the From domain's policy); prints the result, then "
	    "Authentication-Results", 0, -1, ctl_auth_dmarc },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

/* All of stdin, NUL-terminated; NULL (said why) beyond the bound. */
static char *
ctl_dmarc_slurp(struct ctl *ctl, size_t *len_r)
{
	size_t cap = 65536, n = 0, got;
	char *buf = gd_xmalloc(cap + 1);

	while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap && cap >= CTL_DMARC_INPUT_MAX)
			break;
		if (n == cap)
			buf = gd_xrealloc(buf, (cap *= 2) + 1);
	}
	if (n == cap || ferror(stdin)) {
		ctl_error(ctl, "stdin: unreadable or over %u bytes",
		    CTL_DMARC_INPUT_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len_r = n;
	return buf;
}

static void
ctl_dmarc_print(struct ctl_dmarc *cd, const struct gd_dmarc_outcome *o)
{
	const struct gd_dmarc_service *d = cd->dmarc;
	char ar[CTL_DMARC_AR_MAX];

	if (d->auth_results(ar, sizeof(ar), d->authserv_id(), &cd->in,
	    o) < 0)
		(void)snprintf(ar, sizeof(ar), "%s; dmarc=%s (field too "
		    "long)", d->authserv_id(), d->result_str(o->result));
	ctl_unfold(ar);
	printf("%s\nAuthentication-Results: %s\n", d->result_str(o->result),
	    ar);
	printf("Policy: policy=%s disposition=%s from=%s domain=%s "
	    "reason=%s\n", d->policy_str(o->policy),
	    d->policy_str(o->disposition), o->from_domain != NULL ?
	    o->from_domain : "-", o->policy_domain != NULL ?
	    o->policy_domain : "-", o->reason != NULL ? o->reason : "-");
	fflush(stdout);
}

static void
ctl_dmarc_evaluated(struct gd_dmarc_eval *ev,
    const struct gd_dmarc_outcome *o, void *arg)
{
	struct ctl_dmarc *cd = arg;

	(void)ev;
	if (!ctl_tool_expired(cd->tool))
		ctl_dmarc_print(cd, o);
	ctl_tool_done(cd->tool, EX_OK);
}

/* SPF's result and the DKIM signatures' as DMARC reads them. */
static void
ctl_dmarc_auth(struct ctl_dmarc *cd)
{
	const struct gd_dkim_sig_result *r;
	const struct gd_spf_outcome *o;
	size_t i, n;

	o = cd->check != NULL ? cd->spf->check_outcome(cd->check) : NULL;
	cd->in.spf = o != NULL ? cd->dmarc->auth_from_spf(o->result) :
	    GD_DMARC_AUTH_NONE;
	r = cd->dkim->verify_results(cd->v, &n);
	for (i = 0; i < n && i < CTL_DMARC_DKIM_MAX; i++) {
		cd->sigs[i].result = cd->dmarc->auth_from_dkim(r[i].result);
		cd->sigs[i].domain = r[i].domain;
		cd->sigs[i].selector = r[i].selector;
		cd->sigs[i].b = r[i].b_prefix;
	}
	cd->in.dkim = cd->sigs;
	cd->in.ndkim = i;
}

/* The domain of --mail-from (NULL for the null sender: DMARC then
 * aligns the HELO name, as SPF checked postmaster@HELO). */
static const char *
ctl_dmarc_mail_domain(const char *sender)
{
	const char *at;

	if (sender == NULL || (at = strrchr(sender, '@')) == NULL ||
	    at[1] == '\0')
		return NULL;
	return at + 1;
}

/* SPF and DKIM are in: start DMARC. */
static void
ctl_dmarc_evaluate(struct ctl_dmarc *cd)
{
	uint32_t r = 0;

	(void)gnutls_rnd(GNUTLS_RND_NONCE, &r, sizeof(r));
	/* 1.2: every author domain, as the daemon evaluates them. */
	if (GD_SERVICE_HAS(cd->dmarc, struct gd_dmarc_service,
	    message_from_domains))
		cd->in.from_domain = cd->dmarc->message_from_domains(cd->msg,
		    cd->len, cd->from, sizeof(cd->from));
	else
		cd->in.from_domain = cd->dmarc->message_from_domain(cd->msg,
		    cd->len, cd->from, sizeof(cd->from));
	cd->in.client_ip = cd->req.ip;
	cd->in.helo = cd->req.helo;
	cd->in.mail_from_domain = ctl_dmarc_mail_domain(cd->req.sender);
	ctl_dmarc_auth(cd);
	cd->in.sample = r % 100;
	if (cd->dmarc->eval_start_dns(ctl_tool_loop(cd->tool), &cd->in,
	    ctl_dmarc_evaluated, cd, &cd->ev) == 1)
		ctl_dmarc_evaluated(cd->ev, cd->dmarc->eval_outcome(cd->ev),
		    cd);
}

/* One of spf and dkim finished. */
static void
ctl_dmarc_step(struct ctl_dmarc *cd)
{
	if (--cd->pending == 0)
		ctl_dmarc_evaluate(cd);
}

static void
ctl_dmarc_spf_done(void *arg, struct gd_spf_check *check)
{
	(void)check;
	ctl_dmarc_step(arg);
}

static void
ctl_dmarc_dkim_done(void *arg)
{
	ctl_dmarc_step(arg);
}

/* The three services, on the tool's loop; false after ending the run. */
static bool
ctl_dmarc_services(struct ctl_dmarc *cd)
{
	const char *error = NULL;

	cd->spf = gd_service_lookup(GD_SPF_SERVICE, GD_SPF_SERVICE_MAJOR,
	    GD_SPF_SERVICE_MINOR, &error);
	if (cd->spf != NULL)
		cd->dkim = gd_service_lookup(GD_DKIM_SERVICE,
		    GD_DKIM_SERVICE_MAJOR, GD_DKIM_SERVICE_MINOR, &error);
	if (cd->dkim != NULL)
		cd->dmarc = gd_service_lookup(GD_DMARC_SERVICE,
		    GD_DMARC_SERVICE_MAJOR, GD_DMARC_SERVICE_MINOR, &error);
	if (cd->dmarc != NULL && GD_SERVICE_HAS(cd->spf,
	    struct gd_spf_service, check_start_dns) && GD_SERVICE_HAS(
	    cd->dkim, struct gd_dkim_service, dns_ops) && GD_SERVICE_HAS(
	    cd->dmarc, struct gd_dmarc_service, auth_from_dkim))
		return true;
	ctl_error(ctl_tool_ctl(cd->tool), "%s", error != NULL ? error :
	    "the spf, dkim or dmarc module is too old");
	ctl_tool_done(cd->tool, EX_UNAVAILABLE);
	return false;
}

/* On the tool's loop: SPF (when --ip was given) and DKIM side by side;
 * whichever finishes last starts DMARC. */
static void
ctl_dmarc_start(struct ctl_tool *tool, void *arg)
{
	struct ctl_dmarc *cd = arg;
	bool finished = false;

	if (!ctl_dmarc_services(cd))
		return;
	cd->pending = 3;	/* spf, dkim, and this function */
	if (cd->req.ip == NULL)
		cd->pending--;
	else if ((cd->check = cd->spf->check_start_dns(ctl_tool_loop(tool),
	    &cd->req, ctl_dmarc_spf_done, cd, &finished)) == NULL) {
		ctl_error(ctl_tool_ctl(tool), "'%s' is not an IP address",
		    cd->req.ip);
		ctl_tool_done(tool, EX_USAGE);
		return;
	} else if (finished)
		cd->pending--;
	cd->dkim->dns_ops(ctl_tool_loop(tool), &cd->dns);
	cd->v = cd->dkim->verify_create(ctl_dkim_verify_opts(cd->dkim,
	    &cd->vopts), &cd->dns);
	cd->dkim->verify_write(cd->v, cd->msg, cd->len);
	if (cd->dkim->verify_finish(cd->v, ctl_dmarc_dkim_done, cd) == 1)
		cd->pending--;
	ctl_dmarc_step(cd);
}

static int
ctl_dmarc_usage(struct ctl *ctl)
{
	ctl_error(ctl, "usage: gumdropctl %s %s",
	    ctl_auth_dmarc_commands[0].name, ctl_auth_dmarc_commands[0].usage);
	return EX_USAGE;
}

static void
ctl_dmarc_free(struct ctl_dmarc *cd)
{
	if (cd->ev != NULL)
		cd->dmarc->eval_destroy(&cd->ev);
	if (cd->v != NULL)
		cd->dkim->verify_destroy(&cd->v);
	if (cd->check != NULL)
		cd->spf->check_free(cd->check);
	cd->check = NULL;
}

/* Run on a tool with spf, dkim and dmarc loaded; free what is left. */
static int
ctl_dmarc_run(struct ctl *ctl, const struct ctl_tool_options *o,
    struct ctl_dmarc *cd)
{
	static const char *const modules[] = { "spf", "dkim", "dmarc", NULL };
	int ret;

	if ((cd->msg = ctl_dmarc_slurp(ctl, &cd->len)) == NULL)
		return EX_DATAERR;
	if ((ret = ctl_tool_open_list(ctl, o, modules, &cd->tool)) == 0) {
		ret = ctl_tool_run(cd->tool, ctl_dmarc_start, cd);
		/* The loop is idle after a result: free while the modules
		 * are loaded.  Work still running after --timeout belongs
		 * to the loop: dropped with it by ctl_tool_close(). */
		if (!ctl_tool_expired(cd->tool))
			ctl_dmarc_free(cd);
		ctl_tool_close(&cd->tool);
	}
	free(cd->msg);
	return ret;
}

static int
ctl_auth_dmarc(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_TOOL_LONG_OPTIONS,
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'h' },
		{ "mail-from", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_tool_options o = { .nzones = 0 };
	struct ctl_dmarc cd = { .tool = NULL };
	int c, r;

	optind = 0;	/* 0, not 1: glibc then re-initialises */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if ((r = ctl_tool_option(ctl, &o, c, optarg)) < 0)
			return EX_USAGE;
		if (r == 0)
			continue;
		if (c == 'i')
			cd.req.ip = optarg;
		else if (c == 'h')
			cd.req.helo = optarg;
		else if (c == 'm')
			cd.req.sender = optarg;
		else
			return ctl_dmarc_usage(ctl);
	}
	if (optind < argc)
		return ctl_dmarc_usage(ctl);
	return ctl_dmarc_run(ctl, &o, &cd);
}
