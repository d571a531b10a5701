/*
 * test-smtp-field.c — header fields added to the delivered copy
 * (modules/smtp/smtp-field.c, gumdrop/smtp.h add_field): name and value
 * validation, folding at whitespace within 78 columns, words never
 * split, the 998 limit, caller-folded values kept byte for byte.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "smtp-test-util.h"

static char out[8192];
static size_t outlen;

static enum smtp_field_check
build(const char *name, const char *value)
{
	size_t bound = smtp_field_bound(name, value);

	cr_assert_leq(bound, sizeof(out));
	memset(out, 0, sizeof(out));
	return smtp_field_build(out, bound, name, value, &outlen);
}

static void
expect(const char *name, const char *value, const char *want)
{
	cr_assert_eq(build(name, value), SMTP_FIELD_GOOD, "%s: %s", name,
	    value);
	cr_assert_eq(outlen, strlen(want), "len %zu want %zu: [%.*s]", outlen,
	    strlen(want), (int)outlen, out);
	cr_assert(memcmp(out, want, outlen) == 0, "got [%.*s]", (int)outlen,
	    out);
}

/* Every line <= max; and unfolding gives back name ": " value. */
static void
check_lines(const char *name, const char *value, size_t max)
{
	static char joined[8192], want[8192];
	size_t i, col = 0, n = 0;

	cr_assert_eq(build(name, value), SMTP_FIELD_GOOD);
	cr_assert(outlen >= 2 && memcmp(out + outlen - 2, "\r\n", 2) == 0);
	for (i = 0; i + 2 < outlen; i++) {
		if (out[i] == '\r') {
			cr_assert_eq(out[i + 1], '\n');
			cr_assert(out[i + 2] == ' ' || out[i + 2] == '\t',
			    "fold not followed by WSP at %zu", i);
			cr_assert_leq(col, max, "line of %zu", col);
			col = 0;
			i++;
			continue;
		}
		joined[n++] = out[i];
		col++;
	}
	cr_assert_leq(col, max, "last line of %zu", col);
	joined[n] = '\0';
	snprintf(want, sizeof(want), "%s: %s", name, value);
	cr_assert_str_eq(joined, want);
}

Test(field, short_kept)
{
	expect("X-Test", "hello world", "X-Test: hello world\r\n");
	expect("A", "", "A: \r\n");
	expect("Received-SPF", "pass (example.org: 192.0.2.1 is allowed)",
	    "Received-SPF: pass (example.org: 192.0.2.1 is allowed)\r\n");
}

Test(field, exactly_78_not_folded)
{
	char v[100];

	/* "X: " + 75 = 78 columns. */
	memset(v, 'a', 75);
	v[75] = '\0';
	v[10] = ' ';
	cr_assert_eq(build("X", v), SMTP_FIELD_GOOD);
	cr_assert_eq(outlen, 80);
	cr_assert_null(memchr(out, '\r', 78));
	/* One more column folds at the space. */
	v[75] = 'b';
	v[76] = '\0';
	cr_assert_eq(build("X", v), SMTP_FIELD_GOOD);
	cr_assert(memcmp(out + 13, "\r\n ", 3) == 0, "[%.*s]", (int)outlen,
	    out);
}

Test(field, folds_at_last_space)
{
	const char *v = "i=1; mx.example.org; spf=pass "
	    "smtp.mailfrom=alice@example.org; dkim=pass header.d=example.org "
	    "header.s=sel1; dmarc=pass header.from=example.org";

	check_lines("Authentication-Results", v, 78);
	/* The first line is as full as it can be. */
	cr_assert(strncmp(out, "Authentication-Results: i=1; mx.example.org; "
	    "spf=pass\r\n smtp.mailfrom=", 70) == 0, "[%.*s]", (int)outlen,
	    out);
}

Test(field, long_word_whole)
{
	char v[600];

	/* A base64 run of 400 characters between two short words. */
	strcpy(v, "v=1; b=");
	memset(v + 7, 'Q', 400);
	strcpy(v + 407, " tail end");
	check_lines("DKIM-Signature", v, 998);
	cr_assert_not_null(strstr(out, "b=QQQQ"));
	/* The word stays on its own line: folded before it and after. */
	cr_assert(strstr(out, "v=1;\r\n b=Q") != NULL, "[%.*s]", (int)outlen,
	    out);
	cr_assert(strstr(out, "QQ\r\n tail end") != NULL, "[%.*s]",
	    (int)outlen, out);
}

