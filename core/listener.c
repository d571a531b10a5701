/*
 * listener.c — `listeners:` configuration, listening sockets, per-worker
 * accept watchers and admission of new connections.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gumdrop/log.h>

#include "admission-private.h"
#include "conn-private.h"
#include "listener-private.h"

#define GD_LISTENER_ACCEPT_BATCH	64
#define GD_LISTENER_PAUSE_S		0.1

struct gd_listener {
	struct gd_listener *next;
	char *name;
	char *address;		/* as written, for logs */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int backlog;
	const struct gd_conn_params *params;
	struct gd_admission *adm;
	struct gd_admission_policy *pending_policy;	/* until opened */
	bool opened;
	pthread_mutex_t fds_lock;
	int fds[GD_LISTENER_MAX_WORKERS];	/* UNIX: only fds[0] */
};

/* One accept watcher of one worker. */
struct gd_listener_watch {
	ev_io io;
	ev_timer pause;
	struct gd_listener *listener;
	struct gd_loop *loop;
	bool stopped;
	bool exhausted;		/* logged "out of descriptors" already */
};

struct gd_listener_thread {
	struct gd_listener_watch *watches;
	size_t count;
	void *drain_handle;
};

/* A connection handed to conn, until its on_close. */
struct gd_listener_conn {
	struct gd_admission *adm;
	struct sockaddr_storage peer;
};

