/*
 * msg-part.c — the MIME tree: creating parts, recording their Content-*
 * and envelope fields, deciding what a part contains when its header
 * ends, and closing parts at boundary lines or at the end of input.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <gumdrop/pool.h>

#include "message-private.h"

struct msg_env_name {
	const char *name;
	size_t off;
};

static const struct msg_env_name msg_env_names[] = {
	{ "date", offsetof(struct gd_msg_envelope, date) },
	{ "subject", offsetof(struct gd_msg_envelope, subject) },
	{ "from", offsetof(struct gd_msg_envelope, from) },
	{ "sender", offsetof(struct gd_msg_envelope, sender) },
	{ "reply-to", offsetof(struct gd_msg_envelope, reply_to) },
	{ "to", offsetof(struct gd_msg_envelope, to) },
	{ "cc", offsetof(struct gd_msg_envelope, cc) },
	{ "bcc", offsetof(struct gd_msg_envelope, bcc) },
	{ "in-reply-to", offsetof(struct gd_msg_envelope, in_reply_to) },
	{ "message-id", offsetof(struct gd_msg_envelope, message_id) },
};

static const char **content_slot(struct msg_part *part, const char *name,
    size_t len);
static void content_type_default(struct gd_msg_parser *p,
    struct msg_part *part);
static void content_finalize(struct gd_msg_parser *p, struct msg_part *part);
static void disposition_parse(struct gd_msg_parser *p, struct msg_part *part);
static void part_begin_body(struct gd_msg_parser *p, struct msg_part *part);
static bool part_is_message(const struct msg_part *part);
static struct msg_term range_end(uint64_t start, uint64_t start_lf,
    const struct msg_term *end);
static uint64_t range_lines(uint64_t start, uint64_t start_lf,
    const struct msg_term *t);
static void part_close_header(struct gd_msg_parser *p, struct msg_part *x,
    const struct msg_term *end);
static void part_close_body(struct gd_msg_parser *p, struct msg_part *x,
    const struct msg_term *end);

bool
msg_ascii_caseeq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (b[i] == '\0' || msg_lower((unsigned char)a[i]) !=
		    msg_lower((unsigned char)b[i]))
			return false;
	}
	return b[alen] == '\0';
}

/* Copy exactly len bytes (NULs included) and terminate. */
char *
msg_pool_memdup(struct gd_pool *pool, const void *s, size_t len)
{
	char *r = gd_pool_alloc(pool, len + 1);

	memcpy(r, s, len);
	return r;
}

char *
msg_pool_lower(struct gd_pool *pool, const char *s, size_t len)
{
	char *r = msg_pool_memdup(pool, s, len);
	size_t i;

	for (i = 0; i < len; i++)
		r[i] = (char)msg_lower((unsigned char)r[i]);
	return r;
}

struct msg_part *
msg_part_new(struct gd_msg_parser *p, struct msg_part *parent, uint64_t off,
    bool is_message)
{
	struct msg_part *part = gd_pool_alloc(p->pool, sizeof(*part));

	part->pub.index = 1;
	if (parent != NULL) {
		part->pub.parent = &parent->pub;
		part->pub.depth = parent->pub.depth + 1;
		part->pub.index = ++parent->nchildren;
		if (parent->last_child != NULL)
			parent->last_child->pub.next = &part->pub;
		else
			parent->pub.children = &part->pub;
		parent->last_child = part;
	}
	part->pub.is_message = is_message;
	if (is_message) {
		part->env = gd_pool_alloc(p->pool, sizeof(*part->env));
		part->pub.envelope = part->env;
	}
	part->pub.header_offset = off;
	part->header_lf = p->lf;
	part->state = MSG_PART_HEADER;
	p->nparts++;
	p->cur = part;
	p->state = MSG_ST_HEADER;
	p->line_off = off;
	msg_header_reset(p);
	return part;
}

static const char **
content_slot(struct msg_part *part, const char *name, size_t len)
{
	if (msg_ascii_caseeq(name, len, "transfer-encoding"))
		return &part->pub.encoding;
	if (msg_ascii_caseeq(name, len, "id"))
		return &part->pub.id;
	if (msg_ascii_caseeq(name, len, "description"))
		return &part->pub.description;
	if (msg_ascii_caseeq(name, len, "md5"))
		return &part->pub.md5;
	if (msg_ascii_caseeq(name, len, "location"))
		return &part->pub.location;
	if (msg_ascii_caseeq(name, len, "language"))
		return &part->pub.language;
	return NULL;
}

