/*
 * test-dkim-sign.c — the signer: RFC 8463 Appendix A reproduced byte for
 * byte (Ed25519 is deterministic), RSA and Ed25519 together under every
 * canonicalisation verified by our verifier, any split, t= x= and the
 * clock skew, l= and its policies, key flags t=s t=y, short RSA keys.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dkim-test-util.h"

#define MSG "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\n" \
	"Subject: the plan\r\nDate: Tue, 1 Dec 2026 02:00:00 +0000\r\n" \
	"Message-ID: <1@example.com>\r\n\r\nLine one.\r\n  Line  two. \r\n" \
	"\r\n\r\n"

static const char *const rfc_headers[] = { "from", "to", "subject", "date",
    "message-id" };
static const char *const rfc_over[] = { "from", "subject", "date" };

/* The b= value of the first field, FWS removed. */
static char *
b_value(const char *field)
{
	const char *p = strstr(field, " b=");
	char *out = calloc(1, strlen(field)), *q = out;

	cr_assert_not_null(p);
	for (p += 3; *p != '\0' && *p != ';'; p++) {
		if (p[0] == '\n' && p[1] != ' ' && p[1] != '\t')
			break;		/* the end of the field */
		if (dkim_is_b64char(*p))
			*q++ = *p;
	}
	return out;
}

static char *
sign_msg(const struct gd_dkim_sign_key *keys, size_t nkeys,
    const struct gd_dkim_sign_opts *o, const char *msg, size_t step)
{
	struct gd_dkim_signer *s;
	const char *err = "", *f;
	size_t off, n, len = strlen(msg);
	char *out;

	s = dkim_sign_create(keys, nkeys, o, &err);
	cr_assert_not_null(s, "%s", err);
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		dkim_sign_write(s, msg + off, n);
	}
	f = dkim_sign_finish(s, &err);
	cr_assert_not_null(f, "%s", err);
	out = malloc(strlen(f) + len + 1);
	strcpy(out, f);
	strcat(out, msg);
	dkim_sign_destroy(&s);
	return out;
}

Test(dkim_sign, rfc8463_ed25519_byte_identical)
{
	char *pem = dkim_test_ed_pem(RFC8463_ED_PRIV), *signed_msg, *b;
	struct gd_dkim_sign_key k = { "football.example.com", "brisbane",
	    GD_DKIM_ALG_ED25519_SHA256, pem, strlen(pem) };
	struct gd_dkim_sign_opts o = {
		.header_canon = GD_DKIM_CANON_RELAXED,
		.body_canon = GD_DKIM_CANON_RELAXED,
		.headers = rfc_headers, .nheaders = 5,
		.oversign = rfc_over, .noversign = 3,
		.timestamp = 1528637909, .auid = "@football.example.com",
		.query_tag = true, .h_separator = " : ",
	};

	signed_msg = sign_msg(&k, 1, &o, RFC8463_HEADER RFC8463_BODY, 1);
	cr_assert(strstr(signed_msg, "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIk"
	    "fJVOzv8=;") != NULL, "%s", signed_msg);
	b = b_value(signed_msg);
	cr_assert_str_eq(b, RFC8463_ED_B, "%s", signed_msg);
	free(b);
	free(signed_msg);
	free(pem);
}

struct keys {
	char *pem[2], *rec[2];
	struct gd_dkim_sign_key k[2];
	struct dkim_test_rr rr[2];
};

