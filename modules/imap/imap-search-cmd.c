/*
 * imap-search-cmd.c — SEARCH and UID SEARCH (RFC 9051 6.4.4): the
 * parser's tree (imap_parse_search) evaluated by gd_mailbox_search in the
 * blocking pool; the rev1 `* SEARCH` reply, or ESEARCH (RFC 4731: RETURN
 * MIN MAX ALL COUNT, and always in IMAP4rev2 mode); SEARCHRES (RFC 5182:
 * RETURN (SAVE) keeps the result's UIDs for "$").
 */
#include <stdlib.h>
#include <string.h>

#include "imap-private.h"

struct imap_search_acc {
	struct imap_session *s;
	uint32_t *nums;		/* sequence numbers, ascending */
	size_t count, cap;
};

static void
imap_search_match(void *arg, uint32_t seq)
{
	struct imap_search_acc *acc = arg;

	acc->nums = imap_pool_grow(acc->s->cmd_pool, acc->nums, acc->count,
	    &acc->cap, sizeof(uint32_t));
	acc->nums[acc->count++] = seq;
}

/* Sequence numbers to UIDs, in place (UID SEARCH, SAVE). */
static void
imap_search_uids(struct imap_session *s, uint32_t *nums, size_t n)
{
	const struct gd_mail_msg *m;
	size_t i;

	for (i = 0; i < n; i++) {
		m = gd_mailbox_msg(s->box, nums[i]);
		nums[i] = m != NULL ? m->uid : 0;
	}
}

/* The numbers as a sequence set, into the output. */
static void
imap_out_numbers(struct imap_session *s, const uint32_t *nums, size_t n)
{
	size_t len = imap_numbers_format(NULL, 0, nums, n);
	char *buf = gd_pool_alloc(s->cmd_pool, len + 1);

	imap_numbers_format(buf, len + 1, nums, n);
	imap_out_add(&s->out, buf, len);
}

/* "* ESEARCH (TAG "t") [UID] MIN MAX COUNT ALL" (RFC 4731 3.1). */
static void
imap_esearch(struct imap_session *s, const uint32_t *nums, size_t n)
{
	unsigned ret = s->job.search.ret;

	if (ret == 0 || (ret & ~IMAP_SEARCH_RET_SAVE) == 0) {
		if (ret != 0)		/* SAVE alone: no ESEARCH (RFC 5182) */
			return;
		ret = IMAP_SEARCH_RET_ALL;
	}
	imap_out_printf(&s->out, "* ESEARCH (TAG ");
	imap_out_string(&s->out, s->tag, 0);
	imap_out_printf(&s->out, ")%s", s->job.flag ? " UID" : "");
	if ((ret & IMAP_SEARCH_RET_MIN) && n > 0)
		imap_out_printf(&s->out, " MIN %u", nums[0]);
	if ((ret & IMAP_SEARCH_RET_MAX) && n > 0)
		imap_out_printf(&s->out, " MAX %u", nums[n - 1]);
	if (ret & IMAP_SEARCH_RET_COUNT)
		imap_out_printf(&s->out, " COUNT %zu", n);
	if ((ret & IMAP_SEARCH_RET_ALL) && n > 0) {
		imap_out_printf(&s->out, " ALL ");
		imap_out_numbers(s, nums, n);
	}
	imap_out_printf(&s->out, "\r\n");
}

/* Keep the result's UIDs for "$" (pool thread; read on the loop only
 * after the job). */
static void
imap_search_save(struct imap_session *s, const uint32_t *nums, size_t n)
{
	struct gd_mail_range *r = gd_xcalloc(n > 0 ? n : 1, sizeof(*r));
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (k > 0 && r[k - 1].last + 1 == nums[i])
			r[k - 1].last = nums[i];
		else
			r[k++] = (struct gd_mail_range){ nums[i], nums[i] };
	}
	free(s->saved);
	s->saved = r;
	s->nsaved = k;
	s->saved_valid = true;
}

static void
imap_search_work(struct imap_session *s)
{
	struct imap_search_acc acc = { .s = s };
	const struct imap_search *q = &s->job.search;
	size_t i;

	s->job.result = gd_mailbox_search(s->box, q->key, imap_search_match,
	    &acc, &s->job.err);
	if (s->job.result < 0) {
		/* RFC 5182 2.1: a failed SAVE empties the saved result. */
		if (q->ret & IMAP_SEARCH_RET_SAVE)
			imap_search_save(s, NULL, 0);
		return;
	}
	if (q->ret & IMAP_SEARCH_RET_SAVE) {
		uint32_t *u = gd_pool_alloc(s->cmd_pool,
		    (acc.count + 1) * sizeof(*u));

		memcpy(u, acc.nums, acc.count * sizeof(*u));
		imap_search_uids(s, u, acc.count);
		imap_search_save(s, u, acc.count);
	}
	if (s->job.flag)
		imap_search_uids(s, acc.nums, acc.count);
	if (q->ret_given || (s->mode & IMAP_MODE_REV2)) {
		imap_esearch(s, acc.nums, acc.count);
		return;
	}
	imap_out_str(&s->out, "* SEARCH");
	for (i = 0; i < acc.count; i++) {
		imap_out_str(&s->out, " ");
		imap_out_uint(&s->out, acc.nums[i]);
	}
	imap_out_str(&s->out, "\r\n");
}

static void
imap_search_done(struct imap_session *s)
{
	const char *what = imap_cmd_info(s->cmd)->name;

	imap_flush_out(s);
	if (s->job.result < 0) {
		imap_mail_error(s, &s->job.err, false, what);
		return;
	}
	imap_tagged(s, IMAP_OK, IMAP_CODE_NONE, "%s completed", what);
}

void
imap_cmd_search(struct imap_session *s, bool uid)
{
	struct imap_search_ctx ctx = {
		.seq_star = gd_mailbox_count(s->box),
		.uid_star = imap_uid_star(s),
		.saved = s->saved,
		.nsaved = s->nsaved,
	};
	struct imap_error err;
	struct imap_args a;

	imap_args_start(s, &a, &err);
	if (imap_parse_search(&a, &ctx, &s->job.search) < 0) {
		imap_reply_err(s, &err);
		return;
	}
	if (s->job.search.uses_saved && !s->saved_valid) {
		imap_refusal(s, IMAP_REFUSE_NO_SAVED);
		return;
	}
	s->job.flag = uid;
	imap_job(s, imap_search_work, imap_search_done);
}
