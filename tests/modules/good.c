/*
 * good.so — a well-formed fixture: a config key, a service, a hook point
 * and a handler on it; records its lifecycle through gd_test_record()
 * when the test program provides it.
 */
#include <gumdrop/gumdrop.h>

void gd_test_record(const char *event) __attribute__((weak));

struct good_counter {
	size_t size;
	int (*add)(int a, int b);
	const char *(*greeting)(void);
};

/* Fixture shortcut: real modules keep state in their ctx, not globals. */
static struct gd_module_ctx *good_ctx;

static int
good_add(int a, int b)
{
	return a + b;
}

/* The greeting from the module's current config generation. */
static const char *
good_greeting(void)
{
	const char *value, *error;

	if (gd_config_get_string(gd_module_ctx_config(good_ctx), "greeting",
	    "hello", &value, &error) < 0)
		return error;
	return value;
}

static const struct good_counter good_counter_table = {
	.size = sizeof(struct good_counter),
	.add = good_add,
	.greeting = good_greeting,
};

static void
good_record(const char *event)
{
	if (gd_test_record != NULL)
		gd_test_record(event);
}

static const struct gd_config_key good_keys[] = {
	{ "greeting", GD_CONFIG_KEY_STRING, "hello", 0, 0, "what to say" },
	{ "refuse-reload", GD_CONFIG_KEY_BOOL, "no", 0, 0,
	    "refuse the next reload (for tests)" },
	{ NULL, 0, NULL, 0, 0, NULL },
};

static const struct gd_hook_point_decl good_points[] = {
	{ "good.event", 0, "test point; arg unused" },
	{ NULL, 0, NULL },
};

static enum gd_verdict
good_handler(struct gd_hook_call *call, struct gd_module_ctx *ctx,
    void *data, struct gd_reply *reply_r)
{
	good_record("good.handler");
	return GD_VERDICT_CONTINUE;
}

static const struct gd_hook_reg good_hooks[] = {
	{ "good.event", good_handler, 0, NULL },
	{ NULL, NULL, 0, NULL },
};

static const struct gd_service_decl good_services[] = {
	{ "good.counter", 1, 2, &good_counter_table },
	{ NULL, 0, 0, NULL },
};

static int
good_init(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	good_ctx = ctx;
	good_record("init good");
	return 0;
}

static int
good_reload(struct gd_module_ctx *ctx, const struct gd_config_node *config,
    const char **error_r)
{
	bool refuse;

	if (gd_config_get_bool(config, "refuse-reload", false, &refuse,
	    error_r) < 0)
		return -1;
	if (refuse) {
		*error_r = "not today";
		return -1;
	}
	return 0;
}

static void
good_fini(struct gd_module_ctx *ctx)
{
	good_record("fini good");
}

GD_MODULE_EXPORT = {
	GD_MODULE_HEAD,
	.name = "good",
	.version = "1.2.3",
	.description = "well-formed test fixture",
	.license = "MIT",
	.config_keys = good_keys,
	.hook_points = good_points,
	.hooks = good_hooks,
	.services = good_services,
	.init = good_init,
	.reload = good_reload,
	.fini = good_fini,
};
