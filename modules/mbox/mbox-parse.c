/*
 * mbox-parse.c — the mbox scanner: splits a stream of mbox bytes into
 * messages at "From " lines, reads our status fields, and computes each
 * message's served size with the same rules as mbox-filter.c (fuzzed
 * against it).
 *
 * A message is [From_ line][header][empty line][body][EOL]: the EOL
 * before the next From_ line (or EOF) is the separator and not part of
 * the message; it is the From_ line's line ending when the last line has
 * that ending, else a bare LF.  Lines are never buffered whole: only
 * their first MBOX_VALUE_MAX bytes are kept, for the header values.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumdrop/msg-date.h>

#include "mbox-private.h"

#define MBOX_LINE_KEEP	(MBOX_VALUE_MAX + 16)

enum mbox_field {
	MBOX_FIELD_NONE = 0,
	MBOX_FIELD_STATUS,
	MBOX_FIELD_XSTATUS,
	MBOX_FIELD_KEYWORDS,
	MBOX_FIELD_UID,
	MBOX_FIELD_BASE,
};

struct mbox_scan {
	mbox_scan_fn *fn;
	void *arg;
	int rc;
	uint64_t off;		/* absolute offset of the next byte */
	uint64_t prefix;
	bool prefix_done;
	/* The current line. */
	uint64_t line_off;
	uint64_t line_len;
	bool last_cr;
	struct mbox_qmatch q;
	char buf[MBOX_LINE_KEEP];
	size_t buf_len;
	/* The current message. */
	bool in_msg;
	bool in_header;
	bool prev_hidden;
	bool last_exists;
	bool last_hidden;
	unsigned last_eol;
	enum mbox_field field;	/* field a continuation line extends */
	struct mbox_scan_msg m;
	bool got[MBOX_FIELD_BASE + 1];
	char status[16];
	char xstatus[16];
	char kw[MBOX_VALUE_MAX + 1];
	char base_kw[MBOX_VALUE_MAX + 1];
};

static void mbox_scan_line(struct mbox_scan *s, unsigned eol);

struct mbox_scan *
mbox_scan_create(uint64_t start, mbox_scan_fn *fn, void *arg)
{
	struct mbox_scan *s;

	s = gd_xcalloc(1, sizeof(*s));
	s->fn = fn;
	s->arg = arg;
	s->off = start;
	s->line_off = start;
	s->prefix = start;
	mbox_qmatch_init(&s->q);
	return s;
}

void
mbox_scan_destroy(struct mbox_scan **s)
{
	free(*s);
	*s = NULL;
}

uint64_t
mbox_scan_prefix(const struct mbox_scan *s)
{
	return s->prefix_done ? s->prefix : s->off;
}

/* Take `len` bytes of the current line (no LF except maybe the last). */
static void
mbox_scan_take(struct mbox_scan *s, const char *p, size_t len)
{
	size_t i, keep;

	if (s->line_len == 0) {
		s->line_off = s->off;
		s->buf_len = 0;
		mbox_qmatch_init(&s->q);
	}
	keep = sizeof(s->buf) - s->buf_len;
	if (keep > len)
		keep = len;
	memcpy(s->buf + s->buf_len, p, keep);
	s->buf_len += keep;
	for (i = 0; i < len && s->q.state != 3; i++)
		mbox_qmatch_feed(&s->q, (unsigned char)p[i]);
	s->line_len += len;
	s->off += len;
}

int
mbox_scan_feed(struct mbox_scan *s, const void *data, size_t len)
{
	const char *p = data, *nl;
	size_t seg;
	bool cr;

	while (len > 0 && s->rc == 0) {
		nl = memchr(p, '\n', len);
		seg = nl != NULL ? (size_t)(nl - p) + 1 : len;
		cr = seg >= 2 ? p[seg - 2] == '\r' : s->last_cr;
		mbox_scan_take(s, p, seg);
		s->last_cr = p[seg - 1] == '\r';
		if (nl != NULL) {
			mbox_scan_line(s, cr && s->line_len >= 2 ? 2 : 1);
			s->line_len = 0;
			s->last_cr = false;
		}
		p += seg;
		len -= seg;
	}
	return s->rc;
}

