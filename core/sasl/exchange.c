/*
 * exchange.c — one SASL exchange (gumdrop/sasl.h): each mechanism step
 * runs in the blocking pool and its answer is delivered on the
 * connection's loop, never inline; failures wait out the policy's delay
 * on a timer of that loop (the connection stays served meanwhile).
 *
 * Lifetime: the exchange is reference counted on its loop.  The owner
 * (the protocol) holds one reference until gd_sasl_free/abort; each pool
 * job and each delivery hold one.  A job still running when the
 * connection closes keeps the exchange alive, and its completion, seeing
 * the exchange aborted, only drops its reference: nothing touches the
 * freed connection.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gumdrop/conn.h>
#include <gumdrop/log.h>
#include <gumdrop/loop.h>
#include <gumdrop/pool.h>

#include "sasl-private.h"

static void exchange_job(void *arg);
static void exchange_job_done(void *arg);
static void exchange_timer_cb(struct ev_loop *ev, ev_timer *w, int revents);

static void
exchange_unref(struct gd_sasl *sasl)
{
	assert(sasl->refs > 0);
	if (--sasl->refs > 0)
		return;
	if (sasl->mech->cleanup != NULL)
		sasl->mech->cleanup(sasl->state);
	free(sasl->in);
	gd_pool_destroy(&sasl->pool);
	sasl->magic = 0;
	free(sasl);
}

/* Hand the result to the protocol; it may free the exchange inside. */
static void
exchange_deliver(struct gd_sasl *sasl)
{
	struct gd_sasl_result *r = &sasl->result;

	if (r->status != GD_SASL_CHALLENGE) {
		sasl->phase = GD_SASL_PHASE_DONE;
		gd_sasl_log_result(sasl, r);
	} else
		sasl->phase = GD_SASL_PHASE_WAITING;
	sasl->refs++;
	sasl->done(sasl->arg, sasl, r);
	exchange_unref(sasl);
}

static void
exchange_fail(struct gd_sasl *sasl, enum gd_sasl_reason reason,
    const char *text)
{
	struct gd_sasl_result *r = &sasl->result;

	memset(r, 0, sizeof(*r));
	r->status = GD_SASL_FAILURE;
	r->reason = reason;
	r->text = text != NULL ? text : gd_sasl_reason_text(reason);
	r->mechanism = sasl->label;
}

/* Deliver after `delay_ms` (0: on a later iteration, never inline). */
static void
exchange_deliver_later(struct gd_sasl *sasl, uint64_t delay_ms)
{
	struct ev_loop *ev = gd_loop_ev(sasl->loop);

	sasl->phase = GD_SASL_PHASE_DELAY;
	ev_timer_set(&sasl->timer, (double)delay_ms / 1000.0, 0.0);
	ev_timer_start(ev, &sasl->timer);
	sasl->refs++;
}

static void
exchange_timer_cb(struct ev_loop *ev, ev_timer *w, int revents)
{
	struct gd_sasl *sasl = w->data;

	(void)ev;
	(void)revents;
	sasl->refs--;			/* the timer's; the owner's remains */
	exchange_deliver(sasl);
}

/* Submit the step for sasl->in; 0 or -1 (pool shut down). */
static int
exchange_submit(struct gd_sasl *sasl)
{
	sasl->phase = GD_SASL_PHASE_RUNNING;
	sasl->refs++;
	if (gd_work_submit(sasl->loop, exchange_job, exchange_job_done,
	    sasl) < 0) {
		sasl->refs--;
		return -1;
	}
	return 0;
}

/* ---- the pool side ----------------------------------------------------- */

/* The step's data may point into its input, which is freed next. */
static void
exchange_keep_data(struct gd_sasl *sasl, struct gd_sasl_step *out)
{
	void *copy;

	if (out->data == NULL || out->len == 0)
		return;
	copy = gd_pool_alloc(sasl->pool, out->len);
	memcpy(copy, out->data, out->len);
	out->data = copy;
}

static void
exchange_job(void *arg)
{
	struct gd_sasl *sasl = arg;
	struct gd_sasl_step *out = &sasl->out;

	memset(out, 0, sizeof(*out));
	sasl->st = sasl->mech->step(&sasl->x, sasl->state,
	    sasl->in_null ? NULL : sasl->in, sasl->in_len, out);
	sasl->reason = out->reason;
	if (out->text != NULL)
		sasl->text = gd_pool_strdup(sasl->pool, out->text);
	exchange_keep_data(sasl, out);
	if (out->authcid != NULL && *out->authcid != '\0')
		sasl->tried_user = gd_pool_strdup(sasl->pool, out->authcid);
	if (sasl->st == GD_SASL_SUCCESS)
		gd_sasl_job_success(sasl);
	else if (sasl->st != GD_SASL_CHALLENGE) {
		sasl->st = GD_SASL_FAILURE;
		if (sasl->reason == GD_SASL_OK)
			sasl->reason = GD_SASL_BAD_CREDENTIALS;
	}
	if (sasl->st == GD_SASL_FAILURE && sasl->user_locked)
		sasl->reason = GD_SASL_LOCKED_OUT;
	/* Last: the step's output may point into its input.  The input
	 * may hold a password: wipe it. */
	memset(sasl->in, 0, sasl->in_len);
	free(sasl->in);
	sasl->in = NULL;
}

