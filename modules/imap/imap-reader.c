/*
 * imap-reader.c — the streaming command reader: frames commands at CRLF,
 * follows quoted strings so that only a real "{n}" / "{n+}" / "~{n}" at
 * a line's end announces a literal, collects literal octets into the
 * command (or hands APPEND's message out as it arrives), enforces the
 * limits, and after a refusal skips the rest of the command, its
 * announced non-synchronising literals included, so the session can go
 * on with the next one.
 */
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

enum imap_rd_state {
	RD_LINE = 0,		/* collecting the command's text */
	RD_SKIP,		/* refused: dropping text up to the line end */
	RD_LITDATA,		/* copying literal octets into the buffer */
	RD_SKIPDATA,		/* dropping a refused literal's octets */
	RD_STREAM,		/* handing out APPEND's message */
	RD_DECIDE,		/* waiting for accept/reject */
	RD_RAW,			/* one raw line */
	RD_RAWSKIP,		/* an overlong raw line */
	RD_DEAD,		/* a literal too large to drop: input ignored */
};

/* Literal header tracker (lit_state). */
enum {
	LIT_NONE = 0,
	LIT_OPEN,		/* "{" */
	LIT_DIGITS,		/* "{1" */
	LIT_PLUS,		/* "{1+" */
	LIT_CLOSED,		/* "{1}" or "{1+}" */
};

#define IMAP_NUMBER64_MAX	0x7fffffffffffffffull

static void imap_rd_reset(struct imap_reader *r);
static enum imap_rd_event imap_rd_byte(struct imap_reader *r, char c);

void
imap_reader_init(struct imap_reader *r, const struct imap_limits *lim,
    char *buf, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->cap = cap;
	r->lim = *lim;
	imap_rd_reset(r);
}

/* Drop the text of the last command (its tag was reported). */
static void
imap_rd_clear(struct imap_reader *r)
{
	r->len = 0;
	r->have_tag = false;
	r->tag_len = 0;
	r->streamed = false;
	r->bad_cr = false;
	r->bad_nul = false;
	if (r->cap > 0)
		r->buf[0] = '\0';
}

/* Ready for a new command. */
static void
imap_rd_reset(struct imap_reader *r)
{
	imap_rd_clear(r);
	r->quoted = false;
	r->escape = false;
	r->lit_state = LIT_NONE;
	r->prev = 0;
	r->cr = false;
	r->state = RD_LINE;
}

static bool
imap_tag_char(unsigned char c)
{
	return c != '+' && (imap_is_atom_char(c) || c == ']');
}

static bool
imap_tag_valid(const char *t, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!imap_tag_char((unsigned char)t[i]))
			return false;
	return true;
}

/* Refuse the command: report it, then drop the rest of its line. */
static enum imap_rd_event
imap_rd_fail(struct imap_reader *r, bool tagged)
{
	if (!tagged)
		r->tag_len = 0;
	r->state = RD_SKIP;
	return IMAP_RD_ERROR;
}

static enum imap_rd_event
imap_rd_store(struct imap_reader *r, char c)
{
	/* One octet stays free for the NUL that ends the text. */
	if (r->len + 1 >= r->cap) {
		imap_error_set(&r->err, IMAP_BAD, IMAP_CODE_TOOBIG,
		    "Command too long");
		return imap_rd_fail(r, r->have_tag);
	}
	/* UNSAFE: len + 1 < cap checked above. */
	r->buf[r->len++] = c;
	r->buf[r->len] = '\0';
	if (!r->have_tag && c == ' ') {
		r->have_tag = true;
		r->tag_len = r->len - 1;
		if (!imap_tag_valid(r->buf, r->tag_len)) {
			imap_error_bad(&r->err, "Invalid tag");
			return imap_rd_fail(r, false);
		}
	}
	return IMAP_RD_MORE;
}

