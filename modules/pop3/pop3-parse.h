/*
 * pop3-parse.h — the pure, loop-free protocol code of the pop3 module
 * (internal header, not installed).  WORK IN PROGRESS (issue 8): the
 * session that uses it comes next.
 *
 * Everything declared here is a plain function of its arguments: no I/O,
 * no loop, no allocation, no global state.  Results live in fixed-size
 * structs or in buffers the caller supplies.  The session owns the state
 * machine; this code classifies input and says which reply the RFCs want.
 *
 * Errors: a function that refuses input fills a struct pop3_error (an
 * RFC 2449 response code, possibly none, and one line of printable ASCII)
 * ready for pop3_reply_error().  A refusal never ends the session: the
 * caller counts bad commands and goes on.
 *
 * Files: pop3-cmd.c (command lines, states, canned refusals),
 * pop3-reply.c (+OK/-ERR lines, CAPA), pop3-stuff.c (RETR/TOP dot-stuffer,
 * LIST sizes, UIDL values).
 */
#ifndef GD_POP3_PARSE_H
#define GD_POP3_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Errors and response codes (pop3-cmd.c)                              */
/* ------------------------------------------------------------------ */

#define POP3_ERROR_TEXT_MAX	160

/* RFC 2449 8, RFC 3206, RFC 6856 response codes. */
enum pop3_code {
	POP3_CODE_NONE = 0,
	POP3_CODE_AUTH,			/* [AUTH] credentials are wrong */
	POP3_CODE_SYS_TEMP,		/* [SYS/TEMP] try again later */
	POP3_CODE_SYS_PERM,		/* [SYS/PERM] will not get better */
	POP3_CODE_IN_USE,		/* [IN-USE] maildrop locked */
	POP3_CODE_LOGIN_DELAY,		/* [LOGIN-DELAY] too soon */
	POP3_CODE_UTF8,			/* [UTF8] UTF-8 needed/refused */
	POP3_CODE_COUNT
};

/* "AUTH", "SYS/TEMP", ...; NULL for POP3_CODE_NONE.  Static string. */
const char *pop3_code_name(enum pop3_code code);

/* A refusal: `code` (maybe POP3_CODE_NONE), `text` printable ASCII. */
struct pop3_error {
	enum pop3_code code;
	char text[POP3_ERROR_TEXT_MAX];
};

/*
 * Fill *err with code and printf-style text (cut to fit; any byte outside
 * 0x20-0x7e becomes '?').  Returns -1 so parsers can `return` it.
 */
