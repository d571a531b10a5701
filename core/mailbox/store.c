/*
 * store.c — the store tier of mailbox.h: finding backends, opening
 * stores, managing mailboxes, status, quota and session locks.  Listing
 * is in list.c, special use and subscriptions in special.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <gumdrop/pool.h>
#include <gumdrop/service.h>

#include "mailbox-private.h"

#define MAIL_LOCK_MAGIC	0x47444d4cu	/* "GDML" */

struct gd_mail_lock {
	uint32_t magic;
	struct gd_mail_store *store;
	int fd;
};

const struct gd_mail_backend *
mail_backend(const struct gd_mail_store *store)
{
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	return store->backend;
}

const struct gd_mail_backend *
gd_mail_backend_find(const char *name, struct gd_mail_error *err)
{
	const struct gd_mail_backend *b;
	const char *error = NULL;
	char service[128];

	snprintf(service, sizeof(service), "%s%s",
	    GD_MAIL_STORAGE_SERVICE_PREFIX, name);
	b = gd_service_lookup(service, GD_MAIL_STORAGE_MAJOR,
	    GD_MAIL_STORAGE_MINOR, &error);
	if (b == NULL || !GD_SERVICE_HAS(b, struct gd_mail_backend,
	    notify_stop)) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTSUPP,
		    "storage backend '%s': %s", name, error != NULL ? error :
		    "its table is too old");
		return NULL;
	}
	return b;
}

const char *
gd_mail_backend_name(const struct gd_mail_backend *b)
{
	return b->name;
}

void
gd_mail_store_init(struct gd_mail_store *store,
    const struct gd_mail_backend *backend,
    const struct gd_mail_store_config *config,
    const struct gd_mail_user *user, const char *root, struct gd_pool *pool)
{
	memset(store, 0, sizeof(*store));
	store->magic = GD_MAIL_STORE_MAGIC;
	store->backend = backend;
	store->pool = pool;
	store->config = config;
	store->user = *user;
	store->user.name = gd_pool_strdup(pool, user->name);
	store->user.location = gd_pool_strdup(pool, user->location);
	store->root = gd_pool_strdup(pool, root);
	store->control_dir = store->root;
}

int
gd_mail_store_open(const struct gd_mail_backend *backend,
    const struct gd_mail_user *user, unsigned flags,
    struct gd_mail_store **store_r, struct gd_mail_error *err)
{
	struct gd_mail_store *store = NULL;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if (backend->store_open(backend, user, flags, &store, err) < 0)
		return -1;
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	if (store->created && mail_special_create_all(store, err) < 0) {
		gd_mail_store_close(&store);
		return -1;
	}
	*store_r = store;
	return 0;
}

void
gd_mail_store_close(struct gd_mail_store **storep)
{
	struct gd_mail_store *store = *storep;
	struct gd_pool *pool;

	if (store == NULL)
		return;
	MAIL_ASSERT_BLOCKING();
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	assert(store->open_objects == 0 && "store closed with open objects");
	pool = store->pool;
	store->backend->store_close(store);
	gd_pool_destroy(&pool);
	*storep = NULL;
}

const struct gd_mail_user *
gd_mail_store_user(const struct gd_mail_store *store)
{
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	return &store->user;
}

const struct gd_mail_backend *
gd_mail_store_backend(const struct gd_mail_store *store)
{
	return mail_backend(store);
}

const struct gd_msg_limits *
gd_mail_store_msg_limits(const struct gd_mail_store *store)
{
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	return &store->config->limits;
}

uint64_t
gd_mail_store_max_message_size(const struct gd_mail_store *store)
{
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	return store->config->max_message_size;
}

/* Check a name argument and give its canonical form (in the store pool
 * when it changes). */
const char *
mail_store_name(struct gd_mail_store *store, const char *name,
    struct gd_mail_error *err)
{
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	if (gd_mail_name_check(name, err) < 0)
		return NULL;
	return mail_name_canonical(name);
}

