/*
 * pending.so — hook fixture: answers PENDING and resumes from a thread of
 * its own ~20ms later with ACCEPT 250 2.0.0 "resumed".  The thread is
 * joined in fini: a detached one could still be returning into this
 * object's code when the test unloads it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include <gumdrop/gumdrop.h>

static pthread_t pending_tid;
static bool pending_started;

static void *
pending_thread(void *arg)
{
	struct gd_hook_pending *p = arg;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct gd_reply reply = { 250, "2.0.0", "resumed" };

	nanosleep(&ts, NULL);
	gd_hook_resume(p, GD_VERDICT_ACCEPT, &reply);
	return NULL;
}

static enum gd_verdict
pending_handler(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_hook_pending *p = gd_hook_pend(call);
	if (pending_started ||
	    pthread_create(&pending_tid, NULL, pending_thread, p) != 0) {
		gd_hook_resume(p, GD_VERDICT_ERROR, NULL);
		return GD_VERDICT_PENDING;
	}
	pending_started = true;
	return GD_VERDICT_PENDING;
}

static void
pending_fini(struct gd_module_ctx *ctx)
{
	if (pending_started)
		pthread_join(pending_tid, NULL);
	pending_started = false;
}

static const struct gd_hook_reg pending_hooks[] = {
	{ "good.event", pending_handler, GD_HOOK_MAY_PEND, NULL },
	{ NULL, NULL, 0, NULL },
};

static const struct gd_module_dep pending_deps[] = {
	{ GD_DEP_MODULE, "good", 0, 0 },
	{ 0, NULL, 0, 0 },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "pending",
	.version = "0.1",
	.deps = pending_deps,
	.hooks = pending_hooks,
	.fini = pending_fini,
};
