/*
 * main.c — gumdropd's command line.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <gumdrop/module.h>

#include "daemon-private.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: gumdropd [-t | -M] -c FILE [-m DIR]\n"
	    "\n"
	    "  -c, --config FILE      configuration file (YAML)\n"
	    "  -m, --module-path DIR  load modules from DIR (overrides "
	    "modules.path;\n"
	    "                         default: %s)\n"
	    "  -t, --test             check the configuration and exit 0 "
	    "(valid) or 1\n"
	    "  -M, --modules          load the modules, list them and exit\n"
	    "  -V, --version          print the version and the plugin ABI\n"
	    "  -h, --help             this text\n"
	    "\n"
	    "gumdropd runs in the foreground and logs to stderr unless the\n"
	    "configuration says otherwise.  SIGTERM or SIGINT drain and stop;\n"
	    "SIGHUP reloads certificates, policy and module settings.\n",
	    GD_MODULEDIR);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "module-path", required_argument, NULL, 'm' },
		{ "test", no_argument, NULL, 't' },
		{ "modules", no_argument, NULL, 'M' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gd_daemon_options opts = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "c:m:tMVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 'm':
			opts.module_dir = optarg;
			break;
		case 't':
			opts.check_only = true;
			break;
		case 'M':
			opts.list_modules = true;
			break;
		case 'V':
			printf("gumdropd %s (plugin ABI %d.%d, %s)\n",
			    PACKAGE_VERSION, GD_ABI_MAJOR, GD_ABI_MINOR,
			    GD_BUILD_SIGNATURE);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || opts.config_path == NULL) {
		fprintf(stderr, "gumdropd: %s\n", optind != argc ?
		    "unexpected argument" : "no configuration file (-c FILE)");
		usage(stderr);
		return 2;
	}
	return gd_daemon_run(&opts);
}
