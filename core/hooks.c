/*
 * hooks.c — hook points: compiled chains, verdicts, reply validation and
 * pending handlers (see gumdrop/hooks.h for the contract).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ev.h>

#include <gumdrop/hooks.h>
#include <gumdrop/log.h>
#include <gumdrop/loop.h>
#include <gumdrop/pool.h>

#include "hooks-private.h"

#define GD_HOOK_POINT_MAGIC	0x47444850u	/* "GDHP" */
#define GD_HOOK_PENDING_MAGIC	0x4744484eu	/* "GDHN" */

enum hook_state {
	HOOK_STATE_READY = 0,
	HOOK_STATE_RUNNING,
	HOOK_STATE_PENDING,
	HOOK_STATE_DONE,
};

struct gd_hook_handler {
	const struct gd_hook_reg *reg;
	struct gd_module_ctx *ctx;
	const char *module;
};

struct gd_hook_point {
	uint32_t magic;
	const char *name;
	const char *owner;
	unsigned flags;
	uint64_t timeout_ms;
	bool may_pend;			/* some handler has MAY_PEND */
	struct gd_hook_handler *handlers;
	unsigned count;
};

/*
 * The token of a pending handler.  Two references: the engine's (dropped
 * when the call stops waiting: resumed, timed out or cancelled) and the
 * handler's (dropped once its resume has been processed on the loop).
 * `call` and `timer` are touched on the loop thread only.
 */
struct gd_hook_pending {
	uint32_t magic;
	int refs;
	int resumed;
	struct gd_hook_call *call;
	struct gd_loop *loop;
	ev_timer timer;
	enum gd_verdict verdict;
	unsigned code;
	char *enhanced;
	char *text;
};

static struct gd_hook_point **hook_points;
static unsigned hook_point_count;
static char hook_error[512];

static int hook_chain_continue(struct gd_hook_call *call);

/* ---- verdicts and replies --------------------------------------------- */

const char *
gd_verdict_name(enum gd_verdict verdict)
{
	static const char *const names[] = {
		"continue", "accept", "reject", "tempfail", "discard",
		"pending", "error",
	};

	if ((unsigned)verdict >= GD_N_ELEMENTS(names))
		return "invalid";
	return names[verdict];
}

static void
hook_default_reply(enum gd_verdict verdict, struct gd_reply *reply)
{
	switch (verdict) {
	case GD_VERDICT_ACCEPT:
	case GD_VERDICT_DISCARD:
		*reply = (struct gd_reply){ 250, "2.0.0", "OK" };
		break;
	case GD_VERDICT_REJECT:
		*reply = (struct gd_reply){ 550, "5.7.1", "Rejected" };
		break;
	case GD_VERDICT_TEMPFAIL:
		*reply = (struct gd_reply){ 451, "4.7.1", "Try again later" };
		break;
	default:
		*reply = (struct gd_reply){ 451, "4.3.0",
		    "Temporary local problem" };
		break;
	}
}

static bool
hook_class_ok(enum gd_verdict verdict, unsigned code)
{
	unsigned cls = code / 100;

	switch (verdict) {
	case GD_VERDICT_ACCEPT:
		return cls == 2 || cls == 3;
	case GD_VERDICT_DISCARD:
		return cls == 2;
	case GD_VERDICT_REJECT:
		return cls == 5;
	case GD_VERDICT_TEMPFAIL:
		return cls == 4;
	case GD_VERDICT_ERROR:
		return code == 421 || code == 451;
	default:
		return false;
	}
}

/* Parse one 1..3 digit number; returns the position after it or NULL. */
static const char *
hook_parse_num(const char *p, unsigned *value_r)
{
	unsigned n = 0, digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 4) {
		n = n * 10 + (unsigned)(*p - '0');
		p++;
		digits++;
	}
	if (digits == 0 || digits > 3)
		return NULL;
	*value_r = n;
	return p;
}

static bool
hook_enhanced_ok(const char *s, unsigned code)
{
	unsigned subject, detail;

	/* RFC 3463: class "." subject "." detail, class = code's class. */
	if (s[0] < '2' || s[0] > '5' || s[1] != '.' ||
	    (unsigned)(s[0] - '0') != code / 100)
		return false;
	s = hook_parse_num(s + 2, &subject);
	if (s == NULL || *s != '.')
		return false;
	s = hook_parse_num(s + 1, &detail);
	return s != NULL && *s == '\0';
}

