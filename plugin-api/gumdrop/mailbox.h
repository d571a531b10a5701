/*
 * gumdrop/mailbox.h — the mailbox API: how protocols and tools reach mail
 * storage, whatever the backend.
 *
 * THREE TIERS.
 *   backend  A storage module (maildir, mbox, ...) publishes a versioned
 *            service named "mail-storage.NAME"; a consumer finds it by the
 *            name its configuration gives (gd_mail_backend_find).
 *   store    One user's whole mail hierarchy, opened per session after
 *            authentication: list, create, delete, rename, subscriptions,
 *            status, quota, append.
 *   mailbox  One open folder, seen through a VIEW: sequence numbers, UIDs,
 *            flags, sizes and dates of its messages, which change only
 *            when the session syncs or acts (so IMAP's message numbers
 *            stay put between the points RFC 9051 allows); content as a
 *            stream of bounded chunks; flags, expunge, copy/move, search.
 *
 * NAMES are UTF-8 with "/" as the hierarchy delimiter ("Lists/gumdrop").
 * "INBOX" is case-insensitive and always exists.  Backends map names to
 * files with the seed's codec (mailbox-impl.h).  Parents of a mailbox
 * need not exist: they are listed as \Noselect placeholders.
 *
 * THREADS AND BLOCKING.  Each function says where it may run:
 *   LOOP      memory only: any thread, worker loops included.
 *   FILE      opens or reads one file, or writes one temporary file
 *             without syncing it: allowed on a worker loop (page-cache
 *             speed), also anywhere else.
 *   BLOCKING  touches the disk in ways that may take long (directory
 *             scans, fsync, rewrites, searches, locks held by others):
 *             never on a worker loop.  Run it in the blocking pool with
 *             gd_work_submit() (loop.h) and take the result back on your
 *             loop in the `done` callback.  These functions assert that
 *             they do not run on a worker loop.  The main thread and
 *             other threads (gumdropctl, tests) call them directly.
 * A store and its mailboxes are used by one thread at a time: a session
 * that submitted a job touching its store must not use the store or its
 * mailboxes until the job's `done` ran.  Different stores (even of the
 * same user, in this process or another) may be used at the same time
 * from different threads: they coordinate through the files and locks,
 * never through shared memory.
 *
 * ERRORS.  A function that fails returns -1 (or NULL) and fills the
 * struct gd_mail_error the caller supplies (NULL is allowed: the detail is
 * then lost).  The code tells the protocol which reply to give; the text
 * is one line for the log and, for some codes, for the client.
 *
 * OWNERSHIP.  Strings passed in are copied when kept.  Pointers returned
 * (names, metadata, keyword names) stay valid until the next call that
 * changes the object they came from (a sync, an expunge, a flag change,
 * close), unless stated otherwise.
 */
#ifndef GUMDROP_MAILBOX_H
#define GUMDROP_MAILBOX_H

#include <sys/types.h>

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_loop;
struct gd_msg_limits;
struct gd_search_key;
struct gd_mail_backend;
struct gd_mail_store;
struct gd_mailbox;
struct gd_mail_append;
struct gd_mail_content;
struct gd_mail_lock;

/* The hierarchy delimiter of mailbox names. */
#define GD_MAIL_DELIM		'/'
#define GD_MAIL_DELIM_STR	"/"
/* Keywords a mailbox can hold (backends may allow fewer). */
#define GD_MAIL_MAX_KEYWORDS	64
/* Longest mailbox name, in bytes of UTF-8. */
#define GD_MAIL_NAME_MAX	512

/* ---- errors ---------------------------------------------------------- */

enum gd_mail_errcode {
	GD_MAIL_ERR_NONE = 0,
	/* Try again later: I/O error, disk full, lock timeout, a corrupt
	 * file being rebuilt.  (IMAP [UNAVAILABLE], POP3 [SYS/TEMP],
	 * SMTP 451 4.3.0 / 452 4.3.1 for a full disk.) */
	GD_MAIL_ERR_TEMP,
	/* No such mailbox ([NONEXISTENT], [TRYCREATE] for APPEND/COPY). */
	GD_MAIL_ERR_NOTFOUND,
	/* The mailbox exists already ([ALREADYEXISTS]). */
	GD_MAIL_ERR_EXISTS,
	/* The name is not valid for this store ([CANNOT]). */
	GD_MAIL_ERR_BADNAME,
	/* Not allowed: deleting INBOX, writing a read-only mailbox, deleting
	 * a placeholder that still has children ([CANNOT], [NOPERM]). */
	GD_MAIL_ERR_NOPERM,
	/* Storage or message-count quota exceeded ([OVERQUOTA]). */
	GD_MAIL_ERR_OVERQUOTA,
	/* The message was expunged by another session ([EXPUNGEISSUED]). */
	GD_MAIL_ERR_EXPUNGED,
	/* Held by another session (POP3 [IN-USE]). */
	GD_MAIL_ERR_INUSE,
	/* A configured limit: message size, keywords per mailbox, name
	 * length ([LIMIT], [TOOBIG]). */
	GD_MAIL_ERR_LIMIT,
	/* This backend cannot do that ([CANNOT]). */
	GD_MAIL_ERR_NOTSUPP,
	/* The store or mailbox data is damaged beyond automatic repair
	 * ([CORRUPTION]); the operator must look. */
	GD_MAIL_ERR_CORRUPT,
};

