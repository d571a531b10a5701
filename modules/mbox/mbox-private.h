/*
 * mbox-private.h — internals of the mbox storage backend, shared by its
 * source files (all hidden: the module exports only its descriptor).
 *
 * FILES of mailbox "A/B" (each component encoded with the seed codec):
 *   ROOT/A/B.mbox            the mbox (RFC 4155, mboxrd quoting)
 *   ROOT/A/B/                B's children
 *   ROOT/A/B.mbox.lock       dotlock (mutt, procmail, ...)
 *   ROOT/A/.B.mbox.gdstate   our sidecar cache (mbox-state.c)
 *   ROOT/A/.B.mbox.gdjournal our append journal (mbox-journal.c)
 *
 * LAYERS.  Pure code (no I/O, fuzzed): mbox-line.c (line classification,
 * quoting), mbox-parse.c (the scanner), mbox-filter.c (served octets),
 * mbox-state.c (sidecar encoding).  File code: mbox-lock.c,
 * mbox-journal.c, mbox-file.c (the file state under the lock),
 * mbox-rewrite.c.  Backend operations: the rest.
 */
#ifndef MBOX_PRIVATE_H
#define MBOX_PRIVATE_H

#include <sys/types.h>
#include <sys/stat.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox-impl.h>
#include <gumdrop/msg-date.h>

#define MBOX_DEFAULT_EXT	".mbox"
#define MBOX_STATE_SUFFIX	".gdstate"
#define MBOX_JOURNAL_SUFFIX	".gdjournal"
#define MBOX_MAX_KEYWORDS	GD_MAIL_MAX_KEYWORDS
/* Bytes of a status header value kept by the scanner. */
#define MBOX_VALUE_MAX		1024
/* Width of the zero-padded uidnext in X-IMAPbase (updated in place). */
#define MBOX_UIDNEXT_WIDTH	10
/* Bytes at the end of the mbox covered by the sidecar's checksum. */
#define MBOX_TAIL_CRC_LEN	4096

/* ---- configuration (mbox-module.c) ---------------------------------- */

enum mbox_locking {
	MBOX_LOCK_DOTLOCK = 1 << 0,
	MBOX_LOCK_FCNTL = 1 << 1,
};

struct mbox_config {
	struct gd_mail_store_config store;
	const char *ext;		/* ".mbox" */
	unsigned locking;		/* enum mbox_locking */
	uint64_t lock_timeout_ms;
	uint64_t dotlock_stale_ms;
	const char *spool;		/* spool_dir(), or NULL */
};

/* The configuration of the running module (its data, set by init),
 * reached from the service table. */
const struct mbox_config *mbox_config_get(
    const struct gd_mail_backend *backend);

/* ---- pure helpers (mbox-line.c) ------------------------------------- */

/* Incremental match of a line start against ^>*From  */
struct mbox_qmatch {
	unsigned state;		/* 0 start, 1 ">" run, 2 "From ", 3 done */
	unsigned from_len;	/* bytes of "From " matched */
	uint64_t gts;		/* '>' seen */
	bool match;		/* valid when state == 3 */
};

void mbox_qmatch_init(struct mbox_qmatch *q);
/* Feed the next byte of the line; true once decided (then see ->match). */
bool mbox_qmatch_feed(struct mbox_qmatch *q, unsigned char c);

/*
 * Header-name classification of a line start (`len` bytes, `complete`
 * when the line has no more bytes): 1 when it starts one of the status
 * fields we own (Status:, X-Status:, X-Keywords:, X-IMAPbase:, any
 * case), 2 for X-UID:, 0 when it does not, -1 when more bytes are
 * needed.  Folded continuation lines of a hidden field are hidden too,
 * except after X-UID: (a number nobody folds), which we always write
 * last, so that a message whose first line starts with white space
 * stays whole.
 */
int mbox_hdr_hidden(const char *head, size_t len, bool complete);

/* Longest prefix mbox_hdr_hidden() needs to decide. */
#define MBOX_HDR_HEAD_MAX	12

