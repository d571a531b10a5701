/*
 * imap-date.c — SEARCH dates and APPEND/INTERNALDATE date-times
 * (RFC 9051 9: date, date-time), with no dependence on the process's
 * time zone.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

static const char *const imap_months[12] = { "Jan", "Feb", "Mar", "Apr",
    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static bool
imap_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
imap_mdays(int y, unsigned m)
{
	static const unsigned d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	return m == 2 && imap_leap(y) ? 29 : d[m - 1];
}

/* n decimal digits at p; -1 if any is not a digit. */
static int
imap_digits(const char *p, unsigned n)
{
	int v = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* "Mon-yyyy" after the day; fills month and year. */
static int
imap_month_year(const char *p, unsigned *m_r, int *y_r)
{
	unsigned m;

	for (m = 0; m < 12; m++)
		if (strncasecmp(p, imap_months[m], 3) == 0)
			break;
	if (m == 12 || p[3] != '-')
		return -1;
	*y_r = imap_digits(p + 4, 4);
	*m_r = m + 1;
	return *y_r < 0 ? -1 : 0;
}

/* date-text at a->p: 1*2DIGIT "-" Mon "-" 4DIGIT. */
static int
imap_date_text(struct imap_args *a, int64_t *day_r)
{
	size_t left = (size_t)(a->end - a->p);
	int d, y;
	unsigned m, dl;

	dl = left >= 2 && a->p[1] == '-' ? 1 : 2;
	if (left < dl + 9 || a->p[dl] != '-' ||
	    (d = imap_digits(a->p, dl)) < 1 ||
	    imap_month_year(a->p + dl + 1, &m, &y) < 0 ||
	    (unsigned)d > imap_mdays(y, m))
		return imap_error_bad(a->err, "Invalid date");
	a->p += dl + 9;
	*day_r = gd_search_day(y, m, (unsigned)d);
	return 0;
}

int
imap_parse_date(struct imap_args *a, int64_t *day_r)
{
	bool q = imap_args_skip(a, '"');

	if (imap_date_text(a, day_r) < 0)
		return -1;
	if (q && !imap_args_skip(a, '"'))
		return imap_error_bad(a->err, "Invalid date");
	return 0;
}

/* "hh:mm:ss +zzzz" at p (14 octets); seconds of the day and zone. */
static int
imap_time_zone(const char *p, int *secs_r, int *zone_r)
{
	int h = imap_digits(p, 2), mi = imap_digits(p + 3, 2);
	int s = imap_digits(p + 6, 2), z = imap_digits(p + 10, 4);

	if (h < 0 || mi < 0 || s < 0 || z < 0 || p[2] != ':' ||
	    p[5] != ':' || p[8] != ' ' || (p[9] != '+' && p[9] != '-') ||
	    h > 23 || mi > 59 || s > 60 || z % 100 > 59)
		return -1;
	*secs_r = h * 3600 + mi * 60 + s;
	*zone_r = (z / 100 * 60 + z % 100) * (p[9] == '-' ? -1 : 1);
	return 0;
}

int
imap_parse_date_time(struct imap_args *a, int64_t *t_r, int *zone_r)
{
	const char *p = a->p;
	int d, y, secs;
	unsigned m;

	/* DQUOTE date-day-fixed "-" Mon "-" yyyy SP time SP zone DQUOTE */
	if (a->end - p < 28 || p[0] != '"' || p[27] != '"' || p[3] != '-' ||
	    p[12] != ' ')
		return imap_error_bad(a->err, "Invalid date-time");
	d = p[1] == ' ' ? imap_digits(p + 2, 1) : imap_digits(p + 1, 2);
	if (d < 1 || imap_month_year(p + 4, &m, &y) < 0 ||
	    (unsigned)d > imap_mdays(y, m) ||
	    imap_time_zone(p + 13, &secs, zone_r) < 0)
		return imap_error_bad(a->err, "Invalid date-time");
	*t_r = gd_search_day(y, m, (unsigned)d) * 86400 + secs -
	    (int64_t)*zone_r * 60;
	a->p += 28;
	return 0;
}

/* Civil date of a day number (days since 1970-01-01). */
static void
imap_civil(int64_t days, int64_t *y_r, unsigned *m_r, unsigned *d_r)
{
	int64_t z = days + 719468, era, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = yoe + era * 400 + (*m_r <= 2 ? 1 : 0);
}

size_t
imap_date_time_format(char *buf, size_t cap, int64_t t, int zone_min)
{
	int64_t local = t + (int64_t)zone_min * 60, days, secs, y;
	unsigned m, d, az = (unsigned)(zone_min < 0 ? -zone_min : zone_min);
	int n;

	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	secs = local - days * 86400;
	imap_civil(days, &y, &m, &d);
	if (cap < 29 || y < 0 || y > 9999 || az > 99 * 60 + 59)
		return 0;
	n = snprintf(buf, cap, "\"%2u-%s-%04d %02d:%02d:%02d %c%02u%02u\"",
	    d, imap_months[m - 1], (int)y, (int)(secs / 3600),
	    (int)(secs / 60 % 60), (int)(secs % 60), zone_min < 0 ? '-' : '+',
	    az / 60, az % 60);
	return n == 28 ? 28 : 0;
}
