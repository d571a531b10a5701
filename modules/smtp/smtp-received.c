/*
 * smtp-received.c — the Received: trace field of RFC 5321 4.4 with the
 * RFC 3848 / RFC 6531 "with" protocol types, folded at 78 columns.
 */
#include <stdio.h>
#include <string.h>

#include <gumdrop/msg-date.h>

#include "smtp-parse.h"

#define SMTP_RCVD_FOLD	78

struct smtp_rcvd_out {
	struct smtp_out out;
	size_t col;			/* of the current line */
};

static void smtp_rcvd_put(struct smtp_rcvd_out *o, const char *s, size_t n);
static void smtp_rcvd_word(struct smtp_rcvd_out *o, const char *w);
static void smtp_rcvd_clean(const char *in, char *out, size_t cap,
    bool comment);
static void smtp_rcvd_literal(const char *addr, char *out, size_t cap);
static void smtp_rcvd_from(struct smtp_rcvd_out *o,
    const struct smtp_received *r);
static void smtp_rcvd_tls(struct smtp_rcvd_out *o,
    const struct smtp_received *r);

const char *
smtp_received_with(unsigned flags)
{
	static const char *const names[4][4] = {
		{ "ESMTP", "ESMTPA", "ESMTPS", "ESMTPSA" },
		{ "LMTP", "LMTPA", "LMTPS", "LMTPSA" },
		{ "UTF8SMTP", "UTF8SMTPA", "UTF8SMTPS", "UTF8SMTPSA" },
		{ "UTF8LMTP", "UTF8LMTPA", "UTF8LMTPS", "UTF8LMTPSA" },
	};
	unsigned row, col;

	if (!(flags & (SMTP_WITH_ESMTP | SMTP_WITH_LMTP | SMTP_WITH_UTF8)))
		return "SMTP";
	row = ((flags & SMTP_WITH_LMTP) ? 1 : 0) +
	    ((flags & SMTP_WITH_UTF8) ? 2 : 0);
	col = ((flags & SMTP_WITH_AUTH) ? 1 : 0) +
	    ((flags & SMTP_WITH_TLS) ? 2 : 0);
	return names[row][col];
}

static void
smtp_rcvd_put(struct smtp_rcvd_out *o, const char *s, size_t n)
{
	smtp_out_put(&o->out, s, n);
	o->col += n;
}

/*
 * One word, after a space or a fold.  One column is kept for the ";" or
 * ")" that the builder may put straight after a word.
 */
static void
smtp_rcvd_word(struct smtp_rcvd_out *o, const char *w)
{
	size_t n = strlen(w);

	if (o->col + 1 + n + 1 > SMTP_RCVD_FOLD && o->col > 1) {
		smtp_rcvd_put(o, "\r\n\t", 3);
		o->col = 1;
	} else
		smtp_rcvd_put(o, " ", 1);
	smtp_rcvd_put(o, w, n);
}

/* Printable ASCII only, no spaces; in a comment also no parentheses or
 * backslashes (escaped). */
static void
smtp_rcvd_clean(const char *in, char *out, size_t cap, bool comment)
{
	size_t n = 0;

	for (; *in != '\0' && n + 3 < cap; in++) {
		if (comment && (*in == '(' || *in == ')' || *in == '\\'))
			out[n++] = '\\';
		out[n++] = *in > ' ' && *in <= '~' ? *in : '?';
	}
	out[n] = '\0';
}

static void
smtp_rcvd_literal(const char *addr, char *out, size_t cap)
{
	char clean[128];

	smtp_rcvd_clean(addr, clean, sizeof(clean), false);
	snprintf(out, cap, strchr(clean, ':') != NULL ? "[IPv6:%s]" : "[%s]",
	    clean);
}