/* ---- back on the loop ---------------------------------------------------- */

static void
exchange_success(struct gd_sasl *sasl)
{
	struct gd_sasl_result *r = &sasl->result;

	memset(r, 0, sizeof(*r));
	r->status = GD_SASL_SUCCESS;
	r->data = sasl->out.data;
	r->len = sasl->out.len;
	r->has_data = sasl->out.has_data;
	r->mechanism = sasl->label;
	r->authcid = sasl->authcid;
	r->user = sasl->user;
	r->info = sasl->info;
	gd_sasl_policy_success(sasl->authcid);
	exchange_deliver(sasl);
}

/* Failures that guess at credentials are counted and delayed. */
static void
exchange_failure(struct gd_sasl *sasl)
{
	uint64_t delay = 0;

	/* The step's text is for the log (it may name internals): the
	 * client gets the reason's neutral text. */
	exchange_fail(sasl, sasl->reason, NULL);
	switch (sasl->reason) {
	case GD_SASL_BAD_CREDENTIALS:
	case GD_SASL_AUTHZ_DENIED:
		delay = gd_sasl_policy_fail(sasl->set, sasl->client,
		    sasl->tried_user, gd_now_ms());
		break;
	case GD_SASL_LOCKED_OUT:
		delay = sasl->set->delay_max_ms;
		break;
	default:
		break;
	}
	exchange_deliver_later(sasl, delay);
}

static void
exchange_challenge(struct gd_sasl *sasl)
{
	memset(&sasl->result, 0, sizeof(sasl->result));
	sasl->result.status = GD_SASL_CHALLENGE;
	sasl->result.data = sasl->out.data != NULL ? sasl->out.data : "";
	sasl->result.len = sasl->out.len;
	sasl->result.has_data = true;
	sasl->result.mechanism = sasl->label;
	exchange_deliver(sasl);
}

static void
exchange_job_done(void *arg)
{
	struct gd_sasl *sasl = arg;

	if (sasl->aborted) {
		exchange_unref(sasl);
		return;
	}
	sasl->refs--;		/* the job's; the owner's keeps it alive */
	if (sasl->cancel_requested) {
		exchange_fail(sasl, GD_SASL_CANCELLED, NULL);
		exchange_deliver_later(sasl, 0);
		return;
	}
	switch (sasl->st) {
	case GD_SASL_CHALLENGE:
		exchange_challenge(sasl);
		break;
	case GD_SASL_SUCCESS:
		if (sasl->reason == GD_SASL_OK) {
			exchange_success(sasl);
			break;
		}
		/* FALLTHROUGH */
	default:
		/* A failure with a message (SCRAM's e=, OAUTHBEARER's JSON):
		 * the message goes out as a challenge, and the client's
		 * answer, whatever it is, ends the exchange with the
		 * failure (sasl-impl.h). */
		if (sasl->st == GD_SASL_FAILURE && sasl->out.has_data) {
			sasl->fail_pending = true;
			exchange_challenge(sasl);
			break;
		}
		exchange_failure(sasl);
		break;
	}
}

/* ---- the protocol's side ------------------------------------------------- */

static void
exchange_set_input(struct gd_sasl *sasl, const void *data, size_t len,
    bool null)
{
	free(sasl->in);
	sasl->in = gd_xmalloc(len + 1);
	if (len > 0)
		memcpy(sasl->in, data, len);
	sasl->in[len] = '\0';
	sasl->in_len = len;
	sasl->in_null = null;
}

static struct gd_sasl *
exchange_create(struct gd_conn *conn, const struct gd_sasl_settings *s,
    const struct gd_sasl_mech *mech, const char *label,
    gd_sasl_done_fn *done, void *arg)
{
	struct gd_sasl *sasl = gd_xcalloc(1, sizeof(*sasl));

	sasl->magic = GD_SASL_MAGIC;
	sasl->x.magic = GD_SASL_X_MAGIC;
	sasl->x.sasl = sasl;
	sasl->refs = 1;
	sasl->conn = conn;
	sasl->loop = gd_conn_loop(conn);
	sasl->set = s;
	sasl->mech = mech;
	sasl->pool = gd_pool_create("sasl");
	sasl->label = gd_pool_strdup(sasl->pool, label);
	sasl->state = mech->state_size > 0 ?
	    gd_pool_alloc(sasl->pool, mech->state_size) : NULL;
	sasl->done = done;
	sasl->arg = arg;
	sasl->session = gd_pool_strdup(sasl->pool, gd_conn_id(conn));
	sasl->client = gd_pool_strdup(sasl->pool, gd_conn_peer_ip(conn));
	ev_timer_init(&sasl->timer, exchange_timer_cb, 0.0, 0.0);
	sasl->timer.data = sasl;
	gd_sasl_capture(sasl, conn);
	return sasl;
}

