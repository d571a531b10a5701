/*
 * date-lex.c — the tokens of a date (RFC 5322 3.3 and the mbox asctime
 * layout) and the pieces both date parsers share: time of day, numeric
 * zone, year, and the final range check.
 */
#include "config.h"

#include "header-private.h"

#define DATE_NUM_CAP	INT64_C(1000000000000)

static inline bool date_is_digit(char c);
static inline bool date_is_alpha(char c);
static const char *date_lex_one(const char *p, const char *end,
    struct gd_hdr_date_tok *t);
static bool date_is_num(const struct gd_hdr_date_tok *toks, int n, int i,
    size_t min_digits, size_t max_digits);
static bool date_is_punct(const struct gd_hdr_date_tok *toks, int n, int i,
    char c);

static inline bool
date_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
date_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* One token at `p` (not white space, not a comment); returns its end. */
static const char *
date_lex_one(const char *p, const char *end, struct gd_hdr_date_tok *t)
{
	const char *q = p;

	t->p = p;
	t->value = 0;
	if (date_is_digit(*q)) {
		t->type = GD_HDR_DATE_NUM;
		for (; q < end && date_is_digit(*q); q++)
			if (t->value < DATE_NUM_CAP)
				t->value = t->value * 10 + (*q - '0');
	} else if (date_is_alpha(*q)) {
		t->type = GD_HDR_DATE_WORD;
		while (q < end && date_is_alpha(*q))
			q++;
	} else {
		t->type = GD_HDR_DATE_PUNCT;
		q++;
	}
	t->len = (size_t)(q - p);
	return q;
}

int
gd_hdr_date_lex(const char *in, size_t len,
    struct gd_hdr_date_tok toks[GD_HDR_DATE_MAX_TOKS], bool *more_r)
{
	const char *p = in, *end = in + len, *q;
	int n = 0;

	*more_r = false;
	if (len == 0)
		return 0;
	for (;;) {
		q = gd_hdr_skip_cfws(p, end, NULL);
		if (q == end)
			return n;
		if (n == GD_HDR_DATE_MAX_TOKS) {
			*more_r = true;
			return n;
		}
		toks[n].spaced = q != p;
		p = date_lex_one(q, end, &toks[n]);
		n++;
	}
}

static bool
date_is_num(const struct gd_hdr_date_tok *toks, int n, int i,
    size_t min_digits, size_t max_digits)
{
	return i < n && toks[i].type == GD_HDR_DATE_NUM &&
	    toks[i].len >= min_digits && toks[i].len <= max_digits;
}

static bool
date_is_punct(const struct gd_hdr_date_tok *toks, int n, int i, char c)
{
	return i < n && toks[i].type == GD_HDR_DATE_PUNCT && toks[i].p[0] == c;
}

int
gd_hdr_date_time(const struct gd_hdr_date_tok *toks, int n, int *i,
    int64_t *secs_r)
{
	int64_t h, m, s = 0;
	int j = *i;

	if (!date_is_num(toks, n, j, 1, 2) || !date_is_punct(toks, n, j + 1,
	    ':') || !date_is_num(toks, n, j + 2, 1, 2))
		return -1;
	h = toks[j].value;
	m = toks[j + 2].value;
	j += 3;
	if (date_is_punct(toks, n, j, ':')) {
		if (!date_is_num(toks, n, j + 1, 1, 2))
			return -1;
		s = toks[j + 1].value;
		j += 2;
	}
	if (h > 23 || m > 59 || s > 60)
		return -1;
	/* A leap second is not representable in time_t: RFC 5322 allows
	 * 60, and we read it as the second before. */
	*secs_r = h * 3600 + m * 60 + (s == 60 ? 59 : s);
	*i = j;
	return 0;
}

int
gd_hdr_date_offset(const struct gd_hdr_date_tok *toks, int n, int *i,
    int *minutes_r)
{
	int64_t hh, mm;
	int j = *i;

	if (!date_is_punct(toks, n, j, '+') && !date_is_punct(toks, n, j, '-'))
		return -1;
	if (date_is_num(toks, n, j + 1, 4, 4) && !toks[j + 1].spaced) {
		hh = toks[j + 1].value / 100;
		mm = toks[j + 1].value % 100;
		j += 2;
	} else if (date_is_num(toks, n, j + 1, 2, 2) && !toks[j + 1].spaced &&
	    date_is_punct(toks, n, j + 2, ':') &&
	    date_is_num(toks, n, j + 3, 2, 2)) {
		hh = toks[j + 1].value;
		mm = toks[j + 3].value;
		j += 4;
	} else {
		return -1;
	}
	if (mm > 59)
		return -1;
	*minutes_r = (int)(hh * 60 + mm) * (toks[*i].p[0] == '-' ? -1 : 1);
	*i = j;
	return 0;
}

int64_t
gd_hdr_date_year(const struct gd_hdr_date_tok *tok)
{
	if (tok->type != GD_HDR_DATE_NUM)
		return -1;
	switch (tok->len) {
	case 2:
		return tok->value < 50 ? 2000 + tok->value : 1900 + tok->value;
	case 3:
		return 1900 + tok->value;
	case 4:
		return tok->value >= 1900 ? tok->value : -1;
	default:
		return -1;
	}
}

int
gd_hdr_date_combine(int64_t year, unsigned month, int64_t day,
    int64_t secs, int tz_minutes, int64_t *time_r)
{
	if (year < 1900 || year > 9999 || month < 1 || month > 12 ||
	    day < 1 || day > gd_hdr_days_in_month(year, month))
		return -1;
	*time_r = gd_hdr_days_from_civil(year, month, (unsigned)day) * 86400 +
	    secs - (int64_t)tz_minutes * 60;
	return 0;
}
