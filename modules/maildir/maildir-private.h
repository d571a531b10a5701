/*
 * maildir-private.h — the maildir backend's internals, shared by its
 * files.  Nothing here is exported from maildir.so (the module is built
 * with -fvisibility=hidden; its only exported symbol is the descriptor).
 *
 * Files:
 *   maildir.c          descriptor, configuration, the backend table
 *   maildir-fname.c    message file names: parse and build (pure)
 *   maildir-record.c   the state file's header and records (pure)
 *   maildir-state.c    the state file on disk: lock, read, append, compact
 *   maildir-view.c     the in-memory view: messages and their names
 *   maildir-sync.c     bringing a view up to date with the state
 *   maildir-scan.c     reconciling the state with cur/ and new/
 *   maildir-box.c      opening and closing mailboxes, content
 *   maildir-change.c   flag changes, expunge, copy and move
 *   maildir-append.c   append and delivery
 *   maildir-group.c    group commit of concurrent appends to one mailbox
 *   maildir-folder.c   list, create, delete, rename
 *   maildir-keywords.c the dovecot-keywords file
 *   maildir-quota.c    the Maildir++ maildirsize file
 *   maildir-notify.c   change notification
 */
#ifndef MAILDIR_PRIVATE_H
#define MAILDIR_PRIVATE_H

#include <sys/types.h>
#include <limits.h>
#include <pthread.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/mailbox-impl.h>

#define MAILDIR_STATE_FILE	"gumdrop-uidlist"
#define MAILDIR_LOCK_FILE	"gumdrop-uidlist.lock"
#define MAILDIR_KEYWORDS_FILE	"dovecot-keywords"
#define MAILDIR_QUOTA_FILE	"maildirsize"
#define MAILDIR_FOLDER_FILE	"maildirfolder"
/* Keywords are the letters a-z in file names. */
#define MAILDIR_KEYWORD_MAX	26
/* Longest file name we write or accept from the state. */
#define MAILDIR_NAME_MAX	255
/* A directory mtime this close to "now" may still change without the
 * mtime changing (timestamp granularity): it is not trusted. */
#define MAILDIR_STAMP_MARGIN_NS	1000000000LL

/* ---- file names (maildir-fname.c, pure) ------------------------------ */

struct maildir_fname {
	size_t base_len;	/* bytes before ':' (the message identity) */
	uint64_t size;		/* S=, or UINT64_MAX when absent */
	uint64_t vsize;		/* W=, or UINT64_MAX when absent */
	uint32_t flags;		/* GD_MAIL_SYSTEM_FLAGS bits */
	uint32_t letters;	/* bit i: keyword letter 'a' + i */
	const char *info;	/* the flag characters after ":2,", or "" */
};

/* Parse `name` (len bytes, not necessarily NUL-terminated).  Never fails:
 * unknown parts are kept as they are.  Returns false only for names that
 * are not message files (empty, starting with '.', or containing '/'). */
bool maildir_fname_parse(const char *name, size_t len,
    struct maildir_fname *f);

/* Only the flags and keyword letters of a name (fast: for loading). */
void maildir_fname_flags(const char *name, size_t len, uint32_t *flags_r,
    uint32_t *letters_r);

/*
 * Build "BASE:2,FLAGS" into buf (size bytes): the system flags and
 * keyword letters given, plus every character of `old_info` (may be NULL)
 * that is neither a system flag letter nor a lowercase letter, all in
 * ASCII order.  Returns the length, or -1 when it does not fit.
 */
int maildir_fname_build(char *buf, size_t size, const char *base,
    size_t base_len, uint32_t flags, uint32_t letters, const char *old_info);

/*
 * A new unique base name "SECS.MUSECSPpidQnRrand.HOST,S=size,W=vsize"
 * into buf.  `host` is already escaped (maildir_host_escape).  -1 when it
 * does not fit.
 */
int maildir_fname_unique(char *buf, size_t size, const char *host,
    uint64_t phys_size, uint64_t vsize);

/* Escape a host name for file names: "/" as "\057", ":" as "\072". */
void maildir_host_escape(const char *host, char *buf, size_t size);