struct gd_mail_error {
	enum gd_mail_errcode code;
	char text[240];		/* one line, NUL-terminated */
};

/* A short name for a code ("temp", "notfound", ...), for logs. */
GD_API const char *gd_mail_errcode_name(enum gd_mail_errcode code);

/* Clear `err` (code NONE, empty text).  NULL is a no-op.  LOOP. */
GD_API void gd_mail_error_clear(struct gd_mail_error *err);

/* ---- users and backends --------------------------------------------- */

/*
 * Who owns a store.  Usually filled from the realm's answer (realm.h)
 * after authentication.
 */
struct gd_mail_user {
	const char *name;	/* login name: "demo", "alice@example.com" */
	/* The user's mail root from the realm, overriding the backend's
	 * `path` template; NULL for the template. */
	const char *location;
	/* Quota limits from the realm; 0 means the backend's configured
	 * default, UINT64_MAX means unlimited. */
	uint64_t quota_storage;		/* bytes */
	uint64_t quota_messages;
};

/*
 * The backend published by the loaded module providing service
 * "mail-storage.NAME" (NAME is e.g. "maildir").  Returns NULL with *err
 * (NOTSUPP) when no loaded module provides it at a compatible version.
 * Valid until the modules are unloaded.  LOOP.
 */
GD_API const struct gd_mail_backend *gd_mail_backend_find(const char *name,
    struct gd_mail_error *err);

/* The backend's name ("maildir").  LOOP. */
GD_API const char *gd_mail_backend_name(const struct gd_mail_backend *b);

/* ---- stores ----------------------------------------------------------- */

enum gd_mail_store_flag {
	/*
	 * Create the user's hierarchy when it does not exist yet, with the
	 * special-use folders the configuration names (first login, first
	 * delivery).  Without it a missing store is GD_MAIL_ERR_NOTFOUND.
	 */
	GD_MAIL_STORE_CREATE = 1 << 0,
};

/*
 * Open `user`'s store.  The user name must be a safe path component
 * (no "/", no leading ".", no control characters): otherwise BADNAME.
 * BLOCKING.
 */
GD_API int gd_mail_store_open(const struct gd_mail_backend *backend,
    const struct gd_mail_user *user, unsigned flags,
    struct gd_mail_store **store_r, struct gd_mail_error *err);

/*
 * Close the store and set *store to NULL.  Every mailbox, append and lock
 * of the store must have been closed first (asserted).  NULL is a no-op.
 * BLOCKING.
 */
GD_API void gd_mail_store_close(struct gd_mail_store **store);

/* The user (a copy owned by the store).  LOOP. */
GD_API const struct gd_mail_user *gd_mail_store_user(
    const struct gd_mail_store *store);

/* The backend of the store.  LOOP. */
GD_API const struct gd_mail_backend *gd_mail_store_backend(
    const struct gd_mail_store *store);

/*
 * The message-parser bounds configured for this store's backend: pass
 * them to gd_msg_parser_create() when parsing its messages.  LOOP.
 */
GD_API const struct gd_msg_limits *gd_mail_store_msg_limits(
    const struct gd_mail_store *store);

/* Largest message the store accepts (IMAP APPENDLIMIT), in bytes; 0 for
 * no limit.  LOOP. */
GD_API uint64_t gd_mail_store_max_message_size(
    const struct gd_mail_store *store);

/* ---- listing ----------------------------------------------------------- */

/* struct gd_mail_list_entry.attrs */
enum gd_mail_list_attr {
	GD_MAIL_LIST_NOSELECT = 1 << 0,		/* placeholder parent */
	GD_MAIL_LIST_NONEXISTENT = 1 << 1,	/* subscribed, not there */
	GD_MAIL_LIST_HASCHILDREN = 1 << 2,
	GD_MAIL_LIST_HASNOCHILDREN = 1 << 3,
	GD_MAIL_LIST_NOINFERIORS = 1 << 4,
	GD_MAIL_LIST_SUBSCRIBED = 1 << 5,
	/* RFC 6154 special use. */
	GD_MAIL_LIST_SENT = 1 << 8,
	GD_MAIL_LIST_DRAFTS = 1 << 9,
	GD_MAIL_LIST_TRASH = 1 << 10,
	GD_MAIL_LIST_JUNK = 1 << 11,
	GD_MAIL_LIST_ARCHIVE = 1 << 12,
	GD_MAIL_LIST_ALL = 1 << 13,
	GD_MAIL_LIST_FLAGGED = 1 << 14,
};
#define GD_MAIL_LIST_SPECIAL_USE_MASK	(0x7fu << 8)

