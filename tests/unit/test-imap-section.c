/*
 * test-imap-section.c — BODY[section]<partial>, BINARY[section],
 * BINARY.SIZE and the RFC822 items (modules/imap/imap-section.c,
 * imap-hdrfilter.c, imap-fetch-stream.c) on the messages of
 * unit/data/imap/: every section form, part numbers through multiparts
 * and message/rfc822, nonexistent parts, HEADER.FIELDS[.NOT] with folded
 * and repeated fields, partials, CTE decoding, [UNKNOWN-CTE], the
 * streamer driven one octet at a time and in larger chunks, and a
 * source that fails or ends early.  Expected contents were cut from the
 * files by hand and agree with Dovecot 2.3's answers.
 */
#include "config.h"

#include "imap-fetch-test.h"

static struct gd_pool *pool;

static void
setup(void)
{
	pool = gd_pool_create("test");
}

static void
teardown(void)
{
	gd_pool_destroy(&pool);
}

TestSuite(imap_section, .init = setup, .fini = teardown);

/* The same result whatever the chunk size. */
static const char *
fetch(struct ft_msg *m, const char *item)
{
	const char *a = ft_fetch(pool, m, item, 1, NULL);
	size_t alen = ft_len;
	const char *b = ft_fetch(pool, m, item, 64, NULL);

	cr_assert_eq(alen, ft_len, "%s", item);
	cr_assert(memcmp(a, b, alen) == 0, "%s", item);
	return b;
}

#define SIMPLE_HEADER \
	"Date: Mon, 30 Nov 2026 17:05:09 +0100\r\n" \
	"From: \"Doe, Jane\" <jane@example.org>\r\n" \
	"Sender: list-bounces@lists.example.net\r\n" \
	"Subject: =?UTF-8?Q?caf=C3=A9?= meeting\r\n" \
	"To: undisclosed-recipients:;, Bob <bob@example.com>\r\n" \
	"Cc: team: ann@example.com, " \
	"\"Carl \\\"C\\\"\" <carl@example.com>;\r\n" \
	"Bcc: <@relay.example,@gw.example:ops@example.com>\r\n" \
	"In-Reply-To: <prev@example.org>\r\n" \
	"Message-ID: <msg1@example.org>\r\n" \
	"X-Long: one\r\n two\r\n" \
	"x-long: three\r\n\r\n"
#define SIMPLE_TEXT "Hello.\r\nTwo lines.\r\n"

Test(imap_section, whole_header_text_single_part)
{
	struct ft_msg m;

	ft_load(pool, "simple.eml", &m);
	cr_assert_str_eq(fetch(&m, "BODY[]"), SIMPLE_HEADER SIMPLE_TEXT);
	cr_assert_str_eq(fetch(&m, "BODY[HEADER]"), SIMPLE_HEADER);
	cr_assert_str_eq(fetch(&m, "BODY[TEXT]"), SIMPLE_TEXT);
	/* "1" of a single-part message is its body; its MIME header is
	 * the message's header; it has no TEXT of its own. */
	cr_assert_str_eq(fetch(&m, "BODY[1]"), SIMPLE_TEXT);
	cr_assert_str_eq(fetch(&m, "BODY[1.MIME]"), SIMPLE_HEADER);
	cr_assert_str_eq(fetch(&m, "BODY[1.TEXT]"), "");
	cr_assert_str_eq(fetch(&m, "BODY[2]"), "");
	cr_assert_str_eq(fetch(&m, "BODY[1.1]"), "");
}

Test(imap_section, rfc822_items)
{
	struct imap_fetch_att att;
	struct imap_section sec;
	struct imap_error err;
	struct ft_msg m;

	ft_load(pool, "simple.eml", &m);
	imap_section_rfc822(IMAP_FETCH_RFC822, &att);
	cr_assert_eq(imap_section_resolve(m.root, m.size, &att, &sec, &err),
	    0);
	cr_assert_eq(sec.offset, 0);
	cr_assert_eq(sec.size, m.len);
	imap_section_rfc822(IMAP_FETCH_RFC822_HEADER, &att);
	cr_assert(att.peek);
	cr_assert_eq(imap_section_resolve(m.root, m.size, &att, &sec, &err),
	    0);
	cr_assert_eq(sec.size, strlen(SIMPLE_HEADER));
	imap_section_rfc822(IMAP_FETCH_RFC822_TEXT, &att);
	cr_assert_eq(imap_section_resolve(m.root, m.size, &att, &sec, &err),
	    0);
	cr_assert_eq(sec.offset, strlen(SIMPLE_HEADER));
	cr_assert_eq(sec.size, strlen(SIMPLE_TEXT));
}

