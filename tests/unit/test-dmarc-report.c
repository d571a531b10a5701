/*
 * test-dmarc-report.c — the aggregate report builder (modules/dmarc/
 * dmarc-report*.c): a crafted .rec (two sources, repeated rows, a line
 * of an unknown version, a bad line, a last line cut by a crash) becomes
 * one gzip report in SPOOL/out whose XML validates with xmllint against
 * the RFC 9990 schema (and the RFC 7489 Appendix C one for that format),
 * with the counts, escaping, envelope and removal checked; the line
 * parser on its own; only closed periods are built.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <zlib.h>

#include "dmarc-report.h"

#define SCHEMA(f)	GD_TEST_SRCDIR "/data/dmarc/" f
#define REC_NAME	"example.org!1700000000!1700086399.rec"

static char spool[256];

static void
put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", spool, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static const char rec_text[] =
    "v1\t1700000100\t192.0.2.1\texample.org\texample.org\treject\t-\t-\t"
    "r\tr\t100\treject\tfail\tfail\tfail\tfail\tbounce.example\t"
    "fail:example.org:sel1\n"
    "v1\t1700000200\t192.0.2.1\texample.org\texample.org\treject\t-\t-\t"
    "r\tr\t100\treject\tfail\tfail\tfail\tfail\tbounce.example\t"
    "fail:example.org:sel1\n"
    "v9\tsomething\tnew\n"
    "v1\t1700000300\t2001:db8::1\tmail.example.org\texample.org\treject\t"
    "-\t-\tr\tr\t100\tnone\tpass\tfail\tpass\tsoftfail\tb&b.example\t"
    "pass:example.org:s2024\tpermerror:other.example:x\n"
    "v1\t1700000400\tnot-an-ip\texample.org\texample.org\treject\t-\t-\t"
    "r\tr\t100\treject\tfail\tfail\tfail\tfail\tbounce.example\n"
    "v1\t1700000500\t192.0.2.1\texample.org\texample.org\treject\t-\t-\t"
    "r\tr\t100\treject\tfail\tfail\tfail\tfail\tbounce.example\t"
    "fail:example.org:sel1\n"
    "v1\t1700000600\t192.0.2.1\texample.org\texample.org\treject\t-\t-\t"
    "r\tr\t100\treject\tfail\tfail\tfail\tfail\tbounce.example\n"
    "v1\t1700000700\t198.51.100.7\texample.org\texa";

static void
setup(void)
{
	(void)snprintf(spool, sizeof(spool), "/tmp/gd-dmarc-report-%d",
	    (int)getpid());
	(void)mkdir(spool, 0700);
	put(REC_NAME, rec_text);
	put("example.org!1700000000!1700086399.rua",
	    "fo 1:d\nrua mailto:agg@example.org\n"
	    "rua mailto:other@example.net\n");
}

static void
teardown(void)
{
	char cmd[300];

	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", spool);
	(void)system(cmd);
}

static struct dmarc_report_conf
conf(enum dmarc_report_format format)
{
	struct dmarc_report_conf c = {
		.spool = spool, .org_name = "Example & Co <mx>",
		.email = "dmarc@mx.test", .receiver = "mx.test",
		.discovery = "treewalk", .format = format,
	};

	return c;
}

/* The only file in SPOOL/out ending with `suffix`: its path. */
static void
find_out(const char *suffix, char *path, size_t size)
{
	char dir[300];
	struct dirent *e;
	DIR *d;
	int n = 0;

	(void)snprintf(dir, sizeof(dir), "%s/out", spool);
	d = opendir(dir);
	cr_assert_not_null(d, "SPOOL/out exists");
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name), s = strlen(suffix);

		if (l > s && strcmp(e->d_name + l - s, suffix) == 0) {
			(void)snprintf(path, size, "%s/%s", dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	cr_assert_eq(n, 1, "one %s file in out/", suffix);
}

/* Gunzip the report into SPOOL/report.xml; its text (free()). */
static char *
gunzip_report(void)
{
	char gz[600], xml[300], *buf = calloc(1, 65536);
	gzFile f;
	FILE *o;
	int n;

	find_out(".xml.gz", gz, sizeof(gz));
	cr_assert(strstr(gz, "/mx.test!example.org!1700000000!1700086399!") !=
	    NULL, "RFC 9990 file name: %s", gz);
	f = gzopen(gz, "rb");
	cr_assert_not_null(f);
	n = gzread(f, buf, 65535);
	gzclose(f);
	cr_assert_gt(n, 0);
	(void)snprintf(xml, sizeof(xml), "%s/report.xml", spool);
	o = fopen(xml, "w");
	fwrite(buf, 1, (size_t)n, o);
	fclose(o);
	return buf;
}

static int
xmllint(const char *schema)
{
	char cmd[1024];

	(void)snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s' "
	    "'%s/report.xml' 2>&1", schema, spool);
	return system(cmd);
}