static void
make_keys(struct keys *ks, unsigned rsa_bits)
{
	const char *err;

	cr_assert_eq(dkim_keygen(GD_DKIM_ALG_RSA_SHA256, rsa_bits, &ks->pem[0],
	    &ks->rec[0], &err), 0, "%s", err);
	cr_assert_eq(dkim_keygen(GD_DKIM_ALG_ED25519_SHA256, 0, &ks->pem[1],
	    &ks->rec[1], &err), 0, "%s", err);
	ks->k[0] = (struct gd_dkim_sign_key){ "example.com", "rsa",
	    GD_DKIM_ALG_RSA_SHA256, ks->pem[0], strlen(ks->pem[0]) };
	ks->k[1] = (struct gd_dkim_sign_key){ "example.com", "ed",
	    GD_DKIM_ALG_ED25519_SHA256, ks->pem[1], strlen(ks->pem[1]) };
	ks->rr[0] = (struct dkim_test_rr){ "rsa._domainkey.example.com",
	    GD_DKIM_DNS_OK, ks->rec[0], NULL };
	ks->rr[1] = (struct dkim_test_rr){ "ed._domainkey.example.com",
	    GD_DKIM_DNS_OK, ks->rec[1], NULL };
}

static void
free_keys(struct keys *ks)
{
	free(ks->pem[0]);
	free(ks->pem[1]);
	free(ks->rec[0]);
	free(ks->rec[1]);
}

/* Verify `msg` against the keys; the two results (rsa, ed). */
static void
verify2(const char *msg, const struct keys *ks,
    const struct gd_dkim_verify_opts *o, enum gd_dkim_result want0,
    enum gd_dkim_result want1)
{
	struct dkim_test_dns d = { ks->rr, 2, false, .npend = 0 };
	struct gd_dkim_dns_ops ops;
	struct gd_dkim_verifier *v;
	const struct gd_dkim_sig_result *r;
	size_t n;

	v = dkim_test_run(msg, 13, o, &d, &ops);
	r = dkim_verify_results(v, &n);
	cr_assert_eq(n, 2, "%s", msg);
	cr_expect_eq(r[0].result, want0, "rsa: %s (%s)\n%s",
	    dkim_result_name(r[0].result), r[0].reason, msg);
	cr_expect_eq(r[1].result, want1, "ed: %s (%s)\n%s",
	    dkim_result_name(r[1].result), r[1].reason, msg);
	dkim_verify_destroy(&v);
}

Test(dkim_sign, both_algorithms_every_canon, .timeout = 60)
{
	struct keys ks;
	struct gd_dkim_sign_opts o = { .timestamp = 1000 };
	struct gd_dkim_verify_opts vo = { .now = 1000 };
	char *m, *m2, *t;
	int c;

	make_keys(&ks, 2048);
	for (c = 0; c < 4; c++) {
		o.header_canon = (enum gd_dkim_canon)(c & 1);
		o.body_canon = (enum gd_dkim_canon)(c >> 1);
		m = sign_msg(ks.k, 2, &o, MSG, 100000);
		m2 = sign_msg(ks.k, 2, &o, MSG, 1);
		cr_assert_str_eq(m, m2);
		verify2(m, &ks, &vo, GD_DKIM_PASS, GD_DKIM_PASS);
		t = strstr(m, "Line one");
		t[0] = 'l';
		verify2(m, &ks, &vo, GD_DKIM_FAIL, GD_DKIM_FAIL);
		t[0] = 'L';
		t = strstr(m, "the plan");
		t[0] = 'T';
		verify2(m, &ks, &vo, GD_DKIM_FAIL, GD_DKIM_FAIL);
		free(m);
		free(m2);
	}
	free_keys(&ks);
}

