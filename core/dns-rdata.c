/*
 * dns-rdata.c — parsing the rdata libunbound hands back, building
 * reverse lookup names, and comparing names.
 *
 * libunbound returns each record's rdata with domain names already
 * uncompressed (its packed RRsets store names in full), so a compression
 * pointer here means corrupted data and is rejected.  Every read is
 * bounds-checked against the record length.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include <gumdrop/common.h>
#include <gumdrop/pool.h>
#include "dns-private.h"

/* Longest presentation name: 255 wire bytes, each at most 4 chars. */
#define DNS_NAME_TEXT_MAX	(255 * 4 + 1)

struct dns_mx_sort {
	struct gd_dns_mx mx;
	size_t index;
};

static int dns_label_format(const uint8_t *label, size_t n, char *buf,
    size_t size, size_t *pos);
static int dns_parse_a(struct gd_pool *pool, char *const *data,
    const int *lens, size_t n, struct gd_dns_result *res);
static int dns_parse_aaaa(struct gd_pool *pool, char *const *data,
    const int *lens, size_t n, struct gd_dns_result *res);
static int dns_parse_mx(struct gd_pool *pool, char *const *data,
    const int *lens, size_t n, struct gd_dns_result *res);
static int dns_parse_ptr(struct gd_pool *pool, char *const *data,
    const int *lens, size_t n, struct gd_dns_result *res);
static int dns_parse_txt_one(struct gd_pool *pool, const uint8_t *p,
    size_t len, struct gd_dns_txt *txt);
static int dns_parse_txt(struct gd_pool *pool, char *const *data,
    const int *lens, size_t n, struct gd_dns_result *res);
static int dns_parse_tlsa(struct gd_pool *pool, char *const *data,
    const int *lens, size_t n, struct gd_dns_result *res);
static char *dns_name_dup(struct gd_pool *pool, const uint8_t *wire,
    size_t len, size_t *used_r);
static int dns_mx_cmp(const void *a, const void *b);
static int dns_reverse_v4(const uint8_t *b, char *buf, size_t size);
static int dns_reverse_v6(const uint8_t *b, char *buf, size_t size);

static int
dns_label_format(const uint8_t *label, size_t n, char *buf, size_t size,
    size_t *pos)
{
	size_t i;
	int w;

	for (i = 0; i < n; i++) {
		uint8_t c = label[i];

		/* UNSAFE: each branch checks room for its output + NUL. */
		if (c == '.' || c == '\\') {
			if (size - *pos < 3)
				return -1;
			buf[(*pos)++] = '\\';
			buf[(*pos)++] = (char)c;
		} else if (c < 0x21 || c > 0x7e) {
			if (size - *pos < 5)
				return -1;
			w = snprintf(buf + *pos, size - *pos, "\\%03u",
			    (unsigned)c);
			*pos += (size_t)w;
		} else {
			if (size - *pos < 2)
				return -1;
			buf[(*pos)++] = (char)c;
		}
	}
	return 0;
}

int
gd_dns_name_format(const uint8_t *wire, size_t len, size_t *used_r,
    char *buf, size_t size)
{
	size_t off = 0, pos = 0;
	uint8_t n;

	if (size < 2)
		return -1;
	for (;;) {
		if (off >= len)
			return -1;
		n = wire[off++];
		if (n == 0)
			break;
		/* Compression pointers and extended label types. */
		if ((n & 0xc0) != 0)
			return -1;
		/* UNSAFE: label must fit in the rdata, name in 255 bytes. */
		if (n > len - off || off + n > 255)
			return -1;
		if (pos > 0) {
			if (size - pos < 2)
				return -1;
			buf[pos++] = '.';
		}
		if (dns_label_format(wire + off, n, buf, size, &pos) < 0)
			return -1;
		off += n;
	}
	if (pos == 0)
		buf[pos++] = '.';
	buf[pos] = '\0';
	*used_r = off;
	return 0;
}

static char *
dns_name_dup(struct gd_pool *pool, const uint8_t *wire, size_t len,
    size_t *used_r)
{
	char buf[DNS_NAME_TEXT_MAX];

	if (gd_dns_name_format(wire, len, used_r, buf, sizeof(buf)) < 0)
		return NULL;
	return gd_pool_strdup(pool, buf);
}

static int
dns_parse_a(struct gd_pool *pool, char *const *data, const int *lens,
    size_t n, struct gd_dns_result *res)
{
	struct in_addr *a;
	size_t i;

	a = gd_pool_alloc(pool, sizeof(*a) * (n + 1));
	for (i = 0; i < n; i++) {
		if (lens[i] != 4)
			return -1;
		memcpy(&a[i], data[i], 4);
	}
	res->a = a;
	return 0;
}

