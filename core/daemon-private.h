/*
 * daemon-private.h — start-up, signals and shutdown of gumdropd.
 */
#ifndef GD_DAEMON_PRIVATE_H
#define GD_DAEMON_PRIVATE_H

#include <gumdrop/common.h>

struct gd_daemon_options {
	const char *config_path;	/* -c FILE */
	const char *module_dir;		/* -m DIR, or NULL for the default */
	bool check_only;		/* -t: check the configuration, exit */
	bool list_modules;		/* -M: list loaded modules, exit */
};

/*
 * Run the daemon in the foreground until SIGTERM/SIGINT.  Main thread,
 * once.  Returns the process exit status: 0 after a clean shutdown or a
 * successful check, 1 when the configuration or start-up failed (the
 * reason has been written to stderr as one line).  Exported from
 * libgumdrop for gumdropd's main() only; not part of the plugin API (this
 * header is not installed).
 */
GD_API int gd_daemon_run(const struct gd_daemon_options *opts);

struct gd_config_node;

/*
 * For the admin tool (gumdropctl): read the configuration at
 * `config_path`, open the log (warnings and errors only), and load and
 * initialise the modules (from `module_dir` when not NULL) — no TLS, DNS,
 * listeners or worker loops.  On success *root_r is the configuration's
 * root, valid until gd_daemon_tool_stop().  On failure returns -1 with a
 * malloc'd one-line message in *error_r (nothing stays loaded).  Main
 * thread.  Exported for gumdropctl only; not part of the plugin API.
 */
GD_API int gd_daemon_tool_start(const char *config_path,
    const char *module_dir, const struct gd_config_node **root_r,
    char **error_r);

/* Finalise and unload the modules, free the configuration. */
GD_API void gd_daemon_tool_stop(void);

/* ---- gumdropctl's auth tools (dnszone) ---------------------------- */

struct gd_loop;

/*
 * gd_daemon_tool_start() with the configuration given as YAML `text`
 * (named `name` in error messages) instead of a file: the offline tools
 * make one up ("modules: {load: [spf]}") when no -c was given.
 */
GD_API int gd_daemon_tool_start_text(const char *name, const char *text,
    const char *module_dir, const struct gd_config_node **root_r,
    char **error_r);

/* True if gd_daemon_tool_start*() loaded a module of that name. */
GD_API bool gd_daemon_tool_module_loaded(const char *name);

/*
 * After gd_daemon_tool_start*(): configure DNS from the `dns:` section
 * of `dns_root` (any tree; it must outlive gd_daemon_tool_loop_stop()),
 * exactly as gumdropd does (gd_dns_configure: local data, local zones,
 * zone files, forwarders), then start one worker loop whose thread
 * sets up its resolver and runs every module's thread_init, and one
 * blocking thread.  *loop_r is that worker: gd_dns_resolve() and
 * gd_work_submit() work on it (reach it with gd_loop_invoke()).  0, or
 * -1 with *error_r (static or in the tree's pool).  Main thread, at
 * most once per process.
 */
GD_API int gd_daemon_tool_loop_start(const struct gd_config_node *dns_root,
    struct gd_loop **loop_r, const char **error_r);

/*
 * Stop the worker at once: pending DNS queries are dropped without
 * their callbacks, the modules' thread_fini and the resolver's tear-down
 * run on the worker, then the DNS settings are freed.  Main thread,
 * before gd_daemon_tool_stop().
 */
GD_API void gd_daemon_tool_loop_stop(void);

#endif /* GD_DAEMON_PRIVATE_H */
