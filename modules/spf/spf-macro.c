/*
 * spf-macro.c — SPF macros (RFC 7208 section 7): syntax, expansion with
 * transformers and delimiters, URL escaping, and the section 4.8 length
 * rule for expanded domain names.  Output is bounded: SPF_EXPAND_MAX
 * octets for text, 253 for names.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "spf-engine.h"

#define SPF_DELIMS	".-+,/_="
#define SPF_MAX_PARTS	256

/* ---- syntax ----------------------------------------------------------- */

static bool
spf_letter_valid(char c, bool exp)
{
	c = (char)tolower((unsigned char)c);
	if (c != '\0' && strchr("slodiphv", c) != NULL)
		return true;
	return exp && c != '\0' && strchr("crt", c) != NULL;
}

/*
 * Parse "%{" letter digits [r] delimiters "}" at s[0..len) (s[0] is
 * '%', s[1] is '{').  Returns its length, or 0 when malformed; fills
 * the pieces when non-NULL.
 */
static size_t
spf_macro_braces(const char *s, size_t len, bool exp, char *letter_r,
    unsigned *keep_r, bool *rev_r, const char **delims_r)
{
	size_t i = 3;
	unsigned keep = 0;

	if (len < 4 || !spf_letter_valid(s[2], exp))
		return 0;
	while (i < len && isdigit((unsigned char)s[i]) && i < 6)
		keep = keep * 10 + (unsigned)(s[i++] - '0');
	if (i > 3 && keep == 0)
		return 0;
	if (rev_r != NULL)
		*rev_r = i < len && (s[i] == 'r' || s[i] == 'R');
	if (i < len && (s[i] == 'r' || s[i] == 'R'))
		i++;
	if (delims_r != NULL)
		*delims_r = s + i;
	while (i < len && s[i] != '\0' && strchr(SPF_DELIMS, s[i]) != NULL)
		i++;
	if (i >= len || s[i] != '}')
		return 0;
	if (letter_r != NULL)
		*letter_r = s[2];
	if (keep_r != NULL)
		*keep_r = keep;
	return i + 1;
}

bool
spf_macro_string_valid(const char *s, size_t len, bool exp)
{
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 1 < len && strchr("%_-", s[i + 1]) != NULL &&
			    s[i + 1] != '\0')
				n = 2;
			else if (i + 1 < len && s[i + 1] == '{')
				n = spf_macro_braces(s + i, len - i, exp,
				    NULL, NULL, NULL, NULL);
			else
				n = 0;
			if (n == 0)
				return false;
			i += n;
		} else if ((c > 0x20 && c < 0x7f) || (exp && c == ' ')) {
			i++;
		} else {
			return false;
		}
	}
	return true;
}

bool
spf_macro_uses_p(const char *s)
{
	for (; (s = strchr(s, '%')) != NULL; s++) {
		if (s[1] == '{' && (s[2] == 'p' || s[2] == 'P'))
			return true;
		if (s[1] != '\0')
			s++;
	}
	return false;
}

/* ---- addresses ------------------------------------------------------- */

int
spf_ip_parse(const char *s, struct spf_ip *ip_r)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	memset(ip_r, 0, sizeof(*ip_r));
	if (inet_pton(AF_INET, s, ip_r->b) == 1) {
		ip_r->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip_r->b) != 1)
		return -1;
	ip_r->family = AF_INET6;
	if (memcmp(ip_r->b, mapped, 12) == 0) {
		memmove(ip_r->b, ip_r->b + 12, 4);
		memset(ip_r->b + 4, 0, 12);
		ip_r->family = AF_INET;
	}
	return 0;
}

bool
spf_ip_match(const struct spf_ip *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a->b, b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a->b[full] & mask) == (b[full] & mask);
}

void
spf_ip_dotted(const struct spf_ip *ip, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (ip->family == AF_INET) {
		snprintf(out, size, "%u.%u.%u.%u", ip->b[0], ip->b[1],
		    ip->b[2], ip->b[3]);
		return;
	}
	for (i = 0; i < 16 && o + 4 < size; i++) {
		out[o++] = hex[ip->b[i] >> 4];
		out[o++] = '.';
		out[o++] = hex[ip->b[i] & 15];
		out[o++] = i < 15 ? '.' : '\0';
	}
	out[size > 0 && o < size ? o : size - 1] = '\0';
}

void
spf_ip_arpa(const struct spf_ip *ip, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (ip->family == AF_INET) {
		snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa", ip->b[3],
		    ip->b[2], ip->b[1], ip->b[0]);
		return;
	}
	for (i = 15; i >= 0 && o + 4 < size; i--) {
		out[o++] = hex[ip->b[i] & 15];
		out[o++] = '.';
		out[o++] = hex[ip->b[i] >> 4];
		out[o++] = '.';
	}
	snprintf(out + o, size - o, "ip6.arpa");
}

bool
spf_domain_valid(const char *name)
{
	size_t len = strlen(name), label = 0, labels = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_DOMAIN_MAX)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			labels++;
			label = 0;
		} else {
			label++;
		}
	}
	return labels >= 2;
}

