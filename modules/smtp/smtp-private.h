/*
 * smtp-private.h — what the smtp module's session files share (nothing
 * here is exported: the descriptor in smtp.c is the module's only
 * exported symbol).
 *
 * Files: smtp.c (descriptor, init, protocols), smtp-config.c (keys),
 * smtp-session.c (events, state, greeting, limits, replies),
 * smtp-commands.c (dispatch and the simple commands), smtp-ehlo.c
 * (HELO/EHLO/LHLO, the advertised extensions), smtp-auth.c (STARTTLS,
 * AUTH), smtp-proxy.c (XCLIENT), smtp-txn.c (MAIL, RCPT, the
 * transaction), smtp-content.c (DATA, BDAT, the content stream),
 * smtp-finish.c (end of content, the final replies), smtp-header.c (the
 * parsed header for subscribers), smtp-hooks.c (running hook points),
 * smtp-service.c (the "smtp" service of gumdrop/smtp.h), smtp-copy.c
 * (the service's delivered-copy calls: added and dropped fields,
 * quarantine).  The pure
 * protocol code is in the files of smtp-parse.h.
 */
#ifndef SMTP_PRIVATE_H
#define SMTP_PRIVATE_H

#include <netinet/in.h>
#include <pthread.h>

#include <ev.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/smtp.h>

#include "smtp-config.h"
#include "smtp-parse.h"

#define SMTP_SESSION_MAGIC	0x534d5450u	/* "SMTP" */
#define SMTP_HELO_MAX		256
/* Content passes through in chunks of this size (the unstuffer's output
 * buffer and the most a stalled consumer leaves with us). */
#define SMTP_CHUNK		8192
/* FUTURERELEASE: the longest hold we advertise and accept (RFC 4865). */
#define SMTP_MAX_HOLD		(7 * 86400)

/* What waits for the hold to drain (session.pending_end). */
#define SMTP_END_NONE	0
#define SMTP_END_DATA	1	/* DATA's final dot was seen */
#define SMTP_END_CHUNK	2	/* a BDAT chunk's last byte was read */

/* The hook points, in the order of the descriptor's declarations. */
enum smtp_point {
	SMTP_HOOK_CONNECT = 0,
	SMTP_HOOK_HELO,
	SMTP_HOOK_AUTH,
	SMTP_HOOK_MAIL,
	SMTP_HOOK_RCPT,
	SMTP_HOOK_DATA,
	SMTP_HOOK_DATA_END,
	SMTP_HOOK_RESET,
	SMTP_HOOK_DISCONNECT,
	SMTP_HOOK_COUNT
};

/* The module's data (gd_module_ctx_get_data). */
struct smtp_module {
	struct gd_hook_point *points[SMTP_HOOK_COUNT];
	pthread_mutex_t lock;		/* guards current, configs */
	struct smtp_config *current;	/* for gd_module_ctx_config() */
	struct smtp_config *configs;	/* every one parsed, newest first */
};

enum smtp_state {
	SMTP_S_CONNECT = 0,	/* no greeting yet (delay, smtp.connect) */
	SMTP_S_REFUSED,		/* smtp.connect refused: only QUIT */
	SMTP_S_GREETED,		/* waiting for HELO/EHLO/LHLO */
	SMTP_S_READY,		/* MAIL may start a transaction */
	SMTP_S_MAIL,		/* MAIL accepted, no recipient yet */
	SMTP_S_RCPT,		/* at least one recipient */
	SMTP_S_DATA,		/* reading DATA content */
	SMTP_S_BDAT,		/* reading a BDAT chunk */
	SMTP_S_CLOSING,		/* QUIT, 421, or the peer went away */
};

struct smtp_session;
struct smtp_rdns;

/* What to do when a hook chain completed (at once or later). */
typedef void smtp_hook_cb(struct smtp_session *s,
    const struct gd_hook_result *r);

/* A recipient's outcome set at smtp.data-end (rcpt_set_result). */
struct smtp_rcpt_result {
	bool set;
	enum gd_verdict verdict;
	struct gd_reply reply;		/* strings: transaction pool */
};

