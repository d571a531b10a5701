/*
 * work.c — the blocking-work pool: a locked FIFO served by a few threads;
 * each completion goes back to its loop through gd_loop_invoke().
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include <gumdrop/log.h>

#include "loop-private.h"

struct gd_work {
	struct gd_work *next;
	struct gd_loop *loop;
	gd_loop_fn *work;
	gd_loop_fn *done;
	void *arg;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct gd_work *head, **tail;
	pthread_t *threads;
	unsigned count;
	bool running;
	bool stopping;
} gd_work_pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

int
gd_work_submit(struct gd_loop *loop, gd_loop_fn *work, gd_loop_fn *done,
    void *arg)
{
	struct gd_work *w;

	assert(work != NULL && (done == NULL || loop != NULL));
	w = gd_xcalloc(1, sizeof(*w));
	w->loop = loop;
	w->work = work;
	w->done = done;
	w->arg = arg;
	pthread_mutex_lock(&gd_work_pool.lock);
	if (!gd_work_pool.running || gd_work_pool.stopping) {
		pthread_mutex_unlock(&gd_work_pool.lock);
		free(w);
		return -1;
	}
	*gd_work_pool.tail = w;
	gd_work_pool.tail = &w->next;
	pthread_cond_signal(&gd_work_pool.cond);
	pthread_mutex_unlock(&gd_work_pool.lock);
	return 0;
}

/* Pop the next item, waiting for one; NULL once stopping and empty. */
static struct gd_work *
gd_work_next(void)
{
	struct gd_work *w;

	pthread_mutex_lock(&gd_work_pool.lock);
	while (gd_work_pool.head == NULL && !gd_work_pool.stopping)
		pthread_cond_wait(&gd_work_pool.cond, &gd_work_pool.lock);
	w = gd_work_pool.head;
	if (w != NULL) {
		gd_work_pool.head = w->next;
		if (gd_work_pool.head == NULL)
			gd_work_pool.tail = &gd_work_pool.head;
	}
	pthread_mutex_unlock(&gd_work_pool.lock);
	return w;
}

static void *
gd_work_thread(void *arg)
{
	struct gd_work *w;

	while ((w = gd_work_next()) != NULL) {
		w->work(w->arg);
		if (w->done != NULL &&
		    gd_loop_invoke(w->loop, w->done, w->arg) < 0) {
			/* Cannot happen: loops outlive the pool. */
			gd_log(GD_LOG_ERROR, "work.done", "loop=%u "
			    "reason=\"loop stopped, completion dropped\"",
			    gd_loop_index(w->loop));
		}
		free(w);
	}
	return NULL;
}

int
gd_work_pool_start(unsigned threads, const char **error_r)
{
	unsigned i;

	assert(!gd_work_pool.running);
	if (threads == 0)
		threads = 1;
	gd_work_pool.head = NULL;
	gd_work_pool.tail = &gd_work_pool.head;
	gd_work_pool.stopping = false;
	gd_work_pool.threads = gd_xcalloc(threads,
	    sizeof(*gd_work_pool.threads));
	gd_work_pool.running = true;
	for (i = 0; i < threads; i++) {
		if (pthread_create(&gd_work_pool.threads[i], NULL,
		    gd_work_thread, NULL) != 0)
			break;
		gd_work_pool.count++;
	}
	if (gd_work_pool.count < threads) {
		gd_work_pool_stop();
		*error_r = "cannot create a blocking-pool thread";
		return -1;
	}
	return 0;
}

void
gd_work_pool_stop(void)
{
	unsigned i;

	pthread_mutex_lock(&gd_work_pool.lock);
	if (!gd_work_pool.running) {
		pthread_mutex_unlock(&gd_work_pool.lock);
		return;
	}
	gd_work_pool.stopping = true;
	pthread_cond_broadcast(&gd_work_pool.cond);
	pthread_mutex_unlock(&gd_work_pool.lock);
	for (i = 0; i < gd_work_pool.count; i++)
		pthread_join(gd_work_pool.threads[i], NULL);
	free(gd_work_pool.threads);
	gd_work_pool.threads = NULL;
	gd_work_pool.count = 0;
	pthread_mutex_lock(&gd_work_pool.lock);
	gd_work_pool.running = false;
	gd_work_pool.stopping = false;
	pthread_mutex_unlock(&gd_work_pool.lock);
}
