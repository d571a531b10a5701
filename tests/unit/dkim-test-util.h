/*
 * dkim-test-util.h — DNS answers from a table for the dkim engine's tests
 * (the verifier's struct gd_dkim_dns_ops), answered inline or deferred
 * until dkim_test_dns_flush(), and the RFC 8463 Appendix A vectors.
 */
#ifndef DKIM_TEST_UTIL_H
#define DKIM_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "dkim-engine.h"

struct dkim_test_rr {
	const char *name;
	enum gd_dkim_dns_status status;
	const char *txt;	/* NULL: no record */
	const char *txt2;	/* a second record, or NULL */
};

struct dkim_test_pending {
	const struct dkim_test_rr *rr;
	gd_dkim_dns_done_fn *done;
	void *arg;
	bool live;
};

struct dkim_test_dns {
	const struct dkim_test_rr *rrs;
	size_t nrrs;
	bool deferred;
	struct dkim_test_pending pend[16];
	size_t npend;
	unsigned queries, cancels;
};

static const struct dkim_test_rr dkim_test_nx __attribute__((unused)) = {
	"", GD_DKIM_DNS_NXDOMAIN, NULL, NULL };

static inline void
dkim_test_answer(const struct dkim_test_rr *rr, gd_dkim_dns_done_fn *done,
    void *arg)
{
	struct gd_dkim_txt t[2];
	size_t n = 0;

	if (rr->txt != NULL) {
		t[n].text = rr->txt;
		t[n++].len = strlen(rr->txt);
	}
	if (rr->txt2 != NULL) {
		t[n].text = rr->txt2;
		t[n++].len = strlen(rr->txt2);
	}
	done(arg, rr->status, t, n);
}

static inline void *
dkim_test_start(void *ctx, const char *name, gd_dkim_dns_done_fn *done,
    void *arg)
{
	struct dkim_test_dns *d = ctx;
	const struct dkim_test_rr *rr = &dkim_test_nx;
	size_t i;

	d->queries++;
	for (i = 0; i < d->nrrs; i++)
		if (strcmp(d->rrs[i].name, name) == 0)
			rr = &d->rrs[i];
	if (!d->deferred) {
		dkim_test_answer(rr, done, arg);
		return d;
	}
	if (d->npend == 16)
		return NULL;
	d->pend[d->npend] = (struct dkim_test_pending){ rr, done, arg, true };
	return &d->pend[d->npend++];
}

static inline void
dkim_test_cancel(void *ctx, void *h)
{
	struct dkim_test_dns *d = ctx;
	struct dkim_test_pending *p = h;

	d->cancels++;
	p->live = false;
}

/* Answer the deferred queries, in order. */
static inline void
dkim_test_dns_flush(struct dkim_test_dns *d)
{
	size_t i;

	for (i = 0; i < d->npend; i++)
		if (d->pend[i].live) {
			d->pend[i].live = false;
			dkim_test_answer(d->pend[i].rr, d->pend[i].done,
			    d->pend[i].arg);
		}
}

static inline struct gd_dkim_dns_ops
dkim_test_ops(struct dkim_test_dns *d)
{
	return (struct gd_dkim_dns_ops){ dkim_test_start, dkim_test_cancel,
	    d };
}

/* RFC 8463 Appendix A: keys (A.1, A.2) and the signed message (A.3). */
#define RFC8463_ED_PRIV "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
#define RFC8463_ED_REC \
	"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RFC8463_RSA_REC \
	"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR" \
	"iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3Fut" \
	"ACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2" \
	"EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
#define RFC8463_ED_SIG \
	"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n" \
	" d=football.example.com; i=@football.example.com;\r\n" \
	" q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n" \
	" subject : date : message-id : from : subject : date;\r\n" \
	" bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n" \
	" b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n" \
	" Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
#define RFC8463_ED_B \
	"/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus" \
	"Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw=="
#define RFC8463_RSA_SIG \
	"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n" \
	" d=football.example.com; i=@football.example.com;\r\n" \
	" q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n" \
	" date : message-id : from : subject : date;\r\n" \
	" bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n" \
	" b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n" \
	" DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n" \
	" dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
#define RFC8463_HEADER \
	"From: Joe SixPack <joe@football.example.com>\r\n" \
	"To: Suzie Q <suzie@shopping.example.net>\r\n" \
	"Subject: Is dinner ready?\r\n" \
	"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n" \
	"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
#define RFC8463_BODY \
	"\r\n" \
	"Hi.\r\n" \
	"\r\n" \
	"We lost the game.  Are you hungry yet?\r\n" \
	"\r\n" \
	"Joe.\r\n"
#define RFC8463_MSG RFC8463_ED_SIG RFC8463_RSA_SIG RFC8463_HEADER \
	RFC8463_BODY

static const struct dkim_test_rr rfc8463_rrs[] __attribute__((unused)) = {
	{ "brisbane._domainkey.football.example.com", GD_DKIM_DNS_OK,
	    RFC8463_ED_REC, NULL },
	{ "test._domainkey.football.example.com", GD_DKIM_DNS_OK,
	    RFC8463_RSA_REC, NULL },
};

/* The PKCS#8 PEM of the RFC 8463 Ed25519 private key (RFC 8410: a fixed
 * DER prefix and the 32-byte seed). */
static inline char *
dkim_test_ed_pem(const char *seed_b64)
{
	static const uint8_t pre[] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30,
	    0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };
	uint8_t der[48];
	size_t n;
	char *pem = malloc(200);

	memcpy(der, pre, sizeof(pre));
	if (dkim_b64_decode(seed_b64, strlen(seed_b64), der + 16, 32, &n) < 0
	    || n != 32)
		abort();
	strcpy(pem, "-----BEGIN PRIVATE KEY-----\n");
	base64_encode_raw(pem + strlen(pem), sizeof(der), der);
	pem[28 + BASE64_ENCODE_RAW_LENGTH(sizeof(der))] = '\0';
	strcpy(pem + strlen(pem), "\n-----END PRIVATE KEY-----\n");
	return pem;
}

/* Verify `msg` fed in pieces of `step` bytes, the deferred DNS answers
 * flushed; the caller reads the results and destroys the verifier. */
static inline struct gd_dkim_verifier *
dkim_test_run(const char *msg, size_t step,
    const struct gd_dkim_verify_opts *opts, struct dkim_test_dns *d,
    struct gd_dkim_dns_ops *ops)
{
	struct gd_dkim_verifier *v;
	size_t len = strlen(msg), off, n;

	*ops = dkim_test_ops(d);
	v = dkim_verify_create(opts, ops);
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		dkim_verify_write(v, msg + off, n);
	}
	if (dkim_verify_finish(v, NULL, NULL) == 0)
		dkim_test_dns_flush(d);
	return v;
}

#endif /* DKIM_TEST_UTIL_H */