int
gd_mail_store_create(struct gd_mail_store *store, const char *name,
    unsigned special_use, struct gd_mail_error *err)
{
	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if ((name = mail_store_name(store, name, err)) == NULL)
		return -1;
	if (strcmp(name, "INBOX") == 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXISTS,
		    "INBOX always exists");
		return -1;
	}
	if ((special_use & ~GD_MAIL_LIST_SPECIAL_USE_MASK) != 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOTSUPP,
		    "not a special-use attribute");
		return -1;
	}
	if (store->backend->create(store, name, err) < 0)
		return -1;
	if (special_use != 0)
		return mail_special_use_set(store, name, special_use, err);
	return 0;
}

int
gd_mail_store_delete(struct gd_mail_store *store, const char *name,
    struct gd_mail_error *err)
{
	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if ((name = mail_store_name(store, name, err)) == NULL)
		return -1;
	if (strcmp(name, "INBOX") == 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOPERM,
		    "INBOX cannot be deleted");
		return -1;
	}
	if (store->backend->delete(store, name, err) < 0)
		return -1;
	return mail_special_use_set(store, name, 0, err);
}

int
gd_mail_store_rename(struct gd_mail_store *store, const char *from,
    const char *to, struct gd_mail_error *err)
{
	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	if ((from = mail_store_name(store, from, err)) == NULL ||
	    (to = mail_store_name(store, to, err)) == NULL)
		return -1;
	if (strcmp(to, "INBOX") == 0 || strncmp(to, "INBOX/", 6) == 0 ||
	    strcmp(from, to) == 0) {
		gd_mail_error_set(err, GD_MAIL_ERR_EXISTS,
		    "the target name exists or is reserved");
		return -1;
	}
	if (strncmp(to, from, strlen(from)) == 0 &&
	    to[strlen(from)] == GD_MAIL_DELIM) {
		gd_mail_error_set(err, GD_MAIL_ERR_NOPERM,
		    "a mailbox cannot move below itself");
		return -1;
	}
	if (store->backend->rename(store, from, to, err) < 0)
		return -1;
	if (strcmp(from, "INBOX") == 0)
		return 0;
	return mail_special_use_rename(store, from, to, err);
}

int
gd_mail_store_status(struct gd_mail_store *store, const char *name,
    unsigned items, struct gd_mail_status *st, struct gd_mail_error *err)
{
	struct gd_mailbox *box;
	uint32_t i;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	memset(st, 0, sizeof(*st));
	if ((name = mail_store_name(store, name, err)) == NULL)
		return -1;
	if (store->backend->status != NULL)
		return store->backend->status(store, name, items, st, err);
	if (gd_mailbox_open(store, name, GD_MAILBOX_READONLY, &box, err) < 0)
		return -1;
	st->messages = box->count;
	st->recent = box->recent;
	st->uidnext = box->uidnext;
	st->uidvalidity = box->uidvalidity;
	st->highestmodseq = box->highestmodseq;
	for (i = 0; i < box->count; i++) {
		st->unseen += (box->msgs[i].flags & GD_MAIL_SEEN) == 0;
		st->deleted += (box->msgs[i].flags & GD_MAIL_DELETED) != 0;
		st->size += box->msgs[i].size;
	}
	gd_mailbox_close(&box);
	return 0;
}

static uint64_t
mail_limit(uint64_t user, uint64_t config)
{
	if (user == UINT64_MAX)
		return 0;
	return user != 0 ? user : config;
}

int
gd_mail_store_quota(struct gd_mail_store *store, struct gd_mail_quota *q,
    struct gd_mail_error *err)
{
	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	memset(q, 0, sizeof(*q));
	q->storage_limit = mail_limit(store->user.quota_storage,
	    store->config->quota_storage);
	q->messages_limit = mail_limit(store->user.quota_messages,
	    store->config->quota_messages);
	return store->backend->quota_usage(store, &q->storage_used,
	    &q->messages_used, err);
}

/* A user without a store: nothing used, the limits it will get. */
static void
mail_quota_new(const struct gd_mail_backend *backend,
    const struct gd_mail_user *user, struct gd_mail_quota *q,
    bool *permanent_r)
{
	const struct gd_mail_store_config *cfg = backend->store_config !=
	    NULL ? backend->store_config(backend) : NULL;

	memset(q, 0, sizeof(*q));
	q->storage_limit = mail_limit(user->quota_storage,
	    cfg != NULL ? cfg->quota_storage : 0);
	q->messages_limit = mail_limit(user->quota_messages,
	    cfg != NULL ? cfg->quota_messages : 0);
	*permanent_r = cfg != NULL && cfg->quota_permanent;
}

