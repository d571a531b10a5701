/*
 * message-private.h — internals of the message parser and the codecs,
 * shared between the files of core/message/ (never installed).
 *
 * The parser is split by concern: msg-parser.c (feeding, finishing, the
 * public entry points), msg-header.c (header blocks and fields),
 * msg-body.c (body scanning and boundary lines), msg-part.c (the tree:
 * creating and closing parts, Content-* fields, the envelope).
 */
#ifndef GD_MESSAGE_PRIVATE_H
#define GD_MESSAGE_PRIVATE_H

#include <iconv.h>

#include <gumdrop/message.h>
#include <gumdrop/msg-codec.h>

#define MSG_PARSER_MAGIC	0x4d534750U	/* "MSGP" */

/* Where a part is in its life; multiparts use the last five. */
enum msg_part_state {
	MSG_PART_HEADER,	/* reading its header block */
	MSG_PART_BODY,		/* leaf body, or message/rfc822 with a child */
	MSG_PART_PREAMBLE,	/* multipart, before its first boundary */
	MSG_PART_CHILD,		/* multipart, a child is open */
	MSG_PART_SKIP,		/* multipart over max_parts: no more children */
	MSG_PART_EPILOGUE,	/* multipart, after its closing boundary */
	MSG_PART_CLOSED,
};

/* A line break: where it starts, the LFs before it, and whether the byte
 * before it is a LF (the line it ends is empty). */
struct msg_term {
	uint64_t off;
	uint64_t lf;
	bool after_lf;
};

struct msg_part {
	struct gd_mime_part pub;	/* first: the public view */
	struct msg_part *last_child;
	enum msg_part_state state;
	bool leaf;			/* body bytes go to the body callback */
	uint64_t header_lf;		/* LFs before header_offset */
	uint64_t body_lf;		/* LFs before body_offset */
	unsigned nchildren;
	unsigned nfields;		/* fields reported so far */
	size_t boundary_len;
	/* Content-Type and Content-Disposition, until the header ends. */
	const char *ctype;
	size_t ctype_len;
	const char *cdisp;
	size_t cdisp_len;
	struct gd_msg_envelope *env;	/* message nodes only */
	struct msg_term endt;		/* where it ended, once closed */
};

enum msg_state {
	MSG_ST_HEADER,
	MSG_ST_BODY,
	MSG_ST_COUNT,		/* gd_msg_parser_stop_at_body: count only */
};

struct gd_msg_parser {
	uint32_t magic;
	struct gd_pool *pool;
	struct gd_msg_limits limits;
	struct gd_msg_callbacks cb;
	void *ctx;
	struct msg_part *root;
	struct msg_part *cur;		/* innermost open part */
	unsigned nparts;
	unsigned flags;			/* union of closed parts' flags */
	unsigned nbound;		/* multiparts with a live boundary */
	enum msg_state state;
	bool stop_at_body;
	bool finished;

	/* Position.  `chunk` is the data of the current feed, which starts
	 * at offset chunk_off; prev0/prev1 are the two bytes before it. */
	const unsigned char *chunk;
	uint64_t chunk_off;
	uint64_t off;			/* bytes consumed */
	uint64_t lf;			/* LFs consumed */
	uint64_t line_off;		/* start of the current line (header) */
	unsigned char prev0, prev1;
	bool line_start;		/* the next byte starts a line */
	struct msg_term term;		/* the break that ended the last line */

	/* A line starting with '-' while a boundary is live (a candidate
	 * boundary line), without its LF. */
	bool in_cand;
	bool cand_long;			/* too long to be a boundary line */
	size_t cand_len;
	unsigned char cand[GD_MIME_MAX_BOUNDARY_LINE + 1];
	/* Body bytes not yet known to be body: a line break (1: "\n",
	 * 2: "\r\n") and the candidate line after it, or a final CR. */
	unsigned hold_term;
	bool hold_cr;

	/* The header field being read (one field, bounded). */
	bool hdr_trunc;
	uint64_t field_off;
	char *fbuf;
	size_t flen, fcap;
	char *vbuf;
	size_t vcap;
};

/* ASCII helpers (locale-independent). */
static inline unsigned char
msg_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static inline bool
msg_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

bool msg_ascii_caseeq(const char *a, size_t alen, const char *b);
char *msg_pool_memdup(struct gd_pool *pool, const void *s, size_t len);
char *msg_pool_lower(struct gd_pool *pool, const char *s, size_t len);

/* msg-parser.c */
unsigned char msg_byte_at(const struct gd_msg_parser *p, uint64_t off);
static inline uint64_t
msg_abs(const struct gd_msg_parser *p, const unsigned char *ptr)
{
	return p->chunk_off + (uint64_t)(ptr - p->chunk);
}
void msg_term_record(struct gd_msg_parser *p, uint64_t lf_off, bool cr);

/* msg-header.c */
size_t msg_header_feed(struct gd_msg_parser *p, const unsigned char *data,
    size_t len);
void msg_header_finish(struct gd_msg_parser *p);
void msg_header_reset(struct gd_msg_parser *p);

/* msg-body.c */
size_t msg_body_feed(struct gd_msg_parser *p, const unsigned char *data,
    size_t len);
void msg_body_finish(struct gd_msg_parser *p);
void msg_body_drop_hold(struct gd_msg_parser *p);
size_t msg_count_lf(const unsigned char *d, size_t n);
struct msg_part *msg_boundary_match(const struct gd_msg_parser *p,
    const unsigned char *line, size_t len, bool *close_r);

/* msg-part.c */
struct msg_part *msg_part_new(struct gd_msg_parser *p,
    struct msg_part *parent, uint64_t off, bool is_message);
void msg_part_field(struct gd_msg_parser *p, struct msg_part *part,
    const struct gd_msg_field *f);
void msg_part_header_done(struct gd_msg_parser *p, uint64_t body_off);
void msg_part_close(struct gd_msg_parser *p, const struct msg_term *end);
void msg_boundary_found(struct gd_msg_parser *p, struct msg_part *m,
    bool close, const struct msg_term *before, uint64_t line_end);

/* mime-params.c: Content-Type with the type and subtype as written. */
struct msg_ctype {
	const char *type, *subtype;		/* lower-cased */
	const char *type_raw, *subtype_raw;
	struct gd_mime_param *params;
};
int msg_ctype_parse(struct gd_pool *pool, const char *s, size_t len,
    struct msg_ctype *ct);

/* codec-charset.c: a converter to UTF-8. */
struct msg_conv {
	bool utf8;			/* validate only */
	iconv_t cd;
};
int msg_conv_open(struct msg_conv *c, const char *charset, size_t len);
/* Convert into `out` (cap bytes); returns the bytes written.  Stops
 * early (cutting the output) only when `out` is full. */
size_t msg_conv_run(struct msg_conv *c, const void *in, size_t len,
    char *out, size_t cap);
void msg_conv_close(struct msg_conv *c);
/* Valid UTF-8 sequence length at s (1..4), or 0 if invalid. */
size_t msg_utf8_seq(const unsigned char *s, size_t n);
/* Sanitize into out (room for 3 * len); returns the bytes written. */
size_t msg_utf8_sanitize_into(const void *in, size_t len, char *out);

#endif /* GD_MESSAGE_PRIVATE_H */
