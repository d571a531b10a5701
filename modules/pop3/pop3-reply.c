/*
 * pop3-reply.c — status lines (+OK / -ERR [CODE] text, sanitised, kept
 * within 512 octets) and the CAPA listing (RFC 2449 5).
 */
#include <stdio.h>
#include <string.h>

#include "pop3-parse.h"

/* An output buffer that counts past its end (snprintf-like). */
struct pop3_out {
	char *buf;
	size_t cap;
	size_t len;
};

static void pop3_out_put(struct pop3_out *o, const char *s, size_t n);
static void pop3_out_text(struct pop3_out *o, const char *s, size_t room,
    bool utf8);
static void pop3_out_end(struct pop3_out *o);
static size_t pop3_status(char *buf, size_t cap, const char *head,
    const char *text, bool utf8);
static void pop3_capa_mechs(struct pop3_out *o, const char *mechs);
static void pop3_capa_policy(struct pop3_out *o, const char *name,
    const char *value, bool per_user);

static void
pop3_out_put(struct pop3_out *o, const char *s, size_t n)
{
	size_t room;

	/* UNSAFE: copy what fits, keep counting the rest. */
	if (o->len + 1 < o->cap) {
		room = o->cap - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

/* Sanitised text, at most `room` octets (a UTF-8 sequence is not cut:
 * a cut one would leave a broken tail). */
static void
pop3_out_text(struct pop3_out *o, const char *s, size_t room, bool utf8)
{
	size_t i, n = strlen(s);
	unsigned char c;
	char ch;

	if (n > room) {
		n = room;
		while (utf8 && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			ch = ' ';
		else if (c >= 0x80 && !utf8)
			ch = '?';
		else
			ch = (char)c;
		pop3_out_put(o, &ch, 1);
	}
}

static void
pop3_out_end(struct pop3_out *o)
{
	if (o->cap > 0)
		o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
}

static size_t
pop3_status(char *buf, size_t cap, const char *head, const char *text,
    bool utf8)
{
	struct pop3_out o = { buf, cap, 0 };

	pop3_out_put(&o, head, strlen(head));
	if (text != NULL && text[0] != '\0') {
		pop3_out_put(&o, " ", 1);
		pop3_out_text(&o, text, POP3_REPLY_MAX - 2 - o.len, utf8);
	}
	pop3_out_put(&o, "\r\n", 2);
	pop3_out_end(&o);
	return o.len;
}

size_t
pop3_reply_ok(char *buf, size_t cap, const char *text, bool utf8)
{
	return pop3_status(buf, cap, "+OK", text, utf8);
}

size_t
pop3_reply_err(char *buf, size_t cap, enum pop3_code code, const char *text,
    bool codes, bool utf8)
{
	char head[32];

	if (codes && pop3_code_name(code) != NULL)
		snprintf(head, sizeof(head), "-ERR [%s]", pop3_code_name(code));
	else
		snprintf(head, sizeof(head), "-ERR");
	return pop3_status(buf, cap, head, text, utf8);
}

size_t
pop3_reply_error(char *buf, size_t cap, const struct pop3_error *err,
    bool codes)
{
	return pop3_reply_err(buf, cap, err->code, err->text, codes, false);
}

/* "SASL" and the valid mechanism names of a space-separated list. */
static void
pop3_capa_mechs(struct pop3_out *o, const char *mechs)
{
	const char *p = mechs, *e;
	size_t n, i, line = 4;
	bool ok;

	pop3_out_put(o, "SASL", 4);
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			continue;
		n = (size_t)(e - p);
		ok = n > 0 && n <= 20;
		for (i = 0; ok && i < n; i++)
			ok = (p[i] >= 'A' && p[i] <= 'Z') ||
			    (p[i] >= '0' && p[i] <= '9') || p[i] == '-' ||
			    p[i] == '_';
		if (ok && line + 1 + n + 2 <= POP3_REPLY_MAX) {
			pop3_out_put(o, " ", 1);
			pop3_out_put(o, p, n);
			line += 1 + n;
		}
		p = e;
	}
	pop3_out_put(o, "\r\n", 2);
}

static void
pop3_capa_policy(struct pop3_out *o, const char *name, const char *value,
    bool per_user)
{
	pop3_out_put(o, name, strlen(name));
	pop3_out_put(o, " ", 1);
	pop3_out_put(o, value, strlen(value));
	if (per_user)
		pop3_out_put(o, " USER", 5);
	pop3_out_put(o, "\r\n", 2);
}

#define POP3_CAPA_LINE(o, c, bit, s) do {				\
	if ((c)->flags & (bit))						\
		pop3_out_put((o), s "\r\n", sizeof(s "\r\n") - 1);	\
} while (0)

size_t
pop3_capa_format(char *buf, size_t cap, const struct pop3_capa *c,
    enum pop3_state state)
{
	struct pop3_out o = { buf, cap, 0 };
	bool per_user = c->per_user && state == POP3_STATE_AUTHORIZATION;
	char num[16];

	pop3_out_put(&o, "+OK Capability list follows\r\n", 29);
	POP3_CAPA_LINE(&o, c, POP3_CAPA_TOP, "TOP");
	POP3_CAPA_LINE(&o, c, POP3_CAPA_USER, "USER");
	POP3_CAPA_LINE(&o, c, POP3_CAPA_UIDL, "UIDL");
	if ((c->flags & POP3_CAPA_SASL) && c->sasl_mechs != NULL &&
	    c->sasl_mechs[0] != '\0')
		pop3_capa_mechs(&o, c->sasl_mechs);
	POP3_CAPA_LINE(&o, c, POP3_CAPA_STLS, "STLS");
	if (c->flags & POP3_CAPA_UTF8)
		pop3_out_put(&o, c->utf8_user ? "UTF8 USER\r\n" : "UTF8\r\n",
		    c->utf8_user ? 11 : 6);
	POP3_CAPA_LINE(&o, c, POP3_CAPA_RESP_CODES, "RESP-CODES");
	POP3_CAPA_LINE(&o, c, POP3_CAPA_AUTH_RESP_CODE, "AUTH-RESP-CODE");
	POP3_CAPA_LINE(&o, c, POP3_CAPA_PIPELINING, "PIPELINING");
	if (c->flags & POP3_CAPA_EXPIRE) {
		if (c->expire_days < 0)
			snprintf(num, sizeof(num), "NEVER");
		else
			snprintf(num, sizeof(num), "%ld", (long)c->expire_days);
		pop3_capa_policy(&o, "EXPIRE", num, per_user);
	}
	if (c->flags & POP3_CAPA_LOGIN_DELAY) {
		snprintf(num, sizeof(num), "%lu",
		    (unsigned long)c->login_delay);
		pop3_capa_policy(&o, "LOGIN-DELAY", num, per_user);
	}
	if ((c->flags & POP3_CAPA_IMPLEMENTATION) &&
	    c->implementation != NULL) {
		pop3_out_put(&o, "IMPLEMENTATION ", 15);
		pop3_out_text(&o, c->implementation, POP3_REPLY_MAX - 17,
		    false);
		pop3_out_put(&o, "\r\n", 2);
	}
	pop3_out_put(&o, ".\r\n", 3);
	pop3_out_end(&o);
	return o.len;
}
