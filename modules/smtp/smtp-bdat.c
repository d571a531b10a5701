/*
 * smtp-bdat.c — BDAT (RFC 3030): the command's arguments, the chunk
 * byte counter (binary-safe: chunk bytes are never lines), the
 * accumulated size limit, and the sequence rules against DATA.
 */
#include <string.h>
#include <strings.h>

#include "smtp-param.h"

int
smtp_bdat_parse(const char *args, size_t len, uint64_t *size_r, bool *last_r,
    struct smtp_error *err_r)
{
	size_t n, i;

	for (n = 0; n < len && args[n] != ' '; n++)
		;
	/* 63 bits: 18 digits always fit. */
	if (smtp_param_digits(args, n, 18, size_r) < 0)
		return smtp_error_set(err_r, 501, "5.5.4",
		    "Syntax: BDAT size [LAST]");
	for (i = n; i < len && args[i] == ' '; i++)
		;
	*last_r = false;
	if (i == len && i == n)
		return 0;
	if (i > n && len - i == 4 && strncasecmp(args + i, "LAST", 4) == 0) {
		*last_r = true;
		return 0;
	}
	return smtp_error_set(err_r, 501, "5.5.4", "Syntax: BDAT size [LAST]");
}

void
smtp_bdat_init(struct smtp_bdat *b, uint64_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void
smtp_bdat_begin(struct smtp_bdat *b, uint64_t size, bool last)
{
	b->remaining = size;
	b->in_chunk = size > 0;
	b->last = last;
	b->chunks++;
	if (b->limit != 0 && (size > b->limit || b->total > b->limit - size))
		b->too_big = true;
}

size_t
smtp_bdat_take(struct smtp_bdat *b, size_t avail, size_t *keep_r)
{
	uint64_t n, keep;

	n = avail < b->remaining ? avail : b->remaining;
	keep = n;
	if (b->failed)
		keep = 0;
	else if (b->limit != 0 && b->total + n > b->limit)
		keep = b->total < b->limit ? b->limit - b->total : 0;
	b->total += n;
	b->remaining -= n;
	if (b->remaining == 0)
		b->in_chunk = false;
	*keep_r = (size_t)keep;
	return (size_t)n;
}

int
smtp_bdat_chunk_result(struct smtp_bdat *b, struct smtp_error *err_r)
{
	if (b->too_big) {
		b->failed = true;
		return smtp_error_set(err_r, 552, "5.3.4",
		    "Message size exceeds fixed maximum message size");
	}
	return 0;
}

int
smtp_check_data(const struct smtp_bdat *b, enum smtp_body body,
    struct smtp_error *err_r)
{
	if (b != NULL && b->chunks > 0)
		return smtp_error_set(err_r, 503, "5.5.1",
		    "DATA not allowed after BDAT in a transaction");
	if (body == SMTP_BODY_BINARYMIME)
		return smtp_error_set(err_r, 503, "5.6.1",
		    "BODY=BINARYMIME requires BDAT, not DATA");
	return 0;
}

int
smtp_check_bdat(unsigned ext, struct smtp_error *err_r)
{
	if (!(ext & SMTP_EXT_CHUNKING))
		return smtp_error_set(err_r, 502, "5.5.1",
		    "BDAT not implemented");
	return 0;
}
