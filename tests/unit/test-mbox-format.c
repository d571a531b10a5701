/*
 * test-mbox-format.c — the mbox format, below and through the API:
 *   - the writer (quoting, dropping status fields), the scanner (split,
 *     status fields, sizes) and the filter (served octets) against a
 *     naive model, over generated messages, fed whole and in every
 *     chunking down to 1 byte;
 *   - the sidecar encoding: round trip, every single-byte change and
 *     every truncation refused;
 *   - From-quoting round trips through the backend for "From ",
 *     ">From ", ">>From " lines at every position, CRLF and LF.
 */
#include "config.h"

#include "mbox-test-util.h"
#include "../../modules/mbox/mbox-private.h"

TestSuite(format, .timeout = 60);

/* ---- a naive model of the served form ----------------------------- */

static bool
model_hidden_name(const char *line, size_t len, int *r)
{
	static const char *const names[] = { "status:", "x-status:",
	    "x-keywords:", "x-uid:", "x-imapbase:" };
	size_t i, n;

	for (i = 0; i < GD_N_ELEMENTS(names); i++) {
		n = strlen(names[i]);
		if (len >= n && strncasecmp(line, names[i], n) == 0) {
			*r = i == 3 ? 2 : 1;
			return true;
		}
	}
	return false;
}

/* What a message is served as, computed line by line in memory. */
static size_t
model_serve(const char *m, size_t len, char *out)
{
	bool header = true, prev_hidden = false, hidden;
	size_t i = 0, o = 0, e, cl;
	int r = 0;

	while (i < len) {
		for (e = i; e < len && m[e] != '\n'; e++)
			;
		cl = e - i;		/* without the LF */
		hidden = false;
		if (header) {
			if (cl == 0 || (cl == 1 && m[i] == '\r' && e < len))
				header = false;
			else if (m[i] == ' ' || m[i] == '\t')
				hidden = prev_hidden;
			else {
				r = 0;
				hidden = model_hidden_name(m + i, cl, &r);
				prev_hidden = hidden && r == 1;
			}
			if (!hidden && !(m[i] == ' ' || m[i] == '\t'))
				prev_hidden = false;
		}
		if (!hidden) {
			memcpy(out + o, m + i, cl);
			o += cl;
			if (e < len) {
				if (cl == 0 || m[e - 1] != '\r')
					out[o++] = '\r';
				out[o++] = '\n';
			}
		}
		i = e < len ? e + 1 : e;
	}
	return o;
}

/* ---- generated messages ------------------------------------------- */

static const char *const pieces[] = {
	"From ", ">From ", ">>From ", ">>>From x", "From", ">", "F", "Fro",
	"\r\n", "\n", "\r", "x", "Subject: s", "Status: RO", "X-UID: 7",
	"X-Status: AF", "x-keywords: a b", " cont", "\t", "X-IMAPbase: 1 2",
	"Stat", "X-U", ":", " ", "\r\n\r\n", "\n\n", "body",
};

static size_t
gen_message(unsigned *seed, char *buf, size_t max)
{
	size_t len = 0, n, k, count = (size_t)(rand_r(seed) % 24);
	const char *p;

	for (k = 0; k < count; k++) {
		p = pieces[rand_r(seed) % GD_N_ELEMENTS(pieces)];
		n = strlen(p);
		if (len + n >= max)
			break;
		memcpy(buf + len, p, n);
		len += n;
	}
	return len;
}

/* Store a message as the backend does: From_ line, our fields, the
 * written bytes, one line ending. */
