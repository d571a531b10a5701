/*
 * mbox-state.c — the file state (what an mbox holds, message by message)
 * and its sidecar encoding.
 *
 * SIDECAR (".NAME.mbox.gdstate", little-endian, a cache: any doubt and
 * it is rebuilt from the mbox):
 *   0   "GDMBXST1"  u32 version (1)  u32 count
 *   16  u64 dev  u64 ino  u64 size  i64 mtime_ns     (the mbox described)
 *   48  u32 tail_crc  u32 uidvalidity  u32 uidnext  u32 recent_uid
 *   64  u64 highestmodseq  u64 prefix  u64 base_off
 *   88  u32 kw_count  u32 kw_bytes
 *   96  count entries of 72 bytes: u64 from_off hdr_off data_end end_off
 *       size modseq keywords, i64 date, u32 uid, u32 flags
 *   ... kw_bytes of NUL-terminated keyword names
 *   ... u32 crc32 of everything before
 * The decoder checks every field against the others (offsets ascending
 * and inside the file, UIDs ascending below uidnext, keyword bits inside
 * the table) so that a damaged file can never describe messages the
 * mbox does not hold.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mbox-private.h"

#define MBOX_STATE_MAGIC	"GDMBXST1"
#define MBOX_STATE_VERSION	1
#define MBOX_STATE_HEAD		96
#define MBOX_STATE_ENTRY	72
#define MBOX_KEYWORD_MAX	250

void
mbox_fstate_free(struct mbox_fstate *s)
{
	unsigned i;

	for (i = 0; i < s->kw_count; i++)
		free(s->kw[i]);
	free(s->msgs);
	memset(s, 0, sizeof(*s));
}

void
mbox_fstate_copy(struct mbox_fstate *dst, const struct mbox_fstate *src)
{
	unsigned i;

	mbox_fstate_free(dst);
	*dst = *src;
	for (i = 0; i < src->kw_count; i++)
		dst->kw[i] = gd_xstrdup(src->kw[i]);
	dst->alloc = src->count;
	dst->msgs = gd_xcalloc(src->count + 1, sizeof(*dst->msgs));
	if (src->count > 0)
		memcpy(dst->msgs, src->msgs, src->count * sizeof(*src->msgs));
}

struct mbox_fmsg *
mbox_fstate_add(struct mbox_fstate *s)
{
	if (s->count == s->alloc) {
		s->alloc = s->alloc < 16 ? 16 : s->alloc * 2;
		s->msgs = gd_xrealloc(s->msgs, s->alloc * sizeof(*s->msgs));
	}
	memset(&s->msgs[s->count], 0, sizeof(s->msgs[0]));
	return &s->msgs[s->count++];
}

int64_t
mbox_fstate_find(const struct mbox_fstate *s, uint32_t uid)
{
	uint32_t lo = 0, hi = s->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->msgs[mid].uid == uid)
			return mid;
		if (s->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Keyword names as we store them: atoms, no "\\" start, bounded. */
static bool
mbox_kw_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > MBOX_KEYWORD_MAX || name[0] == '\\')
		return false;
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] <= ' ' ||
		    (unsigned char)name[i] >= 0x7f ||
		    strchr("(){%*\"]", name[i]) != NULL)
			return false;
	}
	return true;
}

int
mbox_fstate_kw(struct mbox_fstate *s, const char *name, bool add)
{
	unsigned i;

	for (i = 0; i < s->kw_count; i++) {
		if (strcasecmp(s->kw[i], name) == 0)
			return (int)i;
	}
	if (!add || s->kw_count == MBOX_MAX_KEYWORDS ||
	    !mbox_kw_valid(name, strlen(name)))
		return -1;
	s->kw[s->kw_count] = gd_xstrdup(name);
	return (int)s->kw_count++;
}

uint64_t
mbox_fstate_kw_parse(struct mbox_fstate *s, const char *list)
{
	char name[MBOX_KEYWORD_MAX + 1];
	uint64_t bits = 0;
	size_t len;
	int i;

	while (*list != '\0') {
		while (*list == ' ' || *list == '\t' || *list == ',')
			list++;
		len = strcspn(list, " \t,");
		if (len == 0)
			break;
		if (len <= MBOX_KEYWORD_MAX) {
			memcpy(name, list, len);
			name[len] = '\0';
			i = mbox_fstate_kw(s, name, true);
			if (i >= 0)
				bits |= 1ull << i;
		}
		list += len;
	}
	return bits;
}

