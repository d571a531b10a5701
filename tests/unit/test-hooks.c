/*
 * test-hooks.c — hook chains (order, verdicts, reply validation, observe-
 * only handlers, pending handlers on a real worker loop, timeouts) and
 * content streams (1-byte feeding through stacked consumers, abort).
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include <gumdrop/gumdrop.h>

#include "hooks-private.h"
#include "loop-private.h"

/* What a test handler does; its `data`. */
struct handler_spec {
	const char *tag;
	enum gd_verdict verdict;
	struct gd_reply reply;
	int pend;		/* 0 no, 1 resume from a thread, 2 never */
	enum gd_verdict late;	/* verdict given on resume */
};

static char trace[256];
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gd_config *cfg;

static void
trace_add(const char *tag)
{
	pthread_mutex_lock(&trace_lock);
	if (trace[0] != '\0')
		strcat(trace, ",");
	strcat(trace, tag);
	pthread_mutex_unlock(&trace_lock);
}

static void *
resume_thread(void *arg)
{
	struct gd_hook_pending *p = arg;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	gd_hook_resume(p, GD_VERDICT_CONTINUE, NULL);
	return NULL;
}

static struct gd_hook_pending *kept_token;

static enum gd_verdict
test_handler(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct handler_spec *spec = data;
	struct gd_hook_pending *p;
	pthread_t tid;

	trace_add(spec->tag);
	*reply_r = spec->reply;
	if (spec->pend == 0)
		return spec->verdict;
	p = gd_hook_pend(call);
	if (spec->pend == 1) {
		cr_assert_eq(pthread_create(&tid, NULL, resume_thread, p), 0);
		pthread_detach(tid);
	} else if (spec->pend == 2) {
		kept_token = p;
	} else {
		gd_hook_resume(p, GD_VERDICT_ACCEPT, NULL);
		gd_hook_resume(p, GD_VERDICT_ACCEPT, NULL);
	}
	return GD_VERDICT_PENDING;
}

static const struct gd_config_node *load_yaml(const char *text);

static struct handler_spec spec_a = { "a", GD_VERDICT_CONTINUE, {0}, 0, 0 };
static struct handler_spec spec_b = { "b", GD_VERDICT_CONTINUE, {0}, 0, 0 };
static struct handler_spec spec_c = { "c", GD_VERDICT_CONTINUE, {0}, 0, 0 };
static struct handler_spec spec_obs = { "obs", GD_VERDICT_ACCEPT, {0}, 0, 0 };

static const struct gd_hook_point_decl owner_points[] = {
	{ "t.point", 0, "test point" },
	{ "t.other", 0, "another" },
	{ NULL, 0, NULL },
};

static const struct gd_hook_reg a_regs[] = {
	{ "t.point", test_handler, 0, &spec_a },
	{ NULL, NULL, 0, NULL },
};
static const struct gd_hook_reg ap_regs[] = {
	{ "t.point", test_handler, GD_HOOK_MAY_PEND, &spec_a },
	{ NULL, NULL, 0, NULL },
};
static const struct gd_hook_reg b_regs[] = {
	{ "t.point", test_handler, 0, &spec_b },
	{ NULL, NULL, 0, NULL },
};
static const struct gd_hook_reg c_regs[] = {
	{ "t.point", test_handler, 0, &spec_c },
	{ NULL, NULL, 0, NULL },
};
static const struct gd_hook_reg obs_regs[] = {
	{ "t.point", test_handler, GD_HOOK_OBSERVE, &spec_obs },
	{ NULL, NULL, 0, NULL },
};

/* Load order: owner, a, b, c, obs. */
static const struct gd_hooks_module test_mods[] = {
	{ "owner", NULL, owner_points, NULL },
	{ "a", NULL, NULL, a_regs },
	{ "b", NULL, NULL, b_regs },
	{ "c", NULL, NULL, c_regs },
	{ "obs", NULL, NULL, obs_regs },
};

