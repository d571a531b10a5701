/*
 * linebuf-private.h — the input buffer and CRLF line framer of a
 * connection.  Pure state machine, no I/O: the connection reads into
 * gd_linebuf_space(), commits, and pulls lines (or raw bytes) out.  Works
 * when fed one byte at a time.
 *
 * Framing: a line ends with LF; a CR right before the LF is stripped and
 * the line is flagged bare-LF otherwise.  A bare CR is data.  A line whose
 * length including its terminator exceeds max_line is discarded as it
 * arrives (memory stays bounded) and reported once, as GD_LINEBUF_TOO_LONG,
 * when its LF arrives.
 *
 * The buffer (`size` bytes, >= max_line) is allocated on first use and
 * released by gd_linebuf_release() whenever it is empty, so an idle
 * connection holds no buffer.
 */
#ifndef GD_LINEBUF_PRIVATE_H
#define GD_LINEBUF_PRIVATE_H

#include <gumdrop/common.h>

struct gd_linebuf {
	char *buf;		/* NULL while empty and released */
	uint32_t size;		/* capacity */
	uint32_t max_line;	/* incl. terminator */
	uint32_t start;		/* first unconsumed byte */
	uint32_t end;		/* one past the last byte */
	uint32_t scan;		/* bytes from start already searched for LF */
	bool discarding;	/* inside an overlong line */
	bool bare_lf;		/* last line returned ended in bare LF */
};

enum gd_linebuf_result {
	GD_LINEBUF_MORE = 0,	/* no complete line buffered */
	GD_LINEBUF_LINE,	/* *line_r / *len_r set */
	GD_LINEBUF_TOO_LONG,	/* an overlong line ended */
};

/* size >= max_line >= 2; sizes below 2^31. */
void gd_linebuf_init(struct gd_linebuf *lb, size_t size, size_t max_line);
void gd_linebuf_deinit(struct gd_linebuf *lb);

/*
 * Free space to read into (compacting / allocating as needed); *len_r is
 * 0 when the buffer is full (stop reading until lines are taken).  Then
 * report how many bytes were stored with gd_linebuf_commit().
 */
char *gd_linebuf_space(struct gd_linebuf *lb, size_t *len_r);
void gd_linebuf_commit(struct gd_linebuf *lb, size_t n);

/* Copy in up to `len` bytes; returns how many fit (tests, fuzzing). */
size_t gd_linebuf_feed(struct gd_linebuf *lb, const void *data, size_t len);

/*
 * Take the next line.  The line (terminator removed, NUL-terminated in
 * place) stays valid until the next call on lb.  bare LF → lb->bare_lf.
 * While discarding an overlong line, consumes and drops its bytes.
 */
enum gd_linebuf_result gd_linebuf_next(struct gd_linebuf *lb,
    const char **line_r, size_t *len_r);

/* Raw access: buffered bytes, and consuming them. */
const char *gd_linebuf_data(const struct gd_linebuf *lb, size_t *len_r);
void gd_linebuf_consume(struct gd_linebuf *lb, size_t n);

/* Bytes buffered (not yet taken). */
size_t gd_linebuf_pending(const struct gd_linebuf *lb);

/* Drop everything buffered (and any overlong state); returns the count. */
size_t gd_linebuf_discard(struct gd_linebuf *lb);

/* Free the buffer if empty. */
void gd_linebuf_release(struct gd_linebuf *lb);

#endif /* GD_LINEBUF_PRIVATE_H */
