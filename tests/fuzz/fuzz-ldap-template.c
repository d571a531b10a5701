/*
 * fuzz-ldap-template.c — libFuzzer target for realm-ldap's template
 * expansion and escaping (modules/realm-ldap/ldap-template.c).  Input:
 * one byte choosing the escaping and the output size, then the template,
 * a NUL, and the user name.  Checks: the output is NUL-terminated within
 * its buffer; an escaped user name alone ("%u") has none of the octets
 * its context forbids raw (filter: * ( ) NUL and controls; DN: , + " \ <
 * > ; = and controls, except as \XX), and unescapes to the name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldap-template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	abort();
}

/* `out` is `user` escaped for `e`: check and undo it. */
static void
fuzz_check_escaped(const char *out, const char *user, enum ldap_escape e)
{
	const char *bad = e == LDAP_ESCAPE_FILTER ? "*()" : ",+\"<>;=";
	size_t i, j = 0;
	char c;

	for (i = 0; out[i] != '\0'; i++) {
		c = out[i];
		if (c == '\\') {
			c = (char)(fuzz_hex(out[i + 1]) << 4 |
			    fuzz_hex(out[i + 2]));
			i += 2;
		} else if (strchr(bad, c) != NULL ||
		    (unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
			abort();
		if (user[j++] != c)
			abort();
	}
	if (user[j] != '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum ldap_escape e;
	const uint8_t *nul;
	char *tmpl, *user, *out;
	size_t tlen, osize;
	const char *error;

	if (size < 1)
		return 0;
	e = (data[0] & 1) ? LDAP_ESCAPE_DN : LDAP_ESCAPE_FILTER;
	osize = (data[0] >> 1) == 0 ? LDAP_TEMPLATE_MAX : (data[0] >> 1);
	data++;
	size--;
	nul = memchr(data, '\0', size);
	tlen = nul != NULL ? (size_t)(nul - data) : size;
	tmpl = strndup((const char *)data, tlen);
	user = nul != NULL ? strndup((const char *)nul + 1,
	    size - tlen - 1) : strdup("");
	out = malloc(osize);
	if (ldap_template_expand(tmpl, user, e, out, osize, &error) == 0) {
		if (memchr(out, '\0', osize) == NULL)
			abort();
	} else if (error == NULL)
		abort();
	if (ldap_template_expand("%u", user, e, out, osize, &error) == 0)
		fuzz_check_escaped(out, user, e);
	free(out);
	free(user);
	free(tmpl);
	return 0;
}