TestSuite(dmarc_report, .init = setup, .fini = teardown);

Test(dmarc_report, rfc9990_report_from_rec)
{
	struct dmarc_report_conf c = conf(DMARC_REPORT_RFC9990);
	struct dmarc_report_stats st = { 0 };
	const char *error = NULL;
	char *xml, path[600];

	cr_assert_eq(dmarc_report_build(&c, REC_NAME, &st, &error), 0,
	    "build: %s", error);
	cr_expect_eq(st.reports, 1);
	cr_expect_eq(st.records, 3, "two sources, three groups");
	cr_expect_eq(st.skipped, 3, "v9, bad address, cut last line");
	xml = gunzip_report();
	cr_expect(strstr(xml, "<feedback xmlns=\"urn:ietf:params:xml:ns:"
	    "dmarc-2.0\">") != NULL);
	cr_expect(strstr(xml, "<org_name>Example &amp; Co &lt;mx&gt;"
	    "</org_name>") != NULL, "escaped org_name");
	cr_expect(strstr(xml, "<begin>1700000000</begin>") != NULL);
	cr_expect(strstr(xml, "<end>1700086399</end>") != NULL);
	cr_expect(strstr(xml, "<domain>example.org</domain>\n    "
	    "<discovery_method>treewalk</discovery_method>") != NULL);
	cr_expect(strstr(xml, "<sp>reject</sp>") != NULL, "sp defaults to p");
	cr_expect(strstr(xml, "<fo>1:d</fo>") != NULL, "fo from the .rua");
	cr_expect(strstr(xml, "<source_ip>192.0.2.1</source_ip>\n      "
	    "<count>3</count>") != NULL, "three alike rows grouped");
	cr_expect(strstr(xml, "<source_ip>2001:db8::1</source_ip>\n      "
	    "<count>1</count>") != NULL);
	cr_expect(strstr(xml, "<envelope_from>b&amp;b.example"
	    "</envelope_from>") != NULL, "escaped text");
	cr_expect(strstr(xml, "<selector>s2024</selector>") != NULL);
	cr_expect(strstr(xml, "<result>permerror</result>") != NULL);
	cr_expect(strstr(xml, "198.51.100.7") == NULL, "cut line skipped");
	cr_expect_eq(xmllint(SCHEMA("rfc9990.xsd")), 0, "valid RFC 9990");
	cr_expect_neq(xmllint(SCHEMA("rfc7489.xsd")), 0,
	    "the schema check can fail: not an RFC 7489 report");
	(void)snprintf(path, sizeof(path), "%s/%s", spool, REC_NAME);
	cr_expect_neq(access(path, F_OK), 0, "the .rec is removed");
	free(xml);
}

Test(dmarc_report, envelope_lists_rua)
{
	struct dmarc_report_conf c = conf(DMARC_REPORT_RFC9990);
	struct dmarc_report_stats st = { 0 };
	const char *error = NULL;
	char path[600];
	json_error_t je;
	json_t *env, *rua;

	cr_assert_eq(dmarc_report_build(&c, REC_NAME, &st, &error), 0);
	find_out(".json", path, sizeof(path));
	env = json_load_file(path, 0, &je);
	cr_assert_not_null(env, "%s", je.text);
	rua = json_object_get(env, "rua");
	cr_expect_eq(json_array_size(rua), 2);
	cr_expect_str_eq(json_string_value(json_array_get(rua, 0)),
	    "mailto:agg@example.org");
	cr_expect_str_eq(json_string_value(json_object_get(env, "format")),
	    "rfc9990");
	cr_expect_eq(json_integer_value(json_object_get(env, "begin")),
	    1700000000);
	cr_expect(strstr(json_string_value(json_object_get(env, "report")),
	    ".xml.gz") != NULL);
	json_decref(env);
	(void)snprintf(path, sizeof(path),
	    "%s/example.org!1700000000!1700086399.rua", spool);
	cr_expect_neq(access(path, F_OK), 0, "the .rua is removed");
}

Test(dmarc_report, rfc7489_format)
{
	struct dmarc_report_conf c = conf(DMARC_REPORT_RFC7489);
	struct dmarc_report_stats st = { 0 };
	const char *error = NULL;
	char *xml;

	cr_assert_eq(dmarc_report_build(&c, REC_NAME, &st, &error), 0);
	xml = gunzip_report();
	cr_expect(strstr(xml, "<feedback>\n") != NULL, "no namespace");
	cr_expect(strstr(xml, "<pct>100</pct>") != NULL);
	cr_expect(strstr(xml, "<scope>mfrom</scope>") != NULL);
	cr_expect(strstr(xml, "<source_ip>2001:db8:0:0:0:0:0:1</source_ip>") !=
	    NULL, "IPv6 in the full form RFC 7489's pattern wants");
	cr_expect(strstr(xml, "discovery_method") == NULL);
	cr_expect_eq(xmllint(SCHEMA("rfc7489.xsd")), 0, "valid RFC 7489");
	free(xml);
}

