/*
 * search-content.c — header and body keys of the generic search: the
 * message is streamed once through the parser; header fields of the
 * top-level header are kept decoded (RFC 2047) and case-folded; text
 * parts are decoded (transfer encoding, then charset to UTF-8), folded,
 * and scanned for every BODY/TEXT string at once, with a tail carried
 * between chunks so that matches across chunk boundaries are found.
 * Memory stays bounded: header fields by the parser's limits, body text
 * by the flush size.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <gumdrop/message.h>
#include <gumdrop/msg-codec.h>
#include <gumdrop/msg-date.h>
#include <gumdrop/pool.h>

#include "mailbox-private.h"
#include "search-private.h"

#define SEARCH_READ_CHUNK	65536
#define SEARCH_FLUSH_SIZE	65536

struct search_field {
	const char *name;
	const char *folded;	/* decoded, case-folded value */
};

struct search_needle {
	const struct gd_search_key *key;
	const char *folded;
	size_t len;
	bool found;
	char *tail;		/* last len-1 folded bytes seen */
	size_t tail_len;
};

struct search_content {
	struct gd_pool *pool;		/* the message's lifetime */
	struct gd_pool *scratch;	/* cleared after each flush */
	struct search_field *fields;
	size_t nfields, cap;
	bool have_date;
	int64_t sent_day;
	struct search_needle *needles;
	size_t nneedles;
	bool header_done;
	/* The text part being decoded. */
	const struct gd_mime_part *part;
	enum gd_mime_encoding enc;
	const char *charset;
	bool text;
	struct gd_b64_decoder b64;
	struct gd_qp_decoder qp;
	char *buf;			/* decoded bytes not yet flushed */
	size_t buf_len;
};

/* ---- collecting the search strings ------------------------------------ */

static size_t
search_count_needles(const struct gd_search_key *k)
{
	size_t n = k->op == GD_SEARCH_BODY || k->op == GD_SEARCH_TEXT;
	const struct gd_search_key *c;

	for (c = k->children; c != NULL; c = c->next)
		n += search_count_needles(c);
	return n;
}

static void
search_add_needles(struct search_content *sc, const struct gd_search_key *k)
{
	const struct gd_search_key *c;
	struct search_needle *n;
	size_t len;

	if (k->op == GD_SEARCH_BODY || k->op == GD_SEARCH_TEXT) {
		n = &sc->needles[sc->nneedles++];
		n->key = k;
		n->folded = gd_msg_utf8_casefold(sc->pool, k->u.text,
		    strlen(k->u.text), &len);
		n->len = len;
		n->found = len == 0;
		n->tail = gd_pool_alloc(sc->pool, len + 1);
	}
	for (c = k->children; c != NULL; c = c->next)
		search_add_needles(sc, c);
}

static struct search_needle *
search_needle_of(struct search_content *sc, const struct gd_search_key *k)
{
	size_t i;

	for (i = 0; i < sc->nneedles; i++)
		if (sc->needles[i].key == k)
			return &sc->needles[i];
	return NULL;
}

/* ---- matching folded text ---------------------------------------------- */

static void
search_needle_feed(struct search_content *sc, struct search_needle *n,
    const char *text, size_t len)
{
	size_t keep, total;
	char *joined;

	if (n->found)
		return;
	total = n->tail_len + len;
	joined = gd_pool_alloc(sc->scratch, total + 1);
	memcpy(joined, n->tail, n->tail_len);
	memcpy(joined + n->tail_len, text, len);
	if (memmem(joined, total, n->folded, n->len) != NULL) {
		n->found = true;
		return;
	}
	keep = n->len - 1 < total ? n->len - 1 : total;
	memcpy(n->tail, joined + total - keep, keep);
	n->tail_len = keep;
}

/* Feed UTF-8 text (already decoded) to every needle of `op` kinds. */
static void
search_feed_text(struct search_content *sc, const char *utf8, size_t len,
    bool body)
{
	char *folded;
	size_t flen, i;

	if (sc->nneedles == 0 || len == 0)
		return;
	folded = gd_msg_utf8_casefold(sc->scratch, utf8, len, &flen);
	for (i = 0; i < sc->nneedles; i++)
		if (body || sc->needles[i].key->op == GD_SEARCH_TEXT)
			search_needle_feed(sc, &sc->needles[i], folded, flen);
}

