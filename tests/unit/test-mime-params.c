/*
 * test-mime-params.c — Content-Type and parameter lists: RFC 2045
 * syntax with comments, RFC 2231 (the examples of its sections 3-5),
 * RFC 2047 words in values, and broken lists.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/message.h>
#include <gumdrop/pool.h>

#include "msg-test-util.h"

static struct gd_pool *pool;

static void
setup(void)
{
	pool = gd_pool_create("test");
}

static void
teardown(void)
{
	gd_pool_destroy(&pool);
}

static struct gd_mime_param *
params(const char *s)
{
	return gd_mime_params_parse(pool, s, strlen(s));
}

static const struct gd_mime_param *
find(const struct gd_mime_param *p, const char *name)
{
	for (; p != NULL; p = p->next) {
		if (strcmp(p->name, name) == 0)
			return p;
	}
	cr_assert_fail("no parameter %s", name);
	return NULL;
}

static unsigned
count(const struct gd_mime_param *p)
{
	unsigned n = 0;

	for (; p != NULL; p = p->next)
		n++;
	return n;
}

Test(mime_params, basic_content_type, .init = setup, .fini = teardown)
{
	const char *t, *s;
	struct gd_mime_param *p;
	const char *v = "Text/HTML (a comment) ; Charset=\"utf-8\" ;"
	    "format=flowed";

	cr_assert_eq(gd_mime_content_type_parse(pool, v, strlen(v), &t, &s,
	    &p), 0);
	cr_assert_str_eq(t, "text");
	cr_assert_str_eq(s, "html");
	cr_assert_eq(count(p), 2);
	cr_assert_str_eq(find(p, "charset")->value, "utf-8");
	cr_assert_str_eq(gd_mime_param_get(p, "FORMAT"), "flowed");
	cr_assert_eq(gd_mime_content_type_parse(pool, "text", 4, &t, &s, &p),
	    -1);
	cr_assert_eq(gd_mime_content_type_parse(pool, "text/", 5, &t, &s, &p),
	    -1);
	cr_assert_eq(gd_mime_content_type_parse(pool, "/plain", 6, &t, &s,
	    &p), -1);
	cr_assert_eq(gd_mime_content_type_parse(pool, "", 0, &t, &s, &p), -1);
	cr_assert_eq(gd_mime_content_type_parse(pool, " a / b ", 7, &t, &s,
	    &p), 0);
	cr_assert_str_eq(s, "b");
	cr_assert_null(p);
}

Test(mime_params, basic_quoting_and_broken, .init = setup,
    .fini = teardown)
{
	struct gd_mime_param *p;

	p = params("; a=\"x\\\"y;z\"; b = c ; =bad; d; e=\"unterminated");
	cr_assert_str_eq(find(p, "a")->value, "x\"y;z");
	cr_assert_str_eq(find(p, "b")->value, "c");
	cr_assert_str_eq(find(p, "e")->value, "unterminated");
	cr_assert_eq(count(p), 3);
	p = params("; name=my file.pdf ; size=3 (bytes)");
	cr_assert_str_eq(find(p, "name")->value, "my file.pdf");
	cr_assert_str_eq(find(p, "size")->value, "3");
	/* Missing ';' between parameters; duplicates: the first wins. */
	p = params("a=1 b=2; a=3");
	cr_assert_str_eq(gd_mime_param_get(p, "a"), "1");
	cr_assert_str_eq(gd_mime_param_get(p, "b"), "2");
	cr_assert_null(params(""));
	cr_assert_null(params(";;;"));
}

