/*
 * date-civil.c — proleptic Gregorian calendar arithmetic and the English
 * month and day names, with no time zone and no locale.
 *
 * days_from_civil and civil_from_days are Howard Hinnant's algorithms
 * ("chrono-Compatible Low-Level Date Algorithms"): exact for any year,
 * with eras of 400 years so that no table or loop is needed.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "header-private.h"

static bool civil_name_matches(const char *p, size_t len,
    const char *full);

const char gd_hdr_month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

const char gd_hdr_day_names[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

static const char *const civil_month_full[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static const char *const civil_day_full[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday",
};

int64_t
gd_hdr_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
gd_hdr_civil_from_days(int64_t days, int64_t *y_r, unsigned *m_r,
    unsigned *d_r)
{
	int64_t era, doe, yoe, doy, mp;

	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = yoe + era * 400 + (*m_r <= 2);
}

unsigned
gd_hdr_days_in_month(int64_t y, unsigned m)
{
	static const unsigned char days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	assert(m >= 1 && m <= 12);
	return days[m - 1] + (m == 2 && leap);
}

unsigned
gd_hdr_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t w = (days + 4) % 7;

	return (unsigned)(w < 0 ? w + 7 : w);
}

/* "Sep", "Sept" and "September" all name September. */
static bool
civil_name_matches(const char *p, size_t len, const char *full)
{
	return len >= 3 && len <= strlen(full) &&
	    strncasecmp(p, full, len) == 0;
}

unsigned
gd_hdr_month_from_name(const char *p, size_t len)
{
	unsigned i;

	for (i = 0; i < 12; i++)
		if (civil_name_matches(p, len, civil_month_full[i]))
			return i + 1;
	return 0;
}

bool
gd_hdr_is_day_name(const char *p, size_t len)
{
	unsigned i;

	for (i = 0; i < 7; i++)
		if (civil_name_matches(p, len, civil_day_full[i]))
			return true;
	return false;
}
