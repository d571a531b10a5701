/*
 * dns.c — per-loop asynchronous resolvers on libunbound.
 *
 * Each worker loop owns one ub_ctx in threaded async mode; libunbound
 * resolves on its own background thread and signals answers through a
 * pipe (ub_fd) that we watch with an ev_io, calling ub_process() on the
 * loop thread, so every libunbound callback, and thus every user
 * callback, runs on the loop that asked.  Deadlines are ev_timers; on
 * expiry the libunbound query is cancelled (its callback then never
 * runs) and TIMEOUT is delivered instead.
 *
 * CNAMEs: libunbound answers a name that local data (a zone file) has
 * as a CNAME with the alias alone (NODATA, canonname = its target); a
 * recursive resolver would go on to the target.  We do: an answer
 * without data whose canonical name is another name is asked again for
 * that name, at most DNS_CNAME_MAX times per lookup (a loop ends there,
 * as an error), all within the lookup's one deadline.  The caller gets
 * the last name's answer, with that name as canonname.  Over the
 * network the resolver has followed the chain already; a NODATA there
 * costs one more (cached) question.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <ev.h>
#include <unbound.h>

#include <gumdrop/common.h>
#include <gumdrop/config.h>
#include <gumdrop/dns.h>
#include <gumdrop/log.h>
#include <gumdrop/loop.h>
#include <gumdrop/pool.h>
#include "dns-private.h"
#include "dns-zone-private.h"

#define DNS_QUERY_MAGIC		0x444e5351U	/* "DNSQ" */
#define DNS_THREAD_MAGIC	0x444e5354U	/* "DNST" */
#define DNS_MAX_TIMEOUT_MS	(10 * 60 * 1000)
#define DNS_CNAME_MAX		8	/* CNAMEs followed per lookup */
#define DNS_TYPE_CNAME		5
#define DNS_CNAME_ERROR		"CNAME chain over 8 names (or a loop)"

enum dns_query_state {
	DNS_Q_PENDING = 1,	/* with libunbound, or early error queued */
	DNS_Q_DELIVERING,	/* inside the user callback */
};

struct dns_settings {
	char **forwarders;	/* "IP" or "IP@port", as libunbound takes */
	char *trust_anchor_file;
	bool dnssec;
	char **local_zones;	/* pairs: zone, type */
	char **local_data;
	char **local_where;	/* per local_data: "FILE:LINE" or NULL */
	uint64_t timeout_ms;
};

struct dns_thread {
	uint32_t magic;
	struct gd_loop *loop;
	struct ev_loop *ev;
	struct ub_ctx *ctx;
	ev_io io;
	struct gd_dns_query *queries;	/* pending, doubly linked */
	uint64_t timeout_ms;
	struct dns_cache *cache;	/* recent answers (dns-cache.c) */
};

struct gd_dns_query {
	uint32_t magic;
	enum dns_query_state state;
	struct dns_thread *thr;		/* NULL: no resolver on this loop */
	struct ev_loop *ev;
	struct gd_dns_query *prev, *next;
	ev_timer timer;
	int async_id;
	bool ub_active;			/* libunbound may still answer */
	const char *early_error;	/* delivered by the zero timer */
	struct gd_pool *cached_pool;	/* a cached answer, delivered by */
	struct gd_dns_result cached;	/* the zero timer too */
	int rrtype;
	char *name;			/* as asked */
	char *cur;			/* asked now (a CNAME's target) */
	unsigned hops;			/* CNAMEs followed */
	gd_dns_fn *cb;
	void *arg;
};

