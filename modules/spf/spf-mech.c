/*
 * spf-mech.c — the mechanisms of RFC 7208 section 5, evaluated against
 * the check's answer cache, with the section 4.6.4 limits: DNS-querying
 * terms and void lookups counted here, 10 MX names, 10 PTR names; and
 * the validated name of %{p} (section 7.3, 5.5).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "spf-eval-private.h"


static int
spf_addr_type(const struct gd_spf_check *c)
{
	return c->ip.family == AF_INET ? SPF_RR_A : SPF_RR_AAAA;
}

void
spf_mech_macro_ctx(const struct gd_spf_check *c, const char *domain,
    struct spf_macro_ctx *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->sender = c->sender;
	mc->local = c->local;
	mc->sender_domain = c->sender_domain;
	mc->domain = domain;
	mc->ip = &c->ip;
	mc->helo = c->helo;
	mc->receiver = c->receiver;
	mc->now = c->now;
}

/* True when `name` is `domain` or a subdomain of it (dots ignored at
 * the ends, any case). */
static bool
spf_name_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n < d || strncasecmp(name + n - d, domain, d) != 0)
		return false;
	return n == d || name[n - d - 1] == '.';
}

/* Does one of the addresses of `e` hold the client's address? */
static bool
spf_addrs_match(const struct gd_spf_check *c, const struct spf_cached *e,
    int bits)
{
	size_t i;

	for (i = 0; e->status == GD_SPF_DNS_OK && i < e->count; i++)
		if (spf_ip_match(&c->ip, (const uint8_t *)e->data[i], bits))
			return true;
	return false;
}

/* Which validated name a walk looks for (section 5.5, 7.3). */
enum spf_pick { SPF_PICK_EQUAL, SPF_PICK_UNDER, SPF_PICK_ANY };

struct spf_ptr_pick {
	enum spf_pick mode;
	const char *domain;
	const char *found;
};

static bool
spf_ptr_wanted(const char *name, struct spf_ptr_pick *p)
{
	size_t n = strlen(name), d = strlen(p->domain);

	if (p->mode == SPF_PICK_ANY)
		return true;
	if (!spf_name_under(name, p->domain))
		return false;
	return p->mode == SPF_PICK_UNDER || n == d || n == d + 1;
}

/*
 * Walk the validated names of section 5.5: of the first 10 PTR names,
 * those whose addresses hold the client's, in order, until one is
 * wanted (p->found is set then).  SPF_MATCH, SPF_NOMATCH or SPF_NEED.
 * DNS errors leave a name (or all) unvalidated, never an error.
 */
static int
spf_ptr_walk(struct gd_spf_check *c, struct spf_ptr_pick *p)
{
	const struct spf_cached *ptr, *e;
	int bits = c->ip.family == AF_INET ? 32 : 128;
	char arpa[80];
	bool need = false;
	size_t i;

	spf_ip_arpa(&c->ip, arpa, sizeof(arpa));
	if ((ptr = spf_dns_get(c, arpa, SPF_RR_PTR)) == NULL)
		return SPF_NEED;
	for (i = 0; ptr->status == GD_SPF_DNS_OK && i < ptr->count &&
	    i < SPF_MAX_PTR_NAMES; i++) {
		e = spf_dns_get(c, ptr->data[i], spf_addr_type(c));
		if (e == NULL) {
			need = true;
			continue;
		}
		if (!need && spf_addrs_match(c, e, bits) &&
		    spf_ptr_wanted(ptr->data[i], p)) {
			p->found = ptr->data[i];
			return SPF_MATCH;
		}
	}
	return need ? SPF_NEED : SPF_NOMATCH;
}

/* %{p}: the domain itself if validated, else a subdomain of it, else
 * any validated name, else "unknown".  SPF_MATCH or SPF_NEED. */
static int
spf_ptr_macro(struct gd_spf_check *c, const char *domain, const char **p_r)
{
	struct spf_ptr_pick p = { SPF_PICK_EQUAL, domain, NULL };
	int r;

	*p_r = "unknown";
	for (; p.mode <= SPF_PICK_ANY; p.mode++) {
		if ((r = spf_ptr_walk(c, &p)) == SPF_NEED)
			return SPF_NEED;
		if (r == SPF_MATCH) {
			*p_r = p.found;
			break;
		}
	}
	return SPF_MATCH;
}

int
spf_mech_target(struct gd_spf_check *c, const char *spec,
    const char *domain, char *out)
{
	struct spf_macro_ctx mc;
	int n;

	if (spec == NULL) {
		snprintf(out, SPF_EXPAND_MAX, "%s", domain);
		return SPF_MATCH;
	}
	spf_mech_macro_ctx(c, domain, &mc);
	if (spf_macro_uses_p(spec) &&
	    spf_ptr_macro(c, domain, &mc.ptr) == SPF_NEED)
		return SPF_NEED;
	n = spf_macro_expand(spec, &mc, false, true, out);
	if (n < 0) {
		c->problem = "bad macro";
		return GD_SPF_PERMERROR;
	}
	return SPF_MATCH;
}

/* Count a DNS-querying term (section 4.6.4). */
static int
spf_count_term(struct gd_spf_check *c)
{
	if (++c->terms <= SPF_MAX_DNS_TERMS)
		return 0;
	c->problem = "more than 10 DNS-querying terms";
	return -1;
}

/* The status of a term's own lookup: TEMPERROR, PERMERROR (one void
 * lookup too many), SPF_NOMATCH (void) or 0 (records). */
