/*
 * scram-parse.c — the syntax of the client's messages (RFC 5802 7); see
 * scram.h.  Pure (no allocation; UTF-8 checked by the message library);
 * results point into the input.
 */
#include <string.h>

#include <gumdrop/msg-codec.h>

#include "scram.h"

static const char scram_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *const scram_error_names[] = {
	[SCRAM_OK] = "ok",
	[SCRAM_E_INVALID_ENCODING] = "invalid-encoding",
	[SCRAM_E_EXTENSIONS_NOT_SUPPORTED] = "extensions-not-supported",
	[SCRAM_E_INVALID_PROOF] = "invalid-proof",
	[SCRAM_E_CHANNEL_BINDINGS_DONT_MATCH] = "channel-bindings-dont-match",
	[SCRAM_E_SERVER_DOES_SUPPORT_CB] =
	    "server-does-support-channel-binding",
	[SCRAM_E_CB_NOT_SUPPORTED] = "channel-binding-not-supported",
	[SCRAM_E_UNSUPPORTED_CB_TYPE] = "unsupported-channel-binding-type",
	[SCRAM_E_INVALID_USERNAME_ENCODING] = "invalid-username-encoding",
	[SCRAM_E_OTHER] = "other-error",
};

/* A cursor over one message. */
struct scram_cur {
	const char *p;
	size_t len, pos;
};

const char *
scram_error_name(enum scram_error e)
{
	if ((unsigned)e >= sizeof(scram_error_names) /
	    sizeof(scram_error_names[0]))
		return "other-error";
	return scram_error_names[e];
}

bool
scram_utf8_valid(const void *s, size_t len)
{
	return memchr(s, '\0', len) == NULL && gd_msg_utf8_valid(s, len);
}

/* The value up to the next ',' (or the end): its start and length. */
static const char *
scram_cur_value(struct scram_cur *c, size_t *len_r)
{
	const char *start = c->p + c->pos, *comma;

	comma = memchr(start, ',', c->len - c->pos);
	*len_r = comma != NULL ? (size_t)(comma - start) : c->len - c->pos;
	c->pos += *len_r;
	return start;
}

/* Consume "K=" (attribute name K); false when something else is next. */
static bool
scram_cur_attr(struct scram_cur *c, char k)
{
	if (c->len - c->pos < 2 || c->p[c->pos] != k ||
	    c->p[c->pos + 1] != '=')
		return false;
	c->pos += 2;
	return true;
}

/* Consume ','; false at the end or on anything else. */
static bool
scram_cur_comma(struct scram_cur *c)
{
	if (c->pos >= c->len || c->p[c->pos] != ',')
		return false;
	c->pos++;
	return true;
}

/* saslname: 1*(value-safe-char / "=2C" / "=3D"), UTF-8. */
static bool
scram_saslname_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !scram_utf8_valid(s, len))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] != '=')
			continue;
		if (len - i < 3 || !((s[i + 1] == '2' && s[i + 2] == 'C') ||
		    (s[i + 1] == '3' && s[i + 2] == 'D')))
			return false;
		i += 2;
	}
	return true;
}

/* printable = %x21-2B / %x2D-7E, one or more. */
static bool
scram_printable_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',')
			return false;
	return true;
}

/* cb-name = 1*(ALPHA / DIGIT / "." / "-") */
static bool
scram_cbname_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '-'))
			return false;
	return true;
}

/* base64 syntax only (the alphabet, final padding, len % 4 == 0). */
static bool
scram_b64_ok(const char *s, size_t len)
{
	size_t i, pad = 0;

	if (len % 4 != 0)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '=' && i + 2 >= len)
			pad++;
		else if (pad > 0 || s[i] == '\0' ||
		    strchr(scram_b64_alphabet, s[i]) == NULL)
			return false;
	}
	return pad == 0 || s[len - 1] == '=';
}

/* extensions = attr-val *("," attr-val); attr-val = ALPHA "=" value,
 * value = 1*value-char (UTF-8 without NUL and ','). */
static bool
scram_ext_ok(const char *s, size_t len)
{
	if (len < 3 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= 'A' && s[0] <= 'Z')) || s[1] != '=')
		return false;
	return scram_utf8_valid(s + 2, len - 2);
}

/* gs2-header = gs2-cbind-flag "," [ authzid ] "," */
static enum scram_error
scram_parse_gs2(struct scram_cur *c, struct scram_first *f)
{
	size_t n;

	if (c->len == 0)
		return SCRAM_E_INVALID_ENCODING;
	f->cbflag = c->p[0];
	if (f->cbflag == 'n' || f->cbflag == 'y')
		c->pos = 1;
	else if (scram_cur_attr(c, 'p')) {
		f->cbflag = 'p';
		f->cbname = scram_cur_value(c, &f->cbname_len);
		if (!scram_cbname_ok(f->cbname, f->cbname_len))
			return SCRAM_E_INVALID_ENCODING;
	} else
		return SCRAM_E_INVALID_ENCODING;
	if (!scram_cur_comma(c))
		return SCRAM_E_INVALID_ENCODING;
	if (scram_cur_attr(c, 'a')) {
		f->authzid = scram_cur_value(c, &n);
		f->authzid_len = n;
		if (!scram_saslname_ok(f->authzid, n))
			return SCRAM_E_INVALID_ENCODING;
	}
	if (!scram_cur_comma(c))
		return SCRAM_E_INVALID_ENCODING;
	f->gs2_len = c->pos;
	return SCRAM_OK;
}