int pop3_error_set(struct pop3_error *err, enum pop3_code code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The refusals the session gives that are not about the command's
 * syntax, each with its fixed response code and text, so that every
 * place that refuses for the same reason says the same thing.
 */
enum pop3_refusal {
	POP3_REFUSE_AUTH_FAILED,	/* [AUTH] wrong user or secret */
	POP3_REFUSE_CLEARTEXT,		/* [AUTH] plaintext needs TLS */
	POP3_REFUSE_APOP_UNAVAILABLE,	/* [AUTH] realm has no plain secret */
	POP3_REFUSE_IN_USE,		/* [IN-USE] another session has it */
	POP3_REFUSE_LOGIN_DELAY,	/* [LOGIN-DELAY] logged in too soon */
	POP3_REFUSE_SYS_TEMP,		/* [SYS/TEMP] store/realm unavailable */
	POP3_REFUSE_SYS_PERM,		/* [SYS/PERM] account disabled etc. */
	POP3_REFUSE_UTF8_NEEDED,	/* [UTF8] non-ASCII without UTF8 */
	POP3_REFUSE_AUTH_CANCELLED,	/* client sent "*" */
	POP3_REFUSE_NO_SUCH_MESSAGE,	/* out of range, or deleted */
	POP3_REFUSE_DELETED,		/* DELE of a message marked already */
	POP3_REFUSE_TOO_MANY_BAD,	/* before closing: bad-command limit */
	POP3_REFUSE_COUNT
};

/* Fill *err with the refusal's code and text; returns -1. */
int pop3_refuse(struct pop3_error *err, enum pop3_refusal why);

/* ------------------------------------------------------------------ */
/* Command lines (pop3-cmd.c)                                          */
/* ------------------------------------------------------------------ */

/* RFC 2449 4: a command line is at most 255 octets including CRLF. */
#define POP3_LINE_MAX		255
/* A SASL continuation line (RFC 5034 4 sets no limit; ours). */
#define POP3_AUTH_LINE_MAX	12288
/* Message numbers are 1..POP3_MSG_MAX. */
#define POP3_MSG_MAX		0x7fffffffu
/* APOP digest: MD5 in lowercase hex (RFC 1939 7). */
#define POP3_APOP_DIGEST_LEN	32

/* The session's states (RFC 1939 3), as bits so a verb can list several. */
enum pop3_state {
	POP3_STATE_AUTHORIZATION = 1u << 0,
	POP3_STATE_TRANSACTION	= 1u << 1,
	POP3_STATE_UPDATE	= 1u << 2,
};

enum pop3_verb {
	POP3_VERB_UNKNOWN = 0,
	POP3_VERB_USER,
	POP3_VERB_PASS,
	POP3_VERB_APOP,
	POP3_VERB_AUTH,
	POP3_VERB_STLS,
	POP3_VERB_CAPA,
	POP3_VERB_UTF8,
	POP3_VERB_STAT,
	POP3_VERB_LIST,
	POP3_VERB_RETR,
	POP3_VERB_DELE,
	POP3_VERB_NOOP,
	POP3_VERB_RSET,
	POP3_VERB_QUIT,
	POP3_VERB_TOP,
	POP3_VERB_UIDL,
	POP3_VERB_COUNT
};

/* "USER", ...; "" for POP3_VERB_UNKNOWN.  Static string. */
const char *pop3_verb_name(enum pop3_verb verb);

/*
 * The states (enum pop3_state bits) in which `verb` is allowed:
 *   AUTHORIZATION  USER PASS APOP AUTH STLS UTF8 CAPA QUIT
 *   TRANSACTION    STAT LIST RETR DELE NOOP RSET TOP UIDL CAPA QUIT
 *   UPDATE         none (the session is closing; nothing is read)
 * 0 for POP3_VERB_UNKNOWN.
 */
unsigned pop3_verb_states(enum pop3_verb verb);

/*
 * The CAPA bit (enum pop3_capa_bit) a verb needs on this listener, 0 when
 * it is always there: TOP, UIDL need their bits, USER and PASS need
 * POP3_CAPA_USER, AUTH needs POP3_CAPA_SASL, STLS POP3_CAPA_STLS, UTF8
 * POP3_CAPA_UTF8.  APOP is the session's choice (greeting timestamp).
 */
unsigned pop3_verb_capa(enum pop3_verb verb);

/*
 * One parsed command.  Pointers go into the caller's line (not copied).
 *   USER  arg = name
 *   PASS  arg = the rest of the line after "PASS ", spaces included
 *   APOP  arg = name, arg2 = the 32-octet digest
 *   AUTH  arg = mechanism (upper-cased by the caller if needed; arg_len 0:
 *         bare "AUTH", which lists the mechanisms, RFC 1734 habit),
 *         has_initial: an initial response follows in arg2 (arg2_len 0
 *         when the client sent "=", the empty response, RFC 5034 4)
 *   LIST, UIDL  has_msg and msg when a number was given
 *   RETR, DELE  msg;   TOP  msg and lines
 * Unused fields are 0/NULL.
 */
struct pop3_cmd {
	enum pop3_verb verb;
	const char *arg;
	size_t arg_len;
	const char *arg2;
	size_t arg2_len;
	bool has_msg;
	bool has_initial;
	uint32_t msg;
	uint32_t lines;		/* TOP: saturates at UINT32_MAX */
};

/*
 * Parse one command line.  `line`/`len` is the line WITHOUT its CRLF (the
 * reader split on LF; a line longer than POP3_LINE_MAX octets with its
 * CRLF is refused here — the reader must discard an endless one up to its
 * LF and call this with len POP3_LINE_MAX to get the refusal).  `utf8` is
 * true after a successful UTF8 command (RFC 6856): USER, PASS and APOP
 * names may then be UTF-8; before it a non-ASCII one gets [UTF8].
 *
 * Keywords are case-insensitive and followed by one SP before each
 * argument; trailing spaces are ignored except in PASS.  RFC 2449's
 * 40-octet argument size is not enforced: the line limit bounds every
 * argument, and long secrets and initial responses need the room.
 * Returns 0 and fills *cmd_r, or -1 with *err_r (cmd_r->verb set when
 * the keyword was known, so the session can count bad commands either
 * way):
 *   -ERR Line too long                   > POP3_LINE_MAX with CRLF
 *   -ERR Invalid characters in command   NUL, CR, LF, other controls
 *   -ERR Empty command / Unknown command
 *   -ERR <VERB> takes no argument        STAT RSET NOOP QUIT STLS CAPA UTF8
 *   -ERR Usage: <VERB> ...               missing/extra/malformed argument
 *   -ERR Invalid message number          not 1..2^31-1, sign, non-digit
 *   -ERR Invalid line count              TOP's second argument
 *   -ERR Invalid APOP digest             not 32 lowercase hex digits
 *   -ERR Invalid mechanism name          AUTH: not RFC 4422 name chars
 *   -ERR Invalid initial response        AUTH: not base64 nor "="
 *   -ERR [UTF8] ...                      non-ASCII before UTF8, or
 *                                        invalid UTF-8 after it
 */
int pop3_cmd_parse(const char *line, size_t len, bool utf8,
    struct pop3_cmd *cmd_r, struct pop3_error *err_r);

/*
 * May `verb` run now?  `state` is the session's state, `capa` the CAPA
 * bits on for this listener and state, `user_given` true after an
 * accepted USER (PASS needs it, RFC 1939 7).  Returns 0, or -1 with:
 *   -ERR Command not valid in this state   (pop3_verb_states)
 *   -ERR Command not enabled               (pop3_verb_capa bit off)
 *   -ERR USER first                        PASS without USER
 */
int pop3_cmd_allowed(enum pop3_verb verb, enum pop3_state state,
    unsigned capa, bool user_given, struct pop3_error *err_r);

/* What a SASL continuation line is (RFC 5034 4). */
enum pop3_auth_line {
	POP3_AUTH_LINE_DATA,		/* base64 (maybe empty): decode it */
	POP3_AUTH_LINE_CANCEL,		/* "*": -ERR, back to AUTHORIZATION */
	POP3_AUTH_LINE_BAD,		/* not base64: -ERR, exchange ends */
};

/* Classify a continuation line (without CRLF, at most
 * POP3_AUTH_LINE_MAX octets with it, else BAD). */
enum pop3_auth_line pop3_auth_line_kind(const char *line, size_t len);

/* ------------------------------------------------------------------ */
/* Replies and CAPA (pop3-reply.c)                                     */
/* ------------------------------------------------------------------ */

/* RFC 1939 3: a response line is at most 512 octets with its CRLF. */
#define POP3_REPLY_MAX		512

/*
 * Format "+OK text\r\n" or "-ERR [CODE] text\r\n" ("+OK\r\n" for empty or
 * NULL text) into buf (cap bytes, NUL-terminated when cap > 0).  Text
 * bytes below 0x20 and 0x7f become spaces, bytes from 0x80 become '?'
 * unless `utf8` (RFC 6856: then they are kept); the line is cut to
 * POP3_REPLY_MAX octets.  Returns the line's length (<= POP3_REPLY_MAX);
 * when that is >= cap the buffer holds a truncated copy (snprintf-like).
 * `codes` off (client did not see RESP-CODES) drops the [CODE].
 */
size_t pop3_reply_ok(char *buf, size_t cap, const char *text, bool utf8);
size_t pop3_reply_err(char *buf, size_t cap, enum pop3_code code,
    const char *text, bool codes, bool utf8);
/* pop3_reply_err() of a struct pop3_error. */
size_t pop3_reply_error(char *buf, size_t cap, const struct pop3_error *err,
    bool codes);

/* Capabilities (RFC 2449 6; RFC 2595 4; RFC 3206 6; RFC 5034 5;
 * RFC 6856 2). */
enum pop3_capa_bit {
	POP3_CAPA_TOP		= 1u << 0,
	POP3_CAPA_USER		= 1u << 1,
	POP3_CAPA_UIDL		= 1u << 2,
	POP3_CAPA_SASL		= 1u << 3,
	POP3_CAPA_STLS		= 1u << 4,
	POP3_CAPA_UTF8		= 1u << 5,
	POP3_CAPA_RESP_CODES	= 1u << 6,
	POP3_CAPA_AUTH_RESP_CODE = 1u << 7,
	POP3_CAPA_PIPELINING	= 1u << 8,
	POP3_CAPA_EXPIRE	= 1u << 9,
	POP3_CAPA_LOGIN_DELAY	= 1u << 10,
	POP3_CAPA_IMPLEMENTATION = 1u << 11,
};

#define POP3_EXPIRE_NEVER	(-1)

/*
 * What this listener offers, now.  The session fills it per CAPA: clear
 * STLS once TLS is on, clear USER/SASL mechanisms that cleartext forbids.
 *   sasl_mechs      space-separated mechanism names (SASL line; the line
 *                   is left out when NULL or empty)
 *   utf8_user       "UTF8 USER": UTF-8 user names are accepted
 *   expire_days     EXPIRE value, or POP3_EXPIRE_NEVER
 *   login_delay     LOGIN-DELAY seconds
 *   per_user        the policy varies by user: in AUTHORIZATION EXPIRE
 *                   and LOGIN-DELAY get a " USER" suffix (RFC 2449 6.5,
 *                   6.7); in TRANSACTION the caller gives the user's own
 *                   values and no suffix is written
 *   implementation  IMPLEMENTATION text (sanitised; left out if NULL)
 */
struct pop3_capa {
	unsigned flags;			/* enum pop3_capa_bit */
	const char *sasl_mechs;
	bool utf8_user;
	bool per_user;
	int32_t expire_days;
	uint32_t login_delay;
	const char *implementation;
};

/*
 * The whole CAPA reply: "+OK Capability list follows\r\n", one line per
 * capability in the order of enum pop3_capa_bit, ".\r\n".  Mechanism
 * names that are not valid SASL names are dropped.  Same buffer rules as
 * pop3_reply_ok(); returns the full length.
 */
size_t pop3_capa_format(char *buf, size_t cap, const struct pop3_capa *c,
    enum pop3_state state);

/* ------------------------------------------------------------------ */
/* RETR/TOP content, sizes, UIDL (pop3-stuff.c)                        */
/* ------------------------------------------------------------------ */

/*
 * The streaming dot-stuffer.  Fed the stored message in any chunks, it
 * writes what the client must receive: every line ends with CRLF (a bare
 * LF or a bare CR becomes CRLF), a line starting with '.' gets one more
 * (RFC 1939 3), and pop3_stuff_finish() ends the multi-line response
 * with CRLF "." CRLF (a CRLF first if the content did not end with one).
 *
 * For TOP (RFC 1939 7), it stops after the header, the blank line and
 * `lines` body lines; pop3_stuff_done() then says so, and the reader can
 * stop reading the store.
 *
 * The counters: `content` is what the client holds after removing the
 * stuffing and the final "." line — the size LIST and STAT announce
 * (equal to pop3_size_*() on the same octets); `wire` is every octet
 * written, terminator included.
 */
struct pop3_stuff {
	bool bol;		/* at the start of a line */
	bool cr;		/* a CR was read; its LF may follow */
	bool header;		/* still in the header */
	bool top;		/* TOP: stop after `left` body lines */
	bool done;		/* TOP limit reached, rest is skipped */
	bool finished;		/* the terminator was written */
	uint64_t left;
	uint64_t content;
	uint64_t wire;
};

/* Output room below which pop3_stuff_feed() makes no progress. */
#define POP3_STUFF_OUT_MIN	8
/* pop3_stuff_finish() writes at most this many octets. */
#define POP3_STUFF_TAIL_MAX	5

/* Start a RETR (top false) or a TOP of `lines` body lines. */
void pop3_stuff_init(struct pop3_stuff *s, bool top, uint64_t lines);

/*
 * Consume input from in/len, write output into out (cap octets, no NUL).
 * Returns the octets written; *used_r the input octets consumed, which
 * is less than len only when out is (nearly) full — call again with the
 * rest after sending the output.  Once done (TOP limit), all input is
 * consumed and nothing written.
 */
size_t pop3_stuff_feed(struct pop3_stuff *s, const char *in, size_t len,
    char *out, size_t cap, size_t *used_r);

/* True once TOP has written all it will (the rest can go unread). */
bool pop3_stuff_done(const struct pop3_stuff *s);

/*
 * Write the end of the response (at most POP3_STUFF_TAIL_MAX octets) into
 * out.  Returns the octets written, or 0 (nothing written) if cap is too
 * small or it was called before.
 */
size_t pop3_stuff_finish(struct pop3_stuff *s, char *out, size_t cap);

/*
 * The size LIST and STAT announce for a stored message, computed in
 * chunks with the stuffer's rules: line ends counted as CRLF, a final
 * CRLF counted if missing, stuffing not counted.
 */
struct pop3_size {
	bool bol;
	bool cr;
	uint64_t octets;
};

void pop3_size_init(struct pop3_size *sz);
void pop3_size_feed(struct pop3_size *sz, const char *in, size_t len);
uint64_t pop3_size_finish(const struct pop3_size *sz);
/* The three above on one buffer. */
uint64_t pop3_size_of(const char *msg, size_t len);

/*
 * UIDL (RFC 1939 7): the value is the mailbox's UIDVALIDITY and the
 * message's UID, each as 8 lowercase hex digits: 16 octets in 0x21-0x7e.
 * Both numbers live in the mailbox's index, so the value is the same in
 * every session, after a restart and after any flag change; a new
 * UIDVALIDITY (the mailbox was rebuilt and its UIDs reassigned) gives new
 * values, so clients download again rather than miss or confuse mail.
 */
#define POP3_UIDL_LEN		16

/* Write the value and a NUL (cap >= POP3_UIDL_LEN + 1); returns
 * POP3_UIDL_LEN, or 0 when cap is too small. */
size_t pop3_uidl_format(char *buf, size_t cap, uint32_t uidvalidity,
    uint32_t uid);

/* RFC 1939's rule for any UIDL value: 1..70 octets in 0x21-0x7e. */
bool pop3_uidl_valid(const char *s, size_t len);

#endif
