/*
 * ctl-tool.c — the frame of gumdropctl's offline tools: a worker loop
 * with DNS set up as gumdropd sets it up, a module loaded with or
 * without a configuration file, and a bounded wait for the command's
 * work to finish on that loop (contract in ctl.h).
 *
 * The main thread only waits on a condition variable; all the work,
 * and all output, happens on the worker, so commands are written
 * exactly like daemon code (callbacks, gd_dns_resolve, pending work).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gumdrop/config.h>
#include <gumdrop/loop.h>

#include "ctl.h"
#include "daemon-private.h"

struct ctl_tool {
	struct ctl *ctl;
	struct gd_config *dns_config;	/* made up from the options */
	struct gd_loop *loop;
	bool modules_loaded;
	bool loop_started;
	uint64_t timeout_ms;
	ctl_tool_start_fn *start;
	void *arg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned run;			/* counts ctl_tool_run() calls */
	unsigned done_run;		/* the run ctl_tool_done() ended */
	bool expired;			/* the current run timed out */
	int status;
};

/* A growing string for the made-up YAML. */
struct ctl_text {
	char *s;
	size_t len;
};

static void ctl_text_add(struct ctl_text *t, const char *s);
static int ctl_text_quote(struct ctl_text *t, const char *s);
static int ctl_tool_duration(const char *text, uint64_t *ms_r);
static int ctl_tool_dns_yaml(const struct ctl_tool_options *o,
    struct ctl_text *t);
static int ctl_tool_dns_root(struct ctl_tool *tool,
    const struct ctl_tool_options *o,
    const struct gd_config_node **root_r);
static int ctl_tool_load_yaml(const char *const *modules,
    struct ctl_text *t);
static int ctl_tool_modules(struct ctl_tool *tool,
    const char *const *modules);
static void ctl_tool_invoke(void *arg);

int
ctl_tool_option(struct ctl *ctl, struct ctl_tool_options *o, int c,
    const char *arg)
{
	switch (c) {
	case CTL_TOOL_OPT_ZONE:
		if (o->nzones == CTL_TOOL_MAX_ZONES) {
			ctl_error(ctl, "at most %d --zone files",
			    CTL_TOOL_MAX_ZONES);
			return -1;
		}
		o->zones[o->nzones++] = arg;
		return 0;
	case CTL_TOOL_OPT_DNS_SERVER:
		o->dns_server = arg;
		return 0;
	case CTL_TOOL_OPT_DNS_TIMEOUT:
		o->dns_timeout = arg;
		return 0;
	case CTL_TOOL_OPT_TIMEOUT:
		if (ctl_tool_duration(arg, &o->timeout_ms) < 0 ||
		    o->timeout_ms == 0) {
			ctl_error(ctl, "--timeout: expected a duration like "
			    "30s or 500ms, got '%s'", arg);
			return -1;
		}
		return 0;
	}
	return 1;
}

/* "30", "30s", "500ms", "2m" (seconds by default). */
static int
ctl_tool_duration(const char *text, uint64_t *ms_r)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (end == text || errno != 0 || v > 86400ULL * 1000)
		return -1;
	if (strcmp(end, "ms") == 0)
		*ms_r = v;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		*ms_r = v * 1000;
	else if (strcmp(end, "m") == 0)
		*ms_r = v * 60000;
	else
		return -1;
	return 0;
}

static void
ctl_text_add(struct ctl_text *t, const char *s)
{
	size_t n = strlen(s);

	t->s = gd_xrealloc(t->s, t->len + n + 1);
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
}

/* A YAML single-quoted scalar; control characters are refused. */
static int
ctl_text_quote(struct ctl_text *t, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
	ctl_text_add(t, "'");
	for (p = s; *p != '\0'; p++)
		ctl_text_add(t, *p == '\'' ? "''" : (char[2]){ *p, '\0' });
	ctl_text_add(t, "'");
	return 0;
}