/* A header or part boundary: matches must not span it. */
static void
search_break_text(struct search_content *sc)
{
	size_t i;

	for (i = 0; i < sc->nneedles; i++)
		sc->needles[i].tail_len = 0;
}

/* ---- the header ----------------------------------------------------------- */

static void
search_keep_field(struct search_content *sc, const struct gd_msg_field *f)
{
	struct search_field *nf;
	size_t len;
	char *dec;

	if (sc->nfields == sc->cap) {
		sc->cap = sc->cap == 0 ? 32 : sc->cap * 2;
		nf = gd_pool_alloc(sc->pool, sc->cap * sizeof(*nf));
		if (sc->nfields > 0)
			memcpy(nf, sc->fields, sc->nfields * sizeof(*nf));
		sc->fields = nf;
	}
	nf = &sc->fields[sc->nfields++];
	nf->name = gd_pool_strndup(sc->pool, f->name, f->name_len);
	dec = gd_msg_decode_words(sc->pool, f->value, f->value_len, &len);
	nf->folded = gd_msg_utf8_casefold(sc->pool, dec, len, NULL);
	/* TEXT sees the header as it reads: "Name: value". */
	search_feed_text(sc, nf->name, strlen(nf->name), false);
	search_feed_text(sc, ": ", 2, false);
	search_feed_text(sc, dec, len, false);
	search_break_text(sc);
	gd_pool_clear(sc->scratch);
}

static void
search_date_field(struct search_content *sc, const struct gd_msg_field *f)
{
	int64_t t;
	int tz;

	if (sc->have_date || strcasecmp(f->name, "Date") != 0)
		return;
	if (gd_msg_date_parse(f->value, f->value_len, &t, &tz) < 0)
		return;
	/* The date as written: in the field's own zone. */
	t += (int64_t)tz * 60;
	sc->sent_day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	sc->have_date = true;
}

static void
search_header_field(void *ctx, const struct gd_mime_part *part,
    const struct gd_msg_field *f)
{
	struct search_content *sc = ctx;

	if (part->parent != NULL || (f->flags & GD_MSG_FIELD_BROKEN))
		return;
	search_date_field(sc, f);
	search_keep_field(sc, f);
}

/* ---- the body ------------------------------------------------------------- */

static void
search_flush(struct search_content *sc)
{
	char *utf8;
	size_t len;

	if (sc->buf_len == 0)
		return;
	if (sc->charset == NULL || gd_msg_charset_to_utf8(sc->scratch,
	    sc->charset, sc->buf, sc->buf_len, &utf8, &len) < 0)
		utf8 = gd_msg_utf8_sanitize(sc->scratch, sc->buf, sc->buf_len,
		    &len);
	search_feed_text(sc, utf8, len, true);
	sc->buf_len = 0;
	gd_pool_clear(sc->scratch);
}

/* Keep decoded bytes; flush at a line end once enough piled up. */
static void
search_take(struct search_content *sc, const char *data, size_t len)
{
	const char *nl;
	size_t room;

	while (len > 0) {
		room = SEARCH_FLUSH_SIZE - sc->buf_len;
		if (len < room) {
			memcpy(sc->buf + sc->buf_len, data, len);
			sc->buf_len += len;
			return;
		}
		nl = memrchr(data, '\n', room);
		room = nl != NULL ? (size_t)(nl - data) + 1 : room;
		memcpy(sc->buf + sc->buf_len, data, room);
		sc->buf_len += room;
		search_flush(sc);
		data += room;
		len -= room;
	}
}

static void
search_body(void *ctx, const struct gd_mime_part *part, const void *data,
    size_t len)
{
	struct search_content *sc = ctx;
	char out[GD_QP_DECODED_MAX(4096)];
	const char *p = data;
	size_t n, step;

	if (part != sc->part || !sc->text)
		return;
	for (; len > 0; p += step, len -= step) {
		step = len < 4096 ? len : 4096;
		if (sc->enc == GD_MIME_ENC_BASE64)
			n = gd_b64_decode(&sc->b64, p, step, out);
		else if (sc->enc == GD_MIME_ENC_QP)
			n = gd_qp_decode(&sc->qp, p, step, out);
		else {
			search_take(sc, p, step);
			continue;
		}
		search_take(sc, out, n);
	}
}