/* crc32 (IEEE), incremental: start with crc = 0. */
uint32_t mbox_crc32(uint32_t crc, const void *data, size_t len);

/* Flags of Status:/X-Status: letters, and back (buf >= 8 bytes). */
#define MBOX_F_OLD	(1u << 8)	/* Status: O (not \Recent) */
uint32_t mbox_status_parse(const char *status, const char *xstatus);
void mbox_status_format(uint32_t flags, char *status, char *xstatus);

/* ---- the scanner (mbox-parse.c) ------------------------------------- */

/* One message found by the scanner; valid during the callback. */
struct mbox_scan_msg {
	uint64_t from_off;	/* its From_ line */
	uint64_t hdr_off;	/* just after the From_ line */
	uint64_t data_end;	/* end of its data (separator excluded) */
	uint64_t end_off;	/* the next From_ line, or EOF */
	uint64_t size;		/* served octets */
	int64_t date;		/* From_ line date, 0 if unparsable */
	bool crlf;		/* the From_ line ends with CRLF */
	uint32_t xuid;		/* X-UID, 0 when absent or invalid */
	uint32_t flags;		/* GD_MAIL_* | MBOX_F_OLD */
	const char *keywords;	/* X-Keywords value ("" if none) */
	/* X-IMAPbase (meaningful in the first message only). */
	bool has_base;
	uint32_t base_uidvalidity;
	uint32_t base_uidnext;
	uint64_t base_uidnext_off;	/* absolute offset of its digits */
	unsigned base_uidnext_width;
	const char *base_keywords;
};

typedef int mbox_scan_fn(void *arg, const struct mbox_scan_msg *m);

struct mbox_scan;

/*
 * A scanner over the bytes of an mbox starting at absolute offset
 * `start` (a line start).  Bytes before the first From_ line are
 * skipped (see mbox_scan_prefix).  `fn` returning -1 stops the scan
 * (feed then returns -1).
 */
struct mbox_scan *mbox_scan_create(uint64_t start, mbox_scan_fn *fn,
    void *arg);
int mbox_scan_feed(struct mbox_scan *s, const void *data, size_t len);
/* End of file: reports the last message. */
int mbox_scan_finish(struct mbox_scan *s);
/* Offset of the first From_ line (or EOF): bytes before it are not mail. */
uint64_t mbox_scan_prefix(const struct mbox_scan *s);
void mbox_scan_destroy(struct mbox_scan **s);

/* ---- served octets (mbox-filter.c) ---------------------------------- */

/*
 * Turns the stored bytes [hdr_off, data_end) of a message into the
 * served octets: our status fields dropped, one ">" removed from
 * ^>+From  lines, bare LF served as CRLF.  Same rules as the scanner's
 * size.  `out` must have room for 2 * in_len + MBOX_FILTER_SLACK bytes.
 */
#define MBOX_FILTER_SLACK	(MBOX_HDR_HEAD_MAX + 8)
struct mbox_filter {
	unsigned st;
	bool in_header;
	bool prev_hidden;
	bool last_cr;		/* the previous input byte was CR */
	unsigned line_n;	/* input bytes on this line (max 2) */
	struct mbox_qmatch q;
	char head[MBOX_HDR_HEAD_MAX + 4];
	size_t head_len;
};

void mbox_filter_init(struct mbox_filter *f);
size_t mbox_filter_run(struct mbox_filter *f, const void *in, size_t len,
    void *out);
/* Flush what is held at the end of the data. */
size_t mbox_filter_finish(struct mbox_filter *f, void *out);

/*
 * Stores message bytes: adds one ">" to ^>*From  lines and (with
 * `drop_hidden`) drops our status fields from the header.  With
 * `quote` false the input is already stored form (rewrites).  Remembers
 * the line ending of the first line.  `out` needs 2 * len + slack.
 */
