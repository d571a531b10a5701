/*
 * test-dns.c — asynchronous DNS on real worker loops.
 *
 * No query may reach the network: every test domain is a "static" local
 * zone (unknown names there are NXDOMAIN locally), and the only
 * forwarder is a UDP socket on 127.0.0.1 that this process opens and
 * never answers, so anything that escapes the local zones times out on
 * loopback.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include <gumdrop/config.h>
#include <gumdrop/dns.h>
#include <gumdrop/loop.h>
#include <gumdrop/pool.h>
#include "dns-private.h"
#include "loop-private.h"

#define WAIT_MS		5000
#define TLSA_HEX	"0123456789abcdef0123456789abcdef" \
			"0123456789abcdef0123456789abcdef"
#define V6_PTR		"0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0." \
			"0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."

struct probe {
	/* request, set by the test thread */
	const char *name;
	int rrtype;
	uint64_t timeout_ms;
	const struct sockaddr *addr;
	bool cancel;
	bool cancel_in_cb;	/* gd_dns_cancel() on itself in the callback */
	bool chain;		/* start a second lookup from the callback */
	unsigned loop;		/* worker index to run on */
	/* outcome, set on the loop thread under `mu` */
	struct gd_dns_query *q;
	struct gd_dns_query *self;
	int calls;
	bool started;
	bool on_loop;
	enum gd_dns_status status;
	enum gd_dns_security security;
	size_t count;
	size_t nraw;
	char text[2048];
	char canon[300];
	char error[120];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int blackhole_fd = -1;
static struct gd_config *cfg;
static bool loops_running;

/* ---- helpers ------------------------------------------------------- */

static unsigned
blackhole_open(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	blackhole_fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert(blackhole_fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(blackhole_fd, (struct sockaddr *)&sin,
	    sizeof(sin)) == 0);
	cr_assert(getsockname(blackhole_fd, (struct sockaddr *)&sin,
	    &len) == 0);
	return ntohs(sin.sin_port);
}

static int
configure_text(const char *text, const char **error_r)
{
	const char *msg;
	char *err = NULL;

	cfg = gd_config_load_string("test.yaml", text, strlen(text), &err);
	cr_assert(cfg != NULL, "config: %s", err != NULL ? err : "?");
	if (gd_dns_configure(gd_config_root(cfg), &msg) < 0) {
		*error_r = msg;
		return -1;
	}
	return 0;
}

static const char *
base_config(unsigned port)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
	    "dns:\n"
	    "  forwarders: [\"127.0.0.1@%u\"]\n"
	    "  dnssec: false\n"
	    "  timeout: 3s\n"
	    "  local-zones:\n"
	    "    - \"gumdrop.test. static\"\n"
	    "    - \"2.0.192.in-addr.arpa. static\"\n"
	    "    - \"8.b.d.0.1.0.0.2.ip6.arpa. static\"\n"
	    "  local-data:\n"
	    "    - \"a.gumdrop.test. 300 IN A 192.0.2.10\"\n"
	    "    - \"a.gumdrop.test. 300 IN A 192.0.2.11\"\n"
	    "    - \"a.gumdrop.test. 300 IN AAAA 2001:db8::10\"\n"
	    "    - \"gumdrop.test. 300 IN MX 30 mx3.gumdrop.test.\"\n"
	    "    - \"gumdrop.test. 300 IN MX 10 mx1.gumdrop.test.\"\n"
	    "    - \"gumdrop.test. 300 IN MX 20 mx2.gumdrop.test.\"\n"
	    "    - 'gumdrop.test. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 \""
	    " \"-all\"'\n"
	    "    - 'gumdrop.test. 300 IN TXT \"single\"'\n"
	    "    - \"10.2.0.192.in-addr.arpa. 300 IN PTR a.gumdrop.test.\"\n"
	    "    - \"" V6_PTR " 300 IN PTR v6.gumdrop.test.\"\n"
	    "    - \"_25._tcp.mx1.gumdrop.test. 300 IN TLSA 3 1 1 "
	    TLSA_HEX "\"\n"
	    "    - \"alias.gumdrop.test. 300 IN CNAME a.gumdrop.test.\"\n"
	    "    - \"c1.gumdrop.test. 300 IN CNAME c2.gumdrop.test.\"\n"
	    "    - \"c2.gumdrop.test. 300 IN CNAME gumdrop.test.\"\n"
	    "    - \"loop1.gumdrop.test. 300 IN CNAME loop2.gumdrop.test.\"\n"
	    "    - \"loop2.gumdrop.test. 300 IN CNAME loop1.gumdrop.test.\"\n"
	    "    - \"dangling.gumdrop.test. 300 IN CNAME nx.gumdrop.test.\"\n",
	    port);
	return buf;
}