/* The attribute bit for a special-use name ("\\Sent" or "sent", any
 * case), or 0.  And back: "\\Sent" for GD_MAIL_LIST_SENT.  LOOP. */
GD_API unsigned gd_mail_special_use_parse(const char *name);
GD_API const char *gd_mail_special_use_name(unsigned attr);

struct gd_mail_list_entry {
	const char *name;	/* UTF-8, "/"-delimited; "INBOX" for INBOX */
	unsigned attrs;		/* enum gd_mail_list_attr */
};

/*
 * Called once per matching mailbox, in name order (INBOX first).  The
 * entry is valid during the call.  Return 0 to go on, -1 to stop (the
 * list call then returns 0).
 */
typedef int gd_mail_list_fn(void *arg, const struct gd_mail_list_entry *e);

enum gd_mail_list_flag {
	/* Only subscribed names (existing or not: NONEXISTENT marks gone
	 * ones), as LSUB and LIST (SUBSCRIBED) need. */
	GD_MAIL_LIST_ONLY_SUBSCRIBED = 1 << 0,
	/* Only mailboxes with a special-use attribute. */
	GD_MAIL_LIST_ONLY_SPECIAL_USE = 1 << 1,
};

/*
 * List the mailboxes whose names match any of `patterns` (a NULL-
 * terminated array of IMAP LIST patterns, already combined with the
 * reference; NULL means "*").  Placeholders (parents that are not
 * mailboxes) are listed with NOSELECT when they match.  Every entry has
 * HASCHILDREN or HASNOCHILDREN, SUBSCRIBED when subscribed, and its
 * special-use bits.  BLOCKING.
 */
GD_API int gd_mail_store_list(struct gd_mail_store *store,
    const char *const *patterns, unsigned flags, gd_mail_list_fn *fn,
    void *arg, struct gd_mail_error *err);

/*
 * IMAP LIST pattern matching: "*" matches anything, "%" anything but the
 * delimiter; "INBOX" (and "INBOX/...") compare case-insensitively in the
 * first component.  LOOP.
 */
GD_API bool gd_mail_pattern_match(const char *pattern, const char *name);

/*
 * Check a mailbox name: valid UTF-8 (RFC 9051 5.1), at most
 * GD_MAIL_NAME_MAX bytes, no empty component (leading, trailing or double
 * "/"), no control characters, and no "*" or "%".  0, or -1 with *err
 * (BADNAME).  LOOP.
 */
GD_API int gd_mail_name_check(const char *name, struct gd_mail_error *err);

/* True if `name` is INBOX (any case).  LOOP. */
GD_API bool gd_mail_name_is_inbox(const char *name);

/* ---- managing mailboxes ------------------------------------------------ */

/*
 * Create mailbox `name` (parents are not created: they show as NOSELECT
 * placeholders).  `special_use` is 0 or one GD_MAIL_LIST_* special-use
 * bit to record for it (RFC 6154 CREATE-SPECIAL-USE).  EXISTS when it is
 * there already (INBOX always is).  BLOCKING.
 */
GD_API int gd_mail_store_create(struct gd_mail_store *store,
    const char *name, unsigned special_use, struct gd_mail_error *err);

/* A folder to create with its special-use attribute (the store
 * configuration's list of first-login folders, gd_mail_store_create_
 * special()). */
struct gd_mail_special_folder {
	const char *name;	/* mailbox name, e.g. "Sent" */
	unsigned attr;		/* one GD_MAIL_LIST_* special-use bit */
};

/*
 * Create those of the `n` folders that do not exist yet, each with its
 * `attr` recorded as gd_mail_store_create() records it; a name that
 * exists is left as it is.  All share one directory sync and one save
 * of the special-use record (a login that makes five folders pays two
 * syncs, not fifteen).  The number created, or -1 with *err (the ones
 * made before the error stay).  BLOCKING.  (ABI 1.7)
 */
GD_API int gd_mail_store_create_special(struct gd_mail_store *store,
    const struct gd_mail_special_folder *folders, size_t n,
    struct gd_mail_error *err);

/*
 * Delete mailbox `name` and its messages.  Its children stay (it becomes
 * a NOSELECT placeholder while they exist).  INBOX: NOPERM.  A
 * placeholder with children: NOPERM.  BLOCKING.
 */
