/*
 * gumdrop/smtp.h — the smtp module's API for other modules: its hook
 * points, their arguments, the session and transaction metadata, typed
 * reasons.
 *
 * The smtp module serves the listener protocols `smtp` (MX, port 25),
 * `submission` (RFC 6409, AUTH required by default) and `lmtp` (RFC
 * 2033).  Policy, delivery and filtering live in other modules, which
 * register handlers for the hook points below (hooks.h) and read the
 * session through the "smtp" service:
 *
 *   static const struct gd_module_dep deps[] = {
 *           { GD_DEP_SERVICE, GD_SMTP_SERVICE, 1, 0 }, { 0 } };
 *   ...
 *   smtp = gd_service_lookup(GD_SMTP_SERVICE, 1, 0, error_r);  // init
 *   ...
 *   static enum gd_verdict
 *   mine_rcpt(struct gd_hook_call *call, struct gd_module_ctx *ctx,
 *       void *data, struct gd_reply *reply_r)
 *   {
 *           struct gd_smtp_session *s = smtp->session(call);
 *           const struct gd_smtp_rcpt *rcpt = gd_hook_call_arg(call);
 *
 *           if (strcmp(rcpt->domain, "example.test") != 0)
 *                   return GD_VERDICT_CONTINUE;      // not mine
 *           return GD_VERDICT_ACCEPT;                // I deliver it
 *   }
 *
 * THE HOOK POINTS.  Every point's call has the session as its context
 * (read it with the service's `session()`), and the argument given
 * below.  Handlers run on the connection's loop; those registered with
 * GD_HOOK_MAY_PEND may answer later (points marked "may pend").  The
 * core validates every reply (hooks.h), so a module can never make the
 * server answer 250 to a command it rejected; code 421 closes the
 * session after the reply.  When a chain ends with CONTINUE the smtp
 * module applies its default, given with each point.
 *
 *   smtp.connect    (may pend) a client connected, before the greeting.
 *                   arg: NULL.  REJECT: the reply, always with code 554
 *                   (the handler's enhanced code and text; 5.7.1
 *                   "Rejected" by default), replaces the greeting and
 *                   every command but QUIT
 *                   gets 503 5.5.1 (RFC 5321 3.1); TEMPFAIL: 421 and
 *                   close.  Default: the 220 greeting.
 *   smtp.helo       (may pend) HELO/EHLO.  arg: const char *, the name
 *                   the client gave.  Default: 250.
 *   smtp.auth       (may pend) a SASL exchange succeeded; the user and
 *                   mechanism are readable already.  arg: NULL.  REJECT
 *                   or TEMPFAIL undo the login; a code RFC 4954 does not
 *                   allow there (any but 530 534 535 538 / 432 454)
 *                   becomes 535 5.7.8 / 454 4.7.0, the text kept.
 *                   Default: 235 2.7.0.
 *   smtp.mail       (may pend) MAIL FROM, after the parameters were
 *                   validated.  arg: const struct gd_smtp_mail *.
 *                   Default: 250 2.1.0.
 *   smtp.rcpt       (may pend) RCPT TO.  arg: struct gd_smtp_rcpt *.
 *                   ACCEPT makes the handler's module the recipient's
 *                   OWNER (rcpt->owner): it takes responsibility for
 *                   delivering it and must answer smtp.data-end.
 *                   Default when nobody accepts: 550 5.7.1 relaying
 *                   denied for unauthenticated clients outside the
 *                   relay networks; 451 4.3.0 for the others (no module
 *                   can route the recipient); 550 5.1.1 on LMTP.
 *   smtp.data       (SYNC) DATA or the first BDAT of a transaction:
 *                   content is about to flow.  arg: struct gd_smtp_data
 *                   *; handlers push their consumers onto `stream`
 *                   (hooks.h, content streams) and may subscribe to the
 *                   parsed header (`header_subscribe`).  REJECT/TEMPFAIL
 *                   refuse the content (for DATA, instead of 354).
 *   smtp.data-end   (may pend) the content ended and every consumer's
 *                   end() succeeded.  arg: struct gd_smtp_data *.  The
 *                   final verdict: an owner answers once every copy is
 *                   durable (return PENDING and resume when the delivery
 *                   finished).  Per-recipient outcomes (LMTP sends one
 *                   reply per recipient, RFC 2033 4.2) are set with
 *                   `rcpt_set_result` before the chain completes.
 *                   Default when nobody decides: 451 4.3.0 (the server
 *                   never answers 250 for a message no module took).
 *   smtp.reset      (SYNC, verdict ignored) the transaction ends: RSET,
 *                   a new EHLO/HELO, STARTTLS, XCLIENT, AUTH, or after
 *                   the data-end reply.  arg: NULL.  Drop per-transaction
 *                   state here.
 *   smtp.disconnect (SYNC, verdict ignored) the session ends, whatever
 *                   the reason.  arg: NULL.
 *
 * LIFETIMES.  A struct gd_smtp_session lives from smtp.connect to the end
 * of smtp.disconnect.  Transaction data (the MAIL and RCPT arguments,
 * recipients, the content stream) lives until smtp.reset has run.
 * Strings returned by the getters are owned by the session and valid at
 * least as long as the object they describe.  Module state per session
 * belongs in the connection's slots (conn.h: GD_CONN_SLOT, through the
 * service's `conn()`); allocate per-transaction state from the
 * `transaction_pool()`.
 *
 * THE DELIVERED COPY.  Modules change the message as it is DELIVERED,
 * never the content stream (consumers pushed on it, e.g. dkim's, see the
 * message exactly as received): `add_field` puts header fields on top of
 * it, `drop_fields` leaves header fields out of it, `quarantine` files it
 * in each recipient's \Junk mailbox.  A delivered copy reads:
 *
 *   Return-Path: <sender>          the delivering module's (RFC 5321 4.4)
 *   <the added fields, in call order>
 *   Received: ...                  the smtp module's trace field
 *   <the message, less the dropped fields>
 *
 * The delivering module (an owner: local-delivery) reads them with
 * `delivery_fields`, `field_dropped` and `quarantined`; its smtp.data-end
 * handler must run AFTER the handlers that add fields or quarantine (the
 * `hooks:` order).  Once it has read them, `add_field` and `quarantine`
 * answer GD_SMTP_FIELD_WRONG_TIME / -1, so that nothing is lost silently.
 *
 * CHANGELOG of the service:
 *   1.0  2026-11-30  first version.
 *   1.1  2026-12-01  add_field, drop_fields, quarantine (for the email
 *                    authentication modules: Received-SPF,
 *                    Authentication-Results, DKIM-Signature) and the
 *                    delivering module's side: delivery_fields,
 *                    field_dropped, drops_fields, quarantined.
 *
 * Threads: every function here on the session's connection loop.
 */
