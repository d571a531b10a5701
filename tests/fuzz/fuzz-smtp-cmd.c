/*
 * fuzz-smtp-cmd.c — libFuzzer target for the smtp command parser and
 * what the session runs on its arguments (MAIL, RCPT with every
 * parameter, HELO, BDAT, XCLIENT).  The input is a stream of command
 * lines; it is framed at CRLF twice, once whole and once fed one byte at
 * a time to an accumulating framer, and both runs must give the same
 * results.  Checks: every refusal is a 5xx with a matching enhanced code
 * and printable text; the formatted reply has CRLF only at line ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_LINE_MAX	16384

static const struct smtp_parse_cfg fz_cfg = { 0xffff, 100000, 3600,
    1700000000, 10 };

static void
fz_check_err(const struct smtp_error *e)
{
	char reply[1024];
	size_t i, n;

	if (e->code < 500 || e->code > 599 ||
	    !smtp_enhanced_valid(e->enhanced, e->code))
		abort();
	for (i = 0; e->text[i] != '\0'; i++)
		if (e->text[i] < 0x20 || e->text[i] > 0x7e)
			abort();
	n = smtp_reply_error(reply, sizeof(reply), e, true);
	if (n >= sizeof(reply) || n < 2 || memchr(reply, '\r', n) !=
	    reply + n - 2 || memchr(reply, '\n', n) != reply + n - 1)
		abort();
}

/* One line: a small digest of what the parsers said. */
static uint32_t
fz_line(const char *line, size_t len, bool lmtp)
{
	static struct smtp_mail mail;
	static struct smtp_rcpt rcpt;
	struct smtp_xclient x;
	struct smtp_error e;
	struct smtp_cmd c;
	char name[300];
	uint64_t n;
	bool last;
	int rc;

	if (smtp_cmd_parse(line, len, 0, 0xffff, lmtp, &c, &e) < 0) {
		fz_check_err(&e);
		return e.code;
	}
	if (c.args + c.args_len > line + len)
		abort();
	switch (c.verb) {
	case SMTP_VERB_MAIL:
		rc = smtp_mail_parse(c.args, c.args_len, &fz_cfg, &mail, &e);
		break;
	case SMTP_VERB_RCPT:
		rc = smtp_rcpt_parse(c.args, c.args_len, &fz_cfg, len & 1,
		    &rcpt, &e);
		break;
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
	case SMTP_VERB_LHLO:
		rc = smtp_helo_parse(c.args, c.args_len, len & 1, name,
		    sizeof(name), &e);
		break;
	case SMTP_VERB_BDAT:
		rc = smtp_bdat_parse(c.args, c.args_len, &n, &last, &e);
		break;
	case SMTP_VERB_XCLIENT:
		rc = smtp_xclient_parse(c.args, c.args_len, &x, &e);
		break;
	default:
		rc = 0;
	}
	if (rc < 0) {
		fz_check_err(&e);
		return e.code * 100 + c.verb;
	}
	return c.verb;
}

/* Frame at CRLF: `step` 0 hands every line over at once; otherwise the
 * bytes go one by one into a buffer, as a socket reader would. */
static uint32_t
fz_run(const char *in, size_t size, bool bytewise, bool lmtp)
{
	static char buf[FZ_LINE_MAX];
	uint32_t h = 2166136261u;
	size_t i, start = 0, len = 0;

	for (i = 0; i < size; i++) {
		if (bytewise) {
			if (len < sizeof(buf))
				buf[len] = in[i];
			len++;
		}
		if (i > 0 && in[i - 1] == '\r' && in[i] == '\n') {
			if (bytewise)
				h = (h ^ (len - 2 <= sizeof(buf) ? fz_line(buf,
				    len - 2, lmtp) : 1)) * 16777619u;
			else
				h = (h ^ (i - 1 - start <= sizeof(buf) ?
				    fz_line(in + start, i - 1 - start, lmtp) :
				    1)) * 16777619u;
			start = i + 1;
			len = 0;
		}
	}
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;
	bool lmtp;

	if (size == 0)
		return 0;
	lmtp = data[0] & 1;
	/* An exact-size copy, so ASan sees any read past the end. */
	copy = malloc(size - 1 > 0 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	if (fz_run(copy, size - 1, false, lmtp) !=
	    fz_run(copy, size - 1, true, lmtp))
		abort();
	/* The whole input as one line, too. */
	(void)fz_line(copy, size - 1, lmtp);
	free(copy);
	return 0;
}
