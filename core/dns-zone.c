/*
 * dns-zone.c — RFC 1035 master files to libunbound local data.
 *
 * The file is read whole (bounded), cut into entries (one line, or
 * several inside parentheses) of raw fields, and each entry is checked
 * field by field and written back as one normalised presentation line,
 * so that everything libunbound would refuse, or silently misread, is
 * reported here with FILE:LINE.  Names go through wire form (labels,
 * lengths checked) and back, so escapes come out in one canonical form.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <gumdrop/common.h>
#include <gumdrop/pool.h>
#include "dns-private.h"
#include "dns-zone-private.h"

#define ZP_NAME_MAX	255
#define ZP_TEXT_MAX	(ZP_NAME_MAX * 4 + 2)
#define ZP_TTL_MAX	2147483647UL	/* RFC 2181 section 8 */

/* One raw field: escapes are kept; quotes are not. */
struct zp_field {
	const char *s;
	size_t len;
	bool quoted;
};

/* A growing text buffer for the record being written. */
struct zp_out {
	char *s;
	size_t len, size;
};

struct zp {
	struct gd_dns_zone *zone;
	const char *file;	/* in the zone's pool */
	const char *p, *end;
	unsigned line;		/* of p */
	int depth;		/* of $INCLUDE */
	uint8_t origin[ZP_NAME_MAX];
	size_t origin_len;	/* 0: no origin */
	uint8_t owner[ZP_NAME_MAX];
	size_t owner_len;	/* 0: no previous owner */
	bool have_ttl, have_last_ttl;
	uint32_t ttl, last_ttl;
	/* the current entry */
	unsigned entry_line;
	bool blank_owner;
	size_t nfields;
	struct zp_field fields[GD_DNS_ZONE_MAX_FIELDS];
	struct zp_out out;
	const char *type_name;	/* of the record being read */
	const char *error;
};

struct zp_type {
	const char *name;
	uint16_t number;
	int (*rdata)(struct zp *zp, const struct zp_field *f, size_t n);
};

