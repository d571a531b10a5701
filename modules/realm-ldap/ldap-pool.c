/*
 * ldap-pool.c — a bounded pool of LDAP connections shared by the blocking
 * pool's threads.  A connection is used by one thread at a time; it is
 * opened when first needed and closed when an operation on it times out
 * or finds it dropped (the caller then retries once on a fresh one: this
 * is the health check, and how a restarted server is picked up).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "ldap-private.h"

void
ldap_pool_init(struct ldap_pool *p, const struct ldap_conf *conf)
{
	pthread_condattr_t attr;

	memset(p, 0, sizeof(*p));
	p->conf = conf;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &attr);
	pthread_condattr_destroy(&attr);
}

void
ldap_pool_deinit(struct ldap_pool *p)
{
	unsigned i;

	for (i = 0; i < LDAP_POOL_MAX; i++) {
		if (p->slot[i].ld != NULL)
			ldap_unbind_ext_s(p->slot[i].ld, NULL, NULL);
		p->slot[i].ld = NULL;
	}
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

/* A free slot, preferring an open connection; NULL if all are busy. */
static struct ldap_slot *
ldap_pool_free_slot(struct ldap_pool *p)
{
	struct ldap_slot *closed = NULL;
	unsigned i;

	for (i = 0; i < p->conf->pool_size; i++) {
		if (p->slot[i].busy)
			continue;
		if (p->slot[i].ld != NULL)
			return &p->slot[i];
		if (closed == NULL)
			closed = &p->slot[i];
	}
	return closed;
}

struct ldap_slot *
ldap_pool_get(struct ldap_pool *p)
{
	struct ldap_slot *s;
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += p->conf->op_timeout.tv_sec;
	until.tv_nsec += p->conf->op_timeout.tv_usec * 1000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	while ((s = ldap_pool_free_slot(p)) == NULL && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&p->cond, &p->lock, &until);
	if (s != NULL)
		s->busy = true;
	pthread_mutex_unlock(&p->lock);
	return s;
}

void
ldap_pool_put(struct ldap_pool *p, struct ldap_slot *s, bool broken)
{
	LDAP *ld = NULL;

	pthread_mutex_lock(&p->lock);
	if (broken) {
		ld = s->ld;
		s->ld = NULL;
		s->service_bound = false;
	}
	s->busy = false;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	/* Outside the lock: an unbind writes to the socket. */
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
}
