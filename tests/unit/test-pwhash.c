/*
 * test-pwhash.c — libgdpwhash: entries made by doveadm and mkpasswd
 * (tests/data/realm-file/tool-users) verify; SCRAM keys against the
 * exchanges of RFC 5802 5 and RFC 7677 3; every scheme we write reads
 * back; malformed entries are refused; stand-ins match nothing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <nettle/hmac.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "pwhash/pwhash.h"

#define USERS	GD_TEST_SRCDIR "/data/realm-file/tool-users"

static const char pw_ascii[] = "correct horse";
static const char pw_utf8[] = "p\xc3\xa4ssw\xc3\xb6rd";

/* For each entry of the tool-made file: its user and password field. */
static void
each_tool_entry(void (*fn)(const char *user, const char *field))
{
	char line[1024], *colon;
	unsigned n = 0;
	FILE *f = fopen(USERS, "r");

	cr_assert_not_null(f, "%s", USERS);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		colon = strchr(line, ':');
		cr_assert_not_null(colon);
		*colon = '\0';
		fn(line, colon + 1);
		n++;
	}
	fclose(f);
	cr_assert_geq(n, 20, "only %u entries", n);
}

static const char *
password_of(const char *user)
{
	size_t n = strlen(user);

	return n > 3 && strcmp(user + n - 3, "-u8") == 0 ? pw_utf8 : pw_ascii;
}

static void
check_tool_entry(const char *user, const char *field)
{
	const char *pw = password_of(user), *error = NULL;
	char wrong[64];
	struct gd_pw e;

	cr_assert_eq(gd_pw_parse(field, strlen(field), &e, &error), 0,
	    "%s: %s", user, error);
	cr_assert_eq(gd_pw_verify(&e, pw, strlen(pw)), 1, "%s", user);
	snprintf(wrong, sizeof(wrong), "%s", pw);
	wrong[0] ^= 1;
	cr_assert_eq(gd_pw_verify(&e, wrong, strlen(wrong)), 0, "%s", user);
	cr_assert_eq(gd_pw_verify(&e, pw, strlen(pw) - 1), 0, "%s", user);
	cr_assert_eq(gd_pw_verify(&e, "", 0), 0, "%s", user);
}

Test(pwhash, basic_tool_entries_verify)
{
	each_tool_entry(check_tool_entry);
}

Test(pwhash, basic_schemes_recognised)
{
	static const struct {
		const char *field;
		enum gd_pw_scheme scheme;
	} t[] = {
		{ "{scram-sha-256}4096,AAAA,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAA=,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		    GD_PW_SCRAM },
		{ "$5$yzG5szbjm79Qi2VK$vQHQ3AswBaMBFjEvnvCdvriR1BTuM4S.vIWyfiq."
		    "Wf3", GD_PW_CRYPT },
		{ "{Md5-Crypt}$1$7av8Lh1J$GRe0AU9Qb/HzWFzfeFPI6.",
		    GD_PW_CRYPT },
		{ "{PLAIN}x", GD_PW_PLAIN },
		{ "{clear}x", GD_PW_PLAIN },
		{ "{CLEARTEXT}", GD_PW_PLAIN },
		{ "", GD_PW_NONE },
	};
	const char *error = NULL;
	struct gd_pw e;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cr_assert_eq(gd_pw_parse(t[i].field, strlen(t[i].field), &e,
		    &error), 0, "%s: %s", t[i].field, error);
		cr_assert_eq(e.scheme, t[i].scheme, "%s", t[i].field);
	}
	cr_assert_eq(gd_pw_verify(&e, "", 0), 0, "no password never matches");
}

