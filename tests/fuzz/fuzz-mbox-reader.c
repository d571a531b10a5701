/*
 * fuzz-mbox-reader.c — the mbox module's readers on arbitrary bytes:
 *   1. the scanner (From_ separators, status fields, X-IMAPbase,
 *      unquoting sizes) over the input split at a data-chosen point,
 *      and for every message found the filter over its stored bytes,
 *      which must serve exactly the size the scanner computed (the
 *      RFC822.SIZE invariant), also when fed one byte at a time;
 *   2. the sidecar decoder on the same bytes, and on a valid encoding
 *      with the input's first bytes written over it; whatever it
 *      accepts must be self-consistent (re-encodes to the same bytes).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../unit/mbox-pure.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	const uint8_t *data;
	size_t size;
	unsigned found;
};

static size_t
fz_serve(const uint8_t *data, const struct mbox_scan_msg *m, size_t chunk,
    char *out)
{
	struct mbox_filter f;
	uint64_t i, n;
	size_t o = 0;

	mbox_filter_init(&f);
	for (i = m->hdr_off; i < m->data_end; i += n) {
		n = m->data_end - i < chunk ? m->data_end - i : chunk;
		o += mbox_filter_run(&f, data + i, (size_t)n, out + o);
	}
	return o + mbox_filter_finish(&f, out + o);
}

static int
fz_msg(void *arg, const struct mbox_scan_msg *m)
{
	struct fz *z = arg;
	size_t len = (size_t)(m->data_end - m->hdr_off);
	char *a, *b;

	if (m->from_off >= m->hdr_off || m->hdr_off > m->data_end ||
	    m->data_end > m->end_off || m->end_off > z->size)
		abort();
	a = malloc(2 * len + MBOX_FILTER_SLACK);
	b = malloc(2 * len + MBOX_FILTER_SLACK);
	if (fz_serve(z->data, m, 4096, a) != m->size ||
	    fz_serve(z->data, m, 1, b) != m->size ||
	    memcmp(a, b, (size_t)m->size) != 0)
		abort();
	free(a);
	free(b);
	z->found++;
	return 0;
}

static void
fz_scan(const uint8_t *data, size_t size)
{
	struct fz z = { data, size, 0 };
	struct mbox_scan *s = mbox_scan_create(0, fz_msg, &z);
	size_t cut = size > 0 ? data[0] % (size + 1) : 0;

	mbox_scan_feed(s, data, cut);
	mbox_scan_feed(s, data + cut, size - cut);
	mbox_scan_finish(s);
	if (mbox_scan_prefix(s) > size)
		abort();
	mbox_scan_destroy(&s);
}

static void
fz_check_state(const uint8_t *data, size_t size)
{
	struct mbox_fstate s;
	size_t len;
	void *again;

	if (mbox_state_decode(data, size, &s) < 0)
		return;
	again = mbox_state_encode(&s, &len);
	if (len != size || memcmp(again, data, size) != 0)
		abort();
	free(again);
	mbox_fstate_free(&s);
}

static void
fz_state(const uint8_t *data, size_t size)
{
	struct mbox_fstate s;
	struct mbox_fmsg *m;
	unsigned char *buf;
	size_t len, n;

	fz_check_state(data, size);
	memset(&s, 0, sizeof(s));
	s.uidvalidity = 1;
	s.uidnext = 3;
	s.highestmodseq = 9;
	mbox_fstate_kw(&s, "k", true);
	m = mbox_fstate_add(&s);
	m->hdr_off = 10;
	m->data_end = m->end_off = s.fsize = 20;
	m->uid = 2;
	m->modseq = 9;
	buf = mbox_state_encode(&s, &len);
	n = size < len ? size : len;
	memcpy(buf + (len - n), data, n);
	fz_check_state(buf, len);
	free(buf);
	mbox_fstate_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_scan(data, size);
	fz_state(data, size);
	return 0;
}