static size_t
store_message(const char *m, size_t len, size_t chunk, char *out)
{
	struct mbox_writer w;
	char *tmp = malloc(2 * len + 64);
	size_t o, i, n, t = 0;
	bool crlf;

	mbox_writer_init(&w, true);
	for (i = 0; i < len; i += n) {
		n = len - i < chunk ? len - i : chunk;
		t += mbox_writer_run(&w, m + i, n, tmp + t);
	}
	t += mbox_writer_finish(&w, tmp + t);
	crlf = w.eol_known && w.crlf;
	o = (size_t)sprintf(out, "From MAILER-DAEMON Mon Nov 30 06:17:26 "
	    "2026%sStatus: RO%sX-UID: 9%s", crlf ? "\r\n" : "\n",
	    crlf ? "\r\n" : "\n", crlf ? "\r\n" : "\n");
	memcpy(out + o, tmp, t);
	o += t;
	memcpy(out + o, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
	free(tmp);
	return o + (crlf ? 2 : 1);
}

struct collected {
	struct mbox_scan_msg m[64];
	char kw[64][MBOX_VALUE_MAX + 1];
	char base_kw[64][MBOX_VALUE_MAX + 1];
	size_t n;
};

/* The strings of a scanned message live during the callback only. */
static int
collect(void *arg, const struct mbox_scan_msg *m)
{
	struct collected *c = arg;

	cr_assert_lt(c->n, 64);
	c->m[c->n] = *m;
	snprintf(c->kw[c->n], sizeof(c->kw[0]), "%s", m->keywords);
	snprintf(c->base_kw[c->n], sizeof(c->base_kw[0]), "%s",
	    m->base_keywords);
	c->m[c->n].keywords = c->kw[c->n];
	c->m[c->n].base_keywords = c->base_kw[c->n];
	c->n++;
	return 0;
}

static struct collected collected;

static void
scan(const char *data, size_t len, size_t chunk, struct collected *c)
{
	struct mbox_scan *s = mbox_scan_create(0, collect, c);
	size_t i, n;

	c->n = 0;
	for (i = 0; i < len; i += n) {
		n = len - i < chunk ? len - i : chunk;
		cr_assert_eq(mbox_scan_feed(s, data + i, n), 0);
	}
	cr_assert_eq(mbox_scan_finish(s), 0);
	mbox_scan_destroy(&s);
}

static size_t
serve(const char *data, const struct mbox_scan_msg *m, size_t chunk,
    char *out)
{
	struct mbox_filter f;
	size_t i, n, o = 0;

	mbox_filter_init(&f);
	for (i = m->hdr_off; i < m->data_end; i += n) {
		n = m->data_end - i < chunk ? m->data_end - i : chunk;
		o += mbox_filter_run(&f, data + i, n, out + o);
	}
	return o + mbox_filter_finish(&f, out + o);
}

Test(format, generated_messages_round_trip_in_any_chunking)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 100000 };
	char msg[512], want[1200], got[1200], *file;
	struct collected *cp = &collected;
	unsigned seed = 42;
	size_t round, len, wlen, flen, k, total, glen;

	file = malloc(64 * 1400);
	for (round = 0; round < 3000; round++) {
		total = 0;
		len = gen_message(&seed, msg, sizeof(msg));
		wlen = model_serve(msg, len, want);
		/* Three copies in one file, to test the splitting too. */
		for (k = 0; k < 3; k++) {
			flen = store_message(msg, len, chunks[(round + k) %
			    GD_N_ELEMENTS(chunks)], file + total);
			total += flen;
		}
		for (k = 0; k < GD_N_ELEMENTS(chunks); k++) {
			scan(file, total, chunks[k], cp);
			cr_assert_eq(cp->n, 3, "round %zu: %zu messages", round,
			    cp->n);
			glen = serve(file, &cp->m[1], chunks[k], got);
			cr_assert_eq(glen, wlen, "round %zu chunk %zu: served "
			    "%zu, model %zu", round, chunks[k], glen, wlen);
			cr_assert_eq(memcmp(got, want, wlen), 0, "round %zu",
			    round);
			cr_assert_eq(cp->m[1].size, wlen, "round %zu: size",
			    round);
			cr_assert_eq(cp->m[1].xuid, 9);
			cr_assert_eq(cp->m[1].flags, GD_MAIL_SEEN | MBOX_F_OLD);
		}
	}
	free(file);
}

Test(format, stored_messages_have_no_unquoted_from_lines)
{
	char msg[512], *file = malloc(4096);
	unsigned seed = 7;
	size_t round, len, flen, i;

	for (round = 0; round < 2000; round++) {
		len = gen_message(&seed, msg, sizeof(msg));
		flen = store_message(msg, len, 5, file);
		for (i = 1; i + 5 <= flen; i++) {
			cr_assert(!(file[i - 1] == '\n' &&
			    memcmp(file + i, "From ", 5) == 0),
			    "round %zu: From_ line inside a message", round);
		}
	}
	free(file);
}

