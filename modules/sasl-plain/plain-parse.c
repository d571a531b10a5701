/*
 * plain-parse.c — RFC 4616 message parsing; see plain-parse.h.
 */
#include <string.h>

#include <gumdrop/msg-codec.h>

#include "plain-parse.h"

bool
sasl_plain_utf8_valid(const void *s, size_t len)
{
	return memchr(s, '\0', len) == NULL && gd_msg_utf8_valid(s, len);
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
