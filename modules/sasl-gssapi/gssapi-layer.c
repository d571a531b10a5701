/*
 * gssapi-layer.c — RFC 4752 security-layer messages and principal
 * mapping (see gssapi-layer.h).
 */
#include <string.h>

#include <gumdrop/msg-codec.h>

#include "gssapi-layer.h"

static const char *gssapi_realm_sep(const char *principal);
static bool gssapi_plain_component(const char *s, size_t len);
static int gssapi_copy(const char *s, size_t len, char *user, size_t size,
    const char **error_r);

void
gssapi_layer_offer(unsigned char out[GSSAPI_LAYER_MSG_LEN])
{
	out[0] = GSSAPI_LAYER_NONE;
	out[1] = 0;
	out[2] = 0;
	out[3] = 0;
}

int
gssapi_layer_parse(const void *buf, size_t len, struct gssapi_layer_reply *r,
    const char **error_r)
{
	const unsigned char *p = buf;

	memset(r, 0, sizeof(*r));
	if (len < GSSAPI_LAYER_MSG_LEN) {
		*error_r = "security-layer reply shorter than 4 octets";
		return -1;
	}
	r->layer = p[0];
	r->max_size = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	if (r->layer != GSSAPI_LAYER_NONE) {
		*error_r = "client chose a security layer that was not offered";
		return -1;
	}
	r->authzid = (const char *)p + GSSAPI_LAYER_MSG_LEN;
	r->authzid_len = len - GSSAPI_LAYER_MSG_LEN;
	if (r->authzid_len > GSSAPI_AUTHZID_MAX) {
		*error_r = "authorization identity too long";
		return -1;
	}
	if (memchr(r->authzid, '\0', r->authzid_len) != NULL ||
	    !gd_msg_utf8_valid(r->authzid, r->authzid_len)) {
		*error_r = "authorization identity is not UTF-8 text";
		return -1;
	}
	return 0;
}

/* The '@' that starts the realm: the last one not escaped by '\'. */
static const char *
gssapi_realm_sep(const char *principal)
{
	const char *p, *at = NULL;

	for (p = principal; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0')
				break;
			p++;
		} else if (*p == '@')
			at = p;
	}
	return at;
}

/* One component, without escapes: no '/', no '\', not empty. */
static bool
gssapi_plain_component(const char *s, size_t len)
{
	return len > 0 && memchr(s, '/', len) == NULL &&
	    memchr(s, '\\', len) == NULL;
}

static int
gssapi_copy(const char *s, size_t len, char *user, size_t size,
    const char **error_r)
{
	if (len == 0 || len >= size) {
		*error_r = "mapped user name empty or too long";
		return -1;
	}
	memcpy(user, s, len);
	user[len] = '\0';
	return 0;
}

int
gssapi_map_principal(const struct gssapi_names *n, const char *principal,
    char *user, size_t size, const char **error_r)
{
	const char *at;
	size_t i, name_len;

	for (i = 0; i < n->nmap; i++) {
		if (strcmp(n->map[i].principal, principal) == 0)
			return gssapi_copy(n->map[i].user,
			    strlen(n->map[i].user), user, size, error_r);
	}
	at = gssapi_realm_sep(principal);
	if (at != NULL && n->realm != NULL && strcmp(at + 1, n->realm) == 0) {
		name_len = (size_t)(at - principal);
		if (gssapi_plain_component(principal, name_len))
			return gssapi_copy(principal, name_len, user, size,
			    error_r);
	}
	if (n->allow_other_realms)
		return gssapi_copy(principal, strlen(principal), user, size,
		    error_r);
	*error_r = at != NULL && n->realm != NULL &&
	    strcmp(at + 1, n->realm) == 0 ?
	    "principal has several components and no mapping" :
	    "principal of a realm that is not accepted";
	return -1;
}
