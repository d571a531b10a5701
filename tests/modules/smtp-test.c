/*
 * smtp-test.so — a fixture for the smtp module's integration tests: it
 * registers a handler on every smtp.* hook point, answers by rules keyed
 * on the addresses, and records what it sees in DIR/events.log; the
 * content of each message goes to DIR/msg-ID.eml through a content
 * consumer (so DATA and BDAT can be compared byte for byte).
 *
 *   smtp-test:
 *     dir: /tmp/x          # where events.log and msg-*.eml go
 *
 * Rules (local parts), for recipients in domain "test.example":
 *   reject*    REJECT, typed reason NOT_LOCAL (550 5.1.1)
 *   quota*     REJECT, OVER_QUOTA (552 5.2.2)
 *   grey*      TEMPFAIL, GREYLISTED (451 4.7.1)
 *   slow*      ACCEPT after 100 ms (PENDING)
 *   lmtpfail*  accepted; at data-end its own result 552 5.2.2
 *   spam*      accepted; data-end REJECT, SPAM (550 5.7.1)
 *   slowsink*  accepted; the content consumer takes at most 7 bytes a
 *              call and refuses every other call (back-pressure), waking
 *              the stream at the end of the loop iteration
 *   anything else: ACCEPT.  Clients from 127.0.0.5: smtp.connect REJECT,
 *   BLOCKED_CLIENT (554 5.7.1); from 127.0.0.6: REJECT without a reply.
 *   smtp.auth after HELO auth-reject.test / auth-tempfail.test: REJECT /
 *   TEMPFAIL without a reply.  Other domains: CONTINUE (the module's
 *   default).  Senders: "greylist@..." TEMPFAIL, "slowmail@..." ACCEPT
 *   after 100 ms.  data-end always pends 50 ms before answering: the
 *   reply must wait for it.
 *
 * The delivered copy (smtp service 1.1), for tests that deliver with
 * local-delivery (hooks: smtp-test's data-end before local-delivery's):
 *     add-mail: ["Name: value", ...]       add_field in smtp.mail
 *     add-data-end: ["Name: value", ...]   add_field in smtp.data-end
 *     drop: ["Name: prefix", ...]          drop_fields from smtp.data:
 *                                          fields Name (any case) whose
 *                                          unfolded value starts prefix
 *     quarantine: junk                     quarantine() in data-end when
 *                                          a recipient's local part
 *                                          starts with it
 *     pass-data-end: true                  data-end answers CONTINUE at
 *                                          once (the owner delivers)
 * With add-mail set, senders "flood*" also get a 40,000-byte field and
 * 40 more ("flood ok=N limit=M"): the service's bounds.
 * Each call's outcome goes to events.log ("field NAME at=mail status=N",
 * "drop status=N", "quarantine status=N"); a drop_fields and an
 * add_field at the wrong time are tried too, so that refusals show.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gumdrop/gumdrop.h>
#include <gumdrop/smtp.h>

struct st_module {
	const struct gd_smtp_service *smtp;
	char dir[512];
	pthread_mutex_t lock;
	/* the delivered copy */
	const char *const *add_mail, *const *add_end, *const *drop;
	size_t nadd_mail, nadd_end, ndrop;
	const char *quarantine;
	bool pass_end;
};

struct st_sink {
	int fd;
	bool slow;			/* back-pressure: see st_sink_write */
	bool refused;
	bool wake_pending;		/* st_sink_wake is deferred */
	bool dead;			/* ended or aborted */
	struct gd_stream_link *link;
};

struct st_later {
	struct gd_hook_pending *pending;
	enum gd_verdict verdict;
	unsigned delay_ms;
};

static struct st_module st_mod = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
st_log(const char *fmt, ...)
{
	char path[600], line[2048];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	snprintf(path, sizeof(path), "%s/events.log", st_mod.dir);
	pthread_mutex_lock(&st_mod.lock);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd >= 0) {
		if (write(fd, line, strlen(line)) < 0)
			perror("events.log");
		close(fd);
	}
	pthread_mutex_unlock(&st_mod.lock);
}

static void
st_later_work(void *arg)
{
	struct st_later *l = arg;

	usleep(l->delay_ms * 1000);
	gd_hook_resume(l->pending, l->verdict, NULL);
	free(l);
}

