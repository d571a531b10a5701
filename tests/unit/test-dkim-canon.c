/*
 * test-dkim-canon.c — canonicalisation (RFC 6376 3.4): the section 3.4.5
 * example, empty bodies, trailing empty lines, l=, bare LF and CR, and
 * the same output whatever the split (one byte at a time).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dkim-test-util.h"

/* Canonicalise `in` fed `step` bytes at a time; a malloc'ed copy. */
static char *
body(enum gd_dkim_canon c, const char *in, size_t len, size_t step,
    uint64_t limit, size_t *out_len, uint64_t *total)
{
	static struct dkim_body_canon bc;
	size_t off, n;

	dkim_body_init(&bc, c, limit, NULL);
	bc.cap_max = 1 << 20;
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		dkim_body_write(&bc, in + off, n);
	}
	dkim_body_end(&bc);
	*out_len = bc.cap_len;
	if (total != NULL)
		*total = bc.total;
	return bc.cap_buf != NULL ? bc.cap_buf : calloc(1, 1);
}

static void
expect_body(enum gd_dkim_canon c, const char *in, const char *want)
{
	size_t step, n;
	char *out;

	for (step = 1; step <= strlen(in) + 1; step++) {
		out = body(c, in, strlen(in), step, UINT64_MAX, &n, NULL);
		cr_assert_eq(n, strlen(want), "step %zu: length %zu, want %zu"
		    " for \"%s\"", step, n, strlen(want), in);
		cr_assert_eq(memcmp(out, want, n), 0, "step %zu", step);
		free(out);
	}
}

static void
expect_header(enum gd_dkim_canon c, const char *in, const char *want)
{
	char out[512];
	size_t n = dkim_header_canon_buf(c, in, strlen(in), true, out);

	out[n] = '\0';
	cr_assert_str_eq(out, want);
}

/* RFC 6376 3.4.5. */
#define EX_HEADER_A "A: X\r\n"
#define EX_HEADER_B "B : Y\t\r\n\tZ  \r\n"
#define EX_BODY " C \r\nD \t E\r\n\r\n\r\n"

Test(dkim_canon, rfc6376_example_relaxed)
{
	expect_header(GD_DKIM_CANON_RELAXED, EX_HEADER_A, "a:X\r\n");
	expect_header(GD_DKIM_CANON_RELAXED, EX_HEADER_B, "b:Y Z\r\n");
	expect_body(GD_DKIM_CANON_RELAXED, EX_BODY, " C\r\nD E\r\n");
}

Test(dkim_canon, rfc6376_example_simple)
{
	expect_header(GD_DKIM_CANON_SIMPLE, EX_HEADER_A, EX_HEADER_A);
	expect_header(GD_DKIM_CANON_SIMPLE, EX_HEADER_B, EX_HEADER_B);
	expect_body(GD_DKIM_CANON_SIMPLE, EX_BODY, " C \r\nD \t E\r\n");
}

Test(dkim_canon, empty_bodies)
{
	expect_body(GD_DKIM_CANON_SIMPLE, "", "\r\n");
	expect_body(GD_DKIM_CANON_SIMPLE, "\r\n\r\n\r\n", "\r\n");
	expect_body(GD_DKIM_CANON_RELAXED, "", "");
	expect_body(GD_DKIM_CANON_RELAXED, "\r\n \t\r\n\r\n", "");
	/* Simple: a line of spaces is not empty. */
	expect_body(GD_DKIM_CANON_SIMPLE, "  \r\n\r\n", "  \r\n");
}

Test(dkim_canon, missing_final_crlf_and_bare_ends)
{
	expect_body(GD_DKIM_CANON_SIMPLE, "abc", "abc\r\n");
	expect_body(GD_DKIM_CANON_RELAXED, "abc  ", "abc\r\n");
	expect_body(GD_DKIM_CANON_SIMPLE, "a\nb\n\n", "a\r\nb\r\n");
	expect_body(GD_DKIM_CANON_SIMPLE, "a\rb\r\n", "a\rb\r\n");
	expect_body(GD_DKIM_CANON_SIMPLE, "a\r", "a\r\r\n");
	expect_body(GD_DKIM_CANON_RELAXED, "\t a\t\tb \r\n", " a b\r\n");
	expect_body(GD_DKIM_CANON_SIMPLE, "\r\n\r\nx\r\n\r\n",
	    "\r\n\r\nx\r\n");
}

