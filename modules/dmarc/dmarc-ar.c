/*
 * dmarc-ar.c — the Authentication-Results field value (RFC 8601 2.2):
 *
 *   authserv-id;
 *	spf=pass smtp.mailfrom=example.org;
 *	dkim=pass header.d=example.org header.s=sel header.b=AbCdEfGh;
 *	dmarc=pass (p=reject dis=none) header.from=example.org
 *
 * One resinfo per method (one per DKIM signature), folded after each
 * ';'.  A property value that is not an RFC 2045 token nor a domain is
 * written as a quoted-string; bytes outside printable ASCII are dropped
 * (the field must stay one valid header field whatever the input).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmarc-engine.h"

/* The output so far; `failed` once something did not fit. */
struct dmarc_ar_buf {
	char *p;
	size_t size;
	size_t len;
	bool failed;
};

static void
dmarc_ar_put(struct dmarc_ar_buf *b, const char *s, size_t n)
{
	if (b->failed || n >= b->size - b->len) {
		b->failed = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
dmarc_ar_str(struct dmarc_ar_buf *b, const char *s)
{
	dmarc_ar_put(b, s, strlen(s));
}

/* RFC 2045 token characters, and '@' (pvalue allows local@domain). */
static bool
dmarc_ar_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>,;:\\\"/[]?=", c) == NULL;
}

static void
dmarc_ar_value(struct dmarc_ar_buf *b, const char *v)
{
	const unsigned char *p;
	bool token = *v != '\0';
	char c;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (!dmarc_ar_token_char(*p))
			token = false;
	if (token) {
		dmarc_ar_str(b, v);
		return;
	}
	dmarc_ar_put(b, "\"", 1);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e)
			continue;
		if (*p == '"' || *p == '\\')
			dmarc_ar_put(b, "\\", 1);
		c = (char)*p;
		dmarc_ar_put(b, &c, 1);
	}
	dmarc_ar_put(b, "\"", 1);
}

/* " name=value" when value is set. */
static void
dmarc_ar_prop(struct dmarc_ar_buf *b, const char *name, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	dmarc_ar_put(b, " ", 1);
	dmarc_ar_str(b, name);
	dmarc_ar_put(b, "=", 1);
	dmarc_ar_value(b, value);
}

static void
dmarc_ar_method(struct dmarc_ar_buf *b, const char *method,
    const char *result)
{
	dmarc_ar_str(b, ";\r\n\t");
	dmarc_ar_str(b, method);
	dmarc_ar_put(b, "=", 1);
	dmarc_ar_str(b, result);
}

static void
dmarc_ar_spf(struct dmarc_ar_buf *b, const struct gd_dmarc_input *in)
{
	bool null_sender = in->mail_from_domain == NULL ||
	    *in->mail_from_domain == '\0';

	dmarc_ar_method(b, "spf", dmarc_auth_str(in->spf));
	if (null_sender)
		dmarc_ar_prop(b, "smtp.helo", in->helo);
	else
		dmarc_ar_prop(b, "smtp.mailfrom", in->mail_from_domain);
}

static void
dmarc_ar_dkim(struct dmarc_ar_buf *b, const struct gd_dmarc_input *in)
{
	char bpref[9];
	size_t i;

	if (in->ndkim == 0)
		dmarc_ar_method(b, "dkim", "none");
	for (i = 0; i < in->ndkim; i++) {
		dmarc_ar_method(b, "dkim", dmarc_auth_str(in->dkim[i].result));
		dmarc_ar_prop(b, "header.d", in->dkim[i].domain);
		dmarc_ar_prop(b, "header.s", in->dkim[i].selector);
		/* RFC 6008: the first 8 characters tell signatures apart. */
		if (in->dkim[i].b != NULL) {
			(void)snprintf(bpref, sizeof(bpref), "%s",
			    in->dkim[i].b);
			dmarc_ar_prop(b, "header.b", bpref);
		}
	}
}

static void
dmarc_ar_dmarc(struct dmarc_ar_buf *b, const struct gd_dmarc_outcome *o)
{
	char comment[64];

	dmarc_ar_method(b, "dmarc", dmarc_result_str(o->result));
	if (o->has_record && (o->result == GD_DMARC_PASS ||
	    o->result == GD_DMARC_FAIL)) {
		(void)snprintf(comment, sizeof(comment), " (p=%s dis=%s)",
		    dmarc_policy_str(o->policy),
		    dmarc_policy_str(o->disposition));
		dmarc_ar_str(b, comment);
	}
	dmarc_ar_prop(b, "header.from", o->from_domain);
}

int
dmarc_auth_results(char *buf, size_t size, const char *authserv_id,
    const struct gd_dmarc_input *in, const struct gd_dmarc_outcome *o)
{
	struct dmarc_ar_buf b = { buf, size, 0, false };

	if (size == 0)
		return -1;
	buf[0] = '\0';
	dmarc_ar_value(&b, authserv_id);
	dmarc_ar_spf(&b, in);
	dmarc_ar_dkim(&b, in);
	dmarc_ar_dmarc(&b, o);
	if (b.failed) {
		buf[0] = '\0';
		return -1;
	}
	return (int)b.len;
}
