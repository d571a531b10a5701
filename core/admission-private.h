/*
 * admission-private.h — per-listener admission policy.
 *
 * Before a single byte is written to a freshly accepted socket, the
 * listener asks gd_admission_check() whether the peer may connect.  The
 * checks, in order:
 *
 *   1. deny list: a peer matching any deny network is refused;
 *   2. allow list: if non-empty, the peer must match one entry;
 *   3. max-connections: live connections on this listener (all workers);
 *   4. max-connections-per-ip: live connections from this address, counted
 *      across all workers;
 *   5. rate: at most `rate_connections` admitted connections per address
 *      per fixed window of `rate_window_ms` (the window restarts with the
 *      first connection after the previous one expired).
 *
 * Non-IP peers (AF_UNIX) are local: only check 3 applies to them.
 *
 * One struct gd_admission exists per listener and is shared by all
 * worker threads; every function is thread-safe (one mutex guards the
 * per-IP table and the policy pointer).  The time is passed in by the
 * caller (gd_now_ms() in production, a fake clock in tests).
 */
#ifndef GD_ADMISSION_PRIVATE_H
#define GD_ADMISSION_PRIVATE_H

#include <sys/socket.h>

#include <gumdrop/common.h>

#include "cidr-private.h"

struct gd_admission;

/*
 * The limits of one listener.  0 means "no limit" for every counter (and
 * rate_connections == 0 disables rate limiting).  `allow` and `deny` are
 * malloc'd arrays, owned by the policy once it is handed over.
 */
struct gd_admission_policy {
	struct gd_cidr *allow;
	size_t allow_count;
	struct gd_cidr *deny;
	size_t deny_count;
	unsigned max_connections;
	unsigned max_per_ip;
	unsigned rate_connections;
	uint64_t rate_window_ms;
};

/*
 * Create the admission state with `policy` (ownership moves to the new
 * object; `policy` must come from gd_xcalloc or similar and may not be
 * NULL).  Never returns NULL.  Main thread.
 */
struct gd_admission *gd_admission_create(struct gd_admission_policy *policy);

/*
 * Free the state, its table and its policy; sets *adm to NULL.  NULL is a
 * no-op.  Main thread, once no worker can call in any more.
 */
void gd_admission_destroy(struct gd_admission **adm);

/* Free a policy that was never handed over; sets *policy to NULL. */
void gd_admission_policy_free(struct gd_admission_policy **policy);

/*
 * Swap in a new policy (ownership moves; the old one is freed).  The
 * switch is atomic for concurrent checks; live connections and counters
 * are untouched, so lowering a limit only affects new connections.  Any
 * thread.
 */
void gd_admission_set_policy(struct gd_admission *adm,
    struct gd_admission_policy *policy);

/*
 * Decide whether the peer `peer` may connect at time `now_ms`.  Returns 0
 * when admitted: the connection is now counted and the caller must call
 * gd_admission_release() with the same address when it closes.  Returns
 * -1 when refused, with *reason_r set to a static text for the log
 * ("denied by deny list", "not in allow list", "listener connection limit
 * reached", "per-ip connection limit reached", "connection rate limit
 * exceeded"); nothing is counted then.  Any thread.
 */
int gd_admission_check(struct gd_admission *adm, const struct sockaddr *peer,
    uint64_t now_ms, const char **reason_r);

/*
 * Forget one admitted connection from `peer` (decrements the listener and
 * per-IP counters).  Any thread.
 */
void gd_admission_release(struct gd_admission *adm,
    const struct sockaddr *peer);

/* Live connections admitted and not yet released.  Any thread. */
unsigned gd_admission_count(struct gd_admission *adm);

/*
 * Per-IP entries currently kept (live connections or an unexpired rate
 * window), after discarding the ones expired at `now_ms`.  For tests and
 * statistics.  Any thread.
 */
size_t gd_admission_tracked(struct gd_admission *adm, uint64_t now_ms);

#endif /* GD_ADMISSION_PRIVATE_H */
