/*
 * dmarc-record.c — the DMARC record (RFC 7489 6.3-6.4, RFC 9989 4.7):
 * "v=DMARC1" first, then tag=value pairs separated by ';'.  Unknown tags
 * are ignored; a known tag with an invalid value keeps its default
 * (RFC 7489 6.3: syntax errors give way to defaults), except p= (and,
 * for RFC 7489, sp=), which decide whether the record is usable.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "dmarc-engine.h"

#define DMARC_WSP(c)	((c) == ' ' || (c) == '\t')

static char *dmarc_trim(char *s);
static int dmarc_tag(struct gd_dmarc_record *r, const char *name,
    char *value, unsigned *bad_r);
static int dmarc_policy_value(const char *v, enum gd_dmarc_policy *p_r);
static int dmarc_uint(const char *v, uint64_t max, uint64_t *n_r);
static void dmarc_uris(char *v, struct gd_dmarc_uri *uris, size_t *n_r);
static int dmarc_uri(char *u, struct gd_dmarc_uri *uri_r);
static unsigned dmarc_fo(char *v);
static int dmarc_finish(struct gd_dmarc_record *r,
    enum gd_dmarc_method method, unsigned bad, const char **error_r);

/* Bits of `bad`: tags whose value was invalid. */
#define DMARC_BAD_P	0x1u
#define DMARC_BAD_SP	0x2u

static void
dmarc_record_defaults(struct gd_dmarc_record *r)
{
	memset(r, 0, sizeof(*r));
	r->pct = 100;
	r->rf_afrf = true;
	r->ri = 86400;
}

/* Split off the next ';'-separated segment of *cursor (NULL at the end). */
static char *
dmarc_next_segment(char **cursor)
{
	char *seg = *cursor, *semi;

	if (seg == NULL)
		return NULL;
	semi = strchr(seg, ';');
	if (semi != NULL) {
		*semi = '\0';
		*cursor = semi + 1;
	} else
		*cursor = NULL;
	return seg;
}

/* Check the version tag: "v" *WSP "=" *WSP "DMARC1" (case as written). */
static int
dmarc_version(char *seg)
{
	char *eq = strchr(seg, '=');

	if (eq == NULL)
		return 0;
	*eq = '\0';
	return strcmp(dmarc_trim(seg), "v") == 0 &&
	    strcmp(dmarc_trim(eq + 1), "DMARC1") == 0;
}

int
dmarc_record_parse(const char *txt, size_t len, enum gd_dmarc_method method,
    struct gd_dmarc_record *rec_r, const char **error_r)
{
	char *cursor, *seg, *eq;
	unsigned bad = 0;

	dmarc_record_defaults(rec_r);
	*error_r = NULL;
	if (len > GD_DMARC_RECORD_MAX || memchr(txt, '\0', len) != NULL) {
		*error_r = "record too long or with a NUL byte";
		return len >= 8 && strncmp(txt, "v=DMARC1", 8) == 0 ? -1 : 0;
	}
	memcpy(rec_r->buf, txt, len);
	rec_r->buf[len] = '\0';
	cursor = rec_r->buf;
	seg = dmarc_next_segment(&cursor);
	/* The record starts with the version tag itself: "v=DMARC1". */
	if (seg[0] != 'v' || !dmarc_version(seg)) {
		*error_r = "not a DMARC record";
		return 0;
	}
	while ((seg = dmarc_next_segment(&cursor)) != NULL) {
		eq = strchr(seg, '=');
		if (eq == NULL) {
			if (*dmarc_trim(seg) != '\0')
				*error_r = "a tag without a value (ignored)";
			continue;
		}
		*eq = '\0';
		(void)dmarc_tag(rec_r, dmarc_trim(seg), dmarc_trim(eq + 1),
		    &bad);
	}
	return dmarc_finish(rec_r, method, bad, error_r);
}

/*
 * RFC 7489 6.6.3: without a valid p= (or with an invalid sp=) the record
 * counts as p=none when it names a valid rua= URI, and is unusable
 * otherwise.  RFC 9989 makes p= optional: p=none when absent or invalid.
 */
