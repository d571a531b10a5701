/*
 * imap-seqset.c — sequence sets (RFC 9051 9: sequence-set, "$" of RFC
 * 5182): parsing, normalizing into sorted disjoint ranges, membership,
 * iteration, and the compressed form used in responses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap-parse.h"

/* seq-number: nz-number or "*" (IMAP_SEQ_STAR). */
static int
imap_seq_number(struct imap_args *a, uint32_t *n_r)
{
	if (imap_args_skip(a, '*')) {
		*n_r = IMAP_SEQ_STAR;
		return 0;
	}
	return imap_parse_nz_number(a, n_r);
}

/* How many ranges the set at a->p can hold: its commas + 1. */
static size_t
imap_seqset_span(const struct imap_args *a)
{
	const char *p;
	size_t n = 1;

	for (p = a->p; p < a->end && (*p == ',' || *p == ':' || *p == '*' ||
	    (*p >= '0' && *p <= '9')); p++)
		if (*p == ',')
			n++;
	return n;
}

int
imap_parse_seqset(struct imap_args *a, bool allow_dollar,
    struct imap_seqset *set_r)
{
	struct gd_mail_range *r;
	size_t max;

	memset(set_r, 0, sizeof(*set_r));
	if (allow_dollar && imap_args_skip(a, '$')) {
		set_r->dollar = true;
		return 0;
	}
	max = imap_seqset_span(a);
	set_r->ranges = gd_pool_alloc(a->pool, max * sizeof(*r));
	do {
		r = &set_r->ranges[set_r->count];
		if (imap_seq_number(a, &r->first) < 0)
			return imap_error_bad(a->err, "Invalid sequence set");
		r->last = r->first;
		if (imap_args_skip(a, ':') && imap_seq_number(a, &r->last) < 0)
			return imap_error_bad(a->err, "Invalid sequence set");
		set_r->count++;
	} while (set_r->count < max && imap_args_skip(a, ','));
	return 0;
}

static int
imap_range_cmp(const void *x, const void *y)
{
	const struct gd_mail_range *a = x, *b = y;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return a->last < b->last ? -1 : a->last > b->last;
}

/* Resolve "*", order each range, drop what lies in no mailbox. */
static size_t
imap_seqset_resolve(struct gd_mail_range *r, size_t count, uint32_t star)
{
	size_t i, w = 0;
	uint32_t a, b;

	for (i = 0; i < count; i++) {
		if (star == 0 && (r[i].first == IMAP_SEQ_STAR ||
		    r[i].last == IMAP_SEQ_STAR))
			continue;	/* "*" of an empty mailbox */
		a = r[i].first == IMAP_SEQ_STAR ? star : r[i].first;
		b = r[i].last == IMAP_SEQ_STAR ? star : r[i].last;
		if (a > b) {
			uint32_t t = a;

			a = b;
			b = t;
		}
		r[w].first = a;
		r[w].last = b;
		w++;
	}
	return w;
}

void
imap_seqset_normalize(struct imap_seqset *set, uint32_t star)
{
	struct gd_mail_range *r = set->ranges;
	size_t i, w = 0, n;

	if (set->dollar || set->count == 0) {
		set->normalized = true;
		return;
	}
	n = set->normalized ? set->count :
	    imap_seqset_resolve(r, set->count, star);
	qsort(r, n, sizeof(*r), imap_range_cmp);
	for (i = 0; i < n; i++) {
		if (w > 0 && (uint64_t)r[i].first <= (uint64_t)r[w - 1].last
		    + 1) {
			if (r[i].last > r[w - 1].last)
				r[w - 1].last = r[i].last;
			continue;
		}
		r[w++] = r[i];
	}
	set->count = w;
	set->normalized = true;
}

bool
imap_seqset_contains(const struct imap_seqset *set, uint32_t n)
{
	size_t lo = 0, hi = set->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (n < set->ranges[mid].first)
			hi = mid;
		else if (n > set->ranges[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

uint64_t
imap_seqset_size(const struct imap_seqset *set)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < set->count; i++)
		n += (uint64_t)set->ranges[i].last - set->ranges[i].first + 1;
	return n;
}

void
imap_seqset_iter_init(struct imap_seqset_iter *it)
{
	it->range = 0;
	it->next = 0;
}

bool
imap_seqset_iter_next(const struct imap_seqset *set,
    struct imap_seqset_iter *it, uint32_t *n_r)
{
	while (it->range < set->count) {
		const struct gd_mail_range *r = &set->ranges[it->range];

		if (it->next < r->first)
			it->next = r->first;
		if (it->next <= r->last) {
			*n_r = (uint32_t)it->next++;
			return true;
		}
		it->range++;
	}
	return false;
}

/* Append "a" or "a:b" (with a leading comma after the first). */
static void
imap_range_put(char *buf, size_t cap, size_t *w, uint32_t a, uint32_t b)
{
	char tmp[32];
	int n;

	if (a == b)
		n = snprintf(tmp, sizeof(tmp), "%s%u", *w > 0 ? "," : "", a);
	else
		n = snprintf(tmp, sizeof(tmp), "%s%u:%u", *w > 0 ? "," : "",
		    a, b);
	/* UNSAFE: copies at most cap - *w octets. */
	if (*w < cap)
		memcpy(buf + *w, tmp, (size_t)n < cap - *w ? (size_t)n :
		    cap - *w);
	*w += (size_t)n;
}

static void
imap_terminate(char *buf, size_t cap, size_t w)
{
	if (cap > 0)
		buf[w < cap ? w : cap - 1] = '\0';
}

size_t
imap_ranges_format(char *buf, size_t cap,
    const struct gd_mail_range *ranges, size_t count)
{
	size_t i, w = 0;

	for (i = 0; i < count; i++)
		imap_range_put(buf, cap, &w, ranges[i].first, ranges[i].last);
	imap_terminate(buf, cap, w);
	return w;
}

size_t
imap_numbers_format(char *buf, size_t cap, const uint32_t *nums,
    size_t count)
{
	size_t i = 0, j, w = 0;

	while (i < count) {
		for (j = i; j + 1 < count && nums[j] != UINT32_MAX &&
		    nums[j + 1] == nums[j] + 1; j++)
			;
		imap_range_put(buf, cap, &w, nums[i], nums[j]);
		i = j + 1;
	}
	imap_terminate(buf, cap, w);
	return w;
}
