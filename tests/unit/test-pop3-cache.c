/*
 * test-pop3-cache.c — modules/pop3's process-wide memories (pop3-cache.h):
 * the size cache (keyed by user, UIDVALIDITY and UID, checked against the
 * stored size, bounded with the oldest entry going first, safe from
 * several threads) and the LOGIN-DELAY memory (refuses until the delay
 * passed, bounded, forgets expired entries before live ones).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>

#include <criterion/criterion.h>

#include "pop3-cache.h"

Test(pop3_cache, hit_miss_and_stored_size_check)
{
	struct pop3_cache *c = pop3_cache_create(16);
	uint64_t v = 0;

	cr_assert_not(pop3_cache_get(c, "demo", 7, 1, 100, &v));
	pop3_cache_put(c, "demo", 7, 1, 100, 102);
	cr_assert(pop3_cache_get(c, "demo", 7, 1, 100, &v));
	cr_assert_eq(v, 102);
	/* A changed file is measured again. */
	cr_assert_not(pop3_cache_get(c, "demo", 7, 1, 101, &v));
	/* Another user, UIDVALIDITY or UID is another message. */
	cr_assert_not(pop3_cache_get(c, "alice", 7, 1, 100, &v));
	cr_assert_not(pop3_cache_get(c, "demo", 8, 1, 100, &v));
	cr_assert_not(pop3_cache_get(c, "demo", 7, 2, 100, &v));
	/* Updating keeps one entry. */
	pop3_cache_put(c, "demo", 7, 1, 101, 103);
	cr_assert_eq(pop3_cache_count(c), 1);
	cr_assert(pop3_cache_get(c, "demo", 7, 1, 101, &v));
	cr_assert_eq(v, 103);
	pop3_cache_free(&c);
	cr_assert_null(c);
	pop3_cache_free(&c);
}

Test(pop3_cache, bounded_oldest_goes_first)
{
	struct pop3_cache *c = pop3_cache_create(4);
	uint64_t v;
	uint32_t uid;

	for (uid = 1; uid <= 10; uid++)
		pop3_cache_put(c, "demo", 1, uid, uid, uid + 2);
	cr_assert_eq(pop3_cache_count(c), 4);
	for (uid = 1; uid <= 6; uid++)
		cr_assert_not(pop3_cache_get(c, "demo", 1, uid, uid, &v),
		    "uid %u kept", uid);
	for (uid = 7; uid <= 10; uid++) {
		cr_assert(pop3_cache_get(c, "demo", 1, uid, uid, &v),
		    "uid %u lost", uid);
		cr_assert_eq(v, uid + 2);
	}
	pop3_cache_free(&c);
}

static struct pop3_cache *shared;

static void *
putter(void *arg)
{
	char user[16];
	uint64_t v;
	uint32_t i;

	snprintf(user, sizeof(user), "u%ld", (long)(intptr_t)arg);
	for (i = 0; i < 5000; i++) {
		pop3_cache_put(shared, user, 1, i, i, i + 1);
		if (pop3_cache_get(shared, user, 1, i, i, &v) && v != i + 1)
			return (void *)1;
	}
	return NULL;
}

Test(pop3_cache, threads_share_it_within_the_bound)
{
	pthread_t t[4];
	void *ret;
	long i;

	shared = pop3_cache_create(1000);
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, putter, (void *)(intptr_t)i);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		cr_assert_null(ret, "thread %ld read a wrong size", i);
	}
	cr_assert_eq(pop3_cache_count(shared), 1000);
	pop3_cache_free(&shared);
}

Test(pop3_delay, refuses_until_the_delay_passed)
{
	struct pop3_delay *d = pop3_delay_create(8);

	cr_assert(pop3_delay_allowed(d, "demo", 100, 10));
	pop3_delay_record(d, "demo", 100, 10);
	cr_assert_not(pop3_delay_allowed(d, "demo", 105, 10));
	cr_assert_not(pop3_delay_allowed(d, "demo", 109, 10));
	cr_assert(pop3_delay_allowed(d, "demo", 110, 10));
	cr_assert(pop3_delay_allowed(d, "alice", 105, 10));
	/* A clock that went back does not lock the user out. */
	cr_assert(pop3_delay_allowed(d, "demo", 50, 10));
	pop3_delay_record(d, "demo", 120, 10);
	cr_assert_eq(pop3_delay_count(d), 1);
	cr_assert_not(pop3_delay_allowed(d, "demo", 125, 10));
	pop3_delay_free(&d);
	cr_assert_null(d);
}

Test(pop3_delay, bounded_expired_entries_go_first)
{
	struct pop3_delay *d = pop3_delay_create(2);

	pop3_delay_record(d, "a", 0, 10);
	pop3_delay_record(d, "b", 50, 10);
	/* Full: "a" has expired, so it goes, and "b" stays refused. */
	pop3_delay_record(d, "c", 55, 10);
	cr_assert_eq(pop3_delay_count(d), 2);
	cr_assert_not(pop3_delay_allowed(d, "b", 55, 10));
	cr_assert_not(pop3_delay_allowed(d, "c", 56, 10));
	/* Nothing expired: the oldest insertion goes. */
	pop3_delay_record(d, "e", 57, 10);
	cr_assert_eq(pop3_delay_count(d), 2);
	cr_assert_not(pop3_delay_allowed(d, "e", 58, 10));
	pop3_delay_free(&d);
}
