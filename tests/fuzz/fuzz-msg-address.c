/*
 * fuzz-msg-address.c — libFuzzer target for the RFC 5322 address-list
 * parser and its formatters.
 *
 * Invariants checked on every input: the parser ends, returns at most
 * max_entries entries with balanced group markers and the documented
 * fields set, uses memory linear in the input, and puts no CR, LF or NUL
 * in any string.  A list with no invalid entry survives parse -> format
 * -> parse unchanged (a local part that needed quotes comes back flagged
 * as quoted), and a second round trip gives the very same text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/msg-address.h>
#include <gumdrop/pool.h>

#define START	GD_MSG_ADDR_GROUP_START
#define END	GD_MSG_ADDR_GROUP_END
#define INVALID	GD_MSG_ADDR_INVALID
#define QUOTED	GD_MSG_ADDR_QUOTED_LOCAL
#define UTF8	GD_MSG_ADDR_UTF8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
fuzz_8bit(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

static void
fuzz_check_str(const char *s)
{
	if (s != NULL && strpbrk(s, "\r\n") != NULL)
		abort();
}

static void
fuzz_check_entry(const struct gd_msg_address *a)
{
	fuzz_check_str(a->name);
	fuzz_check_str(a->route);
	fuzz_check_str(a->mailbox);
	fuzz_check_str(a->domain);
	if ((a->flags & START) != 0 && (a->name == NULL ||
	    a->mailbox != NULL || a->domain != NULL))
		abort();
	if ((a->flags & END) != 0 && (a->name != NULL || a->mailbox != NULL))
		abort();
	if ((a->flags & INVALID) != 0 && (a->mailbox == NULL ||
	    a->domain != NULL))
		abort();
	if ((a->flags & (START | END)) == 0 && a->mailbox == NULL)
		abort();
	if (((a->flags & UTF8) != 0) != (fuzz_8bit(a->name) ||
	    fuzz_8bit(a->route) || fuzz_8bit(a->mailbox) ||
	    fuzz_8bit(a->domain)))
		abort();
}

/* Checks the list; returns whether it has invalid entries. */
static bool
fuzz_check_list(const struct gd_msg_address *a, unsigned max)
{
	unsigned n = 0;
	bool in_group = false, invalid = false;

	for (; a != NULL; a = a->next) {
		fuzz_check_entry(a);
		if ((a->flags & START) != 0) {
			if (in_group)
				abort();
			in_group = true;
		} else if ((a->flags & END) != 0) {
			if (!in_group)
				abort();
			in_group = false;
		}
		invalid = invalid || (a->flags & INVALID) != 0;
		n++;
	}
	if (n > max || in_group)
		abort();
	return invalid;
}

static char *
fuzz_format_list(struct gd_pool *pool, const struct gd_msg_address *a)
{
	char *out = gd_pool_strdup(pool, "");
	const char *sep = "";

	for (; a != NULL; a = a->next) {
		if ((a->flags & END) != 0)
			sep = "";
		out = gd_pool_printf(pool, "%s%s%s", out, sep,
		    gd_msg_address_format(pool, a));
		sep = (a->flags & START) != 0 ? " " : ", ";
		(void)gd_msg_address_addr_spec(pool, a);
	}
	return out;
}

static bool
fuzz_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
fuzz_roundtrip(struct gd_pool *pool, const struct gd_msg_address *a)
{
	const struct gd_msg_address *b;
	char *text, *again;

	text = fuzz_format_list(pool, a);
	b = gd_msg_address_parse(pool, text, strlen(text), 0);
	for (; a != NULL; a = a->next, b = b->next) {
		if (b == NULL || !fuzz_same(a->name, b->name) ||
		    !fuzz_same(a->route, b->route) ||
		    !fuzz_same(a->mailbox, b->mailbox) ||
		    !fuzz_same(a->domain, b->domain) ||
		    (a->flags & ~QUOTED) != (b->flags & ~QUOTED))
			abort();
	}
	if (b != NULL)
		abort();
	again = fuzz_format_list(pool, gd_msg_address_parse(pool, text,
	    strlen(text), 0));
	if (strcmp(text, again) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gd_pool *pool = gd_pool_create("fuzz");
	const struct gd_msg_address *list;
	const char *in = (const char *)data;
	unsigned max;
	size_t used;

	list = gd_msg_address_parse(pool, in, size, 0);
	used = gd_pool_used(pool);
	if (used > 8 * size + 4096 + 1000 * 128)
		abort();
	if (!fuzz_check_list(list, 1000))
		fuzz_roundtrip(pool, list);
	max = size > 0 ? 1 + data[0] % 5 : 1;
	(void)fuzz_check_list(gd_msg_address_parse(pool, in, size, max), max);
	gd_pool_destroy(&pool);
	return 0;
}