/* ---- the state file's format (maildir-record.c, pure) ---------------- */

#define MAILDIR_HDR_SIZE	160
#define MAILDIR_HDR_MAGIC	"GDMUIDL1"
#define MAILDIR_REC_MAX		(48 + MAILDIR_NAME_MAX)

struct maildir_stamp {
	int64_t sec;
	uint32_t nsec;
	bool valid;		/* recorded when the scan could trust it */
	bool own;		/* moved by our own recorded changes
				 * (maildir_stamps_own); never valid */
};

struct maildir_hdr {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t uid_reserved;		/* UIDs below it may be in use */
	uint32_t first_recent_uid;	/* UIDs from here are unclaimed */
	uint32_t generation;		/* changes on every compaction */
	uint32_t messages;		/* live messages (a hint) */
	uint64_t highestmodseq;
	uint64_t modseq_reserved;	/* modseqs up to it may be in use */
	uint64_t end_offset;		/* end of the last complete record */
	uint64_t garbage;		/* bytes of superseded records */
	struct maildir_stamp cur, new_;	/* directory mtimes at last scan */
	uint8_t boot_id[16];		/* the boot that last wrote this */
};

enum maildir_rec_type {
	MAILDIR_REC_MSG = 1,	/* a message: uid, modseq, sizes, name */
	MAILDIR_REC_NAME,	/* a message's file name and modseq changed */
	MAILDIR_REC_EXPUNGE,	/* a message is gone */
};

struct maildir_rec {
	enum maildir_rec_type type;
	bool in_new;		/* MSG, NAME: the file is in new/ */
	uint32_t uid;
	uint64_t modseq;
	uint64_t vsize;		/* MSG: RFC822.SIZE */
	int64_t mtime;		/* MSG: internal date */
	const char *name;	/* MSG, NAME: points into the buffer */
	size_t name_len;
};

void maildir_hdr_encode(const struct maildir_hdr *h,
    uint8_t out[MAILDIR_HDR_SIZE]);
/* 0, or -1 when the magic, version or checksum is wrong. */
int maildir_hdr_decode(const uint8_t *buf, size_t len, struct maildir_hdr *h);

/* Encode into buf (MAILDIR_REC_MAX bytes); returns the length. */
size_t maildir_rec_encode(const struct maildir_rec *r, uint8_t *buf);
/*
 * Decode the record at buf[0..len).  Returns its length; 0 when the
 * bytes end before the record does (a torn tail if nothing follows);
 * -1 when it is invalid (bad length, type, fields or checksum).
 */
ssize_t maildir_rec_decode(const uint8_t *buf, size_t len,
    struct maildir_rec *r);

/* The checksum used by both (64-bit, not cryptographic). */
uint64_t maildir_hash(const void *data, size_t len);

/* ---- module-wide state (maildir.c) ------------------------------------ */

struct maildir_config {
	struct gd_mail_store_config store;	/* deep copy, malloc'd */
	char *spool_dir;
	struct maildir_config *next;		/* all generations, freed at
						 * fini */
};

struct maildir_module {
	struct gd_module_ctx *ctx;
	pthread_mutex_t lock;
	struct maildir_config *config;		/* current */
	struct maildir_config *pending;		/* accepted by reload */
	const struct gd_config_node *pending_node;
	struct maildir_config *all;
	char host[256];				/* escaped host name */
};

/* The module's state (set in init).  See maildir.c for why it is one
 * static pointer. */
struct maildir_module *maildir_module_get(
    const struct gd_mail_backend *backend);
const struct maildir_config *maildir_config_current(
    const struct gd_mail_backend *backend);

/* ---- stores and mailboxes ---------------------------------------------- */

struct maildir_store {
	struct gd_mail_store base;
	const struct maildir_config *cfg;
};

/* One message name in the view's arena: [loc]['n' 'a' 'm' 'e']['\0']. */
#define MAILDIR_LOC_CUR		'c'
#define MAILDIR_LOC_NEW		'n'

