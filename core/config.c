/*
 * config.c — the configuration tree: loading with includes, node
 * accessors, typed getters and validation against key tables.
 *
 * Every getter produces its error as "FILE:LINE: key 'K': expected WHAT,
 * got FOUND" so that users see one consistent shape whichever subsystem
 * complains.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-private.h"

struct strbuf {
	char *s;
	size_t len;
	size_t alloc;
};

struct include_ctx {
	struct gd_config *cfg;
	const char *stack[GD_CONFIG_MAX_INCLUDE_DEPTH + 1];
	unsigned depth;
};

static void strbuf_add(struct strbuf *b, const char *s, size_t n);
static const char *config_expected(const struct gd_config_node *loc,
    const char *key, const char *what);
static const struct gd_config_node *config_lookup(
    const struct gd_config_node *map, const char *key);
static int config_load_file(struct include_ctx *ic, const char *path,
    const struct gd_config_node *from, struct gd_config_node **root_r,
    const char **error_r);
static const char *config_include_error(const struct gd_config_node *item,
    const char *fmt, ...) GD_PRINTF(2, 3);
static int config_includes(struct include_ctx *ic,
    struct gd_config_node *root, const char *path, const char **error_r);

static void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->alloc) {
		b->alloc = (b->len + n + 1) * 2;
		b->s = gd_xrealloc(b->s, b->alloc);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* ---- accessors ----------------------------------------------------- */

const struct gd_config_node *
gd_config_root(const struct gd_config *cfg)
{
	GD_CHECK_MAGIC(cfg, GD_CONFIG_MAGIC);
	return cfg->root;
}

struct gd_pool *
gd_config_pool(const struct gd_config *cfg)
{
	GD_CHECK_MAGIC(cfg, GD_CONFIG_MAGIC);
	return cfg->pool;
}

enum gd_config_type
gd_config_node_type(const struct gd_config_node *n)
{
	GD_CHECK_MAGIC(n, GD_CONFIG_NODE_MAGIC);
	return n->type;
}

const char *
gd_config_node_file(const struct gd_config_node *n)
{
	GD_CHECK_MAGIC(n, GD_CONFIG_NODE_MAGIC);
	return n->file;
}

unsigned
gd_config_node_line(const struct gd_config_node *n)
{
	GD_CHECK_MAGIC(n, GD_CONFIG_NODE_MAGIC);
	return n->line;
}

const char *
gd_config_node_key(const struct gd_config_node *n)
{
	GD_CHECK_MAGIC(n, GD_CONFIG_NODE_MAGIC);
	return n->key;
}

const char *
gd_config_node_scalar(const struct gd_config_node *n)
{
	if (n == NULL)
		return NULL;
	GD_CHECK_MAGIC(n, GD_CONFIG_NODE_MAGIC);
	return n->type == GD_CONFIG_SCALAR ? n->scalar : NULL;
}

bool
gd_config_node_is_null(const struct gd_config_node *n)
{
	if (n == NULL)
		return false;
	GD_CHECK_MAGIC(n, GD_CONFIG_NODE_MAGIC);
	return n->type == GD_CONFIG_SCALAR && n->null;
}

size_t
gd_config_node_count(const struct gd_config_node *n)
{
	if (n == NULL)
		return 0;
	GD_CHECK_MAGIC(n, GD_CONFIG_NODE_MAGIC);
	return n->type == GD_CONFIG_SCALAR ? 0 : n->count;
}

const struct gd_config_node *
gd_config_node_at(const struct gd_config_node *n, size_t i)
{
	if (i >= gd_config_node_count(n))
		return NULL;
	return n->children[i];
}

const struct gd_config_node *
gd_config_get(const struct gd_config_node *map, const char *key)
{
	if (map == NULL)
		return NULL;
	GD_CHECK_MAGIC(map, GD_CONFIG_NODE_MAGIC);
	return gd_config_map_find(map, key);
}

