/*
 * admission.c — per-listener allow/deny lists, connection limits and
 * per-IP rate limiting, shared by all worker threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "admission-private.h"

#define GD_ADMISSION_BUCKETS	1024

/* One address we track: live connections and its current rate window. */
struct gd_admission_ip {
	struct gd_admission_ip *next;
	uint8_t addr[16];
	unsigned conns;
	unsigned window_count;
	uint64_t window_start;
};

struct gd_admission {
	pthread_mutex_t lock;
	struct gd_admission_policy *policy;
	unsigned conns;
	size_t tracked;
	uint64_t last_sweep;
	struct gd_admission_ip *buckets[GD_ADMISSION_BUCKETS];
};

static unsigned
gd_admission_hash(const uint8_t addr[16])
{
	uint32_t h = 2166136261u;
	unsigned i;

	for (i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h % GD_ADMISSION_BUCKETS;
}

static bool
gd_admission_ip_expired(const struct gd_admission *adm,
    const struct gd_admission_ip *ip, uint64_t now_ms)
{
	if (ip->conns > 0)
		return false;
	return adm->policy->rate_connections == 0 ||
	    now_ms - ip->window_start >= adm->policy->rate_window_ms;
}

/* Unlink idle entries of one chain.  Lock held. */
static void
gd_admission_sweep_chain(struct gd_admission *adm, unsigned b,
    uint64_t now_ms)
{
	struct gd_admission_ip **pp = &adm->buckets[b], *ip;

	while ((ip = *pp) != NULL) {
		if (gd_admission_ip_expired(adm, ip, now_ms)) {
			*pp = ip->next;
			free(ip);
			adm->tracked--;
		} else {
			pp = &ip->next;
		}
	}
}

/*
 * Drop every expired entry, at most once per rate window (and at most once
 * a second) unless forced.  Lock held.
 */
static void
gd_admission_sweep(struct gd_admission *adm, uint64_t now_ms, bool force)
{
	uint64_t every = adm->policy->rate_window_ms;
	unsigned b;

	if (every < 1000)
		every = 1000;
	if (!force && now_ms - adm->last_sweep < every)
		return;
	adm->last_sweep = now_ms;
	for (b = 0; b < GD_ADMISSION_BUCKETS; b++)
		gd_admission_sweep_chain(adm, b, now_ms);
}

/* Find the entry for `addr`, creating it when `create`.  Lock held. */
static struct gd_admission_ip *
gd_admission_lookup(struct gd_admission *adm, const uint8_t addr[16],
    bool create)
{
	unsigned b = gd_admission_hash(addr);
	struct gd_admission_ip *ip;

	for (ip = adm->buckets[b]; ip != NULL; ip = ip->next) {
		if (memcmp(ip->addr, addr, 16) == 0)
			return ip;
	}
	if (!create)
		return NULL;
	ip = gd_xcalloc(1, sizeof(*ip));
	memcpy(ip->addr, addr, 16);
	ip->next = adm->buckets[b];
	adm->buckets[b] = ip;
	adm->tracked++;
	return ip;
}

struct gd_admission *
gd_admission_create(struct gd_admission_policy *policy)
{
	struct gd_admission *adm = gd_xcalloc(1, sizeof(*adm));

	assert(policy != NULL);
	pthread_mutex_init(&adm->lock, NULL);
	adm->policy = policy;
	return adm;
}

void
gd_admission_policy_free(struct gd_admission_policy **policy)
{
	if (*policy == NULL)
		return;
	free((*policy)->allow);
	free((*policy)->deny);
	free(*policy);
	*policy = NULL;
}

void
gd_admission_destroy(struct gd_admission **admp)
{
	struct gd_admission *adm = *admp;
	struct gd_admission_ip *ip;
	unsigned b;

	if (adm == NULL)
		return;
	for (b = 0; b < GD_ADMISSION_BUCKETS; b++) {
		while ((ip = adm->buckets[b]) != NULL) {
			adm->buckets[b] = ip->next;
			free(ip);
		}
	}
	gd_admission_policy_free(&adm->policy);
	pthread_mutex_destroy(&adm->lock);
	free(adm);
	*admp = NULL;
}

void
gd_admission_set_policy(struct gd_admission *adm,
    struct gd_admission_policy *policy)
{
	struct gd_admission_policy *old;

	assert(policy != NULL);
	pthread_mutex_lock(&adm->lock);
	old = adm->policy;
	adm->policy = policy;
	pthread_mutex_unlock(&adm->lock);
	gd_admission_policy_free(&old);
}

/* The IP-based checks (deny, allow, per-IP, rate).  Lock held. */
static int
gd_admission_check_ip(struct gd_admission *adm, const uint8_t addr[16],
    uint64_t now_ms, const char **reason_r)
{
	const struct gd_admission_policy *p = adm->policy;
	struct gd_admission_ip *ip;

	if (gd_cidr_match_list(p->deny, p->deny_count, addr)) {
		*reason_r = "denied by deny list";
		return -1;
	}
	if (p->allow_count > 0 &&
	    !gd_cidr_match_list(p->allow, p->allow_count, addr)) {
		*reason_r = "not in allow list";
		return -1;
	}
	if (p->max_connections > 0 && adm->conns >= p->max_connections) {
		*reason_r = "listener connection limit reached";
		return -1;
	}
	gd_admission_sweep(adm, now_ms, false);
	ip = gd_admission_lookup(adm, addr, true);
	if (p->max_per_ip > 0 && ip->conns >= p->max_per_ip) {
		*reason_r = "per-ip connection limit reached";
		return -1;
	}
	if (p->rate_connections > 0) {
		if (ip->window_count == 0 ||
		    now_ms - ip->window_start >= p->rate_window_ms) {
			ip->window_start = now_ms;
			ip->window_count = 0;
		}
		if (ip->window_count >= p->rate_connections) {
			*reason_r = "connection rate limit exceeded";
			return -1;
		}
		ip->window_count++;
	}
	ip->conns++;
	return 0;
}

int
gd_admission_check(struct gd_admission *adm, const struct sockaddr *peer,
    uint64_t now_ms, const char **reason_r)
{
	const struct gd_admission_policy *p;
	uint8_t addr[16];
	int ret = 0;

	pthread_mutex_lock(&adm->lock);
	p = adm->policy;
	if (gd_cidr_addr_from_sockaddr(peer, addr) == 0) {
		ret = gd_admission_check_ip(adm, addr, now_ms, reason_r);
	} else if (p->max_connections > 0 && adm->conns >= p->max_connections) {
		*reason_r = "listener connection limit reached";
		ret = -1;
	}
	if (ret == 0)
		adm->conns++;
	pthread_mutex_unlock(&adm->lock);
	return ret;
}

void
gd_admission_release(struct gd_admission *adm, const struct sockaddr *peer)
{
	struct gd_admission_ip *ip;
	uint8_t addr[16];

	pthread_mutex_lock(&adm->lock);
	assert(adm->conns > 0);
	adm->conns--;
	if (gd_cidr_addr_from_sockaddr(peer, addr) == 0) {
		ip = gd_admission_lookup(adm, addr, false);
		assert(ip != NULL && ip->conns > 0);
		if (ip != NULL && ip->conns > 0)
			ip->conns--;
	}
	pthread_mutex_unlock(&adm->lock);
}

unsigned
gd_admission_count(struct gd_admission *adm)
{
	unsigned n;

	pthread_mutex_lock(&adm->lock);
	n = adm->conns;
	pthread_mutex_unlock(&adm->lock);
	return n;
}

size_t
gd_admission_tracked(struct gd_admission *adm, uint64_t now_ms)
{
	size_t n;

	pthread_mutex_lock(&adm->lock);
	gd_admission_sweep(adm, now_ms, true);
	n = adm->tracked;
	pthread_mutex_unlock(&adm->lock);
	return n;
}