/* The same, but a may pend. */
static const struct gd_hooks_module pend_mods[] = {
	{ "owner", NULL, owner_points, NULL },
	{ "a", NULL, NULL, ap_regs },
	{ "b", NULL, NULL, b_regs },
	{ "c", NULL, NULL, c_regs },
	{ "obs", NULL, NULL, obs_regs },
};

static void
build_pend_ok(const char *yaml)
{
	const struct gd_config_node *hooks = NULL;
	const char *error = NULL;

	if (yaml != NULL)
		hooks = gd_config_get(load_yaml(yaml), "hooks");
	cr_assert_eq(gd_hooks_build(pend_mods, GD_N_ELEMENTS(pend_mods),
	    hooks, &error), 0, "build: %s", error);
}

static const struct gd_config_node *
load_yaml(const char *text)
{
	char *err = NULL;

	gd_config_free(&cfg);
	cfg = gd_config_load_string("test.yaml", text, strlen(text), &err);
	cr_assert_not_null(cfg, "config: %s", err);
	return gd_config_root(cfg);
}

/* Build chains for the given `hooks:` yaml (may be NULL). */
static int
build(const char *yaml, unsigned nmods, const char **error_r)
{
	const struct gd_config_node *hooks = NULL;

	if (yaml != NULL)
		hooks = gd_config_get(load_yaml(yaml), "hooks");
	return gd_hooks_build(test_mods, nmods, hooks, error_r);
}

static void
build_ok(const char *yaml)
{
	const char *error = NULL;

	cr_assert_eq(build(yaml, GD_N_ELEMENTS(test_mods), &error), 0,
	    "build: %s", error);
}

static const struct gd_hook_result *
run_sync(struct gd_hook_call *call)
{
	struct gd_hook_point *p = gd_hook_point_find("t.point");

	cr_assert_not_null(p);
	gd_hook_call_init(call, p, NULL, NULL, NULL, NULL, NULL);
	cr_assert_eq(gd_hook_run(call), 1);
	return gd_hook_call_result(call);
}

static void
reset_specs(void)
{
	struct handler_spec *all[] = { &spec_a, &spec_b, &spec_c };
	unsigned i;

	for (i = 0; i < GD_N_ELEMENTS(all); i++) {
		all[i]->verdict = GD_VERDICT_CONTINUE;
		memset(&all[i]->reply, 0, sizeof(all[i]->reply));
		all[i]->pend = 0;
	}
	trace[0] = '\0';
}

static void
teardown(void)
{
	gd_hooks_reset();
	gd_config_free(&cfg);
}

TestSuite(hooks, .init = reset_specs, .fini = teardown);

Test(hooks, basic_empty_point_continues)
{
	static const struct gd_hooks_module only_owner[] = {
		{ "owner", NULL, owner_points, NULL },
	};
	struct gd_hook_call call;
	const char *error;
	struct gd_hook_point *p;

	cr_assert_eq(gd_hooks_build(only_owner, 1, NULL, &error), 0);
	p = gd_hook_point_find("t.other");
	cr_assert_not_null(p);
	cr_assert_str_eq(gd_hook_point_name(p), "t.other");
	cr_assert_eq(gd_hook_point_handler_count(p), 0);
	cr_assert_null(gd_hook_point_find("t.nope"));
	gd_hook_call_init(&call, p, NULL, NULL, NULL, NULL, NULL);
	cr_assert_eq(gd_hook_run(&call), 1);
	cr_assert_eq(gd_hook_call_result(&call)->verdict, GD_VERDICT_CONTINUE);
	cr_assert_eq(gd_hook_call_result(&call)->reply.code, 0);
}

