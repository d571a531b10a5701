/*
 * smtp-reply.c — SMTP replies: the error record the parsers fill, the
 * reply formatter (multi-line, enhanced status codes, sanitised text,
 * lines kept under 512 octets) and the enhanced-code check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smtp-parse.h"

/* "250-" + "5.5.4 " + text + CRLF must fit SMTP_REPLY_LINE_MAX. */
#define SMTP_REPLY_TEXT_ROOM	(SMTP_REPLY_LINE_MAX - 4 - 12 - 2)

static void smtp_reply_line(struct smtp_out *o, unsigned code,
    const char *enhanced, const char *text, size_t n, bool more);
static void smtp_reply_text(struct smtp_out *o, unsigned code,
    const char *enhanced, const char *text, bool last);
static size_t smtp_reply_cut(const char *text, size_t len);

int
smtp_error_set(struct smtp_error *err, unsigned code, const char *enhanced,
    const char *fmt, ...)
{
	va_list ap;
	char *p;

	err->code = code;
	err->enhanced = enhanced;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	for (p = err->text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return -1;
}

void
smtp_out_put(struct smtp_out *o, const char *s, size_t n)
{
	size_t room;

	/* UNSAFE: copy what fits, keep counting the rest (snprintf-like). */
	if (o->len + 1 < o->cap) {
		room = o->cap - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void
smtp_reply_line(struct smtp_out *o, unsigned code, const char *enhanced,
    const char *text, size_t n, bool more)
{
	char head[8];
	size_t i;
	char c;

	snprintf(head, sizeof(head), "%03u%c", code % 1000, more ? '-' : ' ');
	smtp_out_put(o, head, 4);
	if (enhanced != NULL) {
		smtp_out_put(o, enhanced, strlen(enhanced));
		if (n > 0)
			smtp_out_put(o, " ", 1);
	}
	for (i = 0; i < n; i++) {
		c = text[i];
		if ((unsigned char)c >= 0x80)
			c = '?';
		else if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		smtp_out_put(o, &c, 1);
	}
	smtp_out_put(o, "\r\n", 2);
}

/* Length of the first piece of `text` that fits one line: cut at the
 * last space within the room, or hard at the room. */
static size_t
smtp_reply_cut(const char *text, size_t len)
{
	size_t i;

	if (len <= SMTP_REPLY_TEXT_ROOM)
		return len;
	for (i = SMTP_REPLY_TEXT_ROOM; i > 0; i--)
		if (text[i] == ' ')
			return i;
	return SMTP_REPLY_TEXT_ROOM;
}

static void
smtp_reply_text(struct smtp_out *o, unsigned code, const char *enhanced,
    const char *text, bool last)
{
	size_t len, n;

	len = strlen(text);
	do {
		n = smtp_reply_cut(text, len);
		smtp_reply_line(o, code, enhanced, text, n, !(last &&
		    n == len));
		text += n;
		len -= n;
		while (len > 0 && *text == ' ') {
			text++;
			len--;
		}
	} while (len > 0);
}

size_t
smtp_reply_format(char *buf, size_t cap, unsigned code, const char *enhanced,
    const char *const *lines, size_t n)
{
	struct smtp_out o = { buf, cap, 0 };
	size_t i;

	if (n == 0)
		smtp_reply_line(&o, code, enhanced, "", 0, false);
	for (i = 0; i < n; i++)
		smtp_reply_text(&o, code, enhanced,
		    lines[i] != NULL ? lines[i] : "", i + 1 == n);
	if (cap > 0)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len;
}

size_t
smtp_reply_format1(char *buf, size_t cap, unsigned code, const char *enhanced,
    const char *text)
{
	return smtp_reply_format(buf, cap, code, enhanced, &text,
	    text != NULL ? 1 : 0);
}

size_t
smtp_reply_error(char *buf, size_t cap, const struct smtp_error *err,
    bool enhanced)
{
	return smtp_reply_format1(buf, cap, err->code,
	    enhanced ? err->enhanced : NULL, err->text);
}

bool
smtp_enhanced_valid(const char *s, unsigned code)
{
	unsigned part, digits, value;

	if (s == NULL || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    (unsigned)(s[0] - '0') != code / 100 || s[1] != '.')
		return false;
	s += 2;
	for (part = 0; part < 2; part++) {
		digits = value = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			value = value * 10 + (unsigned)(*s - '0');
			if (digits == 1 && value < 10)
				return false;	/* a leading zero */
			digits++;
			s++;
		}
		if (digits == 0 || digits > 3)
			return false;
		if (*s != (part == 0 ? '.' : '\0'))
			return false;
		s++;
	}
	return true;
}
