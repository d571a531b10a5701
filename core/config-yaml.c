/*
 * config-yaml.c — build a configuration tree from libyaml events.
 *
 * We accept a strict subset of YAML: one document whose top level is a
 * map, with maps, sequences and scalars below it.  Anchors and aliases
 * are refused (they make "where was this set?" hard to answer and allow
 * billion-laughs expansion), as are non-scalar map keys and keys that
 * appear twice in one map.
 *
 * The small helpers that build and describe nodes live here too; the
 * accessors, getters and include handling are in config.c.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "config-private.h"

#define QUOTE_MAX	60

/* ---- building the tree --------------------------------------------- */

struct gd_config_node *
gd_config_node_new(struct gd_config *cfg, enum gd_config_type type,
    const char *file, unsigned line)
{
	struct gd_config_node *n;

	n = gd_pool_alloc(cfg->pool, sizeof(*n));
	n->magic = GD_CONFIG_NODE_MAGIC;
	n->type = type;
	n->cfg = cfg;
	n->file = file;
	n->line = line;
	return n;
}

void
gd_config_node_append(struct gd_config_node *parent,
    struct gd_config_node *child)
{
	struct gd_config_node **c;

	assert(parent->type != GD_CONFIG_SCALAR);
	if (parent->count == parent->alloc) {
		/* Pool memory is not reallocated; the old array is wasted. */
		parent->alloc = parent->alloc == 0 ? 4 : parent->alloc * 2;
		c = gd_pool_alloc(parent->cfg->pool,
		    parent->alloc * sizeof(*c));
		if (parent->count > 0)
			memcpy(c, parent->children,
			    parent->count * sizeof(*c));
		parent->children = c;
	}
	parent->children[parent->count++] = child;
}

struct gd_config_node *
gd_config_map_find(const struct gd_config_node *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != GD_CONFIG_MAP)
		return NULL;
	for (i = 0; i < map->count; i++) {
		if (strcmp(map->children[i]->key, key) == 0)
			return map->children[i];
	}
	return NULL;
}

const char *
gd_config_quote(struct gd_pool *pool, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	/* Worst case: every byte escaped, plus quotes and "...". */
	char out[(QUOTE_MAX + 4) * 4 + 8];
	size_t i, o = 0;

	out[o++] = '\'';
	for (i = 0; p[i] != '\0'; i++) {
		/* Do not cut a (valid) UTF-8 sequence in half. */
		if (i >= QUOTE_MAX + 3 ||
		    (i >= QUOTE_MAX && (p[i] & 0xc0) != 0x80)) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			/* UNSAFE: 4 bytes, within the worst case above. */
			snprintf(out + o, 5, "\\x%02x", p[i]);
			o += 4;
		} else {
			out[o++] = (char)p[i];
		}
	}
	out[o++] = '\'';
	return gd_pool_strndup(pool, out, o);
}

const char *
gd_config_node_describe(const struct gd_config_node *n)
{
	switch (n->type) {
	case GD_CONFIG_MAP:
		return "a map";
	case GD_CONFIG_SEQ:
		return "a list";
	case GD_CONFIG_SCALAR:
		break;
	}
	if (n->null)
		return "an empty value";
	return gd_config_quote(n->cfg->pool, n->scalar);
}

/* ---- the parser ---------------------------------------------------- */

struct yaml_ctx {
	struct gd_config *cfg;
	const char *file;
	yaml_parser_t parser;
	const char *error;
};

static int yaml_ctx_error(struct yaml_ctx *y, size_t mark_line,
    const char *fmt, ...) GD_PRINTF(3, 4);
static int yaml_next(struct yaml_ctx *y, yaml_event_t *ev);
static int yaml_refuse_anchor(struct yaml_ctx *y, const yaml_event_t *ev);
static int yaml_parse_node(struct yaml_ctx *y, yaml_event_t *ev,
    unsigned depth, struct gd_config_node **node_r);
static int yaml_parse_scalar(struct yaml_ctx *y, yaml_event_t *ev,
    struct gd_config_node **node_r);
static int yaml_parse_map(struct yaml_ctx *y, struct gd_config_node *map,
    unsigned depth);
static int yaml_parse_map_entry(struct yaml_ctx *y, yaml_event_t *kev,
    struct gd_config_node *map, unsigned depth);
