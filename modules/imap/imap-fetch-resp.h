/*
 * imap-fetch-resp.h — what FETCH needs to produce its response items,
 * independent of the connection (internal header of the imap module).
 *
 *   imap-fetch-src.c       a content source (read/seek) over a
 *                          gd_mail_content or memory; the MIME part tree
 *                          of a message parsed from a source
 *   imap-sbuf.c            a growable output buffer in a pool; IMAP
 *                          strings (NIL / quoted / literal) into it
 *   imap-envelope.c        ENVELOPE (RFC 9051 7.5.2)
 *   imap-bodystructure.c   BODY and BODYSTRUCTURE
 *   imap-section.c         a BODY[...] / BINARY[...] item resolved to what
 *                          to send: a byte range, a header filter or a
 *                          decoder
 *   imap-hdrfilter.c       HEADER.FIELDS[.NOT] as a streaming filter
 *   imap-fetch-stream.c    the streamer: size first, then the bytes in
 *                          bounded chunks with back-pressure
 *   imap-struct-cache.c    ENVELOPE, BODY and BODYSTRUCTURE rendered
 *                          once per process (a core gd_mail_cache)
 *
 * Threads: ENVELOPE, BODYSTRUCTURE and section resolution are pure (any
 * thread, LOOP class).  Everything that reads a source is of the class of
 * the source (FILE for a gd_mail_content: allowed on a worker loop).
 *
 * Typical use for one message of a FETCH:
 *
 *   imap_src_content(&cs, content);
 *   imap_msg_tree(pool, &cs.src, limits, &root)         once per message
 *   imap_envelope_write(sb, root, mode)                 ENVELOPE
 *   imap_bodystructure_write(sb, root, true, mode)      BODYSTRUCTURE
 *   for each att:
 *     imap_section_resolve(root, size, att, &sec, &err)  NO on error
 *     imap_fetch_stream_open(st, &cs.src, &sec)          sizing pass
 *     "BODY[...] {n}\r\n" with n = imap_fetch_stream_size(st)
 *     loop: imap_fetch_stream_produce(st, buf, room, &done) while the
 *     connection has room; resume on GD_CONN_EV_DRAINED.
 */
#ifndef GD_IMAP_FETCH_RESP_H
#define GD_IMAP_FETCH_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <gumdrop/mailbox.h>
#include <gumdrop/message.h>
#include <gumdrop/msg-codec.h>
#include <gumdrop/pool.h>

#include "imap-parse.h"

/* ------------------------------------------------------------------ */
/* Content sources and the part tree (imap-fetch-src.c)                */
/* ------------------------------------------------------------------ */

/*
 * Where message octets come from.  read: up to len octets from the
 * current position, 0 at the end, -1 on error.  seek: to an absolute
 * offset, 0 or -1.
 */
struct imap_src {
	ssize_t (*read)(void *arg, void *buf, size_t len);
	int (*seek)(void *arg, uint64_t offset);
	void *arg;
};

/* A source over an open gd_mail_content; `err` keeps the last error. */
struct imap_content_src {
	struct imap_src src;
	struct gd_mail_content *content;
	struct gd_mail_error err;
};
void imap_src_content(struct imap_content_src *cs,
    struct gd_mail_content *content);

/* A source over memory (tests, the fuzz target, cached headers). */
struct imap_mem_src {
	struct imap_src src;
	const char *data;
	size_t len;
	size_t pos;
};
void imap_src_mem(struct imap_mem_src *ms, const void *data, size_t len);

/*
 * Read the whole source from offset 0 and parse it (message.h) with
 * `limits` (NULL: the defaults); the tree lives in `pool`.  Bounded
 * memory: one chunk and the parser's own bounds.  *size_r (may be NULL)
 * gets the octets read.  0, or -1 when the source fails.
 */
int imap_msg_tree(struct gd_pool *pool, struct imap_src *src,
    const struct gd_msg_limits *limits, const struct gd_mime_part **root_r,
    uint64_t *size_r);

/* ------------------------------------------------------------------ */
/* Output buffer (imap-sbuf.c)                                         */
/* ------------------------------------------------------------------ */

/* A growable buffer in a pool (old blocks stay in the pool until it is
 * cleared: at most twice the final size). */
struct imap_sbuf {
	struct gd_pool *pool;
	char *buf;
	size_t len;
	size_t cap;
};

void imap_sbuf_init(struct imap_sbuf *sb, struct gd_pool *pool);
void imap_sbuf_add(struct imap_sbuf *sb, const void *data, size_t len);
void imap_sbuf_str(struct imap_sbuf *sb, const char *s);
void imap_sbuf_u64(struct imap_sbuf *sb, uint64_t n);
/*
 * An IMAP string (imap_string_format(): quoted when it may be, a literal
 * "{n}\r\n..." otherwise, e.g. with CR, LF, NUL or, without
 * IMAP_MODE_UTF8, 8-bit octets).  nstring: NULL gives NIL.
 */
void imap_sbuf_string(struct imap_sbuf *sb, const char *s, size_t len,
    unsigned mode);
