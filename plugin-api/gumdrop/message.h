/*
 * gumdrop/message.h — the streaming RFC 5322 + MIME message parser.
 *
 * Every module that reads mail uses this parser; none parses mail on its
 * own.  It is pure code (no loop, no I/O, no globals), usable from any
 * thread; one parser object is used by one thread at a time.
 *
 * FEEDING.  Create a parser, feed it the message bytes in chunks of any
 * size (one byte at a time works and gives the same result), then finish
 * it.  The parser never holds the message: it keeps at most one header
 * field (bounded by `max_header_size`) and one candidate boundary line
 * (at most GD_MIME_MAX_BOUNDARY_LINE bytes) between chunks.
 *
 *   struct gd_msg_parser *p = gd_msg_parser_create(pool, &limits, &cb, ctx);
 *   while ((n = read(fd, buf, sizeof(buf))) > 0)
 *           gd_msg_parser_feed(p, buf, n);
 *   const struct gd_mime_part *root = gd_msg_parser_finish(p);
 *
 * LINES.  A line ends with LF; a CR right before the LF belongs to the
 * terminator.  Messages stored with CRLF and with bare LF parse the same
 * way; offsets and sizes always count the bytes as they were fed.
 *
 * THE TREE.  The result is a tree of struct gd_mime_part, allocated in the
 * parser's pool, with the byte offsets and line counts IMAP needs for
 * BODY[section], BODYSTRUCTURE and BINARY:
 *
 *   root (is_message)            the whole message: header + body
 *     multipart/mixed → children are the parts, in order
 *     message/rfc822  → one child (is_message): the encapsulated message,
 *                       whose header starts at the parent's body_offset
 *     anything else   → a leaf
 *
 * Following RFC 2046 5.1.1, the line break before a boundary line belongs
 * to the boundary: a part's body ends before it.  The preamble (before the
 * first boundary) and the epilogue (after the closing one) belong to no
 * child; their ranges are recorded on the multipart.
 *
 * BOUNDS.  Header size and field count per header block, MIME depth and
 * the total number of parts are limited (struct gd_msg_limits).  Over a
 * bound the parser does not fail: it stops parsing deeper (a part becomes
 * an opaque leaf, further fields of a header are not reported) and says so
 * in the part's `flags` and in gd_msg_parser_flags().  Offsets and sizes
 * stay exact, so an over-bound message is still stored and served whole.
 * Malformed input never makes the parser fail, loop, or allocate beyond
 * its bounds.
 */
#ifndef GUMDROP_MESSAGE_H
#define GUMDROP_MESSAGE_H

#include <sys/types.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_pool;
struct gd_msg_parser;

/* RFC 2046: a boundary is 1..70 characters; longer ones are accepted up to
 * this many bytes (a longer boundary parameter makes the part a leaf). */
#define GD_MIME_MAX_BOUNDARY	200
/* A boundary line ("--" boundary "--" transport padding) is at most this
 * many bytes, without its line break; a longer line is not a boundary line
 * (the parser would have to hold it back whole to decide). */
#define GD_MIME_MAX_BOUNDARY_LINE	(GD_MIME_MAX_BOUNDARY + 8)

/*
 * Parser bounds.  Zero in a field means "the default" (given in brackets).
 * Storage modules read these from their configuration (mailbox-impl.h:
 * gd_mail_store_config_parse) and pass them to everyone who parses.
 */
struct gd_msg_limits {
	size_t max_header_size;		/* bytes per header block [256 KiB] */
	unsigned max_header_fields;	/* fields per header block [1000] */
	unsigned max_depth;		/* nested multipart/message [32] */
	unsigned max_parts;		/* parts in the whole tree [2000] */
};

/* Fill `limits` with the defaults. */
GD_API void gd_msg_limits_default(struct gd_msg_limits *limits);

/* ---- header fields ------------------------------------------------ */

