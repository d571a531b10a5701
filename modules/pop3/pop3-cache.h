/*
 * pop3-cache.h — the pop3 module's process-wide memories (internal
 * header): the POP3 sizes already computed, and when each user last
 * logged in (LOGIN-DELAY).  Both are bounded in entries, thread-safe
 * (one mutex each: the blocking pool's threads and the worker loops use
 * them), and loop-safe (memory only, no I/O).
 */
#ifndef POP3_CACHE_H
#define POP3_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Sizes.  A message's POP3 size (pop3_size_of() of its content) keyed
 * by (user, UIDVALIDITY, UID), which names one immutable message for
 * good; the stored size is kept too and must match on lookup, so a
 * changed file is measured again.  When full, the oldest entry goes
 * (insertion order).
 */
struct pop3_cache;

/* A cache of at most `max` entries (>= 1). */
struct pop3_cache *pop3_cache_create(size_t max);
/* Free it and set *c NULL.  NULL is a no-op. */
void pop3_cache_free(struct pop3_cache **c);

/* True and *pop3_size_r when known for this stored size. */
bool pop3_cache_get(struct pop3_cache *c, const char *user,
    uint32_t uidvalidity, uint32_t uid, uint64_t stored_size,
    uint64_t *pop3_size_r);
/* Remember (or update) an entry. */
void pop3_cache_put(struct pop3_cache *c, const char *user,
    uint32_t uidvalidity, uint32_t uid, uint64_t stored_size,
    uint64_t pop3_size);
/* Entries held now. */
size_t pop3_cache_count(struct pop3_cache *c);

/*
 * LOGIN-DELAY: when each user last logged in (seconds, any clock the
 * caller uses consistently).  At most `max` users; when full, entries
 * older than the delay are forgotten first, then the oldest.
 */
struct pop3_delay;

struct pop3_delay *pop3_delay_create(size_t max);
void pop3_delay_free(struct pop3_delay **d);

/*
 * May `user` log in at time `now` with a delay of `delay` seconds?  True
 * when never seen or when at least `delay` seconds passed since the last
 * login recorded.  Does not record.
 */
bool pop3_delay_allowed(struct pop3_delay *d, const char *user,
    uint64_t now, uint32_t delay);
/* Record a login of `user` at `now`; `delay` guides the pruning. */
void pop3_delay_record(struct pop3_delay *d, const char *user,
    uint64_t now, uint32_t delay);
size_t pop3_delay_count(struct pop3_delay *d);

#endif
