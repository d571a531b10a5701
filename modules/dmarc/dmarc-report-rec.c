/*
 * dmarc-report-rec.c — the lines of the report data (dmarc-store.c, v1
 * and v2) read back: split, checked against the values the report
 * schema allows, ordered and grouped per source and results.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc-report.h"

static bool
dmarc_rec_one_of(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static const char *const dmarc_rec_policies[] = { "none", "quarantine",
    "reject", NULL };
static const char *const dmarc_rec_policies_opt[] = { "none", "quarantine",
    "reject", "-", NULL };
static const char *const dmarc_rec_rs[] = { "r", "s", NULL };
static const char *const dmarc_rec_passfail[] = { "pass", "fail", NULL };
static const char *const dmarc_rec_dmarc[] = { "pass", "fail", "none",
    "temperror", "permerror", NULL };
static const char *const dmarc_rec_spf[] = { "none", "neutral", "pass",
    "fail", "softfail", "temperror", "permerror", NULL };
static const char *const dmarc_rec_scope[] = { "mfrom", "helo", "-",
    NULL };
static const char *const dmarc_rec_yn[] = { "y", "n", "-", NULL };
static const char *const dmarc_rec_dkim_res[] = { "none", "pass", "fail",
    "policy", "neutral", "temperror", "permerror", NULL };

static bool
dmarc_rec_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static bool
dmarc_rec_pct(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s >= '0' && *s <= '9' && *end == '\0' && v >= 0 && v <= 100;
}

/* The enumerated fields; NULL, or what is wrong. */
static const char *
dmarc_rec_check(const struct dmarc_rec_row *r)
{
	if (!dmarc_rec_ip(r->f[DMARC_REC_IP]))
		return "bad source address";
	if (!dmarc_rec_one_of(r->f[DMARC_REC_P], dmarc_rec_policies) ||
	    !dmarc_rec_one_of(r->f[DMARC_REC_SP], dmarc_rec_policies_opt) ||
	    !dmarc_rec_one_of(r->f[DMARC_REC_NP], dmarc_rec_policies_opt) ||
	    !dmarc_rec_one_of(r->f[DMARC_REC_DISPOSITION], dmarc_rec_policies))
		return "bad policy value";
	if (!dmarc_rec_one_of(r->f[DMARC_REC_ADKIM], dmarc_rec_rs) ||
	    !dmarc_rec_one_of(r->f[DMARC_REC_ASPF], dmarc_rec_rs) ||
	    !dmarc_rec_pct(r->f[DMARC_REC_PCT]))
		return "bad alignment mode or pct";
	if (!dmarc_rec_one_of(r->f[DMARC_REC_DMARC], dmarc_rec_dmarc) ||
	    !dmarc_rec_one_of(r->f[DMARC_REC_SPF_ALIGNED],
	    dmarc_rec_passfail) ||
	    !dmarc_rec_one_of(r->f[DMARC_REC_DKIM_ALIGNED],
	    dmarc_rec_passfail) ||
	    !dmarc_rec_one_of(r->f[DMARC_REC_SPF], dmarc_rec_spf) ||
	    !dmarc_rec_one_of(r->f[DMARC_REC_SPF_SCOPE], dmarc_rec_scope) ||
	    !dmarc_rec_one_of(r->f[DMARC_REC_TESTING], dmarc_rec_yn))
		return "bad result value";
	if (strcmp(r->f[DMARC_REC_HEADER_FROM], "-") == 0 ||
	    strcmp(r->f[DMARC_REC_POLICY_DOMAIN], "-") == 0)
		return "no domain";
	return NULL;
}

/* "result:domain:selector" split in place. */
static int
dmarc_rec_dkim(char *s, struct dmarc_rec_dkim *d)
{
	char *c1 = strchr(s, ':'), *c2;

	if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
		return -1;
	*c1 = '\0';
	*c2 = '\0';
	d->result = s;
	d->domain = c1 + 1;
	d->selector = c2 + 1;
	if (!dmarc_rec_one_of(s, dmarc_rec_dkim_res) || *d->domain == '\0' ||
	    strcmp(d->domain, "-") == 0 || *d->selector == '\0')
		return -1;
	return 0;
}