/* Follow quoting and a "[~]{n[+]}" at the end of the text so far. */
static void
imap_rd_track(struct imap_reader *r, char c)
{
	if (r->quoted) {
		if (r->escape)
			r->escape = false;
		else if (c == '\\')
			r->escape = true;
		else if (c == '"')
			r->quoted = false;
		r->lit_state = LIT_NONE;
	} else if (c == '"') {
		r->quoted = true;
		r->lit_state = LIT_NONE;
	} else if (c == '{') {
		r->lit_state = LIT_OPEN;
		r->lit_pos = r->len;
		r->lit_num = 0;
		r->lit_plus = false;
		r->lit_over = false;
		r->lit_tilde = r->prev == '~';
	} else if (c >= '0' && c <= '9' &&
	    (r->lit_state == LIT_OPEN || r->lit_state == LIT_DIGITS)) {
		r->lit_state = LIT_DIGITS;
		if (r->lit_num > (IMAP_NUMBER64_MAX - 9) / 10)
			r->lit_over = true;
		else
			r->lit_num = r->lit_num * 10 + (uint64_t)(c - '0');
	} else if (c == '+' && r->lit_state == LIT_DIGITS) {
		r->lit_state = LIT_PLUS;
		r->lit_plus = true;
	} else if (c == '}' && (r->lit_state == LIT_DIGITS ||
	    r->lit_state == LIT_PLUS))
		r->lit_state = LIT_CLOSED;
	else
		r->lit_state = LIT_NONE;
	r->prev = c;
}

/* Split the text into tag, name and arguments. */
static void
imap_rd_split(struct imap_reader *r)
{
	struct imap_command *c = &r->cmd;
	const char *p, *end = r->buf + r->len, *sub = NULL, *q;
	size_t sub_len = 0;

	memset(c, 0, sizeof(*c));
	c->tag = r->buf;
	c->tag_len = r->tag_len;
	c->streamed = r->streamed;
	p = r->buf + r->tag_len + 1;
	if (p > end)
		p = end;
	c->name = p;
	q = memchr(p, ' ', (size_t)(end - p));
	c->name_len = (size_t)((q != NULL ? q : end) - p);
	p += c->name_len;
	if (c->name_len == 3 && strncasecmp(c->name, "UID", 3) == 0 &&
	    p < end) {
		sub = p + 1;
		q = memchr(sub, ' ', (size_t)(end - sub));
		sub_len = (size_t)((q != NULL ? q : end) - sub);
		p = sub + sub_len;
	}
	c->cmd = imap_cmd_lookup(c->name, c->name_len, sub, sub_len);
	if (p < end)
		p++;
	c->args = p;
	c->args_len = (size_t)(end - p);
}

/* The line ended without a literal: the command is whole. */
static enum imap_rd_event
imap_rd_command(struct imap_reader *r)
{
	if (r->len == 0) {
		imap_rd_reset(r);	/* empty lines are ignored */
		return IMAP_RD_MORE;
	}
	if (!r->have_tag) {
		r->have_tag = true;
		r->tag_len = r->len;
		r->state = RD_LINE;
		if (!imap_tag_valid(r->buf, r->tag_len)) {
			imap_error_bad(&r->err, "Invalid tag");
			r->tag_len = 0;
		} else
			imap_error_bad(&r->err, "Missing command");
		return IMAP_RD_ERROR;
	}
	if (r->bad_cr) {
		imap_error_bad(&r->err, "CR without LF in command");
		return IMAP_RD_ERROR;
	}
	if (r->bad_nul) {
		imap_error_bad(&r->err, "NUL in command (only a literal8 "
		    "~{n} may hold NUL)");
		return IMAP_RD_ERROR;
	}
	imap_rd_split(r);
	if (r->cmd.name_len == 0) {
		imap_error_bad(&r->err, "Missing command");
		return IMAP_RD_ERROR;
	}
	return IMAP_RD_COMMAND;
}

/* Is the literal just announced APPEND's message?  (Any literal of
 * APPEND after its first argument: flags and dates cannot be literals.) */
static bool
imap_rd_is_stream(struct imap_reader *r, size_t head)
{
	imap_rd_split(r);
	return r->cmd.cmd == IMAP_CMD_APPEND && head > (size_t)(r->cmd.args -
	    r->buf);
}

/* Check a literal against the limits; 0 or -1 with r->err. */
static int
imap_rd_check_literal(struct imap_reader *r, bool stream)
{
	uint64_t n = r->lit_num;

	if (r->lit_over)
		return imap_error_bad(&r->err, "Bad literal size");
	if (r->lit_tilde && (!stream || !r->lim.binary))
		return imap_error_bad(&r->err, "Unexpected literal8");
	if (r->lit_plus && !r->lim.literal_plus &&
	    n > IMAP_LITERAL_MINUS_MAX)
		return imap_error_set(&r->err, IMAP_BAD, IMAP_CODE_TOOBIG,
		    "LITERAL- allows {n+} up to %u octets",
		    IMAP_LITERAL_MINUS_MAX);
	if (!stream && r->lim.max_literal != 0 && n > r->lim.max_literal)
		return imap_error_set(&r->err, IMAP_BAD, IMAP_CODE_TOOBIG,
		    "Literal too large (max %llu octets)",
		    (unsigned long long)r->lim.max_literal);
	if (stream && r->lim.max_append != 0 && n > r->lim.max_append)
		return imap_error_set(&r->err, IMAP_NO, IMAP_CODE_TOOBIG,
		    "Message too large");
	if (!stream && n + 3 > r->cap - r->len)
		return imap_error_set(&r->err, IMAP_BAD, IMAP_CODE_TOOBIG,
		    "Command too long");
	return 0;
}