int
gd_sasl_begin(struct gd_conn *conn, const struct gd_sasl_settings *s,
    const struct gd_sasl_mech *mech, const char *label, const void *initial,
    size_t len, bool initial_null, gd_sasl_done_fn *done, void *arg,
    struct gd_sasl **sasl_r, enum gd_sasl_reason *reason_r)
{
	struct gd_sasl *sasl;

	if (gd_sasl_policy_locked(s, gd_conn_peer_ip(conn), NULL,
	    gd_now_ms())) {
		gd_log(GD_LOG_NOTICE, "auth.failure", "session=%s mechanism=%s "
		    "client=%s reason=locked-out", gd_conn_id(conn), label,
		    gd_conn_peer_ip(conn));
		*reason_r = GD_SASL_LOCKED_OUT;
		return -1;
	}
	sasl = exchange_create(conn, s, mech, label, done, arg);
	exchange_set_input(sasl, initial, len, initial_null);
	if (exchange_submit(sasl) < 0) {
		exchange_unref(sasl);
		*reason_r = GD_SASL_TEMPORARY;
		return -1;
	}
	*sasl_r = sasl;
	return 0;
}

int
gd_sasl_start(struct gd_conn *conn, const char *mech_name,
    const void *initial, size_t len, gd_sasl_done_fn *done, void *arg,
    struct gd_sasl **sasl_r, enum gd_sasl_reason *reason_r)
{
	const struct gd_sasl_settings *s = gd_conn_sasl_settings(conn);
	const struct gd_sasl_mech *mech;

	*sasl_r = NULL;
	*reason_r = GD_SASL_MECH_UNAVAILABLE;
	if (s == NULL || (mech = gd_sasl_settings_mech(s, mech_name)) == NULL)
		return -1;
	if (gd_sasl_mech_offerable(conn, s, mech, reason_r) < 0)
		return -1;
	if ((mech->flags & GD_SASL_MECH_SERVER_FIRST) != 0 && initial != NULL) {
		*reason_r = GD_SASL_MALFORMED;
		return -1;
	}
	return gd_sasl_begin(conn, s, mech, mech->name, initial, len,
	    initial == NULL, done, arg, sasl_r, reason_r);
}

void
gd_sasl_respond(struct gd_sasl *sasl, const void *data, size_t len)
{
	GD_CHECK_MAGIC(sasl, GD_SASL_MAGIC);
	assert(sasl->phase == GD_SASL_PHASE_WAITING);
	if (sasl->fail_pending) {
		exchange_failure(sasl);
		return;
	}
	exchange_set_input(sasl, data, len, false);
	if (exchange_submit(sasl) < 0) {
		exchange_fail(sasl, GD_SASL_TEMPORARY, "shutting down");
		exchange_deliver_later(sasl, 0);
	}
}

void
gd_sasl_cancel(struct gd_sasl *sasl)
{
	GD_CHECK_MAGIC(sasl, GD_SASL_MAGIC);
	if (sasl->phase == GD_SASL_PHASE_RUNNING) {
		sasl->cancel_requested = true;
		return;
	}
	if (sasl->phase != GD_SASL_PHASE_WAITING)
		return;
	/* "*" after a failure's message is still that failure: cancelling
	 * must not spare a wrong proof from the failure policy. */
	if (sasl->fail_pending) {
		exchange_failure(sasl);
		return;
	}
	exchange_fail(sasl, GD_SASL_CANCELLED, NULL);
	exchange_deliver_later(sasl, 0);
}

/*
 * A failure whose message went out as a challenge is counted when the
 * client answers it; a client that goes away instead must not escape
 * the failure policy, nor the log.
 */
static void
exchange_record_abandoned(struct gd_sasl *sasl)
{
	if (!sasl->fail_pending || sasl->phase != GD_SASL_PHASE_WAITING)
		return;
	sasl->fail_pending = false;
	exchange_fail(sasl, sasl->reason, NULL);
	if (sasl->reason == GD_SASL_BAD_CREDENTIALS ||
	    sasl->reason == GD_SASL_AUTHZ_DENIED)
		(void)gd_sasl_policy_fail(sasl->set, sasl->client,
		    sasl->tried_user, gd_now_ms());
	gd_sasl_log_result(sasl, &sasl->result);
}

static void
exchange_release(struct gd_sasl **sasl_p, bool aborted)
{
	struct gd_sasl *sasl = *sasl_p;

	if (sasl == NULL)
		return;
	GD_CHECK_MAGIC(sasl, GD_SASL_MAGIC);
	*sasl_p = NULL;
	exchange_record_abandoned(sasl);
	if (ev_is_active(&sasl->timer)) {
		ev_timer_stop(gd_loop_ev(sasl->loop), &sasl->timer);
		sasl->refs--;
	}
	(void)aborted;		/* either way nothing more is delivered */
	sasl->aborted = true;
	sasl->conn = NULL;
	sasl->done = NULL;
	exchange_unref(sasl);
}

void
gd_sasl_free(struct gd_sasl **sasl)
{
	exchange_release(sasl, false);
}

void
gd_sasl_abort(struct gd_sasl **sasl)
{
	exchange_release(sasl, true);
}

struct gd_pool *
gd_sasl_pool(struct gd_sasl *sasl)
{
	return sasl->pool;
}