Test(hooks, basic_chain_runs_through)
{
	struct gd_hook_call call;
	const struct gd_hook_result *r;

	build_ok(NULL);
	r = run_sync(&call);
	cr_assert_str_eq(trace, "a,b,c,obs");
	cr_assert_eq(r->verdict, GD_VERDICT_CONTINUE);
	cr_assert_null(r->module);
	cr_assert_eq(r->disconnect, false);
}

/* gd_hook_call_point(): handlers shared between points tell them apart. */
static char seen_point[32];

static enum gd_verdict
point_handler(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	(void)ctx; (void)data; (void)reply_r;
	snprintf(seen_point, sizeof(seen_point), "%s",
	    gd_hook_call_point(call));
	return GD_VERDICT_CONTINUE;
}

Test(hooks, basic_call_point_names_the_running_point)
{
	static const struct gd_hook_reg both_regs[] = {
		{ "t.point", point_handler, 0, NULL },
		{ "t.other", point_handler, 0, NULL },
		{ NULL, NULL, 0, NULL },
	};
	static const struct gd_hooks_module mods[] = {
		{ "owner", NULL, owner_points, NULL },
		{ "both", NULL, NULL, both_regs },
	};
	static const char *const names[] = { "t.point", "t.other" };
	struct gd_hook_call call;
	const char *error = NULL;
	unsigned i;

	cr_assert_eq(gd_hooks_build(mods, 2, NULL, &error), 0, "%s", error);
	for (i = 0; i < 2; i++) {
		seen_point[0] = '\0';
		gd_hook_call_init(&call, gd_hook_point_find(names[i]), NULL,
		    NULL, NULL, NULL, NULL);
		/* Readable before the run, by the handler, and after. */
		cr_assert_str_eq(gd_hook_call_point(&call), names[i]);
		cr_assert_eq(gd_hook_run(&call), 1);
		cr_assert_str_eq(seen_point, names[i]);
		cr_assert_str_eq(gd_hook_call_point(&call), names[i]);
	}
}

/* Each terminal verdict with no reply gets its default. */
Test(hooks, basic_each_verdict_default_reply)
{
	static const struct {
		enum gd_verdict v;
		unsigned code;
		const char *enhanced;
	} cases[] = {
		{ GD_VERDICT_ACCEPT, 250, "2.0.0" },
		{ GD_VERDICT_REJECT, 550, "5.7.1" },
		{ GD_VERDICT_TEMPFAIL, 451, "4.7.1" },
		{ GD_VERDICT_DISCARD, 250, "2.0.0" },
		{ GD_VERDICT_ERROR, 451, "4.3.0" },
	};
	struct gd_hook_call call;
	const struct gd_hook_result *r;
	unsigned i;

	build_ok(NULL);
	for (i = 0; i < GD_N_ELEMENTS(cases); i++) {
		trace[0] = '\0';
		spec_b.verdict = cases[i].v;
		r = run_sync(&call);
		cr_assert_str_eq(trace, "a,b,obs", "verdict %s",
		    gd_verdict_name(cases[i].v));
		cr_assert_eq(r->verdict, cases[i].v);
		cr_assert_eq(r->reply.code, cases[i].code);
		cr_assert_str_eq(r->reply.enhanced, cases[i].enhanced);
		cr_assert_str_eq(r->module, "b");
	}
}

Test(hooks, basic_valid_reply_is_kept)
{
	struct gd_hook_call call;
	const struct gd_hook_result *r;

	build_ok(NULL);
	spec_a.verdict = GD_VERDICT_REJECT;
	spec_a.reply = (struct gd_reply){ 554, "5.7.26", "DMARC says no" };
	r = run_sync(&call);
	cr_assert_eq(r->verdict, GD_VERDICT_REJECT);
	cr_assert_eq(r->reply.code, 554);
	cr_assert_str_eq(r->reply.enhanced, "5.7.26");
	cr_assert_str_eq(r->reply.text, "DMARC says no");
	cr_assert_str_eq(trace, "a,obs");
}