#ifndef GUMDROP_SMTP_H
#define GUMDROP_SMTP_H

#include <sys/types.h>

#include <gumdrop/common.h>
#include <gumdrop/hooks.h>
#include <gumdrop/message.h>
#include <gumdrop/msg-address.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_conn;
struct gd_pool;
struct gd_stream;
struct gd_smtp_session;

/* The service the smtp module declares, and its version. */
#define GD_SMTP_SERVICE		"smtp"
#define GD_SMTP_SERVICE_MAJOR	1
#define GD_SMTP_SERVICE_MINOR	1

/* The hook points (see above). */
#define GD_SMTP_HOOK_CONNECT	"smtp.connect"
#define GD_SMTP_HOOK_HELO	"smtp.helo"
#define GD_SMTP_HOOK_AUTH	"smtp.auth"
#define GD_SMTP_HOOK_MAIL	"smtp.mail"
#define GD_SMTP_HOOK_RCPT	"smtp.rcpt"
#define GD_SMTP_HOOK_DATA	"smtp.data"
#define GD_SMTP_HOOK_DATA_END	"smtp.data-end"
#define GD_SMTP_HOOK_RESET	"smtp.reset"
#define GD_SMTP_HOOK_DISCONNECT	"smtp.disconnect"

/* The listener protocol a session serves. */
enum gd_smtp_protocol {
	GD_SMTP_PROTO_SMTP = 0,		/* MX: RFC 5321 */
	GD_SMTP_PROTO_SUBMISSION,	/* RFC 6409 */
	GD_SMTP_PROTO_LMTP,		/* RFC 2033 */
};

