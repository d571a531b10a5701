/*
 * ctl-mailbox.c — gumdropctl's mailbox commands: list, create, delete,
 * rename, status, subscribe, unsubscribe; fetch, expunge, quota.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gumdrop/mailbox-impl.h>

#include "ctl.h"

#define CTL_MAX_RANGES	1024

/* Run `fn` on each name argument with the store open. */
typedef int ctl_name_fn(struct ctl *ctl, struct gd_mail_store *store,
    const char *name, struct gd_mail_error *err);

static int
ctl_each_name(struct ctl *ctl, int argc, char **argv, bool create,
    ctl_name_fn *fn)
{
	struct gd_mail_store *store;
	struct gd_mail_error err;
	int i, status;

	if ((status = ctl_store_open(ctl, argv[1], create, &store)) != 0)
		return status;
	for (i = 2; i < argc; i++) {
		if (fn(ctl, store, argv[i], &err) < 0) {
			ctl_error(ctl, "%s: %s", argv[i], err.text);
			status = ctl_exit_code(err.code);
		}
	}
	gd_mail_store_close(&store);
	return status;
}

static void
ctl_print_attrs(unsigned attrs)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ GD_MAIL_LIST_NOSELECT, "\\Noselect" },
		{ GD_MAIL_LIST_NONEXISTENT, "\\NonExistent" },
		{ GD_MAIL_LIST_HASCHILDREN, "\\HasChildren" },
		{ GD_MAIL_LIST_HASNOCHILDREN, "\\HasNoChildren" },
		{ GD_MAIL_LIST_NOINFERIORS, "\\Noinferiors" },
		{ GD_MAIL_LIST_SUBSCRIBED, "\\Subscribed" },
	};
	const char *sep = "";
	unsigned bit;
	size_t i;

	for (i = 0; i < GD_N_ELEMENTS(names); i++) {
		if (attrs & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			sep = " ";
		}
	}
	for (bit = 1 << 8; bit <= GD_MAIL_LIST_FLAGGED; bit <<= 1)
		if (attrs & bit)
			printf(" %s", gd_mail_special_use_name(bit));
}

static int
ctl_list_one(void *arg, const struct gd_mail_list_entry *e)
{
	(void)arg;
	printf("%s\t", e->name);
	ctl_print_attrs(e->attrs);
	putchar('\n');
	return 0;
}

static int
ctl_mailbox_list(struct ctl *ctl, int argc, char **argv)
{
	struct gd_mail_store *store;
	struct gd_mail_error err;
	int status;

	if ((status = ctl_store_open(ctl, argv[1], false, &store)) != 0)
		return status;
	if (gd_mail_store_list(store, argc > 2 ?
	    (const char *const *)argv + 2 : NULL, 0, ctl_list_one, NULL,
	    &err) < 0) {
		ctl_error(ctl, "%s: %s", argv[1], err.text);
		status = ctl_exit_code(err.code);
	}
	gd_mail_store_close(&store);
	return status;
}

static int
ctl_create_one(struct ctl *ctl, struct gd_mail_store *store,
    const char *name, struct gd_mail_error *err)
{
	(void)ctl;
	return gd_mail_store_create(store, name, 0, err);
}

static int
ctl_mailbox_create(struct ctl *ctl, int argc, char **argv)
{
	return ctl_each_name(ctl, argc, argv, true, ctl_create_one);
}

static int
ctl_delete_one(struct ctl *ctl, struct gd_mail_store *store,
    const char *name, struct gd_mail_error *err)
{
	(void)ctl;
	return gd_mail_store_delete(store, name, err);
}

static int
ctl_mailbox_delete(struct ctl *ctl, int argc, char **argv)
{
	return ctl_each_name(ctl, argc, argv, false, ctl_delete_one);
}

static int
ctl_subscribe_one(struct ctl *ctl, struct gd_mail_store *store,
    const char *name, struct gd_mail_error *err)
{
	(void)ctl;
	return gd_mail_store_subscribe(store, name, true, err);
}

static int
ctl_unsubscribe_one(struct ctl *ctl, struct gd_mail_store *store,
    const char *name, struct gd_mail_error *err)
{
	(void)ctl;
	return gd_mail_store_subscribe(store, name, false, err);
}

static int
ctl_mailbox_subscribe(struct ctl *ctl, int argc, char **argv)
{
	return ctl_each_name(ctl, argc, argv, false,
	    strcmp(argv[0], "subscribe") == 0 ? ctl_subscribe_one :
	    ctl_unsubscribe_one);
}

