/*
 * smtp-blast.c — a cheap SMTP load generator for scripts/bench-smtp's
 * "protocol only" figure: Postfix's smtp-source spends about as much CPU
 * per message as the servers it drives (~70 us against smtp-blast's
 * ~20 us, 4 KiB messages, 20 sessions), so on a small machine it, not
 * the server, was measured.
 *
 *   smtp-blast [-s sessions] [-m messages] [-l size] [-f from] [-t to]
 *       [-T seconds] [-F message-file] host:port
 *
 * One thread, epoll, nonblocking sockets.  Each of the -s sessions reads
 * the greeting, says EHLO, then runs transactions until -m messages in
 * all have been taken: with PIPELINING (RFC 2920) advertised, MAIL, RCPT
 * and DATA go out in one write and their three replies are awaited;
 * without it, one command at a time.  After 354 the whole message (built
 * and dot-stuffed once, ending CRLF.CRLF) goes out in one write, then its
 * 250 is awaited; at the end QUIT.  Every reply code is checked: an
 * unexpected one is printed, counted as an error and ends that session.
 * -F sends a file's content (e.g. a DKIM-signed message) instead of the
 * generated one (-l is then ignored).
 * Prints one line on stdout: messages, seconds, messages/s, errors and
 * the CPU seconds smtp-blast itself used.  Exits 0 only if every message
 * got its 250 within -T seconds (default 120).
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define BLAST_INBUF	8192
#define BLAST_MAXSESS	10000

enum blast_step {
	BLAST_GREETING,		/* 220 */
	BLAST_EHLO,		/* 250, multi-line */
	BLAST_MAIL,		/* 250 */
	BLAST_RCPT,		/* 250 */
	BLAST_DATA,		/* 354 */
	BLAST_CONTENT,		/* 250 */
	BLAST_QUIT,		/* 221 */
	BLAST_DONE
};

static const int blast_want[] = { 220, 250, 250, 250, 354, 250, 221 };

struct blast_sess {
	int		 fd;
	enum blast_step	 step;		/* the reply awaited next */
	int		 pipelining;
	int		 wantout;	/* EPOLLOUT registered */
	const char	*out;		/* what is left to write */
	size_t		 outlen;
	size_t		 inlen;
	char		 in[BLAST_INBUF];
};

struct blast {
	int		 ep;
	long		 total;		/* messages to send */
	long		 taken;		/* transactions started */
	long		 sent;		/* messages answered 250 */
	long		 errors;
	int		 live;		/* sessions still open */
	char		*cmds;		/* MAIL, RCPT, DATA with CRLFs */
	size_t		 mail_len, rcpt_len, data_len;
	char		*msg;		/* content, stuffed, with CRLF.CRLF */
	const char	*msg_file;	/* -F: the message's file, or NULL */
	size_t		 msg_len;
};

static void	blast_usage(void);
static char	*blast_message(size_t, const char *, const char *, size_t *);
static int	blast_connect(const char *);
static void	blast_send(struct blast *, struct blast_sess *, const char *,
		    size_t);
static void	blast_flush(struct blast *, struct blast_sess *);
static void	blast_end(struct blast *, struct blast_sess *, const char *);
static void	blast_next(struct blast *, struct blast_sess *);
static void	blast_reply(struct blast *, struct blast_sess *, int);
static int	blast_lines(struct blast *, struct blast_sess *);
static void	blast_read(struct blast *, struct blast_sess *);
static int	blast_run(struct blast *, double);
static struct blast_sess *blast_setup(struct blast *, int, size_t,
		    const char *, const char *, const char *);
static double	blast_now(void);

static void
blast_usage(void)
{
	fprintf(stderr, "usage: smtp-blast [-s sessions] [-m messages] "
	    "[-l size] [-f from] [-t to] [-T seconds] [-F file] host:port\n");
	exit(2);
}