static bool
hook_text_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= GD_REPLY_TEXT_MAX ||
		    (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	}
	return true;
}

/* NULL if `reply` suits `verdict`, else why not. */
static const char *
hook_reply_problem(enum gd_verdict verdict, const struct gd_reply *reply)
{
	if (reply->code < 200 || reply->code > 599)
		return "reply code out of range";
	if (!hook_class_ok(verdict, reply->code))
		return "reply class does not match the verdict";
	if (reply->enhanced != NULL &&
	    !hook_enhanced_ok(reply->enhanced, reply->code))
		return "malformed enhanced status code";
	if (reply->text != NULL && !hook_text_ok(reply->text))
		return "reply text too long or not printable ASCII";
	return NULL;
}

/* Record a terminal verdict with a validated reply. */
static void
hook_decide(struct gd_hook_call *call, const char *module,
    enum gd_verdict verdict, const struct gd_reply *reply)
{
	struct gd_hook_result *res = &call->result;
	const char *why;

	res->verdict = verdict;
	res->module = module;
	if (reply == NULL || reply->code == 0) {
		hook_default_reply(verdict, &res->reply);
	} else if ((why = hook_reply_problem(verdict, reply)) != NULL) {
		gd_log(GD_LOG_WARNING, "hook.reply.invalid",
		    "point=%s module=%s verdict=%s code=%u reason=\"%s\"",
		    call->point->name, module != NULL ? module : "-",
		    gd_verdict_name(verdict), reply->code, why);
		hook_default_reply(verdict, &res->reply);
	} else {
		res->reply = *reply;
		if (res->reply.text == NULL)
			res->reply.text = "";
	}
	res->disconnect = res->reply.code == 421;
}

/* ---- points -------------------------------------------------------------- */

struct gd_hook_point *
gd_hook_point_find(const char *name)
{
	unsigned i;

	for (i = 0; i < hook_point_count; i++) {
		if (strcmp(hook_points[i]->name, name) == 0)
			return hook_points[i];
	}
	return NULL;
}

const char *
gd_hook_point_name(const struct gd_hook_point *point)
{
	GD_CHECK_MAGIC(point, GD_HOOK_POINT_MAGIC);
	return point->name;
}

unsigned
gd_hook_point_handler_count(const struct gd_hook_point *point)
{
	GD_CHECK_MAGIC(point, GD_HOOK_POINT_MAGIC);
	return point->count;
}

/* ---- calls ------------------------------------------------------------- */

void
gd_hook_call_init(struct gd_hook_call *call, struct gd_hook_point *point,
    struct gd_loop *loop, void *context, void *arg, struct gd_pool *pool,
    gd_hook_done_fn *done)
{
	GD_CHECK_MAGIC(point, GD_HOOK_POINT_MAGIC);
	memset(call, 0, sizeof(*call));
	call->magic = GD_HOOK_CALL_MAGIC;
	call->point = point;
	call->loop = loop;
	call->context = context;
	call->arg = arg;
	call->pool = pool;
	call->done = done;
	call->state = HOOK_STATE_READY;
}

int
gd_hook_run(struct gd_hook_call *call)
{
	GD_CHECK_MAGIC(call, GD_HOOK_CALL_MAGIC);
	if (call->state != HOOK_STATE_READY)
		gd_fatal("gd_hook_run: call for '%s' was not initialised",
		    call->point->name);
	call->state = HOOK_STATE_RUNNING;
	if (call->loop == NULL && call->point->may_pend) {
		hook_decide(call, NULL, GD_VERDICT_ERROR, NULL);
		call->state = HOOK_STATE_DONE;
		return -1;
	}
	return hook_chain_continue(call);
}

const struct gd_hook_result *
gd_hook_call_result(const struct gd_hook_call *call)
{
	GD_CHECK_MAGIC(call, GD_HOOK_CALL_MAGIC);
	return &call->result;
}

void *
gd_hook_call_context(const struct gd_hook_call *call)
{
	GD_CHECK_MAGIC(call, GD_HOOK_CALL_MAGIC);
	return call->context;
}