static const struct gd_config_key dns_keys[] = {
	{ "forwarders", GD_CONFIG_KEY_STRINGS, "/etc/resolv.conf", 0, 0,
	    "upstream resolvers, \"IP\" or \"IP@port\"" },
	{ "trust-anchor-file", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "DNSSEC trust anchor file (DS/DNSKEY records)" },
	{ "dnssec", GD_CONFIG_KEY_BOOL, "true", 0, 0,
	    "validate answers when a trust anchor is given" },
	{ "local-data", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "records answered locally, e.g. \"a.example. IN A 192.0.2.1\"" },
	{ "local-zones", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "\"ZONE TYPE\" pairs, e.g. \"example.com. static\"" },
	{ "zone-files", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "RFC 1035 master files answered locally (static zones)" },
	{ "timeout", GD_CONFIG_KEY_DURATION, "5s", 1, DNS_MAX_TIMEOUT_MS,
	    "default deadline of a lookup" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static struct dns_settings *dns_settings;
static pthread_once_t dns_clash_once = PTHREAD_ONCE_INIT;
static bool dns_clash;
static __thread struct dns_thread *dns_current;

static char **dns_strv_dup(const char *const *v);
static void dns_strv_free(char **v);
static void dns_settings_free(struct dns_settings **s);
static int dns_check_forwarder(const char *fwd);
static int dns_split_zone(const char *text, char **zone_r, char **type_r);
static int dns_ctx_base(struct ub_ctx *ctx, const struct dns_settings *s,
    int *what_r, int *err_r);
static struct ub_ctx *dns_ctx_create(const struct dns_settings *s,
    const char **error_r);
static int dns_configure_check(const struct gd_config_node *sect,
    const struct dns_settings *s, const char **error_r);
static int dns_configure_check_static(const struct gd_config_node *sect,
    const struct dns_settings *s, const char **error_r);
static int dns_configure_check_local(struct ub_ctx *ctx,
    const struct gd_config_node *sect, const struct dns_settings *s,
    const char **error_r);
static int dns_configure_read(const struct gd_config_node *sect,
    struct dns_settings *s, const char **error_r);
static bool dns_has_zone(char *const *zones, size_t n, const char *zone);
static void dns_settings_add_zone(struct dns_settings *s,
    const struct gd_dns_zone *zone);
static int dns_configure_zone_files(const struct gd_config_node *sect,
    struct dns_settings *s, const char **error_r);
static void dns_io_cb(struct ev_loop *ev, ev_io *w, int revents);
static void dns_timer_cb(struct ev_loop *ev, ev_timer *w, int revents);
static void dns_ub_cb(void *arg, int err, struct ub_result *ub);
static void dns_fill_result(const struct gd_dns_query *q,
    struct gd_pool *pool, struct ub_result *ub,
    struct gd_dns_result *res);
static void dns_deliver(struct gd_dns_query *q, struct gd_dns_result *res);
static void dns_query_free(struct gd_dns_query *q);
static void dns_unlink(struct gd_dns_query *q);
static void dns_result_init(const struct gd_dns_query *q,
    struct gd_dns_result *res);
static struct gd_dns_query *dns_query_new(struct gd_loop *loop,
    const char *name, int rrtype, gd_dns_fn *cb, void *arg);
static void dns_fail_later(struct gd_dns_query *q, const char *error);
static void dns_clash_check(void);
static void dns_ask(struct gd_dns_query *q);
static const char *dns_cname_target(const struct gd_dns_query *q,
    const struct ub_result *ub);
static bool dns_cname_step(struct gd_dns_query *q, const char *target);
static void dns_follow(struct gd_dns_query *q, struct ub_result *ub);

/*
 * libev exports libevent-compatible event_*() functions.  libunbound
 * built on libevent (Debian's is) then binds to whichever event_set()
 * comes first in the lookup order; if that is libev's, libunbound
 * corrupts its heap on the first query.  Detect it and refuse to
 * resolve (safely, with an error result) instead.  Fixed by linking
 * libevent before libev.
 */
#ifdef GD_LINK_LIBEVENT
/*
 * libevent's, declared here because libevent-dev need not be installed.
 * Referencing it keeps libevent among libgumdrop's dependencies, ahead of
 * libev (configure.ac explains why that order matters).
 */
const char *event_get_version(void);
#endif

static void
dns_clash_check(void)
{
	Dl_info info;
	void *sym;

#ifdef GD_LINK_LIBEVENT
	gd_log(GD_LOG_DEBUG, "dns.libevent", "version=%s",
	    event_get_version());
#endif
	/* A libevent-only symbol: is real libevent loaded at all? */
	if (dlsym(RTLD_DEFAULT, "event_base_new_with_config") == NULL)
		return;
	sym = dlsym(RTLD_DEFAULT, "event_set");
	if (sym == NULL || dladdr(sym, &info) == 0 || info.dli_fname == NULL)
		return;
	if (strstr(info.dli_fname, "libev.so") != NULL) {
		dns_clash = true;
		gd_log(GD_LOG_ERROR, "dns.disabled", "reason=\"libunbound "
		    "would bind to libev's libevent-compatible event_set(); "
		    "link libevent before libev\" file=%s", info.dli_fname);
	}
}

/* ---- settings --------------------------------------------------------- */

static char **
dns_strv_dup(const char *const *v)
{
	size_t i, n = 0;
	char **r;

	while (v != NULL && v[n] != NULL)
		n++;
	r = gd_xcalloc(n + 1, sizeof(*r));
	for (i = 0; i < n; i++)
		r[i] = gd_xstrdup(v[i]);
	return r;
}

static void
dns_strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
dns_settings_free(struct dns_settings **s)
{
	size_t i;

	if (*s == NULL)
		return;
	dns_strv_free((*s)->forwarders);
	dns_strv_free((*s)->local_zones);
	if ((*s)->local_where != NULL)
		for (i = 0; (*s)->local_data[i] != NULL; i++)
			free((*s)->local_where[i]);
	free((*s)->local_where);
	dns_strv_free((*s)->local_data);
	free((*s)->trust_anchor_file);
	free(*s);
	*s = NULL;
}

/* "IP" or "IP@port"; returns 0 when libunbound will take it. */
static int
dns_check_forwarder(const char *fwd)
{
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char buf[sizeof(struct in6_addr)];
	const char *at = strrchr(fwd, '@');
	size_t alen = at != NULL ? (size_t)(at - fwd) : strlen(fwd);
	char *end;
	long port;

	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, fwd, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, buf) != 1 &&
	    inet_pton(AF_INET6, addr, buf) != 1)
		return -1;
	if (at == NULL)
		return 0;
	errno = 0;
	port = strtol(at + 1, &end, 10);
	if (at[1] == '\0' || *end != '\0' || errno != 0 || port < 1 ||
	    port > 65535)
		return -1;
	return 0;
}

