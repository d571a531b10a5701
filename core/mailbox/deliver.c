/*
 * deliver.c — local delivery (mail-deliver.h): the content is spooled to
 * one file as it arrives; run() then makes it durable in each
 * recipient's mailbox through the backend (a hard link where it can).
 * The first DELIVERY_MEM_MAX bytes stay in memory: a message that fits
 * gets its spool file made by run(), in the blocking pool, so the
 * protocol's loop never creates a file (an inode allocation is most of
 * a small delivery's cost there), and with any inserted bytes already in
 * place, so it is linked too.  Only a larger message with an insertion
 * is copied for each recipient.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <gumdrop/hooks.h>
#include <gumdrop/log.h>
#include <gumdrop/mail-deliver.h>
#include <gumdrop/pool.h>

#include "mailbox-private.h"

#define DELIVERY_MAGIC		0x47444456u	/* "GDDV" */
#define DELIVERY_COPY_CHUNK	65536
#define DELIVERY_MEM_MAX	65536	/* content kept in memory, at most */

struct delivery_rcpt {
	struct gd_mail_user user;
	const char *mailbox;
	unsigned flags;
	struct gd_mail_rcpt_result result;
};

struct gd_mail_delivery {
	uint32_t magic;
	struct gd_pool *pool;
	const struct gd_mail_backend *backend;
	char *spool_path;
	const char *sender;
	int fd;				/* -1 while the content is in mem */
	unsigned char *mem;
	size_t mem_cap;
	uint64_t size;
	bool synced;
	bool ran;
	struct delivery_rcpt *rcpts;
	unsigned count, cap;
	/* gd_mail_delivery_insert(): bytes at `ins_at` of every copy. */
	unsigned char *ins;
	size_t ins_len;
	uint64_t ins_at;
	const char *junk;		/* set_junk's fallback, or NULL */
	/* finish(): where and whom to tell. */
	struct gd_loop *loop;
	gd_mail_delivery_done_fn *done;
	void *done_arg;
};

static atomic_uint delivery_counter;

static struct gd_mail_delivery *
delivery_get(const struct gd_mail_delivery *d)
{
	GD_CHECK_MAGIC(d, DELIVERY_MAGIC);
	return (struct gd_mail_delivery *)d;
}

