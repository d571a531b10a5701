/*
 * test-config.c — configuration loading, includes, getters, validation.
 *
 * Sample files live in tests/data/config/; every error test checks the
 * exact message, file and line included.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/config.h>
#include <gumdrop/pool.h>

#define DATA(f)	GD_TEST_SRCDIR "/data/config/" f

static struct gd_config *cfg;
static const struct gd_config_node *root;

static void
teardown(void)
{
	gd_config_free(&cfg);
	root = NULL;
}

/* Load a file that must be valid. */
static void
load_ok(const char *path)
{
	char *error = NULL;

	cfg = gd_config_load(path, &error);
	cr_assert_not_null(cfg, "load %s: %s", path, error);
	root = gd_config_root(cfg);
	cr_assert_eq(gd_config_node_type(root), GD_CONFIG_MAP);
}

static void
string_ok(const char *text)
{
	char *error = NULL;

	cfg = gd_config_load_string("t.yaml", text, strlen(text), &error);
	cr_assert_not_null(cfg, "parse: %s", error);
	root = gd_config_root(cfg);
}

/* Loading must fail with exactly `expected`. */
static void
load_fails(const char *path, const char *expected)
{
	char *error = NULL;
	struct gd_config *c;

	c = gd_config_load(path, &error);
	cr_assert_null(c, "%s loaded but should not have", path);
	cr_assert_not_null(error);
	cr_assert_str_eq(error, expected);
	free(error);
}

static void
string_fails(const char *text, const char *expected)
{
	char *error = NULL;
	struct gd_config *c;

	c = gd_config_load_string("t.yaml", text, strlen(text), &error);
	cr_assert_null(c, "parsed but should not have");
	cr_assert_str_eq(error, expected);
	free(error);
}

/* ---- good files ------------------------------------------------------ */

TestSuite(config, .fini = teardown);