static void
loops_start(void)
{
	const char *error = NULL;

	cr_assert(configure_text(base_config(blackhole_open()), &error) == 0,
	    "configure: %s", error);
	cr_assert(gd_loops_start(2, 1, gd_dns_thread_init,
	    gd_dns_thread_fini, &error) == 0, "loops: %s", error);
	loops_running = true;
}

static void
loops_stop(void)
{
	if (loops_running) {
		gd_loops_drain(0);
		gd_loops_join();
		loops_running = false;
	}
	gd_dns_shutdown();
	gd_config_free(&cfg);
	if (blackhole_fd >= 0)
		close(blackhole_fd);
	blackhole_fd = -1;
}

static void
append(struct probe *p, const char *fmt, ...)
{
	size_t used = strlen(p->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->text + used, sizeof(p->text) - used, fmt, ap);
	va_end(ap);
}

/* Summarise the parsed records as text the test thread can compare. */
static void
summarise(struct probe *p, const struct gd_dns_result *r)
{
	char ip[INET6_ADDRSTRLEN];
	size_t i, k;

	for (i = 0; i < r->count; i++) {
		if (i > 0)
			append(p, ",");
		switch (r->rrtype) {
		case GD_DNS_A:
			append(p, "%s", inet_ntop(AF_INET, &r->a[i], ip,
			    sizeof(ip)));
			break;
		case GD_DNS_AAAA:
			append(p, "%s", inet_ntop(AF_INET6, &r->aaaa[i], ip,
			    sizeof(ip)));
			break;
		case GD_DNS_MX:
			append(p, "%u %s", r->mx[i].preference,
			    r->mx[i].exchange);
			break;
		case GD_DNS_PTR:
			append(p, "%s", r->ptr[i]);
			break;
		case GD_DNS_TXT:
			append(p, "[%s]", r->txt[i].text);
			for (k = 0; k < r->txt[i].nstrings; k++)
				append(p, "<%s>", r->txt[i].strings[k]);
			break;
		case GD_DNS_TLSA:
			append(p, "%u %u %u ", r->tlsa[i].usage,
			    r->tlsa[i].selector, r->tlsa[i].mtype);
			for (k = 0; k < r->tlsa[i].len; k++)
				append(p, "%02x", r->tlsa[i].data[k]);
			break;
		}
	}
}