int
gd_mail_user_quota(const struct gd_mail_backend *backend,
    const struct gd_mail_user *user, struct gd_mail_quota *quota_r,
    bool *permanent_r, struct gd_mail_error *err)
{
	struct gd_mail_store *store;
	int ret;

	MAIL_ASSERT_BLOCKING();
	gd_mail_error_clear(err);
	mail_quota_new(backend, user, quota_r, permanent_r);
	if (backend->store_config != NULL && quota_r->storage_limit == 0 &&
	    quota_r->messages_limit == 0)
		return 0;	/* nothing to measure against */
	if (gd_mail_store_open(backend, user, 0, &store, err) < 0) {
		if (err->code != GD_MAIL_ERR_NOTFOUND)
			return -1;
		gd_mail_error_clear(err);
		return 0;
	}
	*permanent_r = store->config->quota_permanent;
	ret = gd_mail_store_quota(store, quota_r, err);
	gd_mail_store_close(&store);
	return ret;
}

int
mail_quota_check(struct gd_mail_store *store, uint64_t add_bytes,
    uint64_t add_messages, struct gd_mail_error *err)
{
	struct gd_mail_quota q;

	if (mail_limit(store->user.quota_storage,
	    store->config->quota_storage) == 0 &&
	    mail_limit(store->user.quota_messages,
	    store->config->quota_messages) == 0)
		return 0;
	if (gd_mail_store_quota(store, &q, err) < 0)
		return -1;
	if (q.storage_limit != 0 && q.storage_used + add_bytes >
	    q.storage_limit) {
		gd_mail_error_set(err, GD_MAIL_ERR_OVERQUOTA, "storage quota "
		    "exceeded (%llu + %llu of %llu bytes)",
		    (unsigned long long)q.storage_used,
		    (unsigned long long)add_bytes,
		    (unsigned long long)q.storage_limit);
		return -1;
	}
	if (q.messages_limit != 0 && q.messages_used + add_messages >
	    q.messages_limit) {
		gd_mail_error_set(err, GD_MAIL_ERR_OVERQUOTA, "message quota "
		    "exceeded (%llu of %llu messages)",
		    (unsigned long long)q.messages_used,
		    (unsigned long long)q.messages_limit);
		return -1;
	}
	return 0;
}

static bool
mail_lock_name_ok(const char *name)
{
	const char *p;

	if (name[0] == '\0' || strlen(name) > 32)
		return false;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			return false;
	return true;
}

int
gd_mail_store_lock(struct gd_mail_store *store, const char *name,
    struct gd_mail_lock **lock_r, struct gd_mail_error *err)
{
	struct gd_mail_lock *lock;
	char *path;
	int fd;

	MAIL_ASSERT_BLOCKING();
	GD_CHECK_MAGIC(store, GD_MAIL_STORE_MAGIC);
	assert(mail_lock_name_ok(name));
	path = gd_xasprintf("%s/%s%s", store->control_dir, MAIL_LOCK_PREFIX,
	    name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		gd_mail_error_errno(err, "open %s", path);
		free(path);
		return -1;
	}
	free(path);
	/* flock: exclusive between open files, so between our threads too. */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			gd_mail_error_set(err, GD_MAIL_ERR_INUSE,
			    "held by another session");
		else
			gd_mail_error_errno(err, "lock %s", name);
		close(fd);
		return -1;
	}
	lock = gd_xcalloc(1, sizeof(*lock));
	lock->magic = MAIL_LOCK_MAGIC;
	lock->store = store;
	lock->fd = fd;
	store->open_objects++;
	*lock_r = lock;
	return 0;
}

void
gd_mail_lock_release(struct gd_mail_lock **lockp)
{
	struct gd_mail_lock *lock = *lockp;

	if (lock == NULL)
		return;
	GD_CHECK_MAGIC(lock, MAIL_LOCK_MAGIC);
	lock->store->open_objects--;
	close(lock->fd);
	lock->magic = 0;
	free(lock);
	*lockp = NULL;
}
