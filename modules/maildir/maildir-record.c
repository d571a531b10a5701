/*
 * maildir-record.c — the binary format of gumdrop-uidlist (pure; the
 * fuzz target links this file).
 *
 * The file is a fixed header (MAILDIR_HDR_SIZE bytes, rewritten in place)
 * followed by records, appended under the lock.  Integers are little-
 * endian.
 *
 * Header: "GDMUIDL1", version, header size, uidvalidity, uidnext,
 *   uid_reserved, first_recent_uid, generation, messages, highestmodseq,
 *   modseq_reserved, end_offset, garbage, cur/ and new/ stamps (sec,
 *   nsec, valid), boot id, the cur/ and new/ stamps' `own` marks (32
 *   bits each: readers that predate them see zero padding and an
 *   untrusted stamp, which they read again), zero padding, a 64-bit
 *   checksum of the rest.
 * Record: u32 length, u8 type, u8 flags (1: in new/), u16 name length,
 *   u32 uid, u64 modseq, [MSG: u64 vsize, i64 mtime], name, u32 checksum
 *   of everything before it.  mtime is INT64_MIN (GD_MAIL_DATE_UNKNOWN)
 *   when the scan did not read it (readers then stat the file).
 */
#include "config.h"

#include <string.h>

#include "maildir-private.h"

#define REC_COMMON	20	/* length .. modseq */
#define REC_CHECK	4
#define HDR_VERSION	1
#define HDR_CHECK_AT	(MAILDIR_HDR_SIZE - 8)

