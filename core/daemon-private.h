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

#endif /* GD_DAEMON_PRIVATE_H */
