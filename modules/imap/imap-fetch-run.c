/*
 * imap-fetch-run.c — the FETCH items that need message content (ENVELOPE,
 * BODY, BODYSTRUCTURE, BODY[...], BINARY[...], BINARY.SIZE[...],
 * RFC822*), streamed to the connection.
 *
 * A job first sets \Seen when a non-PEEK item asks for it (then FLAGS
 * goes with every response) and syncs the view without EXPUNGE.  Then
 * the loop produces the responses message by message (content reads
 * are FILE class): ENVELOPE, BODY and BODYSTRUCTURE come from the
 * process's structure cache when it has them (imap-struct-cache.c), and
 * then, without sections, the message is not opened at all; otherwise
 * open the content, parse the MIME tree only when an item needs it
 * (BODY[] alone is one byte range; a structure miss renders and caches
 * the three), write the message's
 * metadata and structure items, then each section as a literal whose
 * octets imap_fetch_stream_produce() makes in bounded chunks.  Writing
 * stops while the connection's queue is above its low-water mark and
 * resumes on GD_CONN_EV_DRAINED, so a 50 MB attachment never sits in
 * memory, TLS or not.  A message whose file vanished is left out and
 * the command ends NO [EXPUNGEISSUED]; a source that fails inside a
 * literal ends the connection (the literal cannot be finished honestly).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"
#include "imap-fetch-resp.h"

/* The RFC822 items, which are sections under their own names. */
static const struct {
	enum imap_fetch_item item;
	const char *name;
} fetch_rfc822[] = {
	{ IMAP_FETCH_RFC822, "RFC822" },
	{ IMAP_FETCH_RFC822_HEADER, "RFC822.HEADER" },
	{ IMAP_FETCH_RFC822_TEXT, "RFC822.TEXT" },
};

/* One section item to send: the parsed att and the name it answers. */
struct fetch_item {
	const struct imap_fetch_att *att;
	const char *name;		/* NULL: imap_fetch_att_name() */
};

struct imap_fetch_run {
	struct fetch_item *items;
	size_t nitems;
	unsigned meta;			/* enum imap_fetch_item bits */
	bool tree;			/* some section needs the MIME tree */
	bool structs;			/* ENVELOPE, BODY, BODYSTRUCTURE */
	bool expunged;			/* a message's file was gone */
	struct imap_seqset_iter it;
	struct gd_pool *pool;		/* per message: tree, buffers */
	/* The message being sent */
	uint32_t seq;
	bool inmsg;			/* its response is under way */
	struct imap_struct rs;		/* its rendered structure items */
	struct gd_mail_content *content;	/* NULL: not opened */
	struct imap_content_src cs;
	const struct gd_mime_part *root;
	unsigned problems;		/* imap_parse_problems(): NO [PARSE] */
	uint64_t size;
	size_t next;			/* index of the next item */
	struct imap_section *secs;	/* resolved sections, one per item */
	const char *sep;		/* before the next item: "" or " " */
	bool streaming;
	struct imap_fetch_stream st;
	char chunk[IMAP_STREAM_CHUNK];
};

/* ---- setting up ---------------------------------------------------------- */

/* Does `att` need the MIME tree (anything but the whole message)? */
static bool
fetch_att_needs_tree(const struct imap_fetch_att *att)
{
	return att->kind != IMAP_ATT_BODY || att->depth > 0 ||
	    att->section != IMAP_SECTION_ALL;
}

/* The section items in the order asked, RFC822* last. */
static void
fetch_items_build(struct imap_fetch_run *r, const struct imap_fetch *f,
    struct gd_pool *pool)
{
	struct imap_fetch_att *att;
	size_t i, n = f->natts + 3;

	r->items = gd_pool_alloc(pool, n * sizeof(*r->items));
	r->secs = gd_pool_alloc(pool, n * sizeof(*r->secs));
	for (att = f->atts; att != NULL; att = att->next) {
		r->items[r->nitems++].att = att;
		r->tree |= fetch_att_needs_tree(att);
	}
	for (i = 0; i < 3; i++) {
		if (!(f->items & fetch_rfc822[i].item))
			continue;
		att = gd_pool_alloc(pool, sizeof(*att));
		imap_section_rfc822(fetch_rfc822[i].item, att);
		r->items[r->nitems].att = att;
		r->items[r->nitems++].name = fetch_rfc822[i].name;
		r->tree |= fetch_att_needs_tree(att);
	}
	r->meta = f->items;
	r->structs = (f->items & (IMAP_FETCH_ENVELOPE | IMAP_FETCH_BODY |
	    IMAP_FETCH_BODYSTRUCTURE)) != 0;
}

