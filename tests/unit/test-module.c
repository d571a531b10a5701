/*
 * test-module.c — the loader against the fixture modules in
 * tests/modules/: every rejection's one-line message, dependency order,
 * fini order, config validation, reload, -M output, and hooks run
 * through loaded modules (misbehaving reply, pending on a real loop).
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include <gumdrop/gumdrop.h>

#include "loop-private.h"
#include "module-private.h"

#define DIR	GD_TEST_BUILDDIR "/modules/.libs"

/* good.so's service table (tests/modules/good.c). */
struct good_counter {
	size_t size;
	int (*add)(int a, int b);
	const char *(*greeting)(void);
};

/* Fixtures record their lifecycle here (they find it with a weak ref). */
void gd_test_record(const char *event);

static char records[512];
static pthread_mutex_t records_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gd_config *cfg;

void
gd_test_record(const char *event)
{
	pthread_mutex_lock(&records_lock);
	if (records[0] != '\0')
		strcat(records, ",");
	strcat(records, event);
	pthread_mutex_unlock(&records_lock);
}

static const struct gd_config_node *
yaml(const char *fmt, ...)
{
	char text[1024], *err = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	gd_config_free(&cfg);
	cfg = gd_config_load_string("test.yaml", text, strlen(text), &err);
	cr_assert_not_null(cfg, "config: %s", err);
	return gd_config_root(cfg);
}

/* Load `list` (a YAML flow list body) with optional extra YAML. */
static int
load(const char *list, const char *extra, const char **error_r)
{
	return gd_modules_load(yaml("modules: {path: \"%s\", load: [%s]}\n%s",
	    DIR, list, extra != NULL ? extra : ""), NULL, error_r);
}

static void
expect_refusal(const char *list, const char *module, const char *what)
{
	const char *error = NULL;
	char want[1024];

	cr_assert_eq(load(list, NULL, &error), -1, "%s loaded", list);
	snprintf(want, sizeof(want), "module '%s' (%s/%s.so): %s", module, DIR,
	    module, what);
	cr_assert_str_eq(error, want);
	cr_assert_eq(gd_module_count(), 0);
	cr_assert_not(gd_modules_is_loaded_name(module));
}

static void
teardown(void)
{
	gd_modules_unload();
	gd_config_free(&cfg);
}

TestSuite(loader, .fini = teardown);

Test(loader, basic_good_module)
{
	const struct good_counter *counter;
	const char *error = NULL;
	char out[512];
	FILE *f;

	cr_assert_eq(load("good", "good: {greeting: hi}\n", &error), 0,
	    "%s", error);
	cr_assert_eq(gd_module_count(), 1);
	cr_assert(gd_modules_is_loaded_name("good"));
	cr_assert_not(gd_modules_is_loaded_name("bad"));
	cr_assert_str_eq(records, "init good");
	counter = gd_service_lookup("good.counter", 1, 2, &error);
	cr_assert_not_null(counter, "%s", error);
	cr_assert_eq(counter->add(2, 3), 5);
	/* A service's table leads back to its module's context. */
	cr_assert_not_null(gd_service_module_ctx(counter));
	cr_assert_str_eq(gd_module_ctx_name(gd_service_module_ctx(counter)),
	    "good");
	cr_assert_null(gd_service_module_ctx(&error));
	cr_assert_not_null(gd_hook_point_find("good.event"));
	cr_assert_eq(gd_hook_point_handler_count(
	    gd_hook_point_find("good.event")), 1);
	cr_assert_null(gd_protocol_find("echo"));
	f = fmemopen(out, sizeof(out), "w");
	gd_modules_print(f);
	fclose(f);
	cr_assert_str_eq(out, "good 1.2.3 abi=" GD_STR(GD_ABI_MAJOR) "."
	    GD_STR(GD_ABI_MINOR) " file=" DIR "/good.so\n");
	gd_modules_unload();
	cr_assert_str_eq(records, "init good,fini good");
	cr_assert_eq(gd_module_count(), 0);
	cr_assert_null(gd_service_lookup("good.counter", 1, 0, NULL));
	cr_assert_null(gd_hook_point_find("good.event"));
}

Test(loader, basic_no_modules_section)
{
	const char *error = NULL;

	cr_assert_eq(gd_modules_load(yaml("workers: 1\n"), DIR, &error), 0);
	cr_assert_eq(gd_module_count(), 0);
}

Test(loader, basic_override_dir_wins_over_path)
{
	const char *error = NULL;

	/* gumdropd -m DIR must beat modules.path from the file. */
	cr_assert_eq(gd_modules_load(yaml("modules: {path: /nonexistent, "
	    "load: [good]}\n"), DIR, &error), 0, "%s", error);
	cr_assert(gd_modules_is_loaded_name("good"));
}

Test(loader, basic_override_dir_used_without_path)
{
	const char *error = NULL;

	cr_assert_eq(gd_modules_load(yaml("modules: {load: [good]}\n"), DIR,
	    &error), 0, "%s", error);
	cr_assert(gd_modules_is_loaded_name("good"));
}