static const struct gd_config_key gd_listener_rate_keys[] = {
	{ "connections", GD_CONFIG_KEY_INT, "0", 0, 1000000,
	    "new connections allowed per address per window (0: no limit)" },
	{ "window", GD_CONFIG_KEY_DURATION, "1s", 1, 86400000,
	    "length of the rate window" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

const struct gd_config_key gd_listener_keys[] = {
	{ "name", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "unique listener name, used in logs" },
	{ "address", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "\"IPv4:port\", \"[IPv6]:port\" or \"unix:PATH\"" },
	{ "backlog", GD_CONFIG_KEY_INT, "511", 1, 65535,
	    "listen(2) backlog" },
	{ "max-connections", GD_CONFIG_KEY_INT, "0", 0, 10000000,
	    "live connections on this listener (0: no limit)" },
	{ "max-connections-per-ip", GD_CONFIG_KEY_INT, "0", 0, 10000000,
	    "live connections per client address (0: no limit)" },
	{ "rate", GD_CONFIG_KEY_MAP, NULL, 0, 0,
	    "{connections: N, window: DURATION} per client address" },
	{ "allow", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "if set, only these networks may connect" },
	{ "deny", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "networks refused (checked first)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static struct gd_listener *gd_listeners;
/*
 * Bind errors, one buffer per socket index: worker threads bind their own
 * extra sockets, and their messages must outlive them.
 */
static char gd_listener_errbuf[GD_LISTENER_MAX_WORKERS][256];
static __thread struct gd_listener_thread *gd_listener_tls;

static void gd_listener_accept_cb(struct ev_loop *ev, ev_io *w, int revents);
static void gd_listener_pause_cb(struct ev_loop *ev, ev_timer *w,
    int revents);

/* ---- configuration ---------------------------------------------------- */

/* The listener's keys followed by conn's; free() the result. */
static struct gd_config_key *
gd_listener_all_keys(void)
{
	struct gd_config_key *keys;
	size_t n1 = 0, n2 = 0;

	while (gd_listener_keys[n1].name != NULL)
		n1++;
	while (gd_conn_listener_keys[n2].name != NULL)
		n2++;
	keys = gd_xcalloc(n1 + n2 + 1, sizeof(*keys));
	memcpy(keys, gd_listener_keys, n1 * sizeof(*keys));
	memcpy(keys + n1, gd_conn_listener_keys, n2 * sizeof(*keys));
	return keys;
}

static int
gd_listener_parse_port(const char *text, in_port_t *port_r)
{
	char *end;
	unsigned long v;

	if (*text < '0' || *text > '9')
		return -1;
	v = strtoul(text, &end, 10);
	if (*end != '\0' || v > 65535)
		return -1;
	*port_r = htons((in_port_t)v);
	return 0;
}

/*
 * A relative path is relative to gumdropd's working directory (the daemon
 * never changes it), like every other file name in the configuration.
 */
static int
gd_listener_parse_unix(struct gd_listener *l, const char *path)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)(void *)&l->addr;

	if (*path == '\0' || strlen(path) >= sizeof(sun->sun_path))
		return -1;
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, path);
	l->addr_len = sizeof(*sun);
	return 0;
}

/* Parse "a.b.c.d:port", "[v6]:port" or "unix:PATH" into l->addr. */
static int
gd_listener_parse_address(struct gd_listener *l, const char *text)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&l->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&l->addr;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	size_t hlen;

	memset(&l->addr, 0, sizeof(l->addr));
	if (strncmp(text, "unix:", 5) == 0)
		return gd_listener_parse_unix(l, text + 5);
	if (*text == '[') {
		colon = strstr(text, "]:");
		if (colon == NULL || (hlen = colon - text - 1) >= sizeof(host))
			return -1;
		memcpy(host, text + 1, hlen);
		host[hlen] = '\0';
		sin6->sin6_family = AF_INET6;
		l->addr_len = sizeof(*sin6);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		return gd_listener_parse_port(colon + 2, &sin6->sin6_port);
	}
	colon = strrchr(text, ':');
	if (colon == NULL || (hlen = colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	sin->sin_family = AF_INET;
	l->addr_len = sizeof(*sin);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	return gd_listener_parse_port(colon + 1, &sin->sin_port);
}

/* Parse the networks of `key` (a scalar or a sequence) into a malloc'd
 * array; errors name the offending item's line. */
static int
gd_listener_parse_cidrs(const struct gd_config_node *entry, const char *key,
    struct gd_cidr **list_r, size_t *count_r, const char **error_r)
{
	const struct gd_config_node *node = gd_config_get(entry, key), *item;
	const char *const *values;
	const char *err;
	size_t i, count;

	*list_r = NULL;
	*count_r = 0;
	if (gd_config_get_strings(entry, key, &values, &count, error_r) < 0)
		return -1;
	if (count == 0)
		return 0;
	*list_r = gd_xcalloc(count, sizeof(**list_r));
	for (i = 0; i < count; i++) {
		if (gd_cidr_parse(values[i], &(*list_r)[i], &err) == 0)
			continue;
		item = gd_config_node_type(node) == GD_CONFIG_SEQ ?
		    gd_config_node_at(node, i) : node;
		*error_r = gd_config_error(item, "%s, got '%s'", err,
		    values[i]);
		free(*list_r);
		*list_r = NULL;
		return -1;
	}
	*count_r = count;
	return 0;
}

static int
gd_listener_parse_rate(const struct gd_config_node *entry,
    struct gd_admission_policy *p, const char **error_r)
{
	const struct gd_config_node *rate = gd_config_get(entry, "rate");
	int64_t conns = 0;

	p->rate_window_ms = 1000;
	if (rate == NULL || gd_config_node_is_null(rate))
		return 0;
	if (gd_config_validate(rate, gd_listener_rate_keys, error_r) < 0 ||
	    gd_config_get_int(rate, "connections", 0, 0, 1000000, &conns,
	    error_r) < 0 ||
	    gd_config_get_duration(rate, "window", 1000, 1, 86400000,
	    &p->rate_window_ms, error_r) < 0)
		return -1;
	p->rate_connections = (unsigned)conns;
	return 0;
}

/* Build the admission policy of one `listeners:` entry.  0 or -1. */
static int
gd_listener_parse_policy(const struct gd_config_node *entry,
    struct gd_admission_policy **policy_r, const char **error_r)
{
	struct gd_admission_policy *p = gd_xcalloc(1, sizeof(*p));
	int64_t max, per_ip;

	if (gd_config_get_int(entry, "max-connections", 0, 0, 10000000,
	    &max, error_r) < 0 ||
	    gd_config_get_int(entry, "max-connections-per-ip", 0, 0,
	    10000000, &per_ip, error_r) < 0 ||
	    gd_listener_parse_rate(entry, p, error_r) < 0 ||
	    gd_listener_parse_cidrs(entry, "allow", &p->allow,
	    &p->allow_count, error_r) < 0 ||
	    gd_listener_parse_cidrs(entry, "deny", &p->deny,
	    &p->deny_count, error_r) < 0) {
		gd_admission_policy_free(&p);
		return -1;
	}
	p->max_connections = (unsigned)max;
	p->max_per_ip = (unsigned)per_ip;
	*policy_r = p;
	return 0;
}

static void
gd_listener_free(struct gd_listener **lp)
{
	struct gd_listener *l = *lp;

	if (l == NULL)
		return;
	gd_admission_destroy(&l->adm);
	gd_admission_policy_free(&l->pending_policy);
	pthread_mutex_destroy(&l->fds_lock);
	free(l->name);
	free(l->address);
	free(l);
	*lp = NULL;
}

static void
gd_listener_free_list(struct gd_listener **list)
{
	struct gd_listener *l, *next;

	for (l = *list; l != NULL; l = next) {
		next = l->next;
		gd_listener_free(&l);
	}
	*list = NULL;
}

static struct gd_listener *
gd_listener_find(struct gd_listener *list, const char *name)
{
	for (; list != NULL; list = list->next) {
		if (strcmp(list->name, name) == 0)
			return list;
	}
	return NULL;
}

/* Checks an entry's shape and returns its name.  0 or -1. */
static int
gd_listener_check_entry(const struct gd_config_node *entry,
    const struct gd_config_key *keys, const char **name_r,
    const char **error_r)
{
	if (gd_config_node_type(entry) != GD_CONFIG_MAP) {
		*error_r = gd_config_error(entry, "expected a map");
		return -1;
	}
	if (gd_config_validate(entry, keys, error_r) < 0 ||
	    gd_config_get_string(entry, "name", NULL, name_r, error_r) < 0)
		return -1;
	if (*name_r == NULL || **name_r == '\0') {
		*error_r = gd_config_error(entry, "listener without a name");
		return -1;
	}
	return 0;
}

static struct gd_listener *
gd_listener_parse(const struct gd_config_node *entry,
    const struct gd_config_key *keys, const char **error_r)
{
	struct gd_listener *l;
	struct gd_conn_params *params;
	const char *name, *address;
	int64_t backlog;
	unsigned i;

	if (gd_listener_check_entry(entry, keys, &name, error_r) < 0 ||
	    gd_config_get_string(entry, "address", NULL, &address,
	    error_r) < 0 ||
	    gd_config_get_int(entry, "backlog", 511, 1, 65535, &backlog,
	    error_r) < 0)
		return NULL;
	l = gd_xcalloc(1, sizeof(*l));
	pthread_mutex_init(&l->fds_lock, NULL);
	for (i = 0; i < GD_LISTENER_MAX_WORKERS; i++)
		l->fds[i] = -1;
	l->name = gd_xstrdup(name);
	l->backlog = (int)backlog;
	if (address == NULL || gd_listener_parse_address(l, address) < 0) {
		*error_r = gd_config_error(address == NULL ? entry :
		    gd_config_get(entry, "address"), "expected "
		    "\"IPv4:port\", \"[IPv6]:port\" or \"unix:PATH\", "
		    "got '%s'", address == NULL ? "nothing" : address);
		gd_listener_free(&l);
		return NULL;
	}
	l->address = gd_xstrdup(address);
	if (gd_listener_parse_policy(entry, &l->pending_policy,
	    error_r) < 0 ||
	    gd_conn_params_parse(entry, gd_config_node_pool(entry), &params,
	    error_r) < 0) {
		gd_listener_free(&l);
		return NULL;
	}
	l->params = params;
	return l;
}

int
gd_listeners_configure(const struct gd_config_node *root,
    const char **error_r)
{
	const struct gd_config_node *seq = gd_config_get(root, "listeners");
	const struct gd_config_node *entry;
	struct gd_listener *list = NULL, **tail = &list, *l;
	struct gd_config_key *keys;
	size_t i;

	if (seq != NULL && !gd_config_node_is_null(seq) &&
	    gd_config_node_type(seq) != GD_CONFIG_SEQ) {
		*error_r = gd_config_error(seq, "expected a list of listeners");
		return -1;
	}
	keys = gd_listener_all_keys();
	for (i = 0; seq != NULL && i < gd_config_node_count(seq); i++) {
		entry = gd_config_node_at(seq, i);
		if ((l = gd_listener_parse(entry, keys, error_r)) == NULL)
			goto fail;
		*tail = l;
		tail = &l->next;
		if (gd_listener_find(list, l->name) != l) {
			*error_r = gd_config_error(gd_config_get(entry,
			    "name"), "duplicate listener name '%s'", l->name);
			goto fail;
		}
	}
	free(keys);
	assert(gd_listeners == NULL || !gd_listeners->opened);
	gd_listener_free_list(&gd_listeners);
	gd_listeners = list;
	return 0;
fail:
	free(keys);
	gd_listener_free_list(&list);
	return -1;
}

/* ---- sockets --------------------------------------------------------- */

static const char *
gd_listener_error(const struct gd_listener *l, unsigned index,
    const char *what)
{
	char *buf = gd_listener_errbuf[index];

	snprintf(buf, sizeof(gd_listener_errbuf[0]),
	    "listener '%s': cannot %s %s: %s", l->name, what, l->address,
	    strerror(errno));
	return buf;
}

/* One bound, listening TCP socket on l->addr; -1 with *error_r. */
static int
gd_listener_bind_tcp(struct gd_listener *l, unsigned index,
    const char **error_r)
{
	int fd, on = 1, family = l->addr.ss_family;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error_r = gd_listener_error(l, index, "create a socket for");
		return -1;
	}
	/* TCP_NODELAY (inherited by accepted sockets): a callback's output
	 * leaves in one send when it returns, so Nagle would only hold the
	 * second send of a long reply until the peer's delayed ACK (40 ms
	 * for a 1,000-line POP3 LIST). */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0 ||
	    (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) < 0)) {
		*error_r = gd_listener_error(l, index,
		    "set socket options for");
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&l->addr, l->addr_len) < 0 ||
	    listen(fd, l->backlog) < 0) {
		*error_r = gd_listener_error(l, index, "listen on");
		close(fd);
		return -1;
	}
	/* Port 0: every further socket must share the port picked now (the
	 * address is final once opened: workers read it). */
	if (!l->opened && getsockname(fd, (struct sockaddr *)&l->addr,
	    &l->addr_len) < 0) {
		*error_r = gd_listener_error(l, index, "get the address of");
		close(fd);
		return -1;
	}
	return fd;
}

