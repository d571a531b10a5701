/*
 * daemon.c — start-up order, signals, reload and shutdown.
 *
 * Start-up: configuration, logging, modules (each validated and
 * initialised), TLS, DNS, listeners (parsed, then bound), PID file, worker
 * loops.  The main thread then only waits for signals: SIGTERM/SIGINT
 * drain the loops within shutdown-grace, SIGHUP builds a new configuration
 * generation and swaps in what can change without dropping connections.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gumdrop/config.h>
#include <gumdrop/log.h>

#include "conn-private.h"
#include "daemon-private.h"
#include "dns-private.h"
#include "listener-private.h"
#include "loop-private.h"
#include "module-private.h"
#include "tls-private.h"

/* The settings the core itself reads from the top level. */
struct daemon_settings {
	int64_t workers;
	int64_t blocking_threads;
	uint64_t shutdown_grace_ms;
	const char *pid_file;
	enum gd_log_level log_level;
	enum gd_log_target log_target;
};

/*
 * Every configuration generation stays allocated until exit: connections
 * and modules may still point into an older one after a reload, and
 * reloads are rare enough that keeping them costs little.
 */
struct daemon_generation {
	struct gd_config *config;
	struct daemon_generation *older;
};

static const char *const core_keys[] = {
	"include", "workers", "blocking-threads", "shutdown-grace", "pid-file",
	"log", "modules", "hooks", "tls", "dns", "listeners", NULL,
};

