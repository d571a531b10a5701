/*
 * pop3-drop.c — the maildrop: opened at login and closed at the end, in
 * the blocking pool (gd_work_submit), never on the worker loop.
 *
 * Login: the user's store (`storage` backend, the realm's mail location
 * and quotas), the store-wide "pop3" lock (at most one POP3 session per
 * maildrop across workers and processes: -ERR [IN-USE]), INBOX, and the
 * snapshot: each message's sequence number in the (never synced) view,
 * UID, internal date and exact POP3 size, measured by reading the
 * content once (pop3_size_*) unless the process-wide size cache knows it.
 * Mail delivered meanwhile shows at the next login.
 *
 * UPDATE (QUIT in TRANSACTION): \Seen on the retrieved messages, then the
 * messages to remove (DELE'd, and those EXPIRE removes) are expunged
 * through the mailbox API; the lock and the store are released.  Any
 * other end (a dropped connection, autologout, shutdown, a crash)
 * removes nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pop3-private.h"

#define POP3_MEASURE_BUF	65536

/* ---- blocking side ------------------------------------------------------ */

/* Close whatever is open (pool thread). */
static void
drop_close_all(struct pop3_drop *d)
{
	gd_mailbox_close(&d->box);
	gd_mail_lock_release(&d->lock);
	gd_mail_store_close(&d->store);
}

static void
drop_free(struct pop3_drop *d)
{
	free(d->msgs);
	free(d->user);
	free(d->location);
	free(d);
}

/* A closed session's drop: close and free it (pool thread). */
static void
drop_close_work(void *arg)
{
	struct pop3_drop *d = arg;

	drop_close_all(d);
	drop_free(d);
}

/* The POP3 size of message `seq`: read once, then cached. */
static int
drop_measure(struct pop3_drop *d, const struct gd_mail_msg *m, uint32_t seq,
    char *buf, uint64_t *size_r)
{
	struct gd_mail_content *c;
	struct pop3_size sz;
	ssize_t n;

	if (pop3_cache_get(d->mod->sizes, d->user, d->uidvalidity, m->uid,
	    m->size, size_r))
		return 0;
	if (gd_mailbox_content_open(d->box, seq, &c, &d->err) < 0)
		return -1;
	pop3_size_init(&sz);
	while ((n = gd_mail_content_read(c, buf, POP3_MEASURE_BUF,
	    &d->err)) > 0)
		pop3_size_feed(&sz, buf, (size_t)n);
	gd_mail_content_close(&c);
	if (n < 0)
		return -1;
	*size_r = pop3_size_finish(&sz);
	pop3_cache_put(d->mod->sizes, d->user, d->uidvalidity, m->uid,
	    m->size, *size_r);
	return 0;
}

/* The snapshot of INBOX's view. */
static int
drop_snapshot(struct pop3_drop *d)
{
	char *buf = gd_xmalloc(POP3_MEASURE_BUF);
	uint32_t seq, n = gd_mailbox_count(d->box);
	const struct gd_mail_msg *m;
	struct pop3_msg *p;
	int ret = 0;

	d->uidvalidity = gd_mailbox_uidvalidity(d->box);
	d->msgs = gd_xcalloc(n > 0 ? n : 1, sizeof(*d->msgs));
	for (seq = 1; seq <= n && ret == 0; seq++) {
		m = gd_mailbox_msg(d->box, seq);
		if (m == NULL || (m->flags & GD_MAIL_EXPUNGED) != 0)
			continue;
		p = &d->msgs[d->count];
		p->seq = seq;
		p->uid = m->uid;
		/* Read only for EXPIRE after days (a stat per Maildir
		 * file otherwise). */
		p->date = d->cfg->expire_days > 0 ?
		    gd_mailbox_internal_date(d->box, seq) : 0;
		p->seen = (m->flags & GD_MAIL_SEEN) != 0;
		if (drop_measure(d, m, seq, buf, &p->size) < 0) {
			/* Expunged meanwhile: not in the snapshot. */
			ret = d->err.code == GD_MAIL_ERR_EXPUNGED ? 0 : -1;
			continue;
		}
		d->count++;
	}
	free(buf);
	return ret;
}