/* A module that wants the parsed header. */
struct smtp_subscriber {
	const struct gd_smtp_header_handler *handler;
	void *ctx;
	struct smtp_subscriber *next;
};

/* A drop_fields predicate. */
struct smtp_drop {
	gd_smtp_field_match_fn *match;
	void *ctx;
};

/* The current transaction: MAIL to the end of content (or RSET). */
struct smtp_txn {
	bool active;
	char id[17];
	struct gd_smtp_mail mail;
	struct gd_smtp_rcpt **rcpts;	/* accepted */
	struct smtp_rcpt_result *results;
	unsigned nrcpt, cap;
	struct gd_smtp_rcpt *candidate;	/* the RCPT whose chain runs */
	/* content */
	struct gd_smtp_data data;
	bool started;			/* smtp.data ran */
	bool bdat_used;
	struct smtp_error refused;	/* smtp.data said no (code != 0) */
	struct smtp_data unstuff;
	struct smtp_bdat bdat;
	bool stream_failed;
	const char *stream_error;
	struct gd_msg_parser *parser;
	struct smtp_subscriber *subscribers;
	bool header_done;
	bool in_data_end;		/* rcpt_set_result allowed */
	bool in_data_hook;		/* smtp.data runs */
	uint64_t t_mail, t_data, t_end;
	/* the delivered copy (smtp-copy.c): fields in txn_pool */
	char *fields;
	size_t fields_len, fields_cap;
	unsigned nfields;
	struct smtp_drop drops[GD_SMTP_DROP_MAX];
	unsigned ndrops;
	bool sealed;			/* delivery_fields was read */
	char *quarantine;		/* the reason, or NULL */
};

struct smtp_session {
	uint32_t magic;
	struct gd_conn *conn;
	struct smtp_module *mod;
	const struct smtp_settings *cfg;
	enum gd_smtp_protocol proto;
	enum smtp_state state;
	struct gd_pool *cmd_pool;	/* cleared per command */
	struct gd_pool *txn_pool;	/* cleared when a transaction ends */
	/* hooks */
	struct gd_hook_call call;
	bool call_pending;
	smtp_hook_cb *call_cb;
	void *call_arg;
	/* limits */
	unsigned bad_commands;
	unsigned transactions;
	/* HELO and the client */
	char *helo;			/* NULL before HELO (smtp_set) */
	bool esmtp;
	/* forward-confirmed reverse DNS (smtp-rdns.c) */
	struct gd_dns_query *rdns_query;	/* the PTR lookup */
	struct smtp_rdns *rdns_check;	/* while the check runs */
	enum gd_smtp_rdns rdns;
	char *ptr_name;			/* first PTR name (smtp_set) */
	char *rdns_name;		/* the PTR name that confirmed */
	unsigned connect_gates;		/* delay, rdns; then the hook */
	uint8_t addr16[16];
	bool have_addr;
	bool relay_client;
	bool xclient_ok;
	/*
	 * XCLIENT overrides (smtp_set strings).  An address given as
	 * [UNAVAILABLE] or [TEMPUNAVAIL] is "unknown", a port 0.  x_name_set:
	 * NAME was given (x_name NULL when unavailable, x_rdns its status),
	 * or ADDR without NAME (the old name no longer applies: UNKNOWN).
	 */
	bool xclient;
	char *x_addr;
	char *x_name;
	bool x_name_set;
	enum gd_smtp_rdns x_rdns;
	unsigned x_port;
	bool x_port_set;
	char local_ip[INET6_ADDRSTRLEN];	/* the local socket; "" unset */
	char *x_dest_addr;		/* DESTADDR */
	unsigned x_dest_port;
	bool x_dest_port_set;
	/* authentication */
	struct gd_sasl *sasl;
	bool sasl_waiting;		/* 334 sent: next line answers */
	bool sasl_final;		/* success data sent: empty line */
	char *auth_user;		/* smtp_set */
	char *auth_mech;
	char *pending_user;		/* SASL succeeded, smtp.auth runs */
	char *pending_mech;
	/* greeting delay */
	ev_timer greet_timer;
	bool greet_timer_on;
	bool greeted;
	/* content back-pressure: output the stream has not taken yet */
	char *hold;
	size_t hold_len, hold_off;
	bool stalled;
	int pending_end;		/* SMTP_END_*: waits for the hold */
	/* BDAT whose bytes are read and dropped (refused command) */
	uint64_t skip;
	struct smtp_error skip_reply;
	uint64_t t_connect;
	struct smtp_txn txn;
};

