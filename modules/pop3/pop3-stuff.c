/*
 * pop3-stuff.c — what RETR and TOP send: the streaming dot-stuffer with
 * line-end normalisation and TOP's cut, the matching size count for LIST
 * and STAT, and the UIDL value.
 */
#include <stdio.h>
#include <string.h>

#include "pop3-parse.h"

/* Worst output of one input octet: a held CR's CRLF, then "..". */
#define POP3_STUFF_STEP_MAX	4

static void pop3_stuff_eol(struct pop3_stuff *s, char *out, size_t *w);
static size_t pop3_stuff_run(struct pop3_stuff *s, const char *in,
    size_t len, char *out, size_t room);
static void pop3_stuff_octet(struct pop3_stuff *s, char c, char *out,
    size_t *w);

void
pop3_stuff_init(struct pop3_stuff *s, bool top, uint64_t lines)
{
	memset(s, 0, sizeof(*s));
	s->bol = true;
	s->header = true;
	s->top = top;
	s->left = lines;
}

bool
pop3_stuff_done(const struct pop3_stuff *s)
{
	return s->done;
}

/* End a line: CRLF out, and TOP's count of header and body lines. */
static void
pop3_stuff_eol(struct pop3_stuff *s, char *out, size_t *w)
{
	bool empty = s->bol;

	out[(*w)++] = '\r';
	out[(*w)++] = '\n';
	s->content += 2;
	s->wire += 2;
	s->bol = true;
	if (!s->top)
		return;
	if (s->header) {
		if (empty) {
			s->header = false;
			s->done = s->left == 0;
		}
	} else if (--s->left == 0)
		s->done = true;
}

/* Inside a line: copy the octets up to the next CR or LF in one go. */
static size_t
pop3_stuff_run(struct pop3_stuff *s, const char *in, size_t len, char *out,
    size_t room)
{
	size_t n, max = len < room ? len : room;

	for (n = 0; n < max && in[n] != '\r' && in[n] != '\n'; n++)
		continue;
	memcpy(out, in, n);
	s->content += n;
	s->wire += n;
	return n;
}

/* One octet at the start of a line or after a CR. */
static void
pop3_stuff_octet(struct pop3_stuff *s, char c, char *out, size_t *w)
{
	if (s->cr) {
		s->cr = false;
		pop3_stuff_eol(s, out, w);
		if (c == '\n' || s->done)
			return;
	}
	if (c == '\r') {
		s->cr = true;
		return;
	}
	if (c == '\n') {
		pop3_stuff_eol(s, out, w);
		return;
	}
	if (s->bol && c == '.') {
		out[(*w)++] = '.';
		s->wire++;
	}
	out[(*w)++] = c;
	s->content++;
	s->wire++;
	s->bol = false;
}

size_t
pop3_stuff_feed(struct pop3_stuff *s, const char *in, size_t len,
    char *out, size_t cap, size_t *used_r)
{
	size_t i = 0, w = 0, n;

	while (i < len && !s->done) {
		if (!s->bol && !s->cr) {
			n = pop3_stuff_run(s, in + i, len - i, out + w,
			    cap - w);
			i += n;
			w += n;
			if (i == len || w == cap)
				break;
		}
		if (cap - w < POP3_STUFF_STEP_MAX)
			break;
		pop3_stuff_octet(s, in[i++], out, &w);
	}
	if (s->done)
		i = len;
	*used_r = i;
	return w;
}

size_t
pop3_stuff_finish(struct pop3_stuff *s, char *out, size_t cap)
{
	size_t w = 0;

	if (s->finished || cap < POP3_STUFF_TAIL_MAX)
		return 0;
	if (s->cr || !s->bol) {
		out[w++] = '\r';
		out[w++] = '\n';
		s->content += 2;
		s->wire += 2;
	}
	s->cr = false;
	s->bol = true;
	memcpy(out + w, ".\r\n", 3);
	w += 3;
	s->wire += 3;
	s->finished = true;
	return w;
}

void
pop3_size_init(struct pop3_size *sz)
{
	sz->bol = true;
	sz->cr = false;
	sz->octets = 0;
}

void
pop3_size_feed(struct pop3_size *sz, const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (sz->cr) {
			sz->cr = false;
			sz->octets += 2;
			sz->bol = true;
			if (in[i] == '\n')
				continue;
		}
		if (in[i] == '\r')
			sz->cr = true;
		else if (in[i] == '\n') {
			sz->octets += 2;
			sz->bol = true;
		} else {
			sz->octets++;
			sz->bol = false;
		}
	}
}

uint64_t
pop3_size_finish(const struct pop3_size *sz)
{
	return sz->octets + (sz->cr || !sz->bol ? 2 : 0);
}

uint64_t
pop3_size_of(const char *msg, size_t len)
{
	struct pop3_size sz;

	pop3_size_init(&sz);
	pop3_size_feed(&sz, msg, len);
	return pop3_size_finish(&sz);
}

size_t
pop3_uidl_format(char *buf, size_t cap, uint32_t uidvalidity, uint32_t uid)
{
	if (cap < POP3_UIDL_LEN + 1)
		return 0;
	snprintf(buf, cap, "%08lx%08lx", (unsigned long)uidvalidity,
	    (unsigned long)uid);
	return POP3_UIDL_LEN;
}

bool
pop3_uidl_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > 70)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}