/* MAIL BODY= (RFC 6152, RFC 3030). */
enum gd_smtp_body {
	GD_SMTP_BODY_NONE = 0,		/* not given (7bit assumed) */
	GD_SMTP_BODY_7BIT,
	GD_SMTP_BODY_8BITMIME,
	GD_SMTP_BODY_BINARYMIME,
};

/* MAIL RET= (RFC 3461 4.3). */
enum gd_smtp_ret {
	GD_SMTP_RET_NONE = 0,
	GD_SMTP_RET_FULL,
	GD_SMTP_RET_HDRS,
};

/* RCPT NOTIFY= (RFC 3461 4.1): a set of these; 0 when not given. */
#define GD_SMTP_NOTIFY_NEVER	0x01u
#define GD_SMTP_NOTIFY_SUCCESS	0x02u
#define GD_SMTP_NOTIFY_FAILURE	0x04u
#define GD_SMTP_NOTIFY_DELAY	0x08u

/*
 * The argument of smtp.mail, and the transaction's sender afterwards
 * (service: `mail()`).  Strings are NUL-terminated, owned by the
 * transaction.  Absent parameters are 0/NULL/false.
 */
struct gd_smtp_mail {
	/* "local@domain" as the client wrote it (source route dropped);
	 * "" for the null sender <>. */
	const char *sender;
	const char *local_part;		/* NULL for <> */
	const char *domain;		/* NULL for <>; IDNA A-labels */
	bool smtputf8;			/* SMTPUTF8 (RFC 6531) */
	enum gd_smtp_body body;
	uint64_t size;			/* SIZE= declared, 0 if not */
	/* DSN (RFC 3461) */
	enum gd_smtp_ret ret;
	const char *envid;		/* ENVID=, xtext-decoded */
	/* Delivery requirements */
	bool requiretls;		/* REQUIRETLS (RFC 8689) */
	bool has_priority;		/* MT-PRIORITY= given (RFC 6710) */
	int priority;			/* -9 .. 9 */
	/* FUTURERELEASE (RFC 4865): HOLDFOR= converted to a time; both
	 * forms give hold_until (seconds since the epoch), 0 if none. */
	int64_t hold_until;
	/* DELIVERBY (RFC 2852): BY=seconds;R|N[T].  by_deadline is the
	 * absolute time (seconds since the epoch), 0 if none. */
	int64_t by_deadline;
	int64_t by_seconds;
	bool by_return;			/* R: return it when late */
	bool by_trace;			/* T: trace requested */
	/* AUTH= (RFC 4954 5), xtext-decoded; NULL when absent or <>. */
	const char *auth;
};

/*
 * The argument of smtp.rcpt, and each recipient of the transaction
 * (service: `rcpt()`).  Strings owned by the transaction.
 */
struct gd_smtp_rcpt {
	unsigned index;			/* 0-based, among accepted */
	const char *address;		/* "local@domain" */
	const char *local_part;
	const char *domain;		/* IDNA A-labels; "" for a bare
					 * postmaster */
	unsigned notify;		/* GD_SMTP_NOTIFY_*, 0 if absent */
	const char *orcpt_type;		/* ORCPT= type ("rfc822") */
	const char *orcpt;		/* ORCPT= address, xtext-decoded */
	/*
	 * The module that accepted the recipient (its name), set by the
	 * smtp module from the smtp.rcpt result; NULL while the chain runs.
	 */
	const char *owner;
};

/*
 * The argument of smtp.data and smtp.data-end.
 */
struct gd_smtp_data {
	/*
	 * The content: consumers pushed here in smtp.data receive the
	 * message exactly as it will be stored (dot-unstuffed for DATA,
	 * the chunks concatenated for BDAT: the same bytes either way),
	 * starting with the trace field the smtp module adds (Received:).
	 */
	struct gd_stream *stream;
	bool bdat;			/* carried by BDAT, not DATA */
	uint64_t size;			/* data-end: content bytes */
};

/*
 * The parsed header, offered to modules so that none parses it again.
 * Subscribe during smtp.mail, smtp.rcpt or smtp.data (service:
 * `header_subscribe`).  Callbacks run while the content streams, in
 * order, for the top-level header only; pointers are valid during the
 * call.  Any callback may be NULL.
 */