static enum gd_verdict
st_pend(struct gd_hook_call *call, enum gd_verdict verdict, unsigned ms)
{
	struct st_later *l = gd_xcalloc(1, sizeof(*l));

	l->pending = gd_hook_pend(call);
	l->verdict = verdict;
	l->delay_ms = ms;
	if (gd_work_submit(NULL, st_later_work, NULL, l) < 0)
		abort();
	return GD_VERDICT_PENDING;
}

static bool
st_prefix(const char *s, const char *p)
{
	return s != NULL && strncmp(s, p, strlen(p)) == 0;
}

static enum gd_verdict
st_connect(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = st_mod.smtp->session(call);

	(void)ctx; (void)data;
	if (strcmp(st_mod.smtp->client_ip(s), "127.0.0.5") == 0)
		return st_mod.smtp->reason_reply(GD_SMTP_REASON_BLOCKED_CLIENT,
		    reply_r);
	if (strcmp(st_mod.smtp->client_ip(s), "127.0.0.6") == 0)
		return GD_VERDICT_REJECT;	/* the core's 550: sent as 554 */
	st_log("connect proto=%d ip=%s port=%u rdns=%d ptr=%s name=%s",
	    (int)st_mod.smtp->protocol(s), st_mod.smtp->client_ip(s),
	    st_mod.smtp->client_port(s), (int)st_mod.smtp->client_rdns(s),
	    st_mod.smtp->client_ptr(s) != NULL ? st_mod.smtp->client_ptr(s) :
	    "-", st_mod.smtp->client_name(s) != NULL ?
	    st_mod.smtp->client_name(s) : "-");
	return GD_VERDICT_CONTINUE;
}

static enum gd_verdict
st_helo(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	(void)ctx; (void)data; (void)reply_r;
	st_log("helo %s", (const char *)gd_hook_call_arg(call));
	return GD_VERDICT_CONTINUE;
}

static enum gd_verdict
st_auth(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = st_mod.smtp->session(call);

	const char *helo = st_mod.smtp->helo(s);

	(void)ctx; (void)data; (void)reply_r;
	st_log("auth user=%s mech=%s", st_mod.smtp->auth_user(s),
	    st_mod.smtp->auth_mechanism(s));
	/* No reply: the module must turn the core's default into AUTH's. */
	if (helo != NULL && strcmp(helo, "auth-reject.test") == 0)
		return GD_VERDICT_REJECT;
	if (helo != NULL && strcmp(helo, "auth-tempfail.test") == 0)
		return GD_VERDICT_TEMPFAIL;
	return GD_VERDICT_CONTINUE;
}

static const char *
st_str(const char *s)
{
	return s != NULL ? s : "-";
}

/* Everything the getters say about the client and the server side. */
static void
st_log_session(struct gd_smtp_session *s)
{
	const struct gd_smtp_service *g = st_mod.smtp;

	st_log("session ip=%s port=%u name=%s rdns=%d ptr=%s xclient=%d "
	    "relay=%d helo=%s esmtp=%d user=%s mech=%s server=%s:%u",
	    g->client_ip(s), g->client_port(s), st_str(g->client_name(s)),
	    (int)g->client_rdns(s), st_str(g->client_ptr(s)), g->xclient(s),
	    g->relay_client(s), st_str(g->helo(s)), g->esmtp(s),
	    st_str(g->auth_user(s)), st_str(g->auth_mechanism(s)),
	    g->server_ip(s), g->server_port(s));
}

/* "Name: value" → add_field; the outcome in events.log. */
static void
st_add(struct gd_smtp_session *s, const char *spec, const char *at)
{
	const char *colon = strstr(spec, ": ");
	char name[128];
	int st;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(name))
		return;
	memcpy(name, spec, (size_t)(colon - spec));
	name[colon - spec] = '\0';
	st = (int)st_mod.smtp->add_field(s, name, colon + 2);
	st_log("field %s at=%s status=%d", name, at, st);
}

/* Senders "flood*": one 40,000-byte field, then 40 small ones. */
static void
st_flood(struct gd_smtp_session *s)
{
	char *big = gd_xcalloc(1, 40001), name[32];
	unsigned i, ok = 0, limit = 0;
	int st;

	memset(big, 'h', 40000);
	st_log("field X-Huge at=mail status=%d",
	    (int)st_mod.smtp->add_field(s, "X-Huge", big));
	free(big);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "X-Flood-%u", i);
		st = (int)st_mod.smtp->add_field(s, name, "flood value");
		ok += st == GD_SMTP_FIELD_OK;
		limit += st == GD_SMTP_FIELD_LIMIT;
	}
	st_log("flood ok=%u limit=%u", ok, limit);
}

