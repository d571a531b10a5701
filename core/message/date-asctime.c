/*
 * date-asctime.c — the date of an mbox "From " line: asctime()'s layout
 * "Mon Nov 30 06:17:26 2026", with the extras seen in mbox files (a zone
 * name or offset before or after the year, no seconds, text after).
 */
#include "config.h"

#include <gumdrop/msg-date.h>

#include "header-private.h"

static bool asctime_zone(const struct gd_hdr_date_tok *toks, int n, int *i,
    int *tz_r);

/*
 * An optional zone at toks[*i]: an offset (stored in *tz_r) or a name
 * (skipped: the time is then taken as UTC).  Returns whether one was
 * there.
 */
static bool
asctime_zone(const struct gd_hdr_date_tok *toks, int n, int *i, int *tz_r)
{
	if (gd_hdr_date_offset(toks, n, i, tz_r) == 0)
		return true;
	if (*i < n && toks[*i].type == GD_HDR_DATE_WORD) {
		(*i)++;
		return true;
	}
	return false;
}

int
gd_msg_date_parse_asctime(const char *in, size_t len, int64_t *time_r)
{
	struct gd_hdr_date_tok toks[GD_HDR_DATE_MAX_TOKS];
	int64_t secs, year, day;
	unsigned month;
	int n, i = 0, tz = 0;
	bool more;

	n = gd_hdr_date_lex(in, len, toks, &more);
	if (n > 1 && toks[0].type == GD_HDR_DATE_WORD &&
	    gd_hdr_is_day_name(toks[0].p, toks[0].len) &&
	    toks[1].type == GD_HDR_DATE_WORD)
		i++;
	if (i + 1 >= n || toks[i].type != GD_HDR_DATE_WORD ||
	    (month = gd_hdr_month_from_name(toks[i].p, toks[i].len)) == 0 ||
	    toks[i + 1].type != GD_HDR_DATE_NUM || toks[i + 1].len > 2)
		return -1;
	day = toks[i + 1].value;
	i += 2;
	if (gd_hdr_date_time(toks, n, &i, &secs) < 0)
		return -1;
	if (asctime_zone(toks, n, &i, &tz) && i >= n)
		return -1;
	if (i >= n || (year = gd_hdr_date_year(&toks[i])) < 0)
		return -1;
	i++;
	/* A zone after the year; anything after that ("remote from host")
	 * is not ours to judge. */
	(void)asctime_zone(toks, n, &i, &tz);
	return gd_hdr_date_combine(year, month, day, secs, tz, time_r);
}
