/*
 * test-mail-cache.c — message caches (gd_mail_cache_*, mailbox.h): a
 * hit gives the blob kept; a changed size, internal date, UIDVALIDITY,
 * store root or variant misses; a put of the same UID replaces; the
 * bound holds and drops the least recently used mailbox first; threads
 * share one cache.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/mailbox.h>

struct got {
	char buf[16384];
	size_t len;
};

static void
copy_out(void *arg, const void *blob, size_t len)
{
	struct got *g = arg;

	cr_assert(len <= sizeof(g->buf));
	memcpy(g->buf, blob, len);
	g->len = len;
}

static struct gd_mail_cache_key
key(const char *box, uint32_t uid)
{
	struct gd_mail_cache_key k = {
		.root = "/var/mail/demo", .mailbox = box, .uidvalidity = 7,
		.uid = uid, .size = 100 + uid, .date = 1700000000 + uid,
	};

	return k;
}

static bool
get(struct gd_mail_cache *c, const struct gd_mail_cache_key *k,
    const char *want)
{
	struct got g = { .len = 0 };

	if (!gd_mail_cache_get(c, k, copy_out, &g))
		return false;
	cr_assert_eq(g.len, strlen(want));
	cr_assert(memcmp(g.buf, want, g.len) == 0);
	return true;
}

Test(mail_cache, hit_and_misses)
{
	struct gd_mail_cache *c = gd_mail_cache_new(1 << 20);
	struct gd_mail_cache_key k = key("INBOX", 5), o;

	cr_assert(!get(c, &k, ""), "empty: a miss");
	cr_assert(gd_mail_cache_put(c, &k, "five", 4));
	cr_assert(get(c, &k, "five"));
	o = k;
	o.size++;
	cr_assert(!get(c, &o, ""), "another size: a miss");
	o = k;
	o.date++;
	cr_assert(!get(c, &o, ""), "another internal date: a miss");
	o = k;
	o.uidvalidity++;
	cr_assert(!get(c, &o, ""), "another UIDVALIDITY: a miss");
	o = k;
	o.root = "/var/mail/other";
	cr_assert(!get(c, &o, ""), "another store: a miss");
	o = k;
	o.mailbox = "INBOX.x";
	cr_assert(!get(c, &o, ""), "another mailbox: a miss");
	o = k;
	o.variant = 1;
	cr_assert(!get(c, &o, ""), "another variant: a miss");
	cr_assert(gd_mail_cache_put(c, &o, "FIVE", 4));
	cr_assert(get(c, &o, "FIVE") && get(c, &k, "five"),
	    "variants side by side");
	o = k;
	o.size++;
	cr_assert(gd_mail_cache_put(c, &o, "new five", 8));
	cr_assert(get(c, &o, "new five") && !get(c, &k, ""),
	    "same UID, another message: replaced");
	gd_mail_cache_free(&c);
	cr_assert_null(c);
}

Test(mail_cache, uids_in_any_order)
{
	struct gd_mail_cache *c = gd_mail_cache_new(1 << 20);
	static const uint32_t uids[] = { 9, 3, 12, 1, 7, 3 };
	struct gd_mail_cache_key k;
	char want[16];
	size_t i;

	for (i = 0; i < sizeof(uids) / sizeof(uids[0]); i++) {
		k = key("INBOX", uids[i]);
		snprintf(want, sizeof(want), "uid %u", uids[i]);
		cr_assert(gd_mail_cache_put(c, &k, want, strlen(want)));
	}
	for (i = 0; i < sizeof(uids) / sizeof(uids[0]); i++) {
		k = key("INBOX", uids[i]);
		snprintf(want, sizeof(want), "uid %u", uids[i]);
		cr_assert(get(c, &k, want), "uid %u", uids[i]);
	}
	k = key("INBOX", 4);
	cr_assert(!get(c, &k, ""));
	gd_mail_cache_free(&c);
}

/* A string of n-1 times `ch` (static buffers, one per letter). */
static const char *
filled(char *buf, size_t n, char ch)
{
	memset(buf, ch, n - 1);
	buf[n - 1] = '\0';
	return buf;
}

Test(mail_cache, bound_drops_least_recent_mailbox)
{
	size_t max = 64 * 1024;
	struct gd_mail_cache *c = gd_mail_cache_new(max);
	struct gd_mail_cache_key a = key("A", 1), b = key("B", 1);
	struct gd_mail_cache_key n = key("C", 1);
	static char ab[2][10001], cb[12001];
	const char *sa = filled(ab[0], sizeof(ab[0]), 'a');
	const char *sb = filled(ab[1], sizeof(ab[1]), 'b');
	const char *sc = filled(cb, sizeof(cb), 'c');

	/* A and B about 10 KB each, C's entries 12 KB: three of C fit
	 * with both, the fourth only without B, the fifth without A. */
	cr_assert(gd_mail_cache_put(c, &a, sa, strlen(sa)));
	cr_assert(gd_mail_cache_put(c, &b, sb, strlen(sb)));
	cr_assert(get(c, &a, sa), "A used after B");
	for (n.uid = 1; n.uid <= 4; n.uid++) {
		cr_assert(gd_mail_cache_put(c, &n, sc, strlen(sc)));
		cr_assert_leq(gd_mail_cache_bytes(c), max);
	}
	cr_assert(!get(c, &b, ""), "B, the least recently used, dropped");
	cr_assert(get(c, &a, sa), "A kept");
	cr_assert(gd_mail_cache_put(c, &n, sc, strlen(sc)));
	cr_assert_leq(gd_mail_cache_bytes(c), max);
	cr_assert(!get(c, &a, ""), "then A");
	for (n.uid = 1; n.uid <= 5; n.uid++)
		cr_assert(get(c, &n, sc), "C's entries all kept: %u", n.uid);
	gd_mail_cache_free(&c);
}

Test(mail_cache, too_big_is_refused)
{
	struct gd_mail_cache *c = gd_mail_cache_new(1024);
	struct gd_mail_cache_key k = key("INBOX", 1);
	static char big[4096];

	cr_assert(!gd_mail_cache_put(c, &k, big, sizeof(big)));
	cr_assert(!get(c, &k, ""));
	cr_assert(gd_mail_cache_bytes(c) <= 1024);
	gd_mail_cache_clear(c);
	cr_assert_eq(gd_mail_cache_bytes(c), 0);
	gd_mail_cache_free(&c);
}

struct worker {
	struct gd_mail_cache *c;
	uint32_t base;
	int hits;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct gd_mail_cache_key k;
	struct got g;
	char want[32];
	uint32_t i;

	for (i = 0; i < 2000; i++) {
		k = key("INBOX", w->base + i % 200);
		snprintf(want, sizeof(want), "m%u", k.uid);
		if (gd_mail_cache_get(w->c, &k, copy_out, &g)) {
			if (g.len == strlen(want) &&
			    memcmp(g.buf, want, g.len) == 0)
				w->hits++;
		} else {
			gd_mail_cache_put(w->c, &k, want, strlen(want));
		}
	}
	return NULL;
}

Test(mail_cache, threads)
{
	struct gd_mail_cache *c = gd_mail_cache_new(1 << 20);
	struct worker w[4];
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ c, (uint32_t)(i % 2) * 100, 0 };
		cr_assert_eq(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_assert_geq(w[i].hits, 2000 - 300, "worker %d: %d hits", i,
		    w[i].hits);
	}
	gd_mail_cache_free(&c);
}
