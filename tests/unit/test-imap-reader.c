/*
 * test-imap-reader.c — modules/imap's streaming command reader: framing,
 * tags, UID forms, synchronising and non-synchronising literals,
 * LITERAL- and the size limits with the RFC's response codes, APPEND's
 * streamed message, literal8, refusals that keep the tag and skip the
 * rest of the command, raw lines; every scenario is fed whole and one
 * octet at a time and must give the same events.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "imap-parse.h"

struct drv {
	struct imap_reader r;
	char buf[4096];
	char log[16384];
	size_t loglen;
	bool reject;
	bool raw_after;		/* a raw line after each command */
	char appended[8192];
	size_t applen;
};

static void
logf_(struct drv *d, const char *s, size_t n)
{
	if (d->loglen + n < sizeof(d->log)) {
		memcpy(d->log + d->loglen, s, n);
		d->loglen += n;
		d->log[d->loglen] = '\0';
	}
}

static void
log_event(struct drv *d, enum imap_rd_event ev)
{
	char tmp[8192];
	const struct imap_command *c;
	const struct imap_rd_literal *l;
	const struct imap_error *e;
	const char *p;
	size_t n;
	int k = 0;

	switch (ev) {
	case IMAP_RD_COMMAND:
		c = imap_reader_command(&d->r);
		k = snprintf(tmp, sizeof(tmp), "CMD %.*s %d [%.*s]%s|",
		    (int)c->tag_len, c->tag, c->cmd, (int)c->args_len,
		    c->args, c->streamed ? " streamed" : "");
		if (d->raw_after)
			imap_reader_expect_line(&d->r);
		break;
	case IMAP_RD_LITERAL:
		l = imap_reader_literal(&d->r);
		k = snprintf(tmp, sizeof(tmp), "LIT %llu%s%s%s|",
		    (unsigned long long)l->size, l->sync ? " sync" : "",
		    l->binary ? " bin" : "", l->stream ? " stream" : "");
		if (d->reject)
			imap_reader_reject(&d->r);
		else
			imap_reader_accept(&d->r);
		break;
	case IMAP_RD_DATA:
		p = imap_reader_data(&d->r, &n);
		memcpy(d->appended + d->applen, p, n);
		d->applen += n;
		return;		/* chunking differs between runs */
	case IMAP_RD_ERROR:
		e = imap_reader_error(&d->r, &p, &n);
		imap_reply_error(tmp, sizeof(tmp), p, n, e);
		k = (int)strlen(tmp);
		tmp[k - 2] = '|';
		k--;
		break;
	case IMAP_RD_LINE:
		p = imap_reader_line(&d->r, &n);
		k = snprintf(tmp, sizeof(tmp), "LINE %.*s|", (int)n, p);
		break;
	default:
		return;
	}
	logf_(d, tmp, (size_t)k);
}

static void
run_step(struct drv *d, const char *in, size_t len, size_t step,
    const struct imap_limits *lim, size_t cap)
{
	size_t off = 0, n, used;
	enum imap_rd_event ev;

	memset(d->log, 0, sizeof(d->log));
	d->loglen = 0;
	d->applen = 0;
	imap_reader_init(&d->r, lim, d->buf, cap);
	while (off < len) {
		n = len - off < step ? len - off : step;
		while (n > 0) {
			ev = imap_reader_feed(&d->r, in + off, n, &used);
			log_event(d, ev);
			off += used;
			n -= used;
		}
	}
}

static struct drv whole, trickle;
static struct imap_limits lim = {
	.max_append = 1000,
	.literal_plus = true,
	.binary = true,
};

/* Both ways must agree; returns the log. */
static const char *
run_cap(const char *in, size_t len, size_t cap)
{
	trickle.reject = whole.reject;
	trickle.raw_after = whole.raw_after;
	run_step(&whole, in, len, len, &lim, cap);
	run_step(&trickle, in, len, 1, &lim, cap);
	cr_assert_str_eq(whole.log, trickle.log);
	cr_assert_eq(whole.applen, trickle.applen);
	cr_assert(memcmp(whole.appended, trickle.appended, whole.applen) == 0);
	return whole.log;
}

