/*
 * smtp-parse.h — the pure, loop-free protocol code of the smtp module
 * (internal header, not installed).
 *
 * Everything declared here is a plain function of its arguments: no I/O,
 * no loop, no allocation visible to the caller (results live in fixed-size
 * structs or buffers the caller supplies), no global state.  Any thread
 * may call any of it.  The session (smtp.c and friends) owns the state
 * machine and applies the checks; this code classifies input and says
 * which reply the RFCs want.
 *
 * Errors: a function that can refuse input fills a struct smtp_error with
 * the full reply to send (code, RFC 3463 enhanced status, one line of
 * text naming the culprit).  The text is printable ASCII without CR/LF,
 * ready for smtp_reply_format().
 *
 * Files: smtp-cmd.c (command lines), smtp-path.c and smtp-domain.c
 * (RFC 5321 paths, IDNA), smtp-param.c and smtp-param-rcpt.c (ESMTP
 * parameters), smtp-xtext.c, smtp-data.c (DATA unstuffer), smtp-bdat.c,
 * smtp-reply.c, smtp-received.c, smtp-xclient.c, smtp-field.c.  They
 * link with $(LIBIDN2_LIBS) and use gd_msg_date_format() from libgumdrop.
 */
#ifndef GD_SMTP_PARSE_H
#define GD_SMTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

#define SMTP_ERROR_TEXT_MAX	160

/*
 * A refusal: `code` (e.g. 501), `enhanced` a static "C.S.D" string whose
 * class equals the code's first digit (e.g. "5.5.4"), `text` one line of
 * printable ASCII, NUL-terminated, without the code.
 */
struct smtp_error {
	unsigned code;
	const char *enhanced;
	char text[SMTP_ERROR_TEXT_MAX];
};

/*
 * Fill *err with code, enhanced and printf-style text (cut to fit; any
 * byte outside 0x20-0x7e in the result is replaced by '?').  Returns -1
 * so that parsers can `return smtp_error_set(...)`.
 */