struct gd_pool *
gd_config_node_pool(const struct gd_config_node *n)
{
	GD_CHECK_MAGIC(n, GD_CONFIG_NODE_MAGIC);
	return n->cfg->pool;
}

/* ---- errors -------------------------------------------------------- */

/* Caller holds the lock. */
static const char *
config_prefix(const struct gd_config_node *loc, const char *key)
{
	struct gd_pool *pool = loc->cfg->pool;

	if (key == NULL)
		return gd_pool_printf(pool, "%s:%u: ", loc->file, loc->line);
	return gd_pool_printf(pool, "%s:%u: key %s: ", loc->file, loc->line,
	    gd_config_quote(pool, key));
}

static const char *
config_verror(const struct gd_config_node *loc, const char *key,
    const char *fmt, va_list ap)
{
	struct gd_config *cfg = loc->cfg;
	const char *ret, *text;

	pthread_mutex_lock(&cfg->lock);
	text = gd_pool_vprintf(cfg->pool, fmt, ap);
	ret = gd_pool_printf(cfg->pool, "%s%s", config_prefix(loc, key),
	    text);
	pthread_mutex_unlock(&cfg->lock);
	return ret;
}

const char *
gd_config_error(const struct gd_config_node *n, const char *fmt, ...)
{
	const char *ret;
	va_list ap;

	GD_CHECK_MAGIC(n, GD_CONFIG_NODE_MAGIC);
	va_start(ap, fmt);
	ret = config_verror(n, n->key, fmt, ap);
	va_end(ap);
	return ret;
}

/* Errors about include directives, whether a string or a list item. */
static const char *
config_include_error(const struct gd_config_node *item, const char *fmt,
    ...)
{
	const char *ret;
	va_list ap;

	va_start(ap, fmt);
	ret = config_verror(item, "include", fmt, ap);
	va_end(ap);
	return ret;
}

/* "LOC: key 'KEY': expected WHAT, got <loc described>" */
static const char *
config_expected(const struct gd_config_node *loc, const char *key,
    const char *what)
{
	struct gd_config *cfg = loc->cfg;
	const char *ret;

	pthread_mutex_lock(&cfg->lock);
	ret = gd_pool_printf(cfg->pool, "%sexpected %s, got %s",
	    config_prefix(loc, key), what, gd_config_node_describe(loc));
	pthread_mutex_unlock(&cfg->lock);
	return ret;
}

/* ---- number parsing ------------------------------------------------ */

/* Digits in `base` at *sp; -1 if none, -2 on overflow.  Advances *sp. */
static int
parse_u64(const char **sp, unsigned base, uint64_t *value_r)
{
	const char *s = *sp;
	uint64_t v = 0;
	unsigned d;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -2;
		v = v * base + d;
	}
	if (s == *sp)
		return -1;
	*sp = s;
	*value_r = v;
	return 0;
}

/* Decimal or 0x hex, optional sign; -1 bad syntax, -2 out of int64. */
static int
parse_int64(const char *s, int64_t *value_r)
{
	bool neg = false;
	uint64_t mag;
	unsigned base = 10;
	int ret;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	ret = parse_u64(&s, base, &mag);
	if (ret == 0 && *s != '\0')
		return -1;
	if (ret < 0)
		return ret;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return -2;
		*value_r = mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return -2;
		*value_r = (int64_t)mag;
	}
	return 0;
}

/* NUMBER [spaces] UNIT, UNIT looked up in `units`; -1 syntax, -2 overflow */
struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit duration_units[] = {
	{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 },
	{ "h", 3600 * 1000 }, { "d", 86400 * 1000 }, { NULL, 0 },
};

#define KI	1024ULL
static const struct unit size_units[] = {
	{ "", 1 }, { "B", 1 },
	{ "K", KI }, { "KB", KI }, { "KiB", KI },
	{ "M", KI * KI }, { "MB", KI * KI }, { "MiB", KI * KI },
	{ "G", KI * KI * KI }, { "GB", KI * KI * KI }, { "GiB", KI * KI * KI },
	{ "T", KI * KI * KI * KI }, { "TB", KI * KI * KI * KI },
	{ "TiB", KI * KI * KI * KI },
	{ "k", KI }, { "kB", KI }, { "kiB", KI }, { "m", KI * KI },
	{ "g", KI * KI * KI }, { NULL, 0 },
};