/* Optional extensions up to the end, each after a ','. */
static enum scram_error
scram_parse_extensions(struct scram_cur *c)
{
	const char *v;
	size_t n;

	while (c->pos < c->len) {
		if (!scram_cur_comma(c))
			return SCRAM_E_INVALID_ENCODING;
		v = scram_cur_value(c, &n);
		if (!scram_ext_ok(v, n))
			return SCRAM_E_INVALID_ENCODING;
	}
	return SCRAM_OK;
}

enum scram_error
scram_parse_first(const void *in, size_t len, struct scram_first *f)
{
	struct scram_cur c = { .p = in, .len = len };

	memset(f, 0, sizeof(*f));
	if (in == NULL || len > SCRAM_MSG_MAX ||
	    scram_parse_gs2(&c, f) != SCRAM_OK)
		return SCRAM_E_INVALID_ENCODING;
	f->bare = c.p + c.pos;
	f->bare_len = len - c.pos;
	/* reserved-mext: a mandatory extension we cannot know. */
	if (scram_cur_attr(&c, 'm'))
		return SCRAM_E_EXTENSIONS_NOT_SUPPORTED;
	if (!scram_cur_attr(&c, 'n'))
		return SCRAM_E_INVALID_ENCODING;
	f->user = scram_cur_value(&c, &f->user_len);
	if (!scram_saslname_ok(f->user, f->user_len) ||
	    !scram_cur_comma(&c) || !scram_cur_attr(&c, 'r'))
		return SCRAM_E_INVALID_ENCODING;
	f->cnonce = scram_cur_value(&c, &f->cnonce_len);
	if (!scram_printable_ok(f->cnonce, f->cnonce_len))
		return SCRAM_E_INVALID_ENCODING;
	return scram_parse_extensions(&c);
}

enum scram_error
scram_parse_final(const void *in, size_t len, struct scram_final *f)
{
	struct scram_cur c = { .p = in, .len = len };
	const char *v;
	size_t n, start;

	memset(f, 0, sizeof(*f));
	if (in == NULL || len > SCRAM_MSG_MAX || !scram_cur_attr(&c, 'c'))
		return SCRAM_E_INVALID_ENCODING;
	f->cb = scram_cur_value(&c, &f->cb_len);
	if (!scram_b64_ok(f->cb, f->cb_len) || !scram_cur_comma(&c) ||
	    !scram_cur_attr(&c, 'r'))
		return SCRAM_E_INVALID_ENCODING;
	f->nonce = scram_cur_value(&c, &f->nonce_len);
	if (!scram_printable_ok(f->nonce, f->nonce_len))
		return SCRAM_E_INVALID_ENCODING;
	/* Extensions, then the proof, which must come last. */
	for (;;) {
		start = c.pos;
		if (!scram_cur_comma(&c))
			return SCRAM_E_INVALID_ENCODING;
		if (scram_cur_attr(&c, 'p'))
			break;
		v = scram_cur_value(&c, &n);
		if (!scram_ext_ok(v, n))
			return SCRAM_E_INVALID_ENCODING;
	}
	f->without_proof_len = start;
	f->proof = scram_cur_value(&c, &f->proof_len);
	if (c.pos != len || f->proof_len == 0 ||
	    !scram_b64_ok(f->proof, f->proof_len))
		return SCRAM_E_INVALID_ENCODING;
	return SCRAM_OK;
}

int
scram_unescape(const char *s, size_t len, char *out, size_t *out_len)
{
	size_t i, n = 0;

	if (!scram_saslname_ok(s, len))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '=') {
			out[n++] = s[i + 1] == '2' ? ',' : '=';
			i += 2;
		} else
			out[n++] = s[i];
	}
	out[n] = '\0';
	*out_len = n;
	return 0;
}

/* The value of a base64 digit (the caller checked the alphabet). */
static unsigned
scram_b64_value(char c)
{
	return (unsigned)(strchr(scram_b64_alphabet, c) - scram_b64_alphabet);
}

int
scram_b64_decode(const char *s, size_t len, uint8_t *out, size_t max,
    size_t *out_len)
{
	size_t i, n = 0;
	unsigned v;

	if (!scram_b64_ok(s, len) || len / 4 * 3 > max + 2)
		return -1;
	for (i = 0; i < len; i += 4) {
		v = scram_b64_value(s[i]) << 18 |
		    scram_b64_value(s[i + 1]) << 12;
		if (n >= max)
			return -1;
		out[n++] = (uint8_t)(v >> 16);
		if (s[i + 2] == '=')
			break;
		v |= scram_b64_value(s[i + 2]) << 6;
		if (n >= max)
			return -1;
		out[n++] = (uint8_t)(v >> 8);
		if (s[i + 3] == '=')
			break;
		v |= scram_b64_value(s[i + 3]);
		if (n >= max)
			return -1;
		out[n++] = (uint8_t)v;
	}
	*out_len = n;
	return 0;
}
