/*
 * imap-bodystructure.c — FETCH BODY and BODYSTRUCTURE (RFC 9051 7.5.2,
 * RFC 3501 7.4.2) from the MIME part tree of message.h.
 */
#include "config.h"

#include <string.h>

#include "imap-fetch-resp.h"

static void
bs_sp(struct imap_sbuf *sb)
{
	imap_sbuf_add(sb, " ", 1);
}

static void
bs_str(struct imap_sbuf *sb, const char *s, unsigned mode)
{
	imap_sbuf_string(sb, s, strlen(s), mode);
}

/* An RFC 2231 extended value ("charset'lang'%XX..."): its name gets
 * back the "*" the parser removed, since the value stays encoded. */
static bool
bs_param_extended(const struct gd_mime_param *p)
{
	return (p->charset != NULL || p->language != NULL) &&
	    p->raw_value != NULL && strchr(p->raw_value, '\'') != NULL;
}

/*
 * "(" name SP value *(...) ")" / NIL, values as written; `charset` adds
 * "charset" "us-ascii" when no charset is given (RFC 2045 5.2: text/ *).
 */
static void
bs_params(struct imap_sbuf *sb, const struct gd_mime_param *p,
    bool charset, unsigned mode)
{
	const char *v, *name;

	if (charset && gd_mime_param_get(p, "charset") == NULL) {
		if (p == NULL)
			imap_sbuf_add(sb, "(", 1);
		else {
			bs_params(sb, p, false, mode);
			sb->buf[sb->len - 1] = ' ';	/* the ")" */
		}
		imap_sbuf_str(sb, "\"charset\" \"us-ascii\")");
		return;
	}
	if (p == NULL) {
		imap_sbuf_add(sb, "NIL", 3);
		return;
	}
	imap_sbuf_add(sb, "(", 1);
	for (; p != NULL; p = p->next) {
		name = p->name;
		if (bs_param_extended(p))
			name = gd_pool_printf(sb->pool, "%s*", p->name);
		v = p->raw_value != NULL ? p->raw_value : p->value;
		bs_str(sb, name, mode);
		bs_sp(sb);
		bs_str(sb, v != NULL ? v : "", mode);
		if (p->next != NULL)
			bs_sp(sb);
	}
	imap_sbuf_add(sb, ")", 1);
}

/* body-fld-dsp: "(" string SP body-fld-param ")" / NIL */
static void
bs_disposition(struct imap_sbuf *sb, const struct gd_mime_part *part,
    unsigned mode)
{
	if (part->disposition == NULL || part->disposition[0] == '\0') {
		imap_sbuf_add(sb, "NIL", 3);
		return;
	}
	imap_sbuf_add(sb, "(", 1);
	bs_str(sb, part->disposition, mode);
	bs_sp(sb);
	bs_params(sb, part->disposition_params, false, mode);
	imap_sbuf_add(sb, ")", 1);
}

/* Next language tag of a Content-Language list (comments skipped). */
static const char *
bs_lang_next(const char *s, size_t *len_r)
{
	int depth = 0;

	for (;;) {
		if (*s == '(')
			depth++;
		else if (*s == ')' && depth > 0)
			depth--;
		else if (*s == '\0')
			return NULL;
		else if (depth == 0 && strchr(" \t\r\n,", *s) == NULL)
			break;
		s++;
	}
	*len_r = strcspn(s, " \t\r\n,(");
	return s;
}

/* body-fld-lang: NIL, or always a list "(" string *(SP string) ")". */
static void
bs_language(struct imap_sbuf *sb, const char *lang, unsigned mode)
{
	const char *t;
	size_t n;

	t = lang != NULL ? bs_lang_next(lang, &n) : NULL;
	if (t == NULL) {
		imap_sbuf_add(sb, "NIL", 3);
		return;
	}
	imap_sbuf_add(sb, "(", 1);
	for (; t != NULL; t = bs_lang_next(t + n, &n)) {
		if (sb->buf[sb->len - 1] != '(')
			bs_sp(sb);
		imap_sbuf_string(sb, t, n, mode);
	}
	imap_sbuf_add(sb, ")", 1);
}

/* SP body-fld-dsp SP body-fld-lang SP body-fld-loc */
static void
bs_ext_common(struct imap_sbuf *sb, const struct gd_mime_part *part,
    unsigned mode)
{
	bs_sp(sb);
	bs_disposition(sb, part, mode);
	bs_sp(sb);
	bs_language(sb, part->language, mode);
	bs_sp(sb);
	imap_sbuf_nstring(sb, part->location, mode);
}

