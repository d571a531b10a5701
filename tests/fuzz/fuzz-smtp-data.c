/*
 * fuzz-smtp-data.c — libFuzzer target for the DATA unstuffer.  The first
 * byte picks the policy, a size limit and a piece size; the rest is the
 * stream after "354".  Checks: one chunk, one byte at a time with a
 * 3-byte output buffer, and the chosen piece size give the same output,
 * end, consumption, flags and reply; data ends only right after the
 * first CRLF "." CRLF that starts at a real line start; normalised
 * output is canonical CRLF; the output is never larger than the limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/smtp-test-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where a reference scan says the data ends (0: it does not). */
static size_t
fz_end(const char *in, size_t len)
{
	size_t i;

	if (len >= 3 && memcmp(in, ".\r\n", 3) == 0)
		return 3;
	for (i = 0; i + 5 <= len; i++)
		if (memcmp(in + i, "\r\n.\r\n", 5) == 0)
			return i + 5;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_tdata a, b, c;
	enum smtp_bare_policy pol;
	const char *in;
	uint64_t limit;
	size_t i, end;

	if (size == 0)
		return 0;
	pol = data[0] & 1 ? SMTP_BARE_NORMALISE : SMTP_BARE_REFUSE;
	limit = data[0] & 2 ? (data[0] >> 2) : 0;
	in = (const char *)data + 1;
	size--;
	smtp_tdata_run(in, size, 0, 65536, limit, pol, &a);
	smtp_tdata_run(in, size, 1, SMTP_DATA_OUT_MIN, limit, pol, &b);
	smtp_tdata_run(in, size, (data[0] >> 3) + 1, 7, limit, pol, &c);
	if (!smtp_tdata_same(&a, &b) || !smtp_tdata_same(&a, &c))
		abort();
	/* The end is right after the first raw CRLF "." CRLF (or a leading
	 * "." CRLF): every raw CRLF is a real line end in the machine. */
	end = fz_end(in, size);
	if (a.ended ? a.used != end : end != 0)
		abort();
	if (limit != 0 && a.out_len > limit)
		abort();
	/* (Output cut at the limit may end between CR and LF.) */
	if (pol == SMTP_BARE_NORMALISE && !(a.flags & SMTP_DATA_TOO_BIG))
		for (i = 0; i < a.out_len; i++)
			if ((a.out[i] == '\r' && (i + 1 == a.out_len ||
			    a.out[i + 1] != '\n')) || (a.out[i] == '\n' &&
			    (i == 0 || a.out[i - 1] != '\r')))
				abort();
	smtp_tdata_free(&a);
	smtp_tdata_free(&b);
	smtp_tdata_free(&c);
	return 0;
}
