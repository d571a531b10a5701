/*
 * interim-msg-date.c — TEMPORARY, until the message library's dates land
 * on main: the two asctime functions of gumdrop/msg-date.h that the
 * scanner and the writer call, hidden inside this module.  Delete this
 * file (and its line in module.am) when core/message provides them; the
 * fuzz target then fails to link with both, as a reminder.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mbox-private.h"

static const char interim_months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
static const char interim_days[] = "SunMonTueWedThuFriSat";

size_t
gd_msg_date_format_asctime(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int n;

	if (gmtime_r(&tt, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = snprintf(buf, size, "%.3s %.3s %2d %02d:%02d:%02d %d",
	    interim_days + 3 * (tm.tm_wday % 7),
	    interim_months + 3 * (tm.tm_mon % 12), tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

static int
interim_month(const char *tok)
{
	int i;

	for (i = 0; i < 12; i++) {
		if (strncasecmp(tok, interim_months + 3 * i, 3) == 0 &&
		    strlen(tok) == 3)
			return i;
	}
	return -1;
}

static int
interim_rest(char **tok, int n, int i, struct tm *tm, long *off)
{
	int h, m, s = 0, year = -1;

	if (i >= n || sscanf(tok[i], "%d:%d:%d", &h, &m, &s) < 2 ||
	    h > 23 || m > 59 || s > 60)
		return -1;
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = s > 59 ? 59 : s;
	for (i++; i < n; i++) {
		if ((tok[i][0] == '+' || tok[i][0] == '-') &&
		    strlen(tok[i]) == 5)
			*off = (tok[i][0] == '-' ? -1 : 1) *
			    (atol(tok[i] + 1) / 100 * 60 + atol(tok[i] + 1) %
			    100);
		else if (year < 0 && strspn(tok[i], "0123456789") ==
		    strlen(tok[i]) && strlen(tok[i]) == 4)
			year = atoi(tok[i]);
	}
	if (year < 1970)
		return -1;
	tm->tm_year = year - 1900;
	return 0;
}

int
gd_msg_date_parse_asctime(const char *in, size_t len, int64_t *time_r)
{
	char buf[128], *tok[10], *save = NULL, *p;
	struct tm tm;
	long off = 0;
	int n = 0, i, mon = -1;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, in, len);
	buf[len] = '\0';
	for (p = strtok_r(buf, " \t\r\n", &save); p != NULL && n < 10;
	    p = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = p;
	for (i = 0; i < n && i < 2 && mon < 0; i++)
		mon = interim_month(tok[i]);
	if (mon < 0 || i >= n)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mon = mon;
	tm.tm_mday = atoi(tok[i]);
	if (tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    interim_rest(tok, n, i + 1, &tm, &off) < 0)
		return -1;
	*time_r = (int64_t)timegm(&tm) - off * 60;
	return 0;
}
