/*
 * smtp-copy.c — the delivered copy (gumdrop/smtp.h, service 1.1): the
 * header fields modules add on top of it (built by smtp-field.c, kept in
 * the transaction pool as one block), the predicates that leave fields
 * out of it, and the quarantine.  The smtp module only records them: the
 * delivering module (local-delivery) applies them, so the content
 * stream stays exactly as received.
 */
#include <string.h>

#include "smtp-private.h"

static struct smtp_session *
smtp_copy_session(const struct gd_smtp_session *g)
{
	struct smtp_session *s = (struct smtp_session *)g;

	GD_CHECK_MAGIC(s, SMTP_SESSION_MAGIC);
	return s;
}

static const char *
smtp_copy_status_name(enum gd_smtp_field_status st)
{
	static const char *const names[] = { "ok", "bad-name", "bad-value",
	    "limit", "wrong-time" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ?
	    names[st] : "?";
}

static enum gd_smtp_field_status
smtp_copy_refused(struct smtp_session *s, const char *name,
    enum gd_smtp_field_status st)
{
	char qname[SMTP_FIELD_NAME_MAX * 4 + 8];

	gd_log(GD_LOG_WARNING, "smtp.field", "session=%s id=%s name=%s "
	    "result=%s", gd_conn_id(s->conn), s->txn.active ? s->txn.id : "-",
	    gd_log_quote(qname, sizeof(qname), name != NULL ? name : ""),
	    smtp_copy_status_name(st));
	return st;
}

/* Room for `more` bytes in the block (doubling, in the txn pool). */
static void
smtp_copy_reserve(struct smtp_session *s, size_t more)
{
	struct smtp_txn *t = &s->txn;
	size_t cap = t->fields_cap == 0 ? 1024 : t->fields_cap;
	char *grown;

	if (t->fields_len + more <= t->fields_cap)
		return;
	while (cap < t->fields_len + more)
		cap *= 2;
	grown = gd_pool_alloc(s->txn_pool, cap);
	if (t->fields_len > 0)
		memcpy(grown, t->fields, t->fields_len);
	t->fields = grown;
	t->fields_cap = cap;
}

enum gd_smtp_field_status
smtp_copy_add_field(struct gd_smtp_session *g, const char *name,
    const char *value)
{
	struct smtp_session *s = smtp_copy_session(g);
	struct smtp_txn *t = &s->txn;
	enum smtp_field_check ck;
	size_t bound, len;

	if (!t->active || t->sealed)
		return smtp_copy_refused(s, name, GD_SMTP_FIELD_WRONG_TIME);
	if (name == NULL || value == NULL)
		return smtp_copy_refused(s, name, name == NULL ?
		    GD_SMTP_FIELD_BAD_NAME : GD_SMTP_FIELD_BAD_VALUE);
	if (!smtp_field_name_ok(name))
		return smtp_copy_refused(s, name, GD_SMTP_FIELD_BAD_NAME);
	/* The field is at least name ": " value CRLF: refuse what cannot
	 * fit before reserving room for its folds. */
	if (t->nfields >= GD_SMTP_FIELDS_MAX || t->fields_len + strlen(name) +
	    strlen(value) + 4 > GD_SMTP_FIELDS_SIZE)
		return smtp_copy_refused(s, name, GD_SMTP_FIELD_LIMIT);
	bound = smtp_field_bound(name, value);
	smtp_copy_reserve(s, bound);
	ck = smtp_field_build(t->fields + t->fields_len, bound, name, value,
	    &len);
	if (ck != SMTP_FIELD_GOOD)
		return smtp_copy_refused(s, name,
		    (enum gd_smtp_field_status)ck);
	if (t->fields_len + len > GD_SMTP_FIELDS_SIZE)
		return smtp_copy_refused(s, name, GD_SMTP_FIELD_LIMIT);
	t->fields_len += len;
	t->nfields++;
	return GD_SMTP_FIELD_OK;
}

int
smtp_copy_drop_fields(struct gd_smtp_session *g,
    gd_smtp_field_match_fn *match, void *ctx)
{
	struct smtp_session *s = smtp_copy_session(g);
	struct smtp_txn *t = &s->txn;

	if (!t->active || match == NULL || (t->started && !t->in_data_hook) ||
	    t->ndrops >= GD_SMTP_DROP_MAX)
		return -1;
	t->drops[t->ndrops].match = match;
	t->drops[t->ndrops].ctx = ctx;
	t->ndrops++;
	return 0;
}

/* One line of printable text for the log, cut to the bound. */
static char *
smtp_copy_reason(struct smtp_session *s, const char *reason)
{
	char *r = gd_pool_strndup(s->txn_pool, reason != NULL ? reason : "",
	    GD_SMTP_QUARANTINE_REASON_MAX);
	char *p;

	for (p = r; *p != '\0'; p++)
		if ((unsigned char)*p < 32 || *p == 127)
			*p = ' ';
	return r;
}

int
smtp_copy_quarantine(struct gd_smtp_session *g, const char *reason)
{
	struct smtp_session *s = smtp_copy_session(g);
	struct smtp_txn *t = &s->txn;
	char q[GD_SMTP_QUARANTINE_REASON_MAX * 4 + 8];
	char *r;

	if (!t->active || !t->in_data_end || t->sealed)
		return -1;
	r = smtp_copy_reason(s, reason);
	gd_log(GD_LOG_NOTICE, "smtp.quarantine", "session=%s id=%s "
	    "reason=%s%s", gd_conn_id(s->conn), t->id,
	    gd_log_quote(q, sizeof(q), r), t->quarantine != NULL ?
	    " first=kept" : "");
	if (t->quarantine == NULL)
		t->quarantine = r;
	return 0;
}

const char *
smtp_copy_delivery_fields(struct gd_smtp_session *g, size_t *len_r)
{
	struct smtp_session *s = smtp_copy_session(g);

	s->txn.sealed = true;
	*len_r = s->txn.fields_len;
	return s->txn.fields_len > 0 ? s->txn.fields : NULL;
}

bool
smtp_copy_field_dropped(struct gd_smtp_session *g,
    const struct gd_msg_field *field)
{
	struct smtp_txn *t = &smtp_copy_session(g)->txn;
	unsigned i;

	for (i = 0; i < t->ndrops; i++)
		if (t->drops[i].match(t->drops[i].ctx, field))
			return true;
	return false;
}

bool
smtp_copy_drops_fields(const struct gd_smtp_session *g)
{
	return smtp_copy_session(g)->txn.ndrops > 0;
}

const char *
smtp_copy_quarantined(const struct gd_smtp_session *g)
{
	return smtp_copy_session(g)->txn.quarantine;
}
