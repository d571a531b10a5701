/*
 * test-mail-search.c — the generic search (core/mailbox/search*.c) over a
 * real maildir store: metadata keys, header keys on decoded and
 * case-folded fields, body keys through base64, quoted-printable and
 * charsets (attachments are not text), matches across the decoder's
 * chunks, TEXT, the Date: field in its own zone, and the boolean
 * operators.
 */
#include "config.h"

#include <time.h>

#include <gumdrop/mail-search.h>

#include "maildir-test-util.h"

static struct gd_mail_store *store;
static struct gd_mailbox *box;

#define DAY(y, m, d)	(gd_search_day((y), (m), (d)))
#define AT(y, m, d)	(DAY(y, m, d) * 86400 + 12 * 3600)

static const char msg1[] =
    "From: Alice Example <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject: Invoice 42\r\n"
    "Date: Mon, 2 Nov 2026 10:00:00 +0100\r\n"
    "\r\n"
    "Please pay the invoice.\r\n";

static const char msg2[] =
    "From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.fr>\r\n"
    "Subject: =?UTF-8?Q?Caf=C3=A9_na=C3=AFve?=\r\n"
    "Date: Tue, 3 Nov 2026 09:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "R3LDvMOfZSBhdXMgS8O2bG4K\r\n";	/* "Grüße aus Köln\n" */

static const char msg3[] =
    "From: carol@example.net\r\n"
    "Subject: attachments\r\n"
    "Date: Wed, 4 Nov 2026 08:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "d=E9j=E0 vu, soft=\r\n"
    "wrapped\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "c2VjcmV0d29yZA==\r\n"		/* "secretword" */
    "--b1--\r\n";

static const char msg4[] =
    "From: dave@example.com\r\n"
    "Subject: late\r\n"
    "Date: Sun, 1 Nov 2026 23:30:00 -0800\r\n"
    "\r\n"
    "short\r\n";

static void
setup(void)
{
	const char *const work[] = { "Work", NULL };

	md_setup();
	store = md_store("alice");
	md_append_full(store, "INBOX", msg1, GD_MAIL_SEEN, NULL,
	    AT(2026, 11, 2));
	md_append_full(store, "INBOX", msg2, GD_MAIL_FLAGGED, work,
	    AT(2026, 11, 3));
	md_append_full(store, "INBOX", msg3, 0, NULL, AT(2026, 11, 4));
	md_append_full(store, "INBOX", msg4, 0, NULL, AT(2026, 11, 5));
	box = md_open(store, "INBOX", 0);
}

static void
teardown(void)
{
	gd_mailbox_close(&box);
	gd_mail_store_close(&store);
	md_teardown();
}

static void
add_match(void *arg, uint32_t seq)
{
	char *out = arg;

	sprintf(out + strlen(out), "%s%u", out[0] != '\0' ? "," : "", seq);
}

/* The matching sequence numbers as "1,3". */
static const char *
run(const struct gd_search_key *key)
{
	static char out[256];
	struct gd_mail_error err;

	out[0] = '\0';
	cr_assert_eq(gd_mailbox_search(box, key, add_match, out, &err), 0,
	    "%s", err.text);
	return out;
}

static const char *
header(const char *field, const char *value)
{
	struct gd_search_key k = { .op = GD_SEARCH_HEADER,
	    .u.header = { field, value } };

	return run(&k);
}

static const char *
text(enum gd_search_op op, const char *s)
{
	struct gd_search_key k = { .op = op, .u.text = s };

	return run(&k);
}

static const char *
day(enum gd_search_op op, int64_t d)
{
	struct gd_search_key k = { .op = op, .u.day = d };

	return run(&k);
}

TestSuite(search, .init = setup, .fini = teardown, .timeout = 30);