static int
dmarc_finish(struct gd_dmarc_record *r, enum gd_dmarc_method method,
    unsigned bad, const char **error_r)
{
	bool p_ok = r->has_p && (bad & DMARC_BAD_P) == 0;

	if (method == GD_DMARC_METHOD_PSL) {
		if (p_ok && (bad & DMARC_BAD_SP) == 0)
			return 1;
		if (r->nrua == 0) {
			*error_r = !p_ok ? "no valid p= and no rua=" :
			    "invalid sp= and no rua=";
			return -1;
		}
		r->p = GD_DMARC_POLICY_NONE;
		r->has_p = true;
		r->has_sp = false;
		r->sp = GD_DMARC_POLICY_NONE;
		return 1;
	}
	if (!p_ok) {
		r->p = GD_DMARC_POLICY_NONE;
		r->has_p = false;
	}
	return 1;
}

static int
dmarc_tag_policy(const char *value, enum gd_dmarc_policy *p_r, bool *has_r,
    unsigned *bad_r, unsigned bad_bit)
{
	if (*has_r || (*bad_r & bad_bit) != 0)
		return 0;	/* the first occurrence wins */
	if (dmarc_policy_value(value, p_r) == 0)
		*has_r = true;
	else
		*bad_r |= bad_bit;
	return 0;
}

static int
dmarc_tag_align(const char *value, enum gd_dmarc_align *a_r)
{
	if (strcasecmp(value, "r") == 0)
		*a_r = GD_DMARC_ALIGN_RELAXED;
	else if (strcasecmp(value, "s") == 0)
		*a_r = GD_DMARC_ALIGN_STRICT;
	else
		return -1;
	return 0;
}

static int
dmarc_tag_psd(struct gd_dmarc_record *r, const char *value)
{
	if (strcasecmp(value, "y") == 0)
		r->psd = GD_DMARC_PSD_Y;
	else if (strcasecmp(value, "n") == 0)
		r->psd = GD_DMARC_PSD_N;
	else if (strcasecmp(value, "u") == 0)
		r->psd = GD_DMARC_PSD_U;
	else
		return -1;
	return 0;
}

static int
dmarc_tag_rf(struct gd_dmarc_record *r, char *value)
{
	char *save = NULL, *tok;

	r->rf_afrf = false;
	for (tok = strtok_r(value, ":", &save); tok != NULL;
	    tok = strtok_r(NULL, ":", &save))
		if (strcasecmp(dmarc_trim(tok), "afrf") == 0)
			r->rf_afrf = true;
	return 0;
}

static int
dmarc_tag_number(struct gd_dmarc_record *r, const char *name,
    const char *value)
{
	uint64_t n;

	if (strcasecmp(name, "pct") == 0) {
		if (dmarc_uint(value, 100, &n) != 0)
			return -1;
		r->pct = (unsigned)n;
		r->has_pct = true;
		return 0;
	}
	if (dmarc_uint(value, UINT32_MAX, &n) != 0)
		return -1;
	r->ri = (uint32_t)n;
	return 0;
}

/* One tag.  0, or -1 when the value was invalid (the default stays). */
static int
dmarc_tag(struct gd_dmarc_record *r, const char *name, char *value,
    unsigned *bad_r)
{
	if (strcasecmp(name, "p") == 0)
		return dmarc_tag_policy(value, &r->p, &r->has_p, bad_r,
		    DMARC_BAD_P);
	if (strcasecmp(name, "sp") == 0)
		return dmarc_tag_policy(value, &r->sp, &r->has_sp, bad_r,
		    DMARC_BAD_SP);
	if (strcasecmp(name, "np") == 0)
		return dmarc_tag_policy(value, &r->np, &r->has_np, bad_r, 0);
	if (strcasecmp(name, "adkim") == 0)
		return dmarc_tag_align(value, &r->adkim);
	if (strcasecmp(name, "aspf") == 0)
		return dmarc_tag_align(value, &r->aspf);
	if (strcasecmp(name, "pct") == 0 || strcasecmp(name, "ri") == 0)
		return dmarc_tag_number(r, name, value);
	if (strcasecmp(name, "t") == 0) {
		if (strcasecmp(value, "y") != 0 && strcasecmp(value, "n") != 0)
			return -1;
		r->testing = strcasecmp(value, "y") == 0;
		return 0;
	}
	if (strcasecmp(name, "psd") == 0)
		return dmarc_tag_psd(r, value);
	if (strcasecmp(name, "rua") == 0 && r->nrua == 0)
		dmarc_uris(value, r->rua, &r->nrua);
	else if (strcasecmp(name, "ruf") == 0 && r->nruf == 0)
		dmarc_uris(value, r->ruf, &r->nruf);
	else if (strcasecmp(name, "fo") == 0)
		r->fo = dmarc_fo(value);
	else if (strcasecmp(name, "rf") == 0)
		return dmarc_tag_rf(r, value);
	return 0;	/* unknown tags are ignored */
}