/* RFC 2231 section 3. */
Test(mime_params, basic_rfc2231_continuations, .init = setup,
    .fini = teardown)
{
	struct gd_mime_param *p = params("; access-type=URL;\r\n"
	    "         URL*0=\"ftp://\";\r\n"
	    "         URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/"
	    "bulk-mailer.tar\"");

	cr_assert_eq(count(p), 2);
	cr_assert_str_eq(find(p, "url")->value,
	    "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
	cr_assert_str_eq(find(p, "url")->raw_value,
	    "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
	cr_assert_null(find(p, "url")->charset);
}

/* RFC 2231 sections 4 and 4.1. */
Test(mime_params, basic_rfc2231_charset_language, .init = setup,
    .fini = teardown)
{
	const struct gd_mime_param *t;
	struct gd_mime_param *p;

	p = params(";\r\n title*=us-ascii'en-us'This%20is%20"
	    "%2A%2A%2Afun%2A%2A%2A");
	t = find(p, "title");
	cr_assert_str_eq(t->value, "This is ***fun***");
	cr_assert_str_eq(t->raw_value,
	    "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
	cr_assert_str_eq(t->charset, "us-ascii");
	cr_assert_str_eq(t->language, "en-us");
	/* The example as printed in the RFC, without the ';'s. */
	p = params("\r\n    title*0*=us-ascii'en'This%20is%20even%20more%20\r\n"
	    "    title*1*=%2A%2A%2Afun%2A%2A%2A%20\r\n"
	    "    title*2=\"isn't it!\"");
	t = find(p, "title");
	cr_assert_str_eq(t->value, "This is even more ***fun*** isn't it!");
	cr_assert_str_eq(t->language, "en");
	/* Out of order, a charset to convert, an unknown charset. */
	p = params("; f*1*=%E9.txt; f*0*=iso-8859-1''r%E9sum; "
	    "g*=x-nope''%E9; h*=''%41%zz");
	cr_assert_str_eq(find(p, "f")->value, "r\xc3\xa9sum\xc3\xa9.txt");
	cr_assert_str_eq(find(p, "f")->raw_value,
	    "iso-8859-1''r%E9sum%E9.txt");
	cr_assert_str_eq(find(p, "g")->value, "\xe9");
	cr_assert_str_eq(find(p, "h")->value, "A%zz");
	cr_assert_null(find(p, "h")->charset);
	/* RFC 2231 wins over the plain form of the same name. */
	p = params("; name=\"plain.txt\"; name*=utf-8''%C3%A9.txt");
	cr_assert_eq(count(p), 1);
	cr_assert_str_eq(gd_mime_param_get(p, "name"), "\xc3\xa9.txt");
}

Test(mime_params, complex_rfc2047_in_values, .init = setup,
    .fini = teardown)
{
	struct gd_mime_param *p;

	p = params("; name=\"=?UTF-8?B?cmFwcG9ydC5wZGY=?=\"; "
	    "filename=\"=?UTF-8?Q?r=C3=A9sum=C3=A9?=.pdf\"");
	cr_assert_str_eq(find(p, "name")->value, "rapport.pdf");
	cr_assert_str_eq(find(p, "name")->raw_value,
	    "=?UTF-8?B?cmFwcG9ydC5wZGY=?=");
	cr_assert_str_eq(find(p, "filename")->value,
	    "r\xc3\xa9sum\xc3\xa9.pdf");
}

Test(mime_params, complex_rfc2231_message)
{
	struct msg_run r;
	const struct gd_mime_part *c;
	char path[512], buf[4096];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/data/messages/rfc2231.eml",
	    GD_TEST_SRCDIR);
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	msg_run_parse(&r, buf, len, 1, NULL, true);
	c = r.root->children;
	cr_assert_str_eq(gd_mime_param_get(c->type_params, "url"),
	    "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
	c = c->next->next;
	cr_assert_str_eq(gd_mime_param_get(c->type_params, "title"),
	    "This is even more ***fun*** isn't it!");
	cr_assert_str_eq(gd_mime_param_get(c->disposition_params, "filename"),
	    "na\xc3\xafve r\xc3\xa9sum\xc3\xa9.txt");
	c = c->next;
	cr_assert_str_eq(gd_mime_param_get(c->disposition_params, "filename"),
	    "r\xc3\xa9sum\xc3\xa9.pdf");
	cr_assert_eq(r.flags, 0);
	msg_run_free(&r);
}
