/*
 * test-dns-zone.c — the RFC 1035 master-file parser (core/dns-zone.c):
 * every construct it accepts, written back as libunbound local data,
 * and every error, named FILE:LINE.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "dns-zone-private.h"

/* Parse `text` under `origin` (may be NULL); 0 or -1 with *error_r. */
static struct gd_dns_zone *
parse(const char *text, const char *origin, int *ret_r,
    const char **error_r)
{
	struct gd_dns_zone *zone = gd_dns_zone_create();

	*error_r = NULL;
	*ret_r = gd_dns_zone_parse(zone, "t.zone", text, strlen(text),
	    origin, error_r);
	return zone;
}

/* Expect success and exactly the records `want` (NULL-terminated). */
static void
expect_records(const char *text, const char *origin,
    const char *const *want)
{
	struct gd_dns_zone *zone;
	const char *error;
	size_t i;
	int ret;

	zone = parse(text, origin, &ret, &error);
	cr_assert_eq(ret, 0, "parse failed: %s", error);
	for (i = 0; want[i] != NULL; i++) {
		cr_assert_lt(i, zone->nrecords, "missing record '%s'",
		    want[i]);
		cr_expect_str_eq(zone->records[i].text, want[i]);
	}
	cr_expect_eq(zone->nrecords, i, "%zu records, expected %zu",
	    zone->nrecords, i);
	gd_dns_zone_destroy(&zone);
	cr_assert_null(zone);
}

/* Expect one record, `want`. */
static void
expect_one(const char *text, const char *want)
{
	const char *const v[] = { want, NULL };

	expect_records(text, "example.com.", v);
}

/* Expect failure with exactly the message `want`. */
static void
expect_error(const char *text, const char *origin, const char *want)
{
	struct gd_dns_zone *zone;
	const char *error;
	int ret;

	zone = parse(text, origin, &ret, &error);
	cr_assert_eq(ret, -1, "parse of '%s' did not fail", text);
	cr_assert_not_null(error);
	cr_expect_str_eq(error, want);
	gd_dns_zone_destroy(&zone);
}

Test(dns_zone, origin_at_relative_absolute)
{
	const char *const want[] = {
		"example.com. 60 IN A 192.0.2.1",
		"www.example.com. 60 IN A 192.0.2.2",
		"other.org. 60 IN A 192.0.2.3",
		"a.b.sub.example.com. 60 IN A 192.0.2.4",
		NULL,
	};

	expect_records("$ORIGIN example.com.\n$TTL 60\n"
	    "@ A 192.0.2.1\nwww A 192.0.2.2\nother.org. A 192.0.2.3\n"
	    "$ORIGIN sub\na.b A 192.0.2.4\n", NULL, want);
}

Test(dns_zone, zones_from_origins_and_soa)
{
	struct gd_dns_zone *zone;
	const char *error;
	int ret;

	zone = parse("$ORIGIN a.example.\nx A 192.0.2.1\n"
	    "$ORIGIN A.EXAMPLE.\n"
	    "b.example. SOA ns hostmaster 1 2 3 4 5\n"
	    "$ORIGIN .\n", "c.example.", &ret, &error);
	cr_assert_eq(ret, 0, "%s", error);
	cr_assert_eq(zone->nzones, 3);
	cr_expect_str_eq(zone->zones[0], "c.example.");
	cr_expect_str_eq(zone->zones[1], "a.example.");
	cr_expect_str_eq(zone->zones[2], "b.example.");
	gd_dns_zone_destroy(&zone);
}

Test(dns_zone, blank_owner_is_previous)
{
	const char *const want[] = {
		"mail.example.com. 300 IN A 192.0.2.1",
		"mail.example.com. 300 IN AAAA 2001:db8::1",
		"mail.example.com. 300 IN TXT \"x\"",
		NULL,
	};

	expect_records("mail 300 IN A 192.0.2.1\n"
	    "  AAAA 2001:DB8:0::1\n\t; a comment line\n\tTXT x\n",
	    "example.com.", want);
}