/* Copy a field value (after the colon, spaces skipped, CR/LF cut). */
static void
mbox_scan_value(const char *v, size_t len, char *out, size_t size,
    bool append)
{
	size_t have = append ? strlen(out) : 0, n;

	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (append && have > 0 && have + 1 < size)
		out[have++] = ' ';
	n = size - 1 - have;
	if (len > n) {
		/* Cut at a word boundary: never report half a keyword. */
		while (n > 0 && v[n] != ' ')
			n--;
		len = n;
	}
	memcpy(out + have, v, len);
	out[have + len] = '\0';
}

static void
mbox_scan_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static uint32_t
mbox_scan_u32(const char *v, const char **end_r)
{
	uint64_t n = 0;
	bool any = false;

	while (*v == ' ' || *v == '\t')
		v++;
	while (*v >= '0' && *v <= '9') {
		n = n * 10 + (uint64_t)(*v++ - '0');
		any = true;
		if (n >= UINT32_MAX)
			return 0;
	}
	if (end_r != NULL)
		*end_r = v;
	return any ? (uint32_t)n : 0;
}

static void
mbox_scan_base(struct mbox_scan *s, const char *v)
{
	const char *p = v, *q;

	s->m.base_uidvalidity = mbox_scan_u32(p, &p);
	while (*p == ' ' || *p == '\t')
		p++;
	q = p;
	s->m.base_uidnext = mbox_scan_u32(q, &p);
	if (s->m.base_uidvalidity == 0 || s->m.base_uidnext == 0)
		return;
	s->m.has_base = true;
	s->m.base_uidnext_width = (unsigned)(p - q);
	s->m.base_uidnext_off = s->line_off + (uint64_t)(q - s->buf);
	while (*p == ' ' || *p == '\t')
		p++;
	mbox_scan_copy(s->base_kw, sizeof(s->base_kw), p);
}

/* A hidden header line: remember the first value of each field. */
static void
mbox_scan_field(struct mbox_scan *s, size_t len)
{
	static const struct {
		const char *name;
		enum mbox_field f;
	} names[] = {
		{ "status:", MBOX_FIELD_STATUS },
		{ "x-status:", MBOX_FIELD_XSTATUS },
		{ "x-keywords:", MBOX_FIELD_KEYWORDS },
		{ "x-uid:", MBOX_FIELD_UID },
		{ "x-imapbase:", MBOX_FIELD_BASE },
	};
	char v[MBOX_VALUE_MAX + 1];
	size_t i, n;

	s->field = MBOX_FIELD_NONE;
	for (i = 0; i < GD_N_ELEMENTS(names); i++) {
		n = strlen(names[i].name);
		if (len >= n && strncasecmp(s->buf, names[i].name, n) == 0)
			break;
	}
	if (i == GD_N_ELEMENTS(names) || s->got[names[i].f])
		return;
	s->got[names[i].f] = true;
	s->field = names[i].f;
	mbox_scan_value(s->buf + n, len - n, v, sizeof(v), false);
	if (s->field == MBOX_FIELD_STATUS)
		mbox_scan_copy(s->status, sizeof(s->status), v);
	else if (s->field == MBOX_FIELD_XSTATUS)
		mbox_scan_copy(s->xstatus, sizeof(s->xstatus), v);
	else if (s->field == MBOX_FIELD_KEYWORDS)
		mbox_scan_copy(s->kw, sizeof(s->kw), v);
	else if (s->field == MBOX_FIELD_UID)
		s->m.xuid = mbox_scan_u32(v, NULL);
	else
		mbox_scan_base(s, s->buf + n);
}

/* A folded continuation of a hidden field. */
static void
mbox_scan_continue(struct mbox_scan *s, size_t len)
{
	if (s->field == MBOX_FIELD_KEYWORDS)
		mbox_scan_value(s->buf, len, s->kw, sizeof(s->kw), true);
	else if (s->field == MBOX_FIELD_BASE && s->m.has_base)
		mbox_scan_value(s->buf, len, s->base_kw, sizeof(s->base_kw),
		    true);
}

