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

#endif /* GD_DAEMON_PRIVATE_H */
