/*
 * policy.c — the failure table shared by every worker: failures counted
 * per client address and per user name, remembered for the lockout time
 * after the last one, bounded in size (least recently failed dropped
 * first).  One mutex; every operation is a hash lookup.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/log.h>

#include "sasl-private.h"

#define POLICY_BUCKETS	4096
#define POLICY_KEY_MAX	256

struct policy_entry {
	struct policy_entry *hnext;		/* bucket chain */
	struct policy_entry *prev, *next;	/* LRU: head is newest */
	uint64_t last_ms;			/* last failure */
	uint64_t expire_ms;			/* forgotten after this */
	unsigned failures;
	uint32_t hash;
	char key[];				/* "i:ADDR" or "u:USER" */
};

static pthread_mutex_t policy_lock = PTHREAD_MUTEX_INITIALIZER;
static struct policy_entry *policy_buckets[POLICY_BUCKETS];
static struct policy_entry *policy_head, *policy_tail;
static size_t policy_count;
static bool policy_full_logged;

static uint32_t
policy_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

/* "i:ADDR" / "u:USER" into buf, long names cut to POLICY_KEY_MAX. */
static const char *
policy_key(char *buf, char kind, const char *value)
{
	size_t len = strlen(value);

	if (len > POLICY_KEY_MAX - 3)
		len = POLICY_KEY_MAX - 3;
	buf[0] = kind;
	buf[1] = ':';
	memcpy(buf + 2, value, len);	/* UNSAFE: len bounded above */
	buf[2 + len] = '\0';
	return buf;
}

static void
policy_unlink(struct policy_entry *e)
{
	struct policy_entry **p = &policy_buckets[e->hash % POLICY_BUCKETS];

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		policy_head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		policy_tail = e->prev;
	policy_count--;
	free(e);
}

/* Drop expired entries from the old end, and the oldest when full. */
static void
policy_trim(uint64_t now_ms)
{
	while (policy_tail != NULL && policy_tail->expire_ms <= now_ms)
		policy_unlink(policy_tail);
	if (policy_count < GD_SASL_POLICY_MAX)
		return;
	if (!policy_full_logged)
		gd_log(GD_LOG_WARNING, "auth.policy", "entries=%zu "
		    "reason=\"failure table full, forgetting the oldest "
		    "entries\"", policy_count);
	policy_full_logged = true;
	while (policy_count >= GD_SASL_POLICY_MAX)
		policy_unlink(policy_tail);
}

static struct policy_entry *
policy_find(const char *key, uint64_t now_ms)
{
	uint32_t h = policy_hash(key);
	struct policy_entry *e;

	for (e = policy_buckets[h % POLICY_BUCKETS]; e != NULL; e = e->hnext) {
		if (e->hash != h || strcmp(e->key, key) != 0)
			continue;
		if (e->expire_ms > now_ms)
			return e;
		policy_unlink(e);
		return NULL;
	}
	return NULL;
}

static void
policy_to_front(struct policy_entry *e)
{
	if (policy_head == e)
		return;
	e->prev->next = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		policy_tail = e->prev;
	e->prev = NULL;
	e->next = policy_head;
	policy_head->prev = e;
	policy_head = e;
}

static struct policy_entry *
policy_insert(const char *key, uint64_t now_ms)
{
	size_t len = strlen(key);
	struct policy_entry *e;

	policy_trim(now_ms);
	e = gd_xcalloc(1, sizeof(*e) + len + 1);
	memcpy(e->key, key, len + 1);
	e->hash = policy_hash(key);
	e->hnext = policy_buckets[e->hash % POLICY_BUCKETS];
	policy_buckets[e->hash % POLICY_BUCKETS] = e;
	e->next = policy_head;
	if (policy_head != NULL)
		policy_head->prev = e;
	policy_head = e;
	if (policy_tail == NULL)
		policy_tail = e;
	policy_count++;
	return e;
}

/* Count a failure for key; returns its failures so far. */
static unsigned
policy_add(const struct gd_sasl_settings *s, const char *key,
    uint64_t now_ms)
{
	struct policy_entry *e = policy_find(key, now_ms);

	if (e == NULL)
		e = policy_insert(key, now_ms);
	else
		policy_to_front(e);
	e->failures++;
	e->last_ms = now_ms;
	if (e->expire_ms < now_ms + s->lockout_ms)
		e->expire_ms = now_ms + s->lockout_ms;
	return e->failures;
}

static bool
policy_key_locked(const struct gd_sasl_settings *s, const char *key,
    uint64_t now_ms)
{
	struct policy_entry *e = policy_find(key, now_ms);

	return e != NULL && s->max_failures > 0 &&
	    e->failures >= s->max_failures &&
	    now_ms < e->last_ms + s->lockout_ms;
}

bool
gd_sasl_policy_locked(const struct gd_sasl_settings *s, const char *ip,
    const char *user, uint64_t now_ms)
{
	char key[POLICY_KEY_MAX];
	bool locked = false;

	pthread_mutex_lock(&policy_lock);
	if (ip != NULL)
		locked = policy_key_locked(s, policy_key(key, 'i', ip), now_ms);
	if (!locked && user != NULL)
		locked = policy_key_locked(s, policy_key(key, 'u', user),
		    now_ms);
	pthread_mutex_unlock(&policy_lock);
	return locked;
}

static uint64_t
policy_delay(const struct gd_sasl_settings *s, unsigned failures)
{
	uint64_t delay = s->delay_ms;

	while (--failures > 0 && delay < s->delay_max_ms)
		delay *= 2;
	return delay < s->delay_max_ms ? delay : s->delay_max_ms;
}

uint64_t
gd_sasl_policy_fail(const struct gd_sasl_settings *s, const char *ip,
    const char *user, uint64_t now_ms)
{
	char key[POLICY_KEY_MAX];
	unsigned n = 1, m;

	pthread_mutex_lock(&policy_lock);
	if (ip != NULL)
		n = policy_add(s, policy_key(key, 'i', ip), now_ms);
	if (user != NULL) {
		m = policy_add(s, policy_key(key, 'u', user), now_ms);
		n = m > n ? m : n;
	}
	pthread_mutex_unlock(&policy_lock);
	return s->delay_ms == 0 ? 0 : policy_delay(s, n);
}

void
gd_sasl_policy_success(const char *user)
{
	char key[POLICY_KEY_MAX];
	struct policy_entry *e;

	pthread_mutex_lock(&policy_lock);
	e = policy_find(policy_key(key, 'u', user), gd_now_ms());
	if (e != NULL)
		policy_unlink(e);
	pthread_mutex_unlock(&policy_lock);
}

size_t
gd_sasl_policy_count(void)
{
	size_t n;

	pthread_mutex_lock(&policy_lock);
	n = policy_count;
	pthread_mutex_unlock(&policy_lock);
	return n;
}

void
gd_sasl_policy_reset(void)
{
	pthread_mutex_lock(&policy_lock);
	while (policy_tail != NULL)
		policy_unlink(policy_tail);
	policy_full_logged = false;
	pthread_mutex_unlock(&policy_lock);
}
