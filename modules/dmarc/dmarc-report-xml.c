/*
 * dmarc-report-xml.c — the XML of one aggregate report: RFC 9990
 * (namespace urn:ietf:params:xml:ns:dmarc-2.0) or RFC 7489 Appendix C
 * (no namespace, pct, envelope_from and SPF scope required).  Every text
 * value is escaped; the enumerated values were checked by the parser.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc-report.h"

void
dmarc_buf_add(struct dmarc_buf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 4096 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
dmarc_buf_free(struct dmarc_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void
dmarc_xml_raw(struct dmarc_buf *b, const char *s)
{
	dmarc_buf_add(b, s, strlen(s));
}

/* Text escaped for element content: & < > and control bytes. */
static void
dmarc_xml_text(struct dmarc_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '&')
			dmarc_xml_raw(b, "&amp;");
		else if (*s == '<')
			dmarc_xml_raw(b, "&lt;");
		else if (*s == '>')
			dmarc_xml_raw(b, "&gt;");
		else if ((unsigned char)*s < 0x20 && *s != '\t')
			dmarc_xml_raw(b, "?");
		else
			dmarc_buf_add(b, s, 1);
	}
}

/* INDENT<name>value</name>\n; "-" (the store's "none") as empty. */
static void
dmarc_xml_elem(struct dmarc_buf *b, const char *indent, const char *name,
    const char *value)
{
	dmarc_xml_raw(b, indent);
	dmarc_xml_raw(b, "<");
	dmarc_xml_raw(b, name);
	dmarc_xml_raw(b, ">");
	dmarc_xml_text(b, strcmp(value, "-") == 0 ? "" : value);
	dmarc_xml_raw(b, "</");
	dmarc_xml_raw(b, name);
	dmarc_xml_raw(b, ">\n");
}

static void
dmarc_xml_metadata(struct dmarc_buf *b, const struct dmarc_report_conf *c,
    const struct dmarc_report_meta *m)
{
	char num[32];

	dmarc_xml_raw(b, "  <report_metadata>\n");
	dmarc_xml_elem(b, "    ", "org_name", c->org_name);
	dmarc_xml_elem(b, "    ", "email", c->email);
	dmarc_xml_elem(b, "    ", "report_id", m->report_id);
	dmarc_xml_raw(b, "    <date_range>\n");
	(void)snprintf(num, sizeof(num), "%lld", m->begin);
	dmarc_xml_elem(b, "      ", "begin", num);
	(void)snprintf(num, sizeof(num), "%lld", m->end);
	dmarc_xml_elem(b, "      ", "end", num);
	dmarc_xml_raw(b, "    </date_range>\n  </report_metadata>\n");
}

/* sp defaults to p (RFC 9989 4.7); both schemas require it. */
static void
dmarc_xml_policy(struct dmarc_buf *b, const struct dmarc_report_conf *c,
    const struct dmarc_report_meta *m, const struct dmarc_rec_row *r)
{
	bool v7489 = c->format == DMARC_REPORT_RFC7489;
	const char *sp = r->f[DMARC_REC_SP];

	dmarc_xml_raw(b, "  <policy_published>\n");
	dmarc_xml_elem(b, "    ", "domain", m->policy_domain);
	if (!v7489 && c->discovery != NULL)
		dmarc_xml_elem(b, "    ", "discovery_method", c->discovery);
	dmarc_xml_elem(b, "    ", "adkim", r->f[DMARC_REC_ADKIM]);
	dmarc_xml_elem(b, "    ", "aspf", r->f[DMARC_REC_ASPF]);
	dmarc_xml_elem(b, "    ", "p", r->f[DMARC_REC_P]);
	dmarc_xml_elem(b, "    ", "sp", strcmp(sp, "-") == 0 ?
	    r->f[DMARC_REC_P] : sp);
	if (!v7489 && strcmp(r->f[DMARC_REC_TESTING], "-") != 0)
		dmarc_xml_elem(b, "    ", "testing", r->f[DMARC_REC_TESTING]);
	if (v7489)
		dmarc_xml_elem(b, "    ", "pct", r->f[DMARC_REC_PCT]);
	if (v7489 || m->fo[0] != '\0')
		dmarc_xml_elem(b, "    ", "fo", m->fo[0] != '\0' ? m->fo :
		    "0");
	dmarc_xml_raw(b, "  </policy_published>\n");
}

/*
 * RFC 7489's IPAddress pattern knows only the full IPv6 form: eight
 * groups, no "::" (RFC 9990 accepts RFC 5952 text as stored).
 */
static const char *
dmarc_xml_ip(const char *ip, bool full, char *buf, size_t size)
{
	unsigned char a[16];
	int i, n = 0;

	if (!full || strchr(ip, ':') == NULL || inet_pton(AF_INET6, ip, a) != 1)
		return ip;
	for (i = 0; i < 16; i += 2)
		n += snprintf(buf + n, size - (size_t)n, "%s%x", i > 0 ? ":" :
		    "", (unsigned)(a[i] << 8 | a[i + 1]));
	return buf;
}

