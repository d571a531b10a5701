/*
 * dmarc-domain.c — host names as DMARC compares them: lower case, no
 * trailing dot, label arithmetic for the tree walk.
 */
#include <ctype.h>
#include <string.h>

#include "dmarc-engine.h"

static int
dmarc_domain_byte_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

int
dmarc_domain_normalize(const char *in, char *out)
{
	size_t len = strlen(in), i, label = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > DMARC_NAME_MAX - 1)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (!dmarc_domain_byte_ok(c) || ++label > 63)
			return -1;
		out[i] = (char)tolower(c);
	}
	if (label == 0)
		return -1;
	out[len] = '\0';
	return 0;
}

unsigned
dmarc_domain_labels(const char *name)
{
	unsigned n = 1;

	for (; *name != '\0'; name++)
		if (*name == '.')
			n++;
	return n;
}

const char *
dmarc_domain_suffix(const char *name, unsigned n)
{
	unsigned drop, total = dmarc_domain_labels(name);

	if (n == 0)
		n = 1;
	for (drop = total > n ? total - n : 0; drop > 0; drop--)
		name = strchr(name, '.') + 1;
	return name;
}

bool
dmarc_domain_within(const char *name, const char *parent)
{
	size_t n = strlen(name), p = strlen(parent);

	if (n == p)
		return strcmp(name, parent) == 0;
	return n > p && name[n - p - 1] == '.' &&
	    strcmp(name + n - p, parent) == 0;
}
