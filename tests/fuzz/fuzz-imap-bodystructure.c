/*
 * fuzz-imap-bodystructure.c — libFuzzer target for the FETCH response
 * code of modules/imap (imap-fetch-resp.h).  Any bytes are a message:
 *   - it parses; ENVELOPE, BODY and BODYSTRUCTURE of it are well-formed
 *     (parentheses balance, quoted strings close, every literal's {n} is
 *     followed by CRLF and n octets, nothing but SP, "(", ")", atoms,
 *     numbers, NIL, quoted strings and literals);
 *   - every section of every part (whole, MIME, HEADER, TEXT, HEADER.
 *     FIELDS[.NOT], BINARY, with a partial) lies inside the message,
 *     and streaming it gives exactly the announced size;
 *   - a plain range streams the message's own octets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap-fetch-resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A literal "{n}\r\n" at s[*i]; advance past it. */
static void
fz_literal(const char *s, size_t len, size_t *i)
{
	uint64_t n = 0;
	size_t j = *i + 1;

	while (j < len && s[j] >= '0' && s[j] <= '9')
		n = n * 10 + (uint64_t)(s[j++] - '0');
	if (j + 3 > len || s[j] != '}' || s[j + 1] != '\r' ||
	    s[j + 2] != '\n' || n > len - j - 3)
		abort();
	*i = j + 3 + (size_t)n;
}

static void
fz_quoted(const char *s, size_t len, size_t *i)
{
	size_t j = *i + 1;

	for (; j < len && s[j] != '"'; j++) {
		if (s[j] == '\r' || s[j] == '\n' || s[j] == '\0' ||
		    (unsigned char)s[j] >= 0x80)
			abort();
		if (s[j] == '\\' && (++j >= len ||
		    (s[j] != '"' && s[j] != '\\')))
			abort();
	}
	if (j >= len)
		abort();
	*i = j + 1;
}

static void
fz_well_formed(const char *s, size_t len)
{
	size_t i = 0;
	int depth = 0;

	while (i < len) {
		char c = s[i];

		if (c == '(')
			depth++, i++;
		else if (c == ')') {
			if (--depth < 0)
				abort();
			i++;
		} else if (c == '"')
			fz_quoted(s, len, &i);
		else if (c == '{')
			fz_literal(s, len, &i);
		else if (c == ' ' || (c >= '0' && c <= '9') ||
		    (len - i >= 3 && memcmp(s + i, "NIL", 3) == 0))
			i += c == 'N' ? 3 : 1;
		else
			abort();
		if (depth == 0 && i < len)
			abort();	/* one item only */
	}
	if (depth != 0)
		abort();
}

static void
fz_structure(struct gd_pool *pool, const struct gd_mime_part *root)
{
	struct imap_sbuf sb;
	unsigned k;

	for (k = 0; k < 3; k++) {
		imap_sbuf_init(&sb, pool);
		if (k == 0)
			imap_envelope_write(&sb, root, 0);
		else
			imap_bodystructure_write(&sb, root, k == 2, 0);
		fz_well_formed(sb.buf, sb.len);
	}
}

static void
fz_stream(struct imap_src *src, const struct imap_section *sec,
    const uint8_t *data, size_t size)
{
	static struct imap_fetch_stream st;
	char buf[97];
	uint64_t got = 0;
	bool done = false;
	ssize_t n;

	if ((sec->offset > size || sec->size > size - sec->offset))
		abort();
	if (imap_fetch_stream_open(&st, src, sec) < 0)
		abort();
	while (!done) {
		n = imap_fetch_stream_produce(&st, buf, sizeof(buf), &done);
		if (n < 0 || (n == 0 && !done))
			abort();
		if (sec->kind == IMAP_SEC_RANGE && !sec->partial &&
		    !sec->size_only &&
		    memcmp(buf, data + sec->offset + got, (size_t)n) != 0)
			abort();
		got += (uint64_t)n;
	}
	if (!sec->size_only && got != imap_fetch_stream_size(&st))
		abort();
}

static const char *fz_fields[] = { "SUBJECT", "FROM", "X-A" };

/* Every section form on the part numbered num[0..depth). */
static void
fz_sections(struct imap_src *src, const struct gd_mime_part *root,
    const uint32_t *num, unsigned depth, const uint8_t *data, size_t size)
{
	struct imap_fetch_att att;
	struct imap_section sec;
	struct imap_error err;
	unsigned s, kind;

	for (kind = 0; kind < 3; kind++) {
		for (s = IMAP_SECTION_ALL; s <= IMAP_SECTION_MIME; s++) {
			memset(&att, 0, sizeof(att));
			att.kind = (enum imap_att_kind)kind;
			att.section = (enum imap_section_kind)s;
			if (kind != 0 && s != IMAP_SECTION_ALL)
				continue;
			memcpy(att.part, num, depth * sizeof(*num));
			att.depth = depth;
			att.fields = fz_fields;
			att.nfields = 3;
			att.partial = (depth & 1) != 0;
			att.offset = 3;
			att.length = 11;
			if (imap_section_resolve(root, size, &att, &sec,
			    &err) == 0)
				fz_stream(src, &sec, data, size);
		}
	}
}

/* Walk the tree numbering parts as IMAP does. */
static void
fz_walk(struct imap_src *src, const struct gd_mime_part *root,
    const struct gd_mime_part *p, uint32_t *num, unsigned depth,
    const uint8_t *data, size_t size)
{
	const struct gd_mime_part *c;

	fz_sections(src, root, num, depth, data, size);
	if (depth >= 8)
		return;
	if (p->children != NULL && !gd_mime_part_is(p, "multipart", NULL))
		p = p->children;	/* message/rfc822 */
	if (p->children == NULL || !gd_mime_part_is(p, "multipart", NULL)) {
		if (depth == 0 || p->is_message) {
			num[depth] = 1;
			fz_sections(src, root, num, depth + 1, data, size);
		}
		return;
	}
	for (c = p->children; c != NULL; c = c->next) {
		num[depth] = c->index;
		fz_walk(src, root, c, num, depth + 1, data, size);
	}
	num[depth] = 9999;
	fz_sections(src, root, num, depth + 1, data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gd_pool *pool = gd_pool_create("fuzz");
	const struct gd_mime_part *root;
	struct imap_mem_src ms;
	uint32_t num[IMAP_PART_DEPTH_MAX];
	uint64_t got;

	imap_src_mem(&ms, data, size);
	if (imap_msg_tree(pool, &ms.src, NULL, &root, &got) < 0 ||
	    got != size)
		abort();
	fz_structure(pool, root);
	fz_walk(&ms.src, root, root, num, 0, data, size);
	gd_pool_destroy(&pool);
	return 0;
}
