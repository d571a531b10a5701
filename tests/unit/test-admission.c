/*
 * test-admission.c — allow/deny precedence, connection limits, per-IP
 * counting and rate windows, with an injected clock and no sockets.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "admission-private.h"

static struct sockaddr_storage
peer(const char *text)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(40000);
	} else {
		cr_assert_eq(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
	}
	return ss;
}

static struct gd_cidr *
cidrs(size_t n, const char *const *texts)
{
	struct gd_cidr *list = gd_xcalloc(n, sizeof(*list));
	const char *error;
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert_eq(gd_cidr_parse(texts[i], &list[i], &error), 0);
	return list;
}

static struct gd_admission_policy *
policy(unsigned max, unsigned per_ip, unsigned rate, uint64_t window)
{
	struct gd_admission_policy *p = gd_xcalloc(1, sizeof(*p));

	p->max_connections = max;
	p->max_per_ip = per_ip;
	p->rate_connections = rate;
	p->rate_window_ms = window;
	return p;
}

static int
check(struct gd_admission *adm, const char *ip, uint64_t now,
    const char **reason_r)
{
	struct sockaddr_storage ss = peer(ip);
	const char *dummy;

	return gd_admission_check(adm, (struct sockaddr *)&ss, now,
	    reason_r != NULL ? reason_r : &dummy);
}

static void
release(struct gd_admission *adm, const char *ip)
{
	struct sockaddr_storage ss = peer(ip);

	gd_admission_release(adm, (struct sockaddr *)&ss);
}

Test(admission, unlimited_by_default)
{
	struct gd_admission *adm = gd_admission_create(policy(0, 0, 0, 0));
	int i;

	for (i = 0; i < 100; i++)
		cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), 0);
	cr_assert_eq(gd_admission_count(adm), 100);
	for (i = 0; i < 100; i++)
		release(adm, "192.0.2.1");
	cr_assert_eq(gd_admission_count(adm), 0);
	cr_assert_eq(gd_admission_tracked(adm, 0), 0);
	gd_admission_destroy(&adm);
	cr_assert_null(adm);
}

Test(admission, listener_max_and_release)
{
	struct gd_admission *adm = gd_admission_create(policy(3, 0, 0, 0));
	const char *reason = NULL;

	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), 0);
	cr_assert_eq(check(adm, "192.0.2.2", 0, NULL), 0);
	cr_assert_eq(check(adm, "2001:db8::1", 0, NULL), 0);
	cr_assert_eq(check(adm, "192.0.2.3", 0, &reason), -1);
	cr_assert_str_eq(reason, "listener connection limit reached");
	cr_assert_eq(gd_admission_count(adm), 3);
	release(adm, "192.0.2.2");
	cr_assert_eq(check(adm, "192.0.2.3", 0, NULL), 0);
	cr_assert_eq(check(adm, "192.0.2.4", 0, NULL), -1);
	gd_admission_destroy(&adm);
}

Test(admission, per_ip_max)
{
	struct gd_admission *adm = gd_admission_create(policy(0, 2, 0, 0));
	const char *reason = NULL;

	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), 0);
	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), 0);
	cr_assert_eq(check(adm, "192.0.2.1", 0, &reason), -1);
	cr_assert_str_eq(reason, "per-ip connection limit reached");
	/* other addresses are unaffected */
	cr_assert_eq(check(adm, "192.0.2.2", 0, NULL), 0);
	/* v4 and v4-mapped v6 are the same address */
	cr_assert_eq(check(adm, "::ffff:192.0.2.1", 0, NULL), -1);
	release(adm, "::ffff:192.0.2.1");
	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), 0);
	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), -1);
	cr_assert_eq(gd_admission_count(adm), 3);
	gd_admission_destroy(&adm);
}

Test(admission, rate_window_expires)
{
	struct gd_admission *adm = gd_admission_create(
	    policy(0, 0, 3, 1000));
	const char *reason = NULL;
	int i;

	for (i = 0; i < 3; i++) {
		cr_assert_eq(check(adm, "198.51.100.7", 10000 + i, NULL), 0);
		release(adm, "198.51.100.7");
	}
	cr_assert_eq(check(adm, "198.51.100.7", 10500, &reason), -1);
	cr_assert_str_eq(reason, "connection rate limit exceeded");
	cr_assert_eq(check(adm, "198.51.100.8", 10500, NULL), 0);
	release(adm, "198.51.100.8");
	/* still inside the window started at 10000 */
	cr_assert_eq(check(adm, "198.51.100.7", 10999, NULL), -1);
	/* the window has passed */
	cr_assert_eq(check(adm, "198.51.100.7", 11000, NULL), 0);
	release(adm, "198.51.100.7");
	cr_assert_eq(gd_admission_count(adm), 0);
	/* idle entries are dropped once their window has expired */
	cr_assert_eq(gd_admission_tracked(adm, 11001), 2);
	cr_assert_eq(gd_admission_tracked(adm, 11500), 1);
	cr_assert_eq(gd_admission_tracked(adm, 12000), 0);
	gd_admission_destroy(&adm);
}