/* Private bits of gd_mail_msg.flags used during a sync (cleared before
 * returning). */
#define MAILDIR_MSG_TOUCHED	(1u << 24)
#define MAILDIR_MSG_CHANGED	(1u << 25)
#define MAILDIR_MSG_GONE	(1u << 26)	/* expunged: remove or ghost */
#define MAILDIR_MSG_SEEN	(1u << 27)	/* found by a directory scan */
#define MAILDIR_MSG_PRIVATE	(0xffu << 24)

/* A list of messages with their names: the view, or one being built. */
struct maildir_list {
	struct gd_mail_msg *msgs;
	uint32_t count, cap;
	char *arena;		/* msgs[i].backend is an offset into it */
	size_t used, arena_cap, garbage;
};

struct maildir_box {
	struct gd_mailbox base;
	struct maildir_store *store;
	struct gd_pool *pool;		/* keyword names */
	char *dir;			/* the mailbox directory */
	struct maildir_list list;	/* base.msgs/count mirror it */
	int lock_fd;
	/* What of the state file the view has taken in. */
	dev_t st_dev;
	ino_t st_ino;
	uint32_t generation;
	uint64_t offset;
	struct maildir_hdr hdr;		/* as of the last read */
	/* dovecot-keywords as last read */
	int64_t kw_mtime_sec;
	long kw_mtime_nsec;
	ino_t kw_ino;
	/* Change notification. */
	struct gd_watch *watches[3];
	struct gd_loop *notify_loop;
	gd_mailbox_notify_fn *notify_fn;
	void *notify_arg;
	uint64_t notify_print;		/* the state file, last looked at */
	/* Start values of touched messages during a sync. */
	struct maildir_touch *touched;
	size_t ntouched, touched_cap;
};

struct maildir_touch {
	uint32_t index;
	uint32_t flags;
	uint64_t keywords;
	uint64_t modseq;
};

/* ---- paths and the store (maildir-folder.c) ----------------------------- */

/* The directory of mailbox `name` (canonical) in `pool` (NULL: malloc'd,
 * the caller frees). */
char *maildir_box_dir(struct maildir_store *store, struct gd_pool *pool,
    const char *name);
/* mkdir -p with mode 0700.  0, or -1 with *err (may be NULL). */
int maildir_mkdirs(const char *path, struct gd_mail_error *err);
/* The directory of existing mailbox `name` (malloc'd; INBOX is made
 * when missing), or NULL with *err (NOTFOUND). */
char *maildir_existing_dir(struct maildir_store *store, const char *name,
    struct gd_mail_error *err);
/* Whether `dir` is a mailbox (has cur/); sets errno. */
bool maildir_dir_is_mailbox(const char *dir);
/* Create dir/{cur,new,tmp} (mode 0700), and maildirfolder when
 * `folder`.  0, or -1 with *err. */
int maildir_make_skeleton(const char *dir, bool folder,
    struct gd_mail_error *err);

int maildir_store_open(const struct gd_mail_backend *backend,
    const struct gd_mail_user *user, unsigned flags,
    struct gd_mail_store **store_r, struct gd_mail_error *err);
void maildir_store_close(struct gd_mail_store *store);
int maildir_list(struct gd_mail_store *store, gd_mail_list_raw_fn *fn,
    void *arg, struct gd_mail_error *err);
int maildir_create(struct gd_mail_store *store, const char *name,
    struct gd_mail_error *err);
int maildir_delete(struct gd_mail_store *store, const char *name,
    struct gd_mail_error *err);
int maildir_rename(struct gd_mail_store *store, const char *from,
    const char *to, struct gd_mail_error *err);

/* ---- the view (maildir-view.c) ----------------------------------------- */

void maildir_list_init(struct maildir_list *l);
void maildir_list_free(struct maildir_list *l);
/* Reserve room for n more messages and name_bytes more arena bytes. */
void maildir_list_reserve(struct maildir_list *l, uint32_t n,
    size_t name_bytes);
/* Store a name for a message; returns the offset for msg.backend. */
uintptr_t maildir_list_name_add(struct maildir_list *l, bool in_new,
    const char *name, size_t len);