/* "example.com. static" -> "example.com.", "static" (malloc'd). */
static int
dns_split_zone(const char *text, char **zone_r, char **type_r)
{
	const char *sp, *type;

	sp = strpbrk(text, " \t");
	if (sp == NULL || sp == text)
		return -1;
	type = sp + strspn(sp, " \t");
	if (*type == '\0' || strpbrk(type, " \t") != NULL)
		return -1;
	*zone_r = gd_xstrndup(text, (size_t)(sp - text));
	*type_r = gd_xstrdup(type);
	return 0;
}

/*
 * Apply everything that must come before the context is finalized (the
 * first zone/data addition finalizes it).  On failure *what_r tells
 * which step failed (0 forwarder index.., -1 trust anchor, -2 other).
 */
static int
dns_ctx_base(struct ub_ctx *ctx, const struct dns_settings *s, int *what_r,
    int *err_r)
{
	size_t i;

	*what_r = -2;
	if ((*err_r = ub_ctx_async(ctx, 1)) != 0)
		return -1;
	if (!s->dnssec &&
	    (*err_r = ub_ctx_set_option(ctx, "module-config:",
	    "iterator")) != 0)
		return -1;
	for (i = 0; s->forwarders[i] != NULL; i++) {
		*what_r = (int)i;
		if ((*err_r = ub_ctx_set_fwd(ctx, s->forwarders[i])) != 0)
			return -1;
	}
	/* No forwarders: the system's resolvers; recursion if unreadable. */
	if (i == 0)
		(void)ub_ctx_resolvconf(ctx, NULL);
	/*
	 * Forwarders named in the configuration are asked even on loopback
	 * (a local cache, a test's server): libunbound refuses those by
	 * default.
	 */
	else if ((*err_r = ub_ctx_set_option(ctx, "do-not-query-localhost:",
	    "no")) != 0)
		return -1;
	*what_r = -1;
	if (s->dnssec && s->trust_anchor_file != NULL &&
	    (*err_r = ub_ctx_add_ta_file(ctx, s->trust_anchor_file)) != 0)
		return -1;
	return 0;
}

static struct ub_ctx *
dns_ctx_create(const struct dns_settings *s, const char **error_r)
{
	struct ub_ctx *ctx;
	int what, err = 0;
	size_t i;

	ctx = ub_ctx_create();
	if (ctx == NULL) {
		*error_r = "dns: cannot create resolver context";
		return NULL;
	}
	if (dns_ctx_base(ctx, s, &what, &err) < 0)
		goto fail;
	for (i = 0; s->local_zones[i] != NULL; i += 2) {
		err = ub_ctx_zone_add(ctx, s->local_zones[i],
		    s->local_zones[i + 1]);
		if (err != 0)
			goto fail;
	}
	for (i = 0; s->local_data[i] != NULL; i++) {
		if ((err = ub_ctx_data_add(ctx, s->local_data[i])) != 0)
			goto fail;
	}
	return ctx;
fail:
	*error_r = "dns: cannot set up the resolver (settings rejected)";
	ub_ctx_delete(ctx);
	return NULL;
}

static int
dns_configure_read(const struct gd_config_node *sect,
    struct dns_settings *s, const char **error_r)
{
	const char *const *fwd, *const *zones, *const *data;
	const char *ta;
	size_t i, nzones;

