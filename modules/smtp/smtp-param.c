/*
 * smtp-param.c — MAIL FROM: the reverse-path and the ESMTP parameters
 * (RFC 1870 SIZE, RFC 6152/3030 BODY, RFC 6531 SMTPUTF8, RFC 3461 RET and
 * ENVID, RFC 8689 REQUIRETLS, RFC 6710 MT-PRIORITY, RFC 4865 HOLDFOR and
 * HOLDUNTIL, RFC 2852 BY, RFC 4954 AUTH=).  Each parameter is validated
 * alone (syntax, range, duplicate, its extension on); then the rules
 * that tie them together.  The shared helpers serve RCPT too.
 */
#include <string.h>
#include <strings.h>

#include "smtp-param.h"

typedef int smtp_mail_param_fn(struct smtp_mail *m, const char *v,
    size_t n, const struct smtp_parse_cfg *cfg, struct smtp_error *err);

struct smtp_mail_param_def {
	const char *name;
	unsigned bit;		/* enum smtp_mail_param */
	unsigned ext;		/* any of these on enables it */
	bool value;		/* "=value" required (else forbidden) */
	smtp_mail_param_fn *fn;
};

static smtp_mail_param_fn smtp_mp_size, smtp_mp_body, smtp_mp_flag,
    smtp_mp_ret, smtp_mp_envid, smtp_mp_mtpriority, smtp_mp_holdfor,
    smtp_mp_holduntil, smtp_mp_by, smtp_mp_auth;

static const struct smtp_mail_param_def smtp_mail_params[] = {
	{ "SIZE", SMTP_MP_SIZE, SMTP_EXT_SIZE, true, smtp_mp_size },
	{ "BODY", SMTP_MP_BODY, SMTP_EXT_8BITMIME | SMTP_EXT_BINARYMIME,
	    true, smtp_mp_body },
	{ "SMTPUTF8", SMTP_MP_SMTPUTF8, SMTP_EXT_SMTPUTF8, false,
	    smtp_mp_flag },
	{ "RET", SMTP_MP_RET, SMTP_EXT_DSN, true, smtp_mp_ret },
	{ "ENVID", SMTP_MP_ENVID, SMTP_EXT_DSN, true, smtp_mp_envid },
	{ "REQUIRETLS", SMTP_MP_REQUIRETLS, SMTP_EXT_REQUIRETLS, false,
	    smtp_mp_flag },
	{ "MT-PRIORITY", SMTP_MP_MTPRIORITY, SMTP_EXT_MTPRIORITY, true,
	    smtp_mp_mtpriority },
	{ "HOLDFOR", SMTP_MP_HOLDFOR, SMTP_EXT_FUTURERELEASE, true,
	    smtp_mp_holdfor },
	{ "HOLDUNTIL", SMTP_MP_HOLDUNTIL, SMTP_EXT_FUTURERELEASE, true,
	    smtp_mp_holduntil },
	{ "BY", SMTP_MP_BY, SMTP_EXT_DELIVERBY, true, smtp_mp_by },
	{ "AUTH", SMTP_MP_AUTH, SMTP_EXT_AUTH, true, smtp_mp_auth },
};

#define SMTP_NMAIL_PARAMS \
	(sizeof(smtp_mail_params) / sizeof(smtp_mail_params[0]))

static int smtp_mail_one(struct smtp_mail *m, const struct smtp_param *p,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err);
static int smtp_mail_rules(struct smtp_mail *m,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err);

int
smtp_param_bad(struct smtp_error *err, const char *name)
{
	return smtp_error_set(err, 501, "5.5.4", "Bad %s parameter value",
	    name);
}

int
smtp_param_unknown(struct smtp_error *err, const char *s, size_t n)
{
	if (n > 40)
		n = 40;
	return smtp_error_set(err, 555, "5.5.4",
	    "Unsupported parameter %.*s", (int)n, s);
}

