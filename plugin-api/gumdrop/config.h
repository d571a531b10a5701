/*
 * gumdrop/config.h — the configuration tree.
 *
 * The daemon parses one YAML file (plus its `include:`s) into a read-only
 * tree of nodes.  Every node remembers the file and line it came from, so
 * that every error can name them.  Errors read:
 *
 *   FILE:LINE: key 'NAME': expected WHAT, got WHAT-WAS-FOUND
 *
 * A tree belongs to one config generation and lives in that generation's
 * pool; node pointers and the strings they return stay valid until the
 * generation is released (after a reload, when the last connection that
 * started under it has closed).  Trees are immutable once loaded, so they
 * may be read from any thread.
 *
 * Error strings returned through `error_r` are allocated in the tree's
 * pool and live as long as the tree.
 */
#ifndef GUMDROP_CONFIG_H
#define GUMDROP_CONFIG_H

#include <gumdrop/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gd_pool;
struct gd_config;
struct gd_config_node;

enum gd_config_type {
	GD_CONFIG_SCALAR = 1,
	GD_CONFIG_MAP,
	GD_CONFIG_SEQ,
};

/* ---- loading (core; modules receive nodes, not files) ------------- */

/*
 * Parse `path` and its includes.  Top-level `include: GLOB` (a string or
 * a list of strings; relative paths are resolved against the including
 * file's directory) merges each matching file's top-level map, in sorted
 * order; a key defined twice is an error naming both places.  On failure
 * returns NULL and sets *error_r to a malloc'd "FILE:LINE: ..." message
 * the caller frees.
 */
GD_API struct gd_config *gd_config_load(const char *path, char **error_r);

/* Parse YAML from memory; `name` stands for the file name in errors. */
GD_API struct gd_config *gd_config_load_string(const char *name,
    const char *text, size_t len, char **error_r);

/* Free the tree and everything allocated from it; sets *cfg to NULL. */
GD_API void gd_config_free(struct gd_config **cfg);

/* The root node (always a map) and the pool that owns the tree. */
GD_API const struct gd_config_node *gd_config_root(const struct gd_config *cfg);
GD_API struct gd_pool *gd_config_pool(const struct gd_config *cfg);

/* ---- nodes ---------------------------------------------------------- */

GD_API enum gd_config_type gd_config_node_type(const struct gd_config_node *n);
GD_API const char *gd_config_node_file(const struct gd_config_node *n);
GD_API unsigned gd_config_node_line(const struct gd_config_node *n);

/* For a map entry's value node: its key.  NULL for sequence items/root. */
GD_API const char *gd_config_node_key(const struct gd_config_node *n);

/* A scalar's text, or NULL if `n` is not a scalar. */
GD_API const char *gd_config_node_scalar(const struct gd_config_node *n);

/*
 * A YAML null (`~`, `null`, or an empty value) is a scalar for which this
 * returns true.
 */
GD_API bool gd_config_node_is_null(const struct gd_config_node *n);

/* Children of a map or sequence (0 for scalars), in file order. */
GD_API size_t gd_config_node_count(const struct gd_config_node *n);
GD_API const struct gd_config_node *gd_config_node_at(
    const struct gd_config_node *n, size_t i);

/* A map's value for `key`, or NULL if absent or `map` is not a map. */
GD_API const struct gd_config_node *gd_config_get(
    const struct gd_config_node *map, const char *key);

/* The pool owning the tree that holds `n`. */
GD_API struct gd_pool *gd_config_node_pool(const struct gd_config_node *n);

/*
 * Build an error for `n` in the format above, allocated in the tree's
 * pool: "FILE:LINE: key 'KEY': " followed by the formatted text (the key
 * part is left out for nodes without a key).
 */
GD_API const char *gd_config_error(const struct gd_config_node *n,
    const char *fmt, ...) GD_PRINTF(2, 3);

/* ---- typed getters -------------------------------------------------- */
/*
 * Each looks `key` up in `map`.  If absent (or null), the default is
 * stored and 0 returned.  If present and valid, the value is stored and 0
 * returned.  Otherwise -1 is returned and *error_r explains, e.g.
 *
 *   gumdrop.yaml:12: key 'workers': expected an integer in 1..64, got 'two'
 *
 * All return 0 or -1.
 */
GD_API int gd_config_get_string(const struct gd_config_node *map,
    const char *key, const char *def, const char **value_r,
    const char **error_r);

/* Integers in [min, max]; accepts decimal and 0x-prefixed hex. */
GD_API int gd_config_get_int(const struct gd_config_node *map,
    const char *key, int64_t def, int64_t min, int64_t max,
    int64_t *value_r, const char **error_r);