	if (gd_config_get_strings(sect, "forwarders", &fwd, NULL,
	    error_r) < 0 ||
	    gd_config_get_string(sect, "trust-anchor-file", NULL, &ta,
	    error_r) < 0 ||
	    gd_config_get_bool(sect, "dnssec", true, &s->dnssec,
	    error_r) < 0 ||
	    gd_config_get_strings(sect, "local-zones", &zones, &nzones,
	    error_r) < 0 ||
	    gd_config_get_strings(sect, "local-data", &data, NULL,
	    error_r) < 0 ||
	    gd_config_get_duration(sect, "timeout",
	    GD_DNS_DEFAULT_TIMEOUT_MS, 1, DNS_MAX_TIMEOUT_MS,
	    &s->timeout_ms, error_r) < 0)
		return -1;
	s->forwarders = dns_strv_dup(fwd);
	s->local_data = dns_strv_dup(data);
	for (i = 0; s->local_data[i] != NULL; i++)
		;
	s->local_where = gd_xcalloc(i + 1, sizeof(char *));
	s->trust_anchor_file = gd_xstrdup(ta);
	s->local_zones = gd_xcalloc(2 * nzones + 1, sizeof(char *));
	for (i = 0; i < nzones; i++) {
		if (dns_split_zone(zones[i], &s->local_zones[2 * i],
		    &s->local_zones[2 * i + 1]) < 0) {
			*error_r = gd_config_error(gd_config_get(sect,
			    "local-zones"), "expected \"ZONE TYPE\", got "
			    "'%s'", zones[i]);
			return -1;
		}
	}
	return dns_configure_zone_files(sect, s, error_r);
}

static bool
dns_has_zone(char *const *zones, size_t n, const char *zone)
{
	size_t i;

	for (i = 0; i < n; i += 2)
		if (strcasecmp(zones[i], zone) == 0)
			return true;
	return false;
}

/*
 * Append a zone file's records to the local data and its apexes to the
 * local zones as "static", unless `local-zones` already names them.
 */
static void
dns_settings_add_zone(struct dns_settings *s, const struct gd_dns_zone *zone)
{
	size_t i, nd = 0, nz = 0;

	while (s->local_data[nd] != NULL)
		nd++;
	while (s->local_zones[nz] != NULL)
		nz++;
	s->local_data = gd_xrealloc(s->local_data,
	    (nd + zone->nrecords + 1) * sizeof(char *));
	s->local_where = gd_xrealloc(s->local_where,
	    (nd + zone->nrecords + 1) * sizeof(char *));
	for (i = 0; i < zone->nrecords; i++, nd++) {
		s->local_data[nd] = gd_xstrdup(zone->records[i].text);
		s->local_where[nd] = gd_xstrdup(gd_pool_printf(zone->pool,
		    "%s:%u", zone->records[i].file, zone->records[i].line));
	}
	s->local_data[nd] = s->local_where[nd] = NULL;
	s->local_zones = gd_xrealloc(s->local_zones,
	    (nz + 2 * zone->nzones + 1) * sizeof(char *));
	for (i = 0; i < zone->nzones; i++) {
		if (dns_has_zone(s->local_zones, nz, zone->zones[i]))
			continue;
		s->local_zones[nz++] = gd_xstrdup(zone->zones[i]);
		s->local_zones[nz++] = gd_xstrdup("static");
	}
	s->local_zones[nz] = NULL;
}

/* `zone-files`: each read into the local data, errors FILE:LINE. */
static int
dns_configure_zone_files(const struct gd_config_node *sect,
    struct dns_settings *s, const char **error_r)
{
	const char *const *files, *error;
	struct gd_dns_zone *zone;
	size_t i;

	if (gd_config_get_strings(sect, "zone-files", &files, NULL,
	    error_r) < 0)
		return -1;
	for (i = 0; files != NULL && files[i] != NULL; i++) {
		zone = gd_dns_zone_create();
		if (gd_dns_zone_load(zone, files[i], NULL, &error) < 0) {
			*error_r = gd_config_error(gd_config_get(sect,
			    "zone-files"), "%s", error);
			gd_dns_zone_destroy(&zone);
			return -1;
		}
		dns_settings_add_zone(s, zone);
		gd_dns_zone_destroy(&zone);
	}
	return 0;
}

