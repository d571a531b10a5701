/*
 * test-linebuf.c — CRLF line framing: split reads, trickle, overlong
 * lines, bare LF / bare CR, raw access.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "linebuf-private.h"

struct collected {
	char lines[64][128];
	bool bare[64];
	unsigned count;
	unsigned too_long;
	char order[128];	/* 'L' line, 'T' too long */
};

/* Feed `data` in pieces of `step` bytes, collecting every result. */
static void
feed_in_steps(struct gd_linebuf *lb, const char *data, size_t len,
    size_t step, struct collected *c)
{
	enum gd_linebuf_result r;
	const char *line;
	size_t off = 0, n, l;

	while (off < len) {
		n = len - off < step ? len - off : step;
		n = gd_linebuf_feed(lb, data + off, n);
		cr_assert_gt(n, 0, "buffer full with no line to take");
		off += n;
		while ((r = gd_linebuf_next(lb, &line, &l)) != GD_LINEBUF_MORE) {
			cr_assert_lt(c->count + c->too_long, 64);
			if (r == GD_LINEBUF_TOO_LONG) {
				c->order[c->count + c->too_long] = 'T';
				c->too_long++;
				continue;
			}
			cr_assert_eq(line[l], '\0');
			cr_assert_lt(l, sizeof(c->lines[0]));
			c->order[c->count + c->too_long] = 'L';
			memcpy(c->lines[c->count], line, l);
			c->lines[c->count][l] = '\0';
			c->bare[c->count] = lb->bare_lf;
			c->count++;
		}
	}
}

Test(linebuf, basic_many_lines_one_read)
{
	struct gd_linebuf lb;
	struct collected c = { 0 };
	const char *in = "HELO a\r\nMAIL FROM:<x>\r\nRCPT TO:<y>\r\n";

	gd_linebuf_init(&lb, 256, 100);
	feed_in_steps(&lb, in, strlen(in), strlen(in), &c);
	cr_assert_eq(c.count, 3);
	cr_assert_str_eq(c.lines[0], "HELO a");
	cr_assert_str_eq(c.lines[1], "MAIL FROM:<x>");
	cr_assert_str_eq(c.lines[2], "RCPT TO:<y>");
	cr_assert(!c.bare[0] && !c.bare[1] && !c.bare[2]);
	cr_assert_eq(gd_linebuf_pending(&lb), 0);
	gd_linebuf_deinit(&lb);
}

Test(linebuf, trickle_one_byte)
{
	struct gd_linebuf lb;
	struct collected c = { 0 };
	const char *in = "one\r\ntwo\nthree\r\n\r\nfour\r\n";

	gd_linebuf_init(&lb, 16, 16);
	feed_in_steps(&lb, in, strlen(in), 1, &c);
	cr_assert_eq(c.count, 5);
	cr_assert_str_eq(c.lines[0], "one");
	cr_assert_str_eq(c.lines[1], "two");
	cr_assert(c.bare[1]);
	cr_assert_str_eq(c.lines[2], "three");
	cr_assert_str_eq(c.lines[3], "");
	cr_assert_str_eq(c.lines[4], "four");
	gd_linebuf_deinit(&lb);
}

Test(linebuf, crlf_split_across_reads)
{
	struct gd_linebuf lb;
	const char *line;
	size_t len;

	gd_linebuf_init(&lb, 64, 64);
	gd_linebuf_feed(&lb, "abc\r", 4);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_MORE);
	gd_linebuf_feed(&lb, "\nxyz", 4);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_LINE);
	cr_assert_eq(len, 3);
	cr_assert_str_eq(line, "abc");
	cr_assert(!lb.bare_lf);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_MORE);
	cr_assert_eq(gd_linebuf_pending(&lb), 3);
	gd_linebuf_deinit(&lb);
}

Test(linebuf, bare_cr_is_data)
{
	struct gd_linebuf lb;
	const char *line;
	size_t len;

	gd_linebuf_init(&lb, 64, 64);
	gd_linebuf_feed(&lb, "a\rb\r\r\n", 6);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_LINE);
	cr_assert_eq(len, 4);
	cr_assert_eq(memcmp(line, "a\rb\r", 4), 0);
	cr_assert(!lb.bare_lf);
	gd_linebuf_deinit(&lb);
}

Test(linebuf, bare_lf_flagged)
{
	struct gd_linebuf lb;
	const char *line;
	size_t len;

	gd_linebuf_init(&lb, 64, 64);
	gd_linebuf_feed(&lb, "a\nb\r\n", 5);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_LINE);
	cr_assert_str_eq(line, "a");
	cr_assert(lb.bare_lf);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_LINE);
	cr_assert_str_eq(line, "b");
	cr_assert(!lb.bare_lf);
	gd_linebuf_deinit(&lb);
}

