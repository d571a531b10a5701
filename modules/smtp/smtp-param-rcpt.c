/*
 * smtp-param-rcpt.c — RCPT TO: the forward-path and the RFC 3461 DSN
 * parameters NOTIFY and ORCPT (with RFC 6533's utf-8 address type).
 */
#include <string.h>
#include <strings.h>

#include "smtp-param.h"

static int smtp_rp_notify(struct smtp_rcpt *r, const char *v, size_t n,
    struct smtp_error *err);
static int smtp_rp_orcpt(struct smtp_rcpt *r, const char *v, size_t n,
    bool smtputf8, struct smtp_error *err);
static int smtp_utf8_addr_decode(const char *v, size_t n, bool smtputf8,
    char *out, size_t cap);
static size_t smtp_utf8_put(unsigned long cp, char *out);
static int smtp_rcpt_one(struct smtp_rcpt *r, const struct smtp_param *p,
    const struct smtp_parse_cfg *cfg, bool smtputf8, unsigned *seen,
    struct smtp_error *err);

static int
smtp_rp_notify(struct smtp_rcpt *r, const char *v, size_t n,
    struct smtp_error *err)
{
	static const char *const names[] = { "NEVER", "SUCCESS", "FAILURE",
	    "DELAY" };
	const char *end = v + n, *e;
	unsigned bit;
	size_t i;

	for (; v <= end; v = e + 1) {
		e = memchr(v, ',', (size_t)(end - v));
		if (e == NULL)
			e = end;
		for (i = 0; i < 4; i++)
			if (strlen(names[i]) == (size_t)(e - v) &&
			    strncasecmp(names[i], v, (size_t)(e - v)) == 0)
				break;
		if (i == 4)
			return smtp_param_bad(err, "NOTIFY");
		bit = 1u << i;
		if (r->notify & bit)
			return smtp_param_bad(err, "NOTIFY");
		r->notify |= bit;
	}
	/* RFC 3461 4.1: NEVER stands alone. */
	if ((r->notify & SMTP_NOTIFY_NEVER) && r->notify != SMTP_NOTIFY_NEVER)
		return smtp_param_bad(err, "NOTIFY");
	return 0;
}

