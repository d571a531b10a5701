/*
 * test-spf-eval.c — modules/spf check_host() through a table resolver
 * (spf-test-util.h): results of every mechanism, include and redirect,
 * the section 4.6.4 limits (10 DNS-querying terms, 2 void lookups, 10
 * MX names, 10 PTR names), include/redirect loops, temperror on DNS
 * failure and on the time limit, multiple records, HELO and the null
 * sender, exp= explanations, asynchronous answers (the same results,
 * MX hosts asked in parallel), cancellation, and the Received-SPF text.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "spf-test-util.h"

#define TXT	16
#define A	1
#define AAAA	28
#define MX	15
#define PTR	12

static struct tres t;
static struct tres_check tc;

static enum gd_spf_result
check(const struct tres_rr *rrs, const char *ip, const char *sender)
{
	memset(&t, 0, sizeof(t));
	t.rrs = rrs;
	return tres_check_run(&t, &tc, ip, "helo.example", sender,
	    GD_SPF_ID_MAILFROM);
}

static void
teardown(void)
{
	spf_check_free(tc.check);
	tc.check = NULL;
}

TestSuite(spf_eval, .fini = teardown);

static const struct tres_rr basic[] = {
	{ "example.com", TXT, "v=spf1 ip4:192.0.2.0/24 a:a.example.com "
	    "mx ptr ~all" },
	{ "example.com", TXT, "some other text" },
	{ "example.com", MX, "mx.example.com" },
	{ "a.example.com", A, "198.51.100.7" },
	{ "a.example.com", AAAA, "2001:db8::7" },
	{ "mx.example.com", A, "198.51.100.25" },
	{ "5.113.0.203.in-addr.arpa", PTR, "host.example.com" },
	{ "host.example.com", A, "203.0.113.5" },
	{ NULL, 0, NULL },
};

Test(spf_eval, each_mechanism)
{
	cr_expect_eq(check(basic, "192.0.2.44", "u@example.com"),
	    GD_SPF_PASS);
	cr_expect_str_eq(tc.o->mechanism, "ip4:192.0.2.0/24");
	teardown();
	cr_expect_eq(check(basic, "198.51.100.7", "u@example.com"),
	    GD_SPF_PASS);
	cr_expect_str_eq(tc.o->mechanism, "a:a.example.com");
	teardown();
	cr_expect_eq(check(basic, "2001:db8::7", "u@example.com"),
	    GD_SPF_PASS);
	teardown();
	cr_expect_eq(check(basic, "198.51.100.25", "u@EXAMPLE.com"),
	    GD_SPF_PASS);
	cr_expect_str_eq(tc.o->mechanism, "mx");
	teardown();
	cr_expect_eq(check(basic, "203.0.113.5", "u@example.com"),
	    GD_SPF_PASS);
	cr_expect_str_eq(tc.o->mechanism, "ptr");
	teardown();
	cr_expect_eq(check(basic, "203.0.113.6", "u@example.com"),
	    GD_SPF_SOFTFAIL);
	cr_expect_str_eq(tc.o->mechanism, "~all");
	cr_expect_str_eq(tc.o->domain, "example.com");
	cr_expect_str_eq(tc.o->envelope_from, "u@example.com");
}

Test(spf_eval, none_and_neutral)
{
	static const struct tres_rr rrs[] = {
		{ "neutral.example", TXT, "v=spf1 ip4:192.0.2.1" },
		{ "other.example", TXT, "v=spf2.0/pra -all" },
		{ NULL, 0, NULL },
	};

	cr_expect_eq(check(rrs, "192.0.2.9", "u@neutral.example"),
	    GD_SPF_NEUTRAL);
	cr_expect_null(tc.o->mechanism);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.9", "u@other.example"),
	    GD_SPF_NONE);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.9", "u@missing.example"),
	    GD_SPF_NONE);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.9", "u@[192.0.2.9]"), GD_SPF_NONE);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.9", "u@nodots"), GD_SPF_NONE);
	cr_expect_eq(t.queries, 0);
}

Test(spf_eval, include_and_redirect)
{
	static const struct tres_rr rrs[] = {
		{ "inc.example", TXT, "v=spf1 include:sub.example -all" },
		{ "sub.example", TXT, "v=spf1 ip4:192.0.2.1 -all" },
		{ "bad.example", TXT, "v=spf1 include:nothing.example" },
		{ "red.example", TXT, "v=spf1 redirect=sub.example" },
		{ "redall.example", TXT, "v=spf1 ?all redirect=sub.example" },
		{ "rednone.example", TXT, "v=spf1 redirect=nothing.example" },
		{ NULL, 0, NULL },
	};

	cr_expect_eq(check(rrs, "192.0.2.1", "u@inc.example"), GD_SPF_PASS);
	cr_expect_str_eq(tc.o->mechanism, "include:sub.example");
	teardown();
	/* the included record's fail is no match: the outer -all fails */
	cr_expect_eq(check(rrs, "192.0.2.2", "u@inc.example"), GD_SPF_FAIL);
	cr_expect_str_eq(tc.o->mechanism, "-all");
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.1", "u@bad.example"),
	    GD_SPF_PERMERROR);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.2", "u@red.example"), GD_SPF_FAIL);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.2", "u@redall.example"),
	    GD_SPF_NEUTRAL);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.2", "u@rednone.example"),
	    GD_SPF_PERMERROR);
}

