/*
 * ldap-template.h — user names into LDAP search filters and DNs, escaped.
 *
 * A template is text with these expansions:
 *
 *   %u   the user name as given ("alice@example.org")
 *   %n   its part before the last '@' (the whole name without one)
 *   %d   its part after the last '@' (empty without one)
 *   %%   a '%'
 *
 * Each expansion is escaped for where it lands: in a filter every octet
 * RFC 4515 3 requires ('*', '(', ')', '\', NUL) plus control characters
 * and octets over 0x7e become \XX; in a DN (RFC 4514 2.4) '"', '+', ',',
 * ';', '<', '>', '\', '=', a leading '#' or space, a trailing space,
 * control characters and octets over 0x7e become \XX.  So a user called
 * "*)(uid=*" matches itself, nothing else, and "alice,ou=admins" stays one
 * RDN value.
 *
 * Pure functions on memory, any thread.
 */
#ifndef LDAP_TEMPLATE_H
#define LDAP_TEMPLATE_H

#include <stddef.h>

#define LDAP_TEMPLATE_MAX	4096	/* an expanded template, with NUL */

enum ldap_escape {
	LDAP_ESCAPE_FILTER = 1,
	LDAP_ESCAPE_DN,
};

/*
 * Expand `tmpl` for `user` into out[size] (NUL-terminated).  0, or -1 with
 * *error_r (static) when the template has an unknown '%' sequence or the
 * result does not fit.
 */
int ldap_template_expand(const char *tmpl, const char *user,
    enum ldap_escape escape, char *out, size_t size, const char **error_r);

/* Append `len` octets of `s`, escaped, at out[*pos]; -1 when it does not
 * fit in `size` (with room for a NUL). */
int ldap_escape_append(const char *s, size_t len, enum ldap_escape escape,
    char *out, size_t size, size_t *pos);

#endif /* LDAP_TEMPLATE_H */