static int
ctl_mailbox_rename(struct ctl *ctl, int argc, char **argv)
{
	struct gd_mail_store *store;
	struct gd_mail_error err;
	int status;

	(void)argc;
	if ((status = ctl_store_open(ctl, argv[1], false, &store)) != 0)
		return status;
	if (gd_mail_store_rename(store, argv[2], argv[3], &err) < 0) {
		ctl_error(ctl, "%s: %s", argv[2], err.text);
		status = ctl_exit_code(err.code);
	}
	gd_mail_store_close(&store);
	return status;
}

static int
ctl_status_one(struct ctl *ctl, struct gd_mail_store *store,
    const char *name, struct gd_mail_error *err)
{
	struct gd_mail_status st;

	(void)ctl;
	if (gd_mail_store_status(store, name, ~0u, &st, err) < 0)
		return -1;
	printf("%s messages=%u recent=%u unseen=%u deleted=%u uidnext=%u "
	    "uidvalidity=%u size=%llu highestmodseq=%llu\n", name,
	    st.messages, st.recent, st.unseen, st.deleted, st.uidnext,
	    st.uidvalidity, (unsigned long long)st.size,
	    (unsigned long long)st.highestmodseq);
	return 0;
}

static int
ctl_mailbox_status(struct ctl *ctl, int argc, char **argv)
{
	return ctl_each_name(ctl, argc, argv, false, ctl_status_one);
}

static int
ctl_quota(struct ctl *ctl, int argc, char **argv)
{
	struct gd_mail_store *store;
	struct gd_mail_quota q;
	struct gd_mail_error err;
	int status;

	(void)argc;
	if ((status = ctl_store_open(ctl, argv[1], false, &store)) != 0)
		return status;
	if (gd_mail_store_quota(store, &q, &err) < 0) {
		ctl_error(ctl, "%s: %s", argv[1], err.text);
		status = ctl_exit_code(err.code);
	} else
		printf("storage %llu %llu\nmessages %llu %llu\n",
		    (unsigned long long)q.storage_used,
		    (unsigned long long)q.storage_limit,
		    (unsigned long long)q.messages_used,
		    (unsigned long long)q.messages_limit);
	gd_mail_store_close(&store);
	return status;
}

/* ---- commands on one mailbox ------------------------------------------- */

static int
ctl_box_open(struct ctl *ctl, const char *user, const char *name,
    unsigned flags, struct gd_mail_store **store_r,
    struct gd_mailbox **box_r)
{
	struct gd_mail_error err;
	int status;

	if ((status = ctl_store_open(ctl, user, false, store_r)) != 0)
		return status;
	if (gd_mailbox_open(*store_r, name, flags, box_r, &err) < 0) {
		ctl_error(ctl, "%s: %s", name, err.text);
		gd_mail_store_close(store_r);
		return ctl_exit_code(err.code);
	}
	return 0;
}

static int
ctl_write_content(struct gd_mail_content *c, struct gd_mail_error *err)
{
	char buf[65536];
	ssize_t n;

	while ((n = gd_mail_content_read(c, buf, sizeof(buf), err)) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			gd_mail_error_set(err, GD_MAIL_ERR_TEMP,
			    "write to stdout: %s", strerror(errno));
			return -1;
		}
	return n < 0 || fflush(stdout) != 0 ? -1 : 0;
}

static int
ctl_fetch(struct ctl *ctl, int argc, char **argv)
{
	struct gd_mail_store *store;
	struct gd_mailbox *box;
	struct gd_mail_content *c;
	struct gd_mail_error err;
	uint32_t seq;
	char *end;
	unsigned long uid;
	int status;

	(void)argc;
	uid = strtoul(argv[3], &end, 10);
	if (*end != '\0' || uid == 0 || uid > UINT32_MAX) {
		ctl_error(ctl, "bad UID '%s'", argv[3]);
		return EX_USAGE;
	}
	if ((status = ctl_box_open(ctl, argv[1], argv[2], GD_MAILBOX_READONLY,
	    &store, &box)) != 0)
		return status;
	seq = gd_mailbox_seq_of_uid(box, (uint32_t)uid);
	if (seq == 0) {
		gd_mail_error_set(&err, GD_MAIL_ERR_NOTFOUND, "no UID %lu", uid);
	} else if (gd_mailbox_content_open(box, seq, &c, &err) == 0) {
		if (ctl_write_content(c, &err) == 0)
			gd_mail_error_clear(&err);
		gd_mail_content_close(&c);
	}
	if (err.code != GD_MAIL_ERR_NONE) {
		ctl_error(ctl, "%s", err.text);
		status = ctl_exit_code(err.code);
	}
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
	return status;
}