static int
parse_with_unit(const char *s, const struct unit *units, uint64_t *value_r)
{
	uint64_t v;
	int ret;

	ret = parse_u64(&s, 10, &v);
	if (ret < 0)
		return ret;
	while (*s == ' ')
		s++;
	for (; units->name != NULL; units++) {
		if (strcmp(s, units->name) != 0)
			continue;
		if (v > UINT64_MAX / units->mult)
			return -2;
		*value_r = v * units->mult;
		return 0;
	}
	return -1;
}

/* The largest unit that divides v exactly, for bounds in messages. */
static void
format_with_unit(char *buf, size_t size, uint64_t v,
    const struct unit *units, size_t n_units)
{
	size_t i;

	for (i = n_units; i-- > 0;) {
		if (units[i].mult > 1 && v != 0 && v % units[i].mult == 0) {
			snprintf(buf, size, "%" PRIu64 "%s", v / units[i].mult,
			    units[i].name);
			return;
		}
	}
	snprintf(buf, size, "%" PRIu64 "%s", v, units[0].name);
}

static const struct unit duration_fmt[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 },
	{ "h", 3600 * 1000 }, { "d", 86400 * 1000 },
};
static const struct unit size_fmt[] = {
	{ "", 1 }, { "K", KI }, { "M", KI * KI }, { "G", KI * KI * KI },
	{ "T", KI * KI * KI * KI },
};

/* ---- typed getters ------------------------------------------------- */

/* The key's node, or NULL when it is absent or null. */
static const struct gd_config_node *
config_lookup(const struct gd_config_node *map, const char *key)
{
	const struct gd_config_node *n;

	n = gd_config_get(map, key);
	if (n != NULL && n->type == GD_CONFIG_SCALAR && n->null)
		return NULL;
	return n;
}

int
gd_config_get_string(const struct gd_config_node *map, const char *key,
    const char *def, const char **value_r, const char **error_r)
{
	const struct gd_config_node *n = config_lookup(map, key);

	if (n == NULL) {
		*value_r = def;
		return 0;
	}
	if (n->type != GD_CONFIG_SCALAR) {
		*error_r = config_expected(n, n->key, "a string");
		return -1;
	}
	*value_r = n->scalar;
	return 0;
}

int
gd_config_get_int(const struct gd_config_node *map, const char *key,
    int64_t def, int64_t min, int64_t max, int64_t *value_r,
    const char **error_r)
{
	const struct gd_config_node *n = config_lookup(map, key);
	char what[96];
	int64_t v;

	if (n == NULL) {
		*value_r = def;
		return 0;
	}
	if (n->type == GD_CONFIG_SCALAR && parse_int64(n->scalar, &v) == 0 &&
	    v >= min && v <= max) {
		*value_r = v;
		return 0;
	}
	if (min == INT64_MIN && max == INT64_MAX)
		snprintf(what, sizeof(what), "an integer");
	else
		snprintf(what, sizeof(what), "an integer in %" PRId64 "..%"
		    PRId64, min, max);
	*error_r = config_expected(n, n->key, what);
	return -1;
}

int
gd_config_get_bool(const struct gd_config_node *map, const char *key,
    bool def, bool *value_r, const char **error_r)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const struct gd_config_node *n = config_lookup(map, key);
	size_t i;

	if (n == NULL) {
		*value_r = def;
		return 0;
	}
	for (i = 0; n->type == GD_CONFIG_SCALAR && i < GD_N_ELEMENTS(yes);
	    i++) {
		if (strcasecmp(n->scalar, yes[i]) == 0) {
			*value_r = true;
			return 0;
		}
		if (strcasecmp(n->scalar, no[i]) == 0) {
			*value_r = false;
			return 0;
		}
	}
	*error_r = config_expected(n, n->key, "true or false");
	return -1;
}