static int yaml_parse_seq(struct yaml_ctx *y, struct gd_config_node *seq,
    unsigned depth);
static int yaml_parse_document(struct yaml_ctx *y,
    struct gd_config_node **root_r);

static int
yaml_ctx_error(struct yaml_ctx *y, size_t mark_line, const char *fmt, ...)
{
	va_list ap;
	const char *msg;

	va_start(ap, fmt);
	msg = gd_pool_vprintf(y->cfg->pool, fmt, ap);
	va_end(ap);
	y->error = gd_pool_printf(y->cfg->pool, "%s:%zu: %s", y->file,
	    mark_line + 1, msg);
	return -1;
}

static int
yaml_next(struct yaml_ctx *y, yaml_event_t *ev)
{
	yaml_parser_t *p = &y->parser;
	size_t line;

	if (yaml_parser_parse(p, ev))
		return 0;
	/* Reader errors (bad encoding) carry no problem_mark. */
	line = p->error == YAML_READER_ERROR ? p->mark.line :
	    p->problem_mark.line;
	return yaml_ctx_error(y, line, "YAML syntax error: %s%s%s",
	    p->problem != NULL ? p->problem : "unknown error",
	    p->context != NULL ? " " : "",
	    p->context != NULL ? p->context : "");
}

static int
yaml_refuse_anchor(struct yaml_ctx *y, const yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return yaml_ctx_error(y, ev->start_mark.line,
		    "YAML anchors and aliases are not supported, "
		    "found alias %s", gd_config_quote(y->cfg->pool,
		    (const char *)ev->data.alias.anchor));
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		break;
	default:
		break;
	}
	if (anchor == NULL)
		return 0;
	return yaml_ctx_error(y, ev->start_mark.line,
	    "YAML anchors and aliases are not supported, found anchor %s",
	    gd_config_quote(y->cfg->pool, (const char *)anchor));
}

static bool
yaml_scalar_is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    ev->data.scalar.tag != NULL)
		return false;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

static int
yaml_parse_scalar(struct yaml_ctx *y, yaml_event_t *ev,
    struct gd_config_node **node_r)
{
	struct gd_config_node *n;
	const char *v = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;

	if (strlen(v) != len)
		return yaml_ctx_error(y, ev->start_mark.line,
		    "NUL characters are not allowed in values");
	n = gd_config_node_new(y->cfg, GD_CONFIG_SCALAR, y->file,
	    (unsigned)ev->start_mark.line + 1);
	n->scalar = gd_pool_strndup(y->cfg->pool, v, len);
	n->null = yaml_scalar_is_null(ev);
	*node_r = n;
	return 0;
}

/* Consumes (deletes) *ev, the first event of the node. */
static int
yaml_parse_node(struct yaml_ctx *y, yaml_event_t *ev, unsigned depth,
    struct gd_config_node **node_r)
{
	struct gd_config_node *n;
	unsigned line = (unsigned)ev->start_mark.line + 1;
	int ret;

	if (yaml_refuse_anchor(y, ev) < 0) {
		yaml_event_delete(ev);
		return -1;
	}
	if (depth > GD_CONFIG_MAX_DEPTH &&
	    (ev->type == YAML_MAPPING_START_EVENT ||
	    ev->type == YAML_SEQUENCE_START_EVENT)) {
		yaml_event_delete(ev);
		return yaml_ctx_error(y, line - 1,
		    "maps and lists nested deeper than %d levels",
		    GD_CONFIG_MAX_DEPTH);
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		ret = yaml_parse_scalar(y, ev, node_r);
		yaml_event_delete(ev);
		return ret;
	case YAML_MAPPING_START_EVENT:
		yaml_event_delete(ev);
		n = gd_config_node_new(y->cfg, GD_CONFIG_MAP, y->file, line);
		*node_r = n;
		return yaml_parse_map(y, n, depth + 1);
	case YAML_SEQUENCE_START_EVENT:
		yaml_event_delete(ev);
		n = gd_config_node_new(y->cfg, GD_CONFIG_SEQ, y->file, line);
		*node_r = n;
		return yaml_parse_seq(y, n, depth + 1);
	default:
		ret = (int)ev->type;
		yaml_event_delete(ev);
		return yaml_ctx_error(y, line - 1,
		    "unexpected YAML event %d", ret);
	}
}

