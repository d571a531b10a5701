/*
 * imap-fetch-stream.c — one BODY[...] / BINARY[...] literal produced in
 * bounded chunks: the size first (a sizing pass for filtered and decoded
 * sections), then the octets as the connection has room for them.
 */
#include "config.h"

#include <string.h>

#include "imap-fetch-resp.h"

/* Restart the generator at the start of the section. */
static int
fs_rewind(struct imap_fetch_stream *st)
{
	st->in_pos = st->sec.offset;
	st->in_end = st->sec.offset + st->sec.size;
	st->out_len = st->out_pos = 0;
	st->gen_done = false;
	imap_hdrfilter_init(&st->hf, st->sec.fields, st->sec.nfields,
	    st->sec.not);
	gd_b64_decoder_init(&st->b64);
	gd_qp_decoder_init(&st->qp);
	return st->src->seek(st->src->arg, st->in_pos);
}

/* Transform `n` input octets into st->out. */
static size_t
fs_transform(struct imap_fetch_stream *st, size_t n)
{
	switch (st->sec.kind) {
	case IMAP_SEC_FIELDS:
		return imap_hdrfilter_feed(&st->hf, st->in, n, st->out);
	case IMAP_SEC_DECODE:
		if (st->sec.enc == GD_MIME_ENC_BASE64)
			return gd_b64_decode(&st->b64, st->in, n, st->out);
		return gd_qp_decode(&st->qp, st->in, n, st->out);
	default:
		memcpy(st->out, st->in, n);
		return n;
	}
}

static size_t
fs_finish(struct imap_fetch_stream *st)
{
	if (st->sec.kind == IMAP_SEC_FIELDS)
		return imap_hdrfilter_finish(&st->hf, st->out);
	if (st->sec.kind == IMAP_SEC_DECODE &&
	    st->sec.enc == GD_MIME_ENC_QP)
		return gd_qp_decode_finish(&st->qp, st->out);
	return 0;
}

/* Refill st->out with the next result octets; 0, or -1 on error. */
static int
fs_generate(struct imap_fetch_stream *st)
{
	uint64_t want;
	ssize_t n;

	st->out_len = st->out_pos = 0;
	while (st->out_len == 0 && !st->gen_done) {
		want = st->in_end - st->in_pos;
		if (want == 0) {
			st->out_len = fs_finish(st);
			st->gen_done = true;
			break;
		}
		if (want > sizeof(st->in))
			want = sizeof(st->in);
		n = st->src->read(st->src->arg, st->in, (size_t)want);
		if (n <= 0)
			return -1;
		st->in_pos += (uint64_t)n;
		st->out_len = fs_transform(st, (size_t)n);
	}
	return 0;
}

/* The sizing pass: the result's length, and whether it holds a NUL. */
static int
fs_measure(struct imap_fetch_stream *st)
{
	st->total = 0;
	st->has_nul = false;
	if (fs_rewind(st) < 0)
		return -1;
	for (;;) {
		if (fs_generate(st) < 0)
			return -1;
		if (st->out_len == 0)
			break;
		st->total += st->out_len;
		if (memchr(st->out, '\0', st->out_len) != NULL)
			st->has_nul = true;
	}
	return 0;
}

static void
fs_window(struct imap_fetch_stream *st)
{
	const struct imap_section *s = &st->sec;

	st->skip = 0;
	st->left = st->total;
	if (!s->partial)
		return;
	st->skip = s->p_offset < st->total ? s->p_offset : st->total;
	st->left = st->total - st->skip;
	if (st->left > s->p_length)
		st->left = s->p_length;
}

int
imap_fetch_stream_open(struct imap_fetch_stream *st, struct imap_src *src,
    const struct imap_section *sec)
{
	memset(st, 0, sizeof(*st));
	st->src = src;
	st->sec = *sec;
	if (sec->kind == IMAP_SEC_RANGE) {
		st->total = sec->size;
		st->has_nul = sec->nul;
	} else if (fs_measure(st) < 0)
		return -1;
	fs_window(st);
	st->size = sec->size_only ? 0 : st->left;
	if (sec->size_only)
		return 0;
	if (sec->kind == IMAP_SEC_RANGE) {
		st->in_pos = sec->offset + st->skip;
		st->in_end = st->in_pos + st->left;
		st->skip = 0;
		return src->seek(src->arg, st->in_pos);
	}
	return fs_rewind(st);
}

uint64_t
imap_fetch_stream_size(const struct imap_fetch_stream *st)
{
	return st->size;
}

uint64_t
imap_fetch_stream_total(const struct imap_fetch_stream *st)
{
	return st->total;
}

bool
imap_fetch_stream_has_nul(const struct imap_fetch_stream *st)
{
	return st->has_nul;
}

/* A plain range: straight from the source into buf. */
static ssize_t
fs_produce_range(struct imap_fetch_stream *st, char *buf, size_t room)
{
	ssize_t n;

	if (room > st->left)
		room = (size_t)st->left;
	n = st->src->read(st->src->arg, buf, room);
	if (n <= 0)
		return -1;
	st->left -= (uint64_t)n;
	return n;
}

static ssize_t
fs_produce_gen(struct imap_fetch_stream *st, char *buf, size_t room)
{
	size_t n;

	for (;;) {
		if (st->out_pos == st->out_len && fs_generate(st) < 0)
			return -1;
		if (st->out_len == 0)
			return -1;	/* shorter than measured */
		n = st->out_len - st->out_pos;
		if (st->skip == 0)
			break;
		if (n > st->skip)
			n = (size_t)st->skip;
		st->out_pos += n;
		st->skip -= n;
	}
	if (n > room)
		n = room;
	if (n > st->left)
		n = (size_t)st->left;
	memcpy(buf, st->out + st->out_pos, n);
	st->out_pos += n;
	st->left -= n;
	return (ssize_t)n;
}

ssize_t
imap_fetch_stream_produce(struct imap_fetch_stream *st, char *buf,
    size_t room, bool *done_r)
{
	ssize_t n;

	if (st->left == 0 || st->sec.size_only) {
		*done_r = true;
		return 0;
	}
	if (st->sec.kind == IMAP_SEC_RANGE)
		n = fs_produce_range(st, buf, room);
	else
		n = fs_produce_gen(st, buf, room);
	*done_r = n >= 0 && st->left == 0;
	return n;
}