static const char *
run(const char *in)
{
	return run_cap(in, strlen(in), sizeof(whole.buf));
}

Test(imap_reader, simple_and_pipelined)
{
	cr_assert_str_eq(run("a001 LOGIN SMITH SESAME\r\n"),
	    "CMD a001 7 [SMITH SESAME]|");
	cr_assert_str_eq(run("A1 NOOP\r\nA2 CAPABILITY\r\nA3 LOGOUT\r\n"),
	    "CMD A1 2 []|CMD A2 1 []|CMD A3 3 []|");
	/* Bare LF is accepted; an empty line is ignored. */
	cr_assert_str_eq(run("\r\nA1 noop\nA2 XYZZY a\r\n"),
	    "CMD A1 2 []|CMD A2 0 [a]|");
}

Test(imap_reader, uid_forms)
{
	cr_assert_str_eq(run("A999 UID FETCH 4827313:4828442 FLAGS\r\n"),
	    "CMD A999 33 [4827313:4828442 FLAGS]|");
	cr_assert_eq(imap_reader_command(&whole.r)->cmd, IMAP_CMD_UID_FETCH);
	cr_assert_str_eq(run("A1 uid expunge 3000:3002\r\nA2 UID\r\n"
	    "A3 UID LIST x\r\n"),
	    "CMD A1 36 [3000:3002]|CMD A2 0 []|CMD A3 0 [x]|");
}

Test(imap_reader, tags)
{
	cr_assert_str_eq(run("+ NOOP\r\nA\"1 NOOP\r\nA1\r\n A2 NOOP\r\n"),
	    "* BAD Invalid tag|* BAD Invalid tag|A1 BAD Missing command|"
	    "* BAD Invalid tag|");
	cr_assert_str_eq(run("A1 \r\nt]x NOOP\r\n"),
	    "A1 BAD Missing command|CMD t]x 2 []|");
}

Test(imap_reader, sync_literal_rfc9051_login)
{
	struct gd_pool *pool = gd_pool_create("t");
	struct imap_error err;
	struct imap_args a;
	const struct imap_command *c;
	char *user, *pass;

	cr_assert_str_eq(run("a001 LOGIN {11}\r\nFRED FOOBAR {7}\r\n"
	    "fat man\r\n"), "LIT 11 sync|LIT 7 sync|"
	    "CMD a001 7 [{11}\r\nFRED FOOBAR {7}\r\nfat man]|");
	c = imap_reader_command(&whole.r);
	imap_args_init(&a, c->args, c->args_len, pool, 0, &err);
	cr_assert_eq(imap_parse_login(&a, &user, &pass), 0);
	cr_assert_str_eq(user, "FRED FOOBAR");
	cr_assert_str_eq(pass, "fat man");
	gd_pool_destroy(&pool);
}

Test(imap_reader, nonsync_literal_no_event)
{
	cr_assert_str_eq(run("A1 LOGIN {3+}\r\nabc {0+}\r\n\r\n"),
	    "CMD A1 7 [{3+}\r\nabc {0+}\r\n]|");
	/* A literal's octets are not looked at: CRLF inside is data. */
	cr_assert_str_eq(run("A1 LOGIN {4+}\r\n\r\n\r\n x\r\n"),
	    "CMD A1 7 [{4+}\r\n\r\n\r\n x]|");
}

Test(imap_reader, braces_inside_quotes_are_not_literals)
{
	cr_assert_str_eq(run("A1 LOGIN \"foo {5}\" x\r\n"),
	    "CMD A1 7 [\"foo {5}\" x]|");
	cr_assert_str_eq(run("A1 LOGIN \"a\\\"{5}\"\r\n"),
	    "CMD A1 7 [\"a\\\"{5}\"]|");
	cr_assert_str_eq(run("A1 LOGIN a {5\r\n}\r\n"),
	    "CMD A1 7 [a {5]|} BAD Missing command|");
}

