/*
 * imap-hdrfilter.c — BODY[HEADER.FIELDS (...)] and HEADER.FIELDS.NOT as
 * a streaming filter over a header block: a field is kept or dropped as
 * soon as its name is read, so only the name is ever held.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "imap-fetch-resp.h"

enum {
	HF_LINE_START = 0,	/* at the start of a line */
	HF_NAME,		/* reading a field name */
	HF_BODY,		/* inside a field (passing or dropping) */
	HF_SKIP_LINE,		/* a line without a colon: dropped */
	HF_END_CR,		/* CR of the empty line seen */
	HF_DONE,		/* after the empty line */
};

void
imap_hdrfilter_init(struct imap_hdrfilter *f, const char **fields,
    size_t nfields, bool not)
{
	memset(f, 0, sizeof(*f));
	f->fields = fields;
	f->nfields = nfields;
	f->not = not;
}

/* Is the field named name[0..len) (trailing WSP dropped) wanted? */
static bool
hf_wanted(const struct imap_hdrfilter *f, const char *name, size_t len,
    bool cut)
{
	size_t i;

	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	for (i = 0; i < f->nfields && !cut; i++)
		if (strlen(f->fields[i]) == len &&
		    strncasecmp(f->fields[i], name, len) == 0)
			return !f->not;
	return f->not;
}

/* A name octet; at ':' (or when the name no longer fits) decide. */
static size_t
hf_name(struct imap_hdrfilter *f, char c, char *out)
{
	size_t n = 0;

	if (c == '\n' || (c == '\r' && f->name_len == 0)) {
		f->state = c == '\n' ? HF_LINE_START : HF_SKIP_LINE;
		return 0;
	}
	if (c != ':' && f->name_len < sizeof(f->name)) {
		f->name[f->name_len++] = c;
		return 0;
	}
	f->emit = hf_wanted(f, f->name, f->name_len, c != ':');
	if (f->emit) {
		memcpy(out, f->name, f->name_len);
		n = f->name_len;
		out[n++] = c;
	}
	f->state = HF_BODY;
	return n;
}

/* The first octet of a line: continuation, empty line, or a new field. */
static void
hf_line_start(struct imap_hdrfilter *f, char c)
{
	if (c == ' ' || c == '\t') {
		f->state = HF_BODY;
		return;
	}
	f->emit = false;
	if (c == '\n')
		f->state = HF_DONE;
	else if (c == '\r')
		f->state = HF_END_CR;
	else {
		f->name[0] = c;
		f->name_len = 1;
		f->state = c == ':' ? HF_SKIP_LINE : HF_NAME;
	}
}

static size_t
hf_octet(struct imap_hdrfilter *f, char c, char *out)
{
	switch (f->state) {
	case HF_LINE_START:
		hf_line_start(f, c);
		if (f->state != HF_BODY || !f->emit)
			return 0;
		break;
	case HF_NAME:
		return hf_name(f, c, out);
	case HF_END_CR:
		f->state = c == '\n' ? HF_DONE : HF_SKIP_LINE;
		return 0;
	case HF_SKIP_LINE:
		if (c == '\n')
			f->state = HF_LINE_START;
		return 0;
	case HF_DONE:
		return 0;
	default:
		if (c == '\n')
			f->state = HF_LINE_START;
		if (!f->emit)
			return 0;
		break;
	}
	out[0] = c;
	return 1;
}

size_t
imap_hdrfilter_feed(struct imap_hdrfilter *f, const void *data, size_t len,
    char *out)
{
	const char *p = data;
	size_t i, w = 0;

	for (i = 0; i < len && f->state != HF_DONE; i++)
		w += hf_octet(f, p[i], out + w);
	return w;
}

size_t
imap_hdrfilter_finish(struct imap_hdrfilter *f, char *out)
{
	size_t w = 0;

	if (f->state == HF_BODY && f->emit) {
		/* The last field lacked its line break. */
		out[w++] = '\r';
		out[w++] = '\n';
	}
	f->ended = true;
	out[w++] = '\r';
	out[w++] = '\n';
	return w;
}
