/*
 * test-pop3-stuff.c — modules/pop3's RETR/TOP stuffer (dot-stuffing,
 * bare LF and CR to CRLF, the terminator, TOP's header + n lines, any
 * chunking and any output room giving the same bytes), the LIST/STAT
 * size (equal to what the stuffer sends, stuffing aside) and UIDL values.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pop3-parse.h"

#define OUT_MAX		65536

static char out[OUT_MAX];

/*
 * Run the stuffer over `in` with input chunks of `chunk` octets (0: all
 * at once) and an output buffer of `room` octets; return the total
 * written into `out` (NUL-terminated), the state in *s.
 */
static size_t
stuff(struct pop3_stuff *s, const char *in, size_t len, size_t chunk,
    size_t room, bool top, uint64_t lines)
{
	size_t off = 0, w = 0, n, used, step;
	char buf[256];
	int guard = 0;

	cr_assert_leq(room, sizeof(buf));
	pop3_stuff_init(s, top, lines);
	while (off < len) {
		step = chunk == 0 || len - off < chunk ? len - off : chunk;
		n = pop3_stuff_feed(s, in + off, step, buf, room, &used);
		cr_assert_leq(n, room);
		cr_assert_leq(used, step);
		cr_assert(n > 0 || used > 0, "no progress");
		cr_assert_lt(w + n, OUT_MAX);
		memcpy(out + w, buf, n);
		w += n;
		off += used;
		cr_assert_lt(++guard, 1000000);
	}
	n = pop3_stuff_finish(s, buf, room);
	cr_assert_gt(n, 0);
	memcpy(out + w, buf, n);
	w += n;
	out[w] = '\0';
	cr_assert_eq(s->wire, w);
	return w;
}

static const char *
retr(const char *in)
{
	struct pop3_stuff s;

	stuff(&s, in, strlen(in), 0, 256, false, 0);
	cr_assert_eq(s.content, pop3_size_of(in, strlen(in)),
	    "LIST size == octets sent without stuffing");
	return out;
}

static const char *
top(const char *in, uint64_t lines)
{
	struct pop3_stuff s;

	stuff(&s, in, strlen(in), 0, 256, true, lines);
	return out;
}

Test(pop3_stuff, plain_message)
{
	cr_assert_str_eq(retr("Subject: x\r\n\r\nhello\r\n"),
	    "Subject: x\r\n\r\nhello\r\n.\r\n");
	cr_assert_str_eq(retr(""), ".\r\n");
}

Test(pop3_stuff, dots_doubled_at_line_start_only)
{
	cr_assert_str_eq(retr(".\r\n..x\r\na.b\r\n"),
	    "..\r\n...x\r\na.b\r\n.\r\n");
	cr_assert_str_eq(retr("a\r\n.\r\n"), "a\r\n..\r\n.\r\n",
	    "a lone dot line cannot end the response");
	cr_assert_str_eq(retr("."), "..\r\n.\r\n");
}

Test(pop3_stuff, line_ends_normalised)
{
	cr_assert_str_eq(retr("a\nb\n"), "a\r\nb\r\n.\r\n");
	cr_assert_str_eq(retr("a\rb\r"), "a\r\nb\r\n.\r\n");
	cr_assert_str_eq(retr("a\r\r\nb"), "a\r\n\r\nb\r\n.\r\n");
	cr_assert_str_eq(retr("\n.\n"), "\r\n..\r\n.\r\n");
	cr_assert_str_eq(retr("x\r"), "x\r\n.\r\n");
}

Test(pop3_stuff, missing_final_crlf_added)
{
	cr_assert_str_eq(retr("Subject: x\r\n\r\nno end"),
	    "Subject: x\r\n\r\nno end\r\n.\r\n");
	cr_assert_eq(pop3_size_of("ab", 2), 4);
	cr_assert_eq(pop3_size_of("ab\n", 3), 4);
	cr_assert_eq(pop3_size_of("ab\r", 3), 4);
	cr_assert_eq(pop3_size_of("ab\r\n", 4), 4);
	cr_assert_eq(pop3_size_of("", 0), 0);
	cr_assert_eq(pop3_size_of("\n\n", 2), 4);
}

Test(pop3_stuff, top_header_and_lines)
{
	const char *m = "A: 1\r\nB: 2\r\n\r\nl1\r\n.l2\r\nl3\r\n";

	cr_assert_str_eq(top(m, 0), "A: 1\r\nB: 2\r\n\r\n.\r\n");
	cr_assert_str_eq(top(m, 1), "A: 1\r\nB: 2\r\n\r\nl1\r\n.\r\n");
	cr_assert_str_eq(top(m, 2),
	    "A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n.\r\n");
	cr_assert_str_eq(top(m, 3), retr(m));
	cr_assert_str_eq(top(m, 100), retr(m));
	cr_assert_str_eq(top("A: 1\nB: 2\n\nl1\nl2\n", 1),
	    "A: 1\r\nB: 2\r\n\r\nl1\r\n.\r\n");
	cr_assert_str_eq(top("A: 1\r\n", 0), "A: 1\r\n.\r\n",
	    "no body at all");
	cr_assert_str_eq(top("A: 1", 5), "A: 1\r\n.\r\n");
}

