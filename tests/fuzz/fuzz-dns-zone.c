/*
 * fuzz-dns-zone.c — libFuzzer target for the RFC 1035 master-file parser
 * (core/dns-zone.c).
 *
 * Any input parses or fails with a FILE:LINE message, never a crash or
 * an unbounded loop.  Every record it writes must itself parse, as a
 * one-line zone, to exactly the same text (the output is canonical), so
 * what reaches libunbound is what the checks saw.  Inputs naming
 * $INCLUDE are skipped: they would read files.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns-zone-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
fuzz_has_include(const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i + 8 <= size; i++)
		if (strncasecmp((const char *)data + i, "$INCLUDE", 8) == 0)
			return true;
	return false;
}

/* The record's text, parsed again, gives itself back. */
static void
fuzz_reparse(const char *text)
{
	struct gd_dns_zone *again = gd_dns_zone_create();
	const char *error;

	if (gd_dns_zone_parse(again, "again", text, strlen(text), NULL,
	    &error) != 0 || again->nrecords != 1 ||
	    strcmp(again->records[0].text, text) != 0)
		abort();
	gd_dns_zone_destroy(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gd_dns_zone *zone;
	const char *error = NULL;
	size_t i;
	int r;

	if (size > 65536 || fuzz_has_include(data, size))
		return 0;
	zone = gd_dns_zone_create();
	r = gd_dns_zone_parse(zone, "fuzz.zone", (const char *)data, size,
	    "fuzz.example.", &error);
	if (r != 0 && (error == NULL || strncmp(error, "fuzz.zone:", 10) != 0))
		abort();
	for (i = 0; i < zone->nrecords; i++)
		fuzz_reparse(zone->records[i].text);
	gd_dns_zone_destroy(&zone);
	return 0;
}