struct gd_smtp_header_handler {
	/* Each field (message.h: struct gd_msg_field). */
	void (*field)(void *ctx, const struct gd_msg_field *field);
	/*
	 * The address fields (From, Sender, Reply-To, To, Cc, Bcc,
	 * Resent-*), parsed (msg-address.h); `name` as written.
	 */
	void (*addresses)(void *ctx, const char *name,
	    const struct gd_msg_address *list);
	/* The header ended (before the first body byte). */
	void (*end)(void *ctx);
};

/* Forward-confirmed reverse DNS of the client (service: `client_rdns`). */
enum gd_smtp_rdns {
	GD_SMTP_RDNS_UNKNOWN = 0,	/* not looked up (off, UNIX socket) */
	GD_SMTP_RDNS_OK,		/* the PTR name resolves back */
	GD_SMTP_RDNS_NONE,		/* no PTR record */
	GD_SMTP_RDNS_MISMATCH,		/* it does not resolve back */
	GD_SMTP_RDNS_TEMPFAIL,		/* resolver failure, timeout */
};

/* Metadata times (service: `time()`). */
enum gd_smtp_time {
	GD_SMTP_TIME_CONNECT = 0,	/* session start */
	GD_SMTP_TIME_MAIL,		/* MAIL accepted (0: none) */
	GD_SMTP_TIME_DATA,		/* content started */
	GD_SMTP_TIME_DATA_END,		/* content ended */
};

/*
 * Typed reasons: handlers say WHY they refuse and the smtp module gives
 * the right code (service: `reason_reply`), so that modules agree on
 * codes.  Each line: the verdict, code and RFC 3463 status.
 */
enum gd_smtp_reason {
	GD_SMTP_REASON_GREYLISTED = 0,	/* TEMPFAIL 451 4.7.1 */
	GD_SMTP_REASON_RATE_LIMITED,	/* TEMPFAIL 451 4.7.0 */
	GD_SMTP_REASON_STORAGE_FULL,	/* TEMPFAIL 452 4.3.1 */
	GD_SMTP_REASON_BLOCKED_DOMAIN,	/* REJECT 550 5.7.1 */
	GD_SMTP_REASON_BLOCKED_CLIENT,	/* REJECT 554 5.7.1 */
	GD_SMTP_REASON_POLICY,		/* REJECT 550 5.7.1 */
	GD_SMTP_REASON_SPAM,		/* REJECT 550 5.7.1 */
	GD_SMTP_REASON_VIRUS,		/* REJECT 554 5.7.0 */
	GD_SMTP_REASON_NOT_LOCAL,	/* REJECT 550 5.1.1 (unknown user) */
	GD_SMTP_REASON_NO_SUCH_DOMAIN,	/* REJECT 550 5.1.2 */
	GD_SMTP_REASON_OVER_QUOTA,	/* REJECT 552 5.2.2 */
	GD_SMTP_REASON_OVER_QUOTA_TEMP,	/* TEMPFAIL 452 4.2.2 */
	GD_SMTP_REASON_MESSAGE_TOO_BIG,	/* REJECT 552 5.3.4 */
	GD_SMTP_REASON_RELAY_DENIED,	/* REJECT 550 5.7.1 */
	GD_SMTP_REASON_BAD_SENDER,	/* REJECT 553 5.1.8 */
	GD_SMTP_REASON_AUTH_REQUIRED,	/* REJECT 530 5.7.0 */
	GD_SMTP_REASON_TEMPORARY,	/* TEMPFAIL 451 4.3.0 */
	GD_SMTP_REASON_COUNT
};

/*
 * Header fields added to the delivered copy (service 1.1: `add_field`).
 * Bounds per transaction: GD_SMTP_FIELDS_MAX fields, GD_SMTP_FIELDS_SIZE
 * bytes of fields as written (folds and CRLFs counted); a name has 1 to
 * GD_SMTP_FIELD_NAME_MAX characters.
 */
#define GD_SMTP_FIELDS_MAX		32
#define GD_SMTP_FIELDS_SIZE		32768
#define GD_SMTP_FIELD_NAME_MAX		76
/* Predicates per transaction (`drop_fields`), and the longest field the
 * delivering module holds to ask them (a longer one is kept, logged). */
