/*
 * dmarc-failure.c — the failure report: fo= selection and the RFC 5965
 * multipart/report (report-type=feedback-report) with a human part, the
 * message/feedback-report part of RFC 6591 (Feedback-Type: auth-failure)
 * and the original header as text/rfc822-headers.  Values taken from the
 * message are cleaned of CR, LF and other control bytes so that no
 * field can be injected.
 */
#include <stdio.h>
#include <string.h>

#include "dmarc-failure.h"

static bool
dmarc_failure_dkim_failed(const struct gd_dmarc_input *in)
{
	size_t i;

	for (i = 0; i < in->ndkim; i++)
		if (in->dkim[i].result == GD_DMARC_AUTH_FAIL)
			return true;
	return false;
}

enum dmarc_failure_kind
dmarc_failure_wanted(unsigned fo, const struct gd_dmarc_input *in,
    const struct gd_dmarc_outcome *o)
{
	bool all = !o->spf_aligned && !o->dkim_aligned;
	bool any = !o->spf_aligned || !o->dkim_aligned;

	if (!o->has_record || (o->result != GD_DMARC_PASS &&
	    o->result != GD_DMARC_FAIL))
		return DMARC_FAILURE_NONE;
	if (fo == 0)
		fo = GD_DMARC_FO_0;
	if (((fo & GD_DMARC_FO_0) && all) || ((fo & GD_DMARC_FO_1) && any))
		return DMARC_FAILURE_DMARC;
	if ((fo & GD_DMARC_FO_D) && dmarc_failure_dkim_failed(in))
		return DMARC_FAILURE_DKIM;
	if ((fo & GD_DMARC_FO_S) && in->spf == GD_DMARC_AUTH_FAIL)
		return DMARC_FAILURE_SPF;
	return DMARC_FAILURE_NONE;
}

static void
dmarc_failure_raw(struct dmarc_buf *b, const char *s)
{
	dmarc_buf_add(b, s, strlen(s));
}

/* "Name: value\r\n" with the value cleaned (NULL: nothing written). */
static void
dmarc_failure_field(struct dmarc_buf *b, const char *name, const char *pre,
    const char *value, const char *post)
{
	const char *p;

	if (value == NULL)
		return;
	dmarc_failure_raw(b, name);
	dmarc_failure_raw(b, ": ");
	dmarc_failure_raw(b, pre);
	for (p = value; *p != '\0'; p++)
		dmarc_buf_add(b, (unsigned char)*p < 0x20 ||
		    (unsigned char)*p == 0x7f ? " " : p, 1);
	dmarc_failure_raw(b, post);
	dmarc_failure_raw(b, "\r\n");
}

static const char *
dmarc_failure_kind_str(enum dmarc_failure_kind k)
{
	return k == DMARC_FAILURE_DKIM ? "dkim" : k == DMARC_FAILURE_SPF ?
	    "spf" : "dmarc";
}

static void
dmarc_failure_head(struct dmarc_buf *b, const struct dmarc_failure_msg *m,
    const char *date)
{
	char subject[400];

	(void)snprintf(subject, sizeof(subject), "DMARC failure report for "
	    "%.253s", m->from_domain);
	dmarc_failure_field(b, "From", "<", m->reporter, ">");
	dmarc_failure_field(b, "To", "<", strncmp(m->to, "mailto:", 7) == 0 ?
	    m->to + 7 : m->to, ">");
	dmarc_failure_field(b, "Subject", "", subject, "");
	dmarc_failure_field(b, "Date", "", date, "");
	dmarc_failure_field(b, "Message-ID", "<", m->message_id, ">");
	dmarc_failure_raw(b, "MIME-Version: 1.0\r\nContent-Type: "
	    "multipart/report; report-type=feedback-report;\r\n\tboundary=\"");
	dmarc_failure_raw(b, m->boundary);
	dmarc_failure_raw(b, "\"\r\n\r\nThis is a MIME-formatted message.\r\n");
}

static void
dmarc_failure_part(struct dmarc_buf *b, const char *boundary,
    const char *type)
{
	dmarc_failure_raw(b, "\r\n--");
	dmarc_failure_raw(b, boundary);
	dmarc_failure_raw(b, "\r\nContent-Type: ");
	dmarc_failure_raw(b, type);
	dmarc_failure_raw(b, "\r\n\r\n");
}

static void
dmarc_failure_human(struct dmarc_buf *b, const struct dmarc_failure_msg *m)
{
	char text[700];

	dmarc_failure_part(b, m->boundary, "text/plain; charset=us-ascii");
	(void)snprintf(text, sizeof(text), "This is an authentication "
	    "failure report for a message from %.253s\r\nreceived from "
	    "%.64s (Auth-Failure: %s).%s\r\n", m->from_domain, m->source_ip,
	    dmarc_failure_kind_str(m->kind), m->truncated ? "\r\nThe "
	    "original header was cut at 64 KiB." : "");
	dmarc_failure_raw(b, text);
}

static void
dmarc_failure_feedback(struct dmarc_buf *b,
    const struct dmarc_failure_msg *m, const char *date)
{
	bool dkim = m->kind == DMARC_FAILURE_DKIM ||
	    m->kind == DMARC_FAILURE_DMARC;

	dmarc_failure_part(b, m->boundary, "message/feedback-report");
	dmarc_failure_raw(b, "Feedback-Type: auth-failure\r\n");
	dmarc_failure_field(b, "User-Agent", "", m->user_agent, "");
	dmarc_failure_raw(b, "Version: 1\r\n");
	dmarc_failure_field(b, "Auth-Failure", "",
	    dmarc_failure_kind_str(m->kind), "");
	dmarc_failure_field(b, "Original-Mail-From", "<", m->mail_from != NULL ?
	    m->mail_from : "", ">");
	dmarc_failure_field(b, "Arrival-Date", "", date, "");
	dmarc_failure_field(b, "Source-IP", "", m->source_ip, "");
	dmarc_failure_field(b, "Reported-Domain", "", m->from_domain, "");
	dmarc_failure_field(b, "Authentication-Results", "", m->auth_results,
	    "");
	if (dkim) {
		dmarc_failure_field(b, "DKIM-Domain", "", m->dkim_domain, "");
		dmarc_failure_field(b, "DKIM-Selector", "", m->dkim_selector,
		    "");
	}
}

int
dmarc_failure_build(struct dmarc_buf *b, const struct dmarc_failure_msg *m)
{
	char date[64];
	struct tm tm;

	(void)gmtime_r(&m->arrival, &tm);
	(void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	dmarc_failure_head(b, m, date);
	dmarc_failure_human(b, m);
	dmarc_failure_feedback(b, m, date);
	dmarc_failure_part(b, m->boundary, "text/rfc822-headers");
	dmarc_buf_add(b, m->header, m->header_len);
	dmarc_failure_raw(b, "\r\n--");
	dmarc_failure_raw(b, m->boundary);
	dmarc_failure_raw(b, "--\r\n");
	return b->failed ? -1 : 0;
}
