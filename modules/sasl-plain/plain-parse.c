/*
 * plain-parse.c — RFC 4616 message parsing; see plain-parse.h.
 */
#include <string.h>

#include "plain-parse.h"

/* Length of the UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
sasl_plain_utf8_seq(const unsigned char *s, size_t n)
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

bool
sasl_plain_utf8_valid(const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = sasl_plain_utf8_seq(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

int
sasl_plain_parse(const void *in, size_t len, struct sasl_plain_msg *msg,
    const char **error_r)
{
	const char *p = in, *nul1, *nul2;

	memset(msg, 0, sizeof(*msg));
	if (p == NULL || len == 0) {
		*error_r = "empty message";
		return -1;
	}
	nul1 = memchr(p, '\0', len);
	nul2 = nul1 != NULL ? memchr(nul1 + 1, '\0', len - (size_t)(nul1 +
	    1 - p)) : NULL;
	if (nul2 == NULL) {
		*error_r = "expected two NUL separators";
		return -1;
	}
	msg->authzid = p;
	msg->authzid_len = (size_t)(nul1 - p);
	msg->authcid = nul1 + 1;
	msg->authcid_len = (size_t)(nul2 - nul1 - 1);
	msg->passwd = nul2 + 1;
	msg->passwd_len = len - (size_t)(nul2 + 1 - p);
	if (msg->authcid_len == 0 || msg->passwd_len == 0) {
		*error_r = "empty authcid or password";
		return -1;
	}
	if (msg->authzid_len > SASL_PLAIN_PART_MAX ||
	    msg->authcid_len > SASL_PLAIN_PART_MAX ||
	    msg->passwd_len > SASL_PLAIN_PART_MAX) {
		*error_r = "part too long";
		return -1;
	}
	/* A third NUL falls in passwd and fails the UTF-8 check (no NUL). */
	if (!sasl_plain_utf8_valid(msg->authzid, msg->authzid_len) ||
	    !sasl_plain_utf8_valid(msg->authcid, msg->authcid_len) ||
	    !sasl_plain_utf8_valid(msg->passwd, msg->passwd_len)) {
		*error_r = "not UTF-8, or an extra NUL";
		return -1;
	}
	return 0;
}
