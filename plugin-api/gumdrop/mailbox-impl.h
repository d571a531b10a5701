/*
 * gumdrop/mailbox-impl.h — for authors of storage backends.
 *
 * A storage module publishes one service named "mail-storage.NAME"
 * (GD_MAIL_STORAGE_SERVICE_PREFIX + its name) at version
 * GD_MAIL_STORAGE_MAJOR.GD_MAIL_STORAGE_MINOR whose table is a const
 * struct gd_mail_backend.  Consumers never call the table: they call the
 * gd_mail_* / gd_mailbox_* functions of mailbox.h, which check arguments
 * and threads, handle what every backend shares (name checks, the path
 * template, subscriptions, special-use attributes, session locks,
 * pattern matching, the generic search, quota checks for delivery) and
 * then call the backend.
 *
 *   static const struct gd_mail_backend maildir_backend = {
 *           .size = sizeof(struct gd_mail_backend),
 *           .name = "maildir",
 *           .store_open = maildir_store_open,
 *           ...
 *   };
 *   static const struct gd_service_decl maildir_services[] = {
 *           { "mail-storage.maildir", GD_MAIL_STORAGE_MAJOR,
 *             GD_MAIL_STORAGE_MINOR, &maildir_backend },
 *           { NULL, 0, 0, NULL },
 *   };
 *
 * OBJECTS.  The backend allocates its own store, mailbox, append and
 * content objects, each beginning with the base struct below (first
 * member), and fills the base with the gd_mail_*_init() helpers.  The
 * generic layer reads the base fields; the mailbox VIEW (msgs, count,
 * uidvalidity, ...) is maintained by the backend and read directly by
 * the accessors of mailbox.h.
 *
 * CALLS.  Every table function is called on the thread class documented
 * for its mailbox.h counterpart (BLOCKING ones never on a worker loop),
 * with arguments already checked: names are valid (gd_mail_name_check)
 * and canonical ("INBOX" for any case of inbox), sequence ranges clipped
 * to the view, the mailbox writable for changes.  Errors are reported
 * with gd_mail_error_set().
 *
 * DURABILITY is the backend's duty: a message reported appended or
 * delivered is on disk (file and directory synced when the store's
 * `fsync` setting is on); an expunge or flag change interrupted by a
 * crash leaves each message whole, either before or after.
 */
#ifndef GUMDROP_MAILBOX_IMPL_H
#define GUMDROP_MAILBOX_IMPL_H

#include <sys/types.h>

#include <gumdrop/common.h>
#include <gumdrop/config.h>
#include <gumdrop/mailbox.h>
#include <gumdrop/message.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_pool;
struct gd_loop;
struct gd_search_key;

#define GD_MAIL_STORAGE_SERVICE_PREFIX	"mail-storage."
#define GD_MAIL_STORAGE_MAJOR		1
#define GD_MAIL_STORAGE_MINOR		0

/* "GDMS", "GDMB", "GDMA", "GDMC" */
#define GD_MAIL_STORE_MAGIC	0x47444d53u
#define GD_MAILBOX_MAGIC	0x47444d42u
#define GD_MAIL_APPEND_MAGIC	0x47444d41u
#define GD_MAIL_CONTENT_MAGIC	0x47444d43u

/* ---- configuration shared by every backend ------------------------------ */

struct gd_mail_store_config {
	/*
	 * Per-user mail root: %u the user name, %n its local part (before
	 * "@"), %d its domain (after "@", empty if none), %% a percent.
	 */
	const char *path;
	bool fsync;			/* sync files and directories */
	uint64_t quota_storage;		/* default limits; 0: unlimited */
	uint64_t quota_messages;
	bool quota_permanent;		/* over quota refuses (not defers) */
	uint64_t max_message_size;	/* 0: unlimited */
	bool create_special_use;	/* create the folders below */
	const struct gd_mail_special_folder *special;
	unsigned special_count;
	struct gd_msg_limits limits;	/* parser bounds */
};

/*
 * The configuration keys every backend accepts: put this macro first in
 * the module's gd_config_key table, then the backend's own keys.
 *
 *   path: "/var/mail/%u"        fsync: true
 *   quota-storage: 1G           quota-messages: 100000
 *   over-quota: temporary       (or permanent)
 *   max-message-size: 64M
 *   create-special-use: true
 *   special-use: {Sent: sent, Drafts: drafts, Trash: trash, Junk: junk,
 *                 Archive: archive}
 *   parser: {max-header-size: 256K, max-header-fields: 1000,
 *            max-depth: 32, max-parts: 2000}
 */