void *
gd_hook_call_arg(const struct gd_hook_call *call)
{
	GD_CHECK_MAGIC(call, GD_HOOK_CALL_MAGIC);
	return call->arg;
}

struct gd_pool *
gd_hook_call_pool(const struct gd_hook_call *call)
{
	GD_CHECK_MAGIC(call, GD_HOOK_CALL_MAGIC);
	return call->pool;
}

struct gd_loop *
gd_hook_call_loop(const struct gd_hook_call *call)
{
	GD_CHECK_MAGIC(call, GD_HOOK_CALL_MAGIC);
	return call->loop;
}

const char *
gd_hook_call_point(const struct gd_hook_call *call)
{
	GD_CHECK_MAGIC(call, GD_HOOK_CALL_MAGIC);
	return gd_hook_point_name(call->point);
}

/* Run one handler and fold its verdict in.  0 to go on, 1 if pending. */
static int
hook_run_one(struct gd_hook_call *call, const struct gd_hook_handler *h,
    bool decided)
{
	const struct gd_hook_reg *reg = h->reg;
	struct gd_reply reply;
	enum gd_verdict v;

	memset(&reply, 0, sizeof(reply));
	v = reg->fn(call, h->ctx, reg->data, &reply);
	if ((reg->flags & GD_HOOK_OBSERVE) != 0 || decided) {
		if (call->pending != NULL)
			gd_fatal("hook %s: observe-only handler of module "
			    "'%s' called gd_hook_pend", call->point->name,
			    h->module);
		return 0;
	}
	if (v == GD_VERDICT_PENDING && call->pending != NULL) {
		call->state = HOOK_STATE_PENDING;
		ev_timer_start(gd_loop_ev(call->loop), &call->pending->timer);
		return 1;
	}
	if (call->pending != NULL)
		gd_fatal("hook %s: module '%s' called gd_hook_pend but "
		    "returned %s", call->point->name, h->module,
		    gd_verdict_name(v));
	if (v == GD_VERDICT_PENDING || (unsigned)v > GD_VERDICT_ERROR) {
		gd_log(GD_LOG_WARNING, "hook.verdict.invalid",
		    "point=%s module=%s verdict=%d reason=\"pending without "
		    "gd_hook_pend or unknown verdict\"", call->point->name,
		    h->module, (int)v);
		v = GD_VERDICT_ERROR;
		memset(&reply, 0, sizeof(reply));
	}
	if (v != GD_VERDICT_CONTINUE)
		hook_decide(call, h->module, v, &reply);
	return 0;
}

/*
 * Run handlers from the saved position.  After a terminal verdict only
 * observe-only handlers still run.  1 when complete, 0 when pending.
 */
static int
hook_chain_continue(struct gd_hook_call *call)
{
	const struct gd_hook_point *point = call->point;
	const struct gd_hook_handler *h;
	bool decided;

	while (call->next < point->count) {
		h = &point->handlers[call->next];
		call->running = call->next++;
		decided = call->result.verdict != GD_VERDICT_CONTINUE;
		if (decided && (h->reg->flags & GD_HOOK_OBSERVE) == 0)
			continue;
		if (hook_run_one(call, h, decided) == 1)
			return 0;
	}
	call->state = HOOK_STATE_DONE;
	return 1;
}

/* ---- pending ---------------------------------------------------------- */

static void
hook_pending_unref(struct gd_hook_pending *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	p->magic = 0;
	free(p->enhanced);
	free(p->text);
	free(p);
}

/* Stop waiting for the pending handler: loop thread. */
static void
hook_pending_detach(struct gd_hook_call *call)
{
	struct gd_hook_pending *p = call->pending;

	ev_timer_stop(gd_loop_ev(call->loop), &p->timer);
	p->call = NULL;
	call->pending = NULL;
	hook_pending_unref(p);
}

/* Continue after the pending handler answered; complete if possible. */
static void
hook_after_pending(struct gd_hook_call *call)
{
	call->state = HOOK_STATE_RUNNING;
	if (hook_chain_continue(call) == 1 && call->done != NULL)
		call->done(call, &call->result);
}

