/*
 * bench-msg-parser.c — throughput of the message parser (headers, MIME
 * tree and line counts; no body callback, no decoding) on an in-memory
 * corpus of real-shaped messages.  Built by `make check`, never run by it:
 * scripts/bench-parser runs it next to a GMime peer.
 *
 *   bench-msg-parser [--corpus FILE] [--seconds N]
 *
 * The corpus is generated from a fixed seed: 2-4 KiB headers with
 * Received chains and a DKIM-Signature; text/plain (7bit or quoted-
 * printable) and text/html alternatives; base64 attachments of 10 KiB to
 * 1 MiB in 76-character lines; nested multiparts and forwarded
 * message/rfc822.  --corpus writes it to FILE (each message preceded by
 * its length, 8 bytes little-endian) for the peer.  Prints "mbps=N".
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gumdrop/message.h>
#include <gumdrop/pool.h>

#define BENCH_MESSAGES		300
#define BENCH_MAX_ROUNDS	50
#define BENCH_CHUNK		65536

struct rng {
	uint64_t s;
};

struct buf {
	char *d;
	size_t len, cap;
};

static const char *const words[] = { "the", "meeting", "is", "moved",
    "to", "Thursday", "please", "review", "attached", "report", "and",
    "send", "comments", "before", "noon", "thanks", "regards", "project",
    "budget", "quarterly", "figures", "look", "good", "we", "should",
    "discuss", "next", "steps", "with", "team", "-", "deadline", "a" };

static uint64_t
rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static size_t
rnd_range(struct rng *r, size_t lo, size_t hi)
{
	return lo + (size_t)(rnd(r) % (hi - lo + 1));
}

/* Log-uniform in [lo, hi] (hi = 100 lo): many small attachments, a few
 * big ones; the mean is about a fifth of hi. */
static size_t
rnd_log(struct rng *r, size_t lo, size_t hi)
{
	size_t k = rnd(r) % 1000;
	double v = (double)lo;

	while (k-- > 0)
		v *= 1.0046158;		/* 100^(1/1000) */
	return v > (double)hi ? hi : (size_t)v;
}

static void
put(struct buf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->d = realloc(b->d, b->cap);
		if (b->d == NULL)
			abort();
	}
	memcpy(b->d + b->len, s, n);
	b->len += n;
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void GD_PRINTF(2, 3)
putf(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void
put_b64_line(struct buf *b, struct rng *r, size_t chars)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
	    "stuvwxyz0123456789+/";
	char line[80];
	size_t i;

	for (i = 0; i < chars; i++)
		line[i] = a[rnd(r) % 64];
	put(b, line, chars);
	puts_(b, "\r\n");
}

static void
gen_received(struct buf *b, struct rng *r)
{
	unsigned a = (unsigned)rnd_range(r, 1, 254);

	putf(b, "Received: from mx%u.example.net (mx%u.example.net "
	    "[192.0.2.%u])\r\n\tby mail%u.example.org (Postfix) with ESMTPS "
	    "id %08llX%04X\r\n\tfor <user%u@example.org>; Mon, 30 Nov 2026 "
	    "%02u:%02u:%02u +0000 (UTC)\r\n", a, a, a, a % 7,
	    (unsigned long long)(rnd(r) & 0xffffffff), a, a,
	    (unsigned)rnd_range(r, 0, 23), (unsigned)rnd_range(r, 0, 59),
	    (unsigned)rnd_range(r, 0, 59));
}

static void
gen_dkim(struct buf *b, struct rng *r)
{
	unsigned i;

	puts_(b, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; "
	    "d=example.net;\r\n\ts=selector1; t=1796018398; h=from:to:cc:"
	    "subject:date:message-id:mime-version:content-type;\r\n\tbh=");
	put_b64_line(b, r, 44);
	puts_(b, "\tb=");
	for (i = 0; i < 4; i++) {
		put_b64_line(b, r, 70);
		puts_(b, "\t ");
	}
	put_b64_line(b, r, 64);
}