struct mbox_writer {
	unsigned st;
	bool quote;
	bool in_header;
	bool prev_hidden;
	bool eol_known;
	bool crlf;
	bool last_cr;
	bool ends_eol;		/* the last byte written was LF */
	unsigned line_n;	/* input bytes on this line (max 2) */
	uint64_t total;		/* bytes in */
	struct mbox_qmatch q;
	char head[MBOX_HDR_HEAD_MAX + 4];
	size_t head_len;
};

void mbox_writer_init(struct mbox_writer *w, bool quote);
size_t mbox_writer_run(struct mbox_writer *w, const void *in, size_t len,
    void *out);
size_t mbox_writer_finish(struct mbox_writer *w, void *out);

/* ---- the file state and its sidecar (mbox-state.c) ------------------- */

/* One message of the mbox file. */
struct mbox_fmsg {
	uint64_t from_off;
	uint64_t hdr_off;
	uint64_t data_end;
	uint64_t end_off;
	uint64_t size;
	uint64_t modseq;
	uint64_t keywords;	/* bits of mbox_fstate.kw */
	int64_t date;
	uint32_t uid;
	uint32_t flags;		/* GD_MAIL_SYSTEM_FLAGS | MBOX_F_* */
};
#define MBOX_F_CRLF	(1u << 9)	/* stored with CRLF line ends */
#define MBOX_F_DIRTY	(1u << 10)	/* its X-UID must be written */
#define MBOX_F_STORED	(GD_MAIL_SYSTEM_FLAGS | MBOX_F_OLD | MBOX_F_CRLF)

struct mbox_fstate {
	/* Identity of the mbox this describes. */
	uint64_t dev, ino, fsize;
	int64_t mtime_ns;
	uint32_t tail_crc;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t recent_uid;	/* UIDs below were claimed as \Recent */
	uint64_t highestmodseq;
	uint64_t prefix;	/* bytes before the first From_ line */
	/* X-IMAPbase uidnext digits in the file (0: none). */
	uint64_t base_off;
	char *kw[MBOX_MAX_KEYWORDS];
	unsigned kw_count;
	struct mbox_fmsg *msgs;
	uint32_t count;
	uint32_t alloc;
};

void mbox_fstate_free(struct mbox_fstate *s);
void mbox_fstate_copy(struct mbox_fstate *dst, const struct mbox_fstate *src);
struct mbox_fmsg *mbox_fstate_add(struct mbox_fstate *s);
/* Index of `uid`, or -1. */
int64_t mbox_fstate_find(const struct mbox_fstate *s, uint32_t uid);
/* Index of keyword `name` (case-insensitive), adding it when `add`;
 * -1 when absent or the table is full. */
int mbox_fstate_kw(struct mbox_fstate *s, const char *name, bool add);
/* Bits for a space-separated keyword list (adding names). */
uint64_t mbox_fstate_kw_parse(struct mbox_fstate *s, const char *list);
/* A new modseq: max(highest + 1, now in microseconds). */
uint64_t mbox_fstate_next_modseq(struct mbox_fstate *s);

/* Sidecar encoding (malloc'd buffer) and decoding (0, or -1 if invalid). */
void *mbox_state_encode(const struct mbox_fstate *s, size_t *len_r);
int mbox_state_decode(const void *data, size_t len, struct mbox_fstate *s);

/* ---- paths (mbox-path.c) -------------------------------------------- */

struct mbox_store;

struct mbox_paths {
	char *file;		/* the mbox */
	char *dir;		/* the directory holding it */
	char *children;		/* its children's directory */
	char *state;
	char *journal;
	char *lock;
	char *base;		/* basename of the file */
};

int mbox_paths_make(struct mbox_store *st, const char *name,
    struct mbox_paths *p, struct gd_mail_error *err);
void mbox_paths_free(struct mbox_paths *p);
/* mkdir -p `dir` (0700). */
int mbox_mkdirs(struct mbox_store *st, const char *dir,
    struct gd_mail_error *err);

/* ---- the store (mbox-store.c) --------------------------------------- */

struct mbox_store {
	struct gd_mail_store base;
	const struct mbox_config *cfg;
};

static inline struct mbox_store *
mbox_store_of(struct gd_mail_store *s)
{
	return (struct mbox_store *)s;
}