static int
dmarc_policy_value(const char *v, enum gd_dmarc_policy *p_r)
{
	if (strcasecmp(v, "none") == 0)
		*p_r = GD_DMARC_POLICY_NONE;
	else if (strcasecmp(v, "quarantine") == 0)
		*p_r = GD_DMARC_POLICY_QUARANTINE;
	else if (strcasecmp(v, "reject") == 0)
		*p_r = GD_DMARC_POLICY_REJECT;
	else
		return -1;
	return 0;
}

/* 1*DIGIT, at most `max`.  Leading zeros are fine; no sign, no space. */
static int
dmarc_uint(const char *v, uint64_t max, uint64_t *n_r)
{
	uint64_t n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		n = n * 10 + (uint64_t)(*v - '0');
		if (n > max)
			return -1;
	}
	*n_r = n;
	return 0;
}

/* A comma-separated URI list; invalid URIs are dropped (RFC 7489 6.3). */
static void
dmarc_uris(char *v, struct gd_dmarc_uri *uris, size_t *n_r)
{
	char *save = NULL, *tok;

	*n_r = 0;
	for (tok = strtok_r(v, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (*n_r == GD_DMARC_URI_MAX)
			break;
		if (dmarc_uri(dmarc_trim(tok), &uris[*n_r]) == 0)
			(*n_r)++;
	}
}

/* The "!size" suffix: 1*DIGIT [k m g t], in bytes; 0 on overflow. */
static uint64_t
dmarc_uri_size(const char *s, int *ok_r)
{
	uint64_t n = 0, unit = 1;
	const char *p = s;

	*ok_r = 0;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > UINT64_MAX / 10 - 9)
			return 0;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return 0;
	switch (tolower((unsigned char)*p)) {
	case 'k': unit = 1ull << 10; p++; break;
	case 'm': unit = 1ull << 20; p++; break;
	case 'g': unit = 1ull << 30; p++; break;
	case 't': unit = 1ull << 40; p++; break;
	default: break;
	}
	if (*p != '\0' || n > UINT64_MAX / unit)
		return 0;
	*ok_r = 1;
	return n * unit;
}

/* scheme ":" rest (RFC 3986 scheme), no whitespace; "!size" split off. */
static int
dmarc_uri(char *u, struct gd_dmarc_uri *uri_r)
{
	char *bang, *p;
	int ok;

	uri_r->max_size = 0;
	bang = strrchr(u, '!');
	if (bang != NULL) {
		uri_r->max_size = dmarc_uri_size(bang + 1, &ok);
		if (!ok)
			return -1;
		*bang = '\0';
	}
	if (!isalpha((unsigned char)u[0]))
		return -1;
	for (p = u + 1; *p != ':'; p++)
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' &&
		    *p != '.')
			return -1;
	if (p[1] == '\0')
		return -1;
	for (p++; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -1;
	uri_r->uri = u;
	return 0;
}

/* fo=: a colon-separated list of 0 1 d s; unknown options ignored. */
static unsigned
dmarc_fo(char *v)
{
	char *save = NULL, *tok;
	unsigned fo = 0;

	for (tok = strtok_r(v, ":", &save); tok != NULL;
	    tok = strtok_r(NULL, ":", &save)) {
		tok = dmarc_trim(tok);
		if (strcmp(tok, "0") == 0)
			fo |= GD_DMARC_FO_0;
		else if (strcmp(tok, "1") == 0)
			fo |= GD_DMARC_FO_1;
		else if (strcasecmp(tok, "d") == 0)
			fo |= GD_DMARC_FO_D;
		else if (strcasecmp(tok, "s") == 0)
			fo |= GD_DMARC_FO_S;
	}
	return fo;
}

static char *
dmarc_trim(char *s)
{
	char *end;

	while (DMARC_WSP(*s))
		s++;
	end = s + strlen(s);
	while (end > s && DMARC_WSP(end[-1]))
		*--end = '\0';
	return s;
}

void
dmarc_record_copy(struct gd_dmarc_record *dst,
    const struct gd_dmarc_record *src)
{
	size_t i;

	memcpy(dst, src, sizeof(*dst));
	for (i = 0; i < src->nrua; i++)
		dst->rua[i].uri = dst->buf + (src->rua[i].uri - src->buf);
	for (i = 0; i < src->nruf; i++)
		dst->ruf[i].uri = dst->buf + (src->ruf[i].uri - src->buf);
}