/* ---- one message --------------------------------------------------------- */

/* The separator before the message's next item. */
static const char *
fetch_sep(struct imap_fetch_run *r)
{
	const char *sep = r->sep;

	r->sep = " ";
	return sep;
}

static void
fetch_msg_close(struct imap_fetch_run *r)
{
	gd_mail_content_close(&r->content);
	r->inmsg = false;
	r->streaming = false;
	r->root = NULL;
	gd_pool_clear(r->pool);
}

/* The section of item i when the tree was not parsed: the whole
 * message (fetch_att_needs_tree() was false for every item). */
static void
fetch_sec_whole(struct imap_fetch_run *r, const struct imap_fetch_att *att,
    struct imap_section *sec)
{
	memset(sec, 0, sizeof(*sec));
	sec->kind = IMAP_SEC_RANGE;
	sec->size = r->size;
	sec->partial = att->partial;
	sec->p_offset = att->offset;
	sec->p_length = att->length;
}

/* Resolve every section of the open message; -1 with *err (NO). */
static int
fetch_msg_resolve(struct imap_fetch_run *r, struct imap_error *err)
{
	size_t i;

	for (i = 0; i < r->nitems; i++) {
		if (r->root == NULL)
			fetch_sec_whole(r, r->items[i].att, &r->secs[i]);
		else if (imap_section_resolve(r->root, r->size,
		    r->items[i].att, &r->secs[i], err) < 0)
			return -1;
	}
	return 0;
}

/* The structure items asked, from r->rs. */
static void
fetch_msg_structs(struct imap_session *s, struct imap_fetch_run *r)
{
	static const struct {
		enum imap_fetch_item item;
		const char *name;
	} items[IMAP_STRUCT_N] = {
		{ IMAP_FETCH_ENVELOPE, "ENVELOPE " },
		{ IMAP_FETCH_BODY, "BODY " },
		{ IMAP_FETCH_BODYSTRUCTURE, "BODYSTRUCTURE " },
	};
	struct imap_sbuf sb;
	int i;

	imap_sbuf_init(&sb, r->pool);
	for (i = 0; i < IMAP_STRUCT_N; i++) {
		if (!(r->meta & items[i].item))
			continue;
		imap_sbuf_str(&sb, fetch_sep(r));
		imap_sbuf_str(&sb, items[i].name);
		imap_sbuf_add(&sb, r->rs.str[i], r->rs.len[i]);
	}
	gd_conn_write(s->conn, sb.buf, sb.len);
}

/* "* n FETCH (" and the items that are not sections. */
static void
fetch_msg_head(struct imap_session *s, struct imap_fetch_run *r,
    const struct gd_mail_msg *m)
{
	imap_out_reset(&s->out);
	imap_out_str(&s->out, "* ");
	imap_out_uint(&s->out, r->seq);
	imap_out_str(&s->out, " FETCH (");
	r->sep = imap_fetch_meta_items(s, r->meta, s->job.flag, r->seq, m) ?
	    " " : "";
	gd_conn_write(s->conn, s->out.buf, s->out.len);
	imap_out_reset(&s->out);
	if (r->structs)
		fetch_msg_structs(s, r);
}

/* After a message whose header or MIME structure is defective (the
 * parse its items were made from), say so: untagged NO with the PARSE
 * code (RFC 9051 7.1), once per message and FETCH. */
static void
fetch_msg_parse_note(struct imap_session *s, struct imap_fetch_run *r)
{
	if (r->problems == 0)
		return;
	imap_out_str(&s->out, "* NO [PARSE] Message ");
	imap_out_uint(&s->out, r->seq);
	imap_out_str(&s->out, ": ");
	imap_out_str(&s->out, imap_parse_problem_text(r->problems));
	imap_out_str(&s->out, "\r\n");
	gd_conn_write(s->conn, s->out.buf, s->out.len);
	imap_out_reset(&s->out);
}

/*
 * Open message r->seq's content and parse the tree when `tree`.  0; 1
 * when its file is gone (skip it); -1 with *merr set.
 */