int mbox_store_open(const struct gd_mail_backend *backend,
    const struct gd_mail_user *user, unsigned flags,
    struct gd_mail_store **store_r, struct gd_mail_error *err);
void mbox_store_close(struct gd_mail_store *store);
int mbox_quota_usage(struct gd_mail_store *store, uint64_t *bytes_r,
    uint64_t *messages_r, struct gd_mail_error *err);
/* A fresh UIDVALIDITY for the store (never repeats). */
uint32_t mbox_new_uidvalidity(struct mbox_store *st);

/* Namespace operations (mbox-names.c). */
int mbox_list(struct gd_mail_store *store, gd_mail_list_raw_fn *fn,
    void *arg, struct gd_mail_error *err);
int mbox_create(struct gd_mail_store *store, const char *name,
    struct gd_mail_error *err);
int mbox_delete(struct gd_mail_store *store, const char *name,
    struct gd_mail_error *err);
int mbox_rename(struct gd_mail_store *store, const char *from,
    const char *to, struct gd_mail_error *err);
/* Create an empty mbox file (and its journal) if missing. */
int mbox_create_file(struct mbox_store *st, const struct mbox_paths *p,
    bool excl, struct gd_mail_error *err);

/* ---- I/O helpers (mbox-io.c) ---------------------------------------- */

int mbox_write_all(int fd, const void *data, size_t len);
int mbox_pwrite_all(int fd, const void *data, size_t len, uint64_t off);
/* Reads exactly `len` bytes unless EOF: returns bytes read or -1. */
ssize_t mbox_pread_full(int fd, void *buf, size_t len, uint64_t off);
/* Copy [off, off + len) of `in` to the current end of `out`. */
int mbox_copy_range(int in, uint64_t off, uint64_t len, int out);
int mbox_fsync(const struct mbox_config *cfg, int fd);
int mbox_fsync_dir(const struct mbox_config *cfg, const char *dir);
/* Open a new temporary file "DIR/.BASE.gdtmp.XXXXXX": fd and its path. */
int mbox_tmp_open(const char *dir, const char *base, char **path_r);
int64_t mbox_mtime_ns(const struct stat *st);
/* crc32 of the last MBOX_TAIL_CRC_LEN bytes before `size`. */
int mbox_tail_crc(int fd, uint64_t size, uint32_t *crc_r);
/* Microseconds since the epoch (wall clock). */
uint64_t mbox_now_us(void);

/* ---- locks (mbox-lock.c) -------------------------------------------- */

struct mbox_lock {
	int fd;			/* the mbox, O_RDWR, locked when fcntl */
	bool dotlocked;
	dev_t lock_dev;
	ino_t lock_ino;		/* our dotlock file */
	const struct mbox_paths *p;
	const struct mbox_config *cfg;
};

/*
 * Take the configured locks on `p->file` (dotlock, then an OFD write lock
 * on the file, which conflicts with other programs' fcntl locks and with
 * our other threads' locks), waiting up to lock-timeout: TEMP on timeout,
 * NOTFOUND when the mbox does not exist.  Re-opens when the file was
 * replaced while waiting.
 */
int mbox_lock_take(const struct mbox_config *cfg, const struct mbox_paths *p,
    struct mbox_lock *lock, struct gd_mail_error *err);
/* After a rewrite renamed `newfd`'s file over the mbox: hold it instead. */
void mbox_lock_swap(struct mbox_lock *lock, int newfd);
/* OFD-lock a file nobody else knows yet (a rewrite's temporary file). */
int mbox_lock_fd_now(const struct mbox_config *cfg, int fd);
void mbox_lock_release(struct mbox_lock *lock);

/* ---- the append journal (mbox-journal.c) ---------------------------- */

/* Record that the mbox grows from `old_size` to `new_size` with bytes
 * whose crc32 is `crc`; synced before the mbox is written. */
int mbox_journal_begin(const struct mbox_config *cfg, const char *path,
    const struct stat *mst, uint64_t old_size, uint64_t new_size,
    uint32_t crc, struct gd_mail_error *err);
