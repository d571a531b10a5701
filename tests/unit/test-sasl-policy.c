/*
 * test-sasl-policy.c — the failure table on its own: lockout per client
 * address and per user name, the growing delay, success resetting a
 * user, expiry, the size bound, concurrent workers; and the constant-
 * time comparison.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>

#include <criterion/criterion.h>

#include "sasl/sasl-private.h"

static struct gd_sasl_settings set = {
	.max_failures = 3,
	.lockout_ms = 60000,
	.delay_ms = 100,
	.delay_max_ms = 400,
};

static void
policy_reset(void)
{
	gd_sasl_policy_reset();
}

TestSuite(policy, .init = policy_reset, .fini = policy_reset);

Test(policy, lockout_per_address)
{
	uint64_t now = 1000000;
	int i;

	for (i = 0; i < 2; i++)
		gd_sasl_policy_fail(&set, "192.0.2.1", NULL, now);
	cr_assert_not(gd_sasl_policy_locked(&set, "192.0.2.1", NULL, now));
	gd_sasl_policy_fail(&set, "192.0.2.1", NULL, now);
	cr_assert(gd_sasl_policy_locked(&set, "192.0.2.1", NULL, now));
	cr_assert_not(gd_sasl_policy_locked(&set, "192.0.2.2", NULL, now));
	/* Until auth-lockout-time after the last failure. */
	cr_assert(gd_sasl_policy_locked(&set, "192.0.2.1", NULL,
	    now + 59999));
	cr_assert_not(gd_sasl_policy_locked(&set, "192.0.2.1", NULL,
	    now + 60000));
}

Test(policy, lockout_per_user_from_many_addresses)
{
	char ip[32];
	uint64_t now = 1000000;
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i);
		gd_sasl_policy_fail(&set, ip, "bob", now);
	}
	for (i = 0; i < 3; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i);
		cr_assert_not(gd_sasl_policy_locked(&set, ip, NULL, now));
	}
	cr_assert(gd_sasl_policy_locked(&set, NULL, "bob", now));
	cr_assert(gd_sasl_policy_locked(&set, "203.0.113.9", "bob", now));
	cr_assert_not(gd_sasl_policy_locked(&set, NULL, "alice", now));
}

Test(policy, success_resets_the_user)
{
	uint64_t now = gd_now_ms();

	gd_sasl_policy_fail(&set, "192.0.2.1", "bob", now);
	gd_sasl_policy_fail(&set, "192.0.2.2", "bob", now);
	gd_sasl_policy_success("bob");
	gd_sasl_policy_fail(&set, "192.0.2.3", "bob", now);
	cr_assert_not(gd_sasl_policy_locked(&set, NULL, "bob", now));
	/* The addresses keep their own counts. */
	cr_assert_eq(gd_sasl_policy_count(), 4);
}

Test(policy, delay_doubles_up_to_the_maximum)
{
	struct gd_sasl_settings s = set;
	uint64_t now = 1000000;

	s.max_failures = 0;
	cr_assert_eq(gd_sasl_policy_fail(&s, "192.0.2.1", "u", now), 100);
	cr_assert_eq(gd_sasl_policy_fail(&s, "192.0.2.1", "u", now), 200);
	cr_assert_eq(gd_sasl_policy_fail(&s, "192.0.2.1", "u", now), 400);
	cr_assert_eq(gd_sasl_policy_fail(&s, "192.0.2.1", "u", now), 400);
	/* The worse of address and user counts. */
	cr_assert_eq(gd_sasl_policy_fail(&s, "192.0.2.9", "u", now), 400);
	cr_assert_eq(gd_sasl_policy_fail(&s, "192.0.2.10", "v", now), 100);
	cr_assert_not(gd_sasl_policy_locked(&s, "192.0.2.1", "u", now),
	    "max-auth-failures 0 never locks out");
	s.delay_ms = 0;
	cr_assert_eq(gd_sasl_policy_fail(&s, "192.0.2.1", "u", now), 0);
}

Test(policy, entries_expire)
{
	uint64_t now = 1000000;

	gd_sasl_policy_fail(&set, "192.0.2.1", "bob", now);
	cr_assert_eq(gd_sasl_policy_count(), 2);
	/* A later failure elsewhere trims what expired. */
	gd_sasl_policy_fail(&set, "192.0.2.2", NULL, now + 60001);
	cr_assert_eq(gd_sasl_policy_count(), 1);
}

Test(policy, bounded_in_size, .timeout = 60)
{
	char ip[32];
	uint64_t now = 1000000;
	unsigned i;

	for (i = 0; i < GD_SASL_POLICY_MAX + 100; i++) {
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", i >> 16,
		    (i >> 8) & 255, i & 255);
		gd_sasl_policy_fail(&set, ip, NULL, now);
	}
	cr_assert_leq(gd_sasl_policy_count(), GD_SASL_POLICY_MAX);
	/* The newest survive. */
	cr_assert_not(gd_sasl_policy_locked(&set, ip, NULL, now));
	gd_sasl_policy_fail(&set, ip, NULL, now);
	gd_sasl_policy_fail(&set, ip, NULL, now);
	cr_assert(gd_sasl_policy_locked(&set, ip, NULL, now));
}

static void *
policy_worker(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 1000; i++)
		gd_sasl_policy_fail(&set, "192.0.2.77", "carol", gd_now_ms());
	return NULL;
}

Test(policy, shared_by_concurrent_workers)
{
	struct gd_sasl_settings s = set;
	pthread_t t[2];
	int i;

	for (i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, policy_worker, NULL),
		    0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* 2000 failures were counted: 1999 is not yet a lockout. */
	s.max_failures = 2000;
	cr_assert(gd_sasl_policy_locked(&s, "192.0.2.77", NULL, gd_now_ms()));
	s.max_failures = 2001;
	cr_assert_not(gd_sasl_policy_locked(&s, "192.0.2.77", "carol",
	    gd_now_ms()));
}

Test(secret, equal_in_constant_time)
{
	cr_assert(gd_sasl_secret_equal("abc", 3, "abc", 3));
	cr_assert_not(gd_sasl_secret_equal("abc", 3, "abd", 3));
	cr_assert_not(gd_sasl_secret_equal("abc", 3, "abcd", 4));
	cr_assert(gd_sasl_secret_equal("", 0, "", 0));
	cr_assert_not(gd_sasl_secret_equal("\0\0", 2, "\0\1", 2));
}

Test(reason, texts_and_names)
{
	cr_assert_str_eq(gd_sasl_reason_text(GD_SASL_BAD_CREDENTIALS),
	    "authentication failed");
	cr_assert_str_eq(gd_sasl_reason_name(GD_SASL_LOCKED_OUT),
	    "locked-out");
	cr_assert_str_eq(gd_sasl_reason_name((enum gd_sasl_reason)99),
	    "unknown");
}
