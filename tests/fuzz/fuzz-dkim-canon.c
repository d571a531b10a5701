/*
 * fuzz-dkim-canon.c — libFuzzer target for the dkim module's streaming
 * code.  The first input octet picks the canonicalisation and a length
 * limit; the rest is
 *   1. a body, canonicalised whole and fed one octet at a time (and in
 *      odd pieces): the outputs must be identical, never more than l=,
 *      hold no bare CR or LF for line ends made from CRLF, and end with
 *      CRLF unless empty;
 *   2. a message for the header collector, whole and one octet at a
 *      time: the same fields, the same split between header and body;
 *      each field's relaxed form no longer than the field plus CRLF;
 *   3. a message for the verifier (keys never found): whole and one
 *      octet at a time give the same results.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim-engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
fz_body(enum gd_dkim_canon c, uint64_t limit, const char *in, size_t size,
    size_t step, size_t *len_r)
{
	static struct dkim_body_canon bc;
	size_t off, n;

	dkim_body_init(&bc, c, limit, NULL);
	bc.cap_max = 4 * size + 16;
	for (off = 0; off < size; off += n) {
		n = size - off < step ? size - off : step;
		dkim_body_write(&bc, in + off, n);
	}
	dkim_body_end(&bc);
	if (bc.cap_over || bc.cap_len > limit)
		abort();
	if (limit == UINT64_MAX && bc.cap_len != bc.total)
		abort();
	if (limit == UINT64_MAX && bc.cap_len > 0 && (bc.cap_len < 2 ||
	    memcmp(bc.cap_buf + bc.cap_len - 2, "\r\n", 2) != 0))
		abort();
	*len_r = bc.cap_len;
	return bc.cap_buf;
}

static void
fz_bodies(enum gd_dkim_canon c, uint64_t limit, const char *in, size_t size)
{
	size_t na, nb, nc;
	char *a = fz_body(c, limit, in, size, size + 1, &na);
	char *b = fz_body(c, limit, in, size, 1, &nb);
	char *d = fz_body(c, limit, in, size, 7, &nc);

	if (na != nb || na != nc || (na > 0 && (memcmp(a, b, na) != 0 ||
	    memcmp(a, d, na) != 0)))
		abort();
	free(a);
	free(b);
	free(d);
}

static size_t
fz_header(struct dkim_header *hc, const char *in, size_t size, size_t step)
{
	size_t off = 0, n, took = 0;

	dkim_header_init(hc, 4096);
	while (off < size && !hc->done) {
		n = size - off < step ? size - off : step;
		took += dkim_header_write(hc, in + off, n);
		off += n;
	}
	dkim_header_end(hc);
	return took;
}

static void
fz_headers(const char *in, size_t size)
{
	static struct dkim_header a, b;
	size_t ta = fz_header(&a, in, size, size + 1), i;
	size_t tb = fz_header(&b, in, size, 1);
	char *out;

	if (ta != tb || a.nfields != b.nfields || a.len != b.len ||
	    a.overflow != b.overflow || (a.len > 0 &&
	    memcmp(a.buf, b.buf, a.len) != 0))
		abort();
	out = malloc(a.len + 3);
	for (i = 0; i < a.nfields && !a.overflow; i++)
		if (dkim_header_canon_buf(GD_DKIM_CANON_RELAXED,
		    a.buf + a.fields[i].off, a.fields[i].len, true, out) >
		    a.fields[i].len + 2)
			abort();
	free(out);
	dkim_header_free(&a);
	dkim_header_free(&b);
}

static int fz_handle;

static void *
fz_dns(void *ctx, const char *name, gd_dkim_dns_done_fn *done, void *arg)
{
	(void)ctx;
	(void)name;
	done(arg, GD_DKIM_DNS_NXDOMAIN, NULL, 0);
	return &fz_handle;
}

static uint32_t
fz_verify(const char *in, size_t size, size_t step)
{
	static const struct gd_dkim_dns_ops ops = { fz_dns, NULL, NULL };
	struct gd_dkim_verify_opts o = { .now = 1000000, .max_signatures = 3,
	    .max_header_bytes = 8192 };
	struct gd_dkim_verifier *v = dkim_verify_create(&o, &ops);
	const struct gd_dkim_sig_result *r;
	size_t off, n, i;
	uint32_t h = 1;

	for (off = 0; off < size; off += n) {
		n = size - off < step ? size - off : step;
		dkim_verify_write(v, in + off, n);
	}
	if (dkim_verify_finish(v, NULL, NULL) != 1)
		abort();
	r = dkim_verify_results(v, &n);
	for (i = 0; i < n; i++)
		h = h * 31 + r[i].result * 7 + (uint32_t)strlen(r[i].domain);
	dkim_verify_destroy(&v);
	return h + (uint32_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum gd_dkim_canon c;
	uint64_t limit;
	char *copy;

	if (size == 0)
		return 0;
	c = (data[0] & 1) ? GD_DKIM_CANON_RELAXED : GD_DKIM_CANON_SIMPLE;
	limit = (data[0] & 2) ? (uint64_t)(data[0] >> 2) : UINT64_MAX;
	copy = malloc(size - 1);
	memcpy(copy, data + 1, size - 1);
	fz_bodies(c, limit, copy, size - 1);
	fz_headers(copy, size - 1);
	if (fz_verify(copy, size - 1, size) != fz_verify(copy, size - 1, 1))
		abort();
	free(copy);
	return 0;
}