Test(config, scalars_through_getters)
{
	static const char *const modes[] = { "none", "implicit", "starttls",
	    NULL };
	const char *const *list;
	const char *s, *err = NULL;
	int64_t i;
	uint64_t u;
	size_t n;
	bool b;
	int e;

	load_ok(DATA("good-scalars.yaml"));
	cr_assert_eq(gd_config_get_int(root, "workers", 1, 1, 64, &i, &err), 0);
	cr_assert_eq(i, 2);
	cr_assert_eq(gd_config_get_int(root, "hex", 0, 0, 100, &i, &err), 0);
	cr_assert_eq(i, 31);
	cr_assert_eq(gd_config_get_int(root, "neg", 0, -10, 10, &i, &err), 0);
	cr_assert_eq(i, -5);
	cr_assert_eq(gd_config_get_string(root, "name", NULL, &s, &err), 0);
	cr_assert_str_eq(s, "hello world");
	cr_assert_eq(gd_config_get_bool(root, "flag", false, &b, &err), 0);
	cr_assert(b);
	cr_assert_eq(gd_config_get_bool(root, "off-flag", true, &b, &err), 0);
	cr_assert_not(b);
	cr_assert_eq(gd_config_get_duration(root, "timeout", 0, 0, UINT64_MAX,
	    &u, &err), 0);
	cr_assert_eq(u, 30000);
	cr_assert_eq(gd_config_get_duration(root, "short", 0, 0, UINT64_MAX,
	    &u, &err), 0);
	cr_assert_eq(u, 250);
	cr_assert_eq(gd_config_get_duration(root, "bare-seconds", 0, 0,
	    UINT64_MAX, &u, &err), 0);
	cr_assert_eq(u, 5000);
	cr_assert_eq(gd_config_get_size(root, "size", 0, 0, UINT64_MAX, &u,
	    &err), 0);
	cr_assert_eq(u, 64 * 1024);
	cr_assert_eq(gd_config_get_size(root, "big", 0, 0, UINT64_MAX, &u,
	    &err), 0);
	cr_assert_eq(u, 10 * 1024 * 1024);
	cr_assert_eq(gd_config_get_enum(root, "mode", modes, 0, &e, &err), 0);
	cr_assert_eq(e, 2);
	cr_assert_eq(gd_config_get_strings(root, "list", &list, &n, &err), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(list[0], "a");
	cr_assert_str_eq(list[2], "c");
	cr_assert_null(list[3]);
	cr_assert_eq(gd_config_get_strings(root, "single", &list, &n, &err),
	    0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(list[0], "one");
	cr_assert_null(list[1]);
	cr_assert_null(err);
}

Test(config, defaults_for_absent_and_null)
{
	const char *const *list;
	const char *s, *err = NULL;
	int64_t i;
	uint64_t u;
	size_t n = 99;

	load_ok(DATA("good-scalars.yaml"));
	cr_assert_eq(gd_config_get_int(root, "missing", 7, 1, 64, &i, &err),
	    0);
	cr_assert_eq(i, 7);
	cr_assert_eq(gd_config_get_int(root, "empty", 8, 1, 64, &i, &err), 0);
	cr_assert_eq(i, 8);
	cr_assert_eq(gd_config_get_duration(root, "tilde", 1500, 0, 10000,
	    &u, &err), 0);
	cr_assert_eq(u, 1500);
	cr_assert_eq(gd_config_get_string(root, "empty", "def", &s, &err), 0);
	cr_assert_str_eq(s, "def");
	/* A quoted empty string is a value, not null. */
	cr_assert_eq(gd_config_get_string(root, "quoted-empty", "def", &s,
	    &err), 0);
	cr_assert_str_eq(s, "");
	cr_assert(gd_config_node_is_null(gd_config_get(root, "tilde")));
	cr_assert_not(gd_config_node_is_null(gd_config_get(root,
	    "quoted-empty")));
	cr_assert_eq(gd_config_get_strings(root, "missing", &list, &n, &err),
	    0);
	cr_assert_eq(n, 0);
	cr_assert_null(list[0]);
	/* A missing section reads as all defaults. */
	cr_assert_eq(gd_config_get_int(gd_config_get(root, "nope"), "x", 3, 0,
	    5, &i, &err), 0);
	cr_assert_eq(i, 3);
}

Test(config, nested_nodes_with_file_line_key)
{
	const struct gd_config_node *l, *item, *allow;

	load_ok(DATA("good-nested.yaml"));
	cr_assert_eq(gd_config_node_count(root), 3);
	cr_assert_null(gd_config_node_key(root));
	l = gd_config_get(root, "listeners");
	cr_assert_eq(gd_config_node_type(l), GD_CONFIG_SEQ);
	cr_assert_str_eq(gd_config_node_key(l), "listeners");
	cr_assert_eq(gd_config_node_line(l), 4);
	cr_assert_str_eq(gd_config_node_file(l), DATA("good-nested.yaml"));
	cr_assert_eq(gd_config_node_count(l), 2);
	item = gd_config_node_at(l, 1);
	cr_assert_eq(gd_config_node_type(item), GD_CONFIG_MAP);
	cr_assert_null(gd_config_node_key(item));
	cr_assert_eq(gd_config_node_line(item), 10);
	cr_assert_str_eq(gd_config_node_scalar(gd_config_get(item, "address")),
	    "[::1]:7001");
	cr_assert_null(gd_config_node_at(l, 2));
	allow = gd_config_get(gd_config_node_at(l, 0), "allow");
	cr_assert_eq(gd_config_node_count(allow), 2);
	cr_assert_str_eq(gd_config_node_scalar(gd_config_node_at(allow, 1)),
	    "::1/128");
	cr_assert_eq(gd_config_node_line(gd_config_node_at(allow, 1)), 9);
	cr_assert_null(gd_config_node_scalar(allow));
	cr_assert_eq(gd_config_node_count(gd_config_get(item, "name")), 0);
	cr_assert_str_eq(gd_config_node_key(gd_config_node_at(root, 0)),
	    "log");
	cr_assert_eq(gd_config_node_pool(l), gd_config_pool(cfg));
}

Test(config, include_glob_sorted_and_relative)
{
	const struct gd_config_node *c;
	const char *keys[] = { "workers", "pid-file", "a", "b", "c" };
	size_t i;

	load_ok(DATA("include-main.yaml"));
	cr_assert_eq(gd_config_node_count(root), GD_N_ELEMENTS(keys));
	for (i = 0; i < GD_N_ELEMENTS(keys); i++)
		cr_assert_str_eq(gd_config_node_key(gd_config_node_at(root, i)),
		    keys[i]);
	cr_assert_null(gd_config_get(root, "include"));
	cr_assert_null(gd_config_get(root, "hidden"));
	cr_assert_str_eq(gd_config_node_file(gd_config_get(root, "a")),
	    DATA("conf.d/10-a.yaml"));
	/* Nested include, relative to conf.d/20-b.yaml's directory. */
	c = gd_config_get(root, "c");
	cr_assert_str_eq(gd_config_node_file(c), DATA("conf.d/../sub/c.yaml"));
	cr_assert_eq(gd_config_node_line(c), 1);
	cr_assert_str_eq(gd_config_node_scalar(gd_config_get(c, "deep")), "3");
}

Test(config, include_list_in_order)
{
	load_ok(DATA("include-list.yaml"));
	cr_assert_eq(gd_config_node_count(root), 3);
	cr_assert_str_eq(gd_config_node_key(gd_config_node_at(root, 0)), "z");
	cr_assert_str_eq(gd_config_node_key(gd_config_node_at(root, 1)), "c");
	cr_assert_str_eq(gd_config_node_key(gd_config_node_at(root, 2)), "a");
}

Test(config, include_empty_file)
{
	load_ok(DATA("include-empty.yaml"));
	cr_assert_eq(gd_config_node_count(root), 1);
	cr_assert_not_null(gd_config_get(root, "x"));
}

Test(config, include_depth_eight_is_fine)
{
	load_ok(DATA("depth/d2.yaml"));
	cr_assert_eq(gd_config_node_count(root), 9);
	cr_assert_not_null(gd_config_get(root, "k10"));
}

Test(config, empty_documents_are_empty_maps)
{
	string_ok("");
	cr_assert_eq(gd_config_node_type(root), GD_CONFIG_MAP);
	cr_assert_eq(gd_config_node_count(root), 0);
	gd_config_free(&cfg);
	cr_assert_null(cfg);
	string_ok("# nothing\n---\n");
	cr_assert_eq(gd_config_node_count(root), 0);
}

/* ---- bad files ------------------------------------------------------- */

Test(config, syntax_error)
{
	load_fails(DATA("bad-syntax.yaml"), DATA("bad-syntax.yaml") ":3: "
	    "YAML syntax error: did not find expected ',' or ']' "
	    "while parsing a flow sequence");
}

Test(config, duplicate_key)
{
	load_fails(DATA("bad-dup.yaml"), DATA("bad-dup.yaml") ":4: key "
	    "'level': defined twice, first at " DATA("bad-dup.yaml") ":3");
}

Test(config, duplicate_across_include)
{
	load_fails(DATA("bad-dup-include.yaml"), DATA("conf.d/10-a.yaml")
	    ":1: key 'a': defined twice, first at "
	    DATA("bad-dup-include.yaml") ":1");
}

Test(config, alias_refused)
{
	load_fails(DATA("bad-alias.yaml"), DATA("bad-alias.yaml") ":1: YAML "
	    "anchors and aliases are not supported, found anchor 'base'");
	string_fails("a: 1\nb: *x\n", "t.yaml:2: YAML anchors and aliases "
	    "are not supported, found alias 'x'");
}

Test(config, include_cycle)
{
	load_fails(DATA("bad-cycle-a.yaml"), DATA("bad-cycle-b.yaml") ":3: "
	    "key 'include': include cycle: '" DATA("bad-cycle-a.yaml")
	    "' is already being included");
}

Test(config, include_too_deep)
{
	load_fails(DATA("depth/d0.yaml"), DATA("depth/d8.yaml") ":2: key "
	    "'include': cannot include '" DATA("depth/d9.yaml") "': "
	    "includes nested deeper than 8 levels");
}

Test(config, include_missing_file)
{
	load_fails(DATA("bad-include-missing.yaml"),
	    DATA("bad-include-missing.yaml") ":1: key 'include': cannot "
	    "include '" DATA("does-not-exist.yaml") "': No such file or "
	    "directory");
}

Test(config, missing_top_file)
{
	load_fails(DATA("nope.yaml"), DATA("nope.yaml") ": No such file or "
	    "directory");
	load_fails(DATA("conf.d"), DATA("conf.d") ": not a regular file");
}

Test(config, root_must_be_map)
{
	load_fails(DATA("bad-root.yaml"), DATA("bad-root.yaml") ":1: "
	    "expected a map at the top level, got a list");
	string_fails("just text\n", "t.yaml:1: expected a map at the top "
	    "level, got 'just text'");
}

Test(config, multiple_documents_refused)
{
	string_fails("a: 1\n---\nb: 2\n", "t.yaml:2: multiple YAML "
	    "documents are not supported");
}

Test(config, non_scalar_key_refused)
{
	string_fails("? [a, b]\n: 1\n", "t.yaml:1: map keys must be strings, "
	    "not maps or lists");
}

Test(config, include_refused_in_strings)
{
	string_fails("x: 1\ninclude: a.yaml\n", "t.yaml:2: key 'include': "
	    "includes are only supported in configuration files");
}

Test(config, nul_in_value_refused)
{
	string_fails("a: \"x\\0y\"\n", "t.yaml:1: NUL characters are not "
	    "allowed in values");
}

Test(config, deep_nesting_refused)
{
	char text[256];
	size_t i;

	strcpy(text, "a: 1\nb: ");
	for (i = 0; i < 100; i++)
		strcat(text, "[");
	for (i = 0; i < 100; i++)
		strcat(text, "]");
	strcat(text, "\n");
	string_fails(text, "t.yaml:2: maps and lists nested deeper than 64 "
	    "levels");
}

/* ---- getter errors --------------------------------------------------- */

Test(config, int_errors)
{
	const char *err = NULL;
	int64_t i;

	string_ok("x: 1\nworkers: two\nbig: 100\nhuge: 9223372036854775808\n"
	    "min: -9223372036854775808\nm: {a: 1}\n");
	cr_assert_eq(gd_config_get_int(root, "workers", 1, 1, 64, &i, &err),
	    -1);
	cr_assert_str_eq(err, "t.yaml:2: key 'workers': expected an integer "
	    "in 1..64, got 'two'");
	cr_assert_eq(gd_config_get_int(root, "big", 1, 1, 64, &i, &err), -1);
	cr_assert_str_eq(err, "t.yaml:3: key 'big': expected an integer "
	    "in 1..64, got '100'");
	cr_assert_eq(gd_config_get_int(root, "huge", 0, INT64_MIN, INT64_MAX,
	    &i, &err), -1);
	cr_assert_str_eq(err, "t.yaml:4: key 'huge': expected an integer, "
	    "got '9223372036854775808'");
	cr_assert_eq(gd_config_get_int(root, "min", 0, INT64_MIN, INT64_MAX,
	    &i, &err), 0);
	cr_assert_eq(i, INT64_MIN);
	cr_assert_eq(gd_config_get_int(root, "m", 0, 0, 9, &i, &err), -1);
	cr_assert_str_eq(err, "t.yaml:6: key 'm': expected an integer in "
	    "0..9, got a map");
}

Test(config, int_syntax_edge_cases)
{
	static const char *const bad[] = { "0x", "1.5", " 1", "1 ", "--1",
	    "0xg", "", "+", "1e3", "0x-5" };
	char text[64];
	const char *err;
	int64_t i;
	size_t k;

	for (k = 0; k < GD_N_ELEMENTS(bad); k++) {
		snprintf(text, sizeof(text), "v: \"%s\"\n", bad[k]);
		string_ok(text);
		err = NULL;
		cr_assert_eq(gd_config_get_int(root, "v", 0, INT64_MIN,
		    INT64_MAX, &i, &err), -1, "'%s' accepted", bad[k]);
		gd_config_free(&cfg);
	}
	string_ok("v: +0X7fffffffffffffff\n");
	cr_assert_eq(gd_config_get_int(root, "v", 0, INT64_MIN, INT64_MAX,
	    &i, &err), 0);
	cr_assert_eq(i, INT64_MAX);
}

Test(config, string_errors)
{
	const char *s, *err = NULL;

	string_ok("s:\n  a: 1\nl: [1]\n");
	cr_assert_eq(gd_config_get_string(root, "s", NULL, &s, &err), -1);
	cr_assert_str_eq(err, "t.yaml:1: key 's': expected a string, got a "
	    "map");
	cr_assert_eq(gd_config_get_string(root, "l", NULL, &s, &err), -1);
	cr_assert_str_eq(err, "t.yaml:3: key 'l': expected a string, got a "
	    "list");
}

Test(config, bool_errors)
{
	const char *err = NULL;
	bool b;

	string_ok("b: maybe\n");
	cr_assert_eq(gd_config_get_bool(root, "b", false, &b, &err), -1);
	cr_assert_str_eq(err, "t.yaml:1: key 'b': expected true or false, "
	    "got 'maybe'");
}

Test(config, duration_errors)
{
	const char *err = NULL;
	uint64_t u;

	string_ok("d: soon\nlong: 2h\nover: 213503982334601d\nneg: -5s\n"
	    "m: 5m\nsp: 10 s\n");
	cr_assert_eq(gd_config_get_duration(root, "d", 0, 0, UINT64_MAX, &u,
	    &err), -1);
	cr_assert_str_eq(err, "t.yaml:1: key 'd': expected a duration like "
	    "30s or 500ms, got 'soon'");
	cr_assert_eq(gd_config_get_duration(root, "long", 0, 1000, 3600000,
	    &u, &err), -1);
	cr_assert_str_eq(err, "t.yaml:2: key 'long': expected a duration in "
	    "1s..1h, got '2h'");
	cr_assert_eq(gd_config_get_duration(root, "over", 0, 0, UINT64_MAX,
	    &u, &err), -1);
	cr_assert_str_eq(err, "t.yaml:3: key 'over': expected a duration like "
	    "30s or 500ms, got '213503982334601d'");
	cr_assert_eq(gd_config_get_duration(root, "over", 0, 0, 1500, &u,
	    &err), -1);
	cr_assert_str_eq(err, "t.yaml:3: key 'over': expected a duration in "
	    "0ms..1500ms, got '213503982334601d'");
	cr_assert_eq(gd_config_get_duration(root, "neg", 0, 0, UINT64_MAX,
	    &u, &err), -1);
	cr_assert_eq(gd_config_get_duration(root, "m", 0, 0, UINT64_MAX, &u,
	    &err), 0);
	cr_assert_eq(u, 300000);
	cr_assert_eq(gd_config_get_duration(root, "sp", 0, 0, UINT64_MAX, &u,
	    &err), 0);
	cr_assert_eq(u, 10000);
}

Test(config, size_errors_and_units)
{
	static const struct {
		const char *text;
		uint64_t value;
	} good[] = {
		{ "512", 512 }, { "512B", 512 }, { "64K", 65536 },
		{ "64KiB", 65536 }, { "64k", 65536 }, { "10M", 10485760 },
		{ "1G", 1073741824 }, { "1GB", 1073741824 },
		{ "16383P", 0 },
	};
	char text[64];
	const char *err = NULL;
	uint64_t u;
	size_t k;

	string_ok("s: big\nr: 2M\nover: 18014398509481984K\n");
	cr_assert_eq(gd_config_get_size(root, "s", 0, 0, UINT64_MAX, &u,
	    &err), -1);
	cr_assert_str_eq(err, "t.yaml:1: key 's': expected a size like 64K or "
	    "10M, got 'big'");
	cr_assert_eq(gd_config_get_size(root, "r", 0, 1024, 1048576, &u,
	    &err), -1);
	cr_assert_str_eq(err, "t.yaml:2: key 'r': expected a size in 1K..1M, "
	    "got '2M'");
	cr_assert_eq(gd_config_get_size(root, "over", 0, 0, UINT64_MAX, &u,
	    &err), -1);
	gd_config_free(&cfg);
	/* The last entry has an unknown unit and must fail. */
	for (k = 0; k < GD_N_ELEMENTS(good); k++) {
		snprintf(text, sizeof(text), "v: %s\n", good[k].text);
		string_ok(text);
		cr_assert_eq(gd_config_get_size(root, "v", 0, 0, UINT64_MAX,
		    &u, &err), good[k].value == 0 ? -1 : 0, "%s",
		    good[k].text);
		if (good[k].value != 0)
			cr_assert_eq(u, good[k].value, "%s", good[k].text);
		gd_config_free(&cfg);
	}
}

Test(config, enum_errors)
{
	static const char *const modes[] = { "none", "implicit", "starttls",
	    NULL };
	const char *err = NULL;
	int e;

	string_ok("tls: tls\n");
	cr_assert_eq(gd_config_get_enum(root, "tls", modes, 0, &e, &err), -1);
	cr_assert_str_eq(err, "t.yaml:1: key 'tls': expected one of none, "
	    "implicit, starttls, got 'tls'");
}

Test(config, strings_errors)
{
	const char *const *list;
	const char *err = NULL;
	size_t n;

	string_ok("m: {a: b}\nl:\n  - a\n  - [b]\n");
	cr_assert_eq(gd_config_get_strings(root, "m", &list, &n, &err), -1);
	cr_assert_str_eq(err, "t.yaml:1: key 'm': expected a string or a "
	    "list of strings, got a map");
	cr_assert_eq(gd_config_get_strings(root, "l", &list, &n, &err), -1);
	cr_assert_str_eq(err, "t.yaml:4: key 'l': expected a string, got a "
	    "list");
}

Test(config, error_quotes_control_characters)
{
	const char *err = NULL;
	int64_t i;

	string_ok("v: \"a\\nb\\tc\"\n");
	cr_assert_eq(gd_config_get_int(root, "v", 0, 0, 1, &i, &err), -1);
	cr_assert_str_eq(err, "t.yaml:1: key 'v': expected an integer in "
	    "0..1, got 'a\\x0ab\\x09c'");
}

Test(config, error_shortens_long_values)
{
	char text[256], expected[256];
	const char *err = NULL;
	int64_t i;

	memset(text, 0, sizeof(text));
	memset(expected, 0, sizeof(expected));
	strcpy(text, "v: ");
	memset(text + 3, 'x', 100);
	strcat(text, "\n");
	string_ok(text);
	cr_assert_eq(gd_config_get_int(root, "v", 0, 0, 1, &i, &err), -1);
	strcpy(expected, "t.yaml:1: key 'v': expected an integer in 0..1, "
	    "got '");
	memset(expected + strlen(expected), 'x', 60);
	strcat(expected, "...'");
	cr_assert_str_eq(err, expected);
}

static void *
getter_thread(void *arg)
{
	const char *err;
	int64_t v;
	int k;

	(void)arg;
	for (k = 0; k < 2000; k++) {
		err = NULL;
		if (gd_config_get_int(root, "n", 0, 0, 1, &v, &err) != -1 ||
		    err == NULL || strstr(err, "got 'many'") == NULL)
			return (void *)1;
	}
	return NULL;
}

Test(config, getters_from_many_threads)
{
	pthread_t th[4];
	void *ret;
	size_t k;

	string_ok("n: many\n");
	for (k = 0; k < GD_N_ELEMENTS(th); k++)
		cr_assert_eq(pthread_create(&th[k], NULL, getter_thread, NULL),
		    0);
	for (k = 0; k < GD_N_ELEMENTS(th); k++) {
		cr_assert_eq(pthread_join(th[k], &ret), 0);
		cr_assert_null(ret);
	}
}

Test(config, config_error_format)
{
	const struct gd_config_node *l;

	string_ok("l:\n  - x\n");
	l = gd_config_get(root, "l");
	cr_assert_str_eq(gd_config_error(l, "bad %d", 42),
	    "t.yaml:1: key 'l': bad 42");
	cr_assert_str_eq(gd_config_error(gd_config_node_at(l, 0), "no"),
	    "t.yaml:2: no");
}

/* ---- validation ------------------------------------------------------ */

static const struct gd_config_key echo_keys[] = {
	{ "greeting", GD_CONFIG_KEY_STRING, "hi", 0, 0, "banner" },
	{ "max-line", GD_CONFIG_KEY_INT, "1000", 1, 65536, "limit" },
	{ "timeout", GD_CONFIG_KEY_DURATION, "30s", 1000, 3600000, "idle" },
	{ "buffer", GD_CONFIG_KEY_SIZE, "64K", 0, 0, "buffer" },
	{ "debug", GD_CONFIG_KEY_BOOL, "no", 0, 0, "debug" },
	{ "names", GD_CONFIG_KEY_STRINGS, NULL, 0, 0, "names" },
	{ "extra", GD_CONFIG_KEY_MAP, NULL, 0, 0, "anything" },
	{ "items", GD_CONFIG_KEY_SEQ, NULL, 0, 0, "list" },
	{ "free", GD_CONFIG_KEY_ANY, NULL, 0, 0, "whatever" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

Test(config, validate_ok)
{
	const char *err = NULL;

	string_ok("echo:\n  greeting: hello\n  max-line: 100\n  timeout: 5s\n"
	    "  buffer: 1M\n  debug: on\n  names: [a]\n  extra: {x: 1}\n"
	    "  items: [1, 2]\n  free: [x]\n");
	cr_assert_eq(gd_config_validate(gd_config_get(root, "echo"),
	    echo_keys, &err), 0, "%s", err);
	cr_assert_eq(gd_config_validate(NULL, echo_keys, &err), 0);
}

Test(config, validate_unknown_key)
{
	const char *err = NULL;

	load_ok(DATA("bad-unknown.yaml"));
	cr_assert_eq(gd_config_validate(gd_config_get(root, "echo"),
	    echo_keys, &err), -1);
	cr_assert_str_eq(err, DATA("bad-unknown.yaml") ":3: key 'greting': "
	    "expected one of greeting, max-line, timeout, buffer, debug, "
	    "names, extra, items, free, got an unknown key");
}

Test(config, validate_types_and_bounds)
{
	static const struct {
		const char *text;
		const char *error;
	} cases[] = {
		{ "max-line: 0", "t.yaml:1: key 'max-line': expected an "
		    "integer in 1..65536, got '0'" },
		{ "timeout: 2h", "t.yaml:1: key 'timeout': expected a "
		    "duration in 1s..1h, got '2h'" },
		{ "greeting: [a]", "t.yaml:1: key 'greeting': expected a "
		    "string, got a list" },
		{ "extra: 5", "t.yaml:1: key 'extra': expected a map, got "
		    "'5'" },
		{ "items: {a: 1}", "t.yaml:1: key 'items': expected a list, "
		    "got a map" },
		{ "debug: 2", "t.yaml:1: key 'debug': expected true or "
		    "false, got '2'" },
		{ "buffer: lots", "t.yaml:1: key 'buffer': expected a size "
		    "like 64K or 10M, got 'lots'" },
	};
	const char *err;
	size_t k;

	for (k = 0; k < GD_N_ELEMENTS(cases); k++) {
		string_ok(cases[k].text);
		err = NULL;
		cr_assert_eq(gd_config_validate(root, echo_keys, &err), -1,
		    "%s", cases[k].text);
		cr_assert_str_eq(err, cases[k].error);
		gd_config_free(&cfg);
	}
	string_ok("echo: [1]\n");
	cr_assert_eq(gd_config_validate(gd_config_get(root, "echo"),
	    echo_keys, &err), -1);
	cr_assert_str_eq(err, "t.yaml:1: key 'echo': expected a map, got a "
	    "list");
}

Test(config, bad_node_handle_aborts, .signal = SIGABRT)
{
	uint32_t fake[32] = { 0 };

	gd_config_node_type((const struct gd_config_node *)fake);
}

/* ---- parsed generations ------------------------------------------------ */

static int gens_parsed, gens_freed;

/* A generation is the value of key `n`, boxed; n < 0 does not parse. */
static void *
gens_parse(const struct gd_config_node *node, const char **error_r)
{
	int64_t n = 0;
	int *v;

	if (gd_config_get_int(node, "n", 0, -100, 100, &n, error_r) < 0)
		return NULL;
	if (n < 0) {
		*error_r = "negative";
		return NULL;
	}
	gens_parsed++;
	v = malloc(sizeof(*v));
	*v = (int)n;
	return v;
}

static void
gens_free(void *parsed)
{
	gens_freed++;
	free(parsed);
}

static const struct gd_config_node *
gens_node(struct gd_config **c, const char *text)
{
	char *error = NULL;

	*c = gd_config_load_string("g.yaml", text, strlen(text), &error);
	cr_assert_not_null(*c, "%s", error);
	return gd_config_root(*c);
}

Test(config, generations_parse_once_and_live_until_freed)
{
	struct gd_config *c1, *c2, *c3;
	const struct gd_config_node *n1 = gens_node(&c1, "n: 1"),
	    *n2 = gens_node(&c2, "n: 2"), *n3 = gens_node(&c3, "n: -1");
	struct gd_config_gens *g;
	const int *first, *v;
	const char *error = NULL;

	gens_parsed = gens_freed = 0;
	cr_assert_null(gd_config_gens_create(n3, gens_parse, gens_free,
	    &error));
	cr_assert_str_eq(error, "negative");
	g = gd_config_gens_create(n1, gens_parse, gens_free, &error);
	cr_assert_not_null(g);
	first = gd_config_gens_current(g, n1);
	cr_assert_eq(*first, 1);
	cr_assert_eq(gens_parsed, 1, "the same node is not parsed again");
	v = gd_config_gens_current(g, n2);
	cr_assert_eq(*v, 2);
	cr_assert_eq(gd_config_gens_current(g, n2), v);
	cr_assert_eq(gens_parsed, 2);
	cr_assert_eq(*first, 1, "the old generation stays for its users");
	cr_assert_eq(gd_config_gens_current(g, n3), v,
	    "a node that no longer parses keeps the current one");
	gd_config_gens_free(&g);
	cr_assert_null(g);
	cr_assert_eq(gens_freed, 2);
	gd_config_gens_free(&g);
	gd_config_free(&c1);
	gd_config_free(&c2);
	gd_config_free(&c3);
}
