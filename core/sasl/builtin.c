/*
 * builtin.c — plaintext logins outside SASL (IMAP LOGIN, POP3 USER/PASS)
 * and POP3 APOP, run as built-in one-step mechanisms so that they go
 * through the same pool, policy and logging as every mechanism.
 *
 * Their input is packed by the entry points: "user\0password" and
 * "user\0timestamp\0digest".
 */
#include "config.h"

#include <string.h>

#include <nettle/md5.h>

#include <gumdrop/conn.h>
#include <gumdrop/pool.h>

#include "sasl-private.h"

#define BUILTIN_USER_MAX	1024

static enum gd_sasl_status
builtin_password_step(struct gd_sasl_exchange *x, void *state,
    const void *in, size_t len, struct gd_sasl_step *out)
{
	const char *user = in;
	size_t ulen = strlen(user);
	struct gd_realm_user *u;
	int ret;

	(void)state;
	ret = gd_sasl_x_verify_password(x, user, user + ulen + 1,
	    len - ulen - 1, &u);
	if (ret <= 0) {
		out->reason = ret < 0 ? GD_SASL_TEMPORARY :
		    GD_SASL_BAD_CREDENTIALS;
		return GD_SASL_FAILURE;
	}
	out->authcid = user;
	out->user = u;
	return GD_SASL_SUCCESS;
}

const struct gd_sasl_mech gd_sasl_builtin_password = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "PASSWORD",
	.flags = GD_SASL_MECH_PLAINTEXT,
	.step = builtin_password_step,
};

/* Lower-case hex MD5 of timestamp + secret into hex[33]. */
static void
builtin_apop_digest(const char *timestamp, const char *secret, size_t slen,
    char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t d[MD5_DIGEST_SIZE];
	struct md5_ctx ctx;
	int i;

	md5_init(&ctx);
	md5_update(&ctx, strlen(timestamp), (const uint8_t *)timestamp);
	md5_update(&ctx, slen, (const uint8_t *)secret);
	md5_digest(&ctx, sizeof(d), d);
	for (i = 0; i < MD5_DIGEST_SIZE; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[32] = '\0';
}

static enum gd_sasl_status
builtin_apop_step(struct gd_sasl_exchange *x, void *state, const void *in,
    size_t len, struct gd_sasl_step *out)
{
	const char *user = in, *ts = user + strlen(user) + 1;
	const char *digest = ts + strlen(ts) + 1, *secret;
	struct gd_realm_user *u;
	size_t slen;
	char hex[33];
	int ret;

	(void)state;
	(void)len;
	out->authcid = user;
	ret = gd_sasl_x_plain_secret(x, user, &secret, &slen, &u);
	if (ret < 0) {
		out->reason = GD_SASL_TEMPORARY;
		return GD_SASL_FAILURE;
	}
	/* Without a secret, the stand-in is hashed: the same work. */
	builtin_apop_digest(ts, secret, slen, hex);
	if (!gd_sasl_secret_equal(hex, 32, digest, strlen(digest)) ||
	    ret == 0) {
		out->reason = GD_SASL_BAD_CREDENTIALS;
		return GD_SASL_FAILURE;
	}
	out->user = u;
	return GD_SASL_SUCCESS;
}

const struct gd_sasl_mech gd_sasl_builtin_apop = {
	.size = sizeof(struct gd_sasl_mech),
	.name = "APOP",
	.step = builtin_apop_step,
};

/* Pack NUL-separated fields into buf; false when too long. */
static bool
builtin_pack(char *buf, size_t size, size_t *len_r, const char *a,
    const void *b, size_t blen, const char *c)
{
	size_t alen = strlen(a), clen = c != NULL ? strlen(c) + 1 : 0;

	if (alen + 1 + blen + clen + 1 > size)
		return false;
	/* UNSAFE: total checked against size above. */
	memcpy(buf, a, alen + 1);
	memcpy(buf + alen + 1, b, blen);
	buf[alen + 1 + blen] = '\0';
	if (c != NULL)
		memcpy(buf + alen + 1 + blen + 1, c, clen);
	*len_r = alen + 1 + blen + (c != NULL ? 1 + clen - 1 : 0);
	return true;
}

int
gd_sasl_password(struct gd_conn *conn, const char *label, const char *user,
    const void *password, size_t len, gd_sasl_done_fn *done, void *arg,
    struct gd_sasl **sasl_r, enum gd_sasl_reason *reason_r)
{
	const struct gd_sasl_settings *s = gd_conn_sasl_settings(conn);
	char buf[2 * BUILTIN_USER_MAX + 2];
	size_t blen;
	int ret;

	*sasl_r = NULL;
	*reason_r = GD_SASL_MECH_UNAVAILABLE;
	if (s == NULL)
		return -1;
	if (!gd_sasl_plaintext_ok(conn)) {
		*reason_r = GD_SASL_ENCRYPTION_REQUIRED;
		return -1;
	}
	*reason_r = GD_SASL_MALFORMED;
	if (len > BUILTIN_USER_MAX || memchr(password, '\0', len) != NULL ||
	    !builtin_pack(buf, sizeof(buf), &blen, user, password, len, NULL))
		return -1;
	ret = gd_sasl_begin(conn, s, &gd_sasl_builtin_password, label, buf,
	    blen, false, done, arg, sasl_r, reason_r);
	memset(buf, 0, sizeof(buf));
	return ret;
}

int
gd_sasl_apop(struct gd_conn *conn, const char *user, const char *timestamp,
    const char *digest, gd_sasl_done_fn *done, void *arg,
    struct gd_sasl **sasl_r, enum gd_sasl_reason *reason_r)
{
	const struct gd_sasl_settings *s = gd_conn_sasl_settings(conn);
	char buf[3 * BUILTIN_USER_MAX];
	size_t blen;

	*sasl_r = NULL;
	*reason_r = GD_SASL_MECH_UNAVAILABLE;
	if (s == NULL)
		return -1;
	*reason_r = GD_SASL_MALFORMED;
	if (strlen(timestamp) > BUILTIN_USER_MAX ||
	    !builtin_pack(buf, sizeof(buf), &blen, user, timestamp,
	    strlen(timestamp), digest))
		return -1;
	return gd_sasl_begin(conn, s, &gd_sasl_builtin_apop, "APOP", buf,
	    blen, false, done, arg, sasl_r, reason_r);
}
