/*
 * ctl-auth-dkim.c — gumdropctl auth dkim-verify | dkim-sign | keygen: the
 * dkim module's verifier, signer and key generator on the command line,
 * through the offline-tool frame of ctl-tool.c (the module loaded as the
 * daemon loads it; --zone FILE answers the key lookups).  The message
 * is read from standard input.
 *
 *   dkim-verify   one line per signature, for scripts: the result keyword
 *                 first ("pass", "fail", ...; "none" when unsigned), then
 *                 d= s= a= and the reason; then the Authentication-Results
 *                 line.  Exit 0 whatever the results.
 *                 With FILE arguments (batch mode, one process for many
 *                 messages): for each file in order a line "file: FILE",
 *                 then the lines above; a file that cannot be read gets
 *                 "error: REASON" instead and the exit status is
 *                 EX_NOINPUT (66) once all files were done.
 *   dkim-sign     the DKIM-Signature field(s), then the message.
 *   keygen        the private key (PEM) to --out FILE (mode 0600), the
 *                 TXT record to publish on standard output.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <gumdrop/dkim.h>
#include <gumdrop/service.h>

#include "ctl.h"

/* Largest message or key file read. */
#define CTL_DKIM_INPUT_MAX	(64u << 20)

struct ctl_dkim {
	struct ctl_tool *tool;
	const struct gd_dkim_service *dkim;
	char *msg;
	size_t len;
	char **files;			/* dkim-verify FILE...: batch mode */
	size_t nfiles, next;
	bool unreadable;		/* a file could not be read */
	struct gd_dkim_dns_ops dns;
	struct gd_dkim_verifier *v;
	struct gd_dkim_sign_key key;
	struct gd_dkim_sign_opts sopts;
	struct gd_dkim_verify_opts vopts;
	const char *out;		/* keygen: the PEM file */
	unsigned bits;
};

static int ctl_auth_dkim_verify(struct ctl *ctl, int argc, char **argv);
static int ctl_auth_dkim_sign(struct ctl *ctl, int argc, char **argv);
static int ctl_auth_keygen(struct ctl *ctl, int argc, char **argv);