static void
dmarc_xml_row(struct dmarc_buf *b, const struct dmarc_report_conf *c,
    const struct dmarc_rec_row *r)
{
	char num[32], ip[48];

	dmarc_xml_raw(b, "    <row>\n");
	dmarc_xml_elem(b, "      ", "source_ip",
	    dmarc_xml_ip(r->f[DMARC_REC_IP],
	    c->format == DMARC_REPORT_RFC7489, ip, sizeof(ip)));
	(void)snprintf(num, sizeof(num), "%u", r->count);
	dmarc_xml_elem(b, "      ", "count", num);
	dmarc_xml_raw(b, "      <policy_evaluated>\n");
	dmarc_xml_elem(b, "        ", "disposition",
	    r->f[DMARC_REC_DISPOSITION]);
	dmarc_xml_elem(b, "        ", "dkim", r->f[DMARC_REC_DKIM_ALIGNED]);
	dmarc_xml_elem(b, "        ", "spf", r->f[DMARC_REC_SPF_ALIGNED]);
	dmarc_xml_raw(b, "      </policy_evaluated>\n    </row>\n");
}

/*
 * The identifiers and auth_results.  The line has no envelope domain of
 * its own: the SPF-checked domain is the MAIL FROM domain, which is
 * what envelope_from means, unless the scope is helo (the null sender:
 * no MAIL FROM domain; RFC 7489's required element is then empty).  A
 * v1 line's scope is unknown ("-"): mfrom, as SPF checks MAIL FROM.
 */
static void
dmarc_xml_auth(struct dmarc_buf *b, const struct dmarc_report_conf *c,
    const struct dmarc_rec_row *r)
{
	const char *scope = r->f[DMARC_REC_SPF_SCOPE];
	bool helo = strcmp(scope, "helo") == 0;
	size_t i;

	dmarc_xml_raw(b, "    <identifiers>\n");
	if (c->format == DMARC_REPORT_RFC7489)
		dmarc_xml_elem(b, "      ", "envelope_from", helo ? "-" :
		    r->f[DMARC_REC_SPF_DOMAIN]);
	else if (!helo && strcmp(r->f[DMARC_REC_SPF_DOMAIN], "-") != 0)
		dmarc_xml_elem(b, "      ", "envelope_from",
		    r->f[DMARC_REC_SPF_DOMAIN]);
	dmarc_xml_elem(b, "      ", "header_from",
	    r->f[DMARC_REC_HEADER_FROM]);
	dmarc_xml_raw(b, "    </identifiers>\n    <auth_results>\n");
	for (i = 0; i < r->ndkim; i++) {
		dmarc_xml_raw(b, "      <dkim>\n");
		dmarc_xml_elem(b, "        ", "domain", r->dkim[i].domain);
		dmarc_xml_elem(b, "        ", "selector",
		    r->dkim[i].selector);
		dmarc_xml_elem(b, "        ", "result", r->dkim[i].result);
		dmarc_xml_raw(b, "      </dkim>\n");
	}
	dmarc_xml_raw(b, "      <spf>\n");
	dmarc_xml_elem(b, "        ", "domain", r->f[DMARC_REC_SPF_DOMAIN]);
	if (strcmp(scope, "-") != 0)
		dmarc_xml_elem(b, "        ", "scope", scope);
	else if (c->format == DMARC_REPORT_RFC7489)
		dmarc_xml_elem(b, "        ", "scope", "mfrom");
	dmarc_xml_elem(b, "        ", "result", r->f[DMARC_REC_SPF]);
	dmarc_xml_raw(b, "      </spf>\n    </auth_results>\n");
}

int
dmarc_report_xml(struct dmarc_buf *b, const struct dmarc_report_conf *c,
    const struct dmarc_report_meta *m, const struct dmarc_rec_row *rows,
    size_t nrows)
{
	size_t i;

	dmarc_xml_raw(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	dmarc_xml_raw(b, c->format == DMARC_REPORT_RFC7489 ? "<feedback>\n" :
	    "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n");
	dmarc_xml_raw(b, "  <version>1.0</version>\n");
	dmarc_xml_metadata(b, c, m);
	dmarc_xml_policy(b, c, m, &rows[0]);
	for (i = 0; i < nrows; i++) {
		dmarc_xml_raw(b, "  <record>\n");
		dmarc_xml_row(b, c, &rows[i]);
		dmarc_xml_auth(b, c, &rows[i]);
		dmarc_xml_raw(b, "  </record>\n");
	}
	dmarc_xml_raw(b, "</feedback>\n");
	return b->failed ? -1 : 0;
}
