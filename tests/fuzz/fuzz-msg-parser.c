/*
 * fuzz-msg-parser.c — libFuzzer target for the message parser and the
 * codecs.
 *
 * The input is parsed whole, split in two at a point taken from the data,
 * and (when small) fed in pieces of a few bytes; the callbacks and trees
 * must be identical, offsets within the input, and the part count within
 * the limit.  Every decoder then runs over the same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/message.h>
#include <gumdrop/msg-codec.h>
#include <gumdrop/pool.h>

#include "../unit/msg-test-util.h"

#define FUZZ_TRICKLE_MAX	4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_charsets[] = { "utf-8", "iso-8859-1",
    "shift_jis", "utf-16", "iso-2022-jp", "utf-7", "koi8-r", "x-nope" };

static void
fuzz_compare(const struct msg_run *a, const struct msg_run *b)
{
	if (a->trace.len != b->trace.len ||
	    a->tree.len != b->tree.len ||
	    memcmp(a->trace.buf, b->trace.buf, a->trace.len) != 0 ||
	    memcmp(a->tree.buf, b->tree.buf, a->tree.len) != 0)
		abort();
}

/* Feed in two pieces split at `at`. */
static void
fuzz_split(struct msg_run *r, const uint8_t *data, size_t size, size_t at,
    const struct gd_msg_limits *lim)
{
	memset(r, 0, sizeof(*r));
	r->pool = gd_pool_create("fuzz");
	r->parser = gd_msg_parser_create(r->pool, lim, &msg_trace_cb, r);
	gd_msg_parser_feed(r->parser, data, at);
	gd_msg_parser_feed(r->parser, data + at, size - at);
	r->root = gd_msg_parser_finish(r->parser);
	r->flags = gd_msg_parser_flags(r->parser);
	r->parts = gd_msg_parser_part_count(r->parser);
	tr_printf(&r->tree, "flags=%x parts=%u\n", r->flags, r->parts);
	tr_tree(&r->tree, r->root, size);
}

static void
fuzz_limits(const uint8_t *data, size_t size, struct gd_msg_limits *lim)
{
	uint8_t b = size > 1 ? data[1] : 0;

	memset(lim, 0, sizeof(*lim));
	if ((b & 1) == 0)
		return;		/* the defaults */
	lim->max_header_size = 16 + (size_t)(b >> 1) * 8;
	lim->max_header_fields = 1 + (b >> 4);
	lim->max_depth = 1 + (b & 7);
	lim->max_parts = 1 + (b >> 3);
}

static void
fuzz_parser(const uint8_t *data, size_t size)
{
	struct gd_msg_limits lim, def;
	struct msg_run whole, split, small;
	size_t at = size > 0 ? ((size_t)data[0] * 131 + size) % (size + 1) : 0;

	fuzz_limits(data, size, &lim);
	gd_msg_limits_default(&def);
	msg_run_parse(&whole, data, size, size > 0 ? size : 1, &lim, true);
	if (whole.parts > (lim.max_parts != 0 ? lim.max_parts :
	    def.max_parts) || whole.parts == 0)
		abort();
	fuzz_split(&split, data, size, at, &lim);
	fuzz_compare(&whole, &split);
	msg_run_free(&split);
	if (size <= FUZZ_TRICKLE_MAX) {
		msg_run_parse(&small, data, size, 1 + at % 5, &lim, true);
		fuzz_compare(&whole, &small);
		msg_run_free(&small);
	}
	msg_run_free(&whole);
	if (gd_msg_header_parse(data, size, &lim, NULL, NULL) > size)
		abort();
}

static void
fuzz_decoders(const uint8_t *data, size_t size)
{
	struct gd_pool *pool = gd_pool_create("fuzz");
	struct gd_b64_decoder b64;
	struct gd_qp_decoder qp;
	const char *t, *s;
	struct gd_mime_param *params;
	size_t n, at = size / 2;
	char *out, *u;

	out = malloc(size + GD_QP_PEND_MAX_ + 8);
	gd_b64_decoder_init(&b64);
	n = gd_b64_decode(&b64, data, at, out);
	n += gd_b64_decode(&b64, data + at, size - at, out + n);
	if (n > GD_B64_DECODED_MAX(size))
		abort();
	gd_qp_decoder_init(&qp);
	n = gd_qp_decode(&qp, data, size, out);
	n += gd_qp_decode_finish(&qp, out + n);
	if (n > size)
		abort();
	free(out);
	u = gd_msg_decode_words(pool, (const char *)data, size, &n);
	if (strlen(u) > n || !gd_msg_utf8_valid(u, n))
		abort();
	u = gd_msg_utf8_sanitize(pool, data, size, &n);
	if (!gd_msg_utf8_valid(u, n))
		abort();
	if (gd_msg_charset_to_utf8(pool, fuzz_charsets[size %
	    GD_N_ELEMENTS(fuzz_charsets)], data, size, &u, &n) == 0 &&
	    (n > 4 * size || !gd_msg_utf8_valid(u, n)))
		abort();
	(void)gd_mime_content_type_parse(pool, (const char *)data, size, &t,
	    &s, &params);
	for (params = gd_mime_params_parse(pool, (const char *)data, size);
	    params != NULL; params = params->next) {
		if (params->name == NULL || params->value == NULL ||
		    params->raw_value == NULL)
			abort();
	}
	gd_pool_destroy(&pool);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parser(data, size);
	fuzz_decoders(data, size);
	return 0;
}