Test(pwhash, basic_malformed_refused)
{
	static const char *const bad[] = {
		"{NOPE}abc",
		"{SHA256",
		"{SHA256}not base64!",
		"{SHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7Vj==",
		"{SHA256}QQTTb42iwlQ0n4WDZ5Pr4Cng",
		"{SHA256.HEX}4104d36f",
		"{SSHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7VjE=",
		"{SCRAM-SHA-256}4096,AAAA,AAAA",
		"{SCRAM-SHA-256}0,AAAA,AAAA,AAAA",
		"{SCRAM-SHA-256}x,AAAA,AAAA,AAAA",
		"{SCRAM-SHA-1}4096,,UqilOYV78Ybj0S5V2LrEDi8v07I=,"
		    "M1mgRNkE+8fjeY9Op3OwFRO/7wA=",
		"{SCRAM-SHA-1}4096,h1fV34HDWFshC1Nf61HVMA==,AAAA,"
		    "M1mgRNkE+8fjeY9Op3OwFRO/7wA=",
		"{SCRAM-SHA-1}4096,h1fV,UqilOYV78Ybj0S5V2LrEDi8v07I=,"
		    "M1mgRNkE+8fjeY9Op3OwFRO/7wA=,extra",
		"{PBKDF2}$1$salt$5000",
		"{PBKDF2}$2$salt$5000$00",
		"{PBKDF2}$1$$5000$00",
		"{PBKDF2}$1$salt$0$00",
		"{PBKDF2}$1$salt$5000$0g",
		"{PBKDF2}$1$salt$5000$00$",
		"{CRYPT}",
		"{CRYPT}!locked",
		"{PLAIN.HEX}abcd",
		"$9$unknown",
	};
	const char *error;
	struct gd_pw e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		cr_assert_eq(gd_pw_parse(bad[i], strlen(bad[i]), &e, &error),
		    -1, "accepted %s", bad[i]);
		cr_assert_not_null(error);
	}
}

/* ---- SCRAM keys against the RFC exchanges ------------------------------- */

struct scram_vector {
	enum gd_pw_hash hash;
	const char *salt_b64;
	const char *auth_message;
	const char *proof_b64;
	const char *signature_b64;
};

static void
hmac_any(enum gd_pw_hash h, const unsigned char *key, size_t klen,
    const char *msg, unsigned char *out)
{
	struct hmac_sha1_ctx c1;
	struct hmac_sha256_ctx c2;

	if (h == GD_PW_HASH_SHA1) {
		hmac_sha1_set_key(&c1, klen, key);
		hmac_sha1_update(&c1, strlen(msg), (const uint8_t *)msg);
		hmac_sha1_digest(&c1, SHA1_DIGEST_SIZE, out);
	} else {
		hmac_sha256_set_key(&c2, klen, key);
		hmac_sha256_update(&c2, strlen(msg), (const uint8_t *)msg);
		hmac_sha256_digest(&c2, SHA256_DIGEST_SIZE, out);
	}
}

static void
hash_any(enum gd_pw_hash h, const unsigned char *in, size_t len,
    unsigned char *out)
{
	struct sha1_ctx c1;
	struct sha256_ctx c2;

	if (h == GD_PW_HASH_SHA1) {
		sha1_init(&c1);
		sha1_update(&c1, len, in);
		sha1_digest(&c1, SHA1_DIGEST_SIZE, out);
	} else {
		sha256_init(&c2);
		sha256_update(&c2, len, in);
		sha256_digest(&c2, SHA256_DIGEST_SIZE, out);
	}
}

/* What a SCRAM server holding only the stored keys checks. */
static void
check_scram_vector(const struct scram_vector *v)
{
	unsigned char salt[32], stored[64], server[64], proof[64], sig[64];
	unsigned char want[64], client_key[64], again[64];
	size_t n = gd_pw_hash_len(v->hash), i;
	long salt_len;

	salt_len = gd_pw_b64_decode(v->salt_b64, strlen(v->salt_b64), salt,
	    sizeof(salt));
	cr_assert_gt(salt_len, 0);
	gd_pw_scram_derive(v->hash, "pencil", 6, salt, (size_t)salt_len,
	    4096, stored, server);
	/* ServerSignature = HMAC(ServerKey, AuthMessage): the RFC's v=. */
	hmac_any(v->hash, server, n, v->auth_message, sig);
	cr_assert_eq(gd_pw_b64_decode(v->signature_b64,
	    strlen(v->signature_b64), want, sizeof(want)), (long)n);
	cr_assert_arr_eq(sig, want, n);
	/* ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage), and
	 * H(ClientKey) must be StoredKey: the RFC's p= is accepted. */
	cr_assert_eq(gd_pw_b64_decode(v->proof_b64, strlen(v->proof_b64),
	    proof, sizeof(proof)), (long)n);
	hmac_any(v->hash, stored, n, v->auth_message, sig);
	for (i = 0; i < n; i++)
		client_key[i] = proof[i] ^ sig[i];
	hash_any(v->hash, client_key, n, again);
	cr_assert_arr_eq(again, stored, n);
}

