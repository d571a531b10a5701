/*
 * test-ld-filter.c — local-delivery's header filter (ld-filter.c, the
 * drop_fields side of gumdrop/smtp.h): matching fields leave the copy
 * whole (continuation lines too), others and the body are byte-identical,
 * every split of the input (one byte at a time) gives the same output,
 * a field over the bound is kept, what the predicate sees (name, raw,
 * unfolded value, offset), and a header that never ends.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include <gumdrop/pool.h>

#include "ld-filter.h"

struct sink {
	char buf[65536];
	size_t len;
	int fail_after;			/* calls before failing; -1 never */
};

/* The predicate: drop fields named `name` whose value starts `prefix`. */
struct rule {
	const char *name;
	const char *prefix;
	unsigned asked;
	char last_raw[256];
	char last_value[256];
	uint64_t last_offset;
};

static int
sink_out(void *ctx, const void *buf, size_t len)
{
	struct sink *k = ctx;

	if (k->fail_after == 0)
		return -1;
	if (k->fail_after > 0)
		k->fail_after--;
	cr_assert_leq(k->len + len, sizeof(k->buf));
	memcpy(k->buf + k->len, buf, len);
	k->len += len;
	return 0;
}

static bool
rule_match(void *ctx, const struct gd_msg_field *f)
{
	struct rule *r = ctx;

	r->asked++;
	cr_assert_eq(strlen(f->name), f->name_len);
	cr_assert_eq(strlen(f->raw), f->raw_len);
	cr_assert_eq(strlen(f->value), f->value_len);
	snprintf(r->last_raw, sizeof(r->last_raw), "%s", f->raw);
	snprintf(r->last_value, sizeof(r->last_value), "%s", f->value);
	r->last_offset = f->offset;
	return strcasecmp(f->name, r->name) == 0 &&
	    strncmp(f->value, r->prefix, strlen(r->prefix)) == 0;
}

/* Run `in` through a filter in pieces of `step` (0: one piece). */
static void
run(const char *in, size_t step, size_t bound, struct rule *r,
    struct sink *k)
{
	struct gd_pool *pool = gd_pool_create("test");
	struct ld_filter f;
	size_t len = strlen(in), off = 0, n;

	memset(k, 0, sizeof(*k));
	k->fail_after = -1;
	ld_filter_init(&f, pool, bound, rule_match, r, sink_out, k);
	while (off < len) {
		n = step == 0 || len - off < step ? len - off : step;
		cr_assert_eq(ld_filter_write(&f, in + off, n), 0);
		off += n;
	}
	cr_assert_eq(ld_filter_end(&f), 0);
	k->buf[k->len] = '\0';
	gd_pool_destroy(&pool);
}

/* Every split gives `want`. */
static void
expect(const char *in, const char *name, const char *prefix,
    const char *want)
{
	struct rule r = { name, prefix, 0, "", "", 0 };
	static struct sink k;
	size_t step;

	for (step = 0; step <= 9; step++) {
		run(in, step, 16384, &r, &k);
		cr_assert_str_eq(k.buf, want, "step %zu", step);
	}
}

#define BODY	"\r\nBody line\r\nAuthentication-Results: mx.test; body\r\n"

Test(ld_filter, drops_ours_keeps_others)
{
	expect("Received: from a\r\n"
	    "Authentication-Results: mx.test; spf=pass\r\n"
	    "Authentication-Results: other.test; spf=fail\r\n"
	    "Subject: hi\r\n" BODY,
	    "Authentication-Results", "mx.test",
	    "Received: from a\r\n"
	    "Authentication-Results: other.test; spf=fail\r\n"
	    "Subject: hi\r\n" BODY);
}

Test(ld_filter, folded_field_dropped_whole)
{
	expect("A: 1\r\n"
	    "Authentication-Results: mx.test;\r\n"
	    "\tdkim=pass\r\n"
	    "  header.d=x\r\n"
	    "B: 2\r\n" BODY,
	    "authentication-results", "mx.test;",
	    "A: 1\r\nB: 2\r\n" BODY);
}

Test(ld_filter, first_and_last_fields)
{
	expect("X: drop\r\nY: keep\r\nX: drop too\r\n" BODY, "X", "drop",
	    "Y: keep\r\n" BODY);
}

Test(ld_filter, nothing_matches_identical)
{
	const char *m = "From: a@b\r\nTo: c@d\r\n \r\nSubject: x\r\n" BODY;

	expect(m, "Nope", "", m);
}

Test(ld_filter, body_never_filtered)
{
	expect("Subject: x\r\n\r\nX: drop\r\n", "X", "", "Subject: x\r\n"
	    "\r\nX: drop\r\n");
}

