/*
 * dmarc-store.c — the data of the aggregate reports: one line per
 * evaluated message, appended to SPOOL/POLICY-DOMAIN!BEGIN!END.rec
 * (BEGIN and END: the reporting period, seconds since the epoch), for
 * policies that ask for reports (rua=).
 *
 * Crash safety: each line is one write(2) of under PIPE_BUF bytes to a
 * file opened O_APPEND, so earlier lines are never damaged and
 * concurrent workers never interleave; a line cut by a crash lacks its
 * final newline and the report builder skips it.
 *
 * The line (tab-separated, version first):
 *   v2 TIME IP HEADER-FROM POLICY-DOMAIN P SP NP ADKIM ASPF PCT
 *   DISPOSITION DMARC SPF-ALIGNED DKIM-ALIGNED SPF SPF-DOMAIN SPF-SCOPE
 *   TESTING DKIM...
 * where SPF-SCOPE is "mfrom", or "helo" for the null sender (SPF then
 * checked the HELO name), TESTING the policy's t= ("y" or "n"), and
 * DKIM... is one "result:domain:selector" per signature.  Older files
 * may hold v1 lines: the same without SPF-SCOPE and TESTING; the report
 * builder reads both.
 *
 * Beside it, SPOOL/POLICY-DOMAIN!BEGIN!END.rua, written once per period
 * (O_EXCL, one write): "fo VALUE" then one "rua URI" line per rua= URI
 * of the policy, for the report (fo) and its envelope (where the relay
 * sends it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmarc-private.h"

/* Lines stay below PIPE_BUF (4096 on Linux): one atomic append. */
#define DMARC_LINE_MAX	4000

static const char *
dmarc_store_str(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* Drop bytes that would break the line format (tabs, newlines). */
static void
dmarc_store_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			*s = '?';
}

static int
dmarc_store_head(char *buf, size_t size, time_t now, const char *ip,
    const struct gd_dmarc_input *in, const struct gd_dmarc_outcome *o)
{
	const struct gd_dmarc_record *r = &o->record;
	bool helo = in->mail_from_domain == NULL ||
	    *in->mail_from_domain == '\0';

	return snprintf(buf, size, "v2\t%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%c\t%c"
	    "\t%u\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%c", (long long)now,
	    dmarc_store_str(ip), dmarc_store_str(o->from_domain),
	    dmarc_store_str(o->policy_domain), dmarc_policy_str(r->p),
	    r->has_sp ? dmarc_policy_str(r->sp) : "-",
	    r->has_np ? dmarc_policy_str(r->np) : "-",
	    r->adkim == GD_DMARC_ALIGN_STRICT ? 's' : 'r',
	    r->aspf == GD_DMARC_ALIGN_STRICT ? 's' : 'r', r->pct,
	    dmarc_policy_str(o->disposition), dmarc_result_str(o->result),
	    o->spf_aligned ? "pass" : "fail",
	    o->dkim_aligned ? "pass" : "fail", dmarc_auth_str(o->spf),
	    dmarc_store_str(o->spf_domain), helo ? "helo" : "mfrom",
	    r->testing ? 'y' : 'n');
}

/*
 * The whole line in buf; its length, or -1 when it does not fit.  The
 * head's names are normalized by the engine; the signatures' are the
 * dkim module's, cleaned here.
 */
static int
dmarc_store_line(char *buf, size_t size, time_t now, const char *ip,
    const struct gd_dmarc_input *in, const struct gd_dmarc_outcome *o)
{
	int n = dmarc_store_head(buf, size, now, ip, in, o), m;
	char piece[600];
	size_t i;

	for (i = 0; n >= 0 && (size_t)n < size && i < in->ndkim; i++) {
		(void)snprintf(piece, sizeof(piece), "%s:%.250s:%.250s",
		    dmarc_auth_str(in->dkim[i].result),
		    dmarc_store_str(in->dkim[i].domain),
		    dmarc_store_str(in->dkim[i].selector));
		dmarc_store_clean(piece);
		m = snprintf(buf + n, size - (size_t)n, "\t%s", piece);
		n = m < 0 ? -1 : n + m;
	}
	if (n < 0 || (size_t)n + 1 >= size)
		return -1;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

static int
dmarc_store_append(const char *path, const char *line, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	ssize_t w;
	int saved;

	if (fd < 0)
		return -1;
	w = write(fd, line, len);
	saved = errno;
	(void)close(fd);
	errno = saved;
	return w == (ssize_t)len ? 0 : -1;
}

/* fo= bits as the record writes them: "0", "1:d", ... */
static void
dmarc_store_fo(unsigned fo, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *s; } bits[] = {
		{ GD_DMARC_FO_0, "0" }, { GD_DMARC_FO_1, "1" },
		{ GD_DMARC_FO_D, "d" }, { GD_DMARC_FO_S, "s" },
	};
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if ((fo & bits[i].bit) != 0) {
			if (buf[0] != '\0')
				(void)strncat(buf, ":", size - strlen(buf) - 1);
			(void)strncat(buf, bits[i].s, size - strlen(buf) - 1);
		}
	if (buf[0] == '\0')
		(void)snprintf(buf, size, "0");
}

/*
 * The period's side file, unless it exists.  URIs are cleaned like the
 * line's fields; a failure only loses the envelope's rua list.
 */
static void
dmarc_store_side(const char *path, const struct gd_dmarc_record *r)
{
	char buf[DMARC_LINE_MAX], fo[16], uri[1100];
	size_t i, n;
	int fd;

	if (access(path, F_OK) == 0)
		return;
	dmarc_store_fo(r->fo, fo, sizeof(fo));
	n = (size_t)snprintf(buf, sizeof(buf), "fo %s\n", fo);
	for (i = 0; i < r->nrua && n < sizeof(buf); i++) {
		(void)snprintf(uri, sizeof(uri), "%.1000s", r->rua[i].uri);
		dmarc_store_clean(uri);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "rua %s\n",
		    uri);
	}
	if (n >= sizeof(buf))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return;
	if (write(fd, buf, n) != (ssize_t)n)
		(void)unlink(path);
	(void)close(fd);
}

int
dmarc_store_record(const struct dmarc_config *cfg, time_t now,
    const char *client_ip, const struct gd_dmarc_input *in,
    const struct gd_dmarc_outcome *o, const char **error_r)
{
	char line[DMARC_LINE_MAX], path[4096];
	long long period, begin;
	int len;

	*error_r = NULL;
	if (cfg->spool == NULL || !o->has_record || o->record.nrua == 0 ||
	    o->policy_domain == NULL)
		return 0;
	period = (long long)(cfg->interval_ms / 1000);
	begin = (long long)now / period * period;
	len = dmarc_store_line(line, sizeof(line), now, client_ip, in, o);
	if (len < 0) {
		*error_r = "record line too long";
		return -1;
	}
	if (mkdir(cfg->spool, 0750) != 0 && errno != EEXIST) {
		*error_r = "cannot create the spool folder";
		return -1;
	}
	(void)snprintf(path, sizeof(path), "%s/%s!%lld!%lld.rec", cfg->spool,
	    o->policy_domain, begin, begin + period - 1);
	if (dmarc_store_append(path, line, (size_t)len) != 0) {
		*error_r = "cannot append to the record file";
		return -1;
	}
	(void)snprintf(path, sizeof(path), "%s/%s!%lld!%lld.rua", cfg->spool,
	    o->policy_domain, begin, begin + period - 1);
	dmarc_store_side(path, &o->record);
	return 0;
}
