/*
 * dkim-tags.c — the tag=value list of RFC 6376 section 3.2, shared by
 * DKIM-Signature fields and key records, and the base64 of b=, bh=, p=.
 */
#include <string.h>
#include <strings.h>

#include <nettle/base64.h>

#include "dkim-engine.h"

static bool
dkim_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Skip FWS: WSP, and CRLF (or LF) followed by WSP. */
static size_t
dkim_skip_fws(const char *s, size_t len, size_t i)
{
	while (i < len) {
		if (dkim_is_wsp(s[i]))
			i++;
		else if (s[i] == '\r' && i + 2 < len && s[i + 1] == '\n' &&
		    dkim_is_wsp(s[i + 2]))
			i += 3;
		else if (s[i] == '\n' && i + 1 < len && dkim_is_wsp(s[i + 1]))
			i += 2;
		else
			break;
	}
	return i;
}

static bool
dkim_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
dkim_is_valchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

/* tag-name = ALPHA *ALNUMPUNC; returns the end offset, or `i` if none. */
static size_t
dkim_tag_name(const char *s, size_t len, size_t i)
{
	if (i >= len || !dkim_is_alpha(s[i]))
		return i;
	for (i++; i < len; i++)
		if (!dkim_is_alpha(s[i]) && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '_')
			break;
	return i;
}

/* tag-value: tvals separated by FWS, up to ';' or the end.  Sets the
 * trimmed value end in *vend_r; returns the offset of ';'/end, or
 * (size_t)-1 on a character that cannot be in a value. */
static size_t
dkim_tag_value(const char *s, size_t len, size_t i, size_t *vend_r)
{
	size_t k;

	*vend_r = i;
	while (i < len && s[i] != ';') {
		if (dkim_is_valchar((unsigned char)s[i])) {
			*vend_r = ++i;
			continue;
		}
		k = dkim_skip_fws(s, len, i);
		if (k == i)
			return (size_t)-1;
		i = k;
	}
	return i;
}

static bool
dkim_tags_dup(const struct dkim_taglist *tl, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < tl->count; i++)
		if (tl->tags[i].name_len == n &&
		    memcmp(tl->tags[i].name, name, n) == 0)
			return true;
	return false;
}

/* One tag-spec starting at `i` (FWS skipped); returns the offset after
 * it (past its ';'), or (size_t)-1 with *error_r. */
static size_t
dkim_tag_spec(const char *s, size_t len, size_t i, struct dkim_taglist *tl,
    const char **error_r)
{
	struct dkim_tag *t;
	size_t ne, j, vend;

	ne = dkim_tag_name(s, len, i);
	if (ne == i) {
		*error_r = "malformed tag name";
		return (size_t)-1;
	}
	j = dkim_skip_fws(s, len, ne);
	if (j >= len || s[j] != '=') {
		*error_r = "tag without '='";
		return (size_t)-1;
	}
	if (tl->count >= DKIM_TAGS_MAX) {
		*error_r = "too many tags";
		return (size_t)-1;
	}
	if (dkim_tags_dup(tl, s + i, ne - i)) {
		*error_r = "duplicate tag";
		return (size_t)-1;
	}
	t = &tl->tags[tl->count];
	t->name = s + i;
	t->name_len = ne - i;
	t->eq = j;
	j = dkim_skip_fws(s, len, j + 1);
	t->value = s + j;
	t->end = dkim_tag_value(s, len, j, &vend);
	if (t->end == (size_t)-1) {
		*error_r = "invalid character in tag value";
		return (size_t)-1;
	}
	t->value_len = vend - j;
	tl->count++;
	return t->end < len ? t->end + 1 : len;
}

int
dkim_tags_parse(const char *text, size_t len, struct dkim_taglist *out,
    const char **error_r)
{
	size_t i;

	out->count = 0;
	i = dkim_skip_fws(text, len, 0);
	while (i < len) {
		i = dkim_tag_spec(text, len, i, out, error_r);
		if (i == (size_t)-1)
			return -1;
		i = dkim_skip_fws(text, len, i);
	}
	if (out->count == 0) {
		*error_r = "empty tag list";
		return -1;
	}
	return 0;
}

const struct dkim_tag *
dkim_tags_find(const struct dkim_taglist *tl, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < tl->count; i++)
		if (tl->tags[i].name_len == n &&
		    memcmp(tl->tags[i].name, name, n) == 0)
			return &tl->tags[i];
	return NULL;
}

/* Feed the non-FWS characters of `in` to nettle in chunks. */
int
dkim_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
    size_t *len_r)
{
	struct base64_decode_ctx ctx;
	char chunk[64];
	uint8_t dec[BASE64_DECODE_LENGTH(64)];
	size_t i, n = 0, got, total = 0;

	base64_decode_init(&ctx);
	for (i = 0; i <= len; i++) {
		if (i < len && (dkim_is_wsp(in[i]) || in[i] == '\r' ||
		    in[i] == '\n'))
			continue;
		if (i < len)
			chunk[n++] = in[i];
		if (n < sizeof(chunk) && i < len)
			continue;
		got = sizeof(dec);
		if (n > 0 && !base64_decode_update(&ctx, &got, dec, n, chunk))
			return -1;
		if (n == 0)
			got = 0;
		if (got > cap - total)
			return -1;
		memcpy(out + total, dec, got);
		total += got;
		n = 0;
	}
	if (!base64_decode_final(&ctx))
		return -1;
	*len_r = total;
	return 0;
}

bool
dkim_list_has(const char *s, size_t n, const char *item)
{
	const char *p = s, *end = s + n, *q, *e;
	size_t il = strlen(item);

	while (p <= end) {
		q = memchr(p, ':', (size_t)(end - p));
		if (q == NULL)
			q = end;
		e = q;
		while (p < e && dkim_is_fwschar(*p))
			p++;
		while (e > p && dkim_is_fwschar(e[-1]))
			e--;
		if ((size_t)(e - p) == il && strncasecmp(p, item, il) == 0)
			return true;
		p = q + 1;
	}
	return false;
}