GD_API int gd_mail_store_delete(struct gd_mail_store *store,
    const char *name, struct gd_mail_error *err);

/*
 * Rename `from` to `to`; its children move with it.  Renaming INBOX
 * moves its messages into the new mailbox and leaves INBOX empty (RFC
 * 9051 6.3.6); INBOX's children do not move.  EXISTS if `to` exists;
 * NOTFOUND if `from` does not.  Subscriptions are not changed (RFC 9051).
 * BLOCKING.
 */
GD_API int gd_mail_store_rename(struct gd_mail_store *store,
    const char *from, const char *to, struct gd_mail_error *err);

/* Add or remove `name` from the subscriptions (it need not exist).
 * BLOCKING. */
GD_API int gd_mail_store_subscribe(struct gd_mail_store *store,
    const char *name, bool subscribe, struct gd_mail_error *err);

/* ---- status and quota -------------------------------------------------- */

enum gd_mail_status_item {
	GD_MAIL_STATUS_MESSAGES = 1 << 0,
	GD_MAIL_STATUS_RECENT = 1 << 1,
	GD_MAIL_STATUS_UIDNEXT = 1 << 2,
	GD_MAIL_STATUS_UIDVALIDITY = 1 << 3,
	GD_MAIL_STATUS_UNSEEN = 1 << 4,
	GD_MAIL_STATUS_DELETED = 1 << 5,
	GD_MAIL_STATUS_SIZE = 1 << 6,		/* sum of RFC822.SIZE */
	GD_MAIL_STATUS_HIGHESTMODSEQ = 1 << 7,
};

struct gd_mail_status {
	uint32_t messages;
	uint32_t recent;
	uint32_t uidnext;
	uint32_t uidvalidity;
	uint32_t unseen;
	uint32_t deleted;
	uint64_t size;
	uint64_t highestmodseq;
};

/*
 * The status of mailbox `name` (not necessarily open) for the requested
 * `items` (other fields are left 0).  Current as of the call (it syncs
 * with the files).  BLOCKING.
 */
GD_API int gd_mail_store_status(struct gd_mail_store *store,
    const char *name, unsigned items, struct gd_mail_status *status,
    struct gd_mail_error *err);

struct gd_mail_quota {
	uint64_t storage_used;		/* bytes */
	uint64_t storage_limit;		/* 0: unlimited */
	uint64_t messages_used;
	uint64_t messages_limit;	/* 0: unlimited */
};

/* The user's usage over the whole store, and the limits.  BLOCKING. */
GD_API int gd_mail_store_quota(struct gd_mail_store *store,
    struct gd_mail_quota *quota, struct gd_mail_error *err);

/*
 * The quota of `user` in `backend` without creating anything (a check
 * before delivery): like gd_mail_store_quota() on the store opened
 * without GD_MAIL_STORE_CREATE, and for a user whose store does not
 * exist yet, usage 0 and the limits the store will get (the user's,
 * else the backend's defaults).  When no limit applies (neither the
 * user's nor the backend's), the usage is not measured and reads 0:
 * the store is not even opened.  *permanent_r: the backend's
 * `over-quota: permanent` (false when unknown).  0, or -1 with *err.
 * BLOCKING.  (ABI 1.3)
 */
GD_API int gd_mail_user_quota(const struct gd_mail_backend *backend,
    const struct gd_mail_user *user, struct gd_mail_quota *quota_r,
    bool *permanent_r, struct gd_mail_error *err);

/* ---- session locks ------------------------------------------------------ */

/*
 * Take the store-wide lock called `name` (e.g. "pop3") without waiting:
 * at most one holder at a time across threads and processes, while
 * everything else (IMAP, delivery) keeps working.  INUSE when held
 * elsewhere.  The lock is released by gd_mail_lock_release() or when the
 * holder's process dies.  BLOCKING (it may create the lock file).
 */
GD_API int gd_mail_store_lock(struct gd_mail_store *store, const char *name,
    struct gd_mail_lock **lock_r, struct gd_mail_error *err);

/* Release and set *lock to NULL.  NULL is a no-op.  FILE. */
GD_API void gd_mail_lock_release(struct gd_mail_lock **lock);

/* ---- appending ----------------------------------------------------------- */

/* Message flags (struct gd_mail_msg.flags). */
enum gd_mail_flag {
	GD_MAIL_SEEN = 1 << 0,
	GD_MAIL_ANSWERED = 1 << 1,
	GD_MAIL_FLAGGED = 1 << 2,
	GD_MAIL_DELETED = 1 << 3,
	GD_MAIL_DRAFT = 1 << 4,
	/* Session flag: this view is the first to see the message (IMAP4rev1
	 * \Recent).  Never stored; ignored when setting flags. */
	GD_MAIL_RECENT = 1 << 5,
	/* View state: expunged by someone else, kept in the view until a
	 * sync without GD_MAIL_SYNC_NO_EXPUNGE (content is gone). */
	GD_MAIL_EXPUNGED = 1 << 16,
};
#define GD_MAIL_SYSTEM_FLAGS	0x1fu	/* the five storable flags */

