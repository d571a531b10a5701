/*
 * fuzz-linebuf.c — libFuzzer target for the CRLF line framer.
 *
 * The first two bytes pick max_line and the buffer slack; the rest is the
 * input, fed in pieces whose sizes come from a small PRNG seeded by the
 * data, so split points vary.  Checks the framing invariants.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "linebuf-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check_line(const struct gd_linebuf *lb, const char *line, size_t len)
{
	size_t term = lb->bare_lf ? 1 : 2;

	if (memchr(line, '\n', len) != NULL || line[len] != '\0' ||
	    len + term > lb->max_line)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gd_linebuf lb;
	enum gd_linebuf_result r;
	const char *line;
	size_t max_line, off = 0, n, len;
	uint32_t seed = 2166136261u;

	if (size < 2)
		return 0;
	max_line = 2 + data[0] % 64;
	gd_linebuf_init(&lb, max_line + data[1] % 32, max_line);
	data += 2;
	size -= 2;
	for (n = 0; n < size; n++)
		seed = (seed ^ data[n]) * 16777619u;
	while (off < size) {
		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 16) % 40;
		if (n > size - off)
			n = size - off;
		n = gd_linebuf_feed(&lb, data + off, n);
		if (n == 0)
			abort();	/* line mode must never wedge */
		off += n;
		while ((r = gd_linebuf_next(&lb, &line, &len)) !=
		    GD_LINEBUF_MORE)
			if (r == GD_LINEBUF_LINE)
				fuzz_check_line(&lb, line, len);
		if (gd_linebuf_pending(&lb) >= lb.max_line)
			abort();
	}
	gd_linebuf_deinit(&lb);
	return 0;
}
