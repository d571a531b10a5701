/*
 * test-msg-date.c — RFC 5322 dates (Appendix A and the obsolete syntax of
 * 4.3), range checks, formatting, and the mbox asctime layout.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include <gumdrop/msg-date.h>

#include "message/header-private.h"

#define T_2000	INT64_C(946684800)	/* 2000-01-01T00:00:00Z */

static int64_t
parse_ok(const char *s, int want_tz)
{
	int64_t t = 0;
	int tz = 12345;

	cr_assert_eq(gd_msg_date_parse(s, strlen(s), &t, &tz), 0,
	    "refused: \"%s\"", s);
	cr_assert_eq(tz, want_tz, "\"%s\": zone %d, want %d", s, tz, want_tz);
	return t;
}

static void
parse_bad(const char *s)
{
	int64_t t = 0;
	int tz = 0;

	cr_assert_eq(gd_msg_date_parse(s, strlen(s), &t, &tz), -1,
	    "accepted: \"%s\"", s);
}

static void
check(const char *s, int64_t want_t, int want_tz)
{
	int64_t t = parse_ok(s, want_tz);

	cr_assert_eq(t, want_t, "\"%s\": %lld, want %lld", s, (long long)t,
	    (long long)want_t);
}

static int64_t
asctime_ok(const char *s)
{
	int64_t t = 0;

	cr_assert_eq(gd_msg_date_parse_asctime(s, strlen(s), &t), 0,
	    "refused: \"%s\"", s);
	return t;
}

/* ---- RFC 5322 Appendix A ----------------------------------------------- */

Test(date, rfc_a1_a2_a3)
{
	check("Fri, 21 Nov 1997 09:55:06 -0600", 880127706, -360);
	check("Tue, 1 Jul 2003 10:52:37 +0200", 1057049557, 120);
	check("Thu, 13 Feb 1969 23:32:54 -0330", -27723426, -210);
	check("Fri, 21 Nov 1997 10:01:10 -0600", 880128070, -360);
}

Test(date, rfc_a5_white_space_and_comments)
{
	check("Thu,\r\n      13\r\n        Feb\r\n          1969\r\n"
	    "      23:32\r\n               -0330 (Newfoundland Time)",
	    -27723426 - 54, -210);
}

Test(date, rfc_a62_obsolete_dates)
{
	/* Two-digit year, obsolete zone, day name missing. */
	check("21 Nov 97 09:55:06 GMT", 880106106, 0);
	check("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", 880127706,
	    -360);
}

/* ---- obsolete syntax ---------------------------------------------------- */

Test(date, years_two_and_three_digits)
{
	check("1 Jan 00 00:00:00 +0000", T_2000, 0);
	check("1 Jan 49 00:00:00 +0000", INT64_C(2493072000), 0);
	check("1 Jan 50 00:00:00 +0000", INT64_C(-631152000), 0);
	check("1 Jan 99 00:00:00 +0000", T_2000 - 365 * 86400, 0);
	check("1 Jan 100 00:00:00 +0000", T_2000, 0);
	check("1 Jan 049 00:00:00 +0000", INT64_C(-662688000), 0);
	parse_bad("1 Jan 1899 00:00:00 +0000");
	parse_bad("1 Jan 0099 00:00:00 +0000");
	parse_bad("1 Jan 10000 00:00:00 +0000");
	parse_bad("1 Jan 5 00:00:00 +0000");
}

Test(date, obsolete_zones)
{
	static const struct {
		const char *name;
		int minutes;
	} zones[] = {
		{ "UT", 0 }, { "GMT", 0 }, { "UTC", 0 },
		{ "EST", -300 }, { "EDT", -240 }, { "CST", -360 },
		{ "CDT", -300 }, { "MST", -420 }, { "MDT", -360 },
		{ "PST", -480 }, { "PDT", -420 }, { "est", -300 },
		{ "pDt", -420 },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(zones); i++) {
		snprintf(buf, sizeof(buf), "Sat, 1 Jan 2000 00:00:00 %s",
		    zones[i].name);
		check(buf, T_2000 - zones[i].minutes * 60, zones[i].minutes);
	}
}