Test(linebuf, limit_counts_terminator)
{
	struct gd_linebuf lb;
	struct collected c = { 0 };
	/* max 10: 8 chars + CRLF fits, 9 chars + CRLF does not. */
	const char *in = "12345678\r\n123456789\r\nok\r\n";

	gd_linebuf_init(&lb, 32, 10);
	feed_in_steps(&lb, in, strlen(in), strlen(in), &c);
	cr_assert_eq(c.count, 2);
	cr_assert_eq(c.too_long, 1);
	cr_assert_str_eq(c.order, "LTL");
	cr_assert_str_eq(c.lines[0], "12345678");
	cr_assert_str_eq(c.lines[1], "ok");
	gd_linebuf_deinit(&lb);
}

Test(linebuf, overlong_discarded_then_reported_at_lf)
{
	struct gd_linebuf lb;
	struct collected c = { 0 };
	char in[600];

	memset(in, 'x', 500);
	memcpy(in + 500, "\r\nnext\r\n", 8);
	gd_linebuf_init(&lb, 64, 64);
	/* Reading in 7-byte pieces: memory stays bounded by the buffer. */
	feed_in_steps(&lb, in, 508, 7, &c);
	cr_assert_eq(c.too_long, 1);
	cr_assert_eq(c.count, 1);
	cr_assert_str_eq(c.order, "TL");
	cr_assert_str_eq(c.lines[0], "next");
	gd_linebuf_deinit(&lb);
}

Test(linebuf, overlong_trickle_never_truncates)
{
	struct gd_linebuf lb;
	struct collected c = { 0 };
	char in[300];

	memset(in, 'y', 200);
	memcpy(in + 200, "\nshort\n", 7);
	gd_linebuf_init(&lb, 16, 16);
	feed_in_steps(&lb, in, 207, 1, &c);
	cr_assert_eq(c.too_long, 1);
	cr_assert_eq(c.count, 1, "no truncated piece may appear as a line");
	cr_assert_str_eq(c.lines[0], "short");
	gd_linebuf_deinit(&lb);
}

Test(linebuf, raw_access_and_discard)
{
	struct gd_linebuf lb;
	const char *line, *data;
	size_t len;

	gd_linebuf_init(&lb, 64, 64);
	gd_linebuf_feed(&lb, "STARTTLS\r\nMAIL FROM:<evil>\r\n", 28);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_LINE);
	cr_assert_str_eq(line, "STARTTLS");
	cr_assert_eq(gd_linebuf_discard(&lb), 18);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_MORE);
	gd_linebuf_feed(&lb, "abcdef", 6);
	data = gd_linebuf_data(&lb, &len);
	cr_assert_eq(len, 6);
	cr_assert_eq(memcmp(data, "abcdef", 6), 0);
	gd_linebuf_consume(&lb, 4);
	data = gd_linebuf_data(&lb, &len);
	cr_assert_eq(len, 2);
	cr_assert_eq(memcmp(data, "ef", 2), 0);
	gd_linebuf_consume(&lb, 2);
	gd_linebuf_release(&lb);
	cr_assert_null(lb.buf, "empty buffer must be released");
	gd_linebuf_deinit(&lb);
}

Test(linebuf, compaction_keeps_partial_line)
{
	struct gd_linebuf lb;
	const char *line;
	size_t len, space;

	gd_linebuf_init(&lb, 16, 16);
	cr_assert_eq(gd_linebuf_feed(&lb, "0123456789\nabcde", 16), 16);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_LINE);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_MORE);
	(void)gd_linebuf_space(&lb, &space);
	cr_assert_eq(space, 11);
	cr_assert_eq(gd_linebuf_feed(&lb, "fgh\r\n", 5), 5);
	cr_assert_eq(gd_linebuf_next(&lb, &line, &len), GD_LINEBUF_LINE);
	cr_assert_str_eq(line, "abcdefgh");
	gd_linebuf_deinit(&lb);
}

Test(linebuf, every_split_gives_same_lines)
{
	const char *in = "a\r\nbb\n\r\nccc\r\r\n0123456789ABCDEFG\r\nz\r\n";
	size_t step;

	for (step = 1; step <= strlen(in); step++) {
		struct gd_linebuf lb;
		struct collected c = { 0 };

		gd_linebuf_init(&lb, 16, 16);
		feed_in_steps(&lb, in, strlen(in), step, &c);
		cr_assert_eq(c.count, 5, "step %zu", step);
		cr_assert_str_eq(c.order, "LLLLTL", "step %zu", step);
		cr_assert_str_eq(c.lines[3], "ccc\r", "step %zu", step);
		cr_assert_str_eq(c.lines[4], "z", "step %zu", step);
		gd_linebuf_deinit(&lb);
	}
}