/* Section 4.6.4: the 11th DNS-querying term is a permerror. */
Test(spf_eval, ten_dns_terms)
{
	static const struct tres_rr rrs[] = {
		{ "ten.example", TXT, "v=spf1 a a a a a a a a a a -all" },
		{ "eleven.example", TXT, "v=spf1 a a a a a a a a a a a -all" },
		{ "ten.example", A, "198.51.100.1" },
		{ "eleven.example", A, "198.51.100.1" },
		{ "ip.example", TXT, "v=spf1 a a a a a a a a a a ip4:192.0.2.0"
		    "/24 ip6:::1 all" },
		{ "ip.example", A, "198.51.100.1" },
		{ NULL, 0, NULL },
	};

	cr_expect_eq(check(rrs, "192.0.2.1", "u@ten.example"), GD_SPF_FAIL);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.1", "u@eleven.example"),
	    GD_SPF_PERMERROR);
	cr_expect_str_eq(tc.o->problem, "more than 10 DNS-querying terms");
	teardown();
	/* ip4, ip6 and all do not count */
	cr_expect_eq(check(rrs, "192.0.2.1", "u@ip.example"), GD_SPF_PASS);
}

/* Include and redirect loops end at the term limit. */
Test(spf_eval, loops)
{
	static const struct tres_rr rrs[] = {
		{ "loop.example", TXT, "v=spf1 include:loop.example -all" },
		{ "r1.example", TXT, "v=spf1 redirect=r2.example" },
		{ "r2.example", TXT, "v=spf1 redirect=r1.example" },
		{ NULL, 0, NULL },
	};

	cr_expect_eq(check(rrs, "192.0.2.1", "u@loop.example"),
	    GD_SPF_PERMERROR);
	cr_expect_leq(t.queries, 2);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.1", "u@r1.example"),
	    GD_SPF_PERMERROR);
}

/* Section 4.6.4: a third void lookup is a permerror. */
Test(spf_eval, void_lookups)
{
	static const struct tres_rr rrs[] = {
		{ "two.example", TXT, "v=spf1 a:x1.two.example "
		    "exists:x2.two.example -all" },
		{ "three.example", TXT, "v=spf1 a:x1.two.example "
		    "mx:x2.two.example exists:x3.two.example -all" },
		{ "x2.two.example", TXT, "exists, but has no A or MX" },
		{ NULL, 0, NULL },
	};

	cr_expect_eq(check(rrs, "192.0.2.1", "u@two.example"), GD_SPF_FAIL);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.1", "u@three.example"),
	    GD_SPF_PERMERROR);
	cr_expect_str_eq(tc.o->problem, "more than 2 void lookups");
}

static struct tres_rr many_mx[40];

static void
fill_mx(unsigned n)
{
	static char names[20][32];
	unsigned i, k = 0;

	many_mx[k++] = (struct tres_rr){ "mx.example", TXT,
	    "v=spf1 mx -all" };
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "m%u.mx.example", i);
		many_mx[k++] = (struct tres_rr){ "mx.example", MX, names[i] };
		many_mx[k++] = (struct tres_rr){ names[i], A,
		    i + 1 == n ? "192.0.2.1" : "198.51.100.1" };
	}
	many_mx[k] = (struct tres_rr){ NULL, 0, NULL };
}

