/*
 * gumdrop/msg-codec.h — content and header encodings of mail: streaming
 * base64 and quoted-printable decoders (RFC 2045), RFC 2047 encoded
 * words, and charset conversion to UTF-8 (iconv).
 *
 * Pure code, any thread.  The streaming decoders keep their state in a
 * small struct the caller owns (zero it, or call the _init function, to
 * start), take input in chunks of any size (one byte at a time works and
 * gives the same output), and never fail: mail in the wild is broken in
 * every way, so invalid input is skipped or passed through as described,
 * never refused.
 */
#ifndef GUMDROP_MSG_CODEC_H
#define GUMDROP_MSG_CODEC_H

#include <sys/types.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_pool;

/* ---- base64 (RFC 2045 6.8) ------------------------------------------- */

struct gd_b64_decoder {
	uint32_t acc;		/* bits not yet output */
	unsigned bits;		/* how many */
	bool done;		/* padding seen: later input is ignored */
};

GD_API void gd_b64_decoder_init(struct gd_b64_decoder *dec);

/*
 * Decode `len` bytes of base64 text into `out`, which must have room for
 * GD_B64_DECODED_MAX(len) bytes.  Characters outside the alphabet (line
 * breaks, spaces, garbage) are ignored, as RFC 2045 says; '=' ends the
 * data.  Returns the number of bytes written.
 */
#define GD_B64_DECODED_MAX(len)	(((len) / 4 + 1) * 3)
GD_API size_t gd_b64_decode(struct gd_b64_decoder *dec, const void *in,
    size_t len, void *out);

/* ---- quoted-printable (RFC 2045 6.7) --------------------------------- */

/* Whitespace held back while deciding whether it is trailing (trailing
 * whitespace is removed, RFC 2045 6.7 (3)); longer runs are kept. */
#define GD_QP_PEND_MAX_	80

struct gd_qp_decoder {
	unsigned state;		/* internal */
	unsigned char pend[GD_QP_PEND_MAX_ + 4];	/* internal: held bytes */
	size_t npend;
};

GD_API void gd_qp_decoder_init(struct gd_qp_decoder *dec);

/*
 * Decode `len` bytes into `out`, which must have room for
 * GD_QP_DECODED_MAX(len) bytes (held-back bytes may come out later).
 * "=XX" (hex digits of either case) becomes one byte, "=" before a line
 * break is a soft break (removed with the break), trailing whitespace on
 * a line is removed, line breaks are kept as they were (CRLF or LF).  An
 * "=" not followed by two hex digits or a line break is kept as it is.
 * Returns the number of bytes written.
 */
#define GD_QP_DECODED_MAX(len)	((len) + GD_QP_PEND_MAX_ + 3)
GD_API size_t gd_qp_decode(struct gd_qp_decoder *dec, const void *in,
    size_t len, void *out);

/* End of input: write what is held back (at most GD_QP_PEND_MAX_ + 3
 * bytes) to `out`; returns the count. */
GD_API size_t gd_qp_decode_finish(struct gd_qp_decoder *dec, void *out);

/* ---- charsets ---------------------------------------------------------- */

/*
 * Convert `len` bytes in `charset` (any name iconv knows, matched
 * case-insensitively, plus the usual aliases: "utf8", "latin1", "ascii",
 * "x-unknown"...) to UTF-8, allocated NUL-terminated in `pool`; *out_len_r
 * (may be NULL) gets its length.  Bytes that do not convert are replaced
 * by U+FFFD.  US-ASCII and UTF-8 input is validated, not converted (bad
 * sequences become U+FFFD).  Returns 0, or -1 when the charset is unknown
 * (then nothing is allocated).  Output is at most 4 * len + 1 bytes.
 */
GD_API int gd_msg_charset_to_utf8(struct gd_pool *pool, const char *charset,
    const void *in, size_t len, char **out_r, size_t *out_len_r);

/*
 * True if `charset` is known (gd_msg_charset_to_utf8 would accept it).
 */
GD_API bool gd_msg_charset_known(const char *charset);

/*
 * Make `len` bytes valid UTF-8 in `pool`: valid sequences are kept,
 * each invalid byte becomes U+FFFD.  Any thread.
 */
GD_API char *gd_msg_utf8_sanitize(struct gd_pool *pool, const void *in,
    size_t len, size_t *out_len_r);

/* True if the `len` bytes are valid UTF-8 (no overlongs, no surrogates). */
GD_API bool gd_msg_utf8_valid(const void *in, size_t len);

/*
 * Case-fold UTF-8 text for case-insensitive comparison and search (the
 * simple case folding of Unicode, as i;unicode-casemap does before
 * comparing; ASCII is lower-cased): returns the folded text, NUL-
 * terminated, in `pool`.  Invalid bytes become U+FFFD.  Two strings
 * compare equal case-insensitively when their foldings are equal, and
 * `a` contains `b` case-insensitively when fold(a) contains fold(b).
 */
GD_API char *gd_msg_utf8_casefold(struct gd_pool *pool, const void *in,
    size_t len, size_t *out_len_r);

/* ---- RFC 2047 encoded words ----------------------------------------- */

/*
 * Decode a header value (unfolded) to UTF-8: every encoded word
 * "=?charset[*lang]?B|Q?text?=" is decoded and converted; whitespace
 * between two adjacent encoded words is dropped (RFC 2047 6.2); other
 * text is kept, with invalid UTF-8 bytes replaced by U+FFFD.  Encoded
 * words are recognised where RFC 2047 allows them and also, as mail
 * readers do, inside words and quoted strings.  A word whose charset is
 * unknown or whose text is malformed is kept as written.  Returns the
 * UTF-8 result, NUL-terminated, in `pool`; *out_len_r may be NULL.
 */
GD_API char *gd_msg_decode_words(struct gd_pool *pool, const char *in,
    size_t len, size_t *out_len_r);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_MSG_CODEC_H */