static void
probe_cb(const struct gd_dns_result *r, void *arg)
{
	struct probe *p = arg;

	pthread_mutex_lock(&mu);
	if (p->chain) {
		/* Not counted: the chained lookup's callback is. */
		p->chain = false;
		p->name = "gumdrop.test";
		p->rrtype = GD_DNS_MX;
		p->q = gd_dns_resolve(gd_loop_current(), p->name, p->rrtype,
		    0, probe_cb, p);
		pthread_mutex_unlock(&mu);
		return;
	}
	p->calls++;
	p->q = NULL;
	p->on_loop = gd_loop_current() == gd_loop_get(p->loop);
	p->status = r->status;
	p->security = r->security;
	p->count = r->count;
	p->nraw = r->nraw;
	snprintf(p->canon, sizeof(p->canon), "%s",
	    r->canonname != NULL ? r->canonname : "");
	snprintf(p->error, sizeof(p->error), "%s",
	    r->error != NULL ? r->error : "");
	p->text[0] = '\0';
	summarise(p, r);
	if (p->cancel_in_cb)
		gd_dns_cancel(&p->self);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void
probe_start(void *arg)
{
	struct probe *p = arg;
	struct gd_dns_query *q;

	if (p->addr != NULL)
		q = gd_dns_reverse(gd_loop_current(), p->addr, p->timeout_ms,
		    probe_cb, p);
	else
		q = gd_dns_resolve(gd_loop_current(), p->name, p->rrtype,
		    p->timeout_ms, probe_cb, p);
	pthread_mutex_lock(&mu);
	p->q = q;
	p->self = q;
	if (p->cancel)
		gd_dns_cancel(&p->q);
	p->started = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* Wait (bounded) until `p` was called back, or `ms` passed. */
static void
probe_wait(struct probe *p, unsigned ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&mu);
	while (p->calls == 0 || !p->started) {
		if (pthread_cond_timedwait(&cv, &mu, &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&mu);
}

static void
probe_run(struct probe *p)
{
	cr_assert(gd_loop_invoke(gd_loop_get(p->loop), probe_start, p) == 0);
	probe_wait(p, WAIT_MS);
	pthread_mutex_lock(&mu);
	cr_assert(p->calls == 1, "callback ran %d times", p->calls);
	pthread_mutex_unlock(&mu);
}

/* ---- lookups through a worker loop --------------------------------- */

TestSuite(dns, .init = loops_start, .fini = loops_stop, .timeout = 30);

Test(dns, a_records)
{
	struct probe p = { .name = "a.gumdrop.test", .rrtype = GD_DNS_A };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_eq(p.count, 2);
	cr_assert_eq(p.nraw, 2);
	cr_assert(strstr(p.text, "192.0.2.10") != NULL, "%s", p.text);
	cr_assert(strstr(p.text, "192.0.2.11") != NULL, "%s", p.text);
	cr_assert_eq(p.security, GD_DNS_INSECURE);
}

/* The calling worker's cache hits, read on worker `loop`'s thread. */
struct hits_probe {
	uint64_t hits;
	bool done;
};

static void
hits_read(void *arg)
{
	struct hits_probe *h = arg;
	uint64_t n = gd_dns_cache_hits();

	pthread_mutex_lock(&mu);
	h->hits = n;
	h->done = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static uint64_t
cache_hits(unsigned loop)
{
	struct hits_probe h = { 0 };
	struct timespec until;

	cr_assert(gd_loop_invoke(gd_loop_get(loop), hits_read, &h) == 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&mu);
	while (!h.done &&
	    pthread_cond_timedwait(&cv, &mu, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&mu);
	cr_assert(h.done, "the loop did not answer");
	return h.hits;
}

/* A second lookup of a name on the same worker comes from its cache
 * (any case, with or without the final dot), answered like the first,
 * still through the callback; another type or worker asks again. */
Test(dns, answers_cached_per_worker)
{
	struct probe p1 = { .name = "a.gumdrop.test", .rrtype = GD_DNS_A };
	struct probe p2 = { .name = "A.Gumdrop.TEST.", .rrtype = GD_DNS_A };
	struct probe p3 = { .name = "a.gumdrop.test", .rrtype = GD_DNS_AAAA };
	struct probe p4 = { .name = "a.gumdrop.test", .rrtype = GD_DNS_A,
	    .loop = 1 };

	cr_assert_eq(cache_hits(0), 0);
	probe_run(&p1);
	cr_assert_eq(cache_hits(0), 0);
	probe_run(&p2);
	cr_assert_eq(cache_hits(0), 1);
	cr_assert_eq(p2.status, GD_DNS_OK);
	cr_assert(p2.on_loop);
	cr_assert_str_eq(p2.text, p1.text);
	probe_run(&p3);
	probe_run(&p4);
	cr_assert_eq(cache_hits(0), 1);
	cr_assert_eq(cache_hits(1), 0);
	cr_assert_eq(p4.status, GD_DNS_OK);
}

/* A CNAME in local data (as a zone file gives) is followed to its
 * target's records, through a chain; a loop stops with an error. */
Test(dns, cname_followed)
{
	struct probe p = { .name = "alias.gumdrop.test", .rrtype = GD_DNS_A };
	struct probe chain = { .name = "c1.gumdrop.test",
	    .rrtype = GD_DNS_TXT };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK, "status %d", p.status);
	cr_assert_eq(p.count, 2);
	cr_assert(strstr(p.text, "192.0.2.10") != NULL, "%s", p.text);
	cr_assert_str_eq(p.canon, "a.gumdrop.test.");
	probe_run(&chain);
	cr_assert_eq(chain.status, GD_DNS_OK, "status %d", chain.status);
	cr_assert(strstr(chain.text, "[single]") != NULL, "%s", chain.text);
	cr_assert_str_eq(chain.canon, "gumdrop.test.");
}

/* The same again comes through the worker's cache, still followed. */
Test(dns, cname_followed_from_cache)
{
	struct probe p1 = { .name = "c1.gumdrop.test", .rrtype = GD_DNS_MX };
	struct probe p2 = { .name = "c1.gumdrop.test", .rrtype = GD_DNS_MX };

	probe_run(&p1);
	probe_run(&p2);
	cr_assert_eq(p2.status, GD_DNS_OK, "status %d", p2.status);
	cr_assert_eq(p2.count, 3);
	cr_assert_str_eq(p1.text, p2.text);
}

Test(dns, cname_loop_and_dangling)
{
	struct probe loop = { .name = "loop1.gumdrop.test",
	    .rrtype = GD_DNS_TXT };
	struct probe dangling = { .name = "dangling.gumdrop.test",
	    .rrtype = GD_DNS_A };
	struct probe itself = { .name = "alias.gumdrop.test", .rrtype = 5 };

	probe_run(&loop);
	cr_assert_eq(loop.status, GD_DNS_ERROR, "status %d", loop.status);
	cr_assert(strstr(loop.error, "CNAME") != NULL, "%s", loop.error);
	probe_run(&dangling);
	cr_assert_eq(dangling.status, GD_DNS_NXDOMAIN, "status %d",
	    dangling.status);
	probe_run(&itself);
	cr_assert_eq(itself.status, GD_DNS_OK, "status %d", itself.status);
	cr_assert_eq(itself.nraw, 1);
}

Test(dns, aaaa_record)
{
	struct probe p = { .name = "a.gumdrop.test.", .rrtype = GD_DNS_AAAA };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_str_eq(p.text, "2001:db8::10");
}

Test(dns, mx_sorted_by_preference)
{
	struct probe p = { .name = "gumdrop.test", .rrtype = GD_DNS_MX };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_str_eq(p.text, "10 mx1.gumdrop.test,20 mx2.gumdrop.test,"
	    "30 mx3.gumdrop.test");
}

Test(dns, txt_strings_joined)
{
	struct probe p = { .name = "gumdrop.test", .rrtype = GD_DNS_TXT };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_eq(p.count, 2);
	cr_assert(strstr(p.text, "[v=spf1 ip4:192.0.2.0/24 -all]"
	    "<v=spf1 ip4:192.0.2.0/24 ><-all>") != NULL, "%s", p.text);
	cr_assert(strstr(p.text, "[single]<single>") != NULL, "%s", p.text);
}

Test(dns, ptr_reverse_v4)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct probe p = { .addr = (struct sockaddr *)&sin };

	cr_assert(inet_pton(AF_INET, "192.0.2.10", &sin.sin_addr) == 1);
	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_str_eq(p.text, "a.gumdrop.test");
}

Test(dns, ptr_reverse_v6)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct probe p = { .addr = (struct sockaddr *)&sin6 };

	cr_assert(inet_pton(AF_INET6, "2001:db8::10", &sin6.sin6_addr) == 1);
	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_str_eq(p.text, "v6.gumdrop.test");
}

Test(dns, ptr_reverse_v4_mapped)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct probe p = { .addr = (struct sockaddr *)&sin6 };

	cr_assert(inet_pton(AF_INET6, "::ffff:192.0.2.10",
	    &sin6.sin6_addr) == 1);
	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_str_eq(p.text, "a.gumdrop.test");
}

Test(dns, reverse_bad_family_is_async_error)
{
	struct sockaddr sa = { .sa_family = AF_UNIX };
	struct probe p = { .addr = &sa };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_ERROR);
	cr_assert(p.on_loop);
}