/* Consumes *kev, the key's event. */
static int
yaml_parse_map_entry(struct yaml_ctx *y, yaml_event_t *kev,
    struct gd_config_node *map, unsigned depth)
{
	struct gd_config_node *value, *prev;
	yaml_event_t ev;
	unsigned line = (unsigned)kev->start_mark.line + 1;
	const char *key;
	int ret;

	if (kev->type == YAML_MAPPING_START_EVENT ||
	    kev->type == YAML_SEQUENCE_START_EVENT) {
		yaml_event_delete(kev);
		return yaml_ctx_error(y, line - 1,
		    "map keys must be strings, not maps or lists");
	}
	ret = yaml_parse_node(y, kev, depth, &value);
	if (ret < 0)
		return -1;
	key = value->scalar;
	prev = gd_config_map_find(map, key);
	if (prev != NULL)
		return yaml_ctx_error(y, line - 1,
		    "key %s: defined twice, first at %s:%u",
		    gd_config_quote(y->cfg->pool, key), prev->file,
		    prev->line);
	if (yaml_next(y, &ev) < 0)
		return -1;
	if (yaml_parse_node(y, &ev, depth, &value) < 0)
		return -1;
	/* Errors about a value name the line of its key. */
	value->key = key;
	value->line = line;
	gd_config_node_append(map, value);
	return 0;
}

static int
yaml_parse_map(struct yaml_ctx *y, struct gd_config_node *map,
    unsigned depth)
{
	yaml_event_t ev;

	for (;;) {
		if (yaml_next(y, &ev) < 0)
			return -1;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (yaml_parse_map_entry(y, &ev, map, depth) < 0)
			return -1;
	}
}

static int
yaml_parse_seq(struct yaml_ctx *y, struct gd_config_node *seq,
    unsigned depth)
{
	struct gd_config_node *item;
	yaml_event_t ev;

	for (;;) {
		if (yaml_next(y, &ev) < 0)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (yaml_parse_node(y, &ev, depth, &item) < 0)
			return -1;
		gd_config_node_append(seq, item);
	}
}

/* After STREAM_START: the single document, or nothing at all. */
static int
yaml_parse_document(struct yaml_ctx *y, struct gd_config_node **root_r)
{
	struct gd_config_node *root;
	yaml_event_t ev;
	yaml_event_type_t type;
	size_t line;

	if (yaml_next(y, &ev) < 0)
		return -1;
	type = ev.type;
	yaml_event_delete(&ev);
	if (type == YAML_STREAM_END_EVENT) {
		*root_r = gd_config_node_new(y->cfg, GD_CONFIG_MAP, y->file, 1);
		return 0;
	}
	if (yaml_next(y, &ev) < 0)
		return -1;
	if (yaml_parse_node(y, &ev, 0, &root) < 0)
		return -1;
	if (root->type == GD_CONFIG_SCALAR && root->null)
		root = gd_config_node_new(y->cfg, GD_CONFIG_MAP, y->file,
		    root->line);
	if (root->type != GD_CONFIG_MAP)
		return yaml_ctx_error(y, root->line - 1,
		    "expected a map at the top level, got %s",
		    gd_config_node_describe(root));
	/* DOCUMENT_END, then STREAM_END or another document. */
	if (yaml_next(y, &ev) < 0)
		return -1;
	yaml_event_delete(&ev);
	if (yaml_next(y, &ev) < 0)
		return -1;
	type = ev.type;
	line = ev.start_mark.line;
	yaml_event_delete(&ev);
	if (type != YAML_STREAM_END_EVENT)
		return yaml_ctx_error(y, line,
		    "multiple YAML documents are not supported");
	*root_r = root;
	return 0;
}

int
gd_config_yaml_parse(struct gd_config *cfg, const char *file,
    const char *text, size_t len, struct gd_config_node **root_r,
    const char **error_r)
{
	struct yaml_ctx y;
	yaml_event_t ev;
	int ret = -1;

	memset(&y, 0, sizeof(y));
	y.cfg = cfg;
	y.file = gd_pool_strdup(cfg->pool, file);
	if (!yaml_parser_initialize(&y.parser))
		gd_fatal("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)text,
	    len);
	if (yaml_next(&y, &ev) == 0) {
		yaml_event_delete(&ev);
		ret = yaml_parse_document(&y, root_r);
	}
	yaml_parser_delete(&y.parser);
	if (ret < 0)
		*error_r = y.error;
	return ret;
}