/* struct gd_msg_field.flags */
enum gd_msg_field_flag {
	/* A line in the header block without a colon: `name` is the whole
	 * line, `value` is empty.  Reported so that nothing is hidden. */
	GD_MSG_FIELD_BROKEN = 1 << 0,
	/* The field contains bytes >= 0x80 (RFC 6532 UTF-8, or garbage). */
	GD_MSG_FIELD_8BIT = 1 << 1,
	/* The field contains a NUL byte (its strings are cut there; use
	 * the lengths). */
	GD_MSG_FIELD_NUL = 1 << 2,
};

/*
 * One header field, as reported to gd_msg_callbacks.header_field.  All
 * pointers are valid only during the callback (copy what you keep).
 * Strings are NUL-terminated, and their lengths are given too.
 */
struct gd_msg_field {
	const char *name;		/* as written, without the colon */
	size_t name_len;
	/*
	 * The raw value: everything after the colon up to the field's final
	 * line break (not included), folds kept as they were.
	 */
	const char *raw;
	size_t raw_len;
	/*
	 * The unfolded value (RFC 5322 2.2.3): each line break followed by
	 * WSP removed, leading and trailing WSP trimmed.
	 */
	const char *value;
	size_t value_len;
	uint64_t offset;		/* of the field's first byte */
	uint64_t size;			/* the whole field with its line break */
	unsigned flags;			/* enum gd_msg_field_flag */
};

/* ---- the MIME tree -------------------------------------------------- */

/* A Content-Type or Content-Disposition parameter (RFC 2045, RFC 2231). */
struct gd_mime_param {
	struct gd_mime_param *next;
	const char *name;		/* lower-cased, without any "*N*" */
	/*
	 * The value: quotes removed, RFC 2231 continuations joined, %XX
	 * decoded and the charset converted to UTF-8 (gd_msg_charset_to_utf8;
	 * kept as raw bytes when the charset is unknown).  Values that are
	 * RFC 2047 encoded words (a common violation) are decoded too.
	 */
	const char *value;
	/*
	 * The value as the message wrote it (after the '=', for the first
	 * segment of a continued parameter), for IMAP BODYSTRUCTURE, which
	 * returns parameters undecoded: quotes and backslash escapes are
	 * removed, nothing is decoded.  Continuations are joined here too.
	 */
	const char *raw_value;
	const char *charset;		/* RFC 2231 charset, or NULL */
	const char *language;		/* RFC 2231 language, or NULL */
};

/* struct gd_mime_part.flags */
enum gd_mime_part_flag {
	/* Header block over max_header_size or max_header_fields: the fields
	 * after the bound were not parsed (the header's range is exact). */
	GD_MIME_TRUNC_HEADER = 1 << 0,
	/* The part would be parsed deeper (multipart or message) but
	 * max_depth or max_parts was reached: it is an opaque leaf. */
	GD_MIME_TRUNC_STRUCTURE = 1 << 1,
	/* multipart without a usable boundary parameter: treated as a leaf. */
	GD_MIME_BAD_BOUNDARY = 1 << 2,
	/* multipart whose closing boundary never came (the last part runs to
	 * the end of the enclosing body). */
	GD_MIME_NO_END_BOUNDARY = 1 << 3,
	/* The header block did not end with an empty line before the end of
	 * the part (the whole part is header; the body is empty). */
	GD_MIME_NO_BODY = 1 << 4,
	/* A header field contained 8-bit bytes. */
	GD_MIME_8BIT_HEADER = 1 << 5,
	/* The body contains bytes >= 0x80, or NUL (binary). */
	GD_MIME_8BIT_BODY = 1 << 6,
	GD_MIME_BINARY_BODY = 1 << 7,
	/* The header had a Content-Type the parser could not read; the
	 * defaults apply (RFC 2045 5.2). */
	GD_MIME_BAD_CONTENT_TYPE = 1 << 8,
};

