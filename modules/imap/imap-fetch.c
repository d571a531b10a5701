/*
 * imap-fetch.c — the FETCH attribute list (RFC 9051 6.4.5 and 9, RFC 3516
 * BINARY): macros, simple items, BODY[section]<partial>, BODY.PEEK,
 * BINARY[.PEEK], BINARY.SIZE, RFC822[.HEADER/.TEXT/.SIZE], and the name
 * a response echoes for a section.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imap-parse.h"

#define META_ITEMS	(IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE | \
	IMAP_FETCH_RFC822_SIZE | IMAP_FETCH_UID)

static const struct {
	const char *name;
	unsigned items;
	bool seen;
} imap_fetch_simple[] = {
	{ "ALL", IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	    IMAP_FETCH_RFC822_SIZE | IMAP_FETCH_ENVELOPE, false },
	{ "FAST", IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	    IMAP_FETCH_RFC822_SIZE, false },
	{ "FULL", IMAP_FETCH_FLAGS | IMAP_FETCH_INTERNALDATE |
	    IMAP_FETCH_RFC822_SIZE | IMAP_FETCH_ENVELOPE | IMAP_FETCH_BODY,
	    false },
	{ "FLAGS", IMAP_FETCH_FLAGS, false },
	{ "INTERNALDATE", IMAP_FETCH_INTERNALDATE, false },
	{ "RFC822.SIZE", IMAP_FETCH_RFC822_SIZE, false },
	{ "ENVELOPE", IMAP_FETCH_ENVELOPE, false },
	{ "BODY", IMAP_FETCH_BODY, false },
	{ "BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE, false },
	{ "UID", IMAP_FETCH_UID, false },
	{ "RFC822", IMAP_FETCH_RFC822, true },
	{ "RFC822.HEADER", IMAP_FETCH_RFC822_HEADER, false },
	{ "RFC822.TEXT", IMAP_FETCH_RFC822_TEXT, true },
};
#define IMAP_NSIMPLE	(sizeof(imap_fetch_simple) / \
	sizeof(imap_fetch_simple[0]))
#define IMAP_NMACROS	3

static bool
imap_word_eq(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && strncasecmp(s, w, len) == 0;
}

/* A field name for HEADER.FIELDS: printable, no ":" (RFC 5322 3.6.8). */
static bool
imap_field_name_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == ':')
			return false;
	return len > 0;
}

/* SP "(" header-fld-name *(SP header-fld-name) ")" */
static int
imap_parse_header_list(struct imap_args *a, struct imap_fetch_att *att)
{
	size_t cap = 0, len, i;
	char *f;

	if (imap_args_sp(a) < 0 || !imap_args_skip(a, '('))
		return imap_error_bad(a->err, "Expected a header list");
	do {
		if (imap_parse_astring(a, &f, &len) < 0 ||
		    !imap_field_name_ok(f, len))
			return imap_error_bad(a->err, "Invalid field name");
		for (i = 0; i < len; i++)
			f[i] = (char)toupper((unsigned char)f[i]);
		att->fields = imap_pool_grow(a->pool, att->fields,
		    att->nfields, &cap, sizeof(char *));
		att->fields[att->nfields++] = f;
	} while (imap_args_skip(a, ' '));
	if (!imap_args_skip(a, ')'))
		return imap_error_bad(a->err, "Expected ')'");
	return 0;
}

/* section-part: nz-number *("." nz-number), stopping before ".TEXT". */
static int
imap_parse_section_part(struct imap_args *a, struct imap_fetch_att *att)
{
	uint32_t n;

	while (a->p < a->end && *a->p >= '0' && *a->p <= '9') {
		if (att->depth == IMAP_PART_DEPTH_MAX)
			return imap_error_set(a->err, IMAP_BAD,
			    IMAP_CODE_LIMIT, "Section nested too deeply");
		if (imap_parse_nz_number(a, &n) < 0)
			return -1;
		att->part[att->depth++] = n;
		if (a->end - a->p < 2 || a->p[0] != '.' ||
		    a->p[1] < '0' || a->p[1] > '9')
			break;
		a->p++;
	}
	return 0;
}

