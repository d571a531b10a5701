/*
 * imap-mailboxes.c — the user's store and the commands on its mailbox
 * tree, every store call in the blocking pool (imap_job):
 *
 *   login       the store of the realm's user (`storage` backend, the
 *               realm's mail location and quotas), created on first
 *               login, and the `special-use:` folders no mailbox holds
 *               the attribute of yet (RFC 6154)
 *   LIST, LSUB  patterns with the reference, LIST-EXTENDED selection
 *               (SUBSCRIBED, SPECIAL-USE, RECURSIVEMATCH with CHILDINFO)
 *               and return options
 *               (SUBSCRIBED, CHILDREN, SPECIAL-USE, STATUS: RFC 5258,
 *               5819, 6154); \HasChildren / \HasNoChildren always
 *   CREATE (with USE), DELETE, RENAME (INBOX: its messages move, RFC
 *   9051 6.3.6), SUBSCRIBE, UNSUBSCRIBE, STATUS (MESSAGES UIDNEXT
 *   UIDVALIDITY UNSEEN DELETED SIZE, RECENT for rev1)
 *
 * Mailbox errors become the codes of RFC 5530 (NONEXISTENT,
 * ALREADYEXISTS, CANNOT, NOPERM, UNAVAILABLE, ...).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap-private.h"

/* ---- the store ----------------------------------------------------------- */

static int
imap_special_seen(void *arg, const struct gd_mail_list_entry *e)
{
	unsigned *have = arg;

	*have |= e->attrs & GD_MAIL_LIST_SPECIAL_USE_MASK;
	return 0;
}

/* Create the configured special-use folders whose attribute no mailbox
 * carries yet (a name taken by another mailbox is left alone), all in
 * one call: they share the store's syncs. */
static void
imap_special_create(struct imap_session *s)
{
	struct gd_mail_special_folder *missing;
	struct gd_mail_error err;
	unsigned have = 0;
	size_t i, n = 0;

	if (s->cfg->nspecial == 0 || gd_mail_store_list(s->store, NULL,
	    GD_MAIL_LIST_ONLY_SPECIAL_USE, imap_special_seen, &have,
	    &err) < 0)
		return;
	missing = gd_xcalloc(s->cfg->nspecial, sizeof(*missing));
	for (i = 0; i < s->cfg->nspecial; i++)
		if ((have & s->cfg->special[i].attr) == 0) {
			missing[n++] = s->cfg->special[i];
			have |= s->cfg->special[i].attr;
		}
	if (n > 0 && gd_mail_store_create_special(s->store, missing, n,
	    &err) < 0)
		gd_log(GD_LOG_WARNING, "imap.special-use", "session=%s "
		    "user=%s reason=\"%s\"", gd_conn_id(s->conn), s->user,
		    err.text);
	free(missing);
}

static void
imap_store_open_work(struct imap_session *s)
{
	const struct gd_mail_backend *b;
	struct gd_mail_user u = {
		.name = s->user, .location = s->location,
		.quota_storage = s->quota_storage,
		.quota_messages = s->quota_messages,
	};

	s->job.result = -1;
	b = gd_mail_backend_find(s->cfg->storage, &s->job.err);
	if (b == NULL || gd_mail_store_open(b, &u, GD_MAIL_STORE_CREATE,
	    &s->store, &s->job.err) < 0)
		return;
	imap_special_create(s);
	s->job.result = 0;
}

static void
imap_store_open_done(struct imap_session *s)
{
	struct imap_out caps = { 0 };

	if (s->job.result < 0) {
		gd_log(GD_LOG_NOTICE, "imap.login", "session=%s user=%s "
		    "result=refused reason=\"%s\"", gd_conn_id(s->conn),
		    s->user, s->job.err.text);
		imap_refusal(s, IMAP_REFUSE_UNAVAILABLE);
		return;
	}
	gd_log(GD_LOG_INFO, "imap.login", "session=%s user=%s result=ok",
	    gd_conn_id(s->conn), s->user);
	imap_set_state(s, IMAP_STATE_AUTH);
	/* APPENDLIMIT: the key, else the store's limit (RFC 7889). */
	if (s->cfg->append_limit == 0 &&
	    gd_mail_store_max_message_size(s->store) > 0)
		s->append_max = gd_mail_store_max_message_size(s->store);
	imap_reader_start(s);
	if (s->cfg->login_alert != NULL)
		gd_conn_writef(s->conn, "* OK [ALERT] %s\r\n",
		    s->cfg->login_alert);
	imap_capability_string(s, &caps);
	/* Written whole: the list outgrows imap_tagged()'s text buffer. */
	gd_conn_writef(s->conn, "%s OK [CAPABILITY %s] Logged in\r\n",
	    s->tag, caps.buf);
	imap_out_free(&caps);
}

