/*
 * dns-cache.c — each worker's cache of recent answers, in front of its
 * libunbound context.
 *
 * libunbound caches too, but every lookup still crosses to its
 * background thread and back through a pipe; a message checked by SPF,
 * DKIM and DMARC asks the same few names again and again, and that trip
 * was about a third of the SMTP session's CPU.  This cache answers on
 * the loop's own thread (still never inline: see dns.c).
 *
 * It keeps the ub_result as libunbound gave it, for its TTL (at most
 * DNS_CACHE_TTL_MAX), in a direct-mapped table of DNS_CACHE_SLOTS: a
 * new answer replaces whatever was in its slot.  Only answers that can
 * be kept are: no error, not bogus, a TTL above zero, NOERROR or
 * NXDOMAIN.  Keys are the query name (ASCII case-insensitive, a final
 * dot ignored) and type.  A worker's resolver keeps its settings until
 * restart, so the cache never outlives what it caches from.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <unbound.h>

#include <gumdrop/common.h>

#include "dns-private.h"

#define DNS_CACHE_SLOTS		512
#define DNS_CACHE_TTL_MAX	3600

struct dns_cache_slot {
	char *name;
	int rrtype;
	double expires;
	struct ub_result *ub;
};

struct dns_cache {
	struct dns_cache_slot slot[DNS_CACHE_SLOTS];
	uint64_t hits;
};

/* The name's length without a final dot (the root stays "."). */
static size_t
dns_cache_name_len(const char *name)
{
	size_t len = strlen(name);

	return len > 1 && name[len - 1] == '.' ? len - 1 : len;
}

static size_t
dns_cache_index(const char *name, int rrtype)
{
	size_t len = dns_cache_name_len(name), i;
	uint32_t h = 2166136261u ^ (uint32_t)rrtype;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 16777619u;
	}
	return h % DNS_CACHE_SLOTS;
}

static void
dns_cache_slot_clear(struct dns_cache_slot *s)
{
	free(s->name);
	if (s->ub != NULL)
		ub_resolve_free(s->ub);
	memset(s, 0, sizeof(*s));
}

struct dns_cache *
dns_cache_create(void)
{
	return gd_xcalloc(1, sizeof(struct dns_cache));
}

void
dns_cache_free(struct dns_cache **cp)
{
	size_t i;

	if (*cp == NULL)
		return;
	for (i = 0; i < DNS_CACHE_SLOTS; i++)
		dns_cache_slot_clear(&(*cp)->slot[i]);
	free(*cp);
	*cp = NULL;
}

static bool
dns_cache_same(const struct dns_cache_slot *s, const char *name,
    int rrtype)
{
	return s->name != NULL && s->rrtype == rrtype &&
	    gd_dns_name_eq(s->name, name);
}

struct ub_result *
dns_cache_get(struct dns_cache *c, const char *name, int rrtype,
    double now)
{
	struct dns_cache_slot *s = &c->slot[dns_cache_index(name, rrtype)];

	if (!dns_cache_same(s, name, rrtype))
		return NULL;
	if (now >= s->expires) {
		dns_cache_slot_clear(s);
		return NULL;
	}
	c->hits++;
	return s->ub;
}

bool
dns_cache_put(struct dns_cache *c, const char *name, int rrtype,
    struct ub_result *ub, double now)
{
	struct dns_cache_slot *s;
	int ttl = ub->ttl < DNS_CACHE_TTL_MAX ? ub->ttl : DNS_CACHE_TTL_MAX;

	if (ub->bogus || ttl <= 0 || (ub->rcode != 0 && ub->rcode != 3))
		return false;
	s = &c->slot[dns_cache_index(name, rrtype)];
	dns_cache_slot_clear(s);
	s->name = gd_xstrndup(name, dns_cache_name_len(name));
	s->rrtype = rrtype;
	s->expires = now + ttl;
	s->ub = ub;
	return true;
}

uint64_t
dns_cache_hits(const struct dns_cache *c)
{
	return c != NULL ? c->hits : 0;
}
