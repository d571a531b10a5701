/*
 * log.c — one structured line per event, to stderr or syslog.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <gumdrop/common.h>
#include <gumdrop/log.h>

#include "log-private.h"

#define LOG_LINE_MAX 2048
/* Held lines written at once: PIPE_BUF, so one write is never split. */
#define LOG_HOLD_MAX 4096

static _Atomic int log_level = GD_LOG_INFO;
static _Atomic int log_target = GD_LOG_TARGET_STDERR;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* A thread's held lines (gd_log_hold_start), or NULL: written at once. */
struct log_hold {
	size_t len;
	char buf[LOG_HOLD_MAX];
};
static _Thread_local struct log_hold *log_held;

static const char *const level_names[] = {
	"debug", "info", "notice", "warning", "error", "fatal",
};

static const int syslog_prio[] = {
	LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR, LOG_CRIT,
};

bool
gd_log_enabled(enum gd_log_level level)
{
	return (int)level >= atomic_load(&log_level);
}

int
gd_log_level_parse(const char *name, enum gd_log_level *level_r)
{
	size_t i;

	for (i = 0; i < GD_LOG_FATAL; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level_r = (enum gd_log_level)i;
			return 0;
		}
	}
	return -1;
}

void
gd_log_open(enum gd_log_level level, enum gd_log_target target,
    const char *ident, int facility)
{
	pthread_mutex_lock(&log_lock);
	if (target == GD_LOG_TARGET_SYSLOG)
		openlog(ident != NULL ? ident : "gumdropd", LOG_PID | LOG_NDELAY,
		    facility != 0 ? facility : LOG_MAIL);
	else if (atomic_load(&log_target) == GD_LOG_TARGET_SYSLOG)
		closelog();
	atomic_store(&log_target, target);
	atomic_store(&log_level, level);
	pthread_mutex_unlock(&log_lock);
}

static bool
log_safe_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
}

const char *
gd_log_quote(char *buf, size_t size, const char *value)
{
	const unsigned char *p;
	size_t o = 0;
	bool plain = value[0] != '\0';

	assert(size >= 3);
	for (p = (const unsigned char *)value; *p != '\0' && plain; p++)
		plain = log_safe_char(*p);
	if (plain) {
		snprintf(buf, size, "%s", value);
		return buf;
	}
	buf[o++] = '"';
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		char esc[5];
		size_t n;

		if (*p == '"' || *p == '\\')
			n = (size_t)snprintf(esc, sizeof(esc), "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else {
			esc[0] = (char)*p;
			n = 1;
		}
		/* UNSAFE: keep room for the closing quote and NUL. */
		if (o + n + 2 > size)
			break;
		memcpy(buf + o, esc, n);
		o += n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static size_t
log_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, size - n, ".%03ldZ ",
	    ts.tv_nsec / 1000000);
	return n;
}

/* Write whole lines to stderr; one writer at a time. */
static void
log_write(const char *buf, size_t n)
{
	pthread_mutex_lock(&log_lock);
	(void)!write(STDERR_FILENO, buf, n);
	pthread_mutex_unlock(&log_lock);
}

/*
 * Hold the line when this thread holds lines (written together by
 * gd_log_hold_flush), else write it.  An error or a fatal line is
 * written at once, after the held ones: it may be the last before an
 * abort.
 */
static void
log_put(enum gd_log_level level, const char *line, size_t n)
{
	struct log_hold *h = log_held;

	if (h == NULL) {
		log_write(line, n);
		return;
	}
	if (h->len + n > sizeof(h->buf))
		gd_log_hold_flush();
	memcpy(h->buf + h->len, line, n);
	h->len += n;
	if (level >= GD_LOG_ERROR)
		gd_log_hold_flush();
}

void
gd_log_hold_start(void)
{
	if (log_held == NULL)
		log_held = gd_xcalloc(1, sizeof(*log_held));
}

void
gd_log_hold_flush(void)
{
	struct log_hold *h = log_held;

	if (h == NULL || h->len == 0)
		return;
	log_write(h->buf, h->len);
	h->len = 0;
}

void
gd_log_hold_stop(void)
{
	gd_log_hold_flush();
	free(log_held);
	log_held = NULL;
}

static void
log_emit(enum gd_log_level level, const char *event, const char *fmt,
    va_list ap, int err)
{
	char line[LOG_LINE_MAX];
	size_t n = 0, i;
	int target = atomic_load(&log_target);

	if (target == GD_LOG_TARGET_STDERR)
		n = log_timestamp(line, sizeof(line));
	n += (size_t)snprintf(line + n, sizeof(line) - n, "level=%s event=%s",
	    level_names[level], event);
	if (fmt != NULL && n < sizeof(line) - 1) {
		line[n++] = ' ';
		vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		n = strlen(line);
	}
	if (err != 0 && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n,
		    " errno=%d error=\"%s\"", err, strerror(err));
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	/* One event, one line: never let input split it. */
	for (i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	if (target == GD_LOG_TARGET_SYSLOG) {
		syslog(syslog_prio[level], "%s", line);
		return;
	}
	line[n++] = '\n';
	log_put(level, line, n);
}

void
gd_logv(enum gd_log_level level, const char *event, const char *fmt,
    va_list ap)
{
	if (!gd_log_enabled(level))
		return;
	log_emit(level, event, fmt, ap, 0);
}

void
gd_log(enum gd_log_level level, const char *event, const char *fmt, ...)
{
	va_list ap;

	if (!gd_log_enabled(level))
		return;
	va_start(ap, fmt);
	log_emit(level, event, fmt, ap, 0);
	va_end(ap);
}

void
gd_log_errno(enum gd_log_level level, const char *event, const char *fmt,
    ...)
{
	int saved = errno;
	va_list ap;

	if (gd_log_enabled(level)) {
		va_start(ap, fmt);
		log_emit(level, event, fmt, ap, saved);
		va_end(ap);
	}
	errno = saved;
}