uint64_t
mbox_fstate_next_modseq(struct mbox_fstate *s)
{
	uint64_t now = mbox_now_us();

	s->highestmodseq = now > s->highestmodseq ? now :
	    s->highestmodseq + 1;
	return s->highestmodseq;
}

/* ---- encoding ------------------------------------------------------- */

static void
mbox_put32(unsigned char *p, uint32_t v)
{
	unsigned i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
mbox_put64(unsigned char *p, uint64_t v)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
mbox_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
mbox_get64(const unsigned char *p)
{
	return (uint64_t)mbox_get32(p) | (uint64_t)mbox_get32(p + 4) << 32;
}

static void
mbox_state_put_entry(unsigned char *p, const struct mbox_fmsg *m)
{
	mbox_put64(p, m->from_off);
	mbox_put64(p + 8, m->hdr_off);
	mbox_put64(p + 16, m->data_end);
	mbox_put64(p + 24, m->end_off);
	mbox_put64(p + 32, m->size);
	mbox_put64(p + 40, m->modseq);
	mbox_put64(p + 48, m->keywords);
	mbox_put64(p + 56, (uint64_t)m->date);
	mbox_put32(p + 64, m->uid);
	mbox_put32(p + 68, m->flags & MBOX_F_STORED);
}

static void
mbox_state_put_head(unsigned char *p, const struct mbox_fstate *s,
    size_t kw_bytes)
{
	memcpy(p, MBOX_STATE_MAGIC, 8);
	mbox_put32(p + 8, MBOX_STATE_VERSION);
	mbox_put32(p + 12, s->count);
	mbox_put64(p + 16, s->dev);
	mbox_put64(p + 24, s->ino);
	mbox_put64(p + 32, s->fsize);
	mbox_put64(p + 40, (uint64_t)s->mtime_ns);
	mbox_put32(p + 48, s->tail_crc);
	mbox_put32(p + 52, s->uidvalidity);
	mbox_put32(p + 56, s->uidnext);
	mbox_put32(p + 60, s->recent_uid);
	mbox_put64(p + 64, s->highestmodseq);
	mbox_put64(p + 72, s->prefix);
	mbox_put64(p + 80, s->base_off);
	mbox_put32(p + 88, s->kw_count);
	mbox_put32(p + 92, (uint32_t)kw_bytes);
}

void *
mbox_state_encode(const struct mbox_fstate *s, size_t *len_r)
{
	unsigned char *buf, *p;
	size_t kw_bytes = 0, len;
	uint32_t i;

	for (i = 0; i < s->kw_count; i++)
		kw_bytes += strlen(s->kw[i]) + 1;
	len = MBOX_STATE_HEAD + (size_t)s->count * MBOX_STATE_ENTRY +
	    kw_bytes + 4;
	buf = gd_xmalloc(len);
	mbox_state_put_head(buf, s, kw_bytes);
	p = buf + MBOX_STATE_HEAD;
	for (i = 0; i < s->count; i++, p += MBOX_STATE_ENTRY)
		mbox_state_put_entry(p, &s->msgs[i]);
	for (i = 0; i < s->kw_count; i++) {
		memcpy(p, s->kw[i], strlen(s->kw[i]) + 1);
		p += strlen(s->kw[i]) + 1;
	}
	mbox_put32(p, mbox_crc32(0, buf, len - 4));
	*len_r = len;
	return buf;
}

/* ---- decoding ------------------------------------------------------- */

static int
mbox_state_get_head(const unsigned char *p, size_t len,
    struct mbox_fstate *s, size_t *kw_bytes_r)
{
	uint64_t count, need;

	if (len < MBOX_STATE_HEAD + 4 || memcmp(p, MBOX_STATE_MAGIC, 8) != 0 ||
	    mbox_get32(p + 8) != MBOX_STATE_VERSION)
		return -1;
	count = mbox_get32(p + 12);
	*kw_bytes_r = mbox_get32(p + 92);
	need = MBOX_STATE_HEAD + count * MBOX_STATE_ENTRY + *kw_bytes_r + 4;
	if (need != len || mbox_get32(p + len - 4) !=
	    mbox_crc32(0, p, len - 4))
		return -1;
	s->count = (uint32_t)count;
	s->dev = mbox_get64(p + 16);
	s->ino = mbox_get64(p + 24);
	s->fsize = mbox_get64(p + 32);
	s->mtime_ns = (int64_t)mbox_get64(p + 40);
	s->tail_crc = mbox_get32(p + 48);
	s->uidvalidity = mbox_get32(p + 52);
	s->uidnext = mbox_get32(p + 56);
	s->recent_uid = mbox_get32(p + 60);
	s->highestmodseq = mbox_get64(p + 64);
	s->prefix = mbox_get64(p + 72);
	s->base_off = mbox_get64(p + 80);
	s->kw_count = mbox_get32(p + 88);
	if (s->uidvalidity == 0 || s->uidnext == 0 ||
	    s->recent_uid > s->uidnext || s->kw_count > MBOX_MAX_KEYWORDS ||
	    s->prefix > s->fsize || s->base_off > s->fsize)
		return -1;
	return 0;
}

static void
mbox_state_get_entry(const unsigned char *p, struct mbox_fmsg *m)
{
	m->from_off = mbox_get64(p);
	m->hdr_off = mbox_get64(p + 8);
	m->data_end = mbox_get64(p + 16);
	m->end_off = mbox_get64(p + 24);
	m->size = mbox_get64(p + 32);
	m->modseq = mbox_get64(p + 40);
	m->keywords = mbox_get64(p + 48);
	m->date = (int64_t)mbox_get64(p + 56);
	m->uid = mbox_get32(p + 64);
	m->flags = mbox_get32(p + 68);
}

static int
mbox_state_check_entry(const struct mbox_fstate *s, uint32_t i)
{
	const struct mbox_fmsg *m = &s->msgs[i];
	uint64_t start = i == 0 ? s->prefix : s->msgs[i - 1].end_off;
	uint32_t prev_uid = i == 0 ? 0 : s->msgs[i - 1].uid;
	uint64_t kw_mask = s->kw_count == 64 ? ~0ull :
	    (1ull << s->kw_count) - 1;

	if (m->from_off != start || m->hdr_off <= m->from_off ||
	    m->data_end < m->hdr_off || m->end_off < m->data_end ||
	    m->end_off > s->fsize || m->uid <= prev_uid ||
	    m->uid >= s->uidnext || (m->keywords & ~kw_mask) != 0 ||
	    (m->flags & ~MBOX_F_STORED) != 0 || m->modseq == 0 ||
	    m->modseq > s->highestmodseq)
		return -1;
	/* Served octets: at most twice the stored bytes (LF -> CRLF). */
	if (m->size > 2 * (m->data_end - m->hdr_off) + 1)
		return -1;
	return 0;
}

static int
mbox_state_get_keywords(const unsigned char *p, size_t len,
    struct mbox_fstate *s)
{
	unsigned want = s->kw_count, i;
	size_t n;

	s->kw_count = 0;
	for (i = 0; i < want; i++) {
		n = strnlen((const char *)p, len);
		if (n == len || !mbox_kw_valid((const char *)p, n))
			return -1;
		if (mbox_fstate_kw(s, (const char *)p, false) >= 0)
			return -1;	/* duplicate */
		s->kw[s->kw_count++] = gd_xstrdup((const char *)p);
		p += n + 1;
		len -= n + 1;
	}
	return len == 0 ? 0 : -1;
}

int
mbox_state_decode(const void *data, size_t len, struct mbox_fstate *s)
{
	const unsigned char *p = data;
	size_t kw_bytes;
	uint32_t i;

	memset(s, 0, sizeof(*s));
	if (mbox_state_get_head(p, len, s, &kw_bytes) < 0)
		goto fail;
	s->alloc = s->count;
	s->msgs = gd_xcalloc((size_t)s->count + 1, sizeof(*s->msgs));
	for (i = 0; i < s->count; i++) {
		mbox_state_get_entry(p + MBOX_STATE_HEAD +
		    (size_t)i * MBOX_STATE_ENTRY, &s->msgs[i]);
	}
	if (mbox_state_get_keywords(p + MBOX_STATE_HEAD +
	    (size_t)s->count * MBOX_STATE_ENTRY, kw_bytes, s) < 0)
		goto fail;
	for (i = 0; i < s->count; i++) {
		if (mbox_state_check_entry(s, i) < 0)
			goto fail;
	}
	if ((s->count > 0 ? s->msgs[s->count - 1].end_off : s->prefix) !=
	    s->fsize)
		goto fail;
	return 0;
fail:
	mbox_fstate_free(s);
	return -1;
}