/* Shared by durations and sizes. */
static int
config_get_unit(const struct gd_config_node *map, const char *key,
    uint64_t def, uint64_t min, uint64_t max, uint64_t *value_r,
    const char **error_r, bool duration)
{
	const struct gd_config_node *n = config_lookup(map, key);
	const char *like = duration ? "a duration like 30s or 500ms" :
	    "a size like 64K or 10M";
	char what[128], lo[32], hi[32];
	uint64_t v = 0;
	int ret = -1;

	if (n == NULL) {
		*value_r = def;
		return 0;
	}
	if (n->type == GD_CONFIG_SCALAR)
		ret = parse_with_unit(n->scalar, duration ? duration_units :
		    size_units, &v);
	if (ret == 0 && v >= min && v <= max) {
		*value_r = v;
		return 0;
	}
	if (ret == -1 || (min == 0 && max == UINT64_MAX)) {
		*error_r = config_expected(n, n->key, like);
		return -1;
	}
	if (duration) {
		format_with_unit(lo, sizeof(lo), min, duration_fmt,
		    GD_N_ELEMENTS(duration_fmt));
		format_with_unit(hi, sizeof(hi), max, duration_fmt,
		    GD_N_ELEMENTS(duration_fmt));
	} else {
		format_with_unit(lo, sizeof(lo), min, size_fmt,
		    GD_N_ELEMENTS(size_fmt));
		format_with_unit(hi, sizeof(hi), max, size_fmt,
		    GD_N_ELEMENTS(size_fmt));
	}
	snprintf(what, sizeof(what), "a %s in %s..%s",
	    duration ? "duration" : "size", lo, hi);
	*error_r = config_expected(n, n->key, what);
	return -1;
}

int
gd_config_get_duration(const struct gd_config_node *map, const char *key,
    uint64_t def_ms, uint64_t min_ms, uint64_t max_ms, uint64_t *value_r,
    const char **error_r)
{
	return config_get_unit(map, key, def_ms, min_ms, max_ms, value_r,
	    error_r, true);
}

int
gd_config_get_size(const struct gd_config_node *map, const char *key,
    uint64_t def, uint64_t min, uint64_t max, uint64_t *value_r,
    const char **error_r)
{
	return config_get_unit(map, key, def, min, max, value_r, error_r,
	    false);
}

int
gd_config_get_enum(const struct gd_config_node *map, const char *key,
    const char *const *choices, int def, int *value_r, const char **error_r)
{
	const struct gd_config_node *n = config_lookup(map, key);
	struct strbuf b = { NULL, 0, 0 };
	int i;

	if (n == NULL) {
		*value_r = def;
		return 0;
	}
	for (i = 0; n->type == GD_CONFIG_SCALAR && choices[i] != NULL; i++) {
		if (strcmp(n->scalar, choices[i]) == 0) {
			*value_r = i;
			return 0;
		}
	}
	strbuf_add(&b, "one of ", 7);
	for (i = 0; choices[i] != NULL; i++) {
		if (i > 0)
			strbuf_add(&b, ", ", 2);
		strbuf_add(&b, choices[i], strlen(choices[i]));
	}
	*error_r = config_expected(n, n->key, b.s);
	free(b.s);
	return -1;
}

