/*
 * digest-md5-calc.c — the DIGEST-MD5 challenge and the response value
 * (RFC 2831 2.1.2.1), MD5 through nettle.
 */
#include <stdio.h>
#include <string.h>

#include <nettle/base16.h>
#include <nettle/md5.h>

#include "digest-md5.h"

/* Write `s` as a quoted-string body (\ before " and \). */
static size_t
dm_escape(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; *s != '\0'; s++) {
		if (o + 3 > size)
			return size;
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
	return o;
}

long
digest_md5_challenge(const struct digest_md5_server *srv, char *out,
    size_t size)
{
	char realm[512], nonce[128];
	int n;

	if (dm_escape(srv->realm, realm, sizeof(realm)) >= sizeof(realm) ||
	    dm_escape(srv->nonce, nonce, sizeof(nonce)) >= sizeof(nonce))
		return -1;
	n = snprintf(out, size, "realm=\"%s\",nonce=\"%s\",qop=\"auth\","
	    "charset=utf-8,algorithm=md5-sess", realm, nonce);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

/*
 * Feed `s` to the hash, as ISO 8859-1 when `utf8` and every character is
 * U+0000..U+00FF in valid UTF-8 (RFC 2831 2.1.2.1), else as it is.
 */
static void
dm_update_text(struct md5_ctx *c, const char *s, size_t len, bool utf8)
{
	unsigned char latin[DIGEST_MD5_MAX_RESPONSE];
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 0;

	while (utf8 && i < len && n < sizeof(latin)) {
		if (p[i] < 0x80)
			latin[n++] = p[i++];
		else if ((p[i] == 0xc2 || p[i] == 0xc3) && i + 1 < len &&
		    (p[i + 1] & 0xc0) == 0x80) {
			latin[n++] = (unsigned char)((p[i] & 0x03) << 6 |
			    (p[i + 1] & 0x3f));
			i += 2;
		} else
			break;
	}
	if (utf8 && i == len)
		md5_update(c, n, latin);
	else
		md5_update(c, len, (const uint8_t *)s);
}

static void
dm_hex(const uint8_t *digest, char out[33])
{
	base16_encode_update(out, DIGEST_MD5_HASH_LEN, digest);
	out[32] = '\0';
}

static void
dm_update(struct md5_ctx *c, const char *s)
{
	md5_update(c, strlen(s), (const uint8_t *)s);
}

/* HEX(H(A1)), A1 = H(user:realm:pass):nonce:cnonce[:authzid]. */
static void
dm_ha1(const struct digest_md5_response *r, const void *password,
    size_t password_len, bool names_latin1, char out[33])
{
	bool utf8 = r->charset.s != NULL, names = utf8 && names_latin1;
	uint8_t inner[MD5_DIGEST_SIZE], outer[MD5_DIGEST_SIZE];
	struct md5_ctx c;

	md5_init(&c);
	dm_update_text(&c, r->username.s, r->username.len, names);
	dm_update(&c, ":");
	if (r->realm.s != NULL)
		dm_update_text(&c, r->realm.s, r->realm.len, names);
	dm_update(&c, ":");
	dm_update_text(&c, password, password_len, utf8);
	md5_digest(&c, sizeof(inner), inner);
	md5_update(&c, sizeof(inner), inner);
	dm_update(&c, ":");
	dm_update(&c, r->nonce.s);
	dm_update(&c, ":");
	dm_update(&c, r->cnonce.s);
	if (r->authzid.s != NULL && r->authzid.len > 0) {
		dm_update(&c, ":");
		md5_update(&c, r->authzid.len, (const uint8_t *)r->authzid.s);
	}
	md5_digest(&c, sizeof(outer), outer);
	dm_hex(outer, out);
	memset(inner, 0, sizeof(inner));
}

void
digest_md5_compute(const struct digest_md5_response *r,
    const void *password, size_t password_len, bool rspauth,
    bool names_latin1, char out[33])
{
	char ha1[33], ha2[33];
	uint8_t digest[MD5_DIGEST_SIZE];
	struct md5_ctx c;

	dm_ha1(r, password, password_len, names_latin1, ha1);
	md5_init(&c);
	dm_update(&c, rspauth ? ":" : "AUTHENTICATE:");
	md5_update(&c, r->digest_uri.len, (const uint8_t *)r->digest_uri.s);
	md5_digest(&c, sizeof(digest), digest);
	dm_hex(digest, ha2);
	dm_update(&c, ha1);
	dm_update(&c, ":");
	dm_update(&c, r->nonce.s);
	dm_update(&c, ":");
	dm_update(&c, r->nc.s);
	dm_update(&c, ":");
	dm_update(&c, r->cnonce.s);
	dm_update(&c, ":");
	dm_update(&c, r->qop.s != NULL ? r->qop.s : "auth");
	dm_update(&c, ":");
	dm_update(&c, ha2);
	md5_digest(&c, sizeof(digest), digest);
	dm_hex(digest, out);
	memset(ha1, 0, sizeof(ha1));
}
