/*
 * dirsync.c — gd_mail_fsync_dir(): a directory sync shared by the
 * concurrent callers it covers (group commit).
 *
 * Twenty deliveries into one Maildir each link a file into new/ and must
 * then see new/ synced.  One fsync that starts after a caller's change
 * makes that change durable, so a caller that finds a sync of its
 * directory already running waits for it to end and, if that one began
 * before the caller came, for the next one, which one of the waiters
 * starts for all of them.  Directories are spread over a small table of
 * slots by name; a slot busy with another directory is not shared (the
 * caller syncs on its own).  A failed sync advances nobody: each waiter
 * then syncs for itself and reports its own result.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailbox-private.h"

#define DIRSYNC_SLOTS	64

struct dirsync_slot {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *path;		/* the directory shared, NULL: none */
	unsigned users;		/* callers inside for `path` */
	uint64_t asked;		/* tickets given out */
	uint64_t synced;	/* tickets a finished fsync covers */
	bool running;
};

static struct dirsync_slot dirsync_slots[DIRSYNC_SLOTS];
static pthread_once_t dirsync_once = PTHREAD_ONCE_INIT;

static void
dirsync_init(void)
{
	unsigned i;

	for (i = 0; i < DIRSYNC_SLOTS; i++) {
		pthread_mutex_init(&dirsync_slots[i].lock, NULL);
		pthread_cond_init(&dirsync_slots[i].cond, NULL);
	}
}

/* One fsync of the directory `path`, nobody else's. */
static int
dirsync_alone(const char *path, struct gd_mail_error *err)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		gd_mail_error_errno(err, "open directory %s", path);
		return -1;
	}
	if (fsync(fd) < 0) {
		gd_mail_error_errno(err, "fsync directory %s", path);
		ret = -1;
	}
	close(fd);
	return ret;
}

static struct dirsync_slot *
dirsync_slot_of(const char *path)
{
	uint32_t h = 2166136261u;

	for (; *path != '\0'; path++)
		h = (h ^ (uint8_t)*path) * 16777619u;
	return &dirsync_slots[h % DIRSYNC_SLOTS];
}

/* Under the slot's lock: make it serve `path` if it is free. */
static bool
dirsync_claim(struct dirsync_slot *slot, const char *path)
{
	if (slot->path != NULL && strcmp(slot->path, path) == 0)
		return true;
	if (slot->users > 0)
		return false;
	free(slot->path);
	slot->path = gd_xstrdup(path);
	slot->asked = slot->synced = 0;
	return true;
}

/* Under the slot's lock: wait until a sync begun after the ticket was
 * taken has finished, running it ourselves when none is running. */
static int
dirsync_wait(struct dirsync_slot *slot, const char *path,
    struct gd_mail_error *err)
{
	uint64_t ticket = ++slot->asked, target;
	int ret = 0;

	while (slot->synced < ticket) {
		if (slot->running) {
			pthread_cond_wait(&slot->cond, &slot->lock);
			continue;
		}
		slot->running = true;
		target = slot->asked;
		pthread_mutex_unlock(&slot->lock);
		ret = dirsync_alone(path, err);
		pthread_mutex_lock(&slot->lock);
		slot->running = false;
		if (ret == 0)
			slot->synced = target;
		pthread_cond_broadcast(&slot->cond);
		if (ret < 0)
			break;
	}
	return ret;
}

int
gd_mail_fsync_dir(const struct gd_mail_store_config *cfg, const char *path,
    struct gd_mail_error *err)
{
	struct dirsync_slot *slot;
	int ret;

	MAIL_ASSERT_BLOCKING();
	if (cfg != NULL && !cfg->fsync)
		return 0;
	pthread_once(&dirsync_once, dirsync_init);
	slot = dirsync_slot_of(path);
	pthread_mutex_lock(&slot->lock);
	if (!dirsync_claim(slot, path)) {
		pthread_mutex_unlock(&slot->lock);
		return dirsync_alone(path, err);
	}
	slot->users++;
	ret = dirsync_wait(slot, path, err);
	slot->users--;
	pthread_mutex_unlock(&slot->lock);
	return ret;
}
