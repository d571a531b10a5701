/*
 * dmarc-report.c — one aggregate report per closed period and domain:
 * read SPOOL/DOMAIN!BEGIN!END.rec (lines without their final newline, of
 * an unknown version or with bad values are skipped), group the rows,
 * write SPOOL/out/RECEIVER!DOMAIN!BEGIN!END!ID.xml.gz (RFC 9990 3) and
 * its envelope (.json: the rua= list for the relay), then remove the
 * .rec and its .rua side file (dmarc-store.c).
 *
 * The report id is a hash of receiver, domain and period: building the
 * same period again (after a crash between the rename and the unlink)
 * replaces the report instead of sending a second one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <jansson.h>

#include "dmarc-report.h"

/* Largest .rec read (about a million messages). */
#define DMARC_REPORT_FILE_MAX	(256u << 20)
/* Largest .rua side file read. */
#define DMARC_REPORT_SIDE_MAX	8192

/* The whole file, NUL-terminated, in *data_r (free()). */
static int
dmarc_report_slurp(const char *path, size_t max, char **data_r,
    size_t *len_r)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t r = 0;
	char *p;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size > max ||
	    (p = malloc((size_t)st.st_size + 1)) == NULL) {
		(void)close(fd);
		errno = errno == 0 ? EFBIG : errno;
		return -1;
	}
	*len_r = 0;
	while (*len_r < (size_t)st.st_size && (r = read(fd, p + *len_r,
	    (size_t)st.st_size - *len_r)) > 0)
		*len_r += (size_t)r;
	(void)close(fd);
	p[*len_r] = '\0';
	*data_r = p;
	return r < 0 ? (free(p), -1) : 0;
}

static const char *
dmarc_report_rchr(const char *s, char ch, size_t n)
{
	while (n > 0)
		if (s[--n] == ch)
			return s + n;
	return NULL;
}

/* "DOMAIN!BEGIN!END.rec" into its parts (domain copied into m's buf). */
static int
dmarc_report_name(const char *name, char *domain, size_t size,
    struct dmarc_report_meta *m)
{
	const char *b2, *b1, *dot = strrchr(name, '.');
	char *end;

	if (dot == NULL || strcmp(dot, ".rec") != 0 ||
	    (b2 = dmarc_report_rchr(name, '!', (size_t)(dot - name))) == NULL ||
	    (b1 = dmarc_report_rchr(name, '!', (size_t)(b2 - name))) == NULL ||
	    b1 == name || (size_t)(b1 - name) >= size)
		return -1;
	memcpy(domain, name, (size_t)(b1 - name));
	domain[b1 - name] = '\0';
	m->begin = strtoll(b1 + 1, &end, 10);
	if (end != b2 || b1[1] == '\0')
		return -1;
	m->end = strtoll(b2 + 1, &end, 10);
	if (end != dot || b2[1] == '.' || m->end < m->begin)
		return -1;
	m->policy_domain = domain;
	return 0;
}

/* The report id: 16 hex digits of SHA-256(receiver!domain!begin!end). */
static void
dmarc_report_id(const struct dmarc_report_conf *c,
    struct dmarc_report_meta *m)
{
	unsigned char h[32];
	char in[1024];
	int n, i;

	n = snprintf(in, sizeof(in), "%s!%s!%lld!%lld", c->receiver,
	    m->policy_domain, m->begin, m->end);
	if (n < 0 || gnutls_hash_fast(GNUTLS_DIG_SHA256, in,
	    (size_t)n < sizeof(in) ? (size_t)n : sizeof(in) - 1, h) != 0)
		memset(h, 0, sizeof(h));
	for (i = 0; i < 8; i++)
		(void)snprintf(m->report_id + 2 * i, 3, "%02x", h[i]);
}

/*
 * The rows of the file: complete lines parsed in place.  *rows_r
 * (free()) gets the valid ones; skipped counted in st.
 */
static size_t
dmarc_report_rows(char *data, size_t len, struct dmarc_rec_row **rows_r,
    struct dmarc_report_stats *st)
{
	size_t n = 0, cap = 0;
	struct dmarc_rec_row *rows = NULL, *nr;
	char *line = data, *nl;
	const char *error;

	for (; line < data + len; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(data + len - line))) ==
		    NULL) {
			st->skipped++;		/* cut by a crash */
			break;
		}
		*nl = '\0';
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((nr = realloc(rows, cap * sizeof(*rows))) == NULL)
				break;
			rows = nr;
		}
		if (dmarc_rec_parse(line, &rows[n], &error) == 0)
			n++;
		else
			st->skipped++;
	}
	*rows_r = rows;
	return n;
}

/*
 * The side file SPOOL/DOMAIN!BEGIN!END.rua: "fo VALUE" and "rua URI"
 * lines.  The URIs go to the JSON array, fo= to m.
 */
static void
dmarc_report_side(const char *path, struct dmarc_report_meta *m,
    json_t *rua)
{
	char *data, *line, *nl;
	size_t len;

	if (dmarc_report_slurp(path, DMARC_REPORT_SIDE_MAX, &data, &len) != 0)
		return;
	for (line = data; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		if (strncmp(line, "rua ", 4) == 0 && line[4] != '\0')
			(void)json_array_append_new(rua,
			    json_string(line + 4));
		else if (strncmp(line, "fo ", 3) == 0 &&
		    strlen(line + 3) < sizeof(m->fo))
			(void)strcpy(m->fo, line + 3);
	}
	free(data);
}