/* Append a message (the list keeps UID order: uid must be greater). */
struct gd_mail_msg *maildir_list_append(struct maildir_list *l,
    const struct maildir_rec *rec, uint64_t known_kw_mask);
/* Replace message i's name and derived flags/keywords. */
void maildir_list_rename(struct maildir_list *l, uint32_t i, bool in_new,
    const char *name, size_t len, uint64_t known_kw_mask);
/* Shrink the arena when half of it is garbage; fit allocations. */
void maildir_list_compact(struct maildir_list *l);
void maildir_list_fit(struct maildir_list *l);
/* Index of `uid`, or -1. */
int64_t maildir_list_find(const struct maildir_list *l, uint32_t uid);
const char *maildir_list_name(const struct maildir_list *l, uint32_t i);
bool maildir_list_in_new(const struct maildir_list *l, uint32_t i);
/* Keep the mailbox base in step with the list. */
void maildir_box_publish(struct maildir_box *box);

/* ---- the state file (maildir-state.c) ---------------------------------- */

/* The state of one mailbox as read under its lock. */
struct maildir_state {
	const char *dir;		/* mailbox directory */
	const struct gd_mail_store_config *cfg;
	int fd;				/* the state file, -1 if missing */
	int lock_fd;			/* locked */
	bool own_lock_fd;
	struct maildir_hdr hdr;
	bool hdr_dirty;			/* write hdr back on close */
	bool damaged;			/* rebuild needed */
	bool uids_lost;			/* UIDs cannot be kept */
	bool salvage;			/* read past invalid records */
	dev_t st_dev;
	ino_t st_ino;
	uint64_t size;			/* file size */
};

/*
 * Lock the mailbox's state (lock_fd: an open lock file, or -1 to open
 * one) and open the state file, reading and checking its header.  A
 * missing file or an unreadable header sets `damaged` (and `uids_lost`
 * when UIDs cannot be kept); a header from another boot applies the
 * reservations.  0, or -1 with *err (TEMP).  BLOCKING.
 */
int maildir_state_begin(struct maildir_state *st, const char *dir,
    const struct gd_mail_store_config *cfg, int lock_fd,
    struct gd_mail_error *err);
/* Write the header back if dirty, close, unlock.  0 or -1 with *err. */
int maildir_state_end(struct maildir_state *st, struct gd_mail_error *err);
/* Open (creating) the lock file of `dir`.  -1 with *err. */
int maildir_state_lock_open(const char *dir, struct gd_mail_error *err);

/*
 * Read records from `offset` to the end and call fn for each.  A torn
 * tail is truncated away; an invalid record before the end sets
 * `damaged` and stops (0 returned: the caller rebuilds).  *end_r gets
 * where reading stopped.  -1 with *err on I/O errors.
 */
typedef int maildir_rec_fn(void *arg, const struct maildir_rec *rec);
int maildir_state_read(struct maildir_state *st, uint64_t offset,
    maildir_rec_fn *fn, void *arg, uint64_t *end_r,
    struct gd_mail_error *err);

/* Append records (already encoded, n bytes) at the end.  -1 with *err. */
int maildir_state_append(struct maildir_state *st, const void *data,
    size_t len, uint64_t garbage, struct gd_mail_error *err);

/* The next UID / modseq, reserving ahead durably when needed. */
int maildir_state_next_uid(struct maildir_state *st, uint32_t *uid_r,
    struct gd_mail_error *err);
int maildir_state_next_modseq(struct maildir_state *st, uint64_t *modseq_r,
    struct gd_mail_error *err);

/*
 * Replace the state file with `hdr` and one MSG record per live message
 * of `list` (ghosts excluded).  Sets st's file to the new one.
 */
int maildir_state_rewrite(struct maildir_state *st,
    const struct maildir_list *list, struct gd_mail_error *err);

/* A fresh UIDVALIDITY different from `old`. */
uint32_t maildir_uidvalidity_new(uint32_t old);

/* ---- sync (maildir-sync.c, maildir-scan.c) ------------------------------ */

