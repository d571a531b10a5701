/*
 * maildir-group.c — group commit: concurrent appends to one mailbox
 * share one state transaction.
 *
 * Twenty deliveries into one Maildir each used to take the state lock,
 * read the state, link, append a record, write the header and sync
 * new/, one after the other.  Here a caller joins its folder's queue; a
 * caller that finds nobody leading leads: it takes the state lock, then
 * the queue's first MAILDIR_GROUP_MAX members (what is there now: it
 * never waits for more), commits them with maildir_commit_locked (each
 * member's own failure stays its own), hands out the results and wakes
 * everyone.  A woken caller whose message is not done leads the next
 * batch.  Folders (directory and configuration) live in a small list,
 * each with its mutex and condition, freed when nobody uses them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "maildir-private.h"

struct group_member {
	struct maildir_newmsg *nm;
	struct gd_mail_error err;
	uint32_t uidvalidity;
	int ret;
	bool done;
	struct group_member *next;
};

struct group_folder {
	char *dir;
	const struct gd_mail_store_config *cfg;
	unsigned users;			/* under group_lock */
	pthread_mutex_t lock;		/* the rest: under `lock` */
	pthread_cond_t cond;
	bool leading;
	struct group_member *head, **tail;
	struct group_folder *next;
};

static pthread_mutex_t group_lock = PTHREAD_MUTEX_INITIALIZER;
static struct group_folder *group_folders;

static struct group_folder *
group_get(const char *dir, const struct gd_mail_store_config *cfg)
{
	struct group_folder *f;

	pthread_mutex_lock(&group_lock);
	for (f = group_folders; f != NULL; f = f->next)
		if (f->cfg == cfg && strcmp(f->dir, dir) == 0)
			break;
	if (f == NULL) {
		f = gd_xcalloc(1, sizeof(*f));
		f->dir = gd_xstrdup(dir);
		f->cfg = cfg;
		pthread_mutex_init(&f->lock, NULL);
		pthread_cond_init(&f->cond, NULL);
		f->tail = &f->head;
		f->next = group_folders;
		group_folders = f;
	}
	f->users++;
	pthread_mutex_unlock(&group_lock);
	return f;
}

static void
group_put(struct group_folder *f)
{
	struct group_folder **p;

	pthread_mutex_lock(&group_lock);
	if (--f->users == 0) {
		for (p = &group_folders; *p != f; p = &(*p)->next)
			;
		*p = f->next;
		pthread_mutex_destroy(&f->lock);
		pthread_cond_destroy(&f->cond);
		free(f->dir);
		free(f);
	}
	pthread_mutex_unlock(&group_lock);
}

/* Take up to `max` members off the queue (f->lock held). */
static size_t
group_take(struct group_folder *f, struct group_member **batch, size_t max)
{
	size_t n = 0;

	while (n < max && f->head != NULL) {
		batch[n++] = f->head;
		f->head = f->head->next;
	}
	if (f->head == NULL)
		f->tail = &f->head;
	return n;
}

/* Commit one batch (called without f->lock, holding the lead). */
static void
group_lead(struct group_folder *f)
{
	struct group_member *batch[MAILDIR_GROUP_MAX];
	struct maildir_newmsg *msgs;
	struct maildir_state st;
	struct gd_mail_error err;
	uint32_t uidvalidity = 0;
	size_t n, k;
	int ret;

	ret = maildir_state_begin(&st, f->dir, f->cfg, -1, &err);
	pthread_mutex_lock(&f->lock);
	n = group_take(f, batch, MAILDIR_GROUP_MAX);
	pthread_mutex_unlock(&f->lock);
	msgs = gd_xcalloc(n, sizeof(*msgs));
	for (k = 0; k < n; k++) {
		msgs[k] = *batch[k]->nm;
		msgs[k].err = &batch[k]->err;
	}
	if (ret == 0)
		ret = maildir_commit_locked(&st, msgs, n, &uidvalidity, &err);
	pthread_mutex_lock(&f->lock);
	for (k = 0; k < n; k++) {
		batch[k]->nm->uid = msgs[k].uid;
		batch[k]->uidvalidity = uidvalidity;
		batch[k]->ret = ret < 0 ? -1 : msgs[k].ret;
		if (ret < 0)
			batch[k]->err = err;
		batch[k]->done = true;
	}
	pthread_mutex_unlock(&f->lock);
	free(msgs);
}

int
maildir_group_commit(const char *dir, const struct gd_mail_store_config *cfg,
    struct maildir_newmsg *nm, uint32_t *uidvalidity_r,
    struct gd_mail_error *err)
{
	struct group_folder *f = group_get(dir, cfg);
	struct group_member me = { .nm = nm, .ret = -1 };

	pthread_mutex_lock(&f->lock);
	*f->tail = &me;
	f->tail = &me.next;
	while (!me.done) {
		if (f->leading) {
			pthread_cond_wait(&f->cond, &f->lock);
			continue;
		}
		f->leading = true;
		pthread_mutex_unlock(&f->lock);
		group_lead(f);
		pthread_mutex_lock(&f->lock);
		f->leading = false;
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	group_put(f);
	if (me.ret < 0 && err != NULL)
		*err = me.err;
	if (uidvalidity_r != NULL)
		*uidvalidity_r = me.uidvalidity;
	return me.ret;
}
