/*
 * smtp-rdns.c — forward-confirmed reverse DNS of the client, through the
 * core's resolver (gumdrop/dns.h): the PTR names of the address, then
 * each name's A (IPv4 client) or AAAA (IPv6) records, asked in parallel.
 * The client is confirmed when any name's addresses contain its own;
 * that name is the session's verified name.  At most SMTP_RDNS_NAMES
 * PTR names are tried (like RFC 7208's limit for the "ptr" mechanism);
 * the whole check, PTR and forward lookups together, is bounded by
 * `reverse-dns-timeout`.  Runs before smtp.connect, so every hook can
 * read the result.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtp-private.h"

/* Most PTR names checked (RFC 7208 4.6.4: 10 for "ptr"). */
#define SMTP_RDNS_NAMES	10

/* One PTR name's forward lookup. */
struct smtp_rdns_fwd {
	struct smtp_rdns *check;
	struct gd_dns_query *query;
	char *name;			/* malloc'd */
};

/* The state of one check: malloc'd, freed when it ends, so that an idle
 * session keeps only the names it reports (conn pool). */
struct smtp_rdns {
	struct smtp_session *s;
	struct smtp_rdns_fwd fwd[SMTP_RDNS_NAMES];
	unsigned n, pending;
	bool tempfail;			/* a lookup failed, not "no" */
	uint8_t addr[16];		/* the peer, v4-mapped for IPv4 */
	uint64_t deadline_ms;		/* CLOCK_MONOTONIC */
};

/* The first 12 bytes of an IPv4-mapped IPv6 address (::ffff:0:0/96). */
static const uint8_t smtp_rdns_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

static void smtp_rdns_ptr_cb(const struct gd_dns_result *r, void *arg);
static void smtp_rdns_fwd_cb(const struct gd_dns_result *r, void *arg);

static uint64_t
smtp_rdns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Cancel the forward lookups still running and free the check. */
static void
smtp_rdns_free(struct smtp_rdns **cp)
{
	struct smtp_rdns *c = *cp;
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		gd_dns_cancel(&c->fwd[i].query);
		free(c->fwd[i].name);
	}
	free(c);
	*cp = NULL;
}

/* The check ended: `name` (the confirming one) is copied first. */
static void
smtp_rdns_done(struct smtp_session *s, enum gd_smtp_rdns status,
    const char *name)
{
	s->rdns = status;
	smtp_set(&s->rdns_name, status == GD_SMTP_RDNS_OK ? name : NULL);
	smtp_rdns_free(&s->rdns_check);
	smtp_connect_ready(s);
}

static bool
smtp_rdns_temporary(const struct gd_dns_result *r)
{
	return r->status != GD_DNS_OK && r->status != GD_DNS_NXDOMAIN &&
	    r->status != GD_DNS_NODATA;
}

void
smtp_rdns_start(struct smtp_session *s)
{
	const struct sockaddr *sa;
	struct smtp_rdns *c;
	socklen_t len;

	sa = gd_conn_peer_addr(s->conn, &len);
	if (!s->cfg->reverse_dns || sa == NULL ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		s->rdns = GD_SMTP_RDNS_UNKNOWN;
		smtp_connect_ready(s);
		return;
	}
	c = gd_xcalloc(1, sizeof(*c));
	c->s = s;
	(void)gd_cidr_addr_from_sockaddr(sa, c->addr);
	c->deadline_ms = smtp_rdns_now_ms() + s->cfg->reverse_dns_timeout_ms;
	s->rdns_check = c;
	s->rdns_query = gd_dns_reverse(gd_conn_loop(s->conn), sa,
	    s->cfg->reverse_dns_timeout_ms, smtp_rdns_ptr_cb, c);
}

/* What is left of the check's time (at least 1 ms: 0 means default). */
static uint64_t
smtp_rdns_left_ms(const struct smtp_rdns *c)
{
	uint64_t now = smtp_rdns_now_ms();

	return now + 1 >= c->deadline_ms ? 1 : c->deadline_ms - now;
}

static void
smtp_rdns_ptr_cb(const struct gd_dns_result *r, void *arg)
{
	struct smtp_rdns *c = arg;
	struct smtp_session *s = c->s;
	int rrtype;
	size_t i;

	s->rdns_query = NULL;
	if (r->status != GD_DNS_OK || r->count == 0) {
		smtp_rdns_done(s, smtp_rdns_temporary(r) ?
		    GD_SMTP_RDNS_TEMPFAIL : GD_SMTP_RDNS_NONE, NULL);
		return;
	}
	smtp_set(&s->ptr_name, r->ptr[0]);
	rrtype = memcmp(c->addr, smtp_rdns_v4mapped, 12) == 0 ? GD_DNS_A :
	    GD_DNS_AAAA;
	c->n = r->count < SMTP_RDNS_NAMES ? (unsigned)r->count :
	    SMTP_RDNS_NAMES;
	c->pending = c->n;
	for (i = 0; i < c->n; i++) {
		c->fwd[i].check = c;
		c->fwd[i].name = gd_xstrdup(r->ptr[i]);
		c->fwd[i].query = gd_dns_resolve(gd_conn_loop(s->conn),
		    c->fwd[i].name, rrtype, smtp_rdns_left_ms(c),
		    smtp_rdns_fwd_cb, &c->fwd[i]);
	}
}

/* Does any address of the answer equal the peer's? */
static bool
smtp_rdns_match(const struct smtp_rdns *c, const struct gd_dns_result *r)
{
	uint8_t a[16];
	size_t i;

	for (i = 0; i < r->count; i++) {
		if (r->a != NULL) {
			memcpy(a, smtp_rdns_v4mapped, 12);
			memcpy(a + 12, &r->a[i], 4);
		} else if (r->aaaa != NULL) {
			memcpy(a, &r->aaaa[i], 16);
		} else {
			return false;
		}
		if (memcmp(a, c->addr, 16) == 0)
			return true;
	}
	return false;
}

static void
smtp_rdns_fwd_cb(const struct gd_dns_result *r, void *arg)
{
	struct smtp_rdns_fwd *f = arg;
	struct smtp_rdns *c = f->check;

	f->query = NULL;
	c->pending--;
	if (r->status == GD_DNS_OK && smtp_rdns_match(c, r)) {
		smtp_rdns_done(c->s, GD_SMTP_RDNS_OK, f->name);
		return;
	}
	if (smtp_rdns_temporary(r))
		c->tempfail = true;
	if (c->pending == 0)
		smtp_rdns_done(c->s, c->tempfail ? GD_SMTP_RDNS_TEMPFAIL :
		    GD_SMTP_RDNS_MISMATCH, NULL);
}

void
smtp_rdns_cancel(struct smtp_session *s)
{
	gd_dns_cancel(&s->rdns_query);
	smtp_rdns_free(&s->rdns_check);
}