int maildir_sync(struct gd_mailbox *box, unsigned flags,
    const struct gd_mail_sync_callbacks *cb, void *arg,
    struct gd_mail_error *err);
/* Bring box->list up to date under an already begun state. */
int maildir_sync_locked(struct maildir_box *box, struct maildir_state *st,
    bool scan_always, struct gd_mail_error *err);
/* Record a touched message's start values (once per sync). */
void maildir_touch(struct maildir_box *box, uint32_t i);
/* Reconcile with the directories; appends records to `out`. */
struct maildir_out;
int maildir_scan(struct maildir_box *box, struct maildir_state *st,
    bool force, struct maildir_out *out, struct gd_mail_error *err);

/*
 * Directory stamps around our own changes (under the lock):
 * maildir_stamps_check before renaming or unlinking in cur/ and new/
 * says, for each ([0] cur/, [1] new/), whether it is as its stamp
 * recorded (nothing changed it since the last scan); after the changes
 * are recorded, maildir_stamps_own moves the stamp of each such one to
 * its new mtime (untrusted: read by a scan once it has aged past the
 * margin), so that the next sync does not read a whole directory again
 * for changes it already knows.  A directory changed otherwise keeps its
 * old stamp: the next sync reads it.
 */
void maildir_stamps_check(const struct maildir_box *box,
    const struct maildir_state *st, bool current[2]);
void maildir_stamps_own(const struct maildir_box *box,
    struct maildir_state *st, const bool current[2]);

/* Pending records of one locked operation. */
struct maildir_out {
	uint8_t *buf;
	size_t len, cap;
	uint64_t garbage;
};
void maildir_out_add(struct maildir_out *out, const struct maildir_rec *r);
int maildir_out_flush(struct maildir_out *out, struct maildir_state *st,
    struct gd_mail_error *err);
void maildir_out_free(struct maildir_out *out);

/* ---- mailboxes (maildir-box.c) ----------------------------------------- */

int maildir_mailbox_open(struct gd_mail_store *store, const char *name,
    unsigned flags, struct gd_mailbox **box_r, struct gd_mail_error *err);
void maildir_mailbox_close(struct gd_mailbox *box);
int maildir_content_open(struct gd_mailbox *box, uint32_t seq,
    struct gd_mail_content **content_r, struct gd_mail_error *err);
/* The backend's internal_date: message seq's file mtime, read now (a
 * scan leaves it unknown) and kept in the view; the time in the file
 * name when the file is gone. */
int64_t maildir_internal_date(struct gd_mailbox *box, uint32_t seq);
/* The current path of message i when its recorded file is gone
 * (renamed by another program): searched in cur/ and new/.  0, or -1
 * with errno ENOENT. */
int maildir_find_current(const struct maildir_box *box, uint32_t i,
    char *buf, size_t size);
/* Whether mailbox `name` has children (folders below it). */
bool maildir_has_children(struct maildir_store *store, const char *name);
/* Path of message i in `buf`.  -1 if it does not fit. */
int maildir_msg_path(const struct maildir_box *box, uint32_t i, char *buf,
    size_t size);
/* The known-keyword mask of the box. */
uint64_t maildir_box_kw_mask(const struct maildir_box *box);

/* ---- changes (maildir-change.c) ---------------------------------------- */

int maildir_set_flags(struct gd_mailbox *box,
    const struct gd_mail_range *ranges, size_t nranges,
    const struct gd_mail_flag_change *change, gd_mail_seq_fn *changed,
    gd_mail_seq_fn *failed, void *arg, struct gd_mail_error *err);
int maildir_expunge(struct gd_mailbox *box, enum gd_mail_expunge_mode mode,
    const struct gd_mail_range *ranges, size_t nranges,
    gd_mail_expunged_fn *expunged, void *arg, struct gd_mail_error *err);
int maildir_copy(struct gd_mailbox *box, const struct gd_mail_range *ranges,
    size_t nranges, const char *to, bool move, gd_mail_copied_fn *copied,
    gd_mail_expunged_fn *expunged, void *arg, uint32_t *uidvalidity_r,
    struct gd_mail_error *err);