static void
st_add_all(struct gd_smtp_session *s, const char *const *list, size_t n,
    const char *at)
{
	size_t i;

	for (i = 0; i < n; i++)
		st_add(s, list[i], at);
}

/* A drop rule "Name: prefix" matches its fields. */
static bool
st_drop_match(void *ctx, const struct gd_msg_field *f)
{
	const char *spec = ctx, *colon = strstr(spec, ": ");
	size_t nlen = colon != NULL ? (size_t)(colon - spec) : 0;

	if (colon == NULL || f->name_len != nlen ||
	    strncasecmp(f->name, spec, nlen) != 0)
		return false;
	return strncmp(f->value, colon + 2, strlen(colon + 2)) == 0;
}

static enum gd_verdict
st_mail(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	const struct gd_smtp_mail *m = gd_hook_call_arg(call);

	(void)ctx; (void)data;
	st_log_session(st_mod.smtp->session(call));
	st_log("mail from=<%s> utf8=%d body=%d size=%llu ret=%d envid=%s "
	    "requiretls=%d prio=%d hold=%lld by=%lld auth=%s", m->sender,
	    m->smtputf8, (int)m->body, (unsigned long long)m->size,
	    (int)m->ret, m->envid != NULL ? m->envid : "-", m->requiretls,
	    m->has_priority ? m->priority : 99, (long long)m->hold_until,
	    (long long)m->by_seconds, m->auth != NULL ? m->auth : "-");
	st_add_all(st_mod.smtp->session(call), st_mod.add_mail,
	    st_mod.nadd_mail, "mail");
	if (st_mod.nadd_mail > 0 && st_prefix(m->local_part, "flood"))
		st_flood(st_mod.smtp->session(call));
	if (st_prefix(m->local_part, "greylist"))
		return st_mod.smtp->reason_reply(GD_SMTP_REASON_GREYLISTED,
		    reply_r);
	if (st_prefix(m->local_part, "slowmail"))
		return st_pend(call, GD_VERDICT_CONTINUE, 100);
	return GD_VERDICT_CONTINUE;
}

static enum gd_verdict
st_rcpt(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	const struct gd_smtp_rcpt *r = gd_hook_call_arg(call);

	(void)ctx; (void)data;
	st_log("rcpt to=<%s> notify=%u orcpt=%s;%s", r->address, r->notify,
	    r->orcpt_type != NULL ? r->orcpt_type : "-",
	    r->orcpt != NULL ? r->orcpt : "-");
	if (strcmp(r->domain, "test.example") != 0)
		return GD_VERDICT_CONTINUE;
	if (st_prefix(r->local_part, "reject"))
		return st_mod.smtp->reason_reply(GD_SMTP_REASON_NOT_LOCAL,
		    reply_r);
	if (st_prefix(r->local_part, "quota"))
		return st_mod.smtp->reason_reply(GD_SMTP_REASON_OVER_QUOTA,
		    reply_r);
	if (st_prefix(r->local_part, "grey"))
		return st_mod.smtp->reason_reply(GD_SMTP_REASON_GREYLISTED,
		    reply_r);
	if (st_prefix(r->local_part, "slow"))
		return st_pend(call, GD_VERDICT_ACCEPT, 100);
	reply_r->code = 250;
	reply_r->enhanced = "2.1.5";
	reply_r->text = "Recipient ok";
	return GD_VERDICT_ACCEPT;
}

/* The sink is malloc'd: a deferred wake may outlive the transaction. */
static void
st_sink_done(struct st_sink *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	k->dead = true;
	if (!k->wake_pending)
		free(k);
}

static void
st_sink_wake(void *arg)
{
	struct st_sink *k = arg;

	k->wake_pending = false;
	if (k->dead) {
		free(k);
		return;
	}
	gd_stream_wakeup(k->link);
}

static ssize_t
st_sink_write(struct gd_stream_link *link, void *ctx, const void *buf,
    size_t len, const char **error_r)
{
	struct st_sink *k = ctx;
	size_t len0;

	if (k->slow) {
		/* Take nothing or at most 7 bytes; promise a wakeup
		 * whenever less than offered was taken (hooks.h). */
		k->link = link;
		k->refused = !k->refused;
		len0 = len;
		len = k->refused ? 0 : len > 7 ? 7 : len;
		if (len < len0 && !k->wake_pending) {
			k->wake_pending = true;
			gd_loop_defer(gd_loop_current(), st_sink_wake, k);
		}
		if (len == 0)
			return 0;
	}
	if (write(k->fd, buf, len) != (ssize_t)len) {
		*error_r = "write failed";
		return -1;
	}
	return (ssize_t)len;
}

