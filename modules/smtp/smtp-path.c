/*
 * smtp-path.c — Reverse-path and Forward-path of RFC 5321 4.1.2: the
 * brackets, a source route (accepted and dropped), the local part (dot
 * string or quoted string, dequoted and re-quoted canonically), the
 * domain or address literal, the length limits of 4.5.3.1 and the
 * SMTPUTF8 rules of RFC 6531.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp-parse.h"

struct smtp_path_ctx {
	enum smtp_path_role role;
	bool utf8_ok;
	bool utf8_ext;
	struct smtp_error *err;
};

static int smtp_path_bad(const struct smtp_path_ctx *c, const char *why);
static bool smtp_atext(unsigned char c, bool utf8);
static bool smtp_dot_string(const char *s, size_t len, bool utf8);
static long smtp_path_end(const char *in, size_t len);
static int smtp_path_route(const struct smtp_path_ctx *c, const char *s,
    size_t len, size_t *skip_r);
static long smtp_local_parse(const char *s, size_t len, char *local);
static void smtp_local_canon(struct smtp_path *p, bool utf8);
static int smtp_path_domain(const struct smtp_path_ctx *c, const char *s,
    size_t len, struct smtp_path *p);
static int smtp_path_utf8(const struct smtp_path_ctx *c, const char *s,
    size_t len, struct smtp_path *p);
static int smtp_mailbox(const struct smtp_path_ctx *c, const char *s,
    size_t len, struct smtp_path *p);

static int
smtp_path_bad(const struct smtp_path_ctx *c, const char *why)
{
	if (c->role == SMTP_PATH_SENDER)
		return smtp_error_set(c->err, 501, "5.1.7",
		    "Bad sender address syntax: %s", why);
	return smtp_error_set(c->err, 501, "5.1.3",
	    "Bad recipient address syntax: %s", why);
}

static bool
smtp_atext(unsigned char c, bool utf8)
{
	if (c >= 0x80)
		return utf8;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool
smtp_dot_string(const char *s, size_t len, bool utf8)
{
	size_t i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '.' ? s[i + 1] == '.' :
		    !smtp_atext((unsigned char)s[i], utf8))
			return false;
	return true;
}

/* Offset of the '>' that closes the path (quotes respected), or -1. */
static long
smtp_path_end(const char *in, size_t len)
{
	bool quoted = false;
	size_t i;

	for (i = 1; i < len; i++) {
		if (quoted && in[i] == '\\' && i + 1 < len)
			i++;
		else if (in[i] == '"')
			quoted = !quoted;
		else if (!quoted && in[i] == '>')
			return (long)i;
	}
	return -1;
}

/* "@dom,@dom:" — checked, then skipped. */
static int
smtp_path_route(const struct smtp_path_ctx *c, const char *s, size_t len,
    size_t *skip_r)
{
	const char *colon, *p, *e;

	colon = memchr(s, ':', len);
	if (colon == NULL)
		return smtp_path_bad(c, "bad source route");
	for (p = s; p < colon; p = e + 1) {
		e = memchr(p, ',', (size_t)(colon - p));
		if (e == NULL)
			e = colon;
		if (*p != '@' || (p[1] == '[' ? smtp_literal_check(p + 1,
		    (size_t)(e - p - 1)) == SMTP_DOMAIN_NONE :
		    !smtp_domain_ascii_valid(p + 1, (size_t)(e - p - 1))))
			return smtp_path_bad(c, "bad source route");
	}
	*skip_r = (size_t)(colon - s) + 1;
	return 0;
}

/* The local part at s: dequoted into local (SMTP_LOCAL_MAX + 1), returns
 * the wire length, or -1 on bad syntax. */
static long
smtp_local_parse(const char *s, size_t len, char *local)
{
	size_t i, n = 0;
	unsigned char ch;

	if (len == 0 || s[0] != '"') {
		for (i = 0; i < len && s[i] != '@'; i++)
			;
		if (i <= SMTP_LOCAL_MAX) {
			memcpy(local, s, i);
			local[i] = '\0';
		}
		return (long)i;		/* the caller checks the length */
	}
	for (i = 1; i < len && s[i] != '"'; i++) {
		ch = (unsigned char)s[i];
		if (ch == '\\') {
			if (++i >= len)
				return -1;
			ch = (unsigned char)s[i];
			if (ch < 32 || ch > 126)
				return -1;
		} else if (ch < 32 || ch == 127)
			return -1;
		/* Past the limit: only measure (the wire form is longer). */
		if (n < SMTP_LOCAL_MAX)
			local[n] = (char)ch;
		n++;
	}
	if (i >= len)
		return -1;
	local[n < SMTP_LOCAL_MAX ? n : SMTP_LOCAL_MAX] = '\0';
	return (long)i + 1;
}

