/*
 * test-smtp-data.c — the DATA unstuffer (dot-stuffing, end of data, every
 * SMTP smuggling variant, bare CR/LF under both policies, the size limit,
 * one byte at a time against one chunk, tiny output buffers) and the BDAT
 * chunk state machine (RFC 3030).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "smtp-test-util.h"

#define S(s)	(s), sizeof(s) - 1

static struct smtp_tdata r;

static void
run(const char *in, size_t len, uint64_t limit, enum smtp_bare_policy pol)
{
	struct smtp_tdata t;
	size_t step, caps[] = { 3, 4, 5, 17, 65536 }, c;

	smtp_tdata_run(in, len, 0, 65536, limit, pol, &r);
	/* Every split and output size must agree with one chunk. */
	for (step = 1; step <= len && step <= 64; step++)
		for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
			smtp_tdata_run(in, len, step, caps[c], limit, pol, &t);
			cr_assert(smtp_tdata_same(&r, &t),
			    "step %zu cap %zu differs", step, caps[c]);
			smtp_tdata_free(&t);
		}
}

static void
expect(const char *in, size_t len, const char *out, size_t used)
{
	run(in, len, 0, SMTP_BARE_REFUSE);
	cr_assert(r.ended, "no end in %s", in);
	cr_assert_eq(r.used, used, "used %zu not %zu", r.used, used);
	cr_assert_eq(r.out_len, strlen(out), "out [%s] not [%s]", r.out, out);
	cr_assert_eq(memcmp(r.out, out, r.out_len), 0, "out [%s]", r.out);
	cr_assert_eq(r.flags, 0);
	cr_assert_eq(r.result, 0);
	smtp_tdata_free(&r);
}

TestSuite(data, .timeout = 60);

Test(data, simple_and_empty)
{
	expect(S("Subject: x\r\n\r\nHello\r\n.\r\n"),
	    "Subject: x\r\n\r\nHello\r\n", 24);
	/* The DATA line's CRLF counts: "." CRLF at once is empty. */
	expect(S(".\r\n"), "", 3);
	expect(S("\r\n.\r\n"), "\r\n", 5);
}

Test(data, dot_unstuffing)
{
	expect(S("..a\r\n...\r\n..\r\nb.c\r\n.\r\n"),
	    ".a\r\n..\r\n.\r\nb.c\r\n", 22);
}

Test(data, pipelined_commands_not_consumed)
{
	expect(S("hi\r\n.\r\nQUIT\r\n"), "hi\r\n", 7);
}

Test(data, size_counted_and_limited)
{
	run(S("0123456789abcdef\r\n.\r\nNOOP\r\n"), 10, SMTP_BARE_REFUSE);
	cr_assert(r.ended);
	cr_assert_eq(r.used, 21);
	cr_assert_eq(r.size, 18);
	cr_assert_eq(r.out_len, 10);
	cr_assert_eq(memcmp(r.out, "0123456789", 10), 0);
	cr_assert(r.flags & SMTP_DATA_TOO_BIG);
	cr_assert_eq(r.result, -1);
	cr_assert_eq(r.err.code, 552);
	cr_assert_str_eq(r.err.enhanced, "5.3.4");
	smtp_tdata_free(&r);
	run(S("0123456789\r\n.\r\n"), 12, SMTP_BARE_REFUSE);
	cr_assert_eq(r.result, 0);
	smtp_tdata_free(&r);
}

/*
 * Each smuggling variant followed by a fake command and then more text:
 * none may end data; only the real CRLF.CRLF after it does, and the fake
 * command is content.
 */
