/*
 * test-local-delivery.c — the local-delivery module's pure code: the
 * configuration (domains, aliases and their start-up checks: loops,
 * fan-out, forwarding to other domains) and address resolution (local
 * domains, +detail, aliases recursive and deduplicated, postmaster).
 * ld-config.c and ld-resolve.c are compiled in.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include <gumdrop/config.h>
#include <gumdrop/pool.h>

#include "local-delivery.h"

static struct gd_config *tree;
static struct gd_pool *pool;

static struct ld_config *
parse(const char *yaml, const char **error_r)
{
	char *err = NULL;

	gd_config_free(&tree);
	tree = gd_config_load_string("test.yaml", yaml, strlen(yaml), &err);
	cr_assert_not_null(tree, "yaml: %s", err != NULL ? err : "?");
	*error_r = NULL;
	return ld_config_parse(gd_config_get(gd_config_root(tree),
	    "local-delivery"), error_r);
}

static struct ld_config *
parse_ok(const char *yaml)
{
	const char *err;
	struct ld_config *cfg = parse(yaml, &err);

	cr_assert_not_null(cfg, "config refused: %s", err);
	return cfg;
}

static void
setup(void)
{
	pool = gd_pool_create("test");
}

static void
teardown(void)
{
	gd_pool_destroy(&pool);
	gd_config_free(&tree);
}

TestSuite(ld, .init = setup, .fini = teardown);

static const char base[] =
    "local-delivery:\n"
    "  domains: [localhost, Example.Test]\n"
    "  aliases:\n"
    "    postmaster: demo\n"
    "    team: [demo, alice, Demo]\n"
    "    info: alice@example.test\n"
    "    all@example.test: [team, bob, info]\n"
    "    self: [self, bob]\n"
    "    sales@localhost: carol\n"
    "    foo+bar: dave\n";

static void
names_are(const struct ld_resolved *r, const char *const *want, unsigned n)
{
	unsigned i;

	cr_assert_eq(r->count, n, "got %u names", r->count);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(r->names[i], want[i]);
}

Test(ld, defaults)
{
	struct ld_config *cfg = parse_ok(base);

	cr_assert_str_eq(cfg->realm, "file");
	cr_assert_str_eq(cfg->storage, "maildir");
	cr_assert_str_eq(cfg->detail_delimiter, "+");
	cr_assert(cfg->detail_folders);
	cr_assert(cfg->quota_check);
	cr_assert_eq(cfg->over_quota, LD_OQ_BACKEND);
	cr_assert_null(cfg->catch_all);
	cr_assert(ld_domain_is_local(cfg, "EXAMPLE.test"));
	cr_assert(!ld_domain_is_local(cfg, "example.org"));
	ld_config_free(&cfg);
	cr_assert_null(cfg);
}

Test(ld, not_local)
{
	struct ld_config *cfg = parse_ok(base);
	struct ld_resolved r;

	cr_assert_eq(ld_resolve(cfg, "demo", "example.org", pool, &r), 0);
	cr_assert_eq(ld_resolve(cfg, "demo", "", pool, &r), 0);
	cr_assert_eq(ld_resolve(cfg, "demo", "test", pool, &r), 0);
	ld_config_free(&cfg);
}

Test(ld, plain_user_and_detail)
{
	struct ld_config *cfg = parse_ok(base);
	struct ld_resolved r;

	cr_assert_eq(ld_resolve(cfg, "demo", "EXAMPLE.TEST", pool, &r), 1);
	names_are(&r, (const char *[]){ "demo" }, 1);
	cr_assert(!r.aliased && !r.postmaster && r.detail == NULL);
	cr_assert_eq(ld_resolve(cfg, "demo+lists", "localhost", pool, &r), 1);
	names_are(&r, (const char *[]){ "demo" }, 1);
	cr_assert_str_eq(r.detail, "lists");
	/* A delimiter first or last: no detail. */
	cr_assert_eq(ld_resolve(cfg, "+demo", "localhost", pool, &r), 1);
	names_are(&r, (const char *[]){ "+demo" }, 1);
	cr_assert_eq(ld_resolve(cfg, "demo+", "localhost", pool, &r), 1);
	names_are(&r, (const char *[]){ "demo" }, 1);
	cr_assert_null(r.detail);
	/* Only the first delimiter splits. */
	cr_assert_eq(ld_resolve(cfg, "demo+a+b", "localhost", pool, &r), 1);
	cr_assert_str_eq(r.detail, "a+b");
	ld_config_free(&cfg);
}