Test(dns, tlsa_record)
{
	struct probe p = { .name = "_25._tcp.mx1.gumdrop.test",
	    .rrtype = GD_DNS_TLSA };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_str_eq(p.text, "3 1 1 " TLSA_HEX);
}

Test(dns, nxdomain)
{
	struct probe p = { .name = "nope.gumdrop.test", .rrtype = GD_DNS_A };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_NXDOMAIN);
	cr_assert_eq(p.count, 0);
}

Test(dns, nodata)
{
	struct probe p = { .name = "a.gumdrop.test", .rrtype = GD_DNS_MX };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_NODATA);
	cr_assert_eq(p.count, 0);
}

Test(dns, generic_type_raw_only)
{
	/* Type 99 (SPF) does not exist there: NODATA; type A by number. */
	struct probe p = { .name = "a.gumdrop.test", .rrtype = 99 };
	struct probe p2 = { .name = "a.gumdrop.test", .rrtype = 1 };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_NODATA);
	probe_run(&p2);
	cr_assert_eq(p2.nraw, 2);
}

Test(dns, callback_on_loop_thread)
{
	struct probe p = { .name = "a.gumdrop.test", .rrtype = GD_DNS_A };

	probe_run(&p);
	cr_assert(p.on_loop);
}

Test(dns, callback_on_second_worker)
{
	struct probe p = { .name = "a.gumdrop.test", .rrtype = GD_DNS_AAAA,
	    .loop = 1 };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert(p.on_loop);
}