/* "1,3:5,7:*" → UID ranges; -1 when malformed. */
static int
ctl_parse_set(const char *text, struct gd_mail_range *r, size_t *n_r)
{
	unsigned long a, b;
	char *end;
	size_t n = 0;

	for (;;) {
		if (n == CTL_MAX_RANGES)
			return -1;
		a = *text == '*' ? UINT32_MAX : strtoul(text, &end, 10);
		end = *text == '*' ? (char *)text + 1 : end;
		b = a;
		if (*end == ':') {
			text = end + 1;
			b = *text == '*' ? UINT32_MAX : strtoul(text, &end, 10);
			end = *text == '*' ? (char *)text + 1 : end;
		}
		if (a == 0 || b == 0 || a > UINT32_MAX || b > UINT32_MAX)
			return -1;
		r[n].first = (uint32_t)(a < b ? a : b);
		r[n++].last = (uint32_t)(a < b ? b : a);
		if (*end == '\0')
			break;
		if (*end != ',')
			return -1;
		text = end + 1;
	}
	*n_r = n;
	return 0;
}

/* UID ranges → sequence ranges of the view. */
static size_t
ctl_uids_to_seqs(struct gd_mailbox *box, const struct gd_mail_range *uids,
    size_t n, struct gd_mail_range *seqs)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (gd_mailbox_uid_range(box, uids[i].first, uids[i].last,
		    &seqs[o].first, &seqs[o].last))
			o++;
	return o;
}

static void
ctl_count_expunged(void *arg, uint32_t seq, uint32_t uid)
{
	(void)seq;
	(void)uid;
	(*(unsigned *)arg)++;
}

static int
ctl_expunge(struct ctl *ctl, int argc, char **argv)
{
	struct gd_mail_range uids[CTL_MAX_RANGES], seqs[CTL_MAX_RANGES];
	struct gd_mail_store *store;
	struct gd_mailbox *box;
	struct gd_mail_error err;
	size_t n = 0;
	unsigned count = 0;
	int status, ret;

	if (argc > 3 && ctl_parse_set(argv[3], uids, &n) < 0) {
		ctl_error(ctl, "bad UID set '%s'", argv[3]);
		return EX_USAGE;
	}
	if ((status = ctl_box_open(ctl, argv[1], argv[2], 0, &store,
	    &box)) != 0)
		return status;
	if (argc > 3) {
		n = ctl_uids_to_seqs(box, uids, n, seqs);
		ret = n == 0 ? 0 : gd_mailbox_expunge(box,
		    GD_MAIL_EXPUNGE_RANGES, seqs, n, ctl_count_expunged,
		    &count, &err);
	} else
		ret = gd_mailbox_expunge(box, GD_MAIL_EXPUNGE_DELETED, NULL, 0,
		    ctl_count_expunged, &count, &err);
	if (ret < 0) {
		ctl_error(ctl, "%s: %s", argv[2], err.text);
		status = ctl_exit_code(err.code);
	} else
		printf("expunged %u\n", count);
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
	return status;
}

const struct ctl_command ctl_mailbox_commands[] = {
	{ "mailbox list", "USER [PATTERN...]",
	    "list mailboxes (IMAP patterns, * and %) with attributes", 1, -1,
	    ctl_mailbox_list },
	{ "mailbox create", "USER NAME...",
	    "create mailboxes (and the user's store on first use)", 2, -1,
	    ctl_mailbox_create },
	{ "mailbox delete", "USER NAME...", "delete mailboxes and their mail",
	    2, -1, ctl_mailbox_delete },
	{ "mailbox rename", "USER OLD NEW",
	    "rename a mailbox (its children move with it)", 3, 3,
	    ctl_mailbox_rename },
	{ "mailbox status", "USER NAME...",
	    "counts, UIDs, size and modseq of mailboxes", 2, -1,
	    ctl_mailbox_status },
	{ "mailbox subscribe", "USER NAME...", "subscribe to mailboxes", 2,
	    -1, ctl_mailbox_subscribe },
	{ "mailbox unsubscribe", "USER NAME...", "unsubscribe", 2, -1,
	    ctl_mailbox_subscribe },
	{ "fetch", "USER MAILBOX UID", "write a message to stdout", 3, 3,
	    ctl_fetch },
	{ "expunge", "USER MAILBOX [UID-SET]",
	    "remove \\Deleted messages, or the UIDs given whatever their "
	    "flags (e.g. 1,4:7)", 2, 3,
	    ctl_expunge },
	{ "quota", "USER", "storage and message usage and limits", 1, 1,
	    ctl_quota },
	{ NULL, NULL, NULL, 0, 0, NULL },
};