Test(pop3_stuff, top_done_stops_reading)
{
	struct pop3_stuff s;
	char buf[64];
	size_t used, n;

	pop3_stuff_init(&s, true, 0);
	n = pop3_stuff_feed(&s, "H: v\r\n\r\nbody\r\n", 14, buf,
	    sizeof(buf), &used);
	cr_assert_eq(n, 8);
	cr_assert_eq(used, 14, "the rest is consumed unread");
	cr_assert(pop3_stuff_done(&s));
	cr_assert_eq(pop3_stuff_feed(&s, "more", 4, buf, sizeof(buf), &used),
	    0);
	cr_assert_eq(used, 4);
	cr_assert_eq(pop3_stuff_finish(&s, buf, sizeof(buf)), 3);
	cr_assert_eq(pop3_stuff_finish(&s, buf, sizeof(buf)), 0,
	    "finish writes once");
}

Test(pop3_stuff, finish_needs_room)
{
	struct pop3_stuff s;
	char buf[8];

	pop3_stuff_init(&s, false, 0);
	cr_assert_eq(pop3_stuff_finish(&s, buf, POP3_STUFF_TAIL_MAX - 1), 0);
	cr_assert_eq(pop3_stuff_finish(&s, buf, POP3_STUFF_TAIL_MAX), 3);
}

/* A message with every awkward case, built with a fixed seed. */
static size_t
awkward(char *m, size_t cap)
{
	static const char *const bits[] = { ".", "\r", "\n", "\r\n", "..",
	    "x", "Subject: y", "\n.\n", "\r.\r", " ", "\r\n\r\n" };
	unsigned seed = 12345;
	size_t len = 0, b;

	while (len + 16 < cap) {
		seed = seed * 1103515245u + 12345u;
		b = (seed >> 16) % (sizeof(bits) / sizeof(bits[0]));
		memcpy(m + len, bits[b], strlen(bits[b]));
		len += strlen(bits[b]);
	}
	return len;
}

Test(pop3_stuff, chunking_and_room_do_not_matter)
{
	static char m[8000], whole[OUT_MAX];
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 1000 };
	static const size_t rooms[] = { POP3_STUFF_OUT_MIN, 9, 13, 256 };
	struct pop3_stuff s;
	size_t len, wlen, n, i, j, t;

	len = awkward(m, sizeof(m));
	for (t = 0; t < 3; t++) {
		wlen = stuff(&s, m, len, 0, 256, t > 0, t == 1 ? 3 : 40);
		memcpy(whole, out, wlen);
		if (t == 0)
			cr_assert_eq(s.content, pop3_size_of(m, len));
		for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
			for (j = 0; j < sizeof(rooms) / sizeof(rooms[0]); j++) {
				n = stuff(&s, m, len, chunks[i], rooms[j],
				    t > 0, t == 1 ? 3 : 40);
				cr_assert_eq(n, wlen, "chunk %zu room %zu",
				    chunks[i], rooms[j]);
				cr_assert_eq(memcmp(out, whole, n), 0);
			}
	}
}

/* Undo the stuffing as a client would; the result must be the message
 * with CRLF line ends and a final CRLF, of the announced size. */
Test(pop3_stuff, client_view_round_trip)
{
	static char m[6000], back[OUT_MAX];
	struct pop3_stuff s;
	size_t len, n, i = 0, b = 0;
	struct pop3_size sz;

	len = awkward(m, sizeof(m));
	n = stuff(&s, m, len, 5, 64, false, 0);
	cr_assert_eq(memcmp(out + n - 5, "\r\n.\r\n", 5), 0);
	while (i < n) {
		if (out[i] == '.' && (i == 0 || out[i - 1] == '\n')) {
			if (out[i + 1] == '\r')
				break;	/* the terminator */
			i++;
		}
		back[b++] = out[i++];
	}
	cr_assert_eq(i, n - 3);
	cr_assert_eq(b, s.content);
	pop3_size_init(&sz);
	for (i = 0; i < len; i += 3)
		pop3_size_feed(&sz, m + i, len - i < 3 ? len - i : 3);
	cr_assert_eq(pop3_size_finish(&sz), b);
	for (i = 0; i < b; i++)
		if (back[i] == '\r')
			cr_assert_eq(back[i + 1], '\n', "CR alone at %zu", i);
		else if (back[i] == '\n')
			cr_assert_eq(back[i - 1], '\r', "LF alone at %zu", i);
}

Test(pop3_uidl, values)
{
	char buf[32], big[80];

	cr_assert_eq(pop3_uidl_format(buf, sizeof(buf), 0x5f3a1b2cu, 42),
	    POP3_UIDL_LEN);
	cr_assert_str_eq(buf, "5f3a1b2c0000002a");
	cr_assert(pop3_uidl_valid(buf, strlen(buf)));
	pop3_uidl_format(buf, sizeof(buf), UINT32_MAX, UINT32_MAX);
	cr_assert_str_eq(buf, "ffffffffffffffff");
	pop3_uidl_format(buf, sizeof(buf), 1, 0);
	cr_assert_str_eq(buf, "0000000100000000");
	cr_assert_eq(pop3_uidl_format(buf, POP3_UIDL_LEN, 1, 1), 0);
	cr_assert_not(pop3_uidl_valid("", 0));
	cr_assert_not(pop3_uidl_valid("a b", 3));
	cr_assert_not(pop3_uidl_valid("a\x7f", 2));
	memset(big, '!', sizeof(big));
	cr_assert(pop3_uidl_valid(big, 70));
	cr_assert_not(pop3_uidl_valid(big, 71));
}

Test(pop3_uidl, distinct)
{
	char a[32], b[32];

	pop3_uidl_format(a, sizeof(a), 1, 0x10);
	pop3_uidl_format(b, sizeof(b), 0x10, 1);
	cr_assert_str_neq(a, b);
	pop3_uidl_format(b, sizeof(b), 2, 0x10);
	cr_assert_str_neq(a, b, "a new UIDVALIDITY gives new values");
}