Test(dns, cancel_inside_own_callback_is_harmless)
{
	struct probe p = { .name = "a.gumdrop.test", .rrtype = GD_DNS_A,
	    .cancel_in_cb = true };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_null(p.self);
}

Test(dns, new_lookup_from_callback)
{
	struct probe p = { .name = "a.gumdrop.test", .rrtype = GD_DNS_A,
	    .chain = true };

	probe_run(&p);
	/* probe_run saw the second (chained) callback. */
	cr_assert_eq(p.status, GD_DNS_OK);
	cr_assert_str_eq(p.text, "10 mx1.gumdrop.test,20 mx2.gumdrop.test,"
	    "30 mx3.gumdrop.test");
}

Test(dns, cancel_never_calls_back)
{
	struct probe p = { .name = "a.gumdrop.test", .rrtype = GD_DNS_A,
	    .cancel = true };
	struct probe later = { .name = "gumdrop.test", .rrtype = GD_DNS_MX };

	cr_assert(gd_loop_invoke(gd_loop_get(0), probe_start, &p) == 0);
	/* A later query on the same resolver completes... */
	probe_run(&later);
	/* ...and the cancelled one still has not called back. */
	usleep(300 * 1000);
	pthread_mutex_lock(&mu);
	cr_assert(p.started);
	cr_assert_null(p.q);
	cr_assert_eq(p.calls, 0);
	pthread_mutex_unlock(&mu);
}

Test(dns, timeout_on_silent_forwarder)
{
	/* Not in any local zone: goes to the silent forwarder. */
	struct probe p = { .name = "timeout.example", .rrtype = GD_DNS_A,
	    .timeout_ms = 300 };
	uint64_t t0 = gd_now_ms(), elapsed;
	char buf[512];

	probe_run(&p);
	elapsed = gd_now_ms() - t0;
	cr_assert_eq(p.status, GD_DNS_TIMEOUT, "status %s",
	    gd_dns_status_str(p.status));
	cr_assert(elapsed >= 250 && elapsed < 2500, "elapsed %llu ms",
	    (unsigned long long)elapsed);
	/* The query really went to the (loopback) forwarder. */
	cr_assert(recv(blackhole_fd, buf, sizeof(buf), MSG_DONTWAIT) > 12);
}

Test(dns, pending_lookup_dropped_at_shutdown)
{
	struct probe p = { .name = "slow.example", .rrtype = GD_DNS_A,
	    .timeout_ms = 10000 };

	cr_assert(gd_loop_invoke(gd_loop_get(0), probe_start, &p) == 0);
	probe_wait(&p, 200);
	/* Workers run gd_dns_thread_fini() with the query pending. */
	gd_loops_drain(0);
	gd_loops_join();
	loops_running = false;
	pthread_mutex_lock(&mu);
	cr_assert(p.started);
	cr_assert_eq(p.calls, 0);
	pthread_mutex_unlock(&mu);
}