int
gd_config_get_strings(const struct gd_config_node *map, const char *key,
    const char *const **values_r, size_t *count_r, const char **error_r)
{
	static const char *const empty[] = { NULL };
	const struct gd_config_node *n = config_lookup(map, key);
	const char **v;
	size_t i, count;

	if (n == NULL) {
		*values_r = empty;
		if (count_r != NULL)
			*count_r = 0;
		return 0;
	}
	if (n->type == GD_CONFIG_MAP) {
		*error_r = config_expected(n, n->key,
		    "a string or a list of strings");
		return -1;
	}
	count = n->type == GD_CONFIG_SCALAR ? 1 : n->count;
	for (i = 0; n->type == GD_CONFIG_SEQ && i < count; i++) {
		if (n->children[i]->type != GD_CONFIG_SCALAR ||
		    n->children[i]->null) {
			*error_r = config_expected(n->children[i], n->key,
			    "a string");
			return -1;
		}
	}
	pthread_mutex_lock(&n->cfg->lock);
	v = gd_pool_alloc(n->cfg->pool, (count + 1) * sizeof(*v));
	pthread_mutex_unlock(&n->cfg->lock);
	for (i = 0; i < count; i++)
		v[i] = n->type == GD_CONFIG_SCALAR ? n->scalar :
		    n->children[i]->scalar;
	*values_r = v;
	if (count_r != NULL)
		*count_r = count;
	return 0;
}

/* ---- validation ---------------------------------------------------- */

static int
config_validate_container(const struct gd_config_node *n,
    enum gd_config_type type, const char *what, const char **error_r)
{
	if (n->type == type || (n->type == GD_CONFIG_SCALAR && n->null))
		return 0;
	*error_r = config_expected(n, n->key, what);
	return -1;
}

static int
config_validate_one(const struct gd_config_node *map,
    const struct gd_config_node *n, const struct gd_config_key *k,
    const char **error_r)
{
	bool unbounded = k->min == 0 && k->max == 0;
	uint64_t umin = k->min < 0 ? 0 : (uint64_t)k->min;
	uint64_t umax = unbounded ? UINT64_MAX : (uint64_t)k->max;
	const char *const *strs;
	const char *s;
	uint64_t u;
	int64_t i;
	bool b;

	switch (k->type) {
	case GD_CONFIG_KEY_STRING:
		return gd_config_get_string(map, k->name, NULL, &s, error_r);
	case GD_CONFIG_KEY_INT:
		return gd_config_get_int(map, k->name, 0,
		    unbounded ? INT64_MIN : k->min,
		    unbounded ? INT64_MAX : k->max, &i, error_r);
	case GD_CONFIG_KEY_BOOL:
		return gd_config_get_bool(map, k->name, false, &b, error_r);
	case GD_CONFIG_KEY_DURATION:
		return gd_config_get_duration(map, k->name, 0, umin, umax,
		    &u, error_r);
	case GD_CONFIG_KEY_SIZE:
		return gd_config_get_size(map, k->name, 0, umin, umax, &u,
		    error_r);
	case GD_CONFIG_KEY_STRINGS:
		return gd_config_get_strings(map, k->name, &strs, NULL,
		    error_r);
	case GD_CONFIG_KEY_MAP:
		return config_validate_container(n, GD_CONFIG_MAP, "a map",
		    error_r);
	case GD_CONFIG_KEY_SEQ:
		return config_validate_container(n, GD_CONFIG_SEQ, "a list",
		    error_r);
	case GD_CONFIG_KEY_ANY:
		return 0;
	}
	gd_fatal("config: key '%s' has unknown type %d", k->name,
	    (int)k->type);
}

static const char *
config_unknown_key(const struct gd_config_node *n,
    const struct gd_config_key *keys)
{
	struct strbuf b = { NULL, 0, 0 };
	const char *ret;
	size_t i;

	strbuf_add(&b, "", 0);
	for (i = 0; keys[i].name != NULL; i++) {
		if (i > 0)
			strbuf_add(&b, ", ", 2);
		strbuf_add(&b, keys[i].name, strlen(keys[i].name));
	}
	ret = gd_config_error(n, "expected one of %s, got an unknown key",
	    b.s);
	free(b.s);
	return ret;
}

int
gd_config_validate(const struct gd_config_node *map,
    const struct gd_config_key *keys, const char **error_r)
{
	const struct gd_config_node *n;
	size_t i, j;

	if (map == NULL)
		return 0;
	GD_CHECK_MAGIC(map, GD_CONFIG_NODE_MAGIC);
	if (config_validate_container(map, GD_CONFIG_MAP, "a map",
	    error_r) < 0)
		return -1;
	for (i = 0; i < gd_config_node_count(map); i++) {
		n = map->children[i];
		for (j = 0; keys[j].name != NULL; j++) {
			if (strcmp(keys[j].name, n->key) == 0)
				break;
		}
		if (keys[j].name == NULL) {
			*error_r = config_unknown_key(n, keys);
			return -1;
		}
		if (config_validate_one(map, n, &keys[j], error_r) < 0)
			return -1;
	}
	return 0;
}

