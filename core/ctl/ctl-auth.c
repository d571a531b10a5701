/*
 * ctl-auth.c — gumdropctl auth test: check a password against the
 * configured realm, the way the daemon would (the same realm module, the
 * same verify_password).  Prints only "ok" or "failed" (exit 0 or 77):
 * nothing that tells an unknown user from a wrong password.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <gumdrop/pool.h>
#include <gumdrop/realm.h>

#include "ctl.h"

#define CTL_AUTH_PASSWORD_MAX	1024

static int ctl_auth_test(struct ctl *ctl, int argc, char **argv);

const struct ctl_command ctl_auth_commands[] = {
	{ "auth test", "[-r REALM] USER [PASSWORD]",
	    "check a password (read from stdin if not given) against the "
	    "realm of the first listener with `sasl:`, or REALM", 1, 4,
	    ctl_auth_test },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

/* The realm of the first listener that has `sasl:`, or NULL. */
static const char *
ctl_auth_default_realm(struct ctl *ctl)
{
	const struct gd_config_node *seq = gd_config_get(ctl->root,
	    "listeners"), *sasl;
	const char *realm, *error;
	size_t i;

	for (i = 0; seq != NULL && i < gd_config_node_count(seq); i++) {
		sasl = gd_config_get(gd_config_node_at(seq, i), "sasl");
		if (sasl != NULL && gd_config_get_string(sasl, "realm", NULL,
		    &realm, &error) == 0 && realm != NULL)
			return realm;
	}
	return NULL;
}

/* The password from stdin: one line, its line break removed. */
static int
ctl_auth_read_password(char *buf, size_t size, size_t *len_r)
{
	size_t len;

	if (fgets(buf, (int)size, stdin) == NULL)
		return -1;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	*len_r = len;
	return 0;
}

static int
ctl_auth_check(struct ctl *ctl, const struct gd_realm *realm,
    const char *user, const char *password, size_t len)
{
	struct gd_pool *pool = gd_pool_create("ctl-auth");
	struct gd_realm_user *u = NULL;
	const char *err = NULL;
	int ret = 0;

	if (realm->verify_password != NULL)
		ret = realm->verify_password(realm, user, password, len, pool,
		    &u, &err);
	gd_pool_destroy(&pool);
	if (ret < 0) {
		ctl_error(ctl, "realm '%s' could not answer: %s", realm->name,
		    err != NULL ? err : "unknown error");
		return EX_TEMPFAIL;
	}
	printf("%s\n", ret > 0 ? "ok" : "failed");
	return ret > 0 ? EX_OK : EX_NOPERM;
}

static int
ctl_auth_test(struct ctl *ctl, int argc, char **argv)
{
	char buf[CTL_AUTH_PASSWORD_MAX + 2];
	const char *name = NULL, *password, *err;
	const struct gd_realm *realm;
	size_t len;
	int c, ret;

	optind = 1;
	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r')
			return EX_USAGE;
		name = optarg;
	}
	if (argc - optind < 1 || argc - optind > 2) {
		ctl_error(ctl, "usage: gumdropctl auth test [-r REALM] USER "
		    "[PASSWORD]");
		return EX_USAGE;
	}
	if (name == NULL && (name = ctl_auth_default_realm(ctl)) == NULL) {
		ctl_error(ctl, "no listener has `sasl:` settings; name the "
		    "realm with -r");
		return EX_CONFIG;
	}
	if ((realm = gd_realm_find(name, &err)) == NULL) {
		ctl_error(ctl, "realm '%s': %s", name, err);
		return EX_CONFIG;
	}
	password = argv[optind + 1];
	if (password != NULL)
		len = strlen(password);
	else if (ctl_auth_read_password(buf, sizeof(buf), &len) < 0) {
		ctl_error(ctl, "no password on standard input");
		return EX_USAGE;
	} else
		password = buf;
	ret = ctl_auth_check(ctl, realm, argv[optind], password, len);
	memset(buf, 0, sizeof(buf));
	return ret;
}
