/*
 * pop3-session.c — scripts/bench-pop3's POP3 client: one session, timed
 * step by step, the same against every server.
 *
 *   pop3-session [-o file] [-T seconds] host:port user password
 *
 * One blocking socket (TCP_NODELAY), one command at a time, as a mail
 * client does: connect and greeting, USER, PASS ("login"); STAT; LIST;
 * UIDL; RETR of every message STAT counted ("retr"); QUIT and the close
 * ("quit").  Replies are read into one buffer with large reads; a
 * multi-line reply ends at CRLF.CRLF, found by scanning only the newly
 * read bytes.  Every status line must be +OK, LIST and UIDL must have one
 * line per message, and every RETR's body must be as long as LIST said
 * (after un-stuffing), or the session fails (exit 1).
 *
 * Prints one line on stdout: the microseconds of login, stat, list, uidl,
 * retr, quit and the whole session, then the message count and the
 * octets received.  With -o, the RETR replies' bodies as received (dot-
 * stuffed, each ending with its "." line) are written to the file, for
 * comparing what two servers send.  -T (default 120) bounds the session.
 */
#define _GNU_SOURCE		/* memmem */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PS_READ		(256 * 1024)

struct ps {
	int	 fd;
	char	*buf;		/* received; unconsumed: [off, len) */
	size_t	 off, len, cap;
	FILE	*out;		/* -o */
	long	 octets;	/* received in all */
};