static void
mbox_scan_date(struct mbox_scan *s, size_t len)
{
	const char *p = s->buf + 5, *end = s->buf + len;
	int tries;

	/* "From SENDER DATE": try after the sender, then after each later
	 * word, for senders that contain spaces. */
	while (p < end && *p == ' ')
		p++;
	for (tries = 0; tries < 8 && p < end; tries++) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
		if (p < end && gd_msg_date_parse_asctime(p, (size_t)(end - p),
		    &s->m.date) == 0)
			return;
	}
	s->m.date = 0;
}

static void
mbox_scan_end_msg(struct mbox_scan *s, uint64_t end)
{
	unsigned strip;

	s->m.end_off = end;
	s->m.data_end = end;
	if (s->last_exists && s->last_eol > 0) {
		strip = s->m.crlf && s->last_eol == 2 ? 2 : 1;
		s->m.data_end = end - strip;
		if (s->last_eol == 2 && strip == 1 && !s->last_hidden)
			s->m.size++;
	}
	s->m.flags = mbox_status_parse(s->status, s->xstatus);
	s->m.keywords = s->kw;
	s->m.base_keywords = s->base_kw;
	if (s->rc == 0 && s->fn(s->arg, &s->m) < 0)
		s->rc = -1;
	s->in_msg = false;
}

static void
mbox_scan_start_msg(struct mbox_scan *s, unsigned eol)
{
	size_t len = s->buf_len;

	if (len > s->line_len - eol)
		len = (size_t)(s->line_len - eol);
	memset(&s->m, 0, sizeof(s->m));
	memset(s->got, 0, sizeof(s->got));
	s->status[0] = s->xstatus[0] = s->kw[0] = s->base_kw[0] = '\0';
	s->m.from_off = s->line_off;
	s->m.hdr_off = s->off;
	s->m.crlf = eol == 2;
	mbox_scan_date(s, len);
	s->in_msg = true;
	s->in_header = true;
	s->prev_hidden = false;
	s->last_exists = false;
	s->field = MBOX_FIELD_NONE;
}

/* Classify a header line; true when it is one of ours (hidden). */
static bool
mbox_scan_header(struct mbox_scan *s, uint64_t content)
{
	size_t len = s->buf_len < content ? s->buf_len : (size_t)content;
	bool hidden;
	int r;

	if (content == 0) {
		s->in_header = false;
		return false;
	}
	if (s->buf[0] == ' ' || s->buf[0] == '\t') {
		if (s->prev_hidden)
			mbox_scan_continue(s, len);
		return s->prev_hidden;
	}
	r = mbox_hdr_hidden(s->buf, len, true);
	hidden = r > 0;
	s->field = MBOX_FIELD_NONE;
	if (hidden) {
		s->buf[len < sizeof(s->buf) ? len : sizeof(s->buf) - 1] = '\0';
		mbox_scan_field(s, len);
	}
	s->prev_hidden = r == 1;
	return hidden;
}

/* A whole line ended (eol: bytes of its line ending, 0 at EOF). */
static void
mbox_scan_line(struct mbox_scan *s, unsigned eol)
{
	uint64_t content = s->line_len - eol;
	bool hidden = false, quoted;

	if (s->q.state == 3 && s->q.match && s->q.gts == 0) {
		if (s->in_msg)
			mbox_scan_end_msg(s, s->line_off);
		if (!s->prefix_done) {
			s->prefix = s->line_off;
			s->prefix_done = true;
		}
		mbox_scan_start_msg(s, eol);
		return;
	}
	if (!s->in_msg)
		return;
	if (s->last_exists && !s->last_hidden && s->last_eol > 0)
		s->m.size += 2;
	if (s->in_header)
		hidden = mbox_scan_header(s, content);
	quoted = s->q.state == 3 && s->q.match;	/* gts > 0 here */
	if (!hidden)
		s->m.size += content - (quoted ? 1 : 0);
	s->last_exists = true;
	s->last_hidden = hidden;
	s->last_eol = eol;
}

int
mbox_scan_finish(struct mbox_scan *s)
{
	if (s->rc != 0)
		return s->rc;
	if (s->line_len > 0) {
		mbox_scan_line(s, 0);
		s->line_len = 0;
	}
	if (s->in_msg)
		mbox_scan_end_msg(s, s->off);
	if (!s->prefix_done) {
		s->prefix = s->off;
		s->prefix_done = true;
	}
	return s->rc;
}