struct gd_mail_append_info {
	uint32_t flags;			/* GD_MAIL_SYSTEM_FLAGS bits */
	const char *const *keywords;	/* NULL-terminated, or NULL */
	int64_t internal_date;		/* seconds since the epoch; 0: now */
	/* Expected size if known (0: unknown): checked against the quota
	 * and the size limit at start. */
	uint64_t size_hint;
	/* The envelope sender, for backends that record it (mbox "From "
	 * lines); NULL or "" when unknown or null. */
	const char *sender;
};

/*
 * Start appending a message to mailbox `name`: the content is written
 * with gd_mail_append_write() and becomes visible, whole and durable,
 * only in gd_mail_append_end() (a crash or an abort before leaves
 * nothing visible).  NOTFOUND when the mailbox does not exist,
 * OVERQUOTA/LIMIT when `size_hint` is already too large.  BLOCKING.
 */
GD_API int gd_mail_append_start(struct gd_mail_store *store,
    const char *name, const struct gd_mail_append_info *info,
    struct gd_mail_append **append_r, struct gd_mail_error *err);

/*
 * Write the next bytes of the message, exactly as they should be stored
 * and served (the backend stores them as received).  LIMIT once the
 * store's maximum message size is passed; TEMP on a full disk.  After a
 * failure only gd_mail_append_abort() may follow.  FILE.
 */
GD_API int gd_mail_append_write(struct gd_mail_append *append,
    const void *data, size_t len, struct gd_mail_error *err);

/*
 * Make the message durable (fsync as configured) and visible, assign its
 * UID, and free the append (also on failure).  *uidvalidity_r and *uid_r
 * (both may be NULL) get the mailbox's UIDVALIDITY and the new UID, for
 * UIDPLUS.  OVERQUOTA when the final size does not fit.  BLOCKING.
 */
GD_API int gd_mail_append_end(struct gd_mail_append **append,
    uint32_t *uidvalidity_r, uint32_t *uid_r, struct gd_mail_error *err);

/* Drop the append and set *append to NULL.  NULL is a no-op.  FILE. */
GD_API void gd_mail_append_abort(struct gd_mail_append **append);

/* ---- mailboxes ---------------------------------------------------------- */

enum gd_mailbox_flag {
	/* EXAMINE: no flag changes, no expunge, no \Recent claimed. */
	GD_MAILBOX_READONLY = 1 << 0,
};

/*
 * Open mailbox `name` and fill its view (the first sync: new messages
 * are moved to cur/ and claimed as \Recent unless READONLY).  NOTFOUND if
 * it does not exist, NOPERM for a NOSELECT placeholder.  BLOCKING.
 */
GD_API int gd_mailbox_open(struct gd_mail_store *store, const char *name,
    unsigned flags, struct gd_mailbox **box_r, struct gd_mail_error *err);

/*
 * Close the mailbox (writing what the backend still holds) and set *box
 * to NULL.  Change notification must have been stopped (asserted).  NULL
 * is a no-op.  BLOCKING.
 */
GD_API void gd_mailbox_close(struct gd_mailbox **box);

/* The mailbox's name as opened (canonical: "INBOX" for any case). LOOP. */
GD_API const char *gd_mailbox_name(const struct gd_mailbox *box);
GD_API struct gd_mail_store *gd_mailbox_store(const struct gd_mailbox *box);
GD_API bool gd_mailbox_is_readonly(const struct gd_mailbox *box);

/* View-wide values.  LOOP. */
GD_API uint32_t gd_mailbox_count(const struct gd_mailbox *box);
GD_API uint32_t gd_mailbox_recent(const struct gd_mailbox *box);
GD_API uint32_t gd_mailbox_uidvalidity(const struct gd_mailbox *box);
GD_API uint32_t gd_mailbox_uidnext(const struct gd_mailbox *box);
GD_API uint64_t gd_mailbox_highestmodseq(const struct gd_mailbox *box);
/* Sequence number of the first message without \Seen, or 0.  LOOP. */
GD_API uint32_t gd_mailbox_first_unseen(const struct gd_mailbox *box);

/*
 * Per-message metadata, read without touching the content.
 * internal_date may be GD_MAIL_DATE_UNKNOWN: a backend may read it only
 * when asked (Maildir keeps it in the file's mtime, and a stat of every
 * file would double the cost of opening a big mailbox the first time).
 * Read it with gd_mailbox_internal_date().  (ABI 1.8)
 */
