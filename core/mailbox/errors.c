/*
 * errors.c — struct gd_mail_error: codes, names, and filling it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mailbox-private.h"

static const char *const mail_errcode_names[] = {
	[GD_MAIL_ERR_NONE] = "none",
	[GD_MAIL_ERR_TEMP] = "temp",
	[GD_MAIL_ERR_NOTFOUND] = "notfound",
	[GD_MAIL_ERR_EXISTS] = "exists",
	[GD_MAIL_ERR_BADNAME] = "badname",
	[GD_MAIL_ERR_NOPERM] = "noperm",
	[GD_MAIL_ERR_OVERQUOTA] = "overquota",
	[GD_MAIL_ERR_EXPUNGED] = "expunged",
	[GD_MAIL_ERR_INUSE] = "inuse",
	[GD_MAIL_ERR_LIMIT] = "limit",
	[GD_MAIL_ERR_NOTSUPP] = "notsupp",
	[GD_MAIL_ERR_CORRUPT] = "corrupt",
};

const char *
gd_mail_errcode_name(enum gd_mail_errcode code)
{
	if ((unsigned)code >= GD_N_ELEMENTS(mail_errcode_names))
		return "unknown";
	return mail_errcode_names[code];
}

void
gd_mail_error_clear(struct gd_mail_error *err)
{
	if (err == NULL)
		return;
	err->code = GD_MAIL_ERR_NONE;
	err->text[0] = '\0';
}

static void
mail_error_vset(struct gd_mail_error *err, enum gd_mail_errcode code,
    const char *fmt, va_list ap)
{
	char *p;

	err->code = code;
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	/* One line, whatever the arguments held. */
	for (p = err->text; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
}

void
gd_mail_error_set(struct gd_mail_error *err, enum gd_mail_errcode code,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	mail_error_vset(err, code, fmt, ap);
	va_end(ap);
}

static enum gd_mail_errcode
mail_errno_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return GD_MAIL_ERR_NOTFOUND;
	case EACCES:
	case EPERM:
	case EROFS:
		return GD_MAIL_ERR_NOPERM;
	case EDQUOT:
		return GD_MAIL_ERR_OVERQUOTA;
	case EEXIST:
		return GD_MAIL_ERR_EXISTS;
	case ENAMETOOLONG:
		return GD_MAIL_ERR_BADNAME;
	default:
		return GD_MAIL_ERR_TEMP;
	}
}

void
gd_mail_error_errno(struct gd_mail_error *err, const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	mail_error_vset(err, mail_errno_code(saved), fmt, ap);
	va_end(ap);
	len = strlen(err->text);
	snprintf(err->text + len, sizeof(err->text) - len, ": %s",
	    strerror(saved));
	errno = saved;
}
