/*
 * codec-charset.c — charset names, conversion to UTF-8 with iconv, and
 * UTF-8 validation and repair.
 *
 * Names are matched case-insensitively, with the aliases mail needs on
 * top of what iconv knows: ISO-8859-1 is read as windows-1252 (as every
 * mail reader does: its 0x80-0x9f range is in real use), GB2312 as its
 * superset GB18030, and so on.  US-ASCII and UTF-8 text is only checked.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <gumdrop/pool.h>

#include "message-private.h"

#define CHARSET_NAME_MAX	64

struct charset_alias {
	const char *name;	/* lower case */
	const char *iconv;	/* NULL: UTF-8, validated */
};

static const struct charset_alias charset_aliases[] = {
	{ "utf-8", NULL }, { "utf8", NULL }, { "us-ascii", NULL },
	{ "ascii", NULL }, { "x-unknown", NULL }, { "unknown-8bit", NULL },
	{ "ansi_x3.4-1968", NULL }, { "iso-646-us", NULL },
	{ "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" },
	{ "iso_8859-1", "WINDOWS-1252" }, { "latin1", "WINDOWS-1252" },
	{ "l1", "WINDOWS-1252" }, { "gb2312", "GB18030" },
	{ "gbk", "GB18030" }, { "x-gbk", "GB18030" },
	{ "ks_c_5601-1987", "CP949" }, { "x-sjis", "SHIFT_JIS" },
	{ "shift-jis", "SHIFT_JIS" }, { "iso-8859-8-i", "ISO-8859-8" },
	{ "x-mac-roman", "MACINTOSH" }, { "unicode-1-1-utf-7", "UTF-7" },
};

static const unsigned char utf8_repl[3] = { 0xef, 0xbf, 0xbd };

static bool charset_name(const char *cs, size_t len, char *out);

/* Lower-case `cs` into `out` if it looks like a charset name. */
static bool
charset_name(const char *cs, size_t len, char *out)
{
	size_t i;
	unsigned char c;

	while (len > 0 && msg_is_wsp((unsigned char)cs[len - 1]))
		len--;
	while (len > 0 && msg_is_wsp((unsigned char)*cs)) {
		cs++;
		len--;
	}
	if (len == 0 || len >= CHARSET_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		c = msg_lower((unsigned char)cs[i]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-_.:+()", c) != NULL) || c == '\0')
			return false;
		out[i] = (char)c;
	}
	out[len] = '\0';
	return true;
}

int
msg_conv_open(struct msg_conv *c, const char *charset, size_t len)
{
	char name[CHARSET_NAME_MAX];
	const char *target;
	size_t i;

	c->utf8 = false;
	c->cd = (iconv_t)-1;
	if (!charset_name(charset, len, name))
		return -1;
	target = name;
	for (i = 0; i < GD_N_ELEMENTS(charset_aliases); i++) {
		if (strcmp(name, charset_aliases[i].name) != 0)
			continue;
		if (charset_aliases[i].iconv == NULL) {
			c->utf8 = true;
			return 0;
		}
		target = charset_aliases[i].iconv;
		break;
	}
	c->cd = iconv_open("UTF-8", target);
	return c->cd == (iconv_t)-1 ? -1 : 0;
}

void
msg_conv_close(struct msg_conv *c)
{
	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	c->cd = (iconv_t)-1;
}

size_t
msg_conv_run(struct msg_conv *c, const void *in, size_t len, char *out,
    size_t cap)
{
	char *ip = (char *)(uintptr_t)in, *op = out;
	size_t il = len, ol = cap;

	if (c->utf8) {
		/* 3 * len is enough: each byte becomes at most U+FFFD. */
		assert(cap >= 3 * len);
		return msg_utf8_sanitize_into(in, len, out);
	}
	while (il > 0) {
		if (iconv(c->cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG || ol < sizeof(utf8_repl))
			break;
		/* EILSEQ or a sequence cut by the end (EINVAL): U+FFFD. */
		memcpy(op, utf8_repl, sizeof(utf8_repl));
		op += sizeof(utf8_repl);
		ol -= sizeof(utf8_repl);
		ip++;
		il--;
	}
	(void)iconv(c->cd, NULL, NULL, &op, &ol);
	(void)iconv(c->cd, NULL, NULL, NULL, NULL);
	return (size_t)(op - out);
}

int
gd_msg_charset_to_utf8(struct gd_pool *pool, const char *charset,
    const void *in, size_t len, char **out_r, size_t *out_len_r)
{
	struct msg_conv c;
	size_t n, cap;
	char *out;

	if (msg_conv_open(&c, charset, strlen(charset)) < 0)
		return -1;
	if (len > (SIZE_MAX - 1) / 4)
		gd_fatal("charset: %zu bytes overflow", len);
	cap = 4 * len;
	out = gd_pool_alloc(pool, cap + 1);
	n = msg_conv_run(&c, in, len, out, cap);
	msg_conv_close(&c);
	out[n] = '\0';
	*out_r = out;
	if (out_len_r != NULL)
		*out_len_r = n;
	return 0;
}

bool
gd_msg_charset_known(const char *charset)
{
	struct msg_conv c;

	if (msg_conv_open(&c, charset, strlen(charset)) < 0)
		return false;
	msg_conv_close(&c);
	return true;
}

size_t
msg_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

bool
gd_msg_utf8_valid(const void *in, size_t len)
{
	const unsigned char *s = in;
	size_t i = 0, k;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = msg_utf8_seq(s + i, len - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

size_t
msg_utf8_sanitize_into(const void *in, size_t len, char *out)
{
	const unsigned char *s = in;
	size_t i = 0, o = 0, k;

	while (i < len) {
		k = s[i] < 0x80 ? 1 : msg_utf8_seq(s + i, len - i);
		if (k == 0) {
			memcpy(out + o, utf8_repl, sizeof(utf8_repl));
			o += sizeof(utf8_repl);
			i++;
			continue;
		}
		memcpy(out + o, s + i, k);
		o += k;
		i += k;
	}
	return o;
}

char *
gd_msg_utf8_sanitize(struct gd_pool *pool, const void *in, size_t len,
    size_t *out_len_r)
{
	char *out;
	size_t n;

	if (len > (SIZE_MAX - 1) / 3)
		gd_fatal("utf8: %zu bytes overflow", len);
	out = gd_pool_alloc(pool, 3 * len + 1);
	n = msg_utf8_sanitize_into(in, len, out);
	out[n] = '\0';
	if (out_len_r != NULL)
		*out_len_r = n;
	return out;
}
