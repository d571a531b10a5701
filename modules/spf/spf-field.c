/*
 * spf-field.c — result keywords and the Received-SPF header field value
 * (RFC 7208 section 9.1): the result, a comment in words, and the
 * key=value pairs client-ip, envelope-from, helo, problem, receiver,
 * identity, mechanism; folded at spaces to keep lines under 78 octets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spf-engine.h"

#define SPF_FIELD_MAX	2048
#define SPF_FOLD_AT	76
#define SPF_FIELD_NAME	14	/* "Received-SPF: " */

const char *
spf_result_str(enum gd_spf_result result)
{
	static const char *const names[] = { "none", "neutral", "pass",
	    "fail", "softfail", "temperror", "permerror" };

	if ((unsigned)result >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[result];
}

struct spf_text {
	char buf[SPF_FIELD_MAX];
	size_t len;
};

static void
spf_text_add(struct spf_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= sizeof(t->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
	if (t->len >= sizeof(t->buf))
		t->len = sizeof(t->buf) - 1;
}

/* Comment text: no parentheses, backslashes or controls. */
static void
spf_text_ctext(struct spf_text *t, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		spf_text_add(t, "%c", c < 0x20 || c > 0x7e || c == '(' ||
		    c == ')' || c == '\\' ? '?' : c);
	}
}

/* A value: a dot-atom as is, anything else quoted. */
static void
spf_text_value(struct spf_text *t, const char *key, const char *v)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~.";
	bool atom = v[0] != '\0' && v[0] != '.';
	const char *p;

	for (p = v; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && strchr(atext, *p) == NULL)
			atom = false;
	spf_text_add(t, " %s=", key);
	if (atom) {
		spf_text_add(t, "%s;", v);
		return;
	}
	spf_text_add(t, "\"");
	for (p = v; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			spf_text_add(t, "\\");
		spf_text_add(t, "%c", c < 0x20 || c > 0x7e ? '?' : c);
	}
	spf_text_add(t, "\";");
}

static void
spf_comment(struct spf_text *t, const struct gd_spf_outcome *o)
{
	const char *who = o->identity == GD_SPF_ID_HELO ? o->helo :
	    o->envelope_from;

	spf_text_add(t, " (");
	spf_text_ctext(t, o->receiver != NULL ? o->receiver : "unknown");
	spf_text_add(t, ": ");
	switch (o->result) {
	case GD_SPF_PASS:
	case GD_SPF_FAIL:
	case GD_SPF_SOFTFAIL:
		spf_text_add(t, "%sdomain of ", o->result == GD_SPF_SOFTFAIL ?
		    "transitioning " : "");
		spf_text_ctext(t, who);
		spf_text_add(t, " %s ", o->result == GD_SPF_PASS ?
		    "designates" : "does not designate");
		spf_text_ctext(t, o->client_ip);
		spf_text_add(t, " as permitted sender)");
		return;
	case GD_SPF_NEUTRAL:
		spf_text_ctext(t, o->client_ip);
		spf_text_add(t, " is neither permitted nor denied by domain "
		    "of ");
		break;
	default:
		spf_text_add(t, "%s checking ", spf_result_str(o->result));
		break;
	}
	spf_text_ctext(t, who);
	if (o->problem != NULL) {
		spf_text_add(t, ": ");
		spf_text_ctext(t, o->problem);
	}
	spf_text_add(t, ")");
}

/* Copy `src` to buf, folding at spaces before column SPF_FOLD_AT. */
static size_t
spf_fold(const char *src, char *buf, size_t size)
{
	size_t out = 0, col = SPF_FIELD_NAME, i = 0, w;

	while (src[i] != '\0') {
		w = strcspn(src + i + 1, " ") + 1;
		if (src[i] == ' ' && col + w > SPF_FOLD_AT &&
		    col > SPF_FIELD_NAME) {
			if (out + 2 < size)
				memcpy(buf + out, "\r\n", 2);
			out += 2;
			col = 0;
		}
		if (out + 1 < size)
			buf[out] = src[i];
		out++;
		col++;
		i++;
	}
	if (size > 0)
		buf[out < size ? out : size - 1] = '\0';
	return out;
}

size_t
spf_received_field(const struct gd_spf_outcome *o, char *buf, size_t size)
{
	struct spf_text t = { .len = 0 };

	spf_text_add(&t, "%s", spf_result_str(o->result));
	spf_comment(&t, o);
	spf_text_value(&t, "client-ip", o->client_ip);
	if (o->identity == GD_SPF_ID_MAILFROM && o->envelope_from != NULL)
		spf_text_value(&t, "envelope-from", o->envelope_from);
	if (o->helo != NULL)
		spf_text_value(&t, "helo", o->helo);
	if (o->problem != NULL && (o->result == GD_SPF_PERMERROR ||
	    o->result == GD_SPF_TEMPERROR))
		spf_text_value(&t, "problem", o->problem);
	if (o->receiver != NULL)
		spf_text_value(&t, "receiver", o->receiver);
	spf_text_value(&t, "identity", o->identity_str);
	if (o->mechanism != NULL)
		spf_text_value(&t, "mechanism", o->mechanism);
	if (t.len > 0 && t.buf[t.len - 1] == ';')
		t.buf[--t.len] = '\0';
	return spf_fold(t.buf, buf, size);
}
