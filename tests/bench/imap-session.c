/*
 * imap-session.c — scripts/bench-imap's IMAP client: one scripted
 * session, timed step by step, the same against every server.
 *
 *   imap-session [-o dir] [-T seconds] host:port < script
 *
 * The script has one command a line: "STEP COMMAND".  COMMAND is sent
 * as "tN COMMAND\r\n" and its responses are read up to the tagged
 * completion; one that is not OK marks the step "failed" (its first such
 * completion said on stderr) and the session goes on.  Two
 * commands are the client's own:
 *   @connect             connect and read the greeting
 *   @append MBOX DIR     APPEND every file of DIR (by name) to MBOX, one
 *                        at a time; a non-synchronising literal when the
 *                        server announced LITERAL+, else a synchronising
 *                        one (waiting for "+")
 * Lines with the same STEP add up; a STEP starting with '-' is done but
 * not reported (clean-up).  Responses are read into one buffer with
 * large reads: lines end at LF, a line ending in "{n}" is followed by n
 * octets of literal, skipped whole, then the line goes on.
 *
 * Prints one line per STEP (in first-use order): the name, the
 * microseconds, the octets received, the untagged responses, the
 * commands, and "ok" or "failed".  Exit 1 when the connection fails or
 * the server closes it, or a script line is wrong.  With -o, each STEP's responses as received are also
 * written to dir/STEP, for comparing what two servers send.  -T (default
 * 300) bounds the session.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
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

#define IS_READ		(256 * 1024)
#define IS_STEPS	64
#define IS_LINE		8192

struct is_step {
	char	 name[64];
	int	 failed;	/* a completion was not OK */
	double	 usec;
	long	 octets, untagged, commands;
	FILE	*out;
};

struct is {
	int		 fd, seconds, literal_plus;
	char		*buf;		/* received; unconsumed [off, len) */
	size_t		 off, len, cap;
	long		 tag;
	const char	*outdir;
	struct is_step	 steps[IS_STEPS], *cur;
	int		 nsteps;
};

static void
is_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("imap-session: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double
is_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
is_connect(const char *hostport, int seconds)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct timeval tv = { .tv_sec = seconds };
	char host[256], *colon;
	int fd, one = 1;

	snprintf(host, sizeof(host), "%s", hostport);
	if ((colon = strrchr(host, ':')) == NULL)
		is_fail("%s: not host:port", hostport);
	*colon = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		is_fail("%s: cannot resolve", hostport);
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		is_fail("connect %s: %s", hostport, strerror(errno));
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Read more into the buffer (moving what is unconsumed to its start). */
static void
is_fill(struct is *s)
{
	ssize_t n;

	if (s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (s->cap - s->len < IS_READ) {
		s->cap = s->len + 2 * IS_READ;
		if ((s->buf = realloc(s->buf, s->cap)) == NULL)
			is_fail("out of memory");
	}
	n = read(s->fd, s->buf + s->len, s->cap - s->len);
	if (n < 0)
		is_fail("read: %s", strerror(errno));
	if (n == 0)
		is_fail("the server closed the connection");
	s->len += n;
	s->cur->octets += n;
}

static void
is_write(struct is *s, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(s->fd, c, n)) <= 0)
			is_fail("write: %s", strerror(errno));
		c += w;
		n -= w;
	}
}

/* Consume n octets (a literal), keeping them for -o. */
static void
is_skip(struct is *s, size_t n)
{
	while (s->len - s->off < n)
		is_fill(s);
	if (s->cur->out != NULL)
		fwrite(s->buf + s->off, 1, n, s->cur->out);
	s->off += n;
}

/*
 * One response line (to LF, consumed; its literals skipped and the line
 * going on after them).  Returns its first IS_LINE - 1 octets, NUL
 * terminated, in line.
 */