/* ---- expansion -------------------------------------------------------- */

struct spf_out {
	char *buf;
	size_t len;
	bool domain;
};

/* Append one octet; names drop left-hand labels past 253 octets. */
static void
spf_out_put(struct spf_out *o, char c)
{
	char *dot;

	if (!o->domain && o->len >= SPF_EXPAND_MAX - 1)
		return;
	o->buf[o->len++] = c;
	if (!o->domain || o->len <= SPF_DOMAIN_MAX)
		return;
	dot = memchr(o->buf, '.', o->len);
	if (dot == NULL) {
		o->len = 0;	/* one label over 253 octets: nothing left */
		return;
	}
	o->len -= (size_t)(dot + 1 - o->buf);
	memmove(o->buf, dot + 1, o->len);
}

static void
spf_out_escaped(struct spf_out *o, const char *s, size_t n, bool url)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!url || isalnum(c) || strchr("-._~", c) != NULL) {
			spf_out_put(o, (char)c);
			continue;
		}
		spf_out_put(o, '%');
		spf_out_put(o, hex[c >> 4]);
		spf_out_put(o, hex[c & 15]);
	}
}

/* The value of a macro letter before transformation. */
static const char *
spf_letter_value(char letter, const struct spf_macro_ctx *mc, char *tmp,
    size_t size)
{
	switch (tolower((unsigned char)letter)) {
	case 's': return mc->sender;
	case 'l': return mc->local;
	case 'o': return mc->sender_domain;
	case 'd': return mc->domain;
	case 'h': return mc->helo != NULL ? mc->helo : "unknown";
	case 'p': return mc->ptr != NULL ? mc->ptr : "unknown";
	case 'r': return mc->receiver != NULL ? mc->receiver : "unknown";
	case 'v': return mc->ip->family == AF_INET ? "in-addr" : "ip6";
	case 'i':
		spf_ip_dotted(mc->ip, tmp, size);
		return tmp;
	case 'c':
		inet_ntop(mc->ip->family, mc->ip->b, tmp, (socklen_t)size);
		return tmp;
	case 't':
		snprintf(tmp, size, "%" PRId64, mc->now);
		return tmp;
	}
	return "";
}

/* Split `v` at any of `delims` (default "."): part starts and ends. */
static size_t
spf_split(const char *v, const char *delims, size_t ndelims,
    size_t *start, size_t *end)
{
	size_t n = 0, i, len = strlen(v);

	start[0] = 0;
	for (i = 0; i <= len && n < SPF_MAX_PARTS; i++) {
		bool cut = i == len || (ndelims == 0 ? v[i] == '.' :
		    memchr(delims, v[i], ndelims) != NULL);

		if (!cut)
			continue;
		end[n++] = i;
		if (n < SPF_MAX_PARTS)
			start[n] = i + 1;
	}
	return n;
}

/* One %{...} macro: split, reverse, keep the right-hand parts, join. */
static void
spf_expand_one(struct spf_out *o, const char *m, size_t mlen,
    const struct spf_macro_ctx *mc, bool exp)
{
	size_t start[SPF_MAX_PARTS], end[SPF_MAX_PARTS], n, first, i;
	const char *delims, *v;
	char letter, tmp[INET6_ADDRSTRLEN + 80];
	unsigned keep;
	bool rev;

	spf_macro_braces(m, mlen, exp, &letter, &keep, &rev, &delims);
	v = spf_letter_value(letter, mc, tmp, sizeof(tmp));
	n = spf_split(v != NULL ? v : "", delims,
	    (size_t)(m + mlen - 1 - delims), start, end);
	first = keep > 0 && keep < n ? n - keep : 0;
	for (i = first; i < n; i++) {
		size_t k = rev ? n - 1 - i : i;

		if (i > first)
			spf_out_put(o, '.');
		spf_out_escaped(o, v + start[k], end[k] - start[k],
		    isupper((unsigned char)letter));
	}
}

int
spf_macro_expand(const char *s, const struct spf_macro_ctx *mc, bool exp,
    bool as_domain, char *out)
{
	struct spf_out o = { out, 0, as_domain };
	size_t len = strlen(s), i = 0, n;

	if (!spf_macro_string_valid(s, len, exp))
		return -1;
	while (i < len) {
		if (s[i] != '%') {
			spf_out_put(&o, s[i++]);
			continue;
		}
		if (s[i + 1] == '%' || s[i + 1] == '_' || s[i + 1] == '-') {
			spf_out_escaped(&o, s[i + 1] == '%' ? "%" :
			    s[i + 1] == '_' ? " " : "%20",
			    s[i + 1] == '-' ? 3 : 1, false);
			i += 2;
			continue;
		}
		n = spf_macro_braces(s + i, len - i, exp, NULL, NULL, NULL,
		    NULL);
		spf_expand_one(&o, s + i, n, mc, exp);
		i += n;
	}
	out[o.len] = '\0';
	return (int)o.len;
}