static void
ps_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("pop3-session: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double
ps_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
ps_connect(const char *hostport, int seconds)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct timeval tv = { .tv_sec = seconds };
	char host[256], *colon;
	int fd, one = 1;

	snprintf(host, sizeof(host), "%s", hostport);
	if ((colon = strrchr(host, ':')) == NULL)
		ps_fail("%s: not host:port", hostport);
	*colon = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		ps_fail("%s: cannot resolve", hostport);
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		ps_fail("connect %s: %s", hostport, strerror(errno));
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Read more into the buffer (moving what is unconsumed to its start). */
static void
ps_fill(struct ps *s)
{
	ssize_t n;

	if (s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (s->cap - s->len < PS_READ) {
		s->cap = s->len + 2 * PS_READ;
		if ((s->buf = realloc(s->buf, s->cap)) == NULL)
			ps_fail("out of memory");
	}
	n = read(s->fd, s->buf + s->len, s->cap - s->len);
	if (n < 0)
		ps_fail("read: %s", strerror(errno));
	if (n == 0)
		ps_fail("the server closed the connection");
	s->len += n;
	s->octets += n;
}

static void
ps_send(struct ps *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(s->fd, line, n) != n)
		ps_fail("write: %s", strerror(errno));
}

/* The status line (consumed; NUL-terminated in place), which must be +OK. */
static char *
ps_status(struct ps *s, const char *what)
{
	char *line, *eol;
	size_t scanned = 0;

	for (;;) {
		eol = memchr(s->buf + s->off + scanned, '\n',
		    s->len - s->off - scanned);
		if (eol != NULL)
			break;
		scanned = s->len - s->off;
		ps_fill(s);
	}
	line = s->buf + s->off;
	*eol = '\0';
	s->off = eol + 1 - s->buf;
	if (strncmp(line, "+OK", 3) != 0)
		ps_fail("%s: %s", what, line);
	return line;
}

/*
 * The body of a multi-line reply, up to and including its ".\r\n" line
 * (consumed; returned as a pointer into the buffer, valid until the next
 * read, and its length).
 */
static char *
ps_body(struct ps *s, size_t *lenp)
{
	static const char term[] = "\r\n.\r\n";
	size_t from = 0;	/* relative to off: where to scan from */
	char *end, *body;

	while (s->len - s->off < 3)
		ps_fill(s);
	if (memcmp(s->buf + s->off, ".\r\n", 3) == 0)
		*lenp = 3;
	else {
		while ((end = memmem(s->buf + s->off + from,
		    s->len - s->off - from, term, 5)) == NULL) {
			if (s->len - s->off > 4)
				from = s->len - s->off - 4;
			ps_fill(s);
		}
		*lenp = end + 5 - (s->buf + s->off);
	}
	body = s->buf + s->off;
	s->off += *lenp;
	return body;
}

/* Lines of a body ("." line excluded), and its un-stuffed octets. */
static long
ps_lines(const char *p, size_t len, long *octets)
{
	const char *e = p + len - 3, *nl;
	long lines = 0;

	*octets = 0;
	while (p < e) {
		nl = memchr(p, '\n', e - p);
		*octets += nl + 1 - p - (*p == '.');
		p = nl + 1;
		lines++;
	}
	return lines;
}

static long *
ps_list(struct ps *s, long count)
{
	long *sizes = calloc(count + 1, sizeof(long)), n, lines, octets;
	char *body, *p;
	size_t len;

	if (sizes == NULL)
		ps_fail("out of memory");
	ps_send(s, "LIST\r\n");
	ps_status(s, "LIST");
	body = ps_body(s, &len);
	lines = ps_lines(body, len, &octets);
	for (p = body; p < body + len - 3; p = strchr(p, '\n') + 1) {
		n = strtol(p, &p, 10);
		if (n >= 1 && n <= count)
			sizes[n] = strtol(p, NULL, 10);
	}
	if (lines != count)
		ps_fail("LIST gave %ld lines for %ld messages", lines, count);
	return sizes;
}

static void
ps_retr(struct ps *s, long n, long size)
{
	char *body;
	size_t len;
	long octets;

	ps_send(s, "RETR %ld\r\n", n);
	ps_status(s, "RETR");
	body = ps_body(s, &len);
	ps_lines(body, len, &octets);
	if (octets != size)
		ps_fail("RETR %ld: %ld octets, LIST said %ld", n, octets, size);
	if (s->out != NULL && fwrite(body, 1, len, s->out) != len)
		ps_fail("cannot write the -o file");
}

static void
ps_quit(struct ps *s)
{
	char c;

	ps_send(s, "QUIT\r\n");
	ps_status(s, "QUIT");
	if (read(s->fd, &c, 1) != 0)
		ps_fail("QUIT: the server did not close");
	close(s->fd);
}

int
main(int argc, char **argv)
{
	struct ps s = { .fd = -1 };
	double t[7];
	long count, n, *sizes, lines, octets;
	size_t len;
	int c, seconds = 120;
	char *body;

	while ((c = getopt(argc, argv, "o:T:")) != -1) {
		if (c == 'o' && (s.out = fopen(optarg, "wb")) == NULL)
			ps_fail("%s: %s", optarg, strerror(errno));
		else if (c == 'T')
			seconds = atoi(optarg);
		else if (c != 'o')
			ps_fail("usage: pop3-session [-o file] [-T seconds] "
			    "host:port user password");
	}
	if (argc - optind != 3)
		ps_fail("usage: pop3-session [-o file] [-T seconds] "
		    "host:port user password");
	alarm(seconds);
	t[0] = ps_now();
	s.fd = ps_connect(argv[optind], seconds);
	ps_status(&s, "greeting");
	ps_send(&s, "USER %s\r\n", argv[optind + 1]);
	ps_status(&s, "USER");
	ps_send(&s, "PASS %s\r\n", argv[optind + 2]);
	ps_status(&s, "PASS");
	t[1] = ps_now();
	ps_send(&s, "STAT\r\n");
	count = strtol(ps_status(&s, "STAT") + 3, NULL, 10);
	t[2] = ps_now();
	sizes = ps_list(&s, count);
	t[3] = ps_now();
	ps_send(&s, "UIDL\r\n");
	ps_status(&s, "UIDL");
	body = ps_body(&s, &len);
	if ((lines = ps_lines(body, len, &octets)) != count)
		ps_fail("UIDL gave %ld lines for %ld messages", lines, count);
	t[4] = ps_now();
	for (n = 1; n <= count; n++)
		ps_retr(&s, n, sizes[n]);
	t[5] = ps_now();
	ps_quit(&s);
	t[6] = ps_now();
	if (s.out != NULL && fclose(s.out) != 0)
		ps_fail("cannot write the -o file");
	printf("%.0f %.0f %.0f %.0f %.0f %.0f %.0f %ld %ld\n", t[1] - t[0],
	    t[2] - t[1], t[3] - t[2], t[4] - t[3], t[5] - t[4], t[6] - t[5],
	    t[6] - t[0], count, s.octets);
	free(sizes);
	free(s.buf);
	return 0;
}