static int zp_fail(struct zp *zp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void zp_out_add(struct zp *zp, const char *s, size_t len);
static void zp_out_printf(struct zp *zp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *zp_show(struct zp *zp, const struct zp_field *f);
static int zp_read_quoted(struct zp *zp);
static int zp_read_word(struct zp *zp);
static int zp_add_field(struct zp *zp, const char *s, size_t len,
    bool quoted);
static int zp_skip_blank(struct zp *zp, int parens, unsigned open_line);
static int zp_read_entry(struct zp *zp);
static int zp_unescape(const struct zp_field *f, size_t *i, uint8_t *c_r);
static int zp_name_labels(struct zp *zp, const struct zp_field *f,
    uint8_t *wire, size_t *len_r, bool *absolute_r);
static int zp_name(struct zp *zp, const struct zp_field *f, uint8_t *wire,
    size_t *len_r);
static void zp_out_name(struct zp *zp, const uint8_t *wire, size_t len);
static int zp_out_field_name(struct zp *zp, const struct zp_field *f);
static int zp_number(const struct zp_field *f, unsigned long max,
    unsigned long *v_r);
static int zp_ttl(const struct zp_field *f, uint32_t *ttl_r);
static int zp_out_u(struct zp *zp, const struct zp_field *f,
    unsigned long max, const char *what);
static int zp_out_ttl_field(struct zp *zp, const struct zp_field *f,
    const char *what);
static int zp_count(struct zp *zp, size_t n, size_t want);
static int zp_rdata_a(struct zp *zp, const struct zp_field *f, size_t n);
static int zp_rdata_aaaa(struct zp *zp, const struct zp_field *f, size_t n);
static int zp_rdata_name(struct zp *zp, const struct zp_field *f, size_t n);
static int zp_rdata_mx(struct zp *zp, const struct zp_field *f, size_t n);
static int zp_rdata_txt(struct zp *zp, const struct zp_field *f, size_t n);
static int zp_rdata_soa(struct zp *zp, const struct zp_field *f, size_t n);
static int zp_rdata_srv(struct zp *zp, const struct zp_field *f, size_t n);
static int zp_rdata_tlsa(struct zp *zp, const struct zp_field *f,
    size_t n);
static int zp_hex(struct zp *zp, const struct zp_field *f, size_t n,
    size_t *bytes_r);
static int zp_rdata_generic(struct zp *zp, const struct zp_field *f,
    size_t n);
static const struct zp_type *zp_type_find(struct zp *zp,
    const struct zp_field *f, struct zp_type *generic);
static bool zp_is_class(const struct zp_field *f);
static int zp_ttl_class(struct zp *zp, size_t *i, uint32_t *ttl_r);
static int zp_record(struct zp *zp);
static int zp_owner(struct zp *zp, size_t *i);
static void zp_add_zone(struct zp *zp, const uint8_t *wire, size_t len);
static void zp_add_record(struct zp *zp);
static int zp_dir_origin(struct zp *zp);
static int zp_dir_ttl(struct zp *zp);
static int zp_dir_include(struct zp *zp);
static int zp_directive(struct zp *zp);
static int zp_run(struct zp *zp);
static int zp_read_file(struct gd_pool *pool, const char *path,
    char **text_r, size_t *len_r, const char **error_r);
static int zp_parse_origin(struct zp *zp, const char *origin);
static int zp_parse(struct gd_dns_zone *zone, const char *name,
    const char *text, size_t len, const uint8_t *origin,
    size_t origin_len, int depth, const char **error_r);

static const struct zp_type zp_types[] = {
	{ "A", 1, zp_rdata_a },
	{ "NS", 2, zp_rdata_name },
	{ "CNAME", 5, zp_rdata_name },
	{ "SOA", 6, zp_rdata_soa },
	{ "PTR", 12, zp_rdata_name },
	{ "MX", 15, zp_rdata_mx },
	{ "TXT", 16, zp_rdata_txt },
	{ "AAAA", 28, zp_rdata_aaaa },
	{ "SRV", 33, zp_rdata_srv },
	{ "TLSA", 52, zp_rdata_tlsa },
	{ "SPF", 99, zp_rdata_txt },
};

/* ---- zone object ---------------------------------------------------- */

struct gd_dns_zone *
gd_dns_zone_create(void)
{
	struct gd_dns_zone *zone = gd_xcalloc(1, sizeof(*zone));

	zone->pool = gd_pool_create("dns-zone");
	return zone;
}

void
gd_dns_zone_destroy(struct gd_dns_zone **zone)
{
	if (*zone == NULL)
		return;
	gd_pool_destroy(&(*zone)->pool);
	free((*zone)->records);
	free((*zone)->zones);
	free(*zone);
	*zone = NULL;
}

/* ---- errors and output ---------------------------------------------- */

static int
zp_fail(struct zp *zp, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = gd_pool_vprintf(zp->zone->pool, fmt, ap);
	va_end(ap);
	zp->error = gd_pool_printf(zp->zone->pool, "%s:%u: %s", zp->file,
	    zp->entry_line, what);
	return -1;
}

static void
zp_out_add(struct zp *zp, const char *s, size_t len)
{
	struct zp_out *o = &zp->out;

	if (o->size - o->len <= len) {
		o->size = (o->len + len + 1) * 2;
		o->s = gd_xrealloc(o->s, o->size);
	}
	memcpy(o->s + o->len, s, len);
	o->len += len;
	o->s[o->len] = '\0';
}

static void
zp_out_printf(struct zp *zp, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert(n >= 0 && (size_t)n < sizeof(buf));
	zp_out_add(zp, buf, (size_t)n);
}

/* A field quoted for an error message (shortened, control bytes out). */
static const char *
zp_show(struct zp *zp, const struct zp_field *f)
{
	char buf[68];
	size_t i, n = 0;

	for (i = 0; i < f->len && n < 60; i++) {
		unsigned char c = (unsigned char)f->s[i];

		buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (i < f->len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return gd_pool_printf(zp->zone->pool, "'%s'", buf);
}

/* ---- cutting entries into fields ------------------------------------ */

static int
zp_add_field(struct zp *zp, const char *s, size_t len, bool quoted)
{
	if (zp->nfields == GD_DNS_ZONE_MAX_FIELDS)
		return zp_fail(zp, "more than %d fields in one entry",
		    GD_DNS_ZONE_MAX_FIELDS);
	zp->fields[zp->nfields].s = s;
	zp->fields[zp->nfields].len = len;
	zp->fields[zp->nfields].quoted = quoted;
	zp->nfields++;
	return 0;
}

/* At the opening quote; a string ends on its line. */
static int
zp_read_quoted(struct zp *zp)
{
	const char *start = ++zp->p;

	while (zp->p < zp->end && *zp->p != '"') {
		if (*zp->p == '\n')
			break;
		if (*zp->p == '\\' && zp->end - zp->p > 1 && zp->p[1] != '\n')
			zp->p++;
		zp->p++;
	}
	if (zp->p == zp->end || *zp->p != '"')
		return zp_fail(zp, "quoted string not closed on its line");
	zp->p++;
	return zp_add_field(zp, start, (size_t)(zp->p - 1 - start), true);
}

static int
zp_read_word(struct zp *zp)
{
	const char *start = zp->p;

	/* memchr, not strchr: a NUL byte is an ordinary character here. */
	while (zp->p < zp->end && memchr(" \t\r\n;()\"", *zp->p, 8) == NULL) {
		if (*zp->p == '\\') {
			if (zp->end - zp->p < 2 || zp->p[1] == '\n')
				return zp_fail(zp, "'\\' at the end of a "
				    "line");
			zp->p++;
		}
		zp->p++;
	}
	return zp_add_field(zp, start, (size_t)(zp->p - start), false);
}

/*
 * Skip blanks and comments.  Returns 1 at the end of the entry (a line
 * break outside parentheses, or the end of the text), 0 at a field.
 */
static int
zp_skip_blank(struct zp *zp, int parens, unsigned open_line)
{
	for (;;) {
		while (zp->p < zp->end && (*zp->p == ' ' || *zp->p == '\t' ||
		    *zp->p == '\r'))
			zp->p++;
		if (zp->p == zp->end) {
			if (parens > 0)
				return zp_fail(zp, "'(' opened on line %u is "
				    "never closed", open_line);
			return 1;
		}
		if (*zp->p == ';') {
			while (zp->p < zp->end && *zp->p != '\n')
				zp->p++;
			continue;
		}
		if (*zp->p != '\n')
			return 0;
		zp->p++;
		zp->line++;
		if (parens == 0)
			return 1;
	}
}

/*
 * The next entry's fields.  Returns 1 with an entry, 0 at the end of the
 * text, -1 on error.
 */
static int
zp_read_entry(struct zp *zp)
{
	int parens = 0, r;
	unsigned open_line = 0;

	zp->nfields = 0;
	for (;;) {
		zp->entry_line = zp->line;
		zp->blank_owner = zp->p < zp->end &&
		    (*zp->p == ' ' || *zp->p == '\t');
		if (zp->p == zp->end)
			return 0;
		if ((r = zp_skip_blank(zp, 0, 0)) < 0)
			return -1;
		if (r == 0)
			break;
	}
	for (;;) {
		if ((r = zp_skip_blank(zp, parens, open_line)) != 0)
			return r < 0 ? -1 : 1;
		if (*zp->p == '(') {
			if (parens++ == 0)
				open_line = zp->line;
			zp->p++;
		} else if (*zp->p == ')') {
			if (parens-- == 0)
				return zp_fail(zp, "')' without '('");
			zp->p++;
		} else if ((*zp->p == '"' ? zp_read_quoted(zp) :
		    zp_read_word(zp)) < 0)
			return -1;
	}
}

/* ---- names ------------------------------------------------------------ */

/* The byte at f->s[*i] with \X and \DDD; advances *i.  -1: bad \DDD. */
static int
zp_unescape(const struct zp_field *f, size_t *i, uint8_t *c_r)
{
	const char *s = f->s + *i;
	size_t left = f->len - *i;
	unsigned v;

	if (s[0] != '\\' || left < 2) {
		*c_r = (uint8_t)s[0];
		(*i)++;
		return 0;
	}
	if (s[1] < '0' || s[1] > '9') {
		*c_r = (uint8_t)s[1];
		*i += 2;
		return 0;
	}
	if (left < 4 || s[2] < '0' || s[2] > '9' || s[3] < '0' ||
	    s[3] > '9')
		return -1;
	v = (unsigned)(s[1] - '0') * 100 + (unsigned)(s[2] - '0') * 10 +
	    (unsigned)(s[3] - '0');
	if (v > 255)
		return -1;
	*c_r = (uint8_t)v;
	*i += 4;
	return 0;
}

/* Labels of a name field, without the final root label. */
static int
zp_name_labels(struct zp *zp, const struct zp_field *f, uint8_t *wire,
    size_t *len_r, bool *absolute_r)
{
	size_t i = 0, len = 0, lpos = 0;
	bool escaped;
	uint8_t c;

	*absolute_r = false;
	wire[0] = 0;
	while (i < f->len) {
		escaped = f->s[i] == '\\';
		if (zp_unescape(f, &i, &c) < 0)
			return zp_fail(zp, "bad \\DDD escape in %s",
			    zp_show(zp, f));
		if (c == '.' && !escaped) {
			if (wire[lpos] == 0)
				return zp_fail(zp, "empty label in %s",
				    zp_show(zp, f));
			*absolute_r = i == f->len;
			lpos = len;
			wire[lpos] = 0;
			continue;
		}
		/* UNSAFE: keep room for the label byte and the root. */
		if (len + 2 >= ZP_NAME_MAX || wire[lpos] == 63)
			return zp_fail(zp, "name or label too long in %s",
			    zp_show(zp, f));
		if (len == lpos)
			len++;
		wire[lpos]++;
		wire[len++] = c;
	}
	*len_r = len;
	return 0;
}

/* A name field to absolute wire form (with the root label). */
static int
zp_name(struct zp *zp, const struct zp_field *f, uint8_t *wire,
    size_t *len_r)
{
	size_t len = 0;
	bool absolute;

	if (f->quoted)
		return zp_fail(zp, "expected a name, got a quoted string");
	if (f->len == 1 && f->s[0] == '@') {
		if (zp->origin_len == 0)
			return zp_fail(zp, "'@' with no $ORIGIN");
		memcpy(wire, zp->origin, zp->origin_len);
		*len_r = zp->origin_len;
		return 0;
	}
	if (f->len == 1 && f->s[0] == '.') {
		wire[0] = 0;
		*len_r = 1;
		return 0;
	}
	if (zp_name_labels(zp, f, wire, &len, &absolute) < 0)
		return -1;
	if (absolute) {
		wire[len] = 0;
		*len_r = len + 1;
		return 0;
	}
	if (zp->origin_len == 0)
		return zp_fail(zp, "relative name %s with no $ORIGIN",
		    zp_show(zp, f));
	if (len + zp->origin_len > ZP_NAME_MAX)
		return zp_fail(zp, "name %s is too long with the origin",
		    zp_show(zp, f));
	memcpy(wire + len, zp->origin, zp->origin_len);
	*len_r = len + zp->origin_len;
	return 0;
}

/*
 * A name in presentation form for a master file: gd_dns_name_format()'s
 * text, with the bytes that mean something in a zone file escaped too
 * (a quote, parentheses, a semicolon, and '@' and '$'), so that the line
 * reads back as the same name.
 */
static void
zp_out_name(struct zp *zp, const uint8_t *wire, size_t len)
{
	char buf[ZP_TEXT_MAX];
	size_t used, i;

	if (gd_dns_name_format(wire, len, &used, buf, sizeof(buf)) < 0)
		gd_fatal("dns-zone: name checked but not formattable");
	for (i = 0; buf[i] != '\0'; i++) {
		if (buf[i] == '\\') {
			/* An escape already: "\X" or "\DDD", kept. */
			used = isdigit((unsigned char)buf[i + 1]) ? 4 : 2;
			zp_out_add(zp, buf + i, used);
			i += used - 1;
			continue;
		}
		if (strchr("\"();@$", buf[i]) != NULL)
			zp_out_add(zp, "\\", 1);
		zp_out_add(zp, buf + i, 1);
	}
	if (strcmp(buf, ".") != 0)
		zp_out_add(zp, ".", 1);
}

static int
zp_out_field_name(struct zp *zp, const struct zp_field *f)
{
	uint8_t wire[ZP_NAME_MAX];
	size_t len;

	if (zp_name(zp, f, wire, &len) < 0)
		return -1;
	zp_out_add(zp, " ", 1);
	zp_out_name(zp, wire, len);
	return 0;
}

/* ---- numbers ---------------------------------------------------------- */

static int
zp_number(const struct zp_field *f, unsigned long max, unsigned long *v_r)
{
	unsigned long v = 0;
	size_t i;

	if (f->quoted || f->len == 0 || f->len > 10)
		return -1;
	for (i = 0; i < f->len; i++) {
		if (f->s[i] < '0' || f->s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(f->s[i] - '0');
	}
	if (v > max)
		return -1;
	*v_r = v;
	return 0;
}

/* Seconds, or BIND's "1h30m" form (s m h d w, any case). */
static int
zp_ttl(const struct zp_field *f, uint32_t *ttl_r)
{
	static const char units[] = "smhdw";
	static const unsigned long mult[] = { 1, 60, 3600, 86400, 604800 };
	unsigned long total = 0, v = 0;
	const char *u;
	size_t i, digits = 0;

	if (f->quoted || f->len == 0 || f->len > 32)
		return -1;
	for (i = 0; i < f->len; i++) {
		char c = f->s[i];

		if (c >= '0' && c <= '9') {
			v = v * 10 + (unsigned long)(c - '0');
			if (++digits > 10 || v > ZP_TTL_MAX)
				return -1;
			continue;
		}
		u = strchr(units, c | 0x20);
		if (u == NULL || digits == 0)
			return -1;
		total += v * mult[u - units];
		if (total > ZP_TTL_MAX)
			return -1;
		v = 0;
		digits = 0;
	}
	total += v;
	if (total > ZP_TTL_MAX)
		return -1;
	*ttl_r = (uint32_t)total;
	return 0;
}

static int
zp_out_u(struct zp *zp, const struct zp_field *f, unsigned long max,
    const char *what)
{
	unsigned long v;

	if (zp_number(f, max, &v) < 0)
		return zp_fail(zp, "%s: expected a number from 0 to %lu, "
		    "got %s", what, max, zp_show(zp, f));
	zp_out_printf(zp, " %lu", v);
	return 0;
}

static int
zp_out_ttl_field(struct zp *zp, const struct zp_field *f, const char *what)
{
	uint32_t v;

	if (zp_ttl(f, &v) < 0)
		return zp_fail(zp, "%s: expected a time, got %s", what,
		    zp_show(zp, f));
	zp_out_printf(zp, " %lu", (unsigned long)v);
	return 0;
}

/* ---- rdata ------------------------------------------------------------ */

static int
zp_count(struct zp *zp, size_t n, size_t want)
{
	if (n == want)
		return 0;
	return zp_fail(zp, "%s: expected %zu field%s of data, got %zu",
	    zp->type_name, want, want == 1 ? "" : "s", n);
}

static int
zp_rdata_a(struct zp *zp, const struct zp_field *f, size_t n)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;

	if (zp_count(zp, n, 1) < 0)
		return -1;
	if (f->quoted || f->len >= sizeof(buf))
		return zp_fail(zp, "A: bad IPv4 address %s", zp_show(zp, f));
	memcpy(buf, f->s, f->len);
	buf[f->len] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return zp_fail(zp, "A: bad IPv4 address %s", zp_show(zp, f));
	zp_out_printf(zp, " %s", inet_ntop(AF_INET, &a, buf, sizeof(buf)));
	return 0;
}

static int
zp_rdata_aaaa(struct zp *zp, const struct zp_field *f, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (zp_count(zp, n, 1) < 0)
		return -1;
	if (f->quoted || f->len >= sizeof(buf))
		return zp_fail(zp, "AAAA: bad IPv6 address %s",
		    zp_show(zp, f));
	memcpy(buf, f->s, f->len);
	buf[f->len] = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return zp_fail(zp, "AAAA: bad IPv6 address %s",
		    zp_show(zp, f));
	zp_out_printf(zp, " %s", inet_ntop(AF_INET6, &a, buf, sizeof(buf)));
	return 0;
}

/* NS, CNAME, PTR: one name. */
static int
zp_rdata_name(struct zp *zp, const struct zp_field *f, size_t n)
{
	if (zp_count(zp, n, 1) < 0)
		return -1;
	return zp_out_field_name(zp, f);
}

static int
zp_rdata_mx(struct zp *zp, const struct zp_field *f, size_t n)
{
	if (zp_count(zp, n, 2) < 0 ||
	    zp_out_u(zp, &f[0], 65535, "MX preference") < 0)
		return -1;
	return zp_out_field_name(zp, &f[1]);
}

/* TXT, SPF: character-strings, each at most 255 bytes. */
static int
zp_rdata_txt(struct zp *zp, const struct zp_field *f, size_t n)
{
	size_t k, i, bytes;
	uint8_t c;

	if (n == 0)
		return zp_fail(zp, "TXT: no character-string");
	for (k = 0; k < n; k++) {
		zp_out_add(zp, " \"", 2);
		for (i = 0, bytes = 0; i < f[k].len; bytes++) {
			if (zp_unescape(&f[k], &i, &c) < 0)
				return zp_fail(zp, "TXT: bad \\DDD escape");
			if (c == '"' || c == '\\')
				zp_out_printf(zp, "\\%c", c);
			else if (c < 0x20 || c > 0x7e)
				zp_out_printf(zp, "\\%03u", c);
			else
				zp_out_add(zp, (const char *)&c, 1);
		}
		if (bytes > 255)
			return zp_fail(zp, "TXT: character-string %zu is "
			    "%zu bytes long (at most 255)", k + 1, bytes);
		zp_out_add(zp, "\"", 1);
	}
	return 0;
}

static int
zp_rdata_soa(struct zp *zp, const struct zp_field *f, size_t n)
{
	static const char *const what[] = { "SOA refresh", "SOA retry",
	    "SOA expire", "SOA minimum" };
	size_t i;

	if (zp_count(zp, n, 7) < 0 ||
	    zp_out_field_name(zp, &f[0]) < 0 ||
	    zp_out_field_name(zp, &f[1]) < 0 ||
	    zp_out_u(zp, &f[2], 4294967295UL, "SOA serial") < 0)
		return -1;
	for (i = 0; i < 4; i++)
		if (zp_out_ttl_field(zp, &f[3 + i], what[i]) < 0)
			return -1;
	return 0;
}

static int
zp_rdata_srv(struct zp *zp, const struct zp_field *f, size_t n)
{
	if (zp_count(zp, n, 4) < 0 ||
	    zp_out_u(zp, &f[0], 65535, "SRV priority") < 0 ||
	    zp_out_u(zp, &f[1], 65535, "SRV weight") < 0 ||
	    zp_out_u(zp, &f[2], 65535, "SRV port") < 0)
		return -1;
	return zp_out_field_name(zp, &f[3]);
}

/* Hex digits spread over fields, written as one run. */
static int
zp_hex(struct zp *zp, const struct zp_field *f, size_t n, size_t *bytes_r)
{
	size_t k, i, digits = 0;

	zp_out_add(zp, " ", 1);
	for (k = 0; k < n; k++) {
		if (f[k].quoted)
			return zp_fail(zp, "expected hex, got a quoted "
			    "string");
		for (i = 0; i < f[k].len; i++) {
			char c = f[k].s[i];

			if (!((c >= '0' && c <= '9') ||
			    ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')))
				return zp_fail(zp, "bad hex digit in %s",
				    zp_show(zp, &f[k]));
			zp_out_add(zp, &c, 1);
			digits++;
		}
	}
	if (digits % 2 != 0)
		return zp_fail(zp, "odd number of hex digits");
	*bytes_r = digits / 2;
	return 0;
}

static int
zp_rdata_tlsa(struct zp *zp, const struct zp_field *f, size_t n)
{
	size_t bytes;

	if (n < 4)
		return zp_fail(zp, "TLSA: expected usage, selector, matching "
		    "type and data");
	if (zp_out_u(zp, &f[0], 255, "TLSA usage") < 0 ||
	    zp_out_u(zp, &f[1], 255, "TLSA selector") < 0 ||
	    zp_out_u(zp, &f[2], 255, "TLSA matching type") < 0 ||
	    zp_hex(zp, f + 3, n - 3, &bytes) < 0)
		return -1;
	return 0;
}

/* RFC 3597: "\# LEN HEX..." (the "\#" already checked). */
static int
zp_rdata_generic(struct zp *zp, const struct zp_field *f, size_t n)
{
	unsigned long len;
	size_t bytes = 0;

	if (n < 1 || zp_number(&f[0], 65535, &len) < 0)
		return zp_fail(zp, "\\#: expected a length from 0 to 65535");
	zp_out_printf(zp, " \\# %lu", len);
	if (n > 1 && zp_hex(zp, f + 1, n - 1, &bytes) < 0)
		return -1;
	if (bytes != len)
		return zp_fail(zp, "\\#: length %lu, but %zu bytes of data",
		    len, bytes);
	return 0;
}

/* ---- entries ---------------------------------------------------------- */

static const struct zp_type *
zp_type_find(struct zp *zp, const struct zp_field *f,
    struct zp_type *generic)
{
	struct zp_field num;
	unsigned long v;
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(zp_types); i++)
		if (!f->quoted && strlen(zp_types[i].name) == f->len &&
		    strncasecmp(zp_types[i].name, f->s, f->len) == 0)
			return &zp_types[i];
	/* RFC 3597 section 5: TYPEnnn, a known type by number too. */
	num.s = f->s + 4;
	num.len = f->len > 4 ? f->len - 4 : 0;
	num.quoted = false;
	if (f->quoted || f->len < 5 || strncasecmp(f->s, "TYPE", 4) != 0 ||
	    zp_number(&num, 65535, &v) < 0 || v == 0) {
		zp_fail(zp, "unknown or unsupported record type %s",
		    zp_show(zp, f));
		return NULL;
	}
	for (i = 0; i < GD_N_ELEMENTS(zp_types); i++)
		if (zp_types[i].number == v)
			return &zp_types[i];
	generic->name = NULL;
	generic->number = (uint16_t)v;
	generic->rdata = NULL;
	return generic;
}

static bool
zp_is_class(const struct zp_field *f)
{
	static const char *const classes[] = { "IN", "CH", "HS", "CS",
	    "NONE", "ANY" };
	size_t i;

	if (f->quoted)
		return false;
	if (f->len > 5 && strncasecmp(f->s, "CLASS", 5) == 0)
		return true;
	for (i = 0; i < GD_N_ELEMENTS(classes); i++)
		if (strlen(classes[i]) == f->len &&
		    strncasecmp(classes[i], f->s, f->len) == 0)
			return true;
	return false;
}

/* [TTL] [CLASS] or [CLASS] [TTL] after the owner. */
static int
zp_ttl_class(struct zp *zp, size_t *i, uint32_t *ttl_r)
{
	bool seen_ttl = false, seen_class = false;
	const struct zp_field *f;

	while (*i < zp->nfields) {
		f = &zp->fields[*i];
		if (!seen_ttl && !f->quoted && f->len > 0 && f->s[0] >= '0' &&
		    f->s[0] <= '9') {
			if (zp_ttl(f, ttl_r) < 0)
				return zp_fail(zp, "bad TTL %s",
				    zp_show(zp, f));
			seen_ttl = true;
		} else if (!seen_class && zp_is_class(f)) {
			if (!((f->len == 2 && strncasecmp(f->s, "IN", 2) == 0)
			    || (f->len == 6 &&
			    strncasecmp(f->s, "CLASS1", 6) == 0)))
				return zp_fail(zp, "class %s not supported "
				    "(only IN)", zp_show(zp, f));
			seen_class = true;
		} else
			break;
		(*i)++;
	}
	if (seen_ttl) {
		zp->last_ttl = *ttl_r;
		zp->have_last_ttl = true;
	} else
		*ttl_r = zp->have_ttl ? zp->ttl : zp->have_last_ttl ?
		    zp->last_ttl : GD_DNS_ZONE_DEFAULT_TTL;
	return 0;
}

static int
zp_owner(struct zp *zp, size_t *i)
{
	if (zp->blank_owner) {
		if (zp->owner_len == 0)
			return zp_fail(zp, "no owner name, and no previous "
			    "record to take it from");
		*i = 0;
		return 0;
	}
	*i = 1;
	return zp_name(zp, &zp->fields[0], zp->owner, &zp->owner_len);
}

static void
zp_add_zone(struct zp *zp, const uint8_t *wire, size_t len)
{
	struct gd_dns_zone *z = zp->zone;
	size_t i, mark = zp->out.len;
	const char *name;

	if (len <= 1)
		return;
	zp_out_name(zp, wire, len);
	name = gd_pool_strdup(z->pool, zp->out.s + mark);
	zp->out.len = mark;
	for (i = 0; i < z->nzones; i++)
		if (strcasecmp(z->zones[i], name) == 0)
			return;
	if (z->nzones == z->zones_alloc) {
		z->zones_alloc = z->zones_alloc * 2 + 4;
		z->zones = gd_xrealloc(z->zones,
		    z->zones_alloc * sizeof(*z->zones));
	}
	z->zones[z->nzones++] = name;
}

static void
zp_add_record(struct zp *zp)
{
	struct gd_dns_zone *z = zp->zone;
	struct gd_dns_zone_record *r;

	if (z->nrecords == z->records_alloc) {
		z->records_alloc = z->records_alloc * 2 + 16;
		z->records = gd_xrealloc(z->records,
		    z->records_alloc * sizeof(*z->records));
	}
	r = &z->records[z->nrecords++];
	r->file = zp->file;
	r->line = zp->entry_line;
	r->text = gd_pool_strndup(z->pool, zp->out.s, zp->out.len);
}

static int
zp_record(struct zp *zp)
{
	struct zp_type generic;
	const struct zp_type *type;
	const struct zp_field *rd;
	size_t i, n;
	uint32_t ttl;

	if (zp_owner(zp, &i) < 0 || zp_ttl_class(zp, &i, &ttl) < 0)
		return -1;
	if (i == zp->nfields)
		return zp_fail(zp, "no record type");
	if ((type = zp_type_find(zp, &zp->fields[i], &generic)) == NULL)
		return -1;
	zp->type_name = type->name != NULL ? type->name :
	    gd_pool_printf(zp->zone->pool, "TYPE%u", type->number);
	rd = &zp->fields[i + 1];
	n = zp->nfields - i - 1;
	zp->out.len = 0;
	zp_out_name(zp, zp->owner, zp->owner_len);
	zp_out_printf(zp, " %lu IN", (unsigned long)ttl);
	if (n > 0 && !rd->quoted && rd->len == 2 && memcmp(rd->s, "\\#",
	    2) == 0) {
		zp_out_printf(zp, " TYPE%u", type->number);
		if (zp_rdata_generic(zp, rd + 1, n - 1) < 0)
			return -1;
	} else if (type->rdata == NULL)
		return zp_fail(zp, "TYPE%u: data must be in the \\# form",
		    type->number);
	else {
		zp_out_printf(zp, " %s", type->name);
		if (type->rdata(zp, rd, n) < 0)
			return -1;
	}
	if (type->number == 6)
		zp_add_zone(zp, zp->owner, zp->owner_len);
	zp_add_record(zp);
	return 0;
}

/* ---- directives ------------------------------------------------------- */

static int
zp_dir_origin(struct zp *zp)
{
	uint8_t wire[ZP_NAME_MAX];
	size_t len;

	if (zp->nfields != 2)
		return zp_fail(zp, "$ORIGIN: expected one name");
	if (zp_name(zp, &zp->fields[1], wire, &len) < 0)
		return -1;
	memcpy(zp->origin, wire, len);
	zp->origin_len = len;
	zp_add_zone(zp, wire, len);
	return 0;
}

static int
zp_dir_ttl(struct zp *zp)
{
	if (zp->nfields != 2)
		return zp_fail(zp, "$TTL: expected one time");
	if (zp_ttl(&zp->fields[1], &zp->ttl) < 0)
		return zp_fail(zp, "$TTL: bad time %s",
		    zp_show(zp, &zp->fields[1]));
	zp->have_ttl = true;
	return 0;
}

static int
zp_dir_include(struct zp *zp)
{
	uint8_t origin[ZP_NAME_MAX];
	size_t olen = zp->origin_len;
	const char *path, *slash, *error;
	char *text;
	size_t len;
	int r;

	if (zp->nfields < 2 || zp->nfields > 3 || zp->fields[1].quoted)
		return zp_fail(zp, "$INCLUDE: expected a file name and an "
		    "optional origin");
	if (zp->depth >= GD_DNS_ZONE_MAX_INCLUDE)
		return zp_fail(zp, "$INCLUDE nested more than %d deep",
		    GD_DNS_ZONE_MAX_INCLUDE);
	memcpy(origin, zp->origin, olen);
	if (zp->nfields == 3) {
		if (zp_name(zp, &zp->fields[2], origin, &olen) < 0)
			return -1;
		zp_add_zone(zp, origin, olen);
	}
	path = gd_pool_strndup(zp->zone->pool, zp->fields[1].s,
	    zp->fields[1].len);
	slash = strrchr(zp->file, '/');
	if (path[0] != '/' && slash != NULL)
		path = gd_pool_printf(zp->zone->pool, "%.*s/%s",
		    (int)(slash - zp->file), zp->file, path);
	if (zp_read_file(zp->zone->pool, path, &text, &len, &error) < 0)
		return zp_fail(zp, "$INCLUDE %s", error);
	r = zp_parse(zp->zone, path, text, len, origin, olen, zp->depth + 1,
	    &zp->error);
	free(text);
	return r;
}

static int
zp_directive(struct zp *zp)
{
	const struct zp_field *f = &zp->fields[0];

	if (f->len == 7 && strncasecmp(f->s, "$ORIGIN", 7) == 0)
		return zp_dir_origin(zp);
	if (f->len == 4 && strncasecmp(f->s, "$TTL", 4) == 0)
		return zp_dir_ttl(zp);
	if (f->len == 8 && strncasecmp(f->s, "$INCLUDE", 8) == 0)
		return zp_dir_include(zp);
	return zp_fail(zp, "unknown directive %s", zp_show(zp, f));
}

static int
zp_run(struct zp *zp)
{
	int r;

	while ((r = zp_read_entry(zp)) > 0) {
		if (zp->nfields == 0)
			continue;	/* only parentheses: nothing */
		if (!zp->blank_owner && !zp->fields[0].quoted &&
		    zp->fields[0].s[0] == '$')
			r = zp_directive(zp);
		else
			r = zp_record(zp);
		if (r < 0)
			return -1;
	}
	return r;
}

/* ---- files ------------------------------------------------------------ */

/* The whole file, malloc'd; errors (in `pool`) name the path. */
static int
zp_read_file(struct gd_pool *pool, const char *path, char **text_r,
    size_t *len_r, const char **error_r)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > GD_DNS_ZONE_MAX_FILE) {
		*error_r = gd_pool_printf(pool, "%s: %s", path, fd < 0 ?
		    strerror(errno) : "not a regular file of at most 16 MB");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*text_r = gd_xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size && (n = read(fd, *text_r + got,
	    (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	*len_r = got;
	return 0;
}

static int
zp_parse_origin(struct zp *zp, const char *origin)
{
	struct zp_field f = { origin, strlen(origin), false };

	if (f.len == 0 || origin[f.len - 1] != '.' ||
	    zp_name(zp, &f, zp->origin, &zp->origin_len) < 0) {
		zp->entry_line = 0;
		return zp_fail(zp, "the origin %s is not an absolute name",
		    zp_show(zp, &f));
	}
	zp_add_zone(zp, zp->origin, zp->origin_len);
	return 0;
}

static int
zp_parse(struct gd_dns_zone *zone, const char *name, const char *text,
    size_t len, const uint8_t *origin, size_t origin_len, int depth,
    const char **error_r)
{
	struct zp *zp = gd_xcalloc(1, sizeof(*zp));
	int r;

	zp->zone = zone;
	zp->file = gd_pool_strdup(zone->pool, name);
	zp->p = text;
	zp->end = text + len;
	zp->line = 1;
	zp->depth = depth;
	memcpy(zp->origin, origin, origin_len);
	zp->origin_len = origin_len;
	r = zp_run(zp);
	if (r < 0)
		*error_r = zp->error;
	free(zp->out.s);
	free(zp);
	return r < 0 ? -1 : 0;
}

int
gd_dns_zone_parse(struct gd_dns_zone *zone, const char *name,
    const char *text, size_t len, const char *origin, const char **error_r)
{
	struct zp start = { .zone = zone, .file = name };

	if (origin != NULL && zp_parse_origin(&start, origin) < 0) {
		*error_r = start.error;
		free(start.out.s);
		return -1;
	}
	free(start.out.s);
	return zp_parse(zone, name, text, len, start.origin,
	    start.origin_len, 0, error_r);
}

int
gd_dns_zone_load(struct gd_dns_zone *zone, const char *path,
    const char *origin, const char **error_r)
{
	char *text;
	size_t len;
	int r;

	if (zp_read_file(zone->pool, path, &text, &len, error_r) < 0)
		return -1;
	r = gd_dns_zone_parse(zone, path, text, len, origin, error_r);
	free(text);
	return r;
}