/* Remove a socket file nobody answers on; keep a live one (bind fails). */
static void
gd_listener_unlink_stale(struct gd_listener *l)
{
	const struct sockaddr_un *sun = (const void *)&l->addr;
	struct stat st;
	int fd, ret;

	if (lstat(sun->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	ret = connect(fd, (const struct sockaddr *)sun, l->addr_len);
	close(fd);
	if (ret < 0 && errno == ECONNREFUSED)
		unlink(sun->sun_path);
}

static int
gd_listener_bind_unix(struct gd_listener *l, unsigned index,
    const char **error_r)
{
	const struct sockaddr_un *sun = (const void *)&l->addr;
	int fd;

	gd_listener_unlink_stale(l);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error_r = gd_listener_error(l, index, "create a socket for");
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)sun, l->addr_len) < 0) {
		*error_r = gd_listener_error(l, index, "bind");
		close(fd);
		return -1;
	}
	if (chmod(sun->sun_path, 0666) < 0 || listen(fd, l->backlog) < 0) {
		*error_r = gd_listener_error(l, index, "listen on");
		close(fd);
		unlink(sun->sun_path);
		return -1;
	}
	return fd;
}

/* The socket worker `index` watches, binding it if needed.  -1 on error. */
static int
gd_listener_fd(struct gd_listener *l, unsigned index, const char **error_r)
{
	int fd;

	if (l->addr.ss_family == AF_UNIX)
		index = 0;
	if (index >= GD_LISTENER_MAX_WORKERS) {
		*error_r = "too many workers for one listener";
		return -1;
	}
	pthread_mutex_lock(&l->fds_lock);
	fd = l->fds[index];
	if (fd < 0) {
		fd = l->addr.ss_family == AF_UNIX ?
		    gd_listener_bind_unix(l, index, error_r) :
		    gd_listener_bind_tcp(l, index, error_r);
		l->fds[index] = fd;
	}
	pthread_mutex_unlock(&l->fds_lock);
	return fd;
}

