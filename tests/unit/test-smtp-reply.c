/*
 * test-smtp-reply.c — the reply formatter (single and multi-line, the
 * enhanced code, CR/LF injection, wrapping under 512 octets, truncation),
 * the enhanced-code check, the error record, and the Received: builder
 * (RFC 5321 4.4, RFC 3848 / 6531 "with" types, folding at 78).
 */
#include "config.h"

#include <string.h>

#include <criterion/criterion.h>

#include "smtp-parse.h"

static char buf[4096];

Test(reply, single_line)
{
	size_t n;

	n = smtp_reply_format1(buf, sizeof(buf), 250, "2.1.0", "Sender OK");
	cr_assert_str_eq(buf, "250 2.1.0 Sender OK\r\n");
	cr_assert_eq(n, strlen(buf));
	smtp_reply_format1(buf, sizeof(buf), 220, NULL, "mx.example ESMTP");
	cr_assert_str_eq(buf, "220 mx.example ESMTP\r\n");
	smtp_reply_format1(buf, sizeof(buf), 354, NULL, NULL);
	cr_assert_str_eq(buf, "354 \r\n");
	smtp_reply_format1(buf, sizeof(buf), 250, "2.0.0", NULL);
	cr_assert_str_eq(buf, "250 2.0.0\r\n");
}

Test(reply, multi_line_ehlo)
{
	static const char *const lines[] = { "mx.example", "PIPELINING",
	    "SIZE 1000", "8BITMIME" };

	smtp_reply_format(buf, sizeof(buf), 250, NULL, lines, 4);
	cr_assert_str_eq(buf, "250-mx.example\r\n250-PIPELINING\r\n"
	    "250-SIZE 1000\r\n250 8BITMIME\r\n");
	smtp_reply_format(buf, sizeof(buf), 550, "5.7.1", lines, 2);
	cr_assert_str_eq(buf, "550-5.7.1 mx.example\r\n550 5.7.1 PIPELINING\r\n");
}

Test(reply, no_injection)
{
	smtp_reply_format1(buf, sizeof(buf), 550, "5.1.1",
	    "no such user\r\n250 OK\n\x01\xc3\xa9");
	cr_assert_str_eq(buf, "550 5.1.1 no such user  250 OK  ??\r\n");
	cr_assert_eq(strchr(buf, '\r'), buf + strlen(buf) - 2);
}

Test(reply, long_text_wrapped)
{
	char text[2000];
	const char *p, *e;
	size_t i, lines = 0;

	for (i = 0; i < sizeof(text) - 1; i++)
		text[i] = i % 10 == 9 ? ' ' : 'w';
	text[sizeof(text) - 1] = '\0';
	smtp_reply_format1(buf, sizeof(buf), 250, "2.0.0", text);
	for (p = buf; *p != '\0'; p = e + 2) {
		e = strstr(p, "\r\n");
		cr_assert_not_null(e);
		cr_assert_leq(e - p + 2, SMTP_REPLY_LINE_MAX);
		cr_assert_eq(strncmp(p, e[2] == '\0' ? "250 2.0.0 " :
		    "250-2.0.0 ", 10), 0, "%.20s", p);
		lines++;
	}
	cr_assert_geq(lines, 4);
	/* No space of a line vanishes except at a cut. */
	memset(text, 'x', sizeof(text) - 1);
	smtp_reply_format1(buf, sizeof(buf), 250, NULL, text);
	cr_assert_eq(strlen(buf), 1999 + 4 * 5 + 2 * 5);
}

Test(reply, truncated_like_snprintf)
{
	char small[16];
	size_t n;

	n = smtp_reply_format1(small, sizeof(small), 250, "2.0.0",
	    "a rather long text");
	cr_assert_eq(n, strlen("250 2.0.0 a rather long text\r\n"));
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(strncmp(small, "250 2.0.0 a rat", 15), 0);
}

Test(reply, error_record)
{
	struct smtp_error e;

	cr_assert_eq(smtp_error_set(&e, 501, "5.5.4", "Bad %s\r\n", "x"), -1);
	cr_assert_str_eq(e.text, "Bad x??");
	smtp_reply_error(buf, sizeof(buf), &e, true);
	cr_assert_str_eq(buf, "501 5.5.4 Bad x??\r\n");
	smtp_reply_error(buf, sizeof(buf), &e, false);
	cr_assert_str_eq(buf, "501 Bad x??\r\n");
}

Test(reply, enhanced_valid)
{
	cr_assert(smtp_enhanced_valid("2.0.0", 250));
	cr_assert(smtp_enhanced_valid("5.7.10", 530));
	cr_assert(smtp_enhanced_valid("4.999.999", 451));
	cr_assert(!smtp_enhanced_valid("5.0.0", 250));
	cr_assert(!smtp_enhanced_valid("3.0.0", 354));
	cr_assert(!smtp_enhanced_valid("5.01.0", 550));
	cr_assert(!smtp_enhanced_valid("5.1000.0", 550));
	cr_assert(!smtp_enhanced_valid("5.1", 550));
	cr_assert(!smtp_enhanced_valid("5.1.1 ", 550));
	cr_assert(!smtp_enhanced_valid(NULL, 550));
}

