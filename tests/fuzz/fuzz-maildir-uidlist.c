/*
 * fuzz-maildir-uidlist.c — libFuzzer target for the maildir backend's
 * strict readers: the gumdrop-uidlist header and records (as read from
 * a damaged file: every offset is tried, as the rebuild does), and the
 * message file-name parser with the flag-string builder.
 *
 * Checks: nothing reads out of bounds; whatever decodes re-encodes to
 * the same bytes; a built name parses back to the same flags, letters
 * and base, and keeps the characters it does not know.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "maildir-private.h"
/* The readers under test, compiled in (they are module-internal). */
#include "maildir-record.c"
#include "maildir-fname.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_header(const uint8_t *data, size_t size)
{
	uint8_t out[MAILDIR_HDR_SIZE];
	struct maildir_hdr h, h2;

	if (maildir_hdr_decode(data, size, &h) < 0)
		return;
	maildir_hdr_encode(&h, out);
	if (memcmp(out, data, MAILDIR_HDR_SIZE) != 0 &&
	    (maildir_hdr_decode(out, sizeof(out), &h2) < 0 ||
	    memcmp(&h, &h2, sizeof(h)) != 0))
		abort();
}

static void
fuzz_records(const uint8_t *data, size_t size)
{
	uint8_t out[MAILDIR_REC_MAX];
	struct maildir_rec r;
	size_t pos = 0;
	ssize_t n;

	while (pos < size) {
		n = maildir_rec_decode(data + pos, size - pos, &r);
		if (n <= 0) {
			pos++;		/* as the salvaging reader does */
			continue;
		}
		if ((size_t)n > size - pos || r.uid == 0 || r.modseq == 0 ||
		    r.name_len > MAILDIR_NAME_MAX ||
		    maildir_rec_encode(&r, out) != (size_t)n ||
		    memcmp(out, data + pos, (size_t)n) != 0)
			abort();
		pos += (size_t)n;
	}
}

static void
fuzz_name(const uint8_t *data, size_t size)
{
	char name[MAILDIR_NAME_MAX + 1], built[MAILDIR_NAME_MAX + 64];
	struct maildir_fname f, g;
	int n;

	if (size > MAILDIR_NAME_MAX)
		size = MAILDIR_NAME_MAX;
	memcpy(name, data, size);
	name[size] = '\0';
	if (!maildir_fname_parse(name, size, &f))
		return;
	if (f.base_len == 0 || f.base_len > size ||
	    (f.flags & ~GD_MAIL_SYSTEM_FLAGS) != 0 || f.letters >= 1u << 26)
		abort();
	n = maildir_fname_build(built, sizeof(built), name, f.base_len,
	    f.flags, f.letters, f.info);
	if (n < 0)
		return;
	if (!maildir_fname_parse(built, (size_t)n, &g) ||
	    g.base_len != f.base_len || g.flags != f.flags ||
	    g.letters != f.letters || memcmp(built, name, f.base_len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_header(data, size);
	fuzz_records(data, size);
	fuzz_name(data, size);
	return 0;
}
