/*
 * spf-record.c — SPF record parsing (RFC 7208 sections 4.5, 4.6, 5, 6
 * and the ABNF of section 12).  A record is parsed whole before it is
 * evaluated: any syntax error anywhere is a permerror (section 4.6).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf-engine.h"

static const struct {
	const char *name;
	enum spf_mech mech;
} spf_mech_names[] = {
	{ "all", SPF_MECH_ALL }, { "include", SPF_MECH_INCLUDE },
	{ "a", SPF_MECH_A }, { "mx", SPF_MECH_MX }, { "ptr", SPF_MECH_PTR },
	{ "ip4", SPF_MECH_IP4 }, { "ip6", SPF_MECH_IP6 },
	{ "exists", SPF_MECH_EXISTS },
};

bool
spf_record_is_spf1(const char *text, size_t len)
{
	if (len < 6 || strncasecmp(text, "v=spf1", 6) != 0)
		return false;
	return len == 6 || text[6] == ' ';
}

/* toplabel (section 12): alphanumerics and hyphens, an alphanumeric at
 * both ends, not all digits. */
static bool
spf_toplabel_valid(const char *s, size_t len)
{
	bool alpha = false, hyphen = false;
	size_t i;

	if (len == 0 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '-')
			hyphen = true;
		else if (isalpha((unsigned char)s[i]))
			alpha = true;
		else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return alpha || hyphen;
}

/* Length of a macro-expand ending at s[len - 1], or 0. */
static size_t
spf_trailing_macro(const char *s, size_t len)
{
	size_t i;

	if (len >= 2 && s[len - 2] == '%' &&
	    (s[len - 1] == '%' || s[len - 1] == '_' || s[len - 1] == '-'))
		return 2;
	if (len < 4 || s[len - 1] != '}')
		return 0;
	for (i = len - 1; i > 0; i--)
		if (s[i - 1] == '{')
			return i >= 2 && s[i - 2] == '%' ? len - i + 2 : 0;
	return 0;
}