static void
is_line(struct is *s, char *line)
{
	size_t scanned = 0, n, keep = 0;
	char *eol, *brace;
	long lit;

	for (;;) {
		while (s->len - s->off == scanned ||
		    (eol = memchr(s->buf + s->off + scanned, '\n',
		    s->len - s->off - scanned)) == NULL) {
			scanned = s->len - s->off;
			is_fill(s);
		}
		n = eol + 1 - (s->buf + s->off);
		if (keep < IS_LINE - 1) {
			size_t k = n < IS_LINE - 1 - keep ? n :
			    IS_LINE - 1 - keep;
			memcpy(line + keep, s->buf + s->off, k);
			keep += k;
		}
		if (s->cur->out != NULL)
			fwrite(s->buf + s->off, 1, n, s->cur->out);
		lit = -1;
		if (n >= 4 && eol[-1] == '\r' && eol[-2] == '}' &&
		    (brace = memrchr(s->buf + s->off, '{', n)) != NULL)
			lit = strtol(brace + 1, NULL, 10);
		s->off += n;
		scanned = 0;
		if (lit < 0)
			break;
		is_skip(s, lit);
	}
	line[keep] = '\0';
}

/* Note what a response line announces (LITERAL+). */
static void
is_capabilities(struct is *s, const char *line)
{
	if (strstr(line, "CAPABILITY") != NULL &&
	    strstr(line, "LITERAL+") != NULL)
		s->literal_plus = 1;
}

/*
 * Responses up to the tagged completion of tag.  One that is not OK
 * marks the step failed (said on stderr) and the session goes on.
 */
static void
is_complete(struct is *s, const char *tag, const char *what)
{
	char line[IS_LINE];
	size_t tl = strlen(tag);

	for (;;) {
		is_line(s, line);
		is_capabilities(s, line);
		if (line[0] == '*') {
			s->cur->untagged++;
			continue;
		}
		if (strncmp(line, tag, tl) == 0 && line[tl] == ' ')
			break;
	}
	if (strncmp(line + tl + 1, "OK", 2) != 0) {
		if (!s->cur->failed)
			fprintf(stderr, "imap-session: %s: %s: %.200s",
			    s->cur->name, what, line);
		s->cur->failed = 1;
	}
}

static void
is_command(struct is *s, const char *cmd)
{
	char tag[32], line[IS_LINE];
	int n;

	snprintf(tag, sizeof(tag), "t%ld", ++s->tag);
	n = snprintf(line, sizeof(line), "%s %s\r\n", tag, cmd);
	if (n >= (int)sizeof(line))
		is_fail("command too long: %s", cmd);
	is_write(s, line, n);
	is_complete(s, tag, cmd);
}

/*
 * Wait for the "+" of a synchronising literal: 1, or 0 when the command
 * was refused instead (the step marked failed).
 */
static int
is_continue(struct is *s, const char *what)
{
	char line[IS_LINE];

	for (;;) {
		is_line(s, line);
		if (line[0] == '+')
			return 1;
		if (line[0] != '*') {
			if (!s->cur->failed)
				fprintf(stderr, "imap-session: %s: %s: %.200s",
				    s->cur->name, what, line);
			s->cur->failed = 1;
			return 0;
		}
		s->cur->untagged++;
	}
}

static char *
is_slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *data;

	if (f == NULL || fstat(fileno(f), &st) != 0)
		is_fail("%s: %s", path, strerror(errno));
	if ((data = malloc(st.st_size + 1)) == NULL ||
	    fread(data, 1, st.st_size, f) != (size_t)st.st_size)
		is_fail("%s: cannot read", path);
	fclose(f);
	*lenp = st.st_size;
	return data;
}

static void
is_append_one(struct is *s, const char *mbox, const char *path)
{
	char tag[32], head[512];
	size_t len;
	char *data = is_slurp(path, &len);
	int n;

	snprintf(tag, sizeof(tag), "t%ld", ++s->tag);
	n = snprintf(head, sizeof(head), "%s APPEND %s {%zu%s}\r\n", tag,
	    mbox, len, s->literal_plus ? "+" : "");
	is_write(s, head, n);
	if (s->literal_plus || is_continue(s, "APPEND")) {
		is_write(s, data, len);
		is_write(s, "\r\n", 2);
		is_complete(s, tag, "APPEND");
	}
	s->cur->commands++;
	free(data);
}