static void
hook_timeout_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct gd_hook_pending *p = w->data;
	struct gd_hook_call *call = p->call;
	const struct gd_hook_handler *h;

	h = &call->point->handlers[call->running];
	gd_log(GD_LOG_WARNING, "hook.timeout",
	    "point=%s module=%s timeout_ms=%llu reason=\"pending handler "
	    "did not resume in time\"", call->point->name, h->module,
	    (unsigned long long)call->point->timeout_ms);
	hook_pending_detach(call);
	hook_decide(call, h->module, GD_VERDICT_ERROR, NULL);
	call->result.timed_out = true;
	hook_after_pending(call);
}

struct gd_hook_pending *
gd_hook_pend(struct gd_hook_call *call)
{
	const struct gd_hook_handler *h;
	struct gd_hook_pending *p;

	GD_CHECK_MAGIC(call, GD_HOOK_CALL_MAGIC);
	h = &call->point->handlers[call->running];
	if (call->state != HOOK_STATE_RUNNING || call->pending != NULL ||
	    call->loop == NULL || (h->reg->flags & GD_HOOK_MAY_PEND) == 0)
		gd_fatal("gd_hook_pend: module '%s' may not pend on '%s' here",
		    h->module, call->point->name);
	p = gd_xcalloc(1, sizeof(*p));
	p->magic = GD_HOOK_PENDING_MAGIC;
	p->refs = 2;
	p->call = call;
	p->loop = call->loop;
	ev_timer_init(&p->timer, hook_timeout_cb,
	    (double)call->point->timeout_ms / 1000.0, 0.0);
	p->timer.data = p;
	call->pending = p;
	return p;
}

/* On the call's loop: fold the late verdict in and go on. */
static void
hook_resume_cb(void *arg)
{
	struct gd_hook_pending *p = arg;
	struct gd_hook_call *call = p->call;
	struct gd_reply reply;
	enum gd_verdict v = p->verdict;

	if (call == NULL) {
		hook_pending_unref(p);
		return;
	}
	/* Keep p (and its strings) alive until the chain completed. */
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
	hook_pending_detach(call);
	reply.code = p->code;
	reply.enhanced = p->enhanced;
	reply.text = p->text;
	if (call->pool != NULL) {
		if (reply.enhanced != NULL)
			reply.enhanced = gd_pool_strdup(call->pool,
			    reply.enhanced);
		if (reply.text != NULL)
			reply.text = gd_pool_strdup(call->pool, reply.text);
	}
	if (v == GD_VERDICT_PENDING || (unsigned)v > GD_VERDICT_ERROR) {
		v = GD_VERDICT_ERROR;
		reply.code = 0;
	}
	if (v != GD_VERDICT_CONTINUE)
		hook_decide(call,
		    call->point->handlers[call->running].module, v, &reply);
	hook_after_pending(call);
	hook_pending_unref(p);
	hook_pending_unref(p);
}

void
gd_hook_resume(struct gd_hook_pending *p, enum gd_verdict verdict,
    const struct gd_reply *reply)
{
	GD_CHECK_MAGIC(p, GD_HOOK_PENDING_MAGIC);
	if (__atomic_exchange_n(&p->resumed, 1, __ATOMIC_ACQ_REL) != 0)
		gd_fatal("gd_hook_resume: token resumed twice");
	p->verdict = verdict;
	if (reply != NULL) {
		p->code = reply->code;
		p->enhanced = gd_xstrdup(reply->enhanced);
		p->text = gd_xstrdup(reply->text);
	}
	/* The loop's queue lock publishes the fields written above. */
	if (gd_loop_invoke(p->loop, hook_resume_cb, p) < 0)
		hook_pending_unref(p);
}

void
gd_hook_call_cancel(struct gd_hook_call *call)
{
	GD_CHECK_MAGIC(call, GD_HOOK_CALL_MAGIC);
	if (call->state != HOOK_STATE_PENDING)
		return;
	hook_pending_detach(call);
	call->state = HOOK_STATE_DONE;
}

/* ---- building the chains ------------------------------------------------ */

void
gd_hooks_reset(void)
{
	unsigned i;

	for (i = 0; i < hook_point_count; i++) {
		hook_points[i]->magic = 0;
		free(hook_points[i]->handlers);
		free(hook_points[i]);
	}
	free(hook_points);
	hook_points = NULL;
	hook_point_count = 0;
}