static void
search_header_end(void *ctx, const struct gd_mime_part *part)
{
	struct search_content *sc = ctx;

	if (part->parent == NULL)
		sc->header_done = true;
	sc->part = part;
	sc->text = gd_mime_part_is(part, "text", NULL);
	sc->enc = gd_mime_part_encoding(part);
	sc->charset = gd_mime_param_get(part->type_params, "charset");
	gd_b64_decoder_init(&sc->b64);
	gd_qp_decoder_init(&sc->qp);
	search_break_text(sc);
}

static void
search_part_end(void *ctx, const struct gd_mime_part *part)
{
	struct search_content *sc = ctx;
	char out[GD_QP_PEND_MAX_ + 4];
	size_t n;

	if (part != sc->part || !sc->text)
		return;
	if (sc->enc == GD_MIME_ENC_QP) {
		n = gd_qp_decode_finish(&sc->qp, out);
		search_take(sc, out, n);
	}
	search_flush(sc);
	search_break_text(sc);
	sc->part = NULL;
}

/* ---- loading and evaluating ------------------------------------------------ */

static int
search_read(struct search_ctx *ctx, struct search_content *sc,
    struct gd_msg_parser *parser, struct gd_mail_error *err)
{
	struct gd_mail_content *c;
	char *buf;
	ssize_t n;

	if (gd_mailbox_content_open(ctx->box, ctx->seq, &c, err) < 0)
		return -1;
	buf = gd_pool_alloc(sc->pool, SEARCH_READ_CHUNK);
	while ((n = gd_mail_content_read(c, buf, SEARCH_READ_CHUNK, err)) > 0) {
		gd_msg_parser_feed(parser, buf, (size_t)n);
		if (sc->header_done && ctx->cost < GD_SEARCH_COST_BODY)
			break;
	}
	gd_mail_content_close(&c);
	if (n < 0)
		return -1;
	gd_msg_parser_finish(parser);
	return 0;
}

int
search_content_load(struct search_ctx *ctx, const struct gd_search_key *key,
    struct gd_mail_error *err)
{
	static const struct gd_msg_callbacks cb = {
		.header_field = search_header_field,
		.header_end = search_header_end,
		.body = search_body,
		.part_end = search_part_end,
	};
	struct gd_pool *pool = gd_pool_create("mail-search");
	struct search_content *sc = gd_pool_alloc(pool, sizeof(*sc));
	struct gd_msg_parser *parser;
	size_t n = search_count_needles(key);

	sc->pool = pool;
	sc->scratch = gd_pool_create("mail-search-scratch");
	sc->needles = gd_pool_alloc(pool, (n + 1) * sizeof(*sc->needles));
	search_add_needles(sc, key);
	sc->buf = gd_pool_alloc(pool, SEARCH_FLUSH_SIZE);
	parser = gd_msg_parser_create(pool,
	    gd_mail_store_msg_limits(ctx->box->store), &cb, sc);
	if (ctx->cost < GD_SEARCH_COST_BODY)
		gd_msg_parser_stop_at_body(parser);
	ctx->content = sc;
	if (search_read(ctx, sc, parser, err) < 0) {
		search_content_free(ctx);
		return -1;
	}
	return 0;
}

void
search_content_free(struct search_ctx *ctx)
{
	struct search_content *sc = ctx->content;
	struct gd_pool *pool;

	if (sc == NULL)
		return;
	ctx->content = NULL;
	gd_pool_destroy(&sc->scratch);
	pool = sc->pool;
	gd_pool_destroy(&pool);
}

static enum search_tri
search_header_key(struct search_content *sc, const struct gd_search_key *k)
{
	const char *want;
	size_t i;

	want = gd_msg_utf8_casefold(sc->scratch, k->u.header.value,
	    strlen(k->u.header.value), NULL);
	for (i = 0; i < sc->nfields; i++) {
		if (strcasecmp(sc->fields[i].name, k->u.header.field) != 0)
			continue;
		if (want[0] == '\0' || strstr(sc->fields[i].folded, want))
			return SEARCH_TRUE;
	}
	return SEARCH_FALSE;
}