/*
 * Header fields of a message node (the root, and each message/rfc822
 * child) that IMAP ENVELOPE needs: the unfolded value of the FIRST
 * occurrence of each, or NULL when absent.  Undecoded (RFC 2047 words
 * stay encoded, as ENVELOPE returns them).
 */
struct gd_msg_envelope {
	const char *date;
	const char *subject;
	const char *from;
	const char *sender;
	const char *reply_to;
	const char *to;
	const char *cc;
	const char *bcc;
	const char *in_reply_to;
	const char *message_id;
};

struct gd_mime_part {
	struct gd_mime_part *parent;
	struct gd_mime_part *children;	/* first child */
	struct gd_mime_part *next;	/* next sibling */
	unsigned depth;			/* root: 0 */
	unsigned index;			/* 1-based among its siblings */
	unsigned flags;			/* enum gd_mime_part_flag */
	bool is_message;		/* root or encapsulated message */

	/* Byte ranges, relative to the first byte fed to the parser. */
	uint64_t header_offset;
	uint64_t header_size;		/* including the empty line */
	uint64_t body_offset;		/* header_offset + header_size */
	uint64_t body_size;
	/* Lines: LFs in the range, plus one if the range is non-empty and
	 * does not end with LF. */
	uint64_t header_lines;
	uint64_t body_lines;

	/*
	 * Content-Type, with the defaults of RFC 2045 5.2 (text/plain;
	 * charset=us-ascii) or RFC 2046 5.1.5 (message/rfc822 inside
	 * multipart/digest) filled in when absent or unreadable.  `type` and
	 * `subtype` are lower-cased; `type_raw`/`subtype_raw` as written
	 * (the defaults when absent).
	 */
	const char *type;
	const char *subtype;
	const char *type_raw;
	const char *subtype_raw;
	struct gd_mime_param *type_params;
	const char *boundary;		/* multipart: the boundary, or NULL */

	/* Other Content-* fields (unfolded values, or NULL when absent). */
	const char *encoding;		/* Content-Transfer-Encoding, as written */
	const char *id;			/* Content-ID */
	const char *description;	/* Content-Description */
	const char *md5;		/* Content-MD5 */
	const char *location;		/* Content-Location */
	const char *language;		/* Content-Language (raw list) */
	const char *disposition;	/* the disposition type, as written */
	struct gd_mime_param *disposition_params;

	/* multipart only: preamble and epilogue ranges (size 0 if none). */
	uint64_t preamble_offset, preamble_size;
	uint64_t epilogue_offset, epilogue_size;

	/* Message nodes only (is_message), else NULL. */
	const struct gd_msg_envelope *envelope;
};

/* Transfer encodings, from a part's `encoding` string. */
enum gd_mime_encoding {
	GD_MIME_ENC_7BIT = 0,	/* also when absent */
	GD_MIME_ENC_8BIT,
	GD_MIME_ENC_BINARY,
	GD_MIME_ENC_QP,
	GD_MIME_ENC_BASE64,
	GD_MIME_ENC_UNKNOWN,	/* an x-token or garbage: served undecoded */
};

GD_API enum gd_mime_encoding gd_mime_part_encoding(
    const struct gd_mime_part *part);

/* A parameter's decoded value by (case-insensitive) name, or NULL. */
GD_API const char *gd_mime_param_get(const struct gd_mime_param *params,
    const char *name);

/* True if the part's lower-cased type/subtype equal the given ones
 * (subtype NULL matches any). */
GD_API bool gd_mime_part_is(const struct gd_mime_part *part,
    const char *type, const char *subtype);

/* ---- the parser ------------------------------------------------------ */

/*
 * Optional callbacks, each may be NULL.  `part` is the part whose header
 * or body is being read; it is complete (sizes final) only in part_end.
 * Callbacks must not call back into the parser.
 */