#define GD_MAIL_STORE_CONFIG_KEYS \
	{ "path", GD_CONFIG_KEY_STRING, NULL, 0, 0, \
	    "per-user mail root; %u user, %n local part, %d domain" }, \
	{ "fsync", GD_CONFIG_KEY_BOOL, "true", 0, 0, \
	    "sync files and directories before reporting success" }, \
	{ "quota-storage", GD_CONFIG_KEY_SIZE, "0", 0, 0, \
	    "default storage quota per user (0: none)" }, \
	{ "quota-messages", GD_CONFIG_KEY_INT, "0", 0, 0, \
	    "default message-count quota per user (0: none)" }, \
	{ "over-quota", GD_CONFIG_KEY_STRING, "temporary", 0, 0, \
	    "delivery over quota: temporary (452 4.2.2) or permanent " \
	    "(552 5.2.2)" }, \
	{ "max-message-size", GD_CONFIG_KEY_SIZE, "64M", 0, 0, \
	    "largest message accepted (0: no limit)" }, \
	{ "create-special-use", GD_CONFIG_KEY_BOOL, "true", 0, 0, \
	    "create the special-use folders on first login" }, \
	{ "special-use", GD_CONFIG_KEY_MAP, "Sent, Drafts, Trash, Junk, " \
	    "Archive", 0, 0, "folder name: special use (sent, drafts, " \
	    "trash, junk, archive, all, flagged)" }, \
	{ "parser", GD_CONFIG_KEY_MAP, NULL, 0, 0, \
	    "message parser bounds: max-header-size, max-header-fields, " \
	    "max-depth, max-parts" }

/*
 * Read the shared keys from the backend's config subtree `node` (NULL:
 * all defaults; then `path` is NULL and the backend must refuse to
 * start).  Strings and arrays live in the config tree's pool.  0, or -1
 * with *error_r naming FILE:LINE.  Main thread (init, reload).
 */
GD_API int gd_mail_store_config_parse(const struct gd_config_node *node,
    struct gd_mail_store_config *config, const char **error_r);

/*
 * The user's mail root: `user->location` when set, else the `path`
 * template expanded for `user->name`; allocated in `pool`.  BADNAME when
 * the user name is not a safe path component (see gd_mail_store_open).
 * LOOP.
 */
GD_API char *gd_mail_store_root(const struct gd_mail_store_config *config,
    const struct gd_mail_user *user, struct gd_pool *pool,
    struct gd_mail_error *err);

/* ---- errors -------------------------------------------------------------- */

/* Fill `err` (NULL: no-op) with `code` and the formatted text. */
GD_API void gd_mail_error_set(struct gd_mail_error *err,
    enum gd_mail_errcode code, const char *fmt, ...) GD_PRINTF(3, 4);

/*
 * Like gd_mail_error_set() after a failed system call: appends
 * ": <strerror(errno)>", and chooses TEMP, or NOTFOUND for ENOENT, NOPERM
 * for EACCES/EPERM/EROFS, OVERQUOTA for EDQUOT.  errno is preserved.
 */
GD_API void gd_mail_error_errno(struct gd_mail_error *err, const char *fmt,
    ...) GD_PRINTF(2, 3);

/* ---- base objects --------------------------------------------------------- */

struct gd_mail_store {
	uint32_t magic;			/* GD_MAIL_STORE_MAGIC */
	const struct gd_mail_backend *backend;
	struct gd_pool *pool;		/* store lifetime */
	struct gd_mail_user user;	/* copied into pool */
	const struct gd_mail_store_config *config;
	const char *root;		/* the user's mail root */
	/* Where the generic layer keeps its files: "gumdrop-subscriptions",
	 * "gumdrop-special-use" and "gumdrop-lock.NAME".  Backend sets it
	 * (normally the root). */
	const char *control_dir;
	/* Set by store_open when it created the hierarchy just now: the
	 * generic layer then creates the special-use folders. */
	bool created;
	/* True while the generic layer creates a new store's special-use
	 * folders: create() may then leave out its sync of the root
	 * directory, as the generic layer syncs root and control_dir once
	 * when all are made (ABI 1.7; it fills padding, the layout is
	 * unchanged). */
	bool defer_sync;
	unsigned open_objects;		/* mailboxes, appends, locks */
	void *reserved[4];
};

struct gd_mailbox {
	uint32_t magic;			/* GD_MAILBOX_MAGIC */
	struct gd_mail_store *store;
	const char *name;		/* canonical, in the mailbox's memory */
	unsigned flags;			/* enum gd_mailbox_flag */