/* HEADER / HEADER.FIELDS[.NOT] list / TEXT / MIME after the part. */
static int
imap_parse_section_text(struct imap_args *a, struct imap_fetch_att *att)
{
	const char *s = a->p;
	size_t len;

	while (a->p < a->end && (isalpha((unsigned char)*a->p) ||
	    *a->p == '.'))
		a->p++;
	len = (size_t)(a->p - s);
	if (imap_word_eq(s, len, "HEADER"))
		att->section = IMAP_SECTION_HEADER;
	else if (imap_word_eq(s, len, "TEXT"))
		att->section = IMAP_SECTION_TEXT;
	else if (imap_word_eq(s, len, "MIME") && att->depth > 0)
		att->section = IMAP_SECTION_MIME;
	else if (imap_word_eq(s, len, "HEADER.FIELDS"))
		att->section = IMAP_SECTION_HEADER_FIELDS;
	else if (imap_word_eq(s, len, "HEADER.FIELDS.NOT"))
		att->section = IMAP_SECTION_HEADER_FIELDS_NOT;
	else
		return imap_error_bad(a->err, "Invalid section");
	if (att->section == IMAP_SECTION_HEADER_FIELDS ||
	    att->section == IMAP_SECTION_HEADER_FIELDS_NOT)
		return imap_parse_header_list(a, att);
	return 0;
}

/* "[" [section-spec] "]" (BINARY: part numbers only). */
static int
imap_parse_section(struct imap_args *a, struct imap_fetch_att *att)
{
	if (!imap_args_skip(a, '['))
		return imap_error_bad(a->err, "Expected '['");
	if (imap_parse_section_part(a, att) < 0)
		return -1;
	if (att->kind == IMAP_ATT_BODY && a->p < a->end && *a->p != ']') {
		if (att->depth > 0 && !imap_args_skip(a, '.'))
			return imap_error_bad(a->err, "Invalid section");
		if (imap_parse_section_text(a, att) < 0)
			return -1;
	}
	if (!imap_args_skip(a, ']'))
		return imap_error_bad(a->err, "Invalid section");
	return 0;
}

/* "<" number64 "." nz-number64 ">" */
static int
imap_parse_partial(struct imap_args *a, struct imap_fetch_att *att)
{
	if (!imap_args_skip(a, '<'))
		return 0;
	if (imap_parse_number64(a, &att->offset) < 0 ||
	    !imap_args_skip(a, '.') ||
	    imap_parse_number64(a, &att->length) < 0 || att->length == 0 ||
	    !imap_args_skip(a, '>'))
		return imap_error_bad(a->err, "Invalid partial");
	att->partial = true;
	return 0;
}

/* BODY[...], BODY.PEEK[...], BINARY[.PEEK][...], BINARY.SIZE[...] */
static int
imap_parse_section_att(struct imap_args *a, const char *s, size_t len,
    struct imap_fetch *f)
{
	struct imap_fetch_att *att, **tail;