/* "1*ndigits" into *v; -1 when empty, too long or not digits. */
int
smtp_param_digits(const char *s, size_t n, size_t max_digits, uint64_t *v)
{
	size_t i;

	if (n == 0 || n > max_digits)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/*
 * Split the next "KEY[=VALUE]" at *pos (spaces before it skipped).
 * Returns 1 with *p filled, 0 at the end, -1 on a bad keyword.
 */
int
smtp_param_next(const char *s, size_t len, size_t *pos, struct smtp_param *p)
{
	size_t i = *pos, start;

	while (i < len && s[i] == ' ')
		i++;
	if (i == len)
		return 0;
	start = i;
	while (i < len && s[i] != ' ')
		i++;
	*pos = i;
	p->key = s + start;
	p->value = memchr(p->key, '=', i - start);
	if (p->value != NULL) {
		p->key_len = (size_t)(p->value - p->key);
		p->value++;
		p->value_len = (size_t)(s + i - p->value);
	} else {
		p->key_len = i - start;
		p->value_len = 0;
	}
	for (i = 0; i < p->key_len; i++)
		if (!((p->key[i] >= 'a' && p->key[i] <= 'z') ||
		    (p->key[i] >= 'A' && p->key[i] <= 'Z') ||
		    (p->key[i] >= '0' && p->key[i] <= '9') ||
		    (i > 0 && p->key[i] == '-')))
			return -1;
	return p->key_len > 0 ? 1 : -1;
}

static int
smtp_mp_size(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	if (smtp_param_digits(v, n, 19, &m->size) < 0)
		return smtp_param_bad(err, "SIZE");
	if (cfg->max_size != 0 && m->size > cfg->max_size)
		return smtp_error_set(err, 552, "5.3.4",
		    "Message size exceeds fixed maximum message size");
	return 0;
}

static int
smtp_mp_body(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	if (n == 4 && strncasecmp(v, "7BIT", 4) == 0)
		m->body = SMTP_BODY_7BIT;
	else if (n == 8 && strncasecmp(v, "8BITMIME", 8) == 0) {
		if (!(cfg->ext & SMTP_EXT_8BITMIME))
			return smtp_param_unknown(err, "BODY=8BITMIME", 13);
		m->body = SMTP_BODY_8BITMIME;
	} else if (n == 10 && strncasecmp(v, "BINARYMIME", 10) == 0) {
		/* RFC 3030 3: BINARYMIME goes with CHUNKING only. */
		if ((cfg->ext & (SMTP_EXT_BINARYMIME | SMTP_EXT_CHUNKING)) !=
		    (SMTP_EXT_BINARYMIME | SMTP_EXT_CHUNKING))
			return smtp_param_unknown(err, "BODY=BINARYMIME", 15);
		m->body = SMTP_BODY_BINARYMIME;
	} else
		return smtp_param_bad(err, "BODY");
	return 0;
}

static int
smtp_mp_flag(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	(void)v;
	(void)n;
	(void)cfg;
	(void)err;
	if (m->given & SMTP_MP_SMTPUTF8)
		m->smtputf8 = true;
	if (m->given & SMTP_MP_REQUIRETLS)
		m->requiretls = true;
	return 0;
}

static int
smtp_mp_ret(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	(void)cfg;
	if (n == 4 && strncasecmp(v, "FULL", 4) == 0)
		m->ret = SMTP_RET_FULL;
	else if (n == 4 && strncasecmp(v, "HDRS", 4) == 0)
		m->ret = SMTP_RET_HDRS;
	else
		return smtp_param_bad(err, "RET");
	return 0;
}

static int
smtp_mp_envid(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	size_t out, i;

	(void)cfg;
	/* RFC 3461 4.4: at most 100 characters (of xtext). */
	if (n > SMTP_ENVID_MAX || smtp_xtext_decode(v, n, m->envid,
	    SMTP_ENVID_MAX, &out) < 0)
		return smtp_param_bad(err, "ENVID");
	for (i = 0; i < out; i++)
		if (m->envid[i] < 0x20 || m->envid[i] > 0x7e)
			return smtp_param_bad(err, "ENVID");
	return 0;
}

static int
smtp_mp_mtpriority(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	(void)cfg;
	/* RFC 6710 2: ["+" / "-"] DIGIT, -9..9. */
	if (n == 1 && v[0] >= '0' && v[0] <= '9')
		m->mt_priority = v[0] - '0';
	else if (n == 2 && (v[0] == '+' || v[0] == '-') && v[1] >= '0' &&
	    v[1] <= '9')
		m->mt_priority = (v[0] == '-' ? -1 : 1) * (v[1] - '0');
	else
		return smtp_param_bad(err, "MT-PRIORITY");
	return 0;
}

static int
smtp_mp_holdfor(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	uint64_t x;

	if (smtp_param_digits(v, n, 9, &x) < 0 || x == 0)
		return smtp_param_bad(err, "HOLDFOR");
	if (cfg->max_holdfor != 0 && x > cfg->max_holdfor)
		return smtp_error_set(err, 501, "5.5.4",
		    "HOLDFOR beyond the maximum future release interval");
	m->holdfor = (uint32_t)x;
	return 0;
}

static int
smtp_mp_holduntil(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	if (smtp_param_datetime(v, n, &m->holduntil) < 0)
		return smtp_param_bad(err, "HOLDUNTIL");
	if (cfg->max_holdfor != 0 &&
	    m->holduntil > cfg->now + (int64_t)cfg->max_holdfor)
		return smtp_error_set(err, 501, "5.5.4",
		    "HOLDUNTIL beyond the maximum future release date");
	return 0;
}

/* RFC 2852 4: by-time ";" by-mode [by-trace]; by-time [+-]1*9DIGIT. */
static int
smtp_mp_by(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	const char *semi = memchr(v, ';', n);
	size_t t, sign;
	uint64_t x;

	if (semi == NULL)
		return smtp_param_bad(err, "BY");
	t = (size_t)(semi - v);
	sign = (t > 0 && (v[0] == '+' || v[0] == '-')) ? 1 : 0;
	if (smtp_param_digits(v + sign, t - sign, 9, &x) < 0)
		return smtp_param_bad(err, "BY");
	m->by_time = (int32_t)x * (v[0] == '-' ? -1 : 1);
	n -= t + 1;
	semi++;
	if (n < 1 || n > 2 || (n == 2 && semi[1] != 'T' && semi[1] != 't'))
		return smtp_param_bad(err, "BY");
	m->by_mode = semi[0] == 'r' || semi[0] == 'R' ? 'R' :
	    semi[0] == 'n' || semi[0] == 'N' ? 'N' : 0;
	m->by_trace = n == 2;
	if (m->by_mode == 0 || (m->by_mode == 'R' && m->by_time <= 0))
		return smtp_param_bad(err, "BY");
	if (m->by_mode == 'R' && m->by_time < cfg->min_by)
		return smtp_error_set(err, 501, "5.5.4",
		    "BY time below the minimum of %ld seconds",
		    (long)cfg->min_by);
	return 0;
}

static int
smtp_mp_auth(struct smtp_mail *m, const char *v, size_t n,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	size_t out;

	(void)cfg;
	if (smtp_xtext_decode(v, n, m->auth, SMTP_AUTH_PARAM_MAX, &out) < 0)
		return smtp_param_bad(err, "AUTH");
	return 0;
}

static int
smtp_mail_one(struct smtp_mail *m, const struct smtp_param *p,
    const struct smtp_parse_cfg *cfg, struct smtp_error *err)
{
	const struct smtp_mail_param_def *d;
	size_t i;

	for (i = 0; i < SMTP_NMAIL_PARAMS; i++) {
		d = &smtp_mail_params[i];
		if (strlen(d->name) == p->key_len &&
		    strncasecmp(d->name, p->key, p->key_len) == 0)
			break;
	}
	if (i == SMTP_NMAIL_PARAMS || !(cfg->ext & d->ext))
		return smtp_param_unknown(err, p->key, p->key_len);
	if (m->given & d->bit)
		return smtp_error_set(err, 501, "5.5.4",
		    "Duplicate %s parameter", d->name);
	if (d->value != (p->value != NULL) || (d->value && p->value_len == 0))
		return smtp_param_bad(err, d->name);
	m->given |= d->bit;
	return d->fn(m, p->value, p->value_len, cfg, err);
}

static int
smtp_mail_rules(struct smtp_mail *m, const struct smtp_parse_cfg *cfg,
    struct smtp_error *err)
{
	(void)cfg;
	if ((m->given & SMTP_MP_HOLDFOR) && (m->given & SMTP_MP_HOLDUNTIL))
		return smtp_error_set(err, 501, "5.5.4",
		    "HOLDFOR and HOLDUNTIL are mutually exclusive");
	return 0;
}

int
smtp_mail_parse(const char *args, size_t len,
    const struct smtp_parse_cfg *cfg, struct smtp_mail *mail_r,
    struct smtp_error *err_r)
{
	struct smtp_param p;
	size_t pos, used, start;
	int rc;

	memset(mail_r, 0, sizeof(*mail_r));
	if (len < 5 || strncasecmp(args, "FROM:", 5) != 0)
		return smtp_error_set(err_r, 501, "5.5.4",
		    "Syntax: MAIL FROM:<address>");
	for (pos = 5; pos < len && args[pos] == ' '; pos++)
		;
	start = pos;
	/* Syntax first; the SMTPUTF8 rule needs the parameters. */
	if (smtp_path_parse(args + pos, len - pos, SMTP_PATH_SENDER, true,
	    true, &mail_r->path, &used, err_r) < 0)
		return -1;
	pos += used;
	if (pos < len && args[pos] != ' ')
		return smtp_error_set(err_r, 501, "5.5.4",
		    "Syntax: MAIL FROM:<address> [parameters]");
	while ((rc = smtp_param_next(args, len, &pos, &p)) > 0)
		if (smtp_mail_one(mail_r, &p, cfg, err_r) < 0)
			return -1;
	if (rc < 0)
		return smtp_param_unknown(err_r, p.key, p.key_len);
	if (mail_r->path.utf8 && !mail_r->smtputf8)
		return smtp_path_parse(args + start, len - start,
		    SMTP_PATH_SENDER, false, (cfg->ext & SMTP_EXT_SMTPUTF8) !=
		    0, &mail_r->path, &used, err_r);
	return smtp_mail_rules(mail_r, cfg, err_r);
}
