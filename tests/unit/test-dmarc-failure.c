/*
 * test-dmarc-failure.c — failure reports (modules/dmarc/dmarc-failure.c):
 * which fo= values ask for a report for which outcome, and the RFC 5965
 * multipart/report with its RFC 6591 feedback part: the fields, the
 * three parts in order, the original header carried, hostile values
 * kept on one line.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc-failure.h"

static struct gd_dmarc_outcome
outcome(enum gd_dmarc_result r, bool spf_al, bool dkim_al)
{
	struct gd_dmarc_outcome o;

	memset(&o, 0, sizeof(o));
	o.result = r;
	o.has_record = true;
	o.spf_aligned = spf_al;
	o.dkim_aligned = dkim_al;
	return o;
}

Test(dmarc_failure, fo_selection)
{
	struct gd_dmarc_dkim_sig bad = { GD_DMARC_AUTH_FAIL, "x.example", "s",
	    "b" };
	struct gd_dmarc_input in = { .spf = GD_DMARC_AUTH_PASS };
	struct gd_dmarc_outcome fail = outcome(GD_DMARC_FAIL, false, false);
	struct gd_dmarc_outcome half = outcome(GD_DMARC_PASS, true, false);
	struct gd_dmarc_outcome pass = outcome(GD_DMARC_PASS, true, true);
	struct gd_dmarc_outcome temp = outcome(GD_DMARC_TEMPERROR, false,
	    false);

	cr_expect_eq(dmarc_failure_wanted(0, &in, &fail), DMARC_FAILURE_DMARC,
	    "fo=0 (default): nothing aligned passed");
	cr_expect_eq(dmarc_failure_wanted(0, &in, &half), DMARC_FAILURE_NONE,
	    "fo=0: SPF aligned pass is enough");
	cr_expect_eq(dmarc_failure_wanted(GD_DMARC_FO_1, &in, &half),
	    DMARC_FAILURE_DMARC, "fo=1: any aligned failure");
	cr_expect_eq(dmarc_failure_wanted(GD_DMARC_FO_1, &in, &pass),
	    DMARC_FAILURE_NONE);
	cr_expect_eq(dmarc_failure_wanted(GD_DMARC_FO_D, &in, &pass),
	    DMARC_FAILURE_NONE, "fo=d without a failed signature");
	in.dkim = &bad;
	in.ndkim = 1;
	cr_expect_eq(dmarc_failure_wanted(GD_DMARC_FO_D, &in, &pass),
	    DMARC_FAILURE_DKIM, "fo=d: a signature failed, DMARC passed");
	cr_expect_eq(dmarc_failure_wanted(GD_DMARC_FO_S, &in, &pass),
	    DMARC_FAILURE_NONE);
	in.spf = GD_DMARC_AUTH_FAIL;
	cr_expect_eq(dmarc_failure_wanted(GD_DMARC_FO_S, &in, &pass),
	    DMARC_FAILURE_SPF, "fo=s: SPF failed");
	cr_expect_eq(dmarc_failure_wanted(GD_DMARC_FO_D | GD_DMARC_FO_S, &in,
	    &pass), DMARC_FAILURE_DKIM, "fo=d:s: DKIM reported first");
	cr_expect_eq(dmarc_failure_wanted(GD_DMARC_FO_1, &in, &temp),
	    DMARC_FAILURE_NONE, "no report on temperror");
	fail.has_record = false;
	cr_expect_eq(dmarc_failure_wanted(GD_DMARC_FO_1, &in, &fail),
	    DMARC_FAILURE_NONE, "no record, no ruf=");
}

Test(dmarc_failure, message)
{
	static const char head[] = "From: a@example.org\r\nSubject: hi\r\n";
	struct dmarc_failure_msg m = {
		.reporter = "dmarc@mx.test", .to = "mailto:ruf@example.org",
		.user_agent = "gumdrop/1.0", .message_id = "id1@mx.test",
		.boundary = "b-1234", .kind = DMARC_FAILURE_DMARC,
		.from_domain = "example.org", .source_ip = "192.0.2.1",
		.mail_from = "bounce@x.example",
		.auth_results = "mx.test; dmarc=fail\r\nInjected: yes",
		.dkim_domain = "example.org", .dkim_selector = "sel",
		.arrival = 1796083200, .header = head,
		.header_len = sizeof(head) - 1,
	};
	struct dmarc_buf b = { 0 };
	const char *human, *fb, *hdr;

	cr_assert_eq(dmarc_failure_build(&b, &m), 0);
	cr_expect(strncmp(b.p, "From: <dmarc@mx.test>\r\nTo: "
	    "<ruf@example.org>\r\n", 45) == 0, "%s", b.p);
	cr_expect(strstr(b.p, "Content-Type: multipart/report; "
	    "report-type=feedback-report;\r\n\tboundary=\"b-1234\"") != NULL);
	human = strstr(b.p, "\r\n--b-1234\r\nContent-Type: text/plain");
	fb = strstr(b.p, "\r\n--b-1234\r\nContent-Type: "
	    "message/feedback-report\r\n\r\nFeedback-Type: auth-failure\r\n"
	    "User-Agent: gumdrop/1.0\r\nVersion: 1\r\n"
	    "Auth-Failure: dmarc\r\n"
	    "Original-Mail-From: <bounce@x.example>\r\n"
	    "Arrival-Date: Tue, 01 Dec 2026 00:00:00 +0000\r\n"
	    "Source-IP: 192.0.2.1\r\nReported-Domain: example.org\r\n"
	    "Authentication-Results: mx.test; dmarc=fail  Injected: yes\r\n"
	    "DKIM-Domain: example.org\r\nDKIM-Selector: sel\r\n");
	hdr = strstr(b.p, "\r\n--b-1234\r\nContent-Type: text/rfc822-headers"
	    "\r\n\r\nFrom: a@example.org\r\nSubject: hi\r\n\r\n--b-1234--\r\n");
	cr_expect_not_null(human, "human part");
	cr_expect_not_null(fb, "feedback part with every field: %s", b.p);
	cr_expect_not_null(hdr, "original header part, closing boundary");
	cr_expect(human < fb && fb < hdr, "parts in RFC 6522 order");
	cr_expect_null(strstr(b.p, "\r\nInjected"), "no injected field");
	dmarc_buf_free(&b);
}

Test(dmarc_failure, null_sender_and_truncation)
{
	struct dmarc_failure_msg m = {
		.reporter = "r@mx.test", .to = "ruf@example.org",
		.user_agent = "g", .message_id = "i@mx.test", .boundary = "B",
		.kind = DMARC_FAILURE_SPF, .from_domain = "example.org",
		.source_ip = "2001:db8::1", .auth_results = "mx.test; spf=fail",
		.dkim_domain = "example.org", .arrival = 0, .header = "",
		.truncated = true,
	};
	struct dmarc_buf b = { 0 };

	cr_assert_eq(dmarc_failure_build(&b, &m), 0);
	cr_expect(strstr(b.p, "Original-Mail-From: <>\r\n") != NULL);
	cr_expect(strstr(b.p, "Auth-Failure: spf\r\n") != NULL);
	cr_expect(strstr(b.p, "To: <ruf@example.org>\r\n") != NULL);
	cr_expect_null(strstr(b.p, "DKIM-Domain"), "no DKIM fields for spf");
	cr_expect(strstr(b.p, "cut at 64 KiB") != NULL, "truncation said");
	dmarc_buf_free(&b);
}