static void
drop_open_work(void *arg)
{
	struct pop3_drop *d = arg;
	const struct gd_mail_backend *b;
	struct gd_mail_user u = {
		.name = d->user, .location = d->location,
		.quota_storage = d->quota_storage,
		.quota_messages = d->quota_messages,
	};

	d->result = -1;
	if ((b = gd_mail_backend_find(d->cfg->storage, &d->err)) == NULL ||
	    gd_mail_store_open(b, &u, GD_MAIL_STORE_CREATE, &d->store,
	    &d->err) < 0 ||
	    gd_mail_store_lock(d->store, "pop3", &d->lock, &d->err) < 0 ||
	    gd_mailbox_open(d->store, "INBOX", 0, &d->box, &d->err) < 0 ||
	    drop_snapshot(d) < 0) {
		drop_close_all(d);
		return;
	}
	d->result = 0;
}

/* Should UPDATE remove this message (DELE, or EXPIRE)? */
static bool
drop_removes(const struct pop3_drop *d, const struct pop3_msg *m,
    int64_t now)
{
	int32_t days = d->cfg->expire_days;

	if (m->deleted)
		return true;
	if (days == POP3_EXPIRE_NEVER || !(m->retrieved || m->seen))
		return false;
	if (days == 0)
		return m->retrieved;
	return now - m->date >= (int64_t)days * 86400;
}

/* As ranges of sequence numbers: the messages UPDATE removes
 * (`removes`), or those retrieved that stay and need \Seen. */
static size_t
drop_ranges(const struct pop3_drop *d, bool removes,
    struct gd_mail_range *r)
{
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;
	uint32_t i;
	bool on;

	for (i = 0; i < d->count; i++) {
		const struct pop3_msg *m = &d->msgs[i];

		on = removes ? drop_removes(d, m, now) :
		    m->retrieved && !m->seen && !drop_removes(d, m, now);
		if (!on)
			continue;
		if (n > 0 && r[n - 1].last + 1 == m->seq)
			r[n - 1].last = m->seq;
		else
			r[n++] = (struct gd_mail_range){ m->seq, m->seq };
	}
	return n;
}

static void
drop_update_work(void *arg)
{
	struct pop3_drop *d = arg;
	struct gd_mail_flag_change seen = {
		.op = GD_MAIL_FLAGS_ADD, .flags = GD_MAIL_SEEN,
	};
	struct gd_mail_range *r;
	size_t n;

	d->result = 0;
	r = gd_xcalloc(d->count > 0 ? d->count : 1, sizeof(*r));
	/* What was retrieved and stays is \Seen (for IMAP, and EXPIRE). */
	n = drop_ranges(d, false, r);
	if (n > 0)
		(void)gd_mailbox_set_flags(d->box, r, n, &seen, NULL, NULL,
		    NULL, NULL);
	n = drop_ranges(d, true, r);
	if (n > 0 && gd_mailbox_expunge(d->box, GD_MAIL_EXPUNGE_RANGES, r,
	    n, NULL, NULL, &d->err) < 0)
		d->result = -1;
	free(r);
	drop_close_all(d);
}

/* ---- loop side ----------------------------------------------------------- */

void
pop3_drop_prepare(struct pop3_session *s, const char *user,
    const struct gd_realm_user *info)
{
	struct pop3_drop *d = gd_xcalloc(1, sizeof(*d));

	pop3_drop_discard(s);
	d->session = s;
	d->mod = s->mod;
	d->cfg = s->cfg;
	d->user = gd_xstrdup(user);
	if (info != NULL) {
		d->location = info->mail != NULL ? gd_xstrdup(info->mail) :
		    NULL;
		d->quota_storage = info->quota_storage;
		d->quota_messages = info->quota_messages;
	}
	s->drop = d;
}

/* Forget a drop prepared but not opened (a refused login). */
void
pop3_drop_discard(struct pop3_session *s)
{
	if (s->drop == NULL || s->drop->running)
		return;
	drop_free(s->drop);
	s->drop = NULL;
}

static void
drop_open_failed(struct pop3_session *s, struct pop3_drop *d)
{
	gd_log(GD_LOG_NOTICE, "pop3.login", "session=%s user=%s "
	    "result=refused reason=\"%s\"", gd_conn_id(s->conn), d->user,
	    d->err.text);
	if (d->err.code == GD_MAIL_ERR_INUSE)
		pop3_refusal(s, POP3_REFUSE_IN_USE);
	else if (d->err.code == GD_MAIL_ERR_BADNAME ||
	    d->err.code == GD_MAIL_ERR_NOPERM)
		pop3_refusal(s, POP3_REFUSE_SYS_PERM);
	else
		pop3_refusal(s, POP3_REFUSE_SYS_TEMP);
	s->drop = NULL;
	drop_free(d);
	pop3_set(&s->user, NULL);
}

