/*
 * imap-flags.c — flags as clients send them (APPEND, STORE) and as the
 * server lists them (FLAGS, PERMANENTFLAGS, FETCH FLAGS).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

static const struct {
	const char *name;
	uint32_t bit;
} imap_sysflags[] = {
	{ "\\Answered", GD_MAIL_ANSWERED },
	{ "\\Flagged", GD_MAIL_FLAGGED },
	{ "\\Deleted", GD_MAIL_DELETED },
	{ "\\Seen", GD_MAIL_SEEN },
	{ "\\Draft", GD_MAIL_DRAFT },
	{ "\\Recent", GD_MAIL_RECENT },
};
#define IMAP_NSYSFLAGS	(sizeof(imap_sysflags) / sizeof(imap_sysflags[0]))

uint32_t
imap_system_flag(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < IMAP_NSYSFLAGS; i++)
		if (strlen(imap_sysflags[i].name) == len &&
		    strncasecmp(name, imap_sysflags[i].name, len) == 0)
			return imap_sysflags[i].bit;
	return 0;
}

const char *
imap_system_flag_name(uint32_t bit)
{
	size_t i;

	for (i = 0; i < IMAP_NSYSFLAGS; i++)
		if (imap_sysflags[i].bit == bit)
			return imap_sysflags[i].name;
	return NULL;
}

/* Add keyword k (case-insensitively unique) to f. */
static void
imap_flags_add_keyword(struct imap_flags *f, const char *k, size_t len,
    size_t max, struct gd_pool *pool)
{
	size_t i;

	for (i = 0; i < f->nkeywords; i++)
		if (strlen(f->keywords[i]) == len &&
		    strncasecmp(f->keywords[i], k, len) == 0)
			return;
	if (f->nkeywords < max)
		f->keywords[f->nkeywords++] = gd_pool_strndup(pool, k, len);
}

/* One flag: "\" atom (a storable system flag) or a keyword atom. */
static int
imap_parse_flag(struct imap_args *a, struct imap_flags *f, size_t max)
{
	const char *s;
	size_t len;
	uint32_t bit;
	bool sys = imap_args_skip(a, '\\');

	if (sys && a->p < a->end && *a->p == '*')
		return imap_error_bad(a->err, "\\* is not a flag to set");
	if (imap_parse_atom(a, &s, &len) < 0)
		return imap_error_bad(a->err, "Invalid flag");
	if (!sys) {
		imap_flags_add_keyword(f, s, len, max, a->pool);
		return 0;
	}
	bit = imap_system_flag(s - 1, len + 1);
	if (bit == 0 || bit == GD_MAIL_RECENT)
		return imap_error_bad(a->err, "Flag \\%.*s cannot be set",
		    (int)(len < 40 ? len : 40), s);
	f->system |= bit;
	return 0;
}

/* flag *(SP flag), up to ")" when `paren`. */
static int
imap_parse_flags_seq(struct imap_args *a, struct imap_flags *f, bool paren)
{
	size_t max = (size_t)(a->end - a->p) / 2 + 1;

	memset(f, 0, sizeof(*f));
	f->keywords = gd_pool_alloc(a->pool, (max + 1) * sizeof(char *));
	if (paren && imap_args_skip(a, ')'))
		return 0;
	for (;;) {
		if (imap_parse_flag(a, f, max) < 0)
			return -1;
		if (paren && imap_args_skip(a, ')'))
			return 0;
		if (!paren && (imap_args_at_end(a) || *a->p != ' '))
			return 0;
		if (imap_args_sp(a) < 0)
			return -1;
	}
}

int
imap_parse_flag_list(struct imap_args *a, struct imap_flags *f)
{
	if (!imap_args_skip(a, '('))
		return imap_error_bad(a->err, "Expected a flag list");
	return imap_parse_flags_seq(a, f, true);
}

/* ["+" / "-"] "FLAGS" [".SILENT"] */
static int
imap_parse_store_item(struct imap_args *a, struct imap_store *st)
{
	const char *s;
	size_t len;

	st->op = GD_MAIL_FLAGS_REPLACE;
	if (imap_args_skip(a, '+'))
		st->op = GD_MAIL_FLAGS_ADD;
	else if (imap_args_skip(a, '-'))
		st->op = GD_MAIL_FLAGS_REMOVE;
	if (imap_parse_atom(a, &s, &len) < 0)
		return -1;
	if (len == 12 && strncasecmp(s, "FLAGS.SILENT", 12) == 0)
		st->silent = true;
	else if (len != 5 || strncasecmp(s, "FLAGS", 5) != 0)
		return imap_error_bad(a->err, "Invalid STORE item");
	return 0;
}

int
imap_parse_store(struct imap_args *a, struct imap_store *st_r)
{
	memset(st_r, 0, sizeof(*st_r));
	if (imap_args_sp(a) < 0)
		return -1;
	if (a->p < a->end && *a->p == '(')
		return imap_error_bad(a->err, "Unknown STORE modifier");
	if (imap_parse_store_item(a, st_r) < 0 || imap_args_sp(a) < 0)
		return -1;
	if (a->p < a->end && *a->p == '(') {
		if (imap_parse_flag_list(a, &st_r->flags) < 0)
			return -1;
	} else if (imap_parse_flags_seq(a, &st_r->flags, false) < 0)
		return -1;
	return imap_args_end(a);
}

static void
imap_fmt_put(char *buf, size_t cap, size_t *w, const char *s)
{
	size_t n = strlen(s);

	if (*w < cap)
		memcpy(buf + *w, s, n < cap - *w ? n : cap - *w);
	*w += n;
}

size_t
imap_flags_format(char *buf, size_t cap, uint32_t system,
    const char *const *keywords, size_t nkeywords, bool wildcard)
{
	size_t i, w = 0, n = 0;

	imap_fmt_put(buf, cap, &w, "(");
	for (i = 0; i < IMAP_NSYSFLAGS; i++)
		if (system & imap_sysflags[i].bit) {
			imap_fmt_put(buf, cap, &w, n++ > 0 ? " " : "");
			imap_fmt_put(buf, cap, &w, imap_sysflags[i].name);
		}
	for (i = 0; i < nkeywords; i++) {
		imap_fmt_put(buf, cap, &w, n++ > 0 ? " " : "");
		imap_fmt_put(buf, cap, &w, keywords[i]);
	}
	if (wildcard)
		imap_fmt_put(buf, cap, &w, n > 0 ? " \\*" : "\\*");
	imap_fmt_put(buf, cap, &w, ")");
	if (cap > 0)
		buf[w < cap ? w : cap - 1] = '\0';
	return w;
}
