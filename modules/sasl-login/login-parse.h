/*
 * login-parse.h — the LOGIN mechanism's message checks, kept apart from
 * the module so that unit tests and the fuzz target compile them.
 *
 * LOGIN (draft-murchison-sasl-login) has no grammar beyond this: the user
 * name and the password each arrive as one whole client message (decoded
 * from base64 by the protocol), non-empty, UTF-8 without NUL, at most
 * SASL_LOGIN_FIELD_MAX octets.
 */
#ifndef SASL_LOGIN_PARSE_H
#define SASL_LOGIN_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define SASL_LOGIN_FIELD_MAX	1024

/* The challenges, as sent by every server that speaks LOGIN. */
#define SASL_LOGIN_USER_PROMPT	"Username:"
#define SASL_LOGIN_PASS_PROMPT	"Password:"

/* 0 if `len` bytes at `in` are an acceptable field; else -1 with a static
 * *error_r for logs (never containing the input). */
int sasl_login_check_field(const void *in, size_t len, const char **error_r);

#endif /* SASL_LOGIN_PARSE_H */