Test(search, metadata_keys)
{
	struct gd_search_key all = { .op = GD_SEARCH_ALL };
	struct gd_search_key seen = { .op = GD_SEARCH_FLAGS,
	    .u.flags = GD_MAIL_SEEN };
	struct gd_search_key not = { .op = GD_SEARCH_NOT, .children = &seen };
	struct gd_mail_range r = { 2, 3 };
	struct gd_search_key seq = { .op = GD_SEARCH_SEQSET,
	    .u.set = { &r, 1 } };
	struct gd_search_key larger = { .op = GD_SEARCH_LARGER,
	    .u.number = sizeof(msg4) };

	cr_assert_str_eq(run(&all), "1,2,3,4");
	cr_assert_str_eq(run(&seen), "1");
	cr_assert_str_eq(run(&not), "2,3,4");
	cr_assert_str_eq(run(&seq), "2,3");
	cr_assert_str_eq(run(&larger), "1,2,3");
	cr_assert_str_eq(text(GD_SEARCH_KEYWORD, "work"), "2");
	cr_assert_str_eq(text(GD_SEARCH_KEYWORD, "Nope"), "");
	cr_assert_str_eq(day(GD_SEARCH_ON, DAY(2026, 11, 3)), "2");
	cr_assert_str_eq(day(GD_SEARCH_BEFORE, DAY(2026, 11, 3)), "1");
	cr_assert_str_eq(day(GD_SEARCH_SINCE, DAY(2026, 11, 4)), "3,4");
}

Test(search, uid_set_and_modseq)
{
	struct gd_mail_range r = { gd_mailbox_msg(box, 4)->uid, UINT32_MAX };
	struct gd_search_key uid = { .op = GD_SEARCH_UIDSET,
	    .u.set = { &r, 1 } };
	struct gd_search_key ms = { .op = GD_SEARCH_MODSEQ,
	    .u.number = gd_mailbox_highestmodseq(box) + 1 };

	cr_assert_str_eq(run(&uid), "4");
	cr_assert_str_eq(run(&ms), "");
	ms.u.number = 1;
	cr_assert_str_eq(run(&ms), "1,2,3,4");
}

Test(search, header_fields_are_decoded_and_folded)
{
	cr_assert_str_eq(header("Subject", "invoice"), "1");
	cr_assert_str_eq(header("SUBJECT", "INVOICE 4"), "1");
	cr_assert_str_eq(header("Subject", "café"), "2");
	cr_assert_str_eq(header("Subject", "CAFÉ NAÏVE"), "2");
	cr_assert_str_eq(header("From", "renée"), "2");
	cr_assert_str_eq(header("From", "alice@example"), "1");
	cr_assert_str_eq(header("To", "bob"), "1");
	cr_assert_str_eq(header("X-Missing", ""), "");
	cr_assert_str_eq(header("To", ""), "1");
	cr_assert_str_eq(header("Subject", "=?UTF-8?"), "");
}

Test(search, body_through_encodings_and_charsets)
{
	cr_assert_str_eq(text(GD_SEARCH_BODY, "GRÜßE aus"), "2");
	cr_assert_str_eq(text(GD_SEARCH_BODY, "köln"), "2");
	cr_assert_str_eq(text(GD_SEARCH_BODY, "DÉJÀ VU"), "3");
	cr_assert_str_eq(text(GD_SEARCH_BODY, "softwrapped"), "3");
	/* An attachment is not text. */
	cr_assert_str_eq(text(GD_SEARCH_BODY, "secretword"), "");
	/* BODY does not look at the header, TEXT does. */
	cr_assert_str_eq(text(GD_SEARCH_BODY, "invoice 42"), "");
	cr_assert_str_eq(text(GD_SEARCH_TEXT, "invoice 42"), "1");
	cr_assert_str_eq(text(GD_SEARCH_TEXT, "subject: late"), "4");
	cr_assert_str_eq(text(GD_SEARCH_BODY, ""), "1,2,3,4");
}

Test(search, sent_dates_in_their_own_zone)
{
	/* 23:30 -0800 on 1 Nov is 2 Nov in UTC: SENTON uses the zone. */
	cr_assert_str_eq(day(GD_SEARCH_SENT_ON, DAY(2026, 11, 1)), "4");
	cr_assert_str_eq(day(GD_SEARCH_SENT_BEFORE, DAY(2026, 11, 2)), "4");
	cr_assert_str_eq(day(GD_SEARCH_SENT_SINCE, DAY(2026, 11, 3)), "2,3");
}