Test(dns_zone, ttl_and_class_any_order)
{
	const char *const want[] = {
		"a.example.com. 10 IN A 192.0.2.1",
		"b.example.com. 20 IN A 192.0.2.1",
		"c.example.com. 20 IN A 192.0.2.1",
		"d.example.com. 5400 IN A 192.0.2.1",
		"e.example.com. 1209600 IN A 192.0.2.1",
		"f.example.com. 7 IN A 192.0.2.1",
		NULL,
	};

	expect_records("a 10 IN A 192.0.2.1\nb in 20 A 192.0.2.1\n"
	    "c CLASS1 A 192.0.2.1\nd 1h30M A 192.0.2.1\n"
	    "e 2w A 192.0.2.1\n$TTL 7\nf A 192.0.2.1\n", "example.com.",
	    want);
}

Test(dns_zone, default_ttl_is_3600_then_last)
{
	const char *const want[] = {
		"a.example.com. 3600 IN A 192.0.2.1",
		"b.example.com. 99 IN A 192.0.2.1",
		"c.example.com. 99 IN A 192.0.2.1",
		NULL,
	};

	expect_records("a A 192.0.2.1\nb 99 A 192.0.2.1\nc A 192.0.2.1\n",
	    "example.com.", want);
}

Test(dns_zone, parentheses_over_lines)
{
	expect_one("@ IN SOA ns.example.com. hostmaster (\n"
	    "   2026120101 ; serial\n   1h 15m\n   1w\n   300 )\n",
	    "example.com. 3600 IN SOA ns.example.com. "
	    "hostmaster.example.com. 2026120101 3600 900 604800 300");
}

Test(dns_zone, txt_strings_and_escapes)
{
	expect_one("t TXT \"v=spf1 -all\" \"two; (x)\" bare \"q\\\"\\\\\" "
	    "\"\\065\\255\\009\"\n",
	    "t.example.com. 3600 IN TXT \"v=spf1 -all\" \"two; (x)\" "
	    "\"bare\" \"q\\\"\\\\\" \"A\\255\\009\"");
	expect_one("t SPF \"\"\n", "t.example.com. 3600 IN SPF \"\"");
}

Test(dns_zone, txt_255_bytes)
{
	char text[400];

	snprintf(text, sizeof(text), "t TXT \"%0255d\"\n", 0);
	{
		char want[400];

		snprintf(want, sizeof(want), "t.example.com. 3600 IN TXT "
		    "\"%0255d\"", 0);
		expect_one(text, want);
	}
	snprintf(text, sizeof(text), "t TXT \"%0256d\"\n", 0);
	expect_error(text, "example.com.", "t.zone:1: TXT: "
	    "character-string 1 is 256 bytes long (at most 255)");
}

Test(dns_zone, each_type)
{
	expect_one("m MX 10 mx1\n", "m.example.com. 3600 IN MX 10 "
	    "mx1.example.com.");
	expect_one("p PTR host.example.org.\n",
	    "p.example.com. 3600 IN PTR host.example.org.");
	expect_one("c CNAME @\n", "c.example.com. 3600 IN CNAME "
	    "example.com.");
	expect_one("@ NS ns1\n", "example.com. 3600 IN NS "
	    "ns1.example.com.");
	expect_one("_sip._tcp SRV 10 60 5060 sip\n",
	    "_sip._tcp.example.com. 3600 IN SRV 10 60 5060 "
	    "sip.example.com.");
	expect_one("_25._tcp TLSA 3 1 1 ( 0123456789ABCDEF\n 00ff )\n",
	    "_25._tcp.example.com. 3600 IN TLSA 3 1 1 "
	    "0123456789ABCDEF00ff");
	expect_one("v6 aaaa ::ffff:192.0.2.1\n",
	    "v6.example.com. 3600 IN AAAA ::ffff:192.0.2.1");
}

Test(dns_zone, rfc3597_generic)
{
	expect_one("g TYPE731 \\# 6 abcd (\n ef012345 )\n",
	    "g.example.com. 3600 IN TYPE731 \\# 6 abcdef012345");
	expect_one("g TYPE65535 \\# 0\n",
	    "g.example.com. 3600 IN TYPE65535 \\# 0");
	/* A known type in the generic form, and by number. */
	expect_one("g A \\# 4 C0000201\n",
	    "g.example.com. 3600 IN TYPE1 \\# 4 C0000201");
	expect_one("g TYPE1 192.0.2.1\n",
	    "g.example.com. 3600 IN A 192.0.2.1");
}

