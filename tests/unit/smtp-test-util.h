/*
 * smtp-test-util.h — drivers shared by the smtp parse unit tests and
 * fuzz targets: run the DATA unstuffer or the BDAT counter over an input
 * split into pieces of a given size (0: one piece) with an output buffer
 * of a given size, and collect what comes out, so that every split can
 * be compared with the one-chunk result.
 */
#ifndef GD_SMTP_TEST_UTIL_H
#define GD_SMTP_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "smtp-parse.h"

struct smtp_tdata {
	char *out;		/* malloc'd, out_len bytes (+ NUL) */
	size_t out_len;
	size_t used;		/* input consumed (end of data included) */
	int ended;		/* smtp_data_feed() returned 1 */
	unsigned flags;
	uint64_t size;
	int result;		/* smtp_data_result() when ended */
	struct smtp_error err;
};

/* Feed in[0..len) in pieces of `step` bytes into an `outcap`-byte
 * buffer.  Stops at the end of data. */
static inline void
smtp_tdata_run(const char *in, size_t len, size_t step, size_t outcap,
    uint64_t limit, enum smtp_bare_policy policy, struct smtp_tdata *r)
{
	struct smtp_data d;
	char *buf = malloc(outcap);
	size_t pos = 0, piece, used, n;

	memset(r, 0, sizeof(*r));
	r->out = malloc(2 * len + 1);
	smtp_data_init(&d, limit, policy);
	while (pos < len && !r->ended) {
		piece = step == 0 || len - pos < step ? len - pos : step;
		while (piece > 0 && !r->ended) {
			r->ended = smtp_data_feed(&d, in + pos, piece, &used,
			    buf, outcap, &n);
			if (used == 0 && n == 0 && !r->ended)
				abort();	/* no progress */
			memcpy(r->out + r->out_len, buf, n);
			r->out_len += n;
			pos += used;
			piece -= used;
		}
	}
	r->out[r->out_len] = '\0';
	r->used = pos;
	r->flags = smtp_data_bad(&d);
	r->size = smtp_data_size(&d);
	if (r->ended)
		r->result = smtp_data_result(&d, &r->err);
	free(buf);
}

static inline void
smtp_tdata_free(struct smtp_tdata *r)
{
	free(r->out);
	r->out = NULL;
}

/* Two runs agree on everything the session sees. */
static inline int
smtp_tdata_same(const struct smtp_tdata *a, const struct smtp_tdata *b)
{
	return a->out_len == b->out_len && memcmp(a->out, b->out,
	    a->out_len) == 0 && a->used == b->used && a->ended == b->ended &&
	    a->flags == b->flags && a->size == b->size &&
	    a->result == b->result && (a->result == 0 ||
	    (a->err.code == b->err.code &&
	    strcmp(a->err.text, b->err.text) == 0));
}

#endif
