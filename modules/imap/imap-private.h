/*
 * imap-private.h — what the imap module's session files share (nothing
 * here is exported: the descriptor in imap.c is the module's only
 * exported symbol).
 *
 * Files: imap.c (descriptor, the `imap:` keys, configuration, init),
 * imap-session.c (events, the reader, states, dispatch, limits, timers,
 * replies, the blocking jobs), imap-out.c (the output buffer jobs fill),
 * imap-auth.c (CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE, ENABLE, ID,
 * NOOP, LOGOUT, NAMESPACE), imap-mailboxes.c (the user's store, LIST,
 * LSUB, CREATE, DELETE, RENAME, (UN)SUBSCRIBE, STATUS), imap-select.c
 * (SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE, CHECK, the view sync),
 * imap-messages.c (message sets, STORE, COPY, MOVE), imap-search-cmd.c
 * (SEARCH, ESEARCH, SEARCHRES), imap-idle.c (IDLE), imap-append.c
 * (APPEND), imap-fetch-cmd.c (FETCH's arguments and metadata items),
 * imap-fetch-run.c (FETCH's content items, streamed).  The pure
 * protocol code is in the files of imap-parse.h.
 *
 * Threads: everything runs on the connection's loop except the `work`
 * half of a job (imap_job), which runs in the blocking pool while the
 * loop side leaves the store, the mailbox and `out` alone.
 */
#ifndef IMAP_PRIVATE_H
#define IMAP_PRIVATE_H

#include <pthread.h>
#include <stdarg.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox.h>
#include <gumdrop/sasl.h>

#include "imap-parse.h"

#define IMAP_SESSION_MAGIC	0x494d4150u	/* "IMAP" */
/* Longest text of a tagged reply or an untagged line we format. */
#define IMAP_LINE_MAX		1024
/* The output buffer is freed after a reply larger than this. */
#define IMAP_OUT_KEEP		(256 * 1024)

/* The module's configuration (the `imap:` keys, README.md). */
struct imap_config {
	char *storage;
	uint64_t max_command;		/* reader buffer: command text */
	uint64_t max_literal;		/* a synchronising literal */
	uint64_t append_limit;		/* 0: the store's limit */
	uint64_t autologout_ms;
	uint64_t preauth_ms;
	uint64_t idle_ms;
	unsigned max_bad_commands;	/* 0: no limit */
	struct gd_mail_special_folder *special;	/* `special-use:` */
	size_t nspecial;
	bool id;
	char *login_alert;		/* `login-alert:`, NULL: none */
};

struct imap_module {
	struct gd_config_gens *configs;	/* of struct imap_config */
};

/* Output that a job builds off the loop, written by its `done` half. */
struct imap_out {
	char *buf;
	size_t len, cap;
};

struct imap_session;
struct imap_fetch_run;
typedef void imap_job_fn(struct imap_session *s);

/* The argument of the command a job runs (parsed on the loop). */
struct imap_job_args {
	char *name, *name2;		/* mailboxes */
	unsigned items;			/* STATUS items, special use */
	struct imap_list list;
	struct imap_seqset set;
	struct imap_store store;
	uint32_t *src_uids, *dst_uids;	/* COPYUID pairs */
	size_t ncopied, copied_cap;
	uint32_t uidvalidity;
	struct imap_search search;
	struct imap_append append;
	struct imap_fetch fetch;
	uint32_t uid;
	bool flag;			/* EXAMINE, LSUB, SUBSCRIBE, UID */
	bool sync;			/* sync the view after the work */
	/* Result */
	int result;
	struct gd_mail_error err;
};

struct imap_session {
	uint32_t magic;
	struct gd_conn *conn;		/* NULL once closed under a job */
	struct imap_module *mod;
	const struct imap_config *cfg;
	enum imap_state state;
	unsigned mode;			/* enum imap_mode */
	unsigned enabled;		/* enum imap_enable */
	bool closing;
	bool busy;			/* a job or a SASL step is pending */
	bool draining;			/* shutdown came while busy */
	bool dead;			/* the connection closed under a job */
	bool job_running;
	unsigned bad_commands;
	/* The reader */
	struct imap_reader rd;
	char *rdbuf;
	struct gd_pool *cmd_pool;	/* cleared at each command */
	char *tag;			/* the current command's tag */
	enum imap_cmd cmd;
	/* SASL */
	struct gd_sasl *sasl;
	bool sasl_waiting;		/* "+ challenge" out: a line next */
	bool sasl_final;		/* success data out: "" next */
	char *user;
	char *location;
	uint64_t quota_storage, quota_messages;
	/* The store and the selected mailbox */
	struct gd_mail_store *store;
	struct gd_mailbox *box;
	bool readonly;
	uint32_t exists;		/* EXISTS as the client knows it */
	uint32_t recent;		/* RECENT as last sent (rev1) */
	/* SEARCHRES: the UIDs saved by RETURN (SAVE), for "$" */
	struct gd_mail_range *saved;
	size_t nsaved;
	bool saved_valid;
	/* IDLE */
	bool idling;			/* "+ idling" out: DONE next */
	bool idle_pending;		/* a notification came during a job */
	bool notifying;			/* gd_mailbox_notify_start() on */
	/* APPEND: the message being streamed */
	struct gd_mail_append *append;
	bool appending;			/* literal accepted, data next */
	bool append_failed;		/* a write failed: drop the rest */
	bool append_binary;		/* the message came as literal8 ~{n} */
	bool append_nul;		/* a NUL in a plain literal: BAD */
	struct gd_mail_error append_err;
	uint64_t append_max;		/* APPENDLIMIT */
	/* FETCH with content: the responses being streamed */
	struct imap_fetch_run *fetch;
	/* The job in progress */
	imap_job_fn *job_work;
	imap_job_fn *job_done;
	struct imap_job_args job;
	struct imap_out out;		/* untagged responses queued */
};

