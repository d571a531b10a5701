/*
 * fuzz-sasl-login.c — libFuzzer target for the LOGIN field check
 * (modules/sasl-login/login-parse.c): accepted fields are non-empty,
 * within the limit and free of NUL; truncations of an accepted field
 * never read past their end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "login-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *error = NULL;
	uint8_t *copy;
	size_t cut;

	copy = malloc(size > 0 ? size : 1);
	memcpy(copy, data, size);
	if (sasl_login_check_field(copy, size, &error) == 0) {
		if (size == 0 || size > SASL_LOGIN_FIELD_MAX ||
		    memchr(copy, '\0', size) != NULL)
			abort();
		for (cut = 1; cut < size && cut < 8; cut++)
			(void)sasl_login_check_field(copy, cut, &error);
	} else if (error == NULL)
		abort();
	free(copy);
	return 0;
}