static int
st_sink_end(struct gd_stream_link *link, void *ctx, const char **error_r)
{
	struct st_sink *k = ctx;

	(void)link; (void)error_r;
	st_sink_done(k);
	return 0;
}

static void
st_sink_abort(void *ctx)
{
	st_sink_done(ctx);
	st_log("abort");
}

static const struct gd_stream_consumer st_sink = {
	.name = "smtp-test-sink",
	.write = st_sink_write,
	.end = st_sink_end,
	.abort = st_sink_abort,
};

static void
st_field(void *ctx, const struct gd_msg_field *field)
{
	(void)ctx;
	if (strcasecmp(field->name, "Subject") == 0)
		st_log("header Subject: %s", field->value);
}

static void
st_addresses(void *ctx, const char *name, const struct gd_msg_address *list)
{
	(void)ctx;
	for (; list != NULL; list = list->next)
		if (list->mailbox != NULL && list->domain != NULL)
			st_log("address %s: %s@%s", name, list->mailbox,
			    list->domain);
}

static void
st_header_end(void *ctx)
{
	(void)ctx;
	st_log("header end");
}

static const struct gd_smtp_header_handler st_header = {
	.field = st_field,
	.addresses = st_addresses,
	.end = st_header_end,
};

static enum gd_verdict
st_data(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = st_mod.smtp->session(call);
	struct gd_smtp_data *d = gd_hook_call_arg(call);
	struct st_sink *k;
	char path[700];
	size_t i;

	(void)ctx; (void)data; (void)reply_r;
	k = gd_xcalloc(1, sizeof(*k));
	snprintf(path, sizeof(path), "%s/msg-%s.eml", st_mod.dir,
	    st_mod.smtp->transaction_id(s));
	k->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (k->fd < 0) {
		free(k);
		return GD_VERDICT_ERROR;
	}
	if (st_mod.smtp->rcpt_count(s) > 0)
		k->slow = st_prefix(st_mod.smtp->rcpt(s, 0)->local_part,
		    "slowsink");
	gd_stream_push(d->stream, &st_sink, k);
	st_mod.smtp->header_subscribe(s, &st_header, NULL);
	for (i = 0; i < st_mod.ndrop; i++)
		st_log("drop status=%d", st_mod.smtp->drop_fields(s,
		    st_drop_match, (void *)st_mod.drop[i]));
	st_log("data id=%s bdat=%d", st_mod.smtp->transaction_id(s),
	    d->bdat);
	return GD_VERDICT_CONTINUE;
}

/* data-end when local-delivery delivers: fields, quarantine, CONTINUE. */
static enum gd_verdict
st_copy_end(struct gd_smtp_session *s)
{
	unsigned i;

	st_add_all(s, st_mod.add_end, st_mod.nadd_end, "data-end");
	if (st_mod.ndrop > 0)
		st_log("late-drop status=%d", st_mod.smtp->drop_fields(s,
		    st_drop_match, (void *)st_mod.drop[0]));
	for (i = 0; st_mod.quarantine != NULL &&
	    i < st_mod.smtp->rcpt_count(s); i++)
		if (st_prefix(st_mod.smtp->rcpt(s, i)->local_part,
		    st_mod.quarantine)) {
			st_log("quarantine status=%d", st_mod.smtp->quarantine(
			    s, "smtp-test: rule\r\nmatched"));
			break;
		}
	return GD_VERDICT_CONTINUE;
}

static enum gd_verdict
st_data_end(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	struct gd_smtp_session *s = st_mod.smtp->session(call);
	struct gd_smtp_data *d = gd_hook_call_arg(call);
	static const struct gd_reply quota = { 552, "5.2.2", "Mailbox full" };
	unsigned i;

	(void)ctx; (void)data;
	st_log("data-end id=%s size=%llu bdat=%d rcpts=%u",
	    st_mod.smtp->transaction_id(s), (unsigned long long)d->size,
	    d->bdat, st_mod.smtp->rcpt_count(s));
	if (st_mod.pass_end)
		return st_copy_end(s);
	for (i = 0; i < st_mod.smtp->rcpt_count(s); i++) {
		const struct gd_smtp_rcpt *r = st_mod.smtp->rcpt(s, i);

		if (st_prefix(r->local_part, "spam"))
			return st_mod.smtp->reason_reply(GD_SMTP_REASON_SPAM,
			    reply_r);
		if (st_prefix(r->local_part, "lmtpfail"))
			st_mod.smtp->rcpt_set_result(s, i,
			    GD_VERDICT_REJECT, &quota);
	}
	return st_pend(call, GD_VERDICT_ACCEPT, 50);
}

