/*
 * oauth-test-util.h — keys and tokens for realm-oauth's tests, made with
 * GnuTLS and nettle in the test: RS256, ES256, EdDSA private keys and
 * their PEM and JWK public halves, HS256 secrets, JWTs signed with any of
 * them (or with a chosen wrong key), and a tiny HTTP/1.1 introspection
 * endpoint on 127.0.0.1 that counts the requests it serves.
 */
#ifndef OAUTH_TEST_UTIL_H
#define OAUTH_TEST_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <nettle/hmac.h>

#define OT_TOKEN_MAX	8192

struct ot_key {
	const char *alg;		/* "RS256" ... "HS256" */
	gnutls_privkey_t priv;		/* NULL for HS256 */
	gnutls_pubkey_t pub;
	uint8_t secret[32];		/* HS256 */
};

static void
ot_b64url(const void *data, size_t len, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const uint8_t *p = data;
	size_t i, n = 0;
	uint32_t v;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[n++] = a[v >> 18];
		out[n++] = a[(v >> 12) & 63];
		if (i + 1 < len)
			out[n++] = a[(v >> 6) & 63];
		if (i + 2 < len)
			out[n++] = a[v & 63];
	}
	out[n] = '\0';
}

/* A new key for `alg`. */
GD_UNUSED static void
ot_key_make(struct ot_key *k, const char *alg)
{
	gnutls_pk_algorithm_t pk;
	unsigned bits;

	memset(k, 0, sizeof(*k));
	k->alg = alg;
	if (strcmp(alg, "HS256") == 0) {
		cr_assert_eq(gnutls_rnd(GNUTLS_RND_KEY, k->secret,
		    sizeof(k->secret)), 0);
		/* Printable, as a secret file is: the loader drops a final
		 * newline, which a random last byte was one time in 256. */
		for (size_t i = 0; i < sizeof(k->secret); i++)
			k->secret[i] = (uint8_t)('!' + k->secret[i] % 94);
		return;
	}
	if (strcmp(alg, "RS256") == 0) {
		pk = GNUTLS_PK_RSA;
		bits = 2048;
	} else if (strcmp(alg, "ES256") == 0) {
		pk = GNUTLS_PK_ECDSA;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
	} else {
		pk = GNUTLS_PK_EDDSA_ED25519;
		bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519);
	}
	cr_assert_eq(gnutls_privkey_init(&k->priv), 0);
	cr_assert_eq(gnutls_privkey_generate(k->priv, pk, bits, 0), 0);
	cr_assert_eq(gnutls_pubkey_init(&k->pub), 0);
	cr_assert_eq(gnutls_pubkey_import_privkey(k->pub, k->priv, 0, 0), 0);
}

GD_UNUSED static void
ot_key_free(struct ot_key *k)
{
	if (k->priv != NULL)
		gnutls_privkey_deinit(k->priv);
	if (k->pub != NULL)
		gnutls_pubkey_deinit(k->pub);
	memset(k, 0, sizeof(*k));
}

/* The public key as PEM (or the HS256 secret) into `path`. */
GD_UNUSED static void
ot_key_write(const struct ot_key *k, const char *path)
{
	gnutls_datum_t d;
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	if (k->priv == NULL)
		fwrite(k->secret, 1, sizeof(k->secret), f);
	else {
		cr_assert_eq(gnutls_pubkey_export2(k->pub, GNUTLS_X509_FMT_PEM,
		    &d), 0);
		fwrite(d.data, 1, d.size, f);
		gnutls_free(d.data);
	}
	fclose(f);
}

/* base64url of a datum, left-padded with zeros to `width` (0: as is). */
static void
ot_b64url_fixed(const gnutls_datum_t *d, size_t width, char *out)
{
	uint8_t buf[512] = { 0 };
	size_t n = width > d->size ? width : d->size;

	cr_assert_leq(n, sizeof(buf));
	memcpy(buf + (n - d->size), d->data, d->size);
	ot_b64url(buf, n, out);
}

