/*
 * smtp-param.h — helpers shared by the MAIL and RCPT parameter parsers
 * (smtp-param.c, smtp-param-rcpt.c, smtp-datetime.c).  Module-internal.
 */
#ifndef GD_SMTP_PARAM_H
#define GD_SMTP_PARAM_H

#include "smtp-parse.h"

/* One "KEY[=VALUE]" of an esmtp-param list; pointers into the line.
 * value is NULL when there was no '='. */
struct smtp_param {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

/*
 * The next parameter of s[0..len) from *pos on (spaces skipped), *pos
 * moved past it.  Returns 1 with *p filled, 0 when none is left, -1
 * when the keyword is not esmtp-keyword (ALPHA / DIGIT, then also '-')
 * (*p still names it).
 */
int smtp_param_next(const char *s, size_t len, size_t *pos,
    struct smtp_param *p);

/* 501 5.5.4 "Bad NAME parameter value"; returns -1. */
int smtp_param_bad(struct smtp_error *err, const char *name);

/* 555 5.5.4 "Unsupported parameter KEY"; returns -1. */
int smtp_param_unknown(struct smtp_error *err, const char *s, size_t n);

/* 1..max_digits decimal digits into *v: 0, or -1. */
int smtp_param_digits(const char *s, size_t n, size_t max_digits,
    uint64_t *v);

/*
 * RFC 3339 date-time "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" (the
 * 'T' and 'Z' case-insensitive, leap second 60 taken as 59) into seconds
 * since the epoch: 0, or -1 when malformed or out of range.
 */
int smtp_param_datetime(const char *s, size_t n, int64_t *t_r);

#endif