Test(spf_eval, ten_mx_names)
{
	fill_mx(10);
	cr_expect_eq(check(many_mx, "192.0.2.1", "u@mx.example"),
	    GD_SPF_PASS);
	teardown();
	fill_mx(11);
	cr_expect_eq(check(many_mx, "192.0.2.1", "u@mx.example"),
	    GD_SPF_PERMERROR);
	cr_expect_str_eq(tc.o->problem, "more than 10 MX names");
}

/* Only the first 10 PTR names are looked at (no error). */
Test(spf_eval, ten_ptr_names)
{
	static struct tres_rr rrs[40];
	static char names[12][32];
	unsigned i, k = 0;

	rrs[k++] = (struct tres_rr){ "ptr.example", TXT,
	    "v=spf1 ptr -all" };
	for (i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]), "h%u.ptr.example", i);
		rrs[k++] = (struct tres_rr){ "1.2.0.192.in-addr.arpa", PTR,
		    names[i] };
		rrs[k++] = (struct tres_rr){ names[i], A, i == 10 ?
		    "192.0.2.1" : "198.51.100.1" };
	}
	rrs[k] = (struct tres_rr){ NULL, 0, NULL };
	cr_expect_eq(check(rrs, "192.0.2.1", "u@ptr.example"), GD_SPF_FAIL);
	for (i = 0; i < t.nq; i++)
		cr_expect_neq(strcmp(t.q[i].name, "h10.ptr.example"), 0);
}

Test(spf_eval, multiple_records)
{
	static const struct tres_rr rrs[] = {
		{ "two.example", TXT, "v=spf1 +all" },
		{ "two.example", TXT, "v=spf1 -all" },
		{ NULL, 0, NULL },
	};

	cr_expect_eq(check(rrs, "192.0.2.1", "u@two.example"),
	    GD_SPF_PERMERROR);
	cr_expect_str_eq(tc.o->problem, "more than one SPF record");
}

Test(spf_eval, temperror)
{
	static const struct tres_rr rrs[] = {
		{ "t.example", TXT, "TEMPFAIL" },
		{ "ta.example", TXT, "v=spf1 a:x.ta.example -all" },
		{ "x.ta.example", A, "TEMPFAIL" },
		{ "tp.example", TXT, "v=spf1 ptr ip4:192.0.2.1 -all" },
		{ "1.2.0.192.in-addr.arpa", PTR, "TEMPFAIL" },
		{ NULL, 0, NULL },
	};

	cr_expect_eq(check(rrs, "192.0.2.1", "u@t.example"),
	    GD_SPF_TEMPERROR);
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.1", "u@ta.example"),
	    GD_SPF_TEMPERROR);
	teardown();
	/* a PTR lookup error is no match, not an error (section 5.5) */
	cr_expect_eq(check(rrs, "192.0.2.1", "u@tp.example"), GD_SPF_PASS);
}

/* A resolver that does not answer: the time limit gives temperror. */
Test(spf_eval, time_limit)
{
	static const struct tres_rr rrs[] = {
		{ "slow.example", TXT, "v=spf1 a:h.slow.example "
		    "a:h2.slow.example -all" },
		{ "h.slow.example", A, "HANG" },
		{ NULL, 0, NULL },
	};

	cr_expect_eq(check(rrs, "192.0.2.1", "u@slow.example"),
	    GD_SPF_TEMPERROR);
	cr_expect_eq(t.q[1].timeout, SPF_DEFAULT_TIMEOUT_MS);
	cr_expect_geq(t.now, SPF_DEFAULT_TIMEOUT_MS);
	cr_expect_eq(t.queries, 2);	/* h2 never asked */
}

