/*
 * date-parse.c — RFC 5322 date-time (3.3), with the obsolete syntax of
 * 4.3 and what mail software writes in practice.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <gumdrop/msg-date.h>

#include "header-private.h"

struct date_fields {
	int64_t year;
	unsigned month;
	int64_t day;
	int64_t secs;
	int tz;
};

static bool date_punct(const struct gd_hdr_date_tok *toks, int n, int i,
    char c);
static unsigned date_month(const struct gd_hdr_date_tok *toks, int n,
    int i);
static bool date_day(const struct gd_hdr_date_tok *toks, int n, int i);
static int date_parse_dmy(const struct gd_hdr_date_tok *toks, int n,
    int *i, struct date_fields *f);
static int date_zone_name(const struct gd_hdr_date_tok *tok);
static int date_parse_zone(const struct gd_hdr_date_tok *toks, int n,
    int *i, int *tz_r);

/* The obsolete zones of RFC 5322 4.3 (and UTC), in minutes. */
static const struct {
	const char *name;
	int minutes;
} date_zones[] = {
	{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 },
	{ "EST", -5 * 60 }, { "EDT", -4 * 60 },
	{ "CST", -6 * 60 }, { "CDT", -5 * 60 },
	{ "MST", -7 * 60 }, { "MDT", -6 * 60 },
	{ "PST", -8 * 60 }, { "PDT", -7 * 60 },
};

static bool
date_punct(const struct gd_hdr_date_tok *toks, int n, int i, char c)
{
	return i < n && toks[i].type == GD_HDR_DATE_PUNCT && toks[i].p[0] == c;
}

static unsigned
date_month(const struct gd_hdr_date_tok *toks, int n, int i)
{
	if (i >= n || toks[i].type != GD_HDR_DATE_WORD)
		return 0;
	return gd_hdr_month_from_name(toks[i].p, toks[i].len);
}

static bool
date_day(const struct gd_hdr_date_tok *toks, int n, int i)
{
	return i < n && toks[i].type == GD_HDR_DATE_NUM && toks[i].len <= 2;
}

/*
 * "DD Mon YYYY", also "DD-Mon-YYYY" (RFC 850 style) and "Mon DD YYYY"
 * (month first, seen from some web mailers).
 */
static int
date_parse_dmy(const struct gd_hdr_date_tok *toks, int n, int *i,
    struct date_fields *f)
{
	int j = *i;

	if (date_day(toks, n, j)) {
		f->day = toks[j++].value;
		j += date_punct(toks, n, j, '-');
		if ((f->month = date_month(toks, n, j++)) == 0)
			return -1;
		j += date_punct(toks, n, j, '-');
	} else if ((f->month = date_month(toks, n, j)) != 0 &&
	    date_day(toks, n, j + 1)) {
		f->day = toks[j + 1].value;
		j += 2;
		j += date_punct(toks, n, j, ',');
	} else {
		return -1;
	}
	if (j >= n || (f->year = gd_hdr_date_year(&toks[j])) < 0)
		return -1;
	*i = j + 1;
	return 0;
}

/* Minutes east of UTC for a zone name; unknown names (the military
 * letters among them) are -0000, as RFC 5322 4.3 says. */
static int
date_zone_name(const struct gd_hdr_date_tok *tok)
{
	size_t k;

	for (k = 0; k < GD_N_ELEMENTS(date_zones); k++)
		if (tok->len == strlen(date_zones[k].name) &&
		    strncasecmp(tok->p, date_zones[k].name, tok->len) == 0)
			return date_zones[k].minutes;
	return 0;
}

/*
 * The zone: a numeric offset, a name, or both in either order ("+0000
 * GMT", "GMT+0100"); none at all is -0000.  The offset wins over a name.
 */
static int
date_parse_zone(const struct gd_hdr_date_tok *toks, int n, int *i,
    int *tz_r)
{
	bool have_offset = false;
	int words = 0, tz = 0, name_tz = 0;

	while (*i < n) {
		if (!have_offset && gd_hdr_date_offset(toks, n, i, &tz) == 0) {
			have_offset = true;
		} else if (toks[*i].type == GD_HDR_DATE_WORD &&
		    words + have_offset < 2) {
			if (words++ == 0)
				name_tz = date_zone_name(&toks[*i]);
			(*i)++;
		} else {
			return -1;
		}
	}
	*tz_r = have_offset ? tz : name_tz;
	return 0;
}

int
gd_msg_date_parse(const char *in, size_t len, int64_t *time_r,
    int *tz_minutes_r)
{
	struct gd_hdr_date_tok toks[GD_HDR_DATE_MAX_TOKS];
	struct date_fields f;
	int64_t t;
	bool more;
	int n, i = 0;

	n = gd_hdr_date_lex(in, len, toks, &more);
	if (more)
		return -1;
	/* Any day name is skipped: a wrong one is common, and harmless. */
	if (n > 0 && toks[0].type == GD_HDR_DATE_WORD &&
	    gd_hdr_is_day_name(toks[0].p, toks[0].len))
		i += 1 + date_punct(toks, n, 1, ',');
	if (date_parse_dmy(toks, n, &i, &f) < 0 ||
	    gd_hdr_date_time(toks, n, &i, &f.secs) < 0 ||
	    date_parse_zone(toks, n, &i, &f.tz) < 0 ||
	    gd_hdr_date_combine(f.year, f.month, f.day, f.secs, f.tz, &t) < 0)
		return -1;
	*time_r = t;
	if (tz_minutes_r != NULL)
		*tz_minutes_r = f.tz;
	return 0;
}
