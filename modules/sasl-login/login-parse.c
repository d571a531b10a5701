/*
 * login-parse.c — see login-parse.h.
 */
#include <string.h>

#include <gumdrop/msg-codec.h>

#include "login-parse.h"

int
sasl_login_check_field(const void *in, size_t len, const char **error_r)
{
	const unsigned char *p = in;

	if (p == NULL || len == 0) {
		*error_r = "empty field";
		return -1;
	}
	if (len > SASL_LOGIN_FIELD_MAX) {
		*error_r = "field too long";
		return -1;
	}
	if (memchr(p, '\0', len) != NULL || !gd_msg_utf8_valid(p, len)) {
		*error_r = "not UTF-8, or a NUL";
		return -1;
	}
	return 0;
}