Test(spf_eval, helo_and_null_sender)
{
	static const struct tres_rr rrs[] = {
		{ "helo.example", TXT, "v=spf1 ip4:192.0.2.1 exists:"
		    "%{l}.%{o}.x.example -all" },
		{ "postmaster.helo.example.x.example", A, "127.0.0.2" },
		{ NULL, 0, NULL },
	};

	memset(&t, 0, sizeof(t));
	t.rrs = rrs;
	cr_expect_eq(tres_check_run(&t, &tc, "192.0.2.1", "helo.example",
	    "someone@elsewhere.example", GD_SPF_ID_HELO), GD_SPF_PASS);
	cr_expect_str_eq(tc.o->identity_str, "helo");
	cr_expect_str_eq(tc.o->domain, "helo.example");
	teardown();
	/* null sender: postmaster@helo, checked as MAIL FROM */
	cr_expect_eq(check(rrs, "192.0.2.7", ""), GD_SPF_PASS);
	cr_expect_str_eq(tc.o->envelope_from, "postmaster@helo.example");
	cr_expect_str_eq(tc.o->identity_str, "mailfrom");
	teardown();
	/* no local part: postmaster */
	cr_expect_eq(check(rrs, "192.0.2.7", "@helo.example"), GD_SPF_PASS);
}

Test(spf_eval, explanation)
{
	static const struct tres_rr rrs[] = {
		{ "e.example", TXT, "v=spf1 -ip4:192.0.2.1 ~all "
		    "exp=why.e.example" },
		{ "why.e.example", TXT, "%{i} may not send for %{d} (%{c} "
		    "%{r})" },
		{ "ei.example", TXT, "v=spf1 include:e.example -all" },
		{ "er.example", TXT, "v=spf1 redirect=e.example "
		    "exp=no.er.example" },
		{ "bad.example", TXT, "v=spf1 -all exp=badexp.example" },
		{ "badexp.example", TXT, "one" },
		{ "badexp.example", TXT, "two" },
		{ NULL, 0, NULL },
	};

	cr_expect_eq(check(rrs, "192.0.2.1", "u@e.example"), GD_SPF_FAIL);
	cr_assert_not_null(tc.o->explanation);
	cr_expect_str_eq(tc.o->explanation, "192.0.2.1 may not send for "
	    "e.example (192.0.2.1 mx.test)");
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.2", "u@e.example"),
	    GD_SPF_SOFTFAIL);
	cr_expect_null(tc.o->explanation);
	teardown();
	/* an included record's exp= is not used */
	cr_expect_eq(check(rrs, "192.0.2.1", "u@ei.example"), GD_SPF_FAIL);
	cr_expect_null(tc.o->explanation);
	teardown();
	/* redirect: the target's exp=, not the original's */
	cr_expect_eq(check(rrs, "192.0.2.1", "u@er.example"), GD_SPF_FAIL);
	cr_assert_not_null(tc.o->explanation);
	cr_expect_str_eq(tc.o->explanation, "192.0.2.1 may not send for "
	    "e.example (192.0.2.1 mx.test)");
	teardown();
	cr_expect_eq(check(rrs, "192.0.2.1", "u@bad.example"), GD_SPF_FAIL);
	cr_expect_null(tc.o->explanation);
}

/* Deferred answers give the same results; MX hosts are asked at once. */
Test(spf_eval, asynchronous)
{
	unsigned inline_queries;

	fill_mx(10);
	cr_expect_eq(check(many_mx, "192.0.2.1", "u@mx.example"),
	    GD_SPF_PASS);
	inline_queries = t.queries;
	teardown();
	memset(&t, 0, sizeof(t));
	t.rrs = many_mx;
	t.deferred = true;
	cr_expect_eq(tres_check_run(&t, &tc, "192.0.2.1", "h.example",
	    "u@mx.example", GD_SPF_ID_MAILFROM), GD_SPF_PASS);
	cr_expect_eq(tc.done_calls, 1);
	cr_expect_eq(t.queries, inline_queries);
	cr_expect_eq(t.max_in_flight, 10);
	teardown();
	memset(&t, 0, sizeof(t));
	t.rrs = basic;
	t.deferred = true;
	cr_expect_eq(tres_check_run(&t, &tc, "203.0.113.6", "h.example",
	    "u@example.com", GD_SPF_ID_MAILFROM), GD_SPF_SOFTFAIL);
}