#define GD_MAIL_DATE_UNKNOWN	INT64_MIN
struct gd_mail_msg {
	uint32_t uid;
	uint32_t flags;		/* enum gd_mail_flag */
	uint64_t keywords;	/* bit i: keyword i of the mailbox */
	uint64_t modseq;	/* > 0 */
	uint64_t size;		/* RFC822.SIZE: octets as served */
	int64_t internal_date;	/* seconds since the epoch, or
				 * GD_MAIL_DATE_UNKNOWN: not read yet */
	uintptr_t backend;	/* the backend's own (do not touch) */
};

/*
 * Message `seq` (1..count) of the view, or NULL when out of range.  The
 * pointer is valid until the next sync, flag change, expunge or close.
 * LOOP.
 */
GD_API const struct gd_mail_msg *gd_mailbox_msg(const struct gd_mailbox *box,
    uint32_t seq);

/*
 * The internal date of message `seq` (1..count), in seconds since the
 * epoch: the view's value, or, when that is GD_MAIL_DATE_UNKNOWN, the
 * backend reads it (Maildir: one stat) and keeps it in the view; when
 * it cannot (the file vanished), its best guess (Maildir: the time in
 * the file name).  0 for a `seq` out of range.  FILE.  (ABI 1.8)
 */
GD_API int64_t gd_mailbox_internal_date(struct gd_mailbox *box,
    uint32_t seq);

/* The sequence number of `uid` in the view, or 0.  O(log n).  LOOP. */
GD_API uint32_t gd_mailbox_seq_of_uid(const struct gd_mailbox *box,
    uint32_t uid);

/*
 * The sequence numbers whose UIDs lie in [uid_first, uid_last]: stores
 * the first and last in *first_r / *last_r and returns true, or returns
 * false when none does.  O(log n).  LOOP.
 */
GD_API bool gd_mailbox_uid_range(const struct gd_mailbox *box,
    uint32_t uid_first, uint32_t uid_last, uint32_t *first_r,
    uint32_t *last_r);

/*
 * Keywords known to the mailbox (bit i of gd_mail_msg.keywords is keyword
 * i).  gd_mailbox_keyword_index() returns the index of `name` (compared
 * case-insensitively, RFC 9051 2.3.2) or -1.  LOOP.
 */
GD_API unsigned gd_mailbox_keyword_count(const struct gd_mailbox *box);
GD_API const char *gd_mailbox_keyword(const struct gd_mailbox *box,
    unsigned index);
GD_API int gd_mailbox_keyword_index(const struct gd_mailbox *box,
    const char *name);
/* True while new keywords can still be created (PERMANENTFLAGS \*). */
GD_API bool gd_mailbox_keywords_can_grow(const struct gd_mailbox *box);

/* ---- synchronising the view --------------------------------------------- */

/* A sequence-number (or UID) range, inclusive: first <= last. */
struct gd_mail_range {
	uint32_t first;
	uint32_t last;
};

/*
 * A message left the view: `seq` is its sequence number at the moment of
 * the call (messages reported before it are already gone), so that IMAP
 * can write "* seq EXPUNGE" in the same order.
 */
typedef void gd_mail_expunged_fn(void *arg, uint32_t seq, uint32_t uid);
/* Message `seq` changed (flags, keywords or modseq). */
typedef void gd_mail_seq_fn(void *arg, uint32_t seq);

struct gd_mail_sync_callbacks {
	gd_mail_expunged_fn *expunged;	/* may be NULL */
	gd_mail_seq_fn *changed;	/* may be NULL */
	/* New keywords appeared (IMAP: send FLAGS again).  May be NULL. */
	void (*keywords)(void *arg);
};

enum gd_mail_sync_flag {
	/*
	 * Keep messages that others expunged in the view, flagged
	 * GD_MAIL_EXPUNGED, so that sequence numbers do not move (IMAP
	 * during FETCH, STORE, SEARCH); a later sync without this flag
	 * reports and removes them.
	 */
	GD_MAIL_SYNC_NO_EXPUNGE = 1 << 0,
};

/*
 * Bring the view up to date with the files: report expunges and changes
 * through `cb` (ascending), then append new messages (compare
 * gd_mailbox_count() before and after; new ones have higher UIDs).
 * BLOCKING.
 */
GD_API int gd_mailbox_sync(struct gd_mailbox *box, unsigned flags,
    const struct gd_mail_sync_callbacks *cb, void *arg,
    struct gd_mail_error *err);

/*
 * Change notification: `fn(arg)` runs on `loop` soon after the mailbox's
 * files may have changed, by another session on any worker, by delivery,
 * or by another program (coalesced; it may be spurious).  The session
 * then syncs (in the blocking pool) to learn what changed.  Call on
 * `loop`'s thread, while no job uses the mailbox; stop it on the same
 * thread before closing the mailbox.  At most one per mailbox.
 */