void mbox_journal_end(const char *path);
/* Under the lock: undo an append a crash left unfinished. */
int mbox_journal_recover(struct mbox_lock *lock, struct gd_mail_error *err);

/* ---- the file state under the lock (mbox-file.c) --------------------- */

struct mbox_ctx {
	struct mbox_store *st;
	const struct mbox_config *cfg;
	const struct mbox_paths *p;
	struct mbox_lock lock;
	bool locked;
};

/*
 * Bring `fs` up to date with the locked mbox: keep it when the file is
 * unchanged, else load the sidecar, scan what it does not cover, assign
 * UIDs to messages without valid X-UID (MBOX_F_DIRTY), give changed
 * messages new modseqs.  `known` (may be NULL) are UIDs a view holds.
 * Writes the sidecar when it changed.
 */
int mbox_file_refresh(struct mbox_ctx *c, struct mbox_fstate *fs,
    const uint32_t *known, uint32_t nknown, struct gd_mail_error *err);
/* The same without a lock, for read-only looks (status, quota). */
int mbox_file_peek(struct mbox_store *st, const struct mbox_paths *p,
    struct mbox_fstate *fs, struct gd_mail_error *err);
int mbox_file_save_state(struct mbox_ctx *c, struct mbox_fstate *fs);
int mbox_ctx_lock(struct mbox_ctx *c, struct mbox_store *st,
    const struct mbox_paths *p, struct gd_mail_error *err);
void mbox_ctx_unlock(struct mbox_ctx *c);
/* Record the identity of the locked file in `fs`. */
int mbox_file_identify(struct mbox_ctx *c, struct mbox_fstate *fs);

/* ---- rewrites (mbox-rewrite.c) -------------------------------------- */

/*
 * Rewrite the locked mbox from `fs`, leaving out messages whose `drop`
 * entry is true (may be NULL), with headers from fs's flags: temporary
 * file, fsync, rename over, directory fsync.  On success fs describes
 * the new file (offsets, identity) and the lock holds it.
 */
int mbox_rewrite(struct mbox_ctx *c, struct mbox_fstate *fs,
    const bool *drop, struct gd_mail_error *err);
/* The status header block of message `i` of `fs` into `buf` (>= 3 KiB
 * + keywords); returns its length. */
size_t mbox_status_block(const struct mbox_fstate *fs, uint32_t i,
    bool first, char *buf, size_t size);
#define MBOX_STATUS_BLOCK_MAX	(MBOX_MAX_KEYWORDS * 260 + 512)

/* ---- mailboxes (mbox-box.c, mbox-flags.c, mbox-copy.c) ---------------- */

struct mbox_vmsg {
	uint64_t from_off;
	uint64_t hdr_off;
	uint64_t data_end;
	uint64_t end_off;
	bool crlf;
	bool gone;		/* not in the file any more */
};

struct mbox_notify;

struct mbox_box {
	struct gd_mailbox base;
	struct mbox_store *st;
	struct gd_pool *pool;	/* name, keyword strings */
	struct mbox_paths p;
	int fd;			/* the file of the view's offsets */
	struct mbox_fstate fs;	/* the file as last seen */
	struct mbox_vmsg *vm;	/* parallel to base.msgs */
	uint32_t alloc;
	struct mbox_notify *notify;
};

static inline struct mbox_box *
mbox_box_of(struct gd_mailbox *b)
{
	return (struct mbox_box *)b;
}

int mbox_mailbox_open(struct gd_mail_store *store, const char *name,
    unsigned flags, struct gd_mailbox **box_r, struct gd_mail_error *err);
void mbox_mailbox_close(struct gd_mailbox *box);
int mbox_sync(struct gd_mailbox *box, unsigned flags,
    const struct gd_mail_sync_callbacks *cb, void *arg,
    struct gd_mail_error *err);
/* Under the lock: the view's file offsets (not its flags) follow `fs`,
 * and the view's fd becomes the locked file. */