/* Checks that need no resolver: forwarder syntax, anchor readable. */
static int
dns_configure_check_static(const struct gd_config_node *sect,
    const struct dns_settings *s, const char **error_r)
{
	const struct gd_config_node *n;
	size_t i;
	int fd;

	for (i = 0; s->forwarders[i] != NULL; i++) {
		if (dns_check_forwarder(s->forwarders[i]) < 0) {
			*error_r = gd_config_error(gd_config_get(sect,
			    "forwarders"), "expected \"IP\" or \"IP@port\", "
			    "got '%s'", s->forwarders[i]);
			return -1;
		}
	}
	n = gd_config_get(sect, "trust-anchor-file");
	if (s->trust_anchor_file != NULL && !s->dnssec) {
		*error_r = gd_config_error(n, "given, but dnssec is false");
		return -1;
	}
	if (s->trust_anchor_file != NULL) {
		fd = open(s->trust_anchor_file, O_RDONLY);
		if (fd < 0) {
			*error_r = gd_config_error(n, "cannot read '%s': %s",
			    s->trust_anchor_file, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* Local zones and data, one at a time to name the refused entry. */
static int
dns_configure_check_local(struct ub_ctx *ctx,
    const struct gd_config_node *sect, const struct dns_settings *s,
    const char **error_r)
{
	const struct gd_config_node *n;
	size_t i;
	int err;

	n = gd_config_get(sect, "local-zones");
	for (i = 0; s->local_zones[i] != NULL; i += 2) {
		err = ub_ctx_zone_add(ctx, s->local_zones[i],
		    s->local_zones[i + 1]);
		if (err != 0) {
			*error_r = gd_config_error(n, "bad local zone "
			    "'%s %s': %s", s->local_zones[i],
			    s->local_zones[i + 1], ub_strerror(err));
			return -1;
		}
	}
	n = gd_config_get(sect, "local-data");
	for (i = 0; s->local_data[i] != NULL; i++) {
		if ((err = ub_ctx_data_add(ctx, s->local_data[i])) == 0)
			continue;
		if (s->local_where[i] != NULL)
			*error_r = gd_config_error(gd_config_get(sect,
			    "zone-files"), "%s: record refused by "
			    "libunbound (%s): %s", s->local_where[i],
			    ub_strerror(err), s->local_data[i]);
		else
			*error_r = gd_config_error(n, "bad local data '%s': "
			    "%s", s->local_data[i], ub_strerror(err));
		return -1;
	}
	return 0;
}

/*
 * Try every setting on a scratch context so that what libunbound
 * refuses is reported now, with FILE:LINE, rather than on a worker.
 */
static int
dns_configure_check(const struct gd_config_node *sect,
    const struct dns_settings *s, const char **error_r)
{
	const struct gd_config_node *ta, *n;
	struct ub_ctx *ctx;
	int what, err = 0;

	if (dns_configure_check_static(sect, s, error_r) < 0)
		return -1;
	ctx = ub_ctx_create();
	if (ctx == NULL) {
		*error_r = "dns: cannot create resolver context";
		return -1;
	}
	ta = gd_config_get(sect, "trust-anchor-file");
	if (dns_ctx_base(ctx, s, &what, &err) < 0) {
		n = what == -1 ? ta : gd_config_get(sect, "forwarders");
		*error_r = gd_config_error(n != NULL ? n : sect,
		    "rejected by libunbound: %s", ub_strerror(err));
		ub_ctx_delete(ctx);
		return -1;
	}
	if (dns_configure_check_local(ctx, sect, s, error_r) < 0) {
		ub_ctx_delete(ctx);
		return -1;
	}
	/*
	 * Finalizing loads the trust anchor; removing a name that cannot
	 * exist finalizes without changing anything.
	 */
	err = ub_ctx_zone_remove(ctx, "gumdrop-check.invalid.");
	ub_ctx_delete(ctx);
	if (err != 0) {
		*error_r = gd_config_error(ta != NULL ? ta : sect,
		    "resolver set-up failed: %s", ub_strerror(err));
		return -1;
	}
	return 0;
}

int
gd_dns_configure(const struct gd_config_node *root, const char **error_r)
{
	const struct gd_config_node *sect = gd_config_get(root, "dns");
	struct dns_settings *s;

	if (sect != NULL && gd_config_node_is_null(sect))
		sect = NULL;
	if (gd_config_validate(sect, dns_keys, error_r) < 0)
		return -1;
	s = gd_xcalloc(1, sizeof(*s));
	if (dns_configure_read(sect, s, error_r) < 0 ||
	    dns_configure_check(sect, s, error_r) < 0) {
		dns_settings_free(&s);
		return -1;
	}
	dns_settings_free(&dns_settings);
	dns_settings = s;
	return 0;
}

void
gd_dns_shutdown(void)
{
	dns_settings_free(&dns_settings);
}

/* ---- per-thread resolver ---------------------------------------------- */

int
gd_dns_thread_init(struct gd_loop *loop, const char **error_r)
{
	static char *const empty[] = { NULL };
	struct dns_settings defaults = {
		(char **)empty, NULL, true, (char **)empty, (char **)empty,
		NULL, GD_DNS_DEFAULT_TIMEOUT_MS,
	};
	const struct dns_settings *s;
	struct dns_thread *thr;
	int fd;

	assert(dns_current == NULL);
	s = dns_settings != NULL ? dns_settings : &defaults;
	thr = gd_xcalloc(1, sizeof(*thr));
	thr->magic = DNS_THREAD_MAGIC;
	thr->loop = loop;
	thr->ev = gd_loop_ev(loop);
	thr->timeout_ms = s->timeout_ms;
	pthread_once(&dns_clash_once, dns_clash_check);
	if (dns_clash) {
		/* Queries fail cleanly; see dns_clash_check(). */
		dns_current = thr;
		return 0;
	}
	thr->ctx = dns_ctx_create(s, error_r);
	if (thr->ctx == NULL) {
		free(thr);
		return -1;
	}
	fd = ub_fd(thr->ctx);
	if (fd < 0) {
		*error_r = "dns: resolver has no fd";
		ub_ctx_delete(thr->ctx);
		free(thr);
		return -1;
	}
	thr->cache = dns_cache_create();
	ev_io_init(&thr->io, dns_io_cb, fd, EV_READ);
	thr->io.data = thr;
	ev_io_start(thr->ev, &thr->io);
	dns_current = thr;
	return 0;
}

void
gd_dns_thread_fini(struct gd_loop *loop)
{
	struct dns_thread *thr = dns_current;
	struct gd_dns_query *q;

	if (thr == NULL)
		return;
	GD_CHECK_MAGIC(thr, DNS_THREAD_MAGIC);
	assert(thr->loop == loop);
	if (thr->ctx != NULL)
		ev_io_stop(thr->ev, &thr->io);
	while ((q = thr->queries) != NULL) {
		if (q->ub_active)
			(void)ub_cancel(thr->ctx, q->async_id);
		dns_query_free(q);
	}
	/* Joins libunbound's background thread. */
	if (thr->ctx != NULL)
		ub_ctx_delete(thr->ctx);
	dns_cache_free(&thr->cache);
	thr->magic = 0;
	free(thr);
	dns_current = NULL;
}

static void
dns_io_cb(struct ev_loop *ev, ev_io *w, int revents)
{
	struct dns_thread *thr = w->data;
	int err;

	(void)ev;
	(void)revents;
	err = ub_process(thr->ctx);
	if (err != 0)
		gd_log(GD_LOG_WARNING, "dns.process", "reason=\"%s\"",
		    ub_strerror(err));
}

/* ---- queries ---------------------------------------------------------- */

static void
dns_unlink(struct gd_dns_query *q)
{
	if (q->thr == NULL)
		return;
	if (q->prev != NULL)
		q->prev->next = q->next;
	else if (q->thr->queries == q)
		q->thr->queries = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
}

static void
dns_query_free(struct gd_dns_query *q)
{
	ev_timer_stop(q->ev, &q->timer);
	dns_unlink(q);
	gd_pool_destroy(&q->cached_pool);
	free(q->name);
	free(q->cur);
	q->magic = 0;
	free(q);
}

static void
dns_result_init(const struct gd_dns_query *q, struct gd_dns_result *res)
{
	memset(res, 0, sizeof(*res));
	res->name = q->name;
	res->rrtype = q->rrtype;
	res->rcode = -1;
	res->status = GD_DNS_ERROR;
}

static void
dns_deliver(struct gd_dns_query *q, struct gd_dns_result *res)
{
	ev_timer_stop(q->ev, &q->timer);
	dns_unlink(q);
	q->state = DNS_Q_DELIVERING;
	q->cb(res, q->arg);
	dns_query_free(q);
}

static void
dns_fill_result(const struct gd_dns_query *q, struct gd_pool *pool,
    struct ub_result *ub, struct gd_dns_result *res)
{
	const char *error;

	res->rcode = ub->rcode;
	res->ttl = ub->ttl > 0 ? (uint32_t)ub->ttl : 0;
	if (ub->canonname != NULL)
		res->canonname = gd_pool_strdup(pool, ub->canonname);
	else if (q->hops > 0)
		res->canonname = gd_pool_strdup(pool, q->cur);
	if (ub->secure)
		res->security = GD_DNS_SECURE;
	else if (ub->bogus) {
		res->security = GD_DNS_BOGUS;
		res->why_bogus = gd_pool_strdup(pool, ub->why_bogus != NULL ?
		    ub->why_bogus : "validation failed");
	}
	if (ub->rcode == 0 && ub->havedata) {
		if (gd_dns_parse_records(pool, res->rrtype, ub->data,
		    ub->len, res, &error) < 0) {
			res->status = GD_DNS_ERROR;
			res->error = error;
			res->count = 0;
		} else
			res->status = GD_DNS_OK;
	} else if (ub->rcode == 0)
		res->status = GD_DNS_NODATA;
	else if (ub->rcode == 3 || ub->nxdomain)
		res->status = GD_DNS_NXDOMAIN;
	else if (ub->rcode == 2) {
		res->status = GD_DNS_SERVFAIL;
		res->error = res->why_bogus != NULL ? res->why_bogus :
		    "server failure";
	} else {
		res->status = GD_DNS_ERROR;
		res->error = gd_pool_printf(pool, "rcode %d", ub->rcode);
	}
}

/* The CNAME target to ask next after `ub` (the answer for q->cur), or
 * NULL when `ub` is the final answer. */
static const char *
dns_cname_target(const struct gd_dns_query *q, const struct ub_result *ub)
{
	if (q->rrtype == DNS_TYPE_CNAME || ub->rcode != 0 || ub->havedata ||
	    ub->canonname == NULL || gd_dns_name_eq(ub->canonname, q->cur))
		return NULL;
	return ub->canonname;
}

/* Move q on to `target` (copied).  False when DNS_CNAME_MAX were
 * followed already: the lookup then fails. */
static bool
dns_cname_step(struct gd_dns_query *q, const char *target)
{
	char *next;

	if (q->hops == DNS_CNAME_MAX)
		return false;
	q->hops++;
	next = gd_xstrdup(target);
	free(q->cur);
	q->cur = next;
	return true;
}

/* From dns_ub_cb: `ub` is a CNAME to follow (the cache keeps it, or
 * it is freed here). */
static void
dns_follow(struct gd_dns_query *q, struct ub_result *ub)
{
	char *target = gd_xstrdup(dns_cname_target(q, ub));
	bool ok;

	if (!dns_cache_put(q->thr->cache, q->cur, q->rrtype, ub,
	    ev_now(q->ev)))
		ub_resolve_free(ub);
	ok = dns_cname_step(q, target);
	free(target);
	if (ok)
		dns_ask(q);
	else
		dns_fail_later(q, DNS_CNAME_ERROR);
}

/* libunbound's answer, inside ub_process() on the loop thread. */
static void
dns_ub_cb(void *arg, int err, struct ub_result *ub)
{
	struct gd_dns_query *q = arg;
	struct gd_dns_result res;
	struct gd_pool *pool;

	GD_CHECK_MAGIC(q, DNS_QUERY_MAGIC);
	q->ub_active = false;
	if (err == 0 && ub != NULL && dns_cname_target(q, ub) != NULL) {
		dns_follow(q, ub);
		return;
	}
	pool = gd_pool_create("dns-result");
	dns_result_init(q, &res);
	if (err != 0 || ub == NULL) {
		res.status = err == UB_SERVFAIL ? GD_DNS_SERVFAIL :
		    GD_DNS_ERROR;
		res.error = ub_strerror(err);
	} else {
		dns_fill_result(q, pool, ub, &res);
		/* Kept by the cache, it stays valid through the callback. */
		if (dns_cache_put(q->thr->cache, q->cur, q->rrtype, ub,
		    ev_now(q->ev)))
			ub = NULL;
	}
	dns_deliver(q, &res);
	gd_pool_destroy(&pool);
	if (ub != NULL)
		ub_resolve_free(ub);
}

static void
dns_timer_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct gd_dns_query *q = w->data;
	struct gd_dns_result res;

	(void)ev;
	(void)revents;
	GD_CHECK_MAGIC(q, DNS_QUERY_MAGIC);
	if (q->cached_pool != NULL) {
		dns_deliver(q, &q->cached);	/* frees the pool with q */
		return;
	}
	dns_result_init(q, &res);
	if (q->early_error != NULL) {
		res.error = q->early_error;
	} else {
		if (q->ub_active)
			(void)ub_cancel(q->thr->ctx, q->async_id);
		q->ub_active = false;
		res.status = GD_DNS_TIMEOUT;
		res.error = "timed out";
	}
	dns_deliver(q, &res);
}

static struct gd_dns_query *
dns_query_new(struct gd_loop *loop, const char *name, int rrtype,
    gd_dns_fn *cb, void *arg)
{
	struct dns_thread *thr = dns_current;
	struct gd_dns_query *q;

	assert(loop != NULL && name != NULL && cb != NULL);
	/* Timers and the resolver belong to the loop's thread. */
	if (gd_loop_current() != loop)
		gd_fatal("dns lookup of %s started off its loop's thread",
		    name);
	q = gd_xcalloc(1, sizeof(*q));
	q->magic = DNS_QUERY_MAGIC;
	q->state = DNS_Q_PENDING;
	q->name = gd_xstrdup(name);
	q->rrtype = rrtype;
	q->cb = cb;
	q->arg = arg;
	ev_init(&q->timer, dns_timer_cb);
	q->timer.data = q;
	if (thr == NULL) {
		/* gd_dns_thread_init() did not run on this loop. */
		q->ev = gd_loop_ev(loop);
		return q;
	}
	q->thr = thr;
	q->ev = thr->ev;
	q->next = thr->queries;
	if (q->next != NULL)
		q->next->prev = q;
	thr->queries = q;
	return q;
}

/* Failures are reported from the loop, never inline. */
static void
dns_fail_later(struct gd_dns_query *q, const char *error)
{
	q->early_error = error;
	ev_timer_stop(q->ev, &q->timer);
	ev_timer_set(&q->timer, 0., 0.);
	ev_timer_start(q->ev, &q->timer);
}

/* A cached answer, also from the loop: the result is made now (the
 * cache may drop the answer before the timer fires). */
static void
dns_answer_later(struct gd_dns_query *q, struct ub_result *ub)
{
	q->cached_pool = gd_pool_create("dns-result");
	dns_result_init(q, &q->cached);
	dns_fill_result(q, q->cached_pool, ub, &q->cached);
	ev_timer_stop(q->ev, &q->timer);
	ev_timer_set(&q->timer, 0., 0.);
	ev_timer_start(q->ev, &q->timer);
}

/*
 * Ask for q->cur: from the cache (a cached CNAME is followed at once),
 * else from libunbound.  The deadline timer is running.
 */
static void
dns_ask(struct gd_dns_query *q)
{
	const char *target;
	struct ub_result *ub;
	int err;

	while ((ub = dns_cache_get(q->thr->cache, q->cur, q->rrtype,
	    ev_now(q->ev))) != NULL) {
		if ((target = dns_cname_target(q, ub)) == NULL) {
			dns_answer_later(q, ub);
			return;
		}
		if (!dns_cname_step(q, target)) {
			dns_fail_later(q, DNS_CNAME_ERROR);
			return;
		}
	}
	err = ub_resolve_async(q->thr->ctx, q->cur, q->rrtype, 1, q,
	    dns_ub_cb, &q->async_id);
	if (err != 0)
		dns_fail_later(q, ub_strerror(err));
	else
		q->ub_active = true;
}

uint64_t
gd_dns_cache_hits(void)
{
	return dns_current != NULL ? dns_cache_hits(dns_current->cache) : 0;
}

struct gd_dns_query *
gd_dns_resolve(struct gd_loop *loop, const char *name, int rrtype,
    uint64_t timeout_ms, gd_dns_fn *cb, void *arg)
{
	struct gd_dns_query *q;

	q = dns_query_new(loop, name, rrtype, cb, arg);
	if (q->thr == NULL) {
		dns_fail_later(q, "no resolver on this loop");
		return q;
	}
	if (q->thr->ctx == NULL) {
		dns_fail_later(q, "resolver disabled (libev/libevent clash)");
		return q;
	}
	if (rrtype < 1 || rrtype > 65535) {
		dns_fail_later(q, "bad record type");
		return q;
	}
	if (timeout_ms == 0)
		timeout_ms = q->thr->timeout_ms;
	ev_timer_set(&q->timer, (ev_tstamp)timeout_ms / 1000., 0.);
	ev_timer_start(q->ev, &q->timer);
	q->cur = gd_xstrdup(name);
	dns_ask(q);
	return q;
}

struct gd_dns_query *
gd_dns_reverse(struct gd_loop *loop, const struct sockaddr *addr,
    uint64_t timeout_ms, gd_dns_fn *cb, void *arg)
{
	char name[GD_DNS_REVERSE_MAX];
	struct gd_dns_query *q;

	if (addr != NULL && gd_dns_reverse_name(addr, name,
	    sizeof(name)) == 0)
		return gd_dns_resolve(loop, name, GD_DNS_PTR, timeout_ms, cb,
		    arg);
	q = dns_query_new(loop, "", GD_DNS_PTR, cb, arg);
	dns_fail_later(q, "unsupported address family");
	return q;
}

void
gd_dns_cancel(struct gd_dns_query **qp)
{
	struct gd_dns_query *q = *qp;

	if (q == NULL)
		return;
	*qp = NULL;
	GD_CHECK_MAGIC(q, DNS_QUERY_MAGIC);
	/* From inside its own callback: freed when the callback returns. */
	if (q->state == DNS_Q_DELIVERING)
		return;
	if (q->ub_active)
		(void)ub_cancel(q->thr->ctx, q->async_id);
	q->ub_active = false;
	dns_query_free(q);
}

const char *
gd_dns_status_str(enum gd_dns_status status)
{
	switch (status) {
	case GD_DNS_OK:
		return "ok";
	case GD_DNS_NXDOMAIN:
		return "nxdomain";
	case GD_DNS_NODATA:
		return "nodata";
	case GD_DNS_SERVFAIL:
		return "servfail";
	case GD_DNS_TIMEOUT:
		return "timeout";
	case GD_DNS_ERROR:
		return "error";
	}
	return "unknown";
}