/* A field of the part's header: keep what the tree needs (the first
 * occurrence of each). */
void
msg_part_field(struct gd_msg_parser *p, struct msg_part *part,
    const struct gd_msg_field *f)
{
	const char **slot;
	char *env = (char *)part->env;
	size_t i;

	if ((f->flags & GD_MSG_FIELD_BROKEN) != 0)
		return;
	for (i = 0; part->env != NULL && i < GD_N_ELEMENTS(msg_env_names);
	    i++) {
		if (!msg_ascii_caseeq(f->name, f->name_len,
		    msg_env_names[i].name))
			continue;
		slot = (const char **)(env + msg_env_names[i].off);
		if (*slot == NULL)
			*slot = msg_pool_memdup(p->pool, f->value,
			    f->value_len);
		return;
	}
	if (f->name_len <= 8 || !msg_ascii_caseeq(f->name, 8, "content-"))
		return;
	if (msg_ascii_caseeq(f->name + 8, f->name_len - 8, "type")) {
		if (part->ctype == NULL) {
			part->ctype = msg_pool_memdup(p->pool, f->value,
			    f->value_len);
			part->ctype_len = f->value_len;
		}
	} else if (msg_ascii_caseeq(f->name + 8, f->name_len - 8,
	    "disposition")) {
		if (part->cdisp == NULL) {
			part->cdisp = msg_pool_memdup(p->pool, f->value,
			    f->value_len);
			part->cdisp_len = f->value_len;
		}
	} else if ((slot = content_slot(part, f->name + 8,
	    f->name_len - 8)) != NULL && *slot == NULL) {
		*slot = msg_pool_memdup(p->pool, f->value, f->value_len);
	}
}

/* RFC 2045 5.2, RFC 2046 5.1.5. */
static void
content_type_default(struct gd_msg_parser *p, struct msg_part *part)
{
	struct gd_mime_param *cs;

	if (part->pub.parent != NULL &&
	    gd_mime_part_is(part->pub.parent, "multipart", "digest")) {
		part->pub.type = part->pub.type_raw = "message";
		part->pub.subtype = part->pub.subtype_raw = "rfc822";
		return;
	}
	part->pub.type = part->pub.type_raw = "text";
	part->pub.subtype = part->pub.subtype_raw = "plain";
	cs = gd_pool_alloc(p->pool, sizeof(*cs));
	cs->name = "charset";
	cs->value = cs->raw_value = "us-ascii";
	part->pub.type_params = cs;
}

static void
content_finalize(struct gd_msg_parser *p, struct msg_part *part)
{
	struct gd_mime_param *bp;
	struct msg_ctype ct;
	size_t bl;

	if (part->ctype != NULL &&
	    msg_ctype_parse(p->pool, part->ctype, part->ctype_len, &ct) == 0) {
		part->pub.type = ct.type;
		part->pub.subtype = ct.subtype;
		part->pub.type_raw = ct.type_raw;
		part->pub.subtype_raw = ct.subtype_raw;
		part->pub.type_params = ct.params;
	} else {
		if (part->ctype != NULL)
			part->pub.flags |= GD_MIME_BAD_CONTENT_TYPE;
		content_type_default(p, part);
	}
	if (strcmp(part->pub.type, "multipart") == 0) {
		for (bp = part->pub.type_params; bp != NULL; bp = bp->next) {
			if (strcmp(bp->name, "boundary") == 0)
				break;
		}
		bl = bp != NULL ? strlen(bp->raw_value) : 0;
		if (bl == 0 || bl > GD_MIME_MAX_BOUNDARY) {
			part->pub.flags |= GD_MIME_BAD_BOUNDARY;
		} else {
			part->pub.boundary = bp->raw_value;
			part->boundary_len = bl;
		}
	}
	if (part->cdisp != NULL)
		disposition_parse(p, part);
}

