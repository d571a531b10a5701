/*
 * smtp-field.c — a header field a module adds to the delivered copy
 * (gumdrop/smtp.h, add_field): the name checked against RFC 5322 ftext,
 * the value checked (no NUL, no control but HTAB, CR and LF only as
 * folds), then written as "name: value" CRLF, folded at whitespace to
 * keep lines within 78 characters where the words allow it and never
 * over 998 (RFC 5322 2.1.1).  A value the caller folded is kept byte for
 * byte.
 */
#include <string.h>

#include "smtp-parse.h"

#define SMTP_FIELD_FOLD		78
#define SMTP_FIELD_LINE_MAX	998

static bool
smtp_field_wsp(char c)
{
	return c == ' ' || c == '\t';
}

bool
smtp_field_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++)
		if (name[i] < 33 || name[i] > 126 || name[i] == ':' ||
		    i >= SMTP_FIELD_NAME_MAX)
			return false;
	return i > 0;
}

/*
 * The value's bytes: 1 folded by the caller (every CR starts CRLF WSP,
 * every line has text and is <= 998 with the name's on the first), 0
 * plain (no CR or LF at all), -1 invalid.
 */
static int
smtp_field_value_scan(size_t name_len, const char *v)
{
	size_t i, line = name_len + 2, longest = 0;
	bool folded = false, text = true;

	for (i = 0; v[i] != '\0'; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\r') {
			if (v[i + 1] != '\n' || !smtp_field_wsp(v[i + 2]) ||
			    !text)
				return -1;
			longest = line > longest ? line : longest;
			folded = true;
			text = false;
			line = 0;
			i++;		/* the LF; the WSP is counted next */
			continue;
		}
		if ((c < 32 && c != '\t') || c == 127)
			return -1;	/* LF alone, NUL, controls */
		text = text || !smtp_field_wsp((char)c);
		line++;
	}
	longest = line > longest ? line : longest;
	if (!text || (folded && longest > SMTP_FIELD_LINE_MAX))
		return -1;
	return folded ? 1 : 0;
}

size_t
smtp_field_bound(const char *name, const char *value)
{
	size_t n = strlen(name) + 5, i;

	for (i = 0; value[i] != '\0'; i++)
		n += smtp_field_wsp(value[i]) ? 3 : 1;
	return n;
}

/* True when out[from, to) has a byte that is not whitespace. */
static bool
smtp_field_has_text(const char *out, size_t from, size_t to)
{
	for (; from < to; from++)
		if (!smtp_field_wsp(out[from]))
			return true;
	return false;
}

/*
 * Copy the plain value folding it: a line that passes 78 columns breaks
 * before its last whitespace that follows text on that line; a word
 * longer than the line stays whole (the line breaks at the next
 * whitespace).  -1 when a line passes 998.  The buffer holds
 * smtp_field_bound() bytes.
 */
static int
smtp_field_fold(struct smtp_out *o, size_t col, const char *v)
{
	size_t i, start = o->len, brk = 0;
	bool text = false;

	for (i = 0; v[i] != '\0'; i++) {
		if (!smtp_field_wsp(v[i]))
			text = true;
		else if (text)
			brk = o->len;
		smtp_out_put(o, &v[i], 1);
		col++;
		if (col > SMTP_FIELD_FOLD && brk != 0) {
			memmove(o->buf + brk + 2, o->buf + brk, o->len - brk);
			memcpy(o->buf + brk, "\r\n", 2);
			o->len += 2;
			start = brk + 2;
			col = o->len - start;
			brk = 0;
			text = smtp_field_has_text(o->buf, start, o->len);
		}
		if (col > SMTP_FIELD_LINE_MAX)
			return -1;
	}
	return 0;
}

enum smtp_field_check
smtp_field_build(char *buf, size_t cap, const char *name, const char *value,
    size_t *len_r)
{
	struct smtp_out o = { buf, cap, 0 };
	size_t nlen;
	int kind;

	*len_r = 0;
	if (!smtp_field_name_ok(name))
		return SMTP_FIELD_BAD_NAME;
	nlen = strlen(name);
	if ((kind = smtp_field_value_scan(nlen, value)) < 0)
		return SMTP_FIELD_BAD_VALUE;
	if (cap < smtp_field_bound(name, value))
		return SMTP_FIELD_BAD_VALUE;
	smtp_out_put(&o, name, nlen);
	smtp_out_put(&o, ": ", 2);
	if (kind == 1)
		smtp_out_put(&o, value, strlen(value));
	else if (smtp_field_fold(&o, nlen + 2, value) < 0)
		return SMTP_FIELD_BAD_VALUE;
	smtp_out_put(&o, "\r\n", 2);
	*len_r = o.len;
	return SMTP_FIELD_GOOD;
}