/* v2 lines carry the SPF scope (the null sender's SPF checked HELO) and
 * the policy's t= (here t=y). */
static const char rec_v2[] =
    "v2\t1700000100\t192.0.2.1\texample.org\texample.org\treject\t-\t-\t"
    "r\tr\t100\treject\tfail\tfail\tfail\tpass\tbounce.example\tmfrom"
    "\ty\n"
    "v2\t1700000200\t192.0.2.2\texample.org\texample.org\treject\t-\t-\t"
    "r\tr\t100\treject\tfail\tfail\tfail\tpass\tmx.sender.example\thelo"
    "\ty\tfail:example.org:sel1\n";

static char *
build_v2(enum dmarc_report_format format)
{
	struct dmarc_report_conf c = conf(format);
	struct dmarc_report_stats st = { 0 };
	const char *error = NULL;

	put(REC_NAME, rec_v2);
	cr_assert_eq(dmarc_report_build(&c, REC_NAME, &st, &error), 0,
	    "build: %s", error);
	cr_expect_eq(st.records, 2);
	cr_expect_eq(st.skipped, 0);
	return gunzip_report();
}

Test(dmarc_report, spf_scope_rfc9990)
{
	char *xml = build_v2(DMARC_REPORT_RFC9990);

	cr_expect(strstr(xml, "<domain>bounce.example</domain>\n        "
	    "<scope>mfrom</scope>") != NULL, "%s", xml);
	cr_expect(strstr(xml, "<domain>mx.sender.example</domain>\n        "
	    "<scope>helo</scope>") != NULL, "%s", xml);
	cr_expect(strstr(xml, "<envelope_from>bounce.example"
	    "</envelope_from>") != NULL);
	cr_expect(strstr(xml, "<envelope_from>mx.sender.example") == NULL,
	    "the HELO name is not the MAIL FROM domain");
	cr_expect(strstr(xml, "<testing>y</testing>") != NULL,
	    "policy_published has t=: %s", xml);
	cr_expect_eq(xmllint(SCHEMA("rfc9990.xsd")), 0, "valid RFC 9990");
	free(xml);
}

Test(dmarc_report, spf_scope_rfc7489)
{
	char *xml = build_v2(DMARC_REPORT_RFC7489);

	cr_expect(strstr(xml, "<scope>helo</scope>") != NULL, "%s", xml);
	cr_expect(strstr(xml, "<scope>mfrom</scope>") != NULL);
	cr_expect(strstr(xml, "<envelope_from></envelope_from>") != NULL,
	    "null sender: an empty envelope_from");
	cr_expect(strstr(xml, "<testing>") == NULL, "not in RFC 7489's");
	cr_expect_eq(xmllint(SCHEMA("rfc7489.xsd")), 0, "valid RFC 7489");
	free(xml);
}

Test(dmarc_report, only_closed_periods)
{
	struct dmarc_report_conf c = conf(DMARC_REPORT_RFC9990);
	struct dmarc_report_stats st = { 0 };
	const char *error = NULL;
	static const char line[] = "v1\t150\t192.0.2.9\ta.example\ta.example\t"
	    "none\t-\t-\tr\tr\t100\tnone\tfail\tfail\tfail\tnone\t-\n";
	char path[600];

	put("a.example!100!199.rec", line);
	put("b.example!900!1999.rec", line);
	put("c.example!100!199.rec", "v9\tfuture\n");
	cr_expect_eq(dmarc_report_run(&c, 1000, &st, &error), 0);
	cr_expect_eq(st.reports, 1, "a.example only (example.org's period "
	    "ends in 2023)");
	cr_expect_eq(st.empty, 1, "c.example: no valid line");
	(void)snprintf(path, sizeof(path), "%s/b.example!900!1999.rec", spool);
	cr_expect_eq(access(path, F_OK), 0, "the open period stays");
	(void)snprintf(path, sizeof(path), "%s/c.example!100!199.rec", spool);
	cr_expect_neq(access(path, F_OK), 0, "an empty period is removed");
}

