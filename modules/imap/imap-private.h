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
 * (APPEND), imap-fetch-cmd.c (FETCH's arguments, metadata items, and
 * the seam for the FETCH engine).  The pure protocol code is in the
 * files of imap-parse.h.
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

/* One `special-use:` entry: mailbox name and its GD_MAIL_LIST_* bit. */
struct imap_special {
	char *name;
	unsigned attr;
};

/* The module's configuration (the `imap:` keys, README.md). */
struct imap_config {
	struct imap_config *next;	/* older generations, freed at fini */
	const struct gd_config_node *node;
	char *storage;
	uint64_t max_command;		/* reader buffer: command text */
	uint64_t max_literal;		/* a synchronising literal */
	uint64_t append_limit;		/* 0: the store's limit */
	uint64_t autologout_ms;
	uint64_t preauth_ms;
	uint64_t idle_ms;
	unsigned max_bad_commands;	/* 0: no limit */
	struct imap_special *special;
	size_t nspecial;
	bool id;
};

struct imap_module {
	pthread_mutex_t lock;
	struct imap_config *configs;	/* newest first */
	struct imap_config *current;
};

/* Output that a job builds off the loop, written by its `done` half. */
struct imap_out {
	char *buf;
	size_t len, cap;
};

struct imap_session;
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
	struct gd_mail_error append_err;
	uint64_t append_max;		/* APPENDLIMIT */
	/* The job in progress */
	imap_job_fn *job_work;
	imap_job_fn *job_done;
	struct imap_job_args job;
	struct imap_out out;		/* untagged responses queued */
};

/* imap.c */
const struct imap_config *imap_config_current(struct imap_module *mod,
    struct gd_module_ctx *ctx);

/* imap-out.c: output buffer (any thread that owns it). */
void imap_out_add(struct imap_out *o, const void *data, size_t len);
void imap_out_printf(struct imap_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void imap_out_string(struct imap_out *o, const char *s, unsigned mode);
void imap_out_mailbox(struct imap_out *o, struct gd_pool *pool,
    const char *name, unsigned mode);
void imap_out_reset(struct imap_out *o);
void imap_out_free(struct imap_out *o);

/* imap-session.c */
void imap_event(struct gd_conn *conn, enum gd_conn_event ev);
void imap_tagged(struct imap_session *s, enum imap_status st,
    enum imap_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void imap_reply_err(struct imap_session *s, const struct imap_error *err);
void imap_refusal(struct imap_session *s, enum imap_refusal why);
void imap_mail_error(struct imap_session *s, const struct gd_mail_error *e,
    bool append, const char *what);
void imap_untagged(struct imap_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void imap_flush_out(struct imap_session *s);
void imap_close(struct imap_session *s, const char *reason);
void imap_busy(struct imap_session *s, bool busy);
void imap_job(struct imap_session *s, imap_job_fn *work, imap_job_fn *done);
void imap_args_start(struct imap_session *s, struct imap_args *a,
    struct imap_error *err);
void imap_set_state(struct imap_session *s, enum imap_state state);
void imap_reader_start(struct imap_session *s);

/* imap-auth.c */
void imap_capability_string(struct imap_session *s, struct imap_out *o);
void imap_cmd_capability(struct imap_session *s);
void imap_cmd_starttls(struct imap_session *s);
void imap_cmd_login(struct imap_session *s);
void imap_cmd_authenticate(struct imap_session *s);
void imap_auth_line(struct imap_session *s, const char *line, size_t len);
void imap_auth_reset(struct imap_session *s);
void imap_cmd_enable(struct imap_session *s);
void imap_cmd_id(struct imap_session *s);
void imap_cmd_logout(struct imap_session *s);
void imap_cmd_namespace(struct imap_session *s);

/* imap-mailboxes.c */
void imap_store_open(struct imap_session *s);
void imap_store_close_work(struct imap_session *s);
void imap_cmd_list(struct imap_session *s, bool lsub);
void imap_cmd_create(struct imap_session *s);
void imap_cmd_delete(struct imap_session *s);
void imap_cmd_rename(struct imap_session *s);
void imap_cmd_subscribe(struct imap_session *s, bool subscribe);
void imap_cmd_status(struct imap_session *s);

/* imap-select.c */
void imap_cmd_select(struct imap_session *s, bool examine);
void imap_cmd_close(struct imap_session *s, bool expunge);
void imap_cmd_expunge(struct imap_session *s, bool uid);
void imap_cmd_noop(struct imap_session *s);
void imap_view_sync(struct imap_session *s, unsigned flags);
void imap_msg_flags(struct imap_session *s, uint32_t seq);

/* imap-messages.c */
int imap_resolve_set(struct imap_session *s, struct imap_seqset *set,
    bool uid);
uint32_t imap_uid_star(struct imap_session *s);
void imap_saved_reset(struct imap_session *s);
void imap_cmd_store(struct imap_session *s, bool uid);
void imap_cmd_copy(struct imap_session *s, bool uid, bool move);

/* imap-search-cmd.c */
void imap_cmd_search(struct imap_session *s, bool uid);

/* imap-idle.c */
void imap_cmd_idle(struct imap_session *s);
void imap_idle_line(struct imap_session *s, const char *line, size_t len);
void imap_idle_stop(struct imap_session *s);

/* imap-append.c */
void imap_append_literal(struct imap_session *s);
void imap_append_data(struct imap_session *s, const char *data, size_t len);
void imap_append_abort(struct imap_session *s);
void imap_cmd_append(struct imap_session *s);

/* imap-fetch-cmd.c */
void imap_cmd_fetch(struct imap_session *s, bool uid);

#endif