Test(data, smuggling_variants_never_end)
{
	static const char *const seps[] = { "\n.\n", "\n.\r\n", "\r.\r",
	    "\r\n.\n", "\r\n.\r", "\r.\r\n", "\n.\r", "\r\n.\r\r\n",
	    "\r\n\r.\r\n", "\r\n \r\n.\n", "\r\n.\r.\r\n", "\n\n.\n\n",
	    "\r\r\n.\n" };
	char in[256];
	size_t i, n;

	for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		n = (size_t)snprintf(in, sizeof(in), "a%sMAIL FROM:<x@y>%s",
		    seps[i], "\r\n.\r\n");
		run(in, n, 0, SMTP_BARE_REFUSE);
		cr_assert(r.ended, "variant %zu", i);
		cr_assert_eq(r.used, n, "variant %zu ended early", i);
		cr_assert(strstr(r.out, "MAIL FROM:<x@y>") != NULL,
		    "variant %zu", i);
		cr_assert_neq(r.flags & (SMTP_DATA_BARE_LF |
		    SMTP_DATA_BARE_CR), 0, "variant %zu not flagged", i);
		cr_assert_eq(r.result, -1);
		cr_assert_eq(r.err.code, 550);
		cr_assert_str_eq(r.err.enhanced, "5.5.2");
		smtp_tdata_free(&r);
		/* Without the real end: no end at all. */
		run(in, n - 5, 0, SMTP_BARE_NORMALISE);
		cr_assert(!r.ended, "variant %zu", i);
		cr_assert_eq(r.used, n - 5);
		smtp_tdata_free(&r);
	}
}

Test(data, bare_lf_normalised)
{
	run(S("a\nb\r\nc\rd\n.\ne\r\n.\r\n"), 0, SMTP_BARE_NORMALISE);
	cr_assert(r.ended);
	cr_assert_str_eq(r.out, "a\r\nb\r\nc\r\nd\r\n.\r\ne\r\n");
	cr_assert_eq(r.flags, SMTP_DATA_BARE_LF | SMTP_DATA_BARE_CR);
	cr_assert_eq(r.result, 0);
	smtp_tdata_free(&r);
	/* A lone CR at the very end of the input is still pending. */
	run(S("a\r"), 0, SMTP_BARE_NORMALISE);
	cr_assert_str_eq(r.out, "a");
	smtp_tdata_free(&r);
	/* Bare CR then CRLF: the CR alone becomes a line end. */
	run(S("a\r\r\n.\r\n"), 0, SMTP_BARE_NORMALISE);
	cr_assert_str_eq(r.out, "a\r\n\r\n");
	smtp_tdata_free(&r);
}

Test(data, bare_lf_refused_immediate_reply)
{
	struct smtp_error e;

	run(S("a\nb\r\n.\r\n"), 0, SMTP_BARE_REFUSE);
	cr_assert_eq(r.flags, SMTP_DATA_BARE_LF);
	cr_assert_eq(r.err.code, 550);
	smtp_tdata_free(&r);
	smtp_data_bare_reply(&e);
	cr_assert_eq(e.code, 521);
	cr_assert_str_eq(e.enhanced, "5.5.2");
}

/* xorshift: deterministic inputs. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

Test(data, random_inputs_split_equivalence)
{
	static const char alpha[] = "\r\n.a";
	char in[48];
	uint32_t seed = 12345;
	size_t i, k, n;

	for (i = 0; i < 300; i++) {
		n = rnd(&seed) % sizeof(in);
		for (k = 0; k < n; k++)
			in[k] = alpha[rnd(&seed) % 4];
		run(in, n, i % 3 == 0 ? 7 : 0, i % 2 ? SMTP_BARE_REFUSE :
		    SMTP_BARE_NORMALISE);
		smtp_tdata_free(&r);
	}
}

/* Normalised output is canonical: CR only before LF, LF only after CR. */
Test(data, normalised_output_canonical)
{
	static const char alpha[] = "\r\n.ab";
	char in[64];
	uint32_t seed = 777;
	size_t i, k, n;

	for (i = 0; i < 2000; i++) {
		n = rnd(&seed) % sizeof(in);
		for (k = 0; k < n; k++)
			in[k] = alpha[rnd(&seed) % 5];
		smtp_tdata_run(in, n, 0, 4096, 0, SMTP_BARE_NORMALISE, &r);
		for (k = 0; k < r.out_len; k++) {
			if (r.out[k] == '\r')
				cr_assert(k + 1 < r.out_len &&
				    r.out[k + 1] == '\n');
			if (r.out[k] == '\n')
				cr_assert(k > 0 && r.out[k - 1] == '\r');
		}
		smtp_tdata_free(&r);
	}
}

