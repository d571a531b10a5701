/*
 * header-private.h — internals shared by the address, date and case-
 * folding code of the message-format library.  Not installed.
 *
 * Pure code, any thread.  Lexing helpers take a [p, end) range and never
 * read past `end`; none allocates.
 */
#ifndef GD_HEADER_PRIVATE_H
#define GD_HEADER_PRIVATE_H

#include <gumdrop/common.h>

/* ---- RFC 5322 lexical tokens (3.2) ----------------------------------- */

/* A piece of the input. */
struct gd_hdr_span {
	const char *p;
	size_t len;
};

/*
 * White space for our purposes: SP, HTAB, and also CR and LF (the value
 * may still be folded) and NUL (so that no output string is cut short).
 */
static inline bool
gd_hdr_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

/* atext (RFC 5322 3.2.3), plus every byte >= 0x80 (RFC 6532 UTF-8). */
bool gd_hdr_is_atext(unsigned char c);

/*
 * `p` points at '"': returns the position after the closing quote, or
 * `end` when the string is not closed (*closed_r, when not NULL, says
 * which).  A backslash escapes the next byte.
 */
const char *gd_hdr_skip_quoted(const char *p, const char *end,
    bool *closed_r);

/*
 * `p` points at '(': returns the position after the matching ')', or
 * `end` when the comment is not closed.  Nesting is counted, not
 * recursed, so any depth costs no stack.
 */
const char *gd_hdr_skip_comment(const char *p, const char *end);

/*
 * Skip white space and comments from `p`.  When `comment_r` is not NULL
 * it gets the inside of the last comment skipped (unchanged when none
 * was).  Returns the first other position, or `end`.
 */
const char *gd_hdr_skip_cfws(const char *p, const char *end,
    struct gd_hdr_span *comment_r);

/*
 * Copy `len` bytes of a quoted string's or comment's inside to `out`,
 * removing backslash escapes; CR, LF and NUL are dropped (unfolding),
 * other white space is kept.  Returns the count written (<= len).
 */
size_t gd_hdr_unescape(const char *in, size_t len, char *out);

/*
 * Collapse every run of white space in `s` (length `len`, with room for
 * one more byte) to one space and trim both ends, in place; NUL-
 * terminates.  Returns the new length.
 */
size_t gd_hdr_collapse_ws(char *s, size_t len);

/* True if any byte of `s` is >= 0x80 (NULL: false). */
bool gd_hdr_has_8bit(const char *s);

/* ---- address lists ----------------------------------------------------- */

struct gd_pool;
struct gd_msg_address;

/* What gd_hdr_addr_scan stops at. */
enum gd_hdr_addr_stop {
	GD_HDR_STOP_COMMA = 1 << 0,
	GD_HDR_STOP_SEMI = 1 << 1,
	GD_HDR_STOP_COLON = 1 << 2,
	GD_HDR_STOP_LT = 1 << 3,
	GD_HDR_STOP_AT = 1 << 4,
};

/*
 * The first top-level character of `stops` (enum gd_hdr_addr_stop) from
 * `p`, or `end`.  Quoted strings and comments are skipped, and so are
 * angle addresses unless '<' is a stop (see gd_hdr_addr_skip_angle).
 * Every parser of the list finds its boundaries with this one function,
 * so they agree on where elements start and end.
 */
const char *gd_hdr_addr_scan(const char *p, const char *end,
    unsigned stops);

/*
 * `p` points at '<': returns the position after the matching '>' (then
 * *closed_r is true), or where an unclosed one stops: at a ',' that is
 * not part of an obs-route, at ';' or another '<', or at `end`.
 */
const char *gd_hdr_addr_skip_angle(const char *p, const char *end,
    bool *closed_r);

/*
 * A display name or group name from the phrase [p, end): quotes and
 * escapes removed, comments dropped (the last one is stored in
 * *comment_r when not NULL), white space collapsed, everything else kept
 * as written.  NULL when that leaves nothing.  Allocated in `pool`.
 */
char *gd_hdr_addr_phrase(struct gd_pool *pool, const char *p,
    const char *end, struct gd_hdr_span *comment_r);