Test(hooks, complex_misbehaving_replies_are_replaced)
{
	static const struct {
		enum gd_verdict v;
		struct gd_reply reply;
		unsigned want;
	} cases[] = {
		{ GD_VERDICT_REJECT, { 250, "2.0.0", "fine" }, 550 },
		{ GD_VERDICT_TEMPFAIL, { 550, NULL, NULL }, 451 },
		{ GD_VERDICT_ACCEPT, { 451, NULL, NULL }, 250 },
		{ GD_VERDICT_REJECT, { 550, "4.7.1", "x" }, 550 },
		{ GD_VERDICT_REJECT, { 550, "5.7", "x" }, 550 },
		{ GD_VERDICT_REJECT, { 550, "5.7.1x", "x" }, 550 },
		{ GD_VERDICT_REJECT, { 550, NULL, "two\r\nlines" }, 550 },
		{ GD_VERDICT_REJECT, { 5500, NULL, NULL }, 550 },
		{ GD_VERDICT_ERROR, { 554, NULL, NULL }, 451 },
	};
	struct gd_hook_call call;
	const struct gd_hook_result *r;
	unsigned i;

	build_ok(NULL);
	for (i = 0; i < GD_N_ELEMENTS(cases); i++) {
		spec_a.verdict = cases[i].v;
		spec_a.reply = cases[i].reply;
		r = run_sync(&call);
		cr_assert_eq(r->verdict, cases[i].v, "case %u", i);
		cr_assert_eq(r->reply.code, cases[i].want, "case %u: %u", i,
		    r->reply.code);
		cr_assert_str_neq(r->reply.text, "fine");
		cr_assert_null(strchr(r->reply.text, '\n'));
	}
}

Test(hooks, complex_421_means_disconnect)
{
	struct gd_hook_call call;
	const struct gd_hook_result *r;

	build_ok(NULL);
	spec_a.verdict = GD_VERDICT_TEMPFAIL;
	spec_a.reply = (struct gd_reply){ 421, "4.7.0", "go away" };
	r = run_sync(&call);
	cr_assert_eq(r->reply.code, 421);
	cr_assert(r->disconnect);
	spec_a.verdict = GD_VERDICT_ERROR;
	spec_a.reply = (struct gd_reply){ 421, NULL, "shutting down" };
	r = run_sync(&call);
	cr_assert_eq(r->verdict, GD_VERDICT_ERROR);
	cr_assert_eq(r->reply.code, 421);
	cr_assert(r->disconnect);
	spec_a.reply = (struct gd_reply){ 0, NULL, NULL };
	r = run_sync(&call);
	cr_assert_eq(r->reply.code, 451);
	cr_assert_not(r->disconnect);
}

Test(hooks, complex_observer_runs_after_terminal_verdict)
{
	struct gd_hook_call call;
	const struct gd_hook_result *r;

	/* obs (returns ACCEPT) placed first, then a rejects. */
	build_ok("hooks: {t.point: [obs, a]}\n");
	spec_a.verdict = GD_VERDICT_REJECT;
	r = run_sync(&call);
	cr_assert_str_eq(trace, "obs,a");
	cr_assert_eq(r->verdict, GD_VERDICT_REJECT);
	/* and after it, in load order */
	gd_hooks_reset();
	trace[0] = '\0';
	build_ok(NULL);
	r = run_sync(&call);
	cr_assert_str_eq(trace, "a,obs");
	cr_assert_eq(r->verdict, GD_VERDICT_REJECT);
	cr_assert_str_eq(r->module, "a");
}

Test(hooks, complex_order_from_config_then_load_order)
{
	struct gd_hook_call call;

	build_ok("hooks:\n  t.point: [c, a]\n");
	run_sync(&call);
	cr_assert_str_eq(trace, "c,a,b,obs");
	gd_hooks_reset();
	trace[0] = '\0';
	build_ok("hooks:\n  t.point: {order: [obs, b], timeout: 5s}\n");
	run_sync(&call);
	cr_assert_str_eq(trace, "obs,b,a,c");
	gd_hooks_reset();
	trace[0] = '\0';
	build_ok("hooks:\n  t.point: b\n");
	run_sync(&call);
	cr_assert_str_eq(trace, "b,a,c,obs");
}