	att = gd_pool_alloc(a->pool, sizeof(*att));
	if (imap_word_eq(s, len, "BODY.PEEK") ||
	    imap_word_eq(s, len, "BINARY.PEEK"))
		att->peek = true;
	if (s[1] == 'I' || s[1] == 'i')
		att->kind = imap_word_eq(s, len, "BINARY.SIZE") ?
		    IMAP_ATT_BINARY_SIZE : IMAP_ATT_BINARY;
	if (imap_parse_section(a, att) < 0)
		return -1;
	if (att->kind != IMAP_ATT_BINARY_SIZE &&
	    imap_parse_partial(a, att) < 0)
		return -1;
	if (att->kind != IMAP_ATT_BINARY_SIZE && !att->peek)
		f->sets_seen = true;
	for (tail = &f->atts; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = att;
	f->natts++;
	return 0;
}

static bool
imap_is_section_name(const char *s, size_t len)
{
	return imap_word_eq(s, len, "BODY") ||
	    imap_word_eq(s, len, "BODY.PEEK") ||
	    imap_word_eq(s, len, "BINARY") ||
	    imap_word_eq(s, len, "BINARY.PEEK") ||
	    imap_word_eq(s, len, "BINARY.SIZE");
}

/* One fetch-att (macros only when `macros`). */
static int
imap_parse_fetch_att(struct imap_args *a, struct imap_fetch *f, bool macros)
{
	const char *s = a->p;
	size_t len, i;

	while (a->p < a->end && (isalnum((unsigned char)*a->p) ||
	    *a->p == '.'))
		a->p++;
	len = (size_t)(a->p - s);
	if (a->p < a->end && *a->p == '[' && imap_is_section_name(s, len))
		return imap_parse_section_att(a, s, len, f);
	for (i = macros ? 0 : IMAP_NMACROS; i < IMAP_NSIMPLE; i++)
		if (imap_word_eq(s, len, imap_fetch_simple[i].name)) {
			f->items |= imap_fetch_simple[i].items;
			f->sets_seen |= imap_fetch_simple[i].seen;
			return 0;
		}
	return imap_error_bad(a->err, "Invalid FETCH item");
}

int
imap_parse_fetch(struct imap_args *a, struct imap_fetch *f_r)
{
	memset(f_r, 0, sizeof(*f_r));
	if (imap_args_sp(a) < 0)
		return -1;
	if (imap_args_skip(a, '(')) {
		do {
			if (imap_parse_fetch_att(a, f_r, false) < 0)
				return -1;
		} while (imap_args_skip(a, ' '));
		if (!imap_args_skip(a, ')'))
			return imap_error_bad(a->err, "Expected ')'");
	} else if (imap_parse_fetch_att(a, f_r, true) < 0)
		return -1;
	if (a->p < a->end && a->p[0] == ' ')
		return imap_error_bad(a->err, "Unknown FETCH modifier");
	f_r->metadata_only = f_r->natts == 0 &&
	    (f_r->items & ~META_ITEMS) == 0;
	return imap_args_end(a);
}

static void
imap_name_put(char *buf, size_t cap, size_t *w, const char *s)
{
	size_t n = strlen(s);

	if (*w < cap)
		memcpy(buf + *w, s, n < cap - *w ? n : cap - *w);
	*w += n;
}

static const char *
imap_section_word(enum imap_section_kind k)
{
	static const char *const words[] = { "", "HEADER", "HEADER.FIELDS",
	    "HEADER.FIELDS.NOT", "TEXT", "MIME" };

	return words[k];
}

size_t
imap_fetch_att_name(char *buf, size_t cap, const struct imap_fetch_att *att)
{
	char num[32];
	size_t w = 0, i;

	imap_name_put(buf, cap, &w, att->kind == IMAP_ATT_BODY ? "BODY[" :
	    att->kind == IMAP_ATT_BINARY ? "BINARY[" : "BINARY.SIZE[");
	for (i = 0; i < att->depth; i++) {
		snprintf(num, sizeof(num), "%s%u", i > 0 ? "." : "",
		    att->part[i]);
		imap_name_put(buf, cap, &w, num);
	}
	if (att->section != IMAP_SECTION_ALL && att->depth > 0)
		imap_name_put(buf, cap, &w, ".");
	imap_name_put(buf, cap, &w, imap_section_word(att->section));
	for (i = 0; i < att->nfields; i++) {
		imap_name_put(buf, cap, &w, i == 0 ? " (" : " ");
		/* Field names with atom-specials go quoted. */
		w += imap_string_format(w < cap ? buf + w : NULL,
		    w < cap ? cap - w : 0, att->fields[i],
		    strlen(att->fields[i]), 0, IMAP_STR_ATOM);
	}
	imap_name_put(buf, cap, &w, att->nfields > 0 ? ")]" : "]");
	if (att->partial) {
		snprintf(num, sizeof(num), "<%llu>",
		    (unsigned long long)att->offset);
		imap_name_put(buf, cap, &w, num);
	}
	if (cap > 0)
		buf[w < cap ? w : cap - 1] = '\0';
	return w;
}