Test(date, military_and_unknown_zones_are_minus_0000)
{
	char buf[64];
	char c;

	for (c = 'A'; c <= 'Z'; c++) {
		snprintf(buf, sizeof(buf), "1 Jan 2000 00:00:00 %c", c);
		check(buf, T_2000, 0);
		snprintf(buf, sizeof(buf), "1 Jan 2000 00:00:00 %c", c + 32);
		check(buf, T_2000, 0);
	}
	check("1 Jan 2000 00:00:00 CEST", T_2000, 0);
	check("1 Jan 2000 00:00:00 -0000", T_2000, 0);
	/* No zone at all. */
	check("1 Jan 2000 00:00:00", T_2000, 0);
}

Test(date, zone_variants)
{
	check("1 Jan 2000 00:00:00 +0000 (UTC)", T_2000, 0);
	check("1 Jan 2000 00:00:00 +0100 CET", T_2000 - 3600, 60);
	check("1 Jan 2000 00:00:00 GMT+0100", T_2000 - 3600, 60);
	check("1 Jan 2000 00:00:00 +05:30", T_2000 - 330 * 60, 330);
	check("1 Jan 2000 00:00:00 -9959", T_2000 + 5999 * 60, -5999);
	parse_bad("1 Jan 2000 00:00:00 +0060");
	parse_bad("1 Jan 2000 00:00:00 +100");
	parse_bad("1 Jan 2000 00:00:00 + 0100");
	parse_bad("1 Jan 2000 00:00:00 +0100 +0200");
	parse_bad("1 Jan 2000 00:00:00 +0100 x y");
	parse_bad("1 Jan 2000 00:00:00 +0100 42");
}

Test(date, lenient_forms)
{
	/* Missing seconds, day name, one-digit day and hour. */
	check("Sat, 1 Jan 2000 0:00 +0000", T_2000, 0);
	check("1 Jan 2000 1:02:03 +0000", T_2000 + 3723, 0);
	check("01 Jan 2000 01:02 +0000", T_2000 + 3720, 0);
	/* Wrong day name, full names, any case. */
	check("Mon, 1 Jan 2000 00:00:00 +0000", T_2000, 0);
	check("Saturday, 1 January 2000 00:00:00 +0000", T_2000, 0);
	check("SAT, 1 JAN 2000 00:00:00 +0000", T_2000, 0);
	check("Sat 1 Jan 2000 00:00:00 +0000", T_2000, 0);
	check("Wed, 1 Sept 1999 00:00:00 +0000", T_2000 - 122 * 86400, 0);
	/* RFC 850 dashes, month first. */
	check("Saturday, 01-Jan-2000 00:00:00 GMT", T_2000, 0);
	check("Sat, Jan 1 2000 00:00:00 +0000", T_2000, 0);
	check("Jan 1, 2000 00:00:00 +0000", T_2000, 0);
	/* Comments and white space anywhere. */
	check("(a)Sat(b),(c)1(d)Jan(e)2000(f)00(g):(h)00(i):(j)00(k)+0000(l)",
	    T_2000, 0);
	check("  \t Sat ,  1  Jan  2000  00 : 00 : 00  +0000  ", T_2000, 0);
	check("1 Jan 2000 00:00:00 +0000 (unclosed (nested)", T_2000, 0);
}

Test(date, ranges)
{
	check("29 Feb 2000 00:00:00 +0000", INT64_C(951782400), 0);
	check("29 Feb 2004 00:00:00 +0000", INT64_C(1078012800), 0);
	parse_bad("29 Feb 1900 00:00:00 +0000");
	parse_bad("29 Feb 2100 00:00:00 +0000");
	parse_bad("29 Feb 2001 00:00:00 +0000");
	check("30 Apr 2020 00:00:00 +0000", INT64_C(1588204800), 0);
	parse_bad("31 Apr 2020 00:00:00 +0000");
	parse_bad("31 Jun 2020 00:00:00 +0000");
	parse_bad("0 Jan 2000 00:00:00 +0000");
	parse_bad("32 Jan 2000 00:00:00 +0000");
	parse_bad("1 Foo 2000 00:00:00 +0000");
	parse_bad("1 Jan 2000 24:00:00 +0000");
	parse_bad("1 Jan 2000 23:60:00 +0000");
	parse_bad("1 Jan 2000 23:59:61 +0000");
	/* A leap second is read as the second before. */
	check("31 Dec 2016 23:59:60 +0000", INT64_C(1483228799), 0);
}