Test(dkim_sign, field_is_folded)
{
	struct keys ks;
	struct gd_dkim_sign_opts o = { .timestamp = 1000 };
	char *m, *line, *save = NULL;

	make_keys(&ks, 1024);
	m = sign_msg(ks.k, 2, &o, MSG, 100000);
	for (line = strtok_r(m, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		cr_expect_leq(strlen(line), 78, "%s", line);
	free(m);
	free_keys(&ks);
}

Test(dkim_sign, times_and_skew)
{
	struct keys ks;
	struct gd_dkim_sign_opts o = { .timestamp = 100000,
	    .expire_after = 100 };
	struct gd_dkim_verify_opts vo = { .now = 100000 };
	char *m;

	make_keys(&ks, 1024);
	m = sign_msg(ks.k, 2, &o, MSG, 100000);
	cr_assert(strstr(m, "x=100100;") != NULL);
	verify2(m, &ks, &vo, GD_DKIM_PASS, GD_DKIM_PASS);
	vo.now = 100100 + 300;		/* within the default skew */
	verify2(m, &ks, &vo, GD_DKIM_PASS, GD_DKIM_PASS);
	vo.now = 100100 + 301;
	verify2(m, &ks, &vo, GD_DKIM_PERMERROR, GD_DKIM_PERMERROR);
	vo.now = 100100 + 500;
	vo.clock_skew = 1000;
	verify2(m, &ks, &vo, GD_DKIM_PASS, GD_DKIM_PASS);
	vo.now = 100000 - 301;		/* t= in the future */
	vo.clock_skew = 0;
	verify2(m, &ks, &vo, GD_DKIM_PERMERROR, GD_DKIM_PERMERROR);
	free(m);
	free_keys(&ks);
}

Test(dkim_sign, length_tag_and_policy)
{
	struct keys ks;
	struct gd_dkim_sign_opts o = { .timestamp = 1000,
	    .length_tag = true };
	struct gd_dkim_verify_opts vo = { .now = 1000 };
	char *m, *more, *less;

	make_keys(&ks, 1024);
	m = sign_msg(ks.k, 2, &o, MSG, 100000);
	cr_assert(strstr(m, " l=26;") != NULL, "%s", m);
	verify2(m, &ks, &vo, GD_DKIM_PASS, GD_DKIM_PASS);
	more = malloc(strlen(m) + 32);
	strcpy(more, m);
	strcat(more, "Appended by a list.\r\n");
	verify2(more, &ks, &vo, GD_DKIM_PASS, GD_DKIM_PASS);
	vo.l_policy = GD_DKIM_L_PARTIAL;
	verify2(m, &ks, &vo, GD_DKIM_PASS, GD_DKIM_PASS);
	verify2(more, &ks, &vo, GD_DKIM_POLICY, GD_DKIM_POLICY);
	vo.l_policy = GD_DKIM_L_REFUSE;
	verify2(m, &ks, &vo, GD_DKIM_POLICY, GD_DKIM_POLICY);
	vo.l_policy = GD_DKIM_L_ACCEPT;
	less = strdup(m);
	strcpy(strstr(less, "  Line  two."), "\r\n");
	verify2(less, &ks, &vo, GD_DKIM_PERMERROR, GD_DKIM_PERMERROR);
	free(m);
	free(more);
	free(less);
	free_keys(&ks);
}

Test(dkim_sign, key_flags)
{
	struct keys ks;
	struct gd_dkim_sign_opts o = { .timestamp = 1000,
	    .auid = "joe@sub.example.com" };
	struct gd_dkim_verify_opts vo = { .now = 1000 };
	struct dkim_test_dns d;
	struct gd_dkim_dns_ops ops;
	struct gd_dkim_verifier *v;
	const struct gd_dkim_sig_result *r;
	char *m, rec0[1024], rec1[256];
	size_t n;

	make_keys(&ks, 1024);
	m = sign_msg(ks.k, 2, &o, MSG, 100000);
	verify2(m, &ks, &vo, GD_DKIM_PASS, GD_DKIM_PASS);
	snprintf(rec0, sizeof(rec0), "%s; t=s", ks.rec[0]);
	snprintf(rec1, sizeof(rec1), "%s; t=y", ks.rec[1]);
	ks.rr[0].txt = rec0;
	ks.rr[1].txt = rec1;
	d = (struct dkim_test_dns){ ks.rr, 2, false, .npend = 0 };
	v = dkim_test_run(m, 100, &vo, &d, &ops);
	r = dkim_verify_results(v, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(r[0].result, GD_DKIM_PERMERROR);
	cr_assert_str_eq(r[0].reason, "key t=s: i= domain is not d=");
	cr_assert_eq(r[1].result, GD_DKIM_PASS);
	cr_assert(r[1].testing);
	cr_assert_str_eq(r[1].auid, "joe@sub.example.com");
	dkim_verify_destroy(&v);
	ks.rr[0].txt = ks.rec[0];
	ks.rr[1].txt = ks.rec[1];
	free(m);
	free_keys(&ks);
}

Test(dkim_sign, short_rsa_keys)
{
	struct keys ks;
	struct gd_dkim_sign_opts o = { .timestamp = 1000 };
	struct gd_dkim_verify_opts vo = { .now = 1000 };
	char *m;

	make_keys(&ks, 768);
	m = sign_msg(ks.k, 2, &o, MSG, 100000);
	verify2(m, &ks, &vo, GD_DKIM_PERMERROR, GD_DKIM_PASS);
	vo.min_rsa_bits = 768;
	verify2(m, &ks, &vo, GD_DKIM_PASS, GD_DKIM_PASS);
	free(m);
	free_keys(&ks);
}

Test(dkim_sign, bad_keys)
{
	char *pem = dkim_test_ed_pem(RFC8463_ED_PRIV);
	struct gd_dkim_sign_key k = { "example.com", "s",
	    GD_DKIM_ALG_RSA_SHA256, pem, strlen(pem) };
	const char *err = NULL;

	cr_assert_null(dkim_sign_create(&k, 1, NULL, &err));
	cr_assert_not_null(err);
	k.pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n";
	k.pem_len = strlen(k.pem);
	k.alg = GD_DKIM_ALG_ED25519_SHA256;
	cr_assert_null(dkim_sign_create(&k, 1, NULL, &err));
	k.alg = GD_DKIM_ALG_RSA_SHA1;
	cr_assert_null(dkim_sign_create(&k, 1, NULL, &err));
	cr_assert_null(dkim_sign_create(&k, 0, NULL, &err));
	free(pem);
}

/* A key imported once (as the module does at config load) serves many
 * signers, each reproducing the RFC 8463 b=; destroying a signer or
 * restricting it to another domain leaves the shared key usable. */
Test(dkim_sign, imported_key_shared)
{
	char *pem = dkim_test_ed_pem(RFC8463_ED_PRIV), *b;
	struct gd_dkim_sign_key k = { "football.example.com", "brisbane",
	    GD_DKIM_ALG_ED25519_SHA256, pem, strlen(pem) };
	struct gd_dkim_sign_opts o = {
		.header_canon = GD_DKIM_CANON_RELAXED,
		.body_canon = GD_DKIM_CANON_RELAXED,
		.headers = rfc_headers, .nheaders = 5,
		.oversign = rfc_over, .noversign = 3,
		.timestamp = 1528637909, .auid = "@football.example.com",
		.query_tag = true, .h_separator = " : ",
	};
	const char *err = "", *f;
	struct dkim_privkey *pk;
	struct gd_dkim_signer *s;
	int i;

	pk = dkim_privkey_import(k.alg, pem, k.pem_len, &err);
	cr_assert_not_null(pk, "%s", err);
	for (i = 0; i < 3; i++) {
		s = dkim_sign_create_imported(&k, &pk, 1, &o, &err);
		cr_assert_not_null(s, "%s", err);
		if (i == 1) {
			dkim_sign_restrict(s, "other.example");
			cr_assert_eq(dkim_sign_key_count(s), 0);
			dkim_sign_destroy(&s);
			continue;
		}
		dkim_sign_write(s, RFC8463_HEADER RFC8463_BODY,
		    strlen(RFC8463_HEADER RFC8463_BODY));
		f = dkim_sign_finish(s, &err);
		cr_assert_not_null(f, "%s", err);
		b = b_value(f);
		cr_assert_str_eq(b, RFC8463_ED_B);
		free(b);
		dkim_sign_destroy(&s);
	}
	dkim_privkey_free(&pk);
	free(pem);
}