/* The fixed fields of a line of version `v`; 0 for an unknown one. */
static size_t
dmarc_rec_nfields(const char *v)
{
	if (strcmp(v, "v1") == 0)
		return DMARC_REC_SPF_SCOPE;
	if (strcmp(v, "v2") == 0)
		return DMARC_REC_NFIELDS;
	return 0;
}

int
dmarc_rec_parse(char *line, struct dmarc_rec_row *row, const char **error_r)
{
	size_t n = 0, want = DMARC_REC_NFIELDS;
	char *p = line, *tab;

	memset(row, 0, sizeof(*row));
	for (; p != NULL; p = tab != NULL ? tab + 1 : NULL) {
		if ((tab = strchr(p, '\t')) != NULL)
			*tab = '\0';
		if (*p == '\0') {
			*error_r = "empty field";
			return -1;
		}
		if (n < want)
			row->f[n++] = p;
		else if (row->ndkim < DMARC_REC_DKIM_MAX &&
		    dmarc_rec_dkim(p, &row->dkim[row->ndkim++]) != 0) {
			*error_r = "bad DKIM result";
			return -1;
		}
		if (n == 1 && (want = dmarc_rec_nfields(p)) == 0)
			break;
	}
	if (want == 0) {
		*error_r = "unknown line version";
		return -1;
	}
	if (n < want) {
		*error_r = "missing fields";
		return -1;
	}
	if (want == DMARC_REC_SPF_SCOPE)
		row->f[DMARC_REC_SPF_SCOPE] = row->f[DMARC_REC_TESTING] = "-";
	return (*error_r = dmarc_rec_check(row)) == NULL ? 0 : -1;
}

static int
dmarc_rec_cmp_fields(const struct dmarc_rec_row *a,
    const struct dmarc_rec_row *b)
{
	static const int order[] = { DMARC_REC_IP, DMARC_REC_HEADER_FROM,
	    DMARC_REC_DISPOSITION, DMARC_REC_DKIM_ALIGNED,
	    DMARC_REC_SPF_ALIGNED, DMARC_REC_SPF, DMARC_REC_SPF_DOMAIN,
	    DMARC_REC_SPF_SCOPE };
	size_t i;
	int c;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((c = strcmp(a->f[order[i]], b->f[order[i]])) != 0)
			return c;
	return 0;
}

int
dmarc_rec_cmp(const void *va, const void *vb)
{
	const struct dmarc_rec_row *a = va, *b = vb;
	size_t i;
	int c;

	if ((c = dmarc_rec_cmp_fields(a, b)) != 0)
		return c;
	if (a->ndkim != b->ndkim)
		return a->ndkim < b->ndkim ? -1 : 1;
	for (i = 0; i < a->ndkim; i++)
		if ((c = strcmp(a->dkim[i].result, b->dkim[i].result)) != 0 ||
		    (c = strcmp(a->dkim[i].domain, b->dkim[i].domain)) != 0 ||
		    (c = strcmp(a->dkim[i].selector,
		    b->dkim[i].selector)) != 0)
			return c;
	return 0;
}

size_t
dmarc_report_group(struct dmarc_rec_row *rows, size_t nrows)
{
	size_t i, n = 0;

	if (nrows == 0)
		return 0;
	qsort(rows, nrows, sizeof(*rows), dmarc_rec_cmp);
	rows[0].count = 1;
	for (i = 1; i < nrows; i++) {
		if (dmarc_rec_cmp(&rows[n], &rows[i]) == 0) {
			rows[n].count++;
			continue;
		}
		rows[++n] = rows[i];
		rows[n].count = 1;
	}
	return n + 1;
}