/* ---- smtp-session.c ---- */
void smtp_event(struct gd_conn *conn, enum gd_conn_event ev);
void smtp_enter_state(struct smtp_session *s, enum smtp_state state);
/* Reply lines: one line (printf text), a struct smtp_error, many. */
void smtp_reply(struct smtp_session *s, unsigned code, const char *enhanced,
    const char *fmt, ...) GD_PRINTF(4, 5);
void smtp_reply_err(struct smtp_session *s, const struct smtp_error *err);
void smtp_reply_lines(struct smtp_session *s, unsigned code,
    const char *enhanced, const char *const *lines, size_t n);
void smtp_reply_hook(struct smtp_session *s, const struct gd_hook_result *r);
/*
 * The same where the protocol allows only some codes (RFC 5321 3.1: 554
 * refuses a connection; RFC 4954: AUTH's codes).  A code outside
 * `allowed` (0-terminated; 421 always passes) becomes `code`, and its
 * enhanced code `enhanced` unless that is NULL; the text is kept.
 */
void smtp_reply_hook_as(struct smtp_session *s, const struct gd_hook_result *r,
    const unsigned *allowed, unsigned code, const char *enhanced);
/*
 * Replace a session string (malloc'd, freed at close; NULL clears), so
 * that repeated commands (EHLO, AUTH, XCLIENT) never grow memory.
 */
void smtp_set(char **field, const char *value);
/* 421 and close. */
void smtp_close_421(struct smtp_session *s, const char *enhanced,
    const char *text, const char *reason);
/* Count a bad command; true when the session was closed for it. */
bool smtp_bad_command(struct smtp_session *s);
/* The greeting (after delay and smtp.connect). */
void smtp_greet(struct smtp_session *s);
/* One of the things smtp.connect waits for is done (delay, rdns). */
void smtp_connect_ready(struct smtp_session *s);
/* The extensions on now (TLS state, authorisation). */
unsigned smtp_ext_now(const struct smtp_session *s);
bool smtp_ext_on(const struct smtp_session *s, unsigned bit);

/* ---- smtp-commands.c ---- */
void smtp_line(struct smtp_session *s, const char *line, size_t len);
void smtp_cmd_rset(struct smtp_session *s);

/* ---- smtp-ehlo.c ---- */
void smtp_cmd_helo(struct smtp_session *s, const struct smtp_cmd *cmd);
void smtp_cmd_help(struct smtp_session *s);

/* ---- smtp-auth.c ---- */
void smtp_cmd_starttls(struct smtp_session *s);
void smtp_tls_ready(struct smtp_session *s);
void smtp_cmd_auth(struct smtp_session *s, const struct smtp_cmd *cmd);
void smtp_auth_line(struct smtp_session *s, const char *line, size_t len);
void smtp_auth_close(struct smtp_session *s);
/* The mechanisms to advertise now; n names in `names`. */
size_t smtp_auth_mechs(struct smtp_session *s, const char **names,
    size_t max);

/* ---- smtp-proxy.c ---- */
void smtp_cmd_xclient(struct smtp_session *s, const struct smtp_cmd *cmd);
/* Recompute relay and XCLIENT authorisation from the client address. */
void smtp_client_update(struct smtp_session *s);
/*
 * The effective client (after XCLIENT): address ("unknown" when a proxy
 * said so), verified name or NULL, reverse DNS status and PTR name, and
 * the server side (DESTADDR/DESTPORT, else the local socket).
 */