static void
gd_listener_close_fds(struct gd_listener *l)
{
	const struct sockaddr_un *sun = (const void *)&l->addr;
	unsigned i;

	/* Only unlink a socket file we bound ourselves. */
	if (l->addr.ss_family == AF_UNIX && l->fds[0] >= 0)
		unlink(sun->sun_path);
	for (i = 0; i < GD_LISTENER_MAX_WORKERS; i++) {
		if (l->fds[i] >= 0)
			close(l->fds[i]);
		l->fds[i] = -1;
	}
	l->opened = false;
}

int
gd_listeners_open(const char **error_r)
{
	struct gd_listener *l;
	unsigned i, n = gd_loop_count() > 0 ? gd_loop_count() : 1;

	for (l = gd_listeners; l != NULL; l = l->next) {
		for (i = 0; i < n; i++) {
			if (gd_listener_fd(l, i, error_r) < 0)
				goto fail;
		}
		l->opened = true;
		if (l->adm == NULL) {
			l->adm = gd_admission_create(l->pending_policy);
			l->pending_policy = NULL;
		}
		gd_log(GD_LOG_INFO, "listener.open", "listener=%s address=%s",
		    l->name, l->address);
	}
	return 0;
fail:
	for (l = gd_listeners; l != NULL; l = l->next)
		gd_listener_close_fds(l);
	return -1;
}