struct gd_msg_callbacks {
	/* Each field of each header block, in order (fields beyond the
	 * bounds are not reported). */
	void (*header_field)(void *ctx, const struct gd_mime_part *part,
	    const struct gd_msg_field *field);
	/* A header block ended; the part's Content-* data is known. */
	void (*header_end)(void *ctx, const struct gd_mime_part *part);
	/*
	 * Body bytes of a LEAF part (not multipart, not message/rfc822,
	 * exactly the part's body range, undecoded), in order, in chunks of
	 * any size.  When NULL the parser skips over body bytes faster.
	 */
	void (*body)(void *ctx, const struct gd_mime_part *part,
	    const void *data, size_t len);
	/* A part ended (children end before their parent). */
	void (*part_end)(void *ctx, const struct gd_mime_part *part);
};

/* gd_msg_parser_flags(): the union of every part's flags, plus: */
enum gd_msg_parser_flag {
	/* Finished before any byte (an empty message). */
	GD_MSG_EMPTY = 1 << 16,
};

/*
 * Create a parser allocating its tree and state in `pool` (the tree lives
 * as long as the pool).  `limits` NULL means the defaults; `cb` may be
 * NULL.  Never NULL (aborts on allocation failure).
 */
GD_API struct gd_msg_parser *gd_msg_parser_create(struct gd_pool *pool,
    const struct gd_msg_limits *limits, const struct gd_msg_callbacks *cb,
    void *ctx);

/*
 * Feed the next `len` bytes.  Callbacks run from inside.  Cannot fail.
 */
GD_API void gd_msg_parser_feed(struct gd_msg_parser *parser,
    const void *data, size_t len);

/*
 * Stop parsing the body (for callers that only need the header of the
 * message, e.g. to index it): after the root's header_end, further bytes
 * fed are only counted.  The tree then has the root only, with its
 * body_size/body_lines still counted.  May be called from header_end.
 */
GD_API void gd_msg_parser_stop_at_body(struct gd_msg_parser *parser);

/*
 * End of input: close every open part (reporting header_end/part_end as
 * needed) and return the root.  Owned by the pool.  The parser must not
 * be fed after this.
 */
GD_API const struct gd_mime_part *gd_msg_parser_finish(
    struct gd_msg_parser *parser);

/* Union of enum gd_mime_part_flag over all parts, and enum
 * gd_msg_parser_flag.  Final after gd_msg_parser_finish(). */
GD_API unsigned gd_msg_parser_flags(const struct gd_msg_parser *parser);

/* Number of parts in the tree so far (the root included). */
GD_API unsigned gd_msg_parser_part_count(const struct gd_msg_parser *p);

/*
 * Parse one header block held in memory (for example the result of
 * reading BODY[HEADER] back): calls `fn` for each field, in order, with
 * offsets relative to `data`.  Stops at the empty line ending the block,
 * or at the end of data.  Returns the size of the header block consumed
 * (including the empty line when present).  Bounded by `limits`
 * (NULL: the defaults) like the streaming parser.  Any thread.
 */
typedef void gd_msg_field_fn(void *ctx, const struct gd_msg_field *field);
GD_API size_t gd_msg_header_parse(const void *data, size_t len,
    const struct gd_msg_limits *limits, gd_msg_field_fn *fn, void *ctx);

/*
 * Parse a Content-Type value ("text/plain; charset=utf-8"): the lower-
 * cased type and subtype and the parameters, allocated in `pool`.
 * Returns 0, or -1 when the type/subtype cannot be read (the outputs are
 * then unset).  Any thread.
 */
GD_API int gd_mime_content_type_parse(struct gd_pool *pool,
    const char *value, size_t len, const char **type_r,
    const char **subtype_r, struct gd_mime_param **params_r);

/*
 * Parse a parameter list alone ("; a=b; c*0=x; c*1=y"), as found after a
 * Content-Disposition type.  Malformed parameters are skipped.  Returns
 * the list (NULL when empty).  Any thread.
 */
GD_API struct gd_mime_param *gd_mime_params_parse(struct gd_pool *pool,
    const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_MESSAGE_H */