Test(hooks, complex_config_errors_name_file_and_line)
{
	const char *error = NULL;

	cr_assert_eq(build("hooks:\n  t.point: [a, owner]\n",
	    GD_N_ELEMENTS(test_mods), &error), -1);
	cr_assert_not_null(strstr(error, "test.yaml:2:"), "%s", error);
	cr_assert_not_null(strstr(error, "module 'owner' has no handler "
	    "for hook point 't.point'"), "%s", error);
	gd_config_free(&cfg);
	cr_assert_eq(build("hooks:\n  t.point: [a]\n  t.nope: [a]\n",
	    GD_N_ELEMENTS(test_mods), &error), -1);
	cr_assert_not_null(strstr(error, "test.yaml:3:"), "%s", error);
	cr_assert_not_null(strstr(error, "no loaded module declares"));
	gd_config_free(&cfg);
	cr_assert_eq(build("hooks:\n  t.point: [a, a]\n",
	    GD_N_ELEMENTS(test_mods), &error), -1);
	cr_assert_not_null(strstr(error, "listed twice"), "%s", error);
	gd_config_free(&cfg);
	cr_assert_eq(build("hooks:\n  t.point: {order: [a], timout: 1s}\n",
	    GD_N_ELEMENTS(test_mods), &error), -1);
	cr_assert_not_null(strstr(error, "timout"), "%s", error);
}

Test(hooks, complex_registration_errors)
{
	static const struct gd_hook_reg bad_regs[] = {
		{ "t.missing", test_handler, 0, &spec_a },
		{ NULL, NULL, 0, NULL },
	};
	static const struct gd_hook_reg pend_obs[] = {
		{ "t.point", test_handler,
		    GD_HOOK_OBSERVE | GD_HOOK_MAY_PEND, &spec_a },
		{ NULL, NULL, 0, NULL },
	};
	struct gd_hooks_module mods[2] = {
		{ "owner", NULL, owner_points, NULL },
		{ "x", NULL, NULL, bad_regs },
	};
	const char *error;

	cr_assert_eq(gd_hooks_build(mods, 2, NULL, &error), -1);
	cr_assert_str_eq(error, "module 'x': handler for hook point "
	    "'t.missing': no loaded module declares this point");
	mods[1].regs = pend_obs;
	cr_assert_eq(gd_hooks_build(mods, 2, NULL, &error), -1);
	cr_assert_not_null(strstr(error, "may not pend"));
	mods[1].points = owner_points;
	mods[1].regs = NULL;
	cr_assert_eq(gd_hooks_build(mods, 2, NULL, &error), -1);
	cr_assert_not_null(strstr(error, "already declared by module "
	    "'owner'"), "%s", error);
}

Test(hooks, complex_pending_without_pend_is_error)
{
	struct gd_hook_call call;
	const struct gd_hook_result *r;

	build_ok(NULL);
	spec_b.verdict = GD_VERDICT_PENDING;
	r = run_sync(&call);
	cr_assert_eq(r->verdict, GD_VERDICT_ERROR);
	cr_assert_eq(r->reply.code, 451);
	cr_assert_str_eq(trace, "a,b,obs");
}

Test(hooks, complex_no_loop_with_pending_handler_refused)
{
	struct gd_hook_call call;
	struct gd_hook_point *p;
	static const struct gd_hooks_module mods[] = {
		{ "owner", NULL, owner_points, NULL },
		{ "a", NULL, NULL, ap_regs },
	};
	const char *error;

	cr_assert_eq(gd_hooks_build(mods, 2, NULL, &error), 0);
	p = gd_hook_point_find("t.point");
	gd_hook_call_init(&call, p, NULL, NULL, NULL, NULL, NULL);
	cr_assert_eq(gd_hook_run(&call), -1);
	cr_assert_eq(gd_hook_call_result(&call)->verdict, GD_VERDICT_ERROR);
	cr_assert_str_eq(trace, "");
}