static double
blast_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* `n` raw bytes dot-stuffed, with the CRLF.CRLF end; frees `raw`. */
static char *
blast_stuff(char *raw, size_t n, size_t *len_r)
{
	char *out, *p;
	size_t i;
	int bol;

	if ((out = malloc(2 * n + 8)) == NULL)
		exit(1);
	for (p = out, bol = 1, i = 0; i < n; i++) {
		if (bol && raw[i] == '.')
			*p++ = '.';
		*p++ = raw[i];
		bol = raw[i] == '\n';
	}
	memcpy(p, ".\r\n", 3);
	*len_r = p + 3 - out;
	free(raw);
	return out;
}

/*
 * The message: a few headers, then numbered 76-column lines up to about
 * size bytes; every tenth line starts with a dot, so the stuffing below
 * is exercised.  Returned dot-stuffed with its CRLF.CRLF end.
 */
static char *
blast_message(size_t size, const char *from, const char *to, size_t *len_r)
{
	char *raw;
	size_t n, i, cap;

	cap = size + 1024;
	if ((raw = malloc(cap)) == NULL)
		exit(1);
	n = snprintf(raw, cap, "From: <%s>\r\nTo: <%s>\r\n"
	    "Subject: smtp-blast\r\n\r\n", from, to);
	for (i = 0; n < size && n + 80 < cap; i++)
		n += snprintf(raw + n, cap - n, "%c%07zu %.66s\r\n",
		    i % 10 == 9 ? '.' : 'x', i, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmn");
	return blast_stuff(raw, n, len_r);
}

/* -F FILE: the message is the file's content (CRLF line ends expected),
 * sent as it is, dot-stuffed. */
static char *
blast_message_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *raw;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    n > (1L << 26) || fseek(f, 0, SEEK_SET) != 0 ||
	    (raw = malloc((size_t)n + 1)) == NULL ||
	    fread(raw, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "smtp-blast: %s: cannot read\n", path);
		exit(2);
	}
	fclose(f);
	return blast_stuff(raw, (size_t)n, len_r);
}