Test(dns_zone, name_escapes)
{
	expect_one("a\\.b\\032c A 192.0.2.1\n",
	    "a\\.b\\032c.example.com. 3600 IN A 192.0.2.1");
	expect_one("\\065bc. A 192.0.2.1\n", "Abc. 3600 IN A 192.0.2.1");
	expect_one(". A 192.0.2.1\n", ". 3600 IN A 192.0.2.1");
	/* Bytes that mean something in a master file stay escaped, so
	 * the record text reads back as the same name (found by
	 * fuzz-dns-zone). */
	expect_one("x\\\"y\\(\\)\\;\\@\\$ A 192.0.2.1\n",
	    "x\\\"y\\(\\)\\;\\@\\$.example.com. 3600 IN A 192.0.2.1");
	expect_one("\\@ A 192.0.2.1\n", "\\@.example.com. 3600 IN A 192.0.2.1");
}

/* An entry of parentheses alone is empty, not a record (it crashed). */
Test(dns_zone, parentheses_alone)
{
	expect_one("( )\n( \n )\nwww A 192.0.2.1\n",
	    "www.example.com. 3600 IN A 192.0.2.1");
}

Test(dns_zone, crlf_and_no_final_newline)
{
	const char *const want[] = {
		"a.example.com. 3600 IN A 192.0.2.1",
		"b.example.com. 3600 IN TXT \"x y\"",
		NULL,
	};

	expect_records("a A 192.0.2.1\r\nb TXT \"x y\"", "example.com.",
	    want);
}

Test(dns_zone, errors)
{
	const char *o = "example.com.";

	expect_error("\n\nwww A 1.2.3\n", o,
	    "t.zone:3: A: bad IPv4 address '1.2.3'");
	expect_error("www A 192.0.2.1\n", NULL,
	    "t.zone:1: relative name 'www' with no $ORIGIN");
	expect_error("@ A 192.0.2.1\n", NULL, "t.zone:1: '@' with no $ORIGIN");
	expect_error(" A 192.0.2.1\n", o, "t.zone:1: no owner name, and no "
	    "previous record to take it from");
	expect_error("a CH A 192.0.2.1\n", o,
	    "t.zone:1: class 'CH' not supported (only IN)");
	expect_error("a 1x A 192.0.2.1\n", o, "t.zone:1: bad TTL '1x'");
	expect_error("a 300\n", o, "t.zone:1: no record type");
	expect_error("a CAA 0 issue \"ca\"\n", o,
	    "t.zone:1: unknown or unsupported record type 'CAA'");
	expect_error("a TYPE0 \\# 0\n", o,
	    "t.zone:1: unknown or unsupported record type 'TYPE0'");
	expect_error("a MX 70000 b\n", o, "t.zone:1: MX preference: "
	    "expected a number from 0 to 65535, got '70000'");
	expect_error("a MX 10\n", o,
	    "t.zone:1: MX: expected 2 fields of data, got 1");
	expect_error("a CNAME b c\n", o,
	    "t.zone:1: CNAME: expected 1 field of data, got 2");
	expect_error("a TXT\n", o, "t.zone:1: TXT: no character-string");
	expect_error("a TXT \"open\n", o,
	    "t.zone:1: quoted string not closed on its line");
	expect_error("a SOA ( ns h 1 2 3\n 4 5\n", o,
	    "t.zone:1: '(' opened on line 1 is never closed");
	expect_error("a A 192.0.2.1 )\n", o, "t.zone:1: ')' without '('");
	expect_error("a TXT \"\\300\"\n", o, "t.zone:1: TXT: bad \\DDD escape");
	expect_error("a\\25 A 192.0.2.1\n", o,
	    "t.zone:1: bad \\DDD escape in 'a\\25'");
	expect_error("a..b A 192.0.2.1\n", o,
	    "t.zone:1: empty label in 'a..b'");
	expect_error("$FOO x\n", o, "t.zone:1: unknown directive '$FOO'");
	expect_error("$ORIGIN\n", o, "t.zone:1: $ORIGIN: expected one name");
	expect_error("$TTL 1y\n", o, "t.zone:1: $TTL: bad time '1y'");
	expect_error("$TTL 2147483648\n", o,
	    "t.zone:1: $TTL: bad time '2147483648'");
	expect_error("g TYPE9 \\# 3 abcd\n", o,
	    "t.zone:1: \\#: length 3, but 2 bytes of data");
	expect_error("g TYPE9 \\# 1 abc\n", o,
	    "t.zone:1: odd number of hex digits");
	expect_error("g TLSA 3 1 1 xyz\n", o,
	    "t.zone:1: bad hex digit in 'xyz'");
	expect_error("g TYPE9 1 2\n", o,
	    "t.zone:1: TYPE9: data must be in the \\# form");
	expect_error("g SRV 1 2 3\n", o,
	    "t.zone:1: SRV: expected 4 fields of data, got 3");
	expect_error("g TLSA 3 1 1\n", o, "t.zone:1: TLSA: expected usage, "
	    "selector, matching type and data");
	expect_error("\"q\" A 192.0.2.1\n", o,
	    "t.zone:1: expected a name, got a quoted string");
	expect_error("a A 192.0.2.1 \\\n", o,
	    "t.zone:1: '\\' at the end of a line");
	expect_error("a A 192.0.2.1\n", "example.com",
	    "t.zone:0: the origin 'example.com' is not an absolute name");
}

