/*
 * test-msg-parser.c — the streaming RFC 5322 + MIME parser: the examples
 * of RFC 5322, 2046 and 2049, nesting, digests, message/rfc822, broken
 * input, bounds, offsets and line counts, and trickle feeding of every
 * sample message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/message.h>
#include <gumdrop/pool.h>

#include "msg-test-util.h"

static const char *const samples[] = {
	"rfc5322-a1-1.eml", "rfc5322-a5.eml", "rfc5322-a6-3.eml",
	"rfc2046-simple.eml", "rfc2049-appendix-a.eml",
	"nested-alternative.eml", "rfc822-multipart.eml", "digest.eml",
	"no-end-boundary.eml", "boundary-prefix.eml", "broken-header.eml",
	"header-only.eml", "qp-latin1.eml", "rfc2231.eml",
};

static char *
load(const char *name, size_t *len_r)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/data/messages/%s", GD_TEST_SRCDIR,
	    name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len_r = (size_t)n;
	return buf;
}

/* CRLF -> LF. */
static char *
to_lf(const char *in, size_t len, size_t *len_r)
{
	char *out = malloc(len + 1);
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		out[o++] = in[i];
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

static uint64_t
count_crlf(const char *d, uint64_t n)
{
	uint64_t i, c = 0;

	for (i = 0; i + 1 < n; i++)
		c += d[i] == '\r' && d[i + 1] == '\n';
	return c;
}

static const struct gd_mime_part *
child(const struct gd_mime_part *p, unsigned n)
{
	const struct gd_mime_part *c = p->children;

	while (c != NULL && --n > 0)
		c = c->next;
	cr_assert_not_null(c);
	return c;
}

static unsigned
nchildren(const struct gd_mime_part *p)
{
	unsigned n = 0;

	for (p = p->children; p != NULL; p = p->next)
		n++;
	return n;
}

/* The body of `p` as a string (within the message data). */
static void
assert_body(const char *data, const struct gd_mime_part *p, const char *want)
{
	cr_assert_eq(p->body_size, strlen(want), "body size %llu, want %zu",
	    (unsigned long long)p->body_size, strlen(want));
	cr_assert(memcmp(data + p->body_offset, want, strlen(want)) == 0,
	    "body differs: %.*s", (int)p->body_size, data + p->body_offset);
}

static uint64_t
off_of(const char *data, const char *needle)
{
	const char *s = strstr(data, needle);

	cr_assert_not_null(s, "%s not found", needle);
	return (uint64_t)(s - data);
}

Test(msg_parser, basic_rfc5322_a1_1)
{
	struct msg_run r;
	size_t len;
	char *d = load("rfc5322-a1-1.eml", &len);
	const struct gd_msg_envelope *e;

	msg_run_parse(&r, d, len, len, NULL, true);
	cr_assert(r.root->is_message);
	cr_assert_eq(r.parts, 1);
	cr_assert_eq(r.flags, 0);
	cr_assert_eq(r.root->header_offset, 0);
	cr_assert_eq(r.root->header_size, off_of(d, "This is"));
	cr_assert_eq(r.root->header_lines, 6);
	assert_body(d, r.root, "This is a message just to say hello.\r\n"
	    "So, \"Hello\".\r\n");
	cr_assert_eq(r.root->body_lines, 2);
	cr_assert_str_eq(r.root->type, "text");
	cr_assert_str_eq(r.root->subtype, "plain");
	cr_assert_str_eq(gd_mime_param_get(r.root->type_params, "CHARSET"),
	    "us-ascii");
	e = r.root->envelope;
	cr_assert_str_eq(e->from, "John Doe <jdoe@machine.example>");
	cr_assert_str_eq(e->to, "Mary Smith <mary@example.net>");
	cr_assert_str_eq(e->subject, "Saying Hello");
	cr_assert_str_eq(e->date, "Fri, 21 Nov 1997 09:55:06 -0600");
	cr_assert_str_eq(e->message_id, "<1234@local.machine.example>");
	cr_assert_null(e->cc);
	cr_assert_null(e->in_reply_to);
	cr_assert_not_null(strstr(r.trace.buf,
	    "F 1 7:Subject 13: Saying Hello 12:Saying Hello @"));
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, basic_rfc5322_a5_folding)
{
	struct msg_run r;
	size_t len;
	char *d = load("rfc5322-a5.eml", &len);
	const struct gd_msg_envelope *e;

	msg_run_parse(&r, d, len, len, NULL, true);
	e = r.root->envelope;
	cr_assert_str_eq(e->date, "Thu,      13        Feb          1969"
	    "      23:32               -0330 (Newfoundland Time)");
	cr_assert_str_eq(e->to, "A Group(Some people)     :Chris Jones "
	    "<c@(Chris's host.)public.example>,         joe@example.org,"
	    "  John <jdoe@one.test> (my dear friend); (the end of the group)");
	cr_assert_str_eq(e->message_id, "<testabcd.1234@silly.test>");
	cr_assert_eq(r.root->header_lines, 14);
	assert_body(d, r.root, "Testing.\r\n");
	/* The raw value keeps the folds. */
	cr_assert_not_null(strstr(r.trace.buf, " Thu,\r\n      13\r\n"));
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, basic_rfc5322_a6_3_obsolete_wsp)
{
	struct msg_run r;
	size_t len;
	char *d = load("rfc5322-a6-3.eml", &len);
	const struct gd_msg_envelope *e;

	msg_run_parse(&r, d, len, len, NULL, true);
	e = r.root->envelope;
	cr_assert_str_eq(e->from,
	    "John Doe <jdoe@machine(comment).  example>");
	/* A continuation line holding only WSP is part of the field. */
	cr_assert_str_eq(e->to, "Mary Smith            <mary@example.net>");
	cr_assert_str_eq(e->subject, "Saying Hello");
	cr_assert_eq(r.flags, 0);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, basic_rfc2046_simple_offsets)
{
	struct msg_run r;
	size_t len;
	char *d = load("rfc2046-simple.eml", &len);
	const struct gd_mime_part *m, *p1, *p2;

	msg_run_parse(&r, d, len, len, NULL, true);
	m = r.root;
	cr_assert(gd_mime_part_is(m, "multipart", "mixed"));
	cr_assert_str_eq(m->boundary, "simple boundary");
	cr_assert_eq(nchildren(m), 2);
	cr_assert_eq(r.flags, 0);
	cr_assert_eq(m->preamble_offset, m->body_offset);
	cr_assert_eq(m->preamble_offset, off_of(d, "This is the preamble"));
	cr_assert_eq(m->preamble_offset + m->preamble_size,
	    off_of(d, "readers.\r\n") + 10);
	cr_assert_eq(m->epilogue_offset, off_of(d, "--simple boundary--") +
	    21);
	cr_assert_eq(m->epilogue_offset + m->epilogue_size, len);
	p1 = child(m, 1);
	p2 = child(m, 2);
	cr_assert_eq(p1->header_size, 2);
	cr_assert_eq(p1->header_lines, 1);
	assert_body(d, p1, "This is implicitly typed plain US-ASCII text.\r\n"
	    "It does NOT end with a linebreak.");
	cr_assert_eq(p1->body_lines, 2);
	cr_assert(gd_mime_part_is(p1, "text", "plain"));
	assert_body(d, p2, "This is explicitly typed plain US-ASCII text.\r\n"
	    "It DOES end with a linebreak.\r\n");
	cr_assert_eq(p2->body_lines, 2);
	cr_assert_eq(p2->index, 2);
	cr_assert_null(p2->envelope);
	cr_assert_eq(m->body_offset + m->body_size, len);
	cr_assert_str_eq(m->envelope->subject, "Sample message");
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, basic_rfc2049_appendix_a)
{
	struct msg_run r;
	size_t len;
	char *d = load("rfc2049-appendix-a.eml", &len);
	const struct gd_mime_part *m, *par, *msg, *inner;

	msg_run_parse(&r, d, len, len, NULL, true);
	m = r.root;
	cr_assert_eq(nchildren(m), 5);
	cr_assert_eq(r.parts, 9);
	cr_assert_eq(r.flags, 0);
	cr_assert(gd_mime_part_is(child(m, 1), "text", "plain"));
	cr_assert_str_eq(gd_mime_param_get(child(m, 2)->type_params,
	    "charset"), "US-ASCII");
	par = child(m, 3);
	cr_assert(gd_mime_part_is(par, "multipart", "parallel"));
	cr_assert_eq(nchildren(par), 2);
	cr_assert(gd_mime_part_is(child(par, 1), "audio", "basic"));
	cr_assert_eq(gd_mime_part_encoding(child(par, 2)), GD_MIME_ENC_BASE64);
	cr_assert(gd_mime_part_is(child(par, 2), "image", "jpeg"));
	/* The CRLF after "--unique-boundary-2--" starts the epilogue... no:
	 * it belongs to the next boundary, so the epilogue is empty. */
	cr_assert_eq(par->epilogue_size, 0);
	cr_assert(gd_mime_part_is(child(m, 4), "text", "enriched"));
	msg = child(m, 5);
	cr_assert(gd_mime_part_is(msg, "message", "rfc822"));
	cr_assert_eq(nchildren(msg), 1);
	inner = msg->children;
	cr_assert(inner->is_message);
	cr_assert_eq(inner->header_offset, msg->body_offset);
	cr_assert_eq(inner->body_offset + inner->body_size,
	    msg->body_offset + msg->body_size);
	cr_assert_str_eq(inner->type, "text");
	cr_assert_str_eq(inner->type_raw, "Text");
	cr_assert_str_eq(inner->encoding, "Quoted-printable");
	cr_assert_eq(gd_mime_part_encoding(inner), GD_MIME_ENC_QP);
	cr_assert_str_eq(inner->envelope->subject, "(subject in US-ASCII)");
	assert_body(d, inner, "  ... Additional text in ISO-8859-1 goes "
	    "here ...\r\n");
	cr_assert_eq(m->epilogue_offset, len);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, complex_nested_alternative)
{
	struct msg_run r;
	size_t len;
	char *d = load("nested-alternative.eml", &len);
	const struct gd_mime_part *m, *alt, *att;

	msg_run_parse(&r, d, len, len, NULL, true);
	m = r.root;
	cr_assert_eq(r.parts, 5);
	alt = child(m, 1);
	cr_assert(gd_mime_part_is(alt, "multipart", "alternative"));
	assert_body(d, child(alt, 1), "Hello Bob,\r\n--- not a boundary\r\n"
	    "-- \r\nAlice=20\r\ncaf=C3=A9 soft=\r\nbreak");
	cr_assert_eq(child(alt, 1)->body_lines, 6);
	assert_body(d, child(alt, 2),
	    "<html><body><p>Hello Bob,</p></body></html>");
	/* "--inner-ABC--" then CRLF then "--outer-XYZ": no epilogue. */
	cr_assert_eq(alt->epilogue_size, 0);
	att = child(m, 2);
	cr_assert_str_eq(att->disposition, "attachment");
	cr_assert_str_eq(gd_mime_param_get(att->disposition_params,
	    "filename"), "data.bin");
	cr_assert_str_eq(gd_mime_param_get(att->type_params, "name"),
	    "data.bin");
	cr_assert_eq(att->body_lines, 2);
	cr_assert_not_null(strstr(r.trace.buf, "B 1.1.1:Hello Bob,\r\n--- not"
	    " a boundary\r\n-- \r\nAlice=20\r\ncaf=C3=A9 soft=\r\nbreak\nE "));
	cr_assert_str_eq(m->envelope->subject,
	    "=?UTF-8?Q?R=C3=A9union?= notes");
	cr_assert_eq(r.root->header_lines, 20);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, complex_rfc822_with_multipart)
{
	struct msg_run r;
	size_t len;
	char *d = load("rfc822-multipart.eml", &len);
	const struct gd_mime_part *fwd, *orig;

	msg_run_parse(&r, d, len, len, NULL, true);
	cr_assert_eq(r.parts, 6);
	cr_assert_eq(r.flags, 0);
	fwd = child(r.root, 2);
	cr_assert(gd_mime_part_is(fwd, "message", "rfc822"));
	cr_assert_str_eq(fwd->disposition, "inline");
	orig = fwd->children;
	cr_assert(orig->is_message);
	cr_assert_eq(orig->depth, 2);
	cr_assert_str_eq(orig->envelope->message_id, "<orig@example.org>");
	cr_assert(gd_mime_part_is(orig, "multipart", "mixed"));
	cr_assert_eq(nchildren(orig), 2);
	cr_assert_eq(orig->preamble_size, strlen("preamble of the original"));
	cr_assert_eq(orig->epilogue_offset, off_of(d, "epilogue of"));
	cr_assert_eq(orig->epilogue_size, strlen("epilogue of the original"));
	cr_assert_eq(child(orig, 2)->depth, 3);
	cr_assert_str_eq(gd_mime_param_get(child(orig, 2)->type_params,
	    "name"), "dot.png");
	cr_assert_eq(fwd->body_offset + fwd->body_size,
	    off_of(d, "--fwd--") - 2);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, complex_digest_defaults)
{
	struct msg_run r;
	size_t len;
	char *d = load("digest.eml", &len);
	const struct gd_mime_part *m = NULL;

	msg_run_parse(&r, d, len, len, NULL, true);
	m = r.root;
	cr_assert_eq(nchildren(m), 3);
	cr_assert(gd_mime_part_is(child(m, 1), "message", "rfc822"));
	cr_assert_null(child(m, 1)->type_params);
	cr_assert_str_eq(child(m, 1)->children->envelope->subject, "first");
	assert_body(d, child(m, 1)->children, "first body");
	cr_assert(gd_mime_part_is(child(m, 2), "text", "plain"));
	cr_assert_null(child(m, 2)->children);
	cr_assert_str_eq(child(m, 3)->children->envelope->from,
	    "b@example.com");
	cr_assert_eq(r.parts, 6);
	cr_assert_eq(r.flags, 0);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, complex_missing_end_boundary)
{
	struct msg_run r;
	size_t len;
	char *d = load("no-end-boundary.eml", &len);
	const struct gd_mime_part *m, *alt;

	msg_run_parse(&r, d, len, len, NULL, true);
	m = r.root;
	cr_assert(m->flags & GD_MIME_NO_END_BOUNDARY);
	alt = child(m, 1);
	cr_assert(alt->flags & GD_MIME_NO_END_BOUNDARY);
	cr_assert_eq(nchildren(alt), 2);
	assert_body(d, child(alt, 2), "inner two");
	/* The outer boundary ends the inner multipart. */
	cr_assert_eq(alt->body_offset + alt->body_size, off_of(d, "--b1\r\n\r\n"
	    "outer two") - 2);
	assert_body(d, child(m, 2), "outer two, no closing boundary\r\n");
	cr_assert_eq(r.flags & GD_MIME_NO_END_BOUNDARY,
	    GD_MIME_NO_END_BOUNDARY);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, complex_boundary_prefix_tricks)
{
	struct msg_run r;
	size_t len;
	char *d = load("boundary-prefix.eml", &len);
	const struct gd_mime_part *m, *alt;

	msg_run_parse(&r, d, len, len, NULL, true);
	m = r.root;
	cr_assert_eq(nchildren(m), 2);
	alt = child(m, 1);
	cr_assert_eq(nchildren(alt), 2);
	assert_body(d, child(alt, 1), "one\r\n--abcd not a boundary\r\n"
	    "--abc-def--x not a close either");
	assert_body(d, child(alt, 2), "two (after padded boundary)");
	cr_assert(alt->flags & GD_MIME_NO_END_BOUNDARY);
	assert_body(d, child(m, 2), "three, ends the inner multipart");
	cr_assert(!(m->flags & GD_MIME_NO_END_BOUNDARY));
	cr_assert_eq(m->epilogue_offset, len);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, complex_lf_vs_crlf)
{
	size_t i, len, llen;
	char *d, *lf;
	struct msg_run a, b;
	const struct gd_mime_part *pa, *pb;

	for (i = 0; i < GD_N_ELEMENTS(samples); i++) {
		d = load(samples[i], &len);
		lf = to_lf(d, len, &llen);
		msg_run_parse(&a, d, len, len, NULL, true);
		msg_run_parse(&b, lf, llen, 3, NULL, true);
		cr_assert_eq(a.parts, b.parts, "%s", samples[i]);
		cr_assert_eq(a.flags, b.flags, "%s", samples[i]);
		pa = a.root;
		pb = b.root;
		while (pa != NULL) {
			cr_assert_not_null(pb);
			cr_assert_str_eq(pa->type, pb->type);
			cr_assert_str_eq(pa->subtype, pb->subtype);
			cr_assert_eq(pa->header_lines, pb->header_lines);
			cr_assert_eq(pa->body_lines, pb->body_lines);
			cr_assert_eq(pa->body_size - count_crlf(d +
			    pa->body_offset, pa->body_size), pb->body_size,
			    "%s", samples[i]);
			/* Next in depth-first order. */
			if (pa->children != NULL) {
				pa = pa->children;
				pb = pb->children;
				continue;
			}
			while (pa != NULL && pa->next == NULL) {
				pa = pa->parent;
				pb = pb->parent;
			}
			if (pa != NULL) {
				pa = pa->next;
				pb = pb->next;
			}
		}
		msg_run_free(&a);
		msg_run_free(&b);
		free(lf);
		free(d);
	}
}

Test(msg_parser, complex_broken_header_8bit_nul)
{
	struct msg_run r;
	size_t len;
	char *d = load("broken-header.eml", &len);

	msg_run_parse(&r, d, len, len, NULL, true);
	cr_assert_not_null(strstr(r.trace.buf,
	    "F 1 22:this line has no colon 0: 0: @20+23 fl=1\n"));
	cr_assert_not_null(strstr(r.trace.buf,
	    "F 1 12:: empty name 0: 0: @43+13 fl=1\n"));
	cr_assert_not_null(strstr(r.trace.buf, "Subject 11: caf\xe9 8-bit "
	    "10:caf\xe9 8-bit @56+20 fl=2\n"));
	cr_assert(memmem(r.trace.buf, r.trace.len, "F 1 5:X-Nul 15: a\0b\n "
	    "continued 13:a\0b continued @76+22 fl=4\n", 59) != NULL);
	cr_assert(r.root->flags & GD_MIME_8BIT_HEADER);
	cr_assert(r.root->flags & GD_MIME_8BIT_BODY);
	cr_assert(r.root->flags & GD_MIME_BINARY_BODY);
	cr_assert_eq(r.root->body_offset, 99);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, complex_header_only_and_empty)
{
	struct msg_run r;
	size_t len;
	char *d = load("header-only.eml", &len);

	msg_run_parse(&r, d, len, len, NULL, true);
	cr_assert(r.root->flags & GD_MIME_NO_BODY);
	cr_assert_eq(r.root->header_size, len);
	cr_assert_eq(r.root->header_lines, 2);
	cr_assert_eq(r.root->body_size, 0);
	cr_assert_str_eq(r.root->envelope->subject, "no body at all");
	msg_run_free(&r);
	msg_run_parse(&r, "", 0, 1, NULL, true);
	cr_assert(r.flags & GD_MSG_EMPTY);
	cr_assert_eq(r.root->header_size, 0);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, complex_boundary_at_eof_and_empty_parts)
{
	struct msg_run r;
	const char *m = "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n--b\n\n--b\nX: y\n--b--";
	const struct gd_mime_part *root;

	msg_run_parse(&r, m, strlen(m), 1, NULL, true);
	root = r.root;
	cr_assert_eq(root->preamble_size, 0);
	cr_assert_eq(nchildren(root), 3);
	cr_assert_eq(child(root, 1)->header_size, 0);
	cr_assert(child(root, 1)->flags & GD_MIME_NO_BODY);
	cr_assert_eq(child(root, 2)->header_size, 1);
	cr_assert_eq(child(root, 2)->body_size, 0);
	cr_assert(child(root, 3)->flags & GD_MIME_NO_BODY);
	cr_assert_eq(child(root, 3)->header_size, 4);
	cr_assert_eq(root->epilogue_offset, strlen(m));
	cr_assert(!(r.flags & GD_MIME_NO_END_BOUNDARY));
	msg_run_free(&r);
}

Test(msg_parser, complex_bad_content_types)
{
	struct msg_run r;
	const char *m = "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: multipart/mixed\n\n--c\n--b\n"
	    "Content-Type: garbage\n\nx\n--b\n"
	    "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64"
	    "\n\nRnJvbTogYQ==\n--b--\n";

	msg_run_parse(&r, m, strlen(m), strlen(m), NULL, true);
	cr_assert(child(r.root, 1)->flags & GD_MIME_BAD_BOUNDARY);
	cr_assert_null(child(r.root, 1)->children);
	cr_assert(child(r.root, 2)->flags & GD_MIME_BAD_CONTENT_TYPE);
	cr_assert(gd_mime_part_is(child(r.root, 2), "text", "plain"));
	cr_assert_null(child(r.root, 3)->children);
	cr_assert_eq(r.parts, 4);
	msg_run_free(&r);
}

Test(msg_parser, complex_trickle_every_sample)
{
	static const size_t steps[] = { 1, 2, 3, 5, 7, 13, 64, 4096 };
	struct msg_run whole, part, nobody;
	size_t i, j, len, llen;
	char *d, *lf;

	for (i = 0; i < GD_N_ELEMENTS(samples); i++) {
		d = load(samples[i], &len);
		lf = to_lf(d, len, &llen);
		msg_run_parse(&whole, d, len, len, NULL, true);
		for (j = 0; j < GD_N_ELEMENTS(steps); j++) {
			msg_run_parse(&part, d, len, steps[j], NULL, true);
			cr_assert_str_eq(part.trace.buf, whole.trace.buf,
			    "%s step %zu", samples[i], steps[j]);
			cr_assert_str_eq(part.tree.buf, whole.tree.buf,
			    "%s step %zu", samples[i], steps[j]);
			msg_run_free(&part);
		}
		msg_run_parse(&nobody, d, len, 1, NULL, false);
		cr_assert_str_eq(nobody.tree.buf, whole.tree.buf, "%s",
		    samples[i]);
		msg_run_free(&nobody);
		msg_run_free(&whole);
		msg_run_parse(&whole, lf, llen, llen, NULL, true);
		msg_run_parse(&part, lf, llen, 1, NULL, true);
		cr_assert_str_eq(part.trace.buf, whole.trace.buf, "%s LF",
		    samples[i]);
		cr_assert_str_eq(part.tree.buf, whole.tree.buf);
		msg_run_free(&part);
		msg_run_free(&whole);
		free(lf);
		free(d);
	}
}

Test(msg_parser, complex_stop_at_body)
{
	struct gd_pool *pool = gd_pool_create("t");
	struct gd_msg_parser *p;
	const struct gd_mime_part *root;
	size_t len;
	char *d = load("rfc2049-appendix-a.eml", &len);

	p = gd_msg_parser_create(pool, NULL, NULL, NULL);
	gd_msg_parser_stop_at_body(p);
	gd_msg_parser_feed(p, d, len);
	root = gd_msg_parser_finish(p);
	cr_assert_null(root->children);
	cr_assert_eq(gd_msg_parser_part_count(p), 1);
	cr_assert_eq(root->body_offset + root->body_size, len);
	cr_assert_eq(root->header_lines + root->body_lines, 72);
	cr_assert(gd_mime_part_is(root, "multipart", "mixed"));
	gd_pool_destroy(&pool);
	free(d);
}

struct hdr_count {
	unsigned n;
	uint64_t last_off;
};

static void
count_field(void *ctx, const struct gd_msg_field *f)
{
	struct hdr_count *c = ctx;

	c->n++;
	c->last_off = f->offset;
}

Test(msg_parser, basic_header_parse)
{
	struct hdr_count c = { 0, 0 };
	size_t len;
	char *d = load("rfc5322-a5.eml", &len);

	cr_assert_eq(gd_msg_header_parse(d, len, NULL, count_field, &c),
	    (size_t)off_of(d, "Testing."));
	cr_assert_eq(c.n, 5);
	cr_assert_eq(c.last_off, off_of(d, "Message-ID:"));
	c.n = 0;
	cr_assert_eq(gd_msg_header_parse("A: b\r\nC: d", 10, NULL,
	    count_field, &c), 10);
	cr_assert_eq(c.n, 2);
	free(d);
}

/* ---- bounds ---------------------------------------------------------- */

Test(msg_parser, bounds_header_size)
{
	struct gd_msg_limits lim = { 64, 0, 0, 0 };
	struct msg_run r, t;
	size_t len;
	char *d = load("rfc5322-a5.eml", &len);

	msg_run_parse(&r, d, len, len, &lim, true);
	cr_assert(r.root->flags & GD_MIME_TRUNC_HEADER);
	cr_assert_eq(r.root->header_size, off_of(d, "Testing."));
	assert_body(d, r.root, "Testing.\r\n");
	/* Only the From field fits (71 bytes do not). */
	cr_assert_null(r.root->envelope->from);
	cr_assert_null(r.root->envelope->message_id);
	msg_run_parse(&t, d, len, 1, &lim, true);
	cr_assert_str_eq(t.tree.buf, r.tree.buf);
	cr_assert_str_eq(t.trace.buf, r.trace.buf);
	msg_run_free(&t);
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, bounds_header_fields)
{
	struct gd_msg_limits lim = { 0, 2, 0, 0 };
	struct msg_run r;
	size_t len;
	char *d = load("rfc5322-a1-1.eml", &len);

	msg_run_parse(&r, d, len, len, &lim, true);
	cr_assert(r.root->flags & GD_MIME_TRUNC_HEADER);
	cr_assert_not_null(r.root->envelope->to);
	cr_assert_null(r.root->envelope->subject);
	cr_assert_eq(r.root->header_size, off_of(d, "This is"));
	msg_run_free(&r);
	free(d);
}

Test(msg_parser, bounds_depth)
{
	struct gd_msg_limits lim = { 0, 0, 1, 0 };
	struct msg_run r, full;
	size_t len;
	char *d = load("rfc822-multipart.eml", &len);

	msg_run_parse(&full, d, len, len, NULL, true);
	msg_run_parse(&r, d, len, 1, &lim, true);
	cr_assert_eq(r.parts, 3);
	cr_assert(child(r.root, 2)->flags & GD_MIME_TRUNC_STRUCTURE);
	cr_assert(r.flags & GD_MIME_TRUNC_STRUCTURE);
	cr_assert_eq(child(r.root, 2)->body_size,
	    child(full.root, 2)->body_size);
	cr_assert_eq(child(r.root, 2)->body_lines,
	    child(full.root, 2)->body_lines);
	msg_run_free(&r);
	msg_run_free(&full);
	free(d);
}

Test(msg_parser, bounds_parts)
{
	struct gd_msg_limits lim = { 0, 0, 0, 4 };
	struct msg_run r, t;
	size_t len;
	char *d = load("rfc2049-appendix-a.eml", &len);

	msg_run_parse(&r, d, len, len, &lim, true);
	cr_assert_eq(r.parts, 4);
	cr_assert(r.flags & GD_MIME_TRUNC_STRUCTURE);
	cr_assert_eq(nchildren(r.root), 3);
	cr_assert(child(r.root, 3)->flags & GD_MIME_TRUNC_STRUCTURE);
	cr_assert_eq(r.root->epilogue_offset, len);
	msg_run_parse(&t, d, len, 1, &lim, true);
	cr_assert_str_eq(t.tree.buf, r.tree.buf);
	msg_run_free(&t);
	msg_run_free(&r);
	free(d);
}

/* A 16 MB header line, then 16 MB of lines starting with "--": memory
 * stays bounded by the limits. */
Test(msg_parser, bounds_memory)
{
	struct gd_msg_limits lim = { 4096, 0, 0, 0 };
	const size_t big = 16u << 20;
	struct gd_pool *pool = gd_pool_create("t");
	struct gd_msg_parser *p;
	const struct gd_mime_part *root;
	char *buf = malloc(65536);
	const char *h = "Content-Type: multipart/mixed; boundary=zz\n";
	size_t i;

	p = gd_msg_parser_create(pool, &lim, NULL, NULL);
	gd_msg_parser_feed(p, h, strlen(h));
	gd_msg_parser_feed(p, "X-Long: ", 8);
	memset(buf, 'a', 65536);
	for (i = 0; i < big / 65536; i++)
		gd_msg_parser_feed(p, buf, 65536);
	gd_msg_parser_feed(p, "\n\n", 2);
	for (i = 0; i < 65536; i += 4)
		memcpy(buf + i, i % 64 == 60 ? "-z\n\n" : "--z-", 4);
	for (i = 0; i < big / 65536; i++)
		gd_msg_parser_feed(p, buf, 65536);
	root = gd_msg_parser_finish(p);
	cr_assert(root->flags & GD_MIME_TRUNC_HEADER);
	cr_assert(gd_mime_part_is(root, "multipart", "mixed"));
	cr_assert_eq(root->body_offset + root->body_size,
	    strlen(h) + 8 + big + 2 + big);
	cr_assert_lt(gd_pool_used(pool), 64 * 1024, "pool used %zu",
	    gd_pool_used(pool));
	gd_pool_destroy(&pool);
	free(buf);
}

/* Found by fuzzing: the empty line ending an inner header is also the
 * line break before the boundary; the parent must still contain it. */
Test(msg_parser, r1_rfc822_header_ends_at_boundary)
{
	struct msg_run r, t;
	const char *m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\n"
	    "--b--\r\n";
	const struct gd_mime_part *rfc, *inner;

	msg_run_parse(&r, m, strlen(m), strlen(m), NULL, true);
	rfc = child(r.root, 1);
	inner = rfc->children;
	cr_assert_eq(inner->header_size, strlen("Subject: x\r\n\r\n"));
	cr_assert_eq(inner->body_size, 0);
	cr_assert(!(inner->flags & GD_MIME_NO_BODY));
	cr_assert_eq(rfc->body_size, inner->header_size);
	cr_assert_eq(rfc->body_lines, 2);
	msg_run_parse(&t, m, strlen(m), 1, NULL, true);
	cr_assert_str_eq(t.tree.buf, r.tree.buf);
	msg_run_free(&t);
	msg_run_free(&r);
}

/* A boundary line longer than GD_MIME_MAX_BOUNDARY_LINE is body. */
Test(msg_parser, complex_overlong_boundary_line)
{
	char m[1024];
	struct msg_run r, t;
	const struct gd_mime_part *c;
	size_t n;

	n = (size_t)snprintf(m, sizeof(m), "Content-Type: multipart/mixed; "
	    "boundary=b\n\n--b\nContent-Transfer-Encoding: base64 (x)\n\n"
	    "x\n--b%*s\n--b  \n\ny\n--b--\n", GD_MIME_MAX_BOUNDARY_LINE, "");
	msg_run_parse(&r, m, n, n, NULL, true);
	cr_assert_eq(nchildren(r.root), 2);
	c = child(r.root, 1);
	cr_assert_eq(gd_mime_part_encoding(c), GD_MIME_ENC_BASE64);
	cr_assert_eq(c->body_size, 2 + 3 + GD_MIME_MAX_BOUNDARY_LINE);
	cr_assert_eq(c->body_lines, 2);
	assert_body(m, child(r.root, 2), "y");
	msg_run_parse(&t, m, n, 1, NULL, true);
	cr_assert_str_eq(t.trace.buf, r.trace.buf);
	cr_assert_str_eq(t.tree.buf, r.tree.buf);
	msg_run_free(&t);
	msg_run_free(&r);
}

static void
stop_in_header_end(void *ctx, const struct gd_mime_part *part)
{
	struct gd_msg_parser **pp = ctx;

	if (part->depth == 1)
		gd_msg_parser_stop_at_body(*pp);
}

/* Stopping from a child's header_end: the rest is only counted. */
Test(msg_parser, complex_stop_at_body_from_child)
{
	struct gd_pool *pool = gd_pool_create("t");
	struct gd_msg_callbacks cb = { 0 };
	struct gd_msg_parser *p;
	const struct gd_mime_part *root;
	size_t len;
	char *d = load("rfc2049-appendix-a.eml", &len);

	cb.header_end = stop_in_header_end;
	p = gd_msg_parser_create(pool, NULL, &cb, &p);
	gd_msg_parser_feed(p, d, len);
	root = gd_msg_parser_finish(p);
	cr_assert_eq(gd_msg_parser_part_count(p), 2);
	cr_assert_eq(root->body_offset + root->body_size, len);
	cr_assert_eq(root->children->body_offset + root->children->body_size,
	    len);
	gd_pool_destroy(&pool);
	free(d);
}

struct body_check {
	const char *data;
	size_t len;
	const struct gd_mime_part *part;
	uint64_t seen;
	unsigned leaves;
};

static void
check_body(void *ctx, const struct gd_mime_part *part, const void *d,
    size_t n)
{
	struct body_check *c = ctx;

	if (c->part != part) {
		cr_assert_eq(c->seen, 0, "bodies interleaved");
		c->part = part;
	}
	/* body_size is final only at part_end; body_offset is known. */
	cr_assert_leq(part->body_offset + c->seen + n, c->len);
	cr_assert(memcmp(c->data + part->body_offset + c->seen, d, n) == 0);
	c->seen += n;
}

static void
check_part_end(void *ctx, const struct gd_mime_part *part)
{
	struct body_check *c = ctx;

	if (part->children == NULL && part->boundary == NULL)
		cr_assert_eq(c->part == part ? c->seen : 0, part->body_size,
		    "leaf %u.%u", part->depth, part->index);
	if (c->part == part) {
		c->leaves++;
		c->part = NULL;
		c->seen = 0;
	}
}

/* The body callback hands over exactly each leaf's body range. */
Test(msg_parser, complex_body_callback_matches_ranges)
{
	struct gd_msg_callbacks cb = { 0 };
	struct body_check c;
	struct gd_pool *pool;
	struct gd_msg_parser *p;
	size_t i, off, len;
	char *d;

	cb.body = check_body;
	cb.part_end = check_part_end;
	for (i = 0; i < GD_N_ELEMENTS(samples); i++) {
		d = load(samples[i], &len);
		memset(&c, 0, sizeof(c));
		c.data = d;
		c.len = len;
		pool = gd_pool_create("t");
		p = gd_msg_parser_create(pool, NULL, &cb, &c);
		for (off = 0; off < len; off += 3)
			gd_msg_parser_feed(p, d + off, len - off < 3 ?
			    len - off : 3);
		gd_msg_parser_finish(p);
		/* Each leaf was checked at its part_end. */
		cr_assert_null(c.part, "%s", samples[i]);
		gd_pool_destroy(&pool);
		free(d);
	}
}