/* A connected socket to host:port ([v6]:port too), nonblocking. */
static int
blast_connect(const char *target)
{
	struct addrinfo hints, *res;
	char host[256], *port;
	int fd, one = 1;

	if (strlen(target) >= sizeof(host))
		return -1;
	strcpy(host, target);
	if ((port = strrchr(host, ':')) == NULL)
		return -1;
	*port++ = '\0';
	if (host[0] == '[' && port[-2] == ']') {
		port[-2] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd != -1 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Queue buf (static storage) for writing and write what fits now. */
static void
blast_send(struct blast *b, struct blast_sess *s, const char *buf,
    size_t len)
{
	s->out = buf;
	s->outlen = len;
	blast_flush(b, s);
}

static void
blast_flush(struct blast *b, struct blast_sess *s)
{
	struct epoll_event ev;
	ssize_t n;

	while (s->outlen > 0) {
		n = write(s->fd, s->out, s->outlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			blast_end(b, s, strerror(errno));
			return;
		}
		s->out += n;
		s->outlen -= n;
	}
	if (s->wantout == (s->outlen > 0))
		return;
	s->wantout = s->outlen > 0;
	ev.events = EPOLLIN | (s->wantout ? EPOLLOUT : 0);
	ev.data.ptr = s;
	epoll_ctl(b->ep, EPOLL_CTL_MOD, s->fd, &ev);
}

/* Close a session; why, if not NULL, is an error. */
static void
blast_end(struct blast *b, struct blast_sess *s, const char *why)
{
	if (s->fd == -1)
		return;
	if (why != NULL) {
		b->errors++;
		fprintf(stderr, "smtp-blast: session %d: %s\n", s->fd, why);
	}
	close(s->fd);
	s->fd = -1;
	s->step = BLAST_DONE;
	b->live--;
}

/* After EHLO or a message's 250: the next transaction, or QUIT. */
static void
blast_next(struct blast *b, struct blast_sess *s)
{
	if (b->taken >= b->total) {
		s->step = BLAST_QUIT;
		blast_send(b, s, "QUIT\r\n", 6);
		return;
	}
	b->taken++;
	s->step = BLAST_MAIL;
	blast_send(b, s, b->cmds, s->pipelining ? b->mail_len + b->rcpt_len +
	    b->data_len : b->mail_len);
}

/* A complete reply with code arrived for the step awaited. */
static void
blast_reply(struct blast *b, struct blast_sess *s, int code)
{
	char why[64];

	if (code != blast_want[s->step]) {
		snprintf(why, sizeof(why), "reply %d to step %d, wanted %d",
		    code, (int)s->step, blast_want[s->step]);
		blast_end(b, s, why);
		return;
	}
	switch (s->step) {
	case BLAST_GREETING:
		s->step = BLAST_EHLO;
		blast_send(b, s, "EHLO blast.test\r\n", 17);
		break;
	case BLAST_MAIL:
	case BLAST_RCPT:
		if (!s->pipelining)
			blast_send(b, s, s->step == BLAST_MAIL ?
			    b->cmds + b->mail_len : b->cmds + b->mail_len +
			    b->rcpt_len, s->step == BLAST_MAIL ? b->rcpt_len :
			    b->data_len);
		s->step++;
		break;
	case BLAST_DATA:
		s->step = BLAST_CONTENT;
		blast_send(b, s, b->msg, b->msg_len);
		break;
	case BLAST_CONTENT:
		b->sent++;
		/* FALLTHROUGH */
	case BLAST_EHLO:
		blast_next(b, s);
		break;
	default:
		blast_end(b, s, NULL);
		break;
	}
}

/*
 * Every complete line in s->in: continuation lines ("250-") are skipped
 * (EHLO's are searched for PIPELINING), a last line ends a reply.  A
 * partial line stays for the next read.  -1 once the session is over.
 */
static int
blast_lines(struct blast *b, struct blast_sess *s)
{
	char *line, *nl;
	size_t off = 0;

	while ((nl = memchr(s->in + off, '\n', s->inlen - off)) != NULL) {
		line = s->in + off;
		off = nl + 1 - s->in;
		if (nl - line < 3 || !isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]) ||
		    (nl - line > 3 && line[3] != '-' && line[3] != ' ' &&
		    line[3] != '\r')) {
			blast_end(b, s, "malformed reply line");
			return -1;
		}
		if (s->step == BLAST_EHLO && nl - line >= 14 &&
		    strncasecmp(line + 4, "PIPELINING", 10) == 0 &&
		    (line[14] == '\r' || line[14] == '\n' || line[14] == ' '))
			s->pipelining = 1;
		if (nl - line > 3 && line[3] == '-')
			continue;
		blast_reply(b, s, atoi(line));
		if (s->fd == -1)
			return -1;
	}
	memmove(s->in, s->in + off, s->inlen - off);
	s->inlen -= off;
	return 0;
}

static void
blast_read(struct blast *b, struct blast_sess *s)
{
	size_t room;
	ssize_t n;

	for (;;) {
		if (s->inlen == sizeof(s->in)) {
			blast_end(b, s, "reply line too long");
			return;
		}
		room = sizeof(s->in) - s->inlen;
		n = read(s->fd, s->in + s->inlen, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			blast_end(b, s, n == 0 && s->step == BLAST_DONE ? NULL :
			    n == 0 ? "connection closed" : strerror(errno));
			return;
		}
		s->inlen += n;
		if (blast_lines(b, s) == -1)
			return;
		/* A short read drained the socket; epoll is level-triggered. */
		if ((size_t)n < room)
			return;
	}
}

