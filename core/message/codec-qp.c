/*
 * codec-qp.c — streaming quoted-printable decoding (RFC 2045 6.7).
 *
 * Bytes whose meaning depends on what follows are held in `pend`: a run
 * of whitespace (dropped if the line ends after it), an '=' with what
 * followed it so far, a CR waiting for its LF.  The hold is bounded, so
 * the output of one call is at most its input plus what was held.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/msg-codec.h>

/* The pend buffer holds [W] or [W '=' W2] or [W '=' hex] or [W CR] or
 * [W '=' W2 CR], W and W2 being whitespace runs. */
enum qp_state {
	QP_TEXT = 0,	/* pend: W */
	QP_EQ,		/* pend: W '=' W2 */
	QP_EQ_HEX,	/* pend: W '=' hex */
	QP_CR,		/* pend: W CR */
	QP_EQ_CR,	/* pend: W '=' W2 CR */
};

/* Where decoded bytes go. */
struct qp_out {
	unsigned char *o;
	size_t n;
};

static int qp_hex(unsigned char c);
static void qp_emit_pend(struct gd_qp_decoder *dec, struct qp_out *out,
    size_t count);
static void qp_emit_ws(struct gd_qp_decoder *dec, struct qp_out *out);
static void qp_text(struct gd_qp_decoder *dec, unsigned char c,
    struct qp_out *out);
static void qp_byte(struct gd_qp_decoder *dec, unsigned char c,
    struct qp_out *out);

void
gd_qp_decoder_init(struct gd_qp_decoder *dec)
{
	memset(dec, 0, sizeof(*dec));
}

static int
qp_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Write the first `count` held bytes as they are; drop the rest. */
static void
qp_emit_pend(struct gd_qp_decoder *dec, struct qp_out *out, size_t count)
{
	memcpy(out->o + out->n, dec->pend, count);
	out->n += count;
	dec->npend = 0;
	dec->state = QP_TEXT;
}

/* Write the leading whitespace run W (not trailing: something followed);
 * drop the rest of the hold. */
static void
qp_emit_ws(struct gd_qp_decoder *dec, struct qp_out *out)
{
	size_t w = 0;

	while (w < dec->npend && (dec->pend[w] == ' ' || dec->pend[w] == '\t'))
		w++;
	qp_emit_pend(dec, out, w);
}

static void
qp_text(struct gd_qp_decoder *dec, unsigned char c, struct qp_out *out)
{
	switch (c) {
	case ' ':
	case '\t':
		if (dec->npend >= GD_QP_PEND_MAX_)
			qp_emit_pend(dec, out, dec->npend);
		dec->pend[dec->npend++] = c;
		return;
	case '=':
		dec->pend[dec->npend++] = c;
		dec->state = QP_EQ;
		return;
	case '\r':
		dec->pend[dec->npend++] = c;
		dec->state = QP_CR;
		return;
	case '\n':
		/* Trailing whitespace is dropped. */
		dec->npend = 0;
		out->o[out->n++] = c;
		return;
	default:
		qp_emit_pend(dec, out, dec->npend);
		out->o[out->n++] = c;
		return;
	}
}

static void
qp_byte(struct gd_qp_decoder *dec, unsigned char c, struct qp_out *out)
{
	unsigned char last = dec->npend > 0 ? dec->pend[dec->npend - 1] : 0;

	switch (dec->state) {
	case QP_TEXT:
		qp_text(dec, c, out);
		return;
	case QP_EQ:
		if (last == '=' && qp_hex(c) >= 0) {
			dec->pend[dec->npend++] = c;
			dec->state = QP_EQ_HEX;
			return;
		}
		if ((c == ' ' || c == '\t') &&
		    dec->npend < GD_QP_PEND_MAX_ + 2) {
			dec->pend[dec->npend++] = c;
			return;
		}
		if (c == '\r') {
			dec->pend[dec->npend++] = c;
			dec->state = QP_EQ_CR;
			return;
		}
		if (c == '\n') {
			qp_emit_ws(dec, out);	/* soft line break */
			return;
		}
		break;
	case QP_EQ_HEX:
		if (qp_hex(c) >= 0) {
			qp_emit_ws(dec, out);
			out->o[out->n++] = (unsigned char)(qp_hex(last) << 4 |
			    qp_hex(c));
			return;
		}
		break;
	case QP_CR:
		if (c == '\n') {
			dec->npend = 0;
			dec->state = QP_TEXT;
			out->o[out->n++] = '\r';
			out->o[out->n++] = '\n';
			return;
		}
		break;
	case QP_EQ_CR:
		if (c == '\n') {
			qp_emit_ws(dec, out);	/* soft line break */
			return;
		}
		break;
	}
	/* Not what was hoped for: the held bytes are plain text. */
	qp_emit_pend(dec, out, dec->npend);
	qp_text(dec, c, out);
}

size_t
gd_qp_decode(struct gd_qp_decoder *dec, const void *in, size_t len,
    void *out)
{
	const unsigned char *s = in, *end = s + len, *stop;
	struct qp_out o = { out, 0 };
	size_t run;

	while (s < end) {
		if (dec->state == QP_TEXT && dec->npend == 0) {
			/* Fast path: copy plain text up to a special byte. */
			for (stop = s; stop < end && *stop != '=' &&
			    *stop != ' ' && *stop != '\t' && *stop != '\r' &&
			    *stop != '\n'; stop++)
				;
			run = (size_t)(stop - s);
			memcpy(o.o + o.n, s, run);
			o.n += run;
			s = stop;
			if (s == end)
				break;
		}
		qp_byte(dec, *s++, &o);
	}
	return o.n;
}

size_t
gd_qp_decode_finish(struct gd_qp_decoder *dec, void *out)
{
	struct qp_out o = { out, 0 };

	if (dec->state == QP_TEXT)
		dec->npend = 0;		/* trailing whitespace at the end */
	else
		qp_emit_pend(dec, &o, dec->npend);
	dec->state = QP_TEXT;
	return o.n;
}