Test(imap_reader, literal_minus)
{
	static char in[6000];
	size_t n;

	lim.literal_plus = false;
	n = (size_t)snprintf(in, sizeof(in), "A1 LOGIN {4097+}\r\n");
	memset(in + n, 'x', 4097);
	n += 4097;
	n += (size_t)snprintf(in + n, sizeof(in) - n, " y\r\nA2 NOOP\r\n");
	cr_assert_str_eq(run_cap(in, n, sizeof(whole.buf)),
	    "A1 BAD [TOOBIG] LITERAL- allows {n+} up to 4096 octets|"
	    "CMD A2 2 []|");
	/* 4096 is still fine (and fits the 4096-octet buffer? no). */
	cr_assert_str_eq(run("A1 LOGIN {3+}\r\nabc x\r\n"),
	    "CMD A1 7 [{3+}\r\nabc x]|");
	lim.literal_plus = true;
}

Test(imap_reader, command_too_long)
{
	static char in[512];
	size_t n;

	n = (size_t)snprintf(in, sizeof(in), "A1 LOGIN %0100d {3+}\r\nabc"
	    "\r\nA2 NOOP\r\n", 7);
	cr_assert_str_eq(run_cap(in, n, 64),
	    "A1 BAD [TOOBIG] Command too long|CMD A2 2 []|");
	/* A synchronising literal that cannot fit: refused at once, and the
	 * client sends nothing more for that command. */
	cr_assert_str_eq(run_cap("A1 LOGIN {100}\r\nA2 NOOP\r\n", 25, 64),
	    "A1 BAD [TOOBIG] Command too long|CMD A2 2 []|");
	/* A tag longer than the buffer: untagged. */
	cr_assert_str_eq(run_cap("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA NOOP\r\nB NOOP\r\n",
	    95, 64), "* BAD [TOOBIG] Command too long|CMD B 2 []|");
}

Test(imap_reader, append_streamed_rfc9051)
{
	static const char msg[] = "Date: Mon, 7 Feb 1994 21:52:25 -0800 "
	    "(PST)\r\nFrom: Fred Foobar <foobar@Blurdybloop.example>\r\n"
	    "Subject: afternoon meeting\r\nTo: mooch@owatagu.siam.edu."
	    "example\r\nMessage-Id: <B27397-0100000@Blurdybloop.example>\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII"
	    "\r\n\r\nHello Joe, do you think we can meet at 3:30 tomorrow?"
	    "\r\n";
	char in[1024];
	size_t n;

	n = (size_t)snprintf(in, sizeof(in), "A003 APPEND saved-messages "
	    "(\\Seen) {%zu}\r\n%s\r\nA4 NOOP\r\n", strlen(msg), msg);
	cr_assert_str_eq(run_cap(in, n, 256),
	    "LIT 326 sync stream|CMD A003 20 [saved-messages (\\Seen) {326}]"
	    " streamed|CMD A4 2 []|");
	cr_assert_eq(whole.applen, strlen(msg));
	cr_assert(memcmp(whole.appended, msg, strlen(msg)) == 0);
}

Test(imap_reader, append_args_at_literal_event)
{
	struct imap_reader r;
	char buf[256];
	size_t used;
	const struct imap_command *c;
	struct imap_append ap;
	struct imap_error err;
	struct imap_args a;
	struct gd_pool *pool = gd_pool_create("t");
	const char *in = "A1 APPEND INBOX (\\Seen $Junk) "
	    "\"17-Jul-1996 02:44:25 -0700\" ~{5+}\r\nab";

	imap_reader_init(&r, &lim, buf, sizeof(buf));
	cr_assert_eq(imap_reader_feed(&r, in, strlen(in), &used),
	    IMAP_RD_LITERAL);
	cr_assert(imap_reader_literal(&r)->binary);
	cr_assert(!imap_reader_literal(&r)->sync);
	c = imap_reader_command(&r);
	imap_args_init(&a, c->args, c->args_len, pool, 0, &err);
	cr_assert_eq(imap_parse_append(&a, &ap), 0, "%s", err.text);
	cr_assert_str_eq(ap.mailbox, "INBOX");
	cr_assert_eq(ap.flags.system, GD_MAIL_SEEN);
	cr_assert_str_eq(ap.flags.keywords[0], "$Junk");
	cr_assert(ap.has_date);
	cr_assert_eq(ap.date, 837596665);
	cr_assert_eq(ap.size, 5);
	cr_assert(ap.binary);
	imap_reader_accept(&r);
	cr_assert_eq(imap_reader_feed(&r, in + used, strlen(in) - used,
	    &used), IMAP_RD_DATA);
	cr_assert_eq(used, 2);
	gd_pool_destroy(&pool);
}