bool
spf_domain_spec_valid(const char *s, size_t len)
{
	size_t dot;

	if (len == 0 || !spf_macro_string_valid(s, len, false))
		return false;
	if (spf_trailing_macro(s, len) > 0)
		return true;
	if (s[len - 1] == '.')
		len--;
	for (dot = len; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	if (dot == 0)
		return false;
	return spf_toplabel_valid(s + dot, len - dot);
}

/* A cidr length: "0" or a number without leading zero, at most max. */
static int
spf_cidr_parse(const char *s, size_t len, int max)
{
	int v = 0;
	size_t i;

	if (len == 0 || len > 3 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Position of a trailing "/digits" in s[0..len), or len. */
static size_t
spf_cidr_start(const char *s, size_t len)
{
	size_t i = len;

	while (i > 0 && isdigit((unsigned char)s[i - 1]))
		i--;
	return i < len && i > 0 && s[i - 1] == '/' ? i - 1 : len;
}

/*
 * Split a trailing dual-cidr-length ("/n", "//m", "/n//m") off
 * s[0..*len) for a and mx; *len shrinks to the domain-spec part.
 */
static int
spf_dual_cidr(const char *s, size_t *len, struct spf_term *t)
{
	size_t end = *len, p = spf_cidr_start(s, end);

	if (p < end && p > 0 && s[p - 1] == '/') {
		t->cidr6 = spf_cidr_parse(s + p + 1, end - p - 1, 128);
		if (t->cidr6 < 0)
			return -1;
		end = p - 1;
		p = spf_cidr_start(s, end);
	}
	if (p < end) {
		t->cidr4 = spf_cidr_parse(s + p + 1, end - p - 1, 32);
		if (t->cidr4 < 0)
			return -1;
		end = p;
	}
	*len = end;
	return 0;
}

/* ip4:/ip6: address[/len]. */
static int
spf_parse_ip(char *arg, struct spf_term *t)
{
	bool v6 = t->mech == SPF_MECH_IP6;
	size_t len = strlen(arg), p = spf_cidr_start(arg, len);
	int bits = 0;

	if (p < len) {
		bits = spf_cidr_parse(arg + p + 1, len - p - 1, v6 ? 128 : 32);
		if (bits < 0)
			return -1;
		arg[p] = '\0';
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, arg, t->addr) != 1)
		return -1;
	if (v6)
		t->cidr6 = p < len ? bits : 128;
	else
		t->cidr4 = p < len ? bits : 32;
	return 0;
}

/* The argument of a mechanism: ":" domain-spec and cidr lengths. */
static int
spf_parse_arg(char *arg, struct spf_term *t)
{
	bool need = t->mech == SPF_MECH_INCLUDE || t->mech == SPF_MECH_EXISTS;
	size_t len = strlen(arg);

	if (t->mech == SPF_MECH_IP4 || t->mech == SPF_MECH_IP6)
		return *arg == ':' ? spf_parse_ip(arg + 1, t) : -1;
	if (t->mech == SPF_MECH_ALL)
		return len == 0 ? 0 : -1;
	if ((t->mech == SPF_MECH_A || t->mech == SPF_MECH_MX) &&
	    spf_dual_cidr(arg, &len, t) < 0)
		return -1;
	arg[len] = '\0';
	if (len == 0)
		return need ? -1 : 0;
	if (*arg != ':' || !spf_domain_spec_valid(arg + 1, len - 1))
		return -1;
	t->domain = arg + 1;
	return 0;
}

/* A directive: [qualifier] mechanism. */
static int
spf_parse_directive(char *s, struct spf_term *t)
{
	size_t i, n;

	t->qualifier = '+';
	t->cidr4 = 32;
	t->cidr6 = 128;
	if (strchr("+-~?", *s) != NULL)
		t->qualifier = *s++;
	n = strcspn(s, ":/");
	for (i = 0; i < sizeof(spf_mech_names) / sizeof(spf_mech_names[0]);
	    i++) {
		if (strlen(spf_mech_names[i].name) == n &&
		    strncasecmp(s, spf_mech_names[i].name, n) == 0) {
			t->mech = spf_mech_names[i].mech;
			return spf_parse_arg(s + n, t);
		}
	}
	return -1;
}

/* Length of a modifier name at s (name "="), or 0 if s is none. */
static size_t
spf_modifier_name(const char *s)
{
	size_t i = 1;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' ||
	    s[i] == '.')
		i++;
	return s[i] == '=' ? i : 0;
}

static int
spf_parse_modifier(struct spf_record *rec, char *s, size_t n,
    const char **error_r)
{
	const char *v = s + n + 1;
	const char **slot = NULL;

	if (n == 8 && strncasecmp(s, "redirect", 8) == 0)
		slot = &rec->redirect;
	else if (n == 3 && strncasecmp(s, "exp", 3) == 0)
		slot = &rec->exp;
	if (slot == NULL) {
		*error_r = "bad macro in a modifier";
		return spf_macro_string_valid(v, strlen(v), true) ? 0 : -1;
	}
	*error_r = "redirect= or exp= twice, or a bad domain";
	if (*slot != NULL || !spf_domain_spec_valid(v, strlen(v)))
		return -1;
	*slot = v;
	return 0;
}

static int
spf_parse_term(struct spf_record *rec, char *s, size_t len,
    const char **error_r)
{
	size_t n = spf_modifier_name(s);
	char *work = s + len + 1;	/* the same term in the second copy */
	struct spf_term *t;

	if (n > 0)
		return spf_parse_modifier(rec, s, n, error_r);
	t = &rec->terms[rec->nterms];
	memset(t, 0, sizeof(*t));
	memcpy(work, s, strlen(s) + 1);
	t->text = s;
	if (spf_parse_directive(work, t) < 0) {
		*error_r = "bad mechanism";
		return -1;
	}
	if (t->mech == SPF_MECH_ALL)
		rec->has_all = true;
	rec->nterms++;
	return 0;
}

static int
spf_chars_valid(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 ||
		    (unsigned char)text[i] > 0x7e)
			return -1;
	return 0;
}

static struct spf_record *
spf_record_alloc(const char *text, size_t len)
{
	struct spf_record *rec = calloc(1, sizeof(*rec));

	if (rec == NULL)
		return NULL;
	/* Two copies: the first keeps each term as written (`text`), the
	 * second is cut up while the term is parsed. */
	rec->buf = malloc(2 * (len + 1));
	rec->terms = calloc(len / 2 + 1, sizeof(*rec->terms));
	if (rec->buf == NULL || rec->terms == NULL) {
		spf_record_free(rec);
		return NULL;
	}
	memcpy(rec->buf, text, len);
	rec->buf[len] = '\0';
	memcpy(rec->buf + len + 1, rec->buf, len + 1);
	return rec;
}

struct spf_record *
spf_record_parse(const char *text, size_t len, const char **error_r)
{
	struct spf_record *rec;
	char *p, *end;

	*error_r = "not an SPF record";
	if (!spf_record_is_spf1(text, len))
		return NULL;
	*error_r = "record too long, or not printable ASCII";
	if (len > SPF_RECORD_MAX || spf_chars_valid(text, len) < 0)
		return NULL;
	*error_r = "out of memory";
	if ((rec = spf_record_alloc(text, len)) == NULL)
		return NULL;
	for (p = rec->buf + 6; *p != '\0'; p = end) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = p + strcspn(p, " ");
		if (*end != '\0')
			*end++ = '\0';
		if (spf_parse_term(rec, p, len, error_r) < 0) {
			spf_record_free(rec);
			return NULL;
		}
	}
	return rec;
}

void
spf_record_free(struct spf_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->terms);
	free(rec->buf);
	free(rec);
}
