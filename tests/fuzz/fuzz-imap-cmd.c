/*
 * fuzz-imap-cmd.c — libFuzzer target for modules/imap's command reader
 * and argument parsers.  The first input octet picks options (bit 0:
 * LITERAL+, bit 1: BINARY, bit 2: small buffer, bit 3: reject every
 * literal, bit 4: UTF-8 mode, bit 5: rev2 mode, bits 6-7: split seed);
 * the rest is a stream of client input, which is:
 *   1. fed whole, one octet at a time, and in pseudo-random splits: the
 *      three runs must give the same events, the same command texts and
 *      the same streamed octets;
 *   2. checked event by event: a command's tag is valid and its text
 *      lies in the buffer; every refusal formats as one tagged (or
 *      untagged) BAD/NO line; a streamed literal hands out exactly the
 *      octets it announced;
 *   3. each command is given to its argument parser, in a pool that must
 *      stay within a bound proportional to the command's size;
 *   4. the whole input as a mailbox name: a modified UTF-7 name that
 *      decodes must encode back to exactly itself, and any UTF-8 name
 *      must survive encode then decode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_BUF	2048

struct fz_run {
	struct imap_reader r;
	char buf[FZ_BUF];
	uint32_t hash;
	uint64_t streamed;
	uint64_t lit_size;
	bool in_stream;
	bool reject;
	unsigned mode;
	struct gd_pool *pool;
};

static void
fz_mix(struct fz_run *z, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		z->hash = (z->hash ^ s[i]) * 16777619u;
}

static void
fz_check_error(const struct imap_error *e, const char *tag, size_t tag_len)
{
	char line[512];
	size_t n, i;

	if (e->status != IMAP_BAD && e->status != IMAP_NO)
		abort();
	if ((unsigned)e->code >= IMAP_CODE_COUNT)
		abort();
	for (i = 0; e->text[i] != '\0'; i++)
		if (e->text[i] < 0x20 || e->text[i] > 0x7e)
			abort();
	n = imap_reply_error(line, sizeof(line), tag, tag_len, e);
	if (n >= sizeof(line) || memchr(line, '\r', n) != line + n - 2 ||
	    memchr(line, '\n', n) != line + n - 1)
		abort();
}

/* Run the command's argument parser; the pool must stay bounded. */
static void
fz_parse_args(struct fz_run *z, const struct imap_command *c)
{
	static const struct gd_mail_range saved[] = { { 2, 5 } };
	struct imap_search_ctx ctx = { 50, 900, saved, 1 };
	struct imap_error err;
	struct imap_args a;
	union {
		struct imap_fetch f;
		struct imap_search s;
		struct imap_list l;
		struct imap_store st;
		struct imap_append ap;
		struct imap_id id;
		struct imap_select sel;
	} u;
	struct imap_seqset set;
	char *x, *y;
	unsigned items;
	int rc = 0;

	imap_args_init(&a, c->args, c->args_len, z->pool, z->mode, &err);
	switch (c->cmd) {
	case IMAP_CMD_FETCH: case IMAP_CMD_UID_FETCH:
		rc = imap_parse_seqset(&a, true, &set);
		if (rc == 0)
			rc = imap_parse_fetch(&a, &u.f);
		break;
	case IMAP_CMD_STORE: case IMAP_CMD_UID_STORE:
		rc = imap_parse_seqset(&a, true, &set);
		if (rc == 0)
			rc = imap_parse_store(&a, &u.st);
		break;
	case IMAP_CMD_SEARCH: case IMAP_CMD_UID_SEARCH:
		rc = imap_parse_search(&a, &ctx, &u.s);
		break;
	case IMAP_CMD_COPY: case IMAP_CMD_MOVE: case IMAP_CMD_UID_COPY:
	case IMAP_CMD_UID_MOVE:
		rc = imap_parse_copy(&a, &set, &x);
		break;
	case IMAP_CMD_LIST:
		rc = imap_parse_list(&a, &u.l);
		break;
	case IMAP_CMD_LSUB:
		rc = imap_parse_lsub(&a, &u.l);
		break;
	case IMAP_CMD_STATUS:
		rc = imap_parse_status(&a, &x, &items);
		break;
	case IMAP_CMD_SELECT: case IMAP_CMD_EXAMINE:
		rc = imap_parse_select(&a, &u.sel);
		break;
	case IMAP_CMD_CREATE:
		rc = imap_parse_create(&a, &x, &items);
		break;
	case IMAP_CMD_RENAME:
		rc = imap_parse_rename(&a, &x, &y);
		break;
	case IMAP_CMD_LOGIN:
		rc = imap_parse_login(&a, &x, &y);
		break;
	case IMAP_CMD_AUTHENTICATE:
		rc = imap_parse_authenticate(&a, &x, &y);
		break;
	case IMAP_CMD_ENABLE:
		rc = imap_parse_enable(&a, &items);
		break;
	case IMAP_CMD_ID:
		rc = imap_parse_id(&a, &u.id);
		break;
	case IMAP_CMD_APPEND:
		rc = imap_parse_append(&a, &u.ap);
		break;
	default:
		rc = imap_parse_mailbox(&a, &x);
		break;
	}
	if (rc < 0)
		fz_check_error(&err, c->tag, c->tag_len);
	if (a.p < c->args || a.p > c->args + c->args_len)
		abort();
	/* Bounded memory: a small multiple of the command, plus the
	 * fixed-size parts (names decoded into GD_MAIL_NAME_MAX buffers,
	 * ID's arrays, the saved result). */
	if (gd_pool_used(z->pool) > 64 * c->args_len + 8 * GD_MAIL_NAME_MAX +
	    4096)
		abort();
	fz_mix(z, &rc, sizeof(rc));
	gd_pool_clear(z->pool);
}