Test(search, boolean_operators_mix_metadata_and_content)
{
	struct gd_search_key body = { .op = GD_SEARCH_BODY,
	    .u.text = "vu" };
	struct gd_search_key flagged = { .op = GD_SEARCH_FLAGS,
	    .u.flags = GD_MAIL_FLAGGED, .next = &body };
	struct gd_search_key or = { .op = GD_SEARCH_OR,
	    .children = &flagged };
	struct gd_search_key subj = { .op = GD_SEARCH_HEADER,
	    .u.header = { "Subject", "a" } };
	struct gd_search_key and = { .op = GD_SEARCH_AND, .children = &subj };

	cr_assert_str_eq(run(&or), "2,3");
	subj.next = &or;
	/* Subject contains "a": 2 (Café naïve), 3 (attachments), 4 (late). */
	cr_assert_str_eq(run(&and), "2,3");
}

Test(search, match_across_decoder_chunks)
{
	static char big[140000];
	struct gd_mailbox *b2;
	size_t off, n;

	off = (size_t)sprintf(big, "Subject: big\r\n\r\n");
	/* One long line, so the search flushes at its 64 KiB mark, right
	 * through the word. */
	n = 65536 - 3;
	memset(big + off, 'x', n);
	off += n;
	off += (size_t)sprintf(big + off, "NEEDLEWORD");
	memset(big + off, 'y', 1000);
	off += 1000;
	memcpy(big + off, "\r\n", 3);
	md_append(store, "INBOX", big);
	b2 = md_open(store, "INBOX", GD_MAILBOX_READONLY);
	gd_mailbox_close(&box);
	box = b2;
	cr_assert_str_eq(text(GD_SEARCH_BODY, "needleword"), "5");
	cr_assert_str_eq(text(GD_SEARCH_BODY, "xneedlewordy"), "5");
}

/* Remove every message file behind the view's back. */
static void
remove_files(void)
{
	static const char *const dirs[] = { "cur", "new" };
	char dir[PATH_MAX], name[512], path[PATH_MAX + 512];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", md_root, dirs[i]);
		while (md_first_file(dir, name, sizeof(name))) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			cr_assert_eq(unlink(path), 0);
		}
	}
}

Test(search, header_cache_serves_a_later_view)
{
	struct gd_search_key from = { .op = GD_SEARCH_HEADER,
	    .u.header = { "From", "example.com" } };
	struct gd_search_key subj = { .op = GD_SEARCH_HEADER,
	    .u.header = { "Subject", "late" } };
	struct gd_search_key or = { .op = GD_SEARCH_OR, .children = &from };
	struct gd_mailbox *b2;

	from.next = &subj;
	/* A FROM search reads the messages and keeps their fields... */
	cr_assert_str_eq(header("From", "example.com"), "1,4");
	b2 = md_open(store, "INBOX", GD_MAILBOX_READONLY);
	gd_mailbox_close(&box);
	box = b2;
	/* ...so a later view (a client reconnecting) answers header keys
	 * on those fields without the files, which are gone now: */
	remove_files();
	cr_assert_str_eq(header("From", "ALICE"), "1");
	cr_assert_str_eq(header("from", "renée"), "2");
	cr_assert_str_eq(run(&or), "1,4");
	cr_assert_str_eq(header("To", "bob"), "1");
	cr_assert_str_eq(day(GD_SEARCH_SENT_ON, DAY(2026, 11, 2)), "1");
	cr_assert_str_eq(day(GD_SEARCH_SENT_ON, DAY(2026, 11, 1)), "4");
	/* Other fields and the body are not cached: read, and gone. */
	cr_assert_str_eq(header("Date", "2026"), "");
	cr_assert_str_eq(text(GD_SEARCH_BODY, "invoice"), "");
	cr_assert_str_eq(text(GD_SEARCH_TEXT, "alice"), "");
}