void mbox_box_follow(struct mbox_box *b, struct mbox_ctx *c);
/* Keyword bits: file table to view table and back (adding names). */
uint64_t mbox_kw_f2v(struct mbox_box *b, const struct mbox_fstate *fs,
    uint64_t fbits);
int mbox_kw_v2f(struct mbox_box *b, struct mbox_fstate *fs, uint64_t vbits,
    uint64_t *fbits_r, struct gd_mail_error *err);
/* Remove view message `idx` (0-based). */
void mbox_view_remove(struct mbox_box *b, uint32_t idx);
/* UIDs of the view (malloc'd array of count). */
uint32_t *mbox_view_uids(struct mbox_box *b);

int mbox_set_flags(struct gd_mailbox *box, const struct gd_mail_range *ranges,
    size_t nranges, const struct gd_mail_flag_change *change,
    gd_mail_seq_fn *changed, gd_mail_seq_fn *failed, void *arg,
    struct gd_mail_error *err);
int mbox_expunge(struct gd_mailbox *box, enum gd_mail_expunge_mode mode,
    const struct gd_mail_range *ranges, size_t nranges,
    gd_mail_expunged_fn *expunged, void *arg, struct gd_mail_error *err);
/* Under the lock, with `fs` current: remove the messages whose UIDs are
 * marked in `drop` (indexed like fs) from the file and from the view,
 * reporting them. */
int mbox_expunge_locked(struct mbox_box *b, struct mbox_ctx *c,
    bool *drop, gd_mail_expunged_fn *expunged, void *arg,
    struct gd_mail_error *err);
int mbox_copy(struct gd_mailbox *box, const struct gd_mail_range *ranges,
    size_t nranges, const char *to, bool move, gd_mail_copied_fn *copied,
    gd_mail_expunged_fn *expunged, void *arg, uint32_t *uidvalidity_r,
    struct gd_mail_error *err);

/* ---- appends (mbox-append.c) ---------------------------------------- */

int mbox_append_start(struct gd_mail_store *store, const char *name,
    const struct gd_mail_append_info *info,
    struct gd_mail_append **append_r, struct gd_mail_error *err);
int mbox_append_write(struct gd_mail_append *append, const void *data,
    size_t len, struct gd_mail_error *err);
int mbox_append_end(struct gd_mail_append *append, uint32_t *uidvalidity_r,
    uint32_t *uid_r, struct gd_mail_error *err);
void mbox_append_abort(struct gd_mail_append *append);

/*
 * One message to add to a locked mbox: the stored form of its content
 * (quoted, without our fields, with its separator) is `len` bytes of
 * `fd` at `off`; `from_line` its From_ line with EOL.
 */
struct mbox_addmsg {
	int fd;
	uint64_t off;
	uint64_t len;
	const char *from_line;
	size_t from_len;
	uint32_t flags;		/* GD_MAIL_SYSTEM_FLAGS | MBOX_F_CRLF */
	const char *const *keywords;
	uint64_t size;		/* served octets */
	int64_t date;
	uint32_t uid_r;		/* assigned */
};

/*
 * Append `n` messages to the locked, refreshed mbox of `c` (journalled:
 * all or none survive a crash), update fs and the sidecar.
 */
int mbox_add_locked(struct mbox_ctx *c, struct mbox_fstate *fs,
    struct mbox_addmsg *msgs, size_t n, struct gd_mail_error *err);
/* Format a From_ line for `date` into buf (>= 128); returns length. */
size_t mbox_from_line(const char *sender, int64_t date, bool crlf,
    char *buf, size_t size);

/* ---- content and notification ---------------------------------------- */

int mbox_content_open(struct gd_mailbox *box, uint32_t seq,
    struct gd_mail_content **content_r, struct gd_mail_error *err);
int mbox_notify_start(struct gd_mailbox *box, struct gd_loop *loop,
    gd_mailbox_notify_fn *fn, void *arg, struct gd_mail_error *err);
void mbox_notify_stop(struct gd_mailbox *box);

#endif /* MBOX_PRIVATE_H */
