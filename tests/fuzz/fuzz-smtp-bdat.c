/*
 * fuzz-smtp-bdat.c — libFuzzer target for BDAT (RFC 3030) as a session
 * drives it: the input is a stream of "BDAT n [LAST]" CRLF lines each
 * followed by n chunk bytes (anything, binary), with a size limit from
 * the first byte.  The chunk bytes are taken once in as large pieces as
 * are at hand and once one byte at a time; the content kept, the replies
 * and the state must agree.  A parse error stops the stream (as a session
 * that closes would); a LAST ends the transaction.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_result {
	uint32_t hash;		/* of the content kept and the replies */
	uint64_t kept;		/* in the current transaction */
	uint64_t total;
};

static void
fz_mix(struct fz_result *r, uint32_t v)
{
	r->hash = (r->hash ^ v) * 16777619u;
}

/* Never more content kept than the limit; all of it below the limit. */
static void
fz_check(const struct smtp_bdat *b, const struct fz_result *r, uint64_t limit)
{
	if (limit != 0 && r->kept > limit)
		abort();
	if ((limit == 0 || b->total <= limit) && r->kept != b->total)
		abort();
}

static size_t
fz_chunk(struct smtp_bdat *b, const char *in, size_t avail, bool bytewise,
    struct fz_result *r)
{
	size_t pos = 0, n, keep, k;

	while (b->in_chunk && pos < avail) {
		n = smtp_bdat_take(b, bytewise ? 1 : avail - pos, &keep);
		if (n == 0 || keep > n)
			abort();
		for (k = 0; k < keep; k++)
			fz_mix(r, (unsigned char)in[pos + k]);
		r->kept += keep;
		pos += n;
	}
	return pos;
}

static void
fz_run(const char *in, size_t size, uint64_t limit, bool bytewise,
    struct fz_result *r)
{
	struct smtp_bdat b;
	struct smtp_error e;
	const char *eol;
	uint64_t n;
	size_t pos = 0;
	bool last;

	memset(r, 0, sizeof(*r));
	smtp_bdat_init(&b, limit);
	while (pos < size) {
		eol = memchr(in + pos, '\n', size - pos);
		if (eol == NULL || eol == in + pos || eol[-1] != '\r' ||
		    (size_t)(eol - in - pos) < 6 ||
		    memcmp(in + pos, "BDAT ", 5) != 0)
			return;
		if (smtp_bdat_parse(in + pos + 5, (size_t)(eol - in - pos) - 6,
		    &n, &last, &e) < 0) {
			fz_mix(r, e.code);
			return;
		}
		pos = (size_t)(eol - in) + 1;
		smtp_bdat_begin(&b, n, last);
		pos += fz_chunk(&b, in + pos, size - pos, bytewise, r);
		if (b.in_chunk)
			break;		/* the input ended inside the chunk */
		fz_mix(r, smtp_bdat_chunk_result(&b, &e) < 0 ? e.code : 250);
		fz_check(&b, r, limit);
		if (last) {
			smtp_bdat_init(&b, limit);
			r->kept = 0;
		}
	}
	r->total = b.total;
	fz_check(&b, r, limit);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_result a, b;
	char *copy;

	if (size == 0)
		return 0;
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	fz_run(copy, size - 1, data[0] & 0x80 ? 0 : data[0], false, &a);
	fz_run(copy, size - 1, data[0] & 0x80 ? 0 : data[0], true, &b);
	if (a.hash != b.hash || a.kept != b.kept || a.total != b.total)
		abort();
	free(copy);
	return 0;
}