static int
dns_parse_aaaa(struct gd_pool *pool, char *const *data, const int *lens,
    size_t n, struct gd_dns_result *res)
{
	struct in6_addr *a;
	size_t i;

	a = gd_pool_alloc(pool, sizeof(*a) * (n + 1));
	for (i = 0; i < n; i++) {
		if (lens[i] != 16)
			return -1;
		memcpy(&a[i], data[i], 16);
	}
	res->aaaa = a;
	return 0;
}

static int
dns_mx_cmp(const void *a, const void *b)
{
	const struct dns_mx_sort *x = a, *y = b;

	if (x->mx.preference != y->mx.preference)
		return x->mx.preference < y->mx.preference ? -1 : 1;
	/* Equal preferences keep answer order (qsort is not stable). */
	return x->index < y->index ? -1 : x->index > y->index;
}

static int
dns_parse_mx(struct gd_pool *pool, char *const *data, const int *lens,
    size_t n, struct gd_dns_result *res)
{
	struct dns_mx_sort *tmp;
	struct gd_dns_mx *mx;
	const uint8_t *p;
	size_t i, used;

	tmp = gd_pool_alloc(pool, sizeof(*tmp) * (n + 1));
	for (i = 0; i < n; i++) {
		p = (const uint8_t *)data[i];
		/* UNSAFE: 2-byte preference, then a name filling the rest. */
		if (lens[i] < 3)
			return -1;
		tmp[i].mx.preference = (uint16_t)(p[0] << 8 | p[1]);
		tmp[i].mx.exchange = dns_name_dup(pool, p + 2,
		    (size_t)lens[i] - 2, &used);
		if (tmp[i].mx.exchange == NULL ||
		    used != (size_t)lens[i] - 2)
			return -1;
		tmp[i].index = i;
	}
	qsort(tmp, n, sizeof(*tmp), dns_mx_cmp);
	mx = gd_pool_alloc(pool, sizeof(*mx) * (n + 1));
	for (i = 0; i < n; i++)
		mx[i] = tmp[i].mx;
	res->mx = mx;
	return 0;
}

static int
dns_parse_ptr(struct gd_pool *pool, char *const *data, const int *lens,
    size_t n, struct gd_dns_result *res)
{
	const char **ptr;
	size_t i, used;

	ptr = gd_pool_alloc(pool, sizeof(*ptr) * (n + 1));
	for (i = 0; i < n; i++) {
		ptr[i] = dns_name_dup(pool, (const uint8_t *)data[i],
		    (size_t)lens[i], &used);
		if (ptr[i] == NULL || used != (size_t)lens[i])
			return -1;
	}
	res->ptr = ptr;
	return 0;
}

static int
dns_parse_txt_one(struct gd_pool *pool, const uint8_t *p, size_t len,
    struct gd_dns_txt *txt)
{
	const char **strings;
	size_t *lengths;
	size_t off, k, nstr = 0;
	char *text;

	if (len == 0)
		return -1;
	/* UNSAFE: first pass checks every length byte against `len`. */
	for (off = 0; off < len; off += 1 + (size_t)p[off]) {
		if (p[off] > len - off - 1)
			return -1;
		nstr++;
	}
	strings = gd_pool_alloc(pool, sizeof(*strings) * (nstr + 1));
	lengths = gd_pool_alloc(pool, sizeof(*lengths) * (nstr + 1));
	/* The joined text is never longer than the rdata. */
	text = gd_pool_alloc(pool, len + 1);
	txt->text_len = 0;
	for (off = 0, k = 0; k < nstr; k++) {
		lengths[k] = p[off];
		strings[k] = gd_pool_strndup(pool, (const char *)p + off + 1,
		    lengths[k]);
		/* UNSAFE: sum of string lengths < len, checked above. */
		memcpy(text + txt->text_len, p + off + 1, lengths[k]);
		txt->text_len += lengths[k];
		off += 1 + lengths[k];
	}
	text[txt->text_len] = '\0';
	txt->text = text;
	txt->nstrings = nstr;
	txt->strings = strings;
	txt->lengths = lengths;
	return 0;
}

static int
dns_parse_txt(struct gd_pool *pool, char *const *data, const int *lens,
    size_t n, struct gd_dns_result *res)
{
	struct gd_dns_txt *txt;
	size_t i;

	txt = gd_pool_alloc(pool, sizeof(*txt) * (n + 1));
	for (i = 0; i < n; i++) {
		if (dns_parse_txt_one(pool, (const uint8_t *)data[i],
		    (size_t)lens[i], &txt[i]) < 0)
			return -1;
	}
	res->txt = txt;
	return 0;
}

