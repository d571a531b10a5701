/*
 * mailbox-private.h — shared by the files of the mailbox layer
 * (core/mailbox/); not installed.
 */
#ifndef GD_MAILBOX_PRIVATE_H
#define GD_MAILBOX_PRIVATE_H

#include <gumdrop/loop.h>
#include <gumdrop/mailbox.h>
#include <gumdrop/mailbox-impl.h>

/* BLOCKING functions must not run on a worker loop (mailbox.h). */
#define MAIL_ASSERT_BLOCKING() \
	assert(gd_loop_current() == NULL && "BLOCKING mailbox call on a loop")

/* Names of the layer's files in a store's control directory. */
#define MAIL_SUBSCRIPTIONS_FILE	"gumdrop-subscriptions"
#define MAIL_SPECIAL_USE_FILE	"gumdrop-special-use"
#define MAIL_LOCK_PREFIX	"gumdrop-lock."

/* The backend table of a store (asserting the store's magic). */
const struct gd_mail_backend *mail_backend(const struct gd_mail_store *s);

/*
 * A set of mailbox names read from one of the layer's files
 * (subscriptions, special use): a sorted array with an attribute each.
 */
struct mail_nameset {
	struct gd_pool *pool;
	char **names;
	unsigned *attrs;
	size_t count;
	size_t cap;
};

/* Read `file` from the store's control directory (missing: empty set).
 * Lines are "NAME" or "NAME\tATTR".  0 or -1 with *err.  BLOCKING. */
int mail_nameset_load(struct gd_mail_store *store, const char *file,
    struct mail_nameset *set, struct gd_mail_error *err);
/* Write it back atomically.  BLOCKING. */
int mail_nameset_save(struct gd_mail_store *store, const char *file,
    const struct mail_nameset *set, struct gd_mail_error *err);
/* Index of `name`, or -1.  Exact comparison (names are canonical). */
ssize_t mail_nameset_find(const struct mail_nameset *set, const char *name);
/* Index of the first name >= `name` (count if none). */
size_t mail_nameset_lower_bound(const struct mail_nameset *set,
    const char *name);
/* Add (or update the attribute of) `name`. */
void mail_nameset_put(struct mail_nameset *set, const char *name,
    unsigned attr);
/* Remove `name` and, with `children`, every "name/..." too. */
bool mail_nameset_remove(struct mail_nameset *set, const char *name,
    bool children);
/* Free the set's pool. */
void mail_nameset_free(struct mail_nameset *set);

/* Special-use attributes of the store's mailboxes: recorded ones (CREATE
 * with USE) and the configured folders.  0 or -1.  BLOCKING. */
int mail_special_use_load(struct gd_mail_store *store,
    struct mail_nameset *set, struct gd_mail_error *err);

/* Record special use / subscriptions changes that follow a rename or a
 * delete of `from` (and its children).  BLOCKING. */
int mail_special_use_set(struct gd_mail_store *store, const char *name,
    unsigned attr, struct gd_mail_error *err);
int mail_special_use_rename(struct gd_mail_store *store, const char *from,
    const char *to, struct gd_mail_error *err);

/* write(2) all of `data`, retrying on EINTR.  0, or -1 with errno. */
int mail_write_all(int fd, const void *data, size_t len);

/*
 * writev(2) all of iov[0..cnt), in order, retrying on EINTR and after
 * short writes (the array is updated as it goes).  0, or -1 with errno.
 */
struct iovec;
int mail_writev_all(int fd, struct iovec *iov, int cnt);

/* Check a name argument and return its canonical form, or NULL with
 * *err (BADNAME). */
const char *mail_store_name(struct gd_mail_store *store, const char *name,
    struct gd_mail_error *err);

/* OVERQUOTA (-1) if adding `bytes` and `messages` would pass the user's
 * limits; 0 when it fits or there is no limit.  BLOCKING. */
int mail_quota_check(struct gd_mail_store *store, uint64_t bytes,
    uint64_t messages, struct gd_mail_error *err);

/* First login: create (and subscribe) the configured special-use
 * folders.  BLOCKING. */
int mail_special_create_all(struct gd_mail_store *store,
    struct gd_mail_error *err);

/* Canonical form of a checked name: "INBOX" for any case of inbox (and
 * "INBOX/..." for its children); else the name itself.  A rewritten name
 * is in a per-thread ring of four: use it within the current call. */
const char *mail_name_canonical(const char *name);

#endif /* GD_MAILBOX_PRIVATE_H */