	/* The view: msgs[0..count-1] in ascending UID order. */
	struct gd_mail_msg *msgs;
	uint32_t count;
	uint32_t recent;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;

	/* Keywords: bit i of gd_mail_msg.keywords is keywords[i]. */
	const char *keywords[GD_MAIL_MAX_KEYWORDS];
	unsigned keyword_count;
	unsigned keyword_max;		/* <= GD_MAIL_MAX_KEYWORDS */

	bool notifying;			/* between notify start and stop */
	void *reserved[4];
};

struct gd_mail_append {
	uint32_t magic;			/* GD_MAIL_APPEND_MAGIC */
	struct gd_mail_store *store;
	uint64_t written;		/* bytes so far (kept by the layer) */
	uint64_t size_limit;		/* 0: none (set by the layer) */
};

struct gd_mail_content;
struct gd_mail_content_vfuncs {
	ssize_t (*read)(struct gd_mail_content *c, void *buf, size_t len,
	    struct gd_mail_error *err);
	int (*seek)(struct gd_mail_content *c, uint64_t offset,
	    struct gd_mail_error *err);
	void (*close)(struct gd_mail_content *c);	/* frees c */
};

struct gd_mail_content {
	uint32_t magic;			/* GD_MAIL_CONTENT_MAGIC */
	const struct gd_mail_content_vfuncs *v;
	uint64_t size;			/* octets as served */
};

/*
 * Fill the base of a store the backend allocated: `pool` becomes the
 * store's (destroyed by the layer after backend->store_close); the user
 * is copied into it.  LOOP.
 */
GD_API void gd_mail_store_init(struct gd_mail_store *store,
    const struct gd_mail_backend *backend,
    const struct gd_mail_store_config *config,
    const struct gd_mail_user *user, const char *root,
    struct gd_pool *pool);

/* Fill the base of a mailbox (the view starts empty).  LOOP. */
GD_API void gd_mailbox_init(struct gd_mailbox *box,
    struct gd_mail_store *store, const char *name, unsigned flags,
    unsigned keyword_max);

/* Fill the base of an append or content object.  LOOP. */
GD_API void gd_mail_append_init(struct gd_mail_append *append,
    struct gd_mail_store *store);
GD_API void gd_mail_content_init(struct gd_mail_content *c,
    const struct gd_mail_content_vfuncs *v, uint64_t size);

/* ---- the backend's table ------------------------------------------------ */

/* For backend->list: every mailbox and placeholder of the store. */
typedef int gd_mail_list_raw_fn(void *arg, const char *name, unsigned attrs);

struct gd_mail_backend {
	size_t size;			/* sizeof(struct gd_mail_backend) */
	const char *name;		/* "maildir" */

	/* Stores.  store_open: allocate, gd_mail_store_init(), check or
	 * (with GD_MAIL_STORE_CREATE) create the root, set `created`.
	 * store_close frees the backend's part (not the pool). */
	int (*store_open)(const struct gd_mail_backend *backend,
	    const struct gd_mail_user *user, unsigned flags,
	    struct gd_mail_store **store_r, struct gd_mail_error *err);
	void (*store_close)(struct gd_mail_store *store);

	/* Every mailbox (INBOX included) and every placeholder parent, in
	 * any order, with NOSELECT for placeholders, NOINFERIORS where
	 * children are impossible.  The layer sorts, matches patterns,
	 * adds HAS(NO)CHILDREN, SUBSCRIBED, NONEXISTENT and special use. */
	int (*list)(struct gd_mail_store *store, gd_mail_list_raw_fn *fn,
	    void *arg, struct gd_mail_error *err);
	int (*create)(struct gd_mail_store *store, const char *name,
	    struct gd_mail_error *err);
	int (*delete)(struct gd_mail_store *store, const char *name,
	    struct gd_mail_error *err);
	int (*rename)(struct gd_mail_store *store, const char *from,
	    const char *to, struct gd_mail_error *err);
	/* May be NULL: the layer opens the mailbox read-only and counts. */
	int (*status)(struct gd_mail_store *store, const char *name,
	    unsigned items, struct gd_mail_status *status,
	    struct gd_mail_error *err);
	/* Usage over the whole store. */
	int (*quota_usage)(struct gd_mail_store *store, uint64_t *bytes_r,
	    uint64_t *messages_r, struct gd_mail_error *err);