static char *
dmarc_report_envelope(const struct dmarc_report_conf *c,
    const struct dmarc_report_meta *m, const char *report, json_t *rua)
{
	json_t *o;
	char *s;

	o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:O}", "report",
	    report, "policy-domain", m->policy_domain, "report-id",
	    m->report_id, "begin", (json_int_t)m->begin, "end",
	    (json_int_t)m->end, "format", c->format == DMARC_REPORT_RFC7489 ?
	    "rfc7489" : "rfc9990", "rua", rua);
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

/* XML, gzip, the two files in SPOOL/out. */
static int
dmarc_report_emit(const struct dmarc_report_conf *c,
    struct dmarc_report_meta *m, const char *side, struct dmarc_rec_row *rows,
    size_t n, const char **error_r)
{
	struct dmarc_buf xml = { 0 }, gz = { 0 };
	char out[4096], base[1024], file[1100], *env = NULL;
	json_t *rua = json_array();
	int rc = -1;

	dmarc_report_side(side, m, rua);
	(void)snprintf(out, sizeof(out), "%s/out", c->spool);
	(void)snprintf(base, sizeof(base), "%s!%s!%lld!%lld!%s", c->receiver,
	    m->policy_domain, m->begin, m->end, m->report_id);
	*error_r = "out of memory";
	if (rua == NULL || dmarc_report_xml(&xml, c, m, rows, n) != 0 ||
	    dmarc_report_gzip(xml.p, xml.len, &gz) != 0)
		goto done;
	(void)snprintf(file, sizeof(file), "%s.xml.gz", base);
	*error_r = "cannot write the report";
	if ((mkdir(out, 0750) != 0 && errno != EEXIST) ||
	    dmarc_report_write(out, file, gz.p, gz.len) != 0 ||
	    (env = dmarc_report_envelope(c, m, file, rua)) == NULL)
		goto done;
	(void)snprintf(file, sizeof(file), "%s.json", base);
	rc = dmarc_report_write(out, file, env, strlen(env));
done:
	free(env);
	json_decref(rua);
	dmarc_buf_free(&xml);
	dmarc_buf_free(&gz);
	return rc;
}

/* SPOOL/NAME and its side file SPOOL/NAME-without-.rec.rua */
static void
dmarc_report_paths(const struct dmarc_report_conf *c, const char *name,
    char *rec, char *side, size_t size)
{
	(void)snprintf(rec, size, "%s/%s", c->spool, name);
	(void)snprintf(side, size, "%s/%.*s.rua", c->spool,
	    (int)(strlen(name) - 4), name);
}

int
dmarc_report_build(const struct dmarc_report_conf *c, const char *name,
    struct dmarc_report_stats *st, const char **error_r)
{
	struct dmarc_report_meta m;
	struct dmarc_rec_row *rows = NULL;
	char domain[256], rec[4096], side[4096], *data;
	size_t len, n;
	int rc = 0;

	memset(&m, 0, sizeof(m));
	*error_r = "not a report data file name";
	if (dmarc_report_name(name, domain, sizeof(domain), &m) != 0)
		return -1;
	dmarc_report_paths(c, name, rec, side, sizeof(rec));
	*error_r = "cannot read the report data";
	if (dmarc_report_slurp(rec, DMARC_REPORT_FILE_MAX, &data, &len) != 0)
		return -1;
	n = dmarc_report_group(rows, dmarc_report_rows(data, len, &rows, st));
	dmarc_report_id(c, &m);
	if (n == 0)
		st->empty++;
	else if ((rc = dmarc_report_emit(c, &m, side, rows, n, error_r)) ==
	    0) {
		st->reports++;
		st->records += (unsigned)n;
	}
	free(rows);
	free(data);
	if (rc == 0 && (unlink(rec) != 0 || (unlink(side) != 0 &&
	    errno != ENOENT))) {
		*error_r = "cannot remove the report data";
		rc = -1;
	}
	return rc;
}

/* "DOMAIN!BEGIN!END.rec" whose END + 1 < now. */
static bool
dmarc_report_closed(const char *name, time_t now)
{
	struct dmarc_report_meta m;
	char domain[256];

	return dmarc_report_name(name, domain, sizeof(domain), &m) == 0 &&
	    m.end + 1 < (long long)now;
}

int
dmarc_report_run(const struct dmarc_report_conf *c, time_t now,
    struct dmarc_report_stats *st, const char **error_r)
{
	DIR *d = opendir(c->spool);
	struct dirent *e;
	const char *error;
	int failed = 0;

	*error_r = NULL;
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		*error_r = "cannot open the spool folder";
		return 1;
	}
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' &&
		    dmarc_report_closed(e->d_name, now) &&
		    dmarc_report_build(c, e->d_name, st, &error) != 0) {
			failed++;
			*error_r = error;
		}
	(void)closedir(d);
	return failed;
}
