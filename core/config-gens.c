/*
 * config-gens.c — a module's parsed configuration generations: the newest
 * is current, older ones stay for the sessions that started with them.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include <gumdrop/config.h>
#include <gumdrop/common.h>

struct config_gen {
	const struct gd_config_node *node;
	void *parsed;
	struct config_gen *older;
};

struct gd_config_gens {
	pthread_mutex_t lock;
	gd_config_parse_fn *parse;
	gd_config_free_fn *free_fn;
	struct config_gen *newest;
};

static struct config_gen *
config_gen_parse(const struct gd_config_gens *g,
    const struct gd_config_node *node, const char **error_r)
{
	struct config_gen *gen;
	void *parsed;

	if ((parsed = g->parse(node, error_r)) == NULL)
		return NULL;
	gen = gd_xcalloc(1, sizeof(*gen));
	gen->node = node;
	gen->parsed = parsed;
	return gen;
}

struct gd_config_gens *
gd_config_gens_create(const struct gd_config_node *node,
    gd_config_parse_fn *parse, gd_config_free_fn *free_fn,
    const char **error_r)
{
	struct gd_config_gens *g = gd_xcalloc(1, sizeof(*g));

	g->parse = parse;
	g->free_fn = free_fn;
	if ((g->newest = config_gen_parse(g, node, error_r)) == NULL) {
		free(g);
		return NULL;
	}
	pthread_mutex_init(&g->lock, NULL);
	return g;
}

const void *
gd_config_gens_current(struct gd_config_gens *g,
    const struct gd_config_node *node)
{
	struct config_gen *gen;
	const char *error;
	const void *parsed;

	pthread_mutex_lock(&g->lock);
	if (g->newest->node != node &&
	    (gen = config_gen_parse(g, node, &error)) != NULL) {
		gen->older = g->newest;
		g->newest = gen;
	}
	parsed = g->newest->parsed;
	pthread_mutex_unlock(&g->lock);
	return parsed;
}

void
gd_config_gens_free(struct gd_config_gens **gp)
{
	struct gd_config_gens *g = *gp;
	struct config_gen *gen, *older;

	if (g == NULL)
		return;
	for (gen = g->newest; gen != NULL; gen = older) {
		older = gen->older;
		g->free_fn(gen->parsed);
		free(gen);
	}
	pthread_mutex_destroy(&g->lock);
	free(g);
	*gp = NULL;
}