#define GD_SMTP_DROP_MAX		8
#define GD_SMTP_DROP_FIELD_MAX		16384
/* The longest quarantine reason kept (longer ones are cut). */
#define GD_SMTP_QUARANTINE_REASON_MAX	200

enum gd_smtp_field_status {
	GD_SMTP_FIELD_OK = 0,
	GD_SMTP_FIELD_BAD_NAME,		/* empty, too long, not ftext */
	GD_SMTP_FIELD_BAD_VALUE,	/* NUL, control, bare CR/LF, a line
					 * that cannot be kept <= 998 */
	GD_SMTP_FIELD_LIMIT,		/* GD_SMTP_FIELDS_MAX or _SIZE */
	GD_SMTP_FIELD_WRONG_TIME,	/* outside smtp.mail..data-end, or
					 * the delivery took the fields */
};

/*
 * A `drop_fields` predicate: true to leave `field` (a top-level header
 * field of the message as received; message.h: name, raw and unfolded
 * value, flags) out of the delivered copy.  Runs on the connection's
 * loop while the content streams; must not block, must not call the
 * service.
 */
typedef bool gd_smtp_field_match_fn(void *ctx,
    const struct gd_msg_field *field);

/*
 * The service table (GD_SMTP_SERVICE 1.1).  `session` arguments come from
 * the table's own `session()`; all functions assert that they are valid
 * sessions (magic numbers).  Strings: see LIFETIMES above; NULL means
 * "not known" or "not applicable".
 */
struct gd_smtp_service {
	size_t size;	/* sizeof(struct gd_smtp_service) */

	/* The session of a call on one of the smtp.* points; NULL for a
	 * call of any other point. */
	struct gd_smtp_session *(*session)(struct gd_hook_call *call);
	/* Its connection (for conn.h and tls.h: slots, TLS details). */
	struct gd_conn *(*conn)(struct gd_smtp_session *s);
	enum gd_smtp_protocol (*protocol)(const struct gd_smtp_session *s);
	/* Session id for logs (the connection's). */
	const char *(*id)(const struct gd_smtp_session *s);

	/*
	 * The client: its address without port ("192.0.2.1", "2001:db8::1"
	 * or "unix") and port (0 for UNIX sockets), after XCLIENT ADDR/PORT
	 * when a trusted proxy gave them ("unknown" and 0 when it gave
	 * [UNAVAILABLE] or [TEMPUNAVAIL]: such a client is in no network).
	 */
	const char *(*client_ip)(const struct gd_smtp_session *s);
	unsigned (*client_port)(const struct gd_smtp_session *s);
	/*
	 * The client's verified name: the forward-confirmed reverse DNS
	 * name (a PTR name, of the first 10, whose A/AAAA records hold the
	 * address; they are asked in parallel and the first such answer
	 * wins), else NULL.  After XCLIENT: NAME when the proxy gave one;
	 * NULL for NAME=[UNAVAILABLE] or [TEMPUNAVAIL], and after a new ADDR
	 * without NAME (the old name was not the new address's).
	 */
	const char *(*client_name)(const struct gd_smtp_session *s);
	/*
	 * The reverse DNS outcome (looked up before smtp.connect runs),
	 * and the first PTR name found, verified or not (NULL if none).
	 * After XCLIENT NAME: OK and the name, NONE for [UNAVAILABLE],
	 * TEMPFAIL for [TEMPUNAVAIL] (PTR NULL); after ADDR without NAME:
	 * UNKNOWN.
	 */
	enum gd_smtp_rdns (*client_rdns)(const struct gd_smtp_session *s);
	const char *(*client_ptr)(const struct gd_smtp_session *s);
	/* True once a trusted proxy's XCLIENT changed the metadata. */
	bool (*xclient)(const struct gd_smtp_session *s);
	/* True when the client is in the relay networks. */
	bool (*relay_client)(const struct gd_smtp_session *s);