Test(pwhash, basic_rfc5802_sha1_exchange)
{
	static const struct scram_vector v = {
		GD_PW_HASH_SHA1, "QSXCR+Q6sek8bf92",
		"n=user,r=fyko+d2lbbFgONRv9qkxdawL,"
		"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		"s=QSXCR+Q6sek8bf92,i=4096,"
		"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",
		"v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		"rmF9pqV8S7suAoZWja4dJRkFsKQ=",
	};

	check_scram_vector(&v);
}

Test(pwhash, basic_rfc7677_sha256_exchange)
{
	static const struct scram_vector v = {
		GD_PW_HASH_SHA256, "W22ZaJ0SNY7soEsUEjb6gQ==",
		"n=user,r=rOprNGfwEbeRWgbNEkqO,"
		"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
		"dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		"6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
	};

	check_scram_vector(&v);
}

/* ---- writing entries ---------------------------------------------------- */

Test(pwhash, complex_every_maker_reads_back)
{
	const struct gd_pw_maker *m;
	const char *error = NULL;
	char out[1024];
	struct gd_pw e;

	for (m = gd_pw_makers; m->name != NULL; m++) {
		cr_assert_eq(gd_pw_make(m, pw_utf8, strlen(pw_utf8), 0, out,
		    sizeof(out), &error), 0, "%s: %s", m->name, error);
		cr_assert_eq(out[0], '{', "%s", out);
		cr_assert_eq(strncmp(out + 1, m->name, strlen(m->name)), 0);
		cr_assert_eq(gd_pw_parse(out, strlen(out), &e, &error), 0,
		    "%s: %s", out, error);
		cr_assert_eq(e.scheme, m->scheme, "%s", m->name);
		cr_assert_eq(gd_pw_verify(&e, pw_utf8, strlen(pw_utf8)), 1,
		    "%s", out);
		cr_assert_eq(gd_pw_verify(&e, pw_ascii, strlen(pw_ascii)), 0,
		    "%s", out);
	}
}

Test(pwhash, complex_rounds_are_written)
{
	const char *error = NULL;
	char out[1024];
	struct gd_pw e;

	cr_assert_eq(gd_pw_make(gd_pw_maker_find("scram-sha-1"), "x", 1,
	    5000, out, sizeof(out), &error), 0, "%s", error);
	cr_assert_eq(strncmp(out, "{SCRAM-SHA-1}5000,", 18), 0, "%s", out);
	cr_assert_eq(gd_pw_parse(out, strlen(out), &e, &error), 0);
	cr_assert_eq(e.iterations, 5000);
	cr_assert_eq(gd_pw_make(gd_pw_maker_find("SHA512-CRYPT"), "x", 1,
	    6000, out, sizeof(out), &error), 0, "%s", error);
	cr_assert_eq(strncmp(out, "{SHA512-CRYPT}$6$rounds=6000$", 29), 0,
	    "%s", out);
	cr_assert_eq(gd_pw_make(gd_pw_maker_find("BLF-CRYPT"), "x", 1, 6,
	    out, sizeof(out), &error), 0, "%s", error);
	cr_assert_eq(strncmp(out, "{BLF-CRYPT}$2y$06$", 18), 0, "%s", out);
	cr_assert_eq(gd_pw_make(gd_pw_maker_find("CRYPT"), "x", 1, 0, out,
	    sizeof(out), &error), 0, "%s", error);
	cr_assert_eq(strncmp(out, "{CRYPT}$y$", 10), 0, "%s", out);
	cr_assert_eq(gd_pw_make(gd_pw_maker_find("PBKDF2"), "x", 1, 1234,
	    out, sizeof(out), &error), 0, "%s", error);
	cr_assert_not_null(strstr(out, "$1234$"), "%s", out);
	cr_assert_eq(gd_pw_make(gd_pw_maker_find("BLF-CRYPT"), "x", 1, 99,
	    out, sizeof(out), &error), -1);
	cr_assert_eq(gd_pw_make(gd_pw_maker_find("PLAIN"), "a:b", 3, 0, out,
	    sizeof(out), &error), -1);
	cr_assert_null(gd_pw_maker_find("MD5"));
}