/* Stuffing per RFC 5321 4.5.2 then unstuffing gives the content back. */
Test(data, stuff_unstuff_round_trip)
{
	static const char *const lines[] = { "", ".", "..", ".x", "x.", "abc",
	    " .", "...." };
	char content[512], wire[1024];
	uint32_t seed = 99;
	size_t i, k, c, w, nl;
	const char *l;

	for (i = 0; i < 500; i++) {
		c = w = 0;
		nl = rnd(&seed) % 8;
		for (k = 0; k < nl; k++) {
			l = lines[rnd(&seed) % 8];
			c += (size_t)snprintf(content + c, sizeof(content) - c,
			    "%s\r\n", l);
			w += (size_t)snprintf(wire + w, sizeof(wire) - w,
			    "%s%s\r\n", l[0] == '.' ? "." : "", l);
		}
		w += (size_t)snprintf(wire + w, sizeof(wire) - w, ".\r\n");
		run(wire, w, 0, SMTP_BARE_REFUSE);
		cr_assert(r.ended);
		cr_assert_eq(r.used, w);
		cr_assert_eq(r.out_len, c);
		cr_assert_eq(memcmp(r.out, content, c), 0);
		cr_assert_eq(r.size, c);
		smtp_tdata_free(&r);
	}
}

/* ---- BDAT ---- */

Test(bdat, parse)
{
	struct smtp_error e;
	uint64_t n;
	bool last;

	cr_assert_eq(smtp_bdat_parse(S("86"), &n, &last, &e), 0);
	cr_assert_eq(n, 86);
	cr_assert(!last);
	cr_assert_eq(smtp_bdat_parse(S("0 LAST"), &n, &last, &e), 0);
	cr_assert_eq(n, 0);
	cr_assert(last);
	cr_assert_eq(smtp_bdat_parse(S("100  last"), &n, &last, &e), 0);
	cr_assert(last);
	cr_assert_eq(smtp_bdat_parse(S("999999999999999999"), &n, &last, &e),
	    0);
	cr_assert_eq(n, 999999999999999999ULL);
	static const char *const bad[] = { "", "x", "-1", "+1", "1x",
	    "10 LASTX", "10 FIRST", "10 LAST x", "1234567890123456789",
	    "10LAST" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(smtp_bdat_parse(bad[i], strlen(bad[i]), &n, &last,
		    &e), -1, "%s", bad[i]);
		cr_assert_eq(e.code, 501);
		cr_assert_str_eq(e.enhanced, "5.5.4");
	}
}

Test(bdat, exact_counts_binary_safe)
{
	struct smtp_bdat b;
	struct smtp_error e;
	size_t keep, n;

	smtp_bdat_init(&b, 0);
	smtp_bdat_begin(&b, 10, false);
	cr_assert(b.in_chunk);
	/* The chunk's bytes, CR LF "." included, are just counted. */
	n = smtp_bdat_take(&b, 4, &keep);
	cr_assert_eq(n, 4);
	cr_assert_eq(keep, 4);
	n = smtp_bdat_take(&b, 100, &keep);
	cr_assert_eq(n, 6);
	cr_assert_eq(keep, 6);
	cr_assert(!b.in_chunk);
	cr_assert_eq(smtp_bdat_chunk_result(&b, &e), 0);
	smtp_bdat_begin(&b, 0, true);
	cr_assert(!b.in_chunk);
	cr_assert(b.last);
	cr_assert_eq(b.chunks, 2);
	cr_assert_eq(b.total, 10);
	cr_assert_eq(smtp_bdat_chunk_result(&b, &e), 0);
}