Test(field, tabs_fold_too)
{
	char v[300];
	size_t i;

	for (i = 0; i < 40; i++)
		memcpy(v + i * 5, "word\t", 5);
	v[199] = '\0';
	check_lines("X-Tabs", v, 78);
}

Test(field, many_shapes_stay_within_78)
{
	char v[1200];
	size_t len, i, w, run = 0;
	unsigned seed = 7;

	/* Words of 1 to 40 characters: every line can stay within 78. */
	for (len = 1; len < 1000; len += 37) {
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			w = (seed >> 16) % 13;
			v[i] = (w == 0 || run >= 40) && i > 0 &&
			    v[i - 1] != ' ' ? ' ' : 'x';
			run = v[i] == ' ' ? 0 : run + 1;
		}
		v[len] = '\0';
		check_lines("X-Shape", v, 78);
	}
}

Test(field, too_long_line_refused)
{
	char v[1100];

	memset(v, 'z', 1000);
	v[1000] = '\0';
	cr_assert_eq(build("X", v), SMTP_FIELD_BAD_VALUE);
	cr_assert_eq(outlen, 0);
	/* 995 fits on the first line after "X: ". */
	v[995] = '\0';
	cr_assert_eq(build("X", v), SMTP_FIELD_GOOD);
	v[995] = 'z';
	v[996] = '\0';
	cr_assert_eq(build("X", v), SMTP_FIELD_BAD_VALUE);
	/* With a space it folds and fits. */
	v[500] = ' ';
	v[996] = 'z';
	v[1000] = '\0';
	check_lines("X", v, 998);
}

Test(field, names)
{
	char n[100];

	cr_assert(smtp_field_name_ok("Authentication-Results"));
	cr_assert(smtp_field_name_ok("X-!#$%&'*+-/=?^_`{|}~"));
	cr_assert_not(smtp_field_name_ok(""));
	cr_assert_not(smtp_field_name_ok("Bad Name"));
	cr_assert_not(smtp_field_name_ok("Bad:Name"));
	cr_assert_not(smtp_field_name_ok("Tab\tName"));
	cr_assert_not(smtp_field_name_ok("Caf\xc3\xa9"));
	memset(n, 'N', 76);
	n[76] = '\0';
	cr_assert(smtp_field_name_ok(n));
	n[76] = 'N';
	n[77] = '\0';
	cr_assert_not(smtp_field_name_ok(n));
	cr_assert_eq(build("Bad Name", "x"), SMTP_FIELD_BAD_NAME);
}

Test(field, bad_values)
{
	cr_assert_eq(build("X", "a\nb"), SMTP_FIELD_BAD_VALUE);
	cr_assert_eq(build("X", "a\rb"), SMTP_FIELD_BAD_VALUE);
	cr_assert_eq(build("X", "a\r\nb"), SMTP_FIELD_BAD_VALUE);
	cr_assert_eq(build("X", "a\x01" "b"), SMTP_FIELD_BAD_VALUE);
	cr_assert_eq(build("X", "a\x7f"), SMTP_FIELD_BAD_VALUE);
	cr_assert_eq(build("X", "a\r\n"), SMTP_FIELD_BAD_VALUE);
	cr_assert_eq(build("X", "a\r\n \r\n b"), SMTP_FIELD_BAD_VALUE);
	cr_assert_eq(build("X", "a\r\n "), SMTP_FIELD_BAD_VALUE);
	cr_assert_eq(build("X", "\r\n b"), SMTP_FIELD_GOOD);
	/* UTF-8 and tabs are kept. */
	expect("Subject", "caf\xc3\xa9\tok", "Subject: caf\xc3\xa9\tok\r\n");
}

Test(field, caller_folded_kept)
{
	const char *v = "v=1; a=ed25519-sha256; d=example.org; s=sel;\r\n"
	    "\th=from:to; bh=abc=;\r\n b=xyz";
	char want[300];

	snprintf(want, sizeof(want), "DKIM-Signature: %s\r\n", v);
	expect("DKIM-Signature", v, want);
}

Test(field, caller_folded_line_limit)
{
	char v[1100];

	memset(v, 'y', 1050);
	memcpy(v + 10, "\r\n ", 3);
	v[1050] = '\0';
	/* Line 2: 1037 characters. */
	cr_assert_eq(build("X", v), SMTP_FIELD_BAD_VALUE);
	memcpy(v + 600, "\r\n ", 3);
	cr_assert_eq(build("X", v), SMTP_FIELD_GOOD);
	cr_assert_eq(outlen, strlen(v) + 5);
}