const char *smtp_client_ip(const struct smtp_session *s);
const char *smtp_client_name(const struct smtp_session *s);
enum gd_smtp_rdns smtp_client_rdns(const struct smtp_session *s);
const char *smtp_client_ptr(const struct smtp_session *s);
const char *smtp_server_ip(const struct smtp_session *s);
unsigned smtp_server_port(const struct smtp_session *s);
/* The port of a socket address (0 if not IP). */
unsigned smtp_sockaddr_port(const struct sockaddr *sa);

/* ---- smtp-rdns.c ---- */
void smtp_rdns_start(struct smtp_session *s);
void smtp_rdns_cancel(struct smtp_session *s);

/* ---- smtp-txn.c ---- */
void smtp_cmd_mail(struct smtp_session *s, const struct smtp_cmd *cmd);
void smtp_cmd_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd);
/* End the transaction (runs smtp.reset when one was active). */
void smtp_txn_reset(struct smtp_session *s);
/* Back to READY (or GREETED without HELO) after a transaction. */
void smtp_state_idle(struct smtp_session *s);

/* ---- smtp-content.c ---- */
void smtp_cmd_data(struct smtp_session *s, const struct smtp_cmd *cmd);
void smtp_cmd_bdat(struct smtp_session *s, const struct smtp_cmd *cmd);
/* A BDAT whose size cannot be read: reply `err`, then 421 and close. */
void smtp_bdat_lost(struct smtp_session *s, const struct smtp_error *err);
/* Raw input while in DATA or BDAT state (or skipping a BDAT). */
void smtp_content_input(struct smtp_session *s);
/* Pass content (after unstuffing) to the parser and the stream. */
void smtp_content_put(struct smtp_session *s, const char *buf, size_t len);
void smtp_content_abort(struct smtp_session *s);

/* ---- smtp-finish.c ---- */
/* The content ended (DATA end or BDAT LAST): verdicts and replies. */
void smtp_content_finish(struct smtp_session *s);

/* ---- smtp-header.c ---- */
void smtp_header_start(struct smtp_session *s);
void smtp_header_feed(struct smtp_session *s, const char *buf, size_t len);
void smtp_header_finish(struct smtp_session *s);

/* ---- smtp-hooks.c ---- */
/*
 * Run point `p` with `arg`; `cb` gets the result, inline when the chain
 * completed synchronously, later (reading paused meanwhile) when it
 * pended.  Without a loaded point, cb gets CONTINUE.
 */
void smtp_hook_run(struct smtp_session *s, enum smtp_point p, void *arg,
    smtp_hook_cb *cb);
/* Run a SYNC point and return its verdict (observe points ignore it). */
enum gd_verdict smtp_hook_sync(struct smtp_session *s, enum smtp_point p,
    void *arg, struct gd_hook_result *r_out);
void smtp_hook_cancel(struct smtp_session *s);
/* Validate a module's reply for `verdict` (rcpt_set_result). */
bool smtp_reply_valid(enum gd_verdict verdict, const struct gd_reply *r);

/* ---- smtp-copy.c (the service 1.1 calls) ---- */
enum gd_smtp_field_status smtp_copy_add_field(struct gd_smtp_session *g,
    const char *name, const char *value);
int smtp_copy_drop_fields(struct gd_smtp_session *g,
    gd_smtp_field_match_fn *match, void *ctx);
int smtp_copy_quarantine(struct gd_smtp_session *g, const char *reason);
const char *smtp_copy_delivery_fields(struct gd_smtp_session *g,
    size_t *len_r);
bool smtp_copy_field_dropped(struct gd_smtp_session *g,
    const struct gd_msg_field *field);
bool smtp_copy_drops_fields(const struct gd_smtp_session *g);
const char *smtp_copy_quarantined(const struct gd_smtp_session *g);

/* ---- smtp-service.c ---- */
extern const struct gd_smtp_service smtp_service;

#endif /* SMTP_PRIVATE_H */