Test(dkim_canon, length_limit)
{
	uint64_t total;
	size_t n;
	char *out;

	out = body(GD_DKIM_CANON_SIMPLE, "hello\r\nworld\r\n\r\n", 16, 1, 7,
	    &n, &total);
	cr_assert_eq(n, 7);
	cr_assert_eq(memcmp(out, "hello\r\n", 7), 0);
	cr_assert_eq(total, 14);
	free(out);
	out = body(GD_DKIM_CANON_RELAXED, "ab", 2, 2, 0, &n, &total);
	cr_assert_eq(n, 0);
	cr_assert_eq(total, 4);
	free(out);
}

/* Many trailing empty lines cost no memory: only a count. */
Test(dkim_canon, many_trailing_lines_are_counted)
{
	static struct dkim_body_canon bc;
	size_t i;

	dkim_body_init(&bc, GD_DKIM_CANON_SIMPLE, UINT64_MAX, NULL);
	bc.cap_max = 1 << 20;
	dkim_body_write(&bc, "x", 1);
	for (i = 0; i < 100000; i++)
		dkim_body_write(&bc, "\r\n", 2);
	cr_assert_eq(bc.blen, 1);
	cr_assert_eq(bc.pending_crlf, 100000);
	dkim_body_end(&bc);
	cr_assert_eq(bc.cap_len, 3);
	free(bc.cap_buf);
}

Test(dkim_canon, large_body_any_split)
{
	char *in = malloc(100000), *a, *b;
	size_t i, na, nb;

	for (i = 0; i < 100000; i++)
		in[i] = "ab \t\r\n\n\r c"[(i * 7 + i / 13) % 11];
	a = body(GD_DKIM_CANON_RELAXED, in, 100000, 100000, UINT64_MAX, &na,
	    NULL);
	b = body(GD_DKIM_CANON_RELAXED, in, 100000, 3, UINT64_MAX, &nb, NULL);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(a, b, na), 0);
	free(a);
	free(b);
	free(in);
}

Test(dkim_header, collect_and_select)
{
	static const char msg[] = "From: a\r\nX: 1\r\nx: 2\n  cont\r\n"
	    "Subject : s\r\n\r\nbody";
	static struct dkim_header hc;
	const char *names[] = { "x", "X", "x", "from" };
	uint8_t lens[] = { 1, 1, 1, 4 };
	long idx[4];
	size_t i, n = 0;

	for (i = 0; i < sizeof(msg) - 1 && !hc.done; i++) {
		if (i == 0)
			dkim_header_init(&hc, 4096);
		n += dkim_header_write(&hc, msg + i, 1);
	}
	cr_assert(hc.done);
	cr_assert_eq(n, sizeof(msg) - 1 - 4);
	cr_assert_eq(hc.nfields, 4);
	cr_assert_eq(hc.fields[2].len, strlen("x: 2\r\n  cont\r\n"));
	cr_assert(dkim_field_is(&hc, 3, "subject", 7));
	dkim_header_select(&hc, names, lens, 4, idx);
	cr_assert_eq(idx[0], 2);	/* bottom-up */
	cr_assert_eq(idx[1], 1);
	cr_assert_eq(idx[2], -1);	/* none left */
	cr_assert_eq(idx[3], 0);
	dkim_header_free(&hc);
}

Test(dkim_header, bounded)
{
	static struct dkim_header hc;
	char line[100];
	size_t i;

	dkim_header_init(&hc, 1000);
	for (i = 0; i < 50; i++) {
		snprintf(line, sizeof(line), "X-Filler-%zu: %060zu\r\n", i, i);
		dkim_header_write(&hc, line, strlen(line));
	}
	dkim_header_write(&hc, "\r\nbody", 6);
	cr_assert(hc.done);
	cr_assert(hc.overflow);
	cr_assert_leq(hc.len, 1000);
	dkim_header_free(&hc);
}