/*
 * End of a sync or change: messages marked GONE leave the view (reported
 * to `expunged` with their sequence number at that moment) or, with
 * `ghost_new`, stay as GD_MAIL_EXPUNGED ghosts; with `drop_ghosts` older
 * ghosts leave too.  Messages marked CHANGED are reported to `changed`.
 * Clears the private marks and publishes the view.
 */
void maildir_view_remove_gone(struct maildir_box *box, bool ghost_new,
    bool drop_ghosts, gd_mail_expunged_fn *expunged, gd_mail_seq_fn *changed,
    void *arg);
/* Expunge the messages marked MAILDIR_MSG_SEEN (marked) or chosen by
 * mode and ranges. */
int maildir_expunge_marked(struct maildir_box *box,
    enum gd_mail_expunge_mode mode, const struct gd_mail_range *ranges,
    size_t nranges, bool marked, gd_mail_expunged_fn *expunged, void *arg,
    struct gd_mail_error *err);

/* State records a view has not taken in yet, latest per UID. */
struct maildir_peek_ent {
	uint32_t uid;
	uint32_t order;
	bool gone, in_new;
	uint64_t modseq;
	char *name;
};
struct maildir_peek {
	struct maildir_peek_ent *ents;
	size_t n, cap;
};
int maildir_peek_load(struct maildir_box *box, struct maildir_state *st,
    struct maildir_peek *pk, struct gd_mail_error *err);
void maildir_peek_free(struct maildir_peek *pk);

/* A message's current file, for a change. */
struct maildir_cur {
	uint32_t index;
	bool gone, in_new;
	const char *name;
	uint64_t modseq;
	struct maildir_fname f;
	char path[PATH_MAX];
	char namebuf[MAILDIR_NAME_MAX + 1];
};
/* Fill `cur` for view message seq; 0 when it is gone (skip it). */
int maildir_cur_prepare(struct maildir_box *box, struct maildir_peek *pk,
    uint32_t seq, struct maildir_cur *cur);

/* ---- appends (maildir-append.c) ----------------------------------------- */

int maildir_append_start(struct gd_mail_store *store, const char *name,
    const struct gd_mail_append_info *info,
    struct gd_mail_append **append_r, struct gd_mail_error *err);
int maildir_append_write(struct gd_mail_append *append, const void *data,
    size_t len, struct gd_mail_error *err);
int maildir_append_end(struct gd_mail_append *append,
    uint32_t *uidvalidity_r, uint32_t *uid_r, struct gd_mail_error *err);
void maildir_append_abort(struct gd_mail_append *append);
int maildir_append_file(struct gd_mail_store *store, const char *name,
    const struct gd_mail_append_info *info, int fd, const char *path,
    uint64_t size, uint32_t *uidvalidity_r, uint32_t *uid_r,
    struct gd_mail_error *err);
const char *maildir_spool_dir(const struct gd_mail_backend *backend);

/*
 * Make finished files messages of the mailbox at `dir`: under its lock,
 * rename (or link, keeping tmp_path) each to new/ or cur/ `name` (final
 * names carry their flags), give it a UID (in array order, one modseq
 * for all) and record it; then sync the directories.  A message with
 * `err` set fails alone: its own error goes there, its `ret` is -1 (or
 * -2 when its link crosses file systems), and the others go on.  Any
 * other failure is the whole call's: -1 with *err and nothing left
 * visible (-2, nothing done, when the first message has no `err` and
 * its link crosses file systems).  0 otherwise (each `ret` says which
 * messages were placed: 0).  BLOCKING.
 */
struct maildir_newmsg {
	const char *tmp_path;		/* where the finished file is */
	bool link;			/* link (keep tmp_path) or rename */
	char name[MAILDIR_NAME_MAX + 1];	/* final name */
	bool in_new;
	uint64_t vsize;
	int64_t mtime;
	struct gd_mail_error *err;	/* NULL, or: fails alone, see above */
	uint32_t uid;			/* out */
	int ret;			/* out: 0 placed, -1, -2 (EXDEV) */
};
int maildir_commit(const char *dir, const struct gd_mail_store_config *cfg,
    struct maildir_newmsg *msgs, size_t n, uint32_t *uidvalidity_r,
    struct gd_mail_error *err);