Test(loader, basic_wrong_major)
{
	expect_refusal("wrong-major", "wrong-major",
	    "ABI major 2, this gumdropd supports 1");
}

Test(loader, basic_newer_minor)
{
	char want[128];

	/* The fixture declares the core's minor + 5. */
	snprintf(want, sizeof(want), "ABI minor %d is newer than this "
	    "gumdropd's %d.%d", GD_ABI_MINOR + 5, GD_ABI_MAJOR, GD_ABI_MINOR);
	expect_refusal("newer-minor", "newer-minor", want);
}

Test(loader, basic_missing_symbol)
{
	expect_refusal("no-symbol", "no-symbol",
	    "missing symbol gumdrop_module");
}

Test(loader, basic_bad_magic)
{
	expect_refusal("bad-magic", "bad-magic",
	    "bad magic 0x12345678, expected 0x47444d44");
}

Test(loader, basic_missing_dependency)
{
	expect_refusal("needs-missing", "needs-missing",
	    "needs module 'absent', which is not loaded");
}

Test(loader, basic_missing_service)
{
	expect_refusal("dep-b", "dep-b", "needs service 'good.counter' 1.1, "
	    "which no loaded module provides");
}

Test(loader, basic_failing_init_finalises_the_others)
{
	expect_refusal("good, failing-init", "failing-init",
	    "init failed: database unreachable");
	cr_assert_str_eq(records, "init good,fini good");
}

Test(loader, basic_missing_file)
{
	const char *error = NULL;
	char want[256];

	cr_assert_eq(load("nosuch", NULL, &error), -1);
	snprintf(want, sizeof(want), "module 'nosuch' (%s/nosuch.so): cannot "
	    "load: ", DIR);
	cr_assert_eq(strncmp(error, want, strlen(want)), 0, "%s", error);
}

Test(loader, complex_later_failure_unloads_earlier_modules)
{
	expect_refusal("good, wrong-major", "wrong-major",
	    "ABI major 2, this gumdropd supports 1");
	cr_assert_not(gd_modules_is_loaded_name("good"));
	cr_assert_str_eq(records, "");
}

Test(loader, complex_loaded_twice)
{
	expect_refusal("good, good", "good", "loaded twice");
}

Test(loader, complex_invalid_name)
{
	const char *error = NULL;

	cr_assert_eq(load("\"../good\"", NULL, &error), -1);
	cr_assert_not_null(strstr(error, "invalid module name"), "%s", error);
}

Test(loader, complex_init_in_dependency_order_fini_reverse)
{
	const char *error = NULL;

	cr_assert_eq(load("dep-a, dep-b, good", NULL, &error), 0, "%s",
	    error);
	cr_assert_str_eq(records, "init good,init dep-b,init dep-a");
	records[0] = '\0';
	gd_modules_unload();
	cr_assert_str_eq(records, "fini dep-a,fini dep-b,fini good");
}

Test(loader, complex_dependency_cycle)
{
	expect_refusal("cycle-a, cycle-b", "cycle-a",
	    "dependency cycle: cycle-a -> cycle-b -> cycle-a");
}

Test(loader, complex_config_key_error_names_file_line)
{
	const char *error = NULL;

	cr_assert_eq(load("good", "good:\n  greting: hi\n", &error), -1);
	cr_assert_not_null(strstr(error, "module 'good' (" DIR "/good.so): "
	    "test.yaml:3: key 'greting'"), "%s", error);
	cr_assert_str_eq(records, "");
	/* A module without keys accepts no subtree. */
	cr_assert_eq(load("failing-init", "failing-init: {x: 1}\n", &error),
	    -1);
	cr_assert_not_null(strstr(error, "test.yaml:2: key 'x'"), "%s",
	    error);
	/* Bad `modules:` keys. */
	cr_assert_eq(gd_modules_load(yaml("modules: {lod: [good]}\n"), DIR,
	    &error), -1);
	cr_assert_not_null(strstr(error, "test.yaml:1:"), "%s", error);
}

Test(loader, complex_reload_accept_and_refuse)
{
	const char *error = NULL;
	const struct gd_config_node *root;
	const struct good_counter *good;
	struct gd_config *first, *second;

	cr_assert_eq(load("good", "good: {greeting: one}\n", &error), 0);
	good = gd_service_lookup("good.counter", 1, 2, NULL);
	cr_assert_str_eq(good->greeting(), "one");
	first = cfg;
	cfg = NULL;
	root = yaml("modules: {path: \"%s\", load: [good]}\n"
	    "good: {greeting: two}\n", DIR);
	cr_assert_eq(gd_modules_reload(root, &error), 0, "%s", error);
	second = cfg;
	cfg = NULL;
	cr_assert_str_eq(good->greeting(), "two");
	root = yaml("modules: {path: \"%s\", load: [good]}\n"
	    "good: {refuse-reload: yes}\n", DIR);
	cr_assert_eq(gd_modules_reload(root, &error), -1);
	cr_assert_str_eq(error, "module 'good' (" DIR "/good.so): reload "
	    "refused: not today");
	root = yaml("modules: {path: \"%s\", load: [good]}\n"
	    "good: {bogus: 1}\n", DIR);
	cr_assert_eq(gd_modules_reload(root, &error), -1);
	cr_assert_not_null(strstr(error, "key 'bogus'"), "%s", error);
	root = yaml("modules: {path: \"%s\", load: [good, dep-b]}\n", DIR);
	cr_assert_eq(gd_modules_reload(root, &error), -1);
	cr_assert_not_null(strstr(error, "list of modules changed"));
	/* Refused reloads left the accepted generation in place. */
	cr_assert_str_eq(good->greeting(), "two");
	gd_modules_unload();
	gd_config_free(&second);
	gd_config_free(&first);
}