static int
hooks_declare(const struct gd_hooks_module *mods, unsigned count,
    const char **error_r)
{
	const struct gd_hook_point_decl *d;
	struct gd_hook_point *p;
	unsigned i;

	for (i = 0; i < count; i++) {
		for (d = mods[i].points; d != NULL && d->name != NULL; d++) {
			if ((p = gd_hook_point_find(d->name)) != NULL) {
				snprintf(hook_error, sizeof(hook_error),
				    "module '%s': hook point '%s' is already "
				    "declared by module '%s'", mods[i].name,
				    d->name, p->owner);
				*error_r = hook_error;
				return -1;
			}
			p = gd_xcalloc(1, sizeof(*p));
			p->magic = GD_HOOK_POINT_MAGIC;
			p->name = d->name;
			p->owner = mods[i].name;
			p->flags = d->flags;
			p->timeout_ms = GD_HOOK_DEFAULT_TIMEOUT_MS;
			hook_points = gd_xrealloc(hook_points,
			    (hook_point_count + 1) * sizeof(*hook_points));
			hook_points[hook_point_count++] = p;
		}
	}
	return 0;
}

static int
hooks_reg_error(const char *module, const char *point, const char *what,
    const char **error_r)
{
	snprintf(hook_error, sizeof(hook_error),
	    "module '%s': handler for hook point '%s': %s", module, point,
	    what);
	*error_r = hook_error;
	return -1;
}

/* The registration of module `m` for `point`, or NULL. */
static const struct gd_hook_reg *
hooks_find_reg(const struct gd_hooks_module *m, const char *point)
{
	const struct gd_hook_reg *r;

	for (r = m->regs; r != NULL && r->point != NULL; r++) {
		if (strcmp(r->point, point) == 0)
			return r;
	}
	return NULL;
}

static int
hooks_check_regs(const struct gd_hooks_module *mods, unsigned count,
    const char **error_r)
{
	const struct gd_hook_reg *r;
	struct gd_hook_point *p;
	unsigned i;

	for (i = 0; i < count; i++) {
		for (r = mods[i].regs; r != NULL && r->point != NULL; r++) {
			p = gd_hook_point_find(r->point);
			if (p == NULL)
				return hooks_reg_error(mods[i].name, r->point,
				    "no loaded module declares this point",
				    error_r);
			if (r->fn == NULL)
				return hooks_reg_error(mods[i].name, r->point,
				    "no function", error_r);
			if (hooks_find_reg(&mods[i], r->point) != r)
				return hooks_reg_error(mods[i].name, r->point,
				    "registered twice", error_r);
			if ((r->flags & GD_HOOK_MAY_PEND) != 0 &&
			    ((r->flags & GD_HOOK_OBSERVE) != 0 ||
			    (p->flags & GD_HOOK_POINT_SYNC) != 0))
				return hooks_reg_error(mods[i].name, r->point,
				    "may not pend (observe-only handler or "
				    "synchronous point)", error_r);
		}
	}
	return 0;
}

static void
hooks_append(struct gd_hook_point *p, const struct gd_hooks_module *m,
    const struct gd_hook_reg *r)
{
	struct gd_hook_handler *h = &p->handlers[p->count++];

	h->reg = r;
	h->ctx = m->ctx;
	h->module = m->name;
	if ((r->flags & GD_HOOK_MAY_PEND) != 0)
		p->may_pend = true;
}

static bool
hooks_point_has(const struct gd_hook_point *p, const char *module)
{
	unsigned i;

	for (i = 0; i < p->count; i++) {
		if (strcmp(p->handlers[i].module, module) == 0)
			return true;
	}
	return false;
}

/* Append the handler of the module named by scalar node `item`. */
static int
hooks_add_listed(struct gd_hook_point *p, const struct gd_hooks_module *mods,
    unsigned count, const struct gd_config_node *item, const char **error_r)
{
	const char *name = gd_config_node_scalar(item);
	const struct gd_hook_reg *r = NULL;
	unsigned i;

	if (name == NULL || gd_config_node_is_null(item)) {
		*error_r = gd_config_error(item, "expected a module name");
		return -1;
	}
	for (i = 0; i < count && strcmp(mods[i].name, name) != 0; i++)
		;
	if (i < count)
		r = hooks_find_reg(&mods[i], p->name);
	if (r == NULL) {
		*error_r = gd_config_error(item, "module '%s' has no handler "
		    "for hook point '%s'%s", name, p->name,
		    i < count ? "" : " (it is not loaded)");
		return -1;
	}
	if (hooks_point_has(p, name)) {
		*error_r = gd_config_error(item, "module '%s' is listed twice "
		    "for hook point '%s'", name, p->name);
		return -1;
	}
	hooks_append(p, &mods[i], r);
	return 0;
}