static const struct gd_config_key log_keys[] = {
	{ "level", GD_CONFIG_KEY_STRING, "info", 0, 0,
	    "debug, info, notice, warning or error" },
	{ "target", GD_CONFIG_KEY_STRING, "stderr", 0, 0,
	    "stderr or syslog" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static struct daemon_generation *daemon_current;

static bool
daemon_is_core_key(const char *key)
{
	size_t i;

	for (i = 0; core_keys[i] != NULL; i++)
		if (strcmp(core_keys[i], key) == 0)
			return true;
	return false;
}

/*
 * Unknown top-level keys are errors, except for the subtrees of loaded
 * modules, which their modules validate.
 */
static int
daemon_check_top_keys(const struct gd_config_node *root, const char **error_r)
{
	size_t i, n = gd_config_node_count(root);

	for (i = 0; i < n; i++) {
		const struct gd_config_node *v = gd_config_node_at(root, i);
		const char *key = gd_config_node_key(v);

		if (daemon_is_core_key(key) || gd_modules_is_loaded_name(key))
			continue;
		*error_r = gd_config_error(v, "expected a core setting or the "
		    "name of a loaded module, got an unknown key");
		return -1;
	}
	return 0;
}

static int
daemon_read_log(const struct gd_config_node *root,
    struct daemon_settings *set, const char **error_r)
{
	static const char *const targets[] = { "stderr", "syslog", NULL };
	const struct gd_config_node *log = gd_config_get(root, "log");
	const char *level;
	int target;

	if (gd_config_validate(log, log_keys, error_r) < 0 ||
	    gd_config_get_string(log, "level", "info", &level, error_r) < 0 ||
	    gd_config_get_enum(log, "target", targets, 0, &target,
	    error_r) < 0)
		return -1;
	if (gd_log_level_parse(level, &set->log_level) < 0) {
		*error_r = gd_config_error(gd_config_get(log, "level"),
		    "expected one of debug, info, notice, warning, error, "
		    "got '%s'", level);
		return -1;
	}
	set->log_target = (enum gd_log_target)target;
	return 0;
}

static int
daemon_read_settings(const struct gd_config_node *root,
    struct daemon_settings *set, const char **error_r)
{
	if (gd_config_get_int(root, "workers", 2, 1, 64, &set->workers,
	    error_r) < 0 ||
	    gd_config_get_int(root, "blocking-threads", 16, 1, 64,
	    &set->blocking_threads, error_r) < 0 ||
	    gd_config_get_duration(root, "shutdown-grace", 10000, 0,
	    3600 * 1000, &set->shutdown_grace_ms, error_r) < 0 ||
	    gd_config_get_string(root, "pid-file", NULL, &set->pid_file,
	    error_r) < 0)
		return -1;
	return daemon_read_log(root, set, error_r);
}

static int
daemon_write_pid(const char *path, const char **error_r)
{
	static char err[256];
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, sizeof(err), "pid-file %s: %s", path,
		    strerror(errno));
		*error_r = err;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		snprintf(err, sizeof(err), "pid-file %s: %s", path,
		    strerror(errno));
		*error_r = err;
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Per-worker set-up, run on each worker thread before it serves. */
static int
daemon_thread_init(struct gd_loop *loop, const char **error_r)
{
	if (gd_dns_thread_init(loop, error_r) < 0 ||
	    gd_modules_thread_init(loop, error_r) < 0 ||
	    gd_listeners_thread_start(loop, error_r) < 0)
		return -1;
	return 0;
}

/*
 * Connections still open when the drain grace ran out are closed here,
 * on their own loop, before the modules that serve them go away.
 */
static void
daemon_thread_fini(struct gd_loop *loop)
{
	gd_listeners_thread_stop(loop);
	gd_conns_thread_close_all("shutdown");
	gd_modules_thread_fini(loop);
	gd_dns_thread_fini(loop);
}

/*
 * SIGHUP: parse the file again and validate what the core reads itself;
 * a file that fails here changes nothing.  Then each part takes the new
 * generation in turn (modules may still refuse).  Parts keep pointers
 * into the tree they accepted, so from the first hand-over on the
 * generation stays allocated even if a later part refuses it.
 */
static void
daemon_reload(const char *path)
{
	struct daemon_generation *gen;
	struct daemon_settings set = { 0 };
	const struct gd_config_node *root;
	const char *error = NULL;
	struct gd_config *cfg;
	char *load_error = NULL;

	gd_log(GD_LOG_NOTICE, "daemon.reload", "config=%s", path);
	cfg = gd_config_load(path, &load_error);
	if (cfg == NULL) {
		gd_log(GD_LOG_ERROR, "daemon.reload", "result=refused "
		    "reason=\"%s\"", load_error);
		free(load_error);
		return;
	}
	root = gd_config_root(cfg);
	if (daemon_read_settings(root, &set, &error) < 0 ||
	    daemon_check_top_keys(root, &error) < 0) {
		gd_log(GD_LOG_ERROR, "daemon.reload", "result=refused "
		    "reason=\"%s\"", error);
		gd_config_free(&cfg);
		return;
	}
	gen = gd_xcalloc(1, sizeof(*gen));
	gen->config = cfg;
	gen->older = daemon_current;
	daemon_current = gen;
	if (gd_modules_reload(root, &error) < 0 ||
	    gd_tls_reload(root, &error) < 0 ||
	    gd_listeners_reload_policy(root, &error) < 0) {
		gd_log(GD_LOG_ERROR, "daemon.reload", "result=refused "
		    "reason=\"%s\"", error);
		return;
	}
	gd_log_open(set.log_level, set.log_target, "gumdropd", 0);
	gd_log(GD_LOG_NOTICE, "daemon.reload", "result=ok");
}

/*
 * The main thread sleeps in sigwaitinfo(); the signals are blocked in
 * every thread (workers inherit the mask), so none of them can interrupt
 * a worker's system calls.
 */
static void
daemon_wait_signals(const char *path, const sigset_t *set)
{
	siginfo_t info;
	int sig;

	for (;;) {
		sig = sigwaitinfo(set, &info);
		if (sig < 0)
			continue;
		if (sig == SIGHUP) {
			daemon_reload(path);
			continue;
		}
		gd_log(GD_LOG_NOTICE, "daemon.stop", "signal=%s",
		    sig == SIGTERM ? "TERM" : "INT");
		return;
	}
}

static void
daemon_free_generations(void)
{
	struct daemon_generation *gen, *older;

	for (gen = daemon_current; gen != NULL; gen = older) {
		older = gen->older;
		gd_config_free(&gen->config);
		free(gen);
	}
	daemon_current = NULL;
}

/* Parse, load modules and configure every part; nothing is bound yet. */
static int
daemon_configure(const struct gd_daemon_options *opts,
    struct daemon_settings *set, const char **error_r)
{
	const struct gd_config_node *root = gd_config_root(
	    daemon_current->config);

	if (daemon_read_settings(root, set, error_r) < 0)
		return -1;
	gd_log_open(set->log_level, set->log_target, "gumdropd", 0);
	if (gd_modules_load(root, opts->module_dir, error_r) < 0)
		return -1;
	if (daemon_check_top_keys(root, error_r) < 0 ||
	    gd_tls_configure(root, error_r) < 0 ||
	    gd_dns_configure(root, error_r) < 0 ||
	    gd_listeners_configure(root, error_r) < 0)
		return -1;
	return 0;
}

static int
daemon_serve(const struct gd_daemon_options *opts,
    const struct daemon_settings *set, const char **error_r)
{
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (gd_listeners_open(error_r) < 0)
		return -1;
	if (set->pid_file != NULL && daemon_write_pid(set->pid_file,
	    error_r) < 0)
		return -1;
	if (gd_loops_start((unsigned)set->workers,
	    (unsigned)set->blocking_threads, daemon_thread_init,
	    daemon_thread_fini, error_r) < 0)
		return -1;
	gd_log(GD_LOG_NOTICE, "daemon.ready", "version=%s workers=%u "
	    "config=%s", PACKAGE_VERSION, (unsigned)set->workers,
	    opts->config_path);
	daemon_wait_signals(opts->config_path, &sigs);
	gd_loops_drain(set->shutdown_grace_ms);
	gd_loops_join();
	if (set->pid_file != NULL)
		unlink(set->pid_file);
	return 0;
}

static void
daemon_shutdown(void)
{
	gd_listeners_close();
	gd_modules_unload();
	gd_dns_shutdown();
	gd_tls_shutdown();
	daemon_free_generations();
}

static int daemon_tool_start(struct gd_config *config, const char *module_dir,
    const struct gd_config_node **root_r, char **error_r);

int
gd_daemon_tool_start(const char *config_path, const char *module_dir,
    const struct gd_config_node **root_r, char **error_r)
{
	struct gd_config *config = gd_config_load(config_path, error_r);

	if (config == NULL)
		return -1;
	return daemon_tool_start(config, module_dir, root_r, error_r);
}

/* ---- gumdropctl's auth tools (dnszone) ---------------------------- */

int
gd_daemon_tool_start_text(const char *name, const char *text,
    const char *module_dir, const struct gd_config_node **root_r,
    char **error_r)
{
	struct gd_config *config = gd_config_load_string(name, text,
	    strlen(text), error_r);

	if (config == NULL)
		return -1;
	return daemon_tool_start(config, module_dir, root_r, error_r);
}

bool
gd_daemon_tool_module_loaded(const char *name)
{
	return gd_modules_is_loaded_name(name);
}

/* One worker: its resolver, then the modules' per-thread state. */
static int
daemon_tool_thread_init(struct gd_loop *loop, const char **error_r)
{
	if (gd_dns_thread_init(loop, error_r) < 0)
		return -1;
	if (gd_modules_thread_init(loop, error_r) < 0) {
		gd_dns_thread_fini(loop);
		return -1;
	}
	return 0;
}

static void
daemon_tool_thread_fini(struct gd_loop *loop)
{
	gd_modules_thread_fini(loop);
	gd_dns_thread_fini(loop);
}

int
gd_daemon_tool_loop_start(const struct gd_config_node *dns_root,
    struct gd_loop **loop_r, const char **error_r)
{
	if (gd_dns_configure(dns_root, error_r) < 0)
		return -1;
	if (gd_loops_start(1, 1, daemon_tool_thread_init,
	    daemon_tool_thread_fini, error_r) < 0) {
		gd_dns_shutdown();
		return -1;
	}
	*loop_r = gd_loop_get(0);
	return 0;
}

void
gd_daemon_tool_loop_stop(void)
{
	gd_loops_drain(0);
	gd_loops_join();
	gd_dns_shutdown();
}

/* ---- end of gumdropctl's auth tools -------------------------------- */

static int
daemon_tool_start(struct gd_config *config, const char *module_dir,
    const struct gd_config_node **root_r, char **error_r)
{
	struct daemon_settings set = { 0 };
	const struct gd_config_node *root;
	const char *error = NULL;

	daemon_current = gd_xcalloc(1, sizeof(*daemon_current));
	daemon_current->config = config;
	root = gd_config_root(daemon_current->config);
	if (daemon_read_settings(root, &set, &error) == 0) {
		/* A tool is quiet: warnings and errors only. */
		gd_log_open(set.log_level > GD_LOG_WARNING ? set.log_level :
		    GD_LOG_WARNING, set.log_target, "gumdropctl", 0);
		if (gd_modules_load(root, module_dir, &error) == 0 &&
		    daemon_check_top_keys(root, &error) == 0) {
			*root_r = root;
			return 0;
		}
	}
	*error_r = gd_xstrdup(error);
	gd_daemon_tool_stop();
	return -1;
}

void
gd_daemon_tool_stop(void)
{
	gd_modules_unload();
	daemon_free_generations();
}

int
gd_daemon_run(const struct gd_daemon_options *opts)
{
	struct daemon_settings set = { 0 };
	const char *error = NULL;
	char *load_error = NULL;
	int status = 0;

	daemon_current = gd_xcalloc(1, sizeof(*daemon_current));
	daemon_current->config = gd_config_load(opts->config_path,
	    &load_error);
	if (daemon_current->config == NULL) {
		fprintf(stderr, "gumdropd: %s\n", load_error);
		free(load_error);
		free(daemon_current);
		daemon_current = NULL;
		return 1;
	}
	if (daemon_configure(opts, &set, &error) < 0) {
		fprintf(stderr, "gumdropd: %s\n", error);
		status = 1;
	} else if (opts->list_modules) {
		gd_modules_print(stdout);
	} else if (opts->check_only) {
		printf("gumdropd: configuration %s is valid\n",
		    opts->config_path);
	} else if (daemon_serve(opts, &set, &error) < 0) {
		fprintf(stderr, "gumdropd: %s\n", error);
		status = 1;
	}
	daemon_shutdown();
	if (status == 0 && !opts->check_only && !opts->list_modules)
		gd_log(GD_LOG_NOTICE, "daemon.exit", "status=0");
	return status;
}
