/*
 * gumdrop/mail-search.h — search queries over a mailbox view.
 *
 * A query is a tree of struct gd_search_key built by the protocol (IMAP
 * parses SEARCH into it; gumdropctl and modules build it directly) and
 * evaluated by gd_mailbox_search() (mailbox.h).  Every IMAP4rev1 and
 * IMAP4rev2 search key maps onto these operators:
 *
 *   ALL                    GD_SEARCH_ALL
 *   (k1 k2 ...)            GD_SEARCH_AND with children
 *   OR k1 k2               GD_SEARCH_OR with two children
 *   NOT k                  GD_SEARCH_NOT with one child
 *   1:3,7                  GD_SEARCH_SEQSET
 *   UID 1:3 / $            GD_SEARCH_UIDSET ("*" and "$" resolved by IMAP)
 *   ANSWERED DELETED ...   GD_SEARCH_FLAGS (u.flags: all of them set)
 *   UNANSWERED ...         NOT FLAGS
 *   NEW / OLD / RECENT     FLAGS RECENT (AND NOT SEEN), NOT FLAGS RECENT
 *   KEYWORD k / UNKEYWORD  GD_SEARCH_KEYWORD (/ NOT)
 *   BEFORE ON SINCE        GD_SEARCH_BEFORE/ON/SINCE on the internal date
 *   SENTBEFORE SENTON ...  GD_SEARCH_SENT_BEFORE/ON/SINCE on Date:
 *   LARGER n / SMALLER n   GD_SEARCH_LARGER / GD_SEARCH_SMALLER
 *   FROM TO CC BCC SUBJECT GD_SEARCH_HEADER with that field name
 *   HEADER f s             GD_SEARCH_HEADER ("" matches any message
 *                          having the field)
 *   BODY s / TEXT s        GD_SEARCH_BODY / GD_SEARCH_TEXT
 *   MODSEQ n               GD_SEARCH_MODSEQ (RFC 7162)
 *   OLDER n / YOUNGER n    GD_SEARCH_OLDER / GD_SEARCH_YOUNGER (RFC 5032)
 *
 * Dates are days since 1970-01-01 ("disregarding time and timezone"): the
 * internal date is taken in UTC, a Date: field in its own zone.  Strings
 * are UTF-8 (IMAP converts other CHARSETs or refuses them) and match as
 * case-insensitive substrings of the decoded text (RFC 2047 words and
 * transfer encodings decoded, charsets converted).
 *
 * Keys are plain data the caller allocates (normally from a command
 * pool) and owns; the evaluator never changes them.
 */
#ifndef GUMDROP_MAIL_SEARCH_H
#define GUMDROP_MAIL_SEARCH_H

#include <gumdrop/common.h>
#include <gumdrop/mailbox.h>

#ifdef __cplusplus
extern "C" {
#endif

enum gd_search_op {
	GD_SEARCH_ALL = 1,
	GD_SEARCH_AND,		/* children: all match (none: true) */
	GD_SEARCH_OR,		/* children: any matches (none: false) */
	GD_SEARCH_NOT,		/* one child */
	GD_SEARCH_SEQSET,	/* u.set: sequence numbers */
	GD_SEARCH_UIDSET,	/* u.set: UIDs */
	GD_SEARCH_FLAGS,	/* u.flags: all set (GD_MAIL_* incl. RECENT) */
	GD_SEARCH_KEYWORD,	/* u.text: keyword set (unknown: false) */
	GD_SEARCH_BEFORE,	/* u.day: internal date < day */
	GD_SEARCH_ON,		/* u.day: internal date == day */
	GD_SEARCH_SINCE,	/* u.day: internal date >= day */
	GD_SEARCH_SENT_BEFORE,	/* u.day on the Date: field (unparsable or
				 * absent: no match) */
	GD_SEARCH_SENT_ON,
	GD_SEARCH_SENT_SINCE,
	GD_SEARCH_LARGER,	/* u.number: size > n */
	GD_SEARCH_SMALLER,	/* u.number: size < n */
	GD_SEARCH_HEADER,	/* u.header: field contains value */
	GD_SEARCH_BODY,		/* u.text: in the body (text parts decoded) */
	GD_SEARCH_TEXT,		/* u.text: in the header or the body */
	GD_SEARCH_MODSEQ,	/* u.number: modseq >= n */
	GD_SEARCH_OLDER,	/* u.number: internal date <= now - n s */
	GD_SEARCH_YOUNGER,	/* u.number: internal date >= now - n s */
};

struct gd_search_key {
	enum gd_search_op op;
	struct gd_search_key *next;	/* next sibling in an AND/OR list */
	struct gd_search_key *children;	/* AND, OR, NOT */
	union {
		struct {
			const struct gd_mail_range *ranges;
			size_t count;
		} set;
		uint32_t flags;
		int64_t day;
		uint64_t number;
		const char *text;
		struct {
			const char *field;	/* e.g. "From" */
			const char *value;	/* "" for presence */
		} header;
	} u;
};

/*
 * How costly a key is to evaluate, so callers and index modules can plan:
 * METADATA keys read only the view; HEADER keys parse header blocks; BODY
 * keys read whole messages.  The cost of a tree is its most costly key.
 * Pure; LOOP.
 */
enum gd_search_cost {
	GD_SEARCH_COST_METADATA = 0,
	GD_SEARCH_COST_HEADER,
	GD_SEARCH_COST_BODY,
};
GD_API enum gd_search_cost gd_search_key_cost(const struct gd_search_key *k);

/* Days since 1970-01-01 of a civil date (for the u.day fields).  LOOP. */
GD_API int64_t gd_search_day(int year, unsigned month, unsigned mday);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_MAIL_SEARCH_H */