typedef void gd_mailbox_notify_fn(void *arg);
GD_API int gd_mailbox_notify_start(struct gd_mailbox *box,
    struct gd_loop *loop, gd_mailbox_notify_fn *fn, void *arg,
    struct gd_mail_error *err);
GD_API void gd_mailbox_notify_stop(struct gd_mailbox *box);

/* ---- changing messages ---------------------------------------------------- */

enum gd_mail_flag_op {
	GD_MAIL_FLAGS_REPLACE = 0,	/* STORE FLAGS */
	GD_MAIL_FLAGS_ADD,		/* STORE +FLAGS */
	GD_MAIL_FLAGS_REMOVE,		/* STORE -FLAGS */
};

struct gd_mail_flag_change {
	enum gd_mail_flag_op op;
	uint32_t flags;			/* GD_MAIL_SYSTEM_FLAGS bits */
	const char *const *keywords;	/* NULL-terminated names, or NULL */
	/* CONDSTORE UNCHANGEDSINCE: messages whose modseq is greater are
	 * not changed and are reported to `failed`.  0: no condition. */
	uint64_t unchanged_since;
};

/*
 * Change the flags and keywords of the messages whose sequence numbers
 * lie in `ranges` (numbers beyond the view are ignored).  New keywords
 * are created (LIMIT when the mailbox cannot hold more).  `changed` is
 * called for every message whose flags or keywords really changed (it
 * got a new modseq), `failed` for each refused by UNCHANGEDSINCE; both
 * may be NULL.  NOPERM on a read-only mailbox.  BLOCKING.
 */
GD_API int gd_mailbox_set_flags(struct gd_mailbox *box,
    const struct gd_mail_range *ranges, size_t nranges,
    const struct gd_mail_flag_change *change, gd_mail_seq_fn *changed,
    gd_mail_seq_fn *failed, void *arg, struct gd_mail_error *err);

enum gd_mail_expunge_mode {
	GD_MAIL_EXPUNGE_DELETED = 0,	/* every \Deleted message */
	GD_MAIL_EXPUNGE_DELETED_IN,	/* \Deleted ones in the ranges */
	GD_MAIL_EXPUNGE_RANGES,		/* the ranges, whatever their flags
					 * (POP3's UPDATE state) */
};

/*
 * Remove messages for good (durably: a crash afterwards does not bring
 * them back, a crash during leaves each message either there or gone).
 * `ranges` are sequence numbers (NULL for GD_MAIL_EXPUNGE_DELETED).
 * `expunged` (may be NULL) is told each one, as in sync.  NOPERM on a
 * read-only mailbox.  BLOCKING.
 */
GD_API int gd_mailbox_expunge(struct gd_mailbox *box,
    enum gd_mail_expunge_mode mode, const struct gd_mail_range *ranges,
    size_t nranges, gd_mail_expunged_fn *expunged, void *arg,
    struct gd_mail_error *err);

/* One message copied: its UID here and its new UID in the target. */
typedef void gd_mail_copied_fn(void *arg, uint32_t src_uid,
    uint32_t dst_uid);

/*
 * Copy (or, with `move`, move) the messages in `ranges` (sequence numbers)
 * to mailbox `to` of the same store (which may be this one), in UID
 * order, with their flags and keywords (\Recent excepted) and internal
 * dates.  All or nothing: on failure no copy is left visible.  `copied`
 * (may be NULL) is told each pair; *uidvalidity_r (may be NULL) gets the
 * target's UIDVALIDITY (COPYUID).  With `move` the originals are then
 * expunged and reported to `expunged` as by gd_mailbox_expunge().
 * NOTFOUND if `to` does not exist (IMAP adds [TRYCREATE]), OVERQUOTA.
 * BLOCKING.
 */
GD_API int gd_mailbox_copy(struct gd_mailbox *box,
    const struct gd_mail_range *ranges, size_t nranges, const char *to,
    bool move, gd_mail_copied_fn *copied, gd_mail_expunged_fn *expunged,
    void *arg, uint32_t *uidvalidity_r, struct gd_mail_error *err);

/* ---- content ----------------------------------------------------------- */

/*
 * Open message `seq`'s content for reading: the exact octets the
 * protocols serve (RFC822.SIZE of them).  Messages are served as they
 * were received; files written by other software with bare-LF line ends
 * are served with CRLF.  EXPUNGED when the message is gone.  FILE.
 */
GD_API int gd_mailbox_content_open(struct gd_mailbox *box, uint32_t seq,
    struct gd_mail_content **content_r, struct gd_mail_error *err);

/* Total octets of the content (equal to the message's size).  LOOP. */
GD_API uint64_t gd_mail_content_size(const struct gd_mail_content *c);