Test(pwhash, complex_output_too_small)
{
	const struct gd_pw_maker *m;
	const char *error = NULL;
	char out[24];

	for (m = gd_pw_makers; m->name != NULL; m++) {
		if (strcmp(m->name, "PLAIN") == 0)
			continue;
		cr_assert_eq(gd_pw_make(m, "x", 1, 0, out, sizeof(out),
		    &error), -1, "%s fit in %zu bytes", m->name, sizeof(out));
	}
}

/* ---- stand-ins for unknown users ---------------------------------------- */

static void
check_dummy(const char *user, const char *field)
{
	const char *pw = password_of(user), *error = NULL;
	char buf[GD_PW_TEXT_MAX];
	struct gd_pw e, d;

	cr_assert_eq(gd_pw_parse(field, strlen(field), &e, &error), 0);
	cr_assert_eq(gd_pw_dummy(&e, &d, buf, sizeof(buf), &error), 0,
	    "%s: %s", user, error);
	cr_assert_eq(d.scheme, e.scheme);
	cr_assert_eq(d.iterations, e.iterations);
	cr_assert_eq(gd_pw_verify(&d, pw, strlen(pw)), 0, "%s", user);
	if (e.scheme == GD_PW_CRYPT) {
		/* Same method and cost: the setting up to the salt. */
		cr_assert_eq(strncmp(d.text, e.text, 7), 0, "%s vs %s", d.text,
		    e.text);
		cr_assert_str_neq(d.text, field);
	}
}

Test(pwhash, complex_dummy_matches_nothing)
{
	each_tool_entry(check_dummy);
}

/* ---- codecs ------------------------------------------------------------- */

Test(pwhash, basic_codecs)
{
	unsigned char out[16];
	char text[64];

	cr_assert_eq(gd_pw_b64_decode("", 0, out, sizeof(out)), 0);
	cr_assert_eq(gd_pw_b64_decode("Zg==", 4, out, sizeof(out)), 1);
	cr_assert_eq(out[0], 'f');
	cr_assert_eq(gd_pw_b64_decode("Zg=", 3, out, sizeof(out)), -1);
	cr_assert_eq(gd_pw_b64_decode("Z=g=", 4, out, sizeof(out)), -1);
	cr_assert_eq(gd_pw_b64_decode("Zm9v", 4, out, 2), -1);
	cr_assert_eq(gd_pw_b64_decode("Zm 9", 4, out, sizeof(out)), -1);
	cr_assert_str_eq(gd_pw_b64_encode((const unsigned char *)"foob", 4,
	    text), "Zm9vYg==");
	cr_assert_eq(gd_pw_hex_decode("0aFf", 4, out, 2), 0);
	cr_assert_eq(out[0], 0x0a);
	cr_assert_eq(out[1], 0xff);
	cr_assert_eq(gd_pw_hex_decode("0aF", 3, out, 2), -1);
	cr_assert_eq(gd_pw_hex_decode("0x", 2, out, 1), -1);
	cr_assert_str_eq(gd_pw_hex_encode(out, 2, text), "0aff");
	cr_assert(gd_pw_equal("abc", "abc", 3));
	cr_assert_not(gd_pw_equal("abc", "abd", 3));
	cr_assert_eq(gd_pw_hash_from_name("SHA-256"), GD_PW_HASH_SHA256);
	cr_assert_eq(gd_pw_hash_from_name("SHA256"), 0);
	cr_assert_eq(gd_pw_hash_len(GD_PW_HASH_SHA512), 64);
}