	/* HELO/EHLO name (after XCLIENT HELO), or NULL before one. */
	const char *(*helo)(const struct gd_smtp_session *s);
	/* True after EHLO (or LHLO), false after HELO. */
	bool (*esmtp)(const struct gd_smtp_session *s);
	/* TLS protocol and cipher ("TLS1.3", "AES-256-GCM"), or NULL. */
	const char *(*tls_version)(const struct gd_smtp_session *s);
	const char *(*tls_cipher)(const struct gd_smtp_session *s);
	/*
	 * The authenticated user and mechanism, or NULL.  XCLIENT LOGIN=u
	 * makes the session authenticated as u (mechanism "XCLIENT"), with
	 * all the rights of an AUTH login; LOGIN=[UNAVAILABLE] or
	 * [TEMPUNAVAIL] makes it unauthenticated.
	 */
	const char *(*auth_user)(const struct gd_smtp_session *s);
	const char *(*auth_mechanism)(const struct gd_smtp_session *s);

	/* The current transaction's id (the queue id in Received:, 16 hex
	 * digits), or NULL outside a transaction. */
	const char *(*transaction_id)(const struct gd_smtp_session *s);
	/* The transaction's pool (cleared when it ends), or NULL. */
	struct gd_pool *(*transaction_pool)(struct gd_smtp_session *s);
	/* The sender and its parameters, or NULL outside a transaction. */
	const struct gd_smtp_mail *(*mail)(const struct gd_smtp_session *s);
	/* Accepted recipients so far, and recipient `i`. */
	unsigned (*rcpt_count)(const struct gd_smtp_session *s);
	const struct gd_smtp_rcpt *(*rcpt)(const struct gd_smtp_session *s,
	    unsigned i);
	/* Content bytes received so far in this transaction. */
	uint64_t (*message_size)(const struct gd_smtp_session *s);
	/* Wall-clock time in milliseconds since the epoch, 0 if not yet. */
	uint64_t (*time)(const struct gd_smtp_session *s,
	    enum gd_smtp_time which);

	/*
	 * During smtp.data-end (before the chain completes; a pending
	 * handler before it resumes): the outcome for recipient `i`, which
	 * the calling module owns (rcpt(s, i)->owner is its name: the
	 * service cannot tell who calls, so a module checks that itself).
	 * `verdict` is ACCEPT, REJECT or TEMPFAIL; `reply` may be NULL (the
	 * verdict's default) and is copied and validated like a hook reply.
	 * LMTP sends these, one per recipient; SMTP sends the chain's
	 * result.  0, or -1 when `i` is out of range or the call comes at
	 * the wrong time.
	 */
	int (*rcpt_set_result)(struct gd_smtp_session *s, unsigned i,
	    enum gd_verdict verdict, const struct gd_reply *reply);

	/*
	 * Receive the parsed header of the current transaction's message
	 * (see struct gd_smtp_header_handler).  `handler` is static data,
	 * `ctx` the caller's.  0, or -1 outside a transaction or once the
	 * header was parsed.
	 */
	int (*header_subscribe)(struct gd_smtp_session *s,
	    const struct gd_smtp_header_handler *handler, void *ctx);

	/*
	 * The verdict and reply for a typed reason (the table above), for a
	 * handler to return: `return smtp->reason_reply(R, reply_r);`.  The
	 * reply's strings are static.  An unknown reason gives TEMPFAIL
	 * 451 4.3.0.
	 */
	enum gd_verdict (*reason_reply)(enum gd_smtp_reason reason,
	    struct gd_reply *reply_r);

	/*
	 * The server side of the session: the local address the client
	 * connected to ("192.0.2.25", "2001:db8::25", or "unix") and its
	 * port (0 for UNIX sockets), after XCLIENT DESTADDR/DESTPORT when a
	 * trusted proxy gave them ("unknown" and 0 for [UNAVAILABLE] or
	 * [TEMPUNAVAIL]).
	 */
	const char *(*server_ip)(const struct gd_smtp_session *s);
	unsigned (*server_port)(const struct gd_smtp_session *s);

	/* ---- 1.1: the delivered copy (see THE DELIVERED COPY above) ---- */

