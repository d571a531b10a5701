/*
 * pwhash.h — password hashes in Dovecot's `{SCHEME}data` format: parse,
 * verify, derive SCRAM keys, make new entries.
 *
 * A small internal library (libgdpwhash, not part of libgumdrop and not
 * installed) linked into the realm-file module and into gumdropctl, so
 * that `gumdropctl pw` writes exactly what the realm reads without a
 * module being linked by the core.  Hashing goes through nettle and
 * libcrypt's reentrant crypt_rn only; randomness through GnuTLS
 * (gnutls_rnd) and libcrypt's crypt_gensalt_rn.
 *
 * Schemes (names compared without regard to case):
 *
 *   {SCRAM-SHA-1} {SCRAM-SHA-256} {SCRAM-SHA-512}
 *       ITERATIONS,BASE64-SALT,BASE64-STOREDKEY,BASE64-SERVERKEY
 *   {CRYPT} {SHA512-CRYPT} {SHA256-CRYPT} {BLF-CRYPT} {MD5-CRYPT}
 *       a crypt(3) hash ($6$, $2y$, $y$, ...); a field without {SCHEME}
 *       is a crypt(3) hash too (Dovecot's default scheme for passwd-file)
 *   {PBKDF2}      $1$SALT$ROUNDS$HEX   (PBKDF2-HMAC-SHA1, 20 bytes)
 *   {SSHA256}     BASE64(SHA256(password salt) salt)   (or hex)
 *   {SHA256}      BASE64(SHA256(password))             (or hex)
 *   {PLAIN} {CLEAR} {CLEARTEXT}   the password itself
 *
 * Thread safety: every function may be called from any thread; none
 * keeps state.  Nothing here logs.
 */
#ifndef GD_PWHASH_H
#define GD_PWHASH_H

#include <stdbool.h>
#include <stddef.h>

enum gd_pw_scheme {
	GD_PW_NONE = 0,		/* empty field: the user has no password */
	GD_PW_SCRAM,		/* stored SCRAM keys (see `hash`) */
	GD_PW_CRYPT,		/* a crypt(3) hash, checked by libcrypt */
	GD_PW_PBKDF2,
	GD_PW_SSHA256,
	GD_PW_SHA256,
	GD_PW_PLAIN,
};

/* The hash function of a SCRAM entry. */
enum gd_pw_hash {
	GD_PW_HASH_SHA1 = 1,
	GD_PW_HASH_SHA256,
	GD_PW_HASH_SHA512,
};

#define GD_PW_SALT_MAX		64
#define GD_PW_KEY_MAX		64	/* SHA-512 output */
/* crypt(3) output is at most CRYPT_OUTPUT_SIZE (384) bytes. */
#define GD_PW_TEXT_MAX		384
/* Bounds on work factors read from a file or asked for. */
#define GD_PW_ITER_MIN		1
#define GD_PW_ITER_MAX		10000000

/*
 * A parsed entry.  Fixed size, no pointers into other memory except
 * `text`, which points into the string given to gd_pw_parse() (keep it
 * alive as long as the entry).
 */
struct gd_pw {
	enum gd_pw_scheme scheme;
	enum gd_pw_hash hash;		/* SCRAM only */
	unsigned iterations;		/* SCRAM, PBKDF2 */
	size_t salt_len;		/* SCRAM, PBKDF2, SSHA256 */
	size_t key_len;
	unsigned char salt[GD_PW_SALT_MAX];
	/* SCRAM: StoredKey; PBKDF2: the derived key; SHA256, SSHA256: the
	 * digest. */
	unsigned char key[GD_PW_KEY_MAX];
	unsigned char server_key[GD_PW_KEY_MAX];	/* SCRAM */
	/* CRYPT: the crypt(3) string; PLAIN: the password. */
	const char *text;
	size_t text_len;
};

/*
 * Parse a password field (`{SCHEME}data`, or a bare crypt(3) hash, or
 * empty for "no password").  Returns 0, or -1 with *error_r (a static
 * string naming what is wrong; never the field's content).
 */
int gd_pw_parse(const char *field, size_t len, struct gd_pw *pw,
    const char **error_r);

/*
 * Check `password` against `pw`, comparing in constant time.  Returns 1
 * on a match, 0 on a mismatch (always 0 for GD_PW_NONE), -1 when the
 * hash could not be computed (libcrypt failed).
 */
