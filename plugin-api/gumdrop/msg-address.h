/*
 * gumdrop/msg-address.h — RFC 5322 address lists (From:, To:, Cc:, ...).
 *
 * The parser reads an (unfolded) address-list or mailbox-list field value
 * and returns its addresses in order, with groups kept, as IMAP ENVELOPE
 * and every module that looks at addresses need them.  It accepts what
 * RFC 5322 3.4 defines, the obsolete syntax of RFC 5322 4.4 (route
 * addresses "<@a,@b:user@host>", empty list elements, CFWS in odd places,
 * "." in phrases), RFC 6532 UTF-8 in local parts, domains and phrases, and
 * what mail software commonly gets wrong (an unquoted "," or "@" or ":" in
 * a display name before "<", a missing closing ">", a bare local part).
 * It never fails: text it cannot make sense of becomes an entry with the
 * GD_MSG_ADDR_INVALID flag and the text in `mailbox`, and parsing goes on
 * at the next ",".
 *
 * Pure code, any thread.
 */
#ifndef GUMDROP_MSG_ADDRESS_H
#define GUMDROP_MSG_ADDRESS_H

#include <sys/types.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_pool;

/* struct gd_msg_address.flags */
enum gd_msg_address_flag {
	/* Start of a group: `name` is the group's display name ("" when
	 * it has none); the group's members follow, then an entry with
	 * GD_MSG_ADDR_GROUP_END (added at the end of the input when the
	 * ';' is missing, and kept when max_entries cuts the group). */
	GD_MSG_ADDR_GROUP_START = 1 << 0,
	GD_MSG_ADDR_GROUP_END = 1 << 1,
	/* Could not be parsed; `mailbox` holds the offending text (trimmed),
	 * `domain` is NULL. */
	GD_MSG_ADDR_INVALID = 1 << 2,
	/* The local part was a quoted string in the message (`mailbox` holds
	 * its content with the quoting removed). */
	GD_MSG_ADDR_QUOTED_LOCAL = 1 << 3,
	/* Contains UTF-8 (RFC 6532). */
	GD_MSG_ADDR_UTF8 = 1 << 4,
};

/*
 * One list entry.  Strings are NUL-terminated in the pool; any may be
 * NULL when absent.  For IMAP ENVELOPE the entry maps to
 * (name adl mailbox host), and group start/end to (NIL NIL name NIL) and
 * (NIL NIL NIL NIL).
 */
struct gd_msg_address {
	struct gd_msg_address *next;
	/*
	 * Display name (phrase) or group name: quotes and backslash escapes
	 * removed, comments dropped, runs of whitespace made one space,
	 * RFC 2047 words left encoded (decode with gd_msg_decode_words).
	 * When an address has no phrase but a trailing comment
	 * ("user@host (Full Name)"), the comment's text is used.
	 */
	const char *name;
	const char *route;	/* obs-route, e.g. "@a.example,@b.example" */
	const char *mailbox;	/* local part, quoting removed */
	const char *domain;	/* domain, or domain literal with brackets */
	unsigned flags;		/* enum gd_msg_address_flag */
};

/*
 * Parse `len` bytes of a header value.  Returns the first entry (NULL
 * for an empty list), allocated in `pool`.  At most `max_entries` entries
 * are returned (0 means 1000); the rest are ignored.
 */
GD_API struct gd_msg_address *gd_msg_address_parse(struct gd_pool *pool,
    const char *in, size_t len, unsigned max_entries);

/*
 * The address as "local@domain", quoting the local part when RFC 5322
 * requires it (so that it parses back the same), in `pool`.  NULL for
 * group markers and invalid entries.  No domain: just the local part.
 */
GD_API char *gd_msg_address_addr_spec(struct gd_pool *pool,
    const struct gd_msg_address *addr);

/*
 * The whole entry in RFC 5322 form ("\"Doe, J.\" <j@example.com>"), in
 * `pool`: for display, and for writing header fields.  Group markers
 * give "name:" and ";"; a mailbox with no domain is written in angle
 * brackets ("<root>"); an invalid entry gives its text unchanged.
 * Entries joined with ", " (" " after a group start, nothing before a
 * group end) parse back to the same entries, invalid ones aside.
 */
GD_API char *gd_msg_address_format(struct gd_pool *pool,
    const struct gd_msg_address *addr);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_MSG_ADDRESS_H */