/*
 * Read up to `len` bytes from the current position; returns the count,
 * 0 at the end, -1 on error (TEMP, or EXPUNGED when the file vanished
 * under an mbox rewrite).  FILE.
 */
GD_API ssize_t gd_mail_content_read(struct gd_mail_content *c, void *buf,
    size_t len, struct gd_mail_error *err);

/* Move the position to `offset` (<= size).  FILE. */
GD_API int gd_mail_content_seek(struct gd_mail_content *c, uint64_t offset,
    struct gd_mail_error *err);

/* Close and set *c to NULL.  NULL is a no-op.  FILE. */
GD_API void gd_mail_content_close(struct gd_mail_content **c);

/*
 * POP3 TOP as a filter over the content stream: feed it the content in
 * order; each call says how many of the bytes offered belong to "the
 * header, the empty line, and the first `lines` lines of the body", and
 * sets *done_r once no later byte will.  Pure; LOOP.
 */
struct gd_mail_top {
	uint64_t lines_left;
	unsigned state;
};
GD_API void gd_mail_top_init(struct gd_mail_top *top, uint64_t lines);
GD_API size_t gd_mail_top_take(struct gd_mail_top *top, const void *data,
    size_t len, bool *done_r);

/* ---- message caches ------------------------------------------------------ */

/*
 * A process-wide memo of something derived from messages' content (the
 * search's header fields, IMAP's rendered ENVELOPE and BODYSTRUCTURE),
 * so that another session or worker need not read the files again.
 * Entries are by mailbox (store root, name, UIDVALIDITY) and by UID and
 * `variant` (the caller's: e.g. a rendering mode); a message's content
 * never changes under its UID, and a hit must also have the message's
 * size and internal date (a mailbox recreated with the same UIDVALIDITY
 * is not mistaken for the old one).  Bounded: at most `max_bytes` of
 * blobs plus book-keeping; when full, the mailboxes used least recently
 * are dropped whole (never the one being written).  Entries of expunged
 * messages go with their mailbox.  Thread-safe (one mutex per cache);
 * any class.
 */
struct gd_mail_cache;

struct gd_mail_cache_key {
	const char *root;	/* the store's root ("" or NULL: none) */
	const char *mailbox;
	uint32_t uidvalidity;
	uint32_t uid;
	uint32_t variant;
	uint64_t size;		/* the message's RFC822.SIZE */
	int64_t date;		/* and internal date (not compared when
				 * either is GD_MAIL_DATE_UNKNOWN) */
};

/* The key of message `m` of `box` (pointers into box: valid while it is
 * open), variant 0. */
GD_API void gd_mail_cache_key_of(const struct gd_mailbox *box,
    const struct gd_mail_msg *m, struct gd_mail_cache_key *k);

/* A new empty cache bounded to `max_bytes`. */
GD_API struct gd_mail_cache *gd_mail_cache_new(size_t max_bytes);
/* Free it and set *c to NULL; NULL is a no-op. */
GD_API void gd_mail_cache_free(struct gd_mail_cache **c);

/*
 * On a hit, call copy(arg, blob, len) under the cache's lock (copy the
 * blob out; do not call back into the cache) and return true.
 */
typedef void gd_mail_cache_copy_fn(void *arg, const void *blob,
    size_t len);
GD_API bool gd_mail_cache_get(struct gd_mail_cache *c,
    const struct gd_mail_cache_key *k, gd_mail_cache_copy_fn *copy,
    void *arg);

/*
 * Keep a copy of `blob` for `k` (replacing an entry of the same UID and
 * variant).  False when it cannot fit even alone (nothing kept).
 */
GD_API bool gd_mail_cache_put(struct gd_mail_cache *c,
    const struct gd_mail_cache_key *k, const void *blob, size_t len);

/* Drop every entry. */
GD_API void gd_mail_cache_clear(struct gd_mail_cache *c);
/* Bytes counted against the bound now. */
GD_API size_t gd_mail_cache_bytes(struct gd_mail_cache *c);

/* ---- search -------------------------------------------------------------- */

/*
 * Evaluate `key` (mail-search.h) over the view and call `match` with
 * each matching sequence number, ascending.  Messages flagged
 * GD_MAIL_EXPUNGED never match.  Keys on metadata are answered from the
 * view; header and body keys parse the messages (with the store's parser
 * bounds), decode transfer encodings and charsets, and compare case-
 * insensitively after Unicode case folding.  A search index module may
 * answer faster behind the same call.  BLOCKING.
 */
GD_API int gd_mailbox_search(struct gd_mailbox *box,
    const struct gd_search_key *key, gd_mail_seq_fn *match, void *arg,
    struct gd_mail_error *err);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_MAILBOX_H */