void imap_sbuf_nstring(struct imap_sbuf *sb, const char *s, unsigned mode);

/* ------------------------------------------------------------------ */
/* ENVELOPE and BODYSTRUCTURE                                          */
/* ------------------------------------------------------------------ */

/*
 * Append the ENVELOPE of message node `msg` (the root, or the child of a
 * message/rfc822 part): "(date subject from sender reply-to to cc bcc
 * in-reply-to message-id)", strings undecoded (RFC 2047 words kept),
 * sender and reply-to defaulting to from when absent or empty, groups as
 * (NIL NIL "name" NIL) ... (NIL NIL NIL NIL), a missing host or mailbox
 * of a non-group address as "MISSING_DOMAIN" / "MISSING_MAILBOX" (NIL
 * would mean a group).  Uses sb->pool for scratch (bounded by the header).
 */
void imap_envelope_write(struct imap_sbuf *sb, const struct gd_mime_part *msg,
    unsigned mode);

/*
 * Append the body structure of `part` (normally the root): the
 * non-extensible BODY form, or with `extended` the BODYSTRUCTURE form
 * (multipart: parameters, disposition, language, location; single part:
 * MD5, disposition, language, location).  text/ * and message/rfc822
 * get their line counts; message/rfc822 its envelope and structure.
 * A multipart without parts is given as an empty text/plain part.
 */
void imap_bodystructure_write(struct imap_sbuf *sb,
    const struct gd_mime_part *part, bool extended, unsigned mode);

/* ------------------------------------------------------------------ */
/* The structure cache (imap-struct-cache.c)                           */
/* ------------------------------------------------------------------ */

/* Bytes of rendered strings kept for the whole process (64 MiB). */
#define IMAP_STRUCT_CACHE_MAX	((size_t)64 * 1024 * 1024)

enum {
	IMAP_STRUCT_ENVELOPE,
	IMAP_STRUCT_BODY,
	IMAP_STRUCT_BODYSTRUCTURE,
	IMAP_STRUCT_N
};

/* A message's three rendered items (not NUL-terminated). */
struct imap_struct {
	const char *str[IMAP_STRUCT_N];
	size_t len[IMAP_STRUCT_N];
	unsigned problems;	/* imap_parse_problems() of the tree */
};

/*
 * The defects of a parsed message that IMAP reports with an untagged
 * "NO [PARSE]" (RFC 9051 7.1): the union over the tree of the
 * gd_mime_part flags for header or structure cut at the parser's bounds,
 * a multipart without a usable or a closing boundary, an unreadable
 * Content-Type.  0 for a sound message.
 */
unsigned imap_parse_problems(const struct gd_mime_part *root);
/* One line of text for the problems (not 0), for the PARSE reply. */
const char *imap_parse_problem_text(unsigned problems);

/* Make / free the process's cache (module init / fini; without it the
 * calls below miss and keep nothing). */
void imap_struct_cache_start(void);
void imap_struct_cache_stop(void);

/* Render the three items of `root` in `mode` into `pool`.  Pure. */
void imap_struct_render(struct imap_struct *st,
    const struct gd_mime_part *root, unsigned mode, struct gd_pool *pool);

/*
 * The cached items of message `m` of `box` for `mode` (only its
 * IMAP_MODE_UTF8 bit counts), copied into `pool`: true on a hit (same
 * store root, mailbox, UIDVALIDITY, UID, size and internal date).  put
 * keeps them.  Thread-safe; LOOP.
 */
bool imap_struct_cache_get(struct gd_mailbox *box,
    const struct gd_mail_msg *m, unsigned mode, struct imap_struct *st,
    struct gd_pool *pool);
void imap_struct_cache_put(struct gd_mailbox *box,
    const struct gd_mail_msg *m, unsigned mode, const struct imap_struct *st);

/* ------------------------------------------------------------------ */
/* Sections (imap-section.c, imap-hdrfilter.c)                         */
/* ------------------------------------------------------------------ */

enum imap_sec_kind {
	IMAP_SEC_RANGE = 0,	/* octets [offset, offset + size) */
	IMAP_SEC_FIELDS,	/* header [offset, +size) filtered */
	IMAP_SEC_DECODE,	/* body [offset, +size) CTE-decoded */
};

/* What one BODY[...] / BINARY[...] / BINARY.SIZE[...] item sends. */
struct imap_section {
	enum imap_sec_kind kind;
	const struct gd_mime_part *part;	/* the part it names */
	uint64_t offset;			/* in the source */
	uint64_t size;
	/* FIELDS: the names (upper-cased by the parser), and .NOT */
	const char **fields;
	size_t nfields;
	bool not;
	enum gd_mime_encoding enc;		/* DECODE: base64 or QP */
	/* <partial>: applied on the result */
	bool partial;
	uint64_t p_offset;
	uint64_t p_length;
	bool size_only;				/* BINARY.SIZE */
	/* RANGE: a part in it has NUL octets in its body (message.h's
	 * GD_MIME_BINARY_BODY) */
	bool nul;
};