/* ---- pending handlers on a real worker loop ---------------------------- */

struct async_test {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct gd_hook_call call;
	int run_ret;
	bool done;
	bool done_on_loop;
	pthread_t loop_thread;
	struct gd_hook_result result;
	char text[64];
};

static struct async_test at = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void
async_done(struct gd_hook_call *call, const struct gd_hook_result *result)
{
	pthread_mutex_lock(&at.lock);
	at.done = true;
	at.done_on_loop = pthread_equal(pthread_self(), at.loop_thread);
	at.result = *result;
	if (result->reply.text != NULL)
		snprintf(at.text, sizeof(at.text), "%s", result->reply.text);
	pthread_cond_signal(&at.cond);
	pthread_mutex_unlock(&at.lock);
}

static void
async_start(void *arg)
{
	struct gd_loop *loop = arg;

	at.loop_thread = pthread_self();
	cr_assert_eq(gd_loop_current(), loop);
	gd_hook_call_init(&at.call, gd_hook_point_find("t.point"), loop,
	    &at, NULL, NULL, async_done);
	at.run_ret = gd_hook_run(&at.call);
	if (at.run_ret == 1)
		async_done(&at.call, gd_hook_call_result(&at.call));
}

/* Start one worker, run the chain there, wait (bounded) for `done`. */
static void
run_on_loop(bool expect_done)
{
	const char *error = NULL;
	struct timespec deadline;
	int rc = 0;

	cr_assert_eq(gd_loops_start(1, 1, NULL, NULL, &error), 0, "%s",
	    error);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), async_start,
	    gd_loop_get(0)), 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&at.lock);
	while (!at.done && rc == 0)
		rc = pthread_cond_timedwait(&at.cond, &at.lock, &deadline);
	pthread_mutex_unlock(&at.lock);
	cr_assert_eq(at.done, expect_done);
}

static void
stop_loops(void)
{
	gd_loops_drain(0);
	gd_loops_join();
}

Test(hooks, complex_pending_resumed_from_thread_continues_on_loop)
{
	build_pend_ok(NULL);
	spec_a.pend = 1;	/* resumes with CONTINUE from a thread */
	spec_b.verdict = GD_VERDICT_REJECT;
	spec_b.reply = (struct gd_reply){ 550, "5.1.1", "no such user" };
	run_on_loop(true);
	cr_assert_eq(at.run_ret, 0);
	cr_assert(at.done_on_loop);
	cr_assert_str_eq(trace, "a,b,obs");
	cr_assert_eq(at.result.verdict, GD_VERDICT_REJECT);
	cr_assert_eq(at.result.reply.code, 550);
	cr_assert_str_eq(at.text, "no such user");
	cr_assert_str_eq(at.result.module, "b");
	stop_loops();
}

static void *
late_resume_thread(void *arg)
{
	struct gd_reply reply = { 250, "2.1.0", "late but fine" };

	(void)arg;
	gd_hook_resume(kept_token, GD_VERDICT_ACCEPT, &reply);
	return NULL;
}

Test(hooks, complex_pending_timeout)
{
	pthread_t tid;

	build_pend_ok("hooks:\n  t.point: {timeout: 50ms}\n");
	spec_a.pend = 2;	/* never resumes by itself */
	run_on_loop(true);
	cr_assert(at.done_on_loop);
	cr_assert_eq(at.result.verdict, GD_VERDICT_ERROR);
	cr_assert(at.result.timed_out);
	cr_assert_eq(at.result.reply.code, 451);
	cr_assert_str_eq(at.result.module, "a");
	cr_assert_str_eq(trace, "a,obs");
	/* A late answer is accepted and ignored. */
	cr_assert_not_null(kept_token);
	cr_assert_eq(pthread_create(&tid, NULL, late_resume_thread, NULL), 0);
	pthread_join(tid, NULL);
	stop_loops();
	cr_assert_eq(at.result.verdict, GD_VERDICT_ERROR);
}