static void
disposition_parse(struct gd_msg_parser *p, struct msg_part *part)
{
	const char *s = part->cdisp, *semi;
	size_t len = part->cdisp_len, n;

	semi = memchr(s, ';', len);
	n = semi != NULL ? (size_t)(semi - s) : len;
	while (n > 0 && msg_is_wsp((unsigned char)s[n - 1]))
		n--;
	if (n > 0)
		part->pub.disposition = gd_pool_strndup(p->pool, s, n);
	if (semi != NULL)
		part->pub.disposition_params = gd_mime_params_parse(p->pool,
		    semi, len - (size_t)(semi - s));
}

static bool
part_is_message(const struct msg_part *part)
{
	enum gd_mime_encoding enc = gd_mime_part_encoding(&part->pub);

	if (strcmp(part->pub.type, "message") != 0 ||
	    (strcmp(part->pub.subtype, "rfc822") != 0 &&
	    strcmp(part->pub.subtype, "global") != 0))
		return false;
	/* An encoded message is served as it is, not parsed. */
	return enc == GD_MIME_ENC_7BIT || enc == GD_MIME_ENC_8BIT ||
	    enc == GD_MIME_ENC_BINARY;
}

/* The header block ended with its empty line at body_off - 1. */
void
msg_part_header_done(struct gd_msg_parser *p, uint64_t body_off)
{
	struct msg_part *part = p->cur;

	part->pub.header_size = body_off - part->pub.header_offset;
	part->pub.header_lines = p->lf - part->header_lf;
	part->pub.body_offset = body_off;
	part->body_lf = p->lf;
	content_finalize(p, part);
	if (p->cb.header_end != NULL)
		p->cb.header_end(p->ctx, &part->pub);
	if (p->state == MSG_ST_COUNT) {
		/* gd_msg_parser_stop_at_body() from the callback. */
		part->state = MSG_PART_BODY;
		return;
	}
	part_begin_body(p, part);
}

static void
part_begin_body(struct gd_msg_parser *p, struct msg_part *part)
{
	bool deeper = part->pub.depth + 1 <= p->limits.max_depth;

	p->state = MSG_ST_BODY;
	p->line_start = true;
	part->state = MSG_PART_BODY;
	if (part == p->root && p->stop_at_body) {
		p->state = MSG_ST_COUNT;
		return;
	}
	if (part->pub.boundary != NULL) {
		if (deeper) {
			part->state = MSG_PART_PREAMBLE;
			part->pub.preamble_offset = part->pub.body_offset;
			p->nbound++;
			return;
		}
		part->pub.flags |= GD_MIME_TRUNC_STRUCTURE;
	} else if (part_is_message(part)) {
		if (deeper && p->nparts < p->limits.max_parts) {
			msg_part_new(p, part, part->pub.body_offset, true);
			return;
		}
		part->pub.flags |= GD_MIME_TRUNC_STRUCTURE;
	}
	part->leaf = true;
}

/* Where a range starting at `start` ends: at end->off, or at its start
 * if that is later (the line break before a boundary line may precede the
 * range, when the range is empty).  A range starts after a LF. */
static struct msg_term
range_end(uint64_t start, uint64_t start_lf, const struct msg_term *end)
{
	struct msg_term t = *end;

	if (t.off < start) {
		t.off = start;
		t.lf = start_lf;
		t.after_lf = true;
	}
	return t;
}

static uint64_t
range_lines(uint64_t start, uint64_t start_lf, const struct msg_term *t)
{
	if (t->off <= start)
		return 0;
	return t->lf - start_lf + (t->after_lf ? 0 : 1);
}

static void
part_close_header(struct gd_msg_parser *p, struct msg_part *x,
    const struct msg_term *end)
{
	uint64_t start = x->pub.header_offset;

	x->endt = range_end(start, x->header_lf, end);
	x->pub.header_size = x->endt.off - start;
	x->pub.header_lines = range_lines(start, x->header_lf, &x->endt);
	x->pub.body_offset = x->endt.off;
	x->pub.flags |= GD_MIME_NO_BODY;
	content_finalize(p, x);
	if (p->cb.header_end != NULL)
		p->cb.header_end(p->ctx, &x->pub);
}

