/*
 * pop3-private.h — what the pop3 module's session files share (nothing
 * here is exported: the descriptor in pop3.c is the module's only
 * exported symbol).
 *
 * Files: pop3.c (descriptor, keys, configuration, init), pop3-session.c
 * (events, states, dispatch, limits, timers, replies, CAPA, STLS, UTF8),
 * pop3-auth.c (USER/PASS, APOP, AUTH through the SASL framework,
 * LOGIN-DELAY), pop3-drop.c (the maildrop: opening, the [IN-USE] lock,
 * the snapshot, UPDATE, closing, in the blocking pool), pop3-list.c
 * (STAT LIST UIDL DELE RSET), pop3-retr.c (RETR and TOP streamed with
 * back-pressure, and the multi-line producers), pop3-cache.c (the
 * process-wide cache of computed sizes and the login-delay memory).  The
 * pure protocol code is in the files of pop3-parse.h.
 */
#ifndef POP3_PRIVATE_H
#define POP3_PRIVATE_H

#include <pthread.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox.h>
#include <gumdrop/sasl.h>

#include "pop3-parse.h"
#include "pop3-cache.h"

#define POP3_SESSION_MAGIC	0x504f5033u	/* "POP3" */
/* A user name as USER/APOP/SASL give it, at most (octets). */
#define POP3_USER_MAX		255
/* The APOP timestamp "<pid.n.time@host>" (RFC 1939 7). */
#define POP3_TIMESTAMP_MAX	128
/* RETR/TOP: the store is read in chunks of this size. */
#define POP3_READ_CHUNK		8192
/* Entries kept in the size cache (process-wide). */
#define POP3_SIZE_CACHE_MAX	65536
/* Users remembered for LOGIN-DELAY (process-wide). */
#define POP3_DELAY_MAX		65536

/* The module's configuration (the `pop3:` keys, docs/pop3.md). */
struct pop3_config {
	char *storage;			/* mail-storage backend */
	char *greeting;			/* text after +OK, or NULL */
	bool implementation;
	bool apop;
	uint32_t login_delay;		/* seconds; 0: off */
	int32_t expire_days;		/* POP3_EXPIRE_NEVER or days */
	uint64_t autologout_ms;
	unsigned max_bad_commands;	/* 0: no limit */
};

/* The module's data (gd_module_ctx_get_data). */
struct pop3_module {
	struct gd_config_gens *configs;	/* of struct pop3_config */
	struct pop3_cache *sizes;
	struct pop3_delay *delays;
};

/* One message of the snapshot taken at login. */
struct pop3_msg {
	uint32_t seq;			/* in the mailbox view (never synced) */
	uint32_t uid;
	uint64_t size;			/* POP3 size (LIST/STAT) */
	int64_t date;			/* internal date, for EXPIRE */
	bool deleted;			/* DELE'd in this session */
	bool retrieved;			/* RETR'd in this session */
	bool seen;			/* \Seen at login */
};

/*
 * The maildrop: what the blocking jobs work on.  Owned by the session
 * while it lives; a job that is still running when the connection closes
 * owns it then (`session` NULL) and closes it itself.
 */
struct pop3_drop {
	struct pop3_session *session;
	struct pop3_module *mod;
	const struct pop3_config *cfg;
	char *user;
	char *location;
	uint64_t quota_storage, quota_messages;
	struct gd_mail_store *store;
	struct gd_mail_lock *lock;
	struct gd_mailbox *box;
	uint32_t uidvalidity;
	uint32_t count;
	struct pop3_msg *msgs;
	bool running;			/* a job has it */
	/* Result of the last job. */
	int result;
	uint32_t failed;		/* UPDATE: messages not removed */
	struct gd_mail_error err;
};

/* A producer of a long reply, resumed on GD_CONN_EV_DRAINED. */
typedef bool pop3_produce_fn(struct pop3_session *s);

struct pop3_session {
	uint32_t magic;
	struct gd_conn *conn;
	struct pop3_module *mod;
	const struct pop3_config *cfg;
	enum pop3_state state;
	bool utf8;			/* UTF8 accepted (RFC 6856) */
	bool closing;
	bool busy;			/* a job or an exchange is pending */
	bool draining;			/* shutdown while busy */
	bool apop;			/* the greeting offered APOP */
	unsigned bad_commands;
	char *user;			/* after USER */
	char timestamp[POP3_TIMESTAMP_MAX];
	/* SASL */
	struct gd_sasl *sasl;
	bool sasl_waiting;		/* a "+ " challenge is out */
	bool sasl_final;		/* success data out: wait for "" */
	struct gd_pool *cmd_pool;
	/* TRANSACTION */
	struct pop3_drop *drop;
	/* A long reply in progress (LIST, UIDL, RETR, TOP). */
	pop3_produce_fn *produce;
	struct pop3_retr *retr;
	uint32_t list_next;		/* LIST/UIDL: next message index */
	bool list_uidl;
};

/* pop3.c */
const struct pop3_config *pop3_config_current(struct pop3_module *mod,
    struct gd_module_ctx *ctx);

/* pop3-session.c */
void pop3_event(struct gd_conn *conn, enum gd_conn_event ev);
void pop3_ok(struct pop3_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pop3_err(struct pop3_session *s, enum pop3_code code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pop3_error(struct pop3_session *s, const struct pop3_error *err);
void pop3_refusal(struct pop3_session *s, enum pop3_refusal why);
void pop3_close(struct pop3_session *s, const char *reason);
void pop3_busy(struct pop3_session *s, bool busy);
unsigned pop3_capa_now(const struct pop3_session *s);
void pop3_cmd_capa(struct pop3_session *s);
void pop3_cmd_stls(struct pop3_session *s);
void pop3_set(char **field, const char *value);

/* pop3-auth.c */
void pop3_cmd_user(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmd_pass(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmd_apop(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmd_auth(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_auth_line(struct pop3_session *s, const char *line, size_t len);
void pop3_auth_reset(struct pop3_session *s);
size_t pop3_auth_mechs(struct pop3_session *s, char *buf, size_t cap);

/* pop3-drop.c */
void pop3_drop_prepare(struct pop3_session *s, const char *user,
    const struct gd_realm_user *info);
void pop3_drop_discard(struct pop3_session *s);
void pop3_drop_open(struct pop3_session *s);
void pop3_drop_update(struct pop3_session *s);
void pop3_drop_release(struct pop3_session *s);
uint32_t pop3_drop_live(const struct pop3_drop *d, uint64_t *octets_r);

/* pop3-list.c */
void pop3_cmd_stat(struct pop3_session *s);
void pop3_cmd_list(struct pop3_session *s, const struct pop3_cmd *cmd,
    bool uidl);
void pop3_cmd_dele(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_cmd_rset(struct pop3_session *s);
struct pop3_msg *pop3_msg_get(struct pop3_session *s, uint32_t n);

/* pop3-retr.c */
void pop3_cmd_retr(struct pop3_session *s, const struct pop3_cmd *cmd);
void pop3_produce(struct pop3_session *s);
void pop3_retr_stop(struct pop3_session *s);

#endif
