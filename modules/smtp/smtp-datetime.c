/*
 * smtp-datetime.c — the RFC 3339 date-time of FUTURERELEASE's HOLDUNTIL
 * (RFC 4865 3).
 */
#include "smtp-param.h"

static int smtp_dt_num(const char *s, size_t n, int *v);
static int64_t smtp_dt_days(int y, int m, int d);

static int
smtp_dt_num(const char *s, size_t n, int *v)
{
	uint64_t x;

	if (smtp_param_digits(s, n, n, &x) < 0)
		return -1;
	*v = (int)x;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
smtp_dt_days(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
smtp_param_datetime(const char *s, size_t n, int64_t *t_r)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	size_t i = 19;

	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' &&
	    s[10] != 't') || s[13] != ':' || s[16] != ':' ||
	    smtp_dt_num(s, 4, &y) < 0 || smtp_dt_num(s + 5, 2, &mo) < 0 ||
	    smtp_dt_num(s + 8, 2, &d) < 0 || smtp_dt_num(s + 11, 2, &h) < 0 ||
	    smtp_dt_num(s + 14, 2, &mi) < 0 || smtp_dt_num(s + 17, 2, &se) < 0)
		return -1;
	if (s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == 20)
			return -1;
	}
	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z'))
		sign = 0;
	else if (i + 6 == n && (s[i] == '+' || s[i] == '-') &&
	    s[i + 3] == ':' && smtp_dt_num(s + i + 1, 2, &oh) == 0 &&
	    smtp_dt_num(s + i + 4, 2, &om) == 0 && oh < 24 && om < 60)
		sign = s[i] == '-' ? -1 : 1;
	else
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 &&
	    d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))) ||
	    h > 23 || mi > 59 || se > 60)
		return -1;
	if (se == 60)
		se = 59;
	*t_r = smtp_dt_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	    sign * (oh * 3600 + om * 60);
	return 0;
}