/* One JWK (RFC 7517) of the public key, with `kid`. */
GD_UNUSED static void
ot_key_jwk(const struct ot_key *k, const char *kid, char *out, size_t size)
{
	gnutls_datum_t a = { 0 }, b = { 0 };
	gnutls_ecc_curve_t curve;
	char x[1024], y[1024];

	if (k->priv == NULL) {
		ot_b64url(k->secret, sizeof(k->secret), x);
		snprintf(out, size, "{\"kty\":\"oct\",\"kid\":\"%s\","
		    "\"k\":\"%s\"}", kid, x);
	} else if (strcmp(k->alg, "RS256") == 0) {
		cr_assert_eq(gnutls_pubkey_export_rsa_raw2(k->pub, &a, &b,
		    GNUTLS_EXPORT_FLAG_NO_LZ), 0);
		ot_b64url_fixed(&a, 0, x);
		ot_b64url_fixed(&b, 0, y);
		snprintf(out, size, "{\"kty\":\"RSA\",\"kid\":\"%s\","
		    "\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\"%s\","
		    "\"e\":\"%s\"}", kid, x, y);
	} else {
		cr_assert_eq(gnutls_pubkey_export_ecc_raw2(k->pub, &curve, &a,
		    &b, GNUTLS_EXPORT_FLAG_NO_LZ), 0);
		ot_b64url_fixed(&a, 32, x);
		if (strcmp(k->alg, "ES256") == 0) {
			ot_b64url_fixed(&b, 32, y);
			snprintf(out, size, "{\"kty\":\"EC\",\"kid\":\"%s\","
			    "\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
			    kid, x, y);
		} else
			snprintf(out, size, "{\"kty\":\"OKP\",\"kid\":\"%s\","
			    "\"crv\":\"Ed25519\",\"x\":\"%s\"}", kid, x);
	}
	gnutls_free(a.data);
	gnutls_free(b.data);
}

/* The signature of `data` with k, as JWS wants it, base64url. */
static void
ot_sign(const struct ot_key *k, const char *data, char *out)
{
	gnutls_datum_t d = { (unsigned char *)data, (unsigned)strlen(data) };
	gnutls_datum_t sig, r, s;
	uint8_t raw[64] = { 0 };
	struct hmac_sha256_ctx mac;

	if (k->priv == NULL) {
		hmac_sha256_set_key(&mac, sizeof(k->secret), k->secret);
		hmac_sha256_update(&mac, d.size, d.data);
		hmac_sha256_digest(&mac, 32, raw);
		ot_b64url(raw, 32, out);
		return;
	}
	cr_assert_eq(gnutls_privkey_sign_data2(k->priv,
	    strcmp(k->alg, "RS256") == 0 ? GNUTLS_SIGN_RSA_SHA256 :
	    strcmp(k->alg, "ES256") == 0 ? GNUTLS_SIGN_ECDSA_SHA256 :
	    GNUTLS_SIGN_EDDSA_ED25519, 0, &d, &sig), 0);
	if (strcmp(k->alg, "ES256") == 0) {
		/* DER to R || S */
		cr_assert_eq(gnutls_decode_rs_value(&sig, &r, &s), 0);
		cr_assert_leq(r.size, 33);
		cr_assert_leq(s.size, 33);
		memcpy(raw + 32 - (r.size > 32 ? 32 : r.size), r.data +
		    (r.size > 32 ? 1 : 0), r.size > 32 ? 32 : r.size);
		memcpy(raw + 64 - (s.size > 32 ? 32 : s.size), s.data +
		    (s.size > 32 ? 1 : 0), s.size > 32 ? 32 : s.size);
		ot_b64url(raw, 64, out);
		gnutls_free(r.data);
		gnutls_free(s.data);
	} else
		ot_b64url(sig.data, sig.size, out);
	gnutls_free(sig.data);
}

