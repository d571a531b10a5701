/*
 * smtp-domain.c — domains and address literals of RFC 5321 4.1.2/4.1.3,
 * IDNA through libidn2, and the UTF-8 check used for SMTPUTF8 (RFC 6531).
 */
#include <arpa/inet.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp-parse.h"

static bool smtp_ldh(char c);
static bool smtp_has_ace(const char *s);
static int smtp_domain_from_ascii(const char *in, size_t len, char *alabel,
    char *ulabel, const char **why_r);
static int smtp_domain_from_utf8(const char *in, size_t len, char *alabel,
    char *ulabel, const char **why_r);
static bool smtp_literal_general(const char *s, size_t len);

static bool
smtp_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

bool
smtp_domain_ascii_valid(const char *in, size_t len)
{
	size_t i, label;

	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return false;
	label = 0;
	for (i = 0; i < len; i++) {
		if (in[i] == '.') {
			if (label == 0 || in[i - 1] == '-')
				return false;
			label = 0;
		} else if (!smtp_ldh(in[i]) || (label == 0 && in[i] == '-') ||
		    ++label > 63)
			return false;
	}
	return label > 0 && in[len - 1] != '-';
}

bool
smtp_utf8_valid(const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i, n, k;
	unsigned long cp;

	for (i = 0; i < len; i += n) {
		if (s[i] < 0x80) {
			n = 1;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4;
		else
			return false;
		if (len - i < n)
			return false;
		cp = s[i] & (0x7f >> n);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

static bool
smtp_has_ace(const char *s)
{
	if (strncasecmp(s, "xn--", 4) == 0)
		return true;
	for (; *s != '\0'; s++)
		if (*s == '.' && strncasecmp(s + 1, "xn--", 4) == 0)
			return true;
	return false;
}

/* An ASCII name: lower-cased; xn-- labels must survive a round trip
 * through their U-label form, so that a bogus A-label is refused. */
static int
smtp_domain_from_ascii(const char *in, size_t len, char *alabel,
    char *ulabel, const char **why_r)
{
	char *u = NULL, *a = NULL;
	size_t i;
	int ok;

	if (!smtp_domain_ascii_valid(in, len)) {
		*why_r = "bad domain syntax";
		return -1;
	}
	for (i = 0; i < len; i++)
		alabel[i] = (char)(in[i] >= 'A' && in[i] <= 'Z' ?
		    in[i] - 'A' + 'a' : in[i]);
	alabel[len] = '\0';
	if (!smtp_has_ace(alabel)) {
		memcpy(ulabel, alabel, len + 1);
		return 0;
	}
	ok = idn2_to_unicode_8z8z(alabel, &u, 0) == IDN2_OK &&
	    idn2_to_ascii_8z(u, &a, IDN2_NONTRANSITIONAL) == IDN2_OK &&
	    strcmp(a, alabel) == 0 && strlen(u) <= SMTP_DOMAIN_UTF8_MAX;
	if (ok)
		strcpy(ulabel, u);
	free(u);
	free(a);
	if (!ok)
		*why_r = "bad IDNA A-label";
	return ok ? 0 : -1;
}

static int
smtp_domain_from_utf8(const char *in, size_t len, char *alabel,
    char *ulabel, const char **why_r)
{
	char copy[SMTP_DOMAIN_MAX + 1];
	char *a = NULL;
	int rc;

	if (len > SMTP_DOMAIN_MAX || !smtp_utf8_valid(in, len) ||
	    memchr(in, '\0', len) != NULL) {
		*why_r = "bad UTF-8 domain";
		return -1;
	}
	memcpy(copy, in, len);
	copy[len] = '\0';
	if (idn2_to_ascii_8z(copy, &a, IDN2_NONTRANSITIONAL) != IDN2_OK) {
		*why_r = "bad IDNA domain";
		return -1;
	}
	rc = smtp_domain_from_ascii(a, strlen(a), alabel, ulabel, why_r);
	free(a);
	return rc;
}

int
smtp_domain_convert(const char *in, size_t len, char *alabel, char *ulabel,
    const char **why_r)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80)
			return smtp_domain_from_utf8(in, len, alabel, ulabel,
			    why_r);
	return smtp_domain_from_ascii(in, len, alabel, ulabel, why_r);
}

/* General-address-literal: Standardized-tag ":" 1*dcontent. */
static bool
smtp_literal_general(const char *s, size_t len)
{
	size_t i, tag;

	for (tag = 0; tag < len && s[tag] != ':'; tag++)
		if (!smtp_ldh(s[tag]))
			return false;
	/* A tag starts with a letter, so that a bare IPv6 address is not
	 * taken for a general literal. */
	if (tag == 0 || tag + 1 >= len || s[tag - 1] == '-' ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = tag + 1; i < len; i++)
		if (s[i] < 33 || s[i] > 126 || (s[i] >= 91 && s[i] <= 93))
			return false;
	return true;
}

enum smtp_domain_kind
smtp_literal_check(const char *in, size_t len)
{
	unsigned char addr[16];
	char text[64];

	if (len < 3 || in[0] != '[' || in[len - 1] != ']')
		return SMTP_DOMAIN_NONE;
	in++;
	len -= 2;
	if (len < sizeof(text) && memchr(in, '\0', len) == NULL) {
		memcpy(text, in, len);
		text[len] = '\0';
		if (inet_pton(AF_INET, text, addr) == 1)
			return SMTP_DOMAIN_IPV4;
		if (strncasecmp(text, "IPv6:", 5) == 0)
			return inet_pton(AF_INET6, text + 5, addr) == 1 ?
			    SMTP_DOMAIN_IPV6 : SMTP_DOMAIN_NONE;
	} else if (len >= 5 && strncasecmp(in, "IPv6:", 5) == 0)
		return SMTP_DOMAIN_NONE;
	if (len > 0 && in[0] >= '0' && in[0] <= '9' &&
	    memchr(in, ':', len) == NULL)
		return SMTP_DOMAIN_NONE;	/* a bad dotted quad */
	return smtp_literal_general(in, len) ? SMTP_DOMAIN_GENERAL :
	    SMTP_DOMAIN_NONE;
}