Test(dns_zone, name_lengths)
{
	char text[700], label[70];

	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(text, sizeof(text), "%s A 192.0.2.1\n", label);
	{
		char want[200];

		snprintf(want, sizeof(want), "%s.example.com. 3600 IN A "
		    "192.0.2.1", label);
		expect_one(text, want);
	}
	snprintf(text, sizeof(text), "%sa A 192.0.2.1\n", label);
	cr_expect(strstr(text, "aaaa") != NULL);
	{
		struct gd_dns_zone *zone;
		const char *error;
		int ret;

		zone = parse(text, "example.com.", &ret, &error);
		cr_expect_eq(ret, -1);
		cr_expect(strstr(error, "name or label too long") != NULL,
		    "%s", error);
		gd_dns_zone_destroy(&zone);
		/* Four 63-byte labels: 256 bytes with the root. */
		snprintf(text, sizeof(text), "%s.%s.%s.%s. A 192.0.2.1\n",
		    label, label, label, label);
		zone = parse(text, NULL, &ret, &error);
		cr_expect_eq(ret, -1);
		gd_dns_zone_destroy(&zone);
	}
}

Test(dns_zone, nul_bytes_are_data)
{
	struct gd_dns_zone *zone = gd_dns_zone_create();
	const char text[] = "a TXT x\0y\n";
	const char *error = NULL;

	cr_assert_eq(gd_dns_zone_parse(zone, "t.zone", text,
	    sizeof(text) - 1, "example.com.", &error), 0, "%s", error);
	cr_assert_eq(zone->nrecords, 1);
	cr_expect_str_eq(zone->records[0].text,
	    "a.example.com. 3600 IN TXT \"x\\000y\"");
	gd_dns_zone_destroy(&zone);
}