Test(imap_reader, append_limits)
{
	static char in[2048];
	size_t n;

	cr_assert_str_eq(run("A1 APPEND INBOX {2000}\r\nA2 NOOP\r\n"),
	    "A1 NO [TOOBIG] Message too large|CMD A2 2 []|");
	n = (size_t)snprintf(in, sizeof(in), "A1 APPEND INBOX {1001+}\r\n");
	memset(in + n, 'm', 1001);
	n += 1001;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\nA2 NOOP\r\n");
	cr_assert_str_eq(run_cap(in, n, sizeof(whole.buf)),
	    "A1 NO [TOOBIG] Message too large|CMD A2 2 []|");
	/* The mailbox itself may be a literal: not streamed. */
	cr_assert_str_eq(run("A1 APPEND {5}\r\nINBOX {2}\r\nhi\r\n"),
	    "LIT 5 sync|LIT 2 sync stream|CMD A1 20 [{5}\r\nINBOX {2}] "
	    "streamed|");
}

Test(imap_reader, literal8)
{
	cr_assert_str_eq(run("A1 LOGIN ~{3}\r\nA2 NOOP\r\n"),
	    "A1 BAD Unexpected literal8|CMD A2 2 []|");
	lim.binary = false;
	cr_assert_str_eq(run_cap("A1 APPEND INBOX ~{3+}\r\na\0c\r\nA2 NOOP\r\n",
	    38, sizeof(whole.buf)),
	    "A1 BAD Unexpected literal8|CMD A2 2 []|");
	lim.binary = true;
	cr_assert_str_eq(run_cap("A1 APPEND INBOX ~{3+}\r\na\0c\r\n", 29,
	    sizeof(whole.buf)),
	    "LIT 3 bin stream|CMD A1 20 [INBOX ~{3+}] streamed|");
	cr_assert_eq(whole.applen, 3);
	cr_assert_eq(whole.appended[1], '\0');
}

Test(imap_reader, caller_rejects)
{
	whole.reject = true;
	cr_assert_str_eq(run("A1 APPEND INBOX {10}\r\nA2 NOOP\r\n"),
	    "LIT 10 sync stream|CMD A2 2 []|");
	cr_assert_str_eq(run("A1 APPEND INBOX {3+}\r\nabc (x) {2+}\r\nzz\r\n"
	    "A2 NOOP\r\n"), "LIT 3 stream|CMD A2 2 []|");
	whole.reject = false;
}

Test(imap_reader, bare_cr_refused)
{
	cr_assert_str_eq(run("A1 NOOP\rx\r\nA2 NOOP\r\n"),
	    "A1 BAD CR without LF in command|CMD A2 2 []|");
}

Test(imap_reader, raw_lines)
{
	whole.raw_after = true;
	cr_assert_str_eq(run("A1 AUTHENTICATE PLAIN\r\ndGVzdA==\r\n"),
	    "CMD A1 6 [PLAIN]|LINE dGVzdA==|");
	cr_assert(imap_idle_done("done", 4));
	cr_assert(!imap_idle_done("DONE ", 5));
	whole.raw_after = false;
}

Test(imap_reader, huge_literal_size)
{
	cr_assert_str_eq(run("A1 LOGIN {99999999999999999999}\r\nA2 NOOP\r\n"),
	    "A1 BAD Bad literal size|CMD A2 2 []|");
}

Test(imap_reader, auth_lines)
{
	cr_assert_eq(imap_auth_line_kind("*", 1), IMAP_AUTH_LINE_CANCEL);
	cr_assert_eq(imap_auth_line_kind("", 0), IMAP_AUTH_LINE_DATA);
	cr_assert_eq(imap_auth_line_kind("dGVzdA==", 8), IMAP_AUTH_LINE_DATA);
	cr_assert_eq(imap_auth_line_kind("dGVzdA=", 7), IMAP_AUTH_LINE_BAD);
	cr_assert_eq(imap_auth_line_kind("dG=zdA==", 8), IMAP_AUTH_LINE_BAD);
	cr_assert_eq(imap_auth_line_kind("dGVz dA=", 8), IMAP_AUTH_LINE_BAD);
}