Test(ld_filter, bare_lf_lines)
{
	expect("A: 1\nX: drop\n\tmore\nB: 2\n\nX: body\n", "X", "drop",
	    "A: 1\nB: 2\n\nX: body\n");
}

Test(ld_filter, header_only_message)
{
	/* A complete last field is decided at the end. */
	expect("A: 1\r\nX: drop\r\n", "X", "drop", "A: 1\r\n");
	/* An incomplete one (no line break) is kept. */
	expect("A: 1\r\nX: drop", "X", "drop", "A: 1\r\nX: drop");
}

Test(ld_filter, broken_lines_kept)
{
	expect("No colon here\r\n: empty name\r\nX: drop\r\n" BODY, "X",
	    "drop", "No colon here\r\n: empty name\r\n" BODY);
}

Test(ld_filter, what_the_predicate_sees)
{
	struct rule r = { "None", "", 0, "", "", 0 };
	struct sink k;

	run("A: 1\r\nSubject :  hello\r\n\t world  \r\n\r\n", 0, 16384, &r,
	    &k);
	cr_assert_eq(r.asked, 2);
	cr_assert_str_eq(r.last_raw, "  hello\r\n\t world  ");
	cr_assert_str_eq(r.last_value, "hello\t world");
	cr_assert_eq(r.last_offset, 6);
}

Test(ld_filter, over_the_bound_kept)
{
	char in[4096], want[4096];
	struct rule r = { "X", "", 0, "", "", 0 };
	struct sink k;
	size_t step;

	/* X is 300 bytes long: over a 64-byte bound, so it is kept. */
	strcpy(in, "A: 1\r\nX: ");
	memset(in + 9, 'v', 300);
	strcpy(in + 309, "\r\n more\r\nX: short\r\nB: 2\r\n" BODY);
	strcpy(want, in);
	/* The short X is dropped. */
	memmove(strstr(want, "X: short"), strstr(want, "B: 2"),
	    strlen(strstr(want, "B: 2")) + 1);
	for (step = 0; step <= 7; step++) {
		struct gd_pool *pool = gd_pool_create("t");
		struct ld_filter f;
		size_t off = 0, len = strlen(in), n;

		memset(&k, 0, sizeof(k));
		k.fail_after = -1;
		ld_filter_init(&f, pool, 64, rule_match, &r, sink_out, &k);
		while (off < len) {
			n = step == 0 || len - off < step ? len - off : step;
			cr_assert_eq(ld_filter_write(&f, in + off, n), 0);
			off += n;
		}
		cr_assert_eq(ld_filter_end(&f), 0);
		k.buf[k.len] = '\0';
		cr_assert_str_eq(k.buf, want, "step %zu", step);
		cr_assert_eq(f.overflowed, 1);
		cr_assert_eq(f.dropped, 1);
		gd_pool_destroy(&pool);
	}
}

Test(ld_filter, endless_header_bounded)
{
	struct gd_pool *pool = gd_pool_create("t");
	struct rule r = { "X", "", 0, "", "", 0 };
	static struct sink k;
	struct ld_filter f;
	char line[] = " continuation line of an endless field\r\n";
	unsigned i;

	memset(&k, 0, sizeof(k));
	k.fail_after = -1;
	ld_filter_init(&f, pool, 1024, rule_match, &r, sink_out, &k);
	cr_assert_eq(ld_filter_write(&f, "X: start\r\n", 10), 0);
	for (i = 0; i < 1000; i++) {
		cr_assert_eq(ld_filter_write(&f, line, strlen(line)), 0);
		cr_assert_leq(f.len, 1024);
		if (k.len > sizeof(k.buf) - 100)
			k.len = 0;	/* output checked below by size */
	}
	cr_assert_eq(ld_filter_end(&f), 0);
	cr_assert_eq(f.overflowed, 1);
	cr_assert_eq(f.dropped, 0);
	gd_pool_destroy(&pool);
}

Test(ld_filter, writer_failure_reported)
{
	struct gd_pool *pool = gd_pool_create("t");
	struct rule r = { "X", "", 0, "", "", 0 };
	struct sink k;
	struct ld_filter f;

	memset(&k, 0, sizeof(k));
	k.fail_after = 0;
	ld_filter_init(&f, pool, 1024, rule_match, &r, sink_out, &k);
	cr_assert_eq(ld_filter_write(&f, "A: 1\r\n", 6), 0);	/* held */
	cr_assert_eq(ld_filter_write(&f, "B", 1), -1);	/* A goes out */
	gd_pool_destroy(&pool);
}