/* Write `text` to DIR/name. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

Test(dns_zone, include_relative_with_origin_restored)
{
	char dir[] = "/tmp/test-dns-zone-XXXXXX", path[512];
	struct gd_dns_zone *zone = gd_dns_zone_create();
	const char *error = NULL;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(mkdir(strcat(strcpy(path, dir), "/sub"), 0700), 0);
	write_file(dir, "main.zone", "$ORIGIN example.com.\n"
	    "$INCLUDE sub/inc.zone other.example.\n"
	    "$INCLUDE sub/plain.zone\nb A 192.0.2.2\n");
	write_file(dir, "sub/inc.zone", "x A 192.0.2.1\n$ORIGIN deeper.\n");
	write_file(dir, "sub/plain.zone", "y 5 TXT z\n");
	snprintf(path, sizeof(path), "%s/main.zone", dir);
	cr_assert_eq(gd_dns_zone_load(zone, path, NULL, &error), 0, "%s",
	    error);
	cr_assert_eq(zone->nrecords, 3);
	cr_expect_str_eq(zone->records[0].text,
	    "x.other.example. 3600 IN A 192.0.2.1");
	cr_expect(strstr(zone->records[0].file, "sub/inc.zone") != NULL);
	cr_expect_eq(zone->records[0].line, 1);
	cr_expect_str_eq(zone->records[1].text,
	    "y.example.com. 5 IN TXT \"z\"");
	cr_expect_str_eq(zone->records[2].text,
	    "b.example.com. 3600 IN A 192.0.2.2");
	cr_expect_eq(zone->records[2].line, 4);
	gd_dns_zone_destroy(&zone);
	write_file(dir, "loop.zone", "$INCLUDE loop.zone\n");
	snprintf(path, sizeof(path), "%s/loop.zone", dir);
	zone = gd_dns_zone_create();
	cr_assert_eq(gd_dns_zone_load(zone, path, NULL, &error), -1);
	cr_expect(strstr(error, "loop.zone:1: $INCLUDE nested more than 8 "
	    "deep") != NULL, "%s", error);
	gd_dns_zone_destroy(&zone);
	zone = gd_dns_zone_create();
	write_file(dir, "missing.zone", "\n$INCLUDE nothere.zone\n");
	snprintf(path, sizeof(path), "%s/missing.zone", dir);
	cr_assert_eq(gd_dns_zone_load(zone, path, NULL, &error), -1);
	cr_expect(strstr(error, "missing.zone:2: $INCLUDE ") != NULL &&
	    strstr(error, "nothere.zone: No such file") != NULL, "%s",
	    error);
	gd_dns_zone_destroy(&zone);
	cr_expect_eq(gd_dns_zone_load(zone = gd_dns_zone_create(), dir,
	    NULL, &error), -1);
	gd_dns_zone_destroy(&zone);
	(void)system(strcat(strcpy(path, "rm -rf "), dir));
}

Test(dns_zone, more_errors)
{
	const char *o = "example.com.";
	char *text, label[70];
	size_t i;

	expect_error("$INCLUDE\n", o, "t.zone:1: $INCLUDE: expected a file "
	    "name and an optional origin");
	expect_error("$INCLUDE \"f\"\n", o, "t.zone:1: $INCLUDE: expected a "
	    "file name and an optional origin");
	expect_error("$TTL\n", o, "t.zone:1: $TTL: expected one time");
	expect_error("g TLSA 3 1 1 \"00\"\n", o,
	    "t.zone:1: expected hex, got a quoted string");
	expect_error("g SOA ns h 1 2 3 4 x\n", o,
	    "t.zone:1: SOA minimum: expected a time, got 'x'");
	expect_error("g TYPE9 \\# x\n", o,
	    "t.zone:1: \\#: expected a length from 0 to 65535");
	expect_error("g A 192.0.2.1 extra\n", o,
	    "t.zone:1: A: expected 1 field of data, got 2");
	expect_error("g AAAA 192.0.2.1\n", o,
	    "t.zone:1: AAAA: bad IPv6 address '192.0.2.1'");
	/* A relative name that only overflows with the origin. */
	memset(label, 'a', 63);
	label[63] = '\0';
	text = malloc(600);
	cr_assert_not_null(text);
	snprintf(text, 600, "%s.%s.%s.%s A 192.0.2.1\n", label, label, label,
	    "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstu");
	{
		struct gd_dns_zone *zone;
		const char *error;
		int ret;

		zone = parse(text, o, &ret, &error);
		cr_expect_eq(ret, -1);
		cr_expect(error != NULL && strstr(error,
		    "is too long with the origin") != NULL, "%s", error);
		gd_dns_zone_destroy(&zone);
	}
	free(text);
	/* Too many fields in one entry. */
	text = malloc(GD_DNS_ZONE_MAX_FIELDS * 3 + 32);
	cr_assert_not_null(text);
	strcpy(text, "t TXT");
	for (i = 0; i < GD_DNS_ZONE_MAX_FIELDS; i++)
		strcat(text, " x");
	strcat(text, "\n");
	expect_error(text, o, "t.zone:1: more than 1024 fields in one entry");
	free(text);
}

Test(dns_zone, error_line_inside_parentheses_is_the_entry_line)
{
	expect_error("a A 192.0.2.1\n\nb MX (\n 10\n \"x\" )\n", "example.com.",
	    "t.zone:3: expected a name, got a quoted string");
}
