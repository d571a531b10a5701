/*
 * imap-parse.h — the pure, loop-free protocol code of the imap module
 * (internal header, not installed).  WORK IN PROGRESS (issue 9): the
 * session that uses it comes next.
 *
 * Everything declared here is a plain function of its arguments: no I/O,
 * no loop, no global state.  The command reader works in a buffer the
 * caller supplies; argument parsers that must decode or build (quoted
 * strings with escapes, literals, mailbox names, sequence sets, the
 * SEARCH tree) allocate from a struct gd_pool the caller passes (the
 * command pool), never more than a small multiple of the command's
 * length, which the reader bounds.  Any thread may call any of it.
 *
 * Errors: a function that refuses input fills a struct imap_error (BAD or
 * NO, an RFC 9051 response code, possibly none, and one line of printable
 * ASCII) ready for imap_reply_error().  A refusal never ends the session.
 *
 * Protocol revisions: IMAP4rev1 (RFC 3501) and IMAP4rev2 (RFC 9051).
 * Functions that differ take flags (enum imap_mode): IMAP_MODE_REV2 after
 * ENABLE IMAP4rev2, IMAP_MODE_UTF8 after ENABLE IMAP4rev2 or UTF8=ACCEPT
 * (mailbox names and strings are then UTF-8, RFC 9051 5.1, RFC 6855).
 *
 * Files: imap-reader.c (streaming command reader, literals, limits),
 * imap-cmd.c (command table, states, canned refusals), imap-token.c
 * (atoms, strings, numbers), imap-mutf7.c (mailbox names), imap-date.c,
 * imap-seqset.c, imap-flags.c (flag lists, STORE), imap-fetch.c,
 * imap-search.c, imap-args.c (LIST, STATUS, SELECT, APPEND, ENABLE, ID,
 * the simple commands), imap-reply.c (response codes and formatting).
 * They use gd_pool_* and gd_search_day() from libgumdrop.
 */
#ifndef GD_IMAP_PARSE_H
#define GD_IMAP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gumdrop/mail-search.h>
#include <gumdrop/mailbox.h>
#include <gumdrop/pool.h>

/* ------------------------------------------------------------------ */
/* Errors and response codes (imap-reply.c)                            */
/* ------------------------------------------------------------------ */

#define IMAP_ERROR_TEXT_MAX	160

/* RFC 9051 7.1 (and RFC 5530, 4315, 5182, 7889) response codes. */
enum imap_code {
	IMAP_CODE_NONE = 0,
	IMAP_CODE_ALERT,
	IMAP_CODE_ALREADYEXISTS,
	IMAP_CODE_APPENDUID,
	IMAP_CODE_AUTHENTICATIONFAILED,
	IMAP_CODE_AUTHORIZATIONFAILED,
	IMAP_CODE_BADCHARSET,
	IMAP_CODE_CANNOT,
	IMAP_CODE_CAPABILITY,
	IMAP_CODE_CLIENTBUG,
	IMAP_CODE_CLOSED,
	IMAP_CODE_CONTACTADMIN,
	IMAP_CODE_COPYUID,
	IMAP_CODE_CORRUPTION,
	IMAP_CODE_EXPIRED,
	IMAP_CODE_EXPUNGEISSUED,
	IMAP_CODE_HASCHILDREN,
	IMAP_CODE_INUSE,
	IMAP_CODE_LIMIT,
	IMAP_CODE_NONEXISTENT,
	IMAP_CODE_NOPERM,
	IMAP_CODE_NOTSAVED,
	IMAP_CODE_OVERQUOTA,
	IMAP_CODE_PARSE,
	IMAP_CODE_PERMANENTFLAGS,
	IMAP_CODE_PRIVACYREQUIRED,
	IMAP_CODE_READ_ONLY,
	IMAP_CODE_READ_WRITE,
	IMAP_CODE_SERVERBUG,
	IMAP_CODE_TOOBIG,
	IMAP_CODE_TRYCREATE,
	IMAP_CODE_UIDNEXT,
	IMAP_CODE_UIDNOTSTICKY,
	IMAP_CODE_UIDVALIDITY,
	IMAP_CODE_UNAVAILABLE,
	IMAP_CODE_UNKNOWN_CTE,
	IMAP_CODE_UNSEEN,		/* IMAP4rev1 only */
	IMAP_CODE_COUNT
};

/* "ALERT", "READ-ONLY", ...; NULL for IMAP_CODE_NONE.  Static string. */
const char *imap_code_name(enum imap_code code);

/* The code the RFCs want for a mailbox API error (mailbox.h); `append`
 * true for APPEND/COPY/MOVE, where NOTFOUND is [TRYCREATE]. */
enum imap_code imap_code_of_mail_error(enum gd_mail_errcode e, bool append);

enum imap_status {
	IMAP_OK = 0,
	IMAP_NO,
	IMAP_BAD,
};

/* A refusal: tagged `status` (NO or BAD) with `code` and `text`. */
struct imap_error {
	enum imap_status status;
	enum imap_code code;
	/* The code's argument (static string, NULL for none): e.g.
	 * "(US-ASCII UTF-8)" after BADCHARSET. */
	const char *code_arg;
	char text[IMAP_ERROR_TEXT_MAX];
};

/*
 * Fill *err (status, code, printf-style text cut to fit; any byte outside
 * 0x20-0x7e becomes '?').  Returns -1 so parsers can `return` it.
 */