static int
delivery_spool_open(struct gd_mail_delivery *d, struct gd_mail_error *err)
{
	const char *dir = d->backend->spool_dir != NULL ?
	    d->backend->spool_dir(d->backend) : NULL;
	struct timespec ts;

	if (dir == NULL && (dir = getenv("TMPDIR")) == NULL)
		dir = "/tmp";
	clock_gettime(CLOCK_REALTIME, &ts);
	d->spool_path = gd_pool_printf(d->pool, "%s/gumdrop-spool.%ld.%d.%u",
	    dir, (long)ts.tv_sec, (int)getpid(),
	    atomic_fetch_add(&delivery_counter, 1));
	d->fd = open(d->spool_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	if (d->fd < 0) {
		gd_mail_error_errno(err, "create spool file %s", d->spool_path);
		err->code = GD_MAIL_ERR_TEMP;
		return -1;
	}
	return 0;
}

struct gd_mail_delivery *
gd_mail_delivery_create(const struct gd_mail_backend *backend,
    struct gd_mail_error *err)
{
	struct gd_pool *pool = gd_pool_create("mail-delivery");
	struct gd_mail_delivery *d = gd_pool_alloc(pool, sizeof(*d));

	gd_mail_error_clear(err);
	d->magic = DELIVERY_MAGIC;
	d->pool = pool;
	d->backend = backend;
	d->fd = -1;
	return d;
}

unsigned
gd_mail_delivery_add(struct gd_mail_delivery *d,
    const struct gd_mail_user *user, const char *mailbox, unsigned flags)
{
	struct delivery_rcpt *r;

	d = delivery_get(d);
	assert(!d->ran);
	if (d->count == d->cap) {
		d->cap = d->cap == 0 ? 4 : d->cap * 2;
		r = gd_pool_alloc(d->pool, d->cap * sizeof(*r));
		if (d->count > 0)
			memcpy(r, d->rcpts, d->count * sizeof(*r));
		d->rcpts = r;
	}
	r = &d->rcpts[d->count];
	memset(r, 0, sizeof(*r));
	r->user = *user;
	r->user.name = gd_pool_strdup(d->pool, user->name);
	r->user.location = gd_pool_strdup(d->pool, user->location);
	r->mailbox = gd_pool_strdup(d->pool, mailbox != NULL ? mailbox :
	    "INBOX");
	r->flags = flags;
	r->result.mailbox = r->mailbox;
	return d->count++;
}

void
gd_mail_delivery_set_sender(struct gd_mail_delivery *d, const char *sender)
{
	d = delivery_get(d);
	d->sender = gd_pool_strdup(d->pool, sender);
}

unsigned
gd_mail_delivery_count(const struct gd_mail_delivery *d)
{
	return delivery_get(d)->count;
}

/* Keep `len` more bytes in memory; false when they do not fit. */
static bool
delivery_mem_append(struct gd_mail_delivery *d, const void *data, size_t len)
{
	size_t want = (size_t)d->size + len, cap = d->mem_cap;

	if (d->fd >= 0 || want > DELIVERY_MEM_MAX)
		return false;
	if (want > cap) {
		for (cap = cap == 0 ? 8192 : cap; cap < want; cap *= 2)
			;
		d->mem = gd_xrealloc(d->mem, cap);
		d->mem_cap = cap;
	}
	memcpy(d->mem + d->size, data, len);
	return true;
}

/*
 * Make the spool file and move what memory holds into it.  With `whole`
 * (run(): the content is complete) the inserted bytes go in their place,
 * so the spool is every copy as it is and append_file can link it.
 */
static int
delivery_spool_flush(struct gd_mail_delivery *d, bool whole,
    struct gd_mail_error *err)
{
	struct iovec iov[3];
	size_t at, ins;

	if (d->fd >= 0)
		return 0;
	/* In memory: d->size <= DELIVERY_MEM_MAX. */
	at = whole && d->ins_at < d->size ? (size_t)d->ins_at :
	    (size_t)d->size;
	ins = whole ? d->ins_len : 0;
	iov[0] = (struct iovec){ .iov_base = d->mem, .iov_len = at };
	iov[1] = (struct iovec){ .iov_base = d->ins, .iov_len = ins };
	iov[2] = (struct iovec){ .iov_base = d->mem != NULL ? d->mem + at :
	    NULL, .iov_len = (size_t)d->size - at };
	if (delivery_spool_open(d, err) < 0)
		return -1;
	if (mail_writev_all(d->fd, iov, 3) < 0) {
		gd_mail_error_errno(err, "write spool file");
		err->code = GD_MAIL_ERR_TEMP;
		return -1;
	}
	d->size += ins;
	d->ins_len -= ins;
	free(d->mem);
	d->mem = NULL;
	d->mem_cap = 0;
	return 0;
}

int
gd_mail_delivery_write(struct gd_mail_delivery *d, const void *data,
    size_t len, struct gd_mail_error *err)
{
	d = delivery_get(d);
	assert(!d->ran);
	if (delivery_mem_append(d, data, len)) {
		d->size += len;
		return 0;
	}
	if (delivery_spool_flush(d, false, err) < 0)
		return -1;
	if (mail_write_all(d->fd, data, len) < 0) {
		gd_mail_error_errno(err, "write spool file");
		err->code = GD_MAIL_ERR_TEMP;
		return -1;
	}
	d->size += len;
	return 0;
}

uint64_t
gd_mail_delivery_size(const struct gd_mail_delivery *d)
{
	return delivery_get(d)->size;
}

void
gd_mail_delivery_insert(struct gd_mail_delivery *d, uint64_t offset,
    const void *data, size_t len)
{
	d = delivery_get(d);
	assert(!d->ran);
	d->ins = NULL;
	d->ins_len = 0;
	d->ins_at = offset;
	if (len == 0)
		return;
	d->ins = gd_pool_alloc(d->pool, len);
	memcpy(d->ins, data, len);
	d->ins_len = len;
}

void
gd_mail_delivery_set_junk(struct gd_mail_delivery *d, const char *fallback)
{
	d = delivery_get(d);
	assert(!d->ran);
	d->junk = fallback != NULL ? gd_pool_strdup(d->pool, fallback) : NULL;
}

const struct gd_mail_rcpt_result *
gd_mail_delivery_result(const struct gd_mail_delivery *d, unsigned index)
{
	d = delivery_get(d);
	assert(index < d->count);
	return &d->rcpts[index].result;
}

void
gd_mail_delivery_destroy(struct gd_mail_delivery **dp)
{
	struct gd_mail_delivery *d = *dp;
	struct gd_pool *pool;

	if (d == NULL)
		return;
	d = delivery_get(d);
	if (d->fd >= 0) {
		close(d->fd);
		unlink(d->spool_path);
	}
	free(d->mem);
	d->magic = 0;
	pool = d->pool;
	gd_pool_destroy(&pool);
	*dp = NULL;
}

/* ---- running ------------------------------------------------------------- */

static enum gd_mail_deliver_status
delivery_status(enum gd_mail_errcode code)
{
	switch (code) {
	case GD_MAIL_ERR_OVERQUOTA:
		return GD_MAIL_DELIVER_OVERQUOTA;
	case GD_MAIL_ERR_TEMP:
	case GD_MAIL_ERR_INUSE:
	case GD_MAIL_ERR_CORRUPT:
		return GD_MAIL_DELIVER_TEMPFAIL;
	default:
		return GD_MAIL_DELIVER_PERMFAIL;
	}
}

/* The size of every copy: the spool and the inserted bytes. */
static uint64_t
delivery_copy_size(const struct gd_mail_delivery *d)
{
	return d->size + d->ins_len;
}

/* Append spool bytes [pos, end) to `app`.  0, or -1 with *err. */
static int
delivery_copy_range(struct gd_mail_delivery *d, struct gd_mail_append *app,
    uint64_t pos, uint64_t end, struct gd_mail_error *err)
{
	unsigned char buf[DELIVERY_COPY_CHUNK];
	size_t want;
	ssize_t n;

	while (pos < end) {
		want = end - pos < sizeof(buf) ? (size_t)(end - pos) :
		    sizeof(buf);
		n = pread(d->fd, buf, want, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			gd_mail_error_errno(err, "read spool");
			return -1;
		}
		if (gd_mail_append_write(app, buf, (size_t)n, err) < 0)
			return -1;
		pos += (uint64_t)n;
	}
	return 0;
}

/*
 * Copy the spool through a streaming append (no append_file, or bytes
 * to insert): spool up to the insertion point, the inserted bytes, the
 * rest.
 */
static int
delivery_copy(struct gd_mail_delivery *d, struct gd_mail_store *store,
    const char *mailbox, const struct gd_mail_append_info *info,
    struct gd_mail_rcpt_result *res)
{
	struct gd_mail_append *app;
	uint64_t at = d->ins_at < d->size ? d->ins_at : d->size;

	if (gd_mail_append_start(store, mailbox, info, &app, &res->error) < 0)
		return -1;
	if (delivery_copy_range(d, app, 0, at, &res->error) < 0 ||
	    (d->ins_len > 0 && gd_mail_append_write(app, d->ins, d->ins_len,
	    &res->error) < 0) ||
	    delivery_copy_range(d, app, at, d->size, &res->error) < 0) {
		gd_mail_append_abort(&app);
		return -1;
	}
	return gd_mail_append_end(&app, &res->uidvalidity, &res->uid,
	    &res->error);
}

static int
delivery_sync_spool(struct gd_mail_delivery *d, struct gd_mail_store *store,
    struct gd_mail_error *err)
{
	if (d->synced || !store->config->fsync)
		return 0;
	if (fsync(d->fd) < 0) {
		gd_mail_error_errno(err, "fsync spool file");
		err->code = GD_MAIL_ERR_TEMP;
		return -1;
	}
	d->synced = true;
	return 0;
}

static int
delivery_append(struct gd_mail_delivery *d, struct gd_mail_store *store,
    const char *mailbox, struct gd_mail_rcpt_result *res)
{
	uint64_t size = delivery_copy_size(d);
	struct gd_mail_append_info info = { .internal_date = time(NULL),
	    .size_hint = size, .sender = d->sender };
	const char *name;

	if ((name = mail_store_name(store, mailbox, &res->error)) == NULL ||
	    (store->config->max_message_size != 0 &&
	    size > store->config->max_message_size &&
	    (gd_mail_error_set(&res->error, GD_MAIL_ERR_LIMIT,
	    "message larger than the limit"), true)) ||
	    mail_quota_check(store, size, 1, &res->error) < 0)
		return -1;
	if (store->backend->append_file == NULL || d->ins_len > 0)
		return delivery_copy(d, store, name, &info, res);
	if (delivery_sync_spool(d, store, &res->error) < 0)
		return -1;
	return store->backend->append_file(store, name, &info, d->fd,
	    d->spool_path, d->size, &res->uidvalidity, &res->uid,
	    &res->error);
}

/* The named folder is missing: create it or fall back to INBOX. */
static int
delivery_missing(struct gd_mail_delivery *d, struct gd_mail_store *store,
    struct delivery_rcpt *r)
{
	struct gd_mail_rcpt_result *res = &r->result;

	if (r->flags & GD_MAIL_DELIVER_CREATE) {
		if (gd_mail_store_create(store, r->mailbox, 0, &res->error) < 0 &&
		    res->error.code != GD_MAIL_ERR_EXISTS)
			return -1;
		return delivery_append(d, store, r->mailbox, res);
	}
	if ((r->flags & GD_MAIL_DELIVER_FALLBACK) == 0)
		return -1;
	res->mailbox = "INBOX";
	return delivery_append(d, store, "INBOX", res);
}

/* ---- quarantine ------------------------------------------------------ */

struct delivery_junk_find {
	struct gd_pool *pool;
	const char *name;
};

static int
delivery_junk_entry(void *arg, const struct gd_mail_list_entry *e)
{
	struct delivery_junk_find *f = arg;

	if ((e->attrs & GD_MAIL_LIST_JUNK) == 0 || (e->attrs &
	    (GD_MAIL_LIST_NOSELECT | GD_MAIL_LIST_NONEXISTENT)) != 0)
		return 0;
	f->name = gd_pool_strdup(f->pool, e->name);
	return -1;			/* the first one, in name order */
}

/* The store's \Junk mailbox, else d->junk; created when missing. */
static int
delivery_junk(struct gd_mail_delivery *d, struct gd_mail_store *store,
    struct gd_mail_rcpt_result *res)
{
	struct delivery_junk_find f = { d->pool, NULL };

	if (gd_mail_store_list(store, NULL, GD_MAIL_LIST_ONLY_SPECIAL_USE,
	    delivery_junk_entry, &f, &res->error) < 0)
		return -1;
	res->mailbox = f.name != NULL ? f.name : d->junk;
	if (delivery_append(d, store, res->mailbox, res) == 0)
		return 0;
	if (res->error.code != GD_MAIL_ERR_NOTFOUND)
		return -1;
	if (gd_mail_store_create(store, res->mailbox, GD_MAIL_LIST_JUNK,
	    &res->error) < 0 && res->error.code != GD_MAIL_ERR_EXISTS)
		return -1;
	return delivery_append(d, store, res->mailbox, res);
}

static void
delivery_one(struct gd_mail_delivery *d, struct delivery_rcpt *r)
{
	struct gd_mail_rcpt_result *res = &r->result;
	struct gd_mail_store *store;
	int ret;

	if (gd_mail_store_open(d->backend, &r->user, GD_MAIL_STORE_CREATE,
	    &store, &res->error) < 0) {
		res->status = delivery_status(res->error.code);
		return;
	}
	if (d->junk != NULL)
		ret = delivery_junk(d, store, res);
	else if ((ret = delivery_append(d, store, r->mailbox, res)) < 0 &&
	    res->error.code == GD_MAIL_ERR_NOTFOUND &&
	    strcmp(r->mailbox, "INBOX") != 0)
		ret = delivery_missing(d, store, r);
	res->status = ret == 0 ? GD_MAIL_DELIVERED :
	    delivery_status(res->error.code);
	res->permanent = res->status == GD_MAIL_DELIVER_OVERQUOTA ?
	    store->config->quota_permanent :
	    res->status == GD_MAIL_DELIVER_PERMFAIL;
	gd_mail_store_close(&store);
}

static void
delivery_log(const struct gd_mail_delivery *d, const struct delivery_rcpt *r)
{
	char user[128], box[128], why[256];

	gd_log(r->result.status == GD_MAIL_DELIVERED ? GD_LOG_INFO :
	    GD_LOG_WARNING, "mail.deliver",
	    "user=%s mailbox=%s size=%llu result=%s uid=%u reason=%s",
	    gd_log_quote(user, sizeof(user), r->user.name),
	    gd_log_quote(box, sizeof(box), r->result.mailbox),
	    (unsigned long long)delivery_copy_size(d),
	    r->result.status == GD_MAIL_DELIVERED ? "stored" :
	    gd_mail_errcode_name(r->result.error.code), r->result.uid,
	    gd_log_quote(why, sizeof(why), r->result.status ==
	    GD_MAIL_DELIVERED ? "ok" : r->result.error.text));
}

int
gd_mail_delivery_run(struct gd_mail_delivery *d, struct gd_mail_error *err)
{
	unsigned i;

	MAIL_ASSERT_BLOCKING();
	d = delivery_get(d);
	assert(!d->ran);
	d->ran = true;
	gd_mail_error_clear(err);
	if (delivery_spool_flush(d, true, err) < 0)
		return -1;
	for (i = 0; i < d->count; i++) {
		delivery_one(d, &d->rcpts[i]);
		delivery_log(d, &d->rcpts[i]);
	}
	return 0;
}

static void
delivery_job(void *arg)
{
	struct gd_mail_delivery *d = arg;
	struct gd_mail_error err;
	unsigned i;

	if (gd_mail_delivery_run(d, &err) == 0)
		return;
	for (i = 0; i < d->count; i++) {
		d->rcpts[i].result.status = GD_MAIL_DELIVER_TEMPFAIL;
		d->rcpts[i].result.error = err;
	}
}

static void
delivery_job_done(void *arg)
{
	struct gd_mail_delivery *d = arg;

	d->done(d->done_arg, d);
}

int
gd_mail_delivery_finish(struct gd_mail_delivery *d, struct gd_loop *loop,
    gd_mail_delivery_done_fn *done, void *arg)
{
	d = delivery_get(d);
	assert(done != NULL && loop != NULL);
	d->loop = loop;
	d->done = done;
	d->done_arg = arg;
	return gd_work_submit(loop, delivery_job, delivery_job_done, d);
}

/* ---- as a content consumer ---------------------------------------------- */

static ssize_t
delivery_stream_write(struct gd_stream_link *link, void *ctx, const void *buf,
    size_t len, const char **error_r)
{
	static __thread struct gd_mail_error err;

	(void)link;
	if (gd_mail_delivery_write(ctx, buf, len, &err) < 0) {
		*error_r = err.text;
		return -1;
	}
	return (ssize_t)len;
}

static const struct gd_stream_consumer delivery_consumer = {
	.name = "mail-delivery",
	.write = delivery_stream_write,
};

void
gd_mail_delivery_stream_push(struct gd_stream *stream,
    struct gd_mail_delivery *d)
{
	gd_stream_push(stream, &delivery_consumer, delivery_get(d));
}