Test(date, garbage)
{
	static const char *const bad[] = {
		"", " ", "(only a comment)", "foo", "Sat, 1 Jan 2000",
		"1 Jan 2000 00", "1 Jan 2000 00:", "1 Jan 2000 00:00:",
		"Foo, 1 Jan 2000 00:00:00 +0000", "1 Jan 2000 00:00:00 +0000 ,",
		"123 Jan 2000 00:00:00", "1 Jan 2000 000:00:00",
		"1 Jan 2000 00:00:00 +0000 1 2 3 4 5 6 7 8 9 10 11 12 13 14",
		"1 1 2000 00:00:00", "1/1/2000 00:00:00",
	};
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(bad); i++)
		parse_bad(bad[i]);
	cr_assert_eq(gd_msg_date_parse(NULL, 0, NULL, NULL), -1);
}

Test(date, zone_pointer_may_be_null)
{
	int64_t t;

	cr_assert_eq(gd_msg_date_parse("1 Jan 2000 00:00 EST", 20, &t, NULL),
	    0);
	cr_assert_eq(t, T_2000 + 5 * 3600);
}

/* ---- calendar ----------------------------------------------------------- */

Test(date, calendar_matches_timegm_1900_9999)
{
	struct tm tm;
	int64_t y;
	unsigned m;

	for (y = 1900; y <= 9999; y++) {
		for (m = 1; m <= 12; m += 1) {
			memset(&tm, 0, sizeof(tm));
			tm.tm_year = (int)(y - 1900);
			tm.tm_mon = (int)m - 1;
			tm.tm_mday = (int)gd_hdr_days_in_month(y, m);
			cr_assert_eq(gd_hdr_days_from_civil(y, m,
			    (unsigned)tm.tm_mday) * 86400, (int64_t)timegm(&tm),
			    "%lld-%u", (long long)y, m);
		}
	}
}

Test(date, independent_of_tz)
{
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	check("Fri, 21 Nov 1997 09:55:06 -0600", 880127706, -360);
	setenv("TZ", "Asia/Kathmandu", 1);
	tzset();
	check("Fri, 21 Nov 1997 09:55:06 -0600", 880127706, -360);
}

/* ---- formatting --------------------------------------------------------- */

static const char *
fmt(int64_t t, int tz)
{
	static char buf[GD_MSG_DATE_MAX];
	size_t n;

	n = gd_msg_date_format(t, tz, buf, sizeof(buf));
	cr_assert_eq(n, strlen(buf));
	return buf;
}

Test(date, format)
{
	cr_assert_str_eq(fmt(INT64_C(1796019446), 0),
	    "Mon, 30 Nov 2026 06:17:26 +0000");
	cr_assert_str_eq(fmt(880127706, -360),
	    "Fri, 21 Nov 1997 09:55:06 -0600");
	cr_assert_str_eq(fmt(-27723426, -210),
	    "Thu, 13 Feb 1969 23:32:54 -0330");
	cr_assert_str_eq(fmt(0, 0), "Thu, 1 Jan 1970 00:00:00 +0000");
	cr_assert_str_eq(fmt(INT64_C(-2208988800), 0),
	    "Mon, 1 Jan 1900 00:00:00 +0000");
	cr_assert_str_eq(fmt(INT64_C(253402300799), 0),
	    "Fri, 31 Dec 9999 23:59:59 +0000");
	cr_assert_str_eq(fmt(T_2000, 5999), "Wed, 5 Jan 2000 03:59:00 +9959");
	/* Out of range: clamped, never garbage. */
	cr_assert_str_eq(fmt(INT64_MAX, 0), "Fri, 31 Dec 9999 23:59:59 +0000");
	cr_assert_str_eq(fmt(INT64_MIN, 0), "Sat, 1 Jan 0000 00:00:00 +0000");
	cr_assert_str_eq(fmt(T_2000, 100000), "Sat, 1 Jan 2000 00:00:00 +0000");
	/* The zone can move the local time past the UTC limits. */
	cr_assert_str_eq(fmt(INT64_C(253402300799) + 5999 * 60, -5999),
	    "Fri, 31 Dec 9999 23:59:59 -9959");
	cr_assert_str_eq(fmt(INT64_C(-2208988800) - 5999 * 60, 5999),
	    "Mon, 1 Jan 1900 00:00:00 +9959");
}

