/*
 * smtp-rdns.c — forward-confirmed reverse DNS of the client, through the
 * core's resolver (gumdrop/dns.h): the PTR name of the address, then
 * that name's A or AAAA records, which must contain the address.  Runs
 * before smtp.connect (bounded by `reverse-dns-timeout`), so every hook
 * can read the result.
 */
#include <string.h>

#include "smtp-private.h"

static void smtp_rdns_ptr_cb(const struct gd_dns_result *r, void *arg);
static void smtp_rdns_fwd_cb(const struct gd_dns_result *r, void *arg);

static void
smtp_rdns_done(struct smtp_session *s, enum gd_smtp_rdns status)
{
	s->rdns = status;
	s->rdns_query = NULL;
	if (status == GD_SMTP_RDNS_OK)
		s->rdns_name = s->ptr_name;
	smtp_connect_ready(s);
}

static enum gd_smtp_rdns
smtp_rdns_status(const struct gd_dns_result *r)
{
	return r->status == GD_DNS_NXDOMAIN || r->status == GD_DNS_NODATA ?
	    GD_SMTP_RDNS_NONE : GD_SMTP_RDNS_TEMPFAIL;
}

void
smtp_rdns_start(struct smtp_session *s)
{
	const struct sockaddr *sa;
	socklen_t len;

	sa = gd_conn_peer_addr(s->conn, &len);
	if (!s->cfg->reverse_dns || sa == NULL ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		s->rdns = GD_SMTP_RDNS_UNKNOWN;
		smtp_connect_ready(s);
		return;
	}
	s->rdns_query = gd_dns_reverse(gd_conn_loop(s->conn), sa,
	    s->cfg->reverse_dns_timeout_ms, smtp_rdns_ptr_cb, s);
}

static void
smtp_rdns_ptr_cb(const struct gd_dns_result *r, void *arg)
{
	struct smtp_session *s = arg;
	const struct sockaddr *sa;
	socklen_t len;

	s->rdns_query = NULL;
	if (r->status != GD_DNS_OK || r->count == 0) {
		smtp_rdns_done(s, smtp_rdns_status(r));
		return;
	}
	s->ptr_name = gd_pool_strdup(gd_conn_pool(s->conn), r->ptr[0]);
	sa = gd_conn_peer_addr(s->conn, &len);
	s->rdns_query = gd_dns_resolve(gd_conn_loop(s->conn), s->ptr_name,
	    sa->sa_family == AF_INET6 ? GD_DNS_AAAA : GD_DNS_A,
	    s->cfg->reverse_dns_timeout_ms, smtp_rdns_fwd_cb, s);
}

/* Does any address of the answer equal the peer's? */
static bool
smtp_rdns_match(struct smtp_session *s, const struct gd_dns_result *r)
{
	const struct sockaddr *sa;
	socklen_t len;
	size_t i;

	sa = gd_conn_peer_addr(s->conn, &len);
	for (i = 0; i < r->count; i++) {
		if (sa->sa_family == AF_INET && r->a != NULL &&
		    memcmp(&r->a[i], &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, 4) == 0)
			return true;
		if (sa->sa_family == AF_INET6 && r->aaaa != NULL &&
		    memcmp(&r->aaaa[i], &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, 16) == 0)
			return true;
	}
	return false;
}

static void
smtp_rdns_fwd_cb(const struct gd_dns_result *r, void *arg)
{
	struct smtp_session *s = arg;

	s->rdns_query = NULL;
	if (r->status != GD_DNS_OK) {
		smtp_rdns_done(s, r->status == GD_DNS_NXDOMAIN ||
		    r->status == GD_DNS_NODATA ? GD_SMTP_RDNS_MISMATCH :
		    GD_SMTP_RDNS_TEMPFAIL);
		return;
	}
	smtp_rdns_done(s, smtp_rdns_match(s, r) ? GD_SMTP_RDNS_OK :
	    GD_SMTP_RDNS_MISMATCH);
}

void
smtp_rdns_cancel(struct smtp_session *s)
{
	gd_dns_cancel(&s->rdns_query);
}