static int
is_by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
is_append(struct is *s, const char *mbox, const char *dir)
{
	struct dirent **names;
	char path[4096];
	int i, n;

	if ((n = scandir(dir, &names, NULL, is_by_name)) < 0)
		is_fail("%s: %s", dir, strerror(errno));
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    names[i]->d_name);
			is_append_one(s, mbox, path);
		}
		free(names[i]);
	}
	free(names);
}

/* The step called name (made on first use). */
static struct is_step *
is_step(struct is *s, const char *name)
{
	struct is_step *st;
	char path[4096];
	int i;

	for (i = 0; i < s->nsteps; i++)
		if (strcmp(s->steps[i].name, name) == 0)
			return &s->steps[i];
	if (s->nsteps == IS_STEPS)
		is_fail("too many steps");
	if (strlen(name) >= sizeof(st->name))
		is_fail("step name too long: %s", name);
	st = &s->steps[s->nsteps++];
	memcpy(st->name, name, strlen(name) + 1);
	if (s->outdir != NULL && name[0] != '-') {
		snprintf(path, sizeof(path), "%s/%s", s->outdir, st->name);
		if ((st->out = fopen(path, "wb")) == NULL)
			is_fail("%s: %s", path, strerror(errno));
	}
	return st;
}

/* One script line: "STEP COMMAND". */
static void
is_run(struct is *s, char *line, const char *hostport)
{
	char *cmd, *mbox, *dir;
	double t0;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0' || line[0] == '#')
		return;
	if ((cmd = strchr(line, ' ')) == NULL)
		is_fail("script line without a command: %s", line);
	*cmd++ = '\0';
	s->cur = is_step(s, line);
	t0 = is_now();
	if (strcmp(cmd, "@connect") == 0) {
		char greeting[IS_LINE];

		s->fd = is_connect(hostport, s->seconds);
		is_line(s, greeting);
		is_capabilities(s, greeting);
		if (strncmp(greeting, "* OK", 4) != 0)
			is_fail("greeting: %s", greeting);
	} else if (strncmp(cmd, "@append ", 8) == 0) {
		mbox = strtok(cmd + 8, " ");
		dir = strtok(NULL, " ");
		if (mbox == NULL || dir == NULL)
			is_fail("@append MBOX DIR");
		is_append(s, mbox, dir);
	} else {
		is_command(s, cmd);
		s->cur->commands++;
	}
	s->cur->usec += is_now() - t0;
}

int
main(int argc, char **argv)
{
	struct is s = { .fd = -1, .seconds = 300 };
	char line[IS_LINE];
	int c, i;

	while ((c = getopt(argc, argv, "o:T:")) != -1) {
		if (c == 'o')
			s.outdir = optarg;
		else if (c == 'T')
			s.seconds = atoi(optarg);
		else
			is_fail("usage: imap-session [-o dir] [-T seconds] "
			    "host:port < script");
	}
	if (argc - optind != 1)
		is_fail("usage: imap-session [-o dir] [-T seconds] "
		    "host:port < script");
	alarm(s.seconds);
	while (fgets(line, sizeof(line), stdin) != NULL)
		is_run(&s, line, argv[optind]);
	for (i = 0; i < s.nsteps; i++) {
		if (s.steps[i].out != NULL && fclose(s.steps[i].out) != 0)
			is_fail("cannot write -o %s", s.steps[i].name);
		if (s.steps[i].name[0] != '-')
			printf("%s %.0f %ld %ld %ld %s\n", s.steps[i].name,
			    s.steps[i].usec, s.steps[i].octets,
			    s.steps[i].untagged, s.steps[i].commands,
			    s.steps[i].failed ? "failed" : "ok");
	}
	if (s.fd >= 0)
		close(s.fd);
	free(s.buf);
	return 0;
}
