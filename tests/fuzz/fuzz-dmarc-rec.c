/*
 * fuzz-dmarc-rec.c — libFuzzer target for the aggregate report data
 * reader (modules/dmarc/dmarc-report-rec.c and -xml.c): the input is a
 * .rec file's text; every complete line goes through the parser, the
 * valid rows are grouped and written as report XML in both formats.
 * Checks: the group counts add up to the valid lines; the XML is
 * complete and contains no raw '<' or '&' from the data (everything is
 * escaped: no element other than the builder's appears).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc-report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ROWS	256

static void
fz_xml(struct dmarc_rec_row *rows, size_t n, enum dmarc_report_format f)
{
	struct dmarc_report_conf c = { .spool = "/nonexistent",
	    .org_name = "o", .email = "e@x", .receiver = "x",
	    .discovery = "treewalk", .format = f };
	struct dmarc_report_meta m = { .policy_domain = "d", .begin = 0,
	    .end = 1, .report_id = "id", .fo = "" };
	struct dmarc_buf b = { 0 };
	const char *p;
	size_t opens = 0, closes = 0;

	if (dmarc_report_xml(&b, &c, &m, rows, n) != 0)
		abort();
	if (strstr(b.p, "</feedback>\n") == NULL)
		abort();
	for (p = b.p; (p = strchr(p, '<')) != NULL; p++)
		if (p[1] == '/')
			closes++;
		else if (p[1] != '?')
			opens++;
	if (opens != closes)
		abort();
	dmarc_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dmarc_rec_row rows[FZ_ROWS];
	char *text = malloc(size + 1), *line, *nl;
	size_t n = 0, i, g, total = 0;
	const char *error;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; n < FZ_ROWS && (nl = strchr(line, '\n')) != NULL;
	    line = nl + 1) {
		*nl = '\0';
		if (dmarc_rec_parse(line, &rows[n], &error) == 0)
			n++;
		else if (error == NULL)
			abort();
	}
	g = dmarc_report_group(rows, n);
	for (i = 0; i < g; i++)
		total += rows[i].count;
	if (total != n || g > n)
		abort();
	if (g > 0) {
		fz_xml(rows, g, DMARC_REPORT_RFC9990);
		fz_xml(rows, g, DMARC_REPORT_RFC7489);
	}
	free(text);
	return 0;
}