	/*
	 * Put the field `name: value` on top of the delivered copy, below
	 * Return-Path and the fields added before, above Received:.
	 * Callable from smtp.mail (once the transaction exists: inside the
	 * smtp.mail handler is fine) up to smtp.data-end before the chain
	 * completes (a pending handler before it resumes), and before the
	 * delivering module took the fields; a REJECTED smtp.mail or RSET
	 * forgets them with the transaction.
	 *
	 * `name`: 1 to GD_SMTP_FIELD_NAME_MAX printable ASCII characters
	 * but ':' (RFC 5322 ftext).  `value`: no NUL, no control character
	 * but HTAB, no CR or LF except in CRLF followed by SP or HTAB (a
	 * fold); bytes >= 0x80 are kept as they are (RFC 6532 UTF-8 is the
	 * caller's business).  The field is written as
	 *
	 *     name ": " value CRLF
	 *
	 * - a value with a CRLF is taken as folded by the caller and kept
	 *   byte for byte (every line must be <= 998 characters): use this
	 *   when the exact bytes matter (DKIM-Signature with "simple"
	 *   header canonicalisation);
	 * - otherwise, when the field is longer than 78 characters, a CRLF
	 *   is inserted before the last SP or HTAB that keeps the line
	 *   within 78 (the whitespace stays, starting the next line), and
	 *   so on for each line; a word too long for 78 stays whole on its
	 *   line (never split); a line that would still exceed 998 is
	 *   BAD_VALUE.  A value that fits is written unchanged.
	 *
	 * Returns GD_SMTP_FIELD_OK, or the reason nothing was added (the
	 * call is logged, event smtp.field, with the field's name).
	 * Bounds: GD_SMTP_FIELDS_MAX and GD_SMTP_FIELDS_SIZE per
	 * transaction.  `name` and `value` are copied.
	 */
	enum gd_smtp_field_status (*add_field)(struct gd_smtp_session *s,
	    const char *name, const char *value);

	/*
	 * Leave out of the delivered copy every top-level header field of
	 * the message for which `match(ctx, field)` is true (RFC 8601 5:
	 * an Authentication-Results field with our authserv-id).  The
	 * smtp module's Received: is asked like the message's own fields;
	 * fields added with add_field never are.  Callable during
	 * smtp.mail, smtp.rcpt and smtp.data (before content flows);
	 * `ctx` must stay valid until smtp.reset.  A field longer than
	 * GD_SMTP_DROP_FIELD_MAX is kept (and logged): the delivering
	 * module never holds more.  The content stream is not changed.
	 * 0, or -1 at the wrong time or beyond GD_SMTP_DROP_MAX
	 * predicates.
	 */
	int (*drop_fields)(struct gd_smtp_session *s,
	    gd_smtp_field_match_fn *match, void *ctx);

	/*
	 * During smtp.data-end (before the chain completes and before the
	 * delivering module took the fields): deliver the copies into each
	 * recipient's \Junk mailbox (the mailbox with special-use \Junk,
	 * else the delivering module's configured one, created when
	 * missing) instead of INBOX or a +detail folder.  `reason` (one
	 * line; copied, cut at GD_SMTP_QUARANTINE_REASON_MAX) is logged
	 * (event smtp.quarantine); the first reason given is kept.  The
	 * SMTP reply is unchanged (the message is accepted).  0, or -1 at
	 * the wrong time.
	 */
	int (*quarantine)(struct gd_smtp_session *s, const char *reason);

	/*
	 * For the delivering module, at smtp.data-end: the added fields as
	 * one block of CRLF-terminated lines, ready to be written below
	 * its Return-Path (owned by the transaction), and its length in
	 * *len_r; NULL and 0 when none was added.  From this call on the
	 * fields and the quarantine are final: add_field answers
	 * WRONG_TIME and quarantine -1 until the next transaction.
	 */
	const char *(*delivery_fields)(struct gd_smtp_session *s,
	    size_t *len_r);

	/*
	 * For the delivering module, while the content streams: true when
	 * a drop_fields predicate asks for `field` to be left out.  And
	 * whether any predicate was registered (false: no need to look at
	 * the header at all).
	 */
	bool (*field_dropped)(struct gd_smtp_session *s,
	    const struct gd_msg_field *field);
	bool (*drops_fields)(const struct gd_smtp_session *s);

	/*
	 * For the delivering module, after delivery_fields: the quarantine
	 * reason, or NULL when the message is not quarantined.
	 */
	const char *(*quarantined)(const struct gd_smtp_session *s);
};

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_SMTP_H */