Test(hooks, complex_double_resume_aborts, .signal = SIGABRT)
{
	build_pend_ok(NULL);
	spec_a.pend = 3;	/* resumes twice, inline */
	run_on_loop(true);
}

static void
cancel_start(void *arg)
{
	async_start(arg);
	cr_assert_eq(at.run_ret, 0);
	gd_hook_call_cancel(&at.call);
	/* The call may be reused at once. */
	memset(&at.call, 0xa5, sizeof(at.call));
}

Test(hooks, complex_cancel_drops_late_resume)
{
	const char *error = NULL;
	struct timespec ts = { 0, 80 * 1000 * 1000 };

	build_pend_ok(NULL);
	spec_a.pend = 1;
	cr_assert_eq(gd_loops_start(1, 1, NULL, NULL, &error), 0);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), cancel_start,
	    gd_loop_get(0)), 0);
	nanosleep(&ts, NULL);	/* the resume thread fires after 20ms */
	stop_loops();
	cr_assert_not(at.done);
	cr_assert_str_eq(trace, "a");
}

/* ---- streams ----------------------------------------------------------- */

struct sink {
	char buf[128];
	size_t len;
	size_t per_call;	/* take at most this much per write */
	size_t capacity;	/* 0: unlimited; else refuse beyond */
	struct gd_stream_link *link;
	bool ended, aborted, fail;
	char events[64];
};

/* Drops CR bytes; forwards the rest one at a time. */
static ssize_t
strip_write(struct gd_stream_link *link, void *ctx, const void *buf,
    size_t len, const char **error_r)
{
	const char *p = buf;
	size_t i;
	ssize_t n;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r')
			continue;
		n = gd_stream_forward(link, p + i, 1, error_r);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
	}
	return (ssize_t)i;
}

static void
note(struct sink *s, const char *ev)
{
	strcat(s->events, ev);
}

static int
strip_end(struct gd_stream_link *link, void *ctx, const char **error_r)
{
	note(ctx, "E1");
	return 0;
}

static void
strip_abort(void *ctx)
{
	note(ctx, "A1");
}

static ssize_t
sink_write(struct gd_stream_link *link, void *ctx, const void *buf,
    size_t len, const char **error_r)
{
	struct sink *s = ctx;
	size_t n = len < s->per_call ? len : s->per_call;

	cr_assert_geq(len, 1);
	s->link = link;
	if (s->capacity != 0 && s->len + n > s->capacity)
		n = s->capacity - s->len;
	if (s->fail) {
		*error_r = "disk full";
		return -1;
	}
	cr_assert_lt(s->len + n, sizeof(s->buf));
	memcpy(s->buf + s->len, buf, n);
	s->len += n;
	return (ssize_t)n;
}

static int
sink_end(struct gd_stream_link *link, void *ctx, const char **error_r)
{
	struct sink *s = ctx;

	s->ended = true;
	note(s, "E2");
	return 0;
}

static void
sink_abort(void *ctx)
{
	struct sink *s = ctx;

	s->aborted = true;
	note(s, "A2");
}

static const struct gd_stream_consumer strip_consumer = {
	"strip-cr", strip_write, strip_end, strip_abort,
};
static const struct gd_stream_consumer sink_consumer = {
	"sink", sink_write, sink_end, sink_abort,
};

static struct gd_stream *
two_stage(struct gd_pool *pool, struct sink *s)
{
	struct gd_stream *st = gd_stream_chain_create(pool);

	gd_stream_push(st, &strip_consumer, s);
	gd_stream_push(st, &sink_consumer, s);
	return st;
}

