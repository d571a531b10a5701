/*
 * ldap-template.c — escaping and template expansion (ldap-template.h).
 */
#include <stdbool.h>
#include <string.h>

#include "ldap-template.h"

static bool
ldap_escape_needed(const unsigned char *s, size_t i, size_t len,
    enum ldap_escape escape)
{
	unsigned char c = s[i];

	if (c < 0x20 || c > 0x7e)
		return true;
	if (escape == LDAP_ESCAPE_FILTER)
		return c == '*' || c == '(' || c == ')' || c == '\\';
	if (strchr("\"+,;<>\\=", c) != NULL)
		return true;
	return (i == 0 && (c == '#' || c == ' ')) ||
	    (i == len - 1 && c == ' ');
}

int
ldap_escape_append(const char *s, size_t len, enum ldap_escape escape,
    char *out, size_t size, size_t *pos)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!ldap_escape_needed(p, i, len, escape)) {
			if (*pos + 1 >= size)
				return -1;
			out[(*pos)++] = (char)p[i];
			continue;
		}
		if (*pos + 3 >= size)
			return -1;
		/* UNSAFE: three octets, checked just above. */
		out[(*pos)++] = '\\';
		out[(*pos)++] = hex[p[i] >> 4];
		out[(*pos)++] = hex[p[i] & 15];
	}
	out[*pos] = '\0';
	return 0;
}

/* The octets %c stands for, within `user`. */
static int
ldap_template_part(char c, const char *user, const char **s_r,
    size_t *len_r)
{
	const char *at = strrchr(user, '@');
	size_t len = strlen(user);

	switch (c) {
	case 'u':
		*s_r = user;
		*len_r = len;
		return 0;
	case 'n':
		*s_r = user;
		*len_r = at != NULL ? (size_t)(at - user) : len;
		return 0;
	case 'd':
		*s_r = at != NULL ? at + 1 : user + len;
		*len_r = at != NULL ? len - (size_t)(at + 1 - user) : 0;
		return 0;
	case '%':
		*s_r = "%";
		*len_r = 1;
		return 0;
	}
	return -1;
}

int
ldap_template_expand(const char *tmpl, const char *user,
    enum ldap_escape escape, char *out, size_t size, const char **error_r)
{
	const char *p, *s;
	size_t pos = 0, len;

	if (size == 0) {
		*error_r = "no room";
		return -1;
	}
	out[0] = '\0';
	for (p = tmpl; *p != '\0'; p++) {
		if (*p != '%') {
			if (pos + 1 >= size)
				goto too_long;
			out[pos++] = *p;
			out[pos] = '\0';
			continue;
		}
		if (ldap_template_part(p[1], user, &s, &len) < 0) {
			*error_r = "unknown % sequence (use %u, %n, %d or %%)";
			return -1;
		}
		p++;
		if (*p == '%') {
			if (pos + 1 >= size)
				goto too_long;
			out[pos++] = '%';
			out[pos] = '\0';
		} else if (ldap_escape_append(s, len, escape, out, size,
		    &pos) < 0)
			goto too_long;
	}
	return 0;
too_long:
	*error_r = "expanded template too long";
	return -1;
}