/*
 * Resolve `att` on the tree of a message of `msg_size` octets.  Part
 * numbers go down multiparts (n-th part), into a message/rfc822 part's
 * message, and "1" of a single-part message (or encapsulated message) is
 * its body.  HEADER, HEADER.FIELDS[.NOT] and TEXT apply to the message
 * (the root without part numbers, the encapsulated message of a
 * message/rfc822 part); MIME to the part's own header.  A part that does
 * not exist (any number under a multipart without parts among them),
 * or HEADER/TEXT on a part that is not a message, gives an empty range:
 * the item is sent as an empty string, as Dovecot does (the RFCs leave
 * it open; NIL would be legal too).  BINARY on a leaf with base64 or
 * quoted-printable gives IMAP_SEC_DECODE; with an unknown encoding it
 * is refused: -1 with *err NO [UNKNOWN-CTE].  Every range lies inside
 * [0, msg_size).  Pure.
 */
int imap_section_resolve(const struct gd_mime_part *root, uint64_t msg_size,
    const struct imap_fetch_att *att, struct imap_section *sec,
    struct imap_error *err);

/*
 * The section an RFC822 item stands for: IMAP_FETCH_RFC822 is BODY[],
 * IMAP_FETCH_RFC822_HEADER BODY.PEEK[HEADER], IMAP_FETCH_RFC822_TEXT
 * BODY[TEXT] (RFC 3501 6.4.5); fills *att (its response name is the
 * item's, not imap_fetch_att_name()'s).
 */
void imap_section_rfc822(enum imap_fetch_item item,
    struct imap_fetch_att *att);

/* HEADER.FIELDS[.NOT] over a header block, one byte range at a time. */
#define IMAP_HDRF_NAME_MAX	256
struct imap_hdrfilter {
	const char **fields;
	size_t nfields;
	bool not;
	unsigned state;
	bool emit;			/* the current field is wanted */
	char name[IMAP_HDRF_NAME_MAX];
	size_t name_len;
	bool ended;			/* the empty line was reached */
};

void imap_hdrfilter_init(struct imap_hdrfilter *f, const char **fields,
    size_t nfields, bool not);
/*
 * Filter `len` octets of the header block (in order): the wanted fields,
 * whole, are written to `out`, which needs room for len +
 * IMAP_HDRF_NAME_MAX octets.  Fields are lines starting with a name and
 * ':' and their continuation lines; lines without a colon and
 * everything after the empty line are dropped.  Returns the count.
 */
size_t imap_hdrfilter_feed(struct imap_hdrfilter *f, const void *data,
    size_t len, char *out);
/* End: the held name of a cut-off last field if wanted, then the empty
 * line "\r\n" ending every header fetch (needs IMAP_HDRF_NAME_MAX + 2). */
size_t imap_hdrfilter_finish(struct imap_hdrfilter *f, char *out);

/* ------------------------------------------------------------------ */
/* The streamer (imap-fetch-stream.c)                                  */
/* ------------------------------------------------------------------ */

#define IMAP_STREAM_CHUNK	4096

/* Treat as opaque; embedded to avoid allocation (~9 KiB). */
struct imap_fetch_stream {
	struct imap_src *src;
	struct imap_section sec;
	uint64_t total;			/* result size before <partial> */
	uint64_t skip;			/* result octets to drop */
	uint64_t size;			/* result octets to send */
	uint64_t left;			/* of them still to send */
	uint64_t in_pos;		/* next source offset to read */
	uint64_t in_end;
	bool has_nul;
	bool gen_done;
	struct imap_hdrfilter hf;
	struct gd_b64_decoder b64;
	struct gd_qp_decoder qp;
	char in[IMAP_STREAM_CHUNK];
	char out[IMAP_STREAM_CHUNK + GD_QP_PEND_MAX_ + IMAP_HDRF_NAME_MAX +
	    64];
	size_t out_len, out_pos;
};

/*
 * Prepare to send `sec` from `src`.  FIELDS and DECODE read their range
 * once here to know the size (the header is bounded by the parser's
 * max header size; a decoded part costs one decoding pass, memory stays
 * bounded).  0, or -1 when the source fails.
 */
int imap_fetch_stream_open(struct imap_fetch_stream *st, struct imap_src *src,
    const struct imap_section *sec);

/* Octets the literal will hold (the {n}; 0 for BINARY.SIZE, whose value
 * is imap_fetch_stream_total()). */
uint64_t imap_fetch_stream_size(const struct imap_fetch_stream *st);
uint64_t imap_fetch_stream_total(const struct imap_fetch_stream *st);
/* The result holds a NUL: BINARY must send it as literal8 "~{n}". */
bool imap_fetch_stream_has_nul(const struct imap_fetch_stream *st);

/*
 * Write up to `room` (>= 1) next octets into buf; *done_r is set once
 * all imap_fetch_stream_size() octets were produced.  Returns the count
 * (0 only when done), or -1 when the source fails or ends early (the
 * message changed under us: the session must end the connection, as the
 * literal cannot be completed honestly).
 */
ssize_t imap_fetch_stream_produce(struct imap_fetch_stream *st, char *buf,
    size_t room, bool *done_r);

#endif
