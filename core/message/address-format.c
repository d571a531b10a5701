/*
 * address-format.c — write parsed addresses back in RFC 5322 form, quoted
 * so that they parse back to the same entries.
 */
#include "config.h"

#include <string.h>

#include <gumdrop/msg-address.h>
#include <gumdrop/pool.h>

#include "header-private.h"

static bool addr_is_dot_atom(const char *s);
static bool addr_is_plain_phrase(const char *s);
static char *addr_put(char *out, const char *s);
static char *addr_put_quoted(char *out, const char *s);
static char *addr_put_phrase(char *out, const char *s);
static char *addr_put_spec(char *out, const struct gd_msg_address *addr);
static size_t addr_spec_max(const struct gd_msg_address *addr);
static char *addr_format_group(struct gd_pool *pool, const char *name);

/* atext runs joined by single dots: needs no quotes as a local part. */
static bool
addr_is_dot_atom(const char *s)
{
	bool word = false;

	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (!word)
				return false;
			word = false;
		} else if (gd_hdr_is_atext((unsigned char)*s)) {
			word = true;
		} else {
			return false;
		}
	}
	return word;
}

/* atext words and single spaces (names are collapsed): no quotes. */
static bool
addr_is_plain_phrase(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s != ' ' && !gd_hdr_is_atext((unsigned char)*s))
			return false;
	return true;
}

static char *
addr_put(char *out, const char *s)
{
	size_t n = strlen(s);

	memcpy(out, s, n);
	return out + n;
}

/* UNSAFE: writes up to 2 * strlen(s) + 2 bytes. */
static char *
addr_put_quoted(char *out, const char *s)
{
	*out++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*out++ = '\\';
		*out++ = *s;
	}
	*out++ = '"';
	return out;
}

static char *
addr_put_phrase(char *out, const char *s)
{
	if (addr_is_plain_phrase(s))
		return addr_put(out, s);
	return addr_put_quoted(out, s);
}

static char *
addr_put_spec(char *out, const struct gd_msg_address *addr)
{
	if ((addr->flags & GD_MSG_ADDR_QUOTED_LOCAL) != 0 ||
	    !addr_is_dot_atom(addr->mailbox))
		out = addr_put_quoted(out, addr->mailbox);
	else
		out = addr_put(out, addr->mailbox);
	if (addr->domain != NULL) {
		*out++ = '@';
		out = addr_put(out, addr->domain);
	}
	return out;
}

/* Room for the addr-spec, quoted, NUL included. */
static size_t
addr_spec_max(const struct gd_msg_address *addr)
{
	return 2 * strlen(addr->mailbox) + 4 +
	    (addr->domain != NULL ? strlen(addr->domain) : 0);
}

/* "name:" */
static char *
addr_format_group(struct gd_pool *pool, const char *name)
{
	char *buf, *out;

	buf = gd_pool_alloc(pool, 2 * strlen(name) + 4);
	out = *name != '\0' ? addr_put_phrase(buf, name) : buf;
	*out++ = ':';
	*out = '\0';
	return buf;
}

char *
gd_msg_address_addr_spec(struct gd_pool *pool,
    const struct gd_msg_address *addr)
{
	char *buf, *out;

	if ((addr->flags & (GD_MSG_ADDR_GROUP_START | GD_MSG_ADDR_GROUP_END |
	    GD_MSG_ADDR_INVALID)) != 0 || addr->mailbox == NULL)
		return NULL;
	buf = gd_pool_alloc(pool, addr_spec_max(addr));
	out = addr_put_spec(buf, addr);
	*out = '\0';
	return buf;
}

char *
gd_msg_address_format(struct gd_pool *pool,
    const struct gd_msg_address *addr)
{
	const char *name = addr->name != NULL ? addr->name : "";
	char *buf, *out;

	if ((addr->flags & GD_MSG_ADDR_GROUP_START) != 0)
		return addr_format_group(pool, name);
	if ((addr->flags & GD_MSG_ADDR_GROUP_END) != 0)
		return gd_pool_strdup(pool, ";");
	if ((addr->flags & GD_MSG_ADDR_INVALID) != 0 || addr->mailbox == NULL)
		return gd_pool_strdup(pool, addr->mailbox != NULL ?
		    addr->mailbox : "");
	buf = gd_pool_alloc(pool, 2 * strlen(name) + 3 +
	    (addr->route != NULL ? strlen(addr->route) + 1 : 0) +
	    addr_spec_max(addr) + 2);
	out = buf;
	if (*name != '\0') {
		out = addr_put_phrase(out, name);
		*out++ = ' ';
	}
	/* No domain: angle brackets, so that the bare local part cannot be
	 * taken for part of a display name when parsed back. */
	if (*name != '\0' || addr->route != NULL || addr->domain == NULL) {
		*out++ = '<';
		if (addr->route != NULL) {
			out = addr_put(out, addr->route);
			*out++ = ':';
		}
		out = addr_put_spec(out, addr);
		*out++ = '>';
	} else {
		out = addr_put_spec(out, addr);
	}
	*out = '\0';
	return buf;
}