static int
ctl_tool_dns_yaml(const struct ctl_tool_options *o, struct ctl_text *t)
{
	size_t i;
	int r = 0;

	ctl_text_add(t, "dns:\n  zone-files: [");
	for (i = 0; i < o->nzones; i++) {
		ctl_text_add(t, i > 0 ? ", " : "");
		r |= ctl_text_quote(t, o->zones[i]);
	}
	ctl_text_add(t, "]\n");
	if (o->dns_server != NULL) {
		ctl_text_add(t, "  forwarders: [");
		r |= ctl_text_quote(t, o->dns_server);
		ctl_text_add(t, "]\n");
	} else if (o->nzones > 0)
		ctl_text_add(t, "  local-zones: ['. static']\n");
	if (o->dns_timeout != NULL) {
		ctl_text_add(t, "  timeout: ");
		r |= ctl_text_quote(t, o->dns_timeout);
		ctl_text_add(t, "\n");
	}
	return r;
}

/* The tree whose `dns:` the worker's resolver is made from. */
static int
ctl_tool_dns_root(struct ctl_tool *tool, const struct ctl_tool_options *o,
    const struct gd_config_node **root_r)
{
	struct ctl_text t = { NULL, 0 };
	char *error = NULL;

	if (o->nzones == 0 && o->dns_server == NULL && o->dns_timeout == NULL)
		return 0;
	if (ctl_tool_dns_yaml(o, &t) < 0) {
		ctl_error(tool->ctl, "control characters in a DNS option");
		free(t.s);
		return EX_USAGE;
	}
	tool->dns_config = gd_config_load_string("command line", t.s, t.len,
	    &error);
	free(t.s);
	if (tool->dns_config == NULL) {
		ctl_error(tool->ctl, "%s", error);
		free(error);
		return EX_USAGE;
	}
	*root_r = gd_config_root(tool->dns_config);
	return 0;
}

/* The made-up modules.load of a run without -c: smtp first (the auth
 * modules hook smtp.* points and use its service; no listener), then
 * the named ones.  -1 for a name with control characters. */
static int
ctl_tool_load_yaml(const char *const *modules, struct ctl_text *t)
{
	const char *const *m;
	const char *sep = "";
	int r = 0;

	ctl_text_add(t, "modules:\n  load: [");
	for (m = modules; *m != NULL; m++)
		if (strcmp(*m, "smtp") != 0) {
			ctl_text_add(t, "smtp");
			sep = ", ";
			break;
		}
	for (m = modules; *m != NULL; m++) {
		ctl_text_add(t, sep);
		r |= ctl_text_quote(t, *m);
		sep = ", ";
	}
	ctl_text_add(t, "]\n");
	return r;
}

/* -c CONFIG as gumdropd reads it, or only `modules`. */
static int
ctl_tool_modules(struct ctl_tool *tool, const char *const *modules)
{
	struct ctl *ctl = tool->ctl;
	struct ctl_text t = { NULL, 0 };
	const char *const *m;
	char *error = NULL;
	int r;

	if (ctl->config_given)
		r = gd_daemon_tool_start(ctl->config_path, ctl->module_dir,
		    &ctl->root, &error);
	else if (ctl_tool_load_yaml(modules, &t) < 0) {
		free(t.s);
		ctl_error(ctl, "control characters in a module name");
		return EX_USAGE;
	} else {
		r = gd_daemon_tool_start_text("(no configuration)", t.s,
		    ctl->module_dir, &ctl->root, &error);
		free(t.s);
	}
	if (r < 0) {
		ctl_error(ctl, "%s", error);
		free(error);
		return EX_CONFIG;
	}
	tool->modules_loaded = true;
	for (m = modules; *m != NULL; m++)
		if (!gd_daemon_tool_module_loaded(*m)) {
			ctl_error(ctl, "%s does not load the module '%s' "
			    "(modules.load)", ctl->config_path, *m);
			return EX_CONFIG;
		}
	return 0;
}

int
ctl_tool_open(struct ctl *ctl, const struct ctl_tool_options *o,
    const char *module, struct ctl_tool **tool_r)
{
	const char *modules[2] = { module, NULL };

	return ctl_tool_open_list(ctl, o, modules, tool_r);
}