/* header.claims.signature: `header` and `claims` are JSON text; k NULL
 * leaves the signature empty. */
GD_UNUSED static char *
ot_jwt(const struct ot_key *k, const char *header, const char *claims)
{
	static char tok[OT_TOKEN_MAX];
	char h[2048], c[4096], sig[1024] = "";

	ot_b64url(header, strlen(header), h);
	ot_b64url(claims, strlen(claims), c);

	snprintf(tok, sizeof(tok), "%s.%s", h, c);
	if (k != NULL)
		ot_sign(k, tok, sig);
	strcat(tok, ".");
	strcat(tok, sig);
	return tok;
}

/* ---- an introspection endpoint ------------------------------------------ */

struct ot_http {
	int fd;
	unsigned short port;
	pthread_t thread;
	atomic_int hits;
	/* The answer for a token (JSON), or NULL for 404; "!401" refuses
	 * the client. */
	const char *(*answer)(const char *token, const char *auth);
};

/* Read one request: headers, then Content-Length bytes of body. */
static bool
ot_http_read(int fd, char *buf, size_t size, const char **body)
{
	size_t have = 0, need = 0;
	char *end, *cl;
	ssize_t n;

	for (;;) {
		if (have + 1 >= size ||
		    (n = read(fd, buf + have, size - 1 - have)) <= 0)
			return false;
		have += (size_t)n;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(buf, "\r\nContent-Length:");
		need = (size_t)(end + 4 - buf) + (cl != NULL ?
		    strtoul(cl + 17, NULL, 10) : 0);
		if (have >= need) {
			*body = end + 4;
			return true;
		}
	}
}

static void
ot_http_serve(struct ot_http *h, int c)
{
	char req[16384], token[OT_TOKEN_MAX], auth[256] = "", reply[16384];
	const char *body, *a, *answer;
	size_t n;

	if (!ot_http_read(c, req, sizeof(req), &body))
		return;
	atomic_fetch_add(&h->hits, 1);
	token[0] = '\0';
	if ((a = strstr(body, "token=")) != NULL) {
		n = strcspn(a + 6, "&");
		snprintf(token, sizeof(token), "%.*s", (int)n, a + 6);
	}
	if ((a = strcasestr(req, "\r\nAuthorization: ")) != NULL)
		snprintf(auth, sizeof(auth), "%.*s", (int)strcspn(a + 17,
		    "\r"), a + 17);
	answer = h->answer(token, auth);
	if (answer == NULL || strcmp(answer, "!401") == 0)
		snprintf(reply, sizeof(reply), "HTTP/1.1 %s\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n",
		    answer == NULL ? "404 Not Found" : "401 Unauthorized");
	else
		snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n%s", strlen(answer), answer);
	n = strlen(reply);
	if (write(c, reply, n) != (ssize_t)n)
		return;
}

static void *
ot_http_thread(void *arg)
{
	struct ot_http *h = arg;
	struct timeval tv = { .tv_sec = 5 };
	int c;

	/* Bounded: at most 200 requests, each under 5 s. */
	for (int i = 0; i < 200; i++) {
		if ((c = accept(h->fd, NULL, NULL)) < 0)
			break;
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ot_http_serve(h, c);
		close(c);
	}
	return NULL;
}

GD_UNUSED static void
ot_http_start(struct ot_http *h)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_geq(h->fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	cr_assert_eq(bind(h->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(h->fd, 16), 0);
	cr_assert_eq(getsockname(h->fd, (struct sockaddr *)&sin, &len), 0);
	h->port = ntohs(sin.sin_port);
	atomic_store(&h->hits, 0);
	cr_assert_eq(pthread_create(&h->thread, NULL, ot_http_thread, h), 0);
}

GD_UNUSED static void
ot_http_stop(struct ot_http *h)
{
	shutdown(h->fd, SHUT_RDWR);
	pthread_join(h->thread, NULL);
	close(h->fd);
}

#endif /* OAUTH_TEST_UTIL_H */