/* ---- loading ------------------------------------------------------- */

static struct gd_config *
config_new(void)
{
	struct gd_config *cfg;

	cfg = gd_xcalloc(1, sizeof(*cfg));
	cfg->magic = GD_CONFIG_MAGIC;
	cfg->pool = gd_pool_create("config");
	pthread_mutex_init(&cfg->lock, NULL);
	return cfg;
}

void
gd_config_free(struct gd_config **cfgp)
{
	struct gd_config *cfg = *cfgp;

	if (cfg == NULL)
		return;
	GD_CHECK_MAGIC(cfg, GD_CONFIG_MAGIC);
	gd_pool_destroy(&cfg->pool);
	pthread_mutex_destroy(&cfg->lock);
	cfg->magic = 0;
	free(cfg);
	*cfgp = NULL;
}

/* An error about `path`, at the include directive if there is one. */
static const char *
config_file_error(struct gd_config *cfg, const struct gd_config_node *from,
    const char *path, const char *problem)
{
	if (from == NULL)
		return gd_pool_printf(cfg->pool, "%s: %s", path, problem);
	return config_include_error(from, "cannot include '%s': %s", path,
	    problem);
}

static int
config_read(struct gd_config *cfg, const struct gd_config_node *from,
    const char *path, char **text_r, size_t *len_r, const char **error_r)
{
	struct stat st;
	ssize_t r = 0;
	size_t len = 0;
	char *text;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		*error_r = config_file_error(cfg, from, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > GD_CONFIG_MAX_FILE_SIZE) {
		close(fd);
		*error_r = config_file_error(cfg, from, path,
		    !S_ISREG(st.st_mode) ? "not a regular file" :
		    "file too large");
		return -1;
	}
	text = gd_pool_alloc(cfg->pool, (size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		r = read(fd, text + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (r < 0)
		*error_r = config_file_error(cfg, from, path, strerror(errno));
	close(fd);
	*text_r = text;
	*len_r = len;
	return r < 0 ? -1 : 0;
}

static int
config_load_file(struct include_ctx *ic, const char *path,
    const struct gd_config_node *from, struct gd_config_node **root_r,
    const char **error_r)
{
	struct gd_config *cfg = ic->cfg;
	char real[PATH_MAX], *text;
	size_t len;
	unsigned i;
	int ret;

	if (realpath(path, real) == NULL) {
		*error_r = config_file_error(cfg, from, path, strerror(errno));
		return -1;
	}
	for (i = 0; i < ic->depth; i++) {
		if (strcmp(ic->stack[i], real) == 0) {
			*error_r = config_include_error(from, "include cycle: "
			    "'%s' is already being included", path);
			return -1;
		}
	}
	if (ic->depth > GD_CONFIG_MAX_INCLUDE_DEPTH) {
		*error_r = config_include_error(from, "cannot include '%s': "
		    "includes nested deeper than %d levels", path,
		    GD_CONFIG_MAX_INCLUDE_DEPTH);
		return -1;
	}
	if (config_read(cfg, from, path, &text, &len, error_r) < 0)
		return -1;
	if (gd_config_yaml_parse(cfg, path, text, len, root_r, error_r) < 0)
		return -1;
	ic->stack[ic->depth++] = gd_pool_strdup(cfg->pool, real);
	ret = config_includes(ic, *root_r, path, error_r);
	ic->depth--;
	return ret;
}

/* Merge an included file's top-level map into `root`. */
static int
config_merge(struct gd_config_node *root, const struct gd_config_node *sub,
    const char **error_r)
{
	const struct gd_config_node *prev;
	size_t i;

	for (i = 0; i < sub->count; i++) {
		prev = gd_config_map_find(root, sub->children[i]->key);
		if (prev != NULL) {
			*error_r = gd_config_error(sub->children[i],
			    "defined twice, first at %s:%u", prev->file,
			    prev->line);
			return -1;
		}
		gd_config_node_append(root, sub->children[i]);
	}
	return 0;
}

/* One include pattern, relative to the including file `path`. */
static int
config_include_one(struct include_ctx *ic, struct gd_config_node *root,
    const char *path, const struct gd_config_node *item,
    const char **error_r)
{
	struct gd_config *cfg = ic->cfg;
	struct gd_config_node *sub;
	const char *slash, *full = item->scalar;
	glob_t g;
	size_t i;
	int ret;

	slash = strrchr(path, '/');
	if (full[0] != '/' && slash != NULL)
		full = gd_pool_printf(cfg->pool, "%.*s%s",
		    (int)(slash - path + 1), path, full);
	if (strpbrk(full, "*?[") == NULL) {
		if (config_load_file(ic, full, item, &sub, error_r) < 0)
			return -1;
		return config_merge(root, sub, error_r);
	}
	ret = glob(full, 0, NULL, &g);
	if (ret == GLOB_NOMATCH)
		return 0;
	if (ret != 0) {
		*error_r = config_include_error(item, "cannot expand '%s'",
		    full);
		return -1;
	}
	for (i = 0, ret = 0; ret == 0 && i < g.gl_pathc; i++) {
		ret = config_load_file(ic, g.gl_pathv[i], item, &sub, error_r);
		if (ret == 0)
			ret = config_merge(root, sub, error_r);
	}
	globfree(&g);
	return ret;
}

/* Process and remove the top-level `include:` of `root`, read from path. */
static int
config_includes(struct include_ctx *ic, struct gd_config_node *root,
    const char *path, const char **error_r)
{
	const struct gd_config_node *inc, *item;
	const char *const *strs;
	size_t i, count;

	inc = gd_config_map_find(root, "include");
	if (inc == NULL)
		return 0;
	if (gd_config_get_strings(root, "include", &strs, &count,
	    error_r) < 0)
		return -1;
	for (i = 0; i < root->count && root->children[i] != inc; i++)
		;
	memmove(root->children + i, root->children + i + 1,
	    (root->count - i - 1) * sizeof(*root->children));
	root->count--;
	for (i = 0; i < count; i++) {
		item = inc->type == GD_CONFIG_SEQ ? inc->children[i] : inc;
		if (config_include_one(ic, root, path, item, error_r) < 0)
			return -1;
	}
	return 0;
}

static struct gd_config *
config_finish(struct gd_config *cfg, int ret, const char *error,
    char **error_r)
{
	if (ret == 0)
		return cfg;
	*error_r = gd_xstrdup(error);
	gd_config_free(&cfg);
	return NULL;
}

struct gd_config *
gd_config_load(const char *path, char **error_r)
{
	struct include_ctx ic;
	struct gd_config *cfg = config_new();
	const char *error = NULL;
	int ret;

	memset(&ic, 0, sizeof(ic));
	ic.cfg = cfg;
	ret = config_load_file(&ic, path, NULL, &cfg->root, &error);
	return config_finish(cfg, ret, error, error_r);
}

struct gd_config *
gd_config_load_string(const char *name, const char *text, size_t len,
    char **error_r)
{
	struct gd_config *cfg = config_new();
	const struct gd_config_node *inc;
	const char *error = NULL;
	int ret;

	ret = gd_config_yaml_parse(cfg, name, text, len, &cfg->root, &error);
	inc = ret == 0 ? gd_config_map_find(cfg->root, "include") : NULL;
	if (inc != NULL) {
		/* No directory to resolve against, and no file system. */
		error = gd_config_error(inc, "includes are only supported "
		    "in configuration files");
		ret = -1;
	}
	return config_finish(cfg, ret, error, error_r);
}
