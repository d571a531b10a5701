/*
 * test-dns-zone-config.c — `dns: {zone-files: [...]}` through
 * gd_dns_configure(): files read into the settings, libunbound's checks
 * applied, errors naming the configuration line and FILE:LINE.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <gumdrop/config.h>
#include "dns-private.h"

static char dir[] = "/tmp/test-dns-zone-config-XXXXXX";

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	gd_dns_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
}

static const char *
write_zone(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* gd_dns_configure() on "dns: {zone-files: [PATH]}" plus `extra`. */
static int
configure(const char *path, const char *extra, const char **error_r,
    struct gd_config **cfg_r)
{
	char text[1024], *load_error = NULL;

	snprintf(text, sizeof(text), "dns:\n  zone-files: [\"%s\"]\n%s", path,
	    extra);
	*cfg_r = gd_config_load_string("t.yaml", text, strlen(text),
	    &load_error);
	cr_assert_not_null(*cfg_r, "%s", load_error);
	return gd_dns_configure(gd_config_root(*cfg_r), error_r);
}

Test(dns_zone_config, good_file_is_accepted, .init = setup,
    .fini = teardown)
{
	struct gd_config *cfg;
	const char *error = NULL;

	cr_expect_eq(configure(write_zone("ok.zone", "$ORIGIN ok.example.\n"
	    "@ SOA ns h 1 2 3 4 5\n@ TXT \"v=spf1 -all\"\n"
	    "sub A 192.0.2.1\n"), "  local-zones: [\"ok.example. "
	    "transparent\"]\n", &error, &cfg), 0, "%s", error);
	gd_config_free(&cfg);
}

Test(dns_zone_config, parse_error_names_both_places, .init = setup,
    .fini = teardown)
{
	struct gd_config *cfg;
	const char *error = NULL;

	cr_expect_eq(configure(write_zone("bad.zone", "$ORIGIN x.example.\n"
	    "a MX 10\n"), "", &error, &cfg), -1);
	cr_expect(error != NULL && strstr(error, "t.yaml:2:") != NULL &&
	    strstr(error, "bad.zone:2: MX: expected 2 fields of data, "
	    "got 1") != NULL, "%s", error);
	gd_config_free(&cfg);
}

Test(dns_zone_config, missing_file, .init = setup, .fini = teardown)
{
	struct gd_config *cfg;
	const char *error = NULL;

	cr_expect_eq(configure("/nonexistent/z.zone", "", &error, &cfg), -1);
	cr_expect(error != NULL && strstr(error, "/nonexistent/z.zone: No "
	    "such file") != NULL, "%s", error);
	gd_config_free(&cfg);
}

Test(dns_zone_config, libunbound_refusal_names_file_line, .init = setup,
    .fini = teardown)
{
	struct gd_config *cfg;
	const char *error = NULL;

	/* An SOA without its fields (generic form): unbound refuses. */
	cr_expect_eq(configure(write_zone("soa.zone", "$ORIGIN c.example.\n"
	    "a A 192.0.2.1\na TYPE6 \\# 0\n"), "", &error, &cfg), -1);
	cr_expect(error != NULL && strstr(error, "soa.zone:3: record "
	    "refused by libunbound") != NULL, "%s", error);
	gd_config_free(&cfg);
}
