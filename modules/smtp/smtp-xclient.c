/*
 * smtp-xclient.c — the arguments of Postfix's XCLIENT command: NAME ADDR
 * PORT PROTO HELO LOGIN DESTADDR DESTPORT, values in xtext, with the
 * [UNAVAILABLE] and [TEMPUNAVAIL] markers.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "smtp-param.h"

static const char *const smtp_xclient_names[] = {
	"NAME", "ADDR", "PORT", "PROTO", "HELO", "LOGIN", "DESTADDR",
	"DESTPORT",
};

#define SMTP_XCLIENT_NATTRS \
	(sizeof(smtp_xclient_names) / sizeof(smtp_xclient_names[0]))

static int smtp_xclient_attr(const struct smtp_param *p);
static bool smtp_xclient_printable(const char *v, size_t n);
static int smtp_xclient_addr(char *v);
static int smtp_xclient_port(const char *v, unsigned *port);
static int smtp_xclient_value(struct smtp_xclient *x, unsigned bit,
    char *v);

static int
smtp_xclient_attr(const struct smtp_param *p)
{
	size_t i;

	for (i = 0; i < SMTP_XCLIENT_NATTRS; i++)
		if (strlen(smtp_xclient_names[i]) == p->key_len &&
		    strncasecmp(smtp_xclient_names[i], p->key,
		    p->key_len) == 0)
			return (int)i;
	return -1;
}

/* No space or control; UTF-8 (a LOGIN, a HELO) must be valid. */
static bool
smtp_xclient_printable(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f)
			return false;
	return smtp_utf8_valid(v, n);
}

/* IPv4, or "IPV6:" and an IPv6 address (the prefix dropped in place). */
static int
smtp_xclient_addr(char *v)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, v, a) == 1)
		return 0;
	if (strncasecmp(v, "IPV6:", 5) != 0 || inet_pton(AF_INET6, v + 5,
	    a) != 1)
		return -1;
	memmove(v, v + 5, strlen(v + 5) + 1);
	return 0;
}

static int
smtp_xclient_port(const char *v, unsigned *port)
{
	uint64_t x;

	if (smtp_param_digits(v, strlen(v), 5, &x) < 0 || x > 65535)
		return -1;
	*port = (unsigned)x;
	return 0;
}

static int
smtp_xclient_value(struct smtp_xclient *x, unsigned bit, char *v)
{
	switch (bit) {
	case SMTP_XCLIENT_ADDR:
		return smtp_xclient_addr(v) < 0 ? -1 :
		    (strcpy(x->addr, v), 0);
	case SMTP_XCLIENT_DESTADDR:
		return smtp_xclient_addr(v) < 0 ? -1 :
		    (strcpy(x->destaddr, v), 0);
	case SMTP_XCLIENT_PORT:
		return smtp_xclient_port(v, &x->port);
	case SMTP_XCLIENT_DESTPORT:
		return smtp_xclient_port(v, &x->destport);
	case SMTP_XCLIENT_PROTO:
		if (strcasecmp(v, "SMTP") != 0 && strcasecmp(v, "ESMTP") != 0)
			return -1;
		strcpy(x->proto, strcasecmp(v, "SMTP") == 0 ? "SMTP" :
		    "ESMTP");
		return 0;
	case SMTP_XCLIENT_NAME:
		strcpy(x->name, v);
		return 0;
	case SMTP_XCLIENT_HELO:
		strcpy(x->helo, v);
		return 0;
	default:
		strcpy(x->login, v);
		return 0;
	}
}

int
smtp_xclient_parse(const char *args, size_t len, struct smtp_xclient *x_r,
    struct smtp_error *err_r)
{
	char v[SMTP_XCLIENT_VALUE_MAX + 1];
	struct smtp_param p;
	size_t pos = 0, n;
	unsigned bit;
	int rc, a;

	memset(x_r, 0, sizeof(*x_r));
	while ((rc = smtp_param_next(args, len, &pos, &p)) > 0) {
		a = smtp_xclient_attr(&p);
		if (a < 0 || p.value == NULL)
			return smtp_error_set(err_r, 501, "5.5.4",
			    "Bad XCLIENT attribute name: %.*s",
			    (int)(p.key_len > 40 ? 40 : p.key_len), p.key);
		bit = 1u << a;
		if (smtp_xtext_decode(p.value, p.value_len, v,
		    SMTP_XCLIENT_VALUE_MAX, &n) < 0 || n == 0 ||
		    !smtp_xclient_printable(v, n))
			goto bad;
		x_r->given |= bit;
		if (strcasecmp(v, "[TEMPUNAVAIL]") == 0)
			x_r->tempunavail |= bit;
		if (strcasecmp(v, "[UNAVAILABLE]") == 0 ||
		    strcasecmp(v, "[TEMPUNAVAIL]") == 0)
			x_r->unavailable |= bit;
		else if (smtp_xclient_value(x_r, bit, v) < 0)
			goto bad;
		continue;
bad:
		return smtp_error_set(err_r, 501, "5.5.4",
		    "Bad XCLIENT %s value", smtp_xclient_names[a]);
	}
	if (rc < 0 || x_r->given == 0)
		return smtp_error_set(err_r, 501, "5.5.4",
		    "Syntax: XCLIENT attribute=value ...");
	return 0;
}
