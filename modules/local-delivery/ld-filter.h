/*
 * ld-filter.h — the header filter of the delivered copy (ld-filter.c):
 * leaves out the top-level header fields a predicate picks, in bounded
 * memory.  Pure (no loop, no smtp): the unit tests compile it in.
 */
#ifndef LD_FILTER_H
#define LD_FILTER_H

#include <gumdrop/gumdrop.h>
#include <gumdrop/message.h>

/* true: leave `field` out (gumdrop/smtp.h's gd_smtp_field_match_fn). */
typedef bool ld_filter_match_fn(void *ctx, const struct gd_msg_field *field);
/* Write bytes onward: 0, or -1 (the error is the writer's to keep). */
typedef int ld_filter_out_fn(void *ctx, const void *buf, size_t len);

struct ld_filter {
	ld_filter_match_fn *match;
	void *match_ctx;
	ld_filter_out_fn *out;
	void *out_ctx;
	char *field;			/* the field held, [0, len) */
	char *scratch;			/* its unfolded value */
	size_t len, cap;
	uint64_t offset;		/* of the next header byte */
	uint64_t field_at;		/* of the held field */
	int state;
	bool held;			/* a field is being collected */
	bool passing;			/* it outgrew cap: passed through */
	unsigned dropped;		/* fields left out */
	unsigned overflowed;		/* fields kept for their length */
};

/*
 * Set `f` up: fields up to `bound` bytes (line breaks included) are
 * held and offered to `match`; longer ones are kept.  Two buffers of
 * bound + 1 bytes come from `pool`.
 */
void ld_filter_init(struct ld_filter *f, struct gd_pool *pool, size_t bound,
    ld_filter_match_fn *match, void *match_ctx, ld_filter_out_fn *out,
    void *out_ctx);

/*
 * Filter `len` bytes of content (any split, one byte at a time works).
 * What is kept goes to `out` in order.  0, or -1 when `out` failed.
 */
int ld_filter_write(struct ld_filter *f, const void *buf, size_t len);

/* The content ended: a held complete field is decided, an incomplete
 * one kept.  0, or -1 when `out` failed. */
int ld_filter_end(struct ld_filter *f);

#endif /* LD_FILTER_H */