Test(ld, detail_off_and_other_delimiters)
{
	struct ld_config *cfg = parse_ok("local-delivery:\n"
	    "  domains: example.test\n  detail-delimiter: \"-_\"\n");
	struct ld_resolved r;

	cr_assert_eq(ld_resolve(cfg, "demo_x", "example.test", pool, &r), 1);
	names_are(&r, (const char *[]){ "demo" }, 1);
	cr_assert_str_eq(r.detail, "x");
	cr_assert_eq(ld_resolve(cfg, "demo+x", "example.test", pool, &r), 1);
	names_are(&r, (const char *[]){ "demo+x" }, 1);
	ld_config_free(&cfg);
	cfg = parse_ok("local-delivery:\n  domains: example.test\n"
	    "  detail-delimiter: \"\"\n");
	cr_assert_eq(ld_resolve(cfg, "demo+x", "example.test", pool, &r), 1);
	names_are(&r, (const char *[]){ "demo+x" }, 1);
	cr_assert_null(r.detail);
	ld_config_free(&cfg);
}

Test(ld, aliases)
{
	struct ld_config *cfg = parse_ok(base);
	struct ld_resolved r;

	/* A list, deduplicated (Demo and demo are two names: realms are
	 * case-sensitive). */
	cr_assert_eq(ld_resolve(cfg, "TEAM", "example.test", pool, &r), 1);
	cr_assert(r.aliased);
	names_are(&r, (const char *[]){ "demo", "alice", "Demo" }, 3);
	/* Recursive, through a qualified key, deduplicated. */
	cr_assert_eq(ld_resolve(cfg, "all", "example.test", pool, &r), 1);
	names_are(&r, (const char *[]){ "demo", "alice", "Demo", "bob" }, 4);
	/* A qualified key only in its domain. */
	cr_assert_eq(ld_resolve(cfg, "all", "localhost", pool, &r), 1);
	cr_assert(!r.aliased);
	names_are(&r, (const char *[]){ "all" }, 1);
	cr_assert_eq(ld_resolve(cfg, "sales", "localhost", pool, &r), 1);
	names_are(&r, (const char *[]){ "carol" }, 1);
	/* An address target is its local part. */
	cr_assert_eq(ld_resolve(cfg, "info", "localhost", pool, &r), 1);
	names_are(&r, (const char *[]){ "alice" }, 1);
	/* Naming itself means the user. */
	cr_assert_eq(ld_resolve(cfg, "self", "localhost", pool, &r), 1);
	names_are(&r, (const char *[]){ "self", "bob" }, 2);
	/* The whole local part first, then without the detail. */
	cr_assert_eq(ld_resolve(cfg, "foo+bar", "localhost", pool, &r), 1);
	names_are(&r, (const char *[]){ "dave" }, 1);
	cr_assert_null(r.detail);
	cr_assert_eq(ld_resolve(cfg, "team+x", "localhost", pool, &r), 1);
	names_are(&r, (const char *[]){ "demo", "alice", "Demo" }, 3);
	cr_assert_str_eq(r.detail, "x");
	ld_config_free(&cfg);
}

Test(ld, postmaster)
{
	struct ld_config *cfg = parse_ok(base);
	struct ld_resolved r;

	cr_assert_eq(ld_resolve(cfg, "PostMaster", "", pool, &r), 1);
	cr_assert(r.postmaster && r.aliased);
	names_are(&r, (const char *[]){ "demo" }, 1);
	cr_assert_eq(ld_resolve(cfg, "postmaster+x", "localhost", pool,
	    &r), 1);
	cr_assert(r.postmaster);
	names_are(&r, (const char *[]){ "demo" }, 1);
	cr_assert_eq(ld_resolve(cfg, "postmaster", "example.org", pool,
	    &r), 0);
	ld_config_free(&cfg);
}

/* `postmaster:` names who gets postmaster@ (any case, every local
 * domain, bare <postmaster>) without a realm user of that name. */
Test(ld, postmaster_key)
{
	struct ld_config *cfg = parse_ok("local-delivery:\n"
	    "  domains: [localhost, example.test]\n"
	    "  postmaster: [alice, bob@example.test]\n"
	    "  aliases: {postmaster@localhost: carol, bob: dave}\n");
	struct ld_resolved r;

	cr_assert(cfg->has_postmaster);
	cr_assert_eq(ld_resolve(cfg, "PostMaster", "EXAMPLE.TEST", pool,
	    &r), 1);
	cr_assert(r.postmaster && r.aliased);
	/* Targets that are aliases expand in turn. */
	names_are(&r, (const char *[]){ "alice", "dave" }, 2);
	cr_assert_eq(ld_resolve(cfg, "POSTMASTER", "", pool, &r), 1);
	names_are(&r, (const char *[]){ "alice", "dave" }, 2);
	/* A per-domain alias still wins for its domain. */
	cr_assert_eq(ld_resolve(cfg, "postmaster", "localhost", pool, &r), 1);
	cr_assert(r.postmaster);
	names_are(&r, (const char *[]){ "carol" }, 1);
	ld_config_free(&cfg);

	/* `postmaster: postmaster` means the realm user of that name. */
	cfg = parse_ok("local-delivery: {domains: [x], postmaster: "
	    "postmaster}\n");
	cr_assert_eq(ld_resolve(cfg, "Postmaster", "x", pool, &r), 1);
	names_are(&r, (const char *[]){ "postmaster" }, 1);
	ld_config_free(&cfg);
}