/* The event loop, until every session ends or the deadline: 0 if ended. */
static int
blast_run(struct blast *b, double deadline)
{
	struct epoll_event evs[256];
	struct blast_sess *s;
	double left;
	int i, n;

	while (b->live > 0) {
		if ((left = deadline - blast_now()) <= 0)
			return -1;
		n = epoll_wait(b->ep, evs, 256, (int)(left * 1000) + 1);
		if (n < 0 && errno != EINTR)
			return -1;
		for (i = 0; i < n; i++) {
			s = evs[i].data.ptr;
			if (s->fd != -1 && (evs[i].events & EPOLLOUT))
				blast_flush(b, s);
			if (s->fd != -1 && (evs[i].events &
			    (EPOLLIN | EPOLLHUP | EPOLLERR)))
				blast_read(b, s);
		}
	}
	return 0;
}

/* Builds the commands and the message once, opens the sessions. */
static struct blast_sess *
blast_setup(struct blast *b, int nsess, size_t size, const char *from,
    const char *to, const char *target)
{
	struct blast_sess *ss;
	struct epoll_event ev;
	size_t len;
	int i;

	len = strlen(from) + strlen(to) + 64;
	if ((b->cmds = malloc(len)) == NULL ||
	    (ss = calloc(nsess, sizeof(*ss))) == NULL)
		exit(1);
	b->mail_len = snprintf(b->cmds, len, "MAIL FROM:<%s>\r\n", from);
	b->rcpt_len = snprintf(b->cmds + b->mail_len, len - b->mail_len,
	    "RCPT TO:<%s>\r\n", to);
	b->data_len = 6;
	strcpy(b->cmds + b->mail_len + b->rcpt_len, "DATA\r\n");
	b->msg = b->msg_file != NULL ?
	    blast_message_file(b->msg_file, &b->msg_len) :
	    blast_message(size, from, to, &b->msg_len);
	if ((b->ep = epoll_create1(0)) == -1)
		exit(1);
	for (i = 0; i < nsess; i++) {
		if ((ss[i].fd = blast_connect(target)) == -1) {
			fprintf(stderr, "smtp-blast: cannot connect to %s: "
			    "%s\n", target, strerror(errno));
			exit(1);
		}
		ev.events = EPOLLIN;
		ev.data.ptr = &ss[i];
		epoll_ctl(b->ep, EPOLL_CTL_ADD, ss[i].fd, &ev);
		b->live++;
	}
	return ss;
}

int
main(int argc, char **argv)
{
	struct blast b;
	struct blast_sess *ss;
	struct rusage ru;
	const char *from = "sender@blast.test", *to = "rcpt@blast.test";
	double t0, secs, limit = 120;
	long nsess = 20, size = 4096;
	int c, timedout;

	memset(&b, 0, sizeof(b));
	b.total = 1000;
	while ((c = getopt(argc, argv, "s:m:l:f:t:T:F:")) != -1) {
		switch (c) {
		case 's': nsess = atol(optarg); break;
		case 'm': b.total = atol(optarg); break;
		case 'l': size = atol(optarg); break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'T': limit = atof(optarg); break;
		case 'F': b.msg_file = optarg; break;
		default: blast_usage();
		}
	}
	if (optind != argc - 1 || nsess < 1 || nsess > BLAST_MAXSESS ||
	    b.total < 0 || size < 0 || size > (1L << 26) || limit <= 0 ||
	    strlen(from) > 256 || strlen(to) > 256)
		blast_usage();
	t0 = blast_now();
	ss = blast_setup(&b, nsess, size, from, to, argv[optind]);
	timedout = blast_run(&b, t0 + limit) != 0;
	secs = blast_now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("smtp-blast: %ld messages in %.3f s: %.0f messages/s, "
	    "%ld errors, client CPU %.3f s%s\n", b.sent, secs, b.sent / secs,
	    b.errors, ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	    timedout ? " (TIMED OUT)" : "");
	free(ss);
	free(b.cmds);
	free(b.msg);
	return timedout || b.errors > 0 || b.sent != b.total;
}