/* Write all of `text`, `chunk` bytes at a time, retrying on 0. */
static void
feed(struct gd_stream *st, const char *text, size_t chunk)
{
	size_t off = 0, len = strlen(text), n, rounds = 0;
	const char *error;
	ssize_t took;

	while (off < len) {
		cr_assert_lt(rounds++, 10000);
		n = len - off < chunk ? len - off : chunk;
		took = gd_stream_write(st, text + off, n, &error);
		cr_assert_geq(took, 0);
		off += (size_t)took;
	}
}

Test(streams, basic_one_byte_at_a_time)
{
	static const char text[] = "Subject: hi\r\n\r\nbody\r\n.\r\n";
	struct gd_pool *pool = gd_pool_create("test");
	struct sink s = { .per_call = 1 };
	struct gd_stream *st = two_stage(pool, &s);
	const char *error;

	feed(st, text, 1);
	cr_assert_eq(gd_stream_end(st, &error), 0);
	cr_assert_eq(s.len, strlen("Subject: hi\n\nbody\n.\n"));
	cr_assert_arr_eq(s.buf, "Subject: hi\n\nbody\n.\n", s.len);
	cr_assert_str_eq(s.events, "E1E2");
	gd_pool_destroy(&pool);
	cr_assert_str_eq(s.events, "E1E2");	/* no abort after end */
}

static int wakeups;

static void
count_wakeup(void *arg)
{
	wakeups++;
}

Test(streams, basic_backpressure_with_big_writes)
{
	struct gd_pool *pool = gd_pool_create("test");
	struct sink s = { .per_call = 64, .capacity = 3 };
	struct gd_stream *st = two_stage(pool, &s);
	const char *error;
	ssize_t took;

	gd_stream_set_wakeup(st, count_wakeup, NULL);
	/* The sink is full after "ab\n": the strip stage stops at 'c'. */
	took = gd_stream_write(st, "ab\r\ncd", 6, &error);
	cr_assert_eq(took, 4);
	cr_assert_eq(gd_stream_write(st, "cd", 2, &error), 0);
	s.capacity = 0;
	gd_stream_wakeup(s.link);
	cr_assert_eq(wakeups, 1);
	feed(st, "cd", 64);
	cr_assert_eq(gd_stream_end(st, &error), 0);
	cr_assert_eq(s.len, 5);
	cr_assert_arr_eq(s.buf, "ab\ncd", 5);
	gd_pool_destroy(&pool);
}

Test(streams, complex_abort_and_pool_cleanup)
{
	struct gd_pool *pool = gd_pool_create("test");
	struct sink s = { .per_call = 16 };
	struct gd_stream *st = two_stage(pool, &s);

	feed(st, "partial", 3);
	gd_stream_abort(st);
	gd_stream_abort(st);
	cr_assert_str_eq(s.events, "A1A2");
	cr_assert_not(s.ended);
	gd_pool_destroy(&pool);
	cr_assert_str_eq(s.events, "A1A2");

	/* Destroying the pool of an unfinished stream aborts it. */
	memset(&s, 0, sizeof(s));
	s.per_call = 16;
	pool = gd_pool_create("test");
	st = two_stage(pool, &s);
	feed(st, "x", 1);
	gd_pool_destroy(&pool);
	cr_assert_str_eq(s.events, "A1A2");
}

Test(streams, complex_error_aborts_chain)
{
	struct gd_pool *pool = gd_pool_create("test");
	struct sink s = { .per_call = 16, .fail = true };
	struct gd_stream *st = two_stage(pool, &s);
	const char *error = NULL;

	cr_assert_eq(gd_stream_write(st, "abc", 3, &error), -1);
	cr_assert_str_eq(error, "disk full");
	cr_assert_str_eq(s.events, "A1A2");
	gd_pool_destroy(&pool);
}
