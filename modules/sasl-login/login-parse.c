/*
 * login-parse.c — see login-parse.h.
 */
#include <string.h>

#include "login-parse.h"

/* Length of the UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
sasl_login_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], min, i, len;
	unsigned long cp;

	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c < 0xe0) {
		len = 2; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c < 0xf0) {
		len = 3; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c < 0xf5) {
		len = 4; cp = c & 0x07; min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
sasl_login_check_field(const void *in, size_t len, const char **error_r)
{
	const unsigned char *p = in;
	size_t i = 0, n;

	if (p == NULL || len == 0) {
		*error_r = "empty field";
		return -1;
	}
	if (len > SASL_LOGIN_FIELD_MAX) {
		*error_r = "field too long";
		return -1;
	}
	while (i < len) {
		if ((n = sasl_login_utf8_seq(p + i, len - i)) == 0) {
			*error_r = "not UTF-8, or a NUL";
			return -1;
		}
		i += n;
	}
	return 0;
}
