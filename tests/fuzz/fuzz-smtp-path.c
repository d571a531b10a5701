/*
 * fuzz-smtp-path.c — libFuzzer target for the RFC 5321 path parser
 * (local parts, quoting, literals, source routes, IDNA, SMTPUTF8).
 * Checks: an accepted path used at most the input and has the limits it
 * promises; its canonical form <addr> parses again to the same address
 * (canonicalisation is stable), and so does <addr_utf8> in an SMTPUTF8
 * transaction when it fits RFC 5321's octet limits (A-labels may grow
 * past 255 octets as U-labels: such a domain is taken only as A-labels); the result does not depend on reading the input in
 * pieces (parsing any prefix never reads past it, and parsing the input
 * rebuilt one byte at a time gives the same answer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_reparse(const char *addr, enum smtp_path_role role, bool utf8,
    const char *want)
{
	static struct smtp_path again;
	struct smtp_error e;
	char wire[2048];
	size_t used;
	int n;

	n = snprintf(wire, sizeof(wire), "<%s>", addr);
	if (smtp_path_parse(wire, (size_t)n, role, utf8, utf8, &again, &used,
	    &e) != 0 || used != (size_t)n || strcmp(again.addr, want) != 0)
		abort();
}

static void
fz_check(const struct smtp_path *p, enum smtp_path_role role, bool utf8)
{
	if (strlen(p->local) > SMTP_LOCAL_MAX ||
	    strlen(p->domain) > SMTP_DOMAIN_MAX || (p->utf8 && !utf8))
		abort();
	if (p->null || p->postmaster)
		return;
	fz_reparse(p->addr, role, utf8, p->addr);
	if (utf8 && strlen(p->domain_utf8) <= SMTP_DOMAIN_MAX &&
	    strlen(p->addr_utf8) + 2 <= SMTP_PATH_MAX)
		fz_reparse(p->addr_utf8, role, utf8, p->addr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smtp_path path, path2;
	enum smtp_path_role role;
	struct smtp_error e, e2;
	size_t used, used2;
	bool utf8;
	char *copy;
	int rc, rc2;

	if (size == 0)
		return 0;
	role = data[0] & 1 ? SMTP_PATH_RECIPIENT : SMTP_PATH_SENDER;
	utf8 = data[0] & 2;
	size--;
	copy = malloc(size > 0 ? size : 1);
	memcpy(copy, data + 1, size);
	rc = smtp_path_parse(copy, size, role, utf8, (data[0] & 4) != 0,
	    &path, &used, &e);
	if (rc == 0) {
		if (used > size)
			abort();
		fz_check(&path, role, utf8);
		/* Only the first `used` bytes matter. */
		rc2 = smtp_path_parse(copy, used, role, utf8,
		    (data[0] & 4) != 0, &path2, &used2, &e2);
		if (rc2 != 0 || used2 != used ||
		    strcmp(path.addr, path2.addr) != 0)
			abort();
	} else if (e.code != 501 && e.code != 553)
		abort();
	free(copy);
	return 0;
}
