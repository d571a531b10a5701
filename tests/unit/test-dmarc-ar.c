/*
 * test-dmarc-ar.c — the Authentication-Results value (modules/dmarc/
 * dmarc-ar.c, RFC 8601): the exact text for typical outcomes, quoting
 * of values that are not tokens, hostile input kept to one field, and
 * the buffer bound.
 */
#include <criterion/criterion.h>

#include "dmarc-engine.h"

static struct gd_dmarc_outcome
outcome(enum gd_dmarc_result r, const char *from)
{
	struct gd_dmarc_outcome o;

	memset(&o, 0, sizeof(o));
	o.result = r;
	o.from_domain = from;
	return o;
}

Test(dmarc_ar, pass_with_everything)
{
	struct gd_dmarc_dkim_sig sigs[] = {
		{ GD_DMARC_AUTH_PASS, "example.com", "sel1",
		    "AbCdEfGhIjKlMnOp" },
		{ GD_DMARC_AUTH_FAIL, "other.example", "s2", "zzzzzzzzzz" },
	};
	struct gd_dmarc_input in = {
		.mail_from_domain = "example.com", .helo = "mx.example.com",
		.spf = GD_DMARC_AUTH_PASS, .ndkim = 2, .dkim = sigs,
	};
	struct gd_dmarc_outcome o = outcome(GD_DMARC_PASS, "example.com");
	char buf[512];

	o.has_record = true;
	o.policy = GD_DMARC_POLICY_REJECT;
	cr_assert_gt(dmarc_auth_results(buf, sizeof(buf), "mx.test", &in, &o),
	    0);
	cr_expect_str_eq(buf, "mx.test;\r\n"
	    "\tspf=pass smtp.mailfrom=example.com;\r\n"
	    "\tdkim=pass header.d=example.com header.s=sel1 header.b=AbCdEfGh;"
	    "\r\n"
	    "\tdkim=fail header.d=other.example header.s=s2 header.b=zzzzzzzz;"
	    "\r\n"
	    "\tdmarc=pass (p=reject dis=none) header.from=example.com");
}

Test(dmarc_ar, nothing_known)
{
	struct gd_dmarc_input in = { .mail_from_domain = NULL, .helo = NULL };
	struct gd_dmarc_outcome o = outcome(GD_DMARC_PERMERROR, NULL);
	char buf[256];
	int n;

	n = dmarc_auth_results(buf, sizeof(buf), "mx.test", &in, &o);
	cr_expect_str_eq(buf, "mx.test;\r\n\tspf=none;\r\n\tdkim=none;\r\n"
	    "\tdmarc=permerror");
	cr_expect_eq(n, (int)strlen(buf));
}

Test(dmarc_ar, null_sender_fail_quarantine)
{
	struct gd_dmarc_input in = {
		.mail_from_domain = "", .helo = "helo.example",
		.spf = GD_DMARC_AUTH_SOFTFAIL,
	};
	struct gd_dmarc_outcome o = outcome(GD_DMARC_FAIL, "example.org");
	char buf[256];

	o.has_record = true;
	o.policy = GD_DMARC_POLICY_REJECT;
	o.disposition = GD_DMARC_POLICY_QUARANTINE;
	cr_assert_gt(dmarc_auth_results(buf, sizeof(buf), "mx.test", &in, &o),
	    0);
	cr_expect_str_eq(buf, "mx.test;\r\n"
	    "\tspf=softfail smtp.helo=helo.example;"
	    "\r\n\tdkim=none;\r\n"
	    "\tdmarc=fail (p=reject dis=quarantine) header.from=example.org");
}

Test(dmarc_ar, quoting_and_hostile_values)
{
	struct gd_dmarc_dkim_sig s = { GD_DMARC_AUTH_PASS, "a\r\nX-Evil: 1",
	    "se\"l", "ab/=+cdefgh" };
	struct gd_dmarc_input in = {
		.mail_from_domain = "x;y", .spf = GD_DMARC_AUTH_FAIL,
		.ndkim = 1, .dkim = &s,
	};
	struct gd_dmarc_outcome o = outcome(GD_DMARC_NONE, "example.org");
	char buf[512];

	cr_assert_gt(dmarc_auth_results(buf, sizeof(buf), "my server", &in,
	    &o), 0);
	cr_expect_str_eq(buf, "\"my server\";\r\n"
	    "\tspf=fail smtp.mailfrom=\"x;y\";\r\n"
	    "\tdkim=pass header.d=\"aX-Evil: 1\" header.s=\"se\\\"l\" "
	    "header.b=\"ab/=+cde\";\r\n"
	    "\tdmarc=none header.from=example.org");
	/* every CR is followed by LF TAB: one folded field */
	for (const char *p = buf; (p = strchr(p, '\r')) != NULL; p++)
		cr_expect(p[1] == '\n' && p[2] == '\t');
}

Test(dmarc_ar, bounded)
{
	struct gd_dmarc_input in = { .mail_from_domain = "example.com",
	    .spf = GD_DMARC_AUTH_PASS };
	struct gd_dmarc_outcome o = outcome(GD_DMARC_NONE, "example.com");
	char buf[256];
	int full, n;
	size_t sz;

	full = dmarc_auth_results(buf, sizeof(buf), "mx.test", &in, &o);
	cr_assert_gt(full, 0);
	for (sz = 0; sz <= (size_t)full; sz++) {
		n = dmarc_auth_results(buf, sz, "mx.test", &in, &o);
		cr_expect_eq(n, -1, "size %zu", sz);
		if (sz > 0)
			cr_expect_str_empty(buf);
	}
	cr_expect_eq(dmarc_auth_results(buf, (size_t)full + 1, "mx.test", &in,
	    &o), full);
}
