/*
 * test-service.c — the service registry: version rules, errors,
 * duplicates and GD_SERVICE_HAS.
 */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/gumdrop.h>

#include "hooks-private.h"

struct quota_v1_1 {
	size_t size;
	int (*check)(int);
	int (*reserve)(int);
};

struct quota_v1_0 {
	size_t size;
	int (*check)(int);
};

static int
quota_check(int n)
{
	return n < 10 ? 0 : -1;
}

static const struct quota_v1_0 quota_old = {
	.size = sizeof(struct quota_v1_0),
	.check = quota_check,
};

static const struct gd_service_decl quota_decl = {
	"quota", 1, 3, &quota_old,
};

static void
setup(void)
{
	const char *error;

	cr_assert_eq(gd_services_add("quota-mod", &quota_decl, &error), 0);
}

static void
teardown(void)
{
	gd_services_reset();
}

TestSuite(service, .init = setup, .fini = teardown);

Test(service, basic_lookup_compatible_versions)
{
	const struct quota_v1_0 *q;
	const char *error = NULL;
	unsigned minor;

	for (minor = 0; minor <= 3; minor++) {
		q = gd_service_lookup("quota", 1, minor, &error);
		cr_assert_eq(q, &quota_old, "1.%u", minor);
	}
	cr_assert_eq(q->check(3), 0);
	cr_assert_str_eq(gd_service_provider("quota"), "quota-mod");
	cr_assert_null(gd_service_provider("nope"));
}

Test(service, basic_newer_minor_or_other_major_refused)
{
	const char *error = NULL;

	cr_assert_null(gd_service_lookup("quota", 1, 4, &error));
	cr_assert_str_eq(error, "service 'quota' 1.4 is not available "
	    "(module 'quota-mod' provides 1.3)");
	cr_assert_null(gd_service_lookup("quota", 2, 0, &error));
	cr_assert_not_null(strstr(error, "provides 1.3"));
	cr_assert_null(gd_service_lookup("quota", 0, 9, &error));
	cr_assert_null(gd_service_lookup("quota", 0, 0, NULL));
}

Test(service, basic_missing_service)
{
	const char *error = NULL;

	cr_assert_null(gd_service_lookup("dkim", 1, 0, &error));
	cr_assert_str_eq(error, "service 'dkim' 1.0 is not provided by any "
	    "loaded module");
}

Test(service, complex_duplicate_and_bad_table)
{
	static const size_t tiny = 1;
	static const struct gd_service_decl bad = { "tiny", 1, 0, &tiny };
	static const struct gd_service_decl none = { "none", 1, 0, NULL };
	const char *error = NULL;

	cr_assert_eq(gd_services_add("other", &quota_decl, &error), -1);
	cr_assert_str_eq(error, "service 'quota' is already provided by "
	    "module 'quota-mod'");
	cr_assert_eq(gd_services_add("other", &bad, &error), -1);
	cr_assert_eq(gd_services_add("other", &none, &error), -1);
}

Test(service, complex_table_size_checks_later_functions)
{
	const struct quota_v1_1 *q = gd_service_lookup("quota", 1, 0, NULL);

	cr_assert_not_null(q);
	cr_assert(GD_SERVICE_HAS(q, struct quota_v1_1, check));
	cr_assert_not(GD_SERVICE_HAS(q, struct quota_v1_1, reserve));
	q = NULL;
	cr_assert_not(GD_SERVICE_HAS(q, struct quota_v1_1, check));
}