int
gd_listeners_local_addr(const char *name, struct sockaddr_storage *addr_r,
    socklen_t *len_r)
{
	struct gd_listener *l = gd_listener_find(gd_listeners, name);

	if (l == NULL || !l->opened)
		return -1;
	memcpy(addr_r, &l->addr, sizeof(*addr_r));
	*len_r = l->addr_len;
	return 0;
}

void
gd_listeners_close(void)
{
	struct gd_listener *l;

	for (l = gd_listeners; l != NULL; l = l->next)
		gd_listener_close_fds(l);
	gd_listener_free_list(&gd_listeners);
}

/* ---- accepting ------------------------------------------------------- */

static void
gd_listener_conn_closed(void *arg)
{
	struct gd_listener_conn *lc = arg;

	gd_admission_release(lc->adm, (struct sockaddr *)&lc->peer);
	free(lc);
}

static void
gd_listener_admit(struct gd_listener_watch *w, int fd,
    const struct sockaddr_storage *peer, socklen_t peer_len)
{
	struct gd_listener *l = w->listener;
	struct gd_listener_conn *lc;
	struct sockaddr_storage local;
	socklen_t local_len = sizeof(local);
	const char *reason;
	char ip[INET6_ADDRSTRLEN];
	uint8_t addr[16];

	if (gd_admission_check(l->adm, (const struct sockaddr *)peer,
	    gd_now_ms(), &reason) < 0) {
		close(fd);
		if (gd_cidr_addr_from_sockaddr((const struct sockaddr *)peer,
		    addr) == 0)
			gd_cidr_addr_str(addr, ip, sizeof(ip));
		else
			strcpy(ip, "local");
		gd_log(GD_LOG_NOTICE, "conn.refused", "listener=%s peer=%s "
		    "reason=\"%s\"", l->name, ip, reason);
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &local_len) < 0) {
		memcpy(&local, &l->addr, sizeof(local));
		local_len = l->addr_len;
	}
	lc = gd_xcalloc(1, sizeof(*lc));
	lc->adm = l->adm;
	memcpy(&lc->peer, peer, sizeof(lc->peer));
	gd_conn_accept(w->loop, fd, (const struct sockaddr *)peer, peer_len,
	    (const struct sockaddr *)&local, local_len, l->name, l->params,
	    gd_listener_conn_closed, lc);
}

