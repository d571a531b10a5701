/*
 * imap-fetch-cmd.c — FETCH and UID FETCH as far as the session goes:
 * the arguments (imap_parse_seqset, imap_parse_fetch), the message set
 * resolved against the view (imap_resolve_set), and the items answered
 * from the view's metadata alone (FLAGS UID INTERNALDATE RFC822.SIZE,
 * `metadata_only`), in a job so that the view sync after it keeps
 * expunged messages in place (IMAP_CMDF_NO_EXPUNGE).
 *
 * Everything that needs the content (ENVELOPE, BODY, BODYSTRUCTURE,
 * BODY[...], BINARY[...], RFC822*) goes to imap_fetch_content()
 * (imap-fetch-run.c).
 */
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"

static const char *
imap_meta_sep(bool *any)
{
	const char *sep = *any ? " " : "";

	*any = true;
	return sep;
}

bool
imap_fetch_meta_items(struct imap_session *s, unsigned items, bool uid,
    uint32_t seq, const struct gd_mail_msg *m)
{
	struct imap_out *o = &s->out;
	char date[40];
	bool any = false;

	if (uid || (items & IMAP_FETCH_UID)) {
		imap_out_str(o, imap_meta_sep(&any));
		imap_out_str(o, "UID ");
		imap_out_uint(o, m->uid);
	}
	if (items & IMAP_FETCH_FLAGS) {
		imap_out_str(o, imap_meta_sep(&any));
		imap_out_str(o, "FLAGS ");
		imap_msg_flags(s, seq);
	}
	if (items & IMAP_FETCH_INTERNALDATE) {
		imap_date_time_format(date, sizeof(date),
		    gd_mailbox_internal_date(s->box, seq), 0);
		imap_out_str(o, imap_meta_sep(&any));
		imap_out_str(o, "INTERNALDATE ");
		imap_out_str(o, date);
	}
	if (items & IMAP_FETCH_RFC822_SIZE) {
		imap_out_str(o, imap_meta_sep(&any));
		imap_out_str(o, "RFC822.SIZE ");
		imap_out_uint(o, m->size);
	}
	return any;
}

void
imap_fetch_meta_line(struct imap_session *s, unsigned items, bool uid,
    uint32_t seq, const struct gd_mail_msg *m)
{
	imap_out_str(&s->out, "* ");
	imap_out_uint(&s->out, seq);
	imap_out_str(&s->out, " FETCH (");
	imap_fetch_meta_items(s, items, uid, seq, m);
	imap_out_str(&s->out, ")\r\n");
}

static void
imap_fetch_meta_work(struct imap_session *s)
{
	struct imap_seqset_iter it;
	const struct gd_mail_msg *m;
	uint32_t seq;
	uint64_t n = imap_seqset_size(&s->job.set);

	/* One allocation for the typical line, not a realloc per doubling
	 * (at most a line per message of the view). */
	if (n > gd_mailbox_count(s->box))
		n = gd_mailbox_count(s->box);
	imap_out_reserve(&s->out, (size_t)n * 64);
	s->job.result = 0;
	imap_seqset_iter_init(&it);
	while (imap_seqset_iter_next(&s->job.set, &it, &seq)) {
		m = gd_mailbox_msg(s->box, seq);
		if (m != NULL)
			imap_fetch_meta_line(s, s->job.fetch.items,
			    s->job.flag, seq, m);
	}
}

static void
imap_fetch_meta_done(struct imap_session *s)
{
	imap_flush_out(s);
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "%s completed",
	    imap_cmd_info(s->cmd)->name);
}

void
imap_cmd_fetch(struct imap_session *s, bool uid)
{
	struct imap_error err;
	struct imap_args a;

	imap_args_start(s, &a, &err);
	if (imap_parse_seqset(&a, true, &s->job.set) < 0 ||
	    imap_parse_fetch(&a, &s->job.fetch) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	if (imap_resolve_set(s, &s->job.set, uid) < 0)
		return;
	s->job.flag = uid;
	if (!s->job.fetch.metadata_only) {
		imap_fetch_content(s);
		return;
	}
	imap_job(s, imap_fetch_meta_work, imap_fetch_meta_done);
}