static const struct gd_config_key hooks_point_keys[] = {
	{ "order", GD_CONFIG_KEY_STRINGS, "[]", 0, 0,
	    "modules whose handlers run first, in this order" },
	{ "timeout", GD_CONFIG_KEY_DURATION, "30s", 1, 3600000,
	    "how long a pending handler may take" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

/* The configured order (and timeout) of one point. */
static int
hooks_configure_point(struct gd_hook_point *p,
    const struct gd_hooks_module *mods, unsigned count,
    const struct gd_config_node *value, const char **error_r)
{
	const struct gd_config_node *order = value;
	size_t i, n;

	if (gd_config_node_type(value) == GD_CONFIG_MAP) {
		if (gd_config_validate(value, hooks_point_keys, error_r) < 0 ||
		    gd_config_get_duration(value, "timeout",
		    GD_HOOK_DEFAULT_TIMEOUT_MS, 1, 3600000, &p->timeout_ms,
		    error_r) < 0)
			return -1;
		order = gd_config_get(value, "order");
		if (order == NULL)
			return 0;
	}
	if (gd_config_node_type(order) == GD_CONFIG_SCALAR)
		return gd_config_node_is_null(order) ? 0 :
		    hooks_add_listed(p, mods, count, order, error_r);
	if (gd_config_node_type(order) != GD_CONFIG_SEQ) {
		*error_r = gd_config_error(order, "expected a list of "
		    "module names");
		return -1;
	}
	n = gd_config_node_count(order);
	for (i = 0; i < n; i++) {
		if (hooks_add_listed(p, mods, count,
		    gd_config_node_at(order, i), error_r) < 0)
			return -1;
	}
	return 0;
}

static int
hooks_configure(const struct gd_hooks_module *mods, unsigned count,
    const struct gd_config_node *hooks, const char **error_r)
{
	const struct gd_config_node *entry;
	struct gd_hook_point *p;
	size_t i, n;

	if (hooks == NULL || gd_config_node_is_null(hooks))
		return 0;
	if (gd_config_node_type(hooks) != GD_CONFIG_MAP) {
		*error_r = gd_config_error(hooks, "expected a map of hook "
		    "points to module lists");
		return -1;
	}
	n = gd_config_node_count(hooks);
	for (i = 0; i < n; i++) {
		entry = gd_config_node_at(hooks, i);
		p = gd_hook_point_find(gd_config_node_key(entry));
		if (p == NULL) {
			*error_r = gd_config_error(entry, "no loaded module "
			    "declares this hook point");
			return -1;
		}
		if (hooks_configure_point(p, mods, count, entry, error_r) < 0)
			return -1;
	}
	return 0;
}

/* Unlisted handlers follow the listed ones, in module load order. */
static void
hooks_add_unlisted(const struct gd_hooks_module *mods, unsigned count)
{
	const struct gd_hook_reg *r;
	struct gd_hook_point *p;
	unsigned i;

	for (i = 0; i < count; i++) {
		for (r = mods[i].regs; r != NULL && r->point != NULL; r++) {
			p = gd_hook_point_find(r->point);
			if (!hooks_point_has(p, mods[i].name))
				hooks_append(p, &mods[i], r);
		}
	}
}

int
gd_hooks_build(const struct gd_hooks_module *mods, unsigned count,
    const struct gd_config_node *hooks, const char **error_r)
{
	unsigned i;

	gd_hooks_reset();
	if (hooks_declare(mods, count, error_r) < 0 ||
	    hooks_check_regs(mods, count, error_r) < 0)
		goto fail;
	/* At most one handler per module and point: `count` bounds it. */
	for (i = 0; i < hook_point_count; i++)
		hook_points[i]->handlers = gd_xcalloc(count + 1,
		    sizeof(struct gd_hook_handler));
	if (hooks_configure(mods, count, hooks, error_r) < 0)
		goto fail;
	hooks_add_unlisted(mods, count);
	return 0;
fail:
	gd_hooks_reset();
	return -1;
}
