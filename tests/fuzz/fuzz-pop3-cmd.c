/*
 * fuzz-pop3-cmd.c — libFuzzer target for the pop3 module's pure code.
 * The first input octet picks options (bit 0: UTF8 mode; bit 1: TOP;
 * bits 2-7: TOP's line count); the rest is used three ways:
 *   1. a stream of command lines, framed at LF as the session's reader
 *      will (a CR before the LF dropped, a line over POP3_LINE_MAX cut
 *      and refused), once whole and once fed one octet at a time into a
 *      bounded buffer: both runs must give the same results.  Each
 *      command is checked in every state; every refusal must format as
 *      one "-ERR" line of at most 512 octets with CRLF only at its end.
 *   2. a message for the RETR/TOP stuffer, fed whole into a large buffer
 *      and fed one octet at a time into a small one: the output must be
 *      identical, end with the terminator, hold no bare CR or LF and no
 *      "." line before the end, and its unstuffed size must equal
 *      pop3_size_of().
 *   3. the IMPLEMENTATION text and SASL list of a CAPA reply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_check_line(const char *r, size_t n, const char *head)
{
	if (n > POP3_REPLY_MAX || n < strlen(head) + 2 ||
	    memcmp(r, head, strlen(head)) != 0 ||
	    memchr(r, '\r', n) != r + n - 2 ||
	    memchr(r, '\n', n) != r + n - 1 || strlen(r) != n)
		abort();
}

static void
fz_check_err(const struct pop3_error *e)
{
	char r[POP3_REPLY_MAX + 1];
	size_t i;

	if ((unsigned)e->code >= POP3_CODE_COUNT)
		abort();
	for (i = 0; e->text[i] != '\0'; i++)
		if (e->text[i] < 0x20 || e->text[i] > 0x7e)
			abort();
	fz_check_line(r, pop3_reply_error(r, sizeof(r), e, true), "-ERR");
}

/* One command line: a small digest of what the parser said. */
static uint32_t
fz_line(const char *line, size_t len, bool utf8)
{
	static const enum pop3_state st[] = { POP3_STATE_AUTHORIZATION,
	    POP3_STATE_TRANSACTION, POP3_STATE_UPDATE };
	struct pop3_error e;
	struct pop3_cmd c;
	uint32_t h;
	size_t i;

	h = (uint32_t)pop3_auth_line_kind(line, len);
	if (pop3_cmd_parse(line, len, utf8, &c, &e) < 0) {
		fz_check_err(&e);
		return h * 31 + 1000 + c.verb;
	}
	if ((c.arg != NULL && (c.arg < line || c.arg + c.arg_len >
	    line + len)) || (c.arg2 != NULL && (c.arg2 < line ||
	    c.arg2 + c.arg2_len > line + len)))
		abort();
	if (c.has_msg && (c.msg == 0 || c.msg > POP3_MSG_MAX))
		abort();
	if (c.verb == POP3_VERB_UNKNOWN)
		abort();
	for (i = 0; i < 3; i++) {
		if (pop3_cmd_allowed(c.verb, st[i], 0xfff, len & 1, &e) < 0)
			fz_check_err(&e);
		else if ((pop3_verb_states(c.verb) & st[i]) == 0)
			abort();
	}
	return h * 31 + c.verb + c.msg + c.lines;
}

/* Frame at LF; `bytewise` feeds a bounded buffer octet by octet. */
static uint32_t
fz_lines(const char *in, size_t size, bool bytewise, bool utf8)
{
	static char buf[POP3_LINE_MAX];
	uint32_t h = 2166136261u;
	size_t i, start = 0, len = 0, n;
	const char *l;

	for (i = 0; i < size; i++) {
		if (bytewise && in[i] != '\n') {
			if (len < sizeof(buf))
				buf[len] = in[i];
			len++;
		}
		if (in[i] != '\n')
			continue;
		l = bytewise ? buf : in + start;
		n = bytewise ? len : i - start;
		if (n > POP3_LINE_MAX)
			n = POP3_LINE_MAX;	/* cut: refused as too long */
		else if (n > 0 && l[n - 1] == '\r')
			n--;
		h = (h ^ fz_line(l, n, utf8)) * 16777619u;
		start = i + 1;
		len = 0;
	}
	return h;
}

static size_t
fz_stuff(const char *in, size_t size, bool top, unsigned lines,
    size_t step, size_t room, char *out, uint64_t *content_r)
{
	struct pop3_stuff s;
	size_t off = 0, w = 0, used, n;

	pop3_stuff_init(&s, top, lines);
	while (off < size) {
		n = pop3_stuff_feed(&s, in + off, size - off < step ?
		    size - off : step, out + w, room, &used);
		if (n > room || (n == 0 && used == 0))
			abort();
		w += n;
		off += used;
	}
	n = pop3_stuff_finish(&s, out + w, room);
	if (n == 0 || s.wire != w + n)
		abort();
	*content_r = s.content;
	return w + n;
}

static void
fz_check_stuffed(const char *o, size_t n)
{
	size_t i;

	if (n < 3 || memcmp(o + n - 3, ".\r\n", 3) != 0 ||
	    (n > 3 && memcmp(o + n - 5, "\r\n", 2) != 0))
		abort();
	for (i = 0; i + 3 < n; i++) {
		if (o[i] == '\r' && o[i + 1] != '\n')
			abort();
		if (o[i] == '\n' && (i == 0 || o[i - 1] != '\r'))
			abort();
		if ((i == 0 || o[i - 1] == '\n') && o[i] == '.' &&
		    o[i + 1] == '\r')
			abort();
	}
}

static void
fz_stuffer(const char *in, size_t size, bool top, unsigned lines)
{
	char *a, *b;
	size_t na, nb, cap = 2 * size + 16;
	uint64_t ca, cb;

	a = malloc(cap);
	b = malloc(cap);
	na = fz_stuff(in, size, top, lines, size + 1, cap, a, &ca);
	nb = fz_stuff(in, size, top, lines, 1, POP3_STUFF_OUT_MIN, b, &cb);
	if (na != nb || memcmp(a, b, na) != 0 || ca != cb)
		abort();
	fz_check_stuffed(a, na);
	if (!top && ca != pop3_size_of(in, size))
		abort();
	free(a);
	free(b);
}

static void
fz_capa(const char *text)
{
	char r[4096];
	struct pop3_capa c = { 0xfff, text, true, true, 7, 60, text };
	size_t n, i, ls = 0;

	n = pop3_capa_format(r, sizeof(r), &c, POP3_STATE_AUTHORIZATION);
	if (n >= sizeof(r) || strlen(r) != n ||
	    memcmp(r + n - 3, ".\r\n", 3) != 0)
		abort();
	for (i = 0; i < n; i++)
		if (r[i] == '\n') {
			if (i - ls + 1 > POP3_REPLY_MAX || r[i - 1] != '\r')
				abort();
			ls = i + 1;
		} else if (r[i] == '\r' && r[i + 1] != '\n')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;
	bool utf8, top;
	unsigned lines;

	if (size == 0)
		return 0;
	utf8 = data[0] & 1;
	top = data[0] & 2;
	lines = data[0] >> 2;
	/* Exact-size copy (plus a NUL for the CAPA texts), so ASan sees any
	 * read past the end. */
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	if (fz_lines(copy, size - 1, false, utf8) !=
	    fz_lines(copy, size - 1, true, utf8))
		abort();
	(void)fz_line(copy, size - 1, utf8);
	fz_stuffer(copy, size - 1, top, lines);
	fz_capa(copy);
	free(copy);
	return 0;
}
