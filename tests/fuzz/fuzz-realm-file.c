/*
 * fuzz-realm-file.c — libFuzzer target for realm-file's passwd-file
 * reader: the line parser, the extra fields, every password scheme's
 * parser, duplicate and certificate handling.
 *
 * The module's reader is compiled in directly (it is hidden inside
 * realm-file.so).  The stand-in hash is skipped: its cost follows the
 * entries' work factors, which a fuzzer would set to the maximum.
 * Checks that every loaded user is found by name and every certificate
 * maps to a user that lists it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "realm-file/realm-file-parse.c"
#include "realm-file/realm-file-table.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(const struct realm_file_table *t)
{
	const struct realm_file_user *u;
	size_t i, j;

	for (i = 0; i < t->nusers; i++) {
		u = t->users[i];
		if (realm_file_table_find(t, u->name) != u ||
		    u->aliases == NULL || u->certs == NULL ||
		    u->act_as == NULL || u->extra == NULL)
			abort();
		if (i > 0 && strcmp(t->users[i - 1]->name, u->name) >= 0)
			abort();
	}
	for (i = 0; i < t->ncerts; i++) {
		u = realm_file_table_find_cert(t, t->certs[i].fp);
		if (u == NULL)
			abort();
		for (j = 0; j < u->ncerts; j++)
			if (memcmp(u->cert_fp[j], t->certs[i].fp,
			    REALM_FILE_FP_LEN) == 0)
				break;
		if (j == u->ncerts)
			abort();
	}
	(void)realm_file_table_find(t, "");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	struct realm_file_conf conf = { .path = "fuzz", .no_dummy = true,
	    .scram_iterations = 1 };
	struct realm_file_table *t = NULL;
	const char *error = NULL;

	if (!quiet) {
		gd_log_open(GD_LOG_FATAL, GD_LOG_TARGET_STDERR, NULL, 0);
		quiet = true;
	}
	if (realm_file_table_build("fuzz", (const char *)data, size, &conf,
	    &t, &error) < 0)
		abort();
	fuzz_check(t);
	realm_file_table_unref(&t);
	return 0;
}
