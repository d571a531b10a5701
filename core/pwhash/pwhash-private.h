/*
 * pwhash-private.h — what the scheme files of libgdpwhash share.
 */
#ifndef GD_PWHASH_PRIVATE_H
#define GD_PWHASH_PRIVATE_H

#include "pwhash.h"

/* H(data) and HMAC(key, data) with `hash`; `out` holds its length. */
void pw_hash(enum gd_pw_hash hash, const void *data, size_t len,
    unsigned char *out);
void pw_hmac(enum gd_pw_hash hash, const void *key, size_t key_len,
    const void *data, size_t len, unsigned char *out);
void pw_pbkdf2(enum gd_pw_hash hash, const void *password, size_t len,
    const unsigned char *salt, size_t salt_len, unsigned iterations,
    unsigned char *out, size_t out_len);

/* How a digest is written: Dovecot's `{NAME.HEX}`, `{NAME.B64}`, or
 * (no suffix) base64 unless it has exactly the hex length. */
enum pw_enc {
	PW_ENC_AUTO = 0,
	PW_ENC_HEX,
	PW_ENC_B64,
};

/* Parse the part after `{NAME}`.  0 or -1 with *error_r. */
int pw_scram_parse(const char *data, size_t len, struct gd_pw *pw,
    const char **error_r);
int pw_crypt_parse(const char *data, size_t len, struct gd_pw *pw,
    const char **error_r);
int pw_pbkdf2_parse(const char *data, size_t len, struct gd_pw *pw,
    const char **error_r);
int pw_sha256_parse(const char *data, size_t len, enum pw_enc enc,
    struct gd_pw *pw, const char **error_r);
int pw_ssha256_parse(const char *data, size_t len, enum pw_enc enc,
    struct gd_pw *pw, const char **error_r);

/* Verify against one scheme: 1, 0 or -1 as gd_pw_verify(). */
int pw_scram_verify(const struct gd_pw *pw, const void *password,
    size_t len);
int pw_crypt_verify(const struct gd_pw *pw, const void *password,
    size_t len);
int pw_digest_verify(const struct gd_pw *pw, const void *password,
    size_t len);

/* Write the data part (after `{NAME}`) of a new entry into out[size]. */
int pw_scram_make(enum gd_pw_hash hash, const void *password, size_t len,
    unsigned iterations, char *out, size_t size, const char **error_r);
int pw_crypt_make(const char *prefix, unsigned rounds, const void *password,
    size_t len, char *out, size_t size, const char **error_r);
int pw_digest_make(enum gd_pw_scheme scheme, const void *password,
    size_t len, unsigned rounds, char *out, size_t size,
    const char **error_r);

/* crypt_rn(password, setting) into out[size] (NUL-terminated).  0 or -1. */
int pw_crypt_run(const void *password, size_t len, const char *setting,
    char *out, size_t size);

/* crypt_rn(password, model's hash as the setting): same salt and cost. */
int pw_crypt_like(const struct gd_pw *model, const char *password,
    char *out, size_t size);

#endif /* GD_PWHASH_PRIVATE_H */