static int
fetch_msg_read(struct imap_session *s, struct imap_fetch_run *r,
    bool tree, struct gd_mail_error *merr)
{
	if (gd_mailbox_content_open(s->box, r->seq, &r->content, merr) < 0)
		return merr->code == GD_MAIL_ERR_EXPUNGED ? 1 : -1;
	imap_src_content(&r->cs, r->content);
	if (tree && imap_msg_tree(r->pool, &r->cs.src,
	    gd_mail_store_msg_limits(s->store), &r->root, &r->size) < 0) {
		*merr = r->cs.err;
		return -1;
	}
	return 0;
}

/*
 * Start message r->seq: its structure items from the cache, else its
 * content (and tree) when an item needs it, the sections, and write its
 * head.  0; 1 when its file is gone (skip it); -1 with *merr or *err.
 */
static int
fetch_msg_open(struct imap_session *s, struct imap_fetch_run *r,
    struct gd_mail_error *merr, struct imap_error *err)
{
	const struct gd_mail_msg *m = gd_mailbox_msg(s->box, r->seq);
	bool cached;
	int rc;

	if (m == NULL)
		return 1;
	r->size = m->size;
	cached = r->structs && imap_struct_cache_get(s->box, m, s->mode,
	    &r->rs, r->pool);
	if (r->nitems > 0 || (r->structs && !cached)) {
		rc = fetch_msg_read(s, r, r->tree || (r->structs && !cached),
		    merr);
		if (rc != 0)
			return rc;
	}
	if (r->structs && !cached) {
		imap_struct_render(&r->rs, r->root, s->mode & IMAP_MODE_UTF8,
		    r->pool);
		imap_struct_cache_put(s->box, m, s->mode, &r->rs);
	}
	/* The structure items carry the problems (rendered or cached): the
	 * tree is walked for them only when no structure item was asked. */
	r->problems = r->structs ? r->rs.problems : r->root != NULL ?
	    imap_parse_problems(r->root) : 0;
	if (fetch_msg_resolve(r, err) < 0)
		return -1;
	r->next = 0;
	r->inmsg = true;
	fetch_msg_head(s, r, m);
	return 0;
}

/* Start item r->next: its name, then its size or its literal's. */
static int
fetch_item_start(struct imap_session *s, struct imap_fetch_run *r)
{
	const struct fetch_item *it = &r->items[r->next];
	struct imap_section *sec = &r->secs[r->next];
	char name[1024];

	if (it->name != NULL)
		snprintf(name, sizeof(name), "%s", it->name);
	else
		imap_fetch_att_name(name, sizeof(name), it->att);
	r->next++;
	if (imap_fetch_stream_open(&r->st, &r->cs.src, sec) < 0)
		return -1;
	if (sec->size_only) {
		gd_conn_writef(s->conn, "%s%s %llu", fetch_sep(r), name,
		    (unsigned long long)imap_fetch_stream_total(&r->st));
		return 0;
	}
	gd_conn_writef(s->conn, "%s%s %s{%llu}\r\n", fetch_sep(r), name,
	    imap_fetch_stream_has_nul(&r->st) ? "~" : "",
	    (unsigned long long)imap_fetch_stream_size(&r->st));
	r->streaming = true;
	return 0;
}

/* The next chunk of the literal being sent; -1 when the source fails. */
static int
fetch_item_chunk(struct imap_session *s, struct imap_fetch_run *r)
{
	bool done = false;
	ssize_t n;

	n = imap_fetch_stream_produce(&r->st, r->chunk, sizeof(r->chunk),
	    &done);
	if (n < 0)
		return -1;
	gd_conn_write(s->conn, r->chunk, (size_t)n);
	if (done)
		r->streaming = false;
	return 0;
}

/* ---- the command --------------------------------------------------------- */

static void
fetch_run_free(struct imap_session *s)
{
	struct imap_fetch_run *r = s->fetch;

	if (r == NULL)
		return;
	gd_mail_content_close(&r->content);
	gd_pool_destroy(&r->pool);
	free(r);
	s->fetch = NULL;
}