static int
spf_lookup_status(struct gd_spf_check *c, const struct spf_cached *e)
{
	if (e->status == GD_SPF_DNS_TEMPFAIL) {
		c->problem = "DNS error";
		return GD_SPF_TEMPERROR;
	}
	if (e->status == GD_SPF_DNS_OK)
		return 0;
	if (++c->voids > SPF_MAX_VOID) {
		c->problem = "more than 2 void lookups";
		return GD_SPF_PERMERROR;
	}
	return SPF_NOMATCH;
}

static int
spf_mech_a(struct gd_spf_check *c, const struct spf_term *t,
    const char *target)
{
	const struct spf_cached *e;
	int r;

	if (!spf_domain_valid(target))
		return SPF_NOMATCH;
	if ((e = spf_dns_get(c, target, spf_addr_type(c))) == NULL)
		return SPF_NEED;
	if ((r = spf_lookup_status(c, e)) != 0)
		return r;
	return spf_addrs_match(c, e, c->ip.family == AF_INET ? t->cidr4 :
	    t->cidr6) ? SPF_MATCH : SPF_NOMATCH;
}

/* The addresses of each MX host (at most 10 hosts), asked at once. */
static int
spf_mx_hosts(struct gd_spf_check *c, const struct spf_term *t,
    const struct spf_cached *mx)
{
	int bits = c->ip.family == AF_INET ? t->cidr4 : t->cidr6;
	const struct spf_cached *e;
	bool need = false;
	size_t i;

	for (i = 0; i < mx->count; i++) {
		if (strcmp(mx->data[i], ".") == 0 ||
		    !spf_domain_valid(mx->data[i]))
			continue;
		if ((e = spf_dns_get(c, mx->data[i], spf_addr_type(c))) ==
		    NULL) {
			need = true;
			continue;
		}
		if (need)
			continue;
		if (e->status == GD_SPF_DNS_TEMPFAIL) {
			c->problem = "DNS error";
			return GD_SPF_TEMPERROR;
		}
		if (spf_addrs_match(c, e, bits))
			return SPF_MATCH;
	}
	return need ? SPF_NEED : SPF_NOMATCH;
}

static int
spf_mech_mx(struct gd_spf_check *c, const struct spf_term *t,
    const char *target)
{
	const struct spf_cached *mx;
	int r;

	if (!spf_domain_valid(target))
		return SPF_NOMATCH;
	if ((mx = spf_dns_get(c, target, SPF_RR_MX)) == NULL)
		return SPF_NEED;
	if ((r = spf_lookup_status(c, mx)) != 0)
		return r;
	if (mx->count > SPF_MAX_MX_NAMES) {
		c->problem = "more than 10 MX names";
		return GD_SPF_PERMERROR;
	}
	return spf_mx_hosts(c, t, mx);
}

static int
spf_mech_exists(struct gd_spf_check *c, const char *target)
{
	const struct spf_cached *e;
	int r;

	if (!spf_domain_valid(target))
		return SPF_NOMATCH;
	if ((e = spf_dns_get(c, target, SPF_RR_A)) == NULL)
		return SPF_NEED;
	if ((r = spf_lookup_status(c, e)) != 0)
		return r;
	return SPF_MATCH;
}

static int
spf_mech_include(struct gd_spf_check *c, const char *target, int depth)
{
	int r = spf_check_host(c, target, depth + 1);

	switch (r) {
	case SPF_NEED:
	case GD_SPF_TEMPERROR:
	case GD_SPF_PERMERROR:
		return r;
	case GD_SPF_PASS:
		return SPF_MATCH;
	case GD_SPF_NONE:
		c->problem = "include of a domain without SPF record";
		return GD_SPF_PERMERROR;
	default:
		return SPF_NOMATCH;
	}
}

static int
spf_mech_ip(const struct gd_spf_check *c, const struct spf_term *t)
{
	int family = t->mech == SPF_MECH_IP4 ? AF_INET : AF_INET6;

	if (c->ip.family != family)
		return SPF_NOMATCH;
	return spf_ip_match(&c->ip, t->addr, family == AF_INET ? t->cidr4 :
	    t->cidr6) ? SPF_MATCH : SPF_NOMATCH;
}

/* The terms that need DNS: count, expand the target, evaluate. */
static int
spf_mech_dns(struct gd_spf_check *c, const struct spf_term *t,
    const char *domain, int depth)
{
	char target[SPF_EXPAND_MAX];
	struct spf_ptr_pick p = { SPF_PICK_UNDER, target, NULL };
	int r;

	if (spf_count_term(c) < 0)
		return GD_SPF_PERMERROR;
	if ((r = spf_mech_target(c, t->domain, domain, target)) != SPF_MATCH)
		return r;
	switch (t->mech) {
	case SPF_MECH_INCLUDE: return spf_mech_include(c, target, depth);
	case SPF_MECH_A: return spf_mech_a(c, t, target);
	case SPF_MECH_MX: return spf_mech_mx(c, t, target);
	case SPF_MECH_EXISTS: return spf_mech_exists(c, target);
	default: return spf_ptr_walk(c, &p);
	}
}

int
spf_mech_eval(struct gd_spf_check *c, const struct spf_term *t,
    const char *domain, int depth)
{
	switch (t->mech) {
	case SPF_MECH_ALL:
		return SPF_MATCH;
	case SPF_MECH_IP4:
	case SPF_MECH_IP6:
		return spf_mech_ip(c, t);
	default:
		return spf_mech_dns(c, t, domain, depth);
	}
}