/*
 * Fill `addr` (zeroed by the caller) from one list element [p, end),
 * which holds no top-level ',' or ';' except in the merged "Doe, John
 * <j@example>" case.  Never fails: what does not parse becomes an
 * GD_MSG_ADDR_INVALID entry.  Strings are allocated in `pool`, at most
 * about twice (end - p) bytes.
 */
void gd_hdr_addr_parse_mailbox(struct gd_pool *pool, const char *p,
    const char *end, struct gd_msg_address *addr);

/* ---- calendar (proleptic Gregorian, no time zone, no locale) --------- */

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31); any year. */
int64_t gd_hdr_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The date `days` after 1970-01-01. */
void gd_hdr_civil_from_days(int64_t days, int64_t *y_r, unsigned *m_r,
    unsigned *d_r);

/* 28..31 for m 1..12. */
unsigned gd_hdr_days_in_month(int64_t y, unsigned m);

/* 0 = Sunday .. 6 = Saturday, for `days` after 1970-01-01. */
unsigned gd_hdr_weekday(int64_t days);

/* "Jan".."Dec" and "Sun".."Sat". */
extern const char gd_hdr_month_names[12][4];
extern const char gd_hdr_day_names[7][4];

/* 1..12 if the word is a month's name or a prefix of it of three letters
 * or more ("Sep", "Sept", "september"), in any case; else 0. */
unsigned gd_hdr_month_from_name(const char *p, size_t len);

/* Same test for day names ("Mon", "monday"). */
bool gd_hdr_is_day_name(const char *p, size_t len);

/* ---- date tokens ----------------------------------------------------- */

enum gd_hdr_date_tok_type {
	GD_HDR_DATE_NUM,	/* a run of digits */
	GD_HDR_DATE_WORD,	/* a run of ASCII letters */
	GD_HDR_DATE_PUNCT,	/* any other single byte */
};

struct gd_hdr_date_tok {
	enum gd_hdr_date_tok_type type;
	const char *p;
	size_t len;
	int64_t value;		/* NUM: its value (capped at 10^12) */
	bool spaced;		/* white space or a comment came before it */
};

#define GD_HDR_DATE_MAX_TOKS	24

/*
 * Split a date into tokens, skipping white space and comments.  Returns
 * the count; stops after GD_HDR_DATE_MAX_TOKS (no date needs that many)
 * and then sets *more_r when input remains.
 */
int gd_hdr_date_lex(const char *in, size_t len,
    struct gd_hdr_date_tok toks[GD_HDR_DATE_MAX_TOKS], bool *more_r);

/*
 * Parse "HH:MM[:SS]" (CFWS allowed around ':') at toks[*i]; on success
 * advances *i and stores seconds since midnight (second 60 read as 59).
 */
int gd_hdr_date_time(const struct gd_hdr_date_tok *toks, int n, int *i,
    int64_t *secs_r);

/*
 * Parse a numeric zone "+HHMM" / "-HHMM" (also "+HH:MM") at toks[*i];
 * on success advances *i and stores minutes east of UTC.
 */
int gd_hdr_date_offset(const struct gd_hdr_date_tok *toks, int n, int *i,
    int *minutes_r);

/* A year as written (2, 3 or 4 digits, RFC 5322 4.3) to 1900..9999, or
 * -1. */
int64_t gd_hdr_date_year(const struct gd_hdr_date_tok *tok);

/*
 * Combine checked fields into seconds since the epoch; -1 when the day
 * does not exist in that month.
 */
int gd_hdr_date_combine(int64_t year, unsigned month, int64_t day,
    int64_t secs, int tz_minutes, int64_t *time_r);

/* ---- Unicode simple case folding ------------------------------------- */

/* Code points start, start + stride, ... (len of them) fold to cp + delta. */
struct gd_hdr_fold_run {
	uint32_t start;
	uint16_t len;
	uint8_t stride;
	int32_t delta;
};

/* Generated from CaseFolding.txt: casefold-table.c. */
extern const struct gd_hdr_fold_run gd_hdr_fold_runs[];
extern const size_t gd_hdr_fold_nruns;

/* The simple case folding of one code point (itself when it has none). */
uint32_t gd_hdr_fold_cp(uint32_t cp);

#endif /* GD_HEADER_PRIVATE_H */
