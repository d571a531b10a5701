/*
 * config-private.h — the configuration tree's internals, shared by
 * config.c (accessors, getters, includes) and config-yaml.c (the parser).
 */
#ifndef GD_CONFIG_PRIVATE_H
#define GD_CONFIG_PRIVATE_H

#include <pthread.h>

#include <gumdrop/config.h>
#include <gumdrop/pool.h>

#define GD_CONFIG_MAGIC		0x43464721U	/* "CFG!" */
#define GD_CONFIG_NODE_MAGIC	0x434e4f44U	/* "CNOD" */

/* Deepest nesting of maps and sequences the parser accepts. */
#define GD_CONFIG_MAX_DEPTH	64
/* Deepest chain of includes (the top file is level 0). */
#define GD_CONFIG_MAX_INCLUDE_DEPTH	8
/* Largest file gd_config_load reads. */
#define GD_CONFIG_MAX_FILE_SIZE	(16 * 1024 * 1024)

struct gd_config {
	uint32_t magic;
	struct gd_pool *pool;
	struct gd_config_node *root;
	/*
	 * Getters may run on any thread and allocate error strings and
	 * arrays in the pool, which is not thread-safe by itself.
	 */
	pthread_mutex_t lock;
};

struct gd_config_node {
	uint32_t magic;
	enum gd_config_type type;
	struct gd_config *cfg;
	const char *file;
	unsigned line;
	const char *key;		/* map values only */
	const char *scalar;		/* scalars only */
	bool null;			/* plain ~, null or empty */
	size_t count;
	size_t alloc;
	struct gd_config_node **children;
};

/*
 * Allocate a node in cfg's pool (cfg's lock is not taken: only for
 * building a tree, which happens on one thread).
 */
struct gd_config_node *gd_config_node_new(struct gd_config *cfg,
    enum gd_config_type type, const char *file, unsigned line);

/* Append `child` to a map or sequence node, growing its array. */
void gd_config_node_append(struct gd_config_node *parent,
    struct gd_config_node *child);

/* Find a key among a map's children; NULL if absent. */
struct gd_config_node *gd_config_map_find(const struct gd_config_node *map,
    const char *key);

/*
 * Parse one YAML document `text` (`len` bytes) that came from `file`
 * into a tree in cfg's pool.  *root_r is always a map (an empty file
 * gives an empty map).  On failure returns -1 with *error_r (in cfg's
 * pool) reading "FILE:LINE: ...".  Includes are not processed here.
 */
int gd_config_yaml_parse(struct gd_config *cfg, const char *file,
    const char *text, size_t len, struct gd_config_node **root_r,
    const char **error_r);

/*
 * Describe a node for "got ..." in errors: "a map", "a list", or the
 * scalar quoted ('two'), with control characters escaped and long
 * values shortened.  Allocated in cfg's pool; caller holds cfg->lock.
 */
const char *gd_config_node_describe(const struct gd_config_node *n);

/* The same quoting for any string, in `pool`. */
const char *gd_config_quote(struct gd_pool *pool, const char *s);

#endif /* GD_CONFIG_PRIVATE_H */