/* RFC 9051 8: the sample connection's commands, read and parsed. */
Test(imap_reader, rfc9051_section8_session)
{
	static const char in[] = "a001 login mrc secret\r\n"
	    "a002 select inbox\r\na003 fetch 12 full\r\n"
	    "a004 fetch 12 body[header]\r\na005 store 12 +flags \\deleted\r\n"
	    "a006 logout\r\n";
	static const enum imap_cmd want[] = { IMAP_CMD_LOGIN,
	    IMAP_CMD_SELECT, IMAP_CMD_FETCH, IMAP_CMD_FETCH, IMAP_CMD_STORE,
	    IMAP_CMD_LOGOUT };
	struct gd_pool *pool = gd_pool_create("t");
	struct imap_reader r;
	char buf[256];
	const char *p = in;
	size_t left = sizeof(in) - 1, used, i;
	const struct imap_command *c;
	struct imap_error err;
	struct imap_args a;
	struct imap_select sel;
	struct imap_seqset set;
	struct imap_fetch f;
	struct imap_store st;
	char *u, *pw;

	imap_reader_init(&r, &lim, buf, sizeof(buf));
	for (i = 0; i < 6; i++) {
		cr_assert_eq(imap_reader_feed(&r, p, left, &used),
		    IMAP_RD_COMMAND);
		p += used;
		left -= used;
		c = imap_reader_command(&r);
		cr_assert_eq(c->cmd, want[i]);
		cr_assert_eq(imap_cmd_allowed(c->cmd, i == 0 ?
		    IMAP_STATE_NOT_AUTH : i == 1 ? IMAP_STATE_AUTH :
		    IMAP_STATE_SELECTED, 0, &err), 0);
		imap_args_init(&a, c->args, c->args_len, pool, 0, &err);
		switch (i) {
		case 0:
			cr_assert_eq(imap_parse_login(&a, &u, &pw), 0);
			cr_assert_str_eq(pw, "secret");
			break;
		case 1:
			cr_assert_eq(imap_parse_select(&a, &sel), 0);
			cr_assert_str_eq(sel.mailbox, "INBOX");
			break;
		case 2: case 3:
			cr_assert_eq(imap_parse_seqset(&a, true, &set), 0);
			cr_assert_eq(imap_parse_fetch(&a, &f), 0);
			cr_assert_eq(f.natts, i == 3 ? 1 : 0);
			cr_assert_eq(f.items & IMAP_FETCH_BODY, i == 2 ?
			    IMAP_FETCH_BODY : 0);
			break;
		case 4:
			cr_assert_eq(imap_parse_seqset(&a, true, &set), 0);
			cr_assert_eq(imap_parse_store(&a, &st), 0);
			cr_assert_eq(st.flags.system, GD_MAIL_DELETED);
			break;
		default:
			cr_assert(imap_args_at_end(&a));
		}
	}
	cr_assert_eq(left, 0);
	gd_pool_destroy(&pool);
}

Test(imap_reader, nul_only_in_literal8)
{
	/* CHAR8 excludes NUL: refused in the text and in a plain literal
	 * collected into the command, the tag kept, the session goes on. */
	cr_assert_str_eq(run_cap("A1 NOOP\0\r\nA2 NOOP\r\n", 19,
	    sizeof(whole.buf)),
	    "A1 BAD NUL in command (only a literal8 ~{n} may hold NUL)|"
	    "CMD A2 2 []|");
	cr_assert_str_eq(run_cap("A1 LOGIN {3+}\r\na\0c x\r\nA2 NOOP\r\n", 31,
	    sizeof(whole.buf)),
	    "A1 BAD NUL in command (only a literal8 ~{n} may hold NUL)|"
	    "CMD A2 2 []|");
	cr_assert_str_eq(run_cap("A1 LOGIN {3}\r\na\0c x\r\nA2 NOOP\r\n", 30,
	    sizeof(whole.buf)),
	    "LIT 3 sync|"
	    "A1 BAD NUL in command (only a literal8 ~{n} may hold NUL)|"
	    "CMD A2 2 []|");
	/* APPEND's plain message literal is streamed: the session checks
	 * it (imap_append_data); the reader hands the octets out. */
	cr_assert_str_eq(run_cap("A1 APPEND INBOX {3+}\r\na\0c\r\n", 28,
	    sizeof(whole.buf)),
	    "LIT 3 stream|CMD A1 20 [INBOX {3+}] streamed|");
	cr_assert_eq(whole.applen, 3);
}