Test(dns, lookup_off_loop_thread_aborts, .signal = SIGABRT)
{
	/* The test thread is not a worker: a bug, caught at once. */
	gd_dns_resolve(gd_loop_get(0), "a.gumdrop.test", GD_DNS_A, 0,
	    probe_cb, NULL);
}

Test(dns, bad_name_is_async_error)
{
	struct probe p = { .name = "bad..name", .rrtype = GD_DNS_A };

	probe_run(&p);
	cr_assert_eq(p.status, GD_DNS_ERROR);
}

/* ---- configuration errors ------------------------------------------ */

static void
config_fini(void)
{
	gd_dns_shutdown();
	gd_config_free(&cfg);
}

TestSuite(dns_config, .fini = config_fini, .timeout = 30);

static void
expect_config_error(const char *text, const char *where, const char *what)
{
	const char *error = NULL;

	cr_assert(configure_text(text, &error) < 0, "accepted: %s", text);
	cr_assert(strstr(error, where) != NULL, "error '%s' lacks '%s'",
	    error, where);
	cr_assert(strstr(error, what) != NULL, "error '%s' lacks '%s'",
	    error, what);
}

Test(dns_config, absent_section_is_fine)
{
	const char *error = NULL;

	cr_assert(configure_text("workers: 1\n", &error) == 0, "%s", error);
}

Test(dns_config, good_section)
{
	const char *error = NULL;

	cr_assert(configure_text(
	    "dns:\n"
	    "  forwarders: [\"127.0.0.1@5353\", \"::1\"]\n"
	    "  timeout: 250ms\n"
	    "  local-zones: [\"gumdrop.test. static\"]\n"
	    "  local-data: [\"x.gumdrop.test. A 192.0.2.1\"]\n",
	    &error) == 0, "%s", error);
}

Test(dns_config, unknown_key)
{
	expect_config_error("dns:\n  forwarder: 127.0.0.1\n",
	    "test.yaml:2", "forwarder");
}

Test(dns_config, bad_forwarder)
{
	expect_config_error("dns:\n  forwarders:\n    - 127.0.0.1\n"
	    "    - 300.1.1.1@53\n", "test.yaml:", "300.1.1.1@53");
	config_fini();
	expect_config_error("dns:\n  forwarders: [\"127.0.0.1@\"]\n",
	    "test.yaml:2", "IP@port");
	config_fini();
	expect_config_error("dns:\n  forwarders: [\"127.0.0.1@70000\"]\n",
	    "test.yaml:2", "IP@port");
}

Test(dns_config, unreadable_trust_anchor)
{
	expect_config_error("dns:\n  trust-anchor-file: /nonexistent/root.key"
	    "\n", "test.yaml:2", "No such file");
}

Test(dns_config, trust_anchor_without_dnssec)
{
	expect_config_error("dns:\n  dnssec: false\n  trust-anchor-file: "
	    GD_TEST_SRCDIR "/data/dns/root-anchor.key\n", "test.yaml:3",
	    "dnssec is false");
}

Test(dns_config, good_trust_anchor)
{
	const char *error = NULL;

	cr_assert(configure_text("dns:\n  forwarders: [127.0.0.1]\n"
	    "  trust-anchor-file: " GD_TEST_SRCDIR
	    "/data/dns/root-anchor.key\n", &error) == 0, "%s", error);
}

Test(dns_config, malformed_trust_anchor)
{
	expect_config_error("dns:\n  forwarders: [127.0.0.1]\n"
	    "  trust-anchor-file: " GD_TEST_SRCDIR
	    "/data/dns/bad-anchor.key\n", "test.yaml:3", "failed");
}

Test(dns_config, malformed_local_data)
{
	expect_config_error("dns:\n  local-data:\n"
	    "    - \"x.gumdrop.test. IN A not-an-address\"\n",
	    "test.yaml:2", "not-an-address");
}

