/*
 * fuzz-imap-seqset.c — libFuzzer target for modules/imap's sequence
 * sets.  The first four octets are the value of "*" (0 for an empty
 * mailbox); the rest is a sequence-set argument.  When it parses:
 *   - normalizing gives sorted, disjoint, non-adjacent ranges with
 *     1 <= first <= last, and normalizing again changes nothing;
 *   - every number named by the raw set is in the result and its size
 *     is at most the raw sizes' sum;
 *   - the formatted result parses back into the same ranges;
 *   - iterating gives each member once, ascending (checked on small
 *     sets), and imap_numbers_format() of those numbers equals the
 *     ranges' format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_check_normal(const struct imap_seqset *s)
{
	size_t i;

	for (i = 0; i < s->count; i++) {
		if (s->ranges[i].first == 0 ||
		    s->ranges[i].first > s->ranges[i].last)
			abort();
		if (i > 0 && (uint64_t)s->ranges[i - 1].last + 1 >=
		    s->ranges[i].first)
			abort();
	}
}

static uint32_t
fz_resolve(uint32_t n, uint32_t star)
{
	return n == IMAP_SEQ_STAR ? star : n;
}

static void
fz_check_members(const struct gd_mail_range *raw, size_t n,
    const struct imap_seqset *s, uint32_t star)
{
	uint64_t total = 0;
	uint32_t a, b;
	size_t i;

	for (i = 0; i < n; i++) {
		if (star == 0 && (raw[i].first == IMAP_SEQ_STAR ||
		    raw[i].last == IMAP_SEQ_STAR))
			continue;
		a = fz_resolve(raw[i].first, star);
		b = fz_resolve(raw[i].last, star);
		if (!imap_seqset_contains(s, a) || !imap_seqset_contains(s, b))
			abort();
		total += (a > b ? a - b : b - a) + 1;
	}
	if (imap_seqset_size(s) > total)
		abort();
}

static void
fz_check_format(const struct imap_seqset *s, struct gd_pool *pool)
{
	struct imap_seqset back;
	struct imap_error err;
	struct imap_args a;
	char *text;
	size_t n;

	n = imap_ranges_format(NULL, 0, s->ranges, s->count);
	if (n == 0)
		return;
	text = gd_pool_alloc(pool, n + 1);
	if (imap_ranges_format(text, n + 1, s->ranges, s->count) != n)
		abort();
	imap_args_init(&a, text, n, pool, 0, &err);
	if (imap_parse_seqset(&a, false, &back) < 0 || !imap_args_at_end(&a))
		abort();
	imap_seqset_normalize(&back, 1);
	if (back.count != s->count || memcmp(back.ranges, s->ranges,
	    s->count * sizeof(*s->ranges)) != 0)
		abort();
}

static void
fz_check_iter(const struct imap_seqset *s, struct gd_pool *pool)
{
	struct imap_seqset_iter it;
	uint32_t *nums, n, prev = 0;
	size_t k = 0, l1, l2;
	char *t1, *t2;

	if (imap_seqset_size(s) > 4096)
		return;
	nums = gd_pool_alloc(pool, 4097 * sizeof(*nums));
	imap_seqset_iter_init(&it);
	while (imap_seqset_iter_next(s, &it, &n)) {
		if ((k > 0 && n <= prev) || !imap_seqset_contains(s, n))
			abort();
		nums[k++] = prev = n;
	}
	if (k != imap_seqset_size(s))
		abort();
	l1 = imap_ranges_format(NULL, 0, s->ranges, s->count);
	l2 = imap_numbers_format(NULL, 0, nums, k);
	t1 = gd_pool_alloc(pool, l1 + 1);
	t2 = gd_pool_alloc(pool, l2 + 1);
	imap_ranges_format(t1, l1 + 1, s->ranges, s->count);
	imap_numbers_format(t2, l2 + 1, nums, k);
	if (l1 != l2 || strcmp(t1, t2) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gd_pool *pool;
	struct imap_seqset s;
	struct gd_mail_range *raw;
	struct imap_error err;
	struct imap_args a;
	uint32_t star;
	size_t rawn, n;
	char *copy;

	if (size < 4)
		return 0;
	if (pool == NULL)
		pool = gd_pool_create("fuzz");
	memcpy(&star, data, 4);
	star %= 1u << (data[0] & 31);
	copy = malloc(size - 4 + 1);
	memcpy(copy, data + 4, size - 4);
	imap_args_init(&a, copy, size - 4, pool, 0, &err);
	if (imap_parse_seqset(&a, true, &s) == 0 && !s.dollar) {
		rawn = s.count;
		raw = gd_pool_alloc(pool, rawn * sizeof(*raw));
		memcpy(raw, s.ranges, rawn * sizeof(*raw));
		imap_seqset_normalize(&s, star);
		fz_check_normal(&s);
		fz_check_members(raw, rawn, &s, star);
		n = s.count;
		memcpy(raw, s.ranges, n * sizeof(*raw));
		imap_seqset_normalize(&s, star);
		if (s.count != n || memcmp(raw, s.ranges, n * sizeof(*raw)))
			abort();
		fz_check_format(&s, pool);
		fz_check_iter(&s, pool);
	}
	free(copy);
	gd_pool_clear(pool);
	return 0;
}