/* Neither the key nor an alias: the realm user "postmaster" (warned at
 * start by the module), as before. */
Test(ld, postmaster_default)
{
	struct ld_config *cfg = parse_ok("local-delivery: {domains: [x]}\n");
	struct ld_resolved r;

	cr_assert(!cfg->has_postmaster);
	cr_assert_eq(ld_resolve(cfg, "postmaster", "X", pool, &r), 1);
	cr_assert(r.postmaster && !r.aliased);
	names_are(&r, (const char *[]){ "postmaster" }, 1);
	ld_config_free(&cfg);
	cfg = parse_ok(base);
	cr_assert(cfg->has_postmaster, "the alias counts");
	ld_config_free(&cfg);
}

static void
refused(const char *yaml, const char *needle)
{
	const char *err;
	struct ld_config *cfg = parse(yaml, &err);

	cr_assert_null(cfg, "accepted: %s", yaml);
	cr_assert_not_null(err);
	cr_assert(strstr(err, needle) != NULL, "error '%s' lacks '%s'", err,
	    needle);
}

Test(ld, config_errors)
{
	refused("other: 1\n", "missing");
	refused("local-delivery: {realm: file}\n", "domains");
	refused("local-delivery: {domains: []}\n", "no domain");
	refused("local-delivery: {domains: [a@b]}\n", "not a domain");
	refused("local-delivery: {domains: [x], nope: 1}\n", "nope");
	refused("local-delivery: {domains: [x], over-quota: sometimes}\n",
	    "over-quota");
	refused("local-delivery: {domains: [x], aliases: {a: b@y}}\n",
	    "forwarding");
	refused("local-delivery: {domains: [x], aliases: {a@y: b}}\n",
	    "local domain");
	refused("local-delivery: {domains: [x], aliases: {a: []}}\n",
	    "at least one");
	refused("local-delivery: {domains: [x], aliases: {a: {b: c}}}\n",
	    "expected");
	refused("local-delivery: {domains: [x], aliases: {a: b, b: a}}\n",
	    "loop");
	refused("local-delivery: {domains: [x], postmaster: a,\n"
	    "  aliases: {Postmaster: b}}\n", "set twice");
	refused("local-delivery: {domains: [x], postmaster: a@y}\n",
	    "forwarding");
	refused("local-delivery: {domains: [x], postmaster: \"\"}\n",
	    "not a user");
	refused("local-delivery: {domains: [x], postmaster: {a: b}}\n",
	    "postmaster");
	refused("local-delivery: {domains: [x], postmaster: [a, a2],\n"
	    "  aliases: {a: a2, a2: a}}\n", "loop");
}

Test(ld, fanout_bound)
{
	char yaml[8192];
	size_t n;
	int i;

	/* 65 distinct users through one alias: refused at start-up. */
	n = (size_t)snprintf(yaml, sizeof(yaml), "local-delivery:\n"
	    "  domains: [x]\n  aliases:\n    big: [");
	for (i = 0; i <= LD_MAX_TARGETS; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "%su%d",
		    i > 0 ? ", " : "", i);
	snprintf(yaml + n, sizeof(yaml) - n, "]\n");
	refused(yaml, "more than");
	/* Exactly the bound is fine. */
	n = (size_t)snprintf(yaml, sizeof(yaml), "local-delivery:\n"
	    "  domains: [x]\n  aliases:\n    big: [");
	for (i = 0; i < LD_MAX_TARGETS; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "%su%d",
		    i > 0 ? ", " : "", i);
	snprintf(yaml + n, sizeof(yaml) - n, "]\n");
	ld_config_free((struct ld_config *[]){ parse_ok(yaml) });
}

Test(ld, options)
{
	struct ld_config *cfg = parse_ok("local-delivery:\n"
	    "  domains: x\n  catch-all: bob\n  over-quota: temporary\n"
	    "  quota-check: false\n  detail-folders: no\n  realm: ldap\n"
	    "  storage: mbox\n");

	cr_assert_str_eq(cfg->catch_all, "bob");
	cr_assert_eq(cfg->over_quota, LD_OQ_TEMPORARY);
	cr_assert(!cfg->quota_check && !cfg->detail_folders);
	cr_assert_str_eq(cfg->realm, "ldap");
	cr_assert_str_eq(cfg->storage, "mbox");
	ld_config_free(&cfg);
}