int gd_pw_verify(const struct gd_pw *pw, const void *password, size_t len);

/* The output size of `hash` (20, 32, 64), or 0. */
size_t gd_pw_hash_len(enum gd_pw_hash hash);

/* "SHA-1", "SHA-256", "SHA-512" (as in realm.h) <-> the enum; 0 if
 * unknown. */
enum gd_pw_hash gd_pw_hash_from_name(const char *name);
const char *gd_pw_hash_name(enum gd_pw_hash hash);

/*
 * SCRAM keys (RFC 5802 3) for `password`: SaltedPassword =
 * PBKDF2(password, salt, iterations), StoredKey = H(HMAC(SaltedPassword,
 * "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key").
 * `stored` and `server` hold gd_pw_hash_len(hash) bytes each.  No
 * SASLprep is applied (Dovecot applies none either).
 */
void gd_pw_scram_derive(enum gd_pw_hash hash, const void *password,
    size_t len, const unsigned char *salt, size_t salt_len,
    unsigned iterations, unsigned char *stored, unsigned char *server);

/*
 * A scheme that gd_pw_make() can write: the name as written in
 * `{NAME}` and, for crypt(3) schemes, the crypt_gensalt prefix.
 */
struct gd_pw_maker {
	const char *name;		/* "SCRAM-SHA-256" */
	enum gd_pw_scheme scheme;
	enum gd_pw_hash hash;		/* SCRAM */
	const char *crypt_prefix;	/* "$6$", "$2y$", "$y$" */
	unsigned default_rounds;	/* 0: the library's default */
};

/* The maker called `name` (any case), or NULL. */
const struct gd_pw_maker *gd_pw_maker_find(const char *name);

/* The makers, ending with a NULL name (for usage messages). */
extern const struct gd_pw_maker gd_pw_makers[];

/*
 * Hash `password` with a fresh random salt and write `{NAME}data` into
 * `out` (NUL-terminated).  `rounds` (0: the maker's default) is the
 * iteration count for SCRAM and PBKDF2, the rounds for SHA512-CRYPT, the
 * cost for BLF-CRYPT and yescrypt.  Returns 0, or -1 with *error_r
 * (static) when the rounds are out of range, the output does not fit or
 * libcrypt refuses.
 */
int gd_pw_make(const struct gd_pw_maker *maker, const void *password,
    size_t len, unsigned rounds, char *out, size_t size,
    const char **error_r);

/*
 * A stand-in entry that costs as much to verify as `model` but matches
 * no password anyone knows: same scheme, hash and work factor, a random
 * secret.  For CRYPT, the crypt(3) text is written to `buf` (at least
 * GD_PW_TEXT_MAX bytes) and dummy->text points there.  Used to make an
 * unknown user take as long as a known one.  0, or -1 with *error_r.
 */
int gd_pw_dummy(const struct gd_pw *model, struct gd_pw *dummy, char *buf,
    size_t size, const char **error_r);

/*
 * Constant-time equality of two byte strings of the same length (the
 * length is not secret).
 */
bool gd_pw_equal(const void *a, const void *b, size_t len);

/* ---- codecs shared with the realm and the tool ------------------------- */

/*
 * Decode `len` bytes of base64 (RFC 4648, padded) into at most `max`
 * bytes.  Returns the decoded length, or -1 when `in` is not base64 or
 * too long.
 */
long gd_pw_b64_decode(const char *in, size_t len, unsigned char *out,
    size_t max);

/* Encode; `out` holds 4 * ((len + 2) / 3) + 1 bytes.  Returns out. */
char *gd_pw_b64_encode(const unsigned char *in, size_t len, char *out);

/* Decode hex (either case) of exactly 2 * n digits.  0 or -1. */
int gd_pw_hex_decode(const char *in, size_t len, unsigned char *out,
    size_t n);

/* Lower-case hex; `out` holds 2 * len + 1 bytes.  Returns out. */
char *gd_pw_hex_encode(const unsigned char *in, size_t len, char *out);

/* Fill `buf` with random bytes (GnuTLS).  0 or -1. */
int gd_pw_random(void *buf, size_t len);

#endif /* GD_PWHASH_H */
