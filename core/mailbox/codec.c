/*
 * codec.c — mailbox names: the seed's file-name codec, validity checks,
 * canonical INBOX, IMAP LIST patterns and special-use names.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <gumdrop/msg-codec.h>
#include <gumdrop/pool.h>

#include "mailbox-private.h"

#define MAIL_PATTERN_MAX	1024

static const struct {
	const char *name;
	unsigned attr;
} mail_special_uses[] = {
	{ "\\Sent", GD_MAIL_LIST_SENT },
	{ "\\Drafts", GD_MAIL_LIST_DRAFTS },
	{ "\\Trash", GD_MAIL_LIST_TRASH },
	{ "\\Junk", GD_MAIL_LIST_JUNK },
	{ "\\Archive", GD_MAIL_LIST_ARCHIVE },
	{ "\\All", GD_MAIL_LIST_ALL },
	{ "\\Flagged", GD_MAIL_LIST_FLAGGED },
};

static const char mail_hex[] = "0123456789ABCDEF";

static bool
mail_name_safe(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

char *
gd_mail_name_encode(struct gd_pool *pool, const char *name,
    const char *extra)
{
	size_t len = strlen(name), i, o = 0;
	unsigned char c;
	char *out;

	out = gd_pool_alloc(pool, len * 3 + 1);
	for (i = 0; i < len; i++) {
		c = (unsigned char)name[i];
		if (mail_name_safe(c) && !(c == '.' && i == 0) &&
		    (extra == NULL || strchr(extra, c) == NULL)) {
			out[o++] = (char)c;
			continue;
		}
		/* UNSAFE: out has room for 3 bytes per input byte. */
		out[o++] = '=';
		out[o++] = mail_hex[c >> 4];
		out[o++] = mail_hex[c & 15];
	}
	out[o] = '\0';
	return out;
}

static int
mail_hex_value(char c)
{
	const char *p = c != '\0' ? strchr(mail_hex, c) : NULL;

	return p != NULL ? (int)(p - mail_hex) : -1;
}

char *
gd_mail_name_decode(struct gd_pool *pool, const char *encoded)
{
	size_t len = strlen(encoded), i, o = 0;
	int hi, lo;
	char *out;

	if (len == 0 || encoded[0] == '.')
		return NULL;
	out = gd_pool_alloc(pool, len + 1);
	for (i = 0; i < len; i++) {
		if (encoded[i] != '=') {
			if (!mail_name_safe((unsigned char)encoded[i]))
				return NULL;
			out[o++] = encoded[i];
			continue;
		}
		hi = mail_hex_value(encoded[i + 1]);
		lo = hi >= 0 ? mail_hex_value(encoded[i + 2]) : -1;
		if (lo < 0 || (hi == 0 && lo == 0))
			return NULL;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return gd_msg_utf8_valid(out, o) ? out : NULL;
}

bool
gd_mail_name_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

int
gd_mail_name_check(const char *name, struct gd_mail_error *err)
{
	size_t len = name != NULL ? strlen(name) : 0, i;

	if (len == 0 || len > GD_MAIL_NAME_MAX) {
		gd_mail_error_set(err, GD_MAIL_ERR_BADNAME,
		    "mailbox name is empty or longer than %d bytes",
		    GD_MAIL_NAME_MAX);
		return -1;
	}
	if (!gd_msg_utf8_valid(name, len)) {
		gd_mail_error_set(err, GD_MAIL_ERR_BADNAME,
		    "mailbox name is not valid UTF-8");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == '*' || c == '%' ||
		    (c == GD_MAIL_DELIM && (i == 0 || i + 1 == len ||
		    name[i + 1] == GD_MAIL_DELIM))) {
			gd_mail_error_set(err, GD_MAIL_ERR_BADNAME,
			    "mailbox name has an empty level, a wildcard or "
			    "a control character");
			return -1;
		}
	}
	return 0;
}

/*
 * "inbox" → "INBOX", "Inbox/x" → "INBOX/x"; other names unchanged.  A
 * rewritten name lives in a small per-thread ring, valid until the same
 * thread canonicalises four more names (callers use it within one call).
 */
const char *
mail_name_canonical(const char *name)
{
	static __thread char ring[4][GD_MAIL_NAME_MAX + 1];
	static __thread unsigned next;
	char *out;

	if (strncasecmp(name, "INBOX", 5) != 0 ||
	    (name[5] != '\0' && name[5] != GD_MAIL_DELIM) ||
	    strncmp(name, "INBOX", 5) == 0 || strlen(name) > GD_MAIL_NAME_MAX)
		return name;
	out = ring[next++ % 4];
	memcpy(out, "INBOX", 5);
	strcpy(out + 5, name + 5);
	return out;
}

/*
 * IMAP LIST patterns, matched by simulating the pattern as an NFA over
 * the name (linear in both, no backtracking blow-up).  States are
 * positions in the pattern; "*" and "%" may match nothing.
 */
static void
mail_pattern_closure(const char *pat, size_t m, bool *set)
{
	size_t i;

	for (i = 0; i < m; i++)
		if (set[i] && (pat[i] == '*' || pat[i] == '%'))
			set[i + 1] = true;
}

static bool
mail_pattern_nfa(const char *pat, size_t m, const char *name)
{
	bool a[MAIL_PATTERN_MAX + 1], b[MAIL_PATTERN_MAX + 1];
	bool *cur = a, *next = b, *t;
	size_t i;

	memset(a, 0, sizeof(a));
	cur[0] = true;
	mail_pattern_closure(pat, m, cur);
	for (; *name != '\0'; name++) {
		memset(next, 0, (m + 1) * sizeof(*next));
		for (i = 0; i < m; i++) {
			if (!cur[i])
				continue;
			if (pat[i] == '*' ||
			    (pat[i] == '%' && *name != GD_MAIL_DELIM))
				next[i] = true;
			else if (pat[i] == *name)
				next[i + 1] = true;
		}
		mail_pattern_closure(pat, m, next);
		t = cur;
		cur = next;
		next = t;
	}
	return cur[m];
}

bool
gd_mail_pattern_match(const char *pattern, const char *name)
{
	char buf[MAIL_PATTERN_MAX + 1];
	size_t m = strlen(pattern);

	if (m > MAIL_PATTERN_MAX)
		return false;
	memcpy(buf, pattern, m + 1);
	/* INBOX is case-insensitive as the pattern's first level. */
	if (strncasecmp(buf, "INBOX", 5) == 0 &&
	    (buf[5] == '\0' || buf[5] == GD_MAIL_DELIM))
		memcpy(buf, "INBOX", 5);
	return mail_pattern_nfa(buf, m, name);
}

unsigned
gd_mail_special_use_parse(const char *name)
{
	size_t i;

	if (name[0] == '\\')
		name++;
	for (i = 0; i < GD_N_ELEMENTS(mail_special_uses); i++)
		if (strcasecmp(mail_special_uses[i].name + 1, name) == 0)
			return mail_special_uses[i].attr;
	return 0;
}

const char *
gd_mail_special_use_name(unsigned attr)
{
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(mail_special_uses); i++)
		if (mail_special_uses[i].attr == attr)
			return mail_special_uses[i].name;
	return NULL;
}