static enum gd_verdict
st_reset(struct gd_hook_call *call, struct gd_module_ctx *ctx, void *data,
    struct gd_reply *reply_r)
{
	(void)ctx; (void)data; (void)reply_r;
	/* After the transaction: refused (no transaction any more). */
	if (st_mod.nadd_end > 0)
		st_add(st_mod.smtp->session(call), st_mod.add_end[0],
		    "reset");
	st_log("reset");
	return GD_VERDICT_CONTINUE;
}

static enum gd_verdict
st_disconnect(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	(void)call; (void)ctx; (void)data; (void)reply_r;
	st_log("disconnect");
	return GD_VERDICT_CONTINUE;
}

static int
st_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	const char *dir;

	(void)ctx;
	if (gd_config_get_string(config, "dir", "/tmp", &dir, error_r) < 0 ||
	    gd_config_get_strings(config, "add-mail", &st_mod.add_mail,
	    &st_mod.nadd_mail, error_r) < 0 ||
	    gd_config_get_strings(config, "add-data-end", &st_mod.add_end,
	    &st_mod.nadd_end, error_r) < 0 ||
	    gd_config_get_strings(config, "drop", &st_mod.drop,
	    &st_mod.ndrop, error_r) < 0 ||
	    gd_config_get_string(config, "quarantine", NULL,
	    &st_mod.quarantine, error_r) < 0 ||
	    gd_config_get_bool(config, "pass-data-end", false,
	    &st_mod.pass_end, error_r) < 0)
		return -1;
	snprintf(st_mod.dir, sizeof(st_mod.dir), "%s", dir);
	st_mod.smtp = gd_service_lookup(GD_SMTP_SERVICE, 1, 1, error_r);
	return st_mod.smtp != NULL ? 0 : -1;
}

static const struct gd_config_key st_keys[] = {
	{ "dir", GD_CONFIG_KEY_STRING, "/tmp", 0, 0, "output folder" },
	{ "add-mail", GD_CONFIG_KEY_STRINGS, NULL, 0, 0, "fields at MAIL" },
	{ "add-data-end", GD_CONFIG_KEY_STRINGS, NULL, 0, 0,
	    "fields at data-end" },
	{ "drop", GD_CONFIG_KEY_STRINGS, NULL, 0, 0, "Name: prefix" },
	{ "quarantine", GD_CONFIG_KEY_STRING, NULL, 0, 0,
	    "local-part prefix" },
	{ "pass-data-end", GD_CONFIG_KEY_BOOL, "false", 0, 0,
	    "data-end: CONTINUE" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_module_dep st_deps[] = {
	{ GD_DEP_SERVICE, GD_SMTP_SERVICE, 1, 1 },
	{ 0, NULL, 0, 0 },
};

static const struct gd_hook_reg st_hooks[] = {
	{ GD_SMTP_HOOK_CONNECT, st_connect, 0, NULL },
	{ GD_SMTP_HOOK_HELO, st_helo, 0, NULL },
	{ GD_SMTP_HOOK_AUTH, st_auth, 0, NULL },
	{ GD_SMTP_HOOK_MAIL, st_mail, GD_HOOK_MAY_PEND, NULL },
	{ GD_SMTP_HOOK_RCPT, st_rcpt, GD_HOOK_MAY_PEND, NULL },
	{ GD_SMTP_HOOK_DATA, st_data, 0, NULL },
	{ GD_SMTP_HOOK_DATA_END, st_data_end, GD_HOOK_MAY_PEND, NULL },
	{ GD_SMTP_HOOK_RESET, st_reset, 0, NULL },
	{ GD_SMTP_HOOK_DISCONNECT, st_disconnect, GD_HOOK_OBSERVE, NULL },
	{ NULL, NULL, 0, NULL },
};

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "smtp-test",
	.version = "1.0.0",
	.description = "smtp hook fixture for the integration tests",
	.license = "MIT",
	.deps = st_deps,
	.config_keys = st_keys,
	.hooks = st_hooks,
	.init = st_init,
};