/* maildir_commit under a state just begun (maildir_state_begin, lock_fd
 * -1); ends it. */
int maildir_commit_locked(struct maildir_state *st,
    struct maildir_newmsg *msgs, size_t n, uint32_t *uidvalidity_r,
    struct gd_mail_error *err);

/* ---- group commit (maildir-group.c) ------------------------------------- */

/*
 * maildir_commit of the one message `nm` (its `err` unused), shared with
 * the concurrent callers for the same `dir` and `cfg`: they queue, and
 * one of them (the leader) takes the state lock, then commits what is
 * queued at that moment (at most MAILDIR_GROUP_MAX, in arrival order: the
 * UIDs follow it) in one state transaction and one directory sync.  The
 * leader never waits for more callers.  Returns as maildir_commit for
 * nm alone (0, -1 or -2 with *err; nm->uid, *uidvalidity_r), once nm's
 * file and its record are as durable as maildir_commit makes them; a
 * failure of the transaction is every member's.  BLOCKING.
 */
#define MAILDIR_GROUP_MAX	64
int maildir_group_commit(const char *dir,
    const struct gd_mail_store_config *cfg, struct maildir_newmsg *nm,
    uint32_t *uidvalidity_r, struct gd_mail_error *err);

/* Copy file `from` into a new file `to` (O_EXCL), synced as configured. */
int maildir_copy_file(const struct gd_mail_store_config *cfg, int from_fd,
    const char *to, struct gd_mail_error *err);

/* ---- keywords (maildir-keywords.c) ---------------------------------------- */

/* Re-read dovecot-keywords into box->base.keywords when it changed.
 * Sets *grew when names were added.  0 or -1 with *err. */
int maildir_keywords_refresh(struct maildir_box *box, bool *grew,
    struct gd_mail_error *err);
/* Map names to letters of the mailbox at `box`, adding new ones to the
 * file (under the state lock).  0, or -1 with *err (LIMIT, BADNAME). */
int maildir_keywords_map(struct maildir_box *box, const char *const *names,
    uint64_t *bits_r, struct gd_mail_error *err);
/* maildir_keywords_map for a mailbox directory without an open view. */
int maildir_keywords_map_dir(struct maildir_store *store, const char *dir,
    const char *const *names, uint64_t *bits_r, struct gd_mail_error *err);
/* Read the names of a mailbox dir's keyword file into `names` (26). */
int maildir_keywords_read(const char *dir, struct gd_pool *pool,
    const char *names[MAILDIR_KEYWORD_MAX], unsigned *count_r,
    struct gd_mail_error *err);

/* ---- quota (maildir-quota.c) ---------------------------------------------- */

int maildir_quota_usage(struct gd_mail_store *store, uint64_t *bytes_r,
    uint64_t *messages_r, struct gd_mail_error *err);
/* Add a delta line to maildirsize (when the file exists). */
void maildir_quota_add(const char *root, int64_t bytes, int64_t messages);

/* ---- notify (maildir-notify.c) -------------------------------------------- */

int maildir_notify_start(struct gd_mailbox *box, struct gd_loop *loop,
    gd_mailbox_notify_fn *fn, void *arg, struct gd_mail_error *err);
void maildir_notify_stop(struct gd_mailbox *box);

/* ---- small helpers (maildir.c) -------------------------------------------- */

/* Boot id of this machine's current boot (zeros when unknown). */
void maildir_boot_id(uint8_t out[16]);
/* Realtime now, in nanoseconds. */
int64_t maildir_now_ns(void);
/* fsync an fd when the config says so.  -1 with *err. */
int maildir_fsync(const struct gd_mail_store_config *cfg, int fd,
    const char *what, struct gd_mail_error *err);

#endif /* MAILDIR_PRIVATE_H */
