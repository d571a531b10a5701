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

/* One message's metadata items (pool thread or loop). */
static void
imap_fetch_meta_one(struct imap_session *s, uint32_t seq,
    const struct gd_mail_msg *m)
{
	unsigned items = s->job.fetch.items;
	char date[40];
	const char *sp = "";

	imap_out_printf(&s->out, "* %u FETCH (", seq);
	if (s->job.flag || (items & IMAP_FETCH_UID)) {
		imap_out_printf(&s->out, "UID %u", m->uid);
		sp = " ";
	}
	if (items & IMAP_FETCH_FLAGS) {
		imap_out_printf(&s->out, "%sFLAGS ", sp);
		imap_msg_flags(s, seq);
		sp = " ";
	}
	if (items & IMAP_FETCH_INTERNALDATE) {
		imap_date_time_format(date, sizeof(date), m->internal_date, 0);
		imap_out_printf(&s->out, "%sINTERNALDATE %s", sp, date);
		sp = " ";
	}
	if (items & IMAP_FETCH_RFC822_SIZE)
		imap_out_printf(&s->out, "%sRFC822.SIZE %llu", sp,
		    (unsigned long long)m->size);
	imap_out_printf(&s->out, ")\r\n");
}

static void
imap_fetch_meta_work(struct imap_session *s)
{
	struct imap_seqset_iter it;
	const struct gd_mail_msg *m;
	uint32_t seq;

	s->job.result = 0;
	imap_seqset_iter_init(&it);
	while (imap_seqset_iter_next(&s->job.set, &it, &seq)) {
		m = gd_mailbox_msg(s->box, seq);
		if (m != NULL)
			imap_fetch_meta_one(s, seq, m);
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