Test(format, status_fields_and_dates)
{
	const char *data = "garbage before\n"
	    "From a@b Mon Nov 30 06:17:26 2026\n"
	    "X-IMAPbase: 1234 0000000042 $Junk  Work\n"
	    "Status: RO\nX-Status: ADFT\nX-Keywords: one\n two\nX-UID: 41\n"
	    "Status: ignored\nSubject: s\n\nbody\n\n"
	    "From b@c Tue Dec  1 10:00 +0100 2026\nX-UID: 4294967295\n\nx";
	struct collected *cp = &collected;
#define c (*cp)

	scan(data, strlen(data), 3, cp);
	cr_assert_eq(c.n, 2);
	cr_assert(c.m[0].has_base);
	cr_assert_eq(c.m[0].base_uidvalidity, 1234);
	cr_assert_eq(c.m[0].base_uidnext, 42);
	cr_assert_eq(c.m[0].base_uidnext_width, 10);
	cr_assert_eq(memcmp(data + c.m[0].base_uidnext_off, "0000000042",
	    10), 0);
	cr_assert_str_eq(c.m[0].base_keywords, "$Junk  Work");
	cr_assert_eq(c.m[0].flags, GD_MAIL_SEEN | MBOX_F_OLD |
	    GD_MAIL_ANSWERED | GD_MAIL_DELETED | GD_MAIL_FLAGGED |
	    GD_MAIL_DRAFT);
	cr_assert_str_eq(c.m[0].keywords, "one two");
	cr_assert_eq(c.m[0].xuid, 41);
	cr_assert_eq(c.m[0].date, 1796019446);
	cr_assert_eq(c.m[0].size, strlen("Subject: s\r\n\r\nbody\r\n"));
	cr_assert_eq(c.m[1].xuid, 0, "out of range");
	cr_assert_eq(c.m[1].date, 1796119200 - 3600);
	cr_assert_eq(c.m[1].size, 3);
#undef c
}

Test(format, status_letters_round_trip)
{
	char st[8], xst[8];
	uint32_t f;

	for (f = 0; f < 64; f++) {
		uint32_t flags = (f & 0x1f) | ((f & 0x20) ? MBOX_F_OLD : 0);

		mbox_status_format(flags, st, xst);
		cr_assert_eq(mbox_status_parse(st, xst), flags);
	}
}

/* ---- the sidecar ---------------------------------------------------- */

static void
sample_state(struct mbox_fstate *s)
{
	struct mbox_fmsg *m;
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->dev = 3;
	s->ino = 77;
	s->uidvalidity = 1000;
	s->uidnext = 20;
	s->recent_uid = 5;
	s->highestmodseq = 500;
	s->prefix = 10;
	mbox_fstate_kw(s, "alpha", true);
	mbox_fstate_kw(s, "$Beta", true);
	for (i = 0; i < 5; i++) {
		m = mbox_fstate_add(s);
		m->from_off = i == 0 ? 10 : s->msgs[i - 1].end_off;
		m->hdr_off = m->from_off + 40;
		m->data_end = m->hdr_off + 100;
		m->end_off = m->data_end + 1;
		m->size = 100 + i;
		m->modseq = 400 + i;
		m->keywords = i & 3;
		m->date = 1700000000 + i;
		m->uid = 2 * i + 1;
		m->flags = i & GD_MAIL_SYSTEM_FLAGS;
	}
	s->fsize = s->msgs[4].end_off;
}