static void
smtp_local_canon(struct smtp_path *p, bool utf8)
{
	size_t i, n = 0;
	char *w = p->local_wire;

	if (smtp_dot_string(p->local, strlen(p->local), utf8)) {
		strcpy(w, p->local);
		return;
	}
	/* UNSAFE: fits, the wire form had the quotes and escapes too. */
	w[n++] = '"';
	for (i = 0; p->local[i] != '\0' &&
	    n + 4 <= sizeof(p->local_wire); i++) {
		if (p->local[i] == '"' || p->local[i] == '\\')
			w[n++] = '\\';
		w[n++] = p->local[i];
	}
	w[n++] = '"';
	w[n] = '\0';
}

static int
smtp_path_domain(const struct smtp_path_ctx *c, const char *s, size_t len,
    struct smtp_path *p)
{
	const char *why;

	if (len > SMTP_DOMAIN_MAX)
		return smtp_path_bad(c, "domain too long");
	if (len > 0 && s[0] == '[') {
		p->kind = smtp_literal_check(s, len);
		if (p->kind == SMTP_DOMAIN_NONE)
			return smtp_path_bad(c, "bad address literal");
		memcpy(p->domain, s, len);
		p->domain[len] = '\0';
		memcpy(p->domain_utf8, p->domain, len + 1);
		return 0;
	}
	if (smtp_domain_convert(s, len, p->domain, p->domain_utf8,
	    &why) < 0)
		return smtp_path_bad(c, why);
	p->kind = SMTP_DOMAIN_DNS;
	return 0;
}

/* RFC 6531: non-ASCII only in an SMTPUTF8 transaction. */
static int
smtp_path_utf8(const struct smtp_path_ctx *c, const char *s, size_t len,
    struct smtp_path *p)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			break;
	if (i == len)
		return 0;
	if (!c->utf8_ext)
		return smtp_path_bad(c, "non-ASCII address");
	if (!smtp_utf8_valid(s, len))
		return smtp_path_bad(c, "bad UTF-8");
	if (!c->utf8_ok)
		return smtp_error_set(c->err, 553, "5.6.7",
		    "Non-ASCII address not permitted without SMTPUTF8");
	p->utf8 = true;
	return 0;
}

static int
smtp_mailbox(const struct smtp_path_ctx *c, const char *s, size_t len,
    struct smtp_path *p)
{
	long wire;

	if (smtp_path_utf8(c, s, len, p) < 0)
		return -1;
	wire = smtp_local_parse(s, len, p->local);
	if (wire < 0)
		return smtp_path_bad(c, "bad local part");
	if (wire > SMTP_LOCAL_MAX)
		return smtp_path_bad(c, "local part too long");
	if (s[0] != '"' && !smtp_dot_string(s, (size_t)wire, p->utf8))
		return smtp_path_bad(c, "bad local part");
	if (c->role == SMTP_PATH_RECIPIENT && (size_t)wire == len &&
	    strcasecmp(p->local, "postmaster") == 0) {
		p->postmaster = true;
		strcpy(p->local_wire, p->local);
		strcpy(p->addr, p->local);
		strcpy(p->addr_utf8, p->local);
		return 0;
	}
	if ((size_t)wire >= len || s[wire] != '@')
		return smtp_path_bad(c, "missing domain");
	if (smtp_path_domain(c, s + wire + 1, len - (size_t)wire - 1, p) < 0)
		return -1;
	smtp_local_canon(p, p->utf8);
	snprintf(p->addr, sizeof(p->addr), "%s@%s", p->local_wire,
	    p->domain);
	snprintf(p->addr_utf8, sizeof(p->addr_utf8), "%s@%s", p->local_wire,
	    p->domain_utf8);
	/* RFC 5321 4.5.3.1.3 holds for the form that travels on: U-labels
	 * that fit can grow past it as A-labels. */
	if (strlen(p->addr) + 2 > SMTP_PATH_MAX)
		return smtp_path_bad(c, "path too long");
	return 0;
}

int
smtp_path_parse(const char *in, size_t len, enum smtp_path_role role,
    bool utf8_ok, bool utf8_ext, struct smtp_path *path_r, size_t *used_r,
    struct smtp_error *err_r)
{
	struct smtp_path_ctx c = { role, utf8_ok, utf8_ext, err_r };
	size_t skip = 0;
	long end;

	memset(path_r, 0, sizeof(*path_r));
	if (len == 0 || in[0] != '<')
		return smtp_path_bad(&c, "address must be in <>");
	end = smtp_path_end(in, len);
	if (end < 0)
		return smtp_path_bad(&c, "missing >");
	if ((size_t)end + 1 > SMTP_PATH_MAX)
		return smtp_path_bad(&c, "path too long");
	*used_r = (size_t)end + 1;
	if (end == 1) {
		if (role == SMTP_PATH_RECIPIENT)
			return smtp_path_bad(&c, "null recipient");
		path_r->null = true;
		return 0;
	}
	if (in[1] == '@' && smtp_path_route(&c, in + 1, (size_t)end - 1,
	    &skip) < 0)
		return -1;
	if (1 + skip >= (size_t)end)
		return smtp_path_bad(&c, "empty mailbox");
	return smtp_mailbox(&c, in + 1 + skip, (size_t)end - 1 - skip,
	    path_r);
}