int imap_error_set(struct imap_error *err, enum imap_status status,
    enum imap_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A BAD without code (syntax), the most common refusal. */
int imap_error_bad(struct imap_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Format "TAG NO [CODE arg] text\r\n" (tag NULL or "": "*") into buf (cap
 * bytes, NUL-terminated when cap > 0).  Returns the full length (>= cap:
 * truncated, snprintf-like).
 */
size_t imap_reply_error(char *buf, size_t cap, const char *tag,
    size_t tag_len, const struct imap_error *err);

/* ------------------------------------------------------------------ */
/* Modes, states and the command table (imap-cmd.c)                    */
/* ------------------------------------------------------------------ */

enum imap_mode {
	IMAP_MODE_REV2 = 1u << 0,	/* ENABLE IMAP4rev2 done */
	IMAP_MODE_UTF8 = 1u << 1,	/* UTF-8 names and strings */
};

/* RFC 9051 3: the session's states, as bits. */
enum imap_state {
	IMAP_STATE_NOT_AUTH = 1u << 0,
	IMAP_STATE_AUTH = 1u << 1,
	IMAP_STATE_SELECTED = 1u << 2,
	IMAP_STATE_LOGOUT = 1u << 3,
};

enum imap_cmd {
	IMAP_CMD_UNKNOWN = 0,
	IMAP_CMD_CAPABILITY,
	IMAP_CMD_NOOP,
	IMAP_CMD_LOGOUT,
	IMAP_CMD_ID,
	IMAP_CMD_STARTTLS,
	IMAP_CMD_AUTHENTICATE,
	IMAP_CMD_LOGIN,
	IMAP_CMD_ENABLE,
	IMAP_CMD_SELECT,
	IMAP_CMD_EXAMINE,
	IMAP_CMD_CREATE,
	IMAP_CMD_DELETE,
	IMAP_CMD_RENAME,
	IMAP_CMD_SUBSCRIBE,
	IMAP_CMD_UNSUBSCRIBE,
	IMAP_CMD_LIST,
	IMAP_CMD_LSUB,
	IMAP_CMD_NAMESPACE,
	IMAP_CMD_STATUS,
	IMAP_CMD_APPEND,
	IMAP_CMD_IDLE,
	IMAP_CMD_CHECK,
	IMAP_CMD_CLOSE,
	IMAP_CMD_UNSELECT,
	IMAP_CMD_EXPUNGE,
	IMAP_CMD_SEARCH,
	IMAP_CMD_FETCH,
	IMAP_CMD_STORE,
	IMAP_CMD_COPY,
	IMAP_CMD_MOVE,
	IMAP_CMD_UID_COPY,
	IMAP_CMD_UID_MOVE,
	IMAP_CMD_UID_FETCH,
	IMAP_CMD_UID_SEARCH,
	IMAP_CMD_UID_STORE,
	IMAP_CMD_UID_EXPUNGE,
	IMAP_CMD_COUNT
};

/* struct imap_cmd_info.flags */
enum imap_cmd_flag {
	/* Not in RFC 9051's grammar (LSUB, CHECK: Appendix E): refused
	 * with BAD once the session is in IMAP4rev2 mode. */
	IMAP_CMDF_REV1_ONLY = 1u << 0,
	/* Works on UIDs (the UID forms). */
	IMAP_CMDF_UID = 1u << 1,
	/* Message numbers must stay put while it runs: no untagged
	 * EXPUNGE may be sent during it (RFC 9051 7.5.1): FETCH, STORE,
	 * SEARCH and their UID forms. */
	IMAP_CMDF_NO_EXPUNGE = 1u << 2,
	/* Takes no arguments. */
	IMAP_CMDF_NO_ARGS = 1u << 3,
	/* Is answered by an extension the server advertises (for rev1
	 * clients: IDLE, NAMESPACE, UNSELECT, MOVE, UID EXPUNGE, ENABLE,
	 * ID); informational. */
	IMAP_CMDF_EXTENSION = 1u << 4,
};

struct imap_cmd_info {
	const char *name;	/* "UID FETCH" for the UID forms */
	unsigned states;	/* enum imap_state bits */
	unsigned flags;		/* enum imap_cmd_flag bits */
};

/*
 * The table entry of `cmd` (IMAP_CMD_UNKNOWN: name "", no states).
 * The states:
 *   any (not LOGOUT)  CAPABILITY NOOP LOGOUT ID
 *   not auth.         STARTTLS AUTHENTICATE LOGIN
 *   auth. only        ENABLE (RFC 9051 6.3.1, RFC 5161 3.1)
 *   auth. + selected  SELECT EXAMINE CREATE DELETE RENAME
 *                     SUBSCRIBE UNSUBSCRIBE LIST LSUB NAMESPACE STATUS
 *                     APPEND IDLE
 *   selected          CHECK CLOSE UNSELECT EXPUNGE SEARCH FETCH STORE
 *                     COPY MOVE UID ...
 */
const struct imap_cmd_info *imap_cmd_info(enum imap_cmd cmd);

/*
 * The command named `name` (case-insensitive, `len` octets).  For "UID"
 * the sub-command `sub` picks the UID form; an unknown sub-command (or
 * one with no UID form) is IMAP_CMD_UNKNOWN.  `sub` is ignored otherwise
 * and may be NULL.
 */
enum imap_cmd imap_cmd_lookup(const char *name, size_t len, const char *sub,
    size_t sub_len);

/*
 * May `cmd` run now?  0, or -1 with *err:
 *   BAD Unknown command                   IMAP_CMD_UNKNOWN, or a
 *                                         REV1_ONLY command in rev2 mode
 *   BAD Command not valid in this state   (not authenticated, or
 *   BAD No mailbox selected                already, or no SELECT)
 * RFC 9051 answers BAD for a command the current state's grammar does
 * not have; NO is kept for refusals of valid commands.
 */
int imap_cmd_allowed(enum imap_cmd cmd, enum imap_state state,
    unsigned mode, struct imap_error *err);

/*
 * The refusals the session gives that are not about syntax, each with
 * its status, code and text, so that every place says the same thing.
 */
enum imap_refusal {
	IMAP_REFUSE_AUTH_FAILED,	/* NO [AUTHENTICATIONFAILED] */
	IMAP_REFUSE_AUTHZ_FAILED,	/* NO [AUTHORIZATIONFAILED] */
	IMAP_REFUSE_PRIVACY,		/* NO [PRIVACYREQUIRED] cleartext */
	IMAP_REFUSE_LOGIN_DISABLED,	/* NO [PRIVACYREQUIRED] (LOGIN) */
	IMAP_REFUSE_AUTH_CANCELLED,	/* BAD client sent "*" */
	IMAP_REFUSE_UNAVAILABLE,	/* NO [UNAVAILABLE] realm/store down */
	IMAP_REFUSE_TLS_ACTIVE,		/* BAD TLS already active */
	IMAP_REFUSE_READ_ONLY,		/* NO [READ-ONLY] after EXAMINE */
	IMAP_REFUSE_NO_SAVED,		/* NO [NOTSAVED] "$", none saved */
	IMAP_REFUSE_TOO_MANY_BAD,	/* BYE-worthy: bad-command limit */
	IMAP_REFUSE_COUNT
};

/* Fill *err with the refusal; returns -1. */
int imap_refuse(struct imap_error *err, enum imap_refusal why);

/* True when `line` (without CRLF) is IDLE's "DONE" (any case). */
bool imap_idle_done(const char *line, size_t len);

/* An AUTHENTICATE continuation line (RFC 9051 6.2.2), without CRLF. */
enum imap_auth_line {
	IMAP_AUTH_LINE_DATA,		/* base64, maybe empty: decode it */
	IMAP_AUTH_LINE_CANCEL,		/* "*": tagged BAD, it is over */
	IMAP_AUTH_LINE_BAD,		/* not base64: tagged BAD */
};
enum imap_auth_line imap_auth_line_kind(const char *line, size_t len);

/* RFC 4648 base64 with padding (the empty string is valid). */
bool imap_base64_valid(const char *s, size_t len);

/* ------------------------------------------------------------------ */
/* The streaming command reader (imap-reader.c)                        */
/* ------------------------------------------------------------------ */

/* RFC 7888 4: LITERAL- allows {n+} only up to this size. */
#define IMAP_LITERAL_MINUS_MAX	4096
/* Default limits (the session's configuration may change them). */
#define IMAP_COMMAND_MAX_DEFAULT	65536
#define IMAP_APPEND_MAX_DEFAULT		(64u * 1024 * 1024)
/* A refused non-synchronising literal up to this size is read and
 * dropped (the session goes on); a larger one ends the connection
 * (RFC 7888 4 leaves the choice to the server). */
#define IMAP_LITERAL_DROP_MAX_DEFAULT	(16u * 1024 * 1024)

/*
 * The limits the reader enforces, from the session's configuration.
 *   max_append    largest APPEND message literal (APPENDLIMIT), 0: none
 *   max_literal   largest other literal, synchronising or not
 *                 (max-literal-size), 0: only the buffer bounds it
 *   max_drop      largest refused non-synchronising literal whose
 *                 octets are read and dropped; above it the reader is
 *                 dead (imap_reader_dead()): the session says BYE and
 *                 closes.  0: every one is dropped.
 *   literal_plus  LITERAL+ advertised: {n+} of any size (up to the other
 *                 limits); false: LITERAL- (RFC 7888), {n+} > 4096 is
 *                 refused with BAD [TOOBIG]
 *   binary        literal8 ~{n} accepted for APPEND (BINARY, rev2)
 * The command's own size limit is the capacity of the buffer given to
 * imap_reader_init(): the text of the command and every literal that is
 * not streamed must fit in it.
 */
struct imap_limits {
	uint64_t max_append;
	uint64_t max_literal;
	uint64_t max_drop;
	bool literal_plus;
	bool binary;
};

enum imap_rd_event {
	/* Every input octet was used; feed more. */
	IMAP_RD_MORE = 0,
	/* A whole command: imap_reader_command().  Valid until the next
	 * imap_reader_feed(). */
	IMAP_RD_COMMAND,
	/* A literal was announced that needs a decision (struct
	 * imap_rd_literal): a synchronising literal, or the message
	 * literal of APPEND (streamed).  The caller calls
	 * imap_reader_accept() (and writes "+ ..." when `sync`) or
	 * imap_reader_reject() (and writes its tagged NO/BAD), then feeds
	 * again. */
	IMAP_RD_LITERAL,
	/* Octets of a streamed literal: imap_reader_data(); they point into
	 * the input just fed. */
	IMAP_RD_DATA,
	/* The command is refused: imap_reader_error() gives the tag and the
	 * tagged (or, with an empty tag, untagged) BAD/NO to write.  The
	 * reader has already arranged to skip the rest of the command (its
	 * line and announced non-synchronising literals). */
	IMAP_RD_ERROR,
	/* A raw line (imap_reader_expect_line() was called): AUTHENTICATE
	 * continuation, IDLE's DONE.  imap_reader_line(). */
	IMAP_RD_LINE,
};

struct imap_rd_literal {
	uint64_t size;
	bool sync;		/* "{n}": the client waits for "+" */
	bool binary;		/* "~{n}" (literal8) */
	bool stream;		/* APPEND's message: handed out as DATA */
};

/* A command as read: pointers into the reader's buffer. */
struct imap_command {
	const char *tag;
	size_t tag_len;
	enum imap_cmd cmd;
	const char *name;	/* as sent ("uid" for UID forms) */
	size_t name_len;
	/* The arguments after the command name (after the sub-command of
	 * UID) and its SP; literals are in the text as "{n}" CRLF and
	 * their octets; a streamed literal is only its "{n}" header. */
	const char *args;
	size_t args_len;
	bool streamed;		/* a literal of it went out as DATA */
};

/* The reader's state; treat as opaque (embedded to avoid allocation). */
struct imap_reader {
	char *buf;
	size_t cap;
	size_t len;
	struct imap_limits lim;
	unsigned state;
	bool cr, bad_cr, bad_nul, quoted, escape, have_tag, streamed, done;
	bool dead;
	unsigned lit_state;
	size_t lit_pos;
	uint64_t lit_num;
	bool lit_plus, lit_tilde, lit_over;
	char prev;
	uint64_t left;
	size_t tag_len;
	struct imap_rd_literal lit;
	const char *data;
	size_t data_len;
	struct imap_command cmd;
	struct imap_error err;
};

/*
 * Start reading commands into `buf` (cap octets, at least 64): the
 * largest command accepted, literals included (an APPEND message is
 * streamed and does not count).
 */
void imap_reader_init(struct imap_reader *r, const struct imap_limits *lim,
    char *buf, size_t cap);

/*
 * Feed input.  Consumes octets from data/len up to the next event and
 * returns it, with *used_r the octets consumed (call again with the rest
 * after handling the event).  Line ends are CRLF (a bare LF is accepted
 * as well).  Every byte is looked at once: the cost is linear.
 *
 * Refusals (IMAP_RD_ERROR), with the tag kept when it was read:
 *   * BAD Invalid tag                    tag missing or has bad octets
 *   TAG BAD Missing command               tag alone
 *   TAG BAD [TOOBIG] Command too long     text + literals > buffer
 *   TAG BAD [TOOBIG] Literal too large    a literal > max_literal
 *   TAG BAD [TOOBIG] LITERAL- ...         {n+} > 4096 without LITERAL+
 *   TAG NO [TOOBIG] Message too large     APPEND literal > max_append
 *   TAG BAD Unexpected literal8           ~{n} outside APPEND's
 *                                         message, or without `binary`
 *   TAG BAD Bad literal size              size above 2^63 - 1
 *   TAG BAD CR without LF in command      a bare CR outside literals
 *   TAG BAD NUL in command                a NUL octet in the text or in
 *                                         a literal that is not ~{n}
 *                                         (CHAR8 excludes NUL); a
 *                                         streamed APPEND message is
 *                                         the session's to check
 * An overlong raw line (imap_reader_expect_line) is an untagged
 * BAD [TOOBIG] Line too long.  Empty lines are ignored.
 * After a refused synchronising literal the command is over (the client
 * sends no data); after a refused non-synchronising one its data and
 * the rest of the command are skipped without events, unless it is
 * larger than max_drop: then the reader is dead.
 */
enum imap_rd_event imap_reader_feed(struct imap_reader *r, const char *data,
    size_t len, size_t *used_r);

/* After IMAP_RD_COMMAND. */
const struct imap_command *imap_reader_command(const struct imap_reader *r);
/* After IMAP_RD_LITERAL; imap_reader_command() then gives the command so
 * far (args end with the literal's header), e.g. to parse APPEND's
 * mailbox, flags and date before the message arrives. */
const struct imap_rd_literal *imap_reader_literal(
    const struct imap_reader *r);
/* After IMAP_RD_DATA. */
const char *imap_reader_data(const struct imap_reader *r, size_t *len_r);
/* After IMAP_RD_ERROR: the error, and its tag (tag_len 0: untagged). */
const struct imap_error *imap_reader_error(const struct imap_reader *r,
    const char **tag_r, size_t *tag_len_r);
/* After IMAP_RD_LINE. */
const char *imap_reader_line(const struct imap_reader *r, size_t *len_r);

/* Decide about the literal of IMAP_RD_LITERAL. */
void imap_reader_accept(struct imap_reader *r);
void imap_reader_reject(struct imap_reader *r);

/* A refused non-synchronising literal was larger than max_drop: every
 * further input is ignored; the session must say BYE and close. */
bool imap_reader_dead(const struct imap_reader *r);

/* The next line is raw (no tag, no literals): IMAP_RD_LINE.  Drops the
 * text of the last command (parse its arguments first). */
void imap_reader_expect_line(struct imap_reader *r);

/* ------------------------------------------------------------------ */
/* Arguments: tokens (imap-token.c)                                    */
/* ------------------------------------------------------------------ */

/*
 * A cursor over a command's arguments (struct imap_command.args).  Every
 * parser below advances it and returns 0, or -1 with *err (BAD unless
 * said otherwise).  Decoded strings are NUL-terminated copies in `pool`.
 */
struct imap_args {
	const char *p;
	const char *end;
	struct gd_pool *pool;
	unsigned mode;		/* enum imap_mode */
	struct imap_error *err;
};

void imap_args_init(struct imap_args *a, const char *text, size_t len,
    struct gd_pool *pool, unsigned mode, struct imap_error *err);

bool imap_args_at_end(const struct imap_args *a);
/* Exactly one SP. */
int imap_args_sp(struct imap_args *a);
/* Nothing left ("Unexpected arguments" otherwise). */
int imap_args_end(struct imap_args *a);
/* Consume `c` if it is next. */
bool imap_args_skip(struct imap_args *a, char c);

/* True for ATOM-CHAR (RFC 9051 9), i.e. not atom-specials. */
bool imap_is_atom_char(unsigned char c);

/* An atom (pointer into the text, not copied). */
int imap_parse_atom(struct imap_args *a, const char **atom_r,
    size_t *len_r);
/* A quoted string or a literal (string), decoded. */
int imap_parse_string(struct imap_args *a, char **s_r, size_t *len_r);
/* astring = 1*ASTRING-CHAR / string. */
int imap_parse_astring(struct imap_args *a, char **s_r, size_t *len_r);
/* nstring: *s_r NULL for NIL. */
int imap_parse_nstring(struct imap_args *a, char **s_r, size_t *len_r);
/* number (0..2^32-1), nz-number, number64 (0..2^63-1). */
int imap_parse_number(struct imap_args *a, uint32_t *n_r);
int imap_parse_nz_number(struct imap_args *a, uint32_t *n_r);
int imap_parse_number64(struct imap_args *a, uint64_t *n_r);
/*
 * Make room for one more element in a pool array of `count` elements of
 * `size` octets with capacity *cap (0 at first): doubles by copying, so
 * a list costs at most twice its final size.  Returns the array.
 */
void *imap_pool_grow(struct gd_pool *pool, void *array, size_t count,
    size_t *cap, size_t size);
/*
 * Strings may not hold NUL (CHAR8); without IMAP_MODE_UTF8 any octet is
 * kept as is (the caller checks charsets where it matters); with it,
 * the string must be valid UTF-8.
 */
bool imap_utf8_valid(const char *s, size_t len);

/* ------------------------------------------------------------------ */
/* Mailbox names (imap-mutf7.c)                                        */
/* ------------------------------------------------------------------ */

/*
 * Modified UTF-7 (RFC 3501 5.1.3) to UTF-8.  Strict: printable ASCII may
 * not be encoded, "&" must be "&-", no null shift ("-&"), no padding
 * bits set, a name ends in ASCII, no lone surrogates, no 8-bit octet;
 * so that imap_mutf7_encode() gives back exactly the input.  Writes a
 * NUL-terminated string into out (cap octets).  0, or -1 (invalid or
 * does not fit).
 */
int imap_mutf7_decode(const char *in, size_t len, char *out, size_t cap,
    size_t *out_len_r);
/* UTF-8 (valid, else -1) to modified UTF-7; same conventions. */
int imap_mutf7_encode(const char *in, size_t len, char *out, size_t cap,
    size_t *out_len_r);

/*
 * A mailbox argument (astring) as the UTF-8 name the store uses: decoded
 * from modified UTF-7 without IMAP_MODE_UTF8 (8-bit octets refused),
 * checked as UTF-8 with it; "INBOX" in any case becomes "INBOX".  Longer
 * than GD_MAIL_NAME_MAX, empty, or with a control character: BAD.
 */
int imap_parse_mailbox(struct imap_args *a, char **name_r);
/* A LIST pattern (list-mailbox: may hold % and *), decoded likewise. */
int imap_parse_list_mailbox(struct imap_args *a, char **pattern_r);
/*
 * A name (or pattern) for the client, into the pool: modified UTF-7
 * unless `mode` has IMAP_MODE_UTF8.  NULL if `name` is not UTF-8.
 */
char *imap_mailbox_for_client(struct gd_pool *pool, const char *name,
    unsigned mode);

/* ------------------------------------------------------------------ */
/* Dates (imap-date.c)                                                 */
/* ------------------------------------------------------------------ */

/* SEARCH date ("1-Feb-1994", quoted or not) as days since 1970-01-01. */
int imap_parse_date(struct imap_args *a, int64_t *day_r);
/*
 * date-time ("17-Jul-1996 02:44:25 -0700", quoted, day may be " 7") as
 * seconds since the epoch (UTC); *zone_r gets the zone in minutes.
 */
int imap_parse_date_time(struct imap_args *a, int64_t *t_r, int *zone_r);
/*
 * Format `t` as date-time in zone `zone_min` with quotes: 28 octets and
 * a NUL (cap >= 29).  Returns the length, or 0 if cap is too small.
 */
size_t imap_date_time_format(char *buf, size_t cap, int64_t t, int zone_min);

/* ------------------------------------------------------------------ */
/* Sequence sets (imap-seqset.c)                                       */
/* ------------------------------------------------------------------ */

/* A "*" in a raw range; resolved by imap_seqset_normalize(). */
#define IMAP_SEQ_STAR	0u

/*
 * A parsed sequence set.  Raw: ranges as sent (either order, "*" as
 * IMAP_SEQ_STAR).  After imap_seqset_normalize(): sorted, merged
 * (neither overlapping nor adjacent), first <= last, no zero.  `dollar`:
 * the set was "$" (SEARCHRES, RFC 5182): no ranges; the session
 * substitutes its saved result.
 */
struct imap_seqset {
	struct gd_mail_range *ranges;
	size_t count;
	bool dollar;
	bool normalized;
};

/*
 * sequence-set: numbers 1..2^32-1, "*", ranges "a:b" in either order,
 * comma-separated; or "$" when `allow_dollar`.  Ranges come from the
 * pool.
 */
int imap_parse_seqset(struct imap_args *a, bool allow_dollar,
    struct imap_seqset *set_r);

/*
 * Resolve "*" to `star` (the highest number in use: message count, or
 * the highest UID; 0 for an empty mailbox, where every range with a "*"
 * is dropped), put each range in order, sort, merge.  In place;
 * idempotent.
 */
void imap_seqset_normalize(struct imap_seqset *set, uint32_t star);

/* Normalized set: membership (O(log n)), size (numbers in it). */
bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n);
uint64_t imap_seqset_size(const struct imap_seqset *set);

/* Iterate a normalized set in ascending order. */
struct imap_seqset_iter {
	size_t range;
	uint64_t next;
};
void imap_seqset_iter_init(struct imap_seqset_iter *it);
bool imap_seqset_iter_next(const struct imap_seqset *set,
    struct imap_seqset_iter *it, uint32_t *n_r);

/*
 * Format ranges as a sequence set ("1:5,7,9:12").  Returns the full
 * length (>= cap: truncated, NUL-terminated when cap > 0).
 */
size_t imap_ranges_format(char *buf, size_t cap,
    const struct gd_mail_range *ranges, size_t count);
/*
 * Compress a list of numbers in its order (runs of n, n+1, ... become
 * "a:b"), for COPYUID / APPENDUID / ESEARCH where the order pairs the
 * source and target UIDs.  Same return convention.
 */
size_t imap_numbers_format(char *buf, size_t cap, const uint32_t *nums,
    size_t count);

/* ------------------------------------------------------------------ */
/* Flags and STORE (imap-flags.c)                                      */
/* ------------------------------------------------------------------ */

/* Flags as a client names them. */
struct imap_flags {
	uint32_t system;		/* GD_MAIL_SEEN ... GD_MAIL_DRAFT */
	const char **keywords;		/* NULL-terminated, in the pool */
	size_t nkeywords;
};

/* The GD_MAIL_* bit of a system flag name ("\\Seen", any case), 0 for
 * none; and the name of a bit. */
uint32_t imap_system_flag(const char *name, size_t len);
const char *imap_system_flag_name(uint32_t bit);

/*
 * flag-list "(" [flag *(SP flag)] ")" for APPEND and STORE: the five
 * system flags and keywords (atoms).  \Recent, other "\" extensions and
 * "\*" are refused (BAD: a client may not set them).  Duplicates merged.
 */
int imap_parse_flag_list(struct imap_args *a, struct imap_flags *f);

/* STORE's item (RFC 9051 6.4.6), and room for CONDSTORE's modifier. */
struct imap_store {
	enum gd_mail_flag_op op;
	bool silent;
	struct imap_flags flags;
	uint64_t unchanged_since;	/* reserved for CONDSTORE: 0 */
};

/* STORE args after the sequence set: [SP "(" modifiers ")"] SP
 * ["+"/"-"] "FLAGS" [".SILENT"] SP (flag-list / flag *(SP flag)).
 * Modifiers are refused for now (BAD). */
int imap_parse_store(struct imap_args *a, struct imap_store *st_r);

/*
 * Format a flag list: "(" system flags in a fixed order, \Recent when
 * GD_MAIL_RECENT is set, the keywords, "\*" if `wildcard` ")".  Returns
 * the full length (snprintf-like).
 */
size_t imap_flags_format(char *buf, size_t cap, uint32_t system,
    const char *const *keywords, size_t nkeywords, bool wildcard);

/* ------------------------------------------------------------------ */
/* FETCH (imap-fetch.c)                                                */
/* ------------------------------------------------------------------ */

/* Deepest part number "1.2.3..." accepted in a section. */
#define IMAP_PART_DEPTH_MAX	32

enum imap_fetch_item {
	IMAP_FETCH_FLAGS = 1u << 0,
	IMAP_FETCH_INTERNALDATE = 1u << 1,
	IMAP_FETCH_RFC822_SIZE = 1u << 2,
	IMAP_FETCH_ENVELOPE = 1u << 3,
	IMAP_FETCH_BODY = 1u << 4,		/* non-extensible structure */
	IMAP_FETCH_BODYSTRUCTURE = 1u << 5,
	IMAP_FETCH_UID = 1u << 6,
	IMAP_FETCH_RFC822 = 1u << 7,		/* = BODY[] (sets \Seen) */
	IMAP_FETCH_RFC822_HEADER = 1u << 8,	/* = BODY.PEEK[HEADER] */
	IMAP_FETCH_RFC822_TEXT = 1u << 9,	/* = BODY[TEXT] (sets \Seen) */
};

enum imap_section_kind {
	IMAP_SECTION_ALL = 0,		/* [] or [1.2] */
	IMAP_SECTION_HEADER,
	IMAP_SECTION_HEADER_FIELDS,
	IMAP_SECTION_HEADER_FIELDS_NOT,
	IMAP_SECTION_TEXT,
	IMAP_SECTION_MIME,		/* only after a part number */
};

enum imap_att_kind {
	IMAP_ATT_BODY = 0,		/* BODY[...] / BODY.PEEK[...] */
	IMAP_ATT_BINARY,		/* BINARY[...] / BINARY.PEEK[...] */
	IMAP_ATT_BINARY_SIZE,		/* BINARY.SIZE[...] */
};

/* One BODY[]/BINARY[] item. */
struct imap_fetch_att {
	enum imap_att_kind kind;
	bool peek;
	enum imap_section_kind section;
	uint32_t part[IMAP_PART_DEPTH_MAX];
	unsigned depth;			/* 0: the whole message */
	const char **fields;		/* HEADER.FIELDS[.NOT] names */
	size_t nfields;
	bool partial;			/* <offset.length> given */
	uint64_t offset;
	uint64_t length;
	struct imap_fetch_att *next;
};

struct imap_fetch {
	unsigned items;			/* enum imap_fetch_item */
	struct imap_fetch_att *atts;	/* in the order asked */
	size_t natts;
	/* Some item sets \Seen (BODY[] without PEEK, RFC822, RFC822.TEXT,
	 * BINARY[] without PEEK). */
	bool sets_seen;
	/* Only metadata asked: no content needs opening. */
	bool metadata_only;
};

/*
 * FETCH args after the sequence set: SP ("ALL" / "FULL" / "FAST" /
 * fetch-att / "(" fetch-att *(SP fetch-att) ")").  Macros expand (ALL =
 * FLAGS INTERNALDATE RFC822.SIZE ENVELOPE, FAST = the first three, FULL
 * = ALL BODY).  A modifier list after it is refused for now (room for
 * CHANGEDSINCE).  BINARY sections take part numbers only.
 */
int imap_parse_fetch(struct imap_args *a, struct imap_fetch *f_r);

/*
 * The name of `att` as the FETCH response echoes it: "BODY[1.HEADER]",
 * "BODY[HEADER.FIELDS (DATE FROM)]<0>", "BINARY.SIZE[2]" (PEEK dropped;
 * a partial shows only its origin).  Same return convention as
 * snprintf.
 */
size_t imap_fetch_att_name(char *buf, size_t cap,
    const struct imap_fetch_att *att);

/* ------------------------------------------------------------------ */
/* SEARCH (imap-search.c)                                              */
/* ------------------------------------------------------------------ */

/* Nesting (parentheses, NOT, OR) deeper than this: NO [LIMIT]. */
#define IMAP_SEARCH_DEPTH_MAX	32

/* RETURN options (RFC 4731, RFC 5182). */
enum imap_search_ret {
	IMAP_SEARCH_RET_MIN = 1u << 0,
	IMAP_SEARCH_RET_MAX = 1u << 1,
	IMAP_SEARCH_RET_ALL = 1u << 2,
	IMAP_SEARCH_RET_COUNT = 1u << 3,
	IMAP_SEARCH_RET_SAVE = 1u << 4,
};

/*
 * What "*" and "$" mean while the command runs (the view does not change
 * during SEARCH): `seq_star` the message count, `uid_star` the highest
 * UID (0 when empty), `saved` the UIDs of the SEARCHRES result
 * (normalized; count 0 is the empty set).  The tree points into
 * `saved` for "$": it must outlive the tree.
 */
struct imap_search_ctx {
	uint32_t seq_star;
	uint32_t uid_star;
	const struct gd_mail_range *saved;
	size_t nsaved;
};

struct imap_search {
	struct gd_search_key *key;	/* GD_SEARCH_AND of the keys */
	unsigned ret;			/* enum imap_search_ret */
	bool ret_given;			/* RETURN (...) given: ESEARCH */
	bool uses_saved;		/* "$" appears in the program */
};

/*
 * SEARCH args: [RETURN (opts)] [CHARSET name] keys, every key of both
 * revisions (NEW OLD RECENT only without IMAP_MODE_REV2), OR, NOT,
 * parenthesised lists, sequence sets and UID sets (resolved with `ctx`;
 * "$" becomes a UIDSET of the saved result), OLDER/YOUNGER (RFC 5032).
 * CHARSET other than UTF-8/US-ASCII: NO [BADCHARSET]; nesting beyond
 * IMAP_SEARCH_DEPTH_MAX: NO [LIMIT].  "RETURN ()" means ALL.
 */
int imap_parse_search(struct imap_args *a, const struct imap_search_ctx *ctx,
    struct imap_search *s_r);

/* ------------------------------------------------------------------ */
/* Other commands (imap-args.c)                                        */
/* ------------------------------------------------------------------ */

/* LIST-EXTENDED selection options (RFC 5258, RFC 6154). */
enum imap_list_sel {
	IMAP_LIST_SEL_SUBSCRIBED = 1u << 0,
	IMAP_LIST_SEL_REMOTE = 1u << 1,
	IMAP_LIST_SEL_RECURSIVEMATCH = 1u << 2,
	IMAP_LIST_SEL_SPECIAL_USE = 1u << 3,
};
/* Return options (RFC 5258, 5819, 6154). */
enum imap_list_ret {
	IMAP_LIST_RET_SUBSCRIBED = 1u << 0,
	IMAP_LIST_RET_CHILDREN = 1u << 1,
	IMAP_LIST_RET_SPECIAL_USE = 1u << 2,
	IMAP_LIST_RET_STATUS = 1u << 3,
};

struct imap_list {
	char *reference;
	char **patterns;		/* NULL-terminated, UTF-8 */
	size_t npatterns;
	unsigned sel;			/* enum imap_list_sel */
	unsigned ret;			/* enum imap_list_ret */
	unsigned status_items;		/* RETURN (STATUS (...)) */
	bool extended;			/* any extended syntax was used */
};

/*
 * LIST [SP "(" sel-opts ")"] SP reference SP (pattern / "(" patterns ")")
 * [SP RETURN SP "(" ret-opts ")"]; and LSUB reference SP pattern.
 * RECURSIVEMATCH alone (or with REMOTE only) is BAD (RFC 5258 3).
 */
int imap_parse_list(struct imap_args *a, struct imap_list *l_r);
int imap_parse_lsub(struct imap_args *a, struct imap_list *l_r);
/* The pattern to match: `pattern` if it starts with the delimiter,
 * else reference + pattern.  In the pool. */
char *imap_list_join(struct gd_pool *pool, const char *ref,
    const char *pattern);

/*
 * "(" status-att *(SP status-att) ")" as GD_MAIL_STATUS_* bits: MESSAGES
 * UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE, and RECENT without
 * IMAP_MODE_REV2 (RFC 9051 removed it).
 */
int imap_parse_status_items(struct imap_args *a, unsigned *items_r);
/* STATUS mailbox SP items. */
int imap_parse_status(struct imap_args *a, char **mailbox_r,
    unsigned *items_r);

/* SELECT / EXAMINE: mailbox [SP "(" params ")"] (RFC 4466).  No
 * parameter is known yet (CONDSTORE, QRESYNC later): any is BAD. */
struct imap_select {
	char *mailbox;
	unsigned params;		/* reserved: 0 */
};
int imap_parse_select(struct imap_args *a, struct imap_select *s_r);

/* CREATE mailbox [SP "(" "USE" SP "(" special-use ")" ")"] (RFC 6154);
 * *special_use_r a GD_MAIL_LIST_* bit or 0.  A trailing "/" is dropped
 * (RFC 9051 6.3.4). */
int imap_parse_create(struct imap_args *a, char **mailbox_r,
    unsigned *special_use_r);

/*
 * APPEND mailbox [SP flag-list] [SP date-time] SP literal-header, the
 * header being the streamed message literal ("{n}" or "~{n}") at the end
 * of the args (as imap_reader_command() gives them at IMAP_RD_LITERAL).
 */
struct imap_append {
	char *mailbox;
	struct imap_flags flags;
	bool has_date;
	int64_t date;			/* seconds since the epoch */
	uint64_t size;
	bool binary;
};
int imap_parse_append(struct imap_args *a, struct imap_append *ap_r);

/* ENABLE capability names (RFC 5161): unknown ones are ignored. */
enum imap_enable {
	IMAP_ENABLE_IMAP4REV2 = 1u << 0,
	IMAP_ENABLE_UTF8_ACCEPT = 1u << 1,
	IMAP_ENABLE_CONDSTORE = 1u << 2,
	IMAP_ENABLE_QRESYNC = 1u << 3,
};
int imap_parse_enable(struct imap_args *a, unsigned *caps_r);
/* The name of one enable bit ("IMAP4rev2"). */
const char *imap_enable_name(unsigned bit);

/* ID (RFC 2971): NIL or up to 30 pairs, field <= 30 octets, value <=
 * 1024 octets (else BAD).  values[i] NULL for NIL. */
#define IMAP_ID_PAIRS_MAX	30
struct imap_id {
	char **fields;
	char **values;
	size_t count;
};
int imap_parse_id(struct imap_args *a, struct imap_id *id_r);

/* LOGIN userid SP password. */
int imap_parse_login(struct imap_args *a, char **user_r, char **pass_r);
/*
 * AUTHENTICATE mechanism [SP initial-response] (RFC 4959): *ir_r NULL
 * when absent, "" for "=", else the base64 text (checked).
 */
int imap_parse_authenticate(struct imap_args *a, char **mech_r,
    char **ir_r);
/* RENAME from SP to; COPY/MOVE seqset SP mailbox. */
int imap_parse_rename(struct imap_args *a, char **from_r, char **to_r);
int imap_parse_copy(struct imap_args *a, struct imap_seqset *set_r,
    char **mailbox_r);

/* ------------------------------------------------------------------ */
/* Output helpers (imap-reply.c)                                       */
/* ------------------------------------------------------------------ */

/*
 * A string for the client: quoted when every octet may be quoted (no
 * NUL/CR/LF, 8-bit only with IMAP_MODE_UTF8, at most 1024 octets), a
 * literal "{n}\r\n..." otherwise.  `nil`: NULL s gives NIL (nstring).
 * `atom`: an astring may go as a bare atom when safe.  Same return
 * convention as snprintf (a literal's content may hold NUL: do not use
 * strlen on the result).
 */
enum imap_str_flag {
	IMAP_STR_NIL = 1u << 0,
	IMAP_STR_ATOM = 1u << 1,
};
size_t imap_string_format(char *buf, size_t cap, const char *s, size_t len,
    unsigned mode, unsigned flags);

/* `n` in decimal, written to the end of buf (no NUL): where it starts.
 * Without printf, for numbers a FETCH writes by the ten thousand. */
#define IMAP_U64_DIGITS	20
const char *imap_u64_digits(char buf[IMAP_U64_DIGITS], uint64_t n);

/* True if `s` can go quoted under `mode`. */
bool imap_string_quotable(const char *s, size_t len, unsigned mode);

#endif