	/* Appends (the layer counts bytes and enforces the size limit and
	 * the quota before calling append_end). */
	int (*append_start)(struct gd_mail_store *store, const char *name,
	    const struct gd_mail_append_info *info,
	    struct gd_mail_append **append_r, struct gd_mail_error *err);
	int (*append_write)(struct gd_mail_append *append, const void *data,
	    size_t len, struct gd_mail_error *err);
	/* Frees the append, also on failure. */
	int (*append_end)(struct gd_mail_append *append,
	    uint32_t *uidvalidity_r, uint32_t *uid_r,
	    struct gd_mail_error *err);
	void (*append_abort)(struct gd_mail_append *append);
	/*
	 * Deliver a finished, synced spool file (`fd`, at `path`, `size`
	 * bytes) as a new message, e.g. by hard-linking it.  May be NULL:
	 * the layer copies through append_start/write/end.
	 */
	int (*append_file)(struct gd_mail_store *store, const char *name,
	    const struct gd_mail_append_info *info, int fd, const char *path,
	    uint64_t size, uint32_t *uidvalidity_r, uint32_t *uid_r,
	    struct gd_mail_error *err);
	/* Where gd_mail_delivery_create() puts its spool files for this
	 * backend (same file system as the mail, so append_file can link).
	 * May be NULL: $TMPDIR or /tmp. */
	const char *(*spool_dir)(const struct gd_mail_backend *backend);

	/* Mailboxes.  mailbox_open: allocate, gd_mailbox_init(), first
	 * sync.  mailbox_close frees the mailbox. */
	int (*mailbox_open)(struct gd_mail_store *store, const char *name,
	    unsigned flags, struct gd_mailbox **box_r,
	    struct gd_mail_error *err);
	void (*mailbox_close)(struct gd_mailbox *box);
	int (*sync)(struct gd_mailbox *box, unsigned flags,
	    const struct gd_mail_sync_callbacks *cb, void *arg,
	    struct gd_mail_error *err);
	int (*set_flags)(struct gd_mailbox *box,
	    const struct gd_mail_range *ranges, size_t nranges,
	    const struct gd_mail_flag_change *change, gd_mail_seq_fn *changed,
	    gd_mail_seq_fn *failed, void *arg, struct gd_mail_error *err);
	int (*expunge)(struct gd_mailbox *box, enum gd_mail_expunge_mode mode,
	    const struct gd_mail_range *ranges, size_t nranges,
	    gd_mail_expunged_fn *expunged, void *arg,
	    struct gd_mail_error *err);
	/* NOTFOUND when `to` does not exist; the layer checked the quota. */
	int (*copy)(struct gd_mailbox *box, const struct gd_mail_range *ranges,
	    size_t nranges, const char *to, bool move,
	    gd_mail_copied_fn *copied, gd_mail_expunged_fn *expunged,
	    void *arg, uint32_t *uidvalidity_r, struct gd_mail_error *err);
	/* May be NULL: the layer's gd_mail_search_generic(). */
	int (*search)(struct gd_mailbox *box, const struct gd_search_key *key,
	    gd_mail_seq_fn *match, void *arg, struct gd_mail_error *err);
	int (*content_open)(struct gd_mailbox *box, uint32_t seq,
	    struct gd_mail_content **content_r, struct gd_mail_error *err);
	int (*notify_start)(struct gd_mailbox *box, struct gd_loop *loop,
	    gd_mailbox_notify_fn *fn, void *arg, struct gd_mail_error *err);
	void (*notify_stop)(struct gd_mailbox *box);

	/*
	 * The shared keys in force (the default quota limits and the
	 * over-quota policy every store of the backend gets), for
	 * gd_mail_user_quota() on a user without a store; NULL when the
	 * backend is not initialised.  May be NULL (older backends: the
	 * realm's limits only).  Any thread.  (ABI 1.3, in a slot that was
	 * reserved: the struct's size and layout are unchanged.)
	 */
	const struct gd_mail_store_config *(*store_config)(
	    const struct gd_mail_backend *backend);

	/*
	 * The internal date of message `seq`, whose view entry says
	 * GD_MAIL_DATE_UNKNOWN: read it, store it in the entry, return it
	 * (never GD_MAIL_DATE_UNKNOWN).  May be NULL when the backend always
	 * fills the view's dates.  FILE.  (ABI 1.8, in a reserved slot.)
	 */
	int64_t (*internal_date)(struct gd_mailbox *box, uint32_t seq);

	void *reserved[6];		/* zero */
};

/* ---- helpers for backends -------------------------------------------------- */

/*
 * The mailbox-name codec of the seed: encode a UTF-8 mailbox name (or one
 * component of it) as a file name using only A-Z a-z 0-9 . _ - and "=XX"
 * (upper-case hex) for every other byte, so names are safe on every file
 * system: "Données/été" → "Donn=C3=A9es=2F=C3=A9t=C3=A9",
 * "Reports:2025" → "Reports=3A2025".  Bytes listed in `extra` are
 * encoded too (Maildir++ passes "." because "." is its hierarchy
 * separator).  A leading "." is always encoded (no hidden files, no
 * "." or ".." components).  Returns the result in `pool`.  LOOP.
 */
