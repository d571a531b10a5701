/*
 * gumdrop/msg-date.h — RFC 5322 dates (the Date: field, mbox From_ lines).
 *
 * Pure code, any thread; no dependency on the process's time zone or
 * locale.
 */
#ifndef GUMDROP_MSG_DATE_H
#define GUMDROP_MSG_DATE_H

#include <sys/types.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Parse an RFC 5322 date-time: "[Day,] DD Mon YYYY HH:MM[:SS] ZONE".
 * Accepted beyond the strict grammar (RFC 5322 4.3 and real mail):
 * comments and extra whitespace anywhere, a missing or wrong day name,
 * two- and three-digit years (RFC 5322 4.3: 00-49 → 20xx, 50-999 →
 * +1900), one-digit days and hours, missing seconds, month names in any
 * case, the obsolete zones UT GMT EST EDT CST CDT MST MDT PST PDT (their
 * offsets) and military letters (taken as -0000, as RFC 5322 says), a
 * missing zone (-0000), leap second 60 (taken as 59).  Ranges are
 * checked (a 31 February is refused).
 *
 * On success stores the instant as seconds since the epoch (UTC) in
 * *time_r and the zone as minutes east of UTC in *tz_minutes_r (may be
 * NULL; -0000 gives 0) and returns 0; otherwise returns -1.
 */
GD_API int gd_msg_date_parse(const char *in, size_t len, int64_t *time_r,
    int *tz_minutes_r);

/*
 * Format `t` in zone `tz_minutes` as an RFC 5322 date-time,
 * "Mon, 30 Nov 2026 06:17:26 +0000", into `buf` (GD_MSG_DATE_MAX bytes
 * suffice).  Returns the length, as snprintf does (the output is cut and
 * NUL-terminated when `size` is smaller).  A local time outside the
 * years 0-9999 is clamped to them; a zone beyond +-99:59 is taken as
 * +0000.
 */
#define GD_MSG_DATE_MAX	40
GD_API size_t gd_msg_date_format(int64_t t, int tz_minutes, char *buf,
    size_t size);

/*
 * Parse the date of an mbox "From " line, the asctime() layout
 * "Mon Nov 30 06:17:26 2026" with the optional extras seen in the wild
 * (a zone name or offset before or after the year, missing seconds).
 * The time is taken as UTC unless an offset is given.  0 or -1.
 */
GD_API int gd_msg_date_parse_asctime(const char *in, size_t len,
    int64_t *time_r);

/* Format `t` (UTC) in the asctime layout for From_ lines; 25 bytes
 * suffice.  Returns the length, as snprintf does; years are clamped to
 * 0-9999 as for gd_msg_date_format. */
GD_API size_t gd_msg_date_format_asctime(int64_t t, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_MSG_DATE_H */