/* "x.example." and "x.example" are one question, asked once. */
Test(spf_eval, trailing_dots)
{
	static const struct tres_rr rrs[] = {
		{ "dot.example", TXT, "v=spf1 a:h.dot.example. "
		    "a:H.dot.example -all exp=why.dot.example." },
		{ "h.dot.example", A, "198.51.100.1" },
		{ "why.dot.example", TXT, "no" },
		{ NULL, 0, NULL },
	};

	memset(&t, 0, sizeof(t));
	t.rrs = rrs;
	t.deferred = true;
	cr_expect_eq(tres_check_run(&t, &tc, "192.0.2.1", "h.example",
	    "u@dot.example", GD_SPF_ID_MAILFROM), GD_SPF_FAIL);
	cr_expect_eq(t.queries, 3);
	cr_assert_not_null(tc.o->explanation);
	cr_expect_str_eq(tc.o->explanation, "no");
}

/* Freeing a running check cancels its queries; no callback follows. */
Test(spf_eval, cancel)
{
	struct gd_spf_request req = { "192.0.2.1", "h.example",
	    "u@mx.example", GD_SPF_ID_MAILFROM, NULL, 0, 0 };
	bool fin = true;

	fill_mx(10);
	memset(&t, 0, sizeof(t));
	t.rrs = many_mx;
	t.deferred = true;
	memset(&tc, 0, sizeof(tc));
	tc.check = spf_check_start(&tres_ops, &t, &req, tres_done, &tc,
	    &fin);
	cr_assert_not_null(tc.check);
	cr_expect_not(fin);
	tres_run(&t, 2);		/* TXT, MX: now 10 A in flight */
	cr_expect_null(spf_check_outcome(tc.check));
	spf_check_free(tc.check);
	tc.check = NULL;
	cr_expect_eq(t.cancels, 10);
	cr_expect_eq(tres_run(&t, 100), 0);
	cr_expect_eq(tc.done_calls, 0);
	req.ip = "not an address";
	cr_expect_null(spf_check_start(&tres_ops, &t, &req, tres_done, &tc,
	    &fin));
}

Test(spf_eval, received_spf_field)
{
	char buf[1024], small[16];
	size_t n;
	char *line;

	cr_expect_eq(check(basic, "192.0.2.44", "u@example.com"),
	    GD_SPF_PASS);
	n = spf_received_field(tc.o, buf, sizeof(buf));
	cr_assert_lt(n, sizeof(buf));
	cr_expect_eq(strlen(buf), n);
	cr_expect_eq(strncmp(buf, "pass (mx.test: domain of u@example.com "
	    "designates 192.0.2.44 as permitted sender)", 40), 0, "%s", buf);
	cr_expect_not_null(strstr(buf, "client-ip=192.0.2.44;"));
	cr_expect_not_null(strstr(buf, "envelope-from=\"u@example.com\";"));
	cr_expect_not_null(strstr(buf, "helo=helo.example;"));
	cr_expect_not_null(strstr(buf, "receiver=mx.test;"));
	cr_expect_not_null(strstr(buf, "identity=mailfrom;"));
	cr_expect_not_null(strstr(buf, "mechanism=\"ip4:192.0.2.0/24\""));
	/* folded: CRLF SP, every line under 78 octets with the name */
	for (line = buf; line != NULL; line = strstr(line, "\r\n")) {
		size_t len;

		if (line != buf)
			line += 2;
		len = strcspn(line, "\r");
		cr_expect_leq(len + (line == buf ? 14 : 0), 78, "%s", line);
		if (line != buf)
			cr_expect_eq(line[0], ' ');
		if (line[len] == '\0')
			break;
	}
	cr_expect_eq(spf_received_field(tc.o, small, sizeof(small)), n);
	cr_expect_eq(strlen(small), sizeof(small) - 1);
	teardown();
	cr_expect_eq(check(basic, "192.0.2.1", "u@nodots"), GD_SPF_NONE);
	spf_received_field(tc.o, buf, sizeof(buf));
	cr_expect_eq(strncmp(buf, "none (", 6), 0, "%s", buf);
	cr_expect_str_eq(spf_result_str(GD_SPF_PERMERROR), "permerror");
	cr_expect_str_eq(spf_result_str((enum gd_spf_result)99), "unknown");
}