int
ctl_tool_open_list(struct ctl *ctl, const struct ctl_tool_options *o,
    const char *const *modules, struct ctl_tool **tool_r)
{
	const struct gd_config_node *dns_root = NULL;
	struct ctl_tool *tool = gd_xcalloc(1, sizeof(*tool));
	const char *error;
	int ret;

	tool->ctl = ctl;
	tool->timeout_ms = o->timeout_ms != 0 ? o->timeout_ms :
	    CTL_TOOL_DEFAULT_TIMEOUT_MS;
	pthread_mutex_init(&tool->mu, NULL);
	pthread_cond_init(&tool->cv, NULL);
	if ((ret = ctl_tool_modules(tool, modules)) != 0 ||
	    (ret = ctl_tool_dns_root(tool, o, &dns_root)) != 0) {
		ctl_tool_close(&tool);
		return ret;
	}
	if (dns_root == NULL)
		dns_root = ctl->root;
	if (gd_daemon_tool_loop_start(dns_root, &tool->loop, &error) < 0) {
		ctl_error(ctl, "%s", error);
		ctl_tool_close(&tool);
		return EX_CONFIG;
	}
	tool->loop_started = true;
	*tool_r = tool;
	return 0;
}

static void
ctl_tool_invoke(void *arg)
{
	struct ctl_tool *tool = arg;

	tool->start(tool, tool->arg);
}

int
ctl_tool_run(struct ctl_tool *tool, ctl_tool_start_fn *start, void *arg)
{
	struct timespec deadline;
	int err = 0, status;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)(tool->timeout_ms / 1000);
	deadline.tv_nsec += (long)(tool->timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&tool->mu);
	tool->start = start;
	tool->arg = arg;
	tool->run++;
	tool->expired = false;
	pthread_mutex_unlock(&tool->mu);
	if (gd_loop_invoke(tool->loop, ctl_tool_invoke, tool) < 0) {
		ctl_error(tool->ctl, "the worker loop has stopped");
		return EX_SOFTWARE;
	}
	pthread_mutex_lock(&tool->mu);
	while (tool->done_run != tool->run && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&tool->cv, &tool->mu, &deadline);
	status = tool->done_run == tool->run ? tool->status : -1;
	tool->expired = status < 0;
	pthread_mutex_unlock(&tool->mu);
	if (status >= 0)
		return status;
	ctl_error(tool->ctl, "no result within %llu ms (--timeout)",
	    (unsigned long long)tool->timeout_ms);
	return EX_TEMPFAIL;
}

void
ctl_tool_done(struct ctl_tool *tool, int status)
{
	pthread_mutex_lock(&tool->mu);
	if (tool->done_run != tool->run) {
		tool->done_run = tool->run;
		tool->status = status;
		pthread_cond_signal(&tool->cv);
	}
	pthread_mutex_unlock(&tool->mu);
}

bool
ctl_tool_expired(struct ctl_tool *tool)
{
	bool expired;

	pthread_mutex_lock(&tool->mu);
	expired = tool->expired;
	pthread_mutex_unlock(&tool->mu);
	return expired;
}

struct gd_loop *
ctl_tool_loop(const struct ctl_tool *tool)
{
	return tool->loop;
}

struct ctl *
ctl_tool_ctl(const struct ctl_tool *tool)
{
	return tool->ctl;
}

void
ctl_tool_close(struct ctl_tool **toolp)
{
	struct ctl_tool *tool = *toolp;

	if (tool == NULL)
		return;
	*toolp = NULL;
	/* The worker first: its fini still uses modules and settings. */
	if (tool->loop_started)
		gd_daemon_tool_loop_stop();
	if (tool->modules_loaded)
		gd_daemon_tool_stop();
	tool->ctl->root = NULL;
	gd_config_free(&tool->dns_config);
	pthread_cond_destroy(&tool->cv);
	pthread_mutex_destroy(&tool->mu);
	free(tool);
}