static void
drop_open_done(void *arg)
{
	struct pop3_drop *d = arg;
	struct pop3_session *s = d->session;
	uint64_t octets;
	uint32_t n;

	d->running = false;
	if (s == NULL) {
		/* The connection closed meanwhile. */
		if (gd_work_submit(NULL, drop_close_work, NULL, d) < 0)
			drop_free(d);
		return;
	}
	if (d->result < 0) {
		drop_open_failed(s, d);
		pop3_busy(s, false);
		return;
	}
	s->state = POP3_STATE_TRANSACTION;
	if (s->cfg->login_delay > 0)
		pop3_delay_record(s->mod->delays, d->user,
		    (uint64_t)time(NULL), s->cfg->login_delay);
	n = pop3_drop_live(d, &octets);
	gd_log(GD_LOG_INFO, "pop3.login", "session=%s user=%s result=ok "
	    "messages=%u octets=%llu", gd_conn_id(s->conn), d->user, n,
	    (unsigned long long)octets);
	pop3_ok(s, "Maildrop has %u messages (%llu octets)", n,
	    (unsigned long long)octets);
	pop3_busy(s, false);
}

void
pop3_drop_open(struct pop3_session *s)
{
	struct pop3_drop *d = s->drop;

	d->running = true;
	if (gd_work_submit(gd_conn_loop(s->conn), drop_open_work,
	    drop_open_done, d) < 0) {
		d->running = false;
		d->err.code = GD_MAIL_ERR_TEMP;
		strcpy(d->err.text, "shutting down");
		drop_open_failed(s, d);
		pop3_busy(s, false);
	}
}

static void
drop_update_done(void *arg)
{
	struct pop3_drop *d = arg;
	struct pop3_session *s = d->session;

	if (s != NULL) {
		s->drop = NULL;
		gd_log(GD_LOG_INFO, "pop3.update", "session=%s user=%s "
		    "result=%s%s%s", gd_conn_id(s->conn), d->user,
		    d->result < 0 ? "failed reason=\"" : "ok",
		    d->result < 0 ? d->err.text : "",
		    d->result < 0 ? "\"" : "");
		if (d->result < 0)
			pop3_err(s, POP3_CODE_SYS_TEMP, "Some deleted "
			    "messages not removed");
		else
			pop3_ok(s, "Bye");
		pop3_close(s, "quit");
	}
	drop_free(d);
}

void
pop3_drop_update(struct pop3_session *s)
{
	s->state = POP3_STATE_UPDATE;
	pop3_busy(s, true);
	s->drop->running = true;
	if (gd_work_submit(gd_conn_loop(s->conn), drop_update_work,
	    drop_update_done, s->drop) < 0) {
		s->drop->running = false;
		pop3_err(s, POP3_CODE_SYS_TEMP, "Server shutting down");
		pop3_close(s, "shutdown");
	}
}

/* The connection closes: a drop with a job running is closed by the job's
 * end; an open one is closed in the pool, removing nothing. */
void
pop3_drop_release(struct pop3_session *s)
{
	struct pop3_drop *d = s->drop;

	if (d == NULL)
		return;
	s->drop = NULL;
	d->session = NULL;
	if (d->running)
		return;
	if (d->store == NULL) {
		drop_free(d);
		return;
	}
	if (gd_work_submit(NULL, drop_close_work, NULL, d) < 0)
		gd_log(GD_LOG_WARNING, "pop3.close", "user=%s reason=\"the "
		    "blocking pool stopped: maildrop left open\"", d->user);
}

uint32_t
pop3_drop_live(const struct pop3_drop *d, uint64_t *octets_r)
{
	uint64_t octets = 0;
	uint32_t i, n = 0;

	for (i = 0; i < d->count; i++) {
		if (d->msgs[i].deleted)
			continue;
		n++;
		octets += d->msgs[i].size;
	}
	*octets_r = octets;
	return n;
}
