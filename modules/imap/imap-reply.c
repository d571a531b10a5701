/*
 * imap-reply.c — response codes, refusals as tagged lines, and strings
 * for the client (quoted when safe, literal otherwise).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

static const char *const imap_code_names[IMAP_CODE_COUNT] = {
	[IMAP_CODE_NONE] = NULL,
	[IMAP_CODE_ALERT] = "ALERT",
	[IMAP_CODE_ALREADYEXISTS] = "ALREADYEXISTS",
	[IMAP_CODE_APPENDUID] = "APPENDUID",
	[IMAP_CODE_AUTHENTICATIONFAILED] = "AUTHENTICATIONFAILED",
	[IMAP_CODE_AUTHORIZATIONFAILED] = "AUTHORIZATIONFAILED",
	[IMAP_CODE_BADCHARSET] = "BADCHARSET",
	[IMAP_CODE_CANNOT] = "CANNOT",
	[IMAP_CODE_CAPABILITY] = "CAPABILITY",
	[IMAP_CODE_CLIENTBUG] = "CLIENTBUG",
	[IMAP_CODE_CLOSED] = "CLOSED",
	[IMAP_CODE_CONTACTADMIN] = "CONTACTADMIN",
	[IMAP_CODE_COPYUID] = "COPYUID",
	[IMAP_CODE_CORRUPTION] = "CORRUPTION",
	[IMAP_CODE_EXPIRED] = "EXPIRED",
	[IMAP_CODE_EXPUNGEISSUED] = "EXPUNGEISSUED",
	[IMAP_CODE_HASCHILDREN] = "HASCHILDREN",
	[IMAP_CODE_INUSE] = "INUSE",
	[IMAP_CODE_LIMIT] = "LIMIT",
	[IMAP_CODE_NONEXISTENT] = "NONEXISTENT",
	[IMAP_CODE_NOPERM] = "NOPERM",
	[IMAP_CODE_NOTSAVED] = "NOTSAVED",
	[IMAP_CODE_OVERQUOTA] = "OVERQUOTA",
	[IMAP_CODE_PARSE] = "PARSE",
	[IMAP_CODE_PERMANENTFLAGS] = "PERMANENTFLAGS",
	[IMAP_CODE_PRIVACYREQUIRED] = "PRIVACYREQUIRED",
	[IMAP_CODE_READ_ONLY] = "READ-ONLY",
	[IMAP_CODE_READ_WRITE] = "READ-WRITE",
	[IMAP_CODE_SERVERBUG] = "SERVERBUG",
	[IMAP_CODE_TOOBIG] = "TOOBIG",
	[IMAP_CODE_TRYCREATE] = "TRYCREATE",
	[IMAP_CODE_UIDNEXT] = "UIDNEXT",
	[IMAP_CODE_UIDNOTSTICKY] = "UIDNOTSTICKY",
	[IMAP_CODE_UIDVALIDITY] = "UIDVALIDITY",
	[IMAP_CODE_UNAVAILABLE] = "UNAVAILABLE",
	[IMAP_CODE_UNKNOWN_CTE] = "UNKNOWN-CTE",
	[IMAP_CODE_UNSEEN] = "UNSEEN",
};

const char *
imap_code_name(enum imap_code code)
{
	if ((unsigned)code >= IMAP_CODE_COUNT)
		return NULL;
	return imap_code_names[code];
}

enum imap_code
imap_code_of_mail_error(enum gd_mail_errcode e, bool append)
{
	switch (e) {
	case GD_MAIL_ERR_TEMP:
		return IMAP_CODE_UNAVAILABLE;
	case GD_MAIL_ERR_NOTFOUND:
		return append ? IMAP_CODE_TRYCREATE : IMAP_CODE_NONEXISTENT;
	case GD_MAIL_ERR_EXISTS:
		return IMAP_CODE_ALREADYEXISTS;
	case GD_MAIL_ERR_BADNAME:
	case GD_MAIL_ERR_NOTSUPP:
		return IMAP_CODE_CANNOT;
	case GD_MAIL_ERR_NOPERM:
		return IMAP_CODE_NOPERM;
	case GD_MAIL_ERR_OVERQUOTA:
		return IMAP_CODE_OVERQUOTA;
	case GD_MAIL_ERR_EXPUNGED:
		return IMAP_CODE_EXPUNGEISSUED;
	case GD_MAIL_ERR_INUSE:
		return IMAP_CODE_INUSE;
	case GD_MAIL_ERR_LIMIT:
		return IMAP_CODE_LIMIT;
	case GD_MAIL_ERR_CORRUPT:
		return IMAP_CODE_CORRUPTION;
	default:
		return IMAP_CODE_NONE;
	}
}

static int
imap_error_vset(struct imap_error *err, enum imap_status status,
    enum imap_code code, const char *fmt, va_list ap)
{
	size_t i;

	err->status = status;
	err->code = code;
	err->code_arg = NULL;
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	for (i = 0; err->text[i] != '\0'; i++)
		if ((unsigned char)err->text[i] < 0x20 ||
		    (unsigned char)err->text[i] > 0x7e)
			err->text[i] = '?';
	return -1;
}

int
imap_error_set(struct imap_error *err, enum imap_status status,
    enum imap_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	imap_error_vset(err, status, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
imap_error_bad(struct imap_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	imap_error_vset(err, IMAP_BAD, IMAP_CODE_NONE, fmt, ap);
	va_end(ap);
	return -1;
}

size_t
imap_reply_error(char *buf, size_t cap, const char *tag, size_t tag_len,
    const struct imap_error *err)
{
	const char *code = imap_code_name(err->code);
	const char *st = err->status == IMAP_BAD ? "BAD" :
	    err->status == IMAP_NO ? "NO" : "OK";
	int n;

	if (tag == NULL || tag_len == 0) {
		tag = "*";
		tag_len = 1;
	}
	n = snprintf(buf, cap, "%.*s %s %s%s%s%s%s%s\r\n", (int)tag_len, tag,
	    st, code != NULL ? "[" : "", code != NULL ? code : "",
	    code != NULL && err->code_arg != NULL ? " " : "",
	    code != NULL && err->code_arg != NULL ? err->code_arg : "",
	    code != NULL ? "] " : "", err->text);
	return n < 0 ? 0 : (size_t)n;
}

/* ---- strings for the client ---- */

