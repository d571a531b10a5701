/*
 * dmarc-report.h — the aggregate report builder (RFC 9990; RFC 7489
 * Appendix C as an option): the pure parts (the .rec line parser, the
 * XML writer) and the file side (read a closed period's .rec, gzip,
 * write SPOOL/out/ atomically, remove the .rec).  No loop, no smtp: the
 * daemon calls it on a pool thread (dmarc-reporter.c), the unit tests
 * directly.
 */
#ifndef DMARC_REPORT_H
#define DMARC_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * Fields of a line before the signatures (dmarc-store.c).  A v1 line
 * ends at SPF_DOMAIN (its SPF scope and testing read "-": unknown); a v2
 * line adds SPF_SCOPE, "mfrom" or "helo" (the null sender's HELO check),
 * and TESTING, "y" or "n" (the policy's t= tag, RFC 9989).
 */
enum dmarc_rec_field {
	DMARC_REC_VERSION = 0, DMARC_REC_TIME, DMARC_REC_IP,
	DMARC_REC_HEADER_FROM, DMARC_REC_POLICY_DOMAIN, DMARC_REC_P,
	DMARC_REC_SP, DMARC_REC_NP, DMARC_REC_ADKIM, DMARC_REC_ASPF,
	DMARC_REC_PCT, DMARC_REC_DISPOSITION, DMARC_REC_DMARC,
	DMARC_REC_SPF_ALIGNED, DMARC_REC_DKIM_ALIGNED, DMARC_REC_SPF,
	DMARC_REC_SPF_DOMAIN, DMARC_REC_SPF_SCOPE, DMARC_REC_TESTING,
	DMARC_REC_NFIELDS
};

/* Signatures kept per line (more are ignored). */
#define DMARC_REC_DKIM_MAX	16

/* One DKIM signature of a line: pointers into the line. */
struct dmarc_rec_dkim {
	const char *result, *domain, *selector;	/* selector "-": none */
};

/* One parsed line: pointers into the caller's (modified) buffer. */
struct dmarc_rec_row {
	const char *f[DMARC_REC_NFIELDS];
	struct dmarc_rec_dkim dkim[DMARC_REC_DKIM_MAX];
	size_t ndkim;
	unsigned count;		/* messages in the group (the builder) */
};

/*
 * Parse one line (without its newline) in place: tabs and the colons of
 * the signatures become NULs.  0, or -1 with *error_r (static text) for
 * an unknown version, a missing field or a value outside the schema's
 * enumerations (the report stays valid XML whatever the file holds).
 */
int dmarc_rec_parse(char *line, struct dmarc_rec_row *row,
    const char **error_r);

/*
 * Order of rows by group: source IP, header_from, the evaluated results
 * and the auth results (time and policy fields are not part of it).
 * qsort comparator over struct dmarc_rec_row.
 */
int dmarc_rec_cmp(const void *a, const void *b);

enum dmarc_report_format {
	DMARC_REPORT_RFC9990 = 0,
	DMARC_REPORT_RFC7489,
};

/* What the builder needs to know (strings outlive the call). */
struct dmarc_report_conf {
	const char *spool;		/* the .rec folder; reports in out/ */
	const char *org_name;		/* report_metadata */
	const char *email;
	const char *receiver;		/* first part of the file name */
	const char *discovery;		/* "treewalk" or "psl" (RFC 9990) */
	enum dmarc_report_format format;
};

/* The period and identity of one report. */
struct dmarc_report_meta {
	const char *policy_domain;
	long long begin, end;
	char report_id[40];
	char fo[16];		/* the record's fo= ("0:1:d:s" at most), or "" */
};

/* A growing buffer; `failed` once an allocation failed. */
struct dmarc_buf {
	char *p;
	size_t len, cap;
	bool failed;
};

void dmarc_buf_add(struct dmarc_buf *b, const char *s, size_t n);
void dmarc_buf_free(struct dmarc_buf *b);

/*
 * The XML of one report from grouped rows (rows[i].count messages each;
 * rows[0] gives policy_published) appended to b.  0, or -1 when out of
 * memory.
 */
int dmarc_report_xml(struct dmarc_buf *b, const struct dmarc_report_conf *c,
    const struct dmarc_report_meta *m, const struct dmarc_rec_row *rows,
    size_t nrows);

/*
 * Group rows (sorted in place with dmarc_rec_cmp) into their first n
 * entries with counts; returns n.
 */
size_t dmarc_report_group(struct dmarc_rec_row *rows, size_t nrows);

/* Outcome of a build. */
struct dmarc_report_stats {
	unsigned reports;	/* reports written */
	unsigned records;	/* <record> elements in them */
	unsigned skipped;	/* lines skipped: cut, unknown version, bad */
	unsigned empty;		/* .rec files without a valid line */
};

/*
 * Build the report of SPOOL/NAME (NAME: "DOMAIN!BEGIN!END.rec"):
 * SPOOL/out/RECEIVER!DOMAIN!BEGIN!END!ID.xml.gz and, beside it,
 * the same name with .json instead of .xml.gz (the envelope: rua list,
 * period, format), both written atomically; then the .rec and its
 * .rua are removed.  A file without any valid line gives no report and
 * is removed too.  0, or -1 with *error_r (static text; errno kept).
 */
int dmarc_report_build(const struct dmarc_report_conf *c, const char *name,
    struct dmarc_report_stats *st, const char **error_r);

/*
 * Build every closed period in SPOOL (END + 1 < now).  Returns the
 * number of files that failed (each is kept for the next run), and the
 * last error in *error_r.
 */
int dmarc_report_run(const struct dmarc_report_conf *c, time_t now,
    struct dmarc_report_stats *st, const char **error_r);

/*
 * dmarc-report-file.c: gzip `in` (zlib, gzip format) into out.  0 or -1.
 */
int dmarc_report_gzip(const char *in, size_t len, struct dmarc_buf *out);

/*
 * Write `len` bytes to DIR/NAME atomically: DIR/.NAME.tmp, fsync,
 * rename, fsync of DIR.  0, or -1 (errno set).
 */
int dmarc_report_write(const char *dir, const char *name, const void *data,
    size_t len);

#endif /* DMARC_REPORT_H */