static size_t
smtp_utf8_put(unsigned long cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* RFC 6533 3: utf-8-addr-xtext (\x{HEX} escapes), and raw UTF-8
 * (utf-8-addr-unitext) in an SMTPUTF8 transaction. */
static int
smtp_utf8_addr_decode(const char *v, size_t n, bool smtputf8, char *out,
    size_t cap)
{
	size_t i, k, o = 0;
	unsigned long cp;

	for (i = 0; i < n; i++) {
		if (v[i] == '\\') {
			if (n - i < 5 || v[i + 1] != 'x' || v[i + 2] != '{')
				return -1;
			cp = 0;
			for (k = i + 3; k < n && k < i + 9 && v[k] != '}'; k++) {
				if (!((v[k] >= '0' && v[k] <= '9') ||
				    (v[k] >= 'A' && v[k] <= 'F')))
					return -1;
				cp = cp << 4 | (unsigned long)(v[k] <= '9' ?
				    v[k] - '0' : v[k] - 'A' + 10);
			}
			if (k >= n || v[k] != '}' || k == i + 3 || cp == 0 ||
			    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				return -1;
			if (o + 4 > cap)
				return -1;
			o += smtp_utf8_put(cp, out + o);
			i = k;
			continue;
		}
		if ((unsigned char)v[i] >= 0x80 ? !smtputf8 : (v[i] < '!' ||
		    v[i] > '~' || v[i] == '+' || v[i] == '='))
			return -1;
		if (o + 1 > cap)
			return -1;
		out[o++] = v[i];
	}
	out[o] = '\0';
	return smtp_utf8_valid(out, o) ? 0 : -1;
}

static int
smtp_rp_orcpt(struct smtp_rcpt *r, const char *v, size_t n, bool smtputf8,
    struct smtp_error *err)
{
	const char *semi = memchr(v, ';', n);
	size_t t, i, out;

	if (semi == NULL || n > SMTP_ORCPT_MAX)
		return smtp_param_bad(err, "ORCPT");
	t = (size_t)(semi - v);
	if (t == 0 || t > SMTP_ORCPT_TYPE_MAX || t + 1 == n)
		return smtp_param_bad(err, "ORCPT");
	for (i = 0; i < t; i++)
		if (v[i] < '!' || v[i] > '~' || strchr("()<>@,;:\\\".[]",
		    v[i]) != NULL)
			if (!(v[i] == '-' || v[i] == '.'))
				return smtp_param_bad(err, "ORCPT");
	memcpy(r->orcpt_type, v, t);
	r->orcpt_type[t] = '\0';
	if (strcasecmp(r->orcpt_type, "utf-8") == 0) {
		if (smtp_utf8_addr_decode(semi + 1, n - t - 1, smtputf8,
		    r->orcpt, SMTP_ORCPT_MAX) < 0)
			return smtp_param_bad(err, "ORCPT");
	} else if (smtp_xtext_decode(semi + 1, n - t - 1, r->orcpt,
	    SMTP_ORCPT_MAX, &out) < 0)
		return smtp_param_bad(err, "ORCPT");
	return 0;
}

static int
smtp_rcpt_one(struct smtp_rcpt *r, const struct smtp_param *p,
    const struct smtp_parse_cfg *cfg, bool smtputf8, unsigned *seen,
    struct smtp_error *err)
{
	unsigned bit;
	const char *name;

	if (p->key_len == 6 && strncasecmp(p->key, "NOTIFY", 6) == 0)
		bit = 1, name = "NOTIFY";
	else if (p->key_len == 5 && strncasecmp(p->key, "ORCPT", 5) == 0)
		bit = 2, name = "ORCPT";
	else
		return smtp_param_unknown(err, p->key, p->key_len);
	if (!(cfg->ext & SMTP_EXT_DSN))
		return smtp_param_unknown(err, p->key, p->key_len);
	if (*seen & bit)
		return smtp_error_set(err, 501, "5.5.4",
		    "Duplicate %s parameter", name);
	*seen |= bit;
	if (p->value == NULL || p->value_len == 0)
		return smtp_param_bad(err, name);
	if (bit == 1)
		return smtp_rp_notify(r, p->value, p->value_len, err);
	return smtp_rp_orcpt(r, p->value, p->value_len, smtputf8, err);
}

int
smtp_rcpt_parse(const char *args, size_t len,
    const struct smtp_parse_cfg *cfg, bool smtputf8, struct smtp_rcpt *rcpt_r,
    struct smtp_error *err_r)
{
	struct smtp_param p;
	size_t pos, used;
	unsigned seen = 0;
	int rc;

	memset(rcpt_r, 0, sizeof(*rcpt_r));
	if (len < 3 || strncasecmp(args, "TO:", 3) != 0)
		return smtp_error_set(err_r, 501, "5.5.4",
		    "Syntax: RCPT TO:<address>");
	for (pos = 3; pos < len && args[pos] == ' '; pos++)
		;
	if (smtp_path_parse(args + pos, len - pos, SMTP_PATH_RECIPIENT,
	    smtputf8 && (cfg->ext & SMTP_EXT_SMTPUTF8),
	    (cfg->ext & SMTP_EXT_SMTPUTF8) != 0, &rcpt_r->path, &used,
	    err_r) < 0)
		return -1;
	pos += used;
	if (pos < len && args[pos] != ' ')
		return smtp_error_set(err_r, 501, "5.5.4",
		    "Syntax: RCPT TO:<address> [parameters]");
	while ((rc = smtp_param_next(args, len, &pos, &p)) > 0)
		if (smtp_rcpt_one(rcpt_r, &p, cfg, smtputf8, &seen,
		    err_r) < 0)
			return -1;
	if (rc < 0)
		return smtp_param_unknown(err_r, p.key, p.key_len);
	return 0;
}