/* Field names match case-insensitively, every occurrence is kept in
 * the message's order with its folds, the empty line ends it. */
Test(imap_section, header_fields)
{
	struct ft_msg m;

	ft_load(pool, "simple.eml", &m);
	cr_assert_str_eq(fetch(&m, "BODY[HEADER.FIELDS (x-long SUBJECT)]"),
	    "Subject: =?UTF-8?Q?caf=C3=A9?= meeting\r\n"
	    "X-Long: one\r\n two\r\nx-long: three\r\n\r\n");
	cr_assert_str_eq(fetch(&m, "BODY[HEADER.FIELDS (NOPE)]"), "\r\n");
	cr_assert_str_eq(fetch(&m, "BODY.PEEK[HEADER.FIELDS.NOT (Date From "
	    "Sender Subject To Cc Bcc In-Reply-To Message-ID)]"),
	    "X-Long: one\r\n two\r\nx-long: three\r\n\r\n");
	/* A partial applies to the filtered result. */
	cr_assert_str_eq(fetch(&m, "BODY[HEADER.FIELDS (X-LONG)]<8.9>"),
	    "one\r\n two");
}

/* Broken lines (no colon), "Name :" and a last field without its line
 * break at the end of the message. */
Test(imap_section, header_fields_odd_lines)
{
	struct ft_msg m;

	ft_mem(pool, "A: 1\r\nno colon here\r\nB : 2\r\n\tb\r\nC: 3", &m);
	cr_assert_str_eq(fetch(&m, "BODY[HEADER.FIELDS (B C)]"),
	    "B : 2\r\n\tb\r\nC: 3\r\n\r\n");
	cr_assert_str_eq(fetch(&m, "BODY[HEADER.FIELDS.NOT (B)]"),
	    "A: 1\r\nC: 3\r\n\r\n");
}