Test(dmarc_report, bad_name)
{
	struct dmarc_report_conf c = conf(DMARC_REPORT_RFC9990);
	struct dmarc_report_stats st = { 0 };
	const char *error = NULL;

	cr_expect_eq(dmarc_report_build(&c, "x!1.rec", &st, &error), -1);
	cr_expect_str_eq(error, "not a report data file name");
	cr_expect_eq(dmarc_report_build(&c, "x!5!1.rec", &st, &error), -1);
	cr_expect_eq(dmarc_report_build(&c, "x!1!5.txt", &st, &error), -1);
	cr_expect_eq(dmarc_report_build(&c, "gone!1!5.rec", &st, &error), -1);
	cr_expect_str_eq(error, "cannot read the report data");
}

Test(dmarc_rec, parse_lines)
{
	char ok[] = "v1\t1\t10.0.0.1\ta.example\ta.example\tquarantine\t"
	    "reject\tnone\ts\tr\t50\tquarantine\tfail\tfail\tfail\tfail\t"
	    "a.example\tfail:a.example:sel\tpass:b.example:-";
	char v9[] = "v9\tanything";
	char v2[] = "v2\t1\t10.0.0.1\ta\ta\tnone\t-\t-\tr\tr\t100\tnone\t"
	    "fail\tfail\tfail\tpass\tmx.a\thelo\tn\tpass:a:s";
	char v2scope[] = "v2\t1\t10.0.0.1\ta\ta\tnone\t-\t-\tr\tr\t100\t"
	    "none\tfail\tfail\tfail\tpass\tmx.a\tehlo\tn";
	char v2testing[] = "v2\t1\t10.0.0.1\ta\ta\tnone\t-\t-\tr\tr\t100\t"
	    "none\tfail\tfail\tfail\tpass\tmx.a\thelo\tyes";
	char v2short[] = "v2\t1\t10.0.0.1\ta\ta\tnone\t-\t-\tr\tr\t100\t"
	    "none\tfail\tfail\tfail\tpass\tmx.a\thelo";
	char short_[] = "v1\t1\t10.0.0.1";
	char badres[] = "v1\t1\t10.0.0.1\ta\ta\tnone\t-\t-\tr\tr\t100\tnone\t"
	    "weird\tfail\tfail\tnone\t-";
	char baddkim[] = "v1\t1\t10.0.0.1\ta\ta\tnone\t-\t-\tr\tr\t100\tnone\t"
	    "fail\tfail\tfail\tnone\t-\tsoftfail:a:b";
	char empty[] = "v1\t\t10.0.0.1";
	char pct[] = "v1\t1\t10.0.0.1\ta\ta\tnone\t-\t-\tr\tr\t101\tnone\t"
	    "fail\tfail\tfail\tnone\t-";
	struct dmarc_rec_row r;
	const char *e = NULL;

	cr_assert_eq(dmarc_rec_parse(ok, &r, &e), 0, "%s", e);
	cr_expect_str_eq(r.f[DMARC_REC_PCT], "50");
	cr_expect_eq(r.ndkim, 2);
	cr_expect_str_eq(r.dkim[1].domain, "b.example");
	cr_expect_str_eq(r.dkim[1].selector, "-");
	cr_expect_str_eq(r.f[DMARC_REC_SPF_SCOPE], "-", "v1: scope unknown");
	cr_expect_str_eq(r.f[DMARC_REC_TESTING], "-", "v1: t= unknown");
	cr_expect_eq(dmarc_rec_parse(v9, &r, &e), -1);
	cr_expect_str_eq(e, "unknown line version");
	cr_assert_eq(dmarc_rec_parse(v2, &r, &e), 0, "%s", e);
	cr_expect_str_eq(r.f[DMARC_REC_SPF_SCOPE], "helo");
	cr_expect_str_eq(r.f[DMARC_REC_TESTING], "n");
	cr_expect_eq(r.ndkim, 1, "the signatures follow t=");
	cr_expect_eq(dmarc_rec_parse(v2scope, &r, &e), -1);
	cr_expect_str_eq(e, "bad result value");
	cr_expect_eq(dmarc_rec_parse(v2testing, &r, &e), -1);
	cr_expect_str_eq(e, "bad result value");
	cr_expect_eq(dmarc_rec_parse(v2short, &r, &e), -1);
	cr_expect_str_eq(e, "missing fields");
	cr_expect_eq(dmarc_rec_parse(short_, &r, &e), -1);
	cr_expect_str_eq(e, "missing fields");
	cr_expect_eq(dmarc_rec_parse(badres, &r, &e), -1);
	cr_expect_str_eq(e, "bad result value");
	cr_expect_eq(dmarc_rec_parse(baddkim, &r, &e), -1);
	cr_expect_str_eq(e, "bad DKIM result");
	cr_expect_eq(dmarc_rec_parse(empty, &r, &e), -1);
	cr_expect_str_eq(e, "empty field");
	cr_expect_eq(dmarc_rec_parse(pct, &r, &e), -1);
}