Test(received, with_types)
{
	cr_assert_str_eq(smtp_received_with(0), "SMTP");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_ESMTP), "ESMTP");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_ESMTP | SMTP_WITH_AUTH),
	    "ESMTPA");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_ESMTP | SMTP_WITH_TLS),
	    "ESMTPS");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_ESMTP | SMTP_WITH_TLS |
	    SMTP_WITH_AUTH), "ESMTPSA");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_LMTP), "LMTP");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_LMTP | SMTP_WITH_AUTH),
	    "LMTPA");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_LMTP | SMTP_WITH_TLS),
	    "LMTPS");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_LMTP | SMTP_WITH_TLS |
	    SMTP_WITH_AUTH), "LMTPSA");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_ESMTP | SMTP_WITH_UTF8),
	    "UTF8SMTP");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_ESMTP | SMTP_WITH_UTF8 |
	    SMTP_WITH_TLS | SMTP_WITH_AUTH), "UTF8SMTPSA");
	cr_assert_str_eq(smtp_received_with(SMTP_WITH_LMTP | SMTP_WITH_UTF8 |
	    SMTP_WITH_TLS), "UTF8LMTPS");
}

static void
assert_folded(const char *f)
{
	const char *p, *e;

	cr_assert_eq(strncmp(f, "Received: from ", 15), 0, "%s", f);
	for (p = f; *p != '\0'; p = e + 2) {
		e = strstr(p, "\r\n");
		cr_assert_not_null(e, "no CRLF in %s", p);
		cr_assert_leq(e - p, 78, "line too long: %.*s", (int)(e - p),
		    p);
		if (p != f)
			cr_assert_eq(*p, '\t');
		cr_assert_eq(memchr(p, '\n', (size_t)(e - p)), NULL);
		cr_assert_eq(memchr(p, '\r', (size_t)(e - p)), NULL);
	}
}

Test(received, full_field)
{
	struct smtp_received r = {
		.helo = "client.example", .client_rdns = "mail.client.example",
		.client_addr = "192.0.2.7", .by_host = "mx.example.org",
		.with = SMTP_WITH_ESMTP | SMTP_WITH_TLS,
		.tls_version = "TLS1.3",
		.tls_cipher = "TLS_AES_256_GCM_SHA384", .tls_bits = 256,
		.queue_id = "4Fq2kX0abc", .rcpt = "demo@example.test",
		.rcpt_count = 1, .when = 1700000000, .tz_minutes = 60,
	};
	char unfolded[1024];
	size_t i, j;

	smtp_received_build(buf, sizeof(buf), &r);
	assert_folded(buf);
	for (i = j = 0; buf[i] != '\0'; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\t') {
			unfolded[j++] = ' ';
			i += 2;
		} else
			unfolded[j++] = buf[i];
	unfolded[j] = '\0';
	cr_assert_str_eq(unfolded, "Received: from client.example "
	    "(mail.client.example [192.0.2.7]) by mx.example.org (Gumdrop) "
	    "with ESMTPS (using TLS1.3 with cipher TLS_AES_256_GCM_SHA384 "
	    "(256 bits)) id 4Fq2kX0abc for <demo@example.test>; "
	    "Tue, 14 Nov 2023 23:13:20 +0100\r\n");
}

Test(received, unix_socket_peer_has_no_literal)
{
	struct smtp_received r = {
		.helo = "mta.example", .client_addr = "unix",
		.by_host = "mx.example.org", .with = SMTP_WITH_LMTP,
	};
	const char *want1 = "Received: from mta.example (UNIX socket) by";
	const char *want2 = "Received: from localhost (UNIX socket helo=not";

	smtp_received_build(buf, sizeof(buf), &r);
	assert_folded(buf);
	cr_assert(strncmp(buf, want1, strlen(want1)) == 0, "%s", buf);
	cr_assert(strchr(buf, '[') == NULL, "%s", buf);
	r.helo = "not a name";
	smtp_received_build(buf, sizeof(buf), &r);
	cr_assert(strncmp(buf, want2, strlen(want2)) == 0, "%s", buf);
}

Test(received, several_recipients_and_odd_helo)
{
	struct smtp_received r = {
		.helo = "bad helo (x)", .client_addr = "2001:db8::7",
		.by_host = "mx.example.org", .with = SMTP_WITH_LMTP,
		.rcpt = "a@example.test", .rcpt_count = 2,
		.when = 0, .tz_minutes = 0,
	};

	smtp_received_build(buf, sizeof(buf), &r);
	assert_folded(buf);
	cr_assert(strstr(buf, "from [IPv6:2001:db8::7]") != NULL, "%s", buf);
	cr_assert(strstr(buf, "helo=bad?helo?\\(x\\))") != NULL, "%s", buf);
	cr_assert(strstr(buf, " for ") == NULL, "%s", buf);
	cr_assert(strstr(buf, "with LMTP;") != NULL, "%s", buf);
	cr_assert(strstr(buf, "Thu, 1 Jan 1970 00:00:00 +0000") != NULL ||
	    strstr(buf, "Thu, 01 Jan 1970 00:00:00 +0000") != NULL, "%s",
	    buf);
}

Test(received, long_names_fold)
{
	struct smtp_received r = { 0 };

	r.helo = "client.example";
	r.client_rdns = "a-rather-long-reverse-name.with.many.labels.example";
	r.client_addr = "198.51.100.200";
	r.by_host = "mx.example.org";
	r.with = SMTP_WITH_ESMTP | SMTP_WITH_AUTH | SMTP_WITH_TLS;
	r.queue_id = "Q1";
	smtp_received_build(buf, sizeof(buf), &r);
	assert_folded(buf);
	cr_assert(strstr(buf, "ESMTPSA") != NULL);
}