/* Out of descriptors: stop accepting for a moment instead of spinning. */
static void
gd_listener_pause(struct gd_listener_watch *w)
{
	/* One line per episode, not one per retry. */
	if (!w->exhausted)
		gd_log_errno(GD_LOG_WARNING, "listener.accept", "listener=%s "
		    "reason=\"out of descriptors, pausing accepts\"",
		    w->listener->name);
	w->exhausted = true;
	ev_io_stop(gd_loop_ev(w->loop), &w->io);
	ev_timer_set(&w->pause, GD_LISTENER_PAUSE_S, 0.0);
	ev_timer_start(gd_loop_ev(w->loop), &w->pause);
}

static void
gd_listener_accept_cb(struct ev_loop *ev, ev_io *io, int revents)
{
	struct gd_listener_watch *w = io->data;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	unsigned i;
	int fd;

	for (i = 0; i < GD_LISTENER_ACCEPT_BATCH && !w->stopped; i++) {
		memset(&peer, 0, sizeof(peer));
		peer.ss_family = w->listener->addr.ss_family;
		peer_len = sizeof(peer);
		fd = accept4(io->fd, (struct sockaddr *)&peer, &peer_len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			w->exhausted = false;
			gd_listener_admit(w, fd, &peer, peer_len);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			gd_listener_pause(w);
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			gd_log_errno(GD_LOG_ERROR, "listener.accept",
			    "listener=%s reason=\"accept failed\"",
			    w->listener->name);
		break;
	}
}

static void
gd_listener_pause_cb(struct ev_loop *ev, ev_timer *t, int revents)
{
	struct gd_listener_watch *w = t->data;

	if (!w->stopped)
		ev_io_start(ev, &w->io);
}

/* Stop this thread's watchers (drain, or thread stop). */
static void
gd_listener_thread_halt(void *arg)
{
	struct gd_listener_thread *t = arg;
	struct gd_listener_watch *w;
	size_t i;

	for (i = 0; i < t->count; i++) {
		w = &t->watches[i];
		w->stopped = true;
		ev_io_stop(gd_loop_ev(w->loop), &w->io);
		ev_timer_stop(gd_loop_ev(w->loop), &w->pause);
	}
}

int
gd_listeners_thread_start(struct gd_loop *loop, const char **error_r)
{
	struct gd_listener_thread *t;
	struct gd_listener_watch *w;
	struct gd_listener *l;
	size_t n = 0;
	int fd;

	assert(gd_listener_tls == NULL);
	for (l = gd_listeners; l != NULL; l = l->next)
		n++;
	t = gd_xcalloc(1, sizeof(*t));
	t->watches = gd_xcalloc(n, sizeof(*t->watches));
	gd_listener_tls = t;
	for (l = gd_listeners; l != NULL; l = l->next) {
		fd = gd_listener_fd(l, gd_loop_index(loop), error_r);
		if (fd < 0) {
			gd_listeners_thread_stop(loop);
			return -1;
		}
		w = &t->watches[t->count++];
		w->listener = l;
		w->loop = loop;
		ev_io_init(&w->io, gd_listener_accept_cb, fd, EV_READ);
		w->io.data = w;
		ev_timer_init(&w->pause, gd_listener_pause_cb, 0.0, 0.0);
		w->pause.data = w;
		ev_io_start(gd_loop_ev(loop), &w->io);
	}
	t->drain_handle = gd_loop_drain_register(loop,
	    gd_listener_thread_halt, t);
	return 0;
}

void
gd_listeners_thread_stop(struct gd_loop *loop)
{
	struct gd_listener_thread *t = gd_listener_tls;

	if (t == NULL)
		return;
	gd_listener_thread_halt(t);
	if (t->drain_handle != NULL)
		gd_loop_drain_unregister(loop, t->drain_handle);
	free(t->watches);
	free(t);
	gd_listener_tls = NULL;
}

/* ---- reload ---------------------------------------------------------- */

/* The new `sasl:` settings of an existing listener (new ones: ignored). */
static int
gd_listener_check_sasl(const struct gd_config_node *entry, const char *name,
    const struct gd_sasl_settings **sasl_r, const char **error_r)
{
	struct gd_listener *l = gd_listener_find(gd_listeners, name);

	*sasl_r = NULL;
	if (l == NULL)
		return 0;
	return gd_conn_params_check_sasl(entry, l->params, sasl_r, error_r);
}

int
gd_listeners_reload_policy(const struct gd_config_node *root,
    const char **error_r)
{
	const struct gd_config_node *seq = gd_config_get(root, "listeners");
	struct gd_admission_policy **policies;
	const struct gd_sasl_settings **sasl;
	struct gd_listener *l;
	struct gd_config_key *keys;
	size_t i, n = seq != NULL ? gd_config_node_count(seq) : 0;
	const char *name;
	int ret = 0;

	if (seq != NULL && !gd_config_node_is_null(seq) &&
	    gd_config_node_type(seq) != GD_CONFIG_SEQ) {
		*error_r = gd_config_error(seq, "expected a list of listeners");
		return -1;
	}
	keys = gd_listener_all_keys();
	policies = gd_xcalloc(n, sizeof(*policies));
	sasl = gd_xcalloc(n, sizeof(*sasl));
	/* Check everything first: either all policies change or none. */
	for (i = 0; i < n && ret == 0; i++) {
		if (gd_listener_check_entry(gd_config_node_at(seq, i), keys,
		    &name, error_r) < 0 ||
		    gd_listener_parse_policy(gd_config_node_at(seq, i),
		    &policies[i], error_r) < 0 ||
		    gd_listener_check_sasl(gd_config_node_at(seq, i), name,
		    &sasl[i], error_r) < 0)
			ret = -1;
	}
	for (i = 0; i < n; i++) {
		if (ret < 0) {
			gd_admission_policy_free(&policies[i]);
			continue;
		}
		gd_config_get_string(gd_config_node_at(seq, i), "name", NULL,
		    &name, error_r);
		l = gd_listener_find(gd_listeners, name);
		if (l == NULL || l->adm == NULL) {
			gd_log(GD_LOG_NOTICE, "listener.reload", "listener=%s "
			    "reason=\"new listener ignored until restart\"",
			    name);
			gd_admission_policy_free(&policies[i]);
			continue;
		}
		gd_admission_set_policy(l->adm, policies[i]);
		gd_conn_params_swap_sasl(l->params, sasl[i]);
	}
	free(sasl);
	free(policies);
	free(keys);
	return ret;
}