/* The end: the tagged reply and input again. */
static void
fetch_finish(struct imap_session *s, const struct gd_mail_error *merr,
    const struct imap_error *err)
{
	bool expunged = s->fetch->expunged;

	fetch_run_free(s);
	if (merr != NULL)
		imap_mail_error(s, merr, false, imap_cmd_info(s->cmd)->name);
	else if (err != NULL)
		imap_reply_err(s, err);
	else if (expunged)
		imap_tagged(s, IMAP_NO, IMAP_CODE_EXPUNGEISSUED, "Some of the "
		    "requested messages no longer exist");
	else
		imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "%s completed",
		    imap_cmd_info(s->cmd)->name);
	imap_busy(s, false);
}

/* A read failed inside a literal: nothing honest can follow. */
static void
fetch_broken(struct imap_session *s)
{
	const struct gd_mail_error *e = &s->fetch->cs.err;

	gd_log(GD_LOG_WARNING, "imap.fetch", "session=%s user=%s seq=%u "
	    "reason=\"%s\"", gd_conn_id(s->conn), s->user, s->fetch->seq,
	    e->text[0] != '\0' ? e->text : "message changed while sent");
	fetch_run_free(s);
	imap_close(s, "message read failed");
}

/*
 * One step: a chunk, an item's start, a message's end or the next
 * message.  0 to go on, 1 when the command is over (replied or closed).
 */
static int
fetch_step(struct imap_session *s, struct imap_fetch_run *r)
{
	struct gd_mail_error merr;
	struct imap_error err;
	int rc;

	if (r->streaming || (r->inmsg && r->next < r->nitems)) {
		rc = r->streaming ? fetch_item_chunk(s, r) :
		    fetch_item_start(s, r);
		if (rc < 0)
			fetch_broken(s);
		return rc < 0;
	}
	if (r->inmsg) {
		gd_conn_write(s->conn, ")\r\n", 3);
		fetch_msg_parse_note(s, r);
		fetch_msg_close(r);
	}
	if (!imap_seqset_iter_next(&s->job.set, &r->it, &r->seq)) {
		fetch_finish(s, NULL, NULL);
		return 1;
	}
	gd_mail_error_clear(&merr);
	rc = fetch_msg_open(s, r, &merr, &err);
	if (rc > 0) {
		r->expunged = true;
		fetch_msg_close(r);
	} else if (rc < 0) {
		fetch_finish(s, merr.code != GD_MAIL_ERR_NONE ? &merr : NULL,
		    &err);
		return 1;
	}
	return 0;
}

void
imap_fetch_produce(struct imap_session *s)
{
	size_t low;

	if (s == NULL || s->fetch == NULL)
		return;
	if (s->conn == NULL || gd_conn_is_closing(s->conn)) {
		fetch_run_free(s);
		return;
	}
	low = gd_conn_write_low_water(s->conn);
	while (gd_conn_write_pending(s->conn) <= low)
		if (fetch_step(s, s->fetch) != 0)
			return;
}

void
imap_fetch_stop(struct imap_session *s)
{
	fetch_run_free(s);
}

/* Pool thread: \Seen for the non-PEEK items (the view sync follows). */
static void
fetch_seen_work(struct imap_session *s)
{
	struct gd_mail_flag_change ch = {
		.op = GD_MAIL_FLAGS_ADD,
		.flags = GD_MAIL_SEEN,
	};

	s->job.result = 0;
	if (s->job.fetch.sets_seen && !s->readonly)
		s->job.result = gd_mailbox_set_flags(s->box,
		    s->job.set.ranges, s->job.set.count, &ch, NULL, NULL,
		    NULL, &s->job.err);
}

/* On the loop after the job: updates out, then the responses. */
static void
fetch_seen_done(struct imap_session *s)
{
	struct imap_fetch_run *r;

	imap_flush_out(s);
	if (s->job.result < 0) {
		imap_mail_error(s, &s->job.err, false,
		    imap_cmd_info(s->cmd)->name);
		return;
	}
	r = gd_xcalloc(1, sizeof(*r));
	r->pool = gd_pool_create("imap-fetch");
	fetch_items_build(r, &s->job.fetch, s->cmd_pool);
	if (s->job.fetch.sets_seen && !s->readonly)
		r->meta |= IMAP_FETCH_FLAGS;
	imap_seqset_iter_init(&r->it);
	s->fetch = r;
	imap_fetch_produce(s);
}

void
imap_fetch_content(struct imap_session *s)
{
	imap_job(s, fetch_seen_work, fetch_seen_done);
}
