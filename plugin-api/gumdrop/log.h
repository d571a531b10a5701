/*
 * gumdrop/log.h — structured logging.
 *
 * Every log line is one event, written as space-separated key=value pairs:
 *
 *   2026-11-23T15:30:12.123Z level=warning event=conn.close session=1a2b \
 *       reason="idle timeout"
 *
 * The caller passes the event name and a printf-style tail of key=value
 * pairs.  Values that may contain spaces, quotes or control characters
 * must be quoted with gd_log_quote() (or the %Q-free convention below:
 * the core never interprets the tail, it only adds the prefix).
 *
 * Lines go to stderr (default) or syslog; see gd_log_open().  All
 * functions are thread-safe and may be called from any thread.  A line
 * never contains a newline: any CR/LF in the formatted tail is replaced by
 * a space.
 */
#ifndef GUMDROP_LOG_H
#define GUMDROP_LOG_H

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

enum gd_log_level {
	GD_LOG_DEBUG = 0,
	GD_LOG_INFO,
	GD_LOG_NOTICE,
	GD_LOG_WARNING,
	GD_LOG_ERROR,
	GD_LOG_FATAL,
};

enum gd_log_target {
	GD_LOG_TARGET_STDERR = 0,
	GD_LOG_TARGET_SYSLOG,
};

/*
 * Log one event.  `event` is a dotted name ("listener.start"); `fmt` the
 * key=value tail (may be NULL).  Lines below the current level are dropped
 * before formatting.
 */
GD_API void gd_log(enum gd_log_level level, const char *event,
    const char *fmt, ...) GD_PRINTF(3, 4);

/*
 * Like gd_log(), but appends errno=<n> error="<strerror(errno)>" using the
 * errno value at the time of the call (errno is preserved).
 */
GD_API void gd_log_errno(enum gd_log_level level, const char *event,
    const char *fmt, ...) GD_PRINTF(3, 4);

GD_API void gd_logv(enum gd_log_level level, const char *event,
    const char *fmt, va_list ap) GD_PRINTF(3, 0);

/* True when a line at `level` would be written. */
GD_API bool gd_log_enabled(enum gd_log_level level);

/*
 * Copy `value` into `buf` as a log value: unchanged when it contains only
 * safe characters, otherwise double-quoted with \" \\ and \xNN escapes.
 * Truncates to fit `size` (which must be at least 3).  Returns buf.
 */
GD_API const char *gd_log_quote(char *buf, size_t size, const char *value);

/* Parse "debug", "info", "notice", "warning", "error".  0 or -1. */
GD_API int gd_log_level_parse(const char *name, enum gd_log_level *level_r);

/*
 * Configure the sink: the minimum level, the target, and for syslog the
 * ident and facility (LOG_MAIL when 0).  Main thread, before workers run
 * or during reload (the switch is atomic for concurrent writers).
 */
GD_API void gd_log_open(enum gd_log_level level, enum gd_log_target target,
    const char *ident, int facility);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_LOG_H */
