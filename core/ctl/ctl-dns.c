/*
 * ctl-dns.c — gumdropctl dns query NAME [TYPE]: one lookup through the
 * daemon's resolver set-up (the offline-tool frame of ctl-tool.c), the
 * answer printed for people and scripts:
 *
 *	ok                                  status keyword, alone
 *	example.com. 300 IN TXT "v=spf1 -all"
 *	; canonical name: ...               (when CNAMEs were followed)
 *
 * The status is one of gd_dns_status_str()'s keywords.  Records are in
 * presentation form (A AAAA MX TXT PTR TLSA NS CNAME SOA SRV); other
 * types in the RFC 3597 form (TYPE \# LEN HEX).  Exit: 0 for an
 * answer (ok, nxdomain, nodata), 75 for servfail or timeout, 65 for an
 * error.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include <gumdrop/dns.h>
#include <gumdrop/loop.h>

#include "ctl.h"
#include "dns-private.h"

struct ctl_dns_type {
	const char *name;
	int number;
};

struct ctl_dns_query {
	const char *name;
	int rrtype;
	struct ctl_tool *tool;
};

static int ctl_dns_query(struct ctl *ctl, int argc, char **argv);

const struct ctl_command ctl_dns_commands[] = {
	{ "dns query", "NAME [TYPE] [--module M] " CTL_TOOL_USAGE,
	    "look NAME up (type A by default) as gumdropd would, or in "
	    "zone files only (--zone), or at one server (--dns-server); "
	    "--module also loads M as the auth tools load theirs",
	    1, -1, ctl_dns_query },
	{ NULL, NULL, NULL, 0, 0, NULL },
};

static const struct ctl_dns_type ctl_dns_types[] = {
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 },
	{ "PTR", 12 }, { "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 },
	{ "SRV", 33 }, { "TLSA", 52 }, { "SPF", 99 },
};

/* "MX", "mx", "TYPE15" or "15"; -1 if none of those. */
static int
ctl_dns_type_parse(const char *text)
{
	const char *num = text;
	unsigned long v;
	char *end;
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(ctl_dns_types); i++)
		if (strcasecmp(text, ctl_dns_types[i].name) == 0)
			return ctl_dns_types[i].number;
	if (strncasecmp(text, "TYPE", 4) == 0)
		num = text + 4;
	if (*num < '0' || *num > '9')
		return -1;
	v = strtoul(num, &end, 10);
	return *end != '\0' || v < 1 || v > 65535 ? -1 : (int)v;
}

static void
ctl_dns_type_print(int rrtype)
{
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(ctl_dns_types); i++)
		if (ctl_dns_types[i].number == rrtype) {
			printf("%s", ctl_dns_types[i].name);
			return;
		}
	printf("TYPE%d", rrtype);
}

