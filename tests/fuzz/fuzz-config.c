/*
 * fuzz-config.c — libFuzzer target for the YAML configuration parser and
 * the typed getters.
 *
 * Every input is parsed with gd_config_load_string; whatever tree comes
 * out is walked, and every getter is tried on every key of every map, so
 * that the number, duration and size parsers and the error formatting
 * all see hostile text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gumdrop/config.h>

#define FUZZ_MAX_NODES	10000

static const char *const fuzz_choices[] = { "none", "implicit",
    "starttls", NULL };

static const struct gd_config_key fuzz_keys[] = {
	{ "s", GD_CONFIG_KEY_STRING, NULL, 0, 0, "" },
	{ "i", GD_CONFIG_KEY_INT, NULL, -5, 5, "" },
	{ "b", GD_CONFIG_KEY_BOOL, NULL, 0, 0, "" },
	{ "d", GD_CONFIG_KEY_DURATION, NULL, 1000, 60000, "" },
	{ "z", GD_CONFIG_KEY_SIZE, NULL, 0, 0, "" },
	{ "l", GD_CONFIG_KEY_STRINGS, NULL, 0, 0, "" },
	{ "m", GD_CONFIG_KEY_MAP, NULL, 0, 0, "" },
	{ "q", GD_CONFIG_KEY_SEQ, NULL, 0, 0, "" },
	{ "a", GD_CONFIG_KEY_ANY, NULL, 0, 0, "" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_getters(const struct gd_config_node *map, const char *key)
{
	const char *const *strs;
	const char *s, *err;
	int64_t i;
	uint64_t u;
	size_t n;
	bool b;
	int e;

	(void)gd_config_get_string(map, key, NULL, &s, &err);
	(void)gd_config_get_int(map, key, 0, INT64_MIN, INT64_MAX, &i, &err);
	(void)gd_config_get_int(map, key, 0, 1, 64, &i, &err);
	(void)gd_config_get_bool(map, key, false, &b, &err);
	(void)gd_config_get_duration(map, key, 0, 0, UINT64_MAX, &u, &err);
	(void)gd_config_get_duration(map, key, 0, 1000, 3600000, &u, &err);
	(void)gd_config_get_size(map, key, 0, 0, UINT64_MAX, &u, &err);
	(void)gd_config_get_size(map, key, 0, 1024, 1048576, &u, &err);
	(void)gd_config_get_enum(map, key, fuzz_choices, 0, &e, &err);
	if (gd_config_get_strings(map, key, &strs, &n, &err) == 0 &&
	    strs[n] != NULL)
		abort();
}

static void
fuzz_walk(const struct gd_config_node *n, size_t *budget)
{
	const struct gd_config_node *child;
	const char *err;
	size_t i;

	if (*budget == 0)
		return;
	(*budget)--;
	(void)gd_config_node_file(n);
	(void)gd_config_node_line(n);
	(void)gd_config_node_is_null(n);
	(void)gd_config_error(n, "fuzz %d", 1);
	if (gd_config_node_type(n) == GD_CONFIG_MAP)
		(void)gd_config_validate(n, fuzz_keys, &err);
	for (i = 0; i < gd_config_node_count(n); i++) {
		child = gd_config_node_at(n, i);
		if (gd_config_node_type(n) == GD_CONFIG_MAP) {
			if (gd_config_get(n, gd_config_node_key(child)) !=
			    child)
				abort();
			fuzz_getters(n, gd_config_node_key(child));
		}
		fuzz_walk(child, budget);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gd_config *cfg;
	const struct gd_config_node *root;
	size_t budget = FUZZ_MAX_NODES;
	char *error = NULL;

	cfg = gd_config_load_string("fuzz.yaml", (const char *)data, size,
	    &error);
	if (cfg == NULL) {
		if (error == NULL || strncmp(error, "fuzz.yaml:", 10) != 0)
			abort();
		free(error);
		return 0;
	}
	root = gd_config_root(cfg);
	if (gd_config_node_type(root) != GD_CONFIG_MAP)
		abort();
	fuzz_walk(root, &budget);
	gd_config_free(&cfg);
	return 0;
}