/* After a refused literal: a synchronising one ends the command (the
 * client sends nothing more), a non-synchronising one is skipped. */
static void
imap_rd_drop_literal(struct imap_reader *r, uint64_t n, bool sync)
{
	if (sync) {
		r->state = RD_LINE;
		r->quoted = false;
		r->lit_state = LIT_NONE;
		r->prev = 0;
		return;
	}
	if (r->lim.max_drop != 0 && n > r->lim.max_drop) {
		r->dead = true;
		r->state = RD_DEAD;
		return;
	}
	r->left = n;
	r->state = n > 0 ? RD_SKIPDATA : RD_SKIP;
}

/* The line ended with a literal header. */
static enum imap_rd_event
imap_rd_literal(struct imap_reader *r)
{
	size_t head = r->lit_pos;
	uint64_t n;
	bool stream;

	if (r->lit_tilde && head > 0)
		head--;
	n = r->lit_over ? UINT64_MAX : r->lit_num;
	if (!r->have_tag) {
		imap_error_bad(&r->err, "Invalid tag");
		imap_rd_drop_literal(r, n, !r->lit_plus);
		return IMAP_RD_ERROR;
	}
	stream = imap_rd_is_stream(r, head);
	if (imap_rd_check_literal(r, stream) < 0) {
		imap_rd_drop_literal(r, n, !r->lit_plus);
		return IMAP_RD_ERROR;
	}
	r->lit.size = r->lit_num;
	r->lit.sync = !r->lit_plus;
	r->lit.binary = r->lit_tilde;
	r->lit.stream = stream;
	if (!stream) {
		/* UNSAFE: room for CRLF, the octets and a NUL checked. */
		memcpy(r->buf + r->len, "\r\n", 3);
		r->len += 2;
	}
	r->lit_state = LIT_NONE;
	r->prev = 0;
	if (stream || r->lit.sync) {
		r->state = RD_DECIDE;
		return IMAP_RD_LITERAL;
	}
	imap_reader_accept(r);
	return IMAP_RD_MORE;
}

static enum imap_rd_event
imap_rd_eol(struct imap_reader *r)
{
	bool lit = !r->quoted && r->lit_state == LIT_CLOSED;

	r->quoted = false;
	r->escape = false;
	r->lit_state = LIT_NONE;
	r->prev = 0;
	if (r->state == RD_SKIP) {
		if (lit && r->lit_plus)
			imap_rd_drop_literal(r, r->lit_over ? UINT64_MAX :
			    r->lit_num, false);
		else
			imap_rd_reset(r);
		return IMAP_RD_MORE;
	}
	return lit ? imap_rd_literal(r) : imap_rd_command(r);
}

static enum imap_rd_event
imap_rd_raw(struct imap_reader *r, char c)
{
	if (c == '\n') {
		if (r->len > 0 && r->buf[r->len - 1] == '\r')
			r->buf[--r->len] = '\0';
		if (r->state == RD_RAWSKIP) {
			r->state = RD_LINE;
			return IMAP_RD_ERROR;
		}
		r->state = RD_LINE;
		return IMAP_RD_LINE;
	}
	if (r->state == RD_RAWSKIP)
		return IMAP_RD_MORE;
	if (r->len + 1 >= r->cap) {
		imap_error_set(&r->err, IMAP_BAD, IMAP_CODE_TOOBIG,
		    "Line too long");
		r->tag_len = 0;
		r->state = RD_RAWSKIP;
		return IMAP_RD_MORE;
	}
	r->buf[r->len++] = c;
	r->buf[r->len] = '\0';
	return IMAP_RD_MORE;
}

