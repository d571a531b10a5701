/*
 * dkim-tool.c — the dkim engine on the command line, for the
 * cross-implementation tests (complex-dkim-cross.py) until `gumdropctl
 * auth dkim-verify|dkim-sign|keygen` exist.  Reads the message on stdin.
 *
 *   dkim-tool verify [-k NAME=RECORD]... [-t NOW]   one line per signature:
 *       "RESULT d=D s=S a=A reason", keys from the -k table (any other
 *       name: NXDOMAIN); "none" when unsigned.  Exit 0.
 *   dkim-tool sign -d D -s S -k PEMFILE [-a ed25519-sha256|rsa-sha256]
 *       [-c relaxed/relaxed] [-t TIME]               prints the fields
 *       followed by the message.
 *   dkim-tool keygen rsa|ed25519 PEMFILE             writes the key,
 *       prints the record text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dkim-engine.h"

struct dt_key {
	char *name;
	const char *record;
};

static struct dt_key dt_keys[16];
static size_t dt_nkeys;
static int dt_handle;

static char *
dt_read(FILE *f, size_t *len_r)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap + 1);

	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap && (buf = realloc(buf, (cap *= 2) + 1)) == NULL)
			abort();
	}
	buf[n] = '\0';
	*len_r = n;
	return buf;
}

static void *
dt_dns(void *ctx, const char *name, gd_dkim_dns_done_fn *done, void *arg)
{
	struct gd_dkim_txt t;
	size_t i;

	(void)ctx;
	for (i = 0; i < dt_nkeys; i++)
		if (strcasecmp(dt_keys[i].name, name) == 0) {
			t.text = dt_keys[i].record;
			t.len = strlen(t.text);
			done(arg, GD_DKIM_DNS_OK, &t, 1);
			return &dt_handle;
		}
	done(arg, GD_DKIM_DNS_NXDOMAIN, NULL, 0);
	return &dt_handle;
}

static int
dt_verify(int argc, char **argv)
{
	static const struct gd_dkim_dns_ops ops = { dt_dns, NULL, NULL };
	struct gd_dkim_verify_opts o = { .max_signatures = 16 };
	const struct gd_dkim_sig_result *r;
	struct gd_dkim_verifier *v;
	char *msg, *eq;
	size_t len, n, i;
	int c;

	while ((c = getopt(argc, argv, "k:t:")) != -1) {
		if (c == 't')
			o.now = (time_t)strtoll(optarg, NULL, 10);
		else if (c == 'k' && dt_nkeys < 16 &&
		    (eq = strchr(optarg, '=')) != NULL) {
			*eq = '\0';
			dt_keys[dt_nkeys].name = optarg;
			dt_keys[dt_nkeys++].record = eq + 1;
		} else
			return 2;
	}
	msg = dt_read(stdin, &len);
	v = dkim_verify_create(&o, &ops);
	dkim_verify_write(v, msg, len);
	if (dkim_verify_finish(v, NULL, NULL) != 1)
		return 2;
	r = dkim_verify_results(v, &n);
	if (n == 0)
		printf("none\n");
	for (i = 0; i < n; i++)
		printf("%s d=%s s=%s a=%s %s\n", dkim_result_name(r[i].result),
		    r[i].domain, r[i].selector, r[i].algorithm, r[i].reason);
	dkim_verify_destroy(&v);
	free(msg);
	return 0;
}

static int
dt_sign(int argc, char **argv)
{
	struct gd_dkim_sign_key k = { NULL, NULL, GD_DKIM_ALG_ED25519_SHA256,
	    NULL, 0 };
	struct gd_dkim_sign_opts o = { .header_canon = GD_DKIM_CANON_RELAXED,
	    .body_canon = GD_DKIM_CANON_RELAXED };
	struct gd_dkim_signer *s;
	const char *err = "", *f;
	FILE *pf;
	char *msg;
	size_t len;
	int c;

	while ((c = getopt(argc, argv, "d:s:k:a:c:t:")) != -1) {
		switch (c) {
		case 'd': k.domain = optarg; break;
		case 's': k.selector = optarg; break;
		case 'a': k.alg = strcmp(optarg, "rsa-sha256") == 0 ?
		    GD_DKIM_ALG_RSA_SHA256 : GD_DKIM_ALG_ED25519_SHA256; break;
		case 'c':
			o.header_canon = strncmp(optarg, "simple", 6) == 0 ?
			    GD_DKIM_CANON_SIMPLE : GD_DKIM_CANON_RELAXED;
			o.body_canon = strstr(optarg, "/simple") != NULL ?
			    GD_DKIM_CANON_SIMPLE : GD_DKIM_CANON_RELAXED;
			break;
		case 't': o.timestamp = (time_t)strtoll(optarg, NULL, 10);
			break;
		case 'k':
			if ((pf = fopen(optarg, "r")) == NULL)
				return 2;
			k.pem = dt_read(pf, &k.pem_len);
			fclose(pf);
			break;
		default: return 2;
		}
	}
	if (k.domain == NULL || k.selector == NULL || k.pem == NULL)
		return 2;
	if ((s = dkim_sign_create(&k, 1, &o, &err)) == NULL) {
		fprintf(stderr, "dkim-tool: %s\n", err);
		return 1;
	}
	msg = dt_read(stdin, &len);
	dkim_sign_write(s, msg, len);
	if ((f = dkim_sign_finish(s, &err)) == NULL) {
		fprintf(stderr, "dkim-tool: %s\n", err);
		return 1;
	}
	fputs(f, stdout);
	fwrite(msg, 1, len, stdout);
	dkim_sign_destroy(&s);
	free(msg);
	free((char *)k.pem);
	return 0;
}

static int
dt_keygen(int argc, char **argv)
{
	char *pem, *rec;
	const char *err;
	FILE *f;
	bool ed = argc > 1 && strcmp(argv[1], "ed25519") == 0;

	if (argc < 3)
		return 2;
	if (dkim_keygen(ed ? GD_DKIM_ALG_ED25519_SHA256 :
	    GD_DKIM_ALG_RSA_SHA256, 2048, &pem, &rec, &err) < 0) {
		fprintf(stderr, "dkim-tool: %s\n", err);
		return 1;
	}
	if ((f = fopen(argv[2], "w")) == NULL)
		return 1;
	fputs(pem, f);
	fclose(f);
	printf("%s\n", rec);
	free(pem);
	free(rec);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "verify") == 0)
		return dt_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return dt_sign(argc - 1, argv + 1);
	if (strcmp(argv[1], "keygen") == 0)
		return dt_keygen(argc - 1, argv + 1);
	return 2;
}