Test(format, sidecar_round_trip_and_damage)
{
	struct mbox_fstate s, d;
	unsigned char *buf;
	size_t len, i;
	unsigned bit;

	sample_state(&s);
	buf = mbox_state_encode(&s, &len);
	cr_assert_eq(mbox_state_decode(buf, len, &d), 0);
	cr_assert_eq(d.count, 5);
	cr_assert_eq(d.msgs[3].uid, 7);
	cr_assert_eq(d.msgs[4].end_off, s.fsize);
	cr_assert_eq(d.kw_count, 2);
	cr_assert_str_eq(d.kw[1], "$Beta");
	cr_assert_eq(d.highestmodseq, 500);
	cr_assert_eq(memcmp(d.msgs, s.msgs, 5 * sizeof(*s.msgs)), 0);
	mbox_fstate_free(&d);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (unsigned char)(1u << bit);
			cr_assert_eq(mbox_state_decode(buf, len, &d), -1,
			    "byte %zu bit %u", i, bit);
			buf[i] ^= (unsigned char)(1u << bit);
		}
	}
	for (i = 0; i < len; i++)
		cr_assert_eq(mbox_state_decode(buf, i, &d), -1, "len %zu", i);
	free(buf);
	/* Consistent checksums but impossible content: refused too. */
	s.msgs[2].uid = s.msgs[1].uid;
	buf = mbox_state_encode(&s, &len);
	cr_assert_eq(mbox_state_decode(buf, len, &d), -1);
	free(buf);
	s.msgs[2].uid = 5;
	s.msgs[2].end_off++;
	buf = mbox_state_encode(&s, &len);
	cr_assert_eq(mbox_state_decode(buf, len, &d), -1);
	free(buf);
	mbox_fstate_free(&s);
}

/* ---- From-quoting through the backend --------------------------------- */

static void
round_trip(struct gd_mail_store *store, const char *name, const char *eol)
{
	static const char *const lines[] = { "From me", ">From me",
	    ">>From me", ">>>>>>>>>>>>>>>>>>>>>From me", "From", ">From",
	    "From  two spaces" };
	char msg[1024], *got, *want;
	struct gd_mailbox *box;
	size_t i, pos, len, n = 0;
	int p;

	for (i = 0; i < GD_N_ELEMENTS(lines); i++) {
		for (p = 0; p < 5; p++) {
			/* p: header, first body line, middle, last with EOL,
			 * last without. */
			len = (size_t)snprintf(msg, sizeof(msg),
			    "%s%sSubject: q%s%s%s%sa%s%s%s%s%s",
			    p == 0 ? lines[i] : "X-A: 1", eol, eol, eol,
			    p == 1 ? lines[i] : "b", eol, eol,
			    p == 2 ? lines[i] : "c", eol,
			    p >= 3 ? lines[i] : "d", p == 4 ? "" : eol);
			mt_append_flags(store, name, msg, len, 0, NULL);
			n++;
		}
	}
	box = mt_open(store, name, 0);
	cr_assert_eq(gd_mailbox_count(box), n);
	for (pos = 1; pos <= n; pos++) {
		i = (pos - 1) / 5;
		p = (int)((pos - 1) % 5);
		len = (size_t)snprintf(msg, sizeof(msg),
		    "%s\r\nSubject: q\r\n\r\n%s\r\na\r\n%s\r\n%s%s",
		    p == 0 ? lines[i] : "X-A: 1", p == 1 ? lines[i] : "b",
		    p == 2 ? lines[i] : "c", p >= 3 ? lines[i] : "d",
		    p == 4 ? "" : "\r\n");
		want = msg;
		got = mt_read(box, (uint32_t)pos, NULL);
		cr_assert_str_eq(got, want, "line %zu at %d (%s): [%s]", i, p,
		    eol[0] == '\r' ? "CRLF" : "LF", got);
		free(got);
	}
	gd_mailbox_close(&box);
}

Test(format, from_quoting_round_trips_through_the_backend)
{
	struct gd_mail_store *store;
	struct gd_mail_error err;
	char *file, *p;

	mt_setup();
	store = mt_store("u");

	cr_assert_eq(gd_mail_store_create(store, "LF", 0, &err), 0);
	round_trip(store, "INBOX", "\r\n");
	round_trip(store, "LF", "\n");
	file = mt_file(mt_path("u", "LF.mbox"), NULL);
	for (p = file; (p = strstr(p, "\nFrom ")) != NULL; p++)
		cr_assert_eq(strncmp(p + 1, "From MAILER-DAEMON ", 19), 0,
		    "unquoted From line: %.40s", p + 1);
	cr_assert(strstr(file, "\n>>>>>>>>>>>>>>>>>>>>>>From me") != NULL);
	free(file);
	gd_mail_store_close(&store);
	mt_teardown();
}