Test(dns_config, bad_local_zone)
{
	expect_config_error("dns:\n  local-zones: [\"gumdrop.test.\"]\n",
	    "test.yaml:2", "ZONE TYPE");
	config_fini();
	expect_config_error("dns:\n  local-zones: [\"gumdrop.test. bogus\"]"
	    "\n", "test.yaml:2", "bogus");
}

Test(dns_config, bad_timeout)
{
	expect_config_error("dns:\n  timeout: 2h\n", "test.yaml:2",
	    "timeout");
}

/* ---- rdata parsing (no resolver) ----------------------------------- */

static int
parse_one(struct gd_pool *pool, int rrtype, const void *rdata, int len,
    struct gd_dns_result *res)
{
	char *data[2] = { (char *)(uintptr_t)rdata, NULL };
	int lens[1] = { len };
	const char *error;

	memset(res, 0, sizeof(*res));
	res->rrtype = rrtype;
	return gd_dns_parse_records(pool, rrtype, data, lens, res, &error);
}

Test(dns_rdata, name_format_and_escapes)
{
	static const uint8_t wire[] = "\x03" "a.b" "\x02" "\\\x01" "\x03"
	    "com";
	char buf[64];
	size_t used;

	cr_assert(gd_dns_name_format(wire, sizeof(wire), &used, buf,
	    sizeof(buf)) == 0);
	cr_assert_str_eq(buf, "a\\.b.\\\\\\001.com");
	cr_assert_eq(used, sizeof(wire));
	cr_assert(gd_dns_name_format((const uint8_t *)"", 1, &used, buf,
	    sizeof(buf)) == 0);
	cr_assert_str_eq(buf, ".");
	/* Output that does not fit. */
	cr_assert(gd_dns_name_format(wire, sizeof(wire), &used, buf, 8) < 0);
}

Test(dns_rdata, name_rejects_bad_wire)
{
	static const uint8_t ptr[] = { 0xc0, 0x0c };
	static const uint8_t trunc[] = { 0x05, 'a', 'b' };
	static const uint8_t noend[] = { 0x01, 'a' };
	char buf[64];
	size_t used;

	cr_assert(gd_dns_name_format(ptr, sizeof(ptr), &used, buf,
	    sizeof(buf)) < 0);
	cr_assert(gd_dns_name_format(trunc, sizeof(trunc), &used, buf,
	    sizeof(buf)) < 0);
	cr_assert(gd_dns_name_format(noend, sizeof(noend), &used, buf,
	    sizeof(buf)) < 0);
	cr_assert(gd_dns_name_format(noend, 0, &used, buf, sizeof(buf)) < 0);
}

Test(dns_rdata, name_longer_than_255_rejected)
{
	uint8_t wire[300];
	char buf[2048];
	size_t used, i;

	/* 5 labels of 63 bytes: 320 wire bytes. */
	memset(wire, 'x', sizeof(wire));
	for (i = 0; i < 4; i++)
		wire[i * 64] = 63;
	wire[256] = 0;	/* 4 * 64 = 256 bytes, +1 root: too long */
	cr_assert(gd_dns_name_format(wire, 257, &used, buf, sizeof(buf)) < 0);
	wire[192] = 0;	/* 3 labels: 193 bytes, fine */
	cr_assert(gd_dns_name_format(wire, 193, &used, buf, sizeof(buf)) == 0);
}

Test(dns_rdata, malformed_records)
{
	struct gd_pool *pool = gd_pool_create("test");
	struct gd_dns_result res;

	cr_assert(parse_one(pool, GD_DNS_A, "\x01\x02\x03", 3, &res) < 0);
	cr_assert_null(res.a);
	cr_assert(parse_one(pool, GD_DNS_AAAA, "\x01\x02\x03\x04", 4,
	    &res) < 0);
	cr_assert(parse_one(pool, GD_DNS_MX, "\x00", 1, &res) < 0);
	/* Name shorter than the rdata: trailing junk. */
	cr_assert(parse_one(pool, GD_DNS_MX, "\x00\x0a\x01x\x00z", 6,
	    &res) < 0);
	cr_assert(parse_one(pool, GD_DNS_MX, "\x00\x0a\xc0\x0c", 4,
	    &res) < 0);
	cr_assert(parse_one(pool, GD_DNS_PTR, "\x03" "ab", 3, &res) < 0);
	/* TXT string length running past the rdata. */
	cr_assert(parse_one(pool, GD_DNS_TXT, "\x05" "abc", 4, &res) < 0);
	cr_assert(parse_one(pool, GD_DNS_TXT, "\x01" "a" "\x02" "b", 4,
	    &res) < 0);
	cr_assert(parse_one(pool, GD_DNS_TXT, "", 0, &res) < 0);
	cr_assert(parse_one(pool, GD_DNS_TLSA, "\x03\x01\x01", 3, &res) < 0);
	gd_pool_destroy(&pool);
}

