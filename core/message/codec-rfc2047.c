/*
 * codec-rfc2047.c — RFC 2047 encoded words in header values.
 *
 * Words are looked for anywhere (inside quoted strings and glued to other
 * text too, as mail readers do).  Adjacent words in the same charset are
 * decoded into one run before conversion, so a character split between
 * two words (common with B encoding) comes out whole.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/pool.h>

#include "message-private.h"

/* Longer "words" are not words (bounds the work on hostile input). */
#define WORD_MAX	2048
#define WORD_CHARSET_MAX	64

struct word {
	const char *cs;		/* charset, without any "*lang" */
	size_t cs_len;
	char enc;		/* 'b' or 'q' */
	const char *text;
	size_t text_len;
	size_t total;		/* the whole word, "=?" to "?=" */
};

struct w2047 {
	char *out;
	size_t o, cap;
	char *run;		/* decoded bytes of the current run */
	size_t run_len;
	bool have_run;
	const char *run_cs;
	size_t run_cs_len;
	struct msg_conv conv;
};

static int word_parse(const char *s, size_t n, struct word *w,
    size_t *horizon_r);
static bool word_decode_q(const struct word *w, char *out, size_t *len_r);
static bool word_decode_b(const struct word *w, char *out, size_t *len_r);
static bool only_wsp(const char *s, size_t n);
static bool mem_caseeq(const char *a, size_t an, const char *b, size_t bn);
static int hexv(unsigned char c);
static void run_flush(struct w2047 *st);
static void lit_emit(struct w2047 *st, const char *s, size_t n);
static bool word_take(struct w2047 *st, const char *in, size_t lit,
    size_t s, const struct word *w, const char *dec, size_t dlen);

/* 1: a word; 0: not one here; -1: none can end before *horizon_r. */
static int
word_parse(const char *s, size_t n, struct word *w, size_t *horizon_r)
{
	size_t i = 2, t;
	const char *star;

	if (n > WORD_MAX)
		n = WORD_MAX;
	while (i < n && s[i] != '?') {
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
		    i - 2 >= WORD_CHARSET_MAX)
			return 0;
		i++;
	}
	if (i == 2 || i + 2 >= n || s[i + 2] != '?')
		return 0;
	w->cs = s + 2;
	star = memchr(w->cs, '*', i - 2);
	w->cs_len = star != NULL ? (size_t)(star - w->cs) : i - 2;
	w->enc = (char)msg_lower((unsigned char)s[i + 1]);
	if ((w->enc != 'b' && w->enc != 'q') || w->cs_len == 0)
		return 0;
	for (t = i + 3; t + 1 < n && !(s[t] == '?' && s[t + 1] == '='); t++) {
		if ((unsigned char)s[t] <= ' ' || (unsigned char)s[t] >= 0x7f)
			break;
	}
	if (t + 1 >= n || s[t] != '?' || s[t + 1] != '=') {
		*horizon_r = t;
		return -1;
	}
	w->text = s + i + 3;
	w->text_len = t - (i + 3);
	w->total = t + 2;
	return 1;
}

static int
hexv(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = msg_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool
word_decode_q(const struct word *w, char *out, size_t *len_r)
{
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < w->text_len; i++) {
		if (w->text[i] == '_') {
			out[o++] = ' ';
		} else if (w->text[i] != '=') {
			out[o++] = w->text[i];
		} else if (i + 2 < w->text_len &&
		    (h = hexv((unsigned char)w->text[i + 1])) >= 0 &&
		    (l = hexv((unsigned char)w->text[i + 2])) >= 0) {
			out[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			return false;
		}
	}
	*len_r = o;
	return true;
}

static bool
word_decode_b(const struct word *w, char *out, size_t *len_r)
{
	struct gd_b64_decoder dec;
	bool pad = false;
	unsigned char c;
	size_t i;

	for (i = 0; i < w->text_len; i++) {
		c = (unsigned char)w->text[i];
		if (c == '=')
			pad = true;
		else if (pad || !((c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '+' || c == '/'))
			return false;
	}
	gd_b64_decoder_init(&dec);
	/* UNSAFE: out has text_len bytes, more than the decoded size. */
	*len_r = gd_b64_decode(&dec, w->text, w->text_len, out);
	return true;
}

static bool
only_wsp(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!msg_is_wsp((unsigned char)s[i]) && s[i] != '\r' &&
		    s[i] != '\n')
			return false;
	}
	return true;
}