static void
part_close_body(struct gd_msg_parser *p, struct msg_part *x,
    const struct msg_term *end)
{
	uint64_t start = x->pub.body_offset, e;

	x->endt = range_end(start, x->body_lf, end);
	e = x->endt.off;
	x->pub.body_size = e - start;
	x->pub.body_lines = range_lines(start, x->body_lf, &x->endt);
	switch (x->state) {
	case MSG_PART_PREAMBLE:
		x->pub.preamble_size = e - x->pub.preamble_offset;
		/* FALLTHROUGH */
	case MSG_PART_CHILD:
	case MSG_PART_SKIP:
		x->pub.flags |= GD_MIME_NO_END_BOUNDARY;
		p->nbound--;
		break;
	case MSG_PART_EPILOGUE:
		if (x->pub.epilogue_offset > e)
			x->pub.epilogue_offset = e;
		x->pub.epilogue_size = e - x->pub.epilogue_offset;
		break;
	default:
		break;
	}
}

/* Close the innermost open part at end->off, or where its header, body
 * or last child ends if that is later. */
void
msg_part_close(struct gd_msg_parser *p, const struct msg_term *end)
{
	struct msg_part *x = p->cur;
	const struct msg_term *t = end;

	if (x->last_child != NULL && x->last_child->endt.off > end->off)
		t = &x->last_child->endt;
	if (x->state == MSG_PART_HEADER)
		part_close_header(p, x, t);
	else
		part_close_body(p, x, t);
	x->state = MSG_PART_CLOSED;
	p->flags |= x->pub.flags;
	if (p->cb.part_end != NULL)
		p->cb.part_end(p->ctx, &x->pub);
	p->cur = (struct msg_part *)x->pub.parent;
}

/*
 * A boundary line of multipart `m` ended at line_end; `before` is the
 * line break before it, which belongs to it.  Parts inside m end there.
 */
void
msg_boundary_found(struct gd_msg_parser *p, struct msg_part *m, bool close,
    const struct msg_term *before, uint64_t line_end)
{
	uint64_t e;

	while (p->cur != m)
		msg_part_close(p, before);
	if (m->state == MSG_PART_PREAMBLE) {
		e = before->off > m->pub.body_offset ? before->off :
		    m->pub.body_offset;
		m->pub.preamble_size = e - m->pub.preamble_offset;
	}
	p->in_cand = false;
	p->hold_term = 0;
	p->hold_cr = false;
	p->line_start = true;
	p->state = MSG_ST_BODY;
	if (close) {
		m->state = MSG_PART_EPILOGUE;
		m->pub.epilogue_offset = line_end;
		p->nbound--;
	} else if (m->state != MSG_PART_SKIP &&
	    p->nparts >= p->limits.max_parts) {
		m->pub.flags |= GD_MIME_TRUNC_STRUCTURE;
		m->state = MSG_PART_SKIP;
	} else if (m->state != MSG_PART_SKIP) {
		m->state = MSG_PART_CHILD;
		msg_part_new(p, m, line_end, false);
	}
}

enum gd_mime_encoding
gd_mime_part_encoding(const struct gd_mime_part *part)
{
	const char *e = part->encoding;
	size_t n;

	if (e == NULL)
		return GD_MIME_ENC_7BIT;
	/* The first word: "base64 (comment)" is base64. */
	n = strcspn(e, " \t;(");
	if (msg_ascii_caseeq(e, n, "7bit"))
		return GD_MIME_ENC_7BIT;
	if (msg_ascii_caseeq(e, n, "8bit"))
		return GD_MIME_ENC_8BIT;
	if (msg_ascii_caseeq(e, n, "binary"))
		return GD_MIME_ENC_BINARY;
	if (msg_ascii_caseeq(e, n, "quoted-printable"))
		return GD_MIME_ENC_QP;
	if (msg_ascii_caseeq(e, n, "base64"))
		return GD_MIME_ENC_BASE64;
	return GD_MIME_ENC_UNKNOWN;
}

const char *
gd_mime_param_get(const struct gd_mime_param *params, const char *name)
{
	for (; params != NULL; params = params->next) {
		if (msg_ascii_caseeq(params->name, strlen(params->name), name))
			return params->value;
	}
	return NULL;
}

bool
gd_mime_part_is(const struct gd_mime_part *part, const char *type,
    const char *subtype)
{
	if (part->type == NULL ||
	    !msg_ascii_caseeq(part->type, strlen(part->type), type))
		return false;
	return subtype == NULL || msg_ascii_caseeq(part->subtype,
	    strlen(part->subtype), subtype);
}