bool
imap_string_quotable(const char *s, size_t len, unsigned mode)
{
	size_t i;

	if (len > 1024)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0 || c == '\r' || c == '\n')
			return false;
		if (c >= 0x80 && !(mode & IMAP_MODE_UTF8))
			return false;
	}
	return (mode & IMAP_MODE_UTF8) == 0 || imap_utf8_valid(s, len);
}

static bool
imap_atom_safe(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (len == 3 && strncasecmp(s, "NIL", 3) == 0))
		return false;
	for (i = 0; i < len; i++)
		if (!imap_is_atom_char((unsigned char)s[i]) || s[i] == ']')
			return false;
	return true;
}

/* Append `n` octets at *w (counted even past cap, snprintf-like).
 * UNSAFE: copies at most cap - *w octets. */
static void
imap_put(char *buf, size_t cap, size_t *w, const char *s, size_t n)
{
	if (*w < cap) {
		size_t room = cap - *w;

		memcpy(buf + *w, s, n < room ? n : room);
	}
	*w += n;
}

static size_t
imap_quoted_put(char *buf, size_t cap, const char *s, size_t len)
{
	size_t w = 0, i;

	imap_put(buf, cap, &w, "\"", 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			imap_put(buf, cap, &w, "\\", 1);
		imap_put(buf, cap, &w, s + i, 1);
	}
	imap_put(buf, cap, &w, "\"", 1);
	return w;
}

size_t
imap_string_format(char *buf, size_t cap, const char *s, size_t len,
    unsigned mode, unsigned flags)
{
	char head[32];
	size_t w = 0;
	int n;

	if (s == NULL && (flags & IMAP_STR_NIL))
		imap_put(buf, cap, &w, "NIL", 3);
	else if (s == NULL)
		imap_put(buf, cap, &w, "\"\"", 2);
	else if ((flags & IMAP_STR_ATOM) && imap_atom_safe(s, len))
		imap_put(buf, cap, &w, s, len);
	else if (imap_string_quotable(s, len, mode))
		w = imap_quoted_put(buf, cap, s, len);
	else {
		n = snprintf(head, sizeof(head), "{%zu}\r\n", len);
		imap_put(buf, cap, &w, head, (size_t)n);
		imap_put(buf, cap, &w, s, len);
	}
	if (cap > 0)
		buf[w < cap ? w : cap - 1] = '\0';
	return w;
}

const char *
imap_u64_digits(char buf[IMAP_U64_DIGITS], uint64_t n)
{
	char *p = buf + IMAP_U64_DIGITS;

	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	return p;
}