/* Authenticated as s->user: open the store, then the tagged reply. */
void
imap_store_open(struct imap_session *s)
{
	imap_job(s, imap_store_open_work, imap_store_open_done);
}

/* Close the mailbox and the store (pool thread). */
void
imap_store_close_work(struct imap_session *s)
{
	gd_mail_append_abort(&s->append);
	gd_mailbox_close(&s->box);
	gd_mail_store_close(&s->store);
}

/* ---- a command on one mailbox name --------------------------------------- */

/* Parse "mailbox" alone as s->job.name; 0, or -1 (replied). */
static int
imap_one_name(struct imap_session *s)
{
	struct imap_error err;
	struct imap_args a;

	imap_args_start(s, &a, &err);
	if (imap_parse_mailbox(&a, &s->job.name) < 0 ||
	    imap_args_end(&a) < 0) {
		imap_reply_err(s, &err);
		return -1;
	}
	return 0;
}

/* The end of a job that has only a result. */
static void
imap_simple_done(struct imap_session *s)
{
	const char *what = imap_cmd_info(s->cmd)->name;

	imap_flush_out(s);
	if (s->job.result < 0) {
		imap_mail_error(s, &s->job.err, false, what);
		return;
	}
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "%s completed", what);
}

/* The selected mailbox by this name?  (INBOX in any case.) */
static bool
imap_is_selected(const struct imap_session *s, const char *name)
{
	const char *sel;

	if (s->box == NULL)
		return false;
	sel = gd_mailbox_name(s->box);
	if (gd_mail_name_is_inbox(sel))
		return gd_mail_name_is_inbox(name);
	return strcmp(sel, name) == 0;
}

/* ---- CREATE DELETE RENAME SUBSCRIBE -------------------------------------- */

static void
imap_create_work(struct imap_session *s)
{
	s->job.result = gd_mail_store_create(s->store, s->job.name,
	    s->job.items, &s->job.err);
}