static void
run_flush(struct w2047 *st)
{
	if (!st->have_run)
		return;
	st->o += msg_conv_run(&st->conv, st->run, st->run_len,
	    st->out + st->o, st->cap - st->o);
	msg_conv_close(&st->conv);
	st->have_run = false;
	st->run_len = 0;
}

static void
lit_emit(struct w2047 *st, const char *s, size_t n)
{
	/* UNSAFE: cap is 4 * len; literals take 3 bytes per byte at most. */
	st->o += msg_utf8_sanitize_into(s, n, st->out + st->o);
}

static bool
mem_caseeq(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return false;
	for (i = 0; i < an; i++) {
		if (msg_lower((unsigned char)a[i]) !=
		    msg_lower((unsigned char)b[i]))
			return false;
	}
	return true;
}

/* A decoded word at in[s]; in[lit, s) is the text before it.  False if
 * its charset is unknown (the word then stays as written). */
static bool
word_take(struct w2047 *st, const char *in, size_t lit, size_t s,
    const struct word *w, const char *dec, size_t dlen)
{
	bool ws = st->have_run && only_wsp(in + lit, s - lit);
	bool same = ws && mem_caseeq(st->run_cs, st->run_cs_len, w->cs,
	    w->cs_len);
	struct msg_conv nc;

	if (!same && msg_conv_open(&nc, w->cs, w->cs_len) < 0)
		return false;
	if (!ws) {
		run_flush(st);
		lit_emit(st, in + lit, s - lit);
	} else if (!same) {
		run_flush(st);		/* whitespace between words dropped */
	}
	if (!same) {
		st->conv = nc;
		st->have_run = true;
		st->run_cs = w->cs;
		st->run_cs_len = w->cs_len;
	}
	/* UNSAFE: the run holds decoded words, never more than len bytes. */
	memcpy(st->run + st->run_len, dec, dlen);
	st->run_len += dlen;
	return true;
}

char *
gd_msg_decode_words(struct gd_pool *pool, const char *in, size_t len,
    size_t *out_len_r)
{
	struct w2047 st = { 0 };
	const char *eq;
	char *dec;
	size_t i = 0, lit = 0, s, dlen, horizon;
	struct word w;
	int r;
	bool ok;

	if (len > (SIZE_MAX - 4) / 4)
		gd_fatal("rfc2047: %zu bytes overflow", len);
	st.cap = 4 * len;
	st.out = gd_pool_alloc(pool, st.cap + 1);
	st.run = gd_pool_alloc(pool, len + 1);
	dec = gd_pool_alloc(pool, len + 1);
	while (i + 1 < len && (eq = memchr(in + i, '=', len - i - 1)) != NULL) {
		s = (size_t)(eq - in);
		i = s + 1;
		if (in[s + 1] != '?')
			continue;
		r = word_parse(in + s, len - s, &w, &horizon);
		if (r < 0)
			i = s + horizon;
		if (r <= 0)
			continue;
		ok = w.enc == 'q' ? word_decode_q(&w, dec, &dlen) :
		    word_decode_b(&w, dec, &dlen);
		if (!ok || !word_take(&st, in, lit, s, &w, dec, dlen))
			continue;
		i = lit = s + w.total;
	}
	run_flush(&st);
	lit_emit(&st, in + lit, len - lit);
	st.out[st.o] = '\0';
	if (out_len_r != NULL)
		*out_len_r = st.o;
	return st.out;
}