Test(loader, complex_hooks_misbehaving_reply_corrected)
{
	struct gd_hook_call call;
	const struct gd_hook_result *r;
	const char *error = NULL;

	cr_assert_eq(load("good, misbehaving",
	    "hooks: {good.event: [misbehaving, good]}\n", &error), 0, "%s",
	    error);
	records[0] = '\0';
	gd_hook_call_init(&call, gd_hook_point_find("good.event"), NULL, NULL,
	    NULL, NULL, NULL);
	cr_assert_eq(gd_hook_run(&call), 1);
	r = gd_hook_call_result(&call);
	cr_assert_eq(r->verdict, GD_VERDICT_REJECT);
	cr_assert_eq(r->reply.code, 550);
	cr_assert_str_eq(r->reply.enhanced, "5.7.1");
	cr_assert_str_eq(r->module, "misbehaving");
	cr_assert_str_eq(records, "");	/* good's handler never ran */
}

Test(loader, complex_hooks_config_error)
{
	const char *error = NULL;

	cr_assert_eq(load("good, dep-b",
	    "hooks:\n  good.event:\n    - dep-b\n", &error), -1);
	cr_assert_str_eq(error, "test.yaml:4: module 'dep-b' has no handler "
	    "for hook point 'good.event'");
	cr_assert_eq(gd_module_count(), 0);
}

struct wait_state {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	bool on_loop;
	pthread_t loop_thread;
	struct gd_hook_call call;
	enum gd_verdict verdict;
	char text[64];
};

static struct wait_state ws = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void
pending_done(struct gd_hook_call *call, const struct gd_hook_result *r)
{
	pthread_mutex_lock(&ws.lock);
	ws.done = true;
	ws.on_loop = pthread_equal(pthread_self(), ws.loop_thread);
	ws.verdict = r->verdict;
	snprintf(ws.text, sizeof(ws.text), "%s", r->reply.text);
	pthread_cond_signal(&ws.cond);
	pthread_mutex_unlock(&ws.lock);
}

static void
pending_start(void *arg)
{
	ws.loop_thread = pthread_self();
	gd_hook_call_init(&ws.call, gd_hook_point_find("good.event"), arg,
	    NULL, NULL, NULL, pending_done);
	cr_assert_eq(gd_hook_run(&ws.call), 0);
}

Test(loader, complex_pending_module_resumes_on_loop)
{
	const char *error = NULL;
	struct timespec deadline;
	int rc = 0;

	cr_assert_eq(load("pending, good", "hooks: {good.event: [pending]}\n",
	    &error), 0, "%s", error);
	cr_assert_eq(gd_loops_start(1, 1, gd_modules_thread_init,
	    gd_modules_thread_fini, &error), 0, "%s", error);
	cr_assert_eq(gd_loop_invoke(gd_loop_get(0), pending_start,
	    gd_loop_get(0)), 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&ws.lock);
	while (!ws.done && rc == 0)
		rc = pthread_cond_timedwait(&ws.cond, &ws.lock, &deadline);
	pthread_mutex_unlock(&ws.lock);
	gd_loops_drain(0);
	gd_loops_join();
	cr_assert(ws.done);
	cr_assert(ws.on_loop);
	cr_assert_eq(ws.verdict, GD_VERDICT_ACCEPT);
	cr_assert_str_eq(ws.text, "resumed");
}

Test(loader, pin_library_keeps_it_mapped_after_dlclose)
{
	const char *path = DIR "/dep-a.so";
	void *dl, *sym;

	cr_assert_null(dlopen(path, RTLD_LAZY | RTLD_NOLOAD));
	dl = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	cr_assert_not_null(dl, "%s", dlerror());
	sym = dlsym(dl, "gumdrop_module");
	cr_assert_not_null(sym);
	cr_assert_eq(gd_module_pin_library(sym), 0);
	dlclose(dl);
	/* Still there: the pin holds a reference that is never dropped. */
	dl = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
	cr_assert_not_null(dl);
	dlclose(dl);
}

Test(loader, pin_library_of_no_library_fails)
{
	int local = 0;

	cr_assert_eq(gd_module_pin_library(&local), -1);
}
