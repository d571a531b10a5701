/*
 * gumdrop/mail-deliver.h — local delivery: one message stream into one or
 * more users' mailboxes.
 *
 * SMTP and LMTP (local-delivery), gumdropctl deliver (an LDA for other
 * MTAs and procmail-style use) and any module that files mail use this.
 * The content is written once, in bounded chunks, as it arrives (it is
 * never held in memory); then one call makes it durable in every
 * recipient's mailbox and reports a result per recipient.  Success is
 * reported only once the copy is on disk (file and directory synced, as
 * the backend's `fsync` setting says; on by default).
 *
 *   d = gd_mail_delivery_create(backend, &err);
 *   gd_mail_delivery_add(d, &alice, NULL, 0);          // INBOX
 *   gd_mail_delivery_add(d, &bob, "Lists/gumdrop", GD_MAIL_DELIVER_FALLBACK);
 *   while (more) gd_mail_delivery_write(d, buf, n, &err);   // on the loop
 *   gd_mail_delivery_finish(d, loop, delivered, ctx);   // fsync etc. in the pool
 *   ...
 *   delivered(): for each i, gd_mail_delivery_result(d, i) → reply per rcpt
 *   gd_mail_delivery_destroy(&d);
 *
 * Threads: create/add/write/result/destroy may run on a worker loop (they
 * write one temporary file, never sync it); gd_mail_delivery_run() is
 * BLOCKING; gd_mail_delivery_finish() runs it in the blocking pool.  One
 * thread at a time per delivery.
 */
#ifndef GUMDROP_MAIL_DELIVER_H
#define GUMDROP_MAIL_DELIVER_H

#include <sys/types.h>

#include <gumdrop/common.h>
#include <gumdrop/mailbox.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_loop;
struct gd_stream;
struct gd_mail_delivery;

enum gd_mail_deliver_flag {
	/* If the named mailbox does not exist, deliver to INBOX instead
	 * (and say so in the result's `mailbox`). */
	GD_MAIL_DELIVER_FALLBACK = 1 << 0,
	/* If the named mailbox does not exist, create it. */
	GD_MAIL_DELIVER_CREATE = 1 << 1,
};

enum gd_mail_deliver_status {
	GD_MAIL_DELIVER_PENDING = 0,	/* not run yet */
	GD_MAIL_DELIVERED,		/* durable in `mailbox` */
	/* Over the storage or message quota: `permanent` says whether the
	 * backend is configured to refuse (552 5.2.2) or defer (452 4.2.2). */
	GD_MAIL_DELIVER_OVERQUOTA,
	/* Temporary failure (disk full, I/O error, lock timeout): retry. */
	GD_MAIL_DELIVER_TEMPFAIL,
	/* Permanent failure (no such mailbox without FALLBACK, bad user
	 * name, message over the size limit). */
	GD_MAIL_DELIVER_PERMFAIL,
};

struct gd_mail_rcpt_result {
	enum gd_mail_deliver_status status;
	bool permanent;			/* for OVERQUOTA: refuse, not defer */
	const char *mailbox;		/* where it went (or was to go) */
	uint32_t uidvalidity;		/* DELIVERED: the message's UID there */
	uint32_t uid;
	struct gd_mail_error error;	/* for failures */
};

/*
 * Start a delivery through `backend`.  The content is kept in memory up
 * to 64 KiB; past that it goes to a spool file (made by the write that
 * outgrows memory), else run() makes the file in the blocking pool, so a
 * small message costs the calling loop no file system call.  NULL with
 * *err (TEMP) when the delivery cannot start.
 */
GD_API struct gd_mail_delivery *gd_mail_delivery_create(
    const struct gd_mail_backend *backend, struct gd_mail_error *err);

/*
 * Add a recipient: `user` (copied) and the mailbox to deliver to (NULL:
 * INBOX), with enum gd_mail_deliver_flag `flags`.  Returns the recipient's
 * index (0, 1, ...) for gd_mail_delivery_result().  Before run/finish.
 */
GD_API unsigned gd_mail_delivery_add(struct gd_mail_delivery *d,
    const struct gd_mail_user *user, const char *mailbox, unsigned flags);