/* One character-string, quoted, with the zone-file escapes. */
static void
ctl_dns_string_print(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\%03u", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
ctl_dns_hex_print(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02X", p[i]);
}

/*
 * An uncompressed wire name at p[*off] in presentation form (trailing
 * dot, "\\." "\\\\" and "\\DDD" escapes) into buf; advances *off.
 */
static int
ctl_dns_name(const uint8_t *p, size_t len, size_t *off, char *buf,
    size_t size)
{
	size_t pos = 0, i, n;

	while (*off < len && (n = p[*off]) != 0) {
		/* UNSAFE: a label must fit in the rdata; 4 chars a byte. */
		if (n > 63 || n >= len - *off || size - pos < n * 4 + 2)
			return -1;
		for (i = 1; i <= n; i++) {
			uint8_t c = p[*off + i];

			if (c == '.' || c == '\\')
				pos += (size_t)snprintf(buf + pos, size - pos,
				    "\\%c", c);
			else if (c < 0x21 || c > 0x7e)
				pos += (size_t)snprintf(buf + pos, size - pos,
				    "\\%03u", c);
			else
				buf[pos++] = (char)c;
		}
		buf[pos++] = '.';
		*off += n + 1;
	}
	if (*off >= len)
		return -1;
	(*off)++;
	if (pos == 0)
		buf[pos++] = '.';
	buf[pos] = '\0';
	return 0;
}

static uint32_t
ctl_dns_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* NS, CNAME, SOA, SRV from their rdata; -1: print it generically. */
static int
ctl_dns_names_print(int rrtype, const uint8_t *p, size_t len)
{
	char a[1024], b[1024];
	size_t off = 0, i;

	if (rrtype == 2 || rrtype == 5) {
		if (ctl_dns_name(p, len, &off, a, sizeof(a)) < 0 || off != len)
			return -1;
		printf("%s", a);
	} else if (rrtype == 6) {
		if (ctl_dns_name(p, len, &off, a, sizeof(a)) < 0 ||
		    ctl_dns_name(p, len, &off, b, sizeof(b)) < 0 ||
		    len - off != 20)
			return -1;
		printf("%s %s", a, b);
		for (i = 0; i < 5; i++)
			printf(" %lu", (unsigned long)ctl_dns_u32(p + off +
			    4 * i));
	} else if (rrtype == 33 && len > 6) {
		off = 6;
		if (ctl_dns_name(p, len, &off, a, sizeof(a)) < 0 || off != len)
			return -1;
		printf("%u %u %u %s", p[0] << 8 | p[1], p[2] << 8 | p[3],
		    p[4] << 8 | p[5], a);
	} else
		return -1;
	return 0;
}

static void
ctl_dns_rdata_print(const struct gd_dns_result *res, size_t i)
{
	char buf[INET6_ADDRSTRLEN];
	size_t k;

	if (res->a != NULL)
		printf("%s", inet_ntop(AF_INET, &res->a[i], buf, sizeof(buf)));
	else if (res->aaaa != NULL)
		printf("%s", inet_ntop(AF_INET6, &res->aaaa[i], buf,
		    sizeof(buf)));
	else if (res->mx != NULL)
		printf("%u %s.", res->mx[i].preference, res->mx[i].exchange);
	else if (res->ptr != NULL)
		printf("%s.", res->ptr[i]);
	else if (res->txt != NULL)
		for (k = 0; k < res->txt[i].nstrings; k++) {
			printf(k > 0 ? " " : "");
			ctl_dns_string_print(res->txt[i].strings[k],
			    res->txt[i].lengths[k]);
		}
	else if (res->tlsa != NULL) {
		printf("%u %u %u ", res->tlsa[i].usage, res->tlsa[i].selector,
		    res->tlsa[i].mtype);
		ctl_dns_hex_print(res->tlsa[i].data, res->tlsa[i].len);
	} else if (ctl_dns_names_print(res->rrtype, res->raw[i].data,
	    res->raw[i].len) < 0) {
		printf("\\# %zu ", res->raw[i].len);
		ctl_dns_hex_print(res->raw[i].data, res->raw[i].len);
	}
}

static int
ctl_dns_exit_code(enum gd_dns_status status)
{
	switch (status) {
	case GD_DNS_OK:
	case GD_DNS_NXDOMAIN:
	case GD_DNS_NODATA:
		return EX_OK;
	case GD_DNS_SERVFAIL:
	case GD_DNS_TIMEOUT:
		return EX_TEMPFAIL;
	default:
		return EX_DATAERR;
	}
}

static void
ctl_dns_answer(const struct gd_dns_result *res, void *arg)
{
	struct ctl_tool *tool = arg;
	size_t i, n = res->count > 0 ? res->count : res->nraw;
	size_t len = strlen(res->name);
	const char *dot = len > 0 && res->name[len - 1] == '.' ? "" : ".";

	if (ctl_tool_expired(tool))
		return;
	printf("%s\n", gd_dns_status_str(res->status));
	for (i = 0; res->status == GD_DNS_OK && i < n; i++) {
		printf("%s%s %lu IN ", res->name, dot,
		    (unsigned long)res->ttl);
		ctl_dns_type_print(res->rrtype);
		putchar(' ');
		ctl_dns_rdata_print(res, i);
		putchar('\n');
	}
	if (res->canonname != NULL && !gd_dns_name_eq(res->canonname,
	    res->name))
		printf("; canonical name: %s\n", res->canonname);
	if (res->error != NULL)
		printf("; %s\n", res->error);
	fflush(stdout);
	ctl_tool_done(tool, ctl_dns_exit_code(res->status));
}

static void
ctl_dns_start(struct ctl_tool *tool, void *arg)
{
	struct ctl_dns_query *dq = arg;

	/* The handle is not kept: the frame drops pending queries. */
	(void)gd_dns_resolve(ctl_tool_loop(tool), dq->name, dq->rrtype, 0,
	    ctl_dns_answer, tool);
}

static int
ctl_dns_query(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_TOOL_LONG_OPTIONS,
		{ "module", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = NULL;
	struct ctl_tool_options o = { .nzones = 0 };
	struct ctl_dns_query dq = { NULL, GD_DNS_A, NULL };
	struct ctl_tool *tool;
	int c, r, ret;

	/* 0, not 1: glibc then re-initialises (and permutes). */
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if ((r = ctl_tool_option(ctl, &o, c, optarg)) == 0)
			continue;
		if (r < 0 || c != 'M')
			return EX_USAGE;
		module = optarg;
	}
	if (argc - optind < 1 || argc - optind > 2) {
		ctl_error(ctl, "usage: gumdropctl dns query NAME [TYPE] %s",
		    CTL_TOOL_USAGE);
		return EX_USAGE;
	}
	dq.name = argv[optind];
	if (argv[optind + 1] != NULL &&
	    (dq.rrtype = ctl_dns_type_parse(argv[optind + 1])) < 0) {
		ctl_error(ctl, "unknown record type '%s'", argv[optind + 1]);
		return EX_USAGE;
	}
	if ((ret = ctl_tool_open(ctl, &o, module, &tool)) != 0)
		return ret;
	dq.tool = tool;
	ret = ctl_tool_run(tool, ctl_dns_start, &dq);
	ctl_tool_close(&tool);
	return ret;
}