static void
gen_headers(struct buf *b, struct rng *r, const char *ctype)
{
	size_t start = b->len, target = rnd_range(r, 2048, 4096);
	unsigned i, n = (unsigned)rnd_range(r, 3, 7);

	puts_(b, "Return-Path: <sender@example.net>\r\n");
	for (i = 0; i < n; i++)
		gen_received(b, r);
	gen_dkim(b, r);
	putf(b, "Authentication-Results: mail.example.org;\r\n\tdkim=pass "
	    "header.d=example.net header.s=selector1;\r\n\tspf=pass "
	    "smtp.mailfrom=example.net;\r\n\tdmarc=pass header.from="
	    "example.net\r\nFrom: \"Sender Name\" <sender@example.net>\r\n"
	    "To: user%u@example.org, \"Other Person\" <other@example.org>\r\n"
	    "Cc: team@example.org\r\nSubject: =?UTF-8?Q?R=C3=A9sum=C3=A9_of?="
	    " the %u meeting\r\nDate: Mon, 30 Nov 2026 05:59:57 +0000\r\n"
	    "Message-ID: <%llx.%u@example.net>\r\nMIME-Version: 1.0\r\n",
	    (unsigned)rnd_range(r, 1, 999), (unsigned)rnd_range(r, 1, 99),
	    (unsigned long long)rnd(r), (unsigned)rnd_range(r, 1, 1u << 30));
	while (b->len - start + strlen(ctype) < target)
		putf(b, "X-Header-%u: value %llx with some padding text to "
		    "look like real list and spam headers\r\n",
		    (unsigned)(b->len % 1000), (unsigned long long)rnd(r));
	put(b, ctype, strlen(ctype));
	puts_(b, "\r\n");
}

static void
gen_text(struct buf *b, struct rng *r, size_t size, bool qp)
{
	size_t end = b->len + size, col = 0;
	const char *w;

	while (b->len < end) {
		w = words[rnd(r) % (sizeof(words) / sizeof(words[0]))];
		if (col + strlen(w) > 72) {
			puts_(b, qp && rnd(r) % 2 ? "=\r\n" : "\r\n");
			col = 0;
		}
		if (qp && rnd(r) % 17 == 0) {
			puts_(b, "caf=C3=A9 ");
			col += 10;
		}
		put(b, w, strlen(w));
		puts_(b, " ");
		col += strlen(w) + 1;
	}
	puts_(b, "\r\n");
}

static void
gen_html(struct buf *b, struct rng *r, size_t size)
{
	puts_(b, "<html><head><meta charset=\"utf-8\"></head><body>\r\n");
	while (size > 0) {
		puts_(b, "<p style=\"margin:0\">");
		gen_text(b, r, 200, false);
		puts_(b, "</p>\r\n");
		size = size > 230 ? size - 230 : 0;
	}
	puts_(b, "</body></html>\r\n");
}

static void
gen_b64(struct buf *b, struct rng *r, size_t size)
{
	size_t lines = size / 57 + 1;

	while (lines-- > 1)
		put_b64_line(b, r, 76);
	put_b64_line(b, r, 40);
}

/* The body of a multipart/alternative with boundary "alt-<id>". */
static void
gen_alternative(struct buf *b, struct rng *r, unsigned id)
{
	putf(b, "--alt-%u\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", id);
	gen_text(b, r, rnd_range(r, 500, 8000), true);
	putf(b, "--alt-%u\r\nContent-Type: text/html; charset=utf-8\r\n\r\n",
	    id);
	gen_html(b, r, rnd_range(r, 1000, 20000));
	putf(b, "--alt-%u--\r\n", id);
}

static void
gen_attachment(struct buf *b, struct rng *r, const char *bnd)
{
	unsigned n = (unsigned)rnd_range(r, 1, 9999);

	putf(b, "--%s\r\nContent-Type: application/pdf; name=\"doc%u.pdf\"\r\n"
	    "Content-Disposition: attachment; filename=\"doc%u.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", bnd, n, n);
	gen_b64(b, r, rnd_log(r, 10 * 1024, 1024 * 1024));
}

/* A multipart/mixed body: alternative text, then attachments. */
static void
gen_mixed(struct buf *b, struct rng *r, const char *bnd, unsigned natt)
{
	unsigned id = (unsigned)rnd_range(r, 1, 1u << 20);

	putf(b, "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n"
	    "Content-Type: multipart/alternative; boundary=\"alt-%u\"\r\n"
	    "\r\n", bnd, id);
	gen_alternative(b, r, id);
	while (natt-- > 0)
		gen_attachment(b, r, bnd);
	putf(b, "--%s--\r\n", bnd);
}

