/*
 * test-dkim-verify.c — the verifier: RFC 8463 Appendix A (both
 * signatures, keys from table DNS answers, any split, answers inline or
 * later), tampered header and body, DNS failures, key record rules,
 * several signatures and the maximum, l= and its policy, t= and x=,
 * rsa-sha1 and short RSA keys (RFC 8301).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dkim-test-util.h"

#define RFC8463_NOW	1528637909

static const struct gd_dkim_verify_opts rfc_opts = { .now = RFC8463_NOW };

static char *
replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	char *r;

	cr_assert_not_null(p, "\"%s\" not in the message", from);
	r = malloc(strlen(s) - strlen(from) + strlen(to) + 1);
	memcpy(r, s, (size_t)(p - s));
	strcpy(r + (p - s), to);
	strcat(r, p + strlen(from));
	return r;
}

static void
check_rfc8463(size_t step, bool deferred)
{
	struct dkim_test_dns d = { rfc8463_rrs, 2, deferred, .npend = 0 };
	struct gd_dkim_dns_ops ops;
	struct gd_dkim_verifier *v;
	const struct gd_dkim_sig_result *r;
	size_t n;

	v = dkim_test_run(RFC8463_MSG, step, &rfc_opts, &d, &ops);
	r = dkim_verify_results(v, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(r[0].result, GD_DKIM_PASS, "ed25519: %s", r[0].reason);
	cr_assert_eq(r[1].result, GD_DKIM_PASS, "rsa: %s", r[1].reason);
	cr_assert_str_eq(r[0].domain, "football.example.com");
	cr_assert_str_eq(r[0].selector, "brisbane");
	cr_assert_str_eq(r[0].algorithm, "ed25519-sha256");
	cr_assert_str_eq(r[0].auid, "@football.example.com");
	cr_assert_str_eq(r[0].b_prefix, "/gCrinpcQOoI");
	cr_assert_str_eq(r[1].selector, "test");
	cr_assert_eq(r[1].key_bits, 1024);
	cr_assert_eq(d.queries, 2);
	dkim_verify_destroy(&v);
}

Test(dkim_verify, rfc8463_appendix_a)
{
	check_rfc8463(100000, false);
	check_rfc8463(1, false);
	check_rfc8463(7, true);
}

/* The same message with LF line ends (a file) verifies too. */
Test(dkim_verify, rfc8463_lf_line_ends)
{
	struct dkim_test_dns d = { rfc8463_rrs, 2, false, .npend = 0 };
	struct gd_dkim_dns_ops ops;
	struct gd_dkim_verifier *v;
	const struct gd_dkim_sig_result *r;
	char *msg = strdup(RFC8463_MSG), *p, *q;
	size_t n;

	for (p = q = msg; *p != '\0'; p++)
		if (*p != '\r')
			*q++ = *p;
	*q = '\0';
	v = dkim_test_run(msg, 3, &rfc_opts, &d, &ops);
	r = dkim_verify_results(v, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(r[0].result, GD_DKIM_PASS, "%s", r[0].reason);
	cr_assert_eq(r[1].result, GD_DKIM_PASS, "%s", r[1].reason);
	dkim_verify_destroy(&v);
	free(msg);
}

static void
expect_both(const char *msg, const struct dkim_test_rr *rrs, size_t nrrs,
    enum gd_dkim_result want, const char *reason)
{
	struct dkim_test_dns d = { rrs, nrrs, false, .npend = 0 };
	struct gd_dkim_dns_ops ops;
	struct gd_dkim_verifier *v;
	const struct gd_dkim_sig_result *r;
	size_t n, i;

	v = dkim_test_run(msg, 5, &rfc_opts, &d, &ops);
	r = dkim_verify_results(v, &n);
	cr_assert_eq(n, 2);
	for (i = 0; i < 2; i++) {
		cr_expect_eq(r[i].result, want, "sig %zu: %s (%s)", i,
		    dkim_result_name(r[i].result), r[i].reason);
		if (reason != NULL)
			cr_expect_str_eq(r[i].reason, reason);
	}
	dkim_verify_destroy(&v);
}

Test(dkim_verify, tampered_body_and_header)
{
	char *m;

	m = replace(RFC8463_MSG, "hungry", "thirsty");
	expect_both(m, rfc8463_rrs, 2, GD_DKIM_FAIL, "body hash mismatch");
	free(m);
	m = replace(RFC8463_MSG, "Is dinner ready?", "Is lunch ready?");
	expect_both(m, rfc8463_rrs, 2, GD_DKIM_FAIL,
	    "signature did not verify");
	free(m);
	/* Relaxed: whitespace changes in the header are harmless. */
	m = replace(RFC8463_MSG, "Subject: Is", "SUBJECT:   Is");
	expect_both(m, rfc8463_rrs, 2, GD_DKIM_PASS, NULL);
	free(m);
	/* An added From above the signed one: the bottom-up choice still
	 * picks the signed one, oversigning catches the extra (h= names
	 * From twice, so the new one is hashed). */
	m = replace(RFC8463_MSG, "From: Joe", "From: Evil <e@evil.example>"
	    "\r\nFrom: Joe");
	expect_both(m, rfc8463_rrs, 2, GD_DKIM_FAIL, NULL);
	free(m);
	/* Trailing empty lines added to the body: still passes. */
	m = replace(RFC8463_MSG, "Joe.\r\n", "Joe.\r\n\r\n\r\n");
	expect_both(m, rfc8463_rrs, 2, GD_DKIM_PASS, NULL);
	free(m);
}

Test(dkim_verify, dns_outcomes)
{
	static const struct dkim_test_rr temp[] = {
		{ "brisbane._domainkey.football.example.com",
		    GD_DKIM_DNS_TEMPFAIL, NULL, NULL },
		{ "test._domainkey.football.example.com",
		    GD_DKIM_DNS_TEMPFAIL, NULL, NULL },
	};
	static const struct dkim_test_rr revoked[] = {
		{ "brisbane._domainkey.football.example.com", GD_DKIM_DNS_OK,
		    "v=DKIM1; k=ed25519; p=", NULL },
		{ "test._domainkey.football.example.com", GD_DKIM_DNS_OK,
		    "v=DKIM1; p=", NULL },
	};
	static const struct dkim_test_rr junk_first[] = {
		{ "brisbane._domainkey.football.example.com", GD_DKIM_DNS_OK,
		    "v=spf1 -all", RFC8463_ED_REC },
		{ "test._domainkey.football.example.com", GD_DKIM_DNS_OK,
		    "hello", RFC8463_RSA_REC },
	};

	expect_both(RFC8463_MSG, temp, 2, GD_DKIM_TEMPERROR,
	    "key lookup failed");
	expect_both(RFC8463_MSG, NULL, 0, GD_DKIM_PERMERROR,
	    "no key for signature");
	expect_both(RFC8463_MSG, revoked, 2, GD_DKIM_PERMERROR,
	    "key revoked");
	expect_both(RFC8463_MSG, junk_first, 2, GD_DKIM_PASS, NULL);
}

Test(dkim_verify, key_rules)
{
	static const struct dkim_test_rr swapped[] = {
		{ "brisbane._domainkey.football.example.com", GD_DKIM_DNS_OK,
		    RFC8463_RSA_REC, NULL },
		{ "test._domainkey.football.example.com", GD_DKIM_DNS_OK,
		    RFC8463_ED_REC, NULL },
	};
	static const struct dkim_test_rr sha1only[] = {
		{ "brisbane._domainkey.football.example.com", GD_DKIM_DNS_OK,
		    "v=DKIM1; h=sha1; k=ed25519; "
		    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", NULL },
		{ "test._domainkey.football.example.com", GD_DKIM_DNS_OK,
		    "v=DKIM1; s=tlsrpt; p=AAAA", NULL },
	};

	expect_both(RFC8463_MSG, swapped, 2, GD_DKIM_PERMERROR, NULL);
	expect_both(RFC8463_MSG, sha1only, 2, GD_DKIM_PERMERROR, NULL);
}

Test(dkim_verify, unsigned_message)
{
	struct dkim_test_dns d = { NULL, 0, false, .npend = 0 };
	struct gd_dkim_dns_ops ops;
	struct gd_dkim_verifier *v;
	size_t n;

	v = dkim_test_run(RFC8463_HEADER RFC8463_BODY, 1, NULL, &d, &ops);
	dkim_verify_results(v, &n);
	cr_assert_eq(n, 0);
	cr_assert_eq(d.queries, 0);
	dkim_verify_destroy(&v);
}

Test(dkim_verify, sha1_refused_without_lookup)
{
	struct dkim_test_dns d = { rfc8463_rrs, 2, false, .npend = 0 };
	struct gd_dkim_dns_ops ops;
	struct gd_dkim_verifier *v;
	const struct gd_dkim_sig_result *r;
	char *m;
	size_t n;

	m = replace(RFC8463_MSG, "a=rsa-sha256; c=relaxed/relaxed;\r\n"
	    " d=football.example.com; i=@football.example.com;\r\n"
	    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
	    " date : message-id : from : subject : date;\r\n"
	    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
	    "a=rsa-sha1; c=relaxed/relaxed;\r\n"
	    " d=football.example.com; s=test; h=from;\r\n"
	    " bh=AAAAAAAAAAAAAAAAAAAAAAAAAAA=;");
	v = dkim_test_run(m, 64, &rfc_opts, &d, &ops);
	r = dkim_verify_results(v, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(r[0].result, GD_DKIM_PASS);
	cr_assert_eq(r[1].result, GD_DKIM_PERMERROR);
	cr_assert_str_eq(r[1].reason, "rsa-sha1 not accepted (RFC 8301)");
	cr_assert_eq(d.queries, 1);
	dkim_verify_destroy(&v);
	free(m);
}

Test(dkim_verify, maximum_and_malformed_signatures)
{
	struct dkim_test_dns d = { rfc8463_rrs, 2, false, .npend = 0 };
	struct gd_dkim_verify_opts o = { .now = RFC8463_NOW,
	    .max_signatures = 4 };
	struct gd_dkim_dns_ops ops;
	struct gd_dkim_verifier *v;
	const struct gd_dkim_sig_result *r;
	char msg[4096];
	size_t n;

	snprintf(msg, sizeof(msg), "%s%s%s%s%s%s",
	    "DKIM-Signature: v=1; a=rsa-sha256; d=x.example; s=a; garbage\r\n",
	    "DKIM-Signature: v=1; a=rsa-sha256; d=X.example; s=a; h=from\r\n",
	    RFC8463_ED_SIG, RFC8463_RSA_SIG, RFC8463_ED_SIG,
	    RFC8463_HEADER RFC8463_BODY);
	v = dkim_test_run(msg, 11, &o, &d, &ops);
	r = dkim_verify_results(v, &n);
	cr_assert_eq(n, 4);
	cr_assert_eq(r[0].result, GD_DKIM_NEUTRAL);
	cr_assert_str_eq(r[0].domain, "");	/* no tag list to trust */
	cr_assert_eq(r[1].result, GD_DKIM_NEUTRAL);
	cr_assert_str_eq(r[1].domain, "x.example");
	cr_assert_str_eq(r[1].reason, "required tag missing");
	cr_assert_eq(r[2].result, GD_DKIM_PASS);
	cr_assert_eq(r[3].result, GD_DKIM_PASS);
	cr_assert_eq(d.queries, 2);
	dkim_verify_destroy(&v);
}

/* Destroying a verifier with lookups outstanding cancels them. */
Test(dkim_verify, destroy_cancels)
{
	struct dkim_test_dns d = { rfc8463_rrs, 2, true, .npend = 0 };
	struct gd_dkim_dns_ops ops = dkim_test_ops(&d);
	struct gd_dkim_verifier *v = dkim_verify_create(&rfc_opts, &ops);

	dkim_verify_write(v, RFC8463_MSG, strlen(RFC8463_MSG));
	cr_assert_eq(dkim_verify_finish(v, NULL, NULL), 0);
	dkim_verify_destroy(&v);
	cr_assert_eq(d.cancels, 2);
	dkim_test_dns_flush(&d);	/* nothing runs */
}

static int done_calls;

static void
count_done(void *arg)
{
	(void)arg;
	done_calls++;
}

Test(dkim_verify, done_once_when_pending)
{
	struct dkim_test_dns d = { rfc8463_rrs, 2, true, .npend = 0 };
	struct gd_dkim_dns_ops ops = dkim_test_ops(&d);
	struct gd_dkim_verifier *v = dkim_verify_create(&rfc_opts, &ops);
	size_t n;

	dkim_verify_write(v, RFC8463_MSG, strlen(RFC8463_MSG));
	cr_assert_eq(dkim_verify_finish(v, count_done, NULL), 0);
	dkim_verify_results(v, &n);
	cr_assert_eq(n, 0);
	dkim_test_dns_flush(&d);
	cr_assert_eq(done_calls, 1);
	dkim_verify_results(v, &n);
	cr_assert_eq(n, 2);
	dkim_verify_destroy(&v);
}