void
imap_cmd_create(struct imap_session *s)
{
	struct imap_error err;
	struct imap_args a;

	imap_args_start(s, &a, &err);
	if (imap_parse_create(&a, &s->job.name, &s->job.items) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	imap_job(s, imap_create_work, imap_simple_done);
}

static void
imap_delete_work(struct imap_session *s)
{
	s->job.result = gd_mail_store_delete(s->store, s->job.name,
	    &s->job.err);
}

void
imap_cmd_delete(struct imap_session *s)
{
	if (imap_one_name(s) < 0)
		return;
	if (imap_is_selected(s, s->job.name)) {
		imap_tagged(s, IMAP_NO, IMAP_CODE_INUSE, "The mailbox is "
		    "selected: UNSELECT it first");
		return;
	}
	imap_job(s, imap_delete_work, imap_simple_done);
}

static void
imap_rename_work(struct imap_session *s)
{
	s->job.result = gd_mail_store_rename(s->store, s->job.name,
	    s->job.name2, &s->job.err);
}

void
imap_cmd_rename(struct imap_session *s)
{
	struct imap_error err;
	struct imap_args a;

	imap_args_start(s, &a, &err);
	if (imap_parse_rename(&a, &s->job.name, &s->job.name2) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	/* INBOX stays itself (its messages move); others would vanish
	 * from under the view. */
	if (imap_is_selected(s, s->job.name) &&
	    !gd_mail_name_is_inbox(s->job.name)) {
		imap_tagged(s, IMAP_NO, IMAP_CODE_INUSE, "The mailbox is "
		    "selected: UNSELECT it first");
		return;
	}
	imap_job(s, imap_rename_work, imap_simple_done);
}

static void
imap_subscribe_work(struct imap_session *s)
{
	s->job.result = gd_mail_store_subscribe(s->store, s->job.name,
	    s->job.flag, &s->job.err);
}

void
imap_cmd_subscribe(struct imap_session *s, bool subscribe)
{
	if (imap_one_name(s) < 0)
		return;
	s->job.flag = subscribe;	/* the flag the work reads */
	imap_job(s, imap_subscribe_work, imap_simple_done);
}

/* ---- STATUS -------------------------------------------------------------- */

/* "* STATUS name (items)" for `st` (pool thread or loop). */
static void
imap_status_line(struct imap_session *s, const char *name, unsigned items,
    const struct gd_mail_status *st)
{
	struct imap_out *o = &s->out;
	const char *sp = "";

	imap_out_printf(o, "* STATUS ");
	imap_out_mailbox(o, s->cmd_pool, name, s->mode);
	imap_out_printf(o, " (");
#define ITEM(bit, fmt, val) \
	if (items & (bit)) { \
		imap_out_printf(o, "%s" fmt, sp, val); \
		sp = " "; \
	}
	ITEM(GD_MAIL_STATUS_MESSAGES, "MESSAGES %u", st->messages)
	ITEM(GD_MAIL_STATUS_UIDNEXT, "UIDNEXT %u", st->uidnext)
	ITEM(GD_MAIL_STATUS_UIDVALIDITY, "UIDVALIDITY %u", st->uidvalidity)
	ITEM(GD_MAIL_STATUS_UNSEEN, "UNSEEN %u", st->unseen)
	ITEM(GD_MAIL_STATUS_DELETED, "DELETED %u", st->deleted)
	ITEM(GD_MAIL_STATUS_SIZE, "SIZE %llu",
	    (unsigned long long)st->size)
	ITEM(GD_MAIL_STATUS_RECENT, "RECENT %u", st->recent)
#undef ITEM
	imap_out_printf(o, ")\r\n");
}

static void
imap_status_work(struct imap_session *s)
{
	struct gd_mail_status st;

	memset(&st, 0, sizeof(st));
	s->job.result = gd_mail_store_status(s->store, s->job.name,
	    s->job.items, &st, &s->job.err);
	if (s->job.result == 0)
		imap_status_line(s, s->job.name, s->job.items, &st);
}

void
imap_cmd_status(struct imap_session *s)
{
	struct imap_error err;
	struct imap_args a;

	imap_args_start(s, &a, &err);
	if (imap_parse_status(&a, &s->job.name, &s->job.items) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	imap_job(s, imap_status_work, imap_simple_done);
}

/* ---- LIST and LSUB ------------------------------------------------------- */

struct imap_list_item {
	char *name;
	unsigned attrs;
};

struct imap_list_acc {
	struct imap_session *s;
	struct imap_list_item *items;
	size_t count, cap;
};

static int
imap_list_collect(void *arg, const struct gd_mail_list_entry *e)
{
	struct imap_list_acc *acc = arg;
	struct imap_list_item *it;

	acc->items = imap_pool_grow(acc->s->cmd_pool, acc->items, acc->count,
	    &acc->cap, sizeof(*acc->items));
	it = &acc->items[acc->count++];
	it->name = gd_pool_strdup(acc->s->cmd_pool, e->name);
	it->attrs = e->attrs;
	return 0;
}

/* The attributes of one LIST / LSUB line. */
static void
imap_list_attrs(struct imap_session *s, unsigned a, bool lsub)
{
	const struct imap_list *l = &s->job.list;
	struct imap_out *o = &s->out;
	const char *sp = "";
	unsigned bit;

#define ATTR(cond, text) \
	if (cond) { \
		imap_out_printf(o, "%s%s", sp, text); \
		sp = " "; \
	}
	ATTR(!lsub && (a & GD_MAIL_LIST_NONEXISTENT), "\\NonExistent")
	ATTR((a & GD_MAIL_LIST_NOSELECT) || (lsub &&
	    (a & GD_MAIL_LIST_NONEXISTENT)), "\\Noselect")
	ATTR(a & GD_MAIL_LIST_NOINFERIORS, "\\Noinferiors")
	ATTR(!lsub && (a & GD_MAIL_LIST_HASCHILDREN), "\\HasChildren")
	ATTR(!lsub && (a & GD_MAIL_LIST_HASNOCHILDREN), "\\HasNoChildren")
	ATTR(!lsub && (a & GD_MAIL_LIST_SUBSCRIBED) &&
	    (l->ret & IMAP_LIST_RET_SUBSCRIBED ||
	    l->sel & IMAP_LIST_SEL_SUBSCRIBED), "\\Subscribed")
#undef ATTR
	for (bit = GD_MAIL_LIST_SENT; !lsub &&
	    (bit & GD_MAIL_LIST_SPECIAL_USE_MASK) != 0; bit <<= 1) {
		if ((a & bit) == 0)
			continue;
		imap_out_printf(o, "%s%s", sp, gd_mail_special_use_name(bit));
		sp = " ";
	}
}

static void
imap_list_line(struct imap_session *s, const struct imap_list_item *it,
    bool lsub, bool childinfo)
{
	struct gd_mail_status st;
	unsigned items = s->job.list.status_items;

	imap_out_printf(&s->out, "* %s (", lsub ? "LSUB" : "LIST");
	imap_list_attrs(s, it->attrs, lsub);
	imap_out_printf(&s->out, ") \"/\" ");
	imap_out_mailbox(&s->out, s->cmd_pool, it->name, s->mode);
	if (childinfo)
		imap_out_printf(&s->out, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	imap_out_printf(&s->out, "\r\n");
	/* LIST-STATUS (RFC 5819): selectable mailboxes only; a failure
	 * leaves the STATUS line out. */
	if (lsub || !(s->job.list.ret & IMAP_LIST_RET_STATUS) ||
	    (it->attrs & (GD_MAIL_LIST_NOSELECT |
	    GD_MAIL_LIST_NONEXISTENT)) != 0)
		return;
	memset(&st, 0, sizeof(st));
	if (gd_mail_store_status(s->store, it->name, items, &st, NULL) == 0)
		imap_status_line(s, it->name, items, &st);
}

static void imap_list_rmatch(struct imap_session *s, unsigned flags);

static void
imap_list_work(struct imap_session *s)
{
	struct imap_list *l = &s->job.list;
	struct imap_list_acc acc = { .s = s };
	unsigned flags = 0;
	bool lsub = s->job.flag;
	size_t i;

	for (i = 0; i < l->npatterns; i++)
		l->patterns[i] = imap_list_join(s->cmd_pool, l->reference,
		    l->patterns[i]);
	if (lsub || (l->sel & IMAP_LIST_SEL_SUBSCRIBED))
		flags |= GD_MAIL_LIST_ONLY_SUBSCRIBED;
	if (l->sel & IMAP_LIST_SEL_SPECIAL_USE)
		flags |= GD_MAIL_LIST_ONLY_SPECIAL_USE;
	if (!lsub && (l->sel & IMAP_LIST_SEL_RECURSIVEMATCH) &&
	    (l->sel & IMAP_LIST_SEL_SUBSCRIBED)) {
		imap_list_rmatch(s, flags);
		return;
	}
	s->job.result = gd_mail_store_list(s->store,
	    (const char *const *)l->patterns, flags, imap_list_collect, &acc,
	    &s->job.err);
	for (i = 0; s->job.result == 0 && i < acc.count; i++)
		imap_list_line(s, &acc.items[i], lsub, false);
}

/* A subscribed name below `name`? (RFC 5258 CHILDINFO) */
static bool
imap_list_sub_child(const struct imap_list_acc *subs, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < subs->count; i++)
		if (strncmp(subs->items[i].name, name, n) == 0 &&
		    subs->items[i].name[n] == GD_MAIL_DELIM)
			return true;
	return false;
}

static bool
imap_list_matches(const struct imap_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->npatterns; i++)
		if (gd_mail_pattern_match(l->patterns[i], name))
			return true;
	return false;
}

/*
 * LIST (SUBSCRIBED RECURSIVEMATCH) (RFC 5258 3.5): the subscribed
 * mailboxes that match, and the matching parents of subscribed ones
 * with CHILDINFO ("SUBSCRIBED"); gone subscriptions as \NonExistent.
 */
static void
imap_list_rmatch(struct imap_session *s, unsigned flags)
{
	static const char *const all_names[] = { "*", NULL };
	struct imap_list_acc subs = { .s = s }, all = { .s = s };
	const struct imap_list *l = &s->job.list;
	const struct imap_list_item *it;
	bool child;
	size_t i;

	s->job.result = gd_mail_store_list(s->store, all_names,
	    GD_MAIL_LIST_ONLY_SUBSCRIBED, imap_list_collect, &subs,
	    &s->job.err);
	if (s->job.result == 0)
		s->job.result = gd_mail_store_list(s->store,
		    (const char *const *)l->patterns,
		    flags & ~GD_MAIL_LIST_ONLY_SUBSCRIBED, imap_list_collect,
		    &all, &s->job.err);
	for (i = 0; s->job.result == 0 && i < all.count; i++) {
		it = &all.items[i];
		child = imap_list_sub_child(&subs, it->name);
		if ((it->attrs & GD_MAIL_LIST_SUBSCRIBED) || child)
			imap_list_line(s, it, false, child);
	}
	for (i = 0; s->job.result == 0 && i < subs.count; i++) {
		it = &subs.items[i];
		if ((it->attrs & GD_MAIL_LIST_NONEXISTENT) &&
		    imap_list_matches(l, it->name))
			imap_list_line(s, it, false, false);
	}
}

/* LIST "" "": the delimiter and the root (RFC 9051 6.3.9). */
static bool
imap_list_root(struct imap_session *s, bool lsub)
{
	const struct imap_list *l = &s->job.list;

	if (l->npatterns != 1 || l->patterns[0][0] != '\0' || l->extended)
		return false;
	if (lsub)
		imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "LSUB completed");
	else {
		imap_untagged(s, "LIST (\\Noselect) \"/\" \"\"");
		imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "LIST completed");
	}
	return true;
}

void
imap_cmd_list(struct imap_session *s, bool lsub)
{
	struct imap_error err;
	struct imap_args a;
	int ret;

	imap_args_start(s, &a, &err);
	ret = lsub ? imap_parse_lsub(&a, &s->job.list) :
	    imap_parse_list(&a, &s->job.list);
	if (ret < 0) {
		imap_reply_err(s, &err);
		return;
	}
	if (imap_list_root(s, lsub))
		return;
	s->job.flag = lsub;
	imap_job(s, imap_list_work, imap_simple_done);
}