GD_API char *gd_mail_name_encode(struct gd_pool *pool, const char *name,
    const char *extra);

/*
 * The inverse.  Returns NULL when `encoded` is not a valid encoding
 * (a bad "=XX", or bytes the encoder never produces), so that stray
 * files are skipped rather than misread.  LOOP.
 */
GD_API char *gd_mail_name_decode(struct gd_pool *pool, const char *encoded);

/*
 * Content reading `length` bytes of `fd` from `offset` (the whole file:
 * 0 and its size), as the served octets: when `expand_lf`, each LF not
 * preceded by CR is served as CRLF (then `served_size` is the expanded
 * size, else it must equal `length`).  Takes ownership of `fd` (closed
 * with the content).  Seeking in an expanded file reads from the start.
 * FILE.
 */
GD_API struct gd_mail_content *gd_mail_content_from_fd(int fd,
    uint64_t offset, uint64_t length, bool expand_lf, uint64_t served_size);

/*
 * Bare-LF expansion as a pure streaming step, for backends with their own
 * readers: copies `len` bytes of `in` into `out` (room for 2 * len),
 * turning each LF not preceded by CR into CRLF; `*last_cr` carries
 * whether the previous byte was CR across calls (start with false).
 * Returns the bytes written.  LOOP.
 */
GD_API size_t gd_mail_lf_expand(const void *in, size_t len, void *out,
    bool *last_cr);

/*
 * Measure a message file for the view: its size served with bare LFs
 * expanded, and whether it needs expanding (it has a bare LF).  Reads
 * the whole file.  0, or -1 with *err.  BLOCKING.
 */
GD_API int gd_mail_measure_fd(int fd, uint64_t offset, uint64_t length,
    uint64_t *served_size_r, bool *has_bare_lf_r, struct gd_mail_error *err);

/*
 * fsync a directory by path (no-op when the store's `fsync` is off: pass
 * the config).  0, or -1 with *err.  BLOCKING.  Returns 0 only after an
 * fsync of the directory that began after this call did has succeeded,
 * so every change made before the call is durable; concurrent callers
 * for the same directory may share one such fsync (group commit).
 * Thread-safe.
 */
GD_API int gd_mail_fsync_dir(const struct gd_mail_store_config *config,
    const char *path, struct gd_mail_error *err);

/*
 * Replace file `path` atomically with `len` bytes: write a temporary
 * file beside it, sync it (as configured), rename it over `path`, sync
 * the directory.  A crash leaves either the old or the new content.
 * 0, or -1 with *err.  BLOCKING.
 */
GD_API int gd_mail_write_file_atomic(const struct gd_mail_store_config *cfg,
    const char *path, const void *data, size_t len,
    struct gd_mail_error *err);

/*
 * Apply a flag change to one message's flags/keywords (pure): returns
 * the new values through *flags and *keywords and true when anything
 * changed.  `keyword_bits` are the change's keyword names already mapped
 * to bits of the mailbox.  RECENT and EXPUNGED bits are kept.  LOOP.
 */
GD_API bool gd_mail_flags_apply(const struct gd_mail_flag_change *change,
    uint64_t keyword_bits, uint32_t *flags, uint64_t *keywords);

/*
 * Map keyword names to bits of `box`, adding unknown ones to its table
 * (box->keywords, allocated with `pool`) while there is room.  Returns
 * 0 with the bits in *bits_r, or -1 with *err (LIMIT) when the table is
 * full.  *added_r (may be NULL) tells whether the table grew, so that the
 * backend persists it.  Keyword names are checked (RFC 9051 atoms, not
 * starting with "\\"): BADNAME otherwise.  LOOP.
 */
GD_API int gd_mailbox_keywords_map(struct gd_mailbox *box,
    struct gd_pool *pool, const char *const *names, uint64_t *bits_r,
    bool *added_r, struct gd_mail_error *err);

/*
 * The parse-based search every backend gets by default: evaluates `key`
 * over the view, reading content through gd_mailbox_content_open().  A
 * search index module calls it for what it cannot answer.  BLOCKING.
 */
GD_API int gd_mail_search_generic(struct gd_mailbox *box,
    const struct gd_search_key *key, gd_mail_seq_fn *match, void *arg,
    struct gd_mail_error *err);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_MAILBOX_IMPL_H */