Test(bdat, accumulated_limit)
{
	struct smtp_bdat b;
	struct smtp_error e;
	size_t keep;

	smtp_bdat_init(&b, 100);
	smtp_bdat_begin(&b, 60, false);
	cr_assert_eq(smtp_bdat_take(&b, 60, &keep), 60);
	cr_assert_eq(keep, 60);
	cr_assert_eq(smtp_bdat_chunk_result(&b, &e), 0);
	smtp_bdat_begin(&b, 60, false);
	cr_assert(b.too_big);
	cr_assert_eq(smtp_bdat_take(&b, 30, &keep), 30);
	cr_assert_eq(keep, 30);
	cr_assert_eq(smtp_bdat_take(&b, 30, &keep), 30);
	cr_assert_eq(keep, 10);
	cr_assert_eq(smtp_bdat_chunk_result(&b, &e), -1);
	cr_assert_eq(e.code, 552);
	cr_assert_str_eq(e.enhanced, "5.3.4");
	/* Later chunks are read and discarded, and fail too. */
	smtp_bdat_begin(&b, 5, true);
	cr_assert_eq(smtp_bdat_take(&b, 5, &keep), 5);
	cr_assert_eq(keep, 0);
	cr_assert_eq(smtp_bdat_chunk_result(&b, &e), -1);
	/* RSET: a fresh state. */
	smtp_bdat_init(&b, 100);
	smtp_bdat_begin(&b, 100, true);
	cr_assert(!b.too_big);
	/* A huge declared size is refused up front, without overflow. */
	smtp_bdat_init(&b, 100);
	smtp_bdat_begin(&b, 10, false);
	smtp_bdat_take(&b, 10, &keep);
	smtp_bdat_begin(&b, UINT64_MAX - 5, false);
	cr_assert(b.too_big);
}

Test(bdat, byte_at_a_time_same_as_bulk)
{
	struct smtp_bdat a, b;
	size_t keep, ka = 0, kb = 0, n, i;
	const uint64_t sizes[] = { 7, 0, 13, 50, 1 };

	smtp_bdat_init(&a, 40);
	smtp_bdat_init(&b, 40);
	for (i = 0; i < 5; i++) {
		smtp_bdat_begin(&a, sizes[i], i == 4);
		smtp_bdat_begin(&b, sizes[i], i == 4);
		while (a.in_chunk) {
			n = smtp_bdat_take(&a, 1, &keep);
			cr_assert_eq(n, 1);
			ka += keep;
		}
		if (b.in_chunk) {
			n = smtp_bdat_take(&b, 1000, &keep);
			cr_assert_eq(n, sizes[i]);
			kb += keep;
		}
		cr_assert_eq(ka, kb);
		cr_assert_eq(a.total, b.total);
		cr_assert_eq(a.too_big, b.too_big);
	}
	cr_assert_eq(ka, 40);
}

Test(bdat, sequence_checks)
{
	struct smtp_bdat b;
	struct smtp_error e;

	cr_assert_eq(smtp_check_data(NULL, SMTP_BODY_8BITMIME, &e), 0);
	smtp_bdat_init(&b, 0);
	cr_assert_eq(smtp_check_data(&b, SMTP_BODY_NONE, &e), 0);
	smtp_bdat_begin(&b, 3, false);
	cr_assert_eq(smtp_check_data(&b, SMTP_BODY_NONE, &e), -1);
	cr_assert_eq(e.code, 503);
	cr_assert_str_eq(e.enhanced, "5.5.1");
	cr_assert_eq(smtp_check_data(NULL, SMTP_BODY_BINARYMIME, &e), -1);
	cr_assert_eq(e.code, 503);
	cr_assert_str_eq(e.enhanced, "5.6.1");
	cr_assert_eq(smtp_check_bdat(SMTP_EXT_CHUNKING, &e), 0);
	cr_assert_eq(smtp_check_bdat(0, &e), -1);
	cr_assert_eq(e.code, 502);
}
