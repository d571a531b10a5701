/*
 * dmarc-failure.h — DMARC failure reports (RFC 9989/7489 fo=, RFC 6591
 * authentication failure reports in the ARF of RFC 5965): which failures
 * the policy asks to hear about, and the multipart/report message.
 * Pure: no loop, no files (the session writes the result).
 */
#ifndef DMARC_FAILURE_H
#define DMARC_FAILURE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <gumdrop/dmarc.h>

#include "dmarc-report.h"

/* Largest original header carried (text/rfc822-headers). */
#define DMARC_FAILURE_HEADER_MAX	65536

/* What failed, for Auth-Failure: (RFC 6591 3.2.2); 0: no report. */
enum dmarc_failure_kind {
	DMARC_FAILURE_NONE = 0,
	DMARC_FAILURE_DMARC,
	DMARC_FAILURE_DKIM,
	DMARC_FAILURE_SPF,
};

/*
 * The kind of report fo= asks for (GD_DMARC_FO_* bits; 0 means fo=0):
 * 0: nothing aligned passed; 1: either aligned mechanism failed; d: a
 * DKIM signature failed to verify; s: SPF failed.  DMARC first, then
 * DKIM, then SPF; NONE when nothing fo= names failed, when no policy
 * record was found, or on temperror/permerror.
 */
enum dmarc_failure_kind dmarc_failure_wanted(unsigned fo,
    const struct gd_dmarc_input *in, const struct gd_dmarc_outcome *o);

/* The report's facts (strings may be NULL where noted). */
struct dmarc_failure_msg {
	const char *reporter;		/* From: address of the report */
	const char *to;			/* first ruf= URI (mailto:...) */
	const char *user_agent;		/* e.g. "gumdrop/1.0" */
	const char *message_id;		/* of the report, without <> */
	const char *boundary;
	enum dmarc_failure_kind kind;
	const char *from_domain;	/* Reported-Domain */
	const char *source_ip;
	const char *mail_from;		/* Original-Mail-From; NULL: <> */
	const char *auth_results;	/* Authentication-Results value */
	const char *dkim_domain, *dkim_selector;	/* or NULL */
	time_t arrival;
	const char *header;		/* the original header, CRLF lines */
	size_t header_len;
	bool truncated;			/* header cut at the bound */
};

/* The whole message (CRLF line ends) appended to b: 0, or -1 (memory). */
int dmarc_failure_build(struct dmarc_buf *b,
    const struct dmarc_failure_msg *m);

#endif /* DMARC_FAILURE_H */
