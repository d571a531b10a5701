/*
 * fuzz-sasl-oauth.c — libFuzzer target for the OAUTHBEARER and XOAUTH2
 * message parsers (modules/sasl-oauthbearer/oauth-parse.c).  The first
 * byte chooses the parser; the rest is the whole message.  Checks: an
 * accepted message's parts lie inside it, the token is non-empty and
 * the authorization identity unescapes; a prefix never reads past its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_oauth_inside(const char *m, size_t size, const char *p, size_t len)
{
	if (p != NULL && (p < m || p + len > m + size))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oauth_msg m;
	const char *error = NULL;
	char *copy, out[OAUTH_MSG_MAX + 1];
	bool x;
	int ret;

	if (size < 1 || size > OAUTH_MSG_MAX + 2)
		return 0;
	x = data[0] & 1;
	copy = malloc(size - 1 > 0 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	ret = x ? oauth_parse_xoauth2(copy, size - 1, &m, &error) :
	    oauth_parse_bearer(copy, size - 1, &m, &error);
	if (ret < 0 && error == NULL)
		abort();
	if (ret == 0) {
		fuzz_oauth_inside(copy, size - 1, m.authzid, m.authzid_len);
		fuzz_oauth_inside(copy, size - 1, m.token, m.token_len);
		fuzz_oauth_inside(copy, size - 1, m.host, m.host_len);
		fuzz_oauth_inside(copy, size - 1, m.port, m.port_len);
		if (m.token == NULL || m.token_len == 0 || (!x &&
		    m.authzid != NULL && oauth_unescape(m.authzid,
		    m.authzid_len, out) < 0))
			abort();
		(void)(x ? oauth_parse_xoauth2(copy, (size - 1) / 2, &m,
		    &error) : oauth_parse_bearer(copy, (size - 1) / 2, &m,
		    &error));
	}
	free(copy);
	return 0;
}