static bool
bs_is_rfc822(const struct gd_mime_part *part)
{
	return part->children != NULL &&
	    !gd_mime_part_is(part, "multipart", NULL) &&
	    gd_mime_part_is(part, "message", NULL);
}

static bool
bs_is_multipart(const struct gd_mime_part *part)
{
	return part->children != NULL &&
	    gd_mime_part_is(part, "multipart", NULL);
}

static void bs_part(struct imap_sbuf *, const struct gd_mime_part *, bool,
    unsigned);

/* body-type-1part: type, fields, then per type: lines, envelope... */
static void
bs_single(struct imap_sbuf *sb, const struct gd_mime_part *part,
    bool extended, unsigned mode)
{
	const char *enc = part->encoding;

	imap_sbuf_add(sb, "(", 1);
	bs_str(sb, part->type_raw, mode);
	bs_sp(sb);
	bs_str(sb, part->subtype_raw, mode);
	bs_sp(sb);
	bs_params(sb, part->type_params,
	    gd_mime_part_is(part, "text", NULL), mode);
	bs_sp(sb);
	imap_sbuf_nstring(sb, part->id, mode);
	bs_sp(sb);
	imap_sbuf_nstring(sb, part->description, mode);
	bs_sp(sb);
	bs_str(sb, enc != NULL && enc[0] != '\0' ? enc : "7bit", mode);
	bs_sp(sb);
	imap_sbuf_u64(sb, part->body_size);
	if (bs_is_rfc822(part)) {
		bs_sp(sb);
		imap_envelope_write(sb, part->children, mode);
		bs_sp(sb);
		bs_part(sb, part->children, extended, mode);
		bs_sp(sb);
		imap_sbuf_u64(sb, part->body_lines);
	} else if (gd_mime_part_is(part, "text", NULL)) {
		bs_sp(sb);
		imap_sbuf_u64(sb, part->body_lines);
	}
	if (extended) {
		bs_sp(sb);
		imap_sbuf_nstring(sb, part->md5, mode);
		bs_ext_common(sb, part, mode);
	}
	imap_sbuf_add(sb, ")", 1);
}

static void
bs_multi(struct imap_sbuf *sb, const struct gd_mime_part *part,
    bool extended, unsigned mode)
{
	const struct gd_mime_part *c;

	imap_sbuf_add(sb, "(", 1);
	for (c = part->children; c != NULL; c = c->next)
		bs_part(sb, c, extended, mode);
	bs_sp(sb);
	bs_str(sb, part->subtype_raw, mode);
	if (extended) {
		bs_sp(sb);
		bs_params(sb, part->type_params, false, mode);
		bs_ext_common(sb, part, mode);
	}
	imap_sbuf_add(sb, ")", 1);
}

/* A multipart without parts (no boundary, none found, or cut by the
 * parser's bounds): one empty text/plain part, as the grammar wants at
 * least one (Dovecot does the same). */
static void
bs_empty_multi(struct imap_sbuf *sb, const struct gd_mime_part *part,
    bool extended, unsigned mode)
{
	imap_sbuf_str(sb, "((\"text\" \"plain\" (\"charset\" \"us-ascii\") "
	    "NIL NIL \"7bit\" 0 0");
	if (extended)
		imap_sbuf_str(sb, " NIL NIL NIL NIL");
	imap_sbuf_str(sb, ") ");
	bs_str(sb, part->subtype_raw, mode);
	if (extended) {
		bs_sp(sb);
		bs_params(sb, part->type_params, false, mode);
		bs_ext_common(sb, part, mode);
	}
	imap_sbuf_add(sb, ")", 1);
}

static void
bs_part(struct imap_sbuf *sb, const struct gd_mime_part *part,
    bool extended, unsigned mode)
{
	if (bs_is_multipart(part))
		bs_multi(sb, part, extended, mode);
	else if (gd_mime_part_is(part, "multipart", NULL))
		bs_empty_multi(sb, part, extended, mode);
	else
		bs_single(sb, part, extended, mode);
}

void
imap_bodystructure_write(struct imap_sbuf *sb,
    const struct gd_mime_part *part, bool extended, unsigned mode)
{
	bs_part(sb, part, extended, mode);
}