Test(imap_section, nested_parts)
{
	struct ft_msg m;

	ft_load(pool, "nested.eml", &m);
	cr_assert_str_eq(fetch(&m, "BODY[1.1]"), "caf=C3=A9 =\r\nok");
	cr_assert_str_eq(fetch(&m, "BODY[1.2]"), "<p>hi</p>");
	cr_assert_str_eq(fetch(&m, "BODY[1.1.MIME]"),
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	cr_assert_str_eq(fetch(&m, "BODY[1]"),
	    "--inner\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "caf=C3=A9 =\r\nok\r\n--inner\r\n"
	    "Content-Type: text/html; charset=\"utf-8\"\r\n"
	    "Content-Language: en, fr (comment)\r\n\r\n"
	    "<p>hi</p>\r\n--inner--");
	cr_assert_str_eq(fetch(&m, "BODY[2]"), "AAECA2hlbGxvAA==");
	cr_assert_str_eq(fetch(&m, "BODY[3]"), "");
	cr_assert_str_eq(fetch(&m, "BODY[1.3]"), "");
	cr_assert_str_eq(fetch(&m, "BODY[1.1.1]"), "");
	cr_assert_str_eq(fetch(&m, "BODY[1.HEADER]"), "");
	cr_assert_str_eq(fetch(&m, "BODY[TEXT]<0.22>"),
	    "This is the preamble.\r");
}

/* message/rfc822: N is the message, N.HEADER/N.TEXT its parts, N.MIME
 * the part's own header, N.1 the first part of its multipart. */
Test(imap_section, message_rfc822_parts)
{
	struct ft_msg m;

	ft_load(pool, "rfc822.eml", &m);
	cr_assert_str_eq(fetch(&m, "BODY[2.MIME]"),
	    "Content-Type: message/rfc822\r\n"
	    "Content-Disposition: inline\r\n\r\n");
	cr_assert_str_eq(fetch(&m, "BODY[2.HEADER]"),
	    "From: inner@example.net\r\nTo: x@example.com\r\n"
	    "Subject: inner one\r\nDate: Tue, 1 Dec 2026 08:00:00 -0500\r\n"
	    "Content-Type: multipart/alternative; boundary=b2\r\n\r\n");
	cr_assert_str_eq(fetch(&m, "BODY[2.HEADER.FIELDS (SUBJECT from)]"),
	    "From: inner@example.net\r\nSubject: inner one\r\n\r\n");
	cr_assert_str_eq(fetch(&m, "BODY[2.1]"), "inner text");
	cr_assert_str_eq(fetch(&m, "BODY[2.2]"), "<bold>x</bold>");
	cr_assert_str_eq(fetch(&m, "BODY[2.2.MIME]"),
	    "Content-Type: text/enriched\r\n\r\n");
	cr_assert_str_eq(fetch(&m, "BODY[2.TEXT]<0.20>"),
	    "--b2\r\nContent-Type: ");
	ft_fetch(pool, &m, "BODY[2]", 64, NULL);
	cr_assert_eq(ft_len, 277);
	cr_assert(strncmp(fetch(&m, "BODY[2]"), "From: inner", 11) == 0);
}

Test(imap_section, partials)
{
	struct ft_msg m;
	uint64_t total;

	ft_load(pool, "simple.eml", &m);
	cr_assert_str_eq(fetch(&m, "BODY[TEXT]<0.5>"), "Hello");
	cr_assert_str_eq(fetch(&m, "BODY[TEXT]<8.100>"), "Two lines.\r\n");
	cr_assert_str_eq(fetch(&m, "BODY[TEXT]<20.5>"), "");
	cr_assert_str_eq(fetch(&m, "BODY[TEXT]<9999.5>"), "");
	cr_assert_str_eq(ft_fetch(pool, &m, "BODY[TEXT]<3.1>", 7, &total),
	    "l");
	cr_assert_eq(total, 20);
}

/* BINARY: base64 with NULs (literal8), QP, 7bit as it is, unknown CTE
 * refused with [UNKNOWN-CTE], BINARY.SIZE by a decoding pass. */
Test(imap_section, binary)
{
	struct imap_fetch_stream st;
	struct imap_section sec;
	struct imap_error err;
	struct imap_fetch_att att;
	struct ft_msg m;
	uint64_t total;

	ft_load(pool, "nested.eml", &m);
	cr_assert(memcmp(fetch(&m, "BINARY[2]"), "\0\1\2\3hello\0", 10) ==
	    0);
	cr_assert_eq(ft_len, 10);
	cr_assert_str_eq(fetch(&m, "BINARY.PEEK[1.1]"), "caf\xc3\xa9 ok");
	cr_assert_str_eq(fetch(&m, "BINARY[1.1]<3.3>"), "\xc3\xa9 ");
	cr_assert_str_eq(fetch(&m, "BINARY[1.2]"), "<p>hi</p>");
	ft_fetch(pool, &m, "BINARY.SIZE[2]", 64, &total);
	cr_assert_eq(total, 10);
	memset(&att, 0, sizeof(att));
	att.kind = IMAP_ATT_BINARY;
	att.part[0] = 2;
	att.depth = 1;
	cr_assert_eq(imap_section_resolve(m.root, m.size, &att, &sec, &err),
	    0);
	cr_assert_eq(imap_fetch_stream_open(&st, &m.ms.src, &sec), 0);
	cr_assert(imap_fetch_stream_has_nul(&st));
	att.part[0] = 1;
	att.part[1] = 1;
	att.depth = 2;
	cr_assert_eq(imap_section_resolve(m.root, m.size, &att, &sec, &err),
	    0);
	cr_assert_eq(imap_fetch_stream_open(&st, &m.ms.src, &sec), 0);
	cr_assert_not(imap_fetch_stream_has_nul(&st));
	ft_load(pool, "barelf.eml", &m);
	cr_assert_str_eq(ft_fetch(pool, &m, "BINARY[2]", 64, NULL), "NO");
	att.part[0] = 2;
	att.depth = 1;
	cr_assert_eq(imap_section_resolve(m.root, m.size, &att, &sec, &err),
	    -1);
	cr_assert_eq(err.status, IMAP_NO);
	cr_assert_eq(err.code, IMAP_CODE_UNKNOWN_CTE);
	/* BINARY[] is the message as it is; a multipart is not decoded. */
	cr_assert_eq(strlen(fetch(&m, "BINARY[]")), m.len);
	cr_assert_str_eq(fetch(&m, "BINARY[1]"), "one");
}

/* A single-part base64 message: BINARY[1] decodes its body. */
Test(imap_section, binary_single_part)
{
	struct ft_msg m;

	ft_mem(pool, "Content-Transfer-Encoding: BASE64\r\n\r\n"
	    "aGVs\r\nbG8=\r\n", &m);
	cr_assert_str_eq(fetch(&m, "BINARY[1]"), "hello");
	cr_assert_str_eq(fetch(&m, "BINARY[1]<1.2>"), "el");
	cr_assert_str_eq(fetch(&m, "BODY[1]"), "aGVs\r\nbG8=\r\n");
}

/* A source that fails: open (sizing pass) and produce report -1. */
static ssize_t
bad_read(void *arg, void *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return -1;
}

static int
ok_seek(void *arg, uint64_t off)
{
	(void)arg;
	(void)off;
	return 0;
}

Test(imap_section, failing_source)
{
	struct imap_src bad = { bad_read, ok_seek, NULL };
	struct imap_fetch_stream st;
	struct imap_fetch_att att;
	struct imap_section sec;
	struct imap_error err;
	struct ft_msg m;
	char buf[16];
	bool done = false;

	ft_load(pool, "nested.eml", &m);
	memset(&att, 0, sizeof(att));
	cr_assert_eq(imap_section_resolve(m.root, m.size, &att, &sec, &err),
	    0);
	cr_assert_eq(imap_fetch_stream_open(&st, &bad, &sec), 0);
	cr_assert_eq(imap_fetch_stream_size(&st), m.len);
	cr_assert_eq(imap_fetch_stream_produce(&st, buf, sizeof(buf), &done),
	    -1);
	cr_assert_not(done);
	att.kind = IMAP_ATT_BINARY;
	att.part[0] = 2;
	att.depth = 1;
	cr_assert_eq(imap_section_resolve(m.root, m.size, &att, &sec, &err),
	    0);
	cr_assert_eq(imap_fetch_stream_open(&st, &bad, &sec), -1);
	/* A source shorter than the tree says: -1, never a short
	 * literal passed off as done. */
	imap_src_mem(&m.ms, m.data, 100);
	att.kind = IMAP_ATT_BODY;
	att.depth = 0;
	cr_assert_eq(imap_section_resolve(m.root, m.size, &att, &sec, &err),
	    0);
	cr_assert_eq(imap_fetch_stream_open(&st, &m.ms.src, &sec), 0);
	for (;;) {
		ssize_t n = imap_fetch_stream_produce(&st, buf, sizeof(buf),
		    &done);

		if (n < 0)
			break;
		cr_assert_not(done);
	}
}

/* The hdrfilter alone, fed one octet at a time. */
Test(imap_section, hdrfilter_bytewise)
{
	static const char hdr[] = "Subject: a\r\n b\r\nX: y\r\nsubject: c\r\n"
	    "\r\nbody: no\r\n";
	const char *fields[] = { "SUBJECT" };
	struct imap_hdrfilter f;
	char out[IMAP_HDRF_NAME_MAX + 8], res[128];
	size_t i, n = 0;

	imap_hdrfilter_init(&f, fields, 1, false);
	for (i = 0; i < sizeof(hdr) - 1; i++) {
		size_t w = imap_hdrfilter_feed(&f, hdr + i, 1, out);

		cr_assert_leq(n + w, sizeof(res));
		memcpy(res + n, out, w);
		n += w;
	}
	n += imap_hdrfilter_finish(&f, res + n);
	cr_assert_eq(n, strlen("Subject: a\r\n b\r\nsubject: c\r\n\r\n"));
	cr_assert(memcmp(res, "Subject: a\r\n b\r\nsubject: c\r\n\r\n", n) ==
	    0);
}

/* A NUL in an undecoded body: BINARY must go as literal8. */
Test(imap_section, nul_in_raw_body)
{
	static const char msg[] = "Subject: n\r\n\r\na\0b\r\n";
	struct imap_fetch_stream st;
	struct imap_fetch_att att;
	struct imap_section sec;
	struct imap_error err;
	struct imap_mem_src ms;
	const struct gd_mime_part *root;
	uint64_t size;

	imap_src_mem(&ms, msg, sizeof(msg) - 1);
	cr_assert_eq(imap_msg_tree(pool, &ms.src, NULL, &root, &size), 0);
	memset(&att, 0, sizeof(att));
	att.kind = IMAP_ATT_BINARY;
	att.part[0] = 1;
	att.depth = 1;
	cr_assert_eq(imap_section_resolve(root, size, &att, &sec, &err), 0);
	cr_assert_eq(imap_fetch_stream_open(&st, &ms.src, &sec), 0);
	cr_assert_eq(imap_fetch_stream_size(&st), 5);
	cr_assert(imap_fetch_stream_has_nul(&st));
	att.depth = 0;
	cr_assert_eq(imap_section_resolve(root, size, &att, &sec, &err), 0);
	cr_assert_eq(imap_fetch_stream_open(&st, &ms.src, &sec), 0);
	cr_assert(imap_fetch_stream_has_nul(&st));
	att.section = IMAP_SECTION_HEADER;
	att.kind = IMAP_ATT_BODY;
	cr_assert_eq(imap_section_resolve(root, size, &att, &sec, &err), 0);
	cr_assert_eq(imap_fetch_stream_open(&st, &ms.src, &sec), 0);
	cr_assert_not(imap_fetch_stream_has_nul(&st));
}

/* A 4 MiB attachment streams through the fixed-size streamer: nothing
 * is allocated while sizing or producing, and the decoded octets are
 * exact, with a partial in the middle too. */
Test(imap_section, large_part_bounded_memory)
{
	static const char head[] = "Content-Type: multipart/mixed; "
	    "boundary=q\r\n\r\n--q\r\nContent-Transfer-Encoding: base64\r\n\r\n";
	static const char tail[] = "\r\n--q--\r\n";
	const size_t lines = 4 * 1024 * 1024 / 57;
	struct imap_fetch_stream *st = gd_pool_alloc(pool, sizeof(*st));
	struct imap_fetch_att att;
	struct imap_section sec;
	struct imap_error err;
	struct imap_mem_src ms;
	const struct gd_mime_part *root;
	char *msg, *w, buf[1000], line[78];
	uint64_t size, got = 0;
	size_t i, used;
	bool done = false;
	ssize_t n;

	/* 57 octets "AAA..." are 76 base64 characters: 19 "QUFB". */
	for (i = 0; i < 19; i++)
		memcpy(line + 4 * i, "QUFB", 4);
	memcpy(line + 76, "\r\n", 2);
	msg = gd_pool_alloc(pool, sizeof(head) + lines * 78 + sizeof(tail));
	w = msg + strlen(strcpy(msg, head));
	for (i = 0; i < lines; i++, w += 78)
		memcpy(w, line, 78);
	w += strlen(strcpy(w, tail));
	imap_src_mem(&ms, msg, (size_t)(w - msg));
	cr_assert_eq(imap_msg_tree(pool, &ms.src, NULL, &root, &size), 0);
	memset(&att, 0, sizeof(att));
	att.kind = IMAP_ATT_BINARY;
	att.part[0] = 1;
	att.depth = 1;
	cr_assert_eq(imap_section_resolve(root, size, &att, &sec, &err), 0);
	used = gd_pool_used(pool);
	cr_assert_eq(imap_fetch_stream_open(st, &ms.src, &sec), 0);
	cr_assert_eq(imap_fetch_stream_size(st), (uint64_t)lines * 57);
	while (!done) {
		n = imap_fetch_stream_produce(st, buf, sizeof(buf), &done);
		cr_assert_gt(n, 0);
		for (i = 0; i < (size_t)n; i++)
			cr_assert_eq(buf[i], 'A');
		got += (uint64_t)n;
	}
	cr_assert_eq(got, (uint64_t)lines * 57);
	cr_assert_eq(gd_pool_used(pool), used);
	att.partial = true;
	att.offset = 1000001;
	att.length = 7;
	cr_assert_eq(imap_section_resolve(root, size, &att, &sec, &err), 0);
	cr_assert_eq(imap_fetch_stream_open(st, &ms.src, &sec), 0);
	cr_assert_eq(imap_fetch_stream_size(st), 7);
	cr_assert_eq(imap_fetch_stream_produce(st, buf, sizeof(buf), &done),
	    7);
	cr_assert(done);
}