/*
 * Conventions of the functions below.  `imap_cmd_*` run the command
 * whose arguments imap_args_start() gives, on the loop, with s->tag and
 * s->cmd set and s->job zeroed; each ends by writing the tagged reply
 * itself or by starting a job whose `done` writes it.  Everything runs
 * on the loop unless it says "pool thread".
 */

/* imap.c: the configuration generation a new session uses. */
const struct imap_config *imap_config_current(struct imap_module *mod,
    struct gd_module_ctx *ctx);

/* imap-out.c: the output buffer (used by one thread at a time).
 * imap_out_string: quoted, or a literal when it must be (imap-parse.h's
 * imap_string_format); imap_out_mailbox: a name in the client's form
 * (modified UTF-7 unless IMAP_MODE_UTF8), quoted. */
void imap_out_add(struct imap_out *o, const void *data, size_t len);
/* Room for `more` bytes and a NUL at buf + len (to format in place,
 * then add to len). */
void imap_out_reserve(struct imap_out *o, size_t more);
void imap_out_printf(struct imap_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A C string, and a number in decimal: without printf, for the lines a
 * FETCH 1:* makes by the ten thousand. */
void imap_out_str(struct imap_out *o, const char *s);
void imap_out_uint(struct imap_out *o, uint64_t v);
void imap_out_string(struct imap_out *o, const char *s, unsigned mode);
void imap_out_mailbox(struct imap_out *o, struct gd_pool *pool,
    const char *name, unsigned mode);
void imap_out_reset(struct imap_out *o);
void imap_out_free(struct imap_out *o);

/* imap-session.c */
/* The protocol callback (gd_protocol.event). */
void imap_event(struct gd_conn *conn, enum gd_conn_event ev);
/* "TAG OK|NO|BAD [CODE] text": NO/BAD go through imap_reply_err; every
 * BAD counts towards max-bad-commands (BYE and close past it). */
void imap_tagged(struct imap_session *s, enum imap_status st,
    enum imap_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void imap_reply_err(struct imap_session *s, const struct imap_error *err);
void imap_refusal(struct imap_session *s, enum imap_refusal why);
/* A mailbox API failure as NO with RFC 5530's code (`append`: NOTFOUND
 * is [TRYCREATE]); TEMP and CORRUPT are logged, their text not shown. */
void imap_mail_error(struct imap_session *s, const struct gd_mail_error *e,
    bool append, const char *what);
/* "* " fmt CRLF, written at once. */
void imap_untagged(struct imap_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Write what the last job queued in s->out (before its tagged reply). */
void imap_flush_out(struct imap_session *s);
/* Graceful close (state LOGOUT). */
void imap_close(struct imap_session *s, const char *reason);
/* Pause input (true) while a job, a SASL step or a streamed reply is
 * pending; false resumes it, or says BYE if a shutdown came meanwhile. */
void imap_busy(struct imap_session *s, bool busy);
/* Run work(s) in the blocking pool, then done(s) on the loop, input
 * paused; in the selected state the work is followed by a view sync
 * (without EXPUNGE for IMAP_CMDF_NO_EXPUNGE commands) whose updates go
 * to s->out.  The loop leaves the store, the mailbox and s->out alone
 * meanwhile.  If the connection closes under it, done is skipped and the
 * session freed afterwards.  A refused submission answers NO
 * [UNAVAILABLE]. */
void imap_job(struct imap_session *s, imap_job_fn *work, imap_job_fn *done);
/* The cursor over the current command's arguments (s->cmd_pool, mode). */
void imap_args_start(struct imap_session *s, struct imap_args *a,
    struct imap_error *err);
/* Change state; the idle timer follows (preauth-timeout, autologout). */
void imap_set_state(struct imap_session *s, enum imap_state state);
/* (Re)start the reader with the session's limits; raw input mode.  Only
 * at a command boundary. */
void imap_reader_start(struct imap_session *s);

/* imap-auth.c */
/* The capability list now (states, TLS, SASL), without "CAPABILITY". */
void imap_capability_string(struct imap_session *s, struct imap_out *o);
void imap_cmd_capability(struct imap_session *s);
void imap_cmd_starttls(struct imap_session *s);
void imap_cmd_login(struct imap_session *s);
void imap_cmd_authenticate(struct imap_session *s);
/* A raw line during AUTHENTICATE (a response, "*", or garbage). */
void imap_auth_line(struct imap_session *s, const char *line, size_t len);
/* Drop any SASL exchange in progress (STARTTLS, close, bad line). */
void imap_auth_reset(struct imap_session *s);
void imap_cmd_enable(struct imap_session *s);
void imap_cmd_id(struct imap_session *s);
void imap_cmd_logout(struct imap_session *s);
void imap_cmd_namespace(struct imap_session *s);

/* imap-mailboxes.c */
/* Authenticated as s->user: open the store (and special-use folders)
 * in a job, then the tagged OK [CAPABILITY ...] or NO [UNAVAILABLE]. */
void imap_store_open(struct imap_session *s);
/* Pool thread: abort an append, close the mailbox and the store. */
void imap_store_close_work(struct imap_session *s);
void imap_cmd_list(struct imap_session *s, bool lsub);
void imap_cmd_create(struct imap_session *s);
void imap_cmd_delete(struct imap_session *s);
void imap_cmd_rename(struct imap_session *s);
void imap_cmd_subscribe(struct imap_session *s, bool subscribe);
void imap_cmd_status(struct imap_session *s);

/* imap-select.c */
void imap_cmd_select(struct imap_session *s, bool examine);
/* CLOSE (`expunge`: \Deleted go first, unless read-only) or UNSELECT. */
void imap_cmd_close(struct imap_session *s, bool expunge);
void imap_cmd_expunge(struct imap_session *s, bool uid);
/* NOOP and CHECK: the updates when selected, then OK. */
void imap_cmd_noop(struct imap_session *s);
/* Pool thread: sync s->box (GD_MAIL_SYNC_* flags), queueing EXPUNGE,
 * FETCH FLAGS, FLAGS, EXISTS, RECENT (rev1) into s->out. */
void imap_view_sync(struct imap_session *s, unsigned flags);
/* Message `seq`'s flag list into s->out (\Recent for rev1 only). */
void imap_msg_flags(struct imap_session *s, uint32_t seq);

/* imap-messages.c */
/* Resolve a parsed set to sorted sequence-number ranges of s->box (UID
 * sets: existing UIDs only; "$": the saved result).  0, or -1 after
 * replying (NO [NOTSAVED], BAD for numbers beyond the view). */
int imap_resolve_set(struct imap_session *s, struct imap_seqset *set,
    bool uid);
/* The highest UID in the view, 0 when empty. */
uint32_t imap_uid_star(struct imap_session *s);
/* Forget the SEARCHRES result (SELECT, EXAMINE, CLOSE, UNSELECT). */
void imap_saved_reset(struct imap_session *s);
void imap_cmd_store(struct imap_session *s, bool uid);
void imap_cmd_copy(struct imap_session *s, bool uid, bool move);

/* imap-search-cmd.c */
void imap_cmd_search(struct imap_session *s, bool uid);

/* imap-idle.c */
void imap_cmd_idle(struct imap_session *s);
/* The raw line that ends IDLE (DONE: OK; anything else: BAD). */
void imap_idle_line(struct imap_session *s, const char *line, size_t len);
/* Stop the change notification and IDLE (before the mailbox closes). */
void imap_idle_stop(struct imap_session *s);

/* imap-append.c */
/* IMAP_RD_LITERAL of APPEND's message: start the append in a job, then
 * accept ("+ ...") or refuse the literal. */
void imap_append_literal(struct imap_session *s);
/* IMAP_RD_DATA: the message's next octets, written as they come. */
void imap_append_data(struct imap_session *s, const char *data, size_t len);
/* Drop an append in progress (loop or pool; FILE class). */
void imap_append_abort(struct imap_session *s);
/* The APPEND command complete: commit (APPENDUID) or refuse. */
void imap_cmd_append(struct imap_session *s);

/* imap-fetch-cmd.c: FETCH / UID FETCH (the metadata items). */
void imap_cmd_fetch(struct imap_session *s, bool uid);

/* imap-fetch-run.c: a FETCH with content items.  imap_fetch_content:
 * s->job.set resolved, s->job.fetch parsed, s->job.flag for UID FETCH;
 * it owns the rest of the command (\Seen, the view sync, the streamed
 * responses, the tagged reply, input resumed).  imap_fetch_produce:
 * write on while the queue is below its low-water mark (DRAINED).
 * imap_fetch_stop: drop it (the connection is gone). */
void imap_fetch_content(struct imap_session *s);
/* imap-fetch-cmd.c: message `seq`'s items that the view answers (UID
 * when `uid` or asked, FLAGS, INTERNALDATE, RFC822.SIZE of `items`) into
 * s->out, space-separated, after "* seq FETCH ("; true if any was. */
bool imap_fetch_meta_items(struct imap_session *s, unsigned items,
    bool uid, uint32_t seq, const struct gd_mail_msg *m);
/* The whole untagged "* seq FETCH (...)" line of those items (FETCH,
 * and STORE's replies) into s->out. */
void imap_fetch_meta_line(struct imap_session *s, unsigned items,
    bool uid, uint32_t seq, const struct gd_mail_msg *m);
void imap_fetch_produce(struct imap_session *s);
void imap_fetch_stop(struct imap_session *s);

#endif
