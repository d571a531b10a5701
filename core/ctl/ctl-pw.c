/*
 * ctl-pw.c — `gumdropctl pw`: make a password entry for realm-file's
 * users file, like `doveadm pw`.  Needs no configuration.
 *
 * The password comes from -p, else from the terminal (asked twice, not
 * echoed), else from one line of standard input.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "pwhash/pwhash.h"

#define PW_MAX_PASSWORD	1024
#define PW_MAX_ENTRY	1024

struct pw_opts {
	const struct gd_pw_maker *maker;
	const char *password;
	unsigned rounds;
};

static int ctl_pw(struct ctl *ctl, int argc, char **argv);

const struct ctl_command ctl_pw_commands[] = {
	{ "pw", "[-s SCHEME] [-p PASSWORD] [-r ROUNDS]",
	    "print a password entry for realm-file's users file, like "
	    "doveadm pw (default SCRAM-SHA-256)", 0, -1, ctl_pw },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

/* The terminal's settings while echo is off, to restore on a signal. */
static struct termios ctl_pw_saved;
static volatile sig_atomic_t ctl_pw_echo_off;

static void
ctl_pw_on_signal(int sig)
{
	if (ctl_pw_echo_off)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &ctl_pw_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
ctl_pw_parse(struct ctl *ctl, int argc, char **argv, struct pw_opts *o)
{
	unsigned long v;
	char *end;
	int c;

	o->maker = gd_pw_maker_find("SCRAM-SHA-256");
	optind = 1;
	while ((c = getopt(argc, argv, "s:p:r:")) != -1) {
		switch (c) {
		case 's':
			if ((o->maker = gd_pw_maker_find(optarg)) == NULL) {
				ctl_error(ctl, "unknown scheme '%s'", optarg);
				return EX_USAGE;
			}
			break;
		case 'p':
			o->password = optarg;
			break;
		case 'r':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v == 0 ||
			    v > GD_PW_ITER_MAX) {
				ctl_error(ctl, "-r: expected 1..%u, got '%s'",
				    GD_PW_ITER_MAX, optarg);
				return EX_USAGE;
			}
			o->rounds = (unsigned)v;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		ctl_error(ctl, "usage: gumdropctl pw %s",
		    ctl_pw_commands[0].usage);
		return EX_USAGE;
	}
	return 0;
}

/* One line from stdin without its line end; -1 at EOF or when too long. */
static int
ctl_pw_read_line(char *buf, size_t size)
{
	size_t n;

	if (fgets(buf, (int)size, stdin) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (!feof(stdin))
		return -1;
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

/* Echo off (dropping what was typed ahead), then the prompt, so that
 * nothing typed after it is shown or lost. */
static int
ctl_pw_prompt(const char *prompt, char *buf, size_t size)
{
	struct termios quiet;
	int r;

	if (tcgetattr(STDIN_FILENO, &ctl_pw_saved) < 0)
		return -1;
	quiet = ctl_pw_saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	ctl_pw_echo_off = 1;
	signal(SIGINT, ctl_pw_on_signal);
	signal(SIGTERM, ctl_pw_on_signal);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	fputs(prompt, stderr);
	fflush(stderr);
	r = ctl_pw_read_line(buf, size);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &ctl_pw_saved);
	ctl_pw_echo_off = 0;
	fputc('\n', stderr);
	return r;
}

/* The password into buf: twice from a terminal, else one line. */
static int
ctl_pw_read(struct ctl *ctl, char *buf, size_t size)
{
	char again[PW_MAX_PASSWORD];
	bool same;

	if (!isatty(STDIN_FILENO)) {
		if (ctl_pw_read_line(buf, size) < 0) {
			ctl_error(ctl, "no password on standard input (or "
			    "longer than %d bytes)", PW_MAX_PASSWORD - 2);
			return EX_DATAERR;
		}
		return 0;
	}
	if (ctl_pw_prompt("Enter new password: ", buf, size) < 0 ||
	    ctl_pw_prompt("Retype new password: ", again, sizeof(again)) < 0) {
		ctl_error(ctl, "could not read the password");
		return EX_DATAERR;
	}
	same = strcmp(buf, again) == 0;
	explicit_bzero(again, sizeof(again));
	if (!same) {
		ctl_error(ctl, "passwords do not match");
		return EX_DATAERR;
	}
	return 0;
}

static int
ctl_pw(struct ctl *ctl, int argc, char **argv)
{
	char password[PW_MAX_PASSWORD], entry[PW_MAX_ENTRY];
	struct pw_opts o = { 0 };
	const char *pw, *error;
	int status;

	if ((status = ctl_pw_parse(ctl, argc, argv, &o)) != 0)
		return status;
	pw = o.password;
	if (pw == NULL) {
		status = ctl_pw_read(ctl, password, sizeof(password));
		if (status != 0)
			return status;
		pw = password;
	}
	if (pw[0] == '\0') {
		ctl_error(ctl, "empty password");
		return EX_DATAERR;
	}
	status = gd_pw_make(o.maker, pw, strlen(pw), o.rounds, entry,
	    sizeof(entry), &error);
	explicit_bzero(password, sizeof(password));
	if (status < 0) {
		ctl_error(ctl, "%s: %s", o.maker->name, error);
		return EX_DATAERR;
	}
	printf("%s\n", entry);
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}