static enum imap_rd_event
imap_rd_byte(struct imap_reader *r, char c)
{
	enum imap_rd_event ev;

	if (r->state == RD_RAW || r->state == RD_RAWSKIP)
		return imap_rd_raw(r, c);
	if (c == '\n') {
		r->cr = false;
		return imap_rd_eol(r);
	}
	if (c == '\0')
		r->bad_nul = true;
	if (r->cr) {
		/* A bare CR is never valid outside a literal: the command
		 * is refused at its end, and no literal header spans it. */
		r->cr = false;
		r->bad_cr = true;
		r->lit_state = LIT_NONE;
	}
	if (c == '\r') {
		r->cr = true;
		return IMAP_RD_MORE;
	}
	imap_rd_track(r, c);
	ev = IMAP_RD_MORE;
	if (r->state == RD_LINE)
		ev = imap_rd_store(r, c);
	return ev;
}

/* Literal octets: copied, skipped or streamed. */
static size_t
imap_rd_data(struct imap_reader *r, const char *data, size_t len,
    enum imap_rd_event *ev)
{
	size_t n = r->left < len ? (size_t)r->left : len;

	if (r->state == RD_LITDATA) {
		if (!r->lit.binary && memchr(data, '\0', n) != NULL)
			r->bad_nul = true;
		/* UNSAFE: the literal's size was checked against the room
		 * left (imap_rd_check_literal) before it was accepted. */
		memcpy(r->buf + r->len, data, n);
		r->len += n;
		r->buf[r->len] = '\0';
	} else if (r->state == RD_STREAM) {
		r->data = data;
		r->data_len = n;
		*ev = IMAP_RD_DATA;
	}
	r->left -= n;
	if (r->left == 0)
		r->state = r->state == RD_SKIPDATA ? RD_SKIP : RD_LINE;
	return n;
}

enum imap_rd_event
imap_reader_feed(struct imap_reader *r, const char *data, size_t len,
    size_t *used_r)
{
	enum imap_rd_event ev = IMAP_RD_MORE;
	size_t i = 0;

	if (r->state == RD_DECIDE) {
		*used_r = 0;
		return IMAP_RD_LITERAL;
	}
	if (r->state == RD_DEAD) {
		*used_r = len;
		return IMAP_RD_MORE;
	}
	if (r->done) {
		r->done = false;
		imap_rd_clear(r);
	}
	while (i < len && ev == IMAP_RD_MORE) {
		if (r->state == RD_DEAD) {
			i = len;	/* a literal too large to drop */
			break;
		}
		if (r->state == RD_LITDATA || r->state == RD_SKIPDATA ||
		    r->state == RD_STREAM) {
			i += imap_rd_data(r, data + i, len - i, &ev);
			continue;
		}
		ev = imap_rd_byte(r, data[i]);
		i++;
	}
	if (ev == IMAP_RD_COMMAND || ev == IMAP_RD_ERROR ||
	    ev == IMAP_RD_LINE)
		r->done = true;
	*used_r = i;
	return ev;
}

const struct imap_command *
imap_reader_command(const struct imap_reader *r)
{
	return &r->cmd;
}

const struct imap_rd_literal *
imap_reader_literal(const struct imap_reader *r)
{
	return &r->lit;
}

const char *
imap_reader_data(const struct imap_reader *r, size_t *len_r)
{
	*len_r = r->data_len;
	return r->data;
}

const struct imap_error *
imap_reader_error(const struct imap_reader *r, const char **tag_r,
    size_t *tag_len_r)
{
	*tag_r = r->buf;
	*tag_len_r = r->tag_len;
	return &r->err;
}

const char *
imap_reader_line(const struct imap_reader *r, size_t *len_r)
{
	*len_r = r->len;
	return r->buf;
}

void
imap_reader_accept(struct imap_reader *r)
{
	r->left = r->lit.size;
	if (r->lit.stream) {
		r->streamed = true;
		r->state = r->left > 0 ? RD_STREAM : RD_LINE;
	} else
		r->state = r->left > 0 ? RD_LITDATA : RD_LINE;
}

void
imap_reader_reject(struct imap_reader *r)
{
	imap_rd_drop_literal(r, r->lit.size, r->lit.sync);
	if (r->lit.sync)
		imap_rd_clear(r);	/* the caller has answered its tag */
}

bool
imap_reader_dead(const struct imap_reader *r)
{
	return r->dead;
}

void
imap_reader_expect_line(struct imap_reader *r)
{
	imap_rd_reset(r);
	r->done = false;
	r->state = RD_RAW;
}