static void
fz_command(struct fz_run *z)
{
	const struct imap_command *c = imap_reader_command(&z->r);
	size_t i;

	if (c->tag_len == 0 || c->tag != z->buf ||
	    c->args < z->buf || c->args + c->args_len > z->buf + FZ_BUF - 1)
		abort();
	for (i = 0; i < c->tag_len; i++)
		if (c->tag[i] == '+' || !(imap_is_atom_char(
		    (unsigned char)c->tag[i]) || c->tag[i] == ']'))
			abort();
	if (c->streamed && z->streamed != z->lit_size)
		abort();
	fz_mix(z, c->tag, c->tag_len);
	fz_mix(z, &c->cmd, sizeof(c->cmd));
	fz_mix(z, c->args, c->args_len);
	fz_parse_args(z, c);
}

static void
fz_event(struct fz_run *z, enum imap_rd_event ev)
{
	const struct imap_rd_literal *l;
	const struct imap_error *e;
	const char *p;
	size_t n;

	if (ev != IMAP_RD_DATA && ev != IMAP_RD_MORE)
		fz_mix(z, &ev, sizeof(ev));
	switch (ev) {
	case IMAP_RD_COMMAND:
		fz_command(z);
		break;
	case IMAP_RD_LITERAL:
		l = imap_reader_literal(&z->r);
		fz_mix(z, l, sizeof(*l));
		if (l->stream) {
			z->streamed = 0;
			z->lit_size = l->size;
		}
		if (z->reject)
			imap_reader_reject(&z->r);
		else
			imap_reader_accept(&z->r);
		break;
	case IMAP_RD_DATA:
		p = imap_reader_data(&z->r, &n);
		if (n == 0 || z->streamed + n > z->lit_size)
			abort();
		z->streamed += n;
		fz_mix(z, p, n);
		break;
	case IMAP_RD_ERROR:
		e = imap_reader_error(&z->r, &p, &n);
		fz_check_error(e, p, n);
		fz_mix(z, e->text, strlen(e->text));
		break;
	default:
		break;
	}
}

/* Feed `in` in chunks: step 0 means pseudo-random sizes from `seed`. */
static uint32_t
fz_run(const char *in, size_t len, size_t step, unsigned opts,
    struct gd_pool *pool)
{
	static struct fz_run z;
	struct imap_limits lim = {
		.max_append = 300,
		.max_literal = (opts & 64) ? 40 : 0,
		.max_drop = (opts & 128) ? 500 : 0,
		.literal_plus = opts & 1,
		.binary = (opts >> 1) & 1,
	};
	uint32_t seed = opts * 2654435761u;
	size_t off = 0, n, used;

	memset(&z, 0, sizeof(z));
	z.hash = 2166136261u;
	z.reject = opts & 8;
	z.mode = ((opts >> 4) & 1 ? IMAP_MODE_UTF8 : 0) |
	    ((opts >> 5) & 1 ? IMAP_MODE_REV2 : 0);
	z.pool = pool;
	imap_reader_init(&z.r, &lim, z.buf, opts & 4 ? 96 : FZ_BUF);
	while (off < len) {
		seed = seed * 1103515245u + 12345u;
		n = step != 0 ? step : 1 + (seed >> 16) % 64;
		if (n > len - off)
			n = len - off;
		while (n > 0) {
			fz_event(&z, imap_reader_feed(&z.r, in + off, n,
			    &used));
			off += used;
			n -= used;
		}
	}
	return z.hash;
}

static void
fz_names(const char *in, size_t len)
{
	char a[1024], b[1024 * 5 + 8];
	size_t na, nb;

	if (len > 1000)
		return;
	if (imap_mutf7_decode(in, len, a, sizeof(a), &na) == 0) {
		if (imap_mutf7_encode(a, na, b, sizeof(b), &nb) < 0 ||
		    nb != len || memcmp(b, in, len) != 0)
			abort();
	}
	if (imap_utf8_valid(in, len) && memchr(in, '\0', len) == NULL) {
		if (imap_mutf7_encode(in, len, b, sizeof(b), &nb) < 0 ||
		    imap_mutf7_decode(b, nb, a, sizeof(a), &na) < 0 ||
		    na != len || memcmp(a, in, len) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gd_pool *pool;
	char *copy;
	unsigned opts;
	uint32_t h;

	if (size == 0)
		return 0;
	if (pool == NULL)
		pool = gd_pool_create("fuzz");
	opts = data[0];
	copy = malloc(size - 1 + 1);
	memcpy(copy, data + 1, size - 1);
	h = fz_run(copy, size - 1, size, opts, pool);
	if (fz_run(copy, size - 1, 1, opts, pool) != h ||
	    fz_run(copy, size - 1, 0, opts, pool) != h)
		abort();
	fz_names(copy, size - 1);
	free(copy);
	return 0;
}