Test(imap_reader, max_literal_sync_and_nonsync)
{
	static char in[512];
	size_t n;

	lim.max_literal = 10;
	/* Synchronising: refused before any data, the command is over. */
	cr_assert_str_eq(run("A1 LOGIN {11}\r\nA2 NOOP\r\n"),
	    "A1 BAD [TOOBIG] Literal too large (max 10 octets)|CMD A2 2 []|");
	/* Non-synchronising (LITERAL+): refused, its octets read and
	 * dropped, then the rest of the line; the next command is served. */
	n = (size_t)snprintf(in, sizeof(in), "A1 LOGIN {11+}\r\n"
	    "A2 NOOP\r\nxx x\r\nA3 NOOP\r\n");
	cr_assert_str_eq(run_cap(in, n, sizeof(whole.buf)),
	    "A1 BAD [TOOBIG] Literal too large (max 10 octets)|"
	    "CMD A3 2 []|");
	cr_assert(!imap_reader_dead(&whole.r));
	/* At the limit: accepted. */
	cr_assert_str_eq(run("A1 LOGIN {10+}\r\n0123456789 x\r\n"),
	    "CMD A1 7 [{10+}\r\n0123456789 x]|");
	/* APPEND's message is bounded by max_append, not max_literal. */
	cr_assert_str_eq(run("A1 APPEND INBOX {20+}\r\n"
	    "01234567890123456789\r\n"),
	    "LIT 20 stream|CMD A1 20 [INBOX {20+}] streamed|");
	lim.max_literal = 0;
}

Test(imap_reader, literal_too_large_to_drop)
{
	const char *in = "A1 LOGIN {5000+}\r\nxxxxA2 NOOP\r\n";
	const char *ap = "A1 APPEND INBOX {5000+}\r\nxxxxA2 NOOP\r\n";

	lim.max_drop = 4096;
	lim.max_literal = 10;
	/* Refused, and too large to read through: the reader is dead and
	 * gives no further event, whatever follows. */
	cr_assert_str_eq(run(in),
	    "A1 BAD [TOOBIG] Literal too large (max 10 octets)|");
	cr_assert(imap_reader_dead(&whole.r));
	cr_assert(imap_reader_dead(&trickle.r));
	cr_assert_str_eq(run(ap), "A1 NO [TOOBIG] Message too large|");
	cr_assert(imap_reader_dead(&whole.r));
	/* The caller's refusal of a streamed literal follows the rule
	 * too. */
	lim.max_append = 0;
	whole.reject = true;
	cr_assert_str_eq(run(ap), "LIT 5000 stream|");
	cr_assert(imap_reader_dead(&whole.r));
	whole.reject = false;
	/* A second {n+} of a refused command, too large to drop: nothing
	 * after it is read, in the same feed or later (fuzz-imap-cmd). */
	cr_assert_str_eq(run("A1 LOGIN {11+}\r\n01234567890 {5000+}\r\n"
	    "A2 NOOP\r\nA3 NOOP\r\n"),
	    "A1 BAD [TOOBIG] Literal too large (max 10 octets)|");
	cr_assert(imap_reader_dead(&whole.r));
	/* A refused synchronising literal sends no data: never dead. */
	cr_assert_str_eq(run("A1 LOGIN {5000}\r\nA2 NOOP\r\n"),
	    "A1 BAD [TOOBIG] Literal too large (max 10 octets)|"
	    "CMD A2 2 []|");
	cr_assert(!imap_reader_dead(&whole.r));
	lim.max_append = 1000;
	lim.max_literal = 0;
	lim.max_drop = 0;
}
