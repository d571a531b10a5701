/*
 * date-format.c — write dates: RFC 5322 (Date: fields) and asctime (mbox
 * "From " lines).  English names, no locale, no time zone database.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include <gumdrop/msg-date.h>

#include "header-private.h"

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define DATE_T_MIN	INT64_C(-62167219200)
#define DATE_T_MAX	INT64_C(253402300799)
#define DATE_TZ_MAX	(99 * 60 + 59)

struct date_civil {
	int64_t year;
	unsigned month, day, hour, min, sec, wday;
};

static void date_split(int64_t t, struct date_civil *c);

/* Broken-down time of `t` (UTC or local), clamped to years 0-9999 so
 * that every field fits its printf width. */
static void
date_split(int64_t t, struct date_civil *c)
{
	int64_t days, secs;

	if (t < DATE_T_MIN)
		t = DATE_T_MIN;
	if (t > DATE_T_MAX)
		t = DATE_T_MAX;
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	gd_hdr_civil_from_days(days, &c->year, &c->month, &c->day);
	c->wday = gd_hdr_weekday(days);
	c->hour = (unsigned)(secs / 3600);
	c->min = (unsigned)(secs / 60 % 60);
	c->sec = (unsigned)(secs % 60);
}

size_t
gd_msg_date_format(int64_t t, int tz_minutes, char *buf, size_t size)
{
	struct date_civil c;
	unsigned atz;
	int n;

	if (tz_minutes > DATE_TZ_MAX || tz_minutes < -DATE_TZ_MAX)
		tz_minutes = 0;
	atz = (unsigned)(tz_minutes < 0 ? -tz_minutes : tz_minutes);
	/* Bound t so that adding the zone cannot overflow; date_split
	 * clamps the local time itself. */
	if (t < DATE_T_MIN - 2 * DATE_TZ_MAX * 60)
		t = DATE_T_MIN - 2 * DATE_TZ_MAX * 60;
	if (t > DATE_T_MAX + 2 * DATE_TZ_MAX * 60)
		t = DATE_T_MAX + 2 * DATE_TZ_MAX * 60;
	date_split(t + (int64_t)tz_minutes * 60, &c);
	n = snprintf(buf, size,
	    "%s, %u %s %04" PRId64 " %02u:%02u:%02u %c%02u%02u",
	    gd_hdr_day_names[c.wday], c.day, gd_hdr_month_names[c.month - 1],
	    c.year, c.hour, c.min, c.sec, tz_minutes < 0 ? '-' : '+',
	    atz / 60, atz % 60);
	return n < 0 ? 0 : (size_t)n;
}

size_t
gd_msg_date_format_asctime(int64_t t, char *buf, size_t size)
{
	struct date_civil c;
	int n;

	date_split(t, &c);
	n = snprintf(buf, size, "%s %s %2u %02u:%02u:%02u %04" PRId64,
	    gd_hdr_day_names[c.wday], gd_hdr_month_names[c.month - 1], c.day,
	    c.hour, c.min, c.sec, c.year);
	return n < 0 ? 0 : (size_t)n;
}