Test(date, format_truncates_like_snprintf)
{
	char buf[8];

	cr_assert_eq(gd_msg_date_format(T_2000, 0, buf, sizeof(buf)), 30);
	cr_assert_str_eq(buf, "Sat, 1 ");
}

Test(date, format_parse_roundtrip)
{
	static const int zones[] = { 0, 60, -300, 330, -210, 5999, -5999 };
	int64_t t, back;
	size_t z;
	int tz;

	for (t = INT64_C(-2208988800) + 6000 * 60;
	    t < INT64_C(253402300799) - 6000 * 60;
	    t += INT64_C(86400) * 97 + 3599) {
		for (z = 0; z < GD_N_ELEMENTS(zones); z++) {
			const char *s = fmt(t, zones[z]);

			cr_assert_eq(gd_msg_date_parse(s, strlen(s), &back,
			    &tz), 0, "%s", s);
			cr_assert_eq(back, t, "%s", s);
			cr_assert_eq(tz, zones[z], "%s", s);
		}
	}
}

/* ---- mbox asctime ------------------------------------------------------- */

Test(date, asctime_variants)
{
	int64_t t = INT64_C(1796019446);

	cr_assert_eq(asctime_ok("Mon Nov 30 06:17:26 2026"), t);
	cr_assert_eq(asctime_ok("Nov 30 06:17:26 2026"), t);
	cr_assert_eq(asctime_ok("Mon Nov 30 06:17 2026"), t - 26);
	cr_assert_eq(asctime_ok("Tue Nov  3 06:17:26 2026"),
	    t - 27 * 86400);
	/* Zone names are not offsets: UTC. */
	cr_assert_eq(asctime_ok("Mon Nov 30 06:17:26 EST 2026"), t);
	cr_assert_eq(asctime_ok("Mon Nov 30 06:17:26 2026 PST"), t);
	cr_assert_eq(asctime_ok("Mon Nov 30 06:17:26 +0100 2026"), t - 3600);
	cr_assert_eq(asctime_ok("Mon Nov 30 06:17:26 2026 -0500"), t + 18000);
	cr_assert_eq(asctime_ok("Mon Nov 30 06:17:26 2026 remote from x"), t);
	cr_assert_eq(asctime_ok("Mon Nov 30 06:17:26 26"), t);
}

Test(date, asctime_refused)
{
	static const char *const bad[] = {
		"", "Mon", "Mon Nov 30 2026", "Mon Nov 31 06:17:26 2026",
		"Mon Nov 30 06:17:26", "Mon Nov 30 06:17:26 EST",
		"Mon 30 Nov 06:17:26 2026", "Mon Nov 30 25:17:26 2026",
		"Mon Nov 30 06:17:26 1899",
	};
	int64_t t;
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(bad); i++)
		cr_assert_eq(gd_msg_date_parse_asctime(bad[i], strlen(bad[i]),
		    &t), -1, "accepted: \"%s\"", bad[i]);
}

Test(date, asctime_format_and_roundtrip)
{
	char buf[25];
	int64_t t, back;

	cr_assert_eq(gd_msg_date_format_asctime(INT64_C(1796019446), buf,
	    sizeof(buf)), 24);
	cr_assert_str_eq(buf, "Mon Nov 30 06:17:26 2026");
	gd_msg_date_format_asctime(INT64_C(1793686646), buf, sizeof(buf));
	cr_assert_str_eq(buf, "Tue Nov  3 06:17:26 2026");
	for (t = INT64_C(-2208988800); t < INT64_C(253402300799);
	    t += INT64_C(86400) * 89 + 1234) {
		gd_msg_date_format_asctime(t, buf, sizeof(buf));
		cr_assert_eq(gd_msg_date_parse_asctime(buf, strlen(buf),
		    &back), 0, "%s", buf);
		cr_assert_eq(back, t, "%s", buf);
	}
}