Test(admission, live_connection_keeps_entry)
{
	struct gd_admission *adm = gd_admission_create(
	    policy(0, 1, 5, 100));

	cr_assert_eq(check(adm, "2001:db8::9", 0, NULL), 0);
	cr_assert_eq(gd_admission_tracked(adm, 100000), 1);
	cr_assert_eq(check(adm, "2001:db8::9", 100000, NULL), -1);
	release(adm, "2001:db8::9");
	/* its rate window (from t=0) is long over */
	cr_assert_eq(gd_admission_tracked(adm, 100000), 0);
	/* a fresh window keeps the entry until it ends */
	cr_assert_eq(check(adm, "2001:db8::9", 200000, NULL), 0);
	release(adm, "2001:db8::9");
	cr_assert_eq(gd_admission_tracked(adm, 200050), 1);
	cr_assert_eq(gd_admission_tracked(adm, 200100), 0);
	gd_admission_destroy(&adm);
}

Test(admission, deny_before_allow)
{
	static const char *const allow[] = { "10.0.0.0/8", "2001:db8::/32" };
	static const char *const deny[] = { "10.1.0.0/16" };
	struct gd_admission_policy *p = policy(0, 0, 0, 0);
	struct gd_admission *adm;
	const char *reason = NULL;

	p->allow = cidrs(2, allow);
	p->allow_count = 2;
	p->deny = cidrs(1, deny);
	p->deny_count = 1;
	adm = gd_admission_create(p);
	cr_assert_eq(check(adm, "10.2.3.4", 0, NULL), 0);
	cr_assert_eq(check(adm, "2001:db8::1", 0, NULL), 0);
	cr_assert_eq(check(adm, "10.1.3.4", 0, &reason), -1);
	cr_assert_str_eq(reason, "denied by deny list");
	cr_assert_eq(check(adm, "::ffff:10.1.3.4", 0, &reason), -1);
	cr_assert_str_eq(reason, "denied by deny list");
	cr_assert_eq(check(adm, "192.0.2.1", 0, &reason), -1);
	cr_assert_str_eq(reason, "not in allow list");
	cr_assert_eq(gd_admission_count(adm), 2);
	gd_admission_destroy(&adm);
}

Test(admission, deny_only)
{
	static const char *const deny[] = { "0.0.0.0/0" };
	struct gd_admission_policy *p = policy(0, 0, 0, 0);
	struct gd_admission *adm;

	p->deny = cidrs(1, deny);
	p->deny_count = 1;
	adm = gd_admission_create(p);
	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), -1);
	cr_assert_eq(check(adm, "2001:db8::1", 0, NULL), 0);
	gd_admission_destroy(&adm);
}

Test(admission, refused_by_list_is_not_counted)
{
	static const char *const deny[] = { "192.0.2.1" };
	struct gd_admission_policy *p = policy(1, 1, 1, 1000);
	struct gd_admission *adm;

	p->deny = cidrs(1, deny);
	p->deny_count = 1;
	adm = gd_admission_create(p);
	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), -1);
	cr_assert_eq(gd_admission_count(adm), 0);
	cr_assert_eq(check(adm, "192.0.2.2", 0, NULL), 0);
	gd_admission_destroy(&adm);
}

Test(admission, unix_peer_only_listener_limit)
{
	static const char *const allow[] = { "10.0.0.0/8" };
	struct gd_admission_policy *p = policy(2, 1, 1, 1000);
	struct gd_admission *adm;
	struct sockaddr_un sun;
	const char *reason;

	p->allow = cidrs(1, allow);
	p->allow_count = 1;
	adm = gd_admission_create(p);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	cr_assert_eq(gd_admission_check(adm, (struct sockaddr *)&sun, 0,
	    &reason), 0);
	cr_assert_eq(gd_admission_check(adm, (struct sockaddr *)&sun, 0,
	    &reason), 0);
	cr_assert_eq(gd_admission_check(adm, (struct sockaddr *)&sun, 0,
	    &reason), -1);
	cr_assert_str_eq(reason, "listener connection limit reached");
	gd_admission_release(adm, (struct sockaddr *)&sun);
	gd_admission_release(adm, (struct sockaddr *)&sun);
	cr_assert_eq(gd_admission_count(adm), 0);
	gd_admission_destroy(&adm);
}

Test(admission, policy_swap_keeps_counts)
{
	struct gd_admission *adm = gd_admission_create(policy(0, 0, 0, 0));

	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), 0);
	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), 0);
	gd_admission_set_policy(adm, policy(0, 2, 0, 0));
	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), -1);
	release(adm, "192.0.2.1");
	cr_assert_eq(check(adm, "192.0.2.1", 0, NULL), 0);
	gd_admission_set_policy(adm, policy(2, 0, 0, 0));
	cr_assert_eq(check(adm, "192.0.2.9", 0, NULL), -1);
	gd_admission_destroy(&adm);
}

struct hammer {
	struct gd_admission *adm;
	unsigned admitted;
};

static void *
hammer_thread(void *arg)
{
	struct hammer *h = arg;
	char ip[32];
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", (i / 200) % 4, i % 200);
		if (check(h->adm, ip, (uint64_t)i, NULL) == 0) {
			h->admitted++;
			release(h->adm, ip);
		}
	}
	return NULL;
}

Test(admission, threads_share_counters, .timeout = 20)
{
	struct hammer h[4];
	pthread_t t[4];
	struct gd_admission *adm = gd_admission_create(policy(0, 0, 0, 0));
	int i;

	for (i = 0; i < 4; i++) {
		h[i].adm = adm;
		h[i].admitted = 0;
		cr_assert_eq(pthread_create(&t[i], NULL, hammer_thread,
		    &h[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(h[i].admitted, 2000);
	}
	cr_assert_eq(gd_admission_count(adm), 0);
	cr_assert_eq(gd_admission_tracked(adm, 1000000), 0);
	gd_admission_destroy(&adm);
}