static void
smtp_rcvd_from(struct smtp_rcvd_out *o, const struct smtp_received *r)
{
	char parts[3][300], word[310];
	size_t n = 0, i;
	bool valid, local;

	valid = r->helo != NULL && (r->helo[0] == '[' ?
	    smtp_literal_check(r->helo, strlen(r->helo)) != SMTP_DOMAIN_NONE :
	    smtp_domain_ascii_valid(r->helo, strlen(r->helo)));
	if (r->client_rdns != NULL)
		smtp_rcvd_clean(r->client_rdns, parts[n++], sizeof(parts[0]),
		    true);
	/* A UNIX-socket peer has no address to put in a literal. */
	local = r->client_addr != NULL && strcmp(r->client_addr, "unix") == 0;
	if (local)
		strcpy(parts[n++], "UNIX socket");
	else
		smtp_rcvd_literal(r->client_addr != NULL ? r->client_addr :
		    "127.0.0.1", parts[n++], sizeof(parts[0]));
	smtp_rcvd_word(o, "from");
	/* RFC 5321 4.4: From-domain must be a Domain or a literal. */
	smtp_rcvd_word(o, valid ? r->helo : local ? "localhost" :
	    parts[n - 1]);
	if (!valid && r->helo != NULL) {
		strcpy(parts[n], "helo=");
		smtp_rcvd_clean(r->helo, parts[n] + 5, sizeof(parts[0]) - 5,
		    true);
		n++;
	}
	for (i = 0; i < n; i++) {
		snprintf(word, sizeof(word), "%s%.300s%s", i == 0 ? "(" : "",
		    parts[i], i + 1 == n ? ")" : "");
		smtp_rcvd_word(o, word);
	}
}

static void
smtp_rcvd_tls(struct smtp_rcvd_out *o, const struct smtp_received *r)
{
	char v[64], c[128], word[200];

	if (!(r->with & SMTP_WITH_TLS) || r->tls_version == NULL)
		return;
	smtp_rcvd_clean(r->tls_version, v, sizeof(v), true);
	snprintf(word, sizeof(word), "(using %s", v);
	smtp_rcvd_word(o, word);
	if (r->tls_cipher != NULL) {
		smtp_rcvd_word(o, "with");
		smtp_rcvd_word(o, "cipher");
		smtp_rcvd_clean(r->tls_cipher, c, sizeof(c), true);
		smtp_rcvd_word(o, c);
	}
	if (r->tls_bits != 0) {
		snprintf(word, sizeof(word), "(%u", r->tls_bits);
		smtp_rcvd_word(o, word);
		smtp_rcvd_word(o, "bits))");
	} else
		smtp_rcvd_put(o, ")", 1);
}

size_t
smtp_received_build(char *buf, size_t cap, const struct smtp_received *r)
{
	struct smtp_rcvd_out o = { { buf, cap, 0 }, 0 };
	char word[SMTP_PATH_MAX + 8], date[GD_MSG_DATE_MAX];

	smtp_rcvd_put(&o, "Received:", 9);
	smtp_rcvd_from(&o, r);
	smtp_rcvd_word(&o, "by");
	smtp_rcvd_clean(r->by_host, word, sizeof(word), false);
	smtp_rcvd_word(&o, word);
	smtp_rcvd_word(&o, "(Gumdrop)");
	smtp_rcvd_word(&o, "with");
	smtp_rcvd_word(&o, smtp_received_with(r->with));
	smtp_rcvd_tls(&o, r);
	if (r->queue_id != NULL) {
		smtp_rcvd_word(&o, "id");
		smtp_rcvd_clean(r->queue_id, word, sizeof(word), false);
		smtp_rcvd_word(&o, word);
	}
	if (r->rcpt != NULL && r->rcpt_count == 1) {
		smtp_rcvd_word(&o, "for");
		snprintf(word, sizeof(word), "<%.*s>",
		    (int)(sizeof(word) - 8), r->rcpt);
		/* In place: without `comment` nothing grows. */
		smtp_rcvd_clean(word, word, sizeof(word), false);
		smtp_rcvd_word(&o, word);
	}
	smtp_rcvd_put(&o, ";", 1);
	gd_msg_date_format(r->when, r->tz_minutes, date, sizeof(date));
	smtp_rcvd_word(&o, date);
	smtp_rcvd_put(&o, "\r\n", 2);
	if (cap > 0)
		buf[o.out.len < cap ? o.out.len : cap - 1] = '\0';
	return o.out.len;
}