Test(dns_rdata, good_records)
{
	struct gd_pool *pool = gd_pool_create("test");
	struct gd_dns_result res;

	cr_assert(parse_one(pool, GD_DNS_TXT, "\x00" "\x02" "ab" "\x00", 5,
	    &res) == 0);
	cr_assert_eq(res.count, 1);
	cr_assert_eq(res.txt[0].nstrings, 3);
	cr_assert_eq(res.txt[0].text_len, 2);
	cr_assert_str_eq(res.txt[0].text, "ab");
	cr_assert(parse_one(pool, GD_DNS_MX, "\x01\x00\x01x\x00", 5,
	    &res) == 0);
	cr_assert_eq(res.mx[0].preference, 256);
	cr_assert_str_eq(res.mx[0].exchange, "x");
	cr_assert(parse_one(pool, GD_DNS_PTR, "\x00", 1, &res) == 0);
	cr_assert_str_eq(res.ptr[0], ".");
	/* Unknown type: raw only. */
	cr_assert(parse_one(pool, 99, "\x01\x02", 2, &res) == 0);
	cr_assert_eq(res.nraw, 1);
	cr_assert_eq(res.count, 0);
	cr_assert_eq(res.raw[0].len, 2);
	gd_pool_destroy(&pool);
}

Test(dns_rdata, mx_ties_keep_answer_order)
{
	struct gd_pool *pool = gd_pool_create("test");
	char *data[] = { "\x00\x05\x01" "b\x00", "\x00\x05\x01" "a\x00",
	    "\x00\x01\x01" "c\x00", NULL };
	int lens[] = { 5, 5, 5 };
	struct gd_dns_result res = { .rrtype = GD_DNS_MX };
	const char *error;

	cr_assert(gd_dns_parse_records(pool, GD_DNS_MX, data, lens, &res,
	    &error) == 0);
	cr_assert_eq(res.count, 3);
	cr_assert_str_eq(res.mx[0].exchange, "c");
	cr_assert_str_eq(res.mx[1].exchange, "b");
	cr_assert_str_eq(res.mx[2].exchange, "a");
	gd_pool_destroy(&pool);
}

Test(dns_rdata, reverse_names)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	char buf[GD_DNS_REVERSE_MAX];

	inet_pton(AF_INET, "1.2.3.4", &sin.sin_addr);
	cr_assert(gd_dns_reverse_name((struct sockaddr *)&sin, buf,
	    sizeof(buf)) == 0);
	cr_assert_str_eq(buf, "4.3.2.1.in-addr.arpa");
	inet_pton(AF_INET6, "2001:db8::10", &sin6.sin6_addr);
	cr_assert(gd_dns_reverse_name((struct sockaddr *)&sin6, buf,
	    sizeof(buf)) == 0);
	cr_assert(strncmp(buf, V6_PTR, strlen(V6_PTR) - 1) == 0 &&
	    strlen(buf) == strlen(V6_PTR) - 1, "%s", buf);
	inet_pton(AF_INET6, "::ffff:1.2.3.4", &sin6.sin6_addr);
	cr_assert(gd_dns_reverse_name((struct sockaddr *)&sin6, buf,
	    sizeof(buf)) == 0);
	cr_assert_str_eq(buf, "4.3.2.1.in-addr.arpa");
	cr_assert(gd_dns_reverse_name((struct sockaddr *)&sin, buf, 10) < 0);
	sin.sin_family = AF_UNIX;
	cr_assert(gd_dns_reverse_name((struct sockaddr *)&sin, buf,
	    sizeof(buf)) < 0);
}