static int
dns_parse_tlsa(struct gd_pool *pool, char *const *data, const int *lens,
    size_t n, struct gd_dns_result *res)
{
	struct gd_dns_tlsa *tlsa;
	const uint8_t *p;
	size_t i;

	tlsa = gd_pool_alloc(pool, sizeof(*tlsa) * (n + 1));
	for (i = 0; i < n; i++) {
		p = (const uint8_t *)data[i];
		/* UNSAFE: 3 fixed bytes, then at least one data byte. */
		if (lens[i] < 4)
			return -1;
		tlsa[i].usage = p[0];
		tlsa[i].selector = p[1];
		tlsa[i].mtype = p[2];
		tlsa[i].len = (size_t)lens[i] - 3;
		tlsa[i].data = p + 3;
	}
	res->tlsa = tlsa;
	return 0;
}

int
gd_dns_parse_records(struct gd_pool *pool, int rrtype, char *const *data,
    const int *lens, struct gd_dns_result *res, const char **error_r)
{
	struct gd_dns_rdata *raw;
	size_t i, n = 0;
	int ret = 0;

	while (data != NULL && data[n] != NULL)
		n++;
	raw = gd_pool_alloc(pool, sizeof(*raw) * (n + 1));
	for (i = 0; i < n; i++) {
		if (lens[i] < 0) {
			*error_r = "negative rdata length";
			return -1;
		}
		/* Copy, so raw and TLSA data outlive the ub_result. */
		raw[i].data = gd_pool_alloc(pool, (size_t)lens[i] + 1);
		memcpy((uint8_t *)raw[i].data, data[i], (size_t)lens[i]);
		raw[i].len = (size_t)lens[i];
	}
	res->raw = raw;
	res->nraw = n;
	/* Parse the pool copies, not libunbound's buffers. */
	data = gd_pool_alloc(pool, sizeof(*data) * (n + 1));
	for (i = 0; i < n; i++)
		((char **)data)[i] = (char *)raw[i].data;

	switch (rrtype) {
	case GD_DNS_A:
		ret = dns_parse_a(pool, data, lens, n, res);
		break;
	case GD_DNS_AAAA:
		ret = dns_parse_aaaa(pool, data, lens, n, res);
		break;
	case GD_DNS_MX:
		ret = dns_parse_mx(pool, data, lens, n, res);
		break;
	case GD_DNS_PTR:
		ret = dns_parse_ptr(pool, data, lens, n, res);
		break;
	case GD_DNS_TXT:
		ret = dns_parse_txt(pool, data, lens, n, res);
		break;
	case GD_DNS_TLSA:
		ret = dns_parse_tlsa(pool, data, lens, n, res);
		break;
	default:
		return 0;
	}
	if (ret < 0) {
		*error_r = "malformed record data";
		res->a = NULL;
		res->aaaa = NULL;
		res->mx = NULL;
		res->txt = NULL;
		res->ptr = NULL;
		res->tlsa = NULL;
		return -1;
	}
	res->count = n;
	return 0;
}

static int
dns_reverse_v4(const uint8_t *b, char *buf, size_t size)
{
	int w;

	w = snprintf(buf, size, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2],
	    b[1], b[0]);
	return w < 0 || (size_t)w >= size ? -1 : 0;
}

static int
dns_reverse_v6(const uint8_t *b, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;
	int i;

	/* UNSAFE: 32 nibbles * 2 chars + "ip6.arpa" + NUL = 73 bytes. */
	if (size < 32 * 2 + sizeof("ip6.arpa"))
		return -1;
	for (i = 15; i >= 0; i--) {
		buf[pos++] = hex[b[i] & 0x0f];
		buf[pos++] = '.';
		buf[pos++] = hex[b[i] >> 4];
		buf[pos++] = '.';
	}
	memcpy(buf + pos, "ip6.arpa", sizeof("ip6.arpa"));
	return 0;
}

int
gd_dns_reverse_name(const struct sockaddr *addr, char *buf, size_t size)
{
	const struct in6_addr *a6;

	if (addr->sa_family == AF_INET)
		return dns_reverse_v4((const uint8_t *)&((const struct
		    sockaddr_in *)(const void *)addr)->sin_addr, buf, size);
	if (addr->sa_family != AF_INET6)
		return -1;
	a6 = &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6))
		return dns_reverse_v4(a6->s6_addr + 12, buf, size);
	return dns_reverse_v6(a6->s6_addr, buf, size);
}

/* The name's length without a final dot (the root stays "."). */
static size_t
dns_name_len(const char *name)
{
	size_t len = strlen(name);

	return len > 1 && name[len - 1] == '.' ? len - 1 : len;
}

bool
gd_dns_name_eq(const char *a, const char *b)
{
	size_t la = dns_name_len(a);

	return la == dns_name_len(b) && strncasecmp(a, b, la) == 0;
}
