/*
 * fuzz-msg-date.c — libFuzzer target for the RFC 5322 and asctime date
 * parsers and formatters.
 *
 * A date that parses is formatted and parsed again and must give the same
 * instant and zone; the same for the asctime layout.  The first bytes are
 * also read as an instant and a zone, formatted and parsed back.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/msg-date.h>

/* 1900-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define T_1900	INT64_C(-2208988800)
#define T_9999	INT64_C(253402300799)
#define TZ_MAX	(99 * 60 + 59)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_rfc5322(int64_t t, int tz)
{
	char buf[GD_MSG_DATE_MAX];
	int64_t back;
	size_t n;
	int tz2;

	n = gd_msg_date_format(t, tz, buf, sizeof(buf));
	if (n >= sizeof(buf) || n != strlen(buf))
		abort();
	if (gd_msg_date_parse(buf, n, &back, &tz2) != 0 || back != t ||
	    tz2 != tz)
		abort();
}

static void
fuzz_asctime(int64_t t)
{
	char buf[25];
	int64_t back;
	size_t n;

	n = gd_msg_date_format_asctime(t, buf, sizeof(buf));
	if (n != 24 || strlen(buf) != 24)
		abort();
	if (gd_msg_date_parse_asctime(buf, n, &back) != 0 || back != t)
		abort();
}

/* Any instant and zone whose local time falls in 1900-9999. */
static void
fuzz_from_bytes(const uint8_t *data, size_t size)
{
	int64_t t;
	int16_t z;
	int tz;

	if (size < 10)
		return;
	memcpy(&t, data, 8);
	memcpy(&z, data + 8, 2);
	tz = z % (TZ_MAX + 1);
	t = T_1900 + TZ_MAX * 60 + (int64_t)((uint64_t)t %
	    (uint64_t)(T_9999 - T_1900 - 2 * TZ_MAX * 60));
	fuzz_rfc5322(t, tz);
	fuzz_asctime(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	int64_t t;
	int tz;

	if (gd_msg_date_parse(in, size, &t, &tz) == 0) {
		if (tz < -TZ_MAX || tz > TZ_MAX)
			abort();
		fuzz_rfc5322(t, tz);
	}
	if (gd_msg_date_parse_asctime(in, size, &t) == 0 && t >= T_1900 &&
	    t <= T_9999)
		fuzz_asctime(t);
	fuzz_from_bytes(data, size);
	return 0;
}