const struct ctl_command ctl_auth_dkim_commands[] = {
	{ "auth dkim-verify", CTL_TOOL_USAGE " [FILE...] < MESSAGE",
	    "verify every DKIM signature of a message (stdin, or each FILE) "
	    "with the dkim module; prints one result per signature, then "
	    "Authentication-Results",
	    0, -1, ctl_auth_dkim_verify },
	{ "auth dkim-sign", "-d DOMAIN -s SELECTOR -k KEY.pem [-a "
	    "ed25519-sha256|rsa-sha256] [-c relaxed/relaxed] < MESSAGE",
	    "sign a message with the dkim module; prints the signature "
	    "field, then the message", 0, -1, ctl_auth_dkim_sign },
	{ "auth keygen", "[-a ed25519-sha256|rsa-sha256] [-b BITS] "
	    "--out KEY.pem",
	    "make a DKIM key pair: the private key to KEY.pem, the TXT "
	    "record to publish on standard output", 0, -1, ctl_auth_keygen },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

/* All of `f`, NUL-terminated; NULL (said why) beyond the bound.  The
 * buffer starts at the file's size when it has one (batch mode: no
 * 64 KiB buffer, and its costly free, per small message). */
static char *
ctl_dkim_slurp(struct ctl *ctl, FILE *f, const char *what, size_t *len_r)
{
	struct stat st;
	size_t cap = 65536, n = 0, got;
	char *buf;

	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size < (off_t)CTL_DKIM_INPUT_MAX)
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap && (cap >= CTL_DKIM_INPUT_MAX ||
		    (buf = realloc(buf, (cap *= 2) + 1)) == NULL))
			break;
	}
	if (buf == NULL || n == cap || ferror(f)) {
		ctl_error(ctl, "%s: unreadable or over %u bytes", what,
		    CTL_DKIM_INPUT_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len_r = n;
	return buf;
}

/* The service, on the tool's loop; NULL after ending the run. */
static const struct gd_dkim_service *
ctl_dkim_service(struct ctl_tool *tool)
{
	const struct gd_dkim_service *dkim;
	const char *error = NULL;

	dkim = gd_service_lookup(GD_DKIM_SERVICE, GD_DKIM_SERVICE_MAJOR,
	    GD_DKIM_SERVICE_MINOR, &error);
	if (dkim == NULL || !GD_SERVICE_HAS(dkim, struct gd_dkim_service,
	    dns_ops)) {
		ctl_error(ctl_tool_ctl(tool), "%s", error != NULL ? error :
		    "the dkim module is too old");
		ctl_tool_done(tool, EX_UNAVAILABLE);
		return NULL;
	}
	return dkim;
}

/* ---- dkim-verify --------------------------------------------------------- */

static void
ctl_dkim_print(struct ctl_dkim *cd)
{
	const struct gd_dkim_sig_result *r;
	size_t i, n;

	r = cd->dkim->verify_results(cd->v, &n);
	if (n == 0)
		printf("none\n");
	for (i = 0; i < n; i++)
		printf("%s d=%s s=%s a=%s%s%s\n",
		    cd->dkim->result_name(r[i].result), r[i].domain,
		    r[i].selector, r[i].algorithm, r[i].reason[0] != '\0' ?
		    " " : "", r[i].reason);
	printf("Authentication-Results: localhost");
	if (n == 0)
		printf("; dkim=none");
	for (i = 0; i < n; i++)
		printf("; dkim=%s header.d=%s header.s=%s header.b=%s",
		    cd->dkim->result_name(r[i].result), r[i].domain,
		    r[i].selector, r[i].b_prefix);
	printf("\n");
}

const struct gd_dkim_verify_opts *
ctl_dkim_verify_opts(const struct gd_dkim_service *dkim,
    struct gd_dkim_verify_opts *buf)
{
	if (!GD_SERVICE_HAS(dkim, struct gd_dkim_service, verify_options))
		return NULL;
	dkim->verify_options(buf);
	return buf;
}

static void ctl_dkim_batch_next(struct ctl_dkim *cd);

/* Verify cd->msg; 1 when done inline, 0 when `done` will run. */
static int
ctl_dkim_verify_msg(struct ctl_dkim *cd, gd_dkim_verify_done_fn *done)
{
	cd->v = cd->dkim->verify_create(ctl_dkim_verify_opts(cd->dkim,
	    &cd->vopts), &cd->dns);
	cd->dkim->verify_write(cd->v, cd->msg, cd->len);
	return cd->dkim->verify_finish(cd->v, done, cd);
}

static void
ctl_dkim_verified(void *arg)
{
	struct ctl_dkim *cd = arg;

	ctl_dkim_print(cd);
	fflush(stdout);
	ctl_tool_done(cd->tool, EX_OK);
}

/* One batch message verified: print, free, go on (from the callback). */
static void
ctl_dkim_batch_verified(void *arg)
{
	struct ctl_dkim *cd = arg;

	ctl_dkim_print(cd);
	cd->dkim->verify_destroy(&cd->v);
	free(cd->msg);
	cd->msg = NULL;
	ctl_dkim_batch_next(cd);
}

/* The next file into cd->msg; -1 (said so in its block) when unreadable. */
static int
ctl_dkim_batch_read(struct ctl_dkim *cd, const char *path)
{
	FILE *f = fopen(path, "rb");

	printf("file: %s\n", path);
	if (f == NULL) {
		printf("error: %s\n", strerror(errno));
		cd->unreadable = true;
		return -1;
	}
	cd->msg = ctl_dkim_slurp(ctl_tool_ctl(cd->tool), f, path, &cd->len);
	fclose(f);
	if (cd->msg == NULL) {
		printf("error: unreadable or over %u bytes\n",
		    CTL_DKIM_INPUT_MAX);
		cd->unreadable = true;
		return -1;
	}
	return 0;
}

/* Files in order until one pends on DNS or all are done. */
static void
ctl_dkim_batch_next(struct ctl_dkim *cd)
{
	while (cd->next < cd->nfiles) {
		if (ctl_dkim_batch_read(cd, cd->files[cd->next++]) < 0)
			continue;
		if (ctl_dkim_verify_msg(cd, ctl_dkim_batch_verified) == 0)
			return;
		ctl_dkim_print(cd);
		cd->dkim->verify_destroy(&cd->v);
		free(cd->msg);
		cd->msg = NULL;
	}
	fflush(stdout);
	ctl_tool_done(cd->tool, cd->unreadable ? EX_NOINPUT : EX_OK);
}

static void
ctl_dkim_verify_start(struct ctl_tool *tool, void *arg)
{
	struct ctl_dkim *cd = arg;

	if ((cd->dkim = ctl_dkim_service(tool)) == NULL)
		return;
	cd->dkim->dns_ops(ctl_tool_loop(tool), &cd->dns);
	if (cd->files != NULL)
		ctl_dkim_batch_next(cd);
	else if (ctl_dkim_verify_msg(cd, ctl_dkim_verified) == 1)
		ctl_dkim_verified(cd);
}

/* Runs `start` on the loaded dkim module with the message of stdin. */
static int
ctl_dkim_run(struct ctl *ctl, const struct ctl_tool_options *o,
    struct ctl_dkim *cd, ctl_tool_start_fn *start)
{
	int ret;

	if (cd->msg == NULL && cd->files == NULL &&
	    (cd->msg = ctl_dkim_slurp(ctl, stdin, "stdin", &cd->len)) == NULL)
		return EX_DATAERR;
	if ((ret = ctl_tool_open(ctl, o, "dkim", &cd->tool)) == 0) {
		ret = ctl_tool_run(cd->tool, start, cd);
		/* Still pending after --timeout: destroying cancels. */
		if (cd->v != NULL)
			cd->dkim->verify_destroy(&cd->v);
		ctl_tool_close(&cd->tool);
	}
	free(cd->msg);
	return ret;
}

static int
ctl_dkim_usage(struct ctl *ctl, const struct ctl_command *cmd)
{
	ctl_error(ctl, "usage: gumdropctl %s %s", cmd->name, cmd->usage);
	return EX_USAGE;
}

static int
ctl_auth_dkim_verify(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_TOOL_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_tool_options o = { .nzones = 0 };
	struct ctl_dkim cd = { .tool = NULL };
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (ctl_tool_option(ctl, &o, c, optarg) != 0)
			return ctl_dkim_usage(ctl, &ctl_auth_dkim_commands[0]);
	if (optind < argc) {
		cd.files = argv + optind;
		cd.nfiles = (size_t)(argc - optind);
	}
	return ctl_dkim_run(ctl, &o, &cd, ctl_dkim_verify_start);
}

/* ---- dkim-sign ------------------------------------------------------------ */

static void
ctl_dkim_sign_start(struct ctl_tool *tool, void *arg)
{
	struct ctl_dkim *cd = arg;
	struct gd_dkim_signer *s;
	const char *error = "", *fields = NULL;

	if ((cd->dkim = ctl_dkim_service(tool)) == NULL)
		return;
	s = cd->dkim->sign_create(&cd->key, 1, &cd->sopts, &error);
	if (s != NULL) {
		cd->dkim->sign_write(s, cd->msg, cd->len);
		if ((fields = cd->dkim->sign_finish(s, &error)) != NULL) {
			fputs(fields, stdout);
			fwrite(cd->msg, 1, cd->len, stdout);
			fflush(stdout);
		}
		cd->dkim->sign_destroy(&s);
	}
	if (fields == NULL)
		ctl_error(ctl_tool_ctl(tool), "%s", error);
	ctl_tool_done(tool, fields != NULL ? EX_OK : EX_DATAERR);
}

/* -a and -c; 0, or -1 for a value not known. */
static int
ctl_dkim_sign_choice(struct ctl_dkim *cd, int c, const char *arg)
{
	if (c == 'a' && strcmp(arg, "rsa-sha256") == 0)
		cd->key.alg = GD_DKIM_ALG_RSA_SHA256;
	else if (c == 'a' && strcmp(arg, "ed25519-sha256") == 0)
		cd->key.alg = GD_DKIM_ALG_ED25519_SHA256;
	else if (c == 'c' && strchr(arg, '/') != NULL) {
		cd->sopts.header_canon = strncmp(arg, "relaxed/", 8) == 0 ?
		    GD_DKIM_CANON_RELAXED : GD_DKIM_CANON_SIMPLE;
		cd->sopts.body_canon = strcmp(strchr(arg, '/') + 1,
		    "relaxed") == 0 ? GD_DKIM_CANON_RELAXED :
		    GD_DKIM_CANON_SIMPLE;
	} else
		return -1;
	return 0;
}

/* The key file's PEM into cd->key; 0 or an exit status. */
static int
ctl_dkim_read_key(struct ctl *ctl, struct ctl_dkim *cd, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len;
	char *pem;

	if (f == NULL) {
		ctl_error(ctl, "%s: %s", path, strerror(errno));
		return EX_NOINPUT;
	}
	pem = ctl_dkim_slurp(ctl, f, path, &len);
	fclose(f);
	if (pem == NULL)
		return EX_DATAERR;
	cd->key.pem = pem;
	cd->key.pem_len = len;
	return 0;
}

static int
ctl_auth_dkim_sign(struct ctl *ctl, int argc, char **argv)
{
	struct ctl_tool_options o = { .nzones = 0 };
	struct ctl_dkim cd = { .key = { .alg = GD_DKIM_ALG_ED25519_SHA256 },
	    .sopts = { .header_canon = GD_DKIM_CANON_RELAXED,
	    .body_canon = GD_DKIM_CANON_RELAXED } };
	const char *keyfile = NULL;
	int c, ret;

	optind = 0;
	while ((c = getopt(argc, argv, "d:s:k:a:c:")) != -1) {
		if (c == 'd')
			cd.key.domain = optarg;
		else if (c == 's')
			cd.key.selector = optarg;
		else if (c == 'k')
			keyfile = optarg;
		else if ((c != 'a' && c != 'c') ||
		    ctl_dkim_sign_choice(&cd, c, optarg) < 0)
			return ctl_dkim_usage(ctl, &ctl_auth_dkim_commands[1]);
	}
	if (cd.key.domain == NULL || cd.key.selector == NULL ||
	    keyfile == NULL || optind < argc)
		return ctl_dkim_usage(ctl, &ctl_auth_dkim_commands[1]);
	if ((ret = ctl_dkim_read_key(ctl, &cd, keyfile)) != 0)
		return ret;
	ret = ctl_dkim_run(ctl, &o, &cd, ctl_dkim_sign_start);
	free((char *)cd.key.pem);
	return ret;
}

/* ---- keygen --------------------------------------------------------------- */

/* Write the private key, owner-only, refusing to replace a file. */
static int
ctl_dkim_write_key(struct ctl *ctl, const char *path, const char *pem)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t len = strlen(pem);

	if (fd < 0 || write(fd, pem, len) != (ssize_t)len || close(fd) < 0) {
		ctl_error(ctl, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(path);
		return EX_CANTCREAT;
	}
	return 0;
}

static void
ctl_dkim_keygen_start(struct ctl_tool *tool, void *arg)
{
	struct ctl_dkim *cd = arg;
	char *pem = NULL, *record = NULL;
	const char *error = "";
	int status = EX_SOFTWARE;

	if ((cd->dkim = ctl_dkim_service(tool)) == NULL)
		return;
	if (cd->dkim->keygen(cd->key.alg, cd->bits, &pem, &record,
	    &error) < 0)
		ctl_error(ctl_tool_ctl(tool), "keygen: %s", error);
	else if ((status = ctl_dkim_write_key(ctl_tool_ctl(tool), cd->out,
	    pem)) == 0)
		printf("%s\n", record);
	free(pem);
	free(record);
	ctl_tool_done(tool, status);
}

static int
ctl_auth_keygen(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_tool_options o = { .nzones = 0 };
	struct ctl_dkim cd = { .key = { .alg = GD_DKIM_ALG_ED25519_SHA256 },
	    .bits = 2048 };
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "a:b:o:", longopts, NULL)) != -1) {
		if (c == 'o')
			cd.out = optarg;
		else if (c == 'b')
			cd.bits = (unsigned)strtoul(optarg, NULL, 10);
		else if (c != 'a' || ctl_dkim_sign_choice(&cd, c, optarg) < 0)
			return ctl_dkim_usage(ctl, &ctl_auth_dkim_commands[2]);
	}
	if (cd.out == NULL || optind < argc)
		return ctl_dkim_usage(ctl, &ctl_auth_dkim_commands[2]);
	if ((ret = ctl_tool_open(ctl, &o, "dkim", &cd.tool)) != 0)
		return ret;
	ret = ctl_tool_run(cd.tool, ctl_dkim_keygen_start, &cd);
	ctl_tool_close(&cd.tool);
	return ret;
}