/* true/false, yes/no, on/off. */
GD_API int gd_config_get_bool(const struct gd_config_node *map,
    const char *key, bool def, bool *value_r, const char **error_r);

/*
 * Durations in milliseconds: "250ms", "30s", "5m", "2h", "1d"; a bare
 * number means seconds.  Checked against [min_ms, max_ms].
 */
GD_API int gd_config_get_duration(const struct gd_config_node *map,
    const char *key, uint64_t def_ms, uint64_t min_ms, uint64_t max_ms,
    uint64_t *value_r, const char **error_r);

/*
 * Sizes in bytes: "512", "64K", "10M", "1G" (powers of 1024; a trailing
 * "B"/"iB" is accepted).  Checked against [min, max].
 */
GD_API int gd_config_get_size(const struct gd_config_node *map,
    const char *key, uint64_t def, uint64_t min, uint64_t max,
    uint64_t *value_r, const char **error_r);

/*
 * One of `choices` (NULL-terminated); stores its index.  The error lists
 * the choices: "expected one of none, implicit, starttls, got 'tls'".
 */
GD_API int gd_config_get_enum(const struct gd_config_node *map,
    const char *key, const char *const *choices, int def, int *value_r,
    const char **error_r);

/*
 * A list of strings: a sequence of scalars, or a single scalar taken as a
 * one-item list.  *values_r is a NULL-terminated array in the tree's pool
 * (an empty array when absent); *count_r may be NULL.
 */
GD_API int gd_config_get_strings(const struct gd_config_node *map,
    const char *key, const char *const **values_r, size_t *count_r,
    const char **error_r);

/* ---- declared keys -------------------------------------------------- */

enum gd_config_key_type {
	GD_CONFIG_KEY_STRING = 1,
	GD_CONFIG_KEY_INT,
	GD_CONFIG_KEY_BOOL,
	GD_CONFIG_KEY_DURATION,
	GD_CONFIG_KEY_SIZE,
	GD_CONFIG_KEY_STRINGS,	/* scalar or sequence of scalars */
	GD_CONFIG_KEY_MAP,	/* any map; validated by its owner */
	GD_CONFIG_KEY_SEQ,	/* any sequence; validated by its owner */
	GD_CONFIG_KEY_ANY,
};

/*
 * One accepted key of a map, as static data (modules declare theirs in
 * their descriptor, see module.h).  `min`/`max` bound INT, DURATION (ms)
 * and SIZE values; both 0 means unbounded.  `def` is documentation only
 * (the text shown by `gumdropd --help-module`); getters take their own
 * default.  A table ends with an entry whose name is NULL.
 */
struct gd_config_key {
	const char *name;
	enum gd_config_key_type type;
	const char *def;
	int64_t min;
	int64_t max;
	const char *doc;
};

/*
 * Check that `map` is a map whose keys all appear in `keys` with values of
 * the declared type and bounds.  The first problem found is returned:
 *
 *   FILE:LINE: key 'greting': expected one of greeting, max-line, got an unknown key
 *
 * `map` may be NULL (nothing to check).  0 or -1.
 */
GD_API int gd_config_validate(const struct gd_config_node *map,
    const struct gd_config_key *keys, const char **error_r);

/* ---- parsed generations ------------------------------------------------ */

/*
 * A module's parsed configuration across reloads.  After a reload the
 * module's subtree (gd_module_ctx_config) is a new node; sessions started
 * before keep the parsed configuration they began with, so every parsed
 * generation lives until the set is freed (a reload is rare: a few
 * hundred bytes each).  `parse` turns a subtree (NULL: every default)
 * into the module's own structure or returns NULL with *error_r set;
 * `free` releases one.  Thread-safe (one mutex).
 */
typedef void *gd_config_parse_fn(const struct gd_config_node *node,
    const char **error_r);
typedef void gd_config_free_fn(void *parsed);

struct gd_config_gens;

/*
 * Parse `node` as the first generation.  NULL with *error_r set when it
 * does not parse (module init fails with that error).  Any thread.
 */
GD_API struct gd_config_gens *gd_config_gens_create(
    const struct gd_config_node *node, gd_config_parse_fn *parse,
    gd_config_free_fn *free_fn, const char **error_r);

/*
 * The parsed generation of `node`: parsed once, by the first caller that
 * passes a node other than the newest's (the reload already checked that
 * it parses; should it fail now, the previous generation stays current).
 * Valid until gd_config_gens_free().  Any thread.
 */
GD_API const void *gd_config_gens_current(struct gd_config_gens *gens,
    const struct gd_config_node *node);

/* Free every generation and set *gens to NULL; NULL is a no-op. */
GD_API void gd_config_gens_free(struct gd_config_gens **gens);

#ifdef __cplusplus
}
#endif

#endif /* GUMDROP_CONFIG_H */