/*
 * The envelope sender (copied), recorded by backends that keep it (mbox
 * "From " lines).  Optional; before run/finish.
 */
GD_API void gd_mail_delivery_set_sender(struct gd_mail_delivery *d,
    const char *sender);

/* Recipients added so far. */
GD_API unsigned gd_mail_delivery_count(const struct gd_mail_delivery *d);

/*
 * Append `len` bytes of content, stored exactly as given.  -1 with *err
 * (TEMP: the spool file cannot be made, disk full, I/O error); the
 * delivery must then be destroyed.
 */
GD_API int gd_mail_delivery_write(struct gd_mail_delivery *d,
    const void *data, size_t len, struct gd_mail_error *err);

/* Bytes written so far. */
GD_API uint64_t gd_mail_delivery_size(const struct gd_mail_delivery *d);

/*
 * (ABI 1.6) Deliver `len` bytes (copied) at content offset `offset` of
 * every copy, as if they had been written there: header fields known
 * only once the content ended (Authentication-Results, DKIM-Signature)
 * go on top of a message whose spool was written as it arrived.  One
 * insertion per delivery (a second call replaces the first); `offset`
 * must be <= the size when run() starts (else the bytes go at the end).
 * `len` 0 removes it.  Sizes, quotas and limits count the inserted
 * bytes.  Content still in memory when run() starts (up to 64 KiB) is
 * spooled with the insertion in place and linked like any other; a
 * larger spool is already on disk and stays as written, so each copy is
 * made by copying it (no hard link).  Before run/finish.
 */
GD_API void gd_mail_delivery_insert(struct gd_mail_delivery *d,
    uint64_t offset, const void *data, size_t len);

/*
 * (ABI 1.6) Quarantine: every recipient's copy goes to its \Junk
 * mailbox instead of the mailbox given to gd_mail_delivery_add(): the
 * mailbox with special-use \Junk (RFC 6154) when the store has one,
 * else `fallback` (copied; e.g. "Junk"), created (with \Junk) when
 * missing.  The result's `mailbox` says where it went.  NULL undoes it.
 * Before run/finish.
 */
GD_API void gd_mail_delivery_set_junk(struct gd_mail_delivery *d,
    const char *fallback);

/*
 * Push a content consumer onto `stream` (hooks.h) that writes everything
 * it receives into the delivery (and takes it all: back-pressure comes
 * only from the socket).  The consumer's end() does not run the delivery:
 * call gd_mail_delivery_finish() after gd_stream_end() succeeded.
 */
GD_API void gd_mail_delivery_stream_push(struct gd_stream *stream,
    struct gd_mail_delivery *d);

/*
 * Deliver to every recipient: sync the spool, then for each recipient
 * open the store (creating it on first delivery), check the quota, and
 * append (hard link when the backend can, else copy) durably.  Fills
 * each recipient's result.  Returns 0 when every recipient got a result
 * (look at them), -1 with *err when nothing could be tried (the spool
 * file could not be made, written or synced).  BLOCKING; once.
 */
GD_API int gd_mail_delivery_run(struct gd_mail_delivery *d,
    struct gd_mail_error *err);

/*
 * Run the delivery in the blocking pool and call done(arg, d) on `loop`
 * when every result is known (also when run failed: then every result is
 * TEMPFAIL).  Returns 0, or -1 if the pool is shutting down (nothing
 * ran).  `loop`'s thread; the delivery must not be touched until `done`.
 */
typedef void gd_mail_delivery_done_fn(void *arg, struct gd_mail_delivery *d);
GD_API int gd_mail_delivery_finish(struct gd_mail_delivery *d,
    struct gd_loop *loop, gd_mail_delivery_done_fn *done, void *arg);

/* The result for recipient `index` (owned by the delivery). */
GD_API const struct gd_mail_rcpt_result *gd_mail_delivery_result(
    const struct gd_mail_delivery *d, unsigned index);

/* Remove the spool file, free everything, set *d to NULL.  NULL: no-op.
 * Not while a finish is running. */
GD_API void gd_mail_delivery_destroy(struct gd_mail_delivery **d);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_MAIL_DELIVER_H */