static void put32(uint8_t *p, uint32_t v);
static void put64(uint8_t *p, uint64_t v);
static uint32_t get32(const uint8_t *p);
static uint64_t get64(const uint8_t *p);
static size_t rec_expected_len(unsigned type, size_t name_len);
static bool rec_name_ok(const char *name, size_t len, unsigned type);

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* A word-at-a-time multiply-xor hash: fast, not cryptographic. */
uint64_t
maildir_hash(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0x6a09e667f3bcc908ull ^ len, w;

	for (; len >= 8; p += 8, len -= 8) {
		w = get64(p);
		h = (h ^ (w * 0xff51afd7ed558ccdull)) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 31;
	}
	for (w = 0; len > 0; len--)
		w = w << 8 | p[len - 1];
	h = (h ^ (w * 0xff51afd7ed558ccdull)) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

void
maildir_hdr_encode(const struct maildir_hdr *h, uint8_t out[MAILDIR_HDR_SIZE])
{
	memset(out, 0, MAILDIR_HDR_SIZE);
	memcpy(out, MAILDIR_HDR_MAGIC, 8);
	put32(out + 8, HDR_VERSION);
	put32(out + 12, MAILDIR_HDR_SIZE);
	put32(out + 16, h->uidvalidity);
	put32(out + 20, h->uidnext);
	put32(out + 24, h->uid_reserved);
	put32(out + 28, h->first_recent_uid);
	put32(out + 32, h->generation);
	put32(out + 36, h->messages);
	put64(out + 40, h->highestmodseq);
	put64(out + 48, h->modseq_reserved);
	put64(out + 56, h->end_offset);
	put64(out + 64, h->garbage);
	put64(out + 72, (uint64_t)h->cur.sec);
	put32(out + 80, h->cur.nsec);
	put32(out + 84, h->cur.valid);
	put64(out + 88, (uint64_t)h->new_.sec);
	put32(out + 96, h->new_.nsec);
	put32(out + 100, h->new_.valid);
	memcpy(out + 104, h->boot_id, 16);
	put32(out + 120, h->cur.own);
	put32(out + 124, h->new_.own);
	put64(out + HDR_CHECK_AT, maildir_hash(out, HDR_CHECK_AT));
}

int
maildir_hdr_decode(const uint8_t *buf, size_t len, struct maildir_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (len < MAILDIR_HDR_SIZE || memcmp(buf, MAILDIR_HDR_MAGIC, 8) != 0 ||
	    get32(buf + 8) != HDR_VERSION ||
	    get32(buf + 12) != MAILDIR_HDR_SIZE ||
	    get64(buf + HDR_CHECK_AT) != maildir_hash(buf, HDR_CHECK_AT))
		return -1;
	h->uidvalidity = get32(buf + 16);
	h->uidnext = get32(buf + 20);
	h->uid_reserved = get32(buf + 24);
	h->first_recent_uid = get32(buf + 28);
	h->generation = get32(buf + 32);
	h->messages = get32(buf + 36);
	h->highestmodseq = get64(buf + 40);
	h->modseq_reserved = get64(buf + 48);
	h->end_offset = get64(buf + 56);
	h->garbage = get64(buf + 64);
	h->cur.sec = (int64_t)get64(buf + 72);
	h->cur.nsec = get32(buf + 80);
	h->cur.valid = get32(buf + 84) != 0;
	h->new_.sec = (int64_t)get64(buf + 88);
	h->new_.nsec = get32(buf + 96);
	h->new_.valid = get32(buf + 100) != 0;
	memcpy(h->boot_id, buf + 104, 16);
	h->cur.own = get32(buf + 120) != 0;
	h->new_.own = get32(buf + 124) != 0;
	if (h->uidvalidity == 0 || h->uidnext == 0 ||
	    h->end_offset < MAILDIR_HDR_SIZE || h->cur.nsec >= 1000000000u ||
	    h->new_.nsec >= 1000000000u || get32(buf + 84) > 1 ||
	    get32(buf + 100) > 1 || get32(buf + 120) > 1 ||
	    get32(buf + 124) > 1 || (h->cur.own && h->cur.valid) ||
	    (h->new_.own && h->new_.valid))
		return -1;
	return 0;
}

size_t
maildir_rec_encode(const struct maildir_rec *r, uint8_t *buf)
{
	size_t n = REC_COMMON, name_len = r->type == MAILDIR_REC_EXPUNGE ?
	    0 : r->name_len;

	assert(name_len <= MAILDIR_NAME_MAX);
	buf[4] = (uint8_t)r->type;
	buf[5] = r->in_new ? 1 : 0;
	buf[6] = (uint8_t)name_len;
	buf[7] = (uint8_t)(name_len >> 8);
	put32(buf + 8, r->uid);
	put64(buf + 12, r->modseq);
	if (r->type == MAILDIR_REC_MSG) {
		put64(buf + n, r->vsize);
		put64(buf + n + 8, (uint64_t)r->mtime);
		n += 16;
	}
	if (name_len > 0)
		memcpy(buf + n, r->name, name_len);
	n += name_len + REC_CHECK;
	put32(buf, (uint32_t)n);
	put32(buf + n - REC_CHECK, (uint32_t)maildir_hash(buf, n - REC_CHECK));
	return n;
}

/* The length a record of this type and name length must have. */
static size_t
rec_expected_len(unsigned type, size_t name_len)
{
	switch (type) {
	case MAILDIR_REC_MSG:
		return REC_COMMON + 16 + name_len + REC_CHECK;
	case MAILDIR_REC_NAME:
		return REC_COMMON + name_len + REC_CHECK;
	case MAILDIR_REC_EXPUNGE:
		return name_len == 0 ? REC_COMMON + REC_CHECK : 0;
	default:
		return 0;
	}
}

static bool
rec_name_ok(const char *name, size_t len, unsigned type)
{
	if (type == MAILDIR_REC_EXPUNGE)
		return len == 0;
	return len > 0 && name[0] != '.' && memchr(name, '/', len) == NULL &&
	    memchr(name, '\0', len) == NULL;
}

ssize_t
maildir_rec_decode(const uint8_t *buf, size_t len, struct maildir_rec *r)
{
	size_t n, name_len, at = REC_COMMON;

	if (len < 4)
		return 0;
	n = get32(buf);
	if (n < REC_COMMON + REC_CHECK || n > MAILDIR_REC_MAX)
		return -1;
	if (n > len)
		return 0;
	name_len = (size_t)buf[6] | (size_t)buf[7] << 8;
	if (name_len > MAILDIR_NAME_MAX || rec_expected_len(buf[4],
	    name_len) != n || buf[5] > 1 ||
	    get32(buf + n - REC_CHECK) !=
	    (uint32_t)maildir_hash(buf, n - REC_CHECK))
		return -1;
	memset(r, 0, sizeof(*r));
	r->type = (enum maildir_rec_type)buf[4];
	r->in_new = buf[5] != 0;
	r->uid = get32(buf + 8);
	r->modseq = get64(buf + 12);
	if (r->type == MAILDIR_REC_MSG) {
		r->vsize = get64(buf + at);
		r->mtime = (int64_t)get64(buf + at + 8);
		at += 16;
	}
	r->name = (const char *)buf + at;
	r->name_len = name_len;
	if (r->uid == 0 || r->modseq == 0 ||
	    !rec_name_ok(r->name, name_len, buf[4]))
		return -1;
	return (ssize_t)n;
}
