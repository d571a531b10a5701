/*
 * imap-section.c — a BODY[section] / BINARY[section] item resolved on
 * the part tree to what must be sent (RFC 9051 6.4.5, 7.5.2; RFC 3516).
 */
#include "config.h"

#include <string.h>

#include "imap-fetch-resp.h"

static bool
sec_is_multipart(const struct gd_mime_part *p)
{
	return p->children != NULL && gd_mime_part_is(p, "multipart", NULL);
}

/* The encapsulated message of a message/rfc822 part, or NULL. */
static const struct gd_mime_part *
sec_inner(const struct gd_mime_part *p)
{
	if (p->children == NULL || sec_is_multipart(p))
		return NULL;
	return p->children;
}

/*
 * Follow the part numbers; NULL when a part does not exist.  Only a
 * message (the root, or the message of a message/rfc822 part) that is
 * not multipart has a part 1, its body (RFC 3501 6.4.5); a leaf inside
 * a multipart has no parts (Dovecot takes "n.1" of a leaf as the leaf).
 */
static const struct gd_mime_part *
sec_find(const struct gd_mime_part *root, const uint32_t *num,
    unsigned depth)
{
	const struct gd_mime_part *p = root, *c;
	bool message = true;
	unsigned i;

	for (i = 0; i < depth; i++) {
		if (i > 0 && sec_inner(p) != NULL) {
			p = sec_inner(p);
			message = true;
		}
		if (sec_is_multipart(p)) {
			for (c = p->children; c != NULL; c = c->next)
				if (c->index == num[i])
					break;
			if (c == NULL)
				return NULL;
			p = c;
			message = false;
		} else if (num[i] != 1 || !message ||
		    gd_mime_part_is(p, "multipart", NULL))
			return NULL;	/* (or a multipart without parts) */
		else
			message = false;
	}
	return p;
}

/* The message whose HEADER/TEXT a section names: the root without
 * part numbers, else the message of a message/rfc822 part. */
static const struct gd_mime_part *
sec_message(const struct gd_mime_part *p, unsigned depth)
{
	if (depth == 0)
		return p;
	return sec_inner(p);
}

static void
sec_range(struct imap_section *sec, uint64_t off, uint64_t size,
    uint64_t msg_size)
{
	if (off > msg_size)
		off = msg_size;
	if (size > msg_size - off)
		size = msg_size - off;
	sec->kind = IMAP_SEC_RANGE;
	sec->offset = off;
	sec->size = size;
}

static void
sec_body(const struct imap_fetch_att *att, struct imap_section *sec,
    const struct gd_mime_part *p, const struct gd_mime_part *msg,
    uint64_t msg_size)
{
	switch (att->section) {
	case IMAP_SECTION_ALL:
		if (att->depth == 0)
			sec_range(sec, 0, msg_size, msg_size);
		else
			sec_range(sec, p->body_offset, p->body_size, msg_size);
		break;
	case IMAP_SECTION_MIME:
		sec_range(sec, p->header_offset, p->header_size, msg_size);
		break;
	case IMAP_SECTION_TEXT:
		if (msg != NULL)
			sec_range(sec, msg->body_offset, msg->body_size,
			    msg_size);
		break;
	case IMAP_SECTION_HEADER:
	case IMAP_SECTION_HEADER_FIELDS:
	case IMAP_SECTION_HEADER_FIELDS_NOT:
		if (msg == NULL)
			break;
		sec_range(sec, msg->header_offset, msg->header_size,
		    msg_size);
		if (att->section != IMAP_SECTION_HEADER) {
			sec->kind = IMAP_SEC_FIELDS;
			sec->fields = att->fields;
			sec->nfields = att->nfields;
			sec->not = att->section ==
			    IMAP_SECTION_HEADER_FIELDS_NOT;
		}
		break;
	}
}

/* Does a body in the subtree of `p` hold NUL octets? */
static bool
sec_has_nul(const struct gd_mime_part *p)
{
	const struct gd_mime_part *c;

	if (p->flags & GD_MIME_BINARY_BODY)
		return true;
	for (c = p->children; c != NULL; c = c->next)
		if (sec_has_nul(c))
			return true;
	return false;
}

/* BINARY: leaves are decoded; anything else is sent as it is. */
static int
sec_binary(struct imap_section *sec, const struct gd_mime_part *p,
    struct imap_error *err)
{
	enum gd_mime_encoding enc;

	if (sec->kind != IMAP_SEC_RANGE || p->children != NULL ||
	    sec->part == NULL || gd_mime_part_is(p, "multipart", NULL))
		return 0;
	enc = gd_mime_part_encoding(p);
	if (enc == GD_MIME_ENC_UNKNOWN)
		return imap_error_set(err, IMAP_NO, IMAP_CODE_UNKNOWN_CTE,
		    "Unknown Content-Transfer-Encoding");
	if (enc == GD_MIME_ENC_BASE64 || enc == GD_MIME_ENC_QP) {
		sec->kind = IMAP_SEC_DECODE;
		sec->enc = enc;
	}
	return 0;
}

int
imap_section_resolve(const struct gd_mime_part *root, uint64_t msg_size,
    const struct imap_fetch_att *att, struct imap_section *sec,
    struct imap_error *err)
{
	const struct gd_mime_part *p;

	memset(sec, 0, sizeof(*sec));
	sec->kind = IMAP_SEC_RANGE;	/* empty until found */
	sec->partial = att->partial;
	sec->p_offset = att->offset;
	sec->p_length = att->length;
	sec->size_only = att->kind == IMAP_ATT_BINARY_SIZE;
	p = sec_find(root, att->part, att->depth);
	if (p == NULL)
		return 0;
	sec_body(att, sec, p, sec_message(p, att->depth), msg_size);
	sec->part = att->depth > 0 ? p : NULL;
	sec->nul = sec->size > 0 && att->section == IMAP_SECTION_ALL &&
	    sec_has_nul(p);
	if (att->kind != IMAP_ATT_BODY)
		return sec_binary(sec, p, err);
	return 0;
}

void
imap_section_rfc822(enum imap_fetch_item item, struct imap_fetch_att *att)
{
	memset(att, 0, sizeof(*att));
	att->kind = IMAP_ATT_BODY;
	att->peek = item == IMAP_FETCH_RFC822_HEADER;
	if (item == IMAP_FETCH_RFC822_HEADER)
		att->section = IMAP_SECTION_HEADER;
	else if (item == IMAP_FETCH_RFC822_TEXT)
		att->section = IMAP_SECTION_TEXT;
}