int smtp_error_set(struct smtp_error *err, unsigned code,
    const char *enhanced, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ------------------------------------------------------------------ */
/* Extensions enabled on a listener (an input, so one parser serves     */
/* every listener: smtp, submission, lmtp)                             */
/* ------------------------------------------------------------------ */

enum smtp_ext {
	SMTP_EXT_SIZE		= 1u << 0,	/* RFC 1870 */
	SMTP_EXT_8BITMIME	= 1u << 1,	/* RFC 6152 */
	SMTP_EXT_BINARYMIME	= 1u << 2,	/* RFC 3030 */
	SMTP_EXT_CHUNKING	= 1u << 3,	/* RFC 3030 */
	SMTP_EXT_SMTPUTF8	= 1u << 4,	/* RFC 6531 */
	SMTP_EXT_DSN		= 1u << 5,	/* RFC 3461 */
	SMTP_EXT_REQUIRETLS	= 1u << 6,	/* RFC 8689 */
	SMTP_EXT_MTPRIORITY	= 1u << 7,	/* RFC 6710 */
	SMTP_EXT_FUTURERELEASE	= 1u << 8,	/* RFC 4865 */
	SMTP_EXT_DELIVERBY	= 1u << 9,	/* RFC 2852 */
	SMTP_EXT_AUTH		= 1u << 10,	/* RFC 4954 (MAIL AUTH=) */
	SMTP_EXT_PIPELINING	= 1u << 11,	/* RFC 2920 */
	SMTP_EXT_ENHANCEDSTATUSCODES = 1u << 12, /* RFC 2034 */
	SMTP_EXT_STARTTLS	= 1u << 13,	/* RFC 3207 */
	SMTP_EXT_XCLIENT	= 1u << 14,	/* Postfix */
	SMTP_EXT_LIMITS		= 1u << 15,	/* RFC 9422 */
};

/*
 * Limits and switches that parameter parsing needs.  Zero in a limit
 * means "no limit".  The session fills one per command (the ext set may
 * differ before and after STARTTLS).
 */
struct smtp_parse_cfg {
	unsigned ext;			/* enum smtp_ext bits */
	uint64_t max_size;		/* SIZE= above this: 552 5.3.4 */
	uint32_t max_holdfor;		/* FUTURERELEASE interval, seconds */
	int64_t now;			/* current time (HOLDUNTIL checks) */
	int32_t min_by;			/* DELIVERBY minimum by-time, seconds */
};

/* ------------------------------------------------------------------ */
/* Command lines (smtp-cmd.c)                                          */
/* ------------------------------------------------------------------ */

/* RFC 5321 4.5.3.1.4: 512 octets including CRLF. */
#define SMTP_LINE_MAX_DEFAULT	512

enum smtp_verb {
	SMTP_VERB_UNKNOWN = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_LHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_HELP,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
	SMTP_VERB_XCLIENT,
	SMTP_VERB_COUNT
};

/* "MAIL", ...; "" for SMTP_VERB_UNKNOWN.  Static string. */
const char *smtp_verb_name(enum smtp_verb verb);

/*
 * One parsed command line.  `args` points into the caller's line (not
 * copied): the text after the verb and the spaces that follow it, with
 * trailing spaces and tabs removed (RFC 5321 4.1.1 tolerance); args_len
 * 0 and args pointing at the line's end when there are none.
 */
struct smtp_cmd {
	enum smtp_verb verb;
	const char *args;
	size_t args_len;
};

/*
 * The longest command line (octets, CRLF included) the session's line
 * reader must accept with `ext` on when the base limit is `base` (0:
 * SMTP_LINE_MAX_DEFAULT): the base plus the RFC increments for MAIL and
 * RCPT parameters (RFC 1870 SIZE +26, RFC 3461 DSN +100 MAIL / +500
 * RCPT, RFC 4954 AUTH= +500, RFC 6531, 6710, 4865, 2852, 8689 small
 * ones).  A longer line gets 500 5.5.2 "Line too long" (the reader
 * discards it up to its LF).
 */
size_t smtp_cmd_line_max(size_t base, unsigned ext);

/*
 * Parse one command line.  `line`/`len` is the line WITHOUT its CRLF (the
 * caller's reader split on CRLF; a LF or CR left inside is refused here).
 * `base_max` and `ext` as for smtp_cmd_line_max() (0: default); the
 * per-verb limit is checked (MAIL and RCPT get the increments of their
 * enabled parameters, AUTH 12288 (RFC 4954 4), XCLIENT base + 2048,
 * other verbs the base).  `lmtp` makes LHLO a verb (and
 * HELO/EHLO unknown: RFC 2033 4.1 says a server MUST NOT accept them).
 *
 * Returns 0 and fills *cmd_r, or -1 with *err_r:
 *   500 5.5.2  line too long, NUL, bare CR or LF in the line, empty line,
 *              unknown verb (cmd_r->verb is then SMTP_VERB_UNKNOWN so the
 *              session can count bad commands)
 *   501 5.5.4  arguments where none are allowed (DATA, RSET, QUIT,
 *              STARTTLS), missing where required (HELO, EHLO, LHLO, MAIL,
 *              RCPT, BDAT, VRFY, EXPN, AUTH, XCLIENT); cmd_r->verb is set
 * Verbs are case-insensitive.  NOOP and HELP take optional arguments.
 */
int smtp_cmd_parse(const char *line, size_t len, size_t base_max,
    unsigned ext, bool lmtp, struct smtp_cmd *cmd_r,
    struct smtp_error *err_r);

/*
 * HELO/EHLO/LHLO argument: a domain or an address literal (RFC 5321
 * 4.1.1.1), one token.  With `strict` false, any single token of
 * printable ASCII is taken (many clients send junk; the hooks judge).
 * On success copies the name (NUL-terminated) into name_r (cap bytes)
 * and returns 0; otherwise -1 with 501 5.5.4 in *err_r.
 */
int smtp_helo_parse(const char *args, size_t len, bool strict,
    char *name_r, size_t cap, struct smtp_error *err_r);

/* ------------------------------------------------------------------ */
/* Paths and addresses (smtp-path.c, smtp-domain.c)                    */
/* ------------------------------------------------------------------ */

#define SMTP_LOCAL_MAX		64	/* RFC 5321 4.5.3.1.1, octets */
#define SMTP_DOMAIN_MAX		255	/* RFC 5321 4.5.3.1.2, octets */
#define SMTP_PATH_MAX		256	/* RFC 5321 4.5.3.1.3, with <> */
/* A U-label domain can be longer in octets than its A-label. */
#define SMTP_DOMAIN_UTF8_MAX	1020

enum smtp_domain_kind {
	SMTP_DOMAIN_NONE = 0,		/* null path, bare <postmaster> */
	SMTP_DOMAIN_DNS,		/* a host name */
	SMTP_DOMAIN_IPV4,		/* [192.0.2.1] */
	SMTP_DOMAIN_IPV6,		/* [IPv6:2001:db8::1] */
	SMTP_DOMAIN_GENERAL,		/* [tag:content] */
};

/*
 * A parsed reverse- or forward-path.  All strings NUL-terminated.
 *   local        the local part dequoted (quotes and backslashes gone):
 *                what the mailbox is called.  UTF-8 only when allowed.
 *   local_wire   the local part in canonical wire form: dot-atom as is,
 *                otherwise quoted with only '"' and '\' escaped.
 *   domain       A-label (ASCII) form, lower case; address literals as
 *                given between their brackets, brackets included.
 *   domain_utf8  the same domain with U-labels (equal to `domain` when
 *                it has no xn-- label, or for literals).
 *   addr         local_wire@domain ("" for a null path; "postmaster"
 *                for a bare <postmaster>).
 *   addr_utf8    local_wire@domain_utf8.
 * Source routes (<@a,@b:x@y>) are accepted and dropped (RFC 5321 4.1.2,
 * C).
 */
struct smtp_path {
	bool null;			/* <> */
	bool postmaster;		/* <postmaster> without domain */
	bool utf8;			/* non-ASCII in local part or domain */
	enum smtp_domain_kind kind;
	char local[SMTP_LOCAL_MAX + 1];
	char local_wire[SMTP_LOCAL_MAX + 3];
	char domain[SMTP_DOMAIN_MAX + 1];
	char domain_utf8[SMTP_DOMAIN_UTF8_MAX + 1];
	char addr[SMTP_LOCAL_MAX + 3 + 1 + SMTP_DOMAIN_MAX + 1];
	char addr_utf8[SMTP_LOCAL_MAX + 3 + 1 + SMTP_DOMAIN_UTF8_MAX + 1];
};

enum smtp_path_role {
	SMTP_PATH_SENDER,	/* MAIL: <> allowed; errors 5.1.7 */
	SMTP_PATH_RECIPIENT,	/* RCPT: <postmaster> allowed; errors 5.1.3 */
};

/*
 * Parse a path "<...>" at the start of `in` (len bytes; leading spaces
 * not skipped).  `utf8_ok`: whether non-ASCII is allowed (the MAIL
 * carried SMTPUTF8 and the extension is on).  `utf8_ext`: whether the
 * extension is on at all (decides between the two refusals below).
 * On success fills *path_r, stores the number of bytes used (up to and
 * including '>') in *used_r and returns 0.  Otherwise -1 and *err_r:
 *   501 5.1.7 / 501 5.1.3   bad syntax (sender / recipient), missing <>,
 *                           local part over 64, domain over 255, path
 *                           over 256 octets, bad address literal, bad
 *                           IDNA label, null path for a recipient
 *   553 5.6.7               non-ASCII while the extension is on but
 *                           the transaction has no SMTPUTF8 (RFC 6531
 *                           3.6.x); with the extension off it is a
 *                           syntax error (501 5.1.7 / 5.1.3)
 */
int smtp_path_parse(const char *in, size_t len, enum smtp_path_role role,
    bool utf8_ok, bool utf8_ext, struct smtp_path *path_r, size_t *used_r,
    struct smtp_error *err_r);

/*
 * Check and convert a domain name (no brackets): RFC 5321 sub-domain
 * syntax for ASCII, IDNA2008 (libidn2, non-transitional, with the
 * UTS#46 mapping off: input must already be in its lookup form apart
 * from case) for U-labels and xn-- labels.  Fills alabel (lower case,
 * SMTP_DOMAIN_MAX + 1 bytes) and ulabel (SMTP_DOMAIN_UTF8_MAX + 1
 * bytes).  Returns 0, or -1 with a static reason in *why_r.
 * Example: "bücher.example" <-> "xn--bcher-kva.example".
 */
int smtp_domain_convert(const char *in, size_t len, char *alabel,
    char *ulabel, const char **why_r);

/*
 * Check an address literal "[...]" (brackets included): IPv4 dotted
 * quad, "IPv6:" followed by an RFC 4291 text address, or a general
 * literal tag ":" dcontent.  Returns its kind, or SMTP_DOMAIN_NONE when
 * invalid.
 */
enum smtp_domain_kind smtp_literal_check(const char *in, size_t len);

/* RFC 5321 Domain syntax in ASCII: sub-domains of letters, digits and
 * inner hyphens, labels of 1..63, total <= 255, no trailing dot. */
bool smtp_domain_ascii_valid(const char *in, size_t len);

/* Whether in[0..len) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool smtp_utf8_valid(const char *in, size_t len);

/* ------------------------------------------------------------------ */
/* MAIL and RCPT with their parameters (smtp-param.c, smtp-param-rcpt.c) */
/* ------------------------------------------------------------------ */

enum smtp_body {
	SMTP_BODY_NONE = 0,	/* not given */
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
	SMTP_BODY_BINARYMIME,
};

enum smtp_ret {
	SMTP_RET_NONE = 0,
	SMTP_RET_FULL,
	SMTP_RET_HDRS,
};

/* Which MAIL parameters were given (bits of mail->given). */
enum smtp_mail_param {
	SMTP_MP_SIZE		= 1u << 0,
	SMTP_MP_BODY		= 1u << 1,
	SMTP_MP_SMTPUTF8	= 1u << 2,
	SMTP_MP_RET		= 1u << 3,
	SMTP_MP_ENVID		= 1u << 4,
	SMTP_MP_REQUIRETLS	= 1u << 5,
	SMTP_MP_MTPRIORITY	= 1u << 6,
	SMTP_MP_HOLDFOR		= 1u << 7,
	SMTP_MP_HOLDUNTIL	= 1u << 8,
	SMTP_MP_BY		= 1u << 9,
	SMTP_MP_AUTH		= 1u << 10,
};

#define SMTP_ENVID_MAX		100	/* RFC 3461 4.4, decoded octets */
#define SMTP_AUTH_PARAM_MAX	512	/* decoded AUTH= mailbox */

/*
 * A parsed MAIL command.  Fields of parameters not given are zero.
 *   size        SIZE= declared octets
 *   envid       ENVID xtext-decoded (printable ASCII)
 *   mt_priority MT-PRIORITY -9..9
 *   holdfor     FUTURERELEASE HOLDFOR seconds (> 0)
 *   holduntil   FUTURERELEASE HOLDUNTIL as seconds since the epoch (UTC)
 *   by_time     DELIVERBY by-time in seconds (may be <= 0 in R mode)
 *   by_mode     'R' or 'N'; by_trace: the T modifier
 *   auth        AUTH= decoded mailbox, "<>" when the client said so
 */
struct smtp_mail {
	struct smtp_path path;
	unsigned given;			/* enum smtp_mail_param bits */
	uint64_t size;
	enum smtp_body body;
	bool smtputf8;
	enum smtp_ret ret;
	char envid[SMTP_ENVID_MAX + 1];
	bool requiretls;
	int mt_priority;
	uint32_t holdfor;
	int64_t holduntil;
	int32_t by_time;
	char by_mode;
	bool by_trace;
	char auth[SMTP_AUTH_PARAM_MAX + 1];
};

/*
 * Parse the arguments of MAIL (what smtp_cmd_parse() left in cmd.args):
 * "FROM:" (case-insensitive), optional spaces (tolerated, as most MTAs
 * do), the reverse-path, then SP-separated esmtp-params.
 * Returns 0 with *mail_r filled, or -1 with *err_r:
 *   501 5.5.4  no "FROM:", garbage after the path, a malformed value
 *              ("Bad SIZE parameter value"), a duplicate parameter,
 *              HOLDFOR with HOLDUNTIL, HOLDFOR above cfg->max_holdfor,
 *              HOLDUNTIL later than cfg->now + max_holdfor (a time in
 *              the past is taken: release at once), BY in R mode with
 *              by-time <= 0 (RFC 2852 4; N mode may be <= 0), by-time
 *              beyond 9 digits
 *   501 5.1.7 / 553 5.6.7  the path (see smtp_path_parse)
 *   552 5.3.4  SIZE above cfg->max_size
 *   555 5.5.4  unknown parameter, or one whose extension is off (the
 *              text names it), e.g. BODY=BINARYMIME with BINARYMIME or
 *              CHUNKING off, BODY=8BITMIME with 8BITMIME off
 * BY with a by-time below cfg->min_by is 501 5.5.4 too.
 * REQUIRETLS on a cleartext session is the session's check (530 5.7.10).
 */
int smtp_mail_parse(const char *args, size_t len,
    const struct smtp_parse_cfg *cfg, struct smtp_mail *mail_r,
    struct smtp_error *err_r);

enum smtp_notify {
	SMTP_NOTIFY_NEVER	= 1u << 0,
	SMTP_NOTIFY_SUCCESS	= 1u << 1,
	SMTP_NOTIFY_FAILURE	= 1u << 2,
	SMTP_NOTIFY_DELAY	= 1u << 3,
};

#define SMTP_ORCPT_TYPE_MAX	32
#define SMTP_ORCPT_MAX		500	/* decoded octets */

/*
 * A parsed RCPT command.
 *   notify      0 when NOTIFY was not given, else enum smtp_notify bits
 *               (NEVER alone, or any of SUCCESS, FAILURE, DELAY)
 *   orcpt_type  ORCPT addr-type as given ("rfc822", "utf-8"), "" if none
 *   orcpt       ORCPT address xtext-decoded (for "utf-8", RFC 6533's
 *               \x{HEX} escapes decoded to UTF-8)
 */
struct smtp_rcpt {
	struct smtp_path path;
	unsigned notify;
	char orcpt_type[SMTP_ORCPT_TYPE_MAX + 1];
	char orcpt[SMTP_ORCPT_MAX + 1];
};

/*
 * Parse the arguments of RCPT: "TO:", optional spaces, the forward-path,
 * SP-separated params.  `smtputf8` is the transaction's MAIL SMTPUTF8
 * flag.  Returns 0 or -1 with *err_r as for MAIL (5.1.3 for the path;
 * 555 5.5.4 for NOTIFY/ORCPT without DSN on; 501 5.5.4 for a bad NOTIFY
 * list or ORCPT value).
 */
int smtp_rcpt_parse(const char *args, size_t len,
    const struct smtp_parse_cfg *cfg, bool smtputf8,
    struct smtp_rcpt *rcpt_r, struct smtp_error *err_r);

/* ------------------------------------------------------------------ */
/* xtext, RFC 3461 section 4 (smtp-xtext.c)                            */
/* ------------------------------------------------------------------ */

/*
 * Strict decode: xchar is '!'..'~' except '+' and '='; "+XX" with two
 * UPPER-case hex digits.  Decoded NUL is refused.  Writes at most `cap`
 * bytes plus a NUL (cap + 1 bytes needed) and the decoded length in
 * *out_len_r.  Returns 0, or -1 (bad syntax, or too long for cap).
 */
int smtp_xtext_decode(const char *in, size_t len, char *out, size_t cap,
    size_t *out_len_r);

/*
 * Encode: bytes '!'..'~' other than '+' and '=' as themselves, any
 * other byte as "+XX".  Writes a NUL-terminated result into out (cap
 * bytes including the NUL).  Returns the encoded length, or -1 when it
 * does not fit.
 */
long smtp_xtext_encode(const char *in, size_t len, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* The DATA unstuffer (smtp-data.c)                                    */
/* ------------------------------------------------------------------ */

/*
 * Bare CR / bare LF inside DATA (a CR not followed by LF, a LF not
 * preceded by CR).
 *   REFUSE     (default) the message is marked bad; the content bytes
 *              still flow (as received) so the end can be found;
 *              smtp_data_result() then gives 550 5.5.2.  The session may
 *              instead act at once on smtp_data_bad() (Postfix
 *              smtpd_forbid_bare_newline=reject: 521 5.5.2 and close):
 *              see smtp_data_bare_reply().
 *   NORMALISE  each bare CR and bare LF becomes CRLF in the output.
 * In both, a line start reached through a bare CR/LF is NOT a line start
 * for end-of-data: only CRLF "." CRLF ends DATA, so LF.LF, LF.CRLF,
 * CR.CR, CRLF.LF, CRLF.CR never do (no SMTP smuggling).  No dot is
 * removed after a bare line end either.
 */
enum smtp_bare_policy {
	SMTP_BARE_REFUSE = 0,
	SMTP_BARE_NORMALISE,
};

/* Flags of smtp_data_bad(). */
enum smtp_data_flag {
	SMTP_DATA_BARE_LF	= 1u << 0,
	SMTP_DATA_BARE_CR	= 1u << 1,
	SMTP_DATA_TOO_BIG	= 1u << 2,
};

/* Opaque to the session: only the functions below touch it. */
struct smtp_data {
	int state;
	unsigned flags;
	enum smtp_bare_policy policy;
	uint64_t limit;			/* 0: none */
	uint64_t size;			/* content octets counted */
};

/*
 * Start a DATA body, just after the 354 reply (the client's DATA CRLF is
 * the first line end, so a "." CRLF at once ends an empty message).
 * `limit` is the largest content size accepted (0: none); content
 * beyond it is counted and discarded, and the result is 552 5.3.4.
 */
void smtp_data_init(struct smtp_data *d, uint64_t limit,
    enum smtp_bare_policy policy);

/*
 * Feed `in_len` received bytes (any split: one byte at a time gives the
 * same output as one chunk).  Unstuffed content in canonical CRLF form
 * goes to out (out_cap >= SMTP_DATA_OUT_MIN); the function stops when
 * out has fewer than SMTP_DATA_OUT_MIN free bytes, at the end of data,
 * or when the input is used up.  *used_r: input bytes consumed; *out_len_r
 * bytes written.  The terminating CRLF.CRLF is consumed but not output;
 * the message's final CRLF is.  Bytes after the end (pipelined commands)
 * are not consumed.  In REFUSE mode the session should check
 * smtp_data_bad() after each call if it wants Postfix's immediate 521.
 * Returns 1 when the end of data was reached, 0 when more input (or
 * more output room) is needed.  After 1, only smtp_data_result() and
 * smtp_data_init() may be called.
 * Once the size is over the limit nothing more is written to out.
 */
#define SMTP_DATA_OUT_MIN	3
int smtp_data_feed(struct smtp_data *d, const char *in, size_t in_len,
    size_t *used_r, char *out, size_t out_cap, size_t *out_len_r);

/* enum smtp_data_flag bits seen so far (0: all fine). */
unsigned smtp_data_bad(const struct smtp_data *d);

/* Content octets counted so far (also those over the limit). */
uint64_t smtp_data_size(const struct smtp_data *d);

/*
 * After end of data: 0 when the content is acceptable, or -1 with the
 * reply in *err_r: 552 5.3.4 over the size limit (takes precedence),
 * 550 5.5.2 bare LF / bare CR under the REFUSE policy.
 */
int smtp_data_result(const struct smtp_data *d, struct smtp_error *err_r);

/*
 * The immediate reply for a session that drops the connection on the
 * first bare newline (Postfix's "reject"): 521 5.5.2.
 */
void smtp_data_bare_reply(struct smtp_error *err_r);

/* ------------------------------------------------------------------ */
/* BDAT / CHUNKING, RFC 3030 (smtp-bdat.c)                             */
/* ------------------------------------------------------------------ */

/*
 * Arguments of BDAT: chunk-size (1*DIGIT, no sign, fits 63 bits) and an
 * optional "LAST" (case-insensitive), separated by one or more spaces.
 * Returns 0, or -1 with 501 5.5.4.
 * NOTE: after a -1 the session cannot know how many bytes follow; RFC
 * 3030 leaves that open: the session should answer and close (or treat
 * what follows as commands, which is what happens if it does nothing).
 */
int smtp_bdat_parse(const char *args, size_t len, uint64_t *size_r,
    bool *last_r, struct smtp_error *err_r);

/* The state of one transaction's BDAT chunks. */
struct smtp_bdat {
	uint64_t limit;			/* accumulated size limit, 0: none */
	uint64_t total;			/* octets of all chunks so far */
	uint64_t remaining;		/* octets of the current chunk left */
	unsigned chunks;		/* BDAT commands accepted */
	bool in_chunk;			/* reading chunk bytes */
	bool last;			/* the current/finished chunk is LAST */
	bool too_big;			/* total went over limit */
	bool failed;			/* discard the rest: set here when
					 * over the limit, or by the session
					 * when its consumers failed */
};

/* Start a transaction's chunking state (at MAIL, or RSET). */
void smtp_bdat_init(struct smtp_bdat *b, uint64_t limit);

/*
 * A BDAT command was parsed: start reading its `size` bytes.  Call only
 * when no chunk is being read.  Always succeeds (the bytes must be read
 * whatever happens, RFC 3030 2); an over-limit total sets too_big.
 */
void smtp_bdat_begin(struct smtp_bdat *b, uint64_t size, bool last);

/*
 * `avail` bytes are at hand.  Returns how many belong to the current
 * chunk (<= avail, <= remaining) and stores in *keep_r how many of those
 * (a prefix) are content to pass on: fewer when the limit was passed or
 * the transaction failed (the rest is discarded).  Advances the state;
 * when `remaining` reaches 0 the chunk is complete (in_chunk false) and
 * the session answers with smtp_bdat_chunk_result().
 */
size_t smtp_bdat_take(struct smtp_bdat *b, size_t avail, size_t *keep_r);

/*
 * Reply for a completed chunk: 0 for success (the session says
 * "250 2.0.0 N octets received", or the final verdict for LAST), -1
 * with 552 5.3.4 when over the limit.  Marks the transaction failed on
 * error: later chunks are discarded and keep getting 552 5.3.4 until
 * RSET or a new MAIL re-inits (RFC 3030 2: the data is read and
 * discarded before the error reply).
 */
int smtp_bdat_chunk_result(struct smtp_bdat *b, struct smtp_error *err_r);

/*
 * Sequence checks the session applies (all return 0 when allowed, -1
 * with *err_r):
 *   smtp_check_data(): DATA after a BDAT in the same transaction is
 *     503 5.5.1; DATA with BODY=BINARYMIME is 503 5.6.1.
 *   smtp_check_bdat(): BDAT after LAST... cannot happen (LAST ends the
 *     transaction: the session's "no MAIL" 503 5.5.1 applies); BDAT
 *     while a DATA is started is impossible too.  What remains: BDAT
 *     when CHUNKING is off is 502 5.5.1 (command not implemented).
 * `b` may be NULL when no BDAT was seen in the transaction.
 */
int smtp_check_data(const struct smtp_bdat *b, enum smtp_body body,
    struct smtp_error *err_r);
int smtp_check_bdat(unsigned ext, struct smtp_error *err_r);

/* ------------------------------------------------------------------ */
/* Replies (smtp-reply.c)                                              */
/* ------------------------------------------------------------------ */

/* The longest reply line (RFC 5321 4.5.3.1.5), CRLF included. */
#define SMTP_REPLY_LINE_MAX	512

/*
 * A bounded output buffer that counts like snprintf: smtp_out_put()
 * copies what fits in buf (cap bytes, one kept for the NUL the caller
 * writes) and adds n to len either way, so len >= cap means truncated.
 */
struct smtp_out {
	char *buf;
	size_t cap;
	size_t len;
};
void smtp_out_put(struct smtp_out *o, const char *s, size_t n);

/*
 * Format a reply: `code` (200..599), `enhanced` ("C.S.D" or NULL for
 * none, e.g. the greeting or with ENHANCEDSTATUSCODES off), and `n`
 * text lines.  Each line is sanitised (CR, LF and other control bytes
 * become spaces; bytes >= 0x80 become '?') and, if too long for one
 * 512-octet reply line, wrapped at spaces (or cut) into more lines.
 * Every line but the last is "CODE-", the last "CODE ", each with the
 * enhanced code and CRLF.  n == 0 gives one line with no text.
 * Writes into buf (cap bytes) and returns the total length as snprintf
 * does: when it is >= cap the output is truncated (NUL-terminated, cap >
 * 0) and the caller should use a larger buffer.
 */
size_t smtp_reply_format(char *buf, size_t cap, unsigned code,
    const char *enhanced, const char *const *lines, size_t n);

/* smtp_reply_format() with one line of text (NULL: none). */
size_t smtp_reply_format1(char *buf, size_t cap, unsigned code,
    const char *enhanced, const char *text);

/* smtp_reply_format() of a struct smtp_error; `enhanced` off drops the
 * enhanced code. */
size_t smtp_reply_error(char *buf, size_t cap, const struct smtp_error *err,
    bool enhanced);

/*
 * Whether `s` is a well-formed enhanced status "C.S.D" (C in 2, 4, 5;
 * S 0..999, D 0..999, no leading zeros beyond one digit) whose class
 * matches `code`'s first digit.
 */
bool smtp_enhanced_valid(const char *s, unsigned code);

/* ------------------------------------------------------------------ */
/* The Received: trace field (smtp-received.c)                         */
/* ------------------------------------------------------------------ */

/* Flags for smtp_received_with(): RFC 3848 / RFC 6531 protocol types. */
enum smtp_with_flag {
	SMTP_WITH_ESMTP	= 1u << 0,	/* EHLO (LHLO is always extended) */
	SMTP_WITH_LMTP	= 1u << 1,
	SMTP_WITH_TLS	= 1u << 2,	/* "S" */
	SMTP_WITH_AUTH	= 1u << 3,	/* "A" */
	SMTP_WITH_UTF8	= 1u << 4,	/* SMTPUTF8 transaction */
};

/*
 * The "with" protocol: SMTP, ESMTP, ESMTPA, ESMTPS, ESMTPSA, LMTP,
 * LMTPA, LMTPS, LMTPSA, UTF8SMTP, UTF8SMTPA, UTF8SMTPS, UTF8SMTPSA,
 * UTF8LMTP, ... (RFC 6531 3.7.3: UTF8 variants replace ESMTP).  Static.
 */
const char *smtp_received_with(unsigned flags);

/*
 * What a Received: field says.  All strings optional (NULL) except
 * by_host.  helo: the client's HELO/EHLO/LHLO argument; client_rdns: its
 * verified (forward-confirmed) reverse DNS name; client_addr: its IP
 * address as text, or "unix" for a UNIX-socket peer (no address literal
 * then: "from HELO (UNIX socket)", "localhost" for an invalid HELO);
 * tls_*: the TLS version, cipher suite and key bits (0: unknown) when
 * under TLS; queue_id: our id; rcpt: the recipient
 * when there is exactly one (rcpt_count), otherwise ignored; when: the
 * time, tz_minutes its zone.
 */
struct smtp_received {
	const char *helo;
	const char *client_rdns;
	const char *client_addr;
	const char *by_host;
	unsigned with;			/* enum smtp_with_flag */
	const char *tls_version;
	const char *tls_cipher;
	unsigned tls_bits;
	const char *queue_id;
	const char *rcpt;
	size_t rcpt_count;
	int64_t when;
	int tz_minutes;
};

/*
 * Build the whole field "Received: from ... by ... with ... id ...
 * for <...>; date" followed by CRLF, folded at 78 columns (continuation
 * lines start with a tab), into buf (cap bytes).  Text from the client
 * (helo) is sanitised: anything but printable ASCII becomes '?', and
 * characters that would break a comment ('(', ')', '\\') are escaped.
 * Returns the length as snprintf does (>= cap: truncated).
 */
size_t smtp_received_build(char *buf, size_t cap,
    const struct smtp_received *r);

/* ------------------------------------------------------------------ */
/* XCLIENT attributes, Postfix XCLIENT_README (smtp-xclient.c)          */
/* ------------------------------------------------------------------ */

enum smtp_xclient_attr {
	SMTP_XCLIENT_NAME	= 1u << 0,
	SMTP_XCLIENT_ADDR	= 1u << 1,
	SMTP_XCLIENT_PORT	= 1u << 2,
	SMTP_XCLIENT_PROTO	= 1u << 3,
	SMTP_XCLIENT_HELO	= 1u << 4,
	SMTP_XCLIENT_LOGIN	= 1u << 5,
	SMTP_XCLIENT_DESTADDR	= 1u << 6,
	SMTP_XCLIENT_DESTPORT	= 1u << 7,
};

#define SMTP_XCLIENT_VALUE_MAX	255

/*
 * XCLIENT arguments: one or more NAME=xtext-value, attribute names
 * case-insensitive.  `given` has a bit per attribute present;
 * `unavailable` a bit per attribute whose value was [UNAVAILABLE] or
 * [TEMPUNAVAIL] (its string is then ""). ADDR/DESTADDR are checked as
 * IPv4 or "IPV6:"-prefixed IPv6 (the prefix is removed); PORT/DESTPORT
 * 0..65535; PROTO SMTP or ESMTP (upper-cased).  Returns 0, or -1 with
 * 501 5.5.4 naming the bad attribute.
 */
struct smtp_xclient {
	unsigned given;
	unsigned unavailable;		/* [UNAVAILABLE], [TEMPUNAVAIL] */
	unsigned tempunavail;		/* [TEMPUNAVAIL] only */
	char name[SMTP_XCLIENT_VALUE_MAX + 1];
	char addr[SMTP_XCLIENT_VALUE_MAX + 1];
	unsigned port;
	char proto[8];
	char helo[SMTP_XCLIENT_VALUE_MAX + 1];
	char login[SMTP_XCLIENT_VALUE_MAX + 1];
	char destaddr[SMTP_XCLIENT_VALUE_MAX + 1];
	unsigned destport;
};

int smtp_xclient_parse(const char *args, size_t len,
    struct smtp_xclient *x_r, struct smtp_error *err_r);

/* ------------------------------------------------------------------ */
/* Header fields added to the delivered copy (smtp-field.c)             */
/* ------------------------------------------------------------------ */

#define SMTP_FIELD_NAME_MAX	76	/* = GD_SMTP_FIELD_NAME_MAX */

/* The outcomes, numbered as enum gd_smtp_field_status's first three. */
enum smtp_field_check {
	SMTP_FIELD_GOOD = 0,
	SMTP_FIELD_BAD_NAME,
	SMTP_FIELD_BAD_VALUE,
};

/* True if `name` is 1..SMTP_FIELD_NAME_MAX ftext characters (RFC 5322
 * 3.6.8: printable ASCII but ':'). */
bool smtp_field_name_ok(const char *name);

/* The buffer smtp_field_build() needs at most for this field. */
size_t smtp_field_bound(const char *name, const char *value);

/*
 * Write "name: value" CRLF into buf (cap >= smtp_field_bound(); the
 * rules are gumdrop/smtp.h's add_field: a value with CRLF WSP folds is
 * kept byte for byte, a plain one is folded at whitespace to keep lines
 * within 78 where the words allow, no line over 998) and set *len_r
 * (not NUL-terminated).  SMTP_FIELD_GOOD, or why not (*len_r 0).
 */
enum smtp_field_check smtp_field_build(char *buf, size_t cap,
    const char *name, const char *value, size_t *len_r);

#endif
