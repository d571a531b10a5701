/*
 * smtp-data.c — the DATA unstuffer: a byte-driven state machine that
 * removes dot-stuffing (RFC 5321 4.5.2), finds the end of data, counts
 * the size and applies the bare CR / bare LF policy.  Only CRLF "." CRLF
 * ends data: every state that could be reached through a lone CR or LF
 * is distinct from "beginning of line", so no smuggling variant (LF.LF,
 * LF.CRLF, CR.CR, CRLF.LF, ...) can end it.  Runs of ordinary bytes are
 * copied in bulk; the result never depends on how the input is split.
 */
#include <string.h>

#include "smtp-parse.h"

enum smtp_data_state {
	SMTP_DS_BOL = 0,	/* after CRLF (or the DATA line) */
	SMTP_DS_DOT,		/* BOL "." */
	SMTP_DS_DOTCR,		/* BOL "." CR */
	SMTP_DS_MID,		/* inside a line */
	SMTP_DS_CR,		/* CR seen, LF not yet */
	SMTP_DS_DONE,
};

struct smtp_data_out {
	char *buf;
	size_t cap;
	size_t len;
};

static void smtp_data_emit(struct smtp_data *d, struct smtp_data_out *o,
    const char *p, size_t n);
static void smtp_data_bare(struct smtp_data *d, struct smtp_data_out *o,
    char c);
static void smtp_data_step(struct smtp_data *d, struct smtp_data_out *o,
    char c);
static size_t smtp_data_run(const char *p, size_t n);

void
smtp_data_init(struct smtp_data *d, uint64_t limit,
    enum smtp_bare_policy policy)
{
	memset(d, 0, sizeof(*d));
	d->state = SMTP_DS_BOL;
	d->policy = policy;
	d->limit = limit;
}

/* Count n content bytes; write those still within the limit. */
static void
smtp_data_emit(struct smtp_data *d, struct smtp_data_out *o, const char *p,
    size_t n)
{
	uint64_t room;

	if (d->limit != 0 && d->size + n > d->limit) {
		room = d->size < d->limit ? d->limit - d->size : 0;
		d->flags |= SMTP_DATA_TOO_BIG;
	} else
		room = n;
	/* UNSAFE: the caller keeps SMTP_DATA_OUT_MIN bytes free per step,
	 * or, for a run, n <= cap - len. */
	memcpy(o->buf + o->len, p, (size_t)room);
	o->len += (size_t)room;
	d->size += n;
}

static void
smtp_data_bare(struct smtp_data *d, struct smtp_data_out *o, char c)
{
	d->flags |= c == '\n' ? SMTP_DATA_BARE_LF : SMTP_DATA_BARE_CR;
	if (d->policy == SMTP_BARE_NORMALISE)
		smtp_data_emit(d, o, "\r\n", 2);
	else
		smtp_data_emit(d, o, &c, 1);
	d->state = SMTP_DS_MID;
}

static void
smtp_data_step(struct smtp_data *d, struct smtp_data_out *o, char c)
{
	switch (d->state) {
	case SMTP_DS_BOL:
		if (c == '.') {
			d->state = SMTP_DS_DOT;
			return;
		}
		break;
	case SMTP_DS_DOT:
		if (c == '\r') {
			d->state = SMTP_DS_DOTCR;
			return;
		}
		break;
	case SMTP_DS_DOTCR:
		if (c == '\n') {
			d->state = SMTP_DS_DONE;
			return;
		}
		smtp_data_bare(d, o, '\r');
		break;
	case SMTP_DS_CR:
		if (c == '\n') {
			smtp_data_emit(d, o, "\r\n", 2);
			d->state = SMTP_DS_BOL;
			return;
		}
		smtp_data_bare(d, o, '\r');
		break;
	default:
		break;
	}
	/* What is left is c inside a line. */
	if (c == '\r')
		d->state = SMTP_DS_CR;
	else if (c == '\n')
		smtp_data_bare(d, o, '\n');
	else {
		smtp_data_emit(d, o, &c, 1);
		d->state = SMTP_DS_MID;
	}
}

/* Length of the leading run without CR or LF. */
static size_t
smtp_data_run(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '\r' || p[i] == '\n')
			break;
	return i;
}

int
smtp_data_feed(struct smtp_data *d, const char *in, size_t in_len,
    size_t *used_r, char *out, size_t out_cap, size_t *out_len_r)
{
	struct smtp_data_out o = { out, out_cap, 0 };
	size_t i = 0, n, room;

	while (i < in_len && d->state != SMTP_DS_DONE &&
	    o.cap - o.len >= SMTP_DATA_OUT_MIN) {
		if (d->state == SMTP_DS_MID) {
			room = in_len - i;
			if (room > o.cap - o.len)
				room = o.cap - o.len;
			n = smtp_data_run(in + i, room);
			if (n > 0) {
				smtp_data_emit(d, &o, in + i, n);
				i += n;
				continue;
			}
		}
		smtp_data_step(d, &o, in[i++]);
	}
	*used_r = i;
	*out_len_r = o.len;
	return d->state == SMTP_DS_DONE ? 1 : 0;
}

unsigned
smtp_data_bad(const struct smtp_data *d)
{
	return d->flags;
}

uint64_t
smtp_data_size(const struct smtp_data *d)
{
	return d->size;
}

int
smtp_data_result(const struct smtp_data *d, struct smtp_error *err_r)
{
	if (d->flags & SMTP_DATA_TOO_BIG)
		return smtp_error_set(err_r, 552, "5.3.4",
		    "Message size exceeds fixed maximum message size");
	if (d->policy == SMTP_BARE_REFUSE && (d->flags & SMTP_DATA_BARE_LF))
		return smtp_error_set(err_r, 550, "5.5.2",
		    "Message refused: bare <LF> in data (RFC 5321 2.3.8)");
	if (d->policy == SMTP_BARE_REFUSE && (d->flags & SMTP_DATA_BARE_CR))
		return smtp_error_set(err_r, 550, "5.5.2",
		    "Message refused: bare <CR> in data (RFC 5321 2.3.8)");
	return 0;
}

void
smtp_data_bare_reply(struct smtp_error *err_r)
{
	smtp_error_set(err_r, 521, "5.5.2", "Error: bare <LF> received");
}