static void
gen_message(struct buf *b, struct rng *r, unsigned shape)
{
	char ct[128];

	switch (shape % 10) {
	case 0:
	case 1:
		gen_headers(b, r, "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n");
		gen_text(b, r, rnd_range(r, 3000, 20000), true);
		break;
	case 2:
	case 3:
		snprintf(ct, sizeof(ct), "Content-Type: multipart/alternative;"
		    " boundary=\"alt-%u\"\r\n", shape);
		gen_headers(b, r, ct);
		gen_alternative(b, r, shape);
		break;
	case 4:
	case 5:
	case 6:
	case 7:
		gen_headers(b, r, "Content-Type: multipart/mixed; "
		    "boundary=\"----=_Part_12345_67890.1796018397\"\r\n");
		gen_mixed(b, r, "----=_Part_12345_67890.1796018397",
		    (unsigned)rnd_range(r, 1, 3));
		break;
	default:
		gen_headers(b, r, "Content-Type: multipart/mixed; "
		    "boundary=fwd\r\n");
		puts_(b, "--fwd\r\nContent-Type: text/plain\r\n\r\nForwarded."
		    "\r\n--fwd\r\nContent-Type: message/rfc822\r\n\r\n");
		gen_headers(b, r, "Content-Type: multipart/mixed; "
		    "boundary=\"inner-b\"\r\n");
		gen_mixed(b, r, "inner-b", 1);
		puts_(b, "--fwd--\r\n");
		break;
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned
parse_one(struct gd_pool *pool, const char *d, size_t len)
{
	struct gd_msg_parser *p = gd_msg_parser_create(pool, NULL, NULL, NULL);
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < BENCH_CHUNK ? len - off : BENCH_CHUNK;
		gd_msg_parser_feed(p, d + off, n);
	}
	if (gd_msg_parser_finish(p)->body_offset == 0)
		abort();
	return gd_msg_parser_part_count(p);
}

static void
write_corpus(const char *path, struct buf *msgs, size_t n)
{
	FILE *f = fopen(path, "wb");
	unsigned char len[8];
	size_t i, k;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < 8; k++)
			len[k] = (unsigned char)(msgs[i].len >> (8 * k));
		if (fwrite(len, 1, 8, f) != 8 ||
		    fwrite(msgs[i].d, 1, msgs[i].len, f) != msgs[i].len)
			abort();
	}
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct buf msgs[BENCH_MESSAGES] = { { 0 } };
	struct rng r = { 0x9e3779b97f4a7c15ULL };
	struct gd_pool *pool = gd_pool_create("bench");
	double seconds = 3.0, t0, el = 0.0;
	size_t i, total = 0, parts = 0, rounds = 0;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--seconds") == 0)
			seconds = atof(argv[a + 1]);
	}
	for (i = 0; i < BENCH_MESSAGES; i++) {
		gen_message(&msgs[i], &r, (unsigned)i);
		total += msgs[i].len;
	}
	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--corpus") == 0)
			write_corpus(argv[a + 1], msgs, BENCH_MESSAGES);
	}
	t0 = now_s();
	while (rounds < BENCH_MAX_ROUNDS && (rounds == 0 || el < seconds)) {
		for (i = 0; i < BENCH_MESSAGES; i++) {
			parts += parse_one(pool, msgs[i].d, msgs[i].len);
			gd_pool_clear(pool);
		}
		rounds++;
		el = now_s() - t0;
	}
	printf("gumdrop: %d messages, %.1f MB, %zu rounds, %.2f s, "
	    "%.1f parts/message\n", BENCH_MESSAGES, (double)total / 1e6,
	    rounds, el, (double)parts / (double)(rounds * BENCH_MESSAGES));
	printf("mbps=%.1f\n", (double)total * (double)rounds / 1e6 / el);
	for (i = 0; i < BENCH_MESSAGES; i++)
		free(msgs[i].d);
	gd_pool_destroy(&pool);
	return 0;
}