static enum search_tri
search_sent_key(struct search_content *sc, const struct gd_search_key *k)
{
	if (!sc->have_date)
		return SEARCH_FALSE;
	switch (k->op) {
	case GD_SEARCH_SENT_BEFORE:
		return sc->sent_day < k->u.day ? SEARCH_TRUE : SEARCH_FALSE;
	case GD_SEARCH_SENT_ON:
		return sc->sent_day == k->u.day ? SEARCH_TRUE : SEARCH_FALSE;
	default:
		return sc->sent_day >= k->u.day ? SEARCH_TRUE : SEARCH_FALSE;
	}
}

enum search_tri
search_content_eval(struct search_content *sc, const struct gd_search_key *k)
{
	struct search_needle *n;

	switch (k->op) {
	case GD_SEARCH_HEADER:
		return search_header_key(sc, k);
	case GD_SEARCH_BODY:
	case GD_SEARCH_TEXT:
		n = search_needle_of(sc, k);
		return n != NULL && n->found ? SEARCH_TRUE : SEARCH_FALSE;
	default:
		return search_sent_key(sc, k);
	}
}

/* ---- the cached form (search-cache.c) ------------------------------------ */

/* The fields SEARCH names with a key of its own (FROM TO CC BCC SUBJECT). */
static const char *const search_cached_fields[] = {
	"From", "To", "Cc", "Bcc", "Subject", NULL,
};

bool
search_field_cached(const char *name)
{
	size_t i;

	for (i = 0; search_cached_fields[i] != NULL; i++)
		if (strcasecmp(name, search_cached_fields[i]) == 0)
			return true;
	return false;
}

/*
 * Blob: the sent day (8 bytes), whether there is one (1), then for each
 * kept field of a cached name: name NUL, folded value NUL.
 */
void *
search_content_pack(const struct search_content *sc, size_t *len_r)
{
	size_t i, len = 9, at;
	char *blob;

	for (i = 0; i < sc->nfields; i++)
		if (search_field_cached(sc->fields[i].name))
			len += strlen(sc->fields[i].name) +
			    strlen(sc->fields[i].folded) + 2;
	blob = gd_xmalloc(len);
	memcpy(blob, &sc->sent_day, 8);
	blob[8] = sc->have_date;
	for (i = 0, at = 9; i < sc->nfields; i++) {
		size_t n = strlen(sc->fields[i].name) + 1;
		size_t v = strlen(sc->fields[i].folded) + 1;

		if (!search_field_cached(sc->fields[i].name))
			continue;
		/* UNSAFE: len counted these bytes just above. */
		memcpy(blob + at, sc->fields[i].name, n);
		memcpy(blob + at + n, sc->fields[i].folded, v);
		at += n + v;
	}
	*len_r = len;
	return blob;
}

void
search_content_unpack(struct search_ctx *ctx, const void *data, size_t len)
{
	struct gd_pool *pool = gd_pool_create("mail-search");
	struct search_content *sc = gd_pool_alloc(pool, sizeof(*sc));
	char *blob = gd_pool_alloc(pool, len + 1);
	size_t at, n = 0;

	memcpy(blob, data, len);
	blob[len] = '\0';
	sc->pool = pool;
	sc->scratch = gd_pool_create("mail-search-scratch");
	memcpy(&sc->sent_day, blob, 8);
	sc->have_date = blob[8] != 0;
	for (at = 9; at < len; at += strlen(blob + at) + 1)
		n++;
	sc->fields = gd_pool_alloc(pool, (n / 2 + 1) * sizeof(*sc->fields));
	for (at = 9; at + 1 < len; sc->nfields++) {
		sc->fields[sc->nfields].name = blob + at;
		at += strlen(blob + at) + 1;
		sc->fields[sc->nfields].folded = blob + at;
		at += strlen(blob + at) + 1;
	}
	sc->header_done = true;
	ctx->content = sc;
}
